"""`lowrank reproduce` and `lowrank cache`: the JSON document validates against
docs/schemas/reproduce.schema.json, the files it names exist, --list and bad input."""

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from numerics import experiments as ex
from numerics import grid
from numerics.cli import cli
from numerics.experiments import fig5

SCHEMA = json.loads((Path(__file__).parent.parent / "docs" / "schemas" /
                     "reproduce.schema.json").read_text())
SCHEMA_ALL = json.loads((Path(__file__).parent.parent / "docs" / "schemas" /
                         "reproduce-all.schema.json").read_text())


def test_reproduce_writes_a_document_that_validates_and_the_files_it_names(tmp_path,
                                                                           monkeypatch):
    monkeypatch.setitem(fig5.PROFILES, "quick", {"d": 30, "k": 4, "runs": 2,
                                                 "steps": (4_000, 4_000), "instances": 2})
    out = tmp_path / "out"
    doc = ex.reproduce("fig5", "quick", 3, out, scheduler="serial",
                       cache=grid.Cache(tmp_path / "c"))
    jsonschema.validate(doc, SCHEMA)
    assert json.loads((out / "DC-FIG5.json").read_text()) == doc
    assert all((out / f).exists() for f in doc["files"])
    assert doc["estimate"]["tasks"] == doc["grid"]["tasks"] > 0
    bad = dict(doc, checks={"a": {"status": "fine", "summary": ""}})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, SCHEMA)


def test_reproduce_all_runs_one_grid_then_each_experiment_from_the_cache(tmp_path,
                                                                        monkeypatch):
    from numerics.experiments import fig3

    monkeypatch.setitem(fig5.PROFILES, "quick", {"d": 30, "k": 4, "runs": 2,
                                                 "steps": (4_000, 4_000), "instances": 2})
    monkeypatch.setitem(fig3.PROFILES, "quick", {"d": 30, "k": 4, "instances": 1, "runs": 2,
                                                 "steps": 4_000})
    c, out = grid.Cache(tmp_path / "c"), tmp_path / "out"
    ids = ["fig5", "DC-FIG3"]
    est = ex.estimate_all("quick", 3, c, ids=ids)
    n = len(fig5.plan("quick", 3)) + len(fig3.plan("quick", 3))
    assert est.tasks == n and est.cached == 0 and est.core_seconds > 0   # the summed estimate
    idx = ex.reproduce_all("quick", 3, out, "serial", c, ids=ids)
    jsonschema.validate(idx, SCHEMA_ALL)
    assert json.loads((out / "index.json").read_text()) == idx
    assert idx["grid"]["computed"] == n and idx["grid"]["tasks"] == n
    for eid in ("DC-FIG5", "DC-FIG3"):   # each experiment's pass found every task cached
        e = idx["experiments"][eid]
        assert e["computed"] == 0 and e["checks"]
        doc = json.loads((out / e["folder"] / f"{eid}.json").read_text())
        jsonschema.validate(doc, SCHEMA)
        assert {k: v["status"] for k, v in doc["checks"].items()} == e["checks"]
    again = ex.reproduce_all("quick", 3, out, "serial", c, ids=ids)
    assert again["grid"]["computed"] == 0 and again["grid"]["cached"] == n
    assert again["experiments"] == {k: dict(v, seconds=again["experiments"][k]["seconds"])
                                    for k, v in idx["experiments"].items()}
    assert ex.estimate_all("quick", 3, c, ids=ids).cached == n
    bad = dict(idx, experiments={"DC-FIG9": idx["experiments"]["DC-FIG5"]})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, SCHEMA_ALL)


def test_the_calling_process_runs_blas_on_one_thread():
    from threadpoolctl import threadpool_info

    def blas_threads():
        return {m["num_threads"] for m in threadpool_info() if m["user_api"] == "blas"}

    assert ex.one_blas_thread(blas_threads)() == {1}
    assert ex.one_blas_thread.__doc__ and ex.reproduce_all.__wrapped__


def test_reproduce_all_is_offered_by_the_command_line():
    r = CliRunner().invoke(cli, ["reproduce", "--help"])
    assert r.exit_code == 0 and "reproduce all --profile paper" in r.output
    r = CliRunner().invoke(cli, ["reproduce", "alll"])
    assert r.exit_code == 2 and "or all" in r.output


def test_reproduce_list_and_bad_input():
    r = CliRunner().invoke(cli, ["reproduce", "--list"])
    assert r.exit_code == 0 and "DC-FIG6" in r.output and "DC-GLM" in r.output
    for args in (["reproduce", "fig9"], ["reproduce"], ["reproduce", "fig2", "--profile", "x"],
                 ["reproduce", "fig2", "--scheduler", "tcp://127.0.0.1:9"]):
        r = CliRunner().invoke(cli, args)
        assert r.exit_code == 2, (args, r.output)
        assert "Traceback" not in r.output


def test_cache_info_and_clear(tmp_path):
    c = grid.Cache(tmp_path)
    grid.run_grid([grid.Task("numerics.grid:_demo", {"n": 2})], seed=1, scheduler="serial",
                  cache=c)
    r = CliRunner().invoke(cli, ["cache", "info", "--dir", str(tmp_path), "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["entries"] == 1
    r = CliRunner().invoke(cli, ["cache", "clear", "--dir", str(tmp_path)])
    assert r.exit_code == 0 and "removed 1" in r.output
    assert CliRunner().invoke(cli, ["cache", "purge"]).exit_code == 2
