r"""Closed forms of E[f(a) f(b)] for jointly Gaussian a, b (Var a = s1², Var b = s2², Cov = c).

Recognised from f's expression (not its name); each returns a sympy expression in the symbols
``S1, S2, C`` of :mod:`theory.kernels`, exact, valid for |c| ≤ s1 s2:

* **Exponential polynomials** ``f = Σ c_i x^{n_i} e^{α_i x}`` (α complex: polynomials, exp, sin,
  cos, sinh, cosh of affine arguments, their products): with the joint moment generating
  function ``M(α, β) = E[e^{αa + βb}] = exp((α²s1² + 2αβc + β²s2²)/2)``,
  ``E[f(a) f(b)] = Σ_{i,j} c_i c_j ∂_α^{n_i} ∂_β^{n_j} M(α_i, α_j)`` (Isserlis/Wick for
  polynomials is the case α = 0). E.g. ``E[sin(a) sin(b)] = e^{−(s1²+s2²)/2} sinh(c)``.
* **Arc-cosine family** ``f = P(x) + Σ_j d_j x^j 1[x > 0]`` (piecewise polynomial with its only
  kink at 0: relu^n, abs, leaky relu, step, sign and any mix): by homogeneity everything reduces
  to unit variances at correlation ρ = c/(s1 s2), and
  ``E[g1^i g2^j 1[g1>0] 1[g2>0]] = (2^{k/2} Γ(k/2+1)/(2π)) ∫_{ψ−π/2}^{π/2} cos^iθ cos^j(θ−ψ) dθ``
  (k = i + j, polar coordinates, ψ = arccos ρ: the arc-cosine kernels of Cho & Saul, of mixed
  degrees), the angular integral by the reduction formulas of ∫cos^a sin^b (exact, in ψ, cos ψ,
  sin ψ); terms with one indicator are half-moments ``E[g^m 1[g>0]] = 2^{m/2}Γ((m+1)/2)/(2√π)``.
* ``f = α erf(βx)``: ``(2α²/π) arcsin(2β²c/√((1+2β²s1²)(1+2β²s2²)))``.

>>> closed_cov(sp.Max(X, 0) ** 2).subs({S1: 1, S2: 1, C: 0})    # E[relu(g)²]² = (1/2)²
1/4
>>> sp.simplify((closed_cov(sp.sin(X)) - sp.exp(-(S1**2 + S2**2) / 2) * sp.sinh(C)).rewrite(sp.exp))
0
"""

from __future__ import annotations

import math
from functools import cache, lru_cache

import sympy as sp

from theory.activations import X
from theory.hermite_exact import exp_terms, pieces_of

__all__ = ["S1", "S2", "C", "closed_cov"]

S1 = sp.Symbol("s1", positive=True)
S2 = sp.Symbol("s2", positive=True)
C = sp.Symbol("c", real=True)

_A, _B = sp.symbols("alpha beta")


@lru_cache(maxsize=256)
def closed_cov(f: sp.Expr) -> sp.Expr | None:
    """E[f(a) f(b)] in closed form in (S1, S2, C), or None (module docstring)."""
    f = sp.sympify(f)
    if f == 0:
        return sp.Integer(0)
    if f.is_polynomial(X):
        return _mgf([(c, n, sp.Integer(0)) for (n,), c in sp.Poly(f, X).terms()])
    terms = exp_terms(f)
    if terms is not None:
        return _mgf(terms)
    parts = _kink_at_zero(f)
    if parts is not None:
        return _arccos(*parts)
    fam = _erf_family(f)
    if fam is not None:
        a, b = fam
        d1, d2 = 1 + 2 * b**2 * S1**2, 1 + 2 * b**2 * S2**2
        return 2 * a**2 / sp.pi * sp.asin(2 * b**2 * C / sp.sqrt(d1 * d2))
    return None


# --------------------------------------------------------------------------------------------
# exponential polynomials
# --------------------------------------------------------------------------------------------


def _mgf(terms) -> sp.Expr:
    M = sp.exp((_A**2 * S1**2 + 2 * _A * _B * C + _B**2 * S2**2) / 2)
    derivs: dict[tuple[int, int], sp.Expr] = {}
    out = sp.Integer(0)
    for ci, ni, ai in terms:
        for cj, nj, aj in terms:
            d = derivs.get((ni, nj))
            if d is None:
                d = derivs[(ni, nj)] = sp.diff(M, _A, ni, _B, nj) if ni or nj else M
            out += ci * cj * d.subs({_A: ai, _B: aj}, simultaneous=True)
    out = sp.expand(out)
    if out.has(sp.I):
        out = sp.expand(sp.expand_complex(out))
        re, im = out.as_real_imag()
        out = sp.expand(re)
    return sp.powsimp(out, combine="exp")  # e^a e^b → e^{a+b}: one exponential per term


# --------------------------------------------------------------------------------------------
# arc-cosine family (one kink, at 0)
# --------------------------------------------------------------------------------------------

_PSI = sp.Symbol("psi", real=True)
_CP, _SP = sp.symbols("cpsi spsi", real=True)


def _kink_at_zero(f: sp.Expr):
    """(P, D) with f = P(x) + D(x)·1[x>0] a.e. (P, D polynomials), or None."""
    pieces = pieces_of(f)
    if pieces is None or len(pieces) != 2 or pieces[0][1] != 0:
        return None
    left, right = pieces[0][2], pieces[1][2]
    return sp.Poly(left, X), sp.Poly(sp.expand(right - left), X)


def _bracket(a: int, b: int) -> sp.Expr:
    """[cos^a θ sin^b θ] from θ₀ = ψ − π/2 to π/2 (cos θ₀ = sin ψ, sin θ₀ = −cos ψ)."""
    top = sp.Integer(1) if a == 0 else sp.Integer(0)
    return top - _SP**a * (-_CP) ** b


@cache
def _D(a: int, b: int) -> sp.Expr:
    """∫_{ψ−π/2}^{π/2} cos^a θ sin^b θ dθ by the reduction formulas."""
    if a == 0 and b == 0:
        return sp.pi - _PSI
    if a == 1 and b == 0:
        return 1 + _CP
    if a == 0 and b == 1:
        return _SP
    if b >= 2:
        return sp.expand(-_bracket(a + 1, b - 1) / (a + b)
                         + sp.Rational(b - 1, a + b) * _D(a, b - 2))
    if a >= 2:
        return sp.expand(_bracket(a - 1, b + 1) / (a + b)
                         + sp.Rational(a - 1, a + b) * _D(a - 2, b))
    # a = b = 1
    return sp.expand((1 - _CP**2) / 2)


@cache
def _both_positive(i: int, j: int) -> sp.Expr:
    """E[g1^i g2^j 1[g1>0]1[g2>0]] at correlation ρ = cos ψ (in ψ, cos ψ, sin ψ)."""
    ang = sp.Integer(0)
    for m in range(j + 1):  # cos(θ − ψ)^j = Σ C(j,m) (cos θ cos ψ)^m (sin θ sin ψ)^{j−m}
        ang += math.comb(j, m) * _CP**m * _SP ** (j - m) * _D(i + m, j - m)
    k = i + j
    rad = 2 ** sp.Rational(k, 2) * sp.gamma(sp.Rational(k, 2) + 1)
    return sp.expand(rad * ang / (2 * sp.pi))


def _half(m: int) -> sp.Expr:
    """E[g^m 1[g > 0]]."""
    return 2 ** sp.Rational(m, 2) * sp.gamma(sp.Rational(m + 1, 2)) / (2 * sp.sqrt(sp.pi))


def _gauss(m: int) -> sp.Expr:
    return sp.factorial2(m - 1) if m % 2 == 0 else sp.Integer(0)


@cache
def _one_positive(i: int, j: int) -> sp.Expr:
    """E[g1^i 1[g1>0] g2^j], g2 = ρ g1 + τ y (ρ = cos ψ, τ = sin ψ)."""
    out = sp.Integer(0)
    for m in range(j + 1):
        out += math.comb(j, m) * _CP**m * _SP ** (j - m) * _half(i + m) * _gauss(j - m)
    return sp.expand(out)


@cache
def _none_positive(i: int, j: int) -> sp.Expr:
    out = sp.Integer(0)
    for m in range(j + 1):
        out += math.comb(j, m) * _CP**m * _SP ** (j - m) * _gauss(i + m) * _gauss(j - m)
    return sp.expand(out)


def _arccos(P: sp.Poly, D: sp.Poly) -> sp.Expr:
    out = sp.Integer(0)
    pt, dt = P.terms(), D.terms()
    for (i,), ci in pt:
        for (j,), cj in pt:
            out += ci * cj * S1**i * S2**j * _none_positive(i, j)
        for (j,), dj in dt:
            out += ci * dj * S1**i * S2**j * _one_positive(j, i)
    for (i,), di in dt:
        for (j,), cj in pt:
            out += di * cj * S1**i * S2**j * _one_positive(i, j)
        for (j,), dj in dt:
            out += di * dj * S1**i * S2**j * _both_positive(i, j)
    rho = C / (S1 * S2)
    out = out.subs({_CP: rho, _SP: sp.sqrt(1 - rho**2), _PSI: sp.acos(rho)})
    return sp.expand(out)


# --------------------------------------------------------------------------------------------
# erf
# --------------------------------------------------------------------------------------------

_WA = sp.Wild("alpha", exclude=[X, 0])
_WB = sp.Wild("beta", exclude=[X, 0])


def _erf_family(expr: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    m = expr.match(_WA * sp.erf(_WB * X))
    if m is None or not (m[_WA].is_real and m[_WB].is_real):
        return None
    return m[_WA], m[_WB]
