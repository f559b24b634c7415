"""Helpers shared by the regime modules: the step's exponent, the setup check, the spiked equivalent model."""

from __future__ import annotations

import math

import numpy as np

from .._applicability import NotApplicable
from ..hermite.moments import readout_power_moments
from ..model.statistics import step_statistics
from ..ridge.conditional import srf_kappa_data
from .base import ChannelModel, available, channel, get

__all__ = ["step_exponent", "check_risk_setup", "spiked_channels", "scaled_series_coefficients"]


def step_exponent(setup, lr) -> float:
    r"""Moniri's exponent :math:`\alpha = \log(|\mathrm{lr}|\sqrt N)/\log n` of the step ``lr``
    (``-inf`` at ``lr = 0``, ``inf`` for :math:`n \le 1`)."""
    if lr == 0:
        return -math.inf
    return math.log(abs(lr) * math.sqrt(setup.width)) / math.log(setup.n) if setup.n > 1 else math.inf


def check_risk_setup(setup):
    """What every regime of :func:`theory.risk` needs: a single-index target, a number of steps some regime
    describes (:attr:`Regime.steps`), no paired neurons."""
    from ..model.onestep import OneStep

    if not isinstance(setup, OneStep):
        raise TypeError(f"setup must be a theory.OneStep; got {type(setup).__name__}")
    if setup.is_multi_index:
        raise NotApplicable("theory.risk needs a single-index target; got a MultiIndexTarget "
                            "(see theory.error_floor for multi-index targets)")
    covered = sorted({k for name in available() for k in get(name).steps})
    if setup.steps not in covered:  # each regime declares its numbers of steps (Regime.steps)
        raise NotApplicable(f"theory.risk describes {' or '.join(map(str, covered))} gradient step(s); "
                            f"got steps={setup.steps}")
    if setup.readout == "symmetric":
        raise NotApplicable("readout='symmetric' duplicates every neuron, which breaks the Gaussian equivalence of "
                            "the bulk; theory.risk supports readout 'constant', 'rademacher' and 'gaussian'")


def scaled_series_coefficients(act, c: float, kmax: int) -> np.ndarray:
    r""":math:`E[\sigma^{(k)}(\sqrt c z)]/k! = E[\sigma(\sqrt c z)He_k(z)]/(k!\,c^{k/2})`, :math:`k = 0..k_{max}`."""
    from ..hermite.engine import hermite_coefficients

    sc = math.sqrt(c)
    if c == 1.0:
        mu = hermite_coefficients(act, kmax).values
    else:
        f = act.func
        mu = hermite_coefficients(lambda z: f(sc * z), kmax, kinks=tuple(k / sc for k in act.kinks)).values
    k = np.arange(kmax + 1)
    return np.asarray(mu) / np.array([math.factorial(int(j)) for j in k]) / sc**k


def spiked_channels(setup, degs, *, strength, bulk_noise=True) -> ChannelModel:
    r"""Risk channels of the equivalent model :math:`F_0 + \sum_k c_k(\tau c_1)^k(\tilde X\beta)^{\circ k}(s^{\circ k})^\top`
    (Ba's regime with ``degs = (1,)``, Moniri's with the interval theorem's degrees).

    ``docs/derivations/ge_system.md`` §3-4: with :math:`t = \tau E\sigma'|b|` (:math:`b` the part of
    the learned direction independent of :math:`W_0`), :math:`\kappa = \hat b\cdot x`, the spike
    of degree :math:`k` is the feature vector :math:`c_kt^ks^{\circ k}` times :math:`\kappa^k`. Its
    component along :math:`\mathbf 1` joins the mean channel (vector :math:`\mathbf 1`, function
    :math:`u(\kappa) = \mu_0 + \sum_kc_kt^kE[s^k]\kappa^k`); the centred parts form channels with
    Gram :math:`p\,c_kc_lt^{k+l}\mathrm{Cov}(s^k, s^l)`, plus the bulk's own component
    :math:`\mu_1\sqrt cW_0\hat b` (Gram :math:`\mu_1^2c\beta`) in the linear channel. The bulk variance
    :math:`c` is the step's, with the self-move factor (``docs/derivations/bulk_variance.md``), or 1
    (``bulk_noise=False``: Moniri's :math:`F_0` exactly). ``strength="infinite"`` fits the spikes without
    penalty (the candidate closed form, ``docs/theory/risk.md#moniri-equivalent-model``).
    """
    stats = step_statistics(setup)
    gamma = stats.gamma
    c_bulk = stats.bulk_variance if bulk_noise else 1.0
    t = setup.lr * stats.c1_step * math.sqrt(stats.b_norm_sq)
    kd = srf_kappa_data(setup.activation, setup.target, r=0.0, c=c_bulk, gamma=gamma, noise_var=setup.noise_var)
    kmax = max(degs)
    ck = scaled_series_coefficients(setup.activation, c_bulk, kmax)
    ck[1] = float(kd.mu1[0])
    params = dict(gamma=gamma, t=t, theta=abs(t) * math.sqrt(setup.width), c=c_bulk, degrees=list(degs),
                  alpha=stats.moniri_alpha, strength=strength)
    p = setup.width
    mu0 = float(kd.mu0[0])
    mu1sq = float(kd.mu1[0]) ** 2
    beta = setup.width_ratio
    if strength == "infinite":
        if setup.readout != "gaussian":
            raise NotApplicable("strength='infinite' needs readout='gaussian' (distinct spike directions s^(k))")
        return ChannelModel(kd, [channel(kd.mu0, "ones", p)], np.zeros((1, 1)), [kd.nodes**k for k in degs],
                            c_bulk, True, gamma, params)
    ms = readout_power_moments(setup.readout, 2 * kmax)
    u = mu0 + sum(ck[k] * t**k * ms[k] * kd.nodes**k for k in degs)
    channels = [channel(u, "ones", p)]
    for k in degs:
        channels.append(channel(kd.nodes**k, "spike" if k == 1 else None, mu1sq * c_bulk * beta if k == 1 else 0.0,
                                vec_coef=math.sqrt(mu1sq)))
    K = len(channels)
    G_const = np.zeros((K, K))
    for i, k in enumerate(degs, start=1):
        for j, l in enumerate(degs, start=1):
            G_const[i, j] = p * ck[k] * ck[l] * t ** (k + l) * (ms[k + l] - ms[k] * ms[l])
    return ChannelModel(kd, channels, G_const, None, c_bulk, True, gamma, params)


def check_degrees(degrees):
    """Explicit spike degrees as a sorted tuple of positive integers."""
    degs = tuple(sorted({int(k) for k in degrees}))
    if not degs or degs[0] < 1:
        raise ValueError(f"degrees must be positive integers; got {degrees!r}")
    return degs
