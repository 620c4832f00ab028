"""`lowrank derive`: the documented JSON fields, exact results for polynomials, help by example."""

import json

import pytest
from click.testing import CliRunner

from numerics.cli import cli

FIELDS = {"schema", "activation", "coefficients", "information_exponent", "decay", "kprime",
          "instance", "h"}


def run(*args):
    res = CliRunner().invoke(cli, ["derive", *args], catch_exceptions=False)
    return res


def test_he3_json_has_the_documented_fields_and_exact_values():
    res = run("x**3 - 3*x", "--json", "--terms", "5")
    assert res.exit_code == 0, res.stderr
    d = json.loads(res.stdout)
    assert FIELDS <= set(d)
    assert [c["exact"] for c in d["coefficients"]] == ["0", "0", "0", "sqrt(6)", "0", "0"]
    assert d["information_exponent"]["value"] == 3
    assert d["information_exponent"]["status"] == "exact"
    assert d["kprime"]["closed_form"] == "18*rho**2"
    assert d["h"]["exact"] is not None and "m" in d["h"]["exact"]
    assert len(d["h"]["grid"]["m"]) == len(d["h"]["grid"]["h"])


def test_relu_json_has_arcsine_kernel_and_exact_half_moment_coefficients():
    res = run("relu", "--json", "--terms", "4", "--k", "3")
    d = json.loads(res.stdout)
    assert FIELDS <= set(d)
    assert d["coefficients"][1]["exact"] == "1/2"
    assert d["coefficients"][3]["exact"] == "0"
    assert "asin(rho)" in d["kprime"]["closed_form"]
    assert d["information_exponent"]["value"] == 1
    assert d["instance"]["k"] == 3
    c3 = d["h"]["condition3"]
    assert c3["status"] in ("holds", "fails", "undetermined", "not applicable")
    assert c3["grid"] == 201


def test_help_teaches_by_example():
    res = CliRunner().invoke(cli, ["derive", "--help"])
    assert res.exit_code == 0
    assert "Examples:" in res.output and "lowrank derive relu" in res.output


def test_plot_is_written(tmp_path):
    out = tmp_path / "h.png"
    res = run("erf", "--terms", "3", "--plot", str(out))
    assert res.exit_code == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("args", [["relu", "--d", "4", "--k", "4"], ["relu", "--instance",
                                                                       "/nonexistent/x"]])
def test_bad_options_give_one_line_and_exit_2(args):
    res = run(*args)
    assert res.exit_code == 2
    assert len(res.stderr.strip().splitlines()) == 1
