"""The memory guard (validation.resources): the estimate bounds the measured peak, and oversized runs are refused."""

import subprocess
import sys
import textwrap
import time
import tracemalloc

import numpy as np
import pytest

import theory
import validation
from validation.compare import check_compare_memory
from validation.resources import (
    GIB,
    ResourceError,
    available_memory,
    check_simulation_memory,
    estimate_simulation_memory,
)


def _setup(d, width, n, **kw):
    kw.setdefault("lr", 3.0)
    return theory.OneStep(activation=kw.pop("activation", "tanh"), target="sin", d=d, width=width, n=n, **kw)


def _peak(setup, **kw):
    """tracemalloc's peak (numpy reports every array buffer to it) of one call, after a warm-up call."""
    validation.simulate(setup, seed=0, **kw)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        validation.simulate(setup, seed=0, **kw)
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


CASES = [
    # shapes on each side of the primal/dual switch, float32, the heavy measures, lam = 0, a learning curve
    (dict(d=300, width=200, n=1200), dict(n_ridge=400, lam=0.1)),
    # (tracemalloc slows the simulator several-fold: three of the shapes run with the slow tests)
    pytest.param(dict(d=200, width=400, n=600), dict(n_ridge=300, lam=0.1, measures=("overlap", "weight_spike",
                                                                                     "spectrum", "ridge")),
                 marks=pytest.mark.slow),
    pytest.param(dict(d=200, width=300, n=900), dict(n_ridge=900, lam=0.0), marks=pytest.mark.slow),
    pytest.param(dict(d=400, width=300, n=800), dict(n_ridge=200, lam=0.1, dtype=np.float32), marks=pytest.mark.slow),
    (dict(d=250, width=250, n=1000), dict(measures=("gradient", "neurons", "weight_spike", "alignment", "spike_count",
                                                    "bulk_edge", "spectrum"), top_k=12)),
    (dict(d=300, width=200, n=5000), dict(n_ridge=[100, 600], lam=[0.0, 0.1], measures=("ridge",))),
    (dict(d=150, width=150, n=600, lr=1.0), dict(n_ridge=300, lam=0.1, model="srf")),
]


@pytest.mark.parametrize("sizes, kw", CASES)
def test_estimate_bounds_the_measured_peak_within_a_factor_two(sizes, kw):
    s = _setup(**sizes)
    kw = {"n_test": 3000, "dtype": np.float64, **kw}
    measured = _peak(s, **kw)
    est = estimate_simulation_memory(s, **kw)
    assert measured <= est <= 2.0 * measured, (sizes, kw, measured, est)


def test_parallel_trials_add_up():
    s = _setup(150, 150, 600, activation="relu")
    kw = dict(n_ridge=300, lam=0.1, measures=("ridge",), n_test=3000, dtype=np.float64)
    one = estimate_simulation_memory(s, **kw)
    two = estimate_simulation_memory(s, workers=2, trials=2, **kw)
    assert two == 2 * one and estimate_simulation_memory(s, workers=4, trials=1, **kw) == one


@pytest.mark.slow
def test_parallel_trials_stay_under_the_estimate():
    s = _setup(150, 150, 600, activation="relu")
    kw = dict(n_ridge=300, lam=0.1, measures=("ridge",), n_test=3000, dtype=np.float64)
    assert _peak(s, workers=2, trials=2, **kw) <= estimate_simulation_memory(s, workers=2, trials=2, **kw)


def test_estimate_grows_like_the_arrays():
    """Doubling every size multiplies the dominant n x d, n x width, width x d terms by four."""
    small = estimate_simulation_memory(_setup(2000, 2000, 8000), n_ridge=4000, lam=0.1)
    big = estimate_simulation_memory(_setup(4000, 4000, 16000), n_ridge=8000, lam=0.1)
    assert 3.8 < big / small < 4.05
    f32 = estimate_simulation_memory(_setup(4000, 4000, 16000), n_ridge=8000, lam=0.1, dtype=np.float32)
    assert f32 < big


def test_available_memory_is_plausible():
    avail = available_memory()
    assert avail is None or 0 < avail < 2**50


def test_oversized_simulation_refused_before_any_allocation():
    """The issue's example: refused at once with the estimate in GiB and how to raise the limit."""
    s = _setup(200_000, 200_000, 400_000, lr=1.0)
    t0 = time.perf_counter()
    with pytest.raises(ResourceError, match=r"needs about [0-9.]+ GiB .*max_memory_gb=") as exc:
        validation.simulate(s, trials=1)
    assert time.perf_counter() - t0 < 2.0
    assert isinstance(exc.value, ValueError)
    need = estimate_simulation_memory(s)
    assert f"{need / GIB:.1f} GiB" in str(exc.value)
    # the limit can be lowered (and raised) explicitly
    small = _setup(200, 200, 400)
    with pytest.raises(ResourceError, match="allowed"):
        check_simulation_memory(small, max_memory_gb=1e-6)
    assert check_simulation_memory(small, max_memory_gb=1.0) == estimate_simulation_memory(small)
    with pytest.raises(ValueError, match="max_memory_gb must be a positive"):
        check_simulation_memory(small, max_memory_gb=-1)
    with pytest.raises(ResourceError):
        validation.simulate(small, trials=1, max_memory_gb=1e-6)


def test_compare_is_guarded_at_its_largest_size():
    s = _setup(200, 200, 4000)
    with pytest.raises(ResourceError, match="comparison"):
        validation.compare(s, n_ridge=400, lam=0.1, trials=2, sizes=[100, 400], max_memory_gb=1e-3)
    at_400 = check_compare_memory(s, n_ridge=400, lam=0.1, sizes=[100, 400, 200], trials=2, max_memory_gb=10)
    big = estimate_simulation_memory(_setup(400, 400, 8000), 800, lam=0.1, trials=2,
                                     measures=("overlap", "weight_spike", "spectrum", "ridge"))
    assert at_400 == big


@pytest.mark.slow
def test_estimate_bounds_the_resident_memory_of_a_process():
    """Independent of tracemalloc: the growth of the peak resident set (ru_maxrss, which also sees
    LAPACK's and BLAS's own buffers) of a fresh process stays under the estimate."""
    code = textwrap.dedent("""
        import resource, json, numpy as np, theory, validation
        from validation.resources import estimate_simulation_memory
        s = theory.OneStep(activation="tanh", target="sin", d=1500, width=1000, n=6000, lr=3.0)
        kw = dict(n_ridge=3000, lam=0.1, trials=1, n_test=4096, measures=("overlap", "weight_spike", "spectrum", "ridge"))
        validation.simulate(s.with_(d=20, width=20, n=80), n_ridge=40, lam=0.1, trials=1)  # load every library
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        validation.simulate(s, seed=0, **kw)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        print(json.dumps([after - before, estimate_simulation_memory(s, **kw)]))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=True)
    grown, est = __import__("json").loads(out.stdout.strip().splitlines()[-1])
    assert grown <= est, (grown, est)
