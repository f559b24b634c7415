r"""The direction learned by one step on Gaussian-mixture inputs: :math:`u = X^\top y/n` and its overlaps
(``docs/derivations/mixture_direction.md``).

For a component :math:`c` write :math:`t = e_1\cdot x` (the target's argument, :math:`\beta_* = e_1`),
:math:`t\mid c\sim N(m_c, s_c^2)` with :math:`m_c = \mu_{c,1}`, :math:`s_c^2 = e_1^\top\Sigma_ce_1`, and
:math:`v_c = \Sigma_ce_1/s_c`. Conditioning the Gaussian :math:`x` on :math:`t` gives
:math:`x = \mu_c + v_cg + x_\perp` with :math:`g = (t - m_c)/s_c\sim N(0, 1)` independent of
:math:`x_\perp\sim N(0, \Sigma_c - v_cv_c^\top)`. Hence, with :math:`F_j = E[f(t)g^j]` and
:math:`G_j = E[y^2g^j]` (one-dimensional Gaussian integrals, label noise in :math:`G`),

.. math::

    h_c = E[xy\mid c] = F_0\mu_c + F_1v_c,\qquad
    E[y^2x^\top Ax\mid c] = G_0\mu_c^\top A\mu_c + 2G_1\mu_c^\top Av_c + G_2v_c^\top Av_c
                           + G_0\,\mathrm{tr}\,A(\Sigma_c - v_cv_c^\top).

With :math:`n_c = \rho_cn` samples per component, :math:`u = \sum_c\rho_cu_c` and for any symmetric :math:`A`

.. math:: E[u^\top Au] = \bar u^\top A\bar u + \sum_c\frac{\rho_c}{n}\big(E[y^2x^\top Ax\mid c] - h_c^\top Ah_c\big),
          \qquad \bar u = \sum_c\rho_ch_c ,

exactly at every finite :math:`n` (multinomial counts: :math:`\frac1n(\sum_c\rho_cE[y^2x^\top Ax\mid c] - \bar u^\top A\bar u)`).
:math:`A = I` gives :math:`|u|^2`, :math:`A = \Sigma_{c'}` the :math:`\Sigma`-weighted norms that set the size of
the step's feature spikes, :math:`A = gg^\top` the overlap with a covariance spike :math:`g`. The projection
:math:`u\cdot e_1 = \bar u_1 + O(n^{-1/2})`, so :math:`\cos(u, e_1)\to\bar u_1/\sqrt{E|u|^2}`; the result reports
:math:`\sqrt{E[u_1^2]/E|u|^2}` (:math:`A = e_1e_1^\top`), equal to leading order and closer at finite :math:`n`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._applicability import NotApplicable
from .._result import Result

__all__ = ["MixtureDirection", "mixture_direction", "target_moments_1d"]


def target_moments_1d(setup, mean, var):
    r"""``(F0, F1, G0, G1, G2)``: :math:`F_j = E[f(m + sg)g^j]`, :math:`G_j = E[y^2g^j]` with :math:`y = f + \varepsilon`,
    :math:`g\sim N(0,1)`, :math:`m` = ``mean``, :math:`s^2` = ``var`` (the library's Hermite engine; kinks handled).

    >>> from theory import OneStep
    >>> [round(float(v), 12) for v in target_moments_1d(OneStep(target="identity", noise_var=0.5), 1.0, 4.0)]
    [1.0, 2.0, 5.5, 4.0, 13.5]
    """
    from ..hermite.transforms import scaled_coefficients

    s = math.sqrt(var)
    f = setup.target.func
    c = np.asarray(scaled_coefficients(setup.target, 1, scale=s, shift=mean).values, dtype=float)
    q = np.asarray(scaled_coefficients(lambda t: np.asarray(f(t), dtype=float) ** 2, 2, scale=s, shift=mean,
                                       kinks=tuple(setup.target.kinks)).values, dtype=float)
    noise = setup.noise_var
    return float(c[0]), float(c[1]), float(q[0] + noise), float(q[1]), float(q[2] + q[0] + noise)


@dataclass(frozen=True)
class MixtureDirection(Result):
    r"""Limits of the learned direction :math:`u = X^\top y/n` on mixture data (:func:`mixture_direction`).

    Attributes
    ----------
    signal : float
        :math:`\bar u\cdot e_1`.
    norm_sq : float
        :math:`E|u|^2`.
    cos : float
        :math:`\mathrm{sign}(\bar u_1)\sqrt{E[u_1^2]/E|u|^2}`, the limit of :math:`\cos(u, \beta_*)` (both moments exact
        at finite :math:`n`; their ratio has the leading order :math:`\bar u_1/\sqrt{E|u|^2}`).
    signal_sq : float
        :math:`E[(u\cdot e_1)^2]`.
    sigma_norm_sq : tuple of float
        :math:`E[u^\top\Sigma_cu]`, one per component (the variance of :math:`u\cdot x` under component :math:`c`
        is this plus :math:`(u\cdot\mu_c)^2`).
    spike_overlap_sq : tuple of tuple of float
        :math:`E[(g_{c,j}\cdot u)^2]` for each spike :math:`g_{c,j}` of each spiked component (empty for dense).
    mean_norm_sq : float
        :math:`|\bar u|^2` (the noise part is ``norm_sq - mean_norm_sq``).
    """

    signal: float
    norm_sq: float
    cos: float
    signal_sq: float
    sigma_norm_sq: tuple
    spike_overlap_sq: tuple
    mean_norm_sq: float
    mean: np.ndarray = field(repr=False, default=None, metadata={"to_dict": False})


def mixture_direction(setup, n=None, *, component_weights=None) -> MixtureDirection:
    r"""Limits of :math:`|u|^2`, :math:`\cos(u, e_1)`, :math:`u^\top\Sigma_cu` and the spike overlaps of
    :math:`u = X^\top y/n` on ``n`` samples (default ``setup.n``) of ``setup.data`` (the module docstring gives the
    formulas; :math:`y` = the setup's target plus noise, or the class label for ``task="classification"``).

    ``component_weights`` :math:`w_c` give the moments of :math:`\sum_c\rho_cw_cu_c` instead (e.g.
    :math:`w_c = E\sigma'` of component :math:`c`: the direction the first layer actually moves along): every
    :math:`h_c` is multiplied by :math:`w_c` and each component's fluctuation term by :math:`w_c^2`.

    ``setup.data=None`` is :math:`N(0, I_d)`, where this is the labels-residual limit of
    :func:`theory.learned_overlap`: :math:`|u|^2 = (\mu_1^*)^2 + E y^2 d/n` up to :math:`O(1/n)`.

    Examples
    --------
    >>> from theory import OneStep, GaussianMixture, SpikedCovariance
    >>> s = OneStep(target="identity", d=100, n=400)
    >>> lo = mixture_direction(s)
    >>> lo.norm_sq, lo.signal_sq     # 1 + (E[y^2 g^2] + E y^2 (d - 1) - 1)/n = 1 + 101/400;  1 + (3 - 1)/400
    (1.2525, 1.005)
    >>> g = GaussianMixture([1.0], covariances=SpikedCovariance(np.eye(100)[0], 3.0), d=100)
    >>> round(mixture_direction(s.with_(data=g)).signal, 12)   # E[x y] = Sigma e_1 = 4 e_1
    4.0
    """
    from ..model.data import GaussianMixture, SpikedCovariance

    if setup.is_multi_index:
        raise NotApplicable("mixture_direction needs a single-index target")
    d = int(round(setup.d))
    n = float(setup.n if n is None else n)
    data = setup.data if setup.data is not None else GaussianMixture([1.0], d=d)
    C = data.n_components
    rho = np.asarray(data.weights, dtype=float)
    e1 = np.zeros(d)
    e1[0] = 1.0
    h, parts = [], []
    for c in range(C):
        cov = data.covariances[c]
        mu = data.mean(c)
        s2 = cov.quadratic(e1)
        v = cov.apply(e1) / math.sqrt(s2)
        if data.task == "classification":
            lab = float(data.labels[c])
            F0, F1, G0, G1, G2 = lab, 0.0, lab * lab + setup.noise_var, 0.0, lab * lab + setup.noise_var
        else:
            F0, F1, G0, G1, G2 = target_moments_1d(setup, float(mu[0]), s2)
        h.append(F0 * mu + F1 * v)
        parts.append((cov, mu, v, G0, G1, G2))
    wts = np.ones(C) if component_weights is None else np.asarray(component_weights, dtype=float).reshape(-1)
    if wts.shape != (C,) or not np.all(np.isfinite(wts)):
        raise ValueError(f"component_weights must be {C} finite numbers (one per component); got {component_weights!r}")
    h = [w * hc for w, hc in zip(wts, h)]
    ubar = sum(r * hc for r, hc in zip(rho, h))

    def second(quad, trace):
        """E[u^T A u] from A's quadratic form ``quad`` and ``trace(cov, v) = tr A(Sigma_c - v v^T)``."""
        per = []
        for (cov, mu, v, G0, G1, G2) in parts:
            cross = 0.25 * (quad(mu + v) - quad(mu - v))  # mu^T A v by polarisation
            per.append(G0 * quad(mu) + 2 * G1 * cross + G2 * quad(v) + G0 * trace(cov, v))
        per = np.array(per) * wts**2
        if data.counts == "multinomial":
            return quad(ubar) + (float(rho @ per) - quad(ubar)) / n
        return quad(ubar) + float(rho @ (per - np.array([quad(hc) for hc in h]))) / n

    norm_sq = second(lambda x: float(x @ x), lambda cov, v: cov.trace - float(v @ v))
    sig = []
    for cp in data.covariances:
        def tr_sig(cov, v, cp=cp):
            if isinstance(cov, SpikedCovariance) and isinstance(cp, SpikedCovariance):
                G, th, Gp, thp = cov.directions, cov.strengths, cp.directions, cp.strengths
                # tr(Sigma' Sigma) = d + sum th + sum th' + sum_jk th_j th'_k (g_j . g'_k)^2
                tr = d + th.sum() + thp.sum() + float(th @ (G @ Gp.T) ** 2 @ thp)
            else:
                tr = float(np.sum(cp.dense() * cov.dense()))
            return tr - cp.quadratic(v)
        sig.append(second(cp.quadratic, tr_sig))
    spikes = []
    for cp in data.covariances:
        if not isinstance(cp, SpikedCovariance):
            spikes.append(())
            continue
        row = []
        for gdir in cp.directions:
            row.append(second(lambda x, g=gdir: float(g @ x) ** 2,
                              lambda cov, v, g=gdir: cov.quadratic(g) - float(g @ v) ** 2))
        spikes.append(tuple(row))
    signal = float(ubar[0])
    signal_sq = second(lambda x: float(x[0]) ** 2, lambda cov, v: cov.quadratic(e1) - float(v[0]) ** 2)
    cos = math.copysign(math.sqrt(signal_sq / norm_sq), signal) if norm_sq > 0 else 0.0
    return MixtureDirection(signal=signal, norm_sq=norm_sq, cos=cos, signal_sq=signal_sq,
                            sigma_norm_sq=tuple(sig), spike_overlap_sq=tuple(spikes),
                            mean_norm_sq=float(ubar @ ubar), mean=ubar)
