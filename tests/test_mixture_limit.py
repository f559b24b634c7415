"""The draw-free limit of ridge on random features of a Gaussian mixture (theory/mixtures/limit.py,
docs/derivations/mixture_limit.md)."""

import math

import numpy as np
import pytest

import theory
from theory.mixtures import mixture_risk
from theory.mixtures.limit import anisotropic_mp, mixture_limit_risk


def _spiked_mixture(d, *, task="regression"):
    """Two zero-mean components with finite-rank spikes partly aligned with the target direction e1."""
    rng = np.random.default_rng(0)
    M = rng.standard_normal((d, 4))
    M[:, 0] = 0.0
    M[0, 0] = 1.0
    Q, _ = np.linalg.qr(M)
    Q = Q * np.sign(Q[0, 0])
    e1, G = Q[:, 0], Q[:, 1:].T
    g1 = 0.6 * e1 + 0.8 * G[0]
    g2 = 0.5 * e1 + math.sqrt(0.75) * G[1]
    g3 = G[2] - (G[2] @ g2) * g2
    g3 /= np.linalg.norm(g3)
    return theory.GaussianMixture([0.4, 0.6], covariances=[theory.SpikedCovariance(g1[None, :], 4.0),
                                                           theory.SpikedCovariance(np.stack([g2, g3]), [2.0, 6.0])],
                                  d=d, task=task)


def _spiked_setup(d, **kw):
    return theory.OneStep(activation="tanh", target="relu", d=d, width=d, n=2 * d, lr=0.0, noise_var=0.05,
                          data=_spiked_mixture(d), **kw)


@pytest.mark.parametrize("act, tgt, n, lam", [("tanh", "tanh", 300, 0.1), ("erf", "sin", 100, 0.01),
                                              ("tanh", "relu", 600, 1.0)])
def test_one_isotropic_component_is_the_random_features_limit(act, tgt, n, lam):
    s = theory.OneStep(activation=act, target=tgt, d=200, width=150, lr=0.0, noise_var=0.1)
    a = mixture_limit_risk(s, n, lam)
    b = theory.risk(s, n, lam, method="rf")
    assert a.status == "converged"
    assert a.test_error == pytest.approx(b.test_error, rel=1e-8)
    assert a.train_error == pytest.approx(b.train_error, rel=1e-8)
    # the same through a one-component GaussianMixture and mixture_risk(draws=0)
    m = mixture_risk(s.with_(data=theory.GaussianMixture([1.0], d=200)), n, lam, draws=0)
    assert m.test_error == pytest.approx(a.test_error, rel=1e-12)


def test_anisotropic_mp_against_one_large_draw():
    # U^T (z + U A U^T)^{-1} U ~ kappa (z + kappa A)^{-1} and tr Q, for A = I + spikes (one draw, d = 600)
    d, p, z = 600, 300, 0.7
    rng = np.random.default_rng(1)
    G = np.linalg.qr(rng.standard_normal((d, 2)))[0].T
    A = 0.8 * np.eye(d) + G.T @ np.diag([3.0, 9.0]) @ G
    eq = anisotropic_mp(A, z, p)
    K = (eq.V * eq.k) @ eq.V.T
    H = np.stack([G[0], G[1], np.eye(d)[0]])
    traces, forms = [], []
    for _ in range(10):  # a quadratic form of one draw fluctuates by about sqrt(2/d) = 6%: average 10 draws
        U = rng.standard_normal((p, d)) / math.sqrt(d)
        Q = np.linalg.inv(z * np.eye(p) + U @ A @ U.T)
        traces.append(np.trace(Q))
        forms.append(np.einsum("ki,ij,kj->k", H @ U.T, Q, H @ U.T))
    assert np.mean(traces) == pytest.approx(eq.trace, rel=0.01)
    assert np.mean(forms, axis=0) == pytest.approx(eq.kappa * np.einsum("ki,ij,kj->k", H, K, H), rel=0.06)


def test_second_order_traces_are_the_derivatives_of_the_first_order_ones():
    d, p, z = 150, 100, 0.4
    rng = np.random.default_rng(2)
    X = rng.standard_normal((d, d))
    A = X @ X.T / d + 0.1 * np.eye(d)  # eigenvalues away from 0 (the finite difference must not cross it)
    B = np.diag(rng.uniform(0, 2, d))
    eq = anisotropic_mp(A, z, p)
    dkap, dtrace, dK = eq.derivative(0.3, eq.V.T @ B @ eq.V)
    h = 1e-5
    up, dn = anisotropic_mp(A + h * B, z + 0.3 * h, p), anisotropic_mp(A - h * B, z - 0.3 * h, p)
    assert dkap == pytest.approx((up.kappa - dn.kappa) / (2 * h), rel=1e-6)
    assert dtrace == pytest.approx((up.trace - dn.trace) / (2 * h), rel=1e-6)
    v = rng.standard_normal(d)
    quad = lambda e: v @ ((e.V * e.k) @ e.V.T) @ v  # noqa: E731
    assert v @ eq.V @ dK @ eq.V.T @ v == pytest.approx((quad(up) - quad(dn)) / (2 * h), rel=1e-6)


def test_spiked_two_components_agree_with_the_draws():
    # d = 120: the limit against 10 draws of the seeded equations (degree one), 3 standard errors
    s = _spiked_setup(120)
    L = mixture_risk(s, 240, 0.1, draws=0)
    m = mixture_risk(s, 240, 0.1, degree=1, draws=10, seed=7)
    assert L.status == "converged" and L.test_error_se == 0.0
    assert abs(L.test_error - m.test_error) < 3 * m.test_error_se
    assert abs(L.train_error - m.train_error) < 3 * m.train_error_se
    assert L.parameters["mean_fluctuation"] < 1e-12  # tanh has no degree-2 coefficient


def test_spikes_change_the_limit():
    # the same setup without the spikes gives a different number: the spikes are not lost in the bulk
    s = _spiked_setup(120)
    iso = s.with_(data=theory.GaussianMixture([0.4, 0.6], d=120))
    a, b = mixture_limit_risk(s, 240, 0.1), mixture_limit_risk(iso, 240, 0.1)
    assert abs(a.test_error - b.test_error) > 0.05 * b.test_error


def test_small_step_agrees_with_the_draws_and_moves_the_error():
    # lr = 0.1 (feature shift 0.13): the lifted equivalent first layer against 10 draws of the rank-one step
    s = _spiked_setup(120, readout="gaussian")
    L = mixture_risk(s.with_(lr=0.1), 240, 0.1, draws=0)
    L0 = mixture_risk(s, 240, 0.1, draws=0)
    m = mixture_risk(s.with_(lr=0.1), 240, 0.1, degree=1, draws=10, seed=2)
    assert L.status == "converged" and L.parameters["feature_shift"] < 0.2
    assert abs(L.test_error - m.test_error) < 3 * m.test_error_se
    assert abs(L.test_error - L0.test_error) > 3 * m.test_error_se  # the step is resolved, not ignored


def test_limit_refuses_what_it_does_not_cover():
    s = _spiked_setup(60)
    with pytest.raises(theory.NotApplicable, match="readout"):
        mixture_limit_risk(s.with_(lr=0.5, readout="constant"), 100, 0.1)
    with pytest.raises(theory.NotApplicable, match="steps"):
        mixture_limit_risk(s.with_(lr=(0.5, 0.5)), 100, 0.1)
    with pytest.raises(ValueError, match="W0"):
        mixture_risk(s, 100, 0.1, draws=0, W0=np.zeros((60, 60)))
    mix = theory.GaussianMixture([0.5, 0.5], means=[np.ones(60) / 8, -np.ones(60) / 8], d=60)
    with pytest.raises(theory.NotApplicable, match="means"):
        mixture_limit_risk(s.with_(data=mix), 100, 0.1)
    with pytest.raises(ValueError, match="lam"):
        mixture_limit_risk(s, 100, 0.0)


@pytest.mark.slow
def test_spiked_two_components_at_d300_against_20_draws_and_the_network():
    from validation.simulate import simulate

    s = _spiked_setup(300)
    L = mixture_limit_risk(s, 600, 0.1)
    m = mixture_risk(s, 600, 0.1, degree=1, draws=20, seed=11)
    assert abs(L.test_error - m.test_error) < 3 * m.test_error_se
    sim = simulate(s, n_ridge=600, lam=0.1, trials=20, seed=3, n_test=3000, measures=("ridge",), dtype=np.float64)
    te = sim.summary["test_error"]
    assert te.ci_low <= L.test_error <= te.ci_high
