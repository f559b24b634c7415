"""Learnable subspaces, leap index and staircase (docs/theory/giant_step.md#hermite-tensors)."""

import numpy as np
import pytest
import sympy

import theory
from theory.multi_index.targets import MultiIndexTarget
from theory.multi_index.subspaces import as_subspace, leap_index, learnable_subspace, staircase


def _numeric(t):
    return MultiIndexTarget(lambda Z, t=t: t(Z), t.r, name="numeric " + t.name)


# ---------------------------------------------------------------- acceptance examples (issue 7), exact
def test_z1z2z3_needs_ell_3():
    t = MultiIndexTarget("z1*z2*z3", 3)
    assert [learnable_subspace(t, ell).dim for ell in (1, 2, 3)] == [0, 0, 3]
    li = leap_index(t)
    assert (li.spanning, li.first_nonzero, li.exact) == (3, 3, True)
    assert list(staircase(t, 3)) == [0, 0, 0]


def test_sum_of_he2_learned_at_ell_2():
    t = MultiIndexTarget("He(2, z1) + He(2, z2)", 2)
    assert learnable_subspace(t, 1).dim == 0
    U = learnable_subspace(t, 2)
    assert U.dim == 2 and U.is_full and np.allclose(U.projector, np.eye(2))
    # strengths: singular values of C_2 / sqrt(1!) = 2, 2
    assert np.allclose(U.strengths, [2.0, 2.0])
    assert leap_index(t).spanning == 2


def test_z1_plus_z1z2_climbs_in_two_steps():
    s = staircase(MultiIndexTarget("z1 + z1*z2", 2), 3)
    assert list(s) == [1, 2, 2] and s.is_staircase and s.exact
    assert np.allclose(np.abs(s.subspaces[0].basis[:, 0]), [1, 0])
    assert len(s) == 3 and s[1] == 2 and s == [1, 2, 2] and s == (1, 2, 2) and s != [1, 1, 1]
    assert s == staircase(MultiIndexTarget("z1 + z1*z2", 2), 3)


@pytest.mark.parametrize("expr, r", [("z1 + He(2, z2)", 2), ("z1 + z2*z3", 3)])
def test_not_staircase_stays_at_one_direction(expr, r):
    t = MultiIndexTarget(expr, r)
    s = staircase(t, 4)
    assert list(s) == [1, 1, 1, 1] and not s.is_staircase and s.fixed_point_dim == 1
    # ... but one step at n = d^2 learns every direction (reading (a) = 2, reading (b) = 1)
    li = leap_index(t)
    assert (li.spanning, li.first_nonzero) == (2, 1)


def test_three_step_staircase_from_notes():
    s = staircase(MultiIndexTarget("z1 + z1*z2 + z1*z2*z3", 3), 3)
    assert list(s) == [1, 2, 3]
    assert np.allclose(np.abs(s.subspaces[-1].basis), np.eye(3))  # learns e1, e2, e3 in this order


def test_weak_link_of_example_1_and_example_2():
    # docs/theory/giant_step.md#staircase, Example 1: c_1(u) = (4/17) u along v_perp, so the new direction has strength 4/17 (E u^2 = 1);
    # C_1 = (2, 1/2) gives the first strength |C_1| = sqrt(17)/2.
    s = staircase(MultiIndexTarget("(4*z1 + z1**2 + z2)/2", 2), 2)
    assert np.allclose(s.new_strengths[0], [np.sqrt(17) / 2]) and np.allclose(s.new_strengths[1], [4 / 17])
    v_perp = np.array([1.0, -4.0]) / np.sqrt(17)
    assert abs(abs(s.subspaces[1].basis[:, 1] @ v_perp) - 1) < 1e-12
    # Example 2: y = u/sqrt2 + u s, c_1(u) = u: strength 1.
    s2 = staircase(MultiIndexTarget("(z1 + z1**2 + z2 - z2**2)/2", 2), 2)
    assert np.allclose(s2.new_strengths[1], [1.0])
    # Stairway-figure target (h on z1, z2): even in s given u, stuck on v*.
    h = "He(1, {z}) + He(2, {z})/2 + He(4, {z})/24"
    stuck = MultiIndexTarget(f"({h.format(z='z1')} + {h.format(z='z2')})/2", 2)
    assert list(staircase(stuck, 3)) == [1, 1, 1]


@pytest.mark.parametrize(
    "expr, r",
    [("z1 + z1*z2", 2), ("(4*z1 + z1**2 + z2)/2", 2), ("z1 + z2*z3", 3), ("z1*z2*z3", 3), ("He(2, z1) + He(2, z2)", 2)],
)
def test_numeric_path_agrees_with_exact(expr, r):
    t = MultiIndexTarget(expr, r)
    u = _numeric(t)
    se, sn = staircase(t, r), staircase(u, r)
    assert list(se) == list(sn) and not sn.exact
    for a, b in zip(se.new_strengths, sn.new_strengths):
        assert np.allclose(a, b, rtol=1e-9, atol=1e-12)
    for ell in (1, 2, 3):
        assert learnable_subspace(t, ell).dim == learnable_subspace(u, ell).dim
        assert np.allclose(learnable_subspace(t, ell).projector, learnable_subspace(u, ell).projector, atol=1e-10)
    assert leap_index(u, kmax=3).dims == leap_index(t, kmax=3).dims


def test_rotation_covariance_exact_and_numeric():
    # g(z) = h(Rz) with h = x1 + x1 x2 and a rational rotation R: U_1 = span(R^T e1), U_2 = R^2.
    R = sympy.Matrix([[sympy.Rational(3, 5), sympy.Rational(4, 5)], [sympy.Rational(-4, 5), sympy.Rational(3, 5)]])
    z = sympy.Matrix(sympy.symbols("z1 z2"))
    x = R * z
    t = MultiIndexTarget(sympy.expand(x[0] + x[0] * x[1]), 2)
    s = staircase(t, 2)
    assert list(s) == [1, 2]
    assert s.subspaces[0].span == (("3/5", "4/5"),)
    Rf = np.array(R.tolist(), dtype=float)
    u = MultiIndexTarget(lambda Z: (Z @ Rf.T)[:, 0] * (1 + (Z @ Rf.T)[:, 1]), 2)
    U1 = staircase(u, 1).subspaces[0]
    assert np.allclose(U1.projector, np.outer(Rf[0], Rf[0]), atol=1e-10)


def test_non_polynomial_targets():
    # tanh(z1) + tanh(z1) z2 is a staircase; cos(z1) + z2^2 has C_1 = 0 and nothing is learned at n = O(d).
    t = MultiIndexTarget(lambda Z: np.tanh(Z[:, 0]) * (1 + Z[:, 1]), 2)
    assert list(staircase(t, 2)) == [1, 2]
    even = MultiIndexTarget("cos(z1) + z2**2", 2)
    assert not even.is_polynomial
    assert list(staircase(even, 2)) == [0, 0]
    li = leap_index(even, kmax=3)
    assert (li.spanning, li.first_nonzero, li.exact) == (2, 2, False)


def test_target_ignoring_a_direction_never_spans():
    t = MultiIndexTarget("z1 + z1**3", 2)
    li = leap_index(t)
    assert li.spanning is None and li.first_nonzero == 1 and li.dims == (1, 1, 1)


def test_only_order_and_float_coefficients():
    t = MultiIndexTarget("z1 + He(2, z2)", 2)
    assert np.allclose(np.abs(learnable_subspace(t, 2, only_order=True).basis[:, 0]), [0, 1])
    tf = MultiIndexTarget("0.5*z1 + 0.25*z1*z2", 2)  # float coefficients: decided numerically
    assert not tf.is_rational and list(staircase(tf, 2)) == [1, 2] and not staircase(tf, 2).exact


def test_bad_input():
    t = MultiIndexTarget("z1*z2", 2)
    with pytest.raises(TypeError, match="ell must be an integer"):
        learnable_subspace(t, 1.5)
    with pytest.raises(ValueError, match="ell must be an integer >= 1"):
        learnable_subspace(t, 0)
    with pytest.raises(TypeError, match="steps must be an integer"):
        staircase(t, "2")
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        staircase(t, 0)
    with pytest.raises(TypeError, match="target must be a theory.MultiIndexTarget"):
        staircase("z1*z2", 2)
    with pytest.raises(ValueError, match="shape"):
        as_subspace(np.ones((3, 1)), 2)


def test_public_names():
    t = MultiIndexTarget("z1 + z1*z2", 2)
    assert list(theory.staircase(t, 2)) == [1, 2]
    assert theory.learnable_subspace(t, 1).dim == 1
    assert theory.leap_index(t).spanning == 2
    d = theory.staircase(t, 2).to_dict()
    assert d["dims"] == [1, 2]
