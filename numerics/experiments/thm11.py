r"""Thm. 11 (A.2, p.19; orthonormal W, ξ = 1): steps to ⟨u_T, u⟩² ≥ 1 − ε, measured.

**Printed**: T = ⌈αλ⁴_max dk²⌉ = Õ(λ⁴_max/(λ⁴_min γ²) · dk³/ε⁴) · {1 if μ₁(σ) ≠ 0; k otherwise},
with η = δ/(λ⁴_max dk²). The report's DC-RATES found that the theorem's own η, δ, α give one power
of k less (dk² and dk³). Informal Thms. 1–2 (p.4–5): "the iteration complexity is linear in d,
independent of σ".

**Measured** (:mod:`numerics.experiments.sweep`, normalised rows, Assumptions 1–4, λ ~
Unif[1/2, 3/2], c, ĉ ~ Unif{±1/√k}^k conditioned on the theorem's event, ĉ frozen, Eq. 4, ε = 0.1):
the best-η step count per instance (:mod:`numerics.experiments.passage`), its exponent in d for
σ ∈ {ReLU (l* = 1), h₂, h₃, h₄ (l* = 2, 3, 4)} and in k for ReLU (μ₁ ≠ 0) and h₃ (μ₁ = 0).
What the fit can and cannot show: see :mod:`numerics.experiments.passage` (η is the best of a
grid, not the theorem's η; the exponents are finite-size, upper bounds on the optimum to the
grid's factor 2).

>>> sorted(PROFILES)
['paper', 'quick', 'standard']
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from numerics.experiments import common as cm
from numerics.experiments import sweep

__all__ = ["ID", "PROFILES", "PAPER", "plan", "run"]

ID = "DC-T11"
TAG = 11
REGIME = sweep.REGIMES["thm11"]
CONVENTION = ("normalised rows (App. D.1), orthonormal W (Assumption 4), ξ = 1, λ ~ Unif[1/2, "
              "3/2], c, ĉ quantised (conditioned on |h(0)| ≥ its lower quartile), ĉ frozen, "
              "Eq. 4, ε = 0.1, η the best of a factor-2 grid per instance")
PAPER = {"d": "T = Õ(d): linear in d, the same for every σ (every information exponent)",
         "k": "T = Õ(dk³/ε⁴) if μ₁(σ) ≠ 0, Õ(dk⁴/ε⁴) if μ₁(σ) = 0 (the theorem's own η, δ, α "
              "give dk² and dk³: DC-RATES)"}
#: σ → (printed power of k, power from the theorem's own parameters).
PRINTED_K = {"relu": (3.0, 2.0), "h3": (4.0, 3.0), "h2": (4.0, 3.0), "h4": (4.0, 3.0)}
PROFILES: dict[str, dict[str, Any]] = {
    "quick": {"d_sweep": ((50, 200), 4, ("relu", "h3")), "k_sweep": (100, (4, 8), ("relu",)),
              "instances": 3, "runs": 3, "max_steps": 100_000},
    "standard": {"d_sweep": ((100, 400, 1600), 4, ("relu", "h2", "h3", "h4")),
                 "k_sweep": (200, (4, 8, 16), ("relu", "h3")),
                 "instances": 3, "runs": 4, "max_steps": 1_000_000},
    "paper": {"d_sweep": ((250, 1000, 4000), 8, ("relu", "h2", "h3", "h4")),
              "k_sweep": (500, (4, 8, 16, 32), ("relu", "h3")),
              "instances": 5, "runs": 6, "max_steps": 20_000_000},
}


def plan(profile: str, seed: int) -> list:
    """Labelled tasks (see :func:`numerics.experiments.sweep.theorem_plan`)."""
    return sweep.theorem_plan(REGIME, PROFILES[profile], seed, TAG)[0]


def run(profile: str = "standard", seed: int = cm.DEFAULT_SEED, outdir: Path | None = None,
        scheduler=None, cache="default", progress: bool = False) -> cm.Outcome:
    """Run the sweeps, fit, write the figure and the table."""
    return theorem_run(ID, REGIME, TAG, PROFILES[profile], PRINTED_K, PAPER, CONVENTION,
                       profile, seed, outdir, scheduler, cache, progress)


def theorem_run(ID, regime, tag, P, printed_k, paper, convention, profile, seed, outdir,
                scheduler, cache, progress) -> cm.Outcome:
    """Shared by Thms. 11–13: plan, run, fit, summarise, draw."""
    t0 = time.perf_counter()
    lab, info = sweep.theorem_plan(regime, P, seed, tag)
    res, gr = cm.run_labelled(lab, seed=seed, scheduler=scheduler, cache=cache,
                              progress=progress, desc=ID)
    out = sweep.theorem_outcome(ID, regime, P, res, info, printed_k=printed_k, seed=seed)
    checks = out["checks"]
    dsum = "; ".join(v["summary"].split(" (")[0] for k, v in checks.items()
                     if k.startswith("d:"))
    ksum = "; ".join(v["summary"].split(", against")[0] for k, v in checks.items()
                     if k.startswith("k:"))
    ours = {"d": dsum, "k": ksum}
    files = []
    if outdir is not None:
        files = sweep.draw_theorem(Path(outdir), ID, P, out, convention,
                                   " ".join(paper.values()), " ".join(ours.values()))
        import json

        from numerics.atomic import write_atomic

        specs = [t.params["instance"] for _, t in lab if hasattr(t, "params")]
        write_atomic(Path(outdir) / f"{ID.lower()}-instances.json", json.dumps(specs))
        files.append(str(Path(outdir) / f"{ID.lower()}-instances.json"))
    data = {"profile": P, "rows": out["rows"], "fits": out["fits"],
            "allowance": out["allowance"], "conditioning": out["conditioning"]}
    return cm.Outcome(ID, data, checks, paper, ours, convention,
                      {"eta": "best of ηd ∈ {2, 1, ½, …} per instance (numerics.experiments."
                              "passage)", "eps": regime.get("eps"), "xi": regime["xi"],
                       "lambda": regime["lam"], "conditioning": "|h(0)| ≥ lower quartile"},
                      files, len(lab), gr.computed, gr.cached, time.perf_counter() - t0,
                      profile, seed)
