"""Speed of the giant-step theory: learnable subspaces, leap index and staircase for r <= 4.

Usage (from the repository root)::

    PYTHONPATH=. python benchmarks/bench_giant_step.py [--reps 5] [--json]

For each target it times, with every cache cleared before each repetition (cold), the full answer
``learnable_subspace`` (l = 1..3) + ``leap_index`` + ``staircase(steps=r)`` + ``error_table``, on the
exact path (polynomial expression) and on the numeric path (the same target as a callable). Ratios are
taken in the same process against a baseline: the exact Hermite tensors computed the naive way (expand
``g * He_k(x)_i`` for every index tuple and take Gaussian moments), which is what the moment formula of
``theory.multi_hermite`` replaces.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import platform
import sys
import time

import numpy as np
import sympy

TARGETS = [
    ("z1 + z1*z2", 2),
    ("(4*z1 + z1**2 + z2)/2", 2),
    ("z1 + z1*z2 + z1*z2*z3", 3),
    ("z1*z2*z3 + He(2, z1)", 3),
    ("z1 + z1*z2 + z1*z2*z3 + z1*z2*z3*z4", 4),
    ("He(2, z1) + He(2, z2) + z3*z4 + z1*z2*z3", 4),
]


def clear_caches():
    from theory import floors, giant_step, multi_hermite, subspaces  # noqa: F401

    multi_hermite._exact_tensor.cache_clear()
    multi_hermite._numeric_tensors.cache_clear()
    multi_hermite._identity_grid.cache_clear()
    multi_hermite._numeric_second_moment.cache_clear()
    giant_step._target_data.cache_clear()


def full_answer(t):
    import theory

    r = t.r
    for ell in (1, 2, 3):
        theory.learnable_subspace(t, ell)
    theory.leap_index(t, kmax=max(3, t.degree or 3))
    sc = theory.staircase(t, r)
    theory.error_table(t, steps=r, ells=(2,))
    return list(sc)


def naive_tensors(t, kmax):
    """C_k by expanding g * He_k(x)_i for each index tuple and taking Gaussian moments (the baseline)."""
    from theory.multi_index.tensors import gaussian_moment

    x = t.symbols
    out = []
    for k in range(kmax + 1):
        vals = {}
        for idx in itertools.product(range(t.r), repeat=k):
            he = sympy.Integer(1)
            for j in range(t.r):
                he *= sympy.hermite_prob(idx.count(j), x[j])
            p = sympy.Poly(sympy.expand(t.expr * he), *x)
            vals[idx] = sum(c * math.prod(gaussian_moment(a) for a in m) for m, c in p.terms())
        out.append(vals)
    return out


def timed(fn, reps):
    best = math.inf
    for _ in range(reps):
        clear_caches()
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv=None) -> int:
    import theory

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    rows = []
    for expr, r in TARGETS:
        t = theory.MultiIndexTarget(expr, r)
        u = theory.MultiIndexTarget(lambda Z, t=t: t(Z), r)
        dims_e = full_answer(t)
        dims_n = full_answer(u)
        t_exact = timed(lambda: full_answer(t), args.reps)
        t_numeric = timed(lambda: full_answer(u), 1)
        ls_e = timed(lambda: theory.learnable_subspace(t, 2), args.reps)
        sc_e = timed(lambda: theory.staircase(t, r), args.reps)
        ls_n = timed(lambda: theory.learnable_subspace(u, 2), 1)
        sc_n = timed(lambda: theory.staircase(u, r), 1)
        t_tensors = timed(lambda: theory.hermite_tensors(t, t.degree), args.reps)
        t_naive = timed(lambda: naive_tensors(t, t.degree), max(1, args.reps // 2))
        rows.append(dict(target=expr, r=r, dims=dims_e, numeric_dims_agree=dims_e == dims_n,
                         learnable_exact_s=ls_e, staircase_exact_s=sc_e, learnable_numeric_s=ls_n,
                         staircase_numeric_s=sc_n, exact_s=t_exact, numeric_s=t_numeric, tensors_s=t_tensors, naive_tensors_s=t_naive,
                         tensor_speedup=t_naive / t_tensors, numeric_over_exact=t_numeric / t_exact))
    info = dict(python=sys.version.split()[0], numpy=np.__version__, sympy=sympy.__version__,
                machine=platform.machine(), reps=args.reps)
    if args.json:
        print(json.dumps({"rows": rows, "info": info}, indent=2))
        return 0
    print("| target | r | staircase dims | learnable l=2 exact / numeric (s) | staircase exact / numeric (s) | "
          "full answer exact / numeric (s) | tensors: moments vs naive (s) | speed-up |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| `{row['target']}` | {row['r']} | {row['dims']} | {row['learnable_exact_s']:.4f} / "
              f"{row['learnable_numeric_s']:.3f} | {row['staircase_exact_s']:.4f} / {row['staircase_numeric_s']:.3f} | "
              f"{row['exact_s']:.4f} / {row['numeric_s']:.2f} | {row['tensors_s']:.5f} vs {row['naive_tensors_s']:.4f} | "
              f"{row['tensor_speedup']:.0f}x |")
    print(f"\n{info}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
