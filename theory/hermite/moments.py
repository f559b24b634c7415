r"""Low-order Gaussian moments of an activation or a target, with honest errors.

The risk and spike theories need, for a function :math:`f` of :math:`z\sim N(0,1)`:

* :math:`\mu_0 = E f`, :math:`\mu_1 = E[z f]` (``docs/theory/conventions.md``, Hermite conventions);
* the second moment :math:`E f^2` and the remainder :math:`\mu_*^2 = E f^2 - \mu_0^2 - \mu_1^2`;
* the moments of the almost-everywhere derivative used by a gradient step,
  :math:`E f'`, :math:`E f'^2` and :math:`E[z f']` (for the step, ``docs/theory/step.md#spiked-rf-parameters``).

For continuous :math:`f`, Stein's lemma gives :math:`E f' = \mu_1`; for a jump (``step``, ``sign``)
the a.e. derivative misses the jump, so :math:`E f' \neq \mu_1`. A gradient step sees
:math:`E f'`, Gaussian equivalence sees :math:`\mu_1`; both are returned.

Every average goes through the project's Hermite engine (kink-aware composite Gauss-Legendre with a
tail check, ``docs/theory/hermite.md#quadrature``), so a function with infinite variance raises a clear
``ValueError`` instead of returning a number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .._result import Result
from .activations import Activation
from .engine import hermite_coefficients

__all__ = ["GaussianMoments", "gaussian_moments", "second_moment", "mu_star", "derivative_second_moment",
           "double_factorial", "readout_power_moments"]


@dataclass(frozen=True)
class GaussianMoments(Result):
    r"""Moments of :math:`f(z)`, :math:`z\sim N(0,1)`.

    Attributes
    ----------
    mu0, mu1 : float
        :math:`E f` and :math:`E[z f]`.
    second : float
        :math:`E f^2`.
    mu_star_sq : float
        :math:`E f^2 - \mu_0^2 - \mu_1^2 \ge 0` (clipped at 0 against round-off).
    deriv_mean, deriv_second, deriv_z : float
        :math:`E f'`, :math:`E f'^2`, :math:`E[z f']` with the a.e. derivative.
    error : float
        A bound on the absolute quadrature error of every entry above.
    """

    mu0: float
    mu1: float
    second: float
    mu_star_sq: float
    deriv_mean: float
    deriv_second: float
    deriv_z: float
    error: float

    @property
    def deriv_var(self) -> float:
        r""":math:`\mathrm{Var}\,f' = E f'^2 - (E f')^2` (clipped at 0)."""
        return max(self.deriv_second - self.deriv_mean**2, 0.0)


def _average(func, kinks, what: str, label: str):
    try:
        res = hermite_coefficients(func, 0, kinks=kinks)
    except ValueError as exc:
        raise ValueError(f"{label} must have a finite {what} under z ~ N(0, 1); the quadrature failed: {exc}") from None
    return float(res.values[0]), float(res.error_estimate[0])


@lru_cache(maxsize=256)
def _moments(act: Activation, label: str) -> GaussianMoments:
    try:
        first = hermite_coefficients(act, 1)
    except ValueError as exc:
        raise ValueError(f"{label} must have a finite mean and variance under z ~ N(0, 1); the quadrature failed: {exc}") from None
    mu0, mu1 = (float(v) for v in first.values)
    errs = [float(np.max(first.error_estimate))]
    f = act.func
    kinks = tuple(act.kinks)
    second, e = _average(lambda z: f(z) ** 2, kinks, "variance E[f(z)^2]", label)
    errs.append(e)
    dmean, e = _average(act.deriv, kinks, "derivative mean E[f'(z)]", label)
    errs.append(e)
    dsec, e = _average(lambda z: act.deriv(z) ** 2, kinks, "derivative second moment E[f'(z)^2]", label)
    errs.append(e)
    dz, e = _average(lambda z: z * act.deriv(z), kinks, "moment E[z f'(z)]", label)
    errs.append(e)
    return GaussianMoments(
        mu0=mu0,
        mu1=mu1,
        second=second,
        mu_star_sq=max(second - mu0**2 - mu1**2, 0.0),
        deriv_mean=dmean,
        deriv_second=dsec,
        deriv_z=dz,
        error=max(errs),
    )


def gaussian_moments(f, *, label: str = "f") -> GaussianMoments:
    r"""Moments of ``f`` (an :class:`~theory.hermite.activations.Activation`, registry name or callable).

    ``label`` names the argument in error messages (e.g. ``"target"``). Results are cached per
    activation object.

    Examples
    --------
    ReLU: :math:`E f = 1/\sqrt{2\pi}`, :math:`\mu_1 = E f' = 1/2`, :math:`E f^2 = 1/2`,
    :math:`E f'^2 = 1/2`, :math:`E[z f'] = 1/\sqrt{2\pi}`.

    >>> m = gaussian_moments("relu")
    >>> bool(np.allclose([m.mu0, m.mu1, m.second, m.deriv_second, m.deriv_z],
    ...                  [1 / np.sqrt(2 * np.pi), 0.5, 0.5, 0.5, 1 / np.sqrt(2 * np.pi)], atol=1e-13))
    True

    For a continuous function Stein's lemma :math:`E f' = E[z f]` holds:

    >>> m = gaussian_moments("tanh")
    >>> bool(abs(m.deriv_mean - m.mu1) < 1e-12)
    True
    """
    from .engine import as_activation

    return _moments(as_activation(f, label), label)


# ----------------------------------------------------------------------------- scalar moments
# (Hermite engine helper, issue 3: each one a float, or (value, error bound) with with_error=True)
_EPS = np.finfo(float).eps


def _activation_and_kinks(f, kinks, label):
    from .engine import _resolve

    act = _resolve(f)
    try:
        kinks = tuple(float(k) for k in kinks)
    except (TypeError, ValueError):
        raise TypeError(f"kinks must be a sequence of real numbers; got {kinks!r}") from None
    if act is None:
        if not callable(f):  # pragma: no cover - _resolve raised already
            raise TypeError(f"{label} must be a name, an Activation or a callable")
        return None, f, kinks
    return act, act.func, tuple(sorted(set(kinks) | set(act.kinks)))


def _out(value, error, with_error):
    return (float(value), float(error)) if with_error else float(value)


def second_moment(f, *, kinks=(), with_error: bool = False):
    r""":math:`E f(z)^2`, :math:`z\sim N(0,1)`, by direct quadrature (``docs/theory/hermite.md#second-moments``).

    Not by summing squared coefficients: for ReLU the tail of :math:`\sum_k c_k^2` decays only like
    :math:`K^{-3/2}`. Uses the closed-form dual kernel at :math:`\rho=1` where the activation has
    one, else kink-aware quadrature of :math:`f^2` (:func:`theory.hermite_coefficients` at degree
    0). With ``with_error=True`` returns ``(value, error_bound)``.

    >>> second_moment("relu"), second_moment("sign")
    (0.5, 1.0)
    >>> v, e = second_moment(np.tanh, with_error=True)
    >>> bool(abs(v - (1 - hermite_coefficients("tanh", 1).values[1])) <= e + 1e-15)   # E tanh^2 = 1 - mu_1
    True
    """
    act, func, kinks = _activation_and_kinks(f, kinks, "f")
    if act is not None and act.kernel is not None:
        v = float(act.kernel(1.0))
        return _out(v, 8 * _EPS * abs(v), with_error)
    r = hermite_coefficients(lambda z: func(z) ** 2, 0, kinks=kinks)
    return _out(r.values[0], r.error_estimate[0], with_error)


def mu_star(f, *, kinks=(), with_error: bool = False):
    r"""Ba et al.'s remainder norm :math:`\mu_* = \sqrt{E f^2 - \mu_0^2 - \mu_1^2}` (NOT the degree-2
    coefficient; ``docs/theory/conventions.md``, Hermite conventions; ``docs/hermite_conventions.md``).

    :math:`\mu_*^2 = \sum_{k\ge2}\mu_k^2/k!`. Clipped at 0 against round-off (a linear :math:`f`
    gives 0). With ``with_error=True`` returns ``(value, error_bound)``.

    ReLU: :math:`\mu_*^2 = 1/2 - 1/(2\pi) - 1/4`:

    >>> bool(abs(mu_star("relu") ** 2 - (0.25 - 1 / (2 * np.pi))) < 1e-15)
    True
    """
    act, func, kinks = _activation_and_kinks(f, kinks, "f")
    m2, e2 = second_moment(act if act is not None else func, kinks=kinks, with_error=True)
    r = hermite_coefficients(act if act is not None else func, 1, kinks=kinks)
    mu0, mu1 = (float(v) for v in r.values)
    e0, e1 = (float(v) for v in r.error_estimate)
    sq = m2 - mu0**2 - mu1**2
    err_sq = e2 + 2 * abs(mu0) * e0 + 2 * abs(mu1) * e1 + e0**2 + e1**2 + 4 * _EPS * m2
    val = math.sqrt(max(sq, 0.0))
    err = min(math.sqrt(err_sq), err_sq / val) if val > 0 else math.sqrt(err_sq)
    return _out(val, err, with_error)


def derivative_second_moment(f, *, derivative=None, kinks=(), with_error: bool = False):
    r""":math:`E f'(z)^2` with the almost-everywhere derivative (a gradient step sees this; a jump's
    Dirac mass is not included). Needed by the risk and giant-step formulas (``docs/theory/step.md#spiked-rf-parameters``,
    ``docs/theory/giant_step.md#per-neuron-laws``).

    ``f`` is a registry name or Activation (its ``derivative``), or a callable together with
    ``derivative=``. Direct kink-aware quadrature of :math:`f'^2`. For continuous :math:`f`,
    :math:`E f'^2 = \sum_k \mu_{k+1}^2/k!` (derivative identity, ``docs/theory/hermite.md#second-moments``).

    erf: :math:`E[(2e^{-z^2}/\sqrt\pi)^2] = \frac{4}{\pi\sqrt5}`:

    >>> bool(abs(derivative_second_moment("erf") - 4 / (np.pi * np.sqrt(5))) < 1e-15)
    True
    """
    act, func, kinks = _activation_and_kinks(f, kinks, "f")
    if derivative is None:
        if act is None or act.derivative is None:
            raise TypeError(
                "derivative_second_moment needs the derivative: pass a registry name or an Activation "
                "with a derivative, or derivative=<vectorised callable>"
            )
        derivative = act.derivative
    elif not callable(derivative):
        raise TypeError(f"derivative must be a vectorised callable; got {type(derivative).__name__}")
    r = hermite_coefficients(lambda z: np.asarray(derivative(z), dtype=float) ** 2, 0, kinks=kinks)
    return _out(r.values[0], r.error_estimate[0], with_error)


def double_factorial(m: int) -> float:
    r"""The double factorial :math:`m!! = m(m-2)(m-4)\cdots` as a float, with :math:`0!! = (-1)!! = 1`.

    :math:`(m-1)!! = E[z^m]` for even :math:`m` and :math:`z \sim N(0, 1)`. Computed in floating point,
    so it never wraps around as a fixed-width integer product would (``inf`` beyond the float range).

    >>> [double_factorial(m) for m in (-1, 0, 1, 5, 6)]
    [1.0, 1.0, 1.0, 15.0, 48.0]
    """
    return float(np.prod(np.arange(m, 0, -2, dtype=float))) if m > 0 else 1.0


def readout_power_moments(readout: str, mmax: int) -> np.ndarray:
    r""":math:`E[s^m]`, :math:`m = 0..m_{max}`, of the unit-scale readout values (``docs/theory/conventions.md#the-network``).

    Gaussian: :math:`(m-1)!!` for even :math:`m`, 0 for odd; Rademacher and symmetric (paired
    :math:`\pm 1`): 1 for even, 0 for odd; constant: 1.

    >>> readout_power_moments("gaussian", 4).tolist()
    [1.0, 0.0, 1.0, 0.0, 3.0]
    """
    from .._checks import check_choice, check_integer

    check_choice(readout, ("gaussian", "rademacher", "symmetric", "constant"), "readout")
    mmax = check_integer(mmax, "mmax", minimum=0)
    m = np.arange(mmax + 1)
    if readout == "constant":
        return np.ones(mmax + 1)
    even = (m % 2 == 0).astype(float)
    if readout == "gaussian":
        return even * np.array([double_factorial(k - 1) for k in m])
    return even
