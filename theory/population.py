"""The population loss Φ(m) and the scalar h(m) of Prop. 4, in every form the paper uses.

Setting (model.md; paper §2, Prop. 4, App. D.1). Teacher rows ``w_i + ξ c_i u``, student rows
``w_i + ξ ĉ_i û``, ``u, û ⊥ span(W)`` (Assumption 2), ``m = <u, û>``. Only then is Φ a function
of m alone, and the spherical population gradient is ``−h(m)(u − m û)``, i.e. ``h = −dΦ/dm``.
Loss without ½: ``Φ = E[(f*(x) − f̂(x))²]``.

Conventions (every function takes ``convention=``):

* ``"normalised"`` (default; App. D.1 Eq. 11, Prop. 4): rows divided by their norms
  ``N_i = sqrt(G_ii + ξ² c_i²)``, ``N̂_j = sqrt(G_jj + ξ² ĉ_j²)``; pre-activations are standard
  Gaussians with correlation ``ρ_ij(m) = (G_ij + ξ² c_i ĉ_j m)/(N_i N̂_j)``, and
  ``h(m) = 2 Σ_ij λ_i λ_j (ξ² c_i ĉ_j/(N_i N̂_j)) K'(ρ_ij(m))`` (route "closed").
* ``"raw"`` (Eq. 2–3): no normalisation; pre-activations have variances ``N_i², N̂_j²`` and
  covariance ``C_ij(m) = G_ij + ξ² c_i ĉ_j m``; ``h(m) = 2 Σ λ_i λ_j ξ² c_i ĉ_j E[σ'(a_i)σ'(b_j)]``
  (Price's theorem: d/dC E[σ(a)σ(b)] = E[σ'(a)σ'(b)]).

Three independent routes, which must agree (the heart of the verifier): ``"closed"`` (through
K'), ``"dphi"`` (−dΦ/dm of Φ written with K, differentiated symbolically or by mpmath), and
``"series"`` (the Prop. 4 double series in l, s, as derived: normalised rows; the ``T(l, s)``
form needs unit rows and ``c, ĉ ∈ {±1/√k}^k``). Polynomial activations are exact (sympy, a
polynomial in m, ξ may be a symbol); others are floats with the truncation of the Hermite series
bounded and reported.

By hand, for σ = He₃ (μ_3 = √6, so K'(ρ) = 18ρ²), two orthonormal rows, c = ĉ = (1, 1)/√2,
ξ = 1: N² = 3/2, ρ_ii = (2 + m)/3, ρ_ij = m/3 (i ≠ j), and h = 2·(1/3)·18·Σ_ij ρ_ij² =
(8/3)(4 + 4m + 2m²):

>>> import numpy as np
>>> G = np.eye(2); lam = np.array([1.0, 1.0]); c = np.array([1, 1]) / np.sqrt(2)
>>> h_exact("He3", G, lam, c, c, 1)
16*m**2/3 + 32*m/3 + 32/3
>>> round(float(hfun(G, lam, c, c, 1.0, "He3")(np.array([0.5]))[0]), 12)  # 52/3
17.333333333333
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import mpmath
import numpy as np
import sympy as sp
from flint import arb

from theory import hermite, kernels
from theory.activations import Activation, get

__all__ = [
    "M",
    "HValue",
    "rho_matrix",
    "hfun",
    "h_closed",
    "h_dphi",
    "h_series",
    "h_exact",
    "phi_exact",
    "orthonormal_scalars",
    "h_orthonormal",
    "condition3",
]

#: The overlap symbol of exact results.
M = sp.Symbol("m", real=True)

CONVENTIONS = ("normalised", "raw")


@dataclass(frozen=True)
class HValue:
    """A value of h with a bound on its error (truncation of a Hermite series, quadrature)."""

    value: float
    error: float
    route: str
    terms: int | None = None

    def __float__(self) -> float:
        return float(self.value)


def _check_convention(convention: str) -> None:
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {CONVENTIONS}, not {convention!r}")


def _arrays(gram, lam, c, chat):
    G = np.asarray(gram, dtype=float)
    lam = np.asarray(lam, dtype=float)
    c = np.asarray(c, dtype=float)
    chat = np.asarray(chat, dtype=float)
    k = lam.shape[0]
    if G.shape != (k, k) or c.shape != (k,) or chat.shape != (k,):
        raise ValueError(f"shapes: gram {G.shape}, lam {lam.shape}, c {c.shape}, chat {chat.shape}")
    return G, lam, c, chat


def rho_matrix(m, gram, c, chat, xi, convention: str = "normalised"):
    """Correlations ρ_ij(m) (normalised) or covariances C_ij(m) (raw), shape ``m.shape + (k, k)``.

    Normalised: ``ρ_ij = (G_ij + ξ² c_i ĉ_j m)/(N_i N̂_j)`` (App. D.1; ``= (<w_i,w_j> + ξ² c_i ĉ_j
    m)/(1 + ξ²/k)`` for unit rows and quantised c, ĉ as printed there).

    >>> round(float(rho_matrix(0.5, np.eye(1), [1.0], [1.0], 1.0)[0, 0]), 12)  # (1 + 1/2)/2
    0.75
    """
    _check_convention(convention)
    G = np.asarray(gram, float)
    c = np.asarray(c, float)
    chat = np.asarray(chat, float)
    m = np.asarray(m, float)
    C = G + xi**2 * np.multiply.outer(m, np.outer(c, chat))
    if convention == "raw":
        return C
    N = np.sqrt(np.diag(G) + xi**2 * c**2)
    Nh = np.sqrt(np.diag(G) + xi**2 * chat**2)
    return C / np.outer(N, Nh)


# ---------------------------------------------------------------------------------------------
# Numeric h(m): vectorised (floats), and certified (floats with proved error bounds)
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _kprime_closed_numpy(act: Activation) -> Callable | None:
    """A vectorised closed-form K'(ρ), or None."""
    closed = kernels.closed_Kprime(act)
    if closed is None:
        return None
    f = sp.lambdify(kernels.RHO, closed, modules="numpy")
    return lambda r: np.broadcast_to(f(r), np.shape(r))


@lru_cache(maxsize=64)
def _kprime_numpy(name_expr: str, act: Activation) -> tuple[Callable, str]:
    """A vectorised K'(ρ): the closed form when known, else the Hermite series Σ pμ_p²ρ^{p−1}
    truncated at :func:`_series_terms` (no bound: for callers that bound it themselves)."""
    closed = _kprime_closed_numpy(act)
    if closed is not None:
        return closed, "closed form"
    n = _series_terms(act)
    mu = hermite.mu_array(act, n)
    coef = np.arange(1, n + 1) * mu[1:] ** 2  # p μ_p², coefficient of ρ^{p−1}
    return (lambda r: _horner(coef, r)), f"Hermite series, {n} terms"


def _horner(coef: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Σ coef[j] r^j by Horner's rule in place (numpy's polyval allocates per step)."""
    out = np.full_like(r, coef[-1])
    for cj in coef[-2::-1]:
        out *= r
        out += cj
    return out


_BLOCK = 1 << 14  # elements per block: temporaries of 128 KiB stay in cache


def _affine(m: np.ndarray, a: np.ndarray, b: np.ndarray, bound) -> np.ndarray:
    """a + m b for a block of m, clipped to [−bound, bound]: |ρ_ij(m)| ≤ 1 (|C_ij| ≤ s1 s2) holds
    for |m| ≤ 1 by Cauchy–Schwarz, and rounding may overshoot it (arcsin would give nan)."""
    R = np.outer(m, b)
    R += a
    np.clip(R, -bound, bound, out=R)
    return R


def _blocked(m: np.ndarray, f: Callable[[np.ndarray], np.ndarray], width: int) -> np.ndarray:
    """Apply f (a vector of m values → the vector of h) over blocks of m whose (m, pair)
    temporaries have about ``_BLOCK`` elements, so the elementwise passes run in cache."""
    flat = m.ravel()
    out = np.empty(flat.shape)
    rows = max(1, _BLOCK // max(width, 1))
    for i in range(0, flat.size, rows):
        out[i:i + rows] = f(flat[i:i + rows])
    return out.reshape(m.shape)


@lru_cache(maxsize=64)
def _kprime_cov_numpy(act: Activation) -> Callable | None:
    """A vectorised closed-form E[σ'(a)σ'(b)] at (s1, s2, c) arrays, or None."""
    closed = kernels.closed_Kprime_cov(act)
    if closed is None:
        return None
    f = sp.lambdify((kernels.S1, kernels.S2, kernels.C), closed, modules="numpy")
    return lambda s1, s2, c: np.broadcast_to(f(s1, s2, c), np.shape(c))


def _exact_cov(act: Activation, s1, s2, c, derivative: bool = False) -> sp.Expr:
    """E[σ(a)σ(b)] (or E[σ'(a)σ'(b)]) exactly at variances s1², s2², covariance c (raw rows)."""
    e = kernels.closed_Kprime_cov(act) if derivative else kernels.closed_Kcov(act)
    if e is None:
        raise ValueError(f"no exact general-variance kernel for '{act.name}'")
    return e.subs({kernels.S1: s1, kernels.S2: s2, kernels.C: c}, simultaneous=True)


def _series_terms(act: Activation) -> int:
    if act.is_polynomial:
        return max(int(act.poly.degree()), 1)
    return 30


def _table(gram, lam, c, chat, xi, act, convention, N=None):
    from theory.hseries import N_TERMS, HTable

    return HTable.build(gram, lam, c, chat, xi, act, convention, N or N_TERMS)


def hfun(gram, lam, c, chat, xi: float, act, convention: str = "normalised") -> Callable:
    """A vectorised ``h(m)``, m ∈ [−1, 1], for fixed instance data (Prop. 4's h via K', floats).

    With a closed-form kernel (normalised: K'(ρ); raw: E[σ'(a)σ'(b)] at the rows' variances),
    one evaluation per (m, i, j); without one, Mehler's series with certified coefficients,
    turned once into a polynomial in m (:class:`theory.hseries.HTable`, 60 terms; its proved
    error: :func:`hcert`). 100 values of m at k = 50 in about a millisecond.

    >>> h = hfun(np.eye(2), [1.0, 1.0], [0.7, 0.7], [0.7, -0.7], 1.0, "relu")
    >>> bool(abs(h(np.array([0.0]))[0]) < 1e-15)
    True
    """
    act = get(act)
    act.require_gradient()
    _check_convention(convention)
    G, lam, c, chat = _arrays(gram, lam, c, chat)
    kp = _kprime_closed_numpy(act) if convention == "normalised" else _kprime_cov_numpy(act)
    if kp is None:
        table = _table(G, lam, c, chat, xi, act, convention)
        return lambda m: table(np.asarray(m, float))[0]
    ll = np.outer(lam, lam)
    cc = np.outer(c, chat)
    N = np.sqrt(np.diag(G) + xi**2 * c**2)
    Nh = np.sqrt(np.diag(G) + xi**2 * chat**2)
    # ρ_ij(m) = a_ij + b_ij m is affine in m: precompute a, b and the weights once, keep only
    # the pairs with a non-zero weight, and evaluate K' once per (m, pair).
    NN = np.outer(N, Nh)
    if convention == "normalised":
        A = 2 * ll * xi**2 * cc / NN
        keep = A != 0
        a, b, w = (G / NN)[keep], (xi**2 * cc / NN)[keep], A[keep]

        def h(m):
            m = np.asarray(m, float)
            return _blocked(m, lambda mm: kp(_affine(mm, a, b, 1.0)) @ w, a.size)

        return h
    A = 2 * ll * xi**2 * cc
    keep = A != 0
    a, b, w = G[keep], (xi**2 * cc)[keep], A[keep]
    s1 = np.broadcast_to(N[:, None], G.shape)[keep]
    s2 = np.broadcast_to(Nh[None, :], G.shape)[keep]

    def h_raw(m):
        m = np.asarray(m, float)
        return _blocked(m, lambda mm: kp(s1, s2, _affine(mm, a, b, s1 * s2)) @ w, a.size)

    return h_raw


def hcert(gram, lam, c, chat, xi: float, act, convention: str = "normalised",
          n_terms: int | None = None) -> Callable:
    """``m ↦ (h(m), bound)``: Prop. 4's h with a proved bound on the error, for an array of m.

    With a closed-form kernel every (m, i, j) term is evaluated in ball arithmetic (about
    30 µs per term: meant for k ≲ 10 or few points); without one, Mehler's series with
    certified coefficients and its proved tail and rounding bounds
    (:class:`theory.hseries.HTable`; ``n_terms`` terms, 60 by default). Both conventions.

    >>> f = hcert(np.eye(1), [1.0], [0.6], [0.6], 3.0, "tanh", "raw")
    >>> v, e = f(np.array([0.95]))                # the issue's case: 1.4535204414010614
    >>> bool(abs(v[0] - 1.4535204414010614) <= e[0] < 1e-4)
    True
    """
    act = get(act)
    act.require_gradient()
    _check_convention(convention)
    G, lam, c, chat = _arrays(gram, lam, c, chat)
    closed = kernels.closed_Kprime(act) if convention == "normalised" else \
        kernels.closed_Kprime_cov(act)
    if closed is None:
        return _table(G, lam, c, chat, xi, act, convention, n_terms)
    from theory.hball import closed_h_balls

    return closed_h_balls(G, lam, c, chat, xi, closed, convention)


def h_closed(m: float, gram, lam, c, chat, xi: float, act, convention: str = "normalised",
             n_terms: int = 60) -> HValue:
    """h(m) through the kernel (route "closed"): ``2 Σ λ_iλ_j (ξ²c_iĉ_j/(N_iN̂_j)) K'(ρ_ij(m))``
    (normalised) or ``2 Σ λ_iλ_j ξ²c_iĉ_j E[σ'(a_i)σ'(b_j)]`` (raw), with a proved error bound
    (:func:`hcert`): the closed form in ball arithmetic, or Mehler's series of σ' with σ''s own
    certified coefficients (shares no computed number with Prop. 4's series in μ_p(σ)) and
    its tail bound, valid up to |ρ| = 1.

    >>> v = h_closed(0.3, np.eye(2), [1.0, 1.0], [0.7, 0.7], [0.7, 0.7], 1.0, "erf")
    >>> v.route, v.error < 1e-13
    ('closed', True)
    """
    act = get(act)
    closed = kernels.closed_Kprime(act) if convention == "normalised" else \
        kernels.closed_Kprime_cov(act)
    f = hcert(gram, lam, c, chat, xi, act, convention, None if closed is not None else n_terms)
    v, e = f(np.array([float(m)]))
    return HValue(float(v[0]), float(e[0]), "closed",
                  terms=None if closed is not None else n_terms)


@lru_cache(maxsize=128)
def _ex_sq_deriv(act: Activation, dps: int = 20) -> float:
    """An upper bound of E[σ'(g)²] = K'(1) = Σ p μ_p² (Parseval for σ'), certified."""
    v = kernels.norm2(kernels.derivative_expr(act), dps)
    return float(arb(v.upper()).mid()) * (1 + 2**-40)


def _truncation_bound(A: np.ndarray, R: np.ndarray, act: Activation, n: int) -> float:
    """Bound on the dropped part of ``Σ_ij A_ij K'(R_ij)`` when K' is truncated at ρ^{n−1}:
    each dropped term ``p μ_p² |ρ|^{p−1} ≤ p μ_p² r^n`` (p > n, r = max|ρ_ij| ≤ 1), and
    ``Σ_{p>n} p μ_p² = E[σ'²] − Σ_{p≤n} p μ_p²`` (Parseval for σ', since μ_{p−1}(σ') = √p μ_p),
    with E[σ'²] certified and the head taken at the lower ends of the certified μ_p."""
    if act.is_polynomial and n >= _series_terms(act):
        return 0.0
    cs = hermite.mus(act, n, hermite.ARRAY_DPS)
    head = 0.0
    for p, cf in enumerate(cs[1:], start=1):
        lo = max(abs(cf.approx) - cf.error, 0)
        head += p * float(lo) ** 2 * (1 - 2**-40)
    tail = max(_ex_sq_deriv(act) - head, 0.0)
    nz = A != 0
    r = min(float(np.max(np.abs(R[nz]))), 1.0) if np.any(nz) else 0.0
    return float(np.abs(A).sum()) * tail * r**n * (1 + 2**-40)


def h_series(m: float, gram, lam, c, chat, xi: float, act, n_terms: int = 60,
             printed_T: bool = False) -> HValue:
    """Prop. 4's double series in (l, s), as derived (normalised rows), truncated at l+s+1 ≤ n.

    ``h(m) = 2 Σ_{l,s} ξ^{2(l+1)} C(l+s, l) (l+s+1) μ_{l+s+1}² m^l Σ_ij λ_iλ_j (c_i ĉ_j)^{l+1}
    G_ij^s / (N_i N̂_j)^{l+s+1}``. With ``printed_T=True`` the inner sum is replaced by Prop. 4's
    ``(1/k)^{l+1} T(l, s) (1 + ξ²/k)^{−(l+s+1)}``, which requires unit rows and
    ``c, ĉ ∈ {±1/√k}^k`` (checked). The error bound is that of :func:`h_closed` (the double
    series regroups the same absolutely convergent sum).

    >>> G = np.eye(2); c = np.array([1, -1]) / np.sqrt(2)
    >>> a = h_series(0.4, G, [1.0, 2.0], c, c, 1.0, "tanh", n_terms=30)
    >>> b = h_closed(0.4, G, [1.0, 2.0], c, c, 1.0, "tanh", n_terms=30)
    >>> bool(abs(a.value - b.value) < 1e-12)
    True
    """
    act = get(act)
    act.require_gradient()
    G, lam, c, chat = _arrays(gram, lam, c, chat)
    k = len(lam)
    n = _series_terms(act) if act.is_polynomial else n_terms
    mu = hermite.mu_array(act, n)
    N = np.sqrt(np.diag(G) + xi**2 * c**2)
    Nh = np.sqrt(np.diag(G) + xi**2 * chat**2)
    ll = np.outer(lam, lam)
    cc = np.outer(c, chat)
    NN = np.outer(N, Nh)
    if printed_T:
        q = 1 / math.sqrt(k)
        if not (np.allclose(np.diag(G), 1) and np.allclose(np.abs(c), q)
                and np.allclose(np.abs(chat), q)):
            raise ValueError("Prop. 4's T(l, s) form needs unit rows and c, ĉ in {±1/√k}^k")
    total = 0.0
    absum = 0.0
    for p in range(1, n + 1):
        for l in range(p):
            s = p - 1 - l
            if printed_T:
                T = T_ls(l, s, G, lam, c, chat)
                inner = (1 / k) ** (l + 1) * T / (1 + xi**2 / k) ** p
            else:
                inner = float(np.sum(ll * cc ** (l + 1) * G**s / NN**p))
            term = 2 * xi ** (2 * (l + 1)) * math.comb(l + s, l) * p * mu[p] ** 2 * inner * m**l
            total += term
            absum += abs(term)
    A = 2 * ll * xi**2 * cc / NN
    bound = _truncation_bound(A, rho_matrix(m, G, c, chat, xi), act, n)
    return HValue(float(total), float(bound + 1e-14 * absum + 1e-300), "series", terms=n)


def T_ls(l: int, s: int, gram, lam, c, chat):
    """Prop. 4's T(l, s), as printed: ``‖Σ λ_i w_i^{⊗s}‖_F²`` for odd l,
    ``k <Σ λ_i c_i w_i^{⊗s}, Σ λ_i ĉ_i w_i^{⊗s}>`` otherwise (inner products of tensor powers
    are powers of the Gram entries: ``<w_i^{⊗s}, w_j^{⊗s}> = G_ij^s``).

    >>> T_ls(1, 0, np.eye(2), [1.0, 2.0], [1, 1], [1, 1])
    9.0
    """
    G = np.asarray(gram, float)
    lam = np.asarray(lam, float)
    Gs = G**s
    if l % 2 == 1:
        return float(lam @ Gs @ lam)
    k = len(lam)
    return float(k * (lam * np.asarray(c, float)) @ Gs @ (lam * np.asarray(chat, float)))


def h_dphi(m: float, gram, lam, c, chat, xi: float, act, convention: str = "normalised",
           dps: int = 30, n_terms: int = 60) -> HValue:
    """h(m) = −dΦ/dm (route "dphi"), Φ written through K (not K'), differentiated by mpmath.

    Only the cross term ``−2 Σ λ_i λ_j K(ρ_ij(m))`` of Φ depends on m (Assumption 2). K is the
    closed form when known (error: mpmath's differentiation at ``dps`` digits), else the
    Hermite series (error: its truncation bound, as in :func:`h_closed`).

    >>> v = h_dphi(0.3, np.eye(2), [1.0, 1.0], [0.7, 0.7], [0.7, 0.7], 1.0, "relu")
    >>> w = h_closed(0.3, np.eye(2), [1.0, 1.0], [0.7, 0.7], [0.7, 0.7], 1.0, "relu")
    >>> abs(v.value - w.value) < 1e-12
    True
    """
    act = get(act)
    act.require_gradient()
    _check_convention(convention)
    G, lam, c, chat = _arrays(gram, lam, c, chat)
    k = len(lam)
    with mpmath.workdps(dps):
        if convention == "normalised":
            closed = kernels.closed_K(act)
            if closed is not None:
                Kf = sp.lambdify(kernels.RHO, closed, modules="mpmath")
                err = 0.0
            else:
                n = _series_terms(act) if act.is_polynomial else n_terms
                mus = [mpmath.mpf(cf.approx) for cf in hermite.mus(act, n, dps=dps)]
                Kf = lambda r: mpmath.fsum(mu**2 * r**p for p, mu in enumerate(mus))  # noqa: E731
                A = 2 * np.outer(lam, lam) * xi**2 * np.outer(c, chat) / np.outer(
                    np.sqrt(np.diag(G) + xi**2 * c**2), np.sqrt(np.diag(G) + xi**2 * chat**2))
                err = _truncation_bound(A, rho_matrix(m, G, c, chat, xi), act, n)
            N = [mpmath.sqrt(G[i, i] + xi**2 * c[i] ** 2) for i in range(k)]
            Nh = [mpmath.sqrt(G[j, j] + xi**2 * chat[j] ** 2) for j in range(k)]

            def cross(mm):
                return -2 * mpmath.fsum(
                    lam[i] * lam[j] * Kf((G[i, j] + xi**2 * c[i] * chat[j] * mm) / (N[i] * Nh[j]))
                    for i in range(k) for j in range(k) if lam[i] * lam[j] != 0)
        else:
            Kc, err = _kcov_series(act, G, lam, c, chat, xi, m, n_terms, dps)
            s1 = [mpmath.sqrt(G[i, i] + xi**2 * c[i] ** 2) for i in range(k)]
            s2 = [mpmath.sqrt(G[j, j] + xi**2 * chat[j] ** 2) for j in range(k)]

            def cross(mm):
                return -2 * mpmath.fsum(
                    lam[i] * lam[j] * Kc(s1[i], s2[j], G[i, j] + xi**2 * c[i] * chat[j] * mm)
                    for i in range(k) for j in range(k) if lam[i] * lam[j] != 0)

        d = -mpmath.diff(cross, mpmath.mpf(m))
    return HValue(float(d), err + 1e-15 * abs(float(d)) + 1e-300, "dphi")


def _kcov_series(act: Activation, G, lam, c, chat, xi, m, n: int, dps: int):
    """E[σ(a)σ(b)] at general variances as a function mpmath can differentiate in c: the closed
    form, else Mehler's series Σ_{p≤n} β_p(s1)β_p(s2)(c/(s1s2))^p with certified rescaled
    coefficients (their centres); and a bound on the error this makes in −dΦ/dm: the
    derivative of the tail is Σ_{q≥n} β_q(σ'; s1)β_q(σ'; s2)ρ^q·2λλξ²cĉ (Remark 10 rescaled),
    bounded by |ρ|^n √(R'R') with σ''s Parseval remainders, plus the coefficients' radii."""
    closed = kernels.closed_Kcov(act)
    if closed is not None:
        return sp.lambdify((kernels.S1, kernels.S2, kernels.C), closed, modules="mpmath"), 0.0
    k = len(lam)
    N1 = np.sqrt(np.diag(G) + xi**2 * c**2)
    N2 = np.sqrt(np.diag(G) + xi**2 * chat**2)
    coeffs, radii = {}, {}
    for s in set(N1.tolist()) | set(N2.tolist()):
        balls, _ = kernels.scaled_coefficients(act.expr, s, n + 1, dps)
        coeffs[s] = [hermite.to_mpf(b)[0] for b in balls]
        radii[s] = [float(hermite.to_mpf(b)[1]) for b in balls]
    dexpr = kernels.derivative_expr(act)
    err = 0.0
    for i in range(k):
        for j in range(k):
            wgt = abs(2 * lam[i] * lam[j] * xi**2 * c[i] * chat[j])
            if wgt == 0:
                continue
            s1, s2 = float(N1[i]), float(N2[j])
            rho = min(abs(G[i, j] + xi**2 * c[i] * chat[j] * m) / (s1 * s2), 1.0)
            _, r1 = kernels.scaled_coefficients(dexpr, s1, n, dps)
            _, r2 = kernels.scaled_coefficients(dexpr, s2, n, dps)
            tail = rho**n * math.sqrt(float(r1.upper()) * float(r2.upper()))
            b1, b2 = coeffs[s1], coeffs[s2]
            e1, e2 = radii[s1], radii[s2]
            cerr = sum(p * (abs(float(b1[p])) * e2[p] + abs(float(b2[p])) * e1[p] + e1[p] * e2[p])
                       for p in range(n + 1)) / (s1 * s2)
            err += wgt * (tail + cerr)

    def near(s):  # the caller's s (an mpf) is the same row norm as a float key, to ~1e-16
        return coeffs[min(coeffs, key=lambda t: abs(t - float(s)))]

    def series(s1, s2, cv):
        b1, b2 = near(s1), near(s2)
        rho = cv / (s1 * s2)
        return mpmath.fsum(b1[p] * b2[p] * rho**p for p in range(n + 1))

    return series, err * (1 + 2**-40)


# ---------------------------------------------------------------------------------------------
# Exact routes (polynomial activations): sympy polynomials in m
# ---------------------------------------------------------------------------------------------


def _exact_inputs(gram, lam, c, chat, xi):
    G = sp.Matrix(gram).applyfunc(sp.nsimplify)
    lam = [sp.nsimplify(v) for v in np.ravel(lam)] if not isinstance(lam, list) else \
        [sp.nsimplify(v) for v in lam]
    c = [sp.nsimplify(v) for v in list(np.ravel(c))]
    chat = [sp.nsimplify(v) for v in list(np.ravel(chat))]
    xi = sp.nsimplify(xi) if not isinstance(xi, sp.Basic) else xi
    return G, lam, c, chat, xi


def _exact_mus(act: Activation) -> list[sp.Expr]:
    if not act.is_polynomial:
        raise ValueError(f"exact h(m) needs a polynomial activation; '{act.name}' is not one")
    n = _series_terms(act)
    coeffs = hermite.mus(act, n)
    return [sp.nsimplify(cf.value) if cf.value is not None else None for cf in coeffs]


def _norms(G, c, chat, xi, i, j):
    return sp.sqrt(G[i, i] + xi**2 * c[i] ** 2), sp.sqrt(G[j, j] + xi**2 * chat[j] ** 2)


def phi_exact(act, gram, lam, c, chat, xi, convention: str = "normalised") -> sp.Expr:
    """Φ(m) exactly (polynomial σ; inputs converted with ``nsimplify``; ξ may be a symbol).

    ``Φ = Σ λλ E[σσ](student, student) + Σ λλ E[σσ](teacher, teacher) − 2 Σ λλ E[σσ](t, s)``.

    By hand for σ = x² (K = 1 + 2ρ²), one row, c = ĉ = ξ = 1: ρ = (1 + m)/2 and
    Φ = 2K(1) − 2K(ρ) = 4 − (1 + m)², zero at the teacher m = 1:

    >>> phi_exact("quadratic", np.eye(1), [1], [1], [1], 1)
    -m**2 - 2*m + 3
    """
    act = get(act)
    _check_convention(convention)
    G, lam, c, chat, xi = _exact_inputs(gram, lam, c, chat, xi)
    k = len(lam)
    if convention == "normalised":
        mu = _exact_mus(act)
        Kp = sum((v**2 * kernels.RHO**p for p, v in enumerate(mu)), sp.Integer(0))

        def E(ci, cj, mm, i, j):
            ni = sp.sqrt(G[i, i] + xi**2 * ci[i] ** 2)
            nj = sp.sqrt(G[j, j] + xi**2 * cj[j] ** 2)
            return Kp.subs(kernels.RHO, (G[i, j] + xi**2 * ci[i] * cj[j] * mm) / (ni * nj))
    else:
        def E(ci, cj, mm, i, j):
            s1 = sp.sqrt(G[i, i] + xi**2 * ci[i] ** 2)
            s2 = sp.sqrt(G[j, j] + xi**2 * cj[j] ** 2)
            return _exact_cov(act, s1, s2, G[i, j] + xi**2 * ci[i] * cj[j] * mm)
    total = sp.Integer(0)
    for i in range(k):
        for j in range(k):
            w = lam[i] * lam[j]
            total += w * (E(chat, chat, 1, i, j) + E(c, c, 1, i, j) - 2 * E(c, chat, M, i, j))
    return sp.expand(total)


def h_exact(act, gram, lam, c, chat, xi, convention: str = "normalised",
            route: str = "closed") -> sp.Expr:
    """h(m) exactly, a polynomial in m (polynomial σ), by one of three routes.

    ``route="closed"``: through K' (normalised) or ``E[σ'(a)σ'(b)]`` at the rows' variances
    (raw). ``"dphi"``: ``−dΦ/dm`` of :func:`phi_exact`. ``"series"``: Prop. 4's double series as
    derived (normalised rows only). Inputs are made exact with ``nsimplify`` (pass sympy
    numbers to be sure); ξ may be a sympy symbol.

    >>> xi = sp.Symbol("xi", positive=True)
    >>> a = h_exact("cubic", np.eye(1), [1], [1], [1], xi, route="series")
    >>> sp.simplify(a - h_exact("cubic", np.eye(1), [1], [1], [1], xi, route="closed"))
    0
    """
    act = get(act)
    _check_convention(convention)
    if route == "dphi":
        return sp.expand(-sp.diff(phi_exact(act, gram, lam, c, chat, xi, convention), M))
    G, lam, c, chat, xi = _exact_inputs(gram, lam, c, chat, xi)
    k = len(lam)
    total = sp.Integer(0)
    if route == "closed":
        if convention == "normalised":
            mu = _exact_mus(act)
            Kp = sum((p * v**2 * kernels.RHO ** (p - 1) for p, v in enumerate(mu) if p >= 1),
                     sp.Integer(0))
        for i in range(k):
            for j in range(k):
                ni, nj = _norms(G, c, chat, xi, i, j)
                cov = G[i, j] + xi**2 * c[i] * chat[j] * M
                if convention == "normalised":
                    e = Kp.subs(kernels.RHO, cov / (ni * nj)) / (ni * nj)
                else:
                    e = _exact_cov(act, ni, nj, cov, derivative=True)
                total += 2 * lam[i] * lam[j] * xi**2 * c[i] * chat[j] * e
        return sp.expand(total)
    if route == "series":
        if convention != "normalised":
            raise ValueError("Prop. 4's series is stated for normalised rows")
        mu = _exact_mus(act)
        for p in range(1, len(mu)):
            for l in range(p):
                s = p - 1 - l
                inner = sp.Integer(0)
                for i in range(k):
                    for j in range(k):
                        ni, nj = _norms(G, c, chat, xi, i, j)
                        inner += (lam[i] * lam[j] * (c[i] * chat[j]) ** (l + 1) * G[i, j] ** s
                                  / (ni * nj) ** p)
                total += (2 * xi ** (2 * (l + 1)) * sp.binomial(l + s, l) * p * mu[p] ** 2
                          * inner * M**l)
        return sp.expand(total)
    raise ValueError(f"route must be 'closed', 'dphi' or 'series', not {route!r}")


# ---------------------------------------------------------------------------------------------
# Orthonormal features: Eqs. 7–9
# ---------------------------------------------------------------------------------------------


def orthonormal_scalars(lam, c, chat) -> dict[str, float]:
    """The four scalars h depends on under orthonormal features (§3.2.1, the T(l, s) table):
    ``A = k Σ_ij λ_iλ_j c_i ĉ_j`` (T(l,0), l even), ``B = k Σ λ_i² c_i ĉ_i`` (T(l,s≥1), l even),
    ``L2 = ‖λ‖²`` (T(l,s≥1), l odd), ``S = (Σ λ_i)²`` (T(l,0), l odd).

    >>> orthonormal_scalars([1, 1], [1, 1], [1, -1])
    {'A': 0.0, 'B': 0.0, 'L2': 2.0, 'S': 4.0}
    """
    lam = np.asarray(lam, float)
    c = np.asarray(c, float)
    chat = np.asarray(chat, float)
    k = len(lam)
    return {
        "A": float(k * (lam @ c) * (lam @ chat)),
        "B": float(k * np.sum(lam**2 * c * chat)),
        "L2": float(lam @ lam),
        "S": float(lam.sum() ** 2),
    }


def h_orthonormal(m, A: float, B: float, L2: float, S: float, xi: float, k: int, mu) -> float:
    """h(m) for orthonormal features through the four scalars (Prop. 4 with the §3.2.1 table):
    ``2 Σ_l (ξ²/k)^{l+1} m^l Σ_s C(l+s,l)(l+s+1) μ_{l+s+1}² (k/(k+ξ²))^{l+s+1} T(l,s)`` with
    T(l,0) = A or S and T(l, s≥1) = B or L2 for l even or odd. ``mu`` is the coefficient array
    μ_0..μ_n (the sum is truncated there).

    >>> from theory.hermite import mu_array
    >>> c = np.array([1, 1]) / np.sqrt(2)  # the module example: h(1/2) = 52/3
    >>> sc = orthonormal_scalars([1, 1], c, c)
    >>> round(float(h_orthonormal(0.5, **sc, xi=1.0, k=2, mu=mu_array("He3", 3))), 10)
    17.3333333333
    """
    mu = np.asarray(mu, float)
    q = k / (k + xi**2)
    total = 0.0
    for p in range(1, len(mu)):
        for l in range(p):
            s = p - 1 - l
            T = (A if s == 0 else B) if l % 2 == 0 else (S if s == 0 else L2)
            total += (2 * (xi**2 / k) ** (l + 1) * math.comb(l + s, l) * p * mu[p] ** 2
                      * q**p * T * m**l)
    return total


def h0_is_zero(gram, lam, c, chat, xi: float, act, convention: str = "normalised") -> bool:
    """True when h(0) = 0 exactly, proved in exact rational arithmetic on the float inputs.

    At m = 0 every term of h is ``λ_iλ_jc_iĉ_j · F(G_ij, G_ii + ξ²c_i², G_jj + ξ²ĉ_j²)`` with F
    the same function for both conventions' (normalised: ``2ξ²K'(g/√(n n'))/√(n n')``; raw:
    ``2ξ²E[σ'(a)σ'(b)]`` at variances n, n' and covariance g). Grouping the pairs by that
    exact key, h(0) = Σ_key F(key)·W_key with ``W_key = Σ λ_iλ_jc_iĉ_j`` exactly (fractions);
    if every W_key is 0 — or F(key) is exactly 0, as K'(0) = μ_1² is when μ_1 = 0 exactly —
    then h(0) = 0. False means "not proved zero", not "nonzero".

    >>> c = np.array([0.5, 0.5, 0.5, 0.5]); ch = np.array([0.5, 0.5, -0.5, -0.5])
    >>> h0_is_zero(np.eye(4), np.ones(4), c, ch, 1.0, "relu")      # Σ c_iĉ_i = 0, Σc·Σĉ = 0
    True
    >>> h0_is_zero(np.eye(4), np.ones(4), c, -c, 1.0, "relu")
    False
    """
    from fractions import Fraction

    act = get(act)
    G, lam, c, chat = _arrays(gram, lam, c, chat)
    F = Fraction
    x2 = F(float(xi)) ** 2
    k = len(lam)
    groups: dict[tuple, Fraction] = {}
    for i in range(k):
        for j in range(k):
            w = F(float(lam[i])) * F(float(lam[j])) * F(float(c[i])) * F(float(chat[j]))
            if w == 0:
                continue
            key = (F(float(G[i, j])), F(float(G[i, i])) + x2 * F(float(c[i])) ** 2,
                   F(float(G[j, j])) + x2 * F(float(chat[j])) ** 2)
            groups[key] = groups.get(key, F(0)) + w
    mu1_zero = hermite.mu(act, 1).is_zero
    for (g, _, _), w in groups.items():
        if w == 0:
            continue
        if g == 0 and mu1_zero and convention == "normalised":
            continue  # K'(0) = μ_1(σ)² = 0 exactly
        return False
    return True


def condition3(h: Callable, n_grid: int = 2001) -> dict:
    """Condition 3 (App. C.1) / the theorems' sign condition on a grid of m ∈ [−1, 1]:
    ``sign(h(0))`` and whether ``h(m) sign(h(0)) ≥ |h(0)|/2`` for all m with ``m h(0) ≥ 0``.

    >>> condition3(lambda m: 1 + m**2)["holds"]
    True
    """
    m = np.linspace(-1, 1, n_grid)
    hv = np.asarray(h(m), float)
    h0 = float(np.asarray(h(np.array([0.0])), float)[0])
    sgn = float(np.sign(h0))
    side = m * h0 >= 0
    worst = float(np.min(hv[side] * sgn)) if h0 != 0 else float("nan")
    return {
        "h0": h0,
        "sign_h0": sgn,
        "min_signed_h_on_side": worst,
        "holds": bool(h0 != 0 and worst >= abs(h0) / 2),
        "grid": n_grid,
    }
