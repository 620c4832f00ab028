"""Ball arithmetic for the project's expressions: sympy trees evaluated by python-flint's arb/acb.

A ball ``[m ± r]`` contains the true value; every operation of arb returns a ball containing
every possible result, so a value computed here carries a proved error bound (its radius).
This module translates the sympy expressions the project builds (activations, their
derivatives, exact Hermite coefficients, closed-form kernels) into functions on balls:

* :func:`enclose` — a constant sympy expression (``sqrt(2)/(2*sqrt(pi))``, ``exp(-5*10**11)``)
  as an :class:`flint.arb` ball at the current precision; the tool for printing exact values to
  any number of digits, far beyond float64's range.
* :func:`acb_function` — an expression in one symbol as a function ``f(z, analytic)`` in the
  form :func:`flint.acb.integral` needs (see its documentation): on a complex ball ``z`` it
  returns a ball containing ``f(z)``, and when ``analytic`` is true it returns a non-finite
  ball unless f is holomorphic on the whole of ``z``. That flag is what makes a quadrature of a
  kinked or branched integrand rigorous: ``Abs``, ``Max``, ``Min``, ``Heaviside``, ``sign`` and
  ``Piecewise`` are evaluated through acb's piecewise-analytic extensions (``real_abs``,
  ``real_max``, ``real_heaviside``, ...), which refuse a ball that straddles the switching point;
  ``sqrt``, ``log`` and non-integer powers refuse a ball that touches their branch cut
  (the negative real axis). Meromorphic functions (``tanh``, quotients) need no flag: a ball
  containing a pole evaluates to a non-finite ball.

Hand-written because no library maps sympy to python-flint (sympy's ``lambdify`` has no flint
printer, and it would not handle the analytic flag).

>>> from flint import arb, acb, ctx
>>> import sympy as sp
>>> enclose(sp.sqrt(2) / 2).str(10)
'[0.7071067812 +/- 1.35e-11]'
>>> x = sp.Symbol("x", real=True)
>>> f = acb_function(sp.Abs(x), x)
>>> acb.integral(f, -1, 1).real.str(10)   # ∫|x| over [-1, 1], split where |x| is not analytic
'[1.000000000 +/- 1.3e-14]'
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import sympy as sp
from flint import acb, arb, ctx

__all__ = ["BallError", "enclose", "acb_function", "acb_function_of", "arb_function", "to_mpf",
           "decimal", "float_bound", "float_ball"]


class BallError(ValueError):
    """An expression contains something this module cannot evaluate on balls."""


def _nonfinite() -> acb:
    return acb(arb.nan(), arb.nan())


def _number(e: sp.Expr) -> acb:
    """A sympy number (Integer, Rational, Float) as an exact or correctly rounded ball."""
    if isinstance(e, sp.Integer):
        return acb(int(e))
    if isinstance(e, sp.Rational):
        return acb(arb(int(e.p)) / int(e.q))
    if isinstance(e, sp.Float):  # a binary float: sign, mantissa, exponent are exact
        sign, man, ex, _ = e._mpf_
        return acb((-1) ** sign * arb(int(man)) * arb(2) ** int(ex))
    raise BallError(f"not a number: {e}")


def _real_part_sign(z: acb) -> int:
    """+1 / −1 if the real part of the ball is certainly > 0 / < 0, else 0."""
    re = z.real
    if re > 0:
        return 1
    if re < 0:
        return -1
    return 0


def _touches_cut(z: acb) -> bool:
    """True when the ball may meet the branch cut (−∞, 0] of the principal log/sqrt."""
    return not (z.real > 0) and z.imag.contains(0)


def _component(i: int):
    return lambda z, a: z[i]


class _Compiler:
    """Builds a closure f(z, analytic) -> acb for a sympy tree in the symbol ``x``."""

    def __init__(self, x: sp.Symbol | tuple[sp.Symbol, ...]):
        self.x = x
        if isinstance(x, tuple):  # several variables: z is a tuple of balls
            self.vars = {s: _component(i) for i, s in enumerate(x)}
        else:
            self.vars = {x: lambda z, a: z}

    def build(self, e: sp.Expr) -> Callable[[acb, bool], acb]:  # noqa: C901 - one dispatch
        if e in self.vars:
            return self.vars[e]
        if e.is_Number or e in (sp.pi, sp.E, sp.I):
            return _constant(e)
        args = [self.build(t) for t in e.args] if not isinstance(e, sp.Piecewise) else None
        if isinstance(e, sp.Add):
            def add(z, a, fs=args):
                s = fs[0](z, a)
                for f in fs[1:]:
                    s = s + f(z, a)
                return s
            return add
        if isinstance(e, sp.Mul):
            def mul(z, a, fs=args):
                s = fs[0](z, a)
                for f in fs[1:]:
                    s = s * f(z, a)
                return s
            return mul
        if isinstance(e, sp.Pow):
            base, ex = args[0], e.exp
            if ex.free_symbols & set(self.vars):
                raise BallError("exponent depends on x")
            if ex.is_Integer:
                n = int(ex)
                if n >= 0:
                    return lambda z, a: base(z, a) ** n
                return lambda z, a: 1 / base(z, a) ** (-n)
            if ex == sp.Rational(1, 2):
                return lambda z, a: base(z, a).sqrt(analytic=a)
            if ex == sp.Rational(-1, 2):
                return lambda z, a: base(z, a).rsqrt(analytic=a)
            qf = self.build(ex)

            def power(z, a):
                q = qf(z, a)
                b = base(z, a)
                if a and _touches_cut(b):
                    return _nonfinite()
                if not a and b.imag == 0 and b.real.contains(0) and ex > 0:
                    # a real ball around 0: |b|^q ≤ rad^q, and b^q ≥ 0 on [0, ∞)
                    hi = arb(abs(b.real).upper()) ** q.real
                    return acb(arb(0).union(hi))
                return b.pow(q, analytic=a)
            return power
        name = type(e).__name__
        if isinstance(e, sp.exp):
            return lambda z, a: args[0](z, a).exp()
        if isinstance(e, sp.log):
            return lambda z, a: args[0](z, a).log(analytic=a)
        simple = {"sin": "sin", "cos": "cos", "tan": "tan", "tanh": "tanh", "sinh": "sinh",
                  "cosh": "cosh", "erf": "erf", "erfc": "erfc", "atan": "atan", "sech": "sech",
                  "asinh": "asinh"}
        if name in simple:
            meth = simple[name]
            return lambda z, a: getattr(args[0](z, a), meth)()
        if isinstance(e, (sp.asin, sp.acos)):
            meth = "asin" if isinstance(e, sp.asin) else "acos"

            def arc(z, a):
                w = args[0](z, a)
                # branch cuts (−∞, −1] and [1, ∞): analytic only away from them
                if a and not (abs(w.real) < 1) and w.imag.contains(0):
                    return _nonfinite()
                return getattr(w, meth)()
            return arc
        if isinstance(e, sp.Abs):
            return lambda z, a: args[0](z, a).real_abs(analytic=a)
        if isinstance(e, sp.sign):
            return lambda z, a: args[0](z, a).real_sgn(analytic=a)
        if isinstance(e, sp.Heaviside):
            # sympy's Heaviside(0) is 1/2; a.e. it does not matter for integrals
            return lambda z, a: args[0](z, a).real_heaviside(analytic=a)
        if isinstance(e, (sp.Max, sp.Min)):
            meth = "real_max" if isinstance(e, sp.Max) else "real_min"

            def maxmin(z, a, fs=args):
                s = fs[0](z, a)
                for f in fs[1:]:
                    s = getattr(s, meth)(f(z, a), analytic=a)
                return s
            return maxmin
        if isinstance(e, sp.Piecewise):
            return self.piecewise(e)
        raise BallError(f"no ball arithmetic for {name}")

    def piecewise(self, e: sp.Piecewise) -> Callable[[acb, bool], acb]:
        branches = []
        for val, cond in e.args:
            branches.append((self.build(val), self.condition(cond)))

        def pw(z, a):
            out = None
            for f, c in branches:
                t = c(z)  # True, False or None (undecided on this ball)
                if t is False:
                    continue
                if t is None:
                    if a:
                        return _nonfinite()  # the switch may lie inside the ball
                    v = f(z, a)
                    out = v if out is None else acb(out.real.union(v.real),
                                                    out.imag.union(v.imag))
                    continue
                v = f(z, a)
                return v if out is None else acb(out.real.union(v.real),
                                                 out.imag.union(v.imag))
            return out if out is not None else _nonfinite()
        return pw

    def condition(self, cond) -> Callable[[acb], bool | None]:
        if cond is sp.true:
            return lambda z: True
        if cond is sp.false:
            return lambda z: False
        if isinstance(cond, (sp.StrictLessThan, sp.LessThan, sp.StrictGreaterThan,
                             sp.GreaterThan)):
            diff = self.build(cond.lhs - cond.rhs)
            less = isinstance(cond, (sp.StrictLessThan, sp.LessThan))

            def rel(z):
                s = _real_part_sign(diff(z, False))
                if s == 0:
                    return None
                return (s < 0) if less else (s > 0)
            return rel
        if isinstance(cond, sp.And):
            parts = [self.condition(c) for c in cond.args]

            def conj(z):
                vals = [p(z) for p in parts]
                if any(v is False for v in vals):
                    return False
                return True if all(v is True for v in vals) else None
            return conj
        raise BallError(f"no ball arithmetic for the condition {cond}")


def _leaf(e: sp.Expr) -> acb:
    if e.is_Number:
        return _number(e)
    if e is sp.pi:
        return acb(arb.pi())
    if e is sp.E:
        return acb(arb(1).exp())
    return acb(0, 1)  # sp.I


def _constant(e: sp.Expr) -> Callable[[acb, bool], acb]:
    """A leaf constant, recomputed when the working precision changes (a closure may outlive
    the precision it was built at)."""
    memo: dict[int, acb] = {}

    def const(z, a):
        p = ctx.prec
        v = memo.get(p)
        if v is None:
            v = memo[p] = _leaf(e)
        return v
    return const


def enclose_acb(e: sp.Expr) -> acb:
    """A constant sympy expression as an acb ball at the current precision."""
    e = sp.sympify(e)
    if e.free_symbols:
        raise BallError(f"not a constant: {e}")
    return _compile_constant(e)(acb(0), False)


@lru_cache(maxsize=4096)
def _compile_constant(e: sp.Expr):
    return _Compiler(sp.Dummy("z")).build(e)


def enclose(e: sp.Expr) -> arb:
    """A real constant sympy expression as an arb ball at the current precision (ctx.prec).

    >>> from flint import ctx
    >>> old = ctx.prec; ctx.prec = 200
    >>> enclose(sp.exp(-5 * 10**11)).str(5)
    '[2.3664e-217147240952 +/- 1.09e-217147240957]'
    >>> ctx.prec = old
    """
    v = enclose_acb(e)
    if not v.imag.contains(0):
        raise BallError(f"not real: {e}")
    return v.real


@lru_cache(maxsize=512)
def acb_function(e: sp.Expr, x: sp.Symbol) -> Callable[[acb, bool], acb]:
    """``e`` (an expression in ``x``) as ``f(z, analytic) -> acb`` for :func:`flint.acb.integral`
    (module docstring). Raises :class:`BallError` for a function it does not know.

    >>> x = sp.Symbol("x", real=True)
    >>> f = acb_function(sp.Max(x, 0), x)
    >>> f(acb(2), False).real.str(3), f(acb(0, 1), True).is_finite()
    ('2.00', False)
    """
    return _Compiler(x).build(sp.sympify(e))


@lru_cache(maxsize=512)
def acb_function_of(e: sp.Expr, xs: tuple[sp.Symbol, ...]) -> Callable[[tuple, bool], acb]:
    """``e`` as ``f((z1, z2, ...), analytic) -> acb`` in the symbols ``xs`` (same rules as
    :func:`acb_function`).

    >>> a, b = sp.symbols("a b", real=True)
    >>> acb_function_of(a * sp.sqrt(b), (a, b))((acb(2), acb(4)), False).real.str(3)
    '4.00'
    """
    return _Compiler(tuple(xs)).build(sp.sympify(e))


def arb_function(e: sp.Expr, x: sp.Symbol) -> Callable[[arb], arb]:
    """``e`` as a function on real balls (pointwise evaluation, no analyticity demanded)."""
    f = acb_function(e, x)

    def g(t: arb) -> arb:
        v = f(acb(t), False)
        return v.real
    return g


def to_mpf(v: arb):
    """The midpoint of a ball as an exact mpmath number, and its radius (an upper bound).

    >>> import mpmath
    >>> mid, rad = to_mpf(arb(1) / 3)
    >>> bool(abs(mid - mpmath.mpf(1) / 3) <= rad)
    True
    """
    import mpmath

    def exact(a: arb):
        man, ex = a.man_exp()
        man, ex = int(man), int(ex)
        if not man:
            return mpmath.mpf(0)
        with mpmath.workprec(max(man.bit_length(), 53)):  # mpf(...) rounds to the context
            return mpmath.mpf((man, ex))
    return exact(v.mid()), exact(v.rad())


def float_bound(e: arb) -> float:
    """A float ≥ every point of the ball ``|e|`` (an upper bound rounded up to float64: the
    smallest subnormal for a positive bound below float range, inf above it).

    >>> float_bound(arb("1e-400")), float_bound(arb(0)), float_bound(arb("1e400"))
    (5e-324, 0.0, inf)
    """
    import math

    up = abs(e).upper()
    if up == 0:
        return 0.0
    f = float(up)
    if f == 0.0:
        return 5e-324
    if not math.isfinite(f):
        return math.inf
    nxt = math.nextafter(f, math.inf)
    return nxt if arb(f) < up else f


def float_ball(v: arb) -> tuple[float, float]:
    """(float centre, float bound on |true − centre|) for a ball: the centre rounded to float
    (±0.0/±inf outside float range) and ``float_bound(rad + |mid − centre|)``.

    >>> float_ball(arb(1) / 3)[1] < 1e-16
    True
    """
    import math

    f = float(v.mid())
    if not math.isfinite(f):
        return f, math.inf
    return f, float_bound(v.rad() + abs(v.mid() - arb(f)))


def decimal(v: arb, digits: int) -> tuple[str, arb]:
    """The digits of ``v`` that its radius supports (at most ``digits`` significant ones), and an
    upper bound on |true value − printed decimal|.

    The decimal string comes from arb's printer, which prints only digits guaranteed up to ±1 in
    the last one; the bound returned is computed, not read from that promise: it is
    ``|mid − printed| + rad`` evaluated in ball arithmetic and rounded up.

    >>> from flint import ctx
    >>> s, err = decimal(arb(1) / 3, 10)
    >>> s, bool(err < arb("1e-10"))
    ('0.3333333333', True)
    """
    text = v.str(digits, radius=False)
    if text.startswith("[") or "+/-" in text:  # nothing certain to print
        return "0", arb(abs(v).upper())
    shown = arb(text)  # a ball containing the printed decimal
    err = abs(v.mid() - shown) + v.rad()
    return text, arb(err.upper())
