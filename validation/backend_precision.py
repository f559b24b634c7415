r"""Precision of the simulator: float32 where it is accurate enough, float64 where it is not.

The accuracy study (``scripts/float32_accuracy.py``, results in ``docs/benchmarks/simulate.md``)
runs the same trials in float32 and in float64 on paired draws (the float32 inputs are the float64
draws rounded) and finds every measured quantity within :math:`10^{-4}` relative (most within
:math:`10^{-6}`) **except** the ridge fit when its linear system is ill-conditioned: least squares
(``lam = 0``) near the interpolation threshold ``n_ridge = width``, or a penalty too small to
regularise there. Rounding the features to float32 perturbs them by about :math:`u_{32} = 2^{-24}`
relative, and the fitted readout moves by the condition number times that.

:func:`ridge_condition_estimate` predicts the relevant condition number before any draw, from the
Marchenko-Pastur edges of the features' bulk (Marchenko & Pastur 1967; for random features e.g.
Mei & Montanari, arXiv:1908.05355, where the features' bulk has variance
:math:`v = E\sigma(z)^2 - (E\sigma(z))^2`, :math:`z \sim N(0,1)`): with :math:`A = H/\sqrt p` of size
``n x p``, the smallest nonzero eigenvalue of :math:`A^\top A` is about :math:`\frac vp(\sqrt n - \sqrt p)^2`.
Rounding errors are incoherent entrywise perturbations of relative size :math:`u_{32}`, so their norm is
that of a random matrix with entries of mean square :math:`E\sigma(z)^2/p`, about
:math:`u_{32}\sqrt{E\sigma^2/p}\,(\sqrt n + \sqrt p)` (the mean's outlier of :math:`A` does not enter):

.. math:: \hat\kappa = \sqrt{\frac{\frac{E\sigma^2}{p}(\sqrt n + \sqrt p)^2 + \lambda_C}
                                  {\frac vp(\sqrt n - \sqrt p)^2 + \lambda_C}}

(the condition number of :math:`A` regularised by :math:`\lambda_C`). A relative perturbation
:math:`u_{32}` of :math:`A` moves a least-squares solution with a nonzero residual by up to
:math:`\kappa^2 u_{32}` (Golub & Van Loan, *Matrix Computations*, 4th ed., Theorem 5.3.1); the study
finds the test error's relative change within a factor 3 of :math:`\hat\kappa^2 u_{32}` across the
threshold. :func:`choose_dtype` keeps float32 when :math:`\hat\kappa \le` :data:`KAPPA_MAX` = 25
(:math:`\hat\kappa^2 u_{32} \approx 4\times10^{-5}`) for every ``(n_ridge, lam)`` of the call, and
switches to float64 otherwise, with the reason. :math:`\hat\kappa` is infinite at ``n_ridge = width``
with ``lam = 0`` (always float64 there).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["KAPPA_MAX", "ridge_condition_estimate", "choose_dtype"]

#: Largest predicted condition number of the ridge system run in float32 (``scripts/float32_accuracy.py``).
KAPPA_MAX = 25.0


def _moments(activation):
    r""":math:`E\sigma(z)` and :math:`E\sigma(z)^2`, :math:`z \sim N(0,1)`, by 121-point Gauss-Hermite quadrature
    (the estimate is a heuristic: a few digits suffice, kinks included)."""
    from .surrogates import apply_activation

    x, w = np.polynomial.hermite_e.hermegauss(121)
    w = w / math.sqrt(2 * math.pi)
    f = np.asarray(apply_activation(activation.func, x), dtype=float)
    return float(w @ f), float(w @ f**2)


def ridge_condition_estimate(activation, n_ridge, width, lam_c) -> np.ndarray:
    r"""Predicted condition number :math:`\hat\kappa` of each ridge system (module docstring).

    Parameters
    ----------
    activation : theory activation (``activation.func`` vectorised)
    n_ridge : int or array of int
        Ridge sample sizes.
    width : int
        Number of features ``p``.
    lam_c : array (len(n_ridge), l)
        :math:`\lambda_C` of each fit (reference convention).

    Returns
    -------
    ndarray (len(n_ridge), l)
        ``inf`` where the predicted smallest eigenvalue and the penalty are both zero.
    """
    mu0, second = _moments(activation)
    v = max(second - mu0**2, 0.0)
    n = np.atleast_1d(np.asarray(n_ridge, dtype=float))[:, None]
    p = float(width)
    lam = np.atleast_2d(np.asarray(lam_c, dtype=float))
    top = second / p * (np.sqrt(n) + math.sqrt(p)) ** 2 + lam
    bottom = v / p * (np.sqrt(n) - math.sqrt(p)) ** 2 + lam
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = np.sqrt(np.where(bottom > 0, top / bottom, np.inf))
    return np.where(top > 0, kappa, 1.0)


def choose_dtype(setup, sizes: dict, measures, n_ridge, lam_c):
    """The simulator's working dtype and the reason, when the caller did not force one.

    float32 unless the ridge measure has a system whose predicted condition number exceeds
    :data:`KAPPA_MAX` (module docstring); returns ``(numpy dtype, reason string)``.
    """
    if "ridge" in measures and n_ridge is not None and lam_c is not None:
        kappa = ridge_condition_estimate(setup.activation, n_ridge, sizes["width"], lam_c)
        worst = float(np.max(kappa))
        if worst > KAPPA_MAX:
            i, j = np.unravel_index(int(np.argmax(kappa)), kappa.shape)
            m = int(np.atleast_1d(n_ridge)[i])
            return np.dtype(np.float64), (
                f"float64: the ridge system at n_ridge={m}, width={sizes['width']}, lam_c={float(np.asarray(lam_c)[i, j]):.3g} "
                f"has predicted condition number {worst:.3g} > {KAPPA_MAX:g} (near the interpolation threshold), "
                "where float32 features would move the fit by more than 1e-4 relative (docs/benchmarks/simulate.md)")
    return np.dtype(np.float32), "float32: every requested quantity is within 1e-4 relative of float64 in the accuracy study " \
                                 "(docs/benchmarks/simulate.md)"
