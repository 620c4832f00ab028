"""Dual kernels K, K' (theory/kernels.py): closed forms against printed formulas, the Mehler
series, Monte Carlo, 2-D quadrature and each other.

Tolerances: symbolic checks are exact (sympy); series checks use the module's own truncation
bound (Parseval), asserted to be small so that they bite; quadrature checks use scipy's error
target; Monte Carlo checks use 5 estimated standard errors (see :func:`mc_agrees`).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import scipy.integrate
import sympy as sp
from hypothesis import example, given
from hypothesis import strategies as st

from theory.activations import ActivationError, get, leaky_relu
from theory.kernels import (
    RHO,
    S1,
    S2,
    C,
    K,
    Kcov,
    Kprime,
    Kprime_cov,
    closed_K,
    closed_Kcov,
    closed_Kprime,
    closed_Kprime_cov,
    k_tail_bound,
    kp_tail_bound,
    kpseries,
    kseries,
)

pi, asin, acos, sqrt = sp.pi, sp.asin, sp.acos, sp.sqrt
r = RHO

# The formulas as printed in the brief / model.md, transcribed literally.
PRINTED_K = {
    "relu": (sqrt(1 - r**2) + (pi - acos(r)) * r) / (2 * pi),
    "abs": 2 / pi * (sqrt(1 - r**2) + r * asin(r)),
    "step": sp.Rational(1, 4) + asin(r) / (2 * pi),
    "sign": 2 / pi * asin(r),
    "erf": 2 / pi * asin(2 * r / 3),
}
PRINTED_KPRIME = {
    "relu": sp.Rational(1, 4) + asin(r) / (2 * pi),
    "abs": 2 / pi * asin(r),
    "erf": (4 / pi) / sqrt(9 - 4 * r**2),
}
POLYS = ["He3", "h2", "quadratic", "cubic", "x**3/6 + x", "x**4 - x + 2", "h5"]
PIECEWISE = ["relu", "abs", "step", "sign", "leaky_relu"]


def same(a: sp.Expr, b: sp.Expr) -> bool:
    """Exact equality on [−1, 1]: sympy simplification, after writing acos through asin."""
    d = sp.simplify((a - b).rewrite(sp.asin))
    return d == 0


# --------------------------------------------------------------------------------------------
# Closed forms: printed formulas, derivatives, polynomials
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PRINTED_K))
def test_closed_K_equals_printed_formula(name):
    assert same(closed_K(name), PRINTED_K[name])


@pytest.mark.parametrize("name", sorted(PRINTED_KPRIME))
def test_closed_Kprime_equals_printed_formula(name):
    assert same(closed_Kprime(name), PRINTED_KPRIME[name])


def test_leaky_relu_kernels_equal_the_relu_combination():
    # σ(x) = relu(x) − a·relu(−x); relu(−a), relu(−b) have correlation ρ, relu(a), relu(−b) −ρ:
    # K = (1 + a²) J1(ρ) − 2a J1(−ρ); σ' = 1[x>0] + a·1[x<0]: K' = (1 + a²) J0(ρ) + 2a J0(−ρ).
    a = sp.Rational(1, 10)
    J1, J0 = PRINTED_K["relu"], PRINTED_KPRIME["relu"]
    act = leaky_relu(a)
    assert same(closed_K(act), (1 + a**2) * J1 - 2 * a * J1.subs(r, -r))
    assert same(closed_Kprime(act), (1 + a**2) * J0 + 2 * a * J0.subs(r, -r))


@pytest.mark.parametrize("name", ["relu", "abs", "step", "sign", "erf", "leaky_relu", *POLYS])
def test_Kprime_is_dK_drho(name):
    kp = closed_Kprime(name)
    if get(name).point_mass_derivative:
        assert kp is None  # σ' has a point mass; dK/dρ exists but is not E[σ'σ'] a.e.
        return
    assert same(sp.diff(closed_K(name), RHO), kp)


@pytest.mark.parametrize("name", ["relu", "abs", "erf", "leaky_relu", "He3", "x**4 - x + 2"])
def test_general_variance_forms_satisfy_price_theorem(name):
    # ∂/∂c E[σ(a)σ(b)] = E[σ'(a)σ'(b)] for any variances (Price's theorem).
    assert same(sp.diff(closed_Kcov(name), C), closed_Kprime_cov(name))


@pytest.mark.parametrize("name", POLYS)
def test_polynomial_K_from_hermite_equals_wick_moments(name):
    # Two independent exact routes: Σ μ_p² ρ^p (Hermite projection) and Isserlis/Wick at unit
    # variances.
    wick = closed_Kcov(name).subs({S1: 1, S2: 1}).subs(C, RHO)
    wick_p = closed_Kprime_cov(name).subs({S1: 1, S2: 1}).subs(C, RHO)
    assert sp.expand(closed_K(name) - wick) == 0
    assert sp.expand(closed_Kprime(name) - wick_p) == 0
    assert closed_K(name).is_polynomial(RHO)


def test_hermite_polynomial_kernel_is_a_monomial():
    # μ_p(h_5) = δ_{p5}, so K = ρ⁵ and K' = 5ρ⁴ exactly.
    assert closed_K("h5") == RHO**5
    assert closed_Kprime("h5") == 5 * RHO**4


@pytest.mark.parametrize("name", ["relu", "abs", "step", "sign", "erf", "leaky_relu", *POLYS])
def test_K_at_one_is_the_second_moment(name):
    act = get(name)
    f = sp.lambdify(sp.Symbol("x", real=True), act.expr, "mpmath")
    with mpmath.workdps(30):
        pts = [-mpmath.inf, *sorted(set(act.kinks) | {0.0}), mpmath.inf]
        m2 = mpmath.quad(lambda x: f(x) ** 2 * mpmath.npdf(x), pts)
    k1 = closed_K(act).subs(RHO, 1)
    assert abs(sp.N(k1, 30) - sp.Float(m2, 30)) < 1e-25


def test_jumps_are_refused_by_the_derivative_kernels():
    assert closed_Kprime("step") is None and closed_Kprime("sign") is None
    for name in ("step", "sign", "Heaviside(x)"):
        with pytest.raises(ActivationError):
            Kprime(name, 0.3)
        with pytest.raises(ActivationError):
            Kprime_cov(name, 1.0, 2.0, 0.5)


def test_no_closed_form_for_smooth_non_polynomial_activations():
    for name in ("tanh", "sigmoid", "softplus", "gelu", "silu", "relu(x - 1)"):
        assert closed_K(name) is None and closed_Kprime(name) is None
    with pytest.raises(ValueError):
        K("tanh", 0.1, method="closed")


# --------------------------------------------------------------------------------------------
# Series and tail bounds
# --------------------------------------------------------------------------------------------

GRID = np.linspace(-0.9, 0.9, 13)


@pytest.mark.parametrize(("name", "bound"), [("relu", 1e-5), ("abs", 1e-5), ("erf", 1e-12),
                                             ("leaky_relu", 1e-5), ("step", 1e-3), ("sign", 1e-3)])
def test_closed_K_matches_series_within_truncation_bound(name, bound):
    # 60 exact coefficients (theory.hermite's exact routes). μ_p² decays like p^{-5/2} for the
    # relu family, p^{-3/2} for jumps (step, sign): hence the looser size check there.
    closed = K(name, GRID)
    series = K(name, GRID, n_terms=60, method="series")
    assert closed.method == "closed" and series.method == "series"
    assert np.all(np.abs(closed.value - series.value) <= series.error)
    assert series.error.max() < bound  # the bound is tight enough to catch a wrong formula


@pytest.mark.parametrize("name", ["relu", "abs", "erf", "leaky_relu"])
def test_closed_Kprime_matches_series_within_truncation_bound(name):
    closed = Kprime(name, GRID)
    series = Kprime(name, GRID, n_terms=60, method="series")
    assert np.all(np.abs(closed.value - series.value) <= series.error)
    assert series.error.max() < 1e-3


def test_series_check_rejects_a_wrong_relu_Kprime():
    wrong = 0.25 + np.arcsin(GRID) / np.pi  # /π instead of /(2π)
    series = Kprime("relu", GRID, n_terms=60, method="series")
    assert np.any(np.abs(wrong - series.value) > series.error)


@pytest.mark.parametrize("name", POLYS)
def test_series_of_exact_polynomial_coefficients_is_exact(name):
    # kseries on sympy input is exact; a polynomial's series terminates, so the numerical series
    # must reproduce the closed polynomial to rounding.
    closed = K(name, GRID)
    series = K(name, GRID, n_terms=8, method="series")
    assert np.all(np.abs(closed.value - series.value) <= series.error + 1e-12)


def test_kseries_and_kpseries_follow_numpy_coefficient_convention():
    mu = [sp.Rational(1, 2), sp.Integer(1), sp.sqrt(2)]
    assert kseries(mu, RHO) == sp.Rational(1, 4) + RHO + 2 * RHO**2
    assert kpseries(mu, RHO) == 1 + 4 * RHO
    x = np.array([0.0, 0.5])
    assert np.allclose(kseries([0.5, 1.0, math.sqrt(2)], x), [0.25, 0.25 + 0.5 + 0.5])


def partial_tail(e: float, n: int, rho: float, shift: int, terms: int = 20_000) -> float:
    """Σ_{p=n+1}^{n+terms} p^{−e} ρ^{p−shift}: a lower bound on the tail (positive terms)."""
    p = np.arange(n + 1, n + 1 + terms, dtype=float)
    return float(np.sum(p ** (-e) * rho ** (p - shift)))


@given(st.floats(0.05, 1.0), st.integers(5, 60), st.floats(0.0, 1.0))
@example(decay=0.4375, n=15, rho=1e-20)  # found by hypothesis: both sides subnormal
def test_tail_bounds_dominate_the_extremal_sequence(decay, n, rho):
    # |μ_p| = C p^{−1−δ} exactly; the bounds must exceed every partial sum of the tail
    # (TINY: below the normal float range both sides underflow to subnormals, where relative
    # comparisons mean nothing, e.g. rho = 1e-20, n = 15.)
    Cc = 1.3
    e = 1 + 2 * decay
    TINY = 1e-300
    assert Cc**2 * partial_tail(e, n, rho, 1) <= kp_tail_bound(Cc, decay, n, rho) * (1 + 1e-12) \
        + TINY
    assert Cc**2 * partial_tail(e + 1, n, rho, 0) <= k_tail_bound(Cc, decay, n, rho) * (1 + 1e-12) \
        + TINY


def test_Kprime_tail_bound_at_rho_one_is_within_a_factor_of_the_tail():
    # at |ρ| = 1 the integral bound exceeds the Hurwitz-zeta tail by a factor 1 + O(1/n)
    n = 200
    tail = float(mpmath.zeta(1.5, n + 1))
    assert tail <= kp_tail_bound(1.0, 0.25, n, 1.0) <= tail * (1 + 1 / n)


# --------------------------------------------------------------------------------------------
# Monte Carlo
# --------------------------------------------------------------------------------------------


def mc_agrees(f, g, s1, s2, c, value, rng, n=400_000, z=5.0) -> bool:
    """Is `value` within z estimated standard errors of the sample mean of f(a)g(b)?

    The seed is fixed, so the outcome is deterministic and cannot flake; the 5σ margin is chosen
    so that a correct formula would fail for a fresh seed with probability ≈ 6·10⁻⁷ (the CLT;
    f(a)g(b) has finite variance for every σ here), i.e. the seed is not tuned. A wrong formula
    is rejected once its error exceeds 5 standard errors (≈ 5·10⁻³ here): see the tests feeding
    wrong formulas.
    """
    g1, g2 = rng.standard_normal((2, n))
    a = s1 * g1
    b = (c / s1) * g1 + math.sqrt(max(s2**2 - (c / s1) ** 2, 0.0)) * g2
    y = f(a) * g(b)
    se = y.std(ddof=1) / math.sqrt(n)
    return abs(y.mean() - value) <= z * se


@pytest.mark.parametrize("name", ["relu", "abs", "step", "sign", "erf", "leaky_relu", "He3"])
@pytest.mark.parametrize("rho", [-0.7, 0.0, 0.45, 0.95])
def test_K_and_Kprime_agree_with_monte_carlo(name, rho):
    act = get(name)
    rng = np.random.default_rng(20241115)
    assert mc_agrees(act.f, act.f, 1.0, 1.0, rho, K(act, rho).value, rng)
    if not act.point_mass_derivative:
        assert mc_agrees(act.df, act.df, 1.0, 1.0, rho, Kprime(act, rho).value, rng)


@pytest.mark.parametrize("name", ["relu", "abs", "step", "erf", "leaky_relu", "He3", "tanh"])
@pytest.mark.parametrize(("s1", "s2", "c"), [(1.3, 0.6, 0.5), (0.7, 2.0, -1.1), (1.5, 1.5, 0.0)])
def test_general_variance_kernels_agree_with_monte_carlo(name, s1, s2, c):
    act = get(name)
    rng = np.random.default_rng(7)
    assert mc_agrees(act.f, act.f, s1, s2, c, Kcov(act, s1, s2, c).value, rng)
    if not act.point_mass_derivative:
        assert mc_agrees(act.df, act.df, s1, s2, c, Kprime_cov(act, s1, s2, c).value, rng)


def test_monte_carlo_check_rejects_wrong_formulas():
    rng = np.random.default_rng(20241115)
    relu, erf = get("relu"), get("erf")
    for rho in (0.3, 0.6, -0.5):
        wrong = 0.25 + math.asin(rho) / math.pi  # /π instead of /(2π)
        assert not mc_agrees(relu.df, relu.df, 1.0, 1.0, rho, wrong, rng)
        wrong = (4 / math.pi) / math.sqrt(9 - rho**2)  # ρ² for 4ρ²
        assert not mc_agrees(erf.df, erf.df, 1.0, 1.0, rho, wrong, rng)
    # general variances: the unit-variance relu K at ρ = c/(s1 s2), without the factor s1 s2
    s1, s2, c = 1.3, 0.6, 0.5
    wrong = float(closed_K("relu").subs(RHO, c / (s1 * s2)))
    assert not mc_agrees(relu.f, relu.f, s1, s2, c, wrong, rng)


# --------------------------------------------------------------------------------------------
# General variances against 2-D quadrature
# --------------------------------------------------------------------------------------------


def quad2(f, s1, s2, c, kinks):
    """E[f(a)f(b)] by nested adaptive quadrature (scipy), split at the kinks of both factors."""
    rc = c / s1
    tau = math.sqrt(s2**2 - rc**2)
    L = 12.0  # φ(12) ≈ 2e−32

    def inner(g1):
        pts = [(k - rc * g1) / tau for k in kinks]
        pts = [p for p in pts if -L < p < L]
        v, _ = scipy.integrate.quad(lambda g2: f(rc * g1 + tau * g2) * math.exp(-g2 * g2 / 2),
                                    -L, L, points=pts or None, epsabs=1e-12, limit=200)
        return f(s1 * g1) * v * math.exp(-g1 * g1 / 2) / (2 * math.pi)

    pts = [k / s1 for k in kinks if -L < k / s1 < L]
    v, err = scipy.integrate.quad(inner, -L, L, points=pts or None, epsabs=1e-11, limit=200)
    return v, err


def scalar(fn):
    return lambda x: float(fn(np.array([x]))[0])


@pytest.mark.parametrize("name", ["relu", "abs", "step", "sign", "erf", "leaky_relu", "tanh"])
def test_general_variance_kernels_agree_with_2d_quadrature(name):
    act = get(name)
    s1, s2, c = 1.4, 0.8, -0.6
    v, err = quad2(scalar(act.f), s1, s2, c, act.kinks)
    k = Kcov(act, s1, s2, c)
    assert abs(k.value - v) <= 1e-8 + k.error + err
    if not act.point_mass_derivative:
        v, err = quad2(scalar(act.df), s1, s2, c, act.kinks)
        k = Kprime_cov(act, s1, s2, c)
        assert abs(k.value - v) <= 1e-8 + k.error + err


@pytest.mark.parametrize("name", POLYS)
def test_wick_moments_equal_exact_gauss_hermite(name):
    # An n-point Gauss–Hermite rule is exact for degree ≤ 2n − 1 in each variable: with n = 8
    # and degree ≤ 5 the rule is exact up to rounding.
    act = get(name)
    x, w = np.polynomial.hermite_e.hermegauss(8)
    w = w / math.sqrt(2 * math.pi)
    for s1, s2, c in [(1.3, 0.6, 0.5), (2.0, 1.0, -1.9)]:
        rc, tau = c / s1, math.sqrt(s2**2 - (c / s1) ** 2)
        for f, fn in ((act.f, Kcov), (act.df, Kprime_cov)):
            q = w @ (f(s1 * x)[:, None] * f(rc * x[:, None] + tau * x[None, :])) @ w
            assert fn(act, s1, s2, c).method == "wick"
            assert abs(fn(act, s1, s2, c).value - q) <= 1e-11 * (1 + abs(q))


def test_relu_general_variance_forms_reduce_to_unit_variance():
    # positively homogeneous: E[relu relu] = s1 s2 K(c/(s1 s2)); relu' is scale invariant
    s1, s2, c = 1.7, 0.4, 0.3
    rho = c / (s1 * s2)
    assert math.isclose(Kcov("relu", s1, s2, c).value, s1 * s2 * K("relu", rho).value,
                        rel_tol=1e-13)
    assert math.isclose(Kprime_cov("relu", s1, s2, c).value, Kprime("relu", rho).value,
                        rel_tol=1e-13)


def test_erf_general_variance_forms_are_the_printed_ones():
    # E[erf'(a)erf'(b)] = (4/π)/√((1+2s1²)(1+2s2²) − 4c²),
    # E[erf(a)erf(b)] = (2/π) arcsin(2c/√((1+2s1²)(1+2s2²)))
    d = (1 + 2 * S1**2) * (1 + 2 * S2**2)
    assert same(closed_Kprime_cov("erf"), (4 / pi) / sqrt(d - 4 * C**2))
    assert same(closed_Kcov("erf"), 2 / pi * asin(2 * C / sqrt(d)))


def test_smooth_kernels_by_series_and_by_quadrature_agree():
    # tanh has no closed form: the Mehler series (unit variance) and 2-D Gauss–Hermite must agree.
    for name in ("tanh", "gelu"):
        for rho in (-0.6, 0.2, 0.85):
            ks, kq = K(name, rho), Kcov(name, 1.0, 1.0, rho)
            assert abs(ks.value - kq.value) <= ks.error + kq.error + 1e-12
            ks, kq = Kprime(name, rho), Kprime_cov(name, 1.0, 1.0, rho)
            assert abs(ks.value - kq.value) <= ks.error + kq.error + 1e-12
