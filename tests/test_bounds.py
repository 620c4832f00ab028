"""The order-comparison machinery of theory/bounds.py on known cases.

It must see a wrong exponent of d, k or ε, must not be fooled by log factors, and the
failure-probability classes (o, O, exact) must nest the right way.
"""

from __future__ import annotations

import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from theory.bounds import (
    PRINTED,
    FailureBound,
    compare_orders,
    covers,
    d,
    drop_logs,
    eps,
    first_branch,
    gamma,
    k,
    lam_max,
    log,
    order,
    order_with_logs,
    ratio,
    sqrt,
    thm16,
    xibar,
)

L = log(lam_max**4 * d * k**2)


def test_order_reads_exponents_of_a_monomial():
    o = order(d * k**sp.Rational(7, 2) / eps**3)
    assert (o[d], o[k], o[eps]) == (1, sp.Rational(7, 2), -3)


def test_order_of_a_sum_is_the_dominant_term_in_each_direction():
    o = order(d * k + k**3 + 1 / eps**2)
    assert (o[d], o[k], o[eps]) == (1, 3, -2)


def test_constants_and_ceilings_do_not_change_the_order():
    from theory.bounds import C_delta, C_ps, mu_c
    base = d * k**2 / eps**4
    assert order(sp.ceiling(16 * C_delta * C_ps / mu_c * base)) == order(base)


def test_log_factors_do_not_change_the_order():
    base = lam_max**4 * d * k**2 / (gamma**2 * eps**4)
    with_logs = base * L**3 * log(1 / eps) / log(d * k)
    assert order(with_logs) == order(base)
    assert order_with_logs(with_logs) == order(base)


def test_drop_logs_removes_every_log():
    assert not drop_logs(d * L**2 * log(log(k))).has(sp.log)


@settings(max_examples=12, deadline=None)
@given(a=st.integers(-3, 3), b=st.integers(-6, 6), c=st.integers(-4, 4), n=st.integers(0, 3))
def test_order_recovers_random_exponents_and_ignores_logs(a, b, c, n):
    expr = d**a * k**sp.Rational(b, 2) * eps**c * log(d * k / eps) ** n
    o = order(expr)
    assert (o[d], o[k], o[eps]) == (a, sp.Rational(b, 2), c)
    assert order_with_logs(expr)[k] == sp.Rational(b, 2)


def test_wrong_exponent_of_d_k_or_eps_is_detected():
    true = order(d * k**2 / eps**4)
    for wrong in (k**2 / eps**4, d * k / eps**4, d * k**2 / eps**3):
        assert compare_orders(true, order(wrong))["relation"] == "violated"
    for loose in (d**2 * k**2 / eps**4, d * k**3 / eps**4, d * k**2 / eps**5):
        assert compare_orders(true, order(loose))["relation"] == "upper-bound"
    assert compare_orders(true, order(d * k**2 * L / eps**4))["relation"] == "equal"


def test_gap_names_the_symbol_and_the_size_of_the_mismatch():
    gap = compare_orders(order(d * k**2), order(d * k**3))["gap"]
    assert gap == {"k": "1"}


def test_first_branch_takes_the_non_constant_argument_of_min():
    assert first_branch(sp.Min(eps**3 * k, 1)) == eps**3 * k
    assert first_branch(eps) == eps


def test_thm16_T_is_d_V_over_S2_eps4_up_to_logs_and_16():
    S, V = sp.symbols("S V", positive=True)
    T = thm16(S, V)["T"].replace(lambda e: isinstance(e, sp.Min), first_branch)
    assert sp.simplify(drop_logs(T) / (d * V / (S**2 * eps**4))) == 16


def test_failure_classes_nest_the_right_way():
    o_r = FailureBound("p", (("o", ratio),))
    o_1 = FailureBound("p", (("o", 1),))
    assert covers(o_r, ("o", 1))[0]
    assert not covers(o_1, ("o", ratio))[0]
    assert covers(o_1, ("exact", sp.exp(-2 * k / sp.E)))[0]
    assert covers(o_1, ("exact", 1 / k**3))[0]
    assert not covers(o_r, ("O", sqrt(gamma)))[0]
    assert covers(FailureBound("p", (("O", sqrt(gamma)),)), ("O", 3 * sqrt(gamma)))[0]


def test_exact_terms_compare_on_the_range_of_xibar():
    loose = FailureBound("p", (("exact", sp.exp(-2 / (sp.E * xibar))),))
    tight = FailureBound("p", (("exact", sp.exp(-2 / (sp.E * xibar**2))),))
    assert covers(loose, ("exact", sp.exp(-2 / (sp.E * xibar**2))))[0]
    assert not covers(tight, ("exact", sp.exp(-2 / (sp.E * xibar))))[0]
    in_k = FailureBound("p", (("exact", sp.exp(-2 * k / (sp.E * xibar**2))),))
    assert not covers(in_k, ("exact", sp.exp(-2 / (sp.E * xibar**2))))[0]


def test_printed_thm13_T_order_is_its_own_alpha_times_lambda4_dk2():
    R = PRINTED["thm13"]["any"]
    assert compare_orders(order(R.T), order(R.T_order))["relation"] == "equal"
