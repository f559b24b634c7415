"""Speed of the full two-step weight prediction (``theory.two_step_spikes``, Moniri & Hassani 2026,
arXiv:2605.17767) against one simulated trial of the same experiment, in the same process.

For each setup the script times ``theory.two_step_spikes(setup)`` (count, singular values, overlaps and
captured fraction of beta*) cold (its caches cleared where it has any, first call) and warm (least of
``--repeat`` calls), and the baseline: one Monte Carlo trial of the two steps at d = N = 500, n = 1000
(``validation.simulate``, measure ``weight_spectrum``, float64), which is what one simulated point needs
at least. Target (issue 15): under 50 ms per prediction.

Times are CPU times of this process (``time.process_time``, least of the repeats) with one BLAS thread, so
that a loaded shared machine does not inflate them; ``--wall`` uses wall-clock time instead.

Usage (from the repository root)::

    PYTHONPATH=. nice python benchmarks/bench_two_step.py [--repeat 20] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # before numpy loads BLAS
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

CLOCK = time.process_time


def _best(fn, repeat):
    best = math.inf
    for _ in range(repeat):
        t0 = CLOCK()
        fn()
        best = min(best, CLOCK() - t0)
    return best


def setups():
    import theory

    soft = theory.activation("softplus", scale=3.0, amplitude=1.0 / 3.0)
    common = dict(d=1000, width=1000, n=2000)
    return {
        "softplus(3z)/3, z + He_2/2, (0.375, 0.45), fresh": theory.OneStep.from_moniri_hassani(
            alpha=(0.375, 0.45), activation=soft, target="z + He(2, z)/2", **common),
        "softplus(3z)/3, He_2/2 + He_3/sqrt(12), (0.375, 0.45), reused": theory.OneStep.from_moniri_hassani(
            alpha=(0.375, 0.45), activation=soft, target="He(2, z)/2 + He(3, z)/sqrt(12)", reuse_batch=True, **common),
        "tanh, tanh, (0.4, 0.35), reused": theory.OneStep.from_moniri_hassani(
            alpha=(0.4, 0.35), activation="tanh", target="tanh", reuse_batch=True, **common),
    }


def _clear_caches():
    """Clear the lru caches of the theory modules the prediction reads (a cold call)."""
    import sys

    for name, mod in list(sys.modules.items()):
        if not name.startswith("theory"):
            continue
        for obj in list(vars(mod).values()):
            clear = getattr(obj, "cache_clear", None)
            if callable(clear):
                clear()


def main(argv=None) -> int:
    import theory
    from validation.simulate import simulate

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--wall", action="store_true", help="wall-clock time instead of CPU time")
    args = ap.parse_args(argv)
    global CLOCK
    if args.wall:
        CLOCK = time.perf_counter
    base = theory.OneStep.from_moniri_hassani(alpha=(0.375, 0.45), d=500, width=500, n=1000,
                                              activation=theory.activation("softplus", scale=3.0, amplitude=1 / 3),
                                              target="z + He(2, z)/2")
    simulate(base, trials=1, seed=0, measures=("weight_spectrum",), top_k=8, dtype=np.float64)  # warm up
    t_trial = _best(lambda: simulate(base, trials=1, seed=0, measures=("weight_spectrum",), top_k=8,
                                     dtype=np.float64), max(2, args.repeat // 5))
    rows = []
    for name, s in setups().items():
        _clear_caches()
        t0 = CLOCK()
        theory.two_step_spikes(s)
        t_cold = CLOCK() - t0
        t_warm = _best(lambda: theory.two_step_spikes(s), args.repeat)
        rows.append({"setup": name, "cold_ms": 1e3 * t_cold, "warm_ms": 1e3 * t_warm,
                     "trial_over_cold": t_trial / t_cold, "trial_over_warm": t_trial / t_warm})
    out = {"clock": "wall" if args.wall else "cpu", "trial_d500_ms": 1e3 * t_trial, "rows": rows, "target_ms": 50.0}
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"{out['clock']} time; baseline: one simulated trial of two steps at d = N = 500, n = 1000: "
              f"{out['trial_d500_ms']:.0f} ms")
        print("| setup | cold (ms) | warm (ms) | one trial / cold | one trial / warm |")
        print("|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['setup']} | {r['cold_ms']:.1f} | {r['warm_ms']:.2f} | {r['trial_over_cold']:.0f} | "
                  f"{r['trial_over_warm']:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
