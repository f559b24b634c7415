"""Speed of a full spike prediction, as ratios against baselines measured in the same process.

For each setup the script times ``setup.spikes()`` (the finite-size deterministic equivalent,
``docs/spikes.md`` §5: Hermite data, bulk edge, secular roots, alignments), the leading-order law
(``method="leading"``), and two baselines: a fixed BLAS workload (``numpy.linalg.eigvalsh`` of a
400 x 400 symmetric matrix) and the top singular values of one feature matrix of the simulated size
(what one Monte Carlo trial needs at least).

Usage (from the repository root)::

    PYTHONPATH=. python benchmarks/bench_spikes.py [--repeat 20] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np


def _best(fn, repeat):
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def setups():
    import theory

    poly = theory.activation("polynomial", coeffs=[0, 1, 0.5, 0.3, 0.2], coeff_basis="hermite")
    common = dict(target="tanh", d=1000, width=1000, n=2000, residual="labels")
    return {
        "tanh, gaussian readout, alpha=0.3": theory.OneStep.from_moniri(alpha=0.3, activation="tanh", **common),
        "relu, gaussian readout, alpha=0.3": theory.OneStep.from_moniri(alpha=0.3, activation="relu", **common),
        "polynomial, rademacher, alpha=0.35": theory.OneStep.from_moniri(alpha=0.35, activation=poly,
                                                                         readout="rademacher", **common),
        "tanh, full residual, alpha=0.2": theory.OneStep.from_moniri(alpha=0.2, activation="tanh",
                                                                     **{**common, "residual": "full"}),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    A = rng.standard_normal((400, 400))
    A = A + A.T
    t_eig = _best(lambda: np.linalg.eigvalsh(A), args.repeat)
    F = np.tanh(rng.standard_normal((2000, 1000)) @ (rng.standard_normal((1000, 1000)) / math.sqrt(1000)))
    t_svd = _best(lambda: np.linalg.svd(F / math.sqrt(2000), compute_uv=False), max(3, args.repeat // 5))
    rows = []
    for name, s in setups().items():
        s.spikes()  # warm the caches (quadrature rules)
        t_fin = _best(lambda: s.spikes(), args.repeat)
        t_lead = _best(lambda: s.spikes(method="leading"), args.repeat)
        rows.append({"setup": name, "finite_ms": 1e3 * t_fin, "leading_ms": 1e3 * t_lead,
                     "finite_over_eigh400": t_fin / t_eig, "svd_over_finite": t_svd / t_fin})
    out = {"eigh400_ms": 1e3 * t_eig, "svd_2000x1000_ms": 1e3 * t_svd, "rows": rows}
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"baselines: eigvalsh 400x400 {out['eigh400_ms']:.2f} ms, singular values of one 2000x1000 F "
              f"{out['svd_2000x1000_ms']:.0f} ms")
        print("| setup | finite (ms) | leading (ms) | finite / eigh400 | one SVD / finite |")
        print("|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['setup']} | {r['finite_ms']:.1f} | {r['leading_ms']:.1f} | {r['finite_over_eigh400']:.1f} | "
                  f"{r['svd_over_finite']:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
