r"""Certified Gaussian expectations: ``E[f(s g) h_p(g)]`` (p ≤ n) and ``E[f(s g)²]`` as balls.

``g ~ N(0, 1)``, ``h_p = He_p/√(p!)`` (paper §1.1). Each value is a python-flint ``arb`` ball
that contains the true value, obtained as

    ∫_{−L}^{L} f(s x) He_p(x) φ(x) dx   (acb.integral: Gauss–Legendre with error bounds on
                                         complex ellipses, split at the kinks of f and at 0)
  + [± ∫_{|x|>L} |f(s x) He_p(x)| φ(x) dx]   (the proved tail bound of theory.envelope)

The quadrature is :func:`flint.acb.integral` (Arb's ``acb_calc_integrate``), whose error bound
is rigorous provided the integrand, called with ``analytic=True``, refuses balls where it is not
holomorphic; :func:`theory.balls.acb_function` does that for every whitelisted function. The
working precision starts at what the requested digits need and is raised (doubled, up to
:data:`MAX_PREC` bits) until each coefficient has the requested relative accuracy or an
absolute accuracy of 10^-(digits+3) times the scale ``(E[f²])^{1/2}`` — a coefficient that small
is printed as a ball around 0 (it may be exactly 0; ball arithmetic cannot prove that).
When the budget runs out (an integrand that oscillates too fast, or is singular at a point)
the balls are returned as they are, wide, with ``limited`` set: the caller says why.

>>> import sympy as sp
>>> from theory.activations import X
>>> r = hermite_balls(sp.tanh(X), 3, 20)
>>> [b.str(12, radius=False) for b in r.balls]
['0e-26', '0.605705509602', '0e-25', '-0.148437190787']
>>> m2 = second_moment(sp.tanh(X), 20)      # E[tanh(g)²]
>>> m2.str(15, radius=False)
'0.394294490397841'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp
from flint import acb, arb, ctx

from theory.activations import X, as_expr, exact_kinks
from theory.balls import acb_function, enclose
from theory.envelope import Envelope, envelope, gauss_tail, tail_cutoff

__all__ = ["HermiteBalls", "hermite_balls", "second_moment", "MAX_PREC", "bits_for"]

#: Largest working precision (bits) the adaptive loop uses (~600 decimal digits).
MAX_PREC = 2048
#: Evaluation budget per integral passed to acb.integral (beyond it the ball is returned wide).
EVAL_LIMIT = 200_000


def bits_for(digits: int) -> int:
    """Working bits for ``digits`` decimal digits plus guard bits."""
    return int(digits * 3.33) + 24


@dataclass(frozen=True)
class HermiteBalls:
    """μ_p = E[f(s g) h_p(g)] for p ≤ n as arb balls (each contains the true value).

    ``prec``: the final working precision in bits; ``L``: the cut-off of the finite part;
    ``limited``: indices whose accuracy target was not reached within :data:`MAX_PREC` bits and
    the evaluation budget (their balls are valid, only wide); ``scale``: an upper bound of
    (E[f(sg)²])^{1/2} used for the absolute target.
    """

    balls: tuple[arb, ...]
    prec: int
    L: float
    limited: tuple[int, ...]
    scale: arb


def _split_points(expr: sp.Expr, L: float) -> list[arb]:
    """Exact kinks of f in (−L, L) (linear switching arguments; others are left to the
    quadrature's own bisection), plus 0, as exact or tight balls, sorted."""
    pts = [sp.Integer(0), *exact_kinks(expr)]
    out: dict[str, arb] = {}
    for t in pts:
        b = enclose(t)
        if abs(b) < L:
            out[b.mid().str(30, radius=False)] = b
    return sorted(out.values(), key=lambda b: float(b.mid()))


class _Vectors:
    """f(z)e^{−z²/2}·He_p(z) for every p ≤ n at once, memoised per ball z.

    acb.integral integrates one scalar function; the n + 1 integrands differ only in He_p, and
    their adaptive subdivisions visit mostly the same balls (measured: 55 254 calls for
    sigmoid, n = 60, at 2 758 distinct balls), so σ and the He_p recurrence are evaluated once
    per ball and looked up for each p. Hand-written because acb.integral has no vector form.
    """

    def __init__(self, f, n: int):
        self.f, self.n, self.memo = f, n, {}

    def key(self, z: acb, a: bool):
        re, im = z.real, z.imag
        return (re.mid().man_exp(), im.mid().man_exp(), re.rad().man_exp(),
                im.rad().man_exp(), a, ctx.prec)

    def vec(self, z: acb, a: bool) -> list:
        k = self.key(z, a)
        v = self.memo.get(k)
        if v is None:
            w = self.f(z, a) * (-z * z / 2).exp()
            v = [w]
            if self.n >= 1:
                v.append(z * w)
            for j in range(1, self.n):
                v.append(z * v[j] - j * v[j - 1])
            self.memo[k] = v
        return v

    def integrand(self, p: int):
        return lambda z, a: self.vec(z, a)[p]


def _integrate(g, edges: list[arb], abs_tol: arb) -> arb:
    tot = acb(0)
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        tot += acb.integral(g, acb(lo), acb(hi), abs_tol=abs_tol, eval_limit=EVAL_LIMIT)
    return tot.real


@lru_cache(maxsize=512)
def _env_cached(expr: sp.Expr) -> Envelope:
    return envelope(expr)


def _scaled(expr: sp.Expr, s) -> sp.Expr:
    if s == 1:
        return expr
    return expr.subs(X, sp.Rational(s) * X) if not isinstance(s, sp.Basic) else \
        expr.subs(X, s * X)


def hermite_balls(expr: sp.Expr, n: int, digits: int, s=1,
                  ps: tuple[int, ...] | None = None) -> HermiteBalls:
    """Certified μ_p = E[f(s g) h_p(g)], p = 0..n (module docstring), f = ``expr`` in X.

    ``s`` is a positive scale (a float is taken as its exact binary value). ``digits``: the
    relative accuracy aimed at (absolute 10^-(digits+3)·scale for coefficients smaller than
    that). ``ps``: compute only these p (the others are returned as None). Cached in memory
    per (expression, n, digits, s, ps).
    """
    return _hermite_balls(as_expr(expr), n, digits, s, None if ps is None else tuple(ps))


@lru_cache(maxsize=256)
def _hermite_balls(expr: sp.Expr, n: int, digits: int, s, ps) -> HermiteBalls:
    f_expr = _scaled(expr, s)
    env = _env_cached(f_expr)
    f = acb_function(f_expr, X)
    prec = bits_for(digits) + n // 2
    todo = list(range(n + 1)) if ps is None else sorted(p for p in ps if 0 <= p <= n)
    balls: list[arb | None] = [None] * (n + 1)
    still: list[int] = []
    if not todo:
        return HermiteBalls(tuple(balls), prec, 0.0, (), arb(0))
    L_used = 0.0
    with ctx.workprec(prec):
        scale = _scale(f_expr, env, digits)
    while True:
        with ctx.workprec(prec):
            rel = arb(10) ** (-digits)
            absolute = rel * scale / 1000
            # one cut-off for the batch: the largest p needs the largest L; the target of
            # E[f He_p] is √(p!)·(absolute target of μ_p)/8
            top = max(todo)
            L, _ = tail_cutoff(env, top, absolute * arb.fac_ui(top).sqrt() / 8)
            L_used = max(L_used, float(L))
            edges = [-L, *_split_points(f_expr, float(L)), L]
            norm = 1 / (2 * arb.pi()).sqrt()
            still = []
            vecs = _Vectors(f, max(todo))
            for p in todo:
                fac = arb.fac_ui(p).sqrt()
                tail = gauss_tail(env, p, L)
                tol = absolute * fac / (8 * (len(edges) - 1)) / norm
                val = _integrate(vecs.integrand(p), edges, tol)
                b = (val + arb(0, tail)) * norm / fac
                balls[p] = b
                if not (b.rad() <= rel * abs(b).lower() / 2 or b.rad() <= absolute):
                    still.append(p)
        if not still or prec >= MAX_PREC:
            break
        todo = still
        prec = min(2 * prec, MAX_PREC)
    return HermiteBalls(tuple(balls), prec, L_used, tuple(still), scale)


def _scale(f_expr: sp.Expr, env: Envelope, digits: int) -> arb:
    """An upper bound of (E[f²])^{1/2} at low precision (for the absolute target), at least
    10^-30 so that f = 0 on most of the line does not ask for infinite accuracy."""
    m = _second_moment(f_expr, 8, quick=True)
    return arb(m.upper()).sqrt().max(arb(10) ** (-30))


def second_moment(expr: sp.Expr, digits: int, s=1) -> arb:
    """Certified E[f(s g)²] (Parseval's total for f(s·)) to ``digits`` relative digits.

    >>> import sympy as sp
    >>> second_moment(sp.Max(X, 0), 15).str(15, radius=False)   # E[relu(g)²] = 1/2
    '0.500000000000000'
    """
    return _second_moment(_scaled(as_expr(expr), s), digits)


@lru_cache(maxsize=256)
def _second_moment(f_expr: sp.Expr, digits: int, quick: bool = False) -> arb:
    env = _env_cached(f_expr)
    f = acb_function(f_expr, X)
    prec = bits_for(digits)

    def sq(z, a):
        v = f(z, a)
        return v * v * (-z * z / 2).exp()

    while True:
        with ctx.workprec(prec):
            rel = arb(10) ** (-digits)
            # a first guess of the size: the integral over [-4, 4] at low accuracy
            L, tail = tail_cutoff(env, 0, rel * arb("1e-3") * _rough(f), power=2)
            edges = [-L, *_split_points(f_expr, float(L)), L]
            norm = 1 / (2 * arb.pi()).sqrt()
            val = _integrate(sq, edges, rel * _rough(f) / 1000 / norm)
            b = (val + arb(0, tail)) * norm
            if quick or b.rad() <= rel * abs(b).lower() or prec >= MAX_PREC:
                return b
        prec = min(2 * prec, MAX_PREC)


def _rough(f) -> arb:
    """|f| at a few points, at least 1e-30: a size for absolute targets (not a bound)."""
    best = arb(10) ** (-30)
    for t in (-2, -1, -0.5, 0.5, 1, 2):
        v = f(acb(t), False)
        if v.is_finite():
            best = best.max(abs(v.real).mid())
    return best


def env_of(expr: sp.Expr) -> Envelope:
    """The envelope used for ``expr`` (cached)."""
    return _env_cached(as_expr(expr))


_ = math  # (math kept for future bounds)
