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

>>> resolve("fig2"), resolve("DC-T11"), resolve("6")
('DC-FIG2', 'DC-T11', 'DC-FIG6')
"""

from __future__ import annotations

import importlib
import json
import time
from pathlib import Path
from typing import Any

__all__ = ["EXPERIMENTS", "SCHEMA", "resolve", "module", "estimate", "reproduce"]

#: Catalogue ID → experiment module (under numerics.experiments).
EXPERIMENTS: dict[str, str] = {
    "DC-FIG2": "fig2", "DC-FIG3": "fig3", "DC-FIG4": "fig4", "DC-FIG5": "fig5",
    "DC-FIG6": "fig6", "DC-T11": "thm11", "DC-T12": "thm12", "DC-T13": "thm13",
    "DC-T19": "thm19", "DC-GLM": "glm",
}
SCHEMA = "lowrank-reproduce/1"


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


def estimate(eid: str, profile: str, seed: int, cache="default", workers: int | None = None):
    """The :class:`numerics.grid.Cost` of an experiment before it runs (its plan's tasks; the
    scratch illustration of DC-T19 and the agreement checks included)."""
    from numerics import grid

    mod = module(eid)
    if cache == "default":
        cache = grid.default_cache()
    tasks = [t for _, t in mod.plan(profile, seed)]
    return grid.estimate(tasks, seed, cache, workers)


def reproduce(eid: str, profile: str = "standard", seed: int | None = None,
              out: Path | None = None, scheduler: str | None = None, cache="default",
              progress: bool = False, workers: int | None = None) -> dict[str, Any]:
    """Run one experiment and write, into ``out`` (default ``reproduce/<ID>-<profile>``), its
    figure(s), raw data, instances and ``<ID>.json``; returns the JSON document."""
    from numerics import grid
    from numerics.cli.util import write_atomic
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
