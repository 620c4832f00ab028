"""DC-C3, DC-L25, DC-L26, DC-L28, DC-P29, DC-C4, DC-P30: verdicts as computed, and each check
flips on a deliberately wrong statement (exact checks) or detects a deliberately too-strong
bound (frequency checks: their power)."""

import dataclasses
from fractions import Fraction

import numpy as np
import pytest

from numerics.claims import Context
from numerics.claims import anticoncentration as A
from theory import anticoncentration as ac

Q = Context(profile="quick")


def test_influence_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    V, t = rng.standard_normal((5, 4)), rng.standard_normal(5)
    f, gV, gt = A.influence_gradient(V, t, 3.0)
    h = 1e-6
    for idx in [(0, 0), (2, 3), (4, 1)]:
        E = np.zeros_like(V)
        E[idx] = h
        fd = (A.influence_gradient(V + E, t, 3.0)[0] - A.influence_gradient(V - E, t, 3.0)[0]) / (
            2 * h)
        assert abs(fd - gV[idx]) < 1e-7
    for i in (0, 3):
        e = np.zeros(5)
        e[i] = h
        fd = (A.influence_gradient(V, t + e, 3.0)[0] - A.influence_gradient(V, t - e, 3.0)[0]) / (
            2 * h)
        assert abs(fd - gt[i]) < 1e-7


def test_c3_verdicts_and_power():
    assert [v.status for v in A.check_c3(Q)] == ["confirmed", "confirmed", "erratum"]
    wrong = dataclasses.replace(ac.PRINTED_CLAIM3, const=Fraction(1, 4))  # 8× too strong
    for unit in (True, False):  # the search alone detects it, and shrinks the counterexample
        v = A._c3_search(Q, wrong, unit, "x", climb=False)
        assert v.status == "refuted"
        assert len(v.evidence["counterexample (shrunk)"]["M"]) <= 4
    val, _ = A.climb_influence(8, 1.0, np.random.default_rng(0), 1)  # the optimiser alone
    assert val > ac.cor27_bound(8, 1, 1, wrong)
    fixed = dataclasses.replace(ac.PRINTED_CLAIM3, proof_frob_power=4)
    one = A._c3_proof(Q, fixed)  # q⁴_min alone: the first term still misses q²_max
    assert one.status == "erratum"
    assert not one.evidence["failures per inequality"]["printed ‖Q‖²_F ≥ kq_min^p"]
    assert A._c3_proof(Q, fixed, first_qmax=True).status == "confirmed"


def test_l28_power():
    assert [v.status for v in A.check_l28(Q)] == ["supported", "supported"]
    wrong = dataclasses.replace(ac.PRINTED_LEMMA28, eps_power=Fraction(2))
    assert A.check_l28(Q, printed=wrong)[1].status == "not-supported"
    # the floor falls like k^{−1/2}: an o(1/k) floor is rejected
    assert A.check_l28(Q, floor_power=1.0)[0].status == "not-supported"


def test_p30_power():
    assert [v.status for v in A.check_p30(Q)] == ["supported", "supported"]
    st = [v.status for v in A.check_p30(Q, printed=ac.Prop30Printed(gamma_power=Fraction(2)))]
    assert st == ["not-supported", "not-supported"]


def test_prop30_probabilities_brute_force():
    import itertools
    lam = [1, 2, 1, 3]
    k = 4
    P = [p for p in itertools.product((1, -1), repeat=k)]
    for g in (Fraction(1, 10), Fraction(1, 2), Fraction(2)):
        want1 = sum(abs(np.dot(lam, b) * np.dot(lam, bh)) / k <= g * 1 for b in P for bh in P)
        want2 = sum(abs(np.dot(np.square(lam), np.multiply(b, bh))) / k <= g / np.sqrt(k)
                    for b in P for bh in P)
        assert A.prop30_probabilities(lam, "product", [g])[0][0] == Fraction(want1, 4**k)
        assert A.prop30_probabilities(lam, "diagonal", [g])[0][0] == Fraction(want2, 4**k)


@pytest.mark.parametrize("check", [A.check_l25, A.check_l26])
def test_gaussian_lemmas_power(check):
    assert [v.status for v in check(Q)] == ["supported"]
    wrong = A.GaussianPrinted(degree=Fraction(1, 3), root=Fraction(1, 4))
    assert check(Q, printed=wrong)[0].status == "not-supported"


def test_p29_flips_on_a_negative_coefficient():
    st = [v.status for v in A.check_p29(Q)]
    assert st == ["confirmed", "confirmed", "confirmed", "erratum", "supported"]
    bad = A.check_p29(Q, coefficients={"cubic": [0, 1, 0, -1]})  # K′ = 1 − ρ²
    assert bad[0].status == "refuted" and bad[1].status == "refuted"
    wrong = dataclasses.replace(ac.PRINTED_LEMMA28, eps_power=Fraction(2))
    assert A.check_p29(Q, printed=wrong)[4].status == "not-supported"
    assert A._p29c(Q, lam_power=1).status == "refuted"  # (q_max/q_min)² = λ_max/λ_min: wrong
    assert A._p29d(Q, factor=2).status == "confirmed"  # p.38 with Prop. 4's factor 2


def test_c4_flips():
    assert [v.status for v in A.check_c4(Q)] == ["confirmed", "loose", "erratum"]
    st = [v.status for v in A.check_c4(Q, printed=A.Claim4Printed(parseval=2,
                                                                   lower_k_power=-1.0,
                                                                   shift=1))]
    assert st == ["refuted", "not-supported", "confirmed"]


def test_search_does_not_depend_on_loaded_modules(tmp_path, monkeypatch):
    """Hypothesis reads numeric literals from loaded modules into its draws; the seeded
    searches of DC-C3, DC-L28, DC-P29 must not see them (a module full of literals loaded
    between two runs changed 300-example searches before the fix)."""
    import sys
    import types

    from numerics.strategies import integer_psd, search

    def trace():
        seen = []
        search(lambda M: (seen.append(M.tolist()), float(M.shape[0]))[1], integer_psd(2, 6),
               300, 3)
        return seen

    before = trace()
    f = tmp_path / "literals_probe.py"
    f.write_text("X = [" + ", ".join(str(i) for i in range(100, 400)) + "]\n")
    mod = types.ModuleType("literals_probe")
    mod.__file__ = str(f)
    monkeypatch.setitem(sys.modules, "literals_probe", mod)
    assert trace() == before
