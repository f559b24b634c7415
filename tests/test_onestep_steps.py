"""Several steps with their own step sizes (issue 15): ``OneStep(lr=(lr1, lr2))``, the conventions of
Moniri & Hassani (2026, arXiv:2605.17767) and the simulator's per-step protocol."""

import math

import numpy as np
import pytest

import theory
import validation
from theory.conventions import lr_from_moniri_hassani, moniri_hassani_alpha
from validation.simulate import draw_initial, draw_data, gradient_step
from validation.seeding import role_generator, trial_sequence


def test_lr_sequence_sets_the_number_of_steps():
    s = theory.OneStep(lr=(0.5, 0.25))
    assert s.steps == 2 and s.lrs == (0.5, 0.25) and s.lr == (0.5, 0.25)
    assert theory.OneStep(lr=0.3, steps=3).lrs == (0.3, 0.3, 0.3)
    assert theory.OneStep(lr=[0.7]).lr == 0.7 and theory.OneStep(lr=[0.7]).steps == 1
    assert theory.OneStep(lr=np.array([0.1, 0.2, 0.3])).steps == 3


def test_lr_sequence_errors_name_the_argument():
    with pytest.raises(ValueError, match="steps=3"):
        theory.OneStep(lr=(1.0, 2.0), steps=3)
    with pytest.raises(ValueError, match=r"lr\[1\]"):
        theory.OneStep(lr=(1.0, float("nan")))
    with pytest.raises(ValueError, match="at least one"):
        theory.OneStep(lr=())
    with pytest.raises(TypeError, match="lr"):
        theory.OneStep(lr=object())
    with pytest.raises(ValueError, match="step_exponents"):
        theory.OneStep(lr=(1.0, 2.0)).moniri_alpha


def test_with_keeps_or_resets_the_number_of_steps():
    s = theory.OneStep(lr=(0.5, 0.25))
    assert s.with_(lr=0.1).lrs == (0.1, 0.1)            # a scalar keeps two steps
    assert s.with_(lr=(0.1, 0.2, 0.3)).steps == 3       # a sequence brings its length
    assert theory.OneStep().with_(lr=(0.1, 0.2)).steps == 2
    d = s.to_dict()
    assert d["lr"] == [0.5, 0.25] and d["steps"] == 2 and d["data"] is None
    assert theory.OneStep(**{k: v for k, v in d.items() if k not in ("activation", "target")}).lr == (0.5, 0.25)


def test_moniri_hassani_conventions_are_inverse_and_exact():
    # eta_t = eta0 N^alpha_t and W_t = W_{t-1} + eta_t G with f = a.sigma, a ~ N(0, I/N): tau_t = eta_t / sqrt(N)
    assert lr_from_moniri_hassani(0.5, 400) == pytest.approx(1.0)
    assert lr_from_moniri_hassani(0.0, 400, eta0=3.0) == pytest.approx(3.0 / 20.0)
    for a in (0.0, 0.1, 0.37, 0.49):
        assert moniri_hassani_alpha(lr_from_moniri_hassani(a, 1234.0), 1234.0) == pytest.approx(a, abs=1e-13)
    assert moniri_hassani_alpha(0.0, 100) == -math.inf
    s = theory.OneStep.from_moniri_hassani(alpha=(0.2, 0.45), d=300, width=500, n=600, eta0=2.0, reuse_batch=True)
    assert s.lrs == pytest.approx((2.0 * 500**-0.3, 2.0 * 500**-0.05))
    assert s.readout == "gaussian" and s.residual == "labels" and s.reuse_batch and s.steps == 2
    assert s.output_scale == pytest.approx(1 / math.sqrt(500))


def _two_steps_by_hand(setup, seed):
    """The protocol written out with the simulator's building blocks: step t at lrs[t] on batch t
    (or batch 0 again when reuse_batch)."""
    tseq = trial_sequence(seed, 0)
    init = draw_initial(setup, tseq)
    W = init.W0
    for t, lr in enumerate(setup.lrs):
        idx = 0 if setup.reuse_batch else t
        X, y, _ = draw_data(setup, int(setup.n), role_generator(tseq, "step", idx), role_generator(tseq, "noise", idx))
        W = gradient_step(W, init.s, X, y, setup, lr=lr)
    return W, init.s


@pytest.mark.parametrize("reuse", [False, True])
def test_simulator_runs_each_step_at_its_own_size(reuse):
    setup = theory.OneStep(activation="tanh", target="tanh", d=40, width=30, n=80, lr=(0.7, 1.9), readout="gaussian",
                           residual="labels", reuse_batch=reuse)
    W, _ = _two_steps_by_hand(setup, seed=3)
    sv_hand = np.linalg.svd(W, compute_uv=False)[:3]
    sim = validation.simulate(setup, trials=1, seed=3, measures=("weight_spectrum",), top_k=3, dtype="float64")
    np.testing.assert_allclose(np.ravel(sim.get("w_singular_values")), sv_hand, rtol=1e-9)
    # swapping the two sizes changes the weights: the per-step sizes are really used
    swapped = validation.simulate(setup.with_(lr=(1.9, 0.7)), trials=1, seed=3, measures=("weight_spectrum",),
                                  top_k=3, dtype="float64")
    assert not np.allclose(np.ravel(swapped.get("w_singular_values")), sv_hand, rtol=1e-6)


def test_second_step_of_size_zero_is_one_step():
    one = theory.OneStep(activation="tanh", target="tanh", d=40, width=30, n=80, lr=0.9, readout="gaussian")
    two = one.with_(lr=(0.9, 0.0))
    a = validation.simulate(one, trials=1, seed=5, measures=("weight_spike",), dtype="float64")
    b = validation.simulate(two, trials=1, seed=5, measures=("weight_spike",), dtype="float64")
    assert float(a.get("w1_top_singular_value")[0]) == pytest.approx(float(b.get("w1_top_singular_value")[0]), rel=1e-12)


def test_weight_spectrum_step_overlaps_are_cosines():
    setup = theory.OneStep(activation="tanh", target="tanh", d=60, width=60, n=240, lr=(1.0, 1.0), readout="gaussian",
                           residual="labels")
    sim = validation.simulate(setup, trials=2, seed=0, measures=("overlap", "weight_spectrum"), top_k=4)
    c2 = np.asarray(sim.get("w_right_step_sq"))
    assert c2.shape == (2, 2, 4) and np.all((c2 >= 0) & (c2 <= 1 + 1e-12))
    tgt = np.asarray(sim.get("w_right_target_sq"))
    assert np.all((tgt >= 0) & (tgt <= 1 + 1e-12))
    # the top right singular vector of W_2 is the merged learned direction: it carries beta* (cos^2 > 1/2 here)
    assert np.all(tgt[:, 0] > 0.5)
    gs = np.asarray(sim.get("w_left_readout_gs"))
    assert np.all(gs <= 1 + 1e-12)
    # step_cos of step 1 is the one-step beta_cos
    np.testing.assert_allclose(np.asarray(sim.get("step_cos"))[:, 0], np.asarray(sim.get("beta_cos")), rtol=1e-12)


def test_two_step_default_follows_the_one_step_default_of_its_reduction():
    # a zero second step is one step: theory.risk's default (srf with the alignment term, auto) must agree,
    # through the two_step regime's delegate, with the one-step default; Cui et al.'s model stays one keyword away
    one = theory.OneStep(lr=0.3, readout="constant", d=400, width=400, n=8000, residual="labels")
    two = one.with_(lr=(0.3, 0.0))
    a, b = theory.risk(one, 800, 0.1), theory.risk(two, 800, 0.1)
    assert (a.method, b.method) == ("srf", "two_step")
    assert float(b.test_error) == pytest.approx(float(a.test_error), rel=1e-12)
    cui = theory.risk(two, 800, 0.1, alignment_term=False)
    assert float(cui.test_error) == pytest.approx(float(theory.risk(one, 800, 0.1, alignment_term=False).test_error),
                                                  rel=1e-12)
    assert float(cui.test_error) != pytest.approx(float(b.test_error), rel=1e-6)
