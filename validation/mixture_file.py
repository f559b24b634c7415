r"""Gaussian-mixture input laws from a TOML file (``onegrad simulate|compare|risk --data mixture.toml``).

The file describes :class:`theory.GaussianMixture` inputs for the experiment. It is read with
:mod:`tomllib` and every field is checked here; no text of the file is ever evaluated (numbers are
TOML numbers, words are compared against fixed lists). Two forms (``docs/validation/mixtures.md#the-data-file``):

Explicit components::

    task = "regression"          # or "classification": label = +1 / -1 by component (labels = [...] to change)
    counts = "deterministic"     # per-component sample counts floor(rho_c n) (rest to the last); or "multinomial"
    init = "unit"                # W0 scaled by sqrt(d / tr Sigma) (Demir & Dogan); "setup": the setup's init unchanged
    seed = 0                     # seed of the random directions

    [[component]]
    weight = 0.5
    spikes = [{ strength = 31.6, direction = "random" }]   # Sigma_c = I + sum_j strength_j v_j v_j^T

    [[component]]
    weight = 0.5
    mean = { norm = 1.0, overlap = 0.0 }                    # optional: |mu_c| and cos(mu_c, e_1)
    spikes = [{ strength = 31.6, overlap = 0.5 }]           # cos(v_j, e_1) = 0.5, the rest a random direction

A spike direction is ``direction = "random"`` (uniform on the sphere, from ``seed``) or ``overlap = c``
with the target axis :math:`e_1`; the directions of one component are orthonormal, so the overlaps of
one component must satisfy :math:`\sum_j c_j^2 \le 1` and one component's spikes are either all random
or all given by overlaps. The target direction of the library is :math:`e_1` (:mod:`theory.model.data`).

The paper's construction (Demir & Dogan, ICLR 2025, arXiv:2503.00856; :meth:`theory.GaussianMixture.from_demir_dogan`)::

    [demir_dogan]
    beta = 0.74        # strength: spike size theta = d^((1 - alpha) beta), learning rate eta = d^(alpha beta)
    alpha = 0.5        # weighting between the data spread and the learning rate
    ranks = [1, 1]     # spikes per component
    alignment = 0.0    # optional, a in [-1, 1]: the other components' spikes are a v1 + sqrt(1 - a^2) h
    weights = [0.5, 0.5]
    target = "random"  # "random" (spikes at random angles to e_1) or "spikes" (e_1 along the sum of the first spikes)
    spread = "fixed"   # "uniform": strengths times independent U(0, 1) factors (their Figure 2c)
    task = "regression"
    seed = 0

Limits (refused before any work, one line naming the field): the file at most
:data:`MAX_FILE_BYTES`; at most :data:`MAX_COMPONENTS` components and :data:`MAX_SPIKES` spikes in
all; strengths in ``[0, MAX_STRENGTH]``; weights positive and summing to 1; and ``d`` times the number
of stored vectors at most :data:`MAX_STORED` numbers (the directions are d-vectors).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from theory._checks import suggest

__all__ = ["MixtureSpec", "read_mixture_file", "mixture_from_dict", "MAX_FILE_BYTES", "MAX_COMPONENTS",
           "MAX_SPIKES", "MAX_STRENGTH", "MAX_STORED"]

MAX_FILE_BYTES = 64 * 1024
MAX_COMPONENTS = 32
MAX_SPIKES = 256
MAX_STRENGTH = 1e8
MAX_MEAN_NORM = 1e4
#: most float64 numbers the directions and means may take (d times their count): 2^28 = 2 GiB
MAX_STORED = 2**28

_TOP = ("task", "counts", "init", "seed", "labels", "component", "demir_dogan")
_COMPONENT = ("weight", "mean", "spikes")
_SPIKE = ("strength", "direction", "overlap")
_MEAN = ("norm", "overlap")
_DEMIR = ("beta", "alpha", "ranks", "alignment", "weights", "target", "spread", "task", "seed", "counts")
TASKS = ("regression", "classification")
COUNTS = ("deterministic", "multinomial")
INITS = ("unit", "setup")
TARGETS = ("random", "spikes")
SPREADS = ("fixed", "uniform")


def _where(source: str, path: str) -> str:
    return f"{source}: {path}" if path else source


def _table(value, path: str, source: str, allowed) -> dict:
    if not isinstance(value, dict):
        raise TypeError(f"{_where(source, path)} must be a table; got {type(value).__name__}")
    for key in value:
        if key not in allowed:
            raise ValueError(f"{_where(source, path + '.' + key if path else key)}: unknown field; allowed: "
                             f"{', '.join(allowed)}{suggest(key, allowed)}")
    return value


def _number(value, path: str, source: str, lo: float, hi: float, *, open_low: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{_where(source, path)} must be a number; got {type(value).__name__}")
    x = float(value)
    bad = not math.isfinite(x) or x > hi or (x <= lo if open_low else x < lo)
    if bad:
        rng = f"({lo:g}, {hi:g}]" if open_low else f"[{lo:g}, {hi:g}]"
        raise ValueError(f"{_where(source, path)} must be a finite number in {rng}; got {value!r}")
    return x


def _int(value, path: str, source: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{_where(source, path)} must be an integer; got {type(value).__name__}")
    if not lo <= value <= hi:
        raise ValueError(f"{_where(source, path)} must be an integer in [{lo}, {hi}]; got {value}")
    return int(value)


def _word(value, path: str, source: str, choices) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{_where(source, path)} must be one of {', '.join(map(repr, choices))}; "
                        f"got {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"{_where(source, path)} must be one of {', '.join(map(repr, choices))}; got "
                         f"{value[:40]!r}{suggest(value[:40], choices)}")
    return value


def _list(value, path: str, source: str, most: int) -> list:
    if not isinstance(value, list):
        raise TypeError(f"{_where(source, path)} must be a list; got {type(value).__name__}")
    if len(value) > most:
        raise ValueError(f"{_where(source, path)} has {len(value)} entries; at most {most}")
    return value


def _weights(ws, path: str, source: str) -> tuple:
    if not ws:
        raise ValueError(f"{_where(source, path)}: at least one component is needed")
    total = math.fsum(ws)
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"{_where(source, path)} must sum to 1; got {total:.9g}")
    return tuple(w / total for w in ws)


@dataclass(frozen=True)
class MixtureSpec:
    """A checked description of the mixture, independent of ``d`` (:meth:`build` makes the data model).

    ``kind`` is ``"components"`` (``weights``, ``means`` as ``(norm, overlap)`` or ``None``, ``spikes``
    as tuples of ``(strength, overlap or None)`` per component) or ``"demir_dogan"`` (``params``).
    """

    kind: str
    task: str = "regression"
    counts: str = "deterministic"
    init: str = "trace"
    seed: int = 0
    labels: tuple | None = None
    weights: tuple = ()
    means: tuple = ()
    spikes: tuple = ()
    params: tuple = ()
    source: str = "data"

    @property
    def n_components(self) -> int:
        return len(self.weights) if self.kind == "components" else len(dict(self.params)["weights"])

    @property
    def n_vectors(self) -> int:
        """How many d-vectors the data model stores (spike directions and means)."""
        if self.kind == "components":
            return sum(len(s) for s in self.spikes) + sum(m is not None for m in self.means)
        return sum(dict(self.params)["ranks"])

    def check_dimension(self, d) -> int:
        """``d`` as an integer the directions can be stored for (ValueError naming ``--d`` otherwise)."""
        x = float(d)
        if not math.isfinite(x) or x < 1 or x != math.floor(x):
            raise ValueError(f"--data needs an integer dimension d >= 1; got d = {d!r}")
        most = MAX_STORED // max(1, self.n_vectors + 1)
        if x > most:
            raise ValueError(f"--data: {self.n_vectors} direction(s) of dimension d = {x:g} would take "
                             f"{8 * x * (self.n_vectors + 1) / 2**30:.3g} GiB; at most d = {most} with this file")
        if self.kind == "components":
            for c, sp in enumerate(self.spikes):
                if len(sp) > x:
                    raise ValueError(f"{self.source}: component[{c}] has {len(sp)} spikes, more than d = {x:g}")
        elif max(dict(self.params)["ranks"]) > x:
            raise ValueError(f"{self.source}: demir_dogan.ranks exceed d = {x:g}")
        return int(x)

    def build(self, d):
        """The :class:`theory.GaussianMixture` of this description at dimension ``d``."""
        return _build(self, self.check_dimension(d))

    def to_dict(self) -> dict:
        return {"kind": self.kind, "task": self.task, "counts": self.counts, "init": self.init, "seed": self.seed,
                "labels": None if self.labels is None else list(self.labels), "weights": list(self.weights),
                "means": [None if m is None else list(m) for m in self.means],
                "spikes": [[list(s) for s in sp] for sp in self.spikes], "params": dict(self.params)}


def _labels(value, source: str, n: int) -> tuple:
    vals = _list(value, "labels", source, MAX_COMPONENTS)
    if len(vals) != n:
        raise ValueError(f"{source}: labels has {len(vals)} entries for {n} components")
    return tuple(_number(v, f"labels[{i}]", source, -1e6, 1e6) for i, v in enumerate(vals))


def mixture_from_dict(data, *, source: str = "data") -> MixtureSpec:
    """Check a parsed TOML table (see the module docstring) and return its :class:`MixtureSpec`."""
    top = _table(data, "", source, _TOP)
    if ("component" in top) == ("demir_dogan" in top):
        raise ValueError(f"{source}: give either [[component]] tables or one [demir_dogan] table")
    seed = _int(top.get("seed", 0), "seed", source, 0, 2**63 - 1)
    if "demir_dogan" in top:
        for key in ("task", "counts", "labels"):
            if key in top:
                raise ValueError(f"{source}: {key} goes inside [demir_dogan] for the paper's construction")
        dd = _table(top["demir_dogan"], "demir_dogan", source, _DEMIR)
        for key in ("beta", "alpha"):
            if key not in dd:
                raise ValueError(f"{source}: demir_dogan.{key} is required")
        beta = _number(dd["beta"], "demir_dogan.beta", source, 0.0, 2.0)
        alpha = _number(dd["alpha"], "demir_dogan.alpha", source, 0.0, 1.0)
        ws = dd.get("weights", [0.5, 0.5])
        ws = _weights([_number(w, f"demir_dogan.weights[{i}]", source, 0.0, 1.0, open_low=True)
                       for i, w in enumerate(_list(ws, "demir_dogan.weights", source, MAX_COMPONENTS))],
                      "demir_dogan.weights", source)
        ranks = dd.get("ranks", [1] * len(ws))
        ranks = tuple(_int(r, f"demir_dogan.ranks[{i}]", source, 1, MAX_SPIKES)
                      for i, r in enumerate(_list(ranks, "demir_dogan.ranks", source, MAX_COMPONENTS)))
        if len(ranks) != len(ws):
            raise ValueError(f"{source}: demir_dogan.ranks has {len(ranks)} entries for {len(ws)} weights")
        if sum(ranks) > MAX_SPIKES:
            raise ValueError(f"{source}: {sum(ranks)} spikes in all; at most {MAX_SPIKES}")
        params = (("beta", beta), ("alpha", alpha), ("ranks", ranks), ("weights", ws),
                  ("alignment", None if "alignment" not in dd else
                   _number(dd["alignment"], "demir_dogan.alignment", source, -1.0, 1.0)),
                  ("target", _word(dd.get("target", "random"), "demir_dogan.target", source, TARGETS)),
                  ("spread", _word(dd.get("spread", "fixed"), "demir_dogan.spread", source, SPREADS)))
        return MixtureSpec(kind="demir_dogan", task=_word(dd.get("task", "regression"), "demir_dogan.task", source, TASKS),
                           counts=_word(dd.get("counts", "deterministic"), "demir_dogan.counts", source, COUNTS),
                           init=_word(top.get("init", "unit"), "init", source, INITS),
                           seed=_int(dd.get("seed", seed), "demir_dogan.seed", source, 0, 2**63 - 1),
                           params=params, source=source)
    comps = _list(top["component"], "component", source, MAX_COMPONENTS)
    weights, means, spikes = [], [], []
    total = 0
    for c, comp in enumerate(comps):
        where = f"component[{c}]"
        comp = _table(comp, where, source, _COMPONENT)
        if "weight" not in comp:
            raise ValueError(f"{source}: {where}.weight is required")
        weights.append(_number(comp["weight"], f"{where}.weight", source, 0.0, 1.0, open_low=True))
        mean = comp.get("mean")
        if mean is None:
            means.append(None)
        else:
            mean = _table(mean, f"{where}.mean", source, _MEAN)
            norm = _number(mean.get("norm", 0.0), f"{where}.mean.norm", source, 0.0, MAX_MEAN_NORM)
            ov = _number(mean.get("overlap", 0.0), f"{where}.mean.overlap", source, -1.0, 1.0)
            means.append((norm, ov) if norm > 0 else None)
        sp_out = []
        for j, sp in enumerate(_list(comp.get("spikes", []), f"{where}.spikes", source, MAX_SPIKES)):
            w = f"{where}.spikes[{j}]"
            sp = _table(sp, w, source, _SPIKE)
            if "strength" not in sp:
                raise ValueError(f"{source}: {w}.strength is required")
            strength = _number(sp["strength"], f"{w}.strength", source, 0.0, MAX_STRENGTH)
            if ("direction" in sp) == ("overlap" in sp):
                raise ValueError(f"{source}: {w} needs exactly one of direction = \"random\" or overlap = c")
            if "direction" in sp:
                _word(sp["direction"], f"{w}.direction", source, ("random",))
                ov = None
            else:
                ov = _number(sp["overlap"], f"{w}.overlap", source, -1.0, 1.0)
            sp_out.append((strength, ov))
        given = [o for _, o in sp_out if o is not None]
        if given and len(given) != len(sp_out):
            raise ValueError(f"{source}: {where}.spikes mixes random directions and overlaps; give all of one kind")
        if math.fsum(o * o for o in given) > 1.0 + 1e-12:
            raise ValueError(f"{source}: {where}.spikes overlaps have sum of squares {math.fsum(o * o for o in given):.6g} "
                             "> 1 (orthonormal directions cannot all have them)")
        total += len(sp_out)
        if total > MAX_SPIKES:
            raise ValueError(f"{source}: more than {MAX_SPIKES} spikes in all")
        spikes.append(tuple(sp_out))
    ws = _weights(weights, "component weights", source)
    task = _word(top.get("task", "regression"), "task", source, TASKS)
    labels = _labels(top["labels"], source, len(ws)) if "labels" in top else None
    if task == "classification" and labels is None and len(ws) != 2:
        raise ValueError(f"{source}: classification with {len(ws)} components needs labels = [...] (one per component)")
    return MixtureSpec(kind="components", task=task,
                       counts=_word(top.get("counts", "deterministic"), "counts", source, COUNTS),
                       init=_word(top.get("init", "unit"), "init", source, INITS), seed=seed, labels=labels,
                       weights=ws, means=tuple(means), spikes=tuple(spikes), source=source)


def read_mixture_file(path) -> MixtureSpec:
    """Read and check a mixture TOML file (module docstring); errors are one line naming the file and field."""
    import tomllib

    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"--data must be a path; got {type(path).__name__}")
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"--data: {str(p)!r} is not a readable file")
    try:
        with p.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ValueError(f"--data: {str(p)!r} cannot be read ({exc.strerror or exc})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ValueError(f"--data: {p.name} is larger than {MAX_FILE_BYTES // 1024} KiB; a mixture file is a few lines")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"--data: {p.name} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"--data: {p.name} is not valid TOML ({' '.join(str(exc).split())})") from None
    return mixture_from_dict(data, source=p.name)


def _unit_with_overlap(rng, d: int, c: float):
    """``c e_1 + sqrt(1 - c^2) g`` with ``g`` a uniform unit vector orthogonal to ``e_1``."""
    import numpy as np

    g = rng.standard_normal(d)
    g[0] = 0.0
    g /= np.linalg.norm(g)
    v = math.sqrt(max(0.0, 1.0 - c * c)) * g
    v[0] = c
    return v


def _directions(rng, d: int, overlaps):
    r"""Orthonormal rows ``v_j`` with ``v_j . e_1 = c_j`` (``None``: Haar-random rows).

    With :math:`U` orthonormal and orthogonal to :math:`e_1`, :math:`v_j = c_je_1 + (U M^{1/2})_j` where
    :math:`M = I - cc^\top` (positive semi-definite iff :math:`|c|\le1`) gives
    :math:`v_i\cdot v_j = c_ic_j + M_{ij} = \delta_{ij}`.
    """
    import numpy as np

    k = len(overlaps)
    if k == 0:
        return np.zeros((0, d))
    if overlaps[0] is None:
        Q, R = np.linalg.qr(rng.standard_normal((d, k)))
        return (Q * np.sign(np.diag(R))).T
    c = np.asarray(overlaps, dtype=float)
    Z = rng.standard_normal((d, k))
    Z[0] = 0.0
    U, _ = np.linalg.qr(Z)  # d x k, orthonormal, orthogonal to e_1
    vals, vecs = np.linalg.eigh(np.eye(k) - np.outer(c, c))
    root = (vecs * np.sqrt(np.clip(vals, 0.0, None))) @ vecs.T
    V = (U @ root).T
    V[:, 0] += c
    return V


def _build(spec: MixtureSpec, d: int):
    import numpy as np

    import theory
    from theory.model.data import GaussianMixture, SpikedCovariance

    if spec.kind == "demir_dogan":
        p = dict(spec.params)
        mix = theory.GaussianMixture.from_demir_dogan(d, beta=p["beta"], alpha=p["alpha"], ranks=p["ranks"],
                                                      weights=p["weights"], alignment=p["alignment"],
                                                      target=p["target"], spread=p["spread"], task=spec.task,
                                                      counts=spec.counts, seed=spec.seed)
        if spec.init == "setup":
            mix = GaussianMixture(mix.weights, None, mix.covariances, d=d, task=mix.task, labels=mix.labels,
                                  counts=mix.counts, init="setup")
        return mix
    rng = np.random.default_rng(spec.seed)
    covs, means = [], []
    for sp, mean in zip(spec.spikes, spec.means):
        V = _directions(rng, d, [o for _, o in sp])
        covs.append(SpikedCovariance(V, np.array([s for s, _ in sp])) if sp else None)
        means.append(np.zeros(d) if mean is None else mean[0] * _unit_with_overlap(rng, d, mean[1]))
    has_means = any(m is not None for m in spec.means)
    return GaussianMixture(list(spec.weights), np.array(means) if has_means else None, covs, d=d, task=spec.task,
                           labels=spec.labels, counts=spec.counts, init=spec.init)
