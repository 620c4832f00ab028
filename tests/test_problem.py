"""Problem instances (numerics/problem.py): constructors satisfy the paper's assumptions, the three
row conventions are as printed, and instances round-trip through save/load exactly."""

import math

import numpy as np
import pytest

from numerics.problem import (
    Instance,
    coefficients,
    features,
    glm_instance,
    make_instance,
    perturbation,
    second_layer,
)

TOL = 1e-12  # exact identities in float64 on O(1) quantities of dimension ≤ 50


def test_orthonormal_features_satisfy_assumptions_1_and_4():
    W = features(np.random.default_rng(0), "orthonormal", 30, 7)
    assert np.abs(W @ W.T - np.eye(7)).max() < TOL


def test_random_features_have_unit_rows():
    W = features(np.random.default_rng(1), "random", 30, 7)
    assert np.abs(np.linalg.norm(W, axis=1) - 1).max() < TOL


def test_separated_features_satisfy_assumption_5():
    k = 9
    W = features(np.random.default_rng(2), "separated", 40, k)
    off = np.abs(W @ W.T - np.eye(k)).max()
    assert off <= 1 - math.log(k) / math.sqrt(k)


def test_separated_features_refused_when_assumption_5_cannot_hold():
    # 10 unit vectors in the plane: some pair has |cos| ≥ cos(π/10) > 1 − log 10/√10
    with pytest.raises(ValueError, match="Assumption 5"):
        features(np.random.default_rng(3), "separated", 2, 10, max_tries=5)


def test_quantised_coefficients_are_plus_minus_one_over_sqrt_k():
    c = coefficients(np.random.default_rng(4), "quantised", 16)
    assert set(np.round(c * 4, 12).tolist()) <= {-1.0, 1.0}


def test_sphere_coefficients_are_unit_vectors():
    c = coefficients(np.random.default_rng(5), "sphere", 16)
    assert abs(np.linalg.norm(c) - 1) < TOL


def test_equal_second_layer_is_all_ones_and_random_lies_in_its_stated_range():
    rng = np.random.default_rng(6)
    assert (second_layer(rng, "equal", 5) == 1).all()
    lam = second_layer(rng, "random", 1000)
    assert lam.min() >= 0.5 and lam.max() <= 1.5


def test_perturbation_is_orthogonal_to_span_w_by_default():
    W = features(np.random.default_rng(7), "random", 25, 4)
    u = perturbation(np.random.default_rng(8), W)
    assert np.abs(W @ u).max() < TOL and abs(np.linalg.norm(u) - 1) < TOL


@pytest.mark.parametrize("alpha", [0.25, 0.5, 0.9])
def test_perturbation_has_the_requested_component_in_span_w(alpha):
    inst = make_instance(np.random.default_rng(9), d=25, k=4, xi=1.0, act="relu",
                         features="random", alpha=alpha)
    assert abs(inst.alpha - alpha) < TOL


def test_project_perp_equals_the_explicit_projector():
    inst = make_instance(np.random.default_rng(10), d=12, k=3, xi=1.0, act="relu",
                         features="random")
    W = inst.W
    P = np.eye(12) - W.T @ np.linalg.solve(W @ W.T, W)
    V = np.random.default_rng(11).standard_normal((5, 12))
    assert np.abs(inst.project_perp(V) - V @ P).max() < 1e-12


@pytest.mark.parametrize("convention", ["normalised", "raw", "appB"])
def test_student_at_the_truth_equals_the_teacher(convention):
    inst = make_instance(np.random.default_rng(12), d=15, k=3, xi=1.7, act="erf",
                         features="random", c="sphere", convention=convention)
    X = np.random.default_rng(13).standard_normal((20, 15))
    assert np.abs(inst.f_star(X) - inst.f_hat(X, inst.u, inst.c)).max() < TOL


def test_rows_follow_each_convention_as_printed():
    rng = np.random.default_rng(14)
    inst = make_instance(rng, d=15, k=3, xi=1.7, act="erf", features="random", c="sphere")
    V = inst.W + inst.xi * np.outer(inst.c, inst.u)
    norm = inst.teacher_rows()
    assert np.abs(norm - V / np.linalg.norm(V, axis=1, keepdims=True)).max() < TOL
    inst.convention = "raw"
    assert np.abs(inst.teacher_rows() - V).max() < TOL
    inst.convention = "appB"
    assert np.abs(inst.teacher_rows() - 3 / (3 + 1.7**2) * V).max() < TOL
    x = rng.standard_normal((1, 15))
    direct = (1 / 1.7) * np.sum(inst.lam * np.vectorize(math.erf)(3 / (3 + 1.7**2) * (V @ x[0])))
    assert abs(inst.f_star(x)[0] - direct) < TOL


def test_f_star_is_vectorised_over_the_batch():
    inst = make_instance(np.random.default_rng(15), d=10, k=2, xi=1.0, act="gelu")
    X = np.random.default_rng(16).standard_normal((6, 10))
    batch = inst.f_star(X)
    single = np.array([inst.f_star(X[i:i + 1])[0] for i in range(6)])
    assert np.abs(batch - single).max() < TOL


@pytest.mark.parametrize("convention", ["normalised", "raw"])
def test_glm_instance_is_a_single_index_model(convention):
    inst = glm_instance(np.random.default_rng(17), d=12, k=5, act="tanh", convention=convention)
    X = np.random.default_rng(18).standard_normal((8, 12))
    assert inst.rank == 0
    assert np.abs(inst.f_star(X) - np.tanh(X @ inst.u)).max() < TOL


def test_make_instance_is_reproducible_from_the_generator():
    a = make_instance(np.random.default_rng(19), d=20, k=3, xi=1.0, act="relu", lam="random",
                      c="sphere", features="random", alpha=0.3)
    b = make_instance(np.random.default_rng(19), d=20, k=3, xi=1.0, act="relu", lam="random",
                      c="sphere", features="random", alpha=0.3)
    for name in ("W", "lam", "c", "chat", "u"):
        assert np.array_equal(getattr(a, name), getattr(b, name))


def test_save_and_load_round_trip_exactly(tmp_path):
    inst = make_instance(np.random.default_rng(20), d=20, k=3, xi=0.7, act="x**3/6 + tanh(x)",
                         lam="random", c="sphere", features="separated", convention="appB",
                         seed=20)
    inst.save(tmp_path / "inst")
    back = Instance.load(tmp_path / "inst")
    assert (back.d, back.k, back.xi, back.act, back.convention) == \
        (inst.d, inst.k, inst.xi, inst.act, inst.convention)
    assert back.meta == inst.meta
    for name in ("W", "lam", "c", "chat", "u"):
        assert np.array_equal(getattr(back, name), getattr(inst, name))


def test_rank_deficient_features_are_refused():
    W = np.ones((2, 6))
    with pytest.raises(ValueError, match="full row rank"):
        make_instance(np.random.default_rng(21), d=6, k=2, xi=1.0, act="relu", features=W)


def test_glm_instance_in_the_appendix_b_convention_is_as_printed():
    inst = glm_instance(np.random.default_rng(22), d=12, k=4, act="tanh", convention="appB")
    X = np.random.default_rng(23).standard_normal((8, 12))
    assert np.abs(inst.f_star(X) - np.tanh(X @ inst.u / 2) / 2).max() < TOL


@pytest.mark.parametrize("xi", [1.0, 3.0, math.sqrt(50)])
def test_appendix_b_preactivation_variance_is_k_over_k_plus_xi_squared(xi):
    # unit orthonormal rows, quantised c: ‖v_i‖² = κ²(1 + ξ²/k) = κ exactly
    inst = make_instance(np.random.default_rng(24), d=80, k=50, xi=xi, act="relu",
                         convention="appB")
    assert np.abs(inst.row_variances() - 50 / (50 + xi**2)).max() < TOL
    inst.convention = "normalised"
    assert np.abs(inst.row_variances() - 1).max() < TOL


def test_separated_features_meet_assumption_5_at_small_d_where_whole_frames_rarely_do():
    # d = 8, k = 5: the whole-frame draw passed for 2 of 20 seeds (the fuzz suite's thorough run
    # found `simulate --features separated --d 8 --k 5` refused); rows one at a time pass always.
    bound = 1 - math.log(5) / math.sqrt(5)
    for seed in range(20):
        W = features(np.random.default_rng(seed), "separated", 8, 5)
        assert W.shape == (5, 8) and np.allclose(np.linalg.norm(W, axis=1), 1)
        assert np.abs(W @ W.T - np.eye(5)).max() <= bound
    with pytest.raises(ValueError, match="use a larger --d or --features orthonormal"):
        features(np.random.default_rng(0), "separated", 2, 9)  # 9 such rows cannot fit in R²
