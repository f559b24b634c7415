r"""Hermite tensors of a multi-index target (``docs/theory/giant_step.md#hermite-tensors``).

.. math::
    C_k(g) = E_{x\sim N(0, I_r)}\big[g(x)\,\mathbf{He}_k(x)\big] = E[\nabla^k g],

where :math:`\mathbf{He}_k(x)_{i_1\dots i_k}=(-1)^k e^{|x|^2/2}\partial_{i_1}\cdots\partial_{i_k}e^{-|x|^2/2}`.
The entry with index tuple :math:`i` only depends on the multiplicities :math:`\alpha_j=\#\{l: i_l=j\}`,
:math:`\mathbf{He}_k(x)_i=\prod_j He_{\alpha_j}(x_j)`, so :math:`g=\sum_k\frac1{k!}\langle C_k,\mathbf{He}_k(x)\rangle`
and :math:`E[\langle A,\mathbf{He}_k\rangle\langle B,\mathbf{He}_k\rangle]=k!\langle A,B\rangle` for symmetric
:math:`A, B` (Parseval).

Two paths:

* **exact** (polynomial expressions): :math:`C_k=E[\nabla^kg]` from the Gaussian moments
  :math:`E z^{m}=(m-1)!!` (even :math:`m`), term by term; no integration;
* **numeric** (anything else): a tensor product of the kink-free rule of
  :func:`theory.hermite.engine.gaussian_rule` (composite Gauss-Legendre against the Gaussian weight), evaluated at
  two panel widths; the finer result is returned and the difference (plus a round-off bound) is the
  error estimate. Targets with kinks off the coordinate axes converge slowly, and the estimate shows it.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .._checks import check_integer
from .._result import Result
from ..hermite.engine import gaussian_rule, orthonormal_hermite_matrix

__all__ = [
    "HermiteTensors",
    "hermite_tensor",
    "hermite_tensors",
    "second_moment",
    "tensor_hermite_polynomial",
    "tensor_hermite_values",
    "gaussian_moment",
    "product_grid",
    "grid_values",
    "MAX_NUMERIC_R",
    "MAX_TENSOR_ENTRIES",
    "MAX_TENSOR_ORDER",
]

_EPS = np.finfo(float).eps


def _as_target(target, name: str = "target"):
    """``target`` if it is a :class:`theory.MultiIndexTarget`; raise a clear TypeError otherwise.

    Recognised by its class's interface (``poly``, ``is_polynomial``, ``without_low_orders``; the
    properties are not evaluated here), so that this module does not import
    :mod:`theory.multi_index.targets`, whose methods call it (no import cycle, ``docs/architecture.md``).
    """
    cls = type(target)
    if all(hasattr(cls, a) for a in ("poly", "is_polynomial", "without_low_orders")) and hasattr(target, "r"):
        return target
    raise TypeError(f"{name} must be a theory.MultiIndexTarget; got {type(target).__name__}")
MAX_NUMERIC_R = 4
# (coarse, fine) panel widths of the 1-D rule for each r: the grid has about (fine nodes)^r points.
_PANELS = {1: (4.0, 2.0), 2: (4.0, 2.0), 3: (8.0, 4.0), 4: (12.0, 8.0)}
# 1-D weights below this are dropped: nodes beyond |z| ~ 11.3 (r <= 3) or ~ 10.2 (r = 4). The contribution of
# the outermost unit shell of the grid is added to the error estimate as a tail bound.
_PRUNE = {1: 1e-30, 2: 1e-30, 3: 1e-30, 4: 1e-24}


def gaussian_moment(m: int) -> int:
    """:math:`E z^m` for :math:`z\\sim N(0,1)`: :math:`(m-1)!!` for even ``m``, 0 for odd.

    >>> [gaussian_moment(m) for m in range(7)]
    [1, 0, 1, 0, 3, 0, 15]
    """
    if m % 2:
        return 0
    out = 1
    for j in range(m - 1, 0, -2):
        out *= j
    return out


def _multiplicities(index: tuple, r: int) -> tuple:
    c = Counter(index)
    return tuple(c.get(j, 0) for j in range(r))


def _falling(a: int, b: int) -> int:
    out = 1
    for j in range(b):
        out *= a - j
    return out


# ---------------------------------------------------------------------------------------------- exact
@lru_cache(maxsize=256)
def _exact_tensor(target: MultiIndexTarget, k: int):
    """C_k as a sympy Array via E[d^alpha g] = sum_a c_a prod_j a_j!/(a_j-alpha_j)! E z^(a_j-alpha_j)."""
    import sympy  # exact path only: sympy loads on first use (docs/architecture.md, light start)

    r = target.r
    _check_size(r, k, "k")
    terms = target.poly.terms()
    if k == 0:
        flat = {(): sum((c * math.prod(gaussian_moment(a) for a in mon) for mon, c in terms), sympy.Integer(0))}
        return sympy.Array(flat[()])  # already a sympy number: no sympify of anything
    vals = {}
    for idx in itertools.combinations_with_replacement(range(r), k):
        alpha = _multiplicities(idx, r)
        tot = sympy.Integer(0)
        for mon, c in terms:
            if any(a < b for a, b in zip(mon, alpha)):
                continue
            prod = 1
            for a, b in zip(mon, alpha):
                prod *= _falling(a, b) * gaussian_moment(a - b)
                if prod == 0:
                    break
            if prod:
                tot += c * prod
        vals[idx] = tot
    flat = [vals[tuple(sorted(i))] for i in itertools.product(range(r), repeat=k)]
    return sympy.Array(flat, (r,) * k)


def tensor_hermite_polynomial(C, x):
    r""":math:`\langle C,\mathbf{He}_k(x)\rangle` as a sympy expression, ``C`` symmetric of shape ``(r,)*k``.

    >>> import sympy
    >>> z1, z2 = sympy.symbols("z1 z2")
    >>> sympy.expand(tensor_hermite_polynomial(sympy.Array([[0, 1], [1, 0]]), (z1, z2)))
    2*z1*z2
    """
    import sympy

    C = sympy.Array(C)
    k = C.rank()
    r = len(x)
    if k == 0:
        return C[()]  # an element of a sympy Array is already a sympy object
    out = sympy.Integer(0)
    for idx in itertools.combinations_with_replacement(range(r), k):
        alpha = _multiplicities(idx, r)
        mult = sympy.factorial(k) / math.prod(math.factorial(a) for a in alpha)
        out += mult * C[idx] * math.prod((sympy.hermite_prob(a, x[j]) for j, a in enumerate(alpha) if a), start=sympy.Integer(1))
    return sympy.expand(out)


def tensor_hermite_values(C, Z) -> np.ndarray:
    r""":math:`\langle C,\mathbf{He}_k(z)\rangle` for each row ``z`` of ``Z`` (shape ``(m, r)``).

    >>> tensor_hermite_values(np.eye(2), np.array([[1.0, 2.0]]))  # He_2(1) + He_2(2) = 0 + 3
    array([3.])
    """
    C = np.asarray(C, dtype=float)
    Z = np.atleast_2d(np.asarray(Z, dtype=float))
    k = C.ndim
    r = Z.shape[1]
    if k == 0:
        return np.full(Z.shape[0], float(C))
    # He_a(z_j) for a <= k: plain Hermite from the orthonormal recurrence times sqrt(a!)
    H = orthonormal_hermite_matrix(Z, k) * np.sqrt([math.factorial(a) for a in range(k + 1)])[:, None, None]
    out = np.zeros(Z.shape[0])
    for idx in itertools.combinations_with_replacement(range(r), k):
        alpha = _multiplicities(idx, r)
        mult = math.factorial(k) / math.prod(math.factorial(a) for a in alpha)
        term = np.full(Z.shape[0], mult * C[idx])
        for j, a in enumerate(alpha):
            if a:
                term = term * H[a, :, j]
        out += term
    return out


def _exact_second_moment(target: MultiIndexTarget):
    import sympy

    sq = target.poly ** 2
    return sum((c * math.prod(gaussian_moment(a) for a in mon) for mon, c in sq.terms()), sympy.Integer(0))


# ---------------------------------------------------------------------------------------------- numeric
@lru_cache(maxsize=16)
def _rule(panel_width: float, prune: float):
    z, w = gaussian_rule((), degree=8, panel_width=panel_width)
    keep = w > prune
    z, w = np.array(z[keep]), np.array(w[keep])
    z.setflags(write=False)
    w.setflags(write=False)
    return z, w


def _check_numeric_r(r: int) -> None:
    if r > MAX_NUMERIC_R:
        raise ValueError(
            f"target: the numeric (quadrature) path supports r <= {MAX_NUMERIC_R}; got r = {r}. "
            "Give a polynomial sympy expression for exact results at larger r."
        )


def product_grid(r: int, level: str = "fine"):
    """1-D nodes and weights of the tensor-product rule used for ``r`` directions (``level``: coarse/fine).

    >>> z, w = product_grid(2)
    >>> bool(abs(w.sum() - 1) < 1e-14)
    True
    """
    r = check_integer(r, "r", minimum=1)
    _check_numeric_r(r)
    coarse, fine = _PANELS[r]
    return _rule(fine if level == "fine" else coarse, _PRUNE[r])


def grid_values(target: MultiIndexTarget, Q=None, level: str = "fine"):
    r"""Values :math:`g(Qy)` on the tensor grid of :math:`y`, shape ``(n,)*r``, with the 1-D nodes and weights.

    ``Q`` is an orthogonal ``r x r`` matrix (default identity): the grid is laid in the coordinates
    :math:`y=Q^\top x`, so that averaging over the last axes integrates out the directions
    ``Q[:, m:]`` (conditional expectations given ``Q[:, :m]^T x``).
    """
    r = target.r
    z, w = product_grid(r, level)
    n = z.size
    G = np.empty((n,) * r)
    rest = np.stack(np.meshgrid(*([z] * (r - 1)), indexing="ij"), axis=-1).reshape(-1, r - 1) if r > 1 else np.empty((1, 0))
    Qm = np.eye(r) if Q is None else np.asarray(Q, dtype=float)
    R = rest @ Qm[:, 1:].T  # the part of x = Q y from y_2..y_r, the same for every slice
    for i0 in range(n):
        X = R + z[i0] * Qm[:, 0]
        with np.errstate(all="ignore"):
            v = np.asarray(target.func(X), dtype=float)
        if not np.all(np.isfinite(v)):
            raise ValueError(f"target {target.name!r} returned NaN or inf on the quadrature grid")
        G[i0] = v.reshape((n,) * (r - 1))
    return G, z, w


def _contract_all(G: np.ndarray, M: np.ndarray) -> np.ndarray:
    """Contract every axis of ``G`` (shape (n,)*r) with ``M`` (shape (K, n)); result shape (K,)*r."""
    A = G
    for _ in range(G.ndim):
        A = np.tensordot(A, M, axes=([0], [1]))
    return A


@lru_cache(maxsize=4)
def _identity_grid(target: MultiIndexTarget, level: str):
    """:func:`grid_values` in the original coordinates, cached: the target is evaluated once per rule
    whatever the orders asked for (``hermite_tensors`` and ``second_moment`` share it)."""
    G, z, w = grid_values(target, None, level)
    G.setflags(write=False)
    return G, z, w


def _numeric_coefficients(target: MultiIndexTarget, kmax: int, level: str):
    """Plain coefficients A[alpha] = E[g prod_j He_{alpha_j}(x_j)], alpha_j <= kmax; sum of |terms| R; outer-shell part."""
    G, z, w = _identity_grid(target, level)
    H = orthonormal_hermite_matrix(z, kmax) * np.sqrt([math.factorial(a) for a in range(kmax + 1)])[:, None]
    A = _contract_all(G, H * w)
    absG = np.abs(G)
    R = _contract_all(absG, np.abs(H) * w)
    inner = np.abs(z) < np.abs(z).max() - 1.0
    tail = R - _contract_all(absG, np.abs(H) * (w * inner))
    return A, R, tail


@lru_cache(maxsize=4)
def _numeric_second_moment(target: MultiIndexTarget):
    """:math:`E g^2` on the fine rule and its refinement error estimate (fine against coarse)."""
    m2 = {}
    for level in ("fine", "coarse"):
        G, _, w = _identity_grid(target, level)
        m2[level] = _contract_all(G * G, w[None, :]).item()
    return m2["fine"], abs(m2["fine"] - m2["coarse"]) + 64 * _EPS * m2["fine"]


@lru_cache(maxsize=32)
def _numeric_tensors(target: MultiIndexTarget, kmax: int):
    _check_numeric_r(target.r)
    _check_size(target.r, kmax, "kmax")
    A_f, R_f, T_f = _numeric_coefficients(target, kmax, "fine")
    A_c, _, _ = _numeric_coefficients(target, kmax, "coarse")
    err = np.abs(A_f - A_c) + 64 * _EPS * R_f + T_f
    m2_f, m2_err = _numeric_second_moment(target)
    r = target.r
    vals, errs = [], []
    for k in range(kmax + 1):
        V = np.empty((r,) * k)
        E = np.empty((r,) * k)
        for idx in itertools.product(range(r), repeat=k):
            alpha = _multiplicities(idx, r)
            V[idx] = A_f[alpha]
            E[idx] = err[alpha]
        V.setflags(write=False)
        E.setflags(write=False)
        vals.append(V)
        errs.append(E)
    return tuple(vals), tuple(errs), m2_f, m2_err


# ---------------------------------------------------------------------------------------------- public
@dataclass(frozen=True)
class HermiteTensors(Result):
    """The Hermite tensors :math:`C_0..C_{k_{max}}` of a target.

    Attributes
    ----------
    values : tuple of ndarray
        ``values[k]`` is :math:`C_k`, shape ``(r,)*k``.
    error_estimate : tuple of ndarray
        Bounds on the absolute error of each entry (zeros on the exact path).
    method : str
        ``"exact"`` (Gaussian moments, sympy) or ``"quadrature"``.
    exact : tuple of sympy.Array or None
        The exact tensors (exact path only).
    """

    values: tuple
    error_estimate: tuple
    method: str
    exact: tuple | None = None

    @property
    def kmax(self) -> int:
        return len(self.values) - 1

    def to_dict(self) -> dict:
        d = super().to_dict()
        d["exact"] = None if self.exact is None else [str(e.tolist()) if e.rank() else str(e[()]) for e in self.exact]
        return d


def _as_float(A) -> np.ndarray:
    if A.rank() == 0:
        return np.array(float(A[()]))
    return np.array(A.tolist(), dtype=float)


#: Largest number of entries r**k of one Hermite tensor: the exact path holds them as sympy numbers and the
#: subspace search unfolds every order up to the degree (at 2**16 entries the giant-step report of He(30, z1) with
#: r = 2 ran for minutes, at 2**12 for 45 s): r = 2 reaches k = 10, r = 3 k = 6, r = 4 k = 5; the papers'
#: targets use k <= 4.
MAX_TENSOR_ENTRIES = 1024
#: Largest order k: a tensor of order k is a numpy array with k dimensions, and numpy allows 32 (64 since 2.0).
MAX_TENSOR_ORDER = 32


def _check_size(r: int, k: int, name: str) -> None:
    """Refuse tensors beyond MAX_TENSOR_ORDER or MAX_TENSOR_ENTRIES, before any is built."""
    if k > MAX_TENSOR_ORDER:
        raise ValueError(f"{name} = {k}: Hermite tensors of order above {MAX_TENSOR_ORDER} are not supported (a tensor "
                         f"of order k is an array with k dimensions; numpy allows {MAX_TENSOR_ORDER})")
    if r > 1 and k * math.log(r) > math.log(MAX_TENSOR_ENTRIES):
        kmax = int(math.floor(math.log(MAX_TENSOR_ENTRIES) / math.log(r) + 1e-12))
        raise ValueError(f"{name} = {k}: the Hermite tensor C_{k} of a target with r = {r} directions has r**{name} = "
                         f"{r}**{k} entries; the limit is {MAX_TENSOR_ENTRIES} ({name} <= {kmax} for r = {r})")


def hermite_tensors(target, kmax) -> HermiteTensors:
    r"""All Hermite tensors :math:`C_k = E[g^*(x)\mathbf{He}_k(x)]`, :math:`k=0..k_{max}` (``docs/theory/giant_step.md#hermite-tensors``).

    Exact (Gaussian moments of :math:`\nabla^kg`) for polynomial expressions, tensor-product quadrature with
    a refinement error estimate otherwise (see the module docstring).

    >>> from theory import MultiIndexTarget
    >>> ts = hermite_tensors(MultiIndexTarget("z1*z2*z3", 3), 3)
    >>> [float(abs(c).sum()) for c in ts.values], ts.method
    ([0.0, 0.0, 0.0, 6.0], 'exact')
    """
    t = _as_target(target)
    kmax = check_integer(kmax, "kmax", minimum=0)
    _check_size(t.r, kmax, "kmax")
    if t.is_polynomial:
        ex = tuple(_exact_tensor(t, k) for k in range(kmax + 1))
        vals = tuple(_as_float(e) for e in ex)
        return HermiteTensors(vals, tuple(np.zeros_like(v) for v in vals), "exact", ex)
    vals, errs, _, _ = _numeric_tensors(t, kmax)
    return HermiteTensors(vals, errs, "quadrature", None)


def hermite_tensor(target, k, *, exact: bool = False):
    r"""The Hermite tensor :math:`C_k(g^*)=E_{x\sim N(0,I_r)}[g^*(x)\mathbf{He}_k(x)]`, shape ``(r,)*k``.

    Parameters
    ----------
    target : MultiIndexTarget
    k : int
        Order, ``>= 0``.
    exact : bool
        Return a sympy ``Array`` (polynomial expressions only) instead of floats.

    Notes
    -----
    ``docs/theory/giant_step.md#hermite-tensors``. Exact for polynomial expressions (Gaussian moments of :math:`\nabla^kg`);
    numeric otherwise, with the error estimate available from :func:`hermite_tensors`.

    Examples
    --------
    Separable targets have diagonal tensors: :math:`He_2(z_1)+bHe_2(z_2)` gives :math:`C_2=\mathrm{diag}(2, 2b)`.

    >>> from theory import MultiIndexTarget
    >>> hermite_tensor(MultiIndexTarget("He(2, z1) + 3*He(2, z2)", 2), 2)
    array([[2., 0.],
           [0., 6.]])
    >>> hermite_tensor(MultiIndexTarget("z1 + z1*z2", 2), 2, exact=True)
    [[0, 1], [1, 0]]
    """
    t = _as_target(target)
    k = check_integer(k, "k", minimum=0)
    _check_size(t.r, k, "k")
    if not isinstance(exact, (bool, np.bool_)):
        raise TypeError(f"exact must be a bool; got {type(exact).__name__}")
    if exact:
        if not t.is_polynomial:
            raise ValueError("exact=True needs a polynomial expression target; this target is numeric or not polynomial")
        return _exact_tensor(t, k)
    return np.array(hermite_tensors(t, k).values[k])


def second_moment(target, *, exact: bool = False):
    r""":math:`E[g^*(x)^2]`, :math:`x\sim N(0,I_r)` (noiseless). Returns ``(value, error_estimate)``.

    Exact from Gaussian moments of :math:`g^2` for polynomials (a sympy number with ``exact=True``).

    >>> from theory import MultiIndexTarget
    >>> second_moment(MultiIndexTarget("z1 + z1*z2", 2))
    (2.0, 0.0)
    """
    t = _as_target(target)
    if t.is_polynomial:
        v = _exact_second_moment(t)
        return v if exact else (float(v), 0.0)
    if exact:
        raise ValueError("exact=True needs a polynomial expression target")
    _check_numeric_r(t.r)
    return _numeric_second_moment(t)
