"""Small helpers shared by the ``lowrank`` commands: one-line errors, JSON output, atomic writes."""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, NoReturn

import click
import numpy as np


def die(msg: str, code: int = 2) -> NoReturn:
    """Print ``lowrank: error: <msg>`` as one line on stderr and exit (status 2 by default)."""
    one_line = " ".join(str(msg).split())
    click.echo(f"lowrank: error: {one_line}", err=True)
    sys.exit(code)


def jsonable(obj: Any) -> Any:
    """Convert numpy/sympy/mpmath values into JSON-serialisable ones (non-finite → strings).

    >>> jsonable({"a": np.float64(1.5), "b": [np.int64(2)], "c": float("inf")})
    {'a': 1.5, 'b': [2], 'c': 'inf'}
    """
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return f if math.isfinite(f) else str(f)
    if obj is None or isinstance(obj, str):
        return obj
    try:
        f = float(obj)
    except (TypeError, ValueError):
        return str(obj)
    return f if math.isfinite(f) else str(f)


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
