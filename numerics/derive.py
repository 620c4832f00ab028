"""What ``lowrank derive`` computes, below the command line: the Hermite expansion,
information exponent, decay, K′ and h(m) of an activation, for an instance.

typed activation, for an instance the user describes.

JSON output (``--json``), schema ``lowrank-derive/1``:

* ``activation``: ``{"input", "expr" (sympy string), "latex", "polynomial",
  "point_mass_derivative"}``
* ``coefficients``: list of ``{"p", "value" (float), "exact" (sympy string or null), "error",
  "method"}`` for μ_0..μ_N (``--terms``)
* ``information_exponent``: int or null (all computed coefficients zero)
* ``decay``: Assumption 6.2's fit ``{"rho", "rho_stderr", "C", "p_used", "note"}``
* ``kprime``: ``{"closed_form": sympy string or null, "latex"}``
* ``instance``: d, k, ξ, features, λ law, c law, convention, seed, and the arrays λ, c, ĉ, Gram
* ``h``: ``{"h0", "h0_error", "sign_h0", "condition3": {...}, "grid": {"m": [...], "h": [...]},
  "exact": sympy polynomial string or null (polynomial σ with orthonormal features)}``
"""

from __future__ import annotations

import dataclasses

import numpy as np

__all__ = ["derive", "build_instance"]


def derive(act, text: str, *, terms: int, digits: int, k: int, d: int, xi: float,
           features: str, lam: str, c_law: str, seed: int, convention: str,
           instance_file: str | None = None) -> dict:
    """Everything ``lowrank derive`` prints, as a dict (the ``--json`` document)."""
    import sympy as sp

    from theory import hermite, kernels, population

    coeffs = hermite.mus(act, terms, dps=max(digits + 5, 20))
    out: dict = {
        "schema": "lowrank-derive/1",
        "activation": {
            "input": text,
            "expr": str(act.expr),
            "latex": sp.latex(act.expr),
            "polynomial": act.is_polynomial,
            "point_mass_derivative": act.point_mass_derivative,
        },
        "coefficients": [
            {
                "p": cf.p,
                "value": float(cf),
                "exact": str(cf.value) if cf.value is not None else None,
                "approx": sp.N(sp.Float(str(cf.approx), digits + 5), digits).__str__()
                if cf.value is None else None,
                "error": float(cf.error),
                "method": cf.method,
            }
            for cf in coeffs
        ],
        "information_exponent": hermite.information_exponent(act, pmax=max(terms, 30)),
    }
    fit = hermite.decay_fit(act)
    out["decay"] = dataclasses.asdict(fit)
    if act.point_mass_derivative:
        out["kprime"] = {"closed_form": None, "latex": None,
                         "note": "σ' has a point mass: K' and h(m) are not defined"}
        out["h"] = None
        out["instance"] = None
        return out
    kp = kernels.closed_Kprime(act)
    out["kprime"] = {"closed_form": str(kp) if kp is not None else None,
                     "latex": sp.latex(kp) if kp is not None else None}
    inst = build_instance(act, k=k, d=d, xi=xi, features=features, lam=lam, c_law=c_law, seed=seed,
                     convention=convention, instance_file=instance_file)
    G = inst.gram()
    if features == "orthonormal" and instance_file is None:
        G = np.eye(inst.k)  # exactly: the rows are orthonormal up to rounding
    h = population.hfun(G, inst.lam, inst.c, inst.chat, inst.xi, act, convention)
    grid = np.linspace(-1, 1, 201)
    hv = h(grid)
    h0 = population.h_closed(0.0, G, inst.lam, inst.c, inst.chat, inst.xi, act, convention)
    exact = None
    if act.is_polynomial and features == "orthonormal" and c_law == "quantised" \
            and instance_file is None:
        q = 1 / sp.sqrt(inst.k)
        cs = [q * int(np.sign(v)) for v in inst.c]
        chs = [q * int(np.sign(v)) for v in inst.chat]
        ls = [sp.nsimplify(v) for v in inst.lam] if lam == "equal" else list(inst.lam)
        exact = population.h_exact(act, sp.eye(inst.k), ls, cs, chs, sp.nsimplify(inst.xi),
                                   convention)
    out["instance"] = {
        "d": inst.d, "k": inst.k, "xi": inst.xi, "features": features, "lam": lam, "c": c_law,
        "convention": convention, "seed": seed, "file": instance_file,
        "lam_values": inst.lam, "c_values": inst.c, "chat_values": inst.chat, "gram": G,
    }
    out["h"] = {
        "h0": h0.value,
        "h0_error": h0.error,
        "sign_h0": float(np.sign(h0.value)),
        "condition3": population.condition3(h),
        "grid": {"m": grid, "h": hv},
        "exact": str(exact) if exact is not None else None,
        "latex": sp.latex(exact) if exact is not None else None,
    }
    return out


def build_instance(act, *, k, d, xi, features, lam, c_law, seed, convention, instance_file):
    """The instance ``derive`` describes: loaded from ``instance_file`` or drawn from
    ``default_rng(seed)`` (the same instance as ``lowrank simulate --seed``)."""
    from numerics import problem

    if instance_file:
        return problem.Instance.load(instance_file)
    rng = np.random.default_rng(seed)
    return problem.make_instance(rng, d=d, k=k, xi=xi, act=str(act.expr), features=features,
                                 lam=lam, c=c_law, convention=convention)
