r"""What each giant step buys: the error floor :math:`e^*(U)` and the kernel baselines.

``docs/theory/giant_step.md#error-floors``: a network that has learned the subspace :math:`U\subseteq V^*` and whose second
layer, trained with :math:`O(d)` samples and features, can add at most a linear function of :math:`z`, reaches

.. math::
    e^*(U)=E\big[(y-E[y|P_Uz]-b^\top z)^2\big],\qquad b=E\big[(y-E[y|P_Uz])z\big]=P_{U^\perp}C_1 .

With the Hermite expansion :math:`g=\sum_k\frac1{k!}\langle C_k,\mathbf{He}_k\rangle` (``docs/giant_step.md`` §4):

.. math::
    e^*(U)=E[y^2]-\sum_k\frac{\langle C_k,\,C_k[P_U,\dots,P_U]\rangle}{k!}-|P_{U^\perp}C_1|^2\ (+\Delta),

exact for polynomial targets (rational arithmetic when the target and :math:`U` are rational), by quadrature
in rotated coordinates otherwise.

Baselines:

* linear kernel, and random features with :math:`n,p=O(d)` (their large-ratio limit): :math:`e^*(\{0\})=
  E y^2-C_0^2-|C_1|^2` (docs/theory/giant_step.md#error-floors; random features fit only the linear part of the target in the proportional
  regime, Mei & Montanari 2022, the nonlinear part acting as noise);
* kernel methods with :math:`n\asymp d^{\ell+\delta}` samples fit the degree-:math:`\ell` projection:
  :math:`E y^2-\sum_{k\le\ell}|C_k|_F^2/k!` (Ghorbani, Mei, Misiakiewicz & Montanari 2021, Ann. Statist. 49,
  Thm. 4, for inner-product kernels; stated here for Gaussian inputs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._checks import check_integer
from .._result import Result
from .tensors import _exact_tensor, grid_values, hermite_tensors, second_moment
from .targets import MultiIndexTarget, as_multi_index
from .subspaces import Subspace, as_subspace, learnable_subspace, staircase

__all__ = ["ErrorFloor", "error_floor", "linear_kernel_error", "kernel_error", "ErrorTable", "error_table",
           "random_features_error"]


@dataclass(frozen=True)
class ErrorFloor(Result):
    r"""An error floor :math:`e^*` (MSE without 1/2).

    Attributes
    ----------
    value : float
        The floor; it includes the label noise iff ``noise_included``.
    error_estimate : float
        Bound on the numerical error (0 on the exact path).
    second_moment : float
        :math:`E y^2` (noiseless).
    explained : float
        :math:`E[E[y|P_Uz]^2]` (or, for the kernel baseline, :math:`\sum_{k\le\ell}|C_k|^2/k!`).
    linear_gain : float
        :math:`|P_{U^\perp}C_1|^2`.
    noise_var : float
    noise_included : bool
    dim : int
        :math:`\dim U` (``-1`` for the kernel baselines).
    exact : str or None
        The exact value (rational path).
    """

    value: float
    error_estimate: float
    second_moment: float
    explained: float
    linear_gain: float
    noise_var: float
    noise_included: bool
    dim: int
    exact: str | None = None


def _sum_squares(C):
    """Sum of the squared entries of a sympy Array (rank 0 included)."""
    import sympy

    if C.rank() == 0:
        return C[()] ** 2
    return sum((v**2 for v in sympy.flatten(C.tolist())), sympy.Integer(0))


def _contract_all_slots(C, P):
    T = C
    for _ in range(np.ndim(C)):
        T = np.tensordot(T, P, axes=([0], [0]))
    return T


def _exact_floor(t: MultiIndexTarget, S: sympy.Matrix):
    import sympy
    r = t.r
    if S.cols:
        P = S * (S.T * S).inv() * S.T
    else:
        P = sympy.zeros(r, r)
    Pobj = np.array(P.tolist(), dtype=object)
    explained = sympy.Integer(0)
    for k in range(t.degree + 1):
        C = np.array(_exact_tensor(t, k).tolist(), dtype=object) if k else np.array(_exact_tensor(t, 0)[()], dtype=object)
        explained += sympy.nsimplify(np.sum(C * _contract_all_slots(C, Pobj))) / sympy.factorial(k)
    c1 = sympy.Matrix(_exact_tensor(t, 1).tolist())
    lin = ((sympy.eye(r) - P) * c1).dot((sympy.eye(r) - P) * c1)
    m2 = second_moment(t, exact=True)
    return sympy.nsimplify(m2), sympy.nsimplify(explained), sympy.nsimplify(lin)


def _numeric_explained(t: MultiIndexTarget, B: np.ndarray, level: str) -> float:
    r, m = B.shape
    if m == 0:
        return float(hermite_tensors(t, 0).values[0]) ** 2
    u, _, _ = np.linalg.svd(np.eye(r) - B @ B.T)
    Q = np.hstack([B, u[:, : r - m]])
    G, z, w = grid_values(t, Q, level)
    A = G
    for ax in range(r - 1, m - 1, -1):
        A = np.tensordot(A, w, axes=([ax], [0]))
    W = np.ones(1)
    for _ in range(m):
        W = np.multiply.outer(W, w).ravel()
    return float(W @ (A.ravel() ** 2))


def error_floor(target, U=None, *, include_noise: bool = True) -> ErrorFloor:
    r"""The floor :math:`e^*(U)` of a network that has learned :math:`U` (docs/theory/giant_step.md#error-floors; module docstring).

    Parameters
    ----------
    target : MultiIndexTarget
    U : None, Subspace or array (r, m)
        The learned subspace (``None``: nothing learned, the linear-kernel error).
    include_noise : bool
        Add the target's ``noise_var`` (test error with label noise) or not (risk against :math:`g^*`).

    Examples
    --------
    :math:`y=z_1+z_1z_2`, :math:`U=\mathrm{span}(e_1)`: :math:`E[y|z_1]=z_1`, the rest :math:`z_1z_2` has no
    linear part, so :math:`e^*=E[z_1^2z_2^2]=1`.

    >>> error_floor(MultiIndexTarget("z1 + z1*z2", 2), [[1.0], [0.0]]).value
    1.0
    >>> error_floor(MultiIndexTarget("z1 + z1*z2", 2), np.eye(2)).value
    0.0
    """
    import sympy

    t = as_multi_index(target)
    if not isinstance(include_noise, (bool, np.bool_)):
        raise TypeError(f"include_noise must be a bool; got {type(include_noise).__name__}")
    Us = as_subspace(U, t.r)
    noise = t.noise_var if include_noise else 0.0
    if t.is_polynomial and t.is_rational and Us.span is not None:
        S = Us.exact_span_matrix()
        m2, explained, lin = _exact_floor(t, S)
        val = m2 - explained - lin + sympy.nsimplify(noise)
        return ErrorFloor(float(val), 0.0, float(m2), float(explained), float(lin), noise, bool(include_noise),
                          Us.dim, str(val))
    B = Us.basis
    P = B @ B.T
    m2, m2_err = second_moment(t)
    if t.is_polynomial:
        ts = hermite_tensors(t, t.degree)
        explained = sum(float(np.sum(C * _contract_all_slots(C, P))) / math.factorial(k) for k, C in enumerate(ts.values))
        err = 64 * np.finfo(float).eps * max(m2, 1.0)
    else:
        explained = _numeric_explained(t, B, "fine")
        err = abs(explained - _numeric_explained(t, B, "coarse")) + m2_err
        ts = hermite_tensors(t, 1)
        err += 2 * float(np.linalg.norm(ts.values[1]) * np.linalg.norm(ts.error_estimate[1]))
    c1 = np.asarray(ts.values[1], dtype=float)
    lin = float(np.sum(((np.eye(t.r) - P) @ c1) ** 2))
    val = m2 - explained - lin + noise
    return ErrorFloor(float(val), float(err), float(m2), float(explained), lin, noise, bool(include_noise), Us.dim, None)


def linear_kernel_error(target, *, include_noise: bool = True) -> ErrorFloor:
    r"""Linear-kernel (and proportional random-features) floor :math:`E y^2-C_0^2-|C_1|^2` (docs/theory/giant_step.md#error-floors).

    >>> linear_kernel_error(MultiIndexTarget("z1 + He(2, z2)", 2)).value   # E y^2 = 1 + 2, C_1 = e_1
    2.0
    """
    return error_floor(target, None, include_noise=include_noise)


def kernel_error(target, ell, *, include_noise: bool = True) -> ErrorFloor:
    r"""Kernel baseline at :math:`n\asymp d^{\ell+\delta}`: :math:`E y^2-\sum_{k\le\ell}|C_k|_F^2/k!` (module docstring).

    >>> kernel_error(MultiIndexTarget("z1*z2*z3", 3), 2).value, kernel_error(MultiIndexTarget("z1*z2*z3", 3), 3).value
    (1.0, 0.0)
    """
    import sympy

    t = as_multi_index(target)
    ell = check_integer(ell, "ell", minimum=0)
    noise = t.noise_var if include_noise else 0.0
    ts = hermite_tensors(t, ell)
    m2, m2_err = second_moment(t)
    if ts.exact is not None and t.is_rational:
        expl = sum(_sum_squares(C) / sympy.factorial(k) for k, C in enumerate(ts.exact))
        m2e = second_moment(t, exact=True)
        val = m2e - expl + sympy.nsimplify(noise)
        return ErrorFloor(float(val), 0.0, float(m2e), float(expl), 0.0, noise, bool(include_noise), -1, str(val))
    expl = sum(float(np.sum(np.asarray(C) ** 2)) / math.factorial(k) for k, C in enumerate(ts.values))
    err = m2_err + sum(2 * float(np.sum(np.abs(C) * E)) / math.factorial(k) for k, (C, E) in enumerate(zip(ts.values, ts.error_estimate)))
    return ErrorFloor(float(m2 - expl + noise), err, float(m2), expl, 0.0, noise, bool(include_noise), -1, None)


@dataclass(frozen=True)
class ErrorTable(Result):
    """Floors side by side: baselines, the network after each :math:`n=O(d)` step, and one step at :math:`n=d^\\ell`.

    ``rows`` is a tuple of dicts with keys ``label``, ``kind`` (``"linear"``, ``"kernel"``, ``"staircase"``,
    ``"giant"``), ``ell``/``step``, ``dim`` and ``value`` (an :class:`ErrorFloor`).
    """

    rows: tuple
    noise_included: bool

    def values(self, kind: str) -> list:
        """The floor values of one ``kind`` in order."""
        return [row["value"].value for row in self.rows if row["kind"] == kind]


def error_table(target, steps=3, ells=(2, 3), *, include_noise: bool = True) -> ErrorTable:
    r"""What each step buys: linear kernel, kernels at :math:`n=d^\ell`, the staircase floors :math:`e^*(U_t)`
    for :math:`t=1..`\ ``steps``, and the floor after one step at :math:`n=d^\ell` (lower orders removed:
    :math:`e^*(\mathrm{span}\bigcup_{k\le\ell}U^*_k)`).

    >>> tab = error_table(MultiIndexTarget("z1 + z1*z2", 2), steps=2, ells=(2,))
    >>> tab.values("staircase"), tab.values("linear")
    ([1.0, 0.0], [1.0])
    """
    t = as_multi_index(target)
    steps = check_integer(steps, "steps", minimum=1)
    ells = tuple(check_integer(e, "ells", minimum=1) for e in np.atleast_1d(ells).tolist())
    rows = [dict(label="linear kernel / random features, n = O(d)", kind="linear", dim=0,
                 value=linear_kernel_error(t, include_noise=include_noise))]
    for ell in ells:
        rows.append(dict(label=f"kernel, n = d^{ell}", kind="kernel", ell=ell, dim=-1,
                         value=kernel_error(t, ell, include_noise=include_noise)))
    sc = staircase(t, steps)
    for step, U in enumerate(sc.subspaces, start=1):
        rows.append(dict(label=f"network, {step} step(s) of n = O(d)", kind="staircase", step=step, dim=U.dim,
                         value=error_floor(t, U, include_noise=include_noise)))
    for ell in ells:
        U = learnable_subspace(t, ell)
        rows.append(dict(label=f"network, one step at n = d^{ell}", kind="giant", ell=ell, dim=U.dim,
                         value=error_floor(t, U, include_noise=include_noise)))
    return ErrorTable(tuple(rows), bool(include_noise))


def random_features_error(target, *, activation, d, width, n_ridge, lam, method_kw=None):
    r"""Random-features baseline at finite ratios: ridge on :math:`\sigma(W_0x)/\sqrt p` (no step), test error with noise.

    In the proportional regime random features fit only the constant and linear part of the target; the rest
    acts as independent label noise (Mei & Montanari 2022; ``docs/theory/risk.md#random-features``). So the multi-index problem
    is the single-index one with link :math:`C_0+|C_1|z` and noise variance
    :math:`E y^2-C_0^2-|C_1|^2+\Delta`, solved by :func:`theory.risk` with ``method="rf"``.
    ``n_ridge`` and ``lam`` may be arrays (a learning curve). Returns the :class:`theory.ridge.limiting_error.RiskResult`.

    As ``n_ridge`` and ``width`` grow the error tends to :func:`linear_kernel_error` (tested).
    """
    from ..hermite.activations import activation as _activation
    from ..model.onestep import OneStep
    from ..ridge.limiting_error import risk

    t = as_multi_index(target)
    ts = hermite_tensors(t, 1)
    c0 = float(ts.values[0])
    c1 = float(np.linalg.norm(ts.values[1]))
    m2, _ = second_moment(t)
    rest = max(m2 - c0**2 - c1**2, 0.0)
    link = _activation("polynomial", coeffs=[c0, c1], coeff_basis="hermite")
    setup = OneStep(activation=activation, target=link, d=d, width=width, n=d, lr=0.0, noise_var=rest + t.noise_var,
                    readout="constant")
    return risk(setup, n_ridge=n_ridge, lam=lam, method="rf", **(method_kw or {}))
