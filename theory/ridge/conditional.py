r"""Conditional Gaussian-equivalence coefficients and teacher conditionals (Cui et al. 2024).

Given the spike projection :math:`\kappa = \hat v\cdot x`, a spiked-RF feature
:math:`h_i = \sigma(\sqrt c\,w_i^0\cdot x + r\kappa)` is equivalent to
:math:`\mu_0(\kappa) + \mu_1(\kappa)(Wx)_i + \mu_2(\kappa) e_i` with (``docs/theory/risk.md#conditional-coefficients``)

.. math::

   \mu_0(\kappa) = E_z\sigma(r\kappa+\sqrt c z),\quad
   \mu_1(\kappa) = \frac{E_z[z\sigma(r\kappa+\sqrt c z)]}{\sqrt c},\quad
   \mu_2(\kappa)^2 = E_z\sigma(r\kappa+\sqrt c z)^2 - \mu_0^2 - c\mu_1^2 ,

and the target :math:`y = \sigma_\star(\gamma\kappa + \rho\xi) + \varepsilon`,
:math:`\rho = \sqrt{1-\gamma^2}`, has the conditionals

.. math::

   h(\kappa) = E_\xi\sigma_\star(\gamma\kappa+\rho\xi),\quad
   h_1(\kappa) = E_\xi[\xi\,\sigma_\star(\gamma\kappa+\rho\xi)],\quad
   hh(\kappa) = E_\xi\sigma_\star(\gamma\kappa+\rho\xi)^2 + \Delta

(label noise :math:`\Delta` enters :math:`hh`, ``docs/theory/step.md#spiked-rf-parameters`` "Label noise").

Numerics: every inner average uses :func:`theory.hermite.engine.gaussian_rule` split at the kinks of the
integrand, which move with :math:`\kappa` (for :math:`\sigma` the kink :math:`k` sits at
:math:`z = (k - r\kappa)/\sqrt c`); the outer :math:`\kappa` rule is the same composite
Gauss-Legendre rule (split at the target's kinks :math:`k/\gamma` when :math:`\rho = 0`). The
19-node Gauss-Hermite rule of the authors' code is not used. Results are cached per
:math:`(\sigma, \sigma_\star, r, c, \gamma, \Delta)`, so grids over the ridge sample size and
penalty reuse them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .._result import Result
from ..hermite.activations import Activation
from ..hermite.engine import gaussian_rule

__all__ = ["KappaData", "smoothed_moments", "srf_kappa_data", "constant_kappa_data", "kappa_rule"]

DEFAULT_PANEL_WIDTH = 2.0


def smoothed_moments(f: Activation, a, s: float, *, he2: bool = False):
    r""":math:`E f(a+sZ)`, :math:`E[Z f(a+sZ)]`, :math:`E f(a+sZ)^2` for every shift in ``a``.

    With ``he2=True`` a fourth array :math:`E[(Z^2-1) f(a+sZ)] = s\,\partial_s E f(a+sZ)` follows.

    Kink-aware: for each shift the rule is split at :math:`z = (k - a)/s` for every kink
    :math:`k` of ``f``.

    >>> import theory
    >>> m0, m1, m2 = smoothed_moments(theory.activation("relu"), np.array([0.0, 1.0]), 1.0)
    >>> bool(np.allclose(m0[0], 1 / np.sqrt(2 * np.pi), atol=1e-14) and np.allclose(m1, [0.5, 0.8413447460685429]))
    True
    """
    a = np.asarray(a, dtype=float)
    s = float(s)
    func = f.func
    if s == 0.0:
        v = func(a)
        return (v, np.zeros_like(a), v * v) + ((np.zeros_like(a),) if he2 else ())
    kinks = tuple(f.kinks)
    if not kinks:
        z, w = gaussian_rule()
        vals = func(a[:, None] + s * z[None, :])
        out = (vals @ w, vals @ (w * z), (vals * vals) @ w)
        return out + ((vals @ (w * (z * z - 1.0)),) if he2 else ())
    m0 = np.empty_like(a)
    m1 = np.empty_like(a)
    m2 = np.empty_like(a)
    m3 = np.empty_like(a)
    for j, aj in enumerate(a):
        z, w = gaussian_rule(tuple((k - aj) / s for k in kinks))
        v = func(aj + s * z)
        m0[j] = v @ w
        m1[j] = v @ (w * z)
        m2[j] = (v * v) @ w
        m3[j] = v @ (w * (z * z - 1.0))
    return (m0, m1, m2) + ((m3,) if he2 else ())


@dataclass(frozen=True, eq=False)
class KappaData(Result):
    r"""Functions of :math:`\kappa` on a quadrature rule, the input of the conditional GE system.

    Attributes
    ----------
    nodes, weights : ndarray
        Rule for :math:`E_\kappa`, :math:`\kappa\sim N(0,1)`.
    mu0, mu1, mu2sq : ndarray
        Conditional coefficients :math:`\mu_0(\kappa)`, :math:`\mu_1(\kappa)`, :math:`\mu_2(\kappa)^2`.
    h, h1, hh : ndarray
        Teacher conditionals (``hh`` includes the label noise).
    noise_var : float
        The label noise :math:`\Delta` included in ``hh``.
    """

    nodes: np.ndarray
    weights: np.ndarray
    mu0: np.ndarray
    mu1: np.ndarray
    mu2sq: np.ndarray
    h: np.ndarray
    h1: np.ndarray
    hh: np.ndarray
    noise_var: float

    def mean(self, values) -> float:
        r""":math:`E_\kappa` of values given on the nodes."""
        return float(self.weights @ values)


def kappa_rule(kinks=(), panel_width: float = DEFAULT_PANEL_WIDTH):
    """The outer rule for :math:`E_\\kappa` (composite Gauss-Legendre, :func:`theory.hermite.engine.gaussian_rule`)."""
    return gaussian_rule(tuple(kinks), panel_width=panel_width)


@lru_cache(maxsize=64)
def _srf_kappa_data(act: Activation, tgt: Activation, r: float, c: float, gamma: float, noise_var: float,
                    panel_width: float) -> KappaData:
    rho = math.sqrt(max(1.0 - gamma * gamma, 0.0))
    outer_kinks = ()
    if gamma != 0.0 and rho < 1e-3:
        outer_kinks = tuple(k / gamma for k in tgt.kinks)
    kap, wk = kappa_rule(outer_kinks, panel_width)
    sc = math.sqrt(c)
    m0, m1, m2 = smoothed_moments(act, r * kap, sc)
    mu1 = m1 / sc
    mu2sq = np.maximum(m2 - m0 * m0 - c * mu1 * mu1, 0.0)
    h, h1, hh = smoothed_moments(tgt, gamma * kap, rho)
    arrays = [kap, wk, m0, mu1, mu2sq, h, h1, hh + noise_var]
    for arr in arrays:
        arr.setflags(write=False)
    return KappaData(*arrays, noise_var=float(noise_var))


def srf_kappa_data(activation, target, *, r: float, c: float, gamma: float, noise_var: float = 0.0,
                   panel_width: float = DEFAULT_PANEL_WIDTH) -> KappaData:
    r"""Conditional GET coefficients and teacher conditionals on the :math:`\kappa` rule (cached).

    Source: ``docs/theory/risk.md#conditional-coefficients`` (Cui et al. 2024, code). At :math:`r = 0`, :math:`c = 1` the
    coefficients are constant and equal to the activation's :math:`\mu_0, \mu_1, \mu_*^2`.

    >>> import theory
    >>> kd = srf_kappa_data("tanh", "sin", r=0.0, c=1.0, gamma=0.0)
    >>> m = theory.gaussian_moments("tanh")
    >>> bool(np.allclose(kd.mu1, m.mu1, atol=1e-13) and np.allclose(kd.mu2sq, m.mu_star_sq, atol=1e-13))
    True
    """
    from ..model.onestep import as_activation

    act = as_activation(activation, "activation")
    tgt = as_activation(target, "target")
    if not c > 0:
        raise ValueError(f"c must be > 0; got {c}")
    if not -1.0 <= gamma <= 1.0:
        raise ValueError(f"gamma must lie in [-1, 1]; got {gamma}")
    return _srf_kappa_data(act, tgt, float(r), float(c), float(gamma), float(noise_var), float(panel_width))


def constant_kappa_data(*, mu0: float, mu1: float, mu2sq: float, h: float, h1: float, hh: float,
                        noise_var: float = 0.0) -> KappaData:
    r"""A one-node :math:`\kappa` rule with constant coefficients (plain random features, ``docs/theory/risk.md#random-features``).

    ``hh`` is the target's second moment without noise; ``noise_var`` is added to it.
    """
    one = lambda v: np.array([float(v)])  # noqa: E731
    return KappaData(one(0.0), one(1.0), one(mu0), one(mu1), one(max(mu2sq, 0.0)), one(h), one(h1),
                     one(hh + noise_var), float(noise_var))
