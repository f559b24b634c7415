r"""Input distributions of the experiment (``OneStep(..., data=...)``).

``data=None`` is the isotropic Gaussian :math:`x\sim N(0, I_d)` of every one-step paper, and everything
in the library is unchanged for it. A data model here is a frozen description of another input law
that the simulator can draw from and the theory can read; the protocol is :class:`DataModel`.

Convention shared with the simulator: the target direction :math:`\beta_*` is the first coordinate
axis (``e_1``; the first ``r`` axes for a multi-index target), so a data model states its structure
(means, covariance spikes) relative to those axes.
"""

from __future__ import annotations

import numpy as np

__all__ = ["DataModel"]


class DataModel:
    """The protocol of a data model (subclass it; instances must be immutable).

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

    def class_labels(self, components):  # pragma: no cover - protocol
        raise NotImplementedError

    def check_dimension(self, d) -> None:  # pragma: no cover - protocol
        raise NotImplementedError

    def sample(self, rng, n: int, *, dtype=np.float64):  # pragma: no cover - protocol
        raise NotImplementedError

    def to_dict(self) -> dict:  # pragma: no cover - protocol
        raise NotImplementedError
