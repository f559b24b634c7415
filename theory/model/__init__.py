"""The experiment: :class:`~theory.OneStep` (network, data, step, ridge) and each paper's conventions.

* :mod:`~theory.model.onestep` -- the :class:`OneStep` description shared by every theory function and
  the simulator;
* :mod:`~theory.model.conventions` -- maps from each paper's learning rate and ridge penalty onto this
  library's (public as ``theory.conventions``).
"""

__all__: list[str] = []
