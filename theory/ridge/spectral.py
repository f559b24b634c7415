r"""Spectral data of the feature bulk for the conditional GE ridge system.

The self-consistent equations of ``docs/theory/risk.md#self-consistent-equations`` need averages over the eigenpairs
:math:`(D_j, U)` of the bulk second-moment matrix :math:`\Omega = W\Pi W^\top` (:math:`p\times p`)
of three kinds, :math:`\langle g\rangle = \frac1p\sum_j g(D_j)`, and the weighted versions
:math:`\frac1p\sum_j F_j g(D_j) = f^\top g(\Omega) f` and :math:`\frac1p\sum_j H_j g(D_j) = f_\zeta^\top g(\Omega) f_\zeta`,
with :math:`F_j = p(U^\top f)_j^2` for the spike feature vector :math:`f` (:math:`W\hat v` in the
spiked RF) and :math:`H_j = p(U^\top W\hat\zeta)_j^2` (``docs/theory/risk.md#spectral-data``, :math:`\sqrt p`-normalised).
With several spike vectors :math:`f_k`, :math:`F_{j,kl} = p(U^\top f_k)_j(U^\top f_l)_j`. The
target vector is stored as the last channel, :math:`f_{K+1} = W\hat\zeta`, so that the cross terms
:math:`p(U^\top f_k)_j(U^\top W\hat\zeta)_j` are kept at finite :math:`p` (they vanish in the limit;
``docs/derivations/ge_system.md`` §2). ``H`` is the last diagonal entry.

Two sources:

* :func:`mp_spectrum`, the deterministic limit (``docs/theory/risk.md#deterministic-limit``): :math:`D\sim c\cdot\mathrm{MP}_\beta`,
  :math:`F\to G` constant (the Gram matrix of the spike vectors, :math:`c\beta` for :math:`W\hat v`,
  because the spike vectors are independent of the bulk), :math:`H\to\beta D`;
* :func:`finite_spectrum`, the finite-:math:`p` version from a weight matrix (one eigendecomposition).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import check_positive
from .._result import Result
from .marchenko_pastur import DEFAULT_MP_NODES, mp_rule

__all__ = ["SpectralData", "mp_spectrum", "finite_spectrum"]


@dataclass(frozen=True, eq=False)
class SpectralData(Result):
    r"""A discrete spectral measure with its spike and target channels.

    Attributes
    ----------
    D, w : ndarray, shape (n,)
        Eigenvalues (or quadrature nodes) and weights; :math:`\langle g\rangle = \sum_j w_j g(D_j)`.
    C : ndarray, shape (n, K + 1, K + 1)
        Channel weights: the ``K`` spike channels (``K = 0`` allowed), then the target channel.
    kind : str
        ``"mp"`` or ``"finite"``.
    beta : float
        Width ratio :math:`p/d`.
    n_nodes : int
        Number of MP quadrature nodes (0 for ``"finite"``).
    """

    D: np.ndarray
    w: np.ndarray
    C: np.ndarray
    kind: str
    beta: float
    n_nodes: int = 0

    @property
    def n_spikes(self) -> int:
        return int(self.C.shape[1]) - 1

    @property
    def F(self) -> np.ndarray:
        """Spike-channel weights, shape (n, K, K)."""
        return self.C[:, :-1, :-1]

    @property
    def H(self) -> np.ndarray:
        """Target-channel weights, shape (n,)."""
        return self.C[:, -1, -1]


def mp_spectrum(beta, *, scale=1.0, gram=None, n_nodes: int = DEFAULT_MP_NODES) -> SpectralData:
    r"""Deterministic spectral data: :math:`D\sim c\cdot\mathrm{MP}_\beta`, :math:`F = G`, :math:`H = \beta D`.

    Source: ``docs/theory/risk.md#deterministic-limit`` (and ``docs/theory/risk.md#marchenko-pastur`` for :math:`t_k\to\beta D_k`). ``gram`` is the
    :math:`K\times K` Gram matrix of the spike feature vectors (:math:`c\beta` for the spiked RF).

    >>> s = mp_spectrum(0.5, scale=2.0, gram=[[1.0]])
    >>> bool(np.isclose(s.w @ s.H, 0.5 * 2.0))   # <H> = |W zeta|^2 = c beta
    True
    >>> float(s.C[0, 0, 1])                        # no cross terms in the limit
    0.0
    """
    beta = check_positive(beta, "beta")
    x, w = mp_rule(beta, scale=scale, n_nodes=n_nodes)
    G = np.zeros((0, 0)) if gram is None else np.atleast_2d(np.asarray(gram, dtype=float))
    K = G.shape[0]
    C = np.zeros((x.size, K + 1, K + 1))
    C[:, :K, :K] = G
    C[:, K, K] = beta * x
    return SpectralData(D=x, w=w, C=C, kind="mp", beta=beta, n_nodes=int(n_nodes))


def finite_spectrum(W, *, project_out=None, spike_vectors=None, target_vector=None) -> SpectralData:
    r"""Finite-:math:`p` spectral data from a :math:`p\times d` weight matrix (``docs/theory/risk.md#spectral-data``).

    Parameters
    ----------
    W : array_like, shape (p, d)
        Bulk weights (neurons as rows), e.g. :math:`\sqrt c W_0`.
    project_out : array_like, shape (d,) or (m, d), optional
        Input directions removed from the bulk: :math:`\Omega = W\Pi W^\top`, :math:`\Pi` the
        projector on their orthogonal complement (the spike direction :math:`\hat v`).
    spike_vectors : array_like, shape (K, p), optional
        Feature-space spike vectors :math:`f_k` (e.g. :math:`W\hat v`).
    target_vector : array_like, shape (d,)
        Input direction of the target channel (:math:`\hat\zeta`, or :math:`\beta_*` for plain RF);
        :math:`H_j = p(U^\top W\hat\zeta)_j^2`.
    """
    W = np.asarray(W, dtype=float)
    if W.ndim != 2:
        raise ValueError(f"W must be a (p, d) matrix; got shape {W.shape}")
    p, d = W.shape
    if target_vector is None:
        raise ValueError("target_vector (the input direction of the target channel) is required")
    zeta = np.asarray(target_vector, dtype=float).ravel()
    if zeta.size != d:
        raise ValueError(f"target_vector must have length d = {d}; got {zeta.size}")
    Wp = W
    if project_out is not None:
        V = np.atleast_2d(np.asarray(project_out, dtype=float))
        if V.shape[1] != d:
            raise ValueError(f"project_out must have d = {d} columns; got shape {V.shape}")
        Q, _ = np.linalg.qr(V.T)
        Wp = W - (W @ Q) @ Q.T
    omega = Wp @ Wp.T
    D, U = np.linalg.eigh(omega)
    D = np.maximum(D, 0.0)
    if spike_vectors is None:
        S = np.zeros((0, p))
    else:
        S = np.atleast_2d(np.asarray(spike_vectors, dtype=float))
        if S.shape[1] != p:
            raise ValueError(f"spike_vectors must have p = {p} columns; got shape {S.shape}")
    S = np.vstack([S, (W @ zeta)[None, :]])
    P = U.T @ S.T  # (p, K + 1)
    C = p * P[:, :, None] * P[:, None, :]
    w = np.full(p, 1.0 / p)
    return SpectralData(D=D, w=w, C=C, kind="finite", beta=p / d, n_nodes=0)
