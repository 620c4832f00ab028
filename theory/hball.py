"""h(m) for a closed-form kernel, in ball arithmetic: every term certified.

``h(m) = Σ_ij w_ij K_ij(m)`` (Prop. 4; normalised rows: ``w_ij = 2λ_iλ_jξ²c_iĉ_j/(N_iN̂_j)``,
``K_ij = K'(ρ_ij(m))``; raw rows: ``w_ij = 2λ_iλ_jξ²c_iĉ_j``, ``K_ij = E[σ'(a)σ'(b)]`` at
variances N_i², N̂_j² and covariance ``G_ij + ξ²c_iĉ_j m``). The float inputs are taken as
exact binary numbers; pairs with the same exact data are grouped with their exact total weight
(groups of weight 0 cancel exactly and are dropped); N_i, ρ_ij, w_ij and the closed form are
evaluated by arb, each correlation intersected with [−1, 1] (which contains the true one by
Cauchy–Schwarz), so the returned bound (radius plus the centre's rounding to float) is
proved. Cost: about 30 µs per (m, group) term.

>>> import numpy as np
>>> from theory.kernels import closed_Kprime
>>> f = closed_h_balls(np.eye(2), [1.0, 1.0], [0.7, 0.7], [0.7, -0.7], 1.0,
...                    closed_Kprime("relu"), "normalised")
>>> v, e = f(np.array([0.0, 1.0]))
>>> float(v[0]), bool(e[0] < 1e-15)
(0.0, True)
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import numpy as np
import sympy as sp
from flint import acb, arb, ctx

from theory.balls import acb_function_of, float_ball

__all__ = ["closed_h_balls"]

_PREC = 96


def _f(x: float) -> arb:
    return arb(float(x))


def _q(x: Fraction) -> arb:
    """An exact rational as a ball (exact when the denominator is a power of 2)."""
    return arb(x.numerator) / x.denominator


def _groups(G, lam, c, chat, xi) -> dict:
    """Pairs grouped by the exact key (G_ij, c_iĉ_j, G_ii + ξ²c_i², G_jj + ξ²ĉ_j²), with the
    exact weight Σ λ_iλ_j of each group (fractions of the float inputs); groups of weight 0
    cancel exactly and are dropped (so an exactly vanishing h is not a ball around 0 of the
    size of its terms)."""
    F = Fraction
    x2 = F(float(xi)) ** 2
    k = lam.size
    out: dict = {}
    for i in range(k):
        for j in range(k):
            cc = F(float(c[i])) * F(float(chat[j]))
            w = F(float(lam[i])) * F(float(lam[j]))
            if w == 0 or cc == 0:
                continue
            key = (F(float(G[i, j])), cc, F(float(G[i, i])) + x2 * F(float(c[i])) ** 2,
                   F(float(G[j, j])) + x2 * F(float(chat[j])) ** 2)
            out[key] = out.get(key, F(0)) + w
    return {key: w for key, w in out.items() if w != 0}


def closed_h_balls(G, lam, c, chat, xi: float, closed: sp.Expr, convention: str,
                   balls: bool = False) -> Callable:
    """``m ↦ (values, bounds)`` for a closed kernel expression (module docstring); ``closed`` is
    K'(ρ) in ``theory.kernels.RHO`` (normalised) or E[σ'σ'] in (S1, S2, C) (raw). With
    ``balls``, ``m ↦ list of arb balls`` instead (for values beyond float64's range)."""
    from theory.kernels import RHO, S1, S2, C

    G = np.asarray(G, float)
    lam = np.asarray(lam, float)
    c = np.asarray(c, float)
    chat = np.asarray(chat, float)
    groups = _groups(G, lam, c, chat, xi)
    if convention == "normalised":
        fn = acb_function_of(closed, (RHO,))
    else:
        fn = acb_function_of(closed, (S1, S2, C))
    unit = arb(0, 1)

    def h(m):
        m = np.asarray(m, float)
        out = np.empty(m.shape)
        err = np.empty(m.shape)
        res = []
        with ctx.workprec(_PREC):
            X2 = _q(Fraction(float(xi)) ** 2)
            terms = []
            for (g, cc, n1, n2), W in groups.items():
                nn = (_q(n1) * _q(n2)).sqrt()
                w = 2 * _q(W) * X2 * _q(cc)
                terms.append((w, _q(g), X2 * _q(cc), nn, _q(n1).sqrt(), _q(n2).sqrt()))
            terms0 = []  # at m = 0 the kernel's argument does not depend on c_iĉ_j
            merged: dict = {}
            for (g, cc, n1, n2), W in groups.items():
                merged[(g, n1, n2)] = merged.get((g, n1, n2), Fraction(0)) + W * cc
            for (g, n1, n2), W in merged.items():
                if W != 0:
                    nn = (_q(n1) * _q(n2)).sqrt()
                    terms0.append((2 * _q(W) * X2, _q(g), arb(0), nn, _q(n1).sqrt(),
                                   _q(n2).sqrt()))
            for idx, mv in np.ndenumerate(m):
                M = _f(mv)
                tot = arb(0)
                for w, g, b, nn, s1, s2 in (terms0 if mv == 0 else terms):
                    rho = ((g + b * M) / nn).intersection(unit)
                    if convention == "normalised":
                        tot += w / nn * fn((acb(rho),), False).real
                    else:
                        tot += w * fn((acb(s1), acb(s2), acb(rho * nn)), False).real
                res.append(tot)
                out[idx], err[idx] = float_ball(tot)
        return res if balls else (out, err)
    return h
