r"""Thm. 19 (C.3, p.31; informal Thm. 3, p.5): on Claim 2's construction with σ = h_p (p ≥ 3),
ξ = 1, λ_i = 1, fine-tuning learns u in O(dk²/ε⁴) samples; from scratch, CSQ algorithms need
d^{p/2} queries (cited, not simulated).

**Setting**: normalised rows of Claim 2's construction (:mod:`numerics.experiments.common`,
``features="claim2"``: rows from :func:`theory.constructions.claim2_signs`, c = s/√k, u ⊥ W,
the teacher's normalised rows orthonormal), ĉ ~ Unif{±1/√k}^k conditioned as in
:mod:`numerics.experiments.sweep`, σ = h₃ (p = 3), ĉ frozen, Eq. 4, ε = 0.1; the best-η step
count (:mod:`numerics.experiments.passage`).

**Printed**: T = O(dk²/ε⁴); Thm. 16 with Lemma 17's variance and the proof's S_k = Ω(1/√k)
gives dk³ (DC-RATES.l). **Measured**: exponents in d (at k = 4) and k, against both.

**Illustration** (the project's, not the paper's; labelled so): training all k rows from a
random start (full engine, ``scratch`` variant, spherical SGD per row, ηd = 0.005) on the same
teacher at small d for ``scratch_steps`` steps, beside fine-tuning's steps to success at that d:
the CSQ lower bound says nothing about this SGD; the figure only shows what happens.

>>> PRINTED_K
{'h3': (2.0, 3.0)}
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from numerics import grid
from numerics.experiments import common as cm
from numerics.experiments import sweep
from numerics.experiments.thm11 import theorem_run

__all__ = ["ID", "PROFILES", "PAPER", "plan", "run"]

ID = "DC-T19"
TAG = 19
REGIME = sweep.REGIMES["thm19"]
CONVENTION = ("normalised rows of Claim 2's construction, ξ = 1, λ_i = 1, σ = h₃, ĉ quantised "
              "(conditioned on |h(0)| ≥ its lower quartile), ĉ frozen, Eq. 4, ε = 0.1, η the "
              "best of a factor-2 grid per instance")
PAPER = {"d": "fine-tuning needs Õ(d) online SGD iterations (informal Thm. 3)",
         "k": "O(dk²/ε⁴) samples (Thm. 19; Thm. 16 with Lemma 17 gives dk³: DC-RATES.l)"}
#: σ → (printed power of k, the power Thm. 16 with Lemma 17 gives).
PRINTED_K = {"h3": (2.0, 3.0)}
PROFILES: dict[str, dict[str, Any]] = {
    "quick": {"d_sweep": ((50, 200), 4, ("h3",)), "k_sweep": (100, (4, 8), ("h3",)),
              "instances": 3, "runs": 3, "max_steps": 100_000,
              "scratch": {"d": 20, "k": 4, "runs": 4, "steps": 10_000}},
    "standard": {"d_sweep": ((100, 400, 1600), 4, ("h3",)),
                 "k_sweep": (200, (4, 8, 16), ("h3",)),
                 "instances": 3, "runs": 4, "max_steps": 1_000_000,
                 "scratch": {"d": 30, "k": 4, "runs": 8, "steps": 150_000}},
    "paper": {"d_sweep": ((250, 1000, 4000), 4, ("h3",)),
              "k_sweep": (1000, (4, 8, 16, 32), ("h3",)),
              "instances": 5, "runs": 6, "max_steps": 20_000_000,
              "scratch": {"d": 40, "k": 4, "runs": 8, "steps": 400_000}},
}


def _scratch_tasks(P: dict, seed: int) -> list:
    S = P["scratch"]
    s = cm.spec(d=S["d"], k=S["k"], xi=1.0, act="h3", seed=[seed, TAG, 7], features="claim2",
                lam="equal")
    s["chat_seed"] = [seed, TAG, 7, 1]
    full = grid.Task("numerics.experiments.common:full_task",
                     {"instance": s, "runs": S["runs"], "steps": S["steps"],
                      "lr": 0.005 / S["d"], "variant": "scratch", "record": 50, "eps": 0.1})
    ft = grid.Task("numerics.experiments.common:chain_task",
                   {"instance": s, "runs": S["runs"], "steps": S["steps"],
                    "lr": 0.005 / S["d"], "variant": "frozen", "record": 50, "eps": 0.1,
                    "sign_flip": True})
    return [(("scratch",), full), (("finetune",), ft)]


def plan(profile: str, seed: int) -> list:
    """Labelled tasks: the sweeps (:func:`sweep.theorem_plan`) and the scratch illustration."""
    return sweep.theorem_plan(REGIME, PROFILES[profile], seed, TAG)[0] + \
        _scratch_tasks(PROFILES[profile], seed)


def run(profile: str = "standard", seed: int = cm.DEFAULT_SEED, outdir: Path | None = None,
        scheduler=None, cache="default", progress: bool = False) -> cm.Outcome:
    """Run the sweeps and the illustration."""
    t0 = time.perf_counter()
    P = PROFILES[profile]
    o = theorem_run(ID, REGIME, TAG, P, PRINTED_K, PAPER, CONVENTION, profile, seed, outdir,
                    scheduler, cache, progress)
    res, gr = cm.run_labelled(_scratch_tasks(P, seed), seed=seed, scheduler=scheduler,
                              cache=cache, progress=progress, desc=ID + " scratch")
    sc, ft = res[("scratch",)], res[("finetune",)]
    S = P["scratch"]
    ms, mf = float(np.median(sc["m"][:, -1])), float(np.median(np.abs(ft["m"][:, -1])))
    tf = ft["t_success"].astype(float)
    tf[tf < 0] = math.inf
    o.data["scratch"] = {"d": S["d"], "k": S["k"], "steps": S["steps"], "lr": 0.005 / S["d"],
                         "scratch_final_projection": ms, "finetune_final_overlap": mf,
                         "finetune_median_t_success": float(np.median(tf))}
    o.ours["illustration"] = (f"(illustration, d = {S['d']}, k = {S['k']}, ηd = 0.005, "
                              f"{S['steps']} steps) fine-tuning: median |⟨û, u⟩| = {mf:.3f} "
                              f"(success at {np.median(tf):.3g} steps); from scratch: median "
                              f"‖Π_span(Ŵ) u‖ = {ms:.3f}")
    o.tasks += 2
    o.computed += gr.computed
    o.cached += gr.cached
    o.seconds = time.perf_counter() - t0
    if outdir is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(5, 3.4))
        cm.draw_panel(ax, ft["steps"], {"fine-tuning |⟨û_t, u⟩|": np.abs(ft["m"]),
                                        "from scratch ‖Π_span(Ŵ_t) u‖": sc["m"]},
                      title=f"illustration (ours): d = {S['d']}, k = {S['k']}, h₃, Claim 2",
                      ylabel="overlap", band_of="all", one_run=False)
        ax.legend(fontsize=6)
        o.files.append(cm.save_figure(fig, Path(outdir) / "dc-t19-scratch", CONVENTION,
                                      "CSQ lower bound d^{p/2} for learning from scratch "
                                      "(cited, not simulated)", o.ours["illustration"]))
        o.files += cm.write_raw(Path(outdir) / "dc-t19-scratch", {
            "steps": ft["steps"], "finetune_m": ft["m"], "scratch_m": sc["m"]})
    return o
