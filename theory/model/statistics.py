r"""The step's statistics: every moment of one gradient step that a theory needs, computed once per setup.

One step (``docs/theory/step.md``) moves neuron :math:`i` by
:math:`\tau s_i\frac1n\sum_\mu r_\mu\sigma'(w_i\cdot x_\mu)x_\mu` with the step residual :math:`r = y - f_0`
(``residual="full"``) or :math:`r = y` (``"labels"``). Its limits depend on the setup only through a
handful of Gaussian moments; :func:`step_statistics` computes them once (cached per setup) and every
theory -- the learned direction, Ba et al.'s weight spike, the feature spectrum, Cui et al.'s
spiked-RF parameters, the limiting ridge errors -- reads them from here.

Readout and initial network (``docs/spikes.md`` §2), with :math:`(E s, E s^2)` of the readout values:

.. math::

   q = |m|^2 = \mathrm{scale}^2 N E s^2,\qquad S_1 = \mathrm{scale}\,N E s,\qquad
   E S_1^2 = S_1^2 + \mathrm{scale}^2 N (E s^2 - (E s)^2)

(all zero for ``residual="labels"`` or the symmetric readout, whose :math:`f_0` vanishes). The residual:

.. math::

   E r = \mu_0^* - \mu_0 S_1,\qquad
   E r^2 = E(y - \mu_0 S_1)^2 + q(E\sigma^2 - \mu_0^2),

and the learned direction :math:`\beta = X^\top r/n` (``docs/theory/step.md#the-learned-direction``):
:math:`|\beta|^2 \to (\mu_1^*)^2 + \mu_1^2 q + E r^2/\phi`, :math:`\phi = n/d`; its part independent of
:math:`W_0` is :math:`b = \beta + \mu_1 m`, :math:`|b|^2 = |\beta|^2 - \mu_1^2 q`, with alignment
:math:`\gamma = \mu_1^*/|b|`.

Cui et al.'s spiked-RF surrogate (``theory.ridge.srf``, ``docs/derivations/srf_parameters.md``) replaces
:math:`f_0` by its mean :math:`\bar f_0 = \mu_0 S_1`: :math:`E(y - \bar f_0)^2` (``residual_second_mean_field``),
:math:`\|u\|^2 = (\mu_1^*)^2 + E(y-\bar f_0)^2/\phi`.

**The bulk variance** (``docs/derivations/bulk_variance.md``). Besides the spike, the step moves
neuron :math:`i` along itself by :math:`\tau s_iE[r]E[z\sigma'(z)]\,w_i` (Stein's lemma on the mean of
the residual) and adds an isotropic part of squared norm :math:`\tau^2s_i^2E r^2\mathrm{Var}\,\sigma'/\phi`.
A neuron with readout :math:`s` therefore has bulk variance

.. math:: c(s) = \big(1 + \tau s\,E[r]\,E[z\sigma']\big)^2 + \tau^2 s^2\,\frac{E r^2\,\mathrm{Var}\,\sigma'}{\phi},

and the population's is its average :math:`\bar c = E_s c(s)`. For the constant readout this is Cui
et al.'s :math:`c` with the self-move factor; for a centred readout the cross term averages out and
:math:`\bar c = 1 + \tau^2(E[r]E[z\sigma'])^2 + \tau^2E r^2\mathrm{Var}\,\sigma'/\phi`. A Monte Carlo of the
real step (the same page) confirms :math:`\bar c` to 1.5% where the formula without the self-move is off
by 70%.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .._result import Result
from ..hermite.moments import GaussianMoments, gaussian_moments

__all__ = ["StepStatistics", "step_statistics", "readout_moments", "bulk_variance", "READOUT_MOMENTS"]

READOUT_MOMENTS = {  # (E s, E s^2) of the unit-scale readout values
    "gaussian": (0.0, 1.0),
    "rademacher": (0.0, 1.0),
    "symmetric": (0.0, 1.0),
    "constant": (1.0, 1.0),
}


def readout_moments(readout: str):
    r"""``(E s, E s^2)`` of the readout values (unit second moment for every readout).

    >>> readout_moments("constant"), readout_moments("gaussian")
    ((1.0, 1.0), (0.0, 1.0))
    """
    from .._checks import check_choice

    check_choice(readout, tuple(READOUT_MOMENTS), "readout")
    return READOUT_MOMENTS[readout]


def bulk_variance(s, *, lr, self_move, isotropic):
    r"""Bulk variance :math:`c(s) = (1 + \tau s a)^2 + \tau^2 s^2 v` of a neuron with readout value ``s``.

    ``self_move`` is :math:`a = E[r]E[z\sigma']`, ``isotropic`` is :math:`v = E r^2\mathrm{Var}\,\sigma'/\phi`
    (module docstring). Vectorised over ``s``.

    >>> bulk_variance(1.0, lr=2.0, self_move=-0.25, isotropic=0.5)
    2.25
    """
    s = np.asarray(s, dtype=float)
    out = (1.0 + lr * s * self_move) ** 2 + lr**2 * s**2 * isotropic
    return float(out) if out.ndim == 0 else out


@dataclass(frozen=True)
class StepStatistics(Result):
    r"""The moments of one step (module docstring for every formula).

    Attributes
    ----------
    activation_moments, target_moments : GaussianMoments or None
        Moments of :math:`\sigma` and of the single-index :math:`\sigma_*` (``None`` for a multi-index target).
    signal : float
        :math:`|E[x y]|`: :math:`|\mu_1^*|` (multi-index: :math:`|C_1|`).
    target_mean, target_second, target_fourth : float
        :math:`E y`, :math:`E y^2`, :math:`E y^4` (label noise included).
    f0_norm_sq, f0_mean, f0_mean_sq : float
        :math:`q = |m|^2`, :math:`S_1`, :math:`E S_1^2` (zero without an initial network in the residual).
    f0_mean_value, f0_fluctuation : float
        :math:`\bar f_0 = \mu_0S_1` and the standard deviation of :math:`f_0` about it.
    residual_mean, residual_second, residual_fourth : float
        :math:`E r`, :math:`E r^2`, :math:`E r^4` (the fourth moment scaled from :math:`E y^4`).
    residual_second_mean_field : float
        :math:`E(y-\bar f_0)^2`: the residual with :math:`f_0` replaced by its mean (Cui et al.'s surrogate).
    norm_sq : float
        :math:`|\beta|^2`.
    b_norm_sq, gamma : float
        :math:`|b|^2 = |\beta|^2 - \mu_1^2q` and :math:`\gamma = \mu_1^*/|b|` (clipped to [-1, 1]).
    u_norm, srf_gamma : float
        :math:`\|u\|` and :math:`\mu_1^*/\|u\|` of the spiked-RF surrogate.
    c1, c1_step, mu2_step, var_deriv : float
        :math:`\mu_1 = E[z\sigma]`, :math:`E\sigma'`, :math:`E[z\sigma']`, :math:`\mathrm{Var}\,\sigma'`.
    self_move : float
        :math:`a = E[r]E[z\sigma']`: each neuron moves along itself by :math:`\tau s_i a`.
    isotropic : float
        :math:`E r^2\mathrm{Var}\,\sigma'/\phi` (per unit :math:`\tau^2s^2`).
    bulk_variance : float
        :math:`\bar c = E_s c(s)` with the self-move factor (:func:`bulk_variance`).
    srf_bulk_variance : float
        :math:`(1 + \tau E[r]E[z\sigma'])^2 + \tau^2E(y-\bar f_0)^2\mathrm{Var}\,\sigma'/\phi`: Cui et al.'s
        :math:`c` (a neuron with :math:`s = 1`, :math:`f_0` at its mean).
    moniri_alpha : float
        :math:`\alpha = \log(\tau\sqrt N)/\log n` (``-inf`` at :math:`\tau = 0`, ``inf`` for :math:`n \le 1`), the
        input of the interval theorem.
    readout_mean, readout_second : float
        :math:`E s`, :math:`E s^2`.
    """

    activation_moments: GaussianMoments
    target_moments: object
    signal: float
    target_mean: float
    target_second: float
    target_fourth: float
    f0_norm_sq: float
    f0_mean: float
    f0_mean_sq: float
    f0_mean_value: float
    f0_fluctuation: float
    residual_mean: float
    residual_second: float
    residual_fourth: float
    residual_second_mean_field: float
    norm_sq: float
    b_norm_sq: float
    gamma: float
    u_norm: float
    srf_gamma: float
    c1: float
    c1_step: float
    mu2_step: float
    var_deriv: float
    self_move: float
    isotropic: float
    bulk_variance: float
    srf_bulk_variance: float
    moniri_alpha: float
    readout_mean: float
    readout_second: float
    lr: float

    @property
    def moments(self) -> GaussianMoments:
        """The activation's moments (alias of ``activation_moments``)."""
        return self.activation_moments

    def neuron_bulk_variance(self, s):
        r""":math:`c(s)` for readout value(s) ``s`` (the real residual: the same moments as ``bulk_variance``)."""
        return bulk_variance(s, lr=self.lr, self_move=self.self_move, isotropic=self.isotropic)


def _target_stats(setup):
    """``(signal, E y^2, E y, moments)`` for a single- or multi-index target (label noise included)."""
    if setup.is_multi_index:
        from ..multi_index.tensors import hermite_tensor, second_moment

        t = setup.target
        c0 = float(np.asarray(hermite_tensor(t, 0)))
        c1 = np.asarray(hermite_tensor(t, 1), dtype=float)
        second, _ = second_moment(t)
        return float(np.linalg.norm(c1)), float(second) + setup.noise_var, c0, None
    m = gaussian_moments(setup.target, label="target")
    return abs(m.mu1), m.second + setup.noise_var, m.mu0, m


def _target_fourth(setup) -> float:
    """:math:`E y^4` with label noise (single index: quadrature; multi-index: the Gaussian value :math:`3(Ey^2)^2`)."""
    from ..hermite.engine import gaussian_rule

    dn = setup.noise_var
    if setup.is_multi_index:
        from ..multi_index.tensors import second_moment

        m2 = float(second_moment(setup.target)[0]) + dn
        return 3.0 * m2 * m2
    t = setup.target
    z, w = gaussian_rule(t.kinks, degree=8)
    f = np.asarray(t(z), dtype=float)
    return float(w @ f**4 + 6.0 * dn * (w @ f**2) + 3.0 * dn * dn)


def _compute(setup) -> StepStatistics:
    if setup.steps != 1:
        raise ValueError(f"steps must be 1 for the one-step formulas; got {setup.steps}")
    signal, ey2, ey, tgt = _target_stats(setup)
    act = gaussian_moments(setup.activation, label="activation")
    es, es2 = readout_moments(setup.readout)
    phi = setup.sample_ratio
    scale = setup.effective_output_scale
    if setup.residual == "labels" or setup.readout == "symmetric":
        q = s1 = s1sq = 0.0
    else:
        q = scale**2 * setup.width * es2
        s1 = scale * setup.width * es
        s1sq = s1**2 + scale**2 * setup.width * (es2 - es**2)
    # E r^2 = E (y - mu0 S1)^2 + |m|^2 (E sigma^2 - mu0^2)   (docs/spikes.md §2)
    er2 = ey2 - 2.0 * ey * act.mu0 * s1 + act.mu0**2 * s1sq + q * (act.second - act.mu0**2)
    er = ey - act.mu0 * s1
    norm_sq = signal**2 + act.mu1**2 * q + er2 / phi
    ey4 = _target_fourth(setup)
    er4 = ey4 * (er2 / ey2) ** 2 if ey2 > 0 else 0.0
    b_sq = max(norm_sq - act.mu1**2 * q, 0.0)
    gamma = max(-1.0, min(1.0, signal / math.sqrt(b_sq))) if b_sq > 0 else 0.0
    # Cui et al.'s surrogate: f0 at its mean (srf.py; the readout's sum is width for "constant", ~0 otherwise)
    if setup.residual == "full":
        f0_bar = scale * (setup.width if setup.readout == "constant" else 0.0) * act.mu0
        f0_fluct = scale * math.sqrt(setup.width * max(act.second - act.mu0**2, 0.0))
    else:
        f0_bar = f0_fluct = 0.0
    er2_mf = ey2 - 2.0 * ey * f0_bar + f0_bar**2
    mu1_t = tgt.mu1 if tgt is not None else signal
    u_norm = math.sqrt(mu1_t**2 + er2_mf / phi)
    lr = setup.lr
    a = er * act.deriv_z
    iso = er2 * act.deriv_var / phi
    c_bar = 1.0 + 2.0 * lr * es * a + lr**2 * es2 * (a * a + iso)  # E_s c(s)
    c_srf = bulk_variance(1.0, lr=lr, self_move=(ey - f0_bar) * act.deriv_z, isotropic=er2_mf * act.deriv_var / phi)
    # the exponent is undefined for n <= 1 (no asymptotics in n): +inf, as in method selection
    alpha = float("-inf") if lr == 0 else (setup.moniri_alpha if setup.n > 1 else float("inf"))
    return StepStatistics(
        activation_moments=act, target_moments=tgt, signal=signal, target_mean=ey, target_second=ey2,
        target_fourth=ey4, f0_norm_sq=q, f0_mean=s1, f0_mean_sq=s1sq,
        f0_mean_value=f0_bar, f0_fluctuation=f0_fluct, residual_mean=er, residual_second=er2, residual_fourth=er4,
        residual_second_mean_field=er2_mf, norm_sq=norm_sq, b_norm_sq=b_sq, gamma=gamma, u_norm=u_norm,
        srf_gamma=mu1_t / u_norm if u_norm > 0 else 0.0, c1=act.mu1, c1_step=act.deriv_mean, mu2_step=act.deriv_z,
        var_deriv=act.deriv_var, self_move=a, isotropic=iso, bulk_variance=c_bar, srf_bulk_variance=c_srf,
        moniri_alpha=alpha, readout_mean=es, readout_second=es2, lr=lr,
    )


@lru_cache(maxsize=256)
def _cached(setup) -> StepStatistics:
    return _compute(setup)


def step_statistics(setup) -> StepStatistics:
    r"""Every moment of the step of ``setup`` (a :class:`theory.OneStep` with ``steps=1``), computed once.

    Cached per setup (setups are frozen and hashable; an unhashable one is computed each time).

    Examples
    --------
    ReLU on a linear target with the constant readout: the residual :math:`r = y - f_0` has mean
    :math:`-\mu_0 = -1/\sqrt{2\pi}`, so each neuron shrinks along itself (self-move factor
    :math:`(1 + \tau E[r]E[z\sigma'])^2 = (1 - \tau/(2\pi))^2`):

    >>> from theory import OneStep
    >>> st = step_statistics(OneStep(activation="relu", target="identity", d=400, width=400, n=1600, lr=2.0))
    >>> bool(np.isclose(st.self_move, -1 / (2 * np.pi)))
    True
    >>> bool(np.isclose(st.bulk_variance, (1 - 2 / (2 * np.pi)) ** 2 + 4 * st.isotropic))
    True
    """
    from .onestep import OneStep

    if not isinstance(setup, OneStep):
        raise TypeError(f"setup must be a theory.OneStep; got {type(setup).__name__}")
    if not setup.is_isotropic:  # every moment below is an isotropic Gaussian integral
        from .._applicability import NotApplicable

        raise NotApplicable(f"the one-step statistics assume isotropic Gaussian inputs (data=None); got data of type "
                            f"{type(setup.data).__name__} (for a Gaussian mixture see theory.mixtures)")
    try:
        return _cached(setup)
    except TypeError:  # an unhashable part (e.g. a target object without __hash__)
        return _compute(setup)
