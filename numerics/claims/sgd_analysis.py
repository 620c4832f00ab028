"""The finite-sample analysis on SGD traces: Theorem 16's weak recovery with Conditions 1–3
(App. C.1, p.27–28) and App. E (p.47–55) — DC-T16W, DC-APPE.

Convention: normalised rows (App. D), orthonormal features, ``c, ĉ ∈ {±1/√k}^k``. The SGD
instance uses σ = ReLU (its gradient moments are small: V_k/S_k ≈ 17 at k = 4, against ≈ 4000
for x³, which would make T_weak too long to run); Condition 3 is decided there with certified
interval arithmetic (python-flint arb: K′ = 1/4 + arcsin(ρ)/(2π) is increasing, so each
sub-interval of m gets a rigorous enclosure of h), and exactly (sympy) for polynomial σ.
p.8's update:
``L_t = (I − û_tû_tᵀ)Π⊥_{span W}∇L(û_t; x_t)``, ``u_{t+1} = (u_t − ηL_t)/Π_t``,
``Π_t = ‖u_t − ηL_t‖``. Per-step quantities (L_t, Π_t, E_t = L_t − ∇̂Φ(u_t)) come from
:func:`traced_sgd`, which steps in ``R^d`` with the full engine's per-sample gradient
(:func:`numerics.sgd.full.gradients`); the many-run frequencies (weak recovery, Lemmas 33–34)
use the reduced chain (:func:`numerics.sgd.reduced.run`), called serially here.

The paper's step size ``η = δ/(dV_k)`` with its printed δ makes T astronomically large (the
evidence gives the numbers); the checks run at larger δ, stated in each verdict, and read the
statements as what they predict at the sizes run.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy as sp

from numerics.claims import Claim, Context, SubCheck, Verdict, register
from numerics.claims import clean as _clean
from numerics.intervals import clopper_pearson

__all__ = ["traced_sgd", "condition3_exact", "T16Printed", "AppEPrinted", "check_t16w",
           "check_appe", "T16W", "APPE"]

ACT = "relu"


# --------------------------------------------------------------------------------------------
# Instances, Condition 3 exactly, and a traced SGD in R^d
# --------------------------------------------------------------------------------------------


def _instance(rng: np.random.Generator, d: int, k: int, xi: float, act: str = ACT):
    from numerics.problem import make_instance
    return make_instance(rng, d=d, k=k, xi=xi, act=act, features="orthonormal")


def condition3_exact(inst, half: float = 2.0) -> dict:
    """Condition 3 (p.28) with ``S_k = |h(0)|/2`` (the largest it allows), exactly: h(m) is a
    polynomial (σ polynomial; :func:`theory.population.h_exact` with rational λ and
    ``c, ĉ = ±1/√k``) and ``min_{m ∈ [0,1]} sign(h(0))h(sign(h(0))m) − |h(0)|/2`` is taken at the
    exact critical points. Returns h(0), S_k, the minimum and whether it is ≥ 0."""
    from theory import population
    k = inst.k
    lam = [sp.nsimplify(v) for v in inst.lam]
    c = [sp.sign(v) / sp.sqrt(k) for v in inst.c]
    ch = [sp.sign(v) / sp.sqrt(k) for v in inst.chat]
    xi = sp.nsimplify(inst.xi) if float(inst.xi).is_integer() else sp.sqrt(
        sp.nsimplify(inst.xi**2))
    h = sp.expand(population.h_exact(inst.act, sp.eye(k), lam, c, ch, xi))
    m = population.M
    h0 = h.subs(m, 0)
    if h0 == 0:
        return {"h0": 0.0, "S_k": 0.0, "min": 0.0, "holds": False, "h": str(h)}
    sg = sp.sign(h0)
    P = sp.expand(sg * h.subs(m, sg * m) - sp.Abs(h0) / sp.nsimplify(half))
    poly = sp.Poly(P, m)
    cands = [poly.eval(0), poly.eval(1)]
    dp = poly.diff(m)
    if not dp.is_zero:
        cands += [poly.eval(z) for z in sp.real_roots(dp) if 0 < z < 1]
    mn = sp.Min(*cands)
    return {"h0": float(h0), "S_k": float(sp.Abs(h0) / sp.nsimplify(half)), "min": float(mn),
            "holds": bool(mn >= 0), "h": str(h)}


def condition3_certified(inst, depth: int = 24, half: float = 2.0) -> dict:
    """Condition 3 with ``S_k = |h(0)|/2`` for σ = ReLU, orthonormal features, certified:
    ``h(m) = 2Σ_ij w_ij K′(ρ_ij(m))``, ``w_ij = λ_iλ_jξ²c_iĉ_j/N²``, ``ρ_ij(m) = (δ_ij +
    ξ²c_iĉ_jm)/N²`` (N² = 1 + ξ²/k), everything rational (ξ² rational); K′ is increasing, so on
    ``m ∈ [a, b]`` each term lies between its values at the ends (arb balls). Sub-intervals of
    [0, 1] are bisected until sign(h(0))h(sign(h(0))m) − |h(0)|/2 ≥ 0 is proved on each (or a
    point shows it fails, or ``depth`` is reached: undecided)."""
    import flint

    if inst.act != "relu" or not np.allclose(inst.gram(), np.eye(inst.k)):
        raise ValueError("certified Condition 3: ReLU and orthonormal features only")
    k = inst.k
    xi2 = Fraction(inst.xi**2).limit_denominator(10**6)
    if abs(float(xi2) - inst.xi**2) > 1e-12:
        raise ValueError("ξ² must be rational")
    lam = [Fraction(v).limit_denominator(10**6) for v in inst.lam]
    t = [int(np.sign(a) * np.sign(b)) for a in inst.c for b in inst.chat]
    N2 = 1 + xi2 / k
    pi = flint.arb.pi()

    def q(x: Fraction):
        return flint.arb(flint.fmpq(x.numerator, x.denominator))

    def kp(rho: Fraction):
        return flint.arb(1) / 4 + q(rho).asin() / (2 * pi)

    def h_range(a: Fraction, b: Fraction):
        lo, hi = flint.arb(0), flint.arb(0)
        for i in range(k):
            for j in range(k):
                tij = t[i * k + j]
                w = q(2 * lam[i] * lam[j] * xi2 * Fraction(tij, k) / N2)
                r1 = ((1 if i == j else 0) + xi2 * Fraction(tij, k) * a) / N2
                r2 = ((1 if i == j else 0) + xi2 * Fraction(tij, k) * b) / N2
                k1, k2 = kp(min(r1, r2)), kp(max(r1, r2))
                lo += w * (k1 if tij > 0 else k2)
                hi += w * (k2 if tij > 0 else k1)
        return lo, hi

    h0 = h_range(Fraction(0), Fraction(0))[0]
    if h0.contains(0):
        return {"h0": float(h0.mid()), "S_k": 0.0, "holds": False, "undecided": 0,
                "intervals": 0, "reason": "h(0) not separated from 0"}
    sg = 1 if h0 > 0 else -1
    half = abs(h0) / q(Fraction(half).limit_denominator(10**6))
    stack = [(Fraction(0), Fraction(1), 0)]
    proved, undecided, failed, worst = 0, 0, False, math.inf
    while stack:
        a, b, dep = stack.pop()
        ma, mb = (a, b) if sg > 0 else (-b, -a)
        lo, hi = h_range(ma, mb)
        low = (lo if sg > 0 else -hi) - half  # lower bound of sgn·h − |h0|/2 on the piece
        if low.lower() >= 0:
            proved += 1
            worst = min(worst, float(low.lower()))
            continue
        mid = (a + b) / 2
        pl, ph = h_range(sg * mid, sg * mid)
        if ((pl if sg > 0 else -ph) - half).upper() < 0:
            failed = True
            break
        if dep >= depth:
            undecided += 1
            continue
        stack += [(a, mid, dep + 1), (mid, b, dep + 1)]
    return {"h0": float(h0.mid()), "S_k": float(half.mid()), "holds": not failed and
            not undecided, "failed": failed, "undecided": undecided, "intervals": proved,
            "certified lower bound of min (sgn·h − |h0|/2)": worst}


def traced_sgd(inst, rng: np.random.Generator, lr: float, steps: int, m0: float) -> dict:
    """One run of p.8's online SGD in ``R^d`` recording, per step t: ``m_t``, ``⟨L_t, u⟩``,
    ``‖L_t‖²``, ``Π_t`` and h(m_t) (Prop. 4), where ``L_t = (I − ûûᵀ)Π⊥∇L(û_t; x_t)`` uses the
    full engine's per-sample gradient. ``m[t+1]`` is read from the new iterate, so identities
    between consecutive steps are tested, not assumed."""
    from numerics.sgd.full import gradients, initial_uhat
    from theory.population import hfun
    h = hfun(inst.gram(), inst.lam, inst.c, inst.chat, inst.xi, inst.act)
    U = initial_uhat(inst, rng, 1, m0=m0)[0]
    out = {k_: np.empty(steps) for k_ in ("Lu", "L2", "Pi")}
    out["m"] = np.empty(steps + 1)
    out["m"][0] = U @ inst.u
    for t in range(steps):
        x = rng.standard_normal((1, inst.d))
        _, g, delta, gamma, _ = gradients(inst, U[None], inst.chat[None], x)
        grad = g[0] * x[0] + delta[0] @ inst.W + gamma[0] * U
        L = inst.project_perp(grad[None])[0]
        L -= (L @ U) * U
        V = U - lr * L
        Pi = float(np.linalg.norm(V))
        U = V / Pi
        out["Lu"][t], out["L2"][t], out["Pi"][t] = L @ inst.u, L @ L, Pi
        out["m"][t + 1] = U @ inst.u
    out["h"] = h(out["m"][:-1])
    return out


# --------------------------------------------------------------------------------------------
# DC-T16W
# --------------------------------------------------------------------------------------------

_T16 = ("Theorem 16 Let Conditions 1 to 3 hold. Let 0 < ϵ < 1. Let m_t = ⟨u_t, u⟩ and set the "
        "learning rate η = δ/(dV_k) with scaling δ = min{S_kϵ³/(4μ_1(log dV_k)²), 1}, for total "
        "time T = ⌈αdV_k⌉ with time scaling α = 4(log dV_k)/(ϵδS_k) and initialization at "
        "|m_0| ≥ β/√d with m_0h(0) > 0. With probability at least 1 − o(1) the following holds "
        "for T = ⌈αdV_k⌉ and T_weak = ⌈4dV_k/(δS_k)⌉ = o(T): (Weak recovery): sup_{t≤T_weak} "
        "|m_t| ≥ r")
T16W_SUB = (
    SubCheck("DC-T16W.a", "Condition 3 (p.28)", "Condition 3 (Population gradient lower bound) "
             "There exists a constant max{S_k, S_k²} ≤ V_k that has at most polynomial decay, "
             "such that h satisfies h(sign(h(0))m)sign(h(0)) ≥ |h(0)|/2 ≥ S_k for all m ≥ 0."),
    SubCheck("DC-T16W.b", "Condition 2 (p.27)", "Condition 2 (Gradient variance upper bounds) "
             "For each k, and p, there exists some constant V_k ≥ 1 that has at most polynomial "
             "growth in k such that 1. Variance bound: for all u, û, we have d^{−p}E_x‖∇̂_uL(û;x)"
             "‖₂^{2p} ∨ E_x⟨∇̂_ûL(û;x), u⟩^{2p} ≤ (μ_pV_k)^p 2. Population gradient bound: for all "
             "û, we have ‖∇̂_ûΦ(û)‖² ≤ V_k [V_k = C_{p,σ}λ⁴_max k² of Thm. 11's proof (p.29)]"),
    SubCheck("DC-T16W.c", "Thm. 16 (p.28)", _T16),
)


@dataclass(frozen=True)
class T16Printed:
    """Thm. 16's weak-recovery time ``T_weak = ⌈weak_const·dV_k/(δS_k)⌉`` (4 as printed) and
    Condition 2's V_k = λ⁴k^{v_power} (Thm. 11's proof: 2)."""

    weak_const: float = 4.0
    v_power: float = 2.0
    half: float = 2.0  # Condition 3's |h(0)|/2


PRINTED_T16 = T16Printed()


def _t16a(ctx: Context, printed: T16Printed) -> Verdict:
    t0 = time.perf_counter()
    rng = np.random.default_rng([ctx.seed, 0x16, 1])
    rows, per = [], {}
    for act in ("relu", "cubic", "He3"):
        for k in ctx.size((4,), (4, 8)):
            for xin, xi in (("1", 1.0), ("√k", math.sqrt(k))):
                n_ok = 0
                draws = ctx.size(4, 8)
                for _ in range(draws):
                    inst = _instance(rng, k + 3, k, xi, act)
                    r = (condition3_certified(inst, half=printed.half) if act == "relu"
                         else condition3_exact(inst, half=printed.half))
                    n_ok += r["holds"]
                    rows.append({"σ": act, "k": k, "ξ": xin, "h(0)": r["h0"],
                                 "S_k = |h(0)|/2": r["S_k"],
                                 "min_{m∈[0,1]} sgn·h(sgn·m) − |h(0)|/2 (≥)": r.get(
                                     "min", r.get("certified lower bound of min (sgn·h − "
                                                  "|h0|/2)")),
                                 "holds": r["holds"]})
                per[f"{act}, k = {k}, ξ = {xin}"] = f"{n_ok}/{draws}"
    sgd = _sgd_instance(ctx)
    c3 = condition3_certified(sgd["inst"], half=printed.half)
    ok = c3["holds"] and sgd["max{S,S²} ≤ V_k"]
    return Verdict(
        T16W_SUB[0].id, "confirmed" if ok else "refuted",
        summary=(f"holds exactly on the SGD instance (S_k = {sgd['S_k']:.4g}, V_k = "
                 f"{sgd['V_k']:.4g}); on random (c, ĉ): " + ", ".join(
                     f"{n} {v}" for n, v in per.items()) if ok else
                 "Condition 3 fails on the SGD instance"),
        evidence={"SGD instance": sgd, "random instances": rows, "holds per setting": per,
                  "V_k": "the smallest V_k ≥ 1 Condition 2 allows with μ_1 = 1 (Monte Carlo "
                         "upper reading of the p = 1 moments, max over m) and ‖∇̂Φ‖²"},
        tolerance="exact (x³, He₃: sympy polynomial, critical points as algebraic numbers); "
                  "certified (ReLU: arb interval enclosures on a bisection of [0, 1])",
        justification="Prop. 4's h exactly (theory.population.h_exact) or through the "
                      "closed-form K′ in ball arithmetic",
        convention="normalised rows, orthonormal features", seeds=[ctx.seed, 0x16, 1],
        seconds=round(time.perf_counter() - t0, 3))


def _sgd_instance(ctx: Context) -> dict:
    """The instance the SGD checks use (σ = ReLU, k = 4, ξ = 1, d = 100): the first seeded draw
    satisfying Condition 3 (certified), with S_k = |h(0)|/2 and the smallest V_k ≥ 1 that
    Condition 2 allows with μ_1 = 1 (Monte Carlo upper reading, max over m) and ‖∇̂Φ‖² ≤ V_k."""
    from numerics.claims.moments import moment_sample
    from theory.population import hfun
    rng = np.random.default_rng([ctx.seed, 0x16, 0])
    for _ in range(50):
        inst = _instance(rng, 100, 4, 1.0)
        c3 = condition3_certified(inst)
        if c3["holds"]:
            break
    srng = np.random.default_rng([ctx.seed, 0x16, 9])
    mom = 0.0
    for m in (0.0, 0.5, 0.9):
        s = moment_sample(inst, m, ctx.size(4000, 20_000), srng)
        for v in (s["gradL2"], s["gradLu"] ** 2):
            mom = max(mom, float(v.mean() + 3 * v.std(ddof=1) / math.sqrt(v.size)))
    ms = np.linspace(-1, 1, 401)
    h = hfun(inst.gram(), inst.lam, inst.c, inst.chat, inst.xi, inst.act)
    pop = float((h(ms) ** 2 * (1 - ms**2)).max())
    V = max(1.0, mom, pop)
    S = c3["S_k"]
    return {"inst": inst, "condition 3": c3, "S_k": S, "V_k": V,
            "Condition 2 moments (p = 1, upper)": mom, "max ‖∇̂Φ‖²": pop,
            "max{S,S²} ≤ V_k": max(S, S * S) <= V, "h0_sign": float(np.sign(c3["h0"]))}


def _t16b(ctx: Context, printed: T16Printed) -> Verdict:
    from numerics.claims.moments import moment_sample
    from numerics.fits import power_fit
    t0 = time.perf_counter()
    rng = np.random.default_rng([ctx.seed, 0x16, 2])
    rows = []
    ks = ctx.size((4, 8, 16, 32), (4, 8, 16, 32, 64))
    for k in ks:
        inst = _instance(rng, 200, k, 1.0)
        V = float(inst.lam.max()) ** 4 * k**printed.v_power
        mu = {1: 0.0, 2: 0.0}
        for m, chat in ((0.0, inst.c), (0.9, inst.c), (0.0, -inst.c), (0.9, -inst.c)):
            inst.chat = chat.copy()  # sup over û and ĉ: the aligned and anti-aligned extremes
            s = moment_sample(inst, m, ctx.size(10_000, 40_000), rng)
            for p in (1, 2):
                for v in (s["gradL2"] ** p, s["gradLu"] ** (2 * p)):
                    up = float(v.mean() + 3 * v.std(ddof=1) / math.sqrt(v.size))
                    mu[p] = max(mu[p], up ** (1 / p) / V)
        rows.append({"k": k, "V_k = λ⁴k²": V, "implied μ_1": mu[1], "implied μ_2": mu[2]})
    fits = {p: power_fit(ks, [r[f"implied μ_{p}"] for r in rows]) for p in (1, 2)}
    bad = [p for p, f in fits.items() if f.interval[0] > 0.1]
    return Verdict(
        T16W_SUB[1].id, "not-supported" if bad else "supported",
        summary=(f"implied μ_p grows with k for p = {bad}" if bad else
                 "implied μ_1, μ_2 do not grow with k (exponents "
                 + ", ".join(f"p = {p}: {f.exponent:.2f}" for p, f in fits.items())
                 + ") with V_k = λ⁴k²"),
        evidence={"rows": rows, "fits": {p: f.as_dict() for p, f in fits.items()},
                  "population gradient part": "checked by DC-L17.d (‖∇̂Φ‖ bound)"},
        tolerance="moments read as mean + 3 standard errors; t-interval of the fit",
        justification="exact reduced sampling (numerics.claims.moments.moment_sample)",
        convention="normalised rows, orthonormal features, σ = ReLU, ξ = 1, d = 200",
        seeds=[ctx.seed, 0x16, 2], sizes={"k": list(ks)},
        seconds=round(time.perf_counter() - t0, 3))


def _weak_runs(ctx: Context, sgd: dict, delta: float, runs: int, rng, printed: T16Printed,
               record: bool = False):
    from numerics.sgd import reduced
    inst, S, V = sgd["inst"], sgd["S_k"], sgd["V_k"]
    d = inst.d
    eta = delta / (d * V)
    T_weak = math.ceil(printed.weak_const * d * V / (delta * S))
    beta = 1.0
    m0 = sgd["h0_sign"] * beta / math.sqrt(d)
    tr = reduced.run(inst, rng, runs=runs, steps=T_weak, lr=eta, m0=m0, r=0.5,
                     record_every=1 if record else None)
    return tr, eta, T_weak, beta


def _t16c(ctx: Context, printed: T16Printed) -> Verdict:
    t0 = time.perf_counter()
    sgd = _sgd_instance(ctx)
    rng = np.random.default_rng([ctx.seed, 0x16, 3])
    runs = ctx.budgeted(40, 100)
    rows = []
    for delta in ctx.size((0.4, 0.2), (0.4, 0.2, 0.1)):
        tr, eta, T_weak, beta = _weak_runs(ctx, sgd, delta, runs, rng, printed)
        ok = int(((tr.t_escape >= 0) & (tr.t_escape <= T_weak)).sum())
        lo, hi = clopper_pearson(ok, runs)
        if ctx.progress is not None:
            ctx.progress(len(rows) + 1, ok / runs)
        rows.append({"δ": delta, "η = δ/(dV_k)": eta, "T_weak": T_weak, "runs": runs,
                     "weak recovery by T_weak": ok, "frequency": ok / runs, "95% CP": (lo, hi),
                     "median first passage of |m| > r": float(np.median(
                         tr.t_escape[tr.t_escape >= 0])) if (tr.t_escape >= 0).any() else None})
    inst, S, V = sgd["inst"], sgd["S_k"], sgd["V_k"]
    d = inst.d
    eps = 0.1
    dpr = min(S * eps**3 / (4 * 1.0 * math.log(d * V) ** 2), 1.0)
    last = rows[-1]
    ok = last["95% CP"][0] >= 0.8
    return Verdict(
        T16W_SUB[2].id, "supported" if ok else "not-supported",
        summary=(f"weak recovery (|m| ≥ 1/2) by T_weak in {last['weak recovery by T_weak']}/"
                 f"{runs} runs at δ = {last['δ']} (95% CP lower {last['95% CP'][0]:.3f}); "
                 f"the printed δ ({dpr:.2e} at ε = 0.1) would need T_weak = "
                 f"{4 * d * V / (dpr * S):.2e} steps"),
        evidence={"rows": rows, "instance": {k_: v for k_, v in sgd.items() if k_ != "inst"},
                  "printed δ at ε = 0.1, μ_1 = 1": dpr, "d": d, "β": 1.0, "r": 0.5,
                  "reading": "'with probability 1 − o(1)': the frequency of weak recovery "
                             "within T_weak must be high (95% CP lower end ≥ 0.8) at the "
                             "smallest δ run; larger δ than printed, m_0 = sign(h(0))β/√d"},
        tolerance="95% Clopper–Pearson", justification="independent runs of the exact reduced "
        "chain (numerics.sgd.reduced), |m_t| > r checked at every step",
        convention="normalised rows, orthonormal features, σ = ReLU, k = 4, ξ = 1",
        seeds=[ctx.seed, 0x16, 3], sizes={"runs": runs, "d": d},
        seconds=round(time.perf_counter() - t0, 3))


def check_t16w(ctx: Context, printed: T16Printed = PRINTED_T16) -> list[Verdict]:
    """DC-T16W (Thm. 16, Conditions 1–3, p.27–28): (a) Condition 3 exactly on the SGD instance
    and random ones; (b) Condition 2 by Monte Carlo, implied μ_p over k with Thm. 11's V_k;
    (c) weak recovery by T_weak on reduced-chain SGD runs (σ = ReLU, k = 4, ξ = 1, d = 100).

    >>> [v.status for v in check_t16w(Context(profile="quick"))]
    ['confirmed', 'supported', 'supported']
    """
    return _clean([_t16a(ctx, printed), _t16b(ctx, printed), _t16c(ctx, printed)])


T16W = register(Claim(
    id="DC-T16W", location="Thm. 16, Conditions 1–3 (C.1, p.27–28)",
    title="Weak recovery of Thm. 16 under Conditions 1–3",
    convention="normalised rows, orthonormal features", subchecks=T16W_SUB, check=check_t16w,
    needs="numerics", budget="SGD runs per δ (weak recovery, DC-T16W.c)"))


# --------------------------------------------------------------------------------------------
# DC-APPE
# --------------------------------------------------------------------------------------------

APPE_SUB = (
    SubCheck("DC-APPE.a", "E.1 (p.47)", "m_{t+1} = (m_t − η⟨∇̂_{u_t}L(u_t; x_t), u⟩)/Π_t"),
    SubCheck("DC-APPE.b", "E.1 (p.47)", "= m_t − η∇̂_{u_t}Φ(u_t) − η⟨∇̂_{u_t}E(u_t; x_t), u⟩ − "
             "(1 − 1/Π_t)(m_t − η⟨∇̂_{u_t}L(u_t; x_t), u⟩)"),
    SubCheck("DC-APPE.c", "Claim 5 (p.47) and its proof (p.47–48)",
             "Σ_{j=0}^{t−1} |(1 − 1/Π_j)(m_j − η⟨∇̂_{u_j}L(u_j; x_j), u⟩)| ≤ η³Σ_{j=0}^{t−1}"
             "‖L_j‖²|⟨L_j, u⟩| + η²Σ_{j=0}^{t−1}‖L_j‖² [proof: 1 ≤ Π_t ≤ √(1 + η²‖∇̂L‖²) ≤ 1 + "
             "η²‖∇̂L‖²]"),
    SubCheck("DC-APPE.d", "Lemma 33 (p.53) and its proof (p.53–54)",
             "Lemma 33 (Characterizing dynamics before weak recovery) Conditioning on A, B, for "
             "t ≤ T ∧ τ_r^+ ∧ τ_0^−, we have m_t ≥ β/(2√d) + tηS_k/2. [proof ends: m_t ≥ "
             "β/(2√d) + ηtS_k/4]"),
    SubCheck("DC-APPE.e", "Lemma 34 (p.54) and its proof (p.54–55)",
             "Lemma 34 Conditioning on A, B, τ_r^+, the following holds: For t ≥ τ_r^+ with "
             "t ≤ T ∧ τ_0^−, we have |m_t − m_{τ_r^+} − ηΣ_{j=τ_r^+}^{t−1} h(m_j)(1 − m_j²)| < "
             "ϵ/6. Furthermore, τ_0^− > T. [proof: 'the following holds exactly: m_t = "
             "m_{τ_r^+} + ηΣh(m_j)(1 − m_j²) + ηΣ⟨E_t, u⟩ + Σ(1 − 1/r_j)(m_j − η⟨L_j, u⟩)']"),
)


@dataclass(frozen=True)
class AppEPrinted:
    """App. E as printed: ``Π`` power in E.1 (1), the inner product in E.1's second line
    (False: printed without ⟨·, u⟩), Claim 5's constant (1), Lemma 33's statement and proof
    denominators (2, 4), Lemma 34's signs (+1, +1 as printed) and its bound ε/6."""

    pi_power: int = 1
    second_line_inner: bool = False
    claim5_const: float = 1.0
    lemma33_statement: float = 2.0
    lemma33_proof: float = 4.0
    lemma34_signs: tuple = (1, 1)
    lemma34_frac: float = 1 / 6


PRINTED_APPE = AppEPrinted()


def _traces(ctx: Context, sgd: dict) -> list[dict]:
    rng = np.random.default_rng([ctx.seed, 0xE, 1])
    from numerics.problem import make_instance
    base = sgd["inst"]
    inst = make_instance(rng, d=40, k=base.k, xi=base.xi, act=base.act, features="orthonormal")
    inst.c, inst.chat = base.c.copy(), base.chat.copy()
    out = []
    for lr in (0.002, 0.01):
        for _ in range(ctx.size(1, 2)):
            tr = traced_sgd(inst, rng, lr, ctx.size(600, 2000), sgd["h0_sign"] * 0.2)
            tr["lr"] = lr
            out.append(tr)
    return out


def _appe_ab(traces, printed: AppEPrinted) -> tuple[Verdict, Verdict]:
    err_a, err_b_co = 0.0, 0.0
    for tr in traces:
        m, Lu, Pi, h, lr = tr["m"], tr["Lu"], tr["Pi"], tr["h"], tr["lr"]
        pred = (m[:-1] - lr * Lu) / Pi**printed.pi_power
        err_a = max(err_a, float(np.abs(m[1:] - pred).max()))
        gphi_u = -h * (1 - m[:-1] ** 2)  # ⟨∇̂Φ(u_t), u⟩ (Prop. 4)
        Eu = Lu - gphi_u
        corr = m[:-1] - lr * gphi_u - lr * Eu - (1 - 1 / Pi) * (m[:-1] - lr * Lu)
        err_b_co = max(err_b_co, float(np.abs(m[1:] - corr).max()))
    tol = 1e-10
    va = Verdict(APPE_SUB[0].id, "confirmed" if err_a < tol else "refuted",
                 summary=f"max |m_(t+1) − (m_t − η⟨L_t,u⟩)/Π_t| = {err_a:.1e} over "
                         f"{sum(len(t['Lu']) for t in traces)} steps", evidence={
                             "max error": err_a, "steps": sum(len(t["Lu"]) for t in traces)},
                 tolerance=f"{tol} (float64 rounding over a step)",
                 justification="traced SGD in R^d (full engine's gradient), m read from the new "
                               "iterate", convention="normalised rows, p.8's update")
    ok_b = err_b_co < tol
    if printed.second_line_inner and ok_b:
        vb = Verdict(APPE_SUB[1].id, "confirmed", summary=f"holds (max error {err_b_co:.1e})",
                     evidence={"max error": err_b_co}, tolerance=f"{tol}")
    elif ok_b:
        vb = Verdict(APPE_SUB[1].id, "erratum",
                     summary="the second line subtracts the vector η∇̂Φ(u_t) from scalars; with "
                             f"⟨∇̂Φ(u_t), u⟩ = −h(m_t)(1 − m_t²) it holds (max error "
                             f"{err_b_co:.1e})",
                     corrected="m_{t+1} = m_t − η⟨∇̂Φ(u_t), u⟩ − η⟨∇̂E(u_t; x_t), u⟩ − (1 − 1/Π_t)"
                               "(m_t − η⟨∇̂L(u_t; x_t), u⟩)",
                     evidence={"max error of the corrected line": err_b_co},
                     tolerance=f"{tol}", justification="E_t = L_t − ∇̂Φ(u_t) on the traces")
    else:
        vb = Verdict(APPE_SUB[1].id, "refuted", summary=f"error {err_b_co:.2e}",
                     evidence={"max error": err_b_co}, tolerance=f"{tol}")
    return va, vb


def _appe_c(traces, printed: AppEPrinted) -> Verdict:
    worst_step, worst_half, worst_cum, pi_err = 0.0, 0.0, 0.0, 0.0
    for tr in traces:
        m, Lu, L2, Pi, lr = tr["m"][:-1], tr["Lu"], tr["L2"], tr["Pi"], tr["lr"]
        lhs = np.abs((1 - 1 / Pi) * (m - lr * Lu))
        # Π_t = ‖u_t − ηL_t‖ carries a float64 rounding of a few 2⁻⁵³; allow 4·2⁻⁵² on 1 − 1/Π
        slack = 4 * 2.0**-52 * np.abs(m - lr * Lu)
        rhs = printed.claim5_const * lr**2 * L2 * (np.abs(m) + lr * np.abs(Lu))
        worst_step = max(worst_step, float(((lhs - slack) / np.maximum(rhs, 1e-300)).max()))
        worst_half = max(worst_half, float(((lhs - slack) / np.maximum(rhs / 2, 1e-300)).max()))
        cum = np.cumsum(lhs - slack) / np.maximum(np.cumsum(
            printed.claim5_const * (lr**3 * L2 * np.abs(Lu) + lr**2 * L2)), 1e-300)
        worst_cum = max(worst_cum, float(cum.max()))
        pi_err = max(pi_err, float(np.abs(Pi - np.sqrt(1 + lr**2 * L2)).max()))
    ev = {"max per-step ratio to the printed bound": worst_step,
          "max per-step ratio to half of it": worst_half,
          "max cumulative ratio (Claim 5 as printed)": worst_cum,
          "max |Π_t − √(1 + η²‖L_t‖²)|": pi_err,
          "why": "L_t ⊥ u_t makes Π_t = √(1 + η²‖L_t‖²) exactly, and 1 − 1/√(1+x) ≤ x/2"}
    common = dict(evidence=ev, tolerance="ratio ≤ 1 + 1e-9 after allowing the float64 rounding "
                  "of Π_t (4·2⁻⁵² relative on 1 − 1/Π_t)", justification="traced SGD",
                  convention="normalised rows, p.8's update")
    if worst_cum > 1 + 1e-9 or worst_step > 1 + 1e-9:
        return Verdict(APPE_SUB[2].id, "refuted", summary=f"bound exceeded (ratio "
                       f"{max(worst_cum, worst_step):.3g})", **common)
    if worst_half <= 1 + 1e-9 and pi_err < 1e-12:
        return Verdict(APPE_SUB[2].id, "loose",
                       summary=f"holds on every step (largest ratio {worst_step:.3f}, cumulative "
                               f"{worst_cum:.3f}); the sharper bound with η²‖L‖²/2 also holds "
                               f"(Π_t = √(1 + η²‖L_t‖²) exactly, to {pi_err:.0e})", **common)
    return Verdict(APPE_SUB[2].id, "confirmed", summary=f"holds (ratio {worst_step:.3f})",
                   **common)


def _appe_de(ctx: Context, sgd: dict, printed: AppEPrinted, traces) -> tuple[Verdict, Verdict]:
    from theory.population import hfun
    t0 = time.perf_counter()
    rng = np.random.default_rng([ctx.seed, 0xE, 2])
    runs = ctx.size(30, 100)
    tr, eta, T_weak, beta = _weak_runs(ctx, sgd, 0.1, runs, rng, PRINTED_T16, record=True)
    inst, S = sgd["inst"], sgd["S_k"]
    d = inst.d
    M = tr.m * sgd["h0_sign"]  # WLOG sign(h(0)) = 1 (p.53)
    t = np.arange(M.shape[1])
    h = hfun(inst.gram(), inst.lam, inst.c, inst.chat, inst.xi, inst.act)
    hold = {printed.lemma33_statement: 0, printed.lemma33_proof: 0}
    for run in M:
        above = np.flatnonzero((run > 0.5) | (run < 0))
        stop = above[0] if above.size else run.size
        for den in hold:
            line = beta / (2 * math.sqrt(d)) + t[:stop] * eta * S / den
            hold[den] += bool(np.all(run[:stop] >= line))
    vd_ev = {"runs": runs, "η": eta, "S_k": S, "d": d, "steps": int(M.shape[1] - 1),
             f"runs with m_t ≥ β/(2√d) + tηS_k/{printed.lemma33_statement:g} until τ": hold[
                 printed.lemma33_statement],
             f"runs with m_t ≥ β/(2√d) + tηS_k/{printed.lemma33_proof:g} until τ": hold[
                 printed.lemma33_proof],
             "95% CP (statement)": clopper_pearson(hold[printed.lemma33_statement], runs),
             "proof (p.53–54)": "h(m_j)(1 − m_j²) ≥ S_k/2 before τ_r^+ (r < 1/√2), then S_k/4 "
                                "is spent on the event B's noise term: the proof ends with "
                                "ηtS_k/4 (and p.53 writes η‖L_j‖ for η‖L_j‖²); Thm. 16's proof "
                                "(p.55) uses the statement's /2"}
    same = printed.lemma33_statement == printed.lemma33_proof
    # shown false at the sizes run: the statement's line fails in most runs (95% CP upper end
    # of its frequency < 1/2); otherwise the traces do not contradict it
    against = vd_ev["95% CP (statement)"][1] < 0.5
    runs_txt = (f"on {runs} reduced-chain runs (δ = 0.1) the /{printed.lemma33_statement:g} "
                f"line held in {hold[printed.lemma33_statement]}, the "
                f"/{printed.lemma33_proof:g} line in {hold[printed.lemma33_proof]}")
    vd = Verdict(APPE_SUB[3].id, "not-supported" if against else "confirmed" if same
                 else "not-derived",
                 summary=(("the statement's line fails in most runs: " + runs_txt) if against
                          else ("statement and proof agree; " + runs_txt) if same else
                          f"the proof derives tηS_k/{printed.lemma33_proof:g}, the statement "
                          f"(and Thm. 16's proof) uses tηS_k/{printed.lemma33_statement:g}; "
                          + runs_txt + " (not shown false)"),
                 why="" if same or against else "the proof's chain ends at /4: it spends S_k/4 "
                     "of h(m_j)(1 − m_j²) ≥ S_k/2 on the noise; no cited result gives /2, and "
                     "the traces do not contradict /2",
                 evidence=vd_ev, tolerance="exact (printed text); traces: counts",
                 justification="the proof's chain of inequalities; reduced-chain runs",
                 convention="normalised rows, σ = ReLU, k = 4, ξ = 1", seeds=[ctx.seed, 0xE, 2],
                 seconds=round(time.perf_counter() - t0, 3))
    # (e) the identity of Lemma 34's proof on the R^d traces, then its bound on the chain runs
    res_pr, res_co = 0.0, 0.0
    s1, s2 = printed.lemma34_signs
    for trd in traces:
        m, Lu, Pi, hh, lr = trd["m"], trd["Lu"], trd["Pi"], trd["h"], trd["lr"]
        drift = lr * hh * (1 - m[:-1] ** 2)
        Eu = Lu + hh * (1 - m[:-1] ** 2)
        proj = (1 - 1 / Pi) * (m[:-1] - lr * Lu)
        tau = 0
        for tt in range(tau + 1, m.size):
            base = m[tau] + drift[tau:tt].sum()
            res_pr = max(res_pr, abs(m[tt] - (base + s1 * lr * Eu[tau:tt].sum()
                                               + s2 * proj[tau:tt].sum())))
            res_co = max(res_co, abs(m[tt] - (base - lr * Eu[tau:tt].sum()
                                               - proj[tau:tt].sum())))
    eps = (4 * math.log(d * sgd["V_k"]) ** 2 * 0.1 / S) ** (1 / 3)  # ε implied by δ = 0.1
    ok_runs, pos_runs, n_tau, dmax = 0, 0, 0, 0.0
    for run in M:
        idx = np.flatnonzero(run > 0.5)
        if not idx.size:
            continue
        n_tau += 1
        tau = idx[0]
        seg = run[tau:]
        drift = eta * h(seg[:-1]) * (1 - seg[:-1] ** 2)
        dev = np.abs(seg[1:] - seg[0] - np.cumsum(drift))
        dmax = max(dmax, float(dev.max()))
        ok_runs += bool(dev.max() < eps * printed.lemma34_frac)
        pos_runs += bool(seg.min() > 0)
    ev_e = {"identity residual, printed signs (+, +)": res_pr,
            "identity residual, corrected signs (−, −)": res_co,
            "runs reaching τ_r^+": n_tau, "runs with the ε/6 bound after τ_r^+": ok_runs,
            "runs with m_t > 0 after τ_r^+ (τ_0^− > T)": pos_runs,
            "ε implied by δ = 0.1 (Thm. 16's δ, μ_1 = 1)": eps,
            "largest |m_t − m_τ − ηΣh(m_j)(1 − m_j²)| after τ_r^+": dmax,
            "smallest ε the ε/6 bound allows on these runs": 6 * dmax,
            "reading": "Thm. 16's δ at ε < 1 needs δ ≲ S_k/(4(log dV_k)²) and T_weak ≳ 10⁶ "
                       "steps here; at the δ run, ε(δ) > 1 makes the ε/6 bound vacuous, so the "
                       "deviation itself is reported (the smallest ε it supports)",
            "note": "the proof takes absolute values at once, so the signs do not affect the "
                    "bound; r_j is Π_j and E_t is E_j (typos)"}
    ok_bound = n_tau > 0 and ok_runs == n_tau
    if abs(res_pr) < 1e-10:
        st, summ, corr = "confirmed", "identity holds as printed", None
    elif res_co < 1e-10:
        st = "erratum"
        summ = (f"the 'exact' identity fails with the printed + signs (residual {res_pr:.2e}); "
                f"with − signs it holds to {res_co:.0e}; after τ_r^+ the deviation from the "
                f"drift stays ≤ {dmax:.3g} (ε/6 bound for every ε > {6 * dmax:.2g}; Thm. 16's "
                f"ε at this δ is {eps:.2g}), m_t > 0 in {pos_runs}/{n_tau} runs")
        corr = ("m_t = m_{τ_r^+} + ηΣ_{j=τ_r^+}^{t−1} h(m_j)(1 − m_j²) − ηΣ⟨E_j, u⟩ − Σ(1 − 1/Π_j)"
                "(m_j − η⟨L_j, u⟩)")
    else:
        st, summ, corr = "refuted", "the identity fails with either sign", None
    if st != "refuted" and not ok_bound:
        st = "not-supported" if st == "confirmed" else st
        summ += "; the ε/6 bound failed in some runs"
    ve = Verdict(APPE_SUB[4].id, st, summary=summ, corrected=corr, evidence=ev_e,
                 tolerance="identity: 1e-10 (float64 over ≤ 2000 steps); bound: counts",
                 justification="traced SGD in R^d; reduced-chain runs after τ_r^+",
                 convention="normalised rows, σ = ReLU, k = 4, ξ = 1", seeds=[ctx.seed, 0xE, 2],
                 seconds=round(time.perf_counter() - t0, 3))
    return vd, ve


def check_appe(ctx: Context, printed: AppEPrinted = PRINTED_APPE) -> list[Verdict]:
    """DC-APPE (App. E, p.47–55) on SGD traces: (a), (b) E.1's exact update and its second line;
    (c) Claim 5's deterministic inequality; (d) Lemma 33's linear growth (statement vs proof;
    frequencies on reduced-chain runs); (e) Lemma 34's identity and bound.

    >>> [v.status for v in check_appe(Context(profile="quick"))]
    ['confirmed', 'erratum', 'loose', 'not-derived', 'erratum']
    """
    t0 = time.perf_counter()
    sgd = _sgd_instance(ctx)
    traces = _traces(ctx, sgd)
    va, vb = _appe_ab(traces, printed)
    vc = _appe_c(traces, printed)
    for v in (va, vb, vc):
        v.seconds = round((time.perf_counter() - t0) / 3, 3)
        v.seeds = [ctx.seed, 0xE, 1]
        v.convention = "normalised rows, σ = ReLU, k = 4, ξ = 1, d = 40"
    vd, ve = _appe_de(ctx, sgd, printed, traces)
    return _clean([va, vb, vc, vd, ve])


APPE = register(Claim(
    id="DC-APPE", location="App. E (p.47–55)",
    title="Finite-sample analysis: exact update, Claim 5, Lemmas 33–34 on SGD traces",
    convention="normalised rows, orthonormal features", subchecks=APPE_SUB, check=check_appe,
    needs="numerics"))


