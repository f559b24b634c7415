r"""Hermite coefficients of functions of a standard Gaussian: the double-precision numerics.

This module is the bottom of :mod:`theory.hermite` (it imports no other module of the package):
the Hermite basis conventions, :class:`HermiteResult`, the kink-aware Gaussian rules and the
quadrature. It works on an
already resolved function (an ``Activation`` object or a callable); registry names are resolved
by the public :func:`theory.hermite.engine.hermite_coefficients` (``docs/architecture.md``).

Conventions (``docs/theory/hermite.md#bases``): :math:`He_k` are the
probabilists' Hermite polynomials, :math:`E[He_j He_k] = k!\,\delta_{jk}` for :math:`z\sim N(0,1)`.

* ``basis="plain"``: :math:`\mu_k = E[f(z) He_k(z)]`, so :math:`f = \sum_k \mu_k He_k / k!`;
* ``basis="orthonormal"``: :math:`c_k = \mu_k/\sqrt{k!}`, so :math:`E f^2 = \sum_k c_k^2` (Parseval);
* ``basis="series"``: :math:`\mu_k / k!`, so :math:`f = \sum_k c_k He_k` (Moniri et al. 2024).

Order of methods (``docs/hermite.md``): closed forms of registry activations, evaluated in mpmath
and correctly rounded (``docs/theory/hermite.md#closed-forms``); identities (softplus and SiLU from the sigmoid);
otherwise the recipe of ``docs/theory/hermite.md#quadrature``: composite Gauss-Legendre quadrature on panels of
width 1/2, split at every declared kink, with the stable orthonormal recurrence
:math:`h_{k+1} = (z h_k - \sqrt{k}\,h_{k-1})/\sqrt{k+1}`, and a second pass with unit panels for
the error estimate (an adaptive check takes over when the two disagree: undeclared kinks). Plain
Gauss-Hermite is never used: it converges only algebraically for kinked functions (docs/theory/hermite.md#quadrature). With
``dps`` the mpmath version in :mod:`theory.hermite.high_precision` is used (docs/theory/hermite.md#high-precision).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import mpmath
import numpy as np

from .._checks import check_choice, check_integer, check_positive
from .._result import Result

__all__ = [
    "HermiteResult",
    "double_precision_coefficients",
    "convert_basis",
    "basis_factors",
    "gauss_legendre_panels",
    "orthonormal_hermite_matrix",
    "gaussian_rule",
    "BASES",
    "MAX_KMAX",
]

BASES = ("plain", "orthonormal", "series")
_EPS = np.finfo(float).eps
_GL_ORDER = 24
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def basis_factors(kmax: int, basis: str) -> np.ndarray:
    r"""Factors ``f_k`` with ``values_in_basis[k] = f_k * orthonormal[k]``.

    ``plain``: :math:`\sqrt{k!}`; ``series``: :math:`1/\sqrt{k!}`; ``orthonormal``: 1. Each factor is
    correctly rounded (computed in mpmath and cached), so a conversion adds at most one rounding.
    Beyond ``k = 170`` the plain factors overflow to ``inf``: use the orthonormal basis there.

    >>> basis_factors(3, "plain") ** 2
    array([1., 1., 2., 6.])
    """
    check_choice(basis, BASES, "basis")
    kmax = check_integer(kmax, "kmax", minimum=0)
    if basis == "orthonormal":
        return np.ones(kmax + 1)
    return _sqrt_factorials(kmax, basis == "series").copy()


@lru_cache(maxsize=64)
def _sqrt_factorials(kmax: int, inverse: bool) -> np.ndarray:
    with mpmath.workdps(30):
        vals = [mpmath.sqrt(mpmath.factorial(k)) for k in range(kmax + 1)]
        out = np.array([float(1 / v) if inverse else _to_float(v) for v in vals])
    out.setflags(write=False)
    return out


def _to_float(x) -> float:
    try:
        return float(x)
    except OverflowError:  # pragma: no cover - mpmath returns inf itself in current versions
        return math.inf


def convert_basis(values, from_basis: str, to_basis: str) -> np.ndarray:
    """Convert coefficient arrays between the ``plain``, ``orthonormal`` and ``series`` bases.

    >>> convert_basis([0.0, 0.5, 1.0], "plain", "series")
    array([0. , 0.5, 0.5])
    """
    values = np.asarray(values, dtype=float)
    kmax = values.shape[-1] - 1
    return values / basis_factors(kmax, from_basis) * basis_factors(kmax, to_basis)


@dataclass(frozen=True)
class HermiteResult(Result):
    """Hermite coefficients ``values[k]`` for ``k = 0..kmax`` in ``basis``.

    Attributes
    ----------
    values : ndarray, shape (kmax + 1,)
    error_estimate : ndarray, shape (kmax + 1,)
        A bound on ``|values - exact|`` in the same basis (zero only for exact values).
    basis : str
    method : str
        ``"closed_form"`` (closed form evaluated in mpmath, correctly rounded), ``"quadrature"``
        (double precision), ``"closed_form_mp"`` or ``"mpmath"`` (with ``dps``).
    kinks : tuple of float
        The breakpoints used by the quadrature.
    suspected_kinks : tuple of float
        Points where the quadrature found the function not smooth although no kink was declared
        there (then ``error_estimate`` is large: pass them as ``kinks``).
    mp_values : tuple of mpmath.mpf or None
        With ``dps``: the coefficients at that precision (``to_dict`` writes them as strings).
    dps : int or None
        The decimal precision of ``mp_values``.
    """

    values: np.ndarray
    error_estimate: np.ndarray
    basis: str
    method: str
    kinks: tuple = ()
    suspected_kinks: tuple = ()
    mp_values: tuple | None = None
    dps: int | None = None

    @property
    def kmax(self) -> int:
        return len(self.values) - 1

    def in_basis(self, basis: str) -> "HermiteResult":
        """The same coefficients in another basis (the error bound grows by one rounding)."""
        check_choice(basis, BASES, "basis")
        if basis == self.basis:
            return self
        fac = basis_factors(self.kmax, basis) / basis_factors(self.kmax, self.basis)
        values = self.values * fac
        err = self.error_estimate * fac + np.where(fac == 1.0, 0.0, 3 * _EPS * np.abs(values))
        mpv = None
        if self.mp_values is not None:
            with mpmath.workdps(self.dps or 30):
                mpv = tuple(v * _mp_factor(k, basis) / _mp_factor(k, self.basis) for k, v in enumerate(self.mp_values))
        return HermiteResult(values, err, basis, self.method, self.kinks, self.suspected_kinks, mpv, self.dps)

    def to_dict(self) -> dict:
        d = super().to_dict()
        if self.mp_values is not None:
            d["mp_values"] = [mpmath.nstr(v, self.dps or 30) for v in self.mp_values]
        return d

    def table_data(self):
        """Rows ``(k, value, error bound)``; the basis, method and kinks as notes."""
        rows = [[k, float(v), float(e)] for k, (v, e) in enumerate(zip(np.asarray(self.values), np.asarray(self.error_estimate)))]
        notes = [("basis", self.basis), ("method", self.method), ("kinks", self.kinks)]
        return ["k", "value", "error_bound"], rows, notes

    def table(self) -> str:
        """The coefficients as ``onegrad hermite`` prints them: one row per degree, value and error bound.

        Values have 17 significant digits, or ``dps`` digits for a high-precision result (from
        ``mp_values``); the error bound bounds the distance of the float64 value, and so of the
        high-precision value it rounds, to the exact coefficient.
        """
        digits = int(self.dps) if self.dps and self.mp_values is not None else 17
        head = f"# basis {self.basis!r}, method {self.method}" + (f", kinks {self.kinks}" if self.kinks else "")
        if digits != 17:
            head += f", {digits} significant digits"
        width = 24 if digits == 17 else digits + 8
        if digits != 17:
            vals = [mpmath.nstr(v, digits, strip_zeros=False) for v in self.mp_values]
            vals = [v if v.startswith("-") else " " + v for v in vals]
        else:
            vals = [f"{float(v): .17e}" for v in np.asarray(self.values)]
        lines = [head, f"   k  {'value':{width}s}  error_bound"]
        lines += [f"{k:4d}  {v:{width}s}  {float(e):.1e}" for k, (v, e) in enumerate(zip(vals, np.asarray(self.error_estimate)))]
        return "\n".join(lines)


def _mp_factor(k: int, basis: str):
    """``basis`` factor of degree ``k`` in mpmath at the current precision."""
    if basis == "orthonormal":
        return mpmath.mpf(1)
    r = mpmath.sqrt(mpmath.factorial(k))
    return r if basis == "plain" else 1 / r


@lru_cache(maxsize=64)
def _gl_rule(order: int):
    x, w = np.polynomial.legendre.leggauss(order)
    return x, w


@lru_cache(maxsize=256)
def gauss_legendre_panels(breakpoints: tuple, width: float, order: int = _GL_ORDER):
    """Nodes and weights of composite Gauss-Legendre on ``[breakpoints[0], breakpoints[-1]]``.

    Each interval between consecutive (sorted) breakpoints is cut into equal panels of width at most
    ``width``; each panel carries an ``order``-point Gauss-Legendre rule. Cached: the arrays are
    read-only.
    """
    bps = np.asarray(breakpoints, dtype=float)
    x0, w0 = _gl_rule(order)
    nodes, weights = [], []
    for a, b in zip(bps[:-1], bps[1:]):
        m = max(1, int(math.ceil((b - a) / width - 1e-12)))
        edges = np.linspace(a, b, m + 1)
        half = 0.5 * np.diff(edges)
        mid = 0.5 * (edges[:-1] + edges[1:])
        nodes.append((mid[:, None] + half[:, None] * x0[None, :]).ravel())
        weights.append((half[:, None] * w0[None, :]).ravel())
    z = np.concatenate(nodes)
    w = np.concatenate(weights)
    z.setflags(write=False)
    w.setflags(write=False)
    return z, w


def orthonormal_hermite_matrix(z: np.ndarray, kmax: int, *, start=None) -> np.ndarray:
    r"""Rows ``h_k(z)`` for ``k = 0..kmax``, :math:`h_k = He_k/\sqrt{k!}`, by the stable recurrence
    :math:`h_{k+1} = (zh_k - \sqrt{k}\,h_{k-1})/\sqrt{k+1}` (``docs/theory/hermite.md#quadrature``).

    ``start`` (array like ``z``) multiplies every row: the recurrence is linear, so the rows are
    ``start * h_k(z)`` (used with ``start = exp(-z^2/4)`` to avoid overflow).

    >>> H = orthonormal_hermite_matrix(np.array([2.0]), 3)
    >>> bool(np.allclose(H[:, 0], [1, 2, (4 - 1) / np.sqrt(2), (8 - 6) / np.sqrt(6)]))
    True
    """
    z = np.asarray(z, dtype=float)
    H = np.empty((kmax + 1,) + z.shape)
    H[0] = 1.0 if start is None else start
    if kmax >= 1:
        H[1] = z * H[0]
    for k in range(1, kmax):
        H[k + 1] = (z * H[k] - math.sqrt(k) * H[k - 1]) / math.sqrt(k + 1)
    return H


@lru_cache(maxsize=128)
def _weighted_basis(breakpoints: tuple, width: float, kmax: int):
    r"""Quadrature nodes and the matrix ``H[k, i] = w_i phi(z_i) h_k(z_i)`` (cached, read-only).

    The recurrence runs on :math:`h_k(z)e^{-z^2/4}`, which stays below 1.1 in absolute value
    (Cramér's inequality), so nothing overflows for large ``k`` and ``z``.
    """
    z, w = gauss_legendre_panels(breakpoints, width)
    g = np.exp(-0.25 * z * z)
    H = orthonormal_hermite_matrix(z, kmax, start=g) * (w * g * _INV_SQRT_2PI)
    H.setflags(write=False)
    return z, H


@lru_cache(maxsize=128)
def _abs_basis(breakpoints: tuple, width: float, kmax: int, inner: float):
    """``|H|`` of :func:`_weighted_basis`, the node indices with ``|z| > inner`` and ``|H|`` there
    (cached, read-only: the absolute sums of every call reuse them)."""
    z, H = _weighted_basis(breakpoints, width, kmax)
    abs_H = np.abs(H)
    outer = np.flatnonzero(np.abs(z) > inner)
    abs_outer = np.ascontiguousarray(abs_H[:, outer])
    for a in (abs_H, outer, abs_outer):
        a.setflags(write=False)
    return abs_H, outer, abs_outer


def gaussian_rule(kinks=(), *, degree: int = 0, panel_width: float = 1.0):
    r"""Nodes ``z`` and weights ``w`` with :math:`\sum_i w_i g(z_i) \approx E[g(Z)]`, :math:`Z\sim N(0,1)`.

    Composite Gauss-Legendre on :math:`[-L, L]` split at ``kinks`` (``docs/theory/hermite.md#quadrature``), with
    :math:`L = \max|\mathrm{kinks}| + 2\sqrt{\mathrm{degree}+1} + 10`; exact to machine precision for
    integrands that are analytic between kinks and grow at most like a polynomial of ``degree``
    times a Gaussian-integrable factor. Use it for every Gaussian average in the project (never
    plain Gauss-Hermite for kinked integrands). The arrays are cached and read-only.

    >>> z, w = gaussian_rule((0.0,))
    >>> bool(np.isclose(w @ np.maximum(z, 0), 1 / np.sqrt(2 * np.pi), rtol=1e-14, atol=0))
    True
    """
    kinks = tuple(sorted({float(k) for k in kinks}))
    return _gaussian_rule(kinks, int(degree), float(panel_width))


@lru_cache(maxsize=256)
def _gaussian_rule(kinks: tuple, degree: int, panel_width: float):
    L = _truncation_length(kinks, degree)
    bps = (-L,) + tuple(k for k in kinks if -L < k < L) + (L,)
    z, w = gauss_legendre_panels(bps, panel_width)
    wphi = w * np.exp(-0.5 * z * z) * _INV_SQRT_2PI
    wphi.setflags(write=False)
    return z, wphi


def _evaluate(f, z: np.ndarray, name: str = "f") -> np.ndarray:
    try:
        with np.errstate(all="ignore"):
            v = f(z)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must be a vectorised callable taking a numpy array and returning an array of the "
            f"same shape (wrap it with numpy.vectorize if needed); calling it failed with: {exc}"
        ) from exc
    v = np.asarray(v)
    if v.shape != z.shape:
        if v.ndim == 0:
            v = np.broadcast_to(v, z.shape)
        else:
            raise TypeError(
                f"{name} must be vectorised: for an input of shape {z.shape} it returned shape {v.shape}"
            )
    if v.dtype.kind == "c":
        raise TypeError(f"{name} must return real values")
    v = v.astype(float, copy=False)
    if not np.isfinite(v).all():  # (array methods: no Python-level dispatch on the hot path)
        bad = z[~np.isfinite(v)]
        raise ValueError(f"{name} returned NaN or inf, first at z = {bad[0]:.6g}")
    return v


def _truncation_length(kinks: tuple, kmax: int) -> float:
    return (max((abs(k) for k in kinks), default=0.0)) + 2.0 * math.sqrt(kmax + 1.0) + 10.0


# Above this degree the weighted recurrence underflows on the truncation window (|z| > 52).
MAX_KMAX = 400


def _quadrature(f, kmax: int, kinks: tuple, name: str = "f"):
    r"""Orthonormal coefficients by composite Gauss-Legendre (``docs/theory/hermite.md#quadrature``).

    Returns ``(c, error, breakpoints, absolute_sum, suspected)``: the refined (half-width panel)
    values, the error bound :math:`|c^{(1/2)} - c^{(1)}| + 8\epsilon\sum_i|w_i f h_k\varphi|` per
    ``k``, the inner breakpoints used, :math:`\sum_i|w_if h_k\varphi|` (for the cancellation factor
    :math:`\kappa_k`), and the suspected undeclared kinks.

    When the two passes disagree by more than :math:`10^{-12}\sum_i|w_if h_k\varphi|` the integrand
    is not analytic on some panel (an undeclared kink or jump, or a feature narrower than a
    panel): then :func:`_adaptive_check` recomputes the coefficients by adaptive bisection, the
    error bound becomes the distance to that value plus its own error, and the panels that needed
    more than 20 bisections are reported as suspected kinks. The returned values stay those of the
    fixed rule, so the large bound shows the problem (declare the kinks to fix it).
    """
    L = _truncation_length(kinks, kmax)
    for attempt in range(12):
        inner = tuple(sorted({float(k) for k in kinks if -L < k < L}))
        bps = (-L,) + inner + (L,)
        z_f, H_f = _weighted_basis(bps, 0.5, kmax)
        try:
            fz_f = _evaluate(f, z_f, name)
        except ValueError:
            if attempt == 0:
                raise
            raise ValueError(
                f"{name} grows too fast: E[f(z) He_k(z)] does not seem to be finite (f overflows at |z| <= {L:.0f})"
            ) from None
        # The outermost unit strips must carry a negligible part of the integrand (docs/theory/hermite.md).
        absf = np.abs(fz_f)
        abs_H, outer, abs_H_outer = _abs_basis(bps, 0.5, kmax, L - 1.0)
        abs_sum = abs_H @ absf
        outer_sum = abs_H_outer @ absf[outer]
        if (outer_sum <= 1e-30 * abs_sum).all():
            break
        L *= 1.5
    else:
        raise ValueError(f"{name} grows too fast: E[f(z) He_k(z)] does not seem to be finite")
    z_c, H_c = _weighted_basis(bps, 1.0, kmax)
    fz_c = _evaluate(f, z_c, name)
    c_fine = H_f @ fz_f
    c_coarse = H_c @ fz_c
    diff = np.abs(c_fine - c_coarse)
    error = diff + 8.0 * _EPS * abs_sum
    suspected = ()
    if (diff > 1e-12 * abs_sum).any():
        c_adapt, err_adapt, suspected = _adaptive_check(f, kmax, bps, float(np.max(abs_sum)), name)
        error = np.maximum(error, np.abs(c_fine - c_adapt) + err_adapt + 8.0 * _EPS * abs_sum)
    return c_fine, error, bps[1:-1], abs_sum, suspected


def _panel_contributions(f, kmax, a, b, name):
    r"""``P[k, j]``: 24-point Gauss-Legendre value of :math:`\int_{a_j}^{b_j} f h_k\varphi`, and the
    same sum with absolute values (for the roundoff level)."""
    x0, w0 = _gl_rule(_GL_ORDER)
    half = 0.5 * (b - a)
    z = (0.5 * (a + b))[:, None] + half[:, None] * x0[None, :]
    fz = _evaluate(f, z.ravel(), name).reshape(z.shape)
    g = np.exp(-0.25 * z * z)
    H = orthonormal_hermite_matrix(z, kmax, start=g)
    t = fz * g * half[:, None] * w0[None, :] * _INV_SQRT_2PI
    return np.einsum("kpi,pi->kp", H, t), np.einsum("kpi,pi->kp", np.abs(H), np.abs(t))


def _adaptive_check(f, kmax, bps, scale, name, max_depth: int = 60, max_panels: int = 4096):
    """Adaptive bisection of the half-width panels until each panel's two-level difference is
    below ``max(1e-17 * scale, 64 eps * panel absolute sum)``; returns
    ``(c, error, suspected_kinks)``. Unconverged panels (depth or count limit) add their
    two-level difference to the error."""
    edges = []
    for lo, hi in zip(bps[:-1], bps[1:]):
        m = max(1, int(math.ceil((hi - lo) / 0.5 - 1e-12)))
        e = np.linspace(lo, hi, m + 1)
        edges.append(np.stack([e[:-1], e[1:]]))
    a, b = np.concatenate(edges, axis=1)
    whole, _ = _panel_contributions(f, kmax, a, b, name)
    total = np.zeros(kmax + 1)
    err = np.zeros(kmax + 1)
    suspected = []
    for depth in range(max_depth):
        m = 0.5 * (a + b)
        left, left_abs = _panel_contributions(f, kmax, a, m, name)
        right, right_abs = _panel_contributions(f, kmax, m, b, name)
        halves = left + right
        delta = np.abs(halves - whole)
        tol = np.maximum(1e-17 * scale, 64 * _EPS * (left_abs + right_abs))
        done = np.all(delta <= tol, axis=0)
        total += halves[:, done].sum(axis=1)
        err += (delta[:, done] + 8 * _EPS * (left_abs + right_abs)[:, done]).sum(axis=1)
        if depth >= 20:
            suspected.extend(m[done].tolist())
        keep = ~done
        if not keep.any():
            break
        if 2 * np.count_nonzero(keep) > max_panels or depth == max_depth - 1:
            total += halves[:, keep].sum(axis=1)
            err += delta[:, keep].sum(axis=1)
            if depth >= 20:
                suspected.extend(m[keep].tolist())
            break
        a, b = np.concatenate([a[keep], m[keep]]), np.concatenate([m[keep], b[keep]])
        whole = np.concatenate([left[:, keep], right[:, keep]], axis=1)
    return total, err, _cluster(suspected)


def _cluster(points, gap: float = 1e-4) -> tuple:
    """Merge points closer than ``gap``; each cluster is reported by its mean, to 6 decimals."""
    out, group = [], []
    for x in sorted(points):
        if group and x - group[-1] > gap:
            out.append(round(sum(group) / len(group), 6))
            group = []
        group.append(x)
    if group:
        out.append(round(sum(group) / len(group), 6))
    return tuple(out)


@lru_cache(maxsize=512)
def _closed_form_mp(act, kmax: int, dps: int):
    """Closed-form plain coefficients at ``dps`` digits with an error bound: the difference to a
    second evaluation with 20 more digits (cached per Activation object)."""
    with mpmath.workdps(dps + 20):
        hi = act.closed_form(kmax)
    with mpmath.workdps(dps):
        lo = act.closed_form(kmax)
        lo = [mpmath.mpf(v) for v in lo]
    with mpmath.workdps(dps + 20):
        err = [abs(h - v) for h, v in zip(hi, lo)]
    return tuple(lo), tuple(err)


def _closed_form_result(act, kmax: int, basis: str) -> HermiteResult:
    """Float result from the closed form, correctly rounded in ``basis``: from integer arithmetic
    (``act.closed_form_float``, ``docs/derivations/hermite_closed_forms_fast.md``) where it decides
    the rounding, else evaluated at 40 digits in mpmath."""
    fast = getattr(act, "closed_form_float", None)
    out = fast(kmax, basis) if fast is not None else None
    if out is not None:
        return HermiteResult(np.array(out[0]), np.array(out[1]), basis, "closed_form", act.kinks)
    mu, err = _closed_form_mp(act, kmax, 40)
    with mpmath.workdps(40):
        fac = [_mp_factor(k, basis) / _mp_factor(k, "plain") for k in range(kmax + 1)]
        values = np.array([_to_float(v * f) for v, f in zip(mu, fac)])
        e = np.array([_to_float(x * f) for x, f in zip(err, fac)])
        exact = np.array([x == 0 and mpmath.mpf(float(v)) == v * f for v, x, f in zip(mu, err, fac)])
    # rounding to float64 (half an ulp) plus the mpmath evaluation error; exact values get 0
    e = e + np.where(exact | (values == 0.0), 0.0, 0.5 * np.spacing(np.abs(values)))
    return HermiteResult(values + 0.0, e, basis, "closed_form", act.kinks)


@lru_cache(maxsize=512)
def _activation_quadrature(act, kmax: int, kinks: tuple):
    c, err, used, abs_sum, suspected = _quadrature(act.func, kmax, kinks, f"activation {act.name!r}")
    c, err = c.copy(), err.copy()
    for k, v in act.known_coefficients(kmax).items():
        c[k], err[k] = v, 0.0  # exact by the parity structure (k = 0, 1 coincide in every basis)
    for arr in (c, err, abs_sum):
        arr.setflags(write=False)
    return c, err, used, abs_sum, suspected


def _check_rtol(values, error, abs_sum, rtol, *, what: str, name: str = "rtol"):
    """Raise unless every coefficient distinguishable from zero has relative error <= rtol."""
    nonzero = np.abs(values) > error
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(nonzero, error / np.abs(values), 0.0)
        kappa = np.where(nonzero, abs_sum / np.abs(values), 1.0)
    bad = np.flatnonzero(rel > rtol)
    if bad.size:
        k = int(bad[np.argmax(rel[bad])])
        need = math.ceil(max(20.0, -math.log10(rtol)) + math.log10(max(float(np.max(kappa)), 1.0)))
        raise ValueError(
            f"{name}={rtol:g} is out of reach {what}: the relative error bound is {rel[k]:.1e} at k={k} "
            f"(cancellation factor kappa={kappa[k]:.1e}); use dps >= {need} "
            "(dps >= -log10(rtol) + log10(max kappa), docs/theory/hermite.md#high-precision)"
        )




def double_precision_coefficients(act, f, kmax: int, kinks: tuple, basis: str, rtol=None) -> HermiteResult:
    """Coefficients in double precision of a resolved function (arguments already checked).

    ``act`` is the :class:`~theory.hermite.activations.Activation` (its closed form, identity or
    declared kinks are used) or ``None`` for a plain callable ``f``; see
    :func:`theory.hermite_coefficients` for the methods and the error estimate.
    """
    if act is not None and act.closed_form is not None:
        res = _closed_form_result(act, kmax, basis)
        return HermiteResult(res.values.copy(), res.error_estimate.copy(), basis, res.method, res.kinks)
    if kmax > MAX_KMAX:
        raise ValueError(f"kmax must be <= {MAX_KMAX} in double precision without a closed form; got {kmax} (use dps=...)")
    if act is not None and act.derived is not None and not kinks:
        values, err = act.derived(kmax)
        for k, v in act.known_coefficients(kmax).items():
            values[k], err[k] = v, 0.0
        if rtol is not None:
            _check_rtol(values, err, err / (8 * _EPS), rtol, what="in double precision")
        res = HermiteResult(values + 0.0, err, "orthonormal", "identity", act.kinks)
        return res.in_basis(basis)
    if act is not None:
        kinks = tuple(sorted(set(kinks) | set(act.kinks)))
        c, err, used, abs_sum, suspected = _activation_quadrature(act, kmax, kinks)
    else:
        c, err, used, abs_sum, suspected = _quadrature(f, kmax, kinks, "f")
    if rtol is not None:
        _check_rtol(c, err, abs_sum, rtol, what="in double precision")
    if basis == "orthonormal":
        return HermiteResult(c + 0.0, err.copy(), basis, "quadrature", tuple(used), suspected)
    fac = _sqrt_factorials(kmax, basis == "series")  # (arguments checked: the cached factors directly)
    values = c * fac
    err = err * fac + np.where(fac == 1.0, 0.0, 2.0 * _EPS * np.abs(values))
    return HermiteResult(values + 0.0, err, basis, "quadrature", tuple(used), suspected)
