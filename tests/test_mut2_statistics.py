"""Every field of ``step_statistics`` against values derived by hand for ReLU (issue 13, item 6, second pass).

``theory/model/statistics.py`` (formulas: its module docstring, ``docs/spikes.md`` §2,
``docs/derivations/bulk_variance.md``). The references here do not call the code under test: they use the
closed-form Gaussian moments of :math:`\\sigma = \\mathrm{relu}` (:math:`c = 1/\\sqrt{2\\pi}`):

* :math:`E\\sigma = c`, :math:`E z\\sigma = 1/2`, :math:`E\\sigma^2 = 1/2`, :math:`E\\sigma' = 1/2`,
  :math:`E z\\sigma' = c`, :math:`\\mathrm{Var}\\,\\sigma' = 1/4`, :math:`E\\sigma^4 = 3/2`;

and the residual :math:`r = y - f_0` with :math:`f_0 = \\mathrm{scale}\\sum_i s_i\\sigma(z_i)`, whose
:math:`z_i` are independent of each other and of the target's :math:`z_0` in the limit. Its moments are written
as variance plus squared mean, a different decomposition from the code's expanded square:
:math:`E r = E y - \\mathrm{scale}\\,N\\,E s\\,c` and
:math:`\\mathrm{Var}\\,r = \\mathrm{Var} f + \\Delta + \\mathrm{scale}^2 N \\mathrm{Var}(s\\sigma)` with
:math:`\\mathrm{Var}(s\\sigma) = E s^2/2 - (E s)^2c^2`. A Monte Carlo of :math:`r` checks that decomposition.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import theory
from theory.model.statistics import step_statistics

C = 1.0 / math.sqrt(2.0 * math.pi)  # E relu(z) = E z relu'(z)
W, SCALE, D, N, LR, NOISE = 50, 0.1, 100, 400, 1.5, 0.3
PHI = N / D
READOUT = {"constant": (1.0, 1.0), "gaussian": (0.0, 1.0), "rademacher": (0.0, 1.0)}


def _setup(readout, residual="full", target="relu", **kw):
    args = dict(activation="relu", target=target, d=D, width=W, n=N, lr=LR, output_scale=SCALE,
                noise_var=NOISE, readout=readout, residual=residual)
    args.update(kw)
    return theory.OneStep(**args)


def _reference(readout, residual, sign=1.0):
    """The hand values for target ``sign * relu`` (E f^2 = 1/2, E f^4 = 3/2, mu1* = sign/2)."""
    es, es2 = READOUT[readout]
    ey, ey2, mu1_t = sign * C, 0.5 + NOISE, sign * 0.5
    var_f = 0.5 - C * C
    full = residual == "full"
    q = SCALE**2 * W * es2 if full else 0.0
    s1 = SCALE * W * es if full else 0.0
    er = ey - C * s1
    var_s_sigma = es2 * 0.5 - (es * C) ** 2
    er2 = var_f + NOISE + (SCALE**2 * W * var_s_sigma if full else 0.0) + er * er
    ey4 = 1.5 + 6 * NOISE * 0.5 + 3 * NOISE**2
    norm_sq = 0.25 + 0.25 * q + er2 / PHI
    b_sq = 0.25 + er2 / PHI
    f0_bar = SCALE * W * C if (full and readout == "constant") else 0.0
    er2_mf = (ey - f0_bar) ** 2 + var_f + NOISE
    u = math.sqrt(0.25 + er2_mf / PHI)
    a = er * C
    iso = er2 * 0.25 / PHI
    # E_s (1 + lr s a)^2 + lr^2 s^2 iso, with E s, E s^2
    c_bar = 1 + 2 * LR * es * a + LR**2 * es2 * (a * a + iso)
    c_srf = (1 + LR * (ey - f0_bar) * C) ** 2 + LR**2 * er2_mf * 0.25 / PHI
    return dict(
        signal=0.5, target_mean=ey, target_second=ey2, target_fourth=ey4, f0_norm_sq=q, f0_mean=s1,
        f0_mean_sq=(s1 * s1 + SCALE**2 * W * (es2 - es * es)) if full else 0.0,
        f0_mean_value=f0_bar, f0_fluctuation=SCALE * math.sqrt(W * (0.5 - C * C)) if full else 0.0,
        residual_mean=er, residual_second=er2, residual_fourth=ey4 * (er2 / ey2) ** 2,
        residual_second_mean_field=er2_mf, norm_sq=norm_sq, b_norm_sq=b_sq, gamma=0.5 / math.sqrt(b_sq),
        u_norm=u, srf_gamma=mu1_t / u, c1=0.5, c1_step=0.5, mu2_step=C, var_deriv=0.25, self_move=a,
        isotropic=iso, bulk_variance=c_bar, srf_bulk_variance=c_srf,
        moniri_alpha=math.log(LR * math.sqrt(W)) / math.log(N), readout_mean=es, readout_second=es2, lr=LR,
    )


@pytest.mark.parametrize("readout", ["constant", "gaussian", "rademacher"])
@pytest.mark.parametrize("residual", ["full", "labels"])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_every_field_against_relu_closed_forms(readout, residual, sign):
    st = step_statistics(_setup(readout, residual, target="relu" if sign > 0 else "-relu(z)"))
    ref = _reference(readout, residual, sign)
    for name, value in ref.items():
        assert getattr(st, name) == pytest.approx(value, rel=1e-9, abs=1e-12), name
    # the moments objects: the activation's and the target's (mu1* keeps its sign)
    assert st.activation_moments.mu1 == pytest.approx(0.5, rel=1e-10)
    assert st.moments is st.activation_moments
    assert st.target_moments.mu1 == pytest.approx(sign * 0.5, rel=1e-10)


@pytest.mark.parametrize("readout", ["constant", "gaussian"])
def test_neuron_bulk_variance_is_c_of_s(readout):
    st = step_statistics(_setup(readout))
    ref = _reference(readout, "full")
    s = np.array([-1.3, 0.0, 0.4, 2.0])
    want = (1 + LR * s * ref["self_move"]) ** 2 + LR**2 * s**2 * ref["isotropic"]
    np.testing.assert_allclose(st.neuron_bulk_variance(s), want, rtol=1e-10)
    one = st.neuron_bulk_variance(1.0)
    assert isinstance(one, float)
    assert one == pytest.approx((1 + LR * ref["self_move"]) ** 2 + LR**2 * ref["isotropic"], rel=1e-10)


def test_symmetric_readout_has_no_initial_network():
    # the symmetric readout's f0 vanishes: q = S1 = E S1^2 = 0, residual = labels
    st = step_statistics(_setup("symmetric"))
    ref = _reference("gaussian", "labels")
    for name in ("f0_norm_sq", "f0_mean", "f0_mean_sq", "residual_mean", "residual_second", "norm_sq", "gamma"):
        assert getattr(st, name) == pytest.approx(ref[name], rel=1e-9, abs=1e-12), name


@pytest.mark.parametrize("readout", ["constant", "gaussian"])
def test_residual_moments_by_monte_carlo(readout):
    # r = y - f0 sampled directly (a Gaussian readout drawn afresh with each sample: the joint expectation
    # over s and x); 200 000 draws, tolerances above 5 standard errors (SE of E r ~ 0.004, of E r^2 ~ 0.5%)
    rng = np.random.default_rng(1)
    m = 200_000
    zz = rng.standard_normal((m, W + 2))
    s = np.ones((m, W)) if readout == "constant" else rng.standard_normal((m, W))
    y = np.maximum(zz[:, 0], 0) + math.sqrt(NOISE) * zz[:, 1]
    r = y - SCALE * np.sum(np.maximum(zz[:, 2:], 0) * s, axis=1)
    st = step_statistics(_setup(readout))
    assert st.residual_mean == pytest.approx(float(r.mean()), abs=0.025)
    assert st.residual_second == pytest.approx(float((r * r).mean()), rel=0.03)


def test_zero_step_and_tiny_n():
    assert step_statistics(_setup("constant", lr=0.0)).moniri_alpha == float("-inf")
    assert step_statistics(_setup("constant", n=1)).moniri_alpha == float("inf")
    assert step_statistics(_setup("constant", n=2)).moniri_alpha == pytest.approx(
        math.log(LR * math.sqrt(W)) / math.log(2), rel=1e-12)
    # tau = 0: no move at all, c = 1 for every readout value
    st = step_statistics(_setup("gaussian", lr=0.0))
    assert st.bulk_variance == pytest.approx(1.0, abs=1e-15)
    assert st.neuron_bulk_variance(3.0) == pytest.approx(1.0, abs=1e-15)


def test_zero_target_without_noise():
    # y = 0, no noise, labels residual: E y^2 = 0 -> E r^4 = 0, |b| = 0 -> gamma = 0, srf_gamma = 0
    st = step_statistics(_setup("gaussian", residual="labels", target="0*z", noise_var=0.0))
    assert st.target_second == 0.0
    assert st.residual_fourth == 0.0
    assert st.gamma == 0.0 and st.srf_gamma == 0.0
    assert st.norm_sq == 0.0 and st.u_norm == 0.0


def test_bad_setups():
    with pytest.raises(TypeError, match="theory.OneStep"):
        step_statistics({"activation": "relu"})
    with pytest.raises(ValueError, match="steps must be 1"):
        step_statistics(_setup("constant", steps=2))


def test_non_isotropic_data_is_refused():
    gm = theory.GaussianMixture([0.5, 0.5], means=np.stack([np.ones(D), -np.ones(D)]) / 10, d=D)
    with pytest.raises(theory.NotApplicable, match="isotropic Gaussian inputs .*GaussianMixture"):
        step_statistics(_setup("constant", data=gm))


def test_fourth_moment_of_a_target_kinked_off_the_grid():
    # y = relu(z - a) + noise, a = 0.3 (a kink the quadrature must split at): with Q = P(z > a), p = phi(a),
    # E f^2 = (1 + a^2) Q - a p and E f^4 = (a^4 + 6 a^2 + 3) Q - (a^3 + 5 a) p (partial Gaussian moments)
    a = 0.3
    q, p = 0.5 * math.erfc(a / math.sqrt(2)), math.exp(-a * a / 2) / math.sqrt(2 * math.pi)
    ef2 = (1 + a * a) * q - a * p
    ef4 = (a**4 + 6 * a * a + 3) * q - (a**3 + 5 * a) * p
    st = step_statistics(_setup("gaussian", residual="labels", target="relu(z - 0.3)"))
    assert st.target_second == pytest.approx(ef2 + NOISE, rel=1e-12)
    assert st.target_fourth == pytest.approx(ef4 + 6 * NOISE * ef2 + 3 * NOISE**2, rel=1e-12)


def test_alpha_at_a_unit_step_and_a_zero_step_with_one_sample():
    # alpha = log(lr sqrt(width)) / log n; a zero step gives -inf even where n <= 1 leaves alpha undefined
    assert step_statistics(_setup("constant", lr=1.0)).moniri_alpha == pytest.approx(
        math.log(math.sqrt(W)) / math.log(N), rel=1e-12)
    assert step_statistics(_setup("constant", lr=0.0, n=1)).moniri_alpha == float("-inf")



def test_wrong_type_is_named():
    with pytest.raises(TypeError, match="got dict"):
        step_statistics({"activation": "relu"})
