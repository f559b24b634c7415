"""Multi-index targets and their Hermite tensors (docs/theory/giant_step.md#hermite-tensors)."""

import itertools
import math

import numpy as np
import pytest
import sympy

import theory
from theory.multi_index.tensors import (
    gaussian_moment,
    hermite_tensors,
    second_moment,
    tensor_hermite_polynomial,
    tensor_hermite_values,
)
from theory.multi_index.targets import MultiIndexTarget, target_symbols


def _moment_of_poly(expr, syms):
    """E[expr] for x ~ N(0, I) by expanding into monomials (independent of the Stein route)."""
    p = sympy.Poly(sympy.expand(expr), *syms)
    return sum(c * math.prod(gaussian_moment(a) for a in mon) for mon, c in p.terms())


def _hermite_tensor_entry(idx, syms):
    """He_k(x)_idx = (-1)^k e^{|x|^2/2} d_idx e^{-|x|^2/2}, straight from the definition."""
    w = sympy.exp(-sum(s**2 for s in syms) / 2)
    d = w
    for i in idx:
        d = sympy.diff(d, syms[i])
    return sympy.simplify((-1) ** len(idx) * d / w)


@pytest.mark.parametrize("expr, r", [("z1 + z1*z2", 2), ("z1**3*z2 - 2*z1*z2**2 + 5", 2), ("z1*z2*z3 + z3**2", 3)])
def test_exact_tensor_matches_definition(expr, r):
    # C_k[idx] = E[g He_k(x)_idx], He_k from the Rodrigues-type definition, moments by expansion.
    t = MultiIndexTarget(expr, r)
    syms = target_symbols(r)
    for k in range(0, 4):
        C = theory.hermite_tensor(t, k, exact=True)
        for idx in itertools.product(range(r), repeat=k):
            ref = _moment_of_poly(t.expr * _hermite_tensor_entry(idx, syms), syms)
            got = C[idx] if k else C[()]
            assert sympy.simplify(got - ref) == 0, (k, idx)


def test_notes_examples():
    b = sympy.Rational(3, 7)
    t = MultiIndexTarget(sympy.hermite_prob(2, sympy.Symbol("z1")) + b * sympy.hermite_prob(2, sympy.Symbol("z2")), 2)
    assert theory.hermite_tensor(t, 2, exact=True).tolist() == [[2, 0], [0, 2 * b]]
    assert not np.any(theory.hermite_tensor(t, 1)) and float(theory.hermite_tensor(t, 0)) == 0
    # z1 z2 z3: C1 = C2 = 0, C3 = symmetrised e1 x e2 x e3 (entry 1 on the permutations of (0, 1, 2)).
    c3 = theory.hermite_tensor(MultiIndexTarget("z1*z2*z3", 3), 3)
    ref = np.zeros((3, 3, 3))
    for p in itertools.permutations(range(3)):
        ref[p] = 1.0
    assert np.array_equal(c3, ref)
    # Example 1 of the notebook (docs/theory/giant_step.md#staircase): C1 = (2, 1/2).
    e1 = MultiIndexTarget("(4*z1 + z1**2 + z2)/2", 2)
    assert theory.hermite_tensor(e1, 1, exact=True).tolist() == [2, sympy.Rational(1, 2)]


@pytest.mark.parametrize("expr, r", [("z1 + z1*z2 + He(4, z2)/24", 2), ("z1*z2*z3 - z1**2*z3 + 2", 3)])
def test_hermite_expansion_reconstructs_and_parseval(expr, r):
    t = MultiIndexTarget(expr, r)
    syms = target_symbols(r)
    ts = hermite_tensors(t, t.degree)
    recon = sum(tensor_hermite_polynomial(C, syms) / sympy.factorial(k) for k, C in enumerate(ts.exact))
    assert sympy.expand(recon - t.expr) == 0
    parseval = sum(sum(sympy.Array(C).applyfunc(lambda v: v**2)._array if C.rank() else [C[()] ** 2]) / sympy.factorial(k)
                   for k, C in enumerate(ts.exact))
    assert sympy.simplify(parseval - second_moment(t, exact=True)) == 0
    assert second_moment(t, exact=True) == _moment_of_poly(t.expr**2, syms)


def test_tensor_hermite_values_match_symbolic():
    C = np.array([[[0.0, 1.0], [1.0, 2.0]], [[1.0, 2.0], [2.0, -1.0]]])
    x = target_symbols(2)
    poly = tensor_hermite_polynomial(sympy.Array(C.tolist()), x)
    Z = np.array([[0.3, -1.2], [2.0, 0.5], [-1.0, 1.0]])
    ref = [float(poly.subs({x[0]: a, x[1]: b})) for a, b in Z]
    assert np.allclose(tensor_hermite_values(C, Z), ref, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("r", [1, 2, 3])
def test_numeric_tensors_closed_form_exp_and_cos(r):
    # g = exp(a.x): C_k = a^{(x)k} exp(|a|^2/2); g = cos(a.x): C_k = a^{(x)k} Re(i^k) exp(-|a|^2/2).
    a = np.array([0.6, -0.3, 0.45])[:r]
    t_exp = MultiIndexTarget(lambda Z: np.exp(Z @ a), r)
    t_cos = MultiIndexTarget(lambda Z: np.cos(Z @ a), r)
    res_e, res_c = hermite_tensors(t_exp, 4), hermite_tensors(t_cos, 4)
    assert res_e.method == "quadrature"
    for k in range(5):
        ak = a
        for _ in range(k - 1):
            ak = np.multiply.outer(ak, a)
        ak = np.array(1.0) if k == 0 else ak
        ref_e = ak * math.exp(a @ a / 2)
        ref_c = ak * (1j**k).real * math.exp(-(a @ a) / 2)
        err_e = np.abs(res_e.values[k] - ref_e)
        err_c = np.abs(res_c.values[k] - ref_c)
        assert np.all(err_e <= res_e.error_estimate[k] + 1e-300), k
        assert np.all(err_c <= res_c.error_estimate[k] + 1e-300), k
        assert np.max(err_e) < 1e-11 and np.max(err_c) < 1e-11
    m2, m2_err = second_moment(t_exp)
    assert abs(m2 - math.exp(2 * a @ a)) <= m2_err + 1e-15 * m2


def test_numeric_path_agrees_with_exact_path():
    t = MultiIndexTarget("z1 + z1*z2 - He(3, z2)/6", 2)
    u = MultiIndexTarget(lambda Z: t(Z), 2)
    ex, nu = hermite_tensors(t, 4), hermite_tensors(u, 4)
    for k in range(5):
        assert np.all(np.abs(ex.values[k] - nu.values[k]) <= nu.error_estimate[k] + 1e-300)


def test_without_low_orders_exact_and_numeric():
    t = MultiIndexTarget("1 + 2*z1 + z1*z2 + He(2, z2)", 2)
    c = t.without_low_orders(2)
    assert sympy.expand(c.expr - (t.expr - 1 - 2 * sympy.Symbol("z1"))) == 0
    assert float(theory.hermite_tensor(c, 0)) == 0 and not np.any(theory.hermite_tensor(c, 1))
    assert np.array_equal(theory.hermite_tensor(c, 2), theory.hermite_tensor(t, 2))
    u = MultiIndexTarget(lambda Z: t(Z), 2).without_low_orders(3)
    Z = np.array([[0.5, -1.0], [2.0, 1.5]])
    ref = t(Z) - 1 - 2 * Z[:, 0] - (Z[:, 0] * Z[:, 1] + Z[:, 1] ** 2 - 1)  # orders 0, 1, 2 removed
    assert np.allclose(u(Z), ref, atol=1e-11)


def test_evaluation_shapes_and_strings():
    t = MultiIndexTarget("He(2, z1) + sin(z2)", 2, noise_var=0.25, name="mix")
    assert not t.is_polynomial and t.degree is None and t.name == "mix"
    Z = np.arange(12.0).reshape(2, 3, 2) / 10
    assert t(Z).shape == (2, 3)
    assert np.allclose(t(Z), Z[..., 0] ** 2 - 1 + np.sin(Z[..., 1]))
    assert MultiIndexTarget(3, 2)(np.zeros((4, 2))).tolist() == [3.0] * 4
    assert t.to_dict()["noise_var"] == 0.25
    z1 = sympy.Symbol("z1", real=True)  # symbols with assumptions are matched by name
    assert MultiIndexTarget(z1**2, 1) == MultiIndexTarget("z1**2", 1)


@pytest.mark.parametrize(
    "args, kw, exc, match",
    [
        (("z1", 0), {}, ValueError, "r must be an integer >= 1"),
        (("z1", 1.5), {}, TypeError, "r must be an integer"),
        (("z1 + x", 2), {}, ValueError, "the name 'x' at column 6 is not allowed; allowed: numbers, the variables z1, z2"),
        (("z1 + z3", 2), {}, ValueError, "needs r >= 3"),
        (("z1 +* 2", 1), {}, ValueError, "not a valid expression at column 5"),
        ((lambda Z: Z[:, 5], 2), {}, TypeError, "calling it failed"),
        ((lambda Z: Z, 2), {}, ValueError, "returned shape"),
        ((lambda Z: np.log(Z[:, 0]), 1), {}, ValueError, "NaN or inf"),
        ((object(), 1), {}, TypeError, "expr_or_callable must be"),
        (("z1", 1), {"noise_var": -1}, ValueError, "noise_var"),
    ],
)
def test_bad_input(args, kw, exc, match):
    with pytest.raises(exc, match=match):
        MultiIndexTarget(*args, **kw)


def test_bad_tensor_arguments():
    t = MultiIndexTarget("z1*z2", 2)
    with pytest.raises(TypeError, match="k must be an integer"):
        theory.hermite_tensor(t, 1.5)
    with pytest.raises(ValueError, match="k must be an integer >= 0"):
        theory.hermite_tensor(t, -1)
    with pytest.raises(TypeError, match="target must be a theory.MultiIndexTarget"):
        theory.hermite_tensor("z1*z2", 2)
    with pytest.raises(ValueError, match="exact=True needs a polynomial"):
        theory.hermite_tensor(MultiIndexTarget("sin(z1)", 1), 1, exact=True)
    with pytest.raises(ValueError, match="r <= 4"):
        theory.hermite_tensor(MultiIndexTarget(lambda Z: Z.sum(1), 5), 1)
    with pytest.raises(ValueError, match="Z must have shape"):
        t(np.zeros((3, 3)))


def test_onestep_accepts_multi_index_target():
    t = MultiIndexTarget("z1 + z1*z2", 2, noise_var=0.1)
    s = theory.OneStep(activation="relu", target=t, d=100, width=50, n=200, lr=1.0, readout="symmetric")
    assert s.is_multi_index and s.target is t and s.noise_var == 0.1
    assert s.to_dict()["target"]["expr"] == "z1*z2 + z1"
    assert not theory.OneStep(target="tanh").is_multi_index
    with pytest.raises(ValueError, match="disagree"):
        theory.OneStep(target=t, noise_var=0.2)
    assert theory.OneStep(target=t, noise_var=0.1).noise_var == 0.1
