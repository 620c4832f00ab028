"""``lowrank list`` and ``lowrank check``: the claim catalogue and single checks.

They only parse arguments and call :mod:`numerics.report`; options and the one-line errors are
shared with :mod:`numerics.cli.report`.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import click

from numerics import report as rp
from numerics.claims import shorten
from numerics.cli.report import _context, _fail, _json_opt, _profile_opt, _seed_opt, _status_lines

__all__ = ["cmd_list", "cmd_check", "FAILING"]

#: Verdicts that make ``lowrank check`` exit with status 1.
FAILING = frozenset({"refuted", "erratum"})


@click.command("list")
@_json_opt
@click.option("--report", "report_dir", type=click.Path(file_okay=False, path_type=Path),
              default=rp.DEFAULT_OUT, show_default=True,
              help="Report whose verdicts and findings to show beside each ID.")
def cmd_list(as_json, report_dir):
    """List the catalogue and the claims: every catalogue ID (checked or not yet), the related
    and extension IDs, their sub-checks, and the verdict and findings of the last report.

    \b
    Examples:
      lowrank list
      lowrank list --json | jq '.[] | select(.checked == false) | .id'
      lowrank list --report /tmp/r
    """
    rows = rp.listing(report_dir)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for c in rows:
        tag = f"[{', '.join(f['id'] + ' ' + f['grade'] for f in c['findings'])}]" \
            if c["findings"] else ""
        click.echo(f"{c['id']:<12} {c['verdict']:<13} {c['location']}: {c['title']} {tag}"
                   .rstrip())
        for s in c["subchecks"]:
            click.echo(f"  {s['id']:<12} {s['verdict']:<13} {s['location']}: "
                       f"{shorten(s['statement'], 90)}")


@click.command("check", epilog="Exit status: 0 if no sub-check is refuted or an erratum; 1 if "
               "some sub-check is refuted or an erratum (the other verdicts, loose, notation, "
               "not-derived, … exit 0); 2 on bad input (one line on stderr).")
@click.argument("ids", nargs=-1, required=True, metavar="ID...")
@_profile_opt
@click.option("--activation", multiple=True, metavar="EXPR",
              help="Extra activation for the checks that take one (repeatable).")
@_json_opt
@_seed_opt
@click.option("--budget", type=click.IntRange(min=1), default=None, metavar="N",
              help="Examples (searches) or draws (sampling) for the claims that take one, "
                   "instead of the profile's; with --seed, the same N and seed give the same "
                   "result. Shows progress and the worst case found.")
def cmd_check(ids, profile, activation, as_json, seed, budget):
    """Run some claims (or sub-checks) and print their verdicts and the findings they show,
    with impact grades; nothing is written.

    \b
    Examples:
      lowrank check DC-C2
      lowrank check DC-C2.c DC-EX1 --profile quick
      lowrank check DC-GLME --json | jq '.claims[0].status'
      lowrank check DC-C3 --budget 100000 --seed 1     # a property-based worst-case search
      lowrank check DC-L25 --budget 2000000 --seed 1   # a frequency check with more draws
      lowrank check DC-RATES --json | jq '.findings[] | select(.shown) | [.id, .grade]'
    """
    ctx = _context(profile, seed, activation)
    try:
        chosen = rp.select(list(ids))
    except rp.UnknownIdError as err:
        _fail(err)
    bar = None
    if budget is not None:
        takes = [c.id for c in rp.all_claims().values() if c.budget]
        idle = [c.id for c, _ in chosen if not c.budget]
        if idle:
            _fail(f"--budget: {', '.join(idle)} has nothing to search or sample; the IDs that "
                  f"take a budget are {', '.join(takes)}")
        from tqdm import tqdm

        bar = tqdm(desc="examples", unit="ex", file=sys.stderr, mininterval=0.5, leave=False)

        def tick(done, worst):
            bar.update(1)
            bar.set_postfix(worst=f"{worst:.4g}", refresh=False)

        ctx = dataclasses.replace(ctx, budget=budget, progress=tick)
    try:
        data = rp.collect(ctx, list(ids), progress=False)
    except rp.UnknownIdError as err:
        _fail(err)
    finally:
        if bar is not None:
            bar.close()
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        for line in _status_lines(data):
            click.echo(line)
    bad = {s["status"] for c in data["claims"] for s in c["subchecks"]} & FAILING
    sys.exit(1 if bad else 0)
