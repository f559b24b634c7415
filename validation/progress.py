"""Progress bars for long work: on stderr, only on a terminal, never on standard output.

Every long-running entry point (:func:`validation.simulate`, :func:`validation.compare`,
:func:`validation.reproduce.reproduce`, :func:`validation.sweep.run_sweep`) takes a ``progress``
keyword read by :func:`tracker`:

* ``False`` or ``None``: nothing is shown;
* ``True``: a tqdm bar on stderr when stderr is a terminal and the command line was not given
  ``-q`` (:func:`quiet`); nothing otherwise (a pipe, a log file, a test);
* ``"always"``: the bar even when stderr is not a terminal (``onegrad sweep --progress``);
* a callable: called as ``progress(done, total)`` after each unit of work (a caller that keeps its
  own bar, e.g. :func:`validation.compare` counting the trials of several simulations).

Work done in worker threads, worker processes or on a dask cluster is counted by the parent as
the results arrive, so one bar in the parent process covers it all.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import sys
import threading

__all__ = ["tracker", "progress_bar", "quiet", "is_quiet", "NoBar"]

_QUIET = contextvars.ContextVar("onegrad_progress_quiet", default=False)


def is_quiet() -> bool:
    """Whether progress bars are switched off (``onegrad -q``)."""
    return _QUIET.get()


@contextlib.contextmanager
def quiet(flag: bool = True):
    """Within the block, ``progress=True`` shows nothing (the command line's ``-q``)."""
    token = _QUIET.set(bool(flag))
    try:
        yield
    finally:
        _QUIET.reset(token)


class NoBar:
    """A progress bar that shows nothing (the same ``update``/``close`` as tqdm's)."""

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Callback(NoBar):
    """Reports ``progress(done, total)`` after each update (thread-safe count)."""

    def __init__(self, fn, total: int):
        self._fn, self._total, self._done = fn, int(total), 0
        self._lock = threading.Lock()

    def update(self, n: int = 1) -> None:
        with self._lock:
            self._done += n
            done = self._done
        self._fn(done, self._total)


def _stderr_is_terminal() -> bool:
    try:
        return bool(sys.stderr.isatty())
    except (AttributeError, ValueError):  # replaced or closed stderr
        return False


def progress_bar(total: int, desc: str, *, unit: str = "it", always: bool = False):
    """A tqdm bar of ``total`` steps on stderr, or a :class:`NoBar`.

    The bar is shown when stderr is a terminal and :func:`is_quiet` is false, or when ``always``.
    It is drawn at once (0 of ``total``); on a terminal it is removed when closed, elsewhere
    (``always``, e.g. a log file) its last state stays.
    """
    if total <= 0 or not (always or (_stderr_is_terminal() and not is_quiet())):
        return NoBar()
    from tqdm import tqdm

    # A terminal that reports no size (a bare pseudo-terminal, some CI runners) gets no bar at all
    # from tqdm (it reads -1 rows and -1 columns): give it a fixed 80 x 24 instead.
    try:
        size = os.get_terminal_size(sys.stderr.fileno())
        sized = size.columns > 0 and size.lines > 0
    except (OSError, ValueError, AttributeError):
        sized = False
    return tqdm(total=int(total), desc=desc, unit=unit, file=sys.stderr, leave=always, mininterval=0.2,
                **({"dynamic_ncols": True} if sized else {"ncols": 80, "nrows": 24}))


def tracker(progress, total: int, desc: str, *, unit: str = "it"):
    """The bar that a ``progress`` keyword asks for (see the module docstring): tqdm, callback or none."""
    if callable(progress):
        return _Callback(progress, total)
    if progress is None or progress is False:
        return NoBar()
    if progress is True:
        return progress_bar(total, desc, unit=unit)
    if progress == "always":
        return progress_bar(total, desc, unit=unit, always=True)
    raise ValueError(f"progress must be True, False, None, 'always' or a callable(done, total); got {progress!r}")
