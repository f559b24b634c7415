r"""Two gradient steps with their own sizes (Moniri & Hassani, arXiv:2605.17767), ridge on the features after them.

With per-neuron steps :math:`\tau_t = \eta_t/\sqrt N`, :math:`\eta_t = N^{\alpha_t}`, :math:`\alpha_t < 1/2`, every
neuron's preactivation moves by a vanishing amount, and to leading order the two steps add the common
shift :math:`s_i\,r_0` with (``docs/derivations/two_step_risk.md`` §2)

.. math::

   r_0 = c_1(\tau_1u_1 + \tau_2u_2)\ \text{(fresh batches)},\qquad r_0 = c_1(\tau_1 + \tau_2)u_1\ \text{(reused batch)},

:math:`u_t = X_t^\top y_t/n`, :math:`c_1 = E\sigma'`, and a per-neuron isotropic part. Both laws are those
of **one** step of size :math:`\tau_1 + \tau_2` on an effective batch

.. math::

   n_{\rm eff} = n\,\frac{(\tau_1+\tau_2)^2}{\tau_1^2+\tau_2^2}\ \text{(fresh)},\qquad n_{\rm eff} = n\ \text{(reused)},

so the features are those of the one-step setup :func:`effective_setup`, and the risk is the one-step
regime's risk there (Moniri et al.'s equivalent model for a Gaussian readout, Cui et al.'s spiked random
features for a common spike; no formula is copied: the channels are the registered regime's). The spike
degrees of Moniri et al.'s model are those of the real exponent :math:`\log(|\tau_1+\tau_2|\sqrt N)/\log n`.
The higher orders :math:`j\ge1` of the second step (left vectors :math:`s^{\circ(j+1)}`, and the reused
batch's self-interaction) are left out: :func:`theory.two_step_feature_spikes` counts which of them are
feature spikes (``docs/derivations/two_step_risk.md`` §4).
"""

from __future__ import annotations

import math
from dataclasses import replace

from .._applicability import NotApplicable
from ..spikes.predictions import spike_degrees
from ..spikes.two_step_features import two_step_feature_spikes
from ._common import step_exponent
from .base import Applicability, ChannelModel, Regime, available, get, register

__all__ = ["REGIME", "effective_setup", "effective_sample_size", "inner_method", "real_degrees"]

REGIME_NAME = "two_step"
_OUTPUT_MOVE_MAX = 0.05  # residual="full": largest allowed output_scale * width * |tau_1| (see _check)


def effective_sample_size(n, lrs, reuse_batch=False) -> float:
    r"""Batch size :math:`n_{\rm eff}` of the one step equivalent to two steps ``lrs = (tau1, tau2)``.

    .. math:: n_{\rm eff} = n\,\frac{(\tau_1+\tau_2)^2}{\tau_1^2+\tau_2^2}\ \text{(fresh batches)},\qquad
              n_{\rm eff} = n\ \text{(reused batch)}

    (``docs/derivations/two_step_risk.md`` §2: the fresh batches give two independent estimates
    :math:`u_1, u_2` of :math:`E[xy]`, averaged with weights :math:`\tau_t`; a reused batch gives one.)
    ``n`` may be any positive number; ``tau1 + tau2 = 0`` raises ``ValueError``.

    >>> effective_sample_size(1000, (0.3, 0.3)), effective_sample_size(1000, (0.3, 0.0))
    (2000.0, 1000.0)
    >>> effective_sample_size(1000, (0.3, 0.3), reuse_batch=True)
    1000.0
    """
    tau1, tau2 = (float(t) for t in lrs)
    if tau1 + tau2 == 0.0:
        raise ValueError(f"lrs must not sum to zero (the two steps cancel on the signal); got {lrs!r}")
    n = float(n)
    if not n > 0:
        raise ValueError(f"n must be positive; got {n!r}")
    if reuse_batch:
        return n
    return n * (tau1 + tau2) ** 2 / (tau1 * tau1 + tau2 * tau2)


def effective_setup(setup):
    r"""The one-step setup whose features equal, to leading order, those after the two steps of ``setup``.

    ``lr = tau1 + tau2``, ``n = effective_sample_size(n, lrs, reuse_batch)``, ``steps = 1``, every other
    field unchanged (``docs/derivations/two_step_risk.md`` §2). Its learned direction has the law of
    :math:`r_0/(c_1(\tau_1+\tau_2))`: :math:`\mu_1^*\beta_*` plus isotropic noise of variance
    :math:`E y^2/n_{\rm eff}` per coordinate.

    >>> from theory import OneStep
    >>> s = OneStep(activation="tanh", target="tanh", d=100, width=100, n=200, lr=(0.2, 0.1))
    >>> e = effective_setup(s)
    >>> round(e.lr, 12), round(e.n, 9), e.steps
    (0.3, 360.0, 1)
    """
    if setup.steps != 2:
        raise ValueError(f"effective_setup describes two steps; got steps={setup.steps}")
    lrs = setup.lrs
    n_eff = effective_sample_size(setup.n, lrs, setup.reuse_batch)
    return setup.with_(lr=float(lrs[0]) + float(lrs[1]), n=n_eff, steps=1, reuse_batch=False)


def inner_method(eff) -> tuple:
    """``(name, reason)`` of the one-step regime that ``method="auto"`` picks for the effective setup ``eff``."""
    for name in available():
        reg = get(name)
        if 1 in reg.steps:
            chosen = reg.selects(eff, eff.lr)
            if chosen:
                return name, chosen.reason
    raise NotApplicable(f"no one-step regime describes the effective one-step setup (lr = {eff.lr:g}, "
                        f"n = {eff.n:g}, readout {eff.readout!r})")



def _with_last(setup, lr):
    return setup if lr is None else setup.with_(lr=setup.lrs[:-1] + (float(lr),))


def _check(setup) -> str:
    """Why the leading-order reduction does not hold for ``setup`` ('' when it holds)."""
    if setup.steps != 2:
        return f"method 'two_step' describes two steps; got steps={setup.steps}"
    if not setup.is_isotropic:
        return "method 'two_step' needs isotropic Gaussian inputs (data=None)"
    alphas = setup.step_exponents
    if not all(a < 0.5 for a in alphas):
        return ("method 'two_step' needs both step exponents alpha_t = log(lr_t sqrt(width))/log(width) < 1/2 "
                f"(vanishing per-neuron steps, Moniri & Hassani's regime); got {', '.join(f'{a:.3g}' for a in alphas)}")
    if sum(setup.lrs) == 0.0:
        return "method 'two_step' needs lr1 + lr2 != 0 (the two steps cancel on the signal)"
    move = setup.effective_output_scale * setup.width * abs(setup.lrs[0])
    if setup.residual == "full" and move > _OUTPUT_MOVE_MAX:
        return ("method 'two_step' needs the second step's residual free of the first step's output move: "
                f"residual='labels', or output_scale * width * |lr1| <= {_OUTPUT_MOVE_MAX:g} (got {move:.3g})")
    return ""


def _selects(setup, lr) -> Applicability:
    st = _with_last(setup, lr)
    why = _check(st)
    if why:
        return Applicability(False, why)
    try:
        name, reason = inner_method(effective_setup(st))
    except NotApplicable as exc:
        return Applicability(False, str(exc))
    return Applicability(True, (f"two steps with exponents {', '.join(f'{a:.3g}' for a in st.step_exponents)} < 1/2: "
                                f"the one step lr1 + lr2 on n_eff samples (docs/derivations/two_step_risk.md), "
                                f"method {name!r}: {reason}"))


def _applies(setup, lr) -> Applicability:
    st = _with_last(setup, lr)
    why = _check(st)
    if why:
        return Applicability(False, why)
    eff = effective_setup(st)
    try:
        name, _ = inner_method(eff)
    except NotApplicable as exc:
        return Applicability(False, str(exc))
    verdict = get(name).applies(eff, eff.lr)
    if not verdict:
        return Applicability(False, f"the effective one-step setup: {verdict.reason}")
    return Applicability(True, f"two steps reduced to one (method {name!r} at lr1 + lr2, n_eff)")


def real_degrees(setup):
    r"""Spike degrees of Moniri et al.'s model after two steps: :func:`theory.spike_degrees` at the real exponent
    :math:`\log(|\tau_1+\tau_2|\sqrt N)/\log n` (the batch size ``n``, not :math:`n_{\rm eff}`)."""
    alpha = step_exponent(setup, sum(setup.lrs))
    return tuple(spike_degrees(alpha, setup.activation).degrees)


def _channels(setup, *, degrees=None, strength="finite", bulk_noise=True, alignment_term=False,
              **_options) -> ChannelModel:
    why = _check(setup)
    if why:
        raise NotApplicable(why)
    eff = effective_setup(setup)
    name, _ = inner_method(eff)
    inner = get(name)
    opts = dict(degrees=degrees, strength=strength, bulk_noise=bulk_noise, alignment_term=alignment_term)
    defaults = dict(degrees=None, strength="finite", bulk_noise=True, alignment_term=False)
    for key, val in opts.items():
        if key not in inner.options and val != defaults[key]:
            raise NotApplicable(f"option {key}={val!r} does not apply: the effective one-step regime is {name!r}")
    if name == "moniri" and degrees is None:
        opts["degrees"] = real_degrees(setup)
    cm = inner.channels(eff, **{k: v for k, v in opts.items() if k in inner.options})
    params = dict(cm.parameters, inner_method=name, lr_eff=eff.lr, n_eff=eff.n, phi_eff=eff.sample_ratio,
                  alpha_real=step_exponent(setup, sum(setup.lrs)),
                  step_exponents=list(setup.step_exponents), reuse_batch=setup.reuse_batch)
    return replace(cm, parameters=params)


REGIME = register(Regime(
    name=REGIME_NAME,
    paper="Moniri & Hassani, arXiv:2605.17767 (leading order derived in docs/derivations/two_step_risk.md)",
    summary="two steps = one step lr1 + lr2 on n_eff = n (lr1+lr2)^2/(lr1^2+lr2^2) (fresh) or n (reused) samples",
    covers="two steps with both exponents < 1/2 (two_step)",
    selects=_selects,
    applies=_applies,
    parameters=lambda setup: _channels(setup).parameters,
    channels=_channels,
    options=frozenset({"degrees", "strength", "bulk_noise", "alignment_term"}),
    spike_model=two_step_feature_spikes,
    docs="docs/derivations/two_step_risk.md",
    steps=(2,),
    delegate=lambda setup, lr=None: inner_method(effective_setup(_with_last(setup, lr)))[0],
))
