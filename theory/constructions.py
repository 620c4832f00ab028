"""Exact constructions of Dayi & Chen (COLT 2025): the GLM embedding (§1.2, p.5), Example 1
(App. F.1, p.56) and Claim 2 with its k = 4 example (App. C.3, p.29–30).

Every printed setting is a frozen dataclass (``PRINTED_GLM``, ``PRINTED_EXAMPLE1``,
``PRINTED_CLAIM2``, ``PRINTED_K4``) transcribed **as printed**; the functions take such a
setting as an argument, so a check can be run on an altered copy (that is how the checkers are
themselves checked). All arithmetic is exact (sympy): no tolerance is involved anywhere here.

Conventions (see ``shared/spec/model.md``):

* ``raw``: teacher ``f(x) = Σ_i λ_i σ(<w_i + ξ c_i u, x>)`` (Eqs. 2–3, p.2).
* ``normalised``: rows divided by their own norm, ``v_i = (w_i + ξ c_i u)/‖w_i + ξ c_i u‖``
  (App. D.1, Eq. 11).
* ``appB``: the App. B simulation convention (p.21) as printed:
  ``f(x) = (1/ξ) Σ_i λ_i σ(<v_i, x>)``, ``v_i = (k/(k+ξ²))(w_i + ξ c_i u)``.

>>> sp.simplify(glm_teacher(PRINTED_GLM, K, "raw") - SIGMA(T))
0
>>> example1_check(PRINTED_EXAMPLE1)["same_function"]
True
>>> claim2_normalised_gram(3, (1, -1, 1)) == sp.eye(3)
True
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import sympy as sp

__all__ = [
    "K",
    "T",
    "SIGMA",
    "CONVENTIONS",
    "GLMEmbedding",
    "PRINTED_GLM",
    "glm_teacher",
    "appb_scale",
    "Example1",
    "PRINTED_EXAMPLE1",
    "example1_rows",
    "example1_teachers",
    "example1_check",
    "Claim2Printed",
    "PRINTED_CLAIM2",
    "claim2_d_min",
    "claim2_signs",
    "claim2_matrix",
    "claim2_normalised_gram",
    "K4Example",
    "PRINTED_K4",
    "normalised_gram",
    "orthonormality_report",
    "k4_sign_vectors_that_work",
    "k4_u",
    "is_zero",
]

#: The width k, a positive integer symbol.
K = sp.Symbol("k", positive=True, integer=True)
#: t = <u, x>: when every row is a multiple of u, the teacher is a function of t alone.
T = sp.Symbol("t", real=True)
#: A generic (undefined) activation σ.
SIGMA = sp.Function("sigma")
#: The three conventions of the paper (model.md, "Conventions").
CONVENTIONS = ("raw", "normalised", "appB")

_Y = sp.Symbol("y")


def is_zero(e: sp.Expr) -> bool:
    """Exact zero test for an algebraic number (expanded, then its minimal polynomial).

    >>> is_zero(sp.sqrt(2) * sp.sqrt(3) - sp.sqrt(6)), is_zero(sp.sqrt(2) - 1)
    (True, False)
    """
    e = sp.expand(sp.radsimp(sp.expand(e)))
    if e == 0:
        return True
    if e.free_symbols:
        return bool(sp.simplify(e) == 0)
    return sp.minimal_polynomial(e, _Y) == _Y


# --------------------------------------------------------------------------------------------
# §1.2 (p.5): the GLM embedding
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GLMEmbedding:
    """The p.5 setting: ``W = 0_{k×d}``, ``c = c_i·1``, ``λ = λ_i·1``, scale ``ξ``
    (expressions in :data:`K`)."""

    c: sp.Expr
    lam: sp.Expr
    xi: sp.Expr


#: As printed on p.5: "c = (1/√k, …, 1/√k), λ = (1/k)(1, …, 1), and ξ = √k".
PRINTED_GLM = GLMEmbedding(c=1 / sp.sqrt(K), lam=1 / K, xi=sp.sqrt(K))


def glm_teacher(emb: GLMEmbedding, k: int | sp.Expr = K, convention: str = "raw",
                sigma=SIGMA) -> sp.Expr:
    """The teacher of §1.2 (p.5) with ``W = 0`` as a function of ``t = <u, x>``, exactly.

    Rows are ``w_i + ξ c_i u = ξ c_i u`` (``W = 0``); ``sigma`` is a sympy function (default
    the undefined :data:`SIGMA`) or a one-argument callable on sympy expressions. ``k`` may be
    the symbol :data:`K` (the sum over ``i`` is then a symbolic ``Sum``, evaluated exactly).
    In ``normalised`` each row is divided by its own norm ``|ξ c_i|``; in ``appB`` the printed
    common factor ``k/(k+ξ²)`` and output factor ``1/ξ`` apply. No numerical limits (exact).

    >>> glm_teacher(PRINTED_GLM, 5, "appB")
    sqrt(5)*sigma(t/2)/5
    """
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {CONVENTIONS}")
    sub = {K: k}
    c, lam, xi = (sp.sympify(e, strict=True).subs(sub) for e in (emb.c, emb.lam, emb.xi))
    i = sp.Symbol("i", positive=True, integer=True)
    row = xi * c  # the row w_i + ξ c_i u = ξ c_i u, as a multiple of u
    if convention == "raw":
        pre, out = row * T, 1
    elif convention == "normalised":
        pre, out = row * T / sp.Abs(row), 1
    else:
        pre, out = k / (k + xi**2) * row * T, 1 / xi
    return sp.simplify(out * sp.Sum(lam * sigma(pre), (i, 1, k)).doit())


def appb_scale(emb: GLMEmbedding, k: int | sp.Expr = K) -> sp.Expr:
    """App. B (p.21): the coefficient of ``u`` in ``v_i = (k/(k+ξ²))(w_i + ξ c_i u)`` at ``W = 0``.

    >>> appb_scale(PRINTED_GLM)
    1/2
    """
    c, xi = (sp.sympify(e, strict=True).subs({K: k}) for e in (emb.c, emb.xi))
    return sp.simplify(k / (k + xi**2) * xi * c)


# --------------------------------------------------------------------------------------------
# App. F.1, Example 1 (p.56): raw rows, no ξ, σ(z) = z²
# --------------------------------------------------------------------------------------------

X1, X2 = sp.symbols("x1 x2", real=True)


@dataclass(frozen=True)
class Example1:
    """Example 1's data: ``λ``, ``w_1, w_2``, ``u, u'``, ``c, c'`` (2-vectors as tuples)."""

    lam: tuple
    w: tuple
    u: tuple
    u_prime: tuple
    c: tuple
    c_prime: tuple


_s2, _s3, _s6 = sp.sqrt(2), sp.sqrt(3), sp.sqrt(6)
_c1 = (-(1 + _s2) * (2 + _s3), (1 + _s2) * (_s2 + _s3))

#: As printed on p.56: "λ1, λ = 1" (read λ1 = λ2 = 1), w1 = (1, 0), w2 = (0, 1),
#: u = (1/√2, 1/√2), u' = (1/√3, √6/3), c = (−(1+√2)(2+√3), (1+√2)(√2+√3)), c' = −c.
PRINTED_EXAMPLE1 = Example1(
    lam=(sp.Integer(1), sp.Integer(1)),
    w=((sp.Integer(1), sp.Integer(0)), (sp.Integer(0), sp.Integer(1))),
    u=(1 / _s2, 1 / _s2),
    u_prime=(1 / _s3, _s6 / 3),
    c=_c1,
    c_prime=tuple(-e for e in _c1),
)


def example1_rows(ex: Example1) -> tuple[list[sp.Matrix], list[sp.Matrix]]:
    """The raw rows ``w_i + c_i u`` and ``w_i + c'_i u'`` (App. F.1, raw, no ξ).

    >>> example1_rows(PRINTED_EXAMPLE1)[0][0].shape
    (2, 1)
    """
    w = [sp.Matrix(v) for v in ex.w]
    u, up = sp.Matrix(ex.u), sp.Matrix(ex.u_prime)
    return ([w[i] + ex.c[i] * u for i in range(2)],
            [w[i] + ex.c_prime[i] * up for i in range(2)])


def example1_teachers(ex: Example1, sigma=lambda z: z**2) -> tuple[sp.Expr, sp.Expr]:
    """The two teachers ``Σ λ_i σ(<w_i + c_i u, x>)``, ``Σ λ_i σ(<w_i + c'_i u', x>)`` as
    expanded polynomials in the symbolic input ``x = (x1, x2)`` (σ(z) = z² as printed).

    >>> f, g = example1_teachers(PRINTED_EXAMPLE1)
    >>> sp.Poly(f, X1, X2).total_degree()
    2
    """
    x = sp.Matrix([X1, X2])
    rows, rows_p = example1_rows(ex)
    f = sum(ex.lam[i] * sigma((rows[i].T * x)[0]) for i in range(2))
    g = sum(ex.lam[i] * sigma((rows_p[i].T * x)[0]) for i in range(2))
    return sp.expand(f), sp.expand(g)


def example1_check(ex: Example1) -> dict:
    """Example 1's three printed assertions, exactly: same teacher function (every coefficient
    of ``f − f'`` in ``x1, x2`` is an exact zero), different unordered pairs of rows, and
    ``‖c‖ = ‖c'‖``. Returns booleans and the exact quantities compared.

    >>> r = example1_check(PRINTED_EXAMPLE1)
    >>> r["same_function"], r["pairs_differ"], r["equal_norms"]
    (True, True, True)
    """
    f, g = example1_teachers(ex)
    diff = sp.Poly(f - g, X1, X2)
    coeffs = {str(m): sp.nsimplify(cf) for m, cf in zip(diff.monoms(), diff.coeffs(),
                                                     strict=True)}
    same = all(is_zero(cf) for cf in diff.coeffs())
    rows, rows_p = example1_rows(ex)

    def eq(a: sp.Matrix, b: sp.Matrix) -> bool:
        return all(is_zero(e) for e in (a - b))

    same_pairs = ((eq(rows[0], rows_p[0]) and eq(rows[1], rows_p[1]))
                  or (eq(rows[0], rows_p[1]) and eq(rows[1], rows_p[0])))
    n2 = sp.expand(sum(e**2 for e in ex.c))
    n2p = sp.expand(sum(e**2 for e in ex.c_prime))
    unit = [is_zero(sum(e**2 for e in v) - 1) for v in (ex.u, ex.u_prime)]
    return {
        "same_function": same,
        "pairs_differ": not same_pairs,
        "equal_norms": is_zero(n2 - n2p),
        "u_unit": unit,
        "teacher": str(f),
        "teacher_prime": str(g),
        "difference_coefficients": {m: str(cf) for m, cf in coeffs.items()},
        "rows": [[str(sp.radsimp(e)) for e in r] for r in rows],
        "rows_prime": [[str(sp.radsimp(e)) for e in r] for r in rows_p],
        "norm_c_squared": str(n2),
        "norm_c_prime_squared": str(n2p),
    }


# --------------------------------------------------------------------------------------------
# App. C.3, Claim 2 (p.30) and the k = 4 example (p.29): raw rows, ξ = 1
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim2Printed:
    """The constants of Claim 2 and its proof as printed (functions of :data:`K`).

    ``diag``: "(w_l)_l = 1/√k" for l ≤ k; ``pair``: "the magnitude of this entry [is] 1/√k";
    ``c``: "c ∈ {±1/√k}^k"; ``xi``: ξ = 1 (C.3 uses ``w_i + c_i u``).
    """

    diag: sp.Expr
    pair: sp.Expr
    c: sp.Expr
    xi: sp.Expr = sp.Integer(1)


PRINTED_CLAIM2 = Claim2Printed(diag=1 / sp.sqrt(K), pair=1 / sp.sqrt(K), c=1 / sp.sqrt(K))


def claim2_d_min(k: int) -> int:
    """Coordinates the construction uses: ``k`` diagonal + ``C(k,2)`` pairs + one for ``u``,
    i.e. ``1 + k(k+1)/2``; Claim 2 asks ``d > 1 + k(k+1)/2`` (strict).

    >>> claim2_d_min(4)
    11
    """
    return 1 + k * (k + 1) // 2


def claim2_signs(k: int, s: Sequence[int], d: int | None = None
                 ) -> tuple[list[list[int]], int]:
    """The sign pattern of the proof of Claim 2 for ``c = s/√k`` (``s ∈ {±1}^k``).

    Returns ``(S, d)`` with ``S`` a ``k × d`` integer matrix with entries in {−1, 0, 1}:
    ``S[i][i] = 1`` (the diagonal coordinate of ``w_i``); pair ``(i, j)``, ``i < j``, gets its
    own coordinate with ``S[i] = 1``, ``S[j] = −s_i s_j`` (so that ``<w_i, w_j> = −c_i c_j``);
    ``d = 1 + k(k+1)/2`` by default (a larger ``d`` adds zero columns before the last), and
    the last coordinate is zero in every row (``u = e_d``). Pure
    integers, so a numeric layer can build float rows from it for large ``k``.

    >>> claim2_signs(2, (1, 1))
    ([[1, 0, 1, 0], [0, 1, -1, 0]], 4)
    """
    if len(s) != k or any(v not in (1, -1) for v in s):
        raise ValueError("s must be a sign vector of length k")
    d = claim2_d_min(k) if d is None else d
    if d < claim2_d_min(k):
        raise ValueError(f"the construction needs d >= 1 + k(k+1)/2 = {claim2_d_min(k)}")
    S = [[0] * d for _ in range(k)]
    for i in range(k):
        S[i][i] = 1
    for col, (i, j) in enumerate(itertools.combinations(range(k), 2), start=k):
        S[i][col] = 1
        S[j][col] = -s[i] * s[j]
    return S, d


def claim2_matrix(k: int, s: Sequence[int], printed: Claim2Printed = PRINTED_CLAIM2,
                  d: int | None = None) -> tuple[sp.Matrix, list[sp.Expr], sp.Matrix]:
    """Exact ``(W, c, u)`` of Claim 2's proof with the printed magnitudes: diagonal entries
    ``printed.diag``, pair entries ``printed.pair``, ``c = s·printed.c``, ``u = e_d``.
    Exact sympy matrices of size ``k × (1 + k(k+1)/2)``: practical up to k ≈ 10 (use
    :func:`claim2_signs` with floats beyond).

    >>> W, c, u = claim2_matrix(2, (1, -1))
    >>> (W * u).T, c
    (Matrix([[0, 0]]), [sqrt(2)/2, -sqrt(2)/2])
    """
    S, d = claim2_signs(k, s, d)
    diag, pair, cm = (sp.sympify(e, strict=True).subs({K: k}) for e in (printed.diag, printed.pair,
                                                           printed.c))
    W = sp.Matrix(k, d, lambda i, j: (diag if j < k else pair) * S[i][j])
    u = sp.zeros(d, 1)
    u[d - 1] = 1
    return W, [cm * v for v in s], u


def normalised_gram(W: sp.Matrix, c: Sequence, u: sp.Matrix, xi: sp.Expr = 1) -> sp.Matrix:
    """``<w_i + ξc_i u, w_j + ξc_j u> / (‖w_i + ξc_i u‖ ‖w_j + ξc_j u‖)``, exactly (Claim 2's
    displayed quantity; raw rows normalised one by one).

    >>> normalised_gram(sp.Matrix([[1, 0, 0], [0, 1, 0]]), (1, 1), sp.Matrix([0, 0, 1]))
    Matrix([
    [  1, 1/2],
    [1/2,   1]])
    """
    R = W + xi * sp.Matrix(c) * u.T
    G = R * R.T
    n = [sp.sqrt(G[i, i]) for i in range(G.rows)]
    return sp.Matrix(G.rows, G.cols, lambda i, j: sp.radsimp(G[i, j] / (n[i] * n[j])))


def claim2_normalised_gram(k: int, s: Sequence[int],
                           printed: Claim2Printed = PRINTED_CLAIM2) -> sp.Matrix:
    """The normalised Gram matrix of Claim 2's construction (should be ``I_k``), exactly.

    >>> wrong_c = Claim2Printed(diag=1 / sp.sqrt(K), pair=1 / sp.sqrt(K), c=1 / K)
    >>> claim2_normalised_gram(2, (1, 1), wrong_c)[0, 1] != 0
    True
    """
    W, c, u = claim2_matrix(k, s, printed)
    return normalised_gram(W, c, u, sp.sympify(printed.xi, strict=True).subs({K: k}))


def orthonormality_report(W: sp.Matrix, c: Sequence, u: sp.Matrix, xi: sp.Expr = 1) -> dict:
    """Claim 2's four requirements for given ``(W, c, u)``, exactly: unit rows, ``u ⊥`` rows,
    ``c_i ∈ {±1/√k}``, normalised Gram ``= I``; with the failing pairs ``(i, j)`` (1-based)
    where ``<w_i, w_j> ≠ −c_i c_j``.

    >>> r = orthonormality_report(*claim2_matrix(3, (1, 1, -1)))
    >>> r["orthonormal"], r["failing_pairs"]
    (True, [])
    """
    k = W.rows
    gram_w = W * W.T
    unit = [is_zero(gram_w[i, i] - 1) for i in range(k)]
    perp = [is_zero(e) for e in W * u]
    quantised = [is_zero(ci**2 - sp.Rational(1, k)) for ci in c]
    G = normalised_gram(W, c, u, xi)
    fails = []
    for i, j in itertools.combinations(range(k), 2):
        if not is_zero(gram_w[i, j] + c[i] * c[j]):
            fails.append({"pair": [i + 1, j + 1], "<w_i,w_j>": str(gram_w[i, j]),
                          "-c_i c_j": str(-c[i] * c[j]), "normalised": str(G[i, j])})
    return {
        "unit_rows": all(unit),
        "u_perp": all(perp),
        "c_quantised": all(quantised),
        "orthonormal": all(is_zero(e) for e in G - sp.eye(k)),
        "failing_pairs": [f["pair"] for f in fails],
        "failures": fails,
        "gram_w": [[str(e) for e in gram_w.row(i)] for i in range(k)],
        "normalised_gram": [[str(e) for e in G.row(i)] for i in range(k)],
    }


@dataclass(frozen=True)
class K4Example:
    """The k = 4 example of p.29: ``W`` (4 × 11, rows ``w_i``), ``c``; ``u`` not printed."""

    W: tuple
    c: tuple


_h = sp.Rational(1, 2)
#: As printed on p.29 (rendered at 300 dpi and read entry by entry), with "c_i = (−1/2)^i".
PRINTED_K4 = K4Example(
    W=(
        (_h, _h, _h, 0, 0, 0, _h, 0, 0, 0, 0),
        (_h, 0, 0, _h, _h, 0, 0, _h, 0, 0, 0),
        (0, -_h, 0, _h, 0, _h, 0, 0, _h, 0, 0),
        (0, 0, _h, 0, -_h, _h, 0, 0, 0, _h, 0),
    ),
    c=tuple((-_h) ** i for i in range(1, 5)),
)


def k4_u(ex: K4Example) -> sp.Matrix:
    """``u`` for the k = 4 example (not printed): the unit vector on the coordinates that are
    zero in every row, when there is exactly one such coordinate (our inference; Claim 2's
    proof does the same, ``u = e_p``). Raises ``ValueError`` otherwise.

    >>> k4_u(PRINTED_K4).T
    Matrix([[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]])
    """
    W = sp.Matrix(ex.W)
    free = [j for j in range(W.cols) if all(e == 0 for e in W.col(j))]
    if len(free) != 1:
        raise ValueError(f"expected one all-zero column, found {len(free)}")
    u = sp.zeros(W.cols, 1)
    u[free[0]] = 1
    return u


def k4_sign_vectors_that_work(ex: K4Example) -> list[tuple[int, ...]]:
    """All ``s ∈ {±1}^k`` for which ``c = s/√k`` makes the example's normalised rows orthonormal
    (with ``W`` as given): the corrections available for a misprinted ``c``.

    >>> k4_sign_vectors_that_work(PRINTED_K4)
    [(-1, 1, -1, 1), (1, -1, 1, -1)]
    """
    W = sp.Matrix(ex.W)
    u = k4_u(ex)
    k = W.rows
    return [s for s in itertools.product((-1, 1), repeat=k)
            if orthonormality_report(W, [v / sp.sqrt(k) for v in s], u)["orthonormal"]]
