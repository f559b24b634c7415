"""Validate the spike theory against Monte Carlo; regenerate ``docs/validation/spikes.md``.

Usage (from the repository root; the full run takes hours on 2 cores, run it niced in the background)::

    PYTHONPATH=. python scripts/validate_spikes.py run --sizes 1000,2000,4000,8000 --out spikes_mc.json
    PYTHONPATH=. python scripts/validate_spikes.py page --data spikes_mc.json --page docs/validation/spikes.md

The network is simulated with ``validation.simulate``'s building blocks (``draw_initial``,
``draw_data``, ``gradient_step``, ``feature_matrix``; one stream per role and trial). For each
trial the script records the top singular values of :math:`F/\\sqrt n` on fresh data, the cosines of
their left singular vectors with the monomials :math:`(\\tilde X\\beta)^{\\circ k}`, the localisation
(inverse participation ratio) of their right singular vectors, and the same spectrum for a
**bulk-matched null**: every neuron shifted by the same length as in the step but along its own
random direction (the per-neuron spreading of the bulk without the common direction that makes the
spikes, ``docs/theory/simulation.md#what-to-measure``). Sizes: ``d = width = n/2``; step ``eta = n^alpha``
(``OneStep.from_moniri``), ``residual="labels"``, target ``tanh``, no label noise.
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

import theory  # noqa: E402
from validation.seeding import role_generator, task_sequence, trial_sequence  # noqa: E402
from validation.simulate import draw_data, draw_initial, feature_matrix, gradient_step, simulate  # noqa: E402

KMONO = 4
TOPK = 12
POLY_COEFFS = [0.0, 1.0, 0.5, 0.3, 0.2]


def activation(name: str):
    if name == "poly":
        c = np.asarray(POLY_COEFFS) / math.sqrt(sum(ck**2 * math.factorial(k) for k, ck in enumerate(POLY_COEFFS)))
        return theory.activation("polynomial", coeffs=c, coeff_basis="hermite")
    return theory.activation(name)


def setup_for(act: str, readout: str, n: int, alpha: float):
    return theory.OneStep.from_moniri(alpha=alpha, activation=activation(act), target="tanh", d=n // 2,
                                      width=n // 2, n=n, readout=readout, residual="labels", noise_var=0.0)


def _top(F, k):
    """Top ``k`` singular values of ``F`` with left (``n``) and right (``width``) unit vectors."""
    from scipy.linalg import eigh

    N = F.shape[1]
    w, V = eigh(F.T @ F, subset_by_index=[N - k, N - 1])
    w, V = w[::-1], V[:, ::-1]
    s = np.sqrt(np.maximum(w, 0.0))
    return s, (F @ V) / s, V


def trial(setup, seed, t):
    """One Monte Carlo trial of the feature spectrum (see the module docstring)."""
    tseq = trial_sequence(seed, t)
    init = draw_initial(setup, tseq)
    n = int(setup.n)
    X, y, _ = draw_data(setup, n, role_generator(tseq, "step", 0), role_generator(tseq, "noise", 0))
    W1, _, r = gradient_step(init.W0, init.s, X, y, setup, return_gradient=True)
    beta = X.T @ r / n
    del X
    Xs, _, _ = draw_data(setup, n, role_generator(tseq, "extra", 0), role_generator(tseq, "noise", 900))
    F = feature_matrix(W1, Xs, setup.activation) / math.sqrt(n)
    s, U, V = _top(F, TOPK)
    kappa = Xs @ beta
    mono = np.stack([kappa**k for k in range(KMONO + 1)])
    mono /= np.linalg.norm(mono, axis=1, keepdims=True)
    # Gram-Schmidt monomials of the sample: 1, kappa, kappa^2, ... orthonormalised in this order (the
    # centred degree-k features, the definition of Spike.gs_alignment and of the simulator's left_gs_alignment)
    gs = [np.ones(n) / math.sqrt(n)]
    for k in range(1, KMONO + 1):
        v = mono[k] - sum((g @ mono[k]) * g for g in gs)
        gs.append(v / np.linalg.norm(v))
    gs = np.stack(gs)
    rec = {"sv": s.tolist(), "cos": (mono @ U).tolist(), "gs_cos": (gs @ U).tolist(),
           "ipr": np.sum(V**4, axis=0).tolist(), "beta_norm_sq": float(beta @ beta)}
    # bulk-matched null: the common shift tau c1 s_i beta replaced by one of the same length along a
    # random direction per neuron
    c1 = theory.hermite.moments.gaussian_moments(setup.activation).deriv_mean
    B = role_generator(tseq, "extra", 1).standard_normal(W1.shape)
    B /= np.linalg.norm(B, axis=1, keepdims=True)
    shift = setup.lr * c1 * init.s[:, None]
    W_null = W1 - shift * beta[None, :] + shift * math.sqrt(float(beta @ beta)) * B
    Fn = feature_matrix(W_null, Xs, setup.activation) / math.sqrt(n)
    sn, _, Vn = _top(Fn, TOPK)
    rec["sv_null"] = sn.tolist()
    rec["ipr_null"] = np.sum(Vn**4, axis=0).tolist()
    return rec


def run(args) -> int:
    sizes = [int(x) for x in args.sizes.split(",")]
    alphas = [float(a) for a in args.alphas.split(",")]
    out = Path(args.out)
    data = json.loads(out.read_text()) if out.exists() else {"spectra": [], "weight": [], "meta": {}}
    done = {(r["act"], r["readout"], r["n"], r["alpha"]) for r in data["spectra"]}
    data["meta"] = {"seed": args.seed, "kmono": KMONO, "topk": TOPK, "poly_coeffs": POLY_COEFFS}
    for n in sizes:
        trials = args.trials if n <= 2000 else args.trials_large
        for act_ro in args.activations.split(","):
            act, readout = act_ro.split(":")
            for alpha in alphas:
                if (act, readout, n, alpha) in done:
                    continue
                setup = setup_for(act, readout, n, alpha)
                t0 = time.time()
                root = task_sequence(args.seed, f"{act}:{readout}:{n}:{alpha}")
                recs = [trial(setup, root, t) for t in range(trials)]
                data["spectra"].append({"act": act, "readout": readout, "n": n, "alpha": alpha, "trials": recs,
                                        "seconds": time.time() - t0})
                out.write_text(json.dumps(data))
                print(f"{act}:{readout} n={n} alpha={alpha} {time.time() - t0:.0f}s "
                      f"top {np.round(np.median([r['sv'][:3] for r in recs], axis=0), 4)}", flush=True)
    if args.weight:
        for eta, act in ((1.0, "tanh"), (3.0, "tanh"), (3.0, "relu")):
            d = 2500
            setup = theory.OneStep.from_ba(eta=eta, activation=act, target=theory.activation("softplus", center=True),
                                           d=d, width=d // 2, n=2 * d, noise_var=0.0625)
            key = (act, eta)
            if any((w["act"], w["eta"]) == key for w in data["weight"]):
                continue
            sim = simulate(setup, trials=args.weight_trials, seed=args.seed, measures=("overlap", "weight_spike"))
            data["weight"].append({"act": act, "eta": eta, "d": d, "records": [
                {k: float(v) for k, v in rec.items()} for rec in sim.records]})
            out.write_text(json.dumps(data))
            print(f"weight spike {act} eta={eta} done", flush=True)
    return 0


# ----------------------------------------------------------------------------- analysis
def gap_count(sv, threshold, m_max=10):
    """Largest ``j <= m_max`` with ``s_j/s_{j+1} > threshold`` (0 if none)."""
    sv = np.asarray(sv)
    ratios = sv[:m_max] / sv[1:m_max + 1]
    above = np.nonzero(ratios > threshold)[0]
    return int(above[-1] + 1) if above.size else 0


def analyse(rec_group, setup):
    """Theory and Monte Carlo summaries for one configuration."""
    spec = setup.spikes()
    trials = rec_group["trials"]
    sv = np.array([t["sv"] for t in trials])
    svn = np.array([t["sv_null"] for t in trials])
    cos = np.abs(np.array([t["cos"] for t in trials]))  # trials x (KMONO+1) x TOPK
    gsc = np.abs(np.array([t["gs_cos"] for t in trials]))  # row 0: the constant; row k: k-th GS monomial
    ipr = np.array([t["ipr"] for t in trials])
    # localised singular vectors (IPR >= 20/N: a single heavy entry or neuron) are not features; drop them
    # from the Monte Carlo and from the null before counting
    loc_cut = 20.0 / setup.width
    iprn = np.array([t["ipr_null"] for t in trials])
    sv_d = [s_[i_ < loc_cut] for s_, i_ in zip(sv, ipr)]
    svn_d = [s_[i_ < loc_cut] for s_, i_ in zip(svn, iprn)]
    # outliers that are not the step's (the mean of F, the kernel direction) are in the null as well:
    # m0 of them are predicted; the null's bulk starts at its (m0+1)-th delocalised singular value
    m0 = sum(1 for sp in spec.spikes if sp.kind != "hermite")
    # (if the top singular values recorded are all localised, the delocalised bulk lies below the last one)
    null_bulk_top = float(max(s_[m0] if len(s_) > m0 else full[-1] for s_, full in zip(svn_d, svn)))
    # gap detector on the delocalised values: largest j with s_j/s_(j+1) above the largest ratio of the
    # null's bulk (j > m0)
    ratios = [np.max(s_[m0:-1] / s_[m0 + 1:]) for s_ in svn_d if len(s_) > m0 + 1]
    thr = float(max(ratios)) if ratios else float(np.max(svn[:, :-1] / svn[:, 1:]))
    thr = 1.0 + 2.0 * (thr - 1.0)  # few null draws under-sample the largest bulk gap: twice its excess
    counts = [gap_count(s_, thr, m_max=min(10, len(s_) - 1)) for s_ in sv_d]
    deloc = [int(np.sum(s_ > null_bulk_top)) for s_ in sv_d]
    rows = []
    used = [set() for _ in trials]  # each Monte Carlo vector is matched at most once, largest spikes first
    for sp in sorted(spec.spikes, key=lambda x: -x.location):
        k = 0 if sp.degree is None else sp.degree
        if k > KMONO or sp.kind == "kernel":
            continue
        # the unused Monte Carlo singular vector best aligned with the k-th Gram-Schmidt monomial
        # (the constant for k = 0)
        j = []
        for t in range(len(trials)):
            order = np.argsort(-gsc[t, k, :])
            jt = next(int(i) for i in order if int(i) not in used[t])
            used[t].add(jt)
            j.append(jt)
        j = np.array(j)
        idx = np.arange(len(trials))
        vals = sv[idx, j]
        rows.append({"degree": sp.degree, "kind": sp.kind, "theory": sp.location, "mc_median": float(np.median(vals)),
                     "mc_se": float(1.2533 * np.std(vals, ddof=1) / math.sqrt(len(vals))) if len(vals) > 1 else float("nan"),
                     "align_theory": sp.alignment, "align_mc": float(np.median(cos[idx, k, j])),
                     "gs_theory": sp.gs_alignment, "gs_mc": float(np.median(gsc[idx, k, j])),
                     "edge_margin": sp.location / spec.bulk_edge - 1})
    return {"spec": spec, "counts": counts, "deloc": deloc, "threshold": thr, "null_top": null_bulk_top, "rows": rows,
            "edge": spec.bulk_edge}


def page(args) -> int:
    data = json.loads(Path(args.data).read_text())
    groups = {}
    for g in data["spectra"]:
        groups[(g["act"], g["readout"], g["n"], g["alpha"])] = g
    sizes = sorted({k[2] for k in groups})
    combos = sorted({(k[0], k[1]) for k in groups})
    alphas = sorted({k[3] for k in groups})
    L = ["# Validation: spikes of the feature matrix and of the weights", "",
         "Regenerate: `bash scripts/validate_spikes.sh` (all the runs, in priority order, resumable; hours on 2 "
         "cores) or any `scripts/validate_spikes.py run ...` line of it, then `PYTHONPATH=. python "
         "scripts/validate_spikes.py page --data spikes_mc.json --links spikes_links.json --page "
         f"docs/validation/spikes.md`. Sizes present in this page: n = {', '.join(map(str, sizes))}.",
         "", f"Root seed {data['meta'].get('seed')}; `d = width = n/2`, `eta = n^alpha` (Moniri), `residual=\"labels\"`, "
         "target tanh, no label noise; polynomial = `polynomial(coeffs=[0, 1, 0.5, 0.3, 0.2], coeff_basis=\"hermite\")` "
         "normalised to unit second moment. Theory: `setup.spikes()` (finite-size equivalent, `docs/spikes.md` §5) and "
         "`theory.spike_degrees` (interval theorem). Monte Carlo: `validation.simulate` building blocks; trials per point "
         "in the tables. Each predicted spike is matched to the Monte Carlo singular vector best aligned with its "
         "Gram-Schmidt monomial (the sample's $\\tilde X\\beta, (\\tilde X\\beta)^{\\circ 2}, \\dots$ orthonormalised in "
         "this order), which is robust to localised outliers.", ""]
    # --- locations
    L += ["## 1. Locations and alignments", "",
          "Relative gap = MC median / theory - 1 (se of the median: 1.2533 sd/sqrt(trials)). Alignments: |cos| of the "
          "left singular vector with the monomial $(\\tilde X\\beta)^{\\circ k}$ and with the k-th Gram-Schmidt monomial.", "",
          "| activation | readout | alpha | n | degree | theory | MC median (se) | gap | monomial: theory / MC | "
          "GS monomial: theory / MC | status |",
          "|---|---|---|---|---|---|---|---|---|---|---|"]
    gaps = {}
    for (act, ro) in combos:
        for a in alphas:
            for n in sizes:
                g = groups.get((act, ro, n, a))
                if g is None:
                    continue
                res = analyse(g, setup_for(act, ro, n, a))
                g["_res"] = res
                for row in res["rows"]:
                    gap = row["mc_median"] / row["theory"] - 1
                    gaps.setdefault((act, ro, a, row["degree"]), {})[n] = gap
                    L.append(f"| {act} | {ro} | {a} | {n} | {row['degree']} | {row['theory']:.4f} | "
                             f"{row['mc_median']:.4f} ({row['mc_se']:.4f}) | {100 * gap:+.1f}% | "
                             f"{row['align_theory']:.3f} / {row['align_mc']:.3f} | {row['gs_theory']:.3f} / {row['gs_mc']:.3f} | "
                             f"{res['spec'].status} |")
    summary = ["## Summary", ""]
    for (act, ro) in combos:
        rows_all = [(n, row) for (a_, r_, a, k), _ in gaps.items() if (a_, r_) == (act, ro) for n, row in [(0, 0)]]
        del rows_all
        items = [(g["n"], row) for (a_, r_, n_, al), g in groups.items() if (a_, r_) == (act, ro) and "_res" in g
                 for row in g["_res"]["rows"]]
        if not items:
            continue
        worst = max(abs(r["mc_median"] / r["theory"] - 1) for _, r in items)
        worst_al = max(abs(r["align_mc"] - r["align_theory"]) for _, r in items)
        big = [abs(r["mc_median"] / r["theory"] - 1) for n, r in items if n >= 4000]
        summary.append(f"* {act}, {ro} readout: {len(items)} spike locations, largest |gap| {100 * worst:.1f}% "
                       + (f"({100 * max(big):.1f}% at n >= 4000)" if big else "(no n >= 4000 yet)")
                       + f"; largest alignment difference {worst_al:.3f}.")
    summary += ["", "Reading the tables:", "",
                "* tanh and relu (Gaussian readout, Moniri's setting): the finite-size equivalent is within 3% at "
                "n >= 4000 for every separated spike and alpha in [0, 0.4] (within 1-2% at n = 8000), alignments "
                "within 0.02, and its outlier count equals the simulated one (both detectors) except where a spike "
                "lies within 1% of the edge.",
                "* The polynomial with a large He_4 part is the hard case. With a Gaussian readout, neurons with "
                "|s| ~ 3 dominate the top of the spectrum at n <= 8000 (in theory and simulation alike: no step spike "
                "separates). With a +-1 readout the degree-1 spike is within 5% from n = 1000 and within 2.3% from "
                "n = 4000; the even spike (status `approximate`) comes out too low by a gap that shrinks with n "
                "(+22%, +12%, +5%, +4% at n = 1000..8000 for alpha = 0.4): the neurons' squared norms scatter, "
                "correlated with a_i (`docs/spikes.md` §5.8; section 6 locates the error in the per-neuron model; "
                "without the scatter in the loadings the gaps were +31%, +19%, +9%, +6%). Localised outliers "
                "(single heavy entries) confuse the gap detector there; the delocalised count matches the theory.",
                "* The interval theorem counts spikes as n -> infinity; at these sizes fewer separate (tanh's degree 3 "
                "at alpha = 0.35, the polynomial's even spike at alpha = 0.3), as the equivalent predicts; section 4 "
                "shows the equivalent reaching the theorem's count as n grows."]
    L[L.index("## 1. Locations and alignments"):L.index("## 1. Locations and alignments")] = summary + [""]
    L += ["", "## 2. Relative gap against n", "", "| activation | readout | alpha | degree | " +
          " | ".join(f"n = {n}" for n in sizes) + " |", "|---|---|---|---|" + "---|" * len(sizes)]
    for key in sorted(gaps, key=lambda k: (k[0], k[1], k[2], -1 if k[3] is None else k[3])):
        row = gaps[key]
        L.append(f"| {key[0]} | {key[1]} | {key[2]} | {key[3]} | " +
                 " | ".join(f"{100 * row[n]:+.1f}%" if n in row else "" for n in sizes) + " |")
    # --- counts
    L += ["", "## 3. Spike count", "",
          "All separated outliers, the mean of F and the kernel direction included (theory: `spec.count`; the step "
          "spikes alone in brackets), and the interval theorem's asymptotic count of step spikes. Monte Carlo: the "
          "gap detector (largest j with s_j/s_(j+1) - 1 above twice the largest excess ratio of the bulk-matched "
          "null's bulk, i.e. beyond its m0 predicted non-step outliers; the factor 2 because a few null draws "
          "under-sample the largest bulk gap) and the number of singular values above the null's bulk; "
          "both on the delocalised singular values only (IPR of the right vector < 20/N; localised ones are single "
          "heavy entries or neurons, `docs/spikes.md` §5.7), in the simulation and in the null; medians over trials. "
          "The interval theorem is `spike_degrees(alpha, readout=...)` (a ±1 readout merges degrees of equal "
          "parity).", "",
          "| activation | readout | alpha | n | theory: all (step) | interval theorem | MC gap count | "
          "MC delocalised count | theory edge | null bulk top |", "|---|---|---|---|---|---|---|---|---|---|"]
    for (act, ro) in combos:
        for a in alphas:
            for n in sizes:
                g = groups.get((act, ro, n, a))
                if g is None:
                    continue
                res = g["_res"]
                sd = theory.spike_degrees(a, setup_for(act, ro, n, a).activation, readout=ro) if a > 0 else None
                itc = "boundary" if sd is None or sd.at_boundary else str(sd.count)
                L.append(f"| {act} | {ro} | {a} | {n} | {res['spec'].count} ({res['spec'].step_count}) | {itc} | "
                         f"{int(np.median(res['counts']))} | "
                         f"{int(np.median(res['deloc']))} | {res['edge']:.3f} | {res['null_top']:.3f} |")
    # --- asymptotic consistency
    L += ["", "## 4. The finite-size equivalent recovers the interval theorem", "",
          "Step spikes (degree >= 1) of `setup.spikes()` for the polynomial with a Gaussian readout, "
          "`d = width = n/2`, against `spike_degrees(alpha).count`:", "",
          "| alpha | interval theorem | " + " | ".join(f"n = 1e{e}" for e in (3, 5, 9, 16)) + " |",
          "|---|---|" + "---|" * 4]
    for a in (0.1, 0.2, 0.3, 0.35, 0.42):
        cells = []
        for e in (3, 5, 9, 16):
            s = setup_for("poly", "gaussian", 10**e, a)
            cells.append(str(s.spikes().step_count))
        L.append(f"| {a} | {theory.spike_degrees(a, activation('poly')).count} | " + " | ".join(cells) + " |")
    # --- weight spike
    if data["weight"]:
        L += ["", "## 5. Ba et al.'s weight spike (d = 2500, width = d/2, n = 2d)", "",
              "Centred softplus teacher, label noise 0.0625, `OneStep.from_ba`; mean over trials with the standard "
              "error; theory `setup.weight_spike()`.", "",
              "| activation | eta | quantity | theory | MC mean (se) | within |", "|---|---|---|---|---|---|"]
        for w in data["weight"]:
            setup = theory.OneStep.from_ba(eta=w["eta"], activation=w["act"],
                                           target=theory.activation("softplus", center=True), d=w["d"],
                                           width=w["d"] // 2, n=2 * w["d"], noise_var=0.0625)
            ws, lo = setup.weight_spike(), setup.learned_overlap()
            s1_name = "s1(W1)" if ws.outlier else "s1(W1) (no outlier: finite-size edge)"
            s1_th = ws.singular_value if ws.outlier else ws.bulk_edge_finite
            for name, th, key in ((s1_name, s1_th, "w1_top_singular_value"),
                                  ("<v1, beta*>^2", ws.overlap_sq, "w1_overlap_target_sq"),
                                  ("<v1, beta_hat>^2", ws.overlap_beta_sq, "w1_overlap_beta_sq"),
                                  ("<u1, s_hat>^2", ws.overlap_readout_sq, "w1_overlap_readout_sq"),
                                  ("|beta|^2", lo.norm_sq, "beta_norm_sq"), ("cos(beta, beta*)", lo.cos, "beta_cos")):
                v = np.array([r[key] for r in w["records"]])
                m, se = v.mean(), v.std(ddof=1) / math.sqrt(len(v))
                L.append(f"| {w['act']} | {w['eta']} | {name} | {th:.4f} | {m:.4f} ({se:.4f}) | "
                         f"{abs(m - th) / se:.1f} se |")
    if args.links and Path(args.links).exists():
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from spikes_links import summarise

        L += ["", "## 6. Link by link", "",
              "`PYTHONPATH=. python scripts/spikes_links.py --sizes 1000,2000 --trials 4 --out spikes_links.json` "
              "(Gaussian readout). **Per-neuron model** (`docs/spikes.md` §5.1), means over trials: slope of "
              "$a_i = w_i^1\\cdot\\hat\\beta$ on $s_i$, residual variance of $a_i$ (theory $E\\rho^2/d$), mean "
              "$\\rho_i^2 = |w_i^1|^2 - a_i^2$ and its slope in $s_i^2$.", "",
              "| activation | alpha | n | slope MC / theory (given the trial's beta) | resid. var MC / theory | "
              "mean rho^2 MC / theory | d rho^2 / d s^2 MC / theory |", "|---|---|---|---|---|---|---|"]
        rows = summarise(args.links)
        for r in rows:
            if "rademacher" in r["act"]:
                r["rho2_s2_slope"] = r["rho2_s2_slope_theory"] = float("nan")  # s^2 = 1: no slope
            L.append(f"| {r['act']} | {r['alpha']} | {r['n']} | {r['slope']:.4f} / {r['slope_theory']:.4f} "
                     f"({r.get('slope_theory_given_beta', float('nan')):.4f}) | "
                     f"{r['resid_var']:.5f} / {r['resid_var_theory']:.5f} | {r['rho2_mean']:.4f} / {r['rho2_theory']:.4f} | "
                     f"{r['rho2_s2_slope']:.4f} / {r['rho2_s2_slope_theory']:.4f} |")
        L += ["", "**Spikes** (medians over trials, matched by Gram-Schmidt alignment): the true network, the "
              "*modelled network* (rows $a(s_i)\\hat\\beta+\\epsilon_i\\hat\\beta+\\rho(s_i)\\hat w_i$ with isotropic "
              "$\\hat w_i$ and the true activation) and the deterministic equivalent. True vs model = per-neuron "
              "modelling error; model vs theory = Gaussian-equivalence and random-matrix error.", "",
              "| activation | alpha | n | degree | theory | modelled network | true network |", "|---|---|---|---|---|---|---|"]
        for r in rows:
            for sp in r["spikes"]:
                L.append(f"| {r['act']} | {r['alpha']} | {r['n']} | {sp['degree']} | {sp['theory']:.4f} | "
                         f"{sp['model']:.4f} ({100 * (sp['model'] / sp['theory'] - 1):+.1f}%) | "
                         f"{sp['true']:.4f} ({100 * (sp['true'] / sp['theory'] - 1):+.1f}%) |")
    Path(args.page).parent.mkdir(parents=True, exist_ok=True)
    Path(args.page).write_text("\n".join(L) + "\n")
    print(f"wrote {args.page}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--sizes", default="1000,2000,4000,8000")
    r.add_argument("--alphas", default="0.0,0.1,0.2,0.3,0.35,0.4")
    r.add_argument("--activations", default="tanh:gaussian,poly:gaussian")
    r.add_argument("--trials", type=int, default=6, help="trials per point for n <= 2000")
    r.add_argument("--trials-large", type=int, default=3, help="trials per point for n > 2000")
    r.add_argument("--seed", type=int, default=20240)
    r.add_argument("--weight", action="store_true", help="also Ba's weight spike at d = 2500")
    r.add_argument("--weight-trials", type=int, default=6)
    r.add_argument("--out", default="spikes_mc.json")
    r.set_defaults(func=run)
    p = sub.add_parser("page")
    p.add_argument("--data", default="spikes_mc.json")
    p.add_argument("--page", default="docs/validation/spikes.md")
    p.add_argument("--links", default=None, help="output of scripts/spikes_links.py (optional)")
    p.set_defaults(func=page)
    args = ap.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
