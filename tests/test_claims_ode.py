"""DC-ODE: the printed rearrangement of the recursion, SGD approaching the population recursion as
ηd → 0, and the effective ODE with the noise term (Derivation 2) following SGD; each verdict
flips when the check is fed a wrong statement."""

import pytest
import sympy as sp

from numerics.claims import Context
from numerics.claims.recursion import check_ode, identity_verdict


def test_printed_rearrangement_is_an_identity_and_a_wrong_one_is_refuted():
    assert identity_verdict().status == "confirmed"
    m, eta, h = sp.symbols("m eta h", real=True)
    assert identity_verdict(1 - eta * h * (1 - m)).status == "refuted"


@pytest.fixture(scope="module")
def quick():
    return check_ode(Context(profile="quick"))


def test_sgd_approaches_the_recursion_and_follows_the_effective_ode(quick):
    a, b, c = quick
    assert (a.status, b.status, c.status) == ("confirmed", "supported", "supported"), \
        [v.summary for v in quick]
    inst = b.evidence["instances"][0]
    assert inst["gap at ηd=0.03"] < inst["gap at ηd=0.1"]  # the gap shrinks with ηd
    assert all(p["noise"] <= 0.003 for p in c.evidence["plateaus"])


def test_a_wrong_h_and_a_wrong_noise_term_flip_the_verdicts():
    # h × 1.5 in the recursion: its timing is off at every ηd, so the gap does not shrink;
    # the noise term × 3 in the ODE: the ODE path leaves the median's band
    _, b, c = check_ode(Context(profile="quick"), h_factor=1.5, noise_scale=3.0)
    assert b.status == "not-supported", b.summary
    assert c.status == "not-supported", c.summary
