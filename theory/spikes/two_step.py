r"""The first-layer weights after two gradient steps: outliers, their sizes and their directions.

Moniri & Hassani (2026, arXiv:2605.17767) take two steps with sizes :math:`\eta_t = N^{\alpha_t}`,
:math:`\alpha_t\in[0, 1/2)` (per-neuron steps :math:`\tau_t = \eta_t/\sqrt N`), and state that the
weights :math:`W_2` are a spiked random matrix whose outliers are learned directions. The mathematics
used here is derived in ``docs/derivations/two_step_weights.md`` and summarised in
``docs/theory/two_step.md``:

* the step-2 gradient, expanded around :math:`W_0`, is one rank-one term per order :math:`j` with left
  vector :math:`s^{\circ(j+1)}` and operator norm :math:`N^{\alpha_2 - j(1/2-\alpha_1)}`; the
  :math:`j = 0` term merges with the step-1 spike, so the number of outliers is
  :math:`1 + \#\{1\le j < r: \text{coefficient}_j\neq0\}`, :math:`r = \alpha_2/(1/2-\alpha_1)`
  (:func:`two_step_outlier_count`);
* the low-rank part :math:`P` of :math:`W_2` has singular values :math:`\theta_k` computed from the
  Gram matrices of its left vectors (readout moments) and right vectors (two-dimensional Gaussian
  integrals); the outliers of :math:`W_2 = W_0 + P + \dots` sit at the rectangular BBP locations
  :math:`\sqrt{(1+\theta^2)(\psi+\theta^2)}/\theta` (Benaych-Georges & Nadakuditi 2012) when
  :math:`\theta^4 > \psi` (:func:`two_step_spikes`).

Conventions are those of :class:`theory.OneStep`: :math:`W` is ``width x d`` with unit rows, the step
on the labels (``residual="labels"``), :math:`u_1 = X_1^\top y_1/n`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .._applicability import NotApplicable
from .._checks import check_choice, check_finite, check_integer
from .._result import Result, setup_field
from ..hermite.engine import as_activation, gaussian_rule, hermite_coefficients
from ..hermite.moments import double_factorial, readout_power_moments
from ..model.statistics import READOUT_MOMENTS, step_statistics
from .predictions import _BOUNDARY_RTOL, _bbp_rectangular, _finite_edge, _merge, _zero_decisions

__all__ = ["WeightOutlier", "TwoStepSpikes", "TwoStepCount", "two_step_spikes", "two_step_outlier_count",
           "METHODS"]

#: ``"taylor"``: the step-2 derivative expanded in powers of the readout (one term per order, fresh batch);
#: ``"resummed"``: the step-1 shift kept inside :math:`\sigma'` (no expansion; needed for a reused batch).
METHODS = ("auto", "taylor", "resummed")

_K_MAX_LIMIT = 10
_ZERO_RTOL = 1e-10
_N_READOUT = 12  # Gauss-Hermite nodes for the readout law of the resummed kernel
_N_A = 24  # nodes for the neuron's preactivation a
_N_G = 2  # nodes for the neuron's own fluctuation e_i . x (a small variance)
_N_ETA = 6  # nodes for the direction of x orthogonal to beta* in span(u, beta*)
_N_NOISE = 4  # nodes for the label noise (the nodes of one (z, eta) pair are consecutive)


# ============================================================================ results
@dataclass(frozen=True)
class WeightOutlier(Result):
    r"""One outlier (or candidate outlier) of :math:`W_2` (``docs/theory/two_step.md``).

    Attributes
    ----------
    order : int
        :math:`j`: the term with left vector :math:`s^{\circ(j+1)}` (0: the merged step-1/step-2 spike). The
        :math:`k`-th largest singular value of :math:`P` is reported for the :math:`k`-th order whose coefficient does
        not vanish (after the readout's merging); an order whose coefficient vanishes has strength 0.
    exponent : float
        Growth exponent of its strength: :math:`\alpha_2 - j(1/2-\alpha_1)`, order 0 :math:`\max(\alpha_1,\alpha_2)`.
    strength : float
        :math:`\theta_j`, the :math:`j`-th singular value of the low-rank part :math:`P` at the setup's sizes.
    singular_value : float
        Its BBP location :math:`\sqrt{c}\,\sqrt{(1+t)(\psi+t)/t}`, :math:`t = \theta^2/c` (:math:`c`: bulk
        variance), when :math:`t^2 > \psi`; NaN otherwise.
    overlap_target_sq, overlap_step_sq : float
        :math:`\cos^2` of the outlier's right singular vector with :math:`\beta_*` and with
        :math:`u_1 = X_1^\top y_1/n` (0 when it does not separate).
    separated : bool
        :math:`t^2 > \psi`.
    direction_target_sq, direction_step_sq : float
        :math:`\cos^2(b_j, \beta_*)` and :math:`\cos^2(b_j, u_1)` for the right singular vector :math:`b_j` of the
        low-rank part :math:`P` itself (before the bulk is added; the overlaps above are these times the BBP factor).
    """

    order: int
    exponent: float
    strength: float
    singular_value: float
    overlap_target_sq: float
    overlap_step_sq: float
    separated: bool
    direction_target_sq: float = 0.0
    direction_step_sq: float = 0.0


@dataclass(frozen=True)
class TwoStepCount(Result):
    r"""Asymptotic number of outliers of :math:`W_2` (``docs/theory/two_step.md#the-count``).

    Attributes
    ----------
    alpha1, alpha2, ratio : float
        The exponents and :math:`r = \alpha_2/(1/2-\alpha_1)`.
    count : int or None
        :math:`1 + \#\{1\le j<r\}` present orders after the readout's merging; ``None`` at a boundary.
    orders : tuple of int
        Orders :math:`j` that carry a separate outlier (0 first; for a merging readout the lowest of each group).
    at_boundary : bool
        :math:`r` is an integer (within 1e-9), or :math:`\alpha_1 = \alpha_2 = 0`: that term is of the
        bulk's order and separates or not by its constant (use :func:`two_step_spikes`).
    count_below, count_above : int
        Counts just below and just above a boundary (equal to ``count`` inside an interval).
    zero_orders : tuple of int
        Orders :math:`1\le j\le\lceil r\rceil` whose coefficient vanishes.
    readout : str
    reuse_batch : bool
    learns_target : bool or None
        With ``target``: whether an order-:math:`j\ge1` outlier carries :math:`\beta_*` at leading order.
    reason : str
    """

    alpha1: float
    alpha2: float
    ratio: float
    count: int | None
    orders: tuple
    at_boundary: bool
    count_below: int
    count_above: int
    zero_orders: tuple
    readout: str
    reuse_batch: bool
    learns_target: bool | None
    reason: str

    def __int__(self) -> int:
        """The count (at a boundary: the count just below)."""
        return int(self.count if self.count is not None else self.count_below)

    def __index__(self) -> int:
        return self.__int__()


@dataclass(frozen=True)
class TwoStepSpikes(Result):
    r"""Outliers of the weights after two steps, at the setup's sizes (``docs/theory/two_step.md``).

    Attributes
    ----------
    alphas : tuple of float
        :math:`(\alpha_1, \alpha_2)`, :math:`\alpha_t = \log(\tau_t\sqrt N)/\log N`.
    ratio : float
        :math:`r = \alpha_2/(1/2-\alpha_1)`.
    boundary : bool
        :math:`r` within 1e-9 of an integer.
    asymptotic_count : int or None
        :math:`1 + \#\{1\le j<r: \text{coefficient}_j\neq0\}` after the readout's merging
        (:func:`two_step_outlier_count`); ``None`` when :math:`\alpha_1\ge1/2`.
    spikes : tuple of WeightOutlier
        Orders :math:`0..k_{max}`.
    count : int
        Number of orders whose outlier separates from the bulk at the setup's sizes.
    captured_target : ndarray
        Fraction of :math:`\beta_*` in the span of the top-:math:`K` outlier directions (by size),
        :math:`K = 1..k_{max}+1`.
    learns_target : bool
        An order-:math:`j\ge1` outlier carries :math:`\beta_*` at leading order.
    reason : str
        Why (target rule, readout merging, regime, method caveats).
    in_regime : bool
        Both exponents in :math:`[0, 1/2)`.
    reuse_batch : bool
    method : str
        ``"taylor"`` or ``"resummed"``.
    bulk_variance : float
        :math:`c = E_s[(1+\lambda(s))^2] + (\tau_1^2+\tau_2^2)\varepsilon^2`: the rows' squared norm outside the
        low-rank part (step 2 rescales row :math:`i` by :math:`1+\lambda(s_i)`; the isotropic parts of the steps add);
        the bulk is taken as :math:`\sqrt c\,W_0`.
    bulk_edge, bulk_edge_finite : float
        :math:`\sqrt c(1+\sqrt\psi)` and its finite-size mean (Tracy-Widom centring, as in :func:`theory.weight_spike`).
    projection_norms : ndarray
        Order by order, :math:`|P^\top\tilde a_j|`, :math:`j = 0..k_{max}`, with :math:`\tilde a_j` the readout powers
        :math:`s^{\circ(j+1)}` orthonormalised in order (Gram-Schmidt): what a simulation measures as
        :math:`|(W_2-W_0)^\top\tilde a_j|` apart from the fluctuation floor.
    projection_floor : ndarray
        An upper estimate of the floor that the fluctuation part adds in quadrature to that measurement,
        :math:`E_s[p_j(s)^2(\lambda(s)^2 + (\tau_1^2+\tau_2^2)s^2\varepsilon^2)]^{1/2}` with :math:`p_j` the orthonormal
        polynomials: it treats the neurons' fluctuations as independent, and the measured floors are 25-35% lower
        (``docs/derivations/two_step_weights.md#monte-carlo``). A measurement should lie between
        ``projection_norms`` and ``hypot(projection_norms, projection_floor)``.
    projection_target_sq : ndarray
        :math:`\cos^2(P^\top\tilde a_j, \beta_*)`.
    """

    alphas: tuple
    ratio: float
    boundary: bool
    asymptotic_count: int | None
    spikes: tuple
    count: int
    captured_target: np.ndarray
    learns_target: bool
    reason: str
    in_regime: bool
    reuse_batch: bool
    method: str
    bulk_variance: float
    bulk_edge: float
    bulk_edge_finite: float
    projection_norms: np.ndarray = None
    projection_floor: np.ndarray = None
    projection_target_sq: np.ndarray = None
    setup: object = setup_field()

    @property
    def singular_values(self) -> np.ndarray:
        """The predicted outlier locations, order by order (NaN where none separates)."""
        return np.array([w.singular_value for w in self.spikes])

    @property
    def strengths(self) -> np.ndarray:
        r"""The singular values :math:`\theta_j` of the low-rank part, order by order."""
        return np.array([w.strength for w in self.spikes])


# ============================================================================ asymptotic count
def _ratio(alpha1: float, alpha2: float) -> float:
    return alpha2 / (0.5 - alpha1) if math.isfinite(alpha2) else -math.inf


@lru_cache(maxsize=256)
def _activation_zeros(act, kmax: int) -> tuple:
    """For each degree ``0..kmax``: ``None`` (non-zero coefficient) or why it vanishes."""
    _, reasons = _zero_decisions(act, kmax)
    return tuple(reasons)


def _derivative_vanishes(zeros: tuple, m: int) -> bool:
    r""":math:`\sigma^{(m)}\equiv0`: every coefficient of degree :math:`\ge m` (as far as computed) vanishes."""
    return all(r is not None for r in zeros[m:])


def _order_present(act, j: int, reuse: bool, zeros: tuple) -> tuple:
    r"""``(present, why)`` for order ``j >= 1`` (``docs/derivations/two_step_weights.md#which-orders``).

    Fresh batch: :math:`\mu_{j+1} = E\sigma^{(j+1)} \ne 0`. Reused batch: some
    :math:`m_{j,k} = E[\sigma^{(j+1)}(a)\sigma'(a)^k] \ne 0`, :math:`0\le k\le j`; parity decides the zeros
    (odd :math:`\sigma`: all vanish for odd :math:`j`; even :math:`\sigma`: :math:`m_{j,k} = 0` for even :math:`j+k`).
    """
    mu_zero = zeros[j + 1] is not None
    if not reuse:
        return (not mu_zero), (f"mu_{j + 1} = 0 ({zeros[j + 1]})" if mu_zero else f"mu_{j + 1} != 0")
    if _derivative_vanishes(zeros, j + 1):
        return False, f"sigma^({j + 1}) = 0"
    if act.parity == -1:  # odd activation
        return (j % 2 == 0), ("odd activation: m_{j,k} = 0 for odd j" if j % 2 else "m_{j,k} != 0 (even j)")
    if act.parity == 1:  # even activation: m_{j,k} != 0 needs j + k odd
        if not mu_zero:
            return True, f"mu_{j + 1} != 0"
        if j >= 2:
            return True, "even activation: m_{j,k} != 0 for j + k odd"
        return False, "even activation: m_{1,1} = 0 and mu_2 = 0"
    return True, ("mu_{j+1} != 0" if not mu_zero else f"mu_{j + 1} = 0 but m_{{{j},k>=1}} generically != 0")


def _merge_orders(orders: tuple, readout: str) -> tuple:
    """Orders whose left vectors :math:`s^{\\circ(j+1)}` coincide merge (the lowest is listed); order 0 first.

    Under a :math:`\\pm1` readout :math:`s^{\\circ(j+1)}` depends on the parity of :math:`j` only, so the grouping is
    that of the feature degrees in :func:`theory.spike_degrees` (the same helper).
    """
    return _merge(tuple(orders), readout)


@lru_cache(maxsize=256)
def _label_moments(target, noise_var: float, kmax: int) -> tuple:
    r""":math:`E[y^{k+1} z]`, :math:`k = 0..k_{max}`, and whether each vanishes (parity or below round-off)."""
    z, w = gaussian_rule(target.kinks, degree=2 * kmax + 4)
    f = np.asarray(target(z), dtype=float)
    g, wg = np.polynomial.hermite_e.hermegauss(kmax + 3)
    wg = wg / math.sqrt(2.0 * math.pi)
    y = f[:, None] + math.sqrt(noise_var) * g[None, :]
    ww = w[:, None] * wg[None, :]
    zz = np.broadcast_to(z[:, None], y.shape)
    vals, zero = [], []
    for k in range(kmax + 1):
        v = float(np.sum(ww * y ** (k + 1) * zz))
        scale = math.sqrt(float(np.sum(ww * y ** (2 * k + 2))))
        even_t = target.parity == 1  # (z, y) and (-z, y) have the same law: every E[T(y) z] vanishes
        vals.append(v)
        zero.append(bool(even_t or abs(v) <= _ZERO_RTOL * max(scale, 1e-300) * (k + 2) ** 2))
    return tuple(vals), tuple(zero)


def _learns(act, target, noise_var, readout, reuse, ratio, present_orders, zeros) -> tuple:
    r"""Whether an order-:math:`j\ge1` outlier carries :math:`\beta_*` at leading order, and why.

    ``docs/derivations/two_step_weights.md#which-targets``: with :math:`c_{*,1} = E[y z]\ne0` every present
    order :math:`j\ge1` carries it (fresh or reused); otherwise a fresh batch learns nothing, and a reused
    one learns at :math:`J_* = \min\{j\ge k_*: \exists k\in[k_*, j],\ j-k \text{ even},\ m_{j,k}\ne0,\
    E[y^{k+1}z]\ne0\}` when :math:`J_* < r`.
    """
    jmax = max(int(math.ceil(ratio)) - 1, 0) if math.isfinite(ratio) else 0
    vals, zero = _label_moments(target, float(noise_var), max(jmax, 1) + 1)
    separate = set(_merge_orders(present_orders, readout)) - {0}
    if readout in ("rademacher", "symmetric"):
        separate = {j for j in separate if j % 2 == 1}  # even orders merge with the order-0 spike
    if readout == "constant":
        return False, "constant readout: every order merges into the order-0 spike, none carries beta* by itself"
    if not zero[0]:
        ok = bool(separate)
        return ok, ("E[y z] != 0: the order-j >= 1 outliers carry beta*" if ok
                    else "E[y z] != 0 but no order j >= 1 outlier separates (asymptotically)")
    if not reuse:
        return False, "fresh batch and E[y z] = 0: only information-exponent-1 directions are learned"
    ks = [k for k in range(1, len(zero)) if not zero[k]]
    if not ks:
        return False, "reused batch but E[y^(k+1) z] = 0 for every k <= r: no label power correlates with beta*"
    k_star = ks[0]
    for j in sorted(separate):
        if j < k_star:
            continue
        for k in range(k_star, min(j, len(zero) - 1) + 1):
            if (j - k) % 2 == 0 and not zero[k] and _m_nonzero(act, j, k, zeros):
                return True, (f"reused batch: E[y^{k + 1} z] != 0 (k_* = {k_star}) reaches beta* at order {j} "
                              f"through m_{{{j},{k}}} != 0")
    return False, (f"reused batch: the first label power correlated with beta* is k_* = {k_star}, but no separate "
                   f"order j < r = {ratio:.4g} has j - k even and m_(j,k) != 0")


def _m_nonzero(act, j: int, k: int, zeros: tuple) -> bool:
    r""":math:`m_{j,k} = E[\sigma^{(j+1)}(a)\sigma'(a)^k] \ne 0` by the parity rules (generic otherwise)."""
    if k == 0:
        return zeros[j + 1] is None
    if _derivative_vanishes(zeros, j + 1):
        return False
    if act.parity == -1:
        return j % 2 == 0
    if act.parity == 1:
        return (j + k) % 2 == 1
    return True


def two_step_outlier_count(alpha1, alpha2, activation, *, readout: str = "gaussian", reuse_batch: bool = False,
                           target=None, noise_var: float = 0.0) -> TwoStepCount:
    r"""Asymptotic number of outliers of :math:`W_2` after two steps :math:`\eta_t = N^{\alpha_t}`.

    Source: Moniri & Hassani (2026, arXiv:2605.17767) state :math:`\lfloor\alpha_2/(1/2-\alpha_1)\rfloor`
    new outliers; ``docs/derivations/two_step_weights.md`` derives the count with its conditions:

    .. math:: \text{count} = 1 + \#\{1\le j < r:\ \text{coefficient}_j \ne 0\},\qquad r = \frac{\alpha_2}{1/2-\alpha_1},

    the 1 being the merged step-1/step-2 spike (order 0). Coefficient of order :math:`j`: fresh batch
    :math:`\mu_{j+1} = E\sigma^{(j+1)}(z)`; reused batch some :math:`m_{j,k} = E[\sigma^{(j+1)}\sigma'^k]`,
    :math:`k\le j`. Order :math:`j` has left vector :math:`s^{\circ(j+1)}`, so a Rademacher readout
    (:math:`s^{\circ2} = \mathbf 1`) merges the orders into at most two outliers and a constant one into one.

    Parameters
    ----------
    alpha1, alpha2 : float
        Exponents of the two step sizes; ``alpha1 < 1/2`` (``alpha2 = -inf`` is a zero second step).
    activation : str, Activation or callable
    readout : {"gaussian", "rademacher", "symmetric", "constant"}
    reuse_batch : bool
    target : str, Activation or callable, optional
        With a target, ``learns_target`` says whether an order-:math:`j\ge1` outlier carries :math:`\beta_*`.
    noise_var : float
        Label noise (only for ``learns_target``).

    Returns
    -------
    TwoStepCount
        ``int()`` of it is the count (just below a boundary).

    Examples
    --------
    >>> two_step_outlier_count(0.4, 0.35, "relu").orders          # r = 3.5; relu has mu_3 = 0
    (0, 1, 3)
    >>> two_step_outlier_count(0.4, 0.35, "tanh").orders          # tanh is odd: mu_2 = mu_4 = 0
    (0, 2)
    >>> b = two_step_outlier_count(0.25, 0.25, "relu")            # r = 1: boundary
    >>> b.at_boundary, b.count, b.count_below, b.count_above
    (True, None, 1, 2)
    """
    alpha1 = check_finite(alpha1, "alpha1")
    if not alpha1 < 0.5:
        raise ValueError(f"alpha1 must be < 1/2 (the first step must vanish per neuron); got {alpha1!r}")
    alpha2 = float(alpha2)
    if math.isnan(alpha2) or alpha2 == math.inf:
        raise ValueError(f"alpha2 must be a real number or -inf (a zero second step); got {alpha2!r}")
    check_choice(readout, tuple(READOUT_MOMENTS), "readout")
    act = as_activation(activation, "activation")
    ratio = _ratio(alpha1, alpha2)
    j_top = int(math.ceil(ratio)) if math.isfinite(ratio) and ratio > 0 else 0
    if j_top > 60:
        raise ValueError(f"alpha2/(1/2 - alpha1) = {ratio:.4g} asks for orders up to {j_top}; at most 60 are supported")
    zeros = _activation_zeros(act, j_top + 22)
    present, zero_orders, why = [0], [], []
    for j in range(1, j_top + 1):
        ok, text = _order_present(act, j, bool(reuse_batch), zeros)
        (present if ok else zero_orders).append(j)
        if not ok:
            why.append(f"order {j}: {text}")
    k_round = round(ratio) if math.isfinite(ratio) else None
    at_boundary = bool(k_round is not None and k_round >= 1 and math.isclose(ratio, k_round, rel_tol=_BOUNDARY_RTOL))
    zero_step = max(alpha1, alpha2) == 0.0
    below = tuple(j for j in present if j == 0 or j < ratio - (1e-9 * max(abs(ratio), 1) if at_boundary else 0.0))
    above = tuple(j for j in present if j == 0 or j <= (k_round if at_boundary else ratio))
    below_m, above_m = _merge_orders(below, readout), _merge_orders(above, readout)
    notes = []
    if readout != "gaussian":
        notes.append(f"{readout} readout: orders with equal left vectors merge "
                     f"({'s^(j+1) = s or 1' if readout != 'constant' else 'all into one'})")
    if why:
        notes.append("; ".join(why))
    if zero_step:
        notes.append("alpha1 = alpha2 = 0: the order-0 spike is of the bulk's order (Ba et al.'s regime); it separates "
                      "iff theta^4 > psi")
    if at_boundary:
        notes.append(f"r = {ratio:.6g} is an integer: order {k_round} is of the bulk's order, its separation depends "
                     "on the constants (use two_step_spikes)")
    learns = None
    if target is not None:
        tgt = as_activation(target, "target")
        learns, text = _learns(act, tgt, float(noise_var), readout, bool(reuse_batch), ratio, below, zeros)
        notes.append(text)
    boundary = at_boundary or zero_step
    return TwoStepCount(
        alpha1=alpha1, alpha2=alpha2, ratio=ratio, count=None if boundary else len(below_m), orders=below_m,
        at_boundary=boundary, count_below=len(below_m) - (1 if zero_step else 0), count_above=len(above_m),
        zero_orders=tuple(j for j in zero_orders if j <= j_top), readout=readout, reuse_batch=bool(reuse_batch),
        learns_target=learns, reason="; ".join(notes),
    )


# ============================================================================ finite-size weights
@lru_cache(maxsize=256)
def _plain_mu(act, kmax: int) -> np.ndarray:
    r"""Plain Hermite coefficients :math:`\mu_k = E[\sigma He_k] = E\sigma^{(k)}`, ``k = 0..kmax``."""
    v = np.array(hermite_coefficients(act, kmax, basis="plain").values, dtype=float)
    v.setflags(write=False)
    return v


def _deriv_monomial_moments(act, jmax: int) -> np.ndarray:
    r""":math:`M[m, q] = E[\sigma^{(m)}(a)\,a^q]` for :math:`m\le j_{max}+1`, :math:`q\le j_{max}`.

    With :math:`a^q = \sum_r A_{q,r}He_r(a)` and :math:`E[\sigma^{(m)}He_r] = E[\sigma He_{m+r}] = \mu_{m+r}`
    (Gaussian integration by parts).
    """
    mu = _plain_mu(act, 2 * jmax + 1)
    out = np.zeros((jmax + 2, jmax + 1))
    for q in range(jmax + 1):
        a = np.polynomial.hermite_e.poly2herme([0.0] * q + [1.0])
        for m in range(1, jmax + 2):
            out[m, q] = sum(a[r] * mu[m + r] for r in range(len(a)) if m + r < len(mu))
    return out


def _gaussian_powers(m: np.ndarray, eps: float, pmax: int) -> list:
    r""":math:`h_p(m) = E_g[(m + \varepsilon g)^p]`, :math:`p = 0..p_{max}`."""
    out = []
    for p in range(pmax + 1):
        h = np.zeros_like(m)
        for i in range(0, p + 1, 2):
            h = h + math.comb(p, i) * m ** (p - i) * eps**i * double_factorial(i - 1)
        out.append(h)
    return out


@lru_cache(maxsize=64)
def _sample_rule(target, noise_var: float, degree: int):
    r"""Nodes ``(z, eta, y)`` and weights of the joint law of :math:`(\beta_*\cdot x, \eta, y)` (``eta`` independent)."""
    # composite Gauss-Legendre split at the kinks; panels of width 4 (24 nodes each) keep machine precision
    z, w = gaussian_rule(target.kinks, degree=degree, panel_width=4.0)
    keep = w > 1e-17 * w.max()
    z, w = z[keep], w[keep]
    f = np.asarray(target(z), dtype=float)
    h, wh = np.polynomial.hermite_e.hermegauss(_N_ETA)
    wh = wh / math.sqrt(2.0 * math.pi)
    if noise_var > 0:
        e, we = np.polynomial.hermite_e.hermegauss(_N_NOISE)
        we = we / math.sqrt(2.0 * math.pi)
    else:
        e, we = np.zeros(1), np.ones(1)
    Z = np.repeat(z, len(h) * len(e))
    H = np.tile(np.repeat(h, len(e)), len(z))
    Y = np.repeat(f, len(h) * len(e)) + math.sqrt(noise_var) * np.tile(e, len(z) * len(h))
    W = (w[:, None, None] * wh[None, :, None] * we[None, None, :]).ravel()
    for a in (Z, H, Y, W):
        a.setflags(write=False)
    return Z, H, Y, W


@dataclass(frozen=True)
class _Geometry:
    """The population frame: :math:`\\hat u_1`, and :math:`\\hat\\beta_\\perp` orthogonal to it in span(u_1, beta*)."""

    u_norm: float
    gamma: float
    rho: float
    phi: float
    reuse: bool


def _coordinates(geo: _Geometry, Z, H, Y):
    r"""The sample's argument :math:`\zeta` for the weights and its coordinates along :math:`\hat u_1`, :math:`\hat\beta_\perp`.

    Fresh: :math:`\zeta = \gamma z + \rho\eta` is independent of :math:`u_1`. Reused: :math:`\zeta` is the
    leave-one-out value, and :math:`x\cdot\hat u = \zeta + y/(\phi|u|)`,
    :math:`x\cdot\hat\beta_\perp = \rho z - \gamma\eta - (\gamma/\rho)\,y/(\phi|u|)`.
    """
    zeta = geo.gamma * Z + geo.rho * H
    xb = geo.rho * Z - geo.gamma * H
    if not geo.reuse:
        return zeta, zeta, xb
    self_part = Y / (geo.phi * geo.u_norm)
    xb = xb - (geo.gamma / geo.rho) * self_part if geo.rho > 0 else xb
    return zeta, zeta + self_part, xb


def _right_gram(weights: np.ndarray, extra: np.ndarray, geo: _Geometry, xu, xb, Y, W):
    r"""Gram matrix of the right vectors :math:`v_j = \frac1n\sum_\mu c_j(\cdot_\mu)x_\mu + e_j` and their
    coordinates along :math:`(\hat u_1, \hat\beta_\perp)` (``docs/derivations/two_step_weights.md#right-gram-matrix``).

    :math:`G = AA^\top + \phi^{-1}E[c c^\top]` (reused batch: minus :math:`\phi^{-1}E[c y]E[c y]^\top/E y^2`,
    since :math:`\sum_\mu y_\mu x_\mu` has no component outside the frame).
    """
    cw = weights * W[None, :]
    A = np.stack([cw @ xu, cw @ xb], axis=1) + extra
    noise = (cw @ weights.T) / geo.phi
    if geo.reuse:
        cy = cw @ Y
        ey2 = float(W @ (Y * Y))
        if ey2 > 0:
            noise = noise - np.outer(cy, cy) / (geo.phi * ey2)
    return A @ A.T + noise, A


def _sym_sqrt(M: np.ndarray) -> np.ndarray:
    lam, V = np.linalg.eigh(0.5 * (M + M.T))
    return (V * np.sqrt(np.clip(lam, 0.0, None))) @ V.T


def _low_rank_svd(left_gram: np.ndarray, right_gram: np.ndarray, A: np.ndarray, directions: np.ndarray):
    r"""Singular values of :math:`P = LR^\top` and :math:`\cos` of its right singular vectors with fixed directions.

    With :math:`FF^\top = G_L`, :math:`\theta^2` are the eigenvalues of :math:`K = F^\top G_RF`; with
    :math:`Ky = \theta^2y` the right singular vector is :math:`b = RFy/\theta` (:math:`P^\top Pb = RG_LR^\top b =
    \theta^2b`, :math:`|b| = 1`), so :math:`b\cdot e = (R^\top e)^\top Fy/\theta`.
    ``directions`` holds the frame coordinates of each :math:`e` (rows).
    """
    try:  # a factor F with F F^T = G_L (Cholesky keeps the precision of an ill-conditioned Hankel matrix)
        gl = np.linalg.cholesky(left_gram)
    except np.linalg.LinAlgError:  # a merging readout: G_L is singular
        gl = _sym_sqrt(left_gram)
    K = gl.T @ right_gram @ gl
    lam, Y = np.linalg.eigh(0.5 * (K + K.T))
    order = np.argsort(lam)[::-1]
    lam, Y = np.clip(lam[order], 0.0, None), Y[:, order]
    proj = (A @ directions.T).T @ gl @ Y  # (n_dir, n_vec)
    theta = np.sqrt(lam)
    with np.errstate(divide="ignore", invalid="ignore"):
        cos = np.where(theta > 0, proj / np.where(theta > 0, theta, 1.0), 0.0)
    return theta, np.clip(cos**2, 0.0, 1.0)


def _readout_rule(readout: str):
    """Nodes and weights of the readout law (the resummed kernel integrates over it)."""
    if readout == "gaussian":
        s, w = np.polynomial.hermite_e.hermegauss(_N_READOUT)
        return s, w / math.sqrt(2.0 * math.pi)
    if readout == "constant":
        return np.ones(1), np.ones(1)
    return np.array([-1.0, 1.0]), np.array([0.5, 0.5])


@lru_cache(maxsize=8)
def _unit_rules():
    a, wa = np.polynomial.hermite_e.hermegauss(_N_A)
    g, wg = np.polynomial.hermite_e.hermegauss(_N_G)
    return a, wa / math.sqrt(2 * math.pi), g, wg / math.sqrt(2 * math.pi)


def _resummed_derivative(act, s: float, tau1: float, kappa: float, c1u: float, eps: float, phi: float,
                         zeta: np.ndarray, Y: np.ndarray, reuse: bool):
    r"""Mean-field :math:`\Psi = E_{a,g}[\sigma'(a + \tau_1 s(\kappa a + [y\sigma'(a)/\phi] + c_1|u|\zeta + \varepsilon g))]`
    and :math:`\Psi_a`, the same average with an extra factor :math:`a` (the part of the step along the neuron itself).

    The bracket (the sample's own term in the reused step 1) only for a reused batch. No expansion in
    :math:`\tau_1`: ``docs/derivations/two_step_weights.md#resummed-treatment``. For a fresh batch :math:`a` and
    :math:`g` enter through one Gaussian :math:`\mathrm{sd}\,w` of variance :math:`(1+\tau_1s\kappa)^2 + \tau_1^2s^2\varepsilon^2`,
    and :math:`E[F(\mathrm{sd}\,w)\,a] = (1+\tau_1s\kappa)E[F(\mathrm{sd}\,w)\,w]/\mathrm{sd}`.
    """
    with np.errstate(over="ignore", under="ignore"):  # sigma' far in its tails (e.g. 1/cosh^2 of 300) is an honest 0
        return _resummed_average(act, s, tau1, kappa, c1u, eps, phi, zeta, Y, reuse)


def _resummed_average(act, s, tau1, kappa, c1u, eps, phi, zeta, Y, reuse):
    a, wa, g, wg = _unit_rules()
    t = tau1 * s
    shift = t * c1u * zeta  # (Q,)
    if not reuse:
        sd = math.sqrt((1.0 + t * kappa) ** 2 + (t * eps) ** 2)
        vals = act.deriv(shift[:, None] + sd * a[None, :])
        return vals @ wa, (vals @ (wa * a)) * (1.0 + t * kappa) / sd
    base = (1.0 + t * kappa) * a[:, None] + t * eps * g[None, :]  # (A, G)
    self_a = (t / phi) * act.deriv(a)  # (A,)
    arg = (base[None, :, :] + (Y[:, None] * self_a[None, :] + shift[:, None])[:, :, None])
    vals = act.deriv(arg).reshape(len(Y), -1)
    w2 = np.outer(wa, wg).ravel()
    return vals @ w2, vals @ (w2 * np.repeat(a, len(g)))


def _two_step_core(setup, k_max: int, method: str):
    """Everything that does not depend on the presentation: returns the raw arrays."""
    act = setup.activation
    tau1, tau2 = (float(t) for t in setup.lrs)
    reuse = bool(setup.reuse_batch)
    st = step_statistics(setup.with_(lr=tau1, steps=1, reuse_batch=False))
    u_norm = math.sqrt(st.norm_sq)
    gamma = max(-1.0, min(1.0, st.signal / u_norm)) if u_norm > 0 else 0.0
    rho = math.sqrt(max(1.0 - gamma * gamma, 0.0))
    phi = setup.sample_ratio
    eps = math.sqrt(max(st.isotropic, 0.0))  # |e_i|: the neuron's own part of step 1
    kappa = st.self_move  # E[y] E[z sigma']: each neuron moves along itself
    c1s = st.c1_step  # E sigma' (a.e.), what the simulated step sees
    geo = _Geometry(u_norm, gamma, rho, phi, reuse)
    Z, H, Y, W = _sample_rule(setup.target, float(setup.noise_var), 2 * k_max + 6)
    n_rep = _N_NOISE if setup.noise_var > 0 else 1
    zeta, xu, xb = _coordinates(geo, Z, H, Y)
    N = float(setup.width)
    if method == "taylor":
        M = _deriv_monomial_moments(act, k_max)
        hp = _gaussian_powers(c1s * u_norm * zeta, eps, k_max)
        weights = np.zeros((k_max + 1, len(Z)))
        weights[0] = tau2 * M[1, 0] * Y
        for j in range(1, k_max + 1):
            poly = sum(kappa**q * M[j + 1, q] / (math.factorial(q) * math.factorial(j - q)) * hp[j - q]
                       for q in range(j + 1))
            weights[j] = tau2 * tau1**j * Y * poly
        extra = np.zeros((k_max + 1, 2))
        extra[0, 0] = tau1 * c1s * u_norm
        mom = readout_power_moments(setup.readout, 2 * k_max + 2)
        left = N * np.array([[mom[a + b + 2] for b in range(k_max + 1)] for a in range(k_max + 1)])
    # the readout law as a quadrature: the resummed right vectors, and the step along each neuron itself
    s_nodes, s_w = _readout_rule(setup.readout)
    r_weights = np.zeros((len(s_nodes), len(Z)))
    r_extra = np.zeros((len(s_nodes), 2))
    row_scale = np.ones(len(s_nodes))
    for m, (s, w) in enumerate(zip(s_nodes, s_w)):
        amp = math.sqrt(N * w)
        if reuse:
            psi_, psi_a = _resummed_derivative(act, float(s), tau1, kappa, c1s * u_norm, eps, phi, zeta, Y, reuse)
        else:  # without the sample's own term the average does not depend on the label: one value per (z, eta)
            psi_, psi_a = (np.repeat(v, n_rep) for v in _resummed_derivative(
                act, float(s), tau1, kappa, c1s * u_norm, eps, phi, zeta[::n_rep], Y[::n_rep], reuse))
        r_weights[m] = amp * s * Y * (tau2 * psi_ + (tau1 * c1s if reuse else 0.0))
        if not reuse:
            r_extra[m, 0] = amp * s * tau1 * c1s * u_norm
        row_scale[m] = 1.0 + tau2 * s * float(W @ (Y * psi_a))  # w_i^0 . (step 2 of neuron i), per unit w_i^0
    if method != "taylor":
        weights, extra, left = r_weights, r_extra, np.eye(len(s_nodes))
    gram, A = _right_gram(weights, extra, geo, xu, xb, Y, W)
    directions = np.array([[gamma, rho], [1.0, 0.0]])  # beta*, u_1 in the frame
    theta, cos2 = _low_rank_svd(left, gram, A, directions)
    proj = _readout_projections(setup.readout, s_nodes, s_w, k_max, r_weights, r_extra, geo, xu, xb, Y, W,
                                row_scale - 1.0, (tau1**2 + tau2**2) * st.isotropic, np.array([gamma, rho]))
    es2 = READOUT_MOMENTS[setup.readout][1]
    iso = st.isotropic
    # the isotropic parts add as independent ones, for a reused batch too (measured: 0.033 against 0.034
    # independent and 0.066 coherent, docs/derivations/two_step_weights.md#the-bulk)
    noise_steps = (tau1**2 + tau2**2) * es2 * iso
    # the rows of W_0 rescaled by step 2 (lambda(s)), plus the isotropic parts as in theory.weight_spike (the
    # one-step self-move is left out there; it vanishes for centred labels)
    c_bulk = float(s_w @ row_scale**2) + noise_steps
    return theta, cos2, c_bulk, proj


def _readout_projections(readout, s_nodes, s_w, k_max, weights, extra, geo, xu, xb, Y, W, lam, iso, beta):
    r""":math:`|P^\top\tilde a_j|`, its floor and :math:`\cos^2` with :math:`\beta_*`, :math:`\tilde a_j` the Gram-Schmidt
    readout powers: with the orthonormal polynomials :math:`p_j` of the readout law,
    :math:`P^\top\tilde a_j = \sqrt N E_s[p_j(s)R(s)] = \sum_m\sqrt{w_m}p_j(s_m)\,\sqrt{Nw_m}R(s_m)`."""
    m = len(s_nodes)
    out = np.zeros((3, k_max + 1))
    V = np.stack([s_nodes ** (j + 1) for j in range(min(k_max + 1, m))], axis=1) * np.sqrt(s_w)[:, None]
    Qm, Rm = np.linalg.qr(V)
    keep = np.abs(np.diag(Rm)) > 1e-10 * np.abs(Rm[0, 0])  # a merging readout has fewer distinct powers
    coef = Qm * np.sign(np.diag(Rm))[None, :]
    gram, A = _right_gram(weights, extra, geo, xu, xb, Y, W)
    for j in range(coef.shape[1]):
        if not keep[j] or not np.all(keep[:j]):
            continue
        c = coef[:, j]
        norm_sq = max(float(c @ gram @ c), 0.0)
        out[0, j] = math.sqrt(norm_sq)
        out[1, j] = math.sqrt(float(np.sum(c * c * (lam * lam + iso * s_nodes**2))))
        out[2, j] = float((c @ A) @ beta) ** 2 / norm_sq if norm_sq > 0 else 0.0
    return out


def _check_setup(setup):
    from ..model.onestep import OneStep

    if not isinstance(setup, OneStep):
        raise TypeError(f"setup must be a theory.OneStep; got {type(setup).__name__}")
    if setup.steps != 2:
        raise ValueError(f"steps must be 2 for the two-step theory; got steps={setup.steps}")
    if setup.is_multi_index:
        raise NotApplicable("the two-step weight theory covers single-index targets (a multi-index target was given)")
    if not setup.is_isotropic:
        raise NotApplicable("the two-step weight theory assumes isotropic Gaussian inputs (data=None)")
    if setup.residual != "labels":
        raise NotApplicable("the two-step weight theory is derived for the step on the labels (residual='labels', "
                            "as in OneStep.from_moniri_hassani); residual='full' adds f_0 to both steps")
    if setup.readout == "symmetric":
        raise NotApplicable("the symmetric readout pairs the rows of W_0, which changes the bulk; use 'rademacher'")


def two_step_spikes(setup, *, k_max=None, method: str = "auto") -> TwoStepSpikes:
    r"""Outliers of :math:`W_2` after two steps: strengths, BBP locations, overlaps, captured target.

    The low-rank part of :math:`W_2` (``docs/derivations/two_step_weights.md``) is

    .. math:: P = s\,r_0^\top + \tau_2\sum_{j\ge1}s^{\circ(j+1)}v_j^\top,\qquad
              r_0 = \tau_1 E[\sigma']\,u_1 + \tau_2 v_0,\qquad
              v_j = \frac{\tau_1^j}{j!}\frac1n\sum_\mu y_\mu E_{a,g}\big[\sigma^{(j+1)}(a)\,\delta_\mu^j\big]x_\mu ,

    with :math:`\delta_\mu = \kappa a + E[\sigma'](u_1\cdot x_\mu) + \varepsilon g` (the step-1 shift per unit
    :math:`\tau_1 s_i`). Its singular values :math:`\theta_k` are those of
    :math:`G_L^{1/2}G_RG_L^{1/2}` with the readout Hankel matrix :math:`G_L = N[E s^{a+b+2}]` and the
    Gram matrix :math:`G_R` of :math:`(r_0, \tau_2v_1, \dots)` (two-dimensional Gaussian integrals). Each
    :math:`\theta_k` with :math:`(\theta_k^2/c)^2 > \psi` gives an outlier of :math:`W_2` at
    :math:`\sqrt c\,\sqrt{(1+t)(\psi+t)/t}`, :math:`t = \theta_k^2/c` (Benaych-Georges & Nadakuditi 2012),
    whose right singular vector has :math:`\cos^2 = (1-\psi/t^2)\,\frac{\theta_k^2}{1+\theta_k^2}\cos^2(b_k, e)`
    with a fixed direction :math:`e`, :math:`b_k` the right singular vector of :math:`P`.

    Parameters
    ----------
    setup : OneStep
        ``steps == 2``, single-index target, isotropic inputs, ``residual="labels"``.
    k_max : int, optional
        Highest order reported (default: what the exponents need, at least 2; at most 10).
    method : {"auto", "taylor", "resummed"}
        ``"taylor"``: the expansion in powers of the readout (fresh batch only); ``"resummed"``: the step-1
        shift kept inside :math:`\sigma'` and averaged exactly (needed for a reused batch, whose labels enter
        the shift). ``"auto"`` (default) is ``"resummed"``: at the sizes one can simulate the Taylor series in
        the readout is poor for a bounded :math:`\sigma'` (``docs/derivations/two_step_weights.md#monte-carlo``);
        for a polynomial :math:`\sigma` the two agree to round-off.

    Returns
    -------
    TwoStepSpikes

    Raises
    ------
    ValueError
        ``steps != 2``, ``k_max`` out of range, ``method="taylor"`` with a reused batch.
    NotApplicable
        Multi-index target, non-isotropic data, ``residual="full"``, symmetric readout.

    Examples
    --------
    A zero second step gives back Ba et al.'s one-step spike:

    >>> from theory import OneStep, activation
    >>> s = OneStep.from_moniri_hassani(alpha=(0.3, 0.45), d=500, width=500, n=2000,
    ...                                 activation=activation("tanh", shift=0.5))
    >>> r = two_step_spikes(s.with_(lr=(s.lrs[0], 0.0)))
    >>> one = s.with_(lr=s.lrs[0], steps=1).weight_spike()
    >>> bool(np.isclose(r.spikes[0].singular_value, one.singular_value, rtol=1e-10))
    True
    >>> two_step_spikes(s).asymptotic_count               # r = 0.45 / 0.2 = 2.25: orders 0, 1, 2
    3
    """
    _check_setup(setup)
    check_choice(method, METHODS, "method")
    reuse = bool(setup.reuse_batch)
    if method == "auto":
        method = "resummed"
    if method == "taylor" and reuse:
        raise ValueError("method='taylor' is for a fresh batch: with a reused batch the labels enter the step-1 shift "
                         "and the expansion in the label overshoots (docs/derivations/two_step_weights.md); use "
                         "method='resummed'")
    a1, a2 = setup.step_exponents
    in_regime = 0.0 <= a1 < 0.5 and 0.0 <= a2 < 0.5
    ratio = _ratio(a1, a2) if a1 < 0.5 else math.inf
    if k_max is None:
        k_max = max(2, min(_K_MAX_LIMIT, int(math.ceil(ratio)))) if math.isfinite(ratio) and ratio > 0 else 2
    k_max = check_integer(k_max, "k_max", minimum=0, maximum=_K_MAX_LIMIT)
    notes = []
    if not in_regime:
        notes.append(f"alpha = ({a1:.4g}, {a2:.4g}) is outside [0, 1/2)^2: finite-size values only, the asymptotic "
                     "count does not apply" + (" (alpha1 >= 1/2)" if a1 >= 0.5 else ""))
    if a1 < 0.5:
        cnt = two_step_outlier_count(a1, a2, setup.activation, readout=setup.readout, reuse_batch=reuse,
                                     target=setup.target, noise_var=setup.noise_var)
        asym = int(cnt)
        boundary = bool(cnt.at_boundary)
        learns = bool(cnt.learns_target)
        notes.append(cnt.reason)
    else:
        asym, boundary, learns = None, False, False
    if reuse:
        notes.append("reused batch: resummed step-1 shift (labels kept inside sigma'), no expansion in the label; "
                     "orders 1-2 follow Monte Carlo at alpha = (0.45, 0.45), a weak order 2 is about 10% high at "
                     "(0.375, 0.45) (docs/derivations/two_step_weights.md#monte-carlo)")
    theta, cos2, c_bulk, proj = _two_step_core(setup, k_max, method)
    psi = setup.width_ratio
    # the k-th largest singular value of P belongs to the k-th order whose coefficient does not vanish (after the
    # readout's merging): the orders' strengths decrease with j, and a vanishing order has no term at all
    zeros = _activation_zeros(setup.activation, k_max + 22)
    present = _merge_orders((0,) + tuple(j for j in range(1, k_max + 1)
                                         if _order_present(setup.activation, j, reuse, zeros)[0]), setup.readout)
    by_rank, captured, acc = [], [], 0.0
    for k in range(k_max + 1):
        th = float(theta[k]) if k < len(theta) else 0.0
        t2 = th * th / c_bulk
        outlier, s1, _, _ = _bbp_rectangular(t2, psi)
        dt_, du_ = (float(cos2[0, k]), float(cos2[1, k])) if k < cos2.shape[1] else (0.0, 0.0)
        if outlier:
            factor = (1.0 - psi / t2**2) * th * th / (1.0 + th * th)
            ot, ou, sv = factor * dt_, factor * du_, math.sqrt(c_bulk) * s1
        else:
            ot, ou, sv = 0.0, 0.0, float("nan")
        by_rank.append((th, sv, ot, ou, bool(outlier), dt_, du_))
        acc += ot
        captured.append(acc)
    spikes = []
    for j in range(k_max + 1):
        exponent = max(a1, a2) if j == 0 else a2 - j * (0.5 - a1)
        vals = by_rank[present.index(j)] if j in present else (0.0, float("nan"), 0.0, 0.0, False, 0.0, 0.0)
        spikes.append(WeightOutlier(j, exponent, *vals))
    return TwoStepSpikes(
        alphas=(a1, a2), ratio=ratio, boundary=boundary, asymptotic_count=asym, spikes=tuple(spikes),
        count=sum(w.separated for w in spikes), captured_target=np.array(captured), learns_target=learns,
        reason="; ".join(t for t in notes if t), in_regime=in_regime, reuse_batch=reuse, method=method,
        bulk_variance=c_bulk, bulk_edge=math.sqrt(c_bulk) * (1.0 + math.sqrt(psi)),
        bulk_edge_finite=math.sqrt(c_bulk) * _finite_edge(psi * setup.d, setup.d), projection_norms=proj[0],
        projection_floor=proj[1], projection_target_sq=np.clip(proj[2], 0.0, 1.0), setup=setup,
    )
