"""`lowrank derive ACT --rank R` and `lowrank simulate --rank R` (numerics/cli/rank.py): output,
JSON against docs/schemas/{derive,simulate}-rank.schema.json, instance files, and bad input (one
line on stderr, exit status 2, never a traceback)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from click.testing import CliRunner

from numerics import rank_r as N
from numerics.cli import cli
from theory import rank_r as R

SCHEMAS = Path(__file__).resolve().parents[1] / "docs" / "schemas"
README_ARGS = ["derive", "relu", "--rank", "2", "--k", "16", "--lam", "random", "--seed", "1"]


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def schema(name):
    s = json.loads((SCHEMAS / name).read_text())
    jsonschema.Draft202012Validator.check_schema(s)
    return jsonschema.Draft202012Validator(s)


def test_derive_rank_json_follows_its_schema_and_matches_h_matrix():
    res = run(*README_ARGS, "--json", "--m-matrix", "0.3,-0.2;0.1,0.4")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    schema("derive-rank.schema.json").validate(doc)
    inst = doc["instance"]
    data = (np.array(inst["gram"]), np.array(inst["lam_values"]), np.array(inst["C"]),
            np.array(inst["Chat"]), np.array(inst["xi"]), "relu")
    assert np.allclose(doc["H0"], R.h_matrix(np.zeros((2, 2)), *data), rtol=0, atol=1e-15)
    M = np.array([[0.3, -0.2], [0.1, 0.4]])
    assert np.allclose(doc["m_matrix"]["H"], R.h_matrix(M, *data), rtol=0, atol=1e-15)
    s = doc["singular_values"]
    assert doc["order"][0]["t_frozen"] == pytest.approx(math.atanh(0.9) / s[0])
    # a wrong document is refused by the schema (its test has power)
    bad = dict(doc, rank="two")
    with pytest.raises(jsonschema.ValidationError):
        schema("derive-rank.schema.json").validate(bad)


def test_derive_rank_text_says_what_it_is_and_the_order_of_learning():
    res = run(*README_ARGS)
    assert res.exit_code == 0, res.stderr
    out = res.stdout
    assert "project's own derivation" in out and "H(0) = " in out
    assert "1. t1 ≈" in out and "2. t2 ≤" in out and "upper estimate" in out
    assert "first-moment direction DCᵀλ (μ₁ ≠ 0)" in out


def test_derive_rank_reports_collinear_columns_and_no_linear_drive():
    res = run("derive", "relu", "--rank", "2", "--k", "4", "--seed", "3", "--json")
    doc = json.loads(res.stdout)
    assert res.exit_code == 0 and doc["collinear"] and doc["no_linear_drive"] == [2]
    assert doc["order"][1]["t_frozen"] is None  # infinite: no linear drive (JSON has no inf)
    text = run("derive", "relu", "--rank", "2", "--k", "4", "--seed", "3").stdout
    assert "no linear drive in direction 2; escape ∝ log d" in text and "t2 = ∞" in text
    assert "columns 1 and 2 are equal" in text


def test_simulate_rank_json_plot_and_instance_file_round_trip(tmp_path):
    png, stem = tmp_path / "flow.png", tmp_path / "inst"
    res = run("simulate", "--rank", "2", "--k", "8", "--lam", "random", "--d", "200", "--json",
              "--plot", str(png), "--save-instance", str(stem))
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    schema("simulate-rank.schema.json").validate(doc)
    assert doc["flow"]["success"] and png.stat().st_size > 0
    sv = np.array(doc["flow"]["sv"])
    assert sv[-1, -1] >= 0.999 - 1e-9 and np.all(np.diff(np.array(doc["flow"]["t"])) > 0)
    # the saved instance gives the same H(0) through derive --instance
    d2 = json.loads(run("derive", "relu", "--rank", "2", "--instance", str(stem), "--json").stdout)
    assert np.allclose(np.linalg.svd(d2["H0"], compute_uv=False), doc["H0_singular_values"],
                       rtol=1e-14)
    assert d2["instance"]["file"] == str(stem)


def _one_line_exit_2(res):
    assert res.exit_code == 2, (res.exit_code, res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lowrank: error:"), res.stderr
    assert "Traceback" not in res.stderr
    return lines[0]


@pytest.mark.parametrize("args, says", [
    (["derive", "relu", "--rank", "5", "--k", "4"], "exceeds k = 4"),
    (["derive", "relu", "--rank", "2", "--m-matrix", "0.1,0.2;0.3"], "must be 2×2"),
    (["derive", "relu", "--rank", "2", "--m-matrix", "0.1,0.2,0.3;0.1,0.2,0.3;0,0,0"],
     "must be 2×2"),
    (["derive", "relu", "--rank", "2", "--m-matrix", "nan,0;0,0"], "NaN"),
    (["derive", "relu", "--rank", "2", "--m-matrix", "a,b;c,d"], "must be numbers"),
    (["derive", "relu", "--rank", "2", "--m-matrix", "1.5,0;0,0"], "‖M‖₂ = 1.5 > 1"),
    (["derive", "relu", "--rank", "2", "--xi", "1,nan"], "positive and finite"),
    (["derive", "relu", "--rank", "2", "--xi", "1,2,3"], "--xi has 3 values"),
    (["derive", "relu", "--xi", "1,2"], "only with --rank"),
    (["derive", "relu", "--rank", "2", "--convention", "raw"], "normalised rows only"),
    (["derive", "step", "--rank", "2"], "jump"),
    (["derive", "relu", "--rank", "0"], "at least 1"),
    (["simulate", "--rank", "2", "--lr", "0.1"], "--lr is an SGD option"),
    (["simulate", "--rank", "2", "--engine", "full"], "--engine is an SGD option"),
    (["simulate", "--rank", "2", "--steps", "10"], "--steps is an SGD option"),
    (["simulate", "--rank", "2", "--runs", "3"], "--runs is an SGD option"),
    (["simulate", "--rank", "2", "--m0", "0.1"], "--m0 is an SGD option"),
    (["simulate", "--rank", "2", "--convention", "appB"], "population flow only"),
    (["simulate", "--rank", "2", "--c", "sphere"], "population flow only"),
    (["simulate", "--rank", "3", "--k", "4", "--d", "9"], "--d must be at least"),
])
def test_bad_input_is_one_line_and_exit_2(args, says):
    assert says in _one_line_exit_2(run(*args))


def test_mismatched_instance_file_is_refused(tmp_path):
    fp = N.cli_instance("relu", rank=2, k=4, d=12, xi=1.0, features="orthonormal",
                        lam="random", c_law="quantised", seed=0)
    N.save_instance(fp, tmp_path / "ok")
    arrays = dict(np.load(tmp_path / "ok.npz"))
    arrays["Chat"] = arrays["Chat"][:3]  # 3×2 against k = 4
    np.savez(tmp_path / "ok.npz", **arrays)
    line = _one_line_exit_2(run("derive", "relu", "--rank", "2", "--instance",
                                str(tmp_path / "ok")))
    assert "do not fit together" in line
    arrays["Chat"] = np.full((4, 2), np.nan)
    np.savez(tmp_path / "ok.npz", **arrays)
    line = _one_line_exit_2(run("derive", "relu", "--rank", "2", "--instance",
                                str(tmp_path / "ok")))
    assert "NaN" in line
    N.save_instance(fp, tmp_path / "ok")
    assert "rank 2, not --rank 3" in _one_line_exit_2(run(
        "derive", "relu", "--rank", "3", "--instance", str(tmp_path / "ok")))


def test_help_says_the_sgd_engines_are_rank_one():
    out = run("simulate", "--help").stdout
    assert "--rank" in out and "SGD engines are rank 1" in " ".join(out.split())
