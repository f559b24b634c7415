"""Sweep speed-up on worker processes, as ratios measured in one process.

Runs the same sweep (24 tasks) three ways and reports wall-clock ratios against the sequential run:
in this process with one BLAS thread, on 1 worker process and on 2 worker processes (spawned,
one BLAS thread each, start-up included). It also checks that the three give identical numbers.

Usage (from the repository root)::

    PYTHONPATH=. python benchmarks/bench_sweep.py [--task simulate|matmul] [--tasks 8] [--d 800] [--json]

``--task simulate`` (the default when ``validation.simulate`` exists) runs real one-step
simulations (by default the default comparison's size: d = width = 400, n = 20d = 8000, n_ridge = 2d,
one trial each; ``--d`` changes d); ``matmul`` runs a fixed
BLAS workload of the same kind (25 products of 2000 x 400 by 400 x 400 matrices per task).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np


def matmul_task(params, seed):
    """A BLAS-bound task: repeated products of n x d and d x p Gaussian matrices."""
    rng = np.random.default_rng(seed)
    n, d = int(params["n"]), int(params["d"])
    X = rng.standard_normal((n, d))
    W = rng.standard_normal((d, d)) / np.sqrt(d)
    acc = 0.0
    for _ in range(int(params.get("reps", 12))):
        H = np.tanh(X @ W)
        W = W + 1e-3 * (X.T @ H) / n
        acc += float(H[0, 0])
    return {"acc": acc}


def config(kind: str, n_tasks: int, d: int = 400) -> dict:
    if kind == "matmul":
        return {"sweep": {"task": "benchmarks.bench_sweep:matmul_task", "seed": 5},
                "base": {"n": 2000, "d": 400, "reps": 25}, "grid": {"x": list(range(n_tasks))}}
    return {"sweep": {"task": "simulate", "seed": 5},
            "base": {"activation": "tanh", "target": "sin", "d": d, "width": d, "n": 20 * d,
                     "n_ridge": 2 * d, "lam": 0.1, "trials": 1, "n_test": 5000},
            "grid": {"lr": [0.5 + 0.25 * i for i in range(n_tasks)]}}


def main(argv=None) -> int:
    from threadpoolctl import threadpool_limits

    from validation.sweep import SweepConfig, blas_env, run_sweep

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", choices=("simulate", "matmul"), default=None)
    ap.add_argument("--tasks", type=int, default=24)
    ap.add_argument("--d", type=int, default=400, help="input dimension of the simulate task (width = d, n = 20d)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    kind = args.task
    if kind is None:
        try:
            import validation.simulate  # noqa: F401
            kind = "simulate"
        except ImportError:
            kind = "matmul"
    cfg = SweepConfig.from_dict(config(kind, args.tasks, args.d))
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with threadpool_limits(limits=1):
            t = time.perf_counter()
            seq = run_sweep(cfg, tmp / "seq.jsonl", progress=False, allow_code=True)
            out["sequential_s"] = time.perf_counter() - t
        results = {"sequential": [r.get("result") for r in seq.records]}
        for k in (1, 2):
            t = time.perf_counter()  # each run starts its own spawned workers: start-up included
            with blas_env(1):
                ex = ProcessPoolExecutor(k, mp_context=multiprocessing.get_context("spawn"))
            with ex:
                res = run_sweep(cfg, tmp / f"w{k}.jsonl", executor=ex, blas_threads=1, progress=False,
                                allow_code=True)
            out[f"workers{k}_s"] = time.perf_counter() - t
            results[f"workers{k}"] = [r.get("result") for r in res.records]
    out["task"] = kind
    out["n_tasks"] = args.tasks
    if kind == "simulate":
        out["d"] = args.d
    out["speedup_2_vs_1_workers"] = out["workers1_s"] / out["workers2_s"]
    out["speedup_2_workers_vs_sequential"] = out["sequential_s"] / out["workers2_s"]
    out["identical_numbers"] = results["sequential"] == results["workers1"] == results["workers2"]
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        for k, v in out.items():
            print(f"{k:34s} {v:.3f}" if isinstance(v, float) else f"{k:34s} {v}")
    return 0 if out["identical_numbers"] else 1


if __name__ == "__main__":
    sys.exit(main())
