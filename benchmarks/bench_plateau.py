"""The plateau experiment at full size (prints the table; asserts nothing).

    python benchmarks/bench_plateau.py [quick|full] [seed]

Same as ``python -m numerics.experiments.plateau``: 20 random instances (erf, ReLU; d ∈ {100,
200, 400}; k = 4; orthonormal W; normalised rows; ηd log-uniform in [1, 8]), each predicted by
the population ODE, the effective ODE with and without W₂ and the exact-drift zero
(:mod:`numerics.ode`), against the median of 2000 reduced-chain runs with its bootstrap CI; then
whole runs at ηd ≤ 0.1 (population recursion and no-W₂ ODE against the median path). BLAS and
numba threads are set to 1 (the machine is shared). Takes several minutes.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"

import sys  # noqa: E402

from numerics.experiments.plateau import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:] or ["full", "0"]))
