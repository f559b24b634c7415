r"""Theory against simulation: the same quantities side by side, with intervals and a verdict.

:func:`compare` runs :func:`validation.simulate` on a :class:`theory.OneStep` experiment and
evaluates the theory of every requested quantity that applies to the regime:

=================  =================================================  =========================================
quantity group     theory                                             simulation (``SimulationResult.summary``)
=================  =================================================  =========================================
``overlap``        ``setup.learned_overlap()``                        :math:`\cos(\beta,\beta_*)`, :math:`|\beta|^2`,
                   (``docs/theory/step.md#the-learned-direction``)    :math:`\beta = X^\top r/n`
``weight_spike``   ``setup.weight_spike()`` (Ba et al.,               top singular value of :math:`W_1` and the
                   ``docs/theory/spikes.md#weight-spike``)            squared overlaps of its singular vectors
``spikes``         ``setup.spikes()`` (Moniri et al.,                 top singular values of :math:`F/\sqrt n`
                   ``docs/theory/spikes.md#spike-sizes``)
``errors``         ``theory.risk(setup, n_ridge, lam)``               train error, test error (label noise
                   (``docs/theory/risk.md``)                          included as ``theory.risk`` states)
=================  =================================================  =========================================

A quantity whose theory does not apply to the regime is **skipped with the reason**: only when the
theory says so by raising :class:`NotApplicable` (``theory/_applicability.py``, a ``ValueError``).
Any other exception of a theory function (a bug, a failed import, an overflow) is an **error row** with the exception's type and
message: the comparison then does not agree (``all_agree`` is false, ``errors`` lists the rows) and
``onegrad compare`` exits with status 1. Failures are loud; no value is ever made up.

Verdict (``docs/theory/simulation.md#statistics``). With the simulated 95% interval :math:`[l, h]` of the
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

from theory._applicability import NotApplicable
from theory._checks import check_nonnegative, suggest
from theory._result import Result, to_jsonable

from .seeding import as_seed_sequence, seed_record, task_sequence

__all__ = [
    "NotApplicable",
    "check_compare_memory",
    "QUANTITY_GROUPS",
    "TOLERANCE_CONSTANTS",
    "Row",
    "Comparison",
    "agreement",
    "compare",
]

QUANTITY_GROUPS = ("overlap", "weight_spike", "spikes", "errors")

#: Relative finite-size tolerance constants :math:`C_q` (tolerance = C_q / sqrt(d)); see docs/compare.md.
TOLERANCE_CONSTANTS = {"overlap": 1.0, "weight_spike": 1.0, "spikes": 1.0, "errors": 1.0}


def agreement(theory: float, mean: float, ci_low: float, ci_high: float, *, tolerance: float,
              scale: float = 0.0) -> tuple[str, str]:
    """Verdict of one quantity: ``("agrees" | "disagrees", basis)``.

    Agrees when the theory lies in ``[ci_low, ci_high]`` or its distance to that interval is at
    most ``tolerance * max(|theory|, scale)`` (module docstring). ``scale`` is the natural size of
    a quantity whose theory value can vanish (e.g. 1 for a squared overlap, which is
    :math:`O(d^{-1/2})` below a BBP threshold where the limit is 0). Non-finite inputs give
    ``"disagrees"``.

    >>> agreement(0.0, 0.01, 0.005, 0.015, tolerance=0.05, scale=1.0)
    ('agrees', 'within the finite-size tolerance')
    """
    vals = (theory, mean, ci_low, ci_high)
    if not all(math.isfinite(float(v)) for v in vals):
        return "disagrees", "non-finite theory or simulation"
    gap = max(0.0, ci_low - theory, theory - ci_high)
    if gap == 0.0:
        return "agrees", "theory inside the 95% interval"
    if gap <= tolerance * max(abs(theory), scale) * (1 + 1e-12):  # float rounding of the difference
        return "agrees", "within the finite-size tolerance"
    return "disagrees", "outside the interval and the tolerance"


@dataclass(frozen=True)
class Row(Result):
    """One compared quantity.

    ``theory`` and ``simulation`` (a ``validation.stats.Estimate`` over trials) are ``None`` for a
    skipped quantity (``verdict == "skipped"``: the theory does not apply) and for an error
    (``verdict == "error"``: the theory or the simulator failed), whose ``reason`` says why. ``rel_gap`` is ``(mean - theory)/|theory|``;
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
        """The rows that were compared (verdict ``agrees`` or ``disagrees``)."""
        return tuple(r for r in self.rows if r.verdict in ("agrees", "disagrees"))

    @property
    def errors(self) -> tuple:
        """The rows whose theory or simulation failed (verdict ``error``, or an extrapolation that failed)."""
        return tuple(r for r in self.rows
                     if r.verdict == "error" or (r.extrapolation or {}).get("verdict") == "error")

    @property
    def all_agree(self) -> bool:
        """True when every compared quantity agrees, at least one was compared and none failed."""
        return bool(self.compared) and not self.errors and all(r.verdict == "agrees" for r in self.compared)

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
        out["n_errors"] = len(self.errors)
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
                if ex.get("verdict") in ("skipped", "error"):
                    lines.append(f"{'':24s} d -> inf: {ex['verdict']} ({ex.get('reason')})")
                    continue
                lim = ex["limit"]
                gaps = ", ".join(f"{100 * g:+.2f}%" for g in ex["rel_gaps"])
                sizes = ", ".join(f"{d:g}" for d in ex["sizes"])
                lines.append(f"{'':24s} gap at d = {sizes}: {gaps}; d -> inf: {100 * lim['mean']:+.2f}% "
                             f"[{100 * lim['ci_low']:+.2f}%, {100 * lim['ci_high']:+.2f}%] {ex['verdict']}")
        skipped = [r for r in self.rows if r.verdict == "skipped"]
        for r in skipped:
            lines.append(f"skipped {r.name}: {r.reason}")
        failed = [r for r in self.rows if r.verdict == "error"]
        for r in failed:
            lines.append(f"ERROR {r.name}: {r.reason}")
        n_ok = sum(r.verdict == "agrees" for r in self.compared)
        lines.append(f"# {n_ok} of {len(self.compared)} compared quantities agree; {len(skipped)} skipped; "
                     f"{len(self.errors)} error(s){' (the comparison fails)' if self.errors else ''}; "
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


# ----------------------------------------------------------------------------- theory per quantity group
# NotApplicable (theory/_applicability.py): the theory has no prediction of a quantity for this setup.
# The only exception compare turns into a skipped row; re-exported here for callers of validation.compare.


@dataclass(frozen=True)
class _Spec:
    name: str          # row name
    group: str         # quantity group
    description: str
    sim_key: str       # key in SimulationResult.summary
    value: float | None
    reason: str = ""
    source: str = ""
    error: bool = False


def _theory_specs(setup, group: str, n_ridge, lam, risk_method: str, risk_kw=None) -> list[_Spec]:
    """Theory values of one group; one skipped spec when the theory raises :class:`NotApplicable`, one
    error spec (``error=True``, the exception's type and message) for any other exception."""
    try:
        if group == "errors":
            return _theory_errors(setup, n_ridge, lam, risk_method, risk_kw)
        return _THEORY[group](setup, n_ridge, lam, risk_method)
    except NotApplicable as exc:
        msg = str(exc) or type(exc).__name__
        return [_Spec(name=group, group=group, description=_GROUP_DESCRIPTIONS[group], sim_key="", value=None,
                      reason=msg)]
    except Exception as exc:  # noqa: BLE001 - a failure of the theory is reported, never skipped
        msg = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return [_Spec(name=group, group=group, description=_GROUP_DESCRIPTIONS[group], sim_key="", value=None,
                      reason=f"the theory failed: {msg}", error=True)]


_GROUP_DESCRIPTIONS = {
    "overlap": "learned direction beta = X^T r / n",
    "weight_spike": "rank-one spike of W_1 (Ba et al.)",
    "spikes": "outliers of F / sqrt(n) (Moniri et al.)",
    "errors": "ridge train and test error",
}


def _scalar(x) -> float:
    arr = np.asarray(x, dtype=float)
    if arr.size != 1:
        raise TypeError(f"theory returned an array of shape {arr.shape} where one number was expected")
    return float(arr.reshape(()))


def _theory_overlap(setup, n_ridge, lam, method):
    if setup.is_multi_index:
        raise NotApplicable("the learned-direction overlap is compared for single-index targets only")
    res = setup.learned_overlap()
    src = "setup.learned_overlap() (docs/theory/step.md#the-learned-direction)"
    return [
        _Spec("cos(beta, beta*)", "overlap", "cosine of beta = X^T r/n with the target direction",
              SIM_KEYS["overlap_cos"], _scalar(res.cos), source=src),
        _Spec("|beta|^2", "overlap", "squared norm of beta = X^T r/n", SIM_KEYS["overlap_norm_sq"],
              _scalar(res.norm_sq), source=src),
    ]


def _theory_weight_spike(setup, n_ridge, lam, method):
    res = setup.weight_spike()
    if getattr(res, "status", "ok") != "ok":
        raise NotApplicable(f"weight-spike theory: {res.status} ({getattr(res, 'message', '')})".rstrip(" ()"))
    src = "setup.weight_spike() (Ba et al. 2022; docs/theory/spikes.md#weight-spike)"
    specs = [_Spec("s1(W_1)", "weight_spike", "top singular value of W_1", SIM_KEYS["weight_s1"],
                   _scalar(res.singular_value), source=src)]
    if bool(res.outlier):
        specs.append(_Spec("<v1, beta*>^2", "weight_spike", "squared overlap of the top right singular vector of "
                           "W_1 with the target direction", SIM_KEYS["weight_overlap_target"],
                           _scalar(res.overlap_sq), source=src))
    return specs


def _theory_spikes(setup, n_ridge, lam, method):
    spec = setup.spikes()
    spikes = sorted(spec.spikes, key=lambda s: -float(s.location))
    if not spikes:
        raise NotApplicable("the theory predicts no outlier of F/sqrt(n) in this regime")
    src = "setup.spikes() (Moniri et al. 2024; docs/theory/spikes.md#spike-sizes)"
    return [_Spec(f"outlier {j + 1} (degree {s.degree})", "spikes",
                  f"{j + 1}-th largest singular value of F/sqrt(n), the degree-{s.degree} spike",
                  f"{SIM_KEYS['feature_singular_values']}[{j}]", _scalar(s.location), source=src)
            for j, s in enumerate(spikes)]


def _theory_errors(setup, n_ridge, lam, method, risk_kw=None):
    import theory

    if n_ridge is None or lam is None:
        raise NotApplicable("give n_ridge and lam to compare train and test errors")
    if np.ndim(n_ridge) or np.ndim(lam):
        raise NotApplicable("compare takes one n_ridge and one lam; use a sweep for learning curves")
    risk_kw = dict(risk_kw or {})
    res = theory.risk(setup, n_ridge=n_ridge, lam=lam, method=method, **risk_kw)
    status = str(getattr(res, "status", "converged"))
    if status == "interpolation_threshold":  # the limiting error is infinite there: nothing finite to compare
        raise NotApplicable("theory.risk: lam = 0 at n_ridge = width, the interpolation threshold, where the "
                            "limiting error diverges")
    if status != "converged":  # the equations were not solved: a failure, reported as an error row
        raise RuntimeError(f"theory.risk returned status {status!r} (residual {getattr(res, 'residual', None)})")
    extra = "".join(f", {k}={v!r}" for k, v in risk_kw.items())
    src = f"theory.risk(method={getattr(res, 'method', method)!r}{extra}) (docs/theory/risk.md)"
    noise = bool(getattr(res, "noise_included", True))
    test_key = SIM_KEYS["test_error"] if noise else SIM_KEYS["test_risk"]
    return [
        _Spec("train error", "errors", "ridge train error on the ridge batch (labels with noise)",
              SIM_KEYS["train_error"], _scalar(res.train_error), source=src),
        _Spec("test error", "errors", "ridge test error on fresh points" + (" (label noise included)" if noise else
                                                                             " (without label noise)"),
              test_key, _scalar(res.test_error), source=src),
    ]


_THEORY = {"overlap": _theory_overlap, "weight_spike": _theory_weight_spike, "spikes": _theory_spikes,
           "errors": _theory_errors}

#: Simulator measures needed by each group (``validation.simulate(measures=...)``).
MEASURES = {"overlap": "overlap", "weight_spike": "weight_spike", "spikes": "spectrum", "errors": "ridge"}

#: Names of the simulated quantities in ``SimulationResult.summary``.
SIM_KEYS = {
    "overlap_cos": "beta_cos",
    "overlap_norm_sq": "beta_norm_sq",
    "weight_s1": "w1_top_singular_value",
    "weight_overlap_target": "w1_overlap_target_sq",
    "feature_singular_values": "feature_singular_values",
    "train_error": "train_error",
    "test_error": "test_error",
    "test_risk": "test_risk",
}


# ----------------------------------------------------------------------------- simulation side
def _sim_estimate(sim, key: str):
    """The Estimate of ``key`` (``name[j]`` picks element ``j`` of an array quantity), or None."""
    from .stats import estimate

    base, idx = key, None
    if key.endswith("]") and "[" in key:
        base, _, rest = key.partition("[")
        idx = int(rest[:-1])
    summary = sim.summary
    if idx is None:
        return summary.get(base)
    samples = []
    for rec in sim.records:
        if base not in rec:
            return None
        vals = np.ravel(np.asarray(rec[base], dtype=float))
        if idx >= vals.size:
            return None
        samples.append(vals[idx])
    return estimate(np.asarray(samples))


def _scaled(setup, d: float, n_ridge, ref_d: float):
    f = float(d) / float(ref_d)
    s = setup.with_(d=float(d), width=setup.width * f, n=setup.n * f)
    return s, (None if n_ridge is None else float(n_ridge) * f)


def _check_groups(quantities) -> tuple[str, ...]:
    if quantities is None:
        return QUANTITY_GROUPS
    if isinstance(quantities, str):
        quantities = (quantities,)
    out = []
    for q in quantities:
        if not isinstance(q, str):
            raise TypeError(f"quantities must be names from {QUANTITY_GROUPS}; got {q!r}")
        if q not in QUANTITY_GROUPS:
            raise ValueError(f"quantities must be among {', '.join(map(repr, QUANTITY_GROUPS))}; got {q!r}"
                             f"{suggest(q, QUANTITY_GROUPS)}")
        if q not in out:
            out.append(q)
    if not out:
        raise ValueError("quantities must name at least one of " + ", ".join(QUANTITY_GROUPS))
    return tuple(out)


def _tolerances(tolerance, d: float) -> dict:
    if tolerance is None:
        return {g: c / math.sqrt(d) for g, c in TOLERANCE_CONSTANTS.items()}
    if isinstance(tolerance, dict):
        out = {g: c / math.sqrt(d) for g, c in TOLERANCE_CONSTANTS.items()}
        for g, v in tolerance.items():
            if g not in QUANTITY_GROUPS:
                raise ValueError(f"tolerance keys must be among {QUANTITY_GROUPS}; got {g!r}{suggest(g, QUANTITY_GROUPS)}")
            out[g] = check_nonnegative(v, f"tolerance[{g!r}]")
        return out
    t = check_nonnegative(tolerance, "tolerance")
    return {g: t for g in QUANTITY_GROUPS}


def compare(setup, *, n_ridge=None, lam=None, trials: int = 8, seed=0, quantities=None, n_test: int = 10_000,
            tolerance=None, sizes=None, risk_method: str = "auto", simulate_kw: dict | None = None,
            risk_kw: dict | None = None, max_memory_gb=None, progress=False) -> Comparison:
    r"""Compare theory and simulation for one experiment.

    Parameters
    ----------
    setup : theory.OneStep
        The experiment.
    n_ridge, lam : float, optional
        Ridge sample size and penalty :math:`\lambda_C` (``theory.conventions``); both are needed for
        the train and test errors (otherwise they are skipped with that reason).
    trials : int
        Monte Carlo trials (independent draws of everything); the interval is a 95% t-interval.
    seed : int, SeedSequence, Generator or None
        Root seed of the main simulation (``validation.seeding``).
    quantities : sequence of str, optional
        Groups among :data:`QUANTITY_GROUPS` (default: all).
    n_test : int
        Fresh test points per trial.
    tolerance : float or dict, optional
        Relative finite-size tolerance, for all groups or per group; default
        ``TOLERANCE_CONSTANTS[group] / sqrt(d)``.
    sizes : sequence of float, optional
        Dimensions for the size extrapolation (all ratios fixed; ``setup.d`` is added). Each size
        runs ``trials`` trials with its own stream ``task_sequence(seed, "d=<d>")``.
    risk_method : str
        ``method`` passed to ``theory.risk``.
    simulate_kw : dict, optional
        Extra keywords for :func:`validation.simulate`.
    risk_kw : dict, optional
        Extra keywords for ``theory.risk``, e.g. ``{"alignment_term": False}`` for Cui et al.'s published
        spiked RF (the default carries the alignment term of ``docs/derivations/srf_alignment.md``).
    max_memory_gb : float, optional
        Refuse (``validation.resources.ResourceError``) before any work when the simulation at the
        largest size would need more memory than this many GiB (default: the memory available now).
    progress : bool or callable
        ``True``: one bar over the trials of every simulation (all sizes) on stderr when it is a
        terminal; a callable gets ``(done, total)`` (:mod:`validation.progress`).

    Returns
    -------
    Comparison
    """
    from theory import OneStep

    from .progress import tracker
    from .simulate import simulate

    t0 = time.perf_counter()
    if not isinstance(setup, OneStep):
        raise TypeError(f"setup must be a theory.OneStep; got {type(setup).__name__}")
    groups = _check_groups(quantities)
    if isinstance(trials, bool) or not isinstance(trials, (int, np.integer)) or trials < 2:
        raise ValueError(f"trials must be an integer >= 2 (an interval needs two trials); got {trials!r}")
    tol = _tolerances(tolerance, setup.d)
    root = as_seed_sequence(seed)
    simulate_kw = dict(simulate_kw or {})
    if sizes is not None:
        sizes = sorted({float(check_nonnegative(s, "sizes")) for s in np.ravel(sizes)} | {float(setup.d)})
        if len(sizes) < 3:
            raise ValueError("sizes must give at least two dimensions besides setup.d (three in all) for the fit")
        if min(sizes) <= 0:
            raise ValueError("sizes must be positive")

    if risk_kw is not None and not isinstance(risk_kw, dict):
        raise TypeError(f"risk_kw must be a dict of theory.risk keywords; got {type(risk_kw).__name__}")
    check_compare_memory(setup, n_ridge=n_ridge, lam=lam, quantities=groups, sizes=sizes, n_test=n_test,
                         trials=trials, simulate_kw=simulate_kw, max_memory_gb=max_memory_gb)
    bar = tracker(progress, trials * (len(sizes) if sizes is not None else 1), "compare", unit="trial")
    specs = [s for g in groups for s in _theory_specs(setup, g, n_ridge, lam, risk_method, risk_kw)]
    active = [s for s in specs if s.value is not None]
    measures = tuple(dict.fromkeys(MEASURES[s.group] for s in active))

    def run_sim(stp, nr, seq):
        return simulate(stp, n_ridge=nr, lam=lam if nr is not None else None, trials=trials, seed=seq,
                        n_test=n_test, measures=measures, max_memory_gb=max_memory_gb,
                        progress=lambda done, total: bar.update(1), **simulate_kw)

    rows = []
    per_size = {}
    with bar:
        sim = run_sim(setup, n_ridge, root) if active else None
        for d in (sizes if sizes is not None and active else ()):
            if d == float(setup.d):
                per_size[d] = (setup, sim, {s.name: s.value for s in active})
                continue
            stp, nr = _scaled(setup, d, n_ridge, setup.d)
            th = {}
            for g in dict.fromkeys(s.group for s in active):
                for s in _theory_specs(stp, g, nr, lam, risk_method, risk_kw):
                    th[s.name] = s.value
                    if s.error:  # the group failed at this size: every row of the group reports it
                        th.update({a.name: _Failure(s.reason) for a in active if a.group == g})
            per_size[d] = (stp, run_sim(stp, nr, task_sequence(root, f"d={d:g}")), th)

    for s in specs:
        if s.value is None:
            rows.append(Row(name=s.name, group=s.group, description=s.description, reason=s.reason,
                            verdict="error" if s.error else "skipped"))
            continue
        est = _sim_estimate(sim, s.sim_key)
        if est is None:
            rows.append(Row(name=s.name, group=s.group, description=s.description, theory=s.value,
                            verdict="error", reason=f"the simulator does not report {s.sim_key!r}",
                            theory_source=s.source))
            continue
        verdict, basis = agreement(s.value, est.mean, est.ci_low, est.ci_high, tolerance=tol[s.group])
        scale = abs(s.value) if s.value != 0 else 1.0
        extra = _extrapolation(s, per_size) if per_size else None
        rows.append(Row(name=s.name, group=s.group, description=s.description, theory=s.value, simulation=est,
                        rel_gap=(est.mean - s.value) / scale, tolerance=tol[s.group], verdict=verdict, basis=basis,
                        theory_source=s.source, extrapolation=extra))
    return Comparison(setup=setup, n_ridge=n_ridge, lam=lam, trials=int(trials), rows=tuple(rows),
                      simulation_seed=seed_record(root), sizes=tuple(sizes or ()),
                      elapsed_s=time.perf_counter() - t0,
                      settings={"n_test": n_test, "quantities": list(groups), "tolerance": tol,
                                "risk_method": risk_method, "simulate_kw": to_jsonable(simulate_kw),
                                "risk_kw": to_jsonable(risk_kw or {})})


@dataclass(frozen=True)
class _Failure:
    """A theory that failed at one size of an extrapolation (the reason is reported, never skipped)."""

    reason: str


def check_compare_memory(setup, *, n_ridge=None, lam=None, quantities=None, sizes=None, n_test: int = 10_000,
                         trials: int = 8, simulate_kw: dict | None = None, max_memory_gb=None) -> int:
    """Estimated peak memory in bytes of the simulation of :func:`compare` (at the largest size), checked
    against the limit (``validation.resources``; :class:`~validation.resources.ResourceError` when over)."""
    from .resources import check_simulation_memory

    groups = _check_groups(quantities)
    kw = dict(simulate_kw or {})
    measures = tuple(dict.fromkeys(MEASURES[g] for g in groups))
    stp, nr = setup, n_ridge
    if sizes is not None and len(np.ravel(sizes)):
        big = float(np.max(np.ravel(np.asarray(sizes, dtype=float))))
        if big > float(setup.d):
            stp, nr = _scaled(setup, big, n_ridge, setup.d)
    est = {k: kw[k] for k in ("dtype", "model", "reuse", "top_k", "kmax", "workers") if k in kw}
    return check_simulation_memory(stp, nr if "errors" in groups and lam is not None else None,
                                   max_memory_gb=max_memory_gb, what="the comparison's simulation",
                                   measures=measures, n_test=n_test, lam=lam, trials=trials, **est)


def _extrapolation(spec: _Spec, per_size: dict) -> dict:
    r"""Extrapolate the relative gap :math:`g(d) = y_{sim}(d)/y_{th}(d) - 1` to :math:`d\to\infty`.

    Fits :math:`g(d) = g_\infty + b\,d^{-1/2}` by weighted least squares
    (:func:`validation.stats.extrapolate`, standard errors :math:`\mathrm{se}/|y_{th}|`). The gap
    rather than the value is extrapolated because some theory values depend on the size (e.g. the
    weight spike grows with the width at fixed ``lr``). Verdict: ``"agrees"`` if the 95% interval
    of :math:`g_\infty` contains 0.
    """
    from .stats import extrapolate

    ds, means, ses, gaps, gap_ses, theories = [], [], [], [], [], []
    for d, (_, sim, th) in sorted(per_size.items()):
        est = _sim_estimate(sim, spec.sim_key)
        t = th.get(spec.name)
        if isinstance(t, _Failure):
            return {"verdict": "error", "reason": f"at d={d:g}: {t.reason}"}
        if est is None or t is None:
            return {"verdict": "skipped", "reason": f"no theory or simulation at d={d:g}"}
        scale = abs(float(t)) or 1.0
        ds.append(d)
        means.append(float(est.mean))
        ses.append(float(est.se))
        theories.append(float(t))
        gaps.append((float(est.mean) - float(t)) / scale)
        gap_ses.append(float(est.se) / scale)
    if not all(math.isfinite(v) for v in gap_ses):
        return {"verdict": "skipped", "reason": "a size has no standard error (one trial)"}
    n_min = min(int(_sim_estimate(sim, spec.sim_key).n) for _, sim, _ in per_size.values())
    fit = extrapolate(np.asarray(ds), np.asarray(gaps), np.asarray(gap_ses), se_dof=n_min - 1)
    lim = fit.limit
    verdict = "agrees" if lim.ci_low <= 0.0 <= lim.ci_high else "disagrees"
    return {"sizes": ds, "means": means, "ses": ses, "theory": theories, "rel_gaps": gaps, "rel_gap_ses": gap_ses,
            "limit": to_jsonable(lim), "verdict": verdict, "chi2": fit.chi2, "dof": fit.dof,
            "gap_shrinks": bool(abs(gaps[-1]) < abs(gaps[0])),
            "model": "rel_gap(d) = g_inf + b d^-1/2 (weighted least squares)"}
