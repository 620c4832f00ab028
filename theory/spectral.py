r"""The one-step full gradient at the base model (LoRA-One's spectral start), Dayi–Chen setting.

LoRA-One (Zhang, Liu & Chen, arXiv 2502.01235) initialises the adapters from the best low-rank
approximation of one full fine-tuning gradient step at the pre-trained weights. Here that step is
taken in the teacher–student model of model.md, and its part off ``span(W)`` is computed exactly.

Setting (model.md, *normalised rows*, the project's default). Input ``x ~ N(0, I_d)``; base rows
``w_i`` with Gram matrix ``G = WWᵀ`` and norms ``g_i = √G_ii``; teacher rows
``v_j = (w_j + ξ c_j u)/N_j``, ``N_j = √(G_jj + ξ² c_j²)``, ``u`` a unit vector ⊥ span(W)
(Assumption 2); the model being fine-tuned is the base network with its rows normalised,
``f_W(x) = Σ_i λ_i σ(<w_i, x>/‖w_i‖)``, and the loss is model.md's, **without ½**:
``L(W) = E[(f*(x) − f_W(x))²]``. The one-step full gradient is ``G = −∇_W L`` at the base W.

**Derivation** (ours; done on paper and checked exactly and by Monte Carlo in the tests).
Row i of ``−∇_W L`` is ``2 λ_i E[(f* − f₀)(x) σ'(<w̄_i, x>) (x − <w̄_i, x> w̄_i)] / g_i`` with
``w̄_i = w_i/g_i``; the second term lies in span(W), so ``Π⊥ = I − Wᵀ(WWᵀ)⁻¹W`` removes it. Write
``Π⊥x = z u + ζ`` with ``z = <u, x>`` and ``ζ`` the part in ``span(W, u)^⊥``: ζ is a centred
Gaussian independent of ``(Wx, z)``, on which everything else depends, so its contribution has
mean 0 and ``G Π⊥ = a uᵀ`` **exactly** (rank one, right factor u). Stein's lemma in z, where only
the teacher depends on z (``∂_z σ(<v_j, x>) = σ'(<v_j, x>) ξ c_j/N_j``), gives

    a_i = (2 ξ λ_i / g_i) Σ_j λ_j (c_j/N_j) K'(G_ij/(g_i N_j)),      K'(ρ) = E[σ'(A)σ'(B)],

A, B standard Gaussians with correlation ρ (the correlation of ``<w̄_i, x>`` and ``<v_j, x>``
is ``G_ij/(g_i N_j)``). With unit rows (Assumption 1) this is the issue's
``a_i = 2 ξ λ_i Σ_j λ_j (c_j/ρ_j) K'(<w_i, w_j>/ρ_j)``, ``ρ_j = N_j = √(1 + ξ² c_j²)``.
A loss with ½ drops the leading 2 (``half=True``). It needs σ weakly differentiable with σ' of
polynomial growth (Stein's lemma): activations with a jump (step, sign) are refused.

*Raw rows* (Eq. 2–3): no normalisation anywhere; the same steps give
``a_i = 2 ξ λ_i Σ_j λ_j c_j E[σ'(t_j) σ'(y_i)]`` with ``Var t_j = N_j²``, ``Var y_i = G_ii``,
``Cov = G_ij`` (:func:`theory.kernels.Kprime_cov`).

**Orthonormal rows** (Assumption 4, ``G = I``): ``K'(0) = μ₁²`` off the diagonal, so

    a_i = 2 ξ λ_i [ μ₁² S + (K'(1/N_i) − μ₁²) λ_i c_i / N_i ],     S = Σ_j λ_j c_j / N_j

(:func:`orthonormal_a`). Since ``K'(ρ) − μ₁² = Σ_{p≥2} p μ_p² ρ^{p−1} > 0`` for ρ > 0 unless σ
is affine, a vanishes for orthonormal rows only if σ is affine and S = 0 (or λ ⊙ c = 0): μ₁ = 0
(He3, |x|) or S = 0 do not kill it, unlike the first-moment estimator
``E[x (f* − f₀)] ∝ μ₁ S u`` of Dayi–Chen's Remark 14.

**Degenerate cases and h(0).** Expanding ``K'(ρ) = Σ_q (q+1) μ_{q+1}² ρ^q`` and writing
``b_j = λ_j c_j/N_j``, unit rows and equal ``N_j`` (c quantised) give
``a = 2ξ λ ⊙ M b`` with ``M = Σ_q (q+1) μ_{q+1}² N^{−q} G^{∘q}`` positive semi-definite
(Schur powers of a Gram matrix). Hence, if every λ_i ≠ 0,

    a = 0  ⇔  bᵀ G^{∘q} b = ‖Σ_j λ_j c_j w_j^{⊗q}‖² = 0 for every q ≥ 0 with μ_{q+1} ≠ 0

(:func:`tensor_moments`). Duplicated neurons (``w_1 = w_2``) whose ``λ c`` cancel satisfy this for
every σ; distinct rows do not for a σ with infinitely many μ_p ≠ 0. The same expansion of Prop. 4's
h at m = 0 gives the identity

    h(0) = ξ Σ_i ĉ_i a_i[N̂],

where ``a[N̂]`` is a computed for a base model whose rows have the student's norms
``N̂_i = √(G_ii + ξ² ĉ_i²)`` instead of ``g_i`` (:func:`h0_from_onestep`): h(0) is the
one-step coefficient seen through the student's row scales. With quantised ĉ (equal N̂_i) the
same PSD argument shows ``a = 0 ⇔ h(0) = 0 for every ĉ ∈ {±1/√k}^k``: the spectral start fails
exactly when h(0) vanishes for every frozen ĉ, not when it vanishes for one ĉ.

**Finite samples: the first-order alignment law** (:func:`cos2_first_order`, :func:`n_half`).
With N samples, ``G_N Π⊥ = a_N uᵀ + E`` where, given the per-sample vectors
``q_n = (f* − f₀)(x_n) s_n``, ``s_{n,i} = 2 λ_i σ'(<w̄_i, x_n>)/g_i``, the noise E (k × D,
``D = d − rank W − 1``) has i.i.d. columns ``N(0, Σ_n q_n q_nᵀ/N²)``. To first order in
``1/N`` the top right singular vector v has ``<v, u>² = 1/(1 + N½/N)`` with
``N½ = D âᵀQâ/‖a‖²`` (plain, ``Q = E[q qᵀ]``, ``â = a/‖a‖``) and ``N½ = D/(aᵀQ⁻¹a)``
(left-whitened by ``Q̂^{−1/2}``, where the whitened noise is exactly isotropic); Cauchy–Schwarz
makes the whitened N½ the smaller. It neglects the tilt of the left singular vector towards Q's
top eigenvector (order ``(N½/N)²`` times the anisotropy of Q seen from â; absent when whitened),
the fluctuation of ``a_N`` (relative order ``√(k/N)``) and that of ``EEᵀ`` about its mean
(relative order ``√(k/D)``): it should hold for ``N ≳ N½`` and ``D ≫ k``.

>>> import numpy as np
>>> a = onestep_a(np.eye(2), [1.0, 1.0], np.array([1.0, -1.0]) / np.sqrt(2), 1.0, "relu")
>>> a.route, bool(np.allclose(a.value, orthonormal_a([1.0, 1.0], a.c, 1.0, "relu")))
('closed', True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from theory import kernels
from theory.activations import Activation, get
from theory.population import _exact_inputs

__all__ = [
    "OneStep",
    "onestep_a",
    "onestep_exact",
    "orthonormal_a",
    "h0_from_onestep",
    "tensor_moments",
    "n_half",
    "cos2_first_order",
    "cos2_matrix_law",
]

CONVENTIONS = ("normalised", "raw")


@dataclass(frozen=True)
class OneStep:
    """The coefficient vector a of ``G Π⊥ = a uᵀ`` with an absolute error bound per entry.

    ``route`` is the kernel's (``closed``: K' in closed form, rounding only; ``series``: the
    Hermite series with its Parseval tail bound, see :func:`theory.kernels.Kprime`;
    ``quadrature``: general-variance Gauss–Hermite with an error *estimate*). ``c`` echoes the
    teacher's c (for callers comparing a with c), ``factor`` is 2 (loss without ½) or 1.
    """

    value: np.ndarray
    error: np.ndarray
    route: str
    convention: str
    factor: int
    c: np.ndarray


def _check(convention: str, act: Activation) -> None:
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {CONVENTIONS}, not {convention!r}")
    act.require_gradient()


def _arrays(gram, lam, c):
    G = np.asarray(gram, dtype=float)
    lam = np.asarray(lam, dtype=float).ravel()
    c = np.asarray(c, dtype=float).ravel()
    k = lam.size
    if G.shape != (k, k) or c.shape != (k,):
        raise ValueError(f"shapes: gram {G.shape}, lam {lam.shape}, c {c.shape}")
    if np.any(np.diag(G) <= 0):
        raise ValueError("every base row needs a positive norm")
    return G, lam, c


def _core(G, lam, c, xi, act, base_norm, n_terms):
    """``a_i = (ξ λ_i/g_i) Σ_j λ_j (c_j/N_j) K'(G_ij/(g_i N_j))`` (no factor 2) with g the
    given base norms, and its error bound: normalised rows."""
    N = np.sqrt(np.diag(G) + xi**2 * c**2)
    R = G / np.outer(base_norm, N)
    # |G_ij| ≤ g_i g_j ≤ g_i N_j (Cauchy–Schwarz): rounding may overshoot 1 by an ulp
    R = np.clip(R, -1.0, 1.0)
    kv = kernels.Kprime(act, R, n_terms=n_terms)
    b = lam * c / N
    pre = xi * lam / base_norm
    val = pre * (np.asarray(kv.value) @ b)
    err = np.abs(pre) * (np.asarray(kv.error) @ np.abs(b))
    err = err + 4 * np.finfo(float).eps * np.abs(pre) * (np.abs(kv.value) @ np.abs(b))
    return val, err, kv.method


def onestep_a(gram, lam, c, xi: float, act, convention: str = "normalised", half: bool = False,
              n_terms: int = 60) -> OneStep:
    """The population one-step coefficient a of ``G Π⊥_W = a uᵀ`` (module docstring), floats.

    Normalised rows (default): ``a_i = 2ξλ_i/g_i Σ_j λ_j (c_j/N_j) K'(G_ij/(g_i N_j))`` through
    :func:`theory.kernels.Kprime` (closed form, or the Hermite series with ``n_terms`` terms and
    a rigorous tail bound for |ρ| < 1; at |ρ| = 1 the series bound is only as good as the
    decay of μ_p). Raw rows: ``2ξλ_i Σ_j λ_j c_j E[σ'(t_j)σ'(y_i)]`` at the rows' variances
    (:func:`theory.kernels.Kprime_cov`, closed form or an estimated quadrature error).
    ``half=True``: the loss with ½ (no factor 2). Inputs: Gram matrix ``WWᵀ`` (k × k), λ, c
    (k), ξ > 0. Needs u ⊥ span(W) (Assumption 2), which is why W enters through its Gram
    matrix only.

    >>> v = onestep_a(np.eye(1), [1.0], [1.0], 1.0, "He2")   # K'(ρ) = 4ρ, N = √2: 2·(1/√2)·4/√2
    >>> float(v.value[0]), v.factor
    (4.0, 2)
    """
    act = get(act)
    _check(convention, act)
    G, lam, c = _arrays(gram, lam, c)
    xi = float(xi)
    factor = 1 if half else 2
    g = np.sqrt(np.diag(G))
    if convention == "normalised":
        val, err, route = _core(G, lam, c, xi, act, g, n_terms)
    else:
        N = np.sqrt(np.diag(G) + xi**2 * c**2)
        k = lam.size
        E = np.empty((k, k))
        Eerr = np.empty((k, k))
        routes = set()
        for i in range(k):
            for j in range(k):
                kv = kernels.Kprime_cov(act, float(N[j]), float(g[i]), float(G[i, j]))
                E[i, j], Eerr[i, j] = kv.value, kv.error
                routes.add(kv.method)
        b = lam * c
        val = xi * lam * (E @ b)
        err = np.abs(xi * lam) * (Eerr @ np.abs(b)) \
            + 4 * np.finfo(float).eps * np.abs(xi * lam) * (np.abs(E) @ np.abs(b))
        route = "quadrature" if "quadrature" in routes else sorted(routes)[0]
    return OneStep(factor * val, factor * err, route, convention, factor, c.copy())


def onestep_exact(act, gram, lam, c, xi, half: bool = False) -> list[sp.Expr]:
    """a exactly (sympy), normalised rows, for σ with a closed-form K' (polynomials, the relu
    family, erf): inputs made exact with ``nsimplify`` (pass sympy numbers to be sure); ξ may
    be a symbol.

    >>> onestep_exact("He2", np.eye(1), [1], [1], 1)
    [4]
    >>> xi = sp.Symbol("xi", positive=True)
    >>> onestep_exact("x", np.eye(2), [1, 1], [1, -1], xi)   # affine σ, Σ λc/N = 0: a = 0
    [0, 0]
    """
    act = get(act)
    act.require_gradient()
    Kp = kernels.closed_Kprime(act)
    if Kp is None:
        raise ValueError(f"no closed form of K' for '{act.name}'")
    G, lam, c, _, xi = _exact_inputs(gram, lam, c, c, xi)
    k = len(lam)
    factor = 1 if half else 2
    out = []
    for i in range(k):
        gi = sp.sqrt(G[i, i])
        tot = sp.Integer(0)
        for j in range(k):
            Nj = sp.sqrt(G[j, j] + xi**2 * c[j] ** 2)
            tot += lam[j] * c[j] / Nj * Kp.subs(kernels.RHO, G[i, j] / (gi * Nj))
        out.append(sp.simplify(factor * xi * lam[i] / gi * tot))
    return out


def orthonormal_a(lam, c, xi, act, half: bool = False, n_terms: int = 60) -> np.ndarray:
    """The closed form for orthonormal rows (Assumption 4, G = I), normalised rows:
    ``a_i = 2ξλ_i [μ₁² S + (K'(1/N_i) − μ₁²) λ_i c_i/N_i]``, ``S = Σ_j λ_j c_j/N_j``,
    ``μ₁² = K'(0)``, ``N_i = √(1 + ξ²c_i²)``. Floats (K' by :func:`theory.kernels.Kprime`, its
    series cut at ``n_terms`` when there is no closed form).

    >>> orthonormal_a([1.0], [0.0], 2.0, "relu").tolist()
    [0.0]
    """
    act = get(act)
    act.require_gradient()
    lam = np.asarray(lam, float)
    c = np.asarray(c, float)
    xi = float(xi)
    N = np.sqrt(1.0 + xi**2 * c**2)
    mu1sq = float(kernels.Kprime(act, 0.0, n_terms=n_terms).value)
    kd = np.asarray(kernels.Kprime(act, 1.0 / N, n_terms=n_terms).value, float)
    S = float(np.sum(lam * c / N))
    return (1 if half else 2) * xi * lam * (mu1sq * S + (kd - mu1sq) * lam * c / N)


def h0_from_onestep(gram, lam, c, chat, xi: float, act, n_terms: int = 60) -> float:
    """h(0) of Prop. 4 through the one-step coefficient: ``h(0) = ξ Σ_i ĉ_i a_i[N̂]`` where
    ``a[N̂]`` is :func:`onestep_a`'s a (factor 2) for base rows of norms
    ``N̂_i = √(G_ii + ξ²ĉ_i²)`` (normalised rows; module docstring). Equals
    :func:`theory.population.hfun` at m = 0 (tested).

    >>> from theory.population import hfun
    >>> G, lam = np.eye(2), [1.0, 0.7]
    >>> c, ch = np.array([1, -1]) / np.sqrt(2), np.array([1, 1]) / np.sqrt(2)
    >>> h0 = float(hfun(G, lam, c, ch, 1.5, "erf")(np.array([0.0]))[0])
    >>> bool(abs(h0_from_onestep(G, lam, c, ch, 1.5, "erf") - h0) < 1e-12)
    True
    """
    act = get(act)
    act.require_gradient()
    G, lam, c = _arrays(gram, lam, c)
    chat = np.asarray(chat, float).ravel()
    Nh = np.sqrt(np.diag(G) + xi**2 * chat**2)
    val, _, _ = _core(G, lam, c, float(xi), act, Nh, n_terms)
    return float(xi * (chat @ (2 * val)))


def tensor_moments(gram, lam, c, xi, act, q_max: int = 8) -> dict[int, float]:
    """``‖Σ_j b_j w_j^{⊗q}‖² = bᵀ G^{∘q} b`` with ``b_j = λ_j c_j/N_j`` for the q ≤ ``q_max``
    with ``μ_{q+1}(σ) ≠ 0`` (floats; module docstring: with unit rows and equal N_j, a = 0 iff
    all of these vanish). Duplicated rows whose λc cancel make every one zero:

    >>> G = np.ones((2, 2))                       # w_1 = w_2
    >>> tm = tensor_moments(G, [1.0, 1.0], [0.5, -0.5], 1.0, "relu", q_max=3)
    >>> sorted(tm), max(tm.values()) < 1e-30    # relu: μ_3 = 0, so q = 2 is absent
    ([0, 1, 3], True)
    """
    from theory.hermite import mu_array

    act = get(act)
    G, lam, c = _arrays(gram, lam, c)
    N = np.sqrt(np.diag(G) + float(xi) ** 2 * c**2)
    b = lam * c / N
    mu = mu_array(act, q_max + 1)
    return {q: float(b @ (G**q) @ b) for q in range(q_max + 1) if abs(mu[q + 1]) > 1e-14}


def n_half(a, Q, D: int, whiten: bool = False) -> float:
    """N½ of the first-order alignment law (module docstring): ``D âᵀQâ/‖a‖²`` (plain) or
    ``D/(aᵀQ⁻¹a)`` (left-whitened), ``Q = E[q qᵀ]`` the per-sample covariance of the gradient's
    rows and ``D = d − rank W − 1`` the noise dimension.

    >>> Q = np.diag([1.0, 9.0])
    >>> n_half([2.0, 0.0], Q, 100), n_half([2.0, 0.0], Q, 100, whiten=True)
    (25.0, 25.0)
    """
    a = np.asarray(a, float)
    Q = np.asarray(Q, float)
    if whiten:
        return float(D / (a @ np.linalg.solve(Q, a)))
    return float(D * (a @ Q @ a) / (a @ a) ** 2)


def cos2_first_order(n, nhalf: float):
    """``<v, u>² ≈ 1/(1 + N½/N)``: the predicted squared alignment of the top right singular
    vector with N samples (first order in 1/N; module docstring for where it should hold).

    >>> cos2_first_order(300, 100.0)
    0.75
    """
    n = np.asarray(n, float)
    out = 1.0 / (1.0 + nhalf / n)
    return float(out) if out.ndim == 0 else out


def cos2_matrix_law(a, Q, D: int, n) -> float:
    """The plain estimator's ``<v, u>²`` with the left vector *not* frozen at â: replace the
    noise ``EEᵀ`` by its mean ``(D/N) Q``, take the top eigenpair (σ², ℓ) of
    ``aaᵀ + (D/N) Q`` and return ``(aᵀℓ)²/σ²``. It reduces to :func:`cos2_first_order` when ℓ = â
    (Q with â as an eigenvector) and shows the plain estimator locking onto Q's top eigenvector
    while ``(D/N) λ_max(Q)`` is comparable to ‖a‖² (a deterministic equivalent, not a theorem;
    compared with draws in LO-N).

    >>> round(cos2_matrix_law([1.0, 0.0], np.eye(2), 100, 300), 12)   # isotropic: 1/(1 + 1/3)
    0.75
    """
    a = np.asarray(a, float)
    M = np.outer(a, a) + (D / float(n)) * np.asarray(Q, float)
    w, V = np.linalg.eigh(M)
    ell = V[:, -1]
    return float((a @ ell) ** 2 / w[-1])
