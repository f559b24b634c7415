"""Closed forms of the step's statistics with a centred (Gaussian) readout and the full residual.

Written to kill mutants that survived ``scripts/mutation_score.py`` (``docs/validation/mutation.md``):
the existing tests use the constant readout or ``residual="labels"``, where the initial network's
fluctuation terms vanish. Here ReLU on the identity target with Gaussian readout values, whose moments are
known exactly: :math:`\\mu_0 = 1/\\sqrt{2\\pi}`, :math:`\\mu_1 = 1/2`, :math:`E\\sigma^2 = 1/2`,
:math:`E y = 0`, :math:`E y^2 = 1`, :math:`E y^4 = 3`, :math:`E s = 0`, :math:`E s^2 = 1`. With
:math:`c` the output scale, :math:`q = c^2 N` and, since :math:`f_0` is centred and independent of
:math:`y`, :math:`E r^2 = E y^2 + E f_0^2 = 1 + q/2` (``theory/model/statistics.py`` module docstring).
"""

from __future__ import annotations

import math

import pytest

import theory
from theory.model.statistics import step_statistics


@pytest.mark.parametrize("width, n", [(4, 1600), (50, 800)])
def test_gaussian_readout_full_residual_closed_forms(width, n):
    s = theory.OneStep(activation="relu", target="identity", d=400, width=width, n=n, lr=2.0, readout="gaussian")
    assert s.residual == "full"
    st = step_statistics(s)
    c, phi = s.effective_output_scale, n / 400
    q = c * c * width
    er2 = 1.0 + q / 2
    rel = dict(rel=1e-10)
    assert st.f0_norm_sq == pytest.approx(q, **rel)
    assert st.f0_mean == pytest.approx(0.0, abs=1e-15)
    assert st.f0_mean_sq == pytest.approx(q, **rel)  # E S1^2 = c^2 N Var s
    assert st.residual_mean == pytest.approx(0.0, abs=1e-12)
    assert st.residual_second == pytest.approx(er2, **rel)
    assert st.norm_sq == pytest.approx(1.0 + q / 4 + er2 / phi, **rel)  # mu1*^2 + mu1^2 q + E r^2 / phi
    assert st.b_norm_sq == pytest.approx(1.0 + er2 / phi, **rel)
    assert st.gamma == pytest.approx(1.0 / math.sqrt(1.0 + er2 / phi), **rel)
    assert st.target_fourth == pytest.approx(3.0, **rel)
    assert st.residual_fourth == pytest.approx(3.0 * er2**2, **rel)
    assert st.f0_mean_value == 0.0
    assert st.f0_fluctuation == pytest.approx(c * math.sqrt(width * (0.5 - 1 / (2 * math.pi))), **rel)
    assert st.residual_second_mean_field == pytest.approx(1.0, **rel)
    assert st.u_norm == pytest.approx(math.sqrt(1.0 + 1.0 / phi), **rel)
    # ReLU: Var sigma' = 1/4; E r = 0 so the self-move vanishes and c_bar = 1 + tau^2 E r^2 Var sigma' / phi
    assert st.isotropic == pytest.approx(er2 * 0.25 / phi, **rel)
    assert st.bulk_variance == pytest.approx(1.0 + 4.0 * er2 * 0.25 / phi, **rel)
