r"""Tables for people: the text the CLI prints for simulations, error floors and Hermite coefficients.

Rules (issue 17 item 5): every row is labelled by what it is (``test_error  n_ridge=400  lam=0.1``,
not ``test_error[1,0]``), every column has a header, no Python or numpy repr reaches the text, and
an interval for a positive quantity has positive ends.

**Intervals.** The summary of :func:`validation.stats.estimate` carries the Student-t interval
:math:`\bar y \pm t\,\mathrm{se}`, which can cross zero for a positive quantity measured on a few
trials. When every trial value of a quantity is positive, the table prints instead the log-normal
(delta-method) interval

.. math:: \bigl[\bar y\, e^{-t\,\mathrm{se}/\bar y},\ \bar y\, e^{t\,\mathrm{se}/\bar y}\bigr],
   \qquad t = t_{0.975,\,T-1},

the t-interval of :math:`\log \bar y` mapped back (its standard error :math:`\mathrm{se}/\bar y` by
the delta method): positive, the same width to first order in :math:`\mathrm{se}/\bar y`, longer on
the high side. Signed quantities keep the t-interval. The JSON output keeps the t-interval of the
summary (the comparison's verdicts use it).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["positive_interval", "setup_text", "simulation_table", "error_floor_lines", "hermite_lines",
           "RIDGE_KEYS"]

#: Simulator quantities indexed by (n_ridge, lam) (each axis present when that option was a list).
RIDGE_KEYS = ("train_error", "test_error", "test_risk", "test_error_sampling_se", "test_risk_sampling_se")


def positive_interval(mean, se, n: int, *, level: float = 0.95) -> tuple[float, float]:
    r"""The log-normal 95% interval :math:`\bar y\,e^{\pm t\,\mathrm{se}/\bar y}` of a positive mean.

    ``n`` is the number of trials (:math:`t = t_{(1+level)/2,\,n-1}`); with ``n < 2`` or a
    non-finite ``se`` there is no interval: ``(0, inf)``.

    >>> lo, hi = positive_interval(0.01, 0.006, 3)
    >>> 0 < lo < 0.01 < hi
    True
    """
    from scipy.special import stdtrit

    mean, se = float(mean), float(se)
    if not mean > 0:
        raise ValueError(f"mean must be positive for a log-normal interval; got {mean!r}")
    if n < 2 or not math.isfinite(se):
        return 0.0, math.inf
    t = float(stdtrit(n - 1, 0.5 + level / 2))
    f = math.exp(t * se / mean)
    return mean / f, mean * f


def setup_text(sizes: dict) -> str:
    """``{"d": 100, "width": 100}`` as ``d=100, width=100`` (numbers with ``:g``)."""
    return ", ".join(f"{k}={_num(v)}" for k, v in sizes.items())


def _num(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, float, np.integer, np.floating)):
        return f"{float(v):g}"
    if isinstance(v, (list, tuple, np.ndarray)):
        return ",".join(_num(x) for x in np.ravel(v))
    return str(v)


def _axes(settings: dict) -> list[tuple[str, list]]:
    """The (name, values) of the list-valued ridge options, in the order of the summary's axes."""
    out = []
    for name in ("n_ridge", "lam"):
        v = settings.get(name)
        if v is not None and np.ndim(v) > 0:
            out.append((name, [float(x) for x in np.ravel(v)]))
    return out


def _fixed(settings: dict) -> str:
    parts = [f"{name}={_num(settings[name])}" for name in ("n_ridge", "lam")
             if settings.get(name) is not None and np.ndim(settings[name]) == 0]
    return "  ".join(parts)


def _labels(key: str, shape: tuple, settings: dict) -> list[str]:
    """One label per entry of a quantity of ``shape`` (row-major)."""
    if not shape:
        fixed = _fixed(settings) if key in RIDGE_KEYS else ""
        return [f"{key}  {fixed}".rstrip()]
    if key in RIDGE_KEYS:
        axes = _axes(settings)
        if len(axes) == len(shape) and all(len(vals) == s for (_, vals), s in zip(axes, shape)):
            fixed = _fixed(settings)
            labels = []
            for idx in np.ndindex(*shape):
                parts = [f"{name}={vals[i]:g}" for (name, vals), i in zip(axes, idx)]
                labels.append("  ".join([key, *parts] + ([fixed] if fixed else [])))
            return labels
    if len(shape) == 1:  # ranked values (singular values, neurons): 1-based rank
        return [f"{key} #{j + 1}" for j in range(shape[0])]
    return [f"{key} ({', '.join(str(i + 1) for i in idx)})" for idx in np.ndindex(*shape)]


def simulation_table(sim, *, title: str) -> str:
    """The rows of ``onegrad simulate``: quantity (labelled), mean, se, 95% interval (see the module)."""
    rows = []
    for key, est in sim.summary.items():
        mean = np.asarray(est.mean, dtype=float)
        se = np.ravel(np.asarray(est.se, dtype=float))
        lo_t = np.ravel(np.asarray(est.ci_low, dtype=float))
        hi_t = np.ravel(np.asarray(est.ci_high, dtype=float))
        try:
            samples = np.asarray(sim.get(key), dtype=float).reshape(int(est.n), -1)
            positive = np.all(samples > 0, axis=0)
        except (KeyError, ValueError, TypeError):
            positive = np.zeros(mean.size, dtype=bool)
        for j, label in enumerate(_labels(key, mean.shape, sim.settings)):
            m = float(np.ravel(mean)[j])
            if positive[j] and m > 0:
                lo, hi = positive_interval(m, se[j], int(est.n))
                kind = "log-normal"
            else:
                lo, hi, kind = lo_t[j], hi_t[j], "t"
            rows.append((label, f"{m:.6g}", f"{se[j]:.3g}", f"[{lo:.6g}, {hi:.6g}]", kind))
    width = max([len("quantity")] + [len(r[0]) for r in rows])
    lines = [title,
             f"{'quantity':{width}s}  {'mean':>12s}  {'se':>10s}  {'95% interval':28s}  interval"]
    lines += [f"{a:{width}s}  {b:>12s}  {c:>10s}  {d:28s}  {e}" for a, b, c, d, e in rows]
    lines.append("# interval: 'log-normal' = mean*exp(+-t se/mean) when every trial value is positive, "
                 "'t' = mean +- t se (validation.tables)")
    return "\n".join(lines)


def error_floor_lines(rows) -> list[str]:
    """The error-floor table of ``onegrad giant-step``: setting, learned dimension, floor, error bound.

    ``rows``: dicts with ``label``, ``dim`` (``-1`` for a kernel, which learns no subspace),
    ``value`` and ``error_estimate``.
    """
    width = max([len("setting")] + [len(r["label"]) for r in rows])
    lines = [f"  {'setting':{width}s}  {'dim U':>6s}  {'error floor':>12s}  {'error bound':>11s}"]
    for r in rows:
        dim = "kernel" if int(r["dim"]) < 0 else str(int(r["dim"]))
        lines.append(f"  {r['label']:{width}s}  {dim:>6s}  {float(r['value']):12.6g}  "
                     f"{float(r.get('error_estimate', 0.0)):11.1e}")
    lines.append("  (dim U: dimension of the learned subspace; 'kernel': a kernel method, which learns none)")
    return lines


def hermite_lines(name: str, res, dps=None) -> list[str]:
    """The rows of ``onegrad hermite`` (numeric): the result's own table (:meth:`theory.HermiteResult.table`,
    ``dps`` digits for a high-precision result) under a title naming the function.

    ``dps`` is the precision the result was computed with (``res.dps``); it only decides the title.
    """
    digits = int(dps) if dps and getattr(res, "mp_values", None) else 17
    head = f"# Hermite coefficients of {name} in basis {res.basis!r} (method: {res.method})"
    if digits != 17:
        head += f", {digits} significant digits"
    return [head] + res.table().splitlines()[1:]
