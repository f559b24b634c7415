"""Error floors e*(U) and baselines (docs/theory/giant_step.md#error-floors; docs/giant_step.md §4)."""

import numpy as np
import pytest
import sympy

import theory
from theory.multi_index.floors import error_floor, error_table, kernel_error, linear_kernel_error
from theory.multi_index.targets import MultiIndexTarget
from theory.multi_index.subspaces import staircase


def _numeric(t):
    return MultiIndexTarget(lambda Z, t=t: t(Z), t.r, noise_var=t.noise_var)


def test_full_subspace_leaves_only_noise():
    t = MultiIndexTarget("z1 + z1*z2 + He(3, z2)", 2, noise_var=0.3)
    assert error_floor(t, np.eye(2)).value == pytest.approx(0.3, abs=1e-14)
    assert error_floor(t, np.eye(2), include_noise=False).value == pytest.approx(0.0, abs=1e-14)


def test_linear_kernel_error_formula():
    # E y^2 - C_0^2 - |C_1|^2, with E y^2 from Gaussian moments of y^2 (independent of the tensors).
    t = MultiIndexTarget("2 + z1 - 3*z2 + z1*z2 + z2**3", 2)
    from theory.multi_index.tensors import second_moment

    m2 = second_moment(t)[0]
    C0 = float(theory.hermite_tensor(t, 0))
    C1 = theory.hermite_tensor(t, 1)
    assert linear_kernel_error(t).value == pytest.approx(m2 - C0**2 - C1 @ C1, abs=1e-12)
    assert linear_kernel_error(t).exact is not None


def test_example_2_one_direction_buys_nothing():
    # docs/theory/giant_step.md#error-floors: for Example 2, e*(span v*) equals the linear-kernel error; the second step reaches 0.
    t = MultiIndexTarget("(z1 + z1**2 + z2 - z2**2)/2", 2)
    sc = staircase(t, 2)
    e1 = error_floor(t, sc.subspaces[0])
    assert e1.value == linear_kernel_error(t).value and e1.exact == linear_kernel_error(t).exact
    assert error_floor(t, sc.subspaces[1]).value == 0.0
    # by hand: y = u/sqrt2 + u s with u, s independent N(0,1): linear part u/sqrt2, rest u s of variance 1
    assert e1.exact == "1"


def test_exact_rotated_subspace_and_numeric_path_agree():
    # Example 1: U_1 = span((4, 1)) is rational; the exact floor must match quadrature in rotated coordinates.
    t = MultiIndexTarget("(4*z1 + z1**2 + z2)/2", 2)
    U1 = staircase(t, 1).subspaces[0]
    ex = error_floor(t, U1)
    assert ex.exact is not None and ex.error_estimate == 0
    nu = error_floor(_numeric(t), U1.basis)
    assert abs(nu.value - ex.value) <= nu.error_estimate + 1e-13 and nu.error_estimate < 1e-9
    # and by hand: y = (sqrt17/2) u + (4u+s)^2/34; E[y|u] = (sqrt17/2) u + (16u^2+1)/34; the rest
    # R = (8us + s^2 - 1)/34 has no linear part, so e* = E R^2 = (64 + 2)/34^2.
    assert sympy.nsimplify(ex.exact) == sympy.Rational(66, 34**2)


def test_kernel_baseline():
    t = MultiIndexTarget("z1*z2*z3 + He(2, z1)", 3)
    # E y^2 = 1 + 2; degree<=2 projection keeps He2(z1) (2), degree 3 everything
    assert [kernel_error(t, ell).value for ell in (1, 2, 3)] == [3.0, 1.0, 0.0]
    u = _numeric(t)
    got = kernel_error(u, 2)
    assert abs(got.value - 1.0) <= got.error_estimate + 1e-12


def test_non_polynomial_floor_against_closed_form():
    # y = tanh(z1) * z2: E[y|z1] = 0, E[y z] = (0, E tanh'(z)... ) -> C_1 = (0, E tanh) = 0, E y^2 = E tanh^2.
    t = MultiIndexTarget(lambda Z: np.tanh(Z[:, 0]) * Z[:, 1], 2)
    e = error_floor(t, [[1.0], [0.0]])
    z, w = theory.hermite.engine.gaussian_rule(())
    assert abs(e.value - w @ np.tanh(z) ** 2) <= e.error_estimate + 1e-14


def test_error_table_rows():
    t = MultiIndexTarget("z1 + z1*z2 + He(2, z3)", 3)
    tab = error_table(t, steps=3, ells=(2,))
    assert tab.values("staircase") == [3.0, 2.0, 2.0]     # He2(z3) (variance 2) is never reached by O(d) steps
    assert tab.values("giant") == [0.0]                   # n = d^2 learns all three directions
    assert tab.values("linear") == [3.0] and tab.values("kernel") == [0.0]
    assert tab.to_dict()["rows"][0]["value"]["value"] == 3.0


def test_bad_input():
    t = MultiIndexTarget("z1*z2", 2)
    with pytest.raises(ValueError, match="shape"):
        error_floor(t, np.ones((3, 1)))
    with pytest.raises(TypeError, match="include_noise must be a bool"):
        error_floor(t, None, include_noise="yes")
    with pytest.raises(TypeError, match="ell must be an integer"):
        kernel_error(t, 1.5)


def test_random_features_baseline_tends_to_linear_kernel_error():
    # ridge on sigma(W0 x): as width/d and n_ridge/width grow, the error tends to E y^2 - C0^2 - |C1|^2 + noise.
    t = MultiIndexTarget("z1 + z1*z2 + 1/2", 2, noise_var=0.25)
    errs = [float(theory.multi_index.floors.random_features_error(t, activation="relu", d=100, width=k * 100,
                                                           n_ridge=k * k * 100, lam=1e-3).test_error)
            for k in (10, 1000)]
    lin = linear_kernel_error(t).value
    assert lin == 1.25 and errs[0] > errs[1] > lin and errs[1] - lin < 2e-3
