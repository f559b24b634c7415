"""The staircase's fixed point when fewer steps than directions are asked for (issue 13, item 6).

``staircase(target, steps)`` iterates the recursion of conditional first Hermite coefficients
(``docs/theory/giant_step.md#staircase``) to its fixed point even when ``steps < r``; the existing tests ask
for ``steps >= r`` only. References, independent of the library: for
:math:`y = g(z_1) + g(z_1)z_2 + z_1z_2z_3` the conditional coefficients are, step by step,
:math:`E[y z_1] = E g'`, :math:`E[y z_2\\mid z_1] = g(z_1)` and :math:`E[y z_3\\mid z_1, z_2] = z_1z_2`, so the
new strengths are :math:`|E g'|`, :math:`\\sqrt{E g^2}` and :math:`\\sqrt{E z_1^2z_2^2} = 1`; the fixed point is
all three directions whatever the number of steps asked for.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from theory.multi_index.subspaces import staircase
from theory.multi_index.targets import MultiIndexTarget


def _gauss(f):
    z, w = np.polynomial.hermite_e.hermegauss(80)
    return float(w @ f(z)) / math.sqrt(2.0 * math.pi)


CASES = [
    # exact path (rational polynomial): g(z) = z, E g' = 1, E g^2 = 1
    ("z1 + z1*z2 + z1*z2*z3", 1.0, 1.0, True),
    # quadrature path: g = tanh, E tanh' = E[z tanh z], E tanh^2
    ("tanh(z1) + tanh(z1)*z2 + z1*z2*z3", _gauss(lambda z: 1 - np.tanh(z) ** 2),
     math.sqrt(_gauss(lambda z: np.tanh(z) ** 2)), False),
]


@pytest.mark.parametrize("expr, first, second, exact", CASES, ids=["exact", "quadrature"])
def test_fixed_point_and_strengths_with_fewer_steps_than_directions(expr, first, second, exact):
    t = MultiIndexTarget(expr, 3)
    for steps in (1, 2):
        s = staircase(t, steps)
        assert s.exact is exact
        assert list(s) == [1, 2][:steps] and len(s) == steps
        assert s.fixed_point_dim == 3 and s.is_staircase  # the fixed point does not depend on `steps`
        assert [float(x[0]) for x in s.new_strengths] == pytest.approx([first, second][:steps], rel=1e-6)
    full = staircase(t, 4)
    assert list(full) == [1, 2, 3, 3] and full.fixed_point_dim == 3
    assert [x.size for x in full.new_strengths] == [1, 1, 1, 0]
    assert float(full.new_strengths[2][0]) == pytest.approx(1.0, rel=1e-6)
    # the subspaces are nested coordinate subspaces: U_1 = span(e1), U_2 = span(e1, e2)
    assert np.allclose(full.subspaces[0].projector, np.diag([1.0, 0, 0]), atol=1e-8)
    assert np.allclose(full.subspaces[1].projector, np.diag([1.0, 1.0, 0]), atol=1e-8)
    U2 = full.subspaces[1]
    assert U2.dim == 2 and U2.r == 3 and U2.exact is exact
    assert U2.strengths.tolist() == pytest.approx([first, second], rel=1e-6)
    assert U2.span == ((("1", "0", "0"), ("0", "1", "0")) if exact else None)
    assert full.subspaces[3].dim == 3 and full.subspaces[3].strengths.tolist() == pytest.approx([first, second, 1.0],
                                                                                                 rel=1e-6)


def test_a_stalled_staircase_has_its_fixed_point_below_r_with_one_step():
    # z1 + z2*z3: after z1 nothing has a conditional first coefficient (E[y z2 | z1] = 0), U_inf = span(e1)
    for steps in (1, 3):
        s = staircase(MultiIndexTarget("z1 + z2*z3", 3), steps)
        assert s.fixed_point_dim == 1 and not s.is_staircase
