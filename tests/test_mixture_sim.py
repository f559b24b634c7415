"""The simulator on Gaussian-mixture inputs (issue 16 item 2): what it draws, checked against the law.

Every statistical check states its tolerance in standard errors of the quantity (or an exact identity);
references are computed independently of the data model's own code (sample moments, eigenvectors of
sample covariances, counts, closed forms of ReLU's Hermite coefficients).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import theory
import validation
from theory.model.data import GaussianMixture, SpikedCovariance
from validation.reproductions import demir_dogan2025 as dd
from validation.seeding import trial_sequence
from validation.simulate import draw_data, draw_initial, draw_inputs


def _setup(data, **kw):
    base = dict(activation="relu", target="relu", d=data.d, width=60, n=200, lr=0.5, readout="gaussian",
                init="gaussian", data=data)
    base.update(kw)
    return theory.OneStep(**base)


def _two_spikes(d=40, theta=(8.0, 3.0), counts="deterministic", task="regression", weights=(0.3, 0.7)):
    g1 = np.zeros(d)
    g1[1] = 1.0
    g2 = np.zeros(d)
    g2[0], g2[2] = 0.6, 0.8  # overlap 0.6 with the target axis e_1
    covs = [SpikedCovariance(g1, theta[0]), SpikedCovariance(g2, theta[1])]
    return GaussianMixture(list(weights), covariances=covs, d=d, counts=counts, task=task)


def test_component_moments_match_the_spiked_covariances():
    """Per component: mean 0, variance 1 + theta along the spike, 1 across it, 0 covariance between
    spike and bulk coordinates; each within 5 standard errors of the sample estimate."""
    mix = _two_spikes()
    X, comp = draw_inputs(_setup(mix), 20000, np.random.default_rng(3))
    assert X.shape == (20000, 40)
    for c, (theta, g) in enumerate(zip((8.0, 3.0), (mix.covariances[0].directions[0], mix.covariances[1].directions[0]))):
        Xc = X[comp == c]
        m = Xc.shape[0]
        proj = Xc @ g
        var = 1.0 + theta
        assert abs(proj.mean()) < 5 * math.sqrt(var / m)
        # the sample variance of a Gaussian has standard error var * sqrt(2/m)
        assert abs(proj.var() - var) < 5 * var * math.sqrt(2.0 / m)
        h = np.zeros(40)
        h[5] = 1.0  # a bulk direction orthogonal to both spikes
        q = Xc @ h
        assert abs(q.var() - 1.0) < 5 * math.sqrt(2.0 / m)
        assert abs(np.mean(proj * q)) < 5 * math.sqrt(var / m)
        # the full sample covariance against the dense matrix, entrywise within 6 standard errors
        S = np.cov(Xc.T, bias=True)
        D = mix.covariances[c].dense()
        se = np.sqrt((D**2 + np.outer(np.diag(D), np.diag(D))) / m)
        assert np.all(np.abs(S - D) < 6 * se + 1e-12)


def test_deterministic_counts_are_the_authors_floor_and_rows_are_grouped():
    mix = _two_spikes(weights=(0.3, 0.7))
    for n in (1, 7, 10, 333, 1000):
        _, comp = draw_inputs(_setup(mix), n, np.random.default_rng(n))
        n1 = int(math.floor(0.3 * n + 1e-9))
        assert np.sum(comp == 0) == n1 and np.sum(comp == 1) == n - n1
        assert np.all(np.diff(comp) >= 0)  # grouped by component, in order


def test_multinomial_counts_vary_with_the_binomial_spread():
    mix = _two_spikes(counts="multinomial", weights=(0.3, 0.7))
    rng = np.random.default_rng(11)
    n, reps = 200, 400
    k = np.array([np.sum(draw_inputs(_setup(mix), n, rng)[1] == 0) for _ in range(reps)])
    mean_se = math.sqrt(n * 0.3 * 0.7 / reps)
    assert abs(k.mean() - 60.0) < 5 * mean_se
    # variance n p (1 - p) = 42 within 5 standard errors (sd of a sample variance ~ var * sqrt(2 / reps))
    assert abs(k.var() - 42.0) < 5 * 42.0 * math.sqrt(2.0 / reps)
    assert len(set(k.tolist())) > 5  # not deterministic


def test_alignment_of_the_two_components_spikes_is_recovered_from_samples():
    """The top eigenvector of each component's sample covariance estimates its spike; their cosine is the
    alignment a (within 0.05 at theta = d**0.5 and 4000 samples per component)."""
    d = 100
    for a in (-0.5, 0.0, 0.8):
        mix = GaussianMixture.from_demir_dogan(d, beta=1.0, alpha=0.5, alignment=a, seed=2)
        X, comp = draw_inputs(_setup(mix), 8000, np.random.default_rng(5))
        tops = []
        for c in (0, 1):
            Xc = X[comp == c]
            _, vecs = np.linalg.eigh(Xc.T @ Xc / Xc.shape[0])
            tops.append(vecs[:, -1])
        # the eigenvector's sign is arbitrary: orient each along the true spike before comparing
        for c in (0, 1):
            tops[c] *= np.sign(tops[c] @ mix.covariances[c].directions[0])
        assert abs(float(tops[0] @ tops[1]) - a) < 0.05
        # equal traces (the authors' rescaling) and the spike size d^((1 - alpha) beta)
        assert mix.traces[0] == pytest.approx(mix.traces[1], rel=1e-12)
        assert mix.covariances[0].strengths[0] == pytest.approx(d**0.5, rel=1e-12)


def test_initial_layer_is_scaled_to_unit_preactivation_variance():
    """init_scale = sqrt(d / T): Gaussian rows then have |w|^2 ~ d / T and w.x unit variance under each
    component (bulk neurons), as F_ij ~ N(0, 1/T) in the authors' code."""
    d = 200
    mix = GaussianMixture.from_demir_dogan(d, beta=1.0, alpha=0.0, seed=1)  # theta = d: T = 2 d
    setup = _setup(mix, width=400)
    W0 = draw_initial(setup, trial_sequence(0, 0)).W0
    T = mix.traces[0]
    assert mix.init_scale == pytest.approx(math.sqrt(d / T), rel=1e-12)
    norms = np.sum(W0**2, axis=1)
    assert abs(norms.mean() - d / T) < 5 * (d / T) * math.sqrt(2.0 / d) / math.sqrt(W0.shape[0])
    X, comp = draw_inputs(setup, 4000, np.random.default_rng(0))
    Z = X @ W0.T
    for c in (0, 1):
        v = Z[comp == c].var(axis=0)  # per-neuron variance w^T Sigma_c w, averaged over neurons
        exact = np.array([mix.covariances[c].quadratic(w) for w in W0])
        assert abs(v.mean() - exact.mean()) < 0.05 * exact.mean()
        assert abs(exact.mean() - 1.0) < 0.1


def test_classification_labels_follow_the_component_and_regression_the_target():
    mix = _two_spikes(task="classification")
    X, y, fstar = draw_data(_setup(mix), 50, np.random.default_rng(0))
    _, comp = draw_inputs(_setup(mix), 50, np.random.default_rng(0))
    assert np.array_equal(y, np.where(comp == 0, 1.0, -1.0)) and np.array_equal(y, fstar)
    reg = _two_spikes()
    X, y, _ = draw_data(_setup(reg, target="relu"), 50, np.random.default_rng(0))
    assert np.allclose(y, np.maximum(X[:, 0], 0.0))


def test_paper_target_normalisation_gives_the_expected_label_power():
    """|xi|^2 = 1/||Sigma_bar||: E y^2 = E relu(xi.x)^2 = |xi|^2 sum_c rho_c (Sigma_c)_11 / 2, checked on 40000
    samples within 5 standard errors."""
    s = dd.paper_setup(300, beta=0.74, alpha=0.0, seed=4)
    mix = s.data
    X, y, _ = draw_data(s, 40000, np.random.default_rng(1))
    e1 = np.zeros(300)
    e1[0] = 1.0
    xi2 = 1.0 / mix.operator_norm()
    want = xi2 * sum(r * c.quadratic(e1) for r, c in zip(mix.weights, mix.covariances)) / 2
    assert abs(np.mean(y**2) - want) < 5 * np.std(y**2) / math.sqrt(y.size)
    assert s.lr == pytest.approx(300 ** 0.0 / 300)


def test_isotropic_one_component_mixture_simulates_exactly_as_no_data_model():
    """One isotropic component draws the same numbers as data=None: the whole simulation is identical."""
    s = theory.OneStep(activation="tanh", target="sin", d=50, width=40, n=120, lr=1.0)
    a = validation.simulate(s, n_ridge=80, lam=0.1, trials=2, seed=7, n_test=300, dtype="float64")
    b = validation.simulate(s.with_(data=GaussianMixture([1.0], d=50)), n_ridge=80, lam=0.1, trials=2, seed=7,
                            n_test=300, dtype="float64")
    for key in ("test_error", "train_error", "beta_cos", "feature_singular_values"):
        assert np.array_equal(a.get(key), b.get(key)), key


def test_mixture_runs_through_the_simulator():
    mix = GaussianMixture.from_demir_dogan(60, beta=0.7, alpha=0.5, seed=0, task="classification")
    s = theory.OneStep(activation="relu", target="relu", d=60, width=50, n=120, lr=0.2, readout="gaussian",
                       init="gaussian", data=mix)
    sim = validation.simulate(s, n_ridge=100, lam=0.01, trials=2, seed=0, n_test=400, measures=("ridge",))
    te = sim.get("test_error")
    assert np.all(np.isfinite(te)) and sim.get("train_error").shape == (2,)
    # labels are +-1 by component, so the test error is below the error of the zero predictor (1) plus slack
    assert np.all(te < 3.0)


def test_hermite_model_coefficients_of_relu_have_their_closed_form():
    """E[relu(bz) He_k(z)] / k!: b/sqrt(2 pi), b/2, b/(2 sqrt(2 pi)), 0; the remainder closes the variance
    E relu(bz)^2 = b^2/2."""
    b = 0.83
    h, rest = dd.hermite_model_coefficients("relu", b, 3)
    r2pi = math.sqrt(2 * math.pi)
    assert np.allclose(h, [b / r2pi, b / 2, b / (2 * r2pi), 0.0], atol=1e-12)
    assert rest**2 == pytest.approx(b**2 / 2 - (h[0] ** 2 + h[1] ** 2 + 2 * h[2] ** 2), rel=1e-10)


def test_degree_rule_matches_its_interval_form():
    """ceil(beta / (1 - beta)) = l  iff  (l - 1)/l < beta <= l/(l + 1), clipped to [1, 4]."""
    for beta in np.linspace(0.0, 0.99, 200):
        l = dd.degree_rule(beta)
        assert 1 <= l <= 4
        raw = next(k for k in range(1, 1000) if beta <= k / (k + 1) + 1e-15)
        assert l == min(4, raw)
    with pytest.raises(ValueError, match="beta"):
        dd.degree_rule(1.5)


def test_hermite_model_of_high_degree_tracks_the_network_on_the_same_weights():
    """With the paired protocol, a smooth activation's Hermite model of degree 4 (remainder as noise) gives the
    network's test error within 10% at d = 120 (2 trials); the run is reproducible from its seed."""
    s = dd.paper_setup(120, beta=0.6, alpha=0.5, activation="tanh", seed=1)
    r = dd.run_point(s, trials=2, seed=3, degrees=(4,), n_test=600)
    net, herm = np.mean(r["net_test"]), np.mean(r["herm_test"]["4"])
    assert abs(herm - net) < 0.1 * net
    again = dd.run_point(s, trials=2, seed=3, degrees=(4,), n_test=600)
    assert again["net_test"] == r["net_test"]


@pytest.mark.slow
def test_degree_rule_hermite_model_matches_the_network_at_the_paper_strength():
    """Their claim at beta = 0.74, alpha = 1/2 (Figure 1): the Hermite model of degree 3 reproduces the
    network's test error; at d = 400, 3 trials, the paired relative gap is below 5%."""
    s = dd.paper_setup(400, beta=0.74, alpha=0.5, seed=0)
    r = dd.run_point(s, trials=3, seed=0, degrees=(3,))
    gap = (np.array(r["herm_test"]["3"]) - np.array(r["net_test"])) / np.array(r["net_test"])
    assert abs(gap.mean()) < 0.05
