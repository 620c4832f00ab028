"""Random signs and anti-concentration: the bilinear forms h(0) reduces to, and the printed bounds.

Dayi & Chen (COLT 2025), §3.2 (p.10–13), App. D.3 (p.35–39) and D.4 (p.39–42). With
``c = b/√k``, ``ĉ = b̂/√k`` (Assumption 3: ``b, b̂`` uniform on ``{±1}^k``), the constant term
of the population gradient is a bilinear form ``bᵀQb̂`` in Rademacher vectors (Eq. 12, p.38),
and the paper's probabilistic core is the anti-concentration of such forms:

* **influence** (Lemma 26, p.36): for ``f(x, y) = xᵀQy`` normalised to ``‖Q‖_F = 1`` the
  influence of ``x_i`` is ``Σ_j Q_ij²`` (and of ``y_j`` the column sum), so the maximal
  influence is ``max_i Σ_j Q_ij² / ‖Q‖_F²`` (:func:`influence`; Claim 3 / Cor. 27 bound it);
* **Q̃ of Prop. 29** (p.39): ``Q̃_ij = Σ_s (s+1)μ_{s+1}(σ)² (k/(k+1))^{s+1} ⟨w_i,w_j⟩^s``, which is
  ``r·K′(r⟨w_i,w_j⟩)`` with ``r = k/(k+1)`` and ``K′(ρ) = Σ_p pμ_p² ρ^{p−1}`` (the project's
  dual kernel, :mod:`theory.kernels`): :func:`q_tilde`, :func:`q_tilde_series`, and Eq. 12's
  matrix ``Q = (λλᵀ/k) ∘ Q̃`` (:func:`eq12_matrix`);
* **orthonormal features** (§3.2.1, D.4): with ``T(l,0) = X = k(Σλ_ic_i)(Σλ_iĉ_i)`` and
  ``T(l,s≥1) = Y = kΣλ_i²c_iĉ_i`` for even l, ``(Σλ_i)²`` and ``‖λ‖²`` for odd l, h(m) is
  linear in the two random scalars (:func:`orthonormal_coefficients`); Claim 1's sign condition
  is an event ``lo ≤ X ≤ hi`` (:func:`claim1_thresholds`);
* Prop. 7's printed even-order sum through K′ (:func:`prop7_kernel`);
* every printed bound of these results, transcribed as printed, as data (the ``*Printed``
  dataclasses) so a test can pass a deliberately wrong statement and see a check flip.

The coefficients ``κ_p = p μ_p(σ)²`` (:func:`kappa`) carry σ: for polynomial σ they are exact
rationals read off the polynomial K′, so everything here is exact (sympy/fractions); otherwise
they are floats from :func:`theory.hermite.mus` and results are floats.

Notation: Hermite ``h_p = He_p/√(p!)``, ``μ_p = E[σ(g)h_p(g)]`` (model.md). Pure: no randomness,
no import from ``numerics``.

>>> influence([[1, 0], [0, 1]])
Fraction(1, 2)
>>> kappa("cubic", 4)
[0, 9, 0, 18, 0]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from theory import hermite, kernels
from theory.activations import get

__all__ = [
    "influence",
    "kappa",
    "q_tilde",
    "q_tilde_series",
    "eq12_matrix",
    "orthonormal_coefficients",
    "claim1_coefficients",
    "claim1_thresholds",
    "prop7_kernel",
    "prop7_eps",
    "cor27_bound",
    "Claim1Printed",
    "Claim3Printed",
    "Lemma6Printed",
    "Lemma28Printed",
    "Prop30Printed",
    "PRINTED_CLAIM1",
    "PRINTED_CLAIM3",
    "PRINTED_LEMMA6",
    "PRINTED_LEMMA28",
    "PRINTED_PROP30",
    "FORMS",
]


# ---------------------------------------------------------------------------------------------
# Influence (Lemma 26's τ for xᵀQy) and Claim 3 / Cor. 27
# ---------------------------------------------------------------------------------------------


def influence(Q) -> Any:
    """Maximal influence of ``f(x, y) = xᵀQy`` after normalising ``‖Q‖_F = 1`` (Lemma 26, p.36):
    ``max(max_i Σ_j Q_ij², max_j Σ_i Q_ij²) / Σ_ij Q_ij²`` (rows are the influences of x,
    columns of y; for symmetric Q both are the row norms of Claim 3, p.36).

    Exact (a ``Fraction``) when every entry is an int or Fraction, otherwise a float.
    Limits: none beyond float64 for float input.

    >>> influence([[2, 1], [1, 2]])
    Fraction(1, 2)
    >>> round(influence(np.eye(4)), 12)
    0.25
    """
    if isinstance(Q, np.ndarray) and Q.dtype.kind == "f":
        A = Q.astype(float) ** 2
        tot = float(A.sum())
        if tot == 0:
            raise ValueError("Q = 0 has no influence")
        return float(max(A.sum(1).max(), A.sum(0).max()) / tot)
    rows = [[Fraction(v) if isinstance(v, int | Fraction) else v for v in r] for r in Q]
    sq = [[v * v for v in r] for r in rows]
    tot = sum(sum(r) for r in sq)
    if tot == 0:
        raise ValueError("Q = 0 has no influence")
    n = len(sq[0])
    best = max(max(sum(r) for r in sq), max(sum(r[j] for r in sq) for j in range(n)))
    return best / tot


def cor27_bound(k: int, qmin2, qmax2, printed: Claim3Printed | None = None) -> Any:
    """The printed bound of Claim 3 (p.36, ``q²_min = q²_max = 1``) and Cor. 27 (p.37):
    ``2 · (q²_max/q²_min) · k^{−1/2}`` (as printed; the constant and exponents from
    ``printed``).

    >>> cor27_bound(4, 1, 1)
    1.0
    >>> cor27_bound(16, 1, 2)
    1.0
    """
    P = printed or PRINTED_CLAIM3
    return float(P.const * (Fraction(qmax2) / Fraction(qmin2)) ** P.ratio_power
                 * k ** float(P.k_power))


@dataclass(frozen=True)
class Claim3Printed:
    """Claim 3 (p.36): ``sup max_i Σ_j Q_ij²/Σ_ij Q_ij² ≤ 2k^{−1/2}`` over k×k PSD Q with unit
    diagonal; Cor. 27 (p.37): ``≤ 2·(q²_max/q²_min)·k^{−1/2}`` when ``q²_min ≤ Q_ii ≤ q²_max``.
    ``proof_frob_power`` is the power of q_min in the proof's "‖Q‖²_F ≥ max{ζ, kq²_min}" (p.37).
    """

    const: Fraction = Fraction(2)
    k_power: Fraction = Fraction(-1, 2)
    ratio_power: int = 1
    proof_frob_power: int = 2


PRINTED_CLAIM3 = Claim3Printed()


# ---------------------------------------------------------------------------------------------
# κ_p = p μ_p² and Prop. 29's Q̃
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _kappa(name: str, n: int) -> tuple:
    act = get(name)
    Kp = kernels.closed_Kprime(act)
    if Kp is not None and Kp.is_polynomial(kernels.RHO):
        co = sp.Poly(Kp, kernels.RHO).all_coeffs()[::-1]  # K′ = Σ_p κ_p ρ^{p−1}
        out = [sp.Integer(0)] + [sp.nsimplify(c) for c in co]
        out += [sp.Integer(0)] * max(0, n + 1 - len(out))
        return tuple(out[: n + 1])
    mus = hermite.mus(act, n)
    return tuple([0.0] + [p * float(mus[p].value) ** 2 for p in range(1, n + 1)])


def kappa(act: str, n: int) -> list:
    """``[0, κ_1, …, κ_n]`` with ``κ_p = p μ_p(σ)²``, the coefficients of ``K′(ρ) = Σ_p κ_p
    ρ^{p−1}`` (:mod:`theory.kernels`). Exact sympy rationals for polynomial σ (read off the
    polynomial K′), floats from :func:`theory.hermite.mus` otherwise (≥ 15 digits).

    >>> kappa("He3", 3)
    [0, 0, 0, 18]
    >>> [round(v, 6) for v in kappa("relu", 3)]
    [0.0, 0.25, 0.159155, 0.0]
    """
    return list(_kappa(act, n))


def q_tilde(G, kprime: Callable, k: int) -> np.ndarray:
    """Prop. 29's ``Q̃`` (p.39) in closed form: ``Q̃_ij = r·K′(r·G_ij)``, ``r = k/(k+1)``, for a
    Gram matrix ``G`` of unit vectors and a vectorised ``K′`` (e.g.
    ``sympy.lambdify(RHO, closed_Kprime(σ))``). Float64.

    >>> K = lambda rho: 18 * rho**2 + 9          # σ = x³: r = 2/3, rK′(r) = 34/3, rK′(0) = 6
    >>> q_tilde(np.eye(2), K, 2).round(6).tolist()
    [[11.333333, 6.0], [6.0, 11.333333]]
    """
    r = k / (k + 1)
    return r * np.asarray(kprime(r * np.asarray(G, float)), float)


def q_tilde_series(G, kap: Sequence, k: int) -> sp.Matrix:
    """Prop. 29's ``Q̃`` as printed (p.39): ``Q̃_ij = Σ_{s≥0} (s+1) μ_{s+1}(σ)² (k/(k+1))^{s+1}
    ⟨w_i, w_j⟩^s``, summed over ``s + 1 ≤ len(kap) − 1`` (the whole sum for polynomial σ), in
    exact sympy arithmetic when ``G`` and ``kap`` are exact.

    >>> q_tilde_series(sp.eye(2), kappa("cubic", 3), 2)
    Matrix([
    [34/3,    6],
    [   6, 34/3]])
    """
    G = sp.Matrix(G)
    r = sp.Rational(k, k + 1)
    n = len(kap) - 1
    return G.applyfunc(lambda g: sp.expand(sum(kap[s + 1] * r ** (s + 1) * g**s
                                               for s in range(n))))


def eq12_matrix(G, lam, kprime: Callable, k: int) -> np.ndarray:
    """The matrix of Eq. 12 (p.38), ``f(b, b̂) = bᵀQb̂``: ``Q_ij = (λ_iλ_j/k)·Q̃_ij``.

    >>> eq12_matrix(np.eye(2), [1, 1], lambda rho: 1 + 0 * rho, 2).round(6).tolist()
    [[0.333333, 0.333333], [0.333333, 0.333333]]
    """
    lam = np.asarray(lam, float)
    return np.outer(lam, lam) / k * q_tilde(G, kprime, k)


# ---------------------------------------------------------------------------------------------
# Orthonormal features (§3.2.1, D.4): h(m) linear in X and Y; Claim 1's forms
# ---------------------------------------------------------------------------------------------


def _num(v):
    if isinstance(v, Fraction):
        return sp.Rational(v.numerator, v.denominator)
    return sp.Integer(v) if isinstance(v, int) else v


def orthonormal_coefficients(kap: Sequence, k: int, xi2) -> dict[str, list]:
    """Coefficients (ascending in m) of h(m) under orthonormal features (Prop. 4 with the
    T(l, s) of p.10/p.40): ``h(m) = Σ_l (X·a_l + Y·b_l + S·c_l + L2·d_l) m^l`` with
    ``X = k(Σλ_ic_i)(Σλ_iĉ_i)`` (T(l,0), l even), ``Y = kΣλ_i²c_iĉ_i`` (T(l,s≥1), l even),
    ``S = (Σλ_i)²`` (T(l,0), l odd) and ``L2 = ‖λ‖²`` (T(l,s≥1), l odd):
    ``2 (ξ²/k)^{l+1} C(l+s, l) κ_{l+s+1} (1/(1+ξ²/k))^{l+s+1}`` summed over s. Exact for exact
    ``kap`` and ``xi2`` (ξ²).

    >>> co = orthonormal_coefficients(kappa("He3", 3), 2, 1)   # the population module's example
    >>> co["X"], co["Y"], co["L2"]
    ([0, 0, 4/3], [16/3, 0, 0], [0, 16/3, 0])
    """
    n = len(kap) - 1
    xi2 = _num(xi2)
    q = 1 / (1 + xi2 / k)
    out = {key: [sp.Integer(0)] * max(n, 1) for key in ("X", "Y", "S", "L2")}
    for p in range(1, n + 1):
        for l in range(p):
            s = p - 1 - l
            c = 2 * (xi2 / k) ** (l + 1) * math.comb(l + s, l) * kap[p] * q**p
            key = ("X" if s == 0 else "Y") if l % 2 == 0 else ("S" if s == 0 else "L2")
            out[key][l] += c
    return out


#: Claim 1's printed forms: "p11" (§3.2.1, p.11: no m^l, even l > 0), "p41" (D.4, p.41: m^l,
#: even l including l = 0), and "corrected" (even l > 0 with m^l, what the proof on p.40 shows).
FORMS: tuple[str, ...] = ("p11", "p41", "corrected")


@dataclass(frozen=True)
class Claim1Printed:
    """Claim 1 as printed. ``rate``: the failure probability ``exp{−rate·k/(e ξ²)}`` (p.11,
    p.41); ``tail_level``: the proof's event ``|mξ²/k · X| ≥ tail_level·‖λ‖²`` (p.41) with
    printed probability ``exp{−rate·k/(e m ξ²)}``; ``even_from``: the smallest even l of the
    s = 0 sum per form; ``powers``: whether the form carries ``m^l``.
    """

    rate: Fraction = Fraction(2)
    tail_level: Fraction = Fraction(2)
    even_from: tuple = (("p11", 2), ("p41", 0), ("corrected", 2))
    powers: tuple = (("p11", False), ("p41", True), ("corrected", True))
    second_moment_k_power: int = 2  # E_{c,ĉ}(Σλc)²(Σλĉ)² = ‖λ‖⁴/k² as printed (p.40)

    def probability(self, k: int, xi2: float) -> float:
        """``1 − exp{−rate·k/(e ξ²)}`` as printed."""
        return 1.0 - math.exp(-float(self.rate) * k / (math.e * float(xi2)))


PRINTED_CLAIM1 = Claim1Printed()


def claim1_coefficients(kap: Sequence, k: int, xi2, form: str,
                        printed: Claim1Printed | None = None) -> tuple[list, list, bool]:
    """Claim 1's two sums for one printed form: ``(odd, even, powers)``, where the claimed
    inequality reads ``sign(m)·(‖λ‖²·Σ_l odd_l m^l + X·Σ_l even_l m^l) ≥ 0`` (``m^l`` only if
    ``powers``; without powers the sums are constants). ``odd_l = 2(ξ²/k)^{l+1} C(l+1,l)
    κ_{l+2} (1/(1+ξ²/k))^{l+2}`` (l odd, s = 1; T(l,1) = ‖λ‖²), ``even_l = 2(ξ²/k)^{l+1}
    κ_{l+1}(1/(1+ξ²/k))^{l+1}`` (l even from ``even_from``, s = 0; T(l,0) = X).

    >>> odd, even, pw = claim1_coefficients(kappa("cubic", 3), 2, 1, "p41")
    >>> odd, even, pw         # by hand: q = 2/3, odd_1 = 2·(1/4)·2·18·q³, even_0 = 2·(1/2)·9·q
    ([0, 16/3, 0], [6, 0, 4/3], True)
    """
    P = printed or PRINTED_CLAIM1
    start = dict(P.even_from)[form]
    powers = dict(P.powers)[form]
    n = len(kap) - 1
    xi2 = _num(xi2)
    q = 1 / (1 + xi2 / k)
    odd = [sp.Integer(0)] * max(n, 1)
    even = [sp.Integer(0)] * max(n, 1)
    for l in range(n):
        if l % 2 == 1 and l + 2 <= n:
            odd[l] = 2 * (xi2 / k) ** (l + 1) * math.comb(l + 1, l) * kap[l + 2] * q ** (l + 2)
        if l % 2 == 0 and l >= start:
            even[l] = 2 * (xi2 / k) ** (l + 1) * kap[l + 1] * q ** (l + 1)
    return odd, even, powers


def _inf_ratio(num: sp.Poly, den: sp.Poly) -> sp.Expr:
    """inf over m ∈ (0, 1] of num(m)/den(m) for polynomials with num ≥ 0, den > 0 there
    (∞ if den ≡ 0); exact: the limit at 0⁺ (from the lowest-order coefficients), the value at
    1 and the values at the real critical points in (0, 1) (algebraic numbers, compared
    exactly by sympy)."""
    if den.is_zero:
        return sp.oo
    if num.is_zero:
        return sp.Integer(0)
    m = num.gens[0]
    lo_n = min(e for (e,) in num.monoms())
    lo_d = min(e for (e,) in den.monoms())
    at0 = (sp.Integer(0) if lo_n > lo_d else sp.oo if lo_n < lo_d
           else num.coeff_monomial(m**lo_n) / den.coeff_monomial(m**lo_d))
    cands = [at0, num.eval(1) / den.eval(1)]
    crit = num.diff(m) * den - num * den.diff(m)
    if not crit.is_zero:
        for z in sp.real_roots(crit):
            if 0 < z < 1:
                cands.append(num.eval(z) / den.eval(z) if z.is_rational
                             else sp.simplify(num.as_expr().subs(m, z) / den.as_expr().subs(m, z)))
    return sp.Min(*cands)


def claim1_thresholds(kap: Sequence, k: int, xi2, form: str,
                      printed: Claim1Printed | None = None) -> tuple[sp.Expr, sp.Expr]:
    """The printed sign condition of Claim 1 (one form) as an event on X: it holds for every
    ``m ∈ (0, 1]`` iff ``X ≥ lo·‖λ‖²``, and for every ``m ∈ [−1, 0)`` iff ``X ≤ hi·‖λ‖²``;
    returns ``(lo, hi)`` exactly (``±oo`` if there is no even term). At m = 0, sign(0) = 0 and
    the inequality holds trivially.

    Derivation: on m > 0 the odd sum O(m) and the even sum E(m) are ≥ 0, so
    ``‖λ‖²O + XE ≥ 0 ∀m`` ⟺ ``X ≥ −‖λ‖² inf O/E``; on m < 0 with powers ``O(m) = −O(|m|)``,
    ``E(m) = E(|m|)``; without powers both are constants.

    >>> claim1_thresholds(kappa("cubic", 3), 2, 1, "p41")
    (0, 0)
    >>> claim1_thresholds(kappa("cubic", 3), 2, 1, "corrected")   # inf (16m/3)/(4m²/3) = 4
    (-4, 4)
    """
    odd, even, powers = claim1_coefficients(kap, k, xi2, form, printed)
    m = sp.Symbol("m", positive=True)
    O = sp.Poly(sum(c * m**i for i, c in enumerate(odd)) + 0 * m, m)
    E = sp.Poly(sum(c * m**i for i, c in enumerate(even)) + 0 * m, m)
    if E.is_zero:
        return -sp.oo, sp.oo
    if powers:
        t = _inf_ratio(O, E)
        return sp.simplify(-t), sp.simplify(t)
    t = O.eval(1) / E.eval(1)
    return -t, -t


# ---------------------------------------------------------------------------------------------
# Lemma 6 (p.12), Prop. 7 (p.13), Lemma 28 (p.37), Prop. 30 (p.39): printed data
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lemma6Printed:
    """Lemma 6 (p.12): with probability ``1 − o(1) − exp{−2k/(eξ²)} − O(γ^{1/2})``, for
    ``m h(0) ≥ 0``, ``h(m)sign(h(0)) ≥ |h(0)|/half`` and ``|h(0)| ≥ (k/(k+ξ²))^{s*}
    C_σγξ²·{1 if μ_1 ≠ 0, k^{mu1_zero_power} if μ_1 = 0}`` (half = 2, power −1/2 as printed).
    """

    half: Fraction = Fraction(2)
    mu1_zero_power: Fraction = Fraction(-1, 2)
    gamma_power: Fraction = Fraction(1, 2)
    rate: Fraction = Fraction(2)

    def lower(self, k: int, xi2: float, s_star: int, mu1_zero: bool) -> float:
        """``(k/(k+ξ²))^{s*} ξ² · {1, k^{−1/2}}``: the bound divided by C_σγ."""
        f = (k / (k + xi2)) ** s_star * xi2
        return f * (k ** float(self.mu1_zero_power) if mu1_zero else 1.0)


PRINTED_LEMMA6 = Lemma6Printed()


def prop7_eps(rho: float) -> float:
    """Prop. 7's exponent (p.13): ``ε = min{ρ/4, 1 − 1/(1+2ρ)}`` (ρ of Assumption 6).

    >>> prop7_eps(0.25)
    0.0625
    """
    return min(rho / 4, 1 - 1 / (1 + 2 * rho))


def prop7_kernel(kprime: Callable, k: int) -> Callable:
    """Prop. 7's printed sum (p.13) is ``Σ_ij λ_iλ_j c_iĉ_j F(⟨w_i, w_j⟩)`` with
    ``F(ρ) = Σ_{n≥0} k^{−(2n+2)} Σ_{s≥0} C(2n+2+s, 2n+2) κ_{2n+s+3} r^{2n+s+3} ρ^s``, r = k/(k+1).
    Summing first over n + s at fixed p = 2n + s + 3 (Vandermonde) gives the even part, minus its
    x⁰ term, of ``r K′(r(x + ρ))`` at ``x = 1/k``:
    ``F(ρ) = (r/2)[K′(r(ρ + 1/k)) + K′(r(ρ − 1/k))] − r K′(rρ)``. Returns F (vectorised).
    Valid for |ρ| ≤ 1 (then |r(ρ ± 1/k)| ≤ 1).

    >>> F = prop7_kernel(lambda t: 18 * t**2, 3)      # σ = He₃: only n = 0, s = 0: κ_3 r³/k²
    >>> round(float(F(0.3)), 12) == round(18 * (3 / 4) ** 3 / 9, 12)
    True
    """
    r = k / (k + 1)

    def arg(t):  # |r(ρ ± 1/k)| ≤ 1 in exact arithmetic; clip the float rounding at ρ = ±1
        return np.clip(t, -1.0, 1.0)

    def F(rho):
        rho = np.asarray(rho, float)
        return (r / 2) * (np.asarray(kprime(arg(r * (rho + 1 / k))), float)
                          + np.asarray(kprime(arg(r * (rho - 1 / k))), float)) \
            - r * np.asarray(kprime(arg(r * rho)), float)

    return F


@dataclass(frozen=True)
class Lemma28Printed:
    """Lemma 28 (p.37): ``sup_Q Pr_{x,y}[|xᵀQy| ≤ ε‖Q‖_F] ≤ o(1) + O(ε^{eps_power})`` (≤ as
    printed; Prop. 29 writes ``<``), ``eps_power = 1/2`` (Carbery–Wright for degree 2,
    Lemma 25: ``B ε^{1/d}``)."""

    eps_power: Fraction = Fraction(1, 2)
    strict: bool = False


PRINTED_LEMMA28 = Lemma28Printed()


@dataclass(frozen=True)
class Prop30Printed:
    """Prop. 30 (p.39): ``Pr[|(Σλ_ic_i)(Σλ_iĉ_i)| ≤ γλ²_min] ≤ o(λ²_max/λ²_min) + O(γ^{1/2})``
    and ``Pr[|Σλ_i²c_iĉ_i| ≤ γλ²_min/√k] ≤ o(λ²_max/λ²_min) + O(γ^{1/2})``."""

    gamma_power: Fraction = Fraction(1, 2)
    second_k_power: Fraction = Fraction(-1, 2)


PRINTED_PROP30 = Prop30Printed()
