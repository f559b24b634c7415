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
                              xlabel=None, ylabel=None, theory_kw=None, simulation_kw=None):
    """A theory curve and, optionally, simulated estimates with 95% error bars.

    Parameters
    ----------
    x, theory : array_like
        Abscissae and theory values (a line).
    simulation : sequence of estimates, optional
        ``validation.stats.Estimate`` objects (or their dicts), drawn at ``x_sim`` (default ``x``).

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
    ax.legend(frameon=False, fontsize="small")
    return {"theory": line, "simulation": bars}


def plot_overlaps(alpha, theory, simulation=None, *, x_sim=None, ax=None, label=None,
                  xlabel=r"$\alpha$", ylabel=r"overlap $\cos(\beta, \beta_*)$"):
    """Overlaps against a ratio or exponent ``alpha``: theory line, simulated points with 95% bars.

    Same arguments and return value as :func:`plot_theory_vs_simulation`; the y axis is [0, 1].
    """
    arts = plot_theory_vs_simulation(alpha, theory, simulation, x_sim=x_sim, ax=ax, label=label,
                                     xlabel=xlabel, ylabel=ylabel)
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
    ax.set_yticks(y, names)
    ax.set_xlabel("simulation / theory - 1 (95% interval; grey: finite-size tolerance)")
    return {"points": pts, "bands": bands, "zero": zero}


# ----------------------------------------------------------------------------- giant steps (docs/giant_step.md)
__all__ += ["plot_neuron_cosines", "plot_giant_step_errors"]


def plot_neuron_cosines(x, theory_by_sign, points=None, *, ax=None, xlabel=r"$\alpha = n/d$",
                        ylabel=r"$\cos(w_i^1, v^*)$"):
    """Per-neuron cosines with :math:`v^*`: theory lines (one per readout sign) over simulated neurons.

    Parameters
    ----------
    x : array_like
        Abscissae of the theory lines (e.g. ``alpha`` or ``lr``).
    theory_by_sign : dict
        ``{s: values}``: the law ``theory.alignment_law(...).cosine(s)`` along ``x`` for each sign ``s``.
    points : tuple, optional
        ``(x_points, cosines, signs)`` of simulated neurons (flat arrays of equal length).

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
                              label=f"theory, s = {s:+g}")
    if points is not None:
        xp, cp, sp = (np.asarray(v, dtype=float) for v in points)
        for s, line in lines.items():
            sel = sp == s
            pts[s] = ax.scatter(xp[sel], cp[sel], s=6, alpha=0.35, color=line.get_color(), label=f"neurons, s = {s:+g}")
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, fontsize="small")
    return {"lines": lines, "points": pts}


def plot_giant_step_errors(curves, floors=None, *, ax=None, xlabel=r"$\log n / \log d$", ylabel="test error"):
    """Test error against :math:`\\log n/\\log d` for 1..T steps, with the floors :math:`e^*(U_T)` as dashed lines.

    Parameters
    ----------
    curves : dict
        ``{T: (x, estimates)}``; ``estimates`` are ``validation.stats.Estimate`` objects or dicts.
    floors : dict, optional
        ``{T: value}`` (``theory.error_table(...).values("staircase")``) or ``{label: value}`` baselines.

    Returns
    -------
    dict
        ``{"curves": {T: ErrorbarContainer}, "floors": {key: Line2D}}``.
    """
    ax = get_axes(ax)
    out = {"curves": {}, "floors": {}}
    colors = {}
    for T, (x, est) in curves.items():
        bars = errorbars(x, est, ax=ax, label=f"{T} step(s)", fmt="o-")
        out["curves"][T] = bars
        colors[T] = bars.lines[0].get_color()
    for key, val in (floors or {}).items():
        out["floors"][key] = ax.axhline(float(val), ls="--", lw=1.0, color=colors.get(key, "0.4"),
                                        label=f"floor e*(U_{key})" if key in colors else str(key))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, fontsize="small")
    return out


# ----------------------------------------------------------------------------- spikes
__all__ += ["plot_spectrum"]


def plot_spectrum(singular_values, prediction=None, ax=None, *, bins=60, label="simulation"):
    """Histogram of singular values of ``F/sqrt(n)`` with the predicted spikes and bulk edge marked.

    Parameters
    ----------
    singular_values : array_like
        Singular values (one draw, or several pooled); may be empty to draw the prediction alone.
    prediction : theory.SpikeSpectrum or dict, optional
        ``setup.spikes()`` (or its ``to_dict()``): each separated spike is a solid vertical line
        labelled with its degree, the bulk edge a dashed one.
    ax : matplotlib axes, optional

    Returns
    -------
    dict
        ``{"hist": ..., "spikes": [lines], "edge": line or None}``.
    """
    import numpy as np

    ax = get_axes(ax)
    sv = np.asarray(singular_values, dtype=float).ravel()
    out = {"hist": None, "spikes": [], "edge": None}
    if sv.size:
        out["hist"] = ax.hist(sv, bins=bins, color="0.6", label=label)
    if prediction is not None:
        pred = prediction.to_dict() if hasattr(prediction, "to_dict") else prediction
        edge = pred.get("bulk_edge")
        if edge is not None and np.isfinite(edge):
            out["edge"] = ax.axvline(edge, color="k", ls="--", lw=1, label="bulk edge (theory)")
        for j, sp in enumerate(pred.get("spikes", ())):
            deg = sp.get("degree")
            name = "kernel" if deg is None else f"k = {deg}"
            out["spikes"].append(ax.axvline(sp["location"], color=f"C{j % 10}", lw=1.5, label=f"spike {name} (theory)"))
    ax.set_xlabel(r"singular value of $F/\sqrt{n}$")
    ax.set_ylabel("count")
    if sv.size or out["spikes"]:
        ax.legend(fontsize="small")
    return out


# ----------------------------------------------------------------------------- learning curves (risk)
__all__ += ["plot_learning_curve"]


def plot_learning_curve(theory=None, simulation=None, ax=None, *, x=None, d=None, errors=("test_error", "train_error"),
                        lam_index=None, label=None):
    """Learning curve: the limiting test/train errors of ``theory.risk`` against ``n_ridge/d``, with
    simulated estimates as error bars (95% intervals).

    Parameters
    ----------
    theory : theory.RiskResult, optional
        A learning curve (``n_ridge`` an array; a 2-d grid draws one curve per ``lam`` row, or only
        row ``lam_index``). The abscissa is ``n_ridge / d`` with ``d`` from ``d=`` or the result's
        grid (``n_ridge`` itself when ``d`` is not known).
    simulation : mapping, optional
        ``{error_name: sequence of estimates}`` (``validation.stats.Estimate`` or their dicts), at
        abscissae ``x``; e.g. ``{"test_error": sim_estimates}``.
    ax : matplotlib axes, optional
    x : array_like, optional
        Abscissae of ``simulation`` (required with it).
    errors : tuple of str
        Which theory errors to draw.

    Returns
    -------
    matplotlib axes
    """
    import numpy as np

    ax = get_axes(ax)
    if theory is not None:
        n = np.asarray(theory.n_ridge, dtype=float)
        lam = np.asarray(theory.lam, dtype=float)
        xs = n / float(d) if d is not None else n
        for k, name in enumerate(errors):
            vals = np.asarray(getattr(theory, name), dtype=float)
            if vals.ndim <= 1:
                rows = [(vals.ravel(), xs.ravel(), float(np.ravel(lam)[0]))]
            else:
                idx = range(vals.shape[0]) if lam_index is None else [lam_index]
                rows = [(vals[i], xs[i], float(lam[i, 0])) for i in idx]
            for j, (v, xv, lv) in enumerate(rows):
                style = "-" if name == "test_error" else "--"
                lab = label or f"{name.replace('_', ' ')} (theory, lam={lv:g})"
                ax.plot(xv, v, style, color=f"C{j % 10}", label=lab)
    if simulation is not None:
        if x is None:
            raise ValueError("x (the abscissae of the simulated estimates) is required with simulation")
        for k, (name, ests) in enumerate(simulation.items()):
            errorbars(x, ests, ax=ax, label=f"{name.replace('_', ' ')} (simulation)", color=f"C{(k + 3) % 10}")
    ax.set_xlabel(r"$n_{ridge}/d$" if d is not None else r"$n_{ridge}$")
    ax.set_ylabel("error")
    ax.legend(fontsize="small")
    return ax
