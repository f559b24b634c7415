"""Outliers after one step: which polynomial features spike, where they sit and how they align.

* :mod:`~theory.spikes.predictions` -- Moniri et al.'s interval theorem (:func:`theory.spike_degrees`),
  the learned direction (:func:`theory.learned_overlap`), Ba et al.'s weight spike
  (:func:`theory.weight_spike`);
* :mod:`~theory.spikes.feature_spectrum` -- the outliers of the feature matrix :math:`F/\\sqrt n`
  (asymptotic and finite-size equivalents).
"""

from ..model import onestep as _onestep
from .feature_spectrum import feature_spikes as _feature_spikes
from .predictions import learned_overlap as _learned_overlap, weight_spike as _weight_spike

# OneStep's shortcut methods reach this layer through a hook (the model layer does not import upwards)
_onestep.SHORTCUTS.update(spikes=_feature_spikes, learned_overlap=_learned_overlap, weight_spike=_weight_spike)

__all__: list[str] = []
