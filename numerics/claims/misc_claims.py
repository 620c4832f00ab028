"""Claims DC-R14 (Remark 14, App. A.2.2, p.20), DC-P18 (Prop. 18, App. C.3, p.30–31) and
DC-T36 (Def. 35, Eq. 17, Thm. 36, App. F.2, p.56–57).

Conventions, each where the paper uses it: Remark 14 in **raw rows without ξ** (teacher rows
``w_i + c_iu``, as printed there); Prop. 18 in the **normalised rows** of Claim 2's construction
(ξ = 1): its proof's first display is Prop. 4's h for unit-variance rows ``(w_i + c_iu)/√(1+1/k)``,
which sub-check DC-P18.a verifies exactly (the raw-row h differs: reported); Thm. 36 in
**normalised rows** (``v_i = (w_i + ξc_iu)/√(1+ξ²/k)``, as printed in F.2).

Every check takes the printed statement as data (``printed=...``, the dataclasses of
:mod:`theory.misc`), so tests can pass an altered statement and watch the verdict flip.

>>> [v.status for v in check_r14(Context(profile="quick"))]
['erratum', 'erratum', 'confirmed']
"""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
import sympy as sp
from scipy import stats

from numerics.claims import Claim, Context, SubCheck, Verdict, register
from numerics.claims import clean as _clean
from numerics.intervals import clopper_pearson
from theory import constructions as tc
from theory import hermite, population
from theory import misc as tm
from theory.activations import get

__all__ = ["check_r14", "check_p18", "check_t36", "clopper_pearson", "claim2_batch",
           "R14", "P18", "T36"]

_EXACT = "exact arithmetic (sympy): an identity is accepted only if the difference is exactly 0"


# --------------------------------------------------------------------------------------------
# DC-R14
# --------------------------------------------------------------------------------------------

_R14_PRINTED = (
    "For example, suppose σ = ReLU and let the base model be given by f_θ0(x) = Σ_i λ_iσ(⟨w_i, "
    "x⟩) and the teacher model be given by f_θ(x) = Σ_i λ_iσ(⟨w_i + c_iu, x⟩). Then, note "
    "E_x[x(f_θ0(x) − f_θ(x))] = μ_1(σ)(Σ_{i=1}^k λ_ic_i) u, where μ_1(σ) denotes the first "
    "normalized Hermite coefficient of the ReLU activation σ.")

R14_SUB = (
    SubCheck("DC-R14.a", "Remark 14 (App. A.2.2, p.20)",
             _R14_PRINTED + " — exactly (Stein's lemma and a direct integral), symbolic λ, c"),
    SubCheck("DC-R14.b", "Remark 14 (App. A.2.2, p.20)",
             _R14_PRINTED + " — Monte Carlo in full dimension, CLT interval"),
    SubCheck("DC-R14.c", "Remark 14 (App. A.2.2, p.20): scope",
             "Scope (the project's finding, not printed): in raw rows the identity uses that "
             "E[σ'(N g)] does not depend on the row norm N = ‖w_i + c_iu‖ = √(1 + c_i²) and "
             "equals μ_1(σ); true for ReLU (positively homogeneous), false for e.g. erf, where "
             "the w_i do not cancel and the u-coefficient is not μ_1(σ)Σλ_ic_i."),
)

_R14_STREAM = 0x14


def _r14_exact(ctx: Context, printed: tm.Remark14) -> Verdict:
    t0 = time.perf_counter()
    k = ctx.size(3, 4, 5)
    lam = sp.symbols(f"lambda1:{k + 1}", real=True)
    c = sp.symbols(f"c1:{k + 1}", real=True)
    act = printed.activation
    direct, stein = tm.first_moment_direct(act), tm.stein_coefficient(act)
    routes_agree = sp.simplify(direct - stein) == 0
    cu, cw = tm.remark14_moment(act, lam, c, printed.order)
    rhs = tm.remark14_printed_rhs(printed, lam, c)
    holds = routes_agree and all(sp.simplify(e) == 0 for e in cw) and \
        sp.simplify(cu - rhs) == 0
    ev = {"E[g σ(N g)]/N (direct)": direct, "E[σ'(N g)] (Stein)": stein,
          "routes agree": routes_agree, "printed order": list(printed.order),
          "derived coefficient of u": cu, "derived coefficients of w_i": cw,
          "printed coefficient of u": rhs,
          "mu_1(sigma)": sp.nsimplify(hermite.mu(get(act), 1).value),
          "row norms": "‖w_i‖ = 1, ‖w_i + c_iu‖ = √(1 + c_i²) (raw rows, u ⊥ w_i)"}
    if holds:
        return Verdict(R14_SUB[0].id, "confirmed", summary=f"E[x(f−f)] = {cu}·u exactly",
                       evidence=ev, tolerance="exact", justification=_EXACT,
                       convention="raw rows, no ξ", sizes={"k": k},
                       seconds=round(time.perf_counter() - t0, 3))
    swapped = tuple(reversed(printed.order))
    cu2, cw2 = tm.remark14_moment(act, lam, c, swapped)
    fixed = (routes_agree and all(sp.simplify(e) == 0 for e in cw2)
             and sp.simplify(cu2 - rhs) == 0)
    ev["coefficient of u with the order swapped"] = cu2
    if fixed:
        corr = (f"E_x[x(f_θ(x) − f_θ0(x))] = μ_1(σ)(Σλ_ic_i)u (f_{swapped[0]} − "
                f"f_{swapped[1]}), i.e. E_x[x(f_θ0(x) − f_θ(x))] = −μ_1(σ)(Σλ_ic_i)u; "
                "μ_1(ReLU) = 1/2 = E[relu'(N g)] for every row norm N")
        return Verdict(R14_SUB[0].id, "erratum",
                       summary=f"sign: E[x(f_θ0 − f_θ)] = ({cu})u, printed ({rhs})u",
                       evidence=ev, tolerance="exact", justification=_EXACT, corrected=corr,
                       convention="raw rows, no ξ", sizes={"k": k},
                       seconds=round(time.perf_counter() - t0, 3))
    return Verdict(R14_SUB[0].id, "refuted", summary=f"derived {cu}·u vs printed {rhs}·u",
                   evidence=ev, tolerance="exact", justification=_EXACT,
                   convention="raw rows, no ξ", sizes={"k": k},
                   seconds=round(time.perf_counter() - t0, 3))


def _r14_mc(ctx: Context, printed: tm.Remark14) -> Verdict:
    """Monte Carlo: d = k + 3, random orthonormal W and u ⊥ W, λ ~ U[0.5, 1.5], c = 1/√k·1."""
    t0 = time.perf_counter()
    rng = np.random.default_rng([ctx.seed, _R14_STREAM])
    k = 3
    d = k + 3
    n = ctx.size(200_000, 2_000_000, 10_000_000)
    Qm, _ = np.linalg.qr(rng.standard_normal((d, k + 1)))
    W, u = Qm[:, :k].T, Qm[:, k]
    lam = rng.uniform(0.5, 1.5, k)
    c = np.ones(k) / np.sqrt(k)  # one sign: Σλ_ic_i ≥ 1.5/√3, so the two signs separate
    act = get(printed.activation)
    first = {"base": W, "teacher": W + np.outer(c, u)}
    A, B = first[printed.order[0]], first[printed.order[1]]
    Q = np.column_stack([u, W.T])  # orthonormal: coordinates along u and the w_i
    s1, s2 = np.zeros(k + 1), np.zeros(k + 1)
    sr = np.zeros(d)
    chunk = 200_000
    done = 0
    while done < n:
        b = min(chunk, n - done)
        x = rng.standard_normal((b, d))
        y = act.f(x @ A.T) @ lam - act.f(x @ B.T) @ lam
        z = (x @ Q) * y[:, None]  # per-sample <x, q> (f − f)(x) for q = u, w_1..w_k
        s1 += z.sum(0)
        s2 += (z**2).sum(0)
        sr += (x * y[:, None]).sum(0)
        done += b
    mean = s1 / n
    se = np.sqrt(np.maximum(s2 / n - mean**2, 0) / (n - 1))
    rest = sr / n - Q @ mean
    along, se_u = float(mean[0]), float(se[0])
    rhs = float(tm.remark14_printed_rhs(printed, lam.tolist(), c.tolist()))
    z_pr, z_co = (along - rhs) / se_u, (along + rhs) / se_u
    z_w = [float(mean[i + 1] / se[i + 1]) for i in range(k)]
    zc = float(stats.norm.ppf(1 - 1e-3 / 2))
    zb = float(stats.norm.ppf(1 - 1e-3 / (2 * (k + 1))))
    ok_rest = max(abs(v) for v in z_w) <= zb
    ev = {"d": d, "k": k, "n": n, "lambda": lam, "c": c,
          "E[x(f−f)]·u (estimate)": along, "standard error": se_u,
          "printed μ_1Σλ_ic_i": rhs, "z vs printed": z_pr, "z vs sign-corrected": z_co,
          "z of the w_i components (printed: 0)": z_w,
          "norm of the part off span(u, W)": float(np.linalg.norm(rest)),
          "order": list(printed.order)}
    common = dict(tolerance=f"|z| ≤ {zc:.2f} (two-sided 1e-3); w_i components Bonferroni "
                            f"|z| ≤ {zb:.2f}",
                  justification="CLT for the sample means of <x, q>(f_θ0 − f_θ)(x), q = u, "
                                "w_1..w_k (sample standard errors)",
                  convention="raw rows, no ξ", seeds=[ctx.seed, _R14_STREAM],
                  sizes={"n": n, "d": d, "k": k})
    dt = round(time.perf_counter() - t0, 3)
    if abs(z_pr) <= zc and ok_rest:
        return Verdict(R14_SUB[1].id, "confirmed", summary=f"estimate {along:.4f} ≈ printed "
                       f"{rhs:.4f} (z = {z_pr:.2f})", evidence=ev, seconds=dt, **common)
    if abs(z_co) <= zc and ok_rest:
        return Verdict(R14_SUB[1].id, "erratum",
                       summary=f"estimate {along:.4f} ± {se_u:.4f}: printed {rhs:.4f} rejected "
                               f"(z = {z_pr:.0f}), −μ_1Σλ_ic_i = {-rhs:.4f} fits (z = "
                               f"{z_co:.2f})", evidence=ev, seconds=dt,
                       corrected="E_x[x(f_θ0(x) − f_θ(x))] = −μ_1(σ)(Σλ_ic_i)u", **common)
    return Verdict(R14_SUB[1].id, "refuted", summary=f"estimate {along:.4f} fits neither sign",
                   evidence=ev, seconds=dt, **common)


def _r14_scope(ctx: Context) -> Verdict:
    t0 = time.perf_counter()
    out = {}
    ok = True
    for name in ("relu", "erf", *ctx.activations):
        try:
            a = tm.stein_coefficient(name)
        except Exception as err:  # noqa: BLE001 - an activation sympy cannot integrate
            out[name] = f"not evaluated: {type(err).__name__}"
            continue
        mu1 = sp.nsimplify(hermite.mu(get(name), 1).value)
        const = sp.simplify(sp.diff(a, tm.NORM)) == 0
        out[name] = {"E[σ'(N g)]": a, "μ_1": mu1, "independent of N": const,
                     "equals μ_1 for all N": const and sp.simplify(a.subs(tm.NORM, 1) - mu1)
                     == 0}
        if name == "relu":
            ok &= out[name]["equals μ_1 for all N"]
        if name == "erf":
            ok &= not out[name]["independent of N"]
    return Verdict(R14_SUB[2].id, "confirmed" if ok else "refuted",
                   summary="E[σ'(N g)] = μ_1 for every N: ReLU yes, erf no" if ok else
                   "scope finding not reproduced",
                   evidence={"activations": out,
                             "consequence": "in raw rows, E[x(f_θ0 − f_θ)] = Σλ_i[(a(1) − "
                             "a(N_i))w_i − a(N_i)c_iu], a(N) = E[σ'(N g)], N_i = √(1 + c_i²): "
                             "a multiple of u only if a is constant (ReLU)"},
                   tolerance="exact", justification=_EXACT, convention="raw rows, no ξ",
                   seconds=round(time.perf_counter() - t0, 3))


def check_r14(ctx: Context, printed: tm.Remark14 = tm.PRINTED_R14) -> list[Verdict]:
    """DC-R14 (Remark 14, p.20), raw rows without ξ, σ = ReLU: (a) exactly for symbolic
    ``λ, c`` (k = 3/4/5), two routes to ``E[x σ(<v,x>)]``; (b) Monte Carlo, ``n`` = 2·10⁵ /
    2·10⁶ / 10⁷ samples in d = 6 (quick: < 1 s); (c) the scope finding (ReLU vs erf).

    >>> check_r14(Context(profile="quick"))[0].corrected.startswith("E_x[x(f_θ(x)")
    True
    """
    return _clean([_r14_exact(ctx, printed), _r14_mc(ctx, printed), _r14_scope(ctx)])


R14 = register(Claim(
    id="DC-R14", location="Remark 14 (App. A.2.2, p.20)",
    title="First moment E[x(f_θ0 − f_θ)] = μ_1(σ)(Σλ_ic_i)u for ReLU",
    convention="raw rows, no ξ (w_i + c_iu)", subchecks=R14_SUB, check=check_r14,
    needs="numerics"))

# --------------------------------------------------------------------------------------------
# DC-P18
# --------------------------------------------------------------------------------------------

_P18_PRINTED = (
    "Proposition 18 Let ξ = 1, and consider the example in Claim 2. Suppose σ = h_p is the p'th "
    "Hermite coefficient for some p > 2. Then, h(m) = 2p(k/(k+1))^p h̃(m) where h̃(m) = "
    "Σ_{i=1}^k λ_i²c_iĉ_i + O(λ²_max/k). Moreover, with high probability over the choice of ĉ, "
    "we have h(m)sign(h(0)) ≥ |h(0)|/2.")

P18_SUB = (
    SubCheck("DC-P18.a", "Prop. 18's proof (p.30)",
             "Initially, note h(m) = 2p(k/(k+1))^p Σ_{i,j=1}^k λ_iλ_jc_iĉ_j(⟨w_i, w_j⟩ + "
             "c_iĉ_jm)^{p−1} [against Prop. 4's h for Claim 2's construction, ξ = 1, σ = h_p]"),
    SubCheck("DC-P18.b", "Prop. 18's proof (p.30)",
             "because |⟨w_i, w_j⟩| ≤ 1/k for i ≠ j, we have |Σ_{i,j} λ_iλ_jc_iĉ_j(⟨w_i, w_j⟩ + "
             "c_iĉ_j⟨u, û⟩)^{p−1} − Σ_i λ_i²c_iĉ_i(1 + c_iĉ_i⟨u, û⟩)^{p−1}| ≤ Σ_{i≠j} "
             "|λ_iλ_jc_iĉ_j 2/k^{p−1}| ≤ λ²_max/k^{p−2}"),
    SubCheck("DC-P18.c", "Prop. 18 (p.30); p.31 'for p ≥ 3'", _P18_PRINTED +
             " [the O(λ²_max/k) remainder: implied constant over k and p]"),
    SubCheck("DC-P18.d", "Prop. 18 (p.30); proof end (p.31)",
             "Moreover, with high probability over the choice of ĉ, we have h(m)sign(h(0)) ≥ "
             "|h(0)|/2. [p.31: 'Then, with high probability h(m)signh(0) ≥ |h(0)|/2 "
             "uniformly.']"),
)

_P18_STREAM = 0x18
_FX = "fitted exponent of the failure probability in k (Monte Carlo k)"


def claim2_batch(k: int, p: int, s: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients (ascending in m) of ``Q(m) = k^p h̃(m)`` for a batch of ``ŝ`` (rows of
    ``T``, entries ±1), and of its diagonal part ``Σ_i t_i(k + t_i m)^{p−1}`` (``t_i = s_iŝ_i``):
    :func:`theory.misc.claim2_integer_poly` vectorised. Integer-valued floats, exact while
    below 2⁵³ (``k^{p+1}·2^p`` < 2⁵³: k ≤ 400 at p = 5).

    >>> Q, Qd = claim2_batch(2, 3, np.array([1, 1]), np.array([[1, 1]]))
    >>> Q[0].tolist(), Qd[0].tolist()
    ([10.0, 4.0, 4.0], [8.0, 8.0, 2.0])
    """
    s = np.asarray(s, float)
    T = np.asarray(T, float)
    kG = -np.outer(s, s)
    np.fill_diagonal(kG, k)
    Q = np.zeros((T.shape[0], p))
    Qd = np.zeros((T.shape[0], p))
    t = T * s  # t_i = s_i ŝ_i
    for e in range(p):
        A = math.comb(p - 1, e) * kG ** (p - 1 - e)
        dc = math.comb(p - 1, e) * float(k) ** (p - 1 - e)
        if e % 2 == 0:  # (s_iŝ_j)^{e+1} = s_iŝ_j
            Q[:, e] = (T @ (A.T @ s))
            Qd[:, e] = dc * t.sum(1)
        else:  # (s_iŝ_j)^{e+1} = 1
            Q[:, e] = A.sum()
            Qd[:, e] = dc * k
    return Q, Qd


def _hats(k: int, rng: np.random.Generator, n_mc: int, enum_max: int) -> tuple[np.ndarray, str]:
    if k <= enum_max:
        return np.array(list(itertools.product((1, -1), repeat=k)), float), "all 2^k"
    return rng.choice([-1.0, 1.0], size=(n_mc, k)), f"{n_mc} random"


def _sup_abs(coef: np.ndarray, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: max over the grid of |poly| and a rigorous upper bound (grid max + L·Δ/2,
    L = Σ e|q_e| bounds |poly'| on [−1, 1])."""
    V = np.abs(np.polynomial.polynomial.polyval(grid, coef.T))
    mx = V.max(1)
    L = (np.abs(coef) * np.arange(coef.shape[1])).sum(1)
    return mx, mx + L * (grid[1] - grid[0]) / 2


def _sup_refined(coef: np.ndarray, grid: np.ndarray, level: float) -> float:
    """max over rows and m ∈ [−1, 1] of |poly|: grid values, refined exactly (critical points
    from ``np.roots``, float rounding only) for every row whose grid max + L·Δ/2 exceeds
    ``level`` (so a sup attained at the bound is not overestimated)."""
    mx, ub = _sup_abs(coef, grid)
    best = float(mx.max())
    for r in np.flatnonzero(ub > level):
        q = coef[r]
        dq = np.polynomial.polynomial.polyder(q)
        pts = [-1.0, 1.0] + [float(z.real) for z in np.polynomial.polynomial.polyroots(dq)
                             if abs(z.imag) < 1e-12 and -1 <= z.real <= 1] if dq.any() else [-1.0]
        best = max(best, float(np.abs(np.polynomial.polynomial.polyval(pts, q)).max()))
    return best


def _p18a(ctx: Context, printed: tm.Prop18Printed) -> Verdict:
    t0 = time.perf_counter()
    rng = np.random.default_rng([ctx.seed, _P18_STREAM, 1])
    kmax = ctx.size(3, 4, 5)
    cases, bad, raw_equal = 0, [], 0
    for k in range(2, kmax + 1):
        for p in (3, 4, 5):
            for _ in range(2):
                s = tuple(int(v) for v in rng.choice([-1, 1], k))
                sh = tuple(int(v) for v in rng.choice([-1, 1], k))
                W, c, _u = tc.claim2_matrix(k, s)
                G = W * W.T
                ch = [v / sp.sqrt(k) for v in sh]
                ref = population.h_exact(f"h{p}", G, [1] * k, c, ch, 1, "normalised")
                disp = tm.claim2_h_display(k, p, s, sh, printed=printed)
                ints = sp.expand(2 * p * sp.Rational(k, k + 1) ** p * sum(
                    q * population.M**e for e, q in enumerate(tm.claim2_integer_poly(k, p, s, sh)))
                    / sp.Integer(k) ** p)
                raw = population.h_exact(f"h{p}", G, [1] * k, c, ch, 1, "raw")
                raw_equal += sp.expand(raw - ref) == 0
                cases += 1
                if sp.expand(disp - ref) != 0 or sp.expand(ints - ref) != 0:
                    bad.append({"k": k, "p": p, "s": s, "ŝ": sh, "display": disp,
                                "Prop. 4 (normalised)": ref})
    ok = not bad
    return Verdict(
        P18_SUB[0].id, "confirmed" if ok else "refuted",
        summary=(f"display = Prop. 4's h (normalised rows) exactly in {cases} cases" if ok else
                 f"display ≠ Prop. 4's h in {len(bad)} of {cases} cases"),
        evidence={"cases": cases, "failures (first 3)": bad[:3],
                  "raw-row h equal to it": f"{raw_equal} of {cases}",
                  "note": "The display is h in the normalised convention (rows (w_i + c_iu)/"
                          "√(1+1/k), unit variance; Thm. 19's proof: 'the v_i are orthonormal'), "
                          "not in raw rows, where σ = h_p sees variance 1 + 1/k and h differs."},
        tolerance="exact", justification=_EXACT,
        convention="normalised rows of Claim 2's construction, ξ = 1, λ_i = 1",
        seeds=[ctx.seed, _P18_STREAM, 1], sizes={"k": f"2..{kmax}", "p": [3, 4, 5]},
        seconds=round(time.perf_counter() - t0, 3))


def _p18b(ctx: Context, printed: tm.Prop18Printed) -> Verdict:
    t0 = time.perf_counter()
    rng = np.random.default_rng([ctx.seed, _P18_STREAM, 2])
    grid = np.linspace(-1, 1, 2001)
    rows, worst_pr, worst_co = [], 0.0, 0.0
    for p in (3, 4, 5):
        for k in range(3, ctx.size(8, 12, 14) + 1):
            s = np.ones(k)
            T, how = _hats(k, rng, 2000, 12)
            Q, Qd = claim2_batch(k, p, s, T)
            bound_pr = printed.offdiag_const / k ** (p - printed.offdiag_shift)
            bound_co = 2 ** (p - 1) * (k - 1) / k ** (p - 1)
            sup = _sup_refined(Q - Qd, grid, 0.999 * bound_co * k**p) / k**p  # λ_max = 1
            sup_ub = sup
            worst_pr = max(worst_pr, sup / bound_pr)
            worst_co = max(worst_co, sup_ub / bound_co)
            rows.append({"p": p, "k": k, "ĉ": how, "sup |off-diagonal|": sup,
                         "printed bound": bound_pr, "ratio to printed": sup / bound_pr,
                         "ratio to 2^{p−1}(k−1)/k^{p−1}": sup / bound_co})
    ev = {"per (p, k) (c = 1/√k·1, λ = 1; sup over m ∈ [−1,1] and ĉ)": rows,
          "worst ratio to the printed bound": worst_pr,
          "worst sup / corrected bound": worst_co,
          "note": "The middle step of the chain reads 2/k^{p−1}; the triangle inequality gives "
                  "|⟨w_i,w_j⟩ + c_iĉ_jm| ≤ 2/k, hence (2/k)^{p−1}, and the sum over i ≠ j of "
                  "|λ_iλ_jc_iĉ_j|(2/k)^{p−1} is 2^{p−1}(k−1)λ²_max/k^{p−1}: attained at ĉ = "
                  "−c, m = 1 (p even). The O(λ²_max/k^{p−2}) conclusion is unaffected."}
    common = dict(evidence=ev, tolerance="sup over m: 2001-point grid + L·Δ/2, refined at the "
                  "critical points near the bound; corrected bound to 1e-9 relative",
                  justification="integer-coefficient polynomials (exact in float64); L bounds "
                                "|Q'| on [−1, 1]",
                  convention="normalised rows of Claim 2's construction, ξ = 1, λ_i = 1",
                  seeds=[ctx.seed, _P18_STREAM, 2],
                  sizes={"k": f"3..{ctx.size(8, 12, 14)}", "p": [3, 4, 5]},
                  seconds=round(time.perf_counter() - t0, 3))
    if worst_pr <= 1:
        return Verdict(P18_SUB[1].id, "confirmed",
                       summary=f"sup/bound ≤ {worst_pr:.3f}", **common)
    if worst_co <= 1 + 1e-9:
        return Verdict(P18_SUB[1].id, "erratum",
                       summary=f"printed bound exceeded by up to {worst_pr:.2f}×; "
                               "2^{p−1}(k−1)λ²_max/k^{p−1} holds (attained)",
                       corrected="≤ Σ_{i≠j}|λ_iλ_jc_iĉ_j|(2/k)^{p−1} ≤ 2^{p−1}(k−1)λ²_max/"
                                 "k^{p−1} (= O(λ²_max/k^{p−2}))", **common)
    return Verdict(P18_SUB[1].id, "refuted", summary=f"exceeds even the corrected bound "
                   f"({worst_co:.3g}×)", **common)


def _slope(ks, vals) -> float:
    x, y = np.log(np.asarray(ks, float)), np.log(np.asarray(vals, float))
    return float(np.polyfit(x, y, 1)[0])


def _p18c(ctx: Context, printed: tm.Prop18Printed) -> Verdict:
    t0 = time.perf_counter()
    rng = np.random.default_rng([ctx.seed, _P18_STREAM, 3])
    grid = np.linspace(-1, 1, 2001)
    ks = list(range(3, ctx.size(9, 12, 14) + 1))
    a = printed.remainder_power
    per_p, verdict_ok = {}, True
    for p in (3, 4, 5):
        consts, bounds = [], []
        for k in ks:
            s = rng.choice([-1.0, 1.0], k)  # c fixed by the construction (any sign vector)
            T, _ = _hats(k, rng, 2000, 12)
            Q, _Qd = claim2_batch(k, p, s, T)
            lead = (T * s).sum(1) * k ** (p - 1)  # k^p Σ c_iĉ_i
            R = Q.copy()
            R[:, 0] -= lead
            _mx, ub = _sup_abs(R, grid)
            consts.append(float(_mx.max()) / k**p * k**a)
            # the (corrected) proof's explicit bound on |remainder|·k (λ_max = 1)
            bounds.append(k * ((1 + 1 / k) ** (p - 1) - 1) + 2 ** (p - 1) * (k - 1) / k ** (p - 2))
        half = len(ks) // 2
        sl = _slope(ks[half:], consts[half:])
        per_p[p] = {"k": ks, "implied constant |h̃ − Σλ²cĉ|·k^a/λ²_max": consts,
                    "proof's explicit bound (a = 1)": bounds,
                    "log-log slope over the upper half of k": sl}
        verdict_ok &= sl < 0.25
    ev = {"a (printed remainder O(λ²_max/k^a))": a, "per p": per_p,
          "c": "random sign vector per k (fixed by the construction), λ_i = 1",
          "ĉ": "all 2^k for k ≤ 12, else 2000 random; sup over m ∈ [−1,1]",
          "leading term": "h(m)/(2p(k/(k+1))^p) with h from the display verified in DC-P18.a",
          "note": "Expected limit of the constant: p − 1 (from (p−1)m Σλ_i²(c_iĉ_i)² = "
                  "(p−1)m‖λ‖²/k²); it decreases towards it over the grid."}
    st = "supported" if verdict_ok else "not-supported"
    worst = max(max(v["implied constant |h̃ − Σλ²cĉ|·k^a/λ²_max"]) for v in per_p.values())
    slopes = ", ".join(f"{v['log-log slope over the upper half of k']:.2f}"
                       for v in per_p.values())
    head = "implied constant bounded" if verdict_ok else "implied constant grows"
    return Verdict(P18_SUB[2].id, st,
                   summary=f"{head} (max {worst:.3g}; log-log slopes p = 3, 4, 5: {slopes})",
                   evidence=ev, tolerance="bounded: fitted log-log slope of the implied constant "
                   "over the upper half of the k grid < 0.25",
                   justification="an O(k^{-a}) claim predicts a constant that does not grow; "
                                 "a slope ≥ 0.25 would mean the next power of k is missing",
                   convention="normalised rows of Claim 2's construction, ξ = 1",
                   seeds=[ctx.seed, _P18_STREAM, 3], sizes={"k": ks, "p": [3, 4, 5]},
                   seconds=round(time.perf_counter() - t0, 3))


def _sign_condition(Q: np.ndarray, fraction: float, grid: np.ndarray,
                    side_only: bool) -> np.ndarray:
    """Per row: does ``sgn(Q(0))Q(m) ≥ fraction|Q(0)|`` hold for all m ∈ [−1, 1] (or only
    where ``m Q(0) ≥ 0``)? ``Q(0) = 0`` counts as failure. Grid + Lipschitz margin decide;
    undecided rows are settled exactly with sympy (integer coefficients)."""
    q0 = Q[:, 0]
    sg = np.sign(q0)
    F = Q * sg[:, None]
    F[:, 0] -= fraction * np.abs(q0)
    V = np.polynomial.polynomial.polyval(grid, F.T)
    if side_only:
        mask = (grid[None, :] * sg[:, None]) >= 0
        V = np.where(mask, V, np.inf)
    mn = V.min(1)
    L = (np.abs(F) * np.arange(F.shape[1])).sum(1)
    margin = L * (grid[1] - grid[0]) / 2 + 1e-9 * np.abs(F).sum(1)
    out = mn - margin >= 0
    undecided = np.flatnonzero((mn >= 0) & (mn - margin < 0) & (q0 != 0))
    m = population.M
    for r in undecided:
        poly = sp.Poly([sp.Rational(v).limit_denominator(4) for v in F[r][::-1]], m)
        lo, hi = (0, 1) if (side_only and sg[r] > 0) else (-1, 0) if side_only else (-1, 1)
        crit = [lo, hi] + [x for x in sp.Poly(poly.diff(m), m).real_roots() if lo <= x <= hi]
        out[r] = min(poly.eval(x) for x in crit) >= 0
    out &= q0 != 0
    return out


def _p18d(ctx: Context, printed: tm.Prop18Printed) -> Verdict:
    t0 = time.perf_counter()
    rng = np.random.default_rng([ctx.seed, _P18_STREAM, 4])
    grid = np.linspace(-1, 1, 401)
    k_enum = list(range(3, ctx.size(10, 12, 14) + 1))
    k_mc = ctx.size([16, 64, 256], [16, 32, 64, 128, 256, 512, 1024],
                    [16, 32, 64, 128, 256, 512, 1024])  # Q exact in float64 up to k = 1024
    n_mc = ctx.size(400, 2000, 10000)
    fr = printed.fraction
    per_p, ok_all, any_bad = {}, True, False
    for p in (3, 4, 5):
        rows = []
        for k in k_enum + k_mc:
            s = rng.choice([-1.0, 1.0], k)
            T, how = _hats(k, rng, n_mc, max(k_enum))
            Q, _ = claim2_batch(k, p, s, T)
            fail_u = ~_sign_condition(Q, fr, grid, side_only=False)
            fail_s = ~_sign_condition(Q, fr, grid, side_only=True)
            n = T.shape[0]
            row = {"k": k, "ĉ": how, "failure (uniform in m, as printed)": fail_u.mean(),
                   "failure (only m h(0) ≥ 0, Condition 3)": fail_s.mean(),
                   "h(0) = 0": float((Q[:, 0] == 0).mean())}
            if k > max(k_enum):
                row["95% CP (uniform)"] = clopper_pearson(int(fail_u.sum()), n)
            rows.append(row)
        f = [r["failure (uniform in m, as printed)"] for r in rows]
        ks = [r["k"] for r in rows]
        pos = [(kk, ff) for kk, ff in zip(ks, f, strict=True) if ff > 0 and kk in k_mc]
        sl = _slope(*zip(*pos, strict=True)) if len(pos) >= 3 else float("nan")
        last_lo, last_hi = rows[-1].get("95% CP (uniform)", (f[-1], f[-1]))
        decreasing = (last_hi < f[0]) and (np.isnan(sl) or sl < 0)
        ok_all &= decreasing
        any_bad |= (not np.isnan(sl) and sl >= 0) or last_lo >= f[0]
        per_p[p] = {"rows": rows, _FX: sl,
                    "decreasing": decreasing}
    st = "supported" if ok_all else "not-supported" if any_bad else "inconclusive"
    fs = {p: round(float(v["rows"][-1]["failure (uniform in m, as printed)"]), 3)
          for p, v in per_p.items()}
    ev = {"fraction": fr, "per p": per_p,
          "mechanism": "failure needs |Σ c_iĉ_i| = |Σ t_i|/k comparable to the O(1/k) remainder,"
                       " i.e. |Σ t_i| = O(p): probability Θ(1/√k) (even k: the atom Σ t_i = 0), "
                       "so 'w.h.p.' can only mean 1 − O(k^{−1/2}): at k = 32 the uniform condition "
                       "still fails for most ĉ (p = 3: about 60%)",
          "reading": "as printed the condition is uniform over m ∈ [−1, 1] (p.31 'uniformly'); "
                     "Condition 3 (App. C.1) asks it only where m h(0) ≥ 0 — both reported; "
                     "h(0) = 0 counts as failure"}
    return Verdict(P18_SUB[3].id, st,
                   summary=f"failure probability (uniform in m) at k = {k_mc[-1]}: {fs}; "
                           "fitted exponents in k " + ", ".join(
                               f"{v[_FX]:.2f}"
                               for v in per_p.values()),
                   evidence=ev,
                   tolerance="'w.h.p.' read as failure probability → 0 in k: the 95% CP upper "
                             "bound at the largest k below the exact failure probability at "
                             "k = 3, and a negative fitted exponent",
                   justification="exact probabilities (enumeration of ĉ) for small k, "
                                 "Clopper–Pearson intervals for the Monte Carlo k",
                   convention="normalised rows of Claim 2's construction, ξ = 1, λ_i = 1",
                   seeds=[ctx.seed, _P18_STREAM, 4],
                   sizes={"k exact": k_enum, "k Monte Carlo": k_mc, "draws": n_mc},
                   seconds=round(time.perf_counter() - t0, 3))


def check_p18(ctx: Context, printed: tm.Prop18Printed = tm.PRINTED_P18) -> list[Verdict]:
    """DC-P18 (Prop. 18, p.30–31), normalised rows of Claim 2's construction, ξ = 1, σ = h_p,
    p ∈ {3, 4, 5}: (a) the proof's display against Prop. 4, exactly (k ≤ 3/4/5); (b) the
    off-diagonal bound of the proof; (c) the O(λ²_max/k) remainder's implied constant over
    k = 3..9/12/14; (d) the w.h.p. sign condition: exact probabilities over all ĉ for small k,
    Monte Carlo (Clopper–Pearson) beyond.

    >>> [v.status for v in check_p18(Context(profile="quick"))]
    ['confirmed', 'erratum', 'supported', 'supported']
    """
    return _clean([_p18a(ctx, printed), _p18b(ctx, printed), _p18c(ctx, printed),
                   _p18d(ctx, printed)])


P18 = register(Claim(
    id="DC-P18", location="Prop. 18 (App. C.3, p.30–31)",
    title="Claim 2's construction with σ = h_p: h(m) ≈ 2p(k/(k+1))^p Σλ_i²c_iĉ_i, sign condition "
          "w.h.p.",
    convention="normalised rows of Claim 2's construction, ξ = 1", subchecks=P18_SUB,
    check=check_p18, needs="numerics"))

# --------------------------------------------------------------------------------------------
# DC-T36
# --------------------------------------------------------------------------------------------

_T36_PRINTED = (
    "Theorem 36 Suppose û is such that 1−|⟨u, û⟩| ≤ ϵ·(k+ξ²)/(2C_σλ²_maxξ²k²) which is Θ(ϵ/k) "
    "for ξ = Θ(1) and Θ(ϵ/k²) for ξ = Θ(√k). Then, there exists a model h ∈ L_λ as defined in "
    "Equation (17) such that E_x(f*(x) − h(x))² ≤ ϵ. [Eq. (17): L_λ = {Σ_i λ_{i,1}σ(⟨(w_i + "
    "(ξ/√k)û)/√(1+ξ²/k), x⟩) + λ_{i,2}σ(⟨(w_i − (ξ/√k)û)/√(1+ξ²/k), x⟩) : λ ∈ R^k × R^k}]")

T36_SUB = (
    SubCheck("DC-T36.a", "Thm. 36's proof (p.57)",
             "Furthermore, we have ‖v_i − ṽ_i‖ = (ξ/√k)‖u − û‖/√(1 + ξ²/k) [v_i = (w_i + "
             "ξc_iu)/√(1+ξ²/k), ṽ_i = (w_i + ξc_iû)/√(1+ξ²/k)]; with ‖u − û‖² = 2(1 − ⟨u,û⟩)"),
    SubCheck("DC-T36.b", "Thm. 36 (p.57)",
             "ϵ·(k+ξ²)/(2C_σλ²_maxξ²k²) which is Θ(ϵ/k) for ξ = Θ(1) and Θ(ϵ/k²) for ξ = "
             "Θ(√k)"),
    SubCheck("DC-T36.c", "Thm. 36's proof (p.57)",
             "k Σ_i λ_i²E_x(σ(⟨v_i, x⟩) − σ(⟨ṽ_i, x⟩))² ≤ C_σλ²_max k 2ξ²(1 − ⟨u, û⟩)/(1 + "
             "ξ²/k), with E_x(f*(x) − f̂(x))² ≤ k Σ_i λ_i²E_x(σ(⟨v_i,x⟩) − σ(⟨ṽ_i,x⟩))² [the "
             "candidate model h(x) = Σ λ_iσ(⟨ṽ_i, x⟩); printed with σ(⟨v_i, x⟩) twice, a typo]"),
    SubCheck("DC-T36.d", "Thm. 36 (p.57)", _T36_PRINTED),
)

_T36_STREAM = 0x36


def _t36_grid(ctx: Context, rng: np.random.Generator):
    acts = ctx.size(["relu"], ["relu", "erf", "He3"], ["relu", "erf", "He3"])
    ks = ctx.size([2, 4], [2, 4, 8], [2, 4, 8, 12])
    eps = ctx.size([1e-1, 1e-2], [1e-1, 1e-2, 1e-3], [1e-1, 1e-2, 1e-3, 1e-4])
    out = []
    for act in acts:
        for k in ks:
            s = [int(v) for v in rng.choice([-1, 1], k)]
            for xi_name, xi in (("1", 1.0), ("√k", math.sqrt(k))):
                lam = [1.0] * k if k <= 2 else [float(v) for v in rng.uniform(0.5, 1.5, k)]
                out.append((act, k, s, xi_name, xi, lam, np.eye(k).tolist()))
            if ctx.profile != "quick" and k >= 4:  # unit rows, not orthonormal (G_ij = 0.3)
                G = (0.7 * np.eye(k) + 0.3).tolist()
                out.append((act, k, s, "1, G_ij = 0.3", 1.0, [1.0] * k, G))
    return out, eps


def _t36a(ctx: Context, printed: tm.Thm36Printed) -> Verdict:
    t0 = time.perf_counter()
    r = tm.t36_identity(printed, ctx.size(3, 4, 5))
    return Verdict(T36_SUB[0].id, "confirmed" if r["holds"] else "refuted",
                   summary=("identity exact for c_i = ±1/√k, symbolic vectors" if r["holds"]
                            else "identity fails"), evidence=r, tolerance="exact",
                   justification=_EXACT + "; note v_i − ṽ_i = ξc_i(u − û)/√(1+ξ²/k) needs no "
                   "orthogonality, but ṽ_i is a unit vector only if û ⊥ span(W) (Assumption 2)",
                   convention="normalised rows (F.2)",
                   seconds=round(time.perf_counter() - t0, 3))


def _t36b(ctx: Context, printed: tm.Thm36Printed) -> Verdict:
    t0 = time.perf_counter()
    r = tm.t36_specialisations(printed)
    ok = r["xi_const"]["theta"] and r["xi_sqrtk"]["theta"]
    return Verdict(T36_SUB[1].id, "confirmed" if ok else "refuted",
                   summary=("threshold/(ε/k) → " + str(r["xi_const"]["limit"]) + "; threshold/"
                            "(ε/k²) at ξ = ξ̄√k → " + str(r["xi_sqrtk"]["limit"])),
                   evidence=r, tolerance="exact (sympy limit k → ∞ finite and positive)",
                   justification=_EXACT, convention="normalised rows (F.2)",
                   seconds=round(time.perf_counter() - t0, 3))


def _t36c(ctx: Context, printed: tm.Thm36Printed) -> Verdict:
    t0 = time.perf_counter()
    rng = np.random.default_rng([ctx.seed, _T36_STREAM, 3])
    grid, _ = _t36_grid(ctx, rng)
    oms = [0.3, 0.03, 0.003]
    rows, worst, bad = [], 0.0, []
    for act, k, s, xin, xi, lam, G in grid:
        C = float(tm.sharp_c_sigma(act))
        for om in oms:
            for sgn in (1, -1):
                m = sgn * (1 - om)
                cand = tm.t36_losses(act, G, lam, s, m, xi)["candidate"]
                bound = float(printed.proof_bound.subs({tm.CS: C, tm.LMAX: max(lam), tm.KS: k,
                                                        tm.XI: xi, sp.Symbol("OM",
                                                                             positive=True): om}))
                ratio = float(cand) / bound
                worst = max(worst, ratio)
                if ratio > 1 + 1e-20:
                    bad.append({"act": act, "k": k, "ξ": xin, "1−|m|": om, "m": m,
                                "ratio": ratio})
            rows.append({"σ": act, "k": k, "ξ": xin, "C_σ": C, "1−|m|": om,
                         "candidate loss / proof bound": ratio})
    ok = not bad
    return Verdict(T36_SUB[2].id, "confirmed" if ok else "refuted",
                   summary=(f"bound holds, candidate loss ≤ {worst:.3g} × bound" if ok else
                            f"bound exceeded in {len(bad)} cases"),
                   evidence={"rows": rows, "failures": bad[:5],
                             "C_σ used": "E[σ'(g)²] = K'(1) (least constant for unit vectors; "
                                         "ReLU 1/2, erf 4/(π√5), He3 18; Lip(σ)² is larger)",
                             "note": "the bound is loose by ≈ k (Cauchy–Schwarz over i) times "
                                     "the ratio of the kernel's secant slope to K'(1)"},
                   tolerance="candidate loss ≤ bound, losses at 40 digits (mpmath)",
                   justification="exact kernels K (closed forms) at 40 digits; the only error is "
                                 "rounding far below the margins",
                   convention="normalised rows (F.2), unit w_i, û ⊥ span(W)",
                   seeds=[ctx.seed, _T36_STREAM, 3], sizes={"grid": len(grid), "1−|m|": oms},
                   seconds=round(time.perf_counter() - t0, 3))


def _m_eps(act, G, lam, s, xi, eps, steps: int) -> float:
    """1 − m_ε: the largest 1 − m (bisection in log, ``steps`` halvings) with best loss ≤ ε."""
    lo, hi = math.log(1e-12), math.log(1.0)
    best = lambda om: float(tm.t36_losses(act, G, lam, s, 1 - om, xi, dps=30)["best"])  # noqa: E731
    if best(1.0) <= eps:
        return 1.0
    for _ in range(steps):
        mid = (lo + hi) / 2
        if best(math.exp(mid)) <= eps:
            lo = mid
        else:
            hi = mid
    return math.exp(lo)


def _t36d(ctx: Context, printed: tm.Thm36Printed) -> Verdict:
    t0 = time.perf_counter()
    rng = np.random.default_rng([ctx.seed, _T36_STREAM, 4])
    grid, eps_list = _t36_grid(ctx, rng)
    rows, bad = [], []
    steps = ctx.size(12, 14, 24)
    for act, k, s, xin, xi, lam, G in grid:
        C = float(tm.sharp_c_sigma(act))
        for eps in eps_list:
            thr = tm.t36_threshold(printed, eps, k, xi, C, max(lam))
            losses = {}
            for sgn in (1, -1):
                m = sgn * (1 - min(thr, 1.0))
                losses[sgn] = float(tm.t36_losses(act, G, lam, s, m, xi)["best"])
            row = {"σ": act, "k": k, "ξ": xin, "ε": eps, "C_σ": C, "threshold": thr,
                   "best loss at threshold (m > 0)": losses[1],
                   "best loss at threshold (m < 0)": losses[-1]}
            if ctx.profile == "paper" or eps == 1e-2:  # implied C: ε-independent (checked)
                om_eps = _m_eps(act, G, lam, s, xi, eps, steps)
                row["1 − m_ε (largest with best loss ≤ ε)"] = om_eps
                row["implied C_σ"] = eps * (k + xi**2) / (2 * max(lam) ** 2 * xi**2 * k**2
                                                          * om_eps)
                row["slack (1 − m_ε)/threshold"] = om_eps / thr
            rows.append(row)
            if max(losses.values()) > eps:
                bad.append(row)
    ok = not bad
    slack = [r["slack (1 − m_ε)/threshold"] for r in rows if "slack (1 − m_ε)/threshold" in r]
    return Verdict(
        T36_SUB[3].id, "confirmed" if ok else "refuted",
        summary=(f"best family member has loss ≤ ε at the threshold in all {len(rows)} cases; "
                 f"threshold is {min(slack):.3g}–{max(slack):.3g}× smaller than needed" if ok
                 else f"loss > ε at the threshold in {len(bad)} of {len(rows)} cases"),
        evidence={"rows": rows, "failures": bad[:5],
                  "C_σ used": "E[σ'(g)²] = K'(1), the least valid constant for unit vectors "
                              "(the largest printed threshold, so the hardest test); "
                              "Lip(σ)² would give a smaller threshold",
                  "witness": "population least squares over the 2k features of Eq. (17) at 40 "
                             "digits: ‖f*‖² − bᵀM⁺b through the closed-form dual kernel K",
                  "implied C_σ": "the C that makes the printed threshold equal 1 − m_ε (bisection "
                                 "in log(1 − m), at ε = 0.01; all ε in the paper profile: it "
                                 "barely depends on ε, the loss being ≈ linear in 1 − m)"},
        tolerance="best loss ≤ ε; 40-digit arithmetic", justification="exact kernels; the "
        "pseudo-inverse drops eigenvalues below 1e-20·max (reported per case in the witness)",
        convention="normalised rows (F.2), unit w_i (orthonormal; standard adds G_ij = 0.3), "
                   "û ⊥ span(W), c ∈ {±1/√k}^k",
        seeds=[ctx.seed, _T36_STREAM, 4],
        sizes={"grid (σ, k, ξ)": len(grid), "ε": eps_list, "bisection steps": steps},
        seconds=round(time.perf_counter() - t0, 3))


def check_t36(ctx: Context, printed: tm.Thm36Printed = tm.PRINTED_T36) -> list[Verdict]:
    """DC-T36 (Def. 35, Eq. 17, Thm. 36, p.56–57), normalised rows: (a) the proof's identity,
    symbolic; (b) the Θ(ε/k), Θ(ε/k²) specialisations (sympy limits); (c) the proof's bound on
    the candidate's loss; (d) existence of a family member with loss ≤ ε at the printed
    threshold (population least squares at 40 digits), with the implied C_σ. Grid: relu,
    k ∈ {2, 4} (quick); relu, erf, He3, k ∈ {2, 4, 8} (standard); ξ ∈ {1, √k}.

    >>> [v.status for v in check_t36(Context(profile="quick"))]
    ['confirmed', 'confirmed', 'confirmed', 'confirmed']
    """
    return _clean([_t36a(ctx, printed), _t36b(ctx, printed), _t36c(ctx, printed),
                   _t36d(ctx, printed)])


T36 = register(Claim(
    id="DC-T36", location="Def. 35, Eq. 17, Thm. 36 (App. F.2, p.56–57)",
    title="Learning u suffices: a member of the 2k-feature family has loss ≤ ε",
    convention="normalised rows (F.2)", subchecks=T36_SUB, check=check_t36))
