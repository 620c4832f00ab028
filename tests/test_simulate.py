"""`lowrank simulate`: documented JSON fields, reproducibility, plot, one-line errors (exit 2),
and the population-recursion overlay."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from numerics.cli import cli
from numerics.problem import make_instance
from numerics.simulate import population_ode
from theory.population import hfun

FIELDS = {"schema", "instance", "settings", "steps", "m", "m_final", "quantiles", "loss", "cc",
          "first_passage", "ode", "seconds"}
SMALL = ["--d", "30", "--k", "3", "--runs", "4", "--steps", "300", "--record-every", "50",
         "--no-progress", "--no-noise-ode"]  # the effective ODE has its own tests below


def run(*args):
    return CliRunner().invoke(cli, ["simulate", *args], catch_exceptions=False)


def doc(*args):
    res = run(*args, "--json")
    assert res.exit_code == 0, res.stderr
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def reduced_doc():
    return doc(*SMALL, "--seed", "3")


def test_json_has_the_documented_fields(reduced_doc):
    d = reduced_doc
    assert FIELDS <= set(d) and d["schema"] == "lowrank-simulate/2"
    assert d["steps"] == [0, 50, 100, 150, 200, 250, 300]
    assert np.asarray(d["m"]).shape == (4, 7)
    assert d["m_final"] == [row[-1] for row in d["m"]]
    assert set(d["quantiles"]) == {"q10", "median", "q90"}
    assert np.allclose(d["quantiles"]["median"], np.median(d["m"], axis=0))
    fp = d["first_passage"]
    assert len(fp["t_success"]) == len(fp["t_escape"]) == 4 and fp["eps"] == 0.05
    assert d["ode"]["defined"] and len(d["ode"]["m"]) == 7
    s = d["settings"]
    assert (s["engine"], s["variant"], s["convention"]) == ("reduced", "frozen", "normalised")
    assert s["lr"] == pytest.approx(0.1 / 30) and s["lr_default"] is True
    inst = d["instance"]
    assert (inst["d"], inst["k"], inst["seed"], inst["act"]) == (30, 3, 3, "relu")


def test_same_seed_gives_the_same_runs_and_another_seed_does_not(reduced_doc):
    again = doc(*SMALL, "--seed", "3")
    assert again["m"] == reduced_doc["m"]
    assert again["instance"]["c_values"] == reduced_doc["instance"]["c_values"]
    other = doc(*SMALL, "--seed", "4")
    assert other["m"] != reduced_doc["m"]


def test_saved_instance_reloads_to_the_same_simulation(tmp_path):
    stem = tmp_path / "inst"
    a = doc(*SMALL, "--engine", "full", "--act", "erf", "--save-instance", str(stem))
    assert (tmp_path / "inst.json").exists() and (tmp_path / "inst.npz").exists()
    b = doc(*SMALL, "--engine", "full", "--instance", str(stem) + ".json")
    assert a["m"] == b["m"]


def test_fixed_start_and_ode_start_at_m0():
    d = doc(*SMALL, "--engine", "full", "--m0", "0.3")
    assert all(row[0] == pytest.approx(0.3, abs=1e-12) for row in d["m"])
    assert d["ode"]["m0"] == 0.3 and d["ode"]["m"][0] == 0.3


@pytest.mark.parametrize("extra,why", [(["--variant", "joint"], "joint"),
                                       (["--convention", "appB", "--h0-sign", "+1"], "appB"),
                                       (["--alpha", "0.3", "--variant", "alpha"], "alpha")])
def test_no_ode_where_prop4_does_not_apply(extra, why):
    d = doc(*SMALL, "--engine", "full", *extra)
    assert d["ode"]["defined"] is False and d["ode"]["reason"].startswith("no ODE")
    assert why in d["ode"]["reason"]


def test_ode_overlay_is_the_population_recursion():
    # He3: h is a quadratic polynomial in m, so the tabulated h is exact up to Δ²/8·|h''|
    # (Δ = 5e-4) and rounding; compare with the recursion evaluated with h itself
    inst = make_instance(np.random.default_rng(2), d=40, k=3, xi=1.0, act="He3", lam="random")
    h = hfun(inst.gram(), inst.lam, inst.c, inst.chat, inst.xi, inst.act)
    lr, T = 0.002, 400
    m, path = 0.05, [0.05]
    for _ in range(T):
        m = m + lr * float(h(np.array([m]))[0]) * (1 - m * m)
        path.append(m)
    out = population_ode(inst, "frozen", 0.05, lr, np.arange(T + 1), 0.05, 0.5)
    hpp = abs(float(np.diff(h(np.array([-1.0, 0.0, 1.0])), 2)[0]))  # h'' of a quadratic
    # one step's error ≤ η·(Δ²/8)|h''|; an error already made is multiplied by the step map
    # m ↦ m + ηF(m), F = h(m)(1 − m²), by at most max|1 + ηF'| near the path (δ = 1e-6 around
    # each point, h' by a central difference, exact for a quadratic up to rounding)
    p = np.array(path[:-1])
    fp = []
    for q in (p - 1e-6, p + 1e-6):
        hp = (h(q + 1e-3) - h(q - 1e-3)) / 2e-3
        fp.append(np.abs(1 + lr * (hp * (1 - q**2) - 2 * q * h(q))))
    a = np.maximum(*fp) + lr * 1e-3 * hpp
    # interpolation; the table's nodes pulled in by 1e-12 (|h'| ≤ |h'(±1)| for a quadratic h
    # with vertex inside or outside); rounding
    hp_max = float(np.abs((h(np.array([-1.0, 1.0])) - h(np.array([-1 + 1e-3, 1 - 1e-3])))
                          / 1e-3).max()) + 1e-3 * hpp
    step_error = lr * ((5e-4) ** 2 / 8 * hpp + 1e-12 * hp_max) + 1e-15
    err, bounds = 0.0, [0.0]
    for t in range(T):  # E_{t+1} ≤ a_t E_t + one step's error
        err = a[t] * err + step_error
        bounds.append(err)
    bound = np.array(bounds)
    assert bound.max() < 1e-6  # the bound says something
    assert np.all(np.abs(np.array(out["m"]) - path) <= bound + 1e-12)


def test_plot_writes_a_png(tmp_path):
    out = tmp_path / "m.png"
    res = run(*SMALL, "--engine", "full", "--plot", str(out))
    assert res.exit_code == 0, res.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_help_teaches_by_example():
    res = CliRunner().invoke(cli, ["simulate", "--help"])
    assert res.exit_code == 0
    assert "Examples:" in res.output and "lowrank simulate --act erf" in res.output
    assert "0.1/d" in res.output and "linearised" in res.output


@pytest.mark.parametrize("args,says", [
    (["--d", "6", "--k", "4"], "k + 3"),
    (["--act", "step"], "step"),
    (["--act", "sign"], "sign"),
    (["--variant", "frozen+sideways"], "unknown variant"),
    (["--convention", "appB"], "--h0-sign"),
    (["--variant", "scratch"], "--engine full"),
    (["--instance", "/nonexistent/inst"], "nonexistent"),
    (["--act", "__import__('os')"], ""),
])
def test_bad_input_gives_one_line_and_exit_2(args, says):
    res = run(*args, "--runs", "2", "--steps", "5", "--no-progress")
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lowrank: error:")
    assert says.lower() in lines[0].lower()


def test_effective_ode_is_on_the_recorded_steps_and_off_with_no_noise_ode(reduced_doc):
    assert reduced_doc["ode"]["effective"] is None
    args = [a for a in SMALL if a != "--no-noise-ode"]
    d = doc(*args, "--seed", "3")
    eff = d["ode"]["effective"]
    assert len(eff["m"]) == len(d["steps"]) and eff["m"][0] == pytest.approx(d["ode"]["m0"])
    assert abs(eff["plateau"]) <= 1 and eff["noise_at_plateau"] >= 0


def test_effective_ode_follows_sgd_where_the_noise_defeats_the_population_recursion():
    # He3 at η = 0.1/d, d = 100: η²(d − r − 2)V ≈ 1 (cubic σ, large V). The recursion goes to 1
    # from m₀ = 0.3; SGD does not (its median stays near 0), and Derivation 2's effective ODE
    # says so (64 runs: the median of m_T is known to about ±0.03).
    d = doc("--act", "x**3 - 3*x", "--m0", "0.3", "--runs", "64", "--steps", "20000",
            "--no-progress", "--seed", "0")  # the instance this was measured on
    med = float(np.median(d["m_final"]))
    assert d["ode"]["m"][-1] > 0.99 and abs(med) < 0.15
    assert abs(d["ode"]["effective"]["m"][-1] - med) < 0.1
    assert d["ode"]["effective"]["noise_at_plateau"] > 0.1


def test_output_says_how_the_runs_started():
    # the issue: the default start is flipped to sign(m₀) = sign(h(0)) "(say so in the output)"
    text = run(*SMALL).stdout
    assert "flipped where needed so that sign(m₀) = sign(h(0))" in text
    assert "as drawn (--no-sign-flip" in run(*SMALL, "--no-sign-flip").stdout
    d = doc(*SMALL, "--m0", "0.25")
    assert d["settings"]["start"].startswith("every run at m₀ = +0.25")


def test_effective_ode_is_skipped_by_default_above_k_64_and_says_so():
    args = ["--d", "300", "--k", "80", "--runs", "2", "--steps", "50", "--no-progress"]
    out = run(*args).stdout
    assert "effective ODE not solved: k > 64" in out
    d = doc(*args)
    assert d["ode"]["effective"] is None and d["settings"]["noise_ode_auto"]
