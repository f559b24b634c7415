"""Ba's and Moniri's risk channels in closed form, even degrees included (issue 13, item 6).

``theory/regimes/_common.py::spiked_channels`` builds the mean channel
:math:`u(\\kappa) = \\mu_0 + \\sum_k c_kt^kE[s^k]\\kappa^k` and the centred Gram
:math:`p\\,c_kc_lt^{k+l}\\mathrm{Cov}(s^k, s^l)` of the spikes (``docs/derivations/ge_system.md`` §3-4), with the
bulk variance :math:`c` of the step (``docs/derivations/bulk_variance.md``). The existing tests use odd targets
or odd activations, where the even channels and the centred readout moments cancel. Here ReLU (even part
:math:`c_2 \\ne 0`) on a ReLU target with the step on the labels, where everything is known by hand:

* target: :math:`E y = 1/\\sqrt{2\\pi}`, :math:`E y^2 = 1/2`, :math:`\\mu_1(y) = 1/2`; step on the labels
  (:math:`q = 0`): :math:`|b|^2 = 1/4 + (1/2)/\\phi`, :math:`\\gamma = (1/2)/|b|`, :math:`t = \\tau E\\sigma'|b|`
  with :math:`E\\sigma' = 1/2`;
* bulk variance :math:`c = E_s[(1 + \\tau s a)^2] + \\tau^2E[s^2]v` with :math:`a = E y\\,E[z\\sigma'] = 1/(2\\pi)`
  and :math:`v = E y^2\\,\\mathrm{Var}\\,\\sigma'/\\phi = 1/(8\\phi)`;
* ReLU at variance :math:`c`: :math:`\\mu_0 = \\sqrt{c/(2\\pi)}`, :math:`c_1 = 1/2`,
  :math:`c_2 = E\\sigma''(\\sqrt cz)/2 = 1/(2\\sqrt{2\\pi c})`;
* readout moments: Gaussian :math:`\\mathrm{Var}\\,s = 1`, :math:`\\mathrm{Var}\\,s^2 = 2`, :math:`E s^3 = 0`;
  :math:`\\pm1`: :math:`s^2 \\equiv 1` (no centred even part); constant: no centred part at all.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import theory
from theory import regimes

PHI = 4.0
EY, EY2 = 1 / math.sqrt(2 * math.pi), 0.5


def _setup(readout="gaussian"):
    s = theory.OneStep.from_moniri(alpha=0.3, activation="relu", target="relu", d=200, width=200, n=800)
    return s.with_(readout=readout)


def _hand(setup, *, bulk_noise=True):
    tau = setup.lr
    b = math.sqrt(0.25 + EY2 / PHI)
    es, es2 = {"gaussian": (0.0, 1.0), "rademacher": (0.0, 1.0), "constant": (1.0, 1.0)}[setup.readout]
    a, v = EY / math.sqrt(2 * math.pi), EY2 * 0.25 / PHI
    c = 1 + 2 * tau * es * a + tau**2 * es2 * (a * a + v) if bulk_noise else 1.0
    t = tau * 0.5 * b
    return dict(b=b, gamma=0.5 / b, t=t, c=c, mu0=math.sqrt(c / (2 * math.pi)), c1=0.5,
                c2=1 / (2 * math.sqrt(2 * math.pi * c)))


@pytest.mark.parametrize("bulk_noise", [True, False])
def test_moniri_even_channel_with_gaussian_readout(bulk_noise):
    s = _setup()
    h = _hand(s, bulk_noise=bulk_noise)
    cm = regimes.get("moniri").channels(s, bulk_noise=bulk_noise)
    P = cm.parameters
    assert P["degrees"] == [1, 2]  # alpha = 0.3 > 1/4: degree 2 is in
    assert P["t"] == pytest.approx(h["t"], rel=1e-9) and P["gamma"] == pytest.approx(h["gamma"], rel=1e-9)
    assert P["c"] == pytest.approx(h["c"], rel=1e-9) and cm.scale == pytest.approx(h["c"], rel=1e-9)
    assert P["theta"] == pytest.approx(h["t"] * math.sqrt(200), rel=1e-9)
    if bulk_noise:
        assert h["c"] - 1 > 0.01  # the step's bulk variance is visibly above Moniri's F0 (c = 1)
    p, t = 200, h["t"]
    G = cm.gram_const
    assert G[1, 1] == pytest.approx(p * h["c1"] ** 2 * t**2 * 1.0, rel=1e-9)  # Var s = 1
    assert G[2, 2] == pytest.approx(p * h["c2"] ** 2 * t**4 * 2.0, rel=1e-9)  # Var s^2 = 2
    assert G[1, 2] == G[2, 1] == 0.0 and not G[0].any() and not G[:, 0].any()  # E s^3 = 0; the mean channel
    nodes = cm.kappa.nodes
    u = cm.channels[0]["phi"]
    assert np.allclose(u, h["mu0"] + h["c2"] * t**2 * nodes**2, rtol=0, atol=1e-12)  # E s = 0, E s^2 = 1
    assert [ch["vec"] for ch in cm.channels] == ["ones", "spike", None]
    assert cm.channels[0]["lim"] == p
    assert cm.channels[1]["lim"] == pytest.approx(h["c1"] ** 2 * h["c"] * 1.0, rel=1e-9)  # mu1^2 c beta, beta = 1
    assert cm.channels[1]["vec_coef"] == pytest.approx(h["c1"], rel=1e-12)  # the bulk's mu_1 sqrt(c) W0 b-hat
    assert cm.gamma == pytest.approx(h["gamma"], rel=1e-9) and cm.project is True and cm.unregularised is None
    assert cm.channels[2]["lim"] == 0.0
    assert np.allclose(cm.channels[1]["phi"], nodes) and np.allclose(cm.channels[2]["phi"], nodes**2)


def test_defaults_are_finite_strength_with_the_steps_bulk_variance():
    s = _setup()
    cm = regimes.get("moniri").channels(s)
    assert cm.parameters["strength"] == "finite" and cm.parameters["c"] == pytest.approx(_hand(s)["c"], rel=1e-9)
    ba = regimes.get("ba").channels(s)
    assert ba.parameters["strength"] == "finite" and ba.parameters["c"] == pytest.approx(_hand(s)["c"], rel=1e-9)


def test_linear_channel_norm_scales_with_the_width_ratio():
    # |mu_1 sqrt(c) W0 b-hat|^2 -> mu_1^2 c beta with beta = width/d (here 1/2 and 2)
    for width in (100, 400):
        s = theory.OneStep.from_moniri(alpha=0.3, activation="relu", target="relu", d=200, width=width, n=800)
        cm = regimes.get("moniri").channels(s)
        c = cm.parameters["c"]
        assert cm.channels[1]["lim"] == pytest.approx(0.25 * c * width / 200, rel=1e-9)


def test_teacher_conditionals_carry_the_label_noise():
    # E_kappa E[y^2 | kappa] = E y^2 + Delta = 1/2 + Delta; E_kappa E[y | kappa] = E y (relu target)
    s = _setup().with_(noise_var=0.3)
    for name in ("ba", "moniri"):
        cm = regimes.get(name).channels(s)
        kd = cm.kappa
        assert kd.noise_var == 0.3
        assert kd.mean(kd.hh) == pytest.approx(0.5 + 0.3, rel=1e-9)
        assert kd.mean(kd.h) == pytest.approx(EY, rel=1e-9)
        assert cm.parameters["alpha"] == pytest.approx(0.3, rel=1e-12)


def test_centred_gaussian_readout_moments_by_monte_carlo():
    # the Gram's readout factor is Cov(s^k, s^l) over the neurons: a Monte Carlo over 10^6 Gaussian values
    rng = np.random.default_rng(0)
    z = rng.standard_normal(1_000_000)
    s = _setup()
    h = _hand(s)
    G = regimes.get("moniri").channels(s).gram_const
    cov = np.cov(np.vstack([z, z**2]))
    t = h["t"]
    assert G[1, 1] / (200 * h["c1"] ** 2 * t**2) == pytest.approx(cov[0, 0], rel=0.01)
    assert G[2, 2] / (200 * h["c2"] ** 2 * t**4) == pytest.approx(cov[1, 1], rel=0.01)
    assert abs(cov[0, 1]) < 0.01 and G[1, 2] == 0.0


@pytest.mark.parametrize("readout", ["rademacher", "constant"])
def test_even_spike_of_a_pm1_or_constant_readout_joins_the_mean_channel(readout):
    # Ba's regime with explicit degrees (1, 2): s^2 = 1 is constant, so the degree-2 spike has no centred part
    s = _setup(readout).with_(residual="labels")
    h = _hand(s)
    cm = regimes.get("ba").channels(s, degrees=(1, 2))
    t = h["t"]
    assert cm.parameters["c"] == pytest.approx(h["c"], rel=1e-9)
    G = cm.gram_const
    var_s = 1.0 if readout == "rademacher" else 0.0
    assert G[1, 1] == pytest.approx(200 * h["c1"] ** 2 * t**2 * var_s, rel=1e-9, abs=1e-15)
    assert G[2, 2] == 0.0 and G[1, 2] == 0.0
    es = 1.0 if readout == "constant" else 0.0
    nodes = cm.kappa.nodes
    ref = h["mu0"] + h["c1"] * t * es * nodes + h["c2"] * t**2 * nodes**2
    assert np.allclose(cm.channels[0]["phi"], ref, rtol=0, atol=1e-12)


def test_infinite_strength_channels():
    s = _setup()
    h = _hand(s)
    cm = regimes.get("moniri").channels(s, strength="infinite")
    nodes = cm.kappa.nodes
    assert len(cm.channels) == 1 and cm.channels[0]["vec"] == "ones" and cm.channels[0]["lim"] == 200
    assert np.allclose(cm.channels[0]["phi"], h["mu0"], atol=1e-12)
    assert len(cm.unregularised) == 2
    assert np.allclose(cm.unregularised[0], nodes) and np.allclose(cm.unregularised[1], nodes**2)
    assert cm.gram_const.shape == (1, 1) and not cm.gram_const.any() and cm.project is True
    assert cm.scale == pytest.approx(h["c"], rel=1e-9) and cm.gamma == pytest.approx(h["gamma"], rel=1e-9)
    with pytest.raises(ValueError) as err:
        regimes.get("ba").channels(_setup("rademacher"), strength="infinite")
    assert str(err.value) == "strength='infinite' needs readout='gaussian' (distinct spike directions s^(k))"


def test_bulk_variance_per_readout_value():
    # c(s) = (1 + tau s a)^2 + tau^2 s^2 v with a = E y E[z sigma'] = 1/(2 pi), v = E y^2 Var sigma'/phi = 1/(8 phi);
    # its mean over s ~ N(0, 1) is the channels' c (E s = 0, E s^2 = 1)
    from theory.model.statistics import bulk_variance, readout_moments

    s = _setup()
    st = theory.step_statistics(s)
    tau, a, v = s.lr, 1 / (2 * math.pi), 1 / (8 * PHI)
    vals = np.array([-1.5, 0.0, 0.5, 2.0])
    ref = (1 + tau * vals * a) ** 2 + tau**2 * vals**2 * v
    assert np.allclose(st.neuron_bulk_variance(vals), ref, rtol=1e-10)
    one = st.neuron_bulk_variance(2.0)
    assert isinstance(one, float) and one == pytest.approx(ref[3], rel=1e-10)
    z, w = np.polynomial.hermite_e.hermegauss(20)
    assert float(w @ st.neuron_bulk_variance(z)) / math.sqrt(2 * math.pi) == pytest.approx(_hand(s)["c"], rel=1e-10)
    assert bulk_variance(1, lr=2, self_move=-0.25, isotropic=0.5) == 2.25  # (1 - 1/2)^2 + 4 * 0.5
    assert readout_moments("rademacher") == (0.0, 1.0) and readout_moments("constant") == (1.0, 1.0)
    with pytest.raises(ValueError, match="^readout"):
        readout_moments("uniform")
