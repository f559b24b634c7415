r"""Measurements on one Monte Carlo trial: spectra, singular vectors, alignments, gaps, gradient structure.

Definitions follow ``docs/theory/simulation.md#what-to-measure``:

* :func:`top_singular_values` / :func:`top_singular_triples`: the ``k`` largest singular values (and
  unit vectors) of a matrix, from the Gram matrix of its smaller side (one ``syrk`` product and one
  partial symmetric eigendecomposition); :func:`top_values_of_gram` the same from a Gram matrix
  accumulated elsewhere (in chunks). :func:`lanczos_top_triples`: the ``k`` largest by the implicitly
  restarted Lanczos bidiagonalisation of ARPACK (``scipy.sparse.linalg.svds``, Golub-Kahan-Lanczos;
  Baglama & Reichel, SIAM J. Sci. Comput. 27 (2005)), for the outliers only: no Gram matrix and
  no dense factorisation, a few dozen products with the matrix when the outliers are separated.
* :func:`alignments`: :math:`|\langle u_j, v_k\rangle|/\|v_k\|` between orthonormal columns :math:`u_j` and
  feature vectors :math:`v_k`; :func:`projection_fractions`: :math:`\|P_mv_k\|/\|v_k\|` with :math:`P_m` the
  projector on the first ``m`` columns (``docs/theory/spikes.md#spike-sizes``).
* :func:`monomials` and :func:`gram_schmidt`: the vectors :math:`(\tilde X\beta)^{\circ k}` and their
  orthonormalisation in the order :math:`k = 0, 1, 2, \dots` (the sample version of the Hermite
  polynomials of :math:`\tilde X\hat\beta`).
* :func:`gap_ratios` and :func:`gap_spike_count`: ratios :math:`s_j/s_{j+1}` of consecutive sorted
  singular values and the largest :math:`j \le m_{\max}` whose ratio exceeds a threshold; the threshold is
  calibrated on spike-free ("null") matrices with the same bulk spreading (:func:`null_weights`),
  never at the edge of :math:`F_0` (which over-counts, ``docs/theory/spikes.md#finite-size-equivalent``).
* :func:`rank_one_ratio`: :math:`\|M - \mu_1 s\beta^\top\|_{op}/\|M\|_{op}` with :math:`M = \mathrm{diag}(s)G` and
  :math:`\beta = X^\top r/n`: Ba et al. (2022) Proposition 2 (``docs/theory/step.md#rank-one-structure``) in per-neuron
  form, where it tends to 0 like :math:`\log^2 n/\sqrt n`.
* :func:`neuron_fractions`: per-neuron fraction :math:`\|P_{V^*}w_i\|^2/\|w_i\|^2` of the weight in the target
  subspace (``docs/theory/simulation.md#what-to-measure`` "per-neuron"; :math:`V^*` spanned by :math:`e_1..e_r`).

>>> M = np.diag([5.0, 2.0, 1.0]) @ np.eye(3, 4)
>>> [round(float(v), 12) for v in top_singular_values(M, 2)]
[5.0, 2.0]
>>> gap_spike_count([10.0, 5.0, 1.1, 1.05, 1.0], threshold=1.5, m_max=4)
2
"""

from __future__ import annotations

import math

import numpy as np
from scipy import linalg as sla

__all__ = [
    "top_singular_values",
    "top_singular_triples",
    "top_values_of_gram",
    "lanczos_top_triples",
    "alignments",
    "projection_fractions",
    "monomials",
    "gram_schmidt",
    "gap_ratios",
    "gap_spike_count",
    "gap_threshold",
    "null_weights",
    "rank_one_ratio",
    "neuron_fractions",
]


def _top_eig(gram, k):
    m = gram.shape[0]
    k = min(int(k), m)
    w, V = sla.eigh(gram, subset_by_index=[m - k, m - 1], check_finite=False, driver="evx")
    return w[::-1], V[:, ::-1]


def top_singular_values(M, k: int) -> np.ndarray:
    """The ``k`` largest singular values of ``M`` (descending), from the Gram matrix of the smaller side."""
    M = np.asarray(M)
    n, p = M.shape
    gram = M.T @ M if n >= p else M @ M.T
    w = sla.eigh(np.asarray(gram, dtype=float), eigvals_only=True, check_finite=False,
                 subset_by_index=[gram.shape[0] - min(int(k), gram.shape[0]), gram.shape[0] - 1], driver="evx")
    return np.sqrt(np.maximum(w[::-1], 0.0))


#: Smallest Gram matrix for which :func:`top_values_of_gram` uses Lanczos (with ``k <= m / 20``).
LANCZOS_MIN = 400


def top_values_of_gram(gram, k: int, *, tol: float = 1e-12) -> np.ndarray:
    """Square roots of the ``k`` largest eigenvalues of a symmetric positive semi-definite ``gram``
    (descending; negative rounding errors clipped to 0): the top singular values of any ``M`` with
    ``M^T M = gram``.

    For ``m >= LANCZOS_MIN`` and ``k <= m/20`` by implicitly restarted Lanczos (ARPACK ``eigsh``,
    relative accuracy ``tol`` on each eigenvalue, deterministic start vector): a few hundred products
    with ``gram`` instead of its tridiagonalisation (about half the time at ``m = 2000``, and the
    same values to 1e-12 in ``tests/test_simulate_topk.py``); otherwise LAPACK ``?syevx``.
    """
    gram = np.asarray(gram, dtype=float)
    m = gram.shape[0]
    k = min(int(k), m)
    if m >= LANCZOS_MIN and 20 * k <= m:
        from scipy.sparse.linalg import eigsh

        w = np.sort(eigsh(gram, k=k, which="LA", tol=tol, v0=np.ones(m), return_eigenvectors=False))
    else:
        w = sla.eigh(gram, eigvals_only=True, check_finite=False, subset_by_index=[m - k, m - 1], driver="evx")
    return np.sqrt(np.maximum(w[::-1], 0.0))


def lanczos_top_triples(M, k: int = 1, *, tol: float = 1e-10, seed: int = 0):
    """The ``k`` largest singular triples of ``M`` by Lanczos bidiagonalisation (ARPACK through
    ``scipy.sparse.linalg.svds``), in float64.

    Meant for outliers (``k`` much smaller than both sides): the cost is a few dozen products
    ``M v`` and ``M^T u`` instead of a Gram matrix and its eigendecomposition. ``tol`` is ARPACK's
    relative accuracy of the Ritz values; the start vector is drawn from ``seed`` so the result is
    deterministic. Measured against the dense decomposition in ``tests/test_simulate_topk.py``
    (values within 1e-9 relative, vectors within 1e-6 in angle on a spiked matrix). Falls back to
    :func:`top_singular_triples` when ``k`` is not below both sides (ARPACK needs ``k < min(n, p)``).

    Returns ``(s, U, V)`` as :func:`top_singular_triples`.
    """
    from scipy.sparse.linalg import svds

    M = np.asarray(M)
    n, p = M.shape
    k = int(k)
    if k >= min(n, p) - 1:
        return top_singular_triples(M, k)
    A = M.astype(float, copy=False)
    v0 = np.random.default_rng(seed).standard_normal(min(n, p))
    U, s, Vt = svds(A, k=k, tol=tol, v0=v0, solver="arpack", return_singular_vectors=True)
    order = np.argsort(s)[::-1]
    return s[order], U[:, order], Vt[order].T


def top_singular_triples(M, k: int):
    """The ``k`` largest singular values of ``M`` with unit left (``n x k``) and right (``p x k``) vectors.

    The vectors of the larger side are recovered as ``M v / s`` (or ``M^T u / s``); a zero singular
    value gives a zero vector there.
    """
    M = np.asarray(M)
    n, p = M.shape
    if n >= p:
        w, V = _top_eig(np.asarray(M.T @ M, dtype=float), k)
        s = np.sqrt(np.maximum(w, 0.0))
        U = np.asarray(M @ V.astype(M.dtype, copy=False), dtype=float)
        U = np.divide(U, s[None, :], out=np.zeros_like(U), where=s[None, :] > 0)
        return s, U, V
    w, U = _top_eig(np.asarray(M @ M.T, dtype=float), k)
    s = np.sqrt(np.maximum(w, 0.0))
    V = np.asarray(M.T @ U.astype(M.dtype, copy=False), dtype=float)
    V = np.divide(V, s[None, :], out=np.zeros_like(V), where=s[None, :] > 0)
    return s, U, V


def alignments(U, features) -> np.ndarray:
    r"""Matrix of :math:`|\langle u_j, v_k\rangle|/\|v_k\|`: rows the feature vectors (columns of ``features``),
    columns the orthonormal vectors (columns of ``U``). A zero feature vector gives a row of zeros."""
    U = np.asarray(U, dtype=float)
    V = np.asarray(features, dtype=float)
    if V.ndim == 1:
        V = V[:, None]
    norms = np.linalg.norm(V, axis=0)
    C = np.abs(V.T @ U)
    return np.divide(C, norms[:, None], out=np.zeros_like(C), where=norms[:, None] > 0)


def projection_fractions(U, features, m: int) -> np.ndarray:
    r""":math:`\|P_m v_k\|/\|v_k\|` for each column :math:`v_k` of ``features``, with :math:`P_m` the projector
    on the first ``m`` (orthonormal) columns of ``U`` (``docs/theory/spikes.md#spike-sizes``)."""
    C = alignments(np.asarray(U)[:, : int(m)], features)
    return np.sqrt(np.sum(C**2, axis=1))


def monomials(kappa, kmax: int) -> np.ndarray:
    r"""Columns :math:`\kappa^{\circ k}`, :math:`k = 0..k_{\max}` (``n x (kmax+1)``), of a sample vector :math:`\kappa`."""
    kappa = np.asarray(kappa, dtype=float)
    return kappa[:, None] ** np.arange(int(kmax) + 1)[None, :]


def gram_schmidt(V) -> np.ndarray:
    """Orthonormalise the columns of ``V`` in their order (QR with signs fixed so that each new
    vector has a positive inner product with its source column)."""
    Q, R = np.linalg.qr(np.asarray(V, dtype=float))
    sign = np.where(np.diag(R) < 0, -1.0, 1.0)
    return Q * sign[None, :]


def gap_ratios(svals, m_max: int = 10) -> np.ndarray:
    r"""Ratios :math:`s_j/s_{j+1}`, :math:`j = 1..m_{\max}`, of the descending singular values ``svals``
    (fewer if fewer values are given)."""
    s = np.asarray(svals, dtype=float)
    m = min(int(m_max), s.size - 1)
    if m < 1:
        raise ValueError(f"need at least two singular values for a gap ratio; got {s.size}")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(s[1 : m + 1] > 0, s[:m] / s[1 : m + 1], np.inf)


def gap_spike_count(svals, threshold: float, m_max: int = 10) -> int:
    r"""Gap-based outlier count (``docs/theory/simulation.md#gap-based-spike-count``): the largest :math:`j \le m_{\max}` with
    :math:`s_j/s_{j+1} >` ``threshold`` (0 if none). ``threshold`` should come from
    :func:`gap_threshold` on spike-free matrices with the same bulk."""
    if not (threshold > 1 and math.isfinite(threshold)):
        raise ValueError(f"threshold must be a finite number > 1; got {threshold!r}")
    r = gap_ratios(svals, m_max)
    above = np.nonzero(r > threshold)[0]
    return int(above[-1] + 1) if above.size else 0


def gap_threshold(null_svals, m_max: int = 10, *, factor: float = 2.0) -> float:
    r"""Detection threshold :math:`1 + \mathrm{factor}\,(\rho_{\max} - 1)` from null spectra.

    :math:`\rho_{\max}` is the largest gap ratio among the first ``m_max`` of every null spectrum
    (``null_svals``: one descending spectrum or an array of them, one per trial). ``factor = 1`` is
    the smallest threshold that counts no spike in any of the given null draws; the maximum over a
    few draws underestimates the extremes of the null's gaps, so the default doubles the excess
    over 1 (bulk gaps at the edge are a few percent, separated spikes tens of percent).
    """
    arr = np.atleast_2d(np.asarray(null_svals, dtype=float))
    if not (factor >= 1 and math.isfinite(factor)):
        raise ValueError(f"factor must be a finite number >= 1; got {factor!r}")
    rho = max(float(np.max(gap_ratios(row, m_max))) for row in arr)
    return 1.0 + factor * (rho - 1.0)


def null_weights(W1, shift, rng) -> np.ndarray:
    r"""Spike-free reference weights: each neuron's common shift replaced by one of equal length along
    its own random direction.

    ``shift`` is the rank-one part :math:`\tau c_1 s\beta^\top` (``width x d``, or the pair
    ``(coef, beta)`` with ``coef`` of length ``width``). The result
    :math:`W_1 - \tau c_1 s\beta^\top + \tau c_1 s_i\|\beta\|\,b_i^\top` (:math:`b_i` uniform on the sphere,
    independent) keeps every neuron's norm profile and the bulk spreading but has no common
    direction, so its feature matrix has no spike from the step (``docs/theory/simulation.md#what-to-measure``).
    """
    coef, beta = shift
    coef = np.asarray(coef, dtype=float)
    beta = np.asarray(beta, dtype=float)
    B = rng.standard_normal(W1.shape)
    B /= np.linalg.norm(B, axis=1, keepdims=True)
    nb = float(np.linalg.norm(beta))
    out = W1 - np.outer(coef, beta) + (coef * nb)[:, None] * B
    return out.astype(W1.dtype, copy=False)


def _op_norm(M) -> float:
    """Largest singular value (Lanczos: no Gram matrix, a few dozen matrix-vector products); 0 for a zero
    matrix (Lanczos cannot start from it)."""
    if not np.any(M):
        return 0.0
    return float(lanczos_top_triples(M, 1)[0][0])


def rank_one_ratio(G, s, beta, mu1) -> float:
    r""":math:`\|M - \mu_1 s\beta^\top\|_{op}/\|M\|_{op}`, :math:`M = \mathrm{diag}(s)\,G` (Ba et al. 2022, Prop. 2,
    ``docs/theory/step.md#rank-one-structure``: :math:`G_0 \approx \frac{\mu_1}{n\sqrt N}X^\top y a^\top` in their scaling;
    here ``G`` is the per-neuron gradient of :func:`validation.simulate.gradient_step`,
    :math:`\beta = X^\top r/n` and :math:`\mu_1 = E\sigma'`)."""
    M = np.asarray(s, dtype=float)[:, None] * np.asarray(G, dtype=float)
    top = _op_norm(M)
    if top == 0:
        return 0.0
    return _op_norm(M - float(mu1) * np.outer(s, beta)) / top


def neuron_fractions(W, r: int) -> np.ndarray:
    r"""Per-neuron :math:`\|P_{V^*}w_i\|^2/\|w_i\|^2` with :math:`V^* = \mathrm{span}(e_1..e_r)` (0 for a zero row)."""
    W = np.asarray(W, dtype=float)
    tot = np.sum(W**2, axis=1)
    part = np.sum(W[:, : int(r)] ** 2, axis=1)
    return np.divide(part, tot, out=np.zeros_like(tot), where=tot > 0)
