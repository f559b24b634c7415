r"""Monte Carlo of the finite-size experiment: one (or a few) gradient steps, then ridge.

The protocol is ``../shared/DESIGN.md`` §1 and ``notes/simulation.md`` §1-§3, for a
:class:`theory.OneStep` ``setup`` (sizes rounded to integers):

* **Initial network** (:func:`draw_initial`): ``W0`` (``width x d``, neurons as rows) uniform on the
  sphere (``init="sphere"``: Gaussian rows normalised) or with :math:`N(0, 1/d)` entries
  (``"gaussian"``); readout values ``s`` of unit scale: :math:`N(0,1)` (``"gaussian"``), :math:`\pm1`
  (``"rademacher"``), ``+1`` (``"constant"``), or ``"symmetric"``: ``width/2`` rows each duplicated
  with opposite signs, so :math:`f_0 \equiv 0`. Target direction :math:`\beta_* = e_1` (single
  index) or :math:`W^*` with rows :math:`e_1..e_r` (multi-index); both are equivalent in
  distribution to random orthonormal directions.
* **Data** (:func:`draw_data`): :math:`x \sim N(0, I_d)`,
  :math:`y = \sigma_*(x_1) + \sqrt{\Delta}\,\varepsilon` or :math:`g^*(x_{1..r}) + \sqrt\Delta\,\varepsilon`.
* **Step** (:func:`gradient_step`), on a fresh batch of ``n`` samples per step (``reuse_batch``:
  the first one each time):
  :math:`W \leftarrow W + \tau\,\mathrm{diag}(s)\,G`,
  :math:`G = \frac1n(\sigma'(XW^\top)\odot r\mathbf 1^\top)^\top X`, :math:`r = y - f(X)` with
  :math:`f(x) = \mathrm{output\_scale}\sum_i s_i\sigma(w_i\cdot x)` (``residual="full"``) or :math:`r=y`
  (``"labels"``).
* **Ridge** (:func:`ridge_fit`) on ``n_ridge`` fresh samples, features :math:`A = \sigma(XW_1^\top)/\sqrt p`:
  :math:`a = \arg\min |y - Aa|^2 + \lambda|a|^2` (``lam`` is :math:`\lambda_C`, ``notes/risk.md`` §1);
  primal (:math:`n \ge p`) or dual form, Cholesky, never an explicit inverse; ``lam = 0`` is the
  minimum-norm least-squares solution.
* **Errors** (:func:`ridge_errors`): train error on the ridge batch; test error on ``n_test`` fresh
  points **with** label noise (``test_error``) and the risk against :math:`f^*` **without** it
  (``test_risk``); mean squared errors without a factor 1/2, the test set streamed in chunks.

Measures (``measures=``), recorded per trial (``notes/simulation.md`` §3):

``"overlap"``
    :math:`\beta = X^\top r/n` on the first step's batch: ``beta_norm_sq``, ``beta_cos``
    (:math:`\cos(\beta, \beta_*)`; multi-index: ``beta_subspace_fraction``
    :math:`|P_{V^*}\beta|^2/|\beta|^2`).
``"weight_spike"``
    Top singular triple of :math:`W_1`: ``w1_top_singular_value``, ``w1_overlap_target_sq``
    :math:`\langle v_1,\beta_*\rangle^2` (:math:`v_1\in\mathbb R^d`), ``w1_overlap_beta_sq``
    :math:`\langle v_1,\hat\beta\rangle^2`, ``w1_overlap_readout_sq`` :math:`\langle u_1,\hat s\rangle^2`.
``"spectrum"``
    ``feature_singular_values``: the ``top_k`` largest singular values of :math:`F/\sqrt n`,
    :math:`F = \sigma(\tilde XW_1^\top)` on a fresh batch of ``n`` samples.
``"ridge"``
    ``train_error``, ``test_error``, ``test_risk`` (arrays over ``n_ridge`` x ``lam`` when
    these are arrays: a learning curve from nested subsets of one ridge pool per trial).

Seeding (``validation.seeding``): trial ``t`` uses ``trial_sequence(seed, t)``, and inside it one
stream per role (``W0``, ``readout``, ``step`` per step, ``ridge``, ``test``, ``noise``, ``extra``), so
results do not depend on how trials are distributed over processes and changing ``n`` leaves
``W0`` unchanged.

>>> import theory
>>> s = theory.OneStep(activation="tanh", target="sin", d=60, width=40, n=240, lr=1.0)
>>> sim = simulate(s, n_ridge=120, lam=0.1, trials=3, seed=1, n_test=500)
>>> sim.summary["test_error"].n, sim.get("beta_cos").shape
(3, (3,))
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
from scipy import linalg as sla

from theory._checks import check_integer, suggest
from theory._result import Result, to_jsonable

from .seeding import as_seed_sequence, role_generator, seed_record, trial_sequence
from .stats import Estimate, estimate

__all__ = [
    "MEASURES",
    "Initial",
    "SimulationResult",
    "draw_initial",
    "draw_data",
    "network_output",
    "gradient_step",
    "feature_matrix",
    "ridge_fit",
    "ridge_errors",
    "top_singular_values",
    "simulate",
    "sizes_of",
]

MEASURES = ("overlap", "weight_spike", "spectrum", "ridge")
_CHUNK = 4096


def sizes_of(setup) -> dict:
    """Integer sizes ``d``, ``width``, ``n`` of a setup (rounded; each at least 1)."""
    out = {}
    for name in ("d", "width", "n"):
        v = int(round(float(getattr(setup, name))))
        if v < 1:
            raise ValueError(f"{name} must round to a positive integer to simulate; got {getattr(setup, name)!r}")
        out[name] = v
    if setup.readout == "symmetric" and out["width"] % 2:
        raise ValueError(f"readout='symmetric' needs an even width; got width={out['width']}")
    if setup.is_multi_index and setup.target.r > out["d"]:
        raise ValueError(f"the target has r={setup.target.r} directions, more than d={out['d']}")
    return out


@dataclass(frozen=True)
class Initial:
    """Initial first layer ``W0`` (``width x d``), readout values ``s`` and the target's index set ``r``."""

    W0: np.ndarray
    s: np.ndarray
    r: int


def draw_initial(setup, trial_seq, *, dtype=np.float64) -> Initial:
    """Draw ``W0`` (role ``W0``) and the readout values ``s`` (role ``readout``) of one trial."""
    sz = sizes_of(setup)
    d, p = sz["d"], sz["width"]
    rng_w = role_generator(trial_seq, "W0")
    rows = p // 2 if setup.readout == "symmetric" else p
    W = rng_w.standard_normal((rows, d))
    if setup.init == "sphere":
        W /= np.linalg.norm(W, axis=1, keepdims=True)
    else:
        W /= math.sqrt(d)
    rng_s = role_generator(trial_seq, "readout")
    if setup.readout == "gaussian":
        s = rng_s.standard_normal(p)
    elif setup.readout == "rademacher":
        s = rng_s.choice(np.array([-1.0, 1.0]), size=p)
    elif setup.readout == "constant":
        s = np.ones(p)
    else:  # symmetric: rows duplicated with opposite signs, f0 = 0
        W = np.vstack([W, W])
        s = np.concatenate([np.ones(rows), -np.ones(rows)])
    r = setup.target.r if setup.is_multi_index else 1
    return Initial(W.astype(dtype, copy=False), s.astype(dtype, copy=False), r)


def _target_values(setup, X) -> np.ndarray:
    if setup.is_multi_index:
        return np.asarray(setup.target(X[:, : setup.target.r]), dtype=float).reshape(X.shape[0])
    return np.asarray(setup.target(X[:, 0]), dtype=float)


def draw_data(setup, n: int, rng, noise_rng=None, *, dtype=np.float64):
    """``X`` (``n x d``, standard Gaussian), labels ``y`` (with noise) and the clean ``f*(X)``."""
    d = sizes_of(setup)["d"]
    X = rng.standard_normal((int(n), d)).astype(dtype, copy=False)
    fstar = _target_values(setup, X)
    y = fstar
    if setup.noise_var > 0:
        nr = noise_rng if noise_rng is not None else rng
        y = fstar + math.sqrt(setup.noise_var) * nr.standard_normal(int(n))
    return X, y.astype(dtype, copy=False), fstar


def network_output(W, s, X, setup) -> np.ndarray:
    r""":math:`f(x) = \mathrm{output\_scale}\sum_i s_i\sigma(w_i\cdot x)` on the rows of ``X``."""
    return setup.effective_output_scale * (setup.activation(X @ W.T) @ s)


def gradient_step(W, s, X, y, setup, *, return_gradient: bool = False):
    r"""One full-batch step: :math:`W + \tau\,\mathrm{diag}(s)\,G`, :math:`G = \frac1n(\sigma'(XW^\top)\odot r)^\top X`.

    ``r = y - f(X)`` (``residual="full"``) or ``y`` (``"labels"``). Returns ``W1`` (and ``G``, and
    ``r`` when ``return_gradient``).
    """
    Z = X @ W.T
    if setup.residual == "full":
        r = y - setup.effective_output_scale * (setup.activation(Z) @ s)
    else:
        r = y
    D = setup.activation.deriv(Z) * r[:, None]
    G = (D.T @ X) / X.shape[0]
    W1 = W + setup.lr * (s[:, None] * G)
    return (W1, G, r) if return_gradient else W1


def feature_matrix(W, X, activation) -> np.ndarray:
    r""":math:`\sigma(XW^\top)` (``n x width``)."""
    return activation(X @ W.T)


def ridge_fit(H, y, lam) -> np.ndarray:
    r"""Readout :math:`a = \arg\min_a |y - Aa|^2 + \lambda|a|^2` with :math:`A = H/\sqrt p`.

    ``lam`` may be a scalar or a 1-d array (then ``a`` has shape ``(len(lam), p)``). Primal form
    when ``n >= p``, dual otherwise; Cholesky for a scalar ``lam > 0``, one symmetric
    eigendecomposition for an array; ``lam = 0`` gives the minimum-norm least-squares solution.
    """
    H = np.asarray(H)
    n, p = H.shape
    A = H / math.sqrt(p)
    lam_arr = np.asarray(lam, dtype=float)
    if np.any(lam_arr < 0) or not np.all(np.isfinite(lam_arr)):
        raise ValueError(f"lam must be finite and >= 0; got {lam!r}")
    if lam_arr.ndim == 0:
        lam_f = float(lam_arr)
        if lam_f == 0.0:
            return np.linalg.lstsq(A, y, rcond=None)[0]
        if n >= p:
            c = sla.cho_factor(A.T @ A + lam_f * np.eye(p), lower=True, check_finite=False)
            return sla.cho_solve(c, A.T @ y, check_finite=False)
        c = sla.cho_factor(A @ A.T + lam_f * np.eye(n), lower=True, check_finite=False)
        return A.T @ sla.cho_solve(c, y, check_finite=False)
    lam_v = lam_arr.ravel()
    if n >= p:
        e, V = np.linalg.eigh(A.T @ A)
        e = np.maximum(e, 0.0)
        b = V.T @ (A.T @ y)
        with np.errstate(divide="ignore", invalid="ignore"):
            inv = np.where(e[None, :] + lam_v[:, None] > 0, 1.0 / (e[None, :] + lam_v[:, None]), 0.0)
        return (inv * b[None, :]) @ V.T
    e, U = np.linalg.eigh(A @ A.T)
    e = np.maximum(e, 0.0)
    b = U.T @ y
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(e[None, :] + lam_v[:, None] > 0, 1.0 / (e[None, :] + lam_v[:, None]), 0.0)
    return ((inv * b[None, :]) @ U.T) @ A


def ridge_errors(W1, setup, a, H_train, y_train, test_rng, *, n_test: int, noise_rng=None, dtype=np.float64) -> dict:
    """Train error on the ridge batch; test error (with label noise) and risk (without) on
    ``n_test`` fresh points drawn from ``test_rng`` in chunks. ``a`` may be ``(k, p)`` for ``k`` fits."""
    p = H_train.shape[1]
    a2 = np.atleast_2d(a)
    pred = (H_train @ a2.T) / math.sqrt(p)
    train = np.mean((y_train[:, None] - pred) ** 2, axis=0)
    sq_err = np.zeros(a2.shape[0])
    sq_risk = np.zeros(a2.shape[0])
    done = 0
    while done < n_test:
        m = min(_CHUNK, n_test - done)
        X, y, fstar = draw_data(setup, m, test_rng, noise_rng, dtype=dtype)
        pt = (feature_matrix(W1, X, setup.activation) @ a2.T) / math.sqrt(p)
        sq_err += np.sum((y[:, None] - pt) ** 2, axis=0)
        sq_risk += np.sum((fstar[:, None] - pt) ** 2, axis=0)
        done += m
    out = {"train_error": train, "test_error": sq_err / n_test, "test_risk": sq_risk / n_test}
    if np.ndim(a) == 1:
        out = {k: float(v[0]) for k, v in out.items()}
    return out


def top_singular_values(M, k: int) -> np.ndarray:
    """The ``k`` largest singular values of ``M`` (descending), from the Gram matrix of the smaller side."""
    n, p = M.shape
    gram = M.T @ M if n >= p else M @ M.T
    e = np.linalg.eigvalsh(gram)[::-1][: int(k)]
    return np.sqrt(np.maximum(e, 0.0))


def _top_triple(W):
    """Top singular value of ``W`` with its left (``width``) and right (``d``) unit vectors."""
    U, S, Vt = np.linalg.svd(W, full_matrices=False)
    return float(S[0]), U[:, 0], Vt[0]


@dataclass(frozen=True)
class SimulationResult(Result):
    """Outcome of :func:`simulate`.

    ``records``: one dict per trial (floats or arrays); ``summary``: an :class:`Estimate` per
    quantity over trials (elementwise for arrays); ``seed``: the root seed record; ``sizes``: the
    integer sizes used; ``settings``: the keyword arguments.
    """

    setup: object
    records: tuple
    summary: dict
    seed: dict
    sizes: dict
    settings: dict = field(default_factory=dict)
    elapsed_s: float = 0.0

    def get(self, name: str) -> np.ndarray:
        """Per-trial values of ``name`` stacked along the first axis."""
        if not self.records or name not in self.records[0]:
            have = sorted(self.records[0]) if self.records else []
            raise KeyError(f"no quantity {name!r}; have {have}{suggest(name, have)}")
        return np.asarray([rec[name] for rec in self.records], dtype=float)

    def to_dict(self) -> dict:
        out = super().to_dict()
        out["setup"] = self.setup.to_dict() if hasattr(self.setup, "to_dict") else to_jsonable(self.setup)
        return out


def _check_measures(measures) -> tuple:
    if isinstance(measures, str):
        measures = (measures,)
    out = []
    for m in measures:
        if m not in MEASURES:
            raise ValueError(f"measures must be among {', '.join(map(repr, MEASURES))}; got {m!r}{suggest(str(m), MEASURES)}")
        out.append(m)
    return tuple(dict.fromkeys(out))


def _one_trial(setup, sz, tseq, *, measures, n_ridge, lam, n_test, top_k, dtype, reuse):
    init = draw_initial(setup, tseq, dtype=dtype)
    W, s = init.W0, init.s
    rec = {}
    first = None
    for t in range(setup.steps):
        idx = 0 if setup.reuse_batch else t
        if first is None or not setup.reuse_batch:
            X, y, _ = draw_data(setup, sz["n"], role_generator(tseq, "step", idx),
                                role_generator(tseq, "noise", idx), dtype=dtype)
            if first is None:
                first = (X, y)
        else:
            X, y = first
        W, G, r = gradient_step(W, s, X, y, setup, return_gradient=True)
        if t == 0 and "overlap" in measures:
            beta = (X.T @ r) / X.shape[0]
            nb = float(beta @ beta)
            rec["beta_norm_sq"] = nb
            if setup.is_multi_index:
                rec["beta_subspace_fraction"] = float(beta[: init.r] @ beta[: init.r]) / nb if nb > 0 else 0.0
            else:
                rec["beta_cos"] = float(beta[0]) / math.sqrt(nb) if nb > 0 else 0.0
            rec["_beta_hat"] = beta / math.sqrt(nb) if nb > 0 else beta
    if "weight_spike" in measures:
        s1, u1, v1 = _top_triple(W)
        rec["w1_top_singular_value"] = s1
        rec["w1_overlap_target_sq"] = float(np.sum(v1[: init.r] ** 2))
        if "_beta_hat" in rec:
            rec["w1_overlap_beta_sq"] = float((v1 @ rec["_beta_hat"]) ** 2)
        ns = float(np.linalg.norm(s))
        rec["w1_overlap_readout_sq"] = float((u1 @ s) ** 2) / ns**2 if ns > 0 else 0.0
    rec.pop("_beta_hat", None)
    if "spectrum" in measures:
        Xs, _, _ = draw_data(setup, sz["n"], role_generator(tseq, "extra", 0), role_generator(tseq, "noise", 900),
                             dtype=dtype)
        F = feature_matrix(W, Xs, setup.activation)
        rec["feature_singular_values"] = top_singular_values(F / math.sqrt(sz["n"]), top_k)
    if "ridge" in measures and n_ridge is not None:
        nr = np.atleast_1d(np.asarray(n_ridge, dtype=int))
        if reuse:
            if nr.max() > first[0].shape[0]:
                raise ValueError(f"reuse=True needs n_ridge <= n = {first[0].shape[0]}; got {nr.max()}")
            Xr, yr = first
        else:
            Xr, yr, _ = draw_data(setup, int(nr.max()), role_generator(tseq, "ridge"),
                                  role_generator(tseq, "noise", 100), dtype=dtype)
        H = feature_matrix(W, Xr, setup.activation)
        lam_arr = np.asarray(lam, dtype=float)
        res = {"train_error": [], "test_error": [], "test_risk": []}
        for m in nr:  # nested subsets of one ridge pool; the same test points for every fit
            a = ridge_fit(H[:m], yr[:m], lam_arr)
            e = ridge_errors(W, setup, a, H[:m], yr[:m], role_generator(tseq, "test"), n_test=n_test,
                             noise_rng=role_generator(tseq, "noise", 200), dtype=dtype)
            for k in res:
                res[k].append(e[k])
        for k, v in res.items():
            v = np.asarray(v, dtype=float)  # shape (len(n_ridge), [len(lam)])
            if np.ndim(n_ridge) == 0:
                v = v[0]
            rec[k] = float(v) if np.ndim(v) == 0 else v
    return rec


def simulate(setup, *, n_ridge=None, lam=None, trials: int = 1, seed=None, n_test: int = 10_000,
             measures=("overlap", "spectrum", "ridge"), top_k: int = 10, dtype=np.float64,
             reuse: bool = False) -> SimulationResult:
    """Run ``trials`` independent trials of the experiment ``setup`` and summarise them.

    Parameters
    ----------
    setup : theory.OneStep
    n_ridge : int or array of int, optional
        Ridge sample size(s); required for the ``"ridge"`` measure (skipped when ``None``).
    lam : float or array, optional
        Ridge penalty :math:`\\lambda_C` (``theory.conventions``); default 0 (least squares) when
        ``n_ridge`` is given.
    trials : int
        Independent trials (``trial_sequence(seed, t)`` for ``t < trials``).
    seed : int, SeedSequence, Generator or None
    n_test : int
        Fresh test points per trial.
    measures : sequence of str
        Among :data:`MEASURES` (module docstring).
    top_k : int
        Number of singular values recorded by ``"spectrum"``.
    dtype : numpy float dtype
        ``float64`` (default) or ``float32`` for the data, weights and features.
    reuse : bool
        Fit the ridge readout on the first step's batch instead of a fresh one.

    Returns
    -------
    SimulationResult
    """
    from theory import OneStep

    t0 = time.perf_counter()
    if not isinstance(setup, OneStep):
        raise TypeError(f"setup must be a theory.OneStep; got {type(setup).__name__}")
    sz = sizes_of(setup)
    trials = check_integer(trials, "trials", minimum=1)
    n_test = check_integer(n_test, "n_test", minimum=1)
    top_k = check_integer(top_k, "top_k", minimum=1)
    measures = _check_measures(measures)
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise ValueError(f"dtype must be float64 or float32; got {dtype}")
    if not isinstance(reuse, (bool, np.bool_)):
        raise TypeError(f"reuse must be a bool; got {type(reuse).__name__}")
    if n_ridge is not None:
        nr = np.asarray(n_ridge, dtype=float)
        if nr.ndim > 1 or nr.size == 0 or not np.all(np.isfinite(nr)) or np.any(nr < 1):
            raise ValueError(f"n_ridge must be a positive number or a 1-d array of them; got {n_ridge!r}")
        n_ridge = int(round(float(nr))) if nr.ndim == 0 else np.round(nr).astype(int)
        lam = 0.0 if lam is None else lam
        la = np.asarray(lam, dtype=float)
        if la.ndim > 1 or la.size == 0 or not np.all(np.isfinite(la)) or np.any(la < 0):
            raise ValueError(f"lam must be a number >= 0 or a 1-d array of them; got {lam!r}")
        lam = float(la) if la.ndim == 0 else la
    root = as_seed_sequence(seed)
    records = []
    for t in range(trials):
        rec = _one_trial(setup, sz, trial_sequence(root, t), measures=measures, n_ridge=n_ridge, lam=lam,
                         n_test=n_test, top_k=top_k, dtype=dtype, reuse=bool(reuse))
        records.append(rec)
    summary = {k: estimate(np.asarray([r[k] for r in records], dtype=float)) for k in records[0]}
    settings = {"n_ridge": n_ridge, "lam": lam, "trials": trials, "n_test": n_test, "measures": list(measures),
                "top_k": top_k, "dtype": str(dtype), "reuse": bool(reuse), "noise_in_test_error": True}
    return SimulationResult(setup=setup, records=tuple(records), summary=summary, seed=seed_record(root),
                            sizes=sz, settings=to_jsonable(settings), elapsed_s=time.perf_counter() - t0)
