"""The regimes of one step, one module each, and their registry.

* :mod:`~theory.regimes.base` -- what a regime declares (:class:`Regime`) and the registry
  (:func:`register`, :func:`get`, :func:`available`);
* :mod:`~theory.regimes.rf` -- random features at initialisation;
* :mod:`~theory.regimes.ba` -- Ba et al.'s small step (arXiv:2205.01445);
* :mod:`~theory.regimes.srf` -- Cui et al.'s spiked random features (arXiv:2402.04980);
* :mod:`~theory.regimes.moniri` -- Moniri et al.'s growing steps (arXiv:2310.07891);
* :mod:`~theory.regimes.two_step` -- two steps with their own sizes (arXiv:2605.17767), reduced to one.

Method selection (:func:`theory.select_method`), :func:`theory.risk`, the simulator's equivalent models,
the reproductions and the command line read this registry. ``method="auto"`` tries the regimes in
registration order: rf, ba, srf, moniri. Adding a regime is one module that builds a :class:`Regime` and
calls :func:`register`, imported below, plus its tests and documentation page (``docs/architecture.md``).
"""

from .base import (Applicability, ChannelModel, EquivalentModel, Regime, available, get, register, simulator_models,
                   simulator_regime, unregister)
from . import rf, ba, srf, moniri, two_step, mixture  # noqa: E402,F401  (registration order = the order of method="auto")

__all__ = ["Applicability", "ChannelModel", "EquivalentModel", "Regime", "available", "get", "register",
           "simulator_models", "simulator_regime", "unregister"]
