"""Validation at the edge, one helper for every command's options: click types that refuse what
the model cannot take before any work starts.

* :class:`Finite` — a float in a range that is also finite (``click.FloatRange`` lets ``nan``
  and ``inf`` through: every comparison with NaN is false, so a NaN is "in" every range);
* :data:`SEED` — a seed numpy accepts (an integer ≥ 0);
* :class:`Output` — a path to write (a file or a folder), checked for writability when the
  option is parsed (:func:`numerics.atomic.check_output`), so a bad ``--plot`` fails before a
  long simulation, not after it.

Errors are one line (the group turns click's usage errors into ``lowrank: error: …``).

>>> import click
>>> Finite(min=0, min_open=True).convert("2.5", None, None)
2.5
>>> Finite(min=0, min_open=True).convert("nan", None, None)
Traceback (most recent call last):
...
click.exceptions.BadParameter: 'nan' is not a finite number.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable

import click

from numerics import atomic

__all__ = ["Finite", "SEED", "Output"]


class Finite(click.FloatRange):
    """A finite float in ``[min, max]`` (open ends with ``min_open``/``max_open``)."""

    name = "finite float"

    def convert(self, value, param, ctx):
        try:
            finite = math.isfinite(float(value))  # "nan", "inf", "1e999", "-1e400", …
        except (TypeError, ValueError):
            finite = True  # not a number at all: click says so
        if not finite:
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return super().convert(value, param, ctx)


#: A seed for ``numpy.random.default_rng`` / ``SeedSequence``: any integer ≥ 0.
SEED = click.IntRange(min=0)


class Output(click.Path):
    """A path the command will write: a ``"file"`` (``--plot``, ``--save-instance``) or a
    ``"folder"`` (``report --out``), checked at parse time (:func:`numerics.atomic.check_output`).
    ``paths``: the files actually written, from the value (an instance ``STEM`` is written as
    ``STEM.json`` + ``STEM.npz``); default the value itself."""

    def __init__(self, kind: str = "file", paths: Callable[[str], list[str]] | None = None,
                 **kw):
        kw.setdefault("dir_okay", kind == "folder")
        kw.setdefault("file_okay", kind == "file")
        super().__init__(**kw)
        self.kind, self.paths = kind, paths

    def convert(self, value, param, ctx):
        rv = super().convert(value, param, ctx)
        text = os.fspath(rv)
        for path in (self.paths(text) if self.paths else [text]):
            try:
                atomic.check_output(path, self.kind)
            except OSError as err:
                self.fail(atomic.describe(err), param, ctx)
        return rv
