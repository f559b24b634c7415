"""Per-neuron laws after one giant step (docs/theory/giant_step.md#per-neuron-laws; docs/giant_step.md §3)."""

import math

import numpy as np
import pytest

import theory
from theory.multi_index.giant_step import (
    activation_factors,
    alignment_law,
    drift,
    predict_neurons,
    specialisation_law,
)
from theory.hermite.engine import gaussian_rule
from theory.multi_index.targets import MultiIndexTarget


def _quadrature_drift(target, act, khat):
    """E[g(u) s'(k.u + q eta) u] and E[g(u) s'(k.u + q eta) eta], q = sqrt(1 - |k|^2), by a product rule."""
    r = target.r
    z, w = gaussian_rule((), degree=12, panel_width=4.0)
    keep = w > 1e-20
    z, w = z[keep], w[keep]
    grids = np.meshgrid(*([z] * (r + 1)), indexing="ij")
    pts = np.stack([g.ravel() for g in grids], axis=1)
    W = np.ones(1)
    for _ in range(r + 1):
        W = np.multiply.outer(W, w).ravel()
    u, eta = pts[:, :r], pts[:, r]
    q = math.sqrt(1 - khat @ khat)
    sp = theory.activation(act).deriv(u @ khat + q * eta)
    g = target(u)
    return (W * g * sp) @ u, (W * g * sp) @ eta, q


@pytest.mark.parametrize("expr, r", [("z1 + z1*z2 - He(3, z2)/3", 2), ("1 + z1**2*z2", 2), ("z1 - 2*z1**3", 1)])
@pytest.mark.parametrize("act", ["tanh", "erf"])
def test_drift_equals_direct_quadrature(expr, r, act):
    # V*-part of E[g s'(w.x) x] is a + b*khat, the part along the unit normal of V* is b*q (Stein in x_perp).
    t = MultiIndexTarget(expr, r)
    khat = np.array([0.35, -0.5][:r])
    a, b = drift(t, act, khat[None, :])  # polynomial target: the series stop at its degree
    ref_V, ref_perp, q = _quadrature_drift(t, act, khat)
    assert np.allclose(a[0] + b[0] * khat, ref_V, rtol=0, atol=1e-10)
    assert np.isclose(b[0] * q, ref_perp, rtol=0, atol=1e-10)


def test_drift_leading_terms_match_notes():
    # kappa -> 0: a = mu_1 C_1, b = mu_2 C_0 (docs/theory/giant_step.md#scalings).
    t = MultiIndexTarget("2 + z1 + 3*z2 + z1*z2", 2)
    a, b = drift(t, "relu", np.zeros((1, 2)))
    mu = theory.hermite_coefficients("relu", 2).values
    assert np.allclose(a[0], mu[1] * np.array([1.0, 3.0])) and np.isclose(b[0], mu[2] * 2.0)


def test_activation_factors_scaled_norm():
    # sigma_rho(z) = relu(rho z)/rho = relu(z): the coefficients do not depend on rho; sigma' = step: E s'^2 = 1/2.
    f = activation_factors("relu", 4, np.array([0.8, 1.3]))
    base = theory.hermite_coefficients("relu", 4).values
    assert np.allclose(f.mu, base[None, :], atol=1e-13)
    assert np.allclose(f.sp2, 0.5) and np.allclose(f.sp2_xi2, 0.5)
    # tanh: E tanh'(rho xi)^2 against an independent 1-D quadrature
    g = activation_factors("tanh", 2, np.array([0.5, 2.0]))
    z, w = gaussian_rule(())
    ref = [w @ (1 / np.cosh(rho * z)) ** 4 for rho in (0.5, 2.0)]
    assert np.allclose(g.sp2, ref, rtol=1e-12)
    with pytest.raises(ValueError, match="kinks are all at 0"):
        activation_factors(theory.activation("relu", shift=0.5), 2, np.array([0.9]))


def _setup(target, **kw):
    base = dict(activation="relu", d=1e8, width=100, n=4e8, lr=1.5, readout="symmetric")
    base.update(kw)
    return theory.OneStep(target=target, **base)


def test_alignment_law_is_the_large_d_limit_of_the_neuron_prediction():
    t = MultiIndexTarget("(He(1, z1) + He(2, z1)/2 + He(1, z2) + He(2, z2)/2)/2 + 0.3", 2)
    s = _setup(t)
    law = alignment_law(s)
    pred = predict_neurons(s, np.zeros((2, 2)), [1.0, -1.0])
    assert np.allclose(pred.cosine, law.cosine(np.array([1.0, -1.0])), rtol=1e-6)
    assert np.allclose(pred.norm_sq, law.norm_sq(np.array([1.0, -1.0])), rtol=1e-6)
    assert np.allclose(law.v_star, [1 / math.sqrt(2)] * 2)


def test_alignment_law_closed_form_and_limits():
    # y = z1 (single index): C_0 = 0, |C_1| = 1, E y^2 = 1; relu: mu_1 = 1/2, E s'^2 = 1/2.
    t = MultiIndexTarget("z1", 1)
    for lr, alpha in [(0.5, 1.0), (2.0, 4.0), (3.0, 16.0)]:
        law = alignment_law(_setup(t, d=1000, n=alpha * 1000, lr=lr))
        ref = lr * 0.5 / math.sqrt(1 + lr**2 / 4 + lr**2 * 0.5 / alpha)
        assert math.isclose(law.cosine(1.0), ref, rel_tol=1e-12)
        assert math.isclose(law.mean_abs_cosine(), ref, rel_tol=1e-12)
    # alpha -> 0: the cosine tends to 0; lr -> infinity at alpha -> infinity: it tends to 1.
    assert alignment_law(_setup(t, d=1000, n=1e-6, lr=1.0)).cosine(1.0) < 1e-2
    assert alignment_law(_setup(t, d=1000, n=1e12, lr=1e4)).cosine(1.0) > 0.999
    # C_1 = 0: nothing is learned
    even = alignment_law(_setup(MultiIndexTarget("He(2, z1)", 1)))
    assert even.c1_norm == 0.0
    # label noise enters through E[y^2] + noise_var
    noisy = alignment_law(_setup(t, d=1000, n=2000, lr=2.0, noise_var=0.5))
    assert math.isclose(noisy.residual_second_moment, 1.5, rel_tol=1e-12)


def test_iid_readout_corrections():
    # constant readout: f0 = mu_0 on average, so C_0 -> C_0 - mu_0 (output_scale * width = 1).
    t = MultiIndexTarget("z1 + 1", 1)
    mu0 = theory.hermite_coefficients("relu", 0).values[0]
    law_c = alignment_law(_setup(t, readout="constant", d=1000, n=2000))
    assert math.isclose(law_c.c0_eff, 1 - mu0, rel_tol=1e-12)
    law_r = alignment_law(_setup(t, readout="rademacher", d=1000, n=2000, width=400))
    f = activation_factors("relu", 2)
    assert law_r.c0_eff == 1.0
    assert math.isclose(law_r.shared_sq, float(f.mu[1]) ** 4 / 400, rel_tol=1e-12)
    sym = alignment_law(_setup(t, d=1000, n=2000))
    assert sym.shared_sq == 0 and math.isclose(sym.residual_second_moment, 2.0)


def test_specialisation_law_is_the_limit_of_the_neuron_prediction():
    t = MultiIndexTarget("He(2, z1) + z1*z2 + He(2, z2)/2 + z1*z2*z3/3", 3)
    d = 1e10
    s = theory.OneStep.from_dandi(eta0=2.0, d=d, width=4, ell=2, n_ratio=3.0, target=t, activation="relu")
    law = specialisation_law(s, 2)
    chi = np.array([[1.0, -0.5, 0.3], [0.2, 0.7, -1.1]])
    sig = np.array([1.0, -1.0])
    pred = predict_neurons(s, chi / math.sqrt(d), sig)
    assert np.allclose(pred.overlap, law.overlap(chi, sig), rtol=1e-4, atol=1e-6)
    assert np.allclose(pred.norm_sq, law.norm_sq(chi, sig), rtol=1e-4)
    # E_chi |W* w^1|^2 = eta0^2 mu2^2 |C2|_F^2 + r/d (l = 2)
    C2 = theory.hermite_tensor(t, 2)
    mu2 = theory.hermite_coefficients("relu", 2).values[2]
    assert math.isclose(law.mean_overlap_sq(), 4 * mu2**2 * np.sum(C2**2) + 3 / d, rel_tol=1e-12)


def test_specialisation_law_requires_low_orders_removed():
    t = MultiIndexTarget("z1 + He(2, z2)", 2)
    s = theory.OneStep.from_dandi(eta0=1.0, d=100, width=4, ell=2, target=t)
    with pytest.raises(ValueError, match="without_low_orders"):
        specialisation_law(s, 2)
    law = specialisation_law(s.with_(target=t.without_low_orders(2)), 2)
    assert law.ell == 2 and math.isclose(law.eta0, 1.0) and math.isclose(law.alpha, 1.0)


def test_bad_input():
    t = MultiIndexTarget("z1*z2", 2)
    s = _setup(t)
    with pytest.raises(TypeError, match="setup must be a theory.OneStep"):
        alignment_law("setup")
    with pytest.raises(ValueError, match="MultiIndexTarget"):
        alignment_law(theory.OneStep(target="tanh"))
    with pytest.raises(ValueError, match="kappa must have shape"):
        predict_neurons(s, np.zeros((3, 3)), np.ones(3))
    with pytest.raises(ValueError, match="signs must have shape"):
        predict_neurons(s, np.zeros((3, 2)), np.ones(2))
    with pytest.raises(TypeError, match="ell must be an integer"):
        specialisation_law(s, 2.5)
    with pytest.raises(ValueError, match="ell must be an integer >= 2"):
        specialisation_law(s, 1)
