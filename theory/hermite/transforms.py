r"""Hermite coefficients of transformed functions: argument scale and shift, derivative, smoothing.

All formulas are from ``docs/theory/hermite.md#transforms``. Coefficients of :math:`f(sz+c)` are computed by
**direct integration** of :math:`f(s\cdot+c)` with the kinks moved to :math:`(\mathrm{kink}-c)/s`
(closed forms where the registry has them): the series identities

* shift: :math:`\mu_k[f(\cdot+c)] = \sum_{m\ge k}\mu_m[f]\,c^{m-k}/(m-k)!`,
* scale: :math:`E[f(sz)He_k(z)] = s^k\sum_{j\ge0}\mu_{k+2j}[f]\,((s^2-1)/2)^j/j!`,

cancel in double precision for :math:`|c|\gtrsim2` or :math:`|s^2-1|\gtrsim1` and are provided only as
:func:`shift_series` and :func:`scale_series` (used by the tests as independent checks).
"""

from __future__ import annotations

import math

import numpy as np

from .._checks import check_choice, check_finite, check_integer
from .activations import Activation, activation
from .engine import BASES, HermiteResult, _resolve, hermite_coefficients

__all__ = [
    "scaled_coefficients",
    "derivative_coefficients",
    "gaussian_smoothing",
    "shift_series",
    "scale_series",
]


def _as_activation(f, name="f"):
    act = _resolve(f)
    if act is None:
        act = Activation(name=getattr(f, "__name__", "callable"), func=f)
    return act


def scaled_coefficients(f, kmax, scale=1.0, shift=0.0, *, kinks=(), basis="plain"):
    r"""Hermite coefficients of :math:`z\mapsto f(\mathrm{scale}\cdot z+\mathrm{shift})`.

    Parameters
    ----------
    f : str, Activation or callable
    kmax : int
    scale, shift : float or array_like
        Broadcast against each other; ``scale != 0``.
    kinks : sequence of float
        Kinks of ``f`` itself (in its own argument), added to an Activation's.
    basis : {"plain", "orthonormal", "series"}

    Returns
    -------
    HermiteResult
        For scalar ``scale`` and ``shift`` as :func:`theory.hermite_coefficients`; for arrays,
        ``values`` and ``error_estimate`` have shape ``broadcast_shape + (kmax + 1,)``.

    Notes
    -----
    ``docs/theory/hermite.md#transforms`` ("Shift", "Scale"): integrate :math:`f(s\cdot+c)` directly with the kink
    moved to :math:`(\mathrm{kink}-c)/s`. This is what a preactivation of variance
    :math:`s^2 \ne 1` needs. For ReLU, :math:`\mu_k(s) = s\mu_k` (positive homogeneity).

    Examples
    --------
    >>> r = scaled_coefficients("relu", 4, scale=[0.5, 2.0])
    >>> base = hermite_coefficients("relu", 4).values
    >>> bool(np.allclose(r.values, np.outer([0.5, 2.0], base), rtol=1e-15, atol=0))
    True
    """
    kmax = check_integer(kmax, "kmax", minimum=0)
    check_choice(basis, BASES, "basis")
    s_arr, c_arr = np.broadcast_arrays(np.asarray(scale, dtype=float), np.asarray(shift, dtype=float))
    if not (np.all(np.isfinite(s_arr)) and np.all(np.isfinite(c_arr))):
        raise ValueError(f"scale and shift must be finite; got scale={scale!r}, shift={shift!r}")
    if np.any(s_arr == 0):
        raise ValueError(f"scale must be nonzero; got {scale!r}")
    act = _as_activation(f)
    extra = tuple(float(k) for k in kinks)
    if extra:
        from dataclasses import replace

        act = replace(act, kinks=tuple(act.kinks) + extra)
    results = [hermite_coefficients(act.affine(float(s), float(c)), kmax, basis=basis)
               for s, c in zip(s_arr.ravel(), c_arr.ravel())]
    if s_arr.ndim == 0:
        return results[0]
    shape = s_arr.shape + (kmax + 1,)
    values = np.stack([r.values for r in results]).reshape(shape)
    errors = np.stack([r.error_estimate for r in results]).reshape(shape)
    methods = sorted({r.method for r in results})
    return HermiteResult(values, errors, basis, "+".join(methods), ())


def derivative_coefficients(f, kmax, *, kinks=(), basis="plain"):
    r"""Coefficients of the weak derivative: :math:`\mu_k[f'] = \mu_{k+1}[f]` (``docs/theory/hermite.md#transforms``).

    Stein's identity :math:`E[f He_{k+1}] = E[f' He_k]` with the weak derivative: a jump of size
    :math:`J` at :math:`a` contributes :math:`J\varphi(a)He_k(a)` (a Dirac mass), which the
    almost-everywhere derivative ``Activation.derivative`` does not carry.

    >>> d = derivative_coefficients("relu", 5).values      # ReLU' = step
    >>> bool(np.allclose(d, hermite_coefficients("step", 5).values, rtol=1e-15, atol=0))
    True
    """
    kmax = check_integer(kmax, "kmax", minimum=0)
    check_choice(basis, BASES, "basis")
    r = hermite_coefficients(f, kmax + 1, kinks=kinks, basis="plain")
    res = HermiteResult(r.values[1:].copy(), r.error_estimate[1:].copy(), "plain", r.method, r.kinks, r.suspected_kinks)
    return res.in_basis(basis)


def gaussian_smoothing(f, kappa, kmax, *, kinks=(), basis="plain"):
    r"""Coefficients of :math:`g(t) = E_\xi f(\kappa t + \xi)`, :math:`\xi\sim N(0,1)`.

    :math:`\mu_k[g] = (\kappa/s)^k\,\mu_k[f(s\,\cdot)]` with :math:`s=\sqrt{1+\kappa^2}`
    (``docs/theory/hermite.md#transforms``, "Gaussian smoothing"; Mehler's formula applied to
    :math:`\kappa t + \xi = s\,(\rho t + \sqrt{1-\rho^2}\,\xi)` with :math:`\rho=\kappa/s`).
    ``kappa`` may be an array (values of shape ``kappa.shape + (kmax + 1,)``).

    For erf, :math:`E_\xi\mathrm{erf}(\kappa t+\xi) = \mathrm{erf}(\kappa t/\sqrt3)`:

    >>> g = gaussian_smoothing("erf", 0.8, 6).values
    >>> bool(np.allclose(g, hermite_coefficients(activation("erf", scale=0.8 / np.sqrt(3)), 6).values,
    ...                  rtol=1e-14, atol=1e-16))
    True
    """
    kmax = check_integer(kmax, "kmax", minimum=0)
    check_choice(basis, BASES, "basis")
    kappa_arr = np.asarray(kappa, dtype=float)
    if not np.all(np.isfinite(kappa_arr)):
        raise ValueError(f"kappa must be finite; got {kappa!r}")
    s = np.sqrt(1.0 + kappa_arr**2)
    base = scaled_coefficients(f, kmax, scale=s, kinks=kinks, basis=basis)
    fac = (kappa_arr / s)[..., None] ** np.arange(kmax + 1)
    values = base.values * fac
    errors = base.error_estimate * fac + 4 * np.finfo(float).eps * (1 + np.arange(kmax + 1)) * np.abs(values)
    return HermiteResult(values + 0.0, errors, basis, base.method, base.kinks)


def shift_series(mu, c, kmax=None):
    r"""Shift identity :math:`\mu_k[f(\cdot+c)] = \sum_{m\ge k}\mu_m[f]c^{m-k}/(m-k)!` on plain
    coefficients ``mu`` (truncated at ``len(mu)``; ``docs/theory/hermite.md#transforms``). Accurate only for
    small :math:`|c|` and quickly decaying ``mu``; use :func:`scaled_coefficients` otherwise.

    >>> mu = hermite_coefficients("exp", 60).values          # e^{z}: mu_k = e^{1/2}
    >>> bool(np.allclose(shift_series(mu, 0.3, 5), np.exp(0.3 + 0.5), rtol=1e-13))
    True
    """
    mu = np.asarray(mu, dtype=float)
    c = check_finite(c, "c")
    n = len(mu)
    kmax = n - 1 if kmax is None else check_integer(kmax, "kmax", minimum=0, maximum=n - 1)
    out = np.zeros(kmax + 1)
    for k in range(kmax + 1):
        j = np.arange(n - k)
        out[k] = np.sum(mu[k:] * np.exp(j * math.log(abs(c)) - _lgamma(j + 1)) * np.sign(c) ** j) if c != 0 else mu[k]
    return out


def scale_series(mu, s, kmax=None):
    r"""Scale identity :math:`E[f(sz)He_k] = s^k\sum_{j\ge0}\mu_{k+2j}((s^2-1)/2)^j/j!` on plain
    coefficients ``mu`` (truncated; ``docs/theory/hermite.md#transforms``). Converges poorly once
    :math:`|s^2-1|\gtrsim1`; use :func:`scaled_coefficients` otherwise.

    >>> mu = hermite_coefficients("erf", 80).values
    >>> direct = scaled_coefficients("erf", 5, scale=0.9).values
    >>> bool(np.allclose(scale_series(mu, 0.9, 5), direct, rtol=1e-12, atol=1e-15))
    True
    """
    mu = np.asarray(mu, dtype=float)
    s = check_finite(s, "s")
    n = len(mu)
    kmax = n - 1 if kmax is None else check_integer(kmax, "kmax", minimum=0, maximum=n - 1)
    h = (s * s - 1) / 2
    out = np.zeros(kmax + 1)
    for k in range(kmax + 1):
        j = np.arange((n - 1 - k) // 2 + 1)
        terms = mu[k + 2 * j] * (h**j) / np.exp(_lgamma(j + 1))
        out[k] = s**k * np.sum(terms)
    return out


def _lgamma(x):
    return np.array([math.lgamma(v) for v in np.atleast_1d(x)], dtype=float)

