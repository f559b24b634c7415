"""Hermite coefficients of a resolved function: checks the arguments, then double or high precision.

Sits between the numerics (:mod:`theory.hermite.quadrature`, :mod:`theory.hermite.high_precision`)
and the activation registry (:mod:`theory.hermite.activations`), whose ``Activation.hermite`` calls
it; the public :func:`theory.hermite_coefficients` (:mod:`theory.hermite.engine`) resolves registry
names first and then calls it too. Keeping name resolution above the registry and the numerics
below it is what makes the package free of import cycles (``docs/architecture.md``).
"""

from __future__ import annotations

import math

from .._checks import check_choice, check_integer, check_positive
from .guards import MAX_KMAX_PLAIN_DOUBLE, check_elementwise, check_work, warn_if_inaccurate
from .high_precision import hermite_coefficients_mp
from .quadrature import BASES, HermiteResult, double_precision_coefficients

__all__ = ["resolved_coefficients"]


def resolved_coefficients(act, f, kmax, *, kinks=(), basis: str = "plain", dps=None, rtol=None,
                          f_mp=None) -> HermiteResult:
    """:func:`theory.hermite_coefficients` of ``f`` once resolved: ``act`` is the Activation or ``None``.

    Parameters and results are those of :func:`theory.hermite_coefficients`; ``f`` is the
    Activation itself or a vectorised callable.
    """
    kmax = check_integer(kmax, "kmax", minimum=0)
    check_choice(basis, BASES, "basis")
    try:
        kinks = tuple(float(k) for k in kinks)
    except (TypeError, ValueError):
        raise TypeError(f"kinks must be a sequence of real numbers; got {kinks!r}") from None
    if not all(math.isfinite(k) for k in kinks):
        raise ValueError(f"kinks must be finite; got {kinks!r}")
    if rtol is not None:
        rtol = check_positive(rtol, "rtol")
    check_work(act is not None and act.closed_form is not None, kmax, dps)  # caps before any work
    if dps is None and basis == "plain" and kmax > MAX_KMAX_PLAIN_DOUBLE:
        raise ValueError(
            f"kmax must be <= {MAX_KMAX_PLAIN_DOUBLE} for basis='plain' in double precision; got {kmax} (the plain "
            "coefficients grow like sqrt(k!), which exceeds the largest float64 beyond that degree): use "
            "basis='orthonormal', or dps=... for many digits"
        )
    if act is None and dps is None:
        check_elementwise(f, "f")
    if dps is not None:
        return hermite_coefficients_mp(
            act if act is not None else f, kmax, kinks=kinks, basis=basis, dps=dps,
            rtol=1e-20 if rtol is None else rtol, f_mp=f_mp,
        )
    if f_mp is not None:
        raise ValueError("f_mp is only used with dps; pass dps=... (e.g. dps=50)")
    res = double_precision_coefficients(act, f, kmax, kinks, basis, rtol)
    if rtol is None:  # with rtol an unreachable accuracy raises instead
        warn_if_inaccurate(res, f, kinks, "f" if act is None else f"activation {act.name!r}", stacklevel=4)
    return res
