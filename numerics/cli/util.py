"""Small helpers shared by the ``lowrank`` commands: one-line errors, JSON output, atomic writes."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, NoReturn

import click

from numerics.serial import jsonable


def die(msg: str, code: int = 2) -> NoReturn:
    """Print ``lowrank: error: <msg>`` as one line on stderr and exit (status 2 by default)."""
    one_line = " ".join(str(msg).split())
    click.echo(f"lowrank: error: {one_line}", err=True)
    sys.exit(code)


def write_atomic(path: str | os.PathLike, data: bytes | str) -> None:
    """Write a file atomically: a temporary sibling, fsync, then ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def dump_json(obj: Any) -> str:
    return json.dumps(jsonable(obj), indent=2, sort_keys=False)


def save_png(fig, path: str | os.PathLike) -> None:
    """Save a matplotlib figure as PNG atomically (a killed run leaves no half-written file)."""
    import io

    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    write_atomic(path, buf.getvalue())
