"""``onegrad risk`` and ``validation.plots.plot_learning_curve``."""

import json

import numpy as np
import pytest

import theory
from validation.cli import main


def test_cli_json_matches_library(capsys):
    rc = main(["risk", "--d", "500", "--width", "500", "--n", "10000", "--lr", "3", "--n-ridge-ratio", "0.5,2",
               "--lam", "0.1", "--json"])
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    assert data["method"] == "srf" and len(data["rows"]) == 2
    s = theory.OneStep(activation="tanh", target="sin", d=500, width=500, n=10000, lr=3.0)
    ref = theory.risk(s, n_ridge=np.array([250.0, 1000.0]), lam=0.1)
    assert [r["test_error"] for r in data["rows"]] == pytest.approx(list(ref.test_error), rel=1e-12)
    assert all(r["status"] == "converged" for r in data["rows"])


def test_cli_alignment_term_matches_library(capsys):
    rc = main(["risk", "--d", "500", "--width", "500", "--n", "10000", "--lr", "3", "--n-ridge-ratio", "2",
               "--alignment-term", "--json"])
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    s = theory.OneStep(activation="tanh", target="sin", d=500, width=500, n=10000, lr=3.0)
    ref = theory.risk(s, n_ridge=1000.0, lam=0.1, method="srf", alignment_term=True)
    plain = theory.risk(s, n_ridge=1000.0, lam=0.1, method="srf", alignment_term=False)  # Cui's model (not the default)
    assert data["rows"][0]["test_error"] == pytest.approx(float(ref.test_error), rel=1e-12)
    assert float(ref.test_error) < float(plain.test_error)


def test_cli_csv_and_plot(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "curve.png"
    rc = main(["risk", "--lr", "0", "--n-ridge-ratio", "0.2:3:4", "--lam", "0.1,0.01", "--csv", "--plot", str(out)])
    assert rc == 0 and out.exists() and out.stat().st_size > 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("n_ridge_ratio,") and len(lines) == 1 + 8


@pytest.mark.parametrize("args, msg", [
    (["--lam", "-1"], "lam must be >= 0"),
    (["--n-ridge-ratio", "1:2"], "start:stop:count"),
    (["--n-ridge-ratio", "0,1"], "must be positive"),
    (["--method", "moniri"], "method 'moniri'"),
])
def test_cli_bad_input(capsys, args, msg):
    assert main(["risk", "--d", "100", "--width", "100", "--n", "2000"] + args) == 2
    err = capsys.readouterr().err
    assert msg in err and len(err.strip().splitlines()) == 1


def test_plot_learning_curve_with_simulation():
    pytest.importorskip("matplotlib")
    from validation.plots import plot_learning_curve

    s = theory.OneStep(activation="tanh", target="sin", d=100, width=100, n=2000, lr=0.0)
    res = theory.risk(s, n_ridge=np.array([50.0, 100.0, 200.0]), lam=0.1)
    sim = {"test_error": [{"mean": 0.4, "ci_low": 0.35, "ci_high": 0.45}] * 3}
    ax = plot_learning_curve(theory=res, simulation=sim, x=[0.5, 1, 2], d=100)
    assert len(ax.lines) >= 2
    with pytest.raises(ValueError, match="x .* is required"):
        plot_learning_curve(simulation=sim)
