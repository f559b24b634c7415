"""Monte Carlo simulator: each building block against an independent computation."""

import math

import numpy as np
import pytest

import theory
from validation import simulate as simulate_fn
from validation.seeding import role_generator, trial_sequence
from validation.simulate import (
    draw_data,
    draw_initial,
    gradient_step,
    network_output,
    ridge_fit,
    top_singular_values,
)
from validation.stats import estimate, extrapolate


def small(**kw):
    base = dict(activation="tanh", target="sin", d=30, width=20, n=90, lr=1.5, noise_var=0.1, readout="gaussian")
    base.update(kw)
    return theory.OneStep(**base)


# ----------------------------------------------------------------------------- the step
@pytest.mark.parametrize("residual", ["full", "labels"])
@pytest.mark.parametrize("readout", ["gaussian", "constant", "symmetric"])
def test_gradient_step_is_minus_lr_over_scale_times_loss_gradient(residual, readout):
    # W1 - W0 = -(lr / output_scale) dL/dW with L = (1/2n) sum (y - f_W(x))^2 (residual "full"),
    # checked by central finite differences of L; "labels" drops f from the residual:
    # its step is the gradient of -(1/n) sum y f_W(x) / output_scale.
    s = small(residual=residual, readout=readout, output_scale=0.3)
    init = draw_initial(s, trial_sequence(0, 0))
    rng = np.random.default_rng(1)
    X, y, _ = draw_data(s, 90, rng)
    W1 = gradient_step(init.W0, init.s, X, y, s)

    def loss(W):
        f = network_output(W, init.s, X, s)
        if residual == "full":
            return 0.5 * np.mean((y - f) ** 2)
        return -np.mean(y * f)

    grad = np.zeros_like(init.W0)
    h = 1e-6
    for i, j in [(0, 0), (3, 5), (7, 29), (19, 11)]:
        E = np.zeros_like(init.W0)
        E[i, j] = h
        grad[i, j] = (loss(init.W0 + E) - loss(init.W0 - E)) / (2 * h)
        assert (W1 - init.W0)[i, j] == pytest.approx(-s.lr / 0.3 * grad[i, j], rel=1e-6, abs=1e-10)


def test_initialisation_conventions():
    s = small(width=40, readout="symmetric", init="sphere")
    init = draw_initial(s, trial_sequence(2, 0))
    assert np.allclose(np.linalg.norm(init.W0, axis=1), 1.0)
    X = np.random.default_rng(0).standard_normal((50, 30))
    assert np.allclose(network_output(init.W0, init.s, X, s), 0.0, atol=1e-12)  # f0 = 0
    g = draw_initial(small(d=4000, width=50, init="gaussian"), trial_sequence(2, 0)).W0
    assert np.mean(np.sum(g**2, axis=1)) == pytest.approx(1.0, abs=0.02)  # N(0, 1/d) entries
    with pytest.raises(ValueError, match="even width"):
        draw_initial(small(width=21, readout="symmetric"), trial_sequence(0, 0))


def test_w0_does_not_depend_on_n_and_trials_do_not_depend_on_their_number():
    a = draw_initial(small(n=90), trial_sequence(5, 1)).W0
    b = draw_initial(small(n=500), trial_sequence(5, 1)).W0
    assert np.array_equal(a, b)
    s = small()
    r3 = simulate_fn(s, n_ridge=40, lam=0.1, trials=3, seed=9, n_test=200)
    r5 = simulate_fn(s, n_ridge=40, lam=0.1, trials=5, seed=9, n_test=200)
    for x, y in zip(r3.records, r5.records[:3]):
        assert x.keys() == y.keys() and all(np.array_equal(x[k], y[k]) for k in x)


# ----------------------------------------------------------------------------- ridge
@pytest.mark.parametrize("n, p", [(40, 15), (15, 40)])
def test_ridge_fit_matches_augmented_least_squares(n, p):
    rng = np.random.default_rng(3)
    H, y = rng.standard_normal((n, p)), rng.standard_normal(n)
    A = H / math.sqrt(p)
    for lam in (0.05, 2.0):
        ref = np.linalg.lstsq(np.vstack([A, math.sqrt(lam) * np.eye(p)]), np.concatenate([y, np.zeros(p)]), rcond=None)[0]
        assert np.allclose(ridge_fit(H, y, lam), ref, atol=1e-10)
    many = ridge_fit(H, y, np.array([0.05, 2.0]))
    assert np.allclose(many[0], ridge_fit(H, y, 0.05), atol=1e-9) and np.allclose(many[1], ridge_fit(H, y, 2.0), atol=1e-9)
    assert np.allclose(ridge_fit(H, y, 0.0), np.linalg.pinv(A) @ y, atol=1e-9)  # minimum-norm least squares
    with pytest.raises(ValueError, match="lam"):
        ridge_fit(H, y, -1.0)


def test_zero_step_is_random_features_exactly():
    # lr = 0: the simulator's errors equal ridge on sigma(X W0^T) recomputed here from the same streams.
    s = small(lr=0.0, noise_var=0.2)
    # float64 forced: the recomputation below is float64 and the comparison is exact (1e-10); the
    # float32 default is compared with float64 in tests/test_simulate_precision.py
    sim = simulate_fn(s, n_ridge=50, lam=0.3, trials=1, seed=4, n_test=300, measures=("ridge",), dtype=np.float64)
    tseq = trial_sequence(4, 0)
    W0 = draw_initial(s, tseq).W0
    Xr, yr, _ = draw_data(s, 50, role_generator(tseq, "ridge"), role_generator(tseq, "noise", 100))
    A = np.tanh(Xr @ W0.T) / math.sqrt(20)
    a = np.linalg.lstsq(np.vstack([A, math.sqrt(0.3) * np.eye(20)]), np.concatenate([yr, np.zeros(20)]), rcond=None)[0]
    Xt, yt, ft = draw_data(s, 300, role_generator(tseq, "test"), role_generator(tseq, "noise", 200))
    pred = np.tanh(Xt @ W0.T) @ a / math.sqrt(20)
    rec = sim.records[0]
    assert rec["train_error"] == pytest.approx(np.mean((yr - A @ a) ** 2), rel=1e-10)
    assert rec["test_error"] == pytest.approx(np.mean((yt - pred) ** 2), rel=1e-10)
    assert rec["test_risk"] == pytest.approx(np.mean((ft - pred) ** 2), rel=1e-10)
    assert yt.shape == ft.shape and not np.allclose(yt, ft)  # noise enters the test error only


def test_learning_curve_is_nested_subsets_of_one_pool():
    s = small()
    # float64 forced: the curve (eigendecomposition) and the single fit (Cholesky) agree to 1e-9 only then
    curve = simulate_fn(s, n_ridge=[20, 40], lam=[0.1, 1.0], trials=1, seed=2, n_test=200, measures=("ridge",),
                        dtype=np.float64)
    te = curve.records[0]["test_error"]
    assert te.shape == (2, 2)
    one = simulate_fn(s, n_ridge=40, lam=1.0, trials=1, seed=2, n_test=200, measures=("ridge",), dtype=np.float64)
    assert te[1, 1] == pytest.approx(one.records[0]["test_error"], rel=1e-9)


def test_top_singular_values_match_svd():
    M = np.random.default_rng(0).standard_normal((30, 12))
    assert np.allclose(top_singular_values(M, 5), np.linalg.svd(M, compute_uv=False)[:5])
    assert np.allclose(top_singular_values(M.T, 5), np.linalg.svd(M, compute_uv=False)[:5])


# ----------------------------------------------------------------------------- against theory
def test_learned_direction_matches_its_limit():
    # docs/theory/step.md#the-learned-direction (theory.spikes.predictions.learned_overlap): |beta|^2 and cos(beta, beta*) at
    # d = 300, n = 1200, 12 trials; tolerance 3 standard errors plus the O(1/d) finite-size bias
    # (1/d relative).
    s = theory.OneStep(activation="tanh", target="sin", d=300, width=150, n=1200, lr=1.0, noise_var=0.25)
    sim = simulate_fn(s, trials=12, seed=21, measures=("overlap",))
    th = s.learned_overlap()
    for key, val in (("beta_norm_sq", th.norm_sq), ("beta_cos", th.cos)):
        e = sim.summary[key]
        assert abs(e.mean - val) <= 3 * e.se + abs(val) / 300, (key, e, val)


def test_multi_index_target_uses_the_first_r_coordinates():
    t = theory.MultiIndexTarget("z1*z2", 2)
    s = theory.OneStep(activation="relu", target=t, d=20, width=10, n=50, lr=1.0, readout="symmetric")
    X, y, f = draw_data(s, 50, np.random.default_rng(0))
    assert np.allclose(y, X[:, 0] * X[:, 1])
    sim = simulate_fn(s, trials=2, seed=0, measures=("overlap", "weight_spike"))
    assert "beta_subspace_fraction" in sim.summary and "beta_cos" not in sim.summary


# ----------------------------------------------------------------------------- statistics
def test_estimate_interval_coverage():
    # The 95% t-interval covers the true mean in about 95% of 4000 repetitions (binomial sd 0.34%).
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4000, 5)) + 2.0
    e = estimate(x, axis=1)
    cover = np.mean((e.ci_low <= 2.0) & (2.0 <= e.ci_high))
    assert abs(cover - 0.95) < 0.012
    one = estimate([1.0])
    assert one.se == math.inf and one.ci_low == -math.inf


def test_extrapolation_recovers_the_limit():
    ds = np.array([200.0, 400.0, 800.0, 1600.0])
    ys = 0.7 + 1.3 / np.sqrt(ds)
    ex = extrapolate(ds, ys, np.full(4, 1e-4))
    assert ex.limit.mean == pytest.approx(0.7, abs=1e-9) and ex.coefficients[1] == pytest.approx(1.3, abs=1e-7)
    noisy = extrapolate(ds, ys + np.array([1e-3, -1e-3, 1e-3, -1e-3]), np.full(4, 1e-4))
    assert noisy.inflation > 1  # a poor fit widens the interval
    assert noisy.limit.ci_low <= 0.7 <= noisy.limit.ci_high
    with pytest.raises(ValueError, match="more than 2 sizes"):
        extrapolate([1, 2], [1, 1], [1, 1])


def test_bad_input():
    s = small()
    with pytest.raises(ValueError, match="measures"):
        simulate_fn(s, measures=("spectrumm",))
    with pytest.raises(ValueError, match="trials"):
        simulate_fn(s, trials=0)
    with pytest.raises(ValueError, match="n_ridge"):
        simulate_fn(s, n_ridge=-5)
    with pytest.raises(ValueError, match="lam"):
        simulate_fn(s, n_ridge=10, lam=-1)
    with pytest.raises(TypeError, match="OneStep"):
        simulate_fn({"d": 3})


def test_cli_simulate_json(capsys):
    import json

    from validation.cli import main

    assert main(["simulate", "--d", "40", "--width", "20", "--n", "120", "--n-ridge", "60", "--lam", "0.1",
                 "--trials", "2", "--n-test", "300", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["test_error"]["n"] == 2 and data["sizes"] == {"d": 40, "width": 20, "n": 120}
    assert main(["simulate", "--readout", "gauss"]) == 2
    assert "did you mean 'gaussian'" in capsys.readouterr().err
