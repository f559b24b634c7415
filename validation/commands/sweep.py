"""``onegrad sweep CONFIG.toml [--out FILE] [--workers K] [--dask ADDRESS | --dask-local] [--wait] [--allow-code] [--json]``.

Runs or resumes the sweep described by ``CONFIG.toml`` (``docs/sweep.md``), appending one JSON line
per finished task to the results file. Exit status: 0 when every task succeeded, 1 when a task
failed or was lost (each listed on stderr), 2 for bad input, a bad path, a results file in use by
another sweep (without ``--wait``) or an unreachable scheduler.
"""

from __future__ import annotations

import logging
import math
import sys

__all__ = ["register", "run"]


def register(sub) -> None:
    p = sub.add_parser("sweep", help="run or resume a grid of simulations/comparisons from a TOML file")
    p.add_argument("config", help="sweep configuration (TOML), see docs/sweep.md")
    p.add_argument("--out", default=None, help="results file (JSON lines); default from the config or onegrad-output/")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: run in this process)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--dask", metavar="ADDRESS", default=None, help="run on the dask.distributed scheduler at ADDRESS")
    group.add_argument("--dask-local", action="store_true", help="run on a local dask cluster with --workers processes")
    p.add_argument("--dask-timeout", type=float, default=5.0, metavar="SECONDS",
                   help="give up connecting to the --dask scheduler after this many seconds (default 5)")
    p.add_argument("--blas-threads", type=int, default=1, help="BLAS threads per worker (default 1)")
    p.add_argument("--retry-failed", action="store_true", help="run again the tasks recorded as failed")
    p.add_argument("--wait", action="store_true",
                   help="if another sweep is writing the results file, wait for it (default: refuse at once)")
    p.add_argument("--allow-code", action="store_true",
                   help="allow a 'module:function' task, which imports and runs that module (trust it first)")
    p.add_argument("--progress", action="store_true", default=None, help="show a progress bar (default: on a terminal)")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    p.add_argument("-v", "--verbose", action="count", default=0, help="log progress (-v info, -vv debug)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run)


def _dask_client(args):
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ValueError("--dask needs dask.distributed: pip install 'onegrad[parallel]'") from None
    if args.dask:
        try:
            return Client(args.dask, timeout=args.dask_timeout), None
        except (OSError, TimeoutError) as exc:
            raise ValueError(f"--dask: cannot reach the scheduler at {args.dask!r} within {args.dask_timeout:g} s "
                             f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from None
        except ValueError as exc:
            raise ValueError(f"--dask: {exc}") from None
    cluster = LocalCluster(n_workers=args.workers or 2, threads_per_worker=1, processes=True, dashboard_address=":0")
    return Client(cluster), cluster


def _fail(message: str) -> int:
    print(f"onegrad sweep: error: {message}".splitlines()[0], file=sys.stderr)
    return 2


def run(args) -> int:
    from ..cli import emit
    from ..sweep import ResultsLock, SweepBusyError, SweepConfig, check_custom_task, output_path, run_sweep

    if args.verbose:
        logging.basicConfig(level=logging.DEBUG if args.verbose > 1 else logging.INFO,
                            format="%(asctime)s %(name)s %(levelname)s: %(message)s")
    # every check happens before any work: flags, the file (never evaluated), the output path
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be a positive integer; got {args.workers}")
    if args.blas_threads < 1:
        raise ValueError(f"--blas-threads must be a positive integer; got {args.blas_threads}")
    if not (math.isfinite(args.dask_timeout) and args.dask_timeout > 0):
        raise ValueError(f"--dask-timeout must be a positive number of seconds; got {args.dask_timeout}")
    cfg = SweepConfig.from_toml(args.config)
    check_custom_task(cfg.task, args.allow_code, flag="--allow-code")
    path = output_path(args.out, cfg, name="--out")
    try:
        if not args.wait:  # refuse before starting a cluster; run_sweep takes the lock for real
            with ResultsLock(path, wait=False):
                pass
        if args.dask or args.dask_local:
            client, cluster = _dask_client(args)
            try:
                res = run_sweep(cfg, path, executor=client.get_executor(), blas_threads=args.blas_threads,
                                progress=args.progress, retry_failed=args.retry_failed,
                                allow_code=args.allow_code, wait=args.wait)
            finally:
                client.close()
                if cluster is not None:
                    cluster.close()
        else:
            res = run_sweep(cfg, path, workers=args.workers, blas_threads=args.blas_threads, progress=args.progress,
                            retry_failed=args.retry_failed, allow_code=args.allow_code, wait=args.wait)
    except SweepBusyError as exc:
        return _fail(str(exc))
    except OSError as exc:
        if isinstance(exc, (BrokenPipeError, FileNotFoundError, PermissionError)):
            raise
        return _fail(f"{exc.strerror or exc} ({exc.filename})" if exc.filename else str(exc))
    data = {k: v for k, v in res.to_dict().items() if k != "records"}
    data["ok"] = res.ok
    data["failed"] = [{"index": r["index"], "key": r["key"], "error": r.get("error")} for r in res.failed]
    emit(data, as_json=args.json, text=res.table())
    if res.ok:
        return 0
    if res.n_failed:
        print(f"onegrad sweep: {res.n_failed} of {res.n_tasks} tasks failed (results in {res.path}; "
              f"run them again with --retry-failed):", file=sys.stderr)
        for line in res.failure_lines():
            print(f"  {line}", file=sys.stderr)
    if res.n_lost:
        print(f"onegrad sweep: {res.n_lost} task(s) lost by the executor (not written); run the sweep again "
              f"to resume them", file=sys.stderr)
    return 1
