"""The ``onegrad`` command line.

Each subcommand lives in its own module in :mod:`validation.commands` and defines
``register(subparsers)``, which adds a parser whose default ``func(args) -> int`` runs it.

Exit statuses (``docs/cli.md``): 0 success; 1 a failed comparison or sweep task, or an internal
error (one line; ``ONEGRAD_TRACEBACK=1`` shows the traceback); 2 bad input, an unusable path, a
computation refused by a resource guard (one line on stderr, never a traceback); 130 interrupted
(Ctrl-C); 141 standard output closed early (``onegrad ... | head``: nothing more is printed).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import sys

__all__ = ["main", "build_parser", "emit", "status", "EXIT_BAD_INPUT", "EXIT_INTERRUPTED", "EXIT_BROKEN_PIPE"]

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
#: 128 + SIGPIPE: what a shell reports for a program stopped by a closed pipe.
EXIT_BROKEN_PIPE = 141


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (``prog: error: message``), exit 2."""

    def error(self, message):  # noqa: D102 - argparse's hook
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {' '.join(str(message).split())}\n")


def build_parser() -> argparse.ArgumentParser:
    from . import commands

    parser = _Parser(
        prog="onegrad",
        description="Deterministic equivalents for two-layer networks after one gradient step, and their Monte Carlo check.",
        epilog="Exit status: 0 ok; 1 a failed check or internal error; 2 bad input or refused by a resource guard; "
               "130 interrupted (docs/cli.md).",
    )
    parser.add_argument("--version", action="version", version="onegrad 0.1.0")
    _add_verbosity(parser, None)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{commands.__name__}.{info.name}")
        mod.register(sub)
    for p in sub.choices.values():  # -q/-v also after the subcommand (onegrad compare -q)
        _add_verbosity(p, argparse.SUPPRESS)
    return parser


def _add_verbosity(p, default) -> None:
    """``-q/--quiet`` and ``-v/--verbose`` (global options; a subcommand with its own ``-v`` keeps it)."""
    taken = set(p._option_string_actions)
    if "-q" not in taken:
        p.add_argument("-q", "--quiet", action="store_true", default=False if default is None else default,
                       help="no progress bar and no status lines on stderr (errors are still printed)")
    if "-v" not in taken:
        p.add_argument("-v", "--verbose", action="count", dest="verbosity", default=0 if default is None else default,
                       help="more on stderr: -v the library's log (info), -vv debug")


def emit(data, *, as_json: bool, text: str | None = None) -> None:
    """Print ``data`` as JSON (``as_json``) or ``text``."""
    from theory._result import to_jsonable

    if as_json:
        print(json.dumps(to_jsonable(data), indent=2))
    else:
        print(text if text is not None else data)


def status(command: str, message: str) -> None:
    """One line on stderr saying what a command that may take a while is doing (stdout stays clean; not with ``-q``)."""
    from .progress import is_quiet

    if not is_quiet():
        print(f"onegrad {command}: {message}", file=sys.stderr, flush=True)


def _logging(verbosity: int) -> None:
    """``-v``: the library's log records (``logging``) on stderr, info level; ``-vv`` debug."""
    if not verbosity:
        return
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("onegrad: %(levelname)s: %(name)s: %(message)s"))
    for name in ("validation", "theory"):
        log = logging.getLogger(name)
        log.setLevel(logging.DEBUG if verbosity > 1 else logging.INFO)
        if not any(getattr(h, "_onegrad", False) for h in log.handlers):
            handler._onegrad = True
            log.addHandler(handler)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _quiet_stdout() -> None:
    """After a closed pipe: send what is left of stdout to /dev/null, so the interpreter's final flush
    does not raise again (the recipe of the Python documentation, "Note on SIGPIPE")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _error(command: str, message: str, *, kind: str = "error: ") -> None:
    prog = f"onegrad {command}" if command else "onegrad"
    try:
        print(f"{prog}: {kind}{_one_line(message)}", file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def main(argv=None) -> int:
    """Run ``onegrad`` with ``argv`` (default ``sys.argv[1:]``) and return the exit status."""
    try:
        return _main(argv)
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        _error("", "interrupted", kind="")
        return EXIT_INTERRUPTED


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings from the library as one line each on stderr (``onegrad: warning: Category: message``)."""
    try:
        print(f"onegrad: warning: {category.__name__}: {_one_line(message)}", file=file or sys.stderr)
    except (OSError, ValueError):
        pass


def _linalg_error():
    import numpy as np

    return np.linalg.LinAlgError


def _suspects(args) -> str:
    """``"; check --lr 1e+300"``: the numeric flags whose size no computation in double precision survives."""
    out = []
    for name, value in sorted(vars(args).items()):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or name == "func":
            continue
        x = abs(float(value))
        if x > 1e100 or 0 < x < 1e-100:
            out.append(f"--{name.replace('_', '-')} {value:g}")
    return f"; check {', '.join(out)}" if out else ""


def _main(argv) -> int:
    import warnings

    with warnings.catch_warnings():  # restored when main returns (main may run inside a larger program)
        warnings.simplefilter("default")  # the program's policy: each warning once per place, one line each
        warnings.showwarning = _show_warning
        return _run(argv)


def _run(argv) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse printed one line (an error) or the help/version
        return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_BAD_INPUT
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    cmd = args.command
    from .progress import quiet

    _logging(getattr(args, "verbosity", 0))
    try:
        with quiet(bool(getattr(args, "quiet", False))):
            rc = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows up here, inside the handler
        return rc
    except BrokenPipeError:
        raise
    except KeyboardInterrupt:
        _error(cmd, "interrupted", kind="")
        return EXIT_INTERRUPTED
    except _linalg_error() as exc:  # LAPACK on non-finite data: usually an input too large for the arithmetic
        _error(cmd, f"linear algebra failed ({exc}); the numbers are probably not finite{_suspects(args)}")
        return EXIT_BAD_INPUT
    except (ValueError, TypeError, LookupError) as exc:
        # bad input, including validation.resources.ResourceError (a ValueError)
        _error(cmd, str(exc) or type(exc).__name__)
        return EXIT_BAD_INPUT
    except MemoryError as exc:
        _error(cmd, f"out of memory{': ' + str(exc) if str(exc) else ''}; use smaller sizes "
                    "(validation.resources estimates the peak before a simulation)")
        return EXIT_BAD_INPUT
    except ArithmeticError as exc:  # OverflowError, ZeroDivisionError, FloatingPointError
        _error(cmd, f"numerical {type(exc).__name__} ({exc}): an input is too large or too small for this "
                    f"computation{_suspects(args)}")
        return EXIT_BAD_INPUT
    except OSError as exc:  # a file or folder that cannot be read or written
        where = f" {exc.filename!r}" if getattr(exc, "filename", None) else ""
        _error(cmd, f"{exc.strerror or exc}{where}")
        return EXIT_BAD_INPUT
    except RecursionError as exc:
        _error(cmd, f"input too deeply nested ({exc})")
        return EXIT_BAD_INPUT
    except Exception as exc:  # a bug: one line, the traceback on request
        if os.environ.get("ONEGRAD_TRACEBACK"):
            raise
        _error(cmd, f"internal error {type(exc).__name__}: {exc} (set ONEGRAD_TRACEBACK=1 for the traceback; "
                    "please report it)")
        return 1
