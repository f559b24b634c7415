"""Measure the mutation score of a few modules with mutmut 3 (issue 13, item 6).

mutmut 3 reads its settings from ``[tool.mutmut]`` in ``pyproject.toml`` and copies the project into
``mutants/``. To leave the project's own ``pyproject.toml`` (and its default test run) untouched, this
script copies ``theory/``, ``validation/``, ``tests/`` and ``pyproject.toml`` into a scratch folder,
appends the mutmut table there, runs ``mutmut run`` in it (under ``nice``) and prints killed / survived
per module, optionally as a JSON summary.

Settings that matter for this project:

* ``process_isolation = "forkserver"``: with mutmut's default (``fork`` from the process that has just
  run the whole selection to collect coverage), every worker inherits the filled ``lru_cache`` of
  ``theory.model.statistics.step_statistics``, so mutants of the cached ``_compute`` are never executed
  and all "survive" (measured: 31 of 390 killed that way, a false score).
* doctests are not collected (``-o addopts=``): mutmut copies each docstring into every mutant, so the
  doctests of the mutated file would run once per copy. The score is that of the named test files alone.
* only the named test files run (``--tests``), and per mutant only the tests that call the mutated
  function; slow and benchmark tests are deselected.

Both ``theory/`` and ``validation/`` are source paths, so ``--module`` may name a file of either.
``--function`` restricts the run to mutants whose mutmut name matches a glob (for example
``'theory.regimes._common.x_spiked_channels__mutmut_*'``); ``--max-mutants N --seed S`` runs a fixed
random sample of N mutants (the same sample for the same seed and source), for modules too large to
run whole on a shared machine.

Usage (a few minutes per module on 2 cores)::

    python scripts/mutation_score.py --module theory/ridge/marchenko_pastur.py --tests tests/test_risk.py
    python scripts/mutation_score.py --module theory/regimes/_common.py --tests tests/test_mut_regimes.py \
        --json out.json

Requires ``pip install mutmut==3.8.1``. Survivors are listed with ``mutmut show NAME`` run inside
the scratch folder (printed at the end, and in the JSON summary under ``"survived"``).
"""

from __future__ import annotations

import argparse
import collections
import fnmatch
import json
import random
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
# mutmut's exit-code vocabulary, as printed by ``mutmut results``
KILLED = ("killed", "timeout")


def _toml_list(items):
    return "[" + ", ".join(json.dumps(str(x)) for x in items) + "]"


def _mutmut(args, work, *, nice, capture=False):
    cmd = (["nice", "-n", str(nice)] if nice else []) + ["mutmut", *args]
    if capture:
        return subprocess.run(cmd, cwd=work, capture_output=True, text=True)
    return subprocess.run(cmd, cwd=work, stdout=subprocess.DEVNULL)


def _results(work):
    """``{mutant name: status}`` from ``mutmut results --all true``."""
    res = subprocess.run(["mutmut", "results", "--all", "true"], cwd=work, capture_output=True, text=True)
    out = {}
    for line in res.stdout.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name:
            out[name] = status
    return out


def _failing_tests(work, tests, deselect, *, nice):
    """Node ids of the selected tests that fail on the unmutated copy (the tree is shared: another
    engineer's work in progress can break a test that has nothing to do with the mutated module)."""
    cmd = (["nice", "-n", str(nice)] if nice else []) + [
        sys.executable, "-m", "pytest", "-q", "-rf", "-p", "no:cacheprovider", "-o", "addopts=",
        "-m", "not slow and not benchmark", *[a for node in deselect for a in ("--deselect", node)], *tests]
    res = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
    return sorted({line.split()[1] for line in res.stdout.splitlines() if line.startswith("FAILED ")})


def _module_of(name):
    return name.split(".xǁ")[0].split(".x_")[0]


def summarise(statuses):
    """Per-module counters and the overall one, from ``{name: status}``."""
    counts = collections.defaultdict(collections.Counter)
    for name, status in statuses.items():
        counts[_module_of(name)][status] += 1
    total = collections.Counter()
    for c in counts.values():
        total.update(c)
    return counts, total


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--module", action="append", help="a file to mutate (repeatable); default: three theory modules")
    p.add_argument("--tests", action="append", help="a test file or node id to run (repeatable)")
    p.add_argument("--deselect", action="append", default=[],
                   help="a test node id not to run (repeatable; e.g. a test failing for a reason outside the run)")
    p.add_argument("--function", action="append",
                   help="only mutants whose mutmut name matches this glob (repeatable)")
    p.add_argument("--rerun", metavar="JSON",
                   help="run only the mutants that a previous run's --json summary lists as not killed (e.g. after "
                        "adding tests) and report the previous counts updated with the new verdicts")
    p.add_argument("--max-mutants", type=int, help="run a random sample of this many mutants (fixed by --seed)")
    p.add_argument("--seed", type=int, default=0, help="seed of the --max-mutants sample (default 0)")
    p.add_argument("--max-children", type=int, default=2, help="parallel mutant workers (default 2)")
    p.add_argument("--nice", type=int, default=10, help="niceness of the mutmut run (default 10; 0: not niced)")
    p.add_argument("--json", help="write a JSON summary here (counts per module, survivors, command)")
    p.add_argument("--workdir", help="scratch folder (default: a new temporary folder, kept for `mutmut show`)")
    args = p.parse_args(argv)
    modules = args.module or DEFAULT_MODULES
    tests = args.tests or DEFAULT_TESTS
    if args.max_mutants is not None and args.max_mutants < 1:
        p.error("--max-mutants must be a positive integer")
    for m in modules:
        if not (ROOT / m).is_file() or not m.startswith(("theory/", "validation/")):
            p.error(f"--module must name a file under theory/ or validation/; got {m!r}")

    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="onegrad-mutmut-"))
    work.mkdir(parents=True, exist_ok=True)
    for name in ("theory", "validation", "tests"):
        shutil.rmtree(work / name, ignore_errors=True)
        shutil.copytree(ROOT / name, work / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.rmtree(work / "mutants", ignore_errors=True)
    deselect = list(args.deselect)
    failing = _failing_tests(work, tests, deselect, nice=args.nice)
    if failing:  # mutmut needs a clean run: a test failing on the unmutated code cannot tell anything
        print("deselected, failing on the unmutated code: " + ", ".join(failing), file=sys.stderr)
        deselect += failing
    table = f"""

[tool.mutmut]
source_paths = ["theory", "validation"]
only_mutate = {_toml_list(modules)}
pytest_add_cli_args = {_toml_list(["-p", "no:cacheprovider", "-o", "addopts=", "-m", "not slow and not benchmark",
                                   *[a for node in deselect for a in ("--deselect", node)]])}
pytest_add_cli_args_test_selection = {_toml_list(tests)}
process_isolation = "forkserver"
forkserver_warmup = "collect"
use_git_change_detection = false
"""
    (work / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text(encoding="utf-8") + table, "utf-8")

    run_args = ["run", "--max-children", str(args.max_children)]
    selected = list(args.function or [])
    prior = None
    if args.rerun:
        prior = json.loads(Path(args.rerun).read_text(encoding="utf-8"))
        left = prior["survived"]
        left = left if isinstance(left, dict) else {n: "survived" for n in left}
        prior["survived"] = left
        if not left:
            print("nothing to rerun: the previous run killed every mutant", file=sys.stderr)
            return 0
        selected = sorted(left)
    if args.max_mutants is not None:
        # generate the mutants (and the test-to-function map) without running any: a glob that matches nothing
        _mutmut(run_args + ["no_such_mutant__mutmut_*"], work, nice=args.nice)
        names = sorted(_results(work))
        if selected:
            names = [n for n in names if any(fnmatch.fnmatch(n, g) for g in selected)]
        selected = sorted(random.Random(args.seed).sample(names, min(args.max_mutants, len(names))))
    run = _mutmut(run_args + selected, work, nice=args.nice)
    if run.returncode != 0:
        print(f"mutmut run failed (exit {run.returncode}) in {work}", file=sys.stderr)
        return run.returncode
    statuses = _results(work)
    if selected:
        statuses = {n: s for n, s in statuses.items() if any(fnmatch.fnmatch(n, g) for g in selected)}
    counts, total = summarise(statuses)
    if prior is not None:  # the previous run's counts, each rerun mutant moved to its new verdict
        counts = collections.defaultdict(collections.Counter,
                                         {m: collections.Counter(c) for m, c in prior["modules"].items()})
        for name, old in prior["survived"].items():
            counts[_module_of(name)][old] -= 1
            counts[_module_of(name)][statuses.get(name, old)] += 1
        for c in counts.values():
            for key in [key for key, v in c.items() if v == 0]:
                del c[key]
        total = collections.Counter()
        for c in counts.values():
            total.update(c)
        statuses = {n: statuses.get(n, old) for n, old in prior["survived"].items()}
    for module, c in sorted(counts.items()):
        k = sum(c[s] for s in KILLED)
        print(f"{module}: killed {k} / {sum(c.values())}  ({dict(c)})")
    k = sum(total[s] for s in KILLED)
    print(f"all: killed {k} / {sum(total.values())}  ({dict(total)})")
    print(f"scratch folder (run `mutmut results` / `mutmut show NAME` there): {work}")
    if args.json:
        summary = {
            "command": " ".join(["python", "scripts/mutation_score.py", *(argv if argv is not None else sys.argv[1:])]),
            "modules": {m: dict(c) for m, c in sorted(counts.items())},
            "total": dict(total),
            "killed": k,
            "mutants": sum(total.values()),
            "survived": {n: s for n, s in sorted(statuses.items()) if s not in KILLED},
            "deselected": deselect,
            "workdir": str(work),
        }
        Path(args.json).write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
