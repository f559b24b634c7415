"""Giant-step plots draw what they are given (matplotlib, Agg backend, files under tmp_path)."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import theory
from validation import plots


def test_neuron_cosines_and_error_plot(tmp_path):
    t = theory.MultiIndexTarget("z1 + z1*z2", 2)
    alphas = np.array([0.5, 1.0, 2.0, 4.0])
    laws = [theory.alignment_law(theory.OneStep(activation="relu", target=t, d=1000, width=10, n=a * 1000, lr=2.0,
                                                readout="symmetric")) for a in alphas]
    th = {s: [law.cosine(s) for law in laws] for s in (1.0, -1.0)}
    pts = (np.concatenate([alphas, alphas]), np.array(th[1.0] + th[-1.0]), np.repeat([1.0, -1.0], 4))
    arts = plots.plot_neuron_cosines(alphas, th, points=pts)
    assert np.allclose(arts["lines"][1.0].get_ydata(), th[1.0])
    assert np.allclose(arts["points"][-1.0].get_offsets(), np.column_stack([alphas, th[-1.0]]))
    arts["lines"][1.0].figure.savefig(tmp_path / "cos.png")
    est = [{"mean": 1.0, "ci_low": 0.9, "ci_high": 1.1}, {"mean": 0.5, "ci_low": 0.4, "ci_high": 0.6}]
    floors = dict(enumerate(theory.error_table(t, steps=2, ells=(2,)).values("staircase"), start=1))
    out = plots.plot_giant_step_errors({1: ([1.0, 1.5], est), 2: ([1.0, 1.5], est)}, floors)
    assert out["floors"][1].get_ydata()[0] == 1.0 and out["floors"][2].get_ydata()[0] == 0.0
    out["floors"][1].figure.savefig(tmp_path / "err.png")
    assert (tmp_path / "cos.png").stat().st_size > 0 and (tmp_path / "err.png").stat().st_size > 0
