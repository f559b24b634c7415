"""The Hermite benchmark (``benchmarks/bench_hermite.py``; figures in docs/benchmarks/hermite.md).

Default run: the script works on a few activations (named and callable paths, quad baseline, one
process) and the baseline agrees with the engine, so the ratios compare equal accuracy; no timing
is asserted there. ``-m benchmark``: issue 14's goal, every registry activation, plain and
shifted/scaled, at least 300x faster than per-coefficient ``scipy.integrate.quad`` for 41
coefficients along the named path (cold, i.e. with every cache cleared, and warm) and the callable
path, ratios measured in one process (quad on k = 0, 10, 20, 30, 40, extrapolated by the mean time
per coefficient; CPU time, the least of 30 calls and of 3 quad runs, interleaved).
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest


def _bench():
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_hermite.py"
    spec = importlib.util.spec_from_file_location("bench_hermite", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_bench_runs_and_quad_agrees_with_the_engine():
    bench = _bench()
    res = bench.run(reps=2, ks=[0, 20, 40], names=["relu", "gelu", "tanh"], variants=((0.0, 1.0), (-0.7, 1.3)))
    assert [r["entry"] for r in res["cases"]] == ["relu", "relu", "gelu", "gelu", "tanh", "tanh"]
    for r in res["cases"]:
        assert r["method"] == ("quadrature" if r["entry"] == "tanh" else "closed_form")
        for key in ("quad_ms", "named_cold_ms", "named_warm_ms", "callable_ms"):
            assert np.isfinite(r[key]) and r[key] > 0
        assert r["quad_vs_named_max_abs"] <= 1e-13, r  # orthonormal units: equal accuracy


def test_every_registry_entry_has_a_scalar_baseline():
    import theory

    bench = _bench()
    for name in theory.available_activations():
        act = theory.activation(name, shift=-0.7, scale=1.3, **bench._params(name))
        f = bench._scalar(name, -0.7, 1.3, act)
        z = np.linspace(-3, 3, 13)
        assert np.allclose([f(x) for x in z], act(z), rtol=1e-14, atol=1e-14), name


@pytest.mark.benchmark
def test_every_registry_activation_at_300x_quad():
    res = _bench().run(reps=30, ks=[0, 10, 20, 30, 40])
    slow = [(r["name"], round(r[k])) for r in res["cases"]
            for k in ("ratio_named_cold", "ratio_named_warm", "ratio_callable") if r[k] < 300]
    assert not slow, slow
