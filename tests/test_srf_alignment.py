"""The per-neuron alignment term that Cui et al.'s spiked RF leaves out (docs/validation/srf_gap.md).

After one step every neuron also moves along itself by ``c_hat * s_i * rho_i * w_i^0``, with
``rho_i = w_i^0 . beta_*`` and ``c_hat = lr * E[z y] * E[sigma'(z) He_2(z)]`` (Stein's lemma, k = 1 term).
Checked against an independent mpmath quadrature and against the real gradient step.
"""

import math

import mpmath
import numpy as np
import pytest

import theory
from validation.seeding import role_generator, trial_sequence
from validation.simulate import draw_data, draw_initial, gradient_step
from validation.surrogates import srf_weights


def _gauss_mp(f):
    g = lambda z: f(z) * mpmath.exp(-z * z / 2) / mpmath.sqrt(2 * mpmath.pi)  # noqa: E731
    return float(mpmath.quad(g, [-mpmath.inf, 0, mpmath.inf]))


def test_alignment_coefficient_against_mpmath():
    s = theory.OneStep.from_cui(eta_tilde=3.0, d=100, width=100, alpha0=20, activation="tanh", target="sin")
    e_he3 = _gauss_mp(lambda z: mpmath.tanh(z) * (z**3 - 3 * z))  # = E[tanh'(z) He_2(z)]
    mu1_star = math.exp(-0.5)  # E[z sin z]
    assert theory.srf_parameters(s).alignment_coefficient == pytest.approx(3.0 * mu1_star * e_he3, rel=1e-10)


@pytest.mark.parametrize("act", ["relu", "identity"])
def test_alignment_coefficient_vanishes_without_a_third_hermite_coefficient(act):
    s = theory.OneStep.from_cui(eta_tilde=2.0, d=100, width=100, alpha0=10, activation=act, target="sin")
    assert abs(theory.srf_parameters(s).alignment_coefficient) < 1e-12
    assert theory.srf_parameters(s.with_(lr=0.0)).alignment_coefficient == 0.0


def test_alignment_coefficient_matches_the_real_step():
    # Regress each neuron's move along itself (after removing the common spike) on rho_i = w_i^0 . e_1.
    # The fluctuation of the slope is about lr sqrt(E[y^2 sigma'^2 z^2] / n) / sqrt(sum rho_i^2) ~ 0.01;
    # the tolerance 0.05 (8 %) is five of those.
    d = 400
    s = theory.OneStep.from_cui(eta_tilde=3.0, d=d, width=d, alpha0=20, activation="tanh", target="sin")
    tseq = trial_sequence(3, 0)
    init = draw_initial(s, tseq)
    X, y, _ = draw_data(s, int(round(s.n)), role_generator(tseq, "step"))
    W1, _, r = gradient_step(init.W0, init.s, X, y, s, return_gradient=True)
    v = X.T @ r
    v /= np.linalg.norm(v)
    move = W1 - init.W0
    rest = move - np.outer(move @ v, v)
    self_part, rho = np.sum(rest * init.W0, axis=1), init.W0[:, 0]
    slope = float(self_part @ rho / (rho @ rho))
    assert slope == pytest.approx(theory.srf_parameters(s).alignment_coefficient, abs=0.05)


def test_srf_weights_alignment_term():
    s = theory.OneStep.from_cui(eta_tilde=3.0, d=50, width=40, alpha0=4.0, activation="tanh", target="sin",
                                readout="rademacher")
    init = draw_initial(s, trial_sequence(0, 0))
    W, v, prm = srf_weights(s, init.W0, init.s, np.random.default_rng(1))
    Wa, va, _ = srf_weights(s, init.W0, init.s, np.random.default_rng(1), alignment_term=True)
    assert np.array_equal(v, va)
    extra = prm.alignment_coefficient * init.s * init.W0[:, 0]
    assert np.allclose(Wa - W, extra[:, None] * init.W0, rtol=1e-12, atol=1e-15)
    assert np.any(np.abs(extra) > 1e-3)
