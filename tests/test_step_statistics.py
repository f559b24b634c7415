"""The step's statistics (theory.model.statistics): one source, cached, and the closed forms it rests on."""

import math

import numpy as np
import pytest

import theory
from theory.model.statistics import bulk_variance, step_statistics


def test_cached_once_per_setup():
    s = theory.OneStep(activation="tanh", target="sin", d=500, width=500, n=2000, lr=2.0)
    assert step_statistics(s) is step_statistics(s.with_(lr=2.0))
    assert step_statistics(s) is not step_statistics(s.with_(lr=1.0))


def test_relu_linear_target_closed_forms():
    # relu: mu0 = E sigma' ... E[z sigma'] = 1/sqrt(2 pi), Var sigma' = 1/4; identity target: E y = 0, E y^2 = 1.
    # constant readout with output_scale 1/width: S1 = 1, q = 1/width; E r = -mu0, E r^2 = 1 + mu0^2 + Var sigma / width
    width, lr, phi = 400, 2.0, 4.0
    s = theory.OneStep(activation="relu", target="identity", d=400, width=width, n=1600, lr=lr)
    st = step_statistics(s)
    mu0 = 1 / math.sqrt(2 * math.pi)
    assert st.residual_mean == pytest.approx(-mu0, abs=1e-13)
    assert st.residual_second == pytest.approx(1 + mu0**2 + (0.5 - mu0**2) / width, abs=1e-13)
    assert st.self_move == pytest.approx(-mu0 * mu0, abs=1e-13)
    iso = st.residual_second * 0.25 / phi
    assert st.isotropic == pytest.approx(iso, abs=1e-13)
    assert st.bulk_variance == pytest.approx((1 - lr * mu0**2) ** 2 + lr**2 * iso, abs=1e-13)
    # the spiked-RF c: f0 at its mean (the fluctuation term q Var sigma dropped)
    assert st.residual_second_mean_field == pytest.approx(1 + mu0**2, abs=1e-13)
    assert theory.srf_parameters(s).c == pytest.approx((1 - lr * mu0**2) ** 2 + lr**2 * (1 + mu0**2) / 16, abs=1e-13)


def test_centred_readout_averages_the_cross_term():
    s = theory.OneStep(activation="relu", target="relu", readout="gaussian", residual="labels", d=400, width=400,
                       n=1600, lr=1.5)
    st = step_statistics(s)
    # E_s c(s) over s ~ N(0, 1) by Gauss-Hermite (exact for this quadratic)
    x, w = np.polynomial.hermite_e.hermegauss(4)
    avg = float(w @ bulk_variance(x, lr=s.lr, self_move=st.self_move, isotropic=st.isotropic)) / math.sqrt(2 * math.pi)
    assert st.bulk_variance == pytest.approx(avg, rel=1e-13)
    assert st.bulk_variance > 1 + s.lr**2 * st.isotropic  # the self-move adds (tau E[r] E[z sigma'])^2


def test_consumers_read_the_same_numbers():
    s = theory.OneStep(activation="tanh", target="sin", d=1000, width=1000, n=4000, lr=1.0, noise_var=0.1)
    st = step_statistics(s)
    lo = theory.learned_overlap(s)
    assert lo.norm_sq == st.norm_sq and lo.residual_second_moment == st.residual_second
    assert theory.srf_parameters(s).u_norm == st.u_norm
    assert theory.weight_spike(s).bulk_noise == pytest.approx(s.lr**2 * st.isotropic, rel=1e-14)


def test_not_a_setup():
    with pytest.raises(TypeError, match="setup"):
        step_statistics({"lr": 1.0})
    with pytest.raises(ValueError, match="steps"):
        step_statistics(theory.OneStep(steps=2))
