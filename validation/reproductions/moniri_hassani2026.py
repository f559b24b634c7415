r"""Moniri & Hassani (2026, arXiv:2605.17767): two gradient steps against one.

With per-step sizes :math:`\eta_t = N^{\alpha_t}` (per-neuron :math:`\tau_t = \eta_t/\sqrt N`), the first-layer
weights after the second step, :math:`W_2`, are a spiked random matrix: the second step adds an outlier for
each order :math:`j \ge 1` with :math:`j < \alpha_2/(1/2 - \alpha_1)` whose coefficient is not zero, and,
with a **reused** batch, it can learn a target direction of information exponent above one, which a
fresh batch cannot (:func:`theory.two_step_spikes`).

The figure fixes :math:`\alpha_1` and the target :math:`\tfrac12 He_2 + He_3/\sqrt{12}` (information
exponent 2; its adjacent Hermite coefficients correlate :math:`y^2` with :math:`\beta_*\cdot x`) and varies
:math:`\alpha_2`; "one step" is :math:`\tau_2 = 0` (``lr=(tau_1, 0)``), the same experiment stopped after
step one. Left: the top singular values of :math:`W_2` (points: simulation; lines: the predicted outliers;
dashed: the bulk edge :math:`1 + \sqrt{N/d}` of :math:`W_0`). Right: the fraction of :math:`\beta_*`
captured by the top right singular vectors of :math:`W_2` (simulation: the sum of their squared overlaps
over the predicted outliers; theory: ``captured_target``), fresh against reused batch.
"""

from __future__ import annotations

import math

import numpy as np

NAME = "moniri_hassani2026"
#: the gallery page's first paragraph (``scripts/make_gallery.py``)
INTRO = (
    "Moniri & Hassani (2026, arXiv:2605.17767) take two gradient steps of sizes $\\eta_t = N^{\\alpha_t}$: the weights "
    "$W_2$ after the second step are a spiked random matrix, the second step adds an outlier for each order "
    "$j \\ge 1$ with $j < \\alpha_2/(1/2 - \\alpha_1)$ whose coefficient is non-zero, and a **reused** batch can learn "
    "a target direction of information exponent above one, which a fresh batch cannot. Here $\\alpha_1 = 0.375$, "
    "the target $\\tfrac12 He_2 + He_3/\\sqrt{12}$ has information exponent 2, and $\\alpha_2$ varies; 'one step' is "
    "the same experiment with $\\tau_2 = 0$. Left: the top singular values of $W_2$ (points: simulation; lines: the "
    "outliers predicted by `theory.two_step_spikes`, `docs/theory/two_step.md`; dotted: one step; dashed: the bulk "
    "edge of $W_0$). Right: the fraction of $\\beta_*$ in the span of the predicted outliers' right singular "
    "vectors: with a fresh batch the second step learns nothing of $\\beta_*$, with the reused batch the order-1 "
    "outlier carries it once it separates from the bulk. The intervals are wide because the spike sizes follow "
    "each batch's label energy, which fluctuates strongly for this target at these sizes; the paired design "
    "(one stream for all points) keeps the comparison between points sharper than the intervals suggest."
)
TITLE = "Moniri & Hassani 2026 (two gradient steps against one: spikes of W_2 and the learned direction)"
SIZES = {"quick": {"d": 300, "trials": 3}, "gallery": {"d": 600, "trials": 4}}
ALPHA1 = 0.375
ALPHA2 = (0.15, 0.25, 0.35, 0.45)
TARGET = "He(2, z)/2 + He(3, z)/sqrt(12)"
#: (label, reuse, alpha2 or None for one step)
CASES = tuple(("fresh", False, a) for a in ALPHA2) + tuple(("reused", True, a) for a in ALPHA2) + (("one step", False, None),)
POINTS = len(CASES)
TOP = 2  # singular values drawn and compared


def _activation():
    import theory

    return theory.activation("softplus", scale=3.0, amplitude=1.0 / 3.0)


def setup(d: int, alpha2, reuse: bool):
    """The experiment of one point: ``alpha2=None`` is one step (``lr = (tau_1, 0)``)."""
    import theory

    s = theory.OneStep.from_moniri_hassani(alpha=(ALPHA1, 0.0 if alpha2 is None else alpha2), d=d, width=d, n=2 * d,
                                           activation=_activation(), target=TARGET, reuse_batch=reuse)
    return s.with_(lr=(s.lrs[0], 0.0)) if alpha2 is None else s


def _case_key(label, alpha2):
    return label if alpha2 is None else f"{label} alpha2={alpha2:g}"


def data(scale, seed, tick) -> dict:
    from ..reproduce import _est_dict
    from ..seeding import task_sequence
    from ..simulate import simulate

    cfg = SIZES[scale]
    d, trials = cfg["d"], cfg["trials"]
    points = {}
    for label, reuse, a2 in CASES:
        # one stream for every point: W_0, the readout and the first batch are shared (paired comparison)
        sim = simulate(setup(d, a2, reuse), trials=trials, seed=task_sequence(seed, f"{NAME} d={d}"),
                       measures=("weight_spectrum",), top_k=6, dtype=np.float64, progress=tick)
        sv = sim.get("w_singular_values")
        tsq = sim.get("w_right_target_sq")
        points[_case_key(label, a2)] = {
            "singular_values": [_est_dict(sv[:, j]) for j in range(TOP)],
            "target_sq": tsq.tolist(),  # per trial, per singular vector: the captured fraction needs the count
            "w0_edge": _est_dict(sim.get("w0_top_singular_value")),
        }
    return {"paper": NAME, "sizes": {"d": d, "width": d, "n": 2 * d}, "trials": trials, "seed": seed,
            "alpha1": ALPHA1, "alpha2": list(ALPHA2), "target": TARGET, "activation": _activation().name,
            "points": points,
            "setting": f"Moniri & Hassani 2026 (two steps): sphere init, Gaussian readout, f = a.sigma with a ~ N(0, I/N), "
                       f"steps on the labels, eta_t = N^alpha_t (tau_t = eta_t/sqrt(N)), alpha1 = {ALPHA1}, "
                       f"student softplus(3z)/3, target {TARGET}, no noise, d = N, n = 2N per batch; 'one step' is "
                       f"tau_2 = 0 on the same seeds; every point uses the same stream (task_sequence(seed, '{NAME} d=...')), so "
                       f"W_0, the readout and the first batch are shared by all points (paired)"}


def _prediction(d, a2, reuse):
    import theory

    return theory.two_step_spikes(setup(d, a2, reuse))


def theory(data) -> tuple:
    from ..reproduce import _row
    from ..stats import estimate

    d = data["sizes"]["d"]
    th = {"bulk_edge": 1.0 + math.sqrt(data["sizes"]["width"] / data["sizes"]["d"]), "cases": {}}
    rows = []
    for label, reuse, a2 in CASES:
        key = _case_key(label, a2)
        pred = _prediction(d, a2, reuse)
        svs = sorted((float(sp.singular_value) for sp in pred.spikes if sp.separated), reverse=True)
        k = max(1, len(svs))
        captured = float(np.asarray(pred.captured_target)[k - 1])  # the top-k outlier directions
        captured = 0.0 if abs(captured) < 1e-12 else captured  # quadrature round-off of an exact zero
        th["cases"][key] = {"singular_values": svs, "captured_target": captured, "count": int(pred.count),
                            "learns_target": bool(pred.learns_target)}
        pt = data["points"][key]
        x = 0.0 if a2 is None else a2
        for j, t in enumerate(svs[:TOP]):
            rows.append(_row(f"{label}: s{j + 1}(W2)", x, t, pt["singular_values"][j], d))
        cap = estimate(np.sum(np.asarray(pt["target_sq"])[:, :k], axis=1))
        rows.append(_row(f"{label}: captured beta*", x, captured,
                         {"mean": cap.mean, "se": cap.se, "ci_low": cap.ci_low, "ci_high": cap.ci_high}, d, scale=1.0))
    return th, rows


def plot(data, th, fig) -> None:
    from ..plots import errorbars

    ax1, ax2 = fig.subplots(1, 2)
    a2s = data["alpha2"]
    one = data["points"]["one step"]
    for style, (label, color) in {"o": ("fresh", "C0"), "s": ("reused", "C1")}.items():
        keys = [_case_key(label, a) for a in a2s]
        for j in range(TOP):
            errorbars(a2s, [data["points"][k]["singular_values"][j] for k in keys], ax=ax1, color=color, fmt=style,
                      label=f"simulation, {label}" if j == 0 else None, alpha=1.0 - 0.25 * j)
            xs = [a for a, k in zip(a2s, keys) if len(th["cases"][k]["singular_values"]) > j]
            ys = [th["cases"][k]["singular_values"][j] for k in keys if len(th["cases"][k]["singular_values"]) > j]
            ax1.plot(xs, ys, "-", color=color, lw=1, label=f"theory, {label}" if j == 0 else None)
        caps = [np.sum(np.asarray(data["points"][k]["target_sq"])[:, :max(1, len(th["cases"][k]["singular_values"]))],
                       axis=1) for k in keys]
        ax2.errorbar(a2s, [c.mean() for c in caps], yerr=[c.std(ddof=1) / math.sqrt(len(c)) * 1.96 if len(c) > 1 else 0
                                                          for c in caps],
                     fmt=style, color=color, capsize=3, label=f"simulation, {label}")
        ax2.plot(a2s, [th["cases"][k]["captured_target"] for k in keys], "-", color=color, lw=1, label=f"theory, {label}")
    ax1.axhline(one["singular_values"][0]["mean"], color="0.4", ls=":", lw=1, label="one step: $s_1(W_1)$")
    ax1.axhline(th["bulk_edge"], color="k", ls="--", lw=0.8, label="bulk edge of $W_0$")
    ax1.set_yscale("log")
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    ax1.yaxis.set_major_formatter(ScalarFormatter())
    ax1.yaxis.set_minor_formatter(NullFormatter())
    ax1.set_yticks([t for t in (2, 3, 4, 6, 8, 10, 15, 20, 30) if t <= 1.3 * ax1.get_ylim()[1]])
    ax1.set_xlabel(r"second step exponent $\alpha_2$ ($\eta_2 = N^{\alpha_2}$)")
    ax1.set_ylabel(r"top singular values of $W_2$")
    ax1.legend(frameon=False, fontsize="x-small")
    one_cap = np.sum(np.asarray(one["target_sq"])[:, :1], axis=1)
    ax2.axhline(one_cap.mean(), color="0.4", ls=":", lw=1, label="one step (simulation)")
    ax2.set_xlabel(r"second step exponent $\alpha_2$")
    ax2.set_ylabel(r"fraction of $\beta_*$ in the top right singular vectors")
    ax2.set_ylim(bottom=0)
    ax2.legend(frameon=False, fontsize="x-small")
    d = data["sizes"]["d"]
    fig.suptitle(rf"Moniri & Hassani 2026: two steps against one, $\alpha_1$ = {data['alpha1']}, "
                 rf"target $\frac{{1}}{{2}} He_2 + He_3/\sqrt{{12}}$, d = N = {d}, n = {data['sizes']['n']}", fontsize="medium")
