r"""Feature maps of the real network and of its two equivalent models, for link-by-link checks.

Each map is a frozen object with ``features(X) -> H`` (``n x width``), used for the ridge pool, the test
set and the spectrum alike, so that the training and test features are built the same way:

* :class:`NetworkFeatures`: :math:`\sigma(XW^\top)` for first-layer weights :math:`W` (after the step(s)).
* :class:`SpikedRFFeatures`: Cui et al.'s spiked random features (``docs/theory/simulation.md#cui-et-al``,
  ``docs/theory/step.md#spiked-rf-parameters``): :math:`W = \sqrt c\,W_0 + r\,s\,\hat v^\top` with
  :math:`\hat v = \gamma\beta_* + \sqrt{1-\gamma^2}\,\hat\zeta`, :math:`\hat\zeta\perp\beta_*` uniform, and
  :math:`(r, c, \gamma)` from :func:`theory.srf_parameters` (``docs/theory/step.md#spiked-rf-parameters``, current code version,
  with label noise). For ``readout="constant"`` this is :math:`\sqrt c W_0 + r\mathbf 1\hat v^\top`; for
  :math:`s_i = \pm1` each neuron gets the spike with its readout sign, which is what the step gives it
  (:math:`c` depends on :math:`s_i^2 = 1` only).
* :class:`EquivalentFeatures`: Moniri et al.'s equivalent model (``docs/theory/risk.md#moniri-equivalent-model``,
  ``docs/theory/spikes.md#spike-sizes``, ``docs/theory/simulation.md#moniri-et-al``):

  .. math:: F_\ell = \sigma(XW_0^\top) + \sum_{k\in K} c_k\,(\tau c_1)^k\,(X\beta)^{\circ k}\,(s^{\circ k})^\top,

  with :math:`c_k` the coefficients of :math:`\sigma = \sum_k c_k He_k` (``basis="series"``),
  :math:`c_1 = E\sigma'`, :math:`\beta = X_{\rm step}^\top r/n` the learned direction of the same trial, and
  by default :math:`K = \{1..\ell\}` with :math:`\ell` the largest :math:`k` with
  :math:`\alpha > (k-1)/(2k)` (at least 1; the interval theorem, ``docs/theory/spikes.md#interval-theorem``), for
  :math:`\alpha` = ``setup.moniri_alpha``.

>>> import theory
>>> s = theory.OneStep(activation="tanh", target="sin", d=10, width=4, n=30, lr=0.0)
>>> W0 = np.eye(4, 10)
>>> X = np.ones((2, 10))
>>> eq = EquivalentFeatures(s.activation, W0, np.ones(4), np.ones(10), lr=0.0, degrees=(1, 2))
>>> bool(np.allclose(eq.features(X), NetworkFeatures(s.activation, W0).features(X)))   # no step: RF
True
>>> interval_degrees(0.3)
(1, 2)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "apply_activation",
    "NetworkFeatures",
    "SpikedRFFeatures",
    "EquivalentFeatures",
    "interval_degrees",
    "srf_weights",
    "own_step_srf_weights",
    "equivalent_coefficients",
    "surrogate_features",
]


def apply_activation(fn, Z, dtype=None):
    """``fn(Z)`` in ``Z``'s floating dtype (``float32`` stays ``float32``), or ``dtype`` if given."""
    out = fn(Z)
    want = np.dtype(dtype) if dtype is not None else Z.dtype
    return out if out.dtype == want else out.astype(want)


@dataclass(frozen=True)
class NetworkFeatures:
    r""":math:`\sigma(XW^\top)` of a two-layer network's first layer ``W`` (``width x d``)."""

    activation: object
    W: np.ndarray
    kind: str = "network"

    def features(self, X) -> np.ndarray:
        return apply_activation(self.activation.func, X @ self.W.T.astype(X.dtype, copy=False))


def srf_weights(setup, W0, s, rng, *, alignment_term: bool = False):
    r"""Weights :math:`\sqrt c\,W_0 + r\,s\,\hat v^\top` of Cui et al.'s spiked random features and the
    spike direction :math:`\hat v`: ``(W, v, parameters)`` of the srf regime's equivalent model
    (:func:`theory.regimes.srf.equivalent_model`, ``docs/theory/simulation.md#cui-et-al``).

    ``rng`` draws :math:`\hat\zeta` (uniform on the unit sphere orthogonal to :math:`\beta_* = e_1`).
    Needs a single-index target, one step, and a readout of constant modulus (``"constant"``,
    ``"rademacher"`` or ``"symmetric"``). With ``alignment_term=True`` each row also gets
    :math:`\hat c\,s_i(w_i^0\cdot\hat v) w_i^0` (``docs/validation/srf_gap.md``).
    """
    from theory.regimes import get

    eq = get("srf").equivalent_model(setup, W0, s, None, rng, alignment_term=alignment_term)
    return eq.weights, eq.direction, eq.parameters


def surrogate_features(setup, eq):
    """The feature map of a regime's :class:`theory.regimes.EquivalentModel` for ``setup``: additive polynomial
    spikes (:class:`EquivalentFeatures`, amplitudes at ``setup.lr``) or spiked weights (:class:`SpikedRFFeatures`)."""
    if eq.degrees:
        return EquivalentFeatures(setup.activation, eq.weights, eq.readout, eq.direction, setup.lr, eq.degrees,
                                  coefficients=eq.coefficients, c1=eq.c1)
    return SpikedRFFeatures(setup.activation, eq.weights, direction=eq.direction)


def own_step_srf_weights(W0, W1, direction) -> np.ndarray:
    r"""The spiked-RF surrogate of one trial's own step: :math:`\sqrt{c_{\rm emp}}\,W_0 + \bar a\,\mathbf 1\hat v^\top`.

    ``direction`` is the learned direction :math:`\hat v` (normalised here), :math:`a_i = (w_i^1 - w_i^0)\cdot\hat v`
    each neuron's move along it, :math:`\bar a` their mean, and :math:`c_{\rm emp}` the mean squared norm of
    the rest of the rows, :math:`w_i^1 - a_i\hat v` (``docs/theory/step.md#spiked-rf-parameters`` with the trial's own
    :math:`(r, c, \hat v)` instead of their limits; ``docs/validation/srf_gap.md``).

    >>> W0 = np.eye(2, 3); v = np.array([0.0, 0.0, 2.0])
    >>> own_step_srf_weights(W0, W0 + np.outer([1.0, 3.0], v / 2), v).tolist()
    [[1.0, 0.0, 2.0], [0.0, 1.0, 2.0]]
    """
    W0 = np.asarray(W0, dtype=float)
    v = np.asarray(direction, dtype=float)
    v = v / np.linalg.norm(v)
    a = (np.asarray(W1, dtype=float) - W0) @ v
    rest = np.asarray(W1, dtype=float) - np.outer(a, v)
    c_emp = float(np.mean(np.sum(rest**2, axis=1)))
    return math.sqrt(c_emp) * W0 + float(a.mean()) * np.outer(np.ones(len(a)), v)


@dataclass(frozen=True)
class SpikedRFFeatures(NetworkFeatures):
    """Features of the spiked-RF weights (:func:`srf_weights`); ``direction`` is :math:`\\hat v`."""

    direction: np.ndarray = field(default=None)
    kind: str = "srf"


def interval_degrees(alpha: float) -> tuple:
    r"""Degrees :math:`1..\ell` with :math:`\alpha > (k-1)/(2k)` (at least degree 1): Moniri et al.'s interval
    theorem (:func:`theory.regimes.moniri.interval_degrees`). ``alpha`` must be below 1/2."""
    from theory.regimes.moniri import interval_degrees as _degrees

    return _degrees(alpha)


def equivalent_coefficients(activation, degrees) -> tuple:
    r"""``(c, c1)``: the series coefficients :math:`c_k` (:math:`\sigma = \sum c_k He_k`, index ``k``) up to
    ``max(degrees)`` and :math:`c_1 = E\sigma'` (the moniri regime's :func:`~theory.regimes.moniri.equivalent_options`)."""
    from theory.regimes.moniri import series_coefficients

    return series_coefficients(activation, degrees)


@dataclass(frozen=True)
class EquivalentFeatures:
    r"""Moniri et al.'s equivalent features :math:`\sigma(XW_0^\top) + \sum_k c_k(\tau c_1)^k (X\beta)^{\circ k}(s^{\circ k})^\top`.

    ``coefficients`` (the :math:`c_k`, index ``k``) and ``c1`` default to the activation's own
    (:func:`equivalent_coefficients`).
    """

    activation: object
    W0: np.ndarray
    s: np.ndarray
    beta: np.ndarray
    lr: float
    degrees: tuple
    coefficients: np.ndarray | None = None
    c1: float | None = None
    kind: str = "equivalent"

    def __post_init__(self):
        if not self.degrees or min(self.degrees) < 1:
            raise ValueError(f"degrees must be positive integers; got {self.degrees!r}")
        if self.coefficients is None or self.c1 is None:
            ck, c1 = equivalent_coefficients(self.activation, self.degrees)
            object.__setattr__(self, "coefficients", ck if self.coefficients is None else self.coefficients)
            object.__setattr__(self, "c1", c1 if self.c1 is None else self.c1)

    def features(self, X) -> np.ndarray:
        F = apply_activation(self.activation.func, X @ self.W0.T.astype(X.dtype, copy=False))
        kappa = np.asarray(X @ self.beta.astype(X.dtype, copy=False), dtype=float)
        s = np.asarray(self.s, dtype=float)
        for k in self.degrees:
            amp = float(self.coefficients[k]) * (self.lr * self.c1) ** k
            if amp != 0.0:
                F += (amp * kappa**k)[:, None].astype(F.dtype) * (s**k)[None, :].astype(F.dtype)
        return F

    def null(self, rng) -> "_EquivalentNull":
        r"""Spike-free reference: neuron :math:`i`'s term :math:`(x\cdot\beta)` replaced by
        :math:`\|\beta\|\,(x\cdot b_i)` with :math:`b_i` independent and uniform on the sphere (the same
        per-neuron strength, no common direction; ``docs/theory/simulation.md#what-to-measure``)."""
        B = rng.standard_normal(self.W0.shape)
        B /= np.linalg.norm(B, axis=1, keepdims=True)
        return _EquivalentNull(self, (float(np.linalg.norm(self.beta)) * B).astype(self.W0.dtype, copy=False))


@dataclass(frozen=True)
class _EquivalentNull:
    model: EquivalentFeatures
    directions: np.ndarray
    kind: str = "equivalent-null"

    def features(self, X) -> np.ndarray:
        m = self.model
        F = apply_activation(m.activation.func, X @ m.W0.T.astype(X.dtype, copy=False))
        K = X @ self.directions.T.astype(X.dtype, copy=False)
        s = np.asarray(m.s, dtype=float)
        for k in m.degrees:
            amp = float(m.coefficients[k]) * (m.lr * m.c1) ** k
            if amp != 0.0:
                F += K**k * (amp * s**k)[None, :].astype(F.dtype)
        return F
