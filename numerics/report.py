"""The proof-check report writer: runs the registered claims and writes ``reports/``.

:func:`generate` runs the claims (all, or the IDs / sub-check IDs in ``only``) and writes into
``out`` (default ``reports/``):

* ``README.md``: verdict counts (by ID and by sub-check), then one table row per ID and per
  sub-check (ID, location, one-line statement, verdict, one-line evidence), linking to
* ``claims/<ID>.md``: the full evidence of every sub-check (printed statement, verdict,
  corrected form, reason, quantities, tolerance and justification, convention, seeds, sizes,
  seconds, figures);
* ``figures/``: PNGs (claims with ``wants_figdir`` get this folder);
* ``verdicts.tex``: a ``longtable`` (ID, location, verdict, short evidence), LaTeX-escaped;
* ``report.json``: the machine-readable report, schema ``lowrank-report/1`` (below);
* ``COMPLETE``: the completion marker, written last (JSON: ``schema``, ``pid``,
  ``created_ns``).

``report.json`` (schema ``lowrank-report/1``)::

    {
      "schema": "lowrank-report/1",
      "reproducibility": {              # identical for two runs with the same code and seed
        "git": {"commit": "<sha>" | "unknown", "dirty": true | false | null},
        "versions": {"python": ..., "numpy": ..., "scipy": ..., "sympy": ...,
                     "mpmath": ..., "numba": ...},
        "profile": "quick" | "standard" | "paper",
        "seed": int,
        "activations": [str, ...],      # extra activations (--activation)
        "only": [str, ...] | null       # the selection, null for a full report
      },
      "volatile": {                     # the ONLY fields allowed to differ between such runs
        "date": "<ISO 8601 UTC>",
        "seconds_total": float,
        "seconds": {"<sub-check ID>": float, ...}
      },
      "counts": {"by_id": {"<status>": int, ...}, "by_subcheck": {"<status>": int, ...}},
      "claims": [
        {"id", "location", "title", "convention", "needs", "status",   # status: worst
         "subchecks": [
           {"id", "location", "statement", "status", "summary", "evidence", "tolerance",
            "justification", "corrected", "reason", "convention", "seeds", "sizes",
            "figures"}                  # figures: paths relative to the report folder
         ]}
      ]
    }

``git.dirty`` ignores the report folders themselves (``reports*``) and untracked files.

**Crash safety.** The new report is assembled in a sibling ``<out>.new-<pid>``; the marker is
written last; then ``<out>`` → ``<out>.old-<pid>``, ``<out>.new-<pid>`` → ``<out>``, and the old
one is deleted. A kill at any moment leaves a complete report somewhere: :func:`recover` (called
by :func:`generate` first and by :func:`load_report`, which every reader uses) restores the newest
complete sibling when ``<out>`` is missing, and removes stale siblings of dead processes.

>>> from numerics.claims import Context
>>> data = collect(Context(profile="quick"), only=["DC-EX1"], progress=False)
>>> data["schema"], data["claims"][0]["status"]
('lowrank-report/1', 'confirmed')
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import importlib
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from numerics import claims as _claims
from numerics.claims import STATUSES, Claim, Context, registry, run_claim, worst
from numerics.serial import jsonable

__all__ = [
    "SCHEMA",
    "MARKER",
    "DEFAULT_OUT",
    "Report",
    "ReportError",
    "UnknownIdError",
    "all_claims",
    "select",
    "collect",
    "generate",
    "load_report",
    "recover",
    "latex_escape",
    "reproducibility",
    "render_readme",
    "render_claim",
    "render_tex",
]

SCHEMA = "lowrank-report/1"
MARKER = "COMPLETE"
DEFAULT_OUT = Path("reports")
#: Claim modules imported even if :data:`numerics.claims.MODULES` does not list them yet.
_EXTRA_MODULES: tuple[str, ...] = ()
#: Test-only hook: ``LOWRANK_TEST_PAUSE_AT=<point>`` makes the writer print a line and sleep at
#: that point (``claims``, ``marker``, ``swap``, ``after-swap``) so a test can kill it there.
_PAUSE_ENV, _PAUSE_SECONDS_ENV = "LOWRANK_TEST_PAUSE_AT", "LOWRANK_TEST_PAUSE_SECONDS"


class ReportError(RuntimeError):
    """The report cannot be written or read (the message says why, in one line)."""


class UnknownIdError(ValueError):
    """An ID given in a selection is neither a claim ID nor a sub-check ID."""


@dataclass
class Report:
    """A report as loaded from (or just written to) ``path``; ``data`` is ``report.json``."""

    path: Path
    data: dict[str, Any]

    @property
    def claims(self) -> list[dict[str, Any]]:
        return self.data["claims"]

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        return self.data["counts"]

    def verdicts(self) -> dict[str, str]:
        """Status by sub-check ID.

        >>> Report(Path("."), {"claims": [{"subchecks": [{"id": "A.a", "status": "confirmed"}]}]}
        ...        ).verdicts()
        {'A.a': 'confirmed'}
        """
        return {s["id"]: s["status"] for c in self.claims for s in c["subchecks"]}


# --------------------------------------------------------------------------------------------
# Selecting and running
# --------------------------------------------------------------------------------------------


def all_claims() -> dict[str, Claim]:
    """The registry, importing :data:`numerics.claims.MODULES` and the modules not listed yet.

    >>> "DC-C2" in all_claims()
    True
    """
    for mod in _EXTRA_MODULES:
        if mod not in _claims.MODULES:
            importlib.import_module(mod)
    return registry()


def select(only: list[str] | None) -> list[tuple[Claim, set[str] | None]]:
    """Resolve a selection of claim IDs and sub-check IDs into ``(claim, sub-check IDs or None
    for all)``, in registry order. Raises :class:`UnknownIdError` naming the unknown IDs.

    >>> [(c.id, s) for c, s in select(["DC-C2.c"])]
    [('DC-C2', {'DC-C2.c'})]
    """
    reg = all_claims()
    if not only:
        return [(c, None) for c in reg.values()]
    sub_owner = {s.id: c.id for c in reg.values() for s in c.subchecks}
    unknown = [i for i in only if i not in reg and i not in sub_owner]
    if unknown:
        raise UnknownIdError(f"unknown claim ID(s): {', '.join(unknown)} "
                             "(see `lowrank list`)")
    chosen: dict[str, set[str] | None] = {}
    for i in only:
        if i in reg:
            chosen[i] = None
        elif chosen.get(sub_owner[i], set()) is not None:
            chosen.setdefault(sub_owner[i], set()).add(i)
    return [(c, chosen[c.id]) for c in reg.values() if c.id in chosen]


def _git(args: list[str]) -> str | None:
    root = Path(__file__).resolve().parents[1]
    try:
        r = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    return r.stdout if r.returncode == 0 else None


def _version(pkg: str) -> str:
    try:
        return importlib.metadata.version(pkg)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def reproducibility(ctx: Context, only: list[str] | None) -> dict[str, Any]:
    """What the report was generated from: git commit and dirtiness, versions, profile, seed.

    >>> sorted(reproducibility(Context(), None)["versions"])
    ['mpmath', 'numba', 'numpy', 'python', 'scipy', 'sympy']
    """
    head = _git(["rev-parse", "HEAD"])
    status = _git(["status", "--porcelain", "--untracked-files=no", "--", ".",
                   ":(exclude)reports*"]) if head else None
    return {
        "git": {"commit": head.strip() if head else "unknown",
                "dirty": (bool(status.strip()) if status is not None else None)},
        "versions": {"python": platform.python_version(),
                     **{p: _version(p) for p in ("numpy", "scipy", "sympy", "mpmath", "numba")}},
        "profile": ctx.profile,
        "seed": ctx.seed,
        "activations": list(ctx.activations),
        "only": list(only) if only else None,
    }


def _figure_path(fig: str, figdir: Path | None) -> str:
    p = Path(fig)
    if figdir is not None and p.is_absolute():
        with contextlib.suppress(ValueError):
            return str(Path("figures") / p.relative_to(figdir))
    return str(p if p.parts[:1] == ("figures",) else Path("figures") / p.name)


def collect(ctx: Context, only: list[str] | None = None, progress: bool = True,
            figdir: Path | None = None) -> dict[str, Any]:
    """Run the selected claims and return the ``report.json`` content (nothing is written but
    the figures, into ``figdir``; a temporary folder if None). One tqdm bar on stderr, advancing
    per claim (``progress=False`` turns it off)."""
    chosen = select(only)
    t_start = time.perf_counter()
    seconds: dict[str, float] = {}
    out_claims = []
    with contextlib.ExitStack() as stack:
        if figdir is None and any(c.wants_figdir for c, _ in chosen):
            figdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lowrank-")))
        bar = tqdm(chosen, desc="claims", unit="claim", file=sys.stderr, disable=not progress,
                   leave=False)
        for n, (claim, subs) in enumerate(bar):
            bar.set_postfix_str(claim.id)
            verdicts = run_claim(claim, ctx, figdir)
            if n == 0:
                _pause("claims")
            by_id = {s.id: s for s in claim.subchecks}
            rows = []
            for v in verdicts:
                if subs is not None and v.id not in subs:
                    continue
                d = v.to_dict()
                seconds[v.id] = d.pop("seconds")
                d["figures"] = [_figure_path(f, figdir) for f in d["figures"]]
                rows.append({"id": v.id, "location": by_id[v.id].location,
                             "statement": by_id[v.id].statement,
                             **{k: val for k, val in d.items() if k != "id"}})
            out_claims.append({"id": claim.id, "location": claim.location,
                               "title": claim.title, "convention": claim.convention,
                               "needs": claim.needs,
                               "status": worst(r["status"] for r in rows),
                               "subchecks": rows})
    counts = {
        "by_id": {s: sum(c["status"] == s for c in out_claims) for s in STATUSES},
        "by_subcheck": {s: sum(r["status"] == s for c in out_claims for r in c["subchecks"])
                        for s in STATUSES},
    }
    data = {
        "schema": SCHEMA,
        "reproducibility": reproducibility(ctx, only),
        "volatile": {"date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
                     "seconds_total": round(time.perf_counter() - t_start, 3),
                     "seconds": seconds},
        "counts": counts,
        "claims": out_claims,
    }
    return jsonable(data)


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def _oneline(text: Any, limit: int | None = None) -> str:
    s = " ".join(str(text if text is not None else "").split())
    if limit and len(s) > limit:
        s = s[: limit - 1].rstrip() + "…"
    return s


def _cell(text: Any, limit: int | None = None) -> str:
    """A Markdown table cell: one line, pipes escaped, cut at ``limit`` characters."""
    return _oneline(text, limit).replace("|", "\\|")


def render_readme(data: dict[str, Any]) -> str:
    """README.md: counts at the top, then the table of IDs and sub-checks."""
    rep, vol = data["reproducibility"], data["volatile"]
    git = rep["git"]
    lines = [
        "# Proof-check report: Dayi & Chen, “Low-rank fine-tuning lies between lazy training "
        "and feature learning” (COLT 2025)",
        "",
        f"Generated by `lowrank report --profile {rep['profile']} --seed {rep['seed']}`"
        + (f" (only {', '.join(rep['only'])})" if rep["only"] else "")
        + (f" (extra activations: {', '.join(rep['activations'])})" if rep["activations"]
           else "")
        + f" from commit `{git['commit']}`"
        + {True: " (working tree dirty)", False: "", None: ""}[git["dirty"]] + ".",
        f"Date {vol['date']}, {vol['seconds_total']:.1f} s. Versions: "
        + ", ".join(f"{k} {v}" for k, v in rep["versions"].items()) + ".",
        "",
        "## Verdict counts",
        "",
        "| verdict | IDs | sub-checks |",
        "|---|---:|---:|",
    ]
    for s in STATUSES:
        lines.append(f"| {s} | {data['counts']['by_id'][s]} | "
                     f"{data['counts']['by_subcheck'][s]} |")
    lines += ["", "## Claims", "",
              "| ID | location | statement | verdict | evidence |", "|---|---|---|---|---|"]
    for c in data["claims"]:
        worst_sub = next((r for r in c["subchecks"] if r["status"] == c["status"]), None)
        lines.append(f"| [{c['id']}](claims/{c['id']}.md) | {_cell(c['location'])} | "
                     f"{_cell(c['title'])} | **{c['status']}** | "
                     f"{_cell(worst_sub['summary'] if worst_sub else '', 160)} |")
        for r in c["subchecks"]:
            lines.append(f"| [{r['id']}](claims/{c['id']}.md#{_anchor(r['id'])}) | "
                         f"{_cell(r['location'])} | {_cell(r['statement'], 140)} | "
                         f"{r['status']} | {_cell(r['summary'], 160)} |")
    lines += ["", "Statuses: " + ", ".join(STATUSES) + " (best to worst); an ID's verdict is "
              "the worst of its sub-checks. LaTeX table: [verdicts.tex](verdicts.tex); "
              "machine-readable: [report.json](report.json).", ""]
    return "\n".join(lines)


def _anchor(sub_id: str) -> str:
    return sub_id.lower().replace(".", "")


def render_claim(c: dict[str, Any], seconds: dict[str, float]) -> str:
    """claims/<ID>.md: the full evidence of every sub-check."""
    lines = [f"# {c['id']}: {c['title']}", "",
             f"* Location: {c['location']}", f"* Convention: {c['convention']}",
             f"* Kind: {c['needs']}", f"* Verdict: **{c['status']}**", "",
             "[Back to the report](../README.md)", ""]
    for r in c["subchecks"]:
        lines += [f"## {r['id']}", "", f"Location: {r['location']}", "",
                  "Printed statement:", "", "> " + " ".join(r["statement"].split()), "",
                  f"* Verdict: **{r['status']}**", f"* Evidence: {r['summary']}"]
        if r.get("corrected"):
            lines.append(f"* Corrected form (verified instead): {r['corrected']}")
        if r.get("reason"):
            lines.append(f"* Reason: {r['reason']}")
        lines += [f"* Tolerance: {r['tolerance'] or '—'}",
                  f"* Justification: {r['justification'] or '—'}",
                  f"* Convention: {r['convention'] or '—'}",
                  f"* Seeds: {r['seeds'] if r['seeds'] else '— (deterministic)'}",
                  f"* Sizes: {json.dumps(r['sizes'], ensure_ascii=False) if r['sizes'] else '—'}",
                  f"* Seconds: {seconds.get(r['id'], 0.0):.3f}"]
        for f in r["figures"]:
            lines += ["", f"![{r['id']}](../{f})"]
        lines += ["", "Quantities:", "", "```json",
                  json.dumps(r["evidence"], indent=2, ensure_ascii=False), "```", ""]
    return "\n".join(lines)


_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                  "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                  "^": r"\textasciicircum{}"}
_LATEX_UNICODE = {
    "σ": r"$\sigma$", "ξ": r"$\xi$", "λ": r"$\lambda$", "μ": r"$\mu$", "ρ": r"$\rho$",
    "γ": r"$\gamma$", "δ": r"$\delta$", "ε": r"$\varepsilon$", "ϵ": r"$\epsilon$",
    "η": r"$\eta$", "θ": r"$\theta$", "Φ": r"$\Phi$", "Σ": r"$\Sigma$", "Π": r"$\Pi$",
    "Θ": r"$\Theta$", "√": r"$\surd$", "‖": r"$\|$", "≤": r"$\le$", "≥": r"$\ge$",
    "≠": r"$\ne$", "≈": r"$\approx$", "∈": r"$\in$", "⊥": r"$\perp$", "·": r"$\cdot$",
    "×": r"$\times$", "→": r"$\to$", "∞": r"$\infty$", "⟨": r"$\langle$", "⟩": r"$\rangle$",
    "−": "-", "–": "--", "—": "---", "…": r"\ldots{}", "²": r"$^2$", "³": r"$^3$",
    "⁻": r"$^-$", "⁵": r"$^5$", "′": r"$'$", "“": "``", "”": "''", "’": "'", "§": r"\S{}",
    "⊗": r"$\otimes$", "±": r"$\pm$", "∂": r"$\partial$", "ĉ": r"$\hat c$", "û": r"$\hat u$",
}


def latex_escape(text: str) -> str:
    """Escape LaTeX specials and map common Unicode symbols to LaTeX (pdflatex-safe for those).

    >>> latex_escape("50% of σ_1 & {x} ≤ 2^k")
    '50\\\\% of $\\\\sigma$\\\\_1 \\\\& \\\\{x\\\\} $\\\\le$ 2\\\\textasciicircum{}k'
    """
    return "".join(_LATEX_SPECIAL.get(ch) or _LATEX_UNICODE.get(ch) or ch for ch in str(text))


def render_tex(data: dict[str, Any]) -> str:
    """verdicts.tex: a longtable the authors can paste (needs ``\\usepackage{longtable}``)."""
    rep = data["reproducibility"]
    body = _tex_rows(data)
    left = sorted({ch for ln in body for ch in ln if ord(ch) > 127})
    lines = [
        "% Proof-check verdicts for Dayi & Chen (COLT 2025), generated by `lowrank report`",
        f"% profile {rep['profile']}, seed {rep['seed']}, commit {rep['git']['commit']}",
        "% requires \\usepackage{longtable}; "
        + (f"non-ASCII characters left (use xelatex/lualatex): {''.join(left)}" if left
           else "pdflatex-safe (no non-ASCII characters left)"),
        r"\begin{longtable}{@{}p{0.13\linewidth}p{0.22\linewidth}p{0.12\linewidth}"
        r"p{0.45\linewidth}@{}}",
        r"\hline ID & Location & Verdict & Evidence \\ \hline \endhead",
        *body,
        r"\end{longtable}",
    ]
    return "\n".join(lines) + "\n"


def _tex_rows(data: dict[str, Any]) -> list[str]:
    lines = []
    for c in data["claims"]:
        lines.append(rf"\textbf{{{latex_escape(c['id'])}}} & {latex_escape(c['location'])} & "
                     rf"\textbf{{{latex_escape(c['status'])}}} & "
                     rf"{latex_escape(_oneline(c['title'], 120))} \\")
        for r in c["subchecks"]:
            ev = r["summary"] + (f" Corrected: {r['corrected']}" if r.get("corrected") else "")
            lines.append(rf"\quad {latex_escape(r['id'])} & {latex_escape(r['location'])} & "
                         rf"{latex_escape(r['status'])} & {latex_escape(_oneline(ev, 200))} \\")
        lines.append(r"\hline")
    return lines


# --------------------------------------------------------------------------------------------
# Writing, crash-safe
# --------------------------------------------------------------------------------------------


def _pause(point: str) -> None:
    if os.environ.get(_PAUSE_ENV) == point:
        print(f"lowrank-test: paused at {point}", file=sys.stderr, flush=True)
        time.sleep(float(os.environ.get(_PAUSE_SECONDS_ENV, "60")))


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _is_complete(p: Path) -> bool:
    return (p / MARKER).is_file()


def _marker_ns(p: Path) -> int:
    try:
        return int(json.loads((p / MARKER).read_text())["created_ns"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def _pid(p: Path) -> int | None:
    tail = p.name.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _siblings(out: Path) -> list[Path]:
    if not out.parent.is_dir():
        return []
    return sorted(p for p in out.parent.iterdir() if p.is_dir() and (
        p.name.startswith(f"{out.name}.new-") or p.name.startswith(f"{out.name}.old-")))


def recover(out: Path = DEFAULT_OUT) -> Path | None:
    """Make ``out`` a complete report if any complete one exists, and clean up.

    If ``out`` is missing (or an empty folder) and a complete ``<out>.new-*``/``<out>.old-*``
    sibling exists (a kill between the two renames), the newest complete one (by its marker's
    time) is renamed to ``out``. Siblings left by dead processes are then removed (incomplete
    ``new`` ones, and ``old``/``new`` ones superseded by ``out``). Returns ``out`` if it holds a
    complete report afterwards, else None.

    >>> recover(Path(tempfile.mkdtemp()) / "reports") is None
    True
    """
    out = Path(out)
    if not _is_complete(out):
        cands = sorted((p for p in _siblings(out) if _is_complete(p)), key=_marker_ns)
        empty = out.is_dir() and not any(out.iterdir())
        if cands and (not out.exists() or empty):
            if empty:
                with contextlib.suppress(OSError):
                    out.rmdir()
            with contextlib.suppress(OSError):  # a concurrent reader/writer may have won
                os.rename(cands[-1], out)
    if _is_complete(out):
        for p in _siblings(out):
            if not _alive(_pid(p)):
                shutil.rmtree(p, ignore_errors=True)
        return out
    for p in _siblings(out):  # nothing complete to restore: drop dead incomplete ones
        if not _is_complete(p) and not _alive(_pid(p)):
            shutil.rmtree(p, ignore_errors=True)
    return None


def load_report(out: Path = DEFAULT_OUT) -> Report:
    """Load a complete report from ``out`` (recovering an interrupted swap first).

    Raises :class:`ReportError` if there is none, or if its schema is not ``lowrank-report/1``.
    """
    out = Path(out)
    if recover(out) is None:
        raise ReportError(f"no complete report in {out} (run `lowrank report`)")
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    if data.get("schema") != SCHEMA:
        raise ReportError(f"{out}/report.json has schema {data.get('schema')!r}, "
                          f"expected {SCHEMA!r}")
    return Report(out, data)


def generate(ctx: Context, out: Path = DEFAULT_OUT, only: list[str] | None = None,
             progress: bool = True) -> Report:
    """Run the claims (all, or the selected claim/sub-check IDs) and write the report to ``out``
    crash-safely (see the module docstring). Refuses to replace an existing folder that is not
    a report. Raises :class:`UnknownIdError` for unknown IDs before writing anything.
    """
    out = Path(out)
    select(only)  # fail early on unknown IDs
    recover(out)
    if out.exists() and not _is_complete(out) and any(out.iterdir()) \
            and not (out / "report.json").exists():
        raise ReportError(f"{out} exists and is not a report; refusing to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    pid = os.getpid()
    new, old = out.parent / f"{out.name}.new-{pid}", out.parent / f"{out.name}.old-{pid}"
    shutil.rmtree(new, ignore_errors=True)
    (new / "figures").mkdir(parents=True)
    (new / "claims").mkdir()
    data = collect(ctx, only, progress, figdir=(new / "figures").resolve())
    _write(new / "report.json", json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    _write(new / "README.md", render_readme(data))
    for c in data["claims"]:
        _write(new / "claims" / f"{c['id']}.md", render_claim(c, data["volatile"]["seconds"]))
    _write(new / "verdicts.tex", render_tex(data))
    _pause("marker")
    marker = json.dumps({"schema": SCHEMA, "pid": pid, "created_ns": time.time_ns()})
    with open(new / MARKER, "w", encoding="utf-8") as fh:
        fh.write(marker + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    _pause("before-swap")
    shutil.rmtree(old, ignore_errors=True)
    with contextlib.suppress(FileNotFoundError):  # no previous report (or a reader moved it)
        os.rename(out, old)
    _pause("swap")
    try:
        os.rename(new, out)
    except OSError:
        if not (_is_complete(out) and not new.exists()):
            raise
    _pause("after-swap")
    shutil.rmtree(old, ignore_errors=True)
    return Report(out, data)
