r"""Fixed-point solvers for self-consistent equations :math:`x = T(x)`.

Convergence is judged by the residual of the equations, never by the size of the last step
(``docs/theory/risk.md#solvers``):

.. math:: \mathrm{res}(x) = \frac{\|T(x) - x\|_\infty}{\max(1, \|x\|_\infty)} .

Two iterations are offered, both with adaptive damping: a step that makes the residual grow by
more than ``growth`` or gives a non-finite value is rejected and the damping :math:`\omega` is
halved (growth is judged on the absolute residual :math:`\|T(x)-x\|_\infty`, which a
diverging iteration cannot hide by growing :math:`x`; down to ``min_damping``, below which the solver stops with status ``"diverged"``); after
accepted steps :math:`\omega` creeps back towards its initial value.

* ``accelerate=False``: damped Picard, :math:`x \leftarrow x + \omega (T(x) - x)`.
* ``accelerate=True`` (default): Anderson mixing (type II, memory ``memory``) on top of the damped
  step (Walker & Ni, SIAM J. Numer. Anal. 49 (2011) 1715, eq. (2.1)-(2.2)); its history is cleared
  whenever a step is rejected, so it falls back to damped Picard when it misbehaves.

Every result carries ``status`` (``"converged"``, ``"max_iter"`` or ``"diverged"``), ``n_iter`` (the
number of evaluations of :math:`T`) and ``residual``. Nothing is printed; a non-converged result is
returned as such (callers raise or warn only when the user asked for strictness).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_integer, check_positive
from .._result import Result

__all__ = ["SolverResult", "fixed_point", "newton_fixed_point", "residual_norm", "STATUSES"]

STATUSES = ("converged", "max_iter", "diverged")


@dataclass(frozen=True)
class SolverResult(Result):
    """Outcome of :func:`fixed_point`.

    Attributes
    ----------
    x : ndarray
        The last accepted iterate (the solution when ``status == "converged"``).
    status : str
        ``"converged"``, ``"max_iter"`` or ``"diverged"``.
    n_iter : int
        Number of evaluations of the map.
    residual : float
        :func:`residual_norm` at ``x``.
    damping : float
        The damping in use at the end.
    """

    x: np.ndarray
    status: str
    n_iter: int
    residual: float
    damping: float

    @property
    def converged(self) -> bool:
        return self.status == "converged"


def residual_norm(x, tx) -> float:
    r""":math:`\|T(x)-x\|_\infty / \max(1, \|x\|_\infty)`; ``inf`` if anything is not finite.

    >>> residual_norm(np.array([2.0, 0.0]), np.array([2.0, 1e-3]))
    0.0005
    """
    x = np.asarray(x, dtype=float)
    tx = np.asarray(tx, dtype=float)
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(tx))):
        return float("inf")
    with np.errstate(all="ignore"):
        out = float(np.max(np.abs(tx - x)) / max(1.0, float(np.max(np.abs(x)))))
    return out if np.isfinite(out) else float("inf")


def _abs_residual(x, tx) -> float:
    if tx is None or not (np.all(np.isfinite(x)) and np.all(np.isfinite(tx))):
        return float("inf")
    with np.errstate(all="ignore"):
        out = float(np.max(np.abs(tx - x)))
    return out if np.isfinite(out) else float("inf")


def _safe_eval(T, x):
    with np.errstate(all="ignore"):
        try:
            tx = np.asarray(T(x), dtype=float)
        except (FloatingPointError, ZeroDivisionError, OverflowError, np.linalg.LinAlgError):
            return None
    return tx


def fixed_point(T, x0, *, tol: float = 1e-10, max_iter: int = 5000, damping: float = 1.0,
                min_damping: float = 1e-4, accelerate: bool = True, memory: int = 6,
                growth: float = 1.0) -> SolverResult:
    r"""Solve :math:`x = T(x)` by damped iteration with optional Anderson acceleration.

    Parameters
    ----------
    T : callable
        ``T(x: ndarray) -> ndarray`` of the same shape. Non-finite outputs are treated as a
        rejected step.
    x0 : array_like
        Starting point (warm start).
    tol : float
        Stop when :func:`residual_norm` is at most ``tol``.
    max_iter : int
        Maximum number of evaluations of ``T``.
    damping : float
        Initial (and maximal) damping :math:`\omega\in(0, 1]`.
    min_damping : float
        Give up (``"diverged"``) when rejected steps push :math:`\omega` below this.
    accelerate : bool
        Anderson mixing on top of the damped step.
    memory : int
        Anderson memory.
    growth : float
        A step is rejected when the residual grows by more than this factor.

    Examples
    --------
    :math:`x = \cos x` (the Dottie number):

    >>> res = fixed_point(np.cos, [1.0])
    >>> res.status, bool(abs(res.x[0] - np.cos(res.x[0])) < 1e-10)
    ('converged', True)

    A map that overshoots is tamed by the damping:

    >>> res = fixed_point(lambda x: -3.0 * x + 4.0, [0.0], accelerate=False)
    >>> res.status, round(float(res.x[0]), 8)
    ('converged', 1.0)
    """
    tol = check_positive(tol, "tol")
    max_iter = check_integer(max_iter, "max_iter", minimum=1)
    damping = float(damping)
    if not 0 < damping <= 1:
        raise ValueError(f"damping must lie in (0, 1]; got {damping}")
    memory = check_integer(memory, "memory", minimum=1)
    x = np.array(x0, dtype=float).ravel()
    tx = _safe_eval(T, x)
    n_eval = 1
    if tx is None or tx.shape != x.shape:
        if tx is not None:
            raise ValueError(f"T must return an array of shape {x.shape}; got {tx.shape}")
        return SolverResult(x, "diverged", n_eval, float("inf"), damping)
    res = residual_norm(x, tx)
    res_abs = _abs_residual(x, tx)
    if not np.isfinite(res):
        return SolverResult(x, "diverged", n_eval, res, damping)
    omega = damping
    dX: list[np.ndarray] = []
    dG: list[np.ndarray] = []
    while res > tol:
        if n_eval >= max_iter:
            return SolverResult(x, "max_iter", n_eval, res, omega)
        g = tx - x
        step = omega * g
        if accelerate and dG:
            G = np.stack(dG, axis=1)
            Xm = np.stack(dX, axis=1)
            coef, *_ = np.linalg.lstsq(G, g, rcond=None)
            step = step - (Xm + omega * G) @ coef
        x_new = x + step
        tx_new = _safe_eval(T, x_new)
        n_eval += 1
        res_new = residual_norm(x_new, tx_new) if tx_new is not None else float("inf")
        res_abs_new = _abs_residual(x_new, tx_new)
        if not np.isfinite(res_new) or res_abs_new > growth * res_abs:
            dX.clear()
            dG.clear()
            omega *= 0.5
            if omega < min_damping:
                return SolverResult(x, "diverged", n_eval, res, omega)
            continue
        if accelerate:
            dX.append(x_new - x)
            dG.append((tx_new - x_new) - g)
            if len(dX) > memory:
                dX.pop(0)
                dG.pop(0)
        x, tx, res, res_abs = x_new, tx_new, res_new, res_abs_new
        omega = min(damping, omega * 1.25)
    return SolverResult(x, "converged", n_eval, res, omega)


def newton_fixed_point(T, x0, *, tol: float = 1e-10, max_iter: int = 200, fd_step: float = 1e-7,
                       transform: str = "identity") -> SolverResult:
    r"""Solve :math:`x = T(x)` by Newton's method on the residual :math:`g(x) = T(x) - x`.

    The Jacobian is taken by forward differences (the systems here have a handful of unknowns);
    each step is halved until :math:`\|g\|_\infty` decreases (backtracking, at most 30 halvings,
    after which the status is ``"diverged"``). With ``transform="log"`` the unknowns are positive
    and Newton runs on :math:`y = \log x` (the map :math:`y\mapsto\log T(e^y)`), which keeps them
    positive and handles values spread over many orders of magnitude (susceptibilities of order
    :math:`1/\lambda`). Convergence is judged by :func:`residual_norm` in the original variables.

    >>> res = newton_fixed_point(lambda x: np.sqrt(x + 2.0), [1.0], transform="log")
    >>> res.status, round(float(res.x[0]), 12)
    ('converged', 2.0)
    """
    check_positive(tol, "tol")
    max_iter = check_integer(max_iter, "max_iter", minimum=1)
    if transform not in ("identity", "log"):
        raise ValueError(f"transform must be 'identity' or 'log'; got {transform!r}")
    x = np.array(x0, dtype=float).ravel()
    if transform == "log":
        if np.any(x <= 0):
            raise ValueError("transform='log' needs a positive starting point")
        fwd, back = np.log, np.exp
    else:
        fwd = back = (lambda v: v)

    def g(y):
        tx = _safe_eval(T, back(y))
        if tx is None or not np.all(np.isfinite(tx)) or (transform == "log" and np.any(tx <= 0)):
            return None
        return fwd(tx) - y

    y = fwd(x)
    gy = g(y)
    n_eval = 1
    if gy is None:
        return SolverResult(x, "diverged", n_eval, float("inf"), 1.0)
    for _ in range(max_iter):
        xv = back(y)
        tx = _safe_eval(T, xv)
        n_eval += 1
        res = residual_norm(xv, tx) if tx is not None else float("inf")
        if res <= tol:
            return SolverResult(xv, "converged", n_eval, res, 1.0)
        J = np.empty((y.size, y.size))
        for j in range(y.size):
            h = fd_step * max(1.0, abs(y[j]))
            yj = y.copy()
            yj[j] += h
            gj = g(yj)
            n_eval += 1
            if gj is None:
                return SolverResult(xv, "diverged", n_eval, res, 1.0)
            J[:, j] = (gj - gy) / h
        try:
            step = np.linalg.solve(J, -gy)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(J, -gy, rcond=None)[0]
        norm0 = float(np.max(np.abs(gy)))
        t = 1.0
        for _ in range(30):
            y_new = y + t * step
            g_new = g(y_new)
            n_eval += 1
            if g_new is not None and float(np.max(np.abs(g_new))) < norm0:
                break
            t *= 0.5
        else:
            return SolverResult(xv, "diverged", n_eval, res, t)
        y, gy = y_new, g_new
    xv = back(y)
    tx = _safe_eval(T, xv)
    res = residual_norm(xv, tx) if tx is not None else float("inf")
    return SolverResult(xv, "converged" if res <= tol else "max_iter", n_eval + 1, res, 1.0)
