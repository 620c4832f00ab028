"""numerics.spectral: the one-step gradient by Monte Carlo against the formula (LO-STEIN), the
reduced exact-in-law draws against the full estimator, and the warm starts."""

import numpy as np
import pytest
import scipy.stats

from numerics import spectral as S
from numerics.montecarlo import bonferroni_z
from numerics.problem import make_instance
from theory import kernels
from theory import spectral as th


def _wrong(inst, kind):
    """The formula with one factor changed."""
    G, lam, c, xi, act = inst.gram(), inst.lam, inst.c, inst.xi, inst.act
    if kind == "half":  # the loss with ½: factor 2 dropped
        return th.onestep_a(G, lam, c, xi, act, half=True).value
    N = np.sqrt(np.diag(G) + xi**2 * c**2)
    if kind == "xi^2":
        return th.onestep_a(G, lam, c, xi, act).value * xi
    if kind == "c_j not /rho_j":
        R = G / N[None, :]
        return 2 * xi * lam * (kernels.Kprime(act, R).value @ (lam * c))
    if kind == "K' at <w_i,w_j>":
        return 2 * xi * lam * (kernels.Kprime(act, np.clip(G, -1, 1)).value @ (lam * c / N))
    raise ValueError(kind)


@pytest.fixture(scope="module")
def mc_runs():
    out = []
    for i, (act, xi, lam) in enumerate([("relu", 2.0, "random"), ("erf", 2.0, "equal"),
                                        ("He3", 1.0, "random")]):
        inst = make_instance(np.random.default_rng([7, i]), d=24, k=4, xi=xi, act=act, lam=lam)
        mc = S.onestep_mc(inst, np.random.default_rng([8, i]), 100_000)
        out.append((inst, mc))
    return out


def test_formula_agrees_with_monte_carlo_and_the_rest_is_zero(mc_runs):
    z = bonferroni_z(0.001, sum(inst.k for inst, _ in mc_runs))
    for inst, mc in mc_runs:
        a = S.onestep_theory(inst)
        assert np.max(np.abs(mc.z(a.value, a.error))) < z
        assert mc.resid_p() > 0.001 / len(mc_runs)


@pytest.mark.parametrize("kind", ["half", "xi^2", "c_j not /rho_j", "K' at <w_i,w_j>"])
def test_a_formula_with_one_factor_changed_is_rejected(mc_runs, kind):
    z = bonferroni_z(0.001, sum(inst.k for inst, _ in mc_runs))
    worst = max(np.max(np.abs(mc.z(_wrong(inst, kind)))) for inst, mc in mc_runs
                if not (kind == "xi^2" and inst.xi == 1.0))
    assert worst > z, (kind, worst)


def test_a_nonzero_part_orthogonal_to_u_is_detected(mc_runs):
    # the χ² statistic of the orthogonal part rejects a deliberately added rank-one term
    inst, mc = mc_runs[0]
    rng = np.random.default_rng(9)
    e = inst.project_perp(rng.standard_normal((1, inst.d)))[0]
    e -= (e @ inst.u) * inst.u
    e /= np.linalg.norm(e)
    q, z = S.reduced_samples(inst, rng, mc.n)
    Sm = q.T @ q
    # population part 0.05·a eᵀ added to Ĝ_⊥ (the statistic's quadratic form at n = mc.n)
    shift = 0.05 * np.outer(S.onestep_theory(inst).value, e)
    stat = mc.n**2 * np.sum(shift * np.linalg.solve(Sm, shift))
    assert scipy.stats.chi2.sf(mc.resid_stat + stat, mc.dof) < 1e-6


@pytest.fixture(scope="module")
def law_inst():
    return make_instance(np.random.default_rng(0), d=40, k=3, xi=1.0, act="relu", lam="random")


def test_reduced_draws_have_the_law_of_the_full_estimator_and_a_wrong_law_is_rejected(law_inst):
    rng = np.random.default_rng(5)
    n, reps = 300, 300
    full = [S.estimate(law_inst, rng.standard_normal((n, 40))).cos2 for _ in range(reps)]
    fullw = [S.estimate(law_inst, rng.standard_normal((n, 40)), whiten=True).cos2
             for _ in range(reps)]
    assert scipy.stats.ks_2samp(full, S.alignment_draws(law_inst, rng, n, reps)).pvalue > 1e-3
    assert scipy.stats.ks_2samp(fullw, S.alignment_draws(law_inst, rng, n, reps,
                                                         whiten=True)).pvalue > 1e-3
    bad = S.alignment_draws(law_inst, rng, n, reps, _df_shift=10)  # D + 10 noise dimensions
    assert scipy.stats.ks_2samp(full, bad).pvalue < 1e-3


def test_nested_first_passage_draws_have_the_marginals_of_direct_draws(law_inst):
    rng = np.random.default_rng(6)
    _, path = S.first_passage(law_inst, rng, [300, 600, 1200], 0.99, 300, return_path=True)
    for j, n in enumerate([300, 1200]):
        direct = S.alignment_draws(law_inst, rng, n, 300)
        assert scipy.stats.ks_2samp(path[:, [0, 2][j]], direct).pvalue > 1e-3


def test_first_order_law_predicts_the_mean_alignment_at_moderate_n(law_inst):
    L = S.law(law_inst, np.random.default_rng(2), 200_000)
    c2 = S.alignment_draws(law_inst, np.random.default_rng(3), 600, 400)
    assert abs(c2.mean() - L.cos2(600)) < 0.02


def test_warm_start_rules():
    inst = make_instance(np.random.default_rng(1), d=30, k=3, xi=1.0, act="relu")
    ws = S.warm_start(inst, 0.7, inst.chat)
    assert (ws.m0, ws.sign, ws.variant) == (0.7, 1.0, "frozen")
    assert S.warm_start(inst, 0.7, -inst.chat).m0 == -0.7
    assert S.warm_start(inst, -0.7, inst.chat, rule="h0", h0_sign=1.0).m0 == 0.7
    j = S.warm_start(inst, -0.6, np.array([3.0, 4.0, 0.0]), variant="joint")
    assert j.m0 == -0.6 and np.allclose(j.chat, [0.6, 0.8, 0.0])
    with pytest.raises(ValueError):
        S.warm_start(inst, 0.5, inst.chat, variant="scratch")


def test_refuses_the_appB_convention_and_a_u_inside_span_w():
    inst = make_instance(np.random.default_rng(1), d=30, k=3, xi=1.0, act="relu",
                         convention="appB")
    with pytest.raises(ValueError):
        S.onestep_theory(inst)
    inst = make_instance(np.random.default_rng(1), d=30, k=3, xi=1.0, act="relu", alpha=0.3)
    with pytest.raises(ValueError):
        S.estimate(inst, np.ones((5, 30)))


def test_hand_written_wishart_has_scipys_law():
    rng = np.random.default_rng(11)
    Sc = np.array([[2.0, 0.5, 0.1], [0.5, 1.0, -0.3], [0.1, -0.3, 0.7]])
    ours = np.array([S._wishart(rng, 7, Sc) for _ in range(2000)])
    ref = scipy.stats.wishart(df=7, scale=Sc).rvs(size=2000, random_state=rng)
    for i, j in [(0, 0), (0, 1), (2, 2), (1, 2)]:
        assert scipy.stats.ks_2samp(ours[:, i, j], ref[:, i, j]).pvalue > 1e-3
    assert scipy.stats.ks_2samp(ours[:, 0, 0], 1.3 * ref[:, 0, 0]).pvalue < 1e-3  # power
