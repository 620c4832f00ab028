"""DC-C1, DC-L6, DC-P7, DC-L8: each check flips on a deliberately wrong statement (exact checks)
or detects a deliberately too-strong bound (frequency checks: their power); the fast routes
agree with Prop. 4's h."""

import dataclasses
import itertools
from fractions import Fraction

import numpy as np
import pytest

from numerics.claims import Context
from numerics.claims import sign_condition as sc
from theory import anticoncentration as ac
from theory import population

Q = Context(profile="quick")


def test_c1_verdicts_as_computed():
    st = [v.status for v in sc.check_c1(Q)]
    assert st == ["erratum", "erratum", "confirmed", "confirmed"]


def test_c1_flips_on_a_too_strong_probability():
    """Printed probability 1 − exp{−20k/(eξ²)}: even the corrected form falls below it."""
    wrong = dataclasses.replace(ac.PRINTED_CLAIM1, rate=Fraction(20))
    st = [v.status for v in sc.check_c1(Q, printed=wrong)]
    assert st[0] == "refuted" and st[1] == "refuted"


def test_c1_flips_when_p41_drops_l0():
    """If p.41 summed over even l > 0 (as the proof does), the p.41 form would be confirmed."""
    fixed = dataclasses.replace(ac.PRINTED_CLAIM1,
                                even_from=(("p11", 2), ("p41", 2), ("corrected", 2)))
    assert sc.check_c1(Q, printed=fixed)[1].status == "confirmed"


def test_c1_moment_and_tail_flip():
    st = [v.status for v in sc.check_c1(Q, printed=dataclasses.replace(
        ac.PRINTED_CLAIM1, second_moment_k_power=1, tail_level=Fraction(1, 4)))]
    assert st[2] == "refuted" and st[3] == "refuted"


def test_claim1_probability_brute_force():
    """P(corrected form for all m) by brute force over all sign pairs and a grid of m."""
    k, lam, xi2 = 4, [1, 2, 1, 2], Fraction(4)
    odd, even, _ = ac.claim1_coefficients(ac.kappa("cubic", 7), k, xi2, "corrected")
    ms = np.linspace(-1, 1, 2001)
    L2 = sum(v * v for v in lam)
    good = 0
    for b in itertools.product((1, -1), repeat=k):
        for bh in itertools.product((1, -1), repeat=k):
            X = np.dot(lam, b) * np.dot(lam, bh)
            P = sum(float(c) * ms**i for i, c in enumerate(odd)) * L2 + X * sum(
                float(c) * ms**i for i, c in enumerate(even))
            good += bool(np.all(np.sign(ms) * P >= -1e-9))
    assert sc.claim1_probabilities("cubic", k, xi2, lam, "corrected")["all m"] == \
        Fraction(good, 4**k)


def test_lemma6_cells_against_prop4_brute_force():
    """Failure and atom probabilities of Lemma 6's cells against Prop. 4's h (hfun) on every
    sign pair, k = 3, σ = x³, ξ² = 3/4 (sign condition on a grid of m)."""
    k, xi2 = 3, Fraction(3, 4)
    d = sc.lemma6_cells("cubic", k, xi2)
    ms = np.linspace(0, 1, 401)
    fails = zeros = 0
    for b in itertools.product((1, -1), repeat=k):
        for bh in itertools.product((1, -1), repeat=k):
            h = population.hfun(np.eye(k), np.ones(k), np.array(b) / np.sqrt(k),
                                np.array(bh) / np.sqrt(k), float(xi2) ** 0.5, "cubic")
            h0 = float(h(np.array([0.0]))[0])
            zeros += np.dot(b, np.ones(k)) * np.dot(bh, np.ones(k)) == 0
            if abs(h0) > 1e-12:
                side = np.sign(h0) * h(np.sign(h0) * ms)
                fails += bool(np.any(side < abs(h0) / 2 - 1e-9))
    assert d["failure"] == Fraction(fails, 4**k)
    assert d["atom"] == Fraction(zeros, 4**k)


def test_l6_power():
    half = dataclasses.replace(ac.PRINTED_LEMMA6, half=Fraction(1, 2))
    assert sc.check_l6(Q, printed=half)[0].status == "not-supported"
    k_wrong = dataclasses.replace(ac.PRINTED_LEMMA6, mu1_zero_power=Fraction(0))
    assert sc.check_l6(Q, printed=k_wrong)[1].status == "not-supported"


def test_p7_power():
    assert sc.check_p7(Q, printed=sc.Prop7Printed(extra=1.0))[1].status == "not-supported"
    assert sc._p7a(Q, sc.Prop7Printed(sum_k_power=1)).status == "refuted"


def test_l8_power():
    st = sc.check_l8(Q, printed=sc.Lemma8Printed(half=0.5))
    assert st[0].status == "not-supported"
    assert sc.check_l8(Q, printed=sc.Lemma8Printed(gamma_power=2.0))[1].status == \
        "not-supported"


@pytest.mark.parametrize("act", ["relu", "erf"])
def test_separated_h_equals_hfun(act):
    rng = np.random.default_rng(7)
    k = 6
    G = sc.separated_gram(rng, k)
    lam = rng.uniform(0.5, 1.5, k)
    B = rng.choice([-1.0, 1.0], (3, k))
    Bh = rng.choice([-1.0, 1.0], (3, k))
    m = np.array([-0.7, 0.0, 0.4, 1.0])
    mine = sc.separated_h(G, lam, B, Bh, sc._kprime(act), m)
    for r in range(3):
        ref = population.hfun(G, lam, B[r] / np.sqrt(k), Bh[r] / np.sqrt(k), 1.0, act)(m)
        # at |m| = 1 the diagonal correlation is 1, where arcsin' is infinite: a rounding of
        # 1e-16 in the argument moves ReLU's K′ by ~1e-8
        assert np.allclose(mine[r], ref, rtol=1e-10, atol=1e-7)


def test_quantile_upper_covers():
    """The distribution-free bound covers the true quantile of a uniform law (fixed seed)."""
    rng = np.random.default_rng(3)
    ok = sum(sc.quantile_upper(rng.uniform(size=2000), 0.01) >= 0.99 for _ in range(200))
    assert ok >= 180
