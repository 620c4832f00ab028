"""numerics.ntk: the nuclear-norm problem and its certificate, LoRA from many starts (NTK-LAND),
and the linearised model's population floor (NTK-FLOOR) against Monte Carlo."""

import math

import numpy as np
import pytest

from numerics import ntk
from numerics.problem import make_instance


@pytest.fixture(scope="module")
def small():
    inst = make_instance(np.random.default_rng(0), d=30, k=5, xi=1.0, act="relu")
    data = ntk.linearised_data(inst, np.random.default_rng(1).standard_normal((10, 30)))
    return inst, data


def test_linearised_data_is_the_first_order_expansion(small):
    # f0 + <Δ, Φ(x)> is the derivative of f_W(x) = Σ λ σ(<w_i, x>) (raw base rows) along Δ
    inst, data = small
    rng = np.random.default_rng(2)
    X = rng.standard_normal((10, 30))
    data = ntk.linearised_data(inst, X)
    D = rng.standard_normal((5, 30))
    eps = 1e-7
    f = lambda Wm: inst.activation.f(X @ Wm.T) @ inst.lam
    fd = (f(inst.W + eps * D) - f(inst.W - eps * D)) / (2 * eps)
    Q, _ = np.linalg.qr(X.T)
    lin = data.M @ (D @ Q).ravel()  # <D QQᵀ, Φ_n> = <D, Φ_n> (rows of Φ_n lie in span x_n)
    assert np.allclose(fd, lin, atol=1e-5)


def test_weak_duality_and_a_certified_optimum(small):
    _, data = small
    sol = ntk.nuclear_solve(data, nu=0.05, tol=1e-12)
    assert -1e-14 * sol.value <= sol.gap <= 1e-12 * sol.value  # certified up to rounding
    rng = np.random.default_rng(3)
    for _ in range(20):  # the dual bound is below the objective anywhere
        C = sol.C + 0.1 * rng.standard_normal(sol.C.shape)
        assert ntk._objective(data, C, 0.05)[0] >= sol.dual


def test_lora_above_the_optimum_rank_reaches_it_from_every_start(small):
    _, data = small
    sol = ntk.nuclear_solve(data, nu=0.05, tol=1e-12)
    vals, duals = ntk.lora_solve(data, 0.05, sol.rank + 1, np.random.default_rng(4), 4)
    lb = max(sol.dual, duals.max())
    assert np.all((vals - lb) / lb < 1e-8)
    assert np.all(vals >= lb * (1 - 1e-12))


def test_orthant_moments_against_monte_carlo_and_a_wrong_moment_is_rejected():
    rng = np.random.default_rng(5)
    n = 400_000
    for sa, sb, rho in [(1.0, 1.0, 0.3), (1.7, 0.6, -0.55)]:
        g = rng.standard_normal((n, 2))
        a = sa * g[:, 0]
        b = sb * (rho * g[:, 0] + math.sqrt(1 - rho * rho) * g[:, 1])
        ind = (a > 0) & (b > 0)
        samples = [ind, a * ind, a * a * ind, a * b * ind]
        for want, s in zip(ntk.orthant_moments(sa, sb, rho), samples, strict=True):
            assert abs(s.mean() - want) < 5 * s.std() / math.sqrt(n)
        wrong = sa * sa * (0.25 + math.asin(rho) / (2 * math.pi))  # the ρ√(1−ρ²) term dropped
        s = samples[2]
        assert abs(s.mean() - wrong) > 5 * s.std() / math.sqrt(n)


def test_population_floor_against_monte_carlo_least_squares():
    rng = np.random.default_rng(6)
    k = 3
    W = rng.standard_normal((k, 20))
    W /= np.linalg.norm(W, axis=1, keepdims=True)
    G = W @ W.T
    lam = rng.uniform(0.5, 1.5, k)
    c = rng.standard_normal(k)
    c /= np.linalg.norm(c)
    xi = 1.5
    fl = ntk.population_floor(G, lam, c, [xi])[0]
    n = 400_000
    Y = rng.standard_normal((n, k)) @ np.linalg.cholesky(G).T
    z = rng.standard_normal(n)
    o = (k / (k + xi * xi)) / xi
    r = o * (np.maximum(Y + xi * c * z[:, None], 0) - np.maximum(Y, 0)) @ lam
    Fz = (Y > 0) * z[:, None]
    Fy = ((Y > 0)[:, :, None] * Y[:, None, :]).reshape(n, -1)
    se = lambda v: v.std() / math.sqrt(n)
    assert abs(np.mean(r * r) - fl["initial"]) < 5 * se(r * r)
    for name, F in (("rank1", Fz), ("full", np.hstack([Fz, Fy]))):
        beta, *_ = np.linalg.lstsq(F, r, rcond=None)
        res2 = (r - F @ beta) ** 2
        # in-sample least squares is optimistic by about p/n·floor; allow that and 5 s.e.
        tol = 5 * se(res2) + F.shape[1] / n * fl[name]
        assert abs(res2.mean() - fl[name]) < tol, (name, res2.mean(), fl[name])
    assert fl["full"] <= fl["rank1"] <= fl["initial"]


def test_floor_vanishes_as_xi_goes_to_zero_and_grows_with_xi():
    rng = np.random.default_rng(7)
    W = rng.standard_normal((4, 30))
    W /= np.linalg.norm(W, axis=1, keepdims=True)
    c = rng.standard_normal(4)
    fl = ntk.population_floor(W @ W.T, np.ones(4), c / np.linalg.norm(c), [0.01, 0.3, 2.0])
    rel = [f["full_rel"] for f in fl]
    assert rel[0] < 0.01 and rel[0] < rel[1] < rel[2]
