r"""Thm. 12 (A.2, p.19–20; orthonormal W, ξ = ξ̄√k): steps to ⟨u_T, u⟩² ≥ 1 − ε, measured.

**Printed**: T = ⌈αλ⁴_max ξ̄² dk⁴⌉ = Õ(λ⁴_max/(λ⁴_min γ² ξ̄²) · dk⁴/ε⁴) · {1/k if μ₁(σ) ≠ 0;
1 otherwise}, η = δ/(ξ̄²λ⁴_max dk⁴); informal Thm. 1 (p.4): η = Θ̃(ε³/dk^{7/2}), T = Θ̃(dk⁴/ε⁴).
DC-RATES: the theorem's own η, δ, α give dk² (μ₁ ≠ 0) and dk³ (μ₁ = 0).

**Measured** as :mod:`numerics.experiments.thm11` with ξ = ξ̄√k, ξ̄ = ½ (the theorem asks a
"sufficiently small" ξ̄; our choice).

>>> PRINTED_K["relu"]
(3.0, 2.0)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from numerics.experiments import common as cm
from numerics.experiments import sweep
from numerics.experiments.thm11 import theorem_run

__all__ = ["ID", "PROFILES", "PAPER", "plan", "run"]

ID = "DC-T12"
TAG = 12
REGIME = sweep.REGIMES["thm12"]
CONVENTION = ("normalised rows (App. D.1), orthonormal W, ξ = ξ̄√k with ξ̄ = 1/2, λ ~ Unif[1/2, "
              "3/2], c, ĉ quantised (conditioned on |h(0)| ≥ its lower quartile), ĉ frozen, "
              "Eq. 4, ε = 0.1, η the best of a factor-2 grid per instance")
PAPER = {"d": "T = Õ(d), the same for every σ",
         "k": "T = Õ(dk³/ε⁴) if μ₁(σ) ≠ 0, Õ(dk⁴/ε⁴) if μ₁(σ) = 0 (the theorem's own η, δ, α "
              "give dk² and dk³: DC-RATES)"}
PRINTED_K = {"relu": (3.0, 2.0), "h3": (4.0, 3.0)}
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
