"""The report writer and the report/list/check commands.

Crash safety is tested by killing ``lowrank report`` (SIGKILL) at named points of a run, made
deterministic by the test-only hook ``LOWRANK_TEST_PAUSE_AT``; the claim set is the fast exact
DC-EX1 (``--only``), so each run takes seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from numerics import report as rp
from numerics.claims import STATUSES, Context
from numerics.claims.catalogue import IDS as CATALOGUE_IDS
from numerics.cli import cli

QUICK = Context(profile="quick", seed=11)  # the seed of conftest's quick_report


def _stable(data: dict) -> dict:
    """report.json without the fields allowed to differ between runs (date, timings) and the
    git state (other people commit to this repository while the tests run)."""
    d = {k: v for k, v in data.items() if k != "volatile"}
    d["reproducibility"] = {k: v for k, v in d["reproducibility"].items() if k != "git"}
    return d


# ---------------------------------------------------------------- contents


def test_report_writes_every_file_and_a_marker(quick_report):
    out = quick_report.path
    for name in ("README.md", "report.json", "verdicts.tex", "index.html", rp.MARKER):
        assert (out / name).is_file(), name
    assert (out / "figures").is_dir()
    for c in quick_report.claims:
        page = (out / "claims" / f"{c['id']}.md").read_text()
        for s in c["subchecks"]:
            assert f"## {s['id']}" in page
            assert " ".join(s["statement"].split())[:60] in page


def test_report_json_follows_schema_and_counts_add_up(quick_report):
    data = json.loads((quick_report.path / "report.json").read_text())
    assert data["schema"] == "lowrank-report/2"
    assert set(data) == {"schema", "reproducibility", "volatile", "counts", "claims", "findings",
                         "coverage", "graph", "legend"}
    rep = data["reproducibility"]
    assert set(rep["versions"]) == {"python", "numpy", "scipy", "sympy", "mpmath", "numba"}
    assert (rep["profile"], rep["seed"]) == ("quick", 11)
    assert rep["git"]["commit"] == "unknown" or len(rep["git"]["commit"]) == 40
    assert sum(data["counts"]["by_id"].values()) == len(data["claims"])
    n_sub = sum(len(c["subchecks"]) for c in data["claims"])
    assert sum(data["counts"]["by_subcheck"].values()) == n_sub
    assert set(data["volatile"]["seconds"]) == {s["id"] for c in data["claims"]
                                                for s in c["subchecks"]}
    for c in data["claims"]:
        assert c["status"] == rp.worst(s["status"] for s in c["subchecks"])
        assert all("seconds" not in s for s in c["subchecks"])  # timings only in "volatile"


def test_readme_starts_with_findings_then_counts_and_links_every_claim_page(quick_report):
    text = (quick_report.path / "README.md").read_text()
    order = ["## Findings", "## How to read this report", "## Verdict counts", "## Coverage",
             "## Proof graph", "## Claims"]
    assert [text.index(h) for h in order] == sorted(text.index(h) for h in order)
    for s in STATUSES:
        assert f"| {s} |" in text and f"* **{s}**: " in text  # counted and explained
    for c in quick_report.claims:
        assert f"](claims/{c['id']}.md)" in text


def test_erratum_page_names_the_corrected_form(quick_report):
    page = (quick_report.path / "claims" / "DC-C2.md").read_text()
    assert "Corrected form (verified instead): c_i = (−1)^i/2" in page
    assert "* Why this verdict: " in page and "* Finding F-15 (impact **typo**)" in page
    rates = (quick_report.path / "claims" / "DC-RATES.md").read_text()
    assert "Sharper form (verified beside it): " in rates  # the loose bounds
    assert "What the cited results give: " in rates  # the not-derived ones


def test_two_runs_with_the_same_seed_agree_except_date_and_timings(quick_report, tmp_path):
    again = rp.generate(QUICK, tmp_path / "reports", progress=False)
    a = json.loads((quick_report.path / "report.json").read_text())
    b = json.loads((again.path / "report.json").read_text())
    assert _stable(a) == _stable(b)
    assert a["volatile"].keys() == b["volatile"].keys()


def test_latex_escape_handles_specials_and_unicode():
    assert rp.latex_escape(r"a_b & 5% $x$ #1 {y} ~ ^ \ ") == (
        r"a\_b \& 5\% \$x\$ \#1 \{y\} \textasciitilde{} \textasciicircum{} \textbackslash{} ")
    assert rp.latex_escape("σ ≤ √k") == r"$\sigma$ $\le$ $\surd$k"


def test_tex_table_has_one_row_per_id_and_sub_check(quick_report):
    tex = (quick_report.path / "verdicts.tex").read_text()
    findings, claims = tex.split(r"\end{longtable}")[:2]
    rows = [ln for ln in claims.splitlines() if ln.endswith(r"\\") and "&" in ln]
    n = sum(1 + len(c["subchecks"]) for c in quick_report.claims)
    assert len(rows) == n
    assert r"ID & Location & Verdict & Evidence \\ \hline \endhead" in tex
    frows = [ln for ln in findings.splitlines() if ln.startswith("F-")]
    assert len(frows) == quick_report.data["counts"]["findings"]["shown"]
    assert tex.count(r"\begin{longtable}") == tex.count(r"\end{longtable}") == 2


def test_selecting_a_sub_check_keeps_only_it():
    data = rp.collect(QUICK, only=["DC-C2.c"], progress=False)
    assert [c["id"] for c in data["claims"]] == ["DC-C2"]
    assert [s["id"] for s in data["claims"][0]["subchecks"]] == ["DC-C2.c"]
    assert data["claims"][0]["status"] == "erratum"


def test_unknown_ids_are_rejected_before_anything_is_written(tmp_path):
    with pytest.raises(rp.UnknownIdError, match="NOPE"):
        rp.generate(QUICK, tmp_path / "reports", only=["DC-EX1", "NOPE"], progress=False)
    assert list(tmp_path.iterdir()) == []


def test_refuses_to_replace_a_folder_that_is_not_a_report(tmp_path):
    out = tmp_path / "reports"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    with pytest.raises(rp.ReportError, match="not a report"):
        rp.generate(QUICK, out, only=["DC-EX1"], progress=False)
    assert (out / "thesis.tex").read_text() == "precious"


# ---------------------------------------------------------------- crash safety


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _fake_report(path: Path, seed: int, created_ns: int, complete: bool = True) -> None:
    path.mkdir(parents=True)
    data = {"schema": rp.SCHEMA, "reproducibility": {"seed": seed}, "claims": []}
    (path / "report.json").write_text(json.dumps(data))
    if complete:
        (path / rp.MARKER).write_text(json.dumps({"created_ns": created_ns}))


def test_load_restores_the_newest_complete_sibling_when_out_is_missing(tmp_path):
    pid = _dead_pid()
    out = tmp_path / "reports"
    _fake_report(tmp_path / f"reports.old-{pid}", seed=1, created_ns=10)
    _fake_report(tmp_path / f"reports.new-{pid}", seed=2, created_ns=20)
    # another dead process (pid + 1 may be a live process on a busy machine)
    _fake_report(tmp_path / f"reports.new-{_dead_pid()}", seed=3, created_ns=30, complete=False)
    rep = rp.load_report(out)
    assert rep.data["reproducibility"]["seed"] == 2
    assert _left(tmp_path) == ["reports"]


def test_stale_incomplete_new_folders_are_cleaned_up(tmp_path):
    out = tmp_path / "reports"
    _fake_report(out, seed=1, created_ns=1)
    stale = tmp_path / f"reports.new-{_dead_pid()}"
    _fake_report(stale, seed=9, created_ns=99, complete=False)
    assert rp.load_report(out).data["reproducibility"]["seed"] == 1
    assert not stale.exists()


def test_load_without_any_complete_report_raises(tmp_path):
    _fake_report(tmp_path / f"reports.new-{_dead_pid()}", seed=1, created_ns=1, complete=False)
    with pytest.raises(rp.ReportError, match="no complete report"):
        rp.load_report(tmp_path / "reports")


def _left(folder: Path) -> list[str]:
    """What is in ``folder``, but the writers' lock file (left in place by design)."""
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock"))


def _run_and_kill(out: Path, seed: int, point: str, env_extra: dict | None = None) -> None:
    env = {**os.environ, "LOWRANK_TEST_PAUSE_AT": point, "LOWRANK_TEST_PAUSE_SECONDS": "120",
           **(env_extra or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "numerics.cli", "report", "--only", "DC-EX1", "--profile",
         "quick", "--seed", str(seed), "--out", str(out), "--no-progress"],
        env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + 60
    try:
        for line in proc.stderr:  # blocks until the writer reaches the pause point
            if f"paused at {point}" in line or time.monotonic() > deadline:
                break
        else:
            pytest.fail(f"writer exited (rc={proc.wait()}) before reaching {point!r}")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stderr.close()


@pytest.mark.parametrize("point,expected_seed,exchange", [
    ("claims", 1, True),       # killed while running the checks: the previous report stays
    ("marker", 1, True),       # new report written but not marked complete
    ("before-swap", 1, True),  # new report complete, nothing renamed yet
    ("swap", 2, True),         # exchanged, the old one not renamed yet: reports/ never missing
    ("swap", 2, False),        # between the two renames: no reports/, both siblings complete
    ("after-swap", 2, True),   # swapped, old one not deleted yet
])
def test_a_kill_at_any_point_leaves_a_complete_report(tmp_path, point, expected_seed,
                                                      exchange):
    from numerics.atomic import exchange as can_exchange

    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / "a").mkdir()
    (probe / "b").mkdir()
    has_exchange = can_exchange(probe / "a", probe / "b")
    shutil.rmtree(probe)
    out = tmp_path / "reports"
    rp.generate(Context(profile="quick", seed=1), out, only=["DC-EX1"], progress=False)
    _run_and_kill(out, seed=2, point=point,
                  env_extra=None if exchange else {"LOWRANK_TEST_NO_EXCHANGE": "1"})
    if point == "swap":
        # the kill really fell between the two steps: with an atomic exchange reports/ holds
        # the new report already; with two renames it is missing
        assert out.exists() == (exchange and has_exchange)
    rep = rp.load_report(out)
    assert rep.data["reproducibility"]["seed"] == expected_seed
    assert (out / rp.MARKER).is_file() and (out / "README.md").is_file()
    assert _left(tmp_path) == ["reports"]
    # and the next run works from there
    rp.generate(Context(profile="quick", seed=3), out, only=["DC-EX1"], progress=False)
    assert rp.load_report(out).data["reproducibility"]["seed"] == 3


@pytest.mark.slow
@pytest.mark.parametrize("n_kills", [12])
def test_kills_at_random_moments_always_leave_a_complete_report(tmp_path, n_kills):
    """Without the pause hook: SIGKILL after a random delay (fixed seed), many times."""
    import numpy as np

    out = tmp_path / "reports"
    rp.generate(Context(profile="quick", seed=0), out, only=["DC-EX1"], progress=False)
    delays = np.random.default_rng(2025).uniform(0.3, 4.0, size=n_kills)
    seeds = {0}
    for n, delay in enumerate(delays, start=1):
        proc = subprocess.Popen(
            [sys.executable, "-m", "numerics.cli", "report", "--only", "DC-EX1", "--profile",
             "quick", "--seed", str(n), "--out", str(out), "--no-progress"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        seeds.add(n)
        assert rp.load_report(out).data["reproducibility"]["seed"] in seeds
        assert _left(tmp_path) == ["reports"]


# ---------------------------------------------------------------- CLI


def test_cli_list_shows_every_id():
    r = CliRunner().invoke(cli, ["list"])
    assert r.exit_code == 0
    for i in ("DC-GLME", "DC-EX1", "DC-C2", "DC-C2.a", "DC-C2.c", "DC-EX1.b"):
        assert i in r.output
    data = json.loads(CliRunner().invoke(cli, ["list", "--json"]).output)
    assert {"DC-GLME", "DC-EX1", "DC-C2"} <= {c["id"] for c in data}


def test_cli_list_names_every_catalogue_id_and_the_last_verdicts(quick_report):
    r = CliRunner().invoke(cli, ["list", "--json", "--report", str(quick_report.path)])
    assert r.exit_code == 0, r.output
    rows = {c["id"]: c for c in json.loads(r.output)}
    assert set(CATALOGUE_IDS) <= set(rows)
    assert rows["DC-C2"]["verdict"] == "erratum" and rows["DC-C2"]["findings"] == [
        {"id": "F-15", "grade": "typo"}]
    unchecked = [i for i in CATALOGUE_IDS if not rows[i]["registered"]]
    # every catalogue ID has a check since the dynamics IDs landed (issue #14); an unchecked
    # one, if any comes back, must say so
    assert all(rows[i]["verdict"] == "not checked" for i in unchecked)
    assert all(rows[i]["verdict"] != "not checked" for i in CATALOGUE_IDS if i not in unchecked)
    text = CliRunner().invoke(cli, ["list", "--report", str(quick_report.path)]).output
    assert "DC-L6        not checked" in text or "DC-L6" not in unchecked


@pytest.mark.parametrize("ids, code", [(["DC-GLME"], 0), (["DC-C2.c"], 1),
                                       (["DC-RATES.a", "DC-RATES.l"], 0)])
def test_cli_check_exits_1_only_on_refuted_or_erratum(ids, code):
    # DC-RATES.a is loose and .l not-derived: reported (with their findings), exit 0
    r = CliRunner().invoke(cli, ["check", *ids, "--profile", "quick"])
    assert r.exit_code == code, r.output
    if ids[0] == "DC-RATES.a":
        assert "[finding F-07 rate]" in r.output and "F-17   open" in r.output
    assert "Exit status" in CliRunner().invoke(cli, ["check", "--help"]).output


def test_cli_check_json_is_parseable():
    r = CliRunner().invoke(cli, ["check", "DC-GLME", "--json", "--profile", "quick"])
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert data["claims"][0]["id"] == "DC-GLME"
    assert data["claims"][0]["status"] == "confirmed"


def test_cli_check_unknown_id_exits_2_with_one_line():
    r = CliRunner().invoke(cli, ["check", "NOPE"])
    assert r.exit_code == 2
    assert r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and "NOPE" in r.stderr


def test_cli_report_unknown_id_exits_2_with_one_line_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(cli, ["report", "--only", "DC-EX1", "--only", "XX"])
    assert r.exit_code == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "XX" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_cli_partial_report_does_not_touch_reports(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(cli, ["report", "--only", "DC-EX1", "--profile", "quick",
                                 "--no-progress"])
    assert r.exit_code == 0, r.output
    assert not (tmp_path / "reports").exists()
    assert rp.load_report(tmp_path / "reports-partial").claims[0]["id"] == "DC-EX1"
    assert "reports-partial" in r.stderr


def test_cli_report_help_teaches_by_example():
    r = CliRunner().invoke(cli, ["report", "--help"])
    assert r.exit_code == 0 and "lowrank report --only DC-C2" in r.output
