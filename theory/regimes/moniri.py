r"""Moniri et al.'s growing steps (arXiv:2310.07891): :math:`\eta = n^\alpha`, :math:`0 < \alpha < 1/2`.

The features are :math:`F_0 + \sum_{k\in K} c_k(\tau c_1)^k(X\beta)^{\circ k}(s^{\circ k})^\top` with the degrees
:math:`K` of the interval theorem (:func:`theory.spike_degrees`, ``docs/theory/spikes.md#interval-theorem``);
risk channels: the mean channel plus one per degree, with finite strengths
(``docs/derivations/ge_system.md`` §4) or fitted without penalty (``strength="infinite"``, the closed form
of ``docs/theory/risk.md#moniri-equivalent-model``). Needs a Gaussian readout (distinct spike directions
:math:`s^{\circ k}`) and a learned direction independent of :math:`W_0` (the step on the labels; see
``OneStep.from_moniri``). The simulator's model ``"equivalent"`` draws these features.
"""

from __future__ import annotations

import math

import numpy as np

from ..hermite.moments import gaussian_moments
from ..model.statistics import step_statistics
from ..spikes.predictions import spike_degrees
from ._common import check_degrees, spiked_channels, step_exponent
from .base import Applicability, ChannelModel, EquivalentModel, Regime, register

__all__ = ["REGIME", "equivalent_model", "equivalent_options", "interval_degrees", "series_coefficients"]


def interval_degrees(alpha: float) -> tuple:
    r"""Degrees :math:`1..\ell` with :math:`\alpha > (k-1)/(2k)` (at least degree 1): the interval theorem
    (``docs/theory/spikes.md#interval-theorem``) without the vanishing coefficients removed. ``alpha < 1/2``.

    >>> interval_degrees(0.3)
    (1, 2)
    """
    alpha = float(alpha)
    if not alpha < 0.5:
        raise ValueError(f"the equivalent model needs alpha = setup.moniri_alpha < 1/2 (or explicit degrees); got {alpha:g}")
    ell = 1
    while alpha > ell / (2.0 * (ell + 1)):  # degree ell+1 present iff alpha > ell/(2(ell+1))
        ell += 1
    return tuple(range(1, ell + 1))


def _selects(setup, lr) -> Applicability:
    alpha = step_exponent(setup, lr)
    if lr != 0.0 and setup.readout == "gaussian" and 0.0 < alpha < 0.5:
        return Applicability(True, (f"alpha = {alpha:.3g} in (0, 1/2) with a Gaussian readout: Moniri et al.'s "
                                    "equivalent model with diverging spikes (docs/theory/risk.md#moniri-equivalent-model)"))
    return Applicability(False, "needs a Gaussian readout and 0 < alpha < 1/2")


def _applies(setup, lr) -> Applicability:
    alpha = step_exponent(setup, lr)
    if not 0.0 < alpha < 0.5:
        return Applicability(False, f"method 'moniri' needs Moniri's alpha = log(lr sqrt(width))/log(n) in (0, 1/2); "
                                    f"got {alpha:.4g}")
    if setup.readout != "gaussian":
        return Applicability(False, (f"method 'moniri' needs readout='gaussian' (the spikes a^(k) are then distinct "
                                     f"directions); got {setup.readout!r} (use method='srf' for a common spike)"))
    st = step_statistics(setup.with_(lr=lr))
    f0_component = abs(st.c1) * math.sqrt(st.f0_norm_sq)
    if f0_component > 0.05 * math.sqrt(st.norm_sq):
        return Applicability(False, (
            "method 'moniri' needs a learned direction independent of the initial features: with residual='full' "
            f"and output_scale {setup.effective_output_scale:g} the step carries the initial network's component "
            f"(relative size {f0_component / math.sqrt(st.norm_sq):.3g}, docs/theory/step.md#the-learned-direction), "
            "which is correlated with F0 and not covered; use residual='labels' or a smaller output_scale"))
    return Applicability(True, f"alpha = {alpha:.3g} in (0, 1/2), Gaussian readout, step on the labels")


def _degrees(setup, degrees):
    return check_degrees(degrees) if degrees is not None else tuple(spike_degrees(setup.moniri_alpha,
                                                                                   setup.activation).degrees)


def _channels(setup, *, degrees=None, strength="finite", bulk_noise=True, **_options) -> ChannelModel:
    return spiked_channels(setup, _degrees(setup, degrees), strength=strength, bulk_noise=bulk_noise)


def _spike_model(setup):
    return spike_degrees(setup.moniri_alpha, setup.activation, readout=setup.readout)


def series_coefficients(activation, degrees) -> tuple:
    r"""``(c, c1)``: the series coefficients :math:`c_k` (:math:`\sigma = \sum c_k He_k`, index ``k``) up to
    ``max(degrees)`` and :math:`c_1 = E\sigma'`."""
    from ..hermite.engine import hermite_coefficients

    ck = np.asarray(hermite_coefficients(activation, max(degrees), basis="series").values, dtype=float)
    return ck, float(gaussian_moments(activation, label="activation").deriv_mean)


def equivalent_options(setup, degrees=None) -> dict:
    r"""What the simulator computes once per call: the degrees (default :func:`interval_degrees` at
    ``setup.moniri_alpha``) and :func:`series_coefficients`."""
    degs = tuple(degrees) if degrees is not None else interval_degrees(setup.moniri_alpha)
    ck, c1 = series_coefficients(setup.activation, degs)
    return dict(degrees=degs, coefficients=ck, c1=c1)


def equivalent_model(setup, W0, s, beta, rng=None, *, degrees, coefficients, c1, expansion="series",
                     **_options) -> EquivalentModel:
    r"""Moniri et al.'s equivalent features on one draw: the bulk :math:`\sigma(XW_0^\top)` plus the spikes of
    ``degrees`` along the draw's learned direction ``beta`` (``rng`` is not used).

    ``expansion="exact"`` keeps the rank-one part of the step unexpanded instead:
    :math:`\sigma(X(W_0 + \tau c_1 s\beta^\top)^\top)`, every degree at once (``degrees`` ignored). On the same
    draw it is within 1.0% (d = 500) and 1.5% (d = 1000) of the network's test error at
    :math:`\alpha = 0.355`, where the three-degree series is 4% off (``docs/derivations/moniri_gap.md``); it
    has no closed-form theory (use ``degrees`` up to :math:`\max K + 1` in :func:`theory.risk`).
    """
    if expansion == "exact":
        shift = setup.lr * c1 * np.asarray(s, dtype=float)
        return EquivalentModel(weights=np.asarray(W0) + np.outer(shift, beta), direction=beta, degrees=(),
                               readout=s, shift=(shift, beta))
    if expansion != "series":
        raise ValueError(f"expansion must be 'series' or 'exact'; got {expansion!r}")
    return EquivalentModel(weights=W0, direction=beta, degrees=tuple(degrees), coefficients=coefficients, c1=c1,
                           readout=s)


REGIME = register(Regime(
    name="moniri",
    paper="Moniri et al., arXiv:2310.07891",
    summary="F0 + sum_k c_k (tau c1)^k (X beta)^k (s^k)^T: mean channel + one channel per spike degree",
    covers="a Gaussian readout with 0 < alpha < 1/2 (moniri)",
    selects=_selects,
    applies=_applies,
    parameters=lambda setup: _channels(setup).parameters,
    channels=_channels,
    options=frozenset({"degrees", "strength", "bulk_noise"}),
    spike_model=_spike_model,
    simulator_model="equivalent",
    equivalent_model=equivalent_model,
    equivalent_options=equivalent_options,
    docs="docs/theory/risk.md#moniri-equivalent-model",
))
