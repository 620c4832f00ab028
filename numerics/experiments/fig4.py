r"""Fig. 4 (App. B, p.22–23; panel (b) is Fig. 1(a), p.6): σ ∈ {ReLU, sigmoid, quadratic, He₃},
joint training, û **not** projected off span(W); (a) ξ = 1, (b) ξ = Θ(√k).

**Setting**: App. B rows as printed, d, k, w_i, c, ĉ₀ as Fig. 2, λ_i = 1, û₀ uniform on S^{d−1}
(variant ``joint+unprojected``), ξ = √k for "Θ(√k)". Two step-size rules: the common
η = 0.02/d of every App. B figure, and for each (σ, ξ) the best ηd of the decade grid
:data:`common.ETAD_DECADES` (least steps for the median ⟨u_t, u⟩ to reach 0.9 within the
panel), since σ's gradient scales differ by orders of magnitude (E[g²] at the start ranges over
~10⁶ across these four σ at d = 2000, k = 50).

**Paper**: all four reach ⟨u_t, u⟩ ≈ 1 within 2·10⁵ steps (a) / ≈ 3·10⁵ (b) with no plateau
at initialisation; "the iteration complexity of fine tuning with SGD does not depend sensitively
on information exponent".

**Checks**: (a) no plateau: at each curve's best η, the median takes at most half of its time to
0.9 to leave 0.1 (t₀.₁/t₀.₉ ≤ 1/2; a saddle at m = 0, as for a GLM with l* ≥ 2, gives
t₀.₁/t₀.₉ → 1); (b) insensitivity: at the best η the largest t₀.₉ over σ is within a factor 10
of the smallest, and every σ reaches 0.9 within the panel; (c) the same at the common η.

>>> ACTS
('relu', 'sigmoid', 'quadratic', 'He3')
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from numerics.experiments import common as cm

__all__ = ["ID", "PROFILES", "PAPER", "ACTS", "plan", "run"]

ID = "DC-FIG4"
ACTS = ("relu", "sigmoid", "quadratic", "He3")
CONVENTION = ("App. B rows as printed; σ ∈ {ReLU, sigmoid, quadratic, He₃}; λ_i = 1; c, ĉ₀ ~ "
              "Unif(S^{k−1}); joint training; û not projected off span W (û₀ ~ Unif(S^{d−1}))")
PAPER = {"a": "ξ = 1: all four σ reach ⟨u_t, u⟩ ≈ 1 within 2·10⁵ steps, no plateau at "
              "initialisation",
         "b": "ξ = Θ(√k): all four reach ≈ 1 within ≈ 3·10⁵ of 10⁶ steps; the iteration "
              "complexity does not depend sensitively on the information exponent"}
PROFILES: dict[str, dict[str, Any]] = {
    "quick": {"d": 60, "k": 6, "runs": 2, "steps": (10_000, 20_000), "grid_runs": 2,
              "acts": ("relu", "He3")},
    "standard": {"d": 500, "k": 20, "runs": 4, "steps": (50_000, 250_000), "grid_runs": 2},
    "paper": {"d": 2000, "k": 50, "runs": 4, "steps": (200_000, 1_000_000), "grid_runs": 2},
}
NO_PLATEAU, INSENSITIVE = 0.5, 10.0


def _spec(d, k, xi, act, seed):
    return cm.spec(d=d, k=k, xi=xi, act=act, seed=[seed, 4], features="random", lam="equal",
                   c="sphere", convention="appB")


def plan(profile: str, seed: int) -> list:
    """("common", panel, σ) main runs, ("grid", panel, σ, ηd), ("agree",)."""
    P = PROFILES[profile]
    out = []
    for panel, xi, steps in (("a", 1.0, P["steps"][0]), ("b", math.sqrt(P["k"]),
                                                         P["steps"][1])):
        for act in P.get("acts", ACTS):
            s = _spec(P["d"], P["k"], xi, act, seed)
            out.append((("common", panel, act),
                        cm.chain(s, runs=P["runs"], steps=steps, lr=cm.ETAD_APPB / P["d"],
                                 variant="joint+unprojected")))
            for etad in cm.ETAD_DECADES:
                if etad == cm.ETAD_APPB:
                    continue
                out.append((("grid", panel, act, etad),
                            cm.chain(s, runs=P["grid_runs"], steps=steps, lr=etad / P["d"],
                                     variant="joint+unprojected", record=100)))
    s = cm.spec(d=40, k=4, xi=1.0, act="He3", seed=[seed, 4, 99], features="random",
                c="sphere", convention="appB")
    out.append((("agree",), cm.agreement(s, variant="joint+unprojected", lr=0.002)))
    return out


def _times(r: dict) -> tuple[float, float]:
    M = cm.signed(r)
    return cm.half_time(r["steps"], M, 0.1), cm.half_time(r["steps"], M, 0.9)


def run(profile: str = "standard", seed: int = cm.DEFAULT_SEED, outdir: Path | None = None,
        scheduler=None, cache="default", progress: bool = False) -> cm.Outcome:
    """Run Fig. 4 at a profile."""
    t0 = time.perf_counter()
    P = PROFILES[profile]
    acts = P.get("acts", ACTS)
    lab = plan(profile, seed)
    res, gr = cm.run_labelled(lab, seed=seed, scheduler=scheduler, cache=cache,
                              progress=progress, desc=ID)
    table = {}
    for panel in ("a", "b"):
        for act in acts:
            t1c, t9c = _times(res[("common", panel, act)])
            best = (cm.ETAD_APPB, t1c, t9c, ("common", panel, act))
            for etad in cm.ETAD_DECADES:
                if etad == cm.ETAD_APPB:
                    continue
                t1, t9 = _times(res[("grid", panel, act, etad)])
                if t9 < best[2]:
                    best = (etad, t1, t9, ("grid", panel, act, etad))
            table[(panel, act)] = {"common_t0.1": t1c, "common_t0.9": t9c,
                                   "common_final": float(np.median(cm.signed(
                                       res[("common", panel, act)])[:, -1])),
                                   "best_etad": best[0], "best_t0.1": best[1],
                                   "best_t0.9": best[2], "best_key": best[3],
                                   "plateau_ratio": best[1] / best[2] if math.isfinite(best[2])
                                   else math.nan}
    checks, ours = {}, {}
    for panel in ("a", "b"):
        rows = [table[(panel, a)] for a in acts]
        t9 = np.array([r["best_t0.9"] for r in rows])
        pr = np.array([r["plateau_ratio"] for r in rows])
        reach = np.isfinite(t9)
        spread = float(t9[reach].max() / t9[reach].min()) if reach.any() else math.inf
        no_plat = bool(reach.all() and np.all(pr <= NO_PLATEAU))
        common_reach = [math.isfinite(r["common_t0.9"]) for r in rows]
        tc = np.array([r["common_t0.9"] for r in rows])
        spread_c = float(tc[np.isfinite(tc)].max() / tc[np.isfinite(tc)].min()) \
            if np.isfinite(tc).sum() >= 2 else math.inf
        ours[panel] = (", ".join(f"{a}: t₀.₉ = {r['best_t0.9']:.3g} at ηd = {r['best_etad']:g} "
                                 f"(t₀.₁/t₀.₉ = {r['plateau_ratio']:.2f})"
                                 for a, r in zip(acts, rows, strict=True))
                       + f"; at the common ηd = {cm.ETAD_APPB}: "
                       + ", ".join(f"{a} final {r['common_final']:.2f}"
                                   for a, r in zip(acts, rows, strict=True)))
        checks[f"{panel}:plateau"] = {
            "status": "supported" if no_plat else "not-supported",
            "summary": f"({panel}) t₀.₁/t₀.₉ at each σ's best η: "
                       + ", ".join(f"{a} {x:.2f}" for a, x in zip(acts, pr, strict=True)),
            "plateau_ratio": pr, "tolerance": f"no plateau: every t₀.₁/t₀.₉ ≤ {NO_PLATEAU}"}
        checks[f"{panel}:insensitive"] = {
            "status": "supported" if reach.all() and spread <= INSENSITIVE else "not-supported",
            "summary": f"({panel}) at each σ's best η: slowest/fastest t₀.₉ = ×{spread:.3g}; "
                       f"best ηd: " + ", ".join(f"{a} {r['best_etad']:g}" for a, r in
                                                  zip(acts, rows, strict=True)),
            "spread": spread, "tolerance": f"all reach 0.9 and spread ≤ {INSENSITIVE:g}"}
        checks[f"{panel}:common_eta"] = {
            "status": "supported" if all(common_reach) and spread_c <= INSENSITIVE
            else "not-supported",
            "summary": f"({panel}) one η = {cm.ETAD_APPB}/d for all σ: "
                       + ", ".join(f"{a} {'reaches 0.9 at ' + format(r['common_t0.9'], '.3g') if math.isfinite(r['common_t0.9']) else 'final ' + format(r['common_final'], '.2f')}"  # noqa: E501
                                   for a, r in zip(acts, rows, strict=True)),
            "spread": spread_c}
    ag = res[("agree",)]
    checks["agreement"] = {"status": "supported" if ag["same_law"] and ag["power"] else
                           "not-supported", **ag,
                           "summary": cm.agreement_summary(ag, "d = 40, k = 4, He₃, App. B, "
                                                           "joint + unprojected, m₀ = 0.3")}
    files = []
    if outdir is not None:
        files = _write(Path(outdir), P, seed, res, table, ours, acts)
    return cm.Outcome(ID, {"profile": P, "table": {f"{p}:{a}": v for (p, a), v in
                                                   table.items()}, "agreement": ag},
                      checks, PAPER, ours, CONVENTION,
                      {"eta": f"common η = {cm.ETAD_APPB}/d; per (σ, ξ) the best of ηd ∈ "
                              f"{cm.ETAD_DECADES}", "xi_b": "√k", "lambda": "1"},
                      files, len(lab), gr.computed, gr.cached, time.perf_counter() - t0,
                      profile, seed)


def _write(out, P, seed, res, table, ours, acts) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    files, raw = [], {}
    for col, (panel, T) in enumerate((("a", P["steps"][0]), ("b", P["steps"][1]))):
        for row, rule in enumerate(("best", "common")):
            ax = axes[row, col]
            cur = {}
            for act in acts:
                key = table[(panel, act)]["best_key"] if rule == "best" else \
                    ("common", panel, act)
                r = res[key]
                lab = f"Activation = {act}" + (f" (ηd = {table[(panel, act)]['best_etad']:g})"
                                               if rule == "best" else "")
                cur[lab] = (r["steps"], cm.signed(r))
                raw[f"{panel}_{rule}_{act}_steps"] = r["steps"]
                raw[f"{panel}_{rule}_{act}_m"] = cur[lab][1]
            for lab, (st, M) in cur.items():
                b = cm.band(M)
                ax.plot(st, M[0], lw=0.7)
                ax.plot(st, b["median"], lw=2, label=lab, color=ax.lines[-1].get_color())
            ax.set_title(f"({panel}) ξ = {'1' if panel == 'a' else '√k'}, "
                         f"{'each σ at its best η' if rule == 'best' else f'η = {cm.ETAD_APPB}/d'}",
                         fontsize=8)
            ax.set_xlabel("iterations")
            ax.set_ylabel("⟨u_t, u⟩ (branch sign)")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=6)
            ax.set_xlim(0, T)
    fig.tight_layout()
    files.append(cm.save_figure(fig, out / "fig4", CONVENTION, " ".join(PAPER.values()),
                                " ".join(ours.values())))
    files += cm.write_raw(out / "fig4-curves", raw)
    files += cm.save_instances(out / "fig4-instance",
                               [_spec(P["d"], P["k"], xi, a, seed) for xi in
                                (1.0, math.sqrt(P["k"])) for a in acts])
    return files
