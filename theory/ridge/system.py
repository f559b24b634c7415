r"""The conditional Gaussian-equivalent ridge system: one solver for RF, sRF, Ba and Moniri.

This is the self-consistent system of Cui et al. (2024) as rewritten in ``docs/theory/risk.md#self-consistent-equations``, with
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

and, with :math:`S = \lambda + \hat V_1D + \hat V_2`, :math:`B = \hat q_1D + \hat q_2 + \hat\theta^\top F\hat\theta + 2\hat\psi\hat\theta^\top F_H + \hat\psi^2H`
(:math:`F_H` the finite-:math:`p` cross weights of the spike and target channels, zero in the limit),

.. math::

   q_1 = \langle DB/S^2\rangle,\ q_2 = \langle B/S^2\rangle,\ V_1 = \langle D/S\rangle,\
   V_2 = \langle 1/S\rangle,\ \theta = \langle F/S\rangle\hat\theta + \hat\psi\langle F_H/S\rangle,\
   \psi = \hat\psi\langle H/S\rangle + \hat\theta^\top\langle F_H/S\rangle,

while :math:`m` solves the weighted least-squares problem
:math:`\sum_l E_\kappa[\tfrac{u_ju_l}{1+V}]m_l = E_\kappa[\tfrac{u_j(h-\sum_k\theta_k\phi_k)}{1+V}]`
(the notes' :math:`m` equation for :math:`u = \mu_0(\kappa)`). Outputs: test error
:math:`E_\kappa E` (against noisy labels when ``hh`` carries the noise) and train error
:math:`E_\kappa[E/(1+V)^2]` (``docs/theory/risk.md#self-consistent-equations``, derived).

The unknowns :math:`(q_1, q_2, V_1, V_2, \psi)` are solved by :func:`theory.solvers.fixed_point`;
:math:`m` and :math:`\theta` are eliminated: given the iterate, :math:`S` is fixed, :math:`m` is linear in
:math:`\theta` and :math:`\hat\theta = a_0 - M\theta` is affine, so :math:`\theta` solves the
:math:`K\times K` system :math:`(I + PM)\theta = Pa_0 + \hat\psi\langle F_H/S\rangle`,
:math:`P = \langle F/S\rangle`. This stays well conditioned when the spikes are very strong (large
:math:`F`), where plain iteration on :math:`\theta` needs a damping of order :math:`1/F`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._result import Result
from .conditional import KappaData
from .solvers import fixed_point, newton_fixed_point, residual_norm
from .spectral import SpectralData

__all__ = ["GESolution", "GESystem", "DEFAULT_START"]

DEFAULT_START = (0.1, 0.2, 3.0, 3.0, 0.5)  # q1, q2, V1, V2, psi (docs/theory/risk.md#solvers)


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
    # The iterate is x = (q1, q2, V1, V2, psi). Given it, theta (and m) solve linear equations
    # exactly: theta_hat is affine in theta, theta = <C/S> (theta_hat, psi_hat), S depends on V only.
    def _evaluate(self, x, alpha, lam):
        k = self.kappa
        s = self.spectrum
        q1, q2, V1, V2, psi = x
        V = self.mu1sq * V1 + k.mu2sq * V2
        inv = 1.0 / (1.0 + V)
        V1h = alpha * float(self.wmu1sq @ inv)
        V2h = alpha * float(self.wmu2sq @ inv)
        psih = alpha * float(self.wmu1h1 @ inv)
        S = lam + V1h * s.D + V2h
        wiS = s.w / S
        Pall = np.einsum("j,jkl->kl", wiS, s.C)  # (K+1, K+1)
        K = self.K
        winv = self.w * inv
        if self.J:
            Uw = self.unreg * winv
            A = Uw @ self.unreg.T
            solve = np.linalg.solve if np.linalg.cond(A) < 1e12 else (lambda a, b: np.linalg.lstsq(a, b, rcond=None)[0])
            m0 = solve(A, Uw @ k.h)
            R = solve(A, Uw @ self.phi.T) if K else np.zeros((self.J, 0))  # (J, K)
            base = m0 @ self.unreg
            phit = self.phi - R.T @ self.unreg if K else self.phi
        else:
            m0 = np.zeros(0)
            R = np.zeros((0, K))
            base = np.zeros_like(V)
            phit = self.phi
        if K:
            a0 = alpha * (self.phi @ (winv * (k.h - base)))
            M = alpha * (self.phi * winv) @ phit.T
            P = Pall[:K, :K]
            rhs = P @ a0 + psih * Pall[:K, K]
            theta = np.linalg.solve(np.eye(K) + P @ M, rhs)
            thetah = a0 - M @ theta
            b = base + theta @ phit
            m = m0 - R @ theta
        else:
            theta = thetah = np.zeros(0)
            b = base
            m = m0
        E = k.hh - 2.0 * b * k.h - 2.0 * k.mu1 * psi * k.h1 + b * b + self.mu1sq * q1 + k.mu2sq * q2
        inv2 = inv * inv
        q1h = alpha * float(self.wmu1sq @ (E * inv2))
        q2h = alpha * float(self.wmu2sq @ (E * inv2))
        ch = np.concatenate([thetah, [psih]])
        B = q1h * s.D + q2h + np.einsum("k,jkl,l->j", ch, s.C, ch)
        wS2 = wiS / S
        new = np.array([
            float(wS2 @ (s.D * B)),
            float(wS2 @ B),
            float(wiS @ s.D),
            float(wiS.sum()),
            float(Pall[K] @ ch),
        ])
        hats = dict(q1=q1h, q2=q2h, V1=V1h, V2=V2h, psi=psih, theta=thetah)
        return new, dict(hats=hats, theta=theta, m=m, E=E, inv=inv)

    def map(self, x, alpha, lam):
        r"""One application of the fixed-point map :math:`T(x)` on :math:`(q_1, q_2, V_1, V_2, \psi)`."""
        return self._evaluate(np.asarray(x, dtype=float), alpha, lam)[0]

    def start(self):
        return np.array(DEFAULT_START, dtype=float)

    # ------------------------------------------------------------------ solve
    def v_map(self, v, alpha, lam):
        r"""The closed subsystem for the susceptibilities :math:`(V_1, V_2)` (isotone, bounded by :math:`\langle D\rangle/\lambda`)."""
        k = self.kappa
        s = self.spectrum
        V = self.mu1sq * v[0] + k.mu2sq * v[1]
        inv = 1.0 / (1.0 + V)
        S = lam + alpha * float(self.wmu1sq @ inv) * s.D + alpha * float(self.wmu2sq @ inv)
        wiS = s.w / S
        return np.array([float(wiS @ s.D), float(wiS.sum())])

    def solve(self, alpha: float, lam: float, *, x0=None, tol: float = 1e-10, max_iter: int = 5000,
              accelerate: bool = True, damping: float = 1.0) -> GESolution:
        r"""Solve at sample ratio ``alpha = n/p`` and penalty ``lam`` (:math:`\lambda_C`).

        The system is triangular (``docs/derivations/ge_system.md`` §5): :math:`(V_1, V_2)` solve a
        closed two-dimensional isotone fixed point (:func:`theory.solvers.fixed_point`, from the warm
        start ``x0`` or from 0); then :math:`\hat\psi`, :math:`\theta` and :math:`\psi` are explicit and
        :math:`(q_1, q_2)` solve a 2x2 linear system. ``residual`` is that of the full system.
        """
        T = lambda v: self.v_map(v, alpha, lam)  # noqa: E731
        if x0 is not None and np.all(np.asarray(x0, dtype=float)[2:4] > 0):
            v0 = np.asarray(x0, dtype=float)[2:4]
        else:
            v0 = T(np.zeros(2))  # one isotone step from below: positive
        # every evaluation counts against max_iter (4 are kept for the explicit part below)
        budget = max(int(max_iter) - 4, 1)
        if accelerate:
            with np.errstate(over="ignore", invalid="ignore"):  # a failed Newton step falls back below
                sol = newton_fixed_point(T, v0, tol=tol, max_iter=min(budget, 200), transform="log")
        if not accelerate or sol.status != "converged":
            # monotone damped iteration from below (the map is isotone and bounded when lam > 0)
            n0 = sol.n_iter if accelerate else 0
            if budget - n0 >= 1:
                sol = fixed_point(T, np.zeros(2), tol=tol, max_iter=budget - n0, accelerate=False, damping=damping,
                                  growth=np.inf)
                sol = type(sol)(sol.x, sol.status, sol.n_iter + n0, sol.residual, sol.damping)
            else:
                sol = type(sol)(sol.x, "max_iter", n0, sol.residual, sol.damping)
        n_iter = sol.n_iter
        V1, V2 = sol.x
        with np.errstate(all="ignore"):
            psi = self.map(np.array([0.0, 0.0, V1, V2, 0.0]), alpha, lam)[4]
            c = self.map(np.array([0.0, 0.0, V1, V2, psi]), alpha, lam)[:2]
            A = np.column_stack([self.map(np.array([1.0, 0.0, V1, V2, psi]), alpha, lam)[:2] - c,
                                 self.map(np.array([0.0, 1.0, V1, V2, psi]), alpha, lam)[:2] - c])
        n_iter = min(n_iter + 4, int(max_iter))
        status = sol.status
        if status == "converged":
            stable = np.all(np.isfinite(A)) and np.max(np.abs(np.linalg.eigvals(A))) < 1.0
            if not stable:
                # beyond the interpolation instability: no physical solution (the error diverges)
                x = np.array([np.inf, np.inf, V1, V2, psi])
                return self.outputs(x, alpha, lam, status="diverged", n_iter=n_iter, residual=float("inf"))
            q = np.linalg.solve(np.eye(2) - A, c)
            x = np.array([q[0], q[1], V1, V2, psi])
        else:
            x = np.array([0.0, 0.0, V1, V2, psi])
        residual = residual_norm(x, self.map(x, alpha, lam)) if status == "converged" else sol.residual
        if status == "converged" and residual > max(100 * tol, 1e-8):
            status = "max_iter"
        return self.outputs(x, alpha, lam, status=status, n_iter=n_iter, residual=residual)

    def outputs(self, x, alpha, lam, *, status="converged", n_iter=0, residual=float("nan")) -> GESolution:
        """Errors and overlaps at ``x``."""
        x = np.asarray(x, dtype=float)
        with np.errstate(all="ignore"):
            _, info = self._evaluate(x, alpha, lam)
            E, inv = info["E"], info["inv"]
            test = float(self.w @ E)
            train = float(self.w @ (E * inv * inv))
        if status == "diverged":
            test = train = float("inf")
        overlaps = dict(q1=x[0], q2=x[1], V1=x[2], V2=x[3], psi=x[4], theta=list(info["theta"]), m=list(info["m"]))
        conj = {k: (list(v) if isinstance(v, np.ndarray) else v) for k, v in info["hats"].items()}
        return GESolution(test_error=test, train_error=train, overlaps=overlaps, conjugates=conj, status=status,
                          n_iter=int(n_iter), residual=float(residual), x=x)
