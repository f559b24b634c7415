"""Checks shared by the subcommands: integer sizes, output paths (before any work), caps on work.

Every check raises ``ValueError`` naming the flag (one line, exit status 2 in :func:`validation.cli.main`)
or, as an argparse ``type=``, ``argparse.ArgumentTypeError`` (the same one line from the parser).
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
from pathlib import Path

__all__ = ["positive_int", "nonnegative_int", "integer_size", "check_output_dir", "check_output_file", "check_cap"]


#: Largest size a flag accepts: far beyond any machine (a 10^12 x 1 float64 array is 8 TB).
MAX_SIZE = 10**12


def _as_integer(text: str, *, minimum: int) -> int:
    """``text`` as an integer (``"2000"``, ``"2e3"`` and ``"2000.0"`` are 2000); ValueError otherwise."""
    s = str(text).strip()
    try:
        return_value = int(s)
    except ValueError:
        x = float(s)  # ValueError for non-numbers
        if not math.isfinite(x) or x != math.floor(x):
            raise ValueError(s) from None
        return_value = int(x)
    if return_value < minimum or return_value > MAX_SIZE:
        raise ValueError(s)
    return return_value


def positive_int(text: str) -> int:
    """argparse ``type=``: an integer >= 1 (``2.5`` is refused, not rounded)."""
    try:
        return _as_integer(text, minimum=1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer (at most {MAX_SIZE:.0e}); got {text!r}") from None


def nonnegative_int(text: str) -> int:
    """argparse ``type=``: an integer >= 0."""
    try:
        return _as_integer(text, minimum=0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0 (at most {MAX_SIZE:.0e}); got {text!r}") from None


def integer_size(value: float, flag: str) -> int:
    """``value`` (a size computed from the flags, e.g. a ratio times ``--d``) as an integer, or a ValueError
    naming ``flag``: a simulation cannot have 37.5 neurons, and rounding would silently change the experiment."""
    x = float(value)
    if not math.isfinite(x) or x < 1 or x > MAX_SIZE:
        raise ValueError(f"{flag} must give a positive integer size (at most {MAX_SIZE:.0e}); got {value!r}")
    r = round(x)
    if abs(x - r) > 1e-9 * max(1.0, abs(x)):
        raise ValueError(f"{flag} must give an integer size; got {x:g} (sizes are not rounded)")
    return int(r)


def _probe_dir(folder: Path, flag: str) -> None:
    """Create ``folder`` (and its parents) and a scratch file in it, so an unwritable place fails now."""
    for parent in [folder, *folder.parents]:
        if parent.exists() and not parent.is_dir():
            raise ValueError(f"{flag}: {str(parent)!r} is a file, not a folder")
        if parent.exists():
            break
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".onegrad-probe-", dir=folder)
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        raise ValueError(f"{flag}: cannot write in {str(folder)!r} ({exc.strerror or exc})") from None


def check_output_dir(path, flag: str) -> Path:
    """The output folder ``path``, created if needed and checked writable before any work."""
    p = Path(os.fspath(path)).expanduser()
    if str(p) == "":
        raise ValueError(f"{flag} must name a folder")
    if p.exists() and not p.is_dir():
        raise ValueError(f"{flag}: {str(p)!r} exists and is not a folder")
    _probe_dir(p, flag)
    return p


def check_output_file(path, flag: str) -> Path:
    """The output file ``path``: not a folder, in a writable folder (created if needed), checked before any work."""
    p = Path(os.fspath(path)).expanduser()
    if str(p) in ("", ".") or p.is_dir():
        raise ValueError(f"{flag}: {str(p)!r} is a folder; give a file name")
    if p.exists() and not os.path.isfile(p):
        raise ValueError(f"{flag}: {str(p)!r} is not a regular file")
    if p.exists() and not os.access(p, os.W_OK):
        raise ValueError(f"{flag}: cannot write {str(p)!r} (permission denied)")
    _probe_dir(p.parent if str(p.parent) else Path("."), flag)
    return p


def check_cap(value, limit, flag: str, reason: str):
    """``value`` if it is at most ``limit``, else a ValueError that names ``flag``, the limit and why."""
    if value is not None and value > limit:
        raise ValueError(f"{flag} must be <= {limit:g}: {reason}; got {value:g}")
    return value
