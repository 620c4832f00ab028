"""Named activations and the whitelist parser: what is accepted, and what it means."""

import numpy as np
import pytest
import sympy as sp

from theory.activations import NAMED, ActivationError, X, get, leaky_relu, parse

GRID = np.linspace(-3, 3, 61)


@pytest.mark.parametrize("name", NAMED)
def test_named_numpy_callables_match_the_sympy_expression(name):
    act = get(name)
    f = sp.lambdify(X, act.expr, modules=["numpy", {"erf": __import__("scipy.special").special.erf,
                                                    "Heaviside": lambda a: np.heaviside(a, 0.5)}])
    off0 = GRID[GRID != 0]  # jumps (step, sign) are conventions at 0
    np.testing.assert_allclose(act.f(off0), np.asarray(f(off0), float) + 0 * off0, rtol=1e-12,
                               atol=1e-14)


@pytest.mark.parametrize("name", [n for n in NAMED if n not in ("step", "sign")])
def test_named_derivatives_match_finite_differences(name):
    act = get(name)
    t = GRID[np.abs(GRID) > 0.05]
    eps = 1e-6
    fd = (act.f(t + eps) - act.f(t - eps)) / (2 * eps)
    np.testing.assert_allclose(act.df(t), fd, rtol=1e-6, atol=1e-6)


def test_step_and_sign_are_refused_by_gradient_parts():
    for name in ("step", "sign"):
        with pytest.raises(ActivationError, match="point mass"):
            get(name).require_gradient()
    get("relu").require_gradient()  # a kink is fine


def test_hermite_families_are_the_probabilists_polynomials():
    assert get("He3").expr == X**3 - 3 * X
    assert sp.simplify(get("h2").expr - (X**2 - 1) / sp.sqrt(2)) == 0
    assert get("He0").expr == 1


def test_parsed_expression_equals_the_sympy_tree_it_denotes():
    assert parse("tanh(2*x) + x**3/6").expr == sp.tanh(2 * X) + X**3 / 6
    assert parse("0.1*x").expr == X / 10  # decimal literals are exact rationals
    assert parse("relu(x) - relu(-x)").expr == sp.Max(X, 0) - sp.Max(-X, 0)
    assert parse("He3(x)").expr == X**3 - 3 * X
    assert parse("Max(x, 0)").expr == sp.Max(X, 0)
    assert parse("leaky_relu(x, 0.2)").f(np.array([-1.0]))[0] == pytest.approx(-0.2)
    assert parse("exp(-x**2/2)").expr == sp.exp(-X**2 / 2)


def test_parsed_activation_with_heaviside_is_marked_as_having_a_jump():
    assert parse("Heaviside(x) + x").point_mass_derivative
    assert not parse("relu(x)").point_mass_derivative


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("exp(x**2/4)", "growth"),
        ("exp(x**2/5)**2", "growth"),  # rate 2/5 ≥ 1/4
        ("exp(exp(x))", "growth"),
        ("exp(x**3)", "growth"),
        ("1/x", "not provably positive"),
        ("log(x)", "not provably positive"),
        ("sqrt(x)", "non-negative"),
        ("x**0.5", "non-integer power"),
        ("x**31", "beyond the limit"),
        ("(x**30)**30", "degree"),
        ("9**9**9**9", "beyond the limit"),
        ("1e400", "beyond the limit"),
        ("2", "does not depend on x"),
        ("y", "unknown name 'y'"),
        ("foo(x)", "unknown function 'foo'"),
        ("Max(x, x**2)", "constant argument"),
        ("x^2", "use \\*\\* for powers"),
    ],
)
def test_refusals_say_what_is_wrong(text, fragment):
    with pytest.raises(ActivationError, match=fragment):
        parse(text)


def test_growth_rule_accepts_rates_below_a_quarter():
    assert parse("exp(x**2/5)").expr == sp.exp(X**2 / 5)  # rate 1/5 < 1/4
    assert parse("exp(-x**4)").expr == sp.exp(-X**4)  # bounded
    assert parse("x*exp(x)").expr == X * sp.exp(X)  # exp of a linear term


def test_leaky_relu_pieces_are_exact():
    act = leaky_relu("1/10")
    assert act.pieces[0][2] == X / 10 and act.pieces[1][2] == X


def test_the_certified_routes_refuse_text_instead_of_sympifying_it():
    # sympify of a string evaluates it: text must come through parse(), never reach sympify
    from theory import envelope, gauss, kernels

    for call in (gauss.env_of, kernels.norm2, envelope.envelope, envelope.lower,
                 lambda t: gauss.hermite_balls(t, 3, 10), lambda t: gauss.second_moment(t, 10),
                 lambda t: kernels.scaled_coefficients(t, 1.0, 3)):
        with pytest.raises(TypeError, match="not text"):
            call('__import__("os").getcwd()')
    from theory.activations import X
    assert kernels.norm2(sp.Max(X, 0)).contains(0.5)   # an expression still goes through
