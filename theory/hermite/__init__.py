"""Functions of a standard Gaussian: Hermite coefficients and everything built on them.

* :mod:`~theory.hermite.engine` -- the numeric engine (kink-aware quadrature with error bounds),
  the entry point :func:`theory.hermite_coefficients`;
* :mod:`~theory.hermite.closed_forms` -- closed-form coefficients and dual kernels of registry entries;
* :mod:`~theory.hermite.high_precision` -- the same coefficients to many digits with mpmath;
* :mod:`~theory.hermite.symbolic` -- exact coefficients with sympy (public as ``theory.symbolic``);
* :mod:`~theory.hermite.activations` -- the registry of named activations and targets;
* :mod:`~theory.hermite.transforms` -- argument scale and shift, derivative, Gaussian smoothing;
* :mod:`~theory.hermite.moments` -- low-order Gaussian moments (``mu_star``, second moments...);
* :mod:`~theory.hermite.dual_kernel` -- dual kernels of two functions of correlated Gaussians.

The mathematics is in ``docs/hermite.md``. This package depends only on :mod:`theory._checks` and
:mod:`theory._result`.
"""

__all__: list[str] = []
