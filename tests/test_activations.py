"""The activation registry: every closed form against quadrature, kernels, derivatives, structure.

Closed forms (``docs/theory/hermite.md#closed-forms``, evaluated in mpmath) are compared with the kink-aware
quadrature of the same function given as a plain callable (no closed form, no parity), for the
plain entries and shifted / scaled / reflected variants; agreement is required within the sum of
the two error estimates, and those estimates must be small (1e-14 relative to the function's
L2 norm), so a wrong closed form fails.
"""

import math

import mpmath
import numpy as np
import pytest
import sympy

import theory
from theory import Activation, activation, available_activations, dual_kernel, hermite_coefficients

CLOSED = ["relu", "abs", "step", "sign", "erf", "gelu", "sin", "cos", "exp", "identity"]
AFFINE = [(0.0, 1.0), (0.5, 1.0), (0.0, 2.0), (-0.3, -1.5), (1.2, 0.7)]


def _quadrature(act, kmax, basis="orthonormal"):
    """The same function as a plain callable: forces the numeric path."""
    return hermite_coefficients(lambda z: act.func(z), kmax, kinks=act.kinks, basis=basis)


def _l2(act):
    return math.sqrt(theory.second_moment(lambda z: act.func(z), kinks=act.kinks))


@pytest.mark.parametrize("name", CLOSED)
@pytest.mark.parametrize("shift,scale", AFFINE)
def test_closed_form_matches_quadrature(name, shift, scale):
    act = activation(name, shift=shift, scale=scale)
    assert act.closed_form is not None, f"{act.name}: shift/scale must keep the closed form"
    res = hermite_coefficients(act, 30, basis="orthonormal")
    assert res.method == "closed_form"
    num = _quadrature(act, 30)
    tol = res.error_estimate + num.error_estimate
    assert np.all(np.abs(res.values - num.values) <= tol), (name, shift, scale)
    assert np.max(num.error_estimate) <= 1e-14 * _l2(act)


def test_closed_forms_exist_where_documented():
    for name in CLOSED:
        assert activation(name).closed_form is not None, name
    for name in ("relu", "abs", "step", "sign", "erf", "gelu", "sin", "cos", "exp"):
        assert activation(name, shift=0.7, scale=-1.3).closed_form is not None, name
    for name in ("tanh", "sigmoid", "softplus", "silu"):
        assert activation(name).closed_form is None, name


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "softplus", "silu"])
@pytest.mark.parametrize("shift,scale", [(0.0, 1.0), (0.0, -1.7), (0.4, 0.8)])
def test_no_closed_form_entries_match_quadrature(name, shift, scale):
    """softplus and SiLU come from the sigmoid by Stein / product identities (method 'identity')."""
    act = activation(name, shift=shift, scale=scale)
    res = hermite_coefficients(act, 30, basis="orthonormal")
    if name in ("softplus", "silu"):
        assert res.method == "identity"
    num = _quadrature(act, 30)
    assert np.all(np.abs(res.values - num.values) <= res.error_estimate + num.error_estimate)


def test_softplus_and_silu_identities():
    """Direct quadrature of softplus / SiLU (plain callables) against the sigmoid's coefficients:
    mu_k[softplus] = mu_{k-1}[s] and mu_k[silu] = mu_{k+1}[s] + k mu_{k-1}[s] (docs/theory/hermite.md#closed-forms)."""
    s = hermite_coefficients("sigmoid", 31)
    sp_ = hermite_coefficients(lambda z: np.logaddexp(0.0, z), 30)
    si = hermite_coefficients(lambda z: z / (1 + np.exp(-z)), 30)
    assert np.all(np.abs(sp_.values[1:] - s.values[:30]) <= sp_.error_estimate[1:] + s.error_estimate[:30])
    k = np.arange(1, 31)
    rhs = s.values[2:32] + k * s.values[0:30]
    rhs_err = s.error_estimate[2:32] + k * s.error_estimate[0:30] + 4e-16 * np.abs(rhs)
    assert np.all(np.abs(si.values[1:] - rhs) <= si.error_estimate[1:] + rhs_err)


@pytest.mark.parametrize("name", available_activations())
def test_structure_exact_zeros_and_parity(name):
    params = dict(coeffs=[0.5, 1.0, -2.0, 0.0, 1.5]) if name == "polynomial" else {}
    act = activation(name, **params)
    z = np.linspace(-3, 3, 60)  # avoids z = 0, where step and sign take their value 0
    a, b = act.linear_part
    g = act.func(z) - a - b * z
    if act.remainder_parity:
        assert np.allclose(g, act.remainder_parity * (act.func(-z) - a + b * z), atol=1e-14), name
    if act.parity:
        assert np.allclose(act.func(-z), act.parity * act.func(z), atol=1e-14)
    res = hermite_coefficients(act, 12)
    for k, v in act.known_coefficients(12).items():
        assert res.values[k] == v and res.error_estimate[k] == 0.0, (name, k)
        if v == 0:
            assert not np.signbit(res.values[k]), f"{name}: -0.0 at k={k}"


@pytest.mark.parametrize("name", available_activations())
def test_derivative_mp_and_sympy_versions_agree_with_func(name):
    params = dict(coeffs=[0.5, 1.0, -2.0, 0.0, 1.5]) if name == "polynomial" else {}
    for act in (activation(name, **params), activation(name, shift=0.3, scale=-1.4, amplitude=2.0, offset=0.5, **params)):
        z = np.array([-2.3, -1.1, -0.45, 0.37, 0.8, 1.9])  # away from every kink
        fz = act.func(z)
        h = 1e-6
        fd = (act.func(z + h) - act.func(z - h)) / (2 * h)
        assert np.allclose(act.deriv(z), fd, rtol=1e-6, atol=1e-6), act.name
        with mpmath.workdps(30):
            assert np.allclose([float(act.func_mp(mpmath.mpf(float(x)))) for x in z], fz, rtol=1e-14, atol=1e-14)
        zs = sympy.Symbol("z")
        lam = sympy.lambdify(zs, act.sympy_expr(zs), modules=["mpmath"])
        assert np.allclose([float(lam(float(x))) for x in z], fz, rtol=1e-13, atol=1e-13), act.name


@pytest.mark.parametrize("name", ["relu", "abs", "step", "sign", "erf", "exp", "sin", "cos", "identity", "polynomial"])
@pytest.mark.parametrize("shift,scale,amplitude,offset", [(0.0, 1.0, 1.0, 0.0), (0.0, -1.6, 2.0, 0.3), (0.4, 0.8, 1.0, 0.0)])
def test_kernels_against_series_and_quadrature(name, shift, scale, amplitude, offset):
    params = dict(coeffs=[0.5, 1.0, -2.0, 0.0, 1.5]) if name == "polynomial" else {}
    act = activation(name, shift=shift, scale=scale, amplitude=amplitude, offset=offset, **params)
    if act.kernel is None:
        assert shift != 0 and name in ("relu", "abs", "step", "sign", "erf")
        return
    rho = np.array([-1.0, -0.95, -0.5, 0.0, 0.3, 0.8, 0.99, 1.0])
    closed = dual_kernel(act, rho)
    assert set(closed.method.tolist()) == {"closed_form"}
    plain = Activation("plain", act.func, kinks=act.kinks)  # no kernel: series or 2-D quadrature
    num = dual_kernel(plain, rho)
    assert np.all(np.abs(closed.value - num.value) <= closed.error_estimate + num.error_estimate), act.name
    assert np.all(num.error_estimate <= 1e-10 * max(1.0, float(np.max(np.abs(num.value)))))


def test_unknown_name_suggests_and_lists():
    with pytest.raises(ValueError, match=r"did you mean 'sigmoid'.*available: abs"):
        activation("sigmod")
    with pytest.raises(ValueError, match="scale must be nonzero"):
        activation("relu", scale=0)
    with pytest.raises(TypeError, match="shift must be a real number"):
        activation("relu", shift="a")
    with pytest.raises(ValueError, match="needs coeffs"):
        activation("polynomial")
    with pytest.raises(ValueError, match="coeff_basis must be one of"):
        activation("polynomial", coeffs=[1, 2], coeff_basis="chebyshev")
    with pytest.raises(TypeError, match="bad parameters for activation 'relu'"):
        activation("relu", coeffs=[1.0])


def test_polynomial_hermite_and_monomial_coefficients_agree():
    a = activation("polynomial", coeffs=[3.0, 0.0, 6.0, 0.0, 1.0], coeff_basis="hermite")  # z^4
    b = activation("polynomial", coeffs=[0, 0, 0, 0, 1.0])
    z = np.linspace(-2, 2, 9)
    assert np.allclose(a(z), z**4, rtol=1e-14, atol=1e-14)
    assert np.array_equal(a.hermite(6).values, b.hermite(6).values)
    # z^4 = He_4 + 6 He_2 + 3, so the series coefficients are (3, 0, 6, 0, 1, 0, 0) exactly
    assert np.array_equal(b.hermite(6, basis="series").values, [3, 0, 6, 0, 1, 0, 0])


def test_center_amplitude_offset_and_affine():
    c = activation("softplus", center=True)
    assert abs(c.hermite(0).values[0]) <= 1e-15
    s = activation("sigmoid", center=True)
    assert s.parity == -1 and s.hermite(4).values[0] == 0.0
    a = activation("relu", amplitude=2.0, offset=-1.0)
    r = hermite_coefficients("relu", 5).values
    expected = 2.0 * r + np.array([-1.0, 0, 0, 0, 0, 0])
    assert np.allclose(a.hermite(5).values, expected, rtol=1e-15, atol=1e-16)
    # affine of a registry activation = rebuilt registry activation (closed forms carry over)
    t = activation("relu", shift=0.5).affine(scale=-2.0, shift=1.0)
    assert t.closed_form is not None and t.kinks == (0.75,)
    z = np.linspace(-3, 3, 13)
    assert np.allclose(t(z), np.maximum(-2 * z + 1.5, 0))
    assert np.allclose(c.affine(2.0)(z), c(2 * z))


def test_relu_positive_homogeneity_and_reflection():
    base = hermite_coefficients("relu", 12).values
    assert np.allclose(hermite_coefficients(activation("relu", scale=2.5), 12).values, 2.5 * base, rtol=1e-15, atol=0)
    # relu(-z) has coefficients (-1)^k mu_k
    refl = hermite_coefficients(activation("relu", scale=-1.0), 12).values
    assert np.allclose(refl, base * (-1.0) ** np.arange(13), rtol=1e-15, atol=0)


def test_user_activation_defaults():
    a = Activation("mine", np.tanh, parity=-1)
    assert a.remainder_parity == -1 and a.linear_part == (0.0, 0.0)
    assert hermite_coefficients(a, 4).values[2] == 0.0
    with pytest.raises(ValueError, match="contradicts"):
        Activation("bad", np.tanh, parity=1, linear_part=(0.0, 0.5), remainder_parity=1)
