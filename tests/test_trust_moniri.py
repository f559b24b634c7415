"""Issue 13, item 3: the gap between the network and Moniri et al.'s equivalent model with three spikes.

Reference: the paired Monte Carlo of ``scripts/validate_moniri_gap.py`` (``docs/derivations/moniri_gap.md``,
8 trials at d = 500): the network's test error is 4.06% +- 1.62% (95% t-interval) above the equivalent
model's with the interval theorem's degrees (1, 2, 3), on the same W0, s, beta and data; the degree-4 model
is 3.17% +- 0.89% above it.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

from theory.ridge.limiting_error import risk

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from validate_risk import MONIRI_ALPHAS, MONIRI_LAM, moniri_setup  # noqa: E402

MC_NETWORK_OVER_EQUIVALENT = (0.0406, 0.0162)  # mean, 95% half-width; d = 500, alpha = 0.355
MC_DEGREE4_OVER_EQUIVALENT = (0.0317, 0.0089)


def _shift(d, degrees, bulk_noise):
    s = moniri_setup(d, 0.355)
    n = np.asarray(MONIRI_ALPHAS) * d
    base = risk(s, n, MONIRI_LAM, method="moniri", degrees=(1, 2, 3), bulk_noise=False).test_error
    other = risk(s, n, MONIRI_LAM, method="moniri", degrees=degrees, bulk_noise=bulk_noise).test_error
    return float(np.mean(np.asarray(other) / np.asarray(base) - 1))


def test_interval_degrees_are_one_to_three_here():
    from theory.regimes.moniri import interval_degrees

    assert interval_degrees(moniri_setup(500, 0.355).moniri_alpha) == (1, 2, 3)


def test_degree_four_and_bulk_noise_account_for_the_network_gap():
    mean, hw = MC_NETWORK_OVER_EQUIVALENT
    shift = _shift(500, (1, 2, 3, 4), True)
    assert abs(shift - mean) < hw
    # the library's former network prediction (degrees 1-3 with the step's bulk variance) misses it
    assert abs(_shift(500, (1, 2, 3), True) - mean) > hw


def test_degree_four_alone_overshoots_the_simulated_equivalent_shift():
    """Documented limitation (docs/derivations/moniri_gap.md): the channel model's degree-4 shift of the equivalent
    model (4.5%) is above the simulated one (3.2% +- 0.9%) but within twice the interval."""
    mean, hw = MC_DEGREE4_OVER_EQUIVALENT
    shift = _shift(500, (1, 2, 3, 4), False)
    assert shift > mean
    assert shift - mean < 2 * hw


@pytest.mark.slow
def test_paired_monte_carlo_degree_four_moves_the_equivalent_towards_the_network():
    """Two live paired trials at d = 300: adding the degree 4 moves the equivalent model's test error towards the
    network's (the gap shrinks in each trial)."""
    from validate_moniri_gap import run_trial

    for t in range(2):
        rec = run_trial(300, t, 2024, 3000, 0.355)
        net = np.array(rec["network"]["test_error"])
        gap3 = np.mean(np.abs(net / np.array(rec["equivalent"]["test_error"]) - 1))
        gap4 = np.mean(np.abs(net / np.array(rec["equivalent_4"]["test_error"]) - 1))
        assert gap4 < gap3


def test_exact_expansion_is_the_rank_one_step_unexpanded():
    from theory.regimes.moniri import equivalent_model, equivalent_options
    from validation.surrogates import surrogate_features

    setup = moniri_setup(40, 0.355)
    rng = np.random.default_rng(0)
    W0 = rng.standard_normal((40, 40)) / np.sqrt(40)
    s, beta, X = rng.standard_normal(40), rng.standard_normal(40) / 5, rng.standard_normal((7, 40))
    eq = equivalent_model(setup, W0, s, beta, expansion="exact", **equivalent_options(setup))
    # E sigma' of tanh(z + 1/2) by Gauss-Hermite, independently of the library's moments
    z, w = np.polynomial.hermite_e.hermegauss(80)
    c1 = float(w @ (1 - np.tanh(z + 0.5) ** 2) / w.sum())
    ref = setup.activation(X @ (W0 + setup.lr * c1 * np.outer(s, beta)).T)
    np.testing.assert_allclose(surrogate_features(setup, eq).features(X), ref, rtol=1e-8, atol=1e-10)
    with pytest.raises(ValueError, match="expansion"):
        equivalent_model(setup, W0, s, beta, expansion="full", **equivalent_options(setup))
