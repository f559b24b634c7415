"""Spikes: interval theorem, learned direction, Ba's weight spike (theory/spikes/predictions.py)."""

import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import integrate

import theory
from theory.spikes.predictions import boundary_alphas, learned_overlap, spike_degrees, weight_spike

POLY = theory.activation("polynomial", coeffs=[0, 1, 0.5, 0.3, 0.2, 0.1, 0.05], coeff_basis="hermite")


def _gauss(f):
    """E f(z) by adaptive quadrature (independent of the library's Gauss-Legendre rules)."""
    val, _ = integrate.quad(lambda z: f(z) * math.exp(-z * z / 2) / math.sqrt(2 * math.pi), -np.inf, np.inf,
                            epsabs=1e-13, epsrel=1e-12, limit=200)
    return val


# ----------------------------------------------------------------------------- interval theorem
@pytest.mark.parametrize("alpha", [Fraction(1, 10), Fraction(1, 5), Fraction(3, 10), Fraction(7, 20),
                                   Fraction(39, 100), Fraction(41, 100), Fraction(21, 50)])
def test_interval_count_matches_definition(alpha):
    # B.6: exactly l spikes for (l-1)/(2l) < alpha < l/(2l+2); all c_1..c_6 are nonzero for POLY.
    res = spike_degrees(float(alpha), POLY, kmax=6)
    ell = next(l for l in range(1, 50) if Fraction(l - 1, 2 * l) < alpha < Fraction(l, 2 * l + 2))
    assert res.count == ell == res.ell and not res.at_boundary
    assert res.degrees == tuple(range(1, ell + 1))
    assert res.interval == pytest.approx((float(Fraction(ell - 1, 2 * ell)), float(Fraction(ell, 2 * ell + 2))))


def test_zero_coefficients_removed():
    relu = spike_degrees(0.43, "relu")            # l = 7 at alpha = 0.43
    assert relu.ell == 7 and relu.degrees == (1, 2, 4, 6)
    assert set(relu.zero_degrees) >= {3, 5} and all(r == "exact" for r in relu.zero_reasons)
    tanh = spike_degrees(0.36, "tanh")            # l = 3; tanh is odd
    assert tanh.degrees == (1, 3) and tanh.zero_reasons[0] == "parity"
    # a plain callable has no declared parity: its even coefficients are zero within their error bound
    cb = spike_degrees(0.3, lambda z: np.tanh(z))
    assert cb.degrees == (1,) and cb.zero_reasons[0] == "within_error"


@pytest.mark.parametrize("k", [2, 3, 4, 5])
def test_boundary_values_are_reported_not_guessed(k):
    alpha = (k - 1) / (2 * k)
    res = spike_degrees(alpha, POLY, kmax=6)
    assert res.at_boundary and res.boundary_degree == k and res.count is None
    assert (res.count_below, res.count_above) == (k - 1, k)
    assert "boundary" in res.note
    # relu at the degree-3 boundary: c_3 = 0, so the count does not change there
    if k == 3:
        r = spike_degrees(alpha, "relu")
        assert (r.count_below, r.count_above) == (2, 2)


def test_alpha_zero_is_the_ba_boundary():
    res = spike_degrees(0.0, "tanh")
    assert res.at_boundary and res.boundary_degree == 1 and (res.count_below, res.count_above) == (0, 1)
    assert "Ba et al." in res.note


def test_boundary_alphas():
    assert np.allclose(boundary_alphas(5), [0, 1 / 4, 1 / 3, 3 / 8, 2 / 5])


@pytest.mark.parametrize("kw, err, match", [
    (dict(alpha=-0.1, activation="tanh"), ValueError, r"alpha must lie in \[0.0, 0.5\)"),
    (dict(alpha=0.5, activation="tanh"), ValueError, "alpha must lie"),
    (dict(alpha="0.2", activation="tanh"), TypeError, "alpha must be a real number"),
    (dict(alpha=0.2, activation="abs"), ValueError, "no spike can form"),
    (dict(alpha=0.2, activation="cos"), ValueError, "c_1 = 0"),
    (dict(alpha=0.3, activation="tanh", kmax=1), ValueError, "kmax must be >= 2"),
])
def test_spike_degrees_bad_input(kw, err, match):
    with pytest.raises(err, match=match):
        spike_degrees(**kw)


# ----------------------------------------------------------------------------- learned direction
def test_learned_overlap_labels_matches_B4_independent_quadrature():
    # docs/theory/step.md#the-learned-direction: |beta|^2 -> mu1*^2 + E[y^2]/phi, cos -> mu1*/|beta|, noise included.
    s = theory.OneStep(activation="tanh", target="tanh", d=500, width=300, n=1500, noise_var=0.2, residual="labels")
    mu1 = _gauss(lambda z: z * math.tanh(z))
    ey2 = _gauss(lambda z: math.tanh(z) ** 2) + 0.2
    lo = learned_overlap(s)
    assert lo.norm_sq == pytest.approx(mu1**2 + ey2 / 3, rel=1e-10)
    assert lo.cos == pytest.approx(mu1 / math.sqrt(mu1**2 + ey2 / 3), rel=1e-10)
    assert lo.f0_component == 0 and lo.noise_included


def test_learned_overlap_full_residual_matches_B5():
    # docs/theory/step.md#the-learned-direction (unit-norm w, centred sigma, output scale 1/sqrt(N), gaussian readout):
    # |beta_r|^2 -> mu1*^2 + c1^2 + (E y^2 + E sigma^2)/phi.
    s = theory.OneStep.from_moniri(alpha=0.1, activation="tanh", target="sin", d=400, width=320, n=1200,
                                   residual="full")
    c1 = _gauss(lambda z: z * math.tanh(z))
    es2 = _gauss(lambda z: math.tanh(z) ** 2)
    m1 = _gauss(lambda z: z * math.sin(z))
    ey2 = _gauss(lambda z: math.sin(z) ** 2)
    lo = learned_overlap(s)
    assert lo.norm_sq == pytest.approx(m1**2 + c1**2 + (ey2 + es2) / 3, rel=1e-10)
    assert lo.f0_component == pytest.approx(c1, rel=1e-10)


def test_learned_overlap_multi_index():
    # y = z1 + z1 z2: C_1 = (1, 0), E y^2 = 2, so |beta|^2 -> 1 + 2/phi and cos -> 1/|beta|.
    t = theory.MultiIndexTarget("z1 + z1*z2", 2)
    s = theory.OneStep(activation="tanh", target=t, d=200, width=100, n=800, residual="labels")
    lo = learned_overlap(s)
    assert lo.norm_sq == pytest.approx(1 + 2 / 4, rel=1e-12)
    assert lo.cos == pytest.approx(1 / math.sqrt(1.5), rel=1e-12)


@pytest.mark.parametrize("residual", ["labels", "full"])
def test_learned_overlap_monte_carlo(residual):
    s = theory.OneStep.from_moniri(alpha=0.1, activation="tanh", target="tanh", d=300, width=200, n=900,
                                   noise_var=0.1, residual=residual)
    from validation import simulate

    sim = simulate(s, trials=8, seed=11, measures=("overlap",))
    mc = np.stack([sim.get("beta_norm_sq"), sim.get("beta_cos")], axis=1)
    lo = learned_overlap(s)
    mean, se = mc.mean(0), mc.std(0, ddof=1) / math.sqrt(len(mc))
    # 4 standard errors, plus the O(1/n) bias of |beta|^2 (below 0.3% here)
    assert abs(mean[0] - lo.norm_sq) < 4 * se[0] + 3e-3 * lo.norm_sq
    assert abs(mean[1] - lo.cos) < 4 * se[1] + 3e-3


# ----------------------------------------------------------------------------- weight spike
def test_weight_spike_ba_limit_matches_A5():
    # Ba et al.'s scaling with N huge: eps -> 0 and theta = |eta c1| |beta| (docs/theory/step.md#the-learned-direction).
    N = 10**12
    s = theory.OneStep.from_ba(eta=2.0, activation="tanh", target="tanh", d=2 * N, width=N, n=4 * N, noise_var=0.1)
    c1 = _gauss(lambda z: z * math.tanh(z))
    m1 = _gauss(lambda z: z * math.tanh(z))
    ey2 = _gauss(lambda z: math.tanh(z) ** 2) + 0.1
    b2 = m1**2 + ey2 / 2
    th2 = (2.0 * c1) ** 2 * b2
    psi = 0.5
    w = weight_spike(s)
    # the f0 part of the residual shifts theta^2 by -2 eps, eps = tau c1^2 = O(N^{-1/2}) ~ 1e-6
    assert w.outlier and w.theta**2 == pytest.approx(th2, rel=1e-5)
    assert w.singular_value == pytest.approx(math.sqrt((1 + th2) * (psi + th2) / th2), rel=1e-5)
    gamma2 = m1**2 / b2
    assert w.overlap_sq == pytest.approx((th2**2 - psi) / (th2 * (th2 + 1)) * gamma2, rel=1e-5)
    assert w.overlap_beta_sq == pytest.approx((th2**2 - psi) / (th2 * (th2 + 1)), rel=1e-5)
    assert w.overlap_readout_sq == pytest.approx((th2**2 - psi) / (th2 * (th2 + psi)), rel=1e-5)
    assert w.bulk_edge == pytest.approx(1 + math.sqrt(psi)) and w.status == "ok"


def test_weight_spike_below_threshold():
    s = theory.OneStep.from_ba(eta=0.3, activation="tanh", target="tanh", d=1000, width=2000, n=2000)
    w = weight_spike(s)
    assert not w.outlier and w.theta < w.threshold
    assert w.singular_value == pytest.approx(w.bulk_edge)
    assert w.overlap_sq == w.overlap_readout_sq == 0.0


def test_weight_spike_rejects_several_steps():
    with pytest.raises(ValueError, match="steps must be 1"):
        weight_spike(theory.OneStep(steps=2))


def test_weight_spike_monte_carlo_ba():
    sp = theory.activation("softplus", center=True)
    s = theory.OneStep.from_ba(eta=3.0, activation="tanh", target=sp, d=600, width=300, n=1200, noise_var=0.0625)
    from validation import simulate

    sim = simulate(s, trials=6, seed=3, measures=("weight_spike",))
    mc = np.stack([sim.get("w1_top_singular_value"), sim.get("w1_overlap_target_sq")], axis=1)
    w = weight_spike(s)
    mean, se = mc.mean(0), mc.std(0, ddof=1) / math.sqrt(len(mc))
    # 4 standard errors plus a finite-size allowance (BBP quantities converge like d^{-1/2}: 1% and 0.04)
    assert abs(mean[0] - w.singular_value) < 4 * se[0] + 0.01 * w.singular_value
    assert abs(mean[1] - w.overlap_sq) < 4 * se[1] + 0.04


def test_readout_merges_degrees_of_equal_parity():
    # s = +-1: s^{o k} is s (odd k) or 1 (even k), so degrees of equal parity share a right vector
    assert spike_degrees(0.41, POLY).degrees == (1, 2, 3, 4, 5)
    rad = spike_degrees(0.41, POLY, readout="rademacher")
    assert rad.degrees == (1, 2) and rad.count == 2
    assert spike_degrees(0.41, "tanh", readout="symmetric").degrees == (1,)
    assert spike_degrees(0.41, POLY, readout="constant").count == 1
    b = spike_degrees(0.25, POLY, readout="rademacher")
    assert (b.count_below, b.count_above) == (1, 2)
    with pytest.raises(ValueError, match="readout must be one of"):
        spike_degrees(0.2, "tanh", readout="normal")


def test_finite_size_bulk_edge_of_the_weights():
    # Johnstone (2001) + Tracy-Widom mean: Monte Carlo of the top singular value of a 200 x 400 matrix
    # with N(0, 1/400) entries, 30 draws; tolerance 4 standard errors (the TW spread here is ~0.03, the
    # shift below 1 + sqrt(1/2) ~0.015, so a test against the limit would fail).
    rng = np.random.default_rng(4)
    tops = [np.linalg.svd(rng.standard_normal((200, 400)) / math.sqrt(400), compute_uv=False)[0] for _ in range(30)]
    from theory.spikes.predictions import _finite_edge

    pred = _finite_edge(200, 400)
    se = np.std(tops, ddof=1) / math.sqrt(30)
    assert abs(np.mean(tops) - pred) < 4 * se
    assert pred < 1 + math.sqrt(0.5) and abs(np.mean(tops) - (1 + math.sqrt(0.5))) > 4 * se
    w = weight_spike(theory.OneStep.from_ba(eta=0.3, activation="tanh", target="tanh", d=400, width=200, n=800))
    assert not w.outlier and w.bulk_edge_finite == pytest.approx(pred * math.sqrt(1 + w.bulk_noise), rel=1e-12)
