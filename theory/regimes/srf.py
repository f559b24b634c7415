r"""Cui et al.'s spiked random features (arXiv:2402.04980): :math:`w_i^1 = \sqrt c\,w_i^0 + r\,s_i\hat v`.

Applies when every neuron receives the same spike (``readout="constant"``, or ``"rademacher"`` with an odd
activation), at any step size. Parameters :math:`(r, c, \gamma)` from :func:`theory.srf_parameters`
(``docs/theory/step.md#spiked-rf-parameters``); risk channels: the mean :math:`\mu_0(\kappa)` and the spike
:math:`\mu_1(\kappa)\kappa` of the conditional GE system (``docs/theory/risk.md#spiked-random-features``),
plus the alignment term of ``docs/derivations/srf_alignment.md`` (``theory.risk``'s default for this regime;
``alignment_term=False`` is Cui et al.'s published model, ``docs/validation/srf_gap.md`` the evidence). The
simulator's model ``"srf"`` draws the surrogate weights with a uniform :math:`\hat\zeta\perp\beta_*`.

Known gap (located, not in the equations): a student with :math:`E\sigma''\ne0` (relu, softplus) on a target
with a second Hermite coefficient also moves each neuron by :math:`k_2 s_i\rho_i\beta_*`,
:math:`k_2 = \tau E[f^{*\prime\prime}]E[\sigma'']` (``docs/derivations/srf_alignment.md``, last section); for relu on
:math:`He_2` or :math:`\sin + He_2/2` both versions of the equations are about 40% above the network
(``docs/validation/srf_gap.md``).
"""

from __future__ import annotations

import math

import numpy as np

from .._applicability import NotApplicable
from ..ridge.conditional import smoothed_moments, srf_kappa_data
from ..ridge.srf import common_spike_readout, srf_parameters
from ._common import step_exponent
from .base import Applicability, ChannelModel, EquivalentModel, Regime, channel, register

__all__ = ["REGIME", "equivalent_model"]


def _selects(setup, lr) -> Applicability:
    alpha = step_exponent(setup, lr)
    if lr != 0.0 and alpha > 0.0 and common_spike_readout(setup):
        return Applicability(True, f"alpha = {alpha:.3g} > 0 and every neuron receives the same spike (readout "
                                   f"{setup.readout!r}): Cui et al.'s spiked random features "
                                   "(docs/theory/risk.md#spiked-random-features)")
    return Applicability(False, "needs lr != 0, alpha > 0 and a common spike")


def _applies(setup, lr) -> Applicability:
    if lr != 0.0 and not common_spike_readout(setup):
        return Applicability(False, (
            f"method 'srf' needs every neuron to receive the same spike: readout 'constant', or 'rademacher' with an "
            f"odd activation; got readout {setup.readout!r} with activation {setup.activation.name!r}"))
    return Applicability(True, "every neuron receives the same spike")


def _parameters(setup) -> dict:
    prm = srf_parameters(setup)
    return dict(r=prm.r, c=prm.c, gamma=prm.gamma, alignment_coefficient=prm.alignment_coefficient)


def _alignment_function(setup, prm, kd) -> np.ndarray:
    r"""What the alignment term adds to the spike channel's function (``docs/derivations/srf_alignment.md``).

    Neuron :math:`i`'s bulk scale is :math:`\sqrt c + \hat c\,(w_i^0\cdot\hat v)`, so its conditional mean
    moves by :math:`\hat c\,(w_i^0\cdot\hat v)\,\partial_s E\sigma(sz + r\kappa)|_{s=\sqrt c}`, with
    :math:`\partial_s E\sigma(sz+r\kappa) = E[(z^2-1)\sigma(sz+r\kappa)]/s`. The neuron vector
    :math:`W_0\hat v` is the spike channel's :math:`W\hat v` over :math:`\sqrt c`, hence the function
    :math:`\hat c\,E[(z^2-1)\sigma(\sqrt c z+r\kappa)]/c` on that channel.
    """
    he2 = smoothed_moments(setup.activation, prm.r * kd.nodes, math.sqrt(prm.c), he2=True)[3]
    return prm.alignment_coefficient * he2 / prm.c


def _channels(setup, *, alignment_term=False, **_options) -> ChannelModel:
    prm = srf_parameters(setup)
    kd = srf_kappa_data(setup.activation, setup.target, r=prm.r, c=prm.c, gamma=prm.gamma, noise_var=setup.noise_var)
    spike_phi = kd.mu1 * kd.nodes
    params = _parameters(setup)
    if alignment_term:
        spike_phi = spike_phi + _alignment_function(setup, prm, kd)
    channels = [channel(kd.mu0, "ones", setup.width), channel(spike_phi, "spike", prm.c * setup.width_ratio)]
    return ChannelModel(kd, channels, np.zeros((2, 2)), None, prm.c, True, prm.gamma, params)


def equivalent_model(setup, W0, s, beta, rng, *, alignment_term: bool = False, **_options) -> EquivalentModel:
    r"""Weights :math:`\sqrt c\,W_0 + r\,s\,\hat v^\top` of the spiked random features on one draw, with
    :math:`\hat v = \gamma\beta_* + \sqrt{1-\gamma^2}\,\hat\zeta`, :math:`\beta_* = e_1` and ``rng`` drawing
    :math:`\hat\zeta` uniform on the sphere orthogonal to it (``docs/theory/simulation.md#cui-et-al``).

    With ``alignment_term=True`` each row also gets :math:`\hat c\,s_i(w_i^0\cdot\hat v)w_i^0`
    (``docs/derivations/srf_alignment.md``). ``beta`` (the draw's learned direction) is not used: the
    surrogate's spike direction is the limit's. Needs readout values of constant modulus.
    """
    if setup.readout == "gaussian":
        raise NotApplicable("model='srf' needs readout values of constant modulus (constant, rademacher or "
                            "symmetric); got readout='gaussian'")
    prm = srf_parameters(setup)
    d = W0.shape[1]
    zeta = rng.standard_normal(d)
    zeta[0] = 0.0
    zeta /= np.linalg.norm(zeta)
    v = prm.rho * zeta
    v[0] += prm.gamma
    W0f, sf = np.asarray(W0, dtype=float), np.asarray(s, dtype=float)
    scale = np.full(W0f.shape[0], math.sqrt(prm.c))
    if alignment_term:
        scale = scale + prm.alignment_coefficient * sf * (W0f @ v)
    W = scale[:, None] * W0f + prm.r * np.outer(sf, v)
    return EquivalentModel(weights=W.astype(W0.dtype, copy=False), direction=v, shift=(prm.r * sf, v),
                           parameters=prm)


REGIME = register(Regime(
    name="srf",
    paper="Cui et al., arXiv:2402.04980",
    summary="w_i = sqrt(c) w_i0 + r s_i v: channels mu0(kappa) (mean) and mu1(kappa) kappa (spike)",
    covers="a common spike, i.e. readout 'constant' or 'rademacher' with an odd activation (srf)",
    selects=_selects,
    applies=_applies,
    parameters=_parameters,
    channels=_channels,
    options=frozenset({"alignment_term"}),
    spike_model=srf_parameters,
    simulator_model="srf",
    equivalent_model=equivalent_model,
    equivalent_options=lambda setup, degrees=None: {},
    docs="docs/theory/risk.md#spiked-random-features",
))
