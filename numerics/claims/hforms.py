"""Shared machinery of the checks on printed forms of the population gradient h(m) (§3.1,
§3.2, App. D): exact instances and activations, the derived reference h, the truncation
bound of a printed series, and the verdict of a printed form compared with the derived one.

Convention: **normalised rows** (App. D.1, Eq. 11), the paper's for every printed form of h;
unit rows and c, ĉ ∈ {±1/√k}^k wherever a printed form uses (1 + ξ²/k) as the row norm. The
printed forms are :mod:`theory.printed` (transcribed as printed); the reference is
:mod:`theory.population` (three routes: the K' closed form, −dΦ/dm, the derived double series).

Exact checks compare sympy polynomials in m (polynomial σ, exact instances: an identity is
accepted only if the difference expands/simplifies to 0). Float checks (non-polynomial σ) use
the routes' error bounds plus :func:`series_tail_bound` on the truncation of the printed series.

>>> from theory import printed as pr
>>> same(pr.h_D1c(M, [0, 1], sp.eye(1), [1], [1], [1], sp.Integer(2)),
...      pr.h_D1c_corrected(M, [0, 1], sp.eye(1), [1], [1], [1], sp.Integer(2)))
True
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import mpmath
import numpy as np
import sympy as sp

from numerics.claims import Context, SubCheck, Verdict, join_items
from theory import hermite, kernels, population
from theory.activations import X, get, polynomial

M = population.M
CONV = "normalised rows (App. D.1, Eq. 11): v_i = (w_i + ξc_iu)/‖w_i + ξc_iu‖"
EXACT = ("exact (sympy): printed and derived polynomials in m must differ by exactly 0 "
          "after expansion/simplification")

# ---------------------------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------------------------

def same(a, b) -> bool:
    """Exact equality of two sympy expressions (expand; a 50-digit evaluation at two rational
    points rules out clear differences fast; then radsimp/simplify decides).

    >>> same(sp.sqrt(2) * (1 + M), sp.sqrt(2) + sp.sqrt(2) * M)
    True
    """
    d = sp.expand(sp.sympify(a) - sp.sympify(b))
    if d == 0:
        return True
    if d.free_symbols <= {M}:
        for t in (sp.Rational(1, 3), sp.Rational(-2, 7)):
            if abs(sp.N(d.subs(M, t), 50)) > sp.Float("1e-40"):
                return False
    return sp.simplify(sp.radsimp(d)) == 0


def ratio(a, b):
    """a/b if it is a constant (free of m), else None (for the evidence)."""
    a, b = sp.expand(sp.sympify(a)), sp.expand(sp.sympify(b))
    if b == 0:
        return None
    pb = sp.Poly(b, M)
    pa = sp.Poly(a, M)
    if pa.degree() != pb.degree():
        return None
    r = sp.nsimplify(sp.radsimp(pa.LC() / pb.LC()))
    return str(r) if same(a, r * b) else None


def exact_mus(act) -> list:
    """μ_0..μ_deg of a polynomial σ as exact sympy numbers (h_p = He_p/√(p!)).

    >>> exact_mus("He3")
    [0, 0, 0, sqrt(6)]
    """
    a = get(act)
    return [sp.nsimplify(c.value) for c in hermite.mus(a, max(int(a.poly.degree()), 1))]


def _q(k):
    return 1 / sp.sqrt(k)


def _gram_nonortho(k: int) -> sp.Matrix:
    """A fixed non-orthonormal unit-row Gram matrix (strictly diagonally dominant, so PD)."""
    vals = [sp.Rational(1, 3), sp.Rational(-1, 4), sp.Rational(1, 5), sp.Rational(1, 6),
            sp.Rational(-1, 7), sp.Rational(1, 8)]
    G = sp.eye(k)
    t = 0
    for i in range(k):
        for j in range(i + 1, k):
            G[i, j] = G[j, i] = vals[t % len(vals)] / (1 + (k > 3))
            t += 1
    return G


@dataclass(frozen=True)
class Inst:
    """An exact instance (unit rows, quantised c, ĉ): Gram, λ, c, ĉ, ξ and a label."""

    label: str
    G: sp.Matrix
    lam: tuple
    c: tuple
    chat: tuple
    xi: sp.Expr

    @property
    def k(self) -> int:
        return len(self.lam)

    def args(self):
        return self.G, list(self.lam), list(self.c), list(self.chat), self.xi

    def describe(self) -> dict:
        return {"label": self.label, "k": self.k, "xi": str(self.xi),
                "lam": [str(v) for v in self.lam],
                "c_signs": [int(sp.sign(v)) for v in self.c],
                "chat_signs": [int(sp.sign(v)) for v in self.chat],
                "gram": [[str(v) for v in row] for row in self.G.tolist()]}


def make_inst(label, G, lam, cs, chs, xi) -> Inst:
    k = len(lam)
    return Inst(label, G, tuple(sp.nsimplify(v) for v in lam), tuple(s * _q(k) for s in cs),
                tuple(s * _q(k) for s in chs), sp.nsimplify(xi))


def exact_instances(ctx: Context, xi1: bool = False) -> list[Inst]:
    """Exact instances: orthonormal and non-orthonormal unit-row Gram matrices, quantised c, ĉ,
    several ξ (all ξ = 1 if ``xi1``), plus random draws (seeded) in profile standard.

    >>> [i.label for i in exact_instances(Context(profile="quick"))]
    ['k=2 orthonormal', 'k=3 non-orthonormal']
    """
    xs = [1, sp.Rational(3, 2), 2, sp.sqrt(3)]
    out = [
        make_inst("k=2 orthonormal", sp.eye(2), (1, 2), (1, -1), (1, 1), 1 if xi1 else xs[1]),
        make_inst("k=3 non-orthonormal", _gram_nonortho(3), (1, sp.Rational(-1, 2), 2), (1, 1, -1),
              (-1, 1, 1), 1 if xi1 else xs[0]),
    ]
    if ctx.profile != "quick":
        out.append(make_inst("k=4 orthonormal", sp.eye(4), (1, 1, -1, sp.Rational(3, 2)),
                         (1, -1, 1, 1), (1, 1, -1, 1), 1 if xi1 else xs[2]))
        out.append(make_inst("k=4 non-orthonormal", _gram_nonortho(4),
                             (2, 1, sp.Rational(1, 2), -1), (1, 1, 1, -1), (-1, 1, -1, 1),
                             1 if xi1 else xs[3]))
        rng = np.random.default_rng([ctx.seed, 401])
        for t in range(ctx.size(0, 1, 4)):
            k = 3
            lam = tuple(sp.Rational(int(v), 4) for v in rng.integers(-8, 9, size=k) | 1)
            cs = tuple(int(v) for v in rng.choice([-1, 1], size=k))
            chs = tuple(int(v) for v in rng.choice([-1, 1], size=k))
            out.append(make_inst(f"random #{t} (k=3, non-orthonormal)", _gram_nonortho(3), lam, cs,
                             chs, 1 if xi1 else xs[t % 3]))
    return out


def exact_activations(ctx: Context) -> list:
    """Polynomial activations for exact checks: named ones, random small polynomials (seeded),
    and the user's polynomial ``ctx.activations``.

    >>> [a.name for a in exact_activations(Context(profile="quick"))][:3]
    ['quadratic', 'He3', 'h4']
    """
    names = ["quadratic", "He3", "h4"] + (["cubic"] if ctx.profile != "quick" else [])
    acts = [get(n) for n in names]
    rng = np.random.default_rng([ctx.seed, 402])
    for t in range(ctx.size(1, 2, 5)):
        deg = int(rng.integers(2, 5))
        coeffs = [int(v) for v in rng.integers(-3, 4, size=deg + 1)]
        coeffs[-1] = coeffs[-1] or 1
        coeffs[1] = coeffs[1] or 1
        expr = sp.Poly(list(reversed(coeffs)), X).as_expr()
        acts.append(polynomial(coeffs, name=f"random poly #{t}: {expr}"))
    for a in ctx.activations:
        act = get(a)
        if act.is_polynomial and not act.point_mass_derivative:
            acts.append(act)
    return acts


_DERIVED: dict[str, tuple[sp.Expr, bool]] = {}


def _derived(act, inst: Inst) -> tuple[sp.Expr, bool]:
    """h(m) = −dΦ/dm (route "dphi") and whether the closed route (via K') agrees exactly
    (memoised per activation and instance: several sub-checks compare against the same h)."""
    key = f"{act.expr}|{inst.describe()}"
    if key not in _DERIVED:
        G, lam, c, chat, xi = inst.args()
        d = population.h_exact(act, G, lam, c, chat, xi, route="dphi")
        cl = population.h_exact(act, G, lam, c, chat, xi, route="closed")
        _DERIVED[key] = (d, same(d, cl))
    return _DERIVED[key]


def short(e, n: int = 160) -> str:
    """A formula as text; a sum longer than ``n`` characters keeps whole terms and counts the
    rest (never cut inside a term or a number).

    >>> short(sp.Symbol("m") ** 2 + 3, 8)
    'm**2 + 3'
    """
    e = sp.nsimplify(e) if not isinstance(e, sp.Basic) else e
    s = str(e)
    if len(s) <= n or not isinstance(e, sp.Add):
        return s
    return join_items(sp.Add.make_args(e), n, " + ")


# ---------------------------------------------------------------------------------------------
# Float helpers (non-polynomial σ)
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _ex_sq_deriv_cached(expr_key: str, act) -> tuple[float, float]:
    return _ex_sq_deriv_uncached(act)


def _ex_sq_deriv(act) -> tuple[float, float]:
    """E[σ'(g)²] (cached per activation expression)."""
    a = get(act)
    return _ex_sq_deriv_cached(str(a.expr), a)


def _ex_sq_deriv_uncached(act) -> tuple[float, float]:
    """E[σ'(g)²] = K'(1) = Σ_p p μ_p² (closed form when known, else mpmath quadrature split at
    the kinks), with its error estimate."""
    a = get(act)
    closed = kernels.closed_Kprime(a)
    if closed is not None:
        return float(sp.N(closed.subs(kernels.RHO, 1), 30)), 0.0
    f = sp.lambdify(X, a.dexpr**2, modules="mpmath")
    with mpmath.workdps(30):
        v, e = mpmath.quad(lambda t: f(t) * mpmath.npdf(t), [-mpmath.inf, *a.kinks, mpmath.inf],
                           error=True)
    return float(v), float(e)


def series_tail_bound(m: float, G, lam, c, chat, xi: float, act, n: int) -> float:
    """Bound on what the printed double series (Prop. 4, normalised rows) drops when truncated
    at l + s + 1 ≤ n: for each (i, j) the dropped terms regroup to Σ_{p>n} p μ_p² ρ_ij^{p−1}, so
    ``|tail| ≤ Σ_ij |A_ij| r^n (E[σ'²] − Σ_{p≤n} p μ_p²)`` with A_ij = 2λ_iλ_jξ²c_iĉ_j/(N_iN̂_j),
    r = max|ρ_ij(m)| < 1 (plus the quadrature error of E[σ'²]).

    >>> b = series_tail_bound(0.5, np.eye(2), [1, 1], [.7, .7], [.7, -.7], 1.0, "relu", 60)
    >>> 0 < b < 1e-6
    True
    """
    G = np.asarray(G, float)
    lam, c, chat = (np.asarray(v, float) for v in (lam, c, chat))
    N = np.sqrt(np.diag(G) + xi**2 * c**2)
    Nh = np.sqrt(np.diag(G) + xi**2 * chat**2)
    A = 2 * np.outer(lam, lam) * xi**2 * np.outer(c, chat) / np.outer(N, Nh)
    R = population.rho_matrix(m, G, c, chat, xi)
    r = float(np.max(np.abs(R[A != 0]))) if np.any(A != 0) else 0.0
    mu = hermite.mu_array(act, n)
    ex, ex_err = _ex_sq_deriv(act)
    tail = max(ex - float(np.sum(np.arange(1, n + 1) * mu[1:] ** 2)), 0.0) + ex_err
    return float(np.abs(A).sum()) * (tail * r**n + 1e-15)


# ---------------------------------------------------------------------------------------------
# Verdict from comparisons of printed forms
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Form:
    """A printed form whose implied h(m) is compared with −dΦ/dm.

    ``h(m, mu, G, lam, c, chat, xi)`` returns the h the printed form implies (for a gradient
    coefficient g printed in front of (u − û<u, û>), Prop. 4's convention gives h = −g);
    ``corrected`` the same for the corrected form (None if none is offered); ``xi1``: the form
    is printed for ξ = 1 only.
    """

    sub: SubCheck
    h: Callable
    corrected: Callable | None = None
    corrected_text: str | None = None
    xi1: bool = False
    note: str = ""


def compare_form(form: Form, ctx: Context) -> Verdict:
    t0 = time.perf_counter()
    rows = []
    ok_p = ok_c = True
    routes = True
    for act in exact_activations(ctx):
        mu = exact_mus(act)
        for inst in exact_instances(ctx, xi1=form.xi1):
            D, agree = _derived(act, inst)
            routes &= agree
            G, lam, c, chat, xi = inst.args()
            P = sp.expand(form.h(M, mu, G, lam, c, chat, xi))
            eq = same(P, D)
            ok_p &= eq
            row = {"activation": act.name, "instance": inst.label, "printed_equals_derived": eq}
            if not eq:
                row.update(printed=short(P), derived=short(D), printed_over_derived=ratio(P, D))
                if form.corrected is not None:
                    C = sp.expand(form.corrected(M, mu, G, lam, c, chat, xi))
                    ceq = same(C, D)
                    ok_c &= ceq
                    row["corrected_equals_derived"] = ceq
            rows.append(row)
    n = len(rows)
    if ok_p:
        st, corr = "confirmed", None
        summ = f"printed form = −dΦ/dm exactly in all {n} (activation, instance) pairs"
    elif form.corrected is not None and ok_c:
        st, corr = "erratum", form.corrected_text
        bad = sum(not r["printed_equals_derived"] for r in rows)
        ratios = sorted({str(r.get("printed_over_derived")) for r in rows
                         if not r["printed_equals_derived"]})
        summ = (f"printed form ≠ −dΦ/dm in {bad}/{n} pairs (printed/derived: "
                f"{join_items(ratios, 80)}); the corrected form holds exactly in all")
    else:
        st, corr = "refuted", None
        summ = f"printed form ≠ −dΦ/dm in {sum(not r['printed_equals_derived'] for r in rows)}/{n}"
    insts = [i.describe() for i in exact_instances(ctx, xi1=form.xi1)]
    why = ("" if st != "erratum" else "the printed formula differs from −dΦ/dm by the exact "
           "factor shown (an identity, so not a loose bound); the corrected formula holds "
           "exactly, and no convention declared there makes the printed one right")
    return Verdict(form.sub.id, st, summary=summ, corrected=corr, tolerance=EXACT, why=why,
                   justification="polynomial σ: h(m) is a polynomial in m; both sides exact; "
                   "the reference −dΦ/dm is also checked against the K' closed form "
                   f"(agree: {routes})",
                   evidence={"comparisons": rows, "instances": insts,
                             "derived_routes_agree": routes, "note": form.note},
                   convention=CONV, seeds=[ctx.seed],
                   sizes={"pairs": n}, seconds=round(time.perf_counter() - t0, 3))


def float_instances(ctx: Context) -> list[dict]:
    rng = np.random.default_rng([ctx.seed, 403])
    out = []
    for t, k in enumerate([3, 4] if ctx.profile == "quick" else [2, 3, 4, 5]):
        d = k + 2
        if t % 2 == 0:
            G = np.eye(k)
        else:
            W = rng.standard_normal((k, d))
            W /= np.linalg.norm(W, axis=1, keepdims=True)
            G = W @ W.T
        out.append({"G": G, "lam": rng.uniform(-2, 2, k),
                    "c": rng.choice([-1, 1], k) / math.sqrt(k),
                    "chat": rng.choice([-1, 1], k) / math.sqrt(k),
                    "xi": [1.0, math.sqrt(k)][t % 2], "label": f"k={k}, "
                    + ("orthonormal" if t % 2 == 0 else "random unit rows")})
    return out
