"""The dynamics experiments (numerics/experiments/fig*.py, thm*.py, glm.py) at reduced sizes:
each checks something real about the dynamics (a bound that must hold, a plateau present or
absent, a fitted exponent inside a wide interval), and the decisions flip when fed a wrong
statement. Runs in this process (scheduler "serial") with a per-module cache, so the second use
of a grid costs nothing."""

import math

import numpy as np
import pytest

from numerics import grid
from numerics.experiments import common as cm
from numerics.experiments import fig2, fig3, fig5, passage, sweep


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return grid.Cache(tmp_path_factory.mktemp("gridcache"))


TINY5 = {"d": 30, "k": 4, "runs": 2, "steps": (15_000, 15_000), "instances": 2}


def _fig5(cache, monkeypatch, tmp_path=None):
    monkeypatch.setitem(fig5.PROFILES, "quick", TINY5)
    return fig5.run("quick", 3, outdir=tmp_path, scheduler="serial", cache=cache)


def test_fig5_projected_overlap_never_exceeds_sqrt_one_minus_alpha_squared(cache, monkeypatch,
                                                                          tmp_path):
    o = _fig5(cache, monkeypatch, tmp_path)
    pr = o.checks["projection"]
    assert pr["max_overlap"] <= math.sqrt(0.75) + 1e-9          # Eq. 4 keeps û ⊥ span W
    assert pr["max_overlap"] > 0.5                              # and SGD does move toward it
    assert o.checks["a"]["status"] == "supported"               # unprojected runs reach ≈ 1
    assert all(v >= 0.95 for v in o.data["final_a"].values())
    assert o.checks["agreement"]["same_law"] and o.checks["agreement"]["power"]
    names = {p.split("/")[-1] for p in o.files}
    assert {"fig5.png", "fig5-curves.npz", "fig5-instance-specs.json"} <= names
    # a wrong statement (û reaches the whole of u with the projection) is refuted by the data
    assert o.checks["projection"]["max_overlap"] < 0.9


def test_fig5_verdict_flips_when_the_time_scales_must_agree_exactly(cache, monkeypatch):
    monkeypatch.setattr(fig5, "FACTOR", 1.0001)   # "exactly the same time scale for every α"
    o = _fig5(cache, monkeypatch)
    assert o.checks["a"]["status"] == "not-supported"


def test_fig3_linearised_student_keeps_its_loss_while_the_true_one_learns(cache, monkeypatch):
    monkeypatch.setitem(fig3.PROFILES, "quick",
                        {"d": 40, "k": 10, "instances": 1, "runs": 4, "steps": 30_000})
    o = fig3.run("quick", 5, scheduler="serial", cache=cache)
    assert o.data["loss_ratio"]["true"] < 0.1 < 0.5 < o.data["loss_ratio"]["lin"]
    assert o.checks["a"]["status"] == "supported"
    monkeypatch.setattr(fig3, "STUCK", 0.999)     # "the linearised loss does not move at all"
    o2 = fig3.run("quick", 5, scheduler="serial", cache=cache)
    assert o2.computed == 0 and o2.checks["a"]["status"] == "not-supported"


def test_best_eta_step_count_is_linear_in_d_for_orthonormal_features(cache):
    R = sweep.REGIMES["thm11"]
    pts = [(d, 4, "relu") for d in (50, 200, 800)]
    lab, _ = sweep.point_tasks(R, pts, instances=3, runs=4, max_steps=200_000, seed=1, tag=11)
    res, _ = cm.run_labelled(lab, seed=1, scheduler="serial", cache=cache)
    rows = sweep.collect(res, pts, 3)
    f = sweep.fit(rows, "d", "relu", fixed={"k": 4}, paired=True)
    a, (lo, hi) = f["exponents"]["d"], f["ci"]["d"]
    assert 0.8 < a < 1.4 and lo <= a <= hi                # linear in d, up to logs
    assert -1.3 < f["eta_law"]["exponent"] < -0.7         # the best η found scales like 1/d
    assert sweep.exponent_status((lo, hi), 1 + sweep.log_allowance(50, 800)) == "supported"
    assert sweep.exponent_status((lo, hi), 0.5) == "not-supported"   # a wrong printed power


def test_recursion_integral_is_infinite_when_h_changes_sign_on_the_way():
    assert passage.recursion_integral(lambda m: 0.3 - m, 0.0, 0.5) == math.inf
    assert math.isclose(passage.recursion_integral(lambda m: np.full_like(m, 2.0), 0.0, 0.5),
                        math.atanh(0.5) / 2, rel_tol=1e-8)


def test_efficiency_ratio_decisions_flip_with_the_printed_factor():
    r = fig2.efficiency_ratio(np.array([1.0, 2, 3, 4]), 2 * np.array([1.0, 2.1, 2.9, 4.2]))
    assert fig2._ratio_status(r) == ("supported", "supported")
    slow = fig2.efficiency_ratio(np.array([1.0, 2, 3, 4]), 8 * np.array([1.0, 2.1, 2.9, 4.2]))
    assert fig2._ratio_status(slow) == ("supported", "not-supported")
    same = fig2.efficiency_ratio(np.array([1.0, 2, 3, 4]), np.array([0.5, 1.1, 1.4, 2.1]))
    assert fig2._ratio_status(same)[0] == "not-supported"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["fig2", "fig4", "fig6", "thm11", "thm12", "thm13", "thm19",
                                  "glm"])
def test_every_experiment_runs_at_its_quick_profile_with_valid_checks(name, cache, tmp_path):
    import importlib

    from numerics.claims import STATUSES

    mod = importlib.import_module(f"numerics.experiments.{name}")
    o = mod.run("quick", 1, outdir=tmp_path, cache=cache)
    assert o.checks and all(v["status"] in STATUSES for v in o.checks.values())
    assert any(f.endswith(".png") for f in o.files)
    assert o.checks.get("agreement", {"same_law": True})["same_law"]


# ---------------------------------------------------------------- every experiment, quick sizes
# Each runs its module's quick profile (seconds, in this process) and checks what the dynamics
# must show there; the wrong statement beside each is one the data refute.


def _quick(name, cache, seed=1):
    import importlib

    return importlib.import_module(f"numerics.experiments.{name}").run(
        "quick", seed, scheduler="serial", cache=cache)


def test_fig2_joint_training_reaches_u_and_frozen_chat_stalls_below_one(cache):
    o = _quick("fig2", cache)
    joint, frozen = o.checks["a"]["final"], o.checks["b"]["final"]
    assert np.median(joint) >= 0.95                  # joint (ĉ, û) learns u
    assert frozen.min() >= 0.9 and frozen.max() < 0.999   # ĉ ≠ c frozen: a plateau below 1
    lo, hi = o.data["ratio"]["ci"]
    assert 0 < lo <= o.data["ratio"]["ratio"] <= hi < math.inf
    assert o.checks["agreement"]["same_law"] and o.checks["agreement"]["power"]
    # the wrong statement "frozen ĉ reaches ⟨u_T, u⟩ = 1 like joint training" is refuted:
    assert not np.all(frozen >= 0.999)


def test_fig4_no_plateau_at_initialisation_and_the_verdict_flips_with_the_bound(cache,
                                                                               monkeypatch):
    from numerics.experiments import fig4

    o = _quick("fig4", cache)
    for panel in ("a", "b"):
        c = o.checks[f"{panel}:plateau"]
        assert c["status"] == "supported"
        assert np.max(c["plateau_ratio"]) <= fig4.NO_PLATEAU   # leaves 0.1 early
    worst = float(np.max(o.checks["a:plateau"]["plateau_ratio"]))
    monkeypatch.setattr(fig4, "NO_PLATEAU", worst / 2)   # "no time at all near m = 0"
    assert _quick("fig4", cache).checks["a:plateau"]["status"] == "not-supported"


def test_fig6_plateau_at_initialisation_grows_with_xi(cache):
    o = _quick("fig6", cache)
    t = o.data["t_half"]
    assert math.isfinite(t[1.0]) and t[1.0] < t[10.0] <= t[25.0]
    assert o.checks["a"]["status"] == "supported"
    # the wrong statement "ξ = 25 leaves the start as fast as ξ = 1" is refuted
    assert not t[25.0] <= 2 * t[1.0]


def test_fig6_panels_are_refuted_only_at_the_papers_sizes():
    from numerics.experiments import fig6

    assert fig6.panel_status(True, fig6.PROFILES["quick"], "quick")["status"] == "supported"
    assert fig6.panel_status(False, fig6.PROFILES["paper"], "paper")["status"] == "not-supported"
    small = fig6.panel_status(False, fig6.PROFILES["standard"], "standard")
    assert small["status"] == "inconclusive" and "d = 250" in small["reason"]


@pytest.mark.parametrize("name,act", [("thm11", "relu"), ("thm12", "relu"), ("thm19", "h3")])
def test_theorem_step_counts_grow_about_linearly_in_d(name, act, cache):
    o = _quick(name, cache)
    f = o.checks[f"d:{act}"]["fit"]
    a, (lo, hi) = f["exponents"]["d"], f["ci"]["d"]
    assert 0.7 < a < 1.7 and lo <= a <= hi and math.isfinite(hi - lo)
    assert o.checks[f"d:{act}"]["status"] == "supported"
    assert sweep.exponent_status((lo, hi), 0.5) == "not-supported"   # a wrong printed power
    assert o.checks["agreement"]["same_law"] and o.checks["agreement"]["power"]


def test_thm13_separated_features_step_count_is_about_linear_in_d(cache):
    R = sweep.REGIMES["thm13"]
    pts = [(d, 4, "relu") for d in (50, 200, 800)]
    lab, _ = sweep.point_tasks(R, pts, instances=3, runs=4, max_steps=300_000, seed=2, tag=13,
                               shared_over_d=False)
    res, _ = cm.run_labelled(lab, seed=2, scheduler="serial", cache=cache)
    f = sweep.fit(sweep.collect(res, pts, 3), "d", "relu", fixed={"k": 4})
    a, (lo, hi) = f["exponents"]["d"], f["ci"]["d"]
    assert 0.6 < a < 1.6 and lo <= a <= hi
    assert sweep.exponent_status((lo, hi), 0.3) == "not-supported"


def test_thm19_fine_tuning_learns_u_on_the_claim2_construction(cache):
    o = _quick("thm19", cache)
    sc = o.data["scratch"]
    assert sc["finetune_final_overlap"] >= 0.9
    assert sc["finetune_median_t_success"] < sc["steps"]


def test_glm_with_information_exponent_three_is_slower_in_d_than_fine_tuning(cache):
    o = _quick("glm", cache)
    g1, g3 = (o.checks[f"glm:{a}"]["fit"] for a in ("relu", "h3"))
    f3 = o.checks["finetune:h3"]["fit"]
    assert 0.6 < g1["exponent"] < 1.5                       # l* = 1: d
    assert 1.6 < g3["exponent"] < 3.2                       # l* = 3: d² (printed), not d
    assert g3["ci"][0] > f3["ci"][1]                        # fine-tuning is faster in d
    assert o.checks["glm:h3"]["status"] == "supported"
    assert o.checks["finetune:h3"]["status"] == "supported"
