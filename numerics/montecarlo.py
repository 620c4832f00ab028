r"""The spherical population gradient of Prop. 4 (p.9) by Monte Carlo in full dimension d.

Prop. 4 states ``(I − ûûᵀ)∇Φ(û) = −h(m)(u − m û)`` with ``m = <u, û>`` and the population loss
``Φ(û) = E_x[(f*(x) − f̂(x))²]`` (no ½, as in Eq. 4). We estimate, for ``û ⊥ span(W)``,

    G = (I − ûûᵀ) Π⊥ E_x[∇_û (f*(x) − f̂(x))²],    Π⊥ = I − Wᵀ(WWᵀ)⁻¹W   (Eq. 4's ∇̂),

as the mean of the per-sample vectors ``T(x) = (I − ûûᵀ) Π⊥ ∇ℓ(û; x)`` over ``n`` fresh Gaussian
samples ``x ~ N(0, I_d)``, in batches. The per-sample Euclidean gradient is the full engine's
(:func:`numerics.sgd.full.gradients`): ``∇ℓ = g x + Σ_j δ_j w_j + γ û``. With ``û ⊥ span(W)``,
``Π⊥ w_j = 0`` and ``Π⊥ û = û``, so by linearity ``T(x) = g (Π⊥x − <û, x> û)`` exactly; no d × d
matrix and no n × d array besides the samples themselves is formed.

Reported, with ``e = (u − m û)/‖u − m û‖`` (the printed direction; u ⊥ span(W), Assumption 2):

* ``along = <G, e>`` with its CLT standard error ``sd(<T, e>)/√n``;
* the orthogonal remainder ``G_⊥ = G − <G, e> e`` (it lies in ``span(W)^⊥ ∩ {û, u}^⊥``, of
  dimension ``D = d − rank(W) − 2``), its norm and its noise level ``√(tr Cov T_⊥)/√n`` (the
  root-mean-square norm of pure noise), ``tr Cov`` estimated without bias from the samples. Under
  Prop. 4, ``G_⊥ = 0``, and ``n‖Ĝ_⊥‖²/tr Cov ≈ χ²_D/D`` (given g, ``T_⊥ = g z`` with z standard
  normal in those D coordinates and independent of g, so the covariance is isotropic there);
* the part removed by Π⊥: the span(W) coordinates (orthonormal basis of span W) of the mean of
  ``(I − ûûᵀ)∇ℓ``, with a Hotelling statistic ``n s̄ᵀ Ŝ⁻¹ s̄ ≈ χ²_r`` for "it is zero" — the
  printed Prop. 4 writes ``(I − ûûᵀ)∇Φ`` without Π⊥;
* the prediction ``−h(m)‖u − m û‖`` with h and its error bound from
  :func:`theory.population.h_closed` (K' in closed form, or its Hermite series with a rigorous
  truncation bound): normalised and raw rows (the App. B convention has no h there: None).

Numerical limits: float64 sums over batches (relative rounding ~1e-16·√(n/batch), far below the
Monte Carlo error); BLAS limited to one thread during the loop (threadpoolctl, if installed).
Cost ≈ n·d normals (drawn by :mod:`numerics.normals`) plus one n × d × (2k + 2) product:
measured 10⁷ samples at d = 100, k = 8 in 9.9 s on one core (16.5 s with NumPy's own bulk
draws, which give the same numbers).

>>> from numerics.problem import make_instance
>>> inst = make_instance(np.random.default_rng(0), d=30, k=4, xi=1.0, act="erf")
>>> rng = np.random.default_rng(1)
>>> est = spherical_gradient(inst, uhat_at(inst, 0.3, rng), rng, n=200_000)
>>> abs(est.along - est.pred) < 5 * est.along_se + est.pred_error
True
"""

from __future__ import annotations

import math
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg
import scipy.stats

from numerics.normals import standard_normal
from numerics.problem import Instance
from numerics.sgd.full import gradients, initial_uhat

__all__ = ["MCGradient", "spherical_gradient", "uhat_at", "prediction", "bonferroni_z",
           "chi_ratio_bound"]


@dataclass
class MCGradient:
    """A Monte Carlo estimate of the spherical population gradient at one û (see module doc).

    ``G`` is the estimated vector (length d); ``e`` the printed direction; ``orth_dof`` is D;
    ``span_w`` the mean span(W) coordinates of ``(I − ûûᵀ)∇ℓ`` (basis ``Q = Wᵀ L⁻ᵀ``, L the
    Cholesky factor of WWᵀ; Q = Wᵀ for orthonormal rows), ``span_w_cov`` the estimated
    covariance of that mean and ``span_w_stat`` its Hotelling statistic (≈ χ²_r if zero);
    ``pred``/``pred_error`` the prediction ``−h(m)‖u − mû‖`` and its error bound (None
    without a theory for the convention).
    """

    m: float
    n: int
    convention: str
    uhat: np.ndarray
    G: np.ndarray
    e: np.ndarray
    along: float
    along_se: float
    orth_norm: float
    orth_noise: float
    orth_dof: int
    span_w: np.ndarray
    span_w_cov: np.ndarray
    span_w_stat: float
    span_w_noise: float
    pred: float | None
    pred_error: float | None
    h: float | None
    seconds: float
    extra: dict = field(default_factory=dict)

    def along_ci(self, z: float) -> tuple[float, float]:
        """``along ± z·se`` (two-sided CLT interval; z from :func:`bonferroni_z`)."""
        return self.along - z * self.along_se, self.along + z * self.along_se

    @property
    def orth_ratio(self) -> float:
        """‖Ĝ_⊥‖ over its noise level; ≈ √(χ²_D/D) if G_⊥ = 0."""
        return self.orth_norm / self.orth_noise if self.orth_noise > 0 else math.inf

    def residual(self, pred_vec: np.ndarray) -> tuple[float, float]:
        """Compare Ĝ with any predicted vector p (length d): ``(<Ĝ − p, e>, ‖(Ĝ − p)_⊥‖)``
        where ``_⊥`` removes the e and û components (p is compared on the tangent space).

        Lets a test feed a wrongly directed prediction; the noise levels are those of Ĝ.
        """
        diff = self.G - np.asarray(pred_vec, float)
        diff = diff - (diff @ self.uhat) * self.uhat
        a = float(diff @ self.e)
        return a, float(np.linalg.norm(diff - a * self.e))


def uhat_at(inst: Instance, m: float, rng: np.random.Generator) -> np.ndarray:
    """A unit û ⊥ span(W) with ``<û, u> = m``, the rest uniform (Eq. 4's constraint set; the
    full engine's :func:`~numerics.sgd.full.initial_uhat`). Needs u ⊥ span(W).

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=12, k=3, xi=1.0, act="relu")
    >>> round(float(uhat_at(inst, -0.4, np.random.default_rng(1)) @ inst.u), 12)
    -0.4
    """
    return initial_uhat(inst, rng, 1, project=True, m0=float(m))[0]


def prediction(inst: Instance, m: float) -> tuple[float, float, float] | None:
    """Prop. 4's along-component ``−h(m)‖u − m û‖ = −h(m)√(1 − m²)`` (unit u, û), its error
    bound, and h(m); normalised or raw rows (theory.population); None for App. B.

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=12, k=2, xi=1.0, act="He3")
    >>> p, err, h = prediction(inst, 0.0)
    >>> p == -h, err < 1e-10
    (True, True)
    """
    from theory.population import h_closed

    if inst.convention not in ("normalised", "raw"):
        return None
    hc = h_closed(float(m), inst.gram(), inst.lam, inst.c, inst.chat, inst.xi, inst.activation,
                  inst.convention)
    s = math.sqrt(max(0.0, 1.0 - m * m))
    return -hc.value * s, hc.error * s, hc.value


def bonferroni_z(alpha: float, pairs: int) -> float:
    """Two-sided normal quantile at level ``alpha/pairs`` (Bonferroni over ``pairs`` tests).

    >>> round(bonferroni_z(0.001, 1), 4)
    3.2905
    """
    return float(scipy.stats.norm.isf(alpha / (2 * pairs)))


def chi_ratio_bound(alpha: float, dof: int, pairs: int = 1) -> float:
    """Upper ``alpha/pairs`` quantile of ``√(χ²_D/D)``: the largest ‖Ĝ_⊥‖/noise accepted.

    >>> round(chi_ratio_bound(0.001, 1), 3)  # √(χ²₁ quantile) = the normal 0.9995 quantile
    3.291
    """
    return math.sqrt(float(scipy.stats.chi2.isf(alpha / pairs, dof)) / dof)


@contextmanager
def _one_blas_thread():
    """Limit BLAS to one thread if threadpoolctl is installed. The products here are thin
    (batch × d × (2k + 2)); on this 2-core shared machine two OpenBLAS threads made them ~20×
    slower than one (thread hand-off dominates), so one thread is both faster and modest."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - optional
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def spherical_gradient(inst: Instance, uhat: np.ndarray, rng: np.random.Generator, *, n: int,
                       batch: int = 16_384) -> MCGradient:
    """Monte Carlo estimate of ``(I − ûûᵀ) Π⊥ E[∇_û (f* − f̂)²]`` at ``û`` (Prop. 4, p.9; Eq. 4's
    projections; loss without ½) from ``n`` samples in batches of ``batch``; the instance's
    convention (normalised, raw or appB rows). Needs ``û`` unit, ``û ⊥ span(W)``, ``u ⊥ span(W)``
    and ``|m| < 1``. Randomness only from ``rng``: same generator state, same result.

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=20, k=3, xi=1.0, act="relu")
    >>> est = spherical_gradient(inst, uhat_at(inst, 0.0, np.random.default_rng(1)),
    ...                          np.random.default_rng(2), n=20_000)
    >>> est.G.shape, est.orth_dof, est.span_w.shape
    ((20,), 15, (3,))
    """
    t0 = time.perf_counter()
    inst.activation.require_gradient()
    uhat = np.asarray(uhat, float).reshape(inst.d)
    if abs(np.linalg.norm(uhat) - 1) > 1e-10:
        raise ValueError("û must be a unit vector")
    scale = 1.0 + np.linalg.norm(inst.W)
    if inst.rank and np.abs(inst.W @ uhat).max() > 1e-10 * scale:
        raise ValueError("û must be orthogonal to span(W) (Eq. 4's constraint set)")
    if inst.alpha > 1e-10:
        raise ValueError("Prop. 4 needs u ⊥ span(W) (Assumption 2); this instance has α > 0")
    if n < 2 or batch < 1:
        raise ValueError("need n ≥ 2 samples and batch ≥ 1")
    d, k, r = inst.d, inst.k, inst.rank
    if d < r + 3:
        raise ValueError(f"need d ≥ rank(W) + 3 (d = {d}, rank {r})")
    m = float(uhat @ inst.u)
    if abs(m) >= 1:
        raise ValueError("need |m| < 1 (the direction u − m û is undefined at m = ±1)")
    e = inst.u - m * uhat
    e /= np.linalg.norm(e)
    W = inst.W
    # one product per batch gives Wx, the teacher's <v_i, x>, <û, x> and <e, x>
    B = np.vstack([W, inst.teacher_rows(), uhat, e]).T
    Linv = scipy.linalg.solve_triangular(inst.chol, np.eye(r), lower=True) if r else None
    Ginv_W = scipy.linalg.cho_solve((inst.chol, True), W) if r else None  # (WWᵀ)⁻¹W
    C = inst.chat[None, :]
    act, o = inst.activation, inst.out_scale
    wu = np.broadcast_to(uhat @ W.T, (batch, k))

    Xbuf = np.empty((min(batch, n), d))
    sum_T = np.zeros(d)  # Σ T(x)
    s_a = s_aa = s_tt = 0.0  # Σ <T,e>, Σ <T,e>², Σ ‖T‖²
    s_w = np.zeros(r)  # Σ span(W) coordinates of (I − ûûᵀ)∇ℓ
    s_ww = np.zeros((r, r))
    done = 0
    with _one_blas_thread():
        while done < n:
            b = min(batch, n - done)
            X = standard_normal(rng, None, out=Xbuf[:b])  # = rng.standard_normal((b, d))
            YV = X @ B
            Y, P, th, xe = YV[:, :k], YV[:, k:2 * k], YV[:, 2 * k], YV[:, 2 * k + 1]
            fstar = o * (act.f(P) @ inst.lam)
            U = np.broadcast_to(uhat, (b, d))
            _, g, delta, _, _ = gradients(inst, U, C, X, fstar=fstar, Y=Y, wu=wu[:b])
            # Σ_i g_i (Π⊥x_i − <û,x_i> û) = Xᵀg − Wᵀ(WWᵀ)⁻¹(Yᵀg) − (g·th) û
            sum_T += g @ X - (g @ th) * uhat
            sq = np.einsum("bd,bd->b", X, X) - th * th
            if r:
                sum_T -= (g @ Y) @ Ginv_W
                Z = Y @ Linv.T  # Qᵀx (b × r), Q = Wᵀ L⁻ᵀ an orthonormal basis of span W
                sq -= np.einsum("br,br->b", Z, Z)  # ‖Π⊥x‖² − <û,x>²
                S = g[:, None] * Z + delta @ inst.chol  # Qᵀ(g x + δW + γû): WQ = L, Qᵀû = 0
                s_w += S.sum(0)
                s_ww += S.T @ S
            a = g * xe  # <T, e> = g <x, e> as e ⊥ span W, û
            s_a += float(a.sum())
            s_aa += float(a @ a)
            s_tt += float((g * g) @ sq)
            done += b
    G = sum_T / n
    along = float(G @ e)
    var_a = (s_aa - n * along**2) / (n - 1)
    Gp = G - along * e
    orth = float(np.linalg.norm(Gp))
    # unbiased tr Cov of T_⊥ = T − <T,e>e: (Σ‖T_⊥‖² − n‖Ḡ_⊥‖²)/(n − 1), ‖T_⊥‖² = ‖T‖² − <T,e>²
    tr_cov = (s_tt - s_aa - n * orth**2) / (n - 1)
    if r:
        sw = s_w / n
        cov_w = (s_ww - n * np.outer(sw, sw)) / (n - 1)
        stat = float(n * sw @ np.linalg.solve(cov_w, sw))
        w_noise = math.sqrt(max(float(np.trace(cov_w)), 0.0) / n)
    else:
        sw, cov_w, stat, w_noise = np.zeros(0), np.zeros((0, 0)), 0.0, 0.0
    pr = prediction(inst, m)
    return MCGradient(
        m=m, n=n, convention=inst.convention, uhat=uhat.copy(), G=G, e=e, along=along,
        along_se=math.sqrt(max(var_a, 0.0) / n), orth_norm=orth,
        orth_noise=math.sqrt(max(tr_cov, 0.0) / n), orth_dof=d - r - 2, span_w=sw,
        span_w_cov=cov_w / n,
        span_w_stat=stat, span_w_noise=w_noise,
        pred=None if pr is None else pr[0], pred_error=None if pr is None else pr[1],
        h=None if pr is None else pr[2], seconds=time.perf_counter() - t0)
