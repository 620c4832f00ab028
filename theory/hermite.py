"""Hermite analysis of an activation: h_p, μ_p(σ), information exponent, decay of μ_p.

Convention (spec/model.md, paper §1.1 and App. A): ``h_p = He_p/√(p!)`` with ``He_p`` the
probabilists' Hermite polynomial, orthonormal for ``g ~ N(0, 1)``, and
``μ_p(σ) = E[σ(g) h_p(g)]``. The coefficients do not depend on the row convention (normalised,
raw, App. B): they are properties of σ at unit variance. The information exponent is the
smallest ``p ≥ 1`` with ``μ_p ≠ 0``; Assumption 6.2 asks ``|μ_p| ≤ C_σ p^{-1-ρ}``; Remark 10
(App. A.1, p. 19) states ``μ_p(σ) = μ_{p-1}(σ')/√p``.

Each coefficient comes from the first route that applies (``Coefficient.method``):

1. ``"polynomial"``: σ a polynomial; exact, from the Hermite expansion of monomials,
   ``E[g^n He_p(g)] = n!/(k! 2^k)`` for ``n = p + 2k`` and 0 otherwise.
2. ``"half-moments"``: σ piecewise polynomial (relu, abs, leaky_relu, step, sign, or a typed
   expression built from Max/Min/Abs/Heaviside/sign with linear arguments); exact, from the
   truncated Gaussian moments ``M_n(a, b) = ∫_a^b x^n φ(x) dx``, by
   ``M_n = (n-1) M_{n-2} + a^{n-1} φ(a) - b^{n-1} φ(b)`` (so that the half-moments are
   ``M_n(0, ∞) = 2^{n/2} Γ((n+1)/2)/(2√π)``).
3. ``"stein"``: σ a sum of terms ``c x^n exp(-a x²) erf(b x)^e`` (e ∈ {0, 1}: erf, gelu, their
   derivatives); exact, from Stein's identity ``E[g F(g)] = E[F'(g)]``, which gives
   ``E[g^n erf(b g)] = (n-1) E[g^{n-2} erf(b g)] + (2b/√π) E[g^{n-1} exp(-b² g²)]``.
4. ``"quadrature"``: anything else; ``mpmath.quad`` (tanh-sinh) over
   ``[-∞, -12, -6, 0, 6, 12, ∞]`` plus the kinks, at two working precisions, ``dps + n/6 + 5``
   and 10 digits more (n is the batch's top p; the He_p recurrence is evaluated at each node,
   so the cancellation of h_p's large monomial coefficients does not arise; measured on tanh,
   n = 30: 35 working digits give μ_p to 3e-37). ``approx`` is the higher-precision result;
   ``error`` = the two results' difference + quad's own estimate at the higher precision, an
   absolute error of about 10^-(dps + n/6 + 5) (1e-40 at dps = 30, n = 30), so ≥ 25
   significant digits whenever |μ_p| ≥ 1e-15 (absolute error ≤ 1e-35 always).
   Exact zeros by symmetry are found first: if the odd part ``(σ(x) - σ(-x))/2`` simplifies
   (sympy) to a polynomial of degree D (or to 0: D = -1), then μ_p = 0 exactly for odd p > D;
   likewise the even part for even p (tanh: even p; sigmoid, whose even part is 1/2: even
   p ≥ 2; silu and softplus, whose odd part is x/2: odd p ≥ 3).

>>> [str(c.value) for c in mus("relu", 3)]
['sqrt(2)/(2*sqrt(pi))', '1/2', '1/(2*sqrt(pi))', '0']
>>> c = mu("tanh", 1)
>>> c.method, c.error < 1e-30, round(float(c), 12)
('quadrature', True, 0.605705509602)
>>> information_exponent("He3")
3
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache, lru_cache

import mpmath
import numpy as np
import sympy as sp

from theory.activations import Activation, X, get

__all__ = [
    "h_expr",
    "he_coeffs",
    "Coefficient",
    "mu",
    "mus",
    "mu_array",
    "information_exponent",
    "DecayFit",
    "decay_fit",
    "remark10",
    "derivative",
    "quadrature_mus",
]


def h_expr(p: int) -> sp.Expr:
    """h_p(x) = He_p(x)/√(p!) (paper §1.1, orthonormal Hermite), in :data:`X`, via sympy.

    Exact for every p (sympy integers and one square root).

    >>> h_expr(2)
    sqrt(2)*x**2/2 - sqrt(2)/2
    >>> h_expr(3).subs(X, 1) * sp.sqrt(6)
    -2
    """
    if p < 0:
        raise ValueError(f"p must be ≥ 0, got {p}")
    return sp.expand(sp.hermite_prob(p, X) / sp.sqrt(sp.factorial(p)))


@cache
def he_coeffs(p: int) -> tuple[int, ...]:
    """Integer coefficients of He_p in ascending powers: He_p = Σ_j c_j x^j (exact).

    From the explicit sum He_p = Σ_k (-1)^k p!/(k! (p-2k)! 2^k) x^{p-2k} (Abramowitz & Stegun
    22.3.11), with Python integers; tested against ``sympy.hermite_prob``.

    >>> he_coeffs(3)
    (0, -3, 0, 1)
    """
    c = [0] * (p + 1)
    for k in range(p // 2 + 1):
        c[p - 2 * k] = (-1) ** k * math.factorial(p) // (
            math.factorial(k) * math.factorial(p - 2 * k) * 2**k)
    return tuple(c)


@dataclass(frozen=True)
class Coefficient:
    """One Hermite coefficient μ_p(σ) = E[σ(g) h_p(g)] (h_p = He_p/√(p!)).

    ``value`` is the exact sympy value when known; ``approx`` is always set (an mpf at the
    requested precision); ``error`` is 0 when exact, else an absolute error estimate (module
    docstring, route 4).

    >>> c = mu("cubic", 3)
    >>> c.value, c.exact, c.error, round(float(c), 6)
    (sqrt(6), True, mpf('0.0'), 2.44949)
    """

    p: int
    value: sp.Expr | None
    approx: mpmath.mpf
    error: mpmath.mpf
    method: str

    @property
    def exact(self) -> bool:
        return self.value is not None

    @property
    def is_zero(self) -> bool:
        """Exactly zero (proved: exact route or symmetry); never guessed from numbers."""
        return self.exact and self.value == 0

    def __float__(self) -> float:
        return float(self.approx)


# ---------------------------------------------------------------------------------------------
# Cache plumbing: an Activation is keyed on its expression (and pieces), not on its identity.
# ---------------------------------------------------------------------------------------------


class _Key:
    """Hashable handle on an activation: equal iff expression and pieces are equal."""

    __slots__ = ("act", "key")

    def __init__(self, act: Activation):
        self.act = act
        self.key = (sp.srepr(act.expr), sp.srepr(act.pieces) if act.pieces else "")

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Key) and other.key == self.key


def mus(act: str | Activation, n: int, dps: int = 30) -> list[Coefficient]:
    """μ_0(σ), …, μ_n(σ) (h_p = He_p/√(p!)), computed in one batch; exact where a route allows.

    ``act``: anything :func:`theory.activations.get` accepts. Routes: module docstring. Limits:
    exact routes have no limit but the size of sympy numbers (p ≤ 100 in about 1.5 s
    for the named activations); quadrature: absolute error ~10^-(dps+n/6+5) (returned), cost
    2-5 s for n = 30 at dps = 30 on this machine (cached: a second call is free).

    >>> [c.value for c in mus("He3", 4)]
    [0, 0, 0, sqrt(6), 0]
    >>> [c.value for c in mus("sign", 3)]
    [0, sqrt(2)/sqrt(pi), 0, -sqrt(3)/(3*sqrt(pi))]
    """
    if n < 0:
        raise ValueError(f"n must be ≥ 0, got {n}")
    return list(_mus(_Key(get(act)), n, dps))


def mu(act: str | Activation, p: int, dps: int = 30) -> Coefficient:
    """μ_p(σ) = E[σ(g) h_p(g)], g ~ N(0, 1), h_p = He_p/√(p!) (paper §1.1). See :func:`mus`.

    >>> mu("relu", 2).value
    1/(2*sqrt(pi))
    >>> mu("tanh", 2).value, mu("tanh", 2).method
    (0, 'quadrature')
    """
    if p < 0:
        raise ValueError(f"p must be ≥ 0, got {p}")
    # p rounded up to a multiple of 10: calls for p = 1, 2, ... share one batch (Remark 10)
    return mus(act, -(-p // 10) * 10, dps)[p]


def mu_array(act: str | Activation, n: int) -> np.ndarray:
    """float64 array μ_0, …, μ_n (h_p = He_p/√(p!)), for the numeric layer (dps = 30 cache).

    >>> mu_array("relu", 2).round(6).tolist()
    [0.398942, 0.5, 0.282095]
    """
    return np.array([float(c) for c in mus(act, n, 30)], dtype=float)


@lru_cache(maxsize=256)
def _mus(key: _Key, n: int, dps: int) -> tuple[Coefficient, ...]:
    act = key.act
    if act.is_polynomial:
        vals = _mus_polynomial(act.poly, n)
        return tuple(_exact(p, v, "polynomial", dps) for p, v in enumerate(vals))
    pieces = act.pieces if act.pieces is not None else _pieces_of(act.expr)
    if pieces is not None:
        vals = _mus_pieces(pieces, n)
        return tuple(_exact(p, v, "half-moments", dps) for p, v in enumerate(vals))
    terms = _gauss_terms(act.expr)
    if terms is not None:
        vals = _mus_stein(terms, n)
        return tuple(_exact(p, v, "stein", dps) for p, v in enumerate(vals))
    return _mus_quadrature(act, n, dps)


def _exact(p: int, value: sp.Expr, method: str, dps: int) -> Coefficient:
    with mpmath.workdps(dps):
        approx = mpmath.mpf(sp.N(value, dps + 5)) if value != 0 else mpmath.mpf(0)
    return Coefficient(p, value, approx, mpmath.mpf(0), method)


# ---------------------------------------------------------------------------------------------
# Route 1: polynomials
# ---------------------------------------------------------------------------------------------


def _mus_polynomial(poly: sp.Poly, n: int) -> list[sp.Expr]:
    """μ_p = (1/√p!) Σ_m a_m E[g^m He_p(g)], E[g^m He_p] = m!/(k! 2^k) if m = p + 2k."""
    a = {m: c for (m,), c in poly.terms()}
    out = []
    for p in range(n + 1):
        s = sp.Integer(0)
        for m, c in a.items():
            if m >= p and (m - p) % 2 == 0:
                k = (m - p) // 2
                s += c * sp.Integer(math.factorial(m) // (math.factorial(k) * 2**k))
        out.append(sp.expand(s / sp.sqrt(sp.factorial(p))))
    return out


# ---------------------------------------------------------------------------------------------
# Route 2: piecewise polynomials, by truncated Gaussian moments
# ---------------------------------------------------------------------------------------------

_PHI0 = 1 / sp.sqrt(2 * sp.pi)


def _phi(t: sp.Expr) -> sp.Expr:
    return sp.Integer(0) if t.is_infinite else _PHI0 * sp.exp(-t**2 / 2)


def _cdf(t: sp.Expr) -> sp.Expr:
    if t is sp.oo:
        return sp.Integer(1)
    if t is sp.S.NegativeInfinity:
        return sp.Integer(0)
    return (1 + sp.erf(t / sp.sqrt(2))) / 2


def _truncated_moments(a: sp.Expr, b: sp.Expr, top: int) -> list[sp.Expr]:
    """M_j = ∫_a^b x^j φ(x) dx, j ≤ top (integration by parts; x^j φ(x) → 0 at ±∞)."""

    def edge(t: sp.Expr, j: int) -> sp.Expr:  # t^j φ(t), 0 at infinity
        return sp.Integer(0) if t.is_infinite else t**j * _phi(t)

    m = [_cdf(b) - _cdf(a), _phi(a) - _phi(b)]
    for j in range(2, top + 1):
        m.append(sp.expand((j - 1) * m[j - 2] + edge(a, j - 1) - edge(b, j - 1)))
    return m[: top + 1]


def _mus_pieces(pieces, n: int) -> list[sp.Expr]:
    out = [sp.Integer(0)] * (n + 1)
    for lo, hi, poly in pieces:
        q = sp.Poly(poly, X)
        if q.is_zero:
            continue
        mom = _truncated_moments(sp.sympify(lo), sp.sympify(hi), q.degree() + n)
        qc = {m: c for (m,), c in q.terms()}
        for p in range(n + 1):
            he = he_coeffs(p)
            s = sp.Integer(0)
            for m, c in qc.items():
                for j, hj in enumerate(he):
                    if hj:
                        s += c * hj * mom[m + j]
            out[p] += s
    return [sp.expand(v / sp.sqrt(sp.factorial(p))) for p, v in enumerate(out)]


_NONSMOOTH = (sp.Max, sp.Min, sp.Abs, sp.Heaviside, sp.sign, sp.Piecewise)


def _exact_kinks(expr: sp.Expr) -> list[sp.Expr] | None:
    """Exact points where a Max/Min/Abs/Heaviside/sign/Piecewise of σ switches, sorted.

    None if some switching argument is not linear in x (then no exact route uses kinks).
    """
    args: list[sp.Expr] = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Piecewise):
            for _, cond in node.args:
                args += [r.lhs - r.rhs for r in cond.atoms(sp.core.relational.Relational)]
        elif isinstance(node, (sp.Max, sp.Min)):
            if len(node.args) != 2:
                return None
            args.append(node.args[0] - node.args[1])
        elif isinstance(node, _NONSMOOTH):
            args.append(node.args[0])
    pts: set[sp.Expr] = set()
    for a in args:
        if not a.is_polynomial(X) or sp.Poly(a, X).degree() > 1:
            return None
        if a.has(X):
            pts.add(sp.solve(a, X)[0])
    return sorted(pts, key=lambda t: float(t))


def _pieces_of(expr: sp.Expr):
    """Pieces (lo, hi, poly) of a typed piecewise polynomial with linear kinks, or None."""
    if not expr.has(*_NONSMOOTH):
        return None
    pts_sorted = _exact_kinks(expr)
    if pts_sorted is None:
        return None
    edges = [sp.S.NegativeInfinity, *pts_sorted, sp.oo]
    pw = sp.piecewise_fold(expr.rewrite(sp.Piecewise))
    pieces = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        if lo.is_infinite and hi.is_infinite:
            mid = sp.Integer(0)
        elif lo.is_infinite:
            mid = hi - 1
        elif hi.is_infinite:
            mid = lo + 1
        else:
            mid = (lo + hi) / 2
        branch = _branch_at(pw, mid)
        if branch is None or not branch.is_polynomial(X):
            return None
        pieces.append((lo, hi, sp.expand(branch)))
    return tuple(pieces)


def _branch_at(pw: sp.Expr, t: sp.Expr) -> sp.Expr | None:
    if not isinstance(pw, sp.Piecewise):
        return None if pw.has(*_NONSMOOTH) else pw
    for e, cond in pw.args:
        if bool(cond.subs(X, t)):
            return _branch_at(e, t)
    return None


# ---------------------------------------------------------------------------------------------
# Route 3: sums of x^n exp(-a x²) erf(b x)^e, by Stein's identity
# ---------------------------------------------------------------------------------------------


def _gauss_terms(expr: sp.Expr):
    """Terms (c, n, a, b) with σ = Σ c x^n exp(-a x²) erf(b x) (b = None: no erf), or None."""
    if not expr.has(sp.erf, sp.exp):
        return None
    terms = []
    for t in sp.Add.make_args(sp.expand(expr)):
        c, n, a, b = sp.Integer(1), 0, sp.Integer(0), None
        for f in sp.Mul.make_args(t):
            if not f.has(X):
                c *= f
            elif f == X:
                n += 1
            elif isinstance(f, sp.Pow) and f.base == X and f.exp.is_Integer and f.exp > 0:
                n += int(f.exp)
            elif isinstance(f, sp.exp) and f.args[0].is_polynomial(X):
                q = sp.Poly(f.args[0], X)
                if q.degree() != 2 or q.coeff_monomial(X) != 0:
                    return None
                c *= sp.exp(q.coeff_monomial(1))
                a += -q.coeff_monomial(X**2)
            elif isinstance(f, sp.erf) and b is None and f.args[0].is_polynomial(X):
                q = sp.Poly(f.args[0], X)
                if q.degree() != 1 or q.coeff_monomial(1) != 0:
                    return None
                b = q.coeff_monomial(X)
            else:
                return None
        if not (1 + 2 * a).is_positive:
            return None
        terms.append((c, n, a, b))
    return terms


def _gauss_moment(n: int, a: sp.Expr, b: sp.Expr | None, memo: dict) -> sp.Expr:
    """E[g^n exp(-a g²) erf(b g)] = s^{n+1} E[y^n erf(b s y)], s = (1 + 2a)^{-1/2}."""
    key = (n, a, b)
    if key in memo:
        return memo[key]
    s = 1 / sp.sqrt(1 + 2 * a)
    if b is None:
        v = s ** (n + 1) * sp.factorial2(n - 1) if n % 2 == 0 else sp.Integer(0)
    elif n % 2 == 0:
        v = sp.Integer(0)  # erf is odd
    else:
        beta = b * s
        if n == 1:
            f = 2 * beta / sp.sqrt(sp.pi * (1 + 2 * beta**2))
            v = s**2 * f
        else:  # Stein: E[y^n erf(βy)] = (n-1) E[y^{n-2} erf(βy)] + (2β/√π) E[y^{n-1} e^{-β²y²}]
            f_prev = _gauss_moment(n - 2, sp.Integer(0), beta, memo)
            f = (n - 1) * f_prev + 2 * beta / sp.sqrt(sp.pi) * _gauss_moment(
                n - 1, beta**2, None, memo)
            v = s ** (n + 1) * f
    memo[key] = sp.expand(v)
    return memo[key]


def _mus_stein(terms, n: int) -> list[sp.Expr]:
    memo: dict = {}
    out = []
    for p in range(n + 1):
        he = he_coeffs(p)
        s = sp.Integer(0)
        for c, m, a, b in terms:
            for j, hj in enumerate(he):
                if hj:
                    s += c * hj * _gauss_moment(m + j, a, b, memo)
        out.append(sp.expand(s / sp.sqrt(sp.factorial(p))))
    return out


# ---------------------------------------------------------------------------------------------
# Route 4: quadrature, with exact zeros by symmetry
# ---------------------------------------------------------------------------------------------


def _parity_degrees(expr: sp.Expr) -> tuple[int | None, int | None]:
    """(D_odd, D_even): the odd/even part of σ is a polynomial of that degree (-1: zero).

    None when sympy cannot show the part is a polynomial (then no zero is claimed), and for
    expressions of more than 60 operations, where ``simplify`` may take long (no zero claimed).
    """
    if sp.count_ops(expr) > 60:
        return None, None
    out: list[int | None] = []
    for sgn in (-1, 1):
        part = sp.simplify(((expr + sgn * expr.subs(X, -X)) / 2).rewrite(sp.exp))
        if part == 0:
            out.append(-1)
        elif part.is_polynomial(X):
            out.append(sp.Poly(part, X).degree())
        else:
            out.append(None)
    return out[0], out[1]


#: Split points of the real line for route 4 (kinks of σ are added): with them tanh-sinh needs
#: ~3100 nodes for 35 digits of μ_0..μ_30(tanh), against ~4100 over [-∞, 0, ∞] (measured).
#: Gauss-Legendre needs ~1500 nodes but computing its nodes costs more than it saves in a
#: fresh process (measured: 22 s against 20 s for the benchmark), so mpmath's default stays.
_SPLITS = (-12.0, -6.0, 0.0, 6.0, 12.0)
_QUAD_METHOD = "tanh-sinh"


def _quad_batch(f, n: int, pts, wp: int):
    """∫ σ(x) He_p(x) φ(x) dx for p ≤ n with mpmath.quad at wp digits.

    mpmath.quad integrates one scalar function; the n+1 integrands share σ(x)φ(x) and the
    recurrence He_{p+1} = x He_p − p He_{p−1}, so the vector (σ He_p φ)_p is computed once per
    node (the node sets coincide across p at fixed precision) and looked up for each p.
    """
    cache: dict = {}
    with mpmath.workdps(wp):
        c0 = 1 / mpmath.sqrt(2 * mpmath.pi)

        def vec(x):
            v = cache.get(x)
            if v is None:
                w = f(x) * mpmath.exp(-x * x / 2) * c0
                v = [w, x * w]
                for k in range(1, n):
                    v.append(x * v[k] - k * v[k - 1])
                cache[x] = v
            return v

        res = []
        for p in range(n + 1):
            val, err = mpmath.quad(lambda x, p=p: vec(x)[p], pts, error=True,
                                   method=_QUAD_METHOD)
            scale = 1 / mpmath.sqrt(mpmath.factorial(p))
            res.append((val * scale, err * scale))
    return res


def _mus_quadrature(act: Activation, n: int, dps: int) -> tuple[Coefficient, ...]:
    d_odd, d_even = _parity_degrees(act.expr)

    def zero_by_symmetry(p: int) -> bool:
        d = d_odd if p % 2 else d_even
        return d is not None and p > d

    f = sp.lambdify(X, act.expr, "mpmath")
    pts = [-mpmath.inf, *sorted(set(act.kinks) | set(_SPLITS)), mpmath.inf]
    wp = dps + n // 6 + 5
    lo = _quad_batch(f, n, pts, wp)
    hi = _quad_batch(f, n, pts, wp + 10)
    out = []
    for p in range(n + 1):
        if zero_by_symmetry(p):
            out.append(Coefficient(p, sp.Integer(0), mpmath.mpf(0), mpmath.mpf(0), "quadrature"))
            continue
        with mpmath.workdps(wp + 10):
            err = abs(hi[p][0] - lo[p][0]) + hi[p][1]
        with mpmath.workdps(dps):
            out.append(Coefficient(p, None, +hi[p][0], +err, "quadrature"))
    return tuple(out)


def quadrature_mus(act: str | Activation, n: int, dps: int = 30) -> list[Coefficient]:
    """μ_0..μ_n by route 4 (quadrature) even when an exact route applies: a cross-check.

    >>> c = quadrature_mus("erf", 1)[1]
    >>> abs(c.approx - mu("erf", 1).approx) <= c.error
    True
    """
    return list(_mus_quadrature(get(act), n, dps))



# ---------------------------------------------------------------------------------------------
# Information exponent, decay, Remark 10
# ---------------------------------------------------------------------------------------------


def _is_nonzero(c: Coefficient, dps: int) -> bool:
    if c.exact:
        return c.value != 0
    return abs(c.approx) > 10 * c.error and abs(c.approx) > mpmath.mpf(10) ** (-dps)


def information_exponent(act: str | Activation, pmax: int = 30, dps: int = 30) -> int | None:
    """Smallest p ≥ 1 with μ_p(σ) ≠ 0 (paper §1.1; h_p = He_p/√(p!)); None if none ≤ pmax.

    Exact coefficients: exact comparison with 0. Quadrature coefficients: nonzero iff
    |approx| > 10·error and |approx| > 10^-dps (so a true zero that symmetry did not reveal is
    read as zero as long as quadrature resolves it, error ~1e-55 at dps = 30).

    >>> information_exponent("relu"), information_exponent("h4"), information_exponent("tanh")
    (1, 4, 1)
    """
    start = 1
    while start <= pmax:  # batches of 10 (as in mu), so a small exponent is found cheaply
        top = min(-(-start // 10) * 10, pmax)
        for c in mus(act, top, dps)[start:]:
            if _is_nonzero(c, dps):
                return c.p
        start = top + 1
    return None


@dataclass(frozen=True)
class DecayFit:
    """Least-squares fit of Assumption 6.2, |μ_p| ≤ C p^{-1-ρ}, over the nonzero μ_p used.

    ``kind``: ``"power"``: ρ from the OLS fit log|μ_p| = a − (1+ρ) log p + b/p + b₂/p²
    (the first two corrections of Stirling-type asymptotics; b₂ only with ≥ 6 points);
    ``rho_stderr`` = √(OLS standard error² + (change of ρ when b₂/p² is added)²), so the
    band covers the model error, which dominates the residual noise for exact data.
    ``"faster than any power"``: the fit log|μ_p| = a − (1+ρ) log p + b/p − κ p has κ > 5
    standard errors and κ·(p_last − p_first) > 0.5 (the geometric factor over the range
    exceeds e^0.5, more than a power-law correction can mimic there); then ρ = inf and
    ``kappa`` is the geometric rate (erf: (1/2) log(3/2) ≈ 0.2027, since μ_p(erf)² =
    (2/π) [z^p] arcsin(z) (2/3)^p).
    ``"finite expansion"`` (σ a polynomial: μ_p = 0 beyond its degree, ρ = inf);
    ``"too few points"``. ``C`` is the smallest constant with |μ_p| ≤ C p^{-1-ρ} for every
    nonzero μ_p, 1 ≤ p ≤ pmax, at the fitted ρ (nan for the non-power kinds).
    """

    rho: float
    rho_stderr: float
    C: float
    p_used: tuple[int, ...]
    kind: str
    kappa: float = math.nan
    kappa_stderr: float = math.nan
    residual_rms: float = math.nan
    notes: tuple[str, ...] = field(default_factory=tuple)


def _ols(A: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    r = y - A @ coef
    dof = max(len(y) - A.shape[1], 1)
    s2 = float(r @ r) / dof
    cov = s2 * np.linalg.inv(A.T @ A)
    return coef, np.sqrt(np.diag(cov)), math.sqrt(float(r @ r) / len(y))


def decay_fit(act: str | Activation, pmin: int = 8, pmax: int = 30, dps: int = 30) -> DecayFit:
    """Fit Assumption 6.2 (|μ_p| ≤ C_σ p^{-1-ρ}; h_p = He_p/√(p!)) over pmin ≤ p ≤ pmax.

    Exact zeros (parity) are skipped; quadrature coefficients count as nonzero as in
    :func:`information_exponent`. Models and the uncertainty band: :class:`DecayFit`. Needs
    ≥ 4 nonzero coefficients (5 for the κ test). ρ ≤ 0 means Assumption 6.2 fails on the
    range (step, sign: |μ_p| ~ p^{-3/4}).

    >>> fit = decay_fit("relu")
    >>> fit.kind, round(fit.rho, 2)
    ('power', 0.25)
    >>> decay_fit("cubic").kind
    'finite expansion'
    """
    a = get(act)
    if a.is_polynomial:
        return DecayFit(math.inf, 0.0, math.nan, (), "finite expansion",
                        notes=(f"polynomial of degree {a.poly.degree()}: μ_p = 0 beyond it",))
    cs = mus(a, pmax, dps)
    used = [c for c in cs[pmin:] if _is_nonzero(c, dps)]
    ps = np.array([c.p for c in used], dtype=float)
    if len(ps) < 4:
        return DecayFit(math.nan, math.nan, math.nan, tuple(int(p) for p in ps), "too few points")
    y = np.log(np.array([abs(float(c)) for c in used]))
    lin = np.column_stack([np.ones_like(ps), -np.log(ps), 1 / ps])
    kappa = kappa_se = math.nan
    if len(ps) >= 5:
        kc, kse, krms = _ols(np.column_stack([lin, -ps]), y)
        kappa, kappa_se = float(kc[3]), float(kse[3])
        if kappa > 5 * kappa_se and kappa * (ps[-1] - ps[0]) > 0.5:
            return DecayFit(math.inf, math.nan, math.nan, tuple(int(p) for p in ps),
                            "faster than any power", kappa, kappa_se, krms,
                            (f"log|μ_p| ≈ a − {kc[1]:.3g} log p + {kc[2]:.3g}/p − {kappa:.4g} p",))
    c3, se3, rms = _ols(lin, y)
    rho, rho_se = float(c3[1]) - 1, float(se3[1])
    if len(ps) >= 6:  # add the next asymptotic order; the change of ρ is the model error
        c4, se4, rms = _ols(np.column_stack([lin, 1 / ps**2]), y)
        rho_se = math.hypot(float(se4[1]), float(c4[1]) - 1 - rho)
        rho = float(c4[1]) - 1
    nz = [c for c in cs[1:] if _is_nonzero(c, dps)]
    C = max(abs(float(c)) * c.p ** (1 + rho) for c in nz)
    return DecayFit(rho, rho_se, C, tuple(int(p) for p in ps), "power", kappa, kappa_se, rms)


def derivative(act: str | Activation) -> Activation:
    """σ' as an :class:`Activation` (a.e. derivative; pieces differentiated piece by piece).

    The Dirac part of a jump (step, sign) is not included: see :func:`remark10`.

    >>> derivative("relu").pieces[1]
    (0, oo, 1)
    """
    a = get(act)
    pieces = None
    if a.pieces is not None:
        pieces = tuple((lo, hi, sp.diff(q, X)) for lo, hi, q in a.pieces)
    d = a.dexpr if pieces is not None else sp.diff(a.expr, X).replace(
        sp.DiracDelta, lambda *_: sp.Integer(0))  # a.e.: the Dirac part of a jump is dropped
    return Activation(f"({a.name})'", d, pieces)


def _jumps(act: Activation) -> list[tuple[sp.Expr, sp.Expr]]:
    """(t, σ(t+) − σ(t−)) at each exact kink t where σ jumps (one-sided sympy limits)."""
    kinks = _exact_kinks(act.expr) if act.pieces is None else [
        lo for lo, _, _ in act.pieces[1:]]
    if kinks is None:
        raise NotImplementedError(f"cannot locate the jumps of {act.name} exactly")
    out = []
    for t in kinks:
        jump = sp.simplify(sp.limit(act.expr, X, t, "+") - sp.limit(act.expr, X, t, "-"))
        if jump != 0:
            out.append((t, jump))
    return out


def remark10(act: str | Activation, p: int, dps: int = 30,
             distributional: bool = False) -> tuple[Coefficient, Coefficient]:
    """(μ_p(σ), μ_{p-1}(σ')/√p): the two sides of Remark 10 (App. A.1, p. 19) as printed.

    h_p = He_p/√(p!). σ' is the a.e. derivative (the paper's setting: σ absolutely
    continuous). With ``distributional=True`` a jump J at t adds J h_{p-1}(t) φ(t) to
    μ_{p-1}(σ') (the Dirac part), which is what makes the identity hold for step and sign
    (jumps located exactly: linear switching arguments; NotImplementedError otherwise).
    The right side is exact when μ_{p-1}(σ') is; else its ``error`` is that of μ_{p-1}(σ')
    scaled by 1/√p.

    >>> lhs, rhs = remark10("relu", 4)
    >>> lhs.value, rhs.value
    (-sqrt(3)/(12*sqrt(pi)), -sqrt(3)/(12*sqrt(pi)))
    """
    if p < 1:
        raise ValueError(f"Remark 10 needs p ≥ 1, got {p}")
    a = get(act)
    lhs = mu(a, p, dps)
    d = mu(derivative(a), p - 1, dps)
    dirac = sp.Integer(0)
    if distributional and a.point_mass_derivative:
        h = h_expr(p - 1)
        dirac = sum((j * h.subs(X, t) * _phi(t) for t, j in _jumps(a)), sp.Integer(0))
    if d.value is not None:
        return lhs, _exact(p, (d.value + dirac) / sp.sqrt(p), d.method, dps)
    with mpmath.workdps(dps):
        r = mpmath.sqrt(p)
        approx = (d.approx + mpmath.mpf(sp.N(dirac, dps + 5))) / r
        return lhs, Coefficient(p, None, approx, d.error / r, d.method)
