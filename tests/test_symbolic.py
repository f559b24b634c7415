"""Exact sympy coefficients equal the closed forms of docs/theory/hermite.md#closed-forms (``simplify(a - b) == 0``).

The closed forms below are typed from docs/theory/hermite.md#closed-forms (independent of ``theory/hermite/closed_forms.py``), and
the exact values are also compared with the numeric engine.
"""

import time

import numpy as np
import pytest
import sympy as sp

from theory import activation, hermite_coefficients
from theory import symbolic

z = sp.Symbol("z")
phi0 = 1 / sp.sqrt(2 * sp.pi)
K = 8


def he0(n):
    """He_n(0): 0 for odd n, (-1)^{n/2} (n-1)!! for even n, with (-1)!! = 1."""
    return sp.S.Zero if n % 2 else (-1) ** (n // 2) * sp.factorial2(n - 1)


def dfact(n):
    return sp.factorial2(n) if n > 0 else sp.S.One


CLOSED = {
    "relu": [phi0, sp.S.Half] + [phi0 * he0(k - 2) for k in range(2, K + 1)],
    "abs": [2 * phi0, 0] + [2 * phi0 * he0(k - 2) for k in range(2, K + 1)],
    "step": [sp.S.Half] + [phi0 * he0(k - 1) for k in range(1, K + 1)],
    "sign": [0] + [2 * phi0 * he0(k - 1) for k in range(1, K + 1)],
}


def relu_shift(c):
    p = sp.exp(-c**2 / 2) * phi0
    Phi = (1 + sp.erf(c / sp.sqrt(2))) / 2
    return [c * Phi + p, Phi] + [p * sp.hermite_prob(k - 2, -c) for k in range(2, K + 1)]


def erf_closed(a):
    out = []
    for k in range(K + 1):
        if k % 2 == 0:
            out.append(0)
        else:
            j = (k - 1) // 2
            out.append(2 * a / (sp.sqrt(sp.pi) * sp.sqrt(1 + 2 * a**2)) * dfact(2 * j - 1) * (-2 * a**2 / (1 + 2 * a**2)) ** j)
    return out


def gelu_closed():
    def C(m):
        if m == 0:
            return sp.S.Half
        if m % 2 == 0:
            return sp.S.Zero
        j = (m - 1) // 2
        return dfact(2 * j - 1) * sp.Rational(-1, 2) ** j / (2 * sp.sqrt(sp.pi))

    return [C(k + 1) + (k * C(k - 1) if k else 0) for k in range(K + 1)]


def _assert_equal(got, expected):
    assert len(got) == len(expected)
    for k, (g, e) in enumerate(zip(got, expected)):
        assert sp.simplify(g - e) == 0, (k, g, e)


@pytest.mark.parametrize("name", sorted(CLOSED))
def test_kinked_closed_forms(name):
    _assert_equal(symbolic.hermite_coefficients(name, K), CLOSED[name])


def test_shifted_relu_and_expressions():
    c = sp.Rational(1, 2)
    _assert_equal(symbolic.hermite_coefficients(sp.Max(z + c, 0), K), relu_shift(c))
    _assert_equal(symbolic.hermite_coefficients(activation("relu", shift=0.5), K), relu_shift(c))
    _assert_equal(symbolic.hermite_coefficients(sp.Piecewise((z + c, z > -c), (0, True)), K), relu_shift(c))
    _assert_equal(symbolic.hermite_coefficients(z * sp.Heaviside(z), K), CLOSED["relu"])
    _assert_equal(symbolic.hermite_coefficients((z + sp.Abs(z)) / 2, K), CLOSED["relu"])
    _assert_equal(symbolic.hermite_coefficients(sp.sign(z), K), CLOSED["sign"])


@pytest.mark.parametrize("a", [sp.S.One, sp.Integer(2), sp.Rational(1, 3)])
def test_erf_exp_trig_closed_forms(a):
    _assert_equal(symbolic.hermite_coefficients(sp.erf(a * z), K), erf_closed(a))
    _assert_equal(symbolic.hermite_coefficients(sp.exp(a * z), K), [a**k * sp.exp(a**2 / 2) for k in range(K + 1)])
    ik = [(sp.I * a) ** k * sp.exp(-a**2 / 2) for k in range(K + 1)]
    _assert_equal(symbolic.hermite_coefficients(sp.sin(a * z), K), [sp.im(v) for v in ik])
    _assert_equal(symbolic.hermite_coefficients(sp.cos(a * z), K), [sp.re(v) for v in ik])


def test_gelu_and_monomials():
    _assert_equal(symbolic.hermite_coefficients("gelu", K), gelu_closed())
    for n in range(7):
        exact = [sp.factorial(n) / (2 ** ((n - k) // 2) * sp.factorial((n - k) // 2)) if n >= k and (n - k) % 2 == 0 else 0
                 for k in range(K + 1)]
        _assert_equal(symbolic.hermite_coefficients(z**n, K), exact)


@pytest.mark.parametrize("name", ["relu", "abs", "step", "sign", "erf", "sin", "cos", "exp", "gelu", "identity"])
def test_exact_values_agree_with_numeric_engine(name):
    ex = symbolic.hermite_coefficients(name, 12, basis="orthonormal")
    num = hermite_coefficients(name, 12, basis="orthonormal")
    vals = np.array([float(sp.N(v, 30)) for v in ex])
    assert np.all(np.abs(vals - num.values) <= num.error_estimate + 1e-300)


def test_bases_expansion_latex_and_other_symbol():
    x = sp.Symbol("x")
    plain = symbolic.hermite_coefficients(x**3, 3)
    assert plain == (0, 3, 0, 6)  # z^3 = He_3 + 3 He_1: plain = (0, 3*1!, 0, 1*3!)
    assert symbolic.hermite_coefficients(z**3, 3, basis="series") == (0, 3, 0, 1)
    _assert_equal(symbolic.hermite_coefficients(z**3, 3, basis="orthonormal"), [0, 3, 0, sp.sqrt(6)])
    assert sp.expand(symbolic.expansion(z**3 - 2 * z, 3, evaluate=True) - (z**3 - 2 * z)) == 0
    assert "He}_{3}" in symbolic.latex(z**3, 3)
    # a truncated surrogate of relu evaluates to the right polynomial
    surrogate = symbolic.expansion("relu", 2, evaluate=True)
    assert sp.simplify(surrogate - (phi0 + z / 2 + phi0 * (z**2 - 1) / 2)) == 0


@pytest.mark.parametrize("expr", ["tanh", "sigmoid", "softplus", "silu", sp.exp(z) * sp.erf(z), sp.exp(z**2 / 4)])
def test_unsupported_is_refused_fast(expr):
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="no exact Hermite coefficients.*supported"):
        symbolic.hermite_coefficients(expr, 3)
    assert time.perf_counter() - t0 < 2.0


def test_symbolic_bad_input():
    with pytest.raises(ValueError, match="kmax must be an integer >= 0"):
        symbolic.hermite_coefficients(z, -1)
    with pytest.raises(ValueError, match="basis must be one of"):
        symbolic.hermite_coefficients(z, 2, basis="plane")
    with pytest.raises(ValueError, match="must depend on the symbol z"):
        symbolic.hermite_coefficients(sp.Symbol("a") * sp.Symbol("b"), 2)
    with pytest.raises(ValueError, match="unknown activation"):
        symbolic.hermite_coefficients("tanhh", 2)
