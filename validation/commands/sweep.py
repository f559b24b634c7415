"""``onegrad sweep CONFIG.toml [--out FILE] [--workers K] [--dask ADDRESS | --dask-local] [--json]``.

Runs or resumes the sweep described by ``CONFIG.toml`` (``docs/sweep.md``), appending one JSON line
per finished task to the results file.
"""

from __future__ import annotations

import logging

__all__ = ["register", "run"]


def register(sub) -> None:
    p = sub.add_parser("sweep", help="run or resume a grid of simulations/comparisons from a TOML file")
    p.add_argument("config", help="sweep configuration (TOML), see docs/sweep.md")
    p.add_argument("--out", default=None, help="results file (JSON lines); default from the config or onegrad-output/")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: run in this process)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--dask", metavar="ADDRESS", default=None, help="run on the dask.distributed scheduler at ADDRESS")
    group.add_argument("--dask-local", action="store_true", help="run on a local dask cluster with --workers processes")
    p.add_argument("--blas-threads", type=int, default=1, help="BLAS threads per worker (default 1)")
    p.add_argument("--retry-failed", action="store_true", help="run again the tasks recorded as failed")
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
        return Client(args.dask), None
    cluster = LocalCluster(n_workers=args.workers or 2, threads_per_worker=1, processes=True, dashboard_address=":0")
    return Client(cluster), cluster


def run(args) -> int:
    from ..cli import emit
    from ..sweep import SweepConfig, run_sweep

    if args.verbose:
        logging.basicConfig(level=logging.DEBUG if args.verbose > 1 else logging.INFO,
                            format="%(asctime)s %(name)s %(levelname)s: %(message)s")
    cfg = SweepConfig.from_toml(args.config)  # every input check happens before any work
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be a positive integer; got {args.workers}")
    if args.dask or args.dask_local:
        client, cluster = _dask_client(args)
        try:
            res = run_sweep(cfg, args.out, executor=client.get_executor(), blas_threads=args.blas_threads,
                            progress=args.progress, retry_failed=args.retry_failed)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    else:
        res = run_sweep(cfg, args.out, workers=args.workers, blas_threads=args.blas_threads,
                        progress=args.progress, retry_failed=args.retry_failed)
    data = {k: v for k, v in res.to_dict().items() if k != "records"}
    data["failed"] = [{"index": r["index"], "error": r.get("error")} for r in res.records if r.get("status") != "ok"]
    emit(data, as_json=args.json, text=res.table())
    return 0 if res.n_lost == 0 else 1
