"""Dual kernels K(ρ) = E[σ(a)σ(b)] and K'(ρ) = E[σ'(a)σ'(b)], and their general-variance forms.

For standard Gaussians a, b with correlation ρ, Mehler's formula and μ_{p−1}(σ') = √p μ_p(σ) give

    K(ρ)  = Σ_p μ_p² ρ^p,          K'(ρ) = Σ_p p μ_p² ρ^{p−1} = Σ_q μ_q(σ')² ρ^q = dK/dρ,

with μ_p(σ) = E[σ(g) h_p(g)], h_p = He_p/√(p!) (paper §1.1). K' is the kernel in the closed form
of h(m) (Prop. 4, *normalised rows*: unit variances). In the *raw rows* convention the
pre-activations have variances N_i² ≠ 1, and h needs E[σ'(a)σ'(b)] at Var a = s1², Var b = s2²,
Cov(a, b) = c: :func:`Kprime_cov`, :func:`Kcov`.

Routes (``KValue.method``); every returned error is a proved bound:

* ``"closed"`` / ``"wick"``: a closed form recognised from σ's expression
  (:mod:`theory.kernels_closed`: exponential polynomials through the Gaussian moment generating
  function — Wick/Isserlis for polynomials, method ``"wick"`` —, the arc-cosine family of
  piecewise polynomials with one kink at 0 — relu^n, abs, leaky relu, step, sign —, α·erf(βx)),
  evaluated in ball arithmetic.
* ``"series"``: Mehler's series with certified coefficients — for K the μ_p(σ), for K' the
  coefficients μ_q(σ') **of σ' itself** (computed from σ', not from μ_p(σ) by Remark 10, so the
  route shares no computed number with Prop. 4's series in μ_p(σ)); at general variances
  ``E[f(a)f(b)] = Σ_p β_p(s1) β_p(s2) ρ^p``, ``β_p(s) = E[f(s g) h_p(g)]``, ρ = c/(s1 s2).
  The tail is bounded by Cauchy–Schwarz and Parseval, valid for every |ρ| ≤ 1:
  ``|Σ_{p≥N} β_p(s1)β_p(s2)ρ^p| ≤ |ρ|^N √(R_N(s1) R_N(s2))``,
  ``R_N(s) = E[f(sg)²] − Σ_{p<N} β_p(s)²``, with E[f(sg)²] certified (exact when f² has an
  exact route, else :func:`theory.gauss.second_moment`). At unit variance this is the bound
  ``|ρ|^N (E[σ'²] − Σ_{q<N} μ_q(σ')²)`` for K'.

>>> from theory.activations import get
>>> closed_Kprime(get("relu"))
asin(rho)/(2*pi) + 1/4
>>> closed_K(get("He2"))
2*rho**2
>>> round(K(get("erf"), 0.5).value, 12)
0.216346895939
"""

from __future__ import annotations

import math  # noqa: F401 (doctests)
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp
from flint import arb, ctx

from theory import hermite
from theory.activations import Activation, ActivationError, X, as_expr, get
from theory.balls import acb_function, enclose, float_ball
from theory.kernels_closed import S1, S2, C, closed_cov

__all__ = [
    "RHO",
    "S1",
    "S2",
    "C",
    "KValue",
    "kseries",
    "kpseries",
    "k_tail_bound",
    "kp_tail_bound",
    "closed_K",
    "closed_Kprime",
    "closed_Kcov",
    "closed_Kprime_cov",
    "K",
    "Kprime",
    "Kcov",
    "Kprime_cov",
    "derivative_expr",
    "norm2",
    "scaled_coefficients",
]

#: The correlation ρ of the unit-variance kernels.
RHO = sp.Symbol("rho", real=True)

#: Digits of the certified coefficients behind the float kernels (float64 needs 17).
DPS = 20


@dataclass(frozen=True)
class KValue:
    """A kernel value with an absolute error bound and the route that produced it.

    ``value`` and ``error`` are floats or arrays shaped like the argument; ``error`` is a proved
    bound on |true − value| in every route: ``"closed"``/``"wick"`` evaluate the exact formula in
    ball arithmetic (the radius, plus the rounding of the ball's centre to float);
    ``"series"`` adds the certified coefficients' radii, the Parseval tail bound and the
    rounding, all in ball arithmetic (module docstring).
    """

    value: Any
    error: Any
    method: str


# ---------------------------------------------------------------------------------------------
# Series (numpy.polynomial's convention: coefficient arrays first)
# ---------------------------------------------------------------------------------------------


def _horner(coeffs: Sequence[Any], rho: Any) -> Any:
    # A generic Horner loop: works for floats, ndarrays, mpmath and sympy alike (numpy's polyval
    # would force floats).
    acc: Any = 0
    for c in reversed(list(coeffs)):
        acc = acc * rho + c
    return sp.expand(acc) if isinstance(acc, sp.Basic) else acc


def kseries(mu: Sequence[Any], rho: Any) -> Any:
    """Σ_{p=0}^{n} μ_p² ρ^p, the truncated Mehler series of K (unit variances).

    ``mu`` is the coefficient array μ_0..μ_n (floats, mpf or sympy numbers), ``rho`` a float,
    ndarray, mpf or sympy expression; the result has the type arithmetic gives (sympy results are
    expanded). No truncation error is added: see :func:`k_tail_bound`.

    >>> kseries([0, 1, 0, 1], RHO)
    rho**3 + rho
    >>> float(kseries([0.5, 0.5], 0.5))
    0.375
    """
    return _horner([m * m for m in mu], rho)


def kpseries(mu: Sequence[Any], rho: Any) -> Any:
    """Σ_{p=1}^{n} p μ_p² ρ^{p−1}, the truncated series of K' = dK/dρ (unit variances).

    Same argument conventions as :func:`kseries`.

    >>> kpseries([0, 1, 0, 1], RHO)
    3*rho**2 + 1
    """
    return _horner([p * mu[p] * mu[p] for p in range(1, len(mu))], rho)


def _tail_sum(C_: float, e: float, first: int, n: int, r: float) -> float:
    """Bound on Σ_{p>n} C² p^{−e} r^{p−first} for r = |ρ| ≤ 1 and e > 1 (first = 0 or 1)."""
    # power bound: Σ_{p>n} p^{−e} ≤ ∫_n^∞ t^{−e} dt = n^{1−e}/(e − 1)
    power = C_**2 * n ** (1 - e) / (e - 1) * r ** (n + 1 - first)
    if r >= 1:
        return power
    # geometric bound: p^{−e} ≤ (n+1)^{−e} for p > n
    geom = C_**2 * (n + 1) ** (-e) * r ** (n + 1 - first) / (1 - r)
    return min(power, geom)


def kp_tail_bound(mu_bound_C: float, mu_bound_rho: float, n: int, rho: float) -> float:
    """Bound on Σ_{p>n} p μ_p² |ρ|^{p−1} given |μ_p| ≤ C p^{−1−ρ_d} (Assumption 6.2, App. A.1).

    ``mu_bound_rho`` is the decay exponent ρ_d > 0 of Assumption 6.2 (not the correlation).
    The terms are ≤ C² p^{−1−2ρ_d}|ρ|^{p−1}; returned is the smaller of the integral bound
    C² n^{−2ρ_d}/(2ρ_d)·|ρ|^n (any |ρ| ≤ 1) and the geometric bound
    C² (n+1)^{−1−2ρ_d}|ρ|^n/(1 − |ρ|) (|ρ| < 1). Needs n ≥ 1.

    >>> kp_tail_bound(1.0, 0.25, 100, 1.0)   # 100^{-1/2}/(1/2)
    0.2
    >>> kp_tail_bound(1.0, 0.25, 100, 0.5) < 1e-32
    True
    """
    r = abs(float(rho))
    if n < 1 or mu_bound_rho <= 0 or r > 1:
        raise ValueError("need n ≥ 1, a decay exponent > 0 and |rho| ≤ 1")
    return _tail_sum(mu_bound_C, 1 + 2 * mu_bound_rho, 1, n, r)


def k_tail_bound(mu_bound_C: float, mu_bound_rho: float, n: int, rho: float) -> float:
    """Bound on Σ_{p>n} μ_p² |ρ|^p given |μ_p| ≤ C p^{−1−ρ_d} (Assumption 6.2).

    Smaller of C² n^{−1−2ρ_d}/(1+2ρ_d)·|ρ|^{n+1} and C²(n+1)^{−2−2ρ_d}|ρ|^{n+1}/(1−|ρ|).

    >>> round(k_tail_bound(1.0, 0.25, 100, 1.0), 6)   # 100^{-3/2}/(3/2)
    0.000667
    """
    r = abs(float(rho))
    if n < 1 or mu_bound_rho <= 0 or r > 1:
        raise ValueError("need n ≥ 1, a decay exponent > 0 and |rho| ≤ 1")
    return _tail_sum(mu_bound_C, 2 + 2 * mu_bound_rho, 0, n, r)



# ---------------------------------------------------------------------------------------------
# Closed forms
# ---------------------------------------------------------------------------------------------


def derivative_expr(act: Activation) -> sp.Expr:
    """σ' a.e. as an expression (the Dirac part of a jump dropped; callers refuse jumps)."""
    if act.pieces is not None:
        return act.dexpr
    return sp.diff(act.expr, X).replace(sp.DiracDelta, lambda *_: sp.Integer(0))


def _has_jump(a: Activation) -> bool:
    if a.point_mass_derivative:
        return True
    from theory.hermite_exact import pieces_of

    pieces = a.pieces if a.pieces is not None else pieces_of(a.expr)
    if pieces is None:
        return False
    return any(sp.simplify(l2.subs(X, t) - l1.subs(X, t)) != 0
               for (_, t, l1), (_, _, l2) in zip(pieces[:-1], pieces[1:], strict=True))


def _asin_form(e: sp.Expr | None) -> sp.Expr | None:
    """acos(r) written as π/2 − asin(r), so that unit-variance forms read as printed."""
    if e is None:
        return None
    return sp.expand(e.replace(sp.acos, lambda r: sp.pi / 2 - sp.asin(r)))


def closed_Kcov(act: Activation | str) -> sp.Expr | None:
    """E[σ(a)σ(b)] in closed form in (S1, S2, C): Var a = S1², Var b = S2², Cov = C, or None.

    General variances: the *raw rows* convention. Recognised: :mod:`theory.kernels_closed`.
    Valid for |C| ≤ S1·S2.

    >>> closed_Kcov("erf")
    2*asin(2*c/(sqrt(2*s1**2 + 1)*sqrt(2*s2**2 + 1)))/pi
    >>> closed_Kcov("He2")
    2*c**2 + s1**2*s2**2 - s1**2 - s2**2 + 1
    """
    return _asin_form(closed_cov(get(act).expr))


def closed_Kprime_cov(act: Activation | str) -> sp.Expr | None:
    """E[σ'(a)σ'(b)] in closed form in (S1, S2, C) (raw rows convention), or None.

    None also when σ has a jump (step, sign): σ' then has a point mass, see
    :meth:`Activation.require_gradient`.

    >>> closed_Kprime_cov("erf")
    4/(pi*sqrt(-4*c**2 + (2*s1**2 + 1)*(2*s2**2 + 1)))
    >>> closed_Kprime_cov("sign") is None
    True
    """
    a = get(act)
    if _has_jump(a):
        return None
    return _closed_prime(a.expr, a.pieces)


@lru_cache(maxsize=256)
def _closed_prime(expr, pieces):
    a = Activation("σ", expr, pieces)
    d = derivative_expr(a)
    erf = _erf_prime(expr)
    if erf is not None:
        return erf
    return _asin_form(closed_cov(d))


def _erf_prime(expr: sp.Expr) -> sp.Expr | None:
    """α·erf(βx): E[σ'(a)σ'(b)] = (4/π)α²β²/√((1+2β²s1²)(1+2β²s2²) − 4β⁴c²) (σ' is a
    Gaussian bump: E[e^{−β²(a²+b²)}] = det(I + 2β²Σ)^{−1/2})."""
    from theory.kernels_closed import _erf_family

    fam = _erf_family(expr)
    if fam is None:
        return None
    a, b = fam
    d1, d2 = 1 + 2 * b**2 * S1**2, 1 + 2 * b**2 * S2**2
    return 4 * a**2 * b**2 / (sp.pi * sp.sqrt(d1 * d2 - 4 * b**4 * C**2))


def _unit(e: sp.Expr | None) -> sp.Expr | None:
    return None if e is None else sp.expand(e.subs({S1: 1, S2: 1}).subs(C, RHO))


def closed_K(act: Activation | str) -> sp.Expr | None:
    """K(ρ) = E[σ(a)σ(b)] at unit variances in closed form in :data:`RHO`, or None.

    Normalised rows convention (unit variances). For polynomials this is Σ μ_p² ρ^p with the
    exact Hermite coefficients; otherwise :func:`closed_Kcov` at S1 = S2 = 1, C = ρ.
    Valid for |ρ| ≤ 1.

    >>> closed_K("relu")
    rho*asin(rho)/(2*pi) + rho/4 + sqrt(1 - rho**2)/(2*pi)
    >>> closed_K("abs")
    2*rho*asin(rho)/pi + 2*sqrt(1 - rho**2)/pi
    >>> closed_K("sign")
    2*asin(rho)/pi
    """
    a = get(act)
    if a.is_polynomial:
        return kseries([c.value for c in hermite.mus(a, a.poly.degree())], RHO)
    return _unit(closed_Kcov(a))


def closed_Kprime(act: Activation | str) -> sp.Expr | None:
    """K'(ρ) = E[σ'(a)σ'(b)] at unit variances in closed form in :data:`RHO`, or None.

    Normalised rows convention. None for σ with a jump (σ' has a point mass) and when no
    closed form is known.

    >>> closed_Kprime("abs")
    2*asin(rho)/pi
    >>> closed_Kprime("erf")
    4/(pi*sqrt(9 - 4*rho**2))
    >>> closed_Kprime("sin(x)")
    exp(-1)*exp(rho)/2 + exp(-1)*exp(-rho)/2
    """
    a = get(act)
    if a.is_polynomial:
        return kpseries([c.value for c in hermite.mus(a, a.poly.degree())], RHO)
    return _unit(closed_Kprime_cov(a))


# ---------------------------------------------------------------------------------------------
# Certified values
# ---------------------------------------------------------------------------------------------


def _float_ball(v: arb) -> tuple[float, float]:
    """(float centre, proved bound on |true − centre|) for a ball."""
    return float_ball(v)


def _exactly(x: float) -> arb:
    return arb(float(x))  # a binary float is an exact arb number


def _acb(v):
    from flint import acb

    return acb(v)


def enclose_sym(v: float) -> sp.Expr:
    """A float as the exact sympy rational it is."""
    return sp.Rational(float(v))


def _eval_closed(e: sp.Expr, rho: Any, prec: int = 80) -> tuple[Any, Any]:
    dummy = sp.Symbol("zz", real=True)
    f = acb_function(e.subs(RHO, dummy), dummy)
    vals = np.asarray(rho, dtype=float)
    out = np.empty(vals.shape)
    err = np.empty(vals.shape)
    with ctx.workprec(prec):
        for idx, r in np.ndenumerate(vals):
            v = f(_acb(_exactly(r)), False).real
            out[idx], err[idx] = _float_ball(v)
    if vals.ndim == 0:
        return float(out), float(err)
    return out, err


def _eval_closed_cov(e: sp.Expr, s1: float, s2: float, c: float, prec: int = 80):
    sub = e.subs({S1: enclose_sym(s1), S2: enclose_sym(s2), C: enclose_sym(c)},
                 simultaneous=True)
    with ctx.workprec(prec):
        v = enclose(sub)
    return _float_ball(v)


def _check_rho(rho: Any) -> None:
    if np.any(np.abs(np.asarray(rho, dtype=float)) > 1):
        raise ValueError("a correlation needs |rho| ≤ 1")


def _require_no_jump(a: Activation) -> None:
    a.require_gradient()
    if _has_jump(a):
        raise ActivationError(f"activation '{a.name}' has a jump, so σ' has a point mass")


@lru_cache(maxsize=256)
def _norm2_expr(f: sp.Expr, dps: int) -> arb:
    from theory import gauss
    from theory.hermite_exact import mus_exact, split

    sq = sp.expand(f**2) if f.is_polynomial(X) else f**2
    terms, rest = split(sq)
    if rest == 0:  # f² has exact routes: E[f²] = μ_0(f²) exactly
        v = sum((mus_exact(t, 0, r)[0] for r, t in terms), sp.Integer(0))
        with ctx.workprec(gauss.bits_for(dps) + 16):
            return enclose(v)
    return gauss.second_moment(f, dps)


def norm2(f: sp.Expr, dps: int = DPS) -> arb:
    """E[f(g)²] as a ball (exact when f² has an exact Hermite route, else certified quadrature).

    >>> norm2(sp.Max(X, 0)).str(5)
    '0.500000000000000'
    """
    return _norm2_expr(as_expr(f), dps)


def scaled_coefficients(f: sp.Expr, s: float, n: int, dps: int = DPS):
    """(β_0..β_{n−1} as balls, R ball): β_p = E[f(s g) h_p(g)] (exact routes where they apply,
    else certified quadrature) and ``R = E[f(sg)²] − Σ_{p<n} β_p²`` (Parseval's remainder,
    clipped below at 0). ``s`` a float, taken as its exact binary value."""
    return _scaled(as_expr(f), float(s), n, dps)


@lru_cache(maxsize=1024)
def _scaled(f: sp.Expr, s: float, n: int, dps: int):
    from theory import gauss

    cs = hermite.mus(Activation("f", f), n - 1, dps, scale=s)
    g = f if s == 1.0 else f.subs(X, enclose_sym(s) * X)
    with ctx.workprec(gauss.bits_for(dps) + 16):
        balls = tuple(c.ball() for c in cs)
        tot = norm2(g, dps)
        rem = tot
        for b in balls:
            rem = rem - b * b
        rem = arb(rem.upper()).max(arb(0))
    return balls, rem


def _series_value(balls, rem, rho: Any, dps: int, weights=None) -> tuple[Any, Any]:
    """Σ_p w_p β_p² ρ^p + [± |ρ|^N R] (unit variance, weights None) in ball arithmetic."""
    from theory import gauss

    vals = np.asarray(rho, dtype=float)
    out = np.empty(vals.shape)
    err = np.empty(vals.shape)
    with ctx.workprec(gauss.bits_for(dps) + 16):
        coef = [b * b for b in balls]
        N = len(coef)
        for idx, r in np.ndenumerate(vals):
            x = _exactly(r)
            acc = arb(0)
            for cq in reversed(coef):
                acc = acc * x + cq
            acc += arb(0, (abs(x) ** N * rem).upper())
            out[idx], err[idx] = _float_ball(acc)
    if vals.ndim == 0:
        return float(out), float(err)
    return out, err


def _unit_variance(a: Activation, rho: Any, n_terms: int, dps: int, method: str,
                   derivative: bool) -> KValue:
    _check_rho(rho)
    e = (closed_Kprime(a) if derivative else closed_K(a)) if method != "series" else None
    if method == "closed" and e is None:
        name = "K'" if derivative else "K"
        raise ValueError(f"no closed form of {name} for '{a.name}'")
    if e is not None:
        v, err = _eval_closed(e, rho)
        return KValue(v, err, "wick" if a.is_polynomial else "closed")
    f = derivative_expr(a) if derivative else a.expr
    n = n_terms if derivative else n_terms + 1  # K: p = 0..n; K': q = 0..n−1 (p = 1..n)
    balls, rem = scaled_coefficients(f, 1.0, n, dps)
    v, err = _series_value(balls, rem, rho, dps)
    return KValue(v, err, "series")


def K(act: Activation | str, rho: Any, n_terms: int = 30, dps: int = DPS,
      method: str = "auto") -> KValue:
    """K(ρ) = E[σ(a)σ(b)], a, b standard Gaussians with correlation ρ (normalised rows).

    Closed form when :func:`closed_K` has one, else the Mehler series Σ_{p≤n_terms} μ_p² ρ^p
    with certified coefficients and the Parseval tail |ρ|^{n+1}(E[σ²] − Σ μ_p²)
    (``method="series"`` forces it). ``rho``: float or array, |ρ| ≤ 1. ``error``: a proved
    bound (module docstring).

    >>> v = K("gelu", 0.3)
    >>> v.method, round(v.value, 12), v.error < 1e-13
    ('series', 0.162677219806, True)
    """
    return _unit_variance(get(act), rho, n_terms, dps, method, derivative=False)


def Kprime(act: Activation | str, rho: Any, n_terms: int = 30, dps: int = DPS,
           method: str = "auto") -> KValue:
    """K'(ρ) = E[σ'(a)σ'(b)] = Σ_q μ_q(σ')² ρ^q at unit variances (normalised rows, Prop. 4).

    As :func:`K`; the series uses the coefficients of σ' itself (module docstring) and the
    tail |ρ|^n (E[σ'²] − Σ_{q<n} μ_q(σ')²). Refuses σ with a jump (step, sign).

    >>> Kprime("relu", 0.0).value
    0.25
    >>> Kprime("step", 0.0)
    Traceback (most recent call last):
    ...
    theory.activations.ActivationError: activation 'step' has a jump, ...
    """
    a = get(act)
    _require_no_jump(a)
    return _unit_variance(a, rho, n_terms, dps, method, derivative=True)


def _check_cov(s1: float, s2: float, c: float) -> None:
    if not (s1 > 0 and s2 > 0) or abs(c) > s1 * s2 * (1 + 1e-12):
        raise ValueError("need s1, s2 > 0 and |c| ≤ s1·s2")


def _cov(act: Activation, s1: float, s2: float, c: float, derivative: bool,
         order: int, dps: int) -> KValue:
    _check_cov(s1, s2, c)
    c = float(np.clip(c, -s1 * s2, s1 * s2))
    e = closed_Kprime_cov(act) if derivative else closed_Kcov(act)
    if e is not None:
        v, err = _eval_closed_cov(e, s1, s2, c)
        return KValue(v, err, "wick" if act.is_polynomial else "closed")
    f = derivative_expr(act) if derivative else act.expr
    b1, r1 = scaled_coefficients(f, s1, order, dps)
    b2, r2 = scaled_coefficients(f, s2, order, dps)
    from theory import gauss

    with ctx.workprec(gauss.bits_for(dps) + 16):
        rho = _exactly(c) / (_exactly(s1) * _exactly(s2))
        acc = arb(0)
        for p in range(order - 1, -1, -1):
            acc = acc * rho + b1[p] * b2[p]
        acc += arb(0, (abs(rho) ** order * (r1 * r2).sqrt()).upper())
        v, err = _float_ball(acc)
    return KValue(v, err, "series")


def Kcov(act: Activation | str, s1: float, s2: float, c: float, order: int = 60,
         dps: int = DPS) -> KValue:
    """E[σ(a)σ(b)] with Var a = s1², Var b = s2², Cov(a, b) = c (raw rows convention).

    Closed form (:func:`closed_Kcov`) when known, else Mehler's series with ``order`` terms of
    certified rescaled coefficients and the Cauchy–Schwarz/Parseval tail (module docstring),
    valid up to |c| = s1 s2. Scalars only. ``error``: a proved bound.

    >>> Kcov("relu", 2.0, 1.0, 0.0).value == 2 / (2 * math.pi)
    True
    >>> v = Kcov("gelu", 1.0, 1.0, 0.3)
    >>> abs(v.value - K("gelu", 0.3).value) <= v.error + K("gelu", 0.3).error
    True
    """
    return _cov(get(act), s1, s2, c, False, order, dps)


def Kprime_cov(act: Activation | str, s1: float, s2: float, c: float, order: int = 60,
               dps: int = DPS) -> KValue:
    """E[σ'(a)σ'(b)] with Var a = s1², Var b = s2², Cov(a, b) = c (raw rows convention).

    As :func:`Kcov` with σ' (its own coefficients); refuses σ with a jump. For relu it is
    1/4 + arcsin(c/(s1 s2))/(2π) whatever the variances (σ' is scale invariant).

    >>> Kprime_cov("relu", 3.0, 0.5, 0.0).value
    0.25
    """
    a = get(act)
    _require_no_jump(a)
    return _cov(a, s1, s2, c, True, order, dps)
