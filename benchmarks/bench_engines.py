"""Speed of the two SGD engines, as ratios measured in one run (prints; asserts nothing).

    python benchmarks/bench_engines.py [--quick]

BLAS (and numba) threads are set to 1 per process before numpy is imported, so every figure is a
single-core cost; the Fig. 2(b) workload uses both cores through two processes.

Figures printed (targets from the task, for reading the numbers, not asserted):
* cost per run-step of the chain (ReLU, random unit rows) and of its floor (drawing its random
  numbers: k + 2 normals and one χ² per run-step, from the same kind of Generator, inside numba
  as the chain does — the cheapest way measured) — target chain ≤ 2× floor;
* cost per run-step of the full engine and of its floor (drawing d normals — the engine's way,
  :mod:`numerics.normals`, the cheapest measured — and its two k × d-sized products per
  run-step) — target full ≤ 1.5× floor;
* full/chain — targets ≥ 50× at (d, k) = (2000, 50) and ≥ 250× at (10⁴, 50);
* the Fig. 2(b) workload (ReLU, d = 2000, k = 50, random unit rows, App. B convention, c ~ sphere,
  ξ = 1, ĉ frozen, 10 runs × 2·10⁶ steps, two processes) — target ≤ 20 s;
* the chain at d = 10⁶ against d = 10³ (same k) — target: the same cost.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402

import numba  # noqa: E402
import numpy as np  # noqa: E402

from numerics.normals import standard_normal  # noqa: E402
from numerics.problem import make_instance  # noqa: E402
from numerics.sgd import full, reduced  # noqa: E402


def _best(fn, repeat: int = 3) -> float:
    """Least CPU time (``time.process_time``: this process, one thread) of ``repeat`` calls.
    CPU time, not wall time, because the machine is shared: wall times include waiting."""
    times = []
    for _ in range(repeat):
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return min(times)


def _instance(d: int, k: int, seed: int = 0):
    return make_instance(np.random.default_rng(seed), d=d, k=k, xi=1.0, act="relu",
                         features="random")


def chain_cost(inst, runs: int, steps: int) -> tuple[float, float, float]:
    """(seconds per run-step of the chain, of its random-number floor, of the same numbers drawn
    by NumPy in bulk — the costlier way, shown for comparison with older figures)."""
    reduced.run(inst, np.random.default_rng(1), runs=2, steps=2, lr=1e-4, sign_flip=False)
    def go(n):
        return lambda: reduced.run(inst, np.random.default_rng(1), runs=runs, steps=n, lr=1e-4,
                                   sign_flip=False, record_every=max(n, 1))

    t_chain = _best(go(steps)) - _best(go(0))  # per-step cost, without the O(dk) set-up
    nz, df = inst.rank + 2, float(inst.d - inst.rank - 2)
    _draws(np.random.default_rng(2), 1, nz, df)  # compile

    def floor():
        _draws(np.random.default_rng(2), runs * steps, nz, df)

    def bulk():
        rng = np.random.default_rng(2)
        block = max(1, (1 << 16) // (runs * nz))
        t0 = 0
        while t0 < steps:
            nb = min(block, steps - t0)
            rng.standard_normal((runs, nb, nz))
            rng.chisquare(df, (runs, nb))
            t0 += nb

    n = runs * steps
    return t_chain / n, _best(floor) / n, _best(bulk) / n


@numba.njit
def _draws(rng: np.random.Generator, n: int, nz: int, df: float) -> float:
    """The chain's random numbers, drawn the cheapest way we know: nz normals and one χ²(df) per
    run-step from ``rng`` inside compiled code (numba's Generator support: the same algorithms and
    numbers as NumPy's, and 2-3× cheaper per number here than NumPy's own bulk draws, which write
    to memory). Summed, so that the compiler cannot drop them."""
    acc = 0.0
    for _ in range(n):
        for _ in range(nz):
            acc += rng.standard_normal()
        acc += rng.chisquare(df)
    return acc


def full_cost(inst, runs: int, steps: int) -> tuple[float, float]:
    """(seconds per run-step of the full engine, of its floor: d normals + its products)."""
    def go(n):
        return lambda: full.run(inst, np.random.default_rng(1), runs=runs, steps=n, lr=1e-4,
                                sign_flip=False, record_every=max(n, 1))

    t_full = _best(go(steps), repeat=2) - _best(go(0), repeat=2)
    WV = np.vstack([inst.W, inst.teacher_rows()])
    coef = np.ones((runs, inst.k))

    X = np.empty((runs, inst.d))

    def floor():
        rng = np.random.default_rng(2)
        for _ in range(steps):
            standard_normal(rng, None, out=X)  # the engine's own (cheapest) way to draw them
            X @ WV.T
            coef @ inst.W

    return t_full / (runs * steps), _best(floor, repeat=2) / (runs * steps)


def _fig2b_part(args):
    seed, runs, steps = args
    inst = make_instance(np.random.default_rng(2025), d=2000, k=50, xi=1.0, act="relu",
                         features="random", c="sphere", convention="appB")
    reduced.run(inst, np.random.default_rng(0), runs=1, steps=2, lr=1e-3, sign_flip=False)
    t, c = time.perf_counter(), time.process_time()
    tr = reduced.run(inst, np.random.default_rng(seed), runs=runs, steps=steps, lr=1e-3,
                     sign_flip=False, record_every=steps // 10)
    return time.perf_counter() - t, time.process_time() - c, tr.m_final


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes (about a minute)")
    quick = ap.parse_args().quick
    sizes = [(2000, 50), (1000, 20), (10_000, 50)]
    print("SGD engine costs (one BLAS thread; CPU seconds per run-step, set-up excluded; "
          "best of repeats)")
    print(f"{'d':>7} {'k':>4} | {'chain':>9} {'floor':>9} {'ratio':>6} {'np bulk':>9} | "
          f"{'full':>9} {'floor':>9} {'ratio':>6} | {'full/chain':>10}")
    for d, k in sizes:
        inst = _instance(d, k)
        c, cf, cb = chain_cost(inst, runs=64, steps=2000 if quick else 20_000)
        f, ff = full_cost(inst, runs=32, steps=20 if quick else 100)
        print(f"{d:>7} {k:>4} | {c:9.2e} {cf:9.2e} {c / cf:6.2f} {cb:9.2e} | {f:9.2e} "
              f"{ff:9.2e} {f / ff:6.2f} | {f / c:10.0f}")
    print("chain floor: its numbers drawn in numba from a Generator; np bulk: the same numbers "
          "drawn by NumPy in blocks (not the floor: costlier)")
    print("targets: chain/floor ≤ 2, full/floor ≤ 1.5, full/chain ≥ 50 (2000, 50), "
          "≥ 250 (10⁴, 50)")

    steps = 200_000 if quick else 2_000_000
    print(f"\nFig. 2(b) workload: ReLU, d = 2000, k = 50, App. B convention, 10 runs × "
          f"{steps:.0e} steps, 2 processes × 5 runs")
    _fig2b_part((0, 1, 10))  # compile in this process (the workers compile their own)
    t = time.perf_counter()
    with ProcessPoolExecutor(2) as ex:
        parts = list(ex.map(_fig2b_part, [((2025, 1, i), 5, steps) for i in range(2)]))
    wall = time.perf_counter() - t
    m = np.concatenate([p[2] for p in parts])
    print(f"  wall {wall:.1f} s in all; per process (wall/CPU, after compiling): "
          f"{', '.join(f'{p[0]:.1f}/{p[1]:.1f} s' for p in parts)}; target ≤ 20 s for 2e6 "
          f"steps\n  final m (a timing run; lr = 1e-3 is not a tuned rate): "
          f"{np.round(m, 3).tolist()}")

    print("\nchain at d = 10³ vs d = 10⁶ (k = 10, random unit rows)")
    per = {1000: np.inf, 1_000_000: np.inf}
    insts = {d: _instance(d, 10, seed=3) for d in per}
    for _ in range(3):  # alternate the two sizes, best of three each: the machine is noisy
        for d in per:
            per[d] = min(per[d], chain_cost(insts[d], runs=64,
                                            steps=2000 if quick else 20_000)[0])
    for d in per:
        print(f"  d = {d:>8}: {per[d]:.2e} s per run-step")
    print(f"  ratio d=10⁶ / d=10³: {per[1_000_000] / per[1000]:.2f} (target ≈ 1)")


if __name__ == "__main__":
    main()
