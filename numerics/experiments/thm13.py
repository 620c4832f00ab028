r"""Thm. 13 (A.2, p.20; angularly separated W, Assumption 5, ξ = 1): steps to ⟨u_T, u⟩² ≥ 1 − ε.

**Printed**: T = ⌈αλ⁴_max dk²⌉ = Õ(λ⁴_max/(λ⁴_min γ²) · dk³/ε⁴) for every σ (δ carries a
1/√k), η = λ⁴_max δ/(dk²) (DC-RATES: Thm. 16 gives η ∝ 1/(dk^{5/2})); informal Thm. 2 (p.5):
η = Θ̃(ε³/dk^{5/2}), T = Θ̃(dk³/ε⁴). Its own parameters give dk³ as printed.

**Measured** as :mod:`numerics.experiments.thm11` with W's rows uniform on S^{d−1} redrawn until
|⟨w_i, w_j⟩| ≤ 1 − log k/√k (:func:`numerics.problem.features` "separated"); a new W at every d
(the d-fit pools instances: a pairs bootstrap).

>>> PRINTED_K["h3"]
(3.0, 3.0)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from numerics.experiments import common as cm
from numerics.experiments import sweep
from numerics.experiments.thm11 import theorem_run

__all__ = ["ID", "PROFILES", "PAPER", "plan", "run"]

ID = "DC-T13"
TAG = 13
REGIME = sweep.REGIMES["thm13"]
CONVENTION = ("normalised rows (App. D.1), separated random W (Assumption 5), ξ = 1, λ ~ "
              "Unif[1/2, 3/2], c, ĉ quantised (conditioned on |h(0)| ≥ its lower quartile), "
              "ĉ frozen, Eq. 4, ε = 0.1, η the best of a factor-2 grid per instance")
PAPER = {"d": "T = Õ(d), the same for every σ",
         "k": "T = Õ(dk³/ε⁴) for every σ (the theorem's own η, δ, α give dk³ too)"}
PRINTED_K = {"relu": (3.0, 3.0), "h3": (3.0, 3.0)}
PROFILES: dict[str, dict[str, Any]] = {
    "quick": {"d_sweep": ((50, 200), 4, ("relu",)), "k_sweep": (100, (4, 8), ("relu",)),
              "instances": 3, "runs": 3, "max_steps": 100_000},
    "standard": {"d_sweep": ((100, 400, 1600), 4, ("relu", "h3")),
                 "k_sweep": (200, (4, 8, 16), ("relu", "h3")),
                 "instances": 3, "runs": 4, "max_steps": 1_000_000},
    "paper": {"d_sweep": ((250, 1000, 4000), 8, ("relu", "h3")),
              "k_sweep": (500, (4, 8, 16, 32), ("relu", "h3")),
              "instances": 5, "runs": 6, "max_steps": 5_000_000},
}


def plan(profile: str, seed: int) -> list:
    """Labelled tasks (see :func:`numerics.experiments.sweep.theorem_plan`)."""
    return sweep.theorem_plan(REGIME, PROFILES[profile], seed, TAG)[0]


def run(profile: str = "standard", seed: int = cm.DEFAULT_SEED, outdir: Path | None = None,
        scheduler=None, cache="default", progress: bool = False) -> cm.Outcome:
    """Run the sweeps, fit, write the figure and the table."""
    return theorem_run(ID, REGIME, TAG, PROFILES[profile], PRINTED_K, PAPER, CONVENTION,
                       profile, seed, outdir, scheduler, cache, progress)
