"""Accuracy of the simulator in float32 against float64 on the same draws (paired).

Usage (repository root; about two minutes on two shared cores)::

    PYTHONPATH=. nice python scripts/float32_accuracy.py --json float32_accuracy.json

Both runs use the same seeds; the float32 inputs are the float64 draws rounded, so each difference
is the effect of the precision alone, not Monte Carlo noise. For every measured quantity the
script prints the largest relative difference ``|x32 - x64| / |x64|`` over trials and elements
(``abs`` beside it: the largest absolute difference, the honest figure for quantities near 0 such
as alignments of bulk vectors), over several setups: one giant step with every network measure,
two steps with relu, the two equivalent models, a large n, and a sweep of the ridge fit across the
interpolation threshold (``n_ridge`` around ``width``, penalties down to 0; train errors compared
on the scale of the labels, since an interpolating fit's train error is 0 up to rounding) next to the predicted
condition number that :func:`validation.backend_precision.choose_dtype` uses to switch to float64.
Results: ``docs/benchmarks/simulate.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import theory  # noqa: E402
from validation import simulate  # noqa: E402
from validation.backend_precision import KAPPA_MAX, ridge_condition_estimate  # noqa: E402

NETWORK = ("overlap", "weight_spike", "gradient", "spectrum", "alignment", "spike_count", "neurons", "bulk_edge",
           "ridge")


def setups():
    base = dict(activation="tanh", target="sin", d=400, width=400, n=1200, lr=3.0, noise_var=0.1)
    return {
        "tanh, one giant step, every measure": (
            theory.OneStep(**base),
            dict(measures=NETWORK, top_k=12, n_ridge=[600, 1200], lam=[0.01, 0.1, 1.0])),
        "relu, two steps, gaussian readout": (
            theory.OneStep(**dict(base, activation="relu", steps=2, lr=2.0, readout="gaussian")),
            dict(measures=("overlap", "weight_spike", "spectrum", "neurons", "ridge"), n_ridge=1200, lam=0.1)),
        "spiked RF surrogate (model='srf')": (
            theory.OneStep(**base),
            dict(model="srf", measures=("overlap", "weight_spike", "spectrum", "spike_count", "ridge"), top_k=12,
                 n_ridge=1200, lam=0.1)),
        "equivalent model, degrees 1, 2": (
            theory.OneStep(**base),
            dict(model="equivalent", degrees=(1, 2), measures=("overlap", "spectrum", "spike_count", "bulk_edge",
                                                               "ridge"), top_k=12, n_ridge=1200, lam=0.1)),
        "large n (n = 40000, d = width = 100)": (
            theory.OneStep(**dict(base, d=100, width=100, n=40_000)),
            dict(measures=("overlap", "spectrum", "ridge"), n_ridge=40_000, lam=0.01, n_test=40_000)),
    }


def differences(a, b) -> dict:
    """Per quantity: largest relative and absolute difference of b (float32) from a (float64)."""
    out = {}
    for key in a.records[0]:
        x, y = a.get(key), b.get(key)
        absd = np.abs(y - x)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(np.abs(x) > 0, absd / np.abs(x), np.where(absd > 0, np.inf, 0.0))
        out[key] = {"rel": float(np.max(rel)), "abs": float(np.max(absd))}
    return out


def run_setups(trials, seed):
    rows = {}
    for name, (setup, kw) in setups().items():
        kw = dict(dict(trials=trials, seed=seed, n_test=4000), **kw)
        a = simulate(setup, dtype=np.float64, **kw)
        b = simulate(setup, dtype=np.float32, **kw)
        rows[name] = differences(a, b)
        print(f"\n{name}", flush=True)
        for k, v in rows[name].items():
            print(f"  {k:32s} rel {v['rel']:.1e}  abs {v['abs']:.1e}")
    return rows


def interpolation_sweep(trials, seed, activation="tanh"):
    """Test/train error differences across the interpolation threshold, next to the predicted kappa."""
    width = 300
    setup = theory.OneStep(activation=activation, target="sin", d=300, width=width, n=600, lr=3.0, noise_var=0.1)
    n_ridge = np.array([150, 240, 270, 290, 300, 310, 330, 360, 450, 600])
    lam = np.array([0.0, 1e-4, 1e-3, 1e-2, 1e-1])
    kw = dict(n_ridge=n_ridge, lam=lam, trials=trials, seed=seed, n_test=4000, measures=("ridge",))
    a = simulate(setup, dtype=np.float64, **kw)
    b = simulate(setup, dtype=np.float32, **kw)
    kappa = ridge_condition_estimate(setup.activation, n_ridge, width, a.settings["lam_c"])
    out = []
    scale = float(np.mean(a.get("test_error")[:, -1, -1]))  # label scale: the best fit's test error
    for key in ("test_error", "train_error"):
        x, y = a.get(key), b.get(key)
        if key == "test_error":
            rel = np.max(np.abs(y - x) / np.abs(x), axis=0)  # over trials, shape (len(n_ridge), len(lam))
        else:  # an interpolating fit's train error is 0 up to rounding: compare on the labels' scale
            rel = np.max(np.abs(y - x), axis=0) / scale
        out.append((key, rel))
    rows = []
    print(f"\nridge across the interpolation threshold ({activation}, width = {width}; kappa_max = {KAPPA_MAX:g})")
    print("  n_ridge  lam      kappa_hat  test_rel  train_abs/scale  auto dtype")
    for i, m in enumerate(n_ridge):
        for j, la in enumerate(lam):
            row = {"n_ridge": int(m), "lam": float(la), "kappa_hat": float(kappa[i, j]),
                   "test_error_rel": float(out[0][1][i, j]), "train_error_abs_over_scale": float(out[1][1][i, j]),
                   "auto": "float64" if kappa[i, j] > KAPPA_MAX else "float32"}
            rows.append(row)
            print(f"  {m:7d}  {la:7.0e}  {kappa[i, j]:9.3g}  {row['test_error_rel']:8.1e}  "
                  f"{row['train_error_abs_over_scale']:15.1e}  {row['auto']}")
    ok = [r for r in rows if r["auto"] == "float32"]
    bad = [r for r in rows if r["auto"] == "float64"]
    summary = {"worst_test_rel_where_float32_kept": max(r["test_error_rel"] for r in ok),
               "worst_train_abs_over_scale_where_float32_kept": max(r["train_error_abs_over_scale"] for r in ok),
               "worst_test_rel_where_switched": max((r["test_error_rel"] for r in bad), default=0.0)}
    print("  " + ", ".join(f"{k} {v:.1e}" for k, v in summary.items()))
    return {"rows": rows, "summary": summary}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default=None, help="also write the figures to this JSON file")
    ap.add_argument("--only", choices=("setups", "sweep"), default=None)
    args = ap.parse_args(argv)
    out = {}
    if args.only in (None, "setups"):
        out["setups"] = run_setups(args.trials, args.seed)
    if args.only in (None, "sweep"):
        out["interpolation"] = {act: interpolation_sweep(args.trials, args.seed, act) for act in ("tanh", "relu")}
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
