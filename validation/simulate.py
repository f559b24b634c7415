r"""Monte Carlo of the finite-size experiment: one (or a few) gradient steps, then ridge.

The protocol is ``docs/theory/conventions.md#the-network`` and ``docs/theory/simulation.md#building-blocks``, for a
:class:`theory.OneStep` ``setup`` (sizes rounded to integers); ``docs/simulate.md`` gives each
paper's protocol in these terms.

* **Initial network** (:func:`draw_initial`): ``W0`` (``width x d``, neurons as rows) uniform on the
  sphere (``init="sphere"``: Gaussian rows normalised) or with :math:`N(0, 1/d)` entries
  (``"gaussian"``); readout values ``s`` of unit scale: :math:`N(0,1)` (``"gaussian"``), :math:`\pm1`
  (``"rademacher"``), ``+1`` (``"constant"``), or ``"symmetric"``: ``width/2`` rows each duplicated
  with opposite signs, so :math:`f_0 \equiv 0`. Target direction :math:`\beta_* = e_1` (single
  index) or :math:`W^*` with rows :math:`e_1..e_r` (multi-index, duck-typed: ``target.r`` and
  ``target(Z)`` on the projections); both are equivalent in distribution to random orthonormal
  directions.
* **Data** (:func:`draw_data`): :math:`x \sim N(0, I_d)`,
  :math:`y = \sigma_*(x_1) + \sqrt{\Delta}\,\varepsilon` or :math:`g^*(x_{1..r}) + \sqrt\Delta\,\varepsilon`.
* **Step** (:func:`gradient_step`), on a fresh batch of ``n`` samples per step (``reuse_batch``:
  the first one each time):
  :math:`W \leftarrow W + \tau\,\mathrm{diag}(s)\,G`,
  :math:`G = \frac1n(\sigma'(XW^\top)\odot r\mathbf 1^\top)^\top X`, :math:`r = y - f(X)` with
  :math:`f(x) = \mathrm{output\_scale}\sum_i s_i\sigma(w_i\cdot x)` (``residual="full"``) or :math:`r=y`
  (``"labels"``). ``center_labels=True`` replaces :math:`y` by :math:`y - A - XB` with
  :math:`A = \bar y`, :math:`B = X^\top y/n` estimated on the same batch (Dandi et al.,
  ``docs/theory/simulation.md#dandi-et-al``).
* **Model** (``model=``): the features after the step are those of the real network
  (``"network"``), of Moniri et al.'s equivalent model (``"equivalent"``), or of Cui et al.'s spiked
  random features (``"srf"``); see :mod:`validation.surrogates`. All three use the same streams, so
  runs with the same seed share ``W0``, the step batch, the ridge pool and the test set (paired).
* **Ridge** (:func:`validation.ridge.ridge_path`) on ``n_ridge`` fresh samples (``reuse=True``: the
  first step's batch), features :math:`A = \sigma(XW_1^\top)/\sqrt p`:
  :math:`a = \arg\min |y - Aa|^2 + \lambda_C|a|^2` (``docs/theory/conventions.md#ridge-normalisation``); ``lam`` is read in the
  convention ``lam_convention`` and converted to :math:`\lambda_C` (:mod:`theory.conventions`).
  ``n_ridge`` and ``lam`` may be arrays: a learning curve on nested subsets of one pool per trial.
  With ``center_labels`` the fit uses the subset's own :math:`A_m, B_m` and adds them back to the
  prediction (training estimates only, never the test labels).
* **Errors**: train error on the fitted subset; on ``n_test`` fresh points streamed in chunks, the
  test error **with** label noise (``test_error``) and the risk against :math:`f^*` **without** it
  (``test_risk``); mean squared errors without a factor 1/2.

Measures (``measures=``), recorded per trial (``docs/theory/simulation.md#what-to-measure``); array-valued entries
are summarised elementwise:

``"overlap"``
    :math:`\beta = X^\top r/n` on the first step's batch: ``beta_norm_sq``, ``beta_cos``
    (:math:`\cos(\beta, \beta_*)`; multi-index: ``beta_subspace_fraction``
    :math:`|P_{V^*}\beta|^2/|\beta|^2`).
``"weight_spike"``
    Top singular triple of :math:`W_1` (``srf``: the surrogate's weights): ``w1_top_singular_value``,
    ``w1_overlap_target_sq`` :math:`|P_{V^*}v_1|^2` (:math:`v_1\in\mathbb R^d`), ``w1_overlap_beta_sq``
    :math:`\langle v_1,\hat\beta\rangle^2`, ``w1_overlap_readout_sq`` :math:`\langle u_1,\hat s\rangle^2`.
``"gradient"``
    ``gradient_rank_one_ratio`` :math:`\|\mathrm{diag}(s)G - \mu_1 s\beta^\top\|_{op}/\|\mathrm{diag}(s)G\|_{op}` of the first
    step (Ba et al. Prop. 2, ``docs/theory/step.md#rank-one-structure``), ``gradient_op_norm``
    :math:`\|\mathrm{diag}(s)G\|_{op}` (``model="network"``).
``"spectrum"``
    ``feature_singular_values``: the ``top_k`` largest singular values of :math:`F/\sqrt n`,
    :math:`F` the model's features on a fresh batch of ``n`` samples.
``"bulk_edge"``
    ``f0_singular_values``: the ``top_k`` largest singular values of :math:`F_0/\sqrt n`,
    :math:`F_0 = \sigma(\tilde XW_0^\top)` on the same batch (the bulk before the step; its top value
    estimates the edge, ``docs/theory/simulation.md#what-to-measure``).
``"alignment"``
    On the same :math:`F`: ``left_monomial_alignment`` (``(kmax+1) x top_k``)
    :math:`|\langle u_j, v_k\rangle|/\|v_k\|` with :math:`v_k = (\tilde X\beta)^{\circ k}`, :math:`k = 0..k_{\max}`;
    ``left_gs_alignment``: the same for the Gram-Schmidt orthonormalised monomials (sample Hermite
    features); ``right_readout_alignment`` (``kmax x top_k``): right vectors against
    :math:`s^{\circ k}`, :math:`k = 1..k_{\max}` (``docs/theory/spikes.md#spike-sizes``). The direction is :math:`\beta`
    (``srf``: the spike direction :math:`\hat v`).
``"spike_count"``
    ``feature_gap_ratios`` :math:`s_j/s_{j+1}` (:math:`j \le m_{\max}`), the same for a spike-free null
    (``null_singular_values``, ``null_gap_ratios``: every neuron's common shift replaced by one of the
    same length along its own random direction, :func:`validation.measure.null_weights`), and
    ``spike_count``: the largest :math:`j \le m_{\max}` whose ratio exceeds ``gap_threshold`` (default:
    :math:`1 + 2(\rho_{\max} - 1)` with :math:`\rho_{\max}` the largest null ratio over all trials of the call,
    :func:`validation.measure.gap_threshold`; recorded in ``settings``).
``"neurons"``
    Per-neuron fractions :math:`q_i = |P_{V^*}w_i|^2/|w_i|^2` of the final weights:
    ``neuron_target_fraction_mean``, ``neuron_target_fraction_max``, ``neuron_aligned_fraction``
    (share of neurons with :math:`q_i > 1/2`), ``neuron_norm_sq_mean``, and
    ``update_target_fraction_mean`` for the rows of :math:`W_1 - W_0`.
``"weight_spectrum"``
    The top ``top_k`` singular triples :math:`(\theta_j, a_j, b_j)` of the final first layer (after every
    step; for several steps, Moniri & Hassani 2026): ``w_singular_values``; ``w_right_target_sq``
    (:math:`|P_{V^*}b_j|^2`), ``w_right_step_sq`` (``steps x top_k``: :math:`\cos^2(b_j, u_t)` with
    :math:`u_t = X_t^\top r_t/n` the direction of step :math:`t`'s batch); ``w_left_readout_gs``
    (``kmax x top_k``: :math:`|\langle a_j, q_k\rangle|` for the Gram-Schmidt orthonormalised readout powers
    :math:`q_k` of :math:`s, s^{\circ 2}, \dots, s^{\circ k_{\max}}`); ``w0_top_singular_value`` (the bulk
    edge of :math:`W_0` on the same draw). With ``"overlap"`` and several steps, ``step_cos``
    (:math:`\cos(u_t, \beta_*)`, one per step; for a multi-index target the square root of the fraction of
    :math:`u_t` in the target subspace) and ``step_norm_sq`` (:math:`|u_t|^2`).
``"ridge"``
    ``train_error``, ``test_error``, ``test_risk`` and the test-set sampling errors
    ``test_error_sampling_se``, ``test_risk_sampling_se`` (shape ``(len(n_ridge), len(lam))`` for
    arrays, a scalar axis dropped).

Seeding (``validation.seeding``): trial ``t`` uses ``trial_sequence(seed, t)``, and inside it one
stream per role: ``W0``; ``readout``; ``step``/``noise`` with index ``t`` for the batch of step
``t``; ``extra`` 0 for the spectrum batch; ``ridge``/``noise`` 100 for the ridge pool;
``test``/``noise`` 200 for the test set; ``extra`` 2 for the sRF direction :math:`\hat\zeta`;
``extra`` 3 for the null directions. Results therefore do not depend on how trials are distributed
over workers, and changing ``n`` leaves ``W0`` unchanged.

>>> import theory
>>> s = theory.OneStep(activation="tanh", target="sin", d=60, width=40, n=240, lr=1.0)
>>> sim = simulate(s, n_ridge=120, lam=0.1, trials=3, seed=1, n_test=500)
>>> sim.summary["test_error"].n, sim.get("beta_cos").shape
(3, (3,))
>>> rf = simulate(s.with_(lr=0.0), n_ridge=120, lam=0.1, trials=3, seed=1, n_test=500, measures=("ridge",))
>>> srf0 = simulate(s.with_(lr=0.0), n_ridge=120, lam=0.1, trials=3, seed=1, n_test=500, measures=("ridge",),
...                 model="srf")
>>> bool(np.allclose(rf.get("test_error"), srf0.get("test_error")))   # no step: both are random features
True
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from theory._checks import check_choice, check_integer, suggest
from theory._result import Result, to_jsonable

from . import measure as _m
from .ridge import CHUNK as _CHUNK
from .ridge import ridge_fit, ridge_path, stream_test_errors
from .seeding import as_seed_sequence, role_generator, seed_record, trial_sequence
from .stats import estimate
from .surrogates import (
    EquivalentFeatures,
    NetworkFeatures,
    SpikedRFFeatures,
    apply_activation,
    interval_degrees,
    surrogate_features,
)
from theory.regimes import simulator_models, simulator_regime

__all__ = [
    "MEASURES",
    "MODELS",
    "LAM_CONVENTIONS",
    "Initial",
    "SimulationResult",
    "draw_initial",
    "draw_data",
    "network_output",
    "gradient_step",
    "feature_matrix",
    "ridge_fit",
    "ridge_errors",
    "lam_to_reference",
    "top_singular_values",
    "chunk_rows",
    "simulate",
    "sizes_of",
]

MEASURES = ("overlap", "weight_spike", "spectrum", "ridge", "gradient", "alignment", "spike_count", "neurons",
            "bulk_edge", "weight_spectrum")
MODELS = ("network",) + simulator_models()  # the regimes' equivalent models (theory.regimes)
LAM_CONVENTIONS = ("reference", "cui", "dandi", "ba", "moniri", "per_sample")
top_singular_values = _m.top_singular_values


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
    if setup.is_multi_index:
        r = getattr(setup.target, "r", None)
        if isinstance(r, bool) or not isinstance(r, (int, np.integer)) or r < 1:
            raise ValueError(f"a multi-index target must have a positive integer r; got r={r!r}")
        if r > out["d"]:
            raise ValueError(f"the target has r={r} directions, more than d={out['d']}")
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
    scale = float(getattr(setup.data, "init_scale", 1.0)) if setup.data is not None else 1.0
    if scale != 1.0:  # the data model rescales the initial first layer (theory.model.data.DataModel.init_scale)
        W *= scale
    return Initial(W.astype(dtype, copy=False), s.astype(dtype, copy=False), r)


def _target_values(setup, X) -> np.ndarray:
    n = X.shape[0]
    if setup.is_multi_index:
        r = setup.target.r
        out = np.asarray(setup.target(np.asarray(X[:, :r], dtype=float)), dtype=float)
        if out.size != n:
            raise ValueError(f"the multi-index target must map an (n, r={r}) array to n values; got shape {out.shape}")
        return out.reshape(n)
    out = np.asarray(setup.target(X[:, 0]), dtype=float)
    if out.shape != (n,):
        raise ValueError(f"the target must map n inputs to n values; got shape {out.shape} for n={n}")
    return out


def _lr_text(setup) -> str:
    """``lr`` for a title: one number, or one per step separated by commas."""
    return ",".join(f"{v:g}" for v in setup.lrs) if isinstance(setup.lr, tuple) else f"{setup.lr:g}"


def draw_inputs(setup, n: int, rng, *, dtype=np.float64):
    """``(X, components)``: ``n`` inputs of the setup's data law (standard Gaussian when ``setup.data`` is
    ``None``; otherwise ``setup.data.sample``, :mod:`theory.model.data`) and the component of each row
    (``None`` for isotropic data)."""
    if setup.data is None:
        d = sizes_of(setup)["d"]
        return rng.standard_normal((int(n), d)).astype(dtype, copy=False), None
    X, comp = setup.data.sample(rng, int(n), dtype=dtype)
    return np.asarray(X).astype(dtype, copy=False), comp


def draw_data(setup, n: int, rng, noise_rng=None, *, dtype=np.float64):
    """``X`` (``n x d``, from the setup's data law), labels ``y`` (with noise) and the clean ``f*(X)``."""
    X, comp = draw_inputs(setup, n, rng, dtype=dtype)
    if setup.data is not None and getattr(setup.data, "task", "regression") == "classification":
        fstar = np.asarray(setup.data.class_labels(comp), dtype=float).reshape(X.shape[0])
    else:
        fstar = _target_values(setup, X)
    y = fstar
    if setup.noise_var > 0:
        nr = noise_rng if noise_rng is not None else rng
        y = fstar + math.sqrt(setup.noise_var) * nr.standard_normal(int(n))
    return X, y.astype(dtype, copy=False), fstar


def network_output(W, s, X, setup) -> np.ndarray:
    r""":math:`f(x) = \mathrm{output\_scale}\sum_i s_i\sigma(w_i\cdot x)` on the rows of ``X``."""
    return setup.effective_output_scale * (apply_activation(setup.activation.func, X @ W.T) @ s)


def _deriv(act, Z):
    fn = act.derivative if act.derivative is not None else act.deriv
    return apply_activation(fn, Z)


def _step_pass(W, s, chunks, setup, *, need_gradient: bool = True, keep_residual: bool = False):
    r"""One pass over a batch given as ``(X_c, y_c)`` row blocks: the gradient sum
    :math:`\sum_\mu (\sigma'(W x_\mu)\odot r_\mu) x_\mu^\top` (``need_gradient``), :math:`X^\top r` (float64)
    and the number of rows; the residuals too when ``keep_residual``. No ``n x width`` matrix and no
    whole batch is held: each block is drawn, used and released."""
    G = np.zeros(W.shape, dtype=W.dtype) if need_gradient else None
    xr = np.zeros(W.shape[1])
    parts = [] if keep_residual else None
    n = 0
    for Xc, yc in chunks:
        Z = Xc @ W.T.astype(Xc.dtype, copy=False)
        if setup.residual == "full":
            rc = yc - setup.effective_output_scale * (apply_activation(setup.activation.func, Z) @ s)
        else:
            rc = yc
        rc = rc.astype(Xc.dtype, copy=False)
        if need_gradient:
            D = _deriv(setup.activation, Z)
            del Z
            D *= rc[:, None].astype(D.dtype, copy=False)
            G += D.T @ Xc
            del D
        xr += Xc.T @ rc
        if keep_residual:
            parts.append(rc)
        n += Xc.shape[0]
    return G, xr, n, (np.concatenate(parts) if keep_residual else None)


def _blocks(X, y, chunk):
    for start in range(0, X.shape[0], int(chunk)):
        yield X[start:start + int(chunk)], y[start:start + int(chunk)]


def gradient_step(W, s, X, y, setup, *, return_gradient: bool = False, chunk: int = _CHUNK, lr=None):
    r"""One full-batch step: :math:`W + \tau\,\mathrm{diag}(s)\,G`, :math:`G = \frac1n(\sigma'(XW^\top)\odot r)^\top X`.

    ``r = y - f(X)`` (``residual="full"``) or ``y`` (``"labels"``); ``docs/theory/simulation.md#building-blocks`` ("the
    step, for every paper"). It is :math:`-\tau/\mathrm{output\_scale}` times the gradient of
    :math:`\frac1{2n}\sum_\mu (y_\mu - f(x_\mu))^2` with respect to :math:`W` (``"full"``). The sum over
    samples is accumulated over blocks of ``chunk`` rows, so no ``n x width`` matrix is formed. Returns
    ``W1`` (and ``G`` and ``r`` when ``return_gradient``), in the dtype of ``X``. ``lr`` (default: the
    setup's first step size) is the step size :math:`\tau` of this step.
    """
    Wx = W.astype(np.result_type(X.dtype, W.dtype), copy=False)
    G, _, n, r = _step_pass(Wx, s, _blocks(X, np.asarray(y), chunk), setup, keep_residual=return_gradient)
    G /= n
    W1 = W + (setup.lrs[0] if lr is None else lr) * (s[:, None] * G)
    return (W1, G, r) if return_gradient else W1


def feature_matrix(W, X, activation) -> np.ndarray:
    r""":math:`\sigma(XW^\top)` (``n x width``), in the dtype of ``X``."""
    return apply_activation(activation.func, X @ W.T.astype(X.dtype, copy=False))


def ridge_errors(W1, setup, a, H_train, y_train, test_rng, *, n_test: int, noise_rng=None, dtype=np.float64,
                 features=None) -> dict:
    """Train error on the ridge batch; test error (with label noise) and risk (without) on
    ``n_test`` fresh points drawn from ``test_rng`` in chunks. ``a`` may be ``(k, p)`` for ``k`` fits.

    ``features`` (a callable ``X -> H``) replaces the network features :math:`\\sigma(XW_1^\\top)`.
    Also returns the sampling standard errors of the test averages (``*_sampling_se``).
    """
    p = H_train.shape[1]
    a2 = np.atleast_2d(a)
    pred = (np.asarray(H_train, dtype=float) @ a2.T) / math.sqrt(p)
    train = np.mean((np.asarray(y_train, dtype=float)[:, None] - pred) ** 2, axis=0)
    feats = features if features is not None else (lambda X: feature_matrix(W1, X, setup.activation))
    out = stream_test_errors(feats, a2, lambda m: draw_data(setup, m, test_rng, noise_rng, dtype=dtype), int(n_test))
    out["train_error"] = train
    if np.ndim(a) == 1:
        out = {k: float(v[0]) for k, v in out.items()}
    return out


def lam_to_reference(lam, convention: str, n_ridge, width) -> np.ndarray:
    r""":math:`\lambda_C` of the reference objective from a paper's penalty (``docs/theory/conventions.md#ridge-normalisation``).

    ``convention``: ``"reference"``, ``"cui"`` and ``"dandi"`` (the reference form itself; for Dandi
    et al. this reads their ``lamb`` as :math:`\lambda_C`, which the note marks open), ``"ba"``
    (:math:`\lambda_C = \lambda n/N`), ``"moniri"`` (same map), ``"per_sample"``
    (:math:`\lambda_C = \lambda_B n/p`), via :mod:`theory.conventions`. Returns an array of shape
    ``(len(n_ridge), len(lam))``.

    >>> lam_to_reference([0.1, 1.0], "ba", [200, 400], 100).tolist()
    [[0.2, 2.0], [0.4, 4.0]]
    """
    from theory import conventions as conv

    check_choice(convention, LAM_CONVENTIONS, "lam_convention")
    lams = np.atleast_1d(np.asarray(lam, dtype=float))
    ns = np.atleast_1d(np.asarray(n_ridge, dtype=float))
    fn = {"ba": conv.lam_from_ba, "moniri": conv.lam_from_moniri, "per_sample": conv.lam_from_per_sample}.get(convention)
    if fn is None:
        return np.broadcast_to(lams, (ns.size, lams.size)).astype(float)
    return np.array([[fn(float(la), float(m), float(width)) for la in lams] for m in ns])


@dataclass(frozen=True)
class SimulationResult(Result):
    """Outcome of :func:`simulate`.

    ``records``: one dict per trial (floats or arrays); ``summary``: an :class:`Estimate` per
    quantity over trials (elementwise for arrays); ``seed``: the root seed record; ``sizes``: the
    integer sizes used; ``settings``: the keyword arguments (and derived values such as the
    converted penalty ``lam_c`` and the ``gap_threshold`` used).
    """

    setup: object
    records: tuple
    summary: dict
    seed: dict
    sizes: dict
    settings: dict = field(default_factory=dict)
    elapsed_s: float = 0.0

    def table(self) -> str:
        """The summary as ``onegrad simulate`` prints it (:func:`validation.tables.simulation_table`): each
        quantity labelled by its ``n_ridge`` and ``lam``, mean, standard error and 95% interval."""
        from .tables import setup_text, simulation_table

        trials = len(self.records)
        title = (f"# simulation: {setup_text(self.sizes)}, lr={_lr_text(self.setup)}, {trials} trial(s) "
                 f"({self.elapsed_s:.1f} s); test_error includes label noise, test_risk does not")
        return simulation_table(self, title=title)

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


@dataclass(frozen=True)
class _Config:
    measures: tuple
    model: str
    n_ridge: object
    lam_c: np.ndarray | None
    n_test: int
    top_k: int
    kmax: int
    m_max: int
    dtype: np.dtype
    reuse: bool
    center: bool
    degrees: tuple | None
    mu1: float | None
    lam_scalar: bool = True
    coefficients: tuple | None = None


def _center(X, y):
    A = float(np.mean(y))
    B = (X.T @ y) / X.shape[0]
    return (y - A - X @ B).astype(y.dtype, copy=False)


def chunk_rows(sizes: dict) -> int:
    """Rows per block of the chunked passes: a block of inputs and its features stay near an eighth
    of one ``n x d`` data matrix (at least 64 rows, at most :data:`validation.ridge.CHUNK`).

    Every pass draws its rows in order from its own stream, so the results do not depend on this
    choice (up to the order of floating-point sums)."""
    wide = max(sizes["d"], sizes["width"])
    return int(min(_CHUNK, max(64, (sizes["n"] * sizes["d"]) // (8 * wide))))


def _stream(setup, n, rng, noise_rng, dt, chunk):
    """Row blocks ``(X, y, f*)`` of an ``n``-sample batch; the same values as one :func:`draw_data`
    call with these generators (each block continues both streams)."""
    done = 0
    while done < n:
        m = min(int(chunk), n - done)
        yield draw_data(setup, m, rng, noise_rng, dtype=dt)
        done += m


class _Spectrum:
    """Top singular values of a feature matrix filled in row blocks: the Gram matrix of the columns is
    accumulated (float64 sum of per-block products in the features' dtype) when ``n >= p`` and no
    vectors are needed; otherwise the matrix itself is kept."""

    def __init__(self, n, p, dt, keep):
        self.keep = keep or n < p
        self.store = np.empty((n, p), dtype=dt) if self.keep else None
        self.gram = None if self.keep else np.zeros((p, p))

    def add(self, lo, Fc):
        if self.keep:
            self.store[lo:lo + Fc.shape[0]] = Fc
        else:
            self.gram += Fc.T @ Fc

    def values(self, k):
        if self.keep:
            return _m.top_singular_values(self.store, k)
        return _m.top_values_of_gram(self.gram, k)


def _weight_spectrum(W, W0, s, step_dirs, r_target: int, k: int, kmax: int) -> dict:
    """The ``"weight_spectrum"`` measure of the final weights ``W`` (module docstring)."""
    Wf = np.asarray(W, dtype=float)
    sv, A, B = _m.lanczos_top_triples(Wf, k)
    out = {"w_singular_values": np.asarray(sv, dtype=float),
           "w_right_target_sq": np.sum(B[:r_target] ** 2, axis=0)}
    cos2 = []
    for u in step_dirs:
        nu = float(np.linalg.norm(u))
        cos2.append((B.T @ u) ** 2 / nu**2 if nu > 0 else np.zeros(B.shape[1]))
    out["w_right_step_sq"] = np.asarray(cos2)
    powers = np.asarray(s, dtype=float)[:, None] ** np.arange(1, kmax + 1)[None, :]
    out["w_left_readout_gs"] = _m.alignments(A, _m.gram_schmidt(powers))
    out["w0_top_singular_value"] = float(_m.lanczos_top_triples(np.asarray(W0, dtype=float), 1)[0][0])
    return out


def _one_trial(setup, sz, tseq, cfg: _Config) -> dict:
    dt = cfg.dtype
    ms = cfg.measures
    chunk = chunk_rows(sz)
    init = draw_initial(setup, tseq, dtype=dt)
    W0, s = init.W0, init.s
    r_target = init.r
    del init
    W = W0
    rec = {}
    first = None  # the first step's batch, kept only when label centring needs it whole

    def step_batch(idx, n_rows):
        return _stream(setup, n_rows, role_generator(tseq, "step", idx), role_generator(tseq, "noise", idx), dt, chunk)

    beta = None
    step_dirs = []  # the direction X_t^T r_t / n of each step's batch
    n_steps = setup.steps if cfg.model == "network" else 1
    for t in range(n_steps):
        lr_t = setup.lrs[t]
        idx = 0 if setup.reuse_batch else t
        if cfg.center:  # A and B are estimated on the whole batch before the step: hold it
            if t == 0 or not setup.reuse_batch:
                parts = list(step_batch(idx, sz["n"]))
                X = np.concatenate([q[0] for q in parts])
                y = np.concatenate([q[1] for q in parts])
                del parts
                if t == 0 and (cfg.reuse or setup.reuse_batch):
                    first = (X, y)
            else:
                X, y = first
            blocks = _blocks(X, _center(X, y), chunk)
        else:  # streamed; a reused batch is drawn again from its streams (the same values)
            blocks = ((Xc, yc) for Xc, yc, _ in step_batch(idx, sz["n"]))
        if cfg.model == "network":
            G, xr, n_rows, _ = _step_pass(W, s, blocks, setup)
            G /= n_rows
            if "gradient" in ms and t == 0:
                W = W + lr_t * (s[:, None] * G)
            else:  # in place: no temporaries of the size of W
                G *= (lr_t * s)[:, None].astype(G.dtype, copy=False)
                G += W
                W, G = G, None
        else:
            G = None
            _, xr, n_rows, _ = _step_pass(W0, s, blocks, setup, need_gradient=False)
        if cfg.center:
            del X, y
        u_t = xr / n_rows
        step_dirs.append(u_t)
        if t == 0:
            beta = xr / n_rows
            nb = float(beta @ beta)
            if "overlap" in ms:
                rec["beta_norm_sq"] = nb
                if setup.is_multi_index:
                    rec["beta_subspace_fraction"] = float(beta[:r_target] @ beta[:r_target]) / nb if nb > 0 else 0.0
                else:
                    rec["beta_cos"] = float(beta[0]) / math.sqrt(nb) if nb > 0 else 0.0
            if "gradient" in ms:
                rec["gradient_rank_one_ratio"] = _m.rank_one_ratio(G, s, beta, cfg.mu1)
                rec["gradient_op_norm"] = float(_m.lanczos_top_triples(np.asarray(s, float)[:, None] * G, 1)[0][0])
        del G
    nb = float(beta @ beta)
    beta_hat = beta / math.sqrt(nb) if nb > 0 else beta

    # ---- the model's feature map (and its spike-free null for the gap calibration)
    shift = None
    if cfg.model == "network":
        fmap = NetworkFeatures(setup.activation, W)
        direction = beta
        if cfg.mu1 is not None:
            shift = (setup.lr * cfg.mu1 * np.asarray(s, dtype=float), beta)
    else:  # a regime's equivalent model (theory.regimes): "srf" (Cui et al.), "equivalent" (Moniri et al.)
        eq = simulator_regime(cfg.model).equivalent_model(setup, W0, s, beta, role_generator(tseq, "extra", 2),
                                                          **cfg.coefficients)
        fmap = surrogate_features(setup, eq)
        W, direction, shift = eq.weights, eq.direction, eq.shift

    if "weight_spike" in ms:
        s1, u1, v1 = _m.lanczos_top_triples(W, 1)
        u1, v1 = u1[:, 0], v1[:, 0]
        rec["w1_top_singular_value"] = float(s1[0])
        rec["w1_overlap_target_sq"] = float(np.sum(v1[:r_target] ** 2))
        rec["w1_overlap_beta_sq"] = float((v1 @ beta_hat) ** 2)
        ns = float(np.linalg.norm(s))
        rec["w1_overlap_readout_sq"] = float((u1 @ s) ** 2) / ns**2 if ns > 0 else 0.0
    if "overlap" in ms and len(step_dirs) > 1:
        norms = [float(u @ u) for u in step_dirs]
        rec["step_norm_sq"] = np.asarray(norms)
        rec["step_cos"] = np.asarray([0.0 if q <= 0 else (float(u[0]) / math.sqrt(q) if r_target == 1 else
                                                          math.sqrt(float(u[:r_target] @ u[:r_target]) / q))
                                      for u, q in zip(step_dirs, norms)])
    if "weight_spectrum" in ms:
        rec.update(_weight_spectrum(W, W0, s, step_dirs, r_target, min(cfg.top_k, *W.shape), cfg.kmax))
    if "neurons" in ms:
        q = _m.neuron_fractions(W, r_target)
        rec["neuron_target_fraction_mean"] = float(q.mean())
        rec["neuron_target_fraction_max"] = float(q.max())
        rec["neuron_aligned_fraction"] = float(np.mean(q > 0.5))
        rec["neuron_norm_sq_mean"] = float(np.mean(np.sum(np.asarray(W, dtype=float) ** 2, axis=1)))
        rec["update_target_fraction_mean"] = float(_m.neuron_fractions(np.asarray(W, float) - np.asarray(W0, float),
                                                                       r_target).mean())
    if cfg.model == "network" and "bulk_edge" not in ms:
        W0 = None  # not needed any more: release it before the large stages

    if {"spectrum", "alignment", "spike_count", "bulk_edge"} & set(ms):
        n, p = sz["n"], sz["width"]
        k = min(cfg.top_k, n, p)
        null = None
        if "spike_count" in ms:
            nrng = role_generator(tseq, "extra", 3)
            if cfg.model == "equivalent":
                null = fmap.null(nrng)
            else:
                null = NetworkFeatures(setup.activation, _m.null_weights(fmap.W, shift, nrng))
        spec = _Spectrum(n, p, dt, "alignment" in ms)
        spec0 = _Spectrum(n, p, dt, False) if "bulk_edge" in ms else None
        specn = _Spectrum(n, p, dt, False) if null is not None else None
        kappa = np.empty(n) if "alignment" in ms else None
        rng_s = role_generator(tseq, "extra", 0)
        for lo in range(0, n, chunk):
            Xc, _ = draw_inputs(setup, min(chunk, n - lo), rng_s, dtype=dt)
            spec.add(lo, fmap.features(Xc))
            if kappa is not None:
                kappa[lo:lo + Xc.shape[0]] = Xc @ direction.astype(dt, copy=False)
            if spec0 is not None:
                spec0.add(lo, feature_matrix(W0, Xc, setup.activation))
            if specn is not None:
                specn.add(lo, null.features(Xc))
            del Xc
        root_n = math.sqrt(n)
        if "alignment" in ms:
            sv, U, V = _m.top_singular_triples(spec.store, k)
            mono = _m.monomials(kappa, cfg.kmax)
            rec["left_monomial_alignment"] = _m.alignments(U, mono)
            rec["left_gs_alignment"] = _m.alignments(U, _m.gram_schmidt(mono))
            sk = np.asarray(s, dtype=float)[:, None] ** np.arange(1, cfg.kmax + 1)[None, :]
            rec["right_readout_alignment"] = _m.alignments(V, sk)
        else:
            sv = spec.values(k)
        del spec
        sv = sv / root_n
        rec["feature_singular_values"] = sv
        if spec0 is not None:
            rec["f0_singular_values"] = spec0.values(k) / root_n
        if specn is not None:
            rec["feature_gap_ratios"] = _m.gap_ratios(sv, cfg.m_max)
            svn = specn.values(k) / root_n
            rec["null_singular_values"] = svn
            rec["null_gap_ratios"] = _m.gap_ratios(svn, cfg.m_max)
        del spec0, specn, null

    if "ridge" in ms and cfg.n_ridge is not None:
        nr = np.atleast_1d(np.asarray(cfg.n_ridge, dtype=int))
        m_pool = int(nr.max())
        if cfg.reuse:
            if m_pool > sz["n"]:
                raise ValueError(f"reuse=True needs n_ridge <= n = {sz['n']}; got {m_pool}")
            pool = (_blocks(first[0][:m_pool], first[1][:m_pool], chunk) if first is not None else
                    ((Xc, yc) for Xc, yc, _ in step_batch(0, m_pool)))
        else:
            pool = ((Xc, yc) for Xc, yc, _ in _stream(setup, m_pool, role_generator(tseq, "ridge"),
                                                          role_generator(tseq, "noise", 100), dt, chunk))
        H = np.empty((m_pool, sz["width"]), dtype=dt)
        yr = np.empty(m_pool, dtype=dt)
        Xr = np.empty((m_pool, sz["d"]), dtype=dt) if cfg.center else None
        lo = 0
        for Xc, yc in pool:
            hi = lo + Xc.shape[0]
            H[lo:hi] = fmap.features(Xc)
            yr[lo:hi] = yc
            if Xr is not None:
                Xr[lo:hi] = Xc
            lo = hi
        first = None
        path = ridge_path(H, yr, nr, cfg.lam_c, X=Xr, center=cfg.center)  # Gram blocks of CHUNK rows
        del H, Xr, yr
        nl = cfg.lam_c.shape[1]
        R = path.readouts.reshape(-1, path.readouts.shape[-1])
        offs = lin = None
        if cfg.center:
            offs = np.repeat(path.offsets, nl)
            lin = np.repeat(path.linear, nl, axis=0)
        test_rng, noise_rng = role_generator(tseq, "test"), role_generator(tseq, "noise", 200)
        errs = stream_test_errors(fmap.features, R, lambda m: draw_data(setup, m, test_rng, noise_rng, dtype=dt),
                                  cfg.n_test, offsets=offs, linear=lin, chunk=chunk)
        errs["train_error"] = path.train_error
        rec.update(shape_ridge_errors(errs, cfg, nr.size, nl))
    return rec


RIDGE_ERROR_KEYS = ("train_error", "test_error", "test_risk", "test_error_sampling_se", "test_risk_sampling_se")


def shape_ridge_errors(errs, cfg, n_sizes, n_lams):
    """The ridge errors of one trial, flat over ``(n_ridge, lam)``, in the shape the user asked for
    (scalars for a scalar ``n_ridge`` and ``lam``); shared by the numpy trial and the array-API trial."""
    out = {}
    for key in RIDGE_ERROR_KEYS:
        v = np.asarray(errs[key], dtype=float).reshape(n_sizes, n_lams)
        if cfg.lam_scalar:
            v = v[:, 0]
        if np.ndim(cfg.n_ridge) == 0:
            v = v[0]
        out[key] = float(v) if np.ndim(v) == 0 else v
    return out


def _progress_bar(progress, total):
    """A callable ``tick()`` and ``close()`` for the progress report (:func:`validation.progress.tracker`)."""
    from .progress import tracker

    bar = tracker(progress, total, "simulate", unit="trial")
    return (lambda: bar.update(1)), bar.close


def simulate(setup, *, n_ridge=None, lam=None, trials: int = 1, seed=None, n_test: int = 10_000,
             measures=("overlap", "spectrum", "ridge"), top_k: int = 10, dtype=None,
             reuse: bool = False, center_labels: bool = False, model: str = "network",
             lam_convention: str = "reference", degrees=None, kmax: int = 4, m_max: int = 10,
             gap_threshold: float | None = None, workers: int = 1, progress=False,
             max_memory_gb=None, backend: str = "numpy", device=None) -> SimulationResult:
    r"""Run ``trials`` independent trials of the experiment ``setup`` and summarise them.

    Parameters
    ----------
    setup : theory.OneStep
    n_ridge : int or array of int, optional
        Ridge sample size(s); required for the ``"ridge"`` measure (skipped when ``None``). An
        array gives a learning curve on nested subsets of one pool per trial.
    lam : float or array, optional
        Ridge penalty in the convention ``lam_convention`` (default 0: least squares).
    trials : int
        Independent trials (``trial_sequence(seed, t)`` for ``t < trials``).
    seed : int, SeedSequence, Generator or None
    n_test : int
        Fresh test points per trial (streamed in chunks of 4096).
    measures : sequence of str
        Among :data:`MEASURES` (module docstring).
    top_k : int
        Number of singular values (and vectors) recorded by the spectral measures.
    dtype : numpy float dtype, "auto" or None
        ``float32`` or ``float64`` for the data, weights and features (forced); ``None``/``"auto"``
        (default): float32 unless the ridge system is predicted ill-conditioned (near the
        interpolation threshold with a small penalty), then float64
        (:func:`validation.backend_precision.choose_dtype`; the choice and its reason are in
        ``settings["dtype"]``, ``settings["dtype_reason"]``). Sums over samples, the ridge solve and
        all statistics are float64 either way; accuracy in ``docs/benchmarks/simulate.md``.
    reuse : bool
        Fit the ridge readout on the first step's batch instead of a fresh one.
    center_labels : bool
        Dandi et al.'s preprocessing: remove the empirical mean and linear part of the labels,
        estimated on each training batch, from the step and the ridge fit (added back to test
        predictions).
    model : {"network", "equivalent", "srf"}
        Features of the real network after the step(s), of Moniri et al.'s equivalent model, or of
        Cui et al.'s spiked random features (:mod:`validation.surrogates`; one step only).
    lam_convention : {"reference", "cui", "dandi", "ba", "moniri", "per_sample"}
        How ``lam`` is read (:func:`lam_to_reference`).
    degrees : sequence of int, optional
        Degrees of the equivalent model (default: the interval theorem at ``setup.moniri_alpha``).
    kmax : int
        Highest monomial degree of the ``"alignment"`` measure.
    m_max : int
        Number of gap ratios of the ``"spike_count"`` measure.
    gap_threshold : float, optional
        Gap-ratio threshold of ``spike_count`` (default: calibrated on the null spectra of this call).
    workers : int
        Threads running trials concurrently (numpy releases the GIL in its kernels); results do not
        depend on it.
    progress : bool or callable
        ``True``: a bar over trials on stderr when it is a terminal; a callable is called as
        ``progress(done, total)`` after each trial (:mod:`validation.progress`).
    max_memory_gb : float, optional
        Refuse (``validation.resources.ResourceError``) when the estimated peak memory exceeds this
        many GiB; default the memory available now (:mod:`validation.resources`).
    backend : {"numpy", "torch"}
        Array library of the trials (:mod:`validation.backend`): numpy (default) or torch through the
        array API (optional, ``pip install "onegrad[accel]"``; model ``"network"``, measures
        :data:`validation.backend.TORCH_MEASURES`, no ``center_labels``). Same seeds give the same
        distribution, not the same numbers.
    device : str, optional
        torch device (``"cpu"``, ``"cuda"``, ...; default ``"cpu"``); ``None`` for numpy.

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
    kmax = check_integer(kmax, "kmax", minimum=1)
    m_max = check_integer(m_max, "m_max", minimum=1)
    workers = check_integer(workers, "workers", minimum=1)
    measures = _check_measures(measures)
    model = check_choice(model, ("network",) + simulator_models(), "model")  # the registry, now
    check_choice(lam_convention, LAM_CONVENTIONS, "lam_convention")
    auto_dtype = dtype is None or (isinstance(dtype, str) and dtype == "auto")
    if not auto_dtype:
        try:
            dtype = np.dtype(dtype)
        except TypeError:
            raise ValueError(f"dtype must be 'auto', float64 or float32; got {dtype!r}") from None
        if dtype not in (np.dtype(np.float64), np.dtype(np.float32)):
            raise ValueError(f"dtype must be 'auto', float64 or float32; got {dtype}")
    for name, flag in (("reuse", reuse), ("center_labels", center_labels)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be a bool; got {type(flag).__name__}")
    if model != "network":
        if setup.steps != 1:
            raise ValueError(f"model={model!r} describes one step; got steps={setup.steps}")
        for bad in ("gradient",) + (("weight_spike", "neurons", "weight_spectrum") if model == "equivalent" else ()):
            if bad in measures:
                raise ValueError(f"measure {bad!r} needs the weights of a network; not defined for model={model!r}")
    if model == "srf" and setup.is_multi_index:
        raise ValueError("model='srf' needs a single-index target; got a MultiIndexTarget")
    if "spike_count" in measures and setup.steps != 1:
        raise ValueError(f"measure 'spike_count' calibrates on the one-step shift; got steps={setup.steps}")
    if {"alignment", "spike_count"} & set(measures) and top_k < 2:
        raise ValueError(f"top_k must be >= 2 for 'alignment' and 'spike_count'; got {top_k}")
    if "spike_count" in measures and min(top_k, sz["n"], sz["width"]) < m_max + 1:
        raise ValueError(f"'spike_count' needs top_k > m_max singular values (and n, width > m_max); got top_k={top_k}, "
                         f"m_max={m_max}, n={sz['n']}, width={sz['width']}")
    if gap_threshold is not None and not (float(gap_threshold) > 1 and math.isfinite(float(gap_threshold))):
        raise ValueError(f"gap_threshold must be a finite number > 1; got {gap_threshold!r}")
    if degrees is not None:
        degrees = tuple(check_integer(k, "degrees", minimum=1) for k in np.atleast_1d(degrees))
    elif model == "equivalent":
        degrees = interval_degrees(setup.moniri_alpha)

    lam_c = None
    lam_scalar = True
    if n_ridge is not None:
        nr = np.asarray(n_ridge, dtype=float)
        if nr.ndim > 1 or nr.size == 0 or not np.all(np.isfinite(nr)) or np.any(nr < 1):
            raise ValueError(f"n_ridge must be a positive number or a 1-d array of them; got {n_ridge!r}")
        n_ridge = int(round(float(nr))) if nr.ndim == 0 else np.round(nr).astype(int)
        if reuse and np.max(n_ridge) > sz["n"]:
            raise ValueError(f"reuse=True fits on the step batch, so n_ridge must be <= n = {sz['n']}; "
                             f"got {int(np.max(n_ridge))}")
        if center_labels and np.min(n_ridge) < 2:
            raise ValueError("center_labels needs n_ridge >= 2 (it estimates a mean and a linear part)")
        lam = 0.0 if lam is None else lam
        la = np.asarray(lam, dtype=float)
        if la.ndim > 1 or la.size == 0 or not np.all(np.isfinite(la)) or np.any(la < 0):
            raise ValueError(f"lam must be a number >= 0 or a 1-d array of them; got {lam!r}")
        lam = float(la) if la.ndim == 0 else la
        lam_scalar = la.ndim == 0
        lam_c = lam_to_reference(lam, lam_convention, n_ridge, sz["width"])

    from .backend import TORCH_MEASURES, get_backend

    be = get_backend(backend, device) if backend != "numpy" or device is not None else None
    if backend == "torch" and setup.data is not None:
        raise ValueError("backend='torch' draws isotropic inputs only; use backend='numpy' with data=...")
    if backend == "torch":
        bad = [m for m in measures if m not in TORCH_MEASURES]
        if model != "network" or center_labels or bad:
            raise ValueError(f"backend='torch' runs model='network' without center_labels and the measures "
                             f"{', '.join(TORCH_MEASURES)}; got model={model!r}, center_labels={center_labels}, "
                             f"measures {bad or list(measures)} (use backend='numpy')")
    if auto_dtype:
        from .backend_precision import choose_dtype

        dtype, dtype_reason = choose_dtype(setup, sz, measures, n_ridge, lam_c)
    else:
        dtype_reason = f"{dtype.name}: given"
    from .resources import check_simulation_memory  # before any large allocation

    check_simulation_memory(setup, n_ridge, max_memory_gb=max_memory_gb, measures=measures, dtype=dtype, n_test=n_test,
                            lam=lam, model=model, reuse=reuse, top_k=top_k, kmax=kmax, workers=workers, trials=trials)
    mu1 = None
    if ("gradient" in measures) or ("spike_count" in measures and model == "network"):
        from theory import gaussian_moments

        mu1 = float(gaussian_moments(setup.activation).deriv_mean)
    coefficients = simulator_regime(model).equivalent_options(setup, degrees) if model != "network" else None
    cfg = _Config(measures, model, n_ridge, lam_c, n_test, top_k, kmax, m_max, dtype, bool(reuse),
                  bool(center_labels), degrees, mu1, lam_scalar, coefficients)
    root = as_seed_sequence(seed)
    tick, close = _progress_bar(progress, trials)

    def run(t):
        if backend == "torch":
            from .backend_trial import one_trial

            rec = one_trial(setup, sz, trial_sequence(root, t), cfg, be, chunk_rows(sz))
        else:
            rec = _one_trial(setup, sz, trial_sequence(root, t), cfg)
        tick()
        return rec

    try:
        if workers == 1 or trials == 1:
            records = [run(t) for t in range(trials)]
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=min(workers, trials)) as pool:
                records = list(pool.map(run, range(trials)))
    finally:
        close()

    settings = {"n_ridge": n_ridge, "lam": lam, "lam_convention": lam_convention, "lam_c": lam_c, "trials": trials,
                "n_test": n_test, "measures": list(measures), "model": model, "top_k": top_k, "dtype": str(dtype),
                "dtype_reason": dtype_reason,
                "reuse": bool(reuse), "center_labels": bool(center_labels), "noise_in_test_error": True,
                "workers": workers, "backend": backend, "device": None if be is None else str(be.device)}
    if model == "equivalent":
        settings["degrees"] = list(degrees)
    if "spike_count" in measures:
        thr = float(gap_threshold) if gap_threshold is not None else _m.gap_threshold(
            [r["null_singular_values"] for r in records], m_max)
        for r in records:
            r["spike_count"] = float(_m.gap_spike_count(r["feature_singular_values"], thr, m_max))
        settings.update(gap_threshold=thr, gap_threshold_source="given" if gap_threshold is not None else
                        "1 + 2 (largest null gap ratio over the trials of this call - 1)", m_max=m_max)
    if "alignment" in measures:
        settings["kmax"] = kmax
    summary = {k: estimate(np.asarray([r[k] for r in records], dtype=float)) for k in records[0]}
    return SimulationResult(setup=setup, records=tuple(records), summary=summary, seed=seed_record(root),
                            sizes=sz, settings=to_jsonable(settings), elapsed_s=time.perf_counter() - t0)
