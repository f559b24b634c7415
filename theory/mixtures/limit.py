r"""Draw-free limit of ridge on random features of Gaussian-mixture inputs, at ``lr = 0`` and after a small step.

:func:`theory.mixtures.mixture_risk` solves the per-component ridge equations of
``docs/derivations/mixture_risk.md`` on a seeded draw of the first layer :math:`W_0`. This module takes
:math:`p, d, n\to\infty` at fixed ratios instead, so that nothing is drawn
(``docs/derivations/mixture_limit.md``):

* the features of component :math:`c` are linearised (the Gaussian equivalence of degree one, exact diagonal):
  :math:`\Omega_c = a_cW\Sigma_cW^\top + b_cI`, :math:`a_c = \hat c_{1,c}^2/q_c`,
  :math:`b_c = \mathrm{Var}\,\sigma(\sqrt{q_c}z) - \hat c_{1,c}^2`, :math:`q_c = \varsigma^2\mathrm{tr}\,\Sigma_c/d`,
  and the label covariance :math:`k_c = \sqrt{a_c}\hat f_{1,c}/s_c\,W\Sigma_ce_1`, :math:`s_c^2 = e_1^\top\Sigma_ce_1`;
* the feature mean :math:`\hat c_{0,c}\mathbf 1` is a direction that :math:`W` does not see; it acts as a
  fitted intercept :math:`t^\star = \sum_c w_ca_c\hat c_{0,c}/\sum_cw_c\hat c_{0,c}^2`;
* every trace and quadratic form of :math:`\bar Q = (z + WAW^\top)^{-1}`, :math:`A = \sum_cw_ca_c\Sigma_c`, is
  replaced by its anisotropic Marchenko-Pastur equivalent (rows of :math:`W` of law :math:`N(0, \varsigma^2I/d)`,
  the limit of the sphere):

  .. math:: W^\top\bar QW \simeq \kappa K,\quad K = (z + \kappa\varsigma^2A)^{-1}\varsigma^2,\quad
            \kappa = \frac{p/d}{1+e},\quad e = \frac{\varsigma^2}d\mathrm{tr}(AK'),\quad
            \mathrm{tr}\,\bar Q \simeq \frac{p - \kappa de}z

  (:math:`K' = (z + \kappa\varsigma^2A)^{-1}`), with the second-order traces from their exact derivatives.

The spikes of :math:`\Sigma_c` need no separate treatment: they are part of :math:`A`, and the equivalent holds
for its quadratic forms as well as its traces. After a step (``lr > 0``, Gaussian or Rademacher readout, spiked
covariances) the equivalent first layer :math:`W_0 + \tau s\bar u^\top` of :mod:`theory.mixtures.risk` is lifted
to :math:`[U, s/\sqrt d]\,B` (:func:`_lift_step`), valid while the step's shift of the preactivations
(``parameters["feature_shift"]``) is small. Open: non-zero component means, Hermite degrees above one (which
matter at finite :math:`d` for spikes that grow with :math:`d`, ``docs/theory/mixtures.md#checks``), shifts of
order one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._applicability import NotApplicable
from .._checks import check_positive
from .._result import Result
from ..ridge.solvers import fixed_point, residual_norm
from .conditional import _target_moments, neuron_coefficients

__all__ = ["AnisotropicMP", "MixtureLimit", "mixture_limit_risk", "anisotropic_mp"]


def _solve_e(lam_eig, z, r, d_var=None):
    r"""The root :math:`e\ge0` of :math:`e = \frac1d\sum_k\lambda_k/(z + r\lambda_k/(1+e))` (monotone: bisection,
    then Newton polish)."""
    lam_eig = np.clip(lam_eig, 0.0, None)

    def g(e):
        return e - float(np.sum(lam_eig / (z + r * lam_eig / (1.0 + e)))) / dv

    dv = lam_eig.size if d_var is None else d_var
    lo, hi = 0.0, float(np.sum(lam_eig)) / (dv * z) + 1e-300
    if g(hi) < 0:  # cannot happen for z > 0; guard against rounding
        hi *= 2
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if g(mid) > 0:
            hi = mid
        else:
            lo = mid
        if hi - lo <= 1e-16 * max(hi, 1e-300):
            break
    return 0.5 * (lo + hi)


@dataclass(frozen=True)
class AnisotropicMP:
    r"""The anisotropic Marchenko-Pastur equivalent of :math:`\bar Q = (zI_p + UAU^\top)^{-1}` (:func:`anisotropic_mp`),
    in the eigenbasis ``V`` of :math:`A` (eigenvalues ``lam``): :math:`U^\top\bar QU\simeq\kappa V\mathrm{diag}(k)V^\top`,
    :math:`k = 1/(z + \kappa\,\mathrm{lam})`, ``trace`` :math:`\simeq\mathrm{tr}\,\bar Q`, ``p`` rows."""

    z: float
    kappa: float
    e: float
    trace: float
    lam: np.ndarray
    V: np.ndarray
    k: np.ndarray
    p: int
    d_var: int

    def derivative(self, dz, dA_eig):
        r"""Exact derivative of :math:`(\kappa, \mathrm{tr}\,\bar Q, K)` along :math:`(z, A)\to(z + t\,dz, A + t\,dA)`,
        ``dA_eig`` :math:`= V^\top dA\,V`; :math:`dK` is returned in the eigenbasis
        (``docs/derivations/mixture_limit.md`` §3)."""
        d = self.d_var
        r = self.p / d
        k, lam, kap = self.k, self.lam, self.kappa
        # dK = -K (dz + dkappa A + kappa dA) K;  de = [tr(dA K) + tr(A dK)] / d;  dkappa = -kappa^2 de / r
        akk = lam * k * k
        e_z = -float(np.sum(akk)) * dz / d
        e_A = (float(np.sum(np.diag(dA_eig) * k)) - kap * float(np.sum(np.diag(dA_eig) * akk))) / d
        e_kap = -float(np.sum(lam * akk)) / d
        de = (e_z + e_A) / (1.0 + kap * kap / r * e_kap)
        dkap = -kap * kap * de / r
        mid = dz * np.eye(lam.size) + np.diag(dkap * lam) + kap * dA_eig
        dK = -(k[:, None] * mid * k[None, :])
        dtrace = (-(dkap * d * self.e + kap * d * de) - self.trace * dz) / self.z
        return dkap, dtrace, dK


def anisotropic_mp(A, z, p, d_var=None):
    r"""Deterministic equivalent of :math:`\bar Q = (zI_p + UAU^\top)^{-1}` for :math:`U\in\mathbb R^{p\times d}` with
    i.i.d. :math:`N(0, I_d/d)` rows and a symmetric positive semi-definite :math:`A`:
    :math:`U^\top\bar QU\simeq\kappa(z+\kappa A)^{-1}`, :math:`\kappa = (p/d)/(1+e)`,
    :math:`e = \mathrm{tr}\,A(z+\kappa A)^{-1}/d`, :math:`\mathrm{tr}\,\bar Q\simeq(p-\kappa de)/z`
    (``docs/derivations/mixture_limit.md`` §2), as an :class:`AnisotropicMP`.

    >>> eq = anisotropic_mp(np.eye(200), 1.0, 100)      # A = I: the Marchenko-Pastur law of ratio 1/2
    >>> from theory.ridge.marchenko_pastur import mp_average
    >>> bool(np.isclose(eq.trace / 100, mp_average(lambda x: 1 / (1 + x), 0.5), rtol=1e-10))
    True
    """
    A = np.asarray(A, dtype=float)
    d = A.shape[0] if d_var is None else int(d_var)  # the rows of U have covariance I/d
    lam, V = np.linalg.eigh(0.5 * (A + A.T))
    lam = np.clip(lam, 0.0, None)
    r = p / d
    e = _solve_e(lam, z, r, d)
    kappa = r / (1.0 + e)
    k = 1.0 / (z + kappa * lam)
    return AnisotropicMP(z, kappa, e, (p - kappa * d * e) / z, lam, V, k, int(p), d)


@dataclass(frozen=True)
class MixtureLimit(Result):
    r"""Draw-free limit of ridge on random features of a Gaussian mixture (:func:`mixture_limit_risk`).

    Attributes
    ----------
    test_error, train_error, test_risk : float
        :math:`\sum_c\rho_cE_c`, :math:`\sum_c\rho_cE_c/(1+\delta_c)^2`, ``test_error - noise_var``.
    component_test_error, delta : ndarray (C,)
    status : str
        ``"converged"``, else ``"max_iter"`` / ``"no_solution"`` with NaN errors.
    n_iter : int
    residual : float
        :func:`theory.solvers.residual_norm` of the :math:`\delta` equations at the returned point.
    parameters : dict
        ``a``, ``b``, ``c0`` (per component), ``intercept``, ``init_scale``, ``lam_b``, ``kappa`` and
        ``mean_fluctuation``: the norm of the component-dependent part of the feature means that the limit leaves
        out (``docs/derivations/mixture_limit.md`` §4; it vanishes for spikes of finite rank and bounded strength;
        at 0.23 a classification by covariance alone was 2-5% off).
    """

    test_error: float
    train_error: float
    test_risk: float
    component_test_error: np.ndarray
    delta: np.ndarray
    status: str
    n_iter: int
    residual: float
    parameters: dict = field(default_factory=dict)


def _component_constants(setup, data):
    """Per component: ``a, b, c0, q`` of the activation and ``label mean, label variance, label coefficient, h``."""
    d = data.d
    scale = float(data.init_scale)
    e1 = np.zeros(d)
    e1[0] = 1.0
    out = []
    for c in range(data.n_components):
        cov = data.covariances[c]
        q = scale**2 * cov.trace / d
        coef, m2 = neuron_coefficients(setup.activation.func, [0.0], [q], 2)
        c0, c1 = float(coef[0, 0]), float(coef[0, 1])
        g = float(coef[0, 2]) / (2.0 * q)  # d c0 / d q
        var = float(m2[0]) - c0 * c0
        a, b = c1 * c1 / q, var - c1 * c1
        if data.task == "classification":
            out.append(dict(a=a, b=b, c0=c0, g=g, q=q, c1=c1 / math.sqrt(q), ya=float(data.labels[c]),
                            yv=setup.noise_var, h=np.zeros(d), slope=0.0))
            continue
        s2 = cov.quadratic(e1)
        fk, var_y = _target_moments(setup, 0.0, s2, 1)
        # k_c = sqrt(a) f1 / s W Sigma e1 = U (scale sqrt(a) f1 / s Sigma e1)
        h = scale * math.sqrt(a) * float(fk[1]) / math.sqrt(s2) * cov.apply(e1)
        out.append(dict(a=a, b=b, c0=c0, g=g, q=q, c1=c1 / math.sqrt(q), ya=float(fk[0]), yv=var_y + setup.noise_var,
                        h=h, slope=float(fk[1]) / math.sqrt(s2)))
    return out


def _lift_step(setup, data, cst, tau, Sig, H):
    r"""The equivalent first layer after the step, :math:`W_1 = \varsigma U + \tau s\bar u^\top`, written as
    :math:`\tilde UB` with :math:`\tilde U = [U, s/\sqrt d]` (i.i.d. entries of variance :math:`1/d` for a Gaussian or
    Rademacher readout) and :math:`B = [\varsigma I;\ \tau\sqrt d\,\bar u^\top]`; :math:`\bar u = \sum_c\rho_cc_{1,c}u_c`
    is its mean :math:`\sum_c\rho_cc_{1,c}\hat f_{1,c}\Sigma_ce_1/s_c` plus the batch's noise, a direction orthogonal
    to :math:`e_1` and to every spike, of squared norm :math:`\sum_c\rho_cc_{1,c}^2E[y^2\mid c]\mathrm{tr}\,\Sigma_c/n`
    (``docs/derivations/mixture_limit.md`` §6). Returns the lifted :math:`B\Sigma_cB^\top` (with the init scale), the
    lifted label vectors and the step's parameters."""
    from ..model.data import SpikedCovariance

    d, C = data.d, data.n_components
    scale = float(data.init_scale)
    rho = np.asarray(data.weights, dtype=float)
    e1 = np.zeros(d)
    e1[0] = 1.0
    mean_u = np.zeros(d)
    noise_sq = 0.0
    spikes = [e1]
    for c in range(C):
        cov = data.covariances[c]
        if not isinstance(cov, SpikedCovariance):
            raise NotApplicable("the draw-free limit after a step needs spiked covariances (theory.SpikedCovariance)")
        spikes.extend(np.atleast_2d(cov.directions))
        x = cst[c]
        mean_u += rho[c] * x["c1"] * x["slope"] * cov.apply(e1)
        noise_sq += rho[c] * x["c1"] ** 2 * (x["yv"] + x["ya"] ** 2) * cov.trace / float(setup.n)
    basis = np.linalg.qr(np.stack(spikes + [mean_u]).T)[0]
    j = int(np.argmin(np.sum(basis**2, axis=1)))  # the coordinate least in their span
    v = np.zeros(d)
    v[j] = 1.0
    v -= basis @ (basis.T @ v)
    v /= np.linalg.norm(v)
    u = mean_u + math.sqrt(noise_sq) * v
    B = np.vstack([scale * np.eye(d), tau * math.sqrt(d) * u[None, :]])  # (d + 1, d)
    raw = [data.covariances[c].dense() for c in range(C)]
    Sig_ext = np.stack([B @ raw[c] @ B.T for c in range(C)])
    H_ext = np.stack([np.concatenate([H[c], [tau * math.sqrt(d) / scale * float(u @ H[c])]]) for c in range(C)])
    shift = tau * math.sqrt(max(float(u @ data.covariances[c].apply(u)) for c in range(C)))
    info = dict(tau=tau, direction_mean_norm=float(np.linalg.norm(mean_u)), direction_noise_norm=math.sqrt(noise_sq),
                feature_shift=shift)
    return Sig_ext, H_ext, info


def _mean_fluctuation(Sig, g, p) -> float:
    r"""Norm of what the limit leaves out of the feature means: each neuron's mean moves with its own variance,
    :math:`m_{c,i}\approx\hat c_{0,c} + g_c(w_i^\top\Sigma_cw_i - q_c)`, :math:`g_c = \hat c_{2,c}/(2q_c)`, and the
    part that differs between components has norm
    :math:`\max_{c,c'}\sqrt{2p\,\mathrm{tr}(D^2)}/d`, :math:`D = g_c\tilde\Sigma_c - g_{c'}\tilde\Sigma_{c'}`
    (:math:`\tilde\Sigma = \varsigma^2\Sigma - q I`): of order one when the covariances differ at a rank
    proportional to :math:`d` and :math:`\sigma` has a mean (``docs/derivations/mixture_limit.md`` §4)."""
    C, d = Sig.shape[0], Sig.shape[1]
    cent = [Sig[c] - np.trace(Sig[c]) / d * np.eye(d) for c in range(C)]
    out = 0.0
    for c in range(C):
        for cp in range(c + 1, C):
            D = g[c] * cent[c] - g[cp] * cent[cp]
            out = max(out, math.sqrt(2.0 * p * float(np.sum(D * D))) / d)
    return out


def mixture_limit_risk(setup, n_ridge, lam, *, tol: float = 1e-12, max_iter: int = 2000) -> MixtureLimit:
    r"""Draw-free limit of ridge on the random features :math:`\sigma(W_0x)` of ``setup.data`` (``lr = 0``).

    The per-component system of :func:`theory.mixtures.gaussian_mixture_ridge` (``docs/derivations/mixture_risk.md``
    §2) with every trace and quadratic form of the weights replaced by its limit
    (``docs/derivations/mixture_limit.md``): with :math:`w_c = \rho_c/(1+\delta_c)`,
    :math:`z = \lambda_B + \sum_cw_cb_c`, :math:`A = \varsigma^2\sum_cw_ca_c\Sigma_c`,

    .. math::

        n\delta_c = a_c\varsigma^2\kappa\,\mathrm{tr}(\Sigma_cK) + b_c\,\mathrm{tr}\,\bar Q,\qquad
        E_{c'} = (y_{c'} - \hat c_{0,c'}t^\star)^2 + v_{c'} - 2\kappa h_w^\top Kh_{c'} + \theta^\top\Omega_{c'}\theta
                 + \sum_c\frac{\rho_c\,\mathrm{tr}(\Omega_c\bar Q\Omega_{c'}\bar Q)}{n(1+\delta_c)^2}E_c,

    :math:`K = (z+\kappa A)^{-1}`, :math:`h_w = \sum_cw_ch_c`, the last two traces as exact derivatives of the
    first-order equivalents along :math:`\Omega_{c'}`.

    Parameters
    ----------
    setup : theory.OneStep
        One step (``lr = 0``, or ``lr > 0`` with a Gaussian or Rademacher readout and spiked covariances);
        ``setup.data`` a :class:`theory.GaussianMixture` with zero means (or ``None``: isotropic); single-index
        target or ``task="classification"``.
    n_ridge, lam : float
        Ridge size and penalty :math:`\lambda_C > 0` (reference form, :math:`\lambda_B = \lambda_Cp/n`).

    Examples
    --------
    One isotropic component is the library's random-features limit:

    >>> import theory
    >>> s = theory.OneStep(activation="tanh", target="tanh", d=200, width=150, lr=0.0)
    >>> a = mixture_limit_risk(s, 300, 0.1).test_error
    >>> bool(np.isclose(a, theory.risk(s, 300, 0.1, method="rf").test_error, rtol=1e-8))
    True
    """
    from ..model.data import GaussianMixture
    from ..model.onestep import require_one_step

    require_one_step(setup, "the draw-free mixture limit")
    tau = float(setup.lrs[0])
    if tau != 0.0 and setup.readout not in ("gaussian", "rademacher"):
        raise NotApplicable("the draw-free mixture limit after a step needs readout 'gaussian' or 'rademacher' (the "
                            "readout is a column of the lifted weights); use theory.mixtures.mixture_risk(draws=...)")
    n = check_positive(n_ridge, "n_ridge")
    lam = check_positive(lam, "lam")
    data = setup.data if setup.data is not None else GaussianMixture([1.0], d=int(round(setup.d)))
    if any(np.any(data.mean(c) != 0) for c in range(data.n_components)):
        raise NotApplicable("the draw-free mixture limit assumes zero component means (not derived for means yet); "
                            "use theory.mixtures.mixture_risk")
    d, p = data.d, int(round(setup.width))
    C = data.n_components
    rho = np.asarray(data.weights, dtype=float)
    cst = _component_constants(setup, data)
    a = np.array([x["a"] for x in cst])
    b = np.array([x["b"] for x in cst])
    c0 = np.array([x["c0"] for x in cst])
    ya = np.array([x["ya"] for x in cst])
    yv = np.array([x["yv"] for x in cst])
    H = np.stack([x["h"] for x in cst])  # (C, d)
    s2 = float(data.init_scale) ** 2
    Sig = np.stack([s2 * data.covariances[c].dense() for c in range(C)])  # varsigma^2 Sigma_c
    lam_b = lam * p / n
    mean_fluct = _mean_fluctuation(Sig, np.array([x["g"] for x in cst]), p)
    step_info = {}
    if tau != 0.0:
        Sig, H, step_info = _lift_step(setup, data, cst, tau, Sig, H)

    def equivalent(delta):
        w = rho / (1.0 + delta)
        A = np.einsum("c,cij->ij", w * a, Sig)
        return anisotropic_mp(A, lam_b + float(w @ b), p, d_var=d), w

    def step(delta):
        if np.any(delta <= -1.0) or not np.all(np.isfinite(delta)):
            return np.full(C, np.nan)
        eq, _ = equivalent(delta)
        SK = np.einsum("cij,ij->c", Sig, (eq.V * eq.k) @ eq.V.T)  # tr(Sigma_c K)
        return (a * eq.kappa * SK + b * eq.trace) / n

    sol = fixed_point(step, np.zeros(C), tol=tol, max_iter=max_iter, accelerate=True)
    it = sol.n_iter
    if sol.status != "converged" and it < max_iter:
        sol = fixed_point(step, np.zeros(C), tol=tol, max_iter=max_iter - it, accelerate=False, growth=np.inf)
        it += sol.n_iter
    delta, status = np.asarray(sol.x, dtype=float), sol.status
    res = residual_norm(delta, step(delta))
    eq, w = equivalent(delta)
    V, k, kap = eq.V, eq.k, eq.kappa
    S_eig = np.stack([V.T @ Sig[c] @ V for c in range(C)])  # V^T Sigma_c V
    H_eig = H @ V
    hw = w @ H_eig
    # intercept along the mean direction 1 (unpenalised at leading order)
    omega = float(w @ (c0 * c0))
    t_star = float(w @ (ya * c0)) / omega if omega > 1e-14 * max(1.0, float(w @ ya**2)) else 0.0
    bias = np.empty(C)
    M = np.empty((C, C))
    for cp in range(C):
        dkap, dtrace, dK = eq.derivative(b[cp], a[cp] * S_eig[cp])
        # theta^T Omega_c' theta = -d/dt [kappa h_w^T K h_w]
        quad = -(dkap * float(hw @ (k * hw)) + kap * float(hw @ dK @ hw))
        cross = kap * float(hw @ (k * H_eig[cp]))
        bias[cp] = (ya[cp] - c0[cp] * t_star) ** 2 + yv[cp] - 2.0 * cross + quad
        for c in range(C):
            # tr(Omega_c Q Omega_c' Q) = -d/dt [a_c kappa tr(Sigma_c K) + b_c tr Q]
            trSK = float(np.sum(np.diag(S_eig[c]) * k))
            dtrSK = float(np.sum(S_eig[c] * dK.T))
            t2 = -(a[c] * (dkap * trSK + kap * dtrSK) + b[c] * dtrace)
            M[cp, c] = rho[c] * t2 / (n * (1.0 + delta[c]) ** 2)
    try:
        E = np.linalg.solve(np.eye(C) - M, bias)
    except np.linalg.LinAlgError:
        E = np.full(C, np.nan)
    D = 1.0 + delta
    test, train = float(rho @ E), float(rho @ (E / D**2))
    if status == "converged" and not (np.all(np.isfinite(E)) and np.all(E >= 0)):
        status = "no_solution"
    if status != "converged":
        test = train = float("nan")
        E = np.full(C, np.nan)
    params = dict(a=a.tolist(), b=b.tolist(), c0=c0.tolist(), intercept=t_star, init_scale=float(data.init_scale),
                  lam_b=lam_b, kappa=kap, mean_fluctuation=mean_fluct, **step_info)
    return MixtureLimit(test, train, test - setup.noise_var, E, delta, status, it, res, params)
