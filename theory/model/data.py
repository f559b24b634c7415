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
    """

    is_isotropic: bool = False

    def check_dimension(self, d) -> None:  # pragma: no cover - protocol
        raise NotImplementedError

    def sample(self, rng, n: int, *, dtype=np.float64):  # pragma: no cover - protocol
        raise NotImplementedError

    def to_dict(self) -> dict:  # pragma: no cover - protocol
        raise NotImplementedError
