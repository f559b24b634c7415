r"""Random features at initialisation (``lr = 0``).

The features are :math:`\sigma(W_0x)`; their limiting ridge errors are the compact random-features system
(``docs/theory/risk.md#random-features``; Mei & Montanari, arXiv:1908.05355, in Cui et al.'s form), i.e.
the conditional GE system at :math:`(r, c, \gamma) = (0, 1, 0)` with a mean channel only.
"""

from __future__ import annotations

import numpy as np

from ..model.statistics import step_statistics
from ..ridge.conditional import constant_kappa_data
from .base import Applicability, ChannelModel, Regime, channel, register

__all__ = ["REGIME"]


def _selects(setup, lr) -> Applicability:
    if lr == 0.0:
        return Applicability(True, "lr = 0: random features at initialisation (docs/theory/risk.md#random-features)")
    return Applicability(False, f"lr = {lr:g} is not 0")


def _applies(setup, lr) -> Applicability:
    return Applicability(True, "random features apply to any setup (they ignore the step)")


def _parameters(setup) -> dict:
    act = step_statistics(setup).activation_moments
    return dict(mu0=act.mu0, mu1=act.mu1, mu_star_sq=act.mu_star_sq)


def _channels(setup, **_options) -> ChannelModel:
    st = step_statistics(setup)
    act, tgt = st.activation_moments, st.target_moments
    kd = constant_kappa_data(mu0=act.mu0, mu1=act.mu1, mu2sq=act.mu_star_sq, h=tgt.mu0, h1=tgt.mu1, hh=tgt.second,
                             noise_var=setup.noise_var)
    return ChannelModel(kd, [channel(kd.mu0, "ones", setup.width)], np.zeros((1, 1)), None, 1.0, False, 0.0,
                        _parameters(setup))


REGIME = register(Regime(
    name="rf",
    paper="Mei & Montanari, arXiv:1908.05355 (random features); Cui et al., arXiv:2402.04980 (this form)",
    summary="sigma(W0 x): one mean channel, the target in the bulk",
    covers="lr = 0 (rf)",
    selects=_selects,
    applies=_applies,
    parameters=_parameters,
    channels=_channels,
    spike_model=lambda setup: None,
    docs="docs/theory/risk.md#random-features",
))
