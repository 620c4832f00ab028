"""``lowrank list`` and ``lowrank check``: the claim catalogue and single checks.

They only parse arguments and call :mod:`numerics.report`; options and the one-line errors are
shared with :mod:`numerics.cli.report`.
"""

from __future__ import annotations

import json

import click

from numerics import report as rp
from numerics.cli.report import _context, _fail, _json_opt, _profile_opt, _seed_opt, _status_lines

__all__ = ["cmd_list", "cmd_check"]


@click.command("list")
@_json_opt
def cmd_list(as_json):
    """List the claims and their sub-checks (ID, location, title or printed statement).

    \b
    Examples:
      lowrank list
      lowrank list --json | jq '.[].id'
    """
    claims = rp.all_claims().values()
    if as_json:
        click.echo(json.dumps([
            {"id": c.id, "location": c.location, "title": c.title, "convention": c.convention,
             "needs": c.needs,
             "subchecks": [{"id": s.id, "location": s.location, "statement": s.statement}
                           for s in c.subchecks]} for c in claims], indent=2,
            ensure_ascii=False))
        return
    for c in claims:
        click.echo(f"{c.id:<12} {c.location}: {c.title}")
        for s in c.subchecks:
            st = " ".join(s.statement.split())
            click.echo(f"  {s.id:<12} {s.location}: {st[:90]}{'…' if len(st) > 90 else ''}")


@click.command("check")
@click.argument("ids", nargs=-1, required=True, metavar="ID...")
@_profile_opt
@click.option("--activation", multiple=True, metavar="EXPR",
              help="Extra activation for the checks that take one (repeatable).")
@_json_opt
@_seed_opt
def cmd_check(ids, profile, activation, as_json, seed):
    """Run some claims (or sub-checks) and print their verdicts; nothing is written.

    \b
    Examples:
      lowrank check DC-C2
      lowrank check DC-C2.c DC-EX1 --profile quick
      lowrank check DC-GLME --json | jq '.claims[0].status'
    """
    ctx = _context(profile, seed, activation)
    try:
        data = rp.collect(ctx, list(ids), progress=False)
    except rp.UnknownIdError as err:
        _fail(err)
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        for line in _status_lines(data):
            click.echo(line)
