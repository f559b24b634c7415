"""Limiting train and test error of ridge regression on the features after the step.

* :mod:`~theory.ridge.limiting_error` -- the entry point :func:`theory.risk` and method selection;
* :mod:`~theory.ridge.system` -- the conditional Gaussian-equivalent ridge system (one solver for every
  regime);
* :mod:`~theory.ridge.solvers` -- fixed-point solvers with status, iterations and residual (public as
  ``theory.solvers``);
* :mod:`~theory.ridge.marchenko_pastur` -- Marchenko-Pastur averages (public as
  ``theory.marchenko_pastur``);
* :mod:`~theory.ridge.spectral` -- the bulk's spectral data (Marchenko-Pastur or a finite spectrum);
* :mod:`~theory.ridge.conditional` -- conditional Gaussian-equivalence coefficients;
* :mod:`~theory.ridge.srf` -- Cui et al.'s spiked-random-features parameters of a giant step;
* :mod:`~theory.ridge.ba_conditional` -- Ba et al.'s risk conditional on the first-layer weights.

The subpackage is called ``ridge`` (not ``risk``) so that ``theory.risk`` is always the function.
"""

__all__: list[str] = []
