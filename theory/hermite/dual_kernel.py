r"""Dual kernel :math:`K(\rho) = E[f(\sqrt{q_1}\,u)\,g(\sqrt{q_2}\,v)]` of two functions of correlated Gaussians.

:math:`u, v` are standard normal with correlation :math:`\rho`; ``q1``, ``q2`` are the variances of
the two preactivations (``docs/theory/hermite.md#dual-kernels``, "Dual kernel"). Three methods, in this order:

1. **closed form** (``g`` is ``f`` and ``q1 == q2``, and the activation has a kernel: ReLU, abs,
   step, sign, erf, exp, sin, cos, identity, polynomials; ``docs/activations.md``);
2. **series** :math:`K(\rho)=\sum_{k\le K} c_k d_k\rho^k` with the orthonormal coefficients
   :math:`c_k` of :math:`f(\sqrt{q_1}\cdot)` and :math:`d_k` of :math:`g(\sqrt{q_2}\cdot)` and the
   rigorous tail bound :math:`|\rho|^{K+1}\sqrt{T_fT_g}`, :math:`T_f = Ef^2-\sum_{k\le K}c_k^2`
   (Cauchy-Schwarz; ``docs/theory/hermite.md#dual-kernels``);
3. **2-D quadrature** where the series bound exceeds ``tol`` (kinked functions near
   :math:`|\rho|=1`): :math:`K = E_u[f(\sqrt{q_1}u)\,E_\xi g(\sqrt{q_2}(\rho u+\sqrt{1-\rho^2}\xi))]`
   with the inner panels split where :math:`g` has kinks (positions depend on :math:`u`) and the
   outer panels graded towards :math:`u = \mathrm{kink}/(\sqrt{q_2}\rho)`; error bound from a second
   pass with half-width panels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._checks import check_array, check_integer, check_positive
from .._result import Result
from .activations import Activation
from .engine import hermite_coefficients
from .quadrature import _EPS, _INV_SQRT_2PI, _evaluate, _gl_rule, gaussian_rule
from .moments import second_moment
from .transforms import _as_activation

__all__ = ["DualKernel", "dual_kernel"]


@dataclass(frozen=True)
class DualKernel(Result):
    r"""Values of the dual kernel at the requested correlations.

    Attributes
    ----------
    rho, value, error_estimate : ndarray
        Same shape as the ``rho`` given (0-d for a scalar); ``error_estimate`` bounds
        ``|value - K(rho)|``.
    method : ndarray of str
        ``"closed_form"``, ``"series"`` or ``"quadrature"`` per point.
    n_terms : int
        Number of series terms (``kmax + 1``; 0 if the series was not used).
    """

    rho: np.ndarray
    value: np.ndarray
    error_estimate: np.ndarray
    method: np.ndarray
    n_terms: int = 0


def dual_kernel(f, rho, g=None, q1=1.0, q2=1.0, *, kmax: int = 200, tol: float = 1e-12) -> DualKernel:
    r""":math:`K(\rho) = E[f(\sqrt{q_1}u)\,g(\sqrt{q_2}v)]`, :math:`\mathrm{corr}(u, v) = \rho` (module docstring).

    Parameters
    ----------
    f, g : str, Activation or callable
        ``g=None`` means ``g = f``. Kinks of Activations are used by the quadrature.
    rho : float or array_like in [-1, 1]
    q1, q2 : float
        Variances of the two preactivations (:math:`\rho = q_{12}/\sqrt{q_1q_2}`).
    kmax : int
        Series truncation :math:`K`.
    tol : float
        Absolute accuracy requested; points where the series bound exceeds it use 2-D quadrature.

    Returns
    -------
    DualKernel

    Examples
    --------
    ReLU closed form against the series and the quadrature (``docs/theory/hermite.md#dual-kernels``):

    >>> relu = Activation("relu_callable", lambda z: np.maximum(z, 0.0), kinks=(0.0,))
    >>> k = dual_kernel("relu", [0.3, 0.999])
    >>> s = dual_kernel(relu, [0.3, 0.999])
    >>> s.method.tolist(), bool(np.all(np.abs(s.value - k.value) <= s.error_estimate + k.error_estimate))
    (['series', 'quadrature'], True)
    """
    rho_arr = check_array(rho, "rho", ndim_max=8)
    if np.any(np.abs(rho_arr) > 1):
        raise ValueError(f"rho must lie in [-1, 1]; got {rho!r}")
    q1 = check_positive(q1, "q1")
    q2 = check_positive(q2, "q2")
    kmax = check_integer(kmax, "kmax", minimum=0)
    tol = check_positive(tol, "tol")
    fa = _as_activation(f)
    ga = fa if (g is None or g is f) else _as_activation(g)
    fs = fa.affine(math.sqrt(q1))
    gs = fs if (ga is fa and q1 == q2) else ga.affine(math.sqrt(q2))

    shape = rho_arr.shape
    r = rho_arr.ravel()
    if gs is fs and fs.kernel is not None:
        v = np.asarray(fs.kernel(r), dtype=float).reshape(r.shape)
        # the closed forms are a few elementary operations: a few ulps of the largest term
        scale = max(abs(float(fs.kernel(1.0))), abs(float(fs.kernel(-1.0))))
        err = 16 * _EPS * np.maximum(np.abs(v), scale)
        return DualKernel(rho_arr, v.reshape(shape), err.reshape(shape), np.full(shape, "closed_form"), 0)

    cf = hermite_coefficients(fs, kmax, basis="orthonormal")
    cg = cf if gs is fs else hermite_coefficients(gs, kmax, basis="orthonormal")
    coef = cf.values * cg.values
    coef_err = np.abs(cf.values) * cg.error_estimate + np.abs(cg.values) * cf.error_estimate + cf.error_estimate * cg.error_estimate
    tf = _tail_bound(fs, cf)
    tg = tf if gs is fs else _tail_bound(gs, cg)
    absr = np.abs(r)
    powers = absr[:, None] ** np.arange(kmax + 1)
    value = np.polynomial.polynomial.polyval(r, coef)
    err = powers @ coef_err + absr ** (kmax + 1) * math.sqrt(tf * tg) + 4 * _EPS * (powers @ np.abs(coef))
    method = np.full(r.shape, "series", dtype=object)
    for i in np.flatnonzero(err > tol):
        value[i], err[i] = _quadrature_kernel(fs, gs, float(r[i]))
        method[i] = "quadrature"
    return DualKernel(rho_arr, value.reshape(shape), err.reshape(shape), method.astype(str).reshape(shape), kmax + 1)


def _tail_bound(act, coeffs) -> float:
    """Upper bound on :math:`\\sum_{k>K}c_k^2 = Ef^2 - \\sum_{k\\le K}c_k^2`."""
    m2, e2 = second_moment(act, with_error=True)
    c, e = coeffs.values, coeffs.error_estimate
    return max(m2 + e2 - float(np.sum(c * c)) + float(np.sum(2 * np.abs(c) * e + e * e)), 0.0)


def _quadrature_kernel(fs, gs, rho: float):
    """2-D quadrature with refinement; returns ``(value, error_bound)``."""
    coarse, _ = _nested(fs, gs, rho, 1.0)
    fine, abs_sum = _nested(fs, gs, rho, 0.5)
    return fine, abs(fine - coarse) + 16 * _EPS * abs_sum


def _graded(center: float, delta: float) -> list:
    """Breakpoints ``center +- delta * 4^j`` up to distance 1 (grading towards a near-kink)."""
    pts, d = [], max(delta, 1e-12)
    while d < 1.0:
        pts += [center - d, center + d]
        d *= 4.0
    return pts


def _nested(fs, gs, rho, width):
    s = math.sqrt(max(1.0 - rho * rho, 0.0))
    f_kinks = list(fs.kinks)
    g_kinks = list(gs.kinks)
    if s == 0.0:  # v = +-u: a one-dimensional average
        kinks = f_kinks + [k / rho for k in g_kinks]
        z, w = gaussian_rule(kinks, panel_width=width)
        t = _evaluate(fs.func, z, "f") * _evaluate(gs.func, rho * z, "g") * w
        return float(np.sum(t)), float(np.sum(np.abs(t)))
    outer = list(f_kinks)
    for k in g_kinks:
        if rho != 0.0:
            outer += [k / rho] + _graded(k / rho, s / abs(rho))
    u, wu = gaussian_rule(outer, panel_width=width)
    # inner average over xi for every u, split where g has a kink: xi_j(u) = (k_j - rho u) / s
    L = gaussian_rule((), panel_width=width)[0].max()
    order = np.sort(np.array(g_kinks, dtype=float))
    if rho < 0:
        order = order[::-1]
    cuts = np.clip((order[None, :] - rho * u[:, None]) / s, -L, L)
    edges = np.concatenate([np.full((len(u), 1), -L), cuts, np.full((len(u), 1), L)], axis=1)
    x0, w0 = _gl_rule(24)
    m = int(math.ceil(2 * L / width))
    t = (np.arange(m)[:, None] + 0.5 * (x0[None, :] + 1.0)).ravel() / m  # nodes in (0, 1)
    wt = np.tile(w0 / (2 * m), m)
    inner = np.zeros(len(u))
    inner_abs = np.zeros(len(u))
    for j in range(edges.shape[1] - 1):
        a, b = edges[:, j:j + 1], edges[:, j + 1:j + 2]
        xi = a + (b - a) * t[None, :]
        wx = (b - a) * wt[None, :] * np.exp(-0.5 * xi * xi) * _INV_SQRT_2PI
        gv = _evaluate(gs.func, (rho * u[:, None] + s * xi).ravel(), "g").reshape(xi.shape)
        inner += np.sum(gv * wx, axis=1)
        inner_abs += np.sum(np.abs(gv) * wx, axis=1)
    fu = _evaluate(fs.func, u, "f")
    return float(np.sum(wu * fu * inner)), float(np.sum(wu * np.abs(fu) * inner_abs))
