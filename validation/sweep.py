r"""Sweeps: a grid of experiments on any ``concurrent.futures.Executor``, with checkpoint and resume.

A sweep is a :class:`SweepConfig`: a task kind (``"simulate"``, ``"compare"``, ``"risk"`` or a
``"module:function"`` of your own), a root seed, ``base`` parameters shared by every task, a
``grid`` (the Cartesian product of its value lists) and an optional ``zip`` table (lists of equal
length varied together, one more axis of the product). Parameters are the :class:`theory.OneStep`
fields, the ratios ``sample_ratio`` (``n = sample_ratio * d``), ``width_ratio`` and
``n_ridge_ratio``, and the keywords of the task function (``n_ridge``, ``lam``, ``trials``,
``measures``, ``quantities``, ...). See ``docs/sweep.md`` for the TOML format.

Guarantees (``docs/sweep.md``):

* **Reproducible streams.** Each task's random stream is
  :func:`validation.seeding.task_sequence` ``(seed, key)``, where ``key`` is a hash of the task's own
  parameters; results do not depend on the number of workers or on the order in which tasks run.
* **Checkpoint.** Each finished task is appended to a JSON-lines file as one line, written with a
  single ``write`` and ``fsync``-ed. The first line is a header with the hash of the configuration.
* **Resume.** Running the same configuration again skips every task already in the file; a
  truncated last line (a killed writer) is dropped, never a finished task. A file written by a
  different configuration is refused before any work starts.
* **One run per file.** The results file is locked (``<file>.lock``, an OS lock released when
  the process dies) for the whole run: a second run on it raises :class:`SweepBusyError` at once,
  or waits with ``wait=True``. Writes are appends of complete lines; nothing another run wrote
  is ever truncated.
* **Failures.** A task that raises is recorded with ``status="error"`` and its message, and the
  sweep goes on; the result's ``ok`` is then ``False`` (the CLI exits 1 and lists the failed
  tasks). Pass ``retry_failed=True`` to run recorded failures again.
* **Workers end with the sweep.** Worker processes started with ``workers=K`` die when the sweep
  process dies, even by ``kill -9`` (Linux: ``PR_SET_PDEATHSIG``; elsewhere a watchdog thread).
* **Code.** A ``"module:function"`` task imports that module, so it needs ``allow_code=True``
  (CLI ``--allow-code``); a sweep file alone never makes this process import anything.
* **Threads.** Worker processes get ``blas_threads`` BLAS threads (default 1): through
  ``threadpoolctl`` when it is installed, and through the ``OMP/OPENBLAS/MKL_NUM_THREADS``
  environment variables of the processes this module starts. A sequential run uses the same
  count in this process (with ``threadpoolctl``), because a BLAS product may round differently
  on a different number of threads: this is what makes the numbers independent of the worker
  count, bit for bit.

>>> cfg = SweepConfig.from_dict({"sweep": {"task": "mypackage.tasks:run", "seed": 1},
...                              "base": {"d": 100}, "grid": {"lam": [0.1, 1.0], "width": [50, 100]}})
>>> [t.params["lam"] for t in cfg.tasks()]
[0.1, 0.1, 1.0, 1.0]
>>> len({t.key for t in cfg.tasks()})
4
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import dataclasses
import hashlib
import importlib
import inspect
import itertools
import json
import logging
import math
import multiprocessing
import numbers
import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from theory._checks import suggest
from theory._result import Result, to_jsonable

from ._sweepfile import AppendWriter, ResultsLock, SweepBusyError, check_output_path, read_results
from .seeding import as_seed_sequence, seed_record, task_sequence

__all__ = [
    "FORMAT",
    "TASK_KINDS",
    "SweepConfig",
    "Task",
    "SweepResult",
    "run_sweep",
    "load_results",
    "SweepBusyError",
    "ResultsLock",
    "output_path",
    "check_custom_task",
    "resolve_params",
    "blas_env",
]

FORMAT = "onegrad-sweep/1"
TASK_KINDS = ("simulate", "compare", "risk")
_BLAS_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
              "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
_RATIOS = {"sample_ratio": "n", "width_ratio": "width", "n_ridge_ratio": "n_ridge"}
_SECTIONS = ("sweep", "base", "grid", "zip")
_SWEEP_KEYS = ("task", "seed", "out", "name", "description")

log = logging.getLogger(__name__)


# ----------------------------------------------------------------------------- canonical hashing
def _canonical(obj):
    """JSON-ready form used for hashing: numbers as floats (so ``500`` and ``500.0`` agree)."""
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, numbers.Real):
        x = float(obj)
        return x if math.isfinite(x) else repr(x)
    if isinstance(obj, dict):
        return {str(k): _canonical(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_canonical(v) for v in obj]
    return _canonical(to_jsonable(obj))


def _digest(obj, n: int = 16) -> str:
    text = json.dumps(_canonical(obj), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:n]


# ----------------------------------------------------------------------------- task kinds
def _onestep_fields() -> tuple[str, ...]:
    from theory import OneStep

    return tuple(f.name for f in dataclasses.fields(OneStep))


def _kind_function(kind: str):
    """The callable behind a task kind: ``validation.simulate``, ``validation.compare``,
    ``theory.risk`` or ``module:function``."""
    if kind == "simulate":
        from .simulate import simulate

        return simulate
    if kind == "compare":
        from .compare import compare

        return compare
    if kind == "risk":
        import theory

        if not hasattr(theory, "risk"):
            raise ValueError("task 'risk' needs theory.risk, which this installation does not have")
        return theory.risk
    if ":" in kind:
        mod, _, name = kind.partition(":")
        try:
            obj = getattr(importlib.import_module(mod), name)
        except (ImportError, AttributeError) as exc:
            raise ValueError(f"task {kind!r}: cannot import {name!r} from module {mod!r} ({exc})") from None
        if not callable(obj):
            raise TypeError(f"task {kind!r} is not callable")
        return obj
    raise ValueError(f"task must be one of {', '.join(map(repr, TASK_KINDS))} or 'module:function'; "
                     f"got {kind!r}{suggest(kind, TASK_KINDS)}")


def _kind_keywords(kind: str) -> tuple[str, ...] | None:
    """Keywords the task function accepts besides the setup (``None``: anything, custom task)."""
    if ":" in kind:
        return None
    fn = _kind_function(kind)
    sig = inspect.signature(fn)
    names = []
    for p in list(sig.parameters.values())[1:]:
        if p.kind is p.VAR_KEYWORD:
            continue
        if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name != "seed":
            names.append(p.name)
    return tuple(names)


# ----------------------------------------------------------------------------- parameters
def _as_target(value, name: str):
    """Activation/target given as a name, or a table ``{name = "relu", shift = 0.5, ...}``."""
    if isinstance(value, dict):
        import theory

        spec = dict(value)
        if "multi_index" in spec:
            expr = spec.pop("multi_index")
            r = spec.pop("r", None)
            if r is None:
                raise ValueError(f"{name}: a multi_index target needs r (the number of directions)")
            if not hasattr(theory, "MultiIndexTarget"):
                raise ValueError(f"{name}: multi-index targets need theory.MultiIndexTarget, not available here")
            try:  # the public constructor: its parser reads the text, never evaluates it (docs/security.md)
                return theory.MultiIndexTarget(expr, r, **spec)
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"{name}.multi_index: {exc}") from None
        fname = spec.pop("name", None)
        if not isinstance(fname, str):
            raise TypeError(f"{name} given as a table needs a string 'name' (e.g. {{name = \"relu\", shift = 0.5}})")
        return theory.activation(fname, **spec)
    return value


def resolve_params(params: dict) -> tuple[dict, dict]:
    """Split one task's parameters into ``OneStep`` fields and task keywords.

    Ratios become sizes: ``n = sample_ratio * d``, ``width = width_ratio * d``,
    ``n_ridge = n_ridge_ratio * d`` (elementwise for a list).

    >>> setup_kw, kw = resolve_params({"d": 100, "sample_ratio": 2, "n_ridge_ratio": [1, 2], "lam": 0.1})
    >>> setup_kw["n"], kw["n_ridge"], kw["lam"]
    (200.0, [100.0, 200.0], 0.1)
    """
    fields = set(_onestep_fields())
    setup_kw, kw = {}, {}
    for key, value in params.items():
        if key in _RATIOS:
            continue
        if key in fields:
            setup_kw[key] = _as_target(value, key) if key in ("activation", "target") else value
        else:
            kw[key] = value
    for ratio, size in _RATIOS.items():
        if ratio not in params:
            continue
        if size in params:
            raise ValueError(f"give either {ratio} or {size}, not both")
        if "d" not in params:
            raise ValueError(f"{ratio} needs d")
        d, r = params["d"], params[ratio]
        if isinstance(d, bool) or not isinstance(d, numbers.Real):
            raise TypeError(f"d must be a number; got {d!r}")
        scale = lambda v: _number(v, ratio) * float(d)  # noqa: E731
        value = [scale(v) for v in r] if isinstance(r, (list, tuple)) else scale(r)
        (setup_kw if size in fields else kw)[size] = value
    return setup_kw, kw


def _number(v, name):
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError(f"{name} must be a number; got {v!r}")
    return float(v)


def _check_int(v, name, minimum=1):
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) and not (isinstance(v, float) and v.is_integer()):
        raise TypeError(f"{name} must be an integer; got {v!r}")
    if int(v) < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {v!r}")


def _check_numbers(v, name, *, positive=False):
    vals = v if isinstance(v, (list, tuple)) else [v]
    if not vals:
        raise ValueError(f"{name} must not be an empty list")
    for x in vals:
        x = _number(x, name)
        if not math.isfinite(x) or x < 0 or (positive and x == 0):
            raise ValueError(f"{name} must be {'> 0' if positive else '>= 0'} and finite; got {v!r}")


# Type checks of common task keywords, run on every task before any work starts.
_KEYWORD_CHECKS = {
    "n_ridge": lambda v: _check_numbers(v, "n_ridge", positive=True),
    "lam": lambda v: _check_numbers(v, "lam"),
    "trials": lambda v: _check_int(v, "trials"),
    "n_test": lambda v: _check_int(v, "n_test"),
    "top_k": lambda v: _check_int(v, "top_k"),
    "sizes": lambda v: [_check_int(x, "sizes") for x in (v if isinstance(v, (list, tuple)) else [v])],
}


# ----------------------------------------------------------------------------- configuration
@dataclass(frozen=True)
class Task:
    """One point of a sweep: its position, parameters and key (hash of kind and parameters)."""

    index: int
    params: dict
    key: str


@dataclass(frozen=True)
class SweepConfig(Result):
    """A sweep: task kind, root seed, shared parameters, grid axes and zipped axes.

    Build it with :meth:`from_toml` or :meth:`from_dict` (which validate); ``hash`` identifies the
    configuration (the output path, name and description do not enter it).
    """

    task: str = "simulate"
    seed: int = 0
    base: dict = field(default_factory=dict)
    grid: dict = field(default_factory=dict)
    zip: dict = field(default_factory=dict)
    out: str | None = None
    name: str | None = None
    description: str | None = None

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_toml(cls, path) -> "SweepConfig":
        """Read a TOML file (see ``docs/sweep.md``); syntax and type errors name the file."""
        import tomllib

        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"sweep config must be a path; got {type(path).__name__}")
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"sweep config {str(path)!r} does not exist")
        if not path.is_file():
            raise ValueError(f"sweep config {str(path)!r} is not a file")
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path}: not valid TOML: {exc}") from None
        except UnicodeDecodeError:
            raise ValueError(f"{path}: not valid TOML: the file is not UTF-8 text") from None
        except OSError as exc:
            raise PermissionError(f"sweep config {str(path)!r} cannot be read: {exc.strerror}") from None
        cfg = cls.from_dict(data, source=str(path))
        if cfg.name is None:
            cfg = dataclasses.replace(cfg, name=path.stem)
        return cfg

    @classmethod
    def from_dict(cls, data: dict, *, source: str = "config") -> "SweepConfig":
        """Build from ``{"sweep": {...}, "base": {...}, "grid": {...}, "zip": {...}}`` and validate."""
        if not isinstance(data, dict):
            raise TypeError(f"{source}: a sweep configuration is a table; got {type(data).__name__}")
        for key in data:
            if key not in _SECTIONS:
                raise ValueError(f"{source}: unknown section [{key}]; allowed: {', '.join(_SECTIONS)}{suggest(key, _SECTIONS)}")
        head = data.get("sweep", {})
        for sec in _SECTIONS:
            if not isinstance(data.get(sec, {}), dict):
                raise TypeError(f"{source}: [{sec}] must be a table")
        for key in head:
            if key not in _SWEEP_KEYS:
                raise ValueError(f"{source}: unknown key {key!r} in [sweep]; allowed: {', '.join(_SWEEP_KEYS)}{suggest(key, _SWEEP_KEYS)}")
        task = head.get("task", "simulate")
        if not isinstance(task, str):
            raise TypeError(f"{source}: [sweep] task must be a string; got {task!r}")
        seed = head.get("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise TypeError(f"{source}: [sweep] seed must be a non-negative integer; got {seed!r}")
        for key in ("out", "name", "description"):
            if key in head and not isinstance(head[key], str):
                raise TypeError(f"{source}: [sweep] {key} must be a string; got {head[key]!r}")
        if "out" in head:
            _check_relative_out(head["out"], source)
        cfg = cls(task=task, seed=seed, base=dict(data.get("base", {})),
                  grid={k: _as_list(v, f"grid.{k}", source) for k, v in data.get("grid", {}).items()},
                  zip={k: _as_list(v, f"zip.{k}", source) for k, v in data.get("zip", {}).items()},
                  out=head.get("out"), name=head.get("name"), description=head.get("description"))
        cfg.validate(source=source)
        return cfg

    # -- derived ------------------------------------------------------------------------
    @property
    def hash(self) -> str:
        """Hash of what determines the results: format, task kind, seed, base, grid, zip."""
        return _digest({"format": FORMAT, "task": self.task, "seed": self.seed, "base": self.base,
                        "grid": self.grid, "zip": self.zip})

    def identity(self) -> dict:
        """The JSON-ready configuration stored in the results header."""
        return {"task": self.task, "seed": self.seed, "base": to_jsonable(self.base),
                "grid": to_jsonable(self.grid), "zip": to_jsonable(self.zip)}

    def tasks(self) -> list[Task]:
        """All tasks, grid axes in the order given with the zipped axis last."""
        axes = [[(k, v) for v in vals] for k, vals in self.grid.items()]
        if self.zip:
            keys = list(self.zip)
            axes.append([tuple(zip(keys, vals)) for vals in zip(*self.zip.values())])
        out = []
        for i, combo in enumerate(itertools.product(*axes)):
            params = dict(self.base)
            for item in combo:
                if item and isinstance(item[0], tuple):
                    params.update(dict(item))
                else:
                    params[item[0]] = item[1]
            out.append(Task(index=i, params=params, key=_digest({"task": self.task, "params": params})))
        return out

    # -- validation ---------------------------------------------------------------------
    def validate(self, *, source: str = "config") -> None:
        """Check everything that can be checked before any work: names, types, sizes, duplicates."""
        allowed_kw = _kind_keywords(self.task)  # also checks the task kind
        if not self.grid and not self.zip:
            raise ValueError(f"{source}: empty grid: give at least one parameter with a list of values in [grid] or [zip]")
        for sec in ("grid", "zip"):
            for k, vals in getattr(self, sec).items():
                if len(vals) == 0:
                    raise ValueError(f"{source}: empty grid: {sec}.{k} has no values")
        lengths = {k: len(v) for k, v in self.zip.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"{source}: the lists in [zip] must have equal lengths; got {lengths}")
        both = (set(self.grid) & set(self.zip)) | ((set(self.grid) | set(self.zip)) & set(self.base))
        if both:
            raise ValueError(f"{source}: parameter(s) {sorted(both)} given in more than one of [base], [grid], [zip]")
        if allowed_kw is None:  # custom task: parameters go through unchecked
            known = None
        else:
            known = set(_onestep_fields()) | set(_RATIOS) | set(allowed_kw)
        names = set(self.base) | set(self.grid) | set(self.zip)
        if known is not None:
            for name in sorted(names):
                if name not in known:
                    where = "base" if name in self.base else ("grid" if name in self.grid else "zip")
                    raise ValueError(f"{source}: unknown parameter {name!r} in [{where}] for task {self.task!r}"
                                     f"{suggest(name, known)}; allowed: OneStep fields, {', '.join(_RATIOS)}, "
                                     f"and {', '.join(allowed_kw)}")
        tasks = self.tasks()
        if len({t.key for t in tasks}) != len(tasks):
            raise ValueError(f"{source}: the grid produces duplicate tasks (repeated values in a list?)")
        if known is None:
            return
        from theory import OneStep

        for t in tasks:
            try:
                setup_kw, kw = resolve_params(t.params)
                OneStep(**setup_kw)
                for k, v in kw.items():
                    if k in _KEYWORD_CHECKS:
                        _KEYWORD_CHECKS[k](v)
            except (TypeError, ValueError) as exc:
                label = ", ".join(f"{k}={v!r}" for k, v in t.params.items() if k in self.grid or k in self.zip)
                raise type(exc)(f"{source}: task {t.index} ({label}): {exc}") from None


def _check_relative_out(out: str, source: str) -> None:
    """A sweep file may name its results file only below the working directory.

    A sweep file is data that may come from someone else: it must not choose to create files
    elsewhere. ``--out`` / ``out=`` (chosen by the person running the sweep) can go anywhere.
    """
    p = Path(out)
    if not out or p.is_absolute() or p.drive or ".." in p.parts:
        raise ValueError(f"{source}: [sweep] out must be a relative path below the working directory "
                         f"(no absolute path, no '..'); got {out!r}; choose another place with --out")


def _as_list(v, name, source):
    if not isinstance(v, (list, tuple)):
        raise TypeError(f"{source}: {name} must be a list of values; got {v!r} (put single values in [base])")
    return tuple(v)


# ----------------------------------------------------------------------------- running one task
_CAPPED = {"pid": None}


def _cap_threads(n: int | None) -> None:
    """Limit BLAS/OpenMP threads in this worker process once (threadpoolctl if installed)."""
    if n is None or _CAPPED["pid"] == os.getpid():
        return
    _CAPPED["pid"] = os.getpid()
    for var in _BLAS_VARS:
        os.environ[var] = str(n)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(limits=n)


@contextlib.contextmanager
def _limit_threads(n: int | None):
    """Limit BLAS threads in this process for the duration (threadpoolctl, when installed)."""
    if n is None:
        yield
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=n):
        yield


# ----------------------------------------------------------------------------- worker lifetime
_GUARDED = {"pid": None}
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _end_with_parent(parent_pid: int, deathsig: bool = True) -> None:
    """Make this worker process end when the sweep process ``parent_pid`` dies (once per process).

    Two mechanisms: on Linux (``deathsig``), ``prctl(PR_SET_PDEATHSIG, SIGKILL)``, so the kernel
    kills the worker the moment its parent dies; everywhere, a daemon thread that checks twice a
    second whether the parent is still there (``os.getppid()`` changes when a POSIX parent dies;
    :func:`multiprocessing.parent_process` also answers on Windows) and ends the process if not.
    A worker holds no state worth saving: only the sweep process writes the results file.

    ``deathsig`` is used for the workers the sweep starts itself (their parent thread lives as
    long as the pool); for an executor passed in, only the watchdog thread runs.
    """
    if _GUARDED["pid"] == os.getpid():
        return
    _GUARDED["pid"] = os.getpid()
    if deathsig and sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the watchdog below still works
            pass
    if not _parent_alive(parent_pid):  # the parent died before the guard was in place
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="onegrad-sweep-parent-watch", daemon=True).start()


def _parent_alive(parent_pid: int) -> bool:
    if os.name == "posix":  # an orphan is re-parented (to init or a subreaper)
        return os.getppid() == parent_pid
    parent = multiprocessing.parent_process()  # Windows: a handle on the parent process
    return parent is None or parent.pid != parent_pid or parent.is_alive()


def _watch_parent(parent_pid: int, interval: float = 0.5) -> None:
    while _parent_alive(parent_pid):
        time.sleep(interval)
    os._exit(1)


@dataclass(frozen=True)
class _Job:
    kind: str
    task: Task
    seed: int
    blas_threads: int | None
    parent_pid: int


def _execute(job: _Job) -> dict:
    """Run one task in a worker (or in-process); never raises for a task error."""
    if os.getpid() != job.parent_pid:
        _cap_threads(job.blas_threads)
        if os.getppid() == job.parent_pid:  # a direct child of the sweep (an executor passed in)
            _end_with_parent(job.parent_pid, deathsig=False)
    seq = task_sequence(job.seed, job.task.key)
    rec = {"kind": "task", "key": job.task.key, "index": job.task.index, "params": to_jsonable(job.task.params),
           "seed": seed_record(seq)}
    t0 = time.perf_counter()
    try:
        fn = _kind_function(job.kind)
        if ":" in job.kind:
            result = fn(dict(job.task.params), seq)
        else:
            from theory import OneStep

            setup_kw, kw = resolve_params(job.task.params)
            setup = OneStep(**setup_kw)
            if job.kind != "risk":
                kw["seed"] = seq
            result = fn(setup, **kw)
        rec["status"] = "ok"
        rec["result"] = _result_payload(job.kind, result)
    except Exception as exc:  # a failed task is recorded and the sweep goes on
        rec["status"] = "error"
        rec["error"] = f"{type(exc).__name__}: {exc}"
        rec["traceback"] = traceback.format_exc(limit=8)
    rec["elapsed_s"] = time.perf_counter() - t0
    return rec


def _result_payload(kind: str, result) -> dict:
    """JSON-ready result; for simulations the summary and the per-trial records (not the setup)."""
    if kind == "simulate" and hasattr(result, "summary"):
        return {"summary": to_jsonable(result.summary), "records": to_jsonable(getattr(result, "records", ()))}
    data = to_jsonable(result)
    if not isinstance(data, dict):
        data = {"value": data}
    return data


# ----------------------------------------------------------------------------- results file
def load_results(path) -> tuple[dict | None, dict]:
    """Read a results file: ``(header, {key: record})``; the last record of a key wins.

    Safe while a sweep is appending to it (no lock needed): an unterminated last line is
    ignored. A line that is not a record (damaged, a second header) raises ``ValueError`` naming
    the line.
    """
    header, records, _, _ = read_results(path)
    return header, records


# ----------------------------------------------------------------------------- the sweep
@dataclass(frozen=True)
class SweepResult(Result):
    """Outcome of :func:`run_sweep`.

    ``records`` holds one record per task, sorted by task index (``status`` ``"ok"`` with
    ``result``, or ``"error"`` with ``error``); ``n_skipped`` tasks were already in the file,
    ``n_ran`` ran now, ``n_failed`` of all records are errors, ``n_lost`` were lost to a broken
    executor (not written: a resume runs them).
    """

    path: str
    config_hash: str
    n_tasks: int
    n_skipped: int
    n_ran: int
    n_failed: int
    n_lost: int
    elapsed_s: float
    records: tuple = ()

    @property
    def complete(self) -> bool:
        """Every task has a record in the file (finished, successfully or not)."""
        return self.n_lost == 0 and len(self.records) == self.n_tasks

    @property
    def ok(self) -> bool:
        """Every task finished without error: the sweep succeeded (the CLI exits 0 only then)."""
        return self.complete and self.n_failed == 0

    @property
    def failed(self) -> tuple:
        """The records of the failed tasks (``status != "ok"``), by task index."""
        return tuple(r for r in self.records if r.get("status") != "ok")

    def failure_lines(self) -> list[str]:
        """One line per failed task: index, key and the first line of its error."""
        return [f"task {r['index']} [{r['key']}]: {_one_line(r.get('error', 'unknown error'))}" for r in self.failed]

    def table(self) -> str:
        """One line per task: index, status, elapsed time, error."""
        lines = [f"# sweep {self.config_hash}: {self.n_tasks} tasks, {self.n_skipped} resumed, {self.n_ran} ran, "
                 f"{self.n_failed} failed, {self.n_lost} lost; results in {self.path}"]
        for r in self.records:
            extra = _one_line(r.get("error", "")) if r.get("status") != "ok" else ""
            lines.append(f"{r['index']:5d}  {r['status']:5s}  {r.get('elapsed_s', float('nan')):8.2f}s  {extra}")
        return "\n".join(lines)


def _one_line(text: str, limit: int = 200) -> str:
    lines = str(text).strip().splitlines() or [""]
    first = lines[0]
    return first if len(first) <= limit else first[: limit - 3] + "..."


@contextlib.contextmanager
def blas_env(n: int | None):
    """Set the BLAS/OpenMP thread variables to ``n`` while worker processes are started.

    Spawned workers read them before importing numpy, so this caps their threads even without
    ``threadpoolctl``. The parent's variables are restored afterwards.
    """
    if n is None:
        yield
        return
    saved = {v: os.environ.get(v) for v in _BLAS_VARS}
    try:
        for v in _BLAS_VARS:
            os.environ[v] = str(int(n))
        yield
    finally:
        for v, old in saved.items():
            if old is None:
                os.environ.pop(v, None)
            else:
                os.environ[v] = old


def output_path(out, cfg: SweepConfig, *, name: str = "out") -> Path:
    """The results file of a run: ``out``, else ``cfg.out``, else ``onegrad-output/<name>-<hash>.jsonl``.

    Checked before any work (:func:`validation._sweepfile.check_output_path`): a regular file or
    a new one, in a writable directory (created if needed); ``name`` is the argument named in
    the messages.
    """
    path = out if out is not None else (cfg.out or f"onegrad-output/{cfg.name or 'sweep'}-{cfg.hash}.jsonl")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path; got {type(path).__name__}")
    return check_output_path(path, name=name)


def check_custom_task(task: str, allow_code: bool, *, flag: str = "allow_code=True") -> None:
    """Refuse a ``module:function`` task unless the caller allowed importing code.

    Such a task imports a module, which runs its code: only the person who runs the sweep can
    say the module is trusted (a sweep file cannot). ``flag`` is named in the message.
    """
    if ":" in task and not allow_code:
        mod = task.partition(":")[0]
        raise ValueError(f"task {task!r} imports and runs code from module {mod!r}; pass {flag} "
                         f"if you trust it (docs/sweep.md, 'Custom tasks')")


def run_sweep(config, out=None, *, executor: cf.Executor | None = None, workers: int | None = None,
              blas_threads: int | None = 1, progress: bool | None = None, retry_failed: bool = False,
              allow_code: bool = False, wait: bool = False) -> SweepResult:
    """Run (or resume) a sweep, appending one JSON line per finished task to ``out``.

    Parameters
    ----------
    config : SweepConfig, dict or path
        The sweep (a TOML path is read with :meth:`SweepConfig.from_toml`).
    out : path, optional
        Results file; default ``config.out`` or ``onegrad-output/<name>-<hash>.jsonl``. It is
        locked for the whole run (``<out>.lock``, see ``docs/sweep.md``).
    executor : concurrent.futures.Executor, optional
        Any executor (processes, loky, ``dask.distributed.Client.get_executor()``); not shut down here.
    workers : int, optional
        Without ``executor``: ``None`` or ``1`` runs in this process, ``K > 1`` starts ``K``
        spawned worker processes, which end when this process dies.
    blas_threads : int or None
        BLAS threads per worker process, and in this process for a sequential run (``None``:
        leave them alone).
    progress : bool, optional
        Progress bar over tasks on stderr, updated by this process as results arrive (worker
        processes and dask included): ``None`` (default) when stderr is a terminal, ``True`` always,
        ``False`` never, or a callable ``progress(done, total)`` (:mod:`validation.progress`).
    retry_failed : bool
        Run again the tasks recorded with ``status="error"``.
    allow_code : bool
        Allow a ``"module:function"`` task, which imports (runs) that module. Without it such a
        sweep is refused with ``ValueError`` before anything is imported.
    wait : bool
        When another sweep holds the results file: wait for it (``True``) or raise
        :class:`SweepBusyError` at once (``False``, default). After the wait the file is read
        again, so the tasks the other run finished are skipped.

    Returns
    -------
    SweepResult
        ``ok`` is ``False`` when a task failed (``failed``, ``failure_lines()``) or was lost.
    """
    if isinstance(config, (str, os.PathLike)):
        cfg = SweepConfig.from_toml(config)
    elif isinstance(config, dict):
        cfg = SweepConfig.from_dict(config)
    elif isinstance(config, SweepConfig):
        cfg = config
        cfg.validate()
    else:
        raise TypeError(f"config must be a SweepConfig, a dict or a TOML path; got {type(config).__name__}")
    if workers is not None:
        if isinstance(workers, bool) or not isinstance(workers, numbers.Integral) or workers < 1:
            raise ValueError(f"workers must be a positive integer; got {workers!r}")
        if executor is not None and workers != 1:
            raise ValueError("give either executor or workers, not both")
    if blas_threads is not None and (isinstance(blas_threads, bool) or not isinstance(blas_threads, numbers.Integral) or blas_threads < 1):
        raise ValueError(f"blas_threads must be a positive integer or None; got {blas_threads!r}")
    if executor is not None and not isinstance(executor, cf.Executor):
        raise TypeError(f"executor must be a concurrent.futures.Executor; got {type(executor).__name__}")

    check_custom_task(cfg.task, allow_code)
    _kind_function(cfg.task)  # the task must be importable before any work starts
    path = output_path(out, cfg)
    with ResultsLock(path, wait=wait):
        header, done, good, size = read_results(path)  # read under the lock: a waiter sees the other's work
        if header is not None and header.get("config_hash") != cfg.hash:
            raise ValueError(f"results file {str(path)!r} belongs to a different sweep configuration "
                             f"(hash {header.get('config_hash')} != {cfg.hash}); choose another output file")
        tasks = cfg.tasks()
        keys = {t.key for t in tasks}
        foreign = set(done) - keys
        if foreign:
            raise ValueError(f"results file {str(path)!r} holds {len(foreign)} task(s) not in this configuration")
        finished = {k for k, r in done.items() if r.get("status") == "ok" or not retry_failed}
        todo = [t for t in tasks if t.key not in finished]
        t0 = time.perf_counter()
        writer = AppendWriter(path, good, size)
        try:
            if header is None:
                writer.write({"kind": "header", "format": FORMAT, "config_hash": cfg.hash, "name": cfg.name,
                              "config": cfg.identity(), "n_tasks": len(tasks),
                              "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
            log.info("sweep %s: %d tasks, %d already done, %d to run -> %s", cfg.hash, len(tasks),
                     len(tasks) - len(todo), len(todo), path)
            new, lost = _run_jobs(cfg, todo, writer, executor=executor, workers=workers,
                                  blas_threads=blas_threads, progress=progress)
        finally:
            writer.close()
    done.update(new)
    recs = tuple(sorted(done.values(), key=lambda r: r["index"]))
    return SweepResult(path=str(path), config_hash=cfg.hash, n_tasks=len(tasks), n_skipped=len(tasks) - len(todo),
                       n_ran=len(new), n_failed=sum(r.get("status") != "ok" for r in recs), n_lost=lost,
                       elapsed_s=time.perf_counter() - t0, records=recs)


def _stop_workers(executor: cf.ProcessPoolExecutor) -> None:
    """Terminate the worker processes of our own pool (their tasks are lost; a resume runs them)."""
    for proc in list((getattr(executor, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            proc.terminate()


def _progress_bar(total: int, progress: bool | None):
    """The parent's bar over tasks (validation.progress): ``None`` on a terminal only, ``True`` always."""
    from .progress import tracker

    return tracker({None: True, True: "always", False: False}.get(progress, progress), total, "sweep", unit="task")


def _run_jobs(cfg, todo, writer, *, executor, workers, blas_threads, progress):
    jobs = [_Job(cfg.task, t, cfg.seed, blas_threads, os.getpid()) for t in todo]
    bar = _progress_bar(len(jobs), progress)
    new, lost = {}, 0

    def finish(rec):
        writer.write(rec)
        new[rec["key"]] = rec
        if rec["status"] != "ok":
            log.warning("task %d failed: %s", rec["index"], rec["error"])
        else:
            log.debug("task %d done in %.2fs", rec["index"], rec["elapsed_s"])
        if bar is not None:
            bar.update(1)

    try:
        if executor is None and (workers is None or workers == 1):
            with _limit_threads(blas_threads):  # the same BLAS threads as a worker: same numbers
                for job in jobs:
                    finish(_execute(job))
            return new, 0
        own, pool = executor is None, None
        try:
            with blas_env(blas_threads if own else None):  # workers start at submission
                if own:
                    pool = executor = cf.ProcessPoolExecutor(
                        max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                        initializer=_end_with_parent, initargs=(os.getpid(), True))
                futures = {executor.submit(_execute, job): job for job in jobs}
            for fut in cf.as_completed(futures):
                job = futures[fut]
                try:
                    rec = fut.result()
                except Exception as exc:  # the executor lost the task (worker died, cancelled)
                    lost += 1
                    log.error("task %d lost by the executor (%s: %s); a resume will run it",
                              job.task.index, type(exc).__name__, exc)
                    continue
                finish(rec)
        finally:
            if pool is not None:
                if sys.exc_info()[0] is not None:  # interrupted (Ctrl-C): do not wait for the running tasks
                    _stop_workers(pool)
                pool.shutdown(wait=True, cancel_futures=True)
    finally:
        if bar is not None:
            bar.close()
    return new, lost
