"""The simulator's step measures against an independent recomputation of the same trial (issue 13, item 6).

A mutant of ``validation/simulate.py`` reporting a squared readout overlap of 5.4 passed the earlier tests.
Here trial 0 of :func:`validation.simulate` is rebuilt from its documented streams (``W0`` and ``s`` from
:func:`draw_initial`, the step batch from the roles ``step``/``noise``) and the step is written out in plain
numpy from the module docstring (:math:`W_1 = W_0 + \\tau\\,\\mathrm{diag}(s)G`,
:math:`G = \\frac1n(\\sigma'(XW_0^\\top)\\odot r)^\\top X`, :math:`r = y - f_0(X)`, and with ``center_labels``
:math:`y \\to y - \\bar y - XB`, :math:`B = X^\\top y/n`); the top singular triple comes from a dense SVD
(the simulator uses Lanczos). Squared overlaps of unit vectors must lie in [0, 1].
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import theory
import validation
from validation.seeding import as_seed_sequence, role_generator, trial_sequence
from validation.simulate import draw_data, draw_initial

MEASURES = ("overlap", "weight_spike")


def _reference(setup, seed, t, center):
    tseq = trial_sequence(as_seed_sequence(seed), t)
    ini = draw_initial(setup, tseq)
    W0, s = ini.W0, ini.s
    X, y, _ = draw_data(setup, int(setup.n), role_generator(tseq, "step", 0), role_generator(tseq, "noise", 0))
    n = X.shape[0]
    if center:
        y = y - y.mean() - X @ (X.T @ y / n)
    pre = X @ W0.T
    f0 = setup.effective_output_scale * (np.tanh(pre) @ s)
    r = y - f0 if setup.residual == "full" else y
    G = ((1.0 - np.tanh(pre) ** 2) * r[:, None]).T @ X / n
    W1 = W0 + setup.lr * s[:, None] * G
    beta = X.T @ r / n
    U, S, Vt = np.linalg.svd(W1, full_matrices=False)
    u1, v1 = U[:, 0], Vt[0]
    bh = beta / np.linalg.norm(beta)
    return dict(beta_norm_sq=float(beta @ beta), beta_cos=float(beta[0] / np.linalg.norm(beta)),
                w1_top_singular_value=float(S[0]), w1_overlap_target_sq=float(v1[0] ** 2),
                w1_overlap_beta_sq=float((v1 @ bh) ** 2), w1_overlap_readout_sq=float((u1 @ s) ** 2 / (s @ s)))


@pytest.mark.parametrize("readout, lr, center", [("gaussian", 4.0, False), ("constant", 6.0, False),
                                                 ("rademacher", 4.0, True)])
def test_step_measures_equal_an_independent_recomputation(readout, lr, center):
    setup = theory.OneStep(activation="tanh", target="tanh", d=60, width=40, n=240, lr=lr, readout=readout,
                           noise_var=0.1)
    sim = validation.simulate(setup, trials=2, seed=11, measures=MEASURES, dtype=np.float64, center_labels=center)
    for t, rec in enumerate(sim.records):
        ref = _reference(setup, 11, t, center)
        for key, val in ref.items():
            assert rec[key] == pytest.approx(val, rel=1e-7, abs=1e-10), key
        for key in ("w1_overlap_target_sq", "w1_overlap_beta_sq", "w1_overlap_readout_sq"):
            assert 0.0 <= rec[key] <= 1.0 + 1e-12, key
        assert -1.0 - 1e-12 <= rec["beta_cos"] <= 1.0 + 1e-12


def test_centring_removes_the_mean_and_linear_part_of_the_step():
    # tanh target, odd, plus a constant: with centring the step sees y - A - XB, whose linear part is
    # X^T(y - A - XB)/n = (I - X^T X/n) B - A X^T 1/n, so |beta|^2 is far below the uncentred value
    # (mu_1^2 of tanh is 0.37); the independent recomputation above gives the exact number.
    setup = theory.OneStep(activation="tanh", target="tanh", d=60, width=40, n=240, lr=4.0, readout="gaussian")
    on = validation.simulate(setup, trials=1, seed=3, measures=("overlap",), dtype=np.float64, center_labels=True)
    off = validation.simulate(setup, trials=1, seed=3, measures=("overlap",), dtype=np.float64)
    assert on.records[0]["beta_norm_sq"] < 0.5 * off.records[0]["beta_norm_sq"]
    assert on.records[0]["beta_norm_sq"] == pytest.approx(_reference(setup, 3, 0, True)["beta_norm_sq"], rel=1e-7)


def test_readout_overlap_is_one_when_the_spike_dominates():
    # Ba et al. (arXiv:2205.01445) Prop. 2: W1 = W0 + tau mu_1 s beta^T / ... + small; for a step much larger
    # than |W0|_op (about 1 + sqrt(width/d)) the top left singular vector is s/|s| up to O(|W0|/spike)
    setup = theory.OneStep(activation="tanh", target="identity", d=80, width=80, n=1500, lr=400.0,
                           readout="gaussian", residual="labels")
    rec = validation.simulate(setup, trials=1, seed=5, measures=("weight_spike",), dtype=np.float64).records[0]
    assert rec["w1_overlap_readout_sq"] == pytest.approx(1.0, abs=0.02)
    rec0 = validation.simulate(setup.with_(lr=0.0), trials=1, seed=5, measures=("weight_spike",),
                               dtype=np.float64).records[0]
    assert rec0["w1_overlap_readout_sq"] < 0.3  # W0 alone: u1 is unrelated to s (about 1/width on average)
    assert math.isfinite(rec0["w1_top_singular_value"])
