"""Exact laws of random-sign forms by enumeration, and Monte Carlo with exact intervals beyond.

The anti-concentration statements of Dayi & Chen (Claim 1, Lemma 6, Lemma 28, Props. 29–30;
App. D.3–D.4) are about ``x, y`` uniform on ``{±1}^k``. This module computes their laws
**exactly** in integer arithmetic where the size allows, and samples beyond:

* :func:`sign_sum_law`: the law of ``Σ_i w_i b_i`` for integer weights (dynamic programming over
  i; counts are Python integers, so exact for every k). Used for ``X = k(Σλ_ic_i)(Σλ_iĉ_i) =
  (Σλ_ib_i)(Σλ_ib̂_i)`` (integer λ) through :func:`product_count`.
* :func:`equal_weight_joint_law`: for λ = 1 the joint law of ``(Σb_i, Σb̂_i, Σb_ib̂_i)`` (the
  three scalars h(0) depends on under orthonormal features), from the multinomial law of the
  four sign patterns of ``(b_i, b̂_i)``: O(k³) cells instead of 4^k pairs.
* :func:`bilinear_histogram`: the histogram of ``|xᵀQy|`` over all ``4^k`` pairs for an integer
  matrix Q, compiled with numba (``cache=True``), using both sign symmetries ``x → −x``,
  ``y → −y`` (``4^{k−1}`` pairs visited; y enumerated in Gray-code order, one addition per
  pair). Exact: atoms at 0 are counted, not approximated. :func:`small_ball_exact` turns it into
  ``Pr[|xᵀQy| ≤ ε‖Q‖_F]`` as a ``Fraction`` (ε rational; the comparison is done on squares in
  integers).
* :func:`bilinear_sample`: ``|xᵀQy|`` for Monte Carlo draws (exact in float64 for integer Q with
  ``Σ|Q_ij| < 2⁵³``), to be counted and given Clopper–Pearson intervals
  (:func:`numerics.intervals.clopper_pearson`).

Cost (this project's 2-core machine, shared, measured by ``benchmarks/bench_enumeration.py``):
the Gray-code path visits ``4^{k−1}`` pairs, about 4 ns each on two threads (random integer PSD
Q: k = 14 in 0.28 s, k = 16 in 2.6 s, k = 18 in 17 s); when ``Σ_j|(Qᵀx)_j|`` is small the law of
``yᵀv`` is built by dynamic programming instead (Q = I: k = 18 in 0.35 s). The first call
compiles (a few seconds), later processes load the compiled code from numba's disk cache.

>>> law = sign_sum_law([1, 1])
>>> law.values.tolist(), law.counts
([-2, 0, 2], [1, 2, 1])
>>> small_ball_exact(np.eye(2, dtype=np.int64), [0])
[Fraction(1, 2)]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numba
import numpy as np
import sympy as sp

__all__ = [
    "SignLaw",
    "sign_sum_law",
    "product_count",
    "JointLaw",
    "equal_weight_joint_law",
    "bilinear_histogram",
    "small_ball_exact",
    "small_ball_counts",
    "bilinear_sample",
    "MAX_HIST",
]

#: Largest ``Σ|Q_ij|`` :func:`bilinear_histogram` accepts (the histogram has that many bins per
#: thread).
MAX_HIST = 1 << 24


@dataclass(frozen=True)
class SignLaw:
    """The law of ``Σ_i w_i b_i`` over ``b ∈ {±1}^k``: sorted distinct ``values`` (int64) and
    their ``counts`` (Python ints, summing to ``2^k``)."""

    values: np.ndarray
    counts: list[int]
    k: int

    @property
    def total(self) -> int:
        return 1 << self.k


def sign_sum_law(weights: Sequence[int]) -> SignLaw:
    """Exact law of ``Σ_i w_i b_i`` for integer weights (b uniform on ``{±1}^k``), by dynamic
    programming over i on the offset ``[−Σ|w|, Σ|w|]``. Cost O(k·Σ|w|) big-integer additions.

    >>> sign_sum_law([1, 2]).values.tolist(), sign_sum_law([1, 2]).counts
    ([-3, -1, 1, 3], [1, 1, 1, 1])
    """
    w = [int(v) for v in weights]
    if any(int(v) != v for v in weights):
        raise ValueError("weights must be integers (scale rational weights first)")
    top = sum(abs(v) for v in w)
    cnt: list[int] = [0] * (2 * top + 1)
    cnt[top] = 1
    lo = hi = top  # occupied range
    for v in w:
        a = abs(v)
        new = [0] * (2 * top + 1)
        for j in range(lo, hi + 1):
            c = cnt[j]
            if c:
                new[j + a] += c
                new[j - a] += c
        cnt = new
        lo, hi = lo - a, hi + a
    vals = [j - top for j in range(2 * top + 1) if cnt[j]]
    return SignLaw(np.array(vals, dtype=np.int64), [cnt[v + top] for v in vals], len(w))


def _exact(x):
    """±oo as None-able sentinels, rationals as Fractions (fast exact rounding), other sympy
    numbers kept (exact ``ceiling``/``floor`` by sympy)."""
    x = sp.sympify(x)
    if x.is_Rational:
        return Fraction(int(x.p), int(x.q))
    return x


def _ceil(x) -> int | None:
    if isinstance(x, Fraction):
        return math.ceil(x)
    return None if x == -sp.oo else int(sp.ceiling(x))


def _floor(x) -> int | None:
    if isinstance(x, Fraction):
        return math.floor(x)
    return None if x == sp.oo else int(sp.floor(x))


def _div(x, s: int):
    if isinstance(x, Fraction):
        return x / s
    if x.is_infinite:
        return x if s > 0 else -x
    return x / s


def product_count(A: SignLaw, B: SignLaw, lo, hi) -> int:
    """The number of pairs ``(b, b̂)`` (out of ``2^{k_A + k_B}``) with ``lo ≤ S_A·S_B ≤ hi``,
    exactly: ``lo, hi`` may be sympy algebraic numbers or ``±oo``; the values are integers, so
    each bound is rounded with exact ``ceiling``/``floor``.

    >>> L = sign_sum_law([1, 1, 1, 1])
    >>> product_count(L, L, 0, 0), L.total**2          # S = 0 or Ŝ = 0: 256 − 10·10
    (156, 256)
    """
    lo, hi = _exact(lo), _exact(hi)
    vals = [int(v) for v in B.values]
    cum = [0]
    for c in B.counts:
        cum.append(cum[-1] + c)

    def between(a: int | None, b: int | None) -> int:  # Σ counts of B-values in [a, b]
        import bisect
        i = 0 if a is None else bisect.bisect_left(vals, a)
        j = len(vals) if b is None else bisect.bisect_right(vals, b)
        return cum[j] - cum[i] if j > i else 0

    total = 0
    for s, ca in zip((int(v) for v in A.values), A.counts, strict=True):
        if s == 0:
            ok = (lo <= 0) and (hi >= 0)
            total += ca * B.total if ok else 0
        elif s > 0:
            total += ca * between(_ceil(_div(lo, s)), _floor(_div(hi, s)))
        else:
            total += ca * between(_ceil(_div(hi, s)), _floor(_div(lo, s)))
    return total


@dataclass(frozen=True)
class JointLaw:
    """Joint law of ``(S, Ŝ, Y) = (Σb_i, Σb̂_i, Σb_ib̂_i)`` for b, b̂ uniform on ``{±1}^k``:
    arrays of the cells' values and exact ``counts`` (Python ints; ``Σ counts = 4^k``).
    ``weights`` are the float probabilities."""

    S: np.ndarray
    Shat: np.ndarray
    Y: np.ndarray
    counts: list[int]
    k: int

    @property
    def weights(self) -> np.ndarray:
        t = 4**self.k
        return np.array([Fraction(c, t) for c in self.counts], dtype=float)


def equal_weight_joint_law(k: int) -> JointLaw:
    """The exact joint law of ``(Σb_i, Σb̂_i, Σb_ib̂_i)`` from the multinomial counts
    ``(n₁, n₂, n₃, n₄)`` of the patterns ``(+,+), (+,−), (−,+), (−,−)``: ``S = n₁+n₂−n₃−n₄``,
    ``Ŝ = n₁−n₂+n₃−n₄``, ``Y = n₁−n₂−n₃+n₄``; distinct patterns give distinct triples, so each
    cell has count ``k!/(n₁!n₂!n₃!n₄!)``. ``C(k+3, 3)`` cells (k = 64: 47 905).

    >>> J = equal_weight_joint_law(1)
    >>> sorted(zip(J.S.tolist(), J.Shat.tolist(), J.Y.tolist(), J.counts))
    [(-1, -1, 1, 1), (-1, 1, -1, 1), (1, -1, -1, 1), (1, 1, 1, 1)]
    """
    S, Sh, Y, C = [], [], [], []
    fk = math.factorial(k)
    for n1 in range(k + 1):
        for n2 in range(k + 1 - n1):
            for n3 in range(k + 1 - n1 - n2):
                n4 = k - n1 - n2 - n3
                S.append(n1 + n2 - n3 - n4)
                Sh.append(n1 - n2 + n3 - n4)
                Y.append(n1 - n2 - n3 + n4)
                C.append(fk // (math.factorial(n1) * math.factorial(n2) * math.factorial(n3)
                                * math.factorial(n4)))
    return JointLaw(np.array(S), np.array(Sh), np.array(Y), C, k)


# ---------------------------------------------------------------------------------------------
# |xᵀQy| over the hypercube
# ---------------------------------------------------------------------------------------------


@numba.njit(cache=True)
def _flip_table(n: int) -> np.ndarray:  # pragma: no cover - compiled
    """flip[g] = 1 + (number of trailing zeros of g): the coordinate changed at Gray step g."""
    out = np.zeros(1 << n, np.int64)
    for g in range(1, 1 << n):
        t = 0
        while (g >> t) & 1 == 0:
            t += 1
        out[g] = t + 1
    return out


@numba.njit(parallel=True, cache=True)
def _histogram(Q: np.ndarray, vmax: int, chunks: int) -> np.ndarray:  # pragma: no cover
    k = Q.shape[0]
    nx = 1 << (k - 1)
    ny = 1 << (k - 1)
    flip = _flip_table(k - 1)
    # four interleaved histograms per chunk: consecutive pairs often hit the same bin, and one
    # counter would serialise the loop on its own load-increment-store chain
    H = np.zeros((chunks, 4, vmax + 1), np.int64)
    per = (nx + chunks - 1) // chunks
    for c in numba.prange(chunks):
        v = np.empty(k, np.int64)
        y = np.empty(k, np.int64)
        cur = np.zeros(2 * vmax + 1, np.int64)
        nxt = np.zeros(2 * vmax + 1, np.int64)
        for xi in range(c * per, min(nx, (c + 1) * per)):
            R = 0
            for j in range(k):  # v = Qᵀx with x_0 = +1, x_i = −1 iff bit i−1 of xi is set
                acc = Q[0, j]
                for i in range(1, k):
                    acc += -Q[i, j] if (xi >> (i - 1)) & 1 else Q[i, j]
                v[j] = acc
                R += abs(acc)
            if k * (2 * R + 1) < ny:
                # law of Σ_j y_j v_j (y_0 = +1) by dynamic programming on the value offset:
                # k·(2R+1) operations instead of 2^{k−1} when the values are few
                for t in range(vmax - R, vmax + R + 1):
                    cur[t] = 0
                cur[vmax + v[0]] = 1
                for j in range(1, k):
                    a = v[j]
                    for t in range(vmax - R, vmax + R + 1):
                        nxt[t] = 0
                    for t in range(vmax - R, vmax + R + 1):
                        ct = cur[t]
                        if ct:
                            nxt[t + a] += ct
                            nxt[t - a] += ct
                    for t in range(vmax - R, vmax + R + 1):
                        cur[t] = nxt[t]
                for t in range(vmax - R, vmax + R + 1):
                    if cur[t]:
                        H[c, 0, abs(t - vmax)] += cur[t]
                continue
            s = 0
            for j in range(k):
                y[j] = 1
                s += v[j]
            H[c, 0, abs(s)] += 1
            for g in range(1, ny):
                j = flip[g]
                y[j] = -y[j]
                s += 2 * y[j] * v[j]
                H[c, g & 3, abs(s)] += 1
    return H


def _signs_first_plus(k: int) -> np.ndarray:
    """All x ∈ {±1}^k with x_0 = +1 (2^{k−1} rows, int64)."""
    bits = (np.arange(1 << (k - 1))[:, None] >> np.arange(k - 1)[None, :]) & 1
    return np.concatenate([np.ones((1 << (k - 1), 1), np.int64), 1 - 2 * bits], axis=1)


def bilinear_histogram(Q) -> np.ndarray:
    """``hist[v]`` = number of pairs ``(x, y) ∈ {±1}^k × {±1}^k`` with ``|xᵀQy| = v``, for an
    integer matrix Q (k ≥ 1); ``hist.sum() == 4**k``. Exact (int64 counts: k ≤ 31). Visits
    ``4^{k−1}`` pairs on all numba threads.

    >>> bilinear_histogram(np.array([[1, 1], [1, 1]])).tolist()     # (x₁+x₂)(y₁+y₂)
    [12, 0, 0, 0, 4]
    """
    Q = np.asarray(Q)
    if Q.ndim != 2 or Q.shape[0] != Q.shape[1] or Q.shape[0] < 1:
        raise ValueError("Q must be a square matrix")
    if not np.issubdtype(Q.dtype, np.integer):
        if not np.all(np.asarray(Q, float) == np.round(np.asarray(Q, float))):
            raise ValueError("bilinear_histogram needs an integer matrix (scale it first)")
    Q = np.asarray(Q, np.int64)
    k = Q.shape[0]
    if k > 31:
        raise ValueError("k ≤ 31 (4^k pairs would overflow the int64 counts)")
    vmax = int(np.abs(Q).sum())
    if vmax > MAX_HIST:
        raise ValueError(f"Σ|Q_ij| = {vmax} > {MAX_HIST}: histogram too large")
    if k == 1:
        h = np.zeros(vmax + 1, np.int64)
        h[abs(int(Q[0, 0]))] = 4
        return h
    if k <= 10:  # small: all 2^{k−1} × 2^{k−1} values at once (no thread start-up, no bins)
        S = _signs_first_plus(k)
        return 4 * np.bincount(np.abs(S @ Q @ S.T).ravel(), minlength=vmax + 1)
    chunks = max(1, min(1 << (k - 1), 4 * numba.get_num_threads()))
    return 4 * _histogram(Q, vmax, chunks).sum(axis=(0, 1))


def small_ball_counts(hist: np.ndarray, frob2: int, eps: Sequence) -> list[int]:
    """Counts of ``|xᵀQy| ≤ ε‖Q‖_F`` (non-strict, as Lemma 28 prints; the strict ``<`` of
    Prop. 29 is ``small_ball_counts(..., strict=...)`` by subtracting the atom at equality) for
    rational ε: ``v² ≤ ε²·‖Q‖²_F`` compared in integers.

    >>> small_ball_counts(np.array([2, 0, 2]), 2, [Fraction(1), Fraction(2)])  # v ≤ √2, v ≤ √8
    [2, 4]
    """
    cum = np.cumsum(hist)
    out = []
    for e in eps:
        e = Fraction(e)
        # largest integer v with v²·den² ≤ num²·frob2
        bound = math.isqrt((e.numerator**2 * frob2) // (e.denominator**2))
        while (bound + 1) ** 2 * e.denominator**2 <= e.numerator**2 * frob2:
            bound += 1
        while bound >= 0 and bound**2 * e.denominator**2 > e.numerator**2 * frob2:
            bound -= 1
        out.append(int(cum[min(bound, len(hist) - 1)]) if bound >= 0 else 0)
    return out


def small_ball_exact(Q, eps: Sequence, strict: bool = False) -> list[Fraction]:
    """``Pr_{x,y}[|xᵀQy| ≤ ε‖Q‖_F]`` (Lemma 28, p.37; ``strict=True``: ``<``, Prop. 29, p.39)
    exactly, for an integer Q and rational ε, by :func:`bilinear_histogram`.

    >>> small_ball_exact(np.ones((2, 2), np.int64), [0, Fraction(1, 2), 1], strict=True)
    [Fraction(0, 1), Fraction(3, 4), Fraction(3, 4)]
    """
    Q = np.asarray(Q, np.int64)
    hist = bilinear_histogram(Q)
    frob2 = int((Q.astype(object) ** 2).sum())
    total = 4 ** Q.shape[0]
    le = small_ball_counts(hist, frob2, eps)
    if not strict:
        return [Fraction(c, total) for c in le]
    out = []
    for e, c in zip(eps, le, strict=True):
        e = Fraction(e)
        v2 = e.numerator**2 * frob2
        d2 = e.denominator**2
        r = math.isqrt(v2 // d2) if d2 else 0
        atom = int(hist[r]) if r * r * d2 == v2 and r < len(hist) else 0  # |xᵀQy| = ε‖Q‖_F
        out.append(Fraction(c - atom, total))
    return out


def bilinear_sample(Q, n: int, rng: np.random.Generator, batch: int = 1 << 16) -> np.ndarray:
    """``|xᵀQy|`` for ``n`` independent pairs ``x, y`` uniform on ``{±1}^k`` (float64; exact for
    integer Q with ``Σ|Q_ij| < 2⁵³``). Randomness only from ``rng``.

    >>> v = bilinear_sample(np.eye(2), 4, np.random.default_rng(0))
    >>> sorted(set(v.tolist())) <= [0.0, 2.0]
    True
    """
    Q = np.asarray(Q, float)
    k = Q.shape[0]
    out = np.empty(n)
    done = 0
    while done < n:
        b = min(batch, n - done)
        x = rng.integers(0, 2, size=(b, k), dtype=np.int8) * 2.0 - 1.0
        y = rng.integers(0, 2, size=(b, k), dtype=np.int8) * 2.0 - 1.0
        out[done:done + b] = np.abs(np.einsum("ij,ij->i", x @ Q, y))
        done += b
    return out
