"""Speed of the vectorised h(m) used by the numeric layer.

Target (foundation issue): 100 values of m for k = 50 and a general (non-orthonormal) Gram
matrix in ≤ 5 ms. Prints the median of repeated timings for several activations; the one-time
set-up (Hermite coefficients, lambdify) is timed separately.

    python benchmarks/bench_population.py
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import time  # noqa: E402

import numpy as np  # noqa: E402

from theory.population import hfun  # noqa: E402


def main() -> None:
    rng = np.random.default_rng(0)
    k, d = 50, 2000
    W = rng.standard_normal((k, d))
    W /= np.linalg.norm(W, axis=1, keepdims=True)
    G = W @ W.T
    lam = rng.uniform(0.5, 1.5, size=k)
    c = rng.choice([-1.0, 1.0], size=k) / np.sqrt(k)
    chat = rng.choice([-1.0, 1.0], size=k) / np.sqrt(k)
    m = np.linspace(-1, 1, 100)
    print(f"h(m) at 100 values of m, k = {k}, random unit rows (general Gram matrix)")
    head = f"{'activation':<12}{'convention':<12}{'set-up [ms]':>12}{'median [ms]':>13}"
    print(head + f"{'≤ 5 ms':>9}")
    for act in ("relu", "erf", "He3", "tanh", "sigmoid", "gelu"):
        for conv in ("normalised", "raw"):
            t0 = time.perf_counter()
            try:
                h = hfun(G, lam, c, chat, 1.0, act, conv)
                h(m)
            except NotImplementedError as err:
                print(f"{act:<12}{conv:<12}  n/a: {err}")
                continue
            setup = time.perf_counter() - t0
            ts = []
            for _ in range(30):
                t0 = time.perf_counter()
                h(m)
                ts.append(time.perf_counter() - t0)
            med = float(np.median(ts)) * 1e3
            ok = "ok" if med <= 5 else "MISSED"
            print(f"{act:<12}{conv:<12}{setup * 1e3:>12.1f}{med:>13.3f}{ok:>9}")


if __name__ == "__main__":
    main()
