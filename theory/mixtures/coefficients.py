r"""Per-component Hermite coefficients of the activation under a Gaussian mixture.

A bulk neuron :math:`w` (independent of the data, :math:`|w|^2\approx\varsigma^2`, :math:`\varsigma` = the data
model's ``init_scale``) has, under component :math:`c`, the preactivation :math:`w\cdot x\sim N(w\cdot\mu_c,
w^\top\Sigma_cw)` with :math:`w^\top\Sigma_cw\to q_c = \varsigma^2\,\mathrm{tr}\,\Sigma_c/d` (concentration of the
quadratic form of an isotropic vector). Its coefficients are therefore those of :math:`\sigma` at scale
:math:`\sqrt{q_c}`, :math:`\mu_k(q_c) = E[\sigma(\sqrt{q_c}z)He_k(z)]`, shifted by the neuron's own
:math:`w\cdot\mu_c`, which over the neurons is :math:`N(0, \nu_c)`, :math:`\nu_c = \varsigma^2|\mu_c|^2/d`. Averaged
over that shift (Mehler: :math:`m + \sqrt{q}z = \sqrt{q+\nu}\,z'` with :math:`\mathrm{corr}(z, z') = \sqrt{q/(q+\nu)}`),

.. math:: E_m\,E_z[\sigma(m+\sqrt q z)He_k(z)] = \Big(\frac{q}{q+\nu}\Big)^{k/2}\mu_k(q+\nu).

With equal traces and zero means (Demir & Dogan's synthetic mixtures, arXiv:2503.00856) one set of
coefficients serves every component, and with ``init="unit"`` it is the isotropic one (:math:`\bar q = 1`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._checks import check_choice, check_integer
from .._result import Result

__all__ = ["ComponentCoefficients", "component_coefficients"]


@dataclass(frozen=True)
class ComponentCoefficients(Result):
    r"""Hermite coefficients of the activation per component (:func:`component_coefficients`).

    Attributes
    ----------
    q : ndarray (C,)
        Bulk preactivation variance :math:`q_c = \varsigma^2\mathrm{tr}\,\Sigma_c/d`.
    nu : ndarray (C,)
        Variance of the per-neuron shift :math:`w\cdot\mu_c` over the neurons, :math:`\varsigma^2|\mu_c|^2/d`.
    values : ndarray (C, kmax+1)
        :math:`\mu_k(q_c)` (no shift), in ``basis``.
    averaged : ndarray (C, kmax+1)
        The coefficients averaged over the neurons' shifts, :math:`(q/(q+\nu))^{k/2}\mu_k(q+\nu)`.
    error_estimate : ndarray (C, kmax+1)
        The Hermite engine's error bound of ``values``.
    basis : str
    """

    q: np.ndarray
    nu: np.ndarray
    values: np.ndarray
    averaged: np.ndarray
    error_estimate: np.ndarray
    basis: str


def component_coefficients(setup, kmax: int, *, basis: str = "plain") -> ComponentCoefficients:
    r"""The activation's Hermite coefficients under each component of ``setup.data`` (module docstring).

    For a given neuron with shift :math:`m` use ``theory.scaled_coefficients(act, kmax, scale=sqrt(q_c), shift=m)``.

    Examples
    --------
    >>> import theory
    >>> g = theory.GaussianMixture([0.5, 0.5], covariances=[theory.SpikedCovariance(np.eye(4)[0], 4.0), None],
    ...                            d=4, init="setup")
    >>> cc = component_coefficients(theory.OneStep(activation="relu", d=4, data=g), 2)
    >>> cc.q.tolist()                                        # tr Sigma_c / d
    [2.0, 1.0]
    >>> bool(np.allclose(cc.values[0], np.sqrt(2) * theory.hermite_coefficients("relu", 2).values))
    True
    """
    from ..hermite.transforms import scaled_coefficients
    from ..model.data import GaussianMixture

    kmax = check_integer(kmax, "kmax", minimum=0)
    check_choice(basis, ("plain", "orthonormal", "series"), "basis")
    data = setup.data if setup.data is not None else GaussianMixture([1.0], d=int(round(setup.d)))
    scale2 = float(data.init_scale) ** 2
    q = np.array([scale2 * tr / data.d for tr in data.traces])
    nu = np.array([scale2 * float(data.mean(c) @ data.mean(c)) / data.d for c in range(data.n_components)])
    res = scaled_coefficients(setup.activation, kmax, scale=np.sqrt(q), basis=basis)
    values, err = np.atleast_2d(res.values), np.atleast_2d(res.error_estimate)
    wide = np.atleast_2d(scaled_coefficients(setup.activation, kmax, scale=np.sqrt(q + nu), basis=basis).values)
    k = np.arange(kmax + 1)
    averaged = wide * (q / (q + nu))[:, None] ** (k / 2)
    return ComponentCoefficients(q=q, nu=nu, values=values, averaged=averaged, error_estimate=err, basis=basis)
