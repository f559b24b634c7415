r"""One step on Gaussian-mixture inputs (Demir & Dogan, ICLR 2025, arXiv:2503.00856): the ``"mixture"`` regime.

``theory.risk(OneStep(..., data=GaussianMixture(...)), n_ridge=..., lam=...)`` dispatches here
(:attr:`Regime.solve`): the features of the equivalent first layer after the step (the rank-one move along the
learned direction, ``docs/derivations/mixture_direction.md``) under the conditional Gaussian equivalence per
component, and the deterministic equivalent of ridge on Gaussian-mixture features with its :math:`C\times C`
error system (``docs/derivations/mixture_risk.md``). The solver is :func:`theory.mixtures.mixture_risk`
(keywords ``degree``, ``draws``, ``seed`` there). Through ``theory.risk`` it uses its defaults: degree 4 and
**one** seeded draw of the weights and the batch, whose spread is that of the network's trials (about 5% at
:math:`d = 300`); for an error bar call :func:`theory.mixtures.mixture_risk` with ``draws >= 10``
(``docs/theory/mixtures.md#checks``). ``mixture_risk(..., draws=0)`` is a draw-free limit (``lr = 0`` or a
small step, zero means, degree one; ``docs/derivations/mixture_limit.md``), not the default here. It selects every non-isotropic one-step setup; for isotropic
data the other regimes answer (``data=None`` and a one-component isotropic mixture give identical numbers).
"""

from __future__ import annotations

from .._applicability import NotApplicable
from ..mixtures.risk import mixture_risk
from .base import Applicability, Regime, register

__all__ = ["REGIME"]


def _selects(setup, lr) -> Applicability:
    if setup.is_isotropic:
        return Applicability(False, "isotropic inputs: the isotropic regimes apply")
    return Applicability(True, f"inputs from {type(setup.data).__name__}: the conditional Gaussian equivalence per "
                               "component (docs/derivations/mixture_risk.md)")


def _applies(setup, lr) -> Applicability:
    if setup.readout == "symmetric":
        return Applicability(False, "method 'mixture' supports readout 'gaussian', 'rademacher' and 'constant'")
    return Applicability(True, "any one-step setup with a single-index target or a classification task")


def _parameters(setup) -> dict:
    data = setup.data
    return dict(components=getattr(data, "n_components", 1), init_scale=float(getattr(data, "init_scale", 1.0)))


def _channels(setup, **_options):
    raise NotApplicable("method 'mixture' solves its own equations (theory.mixtures.mixture_risk); it has no "
                        "risk channels")


REGIME = register(Regime(
    name="mixture",
    paper="Demir & Dogan, arXiv:2503.00856 (conditional Gaussian equivalence); Loureiro et al., arXiv:2106.03791 "
          "(Gaussian-mixture GLMs); Dandi et al., arXiv:2302.08923 (mixture universality)",
    summary="sigma(W1 x) Gaussian per component given W1 = W0 + rank-one step; C x C ridge error system",
    covers="Gaussian-mixture inputs (mixture)",
    selects=_selects,
    applies=_applies,
    parameters=_parameters,
    channels=_channels,
    spike_model=lambda setup: None,
    docs="docs/derivations/mixture_risk.md",
    steps=(1,),
    isotropic_only=False,
    solve=mixture_risk,
))
