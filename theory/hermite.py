r"""Hermite coefficients of functions of a standard Gaussian.

Conventions (``../shared/notes/README.md``, "Hermite conventions"): :math:`He_k` are the
probabilists' Hermite polynomials, :math:`E[He_j He_k] = k!\,\delta_{jk}` for :math:`z\sim N(0,1)`.

* ``basis="plain"``: :math:`\mu_k = E[f(z) He_k(z)]`, so :math:`f = \sum_k \mu_k He_k / k!`;
* ``basis="orthonormal"``: :math:`c_k = \mu_k/\sqrt{k!}`, so :math:`E f^2 = \sum_k c_k^2` (Parseval);
* ``basis="series"``: :math:`\mu_k / k!`, so :math:`f = \sum_k c_k He_k` (Moniri et al. 2024).

Numerics follow ``notes/hermite.md`` §4: composite Gauss-Legendre quadrature on panels of width at
most one, split at every declared kink, with the stable orthonormal recurrence
:math:`h_{k+1} = (z h_k - \sqrt{k}\,h_{k-1})/\sqrt{k+1}`. A refinement pass with half-width panels
gives the returned values and the error estimate. Plain Gauss-Hermite is never used: it converges
only algebraically for kinked functions (notes §3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ._checks import check_choice, check_integer
from ._result import Result

__all__ = [
    "HermiteResult",
    "hermite_coefficients",
    "convert_basis",
    "basis_factors",
    "gauss_legendre_panels",
    "orthonormal_hermite_matrix",
    "gaussian_rule",
    "BASES",
]

BASES = ("plain", "orthonormal", "series")
_EPS = np.finfo(float).eps
_GL_ORDER = 24
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def basis_factors(kmax: int, basis: str) -> np.ndarray:
    r"""Factors ``f_k`` with ``values_in_basis[k] = f_k * orthonormal[k]``.

    ``plain``: :math:`\sqrt{k!}`; ``series``: :math:`1/\sqrt{k!}`; ``orthonormal``: 1.
    Computed through ``lgamma`` so that nothing overflows for large ``k``.

    >>> basis_factors(3, "plain") ** 2
    array([1., 1., 2., 6.])
    """
    check_choice(basis, BASES, "basis")
    k = np.arange(kmax + 1)
    half_log_fact = 0.5 * np.array([math.lgamma(j + 1.0) for j in k])
    if basis == "plain":
        return np.exp(half_log_fact)
    if basis == "series":
        return np.exp(-half_log_fact)
    return np.ones(kmax + 1)


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
        A bound on ``|values - exact|`` in the same basis.
    basis : str
    method : str
        ``"closed_form"``, ``"quadrature"`` (double precision) or ``"mpmath"``.
    kinks : tuple of float
        The breakpoints used by the quadrature.
    """

    values: np.ndarray
    error_estimate: np.ndarray
    basis: str
    method: str
    kinks: tuple = ()

    @property
    def kmax(self) -> int:
        return len(self.values) - 1

    def in_basis(self, basis: str) -> "HermiteResult":
        """The same coefficients in another basis."""
        check_choice(basis, BASES, "basis")
        fac = basis_factors(self.kmax, basis) / basis_factors(self.kmax, self.basis)
        return HermiteResult(self.values * fac, self.error_estimate * fac, basis, self.method, self.kinks)


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


def orthonormal_hermite_matrix(z: np.ndarray, kmax: int) -> np.ndarray:
    r"""Rows ``h_k(z)`` for ``k = 0..kmax``, :math:`h_k = He_k/\sqrt{k!}`, by the stable recurrence.

    >>> H = orthonormal_hermite_matrix(np.array([2.0]), 3)
    >>> bool(np.allclose(H[:, 0], [1, 2, (4 - 1) / np.sqrt(2), (8 - 6) / np.sqrt(6)]))
    True
    """
    z = np.asarray(z, dtype=float)
    H = np.empty((kmax + 1,) + z.shape)
    H[0] = 1.0
    if kmax >= 1:
        H[1] = z
    for k in range(1, kmax):
        H[k + 1] = (z * H[k] - math.sqrt(k) * H[k - 1]) / math.sqrt(k + 1)
    return H


@lru_cache(maxsize=128)
def _weighted_basis(breakpoints: tuple, width: float, kmax: int):
    """Quadrature nodes and the matrix ``H[k, i] = w_i phi(z_i) h_k(z_i)`` (cached, read-only)."""
    z, w = gauss_legendre_panels(breakpoints, width)
    wphi = w * np.exp(-0.5 * z * z) * _INV_SQRT_2PI
    H = orthonormal_hermite_matrix(z, kmax) * wphi
    H.setflags(write=False)
    return z, H


def gaussian_rule(kinks=(), *, degree: int = 0, panel_width: float = 1.0):
    r"""Nodes ``z`` and weights ``w`` with :math:`\sum_i w_i g(z_i) \approx E[g(Z)]`, :math:`Z\sim N(0,1)`.

    Composite Gauss-Legendre on :math:`[-L, L]` split at ``kinks`` (``notes/hermite.md`` §4), with
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
    if np.iscomplexobj(v):
        raise TypeError(f"{name} must return real values")
    v = v.astype(float, copy=False)
    if not np.all(np.isfinite(v)):
        bad = z[~np.isfinite(v)]
        raise ValueError(f"{name} returned NaN or inf, first at z = {bad[0]:.6g}")
    return v


def _truncation_length(kinks: tuple, kmax: int) -> float:
    return (max((abs(k) for k in kinks), default=0.0)) + 2.0 * math.sqrt(kmax + 1.0) + 10.0


def _quadrature(f, kmax: int, kinks: tuple, name: str = "f"):
    """Orthonormal coefficients by composite Gauss-Legendre, with refinement error estimate."""
    L = _truncation_length(kinks, kmax)
    for _ in range(40):
        inner = tuple(sorted({float(k) for k in kinks if -L < k < L}))
        bps = (-L,) + inner + (L,)
        z_c, H_c = _weighted_basis(bps, 1.0, kmax)
        z_f, H_f = _weighted_basis(bps, 0.5, kmax)
        fz_f = _evaluate(f, z_f, name)
        # The outermost unit strips must carry a negligible part of the integrand (notes §4.1).
        terms0 = np.abs(fz_f * H_f[0])
        total = terms0.sum()
        outer = terms0[(np.abs(z_f) > L - 1.0)].sum()
        if total == 0 or outer <= 1e-30 * total:
            break
        L *= 1.5
    else:  # pragma: no cover - only for functions growing faster than exp(z^2/2)
        raise ValueError(f"{name} grows too fast: E[f(z)^2] does not seem to be finite")
    fz_c = _evaluate(f, z_c, name)
    c_fine = H_f @ fz_f
    c_coarse = H_c @ fz_c
    roundoff = np.abs(H_f) @ np.abs(fz_f)
    error = np.abs(c_fine - c_coarse) + 8.0 * _EPS * roundoff
    return c_fine, error, bps[1:-1]


def _resolve(f):
    from .activations import Activation, activation

    if isinstance(f, Activation):
        return f
    if isinstance(f, str):
        return activation(f)
    if callable(f):
        return None
    raise TypeError(
        f"f must be an activation name (str), an Activation or a vectorised callable; got {type(f).__name__}"
    )


def hermite_coefficients(f, kmax, *, kinks=(), basis: str = "plain", dps=None) -> HermiteResult:
    r"""Hermite coefficients :math:`E[f(z) He_k(z)]`, :math:`k=0..k_{max}`, in the chosen basis.

    Parameters
    ----------
    f : str, Activation or callable
        A registry name (see :func:`theory.activation`), an :class:`~theory.activations.Activation`
        or a vectorised callable ``f(z: ndarray) -> ndarray``.
    kmax : int
        Highest degree, ``>= 0``.
    kinks : sequence of float
        Points where ``f`` or a derivative jumps. Declared kinks of an ``Activation`` are added.
    basis : {"plain", "orthonormal", "series"}
        See the module docstring.
    dps : int, optional
        If given, compute with mpmath at this many decimal digits (``notes/hermite.md`` §5).

    Returns
    -------
    HermiteResult
        ``values`` and ``error_estimate`` (a bound on the absolute error) in ``basis``.

    Notes
    -----
    Closed forms are used first when the activation has them (``notes/hermite.md`` §2); parity
    zeros are exact zeros. Otherwise the composite Gauss-Legendre recipe of ``notes/hermite.md``
    §4 is used.

    Examples
    --------
    ReLU: :math:`\mu_0 = 1/\sqrt{2\pi}`, :math:`\mu_1 = 1/2`, :math:`\mu_2 = 1/\sqrt{2\pi}`.

    >>> r = hermite_coefficients("relu", 3)
    >>> bool(np.allclose(r.values, [1 / np.sqrt(2 * np.pi), 0.5, 1 / np.sqrt(2 * np.pi), 0.0]))
    True
    >>> r2 = hermite_coefficients(lambda z: np.maximum(z, 0), 3, kinks=(0.0,))
    >>> bool(np.all(np.abs(r2.values - r.values) <= r2.error_estimate + 1e-300))
    True
    """
    kmax = check_integer(kmax, "kmax", minimum=0)
    check_choice(basis, BASES, "basis")
    try:
        kinks = tuple(float(k) for k in kinks)
    except (TypeError, ValueError):
        raise TypeError(f"kinks must be a sequence of real numbers; got {kinks!r}") from None
    if not all(math.isfinite(k) for k in kinks):
        raise ValueError(f"kinks must be finite; got {kinks!r}")
    act = _resolve(f)
    if dps is not None:
        from .hermite_mp import hermite_coefficients_mp

        return hermite_coefficients_mp(act if act is not None else f, kmax, kinks=kinks, basis=basis, dps=dps)
    if act is not None:
        closed = act.closed_form_coefficients(kmax)
        if closed is not None:
            values = np.asarray(closed, dtype=float)
            err = 4.0 * _EPS * (np.abs(values) + 1e-300) * (1.0 + np.arange(kmax + 1))
            err[values == 0] = 0.0
            res = HermiteResult(values, err, "plain", "closed_form", act.kinks)
            return res if basis == "plain" else res.in_basis(basis)
        func = act.func
        kinks = tuple(sorted(set(kinks) | set(act.kinks)))
        name = f"activation {act.name!r}"
        parity = act.parity
    else:
        func = f
        name = "f"
        parity = 0
    c, err, used = _quadrature(func, kmax, kinks, name)
    if parity:
        zero = (np.arange(kmax + 1) % 2 == 1) if parity == 1 else (np.arange(kmax + 1) % 2 == 0)
        c = np.where(zero, 0.0, c)
        err = np.where(zero, 0.0, err)
    fac = basis_factors(kmax, basis)
    return HermiteResult(c * fac, err * fac, basis, "quadrature", tuple(used))
