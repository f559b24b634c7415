"""Simulator: equivalent models, measurements, label centring, conventions, reproducibility, bad input.

Independent references: numpy Gauss-Hermite quadrature for the Gaussian averages, explicit numpy
constructions from the same random streams, SVD for singular triples, least squares for ridge.
"""

import math

import numpy as np
import pytest

import theory
from validation import simulate
from validation.measure import (
    alignments,
    gap_ratios,
    gap_spike_count,
    gap_threshold,
    gram_schmidt,
    monomials,
    neuron_fractions,
    null_weights,
    projection_fractions,
    rank_one_ratio,
    top_singular_triples,
)
from validation.ridge import ridge_fit, ridge_path, stream_test_errors
from validation.seeding import role_generator, trial_sequence
from validation.simulate import draw_data, draw_initial, gradient_step, lam_to_reference, network_output
from validation.surrogates import EquivalentFeatures, interval_degrees, srf_weights

_Z, _W = np.polynomial.hermite_e.hermegauss(120)
_W = _W / _W.sum()


def gauss(f):
    """E f(Z), Z ~ N(0, 1), by 120-point Gauss-Hermite quadrature (smooth f)."""
    return float(np.sum(_W * f(_Z)))


def small(**kw):
    base = dict(activation="tanh", target="sin", d=30, width=20, n=90, lr=1.5, noise_var=0.1, readout="gaussian")
    base.update(kw)
    return theory.OneStep(**base)


# ----------------------------------------------------------------------------- learned direction, exact and limits
def test_beta_norm_matches_its_exact_finite_size_mean():
    # r = y (residual "labels"): E|X^T y/n|^2 = ((d-1) E y^2 + E[y^2 x_1^2])/n + (1 - 1/n) (c*_1)^2 exactly
    # (expand the double sum over samples). 20 trials at d = 300; tolerance 3.5 standard errors.
    d, n, noise = 300, 900, 0.25
    s = theory.OneStep(activation="tanh", target="sin", d=d, width=60, n=n, lr=1.0, noise_var=noise,
                       residual="labels")
    sim = simulate(s, trials=20, seed=3, measures=("overlap",))
    cs1 = gauss(lambda z: z * np.sin(z))
    ey2 = gauss(lambda z: np.sin(z) ** 2) + noise
    exact = (d - 1) / n * ey2 + (gauss(lambda z: np.sin(z) ** 2 * z**2) + noise) / n + (1 - 1 / n) * cs1**2
    e = sim.summary["beta_norm_sq"]
    assert abs(e.mean - exact) <= 3.5 * e.se, (e, exact)


@pytest.mark.parametrize("residual", ["labels", "full"])
def test_learned_direction_matches_notes_b4_b5(residual):
    # docs/theory/step.md#the-learned-direction (r = y, and r = y - f0 with unit-norm rows, centred sigma, Moniri's
    # 1/sqrt(N) output scale with Gaussian readout, so |W0^T a|^2 -> 1):
    #   |beta|^2 -> c*1^2 [+ c1^2] + (E y^2 [+ E sigma^2]) / phi,   cos -> c*1 / |beta|.
    # Coefficients by quadrature here (independent of theory.moments). d = 300, phi = 3, N = 0.8 d,
    # 20 trials; tolerance 3 standard errors plus the O(1/d) finite-size bias (|value|/d).
    d, noise = 300, 0.25
    s = theory.OneStep.from_moniri(alpha=0.2, d=d, width=240, n=3 * d, activation="tanh", target="sin",
                                   noise_var=noise, residual=residual)
    sim = simulate(s, trials=20, seed=3, measures=("overlap",))
    cs1 = gauss(lambda z: z * np.sin(z))
    ey2 = gauss(lambda z: np.sin(z) ** 2) + noise
    nsq = cs1**2 + ey2 / 3
    if residual == "full":
        nsq += gauss(lambda z: 1 - np.tanh(z) ** 2) ** 2 + gauss(lambda z: np.tanh(z) ** 2) / 3
    for key, val in (("beta_norm_sq", nsq), ("beta_cos", cs1 / math.sqrt(nsq))):
        e = sim.summary[key]
        assert abs(e.mean - val) <= 3 * e.se + abs(val) / d, (key, e, val)


# ----------------------------------------------------------------------------- gradient structure
def test_rank_one_ratio_shrinks_with_d_as_ba_proposition_2():
    # Ba et al. Prop. 2 (docs/theory/step.md#rank-one-structure): |G - A| <= C log^2 n / sqrt(n) |G|. From d = 100 to 400
    # (n = 2d, N = d/2) the bound shrinks by (log^2 800 / log^2 200) / 2 = 0.80; the measured ratio must
    # shrink at least that much, and significantly (difference > 3 combined standard errors).
    out = {}
    for d in (100, 400):
        s = theory.OneStep.from_ba(eta=1.0, d=d, width=d // 2, n=2 * d, activation="tanh",
                                   target=theory.activation("softplus", center=True), noise_var=0.0625)
        out[d] = simulate(s, trials=4, seed=1, measures=("gradient",)).summary["gradient_rank_one_ratio"]
    bound = (math.log(800) ** 2 / math.log(200) ** 2) / 2
    assert out[400].mean / out[100].mean < bound
    assert out[100].mean - out[400].mean > 3 * math.hypot(out[100].se, out[400].se)


def test_rank_one_ratio_is_zero_for_an_exactly_rank_one_gradient():
    rng = np.random.default_rng(0)
    s, beta = rng.standard_normal(7), rng.standard_normal(5)
    G = 0.3 * np.outer(np.ones(7), beta)  # diag(s) G = 0.3 s beta^T
    assert rank_one_ratio(G, s, beta, 0.3) == pytest.approx(0.0, abs=1e-12)
    E = rng.standard_normal((7, 5))
    M = s[:, None] * (G + E)
    ref = np.linalg.norm(M - 0.3 * np.outer(s, beta), 2) / np.linalg.norm(M, 2)
    assert rank_one_ratio(G + E, s, beta, 0.3) == pytest.approx(ref, rel=1e-10)


# ----------------------------------------------------------------------------- measurements
def test_singular_triples_alignments_and_projections():
    rng = np.random.default_rng(1)
    for shape in ((40, 12), (12, 40)):
        M = rng.standard_normal(shape)
        sv, U, V = top_singular_triples(M, 4)
        Ur, Sr, Vr = np.linalg.svd(M, full_matrices=False)
        assert np.allclose(sv, Sr[:4])
        assert np.allclose(np.abs(np.sum(U * Ur[:, :4], axis=0)), 1.0)  # same vectors up to sign
        assert np.allclose(np.abs(np.sum(V * Vr[:4].T, axis=0)), 1.0)
    U = np.linalg.qr(rng.standard_normal((30, 3)))[0]
    v = 2.0 * U[:, 0] + 1.0 * U[:, 1]
    C = alignments(U, v)
    assert np.allclose(C[0], [2 / math.sqrt(5), 1 / math.sqrt(5), 0.0], atol=1e-12)
    assert projection_fractions(U, v, 1)[0] == pytest.approx(2 / math.sqrt(5))
    assert projection_fractions(U, v, 2)[0] == pytest.approx(1.0)


def test_monomials_and_gram_schmidt_give_sample_hermite_features():
    # Orthonormalising 1, k, k^2, k^3 of a Gaussian sample gives He_0..He_3 of the sample up to
    # O(n^-1/2): correlation with He_k(kappa) near 1 at n = 20000.
    kappa = np.random.default_rng(2).standard_normal(20_000)
    Q = gram_schmidt(monomials(kappa, 3))
    assert np.allclose(Q.T @ Q, np.eye(4), atol=1e-12)
    he = np.stack([np.ones_like(kappa), kappa, kappa**2 - 1, kappa**3 - 3 * kappa], axis=1)
    cos = np.sum(Q * he, axis=0) / np.linalg.norm(he, axis=0)
    assert np.all(cos > 0.995)


def test_gap_count_and_threshold():
    assert gap_ratios([4.0, 2.0, 1.0], 5).tolist() == [2.0, 2.0]
    assert gap_spike_count([10.0, 5.0, 1.1, 1.05, 1.0], threshold=1.5, m_max=4) == 2
    assert gap_spike_count([10.0, 9.0, 8.5, 8.4], threshold=1.5, m_max=3) == 0
    assert gap_threshold([[3.0, 2.0, 1.9], [3.0, 2.9, 1.0]], 2, factor=1.0) == pytest.approx(2.9)
    assert gap_threshold([[1.1, 1.0, 1.0]], 2) == pytest.approx(1.2)
    with pytest.raises(ValueError, match="threshold"):
        gap_spike_count([2.0, 1.0], threshold=0.5)
    with pytest.raises(ValueError, match="two singular values"):
        gap_ratios([1.0])


def test_null_weights_keep_the_shift_length_but_not_its_direction():
    rng = np.random.default_rng(3)
    W0 = rng.standard_normal((50, 40))
    coef, beta = rng.standard_normal(50), rng.standard_normal(40)
    W1 = W0 + np.outer(coef, beta)
    Wn = null_weights(W1, (coef, beta), np.random.default_rng(4))
    delta = Wn - W0
    assert np.allclose(np.linalg.norm(delta, axis=1), np.abs(coef) * np.linalg.norm(beta))
    # the common direction is gone: the shifts of different neurons are nearly orthogonal
    cosines = (delta / np.linalg.norm(delta, axis=1, keepdims=True)) @ (beta / np.linalg.norm(beta))
    assert np.max(np.abs(cosines)) < 0.7


def test_neuron_fractions():
    W = np.array([[3.0, 4.0, 0.0], [0.0, 0.0, 2.0], [0.0, 0.0, 0.0]])
    assert np.allclose(neuron_fractions(W, 1), [9 / 25, 0.0, 0.0])
    assert np.allclose(neuron_fractions(W, 2), [1.0, 0.0, 0.0])


def test_spike_count_measure_finds_one_linear_spike_and_none_in_the_null():
    # Moniri regime alpha = 0.2 (one spike, degree 1, docs/theory/spikes.md#interval-theorem) with a strong step (eta0 = 3):
    # the gap detector calibrated on the spike-free null counts one spike in every trial.
    s = theory.OneStep.from_moniri(alpha=0.2, eta0=3.0, d=200, width=200, n=400, activation="tanh",
                                   target="tanh", residual="labels")
    sim = simulate(s, trials=6, seed=0, measures=("spectrum", "spike_count", "alignment"), top_k=12)
    assert sim.get("spike_count").tolist() == [1.0] * 6
    assert sim.settings["gap_threshold"] > 1
    # the outlier's left vector is the degree-1 monomial X beta (alignment close to 1)
    assert np.all(sim.get("left_monomial_alignment")[:, 1, 0] > 0.9)
    assert np.all(sim.get("left_gs_alignment")[:, 1, 0] > 0.9)
    assert sim.get("right_readout_alignment").shape == (6, 4, 12)
    fixed = simulate(s, trials=1, seed=0, measures=("spectrum", "spike_count"), top_k=12, gap_threshold=1e6)
    assert fixed.get("spike_count").tolist() == [0.0]


# ----------------------------------------------------------------------------- equivalent models
def test_interval_degrees():
    assert interval_degrees(0.0) == (1,) and interval_degrees(0.2) == (1,)
    assert interval_degrees(0.3) == (1, 2) and interval_degrees(0.34) == (1, 2, 3)
    assert interval_degrees(float("-inf")) == (1,)
    with pytest.raises(ValueError, match="1/2"):
        interval_degrees(0.5)


def test_equivalent_features_match_an_explicit_construction():
    # F_l = sigma(X W0^T) + sum_k c_k (lr c1)^k (X beta)^k (s^k)^T (docs/theory/risk.md#moniri-equivalent-model) with c_k = E[sigma He_k]/k!
    # and c1 = E sigma' by quadrature here (c_k of erf-like smooth sigma = softplus, not odd: c_2 != 0).
    act = theory.activation("softplus")
    rng = np.random.default_rng(5)
    W0, s, beta, X = rng.standard_normal((6, 9)), rng.standard_normal(6), rng.standard_normal(9) / 3, rng.standard_normal((11, 9))
    eq = EquivalentFeatures(act, W0, s, beta, lr=0.7, degrees=(1, 2, 3))
    sp = lambda z: np.logaddexp(0, z)  # noqa: E731
    he = [lambda z: z, lambda z: z**2 - 1, lambda z: z**3 - 3 * z]
    ck = [gauss(lambda z, h=h: sp(z) * h(z)) / math.factorial(k + 1) for k, h in enumerate(he)]
    c1 = gauss(lambda z: 1 / (1 + np.exp(-z)))
    ref = sp(X @ W0.T) + sum(ck[k - 1] * (0.7 * c1) ** k * np.outer((X @ beta) ** k, s**k) for k in (1, 2, 3))
    assert np.allclose(eq.features(X), ref, rtol=1e-9, atol=1e-12)


def test_srf_weights_structure():
    # W = sqrt(c) W0 + r s v^T with |v| = 1, v . e1 = gamma (docs/theory/simulation.md#cui-et-al, theory.srf_parameters).
    s = theory.OneStep.from_cui(eta_tilde=3.0, d=50, width=40, alpha0=4.0, activation="tanh", target="sin")
    init = draw_initial(s, trial_sequence(0, 0))
    W, v, prm = srf_weights(s, init.W0, init.s, np.random.default_rng(1))
    assert np.linalg.norm(v) == pytest.approx(1.0) and v[0] == pytest.approx(prm.gamma)
    assert np.allclose(W - math.sqrt(prm.c) * init.W0, prm.r * np.outer(init.s, v))
    with pytest.raises(ValueError, match="constant modulus"):
        srf_weights(s.with_(readout="gaussian"), init.W0, init.s, np.random.default_rng(1))


@pytest.mark.parametrize("model", ["equivalent", "srf"])
def test_models_without_a_step_are_random_features_on_the_same_draws(model):
    # lr = 0: the equivalent model is F0 exactly, and the sRF has r = 0, c = 1; the runs share W0, the
    # ridge pool and the test set with the network run of the same seed, so the errors agree to rounding.
    s = small(lr=0.0, readout="rademacher")
    kw = dict(n_ridge=[20, 45], lam=0.2, trials=2, seed=8, n_test=300, measures=("ridge",))
    net = simulate(s, **kw)
    other = simulate(s, model=model, **kw, **({"degrees": (1, 2)} if model == "equivalent" else {}))
    for key in ("train_error", "test_error", "test_risk"):
        assert np.allclose(other.get(key), net.get(key), rtol=1e-9)


def test_equivalent_model_tracks_the_network_in_the_linear_regime():
    # docs/theory/risk.md#moniri-equivalent-model "Checked": at alpha <= 1/4 the equivalent model's train error matches the
    # network's to about 1e-3 absolute at n = 2000; here n = 600, d = N = 300, so allow 2e-2 and paired draws.
    s = theory.OneStep.from_moniri(alpha=0.2, d=300, width=300, n=600, activation="tanh", target="sin",
                                   residual="labels", noise_var=0.0625)
    kw = dict(n_ridge=600, lam=0.05, trials=2, seed=4, n_test=2000, measures=("ridge",))
    net, eq = simulate(s, **kw), simulate(s, model="equivalent", **kw)
    assert eq.settings["degrees"] == [1]
    assert np.all(np.abs(eq.get("train_error") - net.get("train_error")) < 2e-2)
    assert np.all(np.abs(eq.get("test_error") / net.get("test_error") - 1) < 0.1)


@pytest.mark.slow
def test_srf_matches_the_network_in_the_giant_step_setting():
    # Cui et al.'s setting (docs/theory/simulation.md#cui-et-al): tanh student, sin target, alpha0 = 20, eta~ = 3,
    # p = d = 1000, lam = 0.1, ridge on n = 2d fresh samples; paired draws, 3 trials. The sRF test error
    # is within 5% of the network's (the "few percent" of the brief).
    s = theory.OneStep.from_cui(eta_tilde=3.0, d=1000, width=1000, alpha0=20, activation="tanh", target="sin")
    kw = dict(n_ridge=2000, lam=0.1, trials=3, seed=11, n_test=10_000, measures=("ridge",))
    net, srf = simulate(s, **kw), simulate(s, model="srf", **kw)
    ratio = srf.summary["test_error"].mean / net.summary["test_error"].mean
    assert abs(ratio - 1) < 0.05, ratio


# ----------------------------------------------------------------------------- ridge pieces
def test_ridge_path_equals_separate_fits_in_both_shapes():
    rng = np.random.default_rng(6)
    H, y = rng.standard_normal((60, 25)), rng.standard_normal(60)
    lam = np.array([[0.1, 1.0], [0.3, 2.0], [0.0, 0.5]])
    path = ridge_path(H, y, [60, 30, 10], lam)  # primal, primal, dual; unsorted sizes
    for i, m in enumerate([60, 30, 10]):
        for j in range(2):
            assert np.allclose(path.readouts[i, j], ridge_fit(H[:m], y[:m], lam[i, j]), atol=1e-9)
            a = path.readouts[i, j]
            assert path.train_error[i, j] == pytest.approx(np.mean((y[:m] - H[:m] @ a / 5) ** 2))
    with pytest.raises(ValueError, match="pool size"):
        ridge_path(H, y, [61], [[0.1]])


def test_label_centring_uses_training_estimates_only():
    # Dandi et al.'s preprocessing (docs/theory/simulation.md#dandi-et-al): fit y - A - X B with A, B from the fitted
    # subset; the test prediction is A + X B + h.a/sqrt(p). Recomputed here from the same streams.
    s = small(lr=0.0, target="identity", noise_var=0.3)
    # float64 forced: exact comparison with the float64 recomputation below
    sim = simulate(s, n_ridge=50, lam=0.4, trials=1, seed=2, n_test=200, measures=("ridge",), center_labels=True,
                   dtype=np.float64)
    tseq = trial_sequence(2, 0)
    W0 = draw_initial(s, tseq).W0
    Xr, yr, _ = draw_data(s, 50, role_generator(tseq, "ridge"), role_generator(tseq, "noise", 100))
    A, B = yr.mean(), Xr.T @ yr / 50
    H = np.tanh(Xr @ W0.T)
    a = ridge_fit(H, yr - A - Xr @ B, 0.4)
    Xt, yt, ft = draw_data(s, 200, role_generator(tseq, "test"), role_generator(tseq, "noise", 200))
    pred = A + Xt @ B + np.tanh(Xt @ W0.T) @ a / math.sqrt(20)
    assert sim.records[0]["test_error"] == pytest.approx(np.mean((yt - pred) ** 2), rel=1e-9)
    assert sim.records[0]["test_risk"] == pytest.approx(np.mean((ft - pred) ** 2), rel=1e-9)


def test_centred_step_removes_the_linear_part_from_the_step():
    # With a purely linear target and centred labels, y - A - XB is (up to the O(sqrt(d/n)) estimation
    # error of B) orthogonal to the linear features, so beta = X^T r / n is far smaller than without.
    s = small(target="identity", noise_var=0.0, residual="labels", d=40, n=4000)
    plain = simulate(s, trials=2, seed=0, measures=("overlap",))
    cent = simulate(s, trials=2, seed=0, measures=("overlap",), center_labels=True)
    assert np.all(cent.get("beta_norm_sq") < 0.05 * plain.get("beta_norm_sq"))


def test_stream_test_errors_sampling_se():
    rng = np.random.default_rng(7)
    X, y = rng.standard_normal((500, 3)), rng.standard_normal(500)

    def draw(m):  # the next m rows, in order (chunks of 128)
        start = draw.pos
        draw.pos += m
        return X[start:start + m], y[start:start + m], y[start:start + m] * 0.5

    draw.pos = 0
    a = np.array([[1.0, -2.0, 0.5]])
    out = stream_test_errors(lambda Z: Z, a, draw, 500, chunk=128)
    e = (y - X @ a[0] / math.sqrt(3)) ** 2
    assert out["test_error"][0] == pytest.approx(e.mean())
    assert out["test_error_sampling_se"][0] == pytest.approx(e.std(ddof=1) / math.sqrt(500))


def test_lam_conventions():
    # Ba/Moniri: lambda_C = lam n / N (docs/theory/conventions.md#ridge-normalisation); the simulation in Ba's convention equals the
    # reference one at the converted penalty.
    assert np.allclose(lam_to_reference(0.5, "ba", [40, 80], 20), [[1.0], [2.0]])
    assert np.allclose(lam_to_reference([0.5], "cui", [40], 20), [[0.5]])
    s = small()
    a = simulate(s, n_ridge=40, lam=0.05, lam_convention="ba", trials=1, seed=1, n_test=100, measures=("ridge",))
    b = simulate(s, n_ridge=40, lam=0.05 * 40 / 20, trials=1, seed=1, n_test=100, measures=("ridge",))
    assert a.records[0]["test_error"] == pytest.approx(b.records[0]["test_error"], rel=1e-10)
    assert a.settings["lam_c"] == [[pytest.approx(0.1)]]


# ----------------------------------------------------------------------------- numerics and reproducibility
def test_float32_agrees_with_float64_on_the_same_draws():
    # float32 inputs are the float64 draws rounded, so the runs are paired: test errors agree to 1e-4
    # relative and singular values to 1e-5 at this size (docs/benchmarks/simulate.md states the accuracy).
    s = small(d=120, width=80, n=300)
    kw = dict(n_ridge=200, lam=0.1, trials=2, seed=5, n_test=1000, measures=("overlap", "spectrum", "ridge"))
    a, b = simulate(s, **kw), simulate(s, dtype=np.float32, **kw)
    assert np.allclose(b.get("test_error"), a.get("test_error"), rtol=1e-4)
    assert np.allclose(b.get("feature_singular_values"), a.get("feature_singular_values"), rtol=1e-5)
    assert np.allclose(b.get("beta_cos"), a.get("beta_cos"), rtol=1e-5)


def test_results_do_not_depend_on_the_number_of_workers():
    s = small()
    kw = dict(n_ridge=[20, 40], lam=[0.1, 1.0], trials=4, seed=12, n_test=200,
              measures=("overlap", "weight_spike", "spectrum", "ridge", "neurons"))
    one, two = simulate(s, **kw), simulate(s, workers=3, **kw)
    for x, y in zip(one.records, two.records):
        assert x.keys() == y.keys() and all(np.array_equal(x[k], y[k]) for k in x)
    ticks = []
    simulate(s, trials=3, seed=0, measures=("overlap",), progress=lambda done, total: ticks.append((done, total)))
    assert ticks == [(1, 3), (2, 3), (3, 3)]


def test_multistep_network_and_neuron_measure():
    t = theory.MultiIndexTarget("z1 + z1*z2", 2)
    s = theory.OneStep(activation="relu", target=t, d=30, width=20, n=300, lr=2.0, readout="symmetric", steps=2)
    sim = simulate(s, trials=2, seed=1, measures=("neurons", "weight_spike"), dtype=np.float64)  # exact check below
    # recompute the last trial's weights with the building blocks and the documented streams
    tseq = trial_sequence(1, 1)
    init = draw_initial(s, tseq)
    W = init.W0
    for step in range(2):
        X, y, _ = draw_data(s, 300, role_generator(tseq, "step", step), role_generator(tseq, "noise", step))
        W = gradient_step(W, init.s, X, y, s)
    q = neuron_fractions(W, 2)
    assert sim.records[1]["neuron_target_fraction_mean"] == pytest.approx(q.mean(), rel=1e-10)
    assert sim.records[1]["w1_top_singular_value"] == pytest.approx(np.linalg.norm(W, 2), rel=1e-10)
    assert np.allclose(network_output(init.W0, init.s, X, s), 0.0)  # symmetric readout: f0 = 0


# ----------------------------------------------------------------------------- bad input
class _BadTarget:
    r = 2
    hermite_tensor = None  # duck-typed as a multi-index target (theory.onestep)

    def __call__(self, Z):
        return np.zeros((Z.shape[0], 3))  # wrong output shape for the declared r


def test_bad_input_gets_clear_errors():
    s = small()
    with pytest.raises(ValueError, match="model"):
        simulate(s, model="sfr")
    with pytest.raises(ValueError, match="lam_convention"):
        simulate(s, n_ridge=10, lam=1.0, lam_convention="bah")
    with pytest.raises(ValueError, match="one step"):
        simulate(s.with_(steps=2), model="srf")
    with pytest.raises(ValueError, match="weights of a network"):
        simulate(s, model="equivalent", measures=("weight_spike",))
    with pytest.raises(ValueError, match="reuse=True"):
        simulate(s, n_ridge=500, reuse=True)
    with pytest.raises(ValueError, match="n_ridge >= 2"):
        simulate(s, n_ridge=1, center_labels=True)
    with pytest.raises(ValueError, match="top_k > m_max"):
        simulate(s, measures=("spike_count",), top_k=5)
    with pytest.raises(ValueError, match="gap_threshold"):
        simulate(s, measures=("spectrum",), gap_threshold=0.5)
    with pytest.raises(ValueError, match="degrees"):
        simulate(s, model="equivalent", degrees=[0])
    with pytest.raises(ValueError, match="workers"):
        simulate(s, workers=0)
    with pytest.raises(ValueError, match="even width"):
        simulate(small(width=21, readout="symmetric"))
    with pytest.raises(ValueError, match="n values"):
        simulate(theory.OneStep(target=_BadTarget(), d=10, width=4, n=20), measures=("overlap",))
    with pytest.raises(ValueError, match="r=2 directions, more than d=1"):
        simulate(theory.OneStep(target=_BadTarget(), d=1, width=4, n=20))
    with pytest.raises(ValueError, match="lr"):
        small(lr=float("nan"))
    with pytest.raises(ValueError, match="readout"):
        small(readout="gauss")
    with pytest.raises(TypeError, match="center_labels"):
        simulate(s, center_labels="yes")


def test_cli_learning_curve_and_model(capsys):
    import json

    from validation.cli import main

    assert main(["simulate", "--d", "40", "--width", "20", "--n", "120", "--n-ridge", "30,60", "--lam", "0.1,1",
                 "--trials", "2", "--n-test", "300", "--readout", "rademacher", "--model", "srf",
                 "--measures", "ridge", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert np.shape(data["summary"]["test_error"]["mean"]) == (2, 2) and data["settings"]["model"] == "srf"
    assert main(["simulate", "--d", "40", "--width", "20", "--n", "120", "--n-ridge", "60", "--trials", "2",
                 "--n-test", "300", "--measures", "ridge"]) == 0
    assert "test_error_sampling_se" in capsys.readouterr().out
    assert main(["simulate", "--n-ridge", "a"]) == 2
    assert "--n-ridge must be a number" in capsys.readouterr().err


# ----------------------------------------------------------------------------- statistics
def test_bootstrap_ratio_covers_the_true_ratio():
    # Ratio of means of Exp(2) and Exp(1) samples (true ratio 2), 30 trials each, 200 repetitions: the
    # percentile interval covers in at least 88% (nominal 95%; percentile bootstrap under-covers
    # slightly at n = 30; binomial sd at 0.93 is 1.8%).
    from validation.stats import bootstrap_ratio

    rng = np.random.default_rng(0)
    hits = 0
    for rep in range(200):
        a, b = rng.exponential(2.0, 30), rng.exponential(1.0, 30)
        e = bootstrap_ratio(a, b, n_boot=500, seed=rep)
        hits += e.ci_low <= 2.0 <= e.ci_high
    assert hits / 200 >= 0.88


def test_extrapolate_three_terms_and_t_quantile():
    from validation.stats import extrapolate

    ds = np.array([100.0, 200.0, 400.0, 800.0, 1600.0])
    ys = 0.3 - 0.5 / np.sqrt(ds) + 4.0 / ds
    ex = extrapolate(ds, ys, np.full(5, 1e-6), terms=3)
    assert np.allclose(ex.coefficients, [0.3, -0.5, 4.0], atol=1e-6)
    wide = extrapolate(ds, ys, np.full(5, 1e-3), se_dof=2)
    normal = extrapolate(ds, ys, np.full(5, 1e-3))
    assert wide.limit.ci_high - wide.limit.ci_low > normal.limit.ci_high - normal.limit.ci_low


def test_bulk_edge_is_the_spectrum_of_f0_on_the_same_batch():
    s = small(d=60, width=40, n=120)
    zero = simulate(s.with_(lr=0.0), trials=1, seed=3, measures=("bulk_edge",), top_k=5)
    assert np.allclose(zero.get("f0_singular_values"), zero.get("feature_singular_values"), rtol=1e-12)
    # independent recomputation from the documented stream (extra 0)
    X = role_generator(trial_sequence(3, 0), "extra", 0).standard_normal((120, 60))
    W0 = draw_initial(s, trial_sequence(3, 0)).W0
    ref = np.linalg.svd(np.tanh(X @ W0.T) / math.sqrt(120), compute_uv=False)[:5]
    assert np.allclose(zero.get("f0_singular_values")[0], ref)
    step = simulate(s.with_(lr=5.0), trials=1, seed=3, measures=("bulk_edge",), top_k=5)
    assert np.allclose(step.get("f0_singular_values"), zero.get("f0_singular_values"))  # W0 and batch unchanged
    assert step.get("feature_singular_values")[0, 0] > 1.05 * step.get("f0_singular_values")[0, 0]


def test_gradient_step_in_row_blocks_equals_one_block():
    s = small(residual="full", output_scale=0.2)
    init = draw_initial(s, trial_sequence(1, 0))
    X, y, _ = draw_data(s, 90, np.random.default_rng(2))
    W_a, G_a, r_a = gradient_step(init.W0, init.s, X, y, s, return_gradient=True, chunk=7)
    W_b, G_b, r_b = gradient_step(init.W0, init.s, X, y, s, return_gradient=True, chunk=1000)
    assert np.allclose(G_a, G_b, rtol=1e-12, atol=1e-15) and np.allclose(r_a, r_b) and np.allclose(W_a, W_b)
    assert np.allclose(r_a, y - network_output(init.W0, init.s, X, s))


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 40), p=st.integers(1, 40), lam=st.floats(1e-3, 1e3), seed=st.integers(0, 2**16))
def test_ridge_fit_solves_the_normal_equations(n, p, lam, seed):
    # Stationarity of |y - A a|^2 + lam |a|^2: A^T (y - A a) = lam a, whatever the shape (primal or dual).
    rng = np.random.default_rng(seed)
    H, y = rng.standard_normal((n, p)), rng.standard_normal(n)
    a = ridge_fit(H, y, lam)
    A = H / math.sqrt(p)
    assert np.allclose(A.T @ (y - A @ a), lam * a, atol=1e-9 * (1 + np.abs(y).max()))
