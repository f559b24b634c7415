r"""Spiked-random-features parameters :math:`(r, c, \gamma)` of one giant step (Cui et al. 2024).

After one full-batch step of size :math:`\tau` (``lr``) on :math:`n_0 = \alpha_0 d` samples with the
readout frozen at a common value, every neuron is, to leading order (``docs/theory/step.md#spiked-rf-parameters``),

.. math:: w_i^1 = \sqrt c\, w_i^0 + r\,\hat v, \qquad \|w_i^0\| = \|\hat v\| = 1,

with one spike direction :math:`\hat v = u/\|u\|`, :math:`u = X^\top r_{\rm step}/n_0`, shared by all
neurons, and :math:`\gamma = \hat v\cdot\beta_*`. Splitting :math:`\sigma' = E\sigma' + (\sigma' - E\sigma')`:

.. math::

   \|u\|^2 = (\mu_1^\star)^2 + \frac{E r_{\rm step}^2}{\alpha_0}, \qquad
   r = \tau\, E\sigma'\, \|u\|, \qquad
   \gamma = \frac{\mu_1^\star}{\|u\|}, \qquad
   c = \big(1 + \tau\, E[r_{\rm step}]\, E[z\sigma'(z)]\big)^2
       + \frac{\tau^2\, E r_{\rm step}^2\, \mathrm{Var}\,\sigma'}{\alpha_0} .

With a centred residual (odd :math:`\sigma`, centred target) and :math:`E r_{\rm step}^2 = E\sigma_\star^2 + \Delta`
this is the current version of Cui et al.'s code as recorded in ``docs/theory/step.md#spiked-rf-parameters``
(:math:`r = \tilde\eta\mu_1\sqrt{(\mu_1^\star)^2+\mu_2^\star/\alpha_0}`,
:math:`c = 1 + \tilde\eta^2\mu_2^\star\mathrm{Var}\,\sigma'/\alpha_0`,
:math:`\gamma = \mu_1^\star/\sqrt{(\mu_1^\star)^2+\mu_2^\star/\alpha_0}`), with the label noise
:math:`\mu_2^\star \to E\sigma_\star^2 + \Delta` of the note's "Label noise" item. Two extensions
are derived in ``docs/derivations/srf_parameters.md``:

* the step residual :math:`r_{\rm step} = y - f_0` has mean :math:`E[r_{\rm step}] = \mu_0^\star - \bar f_0`
  with :math:`\bar f_0 = \mathrm{output\_scale}\sum_i s_i\,\mu_0` (``residual="full"``), or
  :math:`\mu_0^\star` (``residual="labels"``), and :math:`E r_{\rm step}^2 = E y^2 - 2\mu_0^\star\bar f_0 + \bar f_0^2`;
* a non-centred residual moves every neuron along itself by :math:`\tau E[r_{\rm step}] E[\sigma'(z) z] w_i`
  (Stein's lemma on the per-neuron mean), hence the first term of :math:`c`. It vanishes for odd
  :math:`\sigma` (then :math:`\sigma'` is even) and for a centred residual.

A third per-neuron term is *not* part of Cui et al.'s surrogate and is reported separately as
``alignment_coefficient`` :math:`\hat c` (``docs/derivations/srf_alignment.md``). Write
:math:`\sigma'(u)u = \sum_k a_k He_k(u)` with :math:`a_1 = E[\sigma'(z)z^2] = E\sigma' + E[\sigma'He_2]`. The
component of neuron :math:`i`'s step along its own weight is
:math:`\tau s_i\frac1{n_0}\sum_\mu r_\mu\sigma'(u_{i\mu})u_{i\mu}`, whose :math:`k = 1` term is
:math:`\tau s_i a_1\,w_i^0\cdot u` with :math:`u = X^\top r_{\rm step}/n_0`. Its :math:`E\sigma'` part is the
projection of the common spike on :math:`w_i^0`; the rest moves each neuron along itself in proportion
to its initial overlap with the spike direction :math:`\hat v = u/\|u\|`:

.. math:: \Delta w_i \ni \hat c\, s_i\,(w_i^0\cdot\hat v)\, w_i^0, \qquad
   \hat c = \tau\, \|u\|\, E[\sigma'(z) He_2(z)] .

Its mean part is :math:`\hat c\gamma\,\rho_i` with :math:`\rho_i = w_i^0\cdot\beta_*` (so the regression slope of
each neuron's move along itself on :math:`\rho_i` is :math:`\hat c\gamma = \tau E[z r_{\rm step}]E[\sigma'He_2]`);
the rest comes from the finite-sample part of :math:`u`. Although :math:`w_i^0\cdot\hat v = O(d^{-1/2})`, the
network's test error depends on the term at order one;
``validation.surrogates.srf_weights(..., alignment_term=True)`` adds it to the simulated surrogate, and
``theory.risk(method="srf")`` carries it in the equations by default (``alignment_term=False``: Cui et al.'s
published model; the grid of ``docs/validation/srf_gap.md`` is the evidence).

The fluctuation of :math:`f_0` about its mean, of size
:math:`\mathrm{output\_scale}\sqrt{\mathrm{width}\,\mathrm{Var}\,\sigma}`, is neglected (it is
:math:`O(\mathrm{width}^{-1/2})` for the default ``output_scale = 1/width``); it is reported as
``f0_fluctuation``.

The step sees the a.e. derivative: :math:`E\sigma'` (which equals :math:`\mu_1 = E[z\sigma]` for
continuous :math:`\sigma`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from .._result import Result
from ..hermite.engine import hermite_coefficients
from ..model.statistics import step_statistics

__all__ = ["SRFParameters", "srf_parameters", "common_spike_readout"]


@dataclass(frozen=True)
class SRFParameters(Result):
    r"""The spiked-RF surrogate of one step: :math:`w_i^1 = \sqrt c\,w_i^0 + r\hat v`.

    Attributes
    ----------
    r : float
        Spike size (signed: its sign is that of :math:`\tau E\sigma'`; flipping the signs of both
        ``r`` and ``gamma`` describes the same surrogate).
    c : float
        Bulk variance, :math:`\|w_i^1 - r\hat v\|^2`.
    gamma : float
        Alignment :math:`\hat v\cdot\beta_*` of the spike with the target direction.
    u_norm : float
        :math:`\|u\|`, :math:`u = X^\top r_{\rm step}/n_0` (its limit).
    residual_mean, residual_second_moment : float
        :math:`E r_{\rm step}` and :math:`E r_{\rm step}^2` (label noise included).
    f0_mean, f0_fluctuation : float
        :math:`\bar f_0` used in the residual and the neglected standard deviation of :math:`f_0`.
    noise_included : bool
        Whether label noise (``noise_var > 0``) entered :math:`E r_{\rm step}^2`.
    alignment_coefficient : float
        :math:`\hat c = \tau\|u\|E[\sigma'(z)He_2(z)]`: each neuron also moves by
        :math:`\hat c s_i (w_i^0\cdot\hat v) w_i^0` (module docstring). Not in Cui et al.'s surrogate; see
        ``docs/validation/srf_gap.md``.
    """

    r: float
    c: float
    gamma: float
    u_norm: float
    residual_mean: float
    residual_second_moment: float
    f0_mean: float
    f0_fluctuation: float
    noise_included: bool
    alignment_coefficient: float = 0.0

    @property
    def rho(self) -> float:
        r""":math:`\sqrt{1-\gamma^2}`, the part of the target orthogonal to the spike."""
        return math.sqrt(max(1.0 - self.gamma**2, 0.0))


def common_spike_readout(setup) -> bool:
    """Whether every neuron receives the same spike (up to a sign that odd activations absorb).

    True for ``readout="constant"``, and for ``"rademacher"`` when the activation is odd (then
    :math:`\\sigma(w - r\\hat v) = -\\sigma(-w + r\\hat v)` and the sign goes into the readout).
    """
    if setup.readout == "constant":
        return True
    return setup.readout == "rademacher" and setup.activation.parity == -1


def _check_setup(setup):
    from ..model.onestep import require_one_step

    require_one_step(setup, "the spiked-RF parameters")


def srf_parameters(setup) -> SRFParameters:
    r"""Limits of the spike :math:`r`, bulk variance :math:`c` and alignment :math:`\gamma` after one step.

    Source: Cui et al. (2024), current code version, as recorded in ``docs/theory/step.md#spiked-rf-parameters``, with
    label noise (:math:`\mu_2^\star \to E\sigma_\star^2+\Delta`) and the non-centred-residual
    extension of ``docs/derivations/srf_parameters.md`` (see the module docstring for the
    equations).

    Parameters
    ----------
    setup : theory.OneStep
        ``lr`` is Cui's :math:`\tilde\eta`, ``n/d`` is :math:`\alpha_0`. The formula assumes that
        every neuron receives the same spike: ``readout="constant"``, or ``"rademacher"`` with an
        odd activation (see :func:`common_spike_readout`); with other readouts the values describe
        a neuron with :math:`s_i = 1`.

    Returns
    -------
    SRFParameters

    Examples
    --------
    No step (``lr = 0``) is plain random features, :math:`r = 0` and :math:`c = 1` (the alignment
    is then irrelevant, and it tends to 0 as :math:`\alpha_0\to0`).

    >>> import numpy as np
    >>> from theory import OneStep
    >>> p = srf_parameters(OneStep(activation="tanh", target="sin", d=100, width=100, n=2000, lr=0.0))
    >>> (p.r, p.c)
    (0.0, 1.0)

    The alignment is that of the learned direction :math:`X^\top y/n` (``docs/theory/step.md#the-learned-direction``):

    >>> p = srf_parameters(OneStep(activation="tanh", target="sin", d=100, width=100, n=2000, lr=3.0))
    >>> mu1s, ey2 = np.exp(-0.5), (1 - np.exp(-2)) / 2       # sin: E[z sin z], E[sin^2 z]
    >>> bool(np.isclose(p.gamma, mu1s / np.sqrt(mu1s**2 + ey2 / 20)))
    True
    """
    _check_setup(setup)
    st = step_statistics(setup)
    lr = setup.lr
    alignment = lr * st.u_norm * _deriv_he2(setup.activation) if lr != 0 else 0.0
    return SRFParameters(
        r=float(lr * st.c1_step * st.u_norm),
        c=float(st.srf_bulk_variance),
        gamma=float(st.srf_gamma),
        u_norm=float(st.u_norm),
        residual_mean=float(st.target_mean - st.f0_mean_value),
        residual_second_moment=float(st.residual_second_mean_field),
        f0_mean=float(st.f0_mean_value),
        f0_fluctuation=float(st.f0_fluctuation),
        noise_included=bool(setup.noise_var > 0),
        alignment_coefficient=float(alignment),
    )


@lru_cache(maxsize=64)
def _deriv_he2(act) -> float:
    r""":math:`E[\sigma'(z)He_2(z)]` with the a.e. derivative (:math:`= E[\sigma He_3]` for continuous :math:`\sigma`)."""
    return float(hermite_coefficients(act.deriv, 2, kinks=tuple(act.kinks)).values[2])
