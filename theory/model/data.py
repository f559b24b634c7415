r"""Input distributions of the experiment (``OneStep(..., data=...)``).

``data=None`` is the isotropic Gaussian :math:`x\sim N(0, I_d)` of every one-step paper, and everything
in the library is unchanged for it. A data model here is a frozen description of another input law
that the simulator can draw from and the theory can read; the protocol is :class:`DataModel`.

Convention shared with the simulator: the target direction :math:`\beta_*` is the first coordinate
axis (``e_1``; the first ``r`` axes for a multi-index target), so a data model states its structure
(means, covariance spikes) relative to those axes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

__all__ = ["DataModel", "SpikedCovariance", "DenseCovariance", "GaussianMixture", "covariance_from_dict",
           "TASKS", "COUNTS", "INIT_SCALES"]


class DataModel(ABC):
    r"""The protocol of a data model (subclass it; instances must be immutable).

    Attributes and methods
    ----------------------
    is_isotropic : bool
        True when the law is exactly :math:`N(0, I_d)` (the theory then takes the isotropic path).
    check_dimension(d)
        Raise ``ValueError`` naming ``d`` when the model cannot describe inputs of dimension ``d``.
    sample(rng, n, *, dtype)
        ``(X, components)``: an ``n x d`` array of inputs drawn with the ``numpy.random.Generator`` ``rng``
        and the integer component (class) of each row (all zeros for a one-component law).
    to_dict()
        A JSON-ready description.
    task : {"regression", "classification"}
        ``"classification"``: the label of a sample is ``class_labels(components)`` (e.g. :math:`\pm1` by
        component) instead of the setup's target of :math:`\beta_*\cdot x`.
    class_labels(components)
        The labels of a classification task (only read when ``task == "classification"``).
    init_scale : float
        Factor applied to the simulator's initial first layer (``1``: the setup's ``init`` unchanged); e.g.
        :math:`\sqrt{d/\mathrm{tr}\,\Sigma}` so that :math:`w\cdot x` has unit variance (Demir & Dogan's
        :math:`F_{ij}\sim N(0, 1/\mathrm{tr}\,\Sigma)`). The theory reads the same attribute.
    """

    is_isotropic: bool = False
    task: str = "regression"
    init_scale: float = 1.0

    def class_labels(self, components):
        """The labels of a classification task; a regression model has none (``ValueError``)."""
        raise ValueError(f"{type(self).__name__} with task={self.task!r} has no class labels; "
                         "use task='classification'")

    @abstractmethod
    def check_dimension(self, d) -> None:
        """Raise ``ValueError`` naming ``d`` when the model cannot describe inputs of dimension ``d``."""

    @abstractmethod
    def sample(self, rng, n: int, *, dtype=np.float64):
        """``(X, components)``: ``n`` inputs drawn with ``rng`` and the component of each row."""

    @abstractmethod
    def to_dict(self) -> dict:
        """A JSON-ready description."""


# ----------------------------------------------------------------------------------------------- covariances
def _as_float_array(value, name: str, ndim: int) -> np.ndarray:
    try:
        arr = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of real numbers; got {type(value).__name__}") from None
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-dimensional array; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    arr.setflags(write=False)
    return arr


def _array_key(a) -> tuple:
    return (None,) if a is None else (a.shape, a.tobytes())


class SpikedCovariance:
    r"""A covariance that is the identity plus finitely many spikes,

    .. math:: \Sigma = I_d + \sum_{j=1}^k \theta_j\, g_j g_j^\top = I_d + G^\top\mathrm{diag}(\theta)\,G ,

    with ``directions`` :math:`G` (``k x d``, orthonormal rows) and ``strengths`` :math:`\theta_j\ge0` (the
    spiked covariances of Demir & Dogan, ICLR 2025, arXiv:2503.00856, :math:`\Sigma_c = I + \Gamma_c\,
    \mathrm{diag}(\theta_c)\Gamma_c^\top`). Nothing of size :math:`d\times d` is formed: a draw is
    :math:`x = \Sigma^{1/2}z = z + G^\top\mathrm{diag}(\sqrt{1+\theta}-1)\,Gz`, exact, in :math:`O(dk)`.

    Parameters
    ----------
    directions : array_like, shape (k, d)
        Orthonormal rows :math:`g_j` (checked to ``1e-8``). A single direction may be given as a vector.
    strengths : float or array_like, shape (k,)
        :math:`\theta_j \ge 0` (a scalar is used for every direction).

    Examples
    --------
    >>> g = np.array([[0.6, 0.8, 0.0]])
    >>> S = SpikedCovariance(g, 3.0)
    >>> S.trace, S.dim
    (6.0, 3)
    >>> bool(np.allclose(S.dense(), np.eye(3) + 3.0 * g.T @ g))
    True
    >>> float(S.quadratic(np.array([1.0, 0.0, 0.0])))  # 1 + 3 * 0.6**2
    2.08
    """

    __slots__ = ("directions", "strengths")

    def __init__(self, directions, strengths):
        try:
            raw = np.asarray(directions, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"directions must be an array of real numbers; got {type(directions).__name__}") from None
        G = _as_float_array(raw[None, :] if raw.ndim == 1 else raw, "directions", 2)
        k, d = G.shape
        if d < 1:
            raise ValueError(f"directions must have at least one column (the dimension d); got shape {G.shape}")
        if k and not np.allclose(G @ G.T, np.eye(k), atol=1e-8, rtol=0):
            raise ValueError("directions must have orthonormal rows (G @ G.T = I); orthonormalise them first, "
                             "e.g. with numpy.linalg.qr")
        th = np.array(np.broadcast_to(np.asarray(strengths, dtype=float), (k,)), dtype=float) \
            if np.ndim(strengths) == 0 else _as_float_array(strengths, "strengths", 1)
        if th.shape != (k,):
            raise ValueError(f"strengths must have one value per direction ({k}); got shape {th.shape}")
        if not np.all(np.isfinite(th)) or np.any(th < 0):
            raise ValueError(f"strengths must be finite and >= 0; got {th.tolist()}")
        th.setflags(write=False)
        object.__setattr__(self, "directions", G)
        object.__setattr__(self, "strengths", th)

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable")

    # -- value semantics (frozen setups are hashed by the step-statistics cache)
    def __eq__(self, other):
        return isinstance(other, SpikedCovariance) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def _key(self):
        return ("spiked",) + _array_key(self.directions) + _array_key(self.strengths)

    def __repr__(self):
        return f"SpikedCovariance(d={self.dim}, strengths={self.strengths.tolist()})"

    # -- the law
    @property
    def dim(self) -> int:
        """The dimension :math:`d`."""
        return int(self.directions.shape[1])

    @property
    def rank(self) -> int:
        """Number of spikes :math:`k`."""
        return int(self.directions.shape[0])

    @property
    def trace(self) -> float:
        r""":math:`\mathrm{tr}\,\Sigma = d + \sum_j\theta_j`."""
        return float(self.dim + self.strengths.sum())

    @property
    def operator_norm(self) -> float:
        r""":math:`\|\Sigma\|_{op} = 1 + \max_j\theta_j`."""
        return float(1.0 + (self.strengths.max() if self.rank else 0.0))

    @property
    def is_identity(self) -> bool:
        return bool(self.rank == 0 or np.all(self.strengths == 0))

    def apply(self, v) -> np.ndarray:
        r""":math:`\Sigma v` (``v`` of shape ``(d,)`` or ``(d, m)``)."""
        v = np.asarray(v, dtype=float)
        G, th = self.directions, self.strengths
        return v + G.T @ (th.reshape((-1,) + (1,) * (v.ndim - 1)) * (G @ v))

    def quadratic(self, v) -> float:
        r""":math:`v^\top\Sigma v = |v|^2 + \sum_j\theta_j(g_j\cdot v)^2`."""
        v = np.asarray(v, dtype=float)
        return float(v @ v + self.strengths @ (self.directions @ v) ** 2)

    def sqrt_apply_rows(self, Z) -> np.ndarray:
        r"""Rows :math:`\Sigma^{1/2}z` of ``Z`` (``m x d``): :math:`z + G^\top\mathrm{diag}(\sqrt{1+\theta}-1)Gz`."""
        if self.is_identity:
            return Z
        scale = np.sqrt(1.0 + self.strengths) - 1.0
        return Z + ((Z @ self.directions.T) * scale) @ self.directions

    def dense(self) -> np.ndarray:
        """The ``d x d`` matrix (for tests and small ``d``)."""
        G = self.directions
        return np.eye(self.dim) + G.T @ (self.strengths[:, None] * G)

    def to_dict(self) -> dict:
        return {"kind": "spiked", "directions": self.directions.tolist(), "strengths": self.strengths.tolist()}


class DenseCovariance:
    r"""A covariance given as a dense symmetric positive semi-definite ``d x d`` matrix :math:`\Sigma`.

    Draws use the symmetric square root :math:`\Sigma^{1/2}` (one eigendecomposition, computed once), so a
    draw costs :math:`O(d^2)`; prefer :class:`SpikedCovariance` when the structure is low-rank.

    >>> S = DenseCovariance(np.diag([1.0, 4.0]))
    >>> S.trace, S.operator_norm
    (5.0, 4.0)
    """

    __slots__ = ("matrix", "_root")

    def __init__(self, matrix):
        M = _as_float_array(matrix, "covariances", 2)
        if M.shape[0] != M.shape[1] or M.shape[0] < 1:
            raise ValueError(f"a dense covariance must be a square d x d matrix; got shape {M.shape}")
        if not np.allclose(M, M.T, atol=1e-10 * max(1.0, float(np.abs(M).max())), rtol=0):
            raise ValueError("a dense covariance must be symmetric")
        vals, vecs = np.linalg.eigh(M)
        if vals.min() < -1e-10 * max(1.0, float(vals.max())):
            raise ValueError(f"a dense covariance must be positive semi-definite; its smallest eigenvalue is {vals.min():.3g}")
        root = (vecs * np.sqrt(np.clip(vals, 0.0, None))) @ vecs.T
        root.setflags(write=False)
        object.__setattr__(self, "matrix", M)
        object.__setattr__(self, "_root", root)

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other):
        return isinstance(other, DenseCovariance) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def _key(self):
        return ("dense",) + _array_key(self.matrix)

    def __repr__(self):
        return f"DenseCovariance(d={self.dim}, trace={self.trace:.6g})"

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[0])

    @property
    def trace(self) -> float:
        return float(np.trace(self.matrix))

    @property
    def operator_norm(self) -> float:
        return float(np.linalg.eigvalsh(self.matrix)[-1])

    @property
    def is_identity(self) -> bool:
        return bool(np.array_equal(self.matrix, np.eye(self.dim)))

    def apply(self, v) -> np.ndarray:
        return self.matrix @ np.asarray(v, dtype=float)

    def quadratic(self, v) -> float:
        v = np.asarray(v, dtype=float)
        return float(v @ self.matrix @ v)

    def sqrt_apply_rows(self, Z) -> np.ndarray:
        return Z @ self._root  # the root is symmetric

    def dense(self) -> np.ndarray:
        return np.array(self.matrix)

    def to_dict(self) -> dict:
        return {"kind": "dense", "matrix": self.matrix.tolist()}


def _as_covariance(value, name: str, d: int):
    if value is None:
        return SpikedCovariance(np.zeros((0, d)), np.zeros(0))
    if isinstance(value, (SpikedCovariance, DenseCovariance)):
        cov = value
    elif isinstance(value, dict):
        cov = covariance_from_dict(value, name)
    else:
        try:
            cov = DenseCovariance(value)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{name}: {exc}") from None
    if cov.dim != d:
        raise ValueError(f"{name} has dimension {cov.dim} but d={d}")
    return cov


def covariance_from_dict(spec: dict, name: str = "covariance"):
    """A covariance from its :meth:`to_dict` form (``{"kind": "spiked" | "dense", ...}``)."""
    if not isinstance(spec, dict):
        raise TypeError(f"{name} must be a dict with a 'kind'; got {type(spec).__name__}")
    kind = spec.get("kind")
    if kind == "spiked":
        unknown = set(spec) - {"kind", "directions", "strengths"}
        if unknown:
            raise ValueError(f"{name}: unknown keys {sorted(unknown)} (allowed: kind, directions, strengths)")
        return SpikedCovariance(spec.get("directions"), spec.get("strengths"))
    if kind == "dense":
        unknown = set(spec) - {"kind", "matrix"}
        if unknown:
            raise ValueError(f"{name}: unknown keys {sorted(unknown)} (allowed: kind, matrix)")
        return DenseCovariance(spec.get("matrix"))
    raise ValueError(f"{name}['kind'] must be 'spiked' or 'dense'; got {kind!r}")


# ----------------------------------------------------------------------------------------------- the mixture
TASKS = ("regression", "classification")
COUNTS = ("deterministic", "multinomial")
INIT_SCALES = ("unit", "setup")


class GaussianMixture(DataModel):
    r"""Inputs drawn from a mixture of Gaussians, :math:`x\sim\sum_{c=1}^C\rho_c\,N(\mu_c, \Sigma_c)`.

    The data model of Demir & Dogan (ICLR 2025, arXiv:2503.00856), after Loureiro et al.'s Gaussian-mixture
    GLMs (arXiv:2106.03791). Each covariance is a :class:`SpikedCovariance` (identity plus spikes,
    :math:`\Sigma_c = I + G_c^\top\mathrm{diag}(\theta_c)G_c`), a dense matrix, or ``None`` (identity).
    As everywhere in the library the target direction :math:`\beta_*` is the first axis :math:`e_1`, so the
    spikes' overlaps with :math:`e_1` are their alignment with the target.

    Parameters
    ----------
    weights : array_like, shape (C,)
        Mixture weights :math:`\rho_c > 0`, summing to one (within ``1e-9``; they are then normalised).
    means : array_like, shape (C, d), or None
        Component means :math:`\mu_c` (``None``: all zero).
    covariances : None, a covariance, or a sequence of C of them
        Each a :class:`SpikedCovariance`, a ``d x d`` array, a ``to_dict`` dict, or ``None`` (identity).
        A single covariance (not in a list) is shared by every component.
    d : int
        Input dimension.
    task : {"regression", "classification"}
        ``"classification"``: the label of a sample is ``labels[c]`` of its component (Demir & Dogan's
        Figure 2b: :math:`\pm1`) instead of the setup's target.
    labels : sequence of C floats, optional
        Class labels (default ``(1, -1)`` for two components; required for other ``C`` in classification).
    counts : {"deterministic", "multinomial"}
        Samples per component in a batch of ``n``: :math:`\lfloor n\rho_1\rfloor`, ... and the rest to the
        last (the authors' code), or multinomial. Rows are grouped by component, in order.
    init : {"unit", "setup"}
        ``"unit"``: the simulator scales the initial first layer by
        :math:`\sqrt{d/\mathrm{tr}\,\bar\Sigma}` with :math:`\bar\Sigma = \sum_c\rho_c\Sigma_c`, so that
        :math:`w\cdot x` has unit variance for a bulk neuron (Demir & Dogan's :math:`F_{ij}\sim N(0, 1/\mathrm{tr}\,\Sigma)`);
        ``"setup"``: the setup's ``init`` unchanged.

    Examples
    --------
    One isotropic component is :math:`N(0, I_d)` itself (``is_isotropic``), drawn with the same random numbers:

    >>> iso = GaussianMixture([1.0], d=5)
    >>> iso.is_isotropic, iso.init_scale
    (True, 1.0)
    >>> X, comp = iso.sample(np.random.default_rng(0), 3)
    >>> bool(np.array_equal(X, np.random.default_rng(0).standard_normal((3, 5)))), comp.tolist()
    (True, [0, 0, 0])

    Two components with one spike each along the first two axes, strengths 3 and 1:

    >>> g = GaussianMixture([0.5, 0.5], covariances=[SpikedCovariance([1, 0, 0, 0], 3.0),
    ...                                               SpikedCovariance([0, 1, 0, 0], 1.0)], d=4)
    >>> g.n_components, g.traces, g.is_isotropic, round(g.init_scale**2, 12)   # d / (d + 2)
    (2, (7.0, 5.0), False, 0.666666666667)
    >>> g.component_counts(7).tolist()
    [3, 4]
    """

    __slots__ = ("weights", "means", "covariances", "d", "task", "labels", "counts", "init")

    def __init__(self, weights, means=None, covariances=None, *, d, task="regression", labels=None,
                 counts="deterministic", init="unit"):
        from .._checks import check_choice, check_integer

        d = check_integer(d, "d", minimum=1)
        w = _as_float_array(np.atleast_1d(np.asarray(weights, dtype=float)) if not isinstance(weights, str) else weights,
                            "weights", 1)
        if w.size < 1 or np.any(w <= 0):
            raise ValueError(f"weights must be positive (one per component); got {w.tolist()}")
        if abs(w.sum() - 1.0) > 1e-9:
            raise ValueError(f"weights must sum to 1; got sum {w.sum():.12g}")
        w = w / w.sum()
        w.setflags(write=False)
        C = int(w.size)
        if means is not None:
            mu = _as_float_array(means, "means", 2)
            if mu.shape != (C, d):
                raise ValueError(f"means must have shape (C, d) = ({C}, {d}); got {mu.shape}")
            if not np.any(mu):
                mu = None
        else:
            mu = None
        if covariances is None or isinstance(covariances, (SpikedCovariance, DenseCovariance, dict)) or (
                isinstance(covariances, np.ndarray) and covariances.ndim == 2):
            covs = (_as_covariance(covariances, "covariances", d),) * C
        else:
            try:
                items = list(covariances)
            except TypeError:
                raise TypeError("covariances must be None, a covariance, or a sequence of one per component; "
                                f"got {type(covariances).__name__}") from None
            if len(items) != C:
                raise ValueError(f"covariances must have one entry per component ({C}); got {len(items)}")
            covs = tuple(_as_covariance(c, f"covariances[{i}]", d) for i, c in enumerate(items))
        check_choice(task, TASKS, "task")
        check_choice(counts, COUNTS, "counts")
        check_choice(init, INIT_SCALES, "init")
        if labels is None:
            if task == "classification" and C != 2:
                raise ValueError(f"labels must be given (one per component) for a classification task with C={C} "
                                 "components (the default (1, -1) needs C = 2)")
            lab = (1.0, -1.0) if C == 2 else None
        else:
            arr = _as_float_array(np.atleast_1d(np.asarray(labels, dtype=float)), "labels", 1)
            if arr.shape != (C,):
                raise ValueError(f"labels must have one value per component ({C}); got shape {arr.shape}")
            lab = tuple(float(v) for v in arr)
        set_ = object.__setattr__
        set_(self, "weights", w)
        set_(self, "means", mu)
        set_(self, "covariances", covs)
        set_(self, "d", d)
        set_(self, "task", task)
        set_(self, "labels", lab)
        set_(self, "counts", counts)
        set_(self, "init", init)

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _key(self):
        return (_array_key(self.weights), _array_key(self.means), tuple(c._key() for c in self.covariances), self.d,
                self.task, self.labels, self.counts, self.init)

    def __eq__(self, other):
        return isinstance(other, GaussianMixture) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        ranks = [getattr(c, "rank", "dense") for c in self.covariances]
        return (f"GaussianMixture(C={self.n_components}, d={self.d}, weights={self.weights.tolist()}, "
                f"spike ranks={ranks}, means={'zero' if self.means is None else 'nonzero'}, task={self.task!r})")

    # ------------------------------------------------------------------ the law
    @property
    def n_components(self) -> int:
        return int(self.weights.size)

    @property
    def traces(self) -> tuple:
        r""":math:`\mathrm{tr}\,\Sigma_c`, one per component."""
        return tuple(c.trace for c in self.covariances)

    @property
    def mean_trace(self) -> float:
        r""":math:`\mathrm{tr}\,\bar\Sigma = \sum_c\rho_c\,\mathrm{tr}\,\Sigma_c`."""
        return float(self.weights @ np.array(self.traces))

    @property
    def is_isotropic(self) -> bool:
        """One component, zero mean, identity covariance and a regression task: exactly :math:`N(0, I_d)`."""
        return (self.n_components == 1 and self.means is None and self.covariances[0].is_identity
                and self.task == "regression")

    @property
    def init_scale(self) -> float:
        r""":math:`\sqrt{d/\mathrm{tr}\,\bar\Sigma}` for ``init="unit"``, 1 for ``init="setup"``."""
        if self.init == "setup":
            return 1.0
        return float(np.sqrt(self.d / self.mean_trace))

    def mean(self, c: int) -> np.ndarray:
        """:math:`\\mu_c` (zeros when the means are ``None``)."""
        return np.zeros(self.d) if self.means is None else np.array(self.means[c])

    def operator_norm(self) -> float:
        r""":math:`\|\bar\Sigma\|_{op}` of the average covariance :math:`\bar\Sigma = \sum_c\rho_c\Sigma_c`
        (Demir & Dogan normalise the target by it, :math:`|\xi| = \|\bar\Sigma\|_{op}^{-1/2}`).

        Exact: :math:`\bar\Sigma - I` is spanned by the spike directions (a small eigenproblem), or dense.
        """
        if any(isinstance(c, DenseCovariance) for c in self.covariances):
            M = sum(r * c.dense() for r, c in zip(self.weights, self.covariances))
            return float(np.linalg.eigvalsh(M)[-1])
        G = np.vstack([c.directions for c in self.covariances])
        if G.shape[0] == 0:
            return 1.0
        Q, _ = np.linalg.qr(G.T)  # d x k basis of the span of all spikes
        small = sum(r * (c.directions @ Q).T @ (c.strengths[:, None] * (c.directions @ Q))
                    for r, c in zip(self.weights, self.covariances))
        return float(1.0 + max(0.0, np.linalg.eigvalsh(small)[-1]))

    # ------------------------------------------------------------------ the protocol
    def check_dimension(self, d) -> None:
        if int(round(float(d))) != self.d or float(d) != round(float(d)):
            raise ValueError(f"d={d} does not match the data model's dimension d={self.d}")

    def component_counts(self, n: int, rng=None) -> np.ndarray:
        r"""Samples per component in a batch of ``n``: deterministic :math:`\lfloor n\,\textstyle\sum_{c'\le c}\rho_{c'}\rfloor`
        differences (:math:`\lfloor n\rho_1\rfloor` and the rest for two components), or multinomial (needs ``rng``)."""
        n = int(n)
        if self.counts == "multinomial":
            if rng is None:
                raise ValueError("rng is needed for counts='multinomial'")
            return np.asarray(rng.multinomial(n, self.weights), dtype=int)
        cum = np.cumsum(self.weights)
        cum[-1] = 1.0
        edges = np.floor(n * cum + 1e-9).astype(int)
        edges[-1] = n
        return np.diff(np.concatenate([[0], edges]))

    def sample(self, rng, n: int, *, dtype=np.float64):
        r"""``(X, components)``: ``n`` rows :math:`x = \mu_c + \Sigma_c^{1/2}z`, :math:`z\sim N(0, I_d)`, grouped by component.

        The standard normals are drawn first, as one ``n x d`` block (so one isotropic component gives exactly
        the draws of ``rng.standard_normal((n, d))``), then the multinomial counts if any. Spiked covariances
        cost :math:`O(ndk)`.
        """
        n = int(n)
        if n < 0:
            raise ValueError(f"n must be >= 0; got {n}")
        X = rng.standard_normal((n, self.d))
        counts = self.component_counts(n, rng)
        comp = np.repeat(np.arange(self.n_components), counts)
        lo = 0
        for c, m in enumerate(counts):
            if m:
                block = self.covariances[c].sqrt_apply_rows(X[lo:lo + m])
                if self.means is not None:
                    block = block + self.means[c]
                X[lo:lo + m] = block
            lo += m
        return X.astype(dtype, copy=False), comp

    def class_labels(self, components) -> np.ndarray:
        """``labels[c]`` of each component index (classification)."""
        if self.labels is None:
            raise ValueError("this mixture has no class labels (give labels=... for C != 2)")
        comp = np.asarray(components, dtype=int)
        return np.asarray(self.labels, dtype=float)[comp]

    def to_dict(self) -> dict:
        return {
            "kind": "gaussian_mixture",
            "weights": self.weights.tolist(),
            "means": None if self.means is None else self.means.tolist(),
            "covariances": [c.to_dict() for c in self.covariances],
            "d": self.d,
            "task": self.task,
            "labels": None if self.labels is None else list(self.labels),
            "counts": self.counts,
            "init": self.init,
        }

    @classmethod
    def from_demir_dogan(cls, d, *, beta, alpha, ranks=(1, 1), weights=None, alignment=None, target="random",
                         spread="fixed", task="regression", labels=None, counts="deterministic",
                         seed=0) -> "GaussianMixture":
        r"""The synthetic mixtures of Demir & Dogan (ICLR 2025, arXiv:2503.00856): zero means, one spiked
        covariance per component, equal traces.

        * spike size :math:`\theta = d^{(1-\alpha)\beta}` (their input dimension :math:`n` is our ``d``;
          :math:`\beta` the strength, :math:`\alpha` the share of it carried by the learning rate,
          :math:`\eta = d^{\alpha\beta}`, see :func:`theory.mixtures.lr_from_demir_dogan`);
        * component 1 has ``ranks[0]`` spikes of strength :math:`\theta` (times independent :math:`U(0,1)`
          factors when ``spread="uniform"``, their Figure 2c); every other component's strengths are rescaled
          to the same trace, :math:`\mathrm{tr}\,\Sigma_c = d + \sum_j\theta_{1,j}`;
        * spike directions Haar-random (seeded); with ``alignment`` :math:`a`, component :math:`c\ge2` has
          :math:`g_{c,j} = a\,g_{1,j} + \sqrt{1-a^2}\,h_{c,j}` with :math:`h` orthonormal and orthogonal to the
          :math:`g_1` (cosine exactly :math:`a`; the authors' construction up to :math:`O(d^{-1/2})`);
        * ``target="random"``: the spikes are random relative to :math:`\beta_* = e_1` (their Gaussian
          :math:`\xi`); ``target="spikes"``: the frame is rotated so that :math:`e_1\propto\sum_c g_{c,1}` (their
          spike-aligned :math:`\xi\propto\gamma_{1,1}+\gamma_{2,1}`, Figure 4).

        Parameters
        ----------
        d : int
        beta : float
            Strength :math:`\beta\in[0, 1]`.
        alpha : float
            Weighting :math:`\alpha\in[0, 1]`.
        ranks : sequence of int
            Spike rank of each component (its length is the number of components ``C``).
        weights : sequence of float, optional
            Mixture weights (default equal).
        alignment : float in [-1, 1], optional
            Cosine between the spikes of component 1 and of the others (default: independent directions).
        target : {"random", "spikes"}
        spread : {"fixed", "uniform"}
        task, labels, counts
            As for :class:`GaussianMixture` (``init="unit"``).
        seed : int or numpy.random.SeedSequence
            Seeds the directions (and the uniform factors); the only randomness.

        Examples
        --------
        >>> g = GaussianMixture.from_demir_dogan(400, beta=0.5, alpha=0.0, alignment=0.5, seed=1)
        >>> [round(float(s), 9) for c in g.covariances for s in c.strengths]   # 400**0.5 each
        [20.0, 20.0]
        >>> G1, G2 = (c.directions[0] for c in g.covariances)
        >>> round(float(G1 @ G2), 12), g.traces
        (0.5, (420.0, 420.0))
        >>> h = GaussianMixture.from_demir_dogan(400, beta=0.5, alpha=0.0, target="spikes", alignment=0.5)
        >>> G1, G2 = (c.directions[0] for c in h.covariances)
        >>> round(float(G1[0]), 12), round(float(G1[0] - G2[0]), 12)       # both at cos 0.866 with e_1
        (0.866025403784, 0.0)
        """
        from .._checks import check_choice, check_in_interval, check_integer

        d = check_integer(d, "d", minimum=2)
        beta = check_in_interval(beta, "beta", 0.0, 1.0)
        alpha = check_in_interval(alpha, "alpha", 0.0, 1.0)
        try:
            ranks = tuple(check_integer(k, f"ranks[{i}]", minimum=1) for i, k in enumerate(ranks))
        except TypeError:
            raise TypeError(f"ranks must be a sequence of positive integers; got {ranks!r}") from None
        if not ranks:
            raise ValueError("ranks must have one entry per component (at least one)")
        C = len(ranks)
        if sum(ranks) > d:
            raise ValueError(f"the spikes need sum(ranks) <= d; got ranks={ranks} with d={d}")
        if alignment is not None:
            alignment = check_in_interval(alignment, "alignment", -1.0, 1.0)
            if C > 1 and 2 * max(ranks) > d:
                raise ValueError(f"aligned spikes need 2 * max(ranks) <= d; got ranks={ranks}, d={d}")
        check_choice(target, ("random", "spikes"), "target")
        check_choice(spread, ("fixed", "uniform"), "spread")
        weights = np.full(C, 1.0 / C) if weights is None else weights
        rng = np.random.default_rng(seed)
        theta = float(d) ** ((1.0 - alpha) * beta)
        th1 = np.full(ranks[0], theta)
        if spread == "uniform":
            th1 = th1 * rng.uniform(size=ranks[0])
        strengths = [th1]
        for c in range(1, C):
            th = np.ones(ranks[c]) if spread == "fixed" else rng.uniform(size=ranks[c])
            strengths.append(th * th1.sum() / th.sum())  # equal traces

        def haar(k, avoid=None):
            """k orthonormal rows, Haar-distributed (orthogonal to the rows of ``avoid``)."""
            Z = rng.standard_normal((d, k))
            if avoid is not None:
                Z -= avoid.T @ (avoid @ Z)
                Z -= avoid.T @ (avoid @ Z)
            Q, R = np.linalg.qr(Z)
            return (Q * np.sign(np.diag(R))).T

        G1 = haar(ranks[0])
        dirs = [G1]
        for c in range(1, C):
            if alignment is None:
                dirs.append(haar(ranks[c]))
                continue
            H = haar(ranks[c], avoid=G1)
            Gc = H.copy()
            j = min(ranks[c], ranks[0])
            Gc[:j] = alignment * G1[:j] + np.sqrt(1.0 - alignment**2) * H[:j]
            dirs.append(Gc)
        if target == "spikes":
            xi = sum(G[0] for G in dirs)
            norm = float(np.linalg.norm(xi))
            if norm < 1e-8:
                raise ValueError("target='spikes' needs the first spikes not to cancel (alignment = -1 gives "
                                 "g_1 + g_2 = 0, no target direction)")
            v = xi / norm
            v[0] -= 1.0  # Householder reflection sending xi/|xi| to e_1
            vn = float(np.linalg.norm(v))
            if vn > 1e-14:
                v /= vn
                dirs = [G - 2.0 * np.outer(G @ v, v) for G in dirs]
        covs = [SpikedCovariance(G, th) for G, th in zip(dirs, strengths)]
        return cls(weights, None, covs, d=d, task=task, labels=labels, counts=counts, init="unit")

    @classmethod
    def from_dict(cls, spec: dict) -> "GaussianMixture":
        """The inverse of :meth:`to_dict` (keys checked; a missing ``kind`` is accepted)."""
        if not isinstance(spec, dict):
            raise TypeError(f"a mixture description must be a dict; got {type(spec).__name__}")
        allowed = {"kind", "weights", "means", "covariances", "d", "task", "labels", "counts", "init"}
        unknown = set(spec) - allowed
        if unknown:
            raise ValueError(f"unknown keys {sorted(unknown)} in the mixture description (allowed: {sorted(allowed)})")
        if spec.get("kind", "gaussian_mixture") != "gaussian_mixture":
            raise ValueError(f"kind must be 'gaussian_mixture'; got {spec.get('kind')!r}")
        if "weights" not in spec or "d" not in spec:
            raise ValueError("a mixture description needs 'weights' and 'd'")
        covs = spec.get("covariances")
        if isinstance(covs, list):
            covs = [None if c is None else covariance_from_dict(c, f"covariances[{i}]") for i, c in enumerate(covs)]
        return cls(spec["weights"], spec.get("means"), covs, d=spec["d"], task=spec.get("task", "regression"),
                   labels=spec.get("labels"), counts=spec.get("counts", "deterministic"), init=spec.get("init", "unit"))
