r"""Ridge on the features of given weights under Gaussian-mixture inputs: the conditional Gaussian equivalence
and its deterministic equivalent (``docs/derivations/mixture_risk.md``).

Given the first layer :math:`W` (``width x d``; at initialisation, or after the step: the ridge batch is
independent of it) and the component :math:`c`, the preactivations :math:`h = Wx` are exactly Gaussian,
:math:`N(W\mu_c, W\Sigma_cW^\top)`. The conditional Gaussian equivalence (Demir & Dogan, ICLR 2025,
arXiv:2503.00856; Gaussian-mixture universality, Dandi et al., arXiv:2302.08923) replaces the features
:math:`\varphi = \sigma(h)` of component :math:`c` by a Gaussian vector with the same mean :math:`m_c`,
covariance :math:`\Omega_c` and covariance :math:`k_c` with the label, which this module computes from the
Hermite expansion of :math:`\sigma` at each neuron's own mean and variance, truncated at ``degree`` off the
diagonal (the diagonal is exact): ``degree`` is the degree of Demir & Dogan's Hermite model.
:func:`gaussian_mixture_ridge` then solves the deterministic equivalent of ridge on such features.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._applicability import NotApplicable
from .._checks import check_integer, check_nonnegative, check_positive
from .._result import Result
from ..ridge.solvers import fixed_point, residual_norm

__all__ = ["FeatureMoments", "MixtureRidge", "feature_moments", "gaussian_mixture_ridge", "neuron_coefficients"]

_Z = np.linspace(-12.0, 12.0, 9601)
_WZ = np.exp(-_Z * _Z / 2) / math.sqrt(2 * math.pi) * (_Z[1] - _Z[0])  # trapezoid weights of N(0, 1)


def neuron_coefficients(func, shift, var, kmax: int, *, chunk: int = 256):
    r"""Per-neuron Hermite coefficients :math:`\hat c_k(i) = E[\sigma(\nu_i + \sqrt{q_i}z)He_k(z)]`, :math:`k\le k_{max}`,
    and :math:`E\sigma(\nu_i+\sqrt{q_i}z)^2`, for arrays ``shift`` :math:`\nu` and ``var`` :math:`q`.

    A trapezoid rule on :math:`[-12, 12]` with 9601 nodes: absolute error below ``1e-6`` for activations with
    kinks (ReLU: about ``1e-7``), at rounding level for smooth ones. Returns ``(coefficients (m, kmax+1),
    second_moments (m,))``.

    >>> c, m2 = neuron_coefficients(lambda t: np.maximum(t, 0), [0.0], [4.0], 2)
    >>> np.round(c, 6).tolist(), round(float(m2[0]), 6)     # 2 * (1/sqrt(2 pi), 1/2, 1/sqrt(2 pi)), E relu^2 = 2
    ([[0.797885, 1.0, 0.797885]], 2.0)
    """
    nu = np.atleast_1d(np.asarray(shift, dtype=float))
    q = np.atleast_1d(np.asarray(var, dtype=float))
    nu, q = np.broadcast_arrays(nu, q)
    He = np.empty((kmax + 1, _Z.size))
    He[0] = 1.0
    if kmax >= 1:
        He[1] = _Z
    for k in range(2, kmax + 1):
        He[k] = _Z * He[k - 1] - (k - 1) * He[k - 2]
    basis = (He * _WZ).T  # (nodes, kmax+1)
    out = np.empty((nu.size, kmax + 1))
    m2 = np.empty(nu.size)
    for lo in range(0, nu.size, chunk):
        F = np.asarray(func(nu[lo:lo + chunk, None] + np.sqrt(q[lo:lo + chunk, None]) * _Z[None, :]), dtype=float)
        out[lo:lo + chunk] = F @ basis
        m2[lo:lo + chunk] = (F * F) @ _WZ
    return out, m2


@dataclass(frozen=True, eq=False)
class FeatureMoments:
    r"""Per-component moments of the features :math:`\varphi = \sigma(Wx)` and of the label, given :math:`W`.

    Attributes
    ----------
    weights : ndarray (C,)
        Mixture weights :math:`\rho_c`.
    means : ndarray (C, p)
        :math:`m_c = E[\varphi\mid c]`.
    covariances : ndarray (C, p, p)
        :math:`\Omega_c = \mathrm{Cov}(\varphi\mid c)` (Hermite series to ``degree`` off the diagonal, exact diagonal).
    cross : ndarray (C, p)
        :math:`k_c = \mathrm{Cov}(\varphi, y\mid c)`.
    label_means, label_vars : ndarray (C,)
        :math:`a_c = E[y\mid c]` and :math:`v_c = \mathrm{Var}(y\mid c)` (label noise included).
    degree : int
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    cross: np.ndarray
    label_means: np.ndarray
    label_vars: np.ndarray
    degree: int


def _target_moments(setup, mean_t, var_t, kmax):
    """``(coefficients E[f(m + s z) He_k(z)], k <= kmax; variance)`` of the single-index target (accurate engine)."""
    from ..hermite.transforms import scaled_coefficients

    sd = math.sqrt(var_t)
    coef = np.asarray(scaled_coefficients(setup.target, kmax, scale=sd, shift=mean_t).values, dtype=float)
    sq = setup.target.func
    m2 = np.asarray(scaled_coefficients(lambda t: np.asarray(sq(t), dtype=float) ** 2, 0, scale=sd, shift=mean_t,
                                        kinks=tuple(setup.target.kinks)).values)[0]
    return coef, float(m2 - coef[0] ** 2)


def feature_moments(setup, W, *, degree: int = 6) -> FeatureMoments:
    r"""Per-component mean, covariance and label covariance of :math:`\sigma(Wx)` under ``setup.data``.

    With :math:`h = Wx\mid c\sim N(\nu, S)`, :math:`\nu = W\mu_c`, :math:`S = W\Sigma_cW^\top`, :math:`q_i = S_{ii}`,
    :math:`\rho_{ij} = S_{ij}/\sqrt{q_iq_j}`, Mehler's formula gives (``docs/derivations/mixture_risk.md`` §1)

    .. math:: \Omega_{c,ij} = \sum_{k=1}^{\mathrm{degree}}\frac{\hat c_k(i)\hat c_k(j)}{k!}\rho_{ij}^k\ (i\ne j),\qquad
              \Omega_{c,ii} = E\sigma(h_i)^2 - \hat c_0(i)^2,

    and with the target argument :math:`t = e_1\cdot x\mid c\sim N(\mu_{c,1}, s_c^2)`, :math:`r_i = (W\Sigma_ce_1)_i/(\sqrt{q_i}s_c)`,
    :math:`k_{c,i} = \sum_{k=1}^{\mathrm{degree}}\hat c_k(i)\hat f_k r_i^k/k!`. For ``task="classification"`` the
    label is the constant ``labels[c]`` within a component (:math:`k_c = 0`). ``setup.data=None`` is one isotropic
    component.

    Parameters
    ----------
    setup : theory.OneStep
        Activation, target, ``noise_var`` and the data model (single-index target).
    W : ndarray, shape (p, d)
        The first layer whose features are fitted (``W0`` at ``lr = 0``, ``W1`` after the step).
    degree : int
        Hermite degree kept off the diagonal (Demir & Dogan's Hermite model of degree ``degree``).
    """
    from ..model.data import GaussianMixture

    if setup.is_multi_index:
        raise NotApplicable("the mixture risk needs a single-index target")
    degree = check_integer(degree, "degree", minimum=1, maximum=30)
    W = np.asarray(W, dtype=float)
    if W.ndim != 2 or W.shape[1] != round(setup.d):
        raise ValueError(f"W must have shape (width, d) with d = {round(setup.d)}; got {W.shape}")
    data = setup.data if setup.data is not None else GaussianMixture([1.0], d=round(setup.d))
    p = W.shape[0]
    C = data.n_components
    means = np.empty((C, p))
    covs = np.empty((C, p, p))
    cross = np.zeros((C, p))
    a = np.empty(C)
    v = np.empty(C)
    e1 = np.zeros(data.d)
    e1[0] = 1.0
    fact = np.array([math.factorial(k) for k in range(degree + 1)], dtype=float)
    for c in range(C):
        cov = data.covariances[c]
        SWt = cov.apply(W.T)  # Sigma_c W^T (d x p)
        S = W @ SWt
        nu = W @ data.mean(c)
        q = np.clip(np.diag(S).copy(), 1e-300, None)
        coef, m2 = neuron_coefficients(setup.activation.func, nu, q, degree)
        R = S / np.sqrt(np.outer(q, q))
        K = np.zeros((p, p))
        Rk = np.ones((p, p))
        for k in range(1, degree + 1):
            Rk = Rk * R
            K += np.outer(coef[:, k], coef[:, k]) / fact[k] * Rk
        np.fill_diagonal(K, m2 - coef[:, 0] ** 2)
        means[c] = coef[:, 0]
        covs[c] = K
        if data.task == "classification":
            a[c] = data.labels[c]
            v[c] = setup.noise_var
            continue
        s2 = cov.quadratic(e1)
        fk, var_y = _target_moments(setup, float(data.mean(c)[0]), s2, degree)
        r = (W @ cov.apply(e1)) / (np.sqrt(q) * math.sqrt(s2))
        cross[c] = sum(coef[:, k] * fk[k] / fact[k] * r**k for k in range(1, degree + 1))
        a[c] = fk[0]
        v[c] = var_y + setup.noise_var
    return FeatureMoments(np.asarray(data.weights, dtype=float), means, covs, cross, a, v, degree)


@dataclass(frozen=True)
class MixtureRidge(Result):
    r"""Deterministic-equivalent errors of ridge on Gaussian-mixture features (:func:`gaussian_mixture_ridge`).

    Attributes
    ----------
    test_error, train_error : float
        :math:`\sum_c\rho_cE_c` and :math:`\sum_c\rho_cE_c/(1+\delta_c)^2` (label noise included, no factor 1/2).
    component_test_error : ndarray (C,)
        :math:`E_c`, the test error on component :math:`c`.
    delta : ndarray (C,)
        :math:`\delta_c = \mathrm{tr}(C_c\bar Q)/n`.
    status : str
        ``"converged"`` or ``"max_iter"`` / ``"no_solution"`` (errors NaN).
    n_iter : int
    residual : float
        :func:`theory.solvers.residual_norm` of the :math:`\delta` equations at the returned point (damped
        iteration with Anderson mixing, :func:`theory.solvers.fixed_point`).
    """

    test_error: float
    train_error: float
    component_test_error: np.ndarray
    delta: np.ndarray
    status: str
    n_iter: int
    residual: float
    parameters: dict = field(default_factory=dict)


def gaussian_mixture_ridge(moments: FeatureMoments, n_ridge, lam, *, tol: float = 1e-12,
                           max_iter: int = 2000) -> MixtureRidge:
    r"""Limiting train and test error of ridge on features that are Gaussian within each component.

    The reference objective :math:`\sum_\mu(y_\mu - a\cdot\varphi_\mu/\sqrt p)^2 + \lambda_C|a|^2` on ``n_ridge``
    samples (:math:`n_c = \rho_cn`), i.e. :math:`\lambda_B = \lambda_Cp/n` in the per-sample form. With
    :math:`C_c = \Omega_c + m_cm_c^\top`, :math:`b_c = \Omega_c^{-1}k_c`, :math:`s_c^2 = v_c - k_c^\top b_c`
    (``docs/derivations/mixture_risk.md`` §2):

    .. math::

        \bar Q = \Big(\lambda_B I + \sum_c\frac{\rho_cC_c}{1+\delta_c}\Big)^{-1},\quad
        \delta_c = \frac1n\mathrm{tr}(C_c\bar Q),\quad
        \bar\theta = \bar Q\sum_c\frac{\rho_c(k_c + a_cm_c)}{1+\delta_c},

        E_{c'} = (a_{c'} - \bar\theta\cdot m_{c'})^2 + (b_{c'} - \bar\theta)^\top\Omega_{c'}(b_{c'} - \bar\theta) + s_{c'}^2
                 + \sum_c\frac{\rho_c\,\mathrm{tr}(C_c\bar QC_{c'}\bar Q)}{n(1+\delta_c)^2}E_c,

    a linear system for the per-component test errors :math:`E_c`; the train error is
    :math:`\sum_c\rho_cE_c/(1+\delta_c)^2`. For one component this is the effective-regularisation form
    :math:`\kappa = \lambda_B(1+\delta)`, :math:`E = (\kappa^2b^\top\Omega(\Omega+\kappa)^{-2}b + s^2)/(1 - \mathrm{df}_2/n)`.

    ``lam`` must be positive (the ridgeless limit is not implemented here).
    """
    n = check_positive(n_ridge, "n_ridge")
    lam = check_positive(lam, "lam")
    rho = moments.weights
    C, p = moments.means.shape
    lam_b = lam * p / n
    Cc = moments.covariances + np.einsum("ci,cj->cij", moments.means, moments.means)
    b = np.stack([np.linalg.solve(moments.covariances[c], moments.cross[c]) for c in range(C)])
    s2 = moments.label_vars - np.einsum("ci,ci->c", moments.cross, b)
    eye = np.eye(p)

    def resolvent(delta):
        return np.linalg.inv(lam_b * eye + np.einsum("c,cij->ij", rho / (1 + delta), Cc))

    def step(delta):
        if np.any(delta <= -1.0) or not np.all(np.isfinite(delta)):
            return np.full(C, np.nan)  # outside the domain: a rejected step of the solver
        return np.einsum("cij,ji->c", Cc, resolvent(delta)) / n

    sol = fixed_point(step, np.zeros(C), tol=tol, max_iter=max_iter, accelerate=True)
    it = sol.n_iter
    if sol.status != "converged" and it < max_iter:  # Anderson mixing failed: the plain (monotone) iteration
        sol = fixed_point(step, np.zeros(C), tol=tol, max_iter=max_iter - it, accelerate=False, growth=np.inf)
        it += sol.n_iter
    delta, status = np.asarray(sol.x, dtype=float), sol.status
    Q = resolvent(delta)
    res = residual_norm(delta, np.einsum("cij,ji->c", Cc, Q) / n)
    D = 1.0 + delta
    theta = Q @ np.einsum("c,ci->i", rho / D, moments.cross + moments.label_means[:, None] * moments.means)
    bias = np.empty(C)
    for c in range(C):
        e = b[c] - theta
        bias[c] = (moments.label_means[c] - theta @ moments.means[c]) ** 2 + e @ moments.covariances[c] @ e + s2[c]
    CQ = np.einsum("cij,jk->cik", Cc, Q)
    M = np.einsum("c,aij,cji->ac", rho / (n * D**2), CQ, CQ)
    try:
        E = np.linalg.solve(np.eye(C) - M, bias)
    except np.linalg.LinAlgError:
        E = np.full(C, np.nan)
    test = float(rho @ E)
    train = float(rho @ (E / D**2))
    if status == "converged" and not (np.all(np.isfinite(E)) and np.all(E >= 0)):
        status = "no_solution"
    if status != "converged":
        test = train = float("nan")
        E = np.full(C, np.nan)
    return MixtureRidge(test, train, E, delta, status, it, res,
                        dict(lam_b=lam_b, misspecification=s2.tolist(), degree=moments.degree))
