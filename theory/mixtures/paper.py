r"""Demir & Dogan's two scalings and their experiment, in this library's conventions.

Their network (ICLR 2025, arXiv:2503.00856) is :math:`f(x) = k^{-1/2}\,w^\top\sigma(Fx)` with
:math:`w\sim N(0, I_k/k)` and :math:`F_{ij}\sim N(0, 1/\mathrm{tr}\,\Sigma)`; one full-batch step
:math:`\hat F = F + \eta G` on the loss :math:`\frac1{2m}\sum_\mu(y_\mu - f(x_\mu))^2`. With unit-scale readout values
:math:`s = \sqrt k\,w` the output is :math:`f = \frac1k\sum_i s_i\sigma(F_ix)` (``output_scale = 1/width``) and the
gradient of neuron :math:`i` is :math:`-\frac{s_i}{k}\frac1m\sum_\mu r_\mu\sigma'(F_ix_\mu)x_\mu`, so the per-neuron
step of the library is

.. math:: \tau = \eta/k, \qquad \eta = d^{\alpha\beta}, \qquad \theta = d^{(1-\alpha)\beta},

(their input dimension :math:`n` is our ``d``, their width :math:`k` our ``width``): :math:`\beta` is the
strength, :math:`\alpha` the share of it carried by the learning rate, and :math:`\eta\theta = d^\beta`.
"""

from __future__ import annotations

import math

from .._checks import check_in_interval, check_positive

__all__ = ["lr_from_demir_dogan", "demir_dogan_setup"]


def lr_from_demir_dogan(d, width, *, beta, alpha, eta0=1.0) -> float:
    r"""Per-neuron step :math:`\tau = \eta_0 d^{\alpha\beta}/\mathrm{width}` of Demir & Dogan's learning rate
    :math:`\eta = \eta_0 d^{\alpha\beta}` (arXiv:2503.00856; derivation in the module docstring).

    >>> lr_from_demir_dogan(1000, 500, beta=0.74, alpha=0.5) == 1000 ** 0.37 / 500
    True
    >>> lr_from_demir_dogan(1000, 500, beta=0.74, alpha=0.0)
    0.002
    """
    d = check_positive(d, "d")
    width = check_positive(width, "width")
    beta = check_in_interval(beta, "beta", 0.0, 1.0)
    alpha = check_in_interval(alpha, "alpha", 0.0, 1.0)
    return check_positive(eta0, "eta0") * d ** (alpha * beta) / width


def demir_dogan_setup(d, width, n, *, beta, alpha, activation="relu", ranks=(1, 1), weights=None, alignment=None,
                      target="random", spread="fixed", task="regression", counts="deterministic", noise_var=0.0,
                      eta0=1.0, seed=0):
    r"""The experiment of Demir & Dogan (arXiv:2503.00856) as a :class:`theory.OneStep`.

    * data: :meth:`theory.GaussianMixture.from_demir_dogan` (spikes :math:`\theta = d^{(1-\alpha)\beta}`, equal
      traces :math:`T`), with ``init="unit"`` so the simulator's Gaussian first layer has entries
      :math:`N(0, 1/T)`;
    * target :math:`y = \mathrm{ReLU}(\xi\cdot x)` with :math:`\xi = \|\bar\Sigma\|_{op}^{-1/2}e_1` (their
      normalisation), i.e. ``target=activation("relu", scale=|xi|)`` on :math:`e_1\cdot x`; ignored by the
      classification task (labels :math:`\pm1` by component);
    * network: Gaussian readout, ``output_scale = 1/width``, Gaussian init, residual :math:`y - f_0`
      (``residual="full"``), step :math:`\tau` = :func:`lr_from_demir_dogan`.

    Parameters
    ----------
    d, width, n : int
        Input dimension (their :math:`n`), width (their :math:`k`), batch of the step (their :math:`m`).
    beta, alpha : float
        Strength and weighting, both in :math:`[0, 1]`.
    activation : str or Activation
        Student activation (their Figure 1: ReLU, tanh, sigmoid).
    ranks, weights, alignment, target, spread, task, counts, seed
        Passed to :meth:`theory.GaussianMixture.from_demir_dogan`.
    noise_var, eta0 : float
        Label noise (theirs: 0) and the prefactor of :math:`\eta`.

    Examples
    --------
    >>> s = demir_dogan_setup(400, 200, 400, beta=0.5, alpha=1.0)
    >>> s.lr == 400 ** 0.5 / 200, s.readout, s.init, s.data.traces
    (True, 'gaussian', 'gaussian', (401.0, 401.0))
    >>> round(float(s.target(1.0)) ** 2 * s.data.operator_norm(), 12)    # |xi|^2 ||Sigma_bar|| = 1
    1.0
    """
    from ..hermite.activations import activation as _activation
    from ..model.data import GaussianMixture
    from ..model.onestep import OneStep

    data = GaussianMixture.from_demir_dogan(d, beta=beta, alpha=alpha, ranks=ranks, weights=weights,
                                            alignment=alignment, target=target, spread=spread, task=task,
                                            counts=counts, seed=seed)
    scale = 1.0 / math.sqrt(data.operator_norm())
    tgt = _activation("relu") if scale == 1.0 else _activation("relu", scale=scale)
    return OneStep(activation=activation, target=tgt, d=d, width=width, n=n,
                   lr=lr_from_demir_dogan(d, width, beta=beta, alpha=alpha, eta0=eta0), noise_var=noise_var,
                   readout="gaussian", init="gaussian", residual="full", data=data)
