"""theory.spectral: the one-step full gradient G Π⊥ = a uᵀ (LO-STEIN, LO-DEGEN's theory part).

The formula is checked against an independent exact computation (Gaussian moments of polynomial
activations in explicit coordinates, no kernel and no Stein's lemma), its orthonormal closed form,
the identity h(0) = ξ<ĉ, a[N̂]> against Prop. 4's h, and the degenerate cases.
"""

import itertools

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from theory import spectral
from theory.activations import X, get
from theory.population import M, h_closed, h_exact, hfun


def _gauss_expect(expr, syms):
    """E[expr] for independent standard normals ``syms``, exactly (moments (n−1)!!)."""
    poly = sp.Poly(sp.expand(expr), *syms)
    tot = sp.Integer(0)
    for mon, coef in poly.terms():
        m = sp.Integer(1)
        for n in mon:
            m *= 0 if n % 2 else sp.factorial2(n - 1)
        tot += coef * m
    return sp.nsimplify(sp.simplify(tot))


@pytest.mark.parametrize("act", ["He3", "He2", "x**3 + x**2 - x"])
def test_formula_equals_the_gradient_computed_exactly_in_coordinates(act):
    # two unit rows at angle cos = 3/5 in coordinates (g1, g2), u = e3 (z), a fourth coordinate
    # ζ orthogonal to everything: the exact row i of −∇_W L projected by Π⊥ is
    # 2λ_i E[(f* − f0) σ'(<w_i,x>) (z u + ζ e4)]; its e4 part must vanish and its u part is a_i
    A = get(act)
    g1, g2, z, zeta = sp.symbols("g1 g2 z zeta", real=True)
    w = [sp.Matrix([1, 0, 0, 0]), sp.Matrix([sp.Rational(3, 5), sp.Rational(4, 5), 0, 0])]
    u = sp.Matrix([0, 0, 1, 0])
    x = sp.Matrix([g1, g2, z, zeta])
    lam = [sp.Integer(1), sp.Rational(3, 2)]
    c = [1 / sp.sqrt(2), -1 / sp.sqrt(2)]
    xi = sp.Integer(2)
    sig = lambda t: A.expr.subs(X, t)
    dsig = lambda t: sp.diff(A.expr, X).subs(X, t)
    N = [sp.sqrt(1 + xi**2 * cj**2) for cj in c]
    fstar = sum(lam[j] * sig(((w[j] + xi * c[j] * u).T * x)[0] / N[j]) for j in range(2))
    f0 = sum(lam[j] * sig((w[j].T * x)[0]) for j in range(2))
    G = np.array([[1, 0.6], [0.6, 1]])
    want = spectral.onestep_exact(act, sp.Matrix([[1, sp.Rational(3, 5)],
                                                  [sp.Rational(3, 5), 1]]), lam, c, xi)
    for i in range(2):
        base = 2 * lam[i] * (fstar - f0) * dsig((w[i].T * x)[0])
        along_u = _gauss_expect(base * z, (g1, g2, z, zeta))
        along_zeta = _gauss_expect(base * zeta, (g1, g2, z, zeta))
        assert along_zeta == 0
        assert sp.simplify(along_u - want[i]) == 0, (i, along_u, want[i])
    num = spectral.onestep_a(G, [1.0, 1.5], [float(v) for v in c], 2.0, act)
    assert np.allclose(num.value, [float(v) for v in want], rtol=1e-12, atol=1e-12)


def test_a_formula_with_one_factor_changed_fails_the_exact_check():
    # the same exact comparison rejects the loss with ½ (factor 2 dropped)
    G = sp.Matrix([[1, sp.Rational(3, 5)], [sp.Rational(3, 5), 1]])
    full = spectral.onestep_exact("He3", G, [1, 2], [1, -1], 1)
    half = spectral.onestep_exact("He3", G, [1, 2], [1, -1], 1, half=True)
    assert all(sp.simplify(a - 2 * b) == 0 for a, b in zip(full, half, strict=True))
    assert any(sp.simplify(a - b) != 0 for a, b in zip(full, half, strict=True))


@pytest.mark.parametrize("act", ["relu", "erf", "tanh", "He3", "abs"])
def test_orthonormal_closed_form_matches_the_general_formula(act):
    rng = np.random.default_rng(1)
    k = 6
    lam = rng.uniform(0.5, 1.5, k)
    c = rng.choice([-1.0, 1.0], k) / np.sqrt(k)
    for xi in (1.0, np.sqrt(k)):
        gen = spectral.onestep_a(np.eye(k), lam, c, xi, act, n_terms=20)
        clo = spectral.orthonormal_a(lam, c, xi, act, n_terms=20)
        assert np.all(np.abs(gen.value - clo) <= gen.error + 1e-13)
        assert np.all(gen.error <= 1e-4)


@pytest.mark.parametrize("act", ["relu", "erf", "tanh", "He3"])
def test_h0_is_the_one_step_coefficient_seen_through_the_student_norms(act):
    rng = np.random.default_rng(2)
    k, d = 5, 40
    W = rng.standard_normal((k, d))
    W /= np.linalg.norm(W, axis=1, keepdims=True)
    G = W @ W.T
    lam = rng.uniform(0.5, 1.5, k)
    for kind in ("quantised", "sphere"):
        if kind == "quantised":
            c, ch = (rng.choice([-1.0, 1.0], (2, k)) / np.sqrt(k))
        else:
            c, ch = rng.standard_normal((2, k))
            c, ch = c / np.linalg.norm(c), ch / np.linalg.norm(ch)
        for xi in (0.7, 2.0):
            h0 = h_closed(0.0, G, lam, c, ch, xi, act, n_terms=20)
            got = spectral.h0_from_onestep(G, lam, c, ch, xi, act, n_terms=20)
            assert abs(got - h0.value) <= 1e-12 * (1 + abs(h0.value)), (got, h0)


def test_affine_activation_with_zero_weighted_sum_has_no_spectral_signal():
    xi = sp.Symbol("xi", positive=True)
    assert spectral.onestep_exact("2*x + 1", sp.eye(3), [1, 1, 2], [1, 1, -1], xi) == [0, 0, 0]
    assert spectral.onestep_exact("2*x + 1", sp.eye(3), [1, 1, 2], [1, 1, 1], xi) != [0, 0, 0]


@pytest.mark.parametrize("act", ["relu", "He3", "He2", "erf"])
def test_mu1_zero_or_zero_weighted_sum_do_not_break_it_for_nonaffine_sigma(act):
    # orthonormal rows, λ equal, c with Σλc = 0: Remark 14's first moment μ₁Σλc/N vanishes,
    # the one-step coefficient does not (K'(1/N) − μ₁² > 0 for non-affine σ)
    k = 4
    lam, c = np.ones(k), np.array([1, -1, 1, -1]) / 2
    a = spectral.onestep_a(np.eye(k), lam, c, 1.0, act)
    assert np.min(np.abs(a.value)) > 1e-3
    cos = abs(a.value @ c) / np.linalg.norm(a.value)
    assert cos == pytest.approx(1.0)  # the left factor is exactly c here


def test_duplicated_neurons_whose_lambda_c_cancel_give_a_zero_and_h0_zero_for_every_chat():
    # rows: w1 = w2 (duplicated), w3 orthogonal; λ1c1 + λ2c2 = 0 (|c| equal, quantised)
    G = sp.Matrix([[1, 1, 0], [1, 1, 0], [0, 0, 1]])
    c = [1 / sp.sqrt(3), -1 / sp.sqrt(3), 0]
    for act in ("He3", "He2", "relu"):
        assert spectral.onestep_exact(act, G, [1, 1, 1], c, 2) == [0, 0, 0]
        tm = spectral.tensor_moments(np.array(G, float), [1, 1, 1], [float(v) for v in c],
                                     2.0, act, 6)
        assert max(tm.values()) < 1e-30
    for signs in itertools.product([-1, 1], repeat=3):
        ch = [sp.Integer(s) / sp.sqrt(3) for s in signs]
        assert h_exact("He3", G, [1, 1, 1], c, ch, 2).subs(M, 0) == 0
        h0 = hfun(np.array(G, float), [1, 1, 1], [float(v) for v in c],
                  [float(v) for v in ch], 2.0, "relu")(np.array([0.0]))[0]
        assert abs(h0) < 1e-14


def test_h0_zero_for_one_chat_does_not_mean_a_is_zero():
    # the converse holds only for every ĉ: here h(0) = 0 (a symmetric pair) while a ≠ 0
    G, lam = np.eye(2), [1.0, 1.0]
    c, ch = np.array([1, 1]) / np.sqrt(2), np.array([1, -1]) / np.sqrt(2)
    assert abs(hfun(G, lam, c, ch, 1.0, "relu")(np.array([0.0]))[0]) < 1e-15
    assert np.linalg.norm(spectral.onestep_a(G, lam, c, 1.0, "relu").value) > 0.1


def test_distinct_rows_keep_a_nonzero_tensor_moment():
    rng = np.random.default_rng(3)
    W = rng.standard_normal((4, 10))
    W /= np.linalg.norm(W, axis=1, keepdims=True)
    tm = spectral.tensor_moments(W @ W.T, np.ones(4), [0.5, -0.5, 0.5, -0.5], 1.0, "relu", 5)
    assert tm[0] < 1e-30 < max(tm.values())  # Σλc = 0 kills q = 0 only


def test_raw_rows_for_relu_use_the_scale_free_arcsine_kernel():
    # raw rows: a_i = 2ξλ_i Σ_j λ_j c_j E[σ'(t_j)σ'(y_i)], and for relu
    # E[1(t>0)1(y>0)] = 1/4 + arcsin(corr)/(2π) whatever the variances
    rng = np.random.default_rng(4)
    W = rng.standard_normal((3, 8)) * np.array([[1.0], [2.0], [0.5]])
    G = W @ W.T
    lam, c, xi = np.array([1.0, 0.5, 1.2]), np.array([0.6, -0.8, 0.3]), 1.3
    raw = spectral.onestep_a(G, lam, c, xi, "relu", convention="raw").value
    g = np.sqrt(np.diag(G))
    N = np.sqrt(np.diag(G) + xi**2 * c**2)
    R = G / np.outer(g, N)
    want = 2 * xi * lam * ((0.25 + np.arcsin(R) / (2 * np.pi)) @ (lam * c))
    assert np.allclose(raw, want, rtol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=10_000))
def test_whitening_never_raises_n_half(seed):
    rng = np.random.default_rng(seed)
    k = 4
    B = rng.standard_normal((k, k))
    Q = B @ B.T + 0.1 * np.eye(k)
    a = rng.standard_normal(k)
    assert spectral.n_half(a, Q, 100, whiten=True) <= spectral.n_half(a, Q, 100) * (1 + 1e-12)


def test_refuses_an_activation_with_a_jump():
    with pytest.raises(ValueError):
        spectral.onestep_a(np.eye(2), [1, 1], [1, 0], 1.0, "step")
