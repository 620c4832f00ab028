"""Definition 35, Eq. (17) and Theorem 36 (App. F.2, p.56–57: learning the teacher model once
u is learned), in normalised rows ``v_i = (w_i + ξc_iu)/√(1+ξ²/k)``.

The printed statement is a frozen dataclass transcribed **as printed** (``PRINTED_T36``): the
threshold, the proof's identity for ``‖v_i − ṽ_i‖``, and the population least-squares loss over
the 2k-feature family of Eq. (17) (mpmath, through the dual kernel ``K``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import mpmath
import sympy as sp

from theory import kernels
from theory.activations import Activation, get

__all__ = [
    "Thm36Printed",
    "PRINTED_T36",
    "t36_threshold",
    "t36_specialisations",
    "t36_identity",
    "t36_inner_products",
    "t36_losses",
    "sharp_c_sigma",
]
# --------------------------------------------------------------------------------------------
# Definition 35, Eq. (17), Theorem 36 (App. F.2, p.56–57): normalised rows
# --------------------------------------------------------------------------------------------

EPS, KS, XI, CS, LMAX, XIBAR = sp.symbols("epsilon k xi C_sigma lambda_max xibar", positive=True)


@dataclass(frozen=True)
class Thm36Printed:
    """Thm. 36 as printed: the threshold ``1 − |<u,û>| ≤ threshold`` (sympy in ``EPS, KS, XI,
    CS, LMAX``), the stated orders ``Θ(ε/k^a)`` for ξ = Θ(1) and ξ = Θ(√k) (``a`` = 1, 2), and
    the proof's ``‖v_i − ṽ_i‖`` (in ``XI, KS`` and the symbol ``D = ‖u − û‖``)."""

    threshold: sp.Expr = EPS * (KS + XI**2) / (2 * CS * LMAX**2 * XI**2 * KS**2)
    order_xi_const: int = 1
    order_xi_sqrtk: int = 2
    identity_rhs: sp.Expr = (XI / sp.sqrt(KS)) * sp.Symbol("D", positive=True) / sp.sqrt(
        1 + XI**2 / KS)
    # the proof's final bound on k Σ λ_i² E(σ(<v_i,x>) − σ(<ṽ_i,x>))², in (1 − <u,û>) =: OM
    proof_bound: sp.Expr = CS * LMAX**2 * KS * 2 * XI**2 * sp.Symbol("OM", positive=True) / (
        1 + XI**2 / KS)


PRINTED_T36 = Thm36Printed()


def t36_threshold(printed: Thm36Printed, eps: float, k: int, xi: float, c_sigma: float,
                  lmax: float) -> float:
    """The printed threshold on ``1 − |<u, û>|`` as a float.

    >>> t36_threshold(PRINTED_T36, 0.1, 2, 1.0, 1.0, 1.0)  # 0.1·3/(2·4)
    0.0375
    """
    return float(printed.threshold.subs({EPS: eps, KS: k, XI: xi, CS: c_sigma, LMAX: lmax}))


def t36_specialisations(printed: Thm36Printed) -> dict:
    """The printed orders: ``lim_{k→∞} threshold/(ε/k^a)`` for ξ fixed (a = ``order_xi_const``)
    and for ξ = ξ̄√k (a = ``order_xi_sqrtk``); a finite non-zero limit confirms ``Θ(ε/k^a)``.

    >>> t36_specialisations(PRINTED_T36)["xi_const"]["limit"]
    1/(2*C_sigma*lambda_max**2*xi**2)
    """
    out = {}
    for name, sub, a in (("xi_const", {}, printed.order_xi_const),
                         ("xi_sqrtk", {XI: XIBAR * sp.sqrt(KS)}, printed.order_xi_sqrtk)):
        r = sp.simplify(printed.threshold.subs(sub) / (EPS / KS**a))
        lim = sp.limit(r, KS, sp.oo)
        out[name] = {"ratio": r, "limit": sp.simplify(lim),
                     "theta": bool(lim.is_finite and lim.is_positive)}
    return out


def t36_identity(printed: Thm36Printed, dim: int = 4) -> dict:
    """The proof's ``‖v_i − ṽ_i‖ = (ξ/√k)‖u − û‖/√(1 + ξ²/k)`` with
    ``v_i = (w_i + ξc_iu)/√(1+ξ²/k)``, ``ṽ_i = (w_i + ξc_iû)/√(1+ξ²/k)``, ``c_i = ±1/√k``,
    for symbolic vectors in ``R^dim``
    (exact: the squared difference of both sides simplifies to 0), and
    ``‖u − û‖² = 2(1 − <u,û>)`` for unit ``u, û``.

    >>> t36_identity(PRINTED_T36, 3)["holds"]
    True
    """
    w = sp.Matrix(sp.symbols(f"w0:{dim}", real=True))
    u = sp.Matrix(sp.symbols(f"u0:{dim}", real=True))
    uh = sp.Matrix(sp.symbols(f"uh0:{dim}", real=True))
    n = sp.sqrt(1 + XI**2 / KS)
    res = {}
    for sgn in (1, -1):
        ci = sgn / sp.sqrt(KS)
        diff = (w + XI * ci * u) / n - (w + XI * ci * uh) / n
        lhs2 = sp.expand((diff.T * diff)[0])
        dsq = sp.expand(((u - uh).T * (u - uh))[0])
        rhs2 = sp.expand(printed.identity_rhs.subs(sp.Symbol("D", positive=True),
                                                   sp.sqrt(dsq)) ** 2)
        res[sgn] = sp.simplify(lhs2 - rhs2) == 0
    # ‖u − û‖² = 2(1 − <u,û>) on the unit sphere
    unit = sp.expand(((u - uh).T * (u - uh))[0] - 2 * (1 - (u.T * uh)[0]))
    on_sphere = sp.expand(unit - ((u.T * u)[0] - 1) - ((uh.T * uh)[0] - 1)) == 0
    return {"c_i = +1/√k": res[1], "c_i = −1/√k": res[-1], "unit-sphere identity": on_sphere,
            "holds": res[1] and res[-1] and on_sphere}


def t36_inner_products(G: Sequence[Sequence], s: Sequence[int], m, xi, prec=mpmath.mpf) -> dict:
    """Inner products of the unit vectors of F.2 (normalised rows, unit rows ``w_i`` with Gram
    ``G``, ``c_i = s_i/√k``, ``u, û ⊥ span(W)``, ``<u, û> = m``):

    * teacher ``v_i = (w_i + ξc_iu)/√(1+ξ²/k)``: ``<v_i,v_j> = (G_ij + ξ²c_ic_j)/(1+ξ²/k)``;
    * family (Eq. 17) ``z_{i,±} = (w_i ± (ξ/√k)û)/√(1+ξ²/k)``:
      ``<z_{i,a}, z_{j,b}> = (G_ij + ab ξ²/k)/(1+ξ²/k)``,
      ``<v_i, z_{j,b}> = (G_ij + b ξ²c_i m/√k)/(1+ξ²/k)``.

    Features are ordered ``(z_{1,+}, z_{1,−}, …, z_{k,+}, z_{k,−})``. mpmath numbers.

    >>> ip = t36_inner_products([[1]], [1], mpmath.mpf(1), 1)
    >>> float(ip["vz"][0][0])  # m = 1: the + feature is the teacher row
    1.0
    """
    k = len(s)
    xi, m = prec(xi), prec(m)
    n2 = 1 + xi**2 / k
    rk = mpmath.sqrt(k)
    vv = [[(prec(G[i][j]) + xi**2 * s[i] * s[j] / k) / n2 for j in range(k)] for i in range(k)]
    signs = (1, -1)
    zz = [[(prec(G[i][j]) + a * b * xi**2 / k) / n2 for j in range(k) for b in signs]
          for i in range(k) for a in signs]
    vz = [[(prec(G[i][j]) + b * xi**2 * (s[i] / rk) * m / rk) / n2 for j in range(k)
           for b in signs] for i in range(k)]
    return {"vv": vv, "zz": zz, "vz": vz}


def _kernel_mp(act: Activation):
    e = kernels.closed_K(act)
    if e is None:
        raise ValueError(f"no closed-form dual kernel K for '{act.name}'")
    f = sp.lambdify(kernels.RHO, e, modules="mpmath")

    def K(r):
        r = mpmath.mpf(r)
        return f(max(min(r, mpmath.mpf(1)), mpmath.mpf(-1)))  # |ρ| ≤ 1 up to rounding
    return K


def t36_losses(act: str | Activation, G, lam, s, m, xi, dps: int = 40) -> dict:
    """Population losses over the family of Eq. (17) at overlap ``m = <u, û>`` (normalised rows,
    loss ``E(f* − h)²`` without ½), at ``dps`` digits:

    * ``best``: the population least squares over all ``λ ∈ R^{k×2}``:
      ``‖f*‖² − bᵀM⁺b`` with ``M_ab = K(<z_a,z_b>)``, ``b_a = Σ_i λ_i K(<v_i, z_a>)``,
      ``‖f*‖² = Σ λ_iλ_j K(<v_i,v_j>)`` (``M⁺``: pseudo-inverse from ``mpmath.eigsy``, eigenvalues
      below ``10^{−dps/2}·max`` dropped; the high precision absorbs the cancellation in the
      subtraction, which float64 cannot for small losses);
    * ``candidate``: the proof's model ``Σ λ_i σ(<ṽ_i, x>)``, ``ṽ_i = z_{i, sign(c_i m)}``
      (the proof flips the c_i when ``<u,û> < 0``).

    ``K`` is :func:`theory.kernels.closed_K` (closed forms: relu family, erf, polynomials).

    >>> r = t36_losses("relu", [[1]], [1], [1], 1, 1)
    >>> float(r["best"]) < 1e-30, float(r["candidate"]) < 1e-30
    (True, True)
    """
    act = get(act)
    K = _kernel_mp(act)
    k = len(s)
    with mpmath.workdps(dps):
        ip = t36_inner_products(G, s, m, xi)
        lam_ = [mpmath.mpf(v) for v in lam]
        ff = mpmath.fsum(lam_[i] * lam_[j] * K(ip["vv"][i][j]) for i in range(k)
                         for j in range(k))
        n = 2 * k
        Mm = mpmath.matrix(n, n)
        for a in range(n):
            for b in range(n):
                Mm[a, b] = K(ip["zz"][a][b])
        b = mpmath.matrix(n, 1)
        for a in range(n):
            b[a] = mpmath.fsum(lam_[i] * K(ip["vz"][i][a]) for i in range(k))
        E, Q = mpmath.eigsy(Mm)
        cut = max(abs(e) for e in E) * mpmath.mpf(10) ** (-dps // 2)
        proj = mpmath.mpf(0)
        for t in range(n):
            if E[t] > cut:
                qb = mpmath.fsum(Q[a, t] * b[a] for a in range(n))
                proj += qb**2 / E[t]
        best = ff - proj
        # the proof's candidate: feature sign b_i = sign(c_i m) (m = 0: sign(c_i))
        sm = 1 if m >= 0 else -1
        idx = [2 * i + (0 if s[i] * sm > 0 else 1) for i in range(k)]
        cand = ff + mpmath.fsum(
            lam_[i] * lam_[j] * (K(ip["zz"][idx[i]][idx[j]]) - 2 * K(ip["vz"][i][idx[j]]))
            for i in range(k) for j in range(k))
    return {"best": best, "candidate": cand, "norm_f2": ff, "dropped_eigs": sum(
        1 for e in E if e <= cut)}


def sharp_c_sigma(act: str | Activation) -> sp.Expr:
    """``C_σ = K'(1) = E[σ'(g)²] = Σ_p p μ_p²``: the least constant with
    ``E(σ(<v,x>) − σ(<ṽ,x>))² ≤ C_σ‖v − ṽ‖²`` for **unit** ``v, ṽ`` (the case of Thm. 36's proof
    under Assumption 2): the left side is ``2(K(1) − K(ρ)) = 2Σ μ_p²(1 − ρ^p) ≤ 2K'(1)(1 − ρ)``
    since ``1 − ρ^p ≤ p(1 − ρ)`` on [−1, 1], with equality as ρ → 1; ``‖v − ṽ‖² = 2(1 − ρ)``.
    (``Lip(σ)²`` is the generic choice; ReLU: 1 vs ``K'(1) = 1/2``.)

    >>> sharp_c_sigma("relu"), sharp_c_sigma("He3")
    (1/2, 18)
    """
    e = kernels.closed_Kprime(get(act))
    if e is None:
        raise ValueError("no closed-form K'")
    return sp.nsimplify(sp.simplify(e.subs(kernels.RHO, 1)))
