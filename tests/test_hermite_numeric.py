"""Numeric Hermite engine: honest error estimates, bad input, the mpmath path, identities as properties.

Hypothesis properties use exact identities (``docs/theory/hermite.md#identities``); each comparison is made
within the engine's own error estimates (plus a stated slack where a truncated series enters), so
a wrong estimate or a wrong formula fails.
"""

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import theory
from theory import activation, hermite_coefficients
from theory.hermite.engine import basis_factors, convert_basis, gaussian_rule
from theory.hermite.guards import AccuracyWarning
from theory.hermite.transforms import derivative_coefficients, scale_series, scaled_coefficients, shift_series

FAST = settings(max_examples=25, deadline=None, derandomize=True)  # reproducible examples


# ----------------------------------------------------------------------------- honest estimates
@pytest.mark.parametrize("c", [1.3, 0.37, -2.1])
def test_undeclared_kink_gives_large_estimate_that_bounds_the_error(c):
    with pytest.warns(AccuracyWarning, match="kinks="):  # the user is told, not only the estimate
        res = hermite_coefficients(lambda z: np.maximum(z - c, 0), 40, basis="orthonormal")
    exact = hermite_coefficients(activation("relu", shift=-c), 40, basis="orthonormal")
    true = np.abs(res.values - exact.values)
    assert np.max(res.error_estimate) > 1e-7  # about 1e-6 .. 1e-4: the kink shows up
    assert np.all(true <= res.error_estimate)
    assert any(abs(s - c) < 1e-3 for s in res.suspected_kinks) or c == -2.1
    declared = hermite_coefficients(lambda z: np.maximum(z - c, 0), 40, kinks=(c,), basis="orthonormal")
    assert np.max(declared.error_estimate) < 1e-14 and declared.suspected_kinks == ()


def test_undeclared_jump_is_located():
    with pytest.warns(AccuracyWarning, match="near z = 0.37"):
        res = hermite_coefficients(lambda z: (z > 0.37).astype(float), 20)
    assert res.suspected_kinks and abs(res.suspected_kinks[0] - 0.37) < 1e-4
    exact = hermite_coefficients(activation("step", shift=-0.37), 20)
    assert np.all(np.abs(res.values - exact.values) <= res.error_estimate)


def test_steep_smooth_function_estimate_bounds_error():
    f = lambda z: np.tanh(20 * z)  # noqa: E731 - a feature narrower than a panel
    with pytest.warns(AccuracyWarning):
        res = hermite_coefficients(f, 30, basis="orthonormal")
    ref = hermite_coefficients(f, 30, kinks=np.linspace(-1, 1, 81), basis="orthonormal")
    assert np.all(np.abs(res.values - ref.values) <= res.error_estimate + ref.error_estimate)


def test_closed_form_values_are_correctly_rounded():
    res = hermite_coefficients("erf", 40, basis="series")
    with mpmath.workdps(50):
        a = mpmath.mpf(1)
        for k in range(1, 41, 2):
            j = (k - 1) // 2
            mu = 2 * a / (mpmath.sqrt(mpmath.pi) * mpmath.sqrt(3)) * mpmath.fac2(2 * j - 1) * (mpmath.mpf(-2) / 3) ** j
            exact = mu / mpmath.factorial(k)
            assert abs(mpmath.mpf(res.values[k]) - exact) <= mpmath.mpf(res.error_estimate[k])
            assert res.values[k] == float(exact)  # correctly rounded


def test_large_kmax():
    r = hermite_coefficients("relu", 300, basis="orthonormal")
    assert np.all(np.isfinite(r.values))
    q = hermite_coefficients(np.tanh, 400, basis="orthonormal")
    assert np.all(np.isfinite(q.values)) and np.max(q.error_estimate) < 1e-14
    with pytest.raises(ValueError, match="kmax must be <= 400"):
        hermite_coefficients(np.tanh, 401, basis="orthonormal")


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "call,exc,match",
    [
        (lambda: hermite_coefficients("relu", -1), ValueError, "kmax must be an integer >= 0"),
        (lambda: hermite_coefficients("relu", 2.5), TypeError, "kmax must be an integer"),
        (lambda: hermite_coefficients("relu", True), TypeError, "kmax must be an integer"),
        (lambda: hermite_coefficients("tanhh", 3), ValueError, "did you mean 'tanh'"),
        (lambda: hermite_coefficients("relu", 3, basis="plane"), ValueError, "basis must be one of .*did you mean 'plain'"),
        (lambda: hermite_coefficients(lambda z: np.log(z), 3), ValueError, "f returned NaN or inf"),
        (lambda: hermite_coefficients(lambda z: 1 / (z - z), 3), ValueError, "f returned NaN or inf"),
        (lambda: hermite_coefficients(lambda z: math.exp(z), 3), TypeError, "f must be a vectorised callable"),
        (lambda: hermite_coefficients(lambda z: 1.0 if z > 0 else 0.0, 3), TypeError, "vectorised"),
        (lambda: hermite_coefficients(lambda z: z[:3], 3), TypeError, "f must be vectorised"),
        (lambda: hermite_coefficients(42, 3), TypeError, "f must be an activation name"),
        (lambda: hermite_coefficients("relu", 3, kinks=("a",)), TypeError, "kinks must be a sequence of real numbers"),
        (lambda: hermite_coefficients("relu", 3, kinks=(np.inf,)), ValueError, "kinks must be finite"),
        (lambda: hermite_coefficients(lambda z: np.exp(0.5 * z * z), 3), ValueError, "grows too fast"),
        (lambda: hermite_coefficients("relu", 3, f_mp=mpmath.exp), ValueError, "f_mp is only used with dps"),
        (lambda: hermite_coefficients("relu", 3, dps=5), ValueError, "dps must be an integer >= 10"),
        (lambda: hermite_coefficients("relu", 3, rtol=-1), ValueError, "rtol must be a positive"),
    ],
)
def test_bad_input_names_the_argument(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_dps_too_low_for_requested_accuracy():
    """e^z by quadrature has kappa ~ 1e24 at k = 40 (docs/theory/hermite.md#high-precision): dps 30 cannot give 1e-20."""
    with pytest.raises(ValueError, match=r"dps too low for the requested accuracy.*use dps >= 4\d"):
        hermite_coefficients(np.exp, 40, f_mp=mpmath.exp, dps=30)
    ok = hermite_coefficients(np.exp, 40, f_mp=mpmath.exp, dps=50)
    assert np.allclose(ok.values, math.exp(0.5), rtol=1e-15, atol=0)


def test_rtol_out_of_reach_in_double_precision_suggests_dps():
    with pytest.raises(ValueError, match=r"rtol=1e-12 is out of reach in double precision.*use dps >= "):
        hermite_coefficients(np.exp, 40, rtol=1e-12)
    hermite_coefficients(np.tanh, 20, rtol=1e-12)  # reachable: no error


def test_mp_path_rejects_float_valued_callables():
    with pytest.raises(TypeError, match="returned float for an mpmath.mpf input"):
        hermite_coefficients(lambda z: float(mpmath.tanh(z)), 3, dps=30)
    with pytest.raises(TypeError, match="must accept mpmath.mpf"):
        hermite_coefficients(np.tanh, 3, dps=30)
    with pytest.raises(ValueError, match="did not converge.*declare every kink"):
        hermite_coefficients(lambda z: max(z - mpmath.mpf("1.3"), 0), 10, dps=30)


# ----------------------------------------------------------------------------- bases
def test_basis_conversions():
    r = hermite_coefficients("gelu", 12)
    for basis in ("orthonormal", "series"):
        direct = hermite_coefficients("gelu", 12, basis=basis)
        conv = r.in_basis(basis)
        assert np.all(np.abs(direct.values - conv.values) <= direct.error_estimate + conv.error_estimate)
    fact = np.array([math.factorial(k) for k in range(13)], dtype=float)
    assert np.allclose(basis_factors(12, "plain") ** 2, fact, rtol=1e-15, atol=0)
    assert np.allclose(convert_basis(r.values, "plain", "series"), r.values / fact, rtol=1e-15, atol=0)


def test_gaussian_rule_moments():
    z, w = gaussian_rule((0.3,), degree=8)
    for m in range(0, 17, 2):
        assert abs(w @ z**m - math.prod(range(m - 1, 0, -2))) <= 1e-13 * math.prod(range(m - 1, 0, -2))


# ----------------------------------------------------------------------------- properties
@FAST
@given(a=st.floats(0.2, 1.0), b=st.floats(-1.0, 1.0))
def test_parseval_against_second_moment(a, b):
    f = lambda z: np.tanh(a * z + b)  # noqa: E731
    c = hermite_coefficients(f, 300, basis="orthonormal")
    m2, e2 = theory.second_moment(f, with_error=True)
    tail_budget = 1e-13  # tanh(a z + b) with a <= 1: sum_{k > 300} c_k^2 is far below this
    assert abs(np.sum(c.values**2) - m2) <= e2 + np.sum(2 * np.abs(c.values) * c.error_estimate) + tail_budget


@FAST
@given(coeffs=st.lists(st.floats(-3, 3), min_size=1, max_size=6), parity=st.sampled_from([1, -1]))
def test_parity_gives_zeros(coeffs, parity):
    """An even (odd) polynomial, evaluated without cancellation, has zero odd (even) coefficients:
    within the estimate on the numeric path, and exact +0.0 from the registry's structure."""
    sym = [c * (1 + parity * (-1) ** n) for n, c in enumerate(coeffs)]  # coefficients of g(z) + p g(-z)
    f = np.polynomial.Polynomial(sym)
    r = hermite_coefficients(lambda z: f(z), 9)
    wrong = np.arange(10) % 2 == (0 if parity == -1 else 1)
    assert np.all(np.abs(r.values[wrong]) <= r.error_estimate[wrong])
    exact = activation("polynomial", coeffs=sym).hermite(9).values
    assert np.all(exact[wrong] == 0.0) and not np.any(np.signbit(exact[wrong]))


@FAST
@given(a=st.floats(0.3, 2.0), b=st.floats(-1.5, 1.5), kind=st.sampled_from(["tanh", "gelu", "sin"]))
def test_derivative_identity(a, b, kind):
    """mu_k[f'] = mu_{k+1}[f]: quadrature of the derivative against the shifted coefficients."""
    act = activation(kind, scale=a, shift=b)
    lhs = hermite_coefficients(lambda z: act.deriv(z), 20)
    rhs = derivative_coefficients(lambda z: act.func(z), 20)
    assert np.all(np.abs(lhs.values - rhs.values) <= lhs.error_estimate + rhs.error_estimate)


def test_derivative_identity_sees_the_jump():
    """Weak derivative of step is a Dirac mass at 0: mu_k = phi(0) He_k(0), not the a.e. 0."""
    d = derivative_coefficients("step", 8).values
    he0 = [1, 0, -1, 0, 3, 0, -15, 0, 105]
    assert np.allclose(d, np.array(he0) / math.sqrt(2 * math.pi), rtol=1e-15, atol=0)


@FAST
@given(c=st.floats(-1.0, 1.0), kind=st.sampled_from(["tanh", "erf", "gelu", "silu"]))
def test_shift_formula_against_direct(c, kind):
    mu = hermite_coefficients(lambda z: activation(kind).func(z), 120).values
    direct = scaled_coefficients(lambda z: activation(kind).func(z), 10, shift=c)
    series = shift_series(mu, c, 10)
    assert np.all(np.abs(series - direct.values) <= direct.error_estimate + 1e-12 * (1 + np.abs(direct.values)))


@FAST
@given(s=st.floats(0.75, 1.2), kind=st.sampled_from(["tanh", "erf", "gelu"]))
def test_scale_formula_against_direct(s, kind):
    mu = hermite_coefficients(lambda z: activation(kind).func(z), 200).values
    direct = scaled_coefficients(lambda z: activation(kind).func(z), 10, scale=s)
    series = scale_series(mu, s, 10)
    assert np.all(np.abs(series - direct.values) <= direct.error_estimate + 1e-10 * (1 + np.abs(direct.values)))


@FAST
@given(s=st.floats(0.2, 5.0), c=st.floats(-3, 3))
def test_scaled_coefficients_moves_kinks(s, c):
    """relu(s z + c) integrated directly equals the closed form of the registry entry."""
    direct = scaled_coefficients(lambda z: np.maximum(z, 0), 25, scale=s, shift=c, kinks=(0.0,))
    closed = hermite_coefficients(activation("relu", scale=s, shift=c), 25)
    assert np.all(np.abs(direct.values - closed.values) <= direct.error_estimate + closed.error_estimate)


def test_scaled_coefficients_vectorised():
    r = scaled_coefficients("erf", 5, scale=[[0.5], [1.5]], shift=[0.0, 0.2, -0.1])
    assert r.values.shape == (2, 3, 6)
    one = scaled_coefficients("erf", 5, scale=1.5, shift=0.2)
    assert np.array_equal(r.values[1, 1], one.values)
    with pytest.raises(ValueError, match="scale must be nonzero"):
        scaled_coefficients("erf", 5, scale=[1.0, 0.0])
