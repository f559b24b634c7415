r"""Low-order Gaussian moments of an activation or a target, with honest errors.

The risk and spike theories need, for a function :math:`f` of :math:`z\sim N(0,1)`:

* :math:`\mu_0 = E f`, :math:`\mu_1 = E[z f]` (``notes/README.md``, Hermite conventions);
* the second moment :math:`E f^2` and the remainder :math:`\mu_*^2 = E f^2 - \mu_0^2 - \mu_1^2`;
* the moments of the almost-everywhere derivative used by a gradient step,
  :math:`E f'`, :math:`E f'^2` and :math:`E[z f']` (for the step, ``notes/risk.md`` §3.2).

For continuous :math:`f`, Stein's lemma gives :math:`E f' = \mu_1`; for a jump (``step``, ``sign``)
the a.e. derivative misses the jump, so :math:`E f' \neq \mu_1`. A gradient step sees
:math:`E f'`, Gaussian equivalence sees :math:`\mu_1`; both are returned.

Every average goes through the project's Hermite engine (kink-aware composite Gauss-Legendre with a
tail check, ``notes/hermite.md`` §4), so a function with infinite variance raises a clear
``ValueError`` instead of returning a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ._result import Result
from .activations import Activation
from .hermite import hermite_coefficients

__all__ = ["GaussianMoments", "gaussian_moments"]


@dataclass(frozen=True)
class GaussianMoments(Result):
    r"""Moments of :math:`f(z)`, :math:`z\sim N(0,1)`.

    Attributes
    ----------
    mu0, mu1 : float
        :math:`E f` and :math:`E[z f]`.
    second : float
        :math:`E f^2`.
    mu_star_sq : float
        :math:`E f^2 - \mu_0^2 - \mu_1^2 \ge 0` (clipped at 0 against round-off).
    deriv_mean, deriv_second, deriv_z : float
        :math:`E f'`, :math:`E f'^2`, :math:`E[z f']` with the a.e. derivative.
    error : float
        A bound on the absolute quadrature error of every entry above.
    """

    mu0: float
    mu1: float
    second: float
    mu_star_sq: float
    deriv_mean: float
    deriv_second: float
    deriv_z: float
    error: float

    @property
    def deriv_var(self) -> float:
        r""":math:`\mathrm{Var}\,f' = E f'^2 - (E f')^2` (clipped at 0)."""
        return max(self.deriv_second - self.deriv_mean**2, 0.0)


def _average(func, kinks, what: str, label: str):
    try:
        res = hermite_coefficients(func, 0, kinks=kinks)
    except ValueError as exc:
        raise ValueError(f"{label} must have a finite {what} under z ~ N(0, 1); the quadrature failed: {exc}") from None
    return float(res.values[0]), float(res.error_estimate[0])


@lru_cache(maxsize=256)
def _moments(act: Activation, label: str) -> GaussianMoments:
    try:
        first = hermite_coefficients(act, 1)
    except ValueError as exc:
        raise ValueError(f"{label} must have a finite mean and variance under z ~ N(0, 1); the quadrature failed: {exc}") from None
    mu0, mu1 = (float(v) for v in first.values)
    errs = [float(np.max(first.error_estimate))]
    f = act.func
    kinks = tuple(act.kinks)
    second, e = _average(lambda z: f(z) ** 2, kinks, "variance E[f(z)^2]", label)
    errs.append(e)
    dmean, e = _average(act.deriv, kinks, "derivative mean E[f'(z)]", label)
    errs.append(e)
    dsec, e = _average(lambda z: act.deriv(z) ** 2, kinks, "derivative second moment E[f'(z)^2]", label)
    errs.append(e)
    dz, e = _average(lambda z: z * act.deriv(z), kinks, "moment E[z f'(z)]", label)
    errs.append(e)
    return GaussianMoments(
        mu0=mu0,
        mu1=mu1,
        second=second,
        mu_star_sq=max(second - mu0**2 - mu1**2, 0.0),
        deriv_mean=dmean,
        deriv_second=dsec,
        deriv_z=dz,
        error=max(errs),
    )


def gaussian_moments(f, *, label: str = "f") -> GaussianMoments:
    r"""Moments of ``f`` (an :class:`~theory.activations.Activation`, registry name or callable).

    ``label`` names the argument in error messages (e.g. ``"target"``). Results are cached per
    activation object.

    Examples
    --------
    ReLU: :math:`E f = 1/\sqrt{2\pi}`, :math:`\mu_1 = E f' = 1/2`, :math:`E f^2 = 1/2`,
    :math:`E f'^2 = 1/2`, :math:`E[z f'] = 1/\sqrt{2\pi}`.

    >>> m = gaussian_moments("relu")
    >>> bool(np.allclose([m.mu0, m.mu1, m.second, m.deriv_second, m.deriv_z],
    ...                  [1 / np.sqrt(2 * np.pi), 0.5, 0.5, 0.5, 1 / np.sqrt(2 * np.pi)], atol=1e-13))
    True

    For a continuous function Stein's lemma :math:`E f' = E[z f]` holds:

    >>> m = gaussian_moments("tanh")
    >>> bool(abs(m.deriv_mean - m.mu1) < 1e-12)
    True
    """
    from .onestep import as_activation

    return _moments(as_activation(f, label), label)
