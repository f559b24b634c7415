r"""Limiting train and test error of ridge regression on the features after one step.

``theory.risk(setup, n_ridge=..., lam=..., method="auto")`` returns the learning curve of the
reference ridge problem (``docs/theory/conventions.md#ridge-normalisation``)

.. math:: \hat a = \arg\min_a \sum_{\mu=1}^{n} \big(y_\mu - a\cdot\sigma(W_1x_\mu)/\sqrt p\big)^2 + \lambda_C\|a\|^2

on ``n_ridge`` fresh samples, for four regimes of the per-neuron step ``lr``:

============  ===================================================================================
``method``    model and source
============  ===================================================================================
``"rf"``      random features at initialisation (``lr = 0``): the compact RF system of
              ``docs/theory/risk.md#random-features``, i.e. the conditional GE system at :math:`(r, c, \gamma) = (0, 1, 0)`.
``"srf"``     Cui et al. (2024) spiked random features, ``docs/theory/risk.md#spiked-random-features``, with
              :math:`(r, c, \gamma)` from :func:`theory.ridge.srf.srf_parameters`, plus by default the
              alignment term of ``docs/derivations/srf_alignment.md`` (``alignment_term=False``: Cui's model).
``"ba"``      Ba et al. (2022), :math:`\eta = \Theta(1)`: given ``W1`` the conditional formula of
              ``docs/theory/risk.md#ba-conditional-formula``; otherwise its deterministic limit, derived in
              ``docs/derivations/ge_system.md`` §3 (the GE system with one spike channel of
              Gram weight :math:`\beta + \theta^2`).
``"moniri"``  Moniri et al. (2024), :math:`\eta = n^\alpha`, :math:`0<\alpha<\frac12`: the equivalent
              model :math:`F_0 + \ell` diverging spikes, the candidate closed form of
              ``docs/theory/risk.md#moniri-equivalent-model`` (the GE system with the monomials :math:`\kappa^k`, :math:`k` in
              the spike degrees, unregularised).
============  ===================================================================================

All four are solved by one conditional Gaussian-equivalence system (:mod:`theory.ridge.system`,
``docs/derivations/ge_system.md``), deterministic (Marchenko-Pastur) by default, or on the spectrum
of a given weight matrix (``W0=...``; theory draws nothing at random).

Conventions: ``lam`` is :math:`\lambda_C` (convert other papers' penalties with
:mod:`theory.conventions`); ``test_error`` is :math:`E(y-\hat y)^2` on a fresh noisy label,
``test_risk = test_error - noise_var`` is the error against :math:`f^*`, ``train_error`` is the mean
squared residual on the ridge batch; no factor 1/2, no penalty.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field, replace

import numpy as np

from .._checks import check_array, check_choice, check_integer, check_positive
from .._applicability import NotApplicable
from .._result import Result, setup_field
from .ba_conditional import ba_conditional_risk, unit_target
from .system import GESystem
from .marchenko_pastur import DEFAULT_MP_NODES
from ..hermite.moments import readout_power_moments
from .solvers import residual_norm
from .spectral import finite_spectrum, mp_spectrum
from .. import regimes as _regimes
from ..regimes._common import check_risk_setup, step_exponent

__all__ = ["RiskResult", "risk", "select_method", "readout_power_moments", "METHODS"]

METHODS = ("auto",) + _regimes.available()  # at import; the registry (theory.regimes.available()) is the source


@dataclass(frozen=True)
class RiskResult(Result):
    r"""Learning curve of ridge on the learned features.

    Array fields have the broadcast shape of ``(n_ridge, lam, lr)`` (floats when all are scalars).

    Attributes
    ----------
    test_error : float or ndarray
        :math:`E(y-\hat y)^2` on a fresh sample, label noise included when ``noise_var > 0``.
    train_error : float or ndarray
        Mean squared residual on the ridge batch (label noise included).
    test_risk : float or ndarray
        ``test_error - noise_var``: the error against the noiseless target.
    noise_included : bool
        Whether ``test_error`` and ``train_error`` include label noise (``noise_var > 0``).
    status : str or ndarray
        Per point: ``"converged"``; or, with NaN errors (never a negative or infinite one),
        ``"interpolation_threshold"`` (``lam = 0`` at ``n_ridge = width``, where the ridgeless error diverges),
        ``"diverged"`` (past the interpolation instability), ``"max_iter"`` (not converged within ``max_iter``
        evaluations), ``"unresolved"`` (``lam = 0``, ``n_ridge < width``: the limit :math:`\lambda\to0^+` did not
        settle, see :func:`_ridgeless_limit`) or ``"no_solution"`` (the converged equations give no physical error).
        ``lam = 0`` with ``n_ridge < width`` is the minimum-norm limit; with ``n_ridge > width`` it is solved directly.
    n_iter : int or ndarray
        Evaluations of the fixed-point map per point (never more than ``max_iter``).
    residual : float or ndarray
        Residual of the equations at the returned point (see :func:`theory.solvers.residual_norm`).
    quadrature_residual : float or ndarray
        Residual of the same equations on a Marchenko-Pastur rule with three times the nodes (NaN
        for the finite-p spectrum): a check that the quadrature is resolved.
    method : str
        ``"rf"``, ``"srf"``, ``"ba"`` or ``"moniri"`` (an array if ``lr`` spans several regimes).
    reason : str
        Why ``method="auto"`` chose it (or ``"requested"``).
    spectrum : str
        ``"mp"`` (deterministic) or ``"finite"`` (from a given weight matrix).
    n_ridge, lam, lr : ndarray
        The grid, broadcast.
    order_parameters : dict
        ``q1, q2, V1, V2, psi`` (arrays), ``theta`` and ``m`` (arrays with a trailing axis).
    parameters : dict
        Model parameters per distinct ``lr`` (e.g. ``r, c, gamma`` for the sRF).
    setup : OneStep
        The setup the curve was computed for (units for tables and plots; not in ``to_dict``).
    """

    test_error: object
    train_error: object
    test_risk: object
    noise_included: bool
    status: object
    n_iter: object
    residual: object
    quadrature_residual: object
    method: object
    reason: str
    spectrum: str
    n_ridge: np.ndarray
    lam: np.ndarray
    lr: np.ndarray
    order_parameters: dict = field(default_factory=dict)
    parameters: dict = field(default_factory=dict)
    setup: object = setup_field()

    @property
    def converged(self) -> bool:
        """True when every point converged."""
        return bool(np.all(np.asarray(self.status) == "converged"))


# ----------------------------------------------------------------------------- regime selection
def select_method(setup, lr=None):
    r"""The regime of one step and the method that describes it: ``(method, reason)``.

    The regimes of :mod:`theory.regimes` are tried in their registration order; the first whose
    ``selects`` predicate holds is chosen:

    * ``lr == 0``: ``"rf"``;
    * Moniri's :math:`\alpha = \log(\mathrm{lr}\sqrt N)/\log n \le 0` (:math:`\eta = \tau\sqrt N \le 1`):
      ``"ba"`` (Ba et al.'s :math:`\eta = \Theta(1)`, a weight spike of order one);
    * otherwise, if every neuron gets the same spike (:func:`theory.ridge.srf.common_spike_readout`):
      ``"srf"`` (Cui et al.; it covers every step size with this readout);
    * otherwise, with a Gaussian readout and :math:`0 < \alpha < \frac12`: ``"moniri"``.

    Anything else raises :class:`theory.NotApplicable` (a ``ValueError``) naming the regime.

    >>> from theory import OneStep
    >>> select_method(OneStep(lr=0.0))[0], select_method(OneStep(lr=3.0, readout="constant"))[0]
    ('rf', 'srf')
    >>> select_method(OneStep.from_moniri(alpha=0.3, d=1000, width=1000, n=2000))[0]
    'moniri'
    """
    check_risk_setup(setup)
    lr = setup.lrs[-1] if lr is None else float(lr)  # several steps: lr is the last step's size
    isotropic = setup.is_isotropic
    for name in _regimes.available():
        if setup.steps not in _regimes.get(name).steps:  # a regime describes its own numbers of steps
            continue
        if _regimes.get(name).isotropic_only and not isotropic:  # and the inputs it assumes
            continue
        chosen = _regimes.get(name).selects(setup, lr)
        if chosen:
            return name, chosen.reason
    if not isotropic:
        raise NotApplicable(f"no limiting theory for these inputs ({type(setup.data).__name__}) at lr = {lr:g}: every "
                            "regime that applies assumes isotropic Gaussian inputs (data=None)")
    alpha = step_exponent(setup, lr)
    covered = "; ".join(_regimes.get(name).covers for name in _regimes.available())
    raise NotApplicable(
        f"no limiting theory for this regime: lr = {lr:g} (Moniri alpha = {alpha:.3g}), readout {setup.readout!r}, "
        f"activation {setup.activation.name!r}. Covered: {covered}"
    )


def _check_method_applies(setup, method, lr):
    if setup.steps not in _regimes.get(method).steps:
        raise NotApplicable(f"method {method!r} describes {_regimes.get(method).steps} gradient step(s); "
                            f"got steps={setup.steps}")
    if _regimes.get(method).isotropic_only and not setup.is_isotropic:
        raise NotApplicable(f"method {method!r} assumes isotropic Gaussian inputs (data=None); got data of type "
                            f"{type(setup.data).__name__}")
    verdict = _regimes.get(method).applies(setup, lr)
    if not verdict:
        raise NotApplicable(verdict.reason)


# ----------------------------------------------------------------------------- model building
def _default_directions(d, beta_star, gamma):
    """Target direction, a spike direction v with v.beta* = gamma, and zeta with beta* = gamma v + rho zeta (no RNG)."""
    d = int(d)
    beta_star = unit_target(beta_star, d)
    # a fixed unit vector orthogonal to beta*
    e = np.zeros(d)
    e[int(np.argmin(np.abs(beta_star)))] = 1.0
    zeta = e - (e @ beta_star) * beta_star
    zeta /= np.linalg.norm(zeta)
    rho = math.sqrt(max(1.0 - gamma * gamma, 0.0))
    v = gamma * beta_star + rho * zeta
    # the target's part orthogonal to v: beta* = gamma v + rho zeta_t
    zeta_t = rho * beta_star - gamma * zeta
    return beta_star, v, zeta_t


def _check_weights(name, W, setup):
    W = np.asarray(W, dtype=float)
    if W.ndim != 2:
        raise ValueError(f"{name} must be a (width, d) matrix; got shape {W.shape}")
    if W.shape != (round(setup.width), round(setup.d)):
        raise ValueError(f"{name} must have shape (width, d) = ({round(setup.width)}, {round(setup.d)}); got {W.shape}")
    if not np.all(np.isfinite(W)):
        raise ValueError(f"{name} must be finite")
    return W


class _Model:
    """A GE system (or Ba's conditional spectrum) for one (method, lr), independent of (n_ridge, lam)."""

    def __init__(self, setup, method, lr, *, W0, W1, beta_star, mp_nodes, degrees, strength, bulk_noise=True,
                 alignment_term=False):
        self.setup = setup
        self.method = method
        self.lr = lr
        self.noise = setup.noise_var
        self.params = {}
        self.conditional = None
        self.mp_nodes = mp_nodes
        self._fine = None
        st = setup.with_(lr=lr) if setup.steps == 1 else setup.with_(lr=setup.lrs[:-1] + (lr,))
        self.beta = setup.width_ratio
        self.kind = "finite" if (W0 is not None or W1 is not None) else "mp"
        regime = _regimes.get(method)
        if W1 is not None:
            self.conditional = regime.conditional(W1, setup.activation, setup.target, beta_star)
            self.params = dict(misspecification=self.conditional.s2)
            return
        cm = regime.channels(st, degrees=degrees, strength=strength, bulk_noise=bulk_noise,
                             alignment_term=alignment_term)
        kd, channels, G_const, unreg = cm.kappa, cm.channels, cm.gram_const, cm.unregularised
        self.scale, project, gamma, self.params = cm.scale, cm.project, cm.gamma, cm.parameters
        # drop channels whose function vanishes identically (e.g. the mean of an odd activation)
        keep = [i for i, ch in enumerate(channels) if np.max(np.abs(ch["phi"])) > 1e-13]
        G_lim = G_const + np.diag([ch["lim"] for ch in channels])
        G_lim, G_const = G_lim[np.ix_(keep, keep)], G_const[np.ix_(keep, keep)]
        channels = [channels[i] for i in keep]
        self.spike_funcs = [ch["phi"] for ch in channels] or None
        self.unreg = unreg
        self.gram = G_lim
        self.kd = kd
        if W0 is not None:
            bs, v, zeta = _default_directions(setup.d, beta_star, gamma)
            W = math.sqrt(self.scale) * W0
            vecs = np.zeros((len(channels), W.shape[0]))
            for i, ch in enumerate(channels):
                if ch["vec"] == "ones":
                    vecs[i] = 1.0
                elif ch["vec"] == "spike":
                    vecs[i] = ch["vec_coef"] * (W @ v)
            if project:
                base = finite_spectrum(W, project_out=v, spike_vectors=vecs, target_vector=zeta)
            else:
                base = finite_spectrum(W, spike_vectors=vecs, target_vector=bs)
            C = base.C.copy()
            K = len(channels)
            C[:, :K, :K] += G_const
            self._spec = type(base)(D=base.D, w=base.w, C=C, kind="finite", beta=base.beta)
        else:
            self._spec = mp_spectrum(self.beta, scale=self.scale, gram=self.gram, n_nodes=mp_nodes)
        self.system = GESystem(kd, self._spec, spike_funcs=self.spike_funcs, unreg_funcs=self.unreg)

    def fine_system(self):
        if self._fine is None:
            spec = mp_spectrum(self.beta, scale=self.scale, gram=self.gram, n_nodes=3 * self.mp_nodes)
            self._fine = GESystem(self.kd, spec, spike_funcs=self.spike_funcs, unreg_funcs=self.unreg)
        return self._fine


# ----------------------------------------------------------------------------- one point, and the ridgeless limit
_RIDGELESS_LAMS = tuple(10.0 ** -k for k in range(5, 15))  # lam -> 0+ (relative to the unit-scale features)
_RIDGELESS_RTOL = 1e-7


def _solve_point(mdl, alpha, lam, x0, *, tol, max_iter, accelerate):
    """Solve at one ``(alpha, lam)``; on the Marchenko-Pastur spectrum, re-check (and refine) on three times the
    nodes. Every evaluation counts against ``max_iter``. Returns ``(solution, n_iter, quadrature_residual)``."""
    sol = mdl.system.solve(alpha, lam, x0=x0, tol=tol, max_iter=max_iter, accelerate=accelerate)
    n_it = sol.n_iter
    q = float("nan")
    if mdl.kind == "mp" and sol.status == "converged":
        fine = mdl.fine_system()
        q = residual_norm(sol.x, fine.map(sol.x, alpha, lam))
        if q > 10 * tol:
            left = max_iter - n_it
            if left < 1:
                return replace(sol, status="max_iter"), n_it, q
            sol = fine.solve(alpha, lam, x0=sol.x, tol=tol, max_iter=left, accelerate=accelerate)
            n_it += sol.n_iter
            q = sol.residual
    return sol, n_it, q


def _ridgeless_limit(mdl, alpha, x0, *, tol, max_iter, accelerate):
    r"""``lam = 0`` with fewer ridge samples than features: the minimum-norm limit :math:`\lambda\to0^+`.

    At :math:`\lambda = 0` the susceptibilities of the equations are infinite when :math:`n_{ridge} < p`, so the
    system is solved on :math:`\lambda = 10^{-5}, 10^{-6}, \dots, 10^{-14}` (warm-started) until the test error
    settles: two successive changes below ``1e-7`` relative and shrinking at least fivefold per decade (the
    :math:`O(\lambda)` approach of a minimum-norm interpolator). The limit is then the Richardson extrapolation
    :math:`T(\lambda_k) - (T(\lambda_{k-1}) - T(\lambda_k))/9`, and the train error is 0 (the interpolator fits
    the ridge batch). Otherwise the status is ``"unresolved"`` (no number), or that of the failed solve.
    Returns ``(last solution, n_iter, quadrature_residual, (test, train) or None)``.
    """
    n_total, x, hist = 0, x0, []
    sol, q = None, float("nan")
    for lam in _RIDGELESS_LAMS:
        left = max_iter - n_total
        if left < 1:
            return replace(sol, status="max_iter"), n_total, q, None
        sol, n_it, q = _solve_point(mdl, alpha, lam, x, tol=tol, max_iter=left, accelerate=accelerate)
        n_total += n_it
        if sol.status != "converged":
            return sol, n_total, q, None
        x = sol.x
        hist.append(sol.test_error)
        if len(hist) >= 3:
            d1, d2 = hist[-3] - hist[-2], hist[-2] - hist[-1]
            if abs(d2) <= _RIDGELESS_RTOL * abs(hist[-1]) and abs(d2) <= 0.2 * abs(d1) + 1e-15 * abs(hist[-1]):
                return sol, n_total, q, (hist[-1] - d2 / 9.0, 0.0)
    return replace(sol, status="unresolved"), n_total, q, None


# ----------------------------------------------------------------------------- the alignment term's default
def _alignment_choice(alignment_term, method, setup=None, lr=None) -> bool:
    """``alignment_term=None`` (auto) is the corrected spiked RF for ``method="srf"`` (or a regime that reduces to
    it, :attr:`theory.regimes.Regime.delegate`: two steps whose effective one step is a giant step) and off elsewhere.

    The default follows the grid of ``docs/validation/srf_gap.md``: with the term the equations are inside
    the network's 95% interval wherever the term is non-zero, and Cui et al.'s are 2.5-5% above it.
    """
    if alignment_term is None:
        delegate = _regimes.get(method).delegate if setup is not None else None
        if delegate is not None:
            method = delegate(setup, lr)
        return method == "srf"
    return bool(alignment_term)


# ----------------------------------------------------------------------------- the public function
def risk(setup, n_ridge, lam, method: str = "auto", *, lr=None, W0=None, W1=None, beta_star=None,
         degrees=None, strength: str = "finite", bulk_noise: bool = True, tol: float = 1e-10,
         max_iter: int = 5000, accelerate: bool = True,
         mp_nodes: int = DEFAULT_MP_NODES, strict: bool = False, alignment_term: bool | None = None) -> RiskResult:
    r"""Limiting test and train error of ridge on the features after one step.

    Parameters
    ----------
    setup : theory.OneStep
        The experiment (activation, target, ``d``, ``width``, step batch ``n``, ``lr``, ``noise_var``,
        readout).
    n_ridge : float or array_like
        Number of fresh ridge samples (> 0). The theory uses :math:`\alpha = n_{ridge}/\mathrm{width}`
        and :math:`\beta = \mathrm{width}/d` (``docs/theory/risk.md#self-consistent-equations``).
    lam : float or array_like
        Penalty :math:`\lambda_C \ge 0` of the reference objective.
    method : {"auto", "rf", "srf", "ba", "moniri"} or another registered regime
        A regime of :mod:`theory.regimes` (``theory.regimes.available()``); see the module docstring and
        :func:`select_method`. A method that does not apply raises :class:`theory.NotApplicable`.
    lr : float or array_like, optional
        Step sizes overriding ``setup.lr`` (a grid); with several steps, the last step's size (the
        earlier ones stay those of ``setup.lrs``).
    W0 : ndarray, shape (width, d), optional
        Initial weights: solve on their finite-p spectrum (rf, srf, ba deterministic, moniri)
        instead of the Marchenko-Pastur limit. The spike direction is the deterministic
        :math:`\gamma\beta_* + \rho\hat\zeta` (any fixed direction is equivalent for random ``W0``).
    W1 : ndarray, shape (width, d), optional
        Weights after the step, for ``method="ba"``: Ba et al.'s conditional formula (§4).
    beta_star : array_like, shape (d,), optional
        Target direction for ``W0``/``W1`` (default :math:`e_1`, as in the simulator).
    degrees : sequence of int, optional
        Moniri spike degrees (default: :func:`theory.spikes.predictions.spike_degrees`; ``(1,)`` for ``"ba"``).
    strength : {"finite", "infinite"}
        ``"ba"``/``"moniri"``: the spikes with their finite-size strengths
        (``docs/derivations/ge_system.md`` §4), or infinitely strong, i.e. fit without penalty
        (the candidate closed form of ``docs/theory/risk.md#moniri-equivalent-model``; Gaussian readout only).
    bulk_noise : bool
        ``"ba"``/``"moniri"``: include the per-neuron part of the step in the bulk, with variance
        :math:`\bar c = E_s[(1 + \tau sE[r]E[z\sigma'])^2] + \tau^2E r^2\mathrm{Var}\,\sigma'/(n/d)` (self-move factor
        and isotropic part, ``docs/derivations/bulk_variance.md``), as in the real network; ``False``
        describes Moniri's equivalent model :math:`F_0 +` spikes exactly (:math:`c = 1`).
    tol, max_iter, accelerate
        Solver controls (:func:`theory.solvers.fixed_point`); the residual is that of the equations.
    mp_nodes : int
        Marchenko-Pastur quadrature nodes; the solution is re-checked (and refined if needed) with
        three times as many.
    strict : bool
        Emit a ``RuntimeWarning`` when a point does not converge (it is always in ``status``).
    alignment_term : bool or None
        ``"srf"`` only: the alignment term derived in ``docs/derivations/srf_alignment.md`` (each
        neuron's scale moves with its initial overlap with the spike direction, a term of the real
        step that Cui et al.'s surrogate leaves out; it enters the spike channel's function).
        ``None`` (default, auto): on for ``"srf"``, off for every other method, so the default is the
        prediction of the real network's error; ``False`` is Cui et al.'s published spiked RF
        (arXiv:2402.04980); ``True`` requires a regime that has the term. ``docs/validation/srf_gap.md``
        measures both against the network over a grid of students, targets, steps and sizes.

    Returns
    -------
    RiskResult

    Examples
    --------
    Random features: as the penalty grows the predictor vanishes and the test error tends to
    :math:`E y^2` (an odd activation cannot fit the mean).

    >>> from theory import OneStep
    >>> s = OneStep(activation="tanh", target="sin", d=1000, width=1000, n=20000, lr=0.0)
    >>> big = risk(s, n_ridge=2000, lam=1e9)
    >>> bool(np.isclose(big.test_error, (1 - np.exp(-2)) / 2, rtol=1e-6)), big.method, big.status
    (True, 'rf', 'converged')

    A learning curve of the giant step (Cui et al.'s default setting) is one call:

    >>> s = OneStep(activation="tanh", target="sin", d=2000, width=2000, n=40000, lr=3.0)
    >>> curve = risk(s, n_ridge=np.linspace(0.2, 3, 8) * 2000, lam=0.1)
    >>> curve.method, curve.converged, bool(np.all(np.diff(curve.test_error) < 0))
    ('srf', True, True)

    The default carries the alignment term (``docs/derivations/srf_alignment.md``), which lowers the sRF's
    error toward the real network's; Cui et al.'s published model is ``alignment_term=False``. The term
    is absent for an activation without a third Hermite coefficient:

    >>> ours, cui = risk(s, n_ridge=4000, lam=0.1), risk(s, n_ridge=4000, lam=0.1, alignment_term=False)
    >>> bool(ours.test_error < cui.test_error), ours.test_error == risk(s, 4000, 0.1, alignment_term=True).test_error
    (True, True)
    >>> s_relu = s.with_(activation="relu")
    >>> bool(np.isclose(risk(s_relu, n_ridge=4000, lam=0.1).test_error,
    ...                 risk(s_relu, n_ridge=4000, lam=0.1, alignment_term=False).test_error, rtol=1e-10))
    True
    """
    check_risk_setup(setup)
    check_choice(method, ("auto",) + _regimes.available(), "method")
    check_choice(strength, ("finite", "infinite"), "strength")
    if alignment_term is not None and not isinstance(alignment_term, (bool, np.bool_)):
        raise TypeError(f"alignment_term must be None (auto), True or False; got {alignment_term!r}")
    n_arr = check_array(n_ridge, "n_ridge", positive=True, ndim_max=3)
    lam_arr = check_array(lam, "lam", nonnegative=True, ndim_max=3)
    lr_arr = check_array(setup.lrs[-1] if lr is None else lr, "lr", ndim_max=3)
    check_positive(tol, "tol")
    check_integer(max_iter, "max_iter", minimum=1)
    mp_nodes = check_integer(mp_nodes, "mp_nodes", minimum=8)
    if W0 is not None:
        W0 = _check_weights("W0", W0, setup)
    if W1 is not None:
        W1 = _check_weights("W1", W1, setup)
    try:
        shape = np.broadcast_shapes(n_arr.shape, lam_arr.shape, lr_arr.shape)
    except ValueError:
        raise ValueError(f"n_ridge, lam and lr must broadcast together; got shapes {n_arr.shape}, "
                         f"{lam_arr.shape}, {lr_arr.shape}") from None
    N = np.broadcast_to(n_arr, shape).ravel()
    L = np.broadcast_to(lam_arr, shape).ravel()
    R = np.broadcast_to(lr_arr, shape).ravel()
    # a regime that solves its own equations (Regime.solve, e.g. several data components) answers itself
    m0 = select_method(setup, float(R[0]))[0] if method == "auto" else method
    if _regimes.get(m0).solve is not None:
        _check_method_applies(setup, m0, float(R[0]))
        return _regimes.get(m0).solve(setup, n_ridge, lam, lr=lr, W0=W0, W1=W1, tol=tol, max_iter=max_iter)
    # methods per distinct lr
    models: dict[float, _Model] = {}
    reasons = {}
    for lr_val in np.unique(R):
        lr_val = float(lr_val)
        if method == "auto":
            m, why = select_method(setup, lr_val)
        else:
            m, why = method, "requested"
        _check_method_applies(setup, m, lr_val)
        regime = _regimes.get(m)
        align = _alignment_choice(alignment_term, m, setup, lr_val)
        if align and "alignment_term" not in regime.options:
            raise NotApplicable(f"alignment_term=True applies to method 'srf' only; the method is {m!r}")
        if W1 is not None and regime.conditional is None:
            raise ValueError(f"W1 is only used by method 'ba' (Ba et al.'s conditional formula); the method is {m!r}")
        if W1 is not None and len(np.unique(R)) > 1:
            raise ValueError("W1 fixes the step: give a single lr with it")
        models[lr_val] = _Model(setup, m, lr_val, W0=W0, W1=W1, beta_star=beta_star, mp_nodes=mp_nodes,
                                degrees=degrees, strength=strength, bulk_noise=bulk_noise,
                                alignment_term=align)
        reasons[lr_val] = why + ("; with the alignment term (docs/derivations/srf_alignment.md)"
                                 if align and alignment_term is None else "")
    size = N.size
    test = np.empty(size)
    train = np.empty(size)
    status = np.empty(size, dtype=object)
    n_iter = np.zeros(size, dtype=int)
    resid = np.empty(size)
    qres = np.full(size, np.nan)
    names = ("q1", "q2", "V1", "V2", "psi")
    ops = {k: np.full(size, np.nan) for k in names}
    thetas, ms = [], []
    meth = np.empty(size, dtype=object)
    x_prev = {}
    for i in range(size):
        mdl = models[float(R[i])]
        meth[i] = mdl.method
        if L[i] == 0.0 and N[i] == setup.width:
            # lam = 0 at n_ridge = width: the interpolation threshold, where the ridgeless error diverges
            test[i] = train[i] = resid[i] = np.nan
            status[i] = "interpolation_threshold"
            thetas.append([])
            ms.append([])
            continue
        if mdl.conditional is not None:
            out = ba_conditional_risk(mdl.conditional, n_ridge=N[i], lam=L[i], noise_var=mdl.noise)
            test[i], train[i] = out.test_error, out.train_error
            status[i], n_iter[i], resid[i] = out.status, out.n_iter, out.residual
            thetas.append([])
            ms.append([])
            continue
        alpha = N[i] / setup.width
        kw = dict(tol=tol, max_iter=max_iter, accelerate=accelerate)
        if L[i] == 0.0 and alpha < 1.0:
            sol, n_it, qres[i], limit = _ridgeless_limit(mdl, alpha, x_prev.get(id(mdl)), **kw)
        else:
            sol, n_it, qres[i] = _solve_point(mdl, alpha, L[i], x_prev.get(id(mdl)), **kw)
            limit = None
        if sol.status == "converged" and limit is None:  # (a ridgeless limit's tiny lam is no warm start)
            x_prev[id(mdl)] = sol.x
        test[i], train[i] = (sol.test_error, sol.train_error) if limit is None else limit
        status[i], n_iter[i], resid[i] = sol.status, n_it, sol.residual
        for k in names:
            ops[k][i] = sol.overlaps[k]
        thetas.append(sol.overlaps["theta"])
        ms.append(sol.overlaps["m"])
    # honest numbers: an error is reported only where the equations have a converged, physical solution
    for i in range(size):
        if status[i] == "converged" and not (np.isfinite(test[i]) and np.isfinite(train[i]) and test[i] >= 0
                                             and train[i] >= 0):
            status[i] = "no_solution"
        if status[i] != "converged":
            test[i] = train[i] = np.nan
    if strict and np.any(status != "converged"):
        bad = int(np.sum(status != "converged"))
        warnings.warn(f"theory.risk: {bad} of {size} points did not converge (see .status and .residual)",
                      RuntimeWarning, stacklevel=2)

    def shaped(a):
        a = a.reshape(shape)
        if shape == ():
            v = a.item()
            return v
        return a

    def stack(lists):
        width = max((len(v) for v in lists), default=0)
        out = np.full((size, width), np.nan)
        for i, v in enumerate(lists):
            out[i, : len(v)] = v
        return out.reshape(shape + (width,))

    order = {k: shaped(v) for k, v in ops.items()}
    order["theta"] = stack(thetas)
    order["m"] = stack(ms)
    methods = set(meth.tolist())
    method_out = meth.tolist()[0] if len(methods) == 1 else shaped(meth)
    reason = "; ".join(f"lr={k:g}: {v}" for k, v in reasons.items()) if len(reasons) > 1 else next(iter(reasons.values()))
    kinds = {m.kind for m in models.values()}
    noise = setup.noise_var
    return RiskResult(
        test_error=shaped(test),
        train_error=shaped(train),
        test_risk=shaped(test - noise),
        noise_included=bool(noise > 0),
        status=shaped(status),
        n_iter=shaped(n_iter),
        residual=shaped(resid),
        quadrature_residual=shaped(qres),
        method=method_out,
        reason=reason,
        spectrum=kinds.pop() if len(kinds) == 1 else "mixed",
        n_ridge=np.broadcast_to(n_arr, shape).copy(),
        lam=np.broadcast_to(lam_arr, shape).copy(),
        lr=np.broadcast_to(lr_arr, shape).copy(),
        order_parameters=order,
        parameters={f"{k:g}": m.params for k, m in models.items()},
        setup=setup,
    )
