r"""Ba et al. (2022): the Gaussian-equivalent ridge risk conditional on the first-layer weights.

Given :math:`W_1` (``width x d``, neurons as rows), Gaussian equivalence replaces the features by
:math:`\phi' = \mu_0\mathbf 1 + \mu_1W_1x + \mu_*z` (``docs/theory/risk.md#ba-conditional-formula``; Ba et al. 2022, Theorem 3
for :math:`\eta = \Theta(1)`). With the per-sample objective
:math:`\frac1n\|y-\Phi'b\|^2 + \lambda_B\|b\|^2`, :math:`b = a/\sqrt p`,
:math:`\lambda_B = \lambda_C p/n` (``docs/theory/conventions.md#ridge-normalisation``):

.. math::

   \Sigma = \mu_1^2W_1W_1^\top + \mu_*^2I + \mu_0^2\mathbf 1\mathbf 1^\top,\qquad
   b_* = \Sigma^{-1}(\mu_1\mu_1^* W_1\beta_* + \mu_0\mu_0^*\mathbf 1),\qquad
   s^2 = E\sigma_*^2 - b_*^\top\Sigma b_*,

.. math::

   \kappa = \lambda_B + \frac\kappa n\mathrm{tr}[\Sigma(\Sigma+\kappa)^{-1}],\qquad
   \mathrm{df}_2 = \mathrm{tr}[\Sigma^2(\Sigma+\kappa)^{-2}],

.. math::

   R = s^2 + \frac{\kappa^2b_*^\top\Sigma(\Sigma+\kappa)^{-2}b_* + (\Delta+s^2)\mathrm{df}_2/n}{1-\mathrm{df}_2/n},\qquad
   \text{train} = \Big(\frac{\lambda_B}{\kappa}\Big)^2(R+\Delta).

:math:`R` is the risk against :math:`f^*` (no noise); the test error against noisy labels is
:math:`R+\Delta`. The notes state it for :math:`\mu_0^* = \mu_0 = 0`; the mean terms above are the
same best-linear-predictor algebra with the constant feature included. One
:math:`p\times p` eigendecomposition per :math:`W_1`, reused across the ``(n_ridge, lam)`` grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from .._result import Result
from ..hermite.moments import gaussian_moments

__all__ = ["BaConditional", "ba_conditional_risk", "ConditionalSpectrum", "conditional_spectrum"]


@dataclass(frozen=True, eq=False)
class ConditionalSpectrum:
    """Eigen-data of :math:`\\Sigma` and the projections of :math:`b_*` (cached per :math:`W_1`)."""

    eig: np.ndarray         # eigenvalues of Sigma
    bproj_sq: np.ndarray    # (U^T b_*)^2
    s2: float               # misspecification s^2
    p: int


def unit_target(beta_star, d: int) -> np.ndarray:
    """The target direction as a unit vector of length ``d`` (default :math:`e_1`, as in the simulator)."""
    if beta_star is None:
        beta_star = np.zeros(d)
        beta_star[0] = 1.0
    beta_star = np.asarray(beta_star, dtype=float).ravel()
    if beta_star.size != d:
        raise ValueError(f"beta_star must have length d = {d}; got {beta_star.size}")
    norm = np.linalg.norm(beta_star)
    if not np.isfinite(norm) or norm == 0:
        raise ValueError("beta_star must be a finite, nonzero vector")
    return beta_star / norm


def conditional_spectrum(W1, activation, target, beta_star=None) -> ConditionalSpectrum:
    r"""Eigendecomposition of :math:`\Sigma` and the target's best linear predictor for a given :math:`W_1`."""
    W1 = np.asarray(W1, dtype=float)
    if W1.ndim != 2:
        raise ValueError(f"W1 must be a (width, d) matrix; got shape {W1.shape}")
    p, d = W1.shape
    beta_star = unit_target(beta_star, d)
    act = gaussian_moments(activation, label="activation")
    tgt = gaussian_moments(target, label="target")
    Sigma = act.mu1**2 * (W1 @ W1.T) + act.mu_star_sq * np.eye(p)
    cross = act.mu1 * tgt.mu1 * (W1 @ beta_star)
    if act.mu0 != 0.0:
        Sigma += act.mu0**2
        cross = cross + act.mu0 * tgt.mu0
    eig, U = np.linalg.eigh(Sigma)
    eig = np.maximum(eig, 0.0)
    c = U.T @ cross
    with np.errstate(divide="ignore", invalid="ignore"):
        bproj = np.where(eig > 0, c / eig, 0.0)
    explained = float(np.sum(np.where(eig > 0, c * c / eig, 0.0)))
    s2 = max(tgt.second - explained, 0.0)
    return ConditionalSpectrum(eig=eig, bproj_sq=bproj**2, s2=s2, p=p)


@dataclass(frozen=True)
class BaConditional(Result):
    """The conditional risk at one ``(n_ridge, lam)``; ``risk`` excludes label noise."""

    risk: float
    test_error: float
    train_error: float
    kappa: float
    df2: float
    misspecification: float
    status: str
    n_iter: int
    residual: float


def _solve_kappa(eig, n, lam_b):
    """Root of :math:`\\kappa(1 - \\frac1n\\sum_i e_i/(e_i+\\kappa)) = \\lambda_B` by Brent's method."""
    def f(k):
        return k * (1.0 - np.sum(eig / (eig + k)) / n) - lam_b

    hi = lam_b + eig.sum() / n + 1.0
    lo = lam_b if lam_b > 0 else 1e-300
    if f(lo) > 0:  # lam_b = 0 and n >= rank: the ridgeless limit kappa -> 0
        lo_val = 0.0
        return lo_val, "converged", 0, abs(f(lo))
    root, info = optimize.brentq(f, lo, hi, xtol=1e-15 * hi, rtol=4 * np.finfo(float).eps, full_output=True,
                                 disp=False)
    status = "converged" if info.converged else "max_iter"
    return float(root), status, int(info.function_calls), abs(f(root)) / max(1.0, lam_b)


def ba_conditional_risk(spec: ConditionalSpectrum, *, n_ridge: float, lam: float, noise_var: float = 0.0) -> BaConditional:
    r"""Ba et al.'s conditional GE ridge risk (``docs/theory/risk.md#ba-conditional-formula``) at one ``(n_ridge, lam)``.

    ``lam`` is :math:`\lambda_C` of the reference objective; :math:`\lambda_B = \lambda_C p/n`.
    """
    n = float(n_ridge)
    lam_b = float(lam) * spec.p / n
    eig = spec.eig
    kappa, status, n_iter, resid = _solve_kappa(eig, n, lam_b)
    if kappa == 0.0:
        # ridgeless, underparametrised: the features are fit without shrinkage
        pos = eig > 0
        df2 = float(np.sum(pos))
        bias = 0.0
    else:
        frac = eig / (eig + kappa)
        df2 = float(np.sum(frac**2))
        bias = kappa**2 * float(np.sum(spec.bproj_sq * eig / (eig + kappa) ** 2))
    denom = 1.0 - df2 / n
    if denom <= 0:
        return BaConditional(float("inf"), float("inf"), 0.0, kappa, df2, spec.s2, "diverged", n_iter, float("inf"))
    risk = spec.s2 + (bias + (noise_var + spec.s2) * df2 / n) / denom
    train = (lam_b / kappa) ** 2 * (risk + noise_var) if kappa > 0 else 0.0
    if kappa == 0.0:
        train = (noise_var + spec.s2) * (1.0 - df2 / n)
    return BaConditional(risk=float(risk), test_error=float(risk + noise_var), train_error=float(train),
                         kappa=float(kappa), df2=df2, misspecification=float(spec.s2), status=status,
                         n_iter=n_iter, residual=float(resid))
