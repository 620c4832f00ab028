"""`lowrank check ID --budget N --seed S`: searches and samplers scale with N, the same seed gives
the same result, and an ID with nothing to search exits 2 listing the IDs that take a budget."""

import json

import numpy as np
from click.testing import CliRunner

from numerics.cli import cli
from numerics.strategies import integer_psd, search, unit_diagonal_ratio


def test_budget_on_an_exact_claim_exits_2_with_the_list():
    r = CliRunner().invoke(cli, ["check", "DC-C1", "--budget", "10"])
    assert r.exit_code == 2
    lines = [x for x in r.output.splitlines() if x.strip()]
    assert len(lines) == 1 and "DC-C1" in lines[0] and "DC-C3" in lines[0] \
        and "DC-L28" in lines[0]


def test_budget_rejects_non_positive():
    r = CliRunner().invoke(cli, ["check", "DC-L25", "--budget", "0"])
    assert r.exit_code == 2


def test_same_seed_same_result_and_budget_is_used():
    args = ["check", "DC-L25", "--budget", "3000", "--seed", "5", "--profile", "quick",
            "--json"]
    a = CliRunner().invoke(cli, args)
    b = CliRunner().invoke(cli, args)
    assert a.exit_code == 0 and b.exit_code == 0
    da = json.loads(a.stdout)
    db = json.loads(b.stdout)
    ev = da["claims"][0]["subchecks"][0]["evidence"]
    assert all(row["draws"] == 3000 for row in ev["rows"])
    assert da["claims"] == db["claims"]


def test_search_is_reproducible_by_seed():
    f = lambda M: float(unit_diagonal_ratio(M)) * np.sqrt(M.shape[0])  # noqa: E731
    r1 = search(f, integer_psd(2, 8), 80, seed_=3)
    r2 = search(f, integer_psd(2, 8), 80, seed_=3)
    assert r1.examples == r2.examples == 80
    assert r1.worst == r2.worst and np.array_equal(r1.worst_example, r2.worst_example)
