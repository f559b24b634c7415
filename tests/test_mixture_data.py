"""The Gaussian-mixture data model (theory.GaussianMixture, issue 16 item 1): exact sampling, the isotropic
special case identical to data=None, the paper's constructor (Demir & Dogan, arXiv:2503.00856) and its
learning-rate map, validation of every argument."""

import math

import numpy as np
import pytest

import theory
from theory.model.data import DenseCovariance, GaussianMixture, SpikedCovariance
from theory.mixtures import demir_dogan_setup, lr_from_demir_dogan


def _orthonormal(k, d, seed):
    Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, k)))
    return Q.T


def _sqrtm(M):
    vals, vecs = np.linalg.eigh(M)
    return (vecs * np.sqrt(np.clip(vals, 0, None))) @ vecs.T


# ------------------------------------------------------------------ covariances
def test_spiked_covariance_matches_its_dense_matrix():
    G = _orthonormal(3, 7, 0)
    th = np.array([4.0, 0.5, 0.0])
    S = SpikedCovariance(G, th)
    M = np.eye(7) + G.T @ np.diag(th) @ G
    assert np.allclose(S.dense(), M, atol=1e-14)
    v = np.random.default_rng(1).standard_normal(7)
    assert math.isclose(S.quadratic(v), v @ M @ v, rel_tol=1e-13)
    assert np.allclose(S.apply(v), M @ v, atol=1e-13)
    assert S.trace == pytest.approx(np.trace(M), rel=1e-14)
    assert S.operator_norm == pytest.approx(np.linalg.eigvalsh(M)[-1], rel=1e-13)
    Z = np.random.default_rng(2).standard_normal((5, 7))
    assert np.allclose(S.sqrt_apply_rows(Z), Z @ _sqrtm(M), atol=1e-12)


@pytest.mark.parametrize("bad, match", [
    (dict(directions=[[1.0, 1.0, 0.0]], strengths=1.0), "orthonormal"),
    (dict(directions=[[1.0, 0.0, 0.0]], strengths=-1.0), "strengths"),
    (dict(directions=[[1.0, 0.0, 0.0]], strengths=[1.0, 2.0]), "strengths"),
    (dict(directions=[[np.nan, 0.0, 0.0]], strengths=1.0), "directions"),
])
def test_spiked_covariance_refuses_bad_input(bad, match):
    with pytest.raises(ValueError, match=match):
        SpikedCovariance(**bad)


def test_dense_covariance_checks():
    with pytest.raises(ValueError, match="symmetric"):
        DenseCovariance([[1.0, 0.5], [0.0, 1.0]])
    with pytest.raises(ValueError, match="semi-definite"):
        DenseCovariance([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match="square"):
        DenseCovariance(np.ones((2, 3)))


# ------------------------------------------------------------------ sampling
def test_sample_is_mu_plus_root_sigma_z_exactly():
    d = 6
    G = _orthonormal(2, d, 3)
    A = np.random.default_rng(4).standard_normal((d, d))
    dense = A @ A.T / d + np.eye(d)
    mu = np.random.default_rng(5).standard_normal((3, d))
    g = GaussianMixture([0.2, 0.3, 0.5], mu, [SpikedCovariance(G, [9.0, 2.0]), dense, None], d=d)
    X, comp = g.sample(np.random.default_rng(7), 20)
    Z = np.random.default_rng(7).standard_normal((20, d))
    assert comp.tolist() == [0] * 4 + [1] * 6 + [2] * 10
    roots = [_sqrtm(np.eye(d) + G.T @ np.diag([9.0, 2.0]) @ G), _sqrtm(dense), np.eye(d)]
    for c in range(3):
        rows = comp == c
        assert np.allclose(X[rows], Z[rows] @ roots[c] + mu[c], atol=1e-12)


def test_sample_moments_monte_carlo():
    # second moments of one spiked component: E xx^T = I + theta g g^T (tolerance 6 standard errors)
    d, n = 5, 200_000
    g_dir = _orthonormal(1, d, 9)
    g = GaussianMixture([1.0], covariances=SpikedCovariance(g_dir, 8.0), d=d)
    X, _ = g.sample(np.random.default_rng(0), n)
    emp = X.T @ X / n
    M = g.covariances[0].dense()
    se = np.sqrt((M**2 + np.outer(np.diag(M), np.diag(M))) / n)
    assert np.all(np.abs(emp - M) < 6 * se)


def test_counts_deterministic_and_multinomial():
    g = GaussianMixture([0.3, 0.7], d=3)
    assert g.component_counts(11).tolist() == [3, 8]  # floor(0.3 * 11) and the rest (the authors' code)
    g3 = GaussianMixture([0.25, 0.25, 0.5], d=3)
    assert g3.component_counts(10).tolist() == [2, 3, 5]
    gm = GaussianMixture([0.3, 0.7], d=3, counts="multinomial")
    X, comp = gm.sample(np.random.default_rng(0), 1000)
    assert X.shape == (1000, 3) and 240 < np.sum(comp == 0) < 360
    with pytest.raises(ValueError, match="rng"):
        gm.component_counts(10)


def test_dtype_and_float32():
    g = GaussianMixture([0.5, 0.5], covariances=[SpikedCovariance([1, 0, 0], 2.0), None], d=3)
    X, _ = g.sample(np.random.default_rng(0), 4, dtype=np.float32)
    assert X.dtype == np.float32


# ------------------------------------------------------------------ the isotropic special case
ISO = GaussianMixture([1.0], d=60)


def test_isotropic_mixture_draws_the_standard_normals():
    X, comp = ISO.sample(np.random.default_rng(11), 50)
    assert np.array_equal(X, np.random.default_rng(11).standard_normal((50, 60)))
    assert ISO.is_isotropic and ISO.init_scale == 1.0 and not np.any(comp)
    assert theory.OneStep(d=60, data=ISO).is_isotropic


def test_not_isotropic_when_anything_differs():
    assert not GaussianMixture([1.0], covariances=SpikedCovariance([1.0, 0.0], 1.0), d=2).is_isotropic
    assert not GaussianMixture([1.0], means=[[0.0, 0.1]], d=2).is_isotropic
    assert not GaussianMixture([0.5, 0.5], d=2).is_isotropic
    assert GaussianMixture([1.0], covariances=SpikedCovariance([1.0, 0.0], 0.0), d=2).is_isotropic
    assert GaussianMixture([1.0], means=[[0.0, 0.0]], d=2).is_isotropic


def test_isotropic_mixture_gives_identical_theory():
    s0 = theory.OneStep(activation="tanh", target="tanh", d=60, width=60, n=240, lr=2.0)
    s1 = s0.with_(data=ISO)
    for lr in (0.0, 2.0):
        a, b = theory.risk(s0.with_(lr=lr), n_ridge=[30, 120], lam=0.1), theory.risk(s1.with_(lr=lr), n_ridge=[30, 120], lam=0.1)
        assert np.array_equal(a.test_error, b.test_error) and np.array_equal(a.train_error, b.train_error)
        assert a.method == b.method
    assert float(s0.learned_overlap()) == float(s1.learned_overlap())
    assert s0.weight_spike().to_dict() == s1.weight_spike().to_dict()
    assert s0.spikes().to_dict() == s1.spikes().to_dict()
    assert theory.select_method(s0) == theory.select_method(s1)
    assert theory.step_statistics(s0).to_dict() == theory.step_statistics(s1).to_dict()


def test_isotropic_mixture_gives_identical_simulation():
    validation = pytest.importorskip("validation")
    s0 = theory.OneStep(activation="tanh", target="tanh", d=60, width=40, n=120, lr=1.0, init="gaussian")
    s1 = s0.with_(data=ISO)
    r0 = validation.simulate(s0, n_ridge=80, lam=0.1, trials=2, seed=3, n_test=500)
    r1 = validation.simulate(s1, n_ridge=80, lam=0.1, trials=2, seed=3, n_test=500)
    assert r0.summary["test_error"].mean == r1.summary["test_error"].mean
    assert r0.summary["beta_cos"].mean == r1.summary["beta_cos"].mean


# ------------------------------------------------------------------ protocol details
def test_init_scale_and_traces():
    g = GaussianMixture([0.25, 0.75], covariances=[SpikedCovariance(_orthonormal(2, 10, 0), [3.0, 1.0]), None], d=10)
    assert g.traces == (14.0, 10.0)
    assert g.mean_trace == pytest.approx(0.25 * 14 + 0.75 * 10)
    assert g.init_scale == pytest.approx(math.sqrt(10 / 11.0))
    assert GaussianMixture([1.0], covariances=SpikedCovariance([1, 0], 3.0), d=2, init="setup").init_scale == 1.0


def test_operator_norm_of_the_average_covariance():
    G = _orthonormal(2, 8, 1)
    covs = [SpikedCovariance(G[:1], 5.0), SpikedCovariance(0.6 * G[:1] + 0.8 * G[1:], 3.0)]
    g = GaussianMixture([0.4, 0.6], covariances=covs, d=8)
    M = 0.4 * covs[0].dense() + 0.6 * covs[1].dense()
    assert g.operator_norm() == pytest.approx(np.linalg.eigvalsh(M)[-1], rel=1e-12)


def test_classification_labels():
    g = GaussianMixture([0.5, 0.5], d=3, task="classification")
    assert g.class_labels([0, 1, 1]).tolist() == [1.0, -1.0, -1.0]
    g3 = GaussianMixture([0.2, 0.3, 0.5], d=3, task="classification", labels=[0, 1, 2])
    assert g3.class_labels([2, 0]).tolist() == [2.0, 0.0]
    with pytest.raises(ValueError, match="labels"):
        GaussianMixture([0.2, 0.3, 0.5], d=3, task="classification")
    assert not GaussianMixture([1.0], d=3, task="classification", labels=[1.0]).is_isotropic


def test_value_semantics_and_round_trip():
    g = GaussianMixture.from_demir_dogan(30, beta=0.6, alpha=0.5, alignment=0.3, seed=2)
    h = GaussianMixture.from_demir_dogan(30, beta=0.6, alpha=0.5, alignment=0.3, seed=2)
    assert g == h and hash(g) == hash(h)
    assert g != GaussianMixture.from_demir_dogan(30, beta=0.6, alpha=0.5, alignment=0.3, seed=3)
    assert GaussianMixture.from_dict(g.to_dict()) == g
    with pytest.raises(AttributeError):
        g.d = 3
    s = theory.OneStep(d=30, data=g)
    assert hash(s) == hash(theory.OneStep(d=30, data=h))
    import json

    assert json.loads(json.dumps(s.to_dict()))["data"]["kind"] == "gaussian_mixture"


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(weights=[0.5, 0.6], d=3), ValueError, "weights"),
    (dict(weights=[1.0, 0.0], d=3), ValueError, "weights"),
    (dict(weights=[1.0], d=0), ValueError, "d"),
    (dict(weights=[1.0], d=3, means=[[0.0, 0.0]]), ValueError, "means"),
    (dict(weights=[0.5, 0.5], d=3, covariances=[None]), ValueError, "covariances"),
    (dict(weights=[1.0], d=3, covariances=np.eye(2)), ValueError, "dimension"),
    (dict(weights=[1.0], d=3, task="ranking"), ValueError, "task"),
    (dict(weights=[1.0], d=3, counts="random"), ValueError, "counts"),
    (dict(weights=[1.0], d=3, init="sphere"), ValueError, "init"),
    (dict(weights="abc", d=3), TypeError, "weights"),
    (dict(weights=[1.0], d=3, covariances=5), TypeError, "covariances"),
])
def test_mixture_refuses_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        GaussianMixture(**kwargs)


def test_setup_checks_the_dimension():
    with pytest.raises(ValueError, match="d="):
        theory.OneStep(d=50, data=ISO)


# ------------------------------------------------------------------ the paper's constructor
def test_from_demir_dogan_strengths_traces_alignment():
    d = 200
    g = GaussianMixture.from_demir_dogan(d, beta=0.74, alpha=0.5, ranks=(2, 1), alignment=-0.4, seed=5)
    theta = d ** (0.5 * 0.74)
    assert np.allclose(g.covariances[0].strengths, [theta, theta], rtol=1e-14)
    assert np.allclose(g.covariances[1].strengths, [2 * theta], rtol=1e-14)  # equal traces
    assert g.traces[0] == pytest.approx(g.traces[1], rel=1e-14)
    G1, G2 = g.covariances[0].directions, g.covariances[1].directions
    assert G1[0] @ G2[0] == pytest.approx(-0.4, abs=1e-12)
    assert abs(G1[1] @ G2[0]) < 1e-12
    assert g.init_scale == pytest.approx(math.sqrt(d / (d + 2 * theta)))


def test_from_demir_dogan_random_directions_are_haar():
    # the overlap of a Haar direction with e_1 has E (g.e1)^2 = 1/d
    vals = [GaussianMixture.from_demir_dogan(50, beta=0.5, alpha=0.0, seed=s).covariances[0].directions[0, 0]
            for s in range(400)]
    assert np.mean(np.square(vals)) == pytest.approx(1 / 50, rel=0.25)


def test_from_demir_dogan_spike_aligned_target():
    g = GaussianMixture.from_demir_dogan(100, beta=0.5, alpha=0.0, target="spikes", alignment=0.2, seed=1)
    g1, g2 = (c.directions[0] for c in g.covariances)
    xi = (g1 + g2) / np.linalg.norm(g1 + g2)
    assert np.allclose(xi, np.eye(100)[0], atol=1e-12)
    assert g1 @ g2 == pytest.approx(0.2, abs=1e-12)
    with pytest.raises(ValueError, match="alignment"):
        GaussianMixture.from_demir_dogan(100, beta=0.5, alpha=0.0, target="spikes", alignment=-1.0)


def test_from_demir_dogan_uniform_spread_keeps_equal_traces():
    g = GaussianMixture.from_demir_dogan(100, beta=0.8, alpha=0.2, ranks=(3, 3), spread="uniform", seed=4)
    th1, th2 = g.covariances[0].strengths, g.covariances[1].strengths
    assert np.all(th1 < 100 ** (0.8 * 0.8)) and th1.sum() == pytest.approx(th2.sum(), rel=1e-13)
    assert len(set(np.round(th1, 9))) == 3


@pytest.mark.parametrize("kw, match", [(dict(beta=1.5, alpha=0.5), "beta"), (dict(beta=0.5, alpha=-0.1), "alpha"),
                                       (dict(beta=0.5, alpha=0.5, ranks=(0, 1)), "ranks"),
                                       (dict(beta=0.5, alpha=0.5, alignment=2.0), "alignment"),
                                       (dict(beta=0.5, alpha=0.5, target="xi"), "target")])
def test_from_demir_dogan_refuses_bad_input(kw, match):
    with pytest.raises(ValueError, match=match):
        GaussianMixture.from_demir_dogan(20, **kw)


def test_lr_map_is_the_gradient_step_of_their_network():
    # Their f = k^-1/2 w.sigma(F x), loss (1/2m) sum (y - f)^2, F <- F - eta dL/dF (gradient by finite
    # differences). The library's step: w_i += tau s_i (1/m) sum r sigma'(w_i.x) x with s = sqrt(k) w.
    rng = np.random.default_rng(0)
    k, d, m, eta = 3, 4, 5, 2.7
    F, w = rng.standard_normal((k, d)) / 2, rng.standard_normal(k) / math.sqrt(k)
    X, y = rng.standard_normal((m, d)), rng.standard_normal(m)

    def loss(Fm):
        return 0.5 * np.mean((y - np.tanh(X @ Fm.T) @ w / math.sqrt(k)) ** 2)

    grad = np.zeros_like(F)
    h = 1e-6
    for i in range(k):
        for j in range(d):
            E = np.zeros_like(F)
            E[i, j] = h
            grad[i, j] = (loss(F + E) - loss(F - E)) / (2 * h)
    theirs = F - eta * grad
    tau = eta / k  # lr_from_demir_dogan with eta0 * d**(alpha beta) = eta
    assert lr_from_demir_dogan(d, k, beta=0.5, alpha=0.0, eta0=eta) == pytest.approx(tau)
    s = math.sqrt(k) * w
    r = y - np.tanh(X @ F.T) @ s / k  # f = (1/k) sum s_i sigma
    ours = F + tau * s[:, None] * (((r[:, None] * (1 - np.tanh(X @ F.T) ** 2)).T @ X) / m)
    assert np.allclose(ours, theirs, atol=1e-8)


def test_demir_dogan_setup():
    s = demir_dogan_setup(300, 150, 300, beta=0.74, alpha=0.5, seed=0)
    assert s.lr == pytest.approx(300 ** 0.37 / 150)
    assert s.data.covariances[0].strengths[0] == pytest.approx(300 ** 0.37)
    # |xi|^2 = 1 / ||Sigma_bar||_op: target(1)^2 = relu(|xi|)^2
    assert float(s.target(1.0)) ** 2 == pytest.approx(1 / s.data.operator_norm(), rel=1e-12)
    assert (s.readout, s.init, s.residual, s.effective_output_scale) == ("gaussian", "gaussian", "full", 1 / 150)
