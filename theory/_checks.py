"""Argument checking shared by every module.

Every public function validates its input with these helpers, so that bad input
raises a :class:`ValueError` or :class:`TypeError` that names the argument and the
allowed values, instead of a deep numpy traceback or a NaN result.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Iterable

import numpy as np

__all__ = [
    "check_choice",
    "check_finite",
    "check_integer",
    "check_positive",
    "check_nonnegative",
    "check_in_interval",
    "check_array",
    "suggest",
]


def suggest(name: str, choices: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest choice, or ``""``."""
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_choice(value, choices, name: str):
    """Return ``value`` if it is one of ``choices``, else raise a ValueError with a suggestion."""
    choices = tuple(choices)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {', '.join(map(repr, choices))}; got {type(value).__name__}")
    if value not in choices:
        raise ValueError(
            f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}{suggest(value, choices)}"
        )
    return value


def _as_real(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        if isinstance(value, np.ndarray) and value.ndim == 0 and np.isrealobj(value):
            return float(value)
        raise TypeError(f"{name} must be a real number; got {type(value).__name__}")
    return float(value)


def check_finite(value, name: str) -> float:
    """Return ``float(value)``; raise if it is not a finite real number."""
    x = _as_real(value, name)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite; got {x}")
    return x


def check_positive(value, name: str, *, allow_inf: bool = False) -> float:
    """Return ``float(value)``; raise unless ``value > 0`` (finite unless ``allow_inf``)."""
    x = _as_real(value, name)
    if math.isnan(x) or x <= 0 or (math.isinf(x) and not allow_inf):
        raise ValueError(f"{name} must be a positive{'' if allow_inf else ' finite'} number; got {value!r}")
    return x


def check_nonnegative(value, name: str) -> float:
    """Return ``float(value)``; raise unless ``0 <= value < inf``."""
    x = _as_real(value, name)
    if not math.isfinite(x) or x < 0:
        raise ValueError(f"{name} must be a finite number >= 0; got {value!r}")
    return x


def check_in_interval(value, name: str, low: float, high: float, *, closed: str = "both") -> float:
    """Return ``float(value)``; raise unless it lies in the interval given by ``closed``.

    ``closed`` is one of ``"both"``, ``"left"``, ``"right"``, ``"neither"``.
    """
    x = _as_real(value, name)
    lo_ok = x >= low if closed in ("both", "left") else x > low
    hi_ok = x <= high if closed in ("both", "right") else x < high
    if math.isnan(x) or not (lo_ok and hi_ok):
        lb = "[" if closed in ("both", "left") else "("
        rb = "]" if closed in ("both", "right") else ")"
        raise ValueError(f"{name} must lie in {lb}{low}, {high}{rb}; got {value!r}")
    return x


def check_integer(value, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``int(value)``; raise unless it is an integer (a float with integer value is accepted)."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an integer; got bool")
    if isinstance(value, (numbers.Integral, np.integer)):
        k = int(value)
    elif isinstance(value, (numbers.Real, np.floating)) and math.isfinite(float(value)) and float(value).is_integer():
        k = int(value)
    else:
        raise TypeError(f"{name} must be an integer; got {value!r}")
    if minimum is not None and k < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {k}")
    if maximum is not None and k > maximum:
        raise ValueError(f"{name} must be an integer <= {maximum}; got {k}")
    return k


def check_array(value, name: str, *, positive: bool = False, nonnegative: bool = False, ndim_max: int = 1) -> np.ndarray:
    """Return ``value`` as a finite float array (scalars give 0-d arrays); raise on NaN/inf or sign errors."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number or an array of real numbers; got {type(value).__name__}") from None
    if arr.ndim > ndim_max:
        raise ValueError(f"{name} must have at most {ndim_max} dimension(s); got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite; got {_numbers(arr)}")
    if positive and np.any(arr <= 0):
        raise ValueError(f"{name} must be > 0; got {_numbers(arr)}")
    if nonnegative and np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0; got {_numbers(arr)}")
    return arr


def _numbers(arr: np.ndarray, most: int = 6) -> str:
    """The values of ``arr`` for a message: ``-1`` or ``-1, 0.1, 2`` (no numpy repr; at most ``most`` shown)."""
    flat = np.ravel(arr)
    text = ", ".join(f"{float(v):g}" for v in flat[:most])
    return text + (f", ... ({flat.size} values)" if flat.size > most else "")
