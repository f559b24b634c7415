"""Functions of a standard Gaussian: Hermite coefficients and everything built on them.

* :mod:`~theory.hermite.quadrature` -- the double-precision numerics (kink-aware quadrature with error
  bounds, the basis conventions, :class:`~theory.HermiteResult`), the bottom of the package;
* :mod:`~theory.hermite.coefficients` -- argument checks and the choice of double or high precision
  for a resolved function (used by ``Activation.hermite``);
* :mod:`~theory.hermite.engine` -- the entry point :func:`theory.hermite_coefficients` (resolves
  registry names) and ``as_activation``;
* :mod:`~theory.hermite.closed_forms` -- closed-form coefficients and dual kernels of registry entries;
* :mod:`~theory.hermite.high_precision` -- the same coefficients to many digits with mpmath;
* :mod:`~theory.hermite.symbolic` -- exact coefficients with sympy (public as ``theory.symbolic``);
* :mod:`~theory.hermite.activations` -- the registry of named activations and targets;
* :mod:`~theory.hermite.transforms` -- argument scale and shift, derivative, Gaussian smoothing;
* :mod:`~theory.hermite.moments` -- low-order Gaussian moments (``mu_star``, second moments...);
* :mod:`~theory.hermite.dual_kernel` -- dual kernels of two functions of correlated Gaussians.

The mathematics is in ``docs/hermite.md``. This package depends only on :mod:`theory._checks` and
:mod:`theory._result`; inside it the order is ``quadrature -> high_precision -> coefficients ->
activations -> engine`` (``docs/architecture.md``).
"""

__all__: list[str] = []
