"""``onegrad spikes`` and ``validation.plots.plot_spectrum``."""

import json

import numpy as np
import pytest

import theory
from validation.cli import main


def test_cli_spikes_json(capsys):
    assert main(["spikes", "--alpha", "0.3", "--activation", "polynomial", "--coeffs", "0", "1", "0.5", "0.3",
                 "--d", "400", "--readout", "rademacher", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["interval_theorem"]["degrees"] == [1, 2]
    setup = theory.OneStep.from_moniri(alpha=0.3, d=400, width=400, n=800, target="tanh", readout="rademacher",
                                       residual="labels",
                                       activation=theory.activation("polynomial", coeffs=[0, 1, 0.5, 0.3],
                                                                    coeff_basis="hermite"))
    spec = setup.spikes()
    assert [s["location"] for s in data["feature_spikes"]["spikes"]] == pytest.approx(list(spec.locations), rel=1e-12)
    assert data["learned_overlap"]["norm_sq"] == pytest.approx(setup.learned_overlap().norm_sq, rel=1e-12)


def test_cli_spikes_text_and_plot(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "spec.png"
    assert main(["spikes", "--lr", "0.4", "--d", "300", "--plot", str(out)]) == 0
    text = capsys.readouterr().out
    assert "bulk edge of F/sqrt(n)" in text and "weight spike" in text
    assert out.exists() and out.stat().st_size > 0


@pytest.mark.parametrize("argv, match", [
    (["spikes", "--alpha", "0.6", "--d", "100"], "--alpha must lie in"),
    (["spikes", "--d", "100", "--alpha", "0.3", "--lr", "1"], "at most one of --alpha and --lr"),
    (["spikes", "--alpha", "0.2", "--d", "-5"], "d must be a positive"),
    (["spikes", "--alpha", "0.2", "--d", "100", "--activation", "abs"], "no spike can form"),
    (["spikes", "--alpha", "0.2", "--d", "100", "--noise-var", "-1"], "noise_var"),
    (["spikes", "--alpha", "0.2", "--d", "100", "--activation", "polynomial"], "needs --coeffs"),
])
def test_cli_spikes_bad_input(argv, match, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert match in err and len(err.strip().splitlines()) == 1


def test_plot_spectrum_marks_prediction():
    pytest.importorskip("matplotlib")
    from validation.plots import get_axes, plot_spectrum, pyplot

    setup = theory.OneStep.from_moniri(alpha=0.3, d=300, width=300, n=600, residual="labels")
    spec = setup.spikes()
    ax = get_axes()
    art = plot_spectrum(np.linspace(0.1, 1.4, 50), prediction=spec, ax=ax)
    assert len(art["spikes"]) == len(spec.spikes) and art["edge"] is not None
    assert art["spikes"][0].get_xdata()[0] == pytest.approx(spec.spikes[0].location)
    pyplot().close(ax.figure)


def test_cli_spikes_simulate(capsys):
    assert main(["spikes", "--alpha", "0.35", "--d", "150", "--simulate", "--trials", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    sim = data["simulation"]["top_singular_values"]
    assert len(sim) >= 3 and sim[0] >= sim[1] >= sim[2] > 0
    # the predicted outlier stands out of the simulated bulk (alpha = 0.35: one tanh spike, d = 150)
    assert data["feature_spikes"]["spikes"][0]["location"] > sim[1]
