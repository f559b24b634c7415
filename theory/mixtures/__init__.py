r"""One gradient step on Gaussian-mixture inputs (Demir & Dogan, ICLR 2025, arXiv:2503.00856).

The data model itself is :class:`theory.GaussianMixture` (:mod:`theory.model.data`); this subpackage holds
what the theory reads from it:

* :mod:`~theory.mixtures.paper` -- the paper's two scalings (:func:`lr_from_demir_dogan`) and its setup
  (:func:`demir_dogan_setup`);
* :mod:`~theory.mixtures.direction` -- the learned direction :math:`u = X^\top y/n` and its
  :math:`\Sigma`-weighted overlaps (:func:`mixture_direction`, ``docs/derivations/mixture_direction.md``);
* :mod:`~theory.mixtures.conditional` -- the features' conditional moments given the weights and the
  deterministic equivalent of ridge on Gaussian-mixture features (:func:`feature_moments`,
  :func:`gaussian_mixture_ridge`, ``docs/derivations/mixture_risk.md``);
* :mod:`~theory.mixtures.risk` -- ridge after the step on mixture data (:func:`mixture_risk`, the
  ``"mixture"`` regime of :func:`theory.risk`);
* :mod:`~theory.mixtures.coefficients` -- the activation's Hermite coefficients per component
  (:func:`component_coefficients`);
* :mod:`~theory.mixtures.weights` -- the first layer's spike after the step (:func:`mixture_weight_spike`);
* :mod:`~theory.mixtures.degree` -- which Hermite degrees matter at given strength and weighting, against
  Demir & Dogan's rule (:func:`hermite_degree`).

The mathematics is in ``docs/theory/mixtures.md``.
"""

from .paper import demir_dogan_setup, lr_from_demir_dogan
from .direction import MixtureDirection, mixture_direction
from .conditional import FeatureMoments, MixtureRidge, feature_moments, gaussian_mixture_ridge
from .risk import MixtureRisk, mixture_risk
from .coefficients import ComponentCoefficients, component_coefficients
from .degree import HermiteDegree, hermite_degree
from .weights import MixtureWeightSpike, mixture_weight_spike

__all__ = ["ComponentCoefficients", "HermiteDegree", "component_coefficients", "hermite_degree", "FeatureMoments", "MixtureDirection", "MixtureRidge", "MixtureRisk", "demir_dogan_setup", "mixture_risk", "feature_moments",
           "gaussian_mixture_ridge", "lr_from_demir_dogan", "mixture_direction",
           "MixtureWeightSpike", "mixture_weight_spike"]
