r"""The public entry of the Hermite engine: :func:`theory.hermite_coefficients`.

Accepts a registry name, an :class:`~theory.hermite.activations.Activation` or a vectorised callable,
resolves names through the registry and hands over to :mod:`theory.hermite.coefficients` (double
precision in :mod:`theory.hermite.quadrature`, ``dps`` in :mod:`theory.hermite.high_precision`).
The basis conventions are in :mod:`theory.hermite.quadrature`; its public helpers are re-exported
here, so ``theory.hermite.engine.gaussian_rule`` and friends keep working.

Import order inside :mod:`theory.hermite` (no cycles, ``docs/architecture.md``):
``quadrature -> high_precision -> coefficients -> activations -> engine``.
"""

from __future__ import annotations

import numpy as np

from .activations import Activation, activation
from .coefficients import resolved_coefficients
from .guards import check_elementwise
from .quadrature import (
    BASES,
    MAX_KMAX,
    HermiteResult,
    basis_factors,
    convert_basis,
    gauss_legendre_panels,
    gaussian_rule,
    orthonormal_hermite_matrix,
)

__all__ = [
    "HermiteResult",
    "as_activation",
    "hermite_coefficients",
    "convert_basis",
    "basis_factors",
    "gauss_legendre_panels",
    "orthonormal_hermite_matrix",
    "gaussian_rule",
    "BASES",
    "MAX_KMAX",
]


def as_activation(f, name: str) -> Activation:
    """Resolve a registry name, an :class:`Activation` or a vectorised callable to an Activation.

    A callable is checked first (vectorised, elementwise, finite; the error names ``name``). This is the
    resolver of every theory function that takes an activation or a target (``OneStep`` included).
    """
    if isinstance(f, Activation):
        return f
    if isinstance(f, str):
        return activation(f)
    if callable(f):
        check_elementwise(f, name, finite=True)  # vectorised, elementwise, finite: refused here, naming it
        label = getattr(f, "__name__", "callable")
        return Activation(name=label, func=lambda z, f=f: np.asarray(f(z), dtype=float))
    raise TypeError(f"{name} must be a registry name, an Activation or a vectorised callable; got {type(f).__name__}")


def _resolve(f):
    """The Activation behind ``f`` (a registry name or an Activation), ``None`` for a plain callable."""
    if isinstance(f, Activation):
        return f
    if isinstance(f, str):
        return activation(f)
    if callable(f):
        return None
    raise TypeError(
        f"f must be an activation name (str), an Activation or a vectorised callable; got {type(f).__name__}"
    )


def hermite_coefficients(f, kmax, *, kinks=(), basis: str = "plain", dps=None, rtol=None, f_mp=None) -> HermiteResult:
    r"""Hermite coefficients :math:`E[f(z) He_k(z)]`, :math:`k=0..k_{max}`, in the chosen basis.

    Parameters
    ----------
    f : str, Activation or callable
        A registry name (see :func:`theory.activation`), an :class:`~theory.hermite.activations.Activation`
        or a vectorised callable ``f(z: ndarray) -> ndarray``.
    kmax : int
        Highest degree, ``>= 0`` (at most 400 for the double-precision quadrature; closed forms
        and ``dps`` have no limit).
    kinks : sequence of float
        Points where ``f`` or a derivative jumps. Declared kinks of an ``Activation`` are added.
        An undeclared kink shows up as a large ``error_estimate`` (about 1e-6 to 1e-4).
    basis : {"plain", "orthonormal", "series"}
        See the module docstring.
    dps : int, optional
        Compute with mpmath at this many decimal digits (``docs/theory/hermite.md#high-precision``, module
        :mod:`theory.hermite.high_precision`); closed forms are then evaluated at that precision. Raises
        ``ValueError("dps too low for the requested accuracy ...")`` when
        ``dps < -log10(rtol) + log10(max kappa_k)``.
    rtol : float, optional
        Requested relative accuracy of every coefficient that is distinguishable from zero.
        With ``dps`` the default is ``1e-20`` (the rule ``dps >= 20 + log10 kappa``). In double
        precision, if given and out of reach, a ``ValueError`` reports the cancellation factor
        and the ``dps`` that would reach it.
    f_mp : callable, optional
        With ``dps`` and a plain callable ``f``: the same function on ``mpmath.mpf``. By default
        ``f`` itself is tried on ``mpf``, and an Activation's ``func_mp`` is used.

    Returns
    -------
    HermiteResult
        ``values`` and ``error_estimate`` (a bound on the absolute error) in ``basis``.

    Notes
    -----
    Closed forms are used first when the activation has them (``docs/theory/hermite.md#closed-forms``),
    evaluated in mpmath and correctly rounded; parity zeros are exact zeros. Otherwise the
    composite Gauss-Legendre recipe of ``docs/theory/hermite.md#quadrature`` is used:
    :math:`c_k = \sum_i w_i\varphi(z_i)f(z_i)h_k(z_i)` on panels of width 1/2 split at every
    kink, with ``error_estimate`` :math:`= |c^{(1/2)} - c^{(1)}| + 8\epsilon\sum_i|w_i\varphi f h_k|`.
    The estimate assumes that ``f`` itself is evaluated to within a few ulps (a callable that
    cancels, e.g. ``g(z) - g(-z)`` for a large polynomial ``g``, adds its own error).

    Examples
    --------
    ReLU: :math:`\mu_0 = 1/\sqrt{2\pi}`, :math:`\mu_1 = 1/2`, :math:`\mu_2 = 1/\sqrt{2\pi}`.

    >>> r = hermite_coefficients("relu", 3)
    >>> bool(np.allclose(r.values, [1 / np.sqrt(2 * np.pi), 0.5, 1 / np.sqrt(2 * np.pi), 0.0]))
    True
    >>> r2 = hermite_coefficients(lambda z: np.maximum(z, 0), 3, kinks=(0.0,))
    >>> bool(np.all(np.abs(r2.values - r.values) <= r2.error_estimate + r.error_estimate))
    True

    Parseval: :math:`E\tanh^2 = \sum_k c_k^2` and the identity :math:`E\tanh^2 = 1 - \mu_1`
    (``docs/theory/hermite.md#closed-forms``):

    >>> c = hermite_coefficients("tanh", 200, basis="orthonormal").values
    >>> bool(abs(np.sum(c**2) - (1 - c[1])) < 1e-14)
    True
    """
    act = _resolve(f)
    return resolved_coefficients(act, act if act is not None else f, kmax, kinks=kinks, basis=basis, dps=dps,
                                 rtol=rtol, f_mp=f_mp)
