"""``lowrank cache info|clear``: the result cache of the task grids
(:class:`numerics.grid.Cache`)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from numerics.cli.util import die

EXAMPLES = """
\b
Examples:
  lowrank cache info                 # entries, size, and how many the current code still uses
  lowrank cache info --json
  lowrank cache clear --stale        # drop the entries no current task can hit
  lowrank cache clear
  LOWRANK_CACHE_DIR=/scratch/lr lowrank cache info   # the grid cache: /scratch/lr/grid
"""


@click.command(name="cache", epilog=EXAMPLES, short_help="Show or empty the result cache.")
@click.argument("action", type=click.Choice(("info", "clear")))
@click.option("--dir", "root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Cache folder [default: $LOWRANK_CACHE_DIR/grid or ~/.cache/lowrank/grid].")
@click.option("--stale", is_flag=True, help="clear: only entries the current code cannot use.")
@click.option("--json", "as_json", is_flag=True, help="info: print JSON.")
def cmd_cache(action, root, stale, as_json):
    """Show (info) or empty (clear) the on-disk cache of grid results: entries are keyed by the
    task, its seed, the SHA-256 of the sources it uses and the numpy/numba versions."""
    from numerics import grid

    cache = grid.Cache(root) if root is not None else grid.default_cache()
    if root is not None and root.exists() and not root.is_dir():
        die(f"--dir {root}: not a folder")
    if action == "clear":
        n = cache.clear(stale_only=stale)
        click.echo(f"removed {n} {'stale ' if stale else ''}entries from {cache.root}")
        return
    info = cache.info()
    if as_json:
        click.echo(json.dumps(info, indent=1))
        return
    click.echo(f"{info['root']}: {info['entries']} entries, {info['bytes'] / 1e6:.1f} MB, "
               f"{info['current']} usable by the current code")
    for fn, b in sorted(info["by_function"].items()):
        click.echo(f"  {fn:<48} {b['entries']:>6} entries {b['bytes'] / 1e6:8.1f} MB "
                   f"{b['current']:>6} current {b.get('cpu_seconds', 0.0):9.1f} core-s")
