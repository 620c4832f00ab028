"""numerics/grid.py: per-task seeds, identical numbers whatever runs the tasks (serial, a real
LocalCluster with 1 and with 2 worker processes), the result cache (resume after a kill, exact
invalidation when an engine's source changes), and `cache info/clear`."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from numerics import grid
from numerics.experiments.common import spec


@pytest.fixture(autouse=True, scope="module")
def _close_clusters():
    yield
    grid.close()   # the local clusters this module started, before pytest closes its streams


def _tasks(n=6):
    out = []
    for i in range(n):
        s = spec(d=40 + 10 * i, k=3, xi=1.0, act="relu", seed=[7, i],
                 features="random", c="sphere", convention="appB" if i % 3 == 0 else
                 "normalised")
        out.append(grid.Task("numerics.experiments.common:chain_task",
                             {"instance": s, "runs": 5, "steps": 400, "lr": 0.01,
                              "record": 8, "variant": "joint" if i % 2 else "frozen"}))
    return out


def _same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x.keys() == y.keys()
        for key in x:
            assert np.array_equal(np.asarray(x[key]), np.asarray(y[key]),
                                  equal_nan=np.asarray(x[key]).dtype.kind == "f"), key


def test_task_seed_depends_on_parameters_and_run_seed_only():
    t = grid.Task("numerics.grid:_demo", {"n": 3, "a": [1, 2]})
    same = grid.Task("numerics.grid:_demo", {"a": [1, 2], "n": 3})   # key order is irrelevant
    assert grid.task_seed(t, 1).entropy == grid.task_seed(same, 1).entropy
    assert grid.task_seed(t, 1).entropy != grid.task_seed(t, 2).entropy
    assert grid.task_seed(t, 1).entropy != grid.task_seed(
        grid.Task("numerics.grid:_demo", {"n": 4, "a": [1, 2]}), 1).entropy
    with pytest.raises(ValueError):
        grid.canonical({"x": float("nan")})


def test_serial_one_worker_and_two_workers_give_identical_numbers():
    tasks = _tasks()
    serial = grid.run_grid(tasks, seed=11, scheduler="serial", cache=None)
    one = grid.run_grid(tasks, seed=11, cache=None, workers=1)
    two = grid.run_grid(tasks, seed=11, cache=None, workers=2)
    assert grid.get_client(workers=2).cluster.workers.__len__() == 2
    _same(serial.results, one.results)
    _same(serial.results, two.results)
    assert serial.computed == len(tasks)
    # a different run seed changes the numbers
    other = grid.run_grid(tasks[:1], seed=12, scheduler="serial", cache=None)
    assert not np.array_equal(other.results[0]["m"], serial.results[0]["m"])


def test_cache_hit_returns_the_computed_numbers_and_info_counts_them(tmp_path):
    cache = grid.Cache(tmp_path / "c")
    tasks = _tasks(3)
    a = grid.run_grid(tasks, seed=5, scheduler="serial", cache=cache)
    b = grid.run_grid(tasks, seed=5, workers=2, cache=cache)
    assert (a.computed, a.cached, b.computed, b.cached) == (3, 0, 0, 3)
    _same(a.results, b.results)
    info = cache.info()
    assert info["entries"] == 3 and info["current"] == 3
    assert info["by_function"]["numerics.experiments.common:chain_task"]["entries"] == 3
    assert cache.clear() == 3 and cache.info()["entries"] == 0


RUNNER = textwrap.dedent("""
    import sys, time
    from numerics import grid
    n = int(sys.argv[2])
    tasks = [grid.Task("numerics.grid:_sleepy", {"i": i, "sleep": 0.3}) for i in range(n)]
    grid.run_grid(tasks, seed=3, scheduler=sys.argv[3], workers=2,
                  cache=grid.Cache(sys.argv[1]))
    print("finished")
""")


@pytest.mark.parametrize("scheduler", ["serial", pytest.param("local", marks=pytest.mark.slow)])
def test_a_run_killed_halfway_resumes_from_the_cache_to_the_same_result(tmp_path, scheduler):
    n = 12
    root = tmp_path / "cache"
    proc = subprocess.Popen([sys.executable, "-c", RUNNER, str(root), str(n),
                             "serial" if scheduler == "serial" else ""],
                            start_new_session=True, env=dict(os.environ),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(root.glob("??/*.npz"))) < n // 2:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the runner and the cluster it started: ours only
    proc.wait()
    done = len(list(root.glob("??/*.npz")))
    assert n // 2 <= done < n, done
    tasks = [grid.Task("numerics.grid:_sleepy", {"i": i, "sleep": 0.0}) for i in range(n)]
    # the 'sleep' parameter changes the key: resume with the same tasks as the killed run
    tasks = [grid.Task("numerics.grid:_sleepy", {"i": i, "sleep": 0.3}) for i in range(n)]
    cache = grid.Cache(root)
    resumed = grid.run_grid(tasks, seed=3, scheduler="serial", cache=cache)
    assert resumed.cached == done and resumed.computed == n - done
    fresh = grid.run_grid(tasks, seed=3, scheduler="serial", cache=None)
    _same(resumed.results, fresh.results)


def test_changing_an_engine_source_recomputes_exactly_the_tasks_that_use_it(tmp_path,
                                                                          monkeypatch):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "eng_a.py").write_text("SCALE = 1.0\n")
    (pkg / "eng_b.py").write_text("SCALE = 1.0\n")
    (pkg / "exp.py").write_text(textwrap.dedent("""
        from numerics import grid
        @grid.task(sources=("pkg.eng_a",))
        def ta(p, rng):
            from pkg import eng_a
            return {"x": eng_a.SCALE * rng.standard_normal(3)}
        @grid.task(sources=("pkg.eng_b",))
        def tb(p, rng):
            from pkg import eng_b
            return {"x": eng_b.SCALE * rng.standard_normal(3)}
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    cache = grid.Cache(tmp_path / "cache")
    tasks = ([grid.Task("pkg.exp:ta", {"i": i}) for i in range(3)]
             + [grid.Task("pkg.exp:tb", {"i": i}) for i in range(4)])
    first = grid.run_grid(tasks, seed=1, scheduler="serial", cache=cache)
    assert first.computed == 7
    import importlib

    (pkg / "eng_a.py").write_text("SCALE = 2.0  # changed\n")
    monkeypatch.setattr(grid, "_SOURCE_HASH", {})   # a new process would read the files anew
    importlib.reload(importlib.import_module("pkg.eng_a"))
    second = grid.run_grid(tasks, seed=1, scheduler="serial", cache=cache)
    assert (second.computed, second.cached) == (3, 4)
    for i in range(3):   # recomputed with the new engine: same seed, doubled numbers
        assert np.allclose(second.results[i]["x"], 2 * first.results[i]["x"])
    _same(second.results[3:], first.results[3:])
    info = cache.info()
    assert info["entries"] == 10 and info["current"] == 7
    assert cache.clear(stale_only=True) == 3 and cache.info()["entries"] == 7
