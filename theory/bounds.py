"""The paper's printed rates (η, δ, α, S_k, V_k, T, Õ(·)) and the machinery that compares orders.

Dayi & Chen (COLT 2025): Theorems 11–13 (App. A.2, p.19–20) with the S_k, V_k of their proofs
(App. C.2, p.29), Theorem 16 (App. C.1, p.27–28), Theorem 19 (p.31), the informal Theorems 1, 2,
3, 5 (p.4, 5, 10) and Lemma 17 (p.28). Every expression here is transcribed **as printed** (from
the rendered PDF pages) as a sympy expression in the symbols below; log factors are kept
symbolic. Nothing is corrected here: the checks in ``numerics/claims/rates.py`` compare.

Convention: these are statements about the normalised-rows model (App. D), the one the theorems
are proved in; the rates do not depend on σ beyond the constants ``C_pσ``, ``mu1`` and ``mu_c``.

What "order" means (:func:`order`). An expression is reduced to its exponents in the symbols of
:data:`ORDER_SYMBOLS`, each read in its asymptotic direction (:data:`DIRECTIONS`: d, k, λ_max → ∞;
ε, γ, ξ̄, λ_min → 0⁺). The Õ convention is applied explicitly: every ``log(·)`` factor is replaced
by 1, ceilings are dropped, and the constants of :data:`CONSTANTS` are set to 1. The exponent of a
symbol s is then ``lim s·∂_s log f`` in s's direction (for a monomial it is its power; for a sum
it is the power of the dominant term). :func:`order_with_logs` computes the same limit *without*
removing the logs first: log factors contribute 0 to the limit, so the two agree exactly when
the expression is a monomial times logs (a test compares them).

Numerical limits: none; everything is exact sympy arithmetic (rational exponents).

>>> order(d * k**Rational(7, 2) / eps**3 * log(d * k)**2)[k]
7/2
>>> compare_orders(order(d * k**2 / eps**4), order(d * k**3 / eps**4))["relation"]
'upper-bound'
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp
from sympy import Rational, ceiling, exp, log, sqrt

__all__ = [
    "d", "k", "eps", "gamma", "xibar", "xi", "lam_max", "lam_min", "C_delta", "C_ps", "mu1",
    "mu_c", "ratio", "ORDER_SYMBOLS", "DIRECTIONS", "CONSTANTS", "drop_logs", "order",
    "order_with_logs", "compare_orders", "first_branch", "Rates", "thm16", "PRINTED",
    "FailureBound", "covers", "fmt", "thm5", "Rational", "log", "exp", "sqrt",
]

# --- symbols ---------------------------------------------------------------------------------
d, k, eps, gamma, xibar, xi = sp.symbols("d k epsilon gamma xibar xi", positive=True)
lam_max, lam_min = sp.symbols("lambda_max lambda_min", positive=True)
#: C_δ (Thms. 11–13), C_{p,σ} (Lemma 17, proofs in C.2), μ_1(σ) (Hermite coefficient in the
#: proofs' S_k) and Condition 2's moment constant μ_1 (p.27; *not* the Hermite coefficient,
#: it appears in Thm. 16's δ).
C_delta, C_ps, mu1, mu_c = sp.symbols("C_delta C_ps mu_1 mu_c", positive=True)
#: λ²_max/λ²_min ≥ 1, the symbol of the o(·) failure terms.
ratio = sp.Symbol("r", positive=True)

ORDER_SYMBOLS: tuple[sp.Symbol, ...] = (d, k, eps, gamma, xibar, lam_max, lam_min)
DIRECTIONS: dict[sp.Symbol, object] = {
    d: sp.oo, k: sp.oo, lam_max: sp.oo, eps: 0, gamma: 0, xibar: 0, lam_min: 0,
}
CONSTANTS: tuple[sp.Symbol, ...] = (C_delta, C_ps, mu1, mu_c)


def drop_logs(expr: sp.Expr) -> sp.Expr:
    """The Õ convention: every ``log(·)`` replaced by 1, ceilings dropped, constants set to 1.

    >>> drop_logs(ceiling(4 * log(d * k) * d / (C_delta * eps)))
    4*d/epsilon
    """
    expr = sp.sympify(expr)
    expr = expr.replace(lambda e: isinstance(e, sp.log), lambda e: sp.Integer(1))
    expr = expr.replace(lambda e: isinstance(e, sp.ceiling), lambda e: e.args[0])
    return expr.subs({c: 1 for c in CONSTANTS})


def _exponent(expr: sp.Expr, s: sp.Symbol) -> sp.Expr:
    """``lim s·∂_s log expr`` in the direction of ``s`` (the exponent of the dominant term)."""
    if not expr.has(s):
        return sp.Integer(0)
    g = sp.simplify(s * sp.diff(sp.log(expr), s))
    if not g.has(s):
        return sp.nsimplify(g)
    return sp.limit(g, s, DIRECTIONS[s], "+" if DIRECTIONS[s] == 0 else "-")


def order(expr: sp.Expr, symbols: tuple[sp.Symbol, ...] = ORDER_SYMBOLS) -> dict:
    """Exponents of ``expr`` in ``symbols`` after :func:`drop_logs` (the Õ order).

    Each exponent is the limit of the logarithmic derivative in the symbol's direction
    (:data:`DIRECTIONS`), the other symbols held fixed. An exponent that still depends on other
    symbols (no single dominant term) is returned as that expression.

    >>> order(d * k**3 / eps**4 * (1 + 1 / k))
    {d: 1, k: 3, epsilon: -4, gamma: 0, xibar: 0, lambda_max: 0, lambda_min: 0}
    """
    e = drop_logs(expr)
    return {s: _exponent(e, s) for s in symbols}


def order_with_logs(expr: sp.Expr, symbols: tuple[sp.Symbol, ...] = ORDER_SYMBOLS) -> dict:
    """Exponents computed by the limit *with* the log factors left in (constants set to 1).

    >>> order_with_logs(d * log(d)**3)[d]
    1
    """
    e = sp.sympify(expr).replace(lambda e: isinstance(e, sp.ceiling), lambda e: e.args[0])
    e = e.subs({c: 1 for c in CONSTANTS})
    return {s: _exponent(e, s) for s in symbols}


def compare_orders(derived: dict, printed: dict) -> dict:
    """Compare two orders: ``relation`` is ``equal``, ``upper-bound`` (printed ≥ derived in every
    growth direction, strictly somewhere: the printed Õ holds but is loose) or ``violated``
    (printed is smaller than derived in some direction: the printed Õ fails).

    ``gap`` gives, per symbol, printed − derived exponent (signed so that > 0 means the printed
    bound is larger in that symbol's direction).

    >>> compare_orders(order(d * k**3), order(d * k**2))["relation"]
    'violated'
    """
    gap = {}
    for s in derived:
        sgn = 1 if DIRECTIONS[s] == sp.oo else -1
        gap[s] = sp.simplify(sgn * (printed[s] - derived[s]))
    if all(g == 0 for g in gap.values()):
        rel = "equal"
    elif all(g.is_nonnegative for g in gap.values()):
        rel = "upper-bound"
    else:
        rel = "violated"
    return {"relation": rel, "gap": {str(s): str(g) for s, g in gap.items() if g != 0}}


def first_branch(expr: sp.Expr) -> sp.Expr:
    """``min{X, 1}`` → ``X``: the branch a rate is read on when X ≤ 1 (small ε).

    >>> first_branch(sp.Min(eps**3 * k, 1))
    epsilon**3*k
    """
    if isinstance(expr, sp.Min):
        rest = [a for a in expr.args if a != 1]
        if len(rest) == 1:
            return rest[0]
    return expr


def fmt(order_dict: dict) -> str:
    """An order as a readable monomial, e.g. ``d*k**3/epsilon**4``.

    >>> fmt(order(d * k**2 / eps**4))
    'd*k**2/epsilon**4'
    """
    mono = sp.Integer(1)
    for s, e in order_dict.items():
        mono *= s**e
    return str(mono)


# --- the printed statements -----------------------------------------------------------------
@dataclass(frozen=True)
class Rates:
    """One theorem's printed parameters in one case (μ_1(σ) ≠ 0 or otherwise).

    ``T`` is the printed ⌈…⌉ expression, ``T_order`` the printed Õ(·)/O(·)/Θ̃(·) argument with
    ``T_kind`` saying which; ``S``, ``V`` are the S_k, V_k printed in the theorem's proof (None
    if not printed); ``extra`` holds free-form printed items (e.g. Lemma 17's bounds).
    """

    theorem: str
    case: str
    location: str
    eta: sp.Expr | None = None
    delta: sp.Expr | None = None
    alpha: sp.Expr | None = None
    T: sp.Expr | None = None
    T_order: sp.Expr | None = None
    T_kind: str = "Otilde"
    eta_kind: str = "exact"
    S: sp.Expr | None = None
    V: sp.Expr | None = None
    extra: dict = field(default_factory=dict)


_L = log(lam_max**4 * d * k**2)  # the log(λ⁴_max d k²) of Thms. 11–13


def thm16(S: sp.Expr, V: sp.Expr) -> dict[str, sp.Expr]:
    """Theorem 16 (App. C.1, p.28), as printed, for given S_k, V_k.

    η = δ/(dV_k), δ = min{S_k ε³/(4μ_1(log dV_k)²), 1} (μ_1: Condition 2's constant, ``mu_c``),
    T = ⌈α d V_k⌉, α = 4(log dV_k)/(ε δ S_k), T_weak = ⌈4dV_k/(δS_k)⌉ = o(T).

    >>> sorted(thm16(gamma, k**2))
    ['T', 'T_weak', 'alpha', 'delta', 'eta']
    """
    delta = sp.Min(S * eps**3 / (4 * mu_c * log(d * V) ** 2), 1)
    alpha = 4 * log(d * V) / (eps * delta * S)
    return {
        "delta": delta,
        "eta": delta / (d * V),
        "alpha": alpha,
        "T": ceiling(alpha * d * V),
        "T_weak": ceiling(4 * d * V / (delta * S)),
    }


def _case(mu_nonzero, otherwise, which):
    return mu_nonzero if which == "mu1!=0" else otherwise


def _thm11(c: str) -> Rates:
    delta = C_delta * gamma * lam_min**2 * eps**3 / _L**2 * _case(1, 1 / sqrt(k), c)
    alpha = log(lam_max**4 * d * k**2) / (lam_min**2 * gamma * eps * delta) * _case(1, sqrt(k), c)
    return Rates(
        "Thm. 11", c, "App. A.2.1 p.19; proof C.2 p.29",
        eta=delta / (lam_max**4 * d * k**2), delta=delta, alpha=alpha,
        T=ceiling(alpha * lam_max**4 * d * k**2),
        T_order=lam_max**4 / (lam_min**4 * gamma**2) * d * k**3 / eps**4 * _case(1, k, c),
        S=gamma * lam_min**2 * mu1**2 / (1 + xi**2 / k),  # printed with ξ; Thm. 11 has ξ = 1
        V=C_ps * lam_max**4 * k**2,
    )


def _thm12(c: str) -> Rates:
    delta = sp.Min(C_delta * xibar**2 * sqrt(k) * gamma * lam_min**2 * eps**3 / _L**2
                   * _case(sqrt(k), 1, c), 1)
    alpha = (log(lam_max**4 * d * k**2) / (xibar**2 * lam_min**2 * sqrt(k) * gamma * eps * delta)
             * _case(1 / sqrt(k), 1, c))
    return Rates(
        "Thm. 12", c, "App. A.2.1 p.19–20; proof C.2 p.29",
        eta=delta / (xibar**2 * lam_max**4 * d * k**4), delta=delta, alpha=alpha,
        T=ceiling(alpha * lam_max**4 * xibar**2 * d * k**4),
        T_order=(lam_max**4 / (lam_min**4 * gamma**2 * xibar**2) * d * k**4 / eps**4
                 * _case(1 / k, 1, c)),
        S=gamma * k * lam_min**2 * mu1**2 / 2,
        V=C_ps * lam_max**4 * xibar**2 * k**4,
    )


def _thm13() -> Rates:
    delta = C_delta * gamma * lam_min**2 * eps**3 / (_L**2 * sqrt(k))
    alpha = log(lam_max**4 * d * k**2) * sqrt(k) / (lam_min**2 * gamma * eps * delta)
    return Rates(
        "Thm. 13", "any", "App. A.2.2 p.20; proof C.2 p.29",
        eta=lam_max**4 * delta / (d * k**2), delta=delta, alpha=alpha,
        T=ceiling(alpha * lam_max**4 * d * k**2),
        T_order=lam_max**4 / (lam_min**4 * gamma**2) * d * k**3 / eps**4,
        S=gamma * lam_min**2 / sqrt(k),
        V=C_ps * lam_max**4 * k**2,
    )


#: Every printed rate, keyed by sub-check topic. Values are data: tests pass altered copies.
PRINTED: dict[str, object] = {
    "thm11": {c: _thm11(c) for c in ("mu1!=0", "mu1=0")},
    "thm12": {c: _thm12(c) for c in ("mu1!=0", "mu1=0")},
    "thm13": {"any": _thm13()},
    # Lemma 6 (p.12): |h(0)| ≥ (k/(k+ξ²))^{s*} C_σ γ ξ² · {1 (μ_1≠0), 1/√k (μ_1=0)}; C_σ → C_ps.
    "lemma6": {
        "mu1!=0": (k / (k + xi**2)) ** sp.Symbol("s_star", positive=True) * C_ps * gamma * xi**2,
        "mu1=0": ((k / (k + xi**2)) ** sp.Symbol("s_star", positive=True) * C_ps * gamma * xi**2
                  / sqrt(k)),
    },
    # Lemma 8 (p.13) and Thm. 19's proof (p.31): S_k = γλ²_min/(2√k), Ω(λ²_min/√k).
    "lemma8_S": gamma * lam_min**2 / (2 * sqrt(k)),
    # Lemma 17 (p.28): variance bound^(1/p) and population-gradient bound (Condition 2 needs
    # ‖∇Φ‖² ≤ V_k, so the square of the printed norm bound is compared).
    "lemma17": {
        "variance": C_ps * lam_max**4 * k**3 * xi**2 * sp.Min(k, 4 * xi**2) / (k + xi**2),
        "grad_norm": C_ps * lam_max**2 * k * xi**2 / (1 + xi**2 / k),
    },
    # Thm. 19 (p.31): "learns ... in O(dk²/ε⁴) samples"; λ_i = 1 in Claim 2's construction is
    # not imposed by the statement, S_k = Ω(λ²_min/√k) from its proof.
    "thm19": Rates(
        "Thm. 19", "any", "App. C.3 p.31", T_order=d * k**2 / eps**4, T_kind="O",
        S=lam_min**2 / sqrt(k), V=C_ps * lam_max**4 * k**2,
    ),
    # Informal theorems: Θ̃ statements (λ's, γ, ξ̄ treated as constants by the informal text).
    "thm1": Rates("Thm. 1", "informal", "p.4", eta=eps**3 / (d * k**Rational(7, 2)),
                  eta_kind="Thetatilde", T_order=d * k**4 / eps**4, T_kind="Thetatilde"),
    "thm2": Rates("Thm. 2", "informal", "p.5", eta=eps**3 / (d * k**Rational(5, 2)),
                  eta_kind="Thetatilde", T_order=d * k**3 / eps**4, T_kind="Thetatilde"),
    "thm3": Rates("Thm. 3", "informal", "p.5", T_order=d, T_kind="Otilde"),
    # §3.1 p.10: "strongly recover the ground truth u in O(V_k/S_k²) iterations".
    "sec31": sp.Symbol("V_k") / sp.Symbol("S_k") ** 2,
}


# --- failure probabilities --------------------------------------------------------------------
@dataclass(frozen=True)
class FailureBound:
    """A printed failure probability as a sum of terms ``(kind, g)``: kind ``o`` (o(g)),
    ``O`` (O(g)) or ``exact`` (g itself), in k, γ, ξ̄ and r = λ²_max/λ²_min ≥ 1.

    >>> FailureBound("Thm. 13", (("o", 1), ("O", sqrt(gamma)))).terms[1]
    ('O', sqrt(gamma))
    """

    source: str
    terms: tuple


def _bounded(q: sp.Expr) -> bool:
    """Is q bounded as k → ∞, γ → 0⁺ and over r ∈ [1, ∞) (ξ̄ ∈ (0, 1] fixed)?"""
    q = sp.simplify(q)
    for s, to in ((k, sp.oo), (gamma, 0), (ratio, sp.oo)):
        if q.has(s):
            q = sp.limit(q, s, to, "+" if to == 0 else "-")
    return bool(q.is_finite)


def _vanishing(q: sp.Expr) -> bool:
    """Does q → 0 as k → ∞ (γ, r fixed)?"""
    q = sp.simplify(q)
    return q.has(k) and sp.limit(q, k, sp.oo) == 0


def covers(printed: FailureBound, derived_term: tuple) -> tuple[bool, str]:
    """Is one derived failure term dominated by some printed term? Returns (ok, how).

    Rules (r = λ²_max/λ²_min ≥ 1; asymptotics k → ∞, γ → 0⁺; ξ̄ ∈ (0, 1] fixed), for a
    derived term of kind ``o``/``O``/``exact`` with function g and a printed term with G:

    * printed O(G) covers o(g), O(g) and g when g/G stays bounded;
    * printed o(G) covers o(g) when g/G stays bounded, and O(g) or g when g/G → 0 as k → ∞;
    * printed exact G covers exact g when G = g, or G ≥ g for every ξ̄ ∈ (0, 1] (``solveset``),
      or, when k appears, g/G stays bounded as k → ∞.

    >>> covers(FailureBound("p", (("o", ratio),)), ("o", 1))[0]
    True
    >>> covers(FailureBound("p", (("o", 1),)), ("o", ratio))[0]
    False
    """
    kind, g = derived_term
    g = sp.sympify(g)
    for pk, G in printed.terms:
        G = sp.sympify(G)
        if pk == "exact" and kind == "exact":
            if sp.simplify(G - g) == 0:
                return True, f"{g} = printed {G}"
            diff = sp.simplify(sp.expand_log(log(G) - log(g), force=True))
            if diff.has(k):  # compare asymptotically in k
                if _bounded(g / G):
                    return True, f"{g} = O(printed {G}) as k → ∞"
                continue
            bad = sp.solveset(diff < 0, xibar, sp.Interval.Lopen(0, 1)) if diff.has(xibar) \
                else (sp.EmptySet if diff.is_nonnegative else sp.S.Reals)
            if bad is sp.EmptySet:
                return True, f"{g} ≤ printed {G} for ξ̄ ∈ (0, 1] (looser printed term)"
        elif pk == "O" and kind in ("O", "o", "exact") and _bounded(g / G):
            return True, f"{kind}({g}) ⊂ O({G})"
        elif pk == "o":
            if kind == "o" and _bounded(g / G):
                return True, f"o({g}) ⊂ o({G})"
            if kind in ("O", "exact") and _vanishing(g / G):
                return True, f"{kind}({g}) ⊂ o({G}) (vanishes as k → ∞)"
    return False, f"{kind}({g}) not dominated by any printed term"


# Failure probabilities as printed (terms of "with probability 1 − …"); ξ kept where printed.
PRINTED["failure"] = {
    "claim1": FailureBound("Claim 1 (p.11)", (("exact", exp(-2 * k / (sp.E * xi**2))),)),
    "lemma6": FailureBound("Lemma 6 (p.12)", (("o", 1), ("exact", exp(-2 * k / (sp.E * xi**2))),
                                               ("O", sqrt(gamma)))),
    # Lemma 6's proof (p.42): Pr[|⟨c_λ, ĉ_λ⟩| ≥ γλ²_max log k/√k] ≤ k^{−γ/e}, with γ = 10.
    "lemma6_tail": FailureBound("Lemma 6's proof (p.42), γ = 10",
                                (("exact", k ** (-10 / sp.E)),)),
    "prop7": FailureBound("Prop. 7 (p.13)", (("exact", 1 / k**3),)),
    "lemma8": FailureBound("Lemma 8 (p.13)", (("O", sqrt(gamma)), ("o", ratio))),
    # Prop. 29 (p.39): (λ²_max/λ²_min)·o(1) + O(ε^{1/2}), used at small-ball level ε = γ.
    "prop29": FailureBound("Prop. 29 (p.39), level γ", (("o", ratio), ("O", sqrt(gamma)))),
    "prop30": FailureBound("Prop. 30 (p.39)", (("o", ratio), ("O", sqrt(gamma)))),
    "thm11": FailureBound("Thm. 11 (p.19)", (("o", ratio), ("O", sqrt(gamma)))),
    "thm11_proof": FailureBound("proof of Thm. 11 (p.29)", (("o", ratio), ("O", sqrt(gamma)))),
    "thm12": FailureBound("Thm. 12 (p.20)", (("o", ratio), ("exact", exp(-2 / (sp.E * xibar))),
                                              ("O", sqrt(gamma)))),
    "thm12_proof": FailureBound("proof of Thm. 12 (p.29)", (
        ("o", 1), ("exact", exp(-2 * k / (sp.E * xibar**2))), ("O", sqrt(gamma)))),
    "thm13": FailureBound("Thm. 13 (p.20)", (("o", 1), ("O", sqrt(gamma)))),
    "thm13_proof": FailureBound("proof of Thm. 13 (p.29)", (("o", ratio), ("O", sqrt(gamma)))),
}

def thm5(S: sp.Expr, V: sp.Expr) -> dict[str, sp.Expr]:
    """Informal Theorem 5 (§3.1, p.10), transcribed from p.10 independently of :func:`thm16`.

    η = δ/(dV_k), δ = min{S_k ε³/(4μ_1(log dV_k)²), 1}, T = ⌈αdV_k⌉, α = 4(log dV_k)/(εδS_k).

    >>> thm5(gamma, k**2)["eta"] == thm16(gamma, k**2)["eta"]
    True
    """
    delta = sp.Min(S * eps**3 / (4 * mu_c * log(d * V) ** 2), 1)
    alpha = 4 * log(d * V) / (eps * delta * S)
    return {"delta": delta, "eta": delta / (d * V), "alpha": alpha,
            "T": ceiling(alpha * d * V)}
