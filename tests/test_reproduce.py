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
