"""`lowrank derive EXPR` in a fresh process, cold and cached, as ratios to `derive relu`.

For each expression: three runs with an empty coefficient cache (``LOWRANK_CACHE_DIR`` set to a
new temporary folder each time: "cold") and three with the cache that the first cold run left
("cached"), default options. Reported: the median wall time and the median CPU time (user +
system of the child process) of each, and their ratios to the same medians of `derive relu`
measured in the same run. Targets (issue #11): cold ≤ 3× relu, cached ≤ 1.2× relu. The
machine is shared (2 cores): CPU time is the steadier figure.

    python benchmarks/bench_derive.py [--markdown] [EXPR ...]
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

NAMED = ["relu", "abs", "leaky_relu", "sigmoid", "tanh", "erf", "gelu", "silu", "softplus",
         "quadratic", "cubic", "step", "sign", "He3", "h4"]
TYPED = ["tanh(2*x)", "x*sigmoid(x)", "sin(x)+x", "cos(x)", "exp(x)", "erf(x)+tanh(x)",
         "sin(1000*x)", "sin(1e6*x)", "exp(30*x)", "relu(x)-relu(x-1)", "sqrt(abs(x))**3",
         "tanh(1.2345678*x)", "sqrt(abs(x))"]


def one(expr: str, cache: str) -> tuple[float, float]:
    env = {**os.environ, "LOWRANK_CACHE_DIR": cache}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "numerics.cli", "derive", expr],
                         capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if res.returncode:
        raise SystemExit(f"derive {expr!r} failed: {res.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(expr: str) -> dict:
    cold, warm = [], []
    keep = tempfile.mkdtemp(prefix="bench-derive-")
    cold.append(one(expr, keep))
    for _ in range(2):
        cold.append(one(expr, tempfile.mkdtemp(prefix="bench-derive-")))
    for _ in range(3):
        warm.append(one(expr, keep))
    med = statistics.median
    return {"cold_wall": med(w for w, _ in cold), "cold_cpu": med(c for _, c in cold),
            "warm_wall": med(w for w, _ in warm), "warm_cpu": med(c for _, c in warm)}


def main(argv: list[str]) -> None:
    markdown = "--markdown" in argv
    exprs = [a for a in argv if not a.startswith("--")] or NAMED + TYPED
    exprs = ["relu"] + [e for e in exprs if e != "relu"]
    rows = {}
    for e in exprs:
        rows[e] = measure(e)
        r = rows[e]
        print(f"{e:22s} cold {r['cold_wall']:5.2f} s wall {r['cold_cpu']:5.2f} s cpu   "
              f"cached {r['warm_wall']:5.2f} s wall {r['warm_cpu']:5.2f} s cpu", flush=True)
    base = rows["relu"]
    if markdown:
        print("\n| expression | cold: s (CPU s) | cold / relu (CPU) | cached: s (CPU s) "
              "| cached / relu (CPU) |")
        print("|---|---|---|---|---|")
    for e, r in rows.items():
        cw, cc = r["cold_wall"] / base["cold_wall"], r["cold_cpu"] / base["cold_cpu"]
        ww, wc = r["warm_wall"] / base["cold_wall"], r["warm_cpu"] / base["cold_cpu"]
        if markdown:
            print(f"| `{e}` | {r['cold_wall']:.2f} ({r['cold_cpu']:.2f}) | {cw:.2f} ({cc:.2f}) "
                  f"| {r['warm_wall']:.2f} ({r['warm_cpu']:.2f}) | {ww:.2f} ({wc:.2f}) |")
        else:
            print(f"{e:22s} cold/relu {cw:4.2f} (cpu {cc:4.2f})   cached/relu {ww:4.2f} "
                  f"(cpu {wc:4.2f})")
    worst_c = max(r["cold_cpu"] / base["cold_cpu"] for r in rows.values())
    worst_w = max(r["warm_cpu"] / base["cold_cpu"] for r in rows.values())
    print(f"\nworst CPU ratios: cold {worst_c:.2f} (target ≤ 3), cached {worst_w:.2f} "
          "(target ≤ 1.2), against derive relu cold in the same run")


if __name__ == "__main__":
    main(sys.argv[1:])
