r"""Which Hermite degrees of the activation matter after one step on spiked Gaussian-mixture data: the power
counting, and Demir & Dogan's rule :math:`l = \lceil\beta/(1-\beta)\rceil` (arXiv:2503.00856) compared with it
(``docs/theory/mixtures.md#the-degree-of-the-hermite-model``).

Scalings (the paper's): learning rate :math:`\eta = d^{\alpha\beta}` (per-neuron :math:`\tau = \eta/N`), spike size
:math:`\theta = d^{(1-\alpha)\beta}`, width and samples proportional to :math:`d`, a target aligned with the spikes.
The features' covariance given the weights is the Mehler series :math:`\sum_k\frac{\hat c_k\hat c_k^\top}{k!}\circ
\rho^{\circ k}` (``docs/derivations/mixture_risk.md`` §1). A rank-one piece :math:`aa^\top` of the preactivations'
correlation contributes to degree :math:`k` the rank-one matrix :math:`a^{\circ k}(a^{\circ k})^\top` of norm
:math:`\sum_ia_i^{2k}`, to be compared with the bulk's :math:`O(1)`. Two such pieces grow with :math:`d`:

* **the step**: :math:`a_i = \tau c_1s_i\sqrt{u^\top\Sigma u}`, and with a spike-aligned target
  :math:`\sqrt{u^\top\Sigma u}\asymp\theta` (``docs/derivations/mixture_direction.md`` §3), so
  :math:`a_i\asymp d^{\beta-1}` and :math:`\sum_ia_i^{2k}\asymp d^{1-2k(1-\beta)}`: degree :math:`k` matters iff
  :math:`k(1-\beta)\le\frac12`;
* **the data spike** itself: :math:`a_i = \sqrt\theta\,(g\cdot w_i)\asymp\sqrt{\theta/d}`, so
  :math:`\sum_ia_i^{2k}\asymp d^{1-k(1-(1-\alpha)\beta)}`: degree :math:`k` matters iff
  :math:`k(1-(1-\alpha)\beta)\le1`.

The necessary degree is the largest :math:`k` of either list (at least 1, the linear part of the bulk).
Since :math:`(1-\alpha)\beta\le\beta` and :math:`\frac1{2(1-\beta)}\le\frac1{1-\beta}`, both lists stop at or below
:math:`\lfloor1/(1-\beta)\rfloor`, which is the authors' :math:`\lceil\beta/(1-\beta)\rceil = \lceil1/(1-\beta)\rceil - 1`
except where :math:`1/(1-\beta)` is an integer (there the counting keeps the borderline degree
:math:`1/(1-\beta)`, whose term is of the same order as the bulk). So the rule is sufficient (up to that
boundary), and necessary exactly when all the strength sits in the spread (:math:`\alpha = 0`); for
:math:`\alpha > 0` it keeps more degrees than the leading order needs. Whether a present degree changes the error
numerically also depends on the target's and the activation's :math:`k`-th coefficients (ReLU: :math:`\mu_3 = 0`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .._checks import check_choice, check_in_interval
from .._result import Result

__all__ = ["HermiteDegree", "hermite_degree"]

_EPS = 1e-12


@dataclass(frozen=True)
class HermiteDegree(Result):
    r"""The degrees of the Hermite model at :math:`(\alpha, \beta)` (:func:`hermite_degree`).

    Attributes
    ----------
    step_degrees : tuple of int
        :math:`k\ge1` with :math:`k(1-\beta_{\rm step})\le\frac12` (the step's spikes).
    data_degrees : tuple of int
        :math:`k\ge1` with :math:`k(1-(1-\alpha)\beta)\le1` (the data spike's kernel terms).
    necessary : int
        The largest degree of either list, at least 1.
    authors : int
        :math:`\lceil\beta/(1-\beta)\rceil` (Demir & Dogan's code clips it to :math:`[1, 4]`; not clipped here).
    sufficient : bool
        ``authors >= necessary``.
    target : str
    """

    step_degrees: tuple
    data_degrees: tuple
    necessary: int
    authors: int
    sufficient: bool
    target: str


def _degrees(gap: float, bound: float, kmax: int = 1000) -> tuple:
    """``k >= 1`` with ``k * gap <= bound`` (``gap > 0``), borderline included up to rounding."""
    if gap <= _EPS:
        raise ValueError("beta = 1 (or a step/spike exponent of 1) leaves every degree relevant: no finite Hermite model")
    top = int(math.floor(bound / gap + 1e-9))
    return tuple(range(1, min(top, kmax) + 1))


def hermite_degree(beta, alpha, *, target: str = "spikes") -> HermiteDegree:
    r"""The Hermite degrees that matter at strength ``beta`` and weighting ``alpha`` (module docstring).

    ``target="spikes"``: a target aligned with the spikes (the spread amplifies the step,
    :math:`\beta_{\rm step} = \beta`); ``"random"``: a target random relative to them, where the step's shift
    :math:`\tau\sqrt{u^\top\Sigma u}` does not grow with the spread (:math:`\theta\lesssim\sqrt d`): it is at most
    :math:`\tau = d^{\alpha\beta-1}` times the target's scale, so :math:`\beta_{\rm step} = \alpha\beta` (an upper bound:
    Demir & Dogan's normalisation :math:`|\xi| = \|\bar\Sigma\|_{op}^{-1/2}` makes the shift smaller still), and the
    data spike's kernel terms are not correlated with the target (``data_degrees`` are listed but do not count
    toward ``necessary``).

    Examples
    --------
    >>> h = hermite_degree(0.74, 0.5)
    >>> h.step_degrees, h.data_degrees, h.necessary, h.authors, h.sufficient
    ((1,), (1,), 1, 3, True)
    >>> hermite_degree(0.7, 0.0).necessary, hermite_degree(0.7, 0.0).authors   # all in the spread: the rule is exact
    (3, 3)
    >>> h = hermite_degree(0.75, 0.0)        # 1/(1 - beta) = 4: the borderline degree 4 is of the bulk's order
    >>> h.necessary, h.authors, h.sufficient
    (4, 3, False)
    >>> hermite_degree(0.9, 1.0).step_degrees                                   # k (1 - 0.9) <= 1/2
    (1, 2, 3, 4, 5)
    """
    beta = check_in_interval(beta, "beta", 0.0, 1.0, closed="left")
    alpha = check_in_interval(alpha, "alpha", 0.0, 1.0)
    check_choice(target, ("spikes", "random"), "target")
    b_step = beta if target == "spikes" else alpha * beta
    step = _degrees(1.0 - b_step, 0.5)
    data = _degrees(1.0 - (1.0 - alpha) * beta, 1.0)
    counted = step + (data if target == "spikes" else ())
    necessary = max(counted, default=1)
    authors = max(1, math.ceil(beta / (1.0 - beta) - 1e-12))
    return HermiteDegree(step_degrees=step, data_degrees=data, necessary=necessary, authors=authors,
                         sufficient=authors >= necessary, target=target)
