"""Small helpers shared by the ``lowrank`` commands: one-line errors and JSON output. The atomic
writer and the PNG saver live below the CLI (:mod:`numerics.atomic`, :mod:`numerics.plots`) and are
re-exported here for the commands."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
from collections.abc import Iterator
from typing import Any, NoReturn

import click

from numerics.atomic import describe, write_atomic
from numerics.plots import save_png
from numerics.serial import first_nonfinite, jsonable

__all__ = ["die", "one_line_errors", "write_atomic", "dump_json", "save_png"]


def die(msg: str, code: int = 2) -> NoReturn:
    """Print ``lowrank: error: <msg>`` as one line on stderr and exit (status 2 by default)."""
    one_line = " ".join(str(msg).split())
    click.echo(f"lowrank: error: {one_line}", err=True)
    sys.exit(code)


@contextlib.contextmanager
def one_line_errors() -> Iterator[None]:
    """Turn every failure a user can cause into one line on stderr and exit status 2: click's
    usage errors (click prints the usage and a hint over four lines), an ``OSError`` (what,
    where and the OS's reason; :func:`numerics.atomic.describe`) and running out of memory.
    A broken pipe on stdout (``lowrank … | head``) ends quietly, as click does. numpy's
    floating-point warnings are silenced: the commands check their results instead
    (a non-finite one is an error naming the quantity), so the warnings would only add lines."""
    import numpy as np

    try:
        with np.errstate(all="ignore"):
            yield
    except click.UsageError as err:
        hint = f" (see '{err.ctx.command_path} --help')" if err.ctx is not None else ""
        die(err.format_message() + hint)
    except click.ClickException as err:
        die(err.format_message())
    except click.Abort:
        die("interrupted", 130)
    except OSError as err:
        if err.errno == errno.EPIPE:
            with contextlib.suppress(OSError, ValueError):
                sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - nothing more to flush
            sys.exit(1)
        die(describe(err, "use"))
    except (OverflowError, FloatingPointError) as err:
        die(f"a floating-point overflow ({err}): an input is of extreme scale (ξ, --lr, "
            "or an instance's λ)")
    except MemoryError:
        die("out of memory: the run needs more memory than this machine (or its limit) gives; "
            "try a smaller --d, --k or --runs, or a larger --record-every")


def dump_json(obj: Any) -> str:
    """The JSON document of a result: no NaN or infinity anywhere (the commands' post-checks
    turn those into errors first; one reaching here is a bug, reported as one line)."""
    hit = first_nonfinite(obj)
    if hit is not None:
        die(f"the result holds a non-finite number at {hit[0]} (a bug in lowrank: please "
            "report it with the command line)")
    return json.dumps(jsonable(obj), indent=2, sort_keys=False, allow_nan=False)
