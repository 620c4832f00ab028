r"""LoRA in the NTK regime (Jang, Lee & Ryu, arXiv 2402.11867) in the Dayi–Chen setting: the
linearised base network, its nuclear-norm regularised empirical risk against LoRA of rank r from
many starts, and the linearised model's population error floor (a quantitative Fig. 3(a)).

**Linearised model.** Around the base model ``f₀(x) = Σ_i λ_i σ(<w_i, x>)`` (unit rows),
``f_lin(x; Δ) = f₀(x) + <Δ, Φ(x)>``, ``Φ(x) = (λ ⊙ σ'(Wx)) xᵀ`` (k × d), one output. On N samples
``(x_n, y_n = f*(x_n))`` with residuals ``r_n = y_n − f₀(x_n)`` the convex problem is

    P(Δ) = (1/N) Σ_n (r_n − <Δ, Φ_n>)² + ν ‖Δ‖_*,

and LoRA of rank r minimises ``F(B, A) = (1/N) Σ_n (r_n − <BAᵀ, Φ_n>)² + (ν/2)(‖A‖²_F + ‖B‖²_F)``
(B k × r, A d × r); since ``min {(‖A‖² + ‖B‖²)/2 : BAᵀ = Δ} = ‖Δ‖_*`` (for r ≥ rank Δ), the
global minimum of F equals min P whenever r ≥ rank of a minimiser of P. Both are solved in the
span of the samples: with ``Xᵀ = Q R`` (Q d × N orthonormal), a minimiser has its rows in span(Q)
(right-multiplying by QQᵀ lowers neither the data fit nor the norms), so ``Δ = C Qᵀ``,
``A = Q A_c`` and ``<Δ, Φ_n> = s_nᵀ C c_n`` with ``s_n = λ ⊙ σ'(Wx_n)``, ``c_n = Qᵀx_n``.

:func:`nuclear_solve` is accelerated proximal gradient (singular value thresholding, adaptive
restart) stopped by a **duality gap**: for ``h(z) = (1/N)‖r − z‖²`` and the dual point
``y = θ ∇h(𝒜C)``, ``θ = min(1, ν/‖𝒜*∇h‖_op)``, the Fenchel dual value
``−<y, r> − (N/4)‖y‖²`` is a certified lower bound of min P (up to rounding).
:func:`lora_solve` runs L-BFGS (scipy) on F from random starts.

**Population floor** (:func:`population_floor`), App. B convention as Fig. 3 uses it (ReLU,
``f(x) = (1/ξ) Σ λ_i σ(κ<w_i + ξc_iu, x>)``, ``κ = k/(k + ξ²)``). The linearised model's features
``σ'(κ<w_i, x>) x`` reduce, with ``y = Wx`` and ``z = <u, x>``, to the k² features
``1(y_i > 0) y_j`` and the k features ``1(y_i > 0) z`` (the rest of x is independent of the
target and of these: zero coefficient); the two blocks are uncorrelated (z is independent of y
and centred). Its floor ``min E[(f* − f_lin)²]`` is a Gaussian least-squares problem whose Gram
matrix and target covariances are orthant moments of bivariate Gaussians, in closed form:
``P(a>0, b>0) = 1/4 + arcsin ρ/(2π)``, ``E[relu(a)relu(b)] = s_a s_b J1(ρ)`` (the arc-cosine
kernel, :func:`theory.kernels.closed_Kcov`), and, by Stein's lemma in a,
``E[a² 1(a>0) 1(b>0)] = s_a² (1/4 + arcsin ρ/(2π) + ρ√(1 − ρ²)/(2π))`` (written here: no library
has it). The rank-one restriction (Fig. 3's linearised student ``f₀ + ξ·lin(ĉûᵀ)``, û ⊥ span W)
can do no better than û = u with ĉ free: the k z-features alone. Exact up to rounding (the
solves report their residuals).

>>> import numpy as np
>>> from numerics.problem import make_instance
>>> inst = make_instance(np.random.default_rng(0), d=30, k=4, xi=1.0, act="relu")
>>> data = linearised_data(inst, np.random.default_rng(1).standard_normal((10, 30)))
>>> sol = nuclear_solve(data, nu=0.05)
>>> bool(sol.gap <= 1e-10 * sol.value), sol.rank <= 4
(True, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.optimize
import sympy as sp
from threadpoolctl import threadpool_limits

from numerics.problem import Instance
from theory import kernels

__all__ = [
    "LinearisedData",
    "linearised_data",
    "NuclearSolution",
    "nuclear_solve",
    "lora_solve",
    "population_floor",
    "orthant_moments",
]


@dataclass
class LinearisedData:
    """Reduced data of the linearised empirical risk: residuals r (N), left factors S (N × k,
    ``s_n = λ ⊙ σ'(Wx_n)``), right factors Cx (N × N, ``c_n = Qᵀx_n``), and the design matrix
    M (N × kN) with ``M[n] = vec(s_n c_nᵀ)``."""

    r: np.ndarray
    S: np.ndarray
    Cx: np.ndarray
    M: np.ndarray

    @property
    def N(self) -> int:
        return self.r.size

    @property
    def k(self) -> int:
        return self.S.shape[1]


def linearised_data(inst: Instance, X: np.ndarray) -> LinearisedData:
    """The linearised problem's data from samples X (N × d) of the instance (module docstring;
    base rows as they are, so use unit rows, Assumption 1; teacher in the instance's
    convention).

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=12, k=3, xi=1.0, act="relu")
    >>> linearised_data(inst, np.ones((2, 12))).M.shape
    (2, 6)
    """
    X = np.atleast_2d(np.asarray(X, float))
    Y = X @ inst.W.T
    r = inst.f_star(X) - inst.activation.f(Y) @ inst.lam
    S = inst.lam * inst.activation.df(Y)
    Q, _ = np.linalg.qr(X.T)
    Cx = X @ Q
    M = (S[:, :, None] * Cx[:, None, :]).reshape(X.shape[0], -1)
    return LinearisedData(r=r, S=S, Cx=Cx, M=M)


@dataclass
class NuclearSolution:
    """The convex optimum: ``C`` (k × N, Δ = C Qᵀ), ``value`` = P(C), ``dual`` a certified
    lower bound, ``gap = value − dual``, the numerical ``rank`` (singular values above
    ``1e-8·σ_max``), its singular values, iterations."""

    C: np.ndarray
    value: float
    dual: float
    gap: float
    rank: int
    singular_values: np.ndarray
    iterations: int


def _objective(data: LinearisedData, C: np.ndarray, nu: float) -> tuple[float, np.ndarray]:
    res = data.r - data.M @ C.ravel()
    return float(res @ res / data.N + nu * np.linalg.svd(C, compute_uv=False).sum()), res


def _dual(data: LinearisedData, res: np.ndarray, nu: float) -> float:
    grad = -(2.0 / data.N) * res  # ∇h at 𝒜C
    At = (data.M.T @ grad).reshape(data.k, data.N)
    op = np.linalg.norm(At, 2)
    y = grad * (min(1.0, nu / op) if op > 0 else 1.0)
    return float(-(y @ data.r) - data.N / 4 * (y @ y))


def _svt(V: np.ndarray, t: float) -> np.ndarray:
    U, s, Wt = np.linalg.svd(V, full_matrices=False)
    return (U * np.maximum(s - t, 0.0)) @ Wt


def nuclear_solve(data: LinearisedData, nu: float, tol: float = 1e-13,
                  fista_iter: int = 3000) -> NuclearSolution:
    """Minimise P: a candidate from accelerated proximal gradient (FISTA with function-value
    restart, ``fista_iter`` steps; slow when the optimum has small singular values), polished
    by Newton's method on the factorisation at the candidate's rank r̂ (``(B, A) ↦ F`` with
    r̂ columns, smooth there; Hessian by central differences of the analytic gradient,
    pseudo-inverse for the O(r̂) rotations that leave BAᵀ fixed), then certified by the
    duality gap: the best primal and the best dual value of all iterates (module docstring).
    ``tol`` only stops FISTA early; the gap is returned, never assumed. One BLAS thread
    (threadpoolctl): on this 2-core machine the small products were ~40× slower with two.

    >>> d = LinearisedData(np.array([1.0]), np.array([[1.0]]), np.array([[1.0]]),
    ...                    np.array([[1.0]]))
    >>> s = nuclear_solve(d, nu=0.5)     # min (1 − c)² + c/2: c = 3/4, P = 1/16 + 3/8
    >>> round(float(s.C[0, 0]), 10), round(s.value, 10)
    (0.75, 0.4375)
    """
    with threadpool_limits(limits=1, user_api="blas"):
        C, it = _fista(data, nu, tol, fista_iter)
        val, res = _objective(data, C, nu)
        dual = _dual(data, res, nu)
        k, N = data.k, data.N
        U, s, Vt = np.linalg.svd(C, full_matrices=False)
        r = int(np.sum(s > 1e-8 * s[0])) if s[0] > 0 else 0
        x = np.concatenate([(U[:, :r] * np.sqrt(s[:r])).ravel(),
                            (Vt[:r].T * np.sqrt(s[:r])).ravel()])
        for _ in range(6 if r else 0):
            x = x - np.linalg.lstsq(_fd_hessian(x, data, nu, r), _lora_fun(x, data, nu, r)[1],
                                    rcond=1e-10)[0]
            C2 = x[:k * r].reshape(k, r) @ x[k * r:].reshape(N, r).T
            val2, res2 = _objective(data, C2, nu)
            dual = max(dual, _dual(data, res2, nu))
            if val2 < val:
                C, val = C2, val2
            if val - dual <= 1e-14 * abs(val):
                break
    sv = np.linalg.svd(C, compute_uv=False)
    rank = int(np.sum(sv > 1e-8 * sv[0])) if sv[0] > 0 else 0
    return NuclearSolution(C=C, value=val, dual=dual, gap=val - dual, rank=rank,
                           singular_values=sv, iterations=it)


def _fd_hessian(x: np.ndarray, data: LinearisedData, nu: float, r: int) -> np.ndarray:
    """Hessian of F at rank r by central differences of its analytic gradient (symmetrised)."""
    n = x.size
    H = np.empty((n, n))
    h = 1e-6 * max(1.0, float(np.abs(x).max()))
    for i in range(n):
        e = np.zeros(n)
        e[i] = h
        H[i] = (_lora_fun(x + e, data, nu, r)[1] - _lora_fun(x - e, data, nu, r)[1]) / (2 * h)
    return (H + H.T) / 2


def _fista(data: LinearisedData, nu: float, tol: float, max_iter: int) -> tuple[np.ndarray, int]:
    k, N = data.k, data.N
    L = 2.0 * np.linalg.norm(data.M, 2) ** 2 / N
    step = 1.0 / L
    C = np.zeros((k, N))
    Yv = C.copy()
    t = 1.0
    val, res = _objective(data, C, nu)
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - it is reported
        r_y = data.r - data.M @ Yv.ravel()
        grad = -(2.0 / N) * (data.M.T @ r_y).reshape(k, N)
        Cn = _svt(Yv - step * grad, step * nu)
        vn, resn = _objective(data, Cn, nu)
        if vn > val:  # restart the momentum
            t = 1.0
            Yv = C.copy()
            continue
        tn = (1 + math.sqrt(1 + 4 * t * t)) / 2
        Yv = Cn + ((t - 1) / tn) * (Cn - C)
        C, val, res, t = Cn, vn, resn, tn
        if it % 50 == 0 and val - _dual(data, res, nu) <= tol * abs(val):
            break
    return C, it


def _lora_fun(theta: np.ndarray, data: LinearisedData, nu: float, rank: int):
    k, N = data.k, data.N
    B = theta[:k * rank].reshape(k, rank)
    A = theta[k * rank:].reshape(N, rank)
    SB = data.S @ B  # N × r
    CA = data.Cx @ A  # N × r
    pred = np.einsum("nr,nr->n", SB, CA)
    res = data.r - pred
    f = res @ res / N + 0.5 * nu * (np.sum(A * A) + np.sum(B * B))
    w = -(2.0 / N) * res
    gB = data.S.T @ (w[:, None] * CA) + nu * B
    gA = data.Cx.T @ (w[:, None] * SB) + nu * A
    return f, np.concatenate([gB.ravel(), gA.ravel()])


def lora_solve(data: LinearisedData, nu: float, rank: int, rng: np.random.Generator,
               starts: int, scale: float = 1.0, max_iter: int = 1000
               ) -> tuple[np.ndarray, np.ndarray]:
    """LoRA of rank ``rank`` from ``starts`` random starts (entries N(0, scale²)) by L-BFGS with
    tight tolerances (relative decrease 1e-15, gradient 1e-12): the final values of F (module
    docstring) and, from each final residual, the dual value (a certified lower bound of
    min P, as in :func:`nuclear_solve`).
    ``F(B, A) ≥ P(BAᵀ) ≥ min P`` always, so ``[max dual, min F]`` brackets min P.

    >>> d = LinearisedData(np.array([1.0]), np.array([[1.0]]), np.array([[1.0]]),
    ...                    np.array([[1.0]]))
    >>> v, lb = lora_solve(d, 0.5, 1, np.random.default_rng(0), 3)
    >>> bool(np.allclose(v, 0.4375, rtol=1e-10) and np.allclose(lb, 0.4375, rtol=1e-10))
    True
    """
    with threadpool_limits(limits=1, user_api="blas"):  # see nuclear_solve
        return _lora_starts(data, nu, rank, rng, starts, scale, max_iter)


def _lora_starts(data, nu, rank, rng, starts, scale, max_iter):
    k, N = data.k, data.N
    vals = np.empty(starts)
    duals = np.empty(starts)
    for s in range(starts):
        x0 = scale * rng.standard_normal(rank * (k + N))
        sol = scipy.optimize.minimize(_lora_fun, x0, args=(data, nu, rank), jac=True,
                                      method="L-BFGS-B",
                                      options={"maxiter": max_iter, "maxfun": 2 * max_iter,
                                               "ftol": 1e-15, "gtol": 1e-12, "maxcor": 30})
        B = sol.x[:k * rank].reshape(k, rank)
        A = sol.x[k * rank:].reshape(N, rank)
        vals[s] = sol.fun
        res = data.r - np.einsum("nr,nr->n", data.S @ B, data.Cx @ A)
        duals[s] = _dual(data, res, nu)
    return vals, duals


# ------------------------------------------------------------------------ population floor


def orthant_moments(sa, sb, rho):
    """For centred Gaussians a, b with standard deviations sa, sb and correlation ρ (arrays
    broadcast): ``(P(a>0,b>0), E[a 1(a>0,b>0)], E[a² 1(a>0,b>0)], E[ab 1(a>0,b>0)])``.

    >>> [round(float(v), 12) for v in orthant_moments(1.0, 1.0, 0.0)]
    [0.25, 0.199471140201, 0.25, 0.159154943092]
    """
    rho = np.clip(np.asarray(rho, float), -1.0, 1.0)
    sa = np.asarray(sa, float)
    sb = np.asarray(sb, float)
    sb = np.asarray(sb, float)
    P = _J0(rho)
    m1 = sa * (1 + rho) / (2 * math.sqrt(2 * math.pi))
    m2 = sa * sa * (P + rho * np.sqrt(1 - rho * rho) / (2 * math.pi))
    mab = sa * sb * _J1(rho)
    return P, m1, m2, mab


_R = kernels.RHO
_J0f = sp.lambdify(_R, kernels.closed_Kprime("relu"), "numpy")  # E[1(a>0)1(b>0)]
_J1f = sp.lambdify(_R, kernels.closed_K("relu"), "numpy")  # E[relu(a)relu(b)], unit variances


def _J0(rho):
    # correlations are ≤ 1 by Cauchy–Schwarz; rounding may overshoot by an ulp
    return _J0f(np.clip(rho, -1.0, 1.0))


def _J1(rho):
    return _J1f(np.clip(rho, -1.0, 1.0))


def _second(G):
    """E[1(y_i>0)1(y_l>0) y_j y_m] for unit-variance y ~ N(0, G), all (i, l, j, m), by
    regressing y on Y = (y_i, y_l): ``B M2 Bᵀ + P (G − B G_Y Bᵀ)`` with ``B = G[:, (i,l)] G_Y⁻¹``,
    ``M2 = E[1(Y>0) YYᵀ]``, ``P = P(Y > 0)``; for i = l it is G/2 (y_i alone, symmetric law)."""
    k = G.shape[0]
    g = np.clip(G, -1.0, 1.0)
    off = ~np.eye(k, dtype=bool)
    det = np.where(off, 1 - g * g, 1.0)
    # B[i, l, j, :] = (G_ji − G_jl g_il, G_jl − G_ji g_il)/det_il
    Gi = G.T[:, None, :]  # [i, ·, j] = G_ji
    Gl = G.T[None, :, :]  # [·, l, j] = G_jl
    B0 = (Gi - Gl * g[:, :, None]) / det[:, :, None]
    B1 = (Gl - Gi * g[:, :, None]) / det[:, :, None]
    P, _, m2, mab = orthant_moments(1.0, 1.0, g)
    # B M2 Bᵀ with M2 = [[m2, mab], [mab, m2]]; B G_Y Bᵀ with G_Y = [[1, g], [g, 1]]
    t = (m2[:, :, None, None] * (B0[..., :, None] * B0[..., None, :]
                                 + B1[..., :, None] * B1[..., None, :])
         + mab[:, :, None, None] * (B0[..., :, None] * B1[..., None, :]
                                    + B1[..., :, None] * B0[..., None, :]))
    r = (B0[..., :, None] * B0[..., None, :] + B1[..., :, None] * B1[..., None, :]
         + g[:, :, None, None] * (B0[..., :, None] * B1[..., None, :]
                                  + B1[..., :, None] * B0[..., None, :]))
    out = t + P[:, :, None, None] * (G[None, None] - r)
    out[np.arange(k), np.arange(k)] = G / 2
    return out


def _target_y(G, lam, c, xi, o):
    """E[r 1(y_i>0) y_j] (k × k), r = o Σ_m λ_m (relu(t_m) − relu(y_m)), t_m = y_m + ξc_m z:
    with T = (t, y_i) and y_j = B T + e, ``E[relu(t)1(y_i>0) y_j] = B (E[t²1], E[t y_i 1])``."""
    k = G.shape[0]
    st = np.sqrt(1 + xi * xi * c * c)
    out = np.zeros((k, k))
    for base in (False, True):
        s_t = np.ones(k) if base else st
        cov = G  # Cov(t_m, y_i) = G_mi either way
        det = s_t[:, None] ** 2 - cov**2  # [m, i]
        if base:
            det = np.where(np.eye(k, dtype=bool), 1.0, det)
        # B_j = (G_jm − G_ji G_mi, G_ji s_m² − G_jm G_mi)/det_mi
        Gjm = G.T[:, None, :]  # [m, ·, j] = G_jm
        Gji = G.T[None, :, :]  # [·, i, j] = G_ji
        b0 = (Gjm - Gji * cov[:, :, None]) / det[:, :, None]
        b1 = (Gji * (s_t**2)[:, None, None] - Gjm * cov[:, :, None]) / det[:, :, None]
        _, _, m2, mab = orthant_moments(s_t[:, None], 1.0, cov / s_t[:, None])
        val = b0 * m2[:, :, None] + b1 * mab[:, :, None]  # [m, i, j]
        if base:  # m = i: relu(y_i) 1(y_i>0) y_j = y_i 1(y_i>0) y_j, mean G_ij/2
            val[np.arange(k), np.arange(k)] = G / 2
        out += (-1.0 if base else 1.0) * o * np.einsum("m,mij->ij", lam, val)
    return out


def population_floor(gram, lam, c, xis, kappa: str = "appB") -> list[dict]:
    """Population floors of the linearised ReLU model in the App. B convention (module
    docstring), one dict per ξ: ``initial`` (E[(f* − f₀)²]), ``full`` (floor of the k(k+1)
    features), ``rank1`` (the k z-features: the rank-one student with û = u, ĉ free), and the
    relative floors; the nonlinear rank-one student reaches 0 (û = u, ĉ = c). ``kappa``:
    "appB" (κ = k/(k + ξ²), as printed) — it scales every term alike for ReLU, so the relative
    floors do not depend on it. Unit rows needed (``diag(gram) = 1``).

    >>> fl = population_floor(np.eye(2), [1.0, 1.0], [0.6, 0.8], [0.05, 3.0])
    >>> fl[0]["full_rel"] < 0.02 < fl[1]["full_rel"] < fl[1]["rank1_rel"] < 1
    True
    """
    G = np.asarray(gram, float)
    lam = np.asarray(lam, float)
    c = np.asarray(c, float)
    k = lam.size
    if not np.allclose(np.diag(G), 1.0):
        raise ValueError("population_floor needs unit rows")
    Py = _second(G).transpose(0, 2, 1, 3).reshape(k * k, k * k)  # [(i,j),(l,m)]
    Py = (Py + Py.T) / 2
    Pz = _J0(G)
    # Cholesky (the Gram matrix of linearly independent features is positive definite; an
    # eigendecomposition of this k² × k² matrix took 8× longer here)
    fac = scipy.linalg.cho_factor(Py)
    out = []
    for xi in xis:
        xi = float(xi)
        kap = k / (k + xi * xi) if kappa == "appB" else 1.0
        o = kap / xi  # f = (κ/ξ) Σ λ relu(t): relu is positively homogeneous
        st = np.sqrt(1 + xi * xi * c * c)  # std of t_m = y_m + ξ c_m z
        # E[r²], r = o Σ λ_m (relu(t_m) − relu(y_m))
        Ctt = (G + xi * xi * np.outer(c, c)) / np.outer(st, st)
        Cty = G / st[:, None]  # corr(t_m, y_n) = G_mn / st_m
        Ett = np.outer(st, st) * _J1(Ctt)
        Ety = st[:, None] * _J1(Cty)
        Eyy = _J1(G)
        init = o * o * float(lam @ (Ett - 2 * Ety + Eyy) @ lam)
        # z-block: E[r 1(y_i>0) z] = o Σ_m λ_m ξ c_m P(t_m>0, y_i>0) (Stein in z)
        bz = o * xi * (_J0(Cty.T) @ (lam * c))
        gz = np.linalg.solve(Pz, bz)
        rank1 = init - float(bz @ gz)
        by = _target_y(G, lam, c, xi, o)
        byv = by.reshape(-1)
        beta = scipy.linalg.cho_solve(fac, byv)
        full = rank1 - float(byv @ beta)
        resid = float(np.linalg.norm(Py @ beta - byv) / np.linalg.norm(byv))
        out.append({"xi": xi, "kappa": kap, "initial": init, "rank1": rank1, "full": full,
                    "rank1_rel": rank1 / init, "full_rel": full / init,
                    "solve_residual": resid})
    return out
