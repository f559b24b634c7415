"""Base class of the frozen result dataclasses: one interface for every result of the library.

Every result (``theory.hermite_coefficients(...)``, ``theory.risk(...)``, ``setup.spikes()``,
``validation.simulate(...)``, ...) is a frozen dataclass deriving from :class:`Result`, and so has

* ``to_dict()`` -- a JSON-ready dictionary (arrays become lists, non-finite floats strings);
* a short ``repr`` -- one line per result, arrays summarised by shape and end values;
* ``table()`` -- the text table the command line prints (results override it where the CLI has
  its own layout);
* ``to_frame()`` -- a :class:`pandas.DataFrame` (pandas is imported only then);
* ``_repr_html_()`` -- the same table as HTML, shown by Jupyter.

Results that are computed for a setup carry it (a ``setup`` field), so that tables and plots can
state the units they are in (``docs/architecture.md``).
"""

from __future__ import annotations

import dataclasses
import html
import math
import numbers

import numpy as np

__all__ = ["Result", "setup_field", "short", "to_jsonable"]


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


# ------------------------------------------------------------------------------ short text
_FIELD_VALUE = ["field", "value"]  # headers of the table of a result without columns
_EDGE = 3  # arrays and sequences longer than 2 * _EDGE show their first and last _EDGE items
_MAX_STR = 60


def _fmt_number(x) -> str:
    if isinstance(x, str):
        return repr(x)
    if not isinstance(x, (numbers.Number, np.number, np.bool_)):
        return short(x)
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (numbers.Integral, np.integer)):
        return str(int(x))
    if isinstance(x, complex):
        return repr(x)
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.6g}"


def short(value, depth: int = 0) -> str:
    """A short, one-line text for ``value``: numbers to 6 significant digits, arrays by shape and end values.

    >>> short(np.arange(10.0))
    'array(10) [0, 1, 2, ..., 7, 8, 9]'
    >>> short({"a": 0.1234567, "b": (1, 2)})
    "{'a': 0.123457, 'b': (1, 2)}"
    """
    if isinstance(value, Result):
        return value._short_repr(depth + 1)
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return _fmt_number(value.item()) if value.dtype.kind in "biufc" else repr(value.item())
        flat = value.ravel()
        if value.dtype.kind not in "biufcUSO":
            return f"array{value.shape}"
        shape = str(value.shape[0]) if value.ndim == 1 else "x".join(map(str, value.shape))
        if flat.size <= 2 * _EDGE:
            body = ", ".join(_fmt_number(v) for v in flat.tolist())
        else:
            body = ", ".join(_fmt_number(v) for v in flat[:_EDGE].tolist()) + ", ..., " + ", ".join(
                _fmt_number(v) for v in flat[-_EDGE:].tolist())
        return f"array({shape}) [{body}]"
    if isinstance(value, (bool, np.bool_, numbers.Number)):
        return _fmt_number(value)
    if isinstance(value, str):
        text = value if len(value) <= _MAX_STR else value[: _MAX_STR - 3] + "..."
        return repr(text)
    if isinstance(value, (list, tuple)):
        open_, close = ("(", ")") if isinstance(value, tuple) else ("[", "]")
        items = list(value)
        if len(items) > 2 * _EDGE:
            parts = [short(v, depth) for v in items[:_EDGE]] + [f"... {len(items) - 2 * _EDGE} more"] + [
                short(v, depth) for v in items[-_EDGE:]]
        else:
            parts = [short(v, depth) for v in items]
        tail = "," if isinstance(value, tuple) and len(items) == 1 else ""
        return open_ + ", ".join(parts) + tail + close
    if isinstance(value, dict):
        if len(value) > 2 * _EDGE:
            return f"{{... {len(value)} entries}}"
        return "{" + ", ".join(f"{k!r}: {short(v, depth)}" for k, v in value.items()) + "}"
    text = repr(value)
    return text if len(text) <= _MAX_STR else text[: _MAX_STR - 3] + "..."


def _is_scalar(value) -> bool:
    return isinstance(value, (str, bool, np.bool_, numbers.Number)) or value is None or (
        isinstance(value, np.ndarray) and value.ndim == 0)


def _is_column(value) -> bool:
    """A one-dimensional array or sequence of numbers or strings (a column of a table)."""
    if isinstance(value, np.ndarray):
        return value.ndim == 1 and value.dtype.kind in "biufUSO" and all(_is_scalar(v) for v in value.tolist())
    if isinstance(value, (list, tuple)) and value:
        return all(isinstance(v, (str, numbers.Real, np.integer, np.floating, np.bool_)) for v in value)
    return False


def _item(x):
    """A numpy scalar as the Python scalar (strings and Python numbers unchanged)."""
    return x.item() if isinstance(x, (np.generic, np.ndarray)) else x


def _is_result_rows(value) -> bool:
    """A non-empty tuple or list of results of one type (for instance the spikes of a spectrum)."""
    return (isinstance(value, (list, tuple)) and len(value) > 0 and isinstance(value[0], Result)
            and all(type(v) is type(value[0]) for v in value))


def _cell(value) -> str:
    if isinstance(value, (bool, np.bool_, numbers.Number)):
        return _fmt_number(value)
    if isinstance(value, str):
        return value
    return short(value)


def _render_text(headers, rows, notes) -> str:
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    # columns of numbers are right-aligned, any other column left-aligned
    text = [not all(isinstance(row[i], (numbers.Number, np.number, np.bool_)) for row in rows) for i in range(len(headers))]
    just = [(lambda c, w: c.ljust(w)) if t else (lambda c, w: c.rjust(w)) for t in text]
    lines = [f"# {k}: {_cell(v)}" for k, v in notes]
    lines.append("  ".join(j(h, w) for h, w, j in zip(headers, widths, just)).rstrip())
    lines.extend("  ".join(j(c, w) for c, w, j in zip(r, widths, just)).rstrip() for r in cells)
    return "\n".join(lines)


def _render_html(title, headers, rows, notes) -> str:
    esc = html.escape
    out = [f"<table><caption>{esc(title)}</caption>"]
    for k, v in notes:
        out.append(f"<tr><th colspan=\"{len(headers)}\" style=\"text-align:left\">{esc(k)}: {esc(_cell(v))}</th></tr>")
    out.append("<tr>" + "".join(f"<th>{esc(h)}</th>" for h in headers) + "</tr>")
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{esc(_cell(v))}</td>" for v in row) + "</tr>")
    out.append("</table>")
    return "".join(out)


def setup_field():
    """The ``setup`` field of a result computed for a :class:`theory.OneStep`: carried (``result.setup``) so
    that tables and plots know the units, left out of ``repr``, equality and ``to_dict`` (whose callers
    record the setup once, next to the results)."""
    return dataclasses.field(default=None, repr=False, compare=False, metadata={"to_dict": False})


def _pandas():
    try:
        import pandas
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "to_frame() needs the optional package 'pandas', which is not installed: pip install pandas"
        ) from None
    return pandas


class Result:
    """Base of the frozen result dataclasses: ``to_dict``, a short ``repr``, ``table``, ``to_frame``.

    Subclasses are ``@dataclass(frozen=True)`` classes. The generic ``repr``, table and frame are
    built from the fields: one-dimensional numeric fields of the most common length become the
    columns of the table (the others are listed above it), and a result without such fields is
    a two-column table of its fields. Override :meth:`table_data` to choose the columns, or
    :meth:`table` for a different layout (``validation.Comparison`` does).
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # put the inherited __repr__ (ours, or one written in a parent's body) into the class itself, so that
        # @dataclass, which runs afterwards and adds its long __repr__ only where the class has none, keeps it;
        # a __repr__ written in the class body wins
        if "__repr__" not in cls.__dict__:
            cls.__repr__ = next(k.__dict__["__repr__"] for k in cls.__mro__[1:] if "__repr__" in k.__dict__)

    # ------------------------------------------------------------------ data
    def _fields(self):
        return [(f.name, getattr(self, f.name)) for f in dataclasses.fields(self) if f.repr]

    def to_dict(self) -> dict:
        """Return the fields as a JSON-ready dictionary (arrays become lists; the carried setup is left out)."""
        return {f.name: to_jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)
                if f.metadata.get("to_dict", True)}

    # ------------------------------------------------------------------ text
    def _short_repr(self, depth: int = 0) -> str:
        name = type(self).__name__
        if depth > 2:
            return f"{name}(...)"
        return name + "(" + ", ".join(f"{k}={short(v, depth)}" for k, v in self._fields()) + ")"

    def __repr__(self) -> str:
        return self._short_repr()

    __repr__._result_generic = True

    def table_data(self):
        """``(headers, rows, notes)`` of :meth:`table`: column names, rows of values, ``(name, value)`` notes.

        The default: a field holding a tuple of results of one type gives one row per item (their
        scalar fields are the columns), a dictionary of results one row per key; otherwise the one-dimensional fields of the most common
        length (at least 2) are the columns; every other field is a note. With neither, the rows are
        ``(field, value)`` pairs.
        """
        fields = self._fields()
        for name, value in fields:
            if _is_result_rows(value):  # e.g. the spikes of a SpikeSpectrum: one row each, their scalar fields
                sub = [k for k, v in value[0]._fields() if _is_scalar(v)]
                rows = [[getattr(item, k) for k in sub] for item in value]
                return sub, rows, [(k, v) for k, v in fields if k != name]
        for name, value in fields:
            if isinstance(value, dict) and _is_result_rows(list(value.values())):
                # e.g. the summary of a SimulationResult: one row per quantity, named in the first column
                first = next(iter(value.values()))
                sub = [k for k, _ in first._fields()]
                rows = [[key] + [getattr(item, k) for k in sub] for key, item in value.items()]
                return ["quantity"] + sub, rows, [(k, v) for k, v in fields if k != name]
        lengths = [len(v) for _, v in fields if _is_column(v) and len(v) > 1]
        if lengths:
            n = max(set(lengths), key=lambda m: (lengths.count(m), m))
            cols = [(k, v) for k, v in fields if _is_column(v) and len(v) == n]
            notes = [(k, v) for k, v in fields if not (_is_column(v) and len(v) == n)]
            rows = [[_item(v[i]) for _, v in cols] for i in range(n)]
            return [k for k, _ in cols], rows, notes
        return list(_FIELD_VALUE), [[k, v] for k, v in fields], []

    def table(self) -> str:
        """The result as a text table (what the command line prints)."""
        headers, rows, notes = self.table_data()
        return _render_text(headers, rows, notes)

    def _repr_html_(self) -> str:
        """The table as HTML, for Jupyter."""
        headers, rows, notes = self.table_data()
        return _render_html(type(self).__name__, headers, rows, notes)

    def to_frame(self):
        """The table as a :class:`pandas.DataFrame`; the notes go to ``DataFrame.attrs``.

        Raises ImportError naming the ``pandas`` package when it is not installed.
        """
        pd = _pandas()
        headers, rows, notes = self.table_data()
        if headers == _FIELD_VALUE:  # a result of scalars: one row, one column per field
            frame = pd.DataFrame([{k: v for k, v in rows}])
        else:
            frame = pd.DataFrame(rows, columns=headers)
        frame.attrs.update({k: to_jsonable(v) for k, v in notes})
        return frame
