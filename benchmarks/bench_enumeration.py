"""Cost of the exact enumeration of |xᵀQy| over {±1}^k × {±1}^k (numerics/enumeration.py), and its
agreement with Monte Carlo.

For each k: wall time of :func:`numerics.enumeration.bilinear_histogram` for Q = I (few values:
the dynamic-programming path) and for a random integer PSD Q = AAᵀ (many values: the Gray-code
path, 4^{k−1} pairs), the exact Pr[|xᵀQy| ≤ ε‖Q‖_F] at ε = 0, 0.1, and a 10⁶-draw Monte Carlo
estimate with its 99.9% Clopper–Pearson interval. The compile time (first call) is printed apart.

    python benchmarks/bench_enumeration.py [kmax]
"""

from __future__ import annotations

import sys
import time
from fractions import Fraction

import numba
import numpy as np

from numerics.enumeration import bilinear_histogram, bilinear_sample, small_ball_exact
from numerics.intervals import clopper_pearson


def main(kmax: int = 18) -> None:
    t0 = time.perf_counter()
    bilinear_histogram(np.eye(3, dtype=np.int64))
    print(f"threads: {numba.get_num_threads()}; compile or cache load: "
          f"{time.perf_counter() - t0:.2f} s")
    rng = np.random.default_rng(0)
    print(f"{'k':>3} {'Q':<6} {'Σ|Q|':>7} {'time [s]':>9} {'Pr[=0]':>10} {'Pr[≤0.1‖Q‖]':>12} "
          f"{'MC 10⁶ (99.9% CP) at 0.1':>28}")
    for k in range(10, kmax + 1, 2):
        A = rng.integers(-3, 4, (k, k // 2))
        for name, Q in (("I", np.eye(k, dtype=np.int64)), ("AAᵀ", A @ A.T)):
            t = time.perf_counter()
            p0, p1 = small_ball_exact(Q, [0, Fraction(1, 10)])
            dt = time.perf_counter() - t
            v = bilinear_sample(Q, 1_000_000, rng)
            frob = float(np.sqrt((Q.astype(float) ** 2).sum()))
            n = int((v <= 0.1 * frob).sum())
            lo, hi = clopper_pearson(n, v.size, alpha=1e-3)
            ok = "agrees" if lo <= float(p1) <= hi else "DISAGREES"
            print(f"{k:>3} {name:<6} {int(np.abs(Q).sum()):>7} {dt:>9.3f} {float(p0):>10.5f} "
                  f"{float(p1):>12.5f}   [{lo:.5f}, {hi:.5f}] {ok}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 18)
