"""The ell = 1 law and the i.i.d.-readout terms of the giant step against hand values (issue 13, item 6, second pass).

``theory/multi_index/giant_step.py`` (``alignment_law``, ``AlignmentLaw``, ``_readout_terms``,
``_residual_square_tensors`` through ``predict_neurons``; formulas in its module docstring and
``docs/giant_step.md`` §3). References without the code under test:

* ReLU's Gaussian averages in closed form, :math:`c = 1/\\sqrt{2\\pi}`: :math:`\\mu_0 = c`, :math:`\\mu_1 = 1/2`,
  :math:`\\mu_2 = E[(z^2-1)\\mathrm{relu}] = 2c - c = c`, :math:`E\\sigma^2 = E\\sigma'^2 = E\\sigma'^2\\xi^2 = 1/2`;
* the target :math:`g = 1/2 + z_1 - z_2 + z_1z_2`: :math:`C_0 = 1/2`, :math:`C_1 = (1, -1)`, :math:`E g^2 = 13/4`,
  :math:`\\mathrm{Var}\\,g = 3`;
* the residual :math:`r = y - f_0` as variance plus squared mean:
  :math:`E r^2 = \\mathrm{Var}\\,g + \\Delta + (C_0 - c_f)^2 + \\mathrm{scale}^2\\sum s^2\\,\\mathrm{Var}\\,\\sigma`,
  :math:`c_f = \\mathrm{scale}\\,\\mu_0\\sum s`; traces of the residual's second Hermite tensor by a 2-D
  Gauss-Hermite rule of numpy (``hermegauss``);
* :math:`E_s|\\cos|` for a Gaussian readout by the trapezoid rule on a fine grid.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import theory
from theory.multi_index.giant_step import alignment_law, predict_neurons
from theory.multi_index.targets import MultiIndexTarget

C = 1.0 / math.sqrt(2.0 * math.pi)
EXPR, C0, C1, VAR_G = "0.5 + z1 - z2 + z1*z2", 0.5, np.array([1.0, -1.0]), 3.0
W, SCALE, D, N, LR, NOISE = 50, 0.1, 200, 600, 1.7, 0.4
ALPHA = N / D
MOMENTS = {"constant": (1.0, 1.0), "gaussian": (0.0, 1.0), "rademacher": (0.0, 1.0)}


def _setup(readout, residual="full", **kw):
    args = dict(activation="relu", target=MultiIndexTarget(EXPR, 2), d=D, width=W, n=N, lr=LR,
                output_scale=SCALE, noise_var=NOISE, readout=readout, residual=residual)
    args.update(kw)
    return theory.OneStep(**args)


def _iid_terms(sum_s, sum_s2, on):
    """(c_f, Var f0, |S|^2, E r^2) by hand."""
    c_f = SCALE * C * sum_s if on else 0.0
    var_f0 = SCALE**2 * sum_s2 * (0.5 - C * C) if on else 0.0
    shared = SCALE**2 * 0.5**4 * sum_s2 if on else 0.0
    er2 = VAR_G + NOISE + (C0 - c_f) ** 2 + var_f0
    return c_f, var_f0, shared, er2


def _law_norm_sq(s, c0_eff, shared, er2):
    return (1 + s * LR * C * c0_eff) ** 2 + (s * LR) ** 2 * (0.25 * 2.0 + shared + er2 * 0.5 / ALPHA)


@pytest.mark.parametrize("readout", ["constant", "gaussian", "rademacher", "symmetric"])
@pytest.mark.parametrize("residual", ["full", "labels"])
def test_alignment_law_against_hand_values(readout, residual):
    law = alignment_law(_setup(readout, residual))
    es, es2 = MOMENTS.get(readout, (0.0, 1.0))
    on = residual == "full" and readout != "symmetric"
    c_f, _, shared, er2 = _iid_terms(W * es, W * es2, on)
    np.testing.assert_allclose(law.v_star, C1 / math.sqrt(2), rtol=1e-12)
    assert law.c1_norm == pytest.approx(math.sqrt(2), rel=1e-12)
    assert law.c0_eff == pytest.approx(C0 - c_f, rel=1e-12)
    assert (law.mu1, law.mu2, law.sigma_prime_sq) == pytest.approx((0.5, C, 0.5), rel=1e-10)
    assert law.residual_second_moment == pytest.approx(er2, rel=1e-10)
    assert law.shared_sq == pytest.approx(shared, rel=1e-12, abs=1e-15)
    assert (law.lr, law.alpha, law.readout) == (LR, pytest.approx(ALPHA), readout)
    s = np.array([-1.4, -1.0, 0.3, 1.0, 2.2])
    want_nsq = _law_norm_sq(s, C0 - c_f, shared, er2)
    np.testing.assert_allclose(law.norm_sq(s), want_nsq, rtol=1e-10)
    np.testing.assert_allclose(law.cosine(s), s * LR * 0.5 * math.sqrt(2) / np.sqrt(want_nsq), rtol=1e-10)
    ov = law.overlap(s)
    assert ov.shape == (5, 2)
    np.testing.assert_allclose(ov, (s * LR * 0.5)[:, None] * C1[None, :], rtol=1e-12)
    # defaults: s = 1
    assert float(law.norm_sq()) == pytest.approx(float(_law_norm_sq(1.0, C0 - c_f, shared, er2)), rel=1e-10)
    np.testing.assert_allclose(law.overlap(), LR * 0.5 * C1, rtol=1e-12)
    want_cos1 = LR * 0.5 * math.sqrt(2) / math.sqrt(_law_norm_sq(1.0, C0 - c_f, shared, er2))
    assert float(law.cosine()) == pytest.approx(want_cos1, rel=1e-10)


@pytest.mark.parametrize("readout", ["constant", "gaussian", "rademacher", "symmetric"])
def test_mean_abs_cosine(readout):
    law = alignment_law(_setup(readout))
    es, es2 = MOMENTS.get(readout, (0.0, 1.0))
    c_f, _, shared, er2 = _iid_terms(W * es, W * es2, readout != "symmetric")

    def abs_cos(s):
        return np.abs(s * LR * 0.5 * math.sqrt(2) / np.sqrt(_law_norm_sq(s, C0 - c_f, shared, er2)))

    if readout == "constant":
        want = abs_cos(1.0)
    elif readout == "gaussian":
        s = np.linspace(-12, 12, 240_001)
        want = np.trapezoid(abs_cos(s) * np.exp(-s * s / 2) / math.sqrt(2 * math.pi), s)
    else:
        want = 0.5 * (abs_cos(1.0) + abs_cos(-1.0))
    assert law.mean_abs_cosine() == pytest.approx(float(want), rel=1e-7)


def _trace_second_tensor(c_f):
    """tr C_2((g - c_f)^2) = E[(g - c_f)^2 (|u|^2 - 2)] by a 2-D Gauss-Hermite rule."""
    x, w = np.polynomial.hermite_e.hermegauss(20)
    w = w / math.sqrt(2 * math.pi)
    u1, u2 = np.meshgrid(x, x, indexing="ij")
    ww = np.outer(w, w)
    g = 0.5 + u1 - u2 + u1 * u2
    return float(np.sum(ww * (g - c_f) ** 2 * (u1**2 + u2**2 - 2)))


@pytest.mark.parametrize("readout", ["constant", "gaussian"])
@pytest.mark.parametrize("residual", ["full", "labels"])
def test_predict_neurons_orthogonal_to_the_target(readout, residual):
    # kappa = 0 for every neuron: a = mu1 C1, b = mu2 (C0 - c_f); only nu_0 = E sigma'^2 = 1/2 enters
    rng = np.random.default_rng(3)
    signs = np.ones(W) if readout == "constant" else rng.standard_normal(W)
    pred = predict_neurons(_setup(readout, residual), np.zeros((W, 2)), signs)
    on = residual == "full"
    c_f, var_f0, shared, er2 = _iid_terms(float(signs.sum()), float((signs**2).sum()), on)
    assert (pred.c0_shift, pred.var_f0, pred.shared_sq) == pytest.approx((c_f, var_f0, shared), rel=1e-10, abs=1e-15)
    h0 = er2
    trh2 = _trace_second_tensor(c_f)
    er2u2 = trh2 + 2 * h0
    a_sq = 0.25 * 2.0
    b = C * (C0 - c_f)
    e_big = (D - 3) * 0.5 * h0 + 0.5 * h0 + 0.5 * er2u2
    noise = max(e_big - a_sq - b * b, 0.0) / N
    lin = 1 + signs * LR * b
    want_nsq = lin**2 + (signs * LR) ** 2 * (a_sq + shared + noise)
    np.testing.assert_allclose(pred.norm_sq, want_nsq, rtol=1e-9)
    np.testing.assert_allclose(pred.overlap, (signs * LR * 0.5)[:, None] * C1[None, :], rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(pred.noise_in_V, LR**2 * max(er2u2 * 0.5 - a_sq, 0.0) / N, rtol=1e-9)
    cos = (pred.overlap @ C1) / math.sqrt(2) / np.sqrt(want_nsq)
    np.testing.assert_allclose(pred.cosine, cos, rtol=1e-9)


def test_predict_neurons_batch_noise_with_an_overlap():
    # g = 1/2 + z1 - z2 + z1 z2 + He_2(z1)/2: C_0 = 1/2, C_1 = (1, -1), C_2 = [[1, 1], [1, 0]] (so tr C_2 != 0).
    # ReLU's plain coefficients mu_k = E[He_k relu] = c He_{k-2}(0) for k >= 2: mu_2 = c, mu_3 = 0, mu_4 = -c;
    # nu_m = E[relu'^2 He_m]: nu_0 = 1/2, nu_1 = c, nu_2 = 0. The residual tensors C_m((g - c_f)^2 + extra)
    # by a 2-D Gauss-Hermite rule; a(kappa) = mu1 C_1 + mu2 C_2 kappa, b = mu2 (C_0 - c_f) + mu4/2 C_2[kappa, kappa].
    expr = "0.5 + z1 - z2 + z1*z2 + (z1**2 - 1)/2"
    c0, c1, c2 = 0.5, np.array([1.0, -1.0]), np.array([[1.0, 1.0], [1.0, 0.0]])
    setup = _setup("constant", target=MultiIndexTarget(expr, 2))
    kappa = np.array([[0.3, -0.4], [-0.5, 0.1]])
    signs = np.ones(W)
    kap = np.vstack([kappa, np.zeros((W - 2, 2))])
    pred = predict_neurons(setup, kap, signs)
    c_f = SCALE * C * W
    var_f0 = SCALE**2 * W * (0.5 - C * C)
    shared = SCALE**2 * 0.5**4 * W
    x, w = np.polynomial.hermite_e.hermegauss(20)
    w = w / math.sqrt(2 * math.pi)
    u1, u2 = np.meshgrid(x, x, indexing="ij")
    ww = np.outer(w, w)
    g = 0.5 + u1 - u2 + u1 * u2 + (u1**2 - 1) / 2
    h = (g - c_f) ** 2 + NOISE + var_f0
    h0 = float(np.sum(ww * h))
    h1 = np.array([np.sum(ww * h * u1), np.sum(ww * h * u2)])
    h2 = np.array([[np.sum(ww * h * (u1 * u1 - 1)), np.sum(ww * h * u1 * u2)],
                   [np.sum(ww * h * u1 * u2), np.sum(ww * h * (u2 * u2 - 1))]])
    for i, k in enumerate(kappa):
        a = 0.5 * c1 + C * c2 @ k
        b = C * (c0 - c_f) - C / 2 * (k @ c2 @ k)
        e_big = (D - 3) * (0.5 * h0 + C * (k @ h1)) + 0.5 * h0 + 0.5 * (np.trace(h2) + 2 * h0)
        noise = max(e_big - a @ a - b * b, 0.0) / N
        lin = 1 + LR * b
        want = lin**2 + 2 * lin * LR * (k @ a) + LR**2 * (a @ a + shared + noise)
        assert pred.norm_sq[i] == pytest.approx(want, rel=1e-9)
        np.testing.assert_allclose(pred.overlap[i], k * lin + LR * a, rtol=1e-9)


def test_alignment_law_without_a_first_order_signal():
    # g = z1 z2: C_1 = 0, so v* is undefined (NaN) and the cosine is 0
    law = alignment_law(_setup("gaussian", target=MultiIndexTarget("z1*z2", 2)))
    assert law.c1_norm == 0.0
    assert law.v_star.dtype == float and np.all(np.isnan(law.v_star))
    assert float(law.cosine(1.0)) == 0.0
