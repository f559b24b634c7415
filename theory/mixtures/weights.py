r"""The spike of the first layer after one step on Gaussian-mixture inputs (Ba et al.'s BBP transition,
arXiv:2205.01445, with the mixture's learned direction).

The step's rank-one part is :math:`\tau s\,\bar u^\top` with :math:`\bar u = \sum_c\rho_cc_{1,c}u_c`, :math:`c_{1,c} =
E\sigma'(\sqrt{q_c}z)` (``docs/derivations/mixture_direction.md``). The initial layer is isotropic whatever the data
(rows of norm :math:`\varsigma` = ``init_scale``), so in units of :math:`\varsigma` the weights are Ba et al.'s spiked
model: the row :math:`g = \hat s^\top W_1/\varsigma` has :math:`|g|^2 = 1 + \theta^2`,

.. math:: \theta^2 = \tau^2|s|^2E|\bar u|^2/\varsigma^2,\qquad |s|^2 = N E s^2,

and (Benaych-Georges & Nadakuditi 2012, as in :func:`theory.weight_spike`) there is an outlier iff
:math:`\theta^4 > \psi = N/d`, at :math:`\varsigma\sqrt{(1+\theta^2)(\psi+\theta^2)}/\theta`, with
:math:`\langle v_1, \hat g\rangle^2 = (\theta^4-\psi)/\theta^4` and
:math:`\langle\hat g, e_1\rangle^2 = \theta^2\cos^2(\bar u, e_1)/(1+\theta^2)`. Only :math:`|\bar u|` enters the weights:
the anisotropy of :math:`\bar u` (its :math:`\Sigma`-weighted norms) acts on the features, through the standard
deviation :math:`\tau c_1\sqrt{\bar u^\top\Sigma_c\bar u}` of each neuron's shift under component :math:`c`
(``feature_shift``). Left out, as in the ``mixture`` regime: the per-neuron fluctuation and the self-move of the
step (relative order :math:`\tau`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._result import Result
from ..model.statistics import readout_moments
from .coefficients import component_coefficients
from .direction import mixture_direction

__all__ = ["MixtureWeightSpike", "mixture_weight_spike"]


@dataclass(frozen=True)
class MixtureWeightSpike(Result):
    r"""The weights' spike after one step on mixture data (:func:`mixture_weight_spike`).

    Attributes
    ----------
    theta : float
        Spike strength :math:`\theta` in units of the initial rows' norm.
    outlier : bool
        :math:`\theta^4 > \psi`.
    singular_value : float
        The top singular value of :math:`W_1` (the bulk edge :math:`\varsigma(1+\sqrt\psi)` without an outlier).
    overlap_sq : float
        :math:`\langle v_1, e_1\rangle^2` (0 without an outlier).
    direction_cos_sq : float
        :math:`\cos^2(\bar u, e_1)` of the step direction.
    feature_shift : tuple of float
        :math:`\tau\sqrt{E[\bar u^\top\Sigma_c\bar u]}` per component: the standard deviation of the step's shift of
        a neuron's preactivation per unit readout (the size of the step in feature space).
    c1 : tuple of float
    """

    theta: float
    outlier: bool
    singular_value: float
    overlap_sq: float
    direction_cos_sq: float
    feature_shift: tuple
    c1: tuple


def mixture_weight_spike(setup, *, lr=None) -> MixtureWeightSpike:
    r"""Ba et al.'s weight spike for mixture inputs (module docstring).

    Examples
    --------
    Isotropic data with a linear target: :math:`\theta^2 = \tau^2N c_1^2E|u|^2` (constant readout):

    >>> import theory
    >>> s = theory.OneStep(activation="relu", target="identity", d=400, width=200, n=800, lr=0.5)
    >>> w = mixture_weight_spike(s)
    >>> bool(np.isclose(w.theta**2, 0.25 * 200 * 0.25 * (1 + (3 + 399 - 1) / 800))), w.outlier
    (True, True)
    """
    tau = float(setup.lr if lr is None else lr)
    cc = component_coefficients(setup, 1)
    c1 = cc.values[:, 1] / np.sqrt(cc.q)
    lo = mixture_direction(setup, component_weights=c1)
    data = setup.data
    scale = float(getattr(data, "init_scale", 1.0)) if data is not None else 1.0
    _, es2 = readout_moments(setup.readout)
    psi = setup.width / setup.d
    th2 = tau * tau * setup.width * es2 * lo.norm_sq / scale**2
    theta = math.sqrt(th2)
    cos2 = lo.signal_sq / lo.norm_sq if lo.norm_sq > 0 else 0.0
    outlier = th2 * th2 > psi
    if outlier:
        sv = scale * math.sqrt((1 + th2) * (psi + th2) / th2)
        ov = (th2 * th2 - psi) / (th2 * th2) * th2 * cos2 / (1 + th2)
    else:
        sv, ov = scale * (1 + math.sqrt(psi)), 0.0
    shift = tuple(abs(tau) * math.sqrt(v) for v in lo.sigma_norm_sq)
    return MixtureWeightSpike(theta=theta, outlier=bool(outlier), singular_value=sv, overlap_sq=ov,
                              direction_cos_sq=cos2, feature_shift=shift, c1=tuple(float(v) for v in c1))
