r"""Rank r in full dimension and the population-flow experiments (the project's own derivation,
``docs/rank-r.md``; not the paper's, whose Outlook lists "beyond rank 1" as open).

Everything random lives here, drawn from an explicit :class:`numpy.random.Generator`; the
mathematics is :mod:`theory.rank_r`. Normalised rows (App. D.1, Eq. 11), loss without ½.

* :class:`FullRankR`: a d-dimensional instance, teacher ``W + CDUᵀ``, student ``W + ĈDÛᵀ``, with
  Φ from the actual rows, the analytic Euclidean and Riemannian gradients in R^{d×r}, frames with
  a prescribed overlap and uniform frames on the Stiefel manifold of span(W)^⊥.
* The exact identities (each takes the formula under test, so a test can feed a wrong one):
  :func:`rank1_agreement`, :func:`dphi_agreement`, :func:`full_gradient_agreement`,
  :func:`phi_rows_agreement`, :func:`covariance_defects`, :func:`gd_closure`,
  :func:`frozen_agreement`.
* :func:`mc_gradient`: Monte Carlo of ``Uᵀ grad Φ(Û)`` in full dimension with batch means, the
  Hotelling T² test against the closed form ``−(H − M sym(MᵀH))`` and its power.
* :func:`sign_average`: ``E_{C,Ĉ} H(0) = 0`` and the odd part ``b ∘ M``.
* :func:`flow_study` (EXT-R6), :func:`sv_ratio_scaling`, :func:`spurious_study` (EXT-R7),
  :func:`plateau_instance`: the population-flow experiments as plain functions of their sizes.

>>> fp = full_instance(np.random.default_rng(0), d=12, k=4, r=2, xi=1.3, act="relu")
>>> Uh = frame_with_overlap(np.random.default_rng(1), fp, np.diag([0.5, -0.2]))
>>> bool(np.allclose(fp.overlap(Uh), np.diag([0.5, -0.2])))
True
"""

from __future__ import annotations

import math
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.linalg
import scipy.stats

from numerics import grid
from numerics.normals import standard_normal
from numerics.problem import features as draw_features
from numerics.problem import second_layer
from theory import rank_r as R
from theory.population import h_series, hfun, phi_exact

__all__ = [
    "FullRankR",
    "full_instance",
    "sign_matrix",
    "frame_with_overlap",
    "uniform_frame",
    "uniform_overlap",
    "rank1_agreement",
    "dphi_agreement",
    "full_gradient_agreement",
    "phi_rows_agreement",
    "covariance_defects",
    "gd_closure",
    "frozen_agreement",
    "MCResult",
    "mc_gradient",
    "sign_average",
    "flow_problem",
    "flow_task",
    "flow_study",
    "ratio_task",
    "sv_ratio_scaling",
    "VARIANTS",
    "spurious_draw",
    "spurious_problem",
    "spurious_task",
    "spurious_study",
    "plateau_instance",
]

HFn = Callable[..., np.ndarray]  # the contract of theory.rank_r.h_matrix


# ---------------------------------------------------------------------------------------------
# Full-dimensional instances
# ---------------------------------------------------------------------------------------------


@dataclass(eq=False)
class FullRankR:
    """A d-dimensional rank-r instance: ``W`` (k×d, full row rank), ``U`` (d×r, orthonormal,
    ⊥ span W), ``lam`` (k), ``C``, ``Chat`` (k×r), ``xi`` (r), σ (``act``)."""

    W: np.ndarray
    U: np.ndarray
    lam: np.ndarray
    C: np.ndarray
    Chat: np.ndarray
    xi: np.ndarray
    act: str
    meta: dict = field(default_factory=dict)

    @property
    def d(self) -> int:
        return self.W.shape[1]

    @property
    def k(self) -> int:
        return self.W.shape[0]

    @property
    def r(self) -> int:
        return self.U.shape[1]

    @cached_property
    def gram(self) -> np.ndarray:
        return self.W @ self.W.T

    @cached_property
    def data(self) -> tuple:
        """``(gram, lam, C, Chat, xi, act)``: the arguments of :func:`theory.rank_r.h_matrix`."""
        return (self.gram, self.lam, self.C, self.Chat, self.xi, self.act)

    @cached_property
    def prob(self) -> R.RankR:
        return R.problem(*self.data)

    @cached_property
    def _chol(self) -> np.ndarray:
        return np.linalg.cholesky(self.gram)

    def project_perp(self, Z: np.ndarray) -> np.ndarray:
        """``(I − Wᵀ(WWᵀ)⁻¹W) Z`` for Z of shape (d, …)."""
        coef = scipy.linalg.cho_solve((self._chol, True), self.W @ Z)
        return Z - self.W.T @ coef

    def teacher_rows(self) -> np.ndarray:
        """Unnormalised teacher rows ``w_i + U a_i`` (k×d)."""
        return self.W + (self.C * self.xi) @ self.U.T

    def student_rows(self, Uhat: np.ndarray) -> np.ndarray:
        """Unnormalised student rows ``w_j + Û â_j`` (k×d)."""
        return self.W + (self.Chat * self.xi) @ Uhat.T

    def overlap(self, Uhat: np.ndarray) -> np.ndarray:
        """``M = UᵀÛ`` (rows index the teacher)."""
        return self.U.T @ Uhat

    def phi(self, Uhat: np.ndarray) -> float:
        """Φ from the d-dimensional rows divided by their actual norms
        (:func:`theory.rank_r.phi_rows`); defined for any Û, on or off the manifold."""
        return R.phi_rows(self.teacher_rows(), self.student_rows(Uhat), self.lam, self.act)

    def euclidean_gradient(self, Uhat: np.ndarray) -> np.ndarray:
        """∂Φ/∂Û (d×r) of :meth:`phi` (actual norms), by the chain rule through the normalised
        student rows ``v̂_j = z_j/‖z_j‖``, ``z_j = w_j + Û â_j``:
        ``∂Φ/∂v̂_j = 2 Σ_l λ_jλ_l K'(ρ̂_jl) v̂_l − 2 Σ_i λ_iλ_j K'(ρ_ij) v_i``,
        ``∂Φ/∂z_j = (I − v̂_jv̂_jᵀ) ∂Φ/∂v̂_j / ‖z_j‖`` and ``∂Φ/∂Û = Σ_j (∂Φ/∂z_j) â_jᵀ``."""
        V = self.teacher_rows()
        V = V / np.linalg.norm(V, axis=1, keepdims=True)
        Z = self.student_rows(Uhat)
        nz = np.linalg.norm(Z, axis=1)
        Vh = Z / nz[:, None]
        kp = self.prob.kprime
        ll = np.outer(self.lam, self.lam)
        Qs = ll * kp(np.clip(Vh @ Vh.T, -1, 1))
        Qt = ll * kp(np.clip(V @ Vh.T, -1, 1))  # (i, j)
        dV = 2 * Qs @ Vh - 2 * Qt.T @ V  # rows: ∂Φ/∂v̂_j
        dZ = (dV - np.einsum("jd,jd->j", dV, Vh)[:, None] * Vh) / nz[:, None]
        return dZ.T @ (self.Chat * self.xi)

    def riemannian_gradient(self, Uhat: np.ndarray) -> np.ndarray:
        """``P_T Π⊥ ∂Φ/∂Û``, ``P_T Z = Z − Û sym(ÛᵀZ)``: the gradient on the Stiefel manifold
        inside span(W)^⊥ (full dimension; compare :func:`theory.rank_r.riemannian_gradient`)."""
        Z = self.project_perp(self.euclidean_gradient(Uhat))
        return Z - Uhat @ R.sym(Uhat.T @ Z)


def sign_matrix(rng: np.random.Generator, k: int, r: int, min_sv: float = 0.0,
                max_tries: int = 10_000) -> np.ndarray:
    """Quantised signs ``Unif{±1/√k}^{k×r}`` (Assumption 3 per column), redrawn until
    σ_min ≥ ``min_sv`` (ValueError after ``max_tries``).

    >>> S = sign_matrix(np.random.default_rng(0), 4, 3, min_sv=0.3)
    >>> bool(np.linalg.svd(S, compute_uv=False)[-1] >= 0.3), sorted(set(np.abs(S).ravel().tolist()))
    (True, [0.5])
    """
    for _ in range(max_tries):
        S = rng.choice(np.array([-1.0, 1.0]), size=(k, r)) / math.sqrt(k)
        if min_sv <= 0 or np.linalg.svd(S, compute_uv=False)[-1] >= min_sv:
            return S
    raise ValueError(f"no k×r = {k}×{r} sign matrix with σ_min ≥ {min_sv} in {max_tries} draws")


def _perp_frame(rng: np.random.Generator, W: np.ndarray, extra: np.ndarray | None, r: int
                ) -> np.ndarray:
    """An orthonormal d×r frame, uniform among those ⊥ span(W) (and ⊥ the columns of extra)."""
    d = W.shape[1]
    B = W.T if extra is None else np.hstack([W.T, extra])
    Qb = np.linalg.qr(B)[0]
    G = rng.standard_normal((d, r))
    G -= Qb @ (Qb.T @ G)
    return R.qf(G)


def full_instance(rng: np.random.Generator, *, d: int, k: int, r: int, xi, act: str,
                  features: str = "orthonormal", lam: str = "random", min_sv: float = 0.0
                  ) -> FullRankR:
    """Draw W (``features``: orthonormal or random unit rows), λ (``lam``: random = U[1/2, 3/2],
    or equal), C, Ĉ (:func:`sign_matrix`), U uniform among frames ⊥ span(W). Order of draws:
    W, λ, C, Ĉ, U. Needs d ≥ k + 2r (room for U and Û's part orthogonal to U).

    >>> fp = full_instance(np.random.default_rng(0), d=10, k=3, r=2, xi=1.0, act="erf")
    >>> float(np.abs(fp.W @ fp.U).max()) < 1e-12, fp.xi.tolist()
    (True, [1.0, 1.0])
    """
    if d < k + 2 * r:
        raise ValueError(f"need d ≥ k + 2r = {k + 2 * r}, got d = {d}")
    W = draw_features(rng, features, d, k)
    lam_v = second_layer(rng, lam, k)
    C = sign_matrix(rng, k, r, min_sv)
    Chat = sign_matrix(rng, k, r, min_sv)
    U = _perp_frame(rng, W, None, r)
    x = np.asarray(xi, float) * np.ones(r)
    return FullRankR(W, U, lam_v, C, Chat, x, act, meta={"features": features, "lam": lam})


def frame_with_overlap(rng: np.random.Generator, fp: FullRankR, M: np.ndarray) -> np.ndarray:
    """A frame Û ⊥ span(W) with ``UᵀÛ = M`` (‖M‖₂ < 1): ``Û = U M + E (I − MᵀM)^{1/2}``, E a
    uniform orthonormal frame ⊥ span(W), U."""
    E = _perp_frame(rng, fp.W, fp.U, fp.r)
    w, V = np.linalg.eigh(np.eye(fp.r) - M.T @ M)
    if np.any(w <= 0):
        raise ValueError("need ‖M‖₂ < 1")
    return fp.U @ M + E @ (V * np.sqrt(w)) @ V.T


def uniform_frame(rng: np.random.Generator, fp: FullRankR) -> np.ndarray:
    """Û uniform on the Stiefel manifold of span(W)^⊥ (qf of a projected Gaussian matrix)."""
    return _perp_frame(rng, fp.W, None, fp.r)


def uniform_overlap(rng: np.random.Generator, d: int, k: int, r: int) -> np.ndarray:
    """The law of ``M₀ = UᵀÛ₀`` for Û₀ uniform on the Stiefel manifold of the (d − k)-dimensional
    complement, in O(r²) work whatever d is. Take Û₀ the polar factor of a (d − k)×r Gaussian
    matrix G (Haar: polar(OG) = O polar(G)) and U the first r basis vectors: with G₁ the top r×r
    block and S = G₂ᵀG₂ ~ Wishart_r(d − k − r, I) independent of it,
    ``M₀ = G₁ (G₁ᵀG₁ + S)^{−1/2}`` exactly in law (S by :func:`scipy.stats.wishart`).

    >>> M0 = uniform_overlap(np.random.default_rng(0), 10**8, 16, 2)
    >>> M0.shape, bool(np.abs(M0).max() < 1e-3)
    ((2, 2), True)
    """
    if d < k + 2 * r:
        raise ValueError(f"need d ≥ k + 2r = {k + 2 * r}, got d = {d}")
    G1 = rng.standard_normal((r, r))
    S = np.atleast_2d(scipy.stats.wishart.rvs(df=d - k - r, scale=np.eye(r), random_state=rng))
    w, V = np.linalg.eigh(G1.T @ G1 + S)
    return G1 @ (V / np.sqrt(w)) @ V.T


# ---------------------------------------------------------------------------------------------
# The exact identities (each with the formula under test as a parameter)
# ---------------------------------------------------------------------------------------------


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    """max|a − b| / max|b|."""
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / max(np.max(np.abs(b)), 1e-300))


def rank1_agreement(rng: np.random.Generator, *, d: int = 12, k: int = 4, xi: float = 1.3,
                    acts=("relu", "He1(x)+0.7*He2(x)+0.5*He3(x)"),
                    feats=("orthonormal", "random"), n_m: int = 9, H: HFn = R.h_matrix) -> dict:
    """r = 1 against the rank-1 code: max over ``n_m`` values of m in [−0.95, 0.95] of
    ``|H(m) − hfun(m)|/max|hfun|`` per (σ, W), and the same for ``H_series`` against
    ``h_series``; for polynomial σ also ``phi_matrix`` against ``phi_exact`` (relative to max|Φ|).
    λ ~ U[1/2, 3/2], quantised c, ĉ. ``H`` is the formula under test.

    >>> out = rank1_agreement(np.random.default_rng(0), acts=("He2",), feats=("random",), n_m=3)
    >>> out["max_h"] < 1e-13
    True
    """
    ms = np.linspace(-0.95, 0.95, n_m)
    cases = []
    for feat in feats:
        W = draw_features(rng, feat, d, k)
        G = W @ W.T
        lam = second_layer(rng, "random", k)
        c = sign_matrix(rng, k, 1)[:, 0]
        ch = sign_matrix(rng, k, 1)[:, 0]
        for act in acts:
            ref = hfun(G, lam, c, ch, xi, act)(ms)
            got = np.array([np.asarray(H(m, G, lam, c, ch, xi, act)).reshape(-1)[0] for m in ms])
            ser = np.array([R.H_series(m, G, lam, c, ch, xi, act).value[0, 0] for m in ms])
            ser1 = np.array([h_series(m, G, lam, c, ch, xi, act).value for m in ms])
            case = {"W": feat, "act": act, "h": _rel(got, ref), "series": _rel(ser, ser1)}
            p = R.problem(G, lam, c, ch, xi, act)
            if p.act.is_polynomial:
                from theory.population import M as m_sym

                ex = phi_exact(act, G, lam, c, ch, xi)
                ref_phi = np.array([float(ex.subs(m_sym, float(m))) for m in ms])
                got_phi = np.array([R.phi_matrix(m, G, lam, c, ch, xi, act) for m in ms])
                case["phi"] = _rel(got_phi, ref_phi)
            cases.append(case)
    return {"cases": cases, "max_h": max(c["h"] for c in cases),
            "max_series": max(c["series"] for c in cases),
            "max_phi": max((c["phi"] for c in cases if "phi" in c), default=0.0)}


def dphi_agreement(fp: FullRankR, M: np.ndarray, H: HFn = R.h_matrix,
                   phi: Callable = R.phi_matrix, step: float = 1e-5) -> float:
    """Relative max difference between ``−∂Φ/∂M`` (central differences of ``phi`` in each entry
    of M, step ``step``: error O(step²·Φ''') + O(eps/step)) and ``H(M)``.

    >>> fp = full_instance(np.random.default_rng(0), d=12, k=4, r=2, xi=1.3, act="erf")
    >>> dphi_agreement(fp, np.array([[0.3, -0.2], [0.1, 0.4]])) < 1e-7
    True
    """
    r = fp.r
    D = np.empty((r, r))
    for a in range(r):
        for b in range(r):
            E = np.zeros((r, r))
            E[a, b] = step
            D[a, b] = -(phi(M + E, *fp.data) - phi(M - E, *fp.data)) / (2 * step)
    return _rel(np.asarray(H(M, *fp.data)), D)


def full_gradient_agreement(fp: FullRankR, Uhat: np.ndarray, H: HFn = R.h_matrix,
                            step: float = 1e-6) -> float:
    """Relative max difference between the full-space Riemannian gradient by central
    differences (Euclidean ∂Φ/∂Û of Φ from the actual rows in each of the d·r coordinates, then
    Π⊥ and P_T) and the closed form ``−(U H − Û sym(MᵀH))`` with H the formula under test."""
    d, r = Uhat.shape
    Eg = np.empty((d, r))
    for a in range(d):
        for b in range(r):
            E = np.zeros((d, r))
            E[a, b] = step
            Eg[a, b] = (fp.phi(Uhat + E) - fp.phi(Uhat - E)) / (2 * step)
    Z = fp.project_perp(Eg)
    fd = Z - Uhat @ R.sym(Uhat.T @ Z)
    Hm = np.asarray(H(fp.overlap(Uhat), *fp.data))
    return _rel(R.riemannian_gradient(fp.U, Uhat, Hm), fd)


def phi_rows_agreement(fp: FullRankR, Uhat: np.ndarray, phi: Callable = R.phi_matrix) -> float:
    """``|Φ(M) − Φ(rows)| / |Φ(rows)|`` with Φ(rows) from the d-dimensional rows (actual norms)
    and ``phi`` (the formula under test) at M = UᵀÛ."""
    a = fp.phi(Uhat)
    return abs(float(phi(fp.overlap(Uhat), *fp.data)) - a) / abs(a)


def covariance_defects(fp: FullRankR, M: np.ndarray, rng: np.random.Generator,
                       H: HFn = R.h_matrix) -> dict:
    """Relative defects of the covariances of H (``H`` the formula under test):

    * neurons permuted (G, λ, C, Ĉ rows together): ``H(M)`` unchanged;
    * teacher columns permuted by Π (C → CΠ, ξ → Πᵀξ): ``H(ΠᵀM) = Πᵀ H(M)``; student
      columns by Π̂: ``H(MΠ̂) = H(M)Π̂``;
    * teacher sign flips S = diag(±1) (C → CS): ``H(SM) = S H(M)``; student flips Ŝ:
      ``H(MŜ) = H(M)Ŝ``.

    A factor (e.g. a missing 2) leaves every covariance intact: these defects only see
    formulas that mix up M's rows and columns or C and Ĉ.
    """
    G, lam, C, Ch, xi, act = fp.data
    k, r = C.shape
    base = np.asarray(H(M, G, lam, C, Ch, xi, act))
    pi = rng.permutation(k)
    P = np.eye(r)[rng.permutation(r) if r > 1 else [0]]
    if r > 1 and np.allclose(P, np.eye(r)):
        P = np.eye(r)[::-1]
    Ph = np.eye(r)[::-1] if r > 1 else np.eye(1)
    S = np.diag(np.where(np.arange(r) % 2 == 0, -1.0, 1.0))
    Sh = np.diag(np.where(np.arange(r) % 2 == 1, -1.0, 1.0)) if r > 1 else -np.eye(1)
    out = {
        "neurons": _rel(H(M, G[np.ix_(pi, pi)], lam[pi], C[pi], Ch[pi], xi, act), base),
        "teacher_perm": _rel(H(P.T @ M, G, lam, C @ P, Ch, P.T @ xi, act), P.T @ base),
        "student_perm": _rel(H(M @ Ph, G, lam, C, Ch @ Ph, Ph.T @ xi, act), base @ Ph),
        "teacher_sign": _rel(H(S @ M, G, lam, C @ S, Ch, xi, act), S @ base),
        "student_sign": _rel(H(M @ Sh, G, lam, C, Ch @ Sh, xi, act), base @ Sh),
    }
    out["max"] = max(out.values())
    return out


def gd_closure(fp: FullRankR, rng: np.random.Generator, *, eta: float = 0.05, steps: int = 300,
               H: HFn = R.h_matrix) -> dict:
    """Full-dimensional Riemannian GD with the QR retraction, ``Û ← qf(Û − η P_TΠ⊥∇Φ)`` (the
    analytic full-d gradient of :class:`FullRankR`, Φ from the actual rows), from Û₀ uniform,
    against the r×r step :func:`theory.rank_r.qr_step` with ``H`` (the formula under test).

    Returns ``one_step``: max over t of |M_full(t+1) − step(M_full(t))| (closure of the
    recursion, the step applied to the full run's own M each time); ``free_run``: max over t of
    |M_full(t) − M_r×r(t)| with the r×r recursion iterated on its own from M₀; ``twin``: the same
    for two r×r runs whose starts differ by 1e-15 (how fast the dynamics amplify rounding: when
    σ₁(M) saturates at 1 in float64 and that face later turns unstable, free runs of two exact
    maps part at that rate); the end point and its singular values.

    ``Y = Û − η grad`` is projected on span(W)^⊥ before the retraction: the identity in exact
    arithmetic, but without it the rounding in span(W) grows like ``(I − ηS)^t`` where
    ``S = sym(MᵀH)`` has a negative eigenvalue (measured: |WÛ| from 1e-16 to 0.02 in 200 steps,
    and the full run then left the Stiefel manifold of span(W)^⊥ and the closed recursion)."""
    Uh = uniform_frame(rng, fp)
    M_full = [fp.overlap(Uh)]
    for _ in range(steps):
        Uh = R.qf(fp.project_perp(Uh - eta * fp.riemannian_gradient(Uh)))
        M_full.append(fp.overlap(Uh))

    def step(M):
        return R.qr_step(fp.prob, M, eta, H=np.asarray(H(M, *fp.data)))

    one = max(float(np.max(np.abs(step(M_full[t]) - M_full[t + 1]))) for t in range(steps))
    M = M_full[0]
    T = M_full[0] + 1e-15 * np.triu(np.ones_like(M))
    free = twin = 0.0
    for t in range(steps):
        M, T = step(M), step(T)
        free = max(free, float(np.max(np.abs(M - M_full[t + 1]))))
        twin = max(twin, float(np.max(np.abs(M - T))))
    return {"one_step": one, "free_run": free, "twin": twin, "M_end": M_full[-1],
            "sv_end": np.linalg.svd(M_full[-1], compute_uv=False)}


def frozen_agreement(p: R.RankR, m0, t_max: float = 20.0, solution: Callable = R.frozen_solution
                     ) -> float:
    """With H frozen at H₀ = H(0) = PΣVᵀ and M(0) = P diag(m0) Vᵀ, integrate the flow
    ``dM/dt = H₀ − M sym(MᵀH₀)`` numerically (solve_ivp, rtol 1e-12) on [0, t_max] and return
    the largest entrywise difference from ``solution(H₀, m0, t)`` on 50 times."""
    import scipy.integrate

    H0 = R.H0(p)
    Pm, _, Vt = np.linalg.svd(H0)
    M0 = Pm @ np.diag(np.asarray(m0, float)) @ Vt
    r = p.r

    def rhs(_t, y):
        Mv = y.reshape(r, r)
        return (H0 - Mv @ R.sym(Mv.T @ H0)).ravel()

    ts = np.linspace(0, t_max, 50)
    sol = scipy.integrate.solve_ivp(rhs, (0, t_max), M0.ravel(), t_eval=ts, method="DOP853",
                                    rtol=1e-12, atol=1e-14)
    num = sol.y.T.reshape(-1, r, r)
    return float(np.max(np.abs(num - solution(H0, m0, ts))))


# ---------------------------------------------------------------------------------------------
# Monte Carlo gradient in full dimension
# ---------------------------------------------------------------------------------------------


@dataclass
class MCResult:
    """Batch means (B, r, r) of ``Uᵀ P_T Π⊥ ∇_Û ℓ`` (ℓ = (f* − f̂)², fresh x ~ N(0, I_d)), their
    mean, the estimated covariance of that mean (r²×r², from the B batch means), and the closed
    form ``pred = Uᵀ grad Φ = −(H − M sym(MᵀH))``."""

    batch_means: np.ndarray
    n: int
    M: np.ndarray
    pred: np.ndarray
    seconds: float

    @property
    def B(self) -> int:
        return self.batch_means.shape[0]

    @property
    def mean(self) -> np.ndarray:
        return self.batch_means.mean(axis=0)

    @property
    def cov(self) -> np.ndarray:
        X = self.batch_means.reshape(self.B, -1)
        return np.cov(X, rowvar=False) / self.B

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov)).reshape(self.mean.shape)

    def hotelling(self, target: np.ndarray) -> tuple[float, float]:
        """Hotelling's T² of "the mean is ``target``" with the batch covariance:
        ``T² = (x̄ − μ)ᵀ Ŝ⁻¹ (x̄ − μ)`` (Ŝ the covariance of the mean), and its p-value from
        ``(B − p)/(p(B − 1)) T² ~ F(p, B − p)``, p = r² (batch means ≈ Gaussian by the CLT)."""
        diff = (self.mean - target).ravel()
        T2 = float(diff @ np.linalg.solve(self.cov, diff))
        p, B = diff.size, self.B
        F = (B - p) / (p * (B - 1)) * T2
        return T2, float(scipy.stats.f.sf(F, p, B - p))

    def max_z(self, target: np.ndarray) -> float:
        """Largest |entry − target| in standard errors."""
        return float(np.max(np.abs(self.mean - target) / self.se))

    def rel_error(self, target: np.ndarray) -> float:
        """‖mean − target‖_F / ‖target‖_F."""
        return float(np.linalg.norm(self.mean - target) / np.linalg.norm(target))


def _callables(act) -> tuple[Callable, Callable]:
    """σ and σ' as numpy callables: Horner's rule on the exact coefficients for a polynomial
    (numpy's ``x**3`` through the lambdified expression is ~10× slower on these arrays), the
    activation's own callables otherwise."""
    if act.is_polynomial:
        c = np.array([float(v) for v in reversed(act.poly.all_coeffs())])
        dc = np.polynomial.polynomial.polyder(c)
        return (lambda x: np.polynomial.polynomial.polyval(x, c),
                lambda x: np.polynomial.polynomial.polyval(x, dc))
    return act.f, act.df


def mc_gradient(fp: FullRankR, Uhat: np.ndarray, rng: np.random.Generator, *, n: int,
                batches: int = 40, chunk: int = 1 << 15) -> MCResult:
    """Monte Carlo of ``Uᵀ grad Φ(Û)`` in full dimension: per sample x ~ N(0, I_d), the per-sample
    Euclidean gradient ``∇_Û ℓ = −2 (f* − f̂) x gᵀ``, ``g = Σ_j λ_jσ'(<v̂_j, x>) â_j/N̂_j`` (student
    rows at their norms N̂_j on the manifold), averaged over each of ``batches`` batches of n/B
    samples as a d×r matrix, then projected: ``Π⊥`` (off span W), ``P_T Z = Z − Û sym(ÛᵀZ)``,
    and read as ``Uᵀ(·)``. Samples drawn by :func:`numerics.normals.standard_normal` from ``rng``.

    >>> fp = full_instance(np.random.default_rng(0), d=12, k=4, r=2, xi=1.3, act="relu")
    >>> Uh = frame_with_overlap(np.random.default_rng(1), fp, np.diag([0.4, 0.3]))
    >>> res = mc_gradient(fp, Uh, np.random.default_rng(2), n=40_000)
    >>> res.batch_means.shape, res.hotelling(res.pred)[1] > 1e-4
    ((40, 2, 2), True)
    """
    t0 = time.perf_counter()
    f, df = _callables(fp.prob.act)
    if n < batches or batches < fp.r * fp.r + 2:
        raise ValueError(f"need batches ≥ r² + 2 and n ≥ batches (n = {n}, B = {batches})")
    V = fp.teacher_rows()
    V = V / np.linalg.norm(V, axis=1, keepdims=True)
    Vh = fp.student_rows(Uhat)
    Vh = Vh / np.linalg.norm(Vh, axis=1, keepdims=True)
    B = np.vstack([V, Vh]).T  # d × 2k
    k = fp.k
    Aht = fp.prob.Aht
    sizes = np.full(batches, n // batches)
    sizes[: n % batches] += 1
    M = fp.overlap(Uhat)
    means = np.empty((batches, fp.r, fp.r))
    buf = np.empty((min(chunk, int(sizes.max())), fp.d))
    for bi, nb in enumerate(sizes):
        Zsum = np.zeros((fp.d, fp.r))
        done = 0
        while done < nb:
            b = min(chunk, nb - done)
            X = standard_normal(rng, None, out=buf[:b])
            P = X @ B[:, :k]
            Q = X @ B[:, k:]
            e = (f(P) - f(Q)) @ fp.lam
            g = (df(Q) * fp.lam) @ Aht  # b × r
            Zsum += X.T @ (e[:, None] * g)
            done += b
        Z = fp.project_perp(-2 * Zsum / nb)
        T = Z - Uhat @ R.sym(Uhat.T @ Z)
        means[bi] = fp.U.T @ T
    pred = -fp.prob.F(M)
    return MCResult(means, int(n), M, pred, time.perf_counter() - t0)


# ---------------------------------------------------------------------------------------------
# Sign averages
# ---------------------------------------------------------------------------------------------


def sign_average(rng: np.random.Generator, *, k: int, xi, act: str, M: np.ndarray,
                 draws: int, lam: np.ndarray | None = None) -> dict:
    """Over ``draws`` independent quantised (C, Ĉ) (orthonormal W, λ fixed: drawn U[1/2, 3/2]
    from ``rng`` unless given): the means and standard errors of ``H(0)`` and of the odd part
    ``(H(M) − H(−M))/2``, and ``b ∘ M`` (:func:`theory.rank_r.b_coefficients`).

    >>> out = sign_average(np.random.default_rng(0), k=8, xi=1.0, act="relu",
    ...                    M=0.02 * np.eye(2), draws=200)
    >>> bool(np.all(np.abs(out["mean0"]) <= 5 * out["se0"]))
    True
    """
    M = np.asarray(M, float)
    r = M.shape[0]
    lam = second_layer(rng, "random", k) if lam is None else np.asarray(lam, float)
    G = np.eye(k)
    h0 = np.empty((draws, r, r))
    odd = np.empty((draws, r, r))
    with warnings.catch_warnings():  # collinear draws are part of the average
        warnings.simplefilter("ignore", R.CollinearWarning)
        for i in range(draws):
            p = R.problem(G, lam, sign_matrix(rng, k, r), sign_matrix(rng, k, r), xi, act)
            Hs = p.H(np.stack([np.zeros((r, r)), M, -M]))
            h0[i] = Hs[0]
            odd[i] = (Hs[1] - Hs[2]) / 2
    bM = R.b_coefficients(G, lam, np.asarray(xi, float) * np.ones(r), k, act) * M
    sd = math.sqrt(draws)
    return {"mean0": h0.mean(0), "se0": h0.std(0, ddof=1) / sd, "odd": odd.mean(0),
            "se_odd": odd.std(0, ddof=1) / sd, "bM": bM, "lam": lam, "draws": draws}


# ---------------------------------------------------------------------------------------------
# Population-flow experiments
# ---------------------------------------------------------------------------------------------


def flow_problem(rng: np.random.Generator, *, k: int, r: int, xi, act: str) -> R.RankR:
    """A reduced problem for the flow experiments: orthonormal W (G = I; the flow does not see
    d), λ ~ U[1/2, 3/2] (``lam="random"``: with equal λ, H(0) is often singular), C, Ĉ quantised.
    Order of draws: λ, C, Ĉ."""
    lam = second_layer(rng, "random", k)
    C = sign_matrix(rng, k, r)
    Ch = sign_matrix(rng, k, r)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", R.CollinearWarning)
        return R.problem(np.eye(k), lam, C, Ch, xi, act)


def _top_left(A: np.ndarray) -> np.ndarray:
    return np.linalg.svd(A)[0][:, 0]


#: Modules the flow tasks' results depend on (their sources enter the grid's cache key).
FLOW_SOURCES = ("theory.rank_r", "theory.population", "theory.kernels", "theory.hermite",
                "theory.activations", "numerics.problem")


def _scheduler(scheduler: str | None) -> str:
    """The grid scheduler for the rank-r tasks: the argument, else ``LOWRANK_SCHEDULER``, else
    ``"serial"`` (each task takes milliseconds: starting a local cluster would cost more than
    it saves on 2 cores; an address sends the same tasks, same seeds, to a cluster)."""
    return scheduler or os.environ.get(grid.SCHEDULER_ENV) or "serial"


@grid.task(sources=FLOW_SOURCES, cost=lambda p: 0.02 * len(p["ds"]))
def flow_task(params: dict, rng: np.random.Generator) -> dict:
    """One instance of EXT-R6 (params: act, k, r, xi, ds, t_max): the problem from ``rng``
    (:func:`flow_problem`), then for each d the flow from M₀ = UᵀÛ₀, Û₀ uniform on the Stiefel
    manifold of the complement (:func:`uniform_overlap`). Returns σ_s(H(0)),
    |cos(top left singular vector of H(0), DCᵀλ)| and, per d (rows in the order of ``ds``):
    success (σ_min > 0.99 at the stop), t_s, ‖M_end − polar(H(0))‖_F, the distance to the
    nearest signed permutation, |cos| between the top left singular vector of M(t₁) and each
    left singular vector of H(0) (``cos_first[:, s]``), the stop time and σ_s(M_end)."""
    k, r = int(params["k"]), int(params["r"])
    p = flow_problem(rng, k=k, r=r, xi=params["xi"], act=params["act"])
    P, s, Vt = R.H0_svd(p)
    lead = p.xi * (p.C.T @ p.lam)
    rows = []
    for d in params["ds"]:
        res = R.flow(p, uniform_overlap(rng, int(d), k, r), t_max=float(params["t_max"]))
        t1 = res.t_level[0]
        cos1 = (np.abs(_top_left(res.M_level[0]) @ P) if np.isfinite(t1)
                else np.full(r, np.nan))
        rows.append((res.success, res.t_level, float(np.linalg.norm(res.M_end - P @ Vt)),
                     R.signed_permutation_distance(res.M_end), cos1, float(res.t[-1]),
                     res.sv[-1]))
    cols = list(zip(*rows, strict=True))
    return {"sigma_H0": s, "cos_H0_DCl": abs(float(P[:, 0] @ lead / np.linalg.norm(lead))),
            "d": np.asarray(params["ds"], float), "success": np.array(cols[0], dtype=bool),
            "t_level": np.array(cols[1]), "dist_polar": np.array(cols[2]),
            "dist_perm": np.array(cols[3]), "cos_first": np.array(cols[4]),
            "t_end": np.array(cols[5]), "sv_end": np.array(cols[6])}


def flow_study(seed: int, *, acts, n_instances: int, ds=(10**3, 10**5), k: int = 16,
               r: int = 2, xi=1.0, t_max: float = 1e4, scheduler: str | None = None,
               cache=None) -> list[dict]:
    """EXT-R6's runs as :mod:`numerics.grid` tasks (:func:`flow_task`), one per (σ, instance);
    each task's generator comes from the grid (SeedSequence of the task and ``seed``). Returns
    the task results with ``act`` and ``i`` added, in the order σ, then i."""
    tasks = [grid.Task("numerics.rank_r:flow_task",
                       {"act": act, "i": i, "k": k, "r": r, "xi": xi, "ds": [int(d) for d in ds],
                        "t_max": float(t_max)})
             for act in acts for i in range(n_instances)]
    run = grid.run_grid(tasks, seed=seed, cache=cache, scheduler=_scheduler(scheduler))
    return [{"act": t.params["act"], "i": t.params["i"], **res}
            for t, res in zip(tasks, run.results, strict=True)]


def plateau_instance(seed: int, *, k: int = 16, act: str = "relu", ratio: float = 0.01,
                     max_tries: int = 20_000, tag: int = 66) -> tuple[R.RankR, int]:
    """The first draw (generator ``[seed, tag, j]``, j = 0, 1, …) whose H(0) has
    σ₂/σ₁ ≤ ``ratio`` (a long plateau between the two directions), and j."""
    for j in range(max_tries):
        p = flow_problem(np.random.default_rng([seed, tag, j]), k=k, r=2, xi=1.0, act=act)
        s = R.H0_svd(p)[1]
        if s[1] <= ratio * s[0]:
            return p, j
    raise ValueError(f"no draw with σ₂/σ₁ ≤ {ratio} in {max_tries} tries")


def _sign_stack(rng: np.random.Generator, n: int, k: int, r: int) -> np.ndarray:
    """n quantised k×r sign matrices (±1/√k), from random bits."""
    bits = rng.integers(0, 2, size=(n, k, r), dtype=np.int8)
    return (2.0 * bits - 1.0) / math.sqrt(k)


@grid.task(sources=FLOW_SOURCES, cost=lambda p: 2e-7 * p["k"] * p["draws"])
def ratio_task(params: dict, rng: np.random.Generator) -> dict:
    """σ₁/σ₂ of H(0) for ``draws`` draws at one k (params: act, k, draws, xi, chunk):
    orthonormal W, λ ~ U[1/2, 3/2] and quantised C, Ĉ fresh per draw, through
    :func:`theory.rank_r.H0_orthonormal` (O(k) per draw)."""
    k, draws, chunk = int(params["k"]), int(params["draws"]), int(params.get("chunk", 64))
    x = np.asarray(params["xi"], float)
    vals = np.empty(draws)
    for s0 in range(0, draws, chunk):
        n = min(chunk, draws - s0)
        lam = rng.uniform(0.5, 1.5, size=(n, k))
        C = _sign_stack(rng, n, k, x.size)
        Ch = _sign_stack(rng, n, k, x.size)
        sv = np.linalg.svd(R.H0_orthonormal(lam, C, Ch, x, params["act"]), compute_uv=False)
        vals[s0:s0 + n] = sv[:, 0] / sv[:, -1]
    return {"ratio": vals}


def sv_ratio_scaling(seed: int, *, act: str, ks, draws: int, xi=(1.0, 1.0), boot: int = 1000,
                     scheduler: str | None = None, cache=None, tag: int = 61) -> dict:
    """σ₁/σ₂ of H(0) over ``draws`` draws per k (:func:`ratio_task`, one grid task per k):
    the log-log slope of the median ratio against k (least squares) and its 95% percentile
    bootstrap interval (draws resampled within each k, ``boot`` times, generator
    ``SeedSequence([seed, tag])``)."""
    tasks = [grid.Task("numerics.rank_r:ratio_task",
                       {"act": act, "k": int(k), "draws": int(draws),
                        "xi": [float(v) for v in np.atleast_1d(xi)]}) for k in ks]
    ratios = [res["ratio"] for res in grid.run_grid(tasks, seed=seed, cache=cache,
                                                    scheduler=_scheduler(scheduler)).results]
    lk = np.log(np.asarray(ks, float))

    def slope(meds):
        return float(np.polyfit(lk, np.log(meds), 1)[0])

    med = np.array([np.median(v) for v in ratios])
    rb = np.random.default_rng(np.random.SeedSequence([seed, tag]))
    bs = np.array([slope([np.median(v[rb.integers(0, v.size, v.size)]) for v in ratios])
                   for _ in range(boot)])
    lo, hi = np.percentile(bs, [2.5, 97.5])
    return {"act": act, "ks": list(ks), "draws": draws, "median_ratio": med,
            "slope": slope(med), "ci": (float(lo), float(hi)), "boot": boot}


#: EXT-R7's variants: (rank, scale of ξ_s relative to ξ̄√k).
VARIANTS = {"rank1": (1, 1.0), "rank2": (2, 1.0), "rank2_matched": (2, 1 / math.sqrt(2))}


def spurious_draw(rng: np.random.Generator, *, k: int = 16, d: int = 1000) -> dict:
    """One EXT-R7 instance: λ ~ U[1/2, 3/2], C, Ĉ (k×2, quantised), M₀ at dimension d, drawn in
    that order (the rank-1 variant uses the first columns and M₀'s (1, 1) entry)."""
    lam = second_layer(rng, "random", k)
    C = sign_matrix(rng, k, 2)
    Ch = sign_matrix(rng, k, 2)
    return {"lam": lam, "C": C, "Chat": Ch, "M0": uniform_overlap(rng, d, k, 2)}


def spurious_problem(draw: dict, variant: str, xibar: float, act: str = "He3"
                     ) -> tuple[R.RankR, np.ndarray]:
    """The problem and start of one :data:`VARIANTS` entry at ξ̄ for a :func:`spurious_draw`."""
    r, scale = VARIANTS[variant]
    k = draw["lam"].shape[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", R.CollinearWarning)
        p = R.problem(np.eye(k), draw["lam"], draw["C"][:, :r], draw["Chat"][:, :r],
                      xibar * math.sqrt(k) * scale, act)
    return p, np.asarray(draw["M0"])[:r, :r].copy()


@grid.task(sources=FLOW_SOURCES, cost=lambda p: 0.3)
def spurious_task(params: dict, rng: np.random.Generator) -> dict:
    """One EXT-R7 instance (params: i, k, d, xibars, act, t_max): every variant at every ξ̄ from
    the same draw. Returns the draw, ``fail[v, x]`` (σ_min ≤ 0.99 at the stop) and the end
    points ``M_end[v, x]`` (variants in :data:`VARIANTS` order; rank 1 padded with NaN)."""
    draw = spurious_draw(rng, k=int(params["k"]), d=int(params["d"]))
    xb = params["xibars"]
    fail = np.zeros((len(VARIANTS), len(xb)), dtype=bool)
    M_end = np.full((len(VARIANTS), len(xb), 2, 2), np.nan)
    for a, name in enumerate(VARIANTS):
        for b, x in enumerate(xb):
            p, M0 = spurious_problem(draw, name, x, params["act"])
            res = R.flow(p, M0, t_max=float(params["t_max"]))
            fail[a, b] = not res.success
            M_end[a, b, :p.r, :p.r] = res.M_end
    return {**draw, "fail": fail, "M_end": M_end}


def spurious_study(seed: int, *, k: int = 16, n_instances: int = 20, xibars=(1.0, 2.0, 4.0),
                   d: int = 1000, act: str = "He3", t_max: float = 1e4,
                   scheduler: str | None = None, cache=None) -> dict:
    """EXT-R7's counts (:func:`spurious_task`, one grid task per instance): He₃ instances whose
    flow does not recover the subspace (σ_min ≤ 0.99 at the stop), for each ξ̄ and variant:
    rank 1 at ξ = ξ̄√k, rank 2 at ξ_s = ξ̄√k, rank 2 scale-matched at ξ_s = ξ̄√(k/2). Also
    returns the failing rank-2 runs (problem and end point) for certification."""
    tasks = [grid.Task("numerics.rank_r:spurious_task",
                       {"i": i, "k": k, "d": d, "xibars": [float(x) for x in xibars],
                        "act": act, "t_max": float(t_max)}) for i in range(n_instances)]
    results = grid.run_grid(tasks, seed=seed, cache=cache, scheduler=_scheduler(scheduler)).results
    fail = np.array([res["fail"] for res in results])  # (n, variants, ξ̄)
    counts = {name: fail[:, a, :].sum(axis=0).tolist() for a, name in enumerate(VARIANTS)}
    failures = []
    for b, x in enumerate(xibars):
        for a, name in enumerate(VARIANTS):
            if VARIANTS[name][0] != 2:
                continue
            for i, res in enumerate(results):
                if res["fail"][a, b]:
                    p, _ = spurious_problem(res, name, x, act)
                    failures.append({"variant": name, "xibar": x, "i": i, "problem": p,
                                     "M_end": res["M_end"][a, b],
                                     "sv_end": np.linalg.svd(res["M_end"][a, b],
                                                             compute_uv=False)})
    return {"xibars": list(xibars), "n": n_instances, "k": k, "d": d, "counts": counts,
            "failures": failures}


# ---------------------------------------------------------------------------------------------
# Instances on disk, and what `lowrank derive --rank` / `simulate --rank` compute
# ---------------------------------------------------------------------------------------------


def save_instance(fp: FullRankR, path) -> None:
    """Write ``<stem>.json`` (d, k, r, ξ list, act, convention, meta) and ``<stem>.npz`` (W, λ,
    C, Ĉ (k×r), U (d×r)), each atomically; ``path`` may end in .json or .npz."""
    import io
    import json

    from numerics.atomic import write_atomic
    from numerics.problem import stem

    base = stem(path)
    info = {"d": fp.d, "k": fp.k, "r": fp.r, "xi": [float(v) for v in fp.xi], "act": fp.act,
            "convention": "normalised", "meta": fp.meta}
    buf = io.BytesIO()
    np.savez(buf, W=fp.W, lam=fp.lam, C=fp.C, Chat=fp.Chat, U=fp.U)
    write_atomic(f"{base}.npz", buf.getvalue())
    write_atomic(f"{base}.json", json.dumps(info, indent=2, sort_keys=True))


def load_instance(path) -> FullRankR:
    """Read a rank-r instance (:func:`save_instance`) or a rank-1 one written by
    :meth:`numerics.problem.Instance.save` (``c``, ``ĉ``, ``u`` become one-column C, Ĉ, U).
    Checks shapes and finiteness (ValueError with what is wrong)."""
    import json
    from pathlib import Path

    from numerics.problem import stem

    base = stem(path)
    info = json.loads(Path(f"{base}.json").read_text())
    if info.get("convention", "normalised") != "normalised":
        raise ValueError(f"rank r is derived for normalised rows; the instance file says "
                         f"{info['convention']!r}")
    with np.load(f"{base}.npz") as z:
        keys = set(z.files)
        W, lam = z["W"], z["lam"]
        if {"C", "Chat"} <= keys:
            C, Ch = z["C"], z["Chat"]
            U = z["U"] if "U" in keys else None
        elif {"c", "chat"} <= keys:
            C, Ch = z["c"][:, None], z["chat"][:, None]
            U = z["u"][:, None] if "u" in keys else None
        else:
            raise ValueError(f"{base}.npz has neither C, Chat (k×r) nor c, chat arrays")
    C, Ch = np.atleast_2d(C), np.atleast_2d(Ch)
    k, d = W.shape if W.ndim == 2 else (-1, -1)
    r = C.shape[1] if C.ndim == 2 else -1
    if (W.ndim != 2 or lam.shape != (k,) or C.shape != (k, r) or Ch.shape != (k, r)
            or (U is not None and U.shape != (d, r))):
        raise ValueError(f"instance arrays do not fit together: W {W.shape}, lam {lam.shape}, "
                         f"C {C.shape}, Chat {Ch.shape}" + (f", U {U.shape}" if U is not None
                                                             else "")
                         + " (need (k, d), (k,), (k, r), (k, r), (d, r))")
    for name, a in (("W", W), ("lam", lam), ("C", C), ("Chat", Ch)):
        if not np.all(np.isfinite(a)):
            raise ValueError(f"instance array {name} has a NaN or infinite entry")
    xi = np.asarray(info["xi"], float) * np.ones(r)
    if U is None:
        U = _perp_frame(np.random.default_rng(0), W, None, r)
    return FullRankR(W, U, lam, C, Ch, xi, str(info["act"]), meta=dict(info.get("meta", {}),
                                                                      file=str(path)))


def cli_instance(act: str, *, rank: int, k: int, d: int, xi, features: str, lam: str,
                 c_law: str, seed: int, instance_file: str | None = None) -> FullRankR:
    """The instance ``lowrank derive/simulate --rank`` describe: loaded from ``instance_file``
    or drawn from ``default_rng(seed)`` in the order W, λ, the r columns of C, of Ĉ (each by
    :func:`numerics.problem.coefficients` with ``c_law``), U."""
    from numerics.problem import coefficients

    if instance_file:
        fp = load_instance(instance_file)
        if fp.r != rank:
            raise ValueError(f"the instance file has rank {fp.r}, not --rank {rank}")
        return fp
    if d < k + 2 * rank:
        raise ValueError(f"--d must be at least k + 2R = {k + 2 * rank} (room for U and Û ⊥ "
                         "span W)")
    rng = np.random.default_rng(seed)
    W = draw_features(rng, features, d, k)
    lam_v = second_layer(rng, lam, k)
    C = np.column_stack([coefficients(rng, c_law, k) for _ in range(rank)])
    Ch = np.column_stack([coefficients(rng, c_law, k) for _ in range(rank)])
    U = _perp_frame(rng, W, None, rank)
    x = np.asarray(xi, float) * np.ones(rank)
    return FullRankR(W, U, lam_v, C, Ch, x, act, meta={"features": features, "lam": lam,
                                                      "c": c_law, "seed": seed})


def describe(fp: FullRankR) -> dict:
    """The ``instance`` block of the rank-r JSON documents."""
    m = fp.meta
    return {"d": fp.d, "k": fp.k, "r": fp.r, "xi": fp.xi, "act": fp.act,
            "convention": "normalised", "features": m.get("features"), "lam": m.get("lam"),
            "c": m.get("c"), "seed": m.get("seed"), "file": m.get("file"),
            "lam_values": fp.lam, "C": fp.C, "Chat": fp.Chat, "gram": fp.gram}


#: What every rank-r output says about where the mathematics comes from.
OWN_NOTE = ("rank r is the project's own derivation (docs/rank-r.md), not a result of the "
            "paper; normalised rows")


def derive_rank(text: str, fp: FullRankR, m_matrix: np.ndarray | None = None) -> dict:
    """What ``lowrank derive ACT --rank R`` prints (the ``--json`` document, schema
    ``lowrank-derive-rank/1``, docs/schemas/derive-rank.schema.json): H(0), its SVD, the
    predicted order of learning with the frozen-H times ``atanh(0.9)/σ_s(H(0))`` (close for the
    first direction, an upper estimate for later ones; ∞ where σ_s ≤ 1e-12·σ₁: no linear drive,
    escape ∝ log d), the first-moment direction DCᵀλ, collinearity warnings, and H at
    ``m_matrix`` if given (ValueError from :func:`theory.rank_r.h_matrix` if it is refused)."""
    from theory.hermite import mu

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", R.CollinearWarning)
        p = R.problem(*fp.data)
    collinear = [str(w.message) for w in caught if issubclass(w.category, R.CollinearWarning)]
    P, s, Vt = R.H0_svd(p)
    tiny = s <= 1e-12 * max(s[0], 1e-300)
    order = []
    for j in range(p.r):
        order.append({"s": j + 1, "sigma": s[j],
                      # no linear drive: the frozen-H time is infinite, said by "estimate"
                      # (JSON holds no infinity)
                      "t_frozen": None if tiny[j] else math.atanh(0.9) / s[j],
                      "estimate": "no linear drive: escape ∝ log d" if tiny[j] else
                      ("close (first direction)" if j == 0 else "upper estimate"),
                      "left_vector": P[:, j], "right_vector": Vt[j]})
    lead = p.xi * (p.C.T @ p.lam)
    nrm = float(np.linalg.norm(lead))
    mu1 = float(mu(p.act, 1).approx)
    out = {
        "schema": "lowrank-derive-rank/1", "note": OWN_NOTE,
        "activation": {"input": text, "expr": str(p.act.expr)},
        "rank": p.r, "instance": describe(fp), "H0": R.H0(p), "singular_values": s,
        "order": order, "no_linear_drive": [j + 1 for j in range(p.r) if tiny[j]],
        "first_moment_direction": {
            "mu1": mu1, "vector": lead / nrm if nrm > 0 else lead,
            "cos_with_top_left": abs(float(P[:, 0] @ lead)) / nrm if nrm > 0 else None},
        "collinear": collinear, "m_matrix": None,
    }
    if m_matrix is not None:
        with warnings.catch_warnings():  # already reported in "collinear"
            warnings.simplefilter("ignore", R.CollinearWarning)
            H = R.h_matrix(m_matrix, *fp.data)
        out["m_matrix"] = {"M": m_matrix, "H": H, "sigma_M": np.linalg.svd(
            m_matrix, compute_uv=False)}
    return out


def simulate_rank(fp: FullRankR, *, d: int, seed: int, t_max: float = 1e4) -> dict:
    """What ``lowrank simulate --rank R`` runs: the population flow ``dM/dt = H − M sym(MᵀH)``
    from M₀ = UᵀÛ₀ (Û₀ uniform on the Stiefel manifold of the (d − k)-dimensional complement,
    :func:`uniform_overlap`, generator ``default_rng([seed, 2])``), to σ_min(M) = 0.999 or
    ``t_max``; σ_s(M(t)) and Φ(M(t)) on the solver's steps (schema
    ``lowrank-simulate-rank/1``)."""
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", R.CollinearWarning)
        p = R.problem(*fp.data)
    M0 = uniform_overlap(np.random.default_rng([seed, 2]), d, fp.k, fp.r)
    res = R.flow(p, M0, t_max=t_max)
    P, s, Vt = R.H0_svd(p)
    return {
        "schema": "lowrank-simulate-rank/1", "note": OWN_NOTE, "instance": describe(fp),
        "settings": {"d": d, "t_max": t_max, "stop": res.stop, "level": res.level,
                     "seed": seed, "start_seed": [seed, 2],
                     "start": "Û₀ uniform on the Stiefel manifold of the (d − k)-dimensional "
                              "complement of span(W)"},
        "H0_singular_values": s, "M0": M0,
        "flow": {"t": res.t, "sv": res.sv, "loss": p.phi(res.M), "t_level": res.t_level,
                 "stopped": res.stopped, "success": res.success, "M_end": res.M_end,
                 "dist_polar_H0": float(np.linalg.norm(res.M_end - P @ Vt)),
                 "dist_signed_permutation": R.signed_permutation_distance(res.M_end)},
        "seconds": time.perf_counter() - t0,
    }
