"""Speed guard for the numeric Hermite engine (the real figures: docs/benchmarks/hermite.md).

Runs ``benchmarks/bench_hermite.py`` in reduced form: the engine (all 41 coefficients, median of 20
calls) against per-coefficient ``scipy.integrate.quad`` on k = 0, 10, 20, 30, 40, extrapolated to
41 coefficients by the mean time per coefficient (quad's cost grows with k, so the even spacing is
fair). The measured ratio is about 1000 on an idle machine; the assertion only asks for 30, so that
a loaded machine (2 cores shared by several jobs) does not fail it, while a real slowdown of the
engine by more than an order of magnitude does.
"""

import importlib.util
from pathlib import Path

import numpy as np


def _bench():
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_hermite.py"
    spec = importlib.util.spec_from_file_location("bench_hermite", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_engine_is_much_faster_than_quad_at_equal_accuracy():
    res = _bench().run(reps=20, baseline_reps=1, ks=[0, 10, 20, 30, 40])
    for name, r in res["cases"].items():
        assert r["ratio"] > 30, (name, r)
        assert r["engine_max_abs_error"] <= 1e-15  # equal accuracy (orthonormal units)
        assert r["quad_max_abs_error"] <= 1e-13
        assert np.isfinite(r["engine_ms"])
