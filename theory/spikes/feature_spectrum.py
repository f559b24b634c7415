r"""Outliers of the feature matrix :math:`F/\sqrt n`, :math:`F = \sigma(\tilde X W_1^\top)`, after one step.

Two methods (derivations in ``docs/spikes.md``):

``method="leading"``
    Moniri et al.'s leading-order law (``docs/theory/spikes.md#spike-sizes``): the spike part
    :math:`\sum_k c_k(\tau c_1)^k(\tilde X\beta)^{\circ k}(s^{\circ k})^\top/\sqrt n` in isolation,
    reduced to an :math:`\ell\times\ell` Gram problem; bulk edge of :math:`F_0/\sqrt n`. Valid as
    :math:`n\to\infty` for :math:`0<\alpha<1/2`.
``method="finite"`` (default)
    A finite-size deterministic equivalent (``docs/spikes.md`` §5). Conditionally on
    :math:`\kappa = \hat\beta\cdot x`, each neuron is :math:`\sigma(a_i\kappa + z_i)` with
    :math:`a_i \approx \tau s_i c_1|\beta|` and :math:`z_i` Gaussian; the features are a
    low-rank part (one factor :math:`He_j(\kappa)/\sqrt{j!}` per degree, with exact finite-:math:`a`
    coefficients) plus a random-features bulk :math:`K\circ G + \mathrm{diag}(D)`. Outliers solve
    the secular equation :math:`\det(I - V^\top(\zeta - \Sigma_b)^{-1}V) = 0` with
    :math:`\zeta = \lambda(1+\delta(\lambda))` (a BBP equation for a sample covariance whose
    population is :math:`\Sigma_b + VV^\top`).

The solvers report ``status``, ``n_iter`` and ``residual``; non-convergence is never silent.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy import optimize

from .._checks import check_choice, check_integer, check_positive
from .._applicability import NotApplicable
from .._result import Result, setup_field
from ..hermite.engine import gauss_legendre_panels, orthonormal_hermite_matrix
from ..hermite.moments import double_factorial, readout_power_moments
from ..model.statistics import step_statistics

__all__ = [
    "Spike",
    "SpikeSpectrum",
    "BulkSolution",
    "feature_spikes",
    "scaled_hermite_coefficients",
    "monomial_hermite_vector",
    "gram_schmidt_monomials",
    "METHODS",
]

METHODS = ("finite", "leading")
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


# ----------------------------------------------------------------------------- Hermite helpers
@lru_cache(maxsize=64)
def _y_rule(kinks: tuple, half_width: float, panel: float):
    bps = (-half_width,) + tuple(k for k in kinks if -half_width < k < half_width) + (half_width,)
    return gauss_legendre_panels(bps, panel)


def scaled_hermite_coefficients(act, radii, kmax: int, *, kurtosis: bool = False):
    r"""Orthonormal Hermite coefficients of :math:`z\mapsto\sigma(r z)` for several radii :math:`r`.

    :math:`\hat c_j(r) = E[\sigma(rz)h_j(z)]`, :math:`h_j = He_j/\sqrt{j!}`, computed on one fixed grid
    in :math:`y = rz` split at the activation's kinks (composite Gauss-Legendre,
    ``docs/theory/hermite.md#quadrature``): :math:`\hat c_j(r) = \int\sigma(y)h_j(y/r)\varphi(y/r)\,dy/r`.
    Also returns :math:`E\sigma(rz)^2` and an error estimate (difference with a grid of twice the
    panel width).

    Returns
    -------
    coef : ndarray, shape (len(radii), kmax + 1)
    second : ndarray, shape (len(radii),)
    error : float
    kurt : ndarray, shape (len(radii),)
        Only with ``kurtosis=True``: :math:`E b^4/(E b^2)^2` for :math:`b = \sigma(rz) - E\sigma(rz)`.

    Examples
    --------
    >>> import theory
    >>> c, m2, err = scaled_hermite_coefficients(theory.activation("relu"), [1.0, 2.0], 3)
    >>> bool(np.allclose(c[1], 2.0 * c[0], atol=1e-12))   # relu is positively homogeneous
    True
    """
    radii = np.atleast_1d(np.asarray(radii, dtype=float))
    if np.any(radii <= 0) or not np.all(np.isfinite(radii)):
        raise ValueError(f"radii must be positive and finite; got {radii!r}")
    kinks = tuple(sorted(float(k) for k in getattr(act, "kinks", ())))
    rmax, rmin = float(radii.max()), float(radii.min())
    L = rmax * (2.0 * math.sqrt(kmax + 1.0) + 10.0) + max((abs(k) for k in kinks), default=0.0)
    out = []
    for panel in (rmin, 2.0 * rmin):
        y, w = _y_rule(kinks, L, panel)
        fy = np.asarray(act(y), dtype=float)
        u = y[None, :] / radii[:, None]
        wphi = w[None, :] * np.exp(-0.5 * u * u) * _INV_SQRT_2PI / radii[:, None]
        H = orthonormal_hermite_matrix(u, kmax)  # (k, R, Y)
        coef = np.einsum("kry,ry,y->rk", H, wphi, fy)
        second = wphi @ (fy * fy)
        out.append((coef, second))
        if kurtosis and len(out) == 1:
            m1, m3, m4 = wphi @ fy, wphi @ fy**3, wphi @ fy**4
            var = second - m1**2
            central4 = m4 - 4 * m1 * m3 + 6 * m1**2 * second - 3 * m1**4
            kurt = np.where(var > 0, central4 / np.maximum(var, 1e-300) ** 2, 3.0)
    (c_f, s_f), (c_c, s_c) = out
    err = float(max(np.max(np.abs(c_f - c_c)), np.max(np.abs(s_f - s_c))))
    if kurtosis:
        return c_f, s_f, err, kurt
    return c_f, s_f, err


def monomial_hermite_vector(k: int, size: int) -> np.ndarray:
    r"""Unit vector of :math:`\kappa^k` in the orthonormal basis :math:`h_j(\kappa)`, :math:`j < \mathrm{size}`.

    :math:`\kappa^k = \sum_m \frac{k!}{2^m m!(k-2m)!}He_{k-2m}` (``docs/theory/spikes.md#finite-size-equivalent``), and
    :math:`E\kappa^{2k} = (2k-1)!!`.

    >>> v = monomial_hermite_vector(3, 5)
    >>> bool(np.allclose(v, [0, 3, 0, np.sqrt(6), 0] / np.sqrt(15)))
    True
    """
    v = np.zeros(size)
    for m in range(k // 2 + 1):
        j = k - 2 * m
        if j < size:
            v[j] = math.factorial(k) / (2**m * math.factorial(m) * math.sqrt(math.factorial(j)))
    norm = math.sqrt(float(np.prod(np.arange(2 * k - 1, 0, -2, dtype=float)))) if k > 0 else 1.0
    return v / norm


def gram_schmidt_monomials(size: int) -> np.ndarray:
    r"""Rows :math:`g_1..g_{size-1}`: the monomials :math:`\kappa^1,\kappa^2,\dots` orthonormalised in this order (in :math:`L^2(N(0,1))`), in the :math:`h_j` basis.

    The constant is not in the sequence, so :math:`g_2 = \kappa^2/\sqrt3 = (h_0+\sqrt2h_2)/\sqrt3`; odd ones are :math:`h_k`.

    >>> g = gram_schmidt_monomials(4)
    >>> bool(np.allclose(g[1], [1 / np.sqrt(3), 0, np.sqrt(2 / 3), 0])), bool(np.allclose(g[2], [0, 0, 0, 1]))
    (True, True)
    """
    rows = []
    for k in range(1, size):
        v = monomial_hermite_vector(k, size)
        for g in rows:
            v = v - (g @ v) * g
        rows.append(v / np.linalg.norm(v))
    return np.array(rows).reshape(size - 1, size)


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Spike(Result):
    r"""One predicted outlier of :math:`F/\sqrt n`.

    Attributes
    ----------
    degree : int or None
        Hermite degree :math:`k\ge1` of the factor :math:`He_k(\kappa)` that dominates its left singular
        vector (Moniri's :math:`k`-th Gram-Schmidt monomial); 0 for the mean of :math:`F` (less than 10%
        of the weight on degrees :math:`\ge1`); ``None`` for the random-features quadratic direction
        (``kind="kernel"``).
    location : float
        Predicted singular value of :math:`F/\sqrt n`.
    alignment : float
        :math:`|\cos|` between its left singular vector and the monomial feature
        :math:`(\tilde X\beta)^{\circ k}`, :math:`k` = ``degree``.
    gs_alignment : float
        :math:`|\cos|` with the centred degree-:math:`k` feature: the :math:`k`-th Gram-Schmidt monomial of
        :math:`1,\kappa,\kappa^2,\dots` orthogonalised in this order, which is :math:`He_k(\kappa)`, so
        ``gs_alignment = sqrt(components[degree] * span_alignment)``. The same definition as the
        simulator's ``left_gs_alignment`` (:func:`validation.simulate`, ``measures="alignment"``): the
        constant direction belongs to the mean spike (degree 0), whose left vector is orthogonal to the
        others. (Before issue 12 the constant was left out of the sequence, which for even :math:`k`
        measured against :math:`\kappa^2`-like directions that overlap the mean spike.)
    separated : bool
        Whether it lies above the bulk edge.
    kind : str
        ``"hermite"`` (a degree of the step), ``"mean"`` or ``"kernel"``.
    span_alignment : float
        Squared cosine between the left singular vector and the span of all the factors.
    components : ndarray
        Squared weights of the factors (:math:`h_0, h_1, \dots`, then the kernel direction) in it.
    population : float
        For ``method="finite"``: the value of :math:`\zeta = \lambda(1+\delta)` at the root.
    """

    degree: int | None
    location: float
    alignment: float
    separated: bool = True
    kind: str = "hermite"
    span_alignment: float = float("nan")
    components: np.ndarray = field(default_factory=lambda: np.zeros(0))
    population: float = float("nan")
    gs_alignment: float = float("nan")


@dataclass(frozen=True)
class BulkSolution(Result):
    """Status of the bulk solver: ``status`` ("converged" or "not_converged"), ``n_iter``, ``residual``."""

    status: str
    n_iter: int
    residual: float
    edge_population: float = float("nan")


@dataclass(frozen=True)
class SpikeSpectrum(Result):
    r"""Predicted outliers of :math:`F/\sqrt n` and the bulk edge.

    Attributes
    ----------
    spikes : tuple of Spike
        Separated outliers, largest first.
    bulk_edge : float
        Right edge of the bulk of :math:`F/\sqrt n` (``method="leading"``: of :math:`F_0/\sqrt n`).
    regime : str
        ``"ba"`` (:math:`\eta=|\tau|\sqrt N\le4`, an order-one step), ``"giant"`` (:math:`\eta\ge\sqrt n/2`,
        i.e. :math:`\tau=\Theta(1)`, :math:`\alpha\gtrsim1/2`) or ``"moniri"`` in between.
    method : str
    alpha : float
    count : int
        Number of separated outliers (the mean of :math:`F` and the kernel direction included).
    step_count : int
        Number of separated outliers of degree :math:`\ge 1` (the step's spikes).
    below_threshold : tuple of int
        Degrees whose component exists but does not separate.
    status : str
        ``"ok"``, ``"approximate"`` (outside the range validated against Monte Carlo, see
        ``message``), ``"not_converged"`` or ``"outside_regime"``.
    message : str
    solver : BulkSolution or None
    n_features : int
        Number of rows of :math:`F` (default ``setup.n``).
    setup : OneStep
        The setup it was computed for (not in ``repr``, equality or ``to_dict``).
    """

    spikes: tuple
    bulk_edge: float
    regime: str
    method: str
    alpha: float
    count: int
    step_count: int
    below_threshold: tuple = ()
    status: str = "ok"
    message: str = ""
    solver: BulkSolution | None = None
    n_features: float = float("nan")
    setup: object = setup_field()  # the OneStep it was computed for

    @property
    def locations(self) -> np.ndarray:
        """Locations of the separated spikes, largest first."""
        return np.array([s.location for s in self.spikes])

    @property
    def degrees(self) -> tuple:
        """Degrees of the separated spikes, largest first."""
        return tuple(s.degree for s in self.spikes)


# ----------------------------------------------------------------------------- regime
def _regime(setup) -> str:
    r"""``"ba"`` for :math:`\eta=|\tau|\sqrt N\le4` (an order-one step), ``"giant"`` for :math:`\eta\ge\sqrt n/2`
    (:math:`\tau=\Theta(1)`, :math:`\alpha\gtrsim1/2`), ``"moniri"`` in between."""
    eta = abs(setup.lr) * math.sqrt(setup.width)
    if eta <= 4.0:
        return "ba"
    if eta >= 0.5 * math.sqrt(setup.n):
        return "giant"
    return "moniri"


# ----------------------------------------------------------------------------- neuron types
@lru_cache(maxsize=32)
def _hermegauss(n: int):
    x, w = np.polynomial.hermite_e.hermegauss(n)
    w = w / w.sum()
    x.setflags(write=False)
    w.setflags(write=False)
    return x, w


@lru_cache(maxsize=32)
def _leggauss(n: int):
    x, w = np.polynomial.legendre.leggauss(n)
    x.setflags(write=False)
    w.setflags(write=False)
    return x, w


_EMPIRICAL_BINS = 64   # equal-count bins of a realised readout (the extremes are kept as single neurons)
_EMPIRICAL_TAIL = 8


def _empirical_readout_nodes(values) -> tuple:
    r"""Nodes and weights of a realised readout :math:`s_1..s_N` (``feature_spikes(readout_values=...)``).

    Up to ``_EMPIRICAL_BINS + 2 _EMPIRICAL_TAIL`` values are used as they are (weight :math:`1/N` each).
    Otherwise the ``_EMPIRICAL_TAIL`` smallest and largest values stay single neurons (they carry the
    high moments :math:`\sum_is_i^{2k}` of the spike Gram) and the others are pooled into equal-count bins of
    sorted values, each represented by :math:`\mathrm{sign}\cdot(\overline{s^2})^{1/2}` (the bin's mean
    square: the bulk variance and the degree-2 loading are functions of :math:`s^2`).
    """
    s = np.sort(np.asarray(values, dtype=float))
    n = s.size
    if n <= _EMPIRICAL_BINS + 2 * _EMPIRICAL_TAIL:
        return s, np.full(n, 1.0 / n)
    lo, mid, hi = s[:_EMPIRICAL_TAIL], s[_EMPIRICAL_TAIL:n - _EMPIRICAL_TAIL], s[n - _EMPIRICAL_TAIL:]
    nodes, weights = list(lo), [1.0] * _EMPIRICAL_TAIL
    for part in np.array_split(mid, _EMPIRICAL_BINS):
        sign = 1.0 if part.mean() >= 0 else -1.0
        nodes.append(sign * math.sqrt(float(np.mean(part * part))))
        weights.append(float(part.size))
    nodes += list(hi)
    weights += [1.0] * _EMPIRICAL_TAIL
    return np.asarray(nodes), np.asarray(weights) / n


def _readout_rules(readout: str, n_nodes: int, width: float, values=None):
    r"""Quadrature rules over the readout values :math:`s`: ``(bulk_nodes, bulk_weights, gram_nodes, gram_weights, s_max)``.

    For a Gaussian readout the bulk rule is truncated at :math:`s_N` with :math:`P(|s|>s_N) = 1/N`:
    fewer than one of the ``width`` neurons lies beyond, so no typical neuron sits there and the bulk
    edge is not set by phantom neurons of vanishing mass (``docs/spikes.md`` §5.6). The spike Gram
    matrix uses the full Gaussian average (Gauss-Hermite; its integrand is smooth).
    """
    if values is not None:
        # a realised readout: the spike Gram uses every neuron; the bulk the same values clipped at the
        # typical largest |s| of the readout law (as below: a single heavy neuron gives a localised outlier)
        x, w = _empirical_readout_nodes(values)
        s_max = float(np.max(np.abs(x)))
        if readout == "gaussian":
            from scipy.special import ndtri

            s_max = min(s_max, float(-ndtri(0.5 / max(width, 2.0))))
        return np.clip(x, -s_max, s_max), w, x, w, s_max
    if readout == "gaussian":
        from scipy.special import ndtri

        s_max = float(-ndtri(0.5 / max(width, 2.0)))
        x, w = _leggauss(n_nodes)
        x = s_max * x
        w = w * np.exp(-0.5 * x * x)
        xg, wg = _hermegauss(max(n_nodes, 40))
        keep = wg > 1e-13  # nodes of negligible weight only inflate the Hermite table
        return x, w / w.sum(), xg[keep], wg[keep] / wg[keep].sum(), s_max
    if readout in ("rademacher", "symmetric"):
        x, w = np.array([-1.0, 1.0]), np.array([0.5, 0.5])
    else:
        x, w = np.array([1.0]), np.array([1.0])
    return x, w, x, w, 1.0


@dataclass(frozen=True)
class _Model:
    r"""Deterministic ingredients of the finite-size equivalent (``docs/spikes.md`` §5).

    Bulk types (``pi, rho2, D, phi``) enter the resolvent of :math:`\Sigma_b`; Gram types
    (``g_*``) carry the per-neuron Gram matrices of the spike factors and the bulk parameters at
    which their diagonal resolvent entries are evaluated.
    """

    pi: np.ndarray        # (T,) bulk type weights
    rho2: np.ndarray      # (T,) squared norm of the bulk part of each neuron
    D: np.ndarray         # (T,) diagonal remainder
    phi: np.ndarray       # (T, J) bulk kernel factors: K = sum_j phi_j phi_j^T
    g_pi: np.ndarray      # (S,) Gram type weights
    g_rho2: np.ndarray    # (S,)
    g_D: np.ndarray       # (S,)
    g_phi: np.ndarray     # (S, J)
    gram: np.ndarray      # (S, r, r) per-neuron Gram of the spike vectors
    labels: tuple         # column labels of the spike factors
    width: float
    d: float
    n_features: float
    a: np.ndarray         # (T,) spike projections of the bulk types
    hermite_error: float
    max_ratio: float = 0.0    # max |a|/r over the readout nodes (before the column-norm spread)
    bulk_noise: float = 0.0   # max rho^2 - 1 over the readout nodes (before the column-norm spread)


_JTOT_MAX = 40


def _geometry(s, *, st, beta, scale_full):
    r"""Spike projection :math:`a(s)` and bulk norm :math:`\rho^2(s) = c(s)` of a neuron with readout ``s``
    (``docs/spikes.md`` §5.1; :math:`c(s)` from :meth:`theory.model.statistics.StepStatistics.neuron_bulk_variance`)."""
    a = s * (st.lr * st.c1_step * beta - (st.c1 * scale_full / beta if beta > 0 else 0.0))
    return a, np.maximum(st.neuron_bulk_variance(s), 1e-12)


def _hermite_table(act, a_list, rho2_list):
    r"""Orthonormal coefficients of :math:`\sigma(r\,\cdot)` for every radius needed, computed once.

    The degree cutoff ``jtot`` is where :math:`(a/r)^j` falls below 1e-17 (the factor of every term).
    """
    r_all = np.sqrt(np.concatenate([a * a + rho2 for a, rho2 in zip(a_list, rho2_list)]))
    ratio = float(np.max(np.abs(np.concatenate(a_list)) / r_all)) if r_all.size else 0.0
    jtot = _JTOT_MAX if ratio >= 0.4 else max(10, min(_JTOT_MAX, int(math.ceil(-17 / math.log10(max(ratio, 1e-17)))) + 2))
    uniq, inverse = np.unique(np.round(r_all, 14), return_inverse=True)
    coef, second, herr, kurt = scaled_hermite_coefficients(act, uniq, jtot + 3, kurtosis=True)
    return coef[inverse], second[inverse], herr, jtot, kurt[inverse]


def _type_data(a, rho2, coef, second, jtot):
    """Per-neuron Hermite data of the conditional Gaussian equivalence (``docs/spikes.md`` §5.2)."""
    r = np.sqrt(a * a + rho2)
    ratio = a / r
    j = np.arange(jtot + 3)
    pw = ratio[:, None] ** j[None, :]
    # v_j = E[sigma(a k + rho z) h_j(k)] = (a/r)^j c_j(r)
    v_all = pw * coef[:, : jtot + 3]
    # phi_j = E[sigma'(.) h_j] = (a/r)^j c_{j+1}(r) sqrt(j+1) / r
    phi_all = pw[:, : jtot + 2] * coef[:, 1 : jtot + 3] * np.sqrt(j[1 : jtot + 3])[None, :] / r[:, None]
    # psi_j = E[sigma''(.) h_j] = (a/r)^j c_{j+2}(r) sqrt((j+1)(j+2)) / r^2
    psi_all = pw[:, : jtot + 1] * coef[:, 2 : jtot + 3] * np.sqrt(j[1 : jtot + 2] * j[2 : jtot + 3])[None, :] / (r * r)[:, None]
    D = second - np.sum(v_all[:, : jtot + 1] ** 2, axis=1) - rho2 * np.sum(phi_all[:, :jtot] ** 2, axis=1)
    return dict(a=a, rho2=rho2, v=v_all, phi=phi_all, psi=psi_all, D=np.maximum(D, 0.0))


def _gram(data, jv, d, include_kernel):
    r"""Per-neuron Gram of the spike factors, averaged over the random part of :math:`a` (variance :math:`\rho^2/d`)."""
    v_all, phi_all, psi_all, rho2 = data["v"], data["phi"], data["psi"], data["rho2"]
    T = len(rho2)
    vp = np.zeros((T, jv))
    vpp = np.zeros((T, jv))
    for jj in range(jv):
        # d/da: kappa h_j = sqrt(j+1) h_{j+1} + sqrt(j) h_{j-1}
        vp[:, jj] = math.sqrt(jj + 1) * phi_all[:, jj + 1]
        if jj >= 1:
            vp[:, jj] += math.sqrt(jj) * phi_all[:, jj - 1]
        # d^2/da^2: kappa^2 h_j = sqrt((j+1)(j+2)) h_{j+2} + (2j+1) h_j + sqrt(j(j-1)) h_{j-2}
        acc = math.sqrt((jj + 1) * (jj + 2)) * psi_all[:, jj + 2] + (2 * jj + 1) * psi_all[:, jj]
        if jj >= 2:
            acc = acc + math.sqrt(jj * (jj - 1)) * psi_all[:, jj - 2]
        vpp[:, jj] = acc
    v = v_all[:, :jv]
    var_a = rho2 / d
    gram = v[:, :, None] * v[:, None, :] + var_a[:, None, None] * (
        vp[:, :, None] * vp[:, None, :] + 0.5 * (v[:, :, None] * vpp[:, None, :] + vpp[:, :, None] * v[:, None, :])
    )
    if not include_kernel:
        return gram
    # the random-features quadratic direction: (1/2d) rho_i^2 rho_k^2 E sigma''_i E sigma''_k
    e = rho2 * psi_all[:, 0] / math.sqrt(2.0 * d)
    full = np.zeros((T, jv + 1, jv + 1))
    full[:, :jv, :jv] = gram
    full[:, jv, jv] = e * e
    return full


def _column_spread(kurt, n_features, nodes=5):
    r"""Nodes and weights of the column-norm factor :math:`\nu` (lognormal, :math:`E\nu = 1`, :math:`\mathrm{Var}\,\nu = (m_4-3)_+/n`).

    ``docs/spikes.md`` §5.7: the empirical variance :math:`\frac1n\sum_\mu F_{\mu i}^2` of a column fluctuates with
    relative variance :math:`(m_4-1)/n`; the Gaussian part (:math:`m_4 = 3`) is already in the Marchenko-Pastur
    law, the excess widens the bulk.
    """
    v = max(float(kurt) - 3.0, 0.0) / n_features
    if v < 1e-8:
        return np.ones(1), np.ones(1)
    x, w = _hermegauss(nodes)
    sig2 = math.log1p(v)
    nu = np.exp(-0.5 * sig2 + math.sqrt(sig2) * x)
    return nu / (w @ nu), w


def _spread_types(pi, rho2, D, phi, kurt, n_features, extra=()):
    """Expand each type over the column-norm factor: ``rho2 -> nu rho2``, ``D -> nu D``."""
    out = [[], [], [], [], *[[] for _ in extra]]
    for t in range(len(pi)):
        nu, w = _column_spread(kurt[t], n_features)
        out[0].append(pi[t] * w)
        out[1].append(rho2[t] * nu)
        out[2].append(D[t] * nu)
        out[3].append(np.repeat(phi[t:t + 1], len(nu), axis=0))
        for k, arr in enumerate(extra):
            out[4 + k].append(np.repeat(arr[t:t + 1], len(nu), axis=0))
    return [np.concatenate(o) for o in out]


def _typical_max_level(pi, rho2, D, phi, width) -> float:
    r"""The largest population variance :math:`L_t = D_t + \rho_t^2|\phi_t|^2` that a network of ``width``
    neurons typically has: :math:`P(L > L^*) = 1/N` under the types' law (``docs/spikes.md`` §5.7, the rule of
    §5.6 applied to the column-norm spread as well as to the readout)."""
    level = D + rho2 * np.sum(phi * phi, axis=1)
    order = np.argsort(-level)
    cum = np.cumsum(pi[order]) / np.sum(pi)
    k = int(np.searchsorted(cum, 1.0 / max(width, 1.0)))
    return float(level[order][min(k, len(order) - 1)])


def _cap_level(rho2, D, phi, level):
    """Scale the types above ``level`` down to it (their column-norm factor capped)."""
    own = D + rho2 * np.sum(phi * phi, axis=1)
    f = np.where(own > level, level / np.maximum(own, 1e-300), 1.0)
    return rho2 * f, D * f


def _norm_spread(setup, st, s2: float = 1.0) -> float:
    c, q = _norm_spread_coefficients(setup, st)
    return c * s2 + q * s2 * s2


def _norm_spread_coefficients(setup, st):
    r"""Variance of a neuron's squared norm :math:`\rho_i^2` at readout :math:`s^2` (``docs/spikes.md`` §5.8, item 2).

    Two fluctuations of the step, from neuron to neuron: the cross term :math:`2\tau s_i w_i^0\cdot\delta_i`,
    :math:`w^0\cdot\delta = \frac1n\sum_\mu r_\mu\psi(u_\mu)u_\mu` with :math:`\psi=\sigma'-E\sigma'` and :math:`u=w^0\cdot x`, of
    variance :math:`\frac4n\tau^2s^2(E[r^2]E[\psi^2u^2]-(E[r]E[\psi u])^2)`, and the squared norm
    :math:`\tau^2s^2|\delta_i|^2\approx\tau^2s^2\frac dn\frac1n\sum_\mu r_\mu^2\psi(u_\mu)^2`, of variance
    :math:`\frac1n\tau^4s^4(\frac dn)^2(E[r^4]E[\psi^4]-(E[r^2]E[\psi^2])^2)`. Large for polynomial activations.
    """
    from ..hermite.engine import gaussian_rule

    act = setup.activation
    z, w = gaussian_rule(act.kinks, degree=12)
    psi = np.asarray(act.deriv(z), dtype=float) - st.c1_step
    e2u = float(w @ (psi * psi * z * z))
    e1u = float(w @ (psi * z))
    e2, e4 = float(w @ psi**2), float(w @ psi**4)
    cross = 4.0 * setup.lr**2 * (st.residual_second * e2u - (st.residual_mean * e1u) ** 2) / setup.n
    r4 = st.residual_fourth
    quad = setup.lr**4 * (setup.d / setup.n) ** 2 * (r4 * e4 - (st.residual_second * e2) ** 2) / setup.n
    return max(cross, 0.0), max(quad, 0.0)  # Var rho^2 = cross s^2 + quad s^4


def _spread_gram_nodes(geo_g, var_fn, s_nodes, weights):
    """Expand the Gram nodes over three values of :math:`\rho^2` (Gauss-Hermite, exact for quadratics)."""
    a, rho2 = geo_g
    sd = np.sqrt(np.array([var_fn(x * x) for x in s_nodes]))
    xs = np.array([-math.sqrt(3.0), 0.0, math.sqrt(3.0)])
    ws = np.array([1.0, 4.0, 1.0]) / 6.0
    a3 = np.repeat(a, 3)
    r3 = np.maximum(np.repeat(rho2, 3) + np.outer(sd, xs).ravel(), 1e-6)
    return (a3, r3), np.outer(weights, ws).ravel()


def _build_model(setup, n_features, *, readout_nodes=32, jmax=None, include_kernel=True, heavy_tails="capped",
                 norm_spread=True, beta_norm_sq=None, readout_values=None) -> _Model:
    st = step_statistics(setup)
    act = setup.activation
    sb, pib, sg, pig, s_max = _readout_rules(setup.readout, readout_nodes, setup.width, readout_values)
    beta = math.sqrt(st.norm_sq if beta_norm_sq is None else beta_norm_sq)
    scale_full = setup.effective_output_scale if (setup.residual == "full" and setup.readout != "symmetric") else 0.0
    kw = dict(st=st, beta=beta, scale_full=scale_full)
    a_b, rho2_b = _geometry(sb, **kw)
    if np.ptp(a_b) == 0 and np.ptp(rho2_b) == 0:  # every neuron alike (e.g. no step): one type
        sb, pib, sg, pig = sb[:1], np.ones(1), sb[:1], np.ones(1)
    sc = np.clip(sg, -s_max, s_max)
    geo = [_geometry(x, **kw) for x in (sb, sg, sc)]
    # an odd activation has no even loadings, and its odd ones barely depend on rho^2: skip it there
    nc, nq = _norm_spread_coefficients(setup, st)
    if norm_spread and getattr(act, "parity", 0) != -1 and nc * s_max**2 + nq * s_max**4 > 1e-4:
        # the spike loadings v_j(r_i) see the neuron-to-neuron scatter of rho_i^2; the bulk resolvent does not
        # (heavy-norm neurons give localised outliers, not a wider delocalised bulk): docs/spikes.md §5.8
        geo[1], pig = _spread_gram_nodes(geo[1], lambda s2: nc * s2 + nq * s2 * s2, sg, pig)
        geo[2] = (np.repeat(geo[2][0], 3), np.repeat(geo[2][1], 3))
        sg, sc = np.repeat(sg, 3), np.repeat(sc, 3)
    coef, second, herr, jtot, kurt = _hermite_table(act, [g[0] for g in geo], [g[1] for g in geo])
    cut = np.cumsum([0] + [len(x) for x in (sb, sg, sc)])
    bulk, gram_data, clamp = (_type_data(g[0], g[1], coef[cut[i]:cut[i + 1]], second[cut[i]:cut[i + 1]], jtot)
                              for i, g in enumerate(geo))
    phi_all = bulk["phi"]
    scale0 = float(np.max(np.abs(phi_all[:, 0]))) or 1.0
    jphi = 1
    while jphi < min(16, jtot) and np.max(np.abs(phi_all[:, jphi])) > 1e-9 * scale0:
        jphi += 1
    bulk_level = float(np.sum(pib * (bulk["D"] + bulk["rho2"] * np.sum(phi_all[:, :jphi] ** 2, axis=1))))
    if jmax is None:
        # keep every degree up to the last one whose population strength is not negligible (a vanishing
        # degree, e.g. an even one for odd sigma, must not cut the higher ones)
        strength = setup.width * (pig @ gram_data["v"][:, : min(30, jtot)] ** 2)
        big = np.nonzero(strength > 1e-6 * max(bulk_level, 1e-12))[0]
        jv = max(2, int(big[-1]) + 1 if big.size else 2)
    else:
        jv = check_integer(jmax, "jmax", minimum=1) + 1
    gram = _gram(gram_data, jv, float(setup.d), include_kernel)
    labels = tuple(f"h{jj}" for jj in range(jv)) + (("kernel",) if include_kernel else ())
    b_pi, b_rho2, b_D, b_phi, b_a = pib, bulk["rho2"], bulk["D"], phi_all[:, :jphi], bulk["a"]
    g_pi, g_rho2, g_D, g_phi = pig, clamp["rho2"], clamp["D"], clamp["phi"][:, :jphi]
    if heavy_tails:
        kb, kc = kurt[cut[0]:cut[1]], kurt[cut[2]:cut[3]]
        b_pi, b_rho2, b_D, b_phi, b_a = _spread_types(b_pi, b_rho2, b_D, b_phi, kb, n_features, extra=(b_a,))
        g_pi, g_rho2, g_D, g_phi, gram = _spread_types(g_pi, g_rho2, g_D, g_phi, kc, n_features, extra=(gram,))
        if heavy_tails == "capped":
            level = _typical_max_level(b_pi, b_rho2, b_D, b_phi, setup.width)
            b_rho2, b_D = _cap_level(b_rho2, b_D, b_phi, level)
            g_rho2, g_D = _cap_level(g_rho2, g_D, g_phi, level)
    a0, r0 = bulk["a"], bulk["rho2"]
    return _Model(b_pi, b_rho2, b_D, b_phi, g_pi, g_rho2, g_D, g_phi, gram, labels, float(setup.width),
                  float(setup.d), float(n_features), b_a, herr,
                  max_ratio=float(np.max(np.abs(a0) / np.sqrt(a0**2 + r0))), bulk_noise=float(np.max(r0) - 1.0))


# ----------------------------------------------------------------------------- bulk solver
class _Bulk:
    r"""Resolvent of the bulk population :math:`\Sigma_b = K\circ G + \mathrm{diag}(D)` and of the sample covariance.

    :math:`\Sigma_b` is the Gram matrix of independent rows :math:`\rho_i\phi_i\otimes\hat w_i`
    (:math:`\hat w_i\sim N(0, I_d/d)`) plus a diagonal; its resolvent has the deterministic
    equivalent (``docs/spikes.md`` §5.3)

    .. math:: [(\Sigma_b-\zeta)^{-1}]_{ii} \approx q_i = \frac{1}{D_i - \zeta + \rho_i^2\phi_i^\top T\phi_i},\qquad
              T = \Big(I + \frac Nd\sum_t\pi_t\rho_t^2 q_t\phi_t\phi_t^\top\Big)^{-1}.
    """

    def __init__(self, model: _Model, tol=1e-13):
        self.m = model
        self.psi = model.width / model.d
        self.gamma = model.width / model.n_features
        self.tol = tol
        self.n_iter_total = 0
        self.worst_residual = 0.0
        self.failures = 0
        self._cache = {}
        self._solved = {}

    def _q(self, zeta, T):
        m = self.m
        quad = np.einsum("tj,jk,tk->t", m.phi, T, m.phi)
        return 1.0 / (m.D - zeta + m.rho2 * quad)

    def _newton(self, zeta, T, max_iter=60):
        r"""Newton on :math:`G(T) = A(T) - T^{-1} = 0` with the analytic Jacobian (symmetric ``J x J`` unknown)."""
        m = self.m
        J = T.shape[0]
        w = self.psi * m.pi * m.rho2
        outer = np.einsum("tj,tk->tjk", m.phi, m.phi).reshape(len(m.pi), J * J)
        res = np.inf
        for it in range(1, max_iter + 1):
            q = self._q(zeta, T)
            if not np.all(np.isfinite(q)):
                return T, it, np.inf
            A = np.eye(J) + np.einsum("t,tj,tk->jk", w * q, m.phi, m.phi)
            Tinv = np.linalg.inv(T)
            G = A - Tinv
            res = float(np.max(np.abs(G)))
            if res < self.tol * max(1.0, float(np.max(np.abs(A)))):
                return T, it, res
            jac = np.kron(Tinv, Tinv) - (outer * (w * q * q * m.rho2)[:, None]).T @ outer
            try:
                H = np.linalg.solve(jac, -G.reshape(-1)).reshape(J, J)
            except np.linalg.LinAlgError:
                return T, it, np.inf
            H = 0.5 * (H + H.T)
            # keep T positive definite and q negative: halve the step if needed
            step = 1.0
            for _ in range(30):
                Tn = T + step * H
                try:
                    np.linalg.cholesky(Tn)
                    if np.all(self._q(zeta, Tn) < 0):
                        break
                except np.linalg.LinAlgError:
                    pass
                step *= 0.5
            else:
                return T, it, np.inf
            T = Tn
        return T, max_iter, res

    def solve(self, zeta):
        """Return ``(T, q, ok)`` at real ``zeta`` above the bulk (Newton, warm-started from the nearest solution)."""
        key = float(zeta)
        if key in self._cache:
            return self._cache[key]
        J = self.m.phi.shape[1]
        if self._solved:
            near = min(self._solved, key=lambda z: abs(z - zeta))
            T0 = self._solved[near]
        else:
            T0 = np.eye(J)
        T, it, res = self._newton(zeta, T0.copy())
        if not np.isfinite(res) or res >= self.tol * 10:
            T, it2, res = self._newton(zeta, np.eye(J))
            it += it2
        q = self._q(zeta, T)
        ok = bool(np.isfinite(res)) and res < self.tol * 10 * max(1.0, float(np.max(np.abs(T)))) and bool(np.all(q < 0))
        self.n_iter_total += it
        if ok:
            self.worst_residual = max(self.worst_residual, res)
            self._solved[key] = T
        else:
            self.failures += 1
        out = (T, q, ok)
        self._cache[key] = out
        return out

    def g(self, zeta):
        """Normalised trace :math:`\\frac1N\\mathrm{tr}(\\Sigma_b-\\zeta)^{-1}` (or NaN if unsolved)."""
        _, q, ok = self.solve(zeta)
        return float(self.m.pi @ q) if ok else float("nan")

    def lam(self, zeta):
        r"""Sample-covariance spectral parameter :math:`\lambda(\zeta) = \zeta(1-\gamma(1+\zeta g_b(\zeta)))`."""
        g = self.g(zeta)
        return zeta * (1.0 - self.gamma * (1.0 + zeta * g))

    def M(self, zeta):
        r"""Secular matrix :math:`V^\top(\zeta-\Sigma_b)^{-1}V \approx -N\sum_t\pi_t q_t\Gamma_t`."""
        T, _, ok = self.solve(zeta)
        if not ok:
            return None
        m = self.m
        quad = np.einsum("tj,jk,tk->t", m.g_phi, T, m.g_phi)
        qg = 1.0 / (m.g_D - zeta + m.g_rho2 * quad)
        return -m.width * np.einsum("t,tab->ab", m.g_pi * qg, m.gram)

    def upper_bound(self):
        m = self.m
        return float(np.max(m.D) + np.max(m.rho2 * np.sum(m.phi**2, axis=1)) * (1 + math.sqrt(self.psi)) ** 2 * 1.2 + 1e-6)

    def edge(self):
        """Minimise :math:`\\lambda(\\zeta)` over the physical branch: ``(zeta*, lambda*)``."""
        z = 2.0 * self.upper_bound() + 1.0
        zs, ls = [z], [self.lam(z)]
        step = 0.1
        while True:
            zn = zs[-1] * (1.0 - step)
            ln = self.lam(zn)
            if not np.isfinite(ln) or ln > ls[-1]:
                if np.isfinite(ln) and ln > ls[-1] and len(zs) >= 2:
                    lo, hi = zn, zs[-2]
                    break
                if step < 1e-7:
                    lo, hi = zs[-1], zs[-2] if len(zs) >= 2 else zs[-1] * 1.01
                    break
                step *= 0.3
                continue
            zs.append(zn)
            ls.append(ln)
            if zn < 1e-12:
                lo, hi = zn, zs[-2]
                break
        res = optimize.minimize_scalar(self.lam, bounds=(lo, hi), method="bounded", options={"xatol": 1e-12 * hi})
        zstar = float(res.x)
        # failed solves below the inner edge are part of the search, not failures
        self.failures = 0
        lstar = float(self.lam(zstar))
        if not np.isfinite(lstar):
            self.failures += 1
        return zstar, lstar


def _sorted_eigs(M):
    w, U = np.linalg.eigh(0.5 * (M + M.T))
    return w[::-1], U[:, ::-1]


# ----------------------------------------------------------------------------- finite-size method
def _finite(setup, n_features, *, readout_nodes, jmax, tol, heavy_tails="capped", norm_spread=True, given=None):
    model = _build_model(setup, n_features, readout_nodes=readout_nodes, jmax=jmax, heavy_tails=heavy_tails,
                         norm_spread=norm_spread, **(given or {}))
    return (model,) + _solve_model(model, tol=tol)


def _solve_model(model: _Model, *, tol=1e-13):
    """Bulk edge and outliers of a model: ``(bulk, edge, spikes, below, status)``."""
    bulk = _Bulk(model, tol=tol)
    zstar, lstar = bulk.edge()
    edge = math.sqrt(max(lstar, 0.0))
    Mstar = bulk.M(zstar * (1 + 1e-10))
    spikes = []
    below = []
    if Mstar is None:
        return bulk, edge, (), (), "not_converged"
    w_star, _ = _sorted_eigs(Mstar)
    n_out = int(np.sum(w_star > 1.0))
    zhi = 2.0 * (bulk.upper_bound() + model.width * float(np.max(np.trace(model.gram, axis1=1, axis2=2)))) + 1.0
    size = model.gram.shape[1]
    jv = size - 1 if model.labels[-1] == "kernel" else size
    found = []
    for k in range(n_out):
        f = lambda z, k=k: _sorted_eigs(bulk.M(z))[0][k] - 1.0  # noqa: E731
        lo = zstar * (1 + 1e-10)
        hi = zhi
        while f(hi) > 0:
            hi *= 2.0
        zk = optimize.brentq(f, lo, hi, xtol=1e-14 * hi, rtol=1e-13, maxiter=500)
        lk = bulk.lam(zk)
        w, U = _sorted_eigs(bulk.M(zk))
        avec = U[:, k]
        # alignment: cos^2(u, span U) = lambda'(zeta) / (-zeta a^T M'(zeta) a)   (docs/spikes.md §5.5)
        h = 1e-6 * zk
        Mp = (bulk.M(zk + h) - bulk.M(zk - h)) / (2 * h)
        lp = (bulk.lam(zk + h) - bulk.lam(zk - h)) / (2 * h)
        denom = -zk * float(avec @ Mp @ avec)
        span = float(np.clip(lp / denom, 0.0, 1.0)) if denom > 0 else float("nan")
        found.append((zk, lk, avec, span))
    # labels (docs/spikes.md §5.5): "kernel" if that direction dominates, "mean" if under 10% of the weight is
    # on degrees >= 1; the other spikes get distinct degrees k >= 1 maximising their total squared alignment
    # with the Gram-Schmidt monomials (one spike per degree, Moniri's k-th spike and k-th GS monomial)
    has_kernel = model.labels[-1] == "kernel"
    kinds = []
    for zk, lk, avec, span in found:
        comps = avec**2
        if has_kernel and comps[-1] > 0.5:
            kinds.append("kernel")
        elif np.sum(comps[1:jv]) < 0.1:
            kinds.append("mean")
        else:
            kinds.append("hermite")
    gs = gram_schmidt_monomials(jv)  # rows: GS of kappa^1..kappa^(jv-1) in the h_j basis
    step_idx = [i for i, kd in enumerate(kinds) if kd == "hermite"]
    degree_of = {}
    if step_idx and jv > 1:
        weight = np.array([(gs @ found[i][2][:jv]) ** 2 for i in step_idx])
        if len(step_idx) <= jv - 1:
            rows, cols = optimize.linear_sum_assignment(-weight)
            degree_of = {step_idx[r]: 1 + int(c) for r, c in zip(rows, cols)}
        else:  # more spikes than degrees kept: best degree
            degree_of = {i: 1 + int(np.argmax(w)) for i, w in zip(step_idx, weight)}
    for i, (zk, lk, avec, span) in enumerate(found):
        comps = avec**2
        if kinds[i] == "kernel":
            degree, align, gsal = None, float("nan"), float("nan")
        else:
            degree = 0 if kinds[i] == "mean" else degree_of[i]
            mono = np.zeros(size)
            mono[:jv] = monomial_hermite_vector(degree, jv)
            align = abs(float(avec @ mono)) * math.sqrt(span)
            gsal = abs(float(avec[degree])) * math.sqrt(span)  # centred: GS of 1, kappa, ... = h_degree
        spikes.append(Spike(degree=degree, location=math.sqrt(lk), alignment=align, separated=True, kind=kinds[i],
                            span_alignment=span, components=comps, population=zk, gs_alignment=gsal))
    # components that exist but do not separate: degrees with a non-negligible population strength
    for jj in range(1, jv):
        strength = model.width * float(model.g_pi @ model.gram[:, jj, jj])
        if strength > 1e-3 and not any(sp.degree == jj for sp in spikes):
            below.append(jj)
    return bulk, edge, tuple(spikes), tuple(below), "converged" if bulk.failures == 0 else "partial"


# ----------------------------------------------------------------------------- leading order
def _leading(setup, n_features, *, readout_nodes, tol):
    from .predictions import spike_degrees

    alpha = setup.moniri_alpha
    if not (0.0 <= alpha < 0.5):
        raise NotApplicable(
            f"method='leading' needs Moniri's exponent alpha = log(lr*sqrt(width))/log(n) in [0, 1/2); got {alpha:.4g}"
        )
    sd = spike_degrees(alpha, setup.activation)
    st = step_statistics(setup)
    degs = list(sd.degrees)
    # bulk edge of F0/sqrt(n): the same solver with no step
    f0_setup = setup.with_(lr=0.0)
    model0 = _build_model(f0_setup, n_features, readout_nodes=readout_nodes, include_kernel=False)
    bulk0 = _Bulk(model0, tol=tol)
    _, l0 = bulk0.edge()
    edge = math.sqrt(max(l0, 0.0))
    if not degs:
        return sd, edge, (), bulk0
    c = np.asarray(setup.activation.hermite(max(degs), basis="series").values)
    beta = math.sqrt(st.norm_sq)
    tau, c1 = setup.lr, st.c1_step
    es = readout_power_moments(setup.readout, 2 * max(degs))
    K = len(degs)
    GU = np.zeros((K, K))
    GV = np.zeros((K, K))
    for p, j in enumerate(degs):
        for q, k in enumerate(degs):
            if (j + k) % 2 == 0:
                GU[p, q] = beta ** (j + k) * double_factorial(j + k - 1)
            GV[p, q] = setup.width * es[j + k]
    C = np.diag([c[k] * (tau * c1) ** k for k in degs])
    # singular values of U C V^T: eigenvalues of GU^{1/2} C GV C GU^{1/2}   (docs/theory/spikes.md#spike-sizes)
    wU, QU = np.linalg.eigh(GU)
    GU_half = QU @ np.diag(np.sqrt(np.maximum(wU, 0))) @ QU.T
    S = GU_half @ C @ GV @ C @ GU_half
    w, Vec = np.linalg.eigh(0.5 * (S + S.T))
    order = np.argsort(w)[::-1]
    spikes = []
    for idx in order:
        if w[idx] <= 0:
            continue
        # left singular vector in monomial coordinates: GU^{-1/2} x; alignment with each monomial
        x = Vec[:, idx]
        coords = np.linalg.pinv(GU_half) @ x  # coefficients on the monomial columns
        cos = np.abs(GU @ coords) / (np.sqrt(np.diag(GU)) * math.sqrt(max(coords @ GU @ coords, 1e-300)))
        p = int(np.argmax(cos))
        spikes.append(Spike(degree=degs[p], location=math.sqrt(w[idx]), alignment=float(cos[p]), separated=True,
                            kind="hermite", span_alignment=1.0, components=coords**2 / max(np.sum(coords**2), 1e-300)))
    return sd, edge, tuple(spikes), bulk0


def _check_given(setup, beta_norm_sq, readout_values) -> dict:
    """The realised step of ``feature_spikes(beta_norm_sq=..., readout_values=...)``, checked."""
    given = {}
    if beta_norm_sq is not None:
        given["beta_norm_sq"] = check_positive(beta_norm_sq, "beta_norm_sq")
    if readout_values is not None:
        try:
            vals = np.asarray(readout_values, dtype=float)
        except (TypeError, ValueError):
            raise TypeError("readout_values must be an array of numbers (the readout s_1..s_N)") from None
        if vals.ndim != 1 or vals.size < 2:
            raise ValueError(f"readout_values must be a 1-d array of at least 2 values; got shape {vals.shape}")
        if not np.all(np.isfinite(vals)) or not np.any(vals != 0):
            raise ValueError("readout_values must be finite and not all zero")
        if vals.size != int(round(setup.width)):
            raise ValueError(f"readout_values must have one value per neuron (width = {setup.width:g}); "
                             f"got {vals.size}")
        given["readout_values"] = vals
    return given


def feature_spikes(setup, *, method: str = "finite", n_features=None, readout_nodes: int = 32, jmax=None,
                   tol: float = 1e-13, heavy_tails="capped", norm_spread: bool = True,
                   strict: bool = False, beta_norm_sq=None, readout_values=None) -> SpikeSpectrum:
    r"""Predicted outliers of :math:`F/\sqrt n`, :math:`F = \sigma(\tilde XW_1^\top)` on fresh data, after one step.

    Parameters
    ----------
    setup : OneStep
        The experiment (one step; any readout except ``"symmetric"`` for ``method="finite"``).
    method : {"finite", "leading"}
        ``"finite"``: the finite-size deterministic equivalent (``docs/spikes.md`` §5);
        ``"leading"``: Moniri et al.'s leading order (``docs/theory/spikes.md#interval-theorem``).
    n_features : float, optional
        Number of rows of :math:`F` (default ``setup.n``; sample splitting, so fresh rows).
    readout_nodes : int
        Quadrature nodes over a Gaussian readout.
    jmax : int, optional
        Highest Hermite degree kept as a spike factor (default: adaptive, up to 29).
    tol : float
        Tolerance of the bulk fixed point.
    heavy_tails : {"capped", True, False}
        Widen the bulk by the excess kurtosis of the features (column-norm spread, ``docs/spikes.md``
        §5.7); it vanishes for Gaussian-like features (tanh, relu) and matters for polynomials.
        ``"capped"`` (default): no neuron type's population variance exceeds the level that a fraction
        :math:`1/N` of the neurons exceeds (fewer than one neuron beyond, the rule of §5.6 applied to the
        spread); identical to ``True`` for a ``±1`` or constant readout, and for a Gaussian readout it
        keeps the extreme types, whose excess gives localised outliers, out of the delocalised bulk
        (``docs/validation/spikes.md``, the section on the count at the edge). ``True``: uncapped (the
        default before 2026-12-04); ``False``: no spread.
    norm_spread : bool
        Average the spike loadings over the neuron-to-neuron scatter of :math:`\rho_i^2`
        (``docs/spikes.md`` §5.8); negligible for tanh and relu, it raises even-degree spikes of
        polynomial activations.
    strict : bool
        Emit a ``RuntimeWarning`` when ``status`` is not ``"ok"``.
    beta_norm_sq : float, optional
        The prediction given a realised step (``method="finite"`` only): the squared norm
        :math:`|\beta|^2` of that step's learned direction :math:`\beta = X^\top r/n` instead of its limit
        (:func:`theory.learned_overlap`). Each degree-:math:`k` spike scales like :math:`|\beta|^k`, and
        :math:`|\beta|^2` fluctuates by :math:`O(n^{-1/2})` from step to step, so at :math:`n\le 8000` the
        even spike of one network differs from the average prediction by several percent
        (``docs/derivations/spike_finite_size.md``); this is the analogue of ``theory.risk(W0=...)``.
    readout_values : array_like, optional
        The realised readout :math:`s_1..s_N` instead of the readout law (``method="finite"`` only):
        the spike Gram uses its empirical moments :math:`\frac1N\sum_is_i^{j+k}` (heavy-tailed sums for a
        Gaussian readout and high degrees). Values beyond the readout law's typical maximum are clipped
        in the bulk, as for the law (``docs/spikes.md`` §5.6).

    Returns
    -------
    SpikeSpectrum

    Examples
    --------
    Without a step only the mean of :math:`F` (relu is not centred) can stand out:

    >>> import theory
    >>> s = theory.OneStep(activation="relu", d=1000, width=1000, n=2000, lr=0.0, residual="labels")
    >>> spec = feature_spikes(s)
    >>> [sp.kind for sp in spec.spikes]
    ['mean']
    """
    check_choice(method, METHODS, "method")
    n_features = setup.n if n_features is None else check_positive(n_features, "n_features")
    readout_nodes = check_integer(readout_nodes, "readout_nodes", minimum=2)
    alpha = setup.moniri_alpha
    regime = _regime(setup)
    given = _check_given(setup, beta_norm_sq, readout_values)
    if method == "leading":
        if given:
            raise ValueError("beta_norm_sq and readout_values need method='finite' (the prediction given a realised "
                             "step); method='leading' is the n -> infinity law")
        sd, edge, spikes, bulk0 = _leading(setup, n_features, readout_nodes=readout_nodes, tol=tol)
        status, message = "ok", "leading order (docs/theory/spikes.md#spike-sizes): each spike in isolation, no bulk interaction"
        if sd.at_boundary:
            status = "approximate"
            message = sd.note
        solver = BulkSolution("converged" if bulk0.failures == 0 else "not_converged", bulk0.n_iter_total,
                              bulk0.worst_residual)
        return SpikeSpectrum(spikes=spikes, bulk_edge=edge, regime=regime, method=method, alpha=alpha,
                             count=len(spikes), step_count=len(spikes), below_threshold=(), status=status,
                             message=message, solver=solver, n_features=float(n_features), setup=setup)
    if setup.readout == "symmetric":
        raise NotApplicable("method='finite' does not support readout='symmetric' (paired neurons share their bulk); "
                         "use method='leading'")
    if not isinstance(norm_spread, (bool, np.bool_)):
        raise TypeError(f"norm_spread must be a bool; got {type(norm_spread).__name__}")
    if not (isinstance(heavy_tails, (bool, np.bool_)) or heavy_tails == "capped"):
        raise TypeError(f"heavy_tails must be a bool or 'capped'; got {heavy_tails!r}")
    model, bulk, edge, spikes, below, solver_status = _finite(setup, n_features, readout_nodes=readout_nodes,
                                                              jmax=jmax, tol=tol, heavy_tails=heavy_tails,
                                                              norm_spread=norm_spread, given=given)
    status, messages = "ok", []
    if solver_status != "converged":
        status = "not_converged" if solver_status == "not_converged" else "ok"
        if solver_status == "not_converged":
            messages.append("the bulk fixed point did not converge")
    ratio, noise = model.max_ratio, model.bulk_noise
    if status == "ok" and (noise > 0.25 or ratio > 0.8):
        status = "approximate"
        messages.append(
            f"outside the range validated against Monte Carlo (regime {regime}, max |a|/r = {ratio:.2f}, "
            f"bulk noise {noise:.2f}): the isotropic-noise and averaged-bulk approximations of docs/spikes.md §5 "
            "may be off")
    growth = float(model.pi @ (model.a**2 + model.rho2)) - 1.0  # E r^2 - 1: the step's change of the radius
    spread = _norm_spread(setup, step_statistics(setup))  # per unit s^2 (E s^2 = 1)
    if status in ("ok", "approximate") and spread > 1e-3 and spread > 0.02 * growth**2:
        status = "approximate"
        messages.append(
            f"the neurons' squared norms scatter (variance {spread:.3g} against a mean change {growth:.3g}); the "
            "equivalent models the scatter in the spike loadings but not its correlation with a_i (docs/spikes.md "
            "§5.8): even-degree spikes may come out a few to 20% too low at n <= 4000")
    message = "; ".join(messages)
    if strict and status != "ok":
        warnings.warn(message or status, RuntimeWarning, stacklevel=2)
    step_count = sum(1 for sp in spikes if sp.kind == "hermite")
    solver = BulkSolution("converged" if bulk.failures == 0 else "not_converged", bulk.n_iter_total,
                          bulk.worst_residual)
    return SpikeSpectrum(spikes=spikes, bulk_edge=edge, regime=regime, method=method, alpha=alpha,
                         count=len(spikes), step_count=step_count, below_threshold=below, status=status,
                         message=message, solver=solver, n_features=float(n_features), setup=setup)
