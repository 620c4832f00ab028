"""The named bad-input and fault cases of issue #12, as data: every option of ``simulate`` (and
``derive``) across and beyond its range, every field of an instance file removed, retyped, made
non-finite or reshaped, instances that break the model, and I/O faults.

Each :class:`Case` says what a right answer is: ``"clean"`` (exit 2, one line on stderr),
``"right"`` (exit 0 and a finite JSON document), or ``"either"``; and optionally a ``check`` of
the files left behind or of the message. :func:`score` applies the invariant of
:func:`clirun.verdict` and the expectation. Used by ``tests/test_bad_input.py`` (forked runs)
and ``benchmarks/probe_bad_input.py`` (fresh processes, against any tree: the before/after
counts of the closing note).
"""

from __future__ import annotations

import json
import os
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from clirun import Result, verdict

SIM = ["simulate", "--d", "20", "--k", "2", "--runs", "2", "--steps", "60", "--no-noise-ode",
       "--no-progress", "--json"]
SIM_INST = ["simulate", "--runs", "2", "--steps", "60", "--no-noise-ode", "--no-progress",
            "--json", "--instance", "{tmp}/inst"]
DER = ["derive", "relu", "--terms", "4", "--json"]
DER_INST = ["derive", "relu", "--terms", "4", "--json", "--instance", "{tmp}/inst"]
REPORT = ["report", "--only", "DC-EX1", "--profile", "quick", "--no-progress"]


@dataclass
class Case:
    """One call: ``argv`` (``{tmp}`` is the case's folder), what to prepare there, what is a
    right outcome and how to check what is left."""

    group: str
    name: str
    argv: list[str]
    expect: str = "clean"                      # clean | right | either
    setup: Callable[[Path], None] | None = None
    check: Callable[[Result, Path], str | None] | None = None
    fsize: int | None = None
    umask: int | None = None
    unprivileged: bool = False                  # needs a fresh process without DAC override
    fresh: bool = False                         # needs a fresh interpreter (e.g. signals)
    tags: tuple[str, ...] = field(default=())

    @property
    def id(self) -> str:
        return f"{self.group}:{self.name}"

    def args(self, tmp: Path) -> list[str]:
        return [a.replace("{tmp}", str(tmp)) for a in self.argv]


def score(case: Case, res: Result, tmp: Path) -> str:
    """``"ok"`` or what is wrong with ``res`` for ``case``."""
    v = verdict(res)
    if v != "ok":
        return v
    if case.expect == "clean" and res.rc != 2:
        return "accepted (exit 0) where a refusal was due"
    if case.expect == "right" and res.rc != 0:
        return f"refused: {res.error_lines[0][:100] if res.error_lines else ''}"
    if case.check is not None:
        problem = case.check(res, tmp)
        if problem:
            return problem
    return "ok"


# ------------------------------------------------------------------------------ instance files


def _save_instance(tmp: Path, *, alpha: float = 0.0, features: str = "orthonormal",
                   convention: str = "normalised", d: int = 20, k: int = 2) -> None:
    from numerics.problem import make_instance

    inst = make_instance(np.random.default_rng(0), d=d, k=k, xi=1.0, act="relu",
                         features=features, alpha=alpha, convention=convention, seed=0)
    inst.save(tmp / "inst")


def _edit_json(fn: Callable[[dict], object], **kw) -> Callable[[Path], None]:
    def setup(tmp: Path) -> None:
        _save_instance(tmp, **kw)
        p = tmp / "inst.json"
        info = json.loads(p.read_text())
        new = fn(info)
        p.write_text(json.dumps(info if new is None else new))   # allow_nan: NaN, Infinity
    return setup


def _raw_json(text: str | bytes) -> Callable[[Path], None]:
    def setup(tmp: Path) -> None:
        _save_instance(tmp)
        p = tmp / "inst.json"
        p.write_bytes(text if isinstance(text, bytes) else text.encode())
    return setup


def _edit_npz(fn: Callable[[dict], None], **kw) -> Callable[[Path], None]:
    def setup(tmp: Path) -> None:
        _save_instance(tmp, **kw)
        p = tmp / "inst.npz"
        with np.load(p) as z:
            arrays = {key: z[key] for key in z.files}
        fn(arrays)
        np.savez(p, **arrays)
    return setup


def _remove(key: str):
    return lambda a: a.pop(key)


def _set(key: str, value):
    def fn(info):
        info[key] = value
    return fn


def _truncate_npz(tmp: Path) -> None:
    _save_instance(tmp)
    p = tmp / "inst.npz"
    raw = p.read_bytes()
    p.write_bytes(raw[: len(raw) // 2])


def _garbage_npz(tmp: Path) -> None:
    _save_instance(tmp)
    (tmp / "inst.npz").write_bytes(b"this is not a zip archive\n" * 4)


def _pickled_npz(tmp: Path) -> None:
    _save_instance(tmp)
    p = tmp / "inst.npz"
    with np.load(p) as z:
        arrays = {key: z[key] for key in z.files}
    arrays["lam"] = np.array([{"a": 1}, None], dtype=object)
    np.savez(p, **arrays)


def _bad_member_npz(tmp: Path) -> None:
    """A zip whose member for λ is not an .npy file."""
    _save_instance(tmp)
    p = tmp / "inst.npz"
    with np.load(p) as z:
        arrays = {key: z[key] for key in z.files}
    arrays.pop("lam")
    np.savez(p, **arrays)
    with zipfile.ZipFile(p, "a") as zf:
        zf.writestr("lam.npy", b"\x93NUMPY garbage")


def _no_npz(tmp: Path) -> None:
    _save_instance(tmp)
    (tmp / "inst.npz").unlink()


def _no_json(tmp: Path) -> None:
    _save_instance(tmp)
    (tmp / "inst.json").unlink()


def _instance_is_a_folder(tmp: Path) -> None:
    (tmp / "inst.json").mkdir()
    (tmp / "inst.npz").mkdir()


def _instance_cases(group: str, base: list[str]) -> list[Case]:
    """Corrupted and model-breaking instance files for one command."""
    sim = group.startswith("simulate")
    out: list[Case] = [Case(group, "valid file", base, "right", _edit_json(lambda i: None))]
    fields = {"d": 20, "k": 2, "xi": 1.0, "act": "relu", "convention": "normalised", "meta": {}}
    for key in fields:
        # meta only records how the file was built: a file without it is still an instance
        out.append(Case(group, f"json {key} removed", base,
                        "either" if key == "meta" else "clean", _edit_json(_remove(key))))
    retyped = {"d": ["20", 20.5, None, [20], True], "k": ["2", 2.5, None], "xi": ["1", [1.0],
               None, {"v": 1}], "act": [5, None, ["relu"]], "convention": [3, None, "bogus"],
               "meta": [[], "x", 7]}
    for key, values in retyped.items():
        for v in values:
            expect = "either" if key == "meta" else "clean"
            out.append(Case(group, f"json {key} = {json.dumps(v)}", base, expect,
                            _edit_json(_set(key, v))))
    for v in (float("nan"), float("inf"), -float("inf"), 1e200, -1.0, 0.0, 1e-200):
        expect = "either" if v in (1e200, 1e-200) else "clean"
        out.append(Case(group, f"json xi = {v!r}", base, expect, _edit_json(_set("xi", v))))
    for v in (float("nan"), float("inf"), -3, 0, 10**30):
        out.append(Case(group, f"json d = {v!r}", base, "clean", _edit_json(_set("d", v))))
    for v in (float("nan"), -1, 0, 3):
        out.append(Case(group, f"json k = {v!r}", base, "clean", _edit_json(_set("k", v))))
    out += [
        Case(group, "json act = 'x**x'", base, "clean", _edit_json(_set("act", "x**x"))),
        Case(group, "json act = '__import__(os)'", base, "clean",
             _edit_json(_set("act", "__import__('os').getcwd()"))),
        Case(group, "json is a list", base, "clean", _raw_json("[1, 2, 3]")),
        Case(group, "json is null", base, "clean", _raw_json("null")),
        Case(group, "json is not JSON", base, "clean", _raw_json("{'d': 20,")),
        Case(group, "json is empty", base, "clean", _raw_json("")),
        Case(group, "json is binary", base, "clean", _raw_json(bytes(range(256)))),
        Case(group, "json missing", base, "clean", _no_json),
        Case(group, "npz missing", base, "clean", _no_npz),
        Case(group, "files are folders", base, "clean", _instance_is_a_folder),
        Case(group, "npz truncated", base, "clean", _truncate_npz),
        Case(group, "npz not a zip", base, "clean", _garbage_npz),
        Case(group, "npz holds a pickled object array", base, "clean", _pickled_npz),
        Case(group, "npz member is not .npy", base, "clean", _bad_member_npz),
    ]
    for key in ("W", "lam", "c", "chat", "u"):
        out.append(Case(group, f"npz {key} removed", base, "clean", _edit_npz(_remove(key))))
    reshape = {"W": lambda a: a.update(W=a["W"].ravel()[:-1]),
               "lam": lambda a: a.update(lam=np.ones(3)),
               "c": lambda a: a.update(c=a["c"].reshape(1, 2, 1).repeat(2, axis=0)),
               "chat": lambda a: a.update(chat=np.float64(0.5)),
               "u": lambda a: a.update(u=a["u"][:-1])}
    for key, fn in reshape.items():
        out.append(Case(group, f"npz {key} reshaped", base, "clean", _edit_npz(fn)))
    for key in ("W", "lam", "c", "chat", "u"):
        def put_nan(a, key=key):
            a[key] = a[key].astype(float)
            a[key].flat[0] = np.nan
        out.append(Case(group, f"npz {key} has NaN", base, "clean", _edit_npz(put_nan)))
    out += [
        Case(group, "npz c has 1e200", base, "clean",
             _edit_npz(lambda a: a["c"].__setitem__(0, 1e200))),
        Case(group, "npz lam has inf", base, "clean",
             _edit_npz(lambda a: a["lam"].__setitem__(0, np.inf))),
        Case(group, "npz W is text", base, "clean",
             _edit_npz(lambda a: a.update(W=np.array([["a"] * 20] * 2)))),
        Case(group, "npz lam is complex", base, "clean",
             _edit_npz(lambda a: a.update(lam=a["lam"] + 1j))),
        Case(group, "model: lambda = 0", base, "clean",
             _edit_npz(lambda a: a.update(lam=np.zeros(2)))),
        Case(group, "model: u not a unit vector", base, "clean",
             _edit_npz(lambda a: a.update(u=2 * a["u"]))),
        Case(group, "model: W rank-deficient", base, "clean",
             _edit_npz(lambda a: a["W"].__setitem__(1, a["W"][0]))),
        Case(group, "model: alpha = 0.42 (frozen)", base, "clean",
             lambda t: _save_instance(t, alpha=0.42, features="random")),
        Case(group, "model: u in span W (alpha = 1)", base, "clean",
             lambda t: _save_instance(t, alpha=1.0, features="random")),
        Case(group, "model: d < rank + 3", base, "clean",
             lambda t: _save_instance(t, d=5, k=3)),
    ]
    if sim:
        out += [
            Case(group, "model: alpha = 0.42 with --variant alpha", base + ["--variant", "alpha"],
                 "right", lambda t: _save_instance(t, alpha=0.42, features="random")),
            Case(group, "appB file without --h0-sign", base, "clean",
                 lambda t: _save_instance(t, convention="appB")),
            Case(group, "appB file with --h0-sign", base + ["--h0-sign", "+1"], "right",
                 lambda t: _save_instance(t, convention="appB")),
        ]
    else:
        out += [
            Case(group, "appB file: its convention is used", base, "right",
                 lambda t: _save_instance(t, convention="appB"), check=_convention_is("appB")),
            Case(group, "raw file: its convention is used", base, "right",
                 lambda t: _save_instance(t, convention="raw"), check=_convention_is("raw")),
        ]
    return out


def _convention_is(conv: str):
    def check(res: Result, tmp: Path) -> str | None:
        doc = json.loads(res.out)
        got = (doc.get("instance") or {}).get("convention")
        return None if got == conv else f"the file's {conv} convention was not used ({got})"
    return check


# ------------------------------------------------------------------------------ options


def _simulate_option_cases() -> list[Case]:
    g = "simulate-option"
    c: list[Case] = [Case(g, "defaults (small)", SIM, "right")]

    def opt(name, value, expect="clean", extra=(), **kw):
        label = f"{name} {value}" + (f" ({' '.join(extra)})" if extra else "")
        c.append(Case(g, label, [*SIM, *extra, name, str(value)], expect, **kw))

    for v in ("nan", "inf", "-inf", "-1", "0", "1e300"):
        opt("--xi", v, "either" if v == "1e300" else "clean")
    opt("--xi", "1e-300", "either")
    for v in ("nan", "inf", "2", "-1.5"):
        opt("--m0", v)
    opt("--m0", "1", "either")
    opt("--m0", "-1", "either")
    for v in ("nan", "inf", "-inf", "0", "-0.1", "1e300"):
        opt("--lr", v, "either" if v == "1e300" else "clean")
    opt("--lr", "10", "either")
    opt("--lr", "1e-300", "either")
    opt("--lr", "1e300", "either", extra=("--engine", "full"))
    for v in ("nan", "inf", "0", "1e300"):
        opt("--lr-c", v, "either" if v == "1e300" else "clean", extra=("--variant", "joint"))
    for v in ("nan", "inf", "2", "-0.1"):
        opt("--alpha", v)
    opt("--alpha", "0.5", "right", extra=("--variant", "alpha", "--features", "random"))
    for v in ("nan", "0", "1", "inf"):
        opt("--eps", v)
    for v in ("nan", "1", "-0.1"):
        opt("--r", v)
    for v in ("0", "-1", "1000000000"):
        opt("--k", v)
    for v in ("2", "-5", "1000000000"):
        opt("--d", v)
    for v in ("0", "-1"):
        opt("--runs", v)
    for v in ("-1", "1e3", "nan"):
        opt("--steps", v)
    opt("--steps", "0", "right")
    for v in ("0", "-5"):
        opt("--record-every", v)
    opt("--record-every", "1000000000000", "right")
    opt("--seed", "-1", "either")
    opt("--seed", str(2**70), "right")
    opt("--seed", "abc")
    for v in ("nan*x", "x**x", "1/x", "unknownfn(x)", "step"):
        opt("--act", v)
    for v in ("bogus", "", "alpha", "frozen+joint"):
        opt("--variant", v)
    opt("--variant", "scratch")
    opt("--convention", "appB")
    opt("--h0-sign", "+1", "right", extra=("--convention", "appB"))
    opt("--h0-sign", "2")
    opt("--features", "nope")
    # sizes the options allow but the machine cannot run: refused up front, with the estimate
    c += [
        Case(g, "--d 100000000 (reduced)", ["simulate", "--d", "100000000", "--k", "4", "--runs",
             "2", "--steps", "10", "--no-progress", "--json"], "clean", check=_says("GiB")),
        Case(g, "--d 10000000 --k 50 --engine full",
             ["simulate", "--d", "10000000", "--k", "50", "--engine", "full", "--runs", "2",
              "--steps", "10", "--no-progress", "--json"], "clean", check=_says("GiB")),
        Case(g, "--runs 1000000 --steps 10000000000 --record-every 1",
             ["simulate", "--d", "20", "--k", "2", "--runs", "1000000", "--steps",
              "10000000000", "--record-every", "1", "--no-progress", "--json"], "clean",
             check=_says("--record-every")),
        Case(g, "--k 2000 --d 2003 (rank check)",
             ["simulate", "--k", "2000", "--d", "2003", "--runs", "1", "--steps", "5",
              "--m0", "0.3", "--variant", "joint", "--no-progress", "--json"], "right",
             tags=("slow",)),
    ]
    return c


def _says(text: str):
    def check(res: Result, tmp: Path) -> str | None:
        return None if text in res.err else f"the message does not say {text!r}: {res.err[:120]}"
    return check


def _derive_option_cases() -> list[Case]:
    g = "derive-option"
    c: list[Case] = [Case(g, "relu (small)", DER, "right")]
    for name, values in {"--xi": ["nan", "inf", "-1", "0"], "--k": ["0", "-1"],
                         "--d": ["2", "nan"], "--terms": ["0", "1000"], "--digits": ["3", "999"],
                         "--seed": ["abc"]}.items():
        for v in values:
            c.append(Case(g, f"{name} {v}", [*DER, name, v], "clean"))
    c.append(Case(g, "--xi 1e300", [*DER, "--xi", "1e300"], "either"))
    c.append(Case(g, "--seed -1", [*DER, "--seed", "-1"], "either"))
    # Python's own parser warns on this one (a second stderr line before the refusal)
    c.append(Case(g, "expr 1if x else 2", ["derive", "1if x else 2", "--json"], "clean"))
    for expr in ("x**3 - 3*x", "erf", "tanh(2*x) + x**3/6"):
        c.append(Case(g, f"expr {expr}", ["derive", expr, "--terms", "6", "--json"], "right",
                      tags=("slow",) if "tanh" in expr else ()))
    return c


# ------------------------------------------------------------------------------ I/O faults


def _a_file(tmp: Path) -> None:
    (tmp / "afile").write_text("I am a file\n")


def _readonly_dir(tmp: Path) -> None:
    (tmp / "ro").mkdir()
    os.chmod(tmp / "ro", 0o555)


def _readonly_report(tmp: Path) -> None:
    """A complete report in tmp/out whose folder (and sub-folders) are read-only."""
    from numerics import report as rp
    from numerics.claims import Context

    rp.generate(Context(profile="quick", seed=1), tmp / "out", only=["DC-EX1"], progress=False)
    for p in [tmp / "out", *[q for q in (tmp / "out").rglob("*") if q.is_dir()]]:
        os.chmod(p, 0o555)


def _no_leftovers(res: Result, tmp: Path) -> str | None:
    left = sorted(p.name for p in tmp.iterdir() if ".new-" in p.name or ".old-" in p.name)
    return f"left behind: {left}" if left else None


def _mode_is(rel: str, mode: int):
    def check(res: Result, tmp: Path) -> str | None:
        m = stat.S_IMODE((tmp / rel).stat().st_mode)
        return None if m == mode else f"{rel} has mode {oct(m)}, expected {oct(mode)}"
    return check


def _result_not_lost(res: Result, tmp: Path) -> str | None:
    """The simulation's result is on stdout or saved in a file the message names."""
    if res.out.strip().startswith("{"):
        return None
    for word in res.err.split():
        w = word.strip(".,;:()'\"")
        if w.endswith(".json") and Path(w).is_file():
            return None
    return "the result was lost"


def _report_not_lost(res: Result, tmp: Path) -> str | None:
    """The report's data is on stdout (JSON) or in a file the message names."""
    if res.out.strip().startswith("{") and "printed on stdout" in res.err:
        return None
    for word in res.err.split():
        w = word.strip(".,;:()'\"")
        if w.endswith(".json") and Path(w).is_file():
            return None
    return "the report's result was lost (no saved report.json named)"


def _io_cases() -> list[Case]:
    g = "io"
    return [
        Case(g, "report --out below a file", [*REPORT, "--out", "{tmp}/afile/sub"], "clean",
             _a_file),
        Case(g, "report --out is a file", [*REPORT, "--out", "{tmp}/afile"], "clean", _a_file),
        Case(g, "report --out below a read-only folder", [*REPORT, "--out", "{tmp}/ro/out"],
             "clean", _readonly_dir, unprivileged=True),
        Case(g, "report into a read-only report folder", [*REPORT, "--out", "{tmp}/out"],
             "either", _readonly_report, check=_no_leftovers, unprivileged=True),
        Case(g, "report under a file-size limit", [*REPORT, "--out", "{tmp}/out"], "clean",
             fsize=2000, check=_report_not_lost),
        Case(g, "simulate --plot below a file", [*SIM, "--plot", "{tmp}/afile/m.png"], "clean",
             _a_file),
        Case(g, "simulate --plot in a read-only folder", [*SIM, "--plot", "{tmp}/ro/m.png"],
             "clean", _readonly_dir, unprivileged=True),
        Case(g, "simulate --plot in a missing folder", [*SIM, "--plot", "{tmp}/new/sub/m.png"],
             "right", check=_mode_is("new/sub/m.png", 0o644), umask=0o022),
        Case(g, "simulate --plot is a folder", [*SIM, "--plot", "{tmp}"], "clean"),
        Case(g, "simulate --plot respects the umask", [*SIM, "--plot", "{tmp}/m.png"], "right",
             check=_mode_is("m.png", 0o640), umask=0o027),
        Case(g, "simulate --plot under a file-size limit", [*SIM, "--plot", "{tmp}/m.png"],
             "clean", fsize=3000, check=_result_not_lost),
        Case(g, "simulate --save-instance below a file",
             [*SIM, "--save-instance", "{tmp}/afile/inst"], "clean", _a_file),
        Case(g, "simulate --save-instance respects the umask",
             [*SIM, "--save-instance", "{tmp}/inst"], "right",
             check=_mode_is("inst.npz", 0o640), umask=0o027),
        Case(g, "derive --plot below a file", [*DER, "--plot", "{tmp}/afile/h.png"], "clean",
             _a_file),
        Case(g, "derive --plot into /proc", [*DER, "--plot", "/proc/lowrank-h.png"], "clean"),
        Case(g, "simulate --instance unreadable",
             [*SIM_INST], "clean", lambda t: (_save_instance(t), os.chmod(t / "inst.json", 0)),
             unprivileged=True),
    ]


def all_cases() -> list[Case]:
    """Every case, in a stable order."""
    return [*_simulate_option_cases(), *_instance_cases("simulate-instance", SIM_INST),
            *_derive_option_cases(), *_instance_cases("derive-instance", DER_INST),
            *_io_cases()]
