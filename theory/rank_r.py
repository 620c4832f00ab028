r"""Rank r: the h-matrix ``H(M)``, the loss ``Φ(M)`` and the closed ``r × r`` dynamics.

**The project's own derivation, not the paper's** (the paper lists "beyond rank 1" as open; the
derivation is written out in ``docs/rank-r.md``). Normalised rows only (App. D.1, Eq. 11), loss
without ½, ``μ_p`` the coefficients on ``h_p = He_p/√p!``.

Model. Teacher first layer ``W + C D Uᵀ``, student ``W + Ĉ D Ûᵀ``: ``C, Ĉ ∈ R^{k×r}`` (signs
``±1/√k`` or any reals), ``D = diag(ξ_1, …, ξ_r)``, ``U, Û`` orthonormal ``d × r`` frames in
``span(W)^⊥``; only Û is trained, on that Stiefel manifold. With ``a_i = D c_i`` (row i of ``CD``),
``â_j = D ĉ_j``, ``N_i² = G_ii + ‖a_i‖²``, ``N̂_j² = G_jj + ‖â_j‖²`` and ``M = UᵀÛ`` (rows index
the teacher) every pre-activation is a standard Gaussian, the teacher–student correlations are

    Corr(M)_ij = (G_ij + a_iᵀ M â_j)/(N_i N̂_j),

and the loss is a function of M alone: ``Φ(M) = Σ λλK(ρ*) + Σ λλK(ρ̂) − 2 Σ_ij λ_iλ_j
K(Corr(M)_ij)``, with ``K(ρ) = Σ μ_p² ρ^p`` (functions of a matrix act entrywise). Then

    H(M) := −∂Φ/∂M = 2 Ãᵀ [(λλᵀ) ∘ K'(Corr(M))] Ẫ,    Ã = diag(N)⁻¹ C D,  Ẫ = diag(N̂)⁻¹ Ĉ D,

the Riemannian gradient is ``grad Φ(Û) = −(U H − Û sym(MᵀH))`` and the gradient flow closes in M:
``dM/dt = H − M sym(MᵀH)``. At r = 1 everything is the rank-1 theory of
:mod:`theory.population` (Prop. 4's h(m)), evaluated by the same K' code.

A worked case by hand: σ = He₂ (K'(ρ) = 4ρ), two orthonormal rows, C = Ĉ = I, ξ = 1,
λ = (1, 1). Then N² = 2, Ã = Ẫ = I/√2, Corr(M) = (I + M)/2, K'(Corr) = 2(I + M) and
H(M) = 2·(1/2)·2(I + M) = 2(I + M):

>>> import numpy as np
>>> M = np.array([[0.1, 0.2], [0.3, 0.4]])
>>> h_matrix(M, np.eye(2), [1.0, 1.0], np.eye(2), np.eye(2), 1.0, "He2").round(12).tolist()
[[2.2, 0.4], [0.6, 2.8]]
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache

import flint
import numpy as np
import scipy.integrate
import scipy.optimize
import sympy as sp

from theory import hermite, kernels, population
from theory.activations import Activation, get

__all__ = [
    "CollinearWarning",
    "RankR",
    "problem",
    "h_matrix",
    "HMatrixValue",
    "H_series",
    "phi_matrix",
    "phi_rows",
    "sym",
    "riemannian_gradient",
    "flow_field",
    "FlowResult",
    "flow",
    "qf",
    "polar",
    "qr_step",
    "polar_step",
    "iterate",
    "H0",
    "H0_svd",
    "H0_orthonormal",
    "frozen_solution",
    "b_coefficients",
    "orthogonal_stationarity",
    "stationarity_residual",
    "signed_permutations",
    "signed_permutation_distance",
    "refine_stationary",
    "phi_min_orthogonal",
    "certify_stationary",
    "Certificate",
    "msymbols",
    "H_exact",
    "phi_exact_r",
]

#: ‖M‖₂ allowed above 1 for non-polynomial σ (rounding of a point on the Stiefel image).
NORM_SLACK = 1e-12
#: σ_min/σ_max of C or Ĉ at or below which the columns count as collinear.
COLLINEAR_TOL = 1e-12


class CollinearWarning(UserWarning):
    """Collinear (or zero) sign columns: H(M) is singular and span(U) cannot be recovered."""


# ---------------------------------------------------------------------------------------------
# Instance data and the fast evaluation of H(M)
# ---------------------------------------------------------------------------------------------


def _columns(X, name: str) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise ValueError(f"{name} must be a (k,) or (k, r) array, got shape {X.shape}")
    return X


def _collinear_columns(X: np.ndarray) -> str | None:
    """A sentence naming the collinear (or zero) columns of X, or None if X has full column
    rank (σ_min > COLLINEAR_TOL·σ_max)."""
    sv = np.linalg.svd(X, compute_uv=False)
    if sv.size and sv[-1] > COLLINEAR_TOL * max(sv[0], 1e-300):
        return None
    norms = np.linalg.norm(X, axis=0)
    names = [f"{s + 1}" for s in np.flatnonzero(norms == 0)]
    parts = [f"column {n} is zero" for n in names]
    for s, t in itertools.combinations(range(X.shape[1]), 2):
        if norms[s] and norms[t]:
            cos = float(X[:, s] @ X[:, t] / (norms[s] * norms[t]))
            if abs(cos) >= 1 - COLLINEAR_TOL:
                parts.append(f"columns {s + 1} and {t + 1} are {'equal' if cos > 0 else 'opposite'}"
                             " up to scale")
    if not parts:  # a longer dependence: name the columns in the null vector's support
        v = np.linalg.svd(X)[2][-1]
        cols = ", ".join(str(s + 1) for s in np.flatnonzero(np.abs(v) > 1e-8))
        parts.append(f"columns {cols} are linearly dependent")
    return "; ".join(parts)


@lru_cache(maxsize=64)
def _kpp_numpy(act: Activation) -> Callable[[np.ndarray], np.ndarray]:
    """K''(ρ) vectorised: the derivative of the closed K' when there is one, else the Hermite
    series Σ p(p−1) μ_p² ρ^{p−2} with as many terms as :func:`population.hfun` uses for K'."""
    closed = kernels.closed_Kprime(act)
    if closed is not None:
        f = sp.lambdify(kernels.RHO, sp.diff(closed, kernels.RHO), modules="numpy")
        return lambda r: np.broadcast_to(f(r), np.shape(r)).astype(float)
    n = population._series_terms(act)
    mu = hermite.mu_array(act, n)
    p = np.arange(2, n + 1)
    coef = p * (p - 1) * mu[2:] ** 2  # coefficient of ρ^{p−2}
    return lambda r: population._horner(coef, np.asarray(r, float))


@lru_cache(maxsize=64)
def _k_numpy(act: Activation) -> Callable[[np.ndarray], np.ndarray]:
    """K(ρ) vectorised: for polynomial σ the polynomial Σ μ_p² ρ^p (any ρ: off the unit ball
    too), otherwise :func:`theory.kernels.K` (closed form or Hermite series) at ρ clipped to
    [−1, 1] (rounding)."""
    if act.is_polynomial:
        coef = hermite.mu_array(act, population._series_terms(act)) ** 2
        return lambda r: population._horner(coef, np.asarray(r, float))
    return lambda r: np.asarray(kernels.K(act, np.clip(r, -1.0, 1.0)).value, dtype=float)


def sym(A: np.ndarray) -> np.ndarray:
    """Symmetric part ``(A + Aᵀ)/2`` of a (stack of) square matrices.

    >>> sym(np.array([[0.0, 2.0], [0.0, 1.0]])).tolist()
    [[0.0, 1.0], [1.0, 1.0]]
    """
    return (A + np.swapaxes(A, -1, -2)) / 2


@dataclass(frozen=True, eq=False)
class RankR:
    """One rank-r problem in the reduced coordinates: ``gram = WWᵀ`` (k×k), ``lam`` (k),
    ``C, Chat`` (k×r), ``xi`` (r) and σ. Build it with :func:`problem` (validates).

    Every method takes M of shape (r, r) or a stack (..., r, r) and is vectorised over the
    stack. Non-polynomial σ: correlations are clipped to [−1, 1] (rounding at ‖M‖₂ = 1 may
    overshoot, as in :func:`theory.population.hfun`); polynomial σ: no clipping, any M.
    """

    gram: np.ndarray
    lam: np.ndarray
    C: np.ndarray
    Chat: np.ndarray
    xi: np.ndarray
    act: Activation

    @property
    def k(self) -> int:
        return self.lam.shape[0]

    @property
    def r(self) -> int:
        return self.C.shape[1]

    @cached_property
    def A(self) -> np.ndarray:
        """``C D`` (rows a_i)."""
        return self.C * self.xi

    @cached_property
    def Ahat(self) -> np.ndarray:
        """``Ĉ D`` (rows â_j)."""
        return self.Chat * self.xi

    @cached_property
    def N(self) -> np.ndarray:
        """Teacher row norms ``N_i = √(G_ii + ‖a_i‖²)``."""
        return np.sqrt(np.diag(self.gram) + np.einsum("is,is->i", self.A, self.A))

    @cached_property
    def Nhat(self) -> np.ndarray:
        """Student row norms ``N̂_j = √(G_jj + ‖â_j‖²)`` (constant on the Stiefel manifold)."""
        return np.sqrt(np.diag(self.gram) + np.einsum("is,is->i", self.Ahat, self.Ahat))

    @cached_property
    def At(self) -> np.ndarray:
        """``Ã = diag(N)⁻¹ C D``."""
        return self.A / self.N[:, None]

    @cached_property
    def Aht(self) -> np.ndarray:
        """``Ẫ = diag(N̂)⁻¹ Ĉ D``."""
        return self.Ahat / self.Nhat[:, None]

    @cached_property
    def Gn(self) -> np.ndarray:
        """``Corr(0) = diag(N)⁻¹ G diag(N̂)⁻¹``."""
        return self.gram / np.outer(self.N, self.Nhat)

    @cached_property
    def ll(self) -> np.ndarray:
        return np.outer(self.lam, self.lam)

    @property
    def clip(self) -> bool:
        return not self.act.is_polynomial

    @cached_property
    def kprime(self) -> Callable[[np.ndarray], np.ndarray]:
        """The K' evaluator of :func:`theory.population.hfun` (shared, not re-implemented)."""
        return population._kprime_numpy(str(self.act.expr), self.act)[0]

    def corr(self, M) -> np.ndarray:
        """Teacher–student correlations ``Corr(M)`` (..., k, k)."""
        R = self.Gn + self.At @ np.asarray(M, float) @ self.Aht.T
        return np.clip(R, -1.0, 1.0) if self.clip else R

    def H(self, M) -> np.ndarray:
        """``H(M) = 2 Ãᵀ[(λλᵀ) ∘ K'(Corr(M))]Ẫ`` (..., r, r)."""
        Q = self.ll * self.kprime(self.corr(M))
        return 2 * self.At.T @ Q @ self.Aht

    def F(self, M) -> np.ndarray:
        """The flow field ``H(M) − M sym(MᵀH(M))``."""
        M = np.asarray(M, float)
        H = self.H(M)
        return H - M @ sym(np.swapaxes(M, -1, -2) @ H)

    def dH(self, M) -> np.ndarray:
        """``∂H_st/∂M_ab`` as an array (r, r, r, r) (single M): ``2 Σ_ij λ_iλ_j K''(Corr_ij)
        ã_is ã_ia ẫ_jt ẫ_jb``."""
        Q2 = self.ll * _kpp_numpy(self.act)(self.corr(M))
        return 2 * np.einsum("ij,is,ia,jt,jb->stab", Q2, self.At, self.At, self.Aht, self.Aht)

    def jacobian(self, M) -> np.ndarray:
        """Jacobian of the flow field F at M, (r², r²) in row-major order of M's entries."""
        M = np.asarray(M, float)
        r = self.r
        H = self.H(M)
        dH = self.dH(M)
        J = np.empty((r, r, r, r))
        for a in range(r):
            for b in range(r):
                E = np.zeros((r, r))
                E[a, b] = 1.0
                dHab = dH[:, :, a, b]
                J[:, :, a, b] = dHab - E @ sym(M.T @ H) - M @ sym(E.T @ H + M.T @ dHab)
        return J.reshape(r * r, r * r)

    def const(self) -> float:
        """The M-independent part of Φ: teacher–teacher plus student–student terms."""
        Rt = (self.gram + self.A @ self.A.T) / np.outer(self.N, self.N)
        Rs = (self.gram + self.Ahat @ self.Ahat.T) / np.outer(self.Nhat, self.Nhat)
        K = _k_numpy(self.act)
        return float(np.sum(self.ll * K(np.clip(Rt, -1, 1)))
                     + np.sum(self.ll * K(np.clip(Rs, -1, 1))))

    def phi(self, M) -> np.ndarray:
        """``Φ(M)`` (...): the constant part minus ``2 Σ_ij λ_iλ_j K(Corr(M)_ij)``."""
        K = _k_numpy(self.act)
        return self.const() - 2 * np.sum(self.ll * K(self.corr(M)), axis=(-1, -2))


def _xi_vector(xi, r: int) -> np.ndarray:
    x = np.asarray(xi, dtype=float)
    if x.ndim == 0:
        x = np.full(r, float(x))
    if x.shape != (r,):
        raise ValueError(f"xi must be a number or a vector of length r = {r}, got shape {x.shape}")
    if not np.all(np.isfinite(x)) or np.any(x <= 0):
        raise ValueError("every ξ_s must be a positive finite number")
    return x


@lru_cache(maxsize=128)
def _named(spec: str) -> Activation:
    return get(spec)


def _resolve(act) -> Activation:
    """One Activation object per typed name, so the K' evaluator's cache (keyed on the object)
    is hit on every call with the same name."""
    return _named(act) if isinstance(act, str) else get(act)


def problem(gram, lam, C, Chat, xi, act) -> RankR:
    """Validate the data of :func:`h_matrix` and build a :class:`RankR`.

    ``C``/``Chat``: (k, r), or (k,) meaning r = 1; ``xi`` a number (ξ_s = ξ) or (r,); ``act``
    anything :func:`theory.activations.get` accepts. Collinear columns of C or Ĉ give a
    :class:`CollinearWarning` naming them.

    >>> p = problem(np.eye(2), [1.0, 2.0], [0.5, -0.5], [0.5, 0.5], 1.0, "relu")
    >>> p.r, p.k, p.xi.tolist()
    (1, 2, [1.0])
    """
    act = _resolve(act)
    act.require_gradient()
    G = np.asarray(gram, dtype=float)
    lam = np.asarray(lam, dtype=float)
    C = _columns(C, "C")
    Chat = _columns(Chat, "Chat")
    if lam.ndim != 1:
        raise ValueError(f"lam must be a vector (k,), got shape {lam.shape}")
    k = lam.shape[0]
    if G.shape != (k, k) or C.shape[0] != k or Chat.shape != C.shape:
        raise ValueError(f"shapes do not match: gram {G.shape}, lam {lam.shape}, C {C.shape}, "
                         f"Chat {Chat.shape} (need (k, k), (k,), (k, r), (k, r))")
    for name, v in (("gram", G), ("lam", lam), ("C", C), ("Chat", Chat)):
        if not np.all(np.isfinite(v)):
            raise ValueError(f"{name} has a NaN or infinite entry")
    r = C.shape[1]
    x = _xi_vector(xi, r)
    if np.any(np.diag(G) <= 0) and np.any(np.sum((C * x) ** 2, axis=1) + np.diag(G) <= 0):
        raise ValueError("a row has zero norm (G_ii + ‖a_i‖² = 0)")
    for name, X in (("C", C), ("Ĉ", Chat)):
        msg = _collinear_columns(X)
        if msg is not None:
            warnings.warn(f"sign matrix {name}: {msg}; H(M) is singular and span(U) cannot be "
                          "recovered", CollinearWarning, stacklevel=3)
    return RankR(G, lam, C, Chat, x, act)


def _matrix_M(M, r: int) -> np.ndarray:
    Mv = np.asarray(M, dtype=float)
    if Mv.ndim == 0 and r == 1:
        Mv = Mv.reshape(1, 1)
    if Mv.shape != (r, r):
        raise ValueError(f"M must be an (r, r) = ({r}, {r}) matrix (a number when r = 1), "
                         f"got shape {Mv.shape}")
    if not np.all(np.isfinite(Mv)):
        raise ValueError("M has a NaN or infinite entry")
    return Mv


def _check_norm(p: RankR, M: np.ndarray) -> None:
    if p.act.is_polynomial:
        return
    nrm = float(np.linalg.norm(M, 2))
    if nrm > 1 + NORM_SLACK:
        raise ValueError(f"‖M‖₂ = {nrm:.6g} > 1: M = UᵀÛ of two orthonormal frames has ‖M‖₂ ≤ 1, "
                         f"and for non-polynomial σ ('{p.act.name}') K' is only defined for "
                         "correlations in [−1, 1]")


def h_matrix(M, gram, lam, C, Chat, xi, act) -> np.ndarray:
    """The h-matrix ``H(M) = −∂Φ/∂M = 2 Ãᵀ[(λλᵀ) ∘ K'(Corr(M))]Ẫ``, shape (r, r), float.

    ``gram`` = WWᵀ (k×k); ``lam`` (k,); ``C``, ``Chat`` (k, r) (signs ±1/√k or any reals), a
    (k,) array meaning r = 1; ``M`` (r, r), rows indexing the teacher (M = UᵀÛ), or a number
    when r = 1; ``xi`` a number (ξ_s = ξ for every s) or an (r,) vector (pass the scale-matched
    ξ/√r explicitly); ``act`` anything :func:`theory.population.hfun` accepts. Normalised rows
    only (the project's rank-r derivation, ``docs/rank-r.md``; not in the paper).

    Non-polynomial σ needs ‖M‖₂ ≤ 1 + 1e-12 (ValueError otherwise; correlations clipped to
    [−1, 1] as :func:`~theory.population.hfun` clips them). Collinear sign columns warn
    (:class:`CollinearWarning`). At r = 1 this is ``hfun(gram, lam, c, ĉ, ξ, act)(m)`` through the
    same K' evaluator. Numerical limits: float64 with K' in closed form where
    :func:`theory.kernels.closed_Kprime` has one, else its Hermite series (truncation:
    :func:`H_series`); cost one K' evaluation per pair (i, j) and two k×k×r products.

    >>> G = np.eye(3); lam = [1.0, 0.8, 1.2]; c = np.array([1, -1, 1]) / np.sqrt(3)
    >>> from theory.population import hfun
    >>> a = h_matrix(0.3, G, lam, c, -c, 1.2, "relu")[0, 0]
    >>> b = hfun(G, lam, c, -c, 1.2, "relu")(np.array([0.3]))[0]
    >>> bool(abs(a - b) < 1e-15)
    True
    """
    p = problem(gram, lam, C, Chat, xi, act)
    Mv = _matrix_M(M, p.r)
    _check_norm(p, Mv)
    return p.H(Mv)


# ---------------------------------------------------------------------------------------------
# The Hermite double series, with its truncation bound
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HMatrixValue:
    """A value of H(M) (r×r) with an entrywise error bound, and the route that produced it."""

    value: np.ndarray
    error: np.ndarray
    route: str
    terms: int


def H_series(M, gram, lam, C, Chat, xi, act, n_terms: int = 60) -> HMatrixValue:
    """The double series (the analogue of Prop. 4's T(l, q) sum), ``p = l + q + 1 ≤ n``:

    ``H_st = 2 ξ_sξ_t Σ_{l,q} C(l+q, l) p μ_p² Σ_ij λ_iλ_j c_is ĉ_jt G_ij^q (c_iᵀDMDĉ_j)^l
    / (N_iN̂_j)^p``.

    Exact for polynomial σ (the sum is finite: n = deg σ; error 1e-14 × Σ|terms| of rounding).
    Otherwise truncated at p ≤ ``n_terms`` with the proved bound of
    :func:`theory.population.h_closed` per entry: each dropped term is ≤ p μ_p² ρ_max^n with
    ``Σ_{p>n} p μ_p² = E[σ'²] − Σ_{p≤n} p μ_p²`` (Parseval for σ'), times Σ_ij |2λ_iλ_j ã_is ẫ_jt|.
    At r = 1 it is :func:`theory.population.h_series` term for term (its s renamed q).

    >>> G = np.eye(2); c = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    >>> M = np.array([[0.3, -0.1], [0.2, 0.4]])
    >>> s = H_series(M, G, [1.0, 2.0], c, c[::-1], 1.0, "relu", n_terms=40)
    >>> bool(np.all(np.abs(s.value - h_matrix(M, G, [1.0, 2.0], c, c[::-1], 1.0, "relu"))
    ...             <= s.error))
    True
    """
    p = problem(gram, lam, C, Chat, xi, act)
    Mv = _matrix_M(M, p.r)
    _check_norm(p, Mv)
    n = population._series_terms(p.act) if p.act.is_polynomial else int(n_terms)
    mu = hermite.mu_array(p.act, n)
    NN = np.outer(p.N, p.Nhat)
    X = p.A @ Mv @ p.Ahat.T  # c_iᵀ D M D ĉ_j
    total = np.zeros((p.r, p.r))
    absum = np.zeros((p.r, p.r))
    for pp in range(1, n + 1):
        if mu[pp] == 0:
            continue
        for l in range(pp):
            q = pp - 1 - l
            inner = p.ll * p.gram**q * X**l / NN**pp
            term = 2 * math.comb(l + q, l) * pp * mu[pp] ** 2 * (p.A.T @ inner @ p.Ahat)
            total += term
            absum += np.abs(2 * math.comb(l + q, l) * pp * mu[pp] ** 2
                            * (np.abs(p.A).T @ np.abs(inner) @ np.abs(p.Ahat)))
    R = p.corr(Mv)
    err = np.empty((p.r, p.r))
    for s in range(p.r):
        for t in range(p.r):
            Wst = 2 * p.ll * np.outer(p.At[:, s], p.Aht[:, t])
            err[s, t] = population._truncation_bound(Wst, R, p.act, n)
    return HMatrixValue(total, err + 1e-14 * absum + 1e-300, "series", n)


# ---------------------------------------------------------------------------------------------
# The loss: as a function of M, and from d-dimensional rows
# ---------------------------------------------------------------------------------------------


def phi_matrix(M, gram, lam, C, Chat, xi, act) -> float:
    """``Φ(M) = Σ λλK(ρ*) + Σ λλK(ρ̂) − 2 Σ_ij λ_iλ_j K(Corr(M)_ij)`` (loss without ½), K in
    closed form or its Hermite series (:func:`theory.kernels.K`). Same inputs as
    :func:`h_matrix`. At r = 1 it equals :func:`theory.population.phi_exact` at m.

    >>> c = np.array([1.0, -1.0]) / np.sqrt(2)
    >>> float(phi_matrix(1.0, np.eye(2), [1.0, 1.0], c, c, 1.0, "erf")) < 1e-14  # student = teacher
    True
    """
    p = problem(gram, lam, C, Chat, xi, act)
    Mv = _matrix_M(M, p.r)
    _check_norm(p, Mv)
    return float(p.phi(Mv))


def phi_rows(V, Vhat, lam, act) -> float:
    """Φ from d-dimensional rows, each divided by its **actual** norm:
    ``Σ λλK(ρ(V,V)) + Σ λλK(ρ(V̂,V̂)) − 2 Σ λλK(ρ(V,V̂))`` with ρ the cosines of the rows.
    ``V``, ``Vhat``: (k, d) unnormalised rows (teacher ``w_i + U a_i``, student ``w_j + Û â_j``).

    >>> V = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    >>> phi_rows(V, V, [1.0, 2.0], "relu") == 0.0
    True
    """
    act = _resolve(act)
    lam = np.asarray(lam, float)
    Vn = np.asarray(V, float)
    Vn = Vn / np.linalg.norm(Vn, axis=1, keepdims=True)
    Wn = np.asarray(Vhat, float)
    Wn = Wn / np.linalg.norm(Wn, axis=1, keepdims=True)
    K = _k_numpy(act)
    ll = np.outer(lam, lam)

    def term(A, B):
        return float(np.sum(ll * K(np.clip(A @ B.T, -1.0, 1.0))))

    return term(Vn, Vn) + term(Wn, Wn) - 2 * term(Vn, Wn)


# ---------------------------------------------------------------------------------------------
# Gradient, flow, discrete steps
# ---------------------------------------------------------------------------------------------


def riemannian_gradient(U: np.ndarray, Uhat: np.ndarray, H: np.ndarray) -> np.ndarray:
    """``grad Φ(Û) = −(U H − Û sym(MᵀH))``, M = UᵀÛ (embedded metric on the Stiefel manifold;
    U, Û orthonormal d×r frames in span(W)^⊥). r = 1: ``−h(m)(u − m û)`` (Prop. 4).

    >>> u = np.array([[1.0], [0.0]]); uh = np.array([[0.6], [0.8]])
    >>> riemannian_gradient(u, uh, np.array([[2.0]])).ravel().round(12).tolist()  # −2(u − 0.6 û)
    [-1.28, 0.96]
    """
    M = U.T @ Uhat
    return -(U @ H - Uhat @ sym(M.T @ H))


def flow_field(p: RankR, M) -> np.ndarray:
    """``dM/dt = H(M) − M sym(MᵀH(M))``: the gradient flow dÛ/dt = −grad Φ read in M = UᵀÛ
    (exact: it closes). r = 1: ``h(m)(1 − m²)``, the population ODE with η = 1.

    >>> p = problem(np.eye(1), [1.0], [1.0], [1.0], 1.0, "He1")
    >>> float(flow_field(p, np.array([[0.5]]))[0, 0])  # h ≡ 2·(1/2)·1 = 1: 1 − m²
    0.75
    """
    return p.F(M)


def qf(Y: np.ndarray) -> np.ndarray:
    """The Q factor of ``Y = QR`` whose R has a **positive diagonal** (numpy's ``qr`` does not
    promise the signs; the columns are flipped to make them positive). Needs full column rank.

    >>> Y = np.array([[-2.0, 0.0], [0.0, 3.0], [0.0, 0.0]])
    >>> qf(Y)[:2].tolist()      # R = diag(2, 3): the first column is −e₁
    [[-1.0, 0.0], [0.0, 1.0]]
    """
    Q, R = np.linalg.qr(Y)
    s = np.sign(np.diag(R))
    s[s == 0] = 1.0
    return Q * s


def polar(A: np.ndarray) -> np.ndarray:
    """Polar factor ``A (AᵀA)^{−1/2} = P Vᵀ`` (SVD ``A = P Σ Vᵀ``): the nearest orthonormal
    frame/matrix in Frobenius norm.

    >>> polar(np.diag([2.0, -0.5])).tolist()
    [[1.0, 0.0], [0.0, -1.0]]
    """
    P, _, Vt = np.linalg.svd(A, full_matrices=False)
    return P @ Vt


def _step_parts(p: RankR, M: np.ndarray, eta: float, H: np.ndarray | None):
    H = p.H(M) if H is None else H
    S = sym(M.T @ H)
    Gam = H - M @ S
    Z = np.eye(p.r) + eta**2 * (H.T @ H - H.T @ M @ S - S @ M.T @ H + S @ S)
    return M + eta * Gam, Z


def qr_step(p: RankR, M: np.ndarray, eta: float, H: np.ndarray | None = None) -> np.ndarray:
    """One Riemannian GD step with the QR retraction, ``Û' = qf(Û − η grad Φ)``, read in M:
    ``M' = (M + ηΓ)R⁻¹``, ``Γ = H − MS``, ``S = sym(MᵀH)``, R the upper Cholesky factor (positive
    diagonal) of ``I + η²(HᵀH − HᵀMS − SMᵀH + S²)`` = YᵀY for Y = Û − η grad.

    r = 1 gives the **normalised** map ``m' = (m + ηh(1−m²))/√(1 + η²h²(1−m²))``, which differs
    from :func:`numerics.ode.population_recursion` (no normalisation) at O(η²).

    >>> p = problem(np.eye(1), [1.0], [1.0], [1.0], 1.0, "He1")   # h ≡ 1
    >>> m = float(qr_step(p, np.array([[0.5]]), 0.1)[0, 0])
    >>> bool(abs(m - (0.5 + 0.075) / np.sqrt(1 + 0.01 * 0.75)) < 1e-15)
    True
    """
    Y, Z = _step_parts(p, np.asarray(M, float), eta, H)
    L = np.linalg.cholesky(Z)  # Z = L Lᵀ, R = Lᵀ (positive diagonal): M' = Y L⁻ᵀ
    return np.linalg.solve(L, Y.T).T


def polar_step(p: RankR, M: np.ndarray, eta: float, H: np.ndarray | None = None) -> np.ndarray:
    """One Riemannian GD step with the polar retraction: ``M' = (M + ηΓ)(I + η²(…))^{−1/2}``
    (same Z as :func:`qr_step`). r = 1: the same normalised map as the QR step.

    >>> p = problem(np.eye(1), [1.0], [1.0], [1.0], 1.0, "He1")
    >>> bool(np.allclose(polar_step(p, np.array([[0.5]]), 0.1), qr_step(p, np.array([[0.5]]), 0.1)))
    True
    """
    Y, Z = _step_parts(p, np.asarray(M, float), eta, H)
    w, V = np.linalg.eigh(Z)
    return Y @ (V / np.sqrt(w)) @ V.T


def iterate(step: Callable, p: RankR, M0: np.ndarray, eta: float, steps: int) -> np.ndarray:
    """``steps`` applications of a step function; returns all iterates (steps + 1, r, r).

    >>> p = problem(np.eye(1), [1.0], [1.0], [1.0], 1.0, "He1")
    >>> iterate(qr_step, p, np.array([[0.0]]), 0.5, 3).shape
    (4, 1, 1)
    """
    out = np.empty((steps + 1, p.r, p.r))
    out[0] = M0
    for t in range(steps):
        out[t + 1] = step(p, out[t], eta)
    return out


@dataclass
class FlowResult:
    """A solved flow: times ``t`` (n), overlaps ``M`` (n, r, r), singular values ``sv`` (n, r),
    ``t_level[s]`` the first time σ_s(M) ≥ ``level`` (inf if never) and ``M_level[s]`` M then
    (NaN if never), ``stopped``
    ("recovered" when σ_min reached ``stop``, else "t_max"), ``success`` (σ_min(M_end) > 0.99)."""

    t: np.ndarray
    M: np.ndarray
    sv: np.ndarray
    t_level: np.ndarray
    M_level: np.ndarray
    stopped: str
    level: float
    stop: float

    @property
    def M_end(self) -> np.ndarray:
        return self.M[-1]

    @property
    def success(self) -> bool:
        return bool(self.sv[-1, -1] > 0.99)


def flow(p: RankR, M0, *, t_max: float = 1e4, level: float = 0.9, stop: float = 0.999,
         rtol: float = 1e-9, atol: float = 1e-12, field: Callable | None = None) -> FlowResult:
    """Integrate ``dM/dt = H − M sym(MᵀH)`` from M0 (flow time t, no η) by
    :func:`scipy.integrate.solve_ivp` (LSODA: it switches to BDF near a stable point, so runs
    that stall cost little up to ``t_max``), with events for ``σ_s(M) = level`` (s = 1..r, the
    times t_s) and a terminal event at ``σ_min(M) = stop``. ``field`` replaces the field (e.g.
    frozen H for a test). Limits: rtol 1e-9 ⇒ t_s to ~1e-7 relative.

    >>> p = problem(np.eye(1), [1.0], [1.0], [1.0], 1.0, "He1")   # h ≡ 1: m = tanh(t + atanh m0)
    >>> res = flow(p, np.array([[0.0]]))
    >>> res.stopped, bool(abs(res.t_level[0] - np.arctanh(0.9)) < 1e-6)
    ('recovered', True)
    """
    r = p.r
    f = p.F if field is None else field

    def rhs(_t, y):
        return f(y.reshape(r, r)).ravel()

    def sv(y):
        return np.linalg.svd(y.reshape(r, r), compute_uv=False)

    events = [(lambda _t, y, s=s: sv(y)[s] - level) for s in range(r)]
    for e in events:
        e.direction = 1.0
    term = lambda _t, y: sv(y)[-1] - stop  # noqa: E731
    term.terminal = True
    term.direction = 1.0
    sol = scipy.integrate.solve_ivp(rhs, (0.0, float(t_max)), np.asarray(M0, float).ravel(),
                                    method="LSODA", rtol=rtol, atol=atol,
                                    events=[*events, term])
    if sol.status == -1:
        raise RuntimeError(f"flow integration failed: {sol.message}")
    Ms = sol.y.T.reshape(-1, r, r)
    svs = np.linalg.svd(Ms, compute_uv=False)
    t_level = np.array([sol.t_events[s][0] if len(sol.t_events[s]) else np.inf
                        for s in range(r)])
    M_level = np.full((r, r, r), np.nan)
    for s in range(r):
        if len(sol.t_events[s]):
            M_level[s] = sol.y_events[s][0].reshape(r, r)
    stopped = "recovered" if len(sol.t_events[r]) else "t_max"
    return FlowResult(sol.t, Ms, svs, t_level, M_level, stopped, level, stop)


# ---------------------------------------------------------------------------------------------
# The drive at M = 0, the frozen-H solution, sign averages
# ---------------------------------------------------------------------------------------------


def H0(p: RankR) -> np.ndarray:
    """The drive ``H(0) = 2 Ãᵀ[(λλᵀ) ∘ K'(G/(N N̂ᵀ))]Ẫ`` (unit rows and quantised signs:
    ``(2/N²) D Cᵀ Q Ĉ D``, Q = (λλᵀ)∘K'(G/N²)).

    >>> p = problem(np.eye(2), [1.0, 3.0], np.eye(2), np.eye(2), 1.0, "He2")
    >>> H0(p).round(12).tolist()     # K'(I/2) = 2I: 2·(1/2)·diag(2λ²)
    [[2.0, 0.0], [0.0, 18.0]]
    """
    return p.H(np.zeros((p.r, p.r)))


def H0_svd(p: RankR) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SVD ``H(0) = P Σ Vᵀ`` (numpy's order: σ₁ ≥ … ≥ σ_r); P's columns are the teacher-side
    (left) singular vectors. Returns (P, σ, Vᵀ).

    >>> p = problem(np.eye(2), [1.0, 3.0], np.eye(2), np.eye(2), 1.0, "He2")
    >>> H0_svd(p)[1].round(12).tolist()     # H(0) = diag(2, 18), see H0
    [18.0, 2.0]
    """
    P, s, Vt = np.linalg.svd(H0(p))
    return P, s, Vt


def H0_orthonormal(lam, C, Chat, xi, act) -> np.ndarray:
    """H(0) for orthonormal W (G = I) and quantised signs (common N² = 1 + Σ_s ξ_s²/k), in the
    structured form ``(2/N²) D[μ₁²(Cᵀλ)(Ĉᵀλ)ᵀ + (K'(1/N²) − μ₁²) Cᵀ diag(λ²) Ĉ]D``: O(k r²)
    per draw instead of k² K' evaluations. ``lam`` (…, k), ``C``, ``Chat`` (…, k, r) may be
    stacks of draws (broadcast together).

    >>> lam = np.array([1.0, 0.7, 1.3, 0.9]); c = np.array([[1, 1], [1, -1], [-1, 1], [1, 1]]) / 2
    >>> p = problem(np.eye(4), lam, c, c[::-1], 1.0, "relu")
    >>> bool(np.allclose(H0_orthonormal(lam, c, c[::-1], 1.0, "relu"), H0(p), atol=1e-15))
    True
    """
    act = _resolve(act)
    lam = np.asarray(lam, float)
    C = np.asarray(C, float)
    Chat = np.asarray(Chat, float)
    k, r = C.shape[-2], C.shape[-1]
    x = _xi_vector(xi, r)
    N2 = 1.0 + float(np.sum(x**2)) / k
    mu1sq = float(kernels.Kprime(act, 0.0).value)  # K'(0) = μ₁²
    diag = float(kernels.Kprime(act, 1.0 / N2).value) - mu1sq
    a = np.einsum("...ks,...k->...s", C, lam)
    b = np.einsum("...ks,...k->...s", Chat, lam)
    B = (mu1sq * a[..., :, None] * b[..., None, :]
         + diag * np.swapaxes(C * (lam**2)[..., None], -1, -2) @ Chat)
    return (2.0 / N2) * x[:, None] * B * x[None, :]


def frozen_solution(H: np.ndarray, m0: np.ndarray, t) -> np.ndarray:
    """With H frozen at ``H = P Σ Vᵀ`` and ``M(0) = P diag(m0) Vᵀ``, the flow stays
    ``M(t) = P diag(m_s(t)) Vᵀ`` with ``m_s(t) = tanh(σ_s t + atanh m0_s)`` (ṁ_s = σ_s(1 − m_s²));
    its limit is ``polar(H) = P Vᵀ``. ``t`` a number or a vector; returns (..., r, r).

    >>> frozen_solution(np.diag([2.0, 1.0]), np.zeros(2), 0.5).round(12).tolist()
    [[0.761594155956, 0.0], [0.0, 0.46211715726]]
    """
    P, s, Vt = np.linalg.svd(H)
    t = np.asarray(t, float)[..., None]
    m = np.tanh(s * t + np.arctanh(np.asarray(m0, float)))
    return np.einsum("is,...s,sj->...ij", P, m, Vt)


def b_coefficients(gram, lam, xi, k: int, act) -> np.ndarray:
    """The sign-average coefficients ``b_st = 2 ξ_s²ξ_t² λᵀK''(G/N²)λ / (N⁴ k²)``:
    ``E_{C,Ĉ} H(M) = b ∘ M + O(‖M‖³)`` for independent quantised signs (±1/√k), unit rows,
    N² = 1 + Σ_s ξ_s²/k (and ``E H(0) = 0``). ``xi`` a number or (r,) vector; a number means
    r = 1 unless a vector is given.

    >>> # He₂: K'' ≡ 4, N² = 1 + 5/2, b_st = 2ξ_s²ξ_t²·16/(N⁴·4) = (32/49) ξ_s²ξ_t²
    >>> b_coefficients(np.eye(2), [1.0, 1.0], [1.0, 2.0], 2, "He2").round(12).tolist()
    [[0.65306122449, 2.612244897959], [2.612244897959, 10.448979591837]]
    """
    act = _resolve(act)
    G = np.asarray(gram, float)
    lam = np.asarray(lam, float)
    x = np.atleast_1d(np.asarray(xi, float))
    if not np.allclose(np.diag(G), 1.0, atol=1e-12):
        raise ValueError("b_st is stated for unit rows (G_ii = 1)")
    N2 = 1.0 + float(np.sum(x**2)) / k
    kpp = _kpp_numpy(act)(G / N2)
    return 2 * np.outer(x**2, x**2) * float(lam @ kpp @ lam) / (N2**2 * k**2)


# ---------------------------------------------------------------------------------------------
# Stationary points
# ---------------------------------------------------------------------------------------------


def orthogonal_stationarity(p: RankR, O: np.ndarray) -> float:
    """For O ∈ O(r): ‖skew(OᵀH(O))‖_F. O is stationary on the boundary iff this is 0
    (the flow field there is ``O skew(OᵀH)``).

    >>> p = problem(np.eye(2), [1.0, 1.0], np.eye(2), np.eye(2), 1.0, "He1")
    >>> orthogonal_stationarity(p, np.eye(2)) < 1e-15
    True
    """
    A = O.T @ p.H(O)
    return float(np.linalg.norm(A - A.T) / 2)


def stationarity_residual(p: RankR, M: np.ndarray) -> float:
    """‖H(M) − M sym(MᵀH(M))‖_F (interior stationary points solve F(M) = 0)."""
    return float(np.linalg.norm(p.F(M)))


def refine_stationary(p: RankR, M: np.ndarray, tol: float = 1e-14, maxit: int = 30
                      ) -> tuple[np.ndarray, float]:
    """Newton's method on F(M) = 0 with the analytic Jacobian, from M (e.g. a flow's end).
    Returns (M*, ‖F(M*)‖_F); stops when the residual is below ``tol`` or stops decreasing.

    >>> p = problem(np.eye(1), [1.0], [1.0], [1.0], 1.0, "He1")
    >>> M, res = refine_stationary(p, np.array([[0.9]]))
    >>> round(float(M[0, 0]), 12), res < 1e-14
    (1.0, True)
    """
    M = np.asarray(M, float).copy()
    res = stationarity_residual(p, M)
    for _ in range(maxit):
        if res < tol:
            break
        step = np.linalg.solve(p.jacobian(M), p.F(M).ravel()).reshape(M.shape)
        M2 = M - step
        res2 = stationarity_residual(p, M2)
        if not res2 < res:
            break
        M, res = M2, res2
    return M, res


def signed_permutations(r: int):
    """All 2^r·r! signed permutation matrices of size r (a generator).

    >>> len(list(signed_permutations(2)))
    8
    """
    for perm in itertools.permutations(range(r)):
        P = np.eye(r)[list(perm)]
        for signs in itertools.product((1.0, -1.0), repeat=r):
            yield P * np.array(signs)[:, None]


def signed_permutation_distance(M: np.ndarray) -> float:
    """``min_S ‖M − S‖_F`` over the signed permutation matrices S.

    >>> round(signed_permutation_distance(np.array([[0.0, -1.0], [1.0, 0.1]])), 12)
    0.1
    """
    return min(float(np.linalg.norm(M - S)) for S in signed_permutations(M.shape[0]))


def _rotation(theta: float, reflect: bool) -> np.ndarray:
    c, s = math.cos(theta), math.sin(theta)
    R = np.array([[c, -s], [s, c]])
    return R @ np.diag([1.0, -1.0]) if reflect else R


def phi_min_orthogonal(p: RankR, n_grid: int = 720) -> tuple[float, np.ndarray]:
    """``min Φ`` over O(r) (the subspace-recovering overlaps), r ≤ 2: O(1) = {±1}; O(2) is two
    circles (rotations R(θ) and reflections R(θ)diag(1, −1)), scanned on ``n_grid`` angles each
    and refined by a bounded scalar minimisation around the best. Returns (Φ_min, O_min).

    >>> p = problem(np.eye(2), [1.0, 1.0], np.eye(2), np.eye(2), 1.0, "He3")
    >>> v, O = phi_min_orthogonal(p)    # Ĉ = C: the teacher M = I has Φ = 0
    >>> abs(v) < 1e-12, bool(np.allclose(O, np.eye(2), atol=1e-5))
    (True, True)
    """
    if p.r == 1:
        vals = [(float(p.phi(np.array([[s]]))), np.array([[s]])) for s in (1.0, -1.0)]
        return min(vals, key=lambda v: v[0])
    if p.r != 2:
        raise NotImplementedError("phi_min_orthogonal is written for r ≤ 2")
    th = np.linspace(0, 2 * np.pi, n_grid, endpoint=False)
    best = (math.inf, None)
    for reflect in (False, True):
        Os = np.array([_rotation(t, reflect) for t in th])
        vals = p.phi(Os)
        i = int(np.argmin(vals))
        h = 2 * np.pi / n_grid
        res = scipy.optimize.minimize_scalar(lambda t, f=reflect: float(p.phi(_rotation(t, f))),
                                             bounds=(th[i] - h, th[i] + h), method="bounded",
                                             options={"xatol": 1e-12})
        cand = (float(res.fun), _rotation(float(res.x), reflect))
        if cand[0] < best[0]:
            best = cand
    return best


@dataclass
class Certificate:
    """What :func:`certify_stationary` proved (arb ball arithmetic, polynomial σ):

    ``exists``: the Krawczyk operator maps the box ``|M − M̃| ≤ radius`` (entrywise) into its
    interior, so F has exactly one zero M* there; ``residual``: an upper bound on ‖F(M̃)‖_F at the
    float centre; ``eig_real_max``: an upper bound on the real parts of the eigenvalues of the
    flow's Jacobian over the whole box (so at M*); ``stable``: that bound is < 0;
    ``sigma_min_upper``/``sigma_max``: an upper bound on σ_min(M) over the box and σ_max at the
    centre; ``phi_lower``: a lower bound on Φ over the box; ``phi_orth_upper``: an upper bound on
    Φ at the orthogonal ``O`` given (so on min_{O(r)} Φ); ``spurious``: exists, stable,
    σ_min < 0.99 (not a recovered subspace) and phi_lower > phi_orth_upper.

    The points the He₃ flows stall at have σ_max = 1 (one direction learned, the other not):
    they lie on the boundary stratum of the unit ball, not in its interior. There F(M) = 0 is
    still exactly stationarity of the Û-flow (``⟨H, F⟩ = ‖F‖² + ‖B S‖²`` with ``B = (I −
    MᵀM)^{1/2}`` forces ``BS = 0``); strictly inside the ball it would force H(M) = 0."""

    exists: bool
    residual: float
    eig_real_max: float
    stable: bool
    sigma_min_upper: float
    sigma_max: float
    phi_lower: float
    phi_orth_upper: float
    radius: float

    @property
    def spurious(self) -> bool:
        return bool(self.exists and self.stable and self.sigma_min_upper < 0.99
                    and self.phi_lower > self.phi_orth_upper)


def _arb_coeffs(values) -> list:
    out = []
    for v in values:
        q = sp.nsimplify(v**2)
        if q.is_Rational:
            out.append(flint.arb(flint.fmpq(int(q.p), int(q.q))))
        else:  # pragma: no cover - μ_p² of a rational polynomial is rational
            out.append(flint.arb(f"[{sp.N(q, 40)} +/- 1e-38]"))
    return out


class _Ball:
    """The problem's data in arb (exact from the float inputs) for polynomial σ."""

    def __init__(self, p: RankR):
        if not p.act.is_polynomial:
            raise ValueError("certification is written for polynomial σ (K' a polynomial)")
        a = flint.arb
        self.p = p
        k, r = p.k, p.r
        xi = [a(float(v)) for v in p.xi]
        A = [[a(float(p.C[i, s])) * xi[s] for s in range(r)] for i in range(k)]
        Ah = [[a(float(p.Chat[i, s])) * xi[s] for s in range(r)] for i in range(k)]
        G = [[a(float(p.gram[i, j])) for j in range(k)] for i in range(k)]
        N = [(G[i][i] + sum(A[i][s] ** 2 for s in range(r))).sqrt() for i in range(k)]
        Nh = [(G[i][i] + sum(Ah[i][s] ** 2 for s in range(r))).sqrt() for i in range(k)]
        self.At = [[A[i][s] / N[i] for s in range(r)] for i in range(k)]
        self.Aht = [[Ah[i][s] / Nh[i] for s in range(r)] for i in range(k)]
        self.Gn = [[G[i][j] / (N[i] * Nh[j]) for j in range(k)] for i in range(k)]
        lam = [a(float(v)) for v in p.lam]
        self.ll = [[lam[i] * lam[j] for j in range(k)] for i in range(k)]
        mu = population._exact_mus(p.act)
        self.mu2 = _arb_coeffs(mu)  # μ_p², K(ρ) = Σ μ_p² ρ^p
        tt = [[(G[i][j] + sum(A[i][s] * A[j][s] for s in range(r))) / (N[i] * N[j])
               for j in range(k)] for i in range(k)]
        ss = [[(G[i][j] + sum(Ah[i][s] * Ah[j][s] for s in range(r))) / (Nh[i] * Nh[j])
               for j in range(k)] for i in range(k)]
        self.const = sum(self.ll[i][j] * (self._poly(tt[i][j], 0) + self._poly(ss[i][j], 0))
                         for i in range(k) for j in range(k))

    def _poly(self, x, der: int):
        """K^(der)(x) = Σ_p μ_p² p(p−1)…(p−der+1) x^{p−der}, Horner."""
        acc = flint.arb(0)
        for p in range(len(self.mu2) - 1, der - 1, -1):
            f = math.perm(p, der)
            acc = acc * x + self.mu2[p] * f
        return acc

    def corr(self, M):
        k, r = self.p.k, self.p.r
        return [[self.Gn[i][j] + sum(self.At[i][a] * M[a][b] * self.Aht[j][b]
                                     for a in range(r) for b in range(r))
                 for j in range(k)] for i in range(k)]

    def H(self, M, R=None):
        k, r = self.p.k, self.p.r
        R = self.corr(M) if R is None else R
        Q = [[self.ll[i][j] * self._poly(R[i][j], 1) for j in range(k)] for i in range(k)]
        return [[2 * sum(self.At[i][s] * Q[i][j] * self.Aht[j][t]
                         for i in range(k) for j in range(k)) for t in range(r)]
                for s in range(r)]

    def F(self, M):
        r = self.p.r
        H = self.H(M)
        MtH = [[sum(M[c][a] * H[c][b] for c in range(r)) for b in range(r)] for a in range(r)]
        S = [[(MtH[a][b] + MtH[b][a]) / 2 for b in range(r)] for a in range(r)]
        return [[H[s][t] - sum(M[s][a] * S[a][t] for a in range(r)) for t in range(r)]
                for s in range(r)]

    def jacobian(self, M) -> flint.arb_mat:
        k, r = self.p.k, self.p.r
        R = self.corr(M)
        H = self.H(M, R)
        Q2 = [[self.ll[i][j] * self._poly(R[i][j], 2) for j in range(k)] for i in range(k)]
        # dH[s][t][a][b] = 2 Σ_ij Q2_ij ã_is ã_ia ẫ_jt ẫ_jb
        dH = [[[[2 * sum(Q2[i][j] * self.At[i][s] * self.At[i][a] * self.Aht[j][t]
                         * self.Aht[j][b] for i in range(k) for j in range(k))
                 for b in range(r)] for a in range(r)] for t in range(r)] for s in range(r)]

        def mm(X, Y):
            return [[sum(X[i][c] * Y[c][j] for c in range(r)) for j in range(r)]
                    for i in range(r)]

        def tr(X):
            return [[X[j][i] for j in range(r)] for i in range(r)]

        def symm(X):
            return [[(X[i][j] + X[j][i]) / 2 for j in range(r)] for i in range(r)]

        S = symm(mm(tr(M), H))
        J = flint.arb_mat(r * r, r * r)
        for a in range(r):
            for b in range(r):
                E = [[flint.arb(1 if (i, j) == (a, b) else 0) for j in range(r)]
                     for i in range(r)]
                dHab = [[dH[s][t][a][b] for t in range(r)] for s in range(r)]
                inner = symm([[x + y for x, y in zip(r1, r2, strict=True)]
                              for r1, r2 in zip(mm(tr(E), H), mm(tr(M), dHab), strict=True)])
                A1, A2 = mm(E, S), mm(M, inner)
                for s in range(r):
                    for t in range(r):
                        J[s * r + t, a * r + b] = dHab[s][t] - A1[s][t] - A2[s][t]
        return J

    def phi(self, M):
        k = self.p.k
        R = self.corr(M)
        return self.const - 2 * sum(self.ll[i][j] * self._poly(R[i][j], 0)
                                    for i in range(k) for j in range(k))


def _ball_matrix(M: np.ndarray, radius: float) -> list:
    rad = f" +/- {radius!r}" if radius else ""
    return [[flint.arb(f"[{float(v)!r}{rad}]") if radius else flint.arb(float(v)) for v in row]
            for row in M]


def certify_stationary(p: RankR, M: np.ndarray, O: np.ndarray, radius: float = 1e-10,
                       prec: int = 128) -> Certificate:
    """Certify (python-flint arb balls; polynomial σ only) that an interior stationary point
    near the float matrix ``M`` exists, is stable and is spurious:

    * existence and uniqueness in the box ``B = {|X − M| ≤ radius}`` (entrywise) by the
      Krawczyk test ``K(B) = M − Y F(M) + (I − Y J(B))(B − M) ⊂ int B``, Y ≈ J(M)⁻¹ (floats);
    * the eigenvalues of the flow's Jacobian over B enclosed by ``acb_mat.eig`` (valid for every
      matrix in the ball), their real parts bounded above;
    * Φ over B bounded below and Φ(O) at the given orthogonal O bounded above (so
      ``min_{O(r)} Φ ≤ Φ(O) < Φ(M*)``); σ_min over B bounded above (Weyl: σ_min(M̃) plus
      ‖B − M̃‖₂ ≤ r·radius, with a relative 1e-14 for the float SVD).

    Arithmetic at ``prec`` bits (the inputs are the exact binary values of the floats).

    >>> p = problem(np.eye(1), [1.0], [1.0], [1.0], 1.0, "He1")   # ṁ = 1 − m²: no interior point
    >>> certify_stationary(p, np.array([[0.5]]), np.eye(1)).exists
    False
    """
    old = flint.ctx.prec
    flint.ctx.prec = prec
    try:
        return _certify(p, np.asarray(M, float), np.asarray(O, float), radius)
    finally:
        flint.ctx.prec = old


def _certify(p: RankR, Mc: np.ndarray, O: np.ndarray, radius: float) -> Certificate:
    b = _Ball(p)
    r = p.r
    Fc = b.F(_ball_matrix(Mc, 0.0))
    residual = float(math.sqrt(sum(float(abs(x).upper()) ** 2 for row in Fc for x in row)))
    Y = np.linalg.inv(p.jacobian(Mc))
    Yb = flint.arb_mat([[flint.arb(float(v)) for v in row] for row in Y])
    box = _ball_matrix(Mc, radius)
    JB = b.jacobian(box)
    Fv = flint.arb_mat([[x] for row in Fc for x in row])
    dev = flint.arb_mat([[box[i][j] - flint.arb(float(Mc[i, j]))] for i in range(r)
                         for j in range(r)])
    Kdev = -(Yb * Fv) + (flint.arb_mat(r * r, r * r, [1 if i == j else 0 for i in range(r * r)
                                                       for j in range(r * r)]) - Yb * JB) * dev
    exists = all(float(abs(Kdev[i, 0]).upper()) < radius for i in range(r * r))
    eigs = flint.acb_mat(JB).eig(multiple=True)  # enclosures valid for clusters too
    eig_real_max = max(float(e.real.upper()) for e in eigs)
    sv = np.linalg.svd(Mc, compute_uv=False)
    sigma_min_upper = float(sv[-1]) * (1 + 1e-14) + 1e-15 + r * radius
    phi_lower = float(b.phi(box).lower())
    phi_orth_upper = float(b.phi(_ball_matrix(O, 0.0)).upper())
    return Certificate(bool(exists), residual, eig_real_max, eig_real_max < 0,
                       sigma_min_upper, float(sv[0]), phi_lower, phi_orth_upper, radius)


# ---------------------------------------------------------------------------------------------
# Exact routes (polynomial σ): sympy polynomials in the entries of M
# ---------------------------------------------------------------------------------------------


def msymbols(r: int) -> sp.Matrix:
    """The r×r matrix of symbols ``m11, m12, …`` (r = 1: :data:`theory.population.M`, ``m``).

    >>> msymbols(2)
    Matrix([
    [m11, m12],
    [m21, m22]])
    """
    if r == 1:
        return sp.Matrix([[population.M]])
    return sp.Matrix(r, r, lambda s, t: sp.Symbol(f"m{s + 1}{t + 1}", real=True))


def _exact_data(gram, lam, C, Chat, xi):
    """Exact sympy inputs (floats through ``nsimplify``, as :func:`population.h_exact`)."""

    def ex(v):
        return sp.nsimplify(v)

    G = sp.Matrix(gram).applyfunc(ex)
    k = G.shape[0]
    lam = [ex(v) for v in (lam if isinstance(lam, list) else list(np.ravel(lam)))]

    def cols(X):
        if isinstance(X, sp.MatrixBase):
            Xm = X
        else:
            arr = np.asarray(X, dtype=object)
            Xm = sp.Matrix(arr.reshape(k, -1).tolist())
        return Xm.applyfunc(ex)

    Cm, Chm = cols(C), cols(Chat)
    r = Cm.shape[1]
    if isinstance(xi, (list, tuple, np.ndarray)):
        xs = [ex(v) for v in xi]
    else:
        xs = [ex(xi)] * r
    return G, lam, Cm, Chm, xs


def _exact_geometry(G, Cm, Chm, xs):
    k, r = Cm.shape
    A = sp.Matrix(k, r, lambda i, s: Cm[i, s] * xs[s])
    Ah = sp.Matrix(k, r, lambda i, s: Chm[i, s] * xs[s])
    N = [sp.sqrt(G[i, i] + sum(A[i, s] ** 2 for s in range(r))) for i in range(k)]
    Nh = [sp.sqrt(G[i, i] + sum(Ah[i, s] ** 2 for s in range(r))) for i in range(k)]
    return A, Ah, N, Nh


def H_exact(act, gram, lam, C, Chat, xi, route: str = "closed") -> sp.Matrix:
    """H(M) exactly (polynomial σ) as an r×r matrix of polynomials in :func:`msymbols`.

    ``route="closed"``: ``2 Σ_ij λ_iλ_j K'(Corr_ij) a_i â_jᵀ/(N_iN̂_j)``; ``"series"``: the
    double series of :func:`H_series`; ``"dphi"``: ``−∂Φ/∂M`` of :func:`phi_exact_r`. Inputs
    are made exact with ``nsimplify`` (as :func:`theory.population.h_exact`; pass sympy numbers to
    be sure). r = 1: ``h_exact`` in the symbol m.

    >>> H_exact("He2", np.eye(2), [1, 1], np.eye(2), np.eye(2), 1)  # 2(I + M), see the module
    Matrix([
    [2*m11 + 2,     2*m12],
    [    2*m21, 2*m22 + 2]])
    """
    act = get(act)
    G, lam, Cm, Chm, xs = _exact_data(gram, lam, C, Chat, xi)
    k, r = Cm.shape
    Ms = msymbols(r)
    if route == "dphi":
        phi = phi_exact_r(act, G, lam, Cm, Chm, xs)
        return sp.Matrix(r, r, lambda s, t: sp.expand(-sp.diff(phi, Ms[s, t])))
    mu = population._exact_mus(act)
    A, Ah, N, Nh = _exact_geometry(G, Cm, Chm, xs)
    H = sp.zeros(r, r)
    if route == "closed":
        rho = sp.Symbol("rho")
        Kp = sum((p * mu[p] ** 2 * rho ** (p - 1) for p in range(1, len(mu))), sp.Integer(0))
        for i in range(k):
            for j in range(k):
                x = (A[i, :] * Ms * Ah[j, :].T)[0, 0]
                val = Kp.subs(rho, (G[i, j] + x) / (N[i] * Nh[j]))
                w = 2 * lam[i] * lam[j] * val / (N[i] * Nh[j])
                H += w * (A[i, :].T * Ah[j, :])
    elif route == "series":
        for p in range(1, len(mu)):
            if mu[p] == 0:
                continue
            for l in range(p):
                q = p - 1 - l
                for i in range(k):
                    for j in range(k):
                        x = (A[i, :] * Ms * Ah[j, :].T)[0, 0]
                        w = (2 * sp.binomial(l + q, l) * p * mu[p] ** 2 * lam[i] * lam[j]
                             * G[i, j] ** q * x**l / (N[i] * Nh[j]) ** p)
                        H += w * (A[i, :].T * Ah[j, :])
    else:
        raise ValueError(f"route must be 'closed', 'series' or 'dphi', not {route!r}")
    return H.applyfunc(sp.expand)


def phi_exact_r(act, gram, lam, C, Chat, xi) -> sp.Expr:
    """Φ(M) exactly (polynomial σ), a polynomial in :func:`msymbols`; r = 1 is
    :func:`theory.population.phi_exact`.

    >>> phi_exact_r("quadratic", np.eye(1), [1], [1], [1], 1)   # population.phi_exact's example
    -m**2 - 2*m + 3
    """
    act = get(act)
    G, lam, Cm, Chm, xs = _exact_data(gram, lam, C, Chat, xi)
    k, r = Cm.shape
    Ms = msymbols(r)
    mu = population._exact_mus(act)
    rho = sp.Symbol("rho")
    Kf = sum((v**2 * rho**p for p, v in enumerate(mu)), sp.Integer(0))
    A, Ah, N, Nh = _exact_geometry(G, Cm, Chm, xs)
    total = sp.Integer(0)
    for i in range(k):
        for j in range(k):
            tt = (G[i, j] + (A[i, :] * A[j, :].T)[0, 0]) / (N[i] * N[j])
            ss = (G[i, j] + (Ah[i, :] * Ah[j, :].T)[0, 0]) / (Nh[i] * Nh[j])
            ts = (G[i, j] + (A[i, :] * Ms * Ah[j, :].T)[0, 0]) / (N[i] * Nh[j])
            total += lam[i] * lam[j] * (Kf.subs(rho, tt) + Kf.subs(rho, ss)
                                        - 2 * Kf.subs(rho, ts))
    return sp.expand(total)
