r"""What a regime declares, and the registry that method selection, ``theory.risk``, the simulator, the
reproductions and the command line read (``docs/architecture.md``, "Adding a regime").

A regime is one description of the features after the step, valid for some setups: random features at
initialisation, Cui et al.'s spiked random features, Ba et al.'s small step, Moniri et al.'s growing
steps. Each is one module of :mod:`theory.regimes` that builds a :class:`Regime` and registers it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

__all__ = ["Applicability", "ChannelModel", "EquivalentModel", "Regime", "register", "unregister", "get", "available",
           "simulator_models", "simulator_regime", "channel"]


@dataclass(frozen=True)
class Applicability:
    """Whether a regime applies to a setup (``bool(a)``), and why or why not (``a.reason``)."""

    ok: bool
    reason: str

    def __bool__(self) -> bool:
        return bool(self.ok)


@dataclass(frozen=True, eq=False)
class ChannelModel:
    r"""What :func:`theory.risk` needs to assemble the conditional GE system of a regime
    (``docs/derivations/ge_system.md``).

    Attributes
    ----------
    kappa : KappaData
        Conditional Gaussian-equivalence coefficients on the :math:`\kappa` nodes.
    channels : list of dict
        One per spike channel (:func:`channel`): its function of :math:`\kappa`, its feature vector
        (``"ones"``, ``"spike"`` or ``None``) and the limit of that vector's squared norm.
    gram_const : ndarray
        The part of the channels' Gram matrix that does not involve :math:`W_0`.
    unregularised : list of ndarray or None
        Functions of :math:`\kappa` fitted without penalty.
    scale : float
        Variance :math:`c` of the bulk :math:`\sqrt c\,W_0`.
    project : bool
        Whether the spike direction is projected out of the bulk's target direction.
    gamma : float
        Alignment of the spike direction with the target.
    parameters : dict
        The regime's parameters, reported in ``RiskResult.parameters``.
    """

    kappa: object
    channels: list
    gram_const: np.ndarray
    unregularised: list | None
    scale: float
    project: bool
    gamma: float
    parameters: dict


@dataclass(frozen=True, eq=False)
class EquivalentModel:
    r"""The features of a regime's equivalent model on one draw, for the simulator.

    The features are :math:`\sigma(XW^\top) + \sum_{k} c_k(\tau c_1)^k (X d)^{\circ k}(s^{\circ k})^\top` with
    ``W = weights``, ``d = direction`` and the sum over ``degrees`` (empty for a spiked-RF model, whose
    spike is inside ``weights``).

    Attributes
    ----------
    weights : ndarray
        First layer of the bulk, ``width x d``.
    direction : ndarray
        The spike direction in input space (the spiked RF's :math:`\hat v`, Moniri's :math:`\beta`).
    degrees : tuple of int
        Degrees of the additive polynomial spikes.
    coefficients : ndarray or None
        Series coefficients :math:`c_k` of the activation (index ``k``).
    c1 : float or None
        :math:`E\sigma'`.
    readout : ndarray or None
        The readout values :math:`s` (for the additive spikes).
    shift : tuple or None
        ``(per-neuron size, direction)`` of the rank-one shift of the weights, for a spike-free reference.
    parameters : object
        The regime's parameters for this draw.
    """

    weights: np.ndarray
    direction: np.ndarray
    degrees: tuple = ()
    coefficients: np.ndarray | None = None
    c1: float | None = None
    readout: np.ndarray | None = None
    shift: tuple | None = None
    parameters: object = None


@dataclass(frozen=True)
class Regime:
    r"""One regime of the step, as the rest of the library sees it.

    Attributes
    ----------
    name : str
        The ``method`` of :func:`theory.risk` (``"rf"``, ``"srf"``, ...).
    paper : str
        The source, with its arXiv id.
    summary : str
        One line: the model of the features.
    covers : str
        When ``method="auto"`` picks it (for the message when no regime applies).
    selects : callable
        ``selects(setup, lr) -> Applicability``: whether ``method="auto"`` picks this regime.
    applies : callable
        ``applies(setup, lr) -> Applicability``: whether the regime may be requested explicitly.
    parameters : callable
        ``parameters(setup) -> dict`` of the regime's parameters at ``setup`` (its ``lr``).
    channels : callable
        ``channels(setup, *, degrees, strength, bulk_noise, alignment_term) -> ChannelModel`` for ``setup``
        at its ``lr`` (the risk channels).
    options : frozenset
        The keyword options of :func:`theory.risk` the regime uses (e.g. ``"alignment_term"``).
    spike_model : callable or None
        ``spike_model(setup)``: the regime's prediction for the spikes (``None``: no spike).
    conditional : callable or None
        ``conditional(W1, activation, target, beta_star)``: a formula conditional on the weights after the
        step (Ba et al.'s), used when ``theory.risk`` gets ``W1``.
    simulator_model : str or None
        The ``model=`` name of :func:`validation.simulate` that draws this regime's equivalent features.
    equivalent_model : callable or None
        ``equivalent_model(setup, W0, s, beta, rng, **options) -> EquivalentModel`` (pure: ``rng`` is given).
    equivalent_options : callable or None
        ``equivalent_options(setup, degrees) -> dict``: what the simulator computes once per call.
    docs : str
        The documentation page.
    steps : tuple of int
        The numbers of gradient steps (``setup.steps``) the regime describes; :func:`theory.risk` and
        ``method="auto"`` consider only the regimes that list ``setup.steps`` (default: one step).
    isotropic_only : bool
        The regime assumes :math:`x\sim N(0, I_d)`: :func:`theory.risk` and ``method="auto"`` do not use it for a
        setup whose ``data`` is not isotropic (``setup.is_isotropic``), rather than answer for the wrong inputs.
    delegate : callable or None
        ``delegate(setup, lr) -> name``: the regime this one reduces to at ``setup`` (e.g. two steps to one step);
        the defaults of the options (the alignment term's auto choice) follow that regime.
    solve : callable or None
        ``solve(setup, n_ridge, lam, *, lr, W0, W1, tol, max_iter) -> RiskResult``: a regime that solves its own
        equations (e.g. several data components) instead of assembling :attr:`channels` into the GE system.
    """

    name: str
    paper: str
    summary: str
    covers: str
    selects: Callable
    applies: Callable
    parameters: Callable
    channels: Callable
    options: frozenset = field(default_factory=frozenset)
    spike_model: Callable | None = None
    conditional: Callable | None = None
    simulator_model: str | None = None
    equivalent_model: Callable | None = None
    equivalent_options: Callable | None = None
    docs: str = ""
    steps: tuple = (1,)
    isotropic_only: bool = True
    solve: Callable | None = None
    delegate: Callable | None = None


_REGISTRY: dict[str, Regime] = {}


def register(regime: Regime) -> Regime:
    """Add a regime; ``method="auto"`` tries the regimes in the order they were registered.

    Raises ``TypeError`` for anything but a :class:`Regime` and ``ValueError`` for a name that is taken
    (by a regime or by ``"auto"``).
    """
    if not isinstance(regime, Regime):
        raise TypeError(f"regime must be a theory.regimes.Regime; got {type(regime).__name__}")
    if not isinstance(regime.name, str) or not regime.name.isidentifier() or regime.name == "auto":
        raise ValueError(f"a regime's name must be an identifier other than 'auto'; got {regime.name!r}")
    if regime.name in _REGISTRY:
        raise ValueError(f"a regime named {regime.name!r} is already registered")
    _REGISTRY[regime.name] = regime
    return regime


def unregister(name: str) -> Regime:
    """Remove the regime ``name`` from the registry and return it (``ValueError`` if there is none)."""
    regime = get(name)
    del _REGISTRY[name]
    return regime


def available() -> tuple:
    """Names of the registered regimes, in the order ``method="auto"`` tries them."""
    return tuple(_REGISTRY)


def get(name: str) -> Regime:
    """The regime called ``name``; ``ValueError`` naming the registered ones otherwise."""
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(f"method must be one of {', '.join(('auto',) + available())}; got {name!r}") from None


def simulator_models() -> tuple:
    """The ``model=`` names of the simulator's equivalent models, one per regime that has one."""
    return tuple(r.simulator_model for r in _REGISTRY.values() if r.simulator_model)


def simulator_regime(model: str) -> Regime:
    """The regime whose equivalent model the simulator calls ``model``."""
    for r in _REGISTRY.values():
        if r.simulator_model == model:
            return r
    raise ValueError(f"no regime has the equivalent model {model!r}; known: {', '.join(simulator_models())}")


def channel(phi, vec, lim, vec_coef=1.0) -> dict:
    """One risk channel: function ``phi`` of :math:`\\kappa`, its exact feature vector kind (``"ones"``,
    ``"spike"`` for ``vec_coef * W v`` or ``None``) and the limit of that vector's squared norm ``lim``."""
    return dict(phi=np.asarray(phi, dtype=float), vec=vec, lim=float(lim), vec_coef=float(vec_coef))
