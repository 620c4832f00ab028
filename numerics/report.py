"""The proof-check report writer: runs the registered claims and writes ``reports/``.

:func:`generate` runs the claims (all, or the IDs / sub-check IDs in ``only``) and writes into
``out`` (default ``reports/``):

* ``README.md``: the findings (one row per distinct problem, most severe impact first), how to
  read a verdict and a grade, verdict counts (catalogue, related, extension), the coverage of
  the catalogue's 41 IDs, the proof graph's figures, then one table row per ID and sub-check,
  linking to
* ``claims/<ID>.md``: the full evidence of every sub-check (printed statement, verdict, the
  corrected / sharper / declared form, why the verdict is that word, the findings it shows,
  reason, quantities, tolerance and justification, convention, seeds, sizes, seconds, figures);
* ``index.html``: the same as one self-contained page (:mod:`numerics.html`);
* ``figures/``: PNGs (claims with ``wants_figdir`` get this folder);
* ``verdicts.tex``: two ``longtable``\\ s (findings; IDs and sub-checks), LaTeX-escaped;
* ``report.json``: the machine-readable report, schema ``lowrank-report/2``, described by
  ``docs/schemas/report.schema.json`` (JSON Schema 2020-12);
* ``COMPLETE``: the completion marker, written last (JSON: ``schema``, ``pid``,
  ``created_ns``).

``report.json`` (schema ``lowrank-report/2``)::

    {
      "schema": "lowrank-report/2",
      "reproducibility": {              # identical for two runs with the same code and seed
        "git": {"commit": "<sha>" | "unknown", "dirty": true | false | null},
        "versions": {"python": ..., "numpy": ..., "scipy": ..., "sympy": ...,
                     "mpmath": ..., "numba": ...},
        "profile": "quick" | "standard" | "paper", "seed": int,
        "activations": [str, ...], "only": [str, ...] | null
      },
      "volatile": {"date": ..., "seconds_total": float,   # the ONLY fields allowed to differ
                   "seconds": {"<sub-check ID>": float}},  # between such runs
      "counts": {"by_id": {status: int}, "by_subcheck": {status: int},
                 "by_section": {section: {"by_id": ..., "by_subcheck": ...}},
                 "findings": {"shown", "classified", "subchecks", "by_grade": {grade: int}}},
      "claims": [{"id", "section", "location", "title", "convention", "needs", "status",
                  "subchecks": [{"id", "location", "statement", "status", "summary",
                                 "evidence", "tolerance", "justification", "corrected", "why",
                                 "reason", "convention", "seeds", "sizes", "figures"}]}],
      "findings": [{"id", "classified", "shown", "ran", "status", "subchecks": [{"id",
                    "status"}], "where", "nodes", "printed", "holds", "kind", "own_grade",
                    "grade", "why", "route", "aside", "reached": [{"node", "grade"}]}],
      "coverage": {"catalogue": [{"id", "group", "where", "what", "status", "checked",
                                  "subchecks"}], "related": [...], "extension": [...],
                   "summary": {...}},
      "graph": {"nodes": [{"key", "label", "title", "kind", "page", "printed_as", "verdict",
                           "established", "subchecks", "catalogue", "layer", "position"}],
                "edges": [{"user", "used", "pages", "uses", "note", "cited"}],
                "checks": {check: [node, ...]}, "summary": {...}},
      "legend": {"verdicts": [{"word", "meaning"}], "grades": [{"grade", "meaning"}]}
    }

Statuses are :data:`numerics.claims.STATUSES`; ``status`` of a claim is the worst of its
sub-checks; findings come from :mod:`numerics.findings`, the graph from
:mod:`numerics.proofgraph`. ``git.dirty`` ignores the report folders themselves (``reports*``)
and untracked files.

**Crash safety.** The new report is assembled in a sibling ``<out>.new-<pid>``; every file is
fsynced, then the marker is written last; then the two folders are exchanged atomically where
the OS can (Linux ``renameat2``; ``<out>`` is never missing), else ``<out>`` → ``<out>.old-<pid>``,
``<out>.new-<pid>`` → ``<out>``; the old one is deleted (:func:`numerics.atomic.swap_in`).
Writers of one folder take turns (a lock file ``.<out>.lock`` beside it; a second writer says
on stderr that it waits). A kill at any moment leaves a complete report somewhere:
:func:`recover` (called by :func:`generate` first and by :func:`load_report`, which every reader
uses) restores the newest complete sibling when ``<out>`` is missing, and removes stale
siblings of dead processes. The output folder is checked for writability before the claims run.

>>> from numerics.claims import Context
>>> data = collect(Context(profile="quick"), only=["DC-EX1"], progress=False)
>>> data["schema"], data["claims"][0]["status"]
('lowrank-report/2', 'confirmed')
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

from numerics import atomic, html
from numerics import claims as _claims
from numerics import findings as fd
from numerics import proofgraph as pg
from numerics.claims import (
    CORRECTED_AS,
    MEANING,
    PROBLEM,
    SECTIONS,
    STATUSES,
    Claim,
    Context,
    registry,
    run_claim,
    shorten,
    worst,
)
from numerics.claims.catalogue import CATALOGUE, IDS
from numerics.serial import jsonable

__all__ = [
    "SCHEMA",
    "MARKER",
    "listing",
    "assemble",
    "coverage",
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

SCHEMA = "lowrank-report/2"
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


def listing(report_dir: Path | None = DEFAULT_OUT) -> list[dict[str, Any]]:
    """What ``lowrank list`` shows: every catalogue ID in the catalogue's order (registered or
    not yet), then the related and extension claims, each with its sub-checks and, from the
    report in ``report_dir`` if there is one, its verdict and the findings it shows
    (``verdict`` is ``not run`` for a claim absent from that report, ``not checked`` for a
    catalogue ID with no check).

    >>> rows = listing(None)
    >>> len([r for r in rows if r["section"] == "catalogue"]), rows[0]["id"]
    (41, 'DC-H')
    """
    reg = all_claims()
    data = None
    if report_dir is not None:
        with contextlib.suppress(ReportError, OSError, ValueError):
            data = load_report(report_dir).data
    ran = {c["id"]: c for c in (data or {}).get("claims", [])}
    subv = {r["id"]: r["status"] for c in ran.values() for r in c["subchecks"]}
    fnd: dict[str, list[dict]] = {}
    for f in (data or {}).get("findings", []):
        if f["shown"]:
            for cid in {s["id"].rsplit(".", 1)[0] for s in f["subchecks"]}:
                fnd.setdefault(cid, []).append({"id": f["id"], "grade": f["grade"]})

    def row(cid: str, claim: Claim | None, e=None) -> dict[str, Any]:
        verdict = (ran[cid]["status"] if cid in ran else "not run" if claim else "not checked")
        return {"id": cid, "section": claim.section if claim else "catalogue",
                "location": claim.location if claim else e.where,
                "title": claim.title if claim else e.what,
                "convention": claim.convention if claim else None,
                "needs": claim.needs if claim else None, "registered": claim is not None,
                "checked": cid in ran, "verdict": verdict, "findings": fnd.get(cid, []),
                "subchecks": [{"id": s.id, "location": s.location, "statement": s.statement,
                               "verdict": subv.get(s.id, "not run")}
                              for s in (claim.subchecks if claim else ())]}

    rows = [row(e.id, reg.get(e.id), e) for e in CATALOGUE]
    rows += [row(c.id, c) for c in reg.values() if c.id not in IDS]
    return rows


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
            out_claims.append({"id": claim.id, "section": claim.section,
                               "location": claim.location,
                               "title": claim.title, "convention": claim.convention,
                               "needs": claim.needs,
                               "status": worst(r["status"] for r in rows),
                               "subchecks": rows})
    data = {
        "schema": SCHEMA,
        "reproducibility": reproducibility(ctx, only),
        "volatile": {"date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
                     "seconds_total": round(time.perf_counter() - t_start, 3),
                     "seconds": seconds},
        "claims": out_claims,
    }
    return jsonable(assemble(data, registered=[c.id for c in all_claims().values()]))


def _counts(claims: list[dict]) -> dict[str, dict[str, int]]:
    return {
        "by_id": {s: sum(c["status"] == s for c in claims) for s in STATUSES},
        "by_subcheck": {s: sum(r["status"] == s for c in claims for r in c["subchecks"])
                        for s in STATUSES},
    }


def coverage(claims: list[dict], registered: list[str]) -> dict[str, Any]:
    """Every catalogue ID with its status in this report — its verdict, ``not run`` (a check
    exists but was not selected) or ``not checked`` (no check yet) — and the related and
    extension IDs the report adds, counted apart.

    >>> cov = coverage([], [])
    >>> cov["summary"]["catalogue"], cov["summary"]["not checked"]
    (41, 41)
    """
    ran = {c["id"]: c for c in claims}
    rows = []
    for e in CATALOGUE:
        c = ran.get(e.id)
        status = c["status"] if c else ("not run" if e.id in registered else "not checked")
        rows.append({"id": e.id, "group": e.group, "where": e.where, "what": e.what,
                     "status": status, "checked": c is not None,
                     "subchecks": len(c["subchecks"]) if c else 0})
    extra: dict[str, list[dict]] = {"related": [], "extension": []}
    for c in claims:
        if c["id"] not in IDS:
            extra.setdefault(c.get("section", "catalogue"), []).append(
                {"id": c["id"], "where": c["location"], "what": c["title"],
                 "status": c["status"], "checked": True, "subchecks": len(c["subchecks"])})
    n = {"catalogue": len(rows), "checked": sum(r["checked"] for r in rows),
         "not run": sum(r["status"] == "not run" for r in rows),
         "not checked": sum(r["status"] == "not checked" for r in rows),
         "related": len(extra.get("related", [])), "extension": len(extra.get("extension", []))}
    unknown = [c["id"] for c in claims if c["id"] not in IDS
               and c.get("section", "catalogue") == "catalogue"]
    if unknown:
        n["catalogue section, not in the catalogue"] = len(unknown)
    return {"catalogue": rows, "related": extra.get("related", []),
            "extension": extra.get("extension", []), "summary": n}


def proof_graph(verdicts: dict[str, str], states: dict[str, dict]) -> dict[str, Any]:
    """The proof graph with each node's verdict (``unchecked`` if no sub-check is about it;
    also split into its statement's and its derivation's), whether its statement is
    established, and its place in the drawing's layers."""
    G, pos = pg.graph(), pg.layout()
    nodes = []
    for n in pg.NODES:
        st = states[n.key]
        nodes.append({"key": n.key, "label": n.label, "title": n.title, "kind": n.kind,
                      "page": n.page, "printed_as": n.printed_as, "verdict": st["verdict"],
                      "statement_verdict": st["statement"],
                      "derivation_verdict": st["derivation"],
                      "established": st["established"], "scope": st["scope"],
                      "subchecks": st["subchecks"],
                      "catalogue": n.key in IDS, "layer": pos[n.key][0],
                      "position": pos[n.key][1]})
    edges = [{"user": e.user, "used": e.used, "pages": e.pages, "uses": list(e.uses),
              "note": e.note, "cited": e.cited} for e in pg.EDGES]
    per = {t: sum(e.user == t for e in pg.EDGES) for t in
           ("DC-T11", "DC-T12", "DC-T13", "DC-T16W", "DC-T19")}
    return {"nodes": nodes, "edges": edges,
            "checks": {k: list(v) for k, v in pg.CHECKS.items()},
            "summary": {"nodes": G.number_of_nodes(), "edges": G.number_of_edges(),
                        "edges_from": per}}


def assemble(data: dict[str, Any], registered: list[str] | None = None) -> dict[str, Any]:
    """Add what is computed from the verdicts alone: counts (all claims and per section),
    findings with their grades, coverage, the proof graph, and the meaning of every verdict
    word and grade. ``data`` needs ``claims``; returns it, completed."""
    claims = data["claims"]
    verdicts = {r["id"]: r["status"] for c in claims for r in c["subchecks"]}
    counts = _counts(claims)
    counts["by_section"] = {sec: _counts([c for c in claims if c.get("section") == sec])
                            for sec in SECTIONS}
    locations = {r["id"]: r["location"] for c in claims for r in c["subchecks"]}
    states = pg.node_states(verdicts, locations=locations)
    rows = fd.evaluate(verdicts, states)
    shown = [r for r in rows if r["shown"]]
    counts["findings"] = {
        "shown": len(shown), "classified": sum(r["classified"] for r in shown),
        "subchecks": len({s["id"] for r in shown for s in r["subchecks"]
                          if s["status"] in PROBLEM}),
        "by_grade": {g: sum(r["grade"] == g for r in shown) for g in pg.GRADES}}
    data["counts"] = counts
    data["findings"] = sorted(rows, key=_finding_order)
    data["coverage"] = coverage(claims, registered if registered is not None
                                else [c["id"] for c in claims])
    data["graph"] = proof_graph(verdicts, states)
    data["legend"] = {"verdicts": [{"word": s, "meaning": MEANING[s]}
                                   for s in reversed(STATUSES)],
                      "grades": [{"grade": g, "meaning": pg.GRADE_MEANING[g]}
                                 for g in reversed(pg.GRADES)]}
    return data


def _finding_order(r: dict) -> tuple:
    """Shown findings first, most severe grade first, then by ID (unclassified last)."""
    return (not r["shown"], -pg.GRADES.index(r["grade"]), not r["classified"], r["id"])


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def _oneline(text: Any, limit: int | None = None) -> str:
    """One line; shortened (at a whole item, with “…”) to about ``limit`` characters."""
    s = " ".join(str(text if text is not None else "").split())
    return shorten(s, limit) if limit else s


def _cell(text: Any, limit: int | None = None) -> str:
    """A Markdown table cell: one line, pipes escaped, shortened at a whole item."""
    return _oneline(text, limit).replace("|", "\\|")


def legend_lines() -> list[str]:
    """The meaning of every verdict word (worst first) and impact grade, as Markdown."""
    lines = ["Verdict words, worst first (an ID shows the worst of its sub-checks):", ""]
    lines += [f"* **{s}**: {MEANING[s]}." for s in reversed(STATUSES)]
    lines += ["", "Impact grades of a finding, most severe first (the larger of its own kind and "
              "the worst grade it reaches through the proof graph, from where it is printed to "
              "the results whose proofs use it):", ""]
    lines += [f"* **{g}**: {pg.GRADE_MEANING[g]}." for g in reversed(pg.GRADES)]
    return lines


def _finding_md(r: dict) -> str:
    subs = ", ".join(f"[{s['id']}](claims/{s['id'].rsplit('.', 1)[0]}.md#{_anchor(s['id'])})"
                     f" ({s['status']})" for s in r["subchecks"] if s["status"] in PROBLEM)
    reach = ", ".join(f"{pg.node(x['node']).label} ({x['grade']})" for x in r["reached"]) or "—"
    fid = r["id"] if r["classified"] else f"{r['id']} (unclassified)"
    return (f"| {fid} | **{r['grade']}** | {r['status']} | {_cell(r['where'])} | "
            f"{_cell(r['printed'])} | {_cell(r['holds'])} | {subs} | {_cell(reach)} |")


def render_readme(data: dict[str, Any]) -> str:
    """README.md: the findings (most severe first) at the top, how to read the report, counts,
    the coverage of the catalogue, the proof graph's figures, then the table of IDs."""
    rep, vol = data["reproducibility"], data["volatile"]
    git = rep["git"]
    fc, cov = data["counts"]["findings"], data["coverage"]
    shown = [r for r in data["findings"] if r["shown"]]
    n_sub = sum(len(c["subchecks"]) for c in data["claims"])
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
        "The same report as one page with the proof graph drawn: [index.html](index.html).",
        "",
        "## Findings",
        "",
        f"{fc['shown']} distinct problems in the paper ({fc['classified']} classified), shown "
        f"by {fc['subchecks']} of the {n_sub} sub-checks run; by impact: "
        + ", ".join(f"{g} {fc['by_grade'][g]}" for g in reversed(pg.GRADES)) + ". "
        "Most severe first; the IDs are stable from run to run. *reaches* lists the results "
        "whose proofs use the statement, with the grade the problem has there.",
        "",
        "| finding | impact | verdict | where | printed | what holds | sub-checks | reaches |",
        "|---|---|---|---|---|---|---|---|",
        *[_finding_md(r) for r in shown],
        "",
    ]
    gone = [r["id"] for r in data["findings"] if r["ran"] and not r["shown"]]
    if gone:
        lines += [f"Findings not shown by this run (their sub-checks now hold): "
                  f"{', '.join(gone)}.", ""]
    lines += ["## How to read this report", "", *legend_lines(), "",
              "## Verdict counts", "",
              "| verdict | catalogue IDs | catalogue sub-checks | related IDs | extension IDs |",
              "|---|---:|---:|---:|---:|"]
    bs = data["counts"]["by_section"]
    for st in reversed(STATUSES):
        lines.append(f"| {st} | {bs['catalogue']['by_id'][st]} | "
                     f"{bs['catalogue']['by_subcheck'][st]} | {bs['related']['by_id'][st]} | "
                     f"{bs['extension']['by_id'][st]} |")
    sm = cov["summary"]
    lines += ["", "## Coverage", "",
              f"Of the catalogue's {sm['catalogue']} IDs, {sm['checked']} have a verdict in "
              f"this report, {sm['not checked']} are not checked yet (no check exists)"
              + (f" and {sm['not run']} were not run" if sm["not run"] else "") + ". "
              "The report says nothing about the IDs not checked.", "",
              "| ID | group | where | status |", "|---|---|---|---|"]
    for r in cov["catalogue"]:
        link = f"[{r['id']}](claims/{r['id']}.md)" if r["checked"] else r["id"]
        st = f"**{r['status']}**" if r["checked"] else f"*{r['status']}*"
        lines.append(f"| {link} | {r['group']} | {_cell(r['where'])} | {st} |")
    for sec, title in (("related", "Related systems (counted apart)"),
                       ("extension", "Extensions (counted apart)")):
        if cov[sec]:
            lines += ["", f"{title}:", "", "| ID | where | status |", "|---|---|---|"]
            lines += [f"| [{r['id']}](claims/{r['id']}.md) | {_cell(r['where'])} | "
                      f"**{r['status']}** |" for r in cov[sec]]
    g = data["graph"]
    unchecked = [n["label"] for n in g["nodes"] if n["statement_verdict"] is None
                 and n["kind"] in ("result", "informal")]
    lines += ["", "## Proof graph", "",
              f"{g['summary']['nodes']} nodes (catalogue IDs, results without an ID, conditions, "
              f"assumptions, cited outside results) and {g['summary']['edges']} edges “the "
              "proof of X uses Y” with pages and what is used; edges from "
              + ", ".join(f"{pg.node(k).label} {v}" for k, v in g["summary"]["edges_from"].items())
              + ". Drawn in [index.html](index.html). Results whose statement no check tests "
              "yet (some have their derivation checked): "
              + (", ".join(unchecked) or "none") + ".", "",
              "## Claims", ""]
    for sec in SECTIONS:
        cs = [c for c in data["claims"] if c.get("section", "catalogue") == sec]
        if not cs:
            continue
        if sec != "catalogue":
            lines += [f"### {sec.capitalize()}", ""]
        lines += ["| ID | location | statement | verdict | evidence |", "|---|---|---|---|---|"]
        for c in cs:
            worst_sub = next((r for r in c["subchecks"] if r["status"] == c["status"]), None)
            lines.append(f"| [{c['id']}](claims/{c['id']}.md) | {_cell(c['location'])} | "
                         f"{_cell(c['title'])} | **{c['status']}** | "
                         f"{_cell(worst_sub['summary'] if worst_sub else '', 160)} |")
            for r in c["subchecks"]:
                lines.append(f"| [{r['id']}](claims/{c['id']}.md#{_anchor(r['id'])}) | "
                             f"{_cell(r['location'])} | {_cell(r['statement'], 140)} | "
                             f"{r['status']} | {_cell(r['summary'], 160)} |")
        lines.append("")
    lines += ["Shortened cells end at a whole item with “…”; every claim page has the whole "
              "text. LaTeX tables: [verdicts.tex](verdicts.tex); machine-readable: "
              "[report.json](report.json) (schema `" + SCHEMA + "`, "
              "`docs/schemas/report.schema.json`).", ""]
    return "\n".join(lines)


def _anchor(sub_id: str) -> str:
    return sub_id.lower().replace(".", "")


def render_claim(c: dict[str, Any], seconds: dict[str, float],
                 findings: list[dict] | None = None) -> str:
    """claims/<ID>.md: the full evidence of every sub-check, and the findings it shows."""
    by_sub: dict[str, list[dict]] = {}
    for f in findings or []:
        if f["shown"]:
            for s in f["subchecks"]:
                by_sub.setdefault(s["id"], []).append(f)
    lines = [f"# {c['id']}: {c['title']}", "",
             f"* Location: {c['location']}", f"* Convention: {c['convention']}",
             f"* Kind: {c['needs']}", f"* Section: {c.get('section', 'catalogue')}",
             f"* Verdict: **{c['status']}**", "",
             "[Back to the report](../README.md)", ""]
    for r in c["subchecks"]:
        lines += [f"## {r['id']}", "", f"Location: {r['location']}", "",
                  "Printed statement:", "", "> " + " ".join(r["statement"].split()), "",
                  f"* Verdict: **{r['status']}** ({MEANING[r['status']]})",
                  f"* Evidence: {r['summary']}"]
        if r.get("corrected"):
            lines.append(f"* {CORRECTED_AS.get(r['status'], 'corrected form').capitalize()}: "
                         f"{r['corrected']}")
        if r.get("why"):
            lines.append(f"* Why this verdict: {r['why']}")
        for f in by_sub.get(r["id"], []):
            lines.append(f"* Finding {f['id']} (impact **{f['grade']}**): {f['why']}")
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
    """verdicts.tex: two longtables the authors can paste (needs ``\\usepackage{longtable}``):
    the findings with their impact grades, then the verdict of every ID and sub-check."""
    rep = data["reproducibility"]
    frows, body = _tex_findings(data), _tex_rows(data)
    left = sorted({ch for ln in frows + body for ch in ln if ord(ch) > 127})
    lines = [
        "% Proof-check verdicts for Dayi & Chen (COLT 2025), generated by `lowrank report`",
        f"% profile {rep['profile']}, seed {rep['seed']}, commit {rep['git']['commit']}",
        "% requires \\usepackage{longtable}; "
        + (f"non-ASCII characters left (use xelatex/lualatex): {''.join(left)}" if left
           else "pdflatex-safe (no non-ASCII characters left)"),
        "% Verdicts: " + ", ".join(reversed(STATUSES)) + " (worst first); impact grades: "
        + ", ".join(reversed(pg.GRADES)) + " (most severe first)",
        r"\begin{longtable}{@{}p{0.08\linewidth}p{0.09\linewidth}p{0.11\linewidth}"
        r"p{0.18\linewidth}p{0.46\linewidth}@{}}",
        r"\hline Finding & Impact & Verdict & Where & Printed; what holds \\ \hline \endhead",
        *frows,
        r"\end{longtable}",
        "",
        r"\begin{longtable}{@{}p{0.13\linewidth}p{0.22\linewidth}p{0.12\linewidth}"
        r"p{0.45\linewidth}@{}}",
        r"\hline ID & Location & Verdict & Evidence \\ \hline \endhead",
        *body,
        r"\end{longtable}",
    ]
    return "\n".join(lines) + "\n"


def _tex_findings(data: dict[str, Any]) -> list[str]:
    out = []
    for r in data["findings"]:
        if not r["shown"]:
            continue
        out.append(rf"{latex_escape(r['id'])} & \textbf{{{latex_escape(r['grade'])}}} & "
                   rf"{latex_escape(r['status'])} & {latex_escape(r['where'])} & "
                   rf"{latex_escape(r['printed'])}; {latex_escape(r['holds'])} \\")
    return out


def _tex_rows(data: dict[str, Any]) -> list[str]:
    lines = []
    for c in data["claims"]:
        lines.append(rf"\textbf{{{latex_escape(c['id'])}}} & {latex_escape(c['location'])} & "
                     rf"\textbf{{{latex_escape(c['status'])}}} & "
                     rf"{latex_escape(_oneline(c['title'], 120))} \\")
        for r in c["subchecks"]:
            ev = _oneline(r["summary"], 200) + (
                f" {CORRECTED_AS.get(r['status'], 'corrected form').capitalize()}: "
                f"{r['corrected']}"
                if r.get("corrected") else "")
            lines.append(rf"\quad {latex_escape(r['id'])} & {latex_escape(r['location'])} & "
                         rf"{latex_escape(r['status'])} & {latex_escape(ev)} \\")
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
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as err:  # a failed write() names no file: say which one
        raise OSError(err.errno, err.strerror, str(path)) from None


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

    Raises :class:`ReportError` if there is none, or if its schema is not :data:`SCHEMA`.
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
    a report. Raises :class:`UnknownIdError` for unknown IDs before writing anything, and
    :class:`ReportError` (one line) for an ``out`` that cannot be written, before computing;
    if writing still fails after the computation, report.json is saved elsewhere first
    (:func:`numerics.atomic.rescue`) and the error says where. Writers of one folder take
    turns (:func:`numerics.atomic.folder_lock`).
    """
    out = Path(out)
    select(only)  # fail early on unknown IDs
    try:
        atomic.check_output(out, "folder")
    except OSError as err:
        raise ReportError(atomic.describe(err)) from None
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
    try:
        with atomic.folder_lock(out):
            _write_report(new, data, pid)
            _pause("before-swap")
            atomic.swap_in(new, out, old, MARKER, _pause)
    except OSError as err:
        shutil.rmtree(new, ignore_errors=True)
        saved = atomic.rescue(json.dumps(data, indent=2, ensure_ascii=False) + "\n", out,
                              f"{out.name}-report-{pid}.json")
        raise ReportError(f"{atomic.describe(err)}; {saved}") from None
    return Report(out, data)


def _write_report(new: Path, data: dict[str, Any], pid: int) -> None:
    _write(new / "report.json", json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    _write(new / "README.md", render_readme(data))
    for c in data["claims"]:
        _write(new / "claims" / f"{c['id']}.md", render_claim(c, data["volatile"]["seconds"],
                                                              data["findings"]))
    _write(new / "verdicts.tex", render_tex(data))
    _write(new / "index.html", html.render(data, new))
    atomic.fsync_tree(new)  # every file is on disk before the marker that vouches for them
    _pause("marker")
    marker = json.dumps({"schema": SCHEMA, "pid": pid, "created_ns": time.time_ns()})
    with open(new / MARKER, "w", encoding="utf-8") as fh:
        fh.write(marker + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    atomic.fsync_dir(new)
