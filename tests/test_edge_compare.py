"""Failures are loud in compare: only an explicit NotApplicable skips a quantity (issue 11, item 4)."""

import json

import pytest

import theory
import validation
from theory import NotApplicable
from validation.cli import main
from validation.compare import NotApplicable as ReExported


def small(d=40, **kw):
    return theory.OneStep(activation="tanh", target="sin", d=d, width=d, n=20 * d, lr=3.0, **kw)


KW = dict(n_ridge=80, lam=0.1, trials=2, seed=0, n_test=500)


def test_not_applicable_is_a_value_error_shared_by_theory_and_validation():
    assert issubclass(NotApplicable, ValueError) and ReExported is NotApplicable


def test_a_crashing_theory_function_is_an_error_row_not_a_skip(monkeypatch):
    """The issue's experiment: two theory functions made to crash (a plain ValueError and a bug) must
    not leave "all compared quantities agree"."""
    def boom(self, *a, **k):
        raise ValueError("boom from weight_spike")

    def bug(self, *a, **k):
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(theory.OneStep, "weight_spike", boom)
    monkeypatch.setattr(theory.OneStep, "spikes", bug)
    cmp = validation.compare(small(), quantities=("overlap", "weight_spike", "spikes"), **KW)
    rows = {r.name: r for r in cmp.rows}
    assert rows["weight_spike"].verdict == "error" and "ValueError: boom from weight_spike" in rows["weight_spike"].reason
    assert rows["spikes"].verdict == "error" and "ZeroDivisionError" in rows["spikes"].reason
    assert {r.name for r in cmp.errors} == {"weight_spike", "spikes"}
    assert [r.name for r in cmp.compared] == ["cos(beta, beta*)", "|beta|^2"]
    assert all(r.verdict == "agrees" for r in cmp.compared)  # the others agree...
    assert not cmp.all_agree  # ...but the comparison fails
    text = cmp.table()
    assert "ERROR weight_spike: the theory failed: ValueError: boom" in text and "2 error(s)" in text
    data = json.loads(json.dumps(cmp.to_dict()))
    assert data["all_agree"] is False and data["n_errors"] == 2


def test_only_not_applicable_skips(monkeypatch):
    def none_here(self, *a, **k):
        raise NotApplicable("no spike prediction for this setup")

    monkeypatch.setattr(theory.OneStep, "spikes", none_here)
    cmp = validation.compare(small(), quantities=("overlap", "spikes"), **KW)
    row = cmp.row("spikes")
    assert row.verdict == "skipped" and row.reason == "no spike prediction for this setup"
    assert cmp.errors == () and cmp.all_agree


def test_the_theory_says_not_applicable_where_it_has_no_prediction():
    """What the theory raises today in the regimes it does not cover is NotApplicable (a ValueError)."""
    moniri_too_big = small(200, readout="gaussian").with_(lr=50.0)  # alpha >= 1/2 with a Gaussian readout
    with pytest.raises(NotApplicable, match="no limiting theory for this regime"):
        theory.risk(moniri_too_big, n_ridge=400, lam=0.1)
    with pytest.raises(NotApplicable, match="two steps with both exponents < 1/2"):  # giant steps: lr = 3
        theory.risk(small(steps=2), n_ridge=80, lam=0.1)
    with pytest.raises(NotApplicable, match="gradient step"):
        theory.risk(small(steps=3), n_ridge=80, lam=0.1)
    with pytest.raises(NotApplicable, match="symmetric"):
        theory.risk(small(readout="symmetric"), n_ridge=80, lam=0.1)
    with pytest.raises(NotApplicable, match="srf"):
        theory.risk(small(readout="gaussian"), n_ridge=80, lam=0.1, method="srf")
    with pytest.raises(NotApplicable, match="symmetric"):
        small(readout="symmetric").spikes()
    with pytest.raises(NotApplicable, match="no spike can form"):
        theory.spike_degrees(0.2, "abs")  # an even activation: c_1 = 0
    # bad input stays a plain ValueError (not a "not applicable" that compare would skip)
    with pytest.raises(ValueError) as exc:
        theory.risk(small(), n_ridge=-1, lam=0.1)
    assert not isinstance(exc.value, NotApplicable)


def test_compare_skips_the_regimes_the_theory_does_not_cover():
    cmp = validation.compare(small(readout="symmetric"), quantities=("errors", "spikes"), **KW)
    assert [r.verdict for r in cmp.rows] == ["skipped", "skipped"] and cmp.errors == ()


def test_a_missing_simulated_quantity_is_an_error(monkeypatch):
    from validation.compare import SIM_KEYS

    monkeypatch.setitem(SIM_KEYS, "overlap_cos", "no_such_key")
    cmp = validation.compare(small(), quantities=("overlap",), **KW)
    assert cmp.row("cos(beta, beta*)").verdict == "error" and not cmp.all_agree


def test_a_failure_at_another_size_fails_the_extrapolation(monkeypatch):
    real = theory.OneStep.learned_overlap

    def fails_at_80(self):
        if self.d == 80:
            raise RuntimeError("solver blew up")
        return real(self)

    monkeypatch.setattr(theory.OneStep, "learned_overlap", fails_at_80)
    cmp = validation.compare(small(), quantities=("overlap",), sizes=[20, 80], **{**KW, "n_ridge": None})
    ex = cmp.row("cos(beta, beta*)").extrapolation
    assert ex["verdict"] == "error" and "solver blew up" in ex["reason"]
    assert cmp.errors and not cmp.all_agree


def test_cli_compare_exits_1_on_an_error_row(monkeypatch, tmp_path, capsys):
    def boom(self, *a, **k):
        raise ValueError("boom")

    monkeypatch.setattr(theory.OneStep, "weight_spike", boom)
    argv = ["compare", "--d", "40", "--trials", "2", "--n-test", "500", "--quantities", "overlap,weight_spike",
            "--no-plot", "--out", str(tmp_path)]
    assert main(argv) == 1
    cap = capsys.readouterr()
    assert "ERROR weight_spike" in cap.out and "(the comparison fails)" in cap.out
    assert "onegrad compare: error: weight_spike: the theory failed: ValueError: boom" in cap.err
    assert json.loads((tmp_path / "compare.json").read_text())["all_agree"] is False


def test_risk_statuses_in_compare(monkeypatch):
    """The interpolation threshold (an infinite limiting error) is not applicable; any other status
    than converged is a failure of the equations and an error row."""
    import dataclasses

    real = theory.risk

    def with_status(status):
        def fake(*a, **k):
            return dataclasses.replace(real(*a, **k), status=status)
        return fake

    monkeypatch.setattr(theory, "risk", with_status("interpolation_threshold"))
    cmp = validation.compare(small(), quantities=("errors",), **KW)
    assert cmp.rows[0].verdict == "skipped" and "interpolation threshold" in cmp.rows[0].reason
    monkeypatch.setattr(theory, "risk", with_status("max_iter"))
    cmp = validation.compare(small(), quantities=("errors",), **KW)
    assert cmp.rows[0].verdict == "error" and "'max_iter'" in cmp.rows[0].reason and not cmp.all_agree
