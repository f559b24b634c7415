"""Theory on Gaussian-mixture inputs (issue 16 item 3): the learned direction's exact second moments, the
conditional feature moments (Mehler series per neuron), the deterministic equivalent of ridge on
Gaussian-mixture features, and their isotropic limits against the library's existing theory."""

import math

import numpy as np
import pytest

import theory
from theory.model.data import GaussianMixture, SpikedCovariance
from theory.mixtures.conditional import FeatureMoments, feature_moments, gaussian_mixture_ridge, neuron_coefficients
from theory.mixtures.direction import mixture_direction


def _mixture(d, *, means=False, seed=1):
    g = GaussianMixture.from_demir_dogan(d, beta=0.8, alpha=0.3, target="spikes", alignment=0.4, seed=seed,
                                         weights=[0.3, 0.7])
    if not means:
        return g
    mu = np.zeros((2, d))
    mu[0, :3] = [0.5, 0.2, -0.3]
    mu[1, 0] = -0.4
    return GaussianMixture(g.weights, mu, g.covariances, d=d)


# ------------------------------------------------------------------ the learned direction
def test_direction_isotropic_linear_target_exact():
    s = theory.OneStep(target="identity", d=100, n=400, noise_var=0.5)
    lo = mixture_direction(s)
    # u = X^T y / n, y = x_1 + eps: E|u|^2 = 1 + (E[y^2 |x|^2] - 1)/n with E[y^2|x|^2] = 3 + 0.5 + 1.5 * 99
    assert lo.norm_sq == pytest.approx(1 + (3.5 + 1.5 * 99 - 1) / 400, rel=1e-13)
    assert lo.signal == pytest.approx(1.0, rel=1e-13)
    assert lo.signal_sq == pytest.approx(1 + (3.5 - 1) / 400, rel=1e-13)


def test_direction_isotropic_matches_learned_overlap_to_order_one_over_n():
    s = theory.OneStep(activation="tanh", target="tanh", d=1000, n=4000, residual="labels")
    lo, ref = mixture_direction(s), theory.learned_overlap(s)
    assert lo.norm_sq == pytest.approx(ref.norm_sq, rel=2 / 4000)
    assert lo.cos == pytest.approx(ref.cos, rel=2 / 4000)


@pytest.mark.parametrize("means, counts", [(False, "deterministic"), (True, "deterministic"), (True, "multinomial")])
def test_direction_second_moments_monte_carlo(means, counts):
    d, n, trials = 30, 40, 3000
    data = _mixture(d, means=means)
    if counts == "multinomial":
        data = GaussianMixture(data.weights, data.means, data.covariances, d=d, counts=counts)
    s = theory.OneStep(activation="relu", target="relu", d=d, n=n, noise_var=0.2, data=data)
    th = mixture_direction(s)
    rng = np.random.default_rng(2024 + means + 7 * (counts == "multinomial"))
    rows = []
    for _ in range(trials):
        X, _ = data.sample(rng, n)
        y = np.maximum(X[:, 0], 0) + math.sqrt(0.2) * rng.standard_normal(n)
        u = X.T @ y / n
        rows.append([u @ u, u[0] ** 2, data.covariances[1].quadratic(u), (data.covariances[0].directions[0] @ u) ** 2])
    rows = np.array(rows)
    pred = np.array([th.norm_sq, th.signal_sq, th.sigma_norm_sq[1], th.spike_overlap_sq[0][0]])
    se = rows.std(0) / math.sqrt(trials)
    assert np.all(np.abs(rows.mean(0) - pred) < 4.5 * se), (rows.mean(0), pred, se)


def test_direction_classification_zero_means_learns_nothing():
    g = GaussianMixture.from_demir_dogan(50, beta=0.7, alpha=0.5, task="classification", seed=0)
    lo = mixture_direction(theory.OneStep(d=50, n=200, data=g))
    assert lo.mean_norm_sq == 0.0 and lo.signal == 0.0
    assert lo.norm_sq == pytest.approx(g.mean_trace / 200, rel=1e-12)  # pure noise: E|x|^2 / n
    # cos^2 = E[x_1^2] / E|x|^2 = O(1/d): nothing of e_1 is learned beyond the noise
    e1 = np.eye(50)[0]
    assert lo.cos**2 == pytest.approx(sum(0.5 * c.quadratic(e1) for c in g.covariances) / g.mean_trace, rel=1e-12)


def test_spike_aligned_target_amplifies_the_sigma_norm():
    # Demir & Dogan's spike-aligned xi: u^T Sigma u grows like theta^2 times |xi|^2, so tau * std(u.x) ~ eta * theta
    d = 400
    small = _mixture(d)
    th_small = small.covariances[0].strengths[0]
    s = theory.OneStep(activation="relu", target="relu", d=d, n=4 * d, data=small)
    lo = mixture_direction(s)
    assert th_small > 20 and lo.sigma_norm_sq[0] > 10 * lo.norm_sq


# ------------------------------------------------------------------ conditional feature moments
def test_neuron_coefficients_against_the_engine():
    c, m2 = neuron_coefficients(theory.activation("tanh").func, [0.3, -1.0], [1.5, 0.4], 5)
    for i, (nu, q) in enumerate([(0.3, 1.5), (-1.0, 0.4)]):
        ref = theory.scaled_coefficients("tanh", 5, scale=math.sqrt(q), shift=nu).values
        assert np.allclose(c[i], ref, atol=1e-12)
    c, _ = neuron_coefficients(theory.activation("relu").func, [0.3], [1.2], 3)
    assert np.allclose(c[0], theory.scaled_coefficients("relu", 3, scale=math.sqrt(1.2), shift=0.3).values, atol=1e-6)


def test_feature_moments_monte_carlo():
    d, p = 8, 4
    rng = np.random.default_rng(3)
    W = rng.standard_normal((p, d)) / math.sqrt(d) * 0.6
    data = _mixture(d, means=True)
    s = theory.OneStep(activation="tanh", target="relu", d=d, width=p, data=data)
    fm = feature_moments(s, W, degree=14)
    X, comp = data.sample(np.random.default_rng(4), 300_000)
    F = np.tanh(X @ W.T)
    y = np.maximum(X[:, 0], 0)
    for c in range(2):
        Fc, yc = F[comp == c], y[comp == c]
        m = len(yc)
        Fz, yz = Fc - Fc.mean(0), yc - yc.mean()
        assert np.all(np.abs(Fc.mean(0) - fm.means[c]) < 5 * Fc.std(0) / math.sqrt(m))
        prods = Fz[:, :, None] * Fz[:, None, :]
        assert np.all(np.abs(prods.mean(0) - fm.covariances[c]) < 5 * prods.std(0) / math.sqrt(m) + 1e-4)
        ky = Fz * yz[:, None]
        assert np.all(np.abs(ky.mean(0) - fm.cross[c]) < 5 * ky.std(0) / math.sqrt(m) + 1e-4)
        assert abs(fm.label_means[c] - yc.mean()) < 5 * yc.std() / math.sqrt(m)
        assert fm.label_vars[c] == pytest.approx(yc.var(), rel=2e-2)


# ------------------------------------------------------------------ deterministic equivalent
def _sphere(p, d, seed):
    W = np.random.default_rng(seed).standard_normal((p, d))
    return W / np.linalg.norm(W, axis=1, keepdims=True)


@pytest.mark.parametrize("act, tgt, lam, ratio", [("tanh", "tanh", 0.1, 2.0), ("tanh", "sin", 0.5, 0.7),
                                                   ("erf", "identity", 0.02, 1.5)])
def test_isotropic_one_component_reproduces_risk_on_the_same_weights(act, tgt, lam, ratio):
    # degree 1 = the linear Gaussian equivalence of the library's rf method; same W0, same spectrum. (For an
    # activation with a mean, mu_0 != 0, theory.risk(W0=...) treats the vector 1 as a generic direction of W0's
    # spectrum and ours uses 1^T f(W W^T) 1 exactly: they differ by O(p^-1/2), docs/derivations/mixture_risk.md.)
    d, p = 120, 90
    s = theory.OneStep(activation=act, target=tgt, d=d, width=p, n=2 * d, lr=0.0, noise_var=0.1)
    W0 = _sphere(p, d, 0)
    n = ratio * p
    ours = gaussian_mixture_ridge(feature_moments(s, W0, degree=1), n, lam)
    ref = theory.risk(s, n_ridge=n, lam=lam, W0=W0, method="rf")
    assert ours.status == "converged"
    assert ours.test_error == pytest.approx(ref.test_error, rel=1e-8)
    assert ours.train_error == pytest.approx(ref.train_error, rel=1e-8)


def test_isotropic_mixture_equals_data_none():
    d, p = 60, 50
    s = theory.OneStep(activation="tanh", target="tanh", d=d, width=p, lr=0.0)
    W0 = _sphere(p, d, 1)
    a = gaussian_mixture_ridge(feature_moments(s, W0), 80, 0.1)
    b = gaussian_mixture_ridge(feature_moments(s.with_(data=GaussianMixture([1.0], d=d)), W0), 80, 0.1)
    assert a.test_error == b.test_error and a.train_error == b.train_error


def test_two_identical_components_equal_one():
    d, p = 40, 30
    W0 = _sphere(p, d, 2)
    cov = SpikedCovariance(np.eye(d)[:2], [3.0, 1.0])
    one = theory.OneStep(activation="tanh", target="relu", d=d, width=p, data=GaussianMixture([1.0], None, cov, d=d))
    two = one.with_(data=GaussianMixture([0.4, 0.6], None, [cov, cov], d=d))
    a = gaussian_mixture_ridge(feature_moments(one, W0), 70, 0.2)
    b = gaussian_mixture_ridge(feature_moments(two, W0), 70, 0.2)
    assert b.test_error == pytest.approx(a.test_error, rel=1e-10)
    assert b.train_error == pytest.approx(a.train_error, rel=1e-10)


def test_deterministic_equivalent_against_gaussian_features():
    # the DE alone: features drawn exactly Gaussian per component with the given moments (two components with
    # different covariances, means and teachers); 4.5 standard errors
    rng = np.random.default_rng(1)
    p, n, lam, trials = 60, 120, 0.05, 600
    rho = np.array([0.3, 0.7])
    A = [rng.standard_normal((p, p)) / math.sqrt(p) for _ in range(2)]
    Om = np.stack([A[0] @ A[0].T + 0.3 * np.eye(p), 2 * A[1] @ A[1].T + 0.1 * np.eye(p)])
    m = np.stack([0.3 * np.ones(p), -0.2 * np.ones(p) + 0.1 * rng.standard_normal(p)])
    k = np.stack([Om[0] @ rng.standard_normal(p) / math.sqrt(p) / 2, Om[1] @ rng.standard_normal(p) / math.sqrt(p) / 3])
    a, v = np.array([0.5, -0.4]), np.array([1.0, 1.5])
    de = gaussian_mixture_ridge(FeatureMoments(rho, m, Om, k, a, v, 1), n, lam)
    L = [np.linalg.cholesky(O) for O in Om]
    b = [np.linalg.solve(Om[c], k[c]) for c in range(2)]
    s2 = [v[c] - k[c] @ b[c] for c in range(2)]
    counts = (36, 84)
    te, tr = [], []
    for _ in range(trials):
        P, Y = [], []
        for c in range(2):
            Z = rng.standard_normal((counts[c], p)) @ L[c].T
            P.append(m[c] + Z)
            Y.append(a[c] + Z @ b[c] + math.sqrt(s2[c]) * rng.standard_normal(counts[c]))
        P, Y = np.vstack(P), np.concatenate(Y)
        th = np.linalg.solve(P.T @ P / n + lam * p / n * np.eye(p), P.T @ Y / n)
        tr.append(np.mean((Y - P @ th) ** 2))
        te.append(sum(rho[c] * ((a[c] - th @ m[c]) ** 2 + (b[c] - th) @ Om[c] @ (b[c] - th) + s2[c]) for c in range(2)))
    assert abs(np.mean(te) - de.test_error) < 4.5 * np.std(te) / math.sqrt(trials) + 0.01 * de.test_error
    assert abs(np.mean(tr) - de.train_error) < 4.5 * np.std(tr) / math.sqrt(trials) + 0.01 * de.train_error


def test_ridge_refuses_bad_input():
    fm = FeatureMoments(np.ones(1), np.zeros((1, 2)), np.eye(2)[None], np.zeros((1, 2)), np.zeros(1), np.ones(1), 1)
    with pytest.raises(ValueError, match="lam"):
        gaussian_mixture_ridge(fm, 10, 0.0)
    with pytest.raises(ValueError, match="n_ridge"):
        gaussian_mixture_ridge(fm, -1, 0.1)
    s = theory.OneStep(d=5, width=3)
    with pytest.raises(ValueError, match="W"):
        feature_moments(s, np.ones((3, 4)))
    with pytest.raises(ValueError, match="degree"):
        feature_moments(s, np.ones((3, 5)), degree=0)


# ------------------------------------------------------------------ the mixture risk (equivalent first layer)
from theory.mixtures.risk import draw_initial_weights, equivalent_weights, mixture_risk  # noqa: E402


def test_equivalent_weights_are_a_rank_one_move_along_the_learned_direction():
    d, p, n = 40, 30, 80
    data = _mixture(d)
    s = theory.OneStep(activation="relu", target="relu", d=d, width=p, n=n, lr=0.3, readout="gaussian", data=data)
    W0, sv = draw_initial_weights(s, np.random.default_rng(0))
    assert np.allclose(np.linalg.norm(W0, axis=1), data.init_scale)  # sphere rows times sqrt(d / tr Sigma_bar)
    W1, info = equivalent_weights(s, W0, sv, np.random.default_rng(1))
    # the same batch, by hand: u_c = X_c^T y_c / n, c_1 = E relu'(sqrt(q) z) = 1/2
    X, comp = data.sample(np.random.default_rng(1), n)
    y = np.maximum(X[:, 0], 0)
    assert np.allclose(W1 - W0, 0.3 * np.outer(sv, 0.5 * X.T @ y / n), atol=1e-12)
    assert info["c1"] == pytest.approx([0.5, 0.5], abs=1e-7)


def test_mixture_risk_paths_agree():
    d, p = 40, 30
    data = _mixture(d, means=True)
    s = theory.OneStep(activation="tanh", target="relu", d=d, width=p, n=60, lr=0.0, data=data)
    W0, _ = draw_initial_weights(s, np.random.default_rng(0))
    direct = gaussian_mixture_ridge(feature_moments(s, W0, degree=3), 50, 0.2)
    via = mixture_risk(s, n_ridge=50, lam=0.2, W0=W0, degree=3)
    given = mixture_risk(s.with_(lr=0.5), n_ridge=50, lam=0.2, W1=W0, degree=3)
    assert via.test_error == direct.test_error == given.test_error
    grid = mixture_risk(s, n_ridge=[30, 50], lam=0.2, W0=W0, degree=3)
    assert grid.test_error[1] == direct.test_error and grid.converged
    many = mixture_risk(s, n_ridge=50, lam=0.2, degree=3, draws=3, seed=5)
    assert np.isfinite(many.test_error_se) and many.method == "mixture"
    with pytest.raises(ValueError, match="lam"):
        mixture_risk(s, n_ridge=50, lam=0.0)
    with pytest.raises(ValueError, match="W0"):
        mixture_risk(s, n_ridge=50, lam=0.1, W0=np.ones((3, 3)))
    with pytest.raises(ValueError, match="lr"):
        theory.risk(s, n_ridge=50, lam=0.1, lr=[0.0, 1.0])
    assert theory.risk(s, n_ridge=50, lam=0.2, lr=np.array([0.0]), W0=W0).test_error == pytest.approx(
        mixture_risk(s, n_ridge=50, lam=0.2, W0=W0).test_error, rel=1e-8)  # theory.risk: the default degree 4


def test_theory_risk_dispatches_mixture_data_to_the_mixture_regime():
    from theory.mixtures import demir_dogan_setup

    s = demir_dogan_setup(60, 40, 60, beta=0.74, alpha=0.5, target="spikes", seed=0)
    r = theory.risk(s, n_ridge=[50, 90], lam=0.1)
    assert r.method == "mixture" and theory.select_method(s)[0] == "mixture"
    ref = mixture_risk(s, n_ridge=[50, 90], lam=0.1)
    assert np.allclose(r.test_error, ref.test_error, rtol=1e-8) and np.allclose(r.train_error, ref.train_error, rtol=1e-8)
    with pytest.raises(theory.NotApplicable):
        theory.risk(s, n_ridge=50, lam=0.1, method="rf")
    assert not theory.regimes.get("mixture").selects(s.with_(data=None), 0.0)


# ------------------------------------------------------------------ per-component coefficients, the degree rule
from theory.mixtures.coefficients import component_coefficients  # noqa: E402
from theory.mixtures.degree import hermite_degree  # noqa: E402


def test_component_coefficients_scale_and_shift_average():
    d = 6
    mu = np.zeros((2, d))
    mu[0, :2] = [1.2, -0.5]
    cov = SpikedCovariance(np.eye(d)[:1], 3.0)
    g = GaussianMixture([0.4, 0.6], mu, [cov, None], d=d)
    s = theory.OneStep(activation="tanh", d=d, data=g)
    cc = component_coefficients(s, 4)
    sc2 = d / g.mean_trace
    assert cc.q == pytest.approx([sc2 * 9 / 6, sc2 * 1.0]) and g.weights @ cc.q == pytest.approx(1.0)
    assert cc.nu == pytest.approx([sc2 * (1.44 + 0.25) / d, 0.0])
    for c in range(2):
        assert np.allclose(cc.values[c], theory.scaled_coefficients("tanh", 4, scale=math.sqrt(cc.q[c])).values,
                           atol=1e-12)
    # the shift average against a direct average over m ~ N(0, nu) (Gauss-Hermite in m, per-shift coefficients)
    from numpy.polynomial.hermite_e import hermegauss

    nodes, weights = hermegauss(60)
    weights = weights / weights.sum()
    shifted, _ = neuron_coefficients(np.tanh, math.sqrt(cc.nu[0]) * nodes, np.full(60, cc.q[0]), 4)
    assert np.allclose(weights @ shifted, cc.averaged[0], atol=1e-9)
    assert np.allclose(cc.averaged[1], cc.values[1], atol=1e-12)  # no mean, no shift


def _boundary(beta, alpha):
    return any(abs(k * (1 - b) - bound) < 1e-6 for k in range(1, 60)
               for b, bound in ((beta, 0.5), ((1 - alpha) * beta, 1.0), (beta, 1.0)))


def test_degree_rule_against_the_authors_rule():
    for beta in np.linspace(0.05, 0.95, 37):
        for alpha in np.linspace(0.0, 1.0, 11):
            if _boundary(beta, alpha):
                continue
            h = hermite_degree(beta, alpha)
            assert h.authors == max(1, math.ceil(beta / (1 - beta)))
            assert h.sufficient, (beta, alpha)  # the authors' degree is never below the counting's
            if alpha == 0.0:
                assert h.necessary == h.authors, beta  # all of the strength in the spread: the rule is exact
            # the step's list: k (1 - beta) <= 1/2
            assert h.step_degrees == tuple(k for k in range(1, 100) if k * (1 - beta) <= 0.5)
    # where the counting keeps fewer degrees than the rule: half the strength in the learning rate, beta = 0.74
    h = hermite_degree(0.74, 0.5)
    assert (h.necessary, h.authors) == (1, 3)
    r = hermite_degree(0.9, 1.0, target="random")
    assert r.step_degrees == (1, 2, 3, 4, 5) and r.necessary == 5  # alpha = 1: the learning rate carries it all
    assert hermite_degree(0.9, 0.0, target="random").necessary == 1  # spread only, random target: nothing
    with pytest.raises(ValueError, match="beta"):
        hermite_degree(1.0, 0.5)


# ------------------------------------------------------------------ the weights' spike
from theory.mixtures.weights import mixture_weight_spike  # noqa: E402


def test_component_weights_of_the_direction():
    data = _mixture(30, means=True)
    s = theory.OneStep(activation="relu", target="relu", d=30, n=40, data=data)
    one, two = mixture_direction(s), mixture_direction(s, component_weights=[2.0, 2.0])
    assert two.norm_sq == pytest.approx(4 * one.norm_sq, rel=1e-12) and two.cos == pytest.approx(one.cos, rel=1e-12)
    half = mixture_direction(s, component_weights=[1.0, 0.0])  # only component 1's part, rho_1 u_1
    other = mixture_direction(s, component_weights=[0.0, 1.0])
    assert np.allclose(half.mean + other.mean, one.mean, atol=1e-13)
    # the fluctuation terms add too: E|a + b|^2 = |E a + E b|^2 + var(a) + var(b) for independent components
    var = lambda r: r.norm_sq - r.mean_norm_sq  # noqa: E731
    assert var(half) + var(other) == pytest.approx(var(one), rel=1e-12)
    with pytest.raises(ValueError, match="component_weights"):
        mixture_direction(s, component_weights=[1.0])


def test_weight_spike_monte_carlo_demir_dogan_scaling():
    # the real gradient step (validation.gradient_step) on a spike-aligned mixture with theta = d^0.37;
    # top singular value and overlap of the right singular vector with e_1, 12 draws: within 4 se + 3%
    validation = pytest.importorskip("validation")
    from validation.simulate import gradient_step

    d = p = 200
    g = GaussianMixture.from_demir_dogan(d, beta=0.74, alpha=0.5, target="spikes", alignment=0.3, seed=1)
    s = theory.OneStep(activation="tanh", target="relu", d=d, width=p, n=2 * d, lr=0.06, readout="gaussian",
                       init="sphere", residual="labels", data=g)
    th = mixture_weight_spike(s)
    assert th.outlier
    rows = []
    for t in range(12):
        rng = np.random.default_rng(t)
        W0, sv = draw_initial_weights(s, rng)
        X, _ = g.sample(rng, 2 * d)
        W1 = gradient_step(W0, sv, X, np.maximum(X[:, 0], 0), s)
        _, S, Vt = np.linalg.svd(W1, full_matrices=False)
        rows.append([S[0], Vt[0, 0] ** 2])
    rows = np.array(rows)
    mean, se = rows.mean(0), rows.std(0) / math.sqrt(len(rows))
    for pred, m, e in zip((th.singular_value, th.overlap_sq), mean, se):
        assert abs(pred - m) < 4 * e + 0.03 * pred, (pred, m, e)


def test_ridge_solver_converges_near_interpolation():
    # Anderson mixing fails on this (n = p/2, tiny penalty); the plain iteration it falls back to converges
    d, p = 60, 60
    s = theory.OneStep(activation="relu", target="relu", d=d, width=p, data=_mixture(d))
    fm = feature_moments(s, _sphere(p, d, 3) * s.data.init_scale, degree=3)
    out = gaussian_mixture_ridge(fm, 30, 1e-4)
    assert out.status == "converged" and out.residual < 1e-10
    assert 0 <= out.train_error < 1e-3 * out.test_error  # interpolation: almost no training error


def test_left_out_fluctuation_is_reported():
    # relu: Var sigma' = 1/4 at any scale; the same seed draws the same batch, so left_out scales like tau^2
    d, p = 40, 30
    s = theory.OneStep(activation="relu", target="relu", d=d, width=p, n=80, lr=0.5, readout="gaussian",
                       data=_mixture(d))
    a = mixture_risk(s, n_ridge=50, lam=0.2, degree=2).parameters["left_out"]
    b = mixture_risk(s.with_(lr=1.0), n_ridge=50, lam=0.2, degree=2).parameters["left_out"]
    assert b == pytest.approx(4 * a, rel=1e-12)
    rng = np.random.default_rng(np.random.SeedSequence(0).spawn(1)[0])
    W0, sv = draw_initial_weights(s, rng)
    X, _ = s.data.sample(rng, 80)
    ey2 = np.mean(np.maximum(X[:, 0], 0) ** 2)
    assert a == pytest.approx(0.25 * np.mean(sv**2) * ey2 * 0.25 * d / 80 / s.data.init_scale**2, rel=1e-6)


def test_full_step_option_is_the_simulators_step():
    pytest.importorskip("validation")
    from validation.simulate import gradient_step

    d, p, n = 30, 20, 50
    data = _mixture(d, means=True)
    s = theory.OneStep(activation="tanh", target="relu", d=d, width=p, n=n, lr=0.7, readout="gaussian", data=data)
    W0, sv = draw_initial_weights(s, np.random.default_rng(0))
    W1, info = equivalent_weights(s, W0, sv, np.random.default_rng(1), step="full")
    X, _ = data.sample(np.random.default_rng(1), n)
    assert np.allclose(W1, gradient_step(W0, sv, X, np.maximum(X[:, 0], 0), s), atol=1e-12)
    with pytest.raises(ValueError, match="step"):
        equivalent_weights(s, W0, sv, np.random.default_rng(1), step="exact")


@pytest.mark.slow
def test_seeded_equations_average_to_the_marchenko_pastur_risk():
    # one isotropic component, degree 1: averaged over draws of W0 the finite-p equations give theory.risk's
    # Marchenko-Pastur limit (their draw-to-draw spread is the network's own, about 5% at p = 300)
    d = p = 200
    s = theory.OneStep(activation="tanh", target="tanh", d=d, width=p, n=2 * d, lr=0.0, init="sphere")
    ref = theory.risk(s, n_ridge=2 * d, lam=0.1).test_error
    r = mixture_risk(s, n_ridge=2 * d, lam=0.1, degree=1, draws=24, seed=11)
    assert abs(r.test_error - ref) < 3.5 * r.test_error_se + 0.005 * ref
