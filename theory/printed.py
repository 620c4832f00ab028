"""The paper's printed intermediate forms of h(m) and of the population gradient, as printed.

Every function here is a **transcription** of one printed formula of Dayi & Chen (COLT 2025),
with its page; nothing is corrected. The claim checks (``numerics/claims/gradient.py``,
``orthonormal.py``, ``large_xi.py``, ``hermite.py``) compare them with what
:mod:`theory.population` derives, and the corrected forms (``*_corrected``) are what the
checks verified where a printed form fails.

Common arguments. ``mu``: the Hermite coefficients μ_0(σ), …, μ_n(σ) (h_p = He_p/√(p!)), exact
sympy numbers or floats; every infinite series over p = l + s + 1 is **truncated at p ≤ n**
(exact for a polynomial σ of degree ≤ n). ``gram``: the Gram matrix G_ij = <w_i, w_j>
(indexable ``G[i, j]``); ``lam``, ``c``, ``chat``: λ, c, ĉ; ``xi``: ξ; ``m``: the overlap
<u, û> (a sympy symbol or a number). Convention: **normalised rows** (App. D.1, Eq. 11):
v_i = (w_i + ξ c_i u)/‖w_i + ξ c_i u‖, which the paper writes (w_i + ξ c_i u)/√(1 + ξ²/k) for
unit rows and c ∈ {±1/√k}^k, so these forms assume unit rows and quantised c, ĉ. Arithmetic is
plain ``+ * **``, so sympy (exact) and float inputs both work; cost O(n² k²).

>>> import sympy as sp
>>> m = sp.Symbol("m")
>>> mu = [0, 0, 0, sp.sqrt(6)]          # He3: μ_3 = √6
>>> G = sp.eye(2); c = [sp.sqrt(2) / 2, sp.sqrt(2) / 2]
>>> sp.expand(h_prop4(m, mu, G, [1, 1], c, c, sp.Integer(1)))
16*m**2/3 + 32*m/3 + 32/3
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

__all__ = [
    "T_prop4", "h_prop4",
    "T0_orthonormal_p10", "Ts_orthonormal_p10", "T0_orthonormal_p40", "Ts_orthonormal_p40",
    "rho_D1", "grad_D1a", "grad_D1b", "h_D1c", "h_D1c_corrected", "h_D1d", "parity_D1e",
    "grad_prop23", "grad_prop23_corrected", "h_p12_xi1", "h_D51_xi1", "h_D51_xi1_corrected",
    "eq7", "eq8", "eq8_sum", "h_p11_even_parts", "remark15_term", "remark15_limit",
    "remark15_limit_corrected", "REMARK15_INIT_EXPONENT", "remark15_init_exponent_corrected",
    "glm_loss_p9", "glm_h_p9", "remark10_rhs", "hermite_corr_p8", "parseval_p8",
    "tensor_lhs_p7", "tensor_rhs_p7", "remark9_bound", "remark9_bound_corrected",
]


def _k(lam) -> int:
    return len(lam)


def _n(mu) -> int:
    return len(mu) - 1


# ---------------------------------------------------------------------------------------------
# Proposition 4 (§3.1, p.9); restated verbatim at the end of App. D.1 (p.32) and in D.4 (p.39)
# ---------------------------------------------------------------------------------------------


def T_prop4(l: int, s: int, gram, lam, c, chat) -> Any:
    """Prop. 4's T(l, s) (p.9), as printed: ``‖Σ_i λ_i w_i^{⊗s}‖_F²`` for l odd,
    ``k <Σ_i λ_i c_i w_i^{⊗s}, Σ_i λ_i ĉ_i w_i^{⊗s}>`` otherwise.

    Written through the §1.4 identity <a^{⊗s}, b^{⊗s}> = <a, b>^s (checked in DC-H), i.e. with
    Gram powers G_ij^s (G_ij^0 = 1).

    >>> T_prop4(1, 0, [[1, 0], [0, 1]], [1, 2], [1, 1], [1, 1]), T_prop4(0, 1, [[1, 0], [0, 1]],
    ...     [1, 2], [1, 1], [1, -1])
    (9, -6)
    """
    k = _k(lam)
    idx = range(k)
    if l % 2 == 1:
        return sum(lam[i] * lam[j] * _g(gram, i, j) ** s for i in idx for j in idx)
    return k * sum(lam[i] * c[i] * lam[j] * chat[j] * _g(gram, i, j) ** s
                   for i in idx for j in idx)


def _g(gram, i, j):
    return gram[i, j] if hasattr(gram, "shape") else gram[i][j]


def h_prop4(m, mu: Sequence, gram, lam, c, chat, xi, T=None) -> Any:
    """Prop. 4 (p.9), as printed, truncated at l + s + 1 ≤ n:

    ``h(m) = 2 Σ_l (ξ²/k)^{l+1} ( Σ_s C(l+s, l) (l+s+1) μ_{l+s+1}(σ)² (1/(1+ξ²/k))^{l+s+1}
    T(l, s) ) m^l``.

    ``T`` defaults to :func:`T_prop4` (pass another T to test a variant).

    >>> h_prop4(0.0, [0, 1], [[1]], [1], [1], [1], 1)
    1.0
    """
    T = T or T_prop4
    k = _k(lam)
    n = _n(mu)
    q = 1 / (1 + xi**2 / k)
    total = 0
    for l in range(n):
        inner = 0
        for s in range(n - l):
            p = l + s + 1
            inner += math.comb(l + s, l) * p * mu[p] ** 2 * q**p * T(l, s, gram, lam, c, chat)
        total += 2 * (xi**2 / k) ** (l + 1) * inner * m**l
    return total


# ---------------------------------------------------------------------------------------------
# §3.2.1 (p.10) and D.4 (p.40): T(l, s) for orthonormal features, as printed
# ---------------------------------------------------------------------------------------------


def T0_orthonormal_p10(l: int, lam, c, chat) -> Any:
    """p.10: ``T(l, 0) = k Σ_{i,j} λ_i λ_j c_i ĉ_j`` (l even), ``(Σ_i λ_i)²`` (l odd).

    >>> T0_orthonormal_p10(0, [1, 1], [1, 1], [1, -1]), T0_orthonormal_p10(1, [1, 2], [], [])
    (0, 9)
    """
    k = _k(lam)
    if l % 2 == 0:
        return k * sum(lam[i] * lam[j] * c[i] * chat[j] for i in range(k) for j in range(k))
    return sum(lam) ** 2


def Ts_orthonormal_p10(l: int, lam, c, chat) -> Any:
    """p.10: ``T(l, s ≥ 1) = k Σ_i λ_i² c_i ĉ_i`` (l even), ``‖λ‖_2²`` (l odd).

    >>> Ts_orthonormal_p10(0, [1, 1], [1, 1], [1, -1]), Ts_orthonormal_p10(3, [1, 2], [], [])
    (0, 5)
    """
    k = _k(lam)
    if l % 2 == 0:
        return k * sum(lam[i] ** 2 * c[i] * chat[i] for i in range(k))
    return sum(v**2 for v in lam)


def T0_orthonormal_p40(l: int, lam, c, chat) -> Any:
    """p.40 (D.4): ``T(l, 0) = (Σ_i λ_i)²`` (l odd), ``k (Σ_i λ_i c_i)(Σ_i λ_i ĉ_i)`` otherwise.

    >>> T0_orthonormal_p40(2, [1, 1], [1, 1], [1, 1])
    8
    """
    k = _k(lam)
    if l % 2 == 1:
        return sum(lam) ** 2
    return k * sum(a * b for a, b in zip(lam, c, strict=True)) * sum(
        a * b for a, b in zip(lam, chat, strict=True))


def Ts_orthonormal_p40(l: int, lam, c, chat) -> Any:
    """p.40 (D.4): ``T(l, s ≥ 1) = Σ_i λ_i²`` (l odd), ``k Σ_i λ_i² c_i ĉ_i`` otherwise.

    >>> Ts_orthonormal_p40(1, [1, 2], [], [])
    5
    """
    return Ts_orthonormal_p10(l, lam, c, chat)


# ---------------------------------------------------------------------------------------------
# App. D.1 (p.31–32): the derivation of Prop. 4
# ---------------------------------------------------------------------------------------------


def rho_D1(m, gram, c, chat, xi, i: int, j: int) -> Any:
    """The cross correlation the p.32 gradient uses. Printed there: ``<v_i, v_j> = (<w_i, w_j> +
    ξ² c_i c_j)/(1 + ξ²/k)`` and "similarly" ``<v̂_i, v̂_j>`` with ĉ; the cross pair (not
    printed) carries the overlap m (u, û ⊥ w_i): ``(<w_i, w_j> + ξ² c_i ĉ_j m)/(1 + ξ²/k)``.

    >>> rho_D1(0.5, [[1]], [1], [1], 1, 0, 0)
    0.75
    """
    k = len(c)
    return (_g(gram, i, j) + xi**2 * c[i] * chat[j] * m) / (1 + xi**2 / k)


def grad_D1a(m, mu, gram, lam, c, chat, xi) -> Any:
    """p.32, first line: the coefficient g(m) of (u − û<u, û>) in the spherical gradient,
    ``∇̂_û E[(f* − f̂)²] = −2 Σ_{i,j} λ_i λ_j (ξ²/(1 + ξ²/k)) c_i ĉ_j Σ_{p≥1} p μ_p(σ)²
    <v_i, v̂_j>^{p−1} (u − û<u, û>)``. Prop. 4 says g = −h.

    >>> grad_D1a(0.0, [0, 1], [[1]], [1], [1], [1], 1)
    -1.0
    """
    k = _k(lam)
    n = _n(mu)
    tot = 0
    for i in range(k):
        for j in range(k):
            r = rho_D1(m, gram, c, chat, xi, i, j)
            tot += (lam[i] * lam[j] * xi**2 / (1 + xi**2 / k) * c[i] * chat[j]
                    * sum(p * mu[p] ** 2 * r ** (p - 1) for p in range(1, n + 1)))
    return -2 * tot


def grad_D1b(m, mu, gram, lam, c, chat, xi) -> Any:
    """p.32, second line (expanded): ``= −2 Σ_{i,j} λ_i λ_j ξ² c_i ĉ_j Σ_{p≥1} p μ_p(σ)²
    (1/(1 + ξ²/k))^p (<w_i, w_j> + ξ² c_i ĉ_j <u, û>)^{p−1} (u − û<u, û>)``; returns the
    coefficient of (u − û<u, û>).

    >>> grad_D1b(0.0, [0, 1], [[1]], [1], [1], [1], 1)
    -1.0
    """
    k = _k(lam)
    n = _n(mu)
    q = 1 / (1 + xi**2 / k)
    return -2 * sum(lam[i] * lam[j] * xi**2 * c[i] * chat[j]
                    * sum(p * mu[p] ** 2 * q**p * (_g(gram, i, j) + xi**2 * c[i] * chat[j] * m)
                          ** (p - 1) for p in range(1, n + 1))
                    for i in range(k) for j in range(k))


def h_D1c(m, mu, gram, lam, c, chat, xi) -> Any:
    """p.32, the printed definition: ``h(m) = 2 Σ_{i,j} λ_i λ_j ξ² c_i ĉ_j Σ_{p≥1} p μ_p(σ)²
    (1/(1 + ξ²))^p (<w_i, w_j> + ξ² c_i ĉ_j m)^{p−1}`` (note 1 + ξ², not 1 + ξ²/k).

    >>> h_D1c(0.0, [0, 1], [[1]], [1], [1], [1], 1)
    1.0
    """
    return _h_D1c(m, mu, gram, lam, c, chat, xi, 1 / (1 + xi**2))


def h_D1c_corrected(m, mu, gram, lam, c, chat, xi) -> Any:
    """The definition of h that the line above it (and Prop. 4) imply: p.32's form with
    (1/(1 + ξ²/k))^p in place of the printed (1/(1 + ξ²))^p.

    >>> h_D1c_corrected(0.0, [0, 1], [[1]], [1], [1], [1], 1)
    1.0
    """
    return _h_D1c(m, mu, gram, lam, c, chat, xi, 1 / (1 + xi**2 / _k(lam)))


def _h_D1c(m, mu, gram, lam, c, chat, xi, q):
    k = _k(lam)
    n = _n(mu)
    return 2 * sum(lam[i] * lam[j] * xi**2 * c[i] * chat[j]
                   * sum(p * mu[p] ** 2 * q**p * (_g(gram, i, j) + xi**2 * c[i] * chat[j] * m)
                         ** (p - 1) for p in range(1, n + 1))
                   for i in range(k) for j in range(k))


def h_D1d(m, mu, gram, lam, c, chat, xi) -> Any:
    """p.32, the double series: ``h(m) = 2 Σ_{i,j} λ_i λ_j Σ_l (ξ²)^{l+1} (c_i ĉ_j)^{l+1} m^l
    Σ_s (l+s+1) μ_{l+s+1}(σ)² C(l+s, l) (1/(1 + ξ²/k))^{l+s+1} <w_i, w_j>^s``.

    >>> h_D1d(0.0, [0, 1], [[1]], [1], [1], [1], 1)
    1.0
    """
    k = _k(lam)
    n = _n(mu)
    q = 1 / (1 + xi**2 / k)
    tot = 0
    for i in range(k):
        for j in range(k):
            for l in range(n):
                inner = sum((l + s + 1) * mu[l + s + 1] ** 2 * math.comb(l + s, l)
                            * q ** (l + s + 1) * _g(gram, i, j) ** s for s in range(n - l))
                tot += lam[i] * lam[j] * (xi**2) ** (l + 1) * (c[i] * chat[j]) ** (l + 1) \
                    * m**l * inner
    return 2 * tot


def parity_D1e(l: int, ci, chatj, k: int) -> Any:
    """p.32: ``(c_i ĉ_j)^{l+1} = 1/k^{l+1}`` for odd l, ``= c_i ĉ_j / k^l`` for even l
    (c, ĉ ∈ {±1/√k}^k).

    >>> parity_D1e(1, 1, -1, 1), parity_D1e(2, 1, -1, 1)
    (1.0, -1.0)
    """
    if l % 2 == 1:
        return 1 / k ** (l + 1)
    return ci * chatj / k**l


def grad_prop23(m, mu, gram, lam, c, chat, xi) -> Any:
    """Prop. 23's proof (p.35), "the non-expanded form of the population gradient":
    ``∇̂Φ = (ξ²/(1 + ξ²/k)) Σ_{i,j} λ_i λ_j c_i ĉ_j Σ_{p≥1} p μ_p(σ)² <v_i, v̂_j>^{p−1}
    (u − û<u, û>)``; returns the coefficient of (u − û<u, û>).

    >>> grad_prop23(0.0, [0, 1], [[1]], [1], [1], [1], 1)
    0.5
    """
    k = _k(lam)
    n = _n(mu)
    return xi**2 / (1 + xi**2 / k) * sum(
        lam[i] * lam[j] * c[i] * chat[j]
        * sum(p * mu[p] ** 2 * rho_D1(m, gram, c, chat, xi, i, j) ** (p - 1)
              for p in range(1, n + 1))
        for i in range(k) for j in range(k))


def grad_prop23_corrected(m, mu, gram, lam, c, chat, xi) -> Any:
    """The non-expanded gradient as D.1 (p.32) derives it: −2 × the printed p.35 form.

    >>> grad_prop23_corrected(0.0, [0, 1], [[1]], [1], [1], [1], 1)
    -1.0
    """
    return -2 * grad_prop23(m, mu, gram, lam, c, chat, xi)


def h_p12_xi1(m, mu, gram, lam, c, chat) -> Any:
    """§3.2.2 (p.12), Prop. 4 at ξ = 1: ``h(m) = 2 Σ_l (1/k)^{l+1} Σ_s C(l+s, l) (l+s+1)
    μ_{l+s+1}(σ)² (k/(k+1))^{l+s+1} T(l, s) m^l``.

    >>> h_p12_xi1(0.0, [0, 1], [[1]], [1], [1], [1])
    1.0
    """
    return 2 * _xi1_sum(m, mu, gram, lam, c, chat)


def h_D51_xi1(m, mu, gram, lam, c, chat) -> Any:
    """D.5.1 (p.42), "specializing ξ = 1 in Proposition 4": ``h(m) = Σ_l (1/k)^{l+1} Σ_s
    C(l+s, l) (l+s+1) μ_{l+s+1}(σ)² (k/(k+1))^{l+s+1} T(l, s) m^l`` (no factor 2).

    >>> h_D51_xi1(0.0, [0, 1], [[1]], [1], [1], [1])
    0.5
    """
    return _xi1_sum(m, mu, gram, lam, c, chat)


def h_D51_xi1_corrected(m, mu, gram, lam, c, chat) -> Any:
    """D.5.1 with Prop. 4's factor 2 restored (= p.12's form).

    >>> h_D51_xi1_corrected(0.0, [0, 1], [[1]], [1], [1], [1])
    1.0
    """
    return 2 * _xi1_sum(m, mu, gram, lam, c, chat)


def _xi1_sum(m, mu, gram, lam, c, chat):
    k = _k(lam)
    n = _n(mu)
    kk = k
    tot = 0
    for l in range(n):
        inner = sum(math.comb(l + s, l) * (l + s + 1) * mu[l + s + 1] ** 2
                    * _frac(kk, kk + 1, mu) ** (l + s + 1) * T_prop4(l, s, gram, lam, c, chat)
                    for s in range(n - l))
        tot += _frac(1, kk, mu) ** (l + 1) * inner * m**l
    return tot


def _frac(a: int, b: int, like) -> Any:
    """a/b exactly when the inputs are sympy (so exact checks stay exact), else a float."""
    if any(hasattr(v, "is_number") for v in like):
        import sympy as sp
        return sp.Rational(a, b)
    return a / b


# ---------------------------------------------------------------------------------------------
# §3.2.1 (p.11): the decomposition of h for orthonormal features, Eqs. 7–9
# ---------------------------------------------------------------------------------------------


def eq7(mu, lam, c, chat, xi) -> Any:
    """Eq. 7 (p.11): ``2 [k Σ_{i,j} λ_i λ_j c_i ĉ_j] μ_1(σ)² (ξ²/(k + ξ²))``.

    >>> eq7([0, 1], [1], [1], [1], 1)
    1.0
    """
    k = _k(lam)
    A = k * sum(lam[i] * lam[j] * c[i] * chat[j] for i in range(k) for j in range(k))
    return 2 * A * mu[1] ** 2 * (xi**2 / (k + xi**2))


def eq8_sum(m, mu, k: int, xi) -> Any:
    """The sum in Eq. 8 (p.11): ``Σ_{l ≥ 0 even, s ≥ 1} (ξ²/k)^{l+1} C(l+s, l) (l+s+1)
    μ_{l+s+1}(σ)² (k/(k+ξ²))^{l+s+1} m^l`` (deterministic: no c, ĉ).

    >>> eq8_sum(0.0, [0, 0, 1], 1, 1)
    0.5
    """
    n = _n(mu)
    return sum((xi**2 / k) ** (l + 1) * math.comb(l + s, l) * (l + s + 1) * mu[l + s + 1] ** 2
               * (k / (k + xi**2)) ** (l + s + 1) * m**l
               for l in range(0, n, 2) for s in range(1, n - l))


def eq8(m, mu, lam, c, chat, xi) -> Any:
    """Eq. 8 (p.11): ``2 [k Σ_i λ_i² c_i ĉ_i] × eq8_sum``.

    >>> eq8(0.0, [0, 0, 1], [1], [1], [1], 1)
    1.0
    """
    k = _k(lam)
    B = k * sum(lam[i] ** 2 * c[i] * chat[i] for i in range(k))
    return 2 * B * eq8_sum(m, mu, k, xi)


def h_p11_even_parts(m, mu, lam, c, chat, xi) -> Any:
    """p.11 (top), the two even-l sums of the decomposition (the rest is ``Σ_{l odd} b_l m^l``):
    ``2 [k Σ λ_iλ_j c_i ĉ_j] Σ_{l≥0 even} (ξ²/k)^{l+1} (l+1) μ_{l+1}(σ)² (k/(k+ξ²))^{l+1} m^l
    + 2 [k Σ λ_i² c_i ĉ_i] Σ_{l≥0 even, s≥1} (…)``.

    >>> h_p11_even_parts(0.0, [0, 1], [1], [1], [1], 1)
    1.0
    """
    k = _k(lam)
    n = _n(mu)
    A = k * sum(lam[i] * lam[j] * c[i] * chat[j] for i in range(k) for j in range(k))
    first = sum((xi**2 / k) ** (l + 1) * (l + 1) * mu[l + 1] ** 2 * (k / (k + xi**2)) ** (l + 1)
                * m**l for l in range(0, n, 2))
    return 2 * A * first + eq8(m, mu, lam, c, chat, xi)


# ---------------------------------------------------------------------------------------------
# Remark 15 (App. C, p.25–26)
# ---------------------------------------------------------------------------------------------


def remark15_term(l: int, mu, gram, lam, c, chat, xi) -> Any:
    """Remark 15 (p.26), the term said to vanish as ξ̄ → ∞ (ξ = ξ̄√k): ``Σ_{s≥1} C(l+s, l)
    (l+s+1) μ_{l+s+1}(σ)² (1/(1 + ξ²/k))^s T(l, s)`` (exponent s, as printed).

    >>> remark15_term(0, [0, 0, 1], [[1]], [1], [1], [1], 1)
    1.0
    """
    k = _k(lam)
    n = _n(mu)
    q = 1 / (1 + xi**2 / k)
    return sum(math.comb(l + s, l) * (l + s + 1) * mu[l + s + 1] ** 2 * q**s
               * T_prop4(l, s, gram, lam, c, chat) for s in range(1, n - l))


def remark15_limit(m, mu) -> Any:
    """Remark 15 (p.26): ``h(m) ≈ Σ_{l≥0} l μ_{l+1}(σ)² m^l`` (as printed).

    >>> remark15_limit(0.5, [0, 1, 1])
    0.5
    """
    return sum(l * mu[l + 1] ** 2 * m**l for l in range(_n(mu)))


def remark15_limit_corrected(m, mu, lam, c, chat) -> Any:
    """The ξ̄ → ∞ limit of Prop. 4 at fixed k (what the checks derive with sympy):
    ``2 Σ_{l≥0} (l+1) μ_{l+1}(σ)² T(l, 0) m^l`` with T(l, 0) = (Σλ_i)² (l odd),
    k(Σλ_i c_i)(Σλ_i ĉ_i) (l even); in the GLM embedding (T(l, 0) = 1) this is the GLM
    ``2 Σ_p p μ_p² m^{p−1}``.

    >>> remark15_limit_corrected(0.5, [0, 1, 1], [1], [1], [1])
    4.0
    """
    return 2 * sum((l + 1) * mu[l + 1] ** 2 * T0_orthonormal_p40(l, lam, c, chat) * m**l
                   for l in range(_n(mu)))


def REMARK15_INIT_EXPONENT(lstar):
    """Remark 15 (p.26): "h(m) at initialization scales as 1/d^{l*/2}": the exponent of d,
    −l*/2.

    >>> REMARK15_INIT_EXPONENT(3)
    -1.5
    """
    return -lstar / 2


def remark15_init_exponent_corrected(lstar):
    """h(m) ∝ Σ_p p μ_p² m^{p−1} at m ~ 1/√d is led by m^{l*−1}: exponent −(l* − 1)/2.

    >>> remark15_init_exponent_corrected(3)
    -1.0
    """
    return -(lstar - 1) / 2


# ---------------------------------------------------------------------------------------------
# p.9: the GLM comparison after Prop. 4
# ---------------------------------------------------------------------------------------------


def glm_loss_p9(m, mu) -> Any:
    """p.9: the GLM population loss ``2 Σ_{p≥0} μ_p(σ)² (1 − m^p)``.

    >>> glm_loss_p9(1, [1, 2])
    0
    """
    return 2 * sum(v**2 * (1 - m**p) for p, v in enumerate(mu))


def glm_h_p9(m, mu) -> Any:
    """p.9: "In the GLM setting, h(m) ∝ Σ_{p≥1} p μ_p(σ)² m^{p−1}".

    >>> glm_h_p9(0.5, [0, 1, 1])
    2.0
    """
    return sum(p * mu[p] ** 2 * m ** (p - 1) for p in range(1, len(mu)))


# ---------------------------------------------------------------------------------------------
# §1.4 (p.7–8) and Remark 10 (p.19): Hermite identities
# ---------------------------------------------------------------------------------------------


def hermite_corr_p8(p: int, q: int, rho) -> Any:
    """p.8: ``E_x[h_p(<u, x>) h_q(<v, x>)] = 1{p = q} <u, v>^p`` (u, v unit).

    >>> hermite_corr_p8(2, 2, 0.5), hermite_corr_p8(1, 2, 0.5)
    (0.25, 0)
    """
    return rho**p if p == q else 0


def parseval_p8(mu_f, mu_g) -> Any:
    """p.8: ``<f, g> = E[f(a) g(a)] = Σ_p μ_p(f) μ_p(g)`` (truncated at the shorter list).

    >>> parseval_p8([1, 2], [3, 4])
    11
    """
    return sum(a * b for a, b in zip(mu_f, mu_g, strict=False))


def remark10_rhs(mu_deriv, p: int) -> Any:
    """Remark 10 (p.19): ``μ_p(σ) = (1/√p) μ_{p−1}(σ')``; returns the right side from the list
    μ_0(σ'), μ_1(σ'), ….

    >>> remark10_rhs([0.5, 0.0], 1)
    0.5
    """
    v = mu_deriv[p - 1]
    if hasattr(v, "is_number"):  # sympy: stay exact
        import sympy as sp
        return v / sp.sqrt(p)
    if type(v).__name__ == "mpf":  # mpmath: keep its precision
        import mpmath
        return v / mpmath.sqrt(p)
    return v / math.sqrt(p)


def tensor_lhs_p7(lam, W, mu2, V, s: int) -> Any:
    """p.7: the left side ``Σ_{i,j} λ_i μ_j <w_i, v_j>^s`` (rows of W, V).

    >>> tensor_lhs_p7([1], [[1, 0]], [2], [[1, 1]], 2)
    2
    """
    return sum(lam[i] * mu2[j] * sum(a * b for a, b in zip(W[i], V[j], strict=True)) ** s
               for i in range(len(lam)) for j in range(len(mu2)))


def tensor_rhs_p7(lam, W, mu2, V, s: int) -> float:
    """p.7: the right side ``<Σ_i λ_i w_i^{⊗s}, Σ_j μ_j v_j^{⊗s}>``, building the order-s
    tensors with numpy (d^s entries: keep d^s ≤ 10^6).

    >>> tensor_rhs_p7([1], [[1, 0]], [2], [[1, 1]], 2)
    2.0
    """
    import numpy as np

    def tens(coef, rows):
        rows = np.asarray(rows, float)
        out = 0
        for a, w in zip(coef, rows, strict=True):
            t = np.array(1.0)
            for _ in range(s):
                t = np.multiply.outer(t, w)
            out = out + a * t
        return np.asarray(out, float)

    return float(np.sum(tens(lam, W) * tens(mu2, V)))


# ---------------------------------------------------------------------------------------------
# Remark 9 (App. A.1, p.18)
# ---------------------------------------------------------------------------------------------


def remark9_bound(a: Sequence, g1, g2) -> Any:
    """Remark 9 (p.18), the right side of the printed inequality for p(x) = Σ_{n=0}^s a_n x^n:
    ``|Σ_{n=1}^s a_n g1^n − Σ_{n=1}^s a_n g2^n| ≤ s max{|g1|^{s−1}, |g1|^{s−2}|g2|, …,
    |g2|^{s−1}} (Σ_{n=1}^s |a_n|) |g1 − g2|``.

    >>> remark9_bound([0, 1, 1], 0.1, 0.0)
    0.04000000000000001
    """
    s = len(a) - 1
    mx = max(abs(g1) ** (s - 1 - j) * abs(g2) ** j for j in range(s))
    return s * mx * sum(abs(v) for v in a[1:]) * abs(g1 - g2)


def remark9_bound_corrected(a: Sequence, g1, g2) -> Any:
    """Remark 9 with ``max{1, |g1|, |g2|}^{s−1}`` in place of the max over degree-(s−1)
    monomials (the lower-degree terms need it): a valid bound, and the moment argument goes
    through unchanged.

    >>> remark9_bound_corrected([0, 1, 1], 0.1, 0.0)
    0.4
    """
    s = len(a) - 1
    return s * max(1, abs(g1), abs(g2)) ** (s - 1) * sum(abs(v) for v in a[1:]) * abs(g1 - g2)
