"""The comparison's agreement rule and its default tolerance against a statistical argument (issue 13, item 6).

``validation/compare.py``: a quantity agrees when the theory value :math:`t` is inside the simulated 95%
t-interval of the trial mean, or within :math:`\\epsilon\\max(|t|, \\text{scale})` of it, with
:math:`\\epsilon = C_q/\\sqrt d` and :math:`C_q = 1` ("5% at d = 400", ``docs/compare.md``). Checked here on
synthetic trials with a known mean, not against the constants themselves:

* coverage: for Gaussian trials the Student-t interval contains the true mean with probability 0.95
  exactly, so a correct theory must be "inside the interval" in 95% of experiments (binomial standard
  error 0.0031 over 5000 experiments; tolerance 4 standard errors);
* a finite-size bias up to the tolerance: if the simulated mean is :math:`t(1+b)` with :math:`|b| \\le \\epsilon`,
  the interval contains :math:`t(1+b)` in 95% of experiments, and then the gap is at most :math:`|b t|`, so
  the rule must agree in at least 95% of them;
* a bias of twice the tolerance with precise trials (interval half-width below :math:`\\epsilon|t|/4`) must
  be flagged: the gap is then at least :math:`2\\epsilon|t| - \\epsilon|t|/4 > \\epsilon|t|`.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from validation.compare import QUANTITY_GROUPS, _tolerances, agreement
from validation.stats import estimate

EXPERIMENTS = 5000
TRIALS = 8


def _verdicts(true_mean, theory, noise_sd, tolerance, seed, scale=0.0):
    rng = np.random.default_rng(seed)
    samples = true_mean + noise_sd * rng.standard_normal((EXPERIMENTS, TRIALS))
    est = estimate(samples, axis=1)
    out = [agreement(theory, m, lo, hi, tolerance=tolerance, scale=scale)
           for m, lo, hi in zip(est.mean, est.ci_low, est.ci_high)]
    return out


def test_interval_coverage_of_a_correct_theory_is_95_percent():
    v = _verdicts(2.0, 2.0, 0.3, 0.0, seed=1)
    inside = np.mean([basis == "theory inside the 95% interval" for _, basis in v])
    assert inside == pytest.approx(0.95, abs=4 * math.sqrt(0.95 * 0.05 / EXPERIMENTS))
    assert all((verdict == "agrees") == (basis == "theory inside the 95% interval") for verdict, basis in v)


@pytest.mark.parametrize("d", [100, 400, 1600])
def test_default_tolerance_accepts_a_bias_up_to_itself(d):
    tol = _tolerances(None, d)
    assert set(tol) == set(QUANTITY_GROUPS)
    eps = 1.0 / math.sqrt(d)  # the documented rate and constant: 5% at d = 400
    for group, e in tol.items():
        assert e == pytest.approx(eps, rel=1e-12), group
    theory = 1.5
    for sign in (1, -1):
        v = _verdicts(theory * (1 + sign * eps), theory, 0.02, eps, seed=d + sign)
        agree = np.mean([verdict == "agrees" for verdict, _ in v])
        assert agree >= 0.95 - 4 * math.sqrt(0.95 * 0.05 / EXPERIMENTS)


@pytest.mark.parametrize("d", [100, 400, 1600])
def test_default_tolerance_flags_twice_its_bias(d):
    eps = _tolerances(None, d)["errors"]
    theory = 1.5
    sd = eps * theory / 40  # half-width of the t-interval: 2.36 sd / sqrt(8) < eps |t| / 4
    for sign in (1, -1):
        v = _verdicts(theory * (1 + 2 * sign / math.sqrt(d)), theory, sd, eps, seed=2 * d + sign)
        assert all(verdict == "disagrees" for verdict, _ in v)
        assert all(basis == "outside the interval and the tolerance" for _, basis in v)


def test_scale_is_the_floor_of_a_vanishing_theory():
    # a squared overlap whose limit is 0: |t| is 0, the tolerance is taken relative to the scale 1
    assert agreement(0.0, 0.04, 0.03, 0.05, tolerance=0.05, scale=1.0)[0] == "agrees"
    assert agreement(0.0, 0.06, 0.055, 0.065, tolerance=0.05, scale=1.0)[0] == "disagrees"
    assert agreement(0.0, 0.04, 0.03, 0.05, tolerance=0.05)[0] == "disagrees"
    assert agreement(-2.0, -1.9, -1.95, -1.85, tolerance=0.05) == ("agrees", "within the finite-size tolerance")
    assert agreement(-2.0, -1.8, -1.85, -1.75, tolerance=0.05)[0] == "disagrees"
    for bad in (math.nan, math.inf):
        assert agreement(1.0, bad, 0.9, 1.1, tolerance=1.0) == ("disagrees", "non-finite theory or simulation")


def test_explicit_tolerances():
    assert _tolerances(0.2, 400) == {g: 0.2 for g in QUANTITY_GROUPS}
    per = _tolerances({"errors": 0.1}, 400)
    assert per["errors"] == 0.1 and per["overlap"] == pytest.approx(0.05)
    with pytest.raises(ValueError, match="tolerance keys must be among"):
        _tolerances({"nope": 0.1}, 400)
    with pytest.raises(ValueError, match=r"^tolerance must"):
        _tolerances(-0.1, 400)
    with pytest.raises(ValueError, match=r"^tolerance\['errors'\] must"):
        _tolerances({"errors": -0.1}, 400)


def test_a_gap_equal_to_the_tolerance_agrees():
    # the rule is g <= eps max(|t|, scale) (docs/compare.md): the boundary itself agrees
    edge = 0.25 * 1.0 * (1 + 1e-12)
    assert agreement(0.0, edge + 0.5, edge, edge + 1.0, tolerance=0.25, scale=1.0)[0] == "agrees"
