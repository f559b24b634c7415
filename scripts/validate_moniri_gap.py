"""Locate the gap between the network and Moniri et al.'s equivalent model (issue 13, item 3).

Usage (repository root; niced, about a minute per trial at d = 1000 on 2 shared cores)::

    PYTHONPATH=. nice python scripts/validate_moniri_gap.py run --d 500 --trials 8 --out moniri_gap.jsonl
    PYTHONPATH=. nice python scripts/validate_moniri_gap.py run --d 1000 --trials 4 --out moniri_gap.jsonl
    PYTHONPATH=. python scripts/validate_moniri_gap.py report --inputs moniri_gap.jsonl

Setting: ``scripts/validate_risk.py moniri`` (sigma = tanh(z + 1/2) centred, target He1 + He2/2, label noise
0.0625, Gaussian readout, r = y, n = 2d step samples, N = d, eta = n^alpha), alpha = 0.355 (spike degrees
1, 2, 3) unless ``--exponent``. Within a trial every model shares W0, s, the step batch (so beta), and the
ridge and test data; the ridge test error at lam = 0.1 is averaged over n_ridge/d in {0.5, 1, 2, 3}. Models
(``docs/derivations/moniri_gap.md``), with :math:`u = W_0x`, :math:`t_i = \\tau c_1 s_i\\,(\\beta\\cdot x)`:

* ``network``: :math:`\\sigma(W_1x)`;
* ``rank1``: :math:`\\sigma(u + t)`, the step's rank-one part only (no isotropic part);
* ``taylor_fluct``: :math:`\\sigma(u) + \\sum_{k\\le K}\\sigma^{(k)}(u)\\,t^k/k!` (the per-neuron derivatives);
* ``fluct1``: the equivalent model with its degree-1 term :math:`c_1 t` replaced by :math:`\\sigma'(u)\\,t`;
* ``equivalent_all``, ``equivalent_5``, ``equivalent_4``: the equivalent model with the degrees 1..8, 1..5,
  1..4 (mean derivatives to that order);
* ``equivalent``: Moniri's :math:`\\sigma(u) + \\sum_{k\\in K}c_kt^k` with the interval theorem's degrees K.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import theory  # noqa: E402
from validate_risk import MONIRI_ALPHAS, MONIRI_LAM, chunked_step, curve_errors, moniri_setup  # noqa: E402
from validation import seeding  # noqa: E402
from validation.simulate import draw_data, draw_initial  # noqa: E402

MODELS = ("network", "rank1", "taylor_fluct", "fluct1", "equivalent_all", "equivalent_5", "equivalent_4", "equivalent")
ALL_DEGREES = tuple(range(1, 9))


def _derivatives(act, Z, kmax):
    """sigma^(k)(Z), k = 0..kmax, for sigma = tanh(z + b) - const (closed-form tanh derivatives)."""
    prm = act.params
    if act.entry != "tanh" or prm.get("scale", 1.0) != 1.0 or prm.get("amplitude", 1.0) != 1.0:
        raise ValueError("taylor_fluct is written for tanh(z + shift) - const only")
    shift = prm.get("shift", 0.0)
    T = np.tanh(Z + shift)
    # d/dz P(T) = P'(T) (1 - T^2): polynomials in T
    polys = [np.polynomial.Polynomial([0.0, 1.0])]
    for _ in range(kmax):
        p = polys[-1]
        polys.append(p.deriv() * np.polynomial.Polynomial([1.0, 0.0, -1.0]))
    out = [np.asarray(act(Z), dtype=float)]
    out += [p(T) for p in polys[1:]]
    return out


def features(name, setup, W0, W1, s, beta, X, degrees, ck, c1):
    act = setup.activation
    U = X @ W0.T
    if name == "network":
        return np.asarray(act(X @ W1.T), dtype=float)
    t = np.outer(X @ beta, setup.lr * c1 * s)
    if name == "rank1":
        return np.asarray(act(U + t), dtype=float)
    if name == "taylor_fluct":
        ders = _derivatives(act, U, max(degrees))
        F = ders[0]
        for k in range(1, max(degrees) + 1):
            F = F + ders[k] * t**k / math.factorial(k)
        return F
    F = np.asarray(act(U), dtype=float)
    degs = {"equivalent_all": ALL_DEGREES, "equivalent_5": tuple(range(1, 6)),
            "equivalent_4": tuple(range(1, 5))}.get(name, degrees)
    for k in degs:
        if k == 1 and name == "fluct1":
            F = F + np.asarray(act.deriv(U), dtype=float) * t
        else:
            F = F + ck[k] * t**k
    return F


def run_trial(d, trial, seed, n_test, exponent):
    setup = moniri_setup(d, exponent)
    tseq = seeding.trial_sequence(seeding.task_sequence(seed, f"moniri-gap-d{d}-alpha{exponent:g}"), trial)
    init = draw_initial(setup, tseq)
    W0, s = init.W0, init.s
    W1, beta = chunked_step(W0, s, setup, seeding.role_generator(tseq, "step", 0), seeding.role_generator(tseq, "noise", 0))
    degrees = tuple(theory.spike_degrees(setup.moniri_alpha, setup.activation).degrees)
    ck = np.asarray(theory.hermite_coefficients(setup.activation, max(ALL_DEGREES), basis="series").values)
    c1 = float(theory.gaussian_moments(setup.activation).deriv_mean)
    n_pool = int(round(max(MONIRI_ALPHAS) * d))
    Xr, yr, _ = draw_data(setup, n_pool, seeding.role_generator(tseq, "ridge"), seeding.role_generator(tseq, "noise", 1))
    Xt, yt, ft = draw_data(setup, n_test, seeding.role_generator(tseq, "test"), seeding.role_generator(tseq, "noise", 2))
    rec = {"d": d, "trial": trial, "exponent": exponent, "degrees": list(degrees), "alphas": list(MONIRI_ALPHAS),
           "beta_norm_sq": float(beta @ beta)}
    for name in MODELS:
        H = features(name, setup, W0, W1, s, beta, Xr, degrees, ck, c1)
        Ht = features(name, setup, W0, W1, s, beta, Xt, degrees, ck, c1)
        errs = curve_errors(H, yr, Ht, yt, ft, MONIRI_ALPHAS, d, [MONIRI_LAM])
        rec[name] = {k: [v[0] for v in errs[k]] for k in ("test_error", "train_error")}
    return rec


def run(args) -> int:
    out = Path(args.out)
    done = set()
    if out.exists():
        for line in out.read_text().splitlines():
            r = json.loads(line)
            done.add((r["d"], r["trial"], r["exponent"]))
    for d in args.d:
        for t in range(args.first, args.first + args.trials):
            if (d, t, args.exponent) in done:
                continue
            t0 = time.time()
            rec = run_trial(d, t, args.seed, args.n_test, args.exponent)
            rec["seconds"] = time.time() - t0
            with out.open("a") as fh:
                fh.write(json.dumps(rec) + "\n")
            gaps = {m: np.mean(np.array(rec["network"]["test_error"]) / np.array(rec[m]["test_error"]) - 1)
                    for m in MODELS[1:]}
            print(f"d={d} trial {t} ({rec['seconds']:.0f}s): network/model - 1 "
                  + ", ".join(f"{m} {g:+.2%}" for m, g in gaps.items()), flush=True)
    return 0


def _interval(x):
    x = np.asarray(x, dtype=float)
    if x.size < 2:
        return float(np.mean(x)), float("nan")
    from scipy import stats

    return float(np.mean(x)), float(stats.t.ppf(0.975, x.size - 1) * np.std(x, ddof=1) / math.sqrt(x.size))


def report(args) -> int:
    recs = [json.loads(line) for p in args.inputs for line in Path(p).read_text().splitlines() if line.strip()]
    recs = [r for r in recs if r["exponent"] == args.exponent]
    sizes = sorted({r["d"] for r in recs})
    for kind in ("test_error", "train_error"):
        print(f"\n{kind}: paired network/model - 1, mean over n_ridge/d, 95% t-interval over trials\n")
        print("| model | " + " | ".join(f"d = {d} ({sum(r['d'] == d for r in recs)} trials)" for d in sizes) + " |")
        print("|---|" + "---|" * len(sizes))
        for m in MODELS[1:]:
            cells = []
            for d in sizes:
                g = [np.mean(np.array(r["network"][kind]) / np.array(r[m][kind]) - 1) for r in recs if r["d"] == d]
                mu, hw = _interval(g)
                cells.append(f"{mu:+.2%} ± {hw:.2%}")
            print(f"| {m} | " + " | ".join(cells) + " |")
        print(f"\n{kind}: paired model/equivalent - 1 (the effect of the model's extra term)\n")
        print("| model | " + " | ".join(f"d = {d}" for d in sizes) + " |")
        print("|---|" + "---|" * len(sizes))
        for m in MODELS[:-1]:
            cells = []
            for d in sizes:
                g = [np.mean(np.array(r[m][kind]) / np.array(r["equivalent"][kind]) - 1) for r in recs if r["d"] == d]
                mu, hw = _interval(g)
                cells.append(f"{mu:+.2%} ± {hw:.2%}")
            print(f"| {m} | " + " | ".join(cells) + " |")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--d", type=int, nargs="+", default=[500])
    r.add_argument("--trials", type=int, default=4)
    r.add_argument("--first", type=int, default=0)
    r.add_argument("--exponent", type=float, default=0.355)
    r.add_argument("--seed", type=int, default=2024)
    r.add_argument("--n-test", type=int, default=5000)
    r.add_argument("--out", default="moniri_gap.jsonl")
    p = sub.add_parser("report")
    p.add_argument("--inputs", nargs="+", default=["moniri_gap.jsonl"])
    p.add_argument("--exponent", type=float, default=0.355)
    args = ap.parse_args(argv)
    return run(args) if args.cmd == "run" else report(args)


if __name__ == "__main__":
    raise SystemExit(main())
