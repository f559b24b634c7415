"""Spiked-RF parameters (r, c, gamma) of one step: docs/theory/step.md#spiked-rf-parameters and docs/derivations/srf_parameters.md."""

import math

import numpy as np
import pytest
from scipy import integrate

import theory
from theory.ridge.srf import srf_parameters, common_spike_readout


def _quad_gauss(g):
    val, _ = integrate.quad(lambda z: g(z) * math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi), -np.inf, np.inf,
                            epsabs=1e-13, epsrel=1e-13, limit=200)
    return val


def test_matches_cui_formula_by_independent_quadrature():
    # Cui et al. current code (docs/theory/step.md#spiked-rf-parameters) with mu_2* = E sigma*^2 (+ noise), tanh student, sin target.
    for noise in (0.0, 0.3):
        s = theory.OneStep(activation="tanh", target="sin", d=500, width=500, n=20 * 500, lr=3.0, noise_var=noise)
        p = srf_parameters(s)
        mu1 = _quad_gauss(lambda z: z * math.tanh(z))
        var_d = _quad_gauss(lambda z: (1 - math.tanh(z) ** 2 - mu1) ** 2)
        mu1s = _quad_gauss(lambda z: z * math.sin(z))
        mu2s = _quad_gauss(lambda z: math.sin(z) ** 2) + noise
        assert p.r == pytest.approx(3.0 * mu1 * math.sqrt(mu1s**2 + mu2s / 20), rel=1e-10)
        assert p.c == pytest.approx(1 + 9.0 * mu2s * var_d / 20, rel=1e-10)
        assert p.gamma == pytest.approx(mu1s / math.sqrt(mu1s**2 + mu2s / 20), rel=1e-10)
        assert p.noise_included is (noise > 0)


def test_no_step_is_random_features_and_gamma_vanishes_with_alpha0():
    s = theory.OneStep(activation="tanh", target="sin", d=100, width=100, n=1000, lr=0.0)
    p = srf_parameters(s)
    assert (p.r, p.c) == (0.0, 1.0)
    gammas = [srf_parameters(s.with_(n=a * 100, lr=1.0)).gamma for a in (1e-2, 1e-4, 1e-6)]
    assert gammas[0] > gammas[1] > gammas[2] and gammas[2] < 2e-3
    # gamma ~ mu1* sqrt(alpha0 / E y^2) as alpha0 -> 0
    mu1s, ey2 = math.exp(-0.5), (1 - math.exp(-2)) / 2
    assert gammas[2] == pytest.approx(mu1s * math.sqrt(1e-6 / ey2), rel=1e-5)


def test_gamma_is_learned_direction_overlap_of_spikes_note():
    # docs/theory/step.md#the-learned-direction: gamma = mu1* / sqrt(mu1*^2 + E[y^2]/psi_1), E[y^2] including noise.
    s = theory.OneStep(activation="relu", target="tanh", d=300, width=200, n=900, lr=0.5, noise_var=0.25,
                       residual="labels")
    p = srf_parameters(s)
    mu1s = _quad_gauss(lambda z: z * math.tanh(z))
    ey2 = _quad_gauss(lambda z: math.tanh(z) ** 2) + 0.25
    assert p.gamma == pytest.approx(mu1s / math.sqrt(mu1s**2 + ey2 / 3), rel=1e-10)
    assert p.u_norm == pytest.approx(math.sqrt(mu1s**2 + ey2 / 3), rel=1e-10)
    assert p.r == pytest.approx(0.5 * 0.5 * p.u_norm, rel=1e-12)  # E relu' = 1/2


def _one_step(setup, rng):
    """An independent, minimal re-implementation of the step (constant readout), for the check."""
    d, p, n = int(setup.d), int(setup.width), int(setup.n)
    act, tgt = setup.activation, setup.target
    W0 = rng.standard_normal((p, d))
    W0 /= np.linalg.norm(W0, axis=1, keepdims=True)
    X = rng.standard_normal((n, d))
    y = tgt(X[:, 0]) + math.sqrt(setup.noise_var) * rng.standard_normal(n)
    Z = X @ W0.T
    f0 = act(Z).mean(axis=1)
    r = y - f0
    G = (act.deriv(Z) * r[:, None]).T @ X / n
    return W0, W0 + setup.lr * G


@pytest.mark.parametrize(
    "kw",
    [
        dict(activation="tanh", target="sin", lr=3.0, noise_var=0.0),
        # relu with a non-centred target: the residual mean moves each neuron along itself (derived)
        dict(activation="relu", target=theory.activation("sin", offset=1.0), lr=1.5, noise_var=0.2),
    ],
)
def test_monte_carlo_step(kw):
    # d = p = 600, n0 = 4 d; per-quantity fluctuations are O(p^-1/2) ~ 4%: tolerance 5% on r, c and 0.03 on gamma.
    s = theory.OneStep(d=600, width=600, n=2400, readout="constant", **kw)
    pr = srf_parameters(s)
    rng = np.random.default_rng(1234)
    W0, W1 = _one_step(s, rng)
    delta = W1 - W0
    spike = delta.mean(axis=0)
    r_emp = np.linalg.norm(spike)
    gamma_emp = spike[0] / r_emp
    c_emp = np.mean(np.sum((W1 - spike) ** 2, axis=1))
    assert r_emp == pytest.approx(abs(pr.r), rel=0.05)
    assert np.sign(pr.r) * gamma_emp == pytest.approx(pr.gamma, abs=0.03)
    assert c_emp == pytest.approx(pr.c, rel=0.05)


def test_common_spike_readout():
    base = dict(d=10, width=10, n=10, lr=1.0)
    assert common_spike_readout(theory.OneStep(readout="constant", **base))
    assert common_spike_readout(theory.OneStep(activation="tanh", readout="rademacher", **base))
    assert not common_spike_readout(theory.OneStep(activation="relu", readout="rademacher", **base))
    assert not common_spike_readout(theory.OneStep(readout="gaussian", **base))


def test_bad_input():
    with pytest.raises(TypeError, match="setup must be a theory.OneStep"):
        srf_parameters({"lr": 1})
    with pytest.raises(ValueError, match="one step"):
        srf_parameters(theory.OneStep(steps=2))
    heavy = theory.OneStep(target=lambda z: np.exp(z * z))
    with pytest.raises(ValueError, match="target must have a finite"):
        srf_parameters(heavy)
