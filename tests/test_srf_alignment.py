"""The per-neuron alignment term that Cui et al.'s spiked RF leaves out (docs/validation/srf_gap.md).

After one step every neuron also moves along itself by ``c_hat * s_i * (w_i^0 . v_hat) * w_i^0``, with
``v_hat`` the spike direction and ``c_hat = lr * |u| * E[sigma'(z) He_2(z)]``, ``u = X^T r / n``
(the k = 1 Hermite term of sigma'(u) u). Checked against an independent mpmath quadrature and
against the real gradient step; the theory with the term against its finite-p version.
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
    mu1_star, e_y2 = math.exp(-0.5), (1 - math.exp(-2)) / 2  # E[z sin z], E[sin^2 z]
    u_norm = math.sqrt(mu1_star**2 + e_y2 / 20)  # |X^T y / n| for n = 20 d (docs/theory/step.md#spiked-rf-parameters)
    prm = theory.srf_parameters(s)
    assert prm.alignment_coefficient == pytest.approx(3.0 * u_norm * e_he3, rel=1e-10)
    # its mean part, the slope on rho_i = w_i^0 . beta_*, is lr E[z y] E[sigma' He_2]
    assert prm.alignment_coefficient * prm.gamma == pytest.approx(3.0 * mu1_star * e_he3, rel=1e-10)


@pytest.mark.parametrize("act", ["relu", "identity"])
def test_alignment_coefficient_vanishes_without_a_third_hermite_coefficient(act):
    s = theory.OneStep.from_cui(eta_tilde=2.0, d=100, width=100, alpha0=10, activation=act, target="sin")
    assert abs(theory.srf_parameters(s).alignment_coefficient) < 1e-12
    assert theory.srf_parameters(s.with_(lr=0.0)).alignment_coefficient == 0.0


def test_alignment_coefficient_matches_the_real_step():
    # Regress each neuron's move along itself (after removing the common spike) on its overlap with the
    # learned direction v_hat, and on rho_i = w_i^0 . e_1 (slope c_hat * gamma). The regression error is
    # about lr sqrt(E[y^2 sigma'^2 z^2] / n) / sqrt(sum_i (w_i^0 . v)^2) ~ 0.01; tolerance 0.05.
    d = 400
    s = theory.OneStep.from_cui(eta_tilde=3.0, d=d, width=d, alpha0=20, activation="tanh", target="sin")
    prm = theory.srf_parameters(s)
    tseq = trial_sequence(3, 0)
    init = draw_initial(s, tseq)
    X, y, _ = draw_data(s, int(round(s.n)), role_generator(tseq, "step"))
    W1, _, r = gradient_step(init.W0, init.s, X, y, s, return_gradient=True)
    v = X.T @ r
    v /= np.linalg.norm(v)
    move = W1 - init.W0
    self_part = np.sum((move - np.outer(move @ v, v)) * init.W0, axis=1)
    for overlap, expected in ((init.W0 @ v, prm.alignment_coefficient),
                              (init.W0[:, 0], prm.alignment_coefficient * prm.gamma)):
        slope = float(self_part @ overlap / (overlap @ overlap))
        assert slope == pytest.approx(expected, abs=0.05)


def test_srf_weights_alignment_term():
    s = theory.OneStep.from_cui(eta_tilde=3.0, d=50, width=40, alpha0=4.0, activation="tanh", target="sin",
                                readout="rademacher")
    init = draw_initial(s, trial_sequence(0, 0))
    W, v, prm = srf_weights(s, init.W0, init.s, np.random.default_rng(1))
    Wa, va, _ = srf_weights(s, init.W0, init.s, np.random.default_rng(1), alignment_term=True)
    assert np.array_equal(v, va)
    extra = prm.alignment_coefficient * init.s * (init.W0 @ v)
    assert np.allclose(Wa - W, extra[:, None] * init.W0, rtol=1e-12, atol=1e-15)
    assert np.any(np.abs(extra) > 1e-3)


# ----------------------------------------------------------------------------- the alignment term in theory.risk
def _cui(d=400, alpha0=20.0, act="tanh"):
    return theory.OneStep.from_cui(eta_tilde=3.0, d=d, width=d, alpha0=alpha0, activation=act, target="sin")


def test_alignment_term_limit_matches_its_finite_p_version():
    # The term enters the spike channel, whose vector is W v: in the deterministic (MP) version through
    # its limiting Gram c beta, in the finite-p version through the exact vector of a drawn W0. The gain
    # over the model without the term must agree between the two.
    s = _cui(d=600)
    kw = dict(n_ridge=np.array([300.0, 1200.0]), lam=0.1, method="srf")
    # (alignment_term=False is Cui et al.'s model; the default became the corrected one on the evidence of
    # docs/validation/srf_gap.md, so Cui's side is named explicitly here)
    mp_gain = risk_values(s, alignment_term=True, **kw) - risk_values(s, alignment_term=False, **kw)
    fin = []
    for seed in range(3):
        W0 = draw_initial(s, trial_sequence(seed, 0)).W0
        fin.append(risk_values(s, W0=W0, alignment_term=True, **kw) - risk_values(s, W0=W0, alignment_term=False, **kw))
    fin_gain = np.mean(fin, axis=0)
    assert np.all(mp_gain < 0) and np.all(fin_gain < 0)  # the term lowers the error (the network's side)
    assert np.allclose(mp_gain, fin_gain, rtol=0.1), (mp_gain, fin_gain)


def risk_values(s, **kw):
    res = theory.risk(s, **kw)
    assert np.all(res.status == "converged")
    return np.asarray(res.test_error, dtype=float)


def test_alignment_term_vanishes_without_a_third_hermite_coefficient():
    he3 = lambda z: z**3 - 3 * z  # noqa: E731
    z, w = np.polynomial.hermite_e.hermegauss(200)
    w = w / w.sum()
    b = np.sum(w * np.tanh(z) * he3(z)) / np.sum(w * np.sin(z) * he3(z))
    act = theory.Activation(name="tanh - b sin", func=lambda x: np.tanh(x) - b * np.sin(x),
                            derivative=lambda x: 1 - np.tanh(x) ** 2 - b * np.cos(x), parity=-1)
    s = _cui(act=act)
    assert abs(theory.srf_parameters(s).alignment_coefficient) < 1e-12
    a = theory.risk(s, n_ridge=800, lam=0.1, method="srf", alignment_term=True)
    b0 = theory.risk(s, n_ridge=800, lam=0.1, method="srf", alignment_term=False)
    assert float(a.test_error) == pytest.approx(float(b0.test_error), rel=1e-12)


def test_alignment_term_bad_input():
    s = _cui()
    with pytest.raises(ValueError, match="alignment_term=True applies to method 'srf' only"):
        theory.risk(s.with_(lr=0.0), n_ridge=800, lam=0.1, method="rf", alignment_term=True)
    with pytest.raises(TypeError, match="alignment_term must be None \\(auto\\), True or False"):
        theory.risk(s, n_ridge=800, lam=0.1, method="srf", alignment_term="yes")


def test_alignment_term_effect_matches_the_simulated_surrogate():
    # Paired Monte Carlo: the relative change of the sRF surrogate's test error when the alignment term is
    # added to its weights (same W0, spike direction, ridge pool and test set) against the change the
    # theory predicts. d = 300, 12 trials: effect -3.4% +- 0.2% simulated against -2.95% in theory (at
    # d = 2000: -2.80% +- 0.06% against -2.87%). Tolerance 1% absolute; a wrong sign or a factor 2 in the
    # term moves the theory by 3% or more.
    from validation.ridge import ridge_path, stream_test_errors
    from validation.surrogates import NetworkFeatures

    d, trials = 300, 12
    s = _cui(d=d)
    rel = []
    for t in range(trials):
        tseq = trial_sequence(5, t)
        init = draw_initial(s, tseq)
        Xr, yr, _ = draw_data(s, 2 * d, role_generator(tseq, "ridge"))
        errs = []
        for align in (False, True):
            W, _, _ = srf_weights(s, init.W0, init.s, role_generator(tseq, "extra", 2), alignment_term=align)
            fmap = NetworkFeatures(s.activation, W)
            path = ridge_path(fmap.features(Xr), yr, [2 * d], [[0.1]])
            test_rng = role_generator(tseq, "test")
            err = stream_test_errors(fmap.features, path.readouts[0], lambda m: draw_data(s, m, test_rng), 4000)
            errs.append(float(err["test_error"][0]))
        rel.append(errs[1] / errs[0] - 1)
    theory_rel = risk_values(s, n_ridge=2 * d, lam=0.1, method="srf", alignment_term=True) / \
        risk_values(s, n_ridge=2 * d, lam=0.1, method="srf", alignment_term=False) - 1
    assert float(theory_rel) < -0.02
    assert abs(np.mean(rel) - float(theory_rel)) < 0.01, (np.mean(rel), float(theory_rel))
