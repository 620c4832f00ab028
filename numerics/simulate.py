"""What ``lowrank simulate`` runs, below the command line: online SGD of Eq. (4) (§2) on one
instance, many runs, with the population recursion of §3.1 and the effective ODE with SGD's
noise term (docs/derivations.md §2) on the same recorded steps.

Engines: ``reduced`` (default; the exact O(k) Markov chain of docs/derivations.md §1, any d) and
``full`` (the algorithm as printed in R^d, the reference). Both from :mod:`numerics.sgd`.
Seeds: the instance is drawn from ``numpy.random.default_rng(seed)`` (the same instance as
``lowrank derive --seed``), the runs from ``default_rng([seed, 1])``; same options, same output.

Population recursion (§3.1, Eq. 5 without noise, App. C.1): ``m̄_{t+1} = m̄_t + η h(m̄_t)(1 − m̄_t²)``
with h from :func:`theory.population.hfun`, started at ``m0`` or at the runs' median m_0. Defined
only where Prop. 4 gives h: u, û ⊥ span(W) (variant ``frozen``, α = 0), normalised or raw rows,
ĉ frozen; otherwise the output says "no ODE" and why. The recursion is
:func:`numerics.ode.population_recursion` (no clipping to [−1, 1]); h is tabulated on 4001 points
of [−1, 1] and interpolated linearly (error ≤ Δ²/8 · max|h''|, Δ = 5·10⁻⁴), so 10⁶ steps take
a few seconds. First passages of the recursion are exact to the step up to 2·10⁶ steps.

JSON output (``--json``), schema ``lowrank-simulate/2``:

* ``instance``: d, k, ξ, act, convention, features, λ law, c law, α, rank, seed, file, and the
  arrays λ, c, ĉ (not W, u: see ``--save-instance``);
* ``settings``: engine, variant, runs, steps, lr (and whether it is the default 0.1/d), lr_c,
  m0, sign_flip, h0_sign, h0_sign_used, eps, r, record_every, seeds, noise_ode (and whether
  it was the default: on for k ≤ 64), and ``start``
  (how the runs started, in words: the sign flip is said there);
* ``steps``: the recorded step counts t; ``m``: every run's m_t on them (runs × len(steps));
  ``m_final``: every run's last m; ``quantiles``: median, q10, q90 of m_t across runs;
  ``loss``: per run, the mean per-sample loss over each recording window (null at t = 0);
  ``cc``: <ĉ_t, c> (joint variant) or null;
* ``first_passage``: eps, r, ``t_success`` (first t with m_t² ≥ 1 − eps, −1 if never) and
  ``t_escape`` (first t with |m_t| > r) per run, and the fraction of runs that succeeded;
* ``ode``: ``{"defined", "reason", "m0", "m" (on the same steps), "t_success", "t_escape",
  "effective"}``; ``effective`` (null with ``--no-noise-ode``, or k > 64 by default):
  ``{"m" (same steps), "plateau", "noise_at_plateau", "model"}``, the effective ODE of
  Derivation 2 without W₂; ``effective_reason``: why it is null although asked for, or null.
  Where the recursion as printed diverges (η far above its stable range) ``defined`` is false
  and ``reason`` says so;
* ``seconds``.

Every number in the document is finite (:func:`check_finite`, run on every result): a
non-finite one is an error naming the quantity and the likeliest cause, never an output.
JSON Schema: ``docs/schemas/simulate.schema.json``.
"""

from __future__ import annotations

import math
import re
import time

import numpy as np

__all__ = ["NOISE_ODE_MAX_K", "simulate", "check_finite", "start_text", "population_ode",
           "build_instance", "describe_instance"]

#: Largest k for which the effective ODE is solved unless asked (its quadrature took 4.8 s at
#: k = 50 and 108 s at k = 200, orthonormal rows, on this project's machine).
NOISE_ODE_MAX_K = 64


def simulate(inst, settings: dict, progress: bool = False) -> dict:
    """Run the engine with ``settings`` (as built by the command) and return the JSON document
    (without ``instance``). See the module docstring for the fields.

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=20, k=2, xi=1.0, act="relu")
    >>> s = {"engine": "full", "variant": "frozen", "runs": 3, "steps": 40, "lr": 0.02,
    ...      "lr_c": None, "m0": 0.3, "sign_flip": True, "h0_sign": None, "eps": 0.05,
    ...      "r": 0.5, "record_every": 20, "seed": 0, "run_seed": [0, 1]}
    >>> out = simulate(inst, s)
    >>> out["steps"].tolist(), len(out["m"]), out["ode"]["defined"]
    ([0, 20, 40], 3, True)
    """
    from numerics import coeffcache
    from numerics.sgd import full, reduced

    coeffcache.install(settings.get("use_cache", True))
    t0 = time.perf_counter()
    engine = full if settings["engine"] == "full" else reduced
    # The full engine's products are thin (runs × d by d × 2k): BLAS threads only contend on
    # a 2-core machine (measured 3.4× slower with the default threads), so one per process.
    from threadpoolctl import threadpool_limits

    try:
        with threadpool_limits(limits=1 if engine is full else None, user_api="blas"):
            tr = engine.run(inst, np.random.default_rng(settings["run_seed"]),
                            runs=settings["runs"], steps=settings["steps"], lr=settings["lr"],
                            record_every=settings["record_every"], m0=settings["m0"],
                            sign_flip=settings["sign_flip"], h0_sign=settings["h0_sign"],
                            variant=settings["variant"], lr_c=settings["lr_c"],
                            eps=settings["eps"], r=settings["r"], progress=progress)
    except ArithmeticError as err:  # the compiled kernels raise on a division by inf/0
        raise ValueError(f"SGD's step is not finite ({err}): {_why(inst, settings)}") from None
    M = tr.m
    q10, med, q90 = np.quantile(M, [0.1, 0.5, 0.9], axis=0)
    m_start = settings["m0"] if settings["m0"] is not None else float(np.median(M[:, 0]))
    ode = population_ode(inst, settings["variant"], m_start, settings["lr"], tr.steps,
                         settings["eps"], settings["r"], noise=settings.get("noise_ode", False))
    out = {
        "schema": "lowrank-simulate/2",
        "settings": {**settings, "h0_sign_used": tr.settings.get("h0_sign"),
                     "convention": inst.convention,
                     "start": start_text(settings, tr.settings.get("h0_sign"))},
        "steps": tr.steps,
        "m": M,
        "m_final": tr.m_final,
        "quantiles": {"q10": q10, "median": med, "q90": q90},
        # no loss before the first step: null there (JSON has no NaN)
        "loss": [[None, *row[1:].tolist()] for row in tr.loss],
        "cc": tr.cc,
        "first_passage": {"eps": tr.eps, "r": tr.r, "t_success": tr.t_success,
                          "t_escape": tr.t_escape,
                          "fraction_success": float(np.mean(tr.t_success >= 0))},
        "ode": ode,
        "seconds": round(time.perf_counter() - t0, 3),
    }
    check_finite(out, inst, settings)
    return out


def check_finite(out: dict, inst, settings: dict) -> None:
    """The post-check of a result: every number finite (a missing one is None), else a
    ValueError naming the quantity, where it diverged and why (the likeliest cause among the
    settings: ηd far above the stable range, an extreme ξ or λ).

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=20, k=2, xi=1.0, act="relu")
    >>> check_finite({"steps": np.array([0, 10]), "m": np.array([[0.1, np.nan]])}, inst,
    ...              {"lr": 1e300})
    Traceback (most recent call last):
    ...
    ValueError: SGD's overlap m_t (run 0, step 10) is not finite: ηd = 2e+301 is far above the
    stable range (ηd ≲ 1; the default is ηd = 0.1)
    """
    from numerics.serial import first_nonfinite

    hit = first_nonfinite(out)
    if hit is None:
        return
    path = hit[0]
    names = {"m": "SGD's overlap m_t", "m_final": "SGD's final overlap m_T",
             "quantiles": "the quantiles of m_t", "loss": "SGD's loss", "cc": "<ĉ_t, c>",
             "settings": f"the setting {path.split('.', 1)[-1]}",
             "first_passage": "the first passages", "ode": "the ODE predictions"}
    key = path.split(".")[0].split("[")[0]
    what = names.get(key, path)
    idx = [int(i) for i in re.findall(r"\[(\d+)\]", path)]
    if key in ("m", "loss", "cc") and len(idx) == 2 and "steps" in out:
        what += f" (run {idx[0]}, step {int(np.asarray(out['steps'])[idx[1]])})"
    raise ValueError(f"{what} is not finite: {_why(inst, settings)}")


def _why(inst, settings: dict) -> str:
    """The likeliest reason a result overflowed, from the settings and the instance."""
    why = []
    eta_d = settings.get("lr", 0.0) * inst.d
    if eta_d > 10:
        why.append(f"ηd = {eta_d:.3g} is far above the stable range (ηd ≲ 1; the default is "
                   "ηd = 0.1)")
    if settings.get("lr_c") and settings["lr_c"] * inst.k > 10:
        why.append(f"η_c k = {settings['lr_c'] * inst.k:.3g} is far above the stable range")
    if not 1e-6 <= inst.xi <= 1e6:
        why.append(f"ξ = {inst.xi:.3g} is extreme (the gradient scales like ξ)")
    lam = float(np.max(np.abs(inst.lam)))
    if lam > 1e6:
        why.append(f"max |λ_i| = {lam:.3g} is extreme (the loss scales like λ²)")
    if why:
        return "; ".join(why)
    # Nothing extreme: SGD itself diverged at this step size (cubic σ, raw rows or the scratch
    # variant's unnormalised W can do so at ηd ≈ 1): a true outcome of the run, not a fault.
    what = " (the scratch variant trains W, whose norm nothing bounds)" if "scratch" in str(
        settings.get("variant", "")) else ""
    return (f"SGD diverged at ηd = {eta_d:.3g}{what}; try a smaller --lr (the default is "
            "ηd = 0.1)")


def start_text(settings: dict, h0_sign_used: float | None) -> str:
    """How the runs started, in words (Eq. 4's draw, the theorems' sign flip, or ``--m0``).

    >>> t = start_text({"m0": None, "sign_flip": True, "variant": "frozen"}, -1.0)
    >>> "sign(m₀) = sign(h(0)) = −1" in t, start_text({"m0": 0.2}, None)
    (True, 'every run at m₀ = +0.2 (--m0; no sign flip)')
    """
    if settings["m0"] is not None:
        return f"every run at m₀ = {settings['m0']:+.4g} (--m0; no sign flip)"
    where = "span(W)^⊥" if "unprojected" not in settings["variant"] else "R^d"
    base = f"û₀ uniform on the unit sphere of {where}"
    if not settings["sign_flip"]:
        return base + ", as drawn (--no-sign-flip: Eq. 4's plain draw)"
    if not h0_sign_used:
        return base + ", not flipped: h(0) = 0, so the theorems' sign condition is void"
    sign = "+1" if h0_sign_used > 0 else "−1"
    return (base + f", flipped where needed so that sign(m₀) = sign(h(0)) = {sign}, as the "
            "theorems assume (--no-sign-flip keeps Eq. 4's plain draw)")


def population_ode(inst, variant: str, m0: float, lr: float, steps: np.ndarray, eps: float,
                   r: float, noise: bool = False) -> dict:
    """The population recursion ``m̄_{t+1} = m̄_t + η h(m̄_t)(1 − m̄_t²)`` (§3.1, App. C.1) on the
    recorded ``steps``, with its first passages; ``{"defined": False, "reason": …}`` where
    Prop. 4's h does not apply (see the module docstring). With ``noise``, also ``effective``:
    the effective ODE with SGD's noise term, without W₂ (docs/derivations.md §2;
    :func:`numerics.ode.effective_ode`, V on 17 Chebyshev nodes), on the same steps, its plateau
    m* and the noise size η²(d − r − 2)V(m*) there (:func:`numerics.ode.plateau`).

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=20, k=2, xi=1.0, act="He3")
    >>> o = population_ode(inst, "frozen", 0.0, 0.01, np.array([0, 10]), 0.05, 0.5)
    >>> o["defined"], float(o["m"][0])
    (True, 0.0)
    """
    from numerics.ode import population_recursion
    from numerics.sgd import parse_variant
    from theory.population import hfun

    var = parse_variant(variant)
    reason = None
    if var.joint or var.linear or var.scratch or not var.project or "alpha" in var.name:
        reason = (f"variant {var.name!r}: Prop. 4's h is for the true student with ĉ frozen "
                  "and û ⊥ span W")
    elif inst.alpha > 1e-12:
        reason = "u has a part in span W (α > 0): Φ is not a function of m alone"
    elif inst.convention not in ("normalised", "raw"):
        reason = f"no h(m) from theory in the {inst.convention} convention"
    if reason:
        return {"defined": False, "reason": "no ODE: " + reason}
    h = hfun(inst.gram(), inst.lam, inst.c, inst.chat, inst.xi, inst.activation,
             inst.convention)
    # endpoints pulled in by 1e-12 so rounding cannot push a correlation past 1 (arcsin)
    grid = np.linspace(-1.0, 1.0, 4001)
    table = np.asarray(h(grid * (1 - 1e-12)), float)
    steps = np.asarray(steps, dtype=np.int64)
    T = int(steps[-1])
    # every step is kept (for the first passages) up to 2·10⁶ steps; beyond, the recorded ones
    every = T <= 2 * 10**6
    t, path = population_recursion(lambda m: np.interp(m, grid, table), float(m0), float(lr),
                                   T, record=np.arange(T + 1) if every else steps)
    path = path[0]
    if not np.all(np.isfinite(path)):
        t_bad = int(t[np.flatnonzero(~np.isfinite(path))[0]])
        return {"defined": False, "reason": (
            f"no ODE: the population recursion as printed diverges (|m̄_t| → ∞ by step "
            f"{t_bad}): η max|h| = {lr * float(np.max(np.abs(table))):.3g} is far above its "
            "stable range (≲ 1)")}
    succ = np.flatnonzero(path * path >= 1 - eps)
    esc = np.flatnonzero(np.abs(path) > r)
    effective, effective_reason = None, None
    if noise:
        from numerics import ode as ode_mod

        nm = ode_mod.noise_model(inst, n_grid=17)
        try:
            _, eff = ode_mod.effective_ode(nm, lr, [float(m0)], float(T), w2=False,
                                           t_eval=steps.astype(float))
            pl = ode_mod.plateau(nm, lr, exact=False)
            finite = bool(np.all(np.isfinite(eff))
                          and np.isfinite([pl.ode_no_w2, pl.noise]).all())
        except (RuntimeError, ValueError) as err:  # solve_ivp gave up, brentq found no root
            finite, why = False, " ".join(str(err).split())
        else:
            why = "its solution is not finite"
        if finite and eff.shape[1] == steps.size:
            effective = {"m": eff[0], "plateau": pl.ode_no_w2, "noise_at_plateau": pl.noise,
                         "model": "numerics.ode.effective_ode, w2=False (Derivation 2), V on "
                                  "17 Chebyshev nodes in arccos m",
                         "guidance": lr_guidance(nm, lr, eps, pl.ode_no_w2)}
        else:
            effective_reason = (f"the effective ODE could not be solved at η = {lr:.3g} "
                                f"({why}; ηd = {lr * inst.d:.3g})")
    return {"defined": True, "reason": None, "m0": float(m0),
            "m": path[np.searchsorted(t, steps)], "effective": effective,
            "effective_reason": effective_reason,
            "t_success": int(t[succ[0]]) if succ.size else -1,
            "t_escape": int(t[esc[0]]) if esc.size else -1,
            "first_passage_resolution": "every step" if every else "recorded steps",
            "h_table": "4001 points on [-1, 1], linear interpolation",
            "recursion": "numerics.ode.population_recursion"}


def lr_guidance(nm, lr: float, eps: float, plateau: float) -> dict:
    """Whether SGD's noise stops it below the success level, and the learning rate that would
    not: by the effective ODE without W₂ (docs/derivations.md §2), the drift
    ``η h(m)(1 − m²) − (η²/2)(d − r − 2)V(m) m`` keeps the sign of h(0) up to m_s = √(1 − ε)
    iff ``η < η* = min_{0 < |m| ≤ m_s} 2|h(m)|(1 − m²)/((d − r − 2)V(m)|m|)`` (m on the side of
    sign h(0)); η* is found on 400 points of (0, m_s]. ``warn`` when the plateau m* of the
    current η is below m_s; ``suggested_lr`` = η*/2 (the ODE is a second-order model: a
    margin), also as ηd.

    >>> from numerics.problem import make_instance
    >>> from numerics import ode
    >>> nm = ode.noise_model(make_instance(np.random.default_rng(1), d=100, k=4, xi=1.0,
    ...                                    act="erf"), n_grid=17)
    >>> g = lr_guidance(nm, 0.04, 0.05, ode.plateau(nm, 0.04, exact=False).ode_no_w2)
    >>> g["warn"], g["suggested_lr"] < g["eta_star"] < 0.04
    (True, True)
    """
    sg = nm.red.h0_sign
    ms = math.sqrt(1 - eps)
    if not sg:
        return {"warn": False, "eta_star": None, "suggested_lr": None, "success_level": ms,
                "reason": "h(0) = 0: no side to escape to"}
    m = sg * np.linspace(ms / 400, ms, 400)
    h = nm.h(m)
    V = nm.V(m)
    ratio = 2 * np.abs(h) * (1 - m * m) / (nm.red.n * np.maximum(V, 1e-300) * np.abs(m))
    ratio[h * sg <= 0] = 0.0  # h changes sign before m_s: no η reaches success
    eta = float(np.min(ratio))
    warn = abs(plateau) < ms
    return {"warn": bool(warn), "eta_star": eta, "suggested_lr": eta / 2 if eta > 0 else None,
            "success_level": ms, "plateau": float(plateau),
            "reason": (f"the effective ODE plateaus at |m*| = {abs(plateau):.3f} < √(1 − ε) = "
                       f"{ms:.3f} at η = {lr:.3g}" if warn else "the effective ODE reaches the "
                       "success level")}


def build_instance(act, *, k, d, xi, features, lam, c_law, convention, alpha, seed,
                   instance_file=None):
    """The instance ``simulate`` runs: loaded from ``instance_file`` (``.json`` + ``.npz``) or
    drawn from ``default_rng(seed)`` (the same instance as ``lowrank derive --seed``)."""
    from numerics import problem

    if instance_file:
        return problem.Instance.load(instance_file)
    if d < k + 3:
        raise ValueError(f"--d must be at least k + 3 = {k + 3} (Derivation 1 needs d ≥ "
                         "rank(W) + 3)")
    rng = np.random.default_rng(seed)
    return problem.make_instance(rng, d=d, k=k, xi=xi, act=act, features=features, lam=lam,
                                 c=c_law, convention=convention, alpha=alpha, seed=seed)


def describe_instance(inst, *, seed, file) -> dict:
    """The ``instance`` block of the JSON document: scalars, laws and the arrays λ, c, ĉ."""
    meta = inst.meta or {}
    return {"d": inst.d, "k": inst.k, "xi": inst.xi, "act": inst.act,
            "convention": inst.convention, "features": meta.get("features"),
            "lam": meta.get("lam"), "c": meta.get("c"), "alpha": inst.alpha, "rank": inst.rank,
            "seed": meta.get("seed", seed), "file": file, "lam_values": inst.lam,
            "c_values": inst.c, "chat_values": inst.chat}
