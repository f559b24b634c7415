"""``onegrad spikes --alpha A --activation NAME --d D [--simulate --trials T] [--plot FILE] [--json]``.

Which polynomial features a step of size ``eta = eta0 * n^alpha`` (or a per-neuron ``--lr``) plants
in the feature matrix ``F = sigma(X W_1^T)``: Moniri et al.'s interval theorem, the learned
direction, Ba et al.'s weight spike and the predicted outliers of ``F/sqrt(n)`` with their
alignments (``docs/spikes.md``). ``--simulate`` adds the Monte Carlo median of the top singular
values (``validation.simulate``).

Two steps (Moniri & Hassani 2026, arXiv:2605.17767): ``--lr TAU1,TAU2`` (per-neuron steps) or
``--alpha A1,A2`` (``eta_t = eta0 * N^alpha_t``, :meth:`theory.OneStep.from_moniri_hassani`), optionally
``--steps 2`` and ``--reuse-batch``, in Moniri & Hassani's setting (Gaussian readout, step on the labels,
output scale ``1/sqrt(width)``) unless ``--preset``, ``--readout``, ``--residual`` or ``--output-scale`` say
otherwise, print the outliers of the first-layer weights ``W_2`` after the
second step (:func:`theory.two_step_spikes`): one line per outlier with its order, growth exponent,
singular value and overlaps; ``--simulate`` adds the Monte Carlo mean of the top singular values of ``W_2``.
"""

from __future__ import annotations

import argparse
import math

import numpy as np

from ._checks import check_output_file, integer_size, positive_int
from ._setup_args import add_setup_arguments, setup_from_args
from .simulate import add_memory_argument

__all__ = ["register", "run", "report", "report_two_step", "build_setup"]


def register(sub) -> None:
    p = sub.add_parser("spikes", help="spikes of the feature matrix after one step (Ba / Moniri / giant step)")
    p.add_argument("--alpha", type=_per_step("--alpha"), default=None,
                   help="Moniri's exponent: eta = eta0 * n^alpha, lr = eta/sqrt(width); two values A1,A2: "
                        "Moniri & Hassani's eta_t = eta0 * width^A_t, one per step")
    p.add_argument("--eta0", type=float, default=1.0, help="prefactor of eta (default 1)")
    p.add_argument("--coeffs", type=float, nargs="+", default=None,
                   help="with --activation polynomial: its coefficients (in --coeff-basis)")
    p.add_argument("--coeff-basis", default="hermite", help="monomial | hermite | series (default hermite)")
    add_setup_arguments(p)
    p.add_argument("--method", default="finite", help="finite (deterministic equivalent) | leading (default finite)")
    p.add_argument("--simulate", action="store_true", help="also simulate the network (validation.simulate)")
    p.add_argument("--trials", type=positive_int, default=3, help="Monte Carlo trials with --simulate (default 3)")
    p.add_argument("--seed", type=int, default=0, help="root seed with --simulate (default 0)")
    add_memory_argument(p)
    p.add_argument("--plot", default=None, help="write a figure of the spectrum with the predictions (needs matplotlib)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def _per_step(flag: str):
    """argparse ``type=`` of ``flag``: one number, or two separated by a comma (one per step; a tuple)."""

    def parse(text: str):
        parts = [q.strip() for q in str(text).split(",")]
        if len(parts) > 2:
            raise argparse.ArgumentTypeError(f"at most two values (one per step) separated by a comma; got {text!r}")
        try:
            values = tuple(float(q) for q in parts)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number or two numbers A,B (one per step); got {text!r}") \
                from None
        return values[0] if len(values) == 1 else values

    parse.__name__ = flag.lstrip("-")  # argparse names the type in its messages
    return parse


def _with_steps(setup, args):
    """``setup`` with ``--steps`` and ``--reuse-batch`` applied (two steps at most: the theory's reach)."""
    steps = args.steps if args.steps is not None else setup.steps
    if steps > 2:
        raise ValueError(f"spikes describes one or two steps (--steps 1 or 2); got {steps}")
    if isinstance(setup.lr, tuple) and len(setup.lr) != steps:
        raise ValueError(f"--steps {steps} but {len(setup.lr)} step sizes were given; give one value per step")
    if args.reuse_batch and steps != 2:
        raise ValueError("--reuse-batch needs two steps (--steps 2 or two values of --lr / --alpha)")
    if steps != setup.steps or bool(args.reuse_batch) != setup.reuse_batch:
        setup = setup.with_(steps=steps, reuse_batch=bool(args.reuse_batch))
    return setup


def build_setup(args):
    """The :class:`theory.OneStep` described by the command-line arguments."""
    import theory

    if args.alpha is not None and args.lr is not None:
        raise ValueError("give at most one of --alpha and --lr")
    act = None
    if args.activation == "polynomial":
        if not args.coeffs:
            raise ValueError("--activation polynomial needs --coeffs")
        act = theory.activation("polynomial", coeffs=args.coeffs, coeff_basis=args.coeff_basis)
    else:
        if args.coeffs:
            raise ValueError("--coeffs is only for --activation polynomial")
        act = None
    base = setup_from_args(args, **({"activation": act} if act is not None else {}))
    if args.alpha is None:
        base = _with_steps(base, args)
        if base.steps == 2 and args.preset in (None, "none"):  # Moniri & Hassani's setting, unless given
            mh = {"readout": "gaussian", "residual": "labels", "output_scale": 1.0 / math.sqrt(base.width)}
            base = base.with_(**{f: v for f, v in mh.items() if getattr(args, f) is None})
        return base
    alphas = args.alpha if isinstance(args.alpha, tuple) else (args.alpha,)
    for a in alphas:
        if not 0 <= a < 0.5:
            raise ValueError(f"--alpha must lie in [0, 0.5); got {a}")
    given = {f: getattr(args, f) for f in ("readout", "residual", "init", "output_scale") if getattr(args, f) is not None}
    common = dict(eta0=args.eta0, activation=base.activation, target=base.target, d=base.d, width=base.width,
                  n=base.n, noise_var=base.noise_var, **given)
    if len(alphas) == 1 and args.steps == 2:
        alphas = alphas * 2
    if len(alphas) == 2:  # Moniri & Hassani: eta_t = eta0 * width^alpha_t
        return _with_steps(theory.OneStep.from_moniri_hassani(alpha=alphas, **common), args)
    return _with_steps(theory.OneStep.from_moniri(alpha=alphas[0], **common), args)


def report(setup, *, method: str = "finite") -> dict:
    """Everything the command prints, as a dictionary."""
    import theory

    out = {"setup": setup.to_dict(), "alpha": setup.moniri_alpha}
    alpha = setup.moniri_alpha
    if 0 <= alpha < 0.5:
        out["interval_theorem"] = theory.spike_degrees(alpha, setup.activation).to_dict()
    out["learned_overlap"] = setup.learned_overlap().to_dict()
    out["weight_spike"] = setup.weight_spike().to_dict()
    out["feature_spikes"] = setup.spikes(method=method).to_dict()
    return out


def report_two_step(setup) -> dict:
    """What the command prints for two steps, as a dictionary (:func:`theory.two_step_spikes`)."""
    import theory

    return {"setup": setup.to_dict(), "lrs": list(setup.lrs), "step_exponents": list(setup.step_exponents),
            "two_step_spikes": theory.two_step_spikes(setup).to_dict()}


def _g(x, fmt=".6g") -> str:
    return "-" if x is None else format(float(x), fmt)


def _text_two_step(data: dict, sim=None) -> str:
    ts = data["two_step_spikes"]
    a1, a2 = data["step_exponents"]
    batch = "reused" if data["setup"]["reuse_batch"] else "fresh"
    spikes = ts.get("spikes", ())
    lines = [f"# outliers of W_2 after two steps (Moniri & Hassani 2026): alpha = ({a1:.4f}, {a2:.4f}), {batch} batch, "
             f"lr = ({data['lrs'][0]:.6g}, {data['lrs'][1]:.6g})",
             f"ratio alpha2/(1/2 - alpha1) = {_g(ts.get('ratio'), '.4g')}"
             + (" (integer: boundary case)" if ts.get("boundary") else "")
             + f"; outliers: {ts.get('asymptotic_count')} as N -> infinity, {ts.get('count')} at this size; "
             f"bulk edge {_g(ts.get('bulk_edge_finite'), '.5g')}",
             "  order  exponent  strength    s(W_2)      <b,beta*>^2  <b,u_1>^2" + ("   MC mean" if sim is not None else "")]
    k = 0
    for sp in spikes:
        row = (f"  {sp['order']:5d}  {_g(sp.get('exponent'), '8.4f')}  {_g(sp.get('strength'), '10.5g')}  "
               f"{_g(sp.get('singular_value'), '10.5g')}  {_g(sp.get('overlap_target_sq'), '11.4f')}  "
               f"{_g(sp.get('overlap_step_sq'), '9.4f')}")
        if sim is not None and sp.get("separated") and k < len(sim):  # the k-th separated outlier: the k-th value
            row += f"   {sim[k]:.6g}"
            k += 1
        lines.append(row + ("" if sp.get("separated") else "   (below the bulk edge)"))
    if sim is not None:
        lines.append("simulated top singular values of W_2 (mean over trials): " + ", ".join(f"{v:.5g}" for v in sim))
    kk = max(1, int(ts.get("count") or 0))
    cap = ts.get("captured_target") or []
    lines.append(f"fraction of beta* in the top {kk} outlier direction(s): "
                 f"{_g(cap[kk - 1] if len(cap) >= kk else None, '.4g')}; learned at leading order (N -> infinity): "
                 f"{'yes' if ts.get('learns_target') else 'no'}")
    if ts.get("reason"):
        lines.append(f"reason: {ts['reason']}")
    return "\n".join(lines)


def _text(data: dict, sim=None) -> str:
    fs = data["feature_spikes"]
    lines = [f"# spikes of F/sqrt(n) after one step: alpha = {data['alpha']:.4f} (regime {fs['regime']}), "
             f"method {fs['method']}, status {fs['status']}"]
    it = data.get("interval_theorem")
    if it:
        if it["at_boundary"]:
            lines.append(f"interval theorem: boundary value (degree {it['boundary_degree']}): "
                         f"{it['count_below']} spike(s) just below, {it['count_above']} just above")
        else:
            lines.append(f"interval theorem: {it['count']} spike(s), degrees {', '.join(map(str, it['degrees']))}, "
                         f"interval ({it['interval'][0]:.4g}, {it['interval'][1]:.4g})")
    lo = data["learned_overlap"]
    lines.append(f"learned direction: |beta|^2 = {lo['norm_sq']:.6g}, cos(beta, beta*) = {lo['cos']:.6g}")
    ws = data["weight_spike"]
    lines.append(f"weight spike: theta = {ws['theta']:.6g}, outlier {ws['outlier']}, s1(W1) = {ws['singular_value']:.6g}, "
                 f"<v1, beta*>^2 = {ws['overlap_sq']:.4g}")
    lines.append(f"bulk edge of F/sqrt(n): {fs['bulk_edge']:.6g}")
    lines.append("  #  degree  kind      location    alignment" + ("   MC mean" if sim is not None else ""))
    for j, sp in enumerate(fs["spikes"]):
        deg = "-" if sp["degree"] is None else str(sp["degree"])
        align = sp["alignment"]
        align = f"{align:.4f}" if isinstance(align, float) else str(align)
        row = f"{j + 1:3d}  {deg:>6s}  {sp['kind']:<8s}  {sp['location']:.6g}  {align:>9s}"
        if sim is not None and j < len(sim):
            row += f"   {sim[j]:.6g}"
        lines.append(row)
    if fs["message"]:
        lines.append(f"note: {fs['message']}")
    return "\n".join(lines)


def _simulate(setup, trials: int, seed: int, max_memory_gb=None, *, every_value: bool = False):
    """Mean top-10 singular values over trials and (``every_value``: for the figure's bulk) all of them, pooled."""
    from ..simulate import simulate, sizes_of

    top_k = min(sizes_of(setup)["n"], sizes_of(setup)["width"]) if every_value else 10
    sim = simulate(setup, trials=trials, seed=seed, measures=("spectrum",), top_k=top_k, max_memory_gb=max_memory_gb)
    est = sim.summary["feature_singular_values"]
    means = np.array([e.mean for e in est]) if isinstance(est, (list, tuple)) else np.asarray(est.mean)
    return means[:10], (np.ravel(sim.get("feature_singular_values")) if every_value else None)


def _simulate_weights(setup, trials: int, seed: int, max_memory_gb=None):
    """Mean top-10 singular values of the first-layer weights after the steps, over trials."""
    from ..simulate import simulate

    sim = simulate(setup, trials=trials, seed=seed, measures=("weight_spectrum",), top_k=10,
                   max_memory_gb=max_memory_gb)
    return np.mean(sim.get("w_singular_values"), axis=0)


def _run_two_step(args, setup) -> int:
    from ..cli import emit
    from ..resources import check_simulation_memory

    if args.plot:
        raise ValueError("--plot draws the feature spectrum after one step; with two steps use --json or --simulate")
    if args.simulate:
        for flag in ("d", "width", "n"):
            integer_size(getattr(setup, flag), f"--{flag}" if getattr(args, flag) is not None else f"--{flag} (default)")
        check_simulation_memory(setup, measures=("weight_spectrum",), trials=args.trials, max_memory_gb=args.max_memory)
    data = report_two_step(setup)
    sim = _simulate_weights(setup, args.trials, args.seed, args.max_memory) if args.simulate else None
    if sim is not None:
        data["simulation"] = {"trials": args.trials, "seed": args.seed, "w_top_singular_values": sim.tolist()}
    emit(data, as_json=args.json, text=_text_two_step(data, sim))
    return 0


def run(args) -> int:
    from ..cli import emit, status
    from ..resources import LONG_RUN_FLOPS, check_simulation_memory, estimate_simulation_flops, gib

    setup = build_setup(args)
    if setup.steps == 2:
        return _run_two_step(args, setup)
    if args.plot:
        check_output_file(args.plot, "--plot")  # before the work
    if args.simulate:  # a simulation needs integer sizes and enough memory: checked before any work
        for flag in ("d", "width", "n"):
            integer_size(getattr(setup, flag), f"--{flag}" if getattr(args, flag) is not None else f"--{flag} (default)")
        need = check_simulation_memory(setup, measures=("spectrum",), trials=args.trials, max_memory_gb=args.max_memory)
    data = report(setup, method=args.method)
    if args.simulate and estimate_simulation_flops(setup, measures=("spectrum",), trials=args.trials) > LONG_RUN_FLOPS:
        status("spikes", f"simulating d={setup.d:g}, width={setup.width:g}, n={setup.n:g}, {args.trials} trial(s) "
                         f"(peak memory about {gib(need)})...")
    sim, pooled = _simulate(setup, args.trials, args.seed, args.max_memory, every_value=bool(args.plot)) \
        if args.simulate else (None, None)
    if sim is not None:
        data["simulation"] = {"trials": args.trials, "seed": args.seed, "top_singular_values": sim.tolist()}
    if args.plot:
        from ..plots import get_axes, plot_spectrum, pyplot

        spec = setup.spikes(method=args.method)
        ax = get_axes()
        plot_spectrum(pooled if pooled is not None else np.zeros(0), prediction=spec, ax=ax, setup=setup)
        ax.figure.savefig(args.plot)
        pyplot().close(ax.figure)
        data["plot"] = args.plot
    emit(data, as_json=args.json, text=_text(data, sim))
    return 0
