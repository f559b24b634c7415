"""float32 by default, float64 where the ridge system is ill-conditioned (validation.backend_precision)."""

import math

import numpy as np
import pytest

import theory
from validation import simulate
from validation.backend_precision import KAPPA_MAX, choose_dtype, ridge_condition_estimate
from validation.seeding import trial_sequence
from validation.simulate import draw_data, draw_initial


def small(**kw):
    base = dict(activation="tanh", target="sin", d=60, width=40, n=160, lr=2.0, noise_var=0.1)
    base.update(kw)
    return theory.OneStep(**base)


def test_default_is_float32_with_its_reason_and_matches_float64_on_the_same_draws():
    s = small()
    kw = dict(n_ridge=160, lam=0.1, trials=2, seed=3, n_test=2000)
    auto = simulate(s, **kw)
    assert auto.settings["dtype"] == "float32" and auto.settings["dtype_reason"].startswith("float32")
    ref = simulate(s, dtype=np.float64, **kw)
    assert ref.settings["dtype_reason"] == "float64: given"
    # paired draws (float32 = float64 draws rounded): the study's tolerance, 1e-4 relative
    for key in ("test_error", "train_error", "beta_cos", "feature_singular_values"):
        assert np.allclose(auto.get(key), ref.get(key), rtol=1e-4, atol=0), key


def test_switches_to_float64_at_the_interpolation_threshold_where_float32_fails():
    # least squares at n_ridge = width on a learning curve (the eigendecomposition route, where the Gram
    # matrix's float32 rounding shows up as spurious small eigenvalues)
    s = small(d=100, width=150, n=300, lr=3.0)
    kw = dict(n_ridge=[150], lam=[0.0, 1e-4], trials=2, seed=0, n_test=1000, measures=("ridge",))
    auto = simulate(s, **kw)
    assert auto.settings["dtype"] == "float64"
    assert "condition number" in auto.settings["dtype_reason"] and "n_ridge=150" in auto.settings["dtype_reason"]
    forced = simulate(s, dtype=np.float32, **kw)  # the keyword still forces float32
    assert forced.settings["dtype"] == "float32" and forced.settings["dtype_reason"] == "float32: given"
    # and there float32 is indeed not accurate: the least-squares test error moves by tens of percent
    rel = np.abs(forced.get("test_error") / auto.get("test_error") - 1)
    assert np.max(rel[..., 0]) > 0.1


def test_choice_follows_the_estimate_and_penalty():
    s = small(width=100)
    sz = {"d": 60, "width": 100, "n": 160}
    assert choose_dtype(s, sz, ("ridge",), 100, np.array([[0.0]]))[0] == np.float64
    assert choose_dtype(s, sz, ("ridge",), 100, np.array([[1.0]]))[0] == np.float32  # a penalty regularises
    assert choose_dtype(s, sz, ("ridge",), 400, np.array([[0.0]]))[0] == np.float32  # far from the threshold
    assert choose_dtype(s, sz, ("spectrum",), None, None)[0] == np.float32
    k = ridge_condition_estimate(s.activation, [100, 400], 100, np.array([[0.0, 1.0], [0.0, 1.0]]))
    assert math.isinf(k[0, 0]) and k[0, 1] < KAPPA_MAX and 1 < k[1, 0] < KAPPA_MAX


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("n, p, lam", [(600, 200, 0.0), (200, 600, 0.0), (400, 300, 0.0), (300, 300, 0.1)])
def test_condition_estimate_within_a_factor_three_of_the_actual_one(activation, n, p, lam):
    # the Marchenko-Pastur estimate against the actual features at initialisation: the norm of an
    # incoherent entrywise relative perturbation (what rounding does) over the regularised smallest
    # singular value. Within a factor 3 (it is low for tanh, whose linear part widens the spectrum);
    # the threshold KAPPA_MAX is calibrated on the estimate (scripts/float32_accuracy.py)
    s = theory.OneStep(activation=activation, target="sin", d=300, width=p, n=n, lr=0.0)
    W0 = draw_initial(s, trial_sequence(0, 0)).W0
    X, _, _ = draw_data(s, n, np.random.default_rng(1))
    A = s.activation.func(X @ W0.T) / math.sqrt(p)
    R = np.random.default_rng(2).uniform(-math.sqrt(3), math.sqrt(3), A.shape)  # unit variance
    sv = np.linalg.svd(A, compute_uv=False)
    actual = np.linalg.norm(A * R, 2) / math.sqrt(sv[min(n, p) - 1] ** 2 + lam)
    est = float(ridge_condition_estimate(s.activation, n, p, [[lam]])[0, 0])
    assert actual / 3 <= est <= 3 * actual, (actual, est)


@pytest.mark.parametrize("bad", ["float16", np.int32, "double-ish"])
def test_bad_dtype_is_refused(bad):
    with pytest.raises((ValueError, TypeError), match="dtype"):
        simulate(small(), trials=1, seed=0, measures=("overlap",), dtype=bad)
