"""Outliers after one step: which polynomial features spike, where they sit and how they align.

* :mod:`~theory.spikes.predictions` -- Moniri et al.'s interval theorem (:func:`theory.spike_degrees`),
  the learned direction (:func:`theory.learned_overlap`), Ba et al.'s weight spike
  (:func:`theory.weight_spike`);
* :mod:`~theory.spikes.feature_spectrum` -- the outliers of the feature matrix :math:`F/\\sqrt n`
  (asymptotic and finite-size equivalents).
"""

__all__: list[str] = []
