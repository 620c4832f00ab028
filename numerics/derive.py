"""What ``lowrank derive`` computes, below the command line: the Hermite expansion, information
exponent, decay, Assumption 6.1, K′ and h(m) of an activation, for an instance.

Every number is **exact** (a sympy expression, printed with its decimal digits) or
**certified** (a decimal string and a proved bound on its distance to the true value); an
answer that the bounds cannot decide is "undetermined", with the reason.

JSON output (``--json``), schema ``lowrank-derive/2`` (``docs/schemas/derive.schema.json``):

* ``activation``: ``{"input", "expr" (sympy string), "latex", "polynomial",
  "point_mass_derivative", "assumption_6_1": {"status", "reason"}}``
* ``digits``: the significant digits asked for (``--digits``)
* ``coefficients``: list of ``{"p", "exact" (sympy string or null), "value" (decimal string:
  the digits the bound supports, at most ``digits``), "error" (number: a proved bound on
  |μ_p − value|; 0 when exact and the decimal is exact), "float" (float64 or null when out of
  its range), "digits" (significant digits printed), "method", "note" (why fewer digits than
  asked, or null)}`` for μ_0..μ_N (``--terms``)
* ``information_exponent``: ``{"value" (int or null), "status" (exact, certified,
  undetermined, none), "reason"}``
* ``decay``: Assumption 6.2's ``{"status" (holds, fails, undetermined), "rho", "C", "basis",
  "p_range", "reason"}``
* ``kprime``: ``{"closed_form": sympy string or null, "latex", "route"}``
* ``instance``: d, k, ξ, features, λ law, c law, convention, seed, source ("drawn" or the file),
  and the arrays λ, c, ĉ, Gram
* ``h``: ``{"h0", "h0_error", "h0_exact_zero", "sign_h0" (+1, −1, 0 or null when undetermined),
  "condition3": {"status" (holds, fails, undetermined, not applicable), "reason", "grid"},
  "grid": {"m", "h", "error", "note"} (h, error null beyond float64), "points":
  [{"m", "h", "error", "decimal", "decimal_error"}] (``--m``), "route", "exact" (sympy
  polynomial or null), "latex", "beyond_float" (null, or {"h0", "h0_error", "note"}: decimal
  strings when h(0) is beyond float64's range)}``; null when σ' has a point mass or is
  unbounded (Assumption 6.1).
"""

from __future__ import annotations

import math
import re

import mpmath
import numpy as np

__all__ = ["derive", "build_instance", "fmt_error", "assumption61", "check_finite"]

SCHEMA = "lowrank-derive/2"


def fmt_error(e) -> str:
    """A bound printed with 2 significant digits, rounded **up** (still a bound).

    >>> fmt_error(1.234e-16), fmt_error(0), fmt_error(9.99e-5)
    ('1.3e-16', '0', '1.0e-04')
    """
    e = mpmath.mpf(e)
    if e == 0:
        return "0"
    ex = int(mpmath.floor(mpmath.log10(e)))
    man = e / mpmath.mpf(10) ** ex
    up = mpmath.ceil(man * 10 - mpmath.mpf(10) ** -20) / 10
    if up >= 10:
        up, ex = up / 10, ex + 1
    return f"{float(up):.1f}e{ex:+03d}"


def _float_or_none(v) -> float | None:
    try:
        f = float(v)
    except (OverflowError, ValueError):
        return None
    return f if math.isfinite(f) and (f != 0 or v == 0) else None


def _bound(e) -> float:
    """A float upper bound of a non-negative mpf (the smallest subnormal for tiny ones)."""
    e = mpmath.mpf(e)
    if e == 0:
        return 0.0
    f = float(e)
    if f == 0:
        return 5e-324
    return float(np.nextafter(f, np.inf)) if math.isfinite(f) else math.inf


def _sigdigits(text: str) -> int:
    t = text.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
    return len(t)


def _coefficient(cf, digits: int) -> dict:
    text, err = cf.digits(digits)
    got = _sigdigits(text)
    note = None
    if cf.exact:
        note = None
    elif got < digits:
        note = (f"only {got} digits: " if got else "not resolved: ") + (
            "the certified quadrature reached its limit (precision or evaluation budget)"
            if cf.limited else "|μ_p| is below 10^-(digits+3) of σ's scale, the absolute "
            "accuracy aimed at; it may be 0 (ball arithmetic cannot prove a zero)")
    return {"p": cf.p, "exact": str(cf.value) if cf.exact else None, "value": text,
            "error": _bound(err), "float": _float_or_none(cf.approx), "digits": got,
            "method": cf.method, "note": note}


def assumption61(act) -> dict:
    """Assumption 6.1: σ a.e. differentiable with |σ'(x)| ≤ b + c|x|^q (polynomial growth).

    holds: a growth envelope of σ' with no exponential factor is proved
    (:mod:`theory.envelope`); fails: σ has a jump (σ' has a point mass), σ' has a negative
    power of something that vanishes at a real point (unbounded there), or σ' is an
    exponential polynomial with a real exponential rate; otherwise undetermined.

    >>> assumption61(__import__("theory.activations").activations.get("sqrt(abs(x))"))["status"]
    'fails'
    """
    import sympy as sp

    from theory.activations import X
    from theory.envelope import EnvelopeError, envelope
    from theory.hermite_exact import exp_terms
    from theory.kernels import derivative_expr

    if act.point_mass_derivative:
        return {"status": "fails", "reason": "σ jumps, so σ' has a point mass: h(m) and the "
                "SGD engines need σ without jumps"}
    d = derivative_expr(act)
    for node in sp.preorder_traversal(d):
        if isinstance(node, sp.Pow) and node.exp.is_negative and node.base.has(X):
            try:
                roots = [r for r in sp.solve(sp.Eq(node.base, 0), X) if r.is_real]
            except (NotImplementedError, TypeError, ValueError):
                roots = []
            if roots:
                return {"status": "fails", "reason": f"σ'(x) = {d} is unbounded near x = "
                        f"{roots[0]}, so no bound |σ'(x)| ≤ b + c|x|^q holds"}
    terms = exp_terms(d)
    if terms is not None and any(sp.re(a) != 0 for _, _, a in terms):
        return {"status": "fails", "reason": f"σ'(x) = {d} grows exponentially"}
    try:
        env = envelope(d)
    except EnvelopeError as err:
        return {"status": "undetermined", "reason": f"no growth bound of σ' proved ({err})"}
    if env.a == 0 and env.b == 0:
        return {"status": "holds", "reason": f"|σ'(x)| ≤ {float(env.A.mid()):.4g}·(1 + |x|)^"
                f"{env.n} for every x (growth envelope of σ'(x) = {d})"}
    return {"status": "undetermined", "reason": "the growth envelope proved for σ' has an "
            "exponential factor; no polynomial bound proved"}


def derive(act, text: str, *, terms: int, digits: int, k: int, d: int, xi: float,
           features: str, lam: str, c_law: str, seed: int, convention: str,
           instance_file: str | None = None, points: tuple[float, ...] = (),
           use_cache: bool = True) -> dict:
    """Everything ``lowrank derive`` prints, as a dict (the ``--json`` document). ``act`` is the
    parsed activation (never re-parsed from its printed form). ``use_cache``: read and write
    the on-disk coefficient cache (:mod:`numerics.coeffcache`)."""
    import sympy as sp

    from numerics import coeffcache
    from theory import decay, hermite, kernels

    coeffcache.install(use_cache)
    n_mu = max(terms, 10)
    coeffs = hermite.mus(act, n_mu, dps=digits)[: terms + 1]
    a61 = assumption61(act)
    out: dict = {
        "schema": SCHEMA,
        "activation": {
            "input": text,
            "expr": str(act.expr),
            "latex": sp.latex(act.expr),
            "polynomial": act.is_polynomial,
            "point_mass_derivative": act.point_mass_derivative,
            "assumption_6_1": a61,
        },
        "digits": digits,
        "coefficients": [_coefficient(cf, digits) for cf in coeffs],
    }
    ie = hermite.exponent_report(act, pmax=max(terms, 30), dps=max(digits, 10))
    out["information_exponent"] = {"value": ie.value, "status": ie.status, "reason": ie.reason}
    dc = decay.decay_check(act)
    # JSON holds no inf/nan: ρ = ∞ (a polynomial or a smooth σ) is said by
    # holds_for_every_rho, and a quantity the check did not compute is null
    out["decay"] = {"status": dc.status,
                    "rho": dc.rho if math.isfinite(dc.rho) else None,
                    "holds_for_every_rho": dc.rho == math.inf,
                    "C": dc.C if math.isfinite(dc.C) else None, "basis": dc.basis,
                    "p_range": dc.p_range, "reason": dc.reason}
    out["h"] = None
    out["instance"] = None
    if act.point_mass_derivative:
        out["kprime"] = {"closed_form": None, "latex": None, "route": None,
                         "note": "σ' has a point mass: K' and h(m) are not defined"}
        return out
    kp = kernels.closed_Kprime(act)
    if a61["status"] == "fails" and "unbounded" in a61["reason"] and kp is None:
        out["kprime"] = {"closed_form": None, "latex": None, "route": None,
                         "note": "Assumption 6.1 fails: " + a61["reason"] + "; h(m) is not "
                         "computed (the certified kernel series needs E[σ'(g)²] < ∞)"}
        return out
    out["kprime"] = {"closed_form": str(kp) if kp is not None else None,
                     "latex": sp.latex(kp) if kp is not None else None,
                     "route": "closed form (ball arithmetic)" if kp is not None else
                     "Mehler series of σ' with σ''s own certified coefficients, tail bounded "
                     "by Parseval (theory.hseries)"}
    inst = build_instance(act, k=k, d=d, xi=xi, features=features, lam=lam, c_law=c_law,
                          seed=seed, convention=convention, instance_file=instance_file)
    out["instance"] = describe(inst, seed=seed, file=instance_file)
    out["h"] = _h(act, inst, instance_file is None and features == "orthonormal",
                  c_law, lam, points)
    check_finite(out)
    return out


def check_finite(out: dict) -> None:
    """The post-check of a ``derive`` result: every number finite (the JSON holds no NaN or
    infinity; a value beyond float64 is null with its decimal string elsewhere), else a
    ValueError naming the quantity (μ_p, h(m) at m, h(0), …) and the likeliest cause.

    >>> check_finite({"instance": {"xi": 1e300}, "h": {"grid": {"m": np.array([0.0]),
    ...               "h": np.array([np.nan])}}})
    Traceback (most recent call last):
    ...
    ValueError: h(m) at m = 0 is not finite: ξ = 1e+300 is extreme (h involves ξ² and ξ⁴)
    """
    from numerics.serial import first_nonfinite

    hit = first_nonfinite(out)
    if hit is None:
        return
    path = hit[0]
    idx = [int(i) for i in re.findall(r"\[(\d+)\]", path)]
    if path.startswith("coefficients"):
        what = f"μ_{out['coefficients'][idx[0]]['p']} ({path.split('.')[-1]})"
    elif path.startswith("h.grid"):
        what = f"h(m) at m = {float(out['h']['grid']['m'][idx[0]]):g}"
    elif path.startswith("h."):
        what = {"h.h0": "h(0)", "h.h0_error": "the error bound of h(0)",
                "h.sign_h0": "sign(h(0))"}.get(path, path)
    else:
        what = path
    xi = (out.get("instance") or {}).get("xi", 1.0)
    why = (f"ξ = {xi:.3g} is extreme (h involves ξ² and ξ⁴)" if not 1e-6 <= xi <= 1e6
           else "a floating-point overflow (inputs of extreme scale)")
    raise ValueError(f"{what} is not finite: {why}")


def describe(inst, *, seed, file) -> dict:
    """The ``instance`` block: what the instance holds (the file's own description if loaded)."""
    meta = inst.meta or {}
    G = _gram(inst, file is None and meta.get("features") == "orthonormal")
    return {"d": inst.d, "k": inst.k, "xi": inst.xi, "features": meta.get("features"),
            "lam": meta.get("lam"), "c": meta.get("c"), "convention": inst.convention,
            "seed": meta.get("seed", seed if file is None else None),
            "source": "drawn" if file is None else f"file {file}", "file": file,
            "file_act": meta.get("file_act"),
            "lam_values": inst.lam, "c_values": inst.c, "chat_values": inst.chat, "gram": G}


def _gram(inst, orthonormal: bool) -> np.ndarray:
    if orthonormal:
        return np.eye(inst.k)  # exactly: the rows are orthonormal up to rounding
    return inst.gram()


#: Largest number of (m, i, j) terms evaluated in ball arithmetic for a closed-form kernel
#: (about 30 µs each); beyond it the grid is evaluated in floats and marked not certified.
BALL_TERMS = 60_000


def _h(act, inst, orthonormal: bool, c_law: str, lam: str, points) -> dict:
    import sympy as sp
    from flint import arb

    from theory import kernels, population
    from theory.balls import decimal, float_ball
    from theory.hball import closed_h_balls

    G = _gram(inst, orthonormal)
    conv = inst.convention
    args = (G, inst.lam, inst.c, inst.chat, inst.xi, act, conv)
    closed = kernels.closed_Kprime(act) if conv == "normalised" else \
        kernels.closed_Kprime_cov(act)
    grid = np.linspace(-1, 1, 201)
    pairs = int(np.count_nonzero(np.outer(inst.lam, inst.lam) * np.outer(inst.c, inst.chat)))
    grid_note = None
    if closed is not None:
        ball_h = closed_h_balls(G, inst.lam, inst.c, inst.chat, inst.xi, closed, conv,
                                balls=True)
    else:
        table = population.hcert(*args)

        def ball_h(m):
            v, e = table(np.asarray(m, float))
            return [arb(float(x), float(y)) for x, y in zip(v, e, strict=True)]
    if closed is None or pairs * grid.size <= BALL_TERMS:
        gb = ball_h(grid)
    else:
        gb = None
        grid_note = (f"grid in float64 without a bound: {pairs} kernel terms × {grid.size} "
                     "points in ball arithmetic would take long; h(0) and --m points are "
                     "certified")
    h0b = ball_h(np.array([0.0]))[0]
    h0, h0_err = float_ball(h0b)
    zero = population.h0_is_zero(*args)
    exact = None
    if act.is_polynomial and orthonormal and c_law == "quantised":
        q = 1 / sp.sqrt(inst.k)
        cs = [q * int(np.sign(v)) for v in inst.c]
        chs = [q * int(np.sign(v)) for v in inst.chat]
        ls = [sp.nsimplify(v) for v in inst.lam] if lam == "equal" else list(inst.lam)
        exact = population.h_exact(act, sp.eye(inst.k), ls, cs, chs, sp.nsimplify(inst.xi),
                                   conv)
        zero = zero or exact.subs(population.M, 0) == 0
    if zero:
        sign = 0.0
    elif h0b > 0 or h0b < 0:
        sign = 1.0 if h0b > 0 else -1.0
    else:
        sign = None
    in_range = math.isfinite(h0) and (h0 != 0 or zero or h0b.is_zero())
    beyond = None
    if not in_range:
        text, err = decimal(h0b, 10)
        beyond = {"h0": text, "h0_error": fmt_error(_mpf(err)),
                  "note": "h(m) is beyond float64's range; h(0) as a decimal string, certified"}
    if gb is not None:
        vals = [float_ball(b) for b in gb]
        hv = np.array([v for v, _ in vals])
        he = np.array([e for _, e in vals])
    else:
        hv = population.hfun(*args)(grid)
        he = np.full(grid.shape, np.nan)
    pts = []
    if points:
        for m, b in zip(points, ball_h(np.asarray(points, float)), strict=True):
            v, e = float_ball(b)
            ok = math.isfinite(v) and (v != 0 or b.is_zero() or e > 0)
            pts.append({"m": float(m), "h": v if ok else None, "error": e if ok else None,
                        "decimal": decimal(b, 10)[0],
                        "decimal_error": fmt_error(_mpf(decimal(b, 10)[1]))})
    c3 = _condition3(grid, gb, h0b, zero, sign)
    finite = bool(np.all(np.isfinite(hv))) and in_range
    return {"h0": h0 if in_range else None,
            "h0_error": h0_err if in_range and math.isfinite(h0_err) else None,
            "h0_exact_zero": bool(zero), "sign_h0": sign, "condition3": c3,
            "grid": {"m": grid, "h": hv if finite else None,
                     "error": he if finite and gb is not None else None,  # no bound: null
                     "note": grid_note},
            "points": pts, "route": "closed form K' in ball arithmetic" if closed is not None
            else "Mehler series of σ' (certified coefficients and tail)",
            "exact": str(exact) if exact is not None else None,
            "latex": sp.latex(exact) if exact is not None else None, "beyond_float": beyond}


def _mpf(a):
    from theory.balls import to_mpf

    return to_mpf(a)[0] + to_mpf(a)[1]


def _condition3(grid, gb, h0b, zero: bool, sign) -> dict:
    """Condition 3 (App. C.1): h(m)·sign(h(0)) ≥ |h(0)|/2 whenever m·h(0) ≥ 0, on the grid,
    decided in ball arithmetic (holds / fails / undetermined / not applicable)."""
    from theory.balls import float_bound

    n = int(grid.size)
    if zero:
        return {"status": "not applicable", "grid": n, "reason": "h(0) = 0: the theorems' "
                "sign condition does not apply"}
    if sign is None:
        return {"status": "undetermined", "grid": n,
                "reason": f"|h(0)| ≤ {fmt_error(float_bound(h0b))}: the bound on h(0) covers 0, "
                "so its sign is undetermined"}
    if gb is None:
        return {"status": "undetermined", "grid": n, "reason": "the grid is not certified"}
    half = abs(h0b) / 2
    first = None
    undecided = 0
    for m, b in zip(grid, gb, strict=True):
        if m * sign < 0:
            continue
        sb = b * sign
        if sb < half:  # every point of the balls: fails here
            return {"status": "fails", "grid": n, "reason": f"at m = {m:+.3f}, "
                    "h(m)·sign(h(0)) < |h(0)|/2 (proved in ball arithmetic)"}
        if not sb >= half:
            undecided += 1
            first = m if first is None else first
    if undecided:
        return {"status": "undetermined", "grid": n, "reason": f"at {undecided} grid points "
                f"(first m = {first:+.3f}) the bounds do not separate h(m)·sign(h(0)) from "
                "|h(0)|/2"}
    return {"status": "holds", "grid": n, "reason": "at every grid point with m·h(0) ≥ 0, "
            "h(m)·sign(h(0)) ≥ |h(0)|/2 (proved in ball arithmetic)"}


def build_instance(act, *, k, d, xi, features, lam, c_law, seed, convention, instance_file):
    """The instance ``derive`` describes: loaded from ``instance_file`` (its W, λ, c, ĉ, ξ and
    convention; ``act`` replaces the file's activation) or drawn from ``default_rng(seed)``
    (the same instance as ``lowrank simulate --seed``)."""
    from numerics import problem

    if instance_file:
        inst = problem.Instance.load(instance_file)  # every field checked (one-line errors)
        problem.check_model(inst, source=instance_file,
                            alpha_hint="Prop. 4's h(m) is derived for that case only")
        if inst.d < inst.rank + 3:
            raise problem.InstanceError(f"{instance_file}: d = {inst.d} is below rank(W) + 3 = "
                                        f"{inst.rank + 3} (Derivation 1 needs d ≥ rank(W) + 3)")
        inst.meta = {**(inst.meta or {}), "file_act": inst.act}
        return problem.with_activation(inst, act)
    rng = np.random.default_rng(seed)
    return problem.make_instance(rng, d=d, k=k, xi=xi, act=act, features=features,
                                 lam=lam, c=c_law, convention=convention, seed=seed)
