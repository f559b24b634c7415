"""The results file of a sweep: an exclusive lock, a strict reader and an append-only writer.

Used by :mod:`validation.sweep`; the guarantees are stated in ``docs/sweep.md`` ("Results file").

* **Lock.** :class:`ResultsLock` holds an exclusive OS lock on a sidecar file ``<results>.lock``
  (``fcntl.flock`` on Linux and macOS, ``msvcrt.locking`` on Windows) for the whole run. The
  operating system releases it when the process ends, however it ends (``kill -9`` included), so
  a stale lock cannot block a later run. The sidecar stays on disk (removing it would let two
  processes lock two different files of the same name); it holds the pid of the last holder,
  which goes into the refusal message.
* **Reader.** :func:`read_results` accepts exactly what :class:`AppendWriter` writes: a header
  line, then one task record per line. Only an unterminated last line (a writer killed in the
  middle of its one ``write``) is tolerated and dropped; anything else that is not a record (a
  second header, a line that is not JSON, a record without a key) is an error naming the line.
* **Writer.** :class:`AppendWriter` opens the file with ``O_APPEND`` (never ``O_TRUNC``), writes
  each record as one complete line in one ``os.write`` and ``fsync``-s it before returning.
  The only bytes it ever removes are the unterminated last fragment that the reader dropped,
  and only while the lock is held and after checking that the file has not changed since it
  was read.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
import time
from pathlib import Path

from theory._result import to_jsonable

__all__ = ["SweepBusyError", "ResultsLock", "lock_path", "read_results", "AppendWriter", "check_output_path"]

log = logging.getLogger("validation.sweep")


class SweepBusyError(RuntimeError):
    """Another sweep holds the lock on this results file (raised when ``wait=False``)."""


# ----------------------------------------------------------------------------- output path
def check_output_path(path, *, name: str = "out") -> Path:
    """Check that ``path`` can be a results file, creating its directory if needed.

    A results file must be a regular file (or not exist yet) in a writable directory: it is
    appended to, ``fsync``-ed and locked, none of which works on ``/dev/null``, a pipe or a
    directory. ``name`` is the argument named in the messages (``"--out"`` in the CLI).
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{name}: {str(path)!r} is a directory; give a file name")
    if path.exists() and not path.is_file():
        raise ValueError(f"{name}: {str(path)!r} is not a regular file (a device, pipe or socket); "
                         f"a results file is appended to and locked, give a file name")
    parent = path.parent
    if not parent.exists():
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PermissionError(f"{name}: cannot create the directory {str(parent)!r}: {exc.strerror}") from None
    elif not parent.is_dir():
        raise ValueError(f"{name}: the results file's directory {str(parent)!r} is not a directory")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise PermissionError(f"{name}: {str(path)!r} is not writable")
    return path


# ----------------------------------------------------------------------------- lock
def lock_path(path) -> Path:
    """The sidecar lock file of a results file: ``<real path>.lock`` (symlinks resolved)."""
    real = Path(os.path.realpath(path))
    return real.with_name(real.name + ".lock")


class ResultsLock:
    """Exclusive lock on a results file for the duration of a ``with`` block.

    Parameters
    ----------
    path : path
        The results file (the lock itself is :func:`lock_path` ``(path)``).
    wait : bool
        ``False``: raise :class:`SweepBusyError` at once, naming the file and the holder's pid,
        when another process holds the lock. ``True``: wait until it is released.

    The lock is per open file, not per process: two sweeps in two threads of one process
    exclude each other as two processes do.
    """

    def __init__(self, path, *, wait: bool = False):
        self.path = Path(path)
        self.lock = lock_path(path)
        self.wait = bool(wait)
        self.fd = None

    def __enter__(self) -> "ResultsLock":
        try:
            fd = os.open(self.lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise PermissionError(f"cannot create the lock file {str(self.lock)!r} of the results file "
                                  f"{str(self.path)!r}: {exc.strerror}") from None
        try:
            if not _try_lock(fd):
                holder = _holder(fd)
                if not self.wait:
                    raise SweepBusyError(f"results file {str(self.path)!r} is in use by another sweep"
                                         f"{holder}; wait for it to finish or use --wait (wait=True)")
                log.warning("results file %s is in use by another sweep%s; waiting for it", self.path, holder)
                _wait_lock(fd)
            _write_holder(fd)
        except BaseException:
            os.close(fd)
            raise
        self.fd = fd
        return self

    def __exit__(self, *exc) -> None:
        fd, self.fd = self.fd, None
        if fd is not None:
            try:
                _unlock(fd)
            finally:
                os.close(fd)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # byte 0; released by Windows when the process ends
        except OSError:
            return False
        return True

    def _wait_lock(fd) -> None:
        while not _try_lock(fd):
            time.sleep(0.2)

    def _unlock(fd) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

    _PID_OFFSET = 16  # the locked byte 0 cannot be read by others on Windows
else:
    import fcntl

    def _try_lock(fd) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _wait_lock(fd) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)  # blocks; Ctrl-C still interrupts it (PEP 475)

    def _unlock(fd) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

    _PID_OFFSET = 0


def _write_holder(fd) -> None:
    info = f"{os.getpid()} {socket.gethostname()}\n".encode()
    os.lseek(fd, _PID_OFFSET, os.SEEK_SET)
    os.write(fd, info)
    os.ftruncate(fd, _PID_OFFSET + len(info))


def _holder(fd) -> str:
    """`` (pid N on HOST)`` from the lock file, or an empty string."""
    try:
        os.lseek(fd, _PID_OFFSET, os.SEEK_SET)
        parts = os.read(fd, 200).decode("ascii", "replace").split()
    except OSError:
        return ""
    if len(parts) >= 2 and parts[0].isdigit():
        return f" (pid {parts[0]} on {parts[1]})"
    return ""


# ----------------------------------------------------------------------------- reader
def read_results(path) -> tuple[dict | None, dict, int, int]:
    """Read a results file strictly.

    Returns ``(header, records by key, length of the valid prefix, file size)``; the last
    record of a key wins. The valid prefix ends before an unterminated last line, the only
    damage tolerated (logged and dropped: its task runs again). Raises ``ValueError`` naming the
    file and the line for a line that is not JSON, a second header, a record before the header
    or without a key, and a file that is not a sweep results file.
    """
    path = Path(path)
    if not path.exists():
        return None, {}, 0, 0
    data = path.read_bytes()
    size = len(data)
    body, sep, fragment = data.rpartition(b"\n")
    if not sep:  # no newline at all: the whole file is one unterminated fragment
        body, fragment = b"", data
    good = len(body) + len(sep)
    if fragment.strip():
        log.warning("%s: dropping an unterminated last line (%d bytes; a writer was interrupted)", path, len(fragment))
    elif fragment:
        good = size  # trailing spaces only: nothing to drop
    header, records = None, {}
    for i, raw in enumerate(body.split(b"\n") if body else [], start=1):
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ValueError(f"{path}: line {i} is not valid JSON (damaged, or not a sweep results file); "
                             f"the file was left as it is") from None
        if not isinstance(rec, dict) or rec.get("kind") not in ("header", "task"):
            raise ValueError(f"{path}: line {i} is not a sweep record; not a sweep results file?")
        if rec["kind"] == "header":
            if header is not None:
                raise ValueError(f"{path}: line {i} is a second header (the first is on line {header['_line']}); "
                                 f"the file was written by two runs at once; keep one part")
            if records:
                raise ValueError(f"{path}: line {i} is a header after task records; not a valid sweep results file")
            header = dict(rec, _line=i)
        else:
            if header is None:
                raise ValueError(f"{path}: line {i} is a task record before any header; not a sweep results file")
            if not isinstance(rec.get("key"), str):
                raise ValueError(f"{path}: line {i} is a task record without a key")
            records[rec["key"]] = rec
    if header is not None:
        header.pop("_line")
    return header, records, good, size


# ----------------------------------------------------------------------------- writer
class AppendWriter:
    """Append-only JSON-lines writer: one ``os.write`` of a complete line per record, then ``fsync``.

    ``keep_bytes`` and ``expected_size`` come from :func:`read_results` under the same lock: the
    unterminated fragment past ``keep_bytes`` is removed, after checking that the file still has
    ``expected_size`` bytes and that the fragment holds no complete line.
    """

    def __init__(self, path, keep_bytes: int, expected_size: int):
        self.path = Path(path)
        created = not self.path.exists()
        try:
            self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        except OSError as exc:
            raise PermissionError(f"cannot open the results file {str(self.path)!r} for appending: {exc.strerror}") from None
        try:
            size = os.fstat(self.fd).st_size
            if size != expected_size:
                raise RuntimeError(f"results file {str(self.path)!r} changed while it was being read "
                                   f"({expected_size} -> {size} bytes): is a process writing it without the lock?")
            if size > keep_bytes:
                with open(self.path, "rb") as fh:
                    fh.seek(keep_bytes)
                    tail = fh.read()
                if b"\n" in tail:  # never remove a complete line
                    raise RuntimeError(f"results file {str(self.path)!r}: refusing to cut {size - keep_bytes} bytes "
                                       f"that hold a complete line")
                os.ftruncate(self.fd, keep_bytes)
        except BaseException:
            os.close(self.fd)
            raise
        if created:
            _fsync_dir(self.path.parent)

    def write(self, rec: dict) -> None:
        line = (json.dumps(to_jsonable(rec), separators=(",", ":"), allow_nan=False) + "\n").encode()
        view = memoryview(line)
        while view:  # one call for a regular file; a short write (disk full) is continued, not lost
            view = view[os.write(self.fd, view):]
        os.fsync(self.fd)

    def close(self) -> None:
        os.close(self.fd)


def _fsync_dir(directory: Path) -> None:
    """Make a new file's directory entry durable (POSIX; a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
