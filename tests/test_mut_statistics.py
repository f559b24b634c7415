"""E y^4 with label noise, and the multi-index target statistics, against exact Gaussian moments (issue 13, item 6).

``theory/model/statistics.py::_target_fourth``: :math:`y = f(z) + \\sqrt\\Delta\\,\\varepsilon` gives
:math:`E y^4 = E f^4 + 6\\Delta E f^2 + 3\\Delta^2`. References by hand: :math:`f = He_2 = z^2 - 1`:
:math:`E f^2 = 2`, :math:`E f^4 = E z^8 - 4E z^6 + 6E z^4 - 4E z^2 + 1 = 105 - 60 + 18 - 4 + 1 = 60`;
:math:`f = |z|`: :math:`E f^2 = 1`, :math:`E f^4 = 3`. For a multi-index target the library uses the Gaussian
value :math:`3(E y^2)^2`, exact when :math:`y` is Gaussian, i.e. for a linear target
:math:`y = z_1 + 2z_2` (:math:`E y^2 = 5 + \\Delta`).
"""

from __future__ import annotations

import math

import pytest

import theory
from theory.model.statistics import step_statistics
from theory.multi_index.targets import MultiIndexTarget


@pytest.mark.parametrize("target, ef2, ef4", [("z**2 - 1", 2.0, 60.0), ("abs", 1.0, 3.0)])
@pytest.mark.parametrize("noise_var", [0.0, 0.5, 2.0])
def test_fourth_moment_of_noisy_labels(target, ef2, ef4, noise_var):
    s = theory.OneStep(activation="relu", target=target, d=100, width=50, n=400, lr=1.0, noise_var=noise_var,
                       residual="labels", readout="gaussian")
    st = step_statistics(s)
    assert st.target_second == pytest.approx(ef2 + noise_var, rel=1e-10)
    assert st.target_fourth == pytest.approx(ef4 + 6 * noise_var * ef2 + 3 * noise_var**2, rel=1e-10)
    # on the labels, r = y: the residual's fourth moment is the target's
    assert st.residual_fourth == pytest.approx(st.target_fourth, rel=1e-12)


@pytest.mark.parametrize("noise_var", [0.0, 0.7])
def test_multi_index_linear_target_is_gaussian(noise_var):
    t = MultiIndexTarget("z1 + 2*z2", 2)
    s = theory.OneStep(activation="relu", target=t, d=100, width=50, n=400, lr=1.0, noise_var=noise_var,
                       residual="labels", readout="gaussian")
    st = step_statistics(s)
    assert st.target_second == pytest.approx(5.0 + noise_var, rel=1e-10)
    assert st.target_fourth == pytest.approx(3 * (5.0 + noise_var) ** 2, rel=1e-10)
    assert st.target_mean == pytest.approx(0.0, abs=1e-12)
    assert st.signal == pytest.approx(math.sqrt(5.0), rel=1e-10)  # |C_1| = |(1, 2)|


def test_multi_index_target_with_a_mean():
    # y = 1 + z1 z2: E y = 1, E y^2 = 1 + 1 = 2, C_1 = 0 (no signal in the first step)
    t = MultiIndexTarget("1 + z1*z2", 2)
    st = step_statistics(theory.OneStep(activation="relu", target=t, d=100, width=50, n=400, lr=1.0,
                                        residual="labels", readout="gaussian"))
    assert st.target_mean == pytest.approx(1.0, rel=1e-10)
    assert st.target_second == pytest.approx(2.0, rel=1e-10)
    assert st.signal == pytest.approx(0.0, abs=1e-12)
