"""Cost of Gaussian-mixture inputs: the theory's against the simulation's, and the simulator's overhead.

Usage (from the repository root)::

    PYTHONPATH=. OPENBLAS_NUM_THREADS=1 nice python benchmarks/bench_mixtures.py [--d 1000] [--repeats 3] [--json]

At Demir & Dogan's Figure-1 point (arXiv:2503.00856; beta = 0.74, alpha = 1/2, d = n = n_ridge = width,
ReLU, ``theory.mixtures.demir_dogan_setup``), in one process, least CPU time of ``--repeats`` (one BLAS
thread):

* ``simulate``: one Monte Carlo trial of ``validation.simulate`` (step, ridge, 5 n test points) on the mixture;
* ``simulate_isotropic``: the same trial with ``data=None`` -- the ratio is the mixture's overhead;
* ``draw``: ``draw_inputs`` of an n x d batch from the mixture against ``rng.standard_normal((n, d))``;
* ``theory``: ``theory.risk`` on the mixture setup, timed only when the library has a mixture regime (a
  refusal or an isotropic answer is reported as "not available", never timed as if it were the theory);
  the headline is simulation time / theory time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402


def best(fn, repeats: int) -> float:
    """Least CPU time of ``repeats`` calls (process time: one BLAS thread, so it does not count the other
    processes of a shared machine, as wall-clock time would)."""
    times = []
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return min(times)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--d", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if not 20 <= args.d <= 20000 or not 1 <= args.repeats <= 100:
        ap.error("--d must be in [20, 20000] and --repeats in [1, 100]")

    from theory.mixtures import demir_dogan_setup
    from validation.reproductions.demir_dogan2025 import LAM, library_risk
    from validation.simulate import draw_inputs, simulate

    d = args.d
    setup = demir_dogan_setup(d, d, d, beta=0.74, alpha=0.5, seed=0)
    iso = setup.with_(data=None)
    kw = dict(n_ridge=d, lam=LAM * d, trials=1, n_test=5 * d, measures=("ridge",), dtype="float64")
    out = {"d": d, "repeats": args.repeats, "machine": platform.platform(), "numpy": np.__version__,
           "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS")}
    out["simulate_s"] = best(lambda: simulate(setup, seed=1, **kw), args.repeats)
    out["simulate_isotropic_s"] = best(lambda: simulate(iso, seed=1, **kw), args.repeats)
    out["mixture_overhead"] = out["simulate_s"] / out["simulate_isotropic_s"]
    rng = np.random.default_rng(0)
    out["draw_mixture_s"] = best(lambda: draw_inputs(setup, d, rng), 5 * args.repeats)
    out["draw_isotropic_s"] = best(lambda: rng.standard_normal((d, d)), 5 * args.repeats)
    out["draw_ratio"] = out["draw_mixture_s"] / out["draw_isotropic_s"]
    res, reason = library_risk(setup, LAM * d)
    if res is None:
        out["theory"] = f"not available: {reason}"
    else:
        out["theory_s"] = best(lambda: library_risk(setup, LAM * d), args.repeats)
        out["theory_method"] = res[2]
        out["simulation_over_theory"] = out["simulate_s"] / out["theory_s"]
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        for k, v in out.items():
            print(f"{k:24s} {v:.4g}" if isinstance(v, float) else f"{k:24s} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
