"""Plot helpers: they draw what they are given and return the artists (Agg backend)."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from validation import plots  # noqa: E402


def est(m, lo, hi):
    return {"mean": m, "ci_low": lo, "ci_high": hi}


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
