"""DC-L17, DC-T16W, DC-APPE: verdicts as computed; each flips on a deliberately wrong statement
(exact and trace-identity checks) or detects a too-strong bound (frequency checks)."""

import dataclasses

import numpy as np

from numerics.claims import Context
from numerics.claims import moments as mo
from numerics.claims import sgd_analysis as sa

Q = Context(profile="quick")


def test_l17_verdicts_and_power():
    assert [v.status for v in mo.check_l17(Q)] == ["erratum", "erratum", "supported",
                                                   "supported"]
    strong = mo.L17Printed(k_shift=2.0)  # every rate k² too small
    assert mo._l17c(Q, strong, None).status == "not-supported"
    assert mo._l17d(Q, strong).status == "not-supported"
    fixed = mo.L17Printed(p33="corrected", p34_row="student")  # the corrected formulas
    assert mo._l17a(Q, fixed).status == "confirmed"
    b = mo._l17b(Q, fixed)  # v̂_i without Π⊥: p.9's ∇̂ as printed, not p.8's
    assert b.status == "confirmed"
    assert b.evidence["readings"]["printed"] == {"p.9": True, "p.8": False}
    b = mo._l17b(Q, dataclasses.replace(fixed, p34_projected=True))  # with Π⊥: p.8's only
    assert b.status == "confirmed"
    assert b.evidence["readings"]["printed"] == {"p.9": False, "p.8": True}
    # the teacher's row with Π⊥ still fails both: the hat, not Π⊥, is the error
    assert mo._l17b(Q, mo.L17Printed(p34_projected=True)).status == "erratum"


def test_moment_sample_matches_full_dimension():
    """The reduced-coordinate moments equal those of p.8's ∇̂L computed in R^d (d = 30)."""
    from numerics.montecarlo import uhat_at
    from numerics.problem import make_instance
    from numerics.sgd.full import gradients
    rng = np.random.default_rng(4)
    inst = make_instance(rng, d=30, k=3, xi=1.0, act="relu", features="orthonormal")
    m = 0.4
    uh = uhat_at(inst, m, rng)
    X = rng.standard_normal((40_000, inst.d))
    U = np.tile(uh, (X.shape[0], 1))
    _, g, delta, gamma, _ = gradients(inst, U, np.tile(inst.chat, (X.shape[0], 1)), X)
    G = g[:, None] * X + delta @ inst.W + gamma[:, None] * U
    G = inst.project_perp(G)
    G -= (G @ uh)[:, None] * uh
    full = np.einsum("ij,ij->i", G, G) / inst.d
    red = mo.moment_sample(inst, m, 40_000, rng)["gradL2"]
    se = np.hypot(full.std() / 200, red.std() / 200)
    assert abs(full.mean() - red.mean()) < 4 * se


def test_t16w_verdicts_and_power():
    assert [v.status for v in sa.check_t16w(Q)] == ["confirmed", "supported", "supported"]
    wrong = sa.T16Printed(weak_const=0.04, v_power=-4.0, half=0.5)
    assert sa._t16a(Q, wrong).status == "refuted"
    assert sa._t16b(Q, wrong).status == "not-supported"
    assert sa._t16c(Q, wrong).status == "not-supported"


def test_appe_verdicts_and_flips():
    assert [v.status for v in sa.check_appe(Q)] == ["confirmed", "erratum", "loose",
                                                    "not-derived", "erratum"]
    wrong = dataclasses.replace(sa.PRINTED_APPE, pi_power=2, claim5_const=0.25)
    sgd = sa._sgd_instance(Q)
    traces = sa._traces(Q, sgd)
    assert sa._appe_ab(traces, wrong)[0].status == "refuted"
    assert sa._appe_c(traces, wrong).status == "refuted"
    fixed = dataclasses.replace(sa.PRINTED_APPE, second_line_inner=True, lemma33_statement=4.0,
                                lemma34_signs=(-1, -1))
    assert sa._appe_ab(traces, fixed)[1].status == "confirmed"
    d, e = sa._appe_de(Q, sgd, fixed, traces)
    assert d.status == "confirmed" and e.status == "confirmed"
    # a drift 8× the statement's (tηS_k/0.25) fails on the traces: shown false, not just
    # not derived
    strong = dataclasses.replace(sa.PRINTED_APPE, lemma33_statement=0.25)
    assert sa._appe_de(Q, sgd, strong, traces)[0].status == "not-supported"


def test_condition3_certified_agrees_with_a_grid():
    rng = np.random.default_rng(2)
    from theory.population import hfun
    for _ in range(4):
        inst = sa._instance(rng, 10, 3, 1.0, "relu")
        r = sa.condition3_certified(inst)
        h = hfun(inst.gram(), inst.lam, inst.c, inst.chat, inst.xi, "relu")
        h0 = float(h(np.array([0.0]))[0])
        m = np.linspace(0, 1, 2001) * np.sign(h0)
        grid_ok = bool(np.all(np.sign(h0) * h(m) >= abs(h0) / 2 - 1e-12))
        assert r["holds"] == grid_ok
