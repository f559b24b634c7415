r"""The experiment: one (or a few) full-batch gradient steps on the first layer, then ridge.

This is the single description shared by the simulator and every theory function
(``docs/theory/conventions.md#the-network``):

* data :math:`x\sim N(0, I_d)`, target :math:`y = \sigma_*(\beta_*\cdot x) + \varepsilon` (or a
  multi-index :math:`g^*(W^* x)`), :math:`\varepsilon\sim N(0, \mathrm{noise\_var})`;
* network :math:`f(x) = \mathrm{output\_scale}\sum_i s_i\,\sigma(w_i\cdot x)` with ``width``
  neurons, ``output_scale = 1/width`` by default;
* the step :math:`w_i \leftarrow w_i + \mathrm{lr}\, s_i\,\frac1n\sum_\mu r_\mu\sigma'(w_i\cdot x_\mu)x_\mu`
  with :math:`r = y - f_0(x)` (``residual="full"``) or :math:`r = y` (``residual="labels"``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from .._checks import check_choice, check_finite, check_integer, check_nonnegative, check_positive
from .._result import Result, to_jsonable
from ..hermite.activations import Activation
from ..hermite.engine import as_activation  # the resolver lives with the Hermite engine (no upward import)
from . import conventions as _conv

__all__ = ["OneStep", "READOUTS", "INITS", "RESIDUALS", "PRESETS", "as_activation", "require_one_step"]

READOUTS = ("gaussian", "rademacher", "symmetric", "constant")
INITS = ("sphere", "gaussian")
RESIDUALS = ("full", "labels")

#: The paper presets of :meth:`OneStep.preset` (``onegrad ... --preset NAME``): each paper's main setting,
#: built by its ``from_*`` constructor, with the sizes given as multiples of ``d``.
PRESETS = {
    "cui2024": "Cui et al. 2024 (arXiv:2402.04980): giant step eta~ = 3 on n = 20 d, width = d, tanh student, "
               "sin target, constant readout, sphere init",
    "moniri2024": "Moniri et al. 2024 (arXiv:2310.07891): eta = n^alpha with alpha = 0.3, width = d, n = 4 d, tanh "
                  "student and target, Gaussian readout, f = a.sigma / sqrt(width), residual = labels",
    "ba2022": "Ba et al. 2022 (arXiv:2205.01445): eta = 1, width = d/2, n = 2 d, tanh student, centred softplus "
              "teacher, label-noise variance 0.0625, Gaussian W0 and readout",
    "dandi2024": "Dandi et al. 2024 (arXiv:2305.18270): one giant step lr = 2 on n = 4 d, width = d/2, relu student, "
                 "target (h(z1) + h(z2))/2 with h = He1 + He2/2 + He4/24, symmetric readout",
}

#: Dandi et al.'s notebook link h (He_k = probabilists' Hermite polynomials), used by :meth:`OneStep.from_dandi`.
_DANDI_LINK = "He(1, {z}) + He(2, {z})/2 + He(4, {z})/24"


def _is_multi_index(t) -> bool:
    return hasattr(t, "r") and hasattr(t, "hermite_tensor") or type(t).__name__ == "MultiIndexTarget"


@dataclass(frozen=True)
class OneStep(Result):
    r"""One experiment: sizes, activation, target, step, initialisation.

    Parameters
    ----------
    activation : str, Activation or callable
        Student activation :math:`\sigma`.
    target : str, Activation, callable or MultiIndexTarget
        Single-index link :math:`\sigma_*` (then :math:`y = \sigma_*(\beta_*\cdot x)`) or a
        :class:`theory.MultiIndexTarget`.
    d, width, n : float
        Input dimension, number of neurons :math:`N`, batch size of the step. Floats are allowed
        for purely asymptotic use; the simulator rounds them.
    lr : float or sequence of float
        Per-neuron step :math:`\tau` (see :mod:`theory.conventions` for each paper's map). A sequence gives
        one step size per step, :math:`(\tau_1, \tau_2, \dots)` (Moniri & Hassani 2026,
        :meth:`from_moniri_hassani`); a scalar is used for every step. :attr:`lrs` always has one value per step.
    noise_var : float
        Label-noise variance :math:`\Delta \ge 0`.
    readout : {"gaussian", "rademacher", "symmetric", "constant"}
        Distribution of the readout values :math:`s_i` of unit scale (``"symmetric"``: paired
        neurons with opposite signs so that :math:`f_0 = 0`).
    init : {"sphere", "gaussian"}
        First layer uniform on the unit sphere, or :math:`N(0, I/d)` entries.
    output_scale : float or None
        Prefactor of the network output; ``None`` means ``1/width``. Moniri et al. use
        ``1/sqrt(width)``.
    residual : {"full", "labels"}
        The step uses :math:`r = y - f_0` (``"full"``) or :math:`r = y` (``"labels"``).
    steps : int or None
        Number of gradient steps, each on a fresh batch of ``n`` samples unless ``reuse_batch``; ``None``
        (the default) means one step per value of ``lr`` (one for a scalar).
    reuse_batch : bool
        Reuse the first batch for every step.
    data : None or data model
        Distribution of the inputs: ``None`` (the default) is :math:`x\sim N(0, I_d)`; otherwise a data
        model of :mod:`theory.model.data` (e.g. a Gaussian mixture) of dimension ``d``.

    Examples
    --------
    >>> s = OneStep(activation="tanh", target="sin", d=1000, width=500, n=4000, lr=2.0)
    >>> s.sample_ratio, s.width_ratio, s.effective_output_scale
    (4.0, 0.5, 0.002)
    >>> OneStep.from_ba(eta=1.0, activation="tanh", target="tanh", d=100, width=400, n=200).lr
    0.05
    >>> two = OneStep(activation="tanh", target="tanh", d=100, width=100, n=200, lr=(0.5, 0.25))
    >>> two.steps, two.lrs
    (2, (0.5, 0.25))
    >>> OneStep(lr=0.5, steps=3).lrs
    (0.5, 0.5, 0.5)
    """

    activation: object = "tanh"
    target: object = "tanh"
    d: float = 1000
    width: float = 1000
    n: float = 2000
    lr: float = 1.0
    noise_var: float = 0.0
    readout: str = "constant"
    init: str = "sphere"
    output_scale: float | None = None
    residual: str = "full"
    steps: int | None = None
    reuse_batch: bool = False
    data: object = None

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "activation", as_activation(self.activation, "activation"))
        if not _is_multi_index(self.target):
            set_(self, "target", as_activation(self.target, "target"))
        else:
            # A MultiIndexTarget may carry its own label noise; the setup's noise_var is the one the
            # simulator and the theory read, so the two must agree (or one of them be zero).
            t_noise = float(getattr(self.target, "noise_var", 0.0) or 0.0)
            if t_noise and not self.noise_var:
                set_(self, "noise_var", t_noise)
            elif t_noise and t_noise != self.noise_var:
                raise ValueError(
                    f"noise_var ({self.noise_var}) and the target's noise_var ({t_noise}) disagree; give one of them"
                )
        for name in ("d", "width", "n"):
            set_(self, name, check_positive(getattr(self, name), name))
        set_(self, "lr", _check_lr(self.lr))
        set_(self, "noise_var", check_nonnegative(self.noise_var, "noise_var"))
        check_choice(self.readout, READOUTS, "readout")
        check_choice(self.init, INITS, "init")
        check_choice(self.residual, RESIDUALS, "residual")
        if self.output_scale is not None:
            set_(self, "output_scale", check_positive(self.output_scale, "output_scale"))
        n_lr = len(self.lr) if isinstance(self.lr, tuple) else None
        if self.steps is None:
            set_(self, "steps", n_lr or 1)
        set_(self, "steps", check_integer(self.steps, "steps", minimum=1))
        if n_lr is not None and n_lr != self.steps:
            raise ValueError(f"lr has {n_lr} values (one per step) but steps={self.steps}; give one value per step "
                             "or a scalar lr")
        if not isinstance(self.reuse_batch, (bool, np.bool_)):
            raise TypeError(f"reuse_batch must be a bool; got {type(self.reuse_batch).__name__}")
        set_(self, "reuse_batch", bool(self.reuse_batch))
        if self.data is not None:
            check_data = getattr(self.data, "check_dimension", None)
            if not callable(check_data) or not callable(getattr(self.data, "sample", None)):
                raise TypeError("data must be None (isotropic Gaussian inputs) or a data model of theory.model.data "
                                f"(e.g. theory.GaussianMixture); got {type(self.data).__name__}")
            check_data(self.d)

    # ------------------------------------------------------------------ derived quantities
    @property
    def lrs(self) -> tuple:
        """The per-neuron step size of each step, a tuple of length :attr:`steps`."""
        return self.lr if isinstance(self.lr, tuple) else (self.lr,) * self.steps

    @property
    def is_isotropic(self) -> bool:
        """Whether the inputs are :math:`N(0, I_d)` (``data`` is ``None`` or an isotropic data model)."""
        return self.data is None or bool(getattr(self.data, "is_isotropic", False))

    @property
    def effective_output_scale(self) -> float:
        """``output_scale``, or ``1/width`` when it is ``None``."""
        return 1.0 / self.width if self.output_scale is None else self.output_scale

    @property
    def sample_ratio(self) -> float:
        """:math:`n/d` (Ba's :math:`\\psi_1`, Cui's :math:`\\alpha_0`)."""
        return self.n / self.d

    @property
    def width_ratio(self) -> float:
        """:math:`N/d` (Ba's :math:`\\psi_2`, Cui's :math:`\\beta`)."""
        return self.width / self.d

    @property
    def moniri_alpha(self) -> float:
        r"""Moniri's exponent :math:`\alpha = \log(\mathrm{lr}\sqrt N)/\log n` (one step size; see
        :attr:`step_exponents` for one per step)."""
        if isinstance(self.lr, tuple):
            raise ValueError(f"this setup has one step size per step (lr={self.lr}); use step_exponents")
        return _conv.moniri_alpha(self.lr, self.n, self.width)

    @property
    def step_exponents(self) -> tuple:
        r"""Moniri & Hassani's exponents :math:`\alpha_t = \log(\tau_t\sqrt N)/\log N` of the step sizes
        :math:`\eta_t = N^{\alpha_t}` (:math:`N` = ``width``), one per step (``-inf`` for a zero step)."""
        return tuple(_conv.moniri_hassani_alpha(lr, self.width) for lr in self.lrs)

    @property
    def is_multi_index(self) -> bool:
        return _is_multi_index(self.target)

    def with_(self, **changes) -> "OneStep":
        """A copy with some fields changed (validated again). A new ``lr`` without ``steps`` keeps a
        sequence's length as the number of steps, and a scalar keeps the current number of steps."""
        if "lr" in changes and "steps" not in changes and not np.isscalar(changes["lr"]):
            changes["steps"] = None
        return replace(self, **changes)

    def to_dict(self) -> dict:
        out = {}
        for key in self.__dataclass_fields__:
            val = getattr(self, key)
            if key == "data":
                out[key] = None if val is None else val.to_dict()
                continue
            out[key] = val.name if isinstance(val, Activation) else to_jsonable(val)
        return out

    # ------------------------------------------------------------------ paper constructors
    @classmethod
    def from_ba(cls, *, eta, d, width, n, activation="tanh", target="tanh", noise_var=0.0, **kw) -> "OneStep":
        r"""Ba et al. (2022): Gaussian :math:`W_0`, :math:`a\sim N(0, I/N)`, :math:`f = N^{-1/2}a\cdot\sigma`, :math:`\tau = \eta/\sqrt N`."""
        kw.setdefault("readout", "gaussian")
        kw.setdefault("init", "gaussian")
        return cls(activation=activation, target=target, d=d, width=width, n=n,
                   lr=_conv.lr_from_ba(eta, width), noise_var=noise_var, **kw)

    @classmethod
    def from_moniri(cls, *, alpha, d, width, n, eta0=1.0, activation="tanh", target="tanh", noise_var=0.0, **kw) -> "OneStep":
        r"""Moniri et al. (2024): sphere init, :math:`a\sim N(0, I/N)`, :math:`f = a\cdot\sigma`, :math:`\eta = \eta_0 n^\alpha`.

        The step uses the labels, :math:`r = y` (``residual="labels"`` by default): the equivalent model
        :math:`F_0 + \sum_k` spikes and its limiting errors (``theory.risk(method="moniri")``) are derived for it.
        With :math:`f = a\cdot\sigma` the initial output is of order one, and ``residual="full"`` adds to the
        learned direction a component along :math:`W_0^\top a`, correlated with :math:`F_0`, that the
        theory does not cover (measured: the network's error is 7-10% above the theory's at d = 500-1000,
        ``docs/derivations/bulk_variance.md``); pass ``residual="full"`` to simulate it anyway.
        """
        kw.setdefault("residual", "labels")
        kw.setdefault("readout", "gaussian")
        kw.setdefault("init", "sphere")
        kw.setdefault("output_scale", 1.0 / math.sqrt(check_positive(width, "width")))
        return cls(activation=activation, target=target, d=d, width=width, n=n,
                   lr=_conv.lr_from_moniri(alpha, n, width, eta0), noise_var=noise_var, **kw)

    @classmethod
    def from_moniri_hassani(cls, *, alpha, d, width, n, eta0=1.0, activation="tanh", target="tanh", noise_var=0.0,
                            reuse_batch=False, **kw) -> "OneStep":
        r"""Moniri & Hassani (2026, arXiv:2605.17767): several steps with :math:`\eta_t = \eta_0 N^{\alpha_t}`.

        ``alpha`` is the sequence :math:`(\alpha_1, \alpha_2, \dots)`, one exponent per step, each in
        :math:`[0, 1/2)` for the paper's regime; the per-neuron steps are :math:`\tau_t = \eta_t/\sqrt N`
        (:func:`theory.conventions.lr_from_moniri_hassani`), with :math:`N` = ``width``. As in
        :meth:`from_moniri`: sphere init, Gaussian readout, :math:`f = a\cdot\sigma` with
        :math:`a\sim N(0, I/N)` and the step on the labels (``residual="labels"``).

        >>> s = OneStep.from_moniri_hassani(alpha=(0.25, 0.4), d=400, width=400, n=800)
        >>> s.steps, [round(a, 12) for a in s.step_exponents]
        (2, [0.25, 0.4])
        """
        alphas = tuple(np.atleast_1d(np.asarray(alpha, dtype=float)).tolist()) if not np.isscalar(alpha) else (alpha,)
        kw.setdefault("residual", "labels")
        kw.setdefault("readout", "gaussian")
        kw.setdefault("init", "sphere")
        kw.setdefault("output_scale", 1.0 / math.sqrt(check_positive(width, "width")))
        lrs = tuple(_conv.lr_from_moniri_hassani(a, width, eta0) for a in alphas)
        return cls(activation=activation, target=target, d=d, width=width, n=n, lr=lrs if len(lrs) > 1 else lrs[0],
                   noise_var=noise_var, reuse_batch=reuse_batch, **kw)

    @classmethod
    def from_cui(cls, *, eta_tilde, d, width, alpha0, activation="tanh", target="sin", noise_var=0.0, **kw) -> "OneStep":
        r"""Cui et al. (2024): sphere init, :math:`a_i = p^{-1/2}`, :math:`n_0 = \alpha_0 d`, :math:`\tau = \tilde\eta`."""
        kw.setdefault("readout", "constant")
        kw.setdefault("init", "sphere")
        return cls(activation=activation, target=target, d=d, width=width, n=check_positive(alpha0, "alpha0") * d,
                   lr=_conv.lr_from_cui(eta_tilde), noise_var=noise_var, **kw)

    @classmethod
    def from_dandi(cls, *, eta0, d, width, ell, n_ratio=1.0, activation="relu", target=None, **kw) -> "OneStep":
        r"""Dandi et al. (2024): :math:`n = n_{ratio} d^\ell`, :math:`\eta = \eta_0 p d^{(\ell-1)/2}`, :math:`\tau = \eta/p`.

        The giant-step laws (``theory.alignment_law``, ``theory.error_floor``...) describe a multi-index
        target: ``target=None`` is the two-index target of Dandi et al.'s single-step experiment,
        :math:`(h(z_1) + h(z_2))/2` with :math:`h = He_1 + He_2/2 + He_4/24`.
        """
        if target is None:
            from ..multi_index.targets import MultiIndexTarget

            target = MultiIndexTarget(f"({_DANDI_LINK.format(z='z1')} + {_DANDI_LINK.format(z='z2')})/2", 2)
        kw.setdefault("readout", "symmetric")
        kw.setdefault("init", "gaussian")
        eta = _conv.dandi_eta(eta0, width, d, ell)
        return cls(activation=activation, target=target, d=d, width=width, n=check_positive(n_ratio, "n_ratio") * d**ell,
                   lr=_conv.lr_from_dandi(eta, width), **kw)

    @classmethod
    def preset(cls, name: str, *, d: float = 1000, width: float | None = None, n: float | None = None,
               **changes) -> "OneStep":
        r"""The main setting of a paper (:data:`PRESETS`) at input dimension ``d``, with ``changes`` applied.

        Each preset is built by the paper's ``from_*`` constructor, so the methods of that paper accept it
        (``cui2024``: ``risk(method="srf")``; ``moniri2024``: ``risk(method="moniri")`` and ``spikes()``;
        ``ba2022``: ``risk(method="ba")`` and ``weight_spike()``; ``dandi2024``: ``alignment_law`` and the
        error floors). ``width`` and ``n`` default to the paper's multiples of ``d`` and are passed to the
        constructor (Moniri's and Ba's step size depend on them); ``changes`` are other :class:`OneStep`
        fields, set afterwards (:meth:`with_`).

        Examples
        --------
        >>> s = OneStep.preset("cui2024", d=400)
        >>> (s.d, s.width, s.n, s.lr, s.target.name)
        (400.0, 400.0, 8000.0, 3.0, 'sin')
        >>> OneStep.preset("ba2022", d=400, noise_var=0.0).noise_var
        0.0
        """
        check_choice(name, tuple(PRESETS), "preset")
        d = check_positive(d, "d")
        ratios = {"cui2024": (1.0, 20.0), "moniri2024": (1.0, 4.0), "ba2022": (0.5, 2.0), "dandi2024": (0.5, 4.0)}
        width = check_positive(ratios[name][0] * d if width is None else width, "width")
        n = check_positive(ratios[name][1] * d if n is None else n, "n")
        if name == "cui2024":
            s = cls.from_cui(eta_tilde=3.0, d=d, width=width, alpha0=n / d, activation="tanh", target="sin")
        elif name == "moniri2024":
            s = cls.from_moniri(alpha=0.3, d=d, width=width, n=n, activation="tanh", target="tanh")
        elif name == "ba2022":
            from ..hermite.activations import activation as _activation

            s = cls.from_ba(eta=1.0, d=d, width=width, n=n, activation="tanh",
                            target=_activation("softplus", center=True), noise_var=0.0625)
        else:
            s = cls.from_dandi(eta0=2.0, d=d, width=width, ell=1, n_ratio=n / d, activation="relu")
        return s.with_(**changes) if changes else s

    # ------------------------------------------------------------------ theory shortcuts
    # The spikes layer sits above this one, so these methods reach it through SHORTCUTS, which
    # theory.spikes fills when it is imported (always, by ``import theory``): no upward import.
    def spikes(self, **kw):
        """Predicted outliers of :math:`F/\\sqrt n` (see :func:`theory.feature_spikes`)."""
        return _shortcut("spikes")(self, **kw)

    def learned_overlap(self, **kw):
        """Limit of :math:`\\cos(\\beta, \\beta_*)` and :math:`|\\beta|^2`, :math:`\\beta = X^\\top r/n`
        (see :func:`theory.learned_overlap`)."""
        return _shortcut("learned_overlap")(self, **kw)

    def weight_spike(self, **kw):
        """Ba et al.'s rank-one spike of :math:`W_1` (see :func:`theory.weight_spike`)."""
        return _shortcut("weight_spike")(self, **kw)


def require_one_step(setup, what: str) -> None:
    """Check that ``setup`` is a :class:`OneStep` with one step and a single-index target, as the formula
    ``what`` needs: ``TypeError`` otherwise, or :class:`theory.NotApplicable` (a ``ValueError``) naming ``what``."""
    from .._applicability import NotApplicable

    if not isinstance(setup, OneStep):
        raise TypeError(f"setup must be a theory.OneStep; got {type(setup).__name__}")
    if setup.is_multi_index:
        raise NotApplicable(f"{what}: a single-index target only; got a MultiIndexTarget")
    if setup.steps != 1:
        raise NotApplicable(f"{what}: one step only (one gradient step); got steps={setup.steps}")


def _check_lr(lr):
    """A finite float, or a tuple of finite floats (one per step; a one-element sequence is a scalar)."""
    if isinstance(lr, (str, bytes)) or np.isscalar(lr) or (isinstance(lr, np.ndarray) and lr.ndim == 0):
        return check_finite(lr, "lr")
    try:
        vals = tuple(lr)
    except TypeError:
        raise TypeError(f"lr must be a number or a sequence of numbers (one per step); got {type(lr).__name__}") from None
    if not vals:
        raise ValueError("lr must have at least one value (one per step)")
    vals = tuple(check_finite(v, f"lr[{i}]") for i, v in enumerate(vals))
    return vals[0] if len(vals) == 1 else vals


#: ``OneStep.spikes()``, ``.learned_overlap()`` and ``.weight_spike()``: name -> function(setup, **kw), filled
#: by :mod:`theory.spikes` (a higher layer) when it is imported.
SHORTCUTS: dict = {}


def _shortcut(name: str):
    try:
        return SHORTCUTS[name]
    except KeyError:
        raise RuntimeError(f"OneStep.{name}() is provided by theory.spikes, which is not imported; "
                           "import theory first") from None
