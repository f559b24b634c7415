"""Regime thresholds and the helpers of ``theory/regimes`` against exact values (issue 13, item 6).

Moniri's exponent is :math:`\\alpha = \\log(|\\tau|\\sqrt N)/\\log n` (``theory/regimes/_common.py``); with
``width = 100`` and ``n = 10^4`` the step sizes 0.1, 1 and 10 give :math:`\\alpha = 0, 1/4, 1/2` exactly in
floating point. The regimes split at :math:`\\alpha = 0` (Ba et al., arXiv:2205.01445: :math:`\\alpha \\le 0`)
and :math:`\\alpha = 1/2` (Moniri et al., arXiv:2310.07891: :math:`0 < \\alpha < 1/2`); the interval theorem
puts degree :math:`k` in for :math:`\\alpha > (k-1)/(2k)` (``docs/theory/spikes.md#interval-theorem``).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import theory
from theory import regimes
from theory.multi_index.targets import MultiIndexTarget
from theory.regimes._common import check_risk_setup, scaled_series_coefficients, step_exponent
from theory.regimes.moniri import interval_degrees

BASE = dict(activation="tanh", target="tanh", d=100, width=100, n=1e4)


def _setup(lr, **kw):
    return theory.OneStep(**{**BASE, "lr": lr, **kw})


def test_step_exponent_exact_values():
    assert step_exponent(_setup(0.1), 0.1) == 0.0
    assert step_exponent(_setup(1.0), 1.0) == pytest.approx(0.25, abs=1e-15)
    assert step_exponent(_setup(10.0), 10.0) == pytest.approx(0.5, abs=1e-15)
    assert step_exponent(_setup(-10.0), -10.0) == pytest.approx(0.5, abs=1e-15)  # |lr|
    assert step_exponent(_setup(0.0), 0.0) == -math.inf
    assert step_exponent(_setup(1.0, n=1), 1.0) == math.inf  # no asymptotics in n
    assert step_exponent(_setup(0.2, n=2), 0.2) == pytest.approx(math.log(2.0) / math.log(2.0), rel=1e-12)  # n = 2


@pytest.mark.parametrize("lr, alpha, expected", [
    (0.1, 0.0, {"ba"}),                          # alpha = 0 exactly: Ba's closed boundary
    (0.1 * 10 ** 0.04, 0.01, {"moniri"}),        # just above 0, Gaussian readout
    (1.0, 0.25, {"moniri"}),                     # lr = 1 is a step like any other
    (10 ** 0.96, 0.49, {"moniri"}),              # just below 1/2
    (10.0, 0.5, set()),                          # alpha = 1/2: outside Moniri's open interval
    (10 ** 1.8, 0.7, set()),
    (1e-3, -0.5, {"ba"}),
])
def test_regime_selection_boundaries_with_gaussian_readout(lr, alpha, expected):
    s = _setup(lr, readout="gaussian")
    assert step_exponent(s, lr) == pytest.approx(alpha, abs=1e-12)
    chosen = {name for name in ("ba", "srf", "moniri") if regimes.get(name).selects(s, lr)}
    assert chosen == expected
    assert bool(regimes.get("moniri").applies(s.with_(residual="labels"), lr)) == ("moniri" in expected)


@pytest.mark.parametrize("lr, expected", [(0.1, {"ba"}), (1.0, {"srf"}), (10.0, {"srf"}), (1e-3, {"ba"})])
def test_constant_readout_selects_ba_or_srf_at_zero(lr, expected):
    s = _setup(lr, readout="constant")
    assert {name for name in ("ba", "srf", "moniri") if regimes.get(name).selects(s, lr)} == expected
    assert not regimes.get("moniri").applies(s, lr)  # needs a Gaussian readout


def test_lr_zero_selects_random_features_only():
    s = _setup(0.0, readout="gaussian")
    assert [name for name in ("rf", "ba", "srf", "moniri") if regimes.get(name).selects(s, 0.0)] == ["rf"]
    assert theory.select_method(s)[0] == "rf"


def _q_for_ratio(rho, phi):
    # relu on the identity target, Gaussian readout, full residual (tests/test_step_statistics_exact.py):
    # |beta|^2 = 1 + q/4 + (1 + q/2)/phi and the f0 component is mu_1 sqrt(q) = sqrt(q)/2
    return rho**2 * (1 + 1 / phi) / (0.25 - rho**2 / 4 - rho**2 / (2 * phi))


@pytest.mark.parametrize("rho, phi, ok", [(0.03, 4.0, True), (0.07, 4.0, False), (0.5, 4.0, False),
                                          (0.03, 0.25, True), (0.07, 0.25, False)])
def test_moniri_refuses_a_step_carrying_f0_above_five_percent(rho, phi, ok):
    # the threshold is relative: |c1| sqrt(q) > 0.05 |beta|; phi = 1/4 makes |beta|^2 about 5, far from 1
    s = theory.OneStep.from_moniri(alpha=0.3, activation="relu", target="identity", d=200, width=200, n=200 * phi)
    q = _q_for_ratio(rho, phi)
    full = s.with_(residual="full", output_scale=math.sqrt(q / 200))
    st = theory.step_statistics(full)
    assert 0.5 * math.sqrt(st.f0_norm_sq) / math.sqrt(st.norm_sq) == pytest.approx(rho, rel=1e-9)
    verdict = regimes.get("moniri").applies(full, full.lr)
    assert bool(verdict) is ok
    if not ok:
        assert verdict.reason.startswith("method 'moniri' needs a learned direction independent")
        assert f"{rho:.3g}" in verdict.reason and "correlated with F0" in verdict.reason
        assert verdict.reason.endswith("use residual='labels' or a smaller output_scale")
    else:
        assert verdict.reason.startswith("alpha = 0.3 in (0, 1/2), Gaussian readout")


def test_moniri_reasons_name_the_condition():
    s = _setup(1.0, readout="rademacher")
    v = regimes.get("moniri").applies(s, 1.0)
    assert not v and v.reason.startswith("method 'moniri' needs readout='gaussian'") and "'rademacher'" in v.reason
    v = regimes.get("moniri").applies(_setup(10.0, readout="gaussian"), 10.0)
    assert not v and v.reason.startswith("method 'moniri' needs Moniri's alpha") and v.reason.endswith("got 0.5")
    no = regimes.get("moniri").selects(_setup(1.0, readout="rademacher"), 1.0)
    assert not no and no.reason == "needs a Gaussian readout and 0 < alpha < 1/2"
    ok = regimes.get("moniri").selects(_setup(1.0, readout="gaussian"), 1.0)
    assert ok.reason.startswith("alpha = 0.25 in (0, 1/2)") and ok.reason.endswith("#moniri-equivalent-model)")


def test_interval_degrees_at_the_boundaries():
    # degree k present iff alpha > (k-1)/(2k): boundaries 1/4, 1/3, 3/8, ...
    assert interval_degrees(0.0) == (1,) and interval_degrees(0.25) == (1,)
    assert interval_degrees(0.25 + 1e-12) == (1, 2) and interval_degrees(1 / 3) == (1, 2)
    assert interval_degrees(1 / 3 + 1e-12) == (1, 2, 3) and interval_degrees(0.375) == (1, 2, 3)
    # alpha = 0.49: k - 1 < 0.98 k, i.e. k < 50
    assert interval_degrees(0.49) == tuple(range(1, 50))
    for bad in (0.5, 0.7):
        with pytest.raises(ValueError, match="alpha = setup.moniri_alpha < 1/2"):
            interval_degrees(bad)


def test_check_risk_setup_refusals():
    with pytest.raises(TypeError, match="setup must be a theory.OneStep; got dict"):
        check_risk_setup({})
    with pytest.raises(ValueError) as err:
        check_risk_setup(_setup(1.0, target=MultiIndexTarget("z1", 1)))
    assert str(err.value) == ("theory.risk needs a single-index target; got a MultiIndexTarget "
                              "(see theory.error_floor for multi-index targets)")
    with pytest.raises(ValueError) as err:  # no registered regime describes five steps
        check_risk_setup(_setup((1.0,) * 5))
    assert re.match(r"theory\.risk describes (\d+ or )*\d+ gradient step\(s\); .*got steps=5$", str(err.value))
    with pytest.raises(ValueError) as err:
        check_risk_setup(_setup(1.0, readout="symmetric"))
    assert str(err.value) == ("readout='symmetric' duplicates every neuron, which breaks the Gaussian equivalence of "
                              "the bulk; theory.risk supports readout 'constant', 'rademacher' and 'gaussian'")
    assert check_risk_setup(_setup(1.0, readout="gaussian")) is None


def test_scaled_series_coefficients_of_a_shifted_relu():
    # sigma(z) = relu(z + a), a = 1/2, at variance c = 9/4: with u = a/sqrt(c) = 1/3,
    # E sigma = sqrt(c) phi(u) + a Phi(u), E sigma' = Phi(u), E sigma''/2 = phi(u)/(2 sqrt(c)); kink at -a/sqrt(c)
    from scipy.stats import norm

    c, a = 2.25, 0.5
    u = a / math.sqrt(c)
    got = scaled_series_coefficients(theory.activation("relu", shift=a), c, 2)
    ref = [math.sqrt(c) * norm.pdf(u) + a * norm.cdf(u), norm.cdf(u), norm.pdf(u) / (2 * math.sqrt(c))]
    assert got == pytest.approx(ref, abs=1e-10)


@pytest.mark.parametrize("c", [1.0, 2.25])
def test_scaled_series_coefficients_of_relu(c):
    # E[relu^(k)(sqrt(c) z)]/k!: sqrt(c)/sqrt(2 pi), 1/2, phi(0)/(2 sqrt c), E[delta'(sqrt c z)]/6 = 0
    got = scaled_series_coefficients(theory.activation("relu"), c, 3)
    ref = [math.sqrt(c / (2 * math.pi)), 0.5, 1 / (2 * math.sqrt(2 * math.pi * c)), 0.0]
    assert got == pytest.approx(ref, abs=1e-10)


def test_moniri_explicit_degree_one_is_bas_channel_model():
    # an identity of the two regimes: Moniri's model restricted to degree 1 is Ba's (both call spiked_channels)
    s = theory.OneStep.from_moniri(alpha=0.3, activation="relu", target="relu", d=200, width=200, n=800)
    ba = regimes.get("ba").channels(s)
    mo = regimes.get("moniri").channels(s, degrees=(1,))
    mo_default = regimes.get("moniri").channels(s)
    assert mo.parameters["degrees"] == [1] and mo_default.parameters["degrees"] == [1, 2]
    assert np.allclose(mo.gram_const, ba.gram_const) and len(mo.channels) == len(ba.channels) == 2


def test_moniri_spike_model_uses_the_setups_readout():
    # relu at alpha = 0.44: degrees k < 8.33 with c_k != 0: 1, 2, 4, 6, 8 (odd c_k = 0 for k >= 3);
    # +-1 readout: s^k is s (odd k) or 1 (even k), so the even degrees merge into one spike (docs/spikes.md §4)
    s = theory.OneStep.from_moniri(alpha=0.44, activation="relu", target="relu", d=200, width=200, n=800)
    assert regimes.get("moniri").spike_model(s).degrees == (1, 2, 4, 6, 8)
    assert regimes.get("moniri").spike_model(s).count == 5
    assert regimes.get("moniri").spike_model(s.with_(readout="rademacher")).count == 2


def test_check_degrees():
    from theory.regimes._common import check_degrees

    assert check_degrees((2, 1, 2)) == (1, 2) and check_degrees([3.0]) == (3,)
    for bad in ((), (0, 1), (-1,)):
        with pytest.raises(ValueError, match="degrees must be positive integers"):
            check_degrees(bad)


def test_moniri_simulator_options_of_relu():
    # series coefficients of relu (sigma = sum c_k He_k): c_0 = 1/sqrt(2 pi), c_1 = 1/2, c_2 = 1/(2 sqrt(2 pi)),
    # c_3 = 0; c1 of the step = E sigma' = 1/2
    from theory.regimes.moniri import equivalent_model, equivalent_options, series_coefficients

    ck, c1 = series_coefficients("relu", (1, 2, 3))
    ref = [1 / math.sqrt(2 * math.pi), 0.5, 1 / (2 * math.sqrt(2 * math.pi)), 0.0]
    assert ck == pytest.approx(ref, abs=1e-10) and c1 == pytest.approx(0.5, abs=1e-12)
    s = theory.OneStep.from_moniri(alpha=0.3, activation="relu", target="relu", d=200, width=200, n=800)
    opts = equivalent_options(s)
    assert opts["degrees"] == (1, 2) and opts["c1"] == pytest.approx(0.5, abs=1e-12)
    assert opts["coefficients"] == pytest.approx(ref[:3], abs=1e-10)
    assert equivalent_options(s, degrees=(1,))["degrees"] == (1,)
    W0, sv, beta = np.eye(3), np.ones(3), np.arange(3.0)
    eq = equivalent_model(s, W0, sv, beta, **opts)
    assert eq.weights is W0 and eq.direction is beta and eq.readout is sv and eq.degrees == (1, 2) and eq.c1 == opts["c1"]
    assert eq.coefficients is opts["coefficients"]
