"""``onegrad giant-step --target EXPR --r R [--steps T] [--ells L ...] [--noise-var V] [--activation A --lr TAU --alpha A] [--json]``.

What one giant step at n = d^l and T steps at n = O(d) learn of a multi-index target (Dandi et al. 2024):
Hermite tensors, learnable subspaces, both leap-index readings, the staircase, the error floors.
"""

from __future__ import annotations

import numpy as np

__all__ = ["register", "run", "report"]


def register(sub) -> None:
    p = sub.add_parser("giant-step", help="what giant steps learn of a multi-index target (Dandi et al. 2024)")
    p.add_argument("--target", required=True, help='expression in z1..zr, e.g. "z1 + z1*z2"; He(k, z1) is a Hermite polynomial')
    p.add_argument("--r", type=int, required=True, help="number of directions r")
    p.add_argument("--steps", type=int, default=3, help="number of n = O(d) steps for the staircase (default 3)")
    p.add_argument("--ells", type=int, nargs="+", default=[1, 2, 3], help="sample exponents l of one step at n = d^l (default 1 2 3)")
    p.add_argument("--noise-var", type=float, default=0.0, help="label-noise variance (default 0)")
    p.add_argument("--activation", default="relu", help="student activation for the l = 1 cosine law (default relu)")
    p.add_argument("--lr", type=float, default=None, help="per-neuron step tau: also print the l = 1 cosine law")
    p.add_argument("--sample-ratio", "--alpha", dest="alpha", type=float, default=1.0,
                   help="n/d for the cosine law (default 1; --alpha is the old name)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def report(target, steps: int, ells, *, activation: str = "relu", lr=None, alpha: float = 1.0) -> dict:
    """The data printed by the command, as a dictionary (used by the tests and the validation script)."""
    import theory

    kmax = max([*ells, 1])
    ts = theory.hermite_tensors(target, kmax)
    li = theory.leap_index(target, kmax=max(kmax, target.degree or kmax))
    sc = theory.staircase(target, steps)
    table = theory.error_table(target, steps=steps, ells=tuple(e for e in ells if e >= 2) or (2,))
    out = {
        "target": target.to_dict(),
        "tensor_norms": [float(np.sqrt(np.sum(np.asarray(c) ** 2))) for c in ts.values],
        "tensor_method": ts.method,
        "learnable_dims": {int(e): theory.learnable_subspace(target, e).dim for e in ells},
        "leap_index": {"spanning": li.spanning, "first_nonzero": li.first_nonzero},
        "staircase": {"dims": list(sc.dims), "new_strengths": [s.tolist() for s in sc.new_strengths],
                      "fixed_point_dim": sc.fixed_point_dim, "is_staircase": sc.is_staircase,
                      "bases": [s.basis.tolist() for s in sc.subspaces]},
        "error_floors": [{"label": row["label"], "dim": row["dim"], "value": row["value"].value,
                          "error_estimate": row["value"].error_estimate} for row in table.rows],
        "exact": sc.exact,
    }
    if lr is not None:
        setup = theory.OneStep(activation=activation, target=target, d=1000, width=1000, n=alpha * 1000, lr=lr,
                               readout="symmetric")
        law = theory.alignment_law(setup)
        out["cosine_law"] = {"activation": activation, "lr": lr, "alpha": alpha, "v_star": law.v_star.tolist(),
                             "cos_plus": float(law.cosine(1.0)), "cos_minus": float(law.cosine(-1.0)),
                             "mean_abs_cos": law.mean_abs_cosine()}
    return out


def _text(data: dict) -> str:
    t = data["target"]
    lines = [f"# giant steps on y = {t['expr'] or t['name']} (r = {t['r']}, noise_var = {t['noise_var']:g}); "
             f"{'exact' if data['exact'] else 'numeric'}",
             "|C_k|_F for k = 0..: " + ", ".join(f"{v:.6g}" for v in data["tensor_norms"]),
             "one step at n = d^l learns dim: " + ", ".join(f"l={k}: {v}" for k, v in data["learnable_dims"].items()),
             f"leap index: (a) spanning = {data['leap_index']['spanning']}, (b) first non-zero order = {data['leap_index']['first_nonzero']}",
             f"staircase (n = O(d) steps): dims {', '.join(map(str, data['staircase']['dims']))}, fixed point {data['staircase']['fixed_point_dim']}"
             f" ({'staircase' if data['staircase']['is_staircase'] else 'not a staircase'})",
             "error floors (MSE, label noise included):"]
    from ..tables import error_floor_lines

    lines += error_floor_lines(data["error_floors"])
    if "cosine_law" in data:
        c = data["cosine_law"]
        lines.append(f"l = 1 cosine law ({c['activation']}, lr = {c['lr']}, alpha = {c['alpha']}): cos(+) = {c['cos_plus']:.6f}, "
                     f"cos(-) = {c['cos_minus']:.6f}, mean |cos| = {c['mean_abs_cos']:.6f}")
    return "\n".join(lines)


#: Caps on the work one command may start (the reason is in each message).
MAX_STEPS = 50
MAX_TENSOR_ENTRIES = 10**6


def _check_work(args) -> None:
    """Refuse, before any work, a staircase or tensors too large to finish in reasonable time."""
    from ._checks import check_cap

    if isinstance(args.r, int) and args.r >= 1:
        check_cap(args.steps, MAX_STEPS, "--steps", f"each step that is not the fixed point adds a direction, so the staircase is "
                  f"done within r steps (here r = {args.r}); more steps only take time")
        for ell in args.ells:
            if ell < 1:
                raise ValueError(f"--ells must be positive integers; got {ell}")
        kmax = max(args.ells)
        if args.r ** kmax > MAX_TENSOR_ENTRIES:
            raise ValueError(f"--ells: the degree-{kmax} Hermite tensor in r = {args.r} directions has r^{kmax} = "
                             f"{float(args.r) ** kmax:.3g} entries, more than {MAX_TENSOR_ENTRIES:.0e} "
                             "(use smaller --ells or fewer directions)")


def run(args) -> int:
    import theory
    from ..cli import emit

    _check_work(args)
    target = theory.MultiIndexTarget(args.target, args.r, noise_var=args.noise_var)
    data = report(target, args.steps, args.ells, activation=args.activation, lr=args.lr, alpha=args.alpha)
    emit(data, as_json=args.json, text=_text(data))
    return 0
