"""Small task functions for the sweep tests (importable by worker processes and subprocesses).

A custom sweep task is ``func(params, seed) -> dict`` (``docs/sweep.md``).
"""

import json
import os
import time

import numpy as np


def draw(params, seed):
    """Draw from the task's own stream; sleep, fail or log on request.

    ``sleep`` seconds of waiting; ``fail_at``: raise when ``x`` equals it. When the environment
    variable ``ONEGRAD_TEST_TASK_LOG`` names a file, append ``{"x": x, "pid": pid}`` to it when the
    task finishes (outside the parameters, so it does not change the task's key).
    """
    rng = np.random.default_rng(seed)
    values = rng.standard_normal(3)
    if params.get("sleep"):
        time.sleep(params["sleep"])
    if "fail_at" in params and params["fail_at"] == params.get("x"):
        raise ValueError(f"planned failure at x={params['x']}")
    log = os.environ.get("ONEGRAD_TEST_TASK_LOG")
    if log:
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.write(fd, (json.dumps({"x": params.get("x"), "pid": os.getpid()}) + "\n").encode())
        os.close(fd)
    return {"values": values.tolist(), "x": params.get("x")}


def blas_threads(params, seed):
    """Report the BLAS thread counts seen by this worker (threadpoolctl)."""
    from threadpoolctl import threadpool_info

    np.dot(np.ones((4, 4)), np.ones((4, 4)))
    return {"threads": [i["num_threads"] for i in threadpool_info() if i.get("user_api") == "blas"],
            "env": os.environ.get("OPENBLAS_NUM_THREADS")}


def gemm(params, seed):
    """A small BLAS-bound computation whose last bits depend on the BLAS thread count."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((300, 200))
    W = rng.standard_normal((200, 200)) / np.sqrt(200)
    for _ in range(3):
        W = W + 1e-2 * (X.T @ np.tanh(X @ W)) / 300
    return {"sum": float(W.sum()), "first": float(W[0, 0])}


def sleeper(params, seed):
    """Write this process's pid into the folder named by ``ONEGRAD_TEST_PID_DIR``, then sleep.

    For the test that a worker ends when the sweep process is killed: the pid file appears as
    soon as a worker starts the task, and the task then outlives the test unless it is killed.
    """
    folder = os.environ.get("ONEGRAD_TEST_PID_DIR")
    if folder:
        with open(os.path.join(folder, f"{os.getpid()}.pid"), "w") as fh:
            fh.write(str(os.getpid()))
    time.sleep(params.get("sleep", 60))
    return {"x": params.get("x")}
