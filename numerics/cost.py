"""What a run will cost, known before it is paid: memory and a rough time for ``lowrank simulate``
and ``lowrank derive``, the memory this process may still take, and a refusal (with the
estimate and an option that would fit) when a run needs more than half of it.

The models are upper envelopes of measurements on this project's machine (tracemalloc peaks of
the numpy allocations; ``benchmarks/bench_cost.py`` prints estimate / measured for both):

* building an instance: 3 · 8dk bytes at the peak (draw, QR, copy), 8dk kept (W);
* the full engine: 8d · (4·runs + 3k + 2) bytes (û, x, their products, WV = [W; V*]);
* the reduced chain: 2 · 8d bytes plus 8 · 8 bytes per recorded run-step (m, loss, ⟨ĉ, c⟩,
  quantiles and the kernel's buffers);
* ``--json``: 150 bytes per recorded number while the document is built and printed;
* time per run-step: chain 6·10⁻⁸ + 6·10⁻⁹ k s, full engine d·(1 + 3k)·10⁻⁸ s; building an
  instance 5·10⁻⁹ dk² s (two QR factorisations of d × k); the population recursion 4 µs per
  step (a Python loop) after tabulating h on 4001 points (10⁻⁷ k² s each: h sums over the k²
  pairs of rows); the effective ODE about 2·10⁻³ k² s.

Times are rough (±3× between machines): they only decide whether to warn and show progress.

>>> c = simulate_cost(d=100, k=4, runs=32, steps=20000, record_every=None, engine="reduced",
...                   joint=False, as_json=True, noise_ode=True)
>>> c.bytes < 2**27, c.seconds < 60
(True, True)
"""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass, field

__all__ = ["Cost", "CostError", "available_memory", "simulate_cost", "derive_cost", "check",
           "plan_simulate", "slow_note", "fit_runs", "SLOW_SECONDS", "gib"]

#: A run estimated to take longer than this says so and shows progress (seconds).
SLOW_SECONDS = 120.0

_F = 8  # bytes per float64


class CostError(ValueError):
    """A run that would need more memory than may be taken (one line: estimate and remedy)."""


def gib(n: float) -> str:
    """Bytes as GiB or MiB text.

    >>> gib(3 * 2**30), gib(5 * 2**20)
    ('3.0 GiB', '5 MiB')
    """
    if n >= 2**40:
        return f"{n / 2**30:.2g} GiB"
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


@dataclass
class Cost:
    """Peak bytes and rough seconds of a run, with the parts they come from (for messages)."""

    bytes: float
    seconds: float
    parts: dict[str, float] = field(default_factory=dict)

    def text(self) -> str:
        top = sorted(self.parts.items(), key=lambda kv: -kv[1])[:3]
        return f"{gib(self.bytes)} (" + ", ".join(f"{k} {gib(v)}" for k, v in top) + ")"


def _meminfo_available() -> float | None:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024.0
    except (OSError, ValueError):
        pass
    try:
        return float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def _vm_size() -> float:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024.0
    except (OSError, ValueError):
        pass
    return 0.0


def available_memory() -> float:
    """Bytes this process may still allocate: the machine's available memory, or less if an
    address-space limit (``RLIMIT_AS``, e.g. ``ulimit -v``) leaves less.

    >>> available_memory() > 0
    True
    """
    avail = _meminfo_available() or float(2**40)
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        avail = min(avail, max(0.0, soft - _vm_size()))
    return avail


def _nrec(steps: int, record_every: int | None) -> int:
    every = max(1, int(record_every)) if record_every else max(1, steps // 100)
    return steps // every + 2


def simulate_cost(*, d: int, k: int, runs: int, steps: int, record_every: int | None,
                  engine: str, joint: bool, as_json: bool, noise_ode: bool,
                  instance_built: bool = False, ode: bool = True) -> Cost:
    """Peak memory and rough time of ``lowrank simulate`` with these settings (module docstring);
    ``instance_built``: the instance exists already (loaded from a file); ``ode``: the
    population recursion is defined (frozen variant, normalised or raw rows)."""
    nrec = _nrec(steps, record_every)
    rec = float(runs) * nrec
    parts = {"records": 8 * _F * rec}
    if not instance_built:
        parts["instance (build)"] = 3.0 * _F * d * k
    parts["instance W"] = _F * d * (k + 1.0)
    if engine == "full":
        parts["full engine"] = _F * d * (4.0 * runs + 3 * k + 2)
        per = d * (1 + 3 * k) * 1e-8
    else:
        parts["chain"] = 2.0 * _F * d
        per = 6e-8 + 6e-9 * k
    if as_json:
        parts["JSON"] = 150.0 * rec * (3 if joint else 2)
    parts["population recursion"] = 3.0 * _F * min(steps, 2 * 10**6)
    peak = max(parts.get("instance (build)", 0.0),
               sum(v for key, v in parts.items() if key != "instance (build)"))
    seconds = (float(runs) * steps * per
               + (4e-6 * steps + 4001 * 1e-7 * k * k if ode else 0.0)
               + (2e-3 * k * k + 1.0 if noise_ode and ode else 0.0)
               + (0.0 if instance_built else 5e-9 * d * k * k) + 1e-5 * rec)
    return Cost(peak, seconds, parts)


def derive_cost(*, d: int, k: int) -> Cost:
    """Peak memory and rough time of the instance ``lowrank derive`` builds (the expansion itself
    is bounded by ``--terms`` ≤ 60 and costs seconds)."""
    parts = {"instance (build)": 3.0 * _F * d * k, "Gram matrix": 4.0 * _F * k * k}
    return Cost(sum(parts.values()), 1e-8 * d * k * k + 2.0, parts)


def check(cost: Cost, *, remedy: str, available: float | None = None) -> None:
    """Refuse (:class:`CostError`) a run whose peak exceeds half the memory that may be taken,
    with the estimate and ``remedy`` (the option that would fit) in one line."""
    avail = available_memory() if available is None else available
    if cost.bytes > avail / 2:
        raise CostError(f"this run needs about {cost.text()}, more than half of the "
                        f"{gib(avail)} this process may use; {remedy}")


def slow_note(cost: Cost) -> str | None:
    """A one-line notice for a run expected to take more than :data:`SLOW_SECONDS`, or None.

    >>> slow_note(Cost(0, 7200.0))
    'lowrank: note: this run is estimated to take about 2.0 h (a rough figure); progress on stderr'
    """
    if cost.seconds <= SLOW_SECONDS:
        return None
    s = cost.seconds
    when = (f"{s / 60:.0f} min" if s < 3600 else f"{s / 3600:.1f} h" if s < 86400 * 3
            else f"{s / 86400:.3g} days" if s < 86400 * 1000 else f"{s / 86400 / 365:.3g} years")
    return f"lowrank: note: this run is estimated to take about {when} (a rough figure); " \
           "progress on stderr"


def fit_runs(make, runs: int, avail: float) -> int:
    """The largest number of runs (≤ ``runs``) whose cost ``make(runs)`` fits in ``avail`` / 2,
    by bisection; 0 if none does."""
    lo, hi = 0, runs
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if make(mid).bytes <= avail / 2:
            lo = mid
        else:
            hi = mid - 1
    return lo


def plan_simulate(*, available: float | None = None, **kw) -> Cost:
    """The cost of ``simulate_cost(**kw)``; if it does not fit (:func:`check`), a
    :class:`CostError` naming the first remedy that fits: the reduced chain (for the full
    engine), a sparser ``--record-every``, fewer ``--runs``, a smaller ``--d``.

    >>> plan_simulate(d=10**8, k=4, runs=2, steps=10, record_every=None, engine="reduced",
    ...               joint=False, as_json=False, noise_ode=False, available=16 * 2**30)
    Traceback (most recent call last):
    ...
    numerics.cost.CostError: this run needs about 8.9 GiB (instance (build) 8.9 GiB, ...), more
    than half of the 16.0 GiB this process may use; use a smaller --d (d ≤ 89478485 fits at k = 4)
    """
    avail = available_memory() if available is None else available
    cost = simulate_cost(**kw)
    if cost.bytes <= avail / 2:
        return cost

    def fits(**change) -> Cost | None:
        c = simulate_cost(**{**kw, **change})
        return c if c.bytes <= avail / 2 else None

    remedy = None
    if kw["engine"] == "full" and (c := fits(engine="reduced")):
        remedy = f"use --engine reduced (its cost per step does not grow with d; {gib(c.bytes)})"
    if remedy is None and kw["steps"] > 0:
        for every in (10**p for p in range(0, 13)):
            if every > (kw["record_every"] or max(1, kw["steps"] // 100)) and fits(
                    record_every=every):
                remedy = f"record less often (--record-every {every} fits)"
                break
    if remedy is None and kw["runs"] > 1:
        n = fit_runs(lambda r: simulate_cost(**{**kw, "runs": r}), kw["runs"], avail)
        if n >= 1:
            remedy = f"use fewer runs (--runs {n} fits)"
    sparse = max(kw["record_every"] or 1, kw["steps"] // 100, 1)
    if remedy is None and kw["runs"] > 1 and sparse != kw["record_every"]:
        n = fit_runs(lambda r: simulate_cost(**{**kw, "runs": r, "record_every": sparse}),
                     kw["runs"], avail)
        if n >= 1:
            remedy = (f"use fewer runs and record less often (--runs {n} --record-every "
                      f"{sparse} fits)")
    if remedy is None:
        lo, hi = 0, kw["d"]
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if fits(d=mid):
                lo = mid
            else:
                hi = mid - 1
        remedy = (f"use a smaller --d (d ≤ {lo} fits at k = {kw['k']})" if lo >= kw["k"] + 3
                  else "use a smaller --d and --k")
    raise CostError(f"this run needs about {cost.text()}, more than half of the "
                    f"{gib(avail)} this process may use; {remedy}")
