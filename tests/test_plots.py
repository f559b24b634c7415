"""Plot helpers (Agg backend): they draw the library's own results, with mathtext labels and the
setup in the title, and refuse mixed units. Figures are saved under ``tmp_path`` so that the
mathtext is actually rendered (a bad label fails only when drawn)."""

import json

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import theory  # noqa: E402
from validation import plots  # noqa: E402


def est(m, lo, hi):
    return {"mean": m, "ci_low": lo, "ci_high": hi}


def texts(fig):
    """Every text of a figure: titles, axis labels, tick labels, legend entries, annotations."""
    out = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    return [t for t in out if t]


@pytest.fixture(scope="module")
def setup():
    return theory.OneStep(activation="tanh", target="sin", d=30, width=30, n=300, lr=3.0, readout="constant")


@pytest.fixture(scope="module")
def comparison(setup):
    from validation.compare import compare

    return compare(setup, n_ridge=60, lam=0.1, trials=3, n_test=300, sizes=[16, 22], seed=1)


@pytest.fixture(scope="module")
def simulation(setup):
    from validation.simulate import simulate

    return simulate(setup, trials=2, measures=("ridge",), n_ridge=np.array([15, 30, 60]), lam=0.1, n_test=300, seed=2)


# ----------------------------------------------------------------------------- labels and titles
def test_quantity_labels_are_mathtext():
    assert plots.quantity_label("|beta|^2") == r"$|\beta|^2$"
    assert plots.quantity_label("cos(beta, beta*)") == r"$\cos(\beta, \beta_*)$"
    assert plots.quantity_label("outlier 3 (degree 2)") == r"$s_{3}(F/\sqrt{n})$, degree 2"
    assert plots.quantity_label("a $ b") == r"a \$ b"  # unknown names print as they are


def test_setup_title_names_the_model(setup):
    t = plots.setup_title(setup, n_ridge_ratio=2.0, lam=0.1)
    assert t.startswith("tanh student, sin target: $d = 30$, width$/d = 1$, $n/d = 10$, $\\mathrm{lr} = 3$")
    assert "$n_{\\mathrm{ridge}}/d = 2$" in t and "$\\lambda = 0.1$" in t
    assert plots.setup_title(setup.to_dict()) == plots.setup_title(setup)


# ----------------------------------------------------------------------------- theory vs simulation
def test_theory_vs_simulation_draws_line_and_bars():
    x = np.linspace(0.5, 3, 6)
    th = 1 / (1 + x)
    sims = [est(t + 0.01, t - 0.02, t + 0.04) for t in th]
    arts = plots.plot_theory_vs_simulation(x, th, sims, xlabel="alpha", ylabel="test error")
    line, bars = arts["theory"], arts["simulation"]
    assert np.allclose(line.get_xdata(), x) and np.allclose(line.get_ydata(), th)
    # the error bar segments span exactly [ci_low, ci_high]
    segs = bars.lines[2][0].get_segments()
    assert np.allclose([s[0][1] for s in segs], th - 0.02) and np.allclose([s[1][1] for s in segs], th + 0.04)
    assert line.axes.get_xlabel() == "alpha"
    plots.pyplot().close("all")


def test_overlaps_on_given_axes():
    plt = plots.pyplot()
    fig, ax = plt.subplots()
    arts = plots.plot_overlaps([0.1, 0.2], [0.3, 0.5], [est(0.31, 0.29, 0.33), est(0.5, 0.48, 0.52)], ax=ax)
    assert arts["theory"].axes is ax and ax.get_ylim() == (0.0, 1.02)
    plt.close(fig)


def test_plot_comparison_from_dict():
    rows = [
        {"name": "a", "verdict": "agrees", "theory": 2.0, "simulation": est(2.02, 1.98, 2.06), "tolerance": 0.05},
        {"name": "b", "verdict": "disagrees", "theory": 1.0, "simulation": est(1.5, 1.4, 1.6), "tolerance": 0.05},
        {"name": "c", "verdict": "skipped", "theory": None, "simulation": None, "tolerance": None},
    ]
    arts = plots.plot_comparison({"rows": rows})
    ax = arts["zero"].axes
    labels = dict(zip(ax.get_yticks(), [t.get_text() for t in ax.get_yticklabels()]))
    assert labels == {1: "a", 0: "b"}  # first row on top; the skipped row is not drawn
    assert len(arts["bands"]) == 2
    xs = [float(c.lines[0].get_xdata()[0]) for c in arts["points"]]
    assert np.allclose(xs, [0.01, 0.5])  # simulation / theory - 1
    segs = arts["points"][1].lines[2][0].get_segments()[0]
    assert np.allclose([segs[0][0], segs[1][0]], [0.4, 0.6])  # the interval, relative to theory
    plots.pyplot().close("all")


# ----------------------------------------------------------------------------- compare's figure
def test_plot_compare_draws_the_extrapolation(comparison, tmp_path):
    arts = plots.plot_compare(comparison)
    fig = arts["figure"]
    fig.savefig(tmp_path / "compare.png", dpi=40)
    all_text = texts(fig)
    assert r"$|\beta|^2$" in all_text and r"$\cos(\beta, \beta_*)$" in all_text
    assert not any("|beta|^2" in t for t in all_text)  # no ASCII label left
    title = fig._suptitle.get_text()
    assert title.startswith("tanh student, sin target: $d = 30$") and "$\\mathrm{lr} = 3$" in title
    assert "$n_{\\mathrm{ridge}}/d = 2$" in title
    for r in comparison.compared:
        ex = r.extrapolation
        ax, gax = arts["axes"][r.name], arts["gap_axes"][r.name]
        # the points are in the quantity's units: the simulated means at d = 16, 22, 30 against d^-1/2
        bars = [c for c in ax.containers]
        ys = np.concatenate([c.lines[0].get_ydata() for c in bars])
        xs = np.concatenate([c.lines[0].get_xdata() for c in bars])
        assert np.allclose(np.sort(ys), np.sort(ex["means"])) and np.allclose(np.sort(xs), np.sort(np.array(ex["sizes"]) ** -0.5))
        # the fitted trend reaches d -> infinity (x = 0) at the limit compare computed
        fit = arts["fits"][r.name]
        assert fit.get_xdata()[0] == 0.0 and fit.get_ydata()[0] == pytest.approx(ex["limit"]["mean"], rel=1e-9, abs=1e-12)
        assert any(t.get_text() == r"$\infty$" for t in gax.get_xticklabels())
    plots.pyplot().close(fig)


def test_plot_compare_without_sizes_is_in_units(setup, tmp_path):
    from validation.compare import compare

    cmp = compare(setup, n_ridge=60, lam=0.1, trials=2, n_test=200, quantities=["overlap"], seed=3)
    arts = plots.plot_compare(cmp)
    arts["figure"].savefig(tmp_path / "c.png", dpi=40)
    assert arts["gap_axes"] == {}
    for r in cmp.compared:
        ax = arts["axes"][r.name]
        (bars,) = ax.containers
        assert bars.lines[0].get_ydata()[0] == pytest.approx(r.simulation.mean)
        assert any(np.allclose(line.get_ydata(), r.theory) for line in ax.lines if line.get_label() == "theory")
    # a dict (compare.json) draws the same
    data = json.loads(json.dumps(cmp.to_dict(), default=float))
    arts2 = plots.plot_compare(data)
    assert set(arts2["axes"]) == set(arts["axes"])
    with pytest.raises(ValueError, match="no compared quantity"):
        plots.plot_compare({"rows": [{"name": "c", "verdict": "skipped"}]})
    plots.pyplot().close("all")


# ----------------------------------------------------------------------------- spectrum
def test_plot_spectrum_shows_the_bulk_and_the_outliers(tmp_path):
    from validation.simulate import simulate

    s = theory.OneStep.from_moniri(alpha=0.3, d=120, width=120, n=240, residual="labels")
    spec = s.spikes()
    sim = simulate(s, trials=2, measures=("spectrum",), top_k=120, seed=0)
    arts = plots.plot_spectrum(sim, prediction=spec)
    ax = arts["spikes"][0].axes
    ax.figure.savefig(tmp_path / "spectrum.png", dpi=40)
    counts, edges, _ = arts["hist"]
    assert np.sum(counts * np.diff(edges)) == pytest.approx(1.0)  # a density of ...
    assert "simulation: 240 singular values" in texts(ax.figure)  # ... every singular value of both trials
    assert len(arts["spikes"]) == len(spec.spikes) >= 1
    assert arts["spikes"][0].get_xdata()[0] == pytest.approx(spec.spikes[0].location)
    assert "$k = 1$" in arts["labels"][0].get_text()  # the outlier is labelled by its degree
    assert ax.get_xlim()[1] > 1.05 * max(spec.locations)  # not on the frame edge
    assert ax.get_title().startswith("tanh student, tanh target: $d = 120$")
    plots.pyplot().close(ax.figure)


def test_plot_spectrum_theory_only_shades_the_bulk(tmp_path):
    s = theory.OneStep.from_moniri(alpha=0.3, d=120, width=120, n=240, residual="labels")
    spec = s.spikes()
    arts = plots.plot_spectrum([], prediction=spec)
    assert arts["hist"] is None and arts["bulk"] is not None
    bulk = arts["bulk"]  # a Rectangle (matplotlib >= 3.9) or a Polygon
    right = bulk.get_x() + bulk.get_width() if hasattr(bulk, "get_width") else np.max(np.asarray(bulk.get_xy())[:, 0])
    assert right == pytest.approx(spec.bulk_edge)
    arts["bulk"].axes.figure.savefig(tmp_path / "s.png", dpi=40)
    plots.pyplot().close("all")


# ----------------------------------------------------------------------------- learning curves
def test_learning_curve_from_results(setup, simulation, tmp_path):
    res = theory.risk(setup, n_ridge=np.array([15.0, 30.0, 60.0, 90.0]), lam=0.1)
    ax = plots.plot_learning_curve(res, simulation)
    ax.figure.savefig(tmp_path / "lc.png", dpi=40)
    assert ax.get_xlabel() == r"$n_{\mathrm{ridge}}/d$"
    lines = [line for line in ax.lines if "theory" in line.get_label()]
    assert np.allclose(lines[0].get_xdata(), [0.5, 1.0, 2.0, 3.0])  # theory at n_ridge/d (d from the simulation's setup)
    assert np.allclose(lines[0].get_ydata(), res.test_error)
    xs = [c.lines[0].get_xdata() for c in ax.containers]
    assert all(np.allclose(x, [0.5, 1.0, 2.0]) for x in xs)  # the simulation on the same axis
    assert ax.containers[0].lines[0].get_ydata() == pytest.approx(simulation.summary["test_error"].mean)
    labels = texts(ax.figure)
    assert any(r"$E_{\mathrm{test}}$" in t for t in labels)
    assert ax.get_title().startswith("tanh student, sin target: $d = 30$")
    plots.pyplot().close("all")


def test_learning_curve_refuses_mixed_units(setup, simulation):
    res = theory.risk(setup, n_ridge=np.array([15.0, 30.0, 60.0]), lam=0.1)
    sim = {"test_error": [est(0.4, 0.35, 0.45)] * 3}
    if getattr(res, "setup", None) is None:  # a result without its setup: the units of x are unknown
        with pytest.raises(ValueError, match="units"):
            plots.plot_learning_curve(res, sim, x=[0.5, 1, 2])
    with pytest.raises(ValueError, match="mixed units"):
        plots.plot_learning_curve(simulation=sim, x=[0.5, 1, 2], x_units="n_ridge/d")
    with pytest.raises(ValueError, match="mixed units"):
        plots.plot_learning_curve(res, simulation, d=50)  # the simulation's setup has d = 30
    with pytest.raises(ValueError, match="x_units"):
        plots.plot_learning_curve(res, sim, x=[0.5, 1, 2], d=30, x_units="n/d")
    with pytest.raises(ValueError, match="x .* is required"):
        plots.plot_learning_curve(simulation=sim)
    # absolute abscissae are converted to the common n_ridge/d axis
    ax = plots.plot_learning_curve(res, sim, x=[15, 30, 60], d=30, x_units="n_ridge")
    assert np.allclose(ax.containers[0].lines[0].get_xdata(), [0.5, 1.0, 2.0])
    plots.pyplot().close("all")


def test_learning_curve_from_a_comparison(comparison, tmp_path):
    ax = plots.plot_learning_curve(comparison)
    ax.figure.savefig(tmp_path / "lc.png", dpi=40)
    row = comparison.row("test error")
    (pt,) = [line for line in ax.lines if line.get_label().endswith("(theory)") and "E_{\\mathrm{test}}" in line.get_label()]
    assert pt.get_xdata()[0] == pytest.approx(2.0) and pt.get_ydata()[0] == pytest.approx(row.theory)
    plots.pyplot().close("all")


def test_results_render_as_tables_in_jupyter(comparison, simulation):
    for res in (comparison, simulation, theory.hermite_coefficients("relu", 3)):
        html = res._repr_html_()
        assert html.startswith("<table>") and type(res).__name__ in html


# ----------------------------------------------------------------------------- the other helpers
def test_other_helpers_name_the_setup_in_mathtext(setup, tmp_path):
    from validation.stats import estimate

    rng = np.random.default_rng(0)
    ests = [estimate(rng.normal(m, 0.01, size=4)) for m in (0.3, 0.2, 0.1)]  # real Estimate objects
    plt = plots.pyplot()
    fig, axs = plt.subplots(1, 3, figsize=(9, 3))
    a1 = plots.plot_overlaps([1, 2, 3], [0.3, 0.2, 0.1], ests, ax=axs[0], setup=setup)
    a2 = plots.plot_neuron_cosines([1, 2], {1.0: [0.1, 0.2], -1.0: [-0.1, -0.2]},
                                   points=([1, 2], [0.1, -0.2], [1.0, -1.0]), ax=axs[1], setup=setup)
    a3 = plots.plot_giant_step_errors({1: ([0.5, 1, 1.5], ests)}, {1: 0.05}, ax=axs[2], setup=setup)
    fig.savefig(tmp_path / "helpers.png", dpi=40)
    for ax in axs:
        assert ax.get_title() == plots.setup_title(setup)
    labels = texts(fig)
    assert r"overlap $\cos(\beta, \beta_*)$" in labels and "theory, $s = +1$" in labels
    assert "floor $e^*(U_{1})$" in labels and "$T = 1$ step" in labels
    assert np.allclose(a1["simulation"].lines[0].get_ydata(), [e.mean for e in ests])
    assert set(a2["lines"]) == {1.0, -1.0} and a3["floors"][1].get_ydata()[0] == 0.05
    plt.close(fig)
