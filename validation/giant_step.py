r"""Per-neuron Monte Carlo records for the giant-step laws (``docs/giant_step.md``).

:func:`neuron_trials` runs the simulator's own building blocks (:func:`validation.simulate.draw_initial`,
:func:`~validation.simulate.draw_data`, :func:`~validation.simulate.gradient_step`, with the same seeding roles as
:func:`validation.simulate`) and keeps, for every neuron and step, what the theory predicts: the overlaps
:math:`W^*w_i^t` (the first :math:`r` coordinates, since the simulator's :math:`W^*` has rows :math:`e_1..e_r`) and the
norms :math:`|w_i^t|^2`. :func:`compare_neurons` sets them against :func:`theory.predict_neurons`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from theory._checks import check_integer
from theory._result import Result

from .seeding import as_seed_sequence, role_generator, seed_record, trial_sequence
from .simulate import draw_data, draw_initial, gradient_step, sizes_of
from .stats import estimate

__all__ = ["NeuronTrials", "neuron_trials", "NeuronComparison", "compare_neurons"]


@dataclass(frozen=True)
class NeuronTrials(Result):
    """Per-neuron records of ``trials`` independent runs of ``setup.steps`` steps.

    Attributes
    ----------
    kappa0 : ndarray (trials, p, r)
        Initial overlaps :math:`W^*w_i^0`.
    norms0 : ndarray (trials, p)
        :math:`|w_i^0|`.
    signs : ndarray (trials, p)
        Readout values :math:`s_i`.
    overlaps : ndarray (trials, steps, p, r)
        :math:`W^*w_i^t` after each step.
    norm_sq : ndarray (trials, steps, p)
        :math:`|w_i^t|^2` after each step.
    seed : dict
        The seed record (``validation.seeding.seed_record``).
    """

    kappa0: np.ndarray
    norms0: np.ndarray
    signs: np.ndarray
    overlaps: np.ndarray
    norm_sq: np.ndarray
    seed: dict


def neuron_trials(setup, *, trials: int = 1, seed=None) -> NeuronTrials:
    """Run ``trials`` trials of ``setup`` (a multi-index :class:`theory.OneStep`) and keep per-neuron records.

    Trial ``t`` uses ``trial_sequence(seed, t)`` and the roles of :func:`validation.simulate` (``W0``,
    ``readout``, ``step``/``noise`` with the step index), so its weights are those of ``simulate`` with the
    same seed.

    >>> import theory
    >>> s = theory.OneStep(activation="relu", target=theory.MultiIndexTarget("z1 + z1*z2", 2), d=40, width=6,
    ...                    n=80, lr=1.0, readout="symmetric", steps=2)
    >>> rec = neuron_trials(s, trials=2, seed=3)
    >>> rec.overlaps.shape, rec.norm_sq.shape
    ((2, 2, 6, 2), (2, 2, 6))
    """
    if not getattr(setup, "is_multi_index", False):
        raise ValueError("setup.target must be a theory.MultiIndexTarget")
    trials = check_integer(trials, "trials", minimum=1)
    sz = sizes_of(setup)
    root = as_seed_sequence(seed)
    r = setup.target.r
    K0, N0, S, OV, NS = [], [], [], [], []
    for t in range(trials):
        tseq = trial_sequence(root, t)
        init = draw_initial(setup, tseq)
        W, s = init.W0, init.s
        K0.append(W[:, :r].copy())
        N0.append(np.linalg.norm(W, axis=1))
        S.append(s.copy())
        ov, ns = [], []
        first = None
        for step in range(setup.steps):
            if first is None or not setup.reuse_batch:
                idx = 0 if setup.reuse_batch else step
                X, y, _ = draw_data(setup, sz["n"], role_generator(tseq, "step", idx), role_generator(tseq, "noise", idx))
                first = first or (X, y)
            else:
                X, y = first
            W = gradient_step(W, s, X, y, setup)
            ov.append(W[:, :r].copy())
            ns.append(np.einsum("ij,ij->i", W, W))
        OV.append(ov)
        NS.append(ns)
    return NeuronTrials(np.array(K0), np.array(N0), np.array(S), np.array(OV), np.array(NS), seed_record(root))


@dataclass(frozen=True)
class NeuronComparison(Result):
    """Simulated neurons against :func:`theory.predict_neurons` after the first step.

    ``cosine``/``norm_sq``: ``Estimate`` over trials of the per-trial mean over neurons of
    ``sim - theory`` (``*_gap``) and of the simulated and predicted values; ``overlap_rel_error``: per trial,
    the root mean square over neurons of :math:`|m^{sim}_i-m^{th}_i|/|m^{th}_i|`; ``predicted_rel_error``: the
    same scale predicted from the batch noise, :math:`\\sqrt{E|\\text{noise in }V^*|^2}/|m^{th}_i|`.
    """

    cosine_sim: object
    cosine_theory: object
    cosine_gap: object
    norm_sq_sim: object
    norm_sq_theory: object
    norm_sq_rel_gap: object
    overlap_rel_error: object
    predicted_rel_error: object


def compare_neurons(setup, records: NeuronTrials, *, sign_of=None) -> NeuronComparison:
    """Compare the first step of ``records`` with :func:`theory.predict_neurons` neuron by neuron.

    ``sign_of`` (optional ``s -> +-1``) orients the cosines before averaging (default: the sign of the
    predicted cosine), so that paired neurons of opposite sign do not cancel.
    """
    import theory

    cos_sim, cos_th, nsq_sim, nsq_th, rel, pred_rel = [], [], [], [], [], []
    c1 = np.asarray(theory.hermite_tensor(setup.target, 1), dtype=float)
    v = c1 / np.linalg.norm(c1) if np.linalg.norm(c1) > 0 else None
    for t in range(records.kappa0.shape[0]):
        pred = theory.predict_neurons(setup, records.kappa0[t], records.signs[t],
                                      None if setup.init == "sphere" else records.norms0[t])
        m_sim = records.overlaps[t, 0]
        n_sim = records.norm_sq[t, 0]
        if v is not None:
            c_sim = (m_sim @ v) / np.sqrt(n_sim)
            orient = np.sign(pred.cosine) if sign_of is None else np.vectorize(sign_of)(records.signs[t])
            cos_sim.append(float(np.mean(orient * c_sim)))
            cos_th.append(float(np.mean(orient * pred.cosine)))
        nsq_sim.append(float(np.mean(n_sim)))
        nsq_th.append(float(np.mean(pred.norm_sq)))
        energy = float(np.sum(pred.overlap**2))
        rel.append(math.sqrt(float(np.sum((m_sim - pred.overlap) ** 2)) / energy))
        pred_rel.append(math.sqrt(float(np.sum(pred.noise_in_V)) / energy))
    ns, nt = np.array(nsq_sim), np.array(nsq_th)
    cos = (None, None, None) if v is None else (estimate(cos_sim), estimate(cos_th),
                                                 estimate(np.array(cos_sim) - np.array(cos_th)))
    return NeuronComparison(*cos, estimate(ns), estimate(nt), estimate(ns / nt - 1), estimate(rel), estimate(pred_rel))
