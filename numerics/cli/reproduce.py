"""``lowrank reproduce FIG|ID|all``: one of the paper's figures or scaling theorems, or all of
them, run as a task grid (:mod:`numerics.grid`); the work is
:func:`numerics.experiments.reproduce` (JSON schema ``lowrank-reproduce/1``,
``docs/schemas/reproduce.schema.json``) and :func:`numerics.experiments.reproduce_all`
(``lowrank-reproduce-all/1``, ``docs/schemas/reproduce-all.schema.json``)."""

from __future__ import annotations

import json
import os

import click

from numerics.cli.util import die

EXAMPLES = """
\b
Examples:
  lowrank reproduce --list
  lowrank reproduce fig2                         # Fig. 2 at the standard profile
  lowrank reproduce DC-T11 --profile paper       # Thm. 11's sweeps at the paper's sizes
  lowrank reproduce fig6 --scheduler tcp://10.0.0.5:8786   # on an existing Dask cluster
  lowrank reproduce DC-GLM --json | jq .checks
  lowrank reproduce all --profile paper          # every figure and theorem, one grid

\b
Before it starts, the command prints the estimated cost: tasks (and how many are already in
the result cache), core-seconds, memory per task and the wall time on the workers. 'all' sums
it over the distinct tasks of every experiment, runs them as one grid (no worker idles between
experiments), then writes each experiment's outputs to <out>/<ID>-<profile>/ and an index to
<out>/index.json. Tasks run on a local cluster (one worker process per core) unless --scheduler
(or LOWRANK_SCHEDULER) names an existing one; results are cached ($LOWRANK_CACHE_DIR/grid,
default ~/.cache/lowrank/grid), so a second run, or one resumed after a kill, recomputes
nothing it has. Bad input: one line on stderr, exit status 2.
"""


@click.command(name="reproduce", epilog=EXAMPLES,
               short_help="Run the paper's figures and scaling theorems as task grids.")
@click.argument("name", required=False, metavar="FIG|ID|all")
@click.option("--list", "list_", is_flag=True, help="List the experiments and exit.")
@click.option("--profile", type=click.Choice(("quick", "standard", "paper")),
              default="standard", show_default=True, help="Sizes (paper: the paper's own).")
@click.option("--seed", type=int, default=None, help="Run seed [default: the report's].")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="An existing Dask scheduler (else LOWRANK_SCHEDULER, else a local cluster).")
@click.option("--workers", type=click.IntRange(1, 512), default=None,
              help="Local cluster size [default: one worker per core].")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Output folder [default: reproduce/<ID>-<profile>; all: reproduce].")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON document on stdout.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def cmd_reproduce(name, list_, profile, seed, scheduler, workers, out, as_json, no_progress):
    """Run one figure (fig2 … fig6) or theorem (DC-T11, DC-T12, DC-T13, DC-T19, DC-GLM) of Dayi &
    Chen, or 'all' of them: estimate, progress bar with ETA, figure + raw data + JSON."""
    from numerics import experiments as ex

    if list_:
        for eid, mod in ex.EXPERIMENTS.items():
            m = ex.module(eid)
            first = (m.__doc__ or "").strip().splitlines()[0]
            click.echo(f"{eid:<9} {mod:<6} {first}")
        return
    if not name:
        die("give FIG|ID (e.g. fig2, DC-T11) or --list")
    every = name.strip().lower() == "all"
    try:
        eid = None if every else ex.resolve(name)
    except ValueError as err:
        die(f"{err} or all")
    sched = scheduler or os.environ.get("LOWRANK_SCHEDULER") or None
    if sched:
        try:
            from numerics import grid

            grid.get_client(sched)
        except Exception as err:  # noqa: BLE001 - any connection failure is the user's input
            die(f"--scheduler {sched}: cannot connect ({type(err).__name__}: {err})")
    if every:
        _run_all(profile, seed, sched, workers, out, as_json, no_progress)
        return
    cost = ex.estimate(eid, profile, seed if seed is not None else _default_seed(),
                       workers=workers)
    click.echo(f"{eid} ({profile}): {cost.line()}", err=True)
    doc = ex.reproduce(eid, profile, seed, out, sched, progress=not no_progress and not as_json,
                       workers=workers)
    if as_json:
        click.echo(json.dumps(doc, indent=1, ensure_ascii=False))
        return
    for k, v in doc["checks"].items():
        click.echo(f"  {k:<16} {v['status']:<13} {v['summary']}")
    for k in doc["paper"]:
        click.echo(f"  paper[{k}]: {doc['paper'][k]}")
        if k in doc["ours"]:
            click.echo(f"  ours[{k}]:  {doc['ours'][k]}")
    g = doc["grid"]
    click.echo(f"{g['tasks']} tasks ({g['computed']} computed, {g['cached']} from the cache) in "
               f"{g['seconds']:.1f} s; written to {out or f'reproduce/{eid}-{profile}'}/")


def _run_all(profile, seed, sched, workers, out, as_json, no_progress) -> None:
    from numerics import experiments as ex

    seed = seed if seed is not None else _default_seed()
    cost = ex.estimate_all(profile, seed, workers=workers)
    click.echo(f"all ({len(ex.EXPERIMENTS)} experiments, {profile}): {cost.line()}", err=True)
    doc = ex.reproduce_all(profile, seed, out, sched, progress=not no_progress and not as_json,
                           workers=workers)
    if as_json:
        click.echo(json.dumps(doc, indent=1, ensure_ascii=False))
        return
    for eid, e in doc["experiments"].items():
        sts = ", ".join(f"{k} {v}" for k, v in e["checks"].items())
        click.echo(f"  {eid:<8} {sts}")
    g = doc["grid"]
    click.echo(f"{g['tasks']} distinct tasks ({g['computed']} computed, {g['cached']} from the "
               f"cache) in {g['seconds']:.1f} s; written to {out or 'reproduce'}/")


def _default_seed() -> int:
    from numerics.experiments.common import DEFAULT_SEED

    return DEFAULT_SEED
