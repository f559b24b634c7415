r"""Theory against simulation: the same quantities side by side, with intervals and a verdict.

:func:`compare` runs :func:`validation.simulate` on a :class:`theory.OneStep` experiment and
evaluates the theory of every requested quantity that applies to the regime:

=================  ==========================================  ======================================
quantity group     theory                                      simulation (``SimulationResult.summary``)
=================  ==========================================  ======================================
``overlap``        ``setup.learned_overlap()``                 :math:`\cos(\beta,\beta_*)`, :math:`|\beta|^2`,
                   (``notes/spikes.md`` B.4, B.5)              :math:`\beta = X^\top r/n`
``weight_spike``   ``setup.weight_spike()`` (Ba et al.,        top singular value of :math:`W_1` and the
                   ``notes/spikes.md`` A.5)                    squared overlaps of its singular vectors
``spikes``         ``setup.spikes()`` (Moniri et al.,          top singular values of :math:`F/\sqrt n`
                   ``notes/spikes.md`` B.8)
``errors``         ``theory.risk(setup, n_ridge, lam)``        train error, test error (label noise
                   (``notes/risk.md``)                         included as ``theory.risk`` states)
=================  ==========================================  ======================================

A quantity whose theory does not apply to the regime (or does not exist in this installation) is
**skipped with the reason**; no value is ever made up.

Verdict (``notes/simulation.md`` §4). With the simulated 95% interval :math:`[l, h]` of the
trial mean and the theory value :math:`t`, the gap to the interval is
:math:`g = \max(0, l - t, t - h)`. The quantity **agrees** if :math:`g = 0` (theory inside the
interval) or :math:`g \le \epsilon|t|`, where :math:`\epsilon` is the stated relative finite-size
tolerance; otherwise it **disagrees**. The default tolerance is
:math:`\epsilon = C_q/\sqrt d`, the :math:`O(d^{-1/2})` finite-size rate of the notes, with a
constant :math:`C_q` per quantity (:data:`TOLERANCE_CONSTANTS`, measured in ``docs/compare.md``).
With ``sizes``, the comparison is repeated at several dimensions with all ratios fixed and the
simulated values are extrapolated to :math:`d\to\infty` by
:math:`y(d) = y_\infty + b\,d^{-1/2}` (weighted least squares, :func:`validation.stats.extrapolate`);
the extrapolated :math:`y_\infty` gets its own verdict (inside its 95% interval, no tolerance).

>>> agreement(1.0, 0.98, 0.99, 1.01, tolerance=0.0)
('agrees', 'theory inside the 95% interval')
>>> agreement(1.0, 0.9, 0.92, 0.94, tolerance=0.1)
('agrees', 'within the finite-size tolerance')
>>> agreement(1.0, 0.9, 0.92, 0.94, tolerance=0.05)
('disagrees', 'outside the interval and the tolerance')
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from theory._checks import check_nonnegative, suggest
from theory._result import Result, to_jsonable

from .seeding import as_seed_sequence, seed_record, task_sequence

__all__ = [
    "QUANTITY_GROUPS",
    "TOLERANCE_CONSTANTS",
    "Row",
    "Comparison",
    "agreement",
    "compare",
]

QUANTITY_GROUPS = ("overlap", "weight_spike", "spikes", "errors")

#: Relative finite-size tolerance constants :math:`C_q` (tolerance = C_q / sqrt(d)); see docs/compare.md.
TOLERANCE_CONSTANTS = {"overlap": 1.0, "weight_spike": 2.0, "spikes": 2.0, "errors": 2.0}


def agreement(theory: float, mean: float, ci_low: float, ci_high: float, *, tolerance: float) -> tuple[str, str]:
    """Verdict of one quantity: ``("agrees" | "disagrees", basis)``.

    Agrees when the theory lies in ``[ci_low, ci_high]`` or its distance to that interval is at
    most ``tolerance * |theory|`` (module docstring). Non-finite inputs give ``"disagrees"``.
    """
    vals = (theory, mean, ci_low, ci_high)
    if not all(math.isfinite(float(v)) for v in vals):
        return "disagrees", "non-finite theory or simulation"
    gap = max(0.0, ci_low - theory, theory - ci_high)
    if gap == 0.0:
        return "agrees", "theory inside the 95% interval"
    if gap <= tolerance * abs(theory):
        return "agrees", "within the finite-size tolerance"
    return "disagrees", "outside the interval and the tolerance"


@dataclass(frozen=True)
class Row(Result):
    """One compared quantity.

    ``theory`` and ``simulation`` (a ``validation.stats.Estimate`` over trials) are ``None`` for a
    skipped quantity, whose ``reason`` says why. ``rel_gap`` is ``(mean - theory)/|theory|``;
    ``tolerance`` the relative finite-size tolerance used; ``extrapolation`` (with ``sizes``) holds
    the per-size means, standard errors and gaps, the extrapolated limit and its verdict.
    """

    name: str
    group: str
    description: str
    theory: float | None = None
    simulation: object = None
    rel_gap: float | None = None
    tolerance: float | None = None
    verdict: str = "skipped"
    basis: str = ""
    reason: str = ""
    theory_source: str = ""
    extrapolation: dict | None = None


@dataclass(frozen=True)
class Comparison(Result):
    """Theory against simulation for one experiment (:func:`compare`).

    ``rows`` is a tuple of :class:`Row`; ``simulation_seed`` the seed record of the main run;
    ``sizes`` the dimensions of the extrapolation (empty without one).
    """

    setup: object
    n_ridge: object
    lam: object
    trials: int
    rows: tuple
    simulation_seed: dict
    sizes: tuple = ()
    elapsed_s: float = 0.0
    settings: dict = field(default_factory=dict)

    @property
    def compared(self) -> tuple:
        """The rows that were compared (not skipped)."""
        return tuple(r for r in self.rows if r.verdict != "skipped")

    @property
    def all_agree(self) -> bool:
        """True when every compared quantity agrees (and at least one was compared)."""
        return bool(self.compared) and all(r.verdict == "agrees" for r in self.compared)

    def row(self, name: str) -> Row:
        """The row called ``name``."""
        for r in self.rows:
            if r.name == name:
                return r
        names = [r.name for r in self.rows]
        raise KeyError(f"no quantity {name!r}; have {names}{suggest(name, names)}")

    def to_dict(self) -> dict:
        out = super().to_dict()
        out["setup"] = self.setup.to_dict() if hasattr(self.setup, "to_dict") else to_jsonable(self.setup)
        out["all_agree"] = self.all_agree
        return out

    def table(self) -> str:
        """A plain-text table: theory, simulation with its 95% interval, gap, tolerance, verdict."""
        s = self.setup
        act = getattr(s.activation, "name", s.activation)
        tgt = getattr(s.target, "name", s.target)
        head = (f"# onegrad compare: {act} student, {tgt} target, d={_g(s.d)}, width={_g(s.width)}, n={_g(s.n)} "
                f"(n/d={_g(s.sample_ratio)}), lr={_g(s.lr)}, noise_var={_g(s.noise_var)}, n_ridge={_g(self.n_ridge)}, "
                f"lam={_g(self.lam)}; {self.trials} trials, seed {self.simulation_seed.get('entropy')}")
        lines = [head, f"{'quantity':24s} {'theory':>11s}  {'simulation [95% interval]':34s} {'gap':>7s} {'tol':>6s}  verdict"]
        for r in self.compared:
            est = r.simulation
            sim = f"{_f(est.mean)} [{_f(est.ci_low)}, {_f(est.ci_high)}]"
            lines.append(f"{r.name:24s} {_f(r.theory):>11s}  {sim:34s} {100 * r.rel_gap:6.2f}% {100 * r.tolerance:5.1f}%  "
                         f"{r.verdict} ({r.basis})")
            if r.extrapolation:
                ex = r.extrapolation
                lim = ex["limit"]
                gaps = ", ".join(f"{100 * g:.2f}%" for g in ex["rel_gaps"])
                lines.append(f"{'':24s} d -> inf: {_f(lim['mean'])} [{_f(lim['ci_low'])}, {_f(lim['ci_high'])}] "
                             f"{ex['verdict']}; |gap| at d={list(ex['sizes'])}: {gaps}")
        skipped = [r for r in self.rows if r.verdict == "skipped"]
        for r in skipped:
            lines.append(f"skipped {r.name}: {r.reason}")
        n_ok = sum(r.verdict == "agrees" for r in self.compared)
        lines.append(f"# {n_ok} of {len(self.compared)} compared quantities agree; {len(skipped)} skipped; "
                     f"{self.elapsed_s:.1f} s")
        return "\n".join(lines)


def _g(x) -> str:
    if isinstance(x, (list, tuple, np.ndarray)):
        return "[" + ", ".join(_g(v) for v in np.ravel(x)) + "]"
    if x is None:
        return "-"
    return f"{float(x):g}"


def _f(x) -> str:
    return "nan" if x is None else f"{float(x):.5g}"
