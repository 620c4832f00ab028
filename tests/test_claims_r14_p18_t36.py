"""Tests for DC-R14, DC-P18, DC-T36 (numerics.claims.first_moment,
separation, learning_teacher; theory.first_moment, separation, learning_teacher): the declared
sub-checks come back with the found statuses, and altered printed statements flip verdicts."""

from __future__ import annotations

import dataclasses
import json
import time

import numpy as np
import pytest
import sympy as sp

from numerics.claims import Context, run_claim
from numerics.claims import first_moment as cfm
from numerics.claims import learning_teacher as clt
from numerics.claims import separation as csep
from theory import first_moment as tfm
from theory import learning_teacher as tlt
from theory import population
from theory import separation as tsep

QUICK = Context(profile="quick")


_CPU: dict[str, float] = {}


@pytest.fixture(scope="module")
def verdicts():
    t0 = time.process_time()  # CPU time: the machine is shared, wall time is not ours
    out = {c.id: run_claim(c, QUICK) for c in (cfm.R14, csep.P18, clt.T36)}
    _CPU["quick"] = time.process_time() - t0
    return out


FOUND = {
    "DC-R14": ["erratum", "erratum", "confirmed"],
    "DC-P18": ["confirmed", "erratum", "supported", "supported"],
    "DC-T36": ["confirmed", "confirmed", "confirmed", "confirmed"],
}


@pytest.mark.parametrize("cid", sorted(FOUND))
def test_each_claim_returns_its_declared_subchecks_with_the_found_statuses(verdicts, cid):
    claim = {c.id: c for c in (cfm.R14, csep.P18, clt.T36)}[cid]
    assert [v.id for v in verdicts[cid]] == [s.id for s in claim.subchecks]
    assert [v.status for v in verdicts[cid]] == FOUND[cid]
    for v in verdicts[cid]:
        json.dumps(v.to_dict())
        assert v.status != "erratum" or v.corrected


def test_quick_profile_of_the_three_claims_takes_at_most_10_cpu_seconds(verdicts):
    assert _CPU["quick"] <= 10


def test_r14_with_the_models_swapped_is_confirmed():
    vs = cfm.check_r14(QUICK, tfm.Remark14(order=("teacher", "base")))
    assert [v.status for v in vs[:2]] == ["confirmed", "confirmed"]


def test_r14_with_the_third_hermite_coefficient_is_refuted():
    vs = cfm.check_r14(QUICK, tfm.Remark14(coefficient="mu3"))
    assert vs[0].status == "refuted" and vs[1].status == "refuted"


def test_stein_and_direct_routes_agree_symbolically_for_erf_and_relu():
    for name in ("relu", "erf"):
        assert sp.simplify(tfm.stein_coefficient(name) - tfm.first_moment_direct(name)) == 0


def test_r14_moment_for_erf_has_w_terms():
    _, cw = tfm.remark14_moment("erf", [1], [sp.Rational(1, 2)])
    assert cw[0] != 0


def test_p18_display_with_a_wrong_power_of_k_over_k_plus_1_is_refuted():
    v = csep._p18a(QUICK, tsep.Prop18Printed(prefactor_offset=-1))
    assert v.status == "refuted"


def test_p18_offdiagonal_bound_with_the_corrected_constant_is_confirmed():
    # 2^{p−1} λ²/k^{p−2} ≥ 2^{p−1}(k−1)λ²/k^{p−1}: with constant 16 (p ≤ 5) the printed form holds
    assert csep._p18b(QUICK, tsep.Prop18Printed(offdiag_const=16.0)).status == "confirmed"


def test_p18_remainder_with_a_wrong_exponent_is_not_supported():
    assert csep._p18c(QUICK, tsep.Prop18Printed(remainder_power=2.0)).status == "not-supported"


def test_p18_sign_condition_with_fraction_2_is_not_supported():
    assert csep._p18d(QUICK, tsep.Prop18Printed(fraction=2.0)).status == "not-supported"


def test_claim2_batch_matches_the_integer_polynomial_and_the_exact_h():
    rng = np.random.default_rng(7)
    k, p = 4, 4
    s = rng.choice([-1, 1], k)
    T = rng.choice([-1, 1], (3, k))
    Q, _ = csep.claim2_batch(k, p, s, T)
    for r in range(3):
        ints = tsep.claim2_integer_poly(k, p, [int(v) for v in s], [int(v) for v in T[r]])
        assert Q[r].tolist() == [float(v) for v in ints]
    W, c, _u = csep.tc.claim2_matrix(k, [int(v) for v in s])
    ch = [int(v) / sp.sqrt(k) for v in T[0]]
    h = population.h_exact(f"h{p}", W * W.T, [1] * k, c, ch, 1, "normalised")
    lhs = sp.expand(2 * p * sp.Rational(k, k + 1) ** p / sp.Integer(k) ** p * sum(
        q * population.M**e for e, q in enumerate(Q[0].astype(int).tolist())))
    assert sp.expand(lhs - h) == 0


def test_clopper_pearson_covers_the_proportion_and_matches_scipy():
    from scipy.stats import binomtest

    lo, hi = csep.clopper_pearson(7, 50)
    ci = binomtest(7, 50).proportion_ci(method="exact")
    assert abs(lo - ci.low) < 1e-12 and abs(hi - ci.high) < 1e-12


def test_t36_identity_with_a_missing_square_root_is_refuted():
    D = sp.Symbol("D", positive=True)
    bad = dataclasses.replace(tlt.PRINTED_T36, identity_rhs=(tlt.XI / tlt.KS) * D / sp.sqrt(
        1 + tlt.XI**2 / tlt.KS))
    assert clt._t36a(QUICK, bad).status == "refuted"


def test_t36_orders_with_swapped_exponents_are_refuted():
    bad = dataclasses.replace(tlt.PRINTED_T36, order_xi_const=2, order_xi_sqrtk=1)
    assert clt._t36b(QUICK, bad).status == "refuted"


def test_t36_threshold_ten_times_too_large_makes_the_witness_fail():
    bad = dataclasses.replace(tlt.PRINTED_T36, threshold=40 * tlt.PRINTED_T36.threshold)
    assert clt._t36d(QUICK, bad).status == "refuted"


def test_t36_proof_bound_without_the_factor_k_is_refuted():
    bad = dataclasses.replace(tlt.PRINTED_T36, proof_bound=tlt.PRINTED_T36.proof_bound / tlt.KS**2)
    assert clt._t36c(QUICK, bad).status == "refuted"


def test_t36_best_loss_is_at_most_the_candidate_and_zero_at_the_teacher():
    for m in (1.0, 0.9, -0.8):
        r = tlt.t36_losses("relu", np.eye(3).tolist(), [1.0, 0.7, 1.2], [1, -1, 1], m, 1.3)
        assert r["best"] <= r["candidate"] + 1e-30
        assert r["best"] >= -1e-25
    r = tlt.t36_losses("erf", np.eye(2).tolist(), [1.0, 2.0], [1, -1], -1.0, 1.0)
    assert abs(float(r["best"])) < 1e-25 and abs(float(r["candidate"])) < 1e-25
