r"""Fig. 3 (App. B, p.21–22): ξ = Θ(√k), joint training; the linearised (kernel) student against
the true low-rank student, and ⟨u_t, u⟩ against ⟨ĉ_t, c⟩.

**Setting**: Fig. 2's (App. B rows as printed, ReLU, w_i uniform, c, ĉ₀ uniform on S^{k−1}, û
projected off span W, λ_i = 1) with ξ = √k (our reading of "Θ(√k)"), ĉ and û trained jointly
(η_c = η = 0.02/d). The linearised student is f₀ plus its first-order Taylor term in the
perturbation ξĉûᵀ (variant ``linearised``, :mod:`numerics.sgd`), trained the same way.

**Paper**: (a) the linearised network's loss stays flat (≈ 1.4 over 2·10⁶ steps) while the
original network's falls from ≈ 1.8 to ≈ 0.03 after ≈ 3·10⁵ steps; (b) ⟨u_t, u⟩ rises to 1 by
≈ 4.5·10⁵ steps while ⟨c_t, c⟩ stays low (≈ 0.1) and then climbs slowly (≈ 0.55 at 2·10⁶).

**Checks**: (a) median loss over the last recorded window / the first: ≥ 1/2 for the linearised
student ("stuck"), ≤ 1/10 for the true one ("converges"); (b) "incremental": at the step where
the median ⟨u_t, u⟩ (branch sign) first reaches 0.9, the median ⟨ĉ_t, c⟩ (same sign) is below 1/2
and it is higher at the end. Loss = the mean per-sample loss over each recording window (an
unbiased estimate of the population loss, :class:`numerics.sgd.Trace`).

>>> PROFILES["paper"]["d"], PROFILES["paper"]["steps"]
(2000, 2000000)
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from numerics.experiments import common as cm

__all__ = ["ID", "PROFILES", "PAPER", "plan", "run"]

ID = "DC-FIG3"
CONVENTION = ("App. B rows as printed (f = (1/ξ) Σ λ_i σ(⟨v_i, x⟩), v_i = (k/(k+ξ²))(w_i + ξ c_i "
              "u)); ReLU, ξ = √k, λ_i = 1, c, ĉ₀ ~ Unif(S^{k−1}), joint training, û projected")
PAPER = {"a": "linearised (kernel) model stuck at a loss plateau (≈ 1.4) while the original "
              "network's loss falls to ≈ 0.03 after ≈ 3·10⁵ steps",
         "b": "⟨u_t, u⟩ rises to 1 (≈ 4.5·10⁵ steps) while ⟨c_t, c⟩ stays low, then climbs "
              "slowly (≈ 0.55 at 2·10⁶): incremental learning"}
PROFILES: dict[str, dict[str, Any]] = {
    "quick": {"d": 60, "k": 10, "instances": 1, "runs": 4, "steps": 50_000},
    "standard": {"d": 500, "k": 20, "instances": 2, "runs": 4, "steps": 500_000},
    "paper": {"d": 2000, "k": 50, "instances": 3, "runs": 4, "steps": 2_000_000},
}
STUCK, CONVERGED = 0.5, 0.1


def _spec(d, k, seed, i):
    return cm.spec(d=d, k=k, xi=math.sqrt(k), act="relu", seed=[seed, 3, i], features="random",
                   lam="equal", c="sphere", convention="appB")


def plan(profile: str, seed: int) -> list:
    """Labelled tasks: ("true"|"lin", i), ("agree",)."""
    P = PROFILES[profile]
    out = []
    for i in range(P["instances"]):
        s = _spec(P["d"], P["k"], seed, i)
        for lab, var in (("true", "joint"), ("lin", "joint+linearised")):
            out.append(((lab, i), cm.chain(s, runs=P["runs"], steps=P["steps"],
                                           lr=cm.ETAD_APPB / P["d"], variant=var)))
    s = cm.spec(d=40, k=4, xi=2.0, act="relu", seed=[seed, 3, 99], features="random",
                c="sphere", convention="appB")
    out.append((("agree",), cm.agreement(s, variant="joint+linearised", lr=0.02)))
    return out


def _loss_ratio(L: np.ndarray) -> float:
    med = np.median(L, axis=0)
    return float(med[-1] / med[1])


def run(profile: str = "standard", seed: int = cm.DEFAULT_SEED, outdir: Path | None = None,
        scheduler=None, cache="default", progress: bool = False) -> cm.Outcome:
    """Run Fig. 3 at a profile."""
    t0 = time.perf_counter()
    P = PROFILES[profile]
    lab = plan(profile, seed)
    res, gr = cm.run_labelled(lab, seed=seed, scheduler=scheduler, cache=cache,
                              progress=progress, desc=ID)
    n = P["instances"]
    steps = res[("true", 0)]["steps"]
    L = {v: np.vstack([res[(v, i)]["loss"] for i in range(n)]) for v in ("true", "lin")}
    r_true, r_lin = _loss_ratio(L["true"]), _loss_ratio(L["lin"])
    loss0 = {v: float(np.median(L[v][:, 1])) for v in L}
    loss1 = {v: float(np.median(L[v][:, -1])) for v in L}
    Ms = [cm.signed(res[("true", i)]) for i in range(n)]
    Cs = [res[("true", i)]["cc"] * cm.branch_sign(res[("true", i)]["m"])[:, None]
          for i in range(n)]
    inc = []
    for M, C in zip(Ms, Cs, strict=True):
        tu = cm.half_time(steps, M, 0.9)
        if not math.isfinite(tu):
            inc.append({"t_u": tu, "cc_at_t_u": math.nan, "cc_end": float(np.median(C[:, -1])),
                        "incremental": False})
            continue
        j = int(np.searchsorted(steps, tu))
        ccu = float(np.median(C[:, j]))
        cce = float(np.median(C[:, -1]))
        inc.append({"t_u": tu, "cc_at_t_u": ccu, "cc_end": cce, "cc_start":
                    float(np.median(C[:, 0])), "incremental": ccu < 0.5 and cce > ccu})
    ok_b = all(x["incremental"] for x in inc)
    ok_a = r_lin >= STUCK and r_true <= CONVERGED
    ag = res[("agree",)]
    ours = {"a": f"median loss: linearised {loss0['lin']:.3g} → {loss1['lin']:.3g} (×"
                 f"{r_lin:.2f}), true {loss0['true']:.3g} → {loss1['true']:.3g} (×{r_true:.3f})"
                 f" over {P['steps']:.0e} steps",
            "b": "; ".join(f"⟨u, u⟩ = 0.9 at {x['t_u']:.3g} steps with ⟨ĉ, c⟩ = "
                           f"{x['cc_at_t_u']:.2f}, {x['cc_end']:.2f} at the end" for x in inc)}
    checks = {
        "a": {"status": "supported" if ok_a else "not-supported", "summary": ours["a"],
              "ratio_lin": r_lin, "ratio_true": r_true, "loss_start": loss0, "loss_end": loss1,
              "tolerance": f"stuck: end/start ≥ {STUCK}; converges: end/start ≤ {CONVERGED}"},
        "b": {"status": "supported" if ok_b else "not-supported", "summary": ours["b"],
              "instances": inc, "tolerance": "at ⟨u, u⟩ = 0.9: ⟨ĉ, c⟩ < 0.5, and it grows after"},
        "agreement": {"status": "supported" if ag["same_law"] and ag["power"] else
                      "not-supported", **ag,
                      "summary": cm.agreement_summary(ag, "d = 40, k = 4, ξ = 2, App. B, "
                                                      "linearised + joint, m₀ = 0.3")},
    }
    files = []
    if outdir is not None:
        files = _write(Path(outdir), P, seed, steps, L, Ms, Cs, ours)
    return cm.Outcome(ID, {"profile": P, "incremental": inc, "loss_ratio": {
        "true": r_true, "lin": r_lin}, "agreement": ag}, checks, PAPER, ours, CONVENTION,
        {"eta": f"η = η_c = {cm.ETAD_APPB}/d", "xi": "√k", "lambda": "1"}, files, len(lab),
        gr.computed, gr.cached, time.perf_counter() - t0, profile, seed)


def _write(out, P, seed, steps, L, Ms, Cs, ours) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.6))
    cm.draw_panel(a1, steps[1:], {"Linearized Network": L["lin"][:, 1:],
                                  "Original Network": L["true"][:, 1:]},
                  title="(a) loss, linearised vs original", ylabel="loss", band_of="all")
    a1.legend(fontsize=6)
    M, C = np.vstack(Ms), np.vstack(Cs)
    cm.draw_panel(a2, steps, {"⟨u_t, u⟩": M, "⟨c_t, c⟩": C},
                  title="(b) ⟨u_t, u⟩ and ⟨ĉ_t, c⟩ (branch sign), ξ = √k", ylabel="alignment",
                  band_of="all", colors=["k", "r"])
    a2.legend(fontsize=6)
    fig.tight_layout()
    files = [cm.save_figure(fig, out / "fig3", CONVENTION + f"; η = {cm.ETAD_APPB}/d",
                            " ".join(PAPER.values()), " ".join(ours.values()))]
    files += cm.write_raw(out / "fig3-curves", {"steps": steps, "loss_true": L["true"],
                                                "loss_lin": L["lin"], "m": M, "cc": C})
    b = {v: np.median(L[v], axis=0) for v in L}
    files += cm.write_raw(out / "fig3-median", {}, {
        "step": steps, "loss_true": b["true"], "loss_lin": b["lin"],
        "m": np.median(M, axis=0), "cc": np.median(C, axis=0)})
    files += cm.save_instances(out / "fig3-instance", [_spec(P["d"], P["k"], seed, i)
                                                       for i in range(P["instances"])])
    return files
