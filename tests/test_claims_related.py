"""Related systems (LO-*, NTK-*): computed verdicts at the quick profile, and each check flips
when it is fed a wrong statement."""

import numpy as np
import pytest

from numerics.claims import Context, registry
from numerics.claims import related as R
from theory import spectral as th

Q = Context(profile="quick")


def test_registered_in_the_related_section():
    reg = registry()
    ids = {"LO-STEIN", "LO-DEGEN", "LO-N", "LO-VS-SGD", "LO-MULTI", "NTK-LAND", "NTK-FLOOR"}
    assert ids <= set(reg)
    assert all(reg[i].section == "related" for i in ids)


def test_lo_stein_confirms_the_formula_and_rejects_one_factor_changed():
    m = R.stein_measure(Q)
    assert [v.status for v in R.stein_verdicts(m)] == ["confirmed"] * 3

    def half(inst):  # the loss with ½: the factor 2 dropped
        a = th.onestep_a(inst.gram(), inst.lam, inst.c, inst.xi, inst.act, half=True)
        return a.value, a.error

    def xi2(inst):  # ξ² for ξ
        a = th.onestep_a(inst.gram(), inst.lam, inst.c, inst.xi, inst.act)
        return a.value * inst.xi, a.error * inst.xi

    for wrong in (half, xi2):
        assert R.stein_verdicts(m, formula=wrong)[0].status == "refuted"


def test_lo_degen_and_its_wrong_statements():
    m = R.degen_a_measure(Q)
    assert R.degen_a_verdict(m).status == "confirmed"
    assert R.degen_a_verdict(m, spectral=False).status == "refuted"
    assert R._degen_b(Q).status == "confirmed"
    assert R._degen_b(Q, every_chat=False).status == "refuted"
    assert R._degen_c(Q).status == "confirmed"
    wrong = lambda *a: 1.01 * th.h0_from_onestep(*a)  # noqa: E731
    assert R._degen_c(Q, h0_formula=wrong).status == "refuted"


@pytest.fixture(scope="module")
def n_meas():
    return R.n_measure(Q)


def test_lo_n_whitened_law_holds_and_a_wrong_n_half_is_refuted(n_meas):
    a, b = R.n_verdicts(n_meas)
    assert b.status in ("confirmed", "inconclusive"), b.summary  # quick: few draws
    assert not [r for r in b.evidence["rows"] if r["N/N½"] >= 2 and r["±0.02"] == "outside"]
    rows = a.evidence["rows"]
    # the matrix law follows the plain estimator where the first-order law does not
    zs = [r for r in rows if r["c"] == "zero-sum"]
    assert max(abs(r["measured"] - r["matrix law"]) for r in zs) < \
        max(abs(r["gap"]) for r in zs)
    assert R.n_verdicts(n_meas, law_scale=1.6)[1].status == "refuted"


@pytest.fixture(scope="module")
def vs_meas():
    return R.vs_measure(Q)


def test_lo_vs_sgd_and_its_wrong_statements(vs_meas):
    a, b, c = R.vs_verdicts(vs_meas)
    assert (a.status, b.status, c.status) == ("confirmed", "confirmed", "confirmed"), \
        [a.summary, b.summary, c.summary]
    a2, b2, c2 = R.vs_verdicts(vs_meas, power=1.5, warm_fewer=False)
    assert (a2.status, b2.status, c2.status) == ("refuted", "refuted", "refuted")


def test_lo_multi_is_inconclusive_with_its_reason():
    (v,) = R.check_multi(Q)
    assert v.status == "inconclusive" and "not in the public material" in v.reason


def test_ntk_land_and_a_wrong_threshold():
    a, b, c = R.check_land(Q)
    assert (a.status, b.status, c.status) == ("supported", "supported", "inconclusive")
    # every rank above 'threshold' r ≥ 1: rank one (below the optimum's rank) fails
    assert R.check_land(Q, threshold=lambda r, N: True)[1].status == "not-supported"


def test_ntk_floor_and_a_stricter_reading():
    (v,) = R.check_floor(Q)
    assert v.status == "supported", v.summary
    assert R.check_floor(Q, small=0.99)[0].status == "not-supported"


def test_median_interval_covers_at_the_stated_rate():
    rng = np.random.default_rng(0)
    hits = sum(lo <= 0.0 <= hi for _, lo, hi in
               (R.median_ci(rng.standard_normal(51), 0.1) for _ in range(2000)))
    # coverage ≥ 90% by construction (order statistics); an interval at the wrong level
    # (α = 0.5) covers far less often
    assert hits / 2000 >= 0.88
    low = sum(lo <= 0.0 <= hi for _, lo, hi in
              (R.median_ci(rng.standard_normal(51), 0.5) for _ in range(2000)))
    assert low / 2000 < 0.8
