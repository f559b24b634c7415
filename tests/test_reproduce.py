"""Paper figures: data round trip, theory at the data points, verdicts, the CLI (tiny sizes)."""

import json

import numpy as np
import pytest

import theory
from validation import reproduce as rp
from validation.cli import main

TINY = {"_CUI": dict(d=40, trials=2), "_BA": dict(d=40, trials=2), "_MONIRI": dict(d=40, trials=2),
        "_DANDI": dict(d=40, p=20, trials=2)}


@pytest.fixture
def tiny(monkeypatch):
    for name, cfg in TINY.items():
        monkeypatch.setitem(getattr(rp, name), "quick", cfg)
    for mod in rp._MODULES.values():  # the figures plugged from validation/reproductions: the same tiny sizes
        monkeypatch.setitem(mod.SIZES, "quick", dict(mod.SIZES["quick"], d=40, trials=2))


@pytest.mark.parametrize("name", rp.PAPERS)
def test_each_paper_round_trip(tiny, tmp_path, name):
    data = rp.simulate_data(name, seed=3)
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(data))
    res = rp.reproduce(name, data=str(path), out=tmp_path)
    assert res.rows and all(r["verdict"] in ("agrees", "disagrees") for r in res.rows)
    for r in res.rows:
        assert r["ci_low"] <= r["mean"] <= r["ci_high"]
    again = rp.reproduce(name, data=data, out=None)
    assert again.rows == res.rows  # theory is deterministic, data identical
    pytest.importorskip("matplotlib")
    assert (tmp_path / f"{name}.png").stat().st_size > 1000


def test_cui_theory_points_are_theory_risk(tiny):
    data = rp.simulate_data("cui2024", seed=1)
    res = rp.reproduce("cui2024", data=data)
    d = data["sizes"]["d"]
    r = next(r for r in res.rows if r["curve"] == "eta~=3" and r["x"] == 2.0)
    s = theory.OneStep.from_cui(eta_tilde=3.0, d=d, width=d, alpha0=20.0, activation="tanh", target="sin")
    assert r["theory"] == pytest.approx(float(np.asarray(theory.risk(s, n_ridge=2.0 * d, lam=0.1).test_error)), rel=1e-9)


def test_bad_input(tmp_path, capsys):
    with pytest.raises(ValueError, match="did you mean 'cui2024'"):
        rp.reproduce("cui2023")
    bad = tmp_path / "x.json"
    bad.write_text('{"paper": "nope"}')
    with pytest.raises(ValueError, match="not figure data"):
        rp.reproduce("cui2024", data=str(bad))
    assert main(["reproduce", "ba2021", "--out", str(tmp_path)]) == 2
    assert "did you mean 'ba2022'" in capsys.readouterr().err


def test_cli_reproduce_from_data(tiny, tmp_path, capsys):
    data = rp.simulate_data("dandi2024", seed=0)
    f = tmp_path / "d.json"
    f.write_text(json.dumps(data))
    assert main(["reproduce", "dandi2024", "--data", str(f), "--out", str(tmp_path / "o"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["name"] == "dandi2024" and len(out["rows"]) == 2 * len(data["alphas"])


def test_monomial_vector_high_degree_regression():
    # (2k-1)!! overflowed int64 for k >= 19 (math domain error at Moniri alpha = 0.46); exact now.
    from theory.spikes.feature_spectrum import monomial_hermite_vector

    v = monomial_hermite_vector(25, 40)
    assert np.isfinite(v).all() and np.linalg.norm(v) == pytest.approx(1.0, rel=1e-12)
