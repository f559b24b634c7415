"""Base class of the frozen result dataclasses: JSON-ready ``to_dict``."""

from __future__ import annotations

import dataclasses
import math
import numbers

import numpy as np

__all__ = ["Result", "to_jsonable"]


def to_jsonable(obj):
    """Convert dataclasses, numpy arrays and scalars, tuples and dicts into JSON-ready objects.

    Non-finite floats become the strings ``"nan"``, ``"inf"``, ``"-inf"`` so that the output is
    strict JSON.

    >>> to_jsonable({"a": np.arange(3), "b": (np.float64(0.5), float("inf"))})
    {'a': [0, 1, 2], 'b': [0.5, 'inf']}
    >>> to_jsonable(np.array(2.5)), to_jsonable(np.array(np.nan))
    (2.5, 'nan')
    """
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        if hasattr(obj, "to_dict"):
            return obj.to_dict()
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, np.ndarray):
        if obj.ndim == 0:  # a 0-d array is a scalar (tolist() would not give a list)
            return to_jsonable(obj.item())
        return [to_jsonable(x) for x in obj.tolist()] if obj.dtype.kind in "fc" else obj.tolist()
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        x = float(obj)
        if math.isfinite(x):
            return x
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    if isinstance(obj, complex):
        return {"real": to_jsonable(obj.real), "imag": to_jsonable(obj.imag)}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(x) for x in obj]
    if isinstance(obj, numbers.Number) or obj is None or isinstance(obj, str):
        return obj
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    name = getattr(obj, "name", None)
    if isinstance(name, str):
        return name
    return repr(obj)


class Result:
    """Mixin for frozen result dataclasses: ``to_dict()`` gives a JSON-ready dictionary."""

    def to_dict(self) -> dict:
        """Return the fields as a JSON-ready dictionary (arrays become lists)."""
        return {f.name: to_jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}
