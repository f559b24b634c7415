r"""Ridge readout on fixed features, learning curves from nested subsets, and test errors in chunks.

The reference objective (``docs/theory/conventions.md#ridge-normalisation``, ``docs/theory/simulation.md#building-blocks``) for features
:math:`H\in\mathbb R^{n\times p}` and labels :math:`y` is

.. math:: \min_a\ \|y - A a\|^2 + \lambda_C\|a\|^2,\qquad A = H/\sqrt p,

solved in the primal form :math:`a = (A^\top A + \lambda_C I)^{-1}A^\top y` when :math:`n \ge p` and in the
dual form :math:`a = A^\top(AA^\top + \lambda_C I)^{-1}y` otherwise, in float64, by a Cholesky
factorisation (one :math:`\lambda_C`) or one symmetric eigendecomposition (several), never an explicit
inverse; :math:`\lambda_C = 0` is the minimum-norm least-squares solution.

:func:`ridge_path` fits nested subsets :math:`H_{1:m}` of one pool for several :math:`m` (a learning
curve) and accumulates the primal Gram matrix :math:`\sum_\mu h_\mu h_\mu^\top` over the increments, so a
curve costs one Gram matrix of the largest subset. Optional label centring (Dandi et al. 2024,
``docs/theory/simulation.md#dandi-et-al``) removes the empirical mean and linear part :math:`A_m + x\cdot B_m`,
:math:`A_m = \overline{y}`, :math:`B_m = \frac1m\sum_\mu y_\mu x_\mu`, estimated on the fitted subset
only, and adds them back to the prediction.

:func:`stream_test_errors` evaluates many readouts on one test set drawn in chunks (never the whole
test feature matrix at once): the test error against noisy labels, the risk against :math:`f^*`
(mean squared errors, no factor 1/2), and their sampling standard errors
:math:`\mathrm{sd}(e^2)/\sqrt{n_{\rm test}}` (``docs/theory/simulation.md#building-blocks``, reported separately from the
spread over trials).

>>> rng = np.random.default_rng(0)
>>> H, y = rng.standard_normal((30, 8)), rng.standard_normal(30)
>>> a = ridge_fit(H, y, 0.5)
>>> A = H / np.sqrt(8)
>>> bool(np.allclose(A.T @ (y - A @ a), 0.5 * a))   # stationarity of the objective
True
>>> path = ridge_path(H, y, [10, 30], [[0.5], [0.5]])
>>> bool(np.allclose(path.readouts[1, 0], a)), bool(np.allclose(path.readouts[0, 0], ridge_fit(H[:10], y[:10], 0.5)))
(True, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import linalg as sla

__all__ = ["ridge_fit", "RidgePath", "ridge_path", "stream_test_errors", "CHUNK"]

#: Rows of the test set drawn and evaluated at once.
CHUNK = 4096


def _check_lam(lam) -> np.ndarray:
    lam_arr = np.asarray(lam, dtype=float)
    if lam_arr.ndim > 1 or lam_arr.size == 0 or np.any(lam_arr < 0) or not np.all(np.isfinite(lam_arr)):
        raise ValueError(f"lam must be a finite number >= 0 or a 1-d array of them; got {lam!r}")
    return lam_arr


def _solve(gram, rhs, lam_arr, *, dual_A=None, overwrite: bool = False) -> np.ndarray:
    """Solve ``(gram + lam I) x = rhs`` for a scalar or a 1-d array of ``lam`` (float64).

    ``dual_A`` given: the solution is mapped back by ``A^T x`` (dual form). ``lam = 0`` gives the
    pseudo-inverse solution, eigenvalues below ``size * eps * max`` being treated as zero.
    ``overwrite``: the Cholesky factor may be written over ``gram`` (no second ``m x m`` matrix).
    """
    m = gram.shape[0]
    back = (lambda x: dual_A.T @ x) if dual_A is not None else (lambda x: x)
    if lam_arr.ndim == 0 and float(lam_arr) > 0:
        M = gram if (overwrite and gram.dtype == np.float64 and gram.flags.writeable) else np.array(gram, dtype=float)
        M.flat[:: m + 1] += float(lam_arr)
        c = sla.cho_factor(M, lower=True, check_finite=False, overwrite_a=True)
        return back(sla.cho_solve(c, rhs, check_finite=False))
    e, V = np.linalg.eigh(gram)
    cut = m * np.finfo(float).eps * max(float(e[-1]), 0.0) if m else 0.0
    e = np.where(e > cut, e, 0.0)
    lam_v = np.atleast_1d(lam_arr)
    den = e[None, :] + lam_v[:, None]
    inv = np.divide(1.0, den, out=np.zeros_like(den), where=den > 0)
    b = V.T @ rhs
    x = (inv * b[None, :]) @ V.T  # (len(lam), m)
    x = np.stack([back(row) for row in x])
    return x[0] if lam_arr.ndim == 0 else x


def ridge_fit(H, y, lam) -> np.ndarray:
    r"""Readout :math:`a = \arg\min_a |y - Aa|^2 + \lambda|a|^2` with :math:`A = H/\sqrt p`.

    Source: the reference ridge objective of ``docs/theory/conventions.md#ridge-normalisation`` (``lam`` is :math:`\lambda_C`);
    primal/dual forms of ``docs/theory/simulation.md#building-blocks``.

    Parameters
    ----------
    H : array (n, p)
        Features (any float dtype; the solve is in float64).
    y : array (n,)
        Labels.
    lam : float or 1-d array
        :math:`\lambda_C \ge 0`; an array gives ``a`` of shape ``(len(lam), p)``.

    Returns
    -------
    ndarray
        Primal form when ``n >= p``, dual otherwise; Cholesky for a scalar ``lam > 0``, one
        symmetric eigendecomposition for an array; ``lam = 0`` gives the minimum-norm least-squares
        solution.
    """
    H = np.asarray(H)
    y = np.asarray(y, dtype=float)
    if H.ndim != 2 or y.shape != (H.shape[0],):
        raise ValueError(f"H must be (n, p) and y (n,); got {H.shape} and {y.shape}")
    lam_arr = _check_lam(lam)
    n, p = H.shape
    A = H.astype(float, copy=False) / math.sqrt(p)
    if lam_arr.ndim == 0 and float(lam_arr) == 0.0:
        return np.linalg.lstsq(A, y, rcond=None)[0]
    if n >= p:
        return _solve(A.T @ A, A.T @ y, lam_arr)
    return _solve(A @ A.T, y, lam_arr, dual_A=A)


@dataclass(frozen=True)
class RidgePath:
    """Readouts of a learning curve (:func:`ridge_path`).

    Attributes
    ----------
    n_ridge : ndarray of int (k,)
        Subset sizes, in the order given.
    lam : ndarray (k, l)
        :math:`\\lambda_C` of each fit.
    readouts : ndarray (k, l, p)
        Ridge readouts.
    train_error : ndarray (k, l)
        Mean squared error on the fitted subset (labels as given, noise included; centred labels
        when ``center`` was used, which is the same residual).
    offsets : ndarray (k,) or None
        :math:`A_m` of the label centring.
    linear : ndarray (k, d) or None
        :math:`B_m` of the label centring.
    """

    n_ridge: np.ndarray
    lam: np.ndarray
    readouts: np.ndarray
    train_error: np.ndarray
    offsets: np.ndarray | None = None
    linear: np.ndarray | None = None


def ridge_path(H, y, n_ridge, lam, *, X=None, center: bool = False, chunk: int = CHUNK) -> RidgePath:
    r"""Ridge fits on the nested subsets ``H[:m]`` of one pool, for each ``m`` in ``n_ridge``.

    Parameters
    ----------
    H : array (n_pool, p)
        Pool features.
    y : array (n_pool,)
        Pool labels.
    n_ridge : int or sequence of int
        Subset sizes (each at most ``n_pool``).
    lam : array (len(n_ridge), l)
        :math:`\lambda_C` per subset and penalty (it may depend on ``m`` when converted from a
        paper's convention).
    X : array (n_pool, d), optional
        Pool inputs, needed by ``center``.
    center : bool
        Fit :math:`y - A_m - XB_m` with the subset's own :math:`A_m = \bar y`,
        :math:`B_m = X_{1:m}^\top y_{1:m}/m` (Dandi et al.'s preprocessing, ``docs/theory/simulation.md#dandi-et-al``,
        training estimates only).
    chunk : int
        Rows per block of the Gram accumulation.

    Returns
    -------
    RidgePath
        The primal Gram matrix is accumulated over the increments of the sorted sizes, so the whole
        path costs one :math:`H^\top H` of the largest subset (plus one solve per size).
    """
    H = np.asarray(H)
    y = np.asarray(y, dtype=float)
    npool, p = H.shape
    sizes = np.atleast_1d(np.asarray(n_ridge, dtype=int))
    lam = np.atleast_2d(np.asarray(lam, dtype=float))
    if lam.shape[0] != sizes.size:
        raise ValueError(f"lam must have one row per subset size; got {lam.shape} for {sizes.size} sizes")
    if sizes.min() < 1 or sizes.max() > npool:
        raise ValueError(f"n_ridge must lie in [1, {npool}] (the pool size); got {sizes.tolist()}")
    if center and X is None:
        raise ValueError("center=True needs the pool inputs X")
    scale = 1.0 / math.sqrt(p)
    k, nl = sizes.size, lam.shape[1]
    readouts = np.empty((k, nl, p))
    train = np.empty((k, nl))
    offsets = np.zeros(k) if center else None
    linear = np.zeros((k, X.shape[1])) if center else None
    gram = np.zeros((p, p))
    done = 0
    order = np.argsort(sizes, kind="stable")
    primal = [i for i in order if sizes[i] >= p]
    last_primal = primal[-1] if primal else None  # the largest size comes last in the sorted order
    for idx in order:
        m = int(sizes[idx])
        ym = y[:m]
        if center:
            offsets[idx] = ym.mean()
            linear[idx] = (X[:m].T @ ym) / m
            ym = ym - offsets[idx] - X[:m] @ linear[idx]
        Am = H[:m]
        lam_row = lam[idx]
        lam_arg = lam_row if nl > 1 else lam_row[0]
        if m >= p and not (np.ndim(lam_arg) == 0 and float(lam_arg) == 0.0):
            for lo in range(done, m, chunk):  # in the features' dtype (syrk) per block, summed in float64,
                inc = H[lo:min(lo + chunk, m)]  # so the rounding error grows with the block, not with m
                gram += inc.T @ inc
            done = max(done, m)
            rhs = np.asarray(Am.T @ ym.astype(Am.dtype, copy=False), dtype=float) / scale
            # (s^2 G + lam I) a = s b  <=>  (G + lam/s^2 I) a = b/s: no scaled copy of the Gram matrix;
            # the factor overwrites it at the largest size (nothing is added to it afterwards)
            a = _solve(gram, rhs, np.asarray(lam_arg) / scale**2,
                       overwrite=(idx == last_primal and nl == 1))
        else:
            a = ridge_fit(Am, ym, lam_arg)
        a = np.atleast_2d(a)
        readouts[idx] = a
        pred = (Am @ a.T.astype(Am.dtype, copy=False)) * scale
        train[idx] = np.mean((ym[:, None] - pred) ** 2, axis=0)
    return RidgePath(sizes, lam, readouts, train, offsets, linear)


def stream_test_errors(features, readouts, draw, n_test: int, *, offsets=None, linear=None,
                       chunk: int = CHUNK) -> dict:
    r"""Test error, risk and their sampling errors of many readouts on one chunked test set.

    Parameters
    ----------
    features : callable
        ``features(X) -> H`` (``m x p``) for a chunk of test inputs.
    readouts : array (k, p)
        Readouts; the prediction is :math:`h\cdot a/\sqrt p` (+ ``offsets + x @ linear``).
    draw : callable
        ``draw(m) -> (X, y, fstar)``: the next ``m`` test points (labels with noise, clean target).
    n_test : int
        Test points in all.
    offsets, linear : arrays (k,) and (k, d), optional
        Label-centring terms added back to the prediction (training estimates).

    Returns
    -------
    dict
        ``test_error``, ``test_risk`` (arrays (k,)), ``test_error_sampling_se``,
        ``test_risk_sampling_se``: :math:`\mathrm{sd}(e^2)/\sqrt{n_{\rm test}}` over the test points.
    """
    R = np.atleast_2d(readouts)
    p = R.shape[1]
    k = R.shape[0]
    s1e, s2e, s1r, s2r = (np.zeros(k) for _ in range(4))
    done = 0
    while done < n_test:
        m = min(chunk, n_test - done)
        X, y, fstar = draw(m)
        Ht = features(X)
        pred = (Ht @ R.T.astype(Ht.dtype, copy=False)).astype(float, copy=False) / math.sqrt(p)
        if offsets is not None:
            pred += np.asarray(offsets)[None, :] + X @ np.asarray(linear).T.astype(X.dtype, copy=False)
        e = (np.asarray(y, dtype=float)[:, None] - pred) ** 2
        s1e += e.sum(axis=0)
        s2e += (e**2).sum(axis=0)
        e = (np.asarray(fstar, dtype=float)[:, None] - pred) ** 2
        s1r += e.sum(axis=0)
        s2r += (e**2).sum(axis=0)
        done += m

    def se(s1, s2):
        if n_test < 2:
            return np.full(k, np.inf)
        var = np.maximum(s2 - s1**2 / n_test, 0.0) / (n_test - 1)
        return np.sqrt(var / n_test)

    return {"test_error": s1e / n_test, "test_risk": s1r / n_test,
            "test_error_sampling_se": se(s1e, s2e), "test_risk_sampling_se": se(s1r, s2r)}
