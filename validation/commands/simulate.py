"""``onegrad simulate [setup options] [--n-ridge 1000] [--lam 0.1] [--trials T] [--seed S] [--json]``.

The setup options are those of every command (:mod:`validation.commands._setup_args`): by default
``theory.OneStep()`` (d = 1000, width = d, n = 2 d, lr = 1, tanh student and target).

Runs :func:`validation.simulate` and prints one row per quantity (mean, standard error, 95%
t-interval over trials). ``--n-ridge`` and ``--lam`` accept comma-separated lists (a learning
curve). A tqdm progress bar over trials is shown on stderr when tqdm is installed and stderr is a
terminal.
"""

from __future__ import annotations

import numpy as np

from ._checks import positive_int
from ._setup_args import add_setup_arguments, setup_from_args

__all__ = ["register", "run"]


def _floats(text: str, name: str):
    try:
        vals = [float(v) for v in str(text).split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"--{name} must be a number or a comma-separated list of numbers; got {text!r}") from None
    if not vals:
        raise ValueError(f"--{name} must name at least one number; got {text!r}")
    return vals[0] if len(vals) == 1 else np.asarray(vals)


def _sizes(text: str, name: str):
    """``--n-ridge``: one positive integer or a comma-separated list of them (``2.5`` is refused)."""
    from ._checks import integer_size

    vals = _floats(text, name)
    arr = [integer_size(v, f"--{name}") for v in np.atleast_1d(vals)]
    return arr[0] if len(arr) == 1 else np.asarray(arr)


def add_memory_argument(p) -> None:
    """``--max-memory GIB``: the limit of the memory guard (validation.resources)."""
    p.add_argument("--max-memory", type=float, default=None, metavar="GIB",
                   help="refuse a simulation whose estimated peak memory exceeds GIB (default: the memory available now)")


def register(sub) -> None:
    p = sub.add_parser("simulate", help="Monte Carlo of one step then ridge: estimates over trials")
    add_setup_arguments(p, integer_sizes=True)
    r = p.add_mutually_exclusive_group()
    r.add_argument("--n-ridge", default=None, help="ridge samples, or a comma-separated list (default: no ridge)")
    r.add_argument("--n-ridge-ratio", default=None, help="n_ridge/d, or a comma-separated list, instead of --n-ridge")
    p.add_argument("--lam", default=None, help="ridge penalty, or a comma-separated list (default 0)")
    p.add_argument("--lam-convention", default="reference",
                   help="how --lam is read: reference | cui | dandi | ba | moniri | per_sample (default reference)")
    p.add_argument("--model", default="network", help="network | equivalent | srf (default network)")
    p.add_argument("--center-labels", action="store_true", help="remove the labels' mean and linear part (Dandi)")
    p.add_argument("--reuse", action="store_true", help="fit the ridge readout on the step batch")
    p.add_argument("--trials", type=positive_int, default=3, help="trials (default 3)")
    p.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    p.add_argument("--n-test", type=positive_int, default=10_000, help="test points per trial (default 10000)")
    p.add_argument("--top-k", type=positive_int, default=10, help="singular values recorded by spectrum (default 10)")
    p.add_argument("--dtype", default="auto", help="auto | float64 | float32 (default auto: float32 unless the ridge "
                                                   "system is ill-conditioned; docs/benchmarks/simulate.md)")
    p.add_argument("--workers", type=positive_int, default=1, help="threads running trials (default 1)")
    p.add_argument("--measures", default="overlap,spectrum,ridge",
                   help="comma-separated: overlap,weight_spike,spectrum,ridge,gradient,alignment,spike_count,neurons,bulk_edge")
    add_memory_argument(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def _guard(setup, kw: dict, max_memory) -> int:
    """The memory guard of validation.resources, before any work (the message names --max-memory)."""
    from ..resources import check_simulation_memory

    if max_memory is not None and not (0 < max_memory < float("inf")):
        raise ValueError(f"--max-memory must be a positive number of GiB; got {max_memory:g}")
    est = {k: kw[k] for k in ("measures", "dtype", "n_test", "lam", "model", "reuse", "top_k", "workers", "trials")
           if k in kw}
    return check_simulation_memory(setup, kw.get("n_ridge"), max_memory_gb=max_memory, **est)


def run(args) -> int:
    from theory._checks import check_choice

    from ..cli import emit, status
    from ..resources import LONG_RUN_FLOPS, estimate_simulation_flops, gib
    from ..simulate import simulate

    setup = setup_from_args(args)
    dtype = check_choice(args.dtype, ("auto", "float64", "float32"), "--dtype")
    n_ridge = None if args.n_ridge is None else _sizes(args.n_ridge, "n-ridge")
    if args.n_ridge_ratio is not None:
        from ._checks import integer_size

        sizes = [integer_size(r * setup.d, f"--n-ridge-ratio {r:g} times d = {setup.d:g}")
                 for r in np.atleast_1d(_floats(args.n_ridge_ratio, "n-ridge-ratio"))]
        n_ridge = sizes[0] if len(sizes) == 1 else np.asarray(sizes)
    lam = None if args.lam is None else _floats(args.lam, "lam")
    measures = tuple(m for m in args.measures.split(",") if m)
    kw = dict(n_ridge=n_ridge, lam=lam, trials=args.trials, seed=args.seed, n_test=args.n_test, measures=measures,
              model=args.model, lam_convention=args.lam_convention, center_labels=args.center_labels,
              reuse=args.reuse, top_k=args.top_k, dtype=dtype, workers=args.workers)
    need = _guard(setup, kw, args.max_memory)
    if estimate_simulation_flops(setup, n_ridge, measures=measures, n_test=args.n_test, trials=args.trials) > LONG_RUN_FLOPS:
        status("simulate", f"simulating d={setup.d:g}, width={setup.width:g}, n={setup.n:g}, {args.trials} trial(s) "
                           f"(peak memory about {gib(need)})...")
    sim = simulate(setup, progress=True, max_memory_gb=args.max_memory, **kw)
    from ..simulate import _lr_text
    from ..tables import setup_text, simulation_table

    title = (f"# onegrad simulate: {setup_text(sim.sizes)}, lr={_lr_text(setup)}, model={args.model}, {args.trials} trials, "
             f"seed {args.seed} ({sim.elapsed_s:.1f} s); test_error includes label noise, test_risk does not")
    emit(sim.to_dict(), as_json=args.json, text=simulation_table(sim, title=title))
    return 0
