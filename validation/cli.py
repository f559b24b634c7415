"""The ``onegrad`` command line.

Each subcommand lives in its own module in :mod:`validation.commands` and defines
``register(subparsers)``, which adds a parser whose default ``func(args) -> int`` runs it. Bad input
(``ValueError``/``TypeError``) becomes one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys

__all__ = ["main", "build_parser", "emit"]


def build_parser() -> argparse.ArgumentParser:
    from . import commands

    parser = argparse.ArgumentParser(
        prog="onegrad",
        description="Deterministic equivalents for two-layer networks after one gradient step, and their Monte Carlo check.",
    )
    parser.add_argument("--version", action="version", version="onegrad 0.1.0")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{commands.__name__}.{info.name}")
        mod.register(sub)
    return parser


def emit(data, *, as_json: bool, text: str | None = None) -> None:
    """Print ``data`` as JSON (``as_json``) or ``text``."""
    from theory._result import to_jsonable

    if as_json:
        print(json.dumps(to_jsonable(data), indent=2))
    else:
        print(text if text is not None else data)


class _Parser(argparse.ArgumentParser):
    pass


def main(argv=None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed one usage line
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except (ValueError, TypeError, FileNotFoundError, PermissionError) as exc:
        print(f"onegrad {args.command}: error: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover
        print("onegrad: interrupted", file=sys.stderr)
        return 130
