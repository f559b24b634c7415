"""Measure the mutation score of a few theory modules with mutmut 3 (issue 13, item 6).

mutmut 3 reads its settings from ``[tool.mutmut]`` in ``pyproject.toml`` and copies the project into
``mutants/``. To leave the project's own ``pyproject.toml`` (and its default test run) untouched, this
script copies ``theory/``, ``validation/``, ``tests/`` and ``pyproject.toml`` into a scratch folder,
appends the mutmut table there, runs ``mutmut run`` in it and prints killed / survived per module.

Two settings matter for this project:

* ``process_isolation = "forkserver"``: with mutmut's default (``fork`` from the process that has just
  run the whole selection to collect coverage), every worker inherits the filled ``lru_cache`` of
  ``theory.model.statistics.step_statistics``, so mutants of the cached ``_compute`` are never executed
  and all "survive" (measured: 31 of 390 killed that way, a false score).
* doctests are not collected (``-o addopts=``): mutmut copies each docstring into every mutant, so the
  doctests of the mutated file would run once per copy. The score below is that of ``tests/`` alone.

Usage (about 5 minutes on 2 cores for the default modules)::

    python scripts/mutation_score.py
    python scripts/mutation_score.py --module theory/ridge/marchenko_pastur.py --tests tests/test_risk.py

Requires ``pip install mutmut==3.8.1``. Survivors are listed with ``mutmut show NAME`` run inside
the scratch folder (printed at the end).
"""

from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_MODULES = [
    "theory/model/statistics.py",
    "theory/ridge/marchenko_pastur.py",
    "theory/model/conventions.py",
]
DEFAULT_TESTS = [
    "tests/test_step_statistics.py",
    "tests/test_bulk_variance.py",
    "tests/test_foundation.py",
    "tests/test_feature_spectrum.py",
    "tests/test_risk.py",
]


def _toml_list(items):
    return "[" + ", ".join(f'"{x}"' for x in items) + "]"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--module", action="append", help="a file to mutate (repeatable); default: three theory modules")
    p.add_argument("--tests", action="append", help="a test file to run (repeatable)")
    p.add_argument("--workdir", help="scratch folder (default: a new temporary folder, kept for `mutmut show`)")
    args = p.parse_args(argv)
    modules = args.module or DEFAULT_MODULES
    tests = args.tests or DEFAULT_TESTS

    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="onegrad-mutmut-"))
    work.mkdir(parents=True, exist_ok=True)
    for name in ("theory", "validation", "tests"):
        shutil.rmtree(work / name, ignore_errors=True)
        shutil.copytree(ROOT / name, work / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.rmtree(work / "mutants", ignore_errors=True)
    table = f"""

[tool.mutmut]
source_paths = ["theory"]
only_mutate = {_toml_list(modules)}
also_copy = ["validation"]
pytest_add_cli_args = ["-p", "no:cacheprovider", "-o", "addopts=", "-m", "not slow and not benchmark"]
pytest_add_cli_args_test_selection = {_toml_list(tests)}
process_isolation = "forkserver"
forkserver_warmup = "collect"
use_git_change_detection = false
"""
    (work / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text(encoding="utf-8") + table, "utf-8")

    run = subprocess.run(["mutmut", "run"], cwd=work, stdout=subprocess.DEVNULL)
    if run.returncode != 0:
        print(f"mutmut run failed (exit {run.returncode}) in {work}", file=sys.stderr)
        return run.returncode
    res = subprocess.run(["mutmut", "results", "--all", "true"], cwd=work, capture_output=True, text=True)
    counts = collections.defaultdict(collections.Counter)
    for line in res.stdout.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if not name:
            continue
        module = name.split(".x")[0].split(".xǁ")[0]
        counts[module][status] += 1
    total = collections.Counter()
    for module, c in sorted(counts.items()):
        total.update(c)
        print(f"{module}: killed {c['killed']} / {sum(c.values())}  ({dict(c)})")
    print(f"all: killed {total['killed']} / {sum(total.values())}  ({dict(total)})")
    print(f"scratch folder (run `mutmut results` / `mutmut show NAME` there): {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
