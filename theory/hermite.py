"""Hermite analysis of an activation: h_p, μ_p(σ), information exponent, Remark 10.

Convention (paper §1.1 and App. A): ``h_p = He_p/√(p!)`` with ``He_p`` the probabilists'
Hermite polynomial, orthonormal for ``g ~ N(0, 1)``, and ``μ_p(σ) = E[σ(g) h_p(g)]``. The
coefficients do not depend on the row convention (normalised, raw, App. B): they are properties
of σ at unit variance. The information exponent is the smallest ``p ≥ 1`` with ``μ_p ≠ 0``;
Assumption 6.2 asks ``|μ_p| ≤ C_σ p^{-1-ρ}`` (:mod:`theory.decay`); Remark 10 (App. A.1,
p. 19) states ``μ_p(σ) = μ_{p-1}(σ')/√p``.

Every coefficient is either **exact** (a sympy number; ``Coefficient.value``) or **certified**
(a ball ``approx ± error`` that contains the true value: ``error`` is a proved bound, never an
estimate). μ_p is linear in σ, so σ's terms are taken one by one (:func:`theory.hermite_exact.
split`): terms with an exact route (polynomials; piecewise polynomials by truncated Gaussian
moments; ``x^n e^{−ax²} erf(bx)`` by Stein's identity; ``P(x) e^{αx}`` with α complex — exp,
sin, cos, sinh, cosh of affine arguments — by the Gaussian moment generating function) are
exact; the remainder R is exact for a parity class of p when its odd or even part is provably a
polynomial (tanh: even p; sigmoid: μ_0 = 1/2 and even p ≥ 2; softplus, silu: μ_1 = 1/2 and odd
p ≥ 3), and otherwise certified by ball quadrature (:mod:`theory.gauss`: python-flint's
``acb.integral`` on [−L, L] split at the kinks, plus Gaussian tails bounded from σ's growth
envelope, :mod:`theory.envelope`). ``Coefficient.method`` names the routes used.

``dps`` (decimal digits) is the relative accuracy aimed at for certified coefficients; one that
is smaller than 10^-(dps+3) of (E[R²])^{1/2} is returned as a small ball around its value
(possibly around 0: ball arithmetic does not prove a zero; :func:`exponent_report` then says
"undetermined"). Results are cached in memory, and on disk when the numeric layer installs a
store (:func:`use_store`; ``numerics.cache``).

>>> [str(c.value) for c in mus("relu", 3)]
['sqrt(2)/(2*sqrt(pi))', '1/2', '1/(2*sqrt(pi))', '0']
>>> c = mu("tanh", 1)
>>> c.method, c.error < 1e-30, round(float(c), 12)
('ball-quadrature', True, 0.605705509602)
>>> mu("sigmoid", 0).value, mu("softplus", 1).value, str(mu("sin(1000*x)", 1).value)
(1/2, 1/2, '1000*exp(-500000)')
>>> information_exponent("He3")
3
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import mpmath
import numpy as np
import sympy as sp
from flint import arb, ctx

from theory import gauss
from theory.activations import Activation, X, exact_kinks, get
from theory.balls import decimal, enclose, to_mpf
from theory.hermite_exact import (
    he_coeffs,
    mus_exact,
    mus_pieces,
    mus_polynomial,
    parity_parts,
    phi,
    pieces_of,
    split,
)

__all__ = [
    "h_expr",
    "he_coeffs",
    "Coefficient",
    "HermiteError",
    "mus",
    "mu",
    "mu_array",
    "information_exponent",
    "Exponent",
    "exponent_report",
    "decay_fit",
    "remark10",
    "derivative",
    "quadrature_mus",
]


class HermiteError(ValueError):
    """A coefficient cannot be certified (no envelope for the Gaussian tails, or a function
    without ball arithmetic); the message says which part of σ and why."""


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


def _mpf_to_arb(v: mpmath.mpf) -> arb:
    """An mpmath number as an exact arb (both are binary floating point)."""
    sign, man, ex, _ = v._mpf_
    if not man:
        return arb(0)
    return (-1) ** sign * arb(int(man)) * arb(2) ** int(ex)


@dataclass(frozen=True)
class Coefficient:
    """One Hermite coefficient μ_p(σ) = E[σ(g) h_p(g)] (h_p = He_p/√(p!)).

    ``value`` is the exact sympy value when known; ``approx`` is always set (an mpf: the exact
    value rounded, or the centre of the certified ball); ``error`` is 0 when exact, else a
    proved bound on |μ_p − approx| (module docstring). ``limited``: the accuracy asked for was
    not reached within the quadrature's budget (the bound still holds; it is only wide).

    >>> c = mu("cubic", 3)
    >>> c.value, c.exact, c.error, round(float(c), 6)
    (sqrt(6), True, mpf('0.0'), 2.44949)
    """

    p: int
    value: sp.Expr | None
    approx: mpmath.mpf
    error: mpmath.mpf
    method: str
    limited: bool = False

    @property
    def exact(self) -> bool:
        return self.value is not None

    @property
    def is_zero(self) -> bool:
        """Exactly zero (proved: exact route or symmetry); never guessed from numbers."""
        return self.exact and self.value == 0

    @property
    def nonzero(self) -> bool:
        """Proved nonzero: exact and ≠ 0, or a ball that excludes 0."""
        if self.exact:
            return self.value != 0
        return abs(self.approx) > self.error

    def ball(self) -> arb:
        """μ_p as an arb ball at the current precision (``flint.ctx.prec``)."""
        if self.exact:
            return enclose(self.value)
        return arb(_mpf_to_arb(self.approx), _mpf_to_arb(self.error))

    def digits(self, n: int) -> tuple[str, mpmath.mpf]:
        """(decimal text, bound on |μ_p − text|): at most ``n`` significant digits, only those
        the ball supports (exact values are evaluated at the precision n digits need).

        >>> mu("relu", 0).digits(20)[0]
        '0.39894228040143267794'
        """
        with ctx.workprec(gauss.bits_for(n) + 16):
            if self.exact and self.value == 0:
                return "0", mpmath.mpf(0)
            text, err = decimal(self.ball(), n)
            return text, to_mpf(err)[0]

    def __float__(self) -> float:
        return float(self.approx)


def _exact(p: int, value: sp.Expr, method: str, dps: int) -> Coefficient:
    if value == 0:
        return Coefficient(p, sp.Integer(0), mpmath.mpf(0), mpmath.mpf(0), method)
    with ctx.workprec(gauss.bits_for(dps) + 16):
        approx, _ = to_mpf(enclose(value))
    return Coefficient(p, value, approx, mpmath.mpf(0), method)


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


#: Computed batches: key -> {(n, dps): coefficients}; a request is served by any batch with
#: n' ≥ n and dps' ≥ dps (so mu_array, mu and mus share work).
_BATCHES: dict[_Key, dict[tuple[int, int], tuple[Coefficient, ...]]] = {}


def mus(act: str | Activation, n: int, dps: int = 30, scale: float = 1.0) -> list[Coefficient]:
    """μ_0(σ), …, μ_n(σ) (h_p = He_p/√(p!)), exact where a route allows, else certified.

    ``act``: anything :func:`theory.activations.get` accepts. Routes: module docstring.
    ``scale`` s > 0 (a float, taken as its exact binary value): the coefficients of σ(s·),
    i.e. E[σ(s g) h_p(g)] (the general-variance kernels need them); σ's analysis (its terms,
    the parity of its remainder) is done once, unscaled.
    Limits: exact routes have no limit but the size of sympy numbers (p ≤ 100 in about a
    second for the named activations); certified quadrature: relative accuracy 10^-dps for
    coefficients above 10^-(dps+3) of σ's scale, 0.1–0.5 s for n = 60 at dps = 20 on this
    project's machine; HermiteError when σ's tails cannot be bounded.

    >>> [c.value for c in mus("He3", 4)]
    [0, 0, 0, sqrt(6), 0]
    >>> [c.value for c in mus("sign", 3)]
    [0, sqrt(2)/sqrt(pi), 0, -sqrt(3)/(3*sqrt(pi))]
    """
    if n < 0:
        raise ValueError(f"n must be ≥ 0, got {n}")
    key = _Key(get(act))
    scale = float(scale)
    done = _BATCHES.setdefault(key, {})
    for (n2, d2, s2), cs in done.items():
        if n2 >= n and d2 >= dps and s2 == scale:
            return list(cs[: n + 1])
    skey = key.key if scale == 1.0 else (*key.key, scale.hex())
    cs = _STORE.load(skey, n, dps) if _STORE is not None else None
    if cs is None:
        cs = _mus(key.act, n, dps, scale)
        if _STORE is not None:
            _STORE.save(skey, n, dps, cs)
    done[(n, dps, scale)] = cs
    return list(cs)


#: An optional persistent store of computed batches (``load(key, n, dps)`` → coefficients or
#: None, ``save(key, n, dps, coefficients)``), installed by the numeric layer
#: (:func:`numerics.cache.install`); theory itself does no I/O.
_STORE = None


def use_store(store) -> None:
    """Install (or remove, with None) the persistent store consulted by :func:`mus`."""
    global _STORE
    _STORE = store


def mu(act: str | Activation, p: int, dps: int = 30) -> Coefficient:
    """μ_p(σ) = E[σ(g) h_p(g)], g ~ N(0, 1), h_p = He_p/√(p!) (paper §1.1). See :func:`mus`.

    >>> mu("relu", 2).value
    1/(2*sqrt(pi))
    >>> mu("tanh", 2).value, mu("tanh", 2).method
    (0, 'symmetry')
    """
    if p < 0:
        raise ValueError(f"p must be ≥ 0, got {p}")
    # p rounded up to a multiple of 10: calls for p = 1, 2, ... share one batch
    return mus(act, -(-p // 10) * 10, dps)[p]


#: Digits of the coefficients behind :func:`mu_array` (float64 needs 17).
ARRAY_DPS = 20


def mu_array(act: str | Activation, n: int) -> np.ndarray:
    """float64 array μ_0, …, μ_n (h_p = He_p/√(p!)), for the numeric layer (20-digit batch).

    >>> mu_array("relu", 2).round(6).tolist()
    [0.398942, 0.5, 0.282095]
    """
    return np.array([float(c) for c in mus(act, n, ARRAY_DPS)], dtype=float)


def _scaled(e: sp.Expr, s: sp.Expr) -> sp.Expr:
    return e if s == 1 else e.subs(X, s * X)


def _mus(act: Activation, n: int, dps: int, scale: float = 1.0) -> tuple[Coefficient, ...]:
    s = sp.Integer(1) if scale == 1.0 else sp.Rational(scale)
    if act.is_polynomial:
        vals = mus_polynomial(sp.Poly(_scaled(act.expr, s), X), n)
        return tuple(_exact(p, v, "polynomial", dps) for p, v in enumerate(vals))
    pieces = act.pieces if act.pieces is not None else pieces_of(act.expr)
    if pieces is not None:
        if s != 1:  # σ(s·): the pieces' ends divided by s, their polynomials composed with s·x
            pieces = tuple((lo / s, hi / s, sp.expand(q.subs(X, s * X))) for lo, hi, q in pieces)
        vals = mus_pieces(pieces, n)
        return tuple(_exact(p, v, "half-moments", dps) for p, v in enumerate(vals))
    terms, rest = _split(act.expr)
    exact = [sp.Integer(0)] * (n + 1)
    routes = [r for r, _ in terms]
    for route, t in terms:
        for p, v in enumerate(mus_exact(_scaled(t, s), n, route)):
            exact[p] += v
    exact = [sp.expand(v) for v in exact]
    name = "+".join(routes)
    if rest == 0:
        return tuple(_exact(p, v, name, dps) for p, v in enumerate(exact))
    sym = _parity_values(rest, n, s)
    quad = tuple(p for p in range(n + 1) if p not in sym)
    hb = _balls(rest, n, dps, quad, scale) if quad else None
    out = []
    for p in range(n + 1):
        if p in sym:
            out.append(_exact(p, sp.expand(exact[p] + sym[p]), "+".join([*routes, "symmetry"]),
                              dps))
            continue
        with ctx.workprec(hb.prec):
            b = hb.balls[p] + enclose(exact[p]) if exact[p] != 0 else hb.balls[p]
            approx, err = to_mpf(b)
        out.append(Coefficient(p, None, approx, err, "+".join([*routes, "ball-quadrature"]),
                               p in hb.limited))
    return tuple(out)


def _balls(expr: sp.Expr, n: int, dps: int, ps, scale: float = 1.0) -> gauss.HermiteBalls:
    from theory.balls import BallError
    from theory.envelope import EnvelopeError

    try:
        return gauss.hermite_balls(expr, n, dps, s=scale, ps=ps)
    except (BallError, EnvelopeError) as err:
        raise HermiteError(f"cannot certify the Hermite coefficients of {expr}: {err}") from None


def quadrature_mus(act: str | Activation, n: int, dps: int = 30) -> list[Coefficient]:
    """μ_0..μ_n by certified ball quadrature of the whole σ, even when an exact route applies
    (parity classes where σ's odd or even part is provably a polynomial are still exact):
    an independent cross-check of the exact routes.

    >>> c = quadrature_mus("erf", 1)[1]
    >>> abs(c.approx - mu("erf", 1).approx) <= c.error
    True
    """
    a = get(act)
    sym = _parity_values(a.expr, n)
    quad = tuple(p for p in range(n + 1) if p not in sym)
    hb = _balls(a.expr, n, dps, quad) if quad else None
    out = []
    for p in range(n + 1):
        if p in sym:
            out.append(_exact(p, sym[p], "symmetry", dps))
            continue
        approx, err = to_mpf(hb.balls[p])
        out.append(Coefficient(p, None, approx, err, "ball-quadrature", p in hb.limited))
    return out


def _parity_values(expr: sp.Expr, n: int, s: sp.Expr = 1) -> dict[int, sp.Expr]:
    """{p: μ_p(expr(s·))} for the parity classes where expr's odd/even part is a polynomial
    (scaling x preserves parity: the part of expr(s·) is the part of expr at s·x)."""
    q_odd, q_even = _parity(expr)
    sym: dict[int, sp.Expr] = {}
    for q, parity in ((q_odd, 1), (q_even, 0)):
        if q is not None:
            vals = mus_polynomial(sp.Poly(_scaled(q, s), X), n) if q != 0 else \
                [sp.Integer(0)] * (n + 1)
            sym.update({p: vals[p] for p in range(parity, n + 1, 2)})
    return sym


@lru_cache(maxsize=512)
def _parity(expr: sp.Expr):
    return parity_parts(expr)


@lru_cache(maxsize=512)
def _split(expr: sp.Expr):
    return split(expr)


# ---------------------------------------------------------------------------------------------
# Information exponent
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exponent:
    """The information exponent as far as it is proved.

    ``value``: the smallest p ≥ 1 with μ_p ≠ 0 (proved: exact, or a ball excluding 0), or None;
    ``status``: ``"exact"`` (every μ_q, q < p, exactly 0 and μ_p exactly ≠ 0), ``"certified"``
    (μ_p's ball excludes 0), ``"undetermined"`` (some μ_q, q ≤ value's candidate, has a ball
    containing 0 and is not proved zero), ``"none"`` (μ_1..μ_pmax all exactly 0);
    ``reason``: one sentence.
    """

    value: int | None
    status: str
    reason: str


def exponent_report(act: str | Activation, pmax: int = 30, dps: int = 30) -> Exponent:
    """The information exponent (paper §1.1) with how it was decided (:class:`Exponent`).

    >>> exponent_report("sin(1e6*x)").value, exponent_report("sin(1e6*x)").status
    (1, 'exact')
    >>> exponent_report("tanh").status
    'certified'
    """
    start = 1
    while start <= pmax:  # batches of 10 (as in mu), so a small exponent is found cheaply
        top = min(-(-start // 10) * 10, pmax)
        for c in mus(act, top, dps)[start:top + 1]:
            if c.is_zero:
                continue
            if c.nonzero:
                how = "exact" if c.exact else "certified"
                if c.exact:
                    why = f"μ_{c.p} = {c.value}"
                else:
                    text, err = c.digits(10)
                    why = f"|μ_{c.p} − {text}| ≤ {float(err):.1e}, so μ_{c.p} ≠ 0"
                lower = ("" if c.p == 1 else "μ_1 = 0 exactly; " if c.p == 2 else
                         f"μ_1..μ_{c.p - 1} are exactly 0; ")
                return Exponent(c.p, how, lower + why)
            return Exponent(None, "undetermined",
                            f"|μ_{c.p}| ≤ {float(abs(c.approx) + c.error):.1e}: its certified "
                            "bound covers 0 and no exact route proves μ_{} = 0, so the "
                            "exponent cannot be decided".format(c.p))
        start = top + 1
    return Exponent(None, "none", f"μ_1..μ_{pmax} are all exactly 0")


def information_exponent(act: str | Activation, pmax: int = 30, dps: int = 30) -> int | None:
    """Smallest p ≥ 1 with μ_p(σ) ≠ 0 (paper §1.1; h_p = He_p/√(p!)), when proved; None if
    μ_1..μ_pmax are all exactly 0 or the answer is undetermined (:func:`exponent_report` says
    which and why).

    >>> information_exponent("relu"), information_exponent("h4"), information_exponent("tanh")
    (1, 4, 1)
    """
    return exponent_report(act, pmax, dps).value


# ---------------------------------------------------------------------------------------------
# Decay (Assumption 6.2): theory.decay; the legacy fit is re-exported here
# ---------------------------------------------------------------------------------------------


def decay_fit(act, pmin: int = 8, pmax: int = 30, dps: int = 30):
    """Least-squares fit of Assumption 6.2 (see :func:`theory.decay.decay_fit`)."""
    from theory.decay import decay_fit as fit

    return fit(act, pmin=pmin, pmax=pmax, dps=dps)


def __getattr__(name):  # DecayFit lives in theory.decay
    if name == "DecayFit":
        from theory.decay import DecayFit

        return DecayFit
    raise AttributeError(name)


# ---------------------------------------------------------------------------------------------
# Remark 10
# ---------------------------------------------------------------------------------------------


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
    kinks = exact_kinks(act.expr) if act.pieces is None else [
        lo for lo, _, _ in act.pieces[1:]]
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
        dirac = sum((j * h.subs(X, t) * phi(t) for t, j in _jumps(a)), sp.Integer(0))
    if d.value is not None:
        return lhs, _exact(p, (d.value + dirac) / sp.sqrt(p), d.method, dps)
    with mpmath.workdps(dps):
        r = mpmath.sqrt(p)
        approx = (d.approx + mpmath.mpf(sp.N(dirac, dps + 5))) / r
        return lhs, Coefficient(p, None, approx, d.error / r, d.method)
