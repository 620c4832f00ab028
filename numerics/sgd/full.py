"""The full d-dimensional online-SGD engine: Eq. (4) of §2 exactly as printed (the reference).

Each step draws ``x_t ~ N(0, I_d)`` for every run, computes the per-sample loss
``ℓ = (f*(x) − f̂(x))²`` (no ½), its Euclidean gradient in û (:func:`gradients`), projects it onto
span(W)^⊥ with the true projector ``I − Wᵀ(WWᵀ)⁻¹W`` (skipped by the ``unprojected`` variant) and
onto the tangent space ``I − ûûᵀ``, steps by η and renormalises::

    û_{t+1} = proj(û_t − η (I − û_tû_tᵀ) Π⊥_{span W} ∇ℓ(û_t; x_t)),   proj(v) = v/‖v‖.

Runs are batched as runs × d arrays; no d × d matrix is formed: ``Π⊥ v = v − Wᵀ(L Lᵀ)⁻¹ W v``
with L the Cholesky factor of ``WWᵀ``. The teacher is evaluated from its rows as printed
(:meth:`numerics.problem.Instance.teacher_rows`); the student's pre-activations from ``Wx`` and
``<û, x>`` (the same numbers, without forming k × d rows per run). Conventions: the instance's
(normalised / raw / appB; see :mod:`numerics.problem`).

Gradient (derived here, checked against finite differences of :meth:`Instance.f_hat` in the
tests). With student pre-activations ``p̂_j = s_j <w_j + ξĉ_jû, x>``, scale ``s_j = 1/N̂_j``
(normalised, ``N̂_j = ‖w_j + ξĉ_jû‖``), ``κ = k/(k+ξ²)`` (appB) or 1 (raw), output factor ``o``
(1/ξ in appB, else 1) and residual ``e = f* − f̂``:

    ∂p̂_j/∂û = ξĉ_j s_j (x − [normalised] p̂_j s_j (w_j + ξĉ_jû)),
    ∂p̂_j/∂ĉ_j = ξ s_j <û,x> − [normalised] p̂_j s_j² (ξ<w_j,û> + ξ²ĉ_j),
    ∇_û ℓ = −2 e o Σ_j λ_j σ'(p̂_j) ∂p̂_j/∂û,  ∇_ĉ ℓ likewise.

So ``∇_û ℓ = g x + Σ_j δ_j w_j + γ û`` with ``g = −2eo Σ_j λ_jσ'(p̂_j)ξĉ_js_j``. On the
constraint set of Eq. 4 (û ⊥ span W, ‖û‖ = 1) the normalising terms ``δ_j w_j`` and ``γ û`` are
killed by the two projections (``Π⊥ w_j = 0``, ``(I − ûûᵀ)û = 0``), as model.md says; they are
kept here because the ``unprojected`` variant needs them.

Linearised student (Fig. 3): ``f_lin = o Σ_j λ_j [σ(p⁰_j) + σ'(p⁰_j) δp_j]`` with
``p⁰_j = s⁰_j <w_j, x>``, ``s⁰_j = 1/‖w_j‖`` (normalised), κ (appB) or 1 (raw), and the first
order term of ``p̂_j`` in ``ε_j = ξĉ_jû`` at ε = 0:
``δp_j = ξĉ_j (s⁰_j <û,x> − [normalised] (s⁰_j)³ <w_j,x><w_j,û>)``.

Numerical limits: float64; one Python-level step per SGD step (vectorised over runs), so use
many runs; cost per run-step ≈ d normals + two (or three) k × d products.

>>> from numerics.problem import make_instance
>>> inst = make_instance(np.random.default_rng(0), d=20, k=3, xi=1.0, act="relu")
>>> tr = run(inst, np.random.default_rng(1), runs=4, steps=50, lr=0.01, record_every=25,
...          h0_sign=1.0)
>>> tr.m.shape, tr.engine
((4, 3), 'full')
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numba
import numpy as np
import scipy.linalg

from numerics.normals import standard_normal
from numerics.problem import Instance
from numerics.sgd import (
    Trace,
    check_common,
    parse_variant,
    record_grid,
    resolve_h0_sign,
    settings_dict,
)

__all__ = ["run", "gradients", "initial_uhat"]


def _student_scale(inst: Instance, C: np.ndarray, wu: np.ndarray) -> np.ndarray:
    """Row scale s_j of the student (runs × k); ``wu`` = <w_j, û>."""
    if inst.convention == "normalised":
        return 1.0 / np.sqrt(inst.row_norms2 + 2 * inst.xi * C * wu + inst.xi**2 * C**2)
    if inst.convention == "appB":
        return np.full_like(C, inst.k / (inst.k + inst.xi**2))
    return np.ones_like(C)


def _base_scale(inst: Instance) -> np.ndarray:
    """Row scale s⁰_j of the base model's rows (the perturbation at 0)."""
    if inst.convention == "normalised":
        return 1.0 / np.linalg.norm(inst.W, axis=1)
    if inst.convention == "appB":
        return np.full(inst.k, inst.k / (inst.k + inst.xi**2))
    return np.ones(inst.k)


def gradients(inst: Instance, U: np.ndarray, C: np.ndarray, X: np.ndarray, *,
              linear: bool = False, fstar: np.ndarray | None = None, Y: np.ndarray | None = None,
              wu: np.ndarray | None = None):
    """Per-sample loss and Euclidean gradients, one sample per run.

    ``U`` (runs × d) are the û's, ``C`` (runs × k) the ĉ's, ``X`` (runs × d) the samples.
    Returns ``(loss, g, delta, gamma, grad_c)`` with ``∇_û ℓ = g x + δ W + γ û`` (rows; see the
    module docstring) and ``grad_c = ∇_ĉ ℓ`` (runs × k). Optional ``fstar``, ``Y = XWᵀ``,
    ``wu = ÛWᵀ`` avoid recomputation.

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=10, k=2, xi=1.0, act="erf")
    >>> X = np.random.default_rng(1).standard_normal((1, 10))
    >>> loss, *_ = gradients(inst, inst.u[None], inst.c[None], X)
    >>> float(loss[0])
    0.0
    """
    act = inst.activation
    lam, xi, o = inst.lam, inst.xi, inst.out_scale
    if fstar is None:
        fstar = inst.f_star(X)
    if Y is None:
        Y = X @ inst.W.T
    if wu is None:
        wu = U @ inst.W.T
    th = np.einsum("rd,rd->r", U, X)
    normalised = inst.convention == "normalised"
    if linear:
        s0 = _base_scale(inst)
        p0 = s0 * Y
        dp = xi * C * (s0 * th[:, None] - (s0**3 * Y * wu if normalised else 0.0))
        sp = act.df(p0)
        fhat = o * ((act.f(p0) + sp * dp) @ lam)
        e = fstar - fhat
        B = -2 * e[:, None] * o * lam * sp  # runs × k
        g = (B * xi * C * s0).sum(1)
        delta = -B * xi * C * s0**3 * Y if normalised else np.zeros_like(Y)
        gamma = np.zeros_like(th)
        grad_c = B * xi * (s0 * th[:, None] - (s0**3 * Y * wu if normalised else 0.0))
        return e**2, g, delta, gamma, grad_c
    s = _student_scale(inst, C, wu)
    p = s * (Y + xi * C * th[:, None])
    sp = act.df(p)
    fhat = o * (act.f(p) @ lam)
    e = fstar - fhat
    B = -2 * e[:, None] * o * lam * sp  # ∂ℓ/∂p̂_j
    A = B * xi * C * s
    g = A.sum(1)
    if normalised:
        delta = -A * p * s
        gamma = (delta * xi * C).sum(1)
        dpdc = xi * s * th[:, None] - p * s**2 * (xi * wu + xi**2 * C)
    else:
        delta = np.zeros_like(A)
        gamma = np.zeros_like(g)
        dpdc = xi * s * th[:, None]
    return e**2, g, delta, gamma, B * dpdc


@numba.njit(fastmath={"reassoc", "contract"}, inline="always")
def _tangent_row(U, X, B, i, gi, ip, lr, u):  # pragma: no cover - compiled
    """Row i of :func:`_tangent_step` given ``ip = <û_i, v>``; returns the new m_i."""
    d = U.shape[1]
    nb = B.shape[1]
    nn = 0.0
    for l in range(d):
        v = gi * (X[i, l] - B[i, l]) if nb else gi * X[i, l]
        w = U[i, l] - lr * (v - ip * U[i, l])
        U[i, l] = w
        nn += w * w
    sc = 1.0 / math.sqrt(nn)
    mm = 0.0
    for l in range(d):
        U[i, l] *= sc
        mm += U[i, l] * u[l]
    return mm


@numba.njit(fastmath={"reassoc", "contract"})
def _tangent_step(U, X, B, g, lr, u, m):  # pragma: no cover - compiled
    """In place, for every run i: ``v = g_i (x_i − b_i)`` (``b_i = Wᵀ(WWᵀ)⁻¹Wx_i``, absent when
    B has no columns), ``û_i ← proj(û_i − η (v − <û_i, v> û_i))`` and ``m_i = <û_i, u>``.

    The same arithmetic as the NumPy lines of the unprojected branch of :func:`run`, fused into
    three passes over each row (NumPy needs eight over the whole runs × d array: this is what
    keeps the reference engine within 1.5× of its floor, see benchmarks/bench_engines.py)."""
    nb = B.shape[1]
    for i in range(U.shape[0]):
        gi = g[i]
        ip = 0.0
        for l in range(U.shape[1]):
            v = gi * (X[i, l] - B[i, l]) if nb else gi * X[i, l]
            ip += U[i, l] * v
        m[i] = _tangent_row(U, X, B, i, gi, ip, lr, u)


_FUSED: dict[str, Callable] = {}


def _fused_step(act) -> Callable:
    """One whole step of Eq. (4) for the variant ``frozen`` (û projected, ĉ frozen, true
    student), compiled with σ, σ' (one per activation, cached in memory and on disk:
    :mod:`numerics.jitcache`): for every run, from ``x``, its products ``YV = [Wx, teacher's
    <v_i, x>]`` and ``B = Wᵀ(WWᵀ)⁻¹Wx``: θ = <û, x>, the loss and g exactly as
    :func:`gradients` computes them on that constraint set (student row scales constant:
    <w_j, û> = 0), then :func:`_tangent_row` with <û, v> = g (θ − <û, b>) from the same pass
    as θ (three passes over each row in all). Same numbers as the NumPy path up to rounding
    (tested); it removes the per-step Python overhead of ~25 small array operations, which
    dominated at small d and k."""
    from numerics import jitcache
    from numerics.sgd.reduced import activation_key

    key = activation_key(act)
    if key not in _FUSED:
        _FUSED[key] = jitcache.kernel(act, _make_step)
    return _FUSED[key]


def _make_step(sig, dsig):
    """The fused step with σ, σ' compiled in (its inner function is the template that
    :mod:`numerics.jitcache` writes to disk)."""

    @numba.njit(fastmath={"reassoc", "contract"})
    def step(U, X, YV, B, s, lam, xch, o, lr, u, m, acc):  # pragma: no cover - compiled
        runs, d = U.shape
        k = lam.shape[0]
        nb = B.shape[1]
        for i in range(runs):
            th = 0.0  # <û, x>, and <û, b> (0 up to rounding: b ∈ span W), in one pass
            ub = 0.0
            for l in range(d):
                th += U[i, l] * X[i, l]
                if nb:
                    ub += U[i, l] * B[i, l]
            fs = 0.0
            fh = 0.0
            gs = 0.0
            for j in range(k):
                fs += lam[j] * sig(YV[i, k + j])
                p = s[j] * (YV[i, j] + xch[j] * th)
                fh += lam[j] * sig(p)
                gs += lam[j] * dsig(p) * xch[j] * s[j]
            e = o * (fs - fh)
            acc[i] += e * e
            gi = -2.0 * e * o * gs
            m[i] = _tangent_row(U, X, B, i, gi, gi * (th - ub), lr, u)

    return step


def initial_uhat(inst: Instance, rng: np.random.Generator, runs: int, *, project: bool = True,
                 m0: float | None = None, flip: float = 0.0) -> np.ndarray:
    """û₀ for each run (runs × d).

    ``project``: uniform on the unit sphere of span(W)^⊥ (Eq. 4), else on S^{d−1}. ``m0``: fix
    ``<û₀, u> = m0``, the rest uniform (on the unit sphere of span(W)^⊥ ∩ t^⊥ with
    t = Π⊥u/‖Π⊥u‖, or of u^⊥ when not projected). ``flip`` = ±1: û₀ → −û₀ where
    sign(<û₀, u>) ≠ flip (0: no flip).

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=10, k=2, xi=1.0, act="erf")
    >>> U = initial_uhat(inst, np.random.default_rng(1), 3, m0=0.25)
    >>> np.round(U @ inst.u, 12).tolist()
    [0.25, 0.25, 0.25]
    """
    G = rng.standard_normal((runs, inst.d))
    if project:
        G = inst.project_perp(G)
    if m0 is not None:
        t = inst.project_perp(inst.u[None])[0] if project else inst.u.copy()
        nt = np.linalg.norm(t)
        coef = m0 / nt if nt > 1e-12 else (0.0 if m0 == 0 else math.inf)
        if abs(coef) > 1:
            raise ValueError(f"|m0| = {abs(m0)} exceeds the largest reachable overlap {nt:.6g}")
        if nt > 1e-12:
            t /= nt
            G -= np.outer(G @ t, t)
        G /= np.linalg.norm(G, axis=1, keepdims=True)
        return coef * t + math.sqrt(1 - coef**2) * G
    U = G / np.linalg.norm(G, axis=1, keepdims=True)
    if flip:
        U[np.sign(U @ inst.u) == -flip] *= -1.0
    return U


def run(inst: Instance, rng: np.random.Generator, *, runs: int, steps: int, lr: float,
        record_every: int | None = None, grid=None, m0: float | None = None,
        sign_flip: bool = True, h0_sign: float | Callable | None = None,
        variant: str = "frozen", lr_c: float | None = None, eps: float = 0.05, r: float = 0.5,
        progress: bool = False, _fused: bool = True) -> Trace:
    """Online SGD of Eq. (4) in R^d, ``runs`` independent runs at once (see the module docstring
    and :mod:`numerics.sgd` for the arguments and variants). Returns a :class:`Trace`.
    The variant ``frozen`` takes a compiled step (:func:`_fused_step`) unless ``_fused`` is
    False (then the NumPy lines below, as for every other variant; the tests compare the two).

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=12, k=2, xi=1.0, act="erf")
    >>> tr = run(inst, np.random.default_rng(1), runs=3, steps=20, lr=0.05, m0=0.5,
    ...          variant="joint")
    >>> tr.m[:, 0].tolist(), tr.cc.shape
    ([0.5, 0.5, 0.5], (3, 21))
    """
    check_common(inst, runs=runs, steps=steps, lr=lr, eps=eps, r=r)
    var = parse_variant(variant, inst)
    if var.scratch:
        return _run_scratch(inst, rng, runs=runs, steps=steps, lr=lr,
                            rec=record_grid(steps, record_every, grid), eps=eps, r=r,
                            progress=progress)
    if var.linear and inst.rank == 0:
        raise ValueError("the linearised student needs W ≠ 0 (the base model is f₀)")
    lr_c = lr if lr_c is None else float(lr_c)
    flip = 0.0
    if m0 is None and sign_flip:
        flip = resolve_h0_sign(h0_sign, inst)
    rec = record_grid(steps, record_every, grid)
    U = initial_uhat(inst, rng, runs, project=var.project, m0=m0, flip=flip)
    C = np.tile(inst.chat, (runs, 1))
    W, u, k = inst.W, inst.u, inst.k
    WV = np.vstack([W, inst.teacher_rows()])  # one product gives Wx and the teacher's <v_i, x>
    # (WWᵀ)⁻¹ once, from the Cholesky factor (k × k; fine for well-conditioned Gram matrices)
    Ginv = None if inst.chol is None else scipy.linalg.cho_solve((inst.chol, True), np.eye(k))
    act, o = inst.activation, inst.out_scale
    need_wu = not var.project and inst.convention == "normalised"
    zeros_k = np.zeros((runs, k))
    empty_b = np.zeros((runs, 0))
    X = np.empty((runs, inst.d))
    fused = _fused and var.project and not var.joint and not var.linear
    if fused:
        step = _fused_step(act)
        s_row = np.ascontiguousarray(_student_scale(inst, C[:1], zeros_k[:1])[0])
        xch = inst.xi * inst.chat

    nrec = len(rec)
    M = np.empty((runs, nrec))
    L = np.full((runs, nrec), np.nan)
    CC = np.empty((runs, nrec)) if var.joint else None
    t_succ = np.full(runs, -1, dtype=np.int64)
    t_esc = np.full(runs, -1, dtype=np.int64)

    def passage(m: np.ndarray, t: int) -> None:
        t_succ[(t_succ < 0) & (m * m >= 1 - eps)] = t
        t_esc[(t_esc < 0) & (np.abs(m) > r)] = t

    m = U @ u  # updated in place by _tangent_step
    M[:, 0] = m
    if CC is not None:
        CC[:, 0] = C @ inst.c
    passage(m, 0)
    acc = np.zeros(runs)
    ri = 1
    bar = _bar(progress, steps, "full")

    def _after_step(t: int) -> None:  # passage times, the record grid, the progress bar
        nonlocal ri
        passage(m, t + 1)
        if t + 1 == rec[ri]:
            M[:, ri] = m
            L[:, ri] = acc / (rec[ri] - rec[ri - 1])
            acc[:] = 0.0
            if CC is not None:
                CC[:, ri] = C @ inst.c
            ri += 1
        if bar is not None:
            bar.update(1)

    for t in range(steps):
        standard_normal(rng, None, out=X)  # = rng.standard_normal((runs, d)), 2.8× cheaper
        YV = X @ WV.T
        Y, P = YV[:, :k], YV[:, k:]
        if fused:
            B = empty_b if Ginv is None else (Y @ Ginv) @ W
            step(U, X, YV, B, s_row, inst.lam, xch, o, lr, u, m, acc)
            _after_step(t)
            continue
        fstar = o * (act.f(P) @ inst.lam)
        wu = U @ W.T if need_wu else zeros_k
        loss, g, delta, gamma, grad_c = gradients(inst, U, C, X, linear=var.linear, fstar=fstar,
                                                  Y=Y, wu=wu)
        acc += loss
        if var.project:
            # Π⊥(g x + δW + γû) = g(x − Wᵀ(WWᵀ)⁻¹Wx) + γû as û ⊥ span(W); the γû term is
            # then removed by the tangent projection (tested), so it is not formed
            B = empty_b if Ginv is None else (Y @ Ginv) @ W
            _tangent_step(U, X, B, g, lr, u, m)
        else:
            V = g[:, None] * X + gamma[:, None] * U
            if inst.convention == "normalised" and inst.rank:
                V += delta @ W
            V -= np.einsum("rd,rd->r", U, V)[:, None] * U  # tangent space of the sphere
            V *= -lr
            U += V
            U /= np.sqrt(np.einsum("rd,rd->r", U, U))[:, None]
            m = U @ u
        if var.joint:
            Tc = grad_c - np.einsum("rk,rk->r", C, grad_c)[:, None] * C
            C = C - lr_c * Tc
            C /= np.linalg.norm(C, axis=1, keepdims=True)
        _after_step(t)
    if bar is not None:
        bar.close()
    return Trace("full", var.name, rec, M, L, CC, t_succ, t_esc, eps, r,
                 settings_dict(inst, var, lr=lr, lr_c=lr_c, runs=runs, steps=steps,
                               sign_flip=sign_flip, h0_sign=flip, m0=m0))


def overlap_span(What: np.ndarray, u: np.ndarray) -> np.ndarray:
    """‖Π_{span Ŵ} u‖ for each run's rows ``What`` (runs × k × d): the scratch variant's m.

    >>> W = np.eye(4)[None, :2]
    >>> overlap_span(W, np.array([0.6, 0.0, 0.8, 0.0])).round(12).tolist()
    [0.6]
    """
    Q = np.linalg.qr(np.swapaxes(What, 1, 2))[0]  # runs × d × k
    return np.linalg.norm(np.einsum("rdk,d->rk", Q, u), axis=1)


def _run_scratch(inst: Instance, rng: np.random.Generator, *, runs: int, steps: int, lr: float,
                 rec: np.ndarray, eps: float, r: float, progress: bool) -> Trace:
    """Learning from scratch (our illustration, not the paper's algorithm): the student
    ``o Σ_j λ_j σ(<v̂_j, x>)`` with all k rows free, rows ŵ_j uniform on S^{d−1} at the start and
    formed in the instance's convention: normalised ``v̂_j = ŵ_j/‖ŵ_j‖`` trained by spherical SGD
    row by row (tangent projection, renormalise); raw ``v̂_j = ŵ_j`` and appB ``v̂_j = κŵ_j``
    (output 1/ξ) by plain online SGD. Same per-sample loss, fresh x each step. Recorded m is
    ‖Π_{span Ŵ_t} u‖; first passages are checked at the recorded steps only."""
    k, d = inst.k, inst.d
    act, o, lam = inst.activation, inst.out_scale, inst.lam
    Vstar = inst.teacher_rows()
    kappa = k / (k + inst.xi**2) if inst.convention == "appB" else 1.0
    What = rng.standard_normal((runs, k, d))
    What /= np.linalg.norm(What, axis=2, keepdims=True)
    nrec = len(rec)
    M = np.empty((runs, nrec))
    L = np.full((runs, nrec), np.nan)
    t_succ = np.full(runs, -1, dtype=np.int64)
    t_esc = np.full(runs, -1, dtype=np.int64)

    def record(ri: int, t: int) -> None:
        m = overlap_span(What, inst.u)
        M[:, ri] = m
        t_succ[(t_succ < 0) & (m * m >= 1 - eps)] = t
        t_esc[(t_esc < 0) & (np.abs(m) > r)] = t

    record(0, 0)
    acc = np.zeros(runs)
    ri = 1
    bar = _bar(progress, steps, "full/scratch")
    for t in range(steps):
        X = rng.standard_normal((runs, d))
        fstar = o * (act.f(X @ Vstar.T) @ lam)
        P = kappa * np.einsum("rkd,rd->rk", What, X)  # rows are unit in the normalised case
        e = fstar - o * (act.f(P) @ lam)
        acc += e * e
        B = -2 * e[:, None] * o * lam * act.df(P) * kappa  # ∂ℓ/∂<ŵ_j, x>
        grad = B[:, :, None] * X[:, None, :]
        if inst.convention == "normalised":
            grad -= np.einsum("rkd,rkd->rk", What, grad)[:, :, None] * What
        What -= lr * grad
        if inst.convention == "normalised":
            What /= np.linalg.norm(What, axis=2, keepdims=True)
        if t + 1 == rec[ri]:
            record(ri, t + 1)
            L[:, ri] = acc / (rec[ri] - rec[ri - 1])
            acc[:] = 0.0
            ri += 1
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return Trace("full", "scratch", rec, M, L, None, t_succ, t_esc, eps, r,
                 settings_dict(inst, parse_variant("scratch"), lr=lr, runs=runs, steps=steps,
                               m_definition="norm of the projection of u on span of the rows"))


def _bar(progress: bool, total: int, name: str):
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=f"sgd[{name}]", unit="step", mininterval=0.5)
