"""Sweep engine: grid, validation before work, checkpoint/resume, failures, executors."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from validation.sweep import SweepConfig, load_results
from validation.sweep import run_sweep as _run_sweep

ROOT = Path(__file__).resolve().parents[1]
TASK = "sweep_tasks:draw"


def run_sweep(*args, **kw):
    """The tests' custom tasks (``sweep_tasks``) are trusted code: allow importing them."""
    return _run_sweep(*args, allow_code=True, **kw)


def cfg(grid=None, base=None, task=TASK, seed=3, **zipped):
    data = {"sweep": {"task": task, "seed": seed}, "base": base or {}, "grid": grid if grid is not None else {"x": [1, 2, 3]}}
    if zipped:
        data["zip"] = zipped
    return SweepConfig.from_dict(data)


def task_lines(path):
    return [json.loads(l) for l in Path(path).read_text().splitlines()[1:]]


def strip(rec):
    return {k: v for k, v in rec.items() if k not in ("elapsed_s",)}


# ----------------------------------------------------------------------------- grid
def test_grid_product_and_zip_order():
    c = SweepConfig.from_dict({"sweep": {"task": TASK}, "grid": {"a": [1, 2], "b": ["u", "v"]},
                               "zip": {"c": [10, 20, 30], "e": [0, 1, 2]}})
    tasks = c.tasks()
    assert len(tasks) == 2 * 2 * 3
    assert [(t.params["a"], t.params["b"], t.params["c"], t.params["e"]) for t in tasks[:4]] == [
        (1, "u", 10, 0), (1, "u", 20, 1), (1, "u", 30, 2), (1, "v", 10, 0)]
    assert [t.index for t in tasks] == list(range(12))


def test_key_and_hash_are_stable_and_int_float_agnostic():
    a, b = cfg({"x": [1, 2]}), cfg({"x": [1.0, 2.0]})
    assert [t.key for t in a.tasks()] == [t.key for t in b.tasks()]
    assert a.hash == b.hash
    assert cfg({"x": [1, 2]}, seed=4).hash != a.hash
    assert cfg({"x": [1, 3]}).tasks()[0].key == a.tasks()[0].key  # a task's key is its own parameters


# ----------------------------------------------------------------------------- bad input before work
@pytest.mark.parametrize("data, exc, match", [
    ({"sweep": {"task": TASK}, "grid": {}}, ValueError, "empty grid"),
    ({"sweep": {"task": TASK}}, ValueError, "empty grid"),
    ({"sweep": {"task": TASK}, "grid": {"x": []}}, ValueError, "grid.x has no values"),
    ({"sweep": {"task": TASK}, "grid": {"x": 3}}, TypeError, "must be a list"),
    ({"sweep": {"task": TASK}, "gird": {"x": [1]}}, ValueError, "did you mean 'grid'"),
    ({"sweep": {"task": TASK, "sed": 1}, "grid": {"x": [1]}}, ValueError, "did you mean 'seed'"),
    ({"sweep": {"task": TASK, "seed": "one"}, "grid": {"x": [1]}}, TypeError, "seed must be"),
    ({"sweep": {"task": "simulat"}, "grid": {"x": [1]}}, ValueError, "did you mean 'simulate'"),
    ({"sweep": {"task": TASK}, "grid": {"x": [1, 1]}}, ValueError, "duplicate tasks"),
    ({"sweep": {"task": TASK}, "zip": {"x": [1, 2], "y": [1]}}, ValueError, "equal lengths"),
    ({"sweep": {"task": TASK}, "base": {"x": 1}, "grid": {"x": [1, 2]}}, ValueError, "more than one"),
])
def test_bad_config(data, exc, match):
    with pytest.raises(exc, match=match):
        SweepConfig.from_dict(data)


def test_bad_toml_and_missing_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[grid]\nx = [1, 2\n")
    with pytest.raises(ValueError, match="not valid TOML"):
        SweepConfig.from_toml(bad)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        SweepConfig.from_toml(tmp_path / "nope.toml")


def test_unimportable_custom_task_fails_before_work(tmp_path):
    out = tmp_path / "r.jsonl"
    with pytest.raises(ValueError, match="cannot import"):
        run_sweep(cfg(task="sweep_tasks:nothing_here"), out)
    assert not out.exists()


def test_unwritable_output(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ValueError, match="out: the results file's directory .*file' is not a directory"):
        run_sweep(cfg(), blocker / "r.jsonl")
    with pytest.raises(ValueError, match="is a directory"):
        run_sweep(cfg(), tmp_path)


def test_foreign_results_file_is_refused_and_kept(tmp_path):
    out = tmp_path / "r.jsonl"
    run_sweep(cfg(), out)
    before = out.read_bytes()
    with pytest.raises(ValueError, match="different sweep configuration"):
        run_sweep(cfg(seed=99), out)
    other = tmp_path / "other.txt"
    other.write_text('{"hello": 1}\n')
    with pytest.raises(ValueError, match="not a sweep record"):
        run_sweep(cfg(), other)
    assert out.read_bytes() == before and other.read_text() == '{"hello": 1}\n'


# ----------------------------------------------------------------------------- results, resume, failures
def test_results_one_line_per_task_and_resume_skips(tmp_path):
    out = tmp_path / "r.jsonl"
    res = run_sweep(cfg(), out)
    assert res.n_tasks == 3 and res.n_ran == 3 and res.complete
    header = json.loads(out.read_text().splitlines()[0])
    assert header["kind"] == "header" and header["config_hash"] == cfg().hash
    lines = task_lines(out)
    assert sorted(r["index"] for r in lines) == [0, 1, 2] and all(r["status"] == "ok" for r in lines)
    again = run_sweep(cfg(), out)
    assert again.n_ran == 0 and again.n_skipped == 3
    assert len(task_lines(out)) == 3
    assert [strip(r) for r in again.records] == [strip(r) for r in res.records]


def test_truncated_last_line_is_dropped_and_rerun(tmp_path):
    out, ref = tmp_path / "r.jsonl", tmp_path / "ref.jsonl"
    run_sweep(cfg(), ref)
    text = ref.read_text().splitlines(keepends=True)
    out.write_text("".join(text[:3]) + text[3][:25])  # header, two tasks, a cut-off third
    res = run_sweep(cfg(), out)
    assert res.n_skipped == 2 and res.n_ran == 1
    assert [strip(r) for r in task_lines(out)] == [strip(r) for r in task_lines(ref)]
    _, recs = load_results(out)
    assert len(recs) == 3


def test_damaged_middle_line_is_an_error(tmp_path):
    out = tmp_path / "r.jsonl"
    run_sweep(cfg(), out)
    lines = out.read_text().splitlines(keepends=True)
    lines[1] = lines[1][:10] + "\n"
    out.write_text("".join(lines))
    before = out.read_bytes()
    with pytest.raises(ValueError, match="damaged"):
        run_sweep(cfg(), out)
    assert out.read_bytes() == before


def test_failed_task_is_recorded_and_sweep_goes_on(tmp_path):
    out = tmp_path / "r.jsonl"
    c = cfg({"x": [1, 2, 3]}, base={"fail_at": 2})
    res = run_sweep(c, out)
    assert res.n_failed == 1 and res.n_ran == 3
    bad = [r for r in res.records if r["status"] == "error"]
    assert bad[0]["params"]["x"] == 2 and "planned failure" in bad[0]["error"]
    assert run_sweep(c, out).n_ran == 0  # recorded failures are finished tasks
    assert run_sweep(c, out, retry_failed=True).n_ran == 1


@pytest.mark.parametrize("task", [TASK, "sweep_tasks:gemm"])
def test_same_numbers_sequential_and_on_one_and_two_processes(tmp_path, task):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if task.endswith("gemm"):
        # bit-identical BLAS products need the same thread count in this process as in the
        # workers, which only threadpoolctl can set after numpy is loaded
        pytest.importorskip("threadpoolctl")
    c = cfg({"x": list(range(6))}, task=task)
    seq = run_sweep(c, tmp_path / "seq.jsonl")
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as ex:
        one = run_sweep(c, tmp_path / "one.jsonl", executor=ex)
    two = run_sweep(c, tmp_path / "two.jsonl", workers=2)
    assert all(r["status"] == "ok" for r in seq.records + one.records + two.records)
    assert [r["result"] for r in one.records] == [r["result"] for r in two.records] == [r["result"] for r in seq.records]
    assert [r["seed"] for r in one.records] == [r["seed"] for r in two.records]


def test_workers_get_capped_blas_threads(tmp_path):
    pytest.importorskip("threadpoolctl")
    res = run_sweep(cfg({"x": [1, 2]}, task="sweep_tasks:blas_threads"), tmp_path / "b.jsonl", workers=2, blas_threads=1)
    for r in res.records:
        assert r["status"] == "ok", r.get("error")
        assert r["result"]["threads"] and set(r["result"]["threads"]) == {1}
        assert r["result"]["env"] == "1"


def test_any_executor_threads(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    c = cfg({"x": list(range(4))})
    with ThreadPoolExecutor(2) as ex:
        res = run_sweep(c, tmp_path / "t.jsonl", executor=ex)
    ref = run_sweep(c, tmp_path / "ref.jsonl")
    assert [r["result"] for r in res.records] == [r["result"] for r in ref.records]


def test_dask_local_cluster(tmp_path):
    distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed (the 'parallel' extra)")
    c = cfg({"x": list(range(4))})
    ref = run_sweep(c, tmp_path / "ref.jsonl")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        client.run(sys.path.insert, 0, str(ROOT / "tests"))  # workers import the test task module
        res = run_sweep(c, tmp_path / "dask.jsonl", executor=client.get_executor())
    assert res.complete and [r["result"] for r in res.records] == [r["result"] for r in ref.records]


# ----------------------------------------------------------------------------- SIGKILL and resume (CLI)
def _env(log):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "tests")])
    env["ONEGRAD_TEST_TASK_LOG"] = str(log)
    return env


def test_sigkill_then_resume_equals_uninterrupted_run(tmp_path):
    conf = tmp_path / "kill.toml"
    conf.write_text(f'[sweep]\ntask = "{TASK}"\nseed = 11\n[base]\nsleep = 0.15\n[grid]\nx = {list(range(10))}\n')
    out = tmp_path / "killed.jsonl"
    cmd = [sys.executable, "-m", "validation", "sweep", str(conf), "--out", str(out), "--no-progress", "--allow-code"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=_env(tmp_path / "log1"), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        if out.exists() and out.read_text().count("\n") >= 4:  # header + 3 tasks
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished_before = {r["params"]["x"] for r in task_lines(out)}
    assert 3 <= len(finished_before) < 10
    subprocess.run(cmd, cwd=tmp_path, env=_env(tmp_path / "log2"), check=True, capture_output=True, timeout=120)
    rerun = [json.loads(l)["x"] for l in (tmp_path / "log2").read_text().splitlines()]
    assert not finished_before & set(rerun), "a finished task ran twice"
    assert sorted(rerun) == sorted(set(range(10)) - finished_before)
    ref = run_sweep(SweepConfig.from_toml(conf), tmp_path / "ref.jsonl")
    resumed = sorted(task_lines(out), key=lambda r: r["index"])
    assert [strip(r) for r in resumed] == [strip(r) for r in ref.records]


@pytest.mark.slow
def test_two_workers_speedup(capsys):
    """Acceptance: on 2 worker processes at least 1.7x faster than on 1 (benchmarks/bench_sweep.py)."""
    pytest.importorskip("threadpoolctl")
    from benchmarks.bench_sweep import main as bench

    assert bench(["--task", "matmul", "--json"]) == 0  # identical numbers on 1 and 2 workers
    out = json.loads(capsys.readouterr().out)
    assert out["speedup_2_vs_1_workers"] >= 1.7, out


# ----------------------------------------------------------------------------- built-in task kinds
def test_example_config_parses_and_names_are_checked():
    ex = SweepConfig.from_toml(ROOT / "validation" / "data" / "sweep_example.toml")
    assert ex.task == "simulate" and len(ex.tasks()) == 6
    with pytest.raises(ValueError, match="did you mean 'lam'"):
        SweepConfig.from_dict({"sweep": {"task": "simulate"}, "base": {"d": 20, "lamb": 0.1}, "grid": {"lr": [1.0]}})
    with pytest.raises(TypeError, match=r"task 1 \(lr='fast'\).*lr must be a real number"):
        SweepConfig.from_dict({"sweep": {"task": "simulate"}, "base": {"d": 20}, "grid": {"lr": [1.0, "fast"]}})
    with pytest.raises(TypeError, match="trials must be an integer"):
        SweepConfig.from_dict({"sweep": {"task": "simulate"}, "base": {"d": 20, "trials": 1.5}, "grid": {"lr": [1.0]}})


def test_simulate_sweep_matches_direct_simulation(tmp_path):
    import theory
    import validation
    from validation.seeding import task_sequence

    c = SweepConfig.from_dict({"sweep": {"task": "simulate", "seed": 4},
                               "base": {"activation": "tanh", "target": "sin", "d": 30, "width_ratio": 0.5,
                                        "sample_ratio": 3, "n_ridge_ratio": 2, "lam": 0.1, "trials": 2, "n_test": 200,
                                        "measures": ["overlap", "ridge"]},
                               "grid": {"lr": [0.5, 2.0]}})
    res = run_sweep(c, tmp_path / "s.jsonl", workers=2)
    assert res.complete and res.n_failed == 0
    t = c.tasks()[1]
    direct = validation.simulate(theory.OneStep(activation="tanh", target="sin", d=30, width=15, n=90, lr=2.0),
                                 n_ridge=60, lam=0.1, trials=2, n_test=200, measures=("overlap", "ridge"),
                                 seed=task_sequence(4, t.key))
    rec = res.records[1]
    assert rec["result"]["summary"]["test_error"]["mean"] == pytest.approx(direct.summary["test_error"].mean, rel=1e-12)


def test_cli_sweep_on_a_local_dask_cluster(tmp_path, capsys):
    pytest.importorskip("distributed", reason="dask.distributed is not installed (the 'parallel' extra)")
    from validation.cli import main

    conf = tmp_path / "s.toml"
    conf.write_text('[sweep]\ntask = "simulate"\nseed = 1\n[base]\nactivation = "tanh"\ntarget = "sin"\nd = 20\n'
                    'width = 10\nn = 60\ntrials = 2\nmeasures = ["overlap"]\n[grid]\nlr = [0.5, 1.0, 2.0]\n')
    out = tmp_path / "r.jsonl"
    assert main(["sweep", str(conf), "--out", str(out), "--dask-local", "--workers", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["n_tasks"] == 3 and data["n_ran"] == 3 and data["n_failed"] == 0
    ref = run_sweep(SweepConfig.from_toml(conf), tmp_path / "ref.jsonl")
    _, recs = load_results(out)
    assert {k: r["result"] for k, r in recs.items()} == {r["key"]: r["result"] for r in ref.records}
    assert main(["sweep", str(conf), "--out", str(out)]) == 0  # resume: nothing left to run
    assert "0 ran" in capsys.readouterr().out


def test_risk_and_compare_task_kinds(tmp_path):
    base = {"activation": "tanh", "target": "sin", "d": 40, "n_ridge": 80, "lam": 0.1}
    res = run_sweep(SweepConfig.from_dict({"sweep": {"task": "risk"}, "base": base, "grid": {"lr": [1.0, 3.0]}}),
                    tmp_path / "r.jsonl")
    import theory

    assert res.n_failed == 0, res.records[0].get("error")
    direct = theory.risk(theory.OneStep(activation="tanh", target="sin", d=40, lr=3.0), n_ridge=80, lam=0.1)
    assert res.records[1]["result"]["test_error"] == pytest.approx(float(direct.test_error), rel=1e-10)
    cmp = run_sweep(SweepConfig.from_dict({"sweep": {"task": "compare", "seed": 2},
                                           "base": {**base, "trials": 2, "n_test": 300, "quantities": ["overlap"]},
                                           "grid": {"lr": [1.0]}}), tmp_path / "c.jsonl")
    assert cmp.n_failed == 0 and cmp.records[0]["result"]["rows"][0]["name"] == "cos(beta, beta*)"
