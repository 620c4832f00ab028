r"""Task grids on ``dask.distributed``, per-task seeds, and an on-disk result cache.

An experiment is a list of independent :class:`Task`\ s (a parameter point × an instance seed).
:func:`run_grid` runs them and returns their results in the order given:

* **where**: through a ``dask.distributed`` client: by default a ``LocalCluster`` with one worker
  process per core (one thread each, BLAS limited to one thread), started on first use and closed
  at exit or by :func:`close`; ``scheduler="tcp://host:port"`` (or the environment variable
  ``LOWRANK_SCHEDULER``) sends the same tasks to an existing cluster; ``scheduler="serial"``
  runs them in this process (BLAS limited to one thread too, so that the numbers are the same);
* **seeds**: a task's generator is ``numpy.random.default_rng(SeedSequence(entropy))`` with
  ``entropy`` the SHA-256 of the canonical JSON of ``{"fn", "params", "seed"}`` (:func:`task_seed`):
  its numbers depend on what it computes and on the run's seed, never on the scheduler, the number
  of workers or the order of completion;
* **cache**: each result is stored as ``<root>/<key[:2]>/<key>.npz``, where the key is the SHA-256
  of the canonical JSON of the task, the run's seed, the SHA-256 of the source files the task
  declares (its own module always; engines through :func:`task`'s ``sources``) and the numpy and
  numba versions (:func:`task_key`). Written atomically by the client as each task completes, so
  a run killed at any moment leaves only complete entries and the next run resumes; a change to
  one engine's source changes the keys of exactly the tasks that declare it.

The cache root is ``$LOWRANK_CACHE_DIR/grid`` if that variable is set (the project's one cache
variable, shared with :mod:`numerics.coeffcache`), else ``$XDG_CACHE_HOME/lowrank/grid`` (default
``~/.cache/lowrank/grid``). A result is a dict of numpy arrays, numbers, strings and
(nested) lists/dicts of those; arrays come back as arrays (exact float64 bits), the rest through
JSON. Hashing uses :mod:`hashlib` (SHA-256), JSON :mod:`json` with sorted keys; nothing here is
hand-rolled except the canonical form (sorted keys, no spaces, floats by ``repr``), which no
library fixes for us.

>>> t = Task("numerics.grid:_demo", {"n": 3})
>>> res = run_grid([t, Task("numerics.grid:_demo", {"n": 2})], seed=1, scheduler="serial",
...                cache=None)
>>> [r["x"].shape for r in res.results], res.computed, res.cached
([(3,), (2,)], 2, 0)
>>> bool(np.array_equal(res.results[0]["x"],
...      run_grid([t], seed=1, scheduler="serial", cache=None).results[0]["x"]))
True
"""

from __future__ import annotations

import atexit
import hashlib
import importlib
import importlib.util
import io
import json
import math
import os
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Task", "task", "canonical", "task_seed", "code_hash", "task_key", "Cache",
           "default_cache", "GridRun", "Cost", "estimate", "run_grid", "get_client", "close",
           "CHAIN_SECONDS", "chain_cost"]

#: Environment variables: an existing scheduler's address, the cache root.
SCHEDULER_ENV, CACHE_ENV = "LOWRANK_SCHEDULER", "LOWRANK_CACHE_DIR"
#: Format of a cache entry (bump to invalidate every entry at once).
FORMAT = "lowrank-grid/1"


# ---------------------------------------------------------------------- tasks and seeds


def canonical(obj: Any) -> str:
    """The canonical JSON of ``obj``: sorted keys, no spaces, tuples as lists, numpy scalars as
    Python numbers, floats by ``repr`` (exact); NaN and infinities are refused.

    >>> canonical({"b": (1, 2.5), "a": np.int64(3)})
    '{"a":3,"b":[1,2.5]}'
    """
    def conv(o):
        if isinstance(o, dict):
            return {str(k): conv(v) for k, v in o.items()}
        if isinstance(o, (list, tuple)):
            return [conv(v) for v in o]
        if isinstance(o, np.generic):
            return conv(o.item())
        if isinstance(o, np.ndarray):
            return conv(o.tolist())
        if isinstance(o, float) and not math.isfinite(o):
            raise ValueError(f"non-finite float {o!r} in task parameters")
        if o is None or isinstance(o, (bool, int, float, str)):
            return o
        raise TypeError(f"task parameters must be JSON data, not {type(o).__name__}")

    return json.dumps(conv(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


@dataclass(frozen=True)
class Task:
    """One unit of work: ``fn`` ("module:function", a function decorated with :func:`task`)
    called with ``params`` (JSON data) and its own generator."""

    fn: str
    params: dict[str, Any]

    def spec(self) -> str:
        """Canonical JSON of (fn, params)."""
        return canonical({"fn": self.fn, "params": self.params})


def task_seed(t: Task, seed: int) -> np.random.SeedSequence:
    """The task's SeedSequence: entropy = SHA-256 of the canonical JSON of its function,
    parameters and the run's seed (as a 256-bit integer).

    >>> a = task_seed(Task("m:f", {"x": 1}), 0); b = task_seed(Task("m:f", {"x": 1.0}), 0)
    >>> a.entropy == task_seed(Task("m:f", {"x": 1}), 0).entropy, a.entropy == b.entropy
    (True, False)
    """
    text = canonical({"fn": t.fn, "params": t.params, "seed": int(seed)})
    return np.random.SeedSequence(int.from_bytes(hashlib.sha256(text.encode()).digest(), "big"))


def task(*, sources: Sequence[str] = (), cost: Callable[[dict], float] | None = None,
         memory: Callable[[dict], float] | None = None) -> Callable:
    """Declare a task function ``fn(params: dict, rng: Generator) -> dict``.

    ``sources``: modules whose source files the result depends on besides the function's own
    module (engines, instance builders); their SHA-256 enters the cache key. ``cost(params)``:
    estimated core-seconds; ``memory(params)``: estimated peak bytes (both for :func:`estimate`).
    """
    def deco(fn):
        fn.grid_sources = tuple(dict.fromkeys((fn.__module__, *sources)))
        fn.grid_cost = cost or (lambda p: 1.0)
        fn.grid_memory = memory or (lambda p: 5e7)
        return fn

    return deco


def resolve(name: str) -> Callable:
    """The function named ``"module:function"``."""
    mod, _, attr = name.partition(":")
    fn = getattr(importlib.import_module(mod), attr)
    if not hasattr(fn, "grid_sources"):
        raise TypeError(f"{name} is not declared with numerics.grid.task")
    return fn


_SOURCE_HASH: dict[str, str] = {}


def source_hash(module: str) -> str:
    """SHA-256 of a module's source file (read once per process; the module is not imported).

    >>> len(source_hash("numerics.grid"))
    64
    """
    if module not in _SOURCE_HASH:
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.origin or not os.path.exists(spec.origin):
            raise ValueError(f"no source file for module {module!r}")
        _SOURCE_HASH[module] = hashlib.sha256(Path(spec.origin).read_bytes()).hexdigest()
    return _SOURCE_HASH[module]


def code_hash(modules: Iterable[str]) -> str:
    """SHA-256 over the (sorted) modules' source hashes.

    >>> code_hash(["numerics.grid"]) == code_hash(["numerics.grid", "numerics.grid"])
    True
    """
    parts = sorted(set(modules))
    return hashlib.sha256(canonical({m: source_hash(m) for m in parts}).encode()).hexdigest()


def versions() -> dict[str, str]:
    """The library versions a cached result depends on (numpy, numba)."""
    import numba

    return {"numpy": np.__version__, "numba": numba.__version__}


def task_key(t: Task, seed: int) -> str:
    """The cache key: SHA-256 of the canonical JSON of the task, the seed, its code hash and the
    versions (see the module docstring)."""
    fn = resolve(t.fn)
    return hashlib.sha256(canonical({
        "format": FORMAT, "fn": t.fn, "params": t.params, "seed": int(seed),
        "code": code_hash(fn.grid_sources), "versions": versions()}).encode()).hexdigest()


# ---------------------------------------------------------------------- the cache


def _pack(result: dict[str, Any]) -> dict[str, np.ndarray]:
    arrays, rest = {}, {}
    for k, v in result.items():
        if isinstance(v, np.ndarray) and v.dtype != object:
            arrays[f"a:{k}"] = v
        else:
            rest[k] = v
    from numerics.serial import jsonable

    arrays["__json__"] = np.array(json.dumps(jsonable(rest), allow_nan=False))
    return arrays


def _unpack(z) -> dict[str, Any]:
    out = json.loads(str(z["__json__"]))
    for k in z.files:
        if k.startswith("a:"):
            out[k[2:]] = z[k]
    return out


def _normalise(result: dict[str, Any]) -> dict[str, Any]:
    """What a result looks like after a round trip through the cache (so that computed and
    cached results are identical objects)."""
    return _unpack(np.load(io.BytesIO(_serialise(result, {})), allow_pickle=False))


def _serialise(result: dict[str, Any], meta: dict[str, Any]) -> bytes:
    buf = io.BytesIO()
    arrays = _pack(result)
    arrays["__meta__"] = np.array(canonical(meta))
    np.savez(buf, **arrays)
    return buf.getvalue()


@dataclass
class Cache:
    """Content-addressed results under ``root`` (see the module docstring)."""

    root: Path

    def __post_init__(self):
        self.root = Path(self.root)

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.npz"

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored result, or None (a missing or unreadable entry is a miss)."""
        p = self.path(key)
        try:
            with np.load(p, allow_pickle=False) as z:
                return _unpack(z)
        except (OSError, ValueError, KeyError, json.JSONDecodeError):
            return None

    def put(self, key: str, result: dict[str, Any], meta: dict[str, Any]) -> None:
        """Store atomically (temporary sibling, fsync, rename)."""
        from numerics.atomic import write_atomic

        write_atomic(self.path(key), _serialise(result, meta))

    def entries(self) -> list[tuple[Path, dict[str, Any]]]:
        """(path, meta) of every entry (meta: fn, params, seed, code, versions, seconds)."""
        out = []
        for p in sorted(self.root.glob("??/*.npz")):
            try:
                with np.load(p, allow_pickle=False) as z:
                    out.append((p, json.loads(str(z["__meta__"]))))
            except (OSError, ValueError, KeyError, json.JSONDecodeError):
                out.append((p, {"fn": "?", "unreadable": True}))
        return out

    def info(self) -> dict[str, Any]:
        """Counts and sizes, per task function, and how many entries the current code would
        still use (``current``: the key recomputed from the stored task equals the file name).

        >>> import tempfile; Cache(Path(tempfile.mkdtemp())).info()["entries"]
        0
        """
        by: dict[str, dict[str, float]] = {}
        total, size = 0, 0
        for p, meta in self.entries():
            fn = meta.get("fn", "?")
            b = by.setdefault(fn, {"entries": 0, "bytes": 0, "current": 0, "seconds": 0.0})
            n = p.stat().st_size
            b["entries"] += 1
            b["bytes"] += n
            b["seconds"] += float(meta.get("seconds", 0.0))
            b["cpu_seconds"] = b.get("cpu_seconds", 0.0) + float(meta.get("cpu_seconds", 0.0))
            total += 1
            size += n
            try:
                cur = task_key(Task(fn, meta["params"]), meta["seed"]) == p.stem
            except Exception:  # noqa: BLE001 - a function that no longer exists: stale
                cur = False
            b["current"] += int(cur)
        return {"root": str(self.root), "entries": total, "bytes": size,
                "current": sum(b["current"] for b in by.values()), "by_function": by}

    def clear(self, stale_only: bool = False) -> int:
        """Remove every entry (or only those the current code would not use); returns how
        many were removed."""
        n = 0
        for p, meta in self.entries():
            if stale_only:
                try:
                    if task_key(Task(meta["fn"], meta["params"]), meta["seed"]) == p.stem:
                        continue
                except Exception:  # noqa: BLE001 - unresolvable: stale
                    pass
            p.unlink(missing_ok=True)
            n += 1
        if not stale_only and self.root.exists():
            for sub in self.root.glob("??"):
                shutil.rmtree(sub, ignore_errors=True)
        return n


def default_cache() -> Cache:
    """The cache at ``$LOWRANK_CACHE_DIR/grid``, else ``$XDG_CACHE_HOME/lowrank/grid``."""
    if os.environ.get(CACHE_ENV):
        return Cache(Path(os.environ[CACHE_ENV]) / "grid")
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Cache(Path(base) / "lowrank" / "grid")


# ---------------------------------------------------------------------- cost


#: Measured core-seconds per run-step of the reduced chain, ``base + per_k·k + per_k2·k²``, for
#: the projected frozen path ("simple") and the general one (joint, unprojected, alpha,
#: linearised); the k² term is the triangular Wx of non-orthogonal W. A transcendental activation
#: (sigmoid, erf, tanh, …) adds :data:`CHAIN_TRANSCENDENTAL` per k. One core of the project's
#: 2-core machine, ReLU/He₃/sigmoid at k = 4…100 (process time, numba 0.68); estimates only.
CHAIN_SECONDS = {"simple": (5e-8, 4.5e-9, 3e-11), "general": (6e-8, 1.1e-8, 2e-11)}
CHAIN_TRANSCENDENTAL = 1.4e-8
_POLY = ("relu", "quadratic", "cubic", "abs", "leaky_relu")


def chain_cost(runs: int, steps: int, k: int, general: bool = False,
               act: str = "relu") -> float:
    """Estimated core-seconds of a chain run (see :data:`CHAIN_SECONDS`).

    >>> round(chain_cost(10, 2_000_000, 50), 1)   # Fig. 2(b): 10 runs × 2·10⁶ steps, k = 50
    7.0
    """
    base, pk, pk2 = CHAIN_SECONDS["general" if general else "simple"]
    poly = act in _POLY or act[:2] in ("He", "h1", "h2", "h3", "h4", "h5", "h6")
    per = base + pk * k + pk2 * k * k + (0.0 if poly else CHAIN_TRANSCENDENTAL * k)
    return runs * steps * per


@dataclass
class Cost:
    """An estimate before a run: tasks, of them cached, core-seconds of the rest, peak memory
    of one task, and the wall time on ``workers`` cores."""

    tasks: int
    cached: int
    core_seconds: float
    memory_bytes: float
    workers: int

    @property
    def wall_seconds(self) -> float:
        return self.core_seconds / max(1, self.workers)

    def line(self) -> str:
        """One line for the terminal.

        >>> Cost(10, 4, 120.0, 2e8, 2).line()
        '10 tasks (4 cached), ≈ 120 core-s to compute (≈ 60 s on 2 workers), ≤ 200 MB per task'
        """
        return (f"{self.tasks} tasks ({self.cached} cached), ≈ {self.core_seconds:.0f} core-s "
                f"to compute (≈ {self.wall_seconds:.0f} s on {self.workers} workers), "
                f"≤ {self.memory_bytes / 1e6:.0f} MB per task")


def estimate(tasks: Sequence[Task], seed: int, cache: Cache | None = None,
             workers: int | None = None) -> Cost:
    """The :class:`Cost` of running ``tasks`` (cached entries cost nothing)."""
    n_cached, secs, mem = 0, 0.0, 0.0
    for t in tasks:
        fn = resolve(t.fn)
        if cache is not None and cache.path(task_key(t, seed)).exists():
            n_cached += 1
            continue
        secs += float(fn.grid_cost(t.params))
        mem = max(mem, float(fn.grid_memory(t.params)))
    return Cost(len(tasks), n_cached, secs, mem, workers or os.cpu_count() or 1)


# ---------------------------------------------------------------------- execution


def _call(fn_name: str, params: dict, entropy: int) -> tuple[dict, float, float]:
    """Run one task in this process with BLAS limited to one thread; (result, wall seconds,
    CPU seconds of this process — the cost on a core of its own, whatever else runs)."""
    from threadpoolctl import threadpool_limits

    fn = resolve(fn_name)
    t0, c0 = time.perf_counter(), time.process_time()
    with threadpool_limits(1):
        out = fn(params, np.random.default_rng(np.random.SeedSequence(entropy)))
    return out, time.perf_counter() - t0, time.process_time() - c0


_CLIENT: dict[str, Any] = {}


def get_client(scheduler: str | None = None, workers: int | None = None):
    """A ``dask.distributed.Client``: to ``scheduler`` (or ``LOWRANK_SCHEDULER``) if given,
    else to a ``LocalCluster`` of ``workers`` processes (default: one per core, or the local
    cluster already running, whatever its size), one thread each. Clients are kept per
    (address, workers) for the life of the process (closed by :func:`close`, registered at
    exit)."""
    from dask.distributed import Client, LocalCluster

    addr = scheduler or os.environ.get(SCHEDULER_ENV) or None
    if addr is None and workers is None:  # any running local cluster will do
        for key, cl in _CLIENT.items():
            if key.startswith("local:") and cl.status == "running":
                return cl
    n = int(workers or os.cpu_count() or 1)
    key = addr or f"local:{n}"
    cl = _CLIENT.get(key)
    if cl is not None and cl.status == "running":
        return cl
    if addr:
        cl = Client(addr, timeout="10s")
    else:
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=40)  # any free port
        cl = Client(cluster)
    _CLIENT[key] = cl
    return cl


def close() -> None:
    """Close every client (and local cluster) this process started."""
    import logging

    for name in ("distributed", "distributed.scheduler", "distributed.nanny",
                 "distributed.core", "distributed.worker"):
        logging.getLogger(name).setLevel(logging.ERROR)  # no INFO lines on the way out
    while _CLIENT:
        _, cl = _CLIENT.popitem()
        cluster = getattr(cl, "cluster", None)
        try:
            cl.close()
            if cluster is not None:
                cluster.close()
        except Exception:  # noqa: BLE001 - closing at exit: nothing to report to
            pass


atexit.register(close)


@dataclass
class GridRun:
    """What :func:`run_grid` returns: results in task order, how many distinct tasks were
    computed, how many tasks were read from the cache, wall seconds, and each task's compute
    seconds (0 when cached)."""

    results: list[dict[str, Any]]
    computed: int
    cached: int
    seconds: float
    task_seconds: list[float] = field(default_factory=list)


def run_grid(tasks: Sequence[Task], *, seed: int, cache: Cache | None | str = "default",
             scheduler: str | None = None, workers: int | None = None,
             progress: bool = False, desc: str = "tasks") -> GridRun:
    """Run ``tasks`` (see the module docstring); results in the order of ``tasks``.

    ``cache``: a :class:`Cache`, ``"default"`` (:func:`default_cache`) or None (no cache).
    ``scheduler``: ``"serial"`` (this process), an address, or None (``LOWRANK_SCHEDULER`` or
    a local cluster of ``workers`` processes). ``progress``: a tqdm bar over the estimated
    core-seconds (so its ETA weighs long tasks as such).
    """
    t0 = time.perf_counter()
    if cache == "default":
        cache = default_cache()
    tasks = list(tasks)
    keys = [task_key(t, seed) for t in tasks]
    results: list[dict | None] = [None] * len(tasks)
    secs = [0.0] * len(tasks)
    todo: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        got = cache.get(k) if cache is not None else None
        if got is not None:
            results[i] = got
        else:
            todo.setdefault(k, []).append(i)
    n_cached = len(tasks) - sum(len(v) for v in todo.values())
    costs = {k: float(resolve(tasks[ix[0]].fn).grid_cost(tasks[ix[0]].params))
             for k, ix in todo.items()}
    bar = None
    if progress and todo:
        from tqdm import tqdm

        bar = tqdm(total=round(sum(costs.values()), 1), desc=desc, unit="core-s",
                   mininterval=0.5, bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} core-s "
                   "[{elapsed}<{remaining}]")

    def done(k: str, out: dict, dt: float, cpu: float) -> None:
        t = tasks[todo[k][0]]
        if cache is not None:
            cache.put(k, out, {"fn": t.fn, "params": t.params, "seed": int(seed),
                               "code": code_hash(resolve(t.fn).grid_sources),
                               "versions": versions(), "seconds": round(dt, 3),
                               "cpu_seconds": round(cpu, 3)})
        norm = _normalise(out)
        for i in todo[k]:
            results[i] = norm
            secs[i] = dt
        if bar is not None:
            bar.update(round(costs[k], 1))

    entropy = {k: task_seed(tasks[ix[0]], seed).entropy for k, ix in todo.items()}
    if todo and scheduler == "serial":
        for k, ix in todo.items():
            done(k, *_call(tasks[ix[0]].fn, tasks[ix[0]].params, entropy[k]))
    elif todo:
        from dask.distributed import as_completed

        client = get_client(scheduler, workers)
        order = sorted(todo, key=lambda k: -costs[k])  # longest first: better packing
        futs = [client.submit(_call, tasks[todo[k][0]].fn, tasks[todo[k][0]].params,
                              entropy[k], key=f"lowrank-{k}", pure=False) for k in order]
        by_key = {f.key: k for f, k in zip(futs, order, strict=True)}
        try:
            for fut, (out, dt, cpu) in as_completed(futs, with_results=True):
                done(by_key[fut.key], out, dt, cpu)
        finally:
            for f in futs:
                f.release()
    if bar is not None:
        bar.close()
    return GridRun(results, len(todo), n_cached, time.perf_counter() - t0, secs)


@task(cost=lambda p: float(p.get("sleep", 0.0)) + 1e-3)
def _sleepy(params: dict, rng: np.random.Generator) -> dict:
    """A task that sleeps ``sleep`` seconds (for the kill-and-resume test) and draws numbers."""
    time.sleep(float(params.get("sleep", 0.0)))
    return {"x": rng.standard_normal(4), "i": int(params["i"])}


@task(cost=lambda p: 1e-4)
def _demo(params: dict, rng: np.random.Generator) -> dict:
    """A tiny task for the doctests and tests: ``n`` normals and their sum."""
    x = rng.standard_normal(int(params["n"]))
    return {"x": x, "sum": float(x.sum()), "n": int(params["n"])}
