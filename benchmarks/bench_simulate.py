"""Speed of one simulator trial against its unavoidable BLAS work, measured in the same process.

Usage (from the repository root; several minutes at the default sizes on 2 shared cores)::

    PYTHONPATH=. nice python benchmarks/bench_simulate.py --n 4000 --d 2000 --width 2000 --n-test 10000 --repeats 3

One trial (``validation.simulate``, measures overlap, spectrum, ridge; ``n_ridge = n``, ``lam = 0.1``)
is timed against the **floor**: the same-size BLAS/LAPACK calls it cannot avoid, on pre-drawn arrays
(not timed): the step's products :math:`XW^\\top` and :math:`G = D^\\top X`; the spectrum batch's
features :math:`X_sW_1^\\top`, their Gram matrix and its top-``k`` eigenvalues; the ridge features
:math:`X_rW_1^\\top`, :math:`H^\\top H` and one Cholesky factorisation; the test features in chunks.
What the trial adds is the random draws, the activations and the bookkeeping. Trial and floor
alternate ``repeats`` times; the ratio of the minima is the figure reported (the machine is shared,
so minima are the stable statistic), with the median of the per-repeat ratios beside it.

The float32 rows also report the accuracy against float64 on the same draws (the float32 inputs are
the float64 draws rounded): relative differences of the test error and of the top singular values.
The peak traced memory (``tracemalloc``; numpy reports its buffers) is given in units of one
``n x d`` data matrix.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
from scipy import linalg as sla

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import theory  # noqa: E402
from validation import simulate  # noqa: E402
from validation.ridge import CHUNK  # noqa: E402


def floor_time(n, d, p, n_test, dtype, top_k=10, seed=0) -> float:
    """Seconds of the unavoidable BLAS/LAPACK calls of one trial (inputs drawn beforehand)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(dtype)
    W = (rng.standard_normal((p, d)) / math.sqrt(d)).astype(dtype)
    Xt = rng.standard_normal((min(CHUNK, n_test), d)).astype(dtype)
    t0 = time.perf_counter()
    Z = X @ W.T  # step: pre-activations
    G = Z.T @ X  # step: gradient (D^T X with D of the same shape)
    F = X @ W.T  # spectrum batch features
    gram = F.T @ F
    sla.eigh(np.asarray(gram, dtype=float), eigvals_only=True, subset_by_index=[p - top_k, p - 1], driver="evx",
             check_finite=False)
    H = X @ W.T  # ridge features
    gram = np.asarray(H.T @ H, dtype=float)
    sla.cho_factor(gram + 0.1 * np.eye(p), lower=True, check_finite=False)
    done = 0
    while done < n_test:  # test features in chunks
        m = min(CHUNK, n_test - done)
        Xt[:m] @ W.T
        done += m
    del Z, G, F, H
    return time.perf_counter() - t0


def trial(setup, n, n_test, dtype, seed):
    t0 = time.perf_counter()
    sim = simulate(setup, n_ridge=n, lam=0.1, trials=1, seed=seed, n_test=n_test,
                   measures=("overlap", "spectrum", "ridge"), dtype=dtype)
    return time.perf_counter() - t0, sim


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--d", type=int, default=2000)
    ap.add_argument("--width", type=int, default=2000)
    ap.add_argument("--n-test", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", default=None, help="also write the figures to this JSON file")
    ap.add_argument("--threads", type=int, default=None,
                    help="limit BLAS threads (threadpoolctl, optional); 1 is steadier on a shared machine")
    args = ap.parse_args(argv)
    if args.threads is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)
    setup = theory.OneStep(activation="tanh", target="sin", d=args.d, width=args.width, n=args.n, lr=3.0)
    out = {"sizes": vars(args), "rows": []}
    ref = {}
    for dtype in (np.float64, np.float32):
        fl, tr = [], []
        for rep in range(args.repeats):
            fl.append(floor_time(args.n, args.d, args.width, args.n_test, dtype, seed=rep))
            t, sim = trial(setup, args.n, args.n_test, dtype, seed=rep)
            tr.append(t)
            if dtype is np.float64:
                ref[rep] = sim
            else:
                a, b = ref[rep], sim
                acc = {
                    "test_error_rel": float(abs(b.get("test_error")[0] / a.get("test_error")[0] - 1)),
                    "singular_values_rel": float(np.max(np.abs(b.get("feature_singular_values")
                                                               / a.get("feature_singular_values") - 1))),
                    "beta_cos_abs": float(abs(b.get("beta_cos")[0] - a.get("beta_cos")[0])),
                }
                out.setdefault("float32_accuracy", []).append(acc)
        tracemalloc.start()
        trial(setup, args.n, args.n_test, dtype, seed=99)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        unit = args.n * args.d * np.dtype(dtype).itemsize
        row = {"dtype": np.dtype(dtype).name, "trial_s": tr, "floor_s": fl, "ratio_of_minima": min(tr) / min(fl),
               "median_ratio": float(np.median(np.asarray(tr) / np.asarray(fl))), "peak_memory_in_data_matrices": peak / unit}
        out["rows"].append(row)
        print(f"{row['dtype']}: trial min {min(tr):.2f} s, floor min {min(fl):.2f} s, ratio of minima "
              f"{row['ratio_of_minima']:.2f} (median of ratios {row['median_ratio']:.2f}); peak traced memory "
              f"{row['peak_memory_in_data_matrices']:.1f} x (n x d)", flush=True)
    worst = {k: max(a[k] for a in out["float32_accuracy"]) for k in out["float32_accuracy"][0]}
    out["float32_worst"] = worst
    print("float32 vs float64 (same draws), worst over repeats: " + ", ".join(f"{k} {v:.1e}" for k, v in worst.items()))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
