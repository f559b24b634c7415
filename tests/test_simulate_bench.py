"""The simulator benchmark script: it runs (default test run, tiny sizes, no timing) and meets the
issue's speed goal (benchmark marker: ``python -m pytest -m benchmark tests/test_simulate_bench.py``)."""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_simulate", ROOT / "benchmarks" / "bench_simulate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_bench_script_runs_and_reports_accuracy(tmp_path):
    out = tmp_path / "bench.json"
    assert _bench().main(["--n", "300", "--d", "120", "--width", "120", "--n-test", "500", "--repeats", "1",
                          "--json", str(out)]) == 0
    res = json.loads(out.read_text())
    assert [r["label"] for r in res["rows"]] == ["float64", "default"]
    assert res["default_dtype"] == "float32"
    assert res["default_worst"]["test_error_rel"] < 1e-4 and res["default_worst"]["singular_values_rel"] < 1e-5
    assert res["topk"]["value_rel"] < 1e-10 and res["topk"]["gram_top10_rel"] < 1e-10
    assert all(r["ratio_of_minima"] > 0 for r in res["rows"])


@pytest.mark.benchmark
def test_default_trial_within_0_8_of_the_float64_floor(tmp_path):
    # issue 14: a default trial within 0.8x of the lean float64 floor (one BLAS thread, same process);
    # at half the size so that it runs in about a minute
    out = tmp_path / "bench.json"
    _bench().main(["--n", "2000", "--d", "1000", "--width", "1000", "--n-test", "5000", "--repeats", "3",
                   "--threads", "1", "--json", str(out)])
    rows = {r["label"]: r for r in json.loads(out.read_text())["rows"]}
    assert rows["default"]["ratio_of_minima"] <= 0.8, rows["default"]
