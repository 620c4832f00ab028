r"""First-passage times of SGD at the best step size of a log grid, and power-law fits with
bootstrap intervals: the measuring instrument of the scaling claims (Thms. 11–13, 19, the GLM).

**What is measured.** For one instance (a JSON spec, :mod:`numerics.experiments.common`), the
exact reduced chain of Eq. (4) (ĉ frozen, gradient projected off span W, **normalised rows**: the
theorems' convention, App. D.1) is run at step sizes ``η = ηd/d`` with ``ηd`` on the descending
grid :data:`ETAD_GRID` (factors of 2). For each η, ``runs`` runs from the theorems' start (û₀
uniform on the sphere of span(W)^⊥, flipped to sign(h(0)); or ``m₀ = scale/√d`` fixed) and the
first step with ``m² ≥ 1 − ε`` (``target="success"``, Thms. 11–13) or ``|m| > r``
(``target="escape"``) is recorded. A run that does not arrive by its cap is censored (+∞).
``T(η)`` is the median over runs. **The best η** is the one with the least ``T(η)`` among those
where at least 3/4 of the runs arrive; its ``T`` is the instance's step count.

**Caps and the search.** The population recursion's time to the target,
``T_rec(η) = (1/η) ∫ dm / (h(m)(1 − m²))`` from the median start ``0.6745/√d`` (by quadrature
on Prop. 4's h, :func:`theory.population.hfun`), is what SGD would take without noise; a run is
capped at ``cap_factor · T_rec(η)`` (at most ``max_steps``). Large η fail fast (noise keeps SGD
on a plateau, Derivation 2); the search goes down the grid and stops at the first η after a
success whose ``T(η)`` is larger than the best so far (its runs are capped at 1.25 × the best
``T``: beyond that they are worse whatever they do), or at ``max_steps``. A step size's runs end
as soon as all of them have arrived (``reduced.run(stop=...)``: the same passage times). An
instance whose h vanishes between the start and the target has ``T_rec = ∞``: no SGD is run and
the instance is reported as such (Condition 3 fails there), never silently dropped.

**What the fit can and cannot show.** At a fixed law ``η = c/d`` the drift per step (ηh) and the
noise (η²dV, Derivation 2) both scale like 1/d, so ``T ∝ d`` up to the log of the start ``1/√d``
is built in. Taking the best η per point instead measures the fastest schedule on the grid:
``T_best`` is an upper bound on the optimal step count (to a factor ≤ 2 from the grid's
resolution), and its fitted exponents estimate how the sample complexity of online SGD scales.
They are finite-size exponents over the range tried; log factors show up as exponents above the
integer (``d log³ d`` over d ∈ [500, 8000] looks like d^{1.4}). The fitted law of the best η is
reported beside.

The fits here are bootstrap fits over instances (the issue asks bootstrap intervals, and the
d-sweeps repeat each instance at every d); :mod:`numerics.fits` has the plain least-squares
power law with its t-interval, for points that are not repeated instances.

>>> grid_etad(3)
[2.0, 1.0, 0.5]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.integrate
import scipy.stats

from numerics import grid
from numerics.experiments.common import CHAIN_SOURCES, build

__all__ = ["ETAD_GRID", "grid_etad", "recursion_integral", "passage_task", "fit_power_law",
           "MIN_FRACTION"]

#: ηd values tried, descending by factors of 2 (2 … 2⁻¹⁴).
ETAD_GRID = tuple(2.0 ** (1 - j) for j in range(16))
#: Fraction of runs that must arrive for a step size to count.
MIN_FRACTION = 0.75


def grid_etad(n: int | None = None) -> list[float]:
    """The first ``n`` values of :data:`ETAD_GRID` (all by default)."""
    return list(ETAD_GRID[:n])


def recursion_integral(h, m_start: float, m_end: float) -> float:
    """``∫ dm / (h(m)(1 − m²))`` from ``m_start`` to ``m_end`` (same sign, ``|m_end| < 1``):
    the population recursion's time to go from one to the other, times η. ``inf`` when h has
    the wrong sign (or vanishes) somewhere on the way (checked on a 400-point scan first).

    >>> round(recursion_integral(lambda m: np.ones_like(m), 0.0, 0.5), 12)  # atanh(1/2)
    0.549306144334
    """
    sgn = 1.0 if m_end >= m_start else -1.0
    ms = np.linspace(m_start, m_end, 401)
    hv = np.asarray(h(ms), dtype=float) * sgn
    if np.any(hv <= 0):
        return math.inf

    def f(m):
        return 1.0 / (sgn * float(h(np.array([m]))[0]) * (1 - m * m))

    val, _err = scipy.integrate.quad(f, m_start, m_end, limit=200, epsrel=1e-8)
    return abs(val)


def _cost(p: dict) -> float:
    # a prior, not a measurement: ~ cap × runs summed over ~6 step sizes near the optimum,
    # with the optimum's T from the profile's estimate "t_guess" (steps)
    s = p["instance"]
    t = float(p.get("t_guess", 1e5))
    return grid.chain_cost(int(p["runs"]), int(3 * p.get("cap_factor", 4) * t), s["k"],
                           False, s["act"])


@grid.task(sources=CHAIN_SOURCES + ("theory.population", "theory.kernels", "theory.hermite"),
           cost=_cost)
def passage_task(p: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """The best-η first-passage time of one instance (see the module docstring). ``p``:
    ``instance`` (spec), ``target`` ("success"/"escape"), ``eps``, ``r``, ``start``
    ("random" or a float scale s: m₀ = s·sign/√d), ``runs``, ``cap_factor``, ``max_steps``,
    ``etad`` (optional list, descending; default :data:`ETAD_GRID`)."""
    from numerics.sgd import reduced
    from theory.population import hfun

    inst = build(p["instance"])
    d = inst.d
    h = hfun(inst.gram(), inst.lam, inst.c, inst.chat, inst.xi, inst.act, inst.convention)
    h0 = float(h(np.array([0.0]))[0])
    sign = 1.0 if h0 >= 0 else -1.0
    eps, r = float(p.get("eps", 0.1)), float(p.get("r", 0.5))
    target = p.get("target", "success")
    m_end = sign * (math.sqrt(1 - eps) if target == "success" else r)
    start = p.get("start", "random")
    m_typ = sign * (0.6745 if start == "random" else float(start)) / math.sqrt(d)
    integral = recursion_integral(h, m_typ, m_end)
    runs = int(p["runs"])
    out: dict[str, Any] = {"h0": h0, "integral": integral, "d": d, "k": inst.k,
                           "target": target}
    rows = {"etad": [], "cap": [], "fraction": [], "median": [], "q25": [], "q75": []}
    best = {"etad": math.nan, "T": math.inf, "fraction": 0.0, "times": np.full(runs, np.inf)}
    if not math.isfinite(integral):
        out.update({k: np.asarray(v, dtype=float) for k, v in rows.items()})
        out.update({"best_etad": math.nan, "best_T": math.inf, "best_fraction": 0.0,
                    "best_times": best["times"], "reason": "h changes sign before the target"})
        return out
    kw = {"eps": eps, "r": r, "record_every": None}
    if start == "random":
        kw.update(sign_flip=True, h0_sign=sign)
    else:
        kw.update(m0=m_typ)
    for etad in p.get("etad") or ETAD_GRID:
        lr = etad / d
        cap = int(min(math.ceil(float(p.get("cap_factor", 4.0)) * integral / lr),
                      int(p["max_steps"])))
        if math.isfinite(best["T"]):
            cap = min(cap, int(math.ceil(1.25 * best["T"])))
        tr = reduced.run(inst, rng, runs=runs, steps=cap, lr=lr, grid=[cap], stop=target,
                         **kw)
        t = (tr.t_success if target == "success" else tr.t_escape).astype(float)
        t[t < 0] = np.inf
        frac = float(np.mean(np.isfinite(t)))
        med = float(np.median(t))
        rows["etad"].append(etad)
        rows["cap"].append(cap)
        rows["fraction"].append(frac)
        rows["median"].append(med)
        with np.errstate(invalid="ignore"):  # quantiles of censored (+∞) times
            rows["q25"].append(float(np.quantile(t, 0.25)))
            rows["q75"].append(float(np.quantile(t, 0.75)))
        if frac >= MIN_FRACTION and med < best["T"]:
            best = {"etad": etad, "T": med, "fraction": frac, "times": t}
        elif math.isfinite(best["T"]) or cap >= int(p["max_steps"]):
            break
    out.update({k: np.asarray(v, dtype=float) for k, v in rows.items()})
    out.update({"best_etad": best["etad"], "best_T": best["T"],
                "best_fraction": best["fraction"], "best_times": np.asarray(best["times"]),
                "reason": "" if math.isfinite(best["T"]) else
                f"no step size on the grid brought {MIN_FRACTION:.0%} of the runs to the "
                f"target within {int(p['max_steps'])} steps"})
    return out


def fit_power_law(X: np.ndarray, T: np.ndarray, names: list[str], *, n_boot: int = 2000,
                  seed: int = 0, level: float = 0.95) -> dict[str, Any]:
    """Least squares ``log T = Σ_j a_j log X_j + c`` over the finite points, with
    percentile-bootstrap intervals (pairs resampled: ``scipy.stats.bootstrap``, ``paired``),
    widened about the estimate by ``√(n/(n − p − 1))`` (p exponents): the plain pairs bootstrap
    under-covers with a dozen points (the residual variance it resamples is the biased one; the
    same factor as the HC1 correction of regression standard errors).

    >>> x = np.array([[100.], [200.], [400.], [800.]] * 10)
    >>> T = 3 * x[:, 0] ** 1.5 * np.exp(np.random.default_rng(0).normal(0, .05, 40))
    >>> f = fit_power_law(x, T, ["d"]); abs(f["exponents"]["d"] - 1.5) < 0.05
    True
    >>> f["ci"]["d"][0] < 1.5 < f["ci"]["d"][1]
    True
    """
    X = np.asarray(X, dtype=float).reshape(len(T), -1)
    T = np.asarray(T, dtype=float)
    ok = np.isfinite(T) & (T > 0)
    L = np.log(X[ok])
    y = np.log(T[ok])
    A = np.column_stack([L, np.ones(len(y))])
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    out = {"exponents": {n: float(coef[j]) for j, n in enumerate(names)},
           "constant": float(math.exp(coef[-1])), "n": int(ok.sum()), "n_censored":
           int((~ok).sum()), "ci": {}, "level": level}
    if ok.sum() < len(names) + 2:
        out["ci"] = {n: (math.nan, math.nan) for n in names}
        return out
    for j, n in enumerate(names):
        def stat(*cols, j=j):
            Lb = np.column_stack(cols[:-1])
            Ab = np.column_stack([Lb, np.ones(len(cols[-1]))])
            c, *_ = np.linalg.lstsq(Ab, cols[-1], rcond=None)
            return c[j]

        res = scipy.stats.bootstrap((*L.T, y), stat, paired=True, vectorized=False,
                                    n_resamples=n_boot, confidence_level=level,
                                    method="percentile", rng=np.random.default_rng(seed))
        lo, hi = res.confidence_interval
        a, w = float(coef[j]), math.sqrt(len(y) / (len(y) - len(names) - 1))
        out["ci"][n] = (a - w * (a - float(lo)), a + w * (float(hi) - a))
    return out


def fit_within(X: np.ndarray, T: np.ndarray, *, n_boot: int = 2000, seed: int = 0,
               level: float = 0.95) -> dict[str, Any]:
    """The common exponent ``a`` of ``T_ij ∝ X_ij^a`` over instances i that each have their own
    constant (rows: instances, columns: points; the within-instance least-squares slope of
    log T on log X), with a percentile-bootstrap interval over instances (whole rows resampled,
    ``scipy.stats.bootstrap``). Censored (non-finite) entries are left out.

    >>> x = np.tile([100., 200., 400., 800.], (5, 1))
    >>> c = np.exp(np.random.default_rng(1).normal(0, 1, (5, 1)))      # instance constants
    >>> T = c * x ** 1.2 * np.exp(np.random.default_rng(2).normal(0, .02, x.shape))
    >>> f = fit_within(x, T); round(f["exponent"], 2), f["ci"][0] < 1.2 < f["ci"][1]
    (1.2, True)
    """
    X = np.log(np.asarray(X, float))
    Tf = np.asarray(T, float)
    ok = np.isfinite(Tf) & (Tf > 0)
    Y = np.where(ok, np.log(np.where(ok, Tf, 1.0)), np.nan)
    X = np.where(ok, X, np.nan)

    def slope(idx):
        idx = np.asarray(idx, dtype=int)
        x, y = X[idx], Y[idx]
        xc = x - np.nanmean(x, axis=1, keepdims=True)
        yc = y - np.nanmean(y, axis=1, keepdims=True)
        den = np.nansum(xc * xc)
        return float(np.nansum(xc * yc) / den) if den > 0 else math.nan

    rows = np.arange(X.shape[0])[np.sum(ok, axis=1) >= 2]
    a = slope(rows)
    out = {"exponent": a, "n_instances": int(rows.size), "n_censored": int((~ok).sum()),
           "level": level, "ci": (math.nan, math.nan)}
    if rows.size >= 3:
        res = scipy.stats.bootstrap((rows,), slope, vectorized=False, n_resamples=n_boot,
                                    confidence_level=level, method="percentile",
                                    rng=np.random.default_rng(seed))
        out["ci"] = (float(res.confidence_interval.low), float(res.confidence_interval.high))
    return out
