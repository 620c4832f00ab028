"""The SGD plateau against the ODE predictions (docs/derivations.md §2; :mod:`numerics.ode`).

Convention: normalised rows (App. D.1), orthonormal features (Assumption 4), ξ = 1, k = 4,
c, ĉ ~ Unif{±1/√k}^k (Assumption 3), λ ~ Unif[1/2, 3/2] (:func:`numerics.problem.second_layer`),
ĉ frozen, gradient projected off span W (Eq. 4). For each random instance (σ ∈ {erf, ReLU},
d ∈ {100, 200, 400}, ηd log-uniform in [1, 8]):

* predictions (:func:`numerics.ode.plateau`): the population ODE (η h(m)(1 − m²) alone), the
  effective ODE with and without W₂, the zero of the exact one-step drift of θ = arccos m;
* the SGD plateau: the median of ``runs`` (≥ 2000) runs of the exact reduced chain
  (:func:`numerics.sgd.reduced.run`) at the last step, with a 95% percentile-bootstrap CI. The
  chain starts at the no-W₂ prediction (the stationary law does not depend on the start) and
  runs ``max(2000, 10 τ)`` steps (at most 10⁵), τ = 1/|drift'(m*)| the ODE's relaxation time;
  stationarity: the median at T/2 and at T differ by at most twice the CI half-width (or 1e-4),
  else T is doubled (at most twice; the row says whether it passed);
* the noise size ``η²(d − r − 2) V(m*)`` at the no-W₂ plateau.

The full profile adds 6 instances with ηd in [0.25, 1] (same law otherwise): with random ĉ,
V(m*) is often large (e = f* − f̂ stays large when ĉ ≠ c), and ηd ≥ 1 rarely reaches the
small-noise regime at d ≤ 400.

Separately, whole runs from the paper's random start (u₀ uniform on the sphere of span(W)^⊥,
sign(m₀) = sign(h(0))) at ηd ∈ :data:`RECURSION_ETAD` (4 instances; at the largest ηd also each
instance's twin with ĉ = c, where V(±1) = 0): the population recursion and the no-W₂ effective
ODE, both started at the median of m₀, against the median path; the gap is the largest
|median_t − prediction_t| over the recorded steps. For the noiseless recursion the median path
*is* the recursion from the median start (m₀ ↦ m_t is increasing), so the gap is all SGD noise.

Targets (the issue): every predictor's error reported; the no-W₂ ODE and the exact-drift zero
within 0.01 of the median wherever the noise size is ≤ 0.003; the recursion within 0.02 of the
median over the whole run at ηd ≤ 0.1 (see :func:`targets`).

Measured (seed 0, full profile, 302 s on one core): the no-W₂ ODE and the exact-drift zero
within 0.0011 of the median in the 7 rows with noise ≤ 0.003; beyond, the no-W₂ ODE is off by
0.002–0.08 (always on the side of 0) and the exact-drift zero by at most 0.009; the population
ODE by 0.07–0.97. Whole runs: at ηd = 0.03 the recursion is within 0.0085–0.0172 of the median
path (4/4 instances); at ηd = 0.1 it misses by 0.030–0.063 with ĉ ≠ c (4/4) and by 0.011–0.056
with ĉ = c (2/4 miss), the largest gaps mid-escape (m ≈ 0.75–0.88), not at the plateau. The
no-W₂ ODE follows the median path within 0.006 in all 12 rows, and its own distance from the
recursion (Derivation 2's noise term alone) is at least the gap in every row: the misses are
predicted. The noise term's size relative to the drift is ηd·V(m)·m/(2h(m)(1 − m²)), not ηd:
with λ ~ Unif[1/2, 3/2], V/h is O(1) and ηd = 0.1 slows the escape by several per cent, which
the steep middle of the path turns into a gap of 0.03–0.06. The gap is proportional to ηd
(gap(0.03)/gap(0.1) = 0.27–0.29), gap ≈ c·ηd with an instance-dependent c = 0.30–0.63 here
(1.06 for the ReLU instance of the report's DC-ODE). So the issue's target "within 0.02 at
ηd ≤ 0.1" does not hold on this family; 0.02 needs ηd ≤ 0.02/c, 0.03 on these 4 instances.
``python -m numerics.experiments.plateau [quick|full]`` prints the table.

>>> PROFILES["quick"]["instances"]
(('erf', 100, 0.3), ('relu', 100, 1.0))
"""

from __future__ import annotations

import dataclasses
import math
import sys
import time

import numpy as np
import scipy.stats

from numerics import ode
from numerics.problem import make_instance
from numerics.sgd.reduced import run

__all__ = ["PROFILES", "NOISE_LIMIT", "TOL", "TOL_RECURSION", "draw_instances", "sgd_median",
           "experiment_instance", "plateau_row", "recursion_check", "median_band",
           "run_plateau_experiment", "targets", "format_table", "main"]

#: The noise size η²(d − r − 2)V(m*) up to which the ODE predictions must be within TOL.
NOISE_LIMIT = 0.003
#: Cap on the plateau runs' length (τ is huge when the plateau is ±1 itself, e.g. ĉ = c).
MAX_STEPS = 100_000
#: Target distance prediction–median in that regime, and recursion–median at ηd ≤ 0.1.
TOL, TOL_RECURSION = 0.01, 0.02

#: The ηd values of the whole-run check (the issue's range ηd ≤ 0.1; smaller ηd costs
#: proportionally more steps, and ηd = 0.01 at d = 400 would take minutes per instance).
RECURSION_ETAD = (0.1, 0.03)

#: ``instances``: (σ, d, ηd) triples, or None to draw ``groups`` of (n, ηd range) at random
#: (σ and d cycle, ηd log-uniform in the range); ``recursion``: (σ, d, ηd values, runs) of each
#: whole-run check (one instance, every ηd; with ``recursion_same_c`` also its twin with
#: ĉ = c). The quick profile takes ηd = 0.3 for erf so that d = 100 reaches the small-noise
#: regime.
PROFILES: dict[str, dict] = {
    "quick": {"instances": (("erf", 100, 0.3), ("relu", 100, 1.0)), "runs": 2000,
              "recursion": ()},
    "full": {"instances": None, "groups": ((20, (1.0, 8.0)), (6, (0.25, 1.0))),
             "acts": ("erf", "relu"), "ds": (100, 200, 400), "runs": 2000,
             "recursion": tuple((a, d, RECURSION_ETAD, 2000) for a, d in
                                (("erf", 100), ("relu", 200), ("erf", 400), ("relu", 400))),
             "recursion_same_c": True},
}


def draw_instances(profile: dict, rng: np.random.Generator) -> list[tuple[str, int, float]]:
    """The (σ, d, ηd) triples of a profile (drawn from ``rng`` when not listed).

    >>> draw_instances(PROFILES["full"], np.random.default_rng(0))[:2]  # doctest: +ELLIPSIS
    [('erf', 100, ...), ('relu', 200, ...)]
    """
    if profile.get("instances"):
        return [tuple(t) for t in profile["instances"]]
    acts, ds = profile["acts"], profile["ds"]
    out = []
    for n, (lo, hi) in profile["groups"]:
        etad = np.exp(rng.uniform(math.log(lo), math.log(hi), n))
        out += [(acts[j % len(acts)], ds[j % len(ds)], float(round(etad[j], 3)))
                for j in range(n)]
    return out


def sgd_median(m: np.ndarray, rng: np.random.Generator, level: float = 0.95) -> tuple:
    """Median of the final overlaps and its percentile-bootstrap CI (2000 resamples).

    >>> med, lo, hi = sgd_median(np.random.default_rng(0).standard_normal(2001),
    ...                          np.random.default_rng(1))
    >>> bool(lo < med < hi) and hi - lo < 0.2
    True
    """
    res = scipy.stats.bootstrap((m,), np.median, n_resamples=2000, confidence_level=level,
                                method="percentile", rng=rng, vectorized=True)
    return float(np.median(m)), float(res.confidence_interval.low), \
        float(res.confidence_interval.high)


def experiment_instance(act: str, d: int, rng: np.random.Generator):
    """The experiment's random instance (see the module docstring: k = 4, ξ = 1, orthonormal W,
    λ ~ Unif[1/2, 3/2], c, ĉ quantised, normalised rows)."""
    return make_instance(rng, d=d, k=4, xi=1.0, act=act, features="orthonormal", lam="random",
                         c="quantised", convention="normalised")


def plateau_row(act: str, d: int, etad: float, runs: int, seed_seq: np.random.SeedSequence,
                label: str = "", noise_scale: float = 1.0,
                max_noise: float | None = None) -> dict:
    """One instance: predictions, SGD median with CI, errors (see the module docstring).
    With ``max_noise``, ηd is halved (at most 4 times, before any SGD) until the predicted
    noise size η²(d − r − 2)V(m*) is at most ``max_noise``: a way to reach the small-noise
    regime on a given instance (the row's ``eta_d`` is the one used).

    >>> # the full experiment is in the tests (slow); one small row costs a few seconds
    """
    r_inst, r_chain, r_boot, r_qmc = (np.random.default_rng(s) for s in seed_seq.spawn(4))
    inst = experiment_instance(act, d, r_inst)
    lr = etad / d
    t0 = time.perf_counter()
    nm = _scaled(ode.noise_model(inst, n_grid=17), noise_scale)
    pred = ode.plateau(nm, lr, exact=max_noise is None, rng=r_qmc)
    for _ in range(4 if max_noise is not None else 0):
        if pred.noise <= max_noise:
            break
        etad, lr = etad / 2, lr / 2
        pred = ode.plateau(nm, lr, exact=False)
    if max_noise is not None:
        pred = ode.plateau(nm, lr, rng=r_qmc)
    t_pred = time.perf_counter() - t0
    m_start = float(np.clip(pred.ode_no_w2, -0.999, 0.999))
    dm = 1e-3
    slope = float((ode.effective_drift(nm, lr, m_start + dm, w2=False)
                   - ode.effective_drift(nm, lr, m_start - dm, w2=False)) / (2 * dm))
    tau = 1 / abs(slope) if slope else 1e4
    steps = int(min(max(2000, 10 * tau), MAX_STEPS))
    t0 = time.perf_counter()
    for _attempt in range(3):
        tr = run(inst, r_chain, runs=runs, steps=steps, lr=lr, m0=m_start, grid=[steps // 2])
        med, lo, hi = sgd_median(tr.m[:, -1], r_boot)
        half = sgd_median(tr.m[:, 1], r_boot)
        drift = med - half[0]
        stationary = abs(drift) <= max(2 * max(hi - med, med - lo), 1e-4)
        if stationary or steps >= MAX_STEPS:
            break
        steps *= 2
    t_sgd = time.perf_counter() - t0
    return {"label": label, "act": act, "d": d, "k": inst.k, "eta_d": etad, "lr": lr,
            "convention": inst.convention, "runs": runs, "steps": steps, "noise": pred.noise,
            "population": pred.population, "ode": pred.ode, "ode_no_w2": pred.ode_no_w2,
            "exact": pred.exact, "exact_err": float(pred.exact_err), "median": med,
            "ci": (lo, hi), "drift": drift, "stationary": bool(stationary),
            "err_population": pred.population - med, "err_ode": pred.ode - med,
            "err_ode_no_w2": pred.ode_no_w2 - med, "err_exact": pred.exact - med,
            "seconds_prediction": t_pred, "seconds_sgd": t_sgd}


def _scaled(nm, noise_scale: float):
    """The noise model with V and W₂ multiplied by ``noise_scale`` (1: itself). Exists so that
    the claim checks can feed a wrong noise term and see their verdicts flip."""
    if noise_scale == 1.0:
        return nm
    t = dataclasses.replace(nm.table, V=nm.table.V * noise_scale, W2=nm.table.W2 * noise_scale)
    return ode.NoiseModel(nm.red, nm.theta, t)


def recursion_check(inst, etad: float, runs: int, rng: np.random.Generator, *,
                    h=None, noise_scale: float = 1.0) -> dict:
    """The population recursion (:func:`numerics.ode.population_recursion`) and the effective
    ODE without W₂ (:func:`numerics.ode.effective_ode`) against the SGD median over a whole run
    from the random start at ηd (see the module docstring): both start at the median of m₀;
    gaps are the largest |median_t − prediction_t| over the recorded steps. ``plateau`` is the
    no-W₂ ODE's plateau and ``offset`` = 1 − |plateau|, the distance at which the noise term of
    Derivation 2 holds SGD from the recursion's limit ±1: ≈ ηd V(±1)/(4|h(±1)|) when ĉ ≠ c
    (then V(±1) > 0: the residual f* − f̂ does not vanish at û = ±u), 0 when ĉ = c.
    ``h`` replaces the instance's h in the recursion and ``noise_scale`` multiplies the ODE's
    noise term (both for feeding the claim checks a wrong statement).

    >>> # run by run_plateau_experiment; 10–40 s at d = 100, 2000 runs
    """
    d = inst.d
    red = ode.reduced(inst)
    h = red.h if h is None else h
    nm = _scaled(ode.noise_model(red, n_grid=17), noise_scale)
    lr = etad / d
    m0 = 0.6745 / math.sqrt(d) * red.h0_sign                 # ≈ median |m₀| (probe only)
    _, probe = population_recursion_until(h, m0, lr)
    steps = int(1.5 * probe)
    rec = np.unique(np.linspace(0, steps, 101).astype(np.int64))
    tr = run(inst, rng, runs=runs, steps=steps, lr=lr, grid=rec)
    med = np.median(tr.m, axis=0)
    _, mbar = ode.population_recursion(h, [med[0]], lr, steps, record=tr.steps)
    _, mode = ode.effective_ode(nm, lr, [med[0]], steps, w2=False, t_eval=tr.steps)
    gap, gap_ode = np.abs(med - mbar[0]), np.abs(med - mode[0])
    lo, hi = median_band(tr.m)

    def beyond(pred):  # distance from the prediction to the median's 99.9% band, per step
        return np.maximum(0.0, np.maximum(lo - pred, pred - hi))

    noise_path = float(np.max(np.abs(mode[0] - mbar[0])))     # the ODE's own noise effect
    plateau = ode.plateau(nm, lr, exact=False).ode_no_w2
    j = int(np.argmax(gap))
    return {"act": inst.act, "d": d, "eta_d": etad, "lr": lr, "runs": runs, "steps": steps,
            "convention": inst.convention, "same_c": bool(np.array_equal(inst.chat, inst.c)),
            "h0": float(red.h(np.array([0.0]))[0]), "plateau": plateau,
            "offset": 1.0 - abs(plateau),
            "max_gap": float(gap[j]), "at_step": int(tr.steps[j]),
            "median_at": float(med[j]), "recursion_at": float(mbar[0, j]),
            "max_gap_ode": float(gap_ode.max()), "noise_path": noise_path,
            "max_gap_band": float(beyond(mbar[0]).max()),
            "max_gap_ode_band": float(beyond(mode[0]).max()),
            "band_halfwidth_max": float(np.max(hi - lo) / 2),
            "final_median": float(med[-1]), "final_recursion": float(mbar[0, -1]),
            "final_ode": float(mode[0, -1])}


def median_band(M: np.ndarray, z: float = 3.29) -> tuple[np.ndarray, np.ndarray]:
    """Distribution-free confidence band of the median of each column of ``M`` (runs × steps):
    the order statistics of ranks n/2 ∓ z√n/2 (binomial(n, 1/2) normal approximation; z = 3.29:
    99.9% at each step).

    >>> lo, hi = median_band(np.random.default_rng(0).standard_normal((4000, 3)))
    >>> bool(np.all(lo < 0) and np.all(hi > 0) and np.all(hi - lo < 0.2))
    True
    """
    n = M.shape[0]
    S = np.sort(M, axis=0)
    i_lo = max(0, int(math.floor(n / 2 - z * math.sqrt(n) / 2)))
    i_hi = min(n - 1, int(math.ceil(n / 2 + z * math.sqrt(n) / 2)))
    return S[i_lo], S[i_hi]


def population_recursion_until(h, m0: float, lr: float, level: float = 0.995,
                               max_steps: int = 10**7) -> tuple[float, int]:
    """Steps the recursion takes from m0 to |m̄| ≥ level (chunks of 1000 steps)."""
    m, t = np.array([m0]), 0
    while abs(m[0]) < level and t < max_steps:
        _, M = ode.population_recursion(h, m, lr, 1000, record=1000)
        m, t = M[:, -1], t + 1000
    return float(m[0]), t


def run_plateau_experiment(profile: str | dict = "quick", seed: int = 0,
                           progress: bool = False) -> list[dict]:
    """Rows of the plateau table (one per instance) plus, last, the recursion check (a dict with
    ``"recursion": True``). ``profile``: "quick", "full" or a dict like :data:`PROFILES`'.

    >>> # quick: 2 instances × 2000 runs at d = 100 (≈ 30 s); full: 20 instances (minutes)
    """
    prof = PROFILES[profile] if isinstance(profile, str) else profile
    ss = np.random.SeedSequence(seed)
    s_draw, *s_rows = ss.spawn(1 + 64)
    s_recs = ss.spawn(len(prof.get("recursion") or ()))
    triples = draw_instances(prof, np.random.default_rng(s_draw))
    rows = []
    for j, (act, d, etad) in enumerate(triples):
        rows.append(plateau_row(act, d, etad, prof["runs"], s_rows[j], label=f"#{j}"))
        if progress:
            print(format_table(rows[-1:], header=j == 0), file=sys.stderr, flush=True)
    for (act, d, etads, runs), s_rec in zip(prof.get("recursion") or (), s_recs, strict=True):
        r_inst, *r_runs = (np.random.default_rng(x) for x in s_rec.spawn(1 + 2 * len(etads)))
        inst = experiment_instance(act, d, r_inst)
        twins = [inst]
        if prof.get("recursion_same_c") and not np.array_equal(inst.chat, inst.c):
            twins.append(dataclasses.replace(inst, chat=inst.c.copy()))
        for n, case in enumerate(twins):  # the twin with ĉ = c at the largest ηd only
            for etad, r_run in zip(etads[:1] if n else etads, r_runs[n * len(etads):],
                                   strict=False):
                rc = recursion_check(case, etad, runs, r_run)
                rc["recursion"] = True
                rows.append(rc)
                if progress:
                    print(format_table(rows[-1:], header=False), file=sys.stderr, flush=True)
    return rows


def targets(rows: list[dict]) -> dict:
    """Worst errors against the targets: the no-W₂ ODE and the exact-drift zero within TOL of the
    median where noise ≤ NOISE_LIMIT (``small``); over whole runs, the recursion's largest gap
    (target TOL_RECURSION), how much of it the no-W₂ ODE's own noise effect
    ``max|ODE path − recursion path|`` leaves unexplained (``recursion_excess``), and the no-W₂
    ODE path's gap; the exact-drift zero's worst error over all rows; all plateau runs stationary.

    >>> targets([])["small_ok"]
    True
    """
    pl = [r for r in rows if not r.get("recursion")]
    small = [r for r in pl if r["noise"] <= NOISE_LIMIT]
    worst = max((max(abs(r["err_ode_no_w2"]), abs(r["err_exact"])) for r in small), default=0.0)
    rec = [r for r in rows if r.get("recursion")]
    gap = max((r["max_gap"] for r in rec), default=0.0)
    gap_ode = max((r["max_gap_ode"] for r in rec), default=0.0)
    by = {}  # worst gap per (ĉ = c?, ηd)
    for r in rec:
        key = ("same_c" if r["same_c"] else "random_c", r["eta_d"])
        by[key] = max(by.get(key, 0.0), r["max_gap"])
    return {"n_small": len(small), "worst_small": worst, "small_ok": worst <= TOL,
            "worst_exact_all": max((abs(r["err_exact"]) for r in pl), default=0.0),
            "recursion_gap": gap, "recursion_ok": gap <= TOL_RECURSION,
            "recursion_rows_ok": sum(r["max_gap"] <= TOL_RECURSION for r in rec),
            "recursion_rows": len(rec),
            "recursion_gap_by": {f"{a} ηd={e}": v for (a, e), v in sorted(by.items())},
            # rows where Derivation 2's noise term alone (the no-W₂ ODE against the recursion,
            # same start) moves the path by more than TOL_RECURSION: there the target cannot
            # hold, whatever the engines do; and rows whose plateau alone is that far from ±1
            "recursion_predicted_miss": sum(r["noise_path"] > TOL_RECURSION for r in rec),
            "recursion_offset_rows": sum(r["offset"] > TOL_RECURSION for r in rec),
            "recursion_excess": max((r["max_gap"] - r["noise_path"] for r in rec), default=0.0),
            "ode_path_gap": gap_ode, "ode_path_ok": gap_ode <= TOL_RECURSION,
            "stationary": all(r["stationary"] for r in pl)}


def format_table(rows: list[dict], header: bool = True) -> str:
    """A fixed-width table of the rows (errors are prediction − median).

    >>> print(format_table([]))  # doctest: +ELLIPSIS
    id  act ...
    """
    cols = ("id  act     d   ηd   noise     pop     ode  ode-W2   exact(±)        median "
            "[95% CI]        e(ode)  e(-W2) e(exact)  e(pop)  steps stat")
    out = [cols] if header else []
    for r in rows:
        if r.get("recursion"):
            out.append(f"whole run, {r['act']} d={r['d']} ηd={r['eta_d']} "
                       f"{'ĉ = c' if r['same_c'] else 'ĉ ≠ c'} h(0)={r['h0']:.4f} "
                       f"offset 1 − |m*| = {r['offset']:.4f}: "
                       f"max |median − m̄| = {r['max_gap']:.4f} at t = {r['at_step']} "
                       f"(median {r['median_at']:.4f}, m̄ {r['recursion_at']:.4f}); "
                       f"max |median − ODE w/o W2| = {r['max_gap_ode']:.4f}; max |ODE w/o W2 "
                       f"− m̄| = {r['noise_path']:.4f}; final median "
                       f"{r['final_median']:.4f}, m̄ {r['final_recursion']:.4f}, ODE w/o W2 "
                       f"{r['final_ode']:.4f}; {r['runs']} runs × {r['steps']} steps")
            continue
        lo, hi = r["ci"]
        out.append(f"{r['label']:<3} {r['act']:<5} {r['d']:>4} {r['eta_d']:4.2f} "
                   f"{r['noise']:7.4f} {r['population']:7.4f} {r['ode']:7.4f} "
                   f"{r['ode_no_w2']:7.4f} {r['exact']:7.4f}({r['exact_err']:.0e}) "
                   f"{r['median']:7.4f} [{lo:.4f}, {hi:.4f}] {r['err_ode']:+7.4f} "
                   f"{r['err_ode_no_w2']:+7.4f} {r['err_exact']:+7.4f} "
                   f"{r['err_population']:+7.4f} {r['steps']:6d} "
                   f"{'ok' if r['stationary'] else 'DRIFT'}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """``python -m numerics.experiments.plateau [quick|full] [seed]``: print the table and the
    targets (normalised rows)."""
    argv = sys.argv[1:] if argv is None else argv
    profile = argv[0] if argv else "full"
    seed = int(argv[1]) if len(argv) > 1 else 0
    t0 = time.perf_counter()
    rows = run_plateau_experiment(profile, seed, progress=True)
    print(f"plateau experiment, profile {profile}, seed {seed}, convention normalised, "
          f"k = 4, ξ = 1, orthonormal W ({time.perf_counter() - t0:.0f} s)")
    print(format_table(rows))
    print(targets(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
