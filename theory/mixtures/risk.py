r"""Train and test error of ridge after one step on Gaussian-mixture inputs (the ``"mixture"`` regime).

The features after the step are described by an **equivalent first layer** and the conditional Gaussian
equivalence of :mod:`theory.mixtures.conditional` (``docs/derivations/mixture_risk.md``):

* :math:`W_0`: the setup's initialisation (sphere or Gaussian rows) times the data model's ``init_scale``, with
  readout values :math:`s` of the setup's law, drawn from ``seed`` (or given, ``W0=...``);
* the step keeps its rank-one part (``docs/derivations/mixture_direction.md``):

  .. math:: W_1 = W_0 + \tau\,s\,\Big(\sum_c\rho_c\,c_{1,c}\,u_c\Big)^\top,\qquad c_{1,c} = E\sigma'(\sqrt{q_c}z),
            \quad q_c = \varsigma^2\,\mathrm{tr}\,\Sigma_c/d,

  with :math:`u_c` the component averages of :math:`x y` on one batch of ``n`` samples drawn from ``seed``.
  Left out: the per-neuron fluctuation (squared norm :math:`\tau^2E y^2\mathrm{Var}\,\sigma'\,d/n`), the self-move
  :math:`\tau s_iE[y\sigma''(w_i\cdot x)]\Sigma_cw_i` and :math:`f_0` in the residual (output scale
  ``1/width``), all of relative order :math:`\tau` (Demir & Dogan's :math:`\tau = d^{\alpha\beta}/N\to0`);
* ridge on a fresh batch: :func:`~theory.mixtures.conditional.gaussian_mixture_ridge` on the moments
  :func:`~theory.mixtures.conditional.feature_moments` of :math:`\sigma(W_1x)` (Hermite degree ``degree``).

The equations are deterministic given :math:`(W_0, s, u)`; those are the only random inputs, drawn from
``seed`` (``draws`` independent draws are averaged and their standard error reported): a deterministic
equivalent on a finite draw, as ``theory.risk(..., W0=...)`` is for isotropic data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._applicability import NotApplicable
from .._checks import check_array, check_choice, check_integer
from .._result import Result, setup_field
from .conditional import feature_moments, gaussian_mixture_ridge, neuron_coefficients

__all__ = ["MixtureRisk", "mixture_risk", "equivalent_weights", "draw_initial_weights"]


@dataclass(frozen=True)
class MixtureRisk(Result):
    r"""Limiting ridge errors on mixture data (:func:`mixture_risk`). Arrays have the broadcast shape of
    ``(n_ridge, lam)``.

    Attributes
    ----------
    test_error, train_error, test_risk : float or ndarray
        Means over the draws (``test_risk = test_error - noise_var``); NaN where a draw did not converge.
    test_error_se, train_error_se : float or ndarray
        Standard error over the draws (NaN for one draw).
    status : str or ndarray
        ``"converged"`` when every draw converged, else the first failing status.
    method : str
        ``"mixture"``.
    degree : int
        Hermite degree of the features' kernel.
    n_ridge, lam : ndarray
    parameters : dict
        ``tau``, ``c1`` (per component), ``q`` (per component), ``draws``, ``seed``, and ``left_out``: the squared
        norm of the step's per-neuron fluctuation relative to a row's (the equivalent first layer leaves it out;
        the theory is meant for ``left_out`` much below 1).
    """

    test_error: object
    train_error: object
    test_risk: object
    test_error_se: object
    train_error_se: object
    status: object
    method: str
    degree: int
    n_ridge: np.ndarray
    lam: np.ndarray
    parameters: dict = field(default_factory=dict)
    setup: object = setup_field()

    @property
    def converged(self) -> bool:
        return bool(np.all(np.asarray(self.status) == "converged"))


def _mixture_of(setup):
    from ..model.data import GaussianMixture

    return setup.data if setup.data is not None else GaussianMixture([1.0], d=int(round(setup.d)))


def draw_initial_weights(setup, rng):
    r"""``(W0, s)``: the setup's initial first layer (rows uniform on the sphere, or :math:`N(0, I/d)`) times the
    data model's ``init_scale``, and readout values of unit scale (the simulator's conventions)."""
    d, p = int(round(setup.d)), int(round(setup.width))
    W = rng.standard_normal((p, d))
    W = W / np.linalg.norm(W, axis=1, keepdims=True) if setup.init == "sphere" else W / math.sqrt(d)
    if setup.readout == "gaussian":
        s = rng.standard_normal(p)
    elif setup.readout == "rademacher":
        s = rng.choice(np.array([-1.0, 1.0]), size=p)
    elif setup.readout == "constant":
        s = np.ones(p)
    else:
        raise NotApplicable("readout='symmetric' duplicates every neuron; the mixture risk supports 'gaussian', "
                            "'rademacher' and 'constant'")
    scale = float(getattr(setup.data, "init_scale", 1.0)) if setup.data is not None else 1.0
    return W * scale, s


def equivalent_weights(setup, W0, s, rng, *, lr=None, step: str = "rank_one"):
    r"""The first layer after the step, with the batch drawn from ``rng``. Returns ``(W1, info)``.

    ``step="rank_one"``: the equivalent :math:`W_0 + \tau s(\sum_c\rho_cc_{1,c}u_c)^\top` (module docstring);
    ``step="full"``: the exact full-batch step on that batch,
    :math:`W_0 + \tau\,\mathrm{diag}(s)\frac1n(\sigma'(XW_0^\top)\odot r)^\top X` with :math:`r = y - f_0` or :math:`y`
    (``setup.residual``), so that only the conditional Gaussian equivalence of the ridge features remains.
    """
    check_choice(step, ("rank_one", "full"), "step")
    data = _mixture_of(setup)
    tau = float(setup.lr if lr is None else lr)
    d = data.d
    scale = float(data.init_scale)
    q = np.array([scale**2 * tr / d for tr in data.traces])
    coef, _ = neuron_coefficients(setup.activation.func, np.zeros_like(q), q, 1)
    c1 = coef[:, 1] / np.sqrt(q)  # E sigma'(sqrt(q) z) = E[sigma(sqrt(q) z) z] / sqrt(q)
    info = dict(tau=tau, c1=c1.tolist(), q=q.tolist())
    if tau == 0.0:
        return np.array(W0, dtype=float), info
    n = int(round(setup.n))
    X, comp = data.sample(rng, n)
    if data.task == "classification":
        y = data.class_labels(comp)
    else:
        y = np.asarray(setup.target(X[:, 0]), dtype=float)
    if setup.noise_var > 0:
        y = y + math.sqrt(setup.noise_var) * rng.standard_normal(n)
    if step == "full":
        act = setup.activation
        Z = X @ W0.T
        r = y - setup.effective_output_scale * (np.asarray(act.func(Z), dtype=float) @ s) \
            if setup.residual == "full" else y
        if act.derivative is not None:
            D = np.asarray(act.derivative(Z), dtype=float)
        else:
            D = (np.asarray(act.func(Z + 1e-5), dtype=float) - np.asarray(act.func(Z - 1e-5), dtype=float)) / 2e-5
        G = (D * r[:, None]).T @ X / n
        info["left_out"] = 0.0
        return W0 + tau * s[:, None] * G, info
    direction = np.zeros(d)
    for c in range(data.n_components):
        rows = comp == c
        direction += c1[c] * (X[rows].T @ y[rows]) / n  # rho_c * u_c with rho_c = n_c / n
    info["direction_norm"] = float(np.linalg.norm(direction))
    info["left_out"] = _left_out(setup, tau, float(np.mean(y * y)), float(np.mean(q)), float(np.mean(s * s)), scale)
    return W0 + tau * np.outer(s, direction), info


def _left_out(setup, tau, ey2, q, es2, scale) -> float:
    r"""Squared norm of the step's per-neuron fluctuation relative to a row's, :math:`	au^2E s^2E y^2\mathrm{Var}\,
    \sigma'(\sqrt qz)\,(d/n)/arsigma^2`: the size of what the equivalent first layer leaves out (small in Demir &
    Dogan's scaling; ``docs/theory/mixtures.md#ridge-after-the-step-the-mixture-regime``)."""
    from .conditional import _WZ, _Z

    act = setup.activation
    t = math.sqrt(q) * _Z
    if act.derivative is not None:
        dv = np.asarray(act.derivative(t), dtype=float)
    else:
        h = 1e-5
        dv = (np.asarray(act.func(t + h), dtype=float) - np.asarray(act.func(t - h), dtype=float)) / (2 * h)
    var = float(dv * dv @ _WZ - (dv @ _WZ) ** 2)
    return tau * tau * es2 * ey2 * var * setup.d / setup.n / scale**2


def mixture_risk(setup, n_ridge, lam, *, lr=None, W0=None, W1=None, degree: int = 4, draws: int = 1, seed=0,
                 step: str = "rank_one", tol: float = 1e-12, max_iter: int = 2000, **_ignored) -> MixtureRisk:
    r"""Limiting train and test error of ridge after one step on ``setup.data`` (module docstring).

    Parameters
    ----------
    setup : theory.OneStep
        One step, single-index target (or ``task="classification"``), readout not ``"symmetric"``.
    n_ridge, lam : float or array_like
        Ridge sizes and penalties :math:`\lambda_C > 0` (broadcast together).
    lr : float, optional
        Overrides ``setup.lr``.
    W0 : ndarray (width, d), optional
        Initial weights (then ``draws = 1``; readout values still drawn from ``seed``).
    W1 : ndarray (width, d), optional
        The weights after the step: the conditional formula on them, nothing drawn.
    degree : int
        Hermite degree of the features' kernel (Demir & Dogan's Hermite model degree).
    draws : int
        Independent draws of :math:`(W_0, s, u)` averaged. ``draws=0``: nothing drawn, the draw-free limit
        :func:`theory.mixtures.limit.mixture_limit_risk` (``lr = 0``, or a small step with a Gaussian or Rademacher
        readout; zero component means; Hermite degree one whatever ``degree``; standard errors 0;
        ``docs/derivations/mixture_limit.md``).
    seed : int or numpy.random.SeedSequence
    step : {"rank_one", "full"}
        The equivalent first layer (default), or the exact step on the drawn batch
        (:func:`equivalent_weights`).

    Examples
    --------
    Random features on isotropic data: the same numbers as ``theory.risk(..., W0=W0, method="rf")`` on the
    same weights (``docs/derivations/mixture_risk.md`` §3).

    >>> import theory
    >>> s = theory.OneStep(activation="tanh", target="tanh", d=80, width=60, lr=0.0)
    >>> W0 = draw_initial_weights(s, np.random.default_rng(0))[0]
    >>> a = mixture_risk(s, n_ridge=100, lam=0.1, W0=W0, degree=1).test_error
    >>> bool(np.isclose(a, theory.risk(s, n_ridge=100, lam=0.1, W0=W0, method="rf").test_error, rtol=1e-8))
    True
    """
    from ..model.onestep import require_one_step

    require_one_step(setup, "the mixture risk")
    degree = check_integer(degree, "degree", minimum=1, maximum=30)
    draws = check_integer(draws, "draws", minimum=0)
    if lr is not None:
        lr_arr = check_array(lr, "lr", ndim_max=3)
        if lr_arr.size != 1:
            raise ValueError(f"method 'mixture' takes one lr (it draws the step); got {lr_arr.size} values")
        lr = float(lr_arr.reshape(-1)[0])
    n_arr = check_array(n_ridge, "n_ridge", positive=True, ndim_max=2)
    lam_arr = check_array(lam, "lam", positive=True, ndim_max=2)
    shape = np.broadcast_shapes(n_arr.shape, lam_arr.shape)
    N = np.broadcast_to(n_arr, shape).ravel()
    L = np.broadcast_to(lam_arr, shape).ravel()
    d, p = int(round(setup.d)), int(round(setup.width))
    for name, W in (("W0", W0), ("W1", W1)):
        if W is not None and np.shape(W) != (p, d):
            raise ValueError(f"{name} must have shape (width, d) = ({p}, {d}); got {np.shape(W)}")
    if draws == 0:
        if W0 is not None or W1 is not None:
            raise ValueError("draws=0 is the draw-free limit; it takes no W0 or W1")
        return _limit(setup if lr is None else setup.with_(lr=lr), n_arr, lam_arr, shape, tol, max_iter)
    if W0 is not None or W1 is not None:
        draws = 1
    seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    tests = np.full((draws, N.size), np.nan)
    trains = np.full((draws, N.size), np.nan)
    status = np.full(N.size, "converged", dtype=object)
    info = {}
    for k, child in enumerate(seq.spawn(draws)):
        rng = np.random.default_rng(child)
        if W1 is not None:
            W = np.asarray(W1, dtype=float)
        else:
            W_init, s = draw_initial_weights(setup, rng)
            if W0 is not None:
                W_init = np.asarray(W0, dtype=float)
            W, info = equivalent_weights(setup, W_init, s, rng, lr=lr, step=step)
        fm = feature_moments(setup, W, degree=degree)
        for i in range(N.size):
            out = gaussian_mixture_ridge(fm, N[i], L[i], tol=tol, max_iter=max_iter)
            tests[k, i], trains[k, i] = out.test_error, out.train_error
            if out.status != "converged" and status[i] == "converged":
                status[i] = out.status
    test = tests.mean(0)
    train = trains.mean(0)
    se = (lambda a: a.std(0, ddof=1) / math.sqrt(draws)) if draws > 1 else (lambda a: np.full(a.shape[1], np.nan))
    test_se, train_se = se(tests), se(trains)

    def shaped(a):
        a = np.asarray(a).reshape(shape)
        return a.item() if shape == () else a

    info.update(draws=draws, seed=str(seed) if isinstance(seed, np.random.SeedSequence) else seed)
    return MixtureRisk(test_error=shaped(test), train_error=shaped(train), test_risk=shaped(test - setup.noise_var),
                       test_error_se=shaped(test_se), train_error_se=shaped(train_se), status=shaped(status),
                       method="mixture", degree=degree, n_ridge=np.broadcast_to(n_arr, shape).copy(),
                       lam=np.broadcast_to(lam_arr, shape).copy(), parameters=info, setup=setup)


def _limit(setup, n_arr, lam_arr, shape, tol, max_iter) -> MixtureRisk:
    """``mixture_risk(..., draws=0)``: the draw-free limit on the grid (:mod:`theory.mixtures.limit`)."""
    from .limit import mixture_limit_risk

    N = np.broadcast_to(n_arr, shape).ravel()
    L = np.broadcast_to(lam_arr, shape).ravel()
    outs = [mixture_limit_risk(setup, N[i], L[i], tol=tol, max_iter=max_iter) for i in range(N.size)]

    def shaped(vals, dtype=float):
        a = np.asarray(vals, dtype=dtype).reshape(shape)
        return a.item() if shape == () else a

    test = [o.test_error for o in outs]
    train = [o.train_error for o in outs]
    info = dict(outs[0].parameters) if outs else {}
    info.update(draws=0, method="limit")
    return MixtureRisk(test_error=shaped(test), train_error=shaped(train),
                       test_risk=shaped(np.asarray(test) - setup.noise_var), test_error_se=shaped(np.zeros(N.size)),
                       train_error_se=shaped(np.zeros(N.size)), status=shaped([o.status for o in outs], object),
                       method="mixture", degree=1, n_ridge=np.broadcast_to(n_arr, shape).copy(),
                       lam=np.broadcast_to(lam_arr, shape).copy(), parameters=info, setup=setup)
