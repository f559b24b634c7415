"""Docs that cannot drift: every ``onegrad`` command and every Python example shown in README.md and
docs/ is checked against the program.

* **Every command** mentioned (in a code block or an inline code span): its subcommand must exist and
  every ``--flag`` it shows must be one that ``onegrad SUBCOMMAND --help`` lists. This covers the
  synopses (``onegrad reproduce NAME [--data FILE] ...``) too.
* **Every concrete command** (no placeholder such as ``NAME``, ``[...]`` or ``...``; inline spans only
  when they carry a flag) is run as ``python -m validation ...`` in a fresh folder and must exit 0. The
  expensive ones run at reduced sizes (``REDUCED``) and only with ``-m slow`` (``SLOW_SUBCOMMANDS``);
  those that cannot run here at all are listed in ``NOT_RUN`` with the reason.
* **Every ```python block** is executed in a fresh namespace in a fresh folder and must not raise
  (warnings are errors, as in the whole suite). Blocks that run simulations are marked slow; blocks
  that cannot run are listed in ``NOT_RUN`` with the reason.

Nothing is skipped silently: an example is run, or checked and listed with its reason.
"""

from __future__ import annotations

import functools
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
DOC_FILES = [p for p in DOC_FILES if "_build" not in p.parts]
TIMEOUT = 300

# Reduced sizes: flag -> value, replacing the example's value or added to it. Every value is a real
# option of that subcommand (checked by test_reduced_flags_exist).
REDUCED = {
    "compare": {"--d": "100", "--trials": "2", "--n-test": "1000", "--no-plot": None, "--sizes": "150,200"},
    "simulate": {"--d": "100", "--width": "100", "--n": "400", "--trials": "2", "--n-test": "1000"},
    "spikes": {"--trials": "2"},
    "reproduce": {"--no-plot": None},
}
# Monte Carlo subcommands: run (at the reduced sizes above) only in the slow suite.
SLOW_SUBCOMMANDS = {"compare", "simulate", "sweep"}
SLOW_FLAGS = {"--simulate"}  # e.g. onegrad spikes --simulate
# reproduce without --data simulates now (tens of seconds even at --scale quick)
SLOW_UNLESS = {"reproduce": "--data"}
# Python blocks that call these are Monte Carlo runs at the page's own sizes: slow suite only.
SLOW_PYTHON = ("validation.simulate(", "validation.compare(", "run_sweep(")

# Examples that are not run, with the reason (their subcommand and flags are still checked).
# Key: (page relative to the repository root, a substring of the example).
NOT_RUN = {
    ("docs/sweep.md", "my.toml"): "a sweep of the reader's own configuration file, which does not exist here",
    ("docs/sweep.md", "mine.toml"): "a sweep of the reader's own configuration file, which does not exist here",
    ("docs/sweep.md", 'run_sweep("my.toml"'): "the reader's own configuration file; run_sweep is tested in tests/test_sweep.py",
    ("docs/sweep.md", "--dask tcp://"): "needs a running dask scheduler",
}

_PLACEHOLDER = re.compile(r"\[|\.\.\.|…|(?<![\w.-])[A-Z][A-Z_0-9]*(?:\.toml)?(?![\w.(])|:\s*error:")
_FENCE = re.compile(r"^\s*(```+|~~~+)\s*\{?([\w-]*)\}?")


@dataclass(frozen=True)
class Example:
    page: str          # relative path
    line: int
    kind: str          # "command" or "python"
    text: str
    inline: bool = False

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def _commands_in(line: str) -> list[str]:
    """``onegrad ...`` commands in one shell line (after ``&&``, ``$`` prompts; comments dropped)."""
    line = re.sub(r"\s+#.*$", "", line)
    out = []
    for part in re.split(r"&&|;|\|\|", line):
        part = part.strip().lstrip("$ ").strip()
        if part.startswith("onegrad ") or part == "onegrad":
            out.append(part)
    return out


def extract(path: Path) -> list[Example]:
    """Every onegrad command and python block of one Markdown file."""
    rel = str(path.relative_to(ROOT))
    lines = path.read_text(encoding="utf-8").splitlines()
    examples: list[Example] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            for span in re.findall(r"`(onegrad(?: [^`]*)?)`", lines[i]):
                examples.append(Example(rel, i + 1, "command", span.strip(), inline=True))
            i += 1
            continue
        fence, lang = m.group(1), m.group(2).lower()
        start = i + 1
        i += 1
        body = []
        while i < len(lines) and not lines[i].strip().startswith(fence):
            body.append(lines[i])
            i += 1
        i += 1  # closing fence
        if lang == "python":
            examples.append(Example(rel, start + 1, "python", "\n".join(body) + "\n"))
            continue
        if lang not in ("", "bash", "sh", "shell", "console", "text"):
            continue
        # shell-like block: a command starts at a line with 'onegrad'; indented lines and
        # backslash continuations belong to it (multi-line synopses)
        current, current_line = None, 0
        for k, raw in enumerate(body):
            cmds = _commands_in(raw.rstrip("\\"))
            if cmds:
                if current:
                    examples.append(Example(rel, current_line, "command", current))
                for c in cmds[:-1]:
                    examples.append(Example(rel, start + 1 + k, "command", c))
                current, current_line = cmds[-1], start + 1 + k
            elif current and (raw.startswith((" ", "\t")) or body[k - 1].rstrip().endswith("\\")):
                current += " " + re.sub(r"\s+#.*$", "", raw).strip()
            elif current:
                examples.append(Example(rel, current_line, "command", current))
                current = None
        if current:
            examples.append(Example(rel, current_line, "command", current))
    return examples


ALL = [ex for p in DOC_FILES for ex in extract(p)]
COMMANDS = [ex for ex in ALL if ex.kind == "command"]
PYTHON = [ex for ex in ALL if ex.kind == "python"]


def not_run_reason(ex: Example) -> str | None:
    for (page, key), reason in NOT_RUN.items():
        if ex.page == page and key in ex.text:
            return reason
    return None


def subcommand(text: str) -> str | None:
    tokens = text.replace("\\", " ").split()
    if len(tokens) < 2 or tokens[1].startswith("-"):
        return None
    return tokens[1].rstrip(":")


def takes_value(sub: str | None, flag: str) -> bool:
    """Whether ``--flag`` of ``onegrad SUB`` takes a value (its usage shows a metavar after it)."""
    return re.search(rf"{re.escape(flag)}[ =][A-Z]", cli_help(sub)) is not None


def is_concrete(ex: Example) -> bool:
    """A command to run: no placeholder; an inline span only when it is a full command line."""
    if _PLACEHOLDER.search(ex.text.split(" ", 1)[1] if " " in ex.text else ""):
        return False
    if not ex.inline:
        return True
    tokens = shlex.split(ex.text)
    if not any(t.startswith("--") for t in tokens):
        return False  # `onegrad risk`: a mention of the subcommand
    # `onegrad risk --method`: a mention of an option, not a command line
    return not (tokens[-1].startswith("--") and takes_value(subcommand(ex.text), tokens[-1]))


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("MPLBACKEND", "Agg")
    return env


@functools.lru_cache(maxsize=None)
def cli_help(sub: str | None) -> str:
    """``onegrad [SUB] --help`` output (the program's own parser, run once per subcommand)."""
    import contextlib
    import io

    from validation.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(([sub] if sub else []) + ["--help"])
        except SystemExit as exc:
            status = exc.code
    assert status in (0, None), f"onegrad {sub or ''} --help failed ({status}):\n{err.getvalue()[-2000:]}"
    return out.getvalue()


def subcommands() -> set[str]:
    text = cli_help(None)
    block = text.split("positional arguments:", 1)[-1].split("options:", 1)[0]
    return set(re.findall(r"^\s{4}([a-z][a-z0-9-]*)\b", block, flags=re.M))


def reduce(sub: str, argv: list[str]) -> list[str]:
    """Apply the cheap flags of ``REDUCED`` to one command's arguments."""
    argv = list(argv)
    for flag, value in REDUCED.get(sub, {}).items():
        if flag in argv:
            k = argv.index(flag)
            if value is not None and k + 1 < len(argv):
                argv[k + 1] = value
        elif flag != "--sizes":  # extrapolation sizes only replace an example's own
            argv += [flag] if value is None else [flag, value]
    return argv


def is_slow(ex: Example) -> bool:
    sub = subcommand(ex.text)
    argv = shlex.split(ex.text)
    if sub in SLOW_SUBCOMMANDS or any(f in argv for f in SLOW_FLAGS):
        return True
    return sub in SLOW_UNLESS and SLOW_UNLESS[sub] not in argv


def _param(ex: Example, slow: bool):
    return pytest.param(ex, id=ex.id, marks=[pytest.mark.slow] if slow else [])


def run_argv(ex: Example) -> list[str]:
    """The arguments an example runs with: reduced sizes, repository files found from the root."""
    argv = shlex.split(ex.text)[1:]
    sub = argv[0] if argv and not argv[0].startswith("-") else None
    if sub:
        argv = reduce(sub, argv)
    return [str(ROOT / a) if not a.startswith("-") and "/" in a and (ROOT / a).exists() else a for a in argv]


def _unique(examples):
    """One run per distinct command line (the same example on several pages runs once)."""
    seen, out = set(), []
    for ex in examples:
        key = tuple(run_argv(ex))
        if key not in seen:
            seen.add(key)
            out.append(ex)
    return out


RUNNABLE = _unique([ex for ex in COMMANDS if is_concrete(ex) and not not_run_reason(ex)])
PY_RUNNABLE = [ex for ex in PYTHON if not not_run_reason(ex)]


def test_examples_are_found():
    pages = {ex.page for ex in ALL}
    assert "README.md" in pages and "docs/cli.md" in pages and "docs/getting_started/theory_curves.md" in pages
    assert len(COMMANDS) > 20 and len(PYTHON) > 8
    # every NOT_RUN entry still matches an example (no stale allow-list)
    for (page, key) in NOT_RUN:
        assert any(ex.page == page and key in ex.text for ex in ALL), f"NOT_RUN entry {page!r}, {key!r} matches nothing"


def test_reduced_flags_exist():
    for sub, flags in REDUCED.items():
        for flag in flags:
            assert re.search(rf"(^|\s){re.escape(flag)}\b", cli_help(sub)), f"onegrad {sub} has no {flag}"


@pytest.mark.parametrize("ex", COMMANDS, ids=lambda ex: ex.id)
def test_command_exists_with_its_flags(ex):
    """Subcommand and every --flag of the example exist (synopses included)."""
    sub = subcommand(ex.text)
    if sub is None:
        # 'onegrad', 'onegrad --help', 'onegrad --version'
        for flag in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", ex.text):
            assert flag in cli_help(None), f"{ex.id}: onegrad has no option {flag}"
        return
    if re.fullmatch(r"[A-Z_]+", sub):
        return  # 'onegrad COMMAND ...': a placeholder for any subcommand
    assert sub in subcommands(), f"{ex.id}: `{ex.text}` names no subcommand (have {sorted(subcommands())})"
    text = cli_help(sub)
    for flag in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", ex.text):
        assert re.search(rf"(^|[\s\[|,]){re.escape(flag)}\b", text), (
            f"{ex.id}: `onegrad {sub}` has no option {flag} (shown in `{ex.text[:120]}`)")


@pytest.mark.parametrize("ex", [_param(ex, is_slow(ex)) for ex in RUNNABLE])
def test_command_runs(ex, tmp_path):
    argv = run_argv(ex)
    res = subprocess.run([sys.executable, "-m", "validation", *argv], cwd=tmp_path, env=_env(),
                         capture_output=True, text=True, timeout=TIMEOUT)
    assert res.returncode == 0, (f"{ex.id}: `{ex.text}` (run as onegrad {' '.join(argv)}) exited {res.returncode}:\n"
                                 f"{res.stderr[-3000:]}")


@pytest.mark.parametrize("ex", [_param(ex, any(s in ex.text for s in SLOW_PYTHON)) for ex in PY_RUNNABLE])
def test_python_example_runs(ex, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    code = compile(ex.text, f"{ex.page}:{ex.line}", "exec")
    exec(code, {"__name__": "__docs_example__"})  # noqa: S102 (the project's own documentation)


def test_drift_is_caught():
    """The checks fail on the kinds of drift they exist for (synthetic examples)."""
    with pytest.raises(AssertionError, match="no option --simulate"):
        test_command_exists_with_its_flags(Example("README.md", 1, "command", "onegrad reproduce NAME [--simulate]"))
    with pytest.raises(AssertionError, match="names no subcommand"):
        test_command_exists_with_its_flags(Example("README.md", 1, "command", "onegrad no-such-command --d 3"))
    assert not is_concrete(Example("README.md", 1, "command", "onegrad risk ACT TARGET --d 2000"))
    assert not is_concrete(Example("README.md", 1, "command", "onegrad risk --method", inline=True))
    assert is_concrete(Example("README.md", 1, "command", "onegrad compare --alignment-term", inline=True))
    assert reduce("compare", ["compare", "--d", "400"]) == ["compare", "--d", "100", "--trials", "2", "--n-test",
                                                           "1000", "--no-plot"]
