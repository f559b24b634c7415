"""``onegrad simulate --activation tanh --target sin --d 500 --width 500 --n 2000 --lr 3 --n-ridge 1000 --lam 0.1 [--trials T] [--seed S] [--json]``."""

from __future__ import annotations

import sys

import numpy as np

__all__ = ["register", "run"]


def register(sub) -> None:
    p = sub.add_parser("simulate", help="Monte Carlo of one step then ridge: estimates over trials")
    p.add_argument("--activation", default="tanh", help="student activation (default tanh)")
    p.add_argument("--target", default="sin", help="target link (default sin)")
    p.add_argument("--d", type=float, default=500, help="input dimension (default 500)")
    p.add_argument("--width", type=float, default=500, help="number of neurons (default 500)")
    p.add_argument("--n", type=float, default=2000, help="batch size of the step (default 2000)")
    p.add_argument("--lr", type=float, default=1.0, help="per-neuron step tau (default 1)")
    p.add_argument("--noise-var", type=float, default=0.0, help="label-noise variance (default 0)")
    p.add_argument("--readout", default="constant", help="gaussian | rademacher | symmetric | constant")
    p.add_argument("--init", default="sphere", help="sphere | gaussian")
    p.add_argument("--residual", default="full", help="full | labels")
    p.add_argument("--steps", type=int, default=1, help="number of steps (default 1)")
    p.add_argument("--n-ridge", type=float, default=None, help="ridge samples (default: no ridge)")
    p.add_argument("--lam", type=float, default=None, help="ridge penalty lam_C (default 0)")
    p.add_argument("--trials", type=int, default=3, help="trials (default 3)")
    p.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    p.add_argument("--n-test", type=int, default=10_000, help="test points per trial (default 10000)")
    p.add_argument("--measures", default="overlap,spectrum,ridge", help="comma-separated: overlap,weight_spike,spectrum,ridge")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    import theory
    from ..cli import emit
    from ..simulate import simulate

    setup = theory.OneStep(activation=args.activation, target=args.target, d=args.d, width=args.width, n=args.n,
                           lr=args.lr, noise_var=args.noise_var, readout=args.readout, init=args.init,
                           residual=args.residual, steps=args.steps)
    sim = simulate(setup, n_ridge=args.n_ridge, lam=args.lam, trials=args.trials, seed=args.seed, n_test=args.n_test,
                   measures=tuple(m for m in args.measures.split(",") if m))
    lines = [f"# onegrad simulate: {sim.sizes}, lr={setup.lr:g}, {args.trials} trials, seed {args.seed} "
             f"({sim.elapsed_s:.1f} s); test_error includes label noise, test_risk does not",
             f"{'quantity':26s} {'mean':>12s} {'se':>10s}   95% interval"]
    for k, e in sim.summary.items():
        for j, (m, se, lo, hi) in enumerate(zip(*(np.ravel(np.asarray(getattr(e, f), dtype=float))
                                                  for f in ("mean", "se", "ci_low", "ci_high")))):
            name = k if np.ndim(e.mean) == 0 else f"{k}[{j}]"
            lines.append(f"{name:26s} {m:12.6g} {se:10.3g}   [{lo:.6g}, {hi:.6g}]")
    emit(sim.to_dict(), as_json=args.json, text="\n".join(lines))
    return 0
