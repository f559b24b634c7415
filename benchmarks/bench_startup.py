"""Start-up time of ``import theory`` and ``onegrad --help`` against a baseline process.

Usage (from the repository root)::

    PYTHONPATH=. python benchmarks/bench_startup.py [--runs 15] [--json]

Every measurement is a fresh interpreter (``sys.executable``), timed from ``subprocess`` start to
exit; the figure of each command is the best of ``--runs`` runs (the minimum is the least disturbed
by other load on the machine). The three commands are interleaved run by run, so that a change of
load hits all of them alike, and each is reported as a ratio to the baseline measured in the same
run (issue 12 item 5; target: both ratios at most 1.5):

* **baseline**: ``python -c "import numpy, scipy.linalg, scipy.special, scipy.integrate, mpmath"``
  (the numerical packages the library needs anyway);
* **import theory**: ``python -c "import theory"``;
* **onegrad --help**: ``python -m validation --help`` (what the ``onegrad`` script runs).

It also lists, for each command, which of the heavy optional packages (sympy, scipy.stats,
matplotlib, dask, pandas) the process loaded (there should be none; ``tests/test_light_start.py``
checks the same in the default test suite).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time

HEAVY = ("sympy", "scipy.stats", "matplotlib", "dask", "pandas")
COMMANDS = {
    "baseline": ["-c", "import numpy, scipy.linalg, scipy.special, scipy.integrate, mpmath"],
    "import theory": ["-c", "import theory"],
    "onegrad --help": ["-m", "validation", "--help"],
}
_PROBE = {
    "baseline": "import numpy, scipy.linalg, scipy.special, scipy.integrate, mpmath",
    "import theory": "import theory",
    "onegrad --help": ("import contextlib, io, runpy, sys\nsys.argv = ['onegrad', '--help']\n"
                       "with contextlib.redirect_stdout(io.StringIO()):\n"
                       "    try:\n        runpy.run_module('validation', run_name='__main__', alter_sys=True)\n"
                       "    except SystemExit:\n        pass"),
}


def _time_once(args: list) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def _heavy_loaded(name: str) -> list:
    code = _PROBE[name] + f"\nimport sys\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1].replace("'", '"'))


def measure(runs: int) -> dict:
    """Best-of-``runs`` wall time of each command (interleaved) and the ratios to the baseline."""
    times = {name: [] for name in COMMANDS}
    for name, args in COMMANDS.items():  # one warm-up each: file-system caches, .pyc files
        _time_once(args)
    for _ in range(runs):
        for name, args in COMMANDS.items():
            times[name].append(_time_once(args))
    best = {name: min(ts) for name, ts in times.items()}
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "runs": runs,
        "best_s": best,
        "median_s": {name: sorted(ts)[len(ts) // 2] for name, ts in times.items()},
        "ratio": {name: best[name] / best["baseline"] for name in COMMANDS if name != "baseline"},
        "heavy_loaded": {name: _heavy_loaded(name) for name in COMMANDS},
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15, help="fresh processes per command (best of them is kept)")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    args = ap.parse_args(argv)
    if args.runs < 1:
        ap.error("--runs must be >= 1")
    res = measure(args.runs)
    if args.json:
        print(json.dumps(res, indent=2))
        return 0
    print(f"start-up, best of {res['runs']} fresh processes ({res['date']}, Python {res['python']}, {res['cpus']} CPUs)")
    print(f"{'command':<16} {'best s':>8} {'median s':>9} {'ratio':>7}  heavy modules loaded")
    for name in COMMANDS:
        ratio = "1 (ref)" if name == "baseline" else f"{res['ratio'][name]:.2f}x"
        print(f"{name:<16} {res['best_s'][name]:8.3f} {res['median_s'][name]:9.3f} {ratio:>7}  "
              f"{', '.join(res['heavy_loaded'][name]) or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
