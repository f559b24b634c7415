r"""Spikes after one gradient step: which polynomial features appear, where, and how they align.

Three results live here (the mathematics is in ``docs/theory/spikes.md`` and ``docs/spikes.md``):

* :func:`spike_degrees` -- Moniri et al.'s interval theorem for the step :math:`\eta = n^\alpha`
  (``docs/theory/spikes.md#interval-theorem``): exactly :math:`\ell` separated outliers when
  :math:`(\ell-1)/(2\ell) < \alpha < \ell/(2\ell+2)`, degree :math:`k` present iff
  :math:`\alpha > (k-1)/(2k)` and :math:`c_k \ne 0`;
* :func:`learned_overlap` -- limits of :math:`|\beta|^2` and :math:`\cos(\beta, \beta_*)` for the
  learned direction :math:`\beta = X^\top r/n` (B.4 for :math:`r = y`, B.5 re-derived for
  :math:`r = y - f_0` with a general output scale and readout, ``docs/spikes.md`` §2);
* :func:`weight_spike` -- Ba et al.'s rank-one spike of :math:`W_1` (A.4, A.5; the readout and
  residual generalisations are derived in ``docs/spikes.md`` §3).

The spectrum of the feature matrix (:func:`feature_spikes`, ``OneStep.spikes()``) is computed by
:mod:`theory.feature_spectrum`.

Conventions: :math:`W` stores neurons as rows (``width x d``), the per-neuron step is ``lr``
(:math:`\tau`), the readout values :math:`s_i` have unit second moment; label noise is included in
every second moment :math:`E y^2`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from .._checks import check_choice, check_in_interval, check_integer
from .._applicability import NotApplicable
from ..model.statistics import READOUT_MOMENTS as _READOUT_MOMENTS, readout_moments, step_statistics
from .._result import Result, setup_field
from ..hermite.engine import hermite_coefficients

__all__ = [
    "SpikeDegrees",
    "LearnedOverlap",
    "WeightSpike",
    "spike_degrees",
    "learned_overlap",
    "weight_spike",
    "readout_moments",
    "boundary_alphas",
]

_BOUNDARY_RTOL = 1e-9


# ----------------------------------------------------------------------------- Moniri's intervals
def boundary_alphas(kmax: int) -> np.ndarray:
    r"""The boundary exponents :math:`\alpha_k = (k-1)/(2k)`, :math:`k = 1..k_{max}` (``docs/theory/spikes.md#interval-theorem``).

    The degree-:math:`k` spike is of the bulk's order exactly at :math:`\alpha_k`.

    >>> boundary_alphas(4).tolist() == [0, 1 / 4, 1 / 3, 3 / 8]
    True
    """
    k = np.arange(1, check_integer(kmax, "kmax", minimum=1) + 1)
    return (k - 1) / (2.0 * k)


@dataclass(frozen=True)
class SpikeDegrees(Result):
    r"""Which Hermite degrees carry a separated spike at :math:`\eta = n^\alpha` (``docs/theory/spikes.md#interval-theorem``).

    Attributes
    ----------
    alpha : float
    degrees : tuple of int
        Degrees :math:`k` with :math:`\alpha > (k-1)/(2k)` and :math:`c_k \neq 0`: their spikes
        diverge relative to the bulk.
    count : int or None
        ``len(degrees)``; ``None`` at a boundary value, where the count is not determined by
        :math:`\alpha` alone.
    ell : int
        Index of the interval :math:`((\ell-1)/(2\ell), \ell/(2\ell+2))` containing
        :math:`\alpha` (at a boundary: the interval just below, ``boundary_degree - 1``).
    interval : tuple of float
        That open interval; at a boundary value ``(alpha, alpha)``.
    at_boundary : bool
        :math:`\alpha = (k-1)/(2k)` for some :math:`k` (``boundary_degree``): the degree-:math:`k`
        component is of the same order as the bulk, so whether it separates depends on the
        constants (use :func:`feature_spikes`), never on :math:`\alpha`.
    boundary_degree : int or None
    count_below, count_above : int
        Counts for :math:`\alpha` just below and just above (equal to ``count`` inside an interval).
    zero_degrees : tuple of int
        Degrees :math:`k \le k_{max}` whose coefficient vanishes (no spike can form there).
    zero_reasons : tuple of str
        For each zero degree: ``"parity"``, ``"exact"`` (closed form) or ``"within_error"`` (the
        coefficient is smaller than its quadrature error bound).
    coefficients : ndarray
        Series coefficients :math:`c_k = E[\sigma He_k]/k!`, :math:`k = 0..k_{max}`.
    note : str
    """

    alpha: float
    degrees: tuple
    count: int | None
    ell: int
    interval: tuple
    at_boundary: bool
    boundary_degree: int | None
    count_below: int
    count_above: int
    zero_degrees: tuple
    zero_reasons: tuple
    coefficients: np.ndarray
    note: str = ""

    # the promise of the public surface: "iterating it gives the degrees" (a tuple-like object)
    def __iter__(self):
        return iter(self.degrees)

    def __len__(self) -> int:
        return len(self.degrees)

    def __contains__(self, k) -> bool:
        return k in self.degrees

    def table_data(self):
        """One row per spiking degree with its series coefficient; alpha, interval and counts as notes."""
        rows = [[k, float(self.coefficients[k]) if k < len(self.coefficients) else float("nan")] for k in self.degrees]
        notes = [("alpha", self.alpha), ("count", self.count), ("interval", self.interval),
                 ("at_boundary", self.at_boundary), ("zero_degrees", self.zero_degrees)]
        if self.note:
            notes.append(("note", self.note))
        return ["degree", "c_k (series)"], rows, notes


def _zero_decisions(act, kmax: int):
    """Series coefficients and, for each degree, whether it vanishes and why."""
    res = hermite_coefficients(act, kmax, basis="series")
    vals = np.asarray(res.values, dtype=float)
    err = np.asarray(res.error_estimate, dtype=float)
    scale = float(np.max(np.abs(vals))) if np.any(vals) else 1.0
    parity = getattr(act, "parity", 0)
    reasons = []
    for k in range(kmax + 1):
        if parity == 1 and k % 2 == 1 or parity == -1 and k % 2 == 0:
            reasons.append("parity")
        elif vals[k] == 0.0 and res.method == "closed_form":
            reasons.append("exact")
        elif abs(vals[k]) <= 2.0 * err[k] + 1e-14 * scale:
            reasons.append("within_error")
        else:
            reasons.append(None)
    return vals, reasons


def spike_degrees(alpha, activation, *, kmax=None, readout: str = "gaussian") -> SpikeDegrees:
    r"""Moniri et al.'s interval theorem: the degrees that carry a separated spike at :math:`\eta = n^\alpha`.

    Source: Moniri et al. (ICML 2024), via ``docs/theory/spikes.md#interval-theorem``: :math:`F = \sigma(\tilde X W_1)`
    has exactly :math:`\ell` separated outliers for :math:`(\ell-1)/(2\ell) < \alpha < \ell/(2\ell+2)`;
    with vanishing coefficients removed (B.8), degree :math:`k` is present iff
    :math:`\alpha > (k-1)/(2k)` and :math:`c_k \neq 0`.

    Parameters
    ----------
    alpha : float
        Exponent of the learning rate, :math:`0 \le \alpha < 1/2`.
    activation : str, Activation or callable
        Student activation :math:`\sigma`.
    kmax : int, optional
        Highest degree whose coefficient is computed (default: what ``alpha`` needs).
    readout : {"gaussian", "rademacher", "symmetric", "constant"}
        The degree-:math:`k` spike's right vector is :math:`s^{\circ k}`. For a Gaussian readout
        (Moniri et al.) these are linearly independent; for :math:`s=\pm1` they are :math:`s` (odd
        :math:`k`) or :math:`\mathbf 1` (even :math:`k`), so degrees of equal parity merge into one
        spike (``docs/spikes.md`` §4); for a constant readout all merge into one. ``count`` then
        counts the merged spikes and ``degrees`` lists the lowest degree of each.

    Returns
    -------
    SpikeDegrees

    Raises
    ------
    ValueError
        ``alpha`` outside :math:`[0, 1/2)`; :math:`c_1 = 0` (no spike can form, since every spike
        is a power of the rank-one shift :math:`\tau c_1\beta`); ``kmax`` too small.

    Examples
    --------
    >>> r = spike_degrees(0.3, "relu")
    >>> r.degrees, r.count, r.interval
    ((1, 2), 2, (0.25, 0.3333333333333333))
    >>> spike_degrees(0.36, "relu").degrees     # relu has c_3 = 0
    (1, 2)
    >>> b = spike_degrees(0.25, "tanh")          # boundary of degree 2; tanh is odd: c_2 = 0
    >>> b.at_boundary, b.count, b.count_below, b.count_above
    (True, None, 1, 1)
    """
    from ..hermite.engine import as_activation

    alpha = check_in_interval(alpha, "alpha", 0.0, 0.5, closed="left")
    act = as_activation(activation, "activation")
    check_choice(readout, tuple(_READOUT_MOMENTS), "readout")
    x = 1.0 / (1.0 - 2.0 * alpha)  # alpha > (k-1)/(2k)  <=>  k < x
    k_round = int(round(x))
    at_boundary = math.isclose(x, k_round, rel_tol=_BOUNDARY_RTOL, abs_tol=0.0)
    if at_boundary:
        boundary_degree = k_round
        ell = k_round - 1
        needed = k_round
    else:
        boundary_degree = None
        ell = int(math.floor(x))
        needed = max(ell, 1)
    if kmax is None:
        kmax = needed
    kmax = check_integer(kmax, "kmax", minimum=1)
    if kmax < needed:
        raise ValueError(f"kmax must be >= {needed} for alpha = {alpha}; got {kmax}")
    vals, reasons = _zero_decisions(act, kmax)
    if reasons[1] is not None:
        raise NotApplicable(
            f"activation {act.name!r} has c_1 = 0 ({reasons[1]}): no spike can form, since the step "
            "moves every neuron along tau*c_1*beta and each spike is a power of that shift"
        )
    present = _merge(tuple(k for k in range(1, ell + 1) if reasons[k] is None), readout)
    zero = tuple(k for k in range(1, kmax + 1) if reasons[k] is not None)
    zero_reasons = tuple(reasons[k] for k in zero)
    if at_boundary:
        below = len(present)
        above = len(_merge(present + ((boundary_degree,) if reasons[boundary_degree] is None else ()), readout))
        interval = (alpha, alpha)
        note = (
            f"alpha = {alpha} = ({boundary_degree}-1)/(2*{boundary_degree}) is a boundary value: the degree-"
            f"{boundary_degree} component is of the bulk's order, so its separation depends on the constants "
            "(eta_0, ratios), not on alpha; the interval theorem gives "
            f"{below} spike(s) just below and {above} just above. Use feature_spikes for a finite-size answer."
        )
        if boundary_degree == 1:
            note += " At alpha = 0 (constant eta) this is Ba et al.'s regime: one order-one linear spike."
        return SpikeDegrees(alpha, present, None, ell, interval, True, boundary_degree, below, above, zero,
                            zero_reasons, vals, note=note)
    interval = ((ell - 1) / (2.0 * ell), ell / (2.0 * ell + 2.0))
    n = len(present)
    return SpikeDegrees(alpha, present, n, ell, interval, False, None, n, n, zero, zero_reasons, vals,
                        note="")


def _merge(degrees: tuple, readout: str) -> tuple:
    """Degrees whose right vectors :math:`s^{\\circ k}` coincide merge into one spike (the lowest one is listed)."""
    if readout == "gaussian":
        return degrees
    if readout == "constant":
        return degrees[:1]
    out, seen = [], set()
    for k in degrees:
        if k % 2 not in seen:
            seen.add(k % 2)
            out.append(k)
    return tuple(out)


# ----------------------------------------------------------------------------- step statistics
# The moments of the step live in theory.model.statistics (one source for every theory).
_step_stats = step_statistics


@dataclass(frozen=True)
class LearnedOverlap(Result):
    r"""Limits of the learned direction :math:`\beta = X^\top r/n` (``docs/theory/step.md#the-learned-direction``).

    Attributes
    ----------
    norm_sq : float
        :math:`|\beta|^2 \to |E[x r]|^2 + E[r^2]\, d/n`.
    cos : float
        :math:`\cos(\beta, \beta_*)` (multi-index: with :math:`W^{*\top} C_1/|C_1|`).
    subspace_fraction : float
        :math:`|P_{V^*}\beta|^2/|\beta|^2` (equals ``cos**2`` to leading order).
    signal : float
        :math:`\beta\cdot\beta_* \to \mu_1^*` (multi-index: :math:`|C_1|`).
    f0_component : float
        Norm of the component :math:`-\mu_1 m` along the initial network, :math:`m = \mathrm{scale}\,W_0^\top s`
        (0 for ``residual="labels"`` or the symmetric readout).
    residual_second_moment : float
        :math:`E[r^2]` (label noise included).
    residual : str
    noise_included : bool
        Always ``True``: label noise enters :math:`E y^2`.
    setup : OneStep
        The setup it was computed for (not in ``repr``, equality or ``to_dict``).
    """

    norm_sq: float
    cos: float
    subspace_fraction: float
    signal: float
    f0_component: float
    residual_second_moment: float
    residual: str
    noise_included: bool = True
    setup: object = setup_field()  # the OneStep it was computed for

    def __float__(self) -> float:
        """``float(setup.learned_overlap())`` is the cosine, as the public surface promises."""
        return float(self.cos)


def learned_overlap(setup) -> LearnedOverlap:
    r"""Limits of :math:`|\beta|^2` and :math:`\cos(\beta,\beta_*)` for :math:`\beta = X^\top r/n`.

    With :math:`\phi = n/d` (``docs/theory/step.md#the-learned-direction``; the ``"full"`` residual re-derived in
    ``docs/spikes.md`` §2 for a general output scale and readout):

    .. math::
        |\beta|^2 \to (\mu_1^*)^2 + \mu_1^2 |m|^2 + \frac{E r^2}{\phi},\qquad
        \cos(\beta, \beta_*) \to \frac{\mu_1^*}{|\beta|},

    with :math:`r = y` (``residual="labels"``, :math:`m = 0`) or :math:`r = y - f_0`, where
    :math:`|m|^2 = \mathrm{scale}^2 N E s^2`, :math:`E r^2 = E(y - \mu_0 S_1)^2 + |m|^2(E\sigma^2 - \mu_0^2)`
    and :math:`S_1 = \mathrm{scale}\sum_i s_i` (averaged over the readout draw). Label noise is
    included in :math:`E y^2`.

    Examples
    --------
    B.4 with a linear target: :math:`|\beta|^2 \to 1 + (1 + \Delta)/\phi`.

    >>> from theory import OneStep
    >>> s = OneStep(target="identity", d=100, n=400, noise_var=1.0, residual="labels")
    >>> lo = learned_overlap(s)
    >>> bool(np.isclose(lo.norm_sq, 1 + 2 / 4)), bool(np.isclose(lo.cos, 1 / np.sqrt(1.5)))
    (True, True)
    """
    st = _step_stats(setup)
    cos = st.signal / math.sqrt(st.norm_sq) if st.norm_sq > 0 else 0.0
    return LearnedOverlap(
        norm_sq=st.norm_sq,
        cos=cos,
        subspace_fraction=cos**2,
        signal=st.signal,
        f0_component=abs(st.c1) * math.sqrt(st.f0_norm_sq),
        residual_second_moment=st.residual_second,
        residual=setup.residual,
        setup=setup,
    )


# ----------------------------------------------------------------------------- Ba's weight spike
@dataclass(frozen=True)
class WeightSpike(Result):
    r"""Rank-one spike of :math:`W_1` (Ba et al. 2022; ``docs/theory/spikes.md#weight-spike``, ``docs/spikes.md`` §3).

    :math:`W` is ``width x d`` with rows of norm about one (Ba et al.'s :math:`d\times N` matrix with
    :math:`N(0,1/d)` entries, transposed), so the bulk edge is :math:`1+\sqrt{N/d}`.

    Attributes
    ----------
    theta : float
        Effective spike strength :math:`\theta`; the outlier exists iff :math:`\theta^4 > \psi_b`.
    outlier : bool
    singular_value : float
        Limit of the top singular value :math:`s_1(W_1)` (the bulk edge if there is no outlier).
    overlap_sq : float
        :math:`\langle v_1, \beta_*\rangle^2` for the top right singular vector :math:`v_1\in\mathbb R^d`
        (Ba et al.'s left vector :math:`u_1`).
    overlap_beta_sq : float
        :math:`\langle v_1, \hat\beta\rangle^2`, :math:`\hat\beta` the learned direction.
    overlap_readout_sq : float
        :math:`\langle u_1, \hat s\rangle^2` for the top left singular vector :math:`u_1\in\mathbb R^N`.
    bulk_edge : float
    bulk_edge_finite : float
        Mean top singular value of the bulk at the setup's sizes: Johnstone's (2001) centring and
        scaling of the largest Wishart eigenvalue with the Tracy-Widom (GOE) mean :math:`-1.2065`;
        what a simulation without an outlier should show.
    threshold : float
        :math:`\psi_b^{1/4}`: the smallest :math:`\theta` with an outlier.
    bulk_ratio : float
        :math:`\psi_b` (``width/d``; half of it for the symmetric readout, whose rows come in pairs).
    bulk_noise : float
        :math:`E c - 1`, the relative increase of the rows' squared norm by the isotropic part of
        the step (Cui et al.'s :math:`c`); the bulk is rescaled by :math:`\sqrt c`.
    status : str
        ``"ok"``, or ``"outside_regime"`` when ``bulk_noise > 0.1`` (the isotropic-noise
        correction is then not validated).
    message : str
    setup : OneStep
        The setup it was computed for (not in ``repr``, equality or ``to_dict``).
    """

    theta: float
    outlier: bool
    singular_value: float
    overlap_sq: float
    overlap_beta_sq: float
    overlap_readout_sq: float
    bulk_edge: float
    bulk_edge_finite: float
    threshold: float
    bulk_ratio: float
    bulk_noise: float
    status: str
    message: str = ""
    setup: object = setup_field()  # the OneStep it was computed for


def _bbp_rectangular(theta_sq: float, psi: float):
    r"""Benaych-Georges & Nadakuditi (2012) for :math:`W + \theta u v^\top`, :math:`W` ``N x d`` with :math:`N(0,1/d)` entries.

    Returns ``(outlier, s1, left_sq, right_sq)`` with ``left_sq`` the overlap with :math:`u \in
    \mathbb R^N` and ``right_sq`` with :math:`v \in \mathbb R^d` (``docs/theory/spikes.md#weight-spike``).
    """
    edge = 1.0 + math.sqrt(psi)
    if theta_sq <= 0 or theta_sq**2 <= psi:
        return False, edge, 0.0, 0.0
    t2 = theta_sq
    s1 = math.sqrt((1.0 + t2) * (psi + t2) / t2)
    right = (t2**2 - psi) / (t2 * (t2 + 1.0))
    left = (t2**2 - psi) / (t2 * (t2 + psi))
    return True, s1, left, right


_TW1_MEAN = -1.2065335745820  # mean of the Tracy-Widom (beta = 1) law


def _finite_edge(rows: float, cols: float) -> float:
    r"""Mean largest singular value of a ``rows x cols`` matrix with :math:`N(0, 1/\mathrm{cols})` entries.

    Johnstone (2001): the largest eigenvalue of :math:`XX^\top` (``X`` with unit entries, :math:`n-1 = \max - 1`,
    :math:`p = \min`) is :math:`\mu + \sigma\,TW_1` with :math:`\mu = (\sqrt{n-1}+\sqrt p)^2`,
    :math:`\sigma = (\sqrt{n-1}+\sqrt p)(1/\sqrt{n-1}+1/\sqrt p)^{1/3}`; so
    :math:`s_1 \approx \sqrt\mu + \sigma E[TW_1]/(2\sqrt\mu)`, divided by :math:`\sqrt{\mathrm{cols}}`.

    >>> round(_finite_edge(1e12, 2e12) / (1 + 0.5**0.5), 6)  # the limit 1 + sqrt(N/d)
    1.0
    """
    n_, p_ = max(rows, cols), min(rows, cols)
    root = math.sqrt(n_ - 1.0) + math.sqrt(p_)
    sigma = root * (1.0 / math.sqrt(n_ - 1.0) + 1.0 / math.sqrt(p_)) ** (1.0 / 3.0)
    return (root + sigma * _TW1_MEAN / (2.0 * root)) / math.sqrt(cols)


def weight_spike(setup, *, strict: bool = False) -> WeightSpike:
    r"""Ba et al.'s rank-one spike of :math:`W_1` and the overlaps of its singular vectors.

    The step is :math:`W_1 = W_0 + \tau c_1 s\beta^\top + (\text{isotropic part})` (``docs/theory/step.md#rank-one-structure``).
    Write :math:`\hat s = s/|s|`. The rows of :math:`W_1` orthogonal to :math:`\hat s`
    form a Gaussian block independent of the row :math:`g = \hat s^\top W_1`, and the spectrum of such
    a matrix depends on :math:`g` only through :math:`|g|`. It is therefore Ba's spiked model with
    :math:`\theta^2 = |g|^2 - 1` (``docs/spikes.md`` §3):

    .. math:: |g|^2 = (1-\varepsilon)^2 + \tau^2 c_1^2 |s|^2 |b|^2,\qquad
              \varepsilon = \tau c_1^2\,\mathrm{scale}\,|s|^2 ,

    where :math:`b = \beta + c_1 m` is the part of :math:`\beta` independent of :math:`W_0`
    (:math:`\varepsilon = 0` for ``residual="labels"``; for Ba et al.'s setup :math:`\varepsilon\to0`
    and :math:`\theta = |\eta c_1||\beta|`, A.4). Then (A.5, Benaych-Georges & Nadakuditi 2012):
    outlier iff :math:`\theta^4 > \psi`, :math:`s_1 = \sqrt{(1+\theta^2)(\psi+\theta^2)}/\theta`,
    :math:`\langle v_1, \hat g\rangle^2 = (\theta^4-\psi)/\theta^4`, and overlaps with fixed
    directions factor through :math:`\hat g`. For ``readout="symmetric"`` the rows come in pairs
    :math:`w \pm \tau c_1\beta`: the bulk is :math:`\sqrt2` times an ``N/2 x d`` matrix and
    :math:`|g|^2 = \theta_b^2/2` in its units.

    ``init="sphere"`` and ``init="gaussian"`` give the same limits (unit-norm rows versus norms
    :math:`1 + O(d^{-1/2})`).

    Examples
    --------
    Ba et al.'s scaling, :math:`\eta = 2`, :math:`\psi_2 = 1/2` (``docs/theory/spikes.md#weight-spike``):

    >>> from theory import OneStep
    >>> s = OneStep.from_ba(eta=2.0, activation="tanh", target="tanh", d=10**6, width=5 * 10**5, n=2 * 10**6)
    >>> w = weight_spike(s)
    >>> th2, c = w.theta**2, 1 + w.bulk_noise      # c: isotropic part of the step, here 1 + O(1/N)
    >>> bool(np.isclose(w.singular_value, np.sqrt(c * (1 + th2) * (0.5 + th2) / th2), rtol=1e-12))
    True
    """
    st = _step_stats(setup)
    tau = setup.lr
    c1 = st.c1
    c1s = st.c1_step
    _, es2 = readout_moments(setup.readout)
    s_norm_sq = setup.width * es2
    psi = setup.width_ratio
    # part of beta independent of W0: b = beta + c1 m, |b|^2 = |beta|^2 - c1^2 |m|^2
    b_sq = st.norm_sq - c1**2 * st.f0_norm_sq
    theta_b_sq = tau**2 * c1s**2 * s_norm_sq * b_sq
    # isotropic step noise per row: tau^2 s^2 E[r^2] Var(sigma') d/n (Cui et al.'s c - 1)
    noise = tau**2 * es2 * st.isotropic
    c_bulk = 1.0 + noise
    if setup.readout == "symmetric":
        psi_b = psi / 2.0
        bulk_scale = math.sqrt(2.0 * c_bulk)
        g_sq = theta_b_sq / (2.0 * c_bulk)
        # the special row is exactly along b
        cos_g_target = st.signal / math.sqrt(b_sq) if b_sq > 0 else 0.0
        cos_g_beta = 1.0
    else:
        psi_b = psi
        bulk_scale = math.sqrt(c_bulk)
        scale = setup.effective_output_scale if setup.residual == "full" else 0.0
        eps = tau * c1s * c1 * scale * s_norm_sq
        g_raw = (1.0 - eps) ** 2 + theta_b_sq
        g_sq = (g_raw + noise) / c_bulk
        g_norm = math.sqrt(g_raw)
        cos_g_target = abs(tau * c1s) * math.sqrt(s_norm_sq) * st.signal / g_norm if g_norm > 0 else 0.0
        # g . beta = -(1-eps) c1 scale |s| + tau c1 |s| |b|^2  (docs/spikes.md §3)
        beta_norm = math.sqrt(st.norm_sq)
        g_dot_beta = math.sqrt(s_norm_sq) * (tau * c1s * b_sq - (1.0 - eps) * c1 * scale)
        cos_g_beta = abs(g_dot_beta) / (g_norm * beta_norm) if g_norm > 0 and beta_norm > 0 else 0.0
    theta_sq = g_sq - 1.0
    outlier, s1, left, right_g = _bbp_rectangular(theta_sq, psi_b)
    if outlier:
        # overlap with the spike direction v (A.5) converted to the row direction g: x (1+theta^2)/theta^2
        right_g = right_g * (1.0 + theta_sq) / theta_sq
    theta = math.sqrt(max(theta_sq, 0.0))
    status, message = "ok", ""
    if noise > 0.1:
        status = "outside_regime"
        message = (f"the isotropic part of the step raises the rows' squared norm by {noise:.3g} (> 0.1): "
                   "the bulk is only approximately a rescaled Gaussian matrix there (giant-step regime)")
        if strict:
            warnings.warn(message, RuntimeWarning, stacklevel=2)
    return WeightSpike(
        theta=theta,
        outlier=outlier,
        singular_value=bulk_scale * s1,
        overlap_sq=right_g * cos_g_target**2,
        overlap_beta_sq=right_g * cos_g_beta**2,
        overlap_readout_sq=left,
        bulk_edge=bulk_scale * (1.0 + math.sqrt(psi_b)),
        bulk_edge_finite=bulk_scale * _finite_edge(psi_b * setup.d, setup.d),
        threshold=psi_b**0.25,
        bulk_ratio=psi_b,
        bulk_noise=noise,
        status=status,
        message=message,
        setup=setup,
    )
