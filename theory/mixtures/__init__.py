r"""One gradient step on Gaussian-mixture inputs (Demir & Dogan, ICLR 2025, arXiv:2503.00856).

The data model itself is :class:`theory.GaussianMixture` (:mod:`theory.model.data`); this subpackage holds
what the theory reads from it:

* :mod:`~theory.mixtures.paper` -- the paper's two scalings (:func:`lr_from_demir_dogan`) and its setup
  (:func:`demir_dogan_setup`);
"""

from .paper import demir_dogan_setup, lr_from_demir_dogan

__all__ = ["demir_dogan_setup", "lr_from_demir_dogan"]
