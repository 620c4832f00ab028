"""Dual kernels K(ρ) = E[σ(a)σ(b)] and K'(ρ) = E[σ'(a)σ'(b)], and their general-variance forms.

For standard Gaussians a, b with correlation ρ, Mehler's formula and μ_{p−1}(σ') = √p μ_p(σ) give

    K(ρ)  = Σ_p μ_p² ρ^p,          K'(ρ) = Σ_p p μ_p² ρ^{p−1} = dK/dρ,

with μ_p(σ) = E[σ(g) h_p(g)], h_p = He_p/√(p!) (model.md, "Hermite"). K' is the kernel in the
closed form of h(m) (model.md, Prop. 4 in the *normalised rows* convention, unit variances).
In the *raw rows* convention the pre-activations have variances N_i² ≠ 1, and h needs
E[σ'(a)σ'(b)] at Var a = s1², Var b = s2², Cov(a, b) = c: :func:`Kprime_cov`, :func:`Kcov`.

Routes, in order of preference (the ``method`` field of :class:`KValue` says which was used):

* ``"closed"``: a closed form, recognised from σ's expression (not its name):
  - σ = β + γ·1[x>0] + p·relu(x) + q·relu(−x) (relu, abs, leaky_relu, step, sign, x, and any
    mix): K is a bilinear form in (β, γ, p, q) on the Gram matrix of {1, 1[x>0], relu(x),
    relu(−x)}, built from the arc-cosine kernels J0(ρ) = 1/4 + arcsin(ρ)/(2π) (degree 0) and
    J1(ρ) = (√(1−ρ²) + (π − arccos ρ)ρ)/(2π) (degree 1), and E[1[a>0] relu(b)] = (1+ρ)/(2√(2π))
    (linear in ρ: its ρ-derivative is E[δ(a)1[b>0]] = φ(0)/2). All positively homogeneous, so
    general variances enter through ρ = c/(s1 s2) and the factors s1, s2.
  - σ = α·erf(βx): E[erf(βa)erf(βb)] = (2/π) arcsin(2β²c/√((1+2β²s1²)(1+2β²s2²))) and, since
    erf'(x) = (2/√π)e^{−x²} and E[e^{−β²(a²+b²)}] = det(I + 2β²Σ)^{−1/2},
    E[σ'(a)σ'(b)] = (4/π)α²β²/√((1+2β²s1²)(1+2β²s2²) − 4β⁴c²).
  - σ a polynomial: K and K' are polynomials in ρ from the exact μ_p; the general-variance forms
    come from the Gaussian moment generating function (Isserlis/Wick), exactly.
* ``"series"``: Σ_{p≤n} with μ_p from :func:`theory.hermite.mus`, with a truncation bound from
  Parseval (E[σ²], E[σ'²] by mpmath.quad):
  Σ_{p>n} μ_p²|ρ|^p ≤ |ρ|^{n+1}(E[σ²] − Σ_{p≤n} μ_p²) and
  Σ_{p>n} p μ_p²|ρ|^{p−1} ≤ |ρ|^n (E[σ'²] − Σ_{p≤n} p μ_p²).
* ``"quadrature"``: 2-D Gauss–Hermite for the general-variance forms without a closed form.

>>> from theory.activations import get
>>> closed_Kprime(get("relu"))
asin(rho)/(2*pi) + 1/4
>>> closed_K(get("He2"))
2*rho**2
>>> round(K(get("erf"), 0.5).value, 12)
0.216346895939
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from theory import hermite
from theory.activations import Activation, ActivationError, X, get

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
]

#: The correlation ρ of the unit-variance kernels.
RHO = sp.Symbol("rho", real=True)
#: Standard deviations and covariance of the general-variance kernels.
S1 = sp.Symbol("s1", positive=True)
S2 = sp.Symbol("s2", positive=True)
C = sp.Symbol("c", real=True)


@dataclass(frozen=True)
class KValue:
    """A kernel value with an absolute error bound and the route that produced it.

    ``value`` and ``error`` are floats or arrays shaped like the argument. ``error`` is:
    0 for ``"closed"`` and ``"wick"`` (exact formulas, only floating rounding, a few ulps);
    a bound for ``"series"``: Parseval tail plus coefficient errors plus rounding, rigorous when
    the μ_p are exact (theory.hermite's exact routes) and as reliable as mpmath.quad's error
    estimates otherwise (E[σ²], E[σ'²] and quadrature-route μ_p);
    an estimate |Q_n − Q_2n| for ``"quadrature"`` (reliable for smooth σ, not a proof).
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
# Recognising σ
# ---------------------------------------------------------------------------------------------

_Y = sp.Symbol("y", positive=True)


def _relu_family(expr: sp.Expr) -> tuple[sp.Expr, sp.Expr, sp.Expr, sp.Expr] | None:
    """(β, γ, p, q) with σ = β + γ·1[x>0] + p·relu(x) + q·relu(−x) a.e., or None."""
    try:
        pos = sp.simplify(expr.subs(X, _Y))
        neg = sp.simplify(expr.subs(X, -_Y))
    except (TypeError, ValueError):  # pragma: no cover - sympy refusing a substitution
        return None
    coeffs = []
    for e in (pos, neg):
        if not e.is_polynomial(_Y):
            return None
        poly = sp.Poly(e, _Y)
        if poly.degree() > 1 or poly.free_symbols - {_Y}:
            return None
        coeffs.append((poly.coeff_monomial(1), poly.coeff_monomial(_Y)))
    (a_pos, p), (beta, q) = coeffs
    return beta, a_pos - beta, p, q


_WA = sp.Wild("alpha", exclude=[X, 0])
_WB = sp.Wild("beta", exclude=[X, 0])


def _erf_family(expr: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    """(α, β) with σ = α·erf(βx), or None."""
    m = expr.match(_WA * sp.erf(_WB * X))
    if m is None or not (m[_WA].is_real and m[_WB].is_real):
        return None
    return m[_WA], m[_WB]


def _J0(r: sp.Expr) -> sp.Expr:
    """E[1[a>0]1[b>0]] at correlation r (arc-cosine kernel of degree 0)."""
    return sp.Rational(1, 4) + sp.asin(r) / (2 * sp.pi)


def _J1(r: sp.Expr) -> sp.Expr:
    """E[relu(a)relu(b)] at unit variances and correlation r (arc-cosine kernel of degree 1).

    Written with π − arccos r = π/2 + arcsin r, so that J1(r) and J1(−r) combine under expand.
    """
    return (sp.sqrt(1 - r**2) + (sp.pi / 2 + sp.asin(r)) * r) / (2 * sp.pi)


def _relu_gram(s1: sp.Expr, s2: sp.Expr, c: sp.Expr) -> sp.Matrix:
    """G_ij = E[e_i(a) e_j(b)] for e = (1, 1[x>0], relu(x), relu(−x)), Var a = s1², Var b = s2²."""
    r = c / (s1 * s2)
    k = 1 / sp.sqrt(2 * sp.pi)  # E[relu(g)] = φ(0)
    return sp.Matrix([
        [1, sp.Rational(1, 2), s2 * k, s2 * k],
        [sp.Rational(1, 2), _J0(r), s2 * (1 + r) * k / 2, s2 * (1 - r) * k / 2],
        [s1 * k, s1 * (1 + r) * k / 2, s1 * s2 * _J1(r), s1 * s2 * _J1(-r)],
        [s1 * k, s1 * (1 - r) * k / 2, s1 * s2 * _J1(-r), s1 * s2 * _J1(r)],
    ])


def _gauss_moments_2d(n: int) -> dict[tuple[int, int], sp.Expr]:
    """E[a^i b^j], i, j ≤ n (odd i + j: 0, omitted), (a, b) ~ N(0, [[S1², C], [C, S2²]])."""
    t1, t2 = sp.symbols("t1 t2")
    q = (S1**2 * t1**2 + 2 * C * t1 * t2 + S2**2 * t2**2) / 2
    # exp(q) = Σ_k q^k/k!; the monomial t1^i t2^j has degree i + j = 2k.
    mom: dict[tuple[int, int], sp.Expr] = {}
    for k in range(n + 1):
        terms = sp.Poly(sp.expand(q**k / sp.factorial(k)), t1, t2).terms()
        for (i, j), coef in terms:
            if i <= n and j <= n:
                mom[(i, j)] = coef * sp.factorial(i) * sp.factorial(j)
    return mom


def _exact_mus_poly(act: Activation) -> list[sp.Expr]:
    """Exact μ_0..μ_deg of a polynomial σ (theory.hermite's "polynomial" route)."""
    return [c.value for c in hermite.mus(act, act.poly.degree())]


# ---------------------------------------------------------------------------------------------
# Closed forms
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _closed_cov(expr: sp.Expr, derivative: bool) -> sp.Expr | None:
    if expr.is_polynomial(X):
        e = sp.diff(expr, X) if derivative else expr
        poly = sp.Poly(e, X)
        n = max(poly.degree(), 0)
        mom = _gauss_moments_2d(n)
        out = sp.Integer(0)
        for (i,), ci in poly.terms():
            for (j,), cj in poly.terms():
                out += ci * cj * mom.get((i, j), 0)  # odd total degree: 0
        return sp.expand(out)
    fam = _relu_family(expr)
    if fam is not None:
        beta, gamma, p, q = fam
        if derivative:
            if gamma != 0:
                return None  # a jump: σ' has a point mass
            v = sp.Matrix([-q, p + q])  # σ' = −q + (p+q)·1[x>0] a.e.
            g = _relu_gram(S1, S2, C)[:2, :2]
        else:
            v = sp.Matrix([beta, gamma, p, q])
            g = _relu_gram(S1, S2, C)
        return sp.expand((v.T * g * v)[0, 0])
    fam = _erf_family(expr)
    if fam is not None:
        a, b = fam
        d1, d2 = 1 + 2 * b**2 * S1**2, 1 + 2 * b**2 * S2**2
        if derivative:
            return 4 * a**2 * b**2 / (sp.pi * sp.sqrt(d1 * d2 - 4 * b**4 * C**2))
        return 2 * a**2 / sp.pi * sp.asin(2 * b**2 * C / sp.sqrt(d1 * d2))
    return None


def closed_Kcov(act: Activation | str) -> sp.Expr | None:
    """E[σ(a)σ(b)] in closed form in (S1, S2, C): Var a = S1², Var b = S2², Cov = C, or None.

    General variances: the *raw rows* convention (model.md, "Conventions"). Recognised: the
    relu family (relu, abs, leaky_relu, step, sign and combinations), α·erf(βx), polynomials
    (Isserlis/Wick, exact). Valid for |C| ≤ S1·S2.

    >>> closed_Kcov("erf")
    2*asin(2*c/(sqrt(2*s1**2 + 1)*sqrt(2*s2**2 + 1)))/pi
    >>> closed_Kcov("He2")
    2*c**2 + s1**2*s2**2 - s1**2 - s2**2 + 1
    """
    return _closed_cov(get(act).expr, False)


def closed_Kprime_cov(act: Activation | str) -> sp.Expr | None:
    """E[σ'(a)σ'(b)] in closed form in (S1, S2, C) (raw rows convention), or None.

    None also when σ has a jump (step, sign): σ' then has a point mass, see
    :meth:`Activation.require_gradient`.

    >>> closed_Kprime_cov("erf")
    4/(pi*sqrt(-4*c**2 + (2*s1**2 + 1)*(2*s2**2 + 1)))
    >>> closed_Kprime_cov("sign") is None
    True
    """
    return _closed_cov(get(act).expr, True)


def closed_K(act: Activation | str) -> sp.Expr | None:
    """K(ρ) = E[σ(a)σ(b)] at unit variances in closed form in :data:`RHO`, or None.

    Normalised rows convention (unit variances, model.md). For polynomials this is Σ μ_p² ρ^p
    with the exact Hermite coefficients; otherwise :func:`closed_Kcov` at S1 = S2 = 1, C = ρ.
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
        return kseries(_exact_mus_poly(a), RHO)
    e = closed_Kcov(a)
    return None if e is None else sp.expand(e.subs({S1: 1, S2: 1}).subs(C, RHO))


def closed_Kprime(act: Activation | str) -> sp.Expr | None:
    """K'(ρ) = E[σ'(a)σ'(b)] at unit variances in closed form in :data:`RHO`, or None.

    Normalised rows convention. None for σ with a jump (σ' has a point mass) and when no
    closed form is known.

    >>> closed_Kprime("abs")
    2*asin(rho)/pi
    >>> closed_Kprime("erf")
    4/(pi*sqrt(9 - 4*rho**2))
    """
    a = get(act)
    if a.is_polynomial:
        return kpseries(_exact_mus_poly(a), RHO)
    e = closed_Kprime_cov(a)
    return None if e is None else sp.expand(e.subs({S1: 1, S2: 1}).subs(C, RHO))


# ---------------------------------------------------------------------------------------------
# Numerical values
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _lambdified(e: sp.Expr, args: tuple[sp.Symbol, ...]):
    return sp.lambdify(args, e, modules="numpy")


def _eval(e: sp.Expr, args: tuple[sp.Symbol, ...], *vals: Any) -> Any:
    out = _lambdified(e, args)(*(np.asarray(v, dtype=float) for v in vals))
    shape = np.broadcast(*(np.asarray(v) for v in vals)).shape
    out = np.broadcast_to(np.asarray(out, dtype=float), shape)
    return float(out) if out.ndim == 0 else out.copy()


def _zero_like(rho: Any) -> Any:
    return 0.0 if np.ndim(rho) == 0 else np.zeros(np.shape(rho))


def _require_no_jump(a: Activation) -> None:
    a.require_gradient()
    fam = _relu_family(a.expr) if not a.is_polynomial else None
    if fam is not None and fam[1] != 0:
        raise ActivationError(f"activation '{a.name}' has a jump at 0, so σ' has a point mass")


def _check_rho(rho: Any) -> None:
    if np.any(np.abs(np.asarray(rho, dtype=float)) > 1):
        raise ValueError("a correlation needs |rho| ≤ 1")


def _second_moment(act: Activation, derivative: bool, dps: int) -> tuple[float, float]:
    """E[σ(g)²] or E[σ'(g)²] (Parseval's totals for the tails) by mpmath.quad, and its error."""
    e = act.dexpr if derivative else act.expr
    pts = [-mpmath.inf, *sorted(set(act.kinks) | {0.0}), mpmath.inf]
    with mpmath.workdps(dps):
        f = sp.lambdify(X, e, modules="mpmath")
        v, err = mpmath.quad(lambda x: f(x) ** 2 * mpmath.npdf(x), pts, error=True)
    return float(v), float(err) + 4 * np.finfo(float).eps * abs(float(v))


_MOMENTS: dict[tuple[sp.Expr, int, int], tuple] = {}


def _moments(act: Activation, n: int, dps: int):
    """(μ_0..μ_n, their errors, (E[σ²], err), (E[σ'²], err)), cached by σ's expression.

    μ_p from :func:`theory.hermite.mus` (exact for polynomials, piecewise polynomials and the
    erf family; mpmath quadrature otherwise, ~0.1 s per coefficient).
    """
    key = (act.expr, n, dps)
    if key not in _MOMENTS:
        cs = hermite.mus(act, n, dps)
        mu = np.array([float(c.approx) for c in cs])
        # float rounding of the conversion, plus hermite's own error
        err = np.array([float(c.error) for c in cs]) + np.finfo(float).eps * np.abs(mu)
        tot = _second_moment(act, False, dps)
        dtot = _second_moment(act, True, dps) if not act.point_mass_derivative else (np.nan,) * 2
        _MOMENTS[key] = (mu, err, tot, dtot)
    return _MOMENTS[key]


def _series(act: Activation, rho: Any, n: int, dps: int, derivative: bool) -> KValue:
    mu, err, tot, dtot = _moments(act, n, dps)
    total, total_err = dtot if derivative else tot
    p = np.arange(n + 1)
    w = p if derivative else np.ones(n + 1)
    first = 1 if derivative else 0
    coef = (w * mu**2)[first:]
    coef_err = (w * (2 * np.abs(mu) * err + err**2))[first:]
    rho_ = np.asarray(rho, dtype=float)
    r = np.abs(rho_)
    value = np.polynomial.polynomial.polyval(rho_, coef)
    # Parseval: what is left of E[σ²] (or E[σ'²] = Σ p μ_p²) after the first n terms, with the
    # errors of the total and of the coefficients on the unfavourable side.
    left = max(float(total - np.sum(w * mu**2)), 0.0) + float(total_err) + float(np.sum(coef_err))
    tail = left * r ** (n + 1 - first)
    rounding = 4 * n * np.finfo(float).eps * np.polynomial.polynomial.polyval(r, coef)
    error = np.polynomial.polynomial.polyval(r, coef_err) + tail + rounding
    if np.ndim(value) == 0:
        return KValue(float(value), float(error), "series")
    return KValue(value, error, "series")


def K(act: Activation | str, rho: Any, n_terms: int = 30, dps: int = 20,
       method: str = "auto") -> KValue:
    """K(ρ) = E[σ(a)σ(b)], a, b standard Gaussians with correlation ρ (normalised rows).

    Closed form when :func:`closed_K` has one (error 0 up to rounding), else the Mehler series
    Σ_{p≤n_terms} μ_p² ρ^p with the Parseval tail bound |ρ|^{n+1}(E[σ²] − Σ μ_p²) plus the
    coefficients' error estimates (``method="series"``). ``rho``: float or array, |ρ| ≤ 1; the
    series bound is useful for |ρ| ≤ 0.95 or so (it decays like |ρ|^n). ``method``: "auto",
    "closed" (ValueError if there is none) or "series" (forced, e.g. to test a closed form).

    >>> v = K("gelu", 0.3)
    >>> v.method, round(v.value, 12), v.error < 1e-13
    ('series', 0.162677219806, True)
    """
    return _unit_variance(get(act), rho, n_terms, dps, method, derivative=False)


def Kprime(act: Activation | str, rho: Any, n_terms: int = 30, dps: int = 20,
       method: str = "auto") -> KValue:
    """K'(ρ) = E[σ'(a)σ'(b)] = Σ p μ_p² ρ^{p−1} at unit variances (normalised rows, Prop. 4).

    As :func:`K` (same ``method`` choices), with the tail bound |ρ|^n (E[σ'²] − Σ p μ_p²).
    Refuses σ with a jump (step, sign) with :class:`ActivationError`.

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


def _unit_variance(a: Activation, rho: Any, n_terms: int, dps: int, method: str,
                   derivative: bool) -> KValue:
    """K or K' at unit variances: the closed form unless ``method="series"`` (or none exists)."""
    _check_rho(rho)
    e = (closed_Kprime(a) if derivative else closed_K(a)) if method != "series" else None
    if method == "closed" and e is None:
        name = "K'" if derivative else "K"
        raise ValueError(f"no closed form of {name} for '{a.name}'")
    if e is not None:
        return KValue(_eval(e, (RHO,), rho), _zero_like(rho), "closed")
    return _series(a, rho, n_terms, dps, derivative=derivative)


def _check_cov(s1: float, s2: float, c: float) -> None:
    if not (s1 > 0 and s2 > 0) or abs(c) > s1 * s2 * (1 + 1e-12):
        raise ValueError("need s1, s2 > 0 and |c| ≤ s1·s2")


def _gh2(f, s1: float, s2: float, c: float, n: int) -> float:
    """E[f(a)f(b)] by an n×n Gauss–Hermite rule: a = s1 g1, b = (c/s1) g1 + τ g2."""
    x, w = np.polynomial.hermite_e.hermegauss(n)
    w = w / math.sqrt(2 * math.pi)
    tau = math.sqrt(max(s2**2 - (c / s1) ** 2, 0.0))
    g1, g2 = x[:, None], x[None, :]
    fa = f(s1 * x)[:, None]
    fb = f((c / s1) * g1 + tau * g2)
    return float(w @ (fa * fb) @ w)


def _cov(act: Activation, s1: float, s2: float, c: float, derivative: bool,
         order: int) -> KValue:
    _check_cov(s1, s2, c)
    e = _closed_cov(act.expr, derivative)
    if e is not None:
        method = "wick" if act.is_polynomial else "closed"
        c_ = float(np.clip(c, -s1 * s2, s1 * s2))
        return KValue(_eval(e, (S1, S2, C), s1, s2, c_), 0.0, method)
    f = act.df if derivative else act.f
    lo, hi = _gh2(f, s1, s2, c, order), _gh2(f, s1, s2, c, 2 * order)
    return KValue(hi, abs(hi - lo), "quadrature")


def Kcov(act: Activation | str, s1: float, s2: float, c: float, order: int = 60) -> KValue:
    """E[σ(a)σ(b)] with Var a = s1², Var b = s2², Cov(a, b) = c (raw rows convention).

    Closed form (:func:`closed_Kcov`) when known, else 2-D Gauss–Hermite quadrature of orders
    ``order`` and ``2*order`` with their difference as the error estimate (good for smooth σ of
    moderate growth; slow convergence for kinks, which all have closed forms here). Scalars only.

    >>> Kcov("relu", 2.0, 1.0, 0.0).value == 2 / (2 * math.pi)
    True
    >>> v = Kcov("gelu", 1.0, 1.0, 0.3)
    >>> abs(v.value - K("gelu", 0.3).value) < 1e-12
    True
    """
    return _cov(get(act), s1, s2, c, False, order)


def Kprime_cov(act: Activation | str, s1: float, s2: float, c: float, order: int = 60) -> KValue:
    """E[σ'(a)σ'(b)] with Var a = s1², Var b = s2², Cov(a, b) = c (raw rows convention).

    As :func:`Kcov`; refuses σ with a jump (σ' has a point mass). For relu it is
    1/4 + arcsin(c/(s1 s2))/(2π) whatever the variances (σ' is scale invariant).

    >>> Kprime_cov("relu", 3.0, 0.5, 0.0).value
    0.25
    """
    a = get(act)
    _require_no_jump(a)
    return _cov(a, s1, s2, c, True, order)
