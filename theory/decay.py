"""Assumption 6.2 (App. A.1): the Hermite coefficients decay, ``|μ_p(σ)| ≤ C_σ p^{−1−ρ}``, ρ > 0.

:func:`decay_check` answers **holds / fails / undetermined**, with the reason:

* σ a polynomial: holds (μ_p = 0 beyond its degree).
* σ provably C^∞ with every derivative in L²(γ) — its expression has no Abs, Max, Min,
  Heaviside, sign or Piecewise, and every root, logarithm and negative power is of something
  proved ≥ δ > 0 (:func:`theory.envelope.lower`), so differentiating stays in the class of
  expressions whose growth envelope has Gaussian rate < 1/4: holds for every ρ, because Remark
  10 applied k times gives ``μ_p(σ) = μ_{p−k}(σ^{(k)}) √((p−k)!/p!)``, hence
  ``|μ_p| ≤ ‖σ^{(k)}‖_{L²(γ)} (p − k + 1)^{−k/2}`` for every k.
* σ piecewise polynomial (exact kinks): the roughest kink decides. If σ^{(j)} jumps by J at
  t (and lower derivatives are continuous there), Remark 10 applied j + 1 times gives the
  kink's share of μ_p as ``J √((p−j−1)!/p!) h_{p−j−1}(t) φ(t)``, and Szegő's asymptotics
  ``h_q(t) φ(t)^{1/2} = O(q^{−1/4})`` (not o(q^{−1/4}): the cosine factor returns to ±1 along
  a subsequence) make it ``≍ p^{−(2j+3)/4}``; so ρ = (2j − 1)/4: holds for kinks of σ' and
  smoother (relu, abs: ρ = 1/4), fails for a jump of σ itself (step, sign: j = 0, ρ = −1/4).
* otherwise, from the certified coefficients up to p = P (default 60): the **envelope**
  ``U_p = max_{p ≤ q ≤ P} (|μ_q| + error_q)`` over the tail ``P/2 ≤ p ≤ P`` (exact zeros
  skipped) — a running maximum, so oscillating coefficients (kinks away from 0) do not bend it —
  and the least-squares slope of log U_p against log p gives ``ρ̂ = −1 − slope``: holds if
  ρ̂ ≥ 0.1, fails if ρ̂ ≤ −0.1 (step, sign: |μ_p| ≍ p^{−3/4}, ρ̂ ≈ −0.25), undetermined in between
  or when more than half of the tail's coefficients are not resolved (error ≥ |value|/2).
  ``C = max_{1≤p≤P} (|μ_p| + error_p) p^{1+ρ̂}``. A finite range of p cannot prove an asymptotic
  bound; the answer says it is read on p ≤ P.

:func:`decay_fit` is the earlier least-squares fit of log|μ_p| (kept for the claim DC-A6).

>>> decay_check("relu").status, decay_check("relu").rho
('holds', 0.25)
>>> decay_check("step").status, decay_check("tanh").status, decay_check("He3").status
('fails', 'holds', 'holds')
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import mpmath
import numpy as np
import sympy as sp

from theory.activations import Activation, X, get
from theory.hermite import Coefficient, mus
from theory.hermite_exact import pieces_of

__all__ = ["DecayCheck", "decay_check", "smooth", "DecayFit", "decay_fit"]


@dataclass(frozen=True)
class DecayCheck:
    """Assumption 6.2's verdict (module docstring): ``status`` holds / fails / undetermined,
    ``rho`` (inf for the polynomial and smooth cases), ``C`` (nan when not computed),
    ``basis`` ("finite expansion", "smooth", "envelope"), ``p_range`` of the envelope, and
    ``reason``, one sentence."""

    status: str
    rho: float
    C: float
    basis: str
    p_range: tuple[int, int] | None
    reason: str


_NONSMOOTH = (sp.Abs, sp.Max, sp.Min, sp.Heaviside, sp.sign, sp.Piecewise, sp.DiracDelta)


def smooth(expr: sp.Expr) -> bool:
    """True when the expression is provably C^∞ on ℝ with all derivatives of at most the same
    Gaussian growth (module docstring).

    >>> smooth(sp.tanh(X) + sp.log(1 + sp.exp(X))), smooth(sp.Max(X, 0)), smooth(sp.sqrt(X**2 + 1))
    (True, False, True)
    """
    from theory.envelope import lower

    for node in sp.preorder_traversal(expr):
        if isinstance(node, _NONSMOOTH):
            return False
        if isinstance(node, sp.log) and not lower(node.args[0]) > 0:
            return False
        if isinstance(node, sp.Pow) and node.base.has(X):
            q = node.exp
            if not q.is_Rational:
                return False
            if (q < 0 or not q.is_Integer) and not lower(node.base) > 0:
                return False
        if isinstance(node, sp.Function) and not isinstance(
                node, (sp.exp, sp.log, sp.sin, sp.cos, sp.tanh, sp.erf, sp.sinh, sp.cosh)):
            return False
    return True


def decay_check(act: str | Activation, pmax: int = 60, dps: int = 10) -> DecayCheck:
    """Assumption 6.2 (module docstring). ``pmax`` ≥ 16; ``dps``: digits of the coefficients
    (the envelope needs few).

    >>> d = decay_check("relu(x) - relu(x - 1)")
    >>> d.status, d.basis, d.rho
    ('holds', 'kinks', 0.25)
    """
    a = get(act)
    if a.is_polynomial:
        deg = a.poly.degree()
        return DecayCheck("holds", math.inf, math.nan, "finite expansion", None,
                          f"σ is a polynomial of degree {deg}: μ_p = 0 for p > {deg}")
    pieces = a.pieces if a.pieces is not None else pieces_of(a.expr)
    if pieces is not None:
        return _kinks(pieces)
    if smooth(a.expr):
        return DecayCheck("holds", math.inf, math.nan, "smooth", None,
                          "σ is C^∞ with every derivative in L²(γ), so |μ_p| ≤ ‖σ^(k)‖ "
                          "√((p−k)!/p!) for every k (Remark 10 k times): faster than any power")
    cs = mus(a, pmax, dps)
    return _envelope(cs, pmax)


def _kinks(pieces) -> DecayCheck:
    worst = None  # (j, t, jump)
    for (_, t, left), (_, _, right) in zip(pieces[:-1], pieces[1:], strict=True):
        dl, dr = sp.Poly(left, X), sp.Poly(right, X)
        for j in range(max(dl.degree(), dr.degree()) + 1):
            jump = sp.simplify((dr.diff((X, j)) - dl.diff((X, j))).as_expr().subs(X, t)) \
                if j else sp.simplify(right.subs(X, t) - left.subs(X, t))
            if jump != 0:
                if worst is None or j < worst[0]:
                    worst = (j, t, jump)
                break
    if worst is None:  # pragma: no cover - pieces_of merges equal neighbours
        return DecayCheck("holds", math.inf, math.nan, "finite expansion", None,
                          "σ is a polynomial")
    j, t, jump = worst
    rho = (2 * j - 1) / 4
    times = {1: "once", 2: "twice"}.get(j + 1, f"{j + 1} times")
    what = "σ" if j == 0 else ("σ'" if j == 1 else f"σ^({j})")
    why = (f"σ is piecewise polynomial and its roughest kink is a jump of {what} by {jump} at "
           f"x = {t}, so |μ_p| ≍ p^(-{(2 * j + 3)}/4) (Remark 10 {times} and Szegő's "
           f"asymptotics h_q(t)φ(t)^(1/2) = O(q^(-1/4))): ρ = {sp.Rational(2 * j - 1, 4)}")
    return DecayCheck("holds" if j >= 1 else "fails", rho, math.nan, "kinks", None, why)


def _envelope(cs: list[Coefficient], pmax: int) -> DecayCheck:
    lo = pmax // 2
    tail = [c for c in cs[lo:] if not c.is_zero]
    if len(tail) < 4:
        return DecayCheck("undetermined", math.nan, math.nan, "envelope", (lo, pmax),
                          f"fewer than 4 coefficients μ_p, {lo} ≤ p ≤ {pmax}, are not exactly 0")
    unresolved = sum(1 for c in tail if not c.exact and c.error * 2 >= abs(c.approx))
    if unresolved * 2 > len(tail):
        return DecayCheck("undetermined", math.nan, math.nan, "envelope", (lo, pmax),
                          f"{unresolved} of the {len(tail)} coefficients μ_p, {lo} ≤ p ≤ "
                          f"{pmax}, are not resolved by their certified bounds")
    up = [float(abs(c.approx) + c.error) for c in tail]
    env = np.maximum.accumulate(np.array(up)[::-1])[::-1]
    ps = np.array([c.p for c in tail], dtype=float)
    if np.any(env <= 0):
        return DecayCheck("undetermined", math.nan, math.nan, "envelope", (lo, pmax),
                          "the envelope reaches 0 (coefficients below float range)")
    slope = float(np.polyfit(np.log(ps), np.log(env), 1)[0])
    rho = -1.0 - slope
    nz = [c for c in cs[1:] if not c.is_zero]
    C = max(float(abs(c.approx) + c.error) * c.p ** (1 + rho) for c in nz)
    where = f"read from the certified μ_p, p ≤ {pmax} (a finite range cannot prove an " \
            f"asymptotic bound): max_(q≥p)|μ_q| ≈ p^({slope:.2f}) over {lo} ≤ p ≤ {pmax}"
    if rho >= 0.1:
        return DecayCheck("holds", rho, C, "envelope", (lo, pmax), f"holds with ρ ≈ {rho:.2f}, "
                          f"C ≈ {C:.3g}, {where}")
    if rho <= -0.1:
        return DecayCheck("fails", rho, C, "envelope", (lo, pmax),
                          f"fails: the coefficients decay no faster than p^({slope:.2f}), "
                          f"slower than p^-1; {where}")
    return DecayCheck("undetermined", rho, C, "envelope", (lo, pmax),
                      f"ρ ≈ {rho:.2f} is too close to 0 to decide; {where}")


def _is_nonzero(c: Coefficient, dps: int) -> bool:
    if c.exact:
        return c.value != 0
    return abs(c.approx) > 10 * c.error and abs(c.approx) > mpmath.mpf(10) ** (-dps)


@dataclass(frozen=True)
class DecayFit:
    """Least-squares fit of Assumption 6.2, |μ_p| ≤ C p^{-1-ρ}, over the nonzero μ_p used.

    ``kind``: ``"power"``: ρ from the OLS fit log|μ_p| = a − (1+ρ) log p + b/p + b₂/p²
    (the first two corrections of Stirling-type asymptotics; b₂ only with ≥ 6 points);
    ``rho_stderr`` = √(OLS standard error² + (change of ρ when b₂/p² is added)²), so the
    band covers the model error, which dominates the residual noise for exact data.
    ``"faster than any power"``: the fit log|μ_p| = a − (1+ρ) log p + b/p − κ p has κ > 5
    standard errors and κ·(p_last − p_first) > 0.5 (the geometric factor over the range
    exceeds e^0.5, more than a power-law correction can mimic there); then ρ = inf and
    ``kappa`` is the geometric rate (erf: (1/2) log(3/2) ≈ 0.2027, since μ_p(erf)² =
    (2/π) [z^p] arcsin(z) (2/3)^p).
    ``"finite expansion"`` (σ a polynomial: μ_p = 0 beyond its degree, ρ = inf);
    ``"too few points"``. ``C`` is the smallest constant with |μ_p| ≤ C p^{-1-ρ} for every
    nonzero μ_p, 1 ≤ p ≤ pmax, at the fitted ρ (nan for the non-power kinds).
    """

    rho: float
    rho_stderr: float
    C: float
    p_used: tuple[int, ...]
    kind: str
    kappa: float = math.nan
    kappa_stderr: float = math.nan
    residual_rms: float = math.nan
    notes: tuple[str, ...] = field(default_factory=tuple)


def _ols(A: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    r = y - A @ coef
    dof = max(len(y) - A.shape[1], 1)
    s2 = float(r @ r) / dof
    cov = s2 * np.linalg.inv(A.T @ A)
    return coef, np.sqrt(np.diag(cov)), math.sqrt(float(r @ r) / len(y))


def decay_fit(act: str | Activation, pmin: int = 8, pmax: int = 30, dps: int = 30) -> DecayFit:
    """Fit Assumption 6.2 (|μ_p| ≤ C_σ p^{-1-ρ}; h_p = He_p/√(p!)) over pmin ≤ p ≤ pmax.

    Exact zeros (parity) are skipped; quadrature coefficients count as nonzero as in
    :func:`information_exponent`. Models and the uncertainty band: :class:`DecayFit`. Needs
    ≥ 4 nonzero coefficients (5 for the κ test). ρ ≤ 0 means Assumption 6.2 fails on the
    range (step, sign: |μ_p| ~ p^{-3/4}).

    >>> fit = decay_fit("relu")
    >>> fit.kind, round(fit.rho, 2)
    ('power', 0.25)
    >>> decay_fit("cubic").kind
    'finite expansion'
    """
    a = get(act)
    if a.is_polynomial:
        return DecayFit(math.inf, 0.0, math.nan, (), "finite expansion",
                        notes=(f"polynomial of degree {a.poly.degree()}: μ_p = 0 beyond it",))
    cs = mus(a, pmax, dps)
    used = [c for c in cs[pmin:] if _is_nonzero(c, dps)]
    ps = np.array([c.p for c in used], dtype=float)
    if len(ps) < 4:
        return DecayFit(math.nan, math.nan, math.nan, tuple(int(p) for p in ps), "too few points")
    y = np.log(np.array([abs(float(c)) for c in used]))
    lin = np.column_stack([np.ones_like(ps), -np.log(ps), 1 / ps])
    kappa = kappa_se = math.nan
    if len(ps) >= 5:
        kc, kse, krms = _ols(np.column_stack([lin, -ps]), y)
        kappa, kappa_se = float(kc[3]), float(kse[3])
        if kappa > 5 * kappa_se and kappa * (ps[-1] - ps[0]) > 0.5:
            return DecayFit(math.inf, math.nan, math.nan, tuple(int(p) for p in ps),
                            "faster than any power", kappa, kappa_se, krms,
                            (f"log|μ_p| ≈ a − {kc[1]:.3g} log p + {kc[2]:.3g}/p − {kappa:.4g} p",))
    c3, se3, rms = _ols(lin, y)
    rho, rho_se = float(c3[1]) - 1, float(se3[1])
    if len(ps) >= 6:  # add the next asymptotic order; the change of ρ is the model error
        c4, se4, rms = _ols(np.column_stack([lin, 1 / ps**2]), y)
        rho_se = math.hypot(float(se4[1]), float(c4[1]) - 1 - rho)
        rho = float(c4[1]) - 1
    nz = [c for c in cs[1:] if _is_nonzero(c, dps)]
    C = max(abs(float(c)) * c.p ** (1 + rho) for c in nz)
    return DecayFit(rho, rho_se, C, tuple(int(p) for p in ps), "power", kappa, kappa_se, rms)


