"""theory/anticoncentration.py: influence, Prop. 29's Q̃, the orthonormal decomposition of h and
Claim 1's forms, against independent routes (Prop. 4's exact h, brute-force evaluation in m)."""

from fractions import Fraction

import numpy as np
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from theory import anticoncentration as ac
from theory import kernels, population


def test_influence_exact_and_float_agree():
    Q = [[3, 1, 0], [1, 2, 1], [0, 1, 1]]
    assert ac.influence(Q) == Fraction(10, 18)      # row norms 10, 6, 2 of a total 18
    assert abs(ac.influence(np.array(Q, float)) - 10 / 18) < 1e-15


def test_influence_uses_columns_of_a_nonsymmetric_form():
    assert ac.influence([[1, 1], [0, 0]]) == Fraction(1, 1)   # x₁ carries everything
    assert ac.influence([[1, 0], [1, 0]]) == Fraction(1, 1)   # y₁ carries everything


def test_q_tilde_series_is_r_kprime_r_exactly():
    """Prop. 29's Q̃ as printed (the s-series) equals r·K′(r·G) for polynomial σ, exactly."""
    G = sp.Matrix([[1, sp.Rational(1, 3)], [sp.Rational(1, 3), 1]])
    for act in ("cubic", "He3", "x**5"):
        k = 5
        Kp = kernels.closed_Kprime(act)
        r = sp.Rational(k, k + 1)
        want = G.applyfunc(lambda g, r=r, Kp=Kp: sp.expand(r * Kp.subs(kernels.RHO, r * g)))
        assert sp.simplify(ac.q_tilde_series(G, ac.kappa(act, 5), k) - want) == sp.zeros(2, 2)


def test_q_tilde_series_relu_converges_to_closed_form():
    G = np.array([[1.0, 0.4], [0.4, 1.0]])
    k = 6
    Kp = sp.lambdify(kernels.RHO, kernels.closed_Kprime("relu"), "numpy")
    series = np.array(ac.q_tilde_series(sp.Matrix(G), ac.kappa("relu", 60), k), float)
    assert np.allclose(series, ac.q_tilde(G, Kp, k), atol=1e-5)


@given(st.lists(st.sampled_from([1, -1]), min_size=3, max_size=3),
       st.lists(st.sampled_from([1, -1]), min_size=3, max_size=3),
       st.sampled_from([1, 2, 3]), st.sampled_from(["cubic", "He3"]))
def test_orthonormal_coefficients_equal_prop4(b, bh, xi2, act):
    """h(m) from the four scalars X, Y, (Σλ)², ‖λ‖² equals Prop. 4's h exactly."""
    k = 3
    lam = [1, 2, 1]
    c = [sp.Integer(v) / sp.sqrt(k) for v in b]
    ch = [sp.Integer(v) / sp.sqrt(k) for v in bh]
    ref = population.h_exact(act, sp.eye(k), lam, c, ch, sp.sqrt(xi2))
    co = ac.orthonormal_coefficients(ac.kappa(act, 3), k, xi2)
    X = sum(lam[i] * b[i] for i in range(k)) * sum(lam[i] * bh[i] for i in range(k))
    Y = sum(lam[i] ** 2 * b[i] * bh[i] for i in range(k))
    scal = {"X": X, "Y": Y, "S": sum(lam) ** 2, "L2": sum(v * v for v in lam)}
    m = population.M
    mine = sum(scal[key] * v * m**l for key, vals in co.items() for l, v in enumerate(vals))
    assert sp.expand(mine - ref) == 0


@given(st.integers(-40, 40), st.sampled_from(["cubic", "x**5"]), st.sampled_from([4, 8]),
       st.sampled_from(["p11", "p41", "corrected"]))
def test_claim1_thresholds_match_brute_force_in_m(X, act, k, form):
    """The event 'sign(m)(‖λ‖²O + X E) ≥ 0' evaluated on a fine grid of m of each sign agrees
    with the thresholds lo ≤ X (m > 0) and X ≤ hi (m < 0); ‖λ‖² = k (λ = 1), ξ² = k/2."""
    xi2 = Fraction(k, 2)
    odd, even, powers = ac.claim1_coefficients(ac.kappa(act, 5), k, xi2, form)
    lo, hi = ac.claim1_thresholds(ac.kappa(act, 5), k, xi2, form)
    ms = np.concatenate([np.linspace(1e-4, 1, 4001)])
    L2 = k

    def P(m):
        if powers:
            return sum(float(c) * m**i for i, c in enumerate(odd)) * L2 + X * sum(
                float(c) * m**i for i, c in enumerate(even))
        return float(sum(odd)) * L2 + X * float(sum(even)) + 0 * m

    pos_ok = bool(np.all(P(ms) >= -1e-9))
    neg_ok = bool(np.all(-P(-ms) >= -1e-9))
    margin = 1e-6 * (1 + abs(X))
    if abs(X - float(lo * L2)) > margin:
        assert pos_ok == (X >= lo * L2)
    if abs(X - float(hi * L2)) > margin:
        assert neg_ok == (X <= hi * L2)


def test_prop7_kernel_equals_printed_double_series():
    """F(ρ) through K′ equals Prop. 7's printed double sum (p.13), exactly for σ = x⁵."""
    k = 4
    kap = ac.kappa("x**5", 5)
    rho = sp.Rational(2, 7)
    r = sp.Rational(k, k + 1)
    printed = sum(sp.Rational(1, k) ** (2 * n + 2) * sp.binomial(2 * n + 2 + s, 2 * n + 2)
                  * kap[2 * n + s + 3] * r ** (2 * n + s + 3) * rho**s
                  for n in range(3) for s in range(6) if 2 * n + s + 3 <= 5)
    Kp = sp.lambdify(kernels.RHO, kernels.closed_Kprime("x**5"))
    assert abs(float(ac.prop7_kernel(Kp, k)(float(rho))) - float(printed)) < 1e-12


def test_cor27_bound_as_printed():
    assert ac.cor27_bound(4, 1, 1) == 1.0
    assert ac.cor27_bound(4, Fraction(1, 2), 1) == 2.0
