"""Remark 14 (App. A.2.2, p.20) exactly: raw rows, no ξ (teacher rows ``w_i + c_i u``).

The printed statement is a frozen dataclass transcribed **as printed** (``PRINTED_R14``); the
functions take such an object, so a check can be run on a deliberately altered copy. The first
moment ``E_x[x σ(<v, x>)]`` is computed in two independent exact ways: directly,
``E[x σ(<v,x>)] = v E[g σ(N g)]/N`` (``N = ‖v‖``: the part of ``x`` orthogonal to ``v`` is
independent of ``<v, x>``), and by Stein's lemma, ``E[g σ(N g)] = N E[σ'(N g)]``; both as sympy
integrals in a positive symbol ``N``.

>>> remark14_moment("relu", [1, 2], [sp.Rational(1, 2), -1])  # −(1/2)(Σλ_ic_i), w-terms 0
(3/4, [0, 0])
>>> stein_coefficient("relu")
1/2
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from theory import hermite
from theory.activations import Activation, X, get

__all__ = [
    "NORM",
    "G_",
    "Remark14",
    "PRINTED_R14",
    "first_moment_direct",
    "stein_coefficient",
    "remark14_moment",
    "remark14_printed_rhs",
]

#: A positive symbol for the norm ``N = ‖v‖`` of a raw row.
NORM = sp.Symbol("N", positive=True)
#: The standard Gaussian variable of the one-dimensional integrals.
G_ = sp.Symbol("g", real=True)
_PHI = sp.exp(-G_**2 / 2) / sp.sqrt(2 * sp.pi)


# --------------------------------------------------------------------------------------------
# Remark 14 (App. A.2.2, p.20): raw rows, no ξ, σ = ReLU
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Remark14:
    """Remark 14's identity ``E_x[x(f_first(x) − f_second(x))] = coefficient(σ)·(Σ λ_i c_i) u``.

    ``order``: which model is subtracted from which, as printed ``("base", "teacher")``
    (``f_θ0 − f_θ``, base ``Σ λ_iσ(<w_i,x>)``, teacher ``Σ λ_iσ(<w_i + c_iu, x>)``);
    ``coefficient``: ``"mu1"`` (printed: the first normalised Hermite coefficient μ_1(σ)), or
    ``"mu<p>"`` for another one (for altered statements).
    """

    order: tuple[str, str] = ("base", "teacher")
    coefficient: str = "mu1"
    activation: str = "relu"


#: As printed on p.20: "suppose σ = ReLU and let the base model be given by
#: f_θ0(x) = Σ_i λ_iσ(<w_i, x>) and the teacher model be given by f_θ(x) = Σ_i λ_iσ(<w_i + c_iu,
#: x>). Then, note E_x[x(f_θ0(x) − f_θ(x))] = μ_1(σ)(Σ_{i=1}^k λ_ic_i) u".
PRINTED_R14 = Remark14()


def _integrate(expr: sp.Expr) -> sp.Expr:
    return sp.simplify(sp.integrate(expr * _PHI, (G_, -sp.oo, sp.oo)))


@lru_cache(maxsize=32)
def first_moment_direct(act: str | Activation, norm: sp.Expr = NORM) -> sp.Expr:
    """``a(N)`` with ``E[x σ(<v, x>)] = a(N)·v`` for ``x ~ N(0, I_d)``, ``‖v‖ = N``, computed
    directly: ``a(N) = E[g σ(N g)]/N`` (write ``x = (<v,x>/N²) v + x_⊥``, ``x_⊥`` independent
    of ``<v, x> = N g``). Exact sympy integral; raw rows (no normalisation).

    >>> first_moment_direct("relu")
    1/2
    >>> first_moment_direct("quadratic")
    0
    """
    a = get(act)
    return sp.simplify(_integrate(G_ * a.expr.subs(X, norm * G_)) / norm)


@lru_cache(maxsize=32)
def stein_coefficient(act: str | Activation, norm: sp.Expr = NORM) -> sp.Expr:
    """``E[σ'(N g)]``, ``g ~ N(0,1)``: Stein's lemma gives ``E[g σ(N g)] = N E[σ'(N g)]``, so
    this is :func:`first_moment_direct` by a second route (σ' as an a.e. derivative; σ must
    not jump). Exact sympy integral.

    >>> stein_coefficient("relu")
    1/2
    >>> stein_coefficient("erf")
    2/(sqrt(pi)*sqrt(2*N**2 + 1))
    """
    a = get(act)
    a.require_gradient()
    return _integrate(a.dexpr.subs(X, norm * G_))


def remark14_moment(act: str | Activation, lam: Sequence, c: Sequence,
                    order: tuple[str, str] = ("base", "teacher"),
                    route: str = "stein") -> tuple[sp.Expr, list[sp.Expr]]:
    """``E_x[x(f_first − f_second)]`` for unit rows ``w_i`` and ``u ⊥ w_i`` (raw rows, no ξ),
    exactly, in the basis ``(u, w_1, …, w_k)``: returns ``(coefficient of u, [coefficients of
    w_i])``. ``E[x σ(<v,x>)] = a(‖v‖) v`` with ``a`` from :func:`stein_coefficient`
    (``route="stein"``) or :func:`first_moment_direct` (``"direct"``); ``‖w_i + c_iu‖ =
    √(1 + c_i²)``. Exact; ``lam``, ``c`` may be symbols.

    >>> lam1, c1 = sp.symbols("lambda1 c1", real=True)
    >>> remark14_moment("relu", [lam1], [c1])
    (-c1*lambda1/2, [0])
    """
    if route not in ("stein", "direct"):
        raise ValueError("route must be 'stein' or 'direct'")
    a = stein_coefficient(act) if route == "stein" else first_moment_direct(act)
    cu, cw = sp.Integer(0), []
    sign = {("base", "teacher"): 1, ("teacher", "base"): -1}[tuple(order)]
    for li, ci in zip(lam, c, strict=True):
        n_t = sp.sqrt(1 + sp.sympify(ci, strict=True) ** 2)
        a0, at = a.subs(NORM, 1), a.subs(NORM, n_t)
        # base row w_i (norm 1) minus teacher row w_i + c_i u (norm √(1 + c_i²))
        cw.append(sp.simplify(sign * li * (a0 - at)))
        cu += -sign * li * at * ci
    return sp.simplify(cu), cw


def remark14_printed_rhs(printed: Remark14, lam: Sequence, c: Sequence) -> sp.Expr:
    """The printed right-hand side's coefficient of ``u``: ``μ_1(σ)(Σ λ_i c_i)`` (exact μ_p).

    >>> remark14_printed_rhs(PRINTED_R14, [1, 1], [1, 1])
    1
    """
    p = int(printed.coefficient.removeprefix("mu"))
    mu = hermite.mu(get(printed.activation), p).value
    return sp.nsimplify(mu) * sp.Add(*[sp.sympify(li, strict=True) * ci for li, ci in zip(lam, c,
                                                                            strict=True)])


