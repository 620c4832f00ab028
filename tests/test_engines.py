"""The SGD engines (numerics/sgd): the full engine's gradient is the derivative of the printed
loss, and the reduced chain has the law of the full engine (two-sample tests), sharp enough to
reject a chain with η off by 5% or with χ² degrees of freedom off by 2.

Two-sample tests: at each recorded time while the runs are still moving, and on the first-passage
times, scipy's ``ks_2samp`` and ``anderson_ksamp``. Family-wise level α = 1e-3 with Bonferroni
over the statistics of one comparison: KS must give p > α/n. scipy's Anderson–Darling p-value is
floored at 0.001 (its table stops there), so AD "rejects" when it reaches that floor and "accepts"
above it (a stricter acceptance than Bonferroni would ask). Seeds are fixed, so the outcome is
deterministic.
"""

import math
import warnings

import numpy as np
import pytest
from scipy import stats

from numerics.problem import glm_instance, make_instance
from numerics.sgd import full, h0_sign_from_theory, reduced
from theory.activations import ActivationError
from theory.activations import get as get_activation

try:  # BLAS threads fight over the 2 shared cores in the full engine's small products
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover
    threadpool_limits = None

ALPHA = 1e-3
AD_FLOOR = 1e-3


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    if threadpool_limits is None:
        yield
    else:
        with threadpool_limits(1):
            yield


# ---------------------------------------------------------------------- helpers


def _passage(t, steps):
    t = t.astype(float)
    t[t < 0] = steps + 1  # censored at the horizon: the same censoring in both engines
    return t


def pvalues(a, b):
    """[(label, KS p, AD p)] over the recorded times t > 0 and the two first-passage times."""
    steps = int(a.steps[-1])
    samples = [(f"m@{t}", a.m[:, j], b.m[:, j]) for j, t in enumerate(a.steps) if t > 0]
    samples += [("t_escape", _passage(a.t_escape, steps), _passage(b.t_escape, steps)),
                ("t_success", _passage(a.t_success, steps), _passage(b.t_success, steps))]
    if a.cc is not None:
        samples += [(f"cc@{t}", a.cc[:, j], b.cc[:, j]) for j, t in enumerate(a.steps) if t > 0]
    out = []
    for label, x, y in samples:
        if np.ptp(np.concatenate([x, y])) == 0:
            continue  # constant (e.g. nobody reached the threshold): nothing to compare
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ad = stats.anderson_ksamp([x, y]).pvalue
        out.append((label, stats.ks_2samp(x, y).pvalue, ad))
    return out


def same_law(a, b):
    pv = pvalues(a, b)
    n = len(pv)
    bad = [(lab, ks, ad) for lab, ks, ad in pv if ks <= ALPHA / n or ad <= AD_FLOOR]
    return not bad, pv


def rejected(a, b):
    pv = pvalues(a, b)
    n = len(pv)
    return any(ks <= ALPHA / n and ad <= AD_FLOOR for _, ks, ad in pv), pv


def _pair(inst, *, steps, lr, nf, nc, times, seed, **kw):
    grid = list(times)
    a = full.run(inst, np.random.default_rng([seed, 1]), runs=nf, steps=steps, lr=lr, grid=grid,
                 **kw)
    b = reduced.run(inst, np.random.default_rng([seed, 2]), runs=nc, steps=steps, lr=lr,
                    grid=grid, **kw)
    return a, b


def _inst(seed, **kw):
    base = dict(d=20, k=3, xi=1.0, act="relu", features="random")
    base.update(kw)
    return make_instance(np.random.default_rng(seed), **base)


# set-ups: (id, instance builder, engine kwargs). W has random, non-orthogonal unit rows unless
# said otherwise. Times chosen while the runs are still moving (m spreads between 0 and ±1).
QUICK = [
    ("frozen-relu-normalised", lambda: _inst(1),
     dict(lr=0.02, steps=300, sign_flip=False)),
    ("frozen-erf-raw-m0", lambda: _inst(2, act="erf", convention="raw"),
     dict(lr=0.01, steps=300, m0=0.1)),
    ("joint-erf-sphere-c", lambda: _inst(3, act="erf", c="sphere"),
     dict(lr=0.02, steps=300, sign_flip=False, variant="joint", lr_c=0.05)),
    ("unprojected-relu-appB", lambda: _inst(4, convention="appB", xi=2.0),
     dict(lr=0.05, steps=300, sign_flip=False, variant="unprojected")),
    ("alpha-relu", lambda: _inst(5, alpha=0.5),
     dict(lr=0.02, steps=300, sign_flip=False, variant="alpha")),
    ("linearised-erf", lambda: _inst(6, act="erf"),
     dict(lr=0.02, steps=300, sign_flip=False, variant="linearised")),
    ("glm-erf", lambda: glm_instance(np.random.default_rng(7), d=20, k=4, act="erf"),
     dict(lr=0.02, steps=150, sign_flip=False)),
    ("orthonormal-relu-flip", lambda: _inst(8, features="orthonormal"),
     dict(lr=0.02, steps=300, h0_sign=1.0)),
]

SLOW = [
    ("frozen-relu-d40-k5", lambda: _inst(11, d=40, k=5), dict(lr=0.01, steps=800)),
    ("joint+unprojected-erf-sphere", lambda: _inst(12, act="erf", c="sphere", d=30),
     dict(lr=0.02, steps=500, variant="joint+unprojected")),
    ("alpha+unprojected-relu", lambda: _inst(13, alpha=0.5, d=30),
     dict(lr=0.02, steps=500, variant="alpha+unprojected")),
    ("linearised+joint-relu-raw", lambda: _inst(14, convention="raw", d=30),
     dict(lr=0.01, steps=500, variant="linearised+joint")),
    ("frozen-erf-separated-random-lam", lambda: _inst(15, act="erf", features="separated",
                                                      lam="random", d=40, k=6),
     dict(lr=0.01, steps=800)),
    ("glm-relu-raw", lambda: glm_instance(np.random.default_rng(16), d=40, k=4, act="relu",
                                          convention="raw"), dict(lr=0.01, steps=600)),
    ("alpha-1-unprojected-relu", lambda: _inst(17, alpha=1.0, d=30),
     dict(lr=0.03, steps=500, variant="unprojected")),
    ("He3-joint+unprojected-xi2", lambda: _inst(18, act="He3", xi=2.0, d=30),
     dict(lr=0.002, steps=600, variant="joint+unprojected")),
    ("typed-sigmoid-normalised", lambda: _inst(19, act="sigmoid(2*x) + x/4", d=30),
     dict(lr=0.02, steps=600)),
]


def _times(steps):
    return [steps // 6, steps // 3, steps // 2, steps]


# ---------------------------------------------------------------------- same law


@pytest.mark.parametrize("name,build,kw", QUICK, ids=[q[0] for q in QUICK])
def test_chain_and_full_engine_have_the_same_law(name, build, kw):
    inst = build()
    kw = dict(kw)
    steps = kw.pop("steps")
    a, b = _pair(inst, steps=steps, nf=300, nc=3000, times=_times(steps), seed=100, r=0.3,
                 eps=0.2, **kw)
    ok, pv = same_law(a, b)
    assert ok, pv
    moving = np.std(a.m[:, 1:-1], axis=0)
    assert moving.min() > 0.05, "the runs must still be spread at the compared times"


@pytest.mark.slow
@pytest.mark.parametrize("name,build,kw", QUICK + SLOW, ids=[q[0] for q in QUICK + SLOW])
def test_chain_and_full_engine_have_the_same_law_many_runs(name, build, kw):
    inst = build()
    kw = dict(kw)
    kw.setdefault("sign_flip", False)
    steps = kw.pop("steps")
    a, b = _pair(inst, steps=steps, nf=2000, nc=20000,
                 times=np.linspace(0, steps, 9).astype(int)[1:], seed=200, r=0.3, eps=0.2, **kw)
    ok, pv = same_law(a, b)
    assert ok, pv


# ---------------------------------------------------------------------- power


def test_two_sample_tests_reject_a_chain_with_learning_rate_off_by_5_percent():
    # m0 = 0.3 ≫ 1/√d: the drift dominates the early noise, and η also sets the noise-induced
    # plateau (the η²d term of Derivation 2), so a 5% error shows at the later times
    inst = _inst(21, d=100, k=3)
    grid = dict(grid=list(range(100, 801, 100)), m0=0.3)
    a = full.run(inst, np.random.default_rng(31), runs=1000, steps=800, lr=0.005, **grid)
    good = reduced.run(inst, np.random.default_rng(32), runs=10000, steps=800, lr=0.005, **grid)
    bad = reduced.run(inst, np.random.default_rng(32), runs=10000, steps=800, lr=0.005,
                      _lr_factor=1.05, **grid)
    assert same_law(a, good)[0]
    ok, pv = rejected(a, bad)
    assert ok, pv


def test_two_sample_tests_reject_a_chain_with_chi2_degrees_of_freedom_off_by_2():
    inst = _inst(22, d=12, k=2)
    grid = dict(grid=[50, 100, 150, 200], m0=0.3)
    a = full.run(inst, np.random.default_rng(41), runs=1000, steps=200, lr=0.1, **grid)
    good = reduced.run(inst, np.random.default_rng(42), runs=10000, steps=200, lr=0.1, **grid)
    bad = reduced.run(inst, np.random.default_rng(42), runs=10000, steps=200, lr=0.1,
                      _chi2_df_shift=2, **grid)
    assert same_law(a, good)[0]
    ok, pv = rejected(a, bad)
    assert ok, pv


# ---------------------------------------------------------------------- the gradient


def _fd(f, v, h):
    """Central differences of f at v along each coordinate."""
    out = np.empty(v.size)
    for i in range(v.size):
        e = np.zeros(v.size)
        e[i] = h
        out[i] = (f(v + e) - f(v - e)) / (2 * h)
    return out


@pytest.mark.parametrize("convention", ["normalised", "raw", "appB"])
def test_full_gradient_is_the_derivative_of_the_printed_per_sample_loss(convention):
    rng = np.random.default_rng(50)
    inst = make_instance(rng, d=9, k=3, xi=1.3, act="erf", features="random", c="sphere",
                         convention=convention, alpha=0.4)
    U = rng.standard_normal(9)
    U /= np.linalg.norm(U)
    C = rng.standard_normal(3)
    X = rng.standard_normal((1, 9))

    def loss(uu, cc):
        return float((inst.f_star(X) - inst.f_hat(X, uu, cc))[0] ** 2)

    ell, g, delta, gamma, grad_c = full.gradients(inst, U[None], C[None], X)
    grad_u = g[0] * X[0] + delta[0] @ inst.W + gamma[0] * U
    # central differences, h = 1e-5: truncation h²|ℓ'''|/6 and rounding ε|ℓ|/h are both ≲ 1e-9
    assert abs(ell[0] - loss(U, C)) < 1e-12
    assert np.abs(grad_u - _fd(lambda v: loss(v, C), U, 1e-5)).max() < 1e-7
    assert np.abs(grad_c[0] - _fd(lambda v: loss(U, v), C, 1e-5)).max() < 1e-7


@pytest.mark.parametrize("convention", ["normalised", "raw", "appB"])
def test_linearised_gradient_is_the_derivative_of_the_first_order_taylor_student(convention):
    rng = np.random.default_rng(51)
    inst = make_instance(rng, d=9, k=3, xi=1.3, act="erf", features="random", c="sphere",
                         convention=convention)
    U = rng.standard_normal(9)
    U /= np.linalg.norm(U)
    C = rng.standard_normal(3)
    X = rng.standard_normal((1, 9))

    def f_lin(uu, cc):
        # f₀ + d/dt f(W + t ξ ĉ ûᵀ) at t = 0 (5-point stencil, h = 1e-2: error ≈ h⁴ ≈ 1e-8)
        def f(t):
            return inst._output(X, inst._rows(t * cc, uu))[0]
        h = 1e-2
        return f(0.0) + (8 * (f(h) - f(-h)) - (f(2 * h) - f(-2 * h))) / (12 * h)

    def loss(uu, cc):
        return float((inst.f_star(X)[0] - f_lin(uu, cc)) ** 2)

    ell, g, delta, gamma, grad_c = full.gradients(inst, U[None], C[None], X, linear=True)
    grad_u = g[0] * X[0] + delta[0] @ inst.W + gamma[0] * U
    assert abs(ell[0] - loss(U, C)) < 1e-6
    assert np.abs(grad_u - _fd(lambda v: loss(v, C), U, 1e-3)).max() < 1e-5
    assert np.abs(grad_c[0] - _fd(lambda v: loss(U, v), C, 1e-3)).max() < 1e-5


def test_normalising_terms_are_killed_by_the_two_projections():
    rng = np.random.default_rng(52)
    inst = make_instance(rng, d=11, k=3, xi=2.0, act="tanh", features="random", c="sphere")
    U = full.initial_uhat(inst, rng, 5)
    X = rng.standard_normal((5, 11))
    _, g, delta, gamma, _ = full.gradients(inst, U, np.tile(inst.chat, (5, 1)), X)
    V = inst.project_perp(delta @ inst.W + gamma[:, None] * U)
    V -= np.einsum("rd,rd->r", U, V)[:, None] * U
    assert np.abs(delta).max() > 1e-3  # the terms exist before projection
    assert np.abs(V).max() < 1e-12


# ---------------------------------------------------------------------- interface


@pytest.mark.parametrize("engine", [full, reduced])
def test_trace_records_the_grid_losses_and_passage_times(engine):
    inst = _inst(60, act="erf")
    tr = engine.run(inst, np.random.default_rng(61), runs=7, steps=40, lr=0.05,
                    record_every=15, h0_sign=-1.0, variant="joint", r=0.2, eps=0.5)
    assert tr.steps.tolist() == [0, 15, 30, 40]
    assert tr.m.shape == tr.loss.shape == tr.cc.shape == (7, 4)
    assert (np.sign(tr.m[:, 0]) == -1).all()
    assert np.isnan(tr.loss[:, 0]).all() and (tr.loss[:, 1:] >= 0).all()
    assert np.abs(tr.cc).max() <= 1 + 1e-12
    for i in range(7):  # a recorded value past a threshold implies an earlier passage
        for j, t in enumerate(tr.steps):
            if abs(tr.m[i, j]) > tr.r:
                assert 0 <= tr.t_escape[i] <= t
            if tr.m[i, j] ** 2 >= 1 - tr.eps:
                assert 0 <= tr.t_success[i] <= t
    assert tr.settings["convention"] == "normalised" and tr.engine in ("full", "reduced")


@pytest.mark.parametrize("engine", [full, reduced])
def test_runs_repeat_exactly_from_the_same_generator_state(engine):
    inst = _inst(62)
    a = engine.run(inst, np.random.default_rng(63), runs=5, steps=30, lr=0.05, sign_flip=False)
    b = engine.run(inst, np.random.default_rng(63), runs=5, steps=30, lr=0.05, sign_flip=False)
    assert np.array_equal(a.m, b.m) and np.array_equal(a.t_escape, b.t_escape)


@pytest.mark.parametrize("target", ["success", "escape"])
def test_chain_stopped_when_every_run_has_arrived_has_the_full_runs_passage_times(target):
    inst = make_instance(np.random.default_rng(70), d=60, k=3, xi=1.0, act="relu",
                         features="orthonormal")
    kw = {"runs": 4, "steps": 200_000, "lr": 0.5 / 60, "grid": [200_000], "eps": 0.1,
          "h0_sign": 1.0}
    gw, g = np.random.default_rng(71), np.random.default_rng(71)
    whole = reduced.run(inst, gw, **kw)
    cut = reduced.run(inst, g, stop=target, **kw)
    t = whole.t_success if target == "success" else whole.t_escape
    assert np.all(t >= 0) and t.max() < 50_000          # all arrive well before the horizon
    assert np.array_equal(cut.t_success if target == "success" else cut.t_escape, t)
    assert np.isnan(cut.m[:, -1]).all() and not np.isnan(whole.m[:, -1]).any()
    # the stop saved draws: the generator is not where the whole run left it
    assert g.bit_generator.state != gw.bit_generator.state
    with pytest.raises(ValueError, match="stop must be"):
        reduced.run(inst, g, stop="never", **kw)


@pytest.mark.parametrize("engine", [full, reduced])
def test_fixed_start_overlap_is_respected(engine):
    inst = _inst(64, alpha=0.3)
    tr = engine.run(inst, np.random.default_rng(65), runs=4, steps=1, lr=0.01, m0=0.2)
    assert np.abs(tr.m[:, 0] - 0.2).max() < 1e-12


@pytest.mark.parametrize("engine", [full, reduced])
@pytest.mark.parametrize("act", ["step", "sign"])
def test_activations_with_a_jump_are_refused(engine, act):
    inst = _inst(66, act=act)
    with pytest.raises(ActivationError, match="point mass"):
        engine.run(inst, np.random.default_rng(0), runs=2, steps=2, lr=0.01, h0_sign=1.0)


@pytest.mark.parametrize("engine", [full, reduced])
def test_a_missing_sign_of_h0_is_refused_when_theory_does_not_cover_the_convention(engine):
    with pytest.raises(ValueError, match="h0_sign"):
        engine.run(_inst(67, convention="appB"), np.random.default_rng(0), runs=2, steps=2,
                   lr=0.01)


@pytest.mark.parametrize("engine", [full, reduced])
def test_default_start_has_the_sign_of_h0_from_theory(engine):
    pytest.importorskip("theory.population")
    inst = _inst(72, act="erf")
    sign = h0_sign_from_theory(inst)
    assert sign != 0.0
    tr = engine.run(inst, np.random.default_rng(73), runs=50, steps=0, lr=0.01)
    assert (np.sign(tr.m[:, 0]) == sign).all()


def test_chain_start_has_the_law_of_a_uniform_vector_in_the_complement():
    # m₀ = <û₀, u> for û₀ uniform on S^{n−1}, n = d − k: m₀² ~ Beta(1/2, (n−1)/2)
    inst = _inst(68, d=30, k=4)
    tr = reduced.run(inst, np.random.default_rng(69), runs=20000, steps=0, lr=0.01,
                     sign_flip=False)
    n = 26
    p = stats.kstest(tr.m[:, 0] ** 2, stats.beta(0.5, (n - 1) / 2).cdf).pvalue
    assert p > ALPHA
    assert abs(np.mean(tr.m[:, 0] > 0) - 0.5) < 4 * math.sqrt(0.25 / 20000)


def test_scratch_variant_lowers_the_loss_and_exists_in_the_full_engine_only():
    inst = _inst(70)
    tr = full.run(inst, np.random.default_rng(71), runs=8, steps=2000, lr=0.01,
                  variant="scratch", record_every=500)
    assert tr.m.shape == (8, 5) and np.all((tr.m >= 0) & (tr.m <= 1 + 1e-12))
    # first-window vs last-window mean per-sample loss, 8 runs × 500 samples each
    assert tr.loss[:, -1].mean() < 0.5 * tr.loss[:, 1].mean()
    with pytest.raises(ValueError, match="full engine only"):
        reduced.run(inst, np.random.default_rng(0), runs=2, steps=2, lr=0.01,
                    variant="scratch")


@pytest.mark.parametrize("act,convention", [("relu", "normalised"), ("erf", "raw")])
def test_chain_one_step_drift_is_eta_h_of_m_times_one_minus_m_squared(act, convention):
    """E[m' − m | m] = η h(m)(1 − m²) + O(η²) (§3.1, Prop. 4; h from theory.population)."""
    population = pytest.importorskip("theory.population")
    hfun = getattr(population, "hfun", None)
    if hfun is None:
        pytest.skip("theory.population.hfun not available")
    inst = make_instance(np.random.default_rng(3), d=20, k=3, xi=1.5, act=act,
                         features="random", convention=convention, c="sphere")
    m0, eta, n = 0.3, 1e-5, 1_000_000
    tr = reduced.run(inst, np.random.default_rng(4), runs=n, steps=1, lr=eta, m0=m0)
    dm = (tr.m[:, 1] - m0) / eta
    h = hfun(inst.gram(), inst.lam, inst.c, inst.chat, inst.xi, act, convention)(
        np.array([m0]))[0]
    # 5 standard errors (CLT, n = 10⁶) plus a bound on the O(η) term of Derivation 2,
    # (η/2)|m|((d − r − 2)V + W₂), taken as η d E[(dm)²]/(1 − m²) = η d E[g²q²] to first order
    # (≈ 7× the term when V ≈ W₂; it is ≈ 1e-3 here, the 5 standard errors ≈ 1e-2)
    tol = 5 * dm.std() / math.sqrt(n) + eta * inst.d * np.mean(dm**2) / (1 - m0**2)
    assert abs(dm.mean() - h * (1 - m0**2)) < tol


QUICK_ACTS = ["relu", "erf", "gelu", "He3", "x**3/6 + tanh(x)"]
ALL_ACTS = ["abs", "leaky_relu", "sigmoid", "tanh", "silu", "softplus", "quadratic", "cubic", "h4"]


def _check_compiled(name):
    act = get_activation(name)
    sig, dsig = reduced.compiled_activation(act)
    xs = np.linspace(-4.0, 4.0, 81) + 1e-3  # off the kinks at 0
    assert np.abs(np.array([sig(v) for v in xs]) - act.f(xs)).max() < 1e-12
    assert np.abs(np.array([dsig(v) for v in xs]) - act.df(xs)).max() < 1e-12


@pytest.mark.parametrize("name", QUICK_ACTS)
def test_compiled_activation_matches_the_numpy_one(name):
    _check_compiled(name)


@pytest.mark.slow
@pytest.mark.parametrize("name", ALL_ACTS)
def test_compiled_activation_matches_the_numpy_one_all_named(name):
    _check_compiled(name)


def test_chain_and_full_engine_have_the_same_law_when_wx_goes_through_blas():
    # k ≥ reduced.BLAS_MIN_K: the chain forms Wx = R ζ_W for a chunk of steps in one BLAS product
    # (the set-ups above have k ≤ 6 and use the hand loop); random, non-orthogonal rows; steps
    # cross a chunk boundary (reduced.CHUNK)
    k = max(reduced.BLAS_MIN_K, 10)
    assert 300 > reduced.CHUNK
    inst = _inst(23, d=40, k=k)
    a, b = _pair(inst, steps=300, nf=300, nc=3000, times=_times(300), seed=101, r=0.3, eps=0.2,
                 lr=0.02, sign_flip=False)
    ok, pv = same_law(a, b)
    assert ok, pv
    assert np.std(a.m[:, 1:-1], axis=0).min() > 0.05, "the runs must still be spread"


@pytest.mark.parametrize("k", [3, 10])  # hand loop and BLAS product for Wx
def test_chain_draws_k_plus_2_normals_then_one_chi2_per_run_step_from_the_callers_generator(k):
    # the chain draws inside compiled code from the caller's Generator: it must leave the
    # Generator exactly where NumPy's own draws of the documented sequence leave it (run by run,
    # step by step: r + 2 normals, then χ²(d − r − 2)); m0 fixed: the start draws nothing
    inst = _inst(24, d=30, k=k)
    runs, steps = 3, 70  # steps > reduced.CHUNK: the draw-ahead buffer wraps
    assert steps > reduced.CHUNK and runs * steps <= reduced.BLOCK_RUNSTEPS
    g = np.random.default_rng(25)
    reduced.run(inst, g, runs=runs, steps=steps, lr=0.01, m0=0.2)
    ref = np.random.default_rng(25)
    for _ in range(runs * steps):
        ref.standard_normal(inst.rank + 2)
        ref.chisquare(inst.d - inst.rank - 2)
    assert g.bit_generator.state == ref.bit_generator.state


@pytest.mark.parametrize("shape", [(1,), (3, 7), (5, 1000), (2, 3, 4)])
def test_compiled_normals_are_numpys_bit_for_bit_and_leave_the_generator_where_numpy_does(shape):
    # numerics.normals draws in numba (2.8× cheaper); the full engine and the Monte Carlo
    # gradient rely on it giving exactly rng.standard_normal(shape)
    from numerics.normals import standard_normal

    g, ref = np.random.default_rng(31), np.random.default_rng(31)
    a = standard_normal(g, shape)
    assert np.array_equal(a, ref.standard_normal(shape))
    assert g.bit_generator.state == ref.bit_generator.state
    out = np.empty(shape)
    standard_normal(g, None, out=out)
    assert np.array_equal(out, ref.standard_normal(shape))
    with pytest.raises(ValueError):
        standard_normal(g, None, out=np.empty(shape, dtype=np.float32))


@pytest.mark.parametrize("act,convention,features", [
    ("relu", "normalised", "random"), ("erf", "raw", "orthonormal"), ("erf", "appB", "random"),
    ("tanh(x) + x/2", "normalised", "random"), ("relu", "normalised", "glm")])
def test_full_engine_compiled_step_repeats_the_numpy_step(act, convention, features):
    # the variant 'frozen' runs a compiled step (loss, g and the tangent step fused); it must
    # give the NumPy lines' numbers up to rounding, for every convention and a typed activation
    inst = _inst(41, d=60, k=4, act=act, convention=convention, features=features)
    kw = dict(runs=5, steps=400, lr=0.01, record_every=50, h0_sign=1.0)
    a = full.run(inst, np.random.default_rng(42), **kw)
    b = full.run(inst, np.random.default_rng(42), _fused=False, **kw)
    assert np.abs(a.m - b.m).max() < 1e-12
    assert np.allclose(a.loss[:, 1:], b.loss[:, 1:], rtol=1e-12, atol=0)
    assert np.array_equal(a.t_success, b.t_success) and np.array_equal(a.t_escape, b.t_escape)
    assert np.std(a.m[:, -1]) > 0 and np.abs(a.m[:, -1] - a.m[:, 0]).max() > 0.05  # it moved
