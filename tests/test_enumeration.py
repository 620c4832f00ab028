"""Exact laws of random-sign forms (numerics/enumeration.py) against brute force, and Monte Carlo
against the exact enumeration (Clopper–Pearson, fixed seeds)."""

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from numerics.enumeration import (
    bilinear_histogram,
    bilinear_sample,
    equal_weight_joint_law,
    product_count,
    sign_sum_law,
    small_ball_exact,
)
from numerics.intervals import clopper_pearson


def _signs(k):
    return np.array(list(itertools.product((1, -1), repeat=k)), dtype=np.int64)


def _brute_hist(Q):
    X = _signs(Q.shape[0])
    vals = np.abs(X @ Q @ X.T).ravel()
    return np.bincount(vals, minlength=int(np.abs(Q).sum()) + 1)


@given(st.integers(1, 6), st.integers(0, 2**32 - 1), st.sampled_from([1, 3, 40]))
def test_histogram_equals_brute_force(k, seed, top):
    """Both inner paths (dynamic programming for small values, Gray code for large ones)."""
    Q = np.random.default_rng(seed).integers(-top, top + 1, (k, k))
    assert np.array_equal(bilinear_histogram(Q), _brute_hist(Q))


def test_histogram_gray_path_k8():
    Q = np.random.default_rng(3).integers(-300, 301, (8, 8))  # values too spread for the DP path
    assert np.array_equal(bilinear_histogram(Q), _brute_hist(Q))


def test_histogram_rejects_non_integer():
    with pytest.raises(ValueError, match="integer"):
        bilinear_histogram(np.eye(3) * 0.5)


@given(st.lists(st.integers(-4, 4), min_size=1, max_size=8))
def test_sign_sum_law_brute_force(w):
    law = sign_sum_law(w)
    sums = _signs(len(w)) @ np.array(w)
    vals, cnt = np.unique(sums, return_counts=True)
    assert law.values.tolist() == vals.tolist() and law.counts == cnt.tolist()


@given(st.lists(st.integers(1, 3), min_size=1, max_size=6), st.integers(-20, 20),
       st.integers(0, 30))
def test_product_count_brute_force(w, lo, width):
    law = sign_sum_law(w)
    s = _signs(len(w)) @ np.array(w)
    prod = np.outer(s, s)
    want = int(((prod >= lo) & (prod <= lo + width)).sum())
    assert product_count(law, law, lo, lo + width) == want


def test_product_count_irrational_bounds():
    import sympy as sp
    law = sign_sum_law([1, 1, 1])
    s = _signs(3).sum(1)
    prod = np.outer(s, s)
    assert product_count(law, law, -sp.sqrt(2), sp.oo) == int((prod >= -np.sqrt(2)).sum())


def test_equal_weight_joint_law_brute_force():
    k = 4
    B = _signs(k)
    cells = {}
    for b in B:
        for bh in B:
            key = (int(b.sum()), int(bh.sum()), int((b * bh).sum()))
            cells[key] = cells.get(key, 0) + 1
    J = equal_weight_joint_law(k)
    got = dict(zip(zip(J.S.tolist(), J.Shat.tolist(), J.Y.tolist(), strict=True), J.counts,
                   strict=True))
    assert got == cells and sum(J.counts) == 4**k


def test_small_ball_monte_carlo_agrees_with_enumeration():
    """Where both run (k = 10), the exact probability lies in the Monte Carlo 99.9% interval,
    for the identity (atoms at 0), the all-ones matrix and a random PSD integer matrix."""
    rng = np.random.default_rng(20251125)
    A = rng.integers(-2, 3, (10, 4))
    mats = {"I": np.eye(10, dtype=np.int64), "J": np.ones((10, 10), np.int64), "AAᵀ": A @ A.T}
    eps = [Fraction(0), Fraction(1, 10), Fraction(1, 2)]
    for name, Q in mats.items():
        exact = small_ball_exact(Q, eps)
        v = bilinear_sample(Q, 200_000, rng)
        frob = float(np.sqrt((Q.astype(float) ** 2).sum()))
        for e, p in zip(eps, exact, strict=True):
            n_in = int((v <= float(e) * frob * (1 + 1e-12)).sum())
            lo, hi = clopper_pearson(n_in, v.size, alpha=1e-3)
            assert lo <= float(p) <= hi, (name, e, float(p), lo, hi)


def test_small_ball_detects_a_wrong_probability():
    """Power: the same Monte Carlo interval rejects a probability off by 0.01."""
    Q = np.eye(10, dtype=np.int64)
    p = float(small_ball_exact(Q, [0])[0])
    v = bilinear_sample(Q, 200_000, np.random.default_rng(1))
    lo, hi = clopper_pearson(int((v == 0).sum()), v.size, alpha=1e-3)
    assert lo <= p <= hi and not lo <= p + 0.01 <= hi
