r"""Exact Hermite coefficients μ_p(σ) = E[σ(g) h_p(g)] (h_p = He_p/√(p!)) where closed forms exist.

The routes (each returns exact sympy numbers for μ_0..μ_n; :mod:`theory.hermite` picks them):

1. ``polynomial`` — σ a polynomial: ``E[g^m He_p(g)] = m!/(k! 2^k)`` for m = p + 2k, else 0.
2. ``half-moments`` — σ piecewise polynomial with kinks at exact points (Max/Min of any number
   of arguments, Abs, Heaviside, sign, Piecewise, with switching arguments linear in x):
   truncated Gaussian moments ``M_j(a, b) = ∫_a^b x^j φ``, by
   ``M_j = (j − 1) M_{j−2} + a^{j−1}φ(a) − b^{j−1}φ(b)``.
3. ``stein`` — terms ``c x^n exp(−a x²) erf(b x)^e`` (e ∈ {0, 1}): Stein's identity
   ``E[g F(g)] = E[F'(g)]`` gives ``E[g^n erf(βg)]`` recursively.
4. ``gaussian-mgf`` — terms ``P(x) exp(αx + β)`` with α complex, which covers exp, sin, cos, sinh,
   cosh of affine arguments and their products with each other and with polynomials
   (rewritten through exponentials): since ``E[e^{αg} He_p(g)] = e^{α²/2} α^p`` (the generating
   function of He_p against the Gaussian's moment generating function),
   ``E[g^n e^{αg} He_p(g)] = ∂_α^n (e^{α²/2} α^p)``. So ``μ_p(sin(ax)) = e^{−a²/2} a^p/√(p!)``
   for odd p (with the sign ``(−1)^{(p−1)/2}``) and 0 for even p, for every real a, exactly.

:func:`split` divides σ's terms into those an exact route covers and a remainder (which
:mod:`theory.hermite` integrates with certified ball quadrature), since μ_p is linear in σ.
:func:`parity_parts` finds the parity classes of p where the remainder's coefficients are
exact anyway: if the odd part ``(R(x) − R(−x))/2`` is provably (sympy) a polynomial Q, then
μ_p(R) = μ_p(Q) for odd p — zero beyond Q's degree (tanh: even p; sigmoid, whose even part is
1/2: μ_0 = 1/2 and even p ≥ 2 vanish; softplus and silu, whose odd part is x/2: μ_1 = 1/2 and
odd p ≥ 3 vanish).

>>> [str(v) for v in mus_exact(sp.sin(3 * X), 3)]
['0', '3*exp(-9/2)', '0', '-9*sqrt(6)*exp(-9/2)/2']
"""

from __future__ import annotations

import math

import sympy as sp

from theory.activations import NONSMOOTH, X, exact_kinks, switch_args

__all__ = [
    "he_coeffs",
    "mus_polynomial",
    "pieces_of",
    "mus_pieces",
    "gauss_terms",
    "mus_stein",
    "exp_terms",
    "mus_exp",
    "split",
    "parity_parts",
    "mus_exact",
    "phi",
]


def he_coeffs(p: int) -> tuple[int, ...]:
    """Integer coefficients of He_p in ascending powers (A&S 22.3.11), exact.

    >>> he_coeffs(3)
    (0, -3, 0, 1)
    """
    return _he(p)


_HE: dict[int, tuple[int, ...]] = {}


def _he(p: int) -> tuple[int, ...]:
    if p not in _HE:
        c = [0] * (p + 1)
        for k in range(p // 2 + 1):
            c[p - 2 * k] = (-1) ** k * math.factorial(p) // (
                math.factorial(k) * math.factorial(p - 2 * k) * 2**k)
        _HE[p] = tuple(c)
    return _HE[p]


def _norm(p: int) -> sp.Expr:
    return 1 / sp.sqrt(sp.factorial(p))


# --------------------------------------------------------------------------------------------
# Route 1: polynomials
# --------------------------------------------------------------------------------------------


def mus_polynomial(poly: sp.Poly, n: int) -> list[sp.Expr]:
    """μ_p = (1/√p!) Σ_m a_m E[g^m He_p(g)], E[g^m He_p] = m!/(k! 2^k) if m = p + 2k.

    >>> mus_polynomial(sp.Poly(X**3, X), 3)
    [0, 3, 0, sqrt(6)]
    """
    a = {m: c for (m,), c in poly.terms()}
    out = []
    for p in range(n + 1):
        s = sp.Integer(0)
        for m, c in a.items():
            if m >= p and (m - p) % 2 == 0:
                k = (m - p) // 2
                s += c * sp.Integer(math.factorial(m) // (math.factorial(k) * 2**k))
        out.append(sp.expand(s * _norm(p)))
    return out


# --------------------------------------------------------------------------------------------
# Route 2: piecewise polynomials
# --------------------------------------------------------------------------------------------

_PHI0 = 1 / sp.sqrt(2 * sp.pi)


def phi(t: sp.Expr) -> sp.Expr:
    """The standard normal density at t (0 at ±∞), exact."""
    return sp.Integer(0) if t.is_infinite else _PHI0 * sp.exp(-t**2 / 2)


def _cdf(t: sp.Expr) -> sp.Expr:
    if t is sp.oo:
        return sp.Integer(1)
    if t is sp.S.NegativeInfinity:
        return sp.Integer(0)
    return (1 + sp.erf(t / sp.sqrt(2))) / 2


def _truncated_moments(a: sp.Expr, b: sp.Expr, top: int) -> list[sp.Expr]:
    def edge(t: sp.Expr, j: int) -> sp.Expr:
        return sp.Integer(0) if t.is_infinite else t**j * phi(t)

    m = [_cdf(b) - _cdf(a), phi(a) - phi(b)]
    for j in range(2, top + 1):
        m.append(sp.expand((j - 1) * m[j - 2] + edge(a, j - 1) - edge(b, j - 1)))
    return m[: top + 1]


def mus_pieces(pieces, n: int) -> list[sp.Expr]:
    """μ_0..μ_n of a piecewise polynomial given as ``(lo, hi, poly)`` pieces.

    >>> mus_pieces(((-sp.oo, 0, sp.Integer(0)), (0, sp.oo, X)), 2)
    [sqrt(2)/(2*sqrt(pi)), 1/2, 1/(2*sqrt(pi))]
    """
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
    return [sp.expand(v * _norm(p)) for p, v in enumerate(out)]


def pieces_of(expr: sp.Expr):
    """Pieces ``(lo, hi, poly)`` of a piecewise polynomial with linear switching arguments
    (Max/Min of any number of arguments included), or None.

    >>> pieces_of(sp.Max(X, 0, 1 - X))
    ((-oo, 1/2, 1 - x), (1/2, oo, x))
    """
    if not expr.has(*NONSMOOTH):
        return None
    for a in switch_args(expr):
        if a.has(X) and (not a.is_polynomial(X) or sp.Poly(a, X).degree() > 1):
            return None
    pts = exact_kinks(expr)
    edges = [sp.S.NegativeInfinity, *pts, sp.oo]
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
        branch = _branch_at(expr, mid)
        if branch is None or not branch.is_polynomial(X):
            return None
        pieces.append((lo, hi, sp.expand(branch)))
    merged = [pieces[0]]
    for lo, hi, q in pieces[1:]:  # join neighbours with the same polynomial (no kink there)
        if sp.expand(q - merged[-1][2]) == 0:
            merged[-1] = (merged[-1][0], hi, q)
        else:
            merged.append((lo, hi, q))
    return tuple(merged)


def _branch_at(expr: sp.Expr, t: sp.Expr) -> sp.Expr | None:
    """The polynomial that ``expr`` equals on the open piece containing t (t is not a kink)."""
    if not expr.has(X):
        return expr
    if expr == X:
        return X
    if isinstance(expr, (sp.Max, sp.Min)):
        vals = [(a, a.subs(X, t)) for a in expr.args]
        pick = (max if isinstance(expr, sp.Max) else min)(vals, key=lambda av: av[1])[0]
        return _branch_at(pick, t)
    if isinstance(expr, sp.Abs):
        a = expr.args[0]
        return _branch_at(a if a.subs(X, t) > 0 else -a, t)
    if isinstance(expr, sp.Heaviside):
        return sp.Integer(1) if expr.args[0].subs(X, t) > 0 else sp.Integer(0)
    if isinstance(expr, sp.sign):
        return sp.Integer(1) if expr.args[0].subs(X, t) > 0 else sp.Integer(-1)
    if isinstance(expr, sp.Piecewise):
        for e, cond in expr.args:
            if bool(cond.subs(X, t)):
                return _branch_at(e, t)
        return None
    if isinstance(expr, (sp.Add, sp.Mul)):
        parts = [_branch_at(a, t) for a in expr.args]
        if any(q is None for q in parts):
            return None
        return sp.expand(expr.func(*parts))
    if isinstance(expr, sp.Pow) and expr.exp.is_Integer and expr.exp >= 0:
        b = _branch_at(expr.base, t)
        return None if b is None else sp.expand(b**expr.exp)
    return None


# --------------------------------------------------------------------------------------------
# Route 3: x^n exp(-a x²) erf(b x)^e, by Stein's identity
# --------------------------------------------------------------------------------------------


def gauss_terms(expr: sp.Expr):
    """Terms (c, n, a, b) with σ = Σ c x^n exp(−a x²) erf(b x) (b = None: no erf), or None."""
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
    """E[g^n exp(−a g²) erf(b g)] = s^{n+1} E[y^n erf(b s y)], s = (1 + 2a)^{−1/2}."""
    key = (n, a, b)
    if key in memo:
        return memo[key]
    s = 1 / sp.sqrt(1 + 2 * a)
    if b is None:
        v = s ** (n + 1) * sp.factorial2(n - 1) if n % 2 == 0 else sp.Integer(0)
    elif n % 2 == 0:
        v = sp.Integer(0)
    else:
        beta = b * s
        if n == 1:
            v = s**2 * 2 * beta / sp.sqrt(sp.pi * (1 + 2 * beta**2))
        else:
            f_prev = _gauss_moment(n - 2, sp.Integer(0), beta, memo)
            f = (n - 1) * f_prev + 2 * beta / sp.sqrt(sp.pi) * _gauss_moment(
                n - 1, beta**2, None, memo)
            v = s ** (n + 1) * f
    memo[key] = sp.expand(v)
    return memo[key]


def mus_stein(terms, n: int) -> list[sp.Expr]:
    """μ_0..μ_n of Σ c x^n exp(−a x²) erf(b x) (route 3)."""
    memo: dict = {}
    out = []
    for p in range(n + 1):
        he = he_coeffs(p)
        s = sp.Integer(0)
        for c, m, a, b in terms:
            for j, hj in enumerate(he):
                if hj:
                    s += c * hj * _gauss_moment(m + j, a, b, memo)
        out.append(sp.expand(s * _norm(p)))
    return out


# --------------------------------------------------------------------------------------------
# Route 4: P(x) exp(αx + β), α complex (exp, sin, cos, sinh, cosh of affine arguments)
# --------------------------------------------------------------------------------------------

_TRIG = (sp.sin, sp.cos, sp.sinh, sp.cosh, sp.exp)


def _affine(e: sp.Expr) -> bool:
    return e.is_polynomial(X) and sp.Poly(e, X).degree() <= 1


def exp_terms(expr: sp.Expr):
    """Terms (c, n, α) with σ = Σ c x^n e^{αx} (c, α complex constants), or None.

    Accepted: sums of products of a constant, powers of x, and exp/sin/cos/sinh/cosh of
    affine arguments (and integer powers of those).

    >>> exp_terms(sp.cos(2 * X))
    [(1/2, 0, -2*I), (1/2, 0, 2*I)]
    """
    if not expr.has(*_TRIG):
        return None
    for node in sp.preorder_traversal(expr):
        if isinstance(node, _TRIG) and not _affine(node.args[0]):
            return None
        if isinstance(node, sp.Function) and not isinstance(node, _TRIG):
            return None
        if isinstance(node, sp.Pow) and node.base.has(X) and not (
                node.exp.is_Integer and node.exp >= 0):
            return None
    e = sp.expand(expr.rewrite(sp.exp))
    acc: dict[tuple[int, sp.Expr], sp.Expr] = {}
    for t in sp.Add.make_args(e):
        c, n, alpha = sp.Integer(1), 0, sp.Integer(0)
        for f in sp.Mul.make_args(t):
            if not f.has(X):
                c *= f
            elif f == X:
                n += 1
            elif isinstance(f, sp.Pow) and f.base == X and f.exp.is_Integer and f.exp > 0:
                n += int(f.exp)
            elif isinstance(f, sp.exp) and _affine(f.args[0]):
                q = sp.Poly(f.args[0], X)
                alpha += q.coeff_monomial(X)
                c *= sp.exp(q.coeff_monomial(1))
            elif isinstance(f, sp.Pow) and isinstance(f.base, sp.exp) and f.exp.is_Integer:
                q = sp.Poly(f.base.args[0] * f.exp, X)
                alpha += q.coeff_monomial(X)
                c *= sp.exp(q.coeff_monomial(1))
            else:
                return None
        key = (n, sp.expand(alpha))
        acc[key] = acc.get(key, sp.Integer(0)) + c
    return sorted([(c, n, a) for (n, a), c in acc.items() if c != 0],
                  key=lambda t: (t[1], sp.default_sort_key(t[2])))


_T = sp.Symbol("t")


def mus_exp(terms, n: int) -> list[sp.Expr]:
    """μ_0..μ_n of Σ c x^m e^{αx}: ``E[g^m e^{αg} He_p(g)] = ∂_α^m (e^{α²/2} α^p)`` (route 4).

    >>> [str(v) for v in mus_exp([(1, 0, 2)], 2)]    # exp(2x): μ_p = e² 2^p/√(p!)
    ['exp(2)', '2*exp(2)', '2*sqrt(2)*exp(2)']
    """
    out = []
    for p in range(n + 1):
        gen = sp.exp(_T**2 / 2) * _T**p
        s = sp.Integer(0)
        for c, m, a in terms:
            s += c * sp.diff(gen, _T, m).subs(_T, a)
        v = sp.expand(s * _norm(p))
        if v.has(sp.I):
            re, im = v.as_real_imag()
            if sp.simplify(im) != 0:  # pragma: no cover - σ real forces a real μ_p
                raise ValueError(f"μ_{p} came out complex: {v}")
            v = sp.expand(sp.simplify(re)) if re.has(sp.I) else sp.expand(re)
        out.append(v)
    return out


# --------------------------------------------------------------------------------------------
# Splitting σ into exact terms and a remainder; parity of the remainder
# --------------------------------------------------------------------------------------------


def _term_route(t: sp.Expr):
    if t.is_polynomial(X):
        return "polynomial"
    if pieces_of(t) is not None:
        return "half-moments"
    if gauss_terms(t) is not None:
        return "stein"
    if exp_terms(t) is not None:
        return "gaussian-mgf"
    return None


def split(expr: sp.Expr) -> tuple[list[tuple[str, sp.Expr]], sp.Expr]:
    """σ's terms as ([(route, term), …], remainder): each listed term has exact coefficients
    by the named route; the remainder (0 if none) needs quadrature.

    >>> split(sp.sin(1000 * X) + sp.tanh(X) + X**2)
    ([('polynomial', x**2), ('gaussian-mgf', sin(1000*x))], tanh(x))
    """
    whole = _term_route(expr)
    if whole is not None:
        return [(whole, expr)], sp.Integer(0)
    exact: dict[str, sp.Expr] = {}
    rest = sp.Integer(0)
    for t in sp.Add.make_args(expr):
        r = _term_route(t)
        if r is None:
            rest += t
        else:
            exact[r] = exact.get(r, sp.Integer(0)) + t
    order = ["polynomial", "half-moments", "stein", "gaussian-mgf"]
    return [(r, exact[r]) for r in order if r in exact], rest


def mus_exact(expr: sp.Expr, n: int, route: str | None = None) -> list[sp.Expr]:
    """μ_0..μ_n of a term with an exact route (``route`` as :func:`split` names it)."""
    route = route or _term_route(expr)
    if route == "polynomial":
        return mus_polynomial(sp.Poly(expr, X), n)
    if route == "half-moments":
        return mus_pieces(pieces_of(expr), n)
    if route == "stein":
        return mus_stein(gauss_terms(expr), n)
    if route == "gaussian-mgf":
        return mus_exp(exp_terms(expr), n)
    raise ValueError(f"no exact route for {expr}")


def parity_parts(expr: sp.Expr) -> tuple[sp.Expr | None, sp.Expr | None]:
    """(Q_odd, Q_even): the odd/even part of ``expr`` when sympy proves it a polynomial
    (``0`` for a vanishing part), else None. Expressions of more than 60 operations are not
    tried (``simplify`` may take long): no exact value is claimed for them.

    >>> parity_parts(sp.log(1 + sp.exp(X)))
    (x/2, None)
    """
    if sp.count_ops(expr) > 60:
        return None, None
    out: list[sp.Expr | None] = []
    for sgn in (-1, 1):
        part = (expr + sgn * expr.subs(X, -X)) / 2
        part = sp.expand(part)
        if part == 0 or part.is_polynomial(X):
            out.append(sp.expand(part))
            continue
        if not _looks_polynomial(part):  # saves sympy's simplify, which would fail anyway
            out.append(None)
            continue
        part = sp.simplify(part.rewrite(sp.exp))
        out.append(sp.expand(part) if part == 0 or part.is_polynomial(X) else None)
    return out[0], out[1]


def _looks_polynomial(e: sp.Expr, degree: int = 8) -> bool:
    """A quick numerical filter (not a proof): does e agree at 3 more points with the
    polynomial of degree ≤ ``degree`` through ``degree + 1`` points (40 digits)? Only when it
    does is sympy asked to prove that e is a polynomial; a "no" only costs an exact value."""
    import mpmath

    try:
        f = sp.lambdify(X, e, modules="mpmath")
        with mpmath.workdps(40):
            xs = [mpmath.mpf(j) / 4 - 1 for j in range(degree + 4)]
            ys = [f(x) for x in xs]
            if any(not mpmath.isfinite(y) or mpmath.im(y) != 0 for y in ys):
                return True  # undecided: let sympy try
            n = degree + 1
            scale = max(abs(y) for y in ys) + 1
            for x, y in zip(xs[n:], ys[n:], strict=True):
                lag = mpmath.mpf(0)  # Lagrange interpolation through the first n points
                for i in range(n):
                    w = mpmath.mpf(1)
                    for j in range(n):
                        if j != i:
                            w *= (x - xs[j]) / (xs[i] - xs[j])
                    lag += ys[i] * w
                if abs(lag - y) > mpmath.mpf(10) ** -25 * scale:
                    return False
        return True
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return True
