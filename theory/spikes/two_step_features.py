r"""Which feature monomials spike after two gradient steps (power counting, ``docs/derivations/two_step_risk.md`` §4).

After two steps with :math:`\eta_t = N^{\alpha_t}` (:math:`\alpha_t < 1/2`) neuron :math:`i`'s preactivation
moves by :math:`\Delta_i(x) = s_i\,r_0\cdot x + \sum_{j\ge1}\tau_2 s_i^{j+1}\,v_j\cdot x`, each term of per-neuron size
:math:`N^{\epsilon_j}` with

.. math:: \epsilon_0 = \max(\alpha_1, \alpha_2) - \tfrac12,\qquad
          \epsilon_j = \alpha_2 - \tfrac12 - j\,(\tfrac12 - \alpha_1)\quad(j\ge1)

(the weight orders of ``docs/derivations/two_step_weights.md``). Expanding
:math:`\sigma(w_i^0\cdot x + \Delta_i)` gives the monomials :math:`\prod_j (v_j\cdot x)^{k_j}` with the
neuron vector :math:`\mu_{|k|}\,s^{\circ p}`, :math:`p = \sum_j k_j(j+1)`, :math:`\mu_m = E\sigma^{(m)}(z)`;
a monomial is a spike of :math:`F/\sqrt n` iff

.. math:: \tfrac12 + \sum_j k_j\epsilon_j > 0,\qquad \mu_{|k|}\ne 0,\qquad \text{every order } j \text{ with } k_j > 0 \text{ present.}

Monomials with the same readout power :math:`p` share the neuron vector and form one outlier (Gaussian
readout); a constant readout merges everything into one, :math:`\pm1` into the two parities of :math:`p`.
With :math:`\tau_2 = 0` this is Moniri et al.'s interval theorem (:func:`theory.spike_degrees`).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from .._result import Result
from .two_step import _activation_zeros, _order_present

__all__ = ["FeatureMonomial", "TwoStepFeatureSpikes", "two_step_feature_spikes"]

_BOUNDARY_ATOL = 1e-9


@dataclass(frozen=True)
class FeatureMonomial(Result):
    """One spiking monomial :math:`\\prod_j (v_j\\cdot x)^{k_j}` of the features after two steps.

    ``powers``: :math:`(k_0, k_1, \\dots)`; ``degree``: :math:`|k|`; ``readout_power``: :math:`p`;
    ``exponent``: :math:`1/2 + \\sum_j k_j\\epsilon_j` (its strength grows as :math:`N^{\\rm exponent}`).
    """

    powers: tuple
    degree: int
    readout_power: int
    exponent: float


@dataclass(frozen=True)
class TwoStepFeatureSpikes(Result):
    r"""The spiking monomials after two steps (module docstring).

    Attributes
    ----------
    monomials : tuple of FeatureMonomial
        Every spiking monomial, by increasing readout power, then degree.
    count : int
        Separate outliers: distinct neuron vectors :math:`s^{\circ p}` after the readout's merging.
    epsilons : tuple of float
        :math:`\epsilon_0, \epsilon_1, \dots` of the present orders (``-inf`` for an absent one).
    boundary : bool
        Some monomial sits at exponent 0 (within 1e-9): a strength of order one, not decided here.
    new_directions : tuple of int
        The orders :math:`j\ge1` entering some spiking monomial (features along :math:`v_j` beyond the
        one-step reduction of :func:`theory.regimes.two_step.effective_setup`).
    """

    monomials: tuple
    count: int
    epsilons: tuple
    boundary: bool
    new_directions: tuple


def _merged_count(powers_p, readout):
    ps = sorted(set(powers_p))
    if not ps:
        return 0
    if readout == "constant":
        return 1
    if readout in ("rademacher", "symmetric"):
        return len({p % 2 for p in ps})
    return len(ps)


def two_step_feature_spikes(setup, *, max_degree: int = 12) -> TwoStepFeatureSpikes:
    r"""Power counting of the feature spikes after the two steps of ``setup`` (module docstring).

    Parameters
    ----------
    setup : theory.OneStep
        Two steps (``steps=2``) with exponents ``setup.step_exponents`` below 1/2.
    max_degree : int
        Largest :math:`|k|` enumerated (a monomial of degree :math:`m` needs :math:`\epsilon_0 > -1/(2m)`).

    Returns
    -------
    TwoStepFeatureSpikes

    Examples
    --------
    With :math:`(\alpha_1, \alpha_2) = (0.35, 0.45)` and tanh (odd: :math:`\mu_2 = 0`, order 1 absent) the odd
    powers of :math:`r_0\cdot x` up to 9 spike (:math:`\epsilon_0 = -0.05`), and so do :math:`v_2\cdot x`
    (:math:`\epsilon_2 = 0.45 - 0.5 - 2\cdot0.15 = -0.35`) and :math:`(r_0\cdot x)^2\,v_2\cdot x`
    (:math:`1/2 - 0.1 - 0.35 > 0`); :math:`v_2\cdot x` and :math:`(r_0\cdot x)^3` share :math:`s^{\circ3}`:

    >>> from theory import OneStep
    >>> s = OneStep.from_moniri_hassani(alpha=(0.35, 0.45), d=1000, width=1000, n=2000)
    >>> r = two_step_feature_spikes(s)
    >>> [m.powers[:3] for m in r.monomials[:4]], r.count, r.new_directions
    ([(1, 0, 0), (0, 0, 1), (3, 0, 0), (2, 0, 1)], 5, (2,))
    """
    if setup.steps != 2:
        raise ValueError(f"two_step_feature_spikes describes two steps; got steps={setup.steps}")
    a1, a2 = setup.step_exponents
    if not (a1 < 0.5 and a2 < 0.5):
        raise ValueError(f"the power counting needs both step exponents < 1/2; got {a1:.4g}, {a2:.4g}")
    max_degree = int(max_degree)
    if max_degree < 1:
        raise ValueError(f"max_degree must be a positive integer; got {max_degree}")
    act = setup.activation
    eps0 = max(a1, a2) - 0.5
    # orders j >= 1 with 1/2 + eps_j > 0 (a monomial containing v_j needs at least that)
    eps = [eps0]
    j = 1
    while math.isfinite(a1) and math.isfinite(a2):
        e = a2 - 0.5 - j * (0.5 - a1)
        if 0.5 + e < -_BOUNDARY_ATOL:
            break
        eps.append(e)
        j += 1
    zeros = _activation_zeros(act, max(max_degree, len(eps)) + 2)
    for j in range(1, len(eps)):
        if not _order_present(act, j, setup.reuse_batch, zeros)[0]:
            eps[j] = -math.inf
    monos, boundary = [], False
    for degree in range(1, max_degree + 1):
        if zeros[degree] is not None:  # mu_degree = 0: no monomial of this degree
            continue
        for combo in itertools.combinations_with_replacement(range(len(eps)), degree):
            powers = tuple(combo.count(j) for j in range(len(eps)))
            expo = 0.5 + sum(k * e for k, e in zip(powers, eps) if k)
            if abs(expo) <= _BOUNDARY_ATOL:
                boundary = True
            elif expo > 0:
                monos.append(FeatureMonomial(powers=powers, degree=degree,
                                             readout_power=sum(k * (j + 1) for j, k in enumerate(powers)),
                                             exponent=expo))
    monos.sort(key=lambda m: (m.readout_power, m.degree))
    new = tuple(sorted({j for m in monos for j, k in enumerate(m.powers) if j >= 1 and k}))
    return TwoStepFeatureSpikes(monomials=tuple(monos), count=_merged_count([m.readout_power for m in monos],
                                                                            setup.readout),
                                epsilons=tuple(eps), boundary=boundary, new_directions=new)
