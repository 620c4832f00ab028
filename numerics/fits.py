"""Power-law fits with intervals, for the asymptotic readings of the statistical checks.

An ``o(1)``, ``O(·)`` or "bounded constant" is checked at finite sizes by fitting
``y ≈ C·x^β`` on a log-log scale (ordinary least squares) and reporting β with its two-sided
t-interval. The interval measures how well one power law describes the points (scatter around the
line), not sampling error of the points themselves; callers that fit Monte Carlo estimates say so
and pass points that are already bounds (e.g. Clopper–Pearson upper ends).

>>> f = power_fit([1, 2, 4, 8], [1.0, 0.5, 0.25, 0.125])
>>> round(f.exponent, 12), f.interval
(-1.0, (-1.0, -1.0))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["PowerFit", "power_fit", "rate_fit"]


@dataclass(frozen=True)
class PowerFit:
    """``y ≈ prefactor·x^exponent``; ``interval`` is the ``1 − alpha`` t-interval of the
    exponent (``(nan, nan)`` with fewer than three points), ``n`` the number of points."""

    exponent: float
    interval: tuple[float, float]
    prefactor: float
    n: int

    def as_dict(self) -> dict:
        return {"exponent": self.exponent, "interval": list(self.interval),
                "prefactor": self.prefactor, "points": self.n}


def power_fit(x: Sequence[float], y: Sequence[float], alpha: float = 0.05) -> PowerFit:
    """OLS of ``log y`` on ``log x`` (positive points only: zeros are dropped, and so is their
    information: callers report them). Limits: float64; at least two positive points.

    >>> f = power_fit([10, 20, 40, 80], [0.31, 0.22, 0.16, 0.11])
    >>> round(f.exponent, 2), f.interval[0] < -0.5 < f.interval[1]
    (-0.5, True)
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    keep = (x > 0) & (y > 0) & np.isfinite(y)
    lx, ly = np.log(x[keep]), np.log(y[keep])
    n = int(keep.sum())
    if n < 2:
        raise ValueError("power_fit needs at least two positive points")
    if n == 2:
        b = float((ly[1] - ly[0]) / (lx[1] - lx[0]))
        return PowerFit(b, (float("nan"), float("nan")), float(np.exp(ly[0] - b * lx[0])), n)
    r = stats.linregress(lx, ly)
    t = float(stats.t.ppf(1 - alpha / 2, n - 2))
    half = t * float(r.stderr)
    return PowerFit(float(r.slope), (float(r.slope - half), float(r.slope + half)),
                    float(np.exp(r.intercept)), n)


def rate_fit(x: Sequence[float], counts: Sequence[int], n: int, min_count: int = 10,
             alpha: float = 0.05) -> PowerFit | None:
    """Power fit of the frequencies ``counts/n`` against ``x`` (e.g. a small-ball probability
    against its level), using only the points with at least ``min_count`` events (fewer events
    make the log-frequency too noisy); None with fewer than three such points.

    >>> f = rate_fit([0.01, 0.1, 1.0], [10, 100, 1000], 1000)
    >>> round(f.exponent, 12)
    1.0
    """
    pts = [(a, c / n) for a, c in zip(x, counts, strict=True) if c >= min_count]
    if len(pts) < 3:
        return None
    return power_fit(*zip(*pts, strict=True), alpha=alpha)
