"""Rank r (the project's own derivation, docs/rank-r.md): theory.rank_r and numerics.rank_r.

The "Exact identities" of issue #17, with its tolerances (d = 12, k = 4, ξ = 1.3,
λ ~ U[1/2, 3/2]), each shown to fail on a deliberately wrong formula: a missing factor 2, Mᵀ in
place of M, C and Ĉ swapped (where the identity can see the difference; a factor cannot break a
covariance, and at r = 1, h is symmetric in c ↔ ĉ, which the tests state). Monte-Carlo and
sign-average checks use fixed seeds, and their power is shown on a perturbed closed form.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import sympy as sp
from rank_r_wrong import WRONG, half, swapped, transposed

from numerics import ode
from numerics import rank_r as N
from numerics.claims.rank_r import exact_instance
from theory import population
from theory import rank_r as R

POLY = "He1(x)+0.7*He2(x)+0.5*He3(x)"
ACTS = ("relu", POLY)
FEATS = ("orthonormal", "random")
M_TEST = np.array([[0.3, -0.2], [0.1, 0.4]])


def _fp(act, feat, seed=0, d=12, k=4, r=2, xi=1.3):
    return N.full_instance(np.random.default_rng([seed, d, k, r]), d=d, k=k, r=r, xi=xi,
                           act=act, features=feat, min_sv=0.3)


# ------------------------------------------------------------------ the h_matrix contract


def test_h_matrix_contract_shapes_scalars_and_xi_vectors():
    G = np.eye(3)
    lam = [1.0, 0.8, 1.2]
    c = np.array([1, -1, 1]) / math.sqrt(3)
    out = R.h_matrix(0.2, G, lam, c, c, 1.0, "relu")
    assert out.shape == (1, 1) and out.dtype == float
    C = np.array([[1, 1], [1, -1], [-1, 1]]) / math.sqrt(3)
    a = R.h_matrix(M_TEST, G, lam, C, C, [0.7, 0.7], "erf(x)")
    b = R.h_matrix(M_TEST, G, lam, C, C, 0.7, "erf(x)")
    assert a.shape == (2, 2) and np.array_equal(a, b)
    # the scale-matched ξ/√r is passed explicitly and differs from ξ
    assert not np.allclose(R.h_matrix(M_TEST, G, lam, C, C, 1.0 / math.sqrt(2), "relu"),
                           R.h_matrix(M_TEST, G, lam, C, C, 1.0, "relu"))


def test_h_matrix_refuses_norm_above_one_for_non_polynomial_sigma_only():
    G, lam = np.eye(2), [1.0, 1.0]
    C = np.eye(2)
    with pytest.raises(ValueError, match=r"‖M‖₂ = 1.1 > 1"):
        R.h_matrix(1.1 * np.eye(2), G, lam, C, C, 1.0, "relu")
    R.h_matrix((1 + 1e-13) * np.eye(2), G, lam, C, C, 1.0, "relu")  # rounding slack
    # a polynomial σ is a polynomial identity: any M
    assert np.all(np.isfinite(R.h_matrix(3 * np.eye(2), G, lam, C, C, 1.0, "He3")))


def test_h_matrix_rejects_bad_shapes_and_nan():
    G, lam, C = np.eye(2), [1.0, 1.0], np.eye(2)
    with pytest.raises(ValueError, match="M must be an"):
        R.h_matrix(np.zeros((2, 3)), G, lam, C, C, 1.0, "relu")
    with pytest.raises(ValueError, match="shapes do not match"):
        R.h_matrix(np.zeros((2, 2)), G, lam, C, np.eye(3)[:, :2], 1.0, "relu")
    with pytest.raises(ValueError, match="NaN"):
        R.h_matrix(np.array([[np.nan, 0], [0, 0]]), G, lam, C, C, 1.0, "relu")
    with pytest.raises(ValueError, match="xi must be"):
        R.h_matrix(np.zeros((2, 2)), G, lam, C, C, [1.0, 2.0, 3.0], "relu")


def test_collinear_sign_columns_warn_and_name_the_columns():
    G, lam = np.eye(4), np.ones(4)
    C = np.array([[1, 1], [1, 1], [-1, -1], [1, 1]]) / 2.0
    Ch = np.array([[1, 1], [1, -1], [-1, 1], [1, 1]]) / 2.0
    with pytest.warns(R.CollinearWarning, match="sign matrix C: columns 1 and 2 are equal"):
        H = R.h_matrix(np.zeros((2, 2)), G, lam, C, Ch, 1.0, "relu")
    assert np.linalg.svd(H, compute_uv=False)[-1] < 1e-14  # singular, as the warning says
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        R.h_matrix(np.zeros((2, 2)), G, lam, Ch, Ch, 1.0, "relu")  # no warning: full rank


# ------------------------------------------------------------------ exact identities


def test_EXT_R1_rank_one_equals_hfun_h_series_and_phi_exact():
    out = N.rank1_agreement(np.random.default_rng(17))
    assert out["max_h"] <= 1e-13 and out["max_series"] <= 1e-13 and out["max_phi"] <= 1e-13
    assert len(out["cases"]) == 4  # relu and the polynomial; orthonormal and random unit W


def test_EXT_R1_rank_one_flips_on_a_missing_factor_2_and_is_blind_to_the_others():
    bad = N.rank1_agreement(np.random.default_rng(17), acts=("relu",), feats=("random",),
                            H=half)
    assert bad["max_h"] > 0.4
    # at r = 1 transposing is the identity and h(m) is symmetric in c ↔ ĉ (relabel i ↔ j)
    for wrong in (transposed, swapped):
        ok = N.rank1_agreement(np.random.default_rng(17), acts=("relu",), feats=("random",),
                               H=wrong)
        assert ok["max_h"] <= 1e-13


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("feat", FEATS)
def test_EXT_R1_minus_dphi_dM_equals_H(act, feat):
    fp = _fp(act, feat)
    assert N.dphi_agreement(fp, M_TEST) <= 1e-7
    for name, wrong in WRONG.items():
        assert N.dphi_agreement(fp, M_TEST, H=wrong) > 1e-3, name


@pytest.mark.parametrize("act", ACTS)
def test_EXT_R1_full_space_gradient_equals_the_closed_form(act):
    fp = _fp(act, "random")
    Uh = N.frame_with_overlap(np.random.default_rng(1), fp, M_TEST)
    assert N.full_gradient_agreement(fp, Uh) <= 1e-7
    for name, wrong in WRONG.items():
        assert N.full_gradient_agreement(fp, Uh, H=wrong) > 1e-3, name


def _phi_half(M, *a):  # the cross term −Σλλ K instead of −2Σλλ K
    p = R.problem(*a)
    cross = (p.const() - p.phi(np.asarray(M, float))) / 2
    return float(p.const() - cross)


def _phi_T(M, *a):
    return R.phi_matrix(np.asarray(M, float).T, *a)


def _phi_swapped(M, g, lam, C, Ch, xi, act):
    return R.phi_matrix(M, g, lam, Ch, C, xi, act)


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("feat", FEATS)
def test_EXT_R1_phi_from_rows_equals_phi_of_M(act, feat):
    fp = _fp(act, feat)
    Uh = N.frame_with_overlap(np.random.default_rng(2), fp, M_TEST)
    assert N.phi_rows_agreement(fp, Uh) <= 1e-12
    for wrong in (_phi_half, _phi_T, _phi_swapped):
        assert N.phi_rows_agreement(fp, Uh, phi=wrong) > 1e-4, wrong.__name__


@pytest.mark.parametrize("act", ACTS)
def test_EXT_R4_covariances(act):
    fp = _fp(act, "random", r=3)
    M = np.array([[0.3, -0.2, 0.1], [0.1, 0.4, -0.3], [0.2, 0.0, -0.25]])
    out = N.covariance_defects(fp, M, np.random.default_rng(3))
    assert out["max"] <= 1e-13
    for wrong in (transposed, swapped):
        assert N.covariance_defects(fp, M, np.random.default_rng(3), H=wrong)["max"] > 1e-3
    # a constant factor is covariant: the covariances cannot see a missing 2 (stated, not hidden)
    assert N.covariance_defects(fp, M, np.random.default_rng(3), H=half)["max"] <= 1e-13


def test_EXT_R4_full_dimensional_gd_closes_on_the_r_by_r_qr_step():
    fp = N.full_instance(np.random.default_rng(40), d=40, k=6, r=2, xi=1.3, act="relu",
                         features="random", min_sv=0.3)
    out = N.gd_closure(fp, np.random.default_rng(41), eta=0.05, steps=300)
    assert out["one_step"] <= 1e-12 and out["free_run"] <= 1e-12
    assert out["sv_end"][0] > 0.9  # the run went somewhere (from σ ~ 0.2 at the start)
    for name, wrong in WRONG.items():
        bad = N.gd_closure(fp, np.random.default_rng(41), eta=0.05, steps=300, H=wrong)
        assert bad["one_step"] > 1e-4 and bad["free_run"] > 1e-3, name


def test_EXT_R4_closure_on_an_instance_that_goes_through_orthogonal_matrices():
    """The polynomial instance of the report: σ(M) passes near (1, 1); without re-projecting on
    span(W)^⊥ the full run drifted into span(W) (|WÛ| 1e-16 → 0.02) and left the recursion."""
    seed, act = 20251125, POLY
    fp = N.full_instance(np.random.default_rng([seed, 42, len(act)]), d=40, k=6, r=2, xi=1.3,
                         act=act, features="random", min_sv=0.3)
    out = N.gd_closure(fp, np.random.default_rng([seed, 43, len(act)]), steps=300)
    assert out["one_step"] <= 1e-12 and out["free_run"] <= 1e-12 and out["twin"] <= 1e-12


def test_EXT_R4_gd_closure_needs_the_positive_diagonal_qr():
    """numpy's qr without the sign fix is not a retraction of the flow's M: one step differs."""
    fp = _fp("relu", "random", d=20, k=4)
    Uh = N.uniform_frame(np.random.default_rng(5), fp)
    Y = Uh - 0.05 * fp.riemannian_gradient(Uh)
    Qraw = np.linalg.qr(Y)[0]
    M1 = R.qr_step(fp.prob, fp.overlap(Uh), 0.05)
    assert np.max(np.abs(fp.overlap(R.qf(Y)) - M1)) <= 1e-13
    signs = np.sign(np.diag(np.linalg.qr(Y)[1]))
    assert np.any(signs < 0)  # numpy's Householder QR gave a negative diagonal here
    assert np.max(np.abs(fp.overlap(Qraw) - M1)) > 1e-3


def _frozen_2(H, m0, t):  # tanh(2σt + …): a factor 2 too many
    return R.frozen_solution(2 * H, m0, t)


def _frozen_T(H, m0, t):
    return np.swapaxes(R.frozen_solution(H, m0, t), -1, -2)


def _frozen_Ht(H, m0, t):
    return R.frozen_solution(H.T, m0, t)


def test_EXT_R4_frozen_H_solution_is_tanh_along_the_svd():
    fp = _fp("relu", "orthonormal", k=6)
    m0 = [0.05, -0.02]
    assert N.frozen_agreement(fp.prob, m0) <= 1e-7
    for wrong in (_frozen_2, _frozen_T, _frozen_Ht):
        assert N.frozen_agreement(fp.prob, m0, solution=wrong) > 1e-3, wrong.__name__


def test_EXT_R3_series_equals_closed_form_exactly_for_a_polynomial():
    # exact inputs (rationals; signs ±1/2 at k = 4) with a non-diagonal Gram matrix: EXT-R3's
    G, lam, C, Ch, xi = exact_instance()
    closed = R.H_exact(POLY, G, lam, C, Ch, xi, route="closed")
    series = R.H_exact(POLY, G, lam, C, Ch, xi, route="series")
    dphi = R.H_exact(POLY, G, lam, C, Ch, xi, route="dphi")
    assert (closed - series).applyfunc(sp.expand) == sp.zeros(2, 2)
    assert (closed - dphi).applyfunc(sp.expand) == sp.zeros(2, 2)
    # the wrong formulas differ as polynomials
    Ms = R.msymbols(2)
    assert (closed / 2 - series).applyfunc(sp.expand) != sp.zeros(2, 2)
    assert (closed.subs(dict(zip(Ms, Ms.T, strict=True)), simultaneous=True)
            - series).applyfunc(sp.expand) != sp.zeros(2, 2)
    swapped_series = R.H_exact(POLY, G, lam, Ch, C, xi, route="series")
    assert (closed - swapped_series).applyfunc(sp.expand) != sp.zeros(2, 2)


def test_EXT_R3_rank_one_exact_routes_are_population_h_exact():
    G = sp.eye(2)
    lam = [1, sp.Rational(1, 2)]
    c = [1 / sp.sqrt(2), -1 / sp.sqrt(2)]
    ch = [1 / sp.sqrt(2), 1 / sp.sqrt(2)]
    for route in ("closed", "series", "dphi"):
        a = R.H_exact(POLY, G, lam, c, ch, 2, route=route)[0, 0]
        b = population.h_exact(POLY, G, lam, c, ch, 2, route=route)
        assert sp.expand(a - b) == 0
    assert sp.expand(R.phi_exact_r(POLY, G, lam, c, ch, 2)
                     - population.phi_exact(POLY, G, lam, c, ch, 2)) == 0


def test_EXT_R3_series_within_its_proved_bound_for_relu():
    fp = _fp("relu", "random", r=3)
    M = np.array([[0.3, -0.2, 0.1], [0.1, 0.4, -0.3], [0.2, 0.0, -0.25]])
    s = R.H_series(M, *fp.data, n_terms=40)
    closed = R.h_matrix(M, *fp.data)
    assert np.all(np.abs(s.value - closed) <= s.error)
    assert np.max(s.error) < 1e-6  # the bound is small enough to mean something
    bad = R.H_series(M.T, *fp.data, n_terms=40)
    assert np.any(np.abs(bad.value - closed) > bad.error)


# ------------------------------------------------------------------ dynamics at r = 1 and r


def test_rank_one_flow_is_the_population_ode_with_eta_one():
    fp = _fp("relu", "orthonormal", r=1)
    p = fp.prob
    res = R.flow(p, np.array([[0.05]]), t_max=5.0, stop=2.0)
    h = population.hfun(fp.gram, fp.lam, fp.C[:, 0], fp.Chat[:, 0], float(fp.xi[0]), "relu")
    h2 = lambda m: h(np.atleast_1d(m))  # noqa: E731
    _, Y = ode.population_ode(h2, [0.05], 1.0, 5.0, t_eval=res.t)
    assert np.max(np.abs(res.M[:, 0, 0] - Y[0])) < 1e-7


def test_rank_one_qr_step_is_the_normalised_map_not_the_population_recursion():
    fp = _fp("erf(x)", "orthonormal", r=1)
    p = fp.prob
    h = float(R.h_matrix(0.3, *fp.data)[0, 0])
    eta = 0.1
    m1 = float(R.qr_step(p, np.array([[0.3]]), eta)[0, 0])
    assert abs(m1 - (0.3 + eta * h * 0.91) / math.sqrt(1 + eta**2 * h**2 * 0.91)) < 1e-15
    assert float(R.polar_step(p, np.array([[0.3]]), eta)[0, 0]) == pytest.approx(m1, abs=1e-15)
    _, rec = ode.population_recursion(lambda m: h * np.ones_like(m), [0.3], eta, 1)
    assert abs(rec[0, -1] - m1) > 1e-4 * eta**2 * h**2  # they differ at O(η²)


def test_qr_and_polar_steps_stay_on_the_stiefel_image():
    fp = _fp("relu", "random", d=20, k=4)
    Uh = N.uniform_frame(np.random.default_rng(3), fp)
    G = fp.riemannian_gradient(Uh)
    M = fp.overlap(Uh)
    Y = Uh - 0.2 * G
    assert np.allclose(R.qr_step(fp.prob, M, 0.2), fp.overlap(R.qf(Y)), atol=1e-13)
    assert np.allclose(R.polar_step(fp.prob, M, 0.2), fp.overlap(R.polar(Y)), atol=1e-13)


def test_H0_orthonormal_is_H_at_zero():
    rng = np.random.default_rng(9)
    for act in ("relu", "He3", POLY, "erf(x)"):
        lam = rng.uniform(0.5, 1.5, 12)
        C, Ch = N.sign_matrix(rng, 12, 3), N.sign_matrix(rng, 12, 3)
        xi = [1.0, 1.3, 0.7]
        a = R.H0_orthonormal(lam, C, Ch, xi, act)
        b = R.H0(R.problem(np.eye(12), lam, C, Ch, xi, act))
        assert np.max(np.abs(a - b)) <= 1e-14 * np.max(np.abs(b))


def test_jacobian_matches_central_differences():
    fp = _fp(POLY, "random", k=6)
    p = fp.prob
    J = p.jacobian(M_TEST)
    h = 1e-6
    fd = np.empty((4, 4))
    for a in range(4):
        E = np.zeros(4)
        E[a] = h
        fd[:, a] = (p.F(M_TEST + E.reshape(2, 2)) - p.F(M_TEST - E.reshape(2, 2))).ravel() / (2 * h)
    assert np.max(np.abs(J - fd)) <= 1e-6 * np.max(np.abs(J))


def test_EXT_R7_certified_spurious_point_and_the_certificate_can_fail():
    out = N.spurious_study(5, n_instances=6, xibars=(4.0,))
    assert out["counts"]["rank2"][0] >= 1  # at ξ̄ = 4 about half the rank-2 flows stall
    f = out["failures"][0]
    p = f["problem"]
    M, resid = R.refine_stationary(p, f["M_end"])
    _, O = R.phi_min_orthogonal(p)
    cert = R.certify_stationary(p, M, O)
    assert cert.spurious and cert.residual <= 1e-10 and cert.eig_real_max < 0
    # a non-stationary point: no zero in the box
    assert not R.certify_stationary(p, 0.5 * M, O).exists
    # a recovered subspace is not spurious: the O(r) minimiser, refined to a stationary point
    Ostar, _ = R.refine_stationary(p, O)
    assert not R.certify_stationary(p, Ostar, O).spurious


def test_uniform_overlap_has_the_law_of_a_uniform_frame():
    """Against UᵀÛ₀ with Û₀ = qf of a (d − k)×r Gaussian matrix (uniform on the Stiefel
    manifold), d = 30, k = 4, r = 2: two-sample KS on two entries and on σ_max; and the moment
    E‖M₀‖_F² = r²/(d − k)."""
    from scipy import stats

    rng = np.random.default_rng(8)
    a = np.array([N.uniform_overlap(rng, 30, 4, 2) for _ in range(3000)])
    b = np.array([R.qf(rng.standard_normal((26, 2)))[:2] for _ in range(3000)])
    for f in (lambda x: x[:, 0, 0], lambda x: x[:, 1, 0],
              lambda x: np.linalg.svd(x, compute_uv=False)[:, 0]):
        assert stats.ks_2samp(f(a), f(b)).pvalue > 1e-3
    m2 = np.sum(a**2, axis=(1, 2))
    assert abs(m2.mean() - 4 / 26) < 4.5 * m2.std() / math.sqrt(3000)
    # power: the law at d = 40 is told apart
    c = np.array([N.uniform_overlap(rng, 40, 4, 2) for _ in range(3000)])
    assert stats.ks_2samp(c[:, 0, 0], b[:, 0, 0]).pvalue < 1e-3


def test_signed_permutation_distance_and_polar():
    th = math.pi / 8
    Rot = np.array([[math.cos(th), -math.sin(th)], [math.sin(th), math.cos(th)]])
    assert R.signed_permutation_distance(Rot) == pytest.approx(2 * math.sqrt(2) * math.sin(th / 2))
    assert R.signed_permutation_distance(np.array([[0.0, -1.0], [1.0, 0.0]])) == 0.0
    A = np.array([[2.0, 1.0], [0.5, -1.0]])
    O = R.polar(A)
    assert np.allclose(O.T @ O, np.eye(2)) and np.allclose(O.T @ A, (O.T @ A).T)


# ------------------------------------------------------------------ Monte Carlo, sign averages


def _mc_case(r, act, n, seed=0):
    fp = N.full_instance(np.random.default_rng([seed, r, len(act)]), d=12, k=4, r=r, xi=1.3,
                         act=act, min_sv=0.3)
    M = np.diag(np.linspace(0.5, 0.2, r)) + 0.1 * np.triu(np.ones((r, r)), 1)
    Uh = N.frame_with_overlap(np.random.default_rng([seed, 1]), fp, M)
    return N.mc_gradient(fp, Uh, np.random.default_rng([seed, 2, r]), n=n)


@pytest.mark.parametrize("r", [2, 3])
def test_EXT_R2_monte_carlo_gradient_agrees_and_has_power(r):
    n = 400_000
    res = _mc_case(r, "relu", n)
    assert res.hotelling(res.pred)[1] > 1e-3
    assert res.max_z(res.pred) <= 4.5
    assert res.rel_error(res.pred) < 0.02 * math.sqrt(1e7 / n)
    f = 1 + 0.02 * math.sqrt(1e7 / n)
    assert res.hotelling(f * res.pred)[1] < 1e-3  # the test sees a 2%·√(10⁷/n) change
    assert res.hotelling(R.sym(res.pred))[1] < 1e-3  # and a wrong (symmetrised) closed form


@pytest.mark.slow
@pytest.mark.parametrize("r", [2, 3])
@pytest.mark.parametrize("act", ACTS)
def test_EXT_R2_monte_carlo_at_ten_million_samples(r, act):
    res = _mc_case(r, act, 10**7)
    assert res.hotelling(res.pred)[1] > 1e-3 and res.max_z(res.pred) <= 4.5
    assert res.rel_error(res.pred) < 0.02
    assert res.hotelling(1.02 * res.pred)[1] < 1e-3


def test_EXT_R5_sign_averages():
    M = np.array([[0.03, -0.02], [0.01, 0.04]])
    out = N.sign_average(np.random.default_rng(55), k=16, xi=[1.0, 1.3], act="relu", M=M,
                         draws=1000)
    assert np.all(np.abs(out["mean0"]) <= 4 * out["se0"])
    assert np.all(np.abs(out["odd"] - out["bM"]) <= 4 * out["se_odd"] + 0.01 * np.abs(out["bM"]))
    # power: b with its factor 2 missing is rejected
    assert np.any(np.abs(out["odd"] - out["bM"] / 2) > 4 * out["se_odd"] + 0.01 * np.abs(out["bM"]))


# ------------------------------------------------------------------ flows (quick sizes)


def test_EXT_R6_flow_study_quick():
    recs = N.flow_study(3, acts=("relu",), n_instances=4)
    for rec in recs:
        assert np.all(rec["success"]) and np.all(rec["sv_end"][:, -1] > 0.99)
        assert np.all(rec["t_level"][:, 1] > rec["t_level"][:, 0])
        assert rec["cos_H0_DCl"] > 0.9
    again = N.flow_study(3, acts=("relu",), n_instances=1)  # the grid's seeds: same numbers
    assert np.array_equal(again[0]["t_level"], recs[0]["t_level"])


def test_sv_ratio_scaling_quick_separates_relu_from_he3():
    a = N.sv_ratio_scaling(1, act="relu", ks=(64, 512, 4096), draws=400, boot=200)
    b = N.sv_ratio_scaling(1, act="He3", ks=(64, 512, 4096), draws=400, boot=200)
    assert 0.3 < a["ci"][0] and a["ci"][1] < 0.65  # slope ½ when μ₁ ≠ 0
    assert -0.12 < b["ci"][0] and b["ci"][1] < 0.12  # 0 when μ₁ = 0
