r"""The exact reduced chain of online SGD (docs/derivations.md §1), compiled with numba.

**State and derivation.** Let r = rank(W), L the lower Cholesky factor of
``WWᵀ`` and ``Q_W = Wᵀ L⁻ᵀ`` (d × r), an orthonormal basis of span(W) with ``W = R Q_Wᵀ``,
``R = L`` (lower triangular). Let ``q = Π⊥u/‖Π⊥u‖`` (any unit vector ⊥ span(W) if
α = ‖Π_W u‖ = 1) and ``S = span(W) ⊕ span(q)`` with orthonormal basis ``Q = [Q_W, q]``; u's
coordinates are ``u_S = (Q_Wᵀu, √(1−α²))``. Write

    û = Q β + ρ e,     β ∈ R^{r+1},  ρ ≥ 0,  e a unit vector ⊥ S.

A sample splits as ``x = Q ζ + b e + z`` with ``ζ ~ N(0, I_{r+1})``, ``b ~ N(0, 1)``, ``z ⊥ S, e``
and ``‖z‖² ~ χ²(d − r − 2)``, all independent. Every quantity of a step depends on x only through
``Wx = R ζ_W`` (k normals through the triangular factor; r = 0: Wx = 0), ``<u, x> = u_S·ζ`` and
``<û, x> = β·ζ + ρ b``; the per-sample gradient is (see :mod:`numerics.sgd.full`)
``∇ℓ = g x + Σ_j δ_j w_j + γ û``, and ``Σ_j δ_j w_j = Q_W Rᵀδ``. In coordinates,
``v = g x + Σ δ_j w_j`` has S-part ``v_S = g ζ + (Rᵀδ, 0)``, e-part ``g b`` and z-part ``g z``;
the projection off span(W) zeroes the first r entries of ``v_S``. With ``ι = <û, v> = β·v_S +
ρ g b`` the tangent step and renormalisation are

    β'  = β − η (v_S − ι β),
    ρ'  = √( (ρ − η (g b − ι ρ))² + η² g² ‖z‖² ),        (β, ρ) ← (β', ρ')/√(‖β'‖² + ρ'²),

(the new e is the unit vector along the part of û' orthogonal to S; by rotation invariance of
the law of x in S^⊥ the next step sees the same law). ``m = <û, u> = u_S·β``. The ``γ û`` term is
killed by the tangent projection. ĉ (``joint``) is part of the state and is updated with the
gradient of the same ``ℓ`` (which depends on x through the same three numbers).

*Eq. 4 (projected, u ⊥ span W):* β_W = 0 for ever, ``β = (m)``, ``ρ = s = √(1−m²)``,
``ι = g(m a + s b)`` with ``a = ζ_r`` and the step is exactly docs/derivations.md §1's
``m' = (m − η g s q)/√(1 + η² g² (q² + ‖z‖²))``, ``q = a s − b m`` (ρ is carried separately,
which avoids the cancellation of ``√(1−m²)`` near |m| = 1). In the normalised convention the row
norms ``N̂_j = ‖w_j + ξĉ_jû‖ = √(‖w_j‖² + ξ²ĉ_j²)`` are constant on that constraint set, and the
derivative terms they produce (``δ_j w_j``, ``γ û``) are killed by the two projections (checked
numerically in the tests through the full engine's gradient). With ĉ frozen and the true student
(variant ``frozen``) the kernel runs this case on the scalars (β_r, ρ) with the row scales
computed once per run.
*unprojected / alpha:* the general (β, ρ) state above (r + 2 numbers per run); for
``unprojected`` the normalised rows' norms depend on ``<w_j, û> = (R β_W)_j``, kept exactly.

**Random numbers.** Drawn inside the compiled kernel from the caller's
:class:`numpy.random.Generator` (numba's Generator support: the state is the caller's and advances
in place; numba ports NumPy's algorithms — ziggurat normals, Marsaglia–Tsang gamma for χ² — and
gave the same numbers as ``rng.standard_normal()`` / ``rng.chisquare(df)`` bit for bit with numba
0.68 and NumPy 2.4, at 2–3× less cost per number than NumPy's bulk draws, which go through
memory). Per run-step: the r + 2 normals of ζ = (ζ_W, a, b), then one χ²(d − r − 2); runs are
taken one after the other within a block of ``BLOCK_RUNSTEPS // runs`` steps, so the same
generator state and arguments reproduce a run exactly (the tests check that the Generator is
left exactly where NumPy's own draws of this sequence leave it). The numbers of step s + ``CHUNK``
are drawn at step s, so that the ``Wx = R ζ_W`` of ``CHUNK`` steps is one BLAS product (k ≥
``BLAS_MIN_K``; a hand loop below) and the draws overlap the chain's serial arithmetic. The
kernel is compiled with the ``reassoc`` and ``contract`` fast-math flags only (sums may be
reordered; NaN and inf keep their meaning).

**Activations.** σ and σ' are compiled from the validated sympy tree of
:class:`theory.activations.Activation` (``sympy.lambdify(x, expr, "math")`` then ``numba.njit``),
with a hand-written fast path for ReLU; never from user text. Step and sign are refused
(:meth:`~theory.activations.Activation.require_gradient`).

Numerical limits: float64; ``d ≥ r + 3``; the first call per activation compiles the
kernel (a few seconds). Cost per run-step: O(k²) for Wx with general W (O(k) for orthonormal
rows), O(k) activation evaluations, independent of d.

>>> from numerics.problem import make_instance
>>> inst = make_instance(np.random.default_rng(0), d=20, k=3, xi=1.0, act="relu")
>>> tr = run(inst, np.random.default_rng(1), runs=4, steps=50, lr=0.01, record_every=25,
...          h0_sign=1.0)
>>> tr.m.shape, tr.engine
((4, 3), 'reduced')
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numba
import numpy as np
import scipy.linalg
import sympy as sp

from numerics.problem import Instance
from numerics.sgd import (
    Trace,
    check_common,
    parse_variant,
    record_grid,
    resolve_h0_sign,
    settings_dict,
)
from theory.activations import Activation, X

__all__ = ["run", "Geometry", "geometry", "compiled_activation", "activation_key"]

#: Run-steps per call of the compiled kernel: a block of ``BLOCK_RUNSTEPS // runs`` steps is
#: run run by run (a fixed constant: which random number goes to which run depends on it).
BLOCK_RUNSTEPS = 1 << 16
#: Steps whose random numbers are drawn ahead, so that their Wx = R ζ_W is one matrix product.
CHUNK = 32
#: Smallest k for which that product goes through BLAS (below it, a loop is faster).
BLAS_MIN_K = 8

_CONV = {"raw": 0, "normalised": 1, "appB": 2}


# ---------------------------------------------------------------------- activations


@numba.njit(inline="always")
def _relu(a: float) -> float:
    return a if a > 0.0 else 0.0


@numba.njit(inline="always")
def _drelu(a: float) -> float:
    return 1.0 if a > 0.0 else 0.0


@numba.njit(cache=True)
def _nb_sign(a):
    return 1.0 if a > 0 else (-1.0 if a < 0 else 0.0)


_COMPILED: dict[str, tuple[Callable, Callable]] = {"relu": (_relu, _drelu)}


def _jit_expr(expr: sp.Expr):
    fn = numba.njit(sp.lambdify(X, expr, modules=[{"sign": _nb_sign}, "math"]))

    @numba.njit
    def wrapped(a):
        return float(fn(a))

    return wrapped


def compiled_activation(act: Activation) -> tuple[Callable, Callable]:
    """numba-compiled (σ, σ') for an activation, generated from its sympy tree (cached).

    >>> sig, dsig = compiled_activation(__import__("theory.activations").activations.get("erf"))
    >>> round(sig(0.5), 12) == round(math.erf(0.5), 12)
    True
    """
    act.require_gradient()
    key = act.name if act.name == "relu" else sp.srepr(act.expr)
    if key not in _COMPILED:
        _COMPILED[key] = (_jit_expr(act.expr), _jit_expr(act.dexpr))
    return _COMPILED[key]


# ---------------------------------------------------------------------- geometry


class Geometry:
    """The fixed coordinates of Derivation 1 for one instance (see the module docstring):
    ``R`` (k × r lower triangular, ``W = R Q_Wᵀ``), ``uS`` (u in the basis [Q_W, q]),
    ``diag`` (R diagonal, e.g. orthonormal rows), the teacher's row scales and the student's
    base quantities."""

    def __init__(self, inst: Instance):
        k, r = inst.k, inst.rank
        self.r = r
        Wu = inst.W @ inst.u
        if r:
            # Q_W = Wᵀ L⁻ᵀ is an orthonormal basis of span(W) with W = L Q_Wᵀ (L = chol(WWᵀ)),
            # so R = L and u_W = Q_Wᵀu = L⁻¹Wu: O(dk²) work, no d × k QR factorisation
            self.R = np.ascontiguousarray(inst.chol)
            uW = scipy.linalg.solve_triangular(inst.chol, Wu, lower=True)
        else:
            self.R = np.zeros((k, 0))
            uW = np.zeros(0)
        if float(np.abs(uW).max(initial=0.0)) <= 1e-13:
            # u ⊥ span(W) (Assumption 2) up to rounding: the exact zeros let the kernel compute
            # <u, x> as one product instead of r + 1 (a third of a ReLU step's cost at k = 50)
            uW = np.zeros_like(uW)
        nperp = math.sqrt(max(0.0, 1.0 - float(uW @ uW)))
        if nperp < 1e-12:  # u ∈ span(W) (α = 1): q is any unit vector ⊥ span(W), u_S = (u_W, 0)
            nperp = 0.0
        self.nperp = nperp
        self.alpha = math.sqrt(max(0.0, float(uW @ uW)))
        self.uS = np.concatenate([uW, [nperp]])
        self.diag = bool(r) and np.allclose(self.R, np.diag(np.diag(self.R)), atol=1e-15)
        self.Gd = np.diag(inst.gram()).copy()
        # ‖w_i + ξc_i u‖² = ‖w_i‖² + 2ξc_i<w_i,u> + ξ²c_i² (u unit)
        tnorm = np.sqrt(self.Gd + 2 * inst.xi * inst.c * Wu + inst.xi**2 * inst.c**2)
        if inst.convention == "normalised":
            self.tscale = 1.0 / tnorm
        elif inst.convention == "appB":
            self.tscale = np.full(k, k / (k + inst.xi**2))
        else:
            self.tscale = np.ones(k)
        if inst.convention == "normalised":
            with np.errstate(divide="ignore"):
                self.s0 = 1.0 / np.sqrt(self.Gd)
        elif inst.convention == "appB":
            self.s0 = np.full(k, k / (k + inst.xi**2))
        else:
            self.s0 = np.ones(k)


def geometry(inst: Instance) -> Geometry:
    """The chain's coordinates for ``inst``.

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=9, k=2, xi=1.0, act="erf",
    ...                      features="random")
    >>> G = geometry(inst)
    >>> bool(np.allclose(G.R @ G.R.T, inst.gram())), round(float(G.uS[-1]), 12)
    (True, 1.0)
    """
    return Geometry(inst)


# ---------------------------------------------------------------------- the kernel


@numba.njit(inline="always")
def _draw(rng, Z, C2, h, q, df):
    """One run-step's random numbers: ζ = (ζ_W, a, b) ~ N(0, I_{r+2}), then ‖z‖² ~ χ²(df)."""
    for l in range(Z.shape[2]):
        Z[h, q, l] = rng.standard_normal()
    if df > 0:
        C2[h, q] = rng.chisquare(df)


@numba.njit(inline="always")
def _wx(R, diag, Z, Y, h, q):
    """Y[h, q] = R ζ_W for R lower triangular (or diagonal), by hand (small k)."""
    for j in range(R.shape[0]):
        if diag:
            Y[h, q, j] = R[j, j] * Z[h, q, j]
        else:
            a = 0.0
            for l in range(j + 1):
                a += R[j, l] * Z[h, q, l]
            Y[h, q, j] = a


def _make_kernel(sig, dsig):
    """The chain's kernel with σ, σ' compiled in (so that they can be inlined)."""

    @numba.njit(fastmath={"reassoc", "contract"})
    def kernel(rng, nb, df, beta, rho, chat, acc, t0, rec, ri0, M, Lrec, CC, tsucc, tesc, R,
               RTz, diag, uS, tcoef, tscale, lam, c, Gd, s0, xi, o, conv, project, joint, linear,
               lr, lr_c, eps, rad):
        runs, nz = beta.shape[0], beta.shape[1] + 1
        r = nz - 2
        k = lam.shape[0]
        nrec = rec.shape[0]
        Z = np.empty((2, CHUNK, nz))  # two buffers of CHUNK steps' ζ, χ² and Wx
        C2 = np.zeros((2, CHUNK))
        Y = np.zeros((2, CHUNK, k))
        blas = r > 0 and not diag and k >= BLAS_MIN_K
        wu = np.zeros(k)
        sc = np.empty(k)
        pp = np.empty(k)
        sp_ = np.empty(k)
        delta = np.zeros(k)
        gc = np.empty(k)
        xch = np.empty(k)  # ξĉ_j and λ_j ĉ_j s_j: constant along a run when ĉ is frozen
        lcs = np.empty(k)
        vS = np.empty(r + 1)
        need_wu = (not project) and conv == 1
        simple = project and not joint and not linear
        # with the projection β_W stays 0: only coordinate r of β (and of v_S) is ever non-zero
        lo = r if project else 0
        ulo = r
        for l in range(r):
            if uS[l] != 0.0:
                ulo = 0
        # the student's row scales: constant unless ĉ moves or <w_j, û> ≠ 0 (normalised convention)
        vary = conv == 1 and (joint or need_wu)
        for i in range(runs):
            ri = ri0
            b_ = beta[i]
            ch = chat[i]
            for j in range(k):
                if conv == 1:
                    sc[j] = 1.0 / math.sqrt(Gd[j] + xi * xi * ch[j] * ch[j])
                elif conv == 2:
                    sc[j] = s0[j]
                else:
                    sc[j] = 1.0
                xch[j] = xi * ch[j]
                lcs[j] = lam[j] * ch[j] * sc[j]
            rh = rho[i]
            ac = acc[i]
            bw = b_[r]
            # step s uses buffer (s // CHUNK) % 2; the numbers of step s + CHUNK are drawn at
            # step s (so the draws are in step order and overlap the chain's serial arithmetic)
            for q in range(min(CHUNK, nb)):
                _draw(rng, Z, C2, 0, q, df)
                if r > 0 and not blas:
                    _wx(R, diag, Z, Y, 0, q)
            if blas:
                np.dot(Z[0], RTz, Y[0])  # RTz = [Rᵀ; 0]: Y[0, q] = R ζ_W
            for s in range(nb):
                t = t0 + s
                h = (s // CHUNK) % 2
                cs = s % CHUNK
                if s + CHUNK < nb:
                    _draw(rng, Z, C2, 1 - h, cs, df)
                    if r > 0 and not blas:
                        _wx(R, diag, Z, Y, 1 - h, cs)
                if blas and cs == CHUNK - 1 and s + 1 < nb:
                    np.dot(Z[1 - h], RTz, Y[1 - h])
                c2 = C2[h, cs]
                bb = Z[h, cs, r + 1]
                if simple:  # Eq. (4): β = (0, …, 0, β_r), ĉ frozen — scalars only
                    a = Z[h, cs, r]
                    ux = 0.0
                    for l in range(ulo, r + 1):
                        ux += uS[l] * Z[h, cs, l]
                    th = rh * bb + bw * a
                    fs = 0.0
                    fh = 0.0
                    gs = 0.0
                    for j in range(k):
                        yj = Y[h, cs, j]
                        fs += lam[j] * sig(tscale[j] * (yj + tcoef[j] * ux))
                        p = sc[j] * (yj + xch[j] * th)
                        fh += lam[j] * sig(p)
                        gs += lcs[j] * dsig(p)
                    e = o * fs - o * fh
                    ac += e * e
                    g = -2.0 * e * o * xi * gs
                    vr = g * a  # v_S = (0, …, 0, g a), e-part g b, z-part g² ‖z‖²
                    ve = g * bb
                    ip = rh * ve + bw * vr
                    bn = bw - lr * (vr - ip * bw)
                    re = rh - lr * (ve - ip * rh)
                    rn2 = re * re + lr * lr * g * g * c2
                    nn = math.sqrt(bn * bn + rn2)
                    bw = bn / nn
                    rh = math.sqrt(rn2) / nn
                    m = uS[r] * bw
                else:
                    if r > 0:
                        if need_wu:
                            for j in range(k):
                                a = 0.0
                                for l in range(j + 1):
                                    a += R[j, l] * b_[l]
                                wu[j] = a
                    ux = 0.0
                    for l in range(ulo, r + 1):
                        ux += uS[l] * Z[h, cs, l]
                    th = rh * bb
                    for l in range(lo, r + 1):
                        th += b_[l] * Z[h, cs, l]
                    fs = 0.0
                    for j in range(k):
                        fs += lam[j] * sig(tscale[j] * (Y[h, cs, j] + tcoef[j] * ux))
                    fs *= o
                    # student
                    fh = 0.0
                    if linear:
                        for j in range(k):
                            p0 = s0[j] * Y[h, cs, j]
                            dp = s0[j] * th
                            if conv == 1:
                                dp -= s0[j] ** 3 * Y[h, cs, j] * wu[j]
                            dp *= xi * ch[j]
                            d0 = dsig(p0)
                            sp_[j] = d0
                            fh += lam[j] * (sig(p0) + d0 * dp)
                    else:
                        if vary:  # row scales move with ĉ or <w_j, û> (normalised convention)
                            for j in range(k):
                                sc[j] = 1.0 / math.sqrt(Gd[j] + 2.0 * xi * ch[j] * wu[j]
                                                        + xi * xi * ch[j] * ch[j])
                        for j in range(k):
                            p = sc[j] * (Y[h, cs, j] + xi * ch[j] * th)
                            pp[j] = p
                            sp_[j] = dsig(p)
                            fh += lam[j] * sig(p)
                    e = fs - o * fh
                    ac += e * e
                    g = 0.0
                    for j in range(k):
                        B = -2.0 * e * o * lam[j] * sp_[j]
                        if linear:
                            g += B * xi * ch[j] * s0[j]
                            if conv == 1:
                                delta[j] = -B * xi * ch[j] * s0[j] ** 3 * Y[h, cs, j]
                                gc[j] = B * xi * (s0[j] * th - s0[j] ** 3 * Y[h, cs, j] * wu[j])
                            else:
                                gc[j] = B * xi * s0[j] * th
                        else:
                            A = B * xi * ch[j] * sc[j]
                            g += A
                            if conv == 1:
                                delta[j] = -A * pp[j] * sc[j]
                                gc[j] = B * (xi * sc[j] * th - pp[j] * sc[j] * sc[j]
                                             * (xi * wu[j] + xi * xi * ch[j]))
                            else:
                                gc[j] = B * xi * sc[j] * th
                    # v in coordinates (S-part, e-part g b, z-part of squared norm g² ‖z‖²)
                    for l in range(lo, r + 1):
                        vS[l] = g * Z[h, cs, l]
                    if not project and conv == 1 and r > 0:
                        for l in range(r):  # (Rᵀ δ)_l
                            a = 0.0
                            for j in range(l, k):
                                a += R[j, l] * delta[j]
                            vS[l] += a
                    ve = g * bb
                    ip = rh * ve
                    for l in range(lo, r + 1):
                        ip += b_[l] * vS[l]
                    nn = 0.0
                    for l in range(lo, r + 1):
                        b_[l] = b_[l] - lr * (vS[l] - ip * b_[l])
                        nn += b_[l] * b_[l]
                    re = rh - lr * (ve - ip * rh)
                    rn2 = re * re + lr * lr * g * g * c2
                    nn = math.sqrt(nn + rn2)
                    for l in range(lo, r + 1):
                        b_[l] /= nn
                    rh = math.sqrt(rn2) / nn
                    if joint:
                        ipc = 0.0
                        for j in range(k):
                            ipc += ch[j] * gc[j]
                        nc = 0.0
                        for j in range(k):
                            ch[j] = ch[j] - lr_c * (gc[j] - ipc * ch[j])
                            nc += ch[j] * ch[j]
                        nc = math.sqrt(nc)
                        for j in range(k):
                            ch[j] /= nc
                    m = 0.0
                    for l in range(max(lo, ulo), r + 1):
                        m += uS[l] * b_[l]
                if tsucc[i] < 0 and m * m >= 1.0 - eps:
                    tsucc[i] = t + 1
                if tesc[i] < 0 and abs(m) > rad:
                    tesc[i] = t + 1
                while ri < nrec and rec[ri] == t + 1:
                    M[i, ri] = m
                    Lrec[i, ri] = ac / (rec[ri] - rec[ri - 1])
                    ac = 0.0
                    if joint:
                        a = 0.0
                        for j in range(k):
                            a += ch[j] * c[j]
                        CC[i, ri] = a
                    ri += 1
            rho[i] = rh
            acc[i] = ac
            if simple:
                b_[r] = bw

    return kernel


_KERNELS: dict[str, Callable] = {}


def activation_key(act: Activation) -> str:
    """The cache key of a compiled kernel for ``act``: the hand-written ReLU, or the exact tree.

    >>> from theory.activations import get
    >>> activation_key(get("relu")), activation_key(get("x**2")) == activation_key(get("x*x"))
    ('relu', True)
    """
    return act.name if act.name == "relu" else sp.srepr(act.expr)


def _kernel(act: Activation) -> Callable:
    """The compiled kernel for ``act`` (one per activation, cached in memory and on disk:
    :mod:`numerics.jitcache`, so a second process does not compile it again)."""
    from numerics import jitcache

    act.require_gradient()
    key = activation_key(act)
    if key not in _KERNELS:
        _KERNELS[key] = jitcache.kernel(act, _make_kernel)
    return _KERNELS[key]


# ---------------------------------------------------------------------- the engine


def _initial_state(geo: Geometry, d: int, rng: np.random.Generator, runs: int, project: bool,
                   m0: float | None, flip: float) -> tuple[np.ndarray, np.ndarray]:
    """(β, ρ) of û₀ with the laws of :func:`numerics.sgd.full.initial_uhat`."""
    r = geo.r
    beta = np.zeros((runs, r + 1))
    if project:
        if m0 is None:
            g = rng.standard_normal(runs)
            chi = rng.chisquare(d - r - 1, runs)
            n = np.sqrt(g * g + chi)
            beta[:, r] = g / n
            rho = np.sqrt(chi) / n
        else:
            coef = m0 / geo.nperp if geo.nperp > 0 else (0.0 if m0 == 0 else math.inf)
            if abs(coef) > 1:
                raise ValueError(f"|m0| = {abs(m0)} exceeds the largest reachable overlap "
                                 f"{geo.nperp:.6g}")
            beta[:, r] = coef
            rho = np.full(runs, math.sqrt(1 - coef * coef))
    else:
        zeta = rng.standard_normal((runs, r + 1))
        if m0 is not None:
            zeta -= np.outer(zeta @ geo.uS, geo.uS)
        chi = rng.chisquare(d - r - 1, runs)
        n = np.sqrt((zeta * zeta).sum(1) + chi)
        beta = zeta / n[:, None]
        rho = np.sqrt(chi) / n
        if m0 is not None:
            if abs(m0) > 1:
                raise ValueError("|m0| must be ≤ 1")
            s = math.sqrt(1 - m0 * m0)
            beta = m0 * geo.uS + s * beta
            rho = s * rho
    if m0 is None and flip:
        beta[np.sign(beta @ geo.uS) == -flip] *= -1.0
    return np.ascontiguousarray(beta), np.ascontiguousarray(rho)


def run(inst: Instance, rng: np.random.Generator, *, runs: int, steps: int, lr: float,
        record_every: int | None = None, grid=None, m0: float | None = None,
        sign_flip: bool = True, h0_sign: float | Callable | None = None,
        variant: str = "frozen", lr_c: float | None = None, eps: float = 0.05, r: float = 0.5,
        progress: bool = False, stop: str | None = None, _lr_factor: float = 1.0,
        _chi2_df_shift: int = 0) -> Trace:
    """The reduced chain of Eq. (4) (see the module docstring and :mod:`numerics.sgd` for the
    arguments and variants). ``_lr_factor`` and ``_chi2_df_shift`` deliberately break the chain
    (η → η·factor, χ²(d − r − 2 + shift)); they exist only so the tests can show that they
    detect such errors. Returns a :class:`Trace` with the same fields as the full engine's.

    ``stop="success"`` (or ``"escape"``) ends the run after the first block of
    ``BLOCK_RUNSTEPS // runs`` steps at whose end every run has its first-passage time: the
    passage times are those of the full run (the same numbers, drawn in the same order, up to
    there); the recorded columns after the stop are NaN, and the generator is left where the
    stop left it.

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=10**6, k=4, xi=1.0, act="relu",
    ...                      features="orthonormal")
    >>> tr = run(inst, np.random.default_rng(1), runs=2, steps=1000, lr=1e-6, m0=0.5)
    >>> tr.m.shape, bool(abs(tr.m[0, -1] - 0.5) < 0.1)
    ((2, 101), True)
    """
    check_common(inst, runs=runs, steps=steps, lr=lr, eps=eps, r=r)
    if stop not in (None, "success", "escape"):
        raise ValueError(f"stop must be None, 'success' or 'escape', not {stop!r}")
    var = parse_variant(variant, inst)
    if var.scratch:
        raise ValueError("the 'scratch' variant exists in the full engine only "
                         "(numerics.sgd.full.run)")
    if var.linear and inst.rank == 0:
        raise ValueError("the linearised student needs W ≠ 0 (the base model is f₀)")
    kernel = _kernel(inst.activation)
    lr_c = lr if lr_c is None else float(lr_c)
    flip = 0.0
    if m0 is None and sign_flip:
        flip = resolve_h0_sign(h0_sign, inst)
    geo = geometry(inst)
    rk = geo.r
    rec = record_grid(steps, record_every, grid)
    beta, rho = _initial_state(geo, inst.d, rng, runs, var.project, m0, flip)
    chat = np.ascontiguousarray(np.tile(inst.chat, (runs, 1)))
    nrec = len(rec)
    M = np.empty((runs, nrec))
    M[:, 0] = beta @ geo.uS
    L = np.full((runs, nrec), np.nan)
    CC = np.empty((runs, nrec)) if var.joint else np.empty((runs, 0))
    if var.joint:
        CC[:, 0] = chat @ inst.c
    t_succ = np.where(M[:, 0] ** 2 >= 1 - eps, 0, -1).astype(np.int64)
    t_esc = np.where(np.abs(M[:, 0]) > r, 0, -1).astype(np.int64)
    acc = np.zeros(runs)
    df = inst.d - rk - 2 + _chi2_df_shift
    if df < 0:
        raise ValueError("χ² degrees of freedom would be negative")
    eta = lr * _lr_factor
    nz = rk + 2
    block = max(1, BLOCK_RUNSTEPS // runs)
    RTz = np.zeros((nz, inst.k))  # [Rᵀ; 0]: Z @ RTz = (R ζ_W) for every drawn row ζ of Z
    RTz[:rk] = geo.R.T
    tcoef = inst.xi * inst.c
    conv = _CONV[inst.convention]
    t0, ri = 0, 1
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=steps, desc="sgd[reduced]", unit="step", mininterval=0.5)
    while t0 < steps:
        nb = min(block, steps - t0)
        kernel(rng, nb, float(df), beta, rho, chat, acc, t0, rec, ri, M, L, CC, t_succ, t_esc,
                geo.R, RTz, geo.diag, geo.uS, tcoef, geo.tscale, inst.lam, inst.c, geo.Gd, geo.s0,
                inst.xi, inst.out_scale, conv, var.project, var.joint, var.linear, eta, lr_c,
                eps, r)
        t0 += nb
        while ri < nrec and rec[ri] <= t0:
            ri += 1
        if bar is not None:
            bar.update(nb)
        if stop is not None and t0 < steps and np.all(
                (t_succ if stop == "success" else t_esc) >= 0):
            M[:, ri:] = np.nan
            L[:, ri:] = np.nan
            if var.joint:
                CC[:, ri:] = np.nan
            break
    if bar is not None:
        bar.close()
    return Trace("reduced", var.name, rec, M, L, CC if var.joint else None, t_succ, t_esc, eps,
                 r, settings_dict(inst, var, lr=lr, lr_c=lr_c, runs=runs, steps=steps,
                                  sign_flip=sign_flip, h0_sign=flip, m0=m0,
                                  block=block, lr_factor=_lr_factor,
                                  chi2_df_shift=_chi2_df_shift))
