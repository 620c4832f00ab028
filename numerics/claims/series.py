"""DC-SUM: the printed side identities and orders of §3.2.2 (p.12), Eq. 14 (p.45) and p.41.

Sub-checks (each printed statement is data passed to its check, so tests can alter it):

* ``DC-SUM.a`` (p.12): Σ_{s≥0} C(l+s, l)(k/(k+1))^{s+1} = Θ(k^l). The sum is the negative-
  binomial series Σ_s C(l+s, l)x^s = (1−x)^{−l−1} at x = k/(k+1) (sympy ``summation``, exact
  for each l), i.e. k(k+1)^l; its order in k is compared with the printed one.
* ``DC-SUM.b`` (p.12): "if |⟨w_i,w_j⟩| ≤ ν then |⟨w_i,w_j⟩|^{γ/ν} ≤ exp{−γ}". For t ∈ [0, B]
  and exponent E > 0, t^E ≤ e^{−γ} for all such t iff B^E ≤ e^{−γ}; as printed (B = ν, E = γ/ν)
  this is log ν + ν ≤ 0, i.e. ν ≤ W(1) ≈ 0.567 (Lambert W). The classical form with the gap
  (|⟨w_i,w_j⟩| ≤ 1 − ν) holds for every ν ∈ (0, 1) because log(1−ν) ≤ −ν.
* ``DC-SUM.c`` (p.45, Eq. 14): the resummation with p = l + s + 1, step by step, as exact
  identities of the coefficient of each a_p = μ_p(σ)² (rational functions of a symbolic k), and
  the final "≤ Σ p μ_p² = C̃_σ" (the last coefficient is k/(k+1) ≤ 1).
* ``DC-SUM.d`` (p.41, proof of Lemma 6): the ξ-analogue with p = l + s, the same way, with
  symbolic k and ξ.

Convention: normalised rows (the series are those of Prop. 4's h in App. D).
Numerical limits: ``.a``, ``.c``, ``.d`` are exact sympy for l, p up to a profile-dependent
maximum (8 quick, 16 standard, 24 paper) plus a general-l/p symbolic identity where sympy finds
one; ``.b`` is symbolic (sympy ``solve``) plus a 30-digit mpmath grid.

>>> check_sum_order("DC-SUM.a", lmax=3).status
'erratum'
"""

from __future__ import annotations

import mpmath as mp
import sympy as sp

from numerics.claims import Claim, Context, SubCheck, Verdict, register

__all__ = [
    "PRINTED", "check_sum_order", "check_power_bound", "check_eq14", "check_xi_resum",
    "check_sum", "SUM",
]

k, xi, x, nu, gam = sp.symbols("k xi x nu gamma", positive=True)
l_, s_, p_ = sp.symbols("l s p", integer=True, nonnegative=True)
EXACT = "exact symbolic arithmetic (sympy): differences simplify to 0"

#: The printed statements, as data (callables of sympy symbols).
PRINTED: dict[str, dict] = {
    # p.12: Σ_{s=0}^∞ C(l+s, l)(k/(k+1))^{s+1} = Θ(k^l)
    "sum_order": {
        "summand": lambda l, s: sp.binomial(l + s, l) * (k / (k + 1)) ** (s + 1),
        "order": lambda l: k**l,
    },
    # p.12: if |⟨w_i,w_j⟩| ≤ ν for i ≠ j, then |⟨w_i,w_j⟩|^{γ/ν} ≤ exp{−γ}
    "power_bound": {
        "bound": lambda v: v,
        "exponent": lambda g, v: g / v,
        "rhs": lambda g: sp.exp(-g),
    },
    # p.45, Eq. 14: the coefficient of a_p = μ_p(σ)² in each printed form (p ≥ 1).
    "eq14": {
        "lhs": lambda p: sum((sp.Rational(1) / k) ** l * sp.binomial(l + (p - 1 - l), l) * p
                             * (k / (k + 1)) ** p for l in range(p)),
        "step1": lambda p: (k / (k + 1)) ** p * p * sum((1 / k) ** l * sp.binomial(p - 1, l)
                                                         for l in range(p)),
        "step2": lambda p: (k / (k + 1)) ** p * (1 + 1 / k) ** (p - 1) * p,
        "bound": lambda p: p,  # ≤ Σ p μ_p(σ)² = C̃_σ
    },
    # p.41: the coefficient of (p+1)μ_{p+1}(σ)²… written per a_{p+1} = μ_{p+1}(σ)² (p ≥ 0).
    "xi_resum": {
        "lhs": lambda p: sum((xi**2 / k) ** l * sp.binomial(l + (p - l), l) * (p + 1)
                             * (1 / (1 + xi**2 / k)) ** p for l in range(p + 1)),
        "step1": lambda p: sum((xi**2 / k) ** (p - s) * sp.binomial(p, s) * (p + 1)
                               * (1 / (1 + xi**2 / k)) ** p for s in range(p + 1)),
        "step2": lambda p: (p + 1) * (k / (k + xi**2)) ** p * (1 + xi**2 / k) ** p,
        "bound": lambda p: p + 1,  # ≤ Σ (p+1) μ_{p+1}(σ)² ≤ C_σ
    },
}


def _k_exponent(expr: sp.Expr) -> sp.Expr:
    """Exponent of k as k → ∞: lim k ∂_k log expr."""
    return sp.limit(sp.simplify(k * sp.diff(sp.log(expr), k)), k, sp.oo)


def _series(summand) -> sp.Expr:
    """Σ_{s≥0} summand(l, s) for symbolic l, as a function of k (sympy ``summation`` in
    x = k/(k+1) ∈ (0, 1), i.e. k = x/(1−x); the Piecewise branch x < 1 is taken).

    >>> _series(PRINTED["sum_order"]["summand"])
    k*(k + 1)**l
    """
    term = sp.powsimp(sp.simplify(summand(l_, s_).subs(k, x / (1 - x))), force=True)
    ser = sp.summation(term, (s_, 0, sp.oo))
    if isinstance(ser, sp.Piecewise):
        ser = ser.args[0][0]
    return sp.simplify(ser.subs(x, k / (k + 1)))


def check_sum_order(sid: str, printed: dict | None = None, lmax: int = 8) -> Verdict:
    """p.12: Σ_s C(l+s,l)(k/(k+1))^{s+1} against its printed order in k.

    The series is summed by sympy for symbolic l (negative-binomial series), its k-exponent
    lim k∂_k log(sum) is computed for symbolic l and compared with the printed one; the rows
    l = 0..lmax give the exact values and check them against an independent partial sum
    (sympy ``series`` of the closed form in x would be circular, so the rows compare with the
    first 40 terms of the sum at k = 1, 2, 3 plus the tail bound, as a sanity check).

    >>> check_sum_order("x", {"summand": PRINTED["sum_order"]["summand"],
    ...                       "order": lambda l: k**(l + 1)}, lmax=2).status
    'confirmed'
    """
    P = printed or PRINTED["sum_order"]
    F = _series(P["summand"])
    got = sp.simplify(_k_exponent(F))
    said = sp.simplify(_k_exponent(P["order"](l_)))
    rows = []
    term1 = sp.lambdify((l_, s_), P["summand"](l_, s_).subs(k, 1), "mpmath")
    for l in range(lmax + 1):
        val = sp.factor(F.subs(l_, l))
        # partial sums at k = 1 (x = 1/2): terms decay like s^l 2^{-s}; 400 terms, mpmath
        part = mp.fsum(term1(l, s) for s in range(400))
        rows.append({"l": l, "sum": str(val), "at_k=1": str(val.subs(k, 1)),
                     "partial_sum_400_at_k=1": float(part),
                     "printed": str(P["order"](l))})
    ok = sp.simplify(got - said) == 0
    st = "confirmed" if ok else "erratum"
    return Verdict(
        sid, st, summary=f"sum = {F}, k-exponent {got}; printed exponent {said}",
        evidence={"closed_form": str(F), "k_exponent": str(got), "printed_exponent": str(said),
                  "closed_minus_k(k+1)^l": str(sp.simplify(F - k * (k + 1) ** l_)),
                  "rows": rows,
                  "with_exponent_l+s+1": "(k/(k+1))^l · k(k+1)^l = k^(l+1) exactly",
                  "consequence": "in h(m) (ξ = 1) the factor (1/k)^{l+1} times the sum is "
                  "((k+1)/k)^l = Θ(1) for each l: the text's point (no decay in l, so no naive "
                  "truncation) holds, but the printed order is off by one power of k"},
        tolerance="0 (exact); partial sums are a float sanity check only",
        justification=EXACT + "; order = lim k∂_k log",
        why="" if ok else "Θ(·) is two-sided and the exact k-exponent differs from the printed "
        "one, so the printed order is false, not merely loose",
        corrected=None if ok else f"Σ_s C(l+s,l)(k/(k+1))^{{s+1}} = {F} = Θ(k^{{{got}}}) "
        "(also Θ(k^{l+1}) with the exponent l+s+1 of h(m))")


def _power_gap(P: dict):
    """q(ν) = [E(γ,ν) log B(ν) − log rhs(γ)]/γ; the printed bound holds at ν iff q(ν) ≤ 0
    (t ↦ t^E is increasing for E > 0, so t = B(ν) is the worst case)."""
    q = sp.simplify(sp.expand_log((P["exponent"](gam, nu) * sp.log(P["bound"](nu))
                                   - sp.log(P["rhs"](gam))) / gam, force=True))
    return q


def check_power_bound(sid: str, printed: dict | None = None, grid: int = 999) -> Verdict:
    """p.12: "|⟨w_i,w_j⟩| ≤ ν ⇒ |⟨w_i,w_j⟩|^{γ/ν} ≤ exp{−γ}" for ν ∈ (0, 1), all γ > 0.

    Symbolic: the failure set {ν : q(ν) > 0} from ``sympy.solve`` of q = 0 and the sign of q′;
    numeric: q on a grid of ``grid`` interior points at 30 digits (mpmath).

    >>> fixed = dict(PRINTED["power_bound"], bound=lambda v: 1 - v)
    >>> check_power_bound("x", fixed, grid=99).status
    'confirmed'
    """
    P = printed or PRINTED["power_bound"]
    q = _power_gap(P)
    if q.has(gam):
        return Verdict(sid, "inconclusive", reason=f"q depends on γ: {q}", evidence={"q": str(q)})
    mp.mp.dps = 30
    f = sp.lambdify(nu, q, "mpmath")
    pts = [mp.mpf(i) / (grid + 1) for i in range(1, grid + 1)]
    bad = [float(v) for v in pts if f(v) > 0]
    roots = [r for r in sp.solve(q, nu) if r.is_real and 0 < r < 1] if bad else []
    ev = {"q(nu)": str(q), "grid_points": grid, "grid_failures": len(bad),
          "failure_range": [min(bad), max(bad)] if bad else None,
          "roots": [f"{r} = {sp.N(r, 15)}" for r in roots]}
    # Assumption 5 (p.4): ν = 1 − log k/√k; which k make the printed statement fail?
    if bad:
        fail_k = [kk for kk in range(2, 10**4) if f(1 - mp.log(kk) / mp.sqrt(kk)) > 0]
        ev["assumption5_nu_fails_for_k"] = (f"{len(fail_k)} of k = 2..9999 (min {fail_k[0]})"
                                            if fail_k else "none")
    # the classical reading with the gap: |⟨w_i,w_j⟩| ≤ 1 − ν
    qc = _power_gap(dict(P, bound=lambda v: 1 - v))
    num, den = sp.fraction(sp.together(qc))
    qc = num if den.is_positive else qc  # same sign on (0, 1), simpler derivative
    dqc = sp.factor(sp.simplify(sp.diff(qc, nu)))
    ev["gap_form"] = {"q": str(qc), "q(0+)": str(sp.limit(qc, nu, 0, "+")), "dq": str(dqc),
                      "dq>=0 on (0,1)": str(sp.solveset(dqc >= 0, nu, sp.Interval.open(0, 1)))}
    gap_ok = (sp.limit(qc, nu, 0, "+") == 0
              and sp.solveset(dqc >= 0, nu, sp.Interval.open(0, 1)) is sp.EmptySet)
    st = "confirmed" if not bad else ("erratum" if gap_ok else "refuted")
    return Verdict(
        sid, st, summary=("holds for every ν ∈ (0,1)" if not bad else
                          f"fails for ν > {ev['roots'][0] if roots else ev['failure_range']}"
                          "; holds when the hypothesis is |⟨w_i,w_j⟩| ≤ 1 − ν"),
        evidence=ev, tolerance="sign of q at 30 digits (|q| ≫ 10⁻²⁵ off the root)",
        justification="t^E increasing in t for E > 0; q linear in γ after division",
        why="" if not bad else "fails at exact points (ν > W(1)), and no convention is "
        "declared that reads ν as a gap; with the hypothesis |⟨w_i,w_j⟩| ≤ 1 − ν it holds",
        corrected=None if not bad else "if |⟨w_i,w_j⟩| ≤ 1 − ν then |⟨w_i,w_j⟩|^{γ/ν} ≤ "
        "(1−ν)^{γ/ν} ≤ exp{−γ} (log(1−ν) ≤ −ν); under Assumption 5 take ν = log k/√k")


def _steps(sid: str, P: dict, ps: range, syms: tuple, where: str) -> Verdict:
    """Compare the coefficient of a_p in consecutive printed forms; the last is a bound."""
    names = [n for n in P if n != "bound"]
    rows, eq_ok = [], True
    for p in ps:
        vals = [sp.simplify(P[n](p)) for n in names]
        diffs = [sp.simplify(vals[i + 1] - vals[i]) for i in range(len(vals) - 1)]
        ratio = sp.simplify(vals[-1] / P["bound"](p))
        # ≤ needs ratio ≤ 1 for every k ≥ 1 (and ξ > 0): check sup by the limit k → 0⁺ … ∞
        le = sp.simplify(ratio - 1)
        le_ok = le.is_nonpositive if le.is_nonpositive is not None else \
            sp.solveset(le > 0, k, sp.Interval(1, sp.oo)) is sp.EmptySet
        rows.append({"p": p, "step_differences": [str(d) for d in diffs],
                     "last_over_bound": str(ratio), "bound_ok": bool(le_ok)})
        eq_ok &= all(d == 0 for d in diffs) and bool(le_ok)
    bad = [r for r in rows if any(d != "0" for d in r["step_differences"]) or not r["bound_ok"]]
    return Verdict(sid, "confirmed" if eq_ok else "erratum",
                   why="" if eq_ok else "a printed step of an exact chain is not equal to the "
                   "previous one (or the final bound fails)",
                   summary=(f"every step equal for p ∈ [{ps[0]}, {ps[-1]}]; last/bound = "
                            f"{rows[-1]['last_over_bound']}") if eq_ok else
                   f"{len(bad)} of {len(rows)} p fail; first: {bad[0]}",
                   evidence={"rows": rows, "where": where, "symbols": [str(s) for s in syms]},
                   tolerance="0 (exact)", justification=EXACT + "; coefficientwise in a_p ≥ 0")


def check_eq14(sid: str, printed: dict | None = None, pmax: int = 16) -> Verdict:
    """Eq. 14 (p.45), coefficientwise for p = 1..pmax, plus the general-p identity
    (k/(k+1))^p (1 + 1/k)^{p−1} = k/(k+1).

    >>> check_eq14("x", pmax=4).status
    'confirmed'
    """
    P = printed or PRINTED["eq14"]
    v = _steps(sid, P, range(1, pmax + 1), (k,), "p.45 Eq. 14, p = l + s + 1")
    gen = sp.simplify(sp.powsimp((k / (k + 1)) ** p_ * (1 + 1 / k) ** (p_ - 1), force=True))
    v.evidence["general_p_(k/(k+1))^p(1+1/k)^(p-1)"] = str(gen)
    v.evidence["note"] = "the final ≤ loses exactly the factor k/(k+1)"
    if v.status != "confirmed":
        v.corrected = "Σ_p (k/(k+1))^p (1 + 1/k)^{p−1} p μ_p² = (k/(k+1)) Σ_p p μ_p² ≤ C̃_σ"
    return v


def check_xi_resum(sid: str, printed: dict | None = None, pmax: int = 16) -> Verdict:
    """p.41: the ξ-analogue, coefficientwise for p = 0..pmax with symbolic k, ξ.

    >>> check_xi_resum("x", pmax=3).status
    'confirmed'
    """
    P = printed or PRINTED["xi_resum"]
    v = _steps(sid, P, range(0, pmax + 1), (k, xi), "p.41 proof of Lemma 6, p = l + s")
    v.evidence["note"] = "(k/(k+ξ²))^p (1+ξ²/k)^p = 1: the first '≤' is an equality"
    if v.status != "confirmed":
        v.corrected = "Σ_{l,s} (ξ²/k)^l C(l+s,l)(l+s+1)μ²_{l+s+1}(1+ξ²/k)^{−(l+s)} = " \
            "Σ_p (p+1)μ²_{p+1}"
    return v


SUM_SUB = (
    ("a", "p.12 (§3.2.2)", "Σ_{s=0}^∞ C(l+s, l)(k/(k+1))^{s+1} = Θ(k^l)"),
    ("b", "p.12 (§3.2.2)", "if |⟨w_i, w_j⟩| ≤ ν for i ≠ j, then |⟨w_i, w_j⟩|^{γ/ν} ≤ exp{−γ}"),
    ("c", "p.45 (Eq. 14)", "Σ_l (1/k)^l Σ_s C(l+s,l)(l+s+1)μ_{l+s+1}(σ)²(k/(k+1))^{l+s+1} = "
     "Σ_{p≥1} (k/(k+1))^p pμ_p(σ)² Σ_{l=0}^{p−1}(1/k)^l C(p−1,l) = Σ_{p≥1} (k/(k+1))^p "
     "(1+1/k)^{p−1} pμ_p(σ)² ≤ Σ_{p≥1} pμ_p(σ)² = C̃_σ"),
    ("d", "p.41 (proof of Lemma 6)", "Σ_{l,s≥0} (ξ²/k)^l C(l+s,l)(l+s+1)μ_{l+s+1}(σ)²"
     "(1/(1+ξ²/k))^{l+s} = Σ_p Σ_{s=0}^p (ξ²/k)^{p−s} C(p,s)(p+1)μ_{p+1}(σ)²(1/(1+ξ²/k))^p = "
     "Σ_p (p+1)μ_{p+1}(σ)²(k/(k+ξ²))^p(1+ξ²/k)^p ≤ Σ_p (p+1)μ_{p+1}(σ)² ≤ C_σ"),
)


def check_sum(ctx: Context | None = None) -> list[Verdict]:
    """All DC-SUM sub-checks at the profile's sizes.

    >>> [v.status for v in check_sum(Context(profile="quick"))]
    ['erratum', 'erratum', 'confirmed', 'confirmed']
    """
    ctx = ctx or Context()
    n = ctx.size(6, 12, 20)
    out = [check_sum_order("DC-SUM.a", lmax=n), check_power_bound("DC-SUM.b"),
           check_eq14("DC-SUM.c", pmax=n), check_xi_resum("DC-SUM.d", pmax=n)]
    for v in out:
        v.sizes = {"max l or p": n}
    return out


SUM = register(Claim(
    id="DC-SUM", location="§3.2.2 (p.12); Eq. 14 (p.45); Lemma 6's proof (p.41)",
    title="Side identities and orders of the h(m) series",
    convention="normalised rows (App. D series of Prop. 4's h)",
    subchecks=tuple(SubCheck("DC-SUM." + a, loc, st) for a, loc, st in SUM_SUB),
    check=check_sum, needs="theory",
))
