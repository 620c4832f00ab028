"""Claim DC-ODE (§3.1, p.9; App. C.1, p.26): SGD against the population recursion
``m̄_{t+1} = m̄_t + η h(m̄_t)(1 − m̄_t²)`` at small ηd, and against the effective ODE with SGD's
noise term (docs/derivations.md §2: the project's own, not the paper's) at larger ηd.

Convention: **normalised rows** (Prop. 4's), orthonormal W (Assumption 4), k = 4, ξ = 1,
λ ~ Unif[1/2, 3/2]^k, c, ĉ ~ Unif{±1/√k}^k (Assumption 3), u ⊥ span(W), ĉ frozen, Eq. 4's
projected gradient; the runs are the exact reduced chain (:mod:`numerics.sgd.reduced`, same law
as the full engine: tests/test_engines.py). The measurements are
:mod:`numerics.experiments.plateau`'s: whole runs from the paper's random start (û₀ uniform on
the sphere of span(W)^⊥, sign(m₀) = sign(h(0))), the largest distance between the runs' median
path and each prediction started at the median m₀; and stationary SGD plateaus.

Sub-checks:

* ``.a`` the rearrangement printed on p.26, ``|1 − m_{t+1}|/|1 − m_t| = |1 − ηh(m_t)(1 + m_t)|``
  for the recursion: exact (sympy; ``printed`` is a parameter so a test can feed a wrong form);
* ``.b`` SGD approaches the recursion as ηd → 0 (the statement is asymptotic): at each instance
  the gap at ηd = 0.03 is at most 0.6 of the gap at ηd = 0.1 (Derivation 2 predicts a gap
  proportional to ηd·V/h, ratio 0.3; a wrong h leaves a gap that does not shrink), or the
  recursion lies inside the median's 99.9% band at ηd = 0.03. ``supported`` or
  ``not-supported``; the evidence gives the gap per unit ηd and the ηd a gap of 0.02 needs (the
  gaps at ηd = 0.1 exceed 0.02: see :mod:`numerics.experiments.plateau`);
* ``.c`` the effective ODE without W₂ stays within 0.01 of the median's distribution-free 99.9%
  band (:func:`numerics.experiments.plateau.median_band`) over those whole runs, and its plateau
  is within 0.01 of the SGD plateau (median at stationarity, 95% bootstrap CI) where the noise
  size η²(d − r − 2)V(m*) is ≤ 0.003 (ηd halved until it is, before any SGD).

``h_factor`` and ``noise_scale`` alter the recursion's h and the ODE's noise term, for the tests
that show the verdicts flip.

>>> [s.id for s in ODE.subchecks]
['DC-ODE.a', 'DC-ODE.b', 'DC-ODE.c']
"""

from __future__ import annotations

import time

import numpy as np
import sympy as sp

from numerics.claims import Claim, Context, SubCheck, Verdict, register
from numerics.experiments import plateau as ex
from numerics.ode import reduced

__all__ = ["ODE", "ODE_SUB", "check_ode", "identity_verdict", "ode_sizes"]

CONV = ("normalised rows (App. D.1, Eq. 11), orthonormal W, k = 4, ξ = 1, λ ~ Unif[1/2, 3/2], "
        "c, ĉ quantised, ĉ frozen, Eq. 4")

ODE_SUB = (
    SubCheck("DC-ODE.a", "App. C.1, p.26",
             "Ignoring the error terms E_j and Q_j in the above, we get the recursion "
             "m_{t+1} = m_t + ηh(m_t)(1 − m_t²). Rearranging, we have |1 − m_{t+1}|/|1 − m_t| "
             "= |1 − ηh(m_t)(1 + m_t)|."),
    SubCheck("DC-ODE.b", "§3.1, p.9; App. C.1, p.26",
             "m_{t+1} = m_t + ηh(m_t)(1 − m_t²) + η⟨∇̂E_t(u_t; x_t), u⟩ + Q_t; ignoring the error "
             "terms, the population recursion m_{t+1} = m_t + ηh(m_t)(1 − m_t²) [describes SGD "
             "when ηd is small]"),
    SubCheck("DC-ODE.c", "docs/derivations.md §2 (the project's own, not the paper's)",
             "dm/dt = ηh(m)(1 − m²) − (η²/2) m (d − r − 2) V(m), V(m) = E[g²]: the effective "
             "ODE with SGD's noise term follows the SGD median, plateau included, at larger ηd"),
)

#: Tolerances: the recursion at ηd = 0.03 (the project's "follows"), its gap ratio 0.03 vs 0.1,
#: the effective ODE's path and plateau.
TOL_REC, RATIO, TOL_ODE = 0.02, 0.6, 0.01


def ode_sizes(ctx: Context) -> dict:
    """Sizes per profile: whole-run instances (σ, d), runs per ηd, plateau instances.

    >>> ode_sizes(Context(profile="quick"))["whole"]
    (('erf', 100),)
    """
    return {
        "whole": ctx.size((("erf", 100),), (("erf", 100), ("relu", 100))),
        "etad": (0.1, 0.03),
        "runs": ctx.size(400, 1000, 2000),
        "plateau": ctx.size((("erf", 100, 0.3),), (("erf", 100, 0.3), ("relu", 100, 1.0))),
        "plateau_runs": ctx.size(1000, 2000, 2000),
    }


def identity_verdict(printed=None) -> Verdict:
    """DC-ODE.a: simplify ``(1 − m_{t+1})/(1 − m_t) − printed`` for the recursion (|a|/|b| =
    |a/b|, so the absolute values follow). ``printed`` defaults to the paper's
    ``1 − ηh(1 + m)``, in sympy symbols ``m, eta, h``.

    >>> identity_verdict().status
    'confirmed'
    """
    t0 = time.perf_counter()
    m, eta, h = sp.symbols("m eta h", real=True)
    printed = 1 - eta * h * (1 + m) if printed is None else printed
    m1 = m + eta * h * (1 - m**2)
    diff = sp.simplify(sp.cancel((1 - m1) / (1 - m)) - printed)
    ok = diff == 0
    return Verdict(
        ODE_SUB[0].id, "confirmed" if ok else "refuted",
        summary=("(1 − m_{t+1})/(1 − m_t) = 1 − ηh(m_t)(1 + m_t) exactly (sympy)" if ok else
                 f"(1 − m_{{t+1}})/(1 − m_t) − printed = {diff}, not 0"),
        evidence={"ratio": str(sp.factor(sp.cancel((1 - m1) / (1 - m)))),
                  "printed": str(printed), "difference": str(diff)},
        tolerance="exact (rational functions in m, η, h)",
        justification="1 − m_{t+1} = (1 − m_t) − ηh(1 − m_t)(1 + m_t); sympy cancels 1 − m_t",
        convention="any (a statement about the scalar recursion)",
        seconds=round(time.perf_counter() - t0, 3))


def _measure(ctx: Context, h_factor: float, noise_scale: float) -> tuple[list, list, dict]:
    sz = ode_sizes(ctx)
    whole = []
    for i, (act, d) in enumerate(sz["whole"]):
        inst = ex.experiment_instance(act, d, np.random.default_rng([ctx.seed, 707, i]))
        red = reduced(inst)

        def h(m, _h=red.h):
            return h_factor * _h(m)

        for j, etad in enumerate(sz["etad"]):
            row = ex.recursion_check(inst, etad, sz["runs"],
                                     np.random.default_rng([ctx.seed, 707, i, j]), h=h,
                                     noise_scale=noise_scale)
            whole.append(row)
    plat = [ex.plateau_row(act, d, etad, sz["plateau_runs"],
                           np.random.SeedSequence([ctx.seed, 708, i]), label=f"#{i}",
                           noise_scale=noise_scale, max_noise=ex.NOISE_LIMIT)
            for i, (act, d, etad) in enumerate(sz["plateau"])]
    return whole, plat, sz


def _sig(x, digits: int = 10):
    """Floats rounded to ``digits`` significant digits, recursively. The ODE and quadrature
    values move in the 16th digit from run to run (BLAS reductions over two threads), and the
    report promises identical numbers for identical seeds; 10 digits is far below every
    tolerance here."""
    if isinstance(x, float):
        return float(f"{x:.{digits}g}")
    if isinstance(x, dict):
        return {k: _sig(v, digits) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(_sig(v, digits) for v in x)
    return x


def _row(r: dict) -> dict:
    keys = ("act", "d", "eta_d", "runs", "steps", "h0", "max_gap", "at_step", "median_at",
            "recursion_at", "max_gap_ode", "noise_path", "final_median", "final_recursion",
            "final_ode")
    return {k: r[k] for k in keys}


def _recursion_verdict(whole: list[dict], sz: dict, secs: float, seeds) -> Verdict:
    small, large = min(sz["etad"]), max(sz["etad"])
    ev, ok = [], True
    for i in range(len(sz["whole"])):
        rs = {r["eta_d"]: r for r in whole[i * len(sz["etad"]):(i + 1) * len(sz["etad"])]}
        g_s, g_l = rs[small]["max_gap"], rs[large]["max_gap"]
        ratio = g_s / g_l if g_l > 0 else float("inf")
        within = rs[small]["max_gap_band"] == 0.0  # inside the median's 99.9% band
        good = ratio <= RATIO or within
        ok &= good
        ev.append({"instance": f"{rs[small]['act']} d={rs[small]['d']}",
                   f"gap at ηd={small}": g_s, f"gap at ηd={large}": g_l, "ratio": ratio,
                   "within_band_at_small": bool(within),
                   "gap_per_etad": g_l / large,
                   "etad_for_gap_0.02": TOL_REC * large / g_l if g_l > 0 else None,
                   "ok": bool(good)})
    worst_s = max(e[f"gap at ηd={small}"] for e in ev)
    worst_l = max(e[f"gap at ηd={large}"] for e in ev)
    gaps_s = ", ".join(f"{e[f'gap at ηd={small}']:.4f}" for e in ev)
    worst_ratio = max(e["ratio"] for e in ev)
    return Verdict(
        ODE_SUB[1].id, "supported" if ok else "not-supported",
        summary=(f"the SGD median path approaches the recursion as ηd → 0: max gap "
                 f"{worst_l:.4f} at ηd = {large}, {worst_s:.4f} at ηd = {small} (ratio ≤ "
                 f"{worst_ratio:.2f}, ∝ ηd); a gap ≤ {TOL_REC} needs ηd ≤ "
                 f"{min(e['etad_for_gap_0.02'] or 1 for e in ev):.3f} here"
                 if ok else
                 f"recursion not approached as ηd → 0: gaps {gaps_s} at ηd = {small}, ratio "
                 f"to ηd = {large} up to {worst_ratio:.2f} (> {RATIO})"),
        evidence={"instances": ev, "runs": [_row(r) for r in whole]},
        tolerance=(f"at every instance gap({small})/gap({large}) ≤ {RATIO}, or the recursion "
                   f"inside the median's 99.9% band at ηd = {small}; gap = max over the run of "
                   "|median path − recursion|"),
        justification=("the statement is asymptotic (small ηd), so it is checked by how the "
                       "gap scales: by Derivation 2 SGD's drift differs from the recursion's "
                       "by (η²/2) m (d − r − 2) V(m), relative size ηd·V/(2h(1 − m²)), so the "
                       "gap should shrink in proportion to ηd (ratio 0.3); a wrong h leaves a "
                       "gap that does not shrink. Distribution-free 99.9% band of the median "
                       f"of {sz['runs']} runs: half-width up to "
                       f"{max(r['band_halfwidth_max'] for r in whole):.4f}"),
        convention=CONV, seeds=seeds, sizes=sz, seconds=round(secs / 2, 3))


def _effective_verdict(whole: list[dict], plat: list[dict], sz: dict, secs: float,
                       seeds) -> Verdict:
    path_gap = max(r["max_gap_ode_band"] for r in whole)
    small = [r for r in plat if r["noise"] <= ex.NOISE_LIMIT]
    plat_err = max((abs(r["err_ode_no_w2"]) for r in small), default=0.0)
    ok = path_gap <= TOL_ODE and plat_err <= TOL_ODE and bool(small)
    status = "supported" if ok else ("inconclusive" if not small else "not-supported")
    if not small:
        summary = "no plateau instance reached the small-noise regime"
    elif ok:
        summary = (f"effective ODE within {path_gap:.4f} of the median's 99.9% band over "
                   f"{len(whole)} whole runs and within {plat_err:.4f} of {len(small)} SGD "
                   f"plateaus (noise ≤ {ex.NOISE_LIMIT})")
    else:
        summary = (f"effective ODE off: {path_gap:.4f} beyond the median's band on a path, "
                   f"plateau error {plat_err:.4f} (tolerance {TOL_ODE})")
    pl_ev = [{"act": r["act"], "d": r["d"], "eta_d": r["eta_d"], "runs": r["runs"],
              "steps": r["steps"], "noise": r["noise"], "ode_no_w2": r["ode_no_w2"],
              "sgd_median": r["median"], "ci95": r["ci"], "error": r["err_ode_no_w2"],
              "population_plateau": r["population"], "stationary": r["stationary"]}
             for r in plat]
    return Verdict(
        ODE_SUB[2].id, status,
        summary=summary,
        evidence={"path_gaps": [{"act": r["act"], "eta_d": r["eta_d"],
                                 "gap": r["max_gap_ode"], "beyond_band": r["max_gap_ode_band"],
                                 "band_halfwidth_max": r["band_halfwidth_max"]}
                                for r in whole],
                  "plateaus": pl_ev},
        tolerance=(f"path: the ODE within {TOL_ODE} of the median's distribution-free 99.9% "
                   f"band at every recorded step; plateau: |m*_ODE − median| ≤ {TOL_ODE} where "
                   f"η²(d − r − 2)V(m*) ≤ {ex.NOISE_LIMIT} (ηd halved until it is)"),
        justification=("0.01 is the project's tolerance for a deterministic prediction of the "
                       "median (issue #4), taken beyond the median's own sampling band; the "
                       "median at stationarity has a 95% bootstrap CI of width ~10⁻³ "
                       f"({sz['plateau_runs']} runs)"),
        reason=None if small else "no plateau instance in the small-noise regime",
        convention=CONV, seeds=seeds, sizes=sz, seconds=round(secs / 2, 3))


def check_ode(ctx: Context, *, printed=None, h_factor: float = 1.0,
              noise_scale: float = 1.0) -> list[Verdict]:
    """The three verdicts of DC-ODE (see the module docstring)."""
    a = identity_verdict(printed)
    t0 = time.perf_counter()
    whole, plat, sz = _measure(ctx, h_factor, noise_scale)
    secs = time.perf_counter() - t0
    seeds = [ctx.seed, 707, 708]
    whole, plat = _sig(whole), _sig(plat)
    return [a, _recursion_verdict(whole, sz, secs, seeds),
            _effective_verdict(whole, plat, sz, secs, seeds)]


ODE = register(Claim(
    id="DC-ODE", location="§3.1 (p.9), App. C.1 (p.26); docs/derivations.md §2",
    title="SGD vs the population recursion (small ηd) and the effective ODE (larger ηd)",
    convention=CONV, subchecks=ODE_SUB, check=check_ode, needs="numerics"))
