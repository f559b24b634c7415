r"""Ba et al.'s small step (arXiv:2205.01445): :math:`\eta = \tau\sqrt N = \Theta(1)`, one weight spike of order one.

``method="auto"`` picks it when Moniri's exponent :math:`\alpha = \log(\tau\sqrt N)/\log n \le 0`. Given the
weights after the step (``W1=``), the risk is Ba et al.'s conditional formula
(``docs/theory/risk.md#ba-conditional-formula``); otherwise its deterministic limit, the GE system with
one linear spike channel of Gram weight :math:`\beta + \theta^2` (``docs/derivations/ge_system.md`` §3,
:func:`theory.regimes._common.spiked_channels` with degree 1). Spike model: :func:`theory.weight_spike`.
"""

from __future__ import annotations

from ..ridge.ba_conditional import conditional_spectrum
from ..spikes.predictions import weight_spike
from ._common import check_degrees, spiked_channels, step_exponent
from .base import Applicability, ChannelModel, Regime, register

__all__ = ["REGIME"]


def _selects(setup, lr) -> Applicability:
    alpha = step_exponent(setup, lr)
    if lr != 0.0 and alpha <= 0.0:
        return Applicability(True, (f"Moniri alpha = log(lr sqrt(width))/log(n) = {alpha:.3g} <= 0: Ba et al.'s "
                                    "eta = Theta(1) regime, a weight spike of order one "
                                    "(docs/theory/risk.md#ba-conditional-formula)"))
    return Applicability(False, f"alpha = {alpha:.3g} > 0" if lr != 0.0 else "lr = 0")


def _applies(setup, lr) -> Applicability:
    return Applicability(True, "the degree-1 equivalent model can be evaluated at any step")


def _channels(setup, *, degrees=None, strength="finite", bulk_noise=True, **_options) -> ChannelModel:
    degs = check_degrees(degrees) if degrees is not None else (1,)
    return spiked_channels(setup, degs, strength=strength, bulk_noise=bulk_noise)


REGIME = register(Regime(
    name="ba",
    paper="Ba et al., arXiv:2205.01445",
    summary="W1 = W0 + theta s u^T: one linear channel of Gram mu1^2 (beta + theta^2)",
    covers="alpha <= 0 (ba)",
    selects=_selects,
    applies=_applies,
    parameters=lambda setup: _channels(setup).parameters,
    channels=_channels,
    options=frozenset({"degrees", "strength", "bulk_noise"}),
    spike_model=weight_spike,
    conditional=conditional_spectrum,
    docs="docs/theory/risk.md#ba-conditional-formula",
))
