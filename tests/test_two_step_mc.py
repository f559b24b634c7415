"""Two gradient steps (Moniri & Hassani 2026, arXiv:2605.17767): the simulator's exact one-step reductions and a
small Monte Carlo check of ``theory.two_step_spikes``.

Exact: a second step of size 0 leaves the weights of one step bit for bit (same seeds, same ``W``); with a
reused batch, a first step of size 0 followed by a step ``tau`` is one step ``tau`` on the first batch. The
full validation is ``scripts/validate_two_step.py`` (``docs/validation/two_step.md``).
"""

import numpy as np
import pytest

import theory
from validation.simulate import simulate

ACT = theory.activation("softplus", scale=3.0, amplitude=1.0 / 3.0)
KEYS = ("w_singular_values", "w_right_target_sq", "w_left_readout_gs", "w0_top_singular_value")


def _weights(setup, seed=5):
    return simulate(setup, trials=2, seed=seed, measures=("overlap", "weight_spectrum"), top_k=4, dtype=np.float64)


def _one(tau, **kw):
    return theory.OneStep(activation=ACT, target="z + He(2, z)/2", d=120, width=100, n=240, lr=tau, readout="gaussian",
                          residual="labels", output_scale=0.1, **kw)


@pytest.mark.parametrize("reuse", [False, True])
def test_zero_second_step_is_one_step_exactly(reuse):
    tau = 0.4
    one, two = _weights(_one(tau)), _weights(_one((tau, 0.0), reuse_batch=reuse))
    for key in KEYS:
        assert np.array_equal(one.get(key), two.get(key)), key
    assert np.array_equal(one.get("beta_cos"), two.get("beta_cos"))
    # the second batch was drawn (fresh) or is the first one (reused): its direction u_2 is recorded
    step_cos = two.get("step_cos")
    assert step_cos.shape == (2, 2)
    assert np.allclose(step_cos[:, 0], np.abs(one.get("beta_cos")), rtol=1e-12, atol=0)
    assert (step_cos[:, 1] == step_cos[:, 0]).all() == reuse
    # and a non-zero second step does change the weights (the comparison above can fail)
    moved = _weights(_one((tau, 0.2), reuse_batch=reuse))
    assert not np.allclose(moved.get("w_singular_values"), one.get("w_singular_values"))


def test_zero_first_step_on_a_reused_batch_is_one_step_of_the_second_size():
    tau = 0.6
    one = _weights(_one(tau))
    two = _weights(_one((0.0, tau), reuse_batch=True))
    for key in KEYS:
        assert np.allclose(one.get(key), two.get(key), rtol=1e-12, atol=1e-12), key
    # with a fresh second batch it is a different experiment (another batch)
    fresh = _weights(_one((0.0, tau)))
    assert not np.allclose(one.get("w_singular_values"), fresh.get("w_singular_values"))
