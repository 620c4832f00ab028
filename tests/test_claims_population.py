"""Tests of the population-gradient claims DC-P4, DC-D1, DC-EQ7, DC-R15, DC-H, DC-A6.

Each check runs once in profile quick (module fixture); altered printed statements (a wrong
exponent, a wrong constant, a swapped parity) must flip the verdicts, and the corrected forms
must be what the checks verify.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from numerics.claims import STATUSES, Context, run_claim
from numerics.claims import gradient as cg
from numerics.claims import hermite as hc
from numerics.claims import hforms as hf
from numerics.claims import large_xi as cx
from numerics.claims import orthonormal as co
from theory import hermite, population
from theory import printed as pr

QUICK = Context(profile="quick")
M = hf.M


@pytest.fixture(scope="module")
def verdicts():
    """Every claim of the two modules, run once through the registry's runner."""
    claims = [cg.P4, cg.D1, co.EQ7, cx.R15, hc.H, hc.A6]
    return {c.id: run_claim(c, QUICK) for c in claims}


EXPECTED = {
    "DC-P4": ["confirmed"] * 4,
    "DC-D1": ["confirmed", "confirmed", "erratum", "confirmed", "confirmed", "erratum",
              "confirmed", "erratum"],
    "DC-EQ7": ["confirmed", "confirmed", "confirmed", "confirmed", "erratum", "supported"],
    "DC-R15": ["confirmed", "erratum", "erratum"],
    "DC-H": ["confirmed"] * 4,
    "DC-A6": ["confirmed", "confirmed", "confirmed", "erratum", "confirmed"],
}


@pytest.mark.parametrize("cid", sorted(EXPECTED))
def test_each_claim_returns_its_declared_subchecks_with_the_found_statuses(verdicts, cid):
    vs = verdicts[cid]
    assert all(v.status in STATUSES for v in vs)
    assert [v.status for v in vs] == EXPECTED[cid], [(v.id, v.summary, v.reason) for v in vs]
    for v in vs:
        assert v.evidence and v.tolerance and v.convention
        if v.status == "erratum":
            assert v.corrected


def test_every_verdict_serialises_to_json(verdicts):
    import json

    for vs in verdicts.values():
        for v in vs:
            json.dumps(v.to_dict())


def test_user_activations_are_checked_too():
    ctx = Context(profile="quick", activations=("x**3 + 2*x",))
    v = cg._p4b(ctx, cg.PRINTED_P4)
    assert v.status == "confirmed"
    assert any(r["activation"] == "x**3 + 2*x" for r in v.evidence["comparisons"])
    assert "x**3 + 2*x" in [r["activation"] for r in hc._h_c(ctx, hc.PRINTED_H).evidence["rows"]]


def test_r15_printed_term_is_prop4s_inner_sum_up_to_the_power_of_the_normalisation(verdicts):
    ev = verdicts["DC-R15"][0].evidence
    assert ev["printed_term_times_q^(l+1)_is_prop4_inner_sum"] is True


def test_the_quick_profile_of_all_six_claims_is_fast(verdicts):
    total = sum(v.seconds for vs in verdicts.values() for v in vs)
    assert total < 30, total  # budget 15 s; 30 leaves room for a loaded machine


# ---------------------------------------------------------------------------------------------
# Altered printed statements flip the verdicts
# ---------------------------------------------------------------------------------------------


def test_p4_series_with_a_wrong_power_of_the_normalisation_is_refuted():
    def wrong(m, mu, G, lam, c, chat, xi, T=None):
        # (1/(1+ξ²/k))^{l+s} instead of ^{l+s+1}
        return pr.h_prop4(m, mu, G, lam, c, chat, xi, T=T) * (1 + xi**2 / len(lam))

    v = cg._p4b(QUICK, {**cg.PRINTED_P4, "h": wrong})
    assert v.status == "refuted"


def test_p4_with_the_parity_of_T_swapped_is_refuted():
    def swapped(l, s, G, lam, c, chat):
        return pr.T_prop4(l + 1, s, G, lam, c, chat)

    assert cg._p4b(QUICK, {**cg.PRINTED_P4, "T": swapped}).status == "refuted"
    assert cg._p4a(QUICK, {**cg.PRINTED_P4, "T": swapped}).status == "refuted"


def test_d1_definition_of_h_with_the_corrected_prefactor_is_confirmed():
    f = hf.Form(cg.D1_SUB[2], pr.h_D1c_corrected)
    assert hf.compare_form(f, QUICK).status == "confirmed"
    # and the printed (1 + ξ²) form is an erratum only because the corrected form holds
    g = hf.Form(cg.D1_SUB[2], pr.h_D1c, pr.h_D1c)
    assert hf.compare_form(g, QUICK).status == "refuted"


def test_d1_gradient_with_power_p_instead_of_p_minus_1_is_refuted():
    def wrong(m, mu, G, lam, c, chat, xi):
        k = len(lam)
        return 2 * sum(lam[i] * lam[j] * xi**2 / (1 + xi**2 / k) * c[i] * chat[j]
                       * sum(p * mu[p] ** 2 * pr.rho_D1(m, G, c, chat, xi, i, j) ** p
                             for p in range(1, len(mu)))
                       for i in range(k) for j in range(k))

    assert hf.compare_form(hf.Form(cg.D1_SUB[0], wrong), QUICK).status == "refuted"


def test_d1_parity_rule_with_a_wrong_power_of_k_is_refuted():
    def wrong(l, ci, cj, k):
        return 1 / k ** (l + 1) if l % 2 else ci * cj / k ** (l + 1)

    v = cg.check_d1(QUICK, printed={**cg.PRINTED_D1, "DC-D1.e": wrong})[4]
    assert v.id == "DC-D1.e" and v.status == "refuted"


def test_d1_xi1_specialisation_with_the_factor_2_is_confirmed_and_with_3_refuted():
    ok = hf.Form(cg.D1_SUB[7], cg._xi1(pr.h_D51_xi1_corrected), xi1=True)
    assert hf.compare_form(ok, QUICK).status == "confirmed"
    bad = hf.Form(cg.D1_SUB[7], lambda *a: 3 * cg._xi1(pr.h_D51_xi1)(*a), xi1=True)
    assert hf.compare_form(bad, QUICK).status == "refuted"


def test_r15_with_the_corrected_exponent_is_confirmed():
    v = cx._r15c(QUICK, {**cx.PRINTED_R15,
                         "init_exponent": pr.remark15_init_exponent_corrected})
    assert v.status == "confirmed"


def test_r15_term_with_a_growing_factor_does_not_vanish():
    def growing(l, mu, G, lam, c, chat, xi):
        return pr.remark15_term(l, mu, G, lam, c, chat, xi) * (1 + xi**2 / len(lam)) ** 2

    assert cx._r15a(QUICK, {**cx.PRINTED_R15, "term": growing}).status == "refuted"


def test_r15_limit_fails_against_the_symbolic_limit_and_the_glm_form_matches_on_glm_data():
    v = cx.check_r15(QUICK)[1]
    assert v.status == "erratum"
    assert all(r["limit_equals_2*GLM_h"] for r in v.evidence["glm_instance"])


def test_eq7_tables_with_swapped_parity_are_refuted():
    def swapped(l, lam, c, chat):
        return pr.T0_orthonormal_p10(l + 1, lam, c, chat)

    assert co._eq7_tables(co.EQ7_SUB[0], swapped, pr.Ts_orthonormal_p10,
                          QUICK).status == "refuted"


def test_eq7_magnitudes_with_a_wrong_exponent_are_not_supported():
    v = co._eq7f(QUICK, {**co.PRINTED_EQ7, "exponents": (1.0, 1.0, 0.0)})
    assert v.status == "not-supported"


def test_eq7_eq7_term_with_a_wrong_constant_breaks_the_decomposition():
    def wrong(mu, lam, c, chat, xi):
        return 2 * pr.eq7(mu, lam, c, chat, xi)

    assert co._eq7c(QUICK, {**co.PRINTED_EQ7, "eq7": wrong}).status == "refuted"


def test_h_correlation_identity_with_a_wrong_power_is_refuted():
    v = hc._h_a(QUICK, {**hc.PRINTED_H, "corr": lambda p, q, r: r ** (p + 1) if p == q else 0})
    assert v.status == "refuted"


def test_h_remark10_with_1_over_p_instead_of_1_over_sqrt_p_is_refuted():
    v = hc._h_c(QUICK, {**hc.PRINTED_H, "remark10": lambda mu, p: mu[p - 1] / p})
    assert v.status == "refuted"


def test_h_parseval_with_a_shifted_index_is_refuted():
    v = hc._h_b(QUICK, {**hc.PRINTED_H, "parseval": lambda a, b: sum(
        x * y for x, y in zip(a[1:], b[:-1], strict=False))})
    assert v.status == "refuted"


def test_a6_remark9_with_the_corrected_bound_is_confirmed():
    v = hc._a6d(QUICK, {**hc.PRINTED_A6, "remark9": pr.remark9_bound_corrected})
    assert v.status == "confirmed"


# ---------------------------------------------------------------------------------------------
# The pieces the checks rest on
# ---------------------------------------------------------------------------------------------


def test_series_tail_bound_covers_the_truncation_of_the_printed_series_for_relu():
    G = np.eye(3)
    lam = np.array([1.0, -0.5, 2.0])
    c = np.array([1, 1, -1]) / math.sqrt(3)
    chat = np.array([1, -1, -1]) / math.sqrt(3)
    for n in (10, 20, 40):
        mu = hermite.mu_array("relu", n)
        for m in (-0.9, 0.5, 0.9):
            exact = population.h_closed(m, G, lam, c, chat, 1.0, "relu").value
            trunc = pr.h_prop4(m, mu, G, lam, c, chat, 1.0)
            b = hf.series_tail_bound(m, G, lam, c, chat, 1.0, "relu", n)
            assert abs(trunc - exact) <= b
            assert b < 1e3 * abs(trunc - exact) + 1e-12  # not vacuous


def test_moment_ratio_matches_the_relu_closed_form():
    for r in (-0.5, 0.0, 0.9, 0.999):
        # E[(relu(g1) − relu(g2))²] = 2(K(1) − K(r)), K(r) = (√(1−r²) + (π − arccos r) r)/(2π)
        K = (math.sqrt(1 - r * r) + (math.pi - math.acos(r)) * r) / (2 * math.pi)
        exact = math.sqrt(2 * (0.5 - K)) / (math.sqrt(2 * (1 - r)) * 3 ** 0.25)
        c, err = hc.moment_ratio("relu", r, 2)
        assert abs(c - exact) <= max(err, 1e-12) * 10


def test_hermite_correlation_is_exact_in_rho():
    assert hc.hermite_corr_exact(3, 3) == hc.RHO**3
    assert hc.hermite_corr_exact(2, 4) == 0


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 4), st.floats(-0.95, 0.95), st.floats(0.3, 3.0),
       st.integers(0, 2**31 - 1))
def test_printed_expanded_gradient_equals_minus_h_for_random_unit_row_instances(k, m, xi, seed):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((k, k + 2))
    W /= np.linalg.norm(W, axis=1, keepdims=True)
    G = W @ W.T
    lam = rng.uniform(-2, 2, k)
    c = rng.choice([-1, 1], k) / math.sqrt(k)
    chat = rng.choice([-1, 1], k) / math.sqrt(k)
    mu = hermite.mu_array("h4", 4) + hermite.mu_array("He3", 4)
    g = pr.grad_D1b(m, mu, G, lam, c, chat, xi)
    h = pr.h_prop4(m, mu, G, lam, c, chat, xi)
    absum = pr.h_prop4(abs(m), np.abs(mu), np.abs(G), np.abs(lam), np.abs(c), np.abs(chat), xi)
    assert abs(g + h) <= 1e-12 * (1 + abs(absum) * 10)


def test_the_d1c_and_corrected_forms_agree_exactly_at_k_1():
    xi = sp.Symbol("xi", positive=True)
    mu = hf.exact_mus("He3")
    a = pr.h_D1c(M, mu, sp.eye(1), [2], [1], [-1], xi)
    b = pr.h_D1c_corrected(M, mu, sp.eye(1), [2], [1], [-1], xi)
    assert hf.same(a, b)
