"""DC-GLME, DC-EX1, DC-C2: the exact constructions, and checks that the checkers can fail.

Every check takes the printed setting as data; feeding a deliberately altered statement (a wrong
constant, a flipped sign, a wrong matrix entry) must flip its verdict. All comparisons are exact
(sympy), except Claim 2 in float64, whose tolerance is Higham's dot-product bound.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from numerics.claims import Context
from numerics.claims import glm as cglm
from numerics.claims import identifiability as cid
from numerics.claims import separation as csep
from theory import constructions as tc

QUICK = Context(profile="quick")


def _status(verdicts, sub_id):
    return next(v.status for v in verdicts if v.id == sub_id)


# ---------------------------------------------------------------- DC-GLME


def test_glm_embedding_is_sigma_of_u_x_exactly_in_raw_and_normalised_rows():
    for conv in ("raw", "normalised"):
        assert sp.simplify(tc.glm_teacher(tc.PRINTED_GLM, tc.K, conv) - tc.SIGMA(tc.T)) == 0
        for k in (1, 2, 7, 50):
            assert sp.simplify(tc.glm_teacher(tc.PRINTED_GLM, k, conv) - tc.SIGMA(tc.T)) == 0


def test_glm_embedding_in_appb_convention_is_half_scale_over_sqrt_k():
    assert tc.appb_scale(tc.PRINTED_GLM) == sp.Rational(1, 2)
    f = tc.glm_teacher(tc.PRINTED_GLM, 9, "appB")
    assert sp.simplify(f - tc.SIGMA(tc.T / 2) / 3) == 0


def test_glm_check_verdicts_on_printed_statement():
    vs = cglm.check_glme(QUICK)
    assert [v.status for v in vs] == ["confirmed"] * 3
    assert [v.convention for v in vs] == ["raw", "normalised", "appB"]


@pytest.mark.parametrize("altered", [
    tc.GLMEmbedding(c=1 / sp.sqrt(tc.K), lam=1 / tc.K, xi=2 * sp.sqrt(tc.K)),  # wrong ξ
    tc.GLMEmbedding(c=1 / sp.sqrt(tc.K), lam=1 / (2 * tc.K), xi=sp.sqrt(tc.K)),  # wrong λ
    tc.GLMEmbedding(c=-1 / sp.sqrt(tc.K), lam=1 / tc.K, xi=sp.sqrt(tc.K)),  # flipped sign of c
])
def test_glm_check_refutes_an_altered_embedding(altered):
    vs = cglm.check_glme(QUICK, printed=altered)
    assert _status(vs, "DC-GLME.a") == "refuted"


def test_glm_normalisation_hides_a_wrong_scale_but_not_a_wrong_lambda():
    # normalising divides out ξc, so a wrong ξ is invisible there; a wrong λ is not
    wrong_xi = tc.GLMEmbedding(c=1 / sp.sqrt(tc.K), lam=1 / tc.K, xi=2 * sp.sqrt(tc.K))
    wrong_lam = tc.GLMEmbedding(c=1 / sp.sqrt(tc.K), lam=2 / tc.K, xi=sp.sqrt(tc.K))
    assert _status(cglm.check_glme(QUICK, wrong_xi), "DC-GLME.b") == "confirmed"
    assert _status(cglm.check_glme(QUICK, wrong_lam), "DC-GLME.b") == "refuted"


# ---------------------------------------------------------------- DC-EX1

_E = tc.PRINTED_EXAMPLE1


def test_example1_printed_settings_give_the_same_teacher_with_different_rows():
    r = tc.example1_check(_E)
    assert r["same_function"] and r["pairs_differ"] and r["equal_norms"]
    assert r["u_unit"] == [True, True]
    # the same quadratic form: compare Gram matrices Σ λ_i v_i v_iᵀ exactly
    rows, rows_p = tc.example1_rows(_E)
    M = sum((v * v.T for v in rows), sp.zeros(2))
    Mp = sum((v * v.T for v in rows_p), sp.zeros(2))
    assert all(tc.is_zero(e) for e in M - Mp)


def test_example1_check_confirms_printed():
    assert [v.status for v in cid.check_example1(QUICK)] == ["confirmed"] * 3


def test_example1_check_refutes_when_c_prime_sign_is_flipped():
    altered = tc.Example1(_E.lam, _E.w, _E.u, _E.u_prime, _E.c, c_prime=_E.c)  # c' = c
    assert _status(cid.check_example1(QUICK, altered), "DC-EX1.a") == "refuted"


def test_example1_check_refutes_a_wrong_constant_in_u_prime():
    altered = tc.Example1(_E.lam, _E.w, _E.u, (1 / sp.sqrt(3), sp.sqrt(6) / 2), _E.c, _E.c_prime)
    assert _status(cid.check_example1(QUICK, altered), "DC-EX1.a") == "refuted"


def test_example1_check_refutes_pairs_and_norms_when_they_are_altered():
    same = tc.Example1(_E.lam, _E.w, _E.u, _E.u, _E.c, _E.c)  # identical perturbations
    vs = cid.check_example1(QUICK, same)
    assert [v.status for v in vs] == ["confirmed", "refuted", "confirmed"]
    longer = tc.Example1(_E.lam, _E.w, _E.u, _E.u_prime, _E.c,
                         tuple(2 * e for e in _E.c_prime))
    assert _status(cid.check_example1(QUICK, longer), "DC-EX1.c") == "refuted"


# ---------------------------------------------------------------- DC-C2


@given(st.integers(1, 7).flatmap(
    lambda k: st.lists(st.sampled_from([1, -1]), min_size=k, max_size=k)))
def test_claim2_construction_has_orthonormal_normalised_rows_for_any_signs(s):
    k = len(s)
    r = tc.orthonormality_report(*tc.claim2_matrix(k, s))
    assert r["orthonormal"] and r["unit_rows"] and r["u_perp"] and r["c_quantised"]
    assert tc.claim2_matrix(k, s)[0].cols == 1 + k * (k + 1) // 2


def test_claim2_extra_coordinates_keep_orthonormality_and_too_few_are_refused():
    k, s = 4, (1, -1, -1, 1)
    W, c, u = tc.claim2_matrix(k, s, d=tc.claim2_d_min(k) + 3)
    assert W.cols == 14 and tc.orthonormality_report(W, c, u)["orthonormal"]
    with pytest.raises(ValueError, match="needs d"):
        tc.claim2_signs(k, s, d=tc.claim2_d_min(k) - 1)


def test_claim2_with_wrong_c_magnitude_fails_exactly():
    wrong = tc.Claim2Printed(diag=1 / sp.sqrt(tc.K), pair=1 / sp.sqrt(tc.K), c=1 / tc.K)
    vs = csep.check_claim2(QUICK, printed=wrong)
    assert _status(vs, "DC-C2.a") == "refuted"
    assert _status(vs, "DC-C2.b") == "refuted"


def test_claim2_with_wrong_pair_magnitude_fails_in_floats():
    wrong = tc.Claim2Printed(diag=1 / sp.sqrt(tc.K), pair=1 / tc.K, c=1 / sp.sqrt(tc.K))
    dev, d = csep.claim2_float_deviation(8, np.ones(8, dtype=int), wrong)
    assert dev > 1e-3  # exact value is O(1/k), far above the 4(d+4)·2⁻⁵³ bound
    assert _status(csep.check_claim2(QUICK, printed=wrong), "DC-C2.b") == "refuted"


def test_claim2_float_deviation_is_within_the_dot_product_bound_at_k30():
    rng = np.random.default_rng(7)
    for _ in range(3):
        s = rng.choice([-1, 1], size=30)
        dev, d = csep.claim2_float_deviation(30, s)
        assert d == 1 + 30 * 31 // 2
        assert dev <= 4 * (d + 4) * 2.0**-53


def test_k4_example_as_printed_fails_and_alternating_signs_fix_it():
    W, u = sp.Matrix(tc.PRINTED_K4.W), tc.k4_u(tc.PRINTED_K4)
    printed = tc.orthonormality_report(W, list(tc.PRINTED_K4.c), u)
    assert not printed["orthonormal"] and not printed["c_quantised"]
    assert printed["unit_rows"] and printed["u_perp"]
    assert printed["failing_pairs"] == [list(p) for p in itertools.combinations(range(1, 5), 2)]
    fixed = tc.orthonormality_report(W, [sp.Rational((-1) ** i, 2) for i in range(1, 5)], u)
    assert fixed["orthonormal"] and fixed["c_quantised"]
    assert tc.k4_sign_vectors_that_work(tc.PRINTED_K4) == [(-1, 1, -1, 1), (1, -1, 1, -1)]


def test_k4_check_is_erratum_as_printed_and_confirmed_with_the_correction():
    v = csep.check_claim2(QUICK)[2]
    assert v.status == "erratum" and "(−1)^i/2" in v.corrected
    corrected = tc.K4Example(tc.PRINTED_K4.W, tuple(sp.Rational((-1) ** i, 2)
                                                   for i in range(1, 5)))
    assert csep.check_claim2(QUICK, printed_k4=corrected)[2].status == "confirmed"


def _with_entry(i, j, value):
    W = [list(r) for r in tc.PRINTED_K4.W]
    W[i][j] = value
    return tc.K4Example(tuple(tuple(r) for r in W), tc.PRINTED_K4.c)


@pytest.mark.parametrize("i,j,value", [
    (2, 1, sp.Rational(1, 2)),   # flipped sign of a shared entry: no sign vector c works
    (0, 0, sp.Rational(1, 3)),   # wrong magnitude: row 1 no longer unit
])
def test_k4_check_refutes_a_wrong_entry_in_the_matrix(i, j, value):
    assert csep.check_claim2(QUICK, printed_k4=_with_entry(i, j, value))[2].status == "refuted"


def test_k4_check_is_blind_to_a_sign_on_a_private_coordinate():
    # w_1's 7th coordinate is shared with no other row: its sign changes no inner product
    v = csep.check_claim2(QUICK, printed_k4=_with_entry(0, 6, -sp.Rational(1, 2)))[2]
    assert v.status == "erratum"
