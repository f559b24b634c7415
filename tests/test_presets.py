"""Paper presets (issue 17 item 3): ``OneStep.preset(name)`` builds each paper's setting with its own
``from_*`` constructor, and every method of that paper accepts it (no ``NotApplicable``)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import theory
from theory import OneStep
from theory.model.onestep import PRESETS


def test_the_four_presets_exist():
    assert set(PRESETS) == {"cui2024", "moniri2024", "ba2022", "dandi2024"}
    for text in PRESETS.values():
        assert "arXiv:" in text


def test_cui2024_is_cuis_giant_step_and_srf_accepts_it():
    s = OneStep.preset("cui2024", d=300)
    assert (s.width, s.n, s.lr, s.readout, s.init) == (300, 20 * 300, 3.0, "constant", "sphere")
    assert s == OneStep.from_cui(eta_tilde=3.0, d=300, width=300, alpha0=20.0, activation="tanh", target="sin")
    for method in ("srf", "rf", "auto"):
        r = theory.risk(s, n_ridge=600, lam=0.1, method=method)
        assert r.status == "converged" and math.isfinite(float(r.test_error))
    assert theory.risk(s, n_ridge=600, lam=0.1).method == "srf"  # auto picks the paper's regime
    assert s.spikes().spikes and 0 < s.learned_overlap().cos <= 1


def test_moniri2024_is_accepted_by_moniris_risk_and_spikes():
    s = OneStep.preset("moniri2024", d=300)
    assert 0 < s.moniri_alpha < 0.5
    assert s.residual == "labels" and s.readout == "gaussian"
    assert math.isclose(s.effective_output_scale, 1 / math.sqrt(s.width))
    r = theory.risk(s, n_ridge=600, lam=0.1, method="moniri")
    assert r.status == "converged" and math.isfinite(float(r.test_error))
    assert theory.risk(s, n_ridge=600, lam=0.1).method == "moniri"
    s.spikes()


def test_ba2022_is_accepted_by_bas_risk_and_weight_spike():
    s = OneStep.preset("ba2022", d=400)
    assert (s.width, s.n, s.noise_var, s.readout, s.init) == (200, 800, 0.0625, "gaussian", "gaussian")
    assert math.isclose(s.lr, 1.0 / math.sqrt(200))  # Ba's eta = 1 is tau = eta / sqrt(N)
    r = theory.risk(s, n_ridge=800, lam=0.1, method="ba")
    assert r.status == "converged" and math.isfinite(float(r.test_error))
    w = s.weight_spike()
    assert 0 <= w.overlap_sq <= 1


def test_dandi2024_is_accepted_by_the_giant_step_laws():
    s = OneStep.preset("dandi2024", d=400)
    assert s.is_multi_index and s.target.r == 2 and s.readout == "symmetric"
    assert (s.n, s.lr) == (1600, 2.0)  # ell = 1: n = 4 d, tau = eta0
    law = theory.alignment_law(s)
    assert np.allclose(law.v_star, [2 ** -0.5, 2 ** -0.5])  # the two directions enter symmetrically
    assert -1 <= law.cosine(1.0) <= 1
    # E g^2 = (2 E h^2)/4 with E h^2 = 1 + 2/4 + 24/24^2; the linear part (z1 + z2)/2 explains 1/2
    floor = theory.error_floor(s.target, None)
    assert math.isclose(floor.second_moment, 37 / 48) and math.isclose(floor.value, 37 / 48 - 1 / 2)


def test_from_dandi_default_target_is_multi_index():
    s = OneStep.from_dandi(eta0=1.0, d=100, width=10, ell=1)
    assert s.is_multi_index
    theory.alignment_law(s)


def test_preset_changes_and_bad_names():
    s = OneStep.preset("cui2024", d=200, lr=1.0, target="tanh")
    assert s.lr == 1.0 and s.target.name == "tanh" and s.d == 200
    with pytest.raises(ValueError, match="preset"):
        OneStep.preset("cui2023")
    with pytest.raises(ValueError, match="d"):
        OneStep.preset("cui2024", d=-1)


def test_preset_sizes_enter_the_constructor():
    s = OneStep.preset("moniri2024", d=300, width=150, n=600)
    assert (s.width, s.n) == (150, 600) and math.isclose(s.moniri_alpha, 0.3)  # lr recomputed at these sizes
    s = OneStep.preset("cui2024", d=300, n=3000)
    assert s.sample_ratio == 10 and s.lr == 3.0
