"""Experiments: one module per figure, theorem or prediction.

* :mod:`numerics.experiments.plateau` — the SGD plateau against the ODE predictions of
  :mod:`numerics.ode` (docs/derivations.md §2), ``run_plateau_experiment(profile, seed)``;
* the paper's figures and scaling theorems, each a module with ``ID``, ``PROFILES`` (quick,
  standard, paper), ``plan(profile, seed)`` (its labelled :class:`numerics.grid.Task` list) and
  ``run(profile, seed, outdir, scheduler, cache, progress)`` returning a
  :class:`numerics.experiments.common.Outcome`: :data:`EXPERIMENTS` below. Shared pieces:
  :mod:`common` (instances, engine tasks, agreement check, drawing), :mod:`passage`
  (best-η first-passage times, fits), :mod:`sweep` (d- and k-sweeps).

:func:`reproduce` is what ``lowrank reproduce`` runs: estimate, run, write the figure, the raw
data and a JSON document (schema ``lowrank-reproduce/1``, ``docs/schemas/reproduce.schema.json``).
:func:`reproduce_all` runs every experiment of :data:`EXPERIMENTS` as one grid (the union of their
tasks, so that the workers stay busy across experiments), then writes each one's outputs as
:func:`reproduce` does and an index (schema ``lowrank-reproduce-all/1``,
``docs/schemas/reproduce-all.schema.json``).

>>> resolve("fig2"), resolve("DC-T11"), resolve("6")
('DC-FIG2', 'DC-T11', 'DC-FIG6')
"""

from __future__ import annotations

import functools
import importlib
import json
import time
from pathlib import Path
from typing import Any

__all__ = ["EXPERIMENTS", "SCHEMA", "SCHEMA_ALL", "resolve", "module", "estimate", "reproduce",
           "all_tasks", "estimate_all", "reproduce_all", "one_blas_thread"]

#: Catalogue ID → experiment module (under numerics.experiments).
EXPERIMENTS: dict[str, str] = {
    "DC-FIG2": "fig2", "DC-FIG3": "fig3", "DC-FIG4": "fig4", "DC-FIG5": "fig5",
    "DC-FIG6": "fig6", "DC-T11": "thm11", "DC-T12": "thm12", "DC-T13": "thm13",
    "DC-T19": "thm19", "DC-GLM": "glm",
}
SCHEMA = "lowrank-reproduce/1"
SCHEMA_ALL = "lowrank-reproduce-all/1"


def one_blas_thread(fn):
    """Run ``fn`` with BLAS limited to one thread (threadpoolctl). What runs in the calling
    process (instance building, fits, drawing) is thin algebra, and it runs beside the grid's
    workers on the same cores: a multi-threaded OpenBLAS there spins for the busy cores (a
    4000 × 8 QR took 46 ms with 2 threads on the loaded 2-core machine, 0.3 ms with one)."""
    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            return fn(*args, **kwargs)

    return wrapped


def resolve(name: str) -> str:
    """The catalogue ID of ``name``: an ID (any case), ``figN``/``N`` for a figure, or a module
    name; ValueError (one line) otherwise."""
    n = str(name).strip()
    up = n.upper()
    if up in EXPERIMENTS:
        return up
    for cand in (f"DC-{up}", f"DC-FIG{up.removeprefix('FIG')}"):
        if cand in EXPERIMENTS:
            return cand
    for i, m in EXPERIMENTS.items():
        if m == n.lower():
            return i
    raise ValueError(f"unknown experiment {name!r}: one of {', '.join(EXPERIMENTS)} "
                     "(or fig2 … fig6)")


def module(eid: str):
    """The experiment module of a catalogue ID."""
    return importlib.import_module(f"numerics.experiments.{EXPERIMENTS[resolve(eid)]}")


@one_blas_thread
def estimate(eid: str, profile: str, seed: int, cache="default", workers: int | None = None):
    """The :class:`numerics.grid.Cost` of an experiment before it runs (its plan's tasks; the
    scratch illustration of DC-T19 and the agreement checks included)."""
    from numerics import grid

    mod = module(eid)
    if cache == "default":
        cache = grid.default_cache()
    tasks = [t for _, t in mod.plan(profile, seed)]
    return grid.estimate(tasks, seed, cache, workers)


@one_blas_thread
def all_tasks(profile: str, seed: int, ids=None) -> list:
    """The distinct tasks of the experiments ``ids`` (default: all) at a profile, in plan
    order (a task two experiments share is listed once).

    >>> ts = all_tasks("quick", 0, ["fig2", "fig2"])
    >>> len(ts) == len({t.spec() for t in ts}) == len(module("fig2").plan("quick", 0))
    True
    """
    seen, out = set(), []
    for eid in dict.fromkeys(resolve(i) for i in (ids or EXPERIMENTS)):
        for _, t in module(eid).plan(profile, seed):
            if t.spec() not in seen:
                seen.add(t.spec())
                out.append(t)
    return out


@one_blas_thread
def estimate_all(profile: str, seed: int, cache="default", workers: int | None = None,
                 ids=None):
    """The :class:`numerics.grid.Cost` of :func:`reproduce_all` (its distinct tasks)."""
    from numerics import grid

    if cache == "default":
        cache = grid.default_cache()
    return grid.estimate(all_tasks(profile, seed, ids), seed, cache, workers)


@one_blas_thread
def reproduce_all(profile: str = "standard", seed: int | None = None, out: Path | None = None,
                  scheduler: str | None = None, cache="default", progress: bool = False,
                  workers: int | None = None, ids=None) -> dict[str, Any]:
    """Every experiment (or those in ``ids``): first the union of their tasks as one grid (one
    cluster, one progress bar over the summed estimate), then each experiment's outputs into
    ``out/<ID>-<profile>`` as :func:`reproduce` writes them (from the cache), and
    ``out/index.json``: per experiment its checks' statuses and folder, and the grid's totals
    (default ``out``: ``reproduce``). Returns the index."""
    from numerics import grid
    from numerics.atomic import write_atomic
    from numerics.experiments.common import DEFAULT_SEED
    from numerics.serial import jsonable

    seed = DEFAULT_SEED if seed is None else int(seed)
    out = Path(out) if out is not None else Path("reproduce")
    if cache == "default":
        cache = grid.default_cache()
    ids = list(dict.fromkeys(resolve(i) for i in (ids or EXPERIMENTS)))
    tasks = all_tasks(profile, seed, ids)
    est = grid.estimate(tasks, seed, cache, workers)
    t0 = time.perf_counter()
    gr = grid.run_grid(tasks, seed=seed, cache=cache, scheduler=scheduler, workers=workers,
                       progress=progress, desc="all")
    t_grid = time.perf_counter() - t0
    docs = {}
    for eid in ids:
        d = reproduce(eid, profile, seed, out / f"{eid}-{profile}", scheduler, cache,
                      progress=False, workers=workers)
        docs[eid] = {"folder": f"{eid}-{profile}",
                     "checks": {k: v["status"] for k, v in d["checks"].items()},
                     "seconds": d["grid"]["seconds"], "computed": d["grid"]["computed"]}
    index = {"schema": SCHEMA_ALL, "profile": profile, "seed": seed, "experiments": docs,
             "grid": {"tasks": len(tasks), "computed": gr.computed, "cached": gr.cached,
                      "grid_seconds": round(t_grid, 3),
                      "seconds": round(time.perf_counter() - t0, 3),
                      "scheduler": scheduler or "local"},
             "estimate": {"tasks": est.tasks, "cached": est.cached,
                          "core_seconds": round(est.core_seconds, 1),
                          "memory_bytes": est.memory_bytes, "workers": est.workers}}
    index = jsonable(index)
    write_atomic(out / "index.json", json.dumps(index, indent=1, ensure_ascii=False) + "\n")
    return index


@one_blas_thread
def reproduce(eid: str, profile: str = "standard", seed: int | None = None,
              out: Path | None = None, scheduler: str | None = None, cache="default",
              progress: bool = False, workers: int | None = None) -> dict[str, Any]:
    """Run one experiment and write, into ``out`` (default ``reproduce/<ID>-<profile>``), its
    figure(s), raw data, instances and ``<ID>.json``; returns the JSON document."""
    from numerics import grid
    from numerics.atomic import write_atomic
    from numerics.experiments.common import DEFAULT_SEED
    from numerics.serial import jsonable

    eid = resolve(eid)
    seed = DEFAULT_SEED if seed is None else int(seed)
    out = Path(out) if out is not None else Path("reproduce") / f"{eid}-{profile}"
    mod = module(eid)
    est = estimate(eid, profile, seed, cache, workers)
    if workers is not None and scheduler is None:
        grid.get_client(None, workers)
    t0 = time.perf_counter()
    o = mod.run(profile, seed, outdir=out, scheduler=scheduler, cache=cache, progress=progress)
    doc = {"schema": SCHEMA, "id": eid, "profile": profile, "seed": seed,
           "convention": o.convention, "paper": o.paper, "ours": o.ours,
           "checks": {k: {"status": v["status"], "summary": v["summary"],
                          **({"tolerance": v["tolerance"]} if v.get("tolerance") else {})}
                      for k, v in o.checks.items()},
           "choices": o.choices,
           "files": [str(Path(f).relative_to(out)) if Path(f).is_relative_to(out) else str(f)
                     for f in o.files],
           "grid": {"tasks": o.tasks, "computed": o.computed, "cached": o.cached,
                    "seconds": round(time.perf_counter() - t0, 3),
                    "scheduler": scheduler or "local"},
           "estimate": {"tasks": est.tasks, "cached": est.cached,
                        "core_seconds": round(est.core_seconds, 1),
                        "memory_bytes": est.memory_bytes, "workers": est.workers},
           "data": o.data}
    doc = jsonable(doc)
    write_atomic(out / f"{eid}.json", json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    return doc
