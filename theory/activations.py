"""Activations: named ones, and a whitelist parser for activations a user types.

An :class:`Activation` is a sympy expression in the real symbol ``x`` together with what the
rest of the project needs to know about it: its derivative, whether that derivative has a point
mass (``step``, ``sign``: fine for Hermite coefficients and kernels, refused by the
gradient-based parts), its kinks (where quadrature must split), its pieces when it is piecewise
polynomial (for exact Hermite coefficients), and fast numpy callables.

User text is parsed by :func:`parse`, which walks Python's ``ast`` node by node and builds the
sympy expression itself. The raw string never reaches ``eval``, ``exec``, ``sympify`` or
``parse_expr``; numpy code is generated (``lambdify``) only from the validated tree.

>>> act = get("relu")
>>> act.expr
Max(0, x)
>>> float(act.f(np.array([-1.0, 2.0]))[1])
2.0
>>> parse("tanh(2*x) + x**3/6").expr
x**3/6 + tanh(2*x)
>>> parse("__import__('os')")
Traceback (most recent call last):
...
theory.activations.ActivationError: unknown function '__import__' at column 1 (allowed names: ...)
"""

from __future__ import annotations

import ast
import dataclasses
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import sympy as sp

__all__ = [
    "X",
    "Activation",
    "ActivationError",
    "NAMED",
    "get",
    "parse",
    "names",
]

#: The variable every activation is written in.
X = sp.Symbol("x", real=True)

#: Parser bounds (stated in the docstring of :func:`parse`).
MAX_LENGTH = 400
MAX_DEPTH = 32
MAX_NODES = 200
MAX_LITERAL = 10**6
MAX_INT_POWER = 30
MAX_POLY_DEGREE = 64
GROWTH_LIMIT = sp.Rational(1, 4)


class ActivationError(ValueError):
    """A user-typed activation was refused; the message is one line saying what and where."""


@dataclass(frozen=True, eq=False)
class Activation:
    """An activation σ(x) as a sympy expression in :data:`X`.

    ``pieces`` is set for piecewise-polynomial activations: a tuple of ``(lo, hi, poly)`` with
    ``sympy`` bounds (``-oo``/``oo`` allowed) covering the real line; it makes their Hermite
    coefficients exact (Gaussian half-moments). ``point_mass_derivative`` is true when σ' has a
    Dirac part (a jump of σ), as for ``step`` and ``sign``.
    """

    name: str
    expr: sp.Expr
    pieces: tuple[tuple[sp.Expr, sp.Expr, sp.Expr], ...] | None = None
    point_mass_derivative: bool = False
    numpy_impl: Callable[[np.ndarray], np.ndarray] | None = field(default=None, repr=False)
    numpy_deriv: Callable[[np.ndarray], np.ndarray] | None = field(default=None, repr=False)
    #: Text that :func:`get` turns back into this activation (the name or the typed input);
    #: None for activations built in code. Saved with instances instead of ``str(expr)``,
    #: which the whitelist may refuse (``Piecewise(... x < 0 ...)``, big rationals).
    source: str | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return self.name

    @cached_property
    def dexpr(self) -> sp.Expr:
        """σ'(x), almost everywhere (the Dirac part of a jump is not represented)."""
        if self.pieces is not None:
            return _pieces_to_piecewise(tuple((lo, hi, sp.diff(p, X)) for lo, hi, p in self.pieces))
        return sp.diff(self.expr, X)

    @cached_property
    def is_polynomial(self) -> bool:
        return bool(self.expr.is_polynomial(X))

    @cached_property
    def poly(self) -> sp.Poly | None:
        """σ as an exact polynomial in x, or None."""
        return sp.Poly(self.expr, X) if self.is_polynomial else None

    @cached_property
    def kinks(self) -> tuple[float, ...]:
        """Points where σ (or σ') is not smooth; quadrature splits there."""
        pts: set[float] = set()
        if self.pieces is not None:
            for lo, hi, _ in self.pieces:
                for b in (lo, hi):
                    if b.is_finite:
                        pts.add(float(b))
        for node in sp.preorder_traversal(self.expr):
            if isinstance(node, (sp.Abs, sp.Heaviside, sp.sign)):
                pts.update(_linear_roots(node.args[0]))
            elif isinstance(node, (sp.Max, sp.Min)):
                a = node.args
                for i in range(len(a)):
                    for j in range(i + 1, len(a)):
                        pts.update(_linear_roots(a[i] - a[j]))
            elif isinstance(node, sp.Piecewise):
                for _, cond in node.args:
                    for rel in cond.atoms(sp.core.relational.Relational):
                        pts.update(_linear_roots(rel.lhs - rel.rhs))
        return tuple(sorted(pts))

    @cached_property
    def f(self) -> Callable[[np.ndarray], np.ndarray]:
        """Vectorised numpy σ (generated from the validated expression tree)."""
        return self.numpy_impl or _lambdify(self.expr)

    @cached_property
    def df(self) -> Callable[[np.ndarray], np.ndarray]:
        """Vectorised numpy σ' (a.e.)."""
        return self.numpy_deriv or _lambdify(self.dexpr)

    def require_gradient(self) -> None:
        """Raise :class:`ActivationError` if σ' has a point mass (step, sign)."""
        if self.point_mass_derivative:
            raise ActivationError(
                f"activation '{self.name}' has a jump, so its derivative has a point mass; "
                "the gradient-based parts (h(m), SGD engines) need an a.e.-differentiable σ "
                "without jumps (Assumption 6.1)"
            )


#: The sympy functions whose argument decides where σ switches from one smooth branch to another.
NONSMOOTH = (sp.Max, sp.Min, sp.Abs, sp.Heaviside, sp.sign, sp.Piecewise)


def switch_args(expr: sp.Expr) -> list[sp.Expr]:
    """The expressions whose sign changes switch a branch of ``expr``: a − b for every pair of
    arguments of a Max/Min, the argument of Abs/Heaviside/sign, lhs − rhs of every relation in
    a Piecewise condition (with repeats).

    >>> sorted(switch_args(sp.Max(X, 0, 1 - X) + sp.Abs(X - 2)), key=str)
    [-x, 2*x - 1, x - 1, x - 2]
    """
    args: list[sp.Expr] = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Piecewise):
            for _, cond in node.args:
                args += [r.lhs - r.rhs for r in cond.atoms(sp.core.relational.Relational)]
        elif isinstance(node, (sp.Max, sp.Min)):
            a = node.args
            args += [a[i] - a[j] for i in range(len(a)) for j in range(i + 1, len(a))]
        elif isinstance(node, NONSMOOTH):
            args.append(node.args[0])
    return args


def as_expr(obj) -> sp.Expr:
    """A sympy expression from a sympy object or a Python number; text is refused, since
    ``sympify`` of a string evaluates it (typed activations go through :func:`parse`).

    >>> as_expr(2) + X
    x + 2
    >>> as_expr("x")
    Traceback (most recent call last):
    ...
    TypeError: a sympy expression is needed, not text: theory.activations.parse('x').expr
    """
    if isinstance(obj, (str, bytes)):
        raise TypeError(f"a sympy expression is needed, not text: "
                        f"theory.activations.parse({obj!r}).expr")
    return sp.sympify(obj, strict=True)


def exact_kinks(expr: sp.Expr) -> list[sp.Expr]:
    """Exact real points where a Max/Min/Abs/Heaviside/sign/Piecewise of ``expr`` switches,
    for switching arguments that are polynomials of degree ≤ 2 in x (others are skipped: a
    certified quadrature finds them by bisection, more slowly). Sorted, without repeats.

    >>> exact_kinks(sp.Max(X - 1, 0) + sp.Abs(X**2 - 2) + sp.Max(X, 2, 3 - X))
    [-sqrt(2), 1, sqrt(2), 3/2, 2]
    """
    pts: set[sp.Expr] = set()
    for a in switch_args(expr):
        if a.has(X) and a.is_polynomial(X) and sp.Poly(a, X).degree() <= 2:
            for r in sp.roots(sp.Poly(a, X), filter="R"):
                pts.add(sp.nsimplify(r) if r.is_Float else r)
    return sorted(pts, key=lambda t: float(t))


def _linear_roots(e: sp.Expr) -> list[float]:
    e = sp.sympify(e)
    if e.is_polynomial(X):
        p = sp.Poly(e, X)
        if 1 <= p.degree() <= 4:
            return [float(r) for r in sp.real_roots(p)]
    return []


def _pieces_to_piecewise(pieces) -> sp.Expr:
    args = []
    for _lo, hi, p in pieces:
        if hi is sp.oo:
            args.append((p, True))
        else:
            args.append((p, X < hi))
    return sp.Piecewise(*args)


def _special():
    """scipy.special, imported on first use (it costs ~0.4 s at start-up)."""
    import scipy.special

    return scipy.special


_NUMPY_MODULE = {
    "Heaviside": lambda a, h0=0.5: np.heaviside(a, h0),
    "erf": lambda a: _special().erf(a),
    "erfc": lambda a: _special().erfc(a),
    "sign": np.sign,
}


def _lambdify(expr: sp.Expr) -> Callable[[np.ndarray], np.ndarray]:
    fn = sp.lambdify(X, expr, modules=[_NUMPY_MODULE, "numpy"])

    def call(a):
        a = np.asarray(a, dtype=float)
        out = fn(a)
        return np.broadcast_to(np.asarray(out, dtype=float), a.shape).copy()

    return call


# ---------------------------------------------------------------------------------------------
# Named activations
# ---------------------------------------------------------------------------------------------

_oo = sp.oo
_ZERO = sp.Integer(0)


def _relu() -> Activation:
    return Activation(
        "relu", sp.Max(X, 0), ((-_oo, _ZERO, _ZERO), (_ZERO, _oo, X)),
        numpy_impl=lambda a: np.maximum(np.asarray(a, float), 0.0),
        numpy_deriv=lambda a: (np.asarray(a, float) > 0).astype(float),
    )


def _abs() -> Activation:
    return Activation(
        "abs", sp.Abs(X), ((-_oo, _ZERO, -X), (_ZERO, _oo, X)),
        numpy_impl=lambda a: np.abs(np.asarray(a, float)),
        numpy_deriv=lambda a: np.sign(np.asarray(a, float)),
    )


def leaky_relu(slope: sp.Expr | float | str = "1/100") -> Activation:
    """Leaky ReLU with the given negative-side slope (exact if the slope is rational).

    >>> leaky_relu("1/10").expr
    Piecewise((x/10, x < 0), (x, True))
    """
    a = sp.Rational(slope) if not isinstance(slope, sp.Expr) else slope
    s = float(a)
    return Activation(
        f"leaky_relu({a})", sp.Piecewise((a * X, X < 0), (X, True)),
        ((-_oo, _ZERO, a * X), (_ZERO, _oo, X)),
        numpy_impl=lambda v: np.where(np.asarray(v, float) < 0, s * np.asarray(v, float), v),
        numpy_deriv=lambda v: np.where(np.asarray(v, float) < 0, s, 1.0),
    )


def _step() -> Activation:
    return Activation(
        "step", sp.Heaviside(X), ((-_oo, _ZERO, _ZERO), (_ZERO, _oo, sp.Integer(1))),
        point_mass_derivative=True,
        numpy_impl=lambda a: (np.asarray(a, float) > 0).astype(float),
        numpy_deriv=lambda a: np.zeros_like(np.asarray(a, float)),
    )


def _sign() -> Activation:
    return Activation(
        "sign", sp.sign(X), ((-_oo, _ZERO, sp.Integer(-1)), (_ZERO, _oo, sp.Integer(1))),
        point_mass_derivative=True,
        numpy_impl=lambda a: np.sign(np.asarray(a, float)),
        numpy_deriv=lambda a: np.zeros_like(np.asarray(a, float)),
    )


def _sigmoid_np(a):
    return _special().expit(np.asarray(a, float))


def _softplus_np(a):
    return np.logaddexp(0.0, np.asarray(a, float))


_SIGMOID = 1 / (1 + sp.exp(-X))


def hermite_he(p: int) -> Activation:
    """He_p, the probabilists' Hermite polynomial ("He₃" is x³ − 3x).

    >>> hermite_he(3).expr
    x**3 - 3*x
    """
    return Activation(f"He{p}", sp.expand(sp.hermite_prob(p, X)))


def hermite_h(p: int) -> Activation:
    """h_p = He_p/√(p!), the normalised Hermite polynomial.

    >>> hermite_h(2).expr
    sqrt(2)*x**2/2 - sqrt(2)/2
    """
    return Activation(f"h{p}", sp.expand(sp.hermite_prob(p, X) / sp.sqrt(sp.factorial(p))))


def polynomial(coeffs, name: str | None = None) -> Activation:
    """σ(x) = Σ coeffs[n] xⁿ with exact (rational) coefficients.

    >>> polynomial([0, 1, 0, "1/6"]).expr
    x**3/6 + x
    """
    e = sum((sp.Rational(c) * X**n for n, c in enumerate(coeffs)), sp.Integer(0))
    return Activation(name or str(e), sp.expand(e))


_FACTORIES: dict[str, Callable[[], Activation]] = {
    "relu": _relu,
    "abs": _abs,
    "leaky_relu": lambda: leaky_relu(),
    "sigmoid": lambda: Activation(
        "sigmoid", _SIGMOID, numpy_impl=_sigmoid_np,
        numpy_deriv=lambda a: _sigmoid_np(a) * (1 - _sigmoid_np(a))),
    "tanh": lambda: Activation("tanh", sp.tanh(X)),
    "erf": lambda: Activation("erf", sp.erf(X)),
    "gelu": lambda: Activation("gelu", X * (1 + sp.erf(X / sp.sqrt(2))) / 2),
    "silu": lambda: Activation(
        "silu", X * _SIGMOID,
        numpy_impl=lambda a: np.asarray(a, float) * _sigmoid_np(a),
        numpy_deriv=lambda a: _sigmoid_np(a) * (1 + np.asarray(a, float) * (1 - _sigmoid_np(a)))),
    "softplus": lambda: Activation(
        "softplus", sp.log(1 + sp.exp(X)), numpy_impl=_softplus_np, numpy_deriv=_sigmoid_np),
    "quadratic": lambda: Activation("quadratic", X**2),
    "cubic": lambda: Activation("cubic", X**3),
    "step": _step,
    "sign": _sign,
}

#: Names accepted by :func:`get` besides ``He<p>``, ``h<p>`` (p ≤ 30) and parsed expressions.
NAMED: tuple[str, ...] = tuple(_FACTORIES)


def names() -> list[str]:
    """The named activations (``He<p>`` and ``h<p>`` stand for families).

    >>> names()[:3]
    ['relu', 'abs', 'leaky_relu']
    """
    return list(NAMED) + ["He<p>", "h<p>"]


def _hermite_family(name: str) -> Activation | None:
    for prefix, make in (("He", hermite_he), ("h", hermite_h)):
        rest = name[len(prefix):]
        if name.startswith(prefix) and rest.isascii() and rest.isdigit() and len(rest) <= 2:
            p = int(rest)
            if p > MAX_INT_POWER:
                raise ActivationError(f"'{name}': Hermite degree {p} exceeds {MAX_INT_POWER}")
            return make(p)
    return None


def get(spec: str | Activation) -> Activation:
    """A named activation, ``He<p>``/``h<p>``, or a typed expression (parsed by :func:`parse`).

    >>> get("He3").expr
    x**3 - 3*x
    >>> get("erf").name
    'erf'
    >>> get("x**2 - 1").is_polynomial
    True
    """
    if isinstance(spec, Activation):
        return spec
    if not isinstance(spec, str):
        kind = type(spec).__name__
        raise ActivationError(f"an activation is a name or an expression, not {kind}")
    key = spec.strip()
    if key in _FACTORIES:
        return dataclasses.replace(_FACTORIES[key](), source=key)
    fam = _hermite_family(key) if key.isascii() else None
    if fam is not None:
        return dataclasses.replace(fam, source=key)
    return parse(spec)


# ---------------------------------------------------------------------------------------------
# The whitelist parser
# ---------------------------------------------------------------------------------------------

_ALLOWED_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_ .+-*/(),\t'\""
)

_CONSTANTS = {"pi": sp.pi, "E": sp.E}

# unary functions: name -> sympy builder
_UNARY: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "sin": sp.sin,
    "cos": sp.cos,
    "tanh": sp.tanh,
    "erf": sp.erf,
    "sigmoid": lambda a: 1 / (1 + sp.exp(-a)),
    "Abs": sp.Abs,
    "abs": sp.Abs,
    "Heaviside": sp.Heaviside,
    "sign": sp.sign,
    "relu": lambda a: sp.Max(a, 0),
    "gelu": lambda a: a * (1 + sp.erf(a / sp.sqrt(2))) / 2,
    "silu": lambda a: a / (1 + sp.exp(-a)),
    "softplus": lambda a: sp.log(1 + sp.exp(a)),
    "quadratic": lambda a: a**2,
    "cubic": lambda a: a**3,
    "step": sp.Heaviside,
}
_BINARY_WITH_CONSTANT = {"Max": sp.Max, "Min": sp.Min, "max": sp.Max, "min": sp.Min}
_BOUNDED = (sp.sin, sp.cos, sp.tanh, sp.erf, sp.Heaviside, sp.sign)

_ALLOWED_NAMES = sorted(
    ["x", *(_CONSTANTS), *(_UNARY), *(_BINARY_WITH_CONSTANT), "leaky_relu", "He<p>", "h<p>"]
)


def _fail(msg: str, node: ast.AST | None = None) -> ActivationError:
    col = getattr(node, "col_offset", None)
    where = f" at column {col + 1}" if col is not None else ""
    return ActivationError(f"{msg}{where}")


def parse(text: str, name: str | None = None) -> Activation:
    """Parse a user-typed activation with a whitelist grammar; never evaluates the text.

    Accepted: the variable ``x``; numbers (decimal literals become exact rationals, |value| ≤ 10⁶);
    ``pi``, ``E``; ``+ - * / **`` and parentheses; the functions exp, log, sqrt, sin, cos, tanh,
    erf, sigmoid, Abs/abs, Heaviside, sign, relu, gelu, silu, softplus, quadratic, cubic, step,
    He<p>, h<p> (one argument), Max/Min with one constant argument (and, with more than two
    arguments, the others affine in x), leaky_relu(expr, slope).

    Refused, with one line saying what and where: any other name, attribute access, subscripts,
    keywords, lambdas, strings, comparisons; non-ASCII characters and NUL bytes; input longer
    than 400 characters, nesting deeper than 32, more than 200 syntax nodes; an integer power
    beyond 30, a non-integer power of an expression in x, a polynomial degree beyond 64; a
    division by, log or sqrt of something not provably positive (non-negative for sqrt); and
    growth too fast for the Gaussian measure. The growth rule (conservative): every subterm is
    bounded by C(1+|x|)^n or by C·exp(a x² + b|x|); ``exp(q)`` of a polynomial q of degree 2
    with leading coefficient a > 0 has rate a, degree > 2 is refused unless its leading term is
    negative and of even degree; rates add under products and powers; σ is refused when its rate
    is ≥ 1/4 (then E[σ(g)²] = ∞ can happen: E[exp(2a g²)] < ∞ iff a < 1/4). Finally σ must be
    real and finite at 401 points of [−10, 10].

    Every bound is checked before the work it guards, so each input is parsed or refused in
    well under a second.

    >>> parse("x**3 - 3*x").is_polynomial
    True
    >>> parse("exp(x**2/4)")
    Traceback (most recent call last):
    ...
    theory.activations.ActivationError: growth too fast for the Gaussian measure: ...
    >>> parse("x.__class__")
    Traceback (most recent call last):
    ...
    theory.activations.ActivationError: attribute access is not allowed at column 1
    """
    if not isinstance(text, str):
        raise ActivationError(f"an activation is text, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ActivationError(f"input is {len(text)} characters long; the limit is {MAX_LENGTH}")
    if not text.strip():
        raise ActivationError("empty activation: type an expression in x, e.g. 'tanh(2*x)'")
    for i, ch in enumerate(text):
        if ch not in _ALLOWED_CHARS:
            shown = repr(ch) if ch.isprintable() and ch.isascii() else f"U+{ord(ch):04X}"
            hint = " (use ** for powers)" if ch == "^" else ""
            raise ActivationError(f"character {shown} is not allowed at column {i + 1}{hint}")
    depth = 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if depth > MAX_DEPTH:
            raise ActivationError(f"parentheses nested deeper than {MAX_DEPTH} at column {i + 1}")
    try:
        with warnings.catch_warnings():  # "1if x else 2": a warning line on stderr otherwise
            warnings.simplefilter("error", SyntaxWarning)
            tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        col = f" at column {err.offset}" if err.offset else ""
        raise ActivationError(f"syntax error: {err.msg}{col}") from None
    except (ValueError, MemoryError, RecursionError) as err:  # pragma: no cover - guarded above
        raise ActivationError(f"unparseable input: {err}") from None
    n_nodes = sum(1 for _ in ast.walk(tree))
    if n_nodes > MAX_NODES:
        raise ActivationError(f"expression has {n_nodes} syntax nodes; the limit is {MAX_NODES}")
    builder = _Builder()
    expr = builder.build(tree.body, 0)
    if not expr.has(X):
        raise ActivationError("the activation does not depend on x")
    _check_growth(expr)
    _check_real_finite(expr)
    return Activation(name or text.strip(), expr, point_mass_derivative=_has_jump(expr),
                      source=text.strip())


class _Builder:
    """Builds the sympy expression node by node; only whitelisted nodes are accepted."""

    def build(self, node: ast.AST, depth: int) -> sp.Expr:
        if depth > MAX_DEPTH:
            raise _fail(f"expression nested deeper than {MAX_DEPTH}", node)
        d = depth + 1
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            if node.id == "x":
                return X
            if node.id in _CONSTANTS:
                return _CONSTANTS[node.id]
            raise ActivationError(
                f"unknown name '{node.id}' at column {node.col_offset + 1} "
                f"(allowed names: {', '.join(_ALLOWED_NAMES)})")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            v = self.build(node.operand, d)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            return self.binop(node, d)
        if isinstance(node, ast.Call):
            return self.call(node, d)
        if isinstance(node, ast.Attribute):
            raise _fail("attribute access is not allowed", node)
        if isinstance(node, ast.Lambda):
            raise _fail("lambda is not allowed", node)
        if isinstance(node, (ast.Subscript, ast.Slice)):
            raise _fail("subscripts are not allowed", node)
        if isinstance(node, ast.Compare):
            raise _fail("comparisons are not allowed", node)
        raise _fail(f"'{type(node).__name__}' is not allowed", node)

    def number(self, node: ast.Constant) -> sp.Expr:
        v = node.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise _fail(f"only numbers are allowed as literals, not {type(v).__name__}", node)
        if not math.isfinite(v) or abs(v) > MAX_LITERAL:
            raise _fail(f"number {v!r} is beyond the limit {MAX_LITERAL:g}", node)
        return sp.Integer(v) if isinstance(v, int) else sp.Rational(repr(v))

    def binop(self, node: ast.BinOp, d: int) -> sp.Expr:
        op = node.op
        if isinstance(op, ast.Pow):
            base = self.build(node.left, d)
            ex = self.build(node.right, d)
            return _power(base, ex, node)
        a = self.build(node.left, d)
        b = self.build(node.right, d)
        if isinstance(op, ast.Add):
            return a + b
        if isinstance(op, ast.Sub):
            return a - b
        if isinstance(op, ast.Mult):
            return a * b
        if isinstance(op, ast.Div):
            if b == 0:
                raise _fail("division by zero", node)
            if b.has(X) and not _positive(b):
                raise _fail("division by an expression in x that is not provably positive", node)
            return a / b
        raise _fail(f"operator '{type(op).__name__}' is not allowed (use + - * / **)", node)

    def call(self, node: ast.Call, d: int) -> sp.Expr:
        if not isinstance(node.func, ast.Name):
            if isinstance(node.func, ast.Attribute):
                raise _fail("attribute access is not allowed", node.func)
            raise _fail("only named functions may be called", node)
        fname = node.func.id
        if node.keywords:
            raise _fail(f"keyword arguments are not allowed in {fname}()", node)
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise _fail("starred arguments are not allowed", node)
        args = node.args
        fam = None
        if fname.isascii() and (fname.startswith("He") or fname.startswith("h")):
            try:
                fam = _hermite_family(fname)
            except ActivationError as err:
                raise _fail(str(err), node) from None
        if fname in _UNARY or fam is not None:
            if len(args) != 1:
                raise _fail(f"{fname}() takes one argument, got {len(args)}", node)
            a = self.build(args[0], d)
            if fam is not None:
                return fam.expr.subs(X, a)
            if fname == "log" and a.has(X) and not _positive(a):
                raise _fail("log of an expression in x that is not provably positive", node)
            if fname == "log" and not a.has(X) and not (a > 0):
                raise _fail("log of a non-positive constant", node)
            if fname == "sqrt" and not a.has(X) and not (a >= 0):
                raise _fail("sqrt of a negative constant", node)
            if fname == "sqrt" and a.has(X) and not _nonnegative(a):
                raise _fail("sqrt of an expression in x that is not provably non-negative", node)
            return _UNARY[fname](a)
        if fname in _BINARY_WITH_CONSTANT:
            if len(args) < 2:
                raise _fail(f"{fname}() takes two or more arguments, got {len(args)}", node)
            vals = [self.build(x, d) for x in args]
            affine = all(not v.has(X) or (v.is_polynomial(X) and sp.Poly(v, X).degree() <= 1)
                         for v in vals)
            if all(v.has(X) for v in vals) or (sum(v.has(X) for v in vals) > 1 and not affine):
                raise _fail(f"{fname}() needs one constant argument (and its other arguments "
                            "affine in x when there are several)", node)
            return _BINARY_WITH_CONSTANT[fname](*vals)
        if fname == "leaky_relu":
            if len(args) not in (1, 2):
                raise _fail("leaky_relu() takes (expr) or (expr, slope)", node)
            a = self.build(args[0], d)
            s = self.build(args[1], d) if len(args) == 2 else sp.Rational(1, 100)
            if s.has(X):
                raise _fail("the slope of leaky_relu() must be a constant", node)
            return sp.Max(a, 0) + s * sp.Min(a, 0)
        raise ActivationError(
            f"unknown function '{fname}' at column {node.col_offset + 1} "
            f"(allowed names: {', '.join(_ALLOWED_NAMES)})")


def _power(base: sp.Expr, ex: sp.Expr, node: ast.AST) -> sp.Expr:
    if ex.has(X):
        raise _fail("the exponent must not depend on x", node)
    if not ex.is_number or not ex.is_real:
        raise _fail("the exponent must be a real number", node)
    if abs(float(ex)) > MAX_INT_POWER:
        raise _fail(f"exponent {ex} is beyond the limit {MAX_INT_POWER}", node)
    if base.has(X):
        if not ex.is_integer:
            raise _fail("a non-integer power of an expression in x is not allowed (use sqrt)", node)
        if ex < 0 and not _positive(base):
            raise _fail("a negative power of an expression in x not provably positive", node)
    else:
        if base == 0 and ex <= 0:
            raise _fail("0 to a non-positive power", node)
        if base.is_number and float(base) < 0 and not ex.is_integer:
            raise _fail("non-integer power of a negative number", node)
        if base.is_number and abs(float(base)) > MAX_LITERAL:
            raise _fail(f"base {base} of a power is beyond the limit {MAX_LITERAL:g}", node)
    return base**ex


def _positive(e: sp.Expr) -> bool:
    """Conservative: e ≥ δ > 0 on ℝ (constant + non-negative terms, a root-free polynomial, exp)."""
    if not e.has(X):
        return bool(e.is_positive)
    if e.is_polynomial(X):
        p = sp.Poly(e, X)
        return p.degree() % 2 == 0 and p.LC() > 0 and not sp.real_roots(p)
    if isinstance(e, sp.exp):
        return True
    if isinstance(e, sp.Add):
        const = sum((t for t in e.args if not t.has(X)), sp.Integer(0))
        rest = [t for t in e.args if t.has(X)]
        return bool(const.is_positive) and all(_nonnegative(t) for t in rest)
    if isinstance(e, sp.Mul):
        return all(_positive(t) for t in e.args)
    if isinstance(e, sp.Pow) and e.exp.is_integer:
        return _positive(e.base)
    return False


def _nonnegative(e: sp.Expr) -> bool:
    if not e.has(X):
        return bool(e.is_nonnegative)
    if e.is_nonnegative:
        return True
    if isinstance(e, sp.Mul):
        return all(_nonnegative(t) for t in e.args)
    if isinstance(e, sp.Add):
        return all(_nonnegative(t) for t in e.args)
    return _positive(e)


def _has_jump(e: sp.Expr) -> bool:
    return bool(e.has(sp.Heaviside) or e.has(sp.sign))


# --- growth classes: ("poly", n) means |e| ≤ C(1+|x|)^n; ("gauss", a) means ≤ C exp(a x² + b|x|)


def _growth(e: sp.Expr) -> tuple[str, sp.Expr]:
    if not e.has(X):
        return ("poly", sp.Integer(0))
    if e == X:
        return ("poly", sp.Integer(1))
    if isinstance(e, _BOUNDED) or (isinstance(e, sp.Function) and e.func in (sp.sin, sp.cos)):
        return ("poly", sp.Integer(0))
    if isinstance(e, (sp.Abs, sp.Max, sp.Min)):
        return _gmax([_growth(a) for a in e.args])
    if isinstance(e, sp.Add):
        return _gmax([_growth(a) for a in e.args])
    if isinstance(e, sp.Mul):
        # a positive denominator bounded below (by the checks at construction) only shrinks e,
        # except exp(-q) in a denominator, which appears as exp(+q) in the numerator here.
        parts = [a for a in e.args if not (isinstance(a, sp.Pow) and a.exp.is_negative
                                           and not isinstance(a.base, sp.exp))]
        return _gsum([_growth(a) for a in parts])
    if isinstance(e, sp.Pow):
        n = e.exp
        if n.is_negative:
            if isinstance(e.base, sp.exp):
                return _growth(sp.exp(-e.base.args[0] * (-n)))
            return ("poly", sp.Integer(0))
        kind, r = _growth(e.base)
        return (kind, r * n)
    if isinstance(e, sp.exp):
        q = e.args[0]
        if q.is_polynomial(X):
            p = sp.Poly(q, X)
            deg = p.degree()
            if deg <= 1:
                return ("gauss", sp.Integer(0))
            if deg == 2:
                return ("gauss", sp.Max(p.LC(), 0))
            if deg % 2 == 0 and p.LC() < 0:
                return ("poly", sp.Integer(0))
            return ("inf", sp.oo)
        kind, r = _growth(q)
        if kind == "poly" and r <= 1:
            return ("gauss", sp.Integer(0))
        if isinstance(q, sp.Mul) and q.could_extract_minus_sign():
            # exp(-|growth|) of a non-polynomial: bounded only if q ≤ C; not provable in general
            pass
        return ("inf", sp.oo)
    if isinstance(e, sp.log):
        kind, r = _growth(e.args[0])
        return ("poly", sp.Integer(1) if kind == "poly" else sp.Integer(2))
    if isinstance(e, sp.Piecewise):
        return _gmax([_growth(a) for a, _ in e.args])
    return ("inf", sp.oo)


def _gmax(gs):
    if any(k == "inf" for k, _ in gs):
        return ("inf", sp.oo)
    gauss = [r for k, r in gs if k == "gauss"]
    if gauss:
        return ("gauss", sp.Max(*gauss))
    return ("poly", sp.Max(*[r for _, r in gs]))


def _gsum(gs):
    if any(k == "inf" for k, _ in gs):
        return ("inf", sp.oo)
    gauss = [r for k, r in gs if k == "gauss"]
    if gauss:
        return ("gauss", sp.Add(*gauss))
    return ("poly", sp.Add(*[r for _, r in gs]))


def _check_growth(expr: sp.Expr) -> None:
    kind, r = _growth(expr)
    if kind == "inf":
        raise ActivationError(
            "growth too fast for the Gaussian measure: cannot bound σ by C·exp(a x²) with a < 1/4 "
            "(rule: see lowrank derive --help)")
    if kind == "gauss" and r >= GROWTH_LIMIT:
        raise ActivationError(
            f"growth too fast for the Gaussian measure: σ grows like exp({r}·x²), "
            "and a rate ≥ 1/4 makes E[σ(g)²] infinite")
    if kind == "poly" and r > MAX_POLY_DEGREE:
        raise ActivationError(f"polynomial degree {r} is beyond the limit {MAX_POLY_DEGREE}")


_GRID = np.linspace(-10.0, 10.0, 401)


#: For the parser's check at 401 points: math's erf elementwise (scipy.special costs ~0.4 s to
#: import, more than a parse may take).
_CHECK_MODULE = {
    **_NUMPY_MODULE,
    "erf": np.frompyfunc(math.erf, 1, 1),
    "erfc": np.frompyfunc(math.erfc, 1, 1),
}


def _check_real_finite(expr: sp.Expr) -> None:
    if expr.has(sp.I, sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ActivationError("σ is not real and finite (it contains I, oo or nan)")
    f = sp.lambdify(X, expr, modules=[_CHECK_MODULE, "numpy"])
    with np.errstate(all="ignore"):
        try:
            vals = np.asarray(f(_GRID)) + 0 * _GRID
            if vals.dtype == object:
                vals = vals.astype(complex if any(isinstance(v, complex) for v in vals.ravel())
                                   else float)
            if np.iscomplexobj(vals):
                raise ActivationError("σ is not real on the real line")
        except (TypeError, ValueError, ZeroDivisionError, OverflowError) as err:
            raise ActivationError(f"σ cannot be evaluated on the real line: {err}") from None
    bad = ~np.isfinite(vals)
    if bad.any():
        raise ActivationError(
            f"σ is not real and finite on the real line (e.g. at x = {_GRID[bad][0]:g})")
