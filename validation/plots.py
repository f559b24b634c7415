"""Optional plots (the ``plot`` extra). matplotlib is imported lazily, inside each function.

Every function takes ``ax=None`` (a new figure is made when it is ``None``) and returns the
artists it drew, so callers can restyle them.
"""

from __future__ import annotations

__all__ = ["pyplot", "get_axes"]


def pyplot():
    """Import and return ``matplotlib.pyplot`` with a non-interactive backend, or raise a clear error."""
    try:
        import matplotlib

        if matplotlib.get_backend().lower() not in ("agg", "pdf", "svg", "ps", "cairo", "module://matplotlib_inline.backend_inline"):
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("plotting needs matplotlib: pip install 'onegrad[plot]'") from exc
    return plt


def get_axes(ax=None):
    """Return ``ax``, or the axes of a new figure when ``ax`` is ``None``."""
    if ax is not None:
        return ax
    plt = pyplot()
    _, ax = plt.subplots(figsize=(5.5, 4.0), constrained_layout=True)
    return ax
