"""Verdict logic and argument checks of validation.compare (no simulation needed)."""

import math

import pytest

from validation.compare import TOLERANCE_CONSTANTS, _check_groups, _tolerances, agreement


@pytest.mark.parametrize("theory, lo, hi, tol, verdict, basis", [
    (1.0, 0.9, 1.1, 0.0, "agrees", "inside"),
    (1.0, 1.0, 1.2, 0.0, "agrees", "inside"),          # the interval is closed
    (1.0, 1.05, 1.2, 0.05, "agrees", "tolerance"),     # gap 0.05 = tol * |theory|
    (1.0, 1.0500001, 1.2, 0.05, "disagrees", "outside"),
    (-2.0, -1.8, -1.7, 0.1, "agrees", "tolerance"),    # gap 0.2 = 0.1 * |-2|
    (-2.0, -1.7, -1.6, 0.1, "disagrees", "outside"),
    (float("nan"), 0.0, 1.0, 1.0, "disagrees", "non-finite"),
])
def test_agreement_rule(theory, lo, hi, tol, verdict, basis):
    v, b = agreement(theory, 0.5 * (lo + hi), lo, hi, tolerance=tol)
    assert v == verdict and basis in b


def test_default_tolerance_scales_like_inverse_sqrt_d():
    t400, t1600 = _tolerances(None, 400), _tolerances(None, 1600)
    for g, c in TOLERANCE_CONSTANTS.items():
        assert t400[g] == pytest.approx(c / 20) and t1600[g] == pytest.approx(t400[g] / 2)
    assert _tolerances(0.03, 400) == {g: 0.03 for g in TOLERANCE_CONSTANTS}
    assert _tolerances({"errors": 0.01}, 100)["errors"] == 0.01
    with pytest.raises(ValueError, match="did you mean 'errors'"):
        _tolerances({"eror": 0.1}, 100)
    with pytest.raises(ValueError, match="tolerance"):
        _tolerances(-1.0, 100)


def test_quantity_groups_checked():
    assert _check_groups(None) == ("overlap", "weight_spike", "spikes", "errors")
    assert _check_groups("errors") == ("errors",)
    with pytest.raises(ValueError, match="did you mean 'overlap'"):
        _check_groups(["overlaps"])
    with pytest.raises(TypeError):
        _check_groups([3])
    assert math.isfinite(TOLERANCE_CONSTANTS["overlap"])
