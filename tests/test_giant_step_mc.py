"""Monte Carlo checks of the per-neuron laws with the simulator's building blocks (validation.giant_step).

Tolerances come from the batch-noise scale the theory predicts (``noise_in_V``) and from the trial-to-trial
standard errors; sizes are small so that the default run stays fast. The full validation is
scripts/validate_giant_step.py (docs/validation/giant_step.md).
"""

import math

import numpy as np
import pytest

import theory
from validation.giant_step import compare_neurons, neuron_trials
from validation.stats import estimate


def test_neuron_trials_follow_the_simulator_seeding():
    t = theory.MultiIndexTarget("z1 + z1*z2", 2)
    s = theory.OneStep(activation="relu", target=t, d=50, width=8, n=100, lr=1.0, readout="symmetric", steps=2)
    a = neuron_trials(s, trials=2, seed=11)
    b = neuron_trials(s, trials=2, seed=11)
    assert np.array_equal(a.overlaps, b.overlaps)
    # changing n leaves W0 unchanged (one stream per role)
    c = neuron_trials(s.with_(n=300), trials=2, seed=11)
    assert np.array_equal(a.kappa0, c.kappa0) and not np.array_equal(a.overlaps, c.overlaps)
    # symmetric readout: paired rows, opposite signs
    assert np.array_equal(a.kappa0[0, :4], a.kappa0[0, 4:]) and np.all(a.signs[0, :4] == -a.signs[0, 4:])
    with pytest.raises(ValueError, match="MultiIndexTarget"):
        neuron_trials(theory.OneStep(target="tanh", d=20, width=4, n=20), trials=1)


def _noise_ratio(s, rec):
    """Per trial: sum_i |W*w_i^sim - W*w_i^th|^2 over its predicted expectation sum_i noise_in_V."""
    out = []
    for k in range(rec.kappa0.shape[0]):
        pred = theory.predict_neurons(s, rec.kappa0[k], rec.signs[k])
        out.append(np.sum((rec.overlaps[k, 0] - pred.overlap) ** 2) / np.sum(pred.noise_in_V))
    return estimate(out)


def test_l1_prediction_matches_simulation_within_batch_noise():
    # l = 1, d = 300, n = 4d. Given W0 the step is an average of n i.i.d. terms, so the simulated W*w_i^1 is the
    # prediction plus batch noise of predicted size: the per-trial ratio of squared errors to noise_in_V has
    # mean 1 (checked to 3 standard errors over 12 trials, plus 5%); cosine and norm gaps to 3 standard errors.
    t = theory.MultiIndexTarget("z1 + z1*z2 + He(2, z2)/2 + 1/2", 2)
    s = theory.OneStep(activation="relu", target=t, d=300, width=40, n=1200, lr=1.5, readout="symmetric")
    rec = neuron_trials(s, trials=12, seed=5)
    c = compare_neurons(s, rec)
    assert abs(c.cosine_gap.mean) <= 3 * c.cosine_gap.se + 1e-3
    assert abs(c.norm_sq_rel_gap.mean) <= 3 * c.norm_sq_rel_gap.se + 0.01
    ratio = _noise_ratio(s, rec)
    assert abs(ratio.mean - 1) <= 3 * ratio.se + 0.05
    # and the d -> infinity law is within 0.02 of the finite-d prediction here
    assert abs(theory.alignment_law(s).mean_abs_cosine() - c.cosine_theory.mean) < 0.02


def test_l2_norms_and_overlaps():
    t = theory.MultiIndexTarget("He(2, z1) + He(2, z2)/2", 2)
    s = theory.OneStep.from_dandi(eta0=2.0, d=50, width=30, ell=2, n_ratio=2.0, target=t, activation="relu",
                                  init="sphere")
    rec = neuron_trials(s, trials=10, seed=9)
    c = compare_neurons(s, rec)
    assert abs(c.norm_sq_rel_gap.mean) <= 3 * c.norm_sq_rel_gap.se + 0.01
    ratio = _noise_ratio(s, rec)  # the overlap error is the predicted batch noise
    assert abs(ratio.mean - 1) <= 3 * ratio.se + 0.05
