"""Hermite analysis (theory/hermite.py): h_p = He_p/√(p!), μ_p(σ) = E[σ(g) h_p(g)].

Exact statements are checked as sympy equalities; quadrature results against exact values
within the error the function returns (no tolerance chosen here except where stated).
"""

from __future__ import annotations

import math

import mpmath
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from theory import hermite
from theory.activations import X, get, leaky_relu, polynomial
from theory.hermite import (
    decay_fit,
    h_expr,
    he_coeffs,
    information_exponent,
    mu,
    mu_array,
    mus,
    quadrature_mus,
    remark10,
)

SQRT2PI = sp.sqrt(2 * sp.pi)


def _gaussian_moments(top: int) -> list[sp.Expr]:
    """E[g^m], m ≤ top, by sympy's own Gaussian integrals (independent of theory.hermite)."""
    return [sp.integrate(X**m * sp.exp(-X**2 / 2), (X, -sp.oo, sp.oo)) / SQRT2PI
            for m in range(top + 1)]


def _expect_poly(expr: sp.Expr, moments: list[sp.Expr]) -> sp.Expr:
    return sp.expand(sum(c * moments[m] for (m,), c in sp.Poly(expr, X).terms()))


# --- h_p ---------------------------------------------------------------------------------------


def test_h_expr_agrees_with_integer_table_of_he():
    for p in range(31):
        table = sum(c * X**j for j, c in enumerate(he_coeffs(p)))
        assert sp.expand(h_expr(p) * sp.sqrt(sp.factorial(p)) - table) == 0


def test_hermite_polynomials_are_orthonormal_exactly():
    moments = _gaussian_moments(16)
    for p in range(9):
        for q in range(9):
            assert _expect_poly(h_expr(p) * h_expr(q), moments) == (1 if p == q else 0)


def test_correlated_hermite_identity_exactly():
    """E[h_p(a) h_q(ρa + √(1−ρ²) b)] = δ_pq ρ^p for independent standard a, b (Mehler)."""
    a, b, rho, s = sp.symbols("a b rho s", real=True)
    mom = _gaussian_moments(10)
    for p in range(6):
        for q in range(6):
            prod = sp.expand(h_expr(p).subs(X, a) * h_expr(q).subs(X, rho * a + s * b))
            poly = sp.Poly(prod, a, b, s)
            total = sp.Integer(0)
            for (i, j, k), c in poly.terms():
                # odd powers of s come with odd powers of b, whose moment is 0
                s_power = (1 - rho**2) ** (k // 2) if k % 2 == 0 else s**k
                total += c * mom[i] * mom[j] * s_power
            assert sp.expand(total - (rho**p if p == q else 0)) == 0, (p, q)


# --- polynomial route ----------------------------------------------------------------------------


def test_polynomial_coefficients_match_hand_values():
    assert mu("cubic", 1).value == 3  # E[g³ g] = 3
    assert mu("cubic", 3).value == sp.sqrt(6)  # x³ = He_3 + 3 He_1, He_3 = √6 h_3
    assert [c.value for c in mus("He3", 10)] == [0, 0, 0, sp.sqrt(6)] + [0] * 7
    assert [c.value for c in mus("h4", 6)] == [0, 0, 0, 0, 1, 0, 0]
    assert mu("quadratic", 0).value == 1 and mu("quadratic", 2).value == sp.sqrt(2)
    assert all(c.method == "polynomial" and c.exact for c in mus("cubic", 8))


@given(st.lists(st.integers(-20, 20), min_size=1, max_size=9))
def test_hermite_series_of_integer_polynomial_reconstructs_it_exactly(coeffs):
    act = polynomial(coeffs)
    deg = len(coeffs) - 1
    series = sum(c.value * h_expr(c.p) for c in mus(act, deg + 2))
    assert sp.expand(series - act.expr) == 0


def test_parseval_is_exact_for_polynomials():
    moments = _gaussian_moments(20)
    for name in ("cubic", "He3", "x**3 - 3*x + (x**2 - 1)", "x**5/7 - 2*x**2 + 3"):
        act = get(name)
        deg = act.poly.degree()
        total = sum(c.value**2 for c in mus(act, deg))
        assert sp.simplify(total - _expect_poly(act.expr**2, moments)) == 0


# --- piecewise route ------------------------------------------------------------------------------


def _relu_closed_form(p: int) -> sp.Expr:
    """μ_p(relu): 1/√(2π), 1/2, and He_{p−2}(0)/√(2π p!) for p ≥ 2.

    Derivation: He_p φ = (−1)^p φ^{(p)}; two integrations by parts on (0, ∞) give
    E[relu(g) He_p(g)] = (−1)^p φ^{(p−2)}(0) = He_{p−2}(0) φ(0), and He_{2k}(0) = (−1)^k (2k−1)!!,
    He_odd(0) = 0 (e.g. Goel, Karmalkar & Klivans 2019; Daniely, Frostig & Singer 2016 list
    the same series).
    """
    if p == 0:
        return 1 / SQRT2PI
    if p == 1:
        return sp.Rational(1, 2)
    return sp.hermite_prob(p - 2, 0) / (SQRT2PI * sp.sqrt(sp.factorial(p)))


def test_relu_coefficients_match_closed_form_exactly():
    cs = mus("relu", 30)
    assert all(c.method == "half-moments" and c.exact for c in cs)
    for c in cs:
        assert sp.simplify(c.value - _relu_closed_form(c.p)) == 0, c.p
    assert [c.p for c in cs if c.value == 0] == list(range(3, 31, 2))


def test_relu_quadrature_agrees_with_exact_within_returned_error():
    exact = mus("relu", 12)
    for q, e in zip(quadrature_mus("relu", 12), exact, strict=True):
        assert abs(q.approx - e.approx) <= q.error + mpmath.mpf(10) ** -30
        assert q.error <= 1e-30


def test_typed_piecewise_activations_are_exact_and_match_named_ones():
    typed = mus("leaky_relu(x, 1/10)", 12)
    named = mus(leaky_relu("1/10"), 12)
    assert all(c.method == "half-moments" for c in typed)
    assert all(sp.simplify(a.value - b.value) == 0 for a, b in zip(typed, named, strict=True))
    centred = mus("relu(x) - x/2", 6)  # = |x|/2, even
    assert [c.p for c in centred if c.value == 0] == [1, 3, 5]
    shifted = mus("Heaviside(x - 1)", 3)  # P(g > 1) = (1 − erf(1/√2))/2
    assert sp.simplify(shifted[0].value - (1 - sp.erf(1 / sp.sqrt(2))) / 2) == 0
    assert sp.simplify(shifted[1].value - sp.exp(-sp.Rational(1, 2)) / SQRT2PI) == 0


def test_step_and_sign_coefficients_are_exact_with_parity_zeros():
    step, sign = mus("step", 9), mus("sign", 9)
    assert step[0].value == sp.Rational(1, 2)
    assert all(step[p].value == 0 for p in range(2, 10, 2))
    assert all(sign[p].value == 0 for p in range(0, 10, 2))
    assert all(sp.simplify(sign[p].value - 2 * step[p].value) == 0 for p in range(1, 10, 2))


# --- Stein route and quadrature -------------------------------------------------------------------


def _arcsin_taylor(p: int) -> sp.Expr:
    if p % 2 == 0:
        return sp.Integer(0)
    k = (p - 1) // 2
    return sp.factorial(2 * k) / (4**k * sp.factorial(k) ** 2 * (2 * k + 1))


def test_erf_coefficients_match_arcsine_kernel_exactly():
    """E[erf(a) erf(b)] = (2/π) arcsin(2ρ/3) = Σ μ_p² ρ^p, so μ_p² = (2/π) [z^p]arcsin (2/3)^p."""
    for c in mus("erf", 30):
        assert c.method == "stein"
        target = 2 / sp.pi * _arcsin_taylor(c.p) * sp.Rational(2, 3) ** c.p
        assert sp.simplify(c.value**2 - target) == 0, c.p


def test_erf_coefficients_satisfy_stein_identity_against_sympy_integrals():
    """μ_p = E[σ^{(p)}(g)]/√(p!) with E computed by sympy.integrate (independent of the route)."""
    for p in range(1, 6):
        deriv = sp.diff(sp.erf(X), X, p)
        e = sp.integrate(deriv * sp.exp(-X**2 / 2), (X, -sp.oo, sp.oo)) / SQRT2PI
        assert sp.simplify(mu("erf", p).value - e / sp.sqrt(sp.factorial(p))) == 0, p


def test_parseval_for_erf_with_bounded_tail():
    """Σ_{p≤30} μ_p² ≤ E[erf(g)²] = (2/π) arcsin(2/3) ≤ Σ_{p≤30} μ_p² + (6/π)(2/3)^31.

    Tail: μ_p² = (2/π) c_p (2/3)^p with 0 ≤ c_p ≤ 1 (previous test), summed geometrically.
    """
    with mpmath.workdps(40):
        partial = mpmath.fsum(c.approx**2 for c in mus("erf", 30, dps=40))
        full = 2 / mpmath.pi * mpmath.asin(mpmath.mpf(2) / 3)
        tail = 6 / mpmath.pi * (mpmath.mpf(2) / 3) ** 31
        assert 0 <= full - partial <= tail


def test_stein_route_for_gelu_agrees_with_quadrature_within_returned_error():
    for q, e in zip(quadrature_mus("gelu", 12), mus("gelu", 12), strict=True):
        assert e.method == "stein"
        assert abs(q.approx - e.approx) <= q.error + mpmath.mpf(10) ** -30


def test_quadrature_agrees_with_stein_for_erf_and_its_error_is_tight():
    quad = quadrature_mus("erf", 20)
    for q, e in zip(quad, mus("erf", 20), strict=True):
        assert abs(q.approx - e.approx) <= q.error + mpmath.mpf(10) ** -30
        assert q.error <= 1e-20
    # even p: exact zeros by symmetry (erf is odd), proved by sympy, not by the numbers
    assert all(quad[p].is_zero for p in range(0, 21, 2))


def test_quadrature_of_a_polynomial_agrees_with_exact_and_parity_gives_its_degree():
    """Odd part x³ − 3x and even part x² − 1 are polynomials: every μ_p is exact by parity,
    and equals the polynomial route's; the plain ball quadrature agrees within its bounds."""
    name = "x**3 - 3*x + (x**2 - 1)"
    quad = quadrature_mus(name, 8)
    assert all(q.exact for q in quad)
    assert [q.value for q in quad] == [e.value for e in mus(name, 8)]
    balls = hermite._balls(get(name).expr, 8, 30, None).balls
    for b, e in zip(balls, mus(name, 8), strict=True):
        assert abs(hermite.to_mpf(b)[0] - e.approx) <= hermite.to_mpf(b)[1] + mpmath.mpf(10) ** -30


def test_symmetry_gives_exact_zeros_for_tanh_sigmoid_silu():
    tanh, sig, silu = mus("tanh", 12), mus("sigmoid", 12), mus("silu", 12)
    assert all(tanh[p].is_zero for p in range(0, 13, 2))
    assert not any(tanh[p].exact for p in range(1, 13, 2))
    # the parts that are polynomials give exact values too: sigmoid's even part is 1/2,
    # silu's and softplus's odd part is x/2 (issue #11: μ_0(sigmoid) = μ_1(silu) = 1/2)
    assert all(sig[p].is_zero for p in range(2, 13, 2)) and sig[0].value == sp.Rational(1, 2)
    assert all(silu[p].is_zero for p in range(3, 13, 2)) and silu[1].value == sp.Rational(1, 2)
    assert mus("softplus", 3)[1].value == sp.Rational(1, 2) and mus("softplus", 3)[3].is_zero


def test_quadrature_coefficients_have_25_digits_up_to_p30():
    for c in mus("tanh", 30):
        if not c.exact:
            assert c.error <= abs(c.approx) * mpmath.mpf(10) ** -25, c.p


NAMED = ("relu", "abs", "leaky_relu", "sigmoid", "tanh", "erf", "gelu", "silu", "softplus",
         "quadratic", "cubic", "He3", "h4", "step", "sign")


def _exact_or_25_digits(name: str, n: int) -> None:
    for c in mus(name, n):
        assert c.exact or c.error <= abs(c.approx) * mpmath.mpf(10) ** -25, (name, c.p)


@pytest.mark.parametrize("name", NAMED)
def test_named_activation_coefficients_are_exact_or_have_25_digits_up_to_p6(name):
    _exact_or_25_digits(name, 6)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMED)
def test_named_activation_coefficients_are_exact_or_have_25_digits_up_to_p30(name):
    _exact_or_25_digits(name, 30)


def test_mu_array_is_float64_of_the_coefficients():
    arr = mu_array("relu", 4)
    assert arr.dtype == float and arr.shape == (5,)
    assert arr.tolist() == [float(c) for c in mus("relu", 4)]
    assert arr[1] == 0.5 and arr[3] == 0.0


# --- Remark 10 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["erf", "gelu", "relu", "abs", "cubic", "h4"])
def test_remark10_holds_exactly_for_exact_routes(name):
    for p in range(1, 13):
        lhs, rhs = remark10(name, p)
        assert lhs.exact and rhs.exact
        assert sp.simplify(lhs.value - rhs.value) == 0, (name, p)


def test_remark10_holds_for_tanh_within_returned_errors():
    for p in range(1, 11):
        lhs, rhs = remark10("tanh", p)
        err = lhs.error + rhs.error
        assert abs(lhs.approx - rhs.approx) <= err + mpmath.mpf(10) ** -30, p


@pytest.mark.slow
@pytest.mark.parametrize("name", ["sigmoid", "silu", "softplus", "tanh"])
def test_remark10_holds_for_smooth_activations_up_to_p20(name):
    for p in range(1, 21):
        lhs, rhs = remark10(name, p)
        assert abs(lhs.approx - rhs.approx) <= lhs.error + rhs.error + mpmath.mpf(10) ** -30


def test_remark10_needs_the_dirac_part_for_step():
    """Printed with the a.e. derivative σ' = 0 it fails for step (not absolutely continuous)."""
    lhs, rhs = remark10("step", 1)
    assert lhs.value == 1 / SQRT2PI and rhs.value == 0
    for p in range(1, 10):
        lhs, rhs = remark10("step", p, distributional=True)
        assert sp.simplify(lhs.value - rhs.value) == 0, p
        lhs, rhs = remark10("sign", p, distributional=True)
        assert sp.simplify(lhs.value - rhs.value) == 0, p


def test_remark10_with_dirac_part_for_a_jump_of_a_smooth_function():
    """σ = Heaviside(x)·cos(x) jumps by 1 at 0; both sides by quadrature, within errors."""
    for p in range(1, 8):
        lhs, rhs = remark10("Heaviside(x)*cos(x)", p, distributional=True)
        assert abs(lhs.approx - rhs.approx) <= lhs.error + rhs.error + mpmath.mpf(10) ** -30
    lhs, rhs = remark10("Heaviside(x)*cos(x)", 1)
    assert abs(lhs.approx - rhs.approx) > 0.1  # without the Dirac part: off by φ(0)


# --- information exponent and decay ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [("relu", 1), ("He3", 3), ("h4", 4), ("quadratic", 2), ("abs", 2), ("tanh", 1),
     ("x**3-3*x+ (x**2-1)", 2), ("sign", 1), ("gelu", 1), ("h4(x) + h3(x)/10", 3)],
)
def test_information_exponent(name, expected):
    assert information_exponent(name) == expected


def test_information_exponent_is_none_without_nonzero_coefficient_up_to_pmax():
    assert information_exponent("h4", pmax=3) is None
    assert information_exponent("x**2 - 1 + 0*x") == 2


def test_decay_fit_finds_relu_exponent_one_quarter():
    """|μ_p(relu)| = (p−3)!!/√(2π p!) ~ p^{-5/4} on even p: ρ = 1/4 (Assumption 6.2)."""
    fit = decay_fit("relu")
    assert fit.kind == "power"
    assert all(p % 2 == 0 for p in fit.p_used) and len(fit.p_used) == 12
    assert abs(fit.rho - 0.25) <= 2 * fit.rho_stderr
    assert fit.rho_stderr < 0.02
    for c in mus("relu", 30)[1:]:
        assert abs(float(c)) <= fit.C * c.p ** (-1 - fit.rho) * (1 + 1e-12)


def test_decay_fit_reports_step_as_failing_assumption_6_2():
    fit = decay_fit("step")  # |μ_p| ~ p^{-3/4}: ρ = −1/4 < 0
    assert fit.kind == "power" and abs(fit.rho + 0.25) <= 2 * fit.rho_stderr


def test_decay_fit_reports_erf_and_gelu_as_faster_than_any_power():
    """μ_p(erf)² ∝ c_p (2/3)^p and μ_p(gelu)² ∝ (1/2)^p: geometric rates log(3/2)/2, log(2)/2."""
    for name, kappa in (("erf", math.log(1.5) / 2), ("gelu", math.log(2) / 2)):
        fit = decay_fit(name)
        assert fit.kind == "faster than any power" and fit.rho == math.inf
        assert abs(fit.kappa - kappa) <= 5 * fit.kappa_stderr + 1e-3 * kappa


def test_decay_fit_of_polynomial_is_finite_expansion():
    fit = decay_fit("He3")
    assert fit.kind == "finite expansion" and fit.rho == math.inf


# --- caching -------------------------------------------------------------------------------------


def test_cache_is_keyed_on_the_expression_not_the_name(monkeypatch):
    mus("x**3", 5)
    calls = []
    monkeypatch.setattr(hermite, "_mus", lambda *a: calls.append(a))
    assert [c.value for c in mus("cubic", 5)] == [c.value for c in mus("x**3", 5)]
    assert [c.value for c in mus("cubic", 3)] == [0, 3, 0, sp.sqrt(6)]  # a smaller batch: sliced
    assert calls == []
