r"""The conditional Gaussian-equivalent ridge system: one solver for RF, sRF, Ba and Moniri.

This is the self-consistent system of Cui et al. (2024) as rewritten in ``notes/risk.md`` §3.5, with
two generalisations derived in ``docs/derivations/ge_system.md``: several spike channels
(feature-space vectors :math:`f_k` multiplying functions :math:`\phi_k(\kappa)`, Gram weights
:math:`F_{kl}`) and several unregularised functions :math:`u_j(\kappa)` (the :math:`\mu_0(\kappa)`
mean of the sRF, or the infinitely strong spikes of Moniri et al.).

With :math:`\kappa\sim N(0,1)` and :math:`E_\kappa` over it, the functions of :math:`\kappa`

.. math::

   V = \mu_1^2V_1 + \mu_2^2V_2,\qquad b = \sum_j m_ju_j + \sum_k\theta_k\phi_k,\qquad
   E = hh - 2bh - 2\mu_1\psi h_1 + b^2 + \mu_1^2q_1 + \mu_2^2q_2 ,

the conjugates (:math:`\alpha = n/p`)

.. math::

   \hat q_1 = \alpha E_\kappa\tfrac{\mu_1^2E}{(1+V)^2},\ \hat q_2 = \alpha E_\kappa\tfrac{\mu_2^2E}{(1+V)^2},\
   \hat V_1 = \alpha E_\kappa\tfrac{\mu_1^2}{1+V},\ \hat V_2 = \alpha E_\kappa\tfrac{\mu_2^2}{1+V},\
   \hat\theta_k = \alpha E_\kappa\tfrac{\phi_k(h-b)}{1+V},\ \hat\psi = \alpha E_\kappa\tfrac{\mu_1h_1}{1+V},

and, with :math:`S = \lambda + \hat V_1D + \hat V_2`, :math:`B = \hat q_1D + \hat q_2 + \hat\theta^\top F\hat\theta + \hat\psi^2H`,

.. math::

   q_1 = \langle DB/S^2\rangle,\ q_2 = \langle B/S^2\rangle,\ V_1 = \langle D/S\rangle,\
   V_2 = \langle 1/S\rangle,\ \theta = \langle F/S\rangle\hat\theta,\ \psi = \hat\psi\langle H/S\rangle,

while :math:`m` solves the weighted least-squares problem
:math:`\sum_l E_\kappa[\tfrac{u_ju_l}{1+V}]m_l = E_\kappa[\tfrac{u_j(h-\sum_k\theta_k\phi_k)}{1+V}]`
(the notes' :math:`m` equation for :math:`u = \mu_0(\kappa)`). Outputs: test error
:math:`E_\kappa E` (against noisy labels when ``hh`` carries the noise) and train error
:math:`E_\kappa[E/(1+V)^2]` (``notes/risk.md`` §3.5, derived).

The unknowns :math:`(q_1, q_2, V_1, V_2, \psi, \theta)` are solved by :func:`theory.solvers.fixed_point`;
:math:`m` is eliminated (computed from the current iterate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._result import Result
from .conditional import KappaData
from .solvers import fixed_point
from .spectral import SpectralData

__all__ = ["GESolution", "GESystem", "DEFAULT_START"]

DEFAULT_START = (0.1, 0.2, 3.0, 3.0, 0.5)  # q1, q2, V1, V2, psi (notes/risk.md §3.6); theta_k = 0.5


@dataclass(frozen=True)
class GESolution(Result):
    """Solution of the conditional GE system at one ``(alpha, lam)``.

    ``test_error`` and ``train_error`` include label noise when the :class:`KappaData` does;
    ``overlaps`` holds ``q1, q2, V1, V2, psi, theta (list), m (list)`` and ``conjugates`` the hats.
    """

    test_error: float
    train_error: float
    overlaps: dict
    conjugates: dict
    status: str
    n_iter: int
    residual: float
    x: np.ndarray


class GESystem:
    r"""The system for fixed :class:`KappaData`, :class:`SpectralData`, spike and unregularised functions.

    Parameters
    ----------
    kappa : KappaData
    spectrum : SpectralData
        ``spectrum.F`` has one channel per row of ``spike_funcs``.
    spike_funcs : array_like, shape (K, n_kappa), optional
        :math:`\phi_k(\kappa)` on the nodes (the sRF has :math:`\phi_1 = \mu_1(\kappa)\kappa`).
    unreg_funcs : array_like, shape (J, n_kappa), optional
        Unregularised functions :math:`u_j(\kappa)`; rows that vanish identically are dropped.
    """

    def __init__(self, kappa: KappaData, spectrum: SpectralData, spike_funcs=None, unreg_funcs=None):
        self.kappa = kappa
        self.spectrum = spectrum
        n = kappa.nodes.size
        self.phi = np.zeros((0, n)) if spike_funcs is None else np.atleast_2d(np.asarray(spike_funcs, dtype=float))
        if self.phi.shape[1] != n or self.phi.shape[0] != spectrum.n_spikes:
            raise ValueError(
                f"spike_funcs must have shape ({spectrum.n_spikes}, {n}) to match the spectrum; got {self.phi.shape}"
            )
        U = np.zeros((0, n)) if unreg_funcs is None else np.atleast_2d(np.asarray(unreg_funcs, dtype=float))
        keep = np.max(np.abs(U), axis=1) > 1e-13 if U.size else np.zeros(0, dtype=bool)
        self.unreg = U[keep]
        k = kappa
        self.w = k.weights
        self.mu1sq = k.mu1**2
        self.wmu1sq = self.w * self.mu1sq
        self.wmu2sq = self.w * k.mu2sq
        self.wmu1h1 = self.w * k.mu1 * k.h1
        self.K = self.phi.shape[0]
        self.J = self.unreg.shape[0]

    # ------------------------------------------------------------------ the map
    def _kappa_side(self, x, alpha):
        k = self.kappa
        q1, q2, V1, V2, psi = x[:5]
        theta = x[5:5 + self.K]
        V = self.mu1sq * V1 + k.mu2sq * V2
        inv = 1.0 / (1.0 + V)
        lin = theta @ self.phi if self.K else np.zeros_like(V)
        if self.J:
            Uw = self.unreg * (self.w * inv)
            A = Uw @ self.unreg.T
            rhs = Uw @ (k.h - lin)
            m = np.linalg.solve(A, rhs) if self.J == 1 or np.linalg.cond(A) < 1e12 else np.linalg.lstsq(A, rhs, rcond=None)[0]
            b = lin + m @ self.unreg
        else:
            m = np.zeros(0)
            b = lin
        E = k.hh - 2.0 * b * k.h - 2.0 * k.mu1 * psi * k.h1 + b * b + self.mu1sq * q1 + k.mu2sq * q2
        inv2 = inv * inv
        hats = dict(
            q1=alpha * float(self.wmu1sq @ (E * inv2)),
            q2=alpha * float(self.wmu2sq @ (E * inv2)),
            V1=alpha * float(self.wmu1sq @ inv),
            V2=alpha * float(self.wmu2sq @ inv),
            psi=alpha * float(self.wmu1h1 @ inv),
            theta=alpha * (self.phi @ (self.w * (k.h - b) * inv)) if self.K else np.zeros(0),
        )
        return hats, m, E, inv

    def _spectral_side(self, hats, lam):
        s = self.spectrum
        S = lam + hats["V1"] * s.D + hats["V2"]
        iS = 1.0 / S
        th = hats["theta"]
        B = hats["q1"] * s.D + hats["q2"] + hats["psi"] ** 2 * s.H
        if self.K:
            B = B + np.einsum("k,jkl,l->j", th, s.F, th)
        wS2 = s.w * iS * iS
        q1 = float(wS2 @ (s.D * B))
        q2 = float(wS2 @ B)
        V1 = float((s.w * iS) @ s.D)
        V2 = float(s.w @ iS)
        psi = hats["psi"] * float((s.w * iS) @ s.H)
        theta = np.einsum("j,jkl,l->k", s.w * iS, s.F, th) if self.K else np.zeros(0)
        return np.concatenate([[q1, q2, V1, V2, psi], theta])

    def map(self, x, alpha, lam):
        """One application of the fixed-point map :math:`T(x)`."""
        hats, _, _, _ = self._kappa_side(x, alpha)
        return self._spectral_side(hats, lam)

    def start(self):
        return np.concatenate([DEFAULT_START, np.full(self.K, 0.5)])

    # ------------------------------------------------------------------ solve
    def solve(self, alpha: float, lam: float, *, x0=None, tol: float = 1e-10, max_iter: int = 5000,
              accelerate: bool = True, damping: float = 1.0) -> GESolution:
        """Solve at sample ratio ``alpha = n/p`` and penalty ``lam`` (:math:`\\lambda_C`)."""
        x0 = self.start() if x0 is None else np.asarray(x0, dtype=float)
        sol = fixed_point(lambda x: self.map(x, alpha, lam), x0, tol=tol, max_iter=max_iter,
                          accelerate=accelerate, damping=damping)
        if sol.status == "diverged" and accelerate:
            # retry from the default start with plain damped iteration before giving up
            sol2 = fixed_point(lambda x: self.map(x, alpha, lam), self.start(), tol=tol, max_iter=max_iter,
                               accelerate=False, damping=0.5)
            if sol2.residual < sol.residual:
                sol = type(sol)(sol2.x, sol2.status, sol.n_iter + sol2.n_iter, sol2.residual, sol2.damping)
        return self.outputs(sol.x, alpha, lam, status=sol.status, n_iter=sol.n_iter, residual=sol.residual)

    def outputs(self, x, alpha, lam, *, status="converged", n_iter=0, residual=float("nan")) -> GESolution:
        """Errors and overlaps at ``x``."""
        x = np.asarray(x, dtype=float)
        with np.errstate(all="ignore"):
            hats, m, E, inv = self._kappa_side(x, alpha)
            test = float(self.w @ E)
            train = float(self.w @ (E * inv * inv))
        overlaps = dict(q1=x[0], q2=x[1], V1=x[2], V2=x[3], psi=x[4], theta=list(x[5:5 + self.K]), m=list(m))
        conj = {k: (list(v) if isinstance(v, np.ndarray) else v) for k, v in hats.items()}
        return GESolution(test_error=test, train_error=train, overlaps=overlaps, conjugates=conj, status=status,
                          n_iter=int(n_iter), residual=float(residual), x=x)
