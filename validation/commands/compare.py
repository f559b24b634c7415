"""``onegrad compare [options] [--json]``: theory against simulation for one experiment.

With no arguments it runs the default comparison (``DEFAULTS``: the giant-step setting of Cui et al.
2024 at a laptop size), prints the table, writes ``onegrad-output/compare.json`` and, when
matplotlib is installed, ``onegrad-output/compare.png``.
"""

from __future__ import annotations

import json
from pathlib import Path

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
    p.add_argument("--activation", default=D["activation"], help=f"student activation (default {D['activation']})")
    p.add_argument("--target", default=D["target"], help=f"target link (default {D['target']})")
    p.add_argument("--d", type=float, default=D["d"], help=f"input dimension (default {D['d']})")
    p.add_argument("--width-ratio", type=float, default=D["width_ratio"], help="width / d (default 1)")
    p.add_argument("--sample-ratio", type=float, default=D["sample_ratio"], help="n / d for the step (default 20)")
    p.add_argument("--lr", type=float, default=D["lr"], help="per-neuron step tau (default 3)")
    p.add_argument("--noise-var", type=float, default=D["noise_var"], help="label-noise variance (default 0)")
    p.add_argument("--readout", default=D["readout"], help="gaussian | rademacher | symmetric | constant")
    p.add_argument("--init", default=D["init"], help="sphere | gaussian")
    p.add_argument("--output-scale", type=float, default=None, help="network prefactor (default 1/width)")
    p.add_argument("--n-ridge-ratio", type=float, default=D["n_ridge_ratio"], help="n_ridge / d (default 2)")
    p.add_argument("--lam", type=float, default=D["lam"], help="ridge penalty lam_C (default 0.1)")
    p.add_argument("--trials", type=int, default=D["trials"], help="Monte Carlo trials (default 8)")
    p.add_argument("--seed", type=int, default=D["seed"], help="root seed (default 0)")
    p.add_argument("--n-test", type=int, default=D["n_test"], help="test points per trial (default 10000)")
    p.add_argument("--quantities", default=D["quantities"],
                   help="comma-separated groups among overlap,weight_spike,spikes,errors, or 'all' "
                        f"(default {D['quantities']})")
    p.add_argument("--sizes", default=None, help="comma-separated dimensions for the d -> infinity extrapolation")
    p.add_argument("--tolerance", type=float, default=None, help="relative finite-size tolerance (default C/sqrt(d))")
    p.add_argument("--out", default="onegrad-output", help="output directory, or a .json file (default onegrad-output/)")
    p.add_argument("--no-plot", action="store_true", help="do not write the figure")
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")
    p.add_argument("--alignment-term", action="store_true",
                   help="errors from theory.risk(..., alignment_term=True) (docs/validation/srf_gap.md)")
    p.set_defaults(func=run)


def build_setup(args):
    """The ``OneStep`` and ``n_ridge`` described by the command-line arguments."""
    import theory

    d = args.d
    setup = theory.OneStep(activation=args.activation, target=args.target, d=d, width=args.width_ratio * d,
                           n=args.sample_ratio * d, lr=args.lr, noise_var=args.noise_var, readout=args.readout,
                           init=args.init, output_scale=args.output_scale)
    return setup, args.n_ridge_ratio * d


def _csv(text, cast, name):
    if text is None:
        return None
    try:
        return [cast(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ValueError(f"--{name} must be a comma-separated list; got {text!r}") from None


def _paths(out: str) -> tuple[Path, Path]:
    p = Path(out)
    if p.suffix == ".json":
        return p, p.with_suffix(".png")
    return p / "compare.json", p / "compare.png"


def run(args) -> int:
    from theory._result import to_jsonable

    from ..cli import emit
    from ..compare import compare

    setup, n_ridge = build_setup(args)
    json_path, fig_path = _paths(args.out)
    json_path.parent.mkdir(parents=True, exist_ok=True)  # an unwritable output fails before the simulation
    if not json_path.parent.is_dir():
        raise ValueError(f"--out: {str(json_path.parent)!r} is not a directory")
    cmp = compare(setup, n_ridge=n_ridge, lam=args.lam, trials=args.trials, seed=args.seed, n_test=args.n_test,
                  quantities=None if args.quantities == "all" else _csv(args.quantities, str, "quantities"), sizes=_csv(args.sizes, float, "sizes"),
                  tolerance=args.tolerance, risk_kw={"alignment_term": True} if args.alignment_term else None)
    data = cmp.to_dict()
    json_path.write_text(json.dumps(to_jsonable(data), indent=2) + "\n")
    written = [str(json_path)]
    if not args.no_plot:
        try:
            from ..plots import plot_comparison, pyplot

            plt = pyplot()
            fig, ax = plt.subplots(figsize=(7.0, 0.5 + 0.45 * max(1, len(cmp.compared))), constrained_layout=True)
            plot_comparison(cmp, ax=ax)
            ax.set_title(f"onegrad compare: d={setup.d:g}, {cmp.trials} trials", fontsize="medium")
            fig.savefig(fig_path, dpi=120)
            plt.close(fig)
            written.append(str(fig_path))
        except ImportError:
            pass
    text = cmp.table() + "\n# wrote " + ", ".join(written)
    emit(data, as_json=args.json, text=text)
    return 0
