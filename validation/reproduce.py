r"""Each paper's main figure from the library: theory computed live, simulated points from data.

``reproduce(name)`` draws the figure of ``name`` (:data:`PAPERS`) with the theory evaluated now and
the simulated points from ``data`` (a dict or a JSON file written by :func:`simulate_data`, e.g.
``docs/gallery/data/<name>.json``) or from a fresh simulation. Every simulated point is judged
against the theory with :func:`validation.compare.agreement` (95% interval or the finite-size
tolerance :math:`1/\sqrt d`, relative, or absolute for the overlaps and cosines, which lie in
[-1, 1] and whose limit can be 0), and the result lists the points with their verdicts.

=============  ==========================================================================  ===================
name           figure                                                                      theory
=============  ==========================================================================  ===================
``ba2022``     Ba et al. 2022: weight-spike alignment :math:`\langle v_1,\beta_*\rangle^2`    ``weight_spike``,
               and the ridge risk after one step against the learning rate :math:`\eta`      ``theory.risk``
``moniri2024`` Moniri et al. 2024: the top singular values of :math:`F/\sqrt n` against the  ``setup.spikes()``
               step exponent :math:`\alpha` (:math:`\eta = n^\alpha`), predicted outliers,
               bulk edge
``cui2024``    Cui et al. 2024: test error against :math:`\alpha = n_{ridge}/d` for several   ``theory.risk``
               giant steps :math:`\tilde\eta` (0 = random features)                          (``srf``/``rf``)
``dandi2024``  Dandi et al. 2024: per-neuron :math:`\cos(w_i^1, v^*)` after one giant step      ``alignment_law``
               against :math:`\alpha = n/d`, by readout sign
=============  ==========================================================================  ===================

Sizes: ``scale="quick"`` (about a minute in all) or ``"gallery"`` (the stored gallery data;
``scripts/make_gallery.py``).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from theory._checks import check_choice
from theory._result import Result, to_jsonable

from .compare import agreement
from .seeding import task_sequence
from .stats import estimate

__all__ = ["PAPERS", "Reproduction", "simulate_data", "reproduce", "load_data"]

PAPERS = ("ba2022", "moniri2024", "cui2024", "dandi2024")
# the regime of theory.regimes whose risk theory each figure draws (Dandi et al.'s has none; Moniri's draws spikes)
_REGIME = {"ba2022": "ba", "cui2024": "srf"}


def _method(name: str) -> str:
    """The ``method`` of :func:`theory.risk` for paper ``name``, read from the registry of regimes."""
    from theory import regimes

    return regimes.get(_REGIME[name]).name
SCALES = ("quick", "gallery")


@dataclass(frozen=True)
class Reproduction(Result):
    """A reproduced figure: the points compared (``rows``), the data used, the figure path."""

    name: str
    title: str
    rows: tuple
    data: dict
    figure: str | None = None
    elapsed_s: float = 0.0
    notes: str = ""

    @property
    def n_agree(self) -> int:
        return sum(r["verdict"] == "agrees" for r in self.rows)

    def summary(self) -> str:
        """One paragraph: sizes, seeds, and how many points agree."""
        d = self.data
        return (f"{self.title}: {self.n_agree} of {len(self.rows)} simulated points agree with the theory "
                f"(95% interval or tolerance 1/sqrt(d)); sizes {d.get('sizes')}, {d.get('trials')} trials per point, "
                f"seed {d.get('seed')}.")

    def table(self) -> str:
        lines = [f"# {self.summary()}", f"{'curve':22s} {'x':>8s} {'theory':>10s}  {'simulation [95%]':30s} verdict"]
        for r in self.rows:
            sim = f"{r['mean']:.5g} [{r['ci_low']:.5g}, {r['ci_high']:.5g}]"
            lines.append(f"{r['curve']:22s} {r['x']:8.4g} {r['theory']:10.5g}  {sim:30s} {r['verdict']}")
        return "\n".join(lines)


def _est_dict(samples) -> dict:
    e = estimate(np.asarray(samples, dtype=float))
    return {k: to_jsonable(getattr(e, k)) for k in ("mean", "se", "ci_low", "ci_high", "n")}


def _row(curve, x, theory_value, est: dict, d: float, scale: float = 0.0) -> dict:
    v, basis = agreement(float(theory_value), est["mean"], est["ci_low"], est["ci_high"], tolerance=1 / math.sqrt(d),
                         scale=scale)
    return {"curve": curve, "x": float(x), "theory": float(theory_value), "mean": est["mean"], "se": est["se"],
            "ci_low": est["ci_low"], "ci_high": est["ci_high"], "verdict": v, "basis": basis}


# ----------------------------------------------------------------------------- Cui et al. 2024
def _cui_setup(d, lr):
    import theory

    return theory.OneStep.from_cui(eta_tilde=lr, d=d, width=d, alpha0=20.0, activation="tanh", target="sin")


_CUI = {"quick": dict(d=200, trials=3), "gallery": dict(d=500, trials=4)}
_CUI_LRS = (0.0, 1.0, 3.0)
_CUI_ALPHAS = (0.25, 0.5, 1.0, 1.5, 2.0, 3.0)
_CUI_LAM = 0.1


def _cui_data(scale, seed, tick):
    from .simulate import simulate

    cfg = _CUI[scale]
    d = cfg["d"]
    curves = {}
    for lr in _CUI_LRS:
        s = _cui_setup(d, lr)
        sim = simulate(s, n_ridge=np.array(_CUI_ALPHAS) * d, lam=_CUI_LAM, trials=cfg["trials"],
                       seed=task_sequence(seed, f"cui lr={lr}"), n_test=5000, measures=("ridge",), progress=tick)
        te = sim.get("test_error")  # (trials, alphas): noiseless target, so test error = risk
        curves[f"{lr:g}"] = [_est_dict(te[:, j]) for j in range(len(_CUI_ALPHAS))]
    return {"paper": "cui2024", "sizes": {"d": d, "width": d, "n": 20 * d}, "trials": cfg["trials"], "seed": seed,
            "lam": _CUI_LAM, "alphas": list(_CUI_ALPHAS), "curves": curves,
            "setting": "tanh student, sin target, alpha0 = n/d = 20, width = d, constant readout, sphere init, "
                       "no label noise; ridge lam_C = 0.1 on n_ridge = alpha d fresh samples; 5000 test points"}


def _cui_theory(data):
    import theory

    d = data["sizes"]["d"]
    fine = np.linspace(0.2, max(data["alphas"]), 40)
    curves, rows = {}, []
    for lr_s, pts in data["curves"].items():
        s = _cui_setup(d, float(lr_s))
        curves[lr_s] = np.asarray(theory.risk(s, n_ridge=fine * d, lam=data["lam"], method=_method("cui2024")).test_error,
                                  dtype=float)
        at = theory.risk(s, n_ridge=np.asarray(data["alphas"]) * d, lam=data["lam"], method=_method("cui2024"))
        for x, t, e in zip(data["alphas"], np.asarray(at.test_error, dtype=float), pts):
            rows.append(_row(f"eta~={lr_s}", x, t, e, d))
    return {"x": fine, "curves": curves}, rows


def _cui_plot(data, th, ax):
    from .plots import errorbars

    for j, (lr_s, pts) in enumerate(data["curves"].items()):
        label = "random features" if float(lr_s) == 0 else rf"$\tilde\eta = {lr_s}$"
        ax.plot(th["x"], th["curves"][lr_s], color=f"C{j}", label=f"theory, {label}")
        errorbars(data["alphas"], pts, ax=ax, color=f"C{j}", label=None)
    ax.set_xlabel(r"$\alpha = n_{ridge}/d$")
    ax.set_ylabel("test error")
    ax.set_title(f"Cui et al. 2024: tanh on sin, $\\alpha_0 = 20$, d = {data['sizes']['d']}", fontsize="medium")
    ax.legend(frameon=False, fontsize="small")


# ----------------------------------------------------------------------------- Ba et al. 2022
_BA = {"quick": dict(d=200, trials=3), "gallery": dict(d=600, trials=4)}
_BA_ETAS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.5, 4.0)
_BA_LAM = 0.1


def _ba_setup(d, eta):
    import theory

    teacher = theory.activation("softplus", center=True)
    return theory.OneStep.from_ba(eta=eta, d=d, width=d // 2, n=2 * d, activation="tanh", target=teacher,
                                  noise_var=0.0625)


def _ba_data(scale, seed, tick):
    from .simulate import simulate

    cfg = _BA[scale]
    d = cfg["d"]
    ov, risk = [], []
    for eta in _BA_ETAS:
        s = _ba_setup(d, eta)
        sim = simulate(s, n_ridge=2 * d, lam=_BA_LAM, trials=cfg["trials"], seed=task_sequence(seed, f"ba eta={eta}"),
                       n_test=5000, measures=("weight_spike", "ridge"), progress=tick)
        ov.append(_est_dict(sim.get("w1_overlap_target_sq")))
        risk.append(_est_dict(sim.get("test_risk")))
    return {"paper": "ba2022", "sizes": {"d": d, "width": d // 2, "n": 2 * d, "n_ridge": 2 * d}, "trials": cfg["trials"],
            "seed": seed, "lam": _BA_LAM, "etas": list(_BA_ETAS), "overlap": ov, "risk": risk,
            "setting": "Ba et al.: Gaussian W0 and readout, f = N^-1/2 a.sigma, tanh student, centred softplus "
                       "teacher, noise sd 0.25, psi1 = n/d = 2, psi2 = N/d = 1/2; ridge lam_C = 0.1 on a fresh "
                       "batch of n; risk without noise"}


def _ba_theory(data):
    import theory

    d = data["sizes"]["d"]
    fine = np.linspace(0.1, max(data["etas"]), 60)
    ws = [_ba_setup(d, e).weight_spike() for e in fine]
    rows = [_row("<v1,beta*>^2", e, _ba_setup(d, e).weight_spike().overlap_sq, est, d, scale=1.0)
            for e, est in zip(data["etas"], data["overlap"])]
    s0 = _ba_setup(d, 1.0)
    nr, lam = data["sizes"]["n_ridge"], data["lam"]
    th = theory.risk(s0, n_ridge=nr, lam=lam, lr=fine / math.sqrt(s0.width), method=_method("ba2022"))
    rf = theory.risk(s0.with_(lr=0.0), n_ridge=nr, lam=lam)
    at = theory.risk(s0, n_ridge=nr, lam=lam, lr=np.asarray(data["etas"]) / math.sqrt(s0.width),
                     method=_method("ba2022"))
    rows += [_row("risk", e, t, est, d)
             for e, t, est in zip(data["etas"], np.asarray(at.test_risk, dtype=float).ravel(), data["risk"])]
    return {"x": fine, "overlap": [w.overlap_sq for w in ws],
            "threshold": next((e for e, w in zip(fine, ws) if w.outlier), None),
            "risk": np.asarray(th.test_risk, dtype=float).ravel(), "method": th.method,
            "rf": float(np.asarray(rf.test_risk))}, rows


def _ba_plot(data, th, axes):
    from .plots import errorbars

    ax1, ax2 = axes
    ax1.plot(th["x"], th["overlap"], color="C0", label="theory (BBP)")
    if th["threshold"] is not None:
        ax1.axvline(th["threshold"], color="0.6", ls=":", lw=1, label="outlier threshold")
    errorbars(data["etas"], data["overlap"], ax=ax1, color="C0")
    ax1.set_xlabel(r"learning rate $\eta$")
    ax1.set_ylabel(r"$\langle v_1, \beta_*\rangle^2$")
    ax1.legend(frameon=False, fontsize="small")
    ax2.plot(th["x"], th["risk"], color="C1", label=f"theory ({th['method']})")
    ax2.axhline(th["rf"], color="0.5", ls="--", lw=1, label="random features")
    errorbars(data["etas"], data["risk"], ax=ax2, color="C1")
    ax2.set_xlabel(r"learning rate $\eta$")
    ax2.set_ylabel("prediction risk (no noise)")
    ax2.legend(frameon=False, fontsize="small")
    ax1.figure.suptitle(f"Ba et al. 2022: tanh on centred softplus, d = {data['sizes']['d']}", fontsize="medium")


# ----------------------------------------------------------------------------- Moniri et al. 2024
_MONIRI = {"quick": dict(d=200, trials=3), "gallery": dict(d=500, trials=4)}
_MONIRI_ALPHAS = (0.1, 0.2, 0.28, 0.36, 0.42, 0.46)
_MONIRI_K = 4


def _moniri_setup(d, alpha):
    import theory

    return theory.OneStep.from_moniri(alpha=alpha, d=d, width=d, n=4 * d, activation="softplus", target="identity",
                                      residual="full")


def _moniri_data(scale, seed, tick):
    from .simulate import simulate

    cfg = _MONIRI[scale]
    d = cfg["d"]
    sv = []
    for a in _MONIRI_ALPHAS:
        sim = simulate(_moniri_setup(d, a), trials=cfg["trials"], seed=task_sequence(seed, f"moniri alpha={a}"),
                       measures=("spectrum",), top_k=_MONIRI_K, progress=tick)
        vals = sim.get("feature_singular_values")
        sv.append([_est_dict(vals[:, j]) for j in range(_MONIRI_K)])
    return {"paper": "moniri2024", "sizes": {"d": d, "width": d, "n": 4 * d}, "trials": cfg["trials"], "seed": seed,
            "alphas": list(_MONIRI_ALPHAS), "singular_values": sv,
            "setting": "Moniri et al.: sphere init, Gaussian readout a ~ N(0, I/N), f = a.sigma, eta = n^alpha, "
                       "softplus student, linear target, no noise, width = d, n = 4d; F = sigma(X W1^T) on a fresh "
                       "batch of n"}


def _moniri_theory(data):
    d = data["sizes"]["d"]
    preds = [_moniri_setup(d, a).spikes() for a in data["alphas"]]
    locs = [sorted((float(s.location) for s in p.spikes), reverse=True) for p in preds]
    rows = []
    for a, loc, sv in zip(data["alphas"], locs, data["singular_values"]):
        for j, t in enumerate(loc[: len(sv)]):
            rows.append(_row(f"outlier {j + 1}", a, t, sv[j], d))
    return {"locations": locs, "bulk_edge": [float(p.bulk_edge) for p in preds]}, rows


def _moniri_plot(data, th, ax):
    from .plots import errorbars

    alphas = data["alphas"]
    for k in range(len(data["singular_values"][0])):
        errorbars(alphas, [sv[k] for sv in data["singular_values"]], ax=ax, color=f"C{k}",
                  label=f"simulation: $s_{k + 1}$")
    for j in range(max(len(loc) for loc in th["locations"])):
        xs = [a for a, loc in zip(alphas, th["locations"]) if len(loc) > j]
        ys = [loc[j] for loc in th["locations"] if len(loc) > j]
        ax.plot(xs, ys, "s", mfc="none", ms=9, color=f"C{j}", label=f"theory: outlier {j + 1}")
    ax.plot(alphas, th["bulk_edge"], "k--", lw=1, label="theory: bulk edge")
    for b in (0.25, 1 / 3, 0.375):
        ax.axvline(b, color="0.85", lw=0.8)
    ax.set_yscale("log")
    ax.set_xlabel(r"step exponent $\alpha$ ($\eta = n^\alpha$)")
    ax.set_ylabel(r"top singular values of $F/\sqrt{n}$")
    ax.set_title(f"Moniri et al. 2024: softplus, linear target, d = {data['sizes']['d']}, n = {data['sizes']['n']}",
                 fontsize="medium")
    ax.legend(frameon=False, fontsize="x-small", ncol=2)


# ----------------------------------------------------------------------------- Dandi et al. 2024
_DANDI = {"quick": dict(d=300, p=100, trials=2), "gallery": dict(d=1000, p=200, trials=4)}
_DANDI_ALPHAS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
_DANDI_LR = 2.0
_DANDI_H = "He(1, {z}) + He(2, {z})/2 + He(4, {z})/24"


def _dandi_setup(d, p, alpha):
    import theory

    t = theory.MultiIndexTarget(f"({_DANDI_H.format(z='z1')} + {_DANDI_H.format(z='z2')})/2", 2)
    return theory.OneStep(activation="relu", target=t, d=d, width=p, n=alpha * d, lr=_DANDI_LR, readout="symmetric",
                          init="sphere")


def _dandi_data(scale, seed, tick):
    import theory

    from .giant_step import neuron_trials

    cfg = _DANDI[scale]
    d, p = cfg["d"], cfg["p"]
    pts = {"+1": [], "-1": []}
    for a in _DANDI_ALPHAS:
        s = _dandi_setup(d, p, a)
        rec = neuron_trials(s, trials=cfg["trials"], seed=task_sequence(seed, f"dandi alpha={a}"))
        for _ in range(cfg["trials"]):
            tick(None, None)
        v = theory.alignment_law(s).v_star
        for sign in (1.0, -1.0):
            per_trial = []
            for k in range(cfg["trials"]):
                cos = (rec.overlaps[k, 0] @ v) / np.sqrt(rec.norm_sq[k, 0])
                per_trial.append(float(np.mean(cos[rec.signs[k] == sign])))
            pts[f"{sign:+g}"].append(_est_dict(per_trial))
    return {"paper": "dandi2024", "sizes": {"d": d, "width": p}, "trials": cfg["trials"], "seed": seed, "lr": _DANDI_LR,
            "alphas": list(_DANDI_ALPHAS), "cosines": pts,
            "setting": "Dandi et al. single-step notebook target (h(z1) + h(z2))/2, h = He1 + He2/2 + He4/24, relu, "
                       "symmetric readout (f0 = 0), sphere init, lr = 2, one step on n = alpha d; mean over the "
                       "neurons of each readout sign of cos(w_i^1, v*), v* = C_1/|C_1|"}


def _dandi_theory(data):
    import theory

    d, p = data["sizes"]["d"], data["sizes"]["width"]
    fine = np.geomspace(min(data["alphas"]) * 0.8, max(data["alphas"]) * 1.2, 50)
    laws = {sign: [theory.alignment_law(_dandi_setup(d, p, a)).cosine(float(sign)) for a in fine] for sign in ("+1", "-1")}
    rows = [_row(f"cos, s={sign}", a, theory.alignment_law(_dandi_setup(d, p, a)).cosine(float(sign)), est, d, scale=1.0)
            for sign in ("+1", "-1") for a, est in zip(data["alphas"], data["cosines"][sign])]
    return {"x": fine, "laws": laws}, rows


def _dandi_plot(data, th, ax):
    from .plots import errorbars

    for j, sign in enumerate(("+1", "-1")):
        ax.plot(th["x"], th["laws"][sign], color=f"C{j}", label=f"theory, s = {sign}")
        errorbars(data["alphas"], data["cosines"][sign], ax=ax, color=f"C{j}", label=f"simulation, s = {sign}")
    ax.set_xscale("log")
    ax.axhline(0, color="0.7", lw=0.8)
    ax.set_xlabel(r"$\alpha = n/d$")
    ax.set_ylabel(r"$\cos(w_i^1, v^*)$, mean over neurons")
    ax.set_title(f"Dandi et al. 2024: one giant step, relu, d = {data['sizes']['d']}, p = {data['sizes']['width']}",
                 fontsize="medium")
    ax.legend(frameon=False, fontsize="small")


_TITLES = {"ba2022": "Ba et al. 2022 (weight spike and risk against eta)",
           "moniri2024": "Moniri et al. 2024 (feature spikes against alpha)",
           "cui2024": "Cui et al. 2024 (learning curves after a giant step)",
           "dandi2024": "Dandi et al. 2024 (per-neuron alignment after a giant step)"}
_DATA = {"ba2022": _ba_data, "moniri2024": _moniri_data, "cui2024": _cui_data, "dandi2024": _dandi_data}
_THEORY = {"ba2022": _ba_theory, "moniri2024": _moniri_theory, "cui2024": _cui_theory, "dandi2024": _dandi_theory}
_PLOT = {"ba2022": _ba_plot, "moniri2024": _moniri_plot, "cui2024": _cui_plot, "dandi2024": _dandi_plot}


#: (sizes per scale, number of simulated points) of each figure: the progress bar counts points x trials
_WORK = {"ba2022": (_BA, len(_BA_ETAS)), "moniri2024": (_MONIRI, len(_MONIRI_ALPHAS)),
         "cui2024": (_CUI, len(_CUI_LRS)), "dandi2024": (_DANDI, len(_DANDI_ALPHAS))}


#: Figures defined in their own modules of :mod:`validation.reproductions` (the beyond-the-papers regimes):
#: ``name -> module``. Each module defines ``NAME``, ``TITLE``, ``SIZES`` (``scale -> {"trials": ...}``),
#: ``POINTS``, ``data(scale, seed, tick) -> dict`` (with ``"paper": NAME``), ``theory(data) -> (th, rows)``
#: and ``plot(data, th, fig)`` (draws on a new matplotlib figure).
_MODULES: dict = {}


def _plug(module_name: str) -> None:
    """Add the figure of ``validation.reproductions.<module_name>`` to :data:`PAPERS` when it exists."""
    import importlib
    import importlib.util

    full = f"{__package__}.reproductions.{module_name}"
    try:
        if importlib.util.find_spec(full) is None:
            return
    except ModuleNotFoundError:
        return
    mod = importlib.import_module(full)
    _MODULES[mod.NAME] = mod
    _TITLES[mod.NAME] = mod.TITLE
    _WORK[mod.NAME] = (mod.SIZES, mod.POINTS)


for _name in ("moniri_hassani2026", "demir_dogan2025"):
    _plug(_name)
PAPERS = PAPERS + tuple(_MODULES)


def simulate_data(name: str, *, scale: str = "quick", seed: int = 0, progress=False) -> dict:
    """Run the simulations of ``name``'s figure and return the (small, JSON-ready) data.

    ``progress``: ``True`` shows a bar over the trials of every point on stderr when it is a
    terminal; a callable gets ``(done, total)`` (:mod:`validation.progress`).
    """
    from .progress import tracker

    check_choice(name, PAPERS, "name")
    check_choice(scale, SCALES, "scale")
    t0 = time.perf_counter()
    sizes, points = _WORK[name]
    with tracker(progress, points * sizes[scale]["trials"], name, unit="trial") as bar:
        data_fn = _MODULES[name].data if name in _MODULES else _DATA[name]
        data = data_fn(scale, seed, lambda done, total: bar.update(1))
    data["scale"] = scale
    data["elapsed_s"] = time.perf_counter() - t0
    return to_jsonable(data)


def load_data(path) -> dict:
    """Read stored figure data (JSON written from :func:`simulate_data`)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"figure data {str(path)!r} does not exist")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("paper") not in PAPERS:
        raise ValueError(f"{path}: not figure data of one of {PAPERS}")
    return data


def reproduce(name: str, *, data=None, out=None, scale: str = "quick", seed: int = 0, plot: bool = True,
              progress=False) -> Reproduction:
    """Draw ``name``'s figure: theory now, simulated points from ``data`` (dict or path) or a new simulation.

    ``out`` is a directory: the figure ``<name>.png`` is written there when matplotlib is
    installed and ``plot`` is true. ``progress``: as in :func:`simulate_data`.
    """
    check_choice(name, PAPERS, "name")
    t0 = time.perf_counter()
    if data is None:
        data = simulate_data(name, scale=scale, seed=seed, progress=progress)
    elif not isinstance(data, dict):
        data = load_data(data)
    if data.get("paper") != name:
        raise ValueError(f"data is for {data.get('paper')!r}, not {name!r}")
    th, rows = (_MODULES[name].theory if name in _MODULES else _THEORY[name])(data)
    fig_path = None
    if plot and out is not None:
        try:
            from .plots import pyplot

            plt = pyplot()
        except ImportError:
            plt = None
        if plt is not None:
            if name in _MODULES:
                fig = plt.figure(figsize=(10, 4.4), constrained_layout=True)
                _MODULES[name].plot(data, th, fig)
            elif name == "ba2022":
                fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
            else:
                fig, axes = plt.subplots(figsize=(6.2, 4.4), constrained_layout=True)
            if name not in _MODULES:
                _PLOT[name](data, th, axes)
            Path(out).mkdir(parents=True, exist_ok=True)
            fig_path = str(Path(out) / f"{name}.png")
            fig.savefig(fig_path, dpi=110)
            plt.close(fig)
    return Reproduction(name=name, title=_TITLES[name], rows=tuple(rows), data=data, figure=fig_path,
                        elapsed_s=time.perf_counter() - t0, notes=data.get("setting", ""))
