"""DC-RATES, DC-C1R and DC-SUM: each verdict is computed, and altering a printed statement
(wrong exponent, wrong constant, flipped sign, misplaced factor) flips it."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from numerics.claims import Context, run_claim
from numerics.claims import rates as R
from numerics.claims import series as I
from theory.bounds import (
    PRINTED,
    FailureBound,
    d,
    eps,
    gamma,
    k,
    lam_max,
    ratio,
    sqrt,
    xi,
    xibar,
)

QUICK = Context(profile="quick")


@pytest.fixture(scope="module")
def rates():
    return {v.id: v for v in run_claim(R.RATES, QUICK)}


@pytest.fixture(scope="module")
def sums():
    return {v.id: v for v in run_claim(I.SUM, QUICK)}


def _with(key, **changes):
    """A copy of PRINTED with one theorem's Rates altered (every case)."""
    P = dict(PRINTED)
    P[key] = {c: dataclasses.replace(r, **{n: f(r) for n, f in changes.items()})
              for c, r in PRINTED[key].items()}
    return P


# --- the computed verdicts ----------------------------------------------------------------------
def test_every_subcheck_returns_its_declared_id_with_evidence(rates, sums):
    for claim, got in ((R.RATES, rates), (I.SUM, sums)):
        assert list(got) == [s.id for s in claim.subchecks]
        for v in got.values():
            assert v.evidence and v.tolerance
            # a corrected / sharper / derived form exactly when the verdict is not confirmed,
            # and a reason for the verdict word
            assert (v.corrected is not None) == (v.status != "confirmed")
            assert bool(v.why) == (v.status != "confirmed")


def test_rates_verdicts_as_derived(rates):
    status = {i.split(".")[1]: v.status for i, v in rates.items()}
    by_word = {w: {a for a, s in status.items() if s == w} for w in set(status.values())}
    assert by_word == {
        "confirmed": set("behikmnpt"),
        "loose": set("acjq"),  # hold as printed; the sharper form is verified beside them
        "not-derived": set("lors"),  # do not follow from the cited results; not shown false
        "erratum": set("dfgu"),  # printed identities of formulas that fail
    }


def test_thm11_printed_T_is_loose_by_exactly_k(rates):
    v = rates["DC-RATES.a"]
    assert v.status == "loose" and "dk**2" in v.corrected.replace("d*k**2", "dk**2")
    assert v.evidence["mu1!=0"]["gap_printed_minus_derived"] == {"k": "1"}
    assert v.evidence["mu1!=0"]["holds_as_upper_bound"]


def test_thm19_count_is_not_derived_and_thm12_probability_loose(rates):
    v = rates["DC-RATES.l"]
    assert v.status == "not-derived" and v.evidence["gap_dke"] == {"k": "-1"}
    assert "not" in v.why and "false" in v.why
    q = rates["DC-RATES.q"]
    assert q.status == "loose" and q.evidence["holds_as_bound"]


def test_thm13_eta_has_lambda_max4_on_the_wrong_side(rates):
    ev = rates["DC-RATES.f"].evidence["any"]
    assert ev["mismatched"] == ["eta"]
    assert ev["eta"]["gap"] == {"lambda_max": "8"}


def test_thm12_proof_S_k_lacks_xibar2_and_lemma6_repairs_it(rates):
    v = rates["DC-RATES.d"]
    assert v.evidence["mu1!=0"]["delta"]["gap"] == {"xibar": "-2"}
    assert all(not c["mismatched"] for c in v.evidence["with_lemma6_S_k"].values())


def test_c1r_verdicts():
    got = {v.id: v.status for v in run_claim(R.C1R, QUICK)}
    assert got == {"DC-C1R.a": "confirmed", "DC-C1R.b": "confirmed", "DC-C1R.c": "not-derived"}


def test_sum_verdicts(sums):
    assert [v.status for v in sums.values()] == ["erratum", "erratum", "confirmed", "confirmed"]
    assert "LambertW(1)" in sums["DC-SUM.b"].evidence["roots"][0]
    assert sums["DC-SUM.a"].evidence["closed_minus_k(k+1)^l"] == "0"


# --- altered statements flip the verdicts ---------------------------------------------------
def test_thm11_T_order_corrected_to_dk2_confirms_and_dk_fails():
    fixed = _with("thm11", T_order=lambda r: r.T_order / k)
    assert R.check_T(fixed["thm11"], R.XI1, "x").status == "confirmed"
    low = _with("thm11", T_order=lambda r: r.T_order / k**2)
    v = R.check_T(low["thm11"], R.XI1, "x")
    assert v.status == "erratum" and not v.evidence["mu1!=0"]["holds_as_upper_bound"]


def test_rate_checker_tells_a_loose_bound_from_a_false_one():
    # Thm. 13's printed Õ equals the order of its printed T: confirmed; the same bound times k
    # still holds (loose, with the sharper order named); divided by k it fails (erratum)
    assert R.check_T(PRINTED["thm13"], R.XI1, "x").status == "confirmed"
    loose = R.check_T(_with("thm13", T_order=lambda r: r.T_order * k)["thm13"], R.XI1, "x")
    false = R.check_T(_with("thm13", T_order=lambda r: r.T_order / k)["thm13"], R.XI1, "x")
    assert (loose.status, false.status) == ("loose", "erratum")
    assert "dk**3" in loose.corrected.replace("d*k**3", "dk**3") and loose.why and false.why


@pytest.mark.parametrize("change, word", [
    (lambda t: t / eps, "loose"),  # larger as ε → 0: still an upper bound
    (lambda t: t * d, "loose"),
    (lambda t: t / d, "erratum"),  # smaller than the printed T's own order: false
    (lambda t: t * gamma, "erratum"),
])
def test_thm13_T_order_with_a_wrong_exponent_is_flagged(change, word):
    bad = _with("thm13", T_order=lambda r: change(r.T_order))
    assert R.check_T(bad["thm13"], R.XI1, "x").status == word


def test_thm12_S_k_with_xibar2_agrees_with_lemma6():
    fixed = _with("thm12", S=lambda r: r.S * xibar**2)
    assert R.check_S_vs_lemmas("x", fixed).status == "confirmed"
    assert R.check_S_vs_lemmas("x").status == "erratum"


def test_thm13_eta_with_lambda4_in_the_denominator_matches_thm16():
    fixed = _with("thm13", eta=lambda r: r.delta / (lam_max**4 * d * k**2))
    assert R.check_vs_thm16(fixed["thm13"], R.XI1, "x").status == "confirmed"


def test_thm11_delta_with_a_wrong_power_of_eps_is_flagged():
    bad = _with("thm11", delta=lambda r: r.delta * eps)
    assert R.check_vs_thm16(bad["thm11"], R.XI1, "x", S_over=R._S0).status == "erratum"


def test_informal_thm2_with_a_wrong_k_exponent_is_flagged():
    bad = dataclasses.replace(PRINTED["thm2"], eta=eps**3 / (d * k**3))
    assert R.check_informal(bad, PRINTED["thm13"], R.XI1, "x").status == "erratum"


def test_informal_thm1_with_dk3_confirms():
    fixed = dataclasses.replace(PRINTED["thm1"], T_order=d * k**3 / eps**4)
    P = _with("thm12", T_order=lambda r: r.T_order / k)
    assert R.check_informal(fixed, P["thm12"], R.XIK, "x").status == "confirmed"


def test_thm19_with_dk3_confirms_and_dk4_is_loose():
    fixed = dataclasses.replace(PRINTED["thm19"], T_order=d * k**3 / eps**4)
    assert R.check_thm19(fixed, "x").status == "confirmed"
    larger = dataclasses.replace(PRINTED["thm19"], T_order=d * k**4 / eps**4)
    assert R.check_thm19(larger, "x").status == "loose"


def test_thm3_with_d_squared_is_loose_and_without_d_not_derived():
    larger = dataclasses.replace(PRINTED["thm3"], T_order=d**2)
    assert R.check_thm3(larger, PRINTED["thm19"], "x").status == "loose"
    smaller = dataclasses.replace(PRINTED["thm3"], T_order=sp.Integer(1))
    assert R.check_thm3(smaller, PRINTED["thm19"], "x").status == "not-derived"


def test_failure_probabilities_flip():
    F = PRINTED["failure"]
    fixed13 = FailureBound("t", (("o", ratio), ("O", sqrt(gamma))))
    assert R.check_failure(fixed13, [F["lemma8"], F["prop7"], F["prop29"]], R.XI1,
                           "x").status == "confirmed"
    fixed12 = FailureBound("t", (("o", ratio), ("exact", sp.exp(-2 / (sp.E * xibar**2))),
                                 ("O", sqrt(gamma))))
    assert R.check_failure(fixed12, [F["lemma6"], F["prop30"]], R.XIK, "x").status == "confirmed"
    sign = FailureBound("t", (("o", ratio), ("exact", sp.exp(+2 / (sp.E * xibar**2))),
                              ("O", sqrt(gamma))))
    # exp(+2/(eξ̄²)) > 1: a vacuous failure term; the printed probability holds, loosely
    assert R.check_failure(sign, [F["lemma6"], F["prop30"]], R.XIK, "x").status == "loose"
    no_gamma = FailureBound("t", (("o", ratio),))
    v = R.check_failure(no_gamma, [F["lemma6"], F["prop30"]], R.XI1, "x")
    assert v.status == "not-derived" and "O(sqrt(gamma))" in v.evidence["uncovered"]
    # a larger printed term than any source's: the probability holds, loosely
    big = FailureBound("t", (("o", ratio), ("exact", sp.exp(-2 / (sp.E * xibar))),
                             ("O", sqrt(gamma))))
    assert R.check_failure(big, [F["lemma6"], F["prop30"]], R.XIK, "x").status == "loose"


def test_sec31_with_d_over_eps4_confirms():
    S, V = sp.symbols("S_k V_k")
    assert R.check_sec31("x", d * V / (S**2 * eps**4)).status == "confirmed"
    assert R.check_sec31("x").status == "not-derived"
    assert R.check_sec31("x", d**2 * V / (S**2 * eps**4)).status == "loose"


def test_contraction_with_a_flipped_sign_is_refuted():
    assert R.check_contraction("x", lambda e, h, m: 1 - e * h * (1 - m)).status == "refuted"
    assert R.check_contraction("x", lambda e, h, m: 1 + e * h * (1 + m)).status == "refuted"


def test_sum_order_with_k_to_the_l_plus_1_confirms():
    P = dict(I.PRINTED["sum_order"], order=lambda l: k ** (l + 1))
    assert I.check_sum_order("x", P, lmax=2).status == "confirmed"


def test_power_bound_with_the_gap_hypothesis_confirms_and_nu_squared_does_not():
    gap = dict(I.PRINTED["power_bound"], bound=lambda v: 1 - v)
    assert I.check_power_bound("x", gap, grid=99).status == "confirmed"
    wrong = dict(I.PRINTED["power_bound"], exponent=lambda g, v: g * v)
    assert I.check_power_bound("x", wrong, grid=99).status != "confirmed"


def test_eq14_with_exponent_p_instead_of_p_minus_1_is_flagged():
    P = dict(I.PRINTED["eq14"], step2=lambda p: (k / (k + 1)) ** p * (1 + 1 / k) ** p * p)
    v = I.check_eq14("x", P, pmax=4)
    assert v.status == "erratum"


def test_eq14_with_the_bound_halved_is_flagged():
    half = dict(I.PRINTED["eq14"], bound=lambda p: sp.Rational(1, 2) * p)
    assert I.check_eq14("x", half, pmax=3).status == "erratum"


def test_xi_resummation_with_a_wrong_binomial_is_flagged():
    P = dict(I.PRINTED["xi_resum"], step1=lambda p: sum(
        (xi**2 / k) ** (p - s) * sp.binomial(p + 1, s) * (p + 1)
        * (1 / (1 + xi**2 / k)) ** p for s in range(p + 1)))
    assert I.check_xi_resum("x", P, pmax=3).status == "erratum"


def test_lemma17_V_k_dominates_for_thm11_and_thm13(rates):
    ev = rates["DC-RATES.g"].evidence
    for name in ("Thm. 11 (ξ=1)", "Thm. 13 (ξ=1)"):
        assert all(r["relation"] != "violated" for r in ev[name].values())


# --- the three verdict words a referee needs told apart -------------------------------------
def test_loose_false_and_declared_convention_statements_get_three_different_words():
    """A correct-but-loose bound, a false bound and a literally-false statement that holds in a
    convention the paper declares, fed through the rate checker and the identity checker."""
    from types import SimpleNamespace

    import numpy as np

    from numerics.claims import Verdict
    from numerics.claims import gradient_mc as G

    loose = R.check_T(_with("thm13", T_order=lambda r: r.T_order * k)["thm13"], R.XI1, "x")
    false = R.check_T(_with("thm13", T_order=lambda r: r.T_order / k)["thm13"], R.XI1, "x")
    # Prop. 4 read literally (no Π⊥): the span(W) part of the gradient is far from zero
    # (Hotelling 900 ≫ χ² quantile), while the declared reading (the projected gradient,
    # sub-checks .a and .b) holds
    est = SimpleNamespace(span_w=np.full(4, 0.3), span_w_noise=0.01, span_w_stat=900.0,
                          along=-0.5)
    rows = [{"activation": "relu", "m": 0.3, "est": est}]
    declared = Verdict("declared", "supported")
    notation = G._spanw(rows, {"k": 4}, 0.0, [1], declared=declared)
    undeclared = G._spanw(rows, {"k": 4}, 0.0, [1], declared=declared, declarations=())
    assert (loose.status, false.status, notation.status) == ("loose", "erratum", "notation")
    assert undeclared.status == "erratum"  # the same reading without a declaration
    assert "p.32" in notation.why and notation.evidence["readings"]["declared"]["holds"]
