"""The giant step's test error over a grid of settings: the network against Cui et al.'s spiked-RF
equations and against the same equations with the alignment term; regenerates the grid section of
``docs/validation/srf_gap.md``.

Usage (from the repository root; the full grid takes about 1.5 hours niced on 2 heavily shared cores)::

    PYTHONPATH=. nice python scripts/validate_srf_grid.py run --out docs/validation/data/srf_grid.json
    PYTHONPATH=. python scripts/validate_srf_grid.py page --data docs/validation/data/srf_grid.json \\
        --page docs/validation/srf_gap.md --reading docs/validation/data/srf_grid_reading.md
    PYTHONPATH=. python scripts/validate_srf_grid.py run --quick --out grid.json   # a smoke test (writes grid.json here)

Setting: Cui et al.'s giant step (``theory.OneStep.from_cui``: sphere rows, constant readout, per-neuron
step ``lr = eta~``, ``n0 = alpha0 d`` step samples, noiseless), then ridge with penalty ``lam`` (reference
normalisation) on ``n_ridge = 2 width`` fresh samples, test error on ``n_test`` fresh points. Each grid
point varies one thing from the base (tanh student, sin target, ``eta~ = 3``, ``alpha0 = 20``,
``lam = 0.1``, ``width = d``): the student (tanh, erf, relu, softplus), the target (odd: sin, tanh; even:
``He2 = z^2 - 1``, ``|z| - E|z|``; mixed: ``sin + He2/2``), ``eta~``, ``alpha0``, ``lam`` and ``width/d``; a
subset is repeated at several ``d``.

Per trial (same ``W0``, step data, ridge pool and test set for every model, so their differences are
paired): the real network after the step; Cui et al.'s surrogate ``sqrt(c) W0 + r 1 v^T`` simulated
(``srf``) and the same with the alignment term ``c_hat (w_i^0 . v) w_i^0`` (``srf+align``); the trial's own
surrogate (``own``: its learned direction, mean spike and bulk norm) and ``own+align``. Per point, the
theory (deterministic Marchenko-Pastur version): ``theory.risk(method="srf", alignment_term=False)``
(Cui et al.'s equations) and ``alignment_term=True`` (``docs/derivations/srf_alignment.md``).

Two side runs share the machinery: ``ba`` (Ba et al.'s large step at n/d = 16, ``docs/validation/risk.md``,
section "Ba et al.'s large step", data in ``docs/validation/data/ba_large_step.json``) and ``k2`` (the second
per-neuron term of non-odd students, ``docs/derivations/srf_alignment.md``, data in
``docs/validation/data/srf_k2.json``)::

    PYTHONPATH=. nice python scripts/validate_srf_grid.py ba --out docs/validation/data/ba_large_step.json
    PYTHONPATH=. nice python scripts/validate_srf_grid.py k2 --out docs/validation/data/srf_k2.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
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

SEED = 2027
MODELS = ("network", "srf", "srf+align", "own", "own+align")
TARGETS = {  # name in the tables -> expression for theory.activation (targets are activations of one index)
    "sin": "sin", "tanh": "tanh", "He2": "z**2 - 1", "abs-E|z|": "abs(z) - 0.7978845608028654",
    "sin+He2/2": "sin(z) + 0.5*(z**2 - 1)",
}
BASE = dict(student="tanh", target="sin", eta=3.0, alpha0=20.0, lam=0.1, ratio=1.0)


def _point(d, trials, **changes):
    p = dict(BASE, **changes)
    p.update(d=int(d), trials=int(trials))
    return p


def default_grid() -> list:
    """The grid: one change from the base at d = 500, then the trend with d for three settings (sized for
    2 shared cores: 3-12 trials a point; the base's trend to d = 2000 is in the tables above)."""
    pts = [_point(500, 12)]
    pts += [_point(500, 12, student=a) for a in ("erf", "relu", "softplus")]
    pts += [_point(500, 12, target="tanh"), _point(500, 12, target="He2"), _point(500, 5, target="abs-E|z|")]
    pts += [_point(500, 5, target="sin+He2/2"), _point(500, 5, student="erf", target="sin+He2/2"),
            _point(500, 5, student="relu", target="sin+He2/2")]
    pts += [_point(500, 5, eta=e) for e in (1.0, 6.0)]
    pts += [_point(500, 5, alpha0=5.0), _point(500, 3, alpha0=80.0)]
    pts += [_point(500, 5, lam=lam) for lam in (0.01, 1.0)]
    pts += [_point(500, 5, ratio=r) for r in (0.5, 2.0)]
    # the step's residual y - f0 with f0 = mean of p features: a direction correlated with W0, O(p^-1/2)
    pts += [_point(500, 5, ratio=0.5, residual="labels"), _point(1000, 3, ratio=0.5)]
    pts += [_point(250, 8, student="erf"), _point(250, 8, target="tanh"), _point(250, 8, target="sin+He2/2")]
    pts += [_point(1000, 3, student="erf"), _point(1000, 3, target="tanh")]
    return pts


def quick_grid() -> list:
    return [_point(100, 2), _point(100, 2, student="relu", target="He2")]


def setup_of(p):
    d = p["d"]
    extra = {"residual": p["residual"]} if "residual" in p else {}
    return theory.OneStep.from_cui(eta_tilde=p["eta"], d=d, width=int(round(p["ratio"] * d)), alpha0=p["alpha0"],
                                   activation=p["student"], target=theory.activation(TARGETS[p["target"]]), **extra)


def key_of(p) -> str:
    key = "{student}|{target}|eta={eta:g}|alpha0={alpha0:g}|lam={lam:g}|ratio={ratio:g}|d={d}".format(**p)
    return key + (f"|residual={p['residual']}" if "residual" in p else "")


def theory_errors(p) -> dict:
    """Cui et al.'s equations and the corrected ones at the point (deterministic version)."""
    s = setup_of(p)
    out = {}
    for name, flag in (("cui", False), ("align", True)):
        res = theory.risk(s, n_ridge=2 * s.width, lam=p["lam"], method="srf", alignment_term=flag)
        out[f"theory_{name}"] = float(res.test_error) if res.status == "converged" else None
    prm = theory.srf_parameters(s)
    out.update(r=prm.r, c=prm.c, gamma=prm.gamma, c_hat=prm.alignment_coefficient)
    return out


def trial_errors(p, t: int, n_test: int) -> dict:
    """Paired test errors of :data:`MODELS` in trial ``t`` of point ``p`` (same pool and test set)."""
    s = setup_of(p)
    tseq = trial_sequence(task_sequence(SEED, "srf-grid-" + key_of(p)), t)
    init = draw_initial(s, tseq)
    X, y, _ = draw_data(s, int(round(s.n)), role_generator(tseq, "step", 0), role_generator(tseq, "noise", 0))
    W1, _, r = gradient_step(init.W0, init.s, X, y, s, return_gradient=True)
    v_hat = X.T @ r
    del X
    v_hat /= np.linalg.norm(v_hat)
    c_hat = theory.srf_parameters(s).alignment_coefficient
    own = own_step_srf_weights(init.W0, W1, v_hat)
    weights = {
        "network": W1,
        "srf": srf_weights(s, init.W0, init.s, role_generator(tseq, "extra", 2))[0],
        "srf+align": srf_weights(s, init.W0, init.s, role_generator(tseq, "extra", 2), alignment_term=True)[0],
        "own": own,
        "own+align": own + (c_hat * (init.W0 @ v_hat))[:, None] * init.W0,
    }
    n_ridge = 2 * s.width
    Xr, yr, _ = draw_data(s, n_ridge, role_generator(tseq, "ridge"), role_generator(tseq, "noise", 100))
    out = {}
    for name, W in weights.items():
        fmap = NetworkFeatures(s.activation, W)
        path = ridge_path(fmap.features(Xr), yr, [n_ridge], [[p["lam"]]])
        test_rng, noise_rng = role_generator(tseq, "test"), role_generator(tseq, "noise", 200)
        err = stream_test_errors(fmap.features, path.readouts[0], lambda m: draw_data(s, m, test_rng, noise_rng), n_test)
        out[name] = float(err["test_error"][0])
    return out


def _load(path: Path) -> dict:
    if path.exists():
        return json.loads(path.read_text())
    return {"seed": SEED, "points": {}}


def _save(path: Path, data: dict) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, path)


def run(args) -> int:
    out = Path(args.out)
    data = _load(out)
    grid = quick_grid() if args.quick else default_grid()
    if args.only:
        grid = [p for p in grid if all(tok in key_of(p) for tok in args.only.split(","))]
    for p in grid:
        key = key_of(p)
        rec = data["points"].setdefault(key, {"point": p, "trials": []})
        if "theory_cui" not in rec:
            rec.update(theory_errors(p))
            _save(out, data)
        done = {tr["trial"] for tr in rec["trials"]}
        for t in range(p["trials"]):
            if t in done:
                continue
            t0 = time.perf_counter()
            tr = {"trial": t, **trial_errors(p, t, args.n_test), "seconds": time.perf_counter() - t0}
            rec["trials"].append(tr)
            _save(out, data)
            print(key, json.dumps(tr), flush=True)
    return 0


def _ci(values):
    e = estimate(np.asarray(values, dtype=float))
    return e.mean, (e.ci_high - e.mean if np.isfinite(e.ci_high) else float("nan"))


def _pct(values) -> str:
    m, h = _ci(values)
    return f"{100 * m:+.2f}% ± {100 * h:.2f}%"


def summary(rec) -> dict:
    """Per-point numbers of the table: network (mean, half-width), theories and gaps with intervals."""
    tr = rec["trials"]
    net = np.array([t["network"] for t in tr])
    out = {"n": len(tr), "network": _ci(net)}
    for th in ("cui", "align"):
        val = rec.get(f"theory_{th}")
        out[th] = val
        out[f"gap_{th}"] = _ci(val / net - 1) if val is not None else (float("nan"), float("nan"))
    for m in MODELS[1:]:
        out[f"paired_{m}"] = _ci(np.array([t[m] for t in tr]) / net - 1)
    return out


def _label(p) -> str:
    diff = [f"{k}={p[k]:g}" if not isinstance(p[k], str) else f"{k}={p[k]}" for k in BASE if p[k] != BASE[k]]
    diff += [f"residual={p['residual']}"] if "residual" in p else []
    return (", ".join(diff) or "base").replace("|", "\\|")  # a table cell


def _gapcell(g) -> str:
    return f"{100 * g[0]:+.2f}% ± {100 * g[1]:.2f}%"


def table(data) -> list:
    rows = [
        "| point | d | trials | c_hat | network (±95%) | Cui eqs | corrected eqs | Cui/network - 1 | corrected/network - 1 "
        "| paired srf/network - 1 | paired srf+align/network - 1 | paired own/network - 1 | paired own+align/network - 1 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    recs = sorted(data["points"].values(), key=lambda r: (_label(r["point"]) != "base", _label(r["point"]), r["point"]["d"]))
    for rec in recs:
        if not rec["trials"]:
            continue
        p, sm = rec["point"], summary(rec)
        rows.append(
            f"| {_label(p)} | {p['d']} | {sm['n']} | {rec['c_hat']:.3f} | {sm['network'][0]:.5f} ± {sm['network'][1]:.5f} | "
            f"{sm['cui']:.5f} | {sm['align']:.5f} | {_gapcell(sm['gap_cui'])} | {_gapcell(sm['gap_align'])} | "
            + " | ".join(_gapcell(sm[f"paired_{m}"]) for m in MODELS[1:]) + " |")
    return rows


START, END = "<!-- srf-grid:start -->", "<!-- srf-grid:end -->"


def page(args) -> int:
    data = json.loads(Path(args.data).read_text())
    lines = [START, "", "## The grid: Cui et al.'s equations and the corrected ones against the network", "",
             "Regenerate: `PYTHONPATH=. nice python scripts/validate_srf_grid.py run --out docs/validation/data/srf_grid.json`,",
             "then `PYTHONPATH=. python scripts/validate_srf_grid.py page --data docs/validation/data/srf_grid.json "
             "--page docs/validation/srf_gap.md --reading docs/validation/data/srf_grid_reading.md` (after",
             "`scripts/validate_srf_gap.py page`, which rewrites the page above this section)",
             f"(root seed {data['seed']}; setting and models in the script's docstring). `point`: what differs from the base",
             "(tanh student, sin target, eta~ = 3, alpha0 = 20, lam = 0.1, width = d). `Cui eqs`: `theory.risk(method=\"srf\",",
             "alignment_term=False)`; `corrected eqs`: `alignment_term=True`, both Marchenko-Pastur. Gaps: mean over trials of",
             "`theory/network - 1` with the 95% t-interval (the theory is one number, so this interval is the network's",
             "trial-to-trial spread); `paired`: simulated surrogates against the network on the same draws.", ""]
    lines += table(data)
    reading = Path(args.reading).read_text().rstrip("\n").split("\n") if args.reading else []
    if reading:
        lines += [""] + reading
    lines += ["", END]
    target = Path(args.page)
    text = target.read_text() if target.exists() else ""
    block = "\n".join(lines)
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    target.write_text(text)
    return 0


BA_SETTINGS = (  # (student, teacher expression, readout): Ba et al.'s large step, arXiv:2205.01445 Section 4
    ("tanh", "softplus-centred", "gaussian"), ("erf", "erf", "gaussian"), ("erf", "erf", "rademacher"),
    ("tanh", "tanh", "rademacher"),
)
BA_TAUS = (0.0, 1.0, 2.0, 4.0)
BA_LAMS = (0.01, 0.1, 1.0)  # Ba et al.'s lambda; lam_C = lambda n / N


def _ba_teacher(name):
    return theory.activation("softplus", center=True) if name == "softplus-centred" else theory.activation(name)


def _gauss_nodes(m=80):
    z, w = np.polynomial.hermite_e.hermegauss(m)
    return z, w / w.sum()


def linear_floor(teacher) -> float:
    r"""Ba et al.'s linear floor :math:`\lVert P_{>1}f^*\rVert^2 = E f^{*2} - \mu_0^{*2} - \mu_1^{*2}` (Gauss-Hermite)."""
    z, w = _gauss_nodes(200)
    f = teacher.func(z)
    return float(w @ f**2 - (w @ f) ** 2 - (w @ (z * f)) ** 2)


def tau_star(student, teacher) -> tuple:
    r"""Ba et al.'s :math:`\tau^* = \inf_\kappa E_{\xi_1}[(\sigma^*(\xi_1) - E_{\xi_2}\sigma(\kappa\xi_1 + \xi_2))^2]`
    (``docs/theory/risk.md#large-step-bound``), by 80x80 Gauss-Hermite and a grid then golden search on kappa."""
    z, w = _gauss_nodes(80)
    fs = teacher.func(z)

    def obj(k):
        g = student.func(k * z[:, None] + z[None, :]) @ w
        return float(w @ (fs - g) ** 2)

    ks = np.linspace(0.0, 20.0, 401)
    vals = [obj(k) for k in ks]
    i = int(np.argmin(vals))
    lo, hi = ks[max(i - 1, 0)], ks[min(i + 1, len(ks) - 1)]
    for _ in range(60):
        m1, m2 = lo + (hi - lo) * 0.382, lo + (hi - lo) * 0.618
        lo, hi = (lo, m2) if obj(m1) < obj(m2) else (m1, hi)
    k = 0.5 * (lo + hi)
    return obj(k), k


def ba_run(args) -> int:
    """Ba et al.'s large step, eta = tau sqrt(N), at n/d = 16, N = d/2, noise 0.25^2: the network's risk (noise
    excluded), the linear floor, and the spiked-RF theory where it applies (a readout of constant modulus)."""
    from validation.simulate import simulate

    out = Path(args.out)
    data = json.loads(out.read_text()) if out.exists() else {"rows": []}
    done = {(r["student"], r["teacher"], r["readout"], r["tau"], r["d"]) for r in data["rows"]}
    for d in args.d:
        N, n = d // 2, 16 * d
        for student, teacher, readout in BA_SETTINGS:
            for tau in BA_TAUS:
                if (student, teacher, readout, tau, d) in done:
                    continue
                s = theory.OneStep.from_ba(eta=tau * math.sqrt(N), d=d, width=N, n=n, activation=student,
                                           target=_ba_teacher(teacher), noise_var=0.0625, readout=readout)
                t0 = time.perf_counter()
                res = simulate(s, n_ridge=n, lam=list(BA_LAMS), trials=args.trials, seed=SEED, lam_convention="ba",
                               measures=("ridge",), n_test=args.n_test)
                risk = res.get("test_risk").reshape(args.trials, -1)
                row = dict(student=student, teacher=teacher, readout=readout, tau=tau, d=d, N=N, n=n,
                           trials=args.trials, risk=risk.tolist(), floor=linear_floor(s.target),
                           seconds=time.perf_counter() - t0)
                lam_c = [lam * n / N for lam in BA_LAMS]
                try:
                    row["method"] = theory.select_method(s)[0]
                except ValueError as exc:
                    row["method"] = f"refused: {str(exc)[:80]}"
                if tau > 0 and readout != "gaussian":
                    for name, flag in (("srf_cui", False), ("srf_align", True)):
                        th = theory.risk(s, n_ridge=n, lam=lam_c, method="srf", alignment_term=flag)
                        row[name] = [float(v) if st == "converged" else None for v, st in zip(th.test_risk, th.status)]
                data["rows"].append(row)
                _save(out, data)
                print(json.dumps(row), flush=True)
    return 0


def ba_page(args) -> str:
    data = json.loads(Path(args.out).read_text())
    lines = ["| student | teacher | readout | d | tau = eta/sqrt(N) | trials | risk at lambda = " +
             " / ".join(f"{lam:g}" for lam in BA_LAMS) + " (±95%) | linear floor | sRF theory (Cui / +align) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in data["rows"]:
        risk = np.asarray(r["risk"])
        cells = " / ".join(f"{m:.4f} ± {h:.4f}" for m, h in (_ci(risk[:, j]) for j in range(risk.shape[1])))
        th = "-"
        if "srf_cui" in r:
            th = " / ".join(f"{a:.4f}/{b:.4f}" for a, b in zip(r["srf_cui"], r["srf_align"]))
        lines.append(f"| {r['student']} | {r['teacher']} | {r['readout']} | {r['d']} | {r['tau']:g} | {r['trials']} | "
                     f"{cells} | {r['floor']:.4f} | {th} |")
    taus = []
    for student, teacher, _ in BA_SETTINGS:
        if (student, teacher) in taus:
            continue
        taus.append((student, teacher))
        ts, k = tau_star(theory.activation(student), _ba_teacher(teacher))
        lines.append(f"\ntau* ({student} student, {teacher} teacher) = {ts:.5f} at kappa = {k:.3f}; "
                     f"linear floor {linear_floor(_ba_teacher(teacher)):.5f}")
    text = "\n".join(lines)
    print(text)
    return text


K2_SETTINGS = (("relu", "He2"), ("relu", "sin+He2/2"), ("softplus", "He2"))


def k2_run(args) -> int:
    r"""The second per-neuron term: with :math:`E\sigma'' \ne 0` and a target with a second Hermite coefficient,
    Stein's lemma on :math:`E[f^*(\beta_*\cdot x)\sigma'(w_i\cdot x)x]` gives each neuron a move along
    :math:`\beta_*` proportional to its own overlap, :math:`k_2\rho_i\beta_*` with
    :math:`k_2 = \tau E[f^{*\prime\prime}]E[\sigma'']` (constant readout), which neither Cui et al.'s surrogate nor
    the alignment term has. Paired check: the trial's own surrogate with and without it against the network."""
    out = Path(args.out)
    data = json.loads(out.read_text()) if out.exists() else {"rows": []}
    z, w = _gauss_nodes(200)
    for student, target in K2_SETTINGS:
        p = _point(args.d, args.trials, student=student, target=target)
        s = setup_of(p)
        k2 = s.lr * float(w @ (s.target.func(z) * (z**2 - 1))) * float(w @ (s.activation.func(z) * (z**2 - 1)))
        th = theory_errors(p)
        for t in range(args.trials):
            if any(r["student"] == student and r["target"] == target and r["d"] == args.d and r["trial"] == t
                   for r in data["rows"]):
                continue
            tseq = trial_sequence(task_sequence(SEED, "srf-k2-" + key_of(p)), t)
            init = draw_initial(s, tseq)
            X, y, _ = draw_data(s, int(round(s.n)), role_generator(tseq, "step", 0))
            W1, _, r = gradient_step(init.W0, init.s, X, y, s, return_gradient=True)
            v = X.T @ r
            del X
            own = own_step_srf_weights(init.W0, W1, v / np.linalg.norm(v))
            rho = init.W0[:, 0]  # beta_* = e_1 in the simulator
            weights = {"network": W1, "own": own, "own+k2": own + k2 * np.outer(rho, np.eye(1, int(s.d))[0])}
            Xr, yr, _ = draw_data(s, 2 * s.width, role_generator(tseq, "ridge"))
            row = dict(student=student, target=target, d=args.d, trial=t, k2=k2, **th)
            for name, W in weights.items():
                fm = NetworkFeatures(s.activation, W)
                path = ridge_path(fm.features(Xr), yr, [2 * s.width], [[p["lam"]]])
                trng = role_generator(tseq, "test")
                row[name] = float(stream_test_errors(fm.features, path.readouts[0], lambda m: draw_data(s, m, trng),
                                                     args.n_test)["test_error"][0])
            data["rows"].append(row)
            _save(out, data)
            print(json.dumps(row), flush=True)
    for student, target in K2_SETTINGS:
        rows = [r for r in data["rows"] if r["student"] == student and r["target"] == target and r["d"] == args.d]
        if rows:
            net = np.array([r["network"] for r in rows])
            print(f"| {student} | {target} | {args.d} | {len(rows)} | {rows[0]['k2']:.3f} | {net.mean():.4f} | "
                  f"{rows[0]['theory_align']:.4f} | {_pct(rows[0]['theory_align'] / net - 1)} | "
                  f"{_pct(np.array([r['own'] for r in rows]) / net - 1)} | {_pct(np.array([r['own+k2'] for r in rows]) / net - 1)} |")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--out", required=True)
    r.add_argument("--n-test", type=int, default=10_000)
    r.add_argument("--quick", action="store_true", help="two tiny points (a smoke test)")
    r.add_argument("--only", default="", help="comma-separated substrings a point's key must all contain")
    p = sub.add_parser("page")
    p.add_argument("--data", required=True)
    p.add_argument("--page", required=True)
    p.add_argument("--reading", default="", help="a markdown file with the reading of the numbers")
    b = sub.add_parser("ba", help="Ba et al.'s large step at n/d = 16 (docs/validation/risk.md)")
    b.add_argument("--out", required=True)
    b.add_argument("--d", type=int, nargs="+", default=[256, 512])
    b.add_argument("--trials", type=int, default=3)
    b.add_argument("--n-test", type=int, default=4000)
    b.add_argument("--table", action="store_true", help="print the table of --out instead of running")
    k = sub.add_parser("k2", help="the second per-neuron term (non-odd students, targets with a He2 part)")
    k.add_argument("--out", required=True)
    k.add_argument("--d", type=int, default=300)
    k.add_argument("--trials", type=int, default=6)
    k.add_argument("--n-test", type=int, default=4000)
    args = ap.parse_args(argv)
    if args.cmd == "k2":
        return k2_run(args)
    if args.cmd == "ba":
        return (ba_page(args) and 0) if args.table else ba_run(args)
    return run(args) if args.cmd == "run" else page(args)


if __name__ == "__main__":
    raise SystemExit(main())
