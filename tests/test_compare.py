"""validation.compare end to end (small sizes) and the onegrad compare command."""

import json

import numpy as np
import pytest

import theory
import validation
from validation.cli import main
from validation.compare import TOLERANCE_CONSTANTS, Comparison


#: The quantities of the default comparison (docs/compare.md), in the order of the table.
DEFAULT_QUANTITIES = ("cos(beta, beta*)", "|beta|^2", "s1(W_1)", "<v1, beta*>^2", "outlier 1 (degree 1)",
                      "train error", "test error")


def cui_small(d=120):
    return theory.OneStep(activation="tanh", target="sin", d=d, width=d, n=20 * d, lr=3.0)


def test_compare_rows_verdicts_and_json():
    s = cui_small()
    cmp = validation.compare(s, n_ridge=2 * 120, lam=0.1, trials=4, seed=1, n_test=2000,
                             quantities=("overlap", "weight_spike", "errors"))
    assert isinstance(cmp, Comparison)
    names = [r.name for r in cmp.rows]
    assert "cos(beta, beta*)" in names and "s1(W_1)" in names
    for r in cmp.compared:
        e = r.simulation
        assert e.ci_low <= e.mean <= e.ci_high and e.n == 4
        assert r.rel_gap == pytest.approx((e.mean - r.theory) / abs(r.theory))
        assert r.tolerance == pytest.approx(TOLERANCE_CONSTANTS[r.group] / np.sqrt(120))
    # the theory values are exactly the theory functions' values
    assert cmp.row("cos(beta, beta*)").theory == s.learned_overlap().cos
    assert cmp.row("s1(W_1)").theory == s.weight_spike().singular_value
    # the simulated values are exactly validation.simulate's with the same seed
    sim = validation.simulate(s, trials=4, seed=1, measures=("overlap",))
    assert cmp.row("|beta|^2").simulation.mean == sim.summary["beta_norm_sq"].mean
    data = json.loads(json.dumps(cmp.to_dict()))
    assert data["setup"]["d"] == 120 and len(data["rows"]) == len(cmp.rows)
    text = cmp.table()
    assert "cos(beta, beta*)" in text and "verdict" in text


def test_compare_passes_risk_keywords():
    s = cui_small(80)
    cmp = validation.compare(s, n_ridge=160, lam=0.1, trials=2, seed=0, n_test=500, quantities=("errors",),
                             risk_kw={"alignment_term": True})
    ref = theory.risk(s, n_ridge=160, lam=0.1, alignment_term=True)
    assert cmp.row("test error").theory == pytest.approx(float(ref.test_error), rel=1e-12)
    assert "alignment_term=True" in cmp.row("test error").theory_source
    assert cmp.settings["risk_kw"] == {"alignment_term": True}
    with pytest.raises(TypeError, match="risk_kw must be a dict"):
        validation.compare(s, n_ridge=160, lam=0.1, trials=2, risk_kw=["alignment_term"])


def test_skipped_quantities_carry_a_reason_and_no_value():
    cmp = validation.compare(cui_small(60), trials=2, seed=0, quantities=("errors",))  # no n_ridge, lam
    (row,) = cmp.rows
    assert row.verdict == "skipped" and row.theory is None and row.simulation is None
    assert "n_ridge" in row.reason
    assert not cmp.all_agree  # nothing compared


def test_compare_bad_input():
    s = cui_small(40)
    with pytest.raises(ValueError, match="did you mean 'spikes'"):
        validation.compare(s, quantities=("spike",))
    with pytest.raises(ValueError, match="trials"):
        validation.compare(s, trials=1)
    with pytest.raises(TypeError, match="OneStep"):
        validation.compare("tanh")
    with pytest.raises(ValueError, match="sizes"):
        validation.compare(s, sizes=[80])


def test_size_extrapolation_of_the_gap():
    s = cui_small(60)
    cmp = validation.compare(s, trials=4, seed=2, quantities=("overlap",), sizes=[30, 120])
    ex = cmp.row("cos(beta, beta*)").extrapolation
    assert ex["sizes"] == [30.0, 60.0, 120.0] and len(ex["rel_gaps"]) == 3
    assert ex["verdict"] in ("agrees", "disagrees") and ex["limit"]["ci_low"] <= ex["limit"]["mean"] <= ex["limit"]["ci_high"]
    # the per-size theory is evaluated at each size (ratios fixed)
    t120 = s.with_(d=120.0, width=120.0, n=2400.0).learned_overlap().cos
    assert ex["theory"][2] == pytest.approx(t120)


def test_cli_default_at_reduced_size(tmp_path, capsys):
    """Acceptance (reduced size): the default comparison's table; every compared theory value lies
    in the simulation's interval or within the stated finite-size tolerance."""
    out = tmp_path / "res"
    assert main(["compare", "--d", "150", "--trials", "6", "--n-test", "3000", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "disagrees" not in text and "agree" in text
    data = json.loads((out / "compare.json").read_text())
    assert data["all_agree"] is True
    # the default comparison compares exactly these seven quantities, every one of them (none skipped or failed)
    assert [r["name"] for r in data["rows"]] == list(DEFAULT_QUANTITIES)
    assert all(r["verdict"] == "agrees" and r["theory"] is not None for r in data["rows"])
    assert data["n_errors"] == 0
    pytest.importorskip("matplotlib")
    assert (out / "compare.png").stat().st_size > 1000


def test_cli_bad_input(capsys, tmp_path):
    assert main(["compare", "--activation", "tanhh", "--out", str(tmp_path)]) == 2
    assert "did you mean 'tanh'" in capsys.readouterr().err
