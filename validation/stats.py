r"""Statistics over Monte Carlo trials: estimates with t-intervals, and the size extrapolation.

``docs/theory/simulation.md#statistics``:

* **Trials.** A quantity measured on :math:`T` independent trials is reported as the mean, the
  standard error :math:`s/\sqrt T` and the 95% Student-t interval
  :math:`\bar y \pm t_{0.975, T-1}\, s/\sqrt T`. With one trial there is no interval: ``se`` is
  ``inf`` and the interval is :math:`(-\infty, \infty)` (never a fake width).
* **Extrapolation.** With all ratios fixed and :math:`d \in \{d_0, 2d_0, 4d_0, \dots\}`, fit
  :math:`y(d) = y_\infty + b\,d^{-1/2}\ (+\, c\, d^{-1})` by least squares weighted by
  :math:`1/\mathrm{se}^2` and compare :math:`y_\infty` (with its standard error) with the theory. The
  standard errors of the fit come from the weighted normal equations, inflated by
  :math:`\sqrt{\chi^2/\nu}` when the model fits worse than the error bars allow (Birge ratio).

>>> e = estimate([1.0, 2.0, 3.0])
>>> e.mean, round(e.se, 12), e.n
(2.0, 0.57735026919, 3)
>>> round(e.ci_high - e.mean, 6) == round(4.302653 * e.se, 6)
True
>>> ex = extrapolate([100, 400, 1600], [1.1, 1.05, 1.025], [1e-3, 1e-3, 1e-3])
>>> round(ex.limit.mean, 10), round(float(ex.coefficients[1]), 10)
(1.0, 1.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import stdtrit  # the Student-t quantile without loading all of scipy.stats

from theory._result import Result

__all__ = ["Estimate", "estimate", "Extrapolation", "extrapolate", "bootstrap_ratio"]


@dataclass(frozen=True)
class Estimate(Result):
    """Mean over trials with its standard error and 95% t-interval (fields are arrays for
    array-valued quantities, elementwise).

    ``method`` is ``"t95"``, or ``"t95: one sample, no interval"`` when ``n == 1``.
    """

    mean: object
    se: object
    ci_low: object
    ci_high: object
    n: int
    method: str = "t95"

    def contains(self, value) -> object:
        """Whether ``value`` lies in the 95% interval (elementwise)."""
        return (np.asarray(self.ci_low) <= value) & (value <= np.asarray(self.ci_high))


def _float_or_array(x):
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


def estimate(samples, axis: int = 0, *, level: float = 0.95) -> Estimate:
    """Mean, standard error and ``level`` t-interval of ``samples`` along ``axis``.

    Non-finite samples make the corresponding estimate non-finite (they are not dropped).
    """
    arr = np.asarray(samples, dtype=float)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.shape[axis] == 0:
        raise ValueError("samples must not be empty")
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1); got {level!r}")
    n = arr.shape[axis]
    mean = arr.mean(axis=axis)
    if n == 1:
        se = np.full_like(mean, np.inf)
        return Estimate(_float_or_array(mean), _float_or_array(se), _float_or_array(np.full_like(mean, -np.inf)),
                        _float_or_array(np.full_like(mean, np.inf)), 1, "t95: one sample, no interval")
    se = arr.std(axis=axis, ddof=1) / math.sqrt(n)
    q = float(stdtrit(n - 1, 0.5 + level / 2))
    return Estimate(_float_or_array(mean), _float_or_array(se), _float_or_array(mean - q * se),
                    _float_or_array(mean + q * se), int(n), "t95" if level == 0.95 else f"t{100 * level:g}")


@dataclass(frozen=True)
class Extrapolation(Result):
    r"""Weighted fit :math:`y(d) = y_\infty + b d^{-1/2} (+ c d^{-1})`.

    ``limit`` is the Estimate of :math:`y_\infty` (95% normal interval from the fit's covariance);
    ``coefficients`` :math:`(y_\infty, b[, c])`, ``covariance`` their covariance, ``chi2`` and
    ``dof`` the goodness of fit, ``inflation`` the factor applied to the standard errors.
    """

    limit: Estimate
    coefficients: np.ndarray
    covariance: np.ndarray
    chi2: float
    dof: int
    inflation: float
    sizes: np.ndarray
    model: str


def extrapolate(ds, means, ses, *, terms: int = 2, se_dof: int | None = None) -> Extrapolation:
    r"""Fit :math:`y_\infty + b\,d^{-1/2}` (``terms=2``) or :math:`+ c\,d^{-1}` (``terms=3``).

    Weighted least squares with weights :math:`1/\mathrm{se}^2` (``docs/theory/simulation.md#statistics``). Needs
    more sizes than terms. Zero standard errors are floored at ``1e-12 * max|mean|``. When the
    standard errors were estimated from few trials, pass ``se_dof`` (trials - 1): the interval of
    :math:`y_\infty` then uses the Student-t quantile with that many degrees of freedom instead of
    the normal one.
    """
    d = np.asarray(ds, dtype=float).ravel()
    y = np.asarray(means, dtype=float).ravel()
    s = np.asarray(ses, dtype=float).ravel()
    if not (d.size == y.size == s.size):
        raise ValueError("ds, means and ses must have the same length")
    if terms not in (2, 3):
        raise ValueError(f"terms must be 2 or 3; got {terms!r}")
    if d.size <= terms:
        raise ValueError(f"extrapolation with {terms} terms needs more than {terms} sizes; got {d.size}")
    if np.any(d <= 0) or not np.all(np.isfinite(d)):
        raise ValueError("ds must be positive and finite")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(s)) and np.all(s >= 0)):
        raise ValueError("means must be finite and ses finite and >= 0")
    s = np.maximum(s, 1e-12 * max(1.0, float(np.max(np.abs(y)))))
    X = np.stack([np.ones_like(d), d ** -0.5] + ([1.0 / d] if terms == 3 else []), axis=1)
    w = 1.0 / s
    coef, *_ = np.linalg.lstsq(X * w[:, None], y * w, rcond=None)
    cov = np.linalg.inv((X * w[:, None] ** 2).T @ X)
    resid = (y - X @ coef) * w
    chi2 = float(resid @ resid)
    dof = int(d.size - terms)
    infl = max(1.0, math.sqrt(chi2 / dof)) if dof > 0 else 1.0
    cov = cov * infl**2
    se = math.sqrt(cov[0, 0])
    if se_dof is not None and (isinstance(se_dof, bool) or int(se_dof) < 1):
        raise ValueError(f"se_dof must be a positive integer; got {se_dof!r}")
    q = 1.959963984540054 if se_dof is None else float(stdtrit(int(se_dof), 0.975))
    lim = Estimate(float(coef[0]), se, float(coef[0] - q * se), float(coef[0] + q * se), int(d.size),
                   "wls95" if se_dof is None else f"wls95, t({int(se_dof)})")
    model = "y_inf + b d^-1/2" + (" + c d^-1" if terms == 3 else "")
    return Extrapolation(lim, coef, cov, chi2, dof, infl, d, model)


def bootstrap_ratio(num, den, *, n_boot: int = 2000, seed=0, level: float = 0.95) -> Estimate:
    """Ratio of trial means ``mean(num)/mean(den)`` with a percentile bootstrap interval over trials."""
    from .seeding import as_seed_sequence

    a, b = np.asarray(num, dtype=float).ravel(), np.asarray(den, dtype=float).ravel()
    if a.size != b.size or a.size < 2:
        raise ValueError("num and den must have the same length >= 2")
    rng = np.random.Generator(np.random.PCG64(as_seed_sequence(seed)))
    idx = rng.integers(0, a.size, size=(n_boot, a.size))
    ratios = a[idx].mean(axis=1) / b[idx].mean(axis=1)
    r = float(a.mean() / b.mean())
    lo, hi = np.quantile(ratios, [(1 - level) / 2, (1 + level) / 2])
    return Estimate(r, float(ratios.std(ddof=1)), float(lo), float(hi), int(a.size), "bootstrap percentile")
