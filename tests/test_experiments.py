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


@pytest.mark.slow
def test_glm_with_information_exponent_three_is_slower_in_d_than_fine_tuning(cache):
    from numerics.experiments import glm

    o = glm.run("quick", 2, cache=cache)
    g3 = o.checks["glm:h3"]["fit"]["exponent"]
    f3 = o.checks["finetune:h3"]["fit"]["exponent"]
    assert g3 > f3 + 0.3


@pytest.mark.slow
def test_fig6_plateau_at_initialisation_grows_with_xi(cache, monkeypatch):
    from numerics.experiments import fig6

    o = fig6.run("quick", 1, cache=cache)
    t = o.data["t_half"]
    assert math.isfinite(t[1.0]) and t[1.0] < t[25.0]
