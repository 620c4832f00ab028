"""Hypothesis strategies for the universal statements of App. D.3, and a budgeted worst-case search.

Claim 3 / Cor. 27 (influence of a PSD matrix's rows), Lemma 28 (small-ball probability of
``xᵀQy`` over Q) and Prop. 29 (Q̃ is PSD for every Gram matrix) hold "for all Q". They are checked
by searching for the worst case: these strategies generate the matrices (random, near-degenerate
and adversarial families), :func:`search` runs a budgeted, seeded hypothesis search that climbs
an objective (``hypothesis.target``) and, if the printed bound is exceeded, lets hypothesis shrink
the counterexample to a small one.

Families (each a strategy; :func:`integer_psd` draws from all of them):

* ``gram``: ``M = AAᵀ`` with small integer A (k × r, r ≤ k): random PSD of every rank;
* ``near-degenerate``: ``vvᵀ + εI`` (rank one plus a small identity), integer v;
* ``equal off-diagonals``: ``aJ + bI`` (a ≥ 0, or a < 0 with ka + b ≥ 0);
* ``blocks``: block-diagonal all-ones blocks plus a multiple of I;
* ``rank one plus identity``: ``vvᵀ + cI`` with c comparable to ‖v‖²;
* ``star``: one row correlated with all others, ``Q_1j = a`` (the shape that maximises the
  influence of Claim 3: ``a² ≈ k^{−1/2}`` after normalising), built as an integer Gram matrix.

Every matrix is an **integer** PSD matrix M, so its unit-diagonal normalisation
``Q = D^{−1/2}MD^{−1/2}`` has rational squared entries ``M_ij²/(M_iiM_jj)`` and the influence
ratio of a counterexample is exact (:func:`unit_diagonal_ratio`). :func:`gram_matrices` gives
float Gram matrices of unit vectors (Prop. 29).

>>> from hypothesis import given, settings
>>> @settings(max_examples=20, derandomize=True, database=None)
... @given(integer_psd(2, 6))
... def t(M):
...     assert np.linalg.eigvalsh(M.astype(float)).min() > -1e-9
>>> t()
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, given, seed, settings, target
from hypothesis import strategies as st

__all__ = [
    "FAMILIES",
    "integer_psd",
    "family",
    "gram_matrices",
    "unit_diagonal_ratio",
    "diagonal_ratio",
    "SearchResult",
    "search",
]

FAMILIES: tuple[str, ...] = ("gram", "near-degenerate", "equal off-diagonals", "blocks",
                             "rank one plus identity", "star")


def _rng(draw) -> np.random.Generator:
    """Entries of large random blocks come from a generator seeded by one drawn integer: one
    hypothesis choice instead of k² (searches of 10⁵ examples stay fast), and shrinking the
    seed still walks towards small, reproducible examples."""
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


def _gram(draw, k: int) -> np.ndarray:
    r = draw(st.integers(1, k))
    top = draw(st.integers(1, 3))
    A = _rng(draw).integers(-top, top + 1, (k, r))
    return A @ A.T


def _near_degenerate(draw, k: int) -> np.ndarray:
    v = _rng(draw).integers(1, 4, k) * _rng(draw).choice([-1, 1], k)
    return 50 * np.outer(v, v) + draw(st.integers(1, 3)) * np.eye(k, dtype=np.int64)


def _equal_off(draw, k: int) -> np.ndarray:
    b = draw(st.integers(1, 20))
    a = draw(st.integers(-(b // max(k - 1, 1)), 20))
    return a * np.ones((k, k), np.int64) + b * np.eye(k, dtype=np.int64)


def _blocks(draw, k: int) -> np.ndarray:
    g = _rng(draw)
    cuts = np.sort(g.choice(np.arange(1, k), size=min(draw(st.integers(0, 4)), k - 1),
                            replace=False)) if k > 1 else np.array([], int)
    edges = [0, *cuts.tolist(), k]
    M = np.zeros((k, k), np.int64)
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        M[a:b, a:b] = int(g.integers(1, 6))
    return M + draw(st.integers(0, 3)) * np.eye(k, dtype=np.int64)


def _rank1_identity(draw, k: int) -> np.ndarray:
    v = _rng(draw).integers(-4, 5, k)
    c = draw(st.integers(1, max(1, int(v @ v))))
    return np.outer(v, v) + c * np.eye(k, dtype=np.int64)


def _star(draw, k: int) -> np.ndarray:
    """Rows v_1 = s·e_0, v_j = a·e_0 + b·e_j (j ≥ 2): ⟨v_1, v_j⟩ = sa, ⟨v_i, v_j⟩ = a²."""
    s = draw(st.integers(1, 12))
    a = draw(st.integers(0, 12))
    b = draw(st.integers(1, 30))
    V = np.zeros((k, k), np.int64)
    V[0, 0] = s
    for j in range(1, k):
        V[j, 0], V[j, j] = a, b
    return V @ V.T


_MAKERS: dict[str, Callable] = dict(zip(FAMILIES, (_gram, _near_degenerate, _equal_off,
                                                   _blocks, _rank1_identity, _star), strict=True))


@st.composite
def family(draw, name: str, k_min: int = 2, k_max: int = 16) -> np.ndarray:
    """One family's integer PSD matrices with k in ``[k_min, k_max]`` and positive diagonal."""
    k = draw(st.integers(k_min, k_max))
    M = _MAKERS[name](draw, k)
    if np.any(np.diag(M) <= 0):
        M = M + np.eye(k, dtype=np.int64)
    return M


def integer_psd(k_min: int = 2, k_max: int = 16, families: tuple[str, ...] = FAMILIES):
    """Integer PSD matrices with positive diagonal from every family in ``families``."""
    return st.one_of(*[family(f, k_min, k_max) for f in families])


@st.composite
def gram_matrices(draw, k_min: int = 2, k_max: int = 12) -> np.ndarray:
    """Gram matrices of k unit vectors (floats): random directions in dimension r ≤ k, nearly
    parallel bundles (a common direction plus small noise) and mixtures of ± copies."""
    k = draw(st.integers(k_min, k_max))
    r = draw(st.integers(1, k))
    kind = draw(st.sampled_from(["random", "bundle", "signed copies"]))
    s = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(s)
    V = rng.standard_normal((k, r))
    if kind == "bundle":
        V = rng.standard_normal((1, r)) + draw(st.floats(1e-3, 0.5)) * V
    elif kind == "signed copies":
        V = rng.choice([-1.0, 1.0], (k, 1)) * V[rng.integers(0, min(r, 2) + 1, k) % r]
        V = V + 1e-6 * rng.standard_normal(V.shape)
    V /= np.linalg.norm(V, axis=1, keepdims=True)
    return V @ V.T


def unit_diagonal_ratio(M) -> Fraction:
    """Claim 3's ratio ``max_i Σ_j Q_ij² / Σ_ij Q_ij²`` for ``Q = D^{−1/2}MD^{−1/2}`` (unit
    diagonal), exactly: ``Q_ij² = M_ij²/(M_iiM_jj)`` is rational for integer M.

    >>> unit_diagonal_ratio(np.array([[4, 2], [2, 1]]))          # J after normalising
    Fraction(1, 2)
    """
    M = [[int(v) for v in row] for row in np.asarray(M)]
    k = len(M)
    d = [M[i][i] for i in range(k)]
    rows = [sum(Fraction(M[i][j] ** 2, d[i] * d[j]) for j in range(k)) for i in range(k)]
    return max(rows) / sum(rows)


def diagonal_ratio(M) -> Fraction:
    """``q²_max/q²_min = max_i M_ii / min_i M_ii`` (Cor. 27's constant)."""
    d = np.diag(np.asarray(M))
    return Fraction(int(d.max()), int(d.min()))


@dataclass
class SearchResult:
    """Outcome of :func:`search`: the largest objective seen (``worst``) and its example, the
    number of examples tried, and the counterexample (shrunk by hypothesis) if the objective
    exceeded the bound."""

    worst: float = -math.inf
    worst_example: Any = None
    examples: int = 0
    counterexample: Any = None
    counter_value: float | None = None
    seconds: float = 0.0
    log: list = field(default_factory=list)


@contextlib.contextmanager
def _global_constants_only():
    """Hypothesis (6.1xx) draws, with small probability, numeric literals read from the source
    of every non-library module loaded in the process. A seeded search would then depend on
    what had been imported before it (a report imports modules lazily, so two reports with one
    seed differed) and on unrelated edits of any module. Within this block it draws from its
    own fixed constants only. No setting does this, hence the patch of its module-level
    function (skipped if a hypothesis version has none)."""
    try:
        from hypothesis.internal.conjecture import providers as hp
        from hypothesis.internal.constants_ast import Constants
    except ImportError:  # pragma: no cover - other hypothesis versions
        yield
        return
    if not hasattr(hp, "_get_local_constants") or not hasattr(hp, "CONSTANTS_CACHE"):
        yield  # pragma: no cover
        return
    saved = hp._get_local_constants
    hp._get_local_constants = Constants  # an empty set of constants
    hp.CONSTANTS_CACHE.cache.clear()
    try:
        yield
    finally:
        hp._get_local_constants = saved
        hp.CONSTANTS_CACHE.cache.clear()


def search(objective: Callable[[Any], float], strategy, budget: int, seed_: int,
           bound: Callable[[Any], float] | None = None,
           progress: Callable[[int, float], None] | None = None) -> SearchResult:
    """Run ``budget`` hypothesis examples of ``strategy`` (seeded by ``seed_``, no example
    database and no constants read from loaded modules, so the same seed gives the same
    search whatever ran before), climbing ``objective`` with
    ``hypothesis.target``. If ``bound`` is given and some example has ``objective(x) > bound(x)``,
    hypothesis shrinks it; the smallest failing example is returned as ``counterexample``.
    ``progress(i, worst)`` is called after every example.

    >>> r = search(lambda M: float(unit_diagonal_ratio(M)), integer_psd(2, 4), 30, 1)
    >>> r.examples >= 30 and 0 < r.worst <= 1
    True
    """
    import time

    res = SearchResult()
    t0 = time.perf_counter()

    @settings(max_examples=budget, database=None, derandomize=False, deadline=None,
              phases=(Phase.generate, Phase.target, Phase.shrink), print_blob=False,
              suppress_health_check=list(HealthCheck))
    @seed(seed_)
    @given(strategy)
    def run(x):
        v = float(objective(x))
        res.examples += 1
        if v > res.worst:
            res.worst, res.worst_example = v, x
        target(v)
        if progress is not None:
            progress(res.examples, res.worst)
        if bound is not None and v > bound(x):
            res.counterexample, res.counter_value = x, v  # the last one is the shrunk one
            raise AssertionError(f"objective {v} exceeds the bound {bound(x)}")

    with _global_constants_only():
        try:
            run()
        except AssertionError:
            pass
    res.seconds = time.perf_counter() - t0
    return res
