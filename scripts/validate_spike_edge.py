"""Spike count at the edge of the bulk, and the even spike given the realised step (issue 13, items 1-2).

Usage (repository root; each ``run`` call is a few minutes at most on 2 shared cores, run it niced)::

    PYTHONPATH=. nice python scripts/validate_spike_edge.py run --sizes 1000,2000 --trials 4 --out spike_edge.json
    PYTHONPATH=. nice python scripts/validate_spike_edge.py run --sizes 4000 --trials 3 --out spike_edge.json
    PYTHONPATH=. nice python scripts/validate_spike_edge.py run --sizes 8000 --trials 1 --first 0 --out spike_edge.json
    PYTHONPATH=. python scripts/validate_spike_edge.py report --data spike_edge.json

Setting: :math:`\\sigma = He_1 + He_2/2 + He_3/6 + He_4/24` (not normalised), target :math:`He_1 + He_2/2`, no
label noise, Gaussian readout, ``d = width = n/2``, ``eta = n^alpha`` (``OneStep.from_moniri``),
``residual="labels"``. Each trial is ``scripts/validate_spikes.py``'s (the network's top singular values of
:math:`F/\\sqrt n` on fresh data, their Gram-Schmidt alignments, the localisation of their right vectors, and
the bulk-matched null), plus the trial's readout values, so that the theory can be evaluated given the
realised step (``feature_spikes(setup, beta_norm_sq=..., readout_values=...)``).

The report compares, per size: the Monte Carlo count of delocalised outliers above the null's bulk, the
top of the null's delocalised bulk, and the theory's edge and count with ``heavy_tails=True`` and
``False``; then the degree-2 spike against the default prediction and against the prediction given each
trial's realised ``|beta|^2`` and readout.
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
from validate_spikes import trial as spectrum_trial  # noqa: E402
from validation.seeding import task_sequence, trial_sequence  # noqa: E402
from validation.simulate import draw_initial  # noqa: E402

ACT_COEFFS = [0.0, 1.0, 0.5, 1.0 / 6.0, 1.0 / 24.0]
TARGET_COEFFS = [0.0, 1.0, 0.5]
SEED = 20261204


def setup_for(n: int, alpha: float):
    act = theory.activation("polynomial", coeffs=ACT_COEFFS, coeff_basis="hermite")
    target = theory.activation("polynomial", coeffs=TARGET_COEFFS, coeff_basis="hermite")
    return theory.OneStep.from_moniri(alpha=alpha, activation=act, target=target, d=n // 2, width=n // 2, n=n,
                                      readout="gaussian", residual="labels", noise_var=0.0)


def run(args) -> int:
    out = Path(args.out)
    data = json.loads(out.read_text()) if out.exists() else {"records": [], "meta": {"seed": args.seed}}
    done = {(r["n"], r["alpha"], r["trial"]) for r in data["records"]}
    for n in (int(x) for x in args.sizes.split(",")):
        for alpha in (float(a) for a in args.alphas.split(",")):
            setup = setup_for(n, alpha)
            root = task_sequence(args.seed, f"edge:{n}:{alpha}")
            for t in range(args.first, args.first + args.trials):
                if (n, alpha, t) in done:
                    continue
                t0 = time.time()
                rec = spectrum_trial(setup, root, t)
                rec["s"] = draw_initial(setup, trial_sequence(root, t)).s.tolist()
                rec.update(n=n, alpha=alpha, trial=t, seconds=time.time() - t0)
                data["records"].append(rec)
                out.write_text(json.dumps(data))
                print(f"n={n} alpha={alpha} trial {t}: {rec['seconds']:.0f}s top {np.round(rec['sv'][:4], 3)}",
                      flush=True)
    return 0


def _deloc(rec, key_sv, key_ipr, width):
    sv, ipr = np.asarray(rec[key_sv]), np.asarray(rec[key_ipr])
    return sv[ipr < 20.0 / width]


HEAVY = (True, "capped", False)


def analyse(recs, setup):
    r"""Per-trial Monte Carlo summaries and the theories for one (n, alpha).

    Monte Carlo outliers: singular values above the top of the null's delocalised bulk that are aligned with a
    step feature (|cos| > 0.25 with one of the centred degree-1..4 features). The localisation filter is not
    used for them: the even spike's right vector is :math:`\propto s_i^2`, whose inverse participation ratio for a
    Gaussian readout (mean 105/(9N)) often exceeds the 20/N cut, while unaligned values above the null are
    single heavy neurons or entries.
    """
    width = setup.width
    spec = {ht: setup.spikes(heavy_tails=ht) for ht in HEAVY}
    m0 = sum(1 for sp in spec[True].spikes if sp.kind != "hermite")
    rows = []
    for rec in recs:
        svn_d = _deloc(rec, "sv_null", "ipr_null", width)
        null_top = float(svn_d[m0]) if len(svn_d) > m0 else float("nan")
        sv = np.asarray(rec["sv"])
        gs = np.abs(np.asarray(rec["gs_cos"]))  # (KMONO+1, TOPK)
        aligned = np.max(gs[1:], axis=0) > 0.25
        j2 = int(np.argmax(gs[2]))  # best match of the centred degree-2 feature
        j1 = int(np.argmax(gs[1]))
        cond = {ht: setup.spikes(beta_norm_sq=rec["beta_norm_sq"], readout_values=np.asarray(rec["s"]), heavy_tails=ht)
                for ht in ("capped", False)}
        rows.append(dict(count=int(np.sum((sv > null_top) & aligned)), null_top=null_top, s2=float(sv[j2]),
                         gs2=float(gs[2, j2]), s1=float(sv[j1]), beta_norm_sq=rec["beta_norm_sq"], cond=cond,
                         sep2=bool(sv[j2] > null_top)))
    return spec, rows


def _loc(spec, degree):
    for sp in spec.spikes:
        if sp.degree == degree:
            return sp.location
    return float("nan")


def report(args) -> int:
    data = json.loads(Path(args.data).read_text())
    groups = {}
    for r in data["records"]:
        groups.setdefault((r["alpha"], r["n"]), []).append(r)
    lines = ["| alpha | n | trials | MC step outliers (per trial) | MC null bulk top (median) | theory edge: "
             "uncapped / capped / none | theory step count: uncapped / capped / none | MC degree-2 (median) | "
             "theory degree 2: uncapped / capped / none |", "|---|---|---|---|---|---|---|---|---|"]
    cond_lines = ["| alpha | n | trial | abs(beta)^2 | MC degree 1 | given step | gap | MC degree 2 | default | gap | "
                  "given step | gap |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for (alpha, n), recs in sorted(groups.items()):
        setup = setup_for(n, alpha)
        spec, rows = analyse(recs, setup)
        counts = [r["count"] for r in rows]
        f = lambda key, ht: f"{(spec[ht].bulk_edge if key == 'edge' else _loc(spec[ht], 2)):.3f}"  # noqa: E731
        lines.append(
            f"| {alpha:g} | {n} | {len(rows)} | {counts} | {np.median([r['null_top'] for r in rows]):.3f} | "
            + " / ".join(f("edge", ht) for ht in HEAVY) + " | "
            + " / ".join(str(spec[ht].step_count) for ht in HEAVY) + f" | {np.median([r['s2'] for r in rows]):.3f} | "
            + " / ".join(f("loc", ht) for ht in HEAVY) + " |")
        d2 = _loc(spec["capped"], 2)
        for rec, r in zip(recs, rows):
            c = r["cond"]["capped"]
            c1, c2 = _loc(c, 1), _loc(c, 2)
            if not np.isfinite(c2):  # below the capped edge: the location of the root without the edge test
                c2 = _loc(r["cond"][False], 2)
            cond_lines.append(
                f"| {alpha:g} | {n} | {rec['trial']} | {r['beta_norm_sq']:.4f} | {r['s1']:.3f} | {c1:.3f} | "
                f"{r['s1'] / c1 - 1:+.1%} | {r['s2']:.3f}{'' if r['sep2'] else ' (in bulk)'} | {d2:.3f} | "
                f"{r['s2'] / d2 - 1:+.1%} | {c2:.3f} | {r['s2'] / c2 - 1:+.1%} |")
    print("\n".join(lines))
    print()
    print("\n".join(cond_lines))
    return 0


def ablate(args) -> int:
    r"""Swap one term of the step out of the true W1 and see where the even spike goes (same trials as ``run``).

    Variants: ``network`` (W1); ``no_self_term`` (W1 without :math:`\tau s_iE[\sigma'He_2](w_i^0\cdot\beta)w_i^0`, the
    self-move of ``docs/derivations/srf_alignment.md``); ``no_self_move`` (W1 without the whole component of each
    row's step along its own :math:`w_i^0`).
    """
    from validate_spikes import KMONO, _top
    from validation.seeding import role_generator
    from validation.simulate import draw_data, feature_matrix, gradient_step

    n, alpha = int(args.n), float(args.alpha)
    setup = setup_for(n, alpha)
    act = setup.activation
    from theory.hermite.engine import gaussian_rule

    z, w = gaussian_rule(act.kinks, degree=12)
    e_d_he2 = float(w @ (np.asarray(act.deriv(z)) * (z * z - 1.0)))  # E[sigma' He_2]
    root = task_sequence(args.seed, f"edge:{n}:{alpha}")
    out = []
    for t in range(args.first, args.first + args.trials):
        tseq = trial_sequence(root, t)
        init = draw_initial(setup, tseq)
        W0, s = init.W0, init.s
        X, y, _ = draw_data(setup, n, role_generator(tseq, "step", 0), role_generator(tseq, "noise", 0))
        W1, _, r = gradient_step(W0, s, X, y, setup, return_gradient=True)
        beta = X.T @ r / n
        del X
        Xs, _, _ = draw_data(setup, n, role_generator(tseq, "extra", 0), role_generator(tseq, "noise", 900))
        kappa = Xs @ beta
        gs = [np.ones(n) / math.sqrt(n)]
        for k in range(1, KMONO + 1):
            v = kappa**k - sum((g @ kappa**k) * g for g in gs)
            gs.append(v / np.linalg.norm(v))
        gs = np.stack(gs)
        w0n = W0 / np.linalg.norm(W0, axis=1, keepdims=True)
        step = W1 - W0
        self_term = setup.lr * e_d_he2 * (s * (W0 @ beta))[:, None] * W0
        variants = {"network": W1, "no_self_term": W1 - self_term,
                    "no_self_move": W1 - np.sum(step * w0n, axis=1, keepdims=True) * w0n}
        rec = {"trial": t, "beta_norm_sq": float(beta @ beta)}
        for name, W in variants.items():
            F = feature_matrix(W, Xs, act) / math.sqrt(n)
            sv, U, _ = _top(F, 6)
            c = np.abs(gs @ U)
            rec[name] = {"deg1": float(sv[int(np.argmax(c[1]))]), "deg2": float(sv[int(np.argmax(c[2]))]),
                         "gs2": float(np.max(c[2]))}
        out.append(rec)
        print(json.dumps(rec), flush=True)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--sizes", default="1000,2000")
    r.add_argument("--alphas", default="0.2")
    r.add_argument("--trials", type=int, default=4)
    r.add_argument("--first", type=int, default=0)
    r.add_argument("--seed", type=int, default=SEED)
    r.add_argument("--out", default="spike_edge.json")
    p = sub.add_parser("report")
    p.add_argument("--data", default="spike_edge.json")
    a = sub.add_parser("ablate")
    a.add_argument("--n", type=int, default=2000)
    a.add_argument("--alpha", type=float, default=0.2)
    a.add_argument("--trials", type=int, default=2)
    a.add_argument("--first", type=int, default=0)
    a.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args(argv)
    return {"run": run, "report": report, "ablate": ablate}[args.cmd](args)


if __name__ == "__main__":
    raise SystemExit(main())
