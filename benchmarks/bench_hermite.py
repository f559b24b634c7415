"""Speed of the numeric Hermite engine against per-coefficient ``scipy.integrate.quad``.

Usage (from the repository root)::

    PYTHONPATH=. python benchmarks/bench_hermite.py [--reps 50] [--baseline-reps 1] [--json]

For ReLU (a callable with its kink declared, so the closed form is NOT used) and tanh (a plain
callable), it times ``theory.hermite_coefficients(f, 40, kinks=...)``: all 41 coefficients with the
refinement pass and the error estimate (median of ``--reps`` calls; the quadrature matrices are
cached across calls, as in real use, the function evaluations are not). The baseline, in the same
process, is one ``scipy.integrate.quad`` per coefficient of
:math:`\\int f(z)He_k(z)\\varphi(z)dz` split at the kinks, with ``epsabs=1e-15, epsrel=1e-13,
limit=200`` (the accuracy the notes measured as equal to ours, ``notes/hermite.md`` §4); its
roundoff warnings are silenced. The reported ratio is baseline time / engine time, and both
maximum errors (orthonormal units, against the closed form for ReLU and a ``dps=40`` result for tanh)
are printed so that "equal accuracy" can be checked.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import time
import warnings

import numpy as np
from scipy import integrate, special

KMAX = 40


def _relu(z):
    return np.maximum(z, 0.0)


CASES = {
    "relu": dict(func=_relu, kinks=(0.0,), scalar=lambda x: max(x, 0.0)),
    "tanh": dict(func=np.tanh, kinks=(), scalar=math.tanh),
}


def engine_time(name: str, reps: int) -> tuple[float, np.ndarray]:
    from theory import hermite_coefficients

    case = CASES[name]
    hermite_coefficients(case["func"], KMAX, kinks=case["kinks"])  # warm the node cache
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        res = hermite_coefficients(case["func"], KMAX, kinks=case["kinks"], basis="orthonormal")
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), res.values


def quad_coefficients(name: str, ks) -> np.ndarray:
    """Orthonormal coefficients by one ``scipy.integrate.quad`` per k, split at the kinks."""
    case = CASES[name]
    f = case["scalar"]
    pts = [-np.inf, *case["kinks"], np.inf] if case["kinks"] else [-np.inf, 0.0, np.inf]
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k in ks:
            norm = math.exp(-0.5 * math.lgamma(k + 1.0))

            def integrand(z, k=k):
                return f(z) * special.eval_hermitenorm(k, z) * math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)

            total = 0.0
            for a, b in zip(pts[:-1], pts[1:]):
                total += integrate.quad(integrand, a, b, epsabs=1e-15, epsrel=1e-13, limit=200)[0]
            out.append(total * norm)
    return np.array(out)


def baseline_time(name: str, reps: int, ks=None) -> tuple[float, np.ndarray]:
    """Seconds for all 41 coefficients by quad (``ks``: a subset, extrapolated by the mean per k)."""
    ks = list(range(KMAX + 1)) if ks is None else list(ks)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        vals = quad_coefficients(name, ks)
        times.append(time.perf_counter() - t0)
    return float(np.median(times)) * (KMAX + 1) / len(ks), vals


def reference(name: str) -> np.ndarray:
    from theory import activation, hermite_coefficients

    if name == "relu":
        return hermite_coefficients("relu", KMAX, basis="orthonormal").values
    return hermite_coefficients(activation(name), KMAX, basis="orthonormal", dps=40).values


def run(reps: int = 50, baseline_reps: int = 1, ks=None) -> dict:
    out = {"kmax": KMAX, "python": platform.python_version(), "machine": platform.machine(), "cases": {}}
    for name in CASES:
        t_engine, v_engine = engine_time(name, reps)
        t_quad, v_quad = baseline_time(name, baseline_reps, ks)
        ref = reference(name)
        idx = list(range(KMAX + 1)) if ks is None else list(ks)
        out["cases"][name] = {
            "engine_ms": 1e3 * t_engine,
            "quad_ms": 1e3 * t_quad,
            "ratio": t_quad / t_engine,
            "engine_max_abs_error": float(np.max(np.abs(v_engine - ref))),
            "quad_max_abs_error": float(np.max(np.abs(v_quad - ref[idx]))),
        }
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=50)
    p.add_argument("--baseline-reps", type=int, default=1)
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    res = run(a.reps, a.baseline_reps)
    if a.json:
        print(json.dumps(res, indent=2))
        return 0
    print(f"all {KMAX + 1} coefficients, orthonormal; Python {res['python']} on {res['machine']}")
    print(f"{'f':6s} {'engine ms':>10s} {'quad ms':>10s} {'ratio':>8s} {'engine err':>11s} {'quad err':>10s}")
    for name, r in res["cases"].items():
        print(f"{name:6s} {r['engine_ms']:10.3f} {r['quad_ms']:10.1f} {r['ratio']:8.0f} "
              f"{r['engine_max_abs_error']:11.1e} {r['quad_max_abs_error']:10.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
