r"""LoRA-One's spectral start in the Dayi–Chen setting: the one-step gradient from samples, its
alignment with u, and warm starts for the SGD engines.

Theory in :mod:`theory.spectral` (``G Π⊥ = a uᵀ``, the first-order alignment law). Here:

* :func:`onestep_mc` — the population ``G Π⊥`` by Monte Carlo in full dimension d (the check of
  the formula for a): the u-coefficients with CLT standard errors, and the part orthogonal to u
  with an exact χ² statistic for "it is zero" (given the per-sample weights, that part is a
  Gaussian matrix with known covariance; see the function).
* :func:`estimate` — the finite-sample estimator: top singular pair of ``G_N Π⊥`` (k × d), plain
  or left-whitened by ``Q̂^{−1/2}``, ``Q̂ = (1/N) Σ q_n q_nᵀ``.
* :func:`alignment_draws` / :func:`first_passage` — the same estimator's ``<v, u>²`` drawn
  exactly in law in reduced coordinates (model.md's Derivation 1 applied to this estimator):
  with ``Π⊥x = z u + ζ``, ζ ~ N(0, I_D) independent of ``(Wx, z)``, ``D = d − k − 1``, the
  estimator's matrix is ``[a_N | E]`` in the basis (u, ζ-coordinates), ``a_N = (1/N) Σ q_n z_n``,
  and given the q's, ``EEᵀ ~ Wishart_k(D, S/N²)``, ``S = Σ q_n q_nᵀ``. Only ``AAᵀ = a_N a_Nᵀ +
  EEᵀ`` (k × k) is needed: its top eigenpair (σ², ℓ) gives ``<v, u>² = (a_Nᵀℓ)²/σ²``. Cost
  O(Nk) per draw instead of O(Nd). For a nested sequence of N (first passages) the k × D noise is
  carried as a k × k square root: with ``F = Σ q_n ζ_nᵀ = F̃Vᵀ`` (``F̃F̃ᵀ = FFᵀ``), adding a batch
  with covariance ``S_Δ`` gives ``F'F'ᵀ = (F̃ + S_Δ^{½}Z)(F̃ + S_Δ^{½}Z)ᵀ + Wishart_k(D − k, S_Δ)``,
  Z a k × k standard Gaussian (the batch's noise split along V and V⊥): exact, O(k³) per step.
* :func:`noise_covariance` / :func:`law` — ``Q = E[q qᵀ]`` by Monte Carlo in the reduced
  coordinates, hence N½ (plain and whitened) and the predicted alignment ``1/(1 + N½/N)``.
* :func:`warm_start` — initial û (as ``m₀``) and ĉ for the engines of :mod:`numerics.sgd`.

Per-sample vectors: ``q_n = (f*(x_n) − f₀(x_n)) s_n`` with ``s_{n,i} = 2 λ_i σ'(<w̄_i, x_n>)/g_i``
(normalised rows, ``w̄_i = w_i/g_i``) or ``2 λ_i σ'(<w_i, x_n>)`` (raw rows); the loss has no ½
(model.md). Conventions: normalised and raw rows (App. B's has no Stein formula here: refused).

>>> from numerics.problem import make_instance
>>> inst = make_instance(np.random.default_rng(0), d=60, k=3, xi=1.0, act="relu")
>>> est = estimate(inst, np.random.default_rng(1).standard_normal((4000, 60)))
>>> bool(est.cos2 > 0.5), est.left.shape
(True, (3,))
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.stats
from threadpoolctl import threadpool_limits

from numerics.normals import standard_normal
from numerics.problem import Instance
from theory import spectral as th

__all__ = [
    "OneStepMC",
    "onestep_mc",
    "onestep_theory",
    "SpectralEstimate",
    "estimate",
    "reduced_samples",
    "alignment_draws",
    "draw_estimate",
    "first_passage",
    "noise_covariance",
    "Law",
    "law",
    "WarmStart",
    "warm_start",
]


def _check(inst: Instance) -> None:
    if inst.convention not in ("normalised", "raw"):
        raise ValueError(f"the one-step formula covers normalised and raw rows, not "
                         f"{inst.convention!r}")
    if inst.rank != inst.k:
        raise ValueError("the spectral start needs W of full row rank k")
    if inst.alpha > 1e-10:
        raise ValueError("the one-step formula needs u ⊥ span(W) (Assumption 2)")
    inst.activation.require_gradient()


def _base(inst: Instance) -> tuple[np.ndarray, np.ndarray]:
    """(scale of the base pre-activation, factor in s): normalised (1/g, 1/g), raw (1, 1)."""
    if inst.convention == "normalised":
        g = np.sqrt(np.diag(inst.gram()))
        return 1.0 / g, 1.0 / g
    return np.ones(inst.k), np.ones(inst.k)


def onestep_theory(inst: Instance, half: bool = False) -> th.OneStep:
    """:func:`theory.spectral.onestep_a` for the instance's arrays and convention.

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=20, k=2, xi=1.0, act="He2")
    >>> onestep_theory(inst).value.shape
    (2,)
    """
    _check(inst)
    return th.onestep_a(inst.gram(), inst.lam, inst.c, inst.xi, inst.act, inst.convention,
                        half=half)


def _q(inst: Instance, Y: np.ndarray, fstar: np.ndarray) -> np.ndarray:
    """Per-sample vectors q_n (n × k) from ``Y = XWᵀ`` and the teacher's outputs."""
    scale, fac = _base(inst)
    P = Y * scale
    f0 = inst.activation.f(P) @ inst.lam
    return (fstar - f0)[:, None] * (2 * inst.lam * fac * inst.activation.df(P))


# ------------------------------------------------------------------------ population, MC


@dataclass
class OneStepMC:
    """Monte Carlo estimate of the population ``G Π⊥`` (k × d) at the base model.

    ``a_hat``/``a_se``: its u-coefficients (``Ĝ Π⊥ u``) and their CLT standard errors;
    ``resid_stat``: ``N² tr(Ĝ_⊥ᵀ S⁻¹ Ĝ_⊥)`` for the part orthogonal to u, which is exactly
    χ²_{k·D} given the q's if the population part is zero (``dof``); ``resid_rel``: ‖Ĝ_⊥‖_F/‖â‖.
    """

    n: int
    a_hat: np.ndarray
    a_se: np.ndarray
    resid_stat: float
    dof: int
    resid_rel: float
    seconds: float
    extra: dict = field(default_factory=dict)

    def z(self, a: np.ndarray, err: np.ndarray | None = None) -> np.ndarray:
        """z statistics of a predicted a: ``(â − a)/se`` shrunk towards 0 by the prediction's
        error bound (``|â − a| − err``, floored at 0, keeps the sign)."""
        diff = self.a_hat - np.asarray(a, float)
        if err is not None:
            diff = np.sign(diff) * np.maximum(np.abs(diff) - np.asarray(err, float), 0.0)
        return diff / self.a_se

    def resid_p(self) -> float:
        """Upper tail probability of the residual statistic under χ²_{dof}."""
        return float(scipy.stats.chi2.sf(self.resid_stat, self.dof))


def onestep_mc(inst: Instance, rng: np.random.Generator, n: int, batch: int = 8192) -> OneStepMC:
    """Estimate ``G Π⊥ = E[q (Π⊥x)ᵀ]`` from n fresh samples in full dimension d (loss without
    ½; :func:`theory.spectral.onestep_a` is the prediction of its u-coefficients).

    Given the q's, the part orthogonal to u and span(W), ``Ĝ_⊥ = (1/n) Σ q_n ζ_nᵀ``, is a
    Gaussian matrix with independent columns ``N(0, S/n²)`` in the D = d − k − 1 coordinates
    of ``span(W, u)^⊥`` (ζ independent of q): ``n² tr(Ĝ_⊥ᵀ S⁻¹ Ĝ_⊥) ~ χ²_{kD}`` exactly when
    the population part is zero. Randomness only from ``rng``; cost ≈ n·d normals.

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=20, k=2, xi=1.0, act="erf")
    >>> mc = onestep_mc(inst, np.random.default_rng(1), 20_000)
    >>> bool(np.all(np.abs(mc.z(onestep_theory(inst).value)) < 5)), mc.dof
    (True, 34)
    """
    _check(inst)
    t0 = time.perf_counter()
    d, k = inst.d, inst.k
    Vt = inst.teacher_rows()
    B = np.vstack([inst.W, Vt, inst.u[None]]).T  # one product: Wx, teacher, z
    sum_qz = np.zeros(k)
    sum_qz2 = np.zeros(k)
    S = np.zeros((k, k))
    F = np.zeros((k, d))  # Σ q_n (Π⊥x_n)ᵀ
    done = 0
    Xbuf = np.empty((min(batch, n), d))
    while done < n:
        b = min(batch, n - done)
        X = standard_normal(rng, None, out=Xbuf[:b])
        YV = X @ B
        Y, P, z = YV[:, :k], YV[:, k:2 * k], YV[:, 2 * k]
        fstar = inst.out_scale * (inst.activation.f(P) @ inst.lam)
        q = _q(inst, Y, fstar)
        qz = q * z[:, None]
        sum_qz += qz.sum(0)
        sum_qz2 += (qz * qz).sum(0)
        S += q.T @ q
        F += q.T @ X
        done += b
    F = inst.project_perp(F)  # rows: Σ q_n (Π⊥x_n)ᵀ (projection is linear)
    Ghat = F / n
    a_hat = Ghat @ inst.u
    var = (sum_qz2 - n * a_hat**2) / (n - 1)
    Gperp = Ghat - np.outer(a_hat, inst.u)
    stat = float(n**2 * np.sum(Gperp * np.linalg.solve(S, Gperp)))  # n² tr(Ĝ_⊥ᵀ S⁻¹ Ĝ_⊥)
    return OneStepMC(n=n, a_hat=a_hat, a_se=np.sqrt(np.maximum(var, 0) / n), resid_stat=stat,
                     dof=k * (d - k - 1),
                     resid_rel=float(np.linalg.norm(Gperp) / max(np.linalg.norm(a_hat), 1e-300)),
                     seconds=time.perf_counter() - t0)


# ------------------------------------------------------------------------ the estimator


@dataclass
class SpectralEstimate:
    """Top singular pair of ``G_N Π⊥`` (plain) or of ``Q̂^{−1/2} G_N Π⊥`` (whitened).

    ``v`` (d): the right singular vector, the estimate of ±u; ``left`` (k, unit): the
    estimate of ±a/‖a‖ (for the whitened estimator, ``Q̂^{1/2}`` times its left vector,
    renormalised); the pair's signs are consistent (``leftᵀ G_N Π⊥ v > 0``); ``cos2 = <v, u>²``;
    ``n`` samples.
    """

    v: np.ndarray
    left: np.ndarray
    sigma: float
    cos2: float
    cos: float
    n: int
    whiten: bool


def _sqrt_psd(S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(S^{1/2}, S^{−1/2}) of a positive definite matrix by eigh."""
    w, V = np.linalg.eigh(S)
    if w[0] <= 0:
        raise ValueError("the per-sample covariance is singular: too few samples")
    return (V * np.sqrt(w)) @ V.T, (V / np.sqrt(w)) @ V.T


def estimate(inst: Instance, X: np.ndarray, whiten: bool = False) -> SpectralEstimate:
    """The spectral estimate from the samples ``X`` (n × d; teacher outputs computed from the
    instance): ``G_N Π⊥ = (1/n) Σ q_n (Π⊥x_n)ᵀ``, its top singular pair (module docstring).

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=40, k=3, xi=1.0, act="erf")
    >>> X = np.random.default_rng(1).standard_normal((3000, 40))
    >>> e, w = estimate(inst, X), estimate(inst, X, whiten=True)
    >>> bool(e.cos2 > 0.5 and w.cos2 > 0.5)
    True
    """
    _check(inst)
    X = np.atleast_2d(np.asarray(X, float))
    n = X.shape[0]
    q = _q(inst, X @ inst.W.T, inst.f_star(X))
    A = inst.project_perp(q.T @ X) / n  # k × d
    if whiten:
        half, ihalf = _sqrt_psd(q.T @ q / n)
        A = ihalf @ A
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    left, v = U[:, 0], Vt[0]
    if whiten:
        left = half @ left
        left /= np.linalg.norm(left)
    c = float(v @ inst.u)
    return SpectralEstimate(v=v, left=left, sigma=float(s[0]), cos2=c * c, cos=c, n=n,
                            whiten=whiten)


# ------------------------------------------------------------------------ reduced coordinates


def reduced_samples(inst: Instance, rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    """``(q, z)`` for n samples drawn in the reduced coordinates ``(Wx, <u, x>)`` (the law of
    the full-dimensional ones under Assumption 2): q (n × k), z (n).

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=30, k=3, xi=1.0, act="relu")
    >>> q, z = reduced_samples(inst, np.random.default_rng(1), 5)
    >>> q.shape, z.shape
    ((5, 3), (5,))
    """
    _check(inst)
    k = inst.k
    Z = rng.standard_normal((n, k + 1))
    Y = Z[:, :k] @ inst.chol.T
    z = Z[:, k]
    # teacher pre-activations <w_j + ξc_j u, x>·scale = (Y_j + ξ c_j z)·scale (u ⊥ span W)
    T = Y + inst.xi * inst.c * z[:, None]
    if inst.convention == "normalised":
        T = T / np.sqrt(np.diag(inst.gram()) + inst.xi**2 * inst.c**2)
    fstar = inst.activation.f(T) @ inst.lam
    return _q(inst, Y, fstar), z


def _top(M: np.ndarray) -> tuple[float, np.ndarray]:
    w, V = np.linalg.eigh(M)
    return float(w[-1]), V[:, -1]


def _pair(a: np.ndarray, FF: np.ndarray, S: np.ndarray | None) -> tuple[float, np.ndarray]:
    """The signed ``<v, u>`` and the unit left vector (unwhitened; the pair's signs consistent)
    from ``a_N`` (times N) and ``FFᵀ`` (``F = Σ q ζᵀ``), whitened by ``S^{−1/2}`` when S is
    given (every quantity here is scale-free)."""
    if S is None:
        s2, ell = _top(np.outer(a, a) + FF)
        return (a @ ell) / math.sqrt(s2), ell
    half, ihalf = _sqrt_psd(S)
    aw = ihalf @ a
    Mw = ihalf @ FF @ ihalf
    s2, ell = _top(np.outer(aw, aw) + (Mw + Mw.T) / 2)
    left = half @ ell  # back to the unwhitened left space: the direction of a
    return (aw @ ell) / math.sqrt(s2), left / np.linalg.norm(left)


def _cos2(a, FF, S):
    c, ell = _pair(a, FF, S)
    return c * c, ell


def draw_estimate(inst: Instance, rng: np.random.Generator, n: int,
                  whiten: bool = False) -> tuple[float, np.ndarray]:
    """One draw, exactly in law, of the estimator's signed ``<v, u>`` and unit left vector
    from n samples (reduced coordinates, module docstring): what :func:`warm_start` needs.

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=100, k=3, xi=1.0, act="relu")
    >>> cos, left = draw_estimate(inst, np.random.default_rng(1), 5000)
    >>> bool(abs(cos) > 0.8), left.shape
    (True, (3,))
    """
    q, z = reduced_samples(inst, rng, n)
    S = q.T @ q
    return _pair(q.T @ z, _wishart(rng, inst.d - inst.k - 1, S), S if whiten else None)


def _wishart(rng: np.random.Generator, df: int, S: np.ndarray) -> np.ndarray:
    """A draw of Wishart_k(df, S), df ≥ k, by Bartlett's decomposition ``L A Aᵀ Lᵀ`` (L the
    Cholesky factor of S, A lower triangular with ``A_ii² ~ χ²(df − i)`` and standard normals
    below the diagonal). By hand because ``scipy.stats.wishart`` costs ~0.5 ms a call in
    set-up (the nested draws make thousands of calls); tested against it."""
    k = S.shape[0]
    A = np.tril(rng.standard_normal((k, k)), -1)
    A[np.diag_indices(k)] = np.sqrt(rng.chisquare(df - np.arange(k)))
    LA = _factor(S) @ A
    return LA @ LA.T


def _factor(S: np.ndarray) -> np.ndarray:
    """A square root F (FFᵀ = S) of a positive semi-definite k × k matrix, by eigh (a batch may
    leave a ReLU unit inactive on every sample: S singular, and Cholesky would fail)."""
    w, V = np.linalg.eigh((S + S.T) / 2)
    return V * np.sqrt(np.maximum(w, 0.0))


def alignment_draws(inst: Instance, rng: np.random.Generator, n: int, reps: int,
                    whiten: bool | str = False, _df_shift: int = 0) -> np.ndarray:
    """``reps`` independent draws of the estimator's ``<v, u>²`` with n samples, exactly in law
    (module docstring), plain, whitened, or ``whiten="both"`` (the two estimators on the same
    samples: shape reps × 2, plain first). Cost O(reps·n·k). ``_df_shift`` deliberately breaks
    the law (Wishart degrees of freedom D + shift): it exists only so a test can show that the
    comparison with the full estimator detects such an error.

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=200, k=3, xi=1.0, act="relu")
    >>> c2 = alignment_draws(inst, np.random.default_rng(1), 2000, 50)
    >>> c2.shape, bool(0 < c2.mean() < 1)
    ((50,), True)
    """
    D = inst.d - inst.k - 1
    if D < inst.k:
        raise ValueError("need d ≥ 2k + 1 for the reduced draw")
    both = whiten == "both"
    out = np.empty((reps, 2)) if both else np.empty(reps)
    with threadpool_limits(limits=1, user_api="blas"):  # k × k algebra: threads only cost
        for r in range(reps):
            q, z = reduced_samples(inst, rng, n)
            S = q.T @ q
            FF = _wishart(rng, D + _df_shift, S)
            a = q.T @ z
            if both:
                out[r] = _cos2(a, FF, None)[0], _cos2(a, FF, S)[0]
            else:
                out[r] = _cos2(a, FF, S if whiten else None)[0]
    return out


def first_passage(inst: Instance, rng: np.random.Generator, grid, level: float, reps: int,
                  whiten: bool = False, return_path: bool = False):
    """For each of ``reps`` independent sample streams, the first N on the increasing ``grid``
    at which the estimator (built from the first N samples of the stream) has
    ``|<v, u>| ≥ level``; −1 if never. Exact in law (nested updates of the module docstring).
    With ``return_path``, also the ``<v, u>²`` at every grid point (reps × len(grid)).

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=100, k=3, xi=1.0, act="relu")
    >>> fp = first_passage(inst, np.random.default_rng(1), [100, 1000, 10_000, 100_000], 0.9, 5)
    >>> fp.shape, bool(np.all(fp != 100))
    ((5,), True)
    """
    grid = np.asarray(grid, dtype=np.int64)
    k, D = inst.k, inst.d - inst.k - 1
    if grid.size == 0 or grid[0] < k or np.any(np.diff(grid) < k):
        raise ValueError("grid must be increasing sample counts, steps of at least k")
    if D < 2 * k:
        raise ValueError("need d ≥ 3k + 1 for the nested draw")
    out = np.full(reps, -1, dtype=np.int64)
    path = np.full((reps, grid.size), np.nan)
    with threadpool_limits(limits=1, user_api="blas"):
        _passages(inst, rng, grid, level, whiten, return_path, out, path)
    return (out, path) if return_path else out


def _passages(inst, rng, grid, level, whiten, return_path, out, path) -> None:
    k, D = inst.k, inst.d - inst.k - 1
    for r in range(out.size):
        a = np.zeros(k)
        S = np.zeros((k, k))
        Ft = np.zeros((k, k))  # F̃ with F̃F̃ᵀ = FFᵀ
        prev = 0
        for gi, N in enumerate(grid):
            q, z = reduced_samples(inst, rng, int(N - prev))
            prev = int(N)
            a += q.T @ z
            Sd = q.T @ q
            S += Sd
            A1 = Ft + _factor(Sd) @ rng.standard_normal((k, k))
            FF = A1 @ A1.T + _wishart(rng, D - k, Sd)
            Ft = _factor(FF)
            c2 = _cos2(a, FF, S if whiten else None)[0]
            path[r, gi] = c2
            if out[r] < 0 and c2 >= level * level:
                out[r] = N
                if not return_path:
                    break


# ------------------------------------------------------------------------ the law


def noise_covariance(inst: Instance, rng: np.random.Generator, n: int,
                     batch: int = 1 << 16) -> tuple[np.ndarray, np.ndarray]:
    """``Q = E[q qᵀ]`` (k × k) by Monte Carlo in the reduced coordinates, and the standard
    error of each entry (CLT).

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=30, k=2, xi=1.0, act="relu")
    >>> Q, se = noise_covariance(inst, np.random.default_rng(1), 10_000)
    >>> Q.shape, bool(np.all(se < Q.diagonal().max()))
    ((2, 2), True)
    """
    k = inst.k
    s1 = np.zeros((k, k))
    s2 = np.zeros((k, k))
    done = 0
    while done < n:
        b = min(batch, n - done)
        q, _ = reduced_samples(inst, rng, b)
        P = q[:, :, None] * q[:, None, :]
        s1 += P.sum(0)
        s2 += (P * P).sum(0)
        done += b
    Q = s1 / n
    var = (s2 - n * Q * Q) / (n - 1)
    return Q, np.sqrt(np.maximum(var, 0) / n)


@dataclass
class Law:
    """The first-order law for one instance: ``a`` (theory), ``Q`` (Monte Carlo), D, and N½
    plain / whitened with a standard error from Q's Monte Carlo error (delta method by
    perturbation)."""

    a: np.ndarray
    Q: np.ndarray
    D: int
    n_half: float
    n_half_white: float
    n_half_se: float
    n_half_white_se: float
    samples: int

    def cos2(self, n, whiten: bool = False):
        """Predicted ``<v, u>²`` with n samples (:func:`theory.spectral.cos2_first_order`)."""
        return th.cos2_first_order(n, self.n_half_white if whiten else self.n_half)


def law(inst: Instance, rng: np.random.Generator, n_mc: int = 1_000_000) -> Law:
    """N½ of the instance (plain and whitened): a from :func:`onestep_theory`, Q from
    :func:`noise_covariance` with ``n_mc`` samples; the standard error of N½ propagates Q's
    entrywise standard errors linearly (numerical derivative in each entry).

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=200, k=3, xi=1.0, act="relu")
    >>> L = law(inst, np.random.default_rng(1), 20_000)
    >>> bool(L.n_half_white <= L.n_half * 1.01)
    True
    """
    a = onestep_theory(inst).value
    Q, se = noise_covariance(inst, rng, n_mc)
    D = inst.d - inst.k - 1
    out = []
    for white in (False, True):
        base = th.n_half(a, Q, D, white)
        grad_sq = 0.0
        for i in range(inst.k):
            for j in range(i, inst.k):
                E = np.zeros_like(Q)
                h = 1e-6 * max(abs(Q[i, j]), Q.diagonal().max())
                E[i, j] = E[j, i] = h
                dv = (th.n_half(a, Q + E, D, white) - base) / h
                grad_sq += (dv * se[i, j]) ** 2
        out.append((base, math.sqrt(grad_sq)))
    return Law(a=a, Q=Q, D=D, n_half=out[0][0], n_half_white=out[1][0], n_half_se=out[0][1],
               n_half_white_se=out[1][1], samples=n_mc)


# ------------------------------------------------------------------------ warm starts


@dataclass
class WarmStart:
    """A start for :mod:`numerics.sgd` built from a spectral estimate: ``m0`` (``<û₀, u>``,
    what the engines take; by rotation invariance of the rest of û₀ in span(W, u)^⊥ the law of
    the run depends on û₀ only through m₀), ``chat`` (the ĉ₀ to put in the instance: the
    instance's own for ``frozen``, the estimate's unit left vector for ``joint``), the sign s
    applied to the right vector (``û₀ = s v``) and the rule that chose it."""

    m0: float
    chat: np.ndarray
    sign: float
    rule: str
    variant: str


def warm_start(inst: Instance, cos: float, left: np.ndarray, variant: str = "frozen",
               rule: str = "gradient", h0_sign: float | None = None) -> WarmStart:
    """Turn an estimate (``cos = <v, u>`` of the right vector v and the unit left vector, signs
    consistent as in :class:`SpectralEstimate`) into a start for the engines.

    ``frozen`` (ĉ kept): û₀ = s v with s from ``rule``: ``"gradient"`` (what a learner can
    compute: s = sign(<ĉ, left>), the sign that makes ĉ(sv)ᵀ a descent direction of the one-step
    gradient, ``<ĉ ûᵀ, G_N Π⊥> > 0``) or ``"h0"`` (the theorems' oracle, as the engines' own
    sign flip: sign(m₀) = sign(h(0)), ``h0_sign`` or from theory). ``joint``: ĉ₀ = left,
    û₀ = v (the pair's own sign: ĉ₀û₀ᵀ is the top rank-one part of the gradient, no choice).

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=30, k=2, xi=1.0, act="relu")
    >>> ws = warm_start(inst, -0.8, -inst.chat, "frozen")     # <ĉ, left> < 0: flip v
    >>> ws.m0, ws.sign
    (0.8, -1.0)
    """
    left = np.asarray(left, float)
    if variant == "joint":
        return WarmStart(float(cos), left / np.linalg.norm(left), 1.0, "pair", "joint")
    if variant != "frozen":
        raise ValueError("variant must be 'frozen' or 'joint'")
    if rule == "gradient":
        s = 1.0 if float(inst.chat @ left) >= 0 else -1.0
    elif rule == "h0":
        if h0_sign is None:
            from numerics.sgd import h0_sign_from_theory

            h0_sign = h0_sign_from_theory(inst)
        s = (1.0 if cos >= 0 else -1.0) * (1.0 if h0_sign >= 0 else -1.0)
    else:
        raise ValueError("rule must be 'gradient' or 'h0'")
    return WarmStart(float(s * cos), inst.chat.copy(), s, rule, "frozen")
