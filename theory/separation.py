"""Proposition 18 (App. C.3, p.30–31) exactly: the Claim 2 construction (built in
:mod:`theory.constructions`), ξ = 1, σ = h_p.

The printed statement is a frozen dataclass transcribed **as printed** (``PRINTED_P18``), so a
check can be run on a deliberately altered copy. The proof's first display
``h(m) = 2p(k/(k+1))^p Σ_ij λ_iλ_j c_iĉ_j(<w_i,w_j> + c_iĉ_j m)^{p−1}`` is built exactly
(sympy), and as integer coefficients for fast exact sign decisions.

>>> claim2_integer_poly(2, 3, (1, 1), (1, 1))
[10, 4, 4]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import sympy as sp

from theory import constructions as tc

__all__ = [
    "Prop18Printed",
    "PRINTED_P18",
    "claim2_h_display",
    "claim2_integer_poly",
]
# --------------------------------------------------------------------------------------------
# Proposition 18 (App. C.3, p.30–31): the Claim 2 construction, ξ = 1, σ = h_p
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prop18Printed:
    """Prop. 18 as printed.

    ``prefactor_power``: the power of ``k/(k+1)`` in ``h(m) = 2p(k/(k+1))^p h̃(m)`` (``"p"``
    printed; an integer offset for altered statements); ``remainder_power``: ``a`` in
    ``h̃(m) = Σ λ_i²c_iĉ_i + O(λ²_max/k^a)`` (printed 1); ``offdiag``: the proof's bound
    ``Σ_{i≠j}|…| ≤ offdiag_const·λ²_max/k^{p−offdiag_shift}`` (printed ``1``, shift ``2``);
    ``fraction``: ``h(m) sign(h(0)) ≥ fraction·|h(0)|`` (printed 1/2), ``uniformly`` (p.31:
    over every m ∈ [−1, 1]; Condition 3 asks it only where ``m h(0) ≥ 0``).
    """

    prefactor_offset: int = 0
    remainder_power: float = 1.0
    offdiag_const: float = 1.0
    offdiag_shift: int = 2
    fraction: float = 0.5
    statement: dict = field(default_factory=dict, compare=False)


PRINTED_P18 = Prop18Printed()


def claim2_h_display(k: int, p: int, s: Sequence[int], shat: Sequence[int],
                     lam: Sequence | None = None, printed: Prop18Printed = PRINTED_P18
                     ) -> sp.Expr:
    """The first display of Prop. 18's proof (p.30), exactly, for Claim 2's ``W`` with
    ``c = s/√k`` and ``ĉ = ŝ/√k``: ``2p(k/(k+1))^{p+offset} Σ_ij λ_iλ_j c_iĉ_j(<w_i, w_j> +
    c_iĉ_j m)^{p−1}`` (``λ_i = 1`` by default, as in Claim 2). A polynomial in ``m``.

    By hand (k = 2, p = 3, s = ŝ = (1, 1)): ``<w_1, w_2> = −1/2``, so Σ = (1/2)[2(1 + m/2)² +
    2(−1/2 + m/2)²] = (10 + 4m + 4m²)/8 and 2p(k/(k+1))^p = 6·8/27:

    >>> claim2_h_display(2, 3, (1, 1), (1, 1))
    8*m**2/9 + 8*m/9 + 20/9
    """
    m = tc_m()
    lam = [sp.Integer(1)] * k if lam is None else [sp.sympify(v, strict=True) for v in lam]
    W, c, _ = tc.claim2_matrix(k, s)
    G = W * W.T
    ch = [v / sp.sqrt(k) for v in shat]
    tot = sum(lam[i] * lam[j] * c[i] * ch[j] * (G[i, j] + c[i] * ch[j] * m) ** (p - 1)
              for i in range(k) for j in range(k))
    pre = 2 * p * sp.Rational(k, k + 1) ** (p + printed.prefactor_offset)
    return sp.expand(pre * tot)


def tc_m() -> sp.Symbol:
    """The overlap symbol ``m`` (shared with :mod:`theory.population`)."""
    from theory.population import M

    return M


def claim2_integer_poly(k: int, p: int, s: Sequence[int], shat: Sequence[int]) -> list[int]:
    """Integer coefficients ``q_0..q_{p−1}`` of ``Q(m) = k^p h̃(m)`` with ``λ_i = 1``, where
    ``h(m) = 2p(k/(k+1))^p h̃(m)`` is the proof's first display for Claim 2's construction:
    ``Q(m) = Σ_ij s_iŝ_j (kG_ij + s_iŝ_j m)^{p−1}`` with ``kG_ii = k``, ``kG_ij = −s_is_j``.
    Exact integers (Python ints), so signs and ties are decided exactly.

    >>> claim2_integer_poly(2, 3, (1, 1), (1, 1))  # 2(2 + m)² + 2(m − 1)², as in claim2_h_display
    [10, 4, 4]
    """
    q = [0] * p
    for i in range(k):
        for j in range(k):
            g = k if i == j else -s[i] * s[j]
            t = s[i] * shat[j]
            for e in range(p):  # binomial expansion of (g + t m)^{p−1}, times t
                q[e] += t * math.comb(p - 1, e) * g ** (p - 1 - e) * t**e
    return q


