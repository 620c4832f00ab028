"""Benchmark: μ_0..μ_30 (h_p = He_p/√(p!)) of every named activation, from a cold cache.

Prints, per activation: the route, the time, how many coefficients are exact, and the worst
relative error of the others (error/|approx|; for exact coefficients it is 0). The target is
"exact or ≥ 25 significant digits" for all, in ≤ 30 s in total on 2 cores.

Run: ``python benchmarks/bench_hermite.py [--n 30] [--dps 30]``. A benchmark that prints
times, not a timed test.
"""

from __future__ import annotations

import argparse
import time

import mpmath

from theory import hermite

NAMES = ("relu", "abs", "leaky_relu", "sigmoid", "tanh", "erf", "gelu", "silu", "softplus",
         "quadratic", "cubic", "He3", "h4", "step", "sign")


def digits(c: hermite.Coefficient) -> float:
    """Significant digits of a coefficient: inf if exact, else -log10(error/|approx|)."""
    if c.exact:
        return float("inf")
    if c.error == 0:
        return float("inf")
    return float(-mpmath.log10(c.error / abs(c.approx)))


def main(n: int = 30, dps: int = 30) -> float:
    print(f"mu_0..mu_{n} at dps={dps} (h_p = He_p/sqrt(p!), unit-variance Gaussian)")
    print(f"{'activation':<12} {'method':<13} {'time/s':>7} {'exact':>6} {'worst rel err':>14} "
          f"{'min digits':>10}")
    total = 0.0
    worst_digits = float("inf")
    for name in NAMES:
        t0 = time.perf_counter()
        cs = hermite.mus(name, n, dps)
        dt = time.perf_counter() - t0
        total += dt
        n_exact = sum(c.exact for c in cs)
        inexact = [c for c in cs if not c.exact]
        rel = max((float(c.error / abs(c.approx)) for c in inexact), default=0.0)
        dig = min((digits(c) for c in cs), default=float("inf"))
        worst_digits = min(worst_digits, dig)
        print(f"{name:<12} {cs[-1].method:<13} {dt:7.2f} {n_exact:>3}/{len(cs):<2} {rel:14.2e} "
              f"{dig:10.1f}")
    print(f"total {total:.2f} s; fewest significant digits over all: {worst_digits:.1f}")
    return total


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--dps", type=int, default=30)
    args = ap.parse_args()
    main(args.n, args.dps)
