"""Exact helpers for three stand-alone statements of Dayi & Chen (COLT 2025): Remark 14
(App. A.2.2, p.20), Proposition 18 (App. C.3, p.30–31) and Definition 35 / Theorem 36
(App. F.2, p.56–57).

Each printed statement is a frozen dataclass transcribed **as printed** (``PRINTED_R14``,
``PRINTED_P18``, ``PRINTED_T36``); the functions take such an object, so a check can be run on a
deliberately altered copy.

* Remark 14 (raw rows, no ξ: teacher rows ``w_i + c_i u``). The first moment
  ``E_x[x σ(<v, x>)]`` is computed in two independent exact ways: directly,
  ``E[x σ(<v,x>)] = v E[g σ(N g)]/N`` (``N = ‖v‖``: the part of ``x`` orthogonal to ``v`` is
  independent of ``<v, x>``), and by Stein's lemma, ``E[g σ(N g)] = N E[σ'(N g)]``; both as sympy
  integrals in a positive symbol ``N``.
* Proposition 18 (the Claim 2 construction, ξ = 1, σ = h_p): the proof's first display
  ``h(m) = 2p(k/(k+1))^p Σ_ij λ_iλ_j c_iĉ_j(<w_i,w_j> + c_iĉ_j m)^{p−1}``, exactly.
* Theorem 36 (normalised rows, ``v_i = (w_i + ξc_iu)/√(1+ξ²/k)``): the printed threshold, the
  proof's identity for ``‖v_i − ṽ_i‖`` and the population least-squares loss over the 2k-feature
  family of Eq. (17) (mpmath, through the dual kernel ``K``).

>>> remark14_moment("relu", [1, 2], [sp.Rational(1, 2), -1])  # −(1/2)(Σλ_ic_i), w-terms 0
(3/4, [0, 0])
>>> stein_coefficient("relu")
1/2
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import mpmath
import sympy as sp

from theory import constructions as tc
from theory import hermite, kernels
from theory.activations import Activation, X, get

__all__ = [
    "NORM",
    "G_",
    "Remark14",
    "PRINTED_R14",
    "first_moment_direct",
    "stein_coefficient",
    "remark14_moment",
    "remark14_printed_rhs",
    "Prop18Printed",
    "PRINTED_P18",
    "claim2_h_display",
    "claim2_integer_poly",
    "Thm36Printed",
    "PRINTED_T36",
    "t36_threshold",
    "t36_specialisations",
    "t36_identity",
    "t36_inner_products",
    "t36_losses",
    "sharp_c_sigma",
]

#: A positive symbol for the norm ``N = ‖v‖`` of a raw row.
NORM = sp.Symbol("N", positive=True)
#: The standard Gaussian variable of the one-dimensional integrals.
G_ = sp.Symbol("g", real=True)
_PHI = sp.exp(-G_**2 / 2) / sp.sqrt(2 * sp.pi)


# --------------------------------------------------------------------------------------------
# Remark 14 (App. A.2.2, p.20): raw rows, no ξ, σ = ReLU
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Remark14:
    """Remark 14's identity ``E_x[x(f_first(x) − f_second(x))] = coefficient(σ)·(Σ λ_i c_i) u``.

    ``order``: which model is subtracted from which, as printed ``("base", "teacher")``
    (``f_θ0 − f_θ``, base ``Σ λ_iσ(<w_i,x>)``, teacher ``Σ λ_iσ(<w_i + c_iu, x>)``);
    ``coefficient``: ``"mu1"`` (printed: the first normalised Hermite coefficient μ_1(σ)), or
    ``"mu<p>"`` for another one (for altered statements).
    """

    order: tuple[str, str] = ("base", "teacher")
    coefficient: str = "mu1"
    activation: str = "relu"


#: As printed on p.20: "suppose σ = ReLU and let the base model be given by
#: f_θ0(x) = Σ_i λ_iσ(<w_i, x>) and the teacher model be given by f_θ(x) = Σ_i λ_iσ(<w_i + c_iu,
#: x>). Then, note E_x[x(f_θ0(x) − f_θ(x))] = μ_1(σ)(Σ_{i=1}^k λ_ic_i) u".
PRINTED_R14 = Remark14()


def _integrate(expr: sp.Expr) -> sp.Expr:
    return sp.simplify(sp.integrate(expr * _PHI, (G_, -sp.oo, sp.oo)))


@lru_cache(maxsize=32)
def first_moment_direct(act: str | Activation, norm: sp.Expr = NORM) -> sp.Expr:
    """``a(N)`` with ``E[x σ(<v, x>)] = a(N)·v`` for ``x ~ N(0, I_d)``, ``‖v‖ = N``, computed
    directly: ``a(N) = E[g σ(N g)]/N`` (write ``x = (<v,x>/N²) v + x_⊥``, ``x_⊥`` independent
    of ``<v, x> = N g``). Exact sympy integral; raw rows (no normalisation).

    >>> first_moment_direct("relu")
    1/2
    >>> first_moment_direct("quadratic")
    0
    """
    a = get(act)
    return sp.simplify(_integrate(G_ * a.expr.subs(X, norm * G_)) / norm)


@lru_cache(maxsize=32)
def stein_coefficient(act: str | Activation, norm: sp.Expr = NORM) -> sp.Expr:
    """``E[σ'(N g)]``, ``g ~ N(0,1)``: Stein's lemma gives ``E[g σ(N g)] = N E[σ'(N g)]``, so
    this is :func:`first_moment_direct` by a second route (σ' as an a.e. derivative; σ must
    not jump). Exact sympy integral.

    >>> stein_coefficient("relu")
    1/2
    >>> stein_coefficient("erf")
    2/(sqrt(pi)*sqrt(2*N**2 + 1))
    """
    a = get(act)
    a.require_gradient()
    return _integrate(a.dexpr.subs(X, norm * G_))


def remark14_moment(act: str | Activation, lam: Sequence, c: Sequence,
                    order: tuple[str, str] = ("base", "teacher"),
                    route: str = "stein") -> tuple[sp.Expr, list[sp.Expr]]:
    """``E_x[x(f_first − f_second)]`` for unit rows ``w_i`` and ``u ⊥ w_i`` (raw rows, no ξ),
    exactly, in the basis ``(u, w_1, …, w_k)``: returns ``(coefficient of u, [coefficients of
    w_i])``. ``E[x σ(<v,x>)] = a(‖v‖) v`` with ``a`` from :func:`stein_coefficient`
    (``route="stein"``) or :func:`first_moment_direct` (``"direct"``); ``‖w_i + c_iu‖ =
    √(1 + c_i²)``. Exact; ``lam``, ``c`` may be symbols.

    >>> lam1, c1 = sp.symbols("lambda1 c1", real=True)
    >>> remark14_moment("relu", [lam1], [c1])
    (-c1*lambda1/2, [0])
    """
    if route not in ("stein", "direct"):
        raise ValueError("route must be 'stein' or 'direct'")
    a = stein_coefficient(act) if route == "stein" else first_moment_direct(act)
    cu, cw = sp.Integer(0), []
    sign = {("base", "teacher"): 1, ("teacher", "base"): -1}[tuple(order)]
    for li, ci in zip(lam, c, strict=True):
        n_t = sp.sqrt(1 + sp.sympify(ci, strict=True) ** 2)
        a0, at = a.subs(NORM, 1), a.subs(NORM, n_t)
        # base row w_i (norm 1) minus teacher row w_i + c_i u (norm √(1 + c_i²))
        cw.append(sp.simplify(sign * li * (a0 - at)))
        cu += -sign * li * at * ci
    return sp.simplify(cu), cw


def remark14_printed_rhs(printed: Remark14, lam: Sequence, c: Sequence) -> sp.Expr:
    """The printed right-hand side's coefficient of ``u``: ``μ_1(σ)(Σ λ_i c_i)`` (exact μ_p).

    >>> remark14_printed_rhs(PRINTED_R14, [1, 1], [1, 1])
    1
    """
    p = int(printed.coefficient.removeprefix("mu"))
    mu = hermite.mu(get(printed.activation), p).value
    return sp.nsimplify(mu) * sp.Add(*[sp.sympify(li, strict=True) * ci for li, ci in zip(lam, c,
                                                                            strict=True)])


# --------------------------------------------------------------------------------------------
# Proposition 18 (App. C.3, p.30–31): the Claim 2 construction, ξ = 1, σ = h_p
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prop18Printed:
    """Prop. 18 as printed.

    ``prefactor_power``: the power of ``k/(k+1)`` in ``h(m) = 2p(k/(k+1))^p h̃(m)`` (``"p"``
    printed; an integer offset for altered statements); ``remainder_power``: ``a`` in
    ``h̃(m) = Σ λ_i²c_iĉ_i + O(λ²_max/k^a)`` (printed 1); ``offdiag``: the proof's bound
    ``Σ_{i≠j}|…| ≤ offdiag_const·λ²_max/k^{p−offdiag_shift}`` (printed ``1``, shift ``2``);
    ``fraction``: ``h(m) sign(h(0)) ≥ fraction·|h(0)|`` (printed 1/2), ``uniformly`` (p.31:
    over every m ∈ [−1, 1]; Condition 3 asks it only where ``m h(0) ≥ 0``).
    """

    prefactor_offset: int = 0
    remainder_power: float = 1.0
    offdiag_const: float = 1.0
    offdiag_shift: int = 2
    fraction: float = 0.5
    statement: dict = field(default_factory=dict, compare=False)


PRINTED_P18 = Prop18Printed()


def claim2_h_display(k: int, p: int, s: Sequence[int], shat: Sequence[int],
                     lam: Sequence | None = None, printed: Prop18Printed = PRINTED_P18
                     ) -> sp.Expr:
    """The first display of Prop. 18's proof (p.30), exactly, for Claim 2's ``W`` with
    ``c = s/√k`` and ``ĉ = ŝ/√k``: ``2p(k/(k+1))^{p+offset} Σ_ij λ_iλ_j c_iĉ_j(<w_i, w_j> +
    c_iĉ_j m)^{p−1}`` (``λ_i = 1`` by default, as in Claim 2). A polynomial in ``m``.

    By hand (k = 2, p = 3, s = ŝ = (1, 1)): ``<w_1, w_2> = −1/2``, so Σ = (1/2)[2(1 + m/2)² +
    2(−1/2 + m/2)²] = (10 + 4m + 4m²)/8 and 2p(k/(k+1))^p = 6·8/27:

    >>> claim2_h_display(2, 3, (1, 1), (1, 1))
    8*m**2/9 + 8*m/9 + 20/9
    """
    m = tc_m()
    lam = [sp.Integer(1)] * k if lam is None else [sp.sympify(v, strict=True) for v in lam]
    W, c, _ = tc.claim2_matrix(k, s)
    G = W * W.T
    ch = [v / sp.sqrt(k) for v in shat]
    tot = sum(lam[i] * lam[j] * c[i] * ch[j] * (G[i, j] + c[i] * ch[j] * m) ** (p - 1)
              for i in range(k) for j in range(k))
    pre = 2 * p * sp.Rational(k, k + 1) ** (p + printed.prefactor_offset)
    return sp.expand(pre * tot)


def tc_m() -> sp.Symbol:
    """The overlap symbol ``m`` (shared with :mod:`theory.population`)."""
    from theory.population import M

    return M


def claim2_integer_poly(k: int, p: int, s: Sequence[int], shat: Sequence[int]) -> list[int]:
    """Integer coefficients ``q_0..q_{p−1}`` of ``Q(m) = k^p h̃(m)`` with ``λ_i = 1``, where
    ``h(m) = 2p(k/(k+1))^p h̃(m)`` is the proof's first display for Claim 2's construction:
    ``Q(m) = Σ_ij s_iŝ_j (kG_ij + s_iŝ_j m)^{p−1}`` with ``kG_ii = k``, ``kG_ij = −s_is_j``.
    Exact integers (Python ints), so signs and ties are decided exactly.

    >>> claim2_integer_poly(2, 3, (1, 1), (1, 1))  # 2(2 + m)² + 2(m − 1)², as in claim2_h_display
    [10, 4, 4]
    """
    q = [0] * p
    for i in range(k):
        for j in range(k):
            g = k if i == j else -s[i] * s[j]
            t = s[i] * shat[j]
            for e in range(p):  # binomial expansion of (g + t m)^{p−1}, times t
                q[e] += t * math.comb(p - 1, e) * g ** (p - 1 - e) * t**e
    return q


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
