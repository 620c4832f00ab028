"""h(m) three ways (Prop. 4): through K' (closed), as −dΦ/dm, and as the (l, s) double series.

For polynomial σ the three routes agree exactly (sympy equality of polynomials in m, ξ possibly
symbolic); for relu, erf, tanh, sigmoid, softplus they agree to 1e-12 relative for |m| ≤ 0.9, or
within the truncation bound the routes report where that bound is the limit.
"""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from theory import population
from theory.activations import polynomial

XI = sp.Symbol("xi", positive=True)


@st.composite
def exact_instances(draw, max_k=3):
    """Unit-diagonal rational Gram matrices (diagonally dominant, hence valid Gram matrices),
    λ small integers, c and ĉ quantised ±1/√k (Assumption 3)."""
    k = draw(st.integers(1, max_k))
    G = sp.eye(k)
    for i in range(k):
        for j in range(i + 1, k):
            g = sp.Rational(draw(st.integers(-2, 2)), 3 * k)
            G[i, j] = G[j, i] = g
    lam = [sp.Integer(draw(st.integers(-3, 3))) for _ in range(k)]
    q = 1 / sp.sqrt(k)
    c = [q * draw(st.sampled_from([-1, 1])) for _ in range(k)]
    chat = [q * draw(st.sampled_from([-1, 1])) for _ in range(k)]
    return G, lam, c, chat


int_polys = st.lists(st.integers(-3, 3), min_size=2, max_size=5).filter(lambda a: any(a[1:]))


@settings(max_examples=25, deadline=None)
@given(coeffs=int_polys, inst=exact_instances(), xi=st.sampled_from([1, 2, sp.Rational(1, 2), XI]))
def test_three_routes_agree_exactly_for_polynomial_activations(coeffs, inst, xi):
    act = polynomial(coeffs)
    G, lam, c, chat = inst
    closed = population.h_exact(act, G, lam, c, chat, xi, route="closed")
    dphi = population.h_exact(act, G, lam, c, chat, xi, route="dphi")
    series = population.h_exact(act, G, lam, c, chat, xi, route="series")
    assert sp.simplify(closed - dphi) == 0
    assert sp.simplify(closed - series) == 0


@settings(max_examples=10, deadline=None)
@given(coeffs=int_polys, inst=exact_instances(max_k=2))
def test_closed_and_dphi_agree_exactly_in_the_raw_convention(coeffs, inst):
    act = polynomial(coeffs)
    G, lam, c, chat = inst
    closed = population.h_exact(act, G, lam, c, chat, 1, convention="raw", route="closed")
    dphi = population.h_exact(act, G, lam, c, chat, 1, convention="raw", route="dphi")
    assert sp.simplify(closed - dphi) == 0


def test_he3_single_neuron_by_hand():
    # k = 1, w ⊥ u, c = ĉ = 1, ξ = 1: ρ(m) = (1 + m)/2, K'(ρ) = 3·μ_3²·ρ² = 18ρ²,
    # h = 2 · (1/2) · 18 ((1+m)/2)² = (9/2)(1 + m)².
    h = population.h_exact("He3", sp.eye(1), [1], [1], [1], 1)
    assert sp.expand(h - sp.Rational(9, 2) * (1 + population.M) ** 2) == 0


def test_h_is_minus_dphi_dm_and_phi_vanishes_at_the_teacher():
    G, lam, c = sp.eye(2), [1, 2], [1 / sp.sqrt(2), -1 / sp.sqrt(2)]
    phi = population.phi_exact("cubic", G, lam, c, c, XI)
    assert sp.simplify(phi.subs(population.M, 1)) == 0  # ĉ = c, m = 1: student = teacher


def _random_float_instance(rng, k, orthonormal):
    if orthonormal:
        G = np.eye(k)
    else:
        W = rng.standard_normal((k, 3 * k))
        W /= np.linalg.norm(W, axis=1, keepdims=True)
        G = W @ W.T
    lam = rng.uniform(0.5, 1.5, size=k)
    c = rng.choice([-1.0, 1.0], size=k) / np.sqrt(k)
    chat = rng.choice([-1.0, 1.0], size=k) / np.sqrt(k)
    return G, lam, c, chat


@pytest.mark.parametrize("act", ["relu", "erf", "tanh", "sigmoid", "softplus"])
@pytest.mark.parametrize("orthonormal", [True, False])
def test_three_routes_agree_numerically(act, orthonormal):
    rng = np.random.default_rng([7, orthonormal])
    G, lam, c, chat = _random_float_instance(rng, 3, orthonormal)
    # 60 exact coefficients are cheap for relu/erf; 30 by quadrature for the others (the
    # truncation bound then carries the difference where it is the limit).
    n = 60 if act in ("relu", "erf") else 30
    for xi in (0.5, 2.0):
        for m in (-0.9, -0.3, 0.0, 0.4, 0.9):
            a = population.h_closed(m, G, lam, c, chat, xi, act, n_terms=n)
            b = population.h_dphi(m, G, lam, c, chat, xi, act, n_terms=n)
            s = population.h_series(m, G, lam, c, chat, xi, act, n_terms=n)
            scale = max(abs(a.value), 1e-300)
            tol_ab = max(1e-12 * scale, a.error + b.error)
            tol_as = max(1e-12 * scale, a.error + s.error)
            assert abs(a.value - b.value) <= tol_ab, (m, xi, a, b)
            assert abs(a.value - s.value) <= tol_as, (m, xi, a, s)


def test_printed_T_form_equals_the_derived_series_for_quantised_c():
    rng = np.random.default_rng(3)
    k = 4
    W = rng.standard_normal((k, 12))
    W /= np.linalg.norm(W, axis=1, keepdims=True)
    G = W @ W.T
    lam = rng.uniform(0.5, 1.5, size=k)
    c = rng.choice([-1.0, 1.0], size=k) / 2
    chat = rng.choice([-1.0, 1.0], size=k) / 2
    for m in (-0.5, 0.2, 0.8):
        a = population.h_series(m, G, lam, c, chat, 1.3, "tanh", n_terms=30, printed_T=True)
        b = population.h_series(m, G, lam, c, chat, 1.3, "tanh", n_terms=30, printed_T=False)
        assert abs(a.value - b.value) <= 1e-12 * max(abs(b.value), 1e-300) + 1e-15


def test_vectorised_h_matches_the_closed_route():
    rng = np.random.default_rng(11)
    G, lam, c, chat = _random_float_instance(rng, 5, False)
    m = np.linspace(-0.95, 0.95, 9)
    for act in ("relu", "erf", "He3"):
        h = population.hfun(G, lam, c, chat, 1.5, act)(m)
        ref = [population.h_closed(v, G, lam, c, chat, 1.5, act).value for v in m]
        np.testing.assert_allclose(h, ref, rtol=1e-12, atol=1e-14)


def test_orthonormal_specialisation_equals_the_general_series():
    rng = np.random.default_rng(5)
    k = 6
    lam = rng.uniform(0.5, 1.5, size=k)
    c = rng.choice([-1.0, 1.0], size=k) / np.sqrt(k)
    chat = rng.choice([-1.0, 1.0], size=k) / np.sqrt(k)
    from theory.hermite import mu_array

    mu = mu_array("He3", 3)
    sc = population.orthonormal_scalars(lam, c, chat)
    for m in (-0.7, 0.0, 0.6):
        a = population.h_orthonormal(m, **sc, xi=2.0, k=k, mu=mu)
        b = population.h_closed(m, np.eye(k), lam, c, chat, 2.0, "He3").value
        assert abs(a - b) <= 1e-12 * abs(b) + 1e-14


def test_condition3_detects_a_sign_change():
    assert population.condition3(lambda m: 1 + 0 * m)["holds"]
    assert not population.condition3(lambda m: 1 - 2 * m)["holds"]  # h(0.5) = 0 < h(0)/2


def test_vectorised_h_is_finite_at_the_teacher_in_both_conventions():
    # ĉ = c, m = ±1: ρ_ii = ±1 exactly, where rounding used to push arcsin out of its domain
    c = np.array([1.0, 1.0]) / np.sqrt(2)
    for conv in ("normalised", "raw"):
        h = population.hfun(np.eye(2), [1.0, 1.0], c, c, 1.0, "relu", conv)(np.array([-1.0, 1.0]))
        assert np.all(np.isfinite(h))
        ref = population.h_closed(1.0 - 1e-12, np.eye(2), [1.0, 1.0], c, c, 1.0, "relu", conv)
        assert abs(h[1] - ref.value) < 1e-5


@pytest.mark.parametrize("act", ["tanh", "sigmoid", "softplus"])
def test_raw_rows_without_closed_form_agree_by_three_routes(act):
    # raw rows, σ with no closed general-variance kernel: Mehler series of σ' (hfun, h_closed),
    # −dΦ/dm of the Mehler series of σ (h_dphi), and 2-D Gauss–Hermite quadrature of
    # E[σ'(a)σ'(b)] summed by hand (kernels.Kprime_cov, its own error estimate)
    from theory import kernels

    rng = np.random.default_rng(3)
    k = 3
    W = rng.standard_normal((k, 12))
    W /= np.linalg.norm(W, axis=1, keepdims=True)
    G, lam = W @ W.T, rng.uniform(0.5, 1.5, k)
    c, chat = rng.choice([-1.0, 1.0], k) / np.sqrt(k), rng.choice([-1.0, 1.0], k) / np.sqrt(k)
    xi, m = 1.5, 0.4
    v = population.hfun(G, lam, c, chat, xi, act, "raw")(np.array([m]))[0]
    d = population.h_dphi(m, G, lam, c, chat, xi, act, "raw").value
    s = np.sqrt(np.diag(G) + xi**2 * c**2)
    sh = np.sqrt(np.diag(G) + xi**2 * chat**2)
    tot, err = 0.0, 0.0
    for i in range(k):
        for j in range(k):
            kv = kernels.Kprime_cov(act, s[i], sh[j], G[i, j] + xi**2 * c[i] * chat[j] * m)
            wgt = 2 * lam[i] * lam[j] * xi**2 * c[i] * chat[j]
            tot += wgt * kv.value
            err += abs(wgt) * kv.error
    assert abs(v - d) <= 1e-10 * max(abs(v), 1e-3)
    assert abs(v - tot) <= err + 1e-10
