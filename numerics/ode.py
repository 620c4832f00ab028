r"""ODE predictions for the overlap ``m_t = <û_t, u>``: the population recursion (§3.1, App. C.1),
its continuous limit, and the noise-corrected effective ODE of docs/derivations.md §2.

**Setting.** Eq. (4) with ĉ frozen, ``u, û ⊥ span(W)`` (Assumption 2, gradient projected off
span W) and normalised or raw rows: only there is the population loss a function of m alone and
the population gradient ``−h(m)(u − m û)`` (Prop. 4), with ``h`` from
:func:`theory.population.hfun`. Anything else (App. B convention, u with a component in span W,
joint ĉ, unprojected, linearised, scratch) raises ``ValueError("no ODE for this
variant/convention: …")``.

**Reduced coordinates** (docs/derivations.md §1). One SGD step sees x through ``y = Wx ~ N(0,
WWᵀ)``, ``a = <u, x>`` and ``b`` (the coordinate along û's part ⊥ u), all independent
standard normals; with ``s = √(1−m²)``, ``θ̂ = m a + s b`` (= <û, x>) and ``q = a s − b m``:

    t_i = τ_i (y_i + ξ c_i a),   p_j = ς_j (y_j + ξ ĉ_j θ̂)    (teacher, student pre-activations)
    e = Σ_i λ_i (σ(t_i) − σ(p_i)),   g = −2 ξ e Σ_j λ_j ĉ_j ς_j σ'(p_j),

τ_i = 1/‖w_i + ξc_iu‖, ς_j = 1/‖w_j + ξĉ_jû‖ (normalised) or 1 (raw), and the chain's step
``m' = (m − η g s q)/√(1 + η² g² (q² + ‖z‖²))``, ``‖z‖² ~ χ²(n)``, ``n = d − r − 2``. (g is
written out here: :mod:`numerics.sgd.reduced` computes it inline in its compiled kernel and
:func:`numerics.sgd.full.gradients` needs d-dimensional samples; the tests check this g against
the latter.) Then

    V(m) = E[g²],   W₂(m) = E[g² q²],   E[g q] = −s h(m)   (the population gradient),
    dm/dt = η h(m)(1 − m²) − (η²/2) m [n V(m) + W₂(m)]          (effective ODE, t in steps),

and without ``W₂`` the second-order drift of ``θ = arccos m`` written in m.

**Quadrature.** With a diagonal Gram matrix (orthonormal rows, the paper's Assumption 4) the pairs
``(E_i, F_i) = (λ_i(σ(t_i) − σ(p_i)), λ_i ĉ_i ς_i σ'(p_i))`` are independent given (a, b), so
``E[e² G² | a, b]`` (``G = Σ F_j``) follows from their conditional moments of order ≤ (2, 2) by
binomial convolution over i: a 2-D Gauss–Hermite rule in (a, b) outside, and k 1-D
Gauss–Legendre rules on ``[−L, L]`` split at the kinks of σ inside (written by hand: the kinks
move with (a, b), which no library rule handles) — any k, no Monte Carlo. The error is the
difference from a rule with 3/4 of the nodes: an indicator, not a bound (against the closed form
E[gq] = −s h(m) the true error for ReLU was up to 1.3 times it, ~3e-6 absolute at the defaults).
Otherwise (correlated rows), scrambled Sobol
points in k + 2 dimensions (:class:`scipy.stats.qmc.Sobol`), the error being the standard error
over independent scramblings. The exact one-step drift of θ uses the same Sobol points, with
``η g q + (m/2s) η² g² ‖z‖²`` (its two leading terms, whose mean is known by the rule above) as a
control variate and ``‖z‖²`` integrated against its χ² law by a Gauss rule (Golub–Welsch).

Numerical limits: float64; the nested rule is good to ~1e-6 relative for erf and ~1e-5 for ReLU
at the default sizes (the conditional moments are C² across the lines ``c_i a = ĉ_i θ̂`` for
kinked σ); V and W₂ are tabulated on Chebyshev nodes in ``θ = arccos m`` for the ODEs (smooth
there even where V has a √(1 − m) term); m must lie in [−1, 1].

>>> import numpy as np
>>> from numerics.problem import make_instance
>>> inst = make_instance(np.random.default_rng(0), d=100, k=4, xi=1.0, act="erf")
>>> mo = moments(inst, [0.0, 0.5])
>>> bool(np.all(mo.V > 0)), bool(np.allclose(mo.gq, -np.sqrt(1 - mo.m**2) * mo.h, rtol=1e-6))
(True, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.integrate
import scipy.interpolate
import scipy.linalg
import scipy.optimize
import scipy.stats
from numpy.polynomial.hermite_e import hermegauss
from numpy.polynomial.legendre import leggauss

from numerics.problem import Instance
from numerics.sgd import parse_variant
from theory.population import hfun

__all__ = [
    "population_recursion",
    "population_ode",
    "Reduced",
    "reduced",
    "Moments",
    "moments",
    "V",
    "W2",
    "gfactor",
    "NoiseModel",
    "noise_model",
    "effective_drift",
    "effective_ode",
    "chi2_rule",
    "theta_drift",
    "Plateau",
    "plateau",
]

_SQRT2PI = math.sqrt(2 * math.pi)


# ---------------------------------------------------------------------- population dynamics


def population_recursion(h: Callable, m0, lr: float, steps: int,
                         record: int | np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The population recursion ``m̄_{t+1} = m̄_t + η h(m̄_t)(1 − m̄_t²)`` (§3.1, App. C.1; the
    convention is h's), vectorised over the starts ``m0``.

    ``record``: every how many steps (int) or which steps (array; default every step ≤ 10⁴
    steps, else 1000 records). Returns ``(t, M)`` with ``M`` of shape (len(m0), len(t)). Limits:
    ``steps`` Python-level iterations of one vectorised h call each; the map may leave [−1, 1]
    if ``η max|h|`` is large (no clipping: that is the recursion as printed).

    >>> h = lambda m: np.ones_like(m)          # h ≡ 1: m → 1 monotonically
    >>> t, M = population_recursion(h, [0.1, -0.5], 0.1, 200, record=100)
    >>> t.tolist(), bool(np.all(np.diff(M, axis=1) > 0)), round(float(M[0, -1]), 6)
    ([0, 100, 200], True, 1.0)
    """
    m = np.atleast_1d(np.asarray(m0, dtype=float)).copy()
    if record is None:
        record = 1 if steps <= 10**4 else max(1, steps // 1000)
    rec = (np.arange(0, steps + 1, int(record)) if np.isscalar(record)
           else np.asarray(record, dtype=np.int64))
    rec = np.unique(np.concatenate([rec, [0, steps]])).astype(np.int64)
    out = np.empty((m.size, rec.size))
    j = 0
    for t in range(steps + 1):
        if t == rec[j]:
            out[:, j] = m
            j += 1
            if j == rec.size:
                break
        m = m + lr * np.asarray(h(m), dtype=float) * (1.0 - m * m)
    return rec, out


def _solve(rhs: Callable, m0, steps: float, t_eval) -> tuple[np.ndarray, np.ndarray]:
    m0 = np.atleast_1d(np.asarray(m0, dtype=float))
    t_eval = np.linspace(0, steps, 201) if t_eval is None else np.asarray(t_eval, float)
    if float(steps) == 0.0:  # an empty span: the solution is the start (solve_ivp gives a list)
        return t_eval, np.repeat(m0[:, None], t_eval.size, axis=1)
    sol = scipy.integrate.solve_ivp(lambda t, m: rhs(m), (0.0, float(steps)), m0,
                                    t_eval=t_eval, method="LSODA", rtol=1e-9, atol=1e-12)
    if not sol.success:
        raise RuntimeError(f"solve_ivp failed: {sol.message}")
    return sol.t, sol.y


def population_ode(h: Callable, m0, lr: float, steps: float,
                   t_eval=None) -> tuple[np.ndarray, np.ndarray]:
    """The continuous limit ``dm/dt = η h(m)(1 − m²)`` (t in steps) by
    :func:`scipy.integrate.solve_ivp` (LSODA, rtol 1e-9), vectorised over ``m0``.

    >>> t, M = population_ode(lambda m: np.ones_like(m), [0.0], 0.1, 10.0, t_eval=[10.0])
    >>> round(float(M[0, -1]), 6) == round(math.tanh(1.0), 6)   # m = tanh(η t)
    True
    """
    return _solve(lambda m: lr * np.asarray(h(m), float) * (1 - m * m), m0, steps, t_eval)


# ---------------------------------------------------------------------- reduced coordinates


@dataclass(frozen=True, eq=False)
class Reduced:
    """The instance data the reduced coordinates need (see the module docstring): Gram matrix
    ``G``, λ, c, ĉ, ξ, teacher and student row scales τ, ς, ``n = d − r − 2`` and h."""

    inst: Instance
    G: np.ndarray
    tau: np.ndarray
    vsig: np.ndarray
    n: int

    @property
    def diagonal(self) -> bool:
        """True when the Gram matrix is diagonal (independent pre-activations given (a, b))."""
        return bool(np.allclose(self.G, np.diag(np.diag(self.G)), atol=1e-13))

    @cached_property
    def h(self) -> Callable:
        """Prop. 4's h(m) (:func:`theory.population.hfun`, the instance's convention)."""
        i = self.inst
        return hfun(self.G, i.lam, i.c, i.chat, i.xi, i.activation, i.convention)

    @cached_property
    def h0_sign(self) -> float:
        """sign(h(0)) (+1 when h(0) = 0)."""
        return 1.0 if float(self.h(np.array([0.0]))[0]) >= 0 else -1.0


def reduced(inst: Instance, variant: str = "frozen") -> Reduced:
    """Check that the ODEs exist for ``inst`` and ``variant`` and precompute the row scales.

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=20, k=2, xi=1.0, act="relu",
    ...                      convention="appB")
    >>> reduced(inst)
    Traceback (most recent call last):
    ...
    ValueError: no ODE for this variant/convention: App. B rows (Prop. 4's h needs normalised/raw)
    """
    why = None
    var = parse_variant(variant, inst)
    if inst.convention not in ("normalised", "raw"):
        why = "App. B rows (Prop. 4's h needs normalised/raw)"
    elif inst.alpha > 1e-10:
        why = f"u has a component α = {inst.alpha:.3g} in span(W) (Assumption 2 fails)"
    elif var.joint or var.scratch or var.linear or not var.project:
        why = (f"variant {variant!r}: only the frozen, projected student has a population "
               "gradient −h(m)(u − m û)")
    if why:
        raise ValueError(f"no ODE for this variant/convention: {why}")
    inst.activation.require_gradient()
    G = inst.gram()
    Gd = np.diag(G)
    if inst.convention == "normalised":
        tau = 1 / np.sqrt(Gd + inst.xi**2 * inst.c**2)
        vsig = 1 / np.sqrt(Gd + inst.xi**2 * inst.chat**2)
    else:
        tau = vsig = np.ones(inst.k)
    return Reduced(inst, G, tau, vsig, inst.d - inst.rank - 2)


def gfactor(red: Reduced, y: np.ndarray, a: np.ndarray, b: np.ndarray,
            m: float) -> tuple[np.ndarray, np.ndarray]:
    """Residual ``e = f* − f̂`` and the per-sample gradient factor g (module docstring) at
    samples ``y`` (n × k, = Wx), ``a``, ``b`` (n) and overlap m.

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=9, k=2, xi=1.0, act="erf")
    >>> inst.chat = inst.c.copy()          # then at m = 1 the student is the teacher
    >>> e, g = gfactor(reduced(inst), np.zeros((1, 2)), np.array([0.3]), np.array([0.0]), 1.0)
    >>> float(e[0]), float(g[0])
    (0.0, -0.0)
    """
    i = red.inst
    act = i.activation
    s = math.sqrt(max(0.0, 1 - m * m))
    th = m * a + s * b
    t = red.tau * (y + i.xi * i.c * a[:, None])
    p = red.vsig * (y + i.xi * i.chat * th[:, None])
    e = (act.f(t) - act.f(p)) @ i.lam
    g = -2 * i.xi * e * (act.df(p) @ (i.lam * i.chat * red.vsig))
    return e, g


# ---------------------------------------------------------------------- moments V, W2


@dataclass(frozen=True)
class Moments:
    """``V = E[g²]``, ``W2 = E[g²q²]``, ``gq = E[gq]`` (= −s h), ``phi = E[e²]`` (the population
    loss Φ) and ``h`` (:func:`theory.population.hfun`) at the overlaps ``m``, with error estimates
    (``*_err``) and the ``method`` ("nested" quadrature or "qmc")."""

    m: np.ndarray
    V: np.ndarray
    W2: np.ndarray
    gq: np.ndarray
    phi: np.ndarray
    h: np.ndarray
    V_err: np.ndarray
    W2_err: np.ndarray
    gq_err: np.ndarray
    method: str


def _piece_rule(bp: np.ndarray, L: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss–Legendre nodes/weights for E over z ~ N(0,1) on [−L, L] split at the breakpoints
    ``bp`` (..., nb): shape (..., (nb + 1) n); weights include the Gaussian density."""
    x, w = leggauss(n)
    bp = np.clip(np.nan_to_num(bp, nan=L, posinf=L, neginf=-L), -L, L)
    fixed = np.broadcast_to(np.linspace(-L, L, _FIXED + 2), bp.shape[:-1] + (_FIXED + 2,))
    edge = np.sort(np.concatenate([fixed, bp], axis=-1), axis=-1)
    mid, half = (edge[..., 1:] + edge[..., :-1]) / 2, (edge[..., 1:] - edge[..., :-1]) / 2
    z = mid[..., None] + half[..., None] * x
    wz = half[..., None] * w * np.exp(-z * z / 2) / _SQRT2PI
    return z.reshape(*z.shape[:-2], -1), wz.reshape(*wz.shape[:-2], -1)


#: Fixed interior breakpoints of the inner rule (pieces of length ≤ 2L/(_FIXED + 1)).
_FIXED = 5

_BINOM = np.array([[1, 0, 0], [1, 1, 0], [1, 2, 1]], dtype=float)


def _conditional(red: Reduced, a: np.ndarray, th: np.ndarray, n_inner: int,
                 L: float = 10.0) -> np.ndarray:
    """E[S^p T^q | a, θ̂] for p, q ≤ 2 (S = e, T = Σ_j λ_j ĉ_j ς_j σ'(p_j)), diagonal Gram:
    per-row 1-D rules, then binomial convolution over the rows. Shape (len(a), 3, 3)."""
    i = red.inst
    act = i.activation
    sd = np.sqrt(np.diag(red.G))
    al = i.xi * i.c * a[:, None]                                     # (n, k)
    be = i.xi * i.chat * th[:, None]
    kinks = np.asarray(act.kinks, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        bp = np.concatenate([(kinks / red.tau[:, None] - al[..., None]) / sd[:, None],
                             (kinks / red.vsig[:, None] - be[..., None]) / sd[:, None]],
                            axis=-1) if kinks.size else np.empty(al.shape + (0,))
    z, w = _piece_rule(bp, L, n_inner)                               # (n, k, P)
    y = sd[:, None] * z
    t = red.tau[:, None] * (y + al[..., None])
    p = red.vsig[:, None] * (y + be[..., None])
    E = i.lam[:, None] * (act.f(t) - act.f(p))
    F = (i.lam * i.chat * red.vsig)[:, None] * act.df(p)
    E2, F2 = E * E, F * F
    pw = [[w, w * F, w * F2], [w * E, w * E * F, w * E * F2], [w * E2, w * E2 * F, w * E2 * F2]]
    mom = np.stack([np.stack([x.sum(-1) for x in row], -1) for row in pw], -2)  # (n, k, 3, 3)
    out = np.zeros((a.size, 3, 3))
    out[:, 0, 0] = 1.0
    for j in range(i.k):
        mj = mom[:, j]
        new = np.zeros_like(out)
        for P in range(3):
            for Q in range(3):
                for p1 in range(P + 1):
                    for q1 in range(Q + 1):
                        new[:, P, Q] += (_BINOM[P, p1] * _BINOM[Q, q1] * out[:, p1, q1]
                                         * mj[:, P - p1, Q - q1])
        out = new
    return out


def _nested(red: Reduced, m: float, n_outer: int, n_inner: int) -> np.ndarray:
    """(V, W2, E[gq], Φ) at one m by the nested rule."""
    x, w = hermegauss(n_outer)
    w = w / _SQRT2PI
    A, B = np.meshgrid(x, x, indexing="ij")
    a, b, ww = A.ravel(), B.ravel(), np.outer(w, w).ravel()
    s = math.sqrt(max(0.0, 1 - m * m))
    th, q = m * a + s * b, a * s - b * m
    xi = red.inst.xi
    chunk = max(1, 400_000 // (red.inst.k * n_inner
                               * (2 * len(red.inst.activation.kinks) + _FIXED + 1)))
    acc = np.zeros(4)
    for lo in range(0, a.size, chunk):
        sl = slice(lo, lo + chunk)
        C = _conditional(red, a[sl], th[sl], n_inner)
        acc += [ww[sl] @ C[:, 2, 2], ww[sl] @ (q[sl] ** 2 * C[:, 2, 2]),
                ww[sl] @ (q[sl] * C[:, 1, 1]), ww[sl] @ C[:, 2, 0]]
    return acc * np.array([4 * xi**2, 4 * xi**2, -2 * xi, 1.0])


def _sobol_normals(dim: int, log2n: int, rng: np.random.Generator) -> np.ndarray:
    """2^log2n scrambled Sobol points mapped to N(0, I_dim) (inverse CDF)."""
    pts = scipy.stats.qmc.Sobol(d=dim, scramble=True, seed=rng).random_base2(log2n)
    return scipy.stats.norm.ppf(np.clip(pts, 1e-16, 1 - 1e-16))


def _qmc_points(red: Reduced, log2n: int, scrambles: int,
                rng: np.random.Generator | None) -> list[tuple[np.ndarray, ...]]:
    rng = np.random.default_rng(0) if rng is None else rng
    k = red.inst.k
    L = np.linalg.cholesky(red.G) if red.inst.rank else np.zeros((k, k))
    out = []
    for _ in range(scrambles):
        Z = _sobol_normals(k + 2, log2n, rng)
        out.append((Z[:, :k] @ L.T, Z[:, k], Z[:, k + 1]))
    return out


def _qmc(red: Reduced, m: float, pts) -> tuple[np.ndarray, np.ndarray]:
    s = math.sqrt(max(0.0, 1 - m * m))
    vals = []
    for y, a, b in pts:
        e, g = gfactor(red, y, a, b, m)
        q = a * s - b * m
        vals.append([np.mean(g * g), np.mean(g * g * q * q), np.mean(g * q), np.mean(e * e)])
    vals = np.array(vals)
    return vals.mean(0), vals.std(0, ddof=1) / math.sqrt(len(vals))


def moments(inst: Instance | Reduced, m, *, n_outer: int = 48, n_inner: int = 12,
            log2n: int = 15, scrambles: int = 8, rng: np.random.Generator | None = None,
            method: str | None = None, error: bool = True) -> Moments:
    """V(m) = E[g²], W₂(m) = E[g²q²], E[gq], Φ(m) and h(m) at the overlaps ``m``
    (docs/derivations.md §2; normalised or raw rows, frozen ĉ, u ⊥ span W).

    ``method``: ``"nested"`` (diagonal Gram; default there; ``n_outer``² Gauss–Hermite nodes in
    (a, b), ``n_inner`` Gauss–Legendre nodes per piece in each y_i; error = difference from the
    rule with 3/4 of the nodes; ``error=False`` skips it and reports NaN) or ``"qmc"`` (default
    otherwise; ``scrambles`` scramblings of 2^``log2n`` Sobol points drawn from ``rng`` (default
    ``default_rng(0)``); error = standard error over scramblings). Cost (nested, k = 4, ReLU):
    about 0.1 s per m.

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=50, k=3, xi=1.0, act="relu")
    >>> mo = moments(inst, [0.3])
    >>> bool(mo.V_err[0] < 1e-4 * mo.V[0]), mo.method
    (True, 'nested')
    """
    red = inst if isinstance(inst, Reduced) else reduced(inst)
    ms = np.atleast_1d(np.asarray(m, dtype=float))
    if np.any(np.abs(ms) > 1):
        raise ValueError("m must lie in [−1, 1]")
    method = method or ("nested" if red.diagonal else "qmc")
    if method == "nested":
        if not red.diagonal:
            raise ValueError("the nested rule needs a diagonal Gram matrix WWᵀ; use 'qmc'")
        val = np.array([_nested(red, mm, n_outer, n_inner) for mm in ms])
        if error:
            lo = np.array([_nested(red, mm, (3 * n_outer) // 4, (3 * n_inner) // 4)
                           for mm in ms])
            err = np.abs(val - lo)
        else:
            err = np.full_like(val, np.nan)
    elif method == "qmc":
        pts = _qmc_points(red, log2n, scrambles, rng)
        res = [_qmc(red, mm, pts) for mm in ms]
        val, err = np.array([r[0] for r in res]), np.array([r[1] for r in res])
    else:
        raise ValueError(f"unknown method {method!r}: nested or qmc")
    return Moments(ms, val[:, 0], val[:, 1], val[:, 2], val[:, 3], red.h(ms), err[:, 0],
                   err[:, 1], err[:, 2], method)


def V(inst: Instance, m, **kw) -> np.ndarray:
    """``V(m) = E[g²]`` (Derivation 2) at the overlaps m; see :func:`moments`.

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=50, k=2, xi=1.0, act="erf")
    >>> inst.chat = inst.c.copy()           # ĉ = c: at m = 1 the student is the teacher, g = 0
    >>> float(V(inst, 1.0)[0])
    0.0
    """
    return moments(inst, m, **kw).V


def W2(inst: Instance, m, **kw) -> np.ndarray:
    """``W₂(m) = E[g² q²]`` (Derivation 2) at the overlaps m; see :func:`moments`.

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=50, k=2, xi=1.0, act="erf")
    >>> bool(W2(inst, 0.2)[0] > 0)
    True
    """
    return moments(inst, m, **kw).W2


# ---------------------------------------------------------------------- effective ODE


@dataclass(eq=False)
class NoiseModel:
    """h, V and W₂ of one instance as functions of m: V and W₂ interpolated (barycentric) on
    ``n_grid`` Chebyshev nodes in θ = arccos m ∈ [0, π] (``grid_err``: the largest difference
    from direct evaluation at the midpoints between nodes, relative to max V resp. max W₂)."""

    red: Reduced
    theta: np.ndarray
    table: Moments
    grid_err: tuple[float, float] = field(default=(math.nan, math.nan))

    @cached_property
    def _interp(self):
        # The nodes are Chebyshev–Lobatto points (affinely mapped), whose barycentric weights
        # are known exactly: (−1)^j, halved at both ends (Berrut & Trefethen 2004, §5). Passing
        # them also keeps the result bit-reproducible: without ``wi`` scipy computes the
        # weights in a randomly permuted order drawn from numpy's global RNG, which made the
        # effective ODE differ between runs in its last digits.
        n = self.theta.size
        lobatto = np.pi / 2 * (1 - np.cos(np.pi * np.arange(n) / (n - 1)))
        if not np.allclose(self.theta, lobatto, rtol=0, atol=1e-14):
            raise ValueError("NoiseModel.theta must be the Chebyshev–Lobatto nodes of "
                             "noise_model (π/2 (1 − cos(πj/(n − 1))))")
        wi = (-1.0) ** np.arange(n)
        wi[[0, -1]] *= 0.5
        return tuple(scipy.interpolate.BarycentricInterpolator(self.theta, v, wi=wi)
                     for v in (self.table.V, self.table.W2))

    def h(self, m) -> np.ndarray:
        return self.red.h(np.clip(np.asarray(m, float), -1, 1))

    def V(self, m) -> np.ndarray:
        return self._interp[0](np.arccos(np.clip(m, -1, 1)))

    def W2(self, m) -> np.ndarray:
        return self._interp[1](np.arccos(np.clip(m, -1, 1)))


def noise_model(inst: Instance | Reduced, n_grid: int = 33, check: bool = False,
                **kw) -> NoiseModel:
    """Tabulate V and W₂ for the ODEs (see :class:`NoiseModel`); ``check`` also measures the
    interpolation error at the n_grid − 1 midpoints (doubles the cost).

    >>> from numerics.problem import make_instance
    >>> nm = noise_model(make_instance(np.random.default_rng(0), d=50, k=2, xi=1.0, act="erf"),
    ...                  n_grid=17, n_outer=32, n_inner=12)
    >>> bool(abs(nm.V(0.3) - V(nm.red, 0.3, error=False)[0]) < 1e-6 * nm.V(0.3))
    True
    """
    red = inst if isinstance(inst, Reduced) else reduced(inst)
    j = np.arange(n_grid)
    theta = np.pi / 2 * (1 - np.cos(np.pi * j / (n_grid - 1)))       # Chebyshev–Lobatto in θ
    kw.setdefault("error", False)
    nm = NoiseModel(red, theta, moments(red, np.cos(theta), **kw))
    if check:
        tm = (theta[1:] + theta[:-1]) / 2
        mid = moments(red, np.cos(tm), **kw)
        nm.grid_err = (float(np.max(np.abs(nm.V(np.cos(tm)) - mid.V)) / np.max(mid.V)),
                       float(np.max(np.abs(nm.W2(np.cos(tm)) - mid.W2)) / np.max(mid.W2)))
    return nm


def effective_drift(model: NoiseModel, lr: float, m, *, w2: bool = True) -> np.ndarray:
    """The effective drift ``η h(m)(1 − m²) − (η²/2) m [n V(m) + W₂(m)]`` (docs/derivations.md
    §2; ``w2=False`` drops W₂: the second-order drift of θ = arccos m written in m), n = d − r − 2.

    >>> from numerics.problem import make_instance
    >>> nm = noise_model(make_instance(np.random.default_rng(0), d=50, k=2, xi=1.0, act="erf"),
    ...                  n_grid=9, n_outer=24, n_inner=16)
    >>> float(effective_drift(nm, 0.01, 0.0)) == 0.01 * float(nm.h(np.array([0.0]))[0])
    True
    """
    m = np.asarray(m, dtype=float)
    noise = model.red.n * model.V(m) + (model.W2(m) if w2 else 0.0)
    return lr * model.h(m) * (1 - m * m) - lr**2 / 2 * m * noise


def effective_ode(model: NoiseModel, lr: float, m0, steps: float, *, w2: bool = True,
                  t_eval=None) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``dm/dt =`` :func:`effective_drift` (t in steps) with solve_ivp (LSODA).

    >>> from numerics.problem import make_instance
    >>> nm = noise_model(make_instance(np.random.default_rng(0), d=50, k=2, xi=1.0, act="erf"),
    ...                  n_grid=9, n_outer=24, n_inner=16)
    >>> t, M = effective_ode(nm, 1e-3, [0.2], 100.0, t_eval=[100.0])
    >>> M.shape
    (1, 1)
    """
    return _solve(lambda m: effective_drift(model, lr, m, w2=w2), m0, steps, t_eval)


# ---------------------------------------------------------------------- exact one-step drift


def chi2_rule(df: float, n: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Gauss rule for E[f(Z)], Z ~ χ²(df): Golub–Welsch on the generalised-Laguerre recurrence
    with α = df/2 − 1 (Z = 2U, U ~ Gamma(df/2)), weights normalised to sum 1. Written by hand
    because ``scipy.special.roots_genlaguerre`` returns weights that overflow (sum Γ(α + 1))
    beyond α ≈ 170. Exact for polynomials of degree ≤ 2n − 1.

    >>> z, w = chi2_rule(400, 8)
    >>> round(float(w @ z), 9), round(float(w @ (z - 400) ** 2), 6)
    (400.0, 800.0)
    """
    if df <= 0:
        return np.zeros(1), np.ones(1)
    al = df / 2 - 1
    j = np.arange(n)
    diag = 2 * j + al + 1
    off = np.sqrt((j[1:]) * (j[1:] + al))
    x, vec = scipy.linalg.eigh_tridiagonal(diag, off)
    return 2 * x, vec[0] ** 2


def _dtheta(m: float, s: float, eg: np.ndarray, q: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """θ' − θ for one step: θ' = atan2(√((s + m ηg q)² + η²g²Z), m − ηg s q), without
    cancellation (eg = ηg)."""
    A = m - eg * s * q
    B = np.sqrt((s + m * eg * q) ** 2 + eg * eg * Z)
    Bms = (2 * s * m * eg * q + eg * eg * (m * m * q * q + Z)) / (B + s)   # B − s
    return np.arctan2(m * Bms + eg * s * s * q, A * m + B * s)


def theta_drift(red: Reduced, lr: float, m: float, *, pts=None, n_z: int = 12,
                log2n: int = 14, scrambles: int = 8, rng: np.random.Generator | None = None,
                **kw) -> tuple[float, float]:
    """The exact one-step drift ``E[arccos m' − arccos m]`` of the chain at overlap m
    (docs/derivations.md §1's step with ‖z‖² ~ χ²(n)), as ``(value, error)``.

    ``E[Δθ] = E[C] + E[Δθ − C]`` with ``C = ηgq + (m/2s)η²g²‖z‖²`` (E[C] = η E[gq] + (m/2s)η² n V
    by :func:`moments`) and the remainder by Sobol points in (y, a, b) (``pts``, or
    ``scrambles`` × 2^``log2n`` from ``rng``) times the :func:`chi2_rule` in ‖z‖². Error:
    standard error over scramblings plus the quadrature error of E[C]. |m| < 1.

    >>> from numerics.problem import make_instance
    >>> red = reduced(make_instance(np.random.default_rng(0), d=100, k=2, xi=1.0, act="erf"))
    >>> val, err = theta_drift(red, 1e-4, 0.3, log2n=10, scrambles=4)
    >>> bool(err < 1e-3 * abs(val))
    True
    """
    if not abs(m) < 1:
        raise ValueError("theta_drift needs |m| < 1")
    s = math.sqrt(1 - m * m)
    if pts is None:
        pts = _qmc_points(red, log2n, scrambles, rng)
    z, wz = chi2_rule(red.n, n_z)
    if red.diagonal:
        mo = moments(red, [m], method="nested", **kw)
        ec = lr * mo.gq[0] + m / (2 * s) * lr**2 * red.n * mo.V[0]
        ec_err = lr * mo.gq_err[0] + abs(m) / (2 * s) * lr**2 * red.n * mo.V_err[0]
    else:
        ec, ec_err = None, 0.0
    vals = []
    for y, a, b in pts:
        _, g = gfactor(red, y, a, b, m)
        eg, q = lr * g[:, None], (a * s - b * m)[:, None]
        d = _dtheta(m, s, eg, q, z[None, :])
        if ec is not None:
            d = d - (eg * q + m / (2 * s) * eg * eg * z[None, :])
        vals.append(float(np.mean(d @ wz)))
    vals = np.array(vals)
    base = ec if ec is not None else 0.0
    return base + vals.mean(), ec_err + vals.std(ddof=1) / math.sqrt(len(vals))


# ---------------------------------------------------------------------- plateau


@dataclass(frozen=True)
class Plateau:
    """Predicted plateaus m* (the stable zero of each drift on the side of sign h(0)):
    ``population`` (η h(m)(1 − m²) alone), ``ode`` (with W₂), ``ode_no_w2``, ``exact`` (zero of
    the exact one-step drift of θ, with ``exact_err``); ``noise = η² n V(m*)`` at the no-W₂
    plateau (the size of the correction); ``sign`` = sign h(0)."""

    sign: float
    population: float
    ode: float
    ode_no_w2: float
    exact: float
    exact_err: float
    noise: float


def _stable_zero(f: Callable, sign: float, n_scan: int = 400) -> float:
    """The first zero of sign·f along m = sign·x, x ∈ (0, 1), where it changes from + to −
    (brentq); sign·1 if none."""
    x = (np.arange(1, n_scan) / n_scan)
    vals = sign * np.asarray(f(sign * x), float)
    idx = np.nonzero((vals[:-1] > 0) & (vals[1:] <= 0))[0]
    if vals[0] <= 0:
        return 0.0
    if idx.size == 0:
        return sign
    j = idx[0]
    return sign * scipy.optimize.brentq(lambda t: sign * float(f(np.array([sign * t]))[0]),
                                        x[j], x[j + 1], xtol=1e-10)


def plateau(inst: Instance | NoiseModel, lr: float, *, exact: bool = True, n_grid: int = 33,
            log2n: int = 14, scrambles: int = 8, rng: np.random.Generator | None = None,
            **kw) -> Plateau:
    """Plateaus m* predicted by the population ODE, the effective ODE with and without W₂ and
    the exact one-step drift of θ = arccos m (:class:`Plateau`), for learning rate ``lr``.

    The ODE plateaus are the first stable zeros (brentq) of the drift on the side of sign h(0)
    (:func:`NoiseModel` interpolants); the exact one is the zero of :func:`theta_drift`
    (common Sobol points for every m, brentq bracketed around the no-W₂ plateau), its error
    the drift's error at the root divided by the drift's slope. Plateaus are ±1 when the drift
    has no zero on that side before ±1, and 0 when it is ≤ 0 from m = 0 on (h(0) = 0, e.g. a
    symmetric instance). Cost: a few seconds (k = 4).

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(1), d=100, k=4, xi=1.0, act="erf")
    >>> p = plateau(inst, 0.04, exact=False, n_grid=17)
    >>> bool(abs(p.ode) < abs(p.ode_no_w2) < abs(p.population) == 1.0)
    True
    """
    nm = inst if isinstance(inst, NoiseModel) else noise_model(inst, n_grid=n_grid, **kw)
    red = nm.red
    sg = red.h0_sign
    pop = _stable_zero(lambda m: nm.h(m) * (1 - m * m) + 0 * m, sg)
    ode = _stable_zero(lambda m: effective_drift(nm, lr, m), sg)
    ode2 = _stable_zero(lambda m: effective_drift(nm, lr, m, w2=False), sg)
    noise = float(lr**2 * red.n * nm.V(ode2))
    ex, ex_err = math.nan, math.nan
    if exact:
        pts = _qmc_points(red, log2n, scrambles, rng)

        def f(m):          # drift of m's side: −sign · E[Δθ] (θ decreases as m → +1)
            return -sg * theta_drift(red, lr, m, pts=pts)[0]

        top = 1 - 1e-9
        lo, hi = max(0.0, min(abs(ode2), top) - 0.02), min(abs(ode2) + 0.02, top)
        while f(sg * lo) <= 0 and lo > 0:
            lo = max(0.0, lo - 0.05)
        while f(sg * hi) > 0 and hi < top:
            hi = min(top, hi + 0.05)
        if f(sg * hi) > 0:             # no zero below |m| = 1 − 1e-9: the chain goes to ±1
            ex, ex_err = sg, 0.0
        elif f(sg * lo) <= 0:          # drift ≤ 0 from m = 0 on (h(0) ≈ 0): no escape
            ex, ex_err = 0.0, math.nan
        else:
            x = scipy.optimize.brentq(lambda t: f(sg * t), lo, hi, xtol=1e-7)
            ex = sg * x
            _, err = theta_drift(red, lr, ex, pts=pts)
            dx = min(1e-3, (1 - x) / 2)
            slope = (f(sg * (x + dx)) - f(sg * (x - dx))) / (2 * dx)
            ex_err = abs(err / slope) if slope else math.inf
    return Plateau(sg, pop, ode, ode2, ex, ex_err, noise)
