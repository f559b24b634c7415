"""``onegrad compare [options] [--json]``: theory against simulation for one experiment.

With no arguments it runs the default comparison (``DEFAULTS``: the giant-step setting of Cui et al.
2024 at a laptop size), prints the table, writes ``onegrad-output/compare.json`` and, when
matplotlib is installed, ``onegrad-output/compare.png``.
"""

from __future__ import annotations

import json
from pathlib import Path

from ._checks import check_output_dir, check_output_file, integer_size, positive_int
from ._setup_args import add_setup_arguments, setup_from_args
from .simulate import add_memory_argument

__all__ = ["register", "run", "DEFAULTS", "build_setup"]

#: The default comparison (docs/compare.md): tanh student, sin target, one giant step
#: (lr = eta~ = 3) on n = 20 d samples, ridge on n_ridge = 2 d fresh samples with lam = 0.1.
DEFAULTS = {
    "activation": "tanh", "target": "sin", "d": 400, "width_ratio": 1.0, "sample_ratio": 20.0, "lr": 3.0,
    "noise_var": 0.0, "readout": "constant", "init": "sphere", "n_ridge_ratio": 2.0, "lam": 0.1,
    "trials": 8, "seed": 0, "n_test": 10_000, "quantities": "all",
}


def register(sub) -> None:
    p = sub.add_parser("compare", help="theory against simulation, with intervals and a verdict per quantity")
    D = DEFAULTS
    add_setup_arguments(p, preset="cui2024", d=D["d"], integer_sizes=True)
    r = p.add_mutually_exclusive_group()
    r.add_argument("--n-ridge-ratio", type=float, default=None, help="n_ridge / d (default 2)")
    r.add_argument("--n-ridge", type=positive_int, default=None, help="ridge samples, instead of --n-ridge-ratio")
    p.add_argument("--lam", type=float, default=D["lam"], help="ridge penalty lam_C (default 0.1)")
    p.add_argument("--trials", type=positive_int, default=D["trials"], help="Monte Carlo trials (default 8)")
    p.add_argument("--seed", type=int, default=D["seed"], help="root seed (default 0)")
    p.add_argument("--n-test", type=positive_int, default=D["n_test"], help="test points per trial (default 10000)")
    p.add_argument("--quantities", default=D["quantities"],
                   help="comma-separated groups among overlap,weight_spike,spikes,errors, or 'all' "
                        f"(default {D['quantities']})")
    p.add_argument("--sizes", default=None, help="comma-separated dimensions for the d -> infinity extrapolation")
    p.add_argument("--tolerance", type=float, default=None, help="relative finite-size tolerance (default C/sqrt(d))")
    p.add_argument("--out", default="onegrad-output", help="output directory, or a .json file (default onegrad-output/)")
    p.add_argument("--no-plot", action="store_true", help="do not write the figure")
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")
    al = p.add_mutually_exclusive_group()
    al.add_argument("--alignment-term", dest="alignment_term", action="store_true", default=None,
                    help="errors from theory.risk(..., alignment_term=True) (the srf default; docs/validation/srf_gap.md)")
    al.add_argument("--no-alignment-term", dest="alignment_term", action="store_false",
                    help="errors from Cui et al.'s published spiked RF, theory.risk(..., alignment_term=False)")
    add_memory_argument(p)
    p.set_defaults(func=run)


def _ridge_ratio(args, setup) -> float:
    if args.n_ridge is not None:
        return args.n_ridge / setup.d
    return DEFAULTS["n_ridge_ratio"] if args.n_ridge_ratio is None else args.n_ridge_ratio


def _sizes_at(args, d, setup=None) -> tuple[int, int, int]:
    """``width``, ``n``, ``n_ridge`` at dimension ``d`` (the ratios of ``setup``): integers, or a ValueError naming the flags."""
    setup = setup if setup is not None else build_setup(args)[0]
    rr = _ridge_ratio(args, setup)
    return (integer_size(setup.width_ratio * d, f"--width-ratio {setup.width_ratio:g} times d = {d:g}"),
            integer_size(setup.sample_ratio * d, f"--sample-ratio {setup.sample_ratio:g} times d = {d:g}"),
            integer_size(rr * d, f"--n-ridge-ratio {rr:g} times d = {d:g}"))


def build_setup(args):
    """The ``OneStep`` and ``n_ridge`` described by the command-line arguments (integer sizes)."""
    setup = setup_from_args(args)
    n_ridge = args.n_ridge if args.n_ridge is not None else \
        integer_size(_ridge_ratio(args, setup) * setup.d, f"--n-ridge-ratio {_ridge_ratio(args, setup):g} times d = {setup.d:g}")
    return setup, n_ridge


def _csv(text, cast, name):
    if text is None:
        return None
    try:
        return [cast(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ValueError(f"--{name} must be a comma-separated list; got {text!r}") from None


def _paths(out: str) -> tuple[Path, Path]:
    """The JSON and figure paths of ``--out``, checked writable before any work."""
    p = Path(out)
    if p.suffix == ".json":
        check_output_file(p, "--out")
        return p, p.with_suffix(".png")
    check_output_dir(p, "--out")
    return p / "compare.json", p / "compare.png"


def run(args) -> int:
    from theory._result import to_jsonable

    from ..cli import emit, status
    from ..compare import check_compare_memory, compare
    from ..resources import LONG_RUN_FLOPS, estimate_simulation_flops, gib

    setup, n_ridge = build_setup(args)
    sizes = _csv(args.sizes, float, "sizes")
    if sizes is not None:
        sizes = [integer_size(v, "--sizes") for v in sizes]
        for d in sizes:
            _sizes_at(args, d, setup)
    if args.trials < 2:
        raise ValueError(f"--trials must be >= 2 (an interval needs two trials); got {args.trials}")
    json_path, fig_path = _paths(args.out)  # an unwritable output fails before the simulation
    quantities = None if args.quantities == "all" else _csv(args.quantities, str, "quantities")
    if args.max_memory is not None and not (0 < args.max_memory < float("inf")):
        raise ValueError(f"--max-memory must be a positive number of GiB; got {args.max_memory:g}")
    need = check_compare_memory(setup, n_ridge=n_ridge, lam=args.lam, quantities=quantities, sizes=sizes,
                                n_test=args.n_test, max_memory_gb=args.max_memory)
    work = sum(estimate_simulation_flops(setup.with_(d=d, width=setup.width * d / setup.d, n=setup.n * d / setup.d),
                                         n_ridge * d / setup.d, measures=("overlap", "spectrum", "ridge"),
                                         n_test=args.n_test, trials=args.trials) for d in [setup.d, *(sizes or [])])
    if work > LONG_RUN_FLOPS:
        status("compare", f"simulating d={setup.d:g}, width={setup.width:g}, n={setup.n:g}, {args.trials} trials"
                          f"{'' if not sizes else ' and at d = ' + ', '.join(map(str, sizes))} (peak memory about "
                          f"{gib(need)})...")
    cmp = compare(setup, n_ridge=n_ridge, lam=args.lam, trials=args.trials, seed=args.seed, n_test=args.n_test,
                  quantities=quantities, sizes=sizes, tolerance=args.tolerance, max_memory_gb=args.max_memory,
                  risk_kw=None if args.alignment_term is None else {"alignment_term": args.alignment_term},
                  progress=True)
    data = cmp.to_dict()
    json_path.write_text(json.dumps(to_jsonable(data), indent=2) + "\n")
    written = [str(json_path)]
    if not args.no_plot and cmp.compared:  # nothing to draw when every quantity was skipped or failed
        try:
            from ..plots import plot_compare, pyplot

            plt = pyplot()
            fig = plot_compare(cmp)["figure"]  # each quantity in its units; the extrapolation with --sizes
            fig.savefig(fig_path, dpi=120)
            plt.close(fig)
            written.append(str(fig_path))
        except ImportError:
            pass
    text = cmp.table() + "\n# wrote " + ", ".join(written)
    emit(data, as_json=args.json, text=text)
    if cmp.errors:
        why = [f"{r.name}: {r.reason or (r.extrapolation or {}).get('reason', '')}" for r in cmp.errors]
        status("compare", "error: " + "; ".join(why))
        return 1
    return 0
