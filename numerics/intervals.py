"""Confidence intervals shared by the statistical checks: exact binomial (Clopper–Pearson).

Every frequency compared with a printed probability goes through :func:`clopper_pearson`, so a
verdict never rests on a normal approximation of a proportion.

>>> lo, hi = clopper_pearson(0, 100)
>>> lo, round(hi, 4)
(0.0, 0.0362)
"""

from __future__ import annotations

from scipy import stats

__all__ = ["clopper_pearson"]


def clopper_pearson(x: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Exact (Clopper–Pearson) two-sided ``1 − alpha`` interval for a binomial proportion
    ``x/n``; the same as ``scipy.stats.binomtest(x, n).proportion_ci(1 - alpha, "exact")``.

    >>> [round(t, 4) for t in clopper_pearson(7, 50)]
    [0.0582, 0.2674]
    """
    if not 0 <= x <= n or n <= 0:
        raise ValueError(f"need 0 ≤ x ≤ n and n > 0, got x = {x}, n = {n}")
    lo = 0.0 if x == 0 else float(stats.beta.ppf(alpha / 2, x, n - x + 1))
    hi = 1.0 if x == n else float(stats.beta.ppf(1 - alpha / 2, x + 1, n - x))
    return lo, hi
