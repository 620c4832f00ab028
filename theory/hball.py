"""h(m) for a closed-form kernel, in ball arithmetic: every term certified.

``h(m) = Σ_ij w_ij K_ij(m)`` (Prop. 4; normalised rows: ``w_ij = 2λ_iλ_jξ²c_iĉ_j/(N_iN̂_j)``,
``K_ij = K'(ρ_ij(m))``; raw rows: ``w_ij = 2λ_iλ_jξ²c_iĉ_j``, ``K_ij = E[σ'(a)σ'(b)]`` at
variances N_i², N̂_j² and covariance ``G_ij + ξ²c_iĉ_j m``). The float inputs are taken as
exact binary numbers; N_i, ρ_ij, w_ij and the closed form are evaluated by arb, each
correlation intersected with [−1, 1] (which contains the true one by Cauchy–Schwarz), so
the returned bound (radius plus the centre's rounding to float) is proved. Cost: about
30 µs per (m, i, j) term.

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

import numpy as np
import sympy as sp
from flint import acb, arb, ctx

from theory.balls import acb_function_of

__all__ = ["closed_h_balls"]

_PREC = 96


def _f(x: float) -> arb:
    return arb(float(x))


def closed_h_balls(G, lam, c, chat, xi: float, closed: sp.Expr, convention: str) -> Callable:
    """``m ↦ (values, bounds)`` for a closed kernel expression (module docstring); ``closed`` is
    K'(ρ) in ``theory.kernels.RHO`` (normalised) or E[σ'σ'] in (S1, S2, C) (raw)."""
    from theory.kernels import RHO, S1, S2, C

    G = np.asarray(G, float)
    lam = np.asarray(lam, float)
    c = np.asarray(c, float)
    chat = np.asarray(chat, float)
    k = lam.size
    pairs = [(i, j) for i in range(k) for j in range(k)
             if lam[i] * lam[j] * c[i] * chat[j] != 0]
    if convention == "normalised":
        fn = acb_function_of(closed, (RHO,))
    else:
        fn = acb_function_of(closed, (S1, S2, C))
    unit = arb(0, 1)

    def h(m):
        m = np.asarray(m, float)
        out = np.empty(m.shape)
        err = np.empty(m.shape)
        with ctx.workprec(_PREC):
            X = _f(xi)
            X2 = X * X
            N1 = [(_f(G[i, i]) + X2 * _f(c[i]) ** 2).sqrt() for i in range(k)]
            N2 = [(_f(G[j, j]) + X2 * _f(chat[j]) ** 2).sqrt() for j in range(k)]
            for idx, mv in np.ndenumerate(m):
                M = _f(mv)
                tot = arb(0)
                for i, j in pairs:
                    w = 2 * _f(lam[i]) * _f(lam[j]) * X2 * _f(c[i]) * _f(chat[j])
                    cov = _f(G[i, j]) + X2 * _f(c[i]) * _f(chat[j]) * M
                    nn = N1[i] * N2[j]
                    rho = (cov / nn).intersection(unit)
                    if convention == "normalised":
                        kv = fn((acb(rho),), False).real
                        tot += w / nn * kv
                    else:
                        cov = rho * nn
                        kv = fn((acb(N1[i]), acb(N2[j]), acb(cov)), False).real
                        tot += w * kv
                mid = float(tot.mid())
                out[idx] = mid
                e = tot.rad() + abs(tot.mid() - arb(mid))
                err[idx] = float(arb(e.upper()).mid()) * (1 + 2**-40)
        return out, err
    return h
