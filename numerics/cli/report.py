"""``lowrank report``: the proof-check report command (``list`` and ``check`` are in
:mod:`numerics.cli.check` and share this module's options).

It only parses arguments and calls :mod:`numerics.report`. User errors (unknown IDs, a bad
activation, an ``--out`` that is not a report folder) are one line on stderr, exit status 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from numerics import report as rp
from numerics.claims import CORRECTED_AS, Context
from numerics.cli.util import die

__all__ = ["cmd_report"]

PROFILES = ("quick", "standard", "paper")
PARTIAL_OUT = Path("reports-partial")


def _fail(msg) -> None:
    die(str(msg))


def _context(profile: str, seed: int | None, activation: tuple[str, ...]) -> Context:
    if activation:
        from theory.activations import ActivationError, get  # lazy: sympy parsing

        for a in activation:
            try:
                get(a)
            except ActivationError as err:
                _fail(f"--activation {a!r}: {err}")
    return Context(profile=profile, seed=Context.seed if seed is None else seed,
                   activations=tuple(activation))


def _status_lines(data: dict) -> list[str]:
    """Verdict lines (claim, then its sub-checks with the findings they show), then the
    findings of the run, most severe first."""
    shown = [f for f in data.get("findings", []) if f["shown"]]
    tags: dict[str, list[str]] = {}
    for f in shown:
        for s in f["subchecks"]:
            tags.setdefault(s["id"], []).append(f"{f['id']} {f['grade']}")
    lines = []
    for c in data["claims"]:
        lines.append(f"{c['id']:<12} {c['status']:<13} {c['title']}")
        for r in c["subchecks"]:
            extra = (f"  [{CORRECTED_AS.get(r['status'], 'corrected form')}: "
                     f"{r['corrected']}]" if r.get("corrected") else "")
            extra += f"  [reason: {r['reason']}]" if r.get("reason") else ""
            extra += f"  [finding {', '.join(tags[r['id']])}]" if r["id"] in tags else ""
            lines.append(f"  {r['id']:<12} {r['status']:<13} {r['summary']}{extra}")
    if shown:
        lines += ["", "findings (impact, verdict, where):"]
        lines += [f"  {f['id']:<6} {f['grade']:<9} {f['status']:<13} {f['where']}: "
                  f"{f['printed']}" for f in shown]
    return lines


_profile_opt = click.option("--profile", type=click.Choice(PROFILES), default="standard",
                            show_default=True, help="Sizes: quick (≈1.5 min), standard (the "
                            "committed report), paper (the paper's own sizes).")
_seed_opt = click.option("--seed", type=int, default=None,
                         help=f"Seed of every random stream [default: {Context.seed}].")
_json_opt = click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")


@click.command("report")
@_profile_opt
@click.option("--only", multiple=True, metavar="ID",
              help="Run only this claim or sub-check ID (repeatable).")
@click.option("--activation", multiple=True, metavar="EXPR",
              help="Extra activation for the checks that take one (repeatable).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder [default: reports/, or reports-partial/ with --only or "
                   "--activation].")
@_json_opt
@_seed_opt
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def cmd_report(profile, only, activation, out, as_json, seed, no_progress):
    """Run the claim checks and write the proof-check report (Markdown, JSON, LaTeX, PNG).

    \b
    Examples:
      lowrank report                        # the committed report, into reports/
      lowrank report --profile quick        # a fast look (replaces reports/ too)
      lowrank report --only DC-C2 --only DC-EX1.a   # into reports-partial/
      lowrank report --activation "tanh(2*x)" --out /tmp/r
      lowrank report --json | jq .counts

    \b
    The report is written to a sibling folder, every file fsynced, and swapped in by
    an atomic exchange (Linux renameat2; elsewhere two renames), so a run killed at
    any moment leaves a complete report (the previous or the new one). Two reports
    into one folder take turns (a lock beside it). Runs restricted by --only or
    --activation never replace reports/ unless you pass --out reports explicitly.
    """
    ctx = _context(profile, seed, activation)
    try:
        rp.select(list(only) or None)
    except rp.UnknownIdError as err:
        _fail(err)
    if out is None:
        out = PARTIAL_OUT if (only or activation) else rp.DEFAULT_OUT
        if out == PARTIAL_OUT:
            click.echo(f"lowrank: partial run: writing to {out}/ (pass --out reports to "
                       "replace the committed report)", err=True)
    try:
        report = rp.generate(ctx, out, list(only) or None, progress=not no_progress)
    except (rp.UnknownIdError, rp.ReportError) as err:
        _fail(err)
    if as_json:
        click.echo(json.dumps(report.data, indent=2, ensure_ascii=False))
    else:
        for line in _status_lines(report.data):
            click.echo(line)
        click.echo(f"report written to {report.path}/ (README.md, index.html, report.json, "
                   "verdicts.tex)")


