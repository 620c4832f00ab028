"""One figure helper for the claim checks: measured curves against a printed bound.

A check that wants a figure passes named series ``{label: (x, y)}`` (and optionally lower/upper
bands); the PNG is written atomically (:func:`save_png`, through
:func:`numerics.atomic.write_atomic`) with matplotlib's Agg backend.

>>> import tempfile, os
>>> with tempfile.TemporaryDirectory() as d:
...     p = line_figure(os.path.join(d, "x.png"), {"y = x": ([1, 2], [1, 2])}, "x", "y", "t")
...     os.path.exists(p)
True
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping, Sequence

__all__ = ["line_figure", "save_png"]


def line_figure(path: str | os.PathLike, series: Mapping[str, tuple[Sequence, Sequence]],
                xlabel: str, ylabel: str, title: str, *, logx: bool = False,
                logy: bool = False, bands: Mapping[str, tuple[Sequence, Sequence, Sequence]]
                | None = None, dashed: Sequence[str] = ()) -> str:
    """Plot each series (markers and lines; names in ``dashed`` as dashed lines without
    markers, for printed bounds), shaded ``bands`` ``{label: (x, lo, hi)}``, and save a PNG.
    Returns the path as a string."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    markers = itertools.cycle("os^Dv<>p")
    for label, (x, lo, hi) in (bands or {}).items():
        ax.fill_between(list(x), list(lo), list(hi), alpha=0.2, label=label)
    for label, (x, y) in series.items():
        if label in dashed:
            ax.plot(list(x), list(y), "--", lw=1.0, label=label)
        else:
            ax.plot(list(x), list(y), marker=next(markers), ms=4, lw=0.9, label=label)
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    save_png(fig, path)
    return str(path)


def save_png(fig, path: str | os.PathLike) -> None:
    """Save a matplotlib figure as PNG atomically (a killed run leaves no half-written file;
    :func:`numerics.atomic.write_atomic`), with the mode any new file gets under the umask, and
    close it.

    >>> import tempfile, matplotlib; _ = matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> with tempfile.TemporaryDirectory() as d:
    ...     save_png(plt.figure(), os.path.join(d, "f.png"))
    ...     open(os.path.join(d, "f.png"), "rb").read(4)[1:] == b"PNG"
    True
    """
    import io

    import matplotlib.pyplot as plt

    from numerics.atomic import write_atomic

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    write_atomic(path, buf.getvalue())
