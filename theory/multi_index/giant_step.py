r"""Deterministic equivalents of the first-layer neurons after one giant step (Dandi et al. 2024).

Sources: ``docs/theory/giant_step.md#scalings`` (mechanism) and ``docs/theory/giant_step.md#per-neuron-laws`` (:math:`\ell=1` and :math:`\ell\ge2`); the full derivation,
including the finite-size terms kept here, is in ``docs/giant_step.md`` §3.

**Population drift** (exact for :math:`x\sim N(0,I_d)` and a unit vector :math:`\hat w`, with :math:`\kappa=W^*\hat w`):

.. math::
    E\big[g^*(W^*x)\,\sigma'(\hat w\cdot x)\,x\big] = W^{*\top}a(\kappa) + b(\kappa)\,\hat w,\qquad
    a(\kappa)=\sum_{k\ge1}\frac{\mu_k}{(k-1)!}C_k[\kappa^{\otimes(k-1)},\cdot\,],\quad
    b(\kappa)=\sum_{j\ge0}\frac{\mu_{j+2}}{j!}C_j[\kappa^{\otimes j}],

(plain :math:`\mu_k` of :math:`\sigma`), from :math:`\sigma'=\sum_m\frac{\mu_{m+1}}{m!}He_m`,
:math:`E[He_m(\hat w\cdot x)\mid W^*x=u]=\langle\kappa^{\otimes m},\mathbf{He}_m(u)\rangle`, the recurrence
:math:`u\,\mathbf{He}_m=\mathbf{He}_{m+1}+m\,\mathrm{sym}(\mathbf{He}_{m-1}\otimes I)` and Stein's lemma in the
directions orthogonal to :math:`V^*`. The notes' leading terms are :math:`a\approx\mu_1C_1`, :math:`b\approx\mu_2C_0`.

**One neuron** :math:`w=\rho\hat w`, readout sign :math:`s`, step :math:`\tau` (``lr``), batch :math:`n`:

.. math::
    W^*w^1=\kappa(\rho+s\tau b)+s\tau a,\qquad
    |w^1|^2=(\rho+s\tau b)^2+2(\rho+s\tau b)s\tau\,\kappa\cdot a+\tau^2|a|^2+\tau^2|S|^2+\tau^2N,

where :math:`a, b` use the coefficients of :math:`\sigma_\rho(z)=\sigma(\rho z)/\rho`, :math:`N` is the batch noise
:math:`\frac1n\big(E[r^2\sigma'^2|x|^2]-|E[r\sigma'x]|^2\big)` and :math:`S` the i.i.d.-readout term below.

**Readout** (``docs/theory/giant_step.md#per-neuron-laws``, "i.i.d. init adds a vanishing correction"): with the symmetric
initialisation :math:`f_0\equiv0`, the residual is :math:`r=y`. With i.i.d. readout values the residual is
:math:`r=y-f_0`, :math:`f_0=c\sum_js_j\sigma(w_j\cdot x)` (:math:`c` = ``output_scale``), which to leading order

* shifts :math:`C_0\to C_0-c_f`, :math:`c_f=c\,\mu_0\sum_js_j` (order one for ``readout="constant"``),
* adds :math:`\mathrm{Var}f_0\approx c^2\sum_js_j^2(E\sigma^2-\mu_0^2)` to :math:`E r^2`,
* adds a shared vector :math:`S=c\,\mu_1^2\sum_js_jw_j` orthogonal to :math:`V^*`, :math:`|S|^2\approx c^2\mu_1^4\sum_js_j^2`.

All three are :math:`O(1/p)` for mean-zero readouts and vanish for ``readout="symmetric"``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .._checks import check_integer
from .._result import Result
from ..hermite.engine import gaussian_rule, hermite_coefficients, orthonormal_hermite_matrix
from .tensors import hermite_tensors, second_moment
from .targets import MultiIndexTarget
from ..model.onestep import OneStep

__all__ = [
    "ActivationFactors",
    "activation_factors",
    "drift",
    "NeuronPrediction",
    "predict_neurons",
    "AlignmentLaw",
    "alignment_law",
    "SpecialisationLaw",
    "specialisation_law",
    "readout_moments",
]

_KMAX_NUMERIC = 8  # truncation of the drift series for non-polynomial targets (terms ~ |kappa|^k)


# ------------------------------------------------------------------------------------------ inputs
def _check_setup(setup) -> OneStep:
    if not isinstance(setup, OneStep):
        raise TypeError(f"setup must be a theory.OneStep; got {type(setup).__name__}")
    if not setup.is_multi_index or not isinstance(setup.target, MultiIndexTarget):
        raise ValueError("setup.target must be a theory.MultiIndexTarget for the giant-step laws")
    return setup


def readout_moments(readout: str) -> tuple[float, float]:
    """:math:`(E s, E s^2)` of the readout distribution (``docs/theory/conventions.md#the-network``).

    >>> readout_moments("constant"), readout_moments("symmetric")
    ((1.0, 1.0), (0.0, 1.0))
    """
    return {"gaussian": (0.0, 1.0), "rademacher": (0.0, 1.0), "symmetric": (0.0, 1.0), "constant": (1.0, 1.0)}[readout]


@dataclass(frozen=True)
class ActivationFactors(Result):
    r"""Gaussian averages of :math:`\sigma_\rho(z)=\sigma(\rho z)/\rho` used by the laws (shape ``(..., )`` in :math:`\rho`).

    ``mu[..., k]`` plain Hermite coefficients; ``sp2`` :math:`E\sigma'(\rho\xi)^2`; ``sp2_xi2``
    :math:`E[\sigma'(\rho\xi)^2\xi^2]`; ``nu[..., m]`` :math:`E[\sigma'(\rho\xi)^2He_m(\xi)]`, m = 0, 1, 2;
    ``s2`` :math:`E\sigma(\rho\xi)^2`.
    """

    rho: np.ndarray
    mu: np.ndarray
    sp2: np.ndarray
    sp2_xi2: np.ndarray
    nu: np.ndarray
    s2: np.ndarray


def activation_factors(act, kmax: int, rho=1.0) -> ActivationFactors:
    r"""Coefficients of :math:`\sigma_\rho(z)=\sigma(\rho z)/\rho` (so :math:`\sigma_\rho'(z)=\sigma'(\rho z)`).

    At :math:`\rho=1` the plain coefficients come from :func:`theory.hermite_coefficients` (closed forms where
    known); for other :math:`\rho` from the kink-aware rule of :func:`theory.hermite.engine.gaussian_rule`, which
    needs the kinks of :math:`\sigma` at 0 (or none) so that one rule serves every :math:`\rho`.

    >>> f = activation_factors("relu", 2)
    >>> bool(np.allclose(f.mu, [1 / np.sqrt(2 * np.pi), 0.5, 1 / np.sqrt(2 * np.pi)])), float(f.sp2)
    (True, 0.5)
    """
    from ..model.onestep import as_activation

    act = as_activation(act, "activation")
    kmax = check_integer(kmax, "kmax", minimum=2)
    rho = np.asarray(rho, dtype=float)
    if np.any(~np.isfinite(rho)) or np.any(rho <= 0):
        raise ValueError("rho (the norms of the initial neurons) must be positive and finite")
    kinks = tuple(act.kinks)
    z, w = gaussian_rule(kinks, degree=2 * kmax + 4)
    shape = rho.shape
    rf = rho.reshape(-1, 1)  # (P, 1)
    unit = bool(np.all(rho == 1.0))
    if not unit and any(k != 0.0 for k in kinks):
        raise ValueError(
            "initial norms other than 1 need an activation whose kinks are all at 0 (one quadrature rule for "
            "every norm); use init='sphere' for this activation"
        )
    zr = z[None, :] * rf  # (P, q)
    sig_raw = _eval(act, zr.ravel()).reshape(zr.shape)
    dsig = _eval(act.deriv, zr.ravel()).reshape(zr.shape)
    if unit:
        mu = np.broadcast_to(hermite_coefficients(act, kmax).values, (rf.shape[0], kmax + 1))
    else:
        H = orthonormal_hermite_matrix(z, kmax) * np.sqrt([math.factorial(k) for k in range(kmax + 1)])[:, None]
        mu = (sig_raw / rf * w) @ H.T
    sp2 = (dsig**2) @ w
    sp2_xi2 = (dsig**2) @ (w * z * z)
    nu = np.stack([(dsig**2) @ (w * He) for He in (np.ones_like(z), z, z * z - 1)], axis=-1)
    s2 = (sig_raw**2) @ w
    mu = np.array(mu).reshape(shape + (kmax + 1,))
    nu = nu.reshape(shape + (3,))
    sp2, sp2_xi2, s2 = (v.reshape(shape) for v in (sp2, sp2_xi2, s2))
    return ActivationFactors(rho, mu, sp2, sp2_xi2, nu, s2)


def _eval(f, z):
    with np.errstate(all="ignore"):
        v = np.asarray(f(z), dtype=float)
    return np.broadcast_to(v, z.shape)


@lru_cache(maxsize=64)
def _target_data(target: MultiIndexTarget, kmax: int):
    """Tensors of g up to kmax (and their errors) and of g^2 up to order 2."""
    ts = hermite_tensors(target, kmax)
    if target.is_polynomial:
        sq = MultiIndexTarget(target.expr**2, target.r)
    else:
        f = target.func
        sq = MultiIndexTarget(lambda Z, f=f: np.asarray(f(Z), dtype=float) ** 2, target.r)
    ts2 = hermite_tensors(sq, 2)
    return ts.values, ts2.values


def _kmax_for(target: MultiIndexTarget) -> int:
    return max(target.degree, 2) if target.is_polynomial else _KMAX_NUMERIC


def _contract(C: np.ndarray, kappa: np.ndarray, slots: int) -> np.ndarray:
    """``C[kappa_i, ..., kappa_i, ...]`` with ``slots`` leading slots contracted, for every row of kappa."""
    X = np.broadcast_to(C, kappa.shape[:1] + C.shape)
    for _ in range(slots):
        X = np.einsum("pi,pi...->p...", kappa, X)
    return X


def drift(target, act, kappa, *, rho=1.0, kmax=None):
    r"""The population drift :math:`(a(\kappa), b(\kappa))` of the module docstring for each row of ``kappa``.

    ``kappa`` has shape ``(p, r)`` (the overlaps :math:`W^*\hat w_i` of unit vectors); returns ``a`` of shape
    ``(p, r)`` and ``b`` of shape ``(p,)``. Exact (finite sums) for polynomial targets, truncated at order
    ``kmax`` (default 8) otherwise.

    >>> t = MultiIndexTarget("z1*z2", 2)
    >>> a, b = drift(t, "relu", np.array([[0.1, 0.0]]))  # a = mu_2 C_2 kappa = (0, 0.1 mu_2), b = 0
    >>> bool(np.allclose(a, [[0.0, 0.1 / np.sqrt(2 * np.pi)]])), float(b[0])
    (True, 0.0)
    """
    if not isinstance(target, MultiIndexTarget):
        raise TypeError(f"target must be a theory.MultiIndexTarget; got {type(target).__name__}")
    kappa = np.atleast_2d(np.asarray(kappa, dtype=float))
    if kappa.shape[1] != target.r:
        raise ValueError(f"kappa must have shape (p, r) with r = {target.r}; got {kappa.shape}")
    K = _kmax_for(target) if kmax is None else check_integer(kmax, "kmax", minimum=1)
    C, _ = _target_data(target, K)
    fac = activation_factors(act, K + 2, np.broadcast_to(np.asarray(rho, dtype=float), kappa.shape[:1]))
    mu = fac.mu  # (p, K+3)
    a = np.zeros_like(kappa)
    b = np.zeros(kappa.shape[0])
    for k in range(1, K + 1):
        a += (mu[:, k] / math.factorial(k - 1))[:, None] * _contract(C[k], kappa, k - 1)
    for j in range(0, K + 1):
        b += mu[:, j + 2] / math.factorial(j) * _contract(C[j], kappa, j)
    return a, b


# ------------------------------------------------------------------------------------------ one neuron
@dataclass(frozen=True)
class NeuronPrediction(Result):
    r"""Predicted state of each neuron after one step (finite-size deterministic equivalent).

    Attributes
    ----------
    overlap : ndarray (p, r)
        :math:`W^*w_i^1`.
    norm_sq : ndarray (p,)
        :math:`|w_i^1|^2`.
    cosine : ndarray (p,)
        :math:`\cos(w_i^1, v^*)`, :math:`v^*=W^{*\top}C_1/|C_1|` (``nan`` if :math:`C_1=0`).
    noise_in_V : ndarray (p,)
        Expected squared norm of the batch noise inside :math:`V^*` (the scale of the per-neuron error),
        :math:`\frac{\tau^2}n\big(E[r^2|u|^2]E\sigma'^2-|a+b\hat\kappa|^2\big)`.
    c0_shift, var_f0, shared_sq : float
        The i.i.d.-readout terms :math:`c_f`, :math:`\mathrm{Var}f_0`, :math:`|S|^2` (zero for symmetric readout).
    """

    overlap: np.ndarray
    norm_sq: np.ndarray
    cosine: np.ndarray
    noise_in_V: np.ndarray
    c0_shift: float
    var_f0: float
    shared_sq: float


def _readout_terms(setup: OneStep, sum_s: float, sum_s2: float, fac1: ActivationFactors):
    """(c_f, Var f0, |S|^2) of the module docstring."""
    if setup.readout == "symmetric" or setup.residual == "labels":
        return 0.0, 0.0, 0.0
    c = setup.effective_output_scale
    mu0, mu1 = float(fac1.mu[0]), float(fac1.mu[1])
    c_f = c * mu0 * sum_s
    var_f0 = c * c * sum_s2 * (float(fac1.s2) - mu0**2)
    shared = c * c * mu1**4 * sum_s2
    return c_f, var_f0, shared


def _residual_square_tensors(target, C, C_sq, c_f, extra):
    """Tensors C_0..C_2 of h = (g - c_f)^2 + extra (extra = noise_var + Var f0)."""
    h0 = float(C_sq[0]) - 2 * c_f * float(C[0]) + c_f**2 + extra
    h1 = np.asarray(C_sq[1]) - 2 * c_f * np.asarray(C[1])
    h2 = np.asarray(C_sq[2]) - 2 * c_f * np.asarray(C[2])
    return h0, h1, h2


def predict_neurons(setup, kappa, signs, norms=None, *, kmax=None) -> NeuronPrediction:
    r"""Deterministic equivalent of every neuron after one step, given its initial state.

    Parameters
    ----------
    setup : OneStep
        With a :class:`theory.MultiIndexTarget`; uses ``lr``, ``n``, ``d``, ``noise_var``, ``readout``,
        ``residual``, ``output_scale``.
    kappa : array (p, r)
        Initial overlaps :math:`W^*w_i^0` (in simulations :math:`W^*` has rows :math:`e_1..e_r`, so these are
        the first :math:`r` coordinates of :math:`w_i^0`).
    signs : array (p,)
        Readout values :math:`s_i`.
    norms : array (p,), optional
        :math:`|w_i^0|` (default 1, the sphere initialisation).

    Notes
    -----
    The formulas are in the module docstring (``docs/giant_step.md`` §3). The batch noise
    :math:`N_i=\frac1n(E[r^2\sigma'^2|x|^2]-|E[r\sigma'x]|^2)` keeps the :math:`1/d` terms
    :math:`E[r^2\sigma'^2|x|^2]\approx(d-r-1)\sum_{m\le2}\frac{\nu_m}{m!}C_m(r^2)[\hat\kappa^{\otimes m}]
    +E[r^2]E[\sigma'^2\xi^2]+E[r^2|u|^2]E\sigma'^2`. It is valid at first order in the step's batch noise:
    the error of the prediction for :math:`W^*w_i^1` is :math:`O(\tau\sqrt{r/n})` (``noise_in_V``).

    Examples
    --------
    Symmetric pair on a single-index linear target: :math:`W^*w^1=\kappa+s\tau\mu_1`.

    >>> s = OneStep(activation="relu", target=MultiIndexTarget("z1", 1), d=100, width=2, n=1e9, lr=1.0,
    ...             readout="symmetric")
    >>> pred = predict_neurons(s, [[0.0], [0.0]], [1.0, -1.0])
    >>> pred.overlap.ravel().tolist()
    [0.5, -0.5]
    """
    setup = _check_setup(setup)
    t: MultiIndexTarget = setup.target
    kappa = np.atleast_2d(np.asarray(kappa, dtype=float))
    p, r = kappa.shape
    if r != t.r:
        raise ValueError(f"kappa must have shape (p, r) with r = {t.r}; got {kappa.shape}")
    signs = np.asarray(signs, dtype=float).reshape(-1)
    if signs.shape != (p,):
        raise ValueError(f"signs must have shape (p,) = ({p},); got {signs.shape}")
    rho = np.ones(p) if norms is None else np.asarray(norms, dtype=float).reshape(-1)
    if rho.shape != (p,) or np.any(~np.isfinite(rho)) or np.any(rho <= 0):
        raise ValueError(f"norms must be positive with shape (p,) = ({p},)")
    if not (np.all(np.isfinite(kappa)) and np.all(np.isfinite(signs))):
        raise ValueError("kappa and signs must be finite")
    K = _kmax_for(t) if kmax is None else check_integer(kmax, "kmax", minimum=1)
    khat = kappa / rho[:, None]
    fac = activation_factors(setup.activation, K + 2, rho)
    fac1 = activation_factors(setup.activation, K + 2, 1.0)
    tau, n, d = setup.lr, setup.n, setup.d
    C, C_sq = _target_data(t, K)
    c_f, var_f0, shared = _readout_terms(setup, float(signs.sum()), float((signs**2).sum()), fac1)
    a, b = drift(t, setup.activation, khat, rho=rho, kmax=K)
    if c_f:
        b = b - c_f * fac.mu[:, 2]  # C_0 -> C_0 - c_f in the self term (j = 0 of b)
    lin = rho + signs * tau * b
    overlap = khat * lin[:, None] + (signs * tau)[:, None] * a
    h0, h1, h2 = _residual_square_tensors(t, C, C_sq, c_f, setup.noise_var + var_f0)
    nu = fac.nu
    Er2sp2 = nu[:, 0] * h0 + nu[:, 1] * (khat @ h1) + 0.5 * nu[:, 2] * np.einsum("pi,ij,pj->p", khat, h2, khat)
    Er2u2 = float(np.trace(h2)) + r * h0  # E[h |u|^2] = tr C_2(h) + r C_0(h)
    E_big = (d - r - 1) * Er2sp2 + h0 * fac.sp2_xi2 + Er2u2 * fac.sp2
    mean_sq = np.sum(a**2, axis=1) + b**2 * 1.0
    N = np.maximum(E_big - mean_sq, 0.0) / n
    st2 = (signs * tau) ** 2  # every part of the update s_i tau g_i scales with the neuron's readout value
    norm_sq = lin**2 + 2 * lin * signs * tau * np.sum(khat * a, axis=1) + st2 * (np.sum(a**2, axis=1) + shared + N)
    c1 = np.asarray(C[1], dtype=float)
    nc1 = float(np.linalg.norm(c1))
    cosine = overlap @ (c1 / nc1) / np.sqrt(norm_sq) if nc1 > 0 else np.full(p, np.nan)
    drift_V = a + b[:, None] * khat
    noise_in_V = tau**2 * np.maximum(Er2u2 * fac.sp2 - np.sum(drift_V**2, axis=1), 0.0) / n
    return NeuronPrediction(overlap, norm_sq, cosine, noise_in_V, c_f, var_f0, shared)


# ------------------------------------------------------------------------------------------ l = 1
@dataclass(frozen=True)
class AlignmentLaw(Result):
    r"""The :math:`\ell=1` law (``docs/theory/giant_step.md#per-neuron-laws``): :math:`n=\alpha d`, :math:`d\to\infty`, :math:`|w^0|=1`.

    .. math::
        \cos(w_i^1,v^*)\to\frac{s\tau\mu_1|C_1|}{\sqrt{(1+s\tau\mu_2C_0')^2+s^2\tau^2\big(\mu_1^2|C_1|^2
        +|S|^2+(E[r^2])E[\sigma'^2]/\alpha\big)}},\qquad v^*=W^{*\top}C_1/|C_1|,

    :math:`C_0'=C_0-c_f`, :math:`E[r^2]=E[(y-c_f)^2]+\Delta+\mathrm{Var}f_0` (i.i.d. readout terms of the module
    docstring; for the symmetric initialisation :math:`C_0'=C_0`, :math:`E r^2=E y^2+\Delta`, :math:`S=0`).
    """

    v_star: np.ndarray
    c1_norm: float
    c0_eff: float
    mu1: float
    mu2: float
    sigma_prime_sq: float
    residual_second_moment: float
    shared_sq: float
    lr: float
    alpha: float
    readout: str

    def overlap(self, s=1.0) -> np.ndarray:
        """:math:`W^*w^1` for readout value ``s`` (shape ``(..., r)``)."""
        s = np.asarray(s, dtype=float)
        return (s * self.lr * self.mu1 * self.c1_norm)[..., None] * self.v_star

    def norm_sq(self, s=1.0):
        r""":math:`|w^1|^2` for readout value ``s``."""
        s = np.asarray(s, dtype=float)
        t = self.lr
        st2 = (s * t) ** 2  # the update s tau g: its second moment scales with s^2
        return ((1 + s * t * self.mu2 * self.c0_eff) ** 2 + st2 * (self.mu1**2 * self.c1_norm**2
                + self.shared_sq + self.residual_second_moment * self.sigma_prime_sq / self.alpha))

    def cosine(self, s=1.0):
        r""":math:`\cos(w^1, v^*)` for readout value ``s`` (its sign is that of :math:`s\mu_1`)."""
        s = np.asarray(s, dtype=float)
        return s * self.lr * self.mu1 * self.c1_norm / np.sqrt(self.norm_sq(s))

    def mean_abs_cosine(self) -> float:
        r""":math:`E_s|\cos(w^1,v^*)|` over the readout distribution (Gaussian :math:`s`: kink-aware quadrature)."""
        if self.readout == "constant":
            return float(abs(self.cosine(1.0)))
        if self.readout == "gaussian":
            z, w = gaussian_rule((0.0,), degree=2)
            return float(w @ np.abs(self.cosine(z)))
        return float(0.5 * (abs(self.cosine(1.0)) + abs(self.cosine(-1.0))))


def alignment_law(setup) -> AlignmentLaw:
    r"""The :math:`\ell=1` cosine law of ``docs/theory/giant_step.md#per-neuron-laws`` with the i.i.d.-readout terms.

    ``alpha = setup.n / setup.d``; the i.i.d. terms use the readout moments times ``width``
    (:math:`\sum_js_j\approx pEs`, :math:`\sum_js_j^2\approx pEs^2`).

    Examples
    --------
    Single index, linear target: :math:`C_0=0`, :math:`|C_1|=1`, :math:`E y^2=1` (Cui et al.'s
    :math:`\gamma r/\sqrt{c+r^2}` form, ``docs/theory/step.md#spiked-rf-parameters``).

    >>> s = OneStep(activation="relu", target=MultiIndexTarget("z1", 1), d=1000, width=100, n=2000, lr=2.0,
    ...             readout="symmetric")
    >>> law = alignment_law(s)
    >>> bool(np.isclose(law.cosine(1.0), 1.0 / np.sqrt(1 + 1 + 4 * 0.5 / 2)))
    True
    """
    setup = _check_setup(setup)
    t: MultiIndexTarget = setup.target
    C, _ = _target_data(t, 2)
    fac1 = activation_factors(setup.activation, 4, 1.0)
    m_s, m_s2 = readout_moments(setup.readout)
    c_f, var_f0, shared = _readout_terms(setup, setup.width * m_s, setup.width * m_s2, fac1)
    c1 = np.asarray(C[1], dtype=float)
    nc1 = float(np.linalg.norm(c1))
    m2, _ = second_moment(t)
    Er2 = m2 - 2 * c_f * float(C[0]) + c_f**2 + setup.noise_var + var_f0
    v = c1 / nc1 if nc1 > 0 else np.full(t.r, np.nan)
    return AlignmentLaw(v, nc1, float(C[0]) - c_f, float(fac1.mu[1]), float(fac1.mu[2]), float(fac1.sp2), Er2,
                        shared, setup.lr, setup.n / setup.d, setup.readout)


# ------------------------------------------------------------------------------------------ l >= 2
@dataclass(frozen=True)
class SpecialisationLaw(Result):
    r"""The :math:`\ell\ge2` law (``docs/theory/giant_step.md#per-neuron-laws``): :math:`n=\alpha d^\ell`, :math:`\tau=\eta_0d^{(\ell-1)/2}`.

    With :math:`C_0=\dots=C_{\ell-1}=0` and :math:`\chi_i=\sqrt d\,W^*w_i^0`:

    .. math::
        W^*w_i^1=s_i\eta_0\frac{\mu_\ell}{(\ell-1)!}C_\ell[\chi_i^{\otimes(\ell-1)},\cdot\,]+\frac{\chi_i}{\sqrt d}
        +O\big((\alpha d)^{-1/2}\big),\qquad
        |w_i^1|^2=1-\frac{|\chi_i|^2}d+|W^*w_i^1|^2+\eta_0^2\,\frac{(E y^2+\Delta)E\sigma'^2}{\alpha}.

    (the :math:`-|\chi|^2/d` term is the part of :math:`|w^0|^2=1` that lies in :math:`V^*`).
    """

    ell: int
    eta0: float
    alpha: float
    d: float
    mu_ell: float
    tensor: np.ndarray
    noise_norm_sq: float

    def overlap(self, chi, s) -> np.ndarray:
        r""":math:`W^*w_i^1` for rows ``chi`` (shape ``(p, r)``) and readout values ``s`` (shape ``(p,)``)."""
        chi = np.atleast_2d(np.asarray(chi, dtype=float))
        s = np.asarray(s, dtype=float).reshape(-1)
        lead = _contract(self.tensor, chi, self.ell - 1)
        return (s * self.eta0 * self.mu_ell / math.factorial(self.ell - 1))[:, None] * lead + chi / math.sqrt(self.d)

    def norm_sq(self, chi, s) -> np.ndarray:
        r""":math:`|w_i^1|^2`."""
        chi = np.atleast_2d(np.asarray(chi, dtype=float))
        ov = self.overlap(chi, s)
        return 1 - np.sum(chi**2, axis=1) / self.d + np.sum(ov**2, axis=1) + self.noise_norm_sq

    def mean_overlap_sq(self) -> float:
        r""":math:`E_\chi|W^*w^1|^2` for :math:`\chi\sim N(0,I_r)`; for :math:`\ell=2` it is
        :math:`\eta_0^2\mu_2^2|C_2|_F^2+r/d`."""
        r = self.tensor.shape[0]
        if self.ell == 2:
            return float(self.eta0**2 * self.mu_ell**2 * np.sum(self.tensor**2) + r / self.d)
        z, w = gaussian_rule((), degree=2 * self.ell)
        grids = np.meshgrid(*([z] * r), indexing="ij")
        chi = np.stack([g.ravel() for g in grids], axis=1)
        W = np.ones(1)
        for _ in range(r):
            W = np.multiply.outer(W, w).ravel()
        ov = self.overlap(chi, np.ones(chi.shape[0]))
        return float(W @ np.sum(ov**2, axis=1))


def specialisation_law(setup, ell, *, atol: float = 1e-10) -> SpecialisationLaw:
    r"""The :math:`\ell\ge2` specialisation law for ``setup`` (``docs/theory/giant_step.md#per-neuron-laws``).

    ``eta0 = lr / d**((ell-1)/2)`` and ``alpha = n / d**ell`` (so ``OneStep.from_dandi(eta0=..., ell=...)``
    round-trips). The target's tensors :math:`C_0..C_{\ell-1}` must vanish: use
    ``target.without_low_orders(ell)`` (the exact-coefficient preprocessing of ``docs/theory/simulation.md#dandi-et-al``).

    >>> t = MultiIndexTarget("He(2, z1) + 3*He(2, z2)", 2)
    >>> s = OneStep.from_dandi(eta0=1.0, d=100, width=10, ell=2, target=t, activation="relu")
    >>> law = specialisation_law(s, 2)
    >>> law.overlap([[1.0, 1.0]], [1.0]).round(6).tolist()   # mu_2 C_2 chi + chi/sqrt(d)
    [[0.897885, 2.493654]]
    """
    setup = _check_setup(setup)
    ell = check_integer(ell, "ell", minimum=2)
    t: MultiIndexTarget = setup.target
    ts = hermite_tensors(t, ell)
    scale = math.sqrt(max(second_moment(t)[0], 1e-300))
    for k in range(ell):
        size = float(np.sqrt(np.sum(np.asarray(ts.values[k]) ** 2)))
        err = float(np.sqrt(np.sum(np.asarray(ts.error_estimate[k]) ** 2)))
        if size > max(atol * scale, 10 * err):
            raise ValueError(
                f"target: C_{k} is not zero (|C_{k}| = {size:.3g}); the l = {ell} law needs C_0..C_{ell - 1} = 0. "
                f"Use target.without_low_orders({ell})."
            )
    fac1 = activation_factors(setup.activation, max(ell, 2) + 2, 1.0)
    eta0 = setup.lr / setup.d ** ((ell - 1) / 2)
    alpha = setup.n / setup.d**ell
    m2, _ = second_moment(t)
    noise = eta0**2 * (m2 + setup.noise_var) * float(fac1.sp2) / alpha
    return SpecialisationLaw(ell, eta0, alpha, setup.d, float(fac1.mu[ell]), np.asarray(ts.values[ell], dtype=float), noise)
