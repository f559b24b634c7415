r"""Gaussian moments of an activation or a single-index target that the spike formulas need.

Small helpers shared by :mod:`theory.spikes` and :mod:`theory.feature_spectrum`: every
average is a kink-aware Gaussian quadrature (:func:`theory.hermite.gaussian_rule`) or a Hermite
coefficient (:func:`theory.hermite.hermite_coefficients`), never a plain Gauss-Hermite rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .hermite import gaussian_rule, hermite_coefficients

__all__ = ["GaussianMoments", "gaussian_moments"]


@dataclass(frozen=True)
class GaussianMoments:
    r"""Moments of :math:`f(z)`, :math:`z\sim N(0,1)`.

    Attributes
    ----------
    mu0, mu1, mu2 : float
        Plain Hermite coefficients :math:`E[f He_k]` (:math:`\mu_2 = E f''`).
    second : float
        :math:`E f^2`.
    deriv_second : float
        :math:`E f'^2` (so :math:`\mathrm{Var} f' = E f'^2 - \mu_1^2`).
    """

    mu0: float
    mu1: float
    mu2: float
    second: float
    deriv_second: float

    @property
    def mu_star_sq(self) -> float:
        r""":math:`\mu_*^2 = E f^2 - \mu_0^2 - \mu_1^2` (``notes/README.md``, Hermite conventions)."""
        return max(self.second - self.mu0**2 - self.mu1**2, 0.0)

    @property
    def var_deriv(self) -> float:
        r""":math:`\mathrm{Var}\, f'(z) = E f'^2 - \mu_1^2` (Cui et al.'s :math:`c`, ``notes/risk.md`` §3.2)."""
        return max(self.deriv_second - self.mu1**2, 0.0)


def gaussian_moments(act) -> GaussianMoments:
    r"""The moments of an :class:`~theory.activations.Activation` used by the spike formulas.

    >>> m = gaussian_moments(__import__("theory").activation("relu"))
    >>> bool(np.isclose(m.second, 0.5)) and bool(np.isclose(m.deriv_second, 0.5))
    True
    """
    coef = hermite_coefficients(act, 2, basis="plain").values
    z, w = gaussian_rule(act.kinks, degree=4)
    fz = np.asarray(act(z), dtype=float)
    dz = np.asarray(act.deriv(z), dtype=float)
    return GaussianMoments(float(coef[0]), float(coef[1]), float(coef[2]), float(w @ fz**2), float(w @ dz**2))
