"""Sweeps that share nothing by accident (issue 11): the lock on the results file, append-only
writes and resume after a crash, workers that end with their parent, loud failures, code only
with --allow-code, sweep files that are never evaluated, one-line errors with exit status 2."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from validation.cli import main
from validation.sweep import SweepBusyError, SweepConfig, load_results, run_sweep

ROOT = Path(__file__).resolve().parents[1]
TASK = "sweep_tasks:draw"


def config(grid=None, base=None, task=TASK, seed=5):
    return SweepConfig.from_dict({"sweep": {"task": task, "seed": seed}, "base": base or {},
                                  "grid": grid if grid is not None else {"x": [1, 2, 3]}})


def write_toml(path, grid, base=None, task=TASK, seed=5):
    lines = ["[sweep]", f'task = "{task}"', f"seed = {seed}"]
    if base:
        lines += ["[base]"] + [f"{k} = {json.dumps(v)}" for k, v in base.items()]
    lines += ["[grid]"] + [f"{k} = {json.dumps(v)}" for k, v in grid.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def env(**extra):
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "tests")])
    e.update({k: str(v) for k, v in extra.items()})
    return e


def cli(*args):
    return [sys.executable, "-m", "validation", "sweep", *map(str, args), "--no-progress"]


def task_lines(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines()[1:]]


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def one_error_line(err, *needles):
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for n in needles:
        assert n in lines[0], (n, lines[0])
    return lines[0]


class Holder:
    """A sweep running in a thread of this process, holding the lock of ``out``."""

    def __init__(self, out, n=6, sleep=0.25):
        self.cfg = config({"x": list(range(n))}, base={"sleep": sleep})
        self.out, self.result, self.error = out, None, None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        try:
            self.result = run_sweep(self.cfg, self.out, allow_code=True)
        except BaseException as exc:  # reported by the test
            self.error = exc

    def __enter__(self):
        self.thread.start()
        wait_for(lambda: self.out.exists() and self.out.read_text().count("\n") >= 1, 30, "the header")
        return self

    def __exit__(self, *exc):
        self.thread.join(60)
        assert self.error is None, self.error


# ----------------------------------------------------------------------------- the lock
def test_second_sweep_refuses_at_once_naming_the_file_then_waits_with_wait(tmp_path):
    out = tmp_path / "r.jsonl"
    with Holder(out) as holder:
        t = time.monotonic()
        with pytest.raises(SweepBusyError, match=r"r\.jsonl.*in use by another sweep \(pid \d+"):
            run_sweep(holder.cfg, out, allow_code=True)
        assert time.monotonic() - t < 1.0  # at once, not after a timeout
        header, _ = load_results(out)  # reading needs no lock while the other run appends
        assert header["config_hash"] == holder.cfg.hash
        waited = run_sweep(holder.cfg, out, allow_code=True, wait=True)  # returns after the holder's 6 tasks
    assert holder.result.n_ran == 6 and waited.n_ran == 0 and waited.n_skipped == 6 and waited.ok
    lines = task_lines(out)
    assert len(lines) == 6 and len({r["key"] for r in lines}) == 6
    assert out.read_text().count('"kind":"header"') == 1


def test_cli_second_sweep_exits_2_with_one_line(tmp_path, capsys):
    out = tmp_path / "r.jsonl"
    conf = write_toml(tmp_path / "s.toml", {"x": list(range(6))}, base={"sleep": 0.25})
    with Holder(out):
        assert main(["sweep", str(conf), "--out", str(out), "--allow-code", "--no-progress"]) == 2
        one_error_line(capsys.readouterr().err, str(out), "--wait")
    assert len(task_lines(out)) == 6


def test_two_concurrent_cli_sweeps_with_wait_lose_and_duplicate_nothing(tmp_path):
    conf = write_toml(tmp_path / "s.toml", {"x": list(range(8))}, base={"sleep": 0.15})
    out = tmp_path / "r.jsonl"
    procs = [subprocess.Popen(cli(conf, "--out", out, "--allow-code", "--wait", "--json"), cwd=tmp_path,
                              env=env(ONEGRAD_TEST_TASK_LOG=tmp_path / "ran.log"), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=60)
        assert p.returncode == 0, stderr
        results.append(json.loads(stdout))
    ran = [json.loads(line)["x"] for line in (tmp_path / "ran.log").read_text().splitlines()]
    assert sorted(ran) == list(range(8))  # every task ran exactly once over both runs
    assert sorted(r["n_ran"] for r in results) == [0, 8]  # the waiter found everything done
    text = out.read_text()
    assert text.count('"kind":"header"') == 1 and text.endswith("\n")
    lines = task_lines(out)
    assert sorted(r["params"]["x"] for r in lines) == list(range(8))
    header, recs = load_results(out)
    assert header["config_hash"] == SweepConfig.from_toml(conf).hash and len(recs) == 8


# ----------------------------------------------------------------------------- append-only file, resume
def _reference(tmp_path):
    ref = tmp_path / "ref.jsonl"
    run_sweep(config(), ref, allow_code=True)
    return ref.read_text().splitlines(keepends=True)


@pytest.mark.parametrize("cut", ["mid-record", "record-without-newline", "mid-header"])
def test_resume_after_a_crash_mid_write(tmp_path, cut):
    lines = _reference(tmp_path)
    out = tmp_path / "r.jsonl"
    if cut == "mid-record":
        out.write_text("".join(lines[:2]) + lines[2][:40])
    elif cut == "record-without-newline":
        out.write_text("".join(lines[:2]) + lines[2].rstrip("\n"))
    else:
        out.write_text(lines[0][:30])
    res = run_sweep(config(), out, allow_code=True)
    assert res.ok and res.n_ran == (3 if cut == "mid-header" else 2)
    text = out.read_text()
    assert text.count('"kind":"header"') == 1 and text.endswith("\n")
    strip = lambda r: {k: v for k, v in r.items() if k != "elapsed_s"}  # noqa: E731
    assert sorted(map(strip, task_lines(out)), key=lambda r: r["index"]) == \
        sorted(map(strip, (json.loads(x) for x in lines[1:])), key=lambda r: r["index"])


@pytest.mark.parametrize("damage, match", [
    ("second-header", r"line 3 is a second header \(the first is on line 1\)"),
    ("garbage-last-line", r"line 4 is not valid JSON"),
    ("record-before-header", r"line 1 is a task record before any header"),
])
def test_damaged_file_is_refused_naming_the_line_and_left_alone(tmp_path, damage, match):
    lines = _reference(tmp_path)
    out = tmp_path / "r.jsonl"
    if damage == "second-header":
        out.write_text(lines[0] + lines[1] + lines[0] + lines[2])
    elif damage == "garbage-last-line":
        out.write_text("".join(lines[:3]) + "#~ not json ~#\n")
    else:
        out.write_text(lines[1] + lines[0])
    before = out.read_bytes()
    with pytest.raises(ValueError, match=match):
        run_sweep(config(), out, allow_code=True)
    with pytest.raises(ValueError, match=match):
        load_results(out)
    assert out.read_bytes() == before


def test_a_run_appends_and_never_rewrites_earlier_bytes(tmp_path):
    out = tmp_path / "r.jsonl"
    run_sweep(config({"x": [1, 2, 3]}, base={"fail_at": 2}), out, allow_code=True)
    before = out.read_bytes()
    run_sweep(config({"x": [1, 2, 3]}, base={"fail_at": 2}), out, allow_code=True, retry_failed=True)
    after = out.read_bytes()
    assert after.startswith(before) and after.count(b"\n") == before.count(b"\n") + 1


# ----------------------------------------------------------------------------- workers end with the parent
def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")  # a zombie has ended
    except FileNotFoundError:
        return False
    except OSError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_all(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


@pytest.mark.skipif(os.name != "posix", reason="kill -9 and re-parenting are POSIX")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"])
def test_killing_the_parent_ends_its_workers(tmp_path, sig):
    """kill -9: the workers die with the parent. Ctrl-C: the parent stops the running tasks at
    once (it does not wait for them) and exits 130."""
    conf = write_toml(tmp_path / "s.toml", {"x": [0, 1, 2, 3]}, base={"sleep": 60}, task="sweep_tasks:sleeper")
    pids = tmp_path / "pids"
    pids.mkdir()
    proc = subprocess.Popen(cli(conf, "--out", tmp_path / "r.jsonl", "--allow-code", "--workers", 2), cwd=tmp_path,
                            env=env(ONEGRAD_TEST_PID_DIR=pids), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = []
    try:
        wait_for(lambda: len(list(pids.iterdir())) >= 2, 40, "two workers to start a task")
        workers = [int(p.stem) for p in pids.iterdir()]
        assert proc.pid not in workers and all(_alive(w) for w in workers)
        proc.send_signal(sig)
        rc = proc.wait(30)  # generous for a loaded machine: the tasks would sleep 60 s
        assert rc == (-signal.SIGKILL if sig == signal.SIGKILL else 130)
        wait_for(lambda: not any(_alive(w) for w in workers), 5, f"workers {workers} to end after the parent died")
    finally:
        proc.kill()
        proc.wait()
        _kill_all(workers)  # only if the test failed: never leave 60 s sleepers behind


_ORPHAN = """
import os, sys, time, multiprocessing as mp
sys.path[:0] = {path!r}

def child(parent, pidfile):
    from validation.sweep import _end_with_parent
    _end_with_parent(parent, deathsig=False)  # the portable watchdog alone
    open(pidfile, "w").write(str(os.getpid()))
    time.sleep(60)

if __name__ == "__main__":
    p = mp.get_context("spawn").Process(target=child, args=(os.getpid(), {pidfile!r}))
    p.start()
    time.sleep(60)
"""


@pytest.mark.skipif(os.name != "posix", reason="kill -9 and re-parenting are POSIX")
def test_watchdog_alone_ends_an_orphaned_worker(tmp_path):
    """The fallback used where PR_SET_PDEATHSIG does not exist (macOS) or for executors passed in."""
    pidfile = tmp_path / "child.pid"
    script = tmp_path / "orphan.py"
    script.write_text(_ORPHAN.format(path=[str(ROOT), str(ROOT / "tests")], pidfile=str(pidfile)))
    proc = subprocess.Popen([sys.executable, str(script)], cwd=tmp_path, env=env())
    child = None
    try:
        wait_for(lambda: pidfile.exists() and pidfile.read_text().strip(), 40, "the child to start")
        child = int(pidfile.read_text())
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        wait_for(lambda: not _alive(child), 5, "the orphaned child to end")
    finally:
        proc.kill()
        proc.wait()
        if child is not None:
            _kill_all([child])


# ----------------------------------------------------------------------------- failures are loud
def test_failed_tasks_make_the_result_not_ok(tmp_path):
    res = run_sweep(config({"x": [1, 2, 3]}, base={"fail_at": 2}), tmp_path / "r.jsonl", allow_code=True)
    assert res.complete and not res.ok and res.n_failed == 1
    assert [r["params"]["x"] for r in res.failed] == [2]
    (line,) = res.failure_lines()
    assert line.startswith(f"task 1 [{res.failed[0]['key']}]: ValueError: planned failure at x=2") and "\n" not in line
    assert run_sweep(config(), tmp_path / "good.jsonl", allow_code=True).ok


def test_cli_failed_tasks_exit_1_and_are_listed(tmp_path, capsys):
    conf = write_toml(tmp_path / "s.toml", {"x": [1, 2, 3]}, base={"fail_at": 3})
    out = tmp_path / "r.jsonl"
    assert main(["sweep", str(conf), "--out", str(out), "--allow-code", "--no-progress", "--json"]) == 1
    cap = capsys.readouterr()
    data = json.loads(cap.out)
    assert data["ok"] is False and [f["index"] for f in data["failed"]] == [2]
    err = cap.err.splitlines()
    assert "1 of 3 tasks failed" in err[0] and "--retry-failed" in err[0]
    assert err[1].strip().startswith(f"task 2 [{data['failed'][0]['key']}]: ValueError: planned failure at x=3")
    assert main(["sweep", str(conf), "--out", str(out), "--allow-code", "--no-progress"]) == 1  # still failed on resume
    capsys.readouterr()


# ----------------------------------------------------------------------------- code only with --allow-code
_TRAP = "import pathlib\npathlib.Path({marker!r}).write_text('imported')\ndef run(params, seed):\n    return {{}}\n"


def test_module_task_needs_allow_code_and_nothing_is_imported(tmp_path, monkeypatch, capsys):
    marker = tmp_path / "IMPORTED"
    (tmp_path / "trap_module_h11.py").write_text(_TRAP.format(marker=str(marker)))
    monkeypatch.syspath_prepend(str(tmp_path))
    cfg = config(task="trap_module_h11:run")
    with pytest.raises(ValueError, match=r"imports and runs code from module 'trap_module_h11'; pass allow_code=True"):
        run_sweep(cfg, tmp_path / "r.jsonl")
    conf = write_toml(tmp_path / "s.toml", {"x": [1]}, task="trap_module_h11:run")
    assert main(["sweep", str(conf), "--out", str(tmp_path / "c.jsonl")]) == 2
    one_error_line(capsys.readouterr().err, "--allow-code", "trap_module_h11")
    assert not marker.exists() and "trap_module_h11" not in sys.modules
    assert not (tmp_path / "r.jsonl").exists() and not (tmp_path / "c.jsonl").exists()
    assert run_sweep(cfg, tmp_path / "r.jsonl", allow_code=True).ok and marker.exists()  # with consent, it runs
    sys.modules.pop("trap_module_h11", None)


# ----------------------------------------------------------------------------- sweep files are never evaluated
HOSTILE = [
    "z1 + 0*__import__('os').system('touch {marker}')",
    "z1 + 0*__import__('pathlib').Path('{marker}').touch()",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_multi_index_target_in_a_sweep_file_never_runs(tmp_path, capsys, text):
    marker = tmp_path / "MARKER"
    expr = text.format(marker=marker)
    conf = tmp_path / "hostile.toml"
    conf.write_text('[sweep]\ntask = "simulate"\n[base]\nactivation = "relu"\nd = 20\nwidth = 10\nn = 40\n'
                    f"target = {{ multi_index = {json.dumps(expr)}, r = 1 }}\n[grid]\nlr = [1.0]\n")
    with pytest.raises(ValueError, match=r"hostile\.toml: task 0 \(lr=1\.0\): target\.multi_index: "):
        SweepConfig.from_toml(conf)
    assert not marker.exists(), "checking the sweep file ran code from it"
    assert main(["sweep", str(conf), "--out", str(tmp_path / "r.jsonl")]) == 2
    one_error_line(capsys.readouterr().err, "target.multi_index")
    assert not marker.exists() and not (tmp_path / "r.jsonl").exists()


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_activation_text_in_a_sweep_file_never_runs(tmp_path, capsys, text):
    marker = tmp_path / "MARKER"
    conf = tmp_path / "hostile.toml"
    conf.write_text('[sweep]\ntask = "risk"\n[base]\ntarget = "sin"\nd = 20\nn_ridge = 40\nlam = 0.1\n'
                    f"activation = {json.dumps(text.format(marker=marker).replace('z1', 'z'))}\n[grid]\nlr = [1.0]\n")
    with pytest.raises(ValueError, match=r"hostile\.toml: task 0 \(lr=1\.0\): "):
        SweepConfig.from_toml(conf)
    assert main(["sweep", str(conf), "--out", str(tmp_path / "r.jsonl")]) == 2
    one_error_line(capsys.readouterr().err)
    assert not marker.exists() and not (tmp_path / "r.jsonl").exists()


# ----------------------------------------------------------------------------- one line, exit 2
def test_one_line_errors_exit_2(tmp_path, capsys):
    conf = write_toml(tmp_path / "s.toml", {"x": [1, 2]})
    cases = [
        (["--out", os.devnull, "--allow-code"], ["--out", os.devnull, "not a regular file"]),
        (["--out", str(tmp_path), "--allow-code"], ["--out", "is a directory"]),
    ]
    for extra, needles in cases:
        assert main(["sweep", str(conf), *extra]) == 2
        one_error_line(capsys.readouterr().err, *needles)
    assert main(["sweep", str(tmp_path / "missing.toml")]) == 2
    one_error_line(capsys.readouterr().err, "missing.toml", "does not exist")
    assert main(["sweep", str(tmp_path)]) == 2
    one_error_line(capsys.readouterr().err, "is not a file")
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('[sweep]\ntask = "risk"\nseeed = 1\n[grid]\nlr = [1.0]\n')
    assert main(["sweep", str(unknown)]) == 2
    one_error_line(capsys.readouterr().err, "unknown key 'seeed'", "did you mean 'seed'")
    unknown.write_text('[sweep]\ntask = "risk"\n[base]\nactivation = "tanh"\ntarget = "sin"\nd = 40\nlamb = 0.1\n'
                       '[grid]\nlr = [1.0]\n')
    assert main(["sweep", str(unknown)]) == 2
    one_error_line(capsys.readouterr().err, "unknown parameter 'lamb'", "did you mean 'lam'")
    assert not list(tmp_path.glob("*.jsonl")) and not (tmp_path / "onegrad-output").exists()


def test_unreachable_dask_scheduler_fails_fast_with_one_line(tmp_path, capsys):
    pytest.importorskip("distributed", reason="dask.distributed is not installed (the 'parallel' extra)")
    conf = write_toml(tmp_path / "s.toml", {"x": [1, 2]})
    t = time.monotonic()
    # port 1 on the loopback: nothing listens there, so the connection is refused until the timeout
    assert main(["sweep", str(conf), "--out", str(tmp_path / "r.jsonl"), "--allow-code",
                 "--dask", "tcp://127.0.0.1:1", "--dask-timeout", "1"]) == 2
    assert time.monotonic() - t < 15
    one_error_line(capsys.readouterr().err, "--dask", "tcp://127.0.0.1:1", "within 1 s")
    assert not (tmp_path / "r.jsonl").exists()


@pytest.mark.parametrize("out", ["/srv/elsewhere.jsonl", "../up.jsonl", "results/../../up.jsonl", ""])
def test_a_sweep_file_cannot_send_its_results_outside_the_working_directory(tmp_path, out):
    with pytest.raises(ValueError, match=r"\[sweep\] out must be a relative path below the working directory"):
        SweepConfig.from_dict({"sweep": {"task": TASK, "out": out}, "grid": {"x": [1]}})
    ok = SweepConfig.from_dict({"sweep": {"task": TASK, "out": "results/r.jsonl"}, "grid": {"x": [1]}})
    assert ok.out == "results/r.jsonl"
