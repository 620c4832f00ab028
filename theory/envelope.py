r"""Growth envelopes of activations, and the Gaussian tails they bound (proved, not estimated).

A certified Gaussian expectation ``E[f(g) He_p(g)]`` is a quadrature over a finite interval
``[−L, L]`` (ball arithmetic, :mod:`theory.gauss`) plus the two tails ``|x| > L``, which must be
bounded by proof. The bound comes from an **envelope** read off the expression tree of f:

    |f(x)| ≤ A · (1 + |x|)^n · exp(a x² + b |x|)      for every real x,        (E)

with constants ``A, n, a, b ≥ 0`` (:class:`Envelope`; A, a, b are arb balls used through their
upper ends, n a rational). The rules, one per node, each a one-line inequality:

* constant c: ``A = |c|``; the variable x: ``|x| ≤ 1 + |x|`` (n = 1).
* sum: ``A = Σ A_i``, ``n = max n_i``, ``a = max a_i``, ``b = max b_i`` — each term is at most
  its own envelope, and ``(1 + |x|)^{n_i} ≤ (1 + |x|)^n`` and ``e^{a_i x² + b_i|x|} ≤
  e^{a x² + b|x|}`` because ``1 + |x| ≥ 1`` and the exponents are ≥ 0. Max, Min, Abs and the
  branches of a Piecewise use the same rule (``|max(u, v)| ≤ |u| + |v|``).
* product: ``A = Π A_i``, ``n = Σ n_i``, ``a = Σ a_i``, ``b = Σ b_i``.
* positive power ``u^q`` (q > 0; sqrt is q = 1/2): ``A^q, q n, q a, q b``, as t ↦ t^q is
  increasing on [0, ∞). Negative power ``u^{−q}``: ``|u|^{−q} ≤ δ^{−q}`` where ``δ > 0`` is a
  proved lower bound of u (:func:`lower`; the parser accepts a division only by such u).
* bounded functions: ``|sin|, |cos|, |tanh|, |erf|, Heaviside, |sign| ≤ 1``, ``|erfc| ≤ 2``,
  ``|atan| ≤ π/2``.
* ``exp(u)``: from an upper bound of u (not of |u|): for u = c₂x² + c₁x + c₀,
  ``u ≤ c₀ + |c₁||x| + max(c₂, 0) x²``; for a polynomial of even degree D > 2 with negative
  leading coefficient −c, ``u ≤ max(0, Σ_{j<D} |c_j| R^j)`` with ``R = max(1, Σ_{j<D}|c_j|/c)``
  (for |x| ≥ R the leading term dominates, so u ≤ 0; for |x| ≤ R bound each term); a constant
  times a provably non-negative v, with a negative constant: ``u ≤ 0``; a sum: the sum of the
  terms' upper bounds; otherwise from |u| ≤ A(1 + |x|)^n with a = b = 0: n ≤ 1 gives
  ``u ≤ A + A|x|``, n ≤ 2 gives ``u ≤ 2A + 2A x²`` (as (1 + |x|)² ≤ 2 + 2x²).
  ``sinh u``, ``cosh u``: ``≤ e^{|u|}``, bounded as exp of the envelope of |u| above.
* ``log(u)`` with ``u ≥ δ > 0`` and u's envelope: ``log u ≤ log⁺A + n|x| + b|x| + a x²``
  (log(1 + |x|) ≤ |x|) and ``log u ≥ log δ``, so ``|log u| ≤ K (1 + |x|)^2`` (degree 1 when
  a = 0) with ``K = log⁺(1/δ) + log⁺A + n + b + a``.

The tail integral is then exact for the envelope (:func:`gauss_tail`): with
``|He_p(x)| ≤ Σ_j |c_j| |x|^j`` (the coefficients of He_p taken in absolute value) and
``(1 + x)^n ≤ (1 + x)^{⌈n⌉}``, ``∫_L^∞ |f He_p| φ ≤ (A/√(2π)) Σ_k d_k ∫_L^∞ x^k e^{−αx² + bx} dx``,
``α = 1/2 − a > 0``, and completing the square (``x = y + x₀``, ``x₀ = b/(2α) ≤ L``)
``∫_L^∞ x^k e^{−αx²+bx} dx = e^{b²/(4α)} Σ_i C(k, i) x₀^{k−i} J_i``,
``J_i = Γ((i+1)/2, α(L − x₀)²)/(2α^{(i+1)/2})``,
evaluated in ball arithmetic (arb's upper incomplete Γ). The same for x < −L by symmetry of (E).

>>> import sympy as sp
>>> from theory.activations import X
>>> envelope(sp.tanh(X))
Envelope(A=1, n=0, a=0, b=0)
>>> envelope(sp.log(1 + sp.exp(X)))      # softplus: |σ(x)| ≤ (log 2 + 1)(1 + |x|)
Envelope(A=1.69315, n=1, a=0, b=0)
>>> envelope(X**3 * sp.exp(X / 2))
Envelope(A=1, n=3, a=0, b=0.5)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp
from flint import arb

from theory.activations import X, as_expr
from theory.balls import enclose

__all__ = ["Envelope", "EnvelopeError", "envelope", "lower", "gauss_tail", "tail_cutoff"]


class EnvelopeError(ValueError):
    """No envelope (E) with a < 1/2 could be proved for this expression."""


def _up(v) -> arb:
    """An exact arb number ≥ v (upper end of the ball)."""
    return arb(arb(v).upper())


def _lo(v) -> arb:
    return arb(arb(v).lower())


def _short(v: arb) -> str:
    return f"{float(v.mid()):.6g}"


@dataclass(frozen=True)
class Envelope:
    """|f(x)| ≤ A (1 + |x|)^n exp(a x² + b|x|) for every real x (module docstring).

    A, a, b are exact arb numbers (upper bounds); n a non-negative Fraction.
    """

    A: arb
    n: Fraction
    a: arb
    b: arb

    def __repr__(self) -> str:
        return (f"Envelope(A={_short(self.A)}, n={self.n}, a={_short(self.a)}, "
                f"b={_short(self.b)})")

    def __post_init__(self):
        object.__setattr__(self, "A", _up(self.A))
        object.__setattr__(self, "a", _up(self.a))
        object.__setattr__(self, "b", _up(self.b))


def _const(c) -> Envelope:
    return Envelope(arb(abs(c).upper()) if isinstance(c, arb) else arb(c), Fraction(0),
                    arb(0), arb(0))


_ONE = None


def _bounded(m) -> Envelope:
    return Envelope(arb(m), Fraction(0), arb(0), arb(0))


def _sum(envs) -> Envelope:
    A = arb(0)
    for e in envs:
        A += e.A
    return Envelope(A, max(e.n for e in envs), _max([e.a for e in envs]),
                    _max([e.b for e in envs]))


def _max(vals):
    out = vals[0]
    for v in vals[1:]:
        out = out.max(v)
    return out


def _prod(envs) -> Envelope:
    A, a, b, n = arb(1), arb(0), arb(0), Fraction(0)
    for e in envs:
        A *= e.A
        a += e.a
        b += e.b
        n += e.n
    return Envelope(A, n, a, b)


def _power(e: Envelope, q: Fraction) -> Envelope:
    qa = arb(q.numerator) / q.denominator
    return Envelope(e.A ** qa, e.n * q, e.a * qa, e.b * qa)


def envelope(expr: sp.Expr) -> Envelope:
    """An envelope (E) of ``expr`` (an expression in :data:`theory.activations.X`), by the rules
    of the module docstring. Raises :class:`EnvelopeError` when none is proved.

    >>> envelope(sp.Max(X, 0) + 3 * sp.erf(X))
    Envelope(A=4, n=1, a=0, b=0)
    >>> envelope(X * sp.exp(X**2 / 8))
    Envelope(A=1, n=1, a=0.125, b=0)
    """
    return _env(as_expr(expr))


def _env(e: sp.Expr) -> Envelope:  # noqa: C901 - one dispatch over node types
    if not e.has(X):
        return _const(abs(enclose(e)))
    if e == X:
        return Envelope(arb(1), Fraction(1), arb(0), arb(0))
    if isinstance(e, (sp.sin, sp.cos, sp.tanh, sp.erf, sp.Heaviside, sp.sign)):
        return _bounded(1)
    if isinstance(e, sp.erfc):
        return _bounded(2)
    if isinstance(e, sp.atan):
        return Envelope(arb.pi() / 2, Fraction(0), arb(0), arb(0))
    if isinstance(e, (sp.Add, sp.Max, sp.Min)):
        return _sum([_env(t) for t in e.args])
    if isinstance(e, sp.Abs):
        return _env(e.args[0])
    if isinstance(e, sp.Piecewise):
        return _sum([_env(v) for v, _ in e.args])
    if isinstance(e, sp.Mul):
        return _prod([_env(t) for t in e.args])
    if isinstance(e, sp.Pow):
        base, q = e.base, e.exp
        if q.has(X) or not q.is_Rational:
            raise EnvelopeError(f"no envelope for the power {e}")
        qf = Fraction(int(q.p), int(q.q))
        if isinstance(base, sp.exp):
            return _env(sp.exp(base.args[0] * q))
        if qf > 0:
            return _power(_env(base), qf)
        d = lower(base)
        if not d > 0:
            raise EnvelopeError(f"cannot prove {base} ≥ δ > 0 (needed for {e})")
        return Envelope(d ** (arb(qf.numerator) / qf.denominator), Fraction(0), arb(0), arb(0))
    if isinstance(e, sp.exp):
        return _exp_env(e.args[0])
    if isinstance(e, (sp.sinh, sp.cosh)):
        u = _env(e.args[0])
        return _exp_of_abs(u, e)
    if isinstance(e, sp.log):
        u = e.args[0]
        d = lower(u)
        if not d > 0:
            raise EnvelopeError(f"cannot prove {u} ≥ δ > 0 (needed for log)")
        eu = _env(u)
        logA = eu.A.log().max(arb(0))
        loginv = (1 / d).log().max(arb(0))
        nb = arb(eu.n.numerator) / eu.n.denominator + eu.b
        K = loginv + logA + nb + eu.a
        deg = Fraction(2) if eu.a > 0 else (Fraction(1) if nb > 0 else Fraction(0))
        return Envelope(K, deg, arb(0), arb(0))
    raise EnvelopeError(f"no envelope rule for {type(e).__name__}")


def _exp_of_abs(u: Envelope, e) -> Envelope:
    """exp(v) for |v| ≤ u's envelope with a = b = 0 and n ≤ 2 (module docstring)."""
    if not (u.a == 0 and u.b == 0):
        raise EnvelopeError(f"growth too fast for an envelope: {e}")
    if u.n <= 1:
        return Envelope(u.A.exp(), Fraction(0), arb(0), u.A)
    if u.n <= 2:
        return Envelope((2 * u.A).exp(), Fraction(0), 2 * u.A, arb(0))
    raise EnvelopeError(f"growth too fast for an envelope: {e}")


def _upper_exponent(u: sp.Expr) -> tuple[arb, arb, arb]:
    """(c, β, α) with u(x) ≤ c + β|x| + α x² for every real x, α, β ≥ 0 (module docstring)."""
    if not u.has(X):
        return enclose(u), arb(0), arb(0)
    if u.is_polynomial(X):
        p = sp.Poly(u, X)
        deg = p.degree()
        cs = [enclose(p.coeff_monomial(X**j)) for j in range(deg + 1)]
        if deg <= 2:
            c2 = cs[2] if deg == 2 else arb(0)
            return cs[0], abs(cs[1]) if deg >= 1 else arb(0), c2.max(arb(0))
        lead = cs[deg]
        if deg % 2 == 0 and lead < 0:
            c = -lead
            s = arb(0)
            for j in range(deg):
                s += abs(cs[j])
            R = (s / c).max(arb(1))
            tot = arb(0)
            for j in range(deg):
                tot += abs(cs[j]) * R**j
            return tot.max(arb(0)), arb(0), arb(0)
        raise EnvelopeError(f"exp of a polynomial growing like x^{deg}: no Gaussian envelope")
    if isinstance(u, sp.Add):
        c, b, a = arb(0), arb(0), arb(0)
        poly = sp.Add(*[t for t in u.args if t.is_polynomial(X)])
        rest = [t for t in u.args if not t.is_polynomial(X)]
        for t in ([poly] if poly != 0 else []) + rest:
            ci, bi, ai = _upper_exponent(t)
            c, b, a = c + ci, b + bi, a + ai
        return c, b, a
    if isinstance(u, sp.Mul):
        const = sp.Mul(*[t for t in u.args if not t.has(X)])
        rest = sp.Mul(*[t for t in u.args if t.has(X)])
        if const.is_negative and _nonnegative(rest):
            return arb(0), arb(0), arb(0)
        if const.is_positive and _nonpositive(rest):
            return arb(0), arb(0), arb(0)
    env = _env(u)
    if env.a == 0 and env.b == 0 and env.n <= 1:
        return env.A, env.A, arb(0)
    if env.a == 0 and env.b == 0 and env.n <= 2:
        return 2 * env.A, arb(0), 2 * env.A
    raise EnvelopeError(f"cannot bound the exponent {u} by a quadratic")


def _exp_env(u: sp.Expr) -> Envelope:
    c, b, a = _upper_exponent(u)
    return Envelope(c.exp(), Fraction(0), a, b)


def _nonnegative(e: sp.Expr) -> bool:
    if not e.has(X):
        return bool(e.is_nonnegative)
    if isinstance(e, (sp.Abs, sp.exp, sp.Heaviside)):
        return True
    if isinstance(e, sp.Pow) and e.exp.is_Rational:
        if e.exp.is_Integer and int(e.exp) % 2 == 0:
            return True
        return _nonnegative(e.base)
    if isinstance(e, (sp.Add, sp.Mul)):
        return all(_nonnegative(t) for t in e.args)
    if isinstance(e, sp.Max):
        return any(_nonnegative(t) for t in e.args)
    return False


def _nonpositive(e: sp.Expr) -> bool:
    return _nonnegative(-e) if not isinstance(e, sp.Mul) else False


def lower(e: sp.Expr) -> arb:
    """A proved lower bound δ of e(x) over all real x (0 when none > 0 is found).

    Rules: constants; exp, Abs, even powers ≥ 0; sums of lower bounds; products of
    non-negative factors; positive powers of positive bases; an even polynomial with positive
    leading coefficient and no real root: its minimum over the critical points, each isolated
    in an exact rational interval (sympy) and evaluated in ball arithmetic.

    >>> lower(1 + sp.exp(-X)).str(3), lower(X**2 - 2*X + 2).str(3)
    ('1.00', '1.00')
    """
    e = as_expr(e)
    if not e.has(X):
        v = enclose(e)
        return _lo(v).max(arb(0)) if v > 0 else arb(0)
    if isinstance(e, (sp.exp, sp.Abs)):
        return arb(0)
    if e.is_polynomial(X):
        return _poly_lower(sp.Poly(e, X))
    if isinstance(e, sp.Add):
        s = arb(0)
        for t in e.args:
            if t.has(X) and not _nonnegative(t):
                return arb(0)
            s += lower(t) if t.has(X) else enclose(t)
        return _lo(s).max(arb(0))
    if isinstance(e, sp.Mul):
        s = arb(1)
        for t in e.args:
            s *= lower(t)
        return _lo(s).max(arb(0))
    if isinstance(e, sp.Pow) and e.exp.is_Rational and e.exp > 0:
        return _lo(lower(e.base) ** enclose(e.exp))
    return arb(0)


def _poly_lower(p: sp.Poly) -> arb:
    deg = p.degree()
    if deg <= 0:
        v = enclose(p.as_expr())
        return _lo(v).max(arb(0))
    if deg % 2 or p.LC() <= 0:
        return arb(0)
    cands = []
    for (lo, hi), _ in p.diff(X).intervals():
        t = arb(int(sp.Rational(lo).p)) / int(sp.Rational(lo).q)
        t = t.union(arb(int(sp.Rational(hi).p)) / int(sp.Rational(hi).q))
        f = arb(0)
        for (j,), c in p.terms():
            f += enclose(c) * t**j
        cands.append(f)
    m = _max([-c for c in cands])
    return _lo(-m).max(arb(0))


def _he_abs(p: int) -> list[int]:
    """|coefficients| of He_p in ascending powers (|He_p(x)| ≤ Σ_j |c_j| |x|^j)."""
    from theory.hermite import he_coeffs

    return [abs(c) for c in he_coeffs(p)]


def _poly_mul(a: list, b: list) -> list:
    out = [0] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        if x:
            for j, y in enumerate(b):
                out[i + j] += x * y
    return out


def gauss_tail(env: Envelope, p: int, L: arb, power: int = 1) -> arb:
    """Upper bound of ``∫_{|x|>L} |f(x)|^power |He_p(x)| φ(x) dx`` from the envelope of f
    (module docstring; ``power`` 1 or 2: E[f²] uses 2). Needs ``power·a < 1/2`` and
    ``L ≥ x₀ = power·b/(2α)``; raises :class:`EnvelopeError` otherwise.

    >>> e = envelope(sp.tanh(X))
    >>> t = gauss_tail(e, 0, arb(8))          # ≤ 2·P(g > 8) = erfc(8/√2)
    >>> bool(t > arb(8 / 2**0.5).erfc()) and bool(t < 2 * arb(8 / 2**0.5).erfc())
    True
    """
    A = env.A ** power
    a = env.a * power
    b = env.b * power
    N = math.ceil(env.n * power)
    alpha = _lo(arb(1) / 2 - a)
    if not alpha > 0:
        raise EnvelopeError("the envelope grows like exp(x²/2) or faster: no Gaussian tail")
    x0 = _up(b / (2 * alpha))
    if not L >= x0:
        raise EnvelopeError("cut-off below the envelope's peak")
    binom = [math.comb(N, j) for j in range(N + 1)]
    d = _poly_mul(binom, _he_abs(p))
    L1 = L - x0
    z = alpha * L1 * L1
    J = []
    for i in range(len(d)):
        s = arb(i + 1) / 2
        J.append(z.gamma_upper(s) / (2 * alpha ** s) if z > 0 else
                 arb(s).gamma() / (2 * alpha ** s))
    total = arb(0)
    for k, dk in enumerate(d):
        if not dk:
            continue
        inner = arb(0)
        for i in range(k + 1):
            inner += math.comb(k, i) * x0 ** (k - i) * J[i]
        total += dk * inner
    val = 2 * A * (b * b / (4 * alpha)).exp() * total / (2 * arb.pi()).sqrt()
    return _up(val)


def tail_cutoff(env: Envelope, p: int, target: arb, power: int = 1,
                start: float = 6.0, limit: float = 2000.0) -> tuple[arb, arb]:
    """The smallest cut-off L on a grid of steps 1/2 from ``start`` (and beyond the envelope's
    peak) whose tail bound is ≤ ``target``; returns (L, bound). EnvelopeError past ``limit``.

    >>> L, t = tail_cutoff(envelope(sp.tanh(X)), 30, arb("1e-30"))
    >>> float(L), bool(t <= arb("1e-30"))
    (20.5, True)
    """
    a = env.a * power
    alpha = _lo(arb(1) / 2 - a)
    if not alpha > 0:
        raise EnvelopeError("the envelope grows like exp(x²/2) or faster: no Gaussian tail")
    x0 = float((env.b * power / (2 * alpha)).upper())
    L = max(start, math.ceil(2 * x0) / 2 + 0.5)
    while L <= limit:
        t = gauss_tail(env, p, arb(L), power)
        if t <= target:
            return arb(L), t
        # step faster when far: the bound falls like exp(−α(L − x0)²)
        L += 0.5 if t < target * 1e6 else max(0.5, math.floor(0.25 * (L - x0) * 2) / 2)
    raise EnvelopeError(f"no cut-off up to {limit} brings the Gaussian tail below the target")
