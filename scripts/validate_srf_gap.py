"""Where the spiked-RF surrogate and the real network differ after one giant step; regenerates
``docs/validation/srf_gap.md``.

Usage (from the repository root; the default run takes about ten minutes niced on 2 shared cores)::

    PYTHONPATH=. nice python scripts/validate_srf_gap.py run --out docs/validation/data/srf_gap.jsonl
    PYTHONPATH=. python scripts/validate_srf_gap.py page --data docs/validation/data/srf_gap.jsonl --page docs/validation/srf_gap.md \\
        --reading docs/validation/data/srf_gap_reading.md

Cui et al.'s giant step (``theory.OneStep.from_cui``: ``p = d``, constant readout, ``eta~ = 3``), ridge
on ``2d`` fresh samples with ``lambda_C = 0.1``, 10^4 fresh test points. In each trial every model below is
fitted on the same ridge pool and scored on the same test set, so the relative differences are paired:

* ``network``: the real first layer after the step, ``W1``;
* ``srf``: Cui et al.'s surrogate ``sqrt(c) W0 + r 1 v^T`` (``validation.surrogates.srf_weights``);
* ``srf+align``: the same plus the alignment term ``c_hat (w_i^0 . v) w_i^0`` (``alignment_term=True``);
* ``own``: the surrogate built from the trial's own step, ``sqrt(c_emp) W0 + mean(a) 1 v_hat^T``, with
  ``v_hat`` the learned direction, ``a_i`` each neuron's move along it, ``c_emp`` the mean squared norm
  of the rest of the row;
* ``own+align``: ``own`` plus ``c_hat (w_i^0 . v_hat) w_i^0`` with the theoretical ``c_hat``;
* ``own+shuffled``: ``own`` plus ``c_hat (w_pi(i)^0 . v_hat) w_i^0`` for a random permutation ``pi``: the
  same spread of row scales, uncorrelated with the neuron's own overlap (a control).

Settings: tanh student and sin target at ``alpha0 = 20`` for d = 250..2000, at d = 500 for
``alpha0`` in {5, 80}, and a student with no third Hermite coefficient, ``tanh(z) - b sin(z)`` with
``b = E[tanh He3] / E[sin He3]`` (so ``c_hat = 0``), at d = 500 and 1000.
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
from validation.ridge import ridge_path, stream_test_errors  # noqa: E402
from validation.seeding import role_generator, task_sequence, trial_sequence  # noqa: E402
from validation.simulate import draw_data, draw_initial, gradient_step  # noqa: E402
from validation.stats import estimate  # noqa: E402
from validation.surrogates import NetworkFeatures, own_step_srf_weights, srf_weights  # noqa: E402

SEED = 2026
LAM = 0.1
MODELS = ("network", "srf", "srf+align", "own", "own+align", "own+shuffled")
DEFAULT_RUNS = (
    # (student, alpha0, d, trials)
    ("tanh", 20.0, 250, 32), ("tanh", 20.0, 500, 24), ("tanh", 20.0, 1000, 16), ("tanh", 20.0, 2000, 8),
    ("tanh", 5.0, 500, 16), ("tanh", 80.0, 500, 16),
    ("tanh-b*sin", 20.0, 500, 12), ("tanh-b*sin", 20.0, 1000, 8),
)


def _gauss(f, nodes: int = 200) -> float:
    z, w = np.polynomial.hermite_e.hermegauss(nodes)
    return float(np.sum(w * f(z)) / np.sum(w))


def student(name: str):
    """The activation ``name``: a registry name, or ``"tanh-b*sin"`` (odd, no third Hermite coefficient)."""
    if name != "tanh-b*sin":
        return theory.activation(name)
    he3 = lambda z: z**3 - 3 * z  # noqa: E731
    b = _gauss(lambda z: np.tanh(z) * he3(z)) / _gauss(lambda z: np.sin(z) * he3(z))
    return theory.Activation(name=f"tanh(z) - {b:.6f} sin(z)", func=lambda z: np.tanh(z) - b * np.sin(z),
                             derivative=lambda z: 1 - np.tanh(z) ** 2 - b * np.cos(z), parity=-1)


def trial_errors(s, root, t: int, n_test: int) -> dict:
    """Paired test errors of every model in :data:`MODELS` for trial ``t`` (same pool and test set)."""
    d = s.d
    tseq = trial_sequence(root, t)
    init = draw_initial(s, tseq)
    X, y, _ = draw_data(s, int(round(s.n)), role_generator(tseq, "step", 0), role_generator(tseq, "noise", 0))
    W1, _, r = gradient_step(init.W0, init.s, X, y, s, return_gradient=True)
    v_hat = X.T @ r
    v_hat /= np.linalg.norm(v_hat)
    del X
    prm = theory.srf_parameters(s)
    move = W1 - init.W0
    a = move @ v_hat
    own = own_step_srf_weights(init.W0, W1, v_hat)
    rho = init.W0[:, 0]  # beta_* = e_1 in the simulator
    ov = init.W0 @ v_hat  # overlaps with the learned (spike) direction
    perm = role_generator(tseq, "extra", 7).permutation(len(rho))
    W_srf, _, _ = srf_weights(s, init.W0, init.s, role_generator(tseq, "extra", 2))
    W_align, _, _ = srf_weights(s, init.W0, init.s, role_generator(tseq, "extra", 2), alignment_term=True)
    weights = {
        "network": W1,
        "srf": W_srf,
        "srf+align": W_align,
        "own": own,
        "own+align": own + (prm.alignment_coefficient * ov)[:, None] * init.W0,
        "own+shuffled": own + (prm.alignment_coefficient * ov[perm])[:, None] * init.W0,
    }
    n_ridge = 2 * d
    Xr, yr, _ = draw_data(s, n_ridge, role_generator(tseq, "ridge"), role_generator(tseq, "noise", 100))
    out = {}
    for name, W in weights.items():
        fmap = NetworkFeatures(s.activation, W)
        path = ridge_path(fmap.features(Xr), yr, [n_ridge], [[LAM]])
        test_rng, noise_rng = role_generator(tseq, "test"), role_generator(tseq, "noise", 200)
        err = stream_test_errors(fmap.features, path.readouts[0], lambda m: draw_data(s, m, test_rng, noise_rng), n_test)
        out[name] = float(err["test_error"][0])
    self_part = np.sum((move - np.outer(a, v_hat)) * init.W0, axis=1)
    out["c_hat_measured"] = float(self_part @ ov / (ov @ ov))
    out["slope_on_rho"] = float(self_part @ rho / (rho @ rho))
    return out


def run(args) -> int:
    out = Path(args.out)
    done = set()
    if out.exists():
        done = {(r["student"], r["alpha0"], r["d"], r["trial"]) for r in map(json.loads, out.read_text().splitlines())}
    runs = DEFAULT_RUNS if not args.quick else (("tanh", 20.0, 100, 2), ("tanh-b*sin", 20.0, 100, 2))
    for name, alpha0, d, trials in runs:
        s = theory.OneStep.from_cui(eta_tilde=3.0, d=d, width=d, alpha0=alpha0, activation=student(name), target="sin")
        root = task_sequence(SEED, f"srf-gap-{name}-{alpha0:g}-{d}")
        for t in range(trials):
            if (name, alpha0, d, t) in done:
                continue
            t0 = time.perf_counter()
            rec = {"student": name, "alpha0": alpha0, "d": d, "trial": t, **trial_errors(s, root, t, args.n_test)}
            prm = theory.srf_parameters(s)
            rec["c_hat_theory"] = prm.alignment_coefficient
            rec["slope_theory"] = prm.alignment_coefficient * prm.gamma
            rec["theory_srf"] = float(np.ravel(theory.risk(s, n_ridge=2 * d, lam=LAM, method="srf").test_error)[0]) \
                if name == "tanh" else None
            rec["seconds"] = time.perf_counter() - t0
            with out.open("a") as fh:
                fh.write(json.dumps(rec) + "\n")
            print(json.dumps(rec), flush=True)
    return 0


def finite_theory(name: str, alpha0: float, d: int, trial: int) -> tuple:
    """``theory.risk(method="srf", W0=...)`` on the trial's own ``W0``, without and with the alignment
    term put into the rows (``W0 -> (1 + c_hat (w_i^0 . v) / sqrt(c)) W0``, so that ``sqrt(c) W0`` gains
    ``c_hat (w_i^0 . v) w_i^0``), and with the alignment term in the equations."""
    s = theory.OneStep.from_cui(eta_tilde=3.0, d=d, width=d, alpha0=alpha0, activation=student(name), target="sin")
    W0 = draw_initial(s, trial_sequence(task_sequence(SEED, f"srf-gap-{name}-{alpha0:g}-{d}"), trial)).W0
    prm = theory.srf_parameters(s)
    v = sys.modules["theory.ridge.limiting_error"]._default_directions(d, None, prm.gamma)[1]  # the theory's spike direction
    W0a = (1.0 + prm.alignment_coefficient / math.sqrt(prm.c) * (W0 @ v))[:, None] * W0
    out = [float(np.ravel(theory.risk(s, n_ridge=2 * d, lam=LAM, method="srf", W0=W).test_error)[0]) for W in (W0, W0a)]
    out.append(float(np.ravel(theory.risk(s, n_ridge=2 * d, lam=LAM, method="srf", W0=W0, alignment_term=True).test_error)[0]))
    return tuple(out)


def _cell(values) -> str:
    e = estimate(np.asarray(values, dtype=float))
    hw = e.ci_high - e.mean if np.isfinite(e.ci_high) else float("nan")
    return f"{100 * e.mean:+.2f}% ± {100 * hw:.2f}%"


def page(args) -> int:
    recs = [json.loads(line) for line in Path(args.data).read_text().splitlines() if line.strip()]
    keys = sorted({(r["student"], r["alpha0"], r["d"]) for r in recs}, key=lambda k: (k[0] != "tanh", k[1] != 20, k[1], k[2]))
    lines = [
        "# Validation: where the spiked-RF surrogate and the network differ",
        "",
        "Regenerate: `PYTHONPATH=. nice python scripts/validate_srf_gap.py run --out docs/validation/data/srf_gap.jsonl`, then",
        "`PYTHONPATH=. python scripts/validate_srf_gap.py page --data docs/validation/data/srf_gap.jsonl --page docs/validation/srf_gap.md --reading docs/validation/data/srf_gap_reading.md`",
        f"(root seed {SEED}, one stream per setting and trial). Setting and models: the script's docstring. Each cell:",
        "the mean over trials of the paired relative difference `model/network - 1` of the test error (noiseless",
        "target), with the half-width of its 95% t-interval.",
        "",
        "## Finding",
        "",
        "Cui et al.'s surrogate moves every neuron by the same spike and rescales `W0`. The real step also moves",
        "each neuron along its own initial weight, by an amount proportional to its initial overlap with the",
        "spike direction `v = u/|u|`, `u = X^T r / n0` (r the step's residual):",
        "",
        "    Delta w_i  contains  c_hat s_i (w_i^0 . v) w_i^0,    c_hat = tau |u| E[sigma'(z) He_2(z)]",
        "",
        "(`theory.srf_parameters(...).alignment_coefficient`; full derivation in `docs/derivations/srf_alignment.md`).",
        "",
        "Derivation. Neuron i's step is `tau s_i (1/n0) sum_mu r_mu sigma'(u_i,mu) x_mu` with `u_i,mu = w_i^0 . x_mu`; its",
        "component along `w_i^0` is `tau s_i (1/n0) sum_mu r_mu sigma'(u_i,mu) u_i,mu`. Expand `sigma'(u) u = sum_k a_k He_k(u)`:",
        "`a_0 = E[sigma' z]` gives the non-centred-residual move already in `c` (`docs/derivations/srf_parameters.md`);",
        "`a_1 = E[sigma' z^2] = E sigma' + E[sigma' He_2]` gives `tau s_i a_1 (w_i^0 . u)`, whose `E sigma'` part is the",
        "projection of the common spike `tau E sigma' u` on `w_i^0`, and whose `E[sigma' He_2]` part is the alignment term;",
        "`k >= 2` terms are `O(n0^-1/2)` fluctuations without a common direction. Since `E u = mu_1^* beta_*`, the",
        "term's mean part is `c_hat gamma rho_i`, `rho_i = w_i^0 . beta_*` (the slope on `rho_i` in the `slope` column).",
        "It vanishes when `sigma` has no third Hermite coefficient (relu, or the `tanh - b sin` student below).",
        "",
        "Although `w_i^0 . v = O(d^-1/2)`, the term changes the network's test error at order one: the `own` column",
        "does not shrink with d. A spread of row scales of the same size that is not correlated with the neuron's",
        "own overlap (`own+shuffled`) moves the error much less. The coefficient is checked in",
        "`tests/test_srf_alignment.py` (regressions in a real step, and an mpmath quadrature) and in the `c_hat`",
        "columns here.",
        "",
        "Theory. Putting the term into the rows of `W0` does not change the conditional Gaussian-equivalence (GE)",
        "equations, because they give every neuron the same conditional mean `mu_0(kappa) = E sigma(sqrt(c) z + r kappa)`",
        "(`rows rescaled` below). With scale `s_i = sqrt(c) + c_hat (w_i^0 . v)` neuron i's conditional mean is, to",
        "first order, `mu_0(kappa) + c_hat (w_i^0 . v) d/ds E sigma(s z + r kappa)|_(s = sqrt c)`: a function of `kappa`",
        "times the neuron vector `W0 v`, which is the spike channel's vector `W v` over `sqrt(c)`. So the term adds",
        "`c_hat E[(z^2 - 1) sigma(sqrt(c) z + r kappa)] / c` to the spike channel's function `mu_1(kappa) kappa`, and",
        "nothing else changes; `risk(method='srf', alignment_term=True)` solves that system (MP or finite p). A",
        "paired Monte Carlo test checks the size of the effect (`tests/test_srf_alignment.py`: -2.80% +- 0.06%",
        "simulated against -2.87% predicted at d = 2000).",
        "",
        "| student | alpha0 | d | trials | c_hat theory | c_hat measured | slope on rho: theory / measured | network test error | "
        + " | ".join(MODELS[1:]) + " |",
        "|---|---|---|---|---|---|---|---|" + "---|" * (len(MODELS) - 1),
    ]
    for key in keys:
        rs = [r for r in recs if (r["student"], r["alpha0"], r["d"]) == key]
        net = np.array([r["network"] for r in rs])
        cells = [_cell([r[m] / r["network"] - 1 for r in rs]) for m in MODELS[1:]]
        lines.append(f"| {key[0]} | {key[1]:g} | {key[2]} | {len(rs)} | {rs[0]['c_hat_theory']:.4f} | "
                     f"{np.mean([r['c_hat_measured'] for r in rs]):.4f} | {rs[0]['slope_theory']:.4f} / "
                     f"{np.mean([r['slope_on_rho'] for r in rs]):.4f} | {net.mean():.5f} | " + " | ".join(cells) + " |")
    th = [r for r in recs if r.get("theory_srf") is not None]
    if th:
        lines += ["", "`theory.risk(method=\"srf\")`: Cui et al.'s equations (`Cui`), and the same with the alignment term",
                  "(`alignment_term=True`, `+align`: the spike channel's function gains `c_hat d/ds E sigma(s z + r kappa)/sqrt(c)`",
                  "at `s = sqrt(c)`; `theory/ridge/limiting_error.py`), against the simulated surrogates and the",
                  "network, same trials (tanh student), deterministic (Marchenko-Pastur) version:", "",
                  "| alpha0 | d | trials | Cui/srf - 1 | Cui/network - 1 | +align/(srf+align) - 1 | +align/network - 1 |",
                  "|---|---|---|---|---|---|---|"]
        for key in [k for k in keys if k[0] == "tanh"]:
            rs = [r for r in th if (r["student"], r["alpha0"], r["d"]) == key]
            s = theory.OneStep.from_cui(eta_tilde=3.0, d=key[2], width=key[2], alpha0=key[1], activation=student("tanh"),
                                        target="sin")
            ta = float(np.ravel(theory.risk(s, n_ridge=2 * key[2], lam=LAM, method="srf", alignment_term=True).test_error)[0])
            lines.append(f"| {key[1]:g} | {key[2]} | {len(rs)} | {_cell([r['theory_srf'] / r['srf'] - 1 for r in rs])} | "
                         f"{_cell([r['theory_srf'] / r['network'] - 1 for r in rs])} | "
                         f"{_cell([ta / r['srf+align'] - 1 for r in rs])} | {_cell([ta / r['network'] - 1 for r in rs])} |")
    fin = [(r, finite_theory(r["student"], r["alpha0"], r["d"], r["trial"])) for r in th]
    if fin:
        lines += ["", "The same equations on each trial's own `W0` (`risk(..., W0=W0)`, the finite-p version); on `W0`",
                  "with the alignment term put into its rows (`(1 + c_hat (w_i^0 . v) / sqrt(c)) w_i^0`, `rows rescaled`); and with",
                  "the alignment term (`alignment_term=True`, `finite +align`):", "",
                  "| alpha0 | d | trials | finite/srf - 1 | finite/network - 1 | rows rescaled/srf+align - 1 | rows rescaled/network - 1 "
                  "| finite +align/(srf+align) - 1 | finite +align/network - 1 |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for key in [k for k in keys if k[0] == "tanh"]:
            fs = [(r, f) for r, f in fin if (r["student"], r["alpha0"], r["d"]) == key]
            lines.append(f"| {key[1]:g} | {key[2]} | {len(fs)} | {_cell([f[0] / r['srf'] - 1 for r, f in fs])} | "
                         f"{_cell([f[0] / r['network'] - 1 for r, f in fs])} | {_cell([f[1] / r['srf+align'] - 1 for r, f in fs])} | "
                         f"{_cell([f[1] / r['network'] - 1 for r, f in fs])} | {_cell([f[2] / r['srf+align'] - 1 for r, f in fs])} | "
                         f"{_cell([f[2] / r['network'] - 1 for r, f in fs])} |")
    reading = Path(args.reading).read_text().rstrip("\n").split("\n") if args.reading else []
    lines += (["", "## Reading", ""] + reading) if reading else []
    Path(args.page).write_text("\n".join(lines) + "\n")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--out", required=True)
    r.add_argument("--n-test", type=int, default=10_000)
    r.add_argument("--quick", action="store_true", help="small sizes (a smoke test)")
    p = sub.add_parser("page")
    p.add_argument("--data", required=True)
    p.add_argument("--page", required=True)
    p.add_argument("--reading", default="", help="a markdown file with the closing reading of the numbers")
    args = ap.parse_args(argv)
    return run(args) if args.cmd == "run" else page(args)


if __name__ == "__main__":
    raise SystemExit(main())
