"""Speed of ``theory.risk`` against the authors' numerical route, in one process (``docs/benchmarks/risk.md``).

Setting: Cui et al.'s giant step (tanh student, sin target, alpha0 = 20, lr = 3, lam = 0.1, p = d).

* **ours, deterministic**: ``theory.risk`` on a 50-point learning curve n_ridge/d in [0.2, 3]
  (Marchenko-Pastur spectrum, triangular solve, quadrature re-check at every point).
* **ours, finite p**: the same curve on the spectrum of a drawn W0 (one eigendecomposition).
* **baseline**: the same equations solved as in the authors' notebooks (our own implementation):
  Cui et al.'s 13-unknown system of ``docs/theory/risk.md#self-consistent-equations`` with the finite-p spectral data of the
  same W0 (eigendecomposition), the kappa averages by adaptive quadrature (``scipy.integrate.quad``,
  inner averages by 19-node Gauss-Hermite), damped iteration (0.5) with warm starts until the
  residual of the equations is below 1e-8. It is timed on ``--baseline-points`` points of the curve
  and compared per point; the eigendecomposition is counted once for the whole curve.
* **agreement**: our solver, configured with exactly the baseline's equations (no finite-p cross
  terms, unregularised mean), on the same spectrum, must reproduce the baseline's test errors.

Run: ``PYTHONPATH=. python benchmarks/bench_risk.py [--d 2000] [--baseline-points 3] [--json FILE]``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

import numpy as np
from scipy import integrate

import theory
from theory.ridge.conditional import srf_kappa_data
from theory.ridge.system import GESystem
from theory.ridge.spectral import SpectralData, finite_spectrum


def setup_for(d):
    return theory.OneStep.from_cui(eta_tilde=3.0, d=d, width=d, alpha0=20, activation="tanh", target="sin")


# ----------------------------------------------------------------------------- baseline
class Baseline:
    """Cui et al.'s system (docs/theory/risk.md#self-consistent-equations) with quad over kappa and a finite-p spectrum."""

    def __init__(self, setup, W0):
        prm = theory.srf_parameters(setup)
        self.r, self.c, self.g = prm.r, prm.c, prm.gamma
        self.rho = math.sqrt(1 - self.g**2)
        d = W0.shape[1]
        v = np.zeros(d)
        v[0], v[1] = self.g, self.rho
        zeta = np.zeros(d)
        zeta[0], zeta[1] = self.rho, -self.g
        W = math.sqrt(self.c) * W0
        t0 = time.perf_counter()
        spec = finite_spectrum(W, project_out=v, spike_vectors=[W @ v], target_vector=zeta)
        self.eig_time = time.perf_counter() - t0
        self.D, self.F, self.H = spec.D, spec.C[:, 0, 0], spec.C[:, 1, 1]
        self.spec = spec
        z, w = np.polynomial.hermite_e.hermegauss(19)
        self.z, self.w = z, w / w.sum()
        self.f, self.t = np.tanh, np.sin

    def coeffs(self, k):
        sc = math.sqrt(self.c)
        v = self.f(self.r * k + sc * self.z)
        m0 = v @ self.w
        m1 = (v * self.z) @ self.w / sc
        m2 = max((v * v) @ self.w - m0**2 - self.c * m1**2, 0.0)
        tv = self.t(self.g * k + self.rho * self.z)
        return m0, m1, m2, tv @ self.w, (tv * self.z) @ self.w, (tv * tv) @ self.w

    def kavg(self, fn):
        g = lambda k: fn(k, *self.coeffs(k)) * math.exp(-0.5 * k * k) / math.sqrt(2 * math.pi)  # noqa: E731
        return integrate.quad(g, -np.inf, np.inf, limit=200)[0]

    def step(self, x, alpha, lam):
        q1, q2, V1, V2, th, psi, m = x

        def common(k, m0, m1, m2, h, h1, hh):
            V = m1**2 * V1 + m2 * V2
            b = m0 * m + m1 * k * th
            E = hh - 2 * b * h - 2 * m1 * psi * h1 + b * b + m1**2 * q1 + m2 * q2
            return V, b, E

        def make(which):
            def fn(k, m0, m1, m2, h, h1, hh):
                V, b, E = common(k, m0, m1, m2, h, h1, hh)
                return {"q1": m1**2 * E / (1 + V) ** 2, "q2": m2 * E / (1 + V) ** 2, "V1": m1**2 / (1 + V),
                        "V2": m2 / (1 + V), "th": k * m1 * (h - b) / (1 + V), "psi": m1 * h1 / (1 + V),
                        "mn": m0 * (h - m1 * k * th) / (1 + V), "md": m0**2 / (1 + V)}[which]
            return fn

        hat = {k: alpha * self.kavg(make(k)) for k in ("q1", "q2", "V1", "V2", "th", "psi")}
        S = lam + hat["V1"] * self.D + hat["V2"]
        B = hat["q1"] * self.D + hat["q2"] + hat["th"] ** 2 * self.F + hat["psi"] ** 2 * self.H
        new = [np.mean(self.D * B / S**2), np.mean(B / S**2), np.mean(self.D / S), np.mean(1 / S),
               hat["th"] * np.mean(self.F / S), hat["psi"] * np.mean(self.H / S),
               self.kavg(make("mn")) / self.kavg(make("md"))]
        return np.array(new)

    def test_error(self, x):
        q1, q2, V1, V2, th, psi, m = x

        def fn(k, m0, m1, m2, h, h1, hh):
            b = m0 * m + m1 * k * th
            return hh - 2 * b * h - 2 * m1 * psi * h1 + b * b + m1**2 * q1 + m2 * q2

        return self.kavg(fn)

    def solve(self, alpha, lam, x0, tol=1e-8, max_iter=2000):
        x = np.array(x0, dtype=float)
        for it in range(max_iter):
            tx = self.step(x, alpha, lam)
            res = np.max(np.abs(tx - x)) / max(1.0, np.max(np.abs(x)))
            if res < tol:
                return x, it + 1, res
            x = 0.5 * tx + 0.5 * x
        return x, max_iter, res


def ours_like_baseline(setup, base: Baseline, alphas, lam):
    """Our solver with the baseline's equations: no cross terms, unregularised mean, same spectrum."""
    kd = srf_kappa_data("tanh", "sin", r=base.r, c=base.c, gamma=base.g)
    C = base.spec.C.copy()
    C[:, 0, 1] = C[:, 1, 0] = 0.0
    spec = SpectralData(D=base.spec.D, w=base.spec.w, C=C, kind="finite", beta=base.spec.beta)
    sysg = GESystem(kd, spec, spike_funcs=[kd.mu1 * kd.nodes], unreg_funcs=[kd.mu0])
    out, x = [], None
    for a in alphas:
        sol = sysg.solve(a, lam, x0=x)
        x = sol.x
        out.append(sol.test_error)
    return np.array(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--d", type=int, default=2000)
    ap.add_argument("--points", type=int, default=50)
    ap.add_argument("--baseline-points", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    d = args.d
    s = setup_for(d)
    ratios = np.linspace(0.2, 3.0, args.points)
    lam = 0.1
    # warm-up (imports, caches of the activation moments); the timed runs below use fresh kappa caches
    theory.risk(s, n_ridge=ratios[:2] * d, lam=lam)
    t_mp = []
    for _ in range(args.repeat):
        theory.ridge.conditional._srf_kappa_data.cache_clear()
        t0 = time.perf_counter()
        curve = theory.risk(s, n_ridge=ratios * d, lam=lam)
        t_mp.append(time.perf_counter() - t0)
    assert curve.converged
    rng = np.random.default_rng(0)
    W0 = rng.standard_normal((d, d))
    W0 /= np.linalg.norm(W0, axis=1, keepdims=True)
    t0 = time.perf_counter()
    fin = theory.risk(s, n_ridge=ratios * d, lam=lam, W0=W0)
    t_fin = time.perf_counter() - t0
    base = Baseline(s, W0)
    idx = np.linspace(0, args.points - 1, args.baseline_points).round().astype(int)
    x0 = [0.1, 0.2, 3, 3, 0.5, 0.5, 1.5]
    t0 = time.perf_counter()
    bvals, iters = [], []
    for i in idx:
        x, it, res = base.solve(ratios[i] * d / d, lam, x0)  # alpha = n/p, p = d
        x0 = x
        bvals.append(base.test_error(x))
        iters.append(it)
    t_base_pts = time.perf_counter() - t0
    per_point_base = t_base_pts / len(idx)
    t_base_curve = base.eig_time + per_point_base * args.points
    ours_same = ours_like_baseline(s, base, ratios[idx], lam)
    rel = np.max(np.abs(ours_same / np.array(bvals) - 1))
    result = {
        "d": d, "points": args.points, "lam": lam,
        "ours_mp_curve_s": min(t_mp), "ours_finite_curve_s": t_fin,
        "baseline_eig_s": base.eig_time, "baseline_per_point_s": per_point_base,
        "baseline_iterations": iters, "baseline_curve_s_estimated": t_base_curve,
        "speedup_mp": t_base_curve / min(t_mp), "speedup_finite": t_base_curve / t_fin,
        "agreement_same_equations_max_rel": float(rel),
        "mp_vs_finite_max_rel": float(np.max(np.abs(curve.test_error / fin.test_error - 1))),
        "ours_mean_n_iter": float(np.mean(curve.n_iter)),
    }
    print(json.dumps(result, indent=2))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
