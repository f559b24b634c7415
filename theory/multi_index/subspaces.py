r"""Which directions of a multi-index target one giant step, or several, can learn.

Sources: ``docs/theory/giant_step.md#hermite-tensors`` (the subspaces :math:`U^*_k`),
``docs/theory/giant_step.md#subspaces-and-leap-index`` (both readings) and ``docs/theory/giant_step.md#staircase``; the derivations are written out in ``docs/giant_step.md``.

* :math:`U^*_k` is the column space of the :math:`r\times r^{k-1}` unfolding of :math:`C_k`; one step with
  :math:`n=\Theta(d^\ell)` learns :math:`\mathrm{span}\bigcup_{k\le\ell}U^*_k` (:func:`learnable_subspace`).
* Several :math:`n=O(d)` steps with fresh batches follow the recursion of conditional first Hermite
  coefficients, :math:`U_0=\{0\}`,

  .. math::
      c_t(u)=E\big[g^*(x)P_{U_t^\perp}x\,\big|\,P_{U_t}x=u\big],\qquad
      U_{t+1}=U_t\oplus\mathrm{span}\{c_t(u):u\in U_t\}.

  Expanding :math:`g^*` in Hermite polynomials of orthonormal coordinates :math:`(u, s)` gives
  :math:`\mathrm{span}\{c_t(u)\}=\mathrm{span}_k\,P_{U_t^\perp}C_k[U_t,\dots,U_t,\cdot]` and the Gram matrix
  :math:`M_t=E_u[c_t(u)c_t(u)^\top]=\sum_{k\ge1}\frac1{(k-1)!}P^\perp\mathrm{Unf}_k\mathrm{Unf}_k^\top P^\perp`,
  :math:`\mathrm{Unf}_k=C_k[Q_U^{\otimes(k-1)},\cdot]`; the square roots of its non-zero eigenvalues are the
  *strengths* of the new directions (e.g. the "weak link" :math:`4/17` of the notes' Example 1).

Polynomial targets with rational coefficients are decided exactly (sympy ranks of rational matrices);
other targets numerically, with a threshold above the quadrature error.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from .._checks import check_integer
from .._result import Result
from .tensors import _check_size as check_tensor_size, _exact_tensor, grid_values, hermite_tensors, second_moment
from .targets import MultiIndexTarget, as_multi_index

__all__ = [
    "Subspace",
    "LeapIndex",
    "Staircase",
    "learnable_subspace",
    "leap_index",
    "staircase",
    "as_subspace",
    "RTOL",
]

RTOL = 1e-9  # numeric path: strengths below RTOL * sqrt(E g^2) (or below the quadrature error) count as zero
_NUMERIC_KMAX = 8  # numeric leap-index search depth


# ------------------------------------------------------------------------------------------ results
@dataclass(frozen=True)
class Subspace(Result):
    r"""A subspace of :math:`V^*=\mathbb R^r` (coordinates of :math:`W^*x`).

    Attributes
    ----------
    basis : ndarray, shape (r, dim)
        Orthonormal columns; for nested results (staircase) earlier directions come first.
    dim : int
    r : int
    strengths : ndarray, shape (dim,)
        How strongly each basis direction is driven (the square root of the eigenvalue of the generating
        Gram matrix along it, see the module docstring); ``nan`` where not defined.
    exact : bool
        Whether the dimension was decided exactly (rational arithmetic).
    span : tuple or None
        Exact rational spanning vectors (as tuples of strings), exact path only.
    """

    basis: np.ndarray
    dim: int
    r: int
    strengths: np.ndarray
    exact: bool
    span: tuple | None = None

    @property
    def projector(self) -> np.ndarray:
        """:math:`P_U = BB^\\top`, shape ``(r, r)``."""
        return self.basis @ self.basis.T

    @property
    def is_full(self) -> bool:
        """Whether :math:`U=V^*`."""
        return self.dim == self.r

    def exact_span_matrix(self):
        """The exact spanning vectors as a sympy Matrix ``(r, dim)`` (``None`` on the numeric path)."""
        import sympy

        if self.span is None:
            return None
        if not self.span:
            return sympy.zeros(self.r, 0)
        return sympy.Matrix([[sympy.Rational(v) for v in col] for col in self.span]).T


@dataclass(frozen=True)
class LeapIndex(Result):
    """The two readings of the leap index (``docs/theory/giant_step.md#subspaces-and-leap-index``).

    Attributes
    ----------
    spanning : int or None
        Reading (a): the smallest :math:`\\ell` with :math:`\\mathrm{span}\\bigcup_{k\\le\\ell}U^*_k=V^*`
        (``None`` if no order up to ``kmax`` spans :math:`V^*`, e.g. a target that ignores a direction).
    first_nonzero : int or None
        Reading (b): the first order :math:`k\\ge1` with :math:`C_k\\neq0`.
    dims : tuple of int
        :math:`\\dim\\mathrm{span}\\bigcup_{k\\le\\ell}U^*_k` for :math:`\\ell=1..k_{max}`.
    kmax : int
    exact : bool
    """

    spanning: int | None
    first_nonzero: int | None
    dims: tuple
    kmax: int
    exact: bool


@dataclass(frozen=True, eq=False)
class Staircase(Result):
    """Subspaces learned after each of ``steps`` :math:`n=O(d)` steps with fresh batches (docs/theory/giant_step.md#staircase).

    Iterating over the result, ``len``, indexing and ``==`` with a list give the list of dimensions after
    each step (docs/theory/conventions.md#the-network: ``staircase(target, steps)`` is usable as that list).

    Attributes
    ----------
    subspaces : tuple of Subspace
        :math:`U_1, \\dots, U_T` (nested).
    dims : tuple of int
    new_strengths : tuple of ndarray
        Strengths of the directions added at each step (empty when nothing is added).
    fixed_point_dim : int
        :math:`\\dim U_\\infty`.
    is_staircase : bool
        :math:`U_\\infty = V^*` (the staircase property).
    exact : bool
    """

    subspaces: tuple
    dims: tuple
    new_strengths: tuple
    fixed_point_dim: int
    is_staircase: bool
    exact: bool

    def __iter__(self):
        return iter(self.dims)

    def __eq__(self, other):
        """Equal to a list/tuple of the same dimensions, or to a Staircase with the same dimensions and subspaces."""
        if isinstance(other, (list, tuple)):
            return list(self.dims) == list(other)
        if isinstance(other, Staircase):
            return self.dims == other.dims and all(
                a.dim == b.dim and np.allclose(a.projector, b.projector) for a, b in zip(self.subspaces, other.subspaces))
        return NotImplemented

    __hash__ = None

    def __len__(self):
        return len(self.dims)

    def __getitem__(self, i):
        return self.dims[i]


# ------------------------------------------------------------------------------------------ helpers
def _scale(t: MultiIndexTarget) -> float:
    return math.sqrt(max(second_moment(t)[0], 0.0))


def _orient(B: np.ndarray) -> np.ndarray:
    """Deterministic signs: the largest-magnitude entry of each column is positive."""
    B = np.array(B, dtype=float)
    for j in range(B.shape[1]):
        i = int(np.argmax(np.abs(B[:, j])))
        if B[i, j] < 0:
            B[:, j] = -B[:, j]
    return B


def _gram_schmidt(B: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Append the directions of ``cols`` (already independent of ``B`` modulo round-off) to orthonormal ``B``."""
    out = [B[:, j] for j in range(B.shape[1])]
    for c in np.asarray(cols, dtype=float).T:
        v = c.copy()
        for _ in range(2):
            for b in out:
                v -= (b @ v) * b
        nv = np.linalg.norm(v)
        if nv > 0:
            out.append(v / nv)
    r = B.shape[0]
    return _orient(np.stack(out, axis=1)) if out else np.zeros((r, 0))


def _unfold(C, A) -> np.ndarray:
    """``C_k[A, ..., A, .]``: contract the first k-1 slots of ``C`` (shape (r,)*k) with the columns of ``A``.

    Returns shape ``(r, m**(k-1))`` (object dtype stays object: exact arithmetic)."""
    T = C
    k = np.ndim(C)
    for _ in range(k - 1):
        T = np.tensordot(T, A, axes=([0], [0]))  # contracted slot moves to the end
    return T.reshape(T.shape[0], -1)


def _exact_array(t: MultiIndexTarget, k: int) -> np.ndarray:
    A = _exact_tensor(t, k)
    return np.array(A.tolist(), dtype=object) if k else np.array(A[()], dtype=object)


def _float_strengths(tensors, Q: np.ndarray, P_perp: np.ndarray):
    """Eigen-decomposition of :math:`M=\\sum_k P^\\perp\\mathrm{Unf}_k\\mathrm{Unf}_k^\\top P^\\perp/(k-1)!`."""
    r = P_perp.shape[0]
    M = np.zeros((r, r))
    for k in range(1, len(tensors)):
        if Q.shape[1] == 0 and k > 1:
            break
        U = P_perp @ _unfold(np.asarray(tensors[k], dtype=float), Q)
        M += U @ U.T / math.factorial(k - 1)
    lam, V = np.linalg.eigh(0.5 * (M + M.T))
    return lam[::-1], V[:, ::-1]


def _exact_new_directions(t: MultiIndexTarget, A):
    """Exact rational directions added to span(A) by the staircase recursion (sympy Matrix columns)."""
    import sympy

    r, m = A.shape
    deg = t.degree
    if m:
        Aobj = np.array(A.tolist(), dtype=object)
        P = sympy.eye(r) - A * (A.T * A).inv() * A.T
    else:
        Aobj = np.zeros((r, 0), dtype=object)
        P = sympy.eye(r)
    gens = []
    for k in range(1, deg + 1):
        if m == 0 and k > 1:
            break
        U = _unfold(_exact_array(t, k), Aobj)
        if U.size:
            gens.append(P * sympy.Matrix(U.tolist()))
    if not gens:
        return sympy.zeros(r, 0)
    G = sympy.Matrix.hstack(*gens)
    cols = G.columnspace()
    return sympy.Matrix.hstack(*cols) if cols else sympy.zeros(r, 0)


def _span_strings(S) -> tuple:
    return tuple(tuple(str(S[i, j]) for i in range(S.rows)) for j in range(S.cols))


def _exact_path(t: MultiIndexTarget) -> bool:
    return t.is_polynomial and t.is_rational


def as_subspace(U, r: int, name: str = "U") -> Subspace:
    """Coerce ``None`` (the zero subspace), a :class:`Subspace` or an ``(r, m)`` array of spanning columns."""
    if U is None:
        return Subspace(np.zeros((r, 0)), 0, r, np.zeros(0), True, ())
    if isinstance(U, Subspace):
        if U.r != r:
            raise ValueError(f"{name} lives in R^{U.r} but the target has r = {r}")
        return U
    A = np.asarray(U, dtype=float)
    if A.ndim == 1:
        A = A[:, None]
    if A.ndim != 2 or A.shape[0] != r or not np.all(np.isfinite(A)):
        raise ValueError(f"{name} must be None, a Subspace or a finite array of shape (r, m) = ({r}, m); got shape {A.shape}")
    u, s, _ = np.linalg.svd(A, full_matrices=False)
    keep = s > 1e-12 * max(s.max(initial=0.0), 1.0)
    return Subspace(_orient(u[:, keep]), int(keep.sum()), r, np.full(int(keep.sum()), np.nan), False, None)


# ------------------------------------------------------------------------------------------ public
def learnable_subspace(target, ell, *, only_order: bool = False) -> Subspace:
    r"""Directions learned by one giant step with :math:`n=\Theta(d^\ell)` (docs/theory/giant_step.md#hermite-tensors).

    .. math::  U = \mathrm{span}\bigcup_{k\le\ell} U^*_k,\qquad U^*_k=\mathrm{col}\,\mathrm{Unf}(C_k)\ (r\times r^{k-1}).

    Parameters
    ----------
    target : MultiIndexTarget
    ell : int
        Sample exponent :math:`\ell\ge1` (:math:`n=\Theta(d^\ell)`).
    only_order : bool
        Return :math:`U^*_\ell` alone (what the step sees once the lower orders are removed, docs/theory/giant_step.md#per-neuron-laws).

    Returns
    -------
    Subspace
        ``strengths`` are the singular values of :math:`\mathrm{Unf}(C_k)/\sqrt{(k-1)!}` stacked over
        the orders used.

    Examples
    --------
    >>> learnable_subspace(MultiIndexTarget("z1*z2*z3", 3), 2).dim
    0
    >>> learnable_subspace(MultiIndexTarget("z1*z2*z3", 3), 3).dim
    3
    >>> learnable_subspace(MultiIndexTarget("z1 + He(2, z2)", 2), 1).basis.T
    array([[1., 0.]])
    """
    import sympy

    t = as_multi_index(target)
    ell = check_integer(ell, "ell", minimum=1)
    if not isinstance(only_order, (bool, np.bool_)):
        raise TypeError(f"only_order must be a bool; got {type(only_order).__name__}")
    r = t.r
    orders = [ell] if only_order else list(range(1, ell + 1))
    if _exact_path(t):
        orders = [k for k in orders if k <= t.degree]
        blocks = [sympy.Matrix(_unfold(_exact_array(t, k), np.eye(r, dtype=object)).tolist()) for k in orders]
        if not blocks:
            return as_subspace(None, r)
        G = sympy.Matrix.hstack(*blocks)
        cols = G.columnspace()
        S = sympy.Matrix.hstack(*cols) if cols else sympy.zeros(r, 0)
        Gf = np.array(G.tolist(), dtype=float)
        fac = np.concatenate([np.full(r ** (k - 1), 1 / math.sqrt(math.factorial(k - 1))) for k in orders])
        basis = _gram_schmidt(np.zeros((r, 0)), np.array(S.tolist(), dtype=float).reshape(r, -1))
        sv = np.linalg.svd(Gf * fac, compute_uv=False)[: S.cols]
        return Subspace(basis, S.cols, r, sv, True, _span_strings(S))
    kmax = max(orders)
    ts = hermite_tensors(t, kmax)
    Gs, errs = [], []
    for k in orders:
        Gs.append(_unfold(ts.values[k], np.eye(r)) / math.sqrt(math.factorial(k - 1)))
        errs.append(_unfold(ts.error_estimate[k], np.eye(r)) / math.sqrt(math.factorial(k - 1)))
    G = np.hstack(Gs)
    tol = max(10 * np.linalg.norm(np.hstack(errs)), RTOL * _scale(t))
    u, s, _ = np.linalg.svd(G, full_matrices=False)
    keep = s > tol
    return Subspace(_orient(u[:, keep]), int(keep.sum()), r, s[keep], False, None)


def leap_index(target, *, kmax=None) -> LeapIndex:
    r"""Both readings of the leap index (docs/theory/giant_step.md#subspaces-and-leap-index): (a) ``spanning``, (b) ``first_nonzero``.

    ``kmax`` bounds the search (default: the degree of a polynomial target, 8 otherwise).

    >>> li = leap_index(MultiIndexTarget("z1 + He(2, z2)", 2))
    >>> li.spanning, li.first_nonzero
    (2, 1)
    """
    t = as_multi_index(target)
    if kmax is None:
        kmax = t.degree if t.is_polynomial else _NUMERIC_KMAX
    kmax = check_integer(kmax, "kmax", minimum=1)
    check_tensor_size(t.r, kmax, "kmax")  # before the search, which unfolds every order up to kmax
    dims = tuple(learnable_subspace(t, ell).dim for ell in range(1, kmax + 1))
    spanning = next((ell for ell, m in enumerate(dims, start=1) if m == t.r), None)
    first = next((ell for ell, m in enumerate(dims, start=1) if m > 0), None)
    return LeapIndex(spanning, first, dims, kmax, _exact_path(t))


def _numeric_gram(t: MultiIndexTarget, Q: np.ndarray, m: int, level: str) -> np.ndarray:
    """:math:`E_u[c(u)c(u)^\\top]` in the ``s`` coordinates by quadrature on the grid rotated by ``Q``."""
    G, z, w = grid_values(t, Q, level)
    r = t.r
    # c_j(u) = sum_s w(s) s_j G(u, s): contract the s axes with w, one of them with w*z.
    cs = []
    for j in range(m, r):
        A = G
        for ax in range(r - 1, m - 1, -1):
            vec = w * z if ax == j else w
            A = np.tensordot(A, vec, axes=([ax], [0]))
        cs.append(A)
    C = np.stack(cs, axis=-1).reshape(-1, r - m)  # (n^m, r-m)
    W = np.ones(1)
    for _ in range(m):
        W = np.multiply.outer(W, w).ravel()
    return (C * W[:, None]).T @ C


def staircase(target, steps) -> Staircase:
    r"""Subspaces learned by ``steps`` successive :math:`n=O(d)` steps with fresh batches (docs/theory/giant_step.md#staircase).

    The recursion :math:`U_{t+1}=U_t\oplus\mathrm{span}\{c_t(u)\}` of conditional first Hermite
    coefficients (module docstring); exact for polynomial targets with rational coefficients, by
    quadrature of :math:`E_u[c_t(u)c_t(u)^\top]` otherwise.

    Examples
    --------
    >>> list(staircase(MultiIndexTarget("z1 + z1*z2 + z1*z2*z3", 3), 3))
    [1, 2, 3]
    >>> list(staircase(MultiIndexTarget("z1 + z2*z3", 3), 3))
    [1, 1, 1]
    """
    import sympy

    t = as_multi_index(target)
    steps = check_integer(steps, "steps", minimum=1)
    r = t.r
    exact = _exact_path(t)
    horizon = max(steps, r)  # iterate to the fixed point (at most r additions)
    subspaces, strengths = [], []
    B = np.zeros((r, 0))
    if exact:
        A = sympy.zeros(r, 0)
        tensors = hermite_tensors(t, t.degree).values
        stalled = False
        for _ in range(horizon):
            new = _exact_new_directions(t, A) if A.cols < r and not stalled else sympy.zeros(r, 0)
            stalled = new.cols == 0
            P_perp = np.eye(r) - B @ B.T
            lam, _ = _float_strengths(tensors, B, P_perp)
            strengths.append(np.sqrt(np.clip(lam[: new.cols], 0, None)))
            A = sympy.Matrix.hstack(A, new) if new.cols else A
            B = _gram_schmidt(B, np.array(new.tolist(), dtype=float).reshape(r, -1)) if new.cols else B
            subspaces.append(Subspace(B, A.cols, r, np.concatenate(strengths), True, _span_strings(A)))
    else:
        tol_rel = RTOL * _scale(t)
        stalled = False
        for _ in range(horizon):
            m = B.shape[1]
            if m == r or stalled:  # fixed point reached: nothing more is added
                strengths.append(np.zeros(0))
                subspaces.append(subspaces[-1])
                continue
            if m == 0:  # c_0 = C_1: M_0 = C_1 C_1^T from the (cached) tensors
                ts = hermite_tensors(t, 1)
                c1, e1 = np.asarray(ts.values[1]), np.asarray(ts.error_estimate[1])
                M_f = np.outer(c1, c1)
                M_c = M_f + 2 * np.outer(np.abs(c1) + e1, e1)
                Q = np.eye(r)
            else:
                # complete B to an orthogonal Q = [B, B_perp]
                u, _, _ = np.linalg.svd(np.eye(r) - B @ B.T)
                Q = np.hstack([B, u[:, : r - m]])
                M_f = _numeric_gram(t, Q, m, "fine")
                M_c = _numeric_gram(t, Q, m, "coarse")
            lam, V = np.linalg.eigh(0.5 * (M_f + M_f.T))
            lam, V = lam[::-1], V[:, ::-1]
            tol = max(10 * np.linalg.norm(M_f - M_c), tol_rel**2)
            keep = lam > tol
            strengths.append(np.sqrt(lam[keep]))
            stalled = not keep.any()
            if keep.any():
                B = _gram_schmidt(B, Q[:, m:] @ V[:, keep])
            subspaces.append(Subspace(B, B.shape[1], r, np.concatenate(strengths), False, None))
    dims = tuple(s.dim for s in subspaces)
    fixed = dims[-1]
    return Staircase(tuple(subspaces[:steps]), dims[:steps], tuple(strengths[:steps]), fixed, fixed == r, exact)
