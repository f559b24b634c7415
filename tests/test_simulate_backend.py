"""Array backends (validation.backend): the array-API trial against the numpy path, torch on CPU in
distribution, and the refusals."""

import importlib
import importlib.util

import numpy as np
import pytest

import theory
from validation import simulate
from validation.backend import get_backend
from validation.backend_trial import one_trial
from validation.seeding import trial_sequence

vs = importlib.import_module("validation.simulate")
MEASURES = ("overlap", "spectrum", "bulk_edge", "ridge", "neurons")


def small(**kw):
    base = dict(activation="tanh", target="sin", d=60, width=40, n=240, lr=2.0, noise_var=0.1)
    base.update(kw)
    return theory.OneStep(**base)


def _config(setup, **kw):
    """The _Config that simulate builds for these arguments (captured from one call)."""
    seen = {}
    orig = vs._one_trial

    def grab(s, sz, tseq, cfg):
        seen["cfg"] = cfg
        return orig(s, sz, tseq, cfg)

    vs._one_trial = grab
    try:
        sim = simulate(setup, trials=1, seed=2, n_test=800, measures=MEASURES, dtype=np.float64, **kw)
    finally:
        vs._one_trial = orig
    return sim, seen["cfg"]


@pytest.mark.parametrize("skw, kw", [
    (dict(), dict(n_ridge=[100, 240], lam=[0.0, 0.1])),                 # dual and primal, a penalty array
    (dict(readout="rademacher", steps=2), dict(n_ridge=240, lam=0.1)),  # two steps, Cholesky route
    (dict(n=30, readout="symmetric", activation="gelu"), dict(n_ridge=30, lam=0.01, reuse=True)),  # n < p, host activation
])
def test_array_api_trial_reproduces_the_numpy_path(skw, kw):
    if not hasattr(np, "astype") and importlib.util.find_spec("array_api_compat") is None:
        pytest.skip("numpy < 2.1 is not an array-API namespace; install array-api-compat (onegrad[accel])")
    # with the numpy backend the array-API code draws the same streams, so every quantity agrees to rounding:
    # this checks the generic code (step, spectrum, ridge in both forms, test stream) line by line
    s = small(**skw)
    sim, cfg = _config(s, **kw)
    sz = vs.sizes_of(s)
    rec = one_trial(s, sz, trial_sequence(2, 0), cfg, get_backend("numpy"), vs.chunk_rows(sz))
    assert set(rec) == set(sim.records[0])
    for key, want in sim.records[0].items():
        assert np.allclose(rec[key], want, rtol=1e-9, atol=1e-12), key


torch = pytest.importorskip("torch", reason="torch is optional (pip install 'onegrad[accel]'); the numpy backend "
                                            "and the array-API trial are tested above without it")


def _welch_z(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return abs(a.mean() - b.mean()) / np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)


def test_torch_cpu_gives_the_same_distribution():
    # two-sample check over 16 trials each (independent streams, not bit-identical): the Welch statistic of
    # each summary stays below 4.5 (a false alarm has probability below 1e-4 per quantity); the same check
    # flags a real change (lr 2 -> 1.5) in the power test below
    s = small()
    kw = dict(n_ridge=240, lam=0.1, trials=16, seed=5, n_test=1000, measures=MEASURES)
    a = simulate(s, **kw)
    b = simulate(s, backend="torch", device="cpu", **kw)
    assert b.settings["backend"] == "torch" and b.settings["device"] == "cpu"
    assert a.settings["dtype"] == b.settings["dtype"] == "float32"
    for key in ("test_error", "train_error", "beta_cos", "neuron_norm_sq_mean"):
        assert _welch_z(a.get(key), b.get(key)) < 4.5, key
    assert _welch_z(a.get("feature_singular_values")[:, 0], b.get("feature_singular_values")[:, 0]) < 4.5
    assert not np.allclose(a.get("test_error"), b.get("test_error"))  # different draws
    c = simulate(small(lr=1.5), backend="torch", **kw)
    assert _welch_z(a.get("feature_singular_values")[:, 0], c.get("feature_singular_values")[:, 0]) > 4.5


def test_torch_same_seed_same_numbers():
    s = small()
    kw = dict(n_ridge=240, lam=0.1, trials=2, seed=9, n_test=500, measures=("overlap", "ridge"), backend="torch")
    assert np.array_equal(simulate(s, **kw).get("test_error"), simulate(s, **kw).get("test_error"))


@pytest.mark.parametrize("kw, match", [
    (dict(backend="cupy"), "backend must be one of"),
    (dict(device="cuda"), "device must be None or 'cpu'"),
    (dict(backend="torch", measures=("alignment",), top_k=3), "backend='torch' runs"),
    (dict(backend="torch", model="srf"), "backend='torch' runs"),
    (dict(backend="torch", device="no-such-device"), "device"),
])
def test_refusals_name_the_argument(kw, match):
    with pytest.raises(ValueError, match=match):
        simulate(small(), trials=1, seed=0, n_test=100, **{"measures": ("overlap",), **kw})
