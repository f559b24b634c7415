r"""High-precision Hermite coefficients with mpmath (``docs/theory/hermite.md#high-precision``).

The same panel scheme as the double-precision engine (:mod:`theory.hermite.quadrature`), at ``dps`` decimal
digits: 40-point Gauss-Legendre panels of width :math:`\frac12\min(1, 50/\mathrm{dps})` (and twice that
for the refinement estimate), split at
every kink, on :math:`[-L, L]` with :math:`L = \max|\mathrm{kinks}| + 2\sqrt{k_{max}+1} + 14`
(and at least :math:`\sqrt{2(\mathrm{dps}+10)\ln 10} + 2\sqrt{k_{max}+1}`). The function is
evaluated once per node in mpmath; the orthonormal recurrence
:math:`u_{k+1} = (zu_k - \sqrt k\,u_{k-1})/\sqrt{k+1}` runs on :math:`u_k = h_k(z)e^{-z^2/4}` in
exact integer fixed-point arithmetic with ``prec + 24`` bits (fast, and the rounding of every
operation is bounded by one unit).

Closed forms are evaluated in mpmath at ``dps`` digits (and again with 20 more digits for the
error bound) instead.

**dps rule** (``docs/theory/hermite.md#high-precision``): the relative error of :math:`c_k` is about
:math:`10^{-\mathrm{dps}}\kappa_k` with the cancellation factor
:math:`\kappa_k = \sum_i|w_if h_k\varphi|/|c_k|`, so a relative accuracy ``rtol`` needs
``dps >= -log10(rtol) + log10(max_k kappa_k)``; with the default ``rtol = 1e-20`` this is
``dps >= 20 + log10 max kappa``. A violation raises ``ValueError("dps too low for the requested
accuracy ...")`` with the ``dps`` that would do.
"""

from __future__ import annotations

import math
from functools import lru_cache

import mpmath
import numpy as np

from .._checks import check_choice, check_integer, check_positive
from .quadrature import (
    BASES,
    HermiteResult,
    _closed_form_mp,
    _mp_factor,
    _to_float,
    _truncation_length,
    orthonormal_hermite_matrix,
)

__all__ = ["hermite_coefficients_mp", "GL_ORDER_MP"]

GL_ORDER_MP = 40
_GUARD_BITS = 24


@lru_cache(maxsize=16)
def _gl_nodes(dps: int):
    """40-point Gauss-Legendre nodes and weights on [-1, 1] at ``dps + 10`` digits (cached)."""
    with mpmath.workdps(dps + 10):
        x, w = mpmath.mp.gauss_quadrature(GL_ORDER_MP, "legendre")
        return tuple(x), tuple(w)


def _panels(bps, width, dps):
    """Nodes and weights (mpf) of composite 40-point Gauss-Legendre between sorted breakpoints."""
    x0, w0 = _gl_nodes(dps)
    nodes, weights = [], []
    for a, b in zip(bps[:-1], bps[1:]):
        m = max(1, int(mpmath.ceil((b - a) / width - mpmath.mpf("1e-12"))))
        h = (b - a) / m
        for j in range(m):
            lo = a + j * h
            mid, half = lo + h / 2, h / 2
            nodes.extend(mid + half * x for x in x0)
            weights.extend(half * w for w in w0)
    return nodes, weights


def _as_mp_function(f, f_mp, act, name):
    if f_mp is not None:
        if not callable(f_mp):
            raise TypeError(f"f_mp must be a callable on mpmath.mpf; got {type(f_mp).__name__}")
        return f_mp
    if act is not None:
        if act.func_mp is None:
            raise TypeError(f"{name} has no mpmath version (func_mp): pass f_mp=... to use dps")
        return act.func_mp
    return f


def _evaluate_mp(g, nodes, name):
    out = []
    for z in nodes:
        try:
            v = g(z)
        except Exception as exc:  # noqa: BLE001 - any failure means g is not an mpmath function
            raise TypeError(
                f"{name} must accept mpmath.mpf with dps (pass f_mp=..., an mpmath version of f); "
                f"calling it on mpf({mpmath.nstr(z, 8)}) failed with: {exc}"
            ) from None
        if isinstance(v, np.ndarray) and v.ndim == 0:
            v = v.item()
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (mpmath.mpf, int)):
            raise TypeError(
                f"{name} returned {type(v).__name__} for an mpmath.mpf input: with dps it must return "
                "mpmath.mpf (or int), otherwise the result has only double precision; pass f_mp=..."
            )
        v = mpmath.mpf(v)
        if not mpmath.isfinite(v):
            raise ValueError(f"{name} returned NaN or inf, first at z = {mpmath.nstr(z, 8)}")
        out.append(v)
    return out


def _fixed_point_coefficients(nodes, weights, fvals, kmax, prec):
    """``c_k = sum_i w_i f_i phi(z_i) h_k(z_i)`` with the recurrence on ``h_k e^{-z^2/4}`` in
    integer fixed point (``prec`` fractional bits); returns ints scaled by ``2**(2*prec)`` and
    ``sum_i |w_i f_i phi0 e^{-z_i^2/4}|`` scaled by ``2**prec``."""
    one = 1 << prec
    with mpmath.workprec(prec + 10):
        phi0 = 1 / mpmath.sqrt(2 * mpmath.pi)
        Z = np.array([int(mpmath.nint(z * one)) for z in nodes], dtype=object)
        G = [mpmath.exp(-z * z / 4) for z in nodes]
        U0 = np.array([int(mpmath.nint(g * one)) for g in G], dtype=object)
        A = np.array([int(mpmath.nint(w * f * phi0 * g * one)) for w, f, g in zip(weights, fvals, G)], dtype=object)
        S = [int(mpmath.nint(mpmath.sqrt(k) * one)) for k in range(kmax + 1)]
        T = [int(mpmath.nint(one / mpmath.sqrt(k + 1))) for k in range(kmax + 1)]
    out = [int(np.dot(A, U0))]
    if kmax >= 1:
        U_prev, U = U0, (Z * U0) >> prec
        out.append(int(np.dot(A, U)))
        for k in range(1, kmax):
            U_prev, U = U, (((Z * U) >> prec) - ((S[k] * U_prev) >> prec)) * T[k] >> prec
            out.append(int(np.dot(A, U)))
    return out, int(sum(abs(a) for a in A))


def _quadrature_mp(g, kmax, kinks, dps, name):
    """Returns mp values (fine), |fine - coarse|, roundoff bounds, float abs sums, breakpoints."""
    with mpmath.workdps(dps + 10):
        prec = mpmath.mp.prec + _GUARD_BITS
        L = max(
            _truncation_length(kinks, kmax) + 4.0,
            math.sqrt(2 * (dps + 10) * math.log(10)) + 2 * math.sqrt(kmax + 1),
        )
        inner = sorted({mpmath.mpf(k) for k in kinks if -L < k < L})
        bps = [mpmath.mpf(-L)] + inner + [mpmath.mpf(L)]
        passes = {}
        fine_width = mpmath.mpf(1) / 2 * min(1, mpmath.mpf(50) / dps)
        for width in (fine_width, 2 * fine_width):
            nodes, weights = _panels(bps, width, dps)
            fvals = _evaluate_mp(g, nodes, name)
            ints, abs_a = _fixed_point_coefficients(nodes, weights, fvals, kmax, prec)
            scale = mpmath.ldexp(1, -2 * prec)
            passes[width] = ([mpmath.mpf(c) * scale for c in ints], mpmath.mpf(abs_a) * mpmath.ldexp(1, -prec))
            if width == fine_width:
                # float64 absolute sums for the cancellation factor (one digit is plenty)
                zf = np.array([float(z) for z in nodes])
                ff = np.array([float(v) for v in fvals])
                wf = np.array([float(w) for w in weights])
                gz = np.exp(-0.25 * zf * zf)
                H = orthonormal_hermite_matrix(zf, kmax, start=gz)
                abs_sum = np.abs(H) @ np.abs(wf * ff * gz / math.sqrt(2 * math.pi))
                # the outer unit strips must be negligible at this precision
                outer = np.abs(zf) > L - 1
                outer_sum = np.abs(H[:, outer]) @ np.abs((wf * ff * gz)[outer])
                if np.any(outer_sum > 10.0 ** (-dps - 5) * np.maximum(abs_sum, 1e-300)):
                    raise ValueError(f"{name} grows too fast for the truncation |z| <= {L:.0f} at dps={dps}")
        fine, abs_fine = passes[fine_width]
        coarse, _ = passes[2 * fine_width]
        diff = [abs(a - b) for a, b in zip(fine, coarse)]
        eps = mpmath.mpf(10) ** (-dps)
        unit = mpmath.ldexp(1, -prec)
        # f evaluated to about dps digits, plus one fixed-point unit per operation
        roundoff = [4 * eps * mpmath.mpf(float(s)) + 16 * (k + 2) * unit * (abs_fine + 1) for k, s in enumerate(abs_sum)]
    return fine, diff, roundoff, abs_sum, tuple(float(b) for b in inner)


def hermite_coefficients_mp(f, kmax, *, kinks=(), basis="plain", dps=50, rtol=1e-20, f_mp=None) -> HermiteResult:
    r"""Hermite coefficients at ``dps`` decimal digits (see the module docstring).

    Parameters
    ----------
    f : Activation or callable
        An Activation (its ``closed_form`` is used if present, else its ``func_mp``) or a callable
        accepting ``mpmath.mpf`` (or give ``f_mp``).
    kmax : int
    kinks : sequence of float
    basis : {"plain", "orthonormal", "series"}
    dps : int
        Working precision in decimal digits, ``>= 10``.
    rtol : float
        Requested relative accuracy of every coefficient that is not an exact zero.
    f_mp : callable, optional
        mpmath version of ``f``.

    Returns
    -------
    HermiteResult
        ``values`` rounded to float64, ``error_estimate`` (the mpmath error bound plus half an
        ulp), ``mp_values`` (the mpf coefficients in ``basis``), ``dps``, and ``method``
        ``"closed_form_mp"`` or ``"mpmath"``.

    Examples
    --------
    Plain coefficients of :math:`e^z` are :math:`\sqrt e`; at 30 digits the quadrature of a plain
    callable reproduces them:

    >>> r = hermite_coefficients_mp(mpmath.exp, 4, dps=30)
    >>> with mpmath.workdps(30):
    ...     bool(all(abs(v - mpmath.exp(mpmath.mpf(1) / 2)) < 1e-28 for v in r.mp_values))
    True
    """
    kmax = check_integer(kmax, "kmax", minimum=0)
    check_choice(basis, BASES, "basis")
    dps = check_integer(dps, "dps", minimum=10)
    rtol = check_positive(rtol, "rtol")
    # an Activation is recognised by its fields (this module sits below theory.hermite.activations,
    # which calls it for Activation.hermite(dps=...); docs/architecture.md)
    act = f if all(hasattr(f, a) for a in ("closed_form", "func_mp", "known_coefficients", "kinks")) else None
    name = f"activation {act.name!r}" if act is not None else "f"
    kinks = tuple(sorted(set(float(k) for k in kinks) | set(act.kinks if act is not None else ())))

    if act is not None and act.closed_form is not None and f_mp is None:
        mu, err = _closed_form_mp(act, kmax, dps)
        method = "closed_form_mp"
        with mpmath.workdps(dps + 20):
            rel = [e / abs(m) for m, e in zip(mu, err) if m != 0]
            worst = max(rel, default=mpmath.mpf(0))
        if worst > rtol:
            raise ValueError(
                f"dps too low for the requested accuracy: the closed form of {name} at dps={dps} has "
                f"relative error {mpmath.nstr(worst, 3)} > rtol={rtol:g}; raise dps"
            )
        with mpmath.workdps(dps):
            c = [m / _mp_factor(k, "plain") for k, m in enumerate(mu)]
            c_err = [e / _mp_factor(k, "plain") for k, e in enumerate(err)]
        used = kinks
    else:
        g = _as_mp_function(f, f_mp, act, name)
        if not callable(g):
            raise TypeError(f"f must be an Activation or a callable; got {type(f).__name__}")
        c, diff, roundoff, abs_sum, used = _quadrature_mp(g, kmax, kinks, dps, name)
        known = act.known_coefficients(kmax) if act is not None else {}
        with mpmath.workdps(dps + 10):
            c_err = [d + r for d, r in zip(diff, roundoff)]
            for k, v in known.items():
                c[k], c_err[k] = mpmath.mpf(v), mpmath.mpf(0)
            # convergence of the panel rule: the refinement difference must be at roundoff level
            bad = [k for k in range(kmax + 1) if k not in known and diff[k] > 10 * roundoff[k] + abs(c[k]) * rtol]
            if bad:
                k = bad[0]
                raise ValueError(
                    f"the panel quadrature of {name} did not converge at dps={dps} (k={k}: refinement "
                    f"difference {mpmath.nstr(diff[k], 3)}): declare every kink with kinks=..."
                )
            resolved = [k for k in range(kmax + 1) if k not in known and abs(c[k]) > 10 * roundoff[k]]
            kappa = {k: float(abs_sum[k]) / max(float(abs(c[k])), 1e-300) for k in resolved}
            if kappa:
                k_worst = max(kappa, key=kappa.get)
                need = math.ceil(-math.log10(rtol) + math.log10(max(kappa[k_worst], 1.0)))
                if dps < need:
                    raise ValueError(
                        f"dps too low for the requested accuracy: dps={dps} < {need} = -log10(rtol) + "
                        f"log10(max kappa) with rtol={rtol:g} and cancellation factor "
                        f"kappa={kappa[k_worst]:.1e} at k={k_worst} (docs/theory/hermite.md#high-precision); use dps >= {need}"
                    )
        method = "mpmath"
    with mpmath.workdps(dps + 10):
        vals_mp = [v * _mp_factor(k, basis) for k, v in enumerate(c)]
        errs_mp = [e * _mp_factor(k, basis) for k, e in enumerate(c_err)]
        values = np.array([_to_float(v) for v in vals_mp]) + 0.0
        errors = np.array([_to_float(e) for e in errs_mp])
    errors = errors + np.where(values == 0.0, 0.0, 0.5 * np.spacing(np.abs(values)))
    with mpmath.workdps(dps):
        mp_values = tuple(+v for v in vals_mp)
    return HermiteResult(values, errors, basis, method, tuple(used), (), mp_values, dps)
