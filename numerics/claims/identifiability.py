"""Claim DC-EX1 (Example 1, App. F.1, p.56: multiple global optima when Assumption 2 does not
hold): two different rank-1 perturbations give the same teacher, exactly.

Convention: raw rows without ξ, σ(z) = z², as printed. The check takes the printed setting as
data (``printed=...``) so that tests can pass an altered statement and watch the verdict flip.

>>> [v.status for v in check_example1(Context(profile="quick"))]
['confirmed', 'confirmed', 'confirmed']
"""

from __future__ import annotations

import time

from numerics.claims import Claim, Context, SubCheck, Verdict, register
from theory import constructions as tc

_EXACT = "exact arithmetic (sympy): an expression is accepted only if it simplifies to exactly 0"

# --------------------------------------------------------------------------------------------
# DC-EX1
# --------------------------------------------------------------------------------------------

_EX1_PRINTED = (
    "Example 1 Let λ1, λ = 1, let w1 = (1, 0), w2 = (0, 1), and consider the activation "
    "σ(z) = z². If the base model f : R² → R is given by f(x) = Σ_{i=1}^2 λ_iσ(⟨w_i, x⟩), then "
    "observe that the following two rank-1 perturbations of equal scale are equal. First, take "
    "u = (1/√2, 1/√2) and u′ = (1/√3, √6/3). Then define c = (−(1 + √2)(2 + √3), "
    "(1+√2)(√2+√3)) and c′ = −c. Then one can verify that the teacher models "
    "Σ_{i=1}^2 λ_iσ(⟨w_i + c_iu, x⟩) and Σ_{i=1}^2 λ_iσ(⟨w_i + c′_iu′, x⟩) are functionally "
    "equivalent, even though {w1 + c1u, w2 + c2u} ≠ {w1 + c′1u′, w2 + c′2u′}, regarded as "
    "unordered pairs of vectors in R². Furthermore, ‖c‖ = ‖c′‖."
)

EX1_SUB = (
    SubCheck("DC-EX1.a", "App. F.1, p.56",
             "the teacher models Σ_{i=1}^2 λ_iσ(⟨w_i + c_iu, x⟩) and Σ_{i=1}^2 λ_iσ(⟨w_i + "
             "c′_iu′, x⟩) are functionally equivalent [σ(z) = z², λ1 = λ2 = 1, data of "
             "Example 1: " + _EX1_PRINTED + "]"),
    SubCheck("DC-EX1.b", "App. F.1, p.56",
             "{w1 + c1u, w2 + c2u} ≠ {w1 + c′1u′, w2 + c′2u′}, regarded as unordered pairs of "
             "vectors in R²"),
    SubCheck("DC-EX1.c", "App. F.1, p.56", "Furthermore, ‖c‖ = ‖c′‖."),
)


def check_example1(ctx: Context, printed: tc.Example1 = tc.PRINTED_EXAMPLE1) -> list[Verdict]:
    """DC-EX1 (Example 1, App. F.1, p.56), raw rows without ξ, σ(z) = z², exactly in symbolic
    ``x = (x1, x2)``. "λ1, λ = 1" is read as λ1 = λ2 = 1. Exact, no numerical limits.

    >>> check_example1(Context())[2].evidence["norm_c_squared"] == \\
    ...     check_example1(Context())[2].evidence["norm_c_prime_squared"]
    True
    """
    t0 = time.perf_counter()
    r = tc.example1_check(printed)
    dt = round((time.perf_counter() - t0) / 3, 3)
    common = {"tolerance": "exact", "justification": _EXACT, "convention": "raw, no ξ",
              "seconds": dt}
    note = ("'λ1, λ = 1' read as λ1 = λ2 = 1 (typo); u, u′ unit: "
            f"{r['u_unit']}")
    a = Verdict(EX1_SUB[0].id, "confirmed" if r["same_function"] else "refuted",
                summary=("same quadratic form in x exactly" if r["same_function"] else
                         "teachers differ: f − f′ has non-zero coefficients"),
                evidence={"teacher": r["teacher"], "teacher_prime": r["teacher_prime"],
                          "f − f′ coefficients (monomial exponents → value)":
                              r["difference_coefficients"], "note": note}, **common)
    b = Verdict(EX1_SUB[1].id, "confirmed" if r["pairs_differ"] else "refuted",
                summary=("row pairs differ as unordered pairs" if r["pairs_differ"] else
                         "row pairs coincide"),
                evidence={"rows": r["rows"], "rows_prime": r["rows_prime"]}, **common)
    c = Verdict(EX1_SUB[2].id, "confirmed" if r["equal_norms"] else "refuted",
                summary=f"‖c‖² = {r['norm_c_squared']} = ‖c′‖²" if r["equal_norms"] else
                f"‖c‖² = {r['norm_c_squared']} ≠ ‖c′‖² = {r['norm_c_prime_squared']}",
                evidence={"norm_c_squared": r["norm_c_squared"],
                          "norm_c_prime_squared": r["norm_c_prime_squared"],
                          "u, u′ unit (so ‖cuᵀ‖_F = ‖c′u′ᵀ‖_F: 'equal scale')": r["u_unit"]},
                **common)
    return [a, b, c]


EX1 = register(Claim(
    id="DC-EX1", location="Example 1 (App. F.1, p.56)",
    title="Two different rank-1 perturbations, same teacher (σ(z) = z², u in span(W))",
    convention="raw, no ξ", subchecks=EX1_SUB, check=check_example1))
