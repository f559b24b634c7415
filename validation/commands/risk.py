"""``onegrad risk [setup options] [--n-ridge-ratio 0.2:3:50] [--lam 0.1] [--csv|--json] [--plot FILE]``.

The setup options are those of every command (:mod:`validation.commands._setup_args`); the default
setup is ``--preset cui2024`` (Cui et al.'s giant step) at ``d = 1000``.

The limiting learning curve of ridge on the features after one step (``theory.risk``,
``docs/risk.md``): one row per ``(n_ridge, lam)`` with the test error (label noise included), the
test risk, the train error, the solver status, iterations and residual.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_cap, check_output_file
from ._setup_args import add_setup_arguments, setup_from_args

#: Most (n_ridge, lam) points one command solves (each takes about 20 ms on a laptop core).
MAX_POINTS = 2000

__all__ = ["register", "run", "parse_grid"]


def parse_grid(text: str, name: str) -> np.ndarray:
    """``"a:b:k"`` (``k`` points from ``a`` to ``b``), ``"x,y,z"`` or a single number.

    >>> parse_grid("0.2:3:3", "n-ridge-ratio").tolist()
    [0.2, 1.6, 3.0]
    >>> parse_grid("0.1,1", "lam").tolist()
    [0.1, 1.0]
    """
    text = str(text).strip()
    try:
        if ":" in text:
            parts = text.split(":")
            if len(parts) != 3:
                raise ValueError
            a, b, k = float(parts[0]), float(parts[1]), int(parts[2])
            if k < 1:
                raise ValueError
            if k > MAX_POINTS:
                raise OverflowError
            return np.linspace(a, b, k)
        return np.array([float(x) for x in text.split(",") if x.strip()], dtype=float)
    except OverflowError:
        raise ValueError(f"--{name} must have at most {MAX_POINTS} points: each point solves the limiting equations "
                         f"(about 20 ms), so {MAX_POINTS} already take about a minute; got {text!r}") from None
    except ValueError:
        raise ValueError(f"--{name} must be 'start:stop:count', a comma-separated list or a number; got {text!r}") from None


def _cell(value: float, status: str) -> str:
    """A number, or ``nan (status)`` where the theory has none (``theory.risk`` reports NaN with its status)."""
    return f"{value:12.6g}" if np.isfinite(value) else f"nan ({status})".rjust(12)


def register(sub) -> None:
    p = sub.add_parser("risk", help="limiting test and train error of ridge after one step (learning curve)")
    add_setup_arguments(p, preset="cui2024")
    r = p.add_mutually_exclusive_group()
    r.add_argument("--n-ridge-ratio", default="0.2:3:50", help="n_ridge/d grid: 'a:b:k', list or number (default 0.2:3:50)")
    r.add_argument("--n-ridge", default=None, help="ridge samples instead of --n-ridge-ratio: 'a:b:k', list or number")
    p.add_argument("--lam", default="0.1", help="ridge penalty lam_C: number or list (default 0.1)")
    from theory.regimes import available

    p.add_argument("--method", default="auto", choices=("auto",) + available(), metavar="METHOD",
                   help=f"{' | '.join(('auto',) + available())}: a regime of theory.regimes (default auto)")
    p.add_argument("--strength", default="finite", help="moniri/ba spikes: finite | infinite (default finite)")
    al = p.add_mutually_exclusive_group()
    al.add_argument("--alignment-term", dest="alignment_term", action="store_true", default=None,
                    help="srf: with the alignment term (docs/derivations/srf_alignment.md); the default for srf")
    al.add_argument("--no-alignment-term", dest="alignment_term", action="store_false",
                    help="srf: Cui et al.'s published spiked RF, without the alignment term")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print JSON")
    fmt.add_argument("--csv", action="store_true", help="print CSV")
    p.add_argument("--plot", default=None, metavar="FILE", help="also save the learning curve (needs matplotlib)")
    p.set_defaults(func=run)


def run(args) -> int:
    import theory
    from ..cli import emit, status

    setup = setup_from_args(args)
    ratios = parse_grid(args.n_ridge_ratio, "n-ridge-ratio") if args.n_ridge is None else \
        parse_grid(args.n_ridge, "n-ridge") / setup.d
    lams = parse_grid(args.lam, "lam")
    if ratios.size == 0 or np.any(ratios <= 0):
        flag, given = ("--n-ridge", args.n_ridge) if args.n_ridge is not None else ("--n-ridge-ratio", args.n_ridge_ratio)
        raise ValueError(f"{flag} must be positive; got {given!r}")
    check_cap(ratios.size * lams.size, MAX_POINTS, "the number of points (--n-ridge-ratio times --lam)",
              f"each point solves the limiting equations (about 20 ms), so {MAX_POINTS} already take about a minute")
    if args.plot:
        check_output_file(args.plot, "--plot")  # before the work
    if ratios.size * lams.size > 250:  # about 20 ms a point: say what we do before a run of several seconds
        status("risk", f"solving the limiting equations at {ratios.size * lams.size} points...")
    try:
        res = theory.risk(setup, n_ridge=ratios[None, :] * setup.d, lam=lams[:, None], method=args.method,
                          strength=args.strength, alignment_term=args.alignment_term)
    except ArithmeticError as exc:  # e.g. lr**2 beyond the floating-point range
        raise ValueError(f"the limiting equations overflow at these inputs ({type(exc).__name__}: {exc}); "
                         f"--lr {setup.lr:g}, --d {setup.d:g}, --width {setup.width:g}, --n {setup.n:g}: "
                         "is one of them too large?") from None
    rows = []
    for i, lam in enumerate(lams):
        for j, ratio in enumerate(ratios):
            rows.append({
                "n_ridge_ratio": float(ratio), "n_ridge": float(ratio * setup.d), "lam": float(lam),
                "test_error": float(res.test_error[i, j]), "test_risk": float(res.test_risk[i, j]),
                "train_error": float(res.train_error[i, j]), "status": str(res.status[i, j]),
                "n_iter": int(res.n_iter[i, j]), "residual": float(res.residual[i, j]),
            })
    method = res.method if isinstance(res.method, str) else ",".join(sorted(set(np.ravel(res.method))))
    if args.plot:
        from ..plots import plot_learning_curve, pyplot, setup_title

        plt = pyplot()
        ax = plot_learning_curve(theory=res, d=setup.d)
        ax.set_title(setup_title(setup, method=method), fontsize="small")
        ax.figure.savefig(args.plot, dpi=120)
        plt.close(ax.figure)
    header = ["n_ridge_ratio", "n_ridge", "lam", "test_error", "test_risk", "train_error", "status", "n_iter", "residual"]
    if args.csv:
        lines = [",".join(header)] + [",".join(str(r[k]) for k in header) for r in rows]
        print("\n".join(lines))
        return 0
    data = {"setup": setup.to_dict(), "method": method, "reason": res.reason, "noise_included": res.noise_included,
            "parameters": res.parameters, "rows": rows}
    lines = [f"# onegrad risk: method {method} ({res.reason})",
             f"# test_error includes label noise ({res.noise_included}); test_risk does not; lam is lam_C",
             f"{'n/d':>8s} {'lam':>10s} {'test_error':>12s} {'test_risk':>12s} {'train_error':>12s}  status"]
    for r in rows:
        cells = [_cell(r[k], r["status"]) for k in ("test_error", "test_risk", "train_error")]
        lines.append(f"{r['n_ridge_ratio']:8.4g} {r['lam']:10.4g} {' '.join(cells)}  {r['status']}")
    emit(data, as_json=args.json, text="\n".join(lines))
    return 0
