"""The safe expression language (``theory.parse_expression``): exact values, limits, and properties.

The property tests feed random text and random grammar-built expressions to the parser: it either
returns an expression built only from allowed sympy node types or raises ``ValueError``, each
within a deadline; grammar-built expressions evaluate numerically (tree walk, no generated code)
to the value sympy's own arbitrary-precision ``evalf`` gives.
"""

from __future__ import annotations

import math
import pickle
import time
from datetime import timedelta

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import theory
from theory import check_expression, numeric_function, parse_expression
from theory.hermite.expressions import LIMITS

z, z1, z2, z3 = sp.symbols("z z1 z2 z3")
SETTINGS = dict(deadline=timedelta(seconds=3), database=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


# ----------------------------------------------------------------------------- exact values
@pytest.mark.parametrize("k", range(0, 12))
def test_hermite_degree_k_is_the_probabilists_polynomial(k):
    ref = sp.expand(sp.hermite_prob(k, z))
    assert parse_expression(f"He({k}, z)") == ref
    # independent check: the three-term recurrence He_{k+1} = z He_k - k He_{k-1}
    h = [sp.Integer(1), z]
    for j in range(1, k):
        h.append(sp.expand(z * h[j] - j * h[j - 1]))
    assert sp.expand(parse_expression(f"He({k}, z)") - h[k]) == 0


def test_known_expressions_are_built_exactly():
    assert parse_expression("He(3, z)") == z**3 - 3 * z
    assert parse_expression("z1 + z1*z2", 2) == z1 + z1 * z2
    assert parse_expression("1/2 + z") == sp.Rational(1, 2) + z  # exact rational, not 0.5
    assert parse_expression("-2**2 + z") == z - 4  # Python precedence: -(2**2)
    assert parse_expression("relu(z)") == sp.Max(z, 0)
    assert parse_expression("sigmoid(z)") == 1 / (1 + sp.exp(-z))
    assert parse_expression("softplus(z)") == sp.log(1 + sp.exp(z))
    assert parse_expression("abs(z) + Abs(z)") == 2 * sp.Abs(z)
    assert parse_expression("pi*z + E") == sp.pi * z + sp.E
    assert parse_expression("z**(1/2)") == sp.sqrt(z)
    assert parse_expression("He(2, z1 + z2)", 2) == sp.expand((z1 + z2) ** 2 - 1)
    assert parse_expression("0.5*z").args[0] == sp.Float(0.5)
    assert parse_expression("Max(z, 0, z - 1)") == sp.Max(z, 0)


@pytest.mark.parametrize("text", [
    "He(4, z)/24 + sin(z)*cos(2*z) - tanh(z/3)", "relu(z - 0.5) + sigmoid(2*z) + softplus(-z)",
    "erf(z/sqrt(2)) + erfc(z) + atan(z) + sinh(z/4)*cosh(z/5)", "Max(z, -z**2, 0.3) + Min(z, 1) + sign(z)",
    "exp(-z**2/2)*log(1 + z**2) + step(z) + abs(z - 1)", "gelu(z) + silu(z)", "z**3 - 3*z + 1/(1 + z**2)",
])
def test_numeric_evaluation_matches_sympy_evalf(text):
    e = parse_expression(text)
    f = numeric_function(e)
    pts = np.array([-2.7, -1.3, -0.4, 0.2, 0.9, 1.7, 3.1])
    got = f(pts)
    ref = np.array([float(e.evalf(30, subs={z: sp.Float(p, 30)})) for p in pts])
    np.testing.assert_allclose(got, ref, rtol=1e-13, atol=1e-14)


def test_softplus_is_evaluated_without_overflow():
    f = numeric_function("softplus(z)")
    np.testing.assert_allclose(f(np.array([-800.0, 0.0, 800.0])), [0.0, math.log(2.0), 800.0], rtol=1e-15, atol=1e-300)


def test_evaluation_broadcasts_and_pickles():
    f = numeric_function("z1*z2 + 1", ("z1", "z2"))
    out = f(np.arange(3.0)[:, None], np.arange(4.0)[None, :])
    assert out.shape == (3, 4) and out[2, 3] == 7.0
    g = pickle.loads(pickle.dumps(f))
    assert g(2.0, 3.0) == 7.0
    assert numeric_function("2 + 0*z")(np.zeros(5)).shape == (5,)


def test_check_expression_accepts_trusted_trees_it_can_evaluate():
    from theory.symbolic import He

    e = sp.Piecewise((z**2, z < 0), (sp.exp(-z), True)) + He(3, z)
    f = numeric_function(e)
    np.testing.assert_allclose(f(np.array([-2.0, 1.0])), [4.0 + (-8 + 6), math.exp(-1.0) + (1 - 3)], rtol=1e-15)


@pytest.mark.parametrize("expr, word", [
    (sp.gamma(z), "gamma"), (sp.Function("f")(z), "f"), (sp.I * z, "I"), (z + sp.Symbol("w"), "'w'"),
    (sp.zoo * z, "zoo"), (sp.besselj(0, z), "besselj"),
])
def test_check_expression_refuses_other_nodes(expr, word):
    with pytest.raises(ValueError, match=word):
        check_expression(expr)


# ----------------------------------------------------------------------------- limits
@pytest.mark.parametrize("text, limit", [
    ("He(101, z)", "max_hermite_degree"), ("z**101", "max_exponent"), ("z**(1/101)", "max_exponent"),
    ("(z**50)**3", "max_degree"), ("He(60, z)*He(60, z)", "max_degree"), ("9**9**9*z", "max_exponent"),
    ("(z1 + z2 + z3 + 1)**40", "max_terms"), ("10.0**99*10.0**99*10.0**99*10.0**99*z", "max_log10_constant"),
    ("z" + "+z" * 1000, "max_length"), ("+".join(["z"] * 600), "max_nodes"), ("-" * 60 + "z", "max_depth"),
    ("sin(" * 51 + "z" + ")" * 51, "max_depth"),
])
def test_each_limit_is_enforced_and_stated(text, limit):
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=str(LIMITS[limit])) as err:
        parse_expression(text, ("z", "z1", "z2", "z3"))
    assert time.perf_counter() - t0 < 1.0
    assert limit in str(err.value) or "limit" in str(err.value)


def test_limits_are_inclusive_at_the_boundary():
    assert parse_expression("He(100, z)") == sp.expand(sp.hermite_prob(100, z))
    assert parse_expression("z**100") == z**100
    assert parse_expression("+".join(["z"] * 500)) == 500 * z  # 999 syntax nodes
    assert parse_expression("(z" + " " * 1997 + ")") == z  # 2000 characters
    assert parse_expression("-" * 49 + "z") == -z  # nesting depth 50
    assert parse_expression("sin(" * 49 + "z" + ")" * 49).has(sp.sin)


# ----------------------------------------------------------------------------- properties
ALPHABET = "z123 +-*/().,_eEpi^%[]{}'\"=:<>!@#lambdaforHeexpsqrtMaxRelu9"


def _assert_allowed(e, variables):
    check_expression(e, variables)  # raises if a node type is not evaluable
    assert {s.name for s in e.free_symbols} <= set(variables)


@settings(max_examples=300, **SETTINGS)
@given(st.text(alphabet=ALPHABET, max_size=120))
def test_random_text_is_parsed_or_refused_with_valueerror(text):
    try:
        e = parse_expression(text, ("z", "z1", "z2"))
    except ValueError:
        return
    _assert_allowed(e, ("z", "z1", "z2"))


@settings(max_examples=200, **SETTINGS)
@given(st.text(max_size=80))
def test_arbitrary_unicode_is_parsed_or_refused_with_valueerror(text):
    try:
        e = parse_expression(text)
    except ValueError:
        return
    _assert_allowed(e, ("z",))


_UNARY_FUNCS = ["exp", "tanh", "sin", "cos", "erf", "atan", "relu", "sigmoid", "softplus", "abs", "sign",
                "sqrt", "log", "gelu", "silu", "sinh", "cosh", "erfc", "step"]
_leaf = st.one_of(
    st.sampled_from(["z", "z1", "z2", "pi", "E"]),
    st.integers(-9, 9).map(str),
    st.floats(-5, 5, allow_nan=False).map(lambda v: f"{v:.3g}"),
)


def _extend(children):
    return st.one_of(
        st.tuples(children, st.sampled_from("+-*/"), children).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(children, st.integers(0, 4)).map(lambda t: f"({t[0]})**{t[1]}"),
        st.tuples(st.sampled_from(_UNARY_FUNCS), children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(st.integers(0, 5), children).map(lambda t: f"He({t[0]}, {t[1]})"),
        st.tuples(st.sampled_from(["Max", "Min"]), children, children).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        children.map(lambda c: f"-{c}"),
    )


grammar = st.recursive(_leaf, _extend, max_leaves=8)


@settings(max_examples=150, **SETTINGS)
@given(grammar, st.floats(-2, 2), st.floats(-2, 2), st.floats(-2, 2))
def test_grammar_expressions_parse_and_evaluate_like_sympy(text, a, b, c):
    variables = ("z", "z1", "z2")
    try:
        e = parse_expression(text, variables)
    except ValueError as exc:  # only for constants out of range: 1/0, log(0), sqrt(-1), ...
        assert "constant" in str(exc) or "division by zero" in str(exc), (text, exc)
        return
    _assert_allowed(e, variables)
    point = dict(zip(variables, (a, b, c)))
    got = float(numeric_function(e, variables)(a, b, c))
    try:
        ref = e.evalf(40, subs={sp.Symbol(k): sp.Float(v, 40) for k, v in point.items()})
    except (ZeroDivisionError, ValueError):  # sympy's own evaluation at a pole: nothing to compare
        return
    if not ref.is_real or not ref.is_finite or not math.isfinite(got) or abs(float(ref)) > 1e12:
        return  # complex (log or sqrt of a negative value) or overflow: nothing to compare
    assert math.isclose(got, float(ref), rel_tol=1e-7, abs_tol=1e-7), (text, point, got, ref)


# ----------------------------------------------------------------------------- activations as text
@pytest.mark.parametrize("text, kinks", [
    ("relu(z - 0.5)", (0.5,)), ("abs(z**2 - 1)", (-1.0, 1.0)), ("step(2*z + 1)", (-0.5,)),
    ("Min(z, 1) + Max(z, -2)", (-2.0, 1.0)), ("tanh(z) + 0.1*z**2", ()),
])
def test_activation_text_has_its_kinks_and_derivative(text, kinks):
    import warnings

    a = theory.activation(text)
    np.testing.assert_allclose(a.kinks, kinks, atol=1e-14)
    f = numeric_function(text)
    x = np.array([-2.6, -1.4, -0.2, 0.3, 0.9, 1.7, 2.8])  # away from the kinks
    h = 1e-6
    np.testing.assert_allclose(a.deriv(x), (f(x + h) - f(x - h)) / (2 * h), rtol=1e-6, atol=1e-7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # declared kinks: no AccuracyWarning
        r = theory.hermite_coefficients(a, 6)
    assert np.max(r.error_estimate) < 1e-12


def test_activation_text_matches_the_registry():
    mine = theory.hermite_coefficients("relu(z - 0.5)", 8)
    ref = theory.hermite_coefficients(theory.activation("relu", shift=-0.5), 8)
    assert np.all(np.abs(mine.values - ref.values) <= mine.error_estimate + ref.error_estimate)
    exact = theory.symbolic.hermite_coefficients("relu(z - 1/2)", 3)
    np.testing.assert_allclose([float(v) for v in exact], ref.values[:4], rtol=1e-14, atol=1e-16)
