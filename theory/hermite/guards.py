r"""Guards of the Hermite engine: resource caps, checks of user callables, and the accuracy warning.

* **Caps** (checked before any work, ``docs/security.md``): ``kmax <= 2000`` and ``dps <= 1000``
  for closed forms (measured here: relu to :math:`k = 2000` at 1000 digits in about 4 s, at double
  precision in 0.15 s; the cost grows like :math:`k_{max}^2`); the mpmath panel quadrature (no closed
  form) costs about :math:`\mathrm{dps}^{2.2}` (tanh, ``kmax = 3``: 0.8 s at 50 digits, 6 s at 200,
  31 s at 400), so it is capped at ``dps <= 300`` and ``kmax <= 400``; the double-precision
  quadrature keeps its own ``kmax <= 400`` (:data:`theory.hermite.quadrature.MAX_KMAX`, where its
  weighted recurrence underflows).
* **Callables** must be elementwise and vectorised: :func:`check_elementwise` compares ``f(x)`` on a
  probe array with ``f`` applied to each half of it alone and to the array reshaped to 2-D, so
  ``lambda z: np.sum(z)`` (which would give coefficients of a constant) is refused, naming the
  argument.
* **Accuracy**: an undeclared kink makes the double-precision quadrature converge only
  algebraically; the error estimate stays honest but large. :func:`warn_if_inaccurate` emits an
  :class:`AccuracyWarning` when a coefficient's bound exceeds :data:`WARN_RELATIVE_ERROR` times the
  :math:`L^2(\varphi)` norm of the function (orthonormal basis), telling the user to pass ``kinks=``.
"""

from __future__ import annotations

import math
import warnings
import weakref

import numpy as np

__all__ = [
    "AccuracyWarning",
    "MAX_KMAX",
    "MAX_DPS",
    "MAX_DPS_QUADRATURE",
    "MAX_KMAX_QUADRATURE_MP",
    "WARN_RELATIVE_ERROR",
    "check_work",
    "MAX_KMAX_PLAIN_DOUBLE",
    "check_elementwise",
    "warn_if_inaccurate",
]

MAX_KMAX = 2000
MAX_DPS = 1000
MAX_DPS_QUADRATURE = 300
MAX_KMAX_QUADRATURE_MP = 400
WARN_RELATIVE_ERROR = 1e-8

# Fixed probe points (no RNG): irregular spacing, both signs, no special values such as 0.
# Unsorted, so that sorting or cumulating functions show themselves.
_PROBE = np.array([0.35, -2.05, 3.7, -0.15, 1.45, -3.3, 0.8, -1.2, 2.2, -0.55])


class AccuracyWarning(UserWarning):
    """The returned values are much less accurate than double precision (see ``error_estimate``)."""


#: Largest ``kmax`` of the plain basis in double precision: sqrt(k!) (the scale of plain coefficients of a
#: function of unit size) exceeds the largest float64 for k > 300 (lgamma(302)/2 > log(1.8e308)).
MAX_KMAX_PLAIN_DOUBLE = 300


def check_work(has_closed_form: bool, kmax: int, dps) -> None:
    """Refuse ``kmax`` / ``dps`` beyond the caps of the module docstring, stating the limit and why.

    >>> check_work(True, 10**8, None)
    Traceback (most recent call last):
    ...
    ValueError: kmax must be <= 2000; got 100000000 (the cost grows like kmax**2: 2000 takes about 0.15 s in double precision and 4 s at dps=1000)
    """
    if kmax > MAX_KMAX:
        raise ValueError(
            f"kmax must be <= {MAX_KMAX}; got {kmax} (the cost grows like kmax**2: {MAX_KMAX} takes about "
            "0.15 s in double precision and 4 s at dps=1000)"
        )
    if dps is None:
        return
    if isinstance(dps, bool) or not isinstance(dps, (int, np.integer)):
        raise TypeError(f"dps must be an integer; got {dps!r}")
    if dps > MAX_DPS:
        raise ValueError(f"dps must be <= {MAX_DPS}; got {dps} (the limit of the high-precision engine; "
                         "1000 digits of a closed form up to kmax = 2000 take about 4 s)")
    if not has_closed_form:
        if dps > MAX_DPS_QUADRATURE:
            raise ValueError(
                f"dps must be <= {MAX_DPS_QUADRATURE} without a closed form; got {dps} (the mpmath quadrature "
                "costs about dps**2.2: 6 s at dps=200, 31 s at dps=400 for kmax = 3)"
            )
        if kmax > MAX_KMAX_QUADRATURE_MP:
            raise ValueError(f"kmax must be <= {MAX_KMAX_QUADRATURE_MP} with dps and without a closed form; got {kmax}")


def _call(f, x, name):
    try:
        with np.errstate(all="ignore"):
            return np.asarray(f(x))
    except Exception as exc:  # any failure of user code on a plain float array is the user's to fix
        raise TypeError(
            f"{name} must be a vectorised callable taking a numpy array of floats and returning an array of "
            f"the same shape (wrap it with numpy.vectorize if needed); calling it failed with "
            f"{type(exc).__name__}: {exc}"
        ) from exc


_CHECKED = weakref.WeakKeyDictionary()  # callables already found elementwise (a verdict cache, no data)


def check_elementwise(f, name: str = "f", *, finite: bool = False) -> None:
    r"""Check that ``f`` acts elementwise on arrays of any shape (and, with ``finite``, is finite).

    On the probe array ``x`` (10 fixed, unsorted points in :math:`[-3.3, 3.7]`): ``f(x)`` must have
    the shape of ``x`` (or be a scalar, for a constant function) and agree, to a relative ``1e-9``,
    with ``f`` applied to each half of ``x`` alone (a sum, mean, sort or cumulative sum over the
    array changes with its length) and to ``x.reshape(2, 5)`` (a function of one axis only). Raises
    ``TypeError`` (wrong shape or a failing call) or ``ValueError`` (not elementwise; not finite)
    naming ``name``. A callable that passed is remembered (weakly), so the check costs four calls
    once per callable object.

    >>> check_elementwise(lambda z: np.sum(z), "f")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: f must act elementwise (the first half of the array alone): ...
    """
    if not callable(f):
        raise TypeError(f"{name} must be callable; got {type(f).__name__}")
    try:
        if _CHECKED.get(f, 0) >= 1 + finite:
            return
    except TypeError:  # not weakly referenceable or not hashable: check every time
        pass
    x = _PROBE.copy()
    v = _as_values(_call(f, x, name), x.shape, name)
    if finite and not np.all(np.isfinite(v)):
        bad = x[~np.isfinite(v)][0]
        raise ValueError(f"{name} returned NaN or inf at z = {bad:g}: it must be finite on the real line")
    w = _call(f, x.reshape(2, 5), name)
    if w.ndim and w.shape != (2, 5):
        raise TypeError(f"{name} must act elementwise on arrays of any shape: for an input of shape (2, 5) it "
                        f"returned shape {w.shape}")
    parts = (("the first half of the array alone", np.s_[:5], _as_values(_call(f, x[:5], name), (5,), name)),
             ("the second half of the array alone", np.s_[5:], _as_values(_call(f, x[5:], name), (5,), name)),
             ("the array reshaped to 2-D", np.s_[:], _as_values(w, (2, 5), name).ravel()))
    with np.errstate(invalid="ignore"):
        for what, sl, other in parts:
            ref = v[sl]
            same = (other == ref) | (np.abs(other - ref) <= 1e-9 * np.maximum(np.abs(ref), 1e-300)) \
                | (np.isnan(other) & np.isnan(ref))
            if not np.all(same):
                i = int(np.flatnonzero(~same)[0])
                raise ValueError(
                    f"{name} must act elementwise ({what}): at z = {x[sl][i]:g} it gave {other[i]:.6g} instead of "
                    f"{ref[i]:.6g}; a function that mixes the entries of its argument (np.sum, np.mean, sorting...) "
                    "is not a function of one Gaussian variable"
                )
    try:
        _CHECKED[f] = max(_CHECKED.get(f, 0), 1 + finite)
    except TypeError:
        pass


def _as_values(v, shape, name):
    if v.ndim == 0:
        v = np.broadcast_to(v, shape)
    if v.shape != shape:
        raise TypeError(f"{name} must be vectorised: for an input of shape {shape} it returned shape {v.shape}")
    if np.iscomplexobj(v) and np.any(np.imag(v) != 0):
        raise ValueError(f"{name} must return real values")
    try:
        return np.real(v).astype(float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must return numbers; got an array of {v.dtype}") from None


def warn_if_inaccurate(result, f, kinks=(), name: str = "f", stacklevel: int = 3) -> None:
    r"""Emit :class:`AccuracyWarning` when ``result`` (a quadrature HermiteResult of ``f``) is far from
    double precision.

    The test: some coefficient's error bound in the orthonormal basis exceeds
    ``WARN_RELATIVE_ERROR`` times the scale :math:`\max\big(\|c\|_2, (E f^2)^{1/2}\big)` (the second
    computed, with the kink-aware Gaussian rule, only when the first does not already clear it), so a
    coefficient that is zero by symmetry does not make a tiny rounding error look large.
    """
    if result.method != "quadrature":
        return
    from .quadrature import basis_factors

    fac = basis_factors(result.kmax, result.basis)  # cached; orthonormal = value / fac
    with np.errstate(all="ignore"):
        err = np.asarray(result.error_estimate, dtype=float) / fac
        vals = np.asarray(result.values, dtype=float) / fac
    if not np.all(np.isfinite(err)) or not np.any(err > 0):
        return
    worst = float(np.max(err))
    scale = float(np.sqrt(np.sum(vals[np.isfinite(vals)] ** 2)))
    if worst <= WARN_RELATIVE_ERROR * scale:
        return
    from .quadrature import gaussian_rule

    z, w = gaussian_rule(tuple(kinks) + tuple(result.kinks))
    with np.errstate(all="ignore"):
        fz = np.broadcast_to(np.asarray(f(z), dtype=float), z.shape)
    scale = max(scale, float(np.sqrt(w @ (fz * fz))))
    if not math.isfinite(scale) or scale <= 1e-290 or worst <= WARN_RELATIVE_ERROR * scale:
        return  # (a function that is numerically zero has no relative accuracy to speak of)
    where = (f" near z = {', '.join(f'{k:g}' for k in result.suspected_kinks[:5])}"
             if result.suspected_kinks else "")
    warnings.warn(
        f"{name}: the Hermite coefficients are only accurate to a relative {worst / scale:.1e} (see error_estimate): "
        f"the function seems to have an undeclared kink or jump{where}; pass kinks=(...) with the points "
        "where it or its derivative jumps (for an Activation: Activation(..., kinks=...))",
        AccuracyWarning, stacklevel=stacklevel,
    )
