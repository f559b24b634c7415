"""Regenerate the reproduction gallery: docs/gallery/<paper>.md, .png and data/<paper>.json.

    PYTHONPATH=. python scripts/make_gallery.py --simulate        # new simulation data (minutes), then pages
    PYTHONPATH=. python scripts/make_gallery.py                   # pages and figures from the stored data
    PYTHONPATH=. python scripts/make_gallery.py --only cui2024

The data are produced by ``validation.reproduce.simulate_data(name, scale="gallery", seed=SEED)``;
the theory is evaluated when the pages are written (``validation.reproduce.reproduce``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from validation.reproduce import _MODULES, PAPERS, reproduce, simulate_data  # noqa: E402

SEED = 2024
GALLERY = ROOT / "docs" / "gallery"

INTRO = {
    "ba2022": (
        "Ba et al. (NeurIPS 2022) show that one gradient step of size $\\eta = \\Theta(1)$ adds a rank-one spike "
        "to the first-layer weights, which aligns with the target direction beyond a BBP-type threshold, and that "
        "ridge regression on the new features improves on random features. Left: the squared overlap of the top "
        "right singular vector of $W_1$ with $\\beta_*$ (`setup.weight_spike()`, `docs/theory/spikes.md#weight-spike`). Right: "
        "the prediction risk (no label noise) of ridge on fresh data (`theory.risk(method=\"ba\")`, `docs/risk.md`)."
    ),
    "moniri2024": (
        "Moniri et al. (ICML 2024): with $\\eta = n^\\alpha$, the feature matrix $F = \\sigma(\\tilde X W_1^\\top)$ "
        "acquires one more separated singular value each time $\\alpha$ crosses $(\\ell-1)/(2\\ell)$ (grey lines at "
        "1/4, 1/3, 3/8). Squares: the outliers predicted by `setup.spikes()` (finite-size equivalent, "
        "`docs/spikes.md`); dashed: its bulk edge; points: the top four simulated singular values of $F/\\sqrt n$."
    ),
    "cui2024": (
        "Cui et al. (ICML 2024): after one giant step ($\\tilde\\eta = \\Theta(1)$ on $n_0 = \\alpha_0 d$ samples) the "
        "network is a spiked random-features model whose ridge test error has a deterministic equivalent. Lines: "
        "`theory.risk`'s default (`srf` with the alignment term of docs/derivations/srf_alignment.md, which "
        "Cui et al.'s published equations, `alignment_term=False`, leave out; `rf` for $\\tilde\\eta = 0$); "
        "points: the simulated network."
    ),
    "dandi2024": (
        "Dandi et al. (JMLR 2024): one giant step on $n = \\alpha d$ samples aligns each neuron with the first "
        "Hermite direction $v^* = C_1/|C_1|$ of a multi-index target, with the sign of its readout. Lines: the "
        "$\\ell = 1$ cosine law (`theory.alignment_law`, `docs/giant_step.md`); points: the mean over the neurons of "
        "each sign of the simulated $\\cos(w_i^1, v^*)$."
    ),
}


def page(res) -> str:
    d = res.data
    rows = res.rows
    intro = INTRO.get(res.name) or getattr(_MODULES.get(res.name), "INTRO", "")  # plugged modules carry their own
    lines = [f"# {res.title}", "", intro, "", f"![{res.name}]({res.name}.png)", "",
             "## Setting, sizes, seeds", "", f"* {d['setting']}.", f"* Sizes: {d['sizes']}; {d['trials']} independent "
             f"trials per point; root seed {d['seed']} (`validation.reproduce.simulate_data({res.name!r}, "
             f"scale=\"gallery\", seed={d['seed']})`, one stream per point from `task_sequence(seed, key)`); "
             f"simulation time {d.get('elapsed_s', float('nan')):.0f} s.",
             f"* Data: [`data/{res.name}.json`](data/{res.name}.json). Regenerate: "
             f"`PYTHONPATH=. python scripts/make_gallery.py --simulate --only {res.name}`; redraw from the data: "
             f"`onegrad reproduce {res.name} --data docs/gallery/data/{res.name}.json`.",
             "", "## Agreement", "",
             f"{res.n_agree} of {len(rows)} simulated points agree with the theory: the theory lies in the 95% "
             "t-interval of the trial mean or within the finite-size tolerance $1/\\sqrt d$ (relative; absolute for "
             "overlaps and cosines, `validation.compare.agreement`).", "",
             "| curve | x | theory | simulation | 95% interval | gap | verdict |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        gap = (r["mean"] - r["theory"]) / abs(r["theory"]) if r["theory"] else float("nan")
        gap_s = f"{100 * gap:+.1f}%" if gap == gap else "-"
        lines.append(f"| {r['curve']} | {r['x']:g} | {r['theory']:.4g} | {r['mean']:.4g} | "
                     f"[{r['ci_low']:.4g}, {r['ci_high']:.4g}] | {gap_s} | {r['verdict']} |")
    bad = [r for r in rows if r["verdict"] != "agrees"]
    if bad:
        lines += ["", "Points that disagree: " + "; ".join(f"{r['curve']} at x = {r['x']:g}" for r in bad) + "."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--simulate", action="store_true", help="run the simulations (else use the stored data)")
    ap.add_argument("--only", nargs="*", default=list(PAPERS))
    args = ap.parse_args(argv)
    (GALLERY / "data").mkdir(parents=True, exist_ok=True)
    summary = []
    for name in args.only:
        path = GALLERY / "data" / f"{name}.json"
        if args.simulate or not path.exists():
            print(f"simulating {name} ...", file=sys.stderr, flush=True)
            data = simulate_data(name, scale="gallery", seed=SEED)
            path.write_text(json.dumps(data, indent=1) + "\n")
        res = reproduce(name, data=str(path), out=GALLERY)
        (GALLERY / f"{name}.md").write_text(page(res))
        summary.append(res)
        print(res.summary(), file=sys.stderr)
    index = ["# Reproduction gallery", "",
             "One page per paper: its main figure regenerated from this library, the theory evaluated live and the "
             "simulated points from stored data (`docs/gallery/data/`, produced by `scripts/make_gallery.py`).", "",
             "| paper | points agreeing | sizes |", "|---|---|---|"]
    for name in PAPERS:
        path = GALLERY / "data" / f"{name}.json"
        if not path.exists():
            continue
        res = next((r for r in summary if r.name == name), None) or reproduce(name, data=str(path))
        index.append(f"| [{res.title}]({name}.md) | {res.n_agree} / {len(res.rows)} | "
                     f"{res.data['sizes']} |")
    (GALLERY / "index.md").write_text("\n".join(index) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
