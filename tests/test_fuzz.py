"""Fuzz suite (issue #12): generated input for the parser, the option and file validation, the
post-checks and whole command lines, with one invariant — a right answer (exit 0, a finite JSON
document valid against its schema under ``docs/schemas/``) or exit 2 with one line on stderr;
never a traceback, never a NaN result with exit 0.

Whole command lines run in forked children (``tests/clirun.py``) under ``RLIMIT_AS`` (start-up
size + 1.5 GiB) and a hang guard. A run the guard stops must have said, before it started, that
it would be long (the cost notice): the guard is a guard, not a timed assertion.

Sizes by hypothesis profile (``HYPOTHESIS_PROFILE``; see the README, "Property-based runs"):

=====================  ====  =========
test                    ci   thorough
=====================  ====  =========
activation strings      150     10 000
option values           150     10 000
instance files           80     10 000
post-checks             100     10 000
whole command lines      30     10 000
=====================  ====  =========
"""

from __future__ import annotations

import json
import math
import os
import sys
import zipfile
from pathlib import Path

import click
import jsonschema
import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))

from clirun import load_schema, run_forked, strict_json, verdict  # noqa: E402

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "dev")
_SIZES = {"ci": dict(act=150, opt=150, inst=80, post=100, cli=30),
          "thorough": dict(act=10_000, opt=10_000, inst=10_000, post=10_000, cli=10_000),
          "dev": dict(act=50, opt=50, inst=30, post=50, cli=10)}
N = _SIZES.get(PROFILE, _SIZES["dev"])
#: Hang guard of a whole command line (s): generous, and only a guard.
GUARD = 60.0 if PROFILE == "thorough" else 30.0
SCHEMAS = {"simulate": load_schema("simulate"), "derive": load_schema("derive")}


def _settings(n: int):
    return settings(max_examples=n, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


# ------------------------------------------------------------------------------ activations

LEAF = st.sampled_from(["x", "1", "2", "0.5", "pi", "3", "1e3", "E"])
UNARY = st.sampled_from(["exp", "log", "sqrt", "sin", "cos", "tanh", "erf", "sigmoid", "abs",
                         "relu", "gelu", "silu", "softplus", "He3", "h2", "Heaviside", "sign"])


def _expr(children):
    return st.one_of(
        st.tuples(UNARY, children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(children, st.sampled_from(["+", "-", "*", "/", "**"]), children)
        .map(lambda t: f"({t[0]}){t[1]}({t[2]})"),
        st.tuples(st.sampled_from(["Max", "Min"]), children, LEAF)
        .map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        st.tuples(children, LEAF).map(lambda t: f"leaky_relu({t[0]}, {t[1]})"),
    )


GRAMMAR = st.recursive(LEAF, _expr, max_leaves=10)
NOISE = st.sampled_from(["(", ")", "**", "*", "__", ".", "[", "'", "nan", "inf", "1e999", "\x00",
                         "x.real", "lambda", "9**9**9", ",", " ", "é", "١", "import os;"])


@st.composite
def mutated(draw):
    """A grammar string with a few characters deleted, replaced or inserted (hostile tokens)."""
    text = draw(GRAMMAR)
    for _ in range(draw(st.integers(0, 3))):
        if not text:
            break
        i = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["del", "ins", "rep"]))
        tok = draw(NOISE)
        if op == "del":
            text = text[:i] + text[i + 1:]
        elif op == "ins":
            text = text[:i] + tok + text[i:]
        else:
            text = text[:i] + tok + text[i + len(tok):]
    return text


@_settings(N["act"])
@given(st.one_of(GRAMMAR, mutated()))
def test_activation_strings_are_parsed_or_refused_in_one_line(text):
    from theory.activations import ActivationError, parse

    try:
        act = parse(text)
    except ActivationError as err:
        msg = str(err)
        assert msg and "\n" not in msg
        return
    with np.errstate(all="ignore"):
        v = act.f(np.linspace(-10, 10, 41))
    assert np.all(np.isfinite(v)), f"{text!r} accepted but not finite on [-10, 10]"


# ------------------------------------------------------------------------------ option values

SPECIAL = st.sampled_from(["nan", "NaN", "-nan", "inf", "-inf", "+Infinity", "1e999", "-1e999",
                           "0", "-0", "-0.0", "1e-320", "1e308", "-1", "1e300", "", " ", "x",
                           "0x10", "1_000", "١", "2**3", "None", str(2**64), str(-2**64)])
VALUE = st.one_of(SPECIAL, st.floats(allow_nan=True, allow_infinity=True).map(repr),
                  st.integers(-10**20, 10**20).map(str), st.text(max_size=12))


def _numeric_params():
    from numerics.cli.derive import cmd_derive
    from numerics.cli.simulate import cmd_simulate

    out = []
    for cmd in (cmd_simulate, cmd_derive):
        for p in cmd.params:
            if isinstance(p.type, (click.FloatRange, click.IntRange)) or p.name == "xi":
                out.append((cmd.name, p))
    return out


PARAMS = _numeric_params()


@_settings(N["opt"])
@given(st.sampled_from(PARAMS), VALUE)
def test_every_numeric_option_is_finite_and_in_range_or_refused_in_one_line(param, text):
    _, p = param
    ctx = click.Context(click.Command("x"))
    try:
        v = p.type.convert(text, p, ctx)
    except click.BadParameter as err:
        assert "\n" not in err.format_message()
        return
    except SystemExit as ex:    # a type that prints its one line itself (rank's --xi)
        assert ex.code == 2
        return
    vals = v if isinstance(v, tuple) else (v,)
    for x in vals:
        assert isinstance(x, (int, float)) and math.isfinite(x), (text, v)
        t = p.type
        if isinstance(t, (click.FloatRange, click.IntRange)):
            if t.min is not None:
                assert x > t.min if t.min_open else x >= t.min
            if t.max is not None:
                assert x < t.max if t.max_open else x <= t.max
        if p.name == "xi":
            assert x > 0


# ------------------------------------------------------------------------------ instance files

FIELDS = ["d", "k", "xi", "act", "convention", "meta"]
ARRAYS = ["W", "lam", "c", "chat", "u"]
JUNK = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30),
                 st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
                 st.lists(st.integers(0, 3), max_size=3),
                 st.dictionaries(st.text(max_size=2), st.integers(), max_size=2))


@st.composite
def corruption(draw):
    kind = draw(st.sampled_from(["remove", "retype", "nonfinite", "reshape", "truncate",
                                 "flip", "array-junk", "model"]))
    if kind in ("remove", "retype"):
        return kind, draw(st.sampled_from(FIELDS + ARRAYS)), draw(JUNK)
    if kind == "nonfinite":
        return kind, draw(st.sampled_from(["xi"] + ARRAYS)), draw(
            st.sampled_from([math.nan, math.inf, -math.inf, 1e200, -1e308]))
    if kind == "reshape":
        return kind, draw(st.sampled_from(ARRAYS)), draw(st.integers(-3, 3))
    if kind in ("truncate", "flip"):
        return kind, draw(st.sampled_from(["json", "npz"])), draw(st.floats(0, 1))
    if kind == "array-junk":
        return kind, draw(st.sampled_from(ARRAYS)), draw(st.sampled_from(
            ["str", "complex", "object", "bool", "int8", "scalar"]))
    return kind, draw(st.sampled_from(["alpha", "lam0", "c-scale", "W-rank", "u-scale"])), \
        draw(st.floats(0.01, 1e3))


def _write_corrupted(tmp: Path, corr) -> Path:
    from numerics.problem import make_instance

    kind, what, arg = corr
    alpha = arg / 1e3 if (kind, what) == ("model", "alpha") else 0.0
    inst = make_instance(np.random.default_rng(0), d=9, k=2, xi=1.0, act="relu",
                         features="random", alpha=alpha)
    stem = tmp / "inst"
    inst.save(stem)
    jp, zp = tmp / "inst.json", tmp / "inst.npz"
    info = json.loads(jp.read_text())
    with np.load(zp) as z:
        arrays = {key: z[key] for key in z.files}
    if kind == "remove":
        (info if what in FIELDS else arrays).pop(what)
    elif kind == "retype":
        if what in FIELDS:
            info[what] = arg
        else:
            arrays[what] = np.array(arg if not isinstance(arg, dict) else 0, dtype=object) \
                if arg is not None else np.array([])
    elif kind == "nonfinite":
        if what == "xi":
            info["xi"] = arg
        else:
            arrays[what] = arrays[what].astype(float)
            arrays[what].flat[0] = arg
    elif kind == "reshape":
        a = arrays[what]
        n = max(0, a.size + arg)
        arrays[what] = np.resize(a, n) if arg else a.reshape(-1, 1)
    elif kind == "array-junk":
        a = arrays[what]
        arrays[what] = {"str": a.astype(str), "complex": a + 1j, "bool": a > 0,
                        "int8": a.astype(np.int8), "scalar": np.float64(1.0),
                        "object": a.astype(object)}[arg]
    elif kind == "model":
        if what == "lam0":
            arrays["lam"] = np.zeros_like(arrays["lam"])
        elif what == "c-scale":
            arrays["c"] = arrays["c"] * arg
        elif what == "u-scale":
            arrays["u"] = arrays["u"] * arg
        elif what == "W-rank":
            arrays["W"][1] = arrays["W"][0] * arg
    jp.write_text(json.dumps(info))
    try:
        np.savez(zp, **arrays)
    except ValueError:  # an object array numpy will not write without pickle: write it with
        np.savez(zp, **{k: v for k, v in arrays.items() if v.dtype != object})
    if kind in ("truncate", "flip"):
        p = jp if what == "json" else zp
        raw = bytearray(p.read_bytes())
        i = int(arg * (len(raw) - 1))
        if kind == "truncate":
            raw = raw[:i]
        else:
            raw[i] ^= 0xFF
        p.write_bytes(bytes(raw))
    return stem


@_settings(N["inst"])
@given(corruption())
def test_corrupted_instance_files_load_right_or_are_refused_in_one_line(tmp_path_factory, corr):
    from numerics.problem import Instance, InstanceError, check_model

    tmp = tmp_path_factory.mktemp("inst")
    stem = _write_corrupted(tmp, corr)
    try:
        inst = Instance.load(stem)
        check_model(inst)
    except InstanceError as err:
        assert "\n" not in str(err) and str(err)
        return
    # accepted: then it is an instance of the model, every array finite and of its shape
    assert inst.W.shape == (inst.k, inst.d) and inst.u.shape == (inst.d,)
    for a in (inst.W, inst.lam, inst.c, inst.chat, inst.u):
        assert np.all(np.isfinite(a))
    assert math.isfinite(inst.xi) and inst.xi > 0 and np.any(inst.lam)
    assert abs(np.linalg.norm(inst.u) - 1) < 1e-9 and inst.alpha <= 1e-8


def test_a_zip_bomb_member_is_refused_from_its_header(tmp_path):
    # a compressed .npy claiming 10¹² entries is refused before any data is read
    from numerics.problem import Instance, InstanceError, make_instance

    make_instance(np.random.default_rng(0), d=9, k=2, xi=1.0, act="relu").save(tmp_path / "i")
    header = np.lib.format.header_data_from_array_1_0(np.zeros(1))
    header["shape"] = (10**6, 10**6)
    import io

    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    with zipfile.ZipFile(tmp_path / "i.npz", "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key in ("lam", "c", "chat", "u"):
            zf.writestr(f"{key}.npy", _npy(np.ones(2 if key != "u" else 9)))
        zf.writestr("W.npy", buf.getvalue())
    with pytest.raises(InstanceError, match=r"W has shape \(1000000, 1000000\)"):
        Instance.load(tmp_path / "i")


def _npy(a: np.ndarray) -> bytes:
    import io

    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


# ------------------------------------------------------------------------------ post-checks

BAD = st.sampled_from([math.nan, math.inf, -math.inf])


@_settings(N["post"])
@given(st.integers(1, 4), st.integers(1, 6), st.sampled_from(["m", "m_final", "q10", "cc", "ode",
                                                               "loss", "none"]),
       BAD, st.data())
def test_simulate_post_check_names_any_non_finite_quantity(runs, nrec, where, bad, data):
    from numerics.cli.util import dump_json
    from numerics.problem import make_instance
    from numerics.simulate import check_finite

    rng = np.random.default_rng(0)
    steps = np.arange(nrec) * 10
    doc = {"steps": steps, "m": rng.uniform(-1, 1, (runs, nrec)),
           "m_final": rng.uniform(-1, 1, runs),
           "quantiles": {"q10": rng.uniform(-1, 1, nrec)},
           "loss": [[None, *rng.uniform(0, 1, nrec - 1).tolist()] for _ in range(runs)],
           "cc": rng.uniform(-1, 1, (runs, nrec)), "ode": {"m": rng.uniform(-1, 1, nrec)}}
    i, j = data.draw(st.integers(0, runs - 1)), data.draw(st.integers(0, nrec - 1))
    if where == "m":
        doc["m"][i, j] = bad
    elif where == "m_final":
        doc["m_final"][i] = bad
    elif where == "q10":
        doc["quantiles"]["q10"][j] = bad
    elif where == "cc":
        doc["cc"][i, j] = bad
    elif where == "ode":
        doc["ode"]["m"][j] = bad
    elif where == "loss" and nrec > 1:
        doc["loss"][i][max(j, 1)] = bad
    inst = make_instance(np.random.default_rng(0), d=20, k=2, xi=1.0, act="relu")
    injected = where != "none" and not (where == "loss" and nrec == 1)
    if injected:
        with pytest.raises(ValueError) as err:
            check_finite(doc, inst, {"lr": 0.005})
        assert "is not finite" in str(err.value) and "\n" not in str(err.value)
    else:
        check_finite(doc, inst, {"lr": 0.005})
        strict_json(dump_json(doc))  # and the JSON holds no NaN


@_settings(N["post"])
@given(st.sampled_from(["coef", "h0", "grid", "none"]), BAD,
       st.floats(1e-300, 1e300, allow_nan=False))
def test_derive_post_check_names_any_non_finite_quantity(where, bad, xi):
    from numerics.derive import check_finite

    doc = {"coefficients": [{"p": 0, "value": 0.5, "error": 0.0}, {"p": 1, "value": 0.5,
                                                                    "error": 1e-20}],
           "instance": {"xi": xi},
           "h": {"h0": 0.1, "grid": {"m": np.linspace(-1, 1, 5), "h": np.ones(5)}}}
    if where == "coef":
        doc["coefficients"][1]["value"] = bad
    elif where == "h0":
        doc["h"]["h0"] = bad
    elif where == "grid":
        doc["h"]["grid"]["h"][2] = bad
    if where == "none":
        check_finite(doc)
        return
    with pytest.raises(ValueError, match="is not finite") as err:
        check_finite(doc)
    assert {"coef": "μ_1", "h0": "h(0)", "grid": "h(m) at m = 0"}[where] in str(err.value)


# ------------------------------------------------------------------------------ command lines


def _opt(name, values):
    """An option left out two times in three (so that some command lines are valid)."""
    return st.one_of(st.just(()), st.just(()), values.map(lambda v: (name, str(v))))


def _number(lo, hi):
    """Values inside a range mostly, sometimes beyond it, sometimes not numbers at all."""
    inside = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    return st.one_of(inside, inside, inside, inside.map(lambda v: -abs(v) - 1), SPECIAL)


SIMULATE_OPTS = st.tuples(
    _opt("--act", st.one_of(st.sampled_from(["relu", "erf", "tanh", "x**3 - 3*x", "He3",
                                             "step"]), st.sampled_from(["relu", "erf"]),
                            mutated())),
    _opt("--k", st.one_of(st.integers(1, 6), st.sampled_from([0, -1, 10**9]))),
    _opt("--d", st.one_of(st.integers(3, 200), st.sampled_from([2, -5, 10**9, 10**8]))),
    _opt("--xi", _number(0.05, 20)),
    _opt("--alpha", _number(0, 1)),
    _opt("--lr", _number(1e-5, 10)),
    _opt("--lr-c", _number(1e-5, 1)),
    _opt("--m0", _number(-1, 1)),
    _opt("--eps", _number(0.01, 0.99)),
    _opt("--r", _number(0, 0.99)),
    _opt("--seed", st.one_of(st.integers(0, 10**6), st.sampled_from([-1, 2**70, "x"]))),
    _opt("--engine", st.sampled_from(["reduced", "full", "warp"])),
    _opt("--variant", st.sampled_from(["frozen", "joint", "unprojected", "alpha", "linearised",
                                       "scratch", "joint+unprojected", "bogus", ""])),
    _opt("--features", st.sampled_from(["orthonormal", "random", "separated", "glm", "x"])),
    _opt("--convention", st.sampled_from(["normalised", "raw", "appB"])),
    _opt("--h0-sign", st.sampled_from(["+1", "-1", "0"])),
    _opt("--record-every", st.one_of(st.integers(1, 50), st.sampled_from([0, -3, 10**12]))),
    _opt("--steps", st.one_of(st.integers(0, 400), st.sampled_from([-1, 10**10]))),
    _opt("--runs", st.one_of(st.integers(1, 4), st.sampled_from([0, 10**6]))),
)
DERIVE_OPTS = st.tuples(
    st.one_of(st.sampled_from(["relu", "erf", "x**3 - 3*x", "sign", "gelu"]), mutated())
    .map(lambda a: ("--", a)),
    _opt("--k", st.one_of(st.integers(1, 6), st.sampled_from([0, 501]))),
    _opt("--d", st.one_of(st.integers(3, 200), st.sampled_from([2, 100001]))),
    _opt("--xi", _number(0.05, 20)),
    _opt("--terms", st.one_of(st.integers(1, 8), st.sampled_from([0, 61]))),
    _opt("--digits", st.one_of(st.integers(5, 20), st.sampled_from([4, 51]))),
    _opt("--seed", st.one_of(st.integers(0, 10**6), st.sampled_from([-1, "x"]))),
    _opt("--features", st.sampled_from(["orthonormal", "random", "separated"])),
    _opt("--convention", st.sampled_from(["normalised", "raw", "appB"])),
)


@st.composite
def valid_simulate(draw):
    """A command line inside every range (a right answer is due), values still drawn."""
    k = draw(st.integers(1, 5))
    d = draw(st.integers(k + 3, 120))
    engine = draw(st.sampled_from(["reduced", "full"]))
    variant = draw(st.sampled_from(["frozen", "joint", "unprojected", "linearised", "alpha",
                                    "joint+unprojected"] + (["scratch"] if engine == "full"
                                                            else [])))
    features = draw(st.sampled_from(["orthonormal", "random", "separated", "glm"]))
    if variant in ("alpha", "linearised", "scratch") and features == "glm":
        features = "random"  # these need W ≠ 0 (refused with a reason otherwise)
    conv = draw(st.sampled_from(["normalised", "raw", "appB"]))
    argv = ["simulate", "--json", "--no-progress", "--k", str(k), "--d", str(d),
            "--engine", engine, "--variant", variant, "--features", features,
            "--convention", conv, "--runs", str(draw(st.integers(1, 4))),
            "--steps", str(draw(st.integers(0, 300))),
            "--xi", repr(draw(st.floats(0.05, 20))),
            "--lr", repr(draw(st.floats(1e-4, 2.0 / d))),
            "--seed", str(draw(st.integers(0, 2**40))),
            "--c", draw(st.sampled_from(["quantised", "sphere"])),
            "--lam", draw(st.sampled_from(["equal", "random"]))]
    if variant == "alpha":
        argv += ["--alpha", repr(draw(st.floats(0.05, 0.95)))]
    if conv == "appB":
        argv += ["--h0-sign", draw(st.sampled_from(["+1", "-1"]))]
    if "joint" in variant:
        argv += ["--lr-c", repr(draw(st.floats(1e-4, 0.3)))]
    if variant != "alpha" and draw(st.booleans()):   # with α > 0, |m₀| ≤ √(1 − α²)
        argv += ["--m0", repr(draw(st.floats(-1, 1)))]
    if draw(st.booleans()):
        argv += ["--no-noise-ode"]
    # (the activations warm_up compiled: a child compiling a kernel under load can take long)
    argv += ["--act", draw(st.sampled_from(["relu", "erf"]))]
    return argv


@st.composite
def command_line(draw):
    """``(argv, valid)``: valid when drawn by :func:`valid_simulate` (a right answer is due)."""
    if draw(st.integers(0, 2)) == 0:
        return draw(valid_simulate()), True
    if draw(st.booleans()):
        argv = ["simulate", "--json", "--no-progress", "--no-noise-ode", "--steps", "200",
                "--d", "30", "--k", "3", "--runs", "3"]
        for pair in draw(SIMULATE_OPTS):
            argv += list(pair)
    else:
        argv = ["derive", "--json", "--terms", "5"]
        pairs = draw(DERIVE_OPTS)
        for pair in pairs[1:]:
            argv += list(pair)
        argv += list(pairs[0])
    return argv, False


@pytest.fixture(scope="module")
def warm():
    from clirun import warm_up

    warm_up()


@_settings(N["cli"])
@given(line=command_line())
def test_whole_command_lines_end_right_or_in_one_clean_line(warm, line):
    argv, valid = line
    # options given twice: click keeps the last one, which is what a user gets too
    res = run_forked(argv, guard=GUARD)
    event(f"{argv[0]}: exit {res.rc}")
    if res.guarded:  # a long run: it must have said so before it started
        assert "lowrank: note: this run is estimated to take about" in res.err, argv
        return
    v = verdict(res)
    assert v == "ok", f"{argv}: {v}\n{res.err[-800:]}"
    if valid:  # (the other generators' lines can end in '--act 1' too, a refused constant)
        # the valid command lines (valid_simulate): a right answer, not a refusal, unless SGD
        # itself diverged at that step size (it can at ηd ≈ 1 with a cubic σ in raw rows or
        # the scratch variant): then the line must say so
        assert res.rc == 0 or "SGD diverged at ηd" in res.err, f"{argv}: refused\n{res.err[-800:]}"
    if res.rc == 0:
        jsonschema.validate(strict_json(res.out), SCHEMAS[argv[0]])
