"""Optional plots (the ``plot`` extra). matplotlib is imported lazily, inside each function.

Every function takes ``ax=None`` (a new figure is made when it is ``None``) and returns the
artists it drew, so callers can restyle them.
"""

from __future__ import annotations

__all__ = ["pyplot", "get_axes"]


def pyplot():
    """Import and return ``matplotlib.pyplot`` with a non-interactive backend, or raise a clear error."""
    try:
        import matplotlib

        if matplotlib.get_backend().lower() not in ("agg", "pdf", "svg", "ps", "cairo", "module://matplotlib_inline.backend_inline"):
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("plotting needs matplotlib: pip install 'onegrad[plot]'") from exc
    return plt


def get_axes(ax=None):
    """Return ``ax``, or the axes of a new figure when ``ax`` is ``None``."""
    if ax is not None:
        return ax
    plt = pyplot()
    _, ax = plt.subplots(figsize=(5.5, 4.0), constrained_layout=True)
    return ax


# ----------------------------------------------------------------------------- labels and titles
__all__ += ["quantity_label", "setup_title"]

#: Mathtext labels of the quantities that :func:`validation.compare.compare` and the simulator report.
LABELS = {
    "cos(beta, beta*)": r"$\cos(\beta, \beta_*)$",
    "|beta|^2": r"$|\beta|^2$",
    "s1(W_1)": r"$s_1(W_1)$",
    "<v1, beta*>^2": r"$\langle v_1, \beta_*\rangle^2$",
    "train error": r"train error $E_{\mathrm{train}}$",
    "test error": r"test error $E_{\mathrm{test}}$",
    "test risk": r"test risk $E_{\mathrm{test}} - \sigma^2$",
    "train_error": r"train error $E_{\mathrm{train}}$",
    "test_error": r"test error $E_{\mathrm{test}}$",
    "test_risk": r"test risk $E_{\mathrm{test}} - \sigma^2$",
}


def quantity_label(name: str) -> str:
    r"""The mathtext label of a quantity name (``"|beta|^2"`` -> ``$|\beta|^2$``).

    ``"outlier j (degree k)"`` becomes :math:`s_j(F/\sqrt{n})` of degree ``k``; unknown names are
    returned with ``$`` escaped (so that matplotlib prints them as they are).

    >>> quantity_label("|beta|^2")
    '$|\\beta|^2$'
    >>> quantity_label("outlier 2 (degree 1)")
    '$s_{2}(F/\\sqrt{n})$, degree 1'
    """
    import re

    if name in LABELS:
        return LABELS[name]
    m = re.fullmatch(r"outlier (\d+) \((.*)\)", name)
    if m:
        return rf"$s_{{{m.group(1)}}}(F/\sqrt{{n}})$, {m.group(2)}"
    return str(name).replace("$", r"\$")


def _num(x) -> str:
    import numpy as np

    v = np.ravel(np.asarray(x, dtype=float))
    if v.size == 1:
        return f"{float(v[0]):g}"
    return f"{float(v.min()):g}..{float(v.max()):g}"


def _name(obj) -> str:
    return str(getattr(obj, "name", obj)).replace("$", r"\$")


def setup_title(setup, **extra) -> str:
    r"""A one-or-two-line title naming the model: activation, target, :math:`d`, width/d, n/d, lr.

    ``setup`` is a :class:`theory.OneStep` (or its ``to_dict()``); ``extra`` adds ``key=value``
    items (``n_ridge_ratio``, ``lam``, ``trials``, ...) with mathtext names where one is known.

    >>> import theory
    >>> setup_title(theory.OneStep(activation="relu", target="tanh", d=100, width=200, n=300, lr=2.0))
    'relu student, tanh target: $d = 100$, width$/d = 2$, $n/d = 3$, $\\mathrm{lr} = 2$'
    """
    if setup is None:
        return ""
    get = (lambda k: setup.get(k)) if isinstance(setup, dict) else (lambda k: getattr(setup, k, None))
    d, width, n = get("d"), get("width"), get("n")
    parts = [f"$d = {_num(d)}$"]
    if width is not None and d is not None:
        parts.append(f"width$/d = {_num(float(width) / float(d))}$")
    if n is not None and d is not None:
        parts.append(f"$n/d = {_num(float(n) / float(d))}$")
    if get("lr") is not None:
        parts.append(rf"$\mathrm{{lr}} = {_num(get('lr'))}$")
    names = {"n_ridge_ratio": r"$n_{\mathrm{ridge}}/d", "lam": r"$\lambda", "noise_var": r"$\sigma^2",
             "alpha": r"$\alpha"}
    tail = []
    for k, v in extra.items():
        if v is None:
            continue
        if k in names:
            tail.append(f"{names[k]} = {_num(v)}$")
        else:
            tail.append(f"{k} = {v if isinstance(v, str) else _num(v)}")
    noise = get("noise_var")
    if noise and "noise_var" not in extra:
        tail.insert(0, rf"$\sigma^2 = {_num(noise)}$")
    head = f"{_name(get('activation'))} student, {_name(get('target'))} target: " + ", ".join(parts)
    return head + ("\n" + ", ".join(tail) if tail else "")


# ----------------------------------------------------------------------------- theory vs simulation
__all__ += ["estimate_arrays", "errorbars", "plot_theory_vs_simulation", "plot_overlaps", "plot_comparison"]

def estimate_arrays(estimates):
    """``(mean, ci_low, ci_high)`` arrays from a sequence of estimates.

    Each item is an object with ``mean``, ``ci_low``, ``ci_high`` attributes (a
    ``validation.stats.Estimate``) or a dict with those keys (its JSON form).

    >>> m, lo, hi = estimate_arrays([{"mean": 1.0, "ci_low": 0.5, "ci_high": 1.5}])
    >>> float(m[0]), float(lo[0]), float(hi[0])
    (1.0, 0.5, 1.5)
    """
    import numpy as np

    def get(e, k):
        return float(e[k] if isinstance(e, dict) else getattr(e, k))

    items = list(estimates)
    return tuple(np.array([get(e, k) for e in items], dtype=float) for k in ("mean", "ci_low", "ci_high"))


def errorbars(x, estimates, *, ax=None, label="simulation", **kwargs):
    """Simulated estimates at ``x`` with their 95% intervals as error bars; returns the container."""
    import numpy as np

    ax = get_axes(ax)
    mean, lo, hi = estimate_arrays(estimates)
    yerr = np.vstack([mean - lo, hi - mean])
    kwargs.setdefault("fmt", "o")
    kwargs.setdefault("capsize", 3)
    kwargs.setdefault("markersize", 4)
    return ax.errorbar(np.asarray(x, dtype=float), mean, yerr=yerr, label=label, **kwargs)


def plot_theory_vs_simulation(x, theory, simulation=None, *, x_sim=None, ax=None, label=None,
                              xlabel=None, ylabel=None, theory_kw=None, simulation_kw=None, setup=None):
    """A theory curve and, optionally, simulated estimates with 95% error bars.

    Parameters
    ----------
    x, theory : array_like
        Abscissae and theory values (a line).
    simulation : sequence of estimates, optional
        ``validation.stats.Estimate`` objects (or their dicts), drawn at ``x_sim`` (default ``x``).
    setup : theory.OneStep, optional
        The model, named in the title (:func:`setup_title`).

    Returns
    -------
    dict
        ``{"theory": Line2D, "simulation": ErrorbarContainer or None}``.
    """
    import numpy as np

    ax = get_axes(ax)
    tkw = {"lw": 1.6, **(theory_kw or {})}
    (line,) = ax.plot(np.asarray(x, dtype=float), np.asarray(theory, dtype=float),
                      label=f"theory{'' if label is None else ': ' + label}", **tkw)
    bars = None
    if simulation is not None:
        skw = {"color": line.get_color(), **(simulation_kw or {})}
        bars = errorbars(x if x_sim is None else x_sim, simulation, ax=ax,
                         label=f"simulation{'' if label is None else ': ' + label}", **skw)
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if setup is not None:
        ax.set_title(setup_title(setup), fontsize="small")
    ax.legend(frameon=False, fontsize="small")
    return {"theory": line, "simulation": bars}


def plot_overlaps(alpha, theory, simulation=None, *, x_sim=None, ax=None, label=None,
                  xlabel=r"$\alpha$", ylabel=r"overlap $\cos(\beta, \beta_*)$", setup=None):
    """Overlaps against a ratio or exponent ``alpha``: theory line, simulated points with 95% bars.

    Same arguments and return value as :func:`plot_theory_vs_simulation`; the y axis is [0, 1].
    """
    arts = plot_theory_vs_simulation(alpha, theory, simulation, x_sim=x_sim, ax=ax, label=label,
                                     xlabel=xlabel, ylabel=ylabel, setup=setup)
    arts["theory"].axes.set_ylim(0.0, 1.02)
    return arts


def plot_comparison(comparison, *, ax=None):
    """Each compared quantity as simulation/theory - 1 with its 95% interval and tolerance band.

    ``comparison`` is a :class:`validation.compare.Comparison` or its ``to_dict()``. Skipped
    quantities are not drawn; agreeing ones are blue, disagreeing ones red. Returns
    ``{"points": [ErrorbarContainer per row], "bands": [PolyCollection...], "zero": Line2D}``.
    """
    import numpy as np

    ax = get_axes(ax)
    rows = comparison["rows"] if isinstance(comparison, dict) else [r.to_dict() for r in comparison.rows]
    rows = [r for r in rows if r.get("verdict") in ("agrees", "disagrees")]
    names = [r["name"] for r in rows]
    th = np.array([float(r["theory"]) for r in rows])
    mean = np.array([float(r["simulation"]["mean"]) for r in rows])
    lo = np.array([float(r["simulation"]["ci_low"]) for r in rows])
    hi = np.array([float(r["simulation"]["ci_high"]) for r in rows])
    scale = np.where(th != 0, np.abs(th), 1.0)
    y = np.arange(len(rows))[::-1]
    bands = []
    for yi, r in zip(y, rows):
        tol = float(r.get("tolerance") or 0.0)  # relative finite-size tolerance
        if tol > 0:
            bands.append(ax.fill_betweenx([yi - 0.3, yi + 0.3], -tol, tol, color="0.88", lw=0))
    colors = ["C0" if r["verdict"] == "agrees" else "C3" for r in rows]
    rel = (mean - th) / scale
    xerr = np.vstack([(mean - lo) / scale, (hi - mean) / scale])
    pts = [ax.errorbar(rel[i:i + 1], y[i:i + 1], xerr=xerr[:, i:i + 1], fmt="o", color=c, capsize=3, markersize=4)
           for i, c in enumerate(colors)]
    zero = ax.axvline(0.0, color="k", lw=0.8)
    ax.set_yticks(y, [quantity_label(nm) for nm in names])
    ax.set_xlabel(r"$y_{\mathrm{sim}}/y_{\mathrm{theory}} - 1$ (95% interval; grey: finite-size tolerance)")
    setup = None if isinstance(comparison, dict) else comparison.setup
    if setup is None and isinstance(comparison, dict):
        setup = comparison.get("setup")
    if setup is not None:
        ax.set_title(setup_title(setup), fontsize="medium")
    return {"points": pts, "bands": bands, "zero": zero}


__all__ += ["plot_compare"]


def _comparison_parts(comparison):
    """``(rows as dicts, setup, extra title items)`` of a Comparison or its ``to_dict()``."""
    if isinstance(comparison, dict):
        rows, setup = comparison["rows"], comparison.get("setup")
        get = comparison.get
    else:
        rows, setup = [r.to_dict() for r in comparison.rows], comparison.setup
        get = lambda k: getattr(comparison, k, None)  # noqa: E731
    d = (setup.get("d") if isinstance(setup, dict) else getattr(setup, "d", None)) if setup is not None else None
    n_ridge = get("n_ridge")
    extra = {"n_ridge_ratio": None if n_ridge is None or d is None else float(n_ridge) / float(d),
             "lam": get("lam"), "trials": None if get("trials") is None else f"{int(get('trials'))}"}
    return rows, setup, extra


def _extrapolation_fit(ex):
    """The fitted relative gap ``(g_inf, b)`` of ``g(d) = g_inf + b d^{-1/2}`` (the fit of compare)."""
    import numpy as np

    from .stats import extrapolate

    fit = extrapolate(np.asarray(ex["sizes"], dtype=float), np.asarray(ex["rel_gaps"], dtype=float),
                      np.asarray(ex["rel_gap_ses"], dtype=float))
    return float(fit.coefficients[0]), float(fit.coefficients[1])


def plot_compare(comparison, *, fig=None, ncols: int = 4):
    r"""The figure of ``onegrad compare``: one panel per compared quantity, in its own units.

    Each panel's abscissa is :math:`d^{-1/2}` (ticks labelled by :math:`d`; :math:`d	o\infty` is
    at 0). It shows the theory (a line through its values at each simulated size; a horizontal line
    with the grey finite-size tolerance band at the main size) and the simulation mean with its 95%
    interval at each size. When the comparison has an extrapolation (``compare(..., sizes=...)``),
    a second panel below shows what compare fitted: the relative gap
    :math:`g(d) = y_{\mathrm{sim}}/y_{\mathrm{theory}} - 1` per size (95% intervals), the
    weighted fit :math:`g_\infty + b\,d^{-1/2}` drawn to :math:`d	o\infty`, the limit
    :math:`g_\infty` with its 95% interval at 0, and the theory (:math:`g = 0`).

    Parameters
    ----------
    comparison : validation.compare.Comparison or dict
        A result of :func:`validation.compare.compare` (or its ``to_dict()``).
    fig : matplotlib Figure, optional
        Drawn into (cleared first); a new figure when ``None``.
    ncols : int
        Panels per row.

    Returns
    -------
    dict
        ``{"figure": Figure, "axes": {name: Axes}, "gap_axes": {name: Axes}, "fits": {name: Line2D}}``.
    """
    import math

    import numpy as np

    rows, setup, extra = _comparison_parts(comparison)
    rows = [r for r in rows if r.get("verdict") in ("agrees", "disagrees")]
    if not rows:
        raise ValueError("the comparison has no compared quantity to draw (all skipped or failed)")
    exs = {r["name"]: r.get("extrapolation") for r in rows}
    with_gap = any(ex and "sizes" in ex for ex in exs.values())
    ncols = max(1, min(int(ncols), len(rows)))
    nrows = math.ceil(len(rows) / ncols)
    plt = pyplot()
    per = 2 if with_gap else 1
    if fig is None:
        fig = plt.figure(figsize=(3.3 * ncols, (2.7 if not with_gap else 4.6) * nrows + 0.6), constrained_layout=True)
    else:
        fig.clear()
    grid = fig.add_gridspec(nrows * per, ncols, height_ratios=[3, 2] * nrows if with_gap else None)
    d0 = None
    if setup is not None:
        d0 = float(setup.get("d") if isinstance(setup, dict) else setup.d)
    out = {"figure": fig, "axes": {}, "gap_axes": {}, "fits": {}}
    for i, r in enumerate(rows):
        gi, gj = divmod(i, ncols)
        ax = fig.add_subplot(grid[gi * per, gj])
        out["axes"][r["name"]] = ax
        ex = exs[r["name"]] if exs[r["name"]] and "sizes" in exs[r["name"]] else None
        color = "C0" if r["verdict"] == "agrees" else "C3"
        th, tol = float(r["theory"]), float(r.get("tolerance") or 0.0)
        sim = r["simulation"]
        if ex is not None:
            ds = np.asarray(ex["sizes"], dtype=float)
            x = ds ** -0.5
            means, ses = np.asarray(ex["means"], dtype=float), np.asarray(ex["ses"], dtype=float)
            ax.plot(x, ex["theory"], "-", color="k", lw=1.2, label="theory")
            ax.errorbar(x, means, yerr=1.96 * ses, fmt="o", color=color, capsize=3, markersize=4,
                        label="simulation (95%)")
            ticks = ds
        else:
            d = d0 if d0 is not None else 1.0
            x = np.array([d ** -0.5])
            ax.errorbar(x, [float(sim["mean"])], yerr=[[float(sim["mean"]) - float(sim["ci_low"])],
                                                          [float(sim["ci_high"]) - float(sim["mean"])]],
                        fmt="o", color=color, capsize=3, markersize=5, label="simulation (95%)")
            ticks = np.array([d])
        if ex is None:  # with sizes the theory is the line through its value at each size
            ax.axhline(th, color="k", lw=1.0, label="theory")
        if tol > 0 and ex is None:
            scale = abs(th) or 1.0
            ax.axhspan(th - tol * scale, th + tol * scale, color="0.9", lw=0, zorder=0,
                       label="finite-size tolerance")
        xmax = float(np.max(ticks ** -0.5))
        ax.set_xlim(-0.12 * xmax, 1.15 * xmax)
        ax.set_xticks([0.0, *(ticks ** -0.5)], [r"$\infty$", *(f"{v:g}" for v in ticks)])
        ax.set_title(quantity_label(r["name"]) + ("" if r["verdict"] == "agrees" else " (disagrees)"),
                     fontsize="medium", color="k" if r["verdict"] == "agrees" else "C3")
        if i == 0:
            ax.legend(frameon=False, fontsize="x-small")
        if ex is None:
            ax.set_xlabel(r"$d$ (axis: $d^{-1/2}$)", fontsize="small")
            continue
        gax = fig.add_subplot(grid[gi * per + 1, gj], sharex=ax)
        out["gap_axes"][r["name"]] = gax
        gaps, gses = np.asarray(ex["rel_gaps"], dtype=float), np.asarray(ex["rel_gap_ses"], dtype=float)
        gax.errorbar(x, gaps, yerr=1.96 * gses, fmt="o", color=color, capsize=3, markersize=4)
        g_inf, b = _extrapolation_fit(ex)
        xs = np.linspace(0.0, float(x.max()), 50)
        (out["fits"][r["name"]],) = gax.plot(xs, g_inf + b * xs, "--", color=color, lw=1.0,
                                             label=r"fit $g_\infty + b\,d^{-1/2}$")
        lim = ex["limit"]
        gax.errorbar([0.0], [float(lim["mean"])], yerr=[[float(lim["mean"]) - float(lim["ci_low"])],
                                                         [float(lim["ci_high"]) - float(lim["mean"])]],
                     fmt="s", color=color, capsize=4, markersize=5, label=r"$d\to\infty$ (95%)")
        gax.axhline(0.0, color="k", lw=1.0, label="theory")
        gax.set_ylabel(r"$y_{\mathrm{sim}}/y_{\mathrm{th}} - 1$", fontsize="small")
        gax.set_xlabel(r"$d$ (axis: $d^{-1/2}$)", fontsize="small")
        ax.tick_params(labelbottom=False)
        if i == 0:
            gax.legend(frameon=False, fontsize="x-small")
    fig.suptitle(setup_title(setup, **extra) if setup is not None else "onegrad compare", fontsize="medium")
    return out


# ----------------------------------------------------------------------------- giant steps (docs/giant_step.md)
__all__ += ["plot_neuron_cosines", "plot_giant_step_errors"]


def plot_neuron_cosines(x, theory_by_sign, points=None, *, ax=None, xlabel=r"$\alpha = n/d$",
                        ylabel=r"$\cos(w_i^1, v^*)$", setup=None):
    """Per-neuron cosines with :math:`v^*`: theory lines (one per readout sign) over simulated neurons.

    Parameters
    ----------
    x : array_like
        Abscissae of the theory lines (e.g. ``alpha`` or ``lr``).
    theory_by_sign : dict
        ``{s: values}``: the law ``theory.alignment_law(...).cosine(s)`` along ``x`` for each sign ``s``.
    points : tuple, optional
        ``(x_points, cosines, signs)`` of simulated neurons (flat arrays of equal length).
    setup : theory.OneStep, optional
        The model, named in the title (:func:`setup_title`).

    Returns
    -------
    dict
        ``{"lines": {s: Line2D}, "points": {s: PathCollection}}``.
    """
    import numpy as np

    ax = get_axes(ax)
    lines, pts = {}, {}
    for s, vals in theory_by_sign.items():
        (lines[s],) = ax.plot(np.asarray(x, dtype=float), np.asarray(vals, dtype=float), lw=1.6,
                              label=f"theory, $s = {s:+g}$")
    if points is not None:
        xp, cp, sp = (np.asarray(v, dtype=float) for v in points)
        for s, line in lines.items():
            sel = sp == s
            pts[s] = ax.scatter(xp[sel], cp[sel], s=6, alpha=0.35, color=line.get_color(), label=f"neurons, $s = {s:+g}$")
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if setup is not None:
        ax.set_title(setup_title(setup), fontsize="small")
    ax.legend(frameon=False, fontsize="small")
    return {"lines": lines, "points": pts}


def plot_giant_step_errors(curves, floors=None, *, ax=None, xlabel=r"$\log n / \log d$", ylabel="test error",
                           setup=None):
    """Test error against :math:`\\log n/\\log d` for 1..T steps, with the floors :math:`e^*(U_T)` as dashed lines.

    Parameters
    ----------
    curves : dict
        ``{T: (x, estimates)}``; ``estimates`` are ``validation.stats.Estimate`` objects or dicts.
    floors : dict, optional
        ``{T: value}`` (``theory.error_table(...).values("staircase")``) or ``{label: value}`` baselines.
    setup : theory.OneStep, optional
        The model, named in the title (:func:`setup_title`).

    Returns
    -------
    dict
        ``{"curves": {T: ErrorbarContainer}, "floors": {key: Line2D}}``.
    """
    ax = get_axes(ax)
    out = {"curves": {}, "floors": {}}
    colors = {}
    for T, (x, est) in curves.items():
        bars = errorbars(x, est, ax=ax, label=f"$T = {T}$ step{'s' if T != 1 else ''}", fmt="o-")
        out["curves"][T] = bars
        colors[T] = bars.lines[0].get_color()
    for key, val in (floors or {}).items():
        out["floors"][key] = ax.axhline(float(val), ls="--", lw=1.0, color=colors.get(key, "0.4"),
                                        label=f"floor $e^*(U_{{{key}}})$" if key in colors else str(key))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if setup is not None:
        ax.set_title(setup_title(setup), fontsize="small")
    ax.legend(frameon=False, fontsize="small")
    return out


# ----------------------------------------------------------------------------- spikes
__all__ += ["plot_spectrum"]


def _singular_values(values):
    """Pooled singular values from an array or a ``SimulationResult`` (its ``feature_singular_values``)."""
    import numpy as np

    if hasattr(values, "records") and hasattr(values, "get"):
        return np.ravel(values.get("feature_singular_values")), getattr(values, "setup", None)
    return np.asarray(values, dtype=float).ravel(), None


def plot_spectrum(singular_values, prediction=None, ax=None, *, bins=60, label="simulation", setup=None):
    r"""The spectrum of :math:`F/\sqrt n` as a researcher draws it: the bulk as a density, the
    predicted outliers as vertical lines labelled by their degree.

    Parameters
    ----------
    singular_values : array_like or validation.simulate.SimulationResult
        Singular values of :math:`F/\sqrt n` (one draw, or several pooled: all of them, so that the
        bulk shows; ``simulate(..., measures=("spectrum",), top_k=min(n, width))`` gives them), or a
        simulation result whose ``feature_singular_values`` are pooled. May be empty to draw the
        prediction alone: the bulk is then the shaded interval up to the predicted edge.
    prediction : theory.SpikeSpectrum or dict, optional
        ``setup.spikes()`` (or its ``to_dict()``): each separated outlier is a solid vertical line
        labelled with its degree, the bulk edge a dashed one.
    ax : matplotlib axes, optional
    setup : theory.OneStep, optional
        For the title (default: the prediction's or the simulation's setup).

    Returns
    -------
    dict
        ``{"hist": (counts, edges, patches) or None, "spikes": [Line2D], "labels": [Text],
        "edge": Line2D or None, "bulk": PolyCollection or None}``.
    """
    import numpy as np

    ax = get_axes(ax)
    sv, sim_setup = _singular_values(singular_values)
    out = {"hist": None, "spikes": [], "labels": [], "edge": None, "bulk": None}
    pred = None
    if prediction is not None:
        pred = prediction.to_dict() if hasattr(prediction, "to_dict") else dict(prediction)
        setup = setup if setup is not None else getattr(prediction, "setup", None)
    setup = setup if setup is not None else sim_setup
    edge = None if pred is None else pred.get("bulk_edge")
    edge = float(edge) if edge is not None and np.isfinite(edge) else None
    locs = [float(sp["location"]) for sp in (pred or {}).get("spikes", ())]
    right = max([*(locs or [0.0]), *([edge] if edge else []), *(sv.tolist() if sv.size else [0.0])])
    if sv.size:
        out["hist"] = ax.hist(sv, bins=bins, density=True, color="0.65",
                              label=f"{label}: {sv.size} singular values")
        ax.set_ylabel("density")
    elif edge is not None:
        out["bulk"] = ax.axvspan(0.0, edge, color="0.85", lw=0, label="bulk (theory: up to its edge)")
        ax.set_yticks([])
    if edge is not None:
        out["edge"] = ax.axvline(edge, color="k", ls="--", lw=1, label="bulk edge (theory)")
    top = ax.get_ylim()[1]
    for j, sp in enumerate((pred or {}).get("spikes", ())):
        deg = sp.get("degree")
        name = "kernel" if deg is None else f"$k = {deg}$"
        line = ax.axvline(float(sp["location"]), color=f"C{j % 10}", lw=1.5,
                          label=f"outlier, degree {name} (theory)")
        out["spikes"].append(line)
        out["labels"].append(ax.text(float(sp["location"]), top * (0.95 - 0.07 * (j % 3)), f" {name}",
                                     color=line.get_color(), fontsize="small", va="top", ha="left"))
    ax.set_xlim(0.0, 1.1 * right if right > 0 else 1.0)
    ax.set_xlabel(r"singular value of $F/\sqrt{n}$")
    if setup is not None:
        ax.set_title(setup_title(setup), fontsize="small")
    if sv.size or out["spikes"] or out["edge"] is not None:
        ax.legend(fontsize="x-small", frameon=False, loc="center right")
    return out


# ----------------------------------------------------------------------------- learning curves (risk)
__all__ += ["plot_learning_curve"]


_UNITS = ("n_ridge/d", "n_ridge")


def _check_units(x_units):
    if x_units is not None and x_units not in _UNITS:
        raise ValueError(f"x_units must be 'n_ridge/d' or 'n_ridge'; got {x_units!r}")
    return x_units


def _setup_d(obj):
    setup = getattr(obj, "setup", None)
    d = getattr(setup, "d", None) if setup is not None else None
    return None if d is None else float(d)


def _theory_rows(res, errors, lam_index):
    """``[(name, n_ridge, values, lam)]`` curves of a RiskResult (one per lam row of a 2-d grid)."""
    import numpy as np

    rows = []
    for name in errors:
        vals = np.asarray(getattr(res, name), dtype=float)
        n = np.broadcast_to(np.asarray(res.n_ridge, dtype=float), vals.shape)
        lam = np.broadcast_to(np.asarray(res.lam, dtype=float), vals.shape)
        if vals.ndim <= 1:
            rows.append((name, n.ravel(), vals.ravel(), float(np.ravel(lam)[0])))
            continue
        vals2, n2, lam2 = (a.reshape(-1, a.shape[-1]) if a.ndim > 2 else a for a in (vals, n, lam))
        if n2.shape[1] == 1 or (n2.shape[0] > 1 and np.ptp(n2[:, 0]) > 0 and np.ptp(n2[0]) == 0):
            vals2, n2, lam2 = vals2.T, n2.T, lam2.T  # n_ridge along the first axis: one curve per column
        idx = range(vals2.shape[0]) if lam_index is None else [lam_index]
        rows += [(name, n2[i], vals2[i], float(lam2[i, 0])) for i in idx]
    return rows


def _simulation_rows(sim, errors):
    """``[(name, n_ridge, estimates, lam)]`` of a ``SimulationResult`` with the ``ridge`` measure."""
    import numpy as np

    n_ridge = sim.settings.get("n_ridge")
    if n_ridge is None:
        raise ValueError("simulation has no ridge errors: simulate(..., measures=('ridge',), n_ridge=...)")
    n = np.atleast_1d(np.asarray(n_ridge, dtype=float))
    lam = np.atleast_1d(np.asarray(sim.settings.get("lam", np.nan), dtype=float))
    rows = []
    for name in errors:
        est = sim.summary.get(name)
        if est is None:
            continue
        mean, lo, hi = (np.asarray(getattr(est, k), dtype=float) for k in ("mean", "ci_low", "ci_high"))
        mean, lo, hi = (a.reshape(n.size, -1) for a in (mean, lo, hi))  # (n_ridge, lam)
        for j in range(mean.shape[1]):
            ests = [{"mean": mean[i, j], "ci_low": lo[i, j], "ci_high": hi[i, j]} for i in range(n.size)]
            rows.append((name, n, ests, float(lam[j]) if j < lam.size else float("nan")))
    return rows


def plot_learning_curve(theory=None, simulation=None, ax=None, *, x=None, d=None, errors=("test_error", "train_error"),
                        lam_index=None, label=None, x_units=None):
    r"""Learning curve: ridge test/train errors against :math:`n_{\mathrm{ridge}}/d`, theory as lines
    and simulation as points with 95% intervals, all on one axis.

    Parameters
    ----------
    theory : theory.RiskResult or validation.compare.Comparison, optional
        A learning curve of ``theory.risk`` (``n_ridge`` an array; a 2-d grid draws one curve per
        ``lam``, or only row ``lam_index``), or a comparison (its theory values of the errors at its
        ``n_ridge``, as crosses, and its simulated errors with their intervals).
    simulation : validation.simulate.SimulationResult or mapping, optional
        A simulation with the ``ridge`` measure (``n_ridge`` and ``lam`` from its settings), or
        ``{error_name: sequence of estimates}`` (``validation.stats.Estimate`` or their dicts) at the
        abscissae ``x`` (in ``x_units``).
    ax : matplotlib axes, optional
    x : array_like, optional
        Abscissae of a mapping ``simulation`` (required with it).
    d : float, optional
        The input dimension, when a result does not carry its setup (``result.setup``).
    errors : tuple of str
        Which errors to draw (``test_error``, ``train_error``, ``test_risk``).
    x_units : {"n_ridge/d", "n_ridge"}, optional
        Units of ``x``. Default: ``n_ridge/d`` when ``d`` is known, else ``n_ridge``.

    The axis is :math:`n_{\mathrm{ridge}}/d` whenever :math:`d` is known (from ``d=`` or a result's
    ``setup``) and absolute :math:`n_{\mathrm{ridge}}` otherwise. Absolute sizes are converted with
    :math:`d`; anything that cannot be put on the common axis is refused.

    Returns
    -------
    matplotlib axes

    Raises
    ------
    ValueError
        Mixed units: ``x`` in ``n_ridge/d`` with no ``d`` for the theory; results of different
        :math:`d` on an ``n_ridge`` axis; ``d`` that disagrees with a result's setup.
    """
    import numpy as np

    from .compare import Comparison

    _check_units(x_units)
    sim_result = simulation if hasattr(simulation, "summary") and hasattr(simulation, "settings") else None
    if simulation is not None and sim_result is None and x is None:
        raise ValueError("x (the abscissae of the simulated estimates) is required with simulation")
    carried = {}
    for what, obj in (("theory", theory), ("simulation", sim_result)):
        if obj is not None and _setup_d(obj) is not None:
            carried[what] = _setup_d(obj)
    if d is not None:
        d = float(d)
        for what, dd in carried.items():
            if dd != d:
                raise ValueError(f"d={d:g} but the {what} result's setup has d={dd:g}: mixed units")
    elif carried:
        d = next(iter(carried.values()))
    if d is None and x_units == "n_ridge/d":
        raise ValueError("mixed units: x is in n_ridge/d but d is not known for the theory (pass d= or a result "
                         "that carries its setup)")
    if d is None and theory is not None and simulation is not None and sim_result is None and x_units is None:
        raise ValueError("cannot tell the units of x: the theory is at absolute n_ridge (d unknown); pass "
                         "x_units='n_ridge' or 'n_ridge/d' together with d= (or a result that carries its setup)")
    axis_ratio = d is not None

    def to_axis(n, what):
        n = np.asarray(n, dtype=float)
        if axis_ratio:
            return n / (carried.get(what, d))
        return n

    ax = get_axes(ax)
    setup = None
    colors = {}

    def color(name, lam):  # one colour per (error, lam): theory and simulation of it match
        return colors.setdefault((name, round(float(lam), 12)), f"C{len(colors) % 10}")

    if isinstance(theory, Comparison):
        setup = theory.setup
        xr = float(theory.n_ridge) / float(theory.setup.d) if axis_ratio else float(theory.n_ridge)
        for k, name in enumerate(errors):
            row = next((r for r in theory.rows if r.name == name.replace("_", " ") and r.verdict in ("agrees", "disagrees")),
                       None)
            if row is None:
                continue
            ax.plot([xr], [row.theory], "x", color=f"C{k}", markersize=8, label=f"{quantity_label(name)} (theory)")
            errorbars([xr], [row.simulation], ax=ax, color=f"C{k}", label=f"{quantity_label(name)} (simulation)")
    elif theory is not None:
        setup = getattr(theory, "setup", None)
        for j, (name, n, v, lv) in enumerate(_theory_rows(theory, errors, lam_index)):
            style = "-" if name == "test_error" else "--"
            lab = label or rf"{quantity_label(name)} (theory, $\lambda = {lv:g}$)"
            ax.plot(to_axis(n, "theory"), v, style, color=color(name, lv), label=lab)
    if sim_result is not None:
        setup = setup or sim_result.setup
        for k, (name, n, ests, lv) in enumerate(_simulation_rows(sim_result, errors)):
            errorbars(to_axis(n, "simulation"), ests, ax=ax, color=color(name, lv),
                      label=rf"{quantity_label(name)} (simulation, $\lambda = {lv:g}$)")
    elif simulation is not None:
        xs = np.asarray(x, dtype=float)
        units = x_units or ("n_ridge/d" if axis_ratio else "n_ridge")
        if axis_ratio and units == "n_ridge":
            xs = xs / d
        for k, (name, ests) in enumerate(simulation.items()):
            lam0 = float(np.ravel(np.asarray(theory.lam, dtype=float))[0]) if hasattr(theory, "lam") else 0.0
            errorbars(xs, ests, ax=ax, label=f"{quantity_label(name)} (simulation)", color=color(name, lam0))
    ax.set_xlabel(r"$n_{\mathrm{ridge}}/d$" if axis_ratio else r"$n_{\mathrm{ridge}}$")
    ax.set_ylabel("error")
    if setup is not None:
        ax.set_title(setup_title(setup), fontsize="small")
    ax.legend(fontsize="small", frameon=False)
    return ax
