"""Second moments, mu_star, E f'^2, dual kernels and Gaussian smoothing against closed forms.

Closed forms: docs/theory/hermite.md#second-moments and elementary Gaussian integrals stated next to each case.
"""

import math

import numpy as np
import pytest
from scipy import special

import theory
from theory import Activation, activation, dual_kernel, hermite_coefficients
from theory.hermite.moments import derivative_second_moment, mu_star, second_moment
from theory.hermite.transforms import gaussian_smoothing

E = math.e


@pytest.mark.parametrize(
    "name,params,exact",
    [
        ("relu", {}, 0.5),
        ("abs", {}, 1.0),
        ("sign", {}, 1.0),
        ("step", {}, 0.5),
        ("erf", {"scale": 1.7}, 2 / math.pi * math.asin(2 * 1.7**2 / (1 + 2 * 1.7**2))),
        ("sin", {}, (1 - E**-2) / 2),
        ("cos", {"scale": 0.6}, (1 + math.exp(-2 * 0.36)) / 2),
        ("exp", {"scale": 0.5, "shift": 0.2}, math.exp(0.4 + 2 * 0.25)),
        ("relu", {"shift": 0.7}, (1 + 0.49) * special.ndtr(0.7) + 0.7 * math.exp(-0.245) / math.sqrt(2 * math.pi)),
    ],
)
def test_second_moment_closed_forms(name, params, exact):
    act = activation(name, **params)
    v, e = second_moment(act, with_error=True)
    assert abs(v - exact) <= e + 4e-16 * exact
    q, qe = second_moment(Activation("plain", act.func, kinks=act.kinks), with_error=True)  # quadrature
    assert abs(q - exact) <= qe + 4e-16 * exact and qe < 1e-14


def test_second_moment_tanh_identity_and_mu_star():
    """E tanh^2 = 1 - mu_1 (Stein with tanh' = 1 - tanh^2) and mu_*^2 = sum_{k>=2} c_k^2."""
    m2, e2 = second_moment("tanh", with_error=True)
    c = hermite_coefficients("tanh", 300, basis="orthonormal")
    assert abs(m2 - (1 - c.values[1])) <= e2 + c.error_estimate[1]
    ms, ems = mu_star("tanh", with_error=True)
    assert abs(ms**2 - np.sum(c.values[2:] ** 2)) <= 2 * ms * ems + 1e-14
    # the relu remainder is not the degree-2 coefficient
    assert abs(mu_star("relu") ** 2 - (0.25 - 1 / (2 * math.pi))) < 1e-15
    assert abs(mu_star("relu") - hermite_coefficients("relu", 2).values[2]) > 0.05
    assert mu_star("identity") == 0.0 and mu_star(activation("identity", scale=2.0, shift=1.0)) == 0.0


@pytest.mark.parametrize(
    "name,params,exact",
    [
        ("relu", {}, 0.5),
        ("abs", {}, 1.0),
        ("step", {}, 0.0),  # a.e. derivative: the jump's Dirac mass is not included
        ("erf", {}, 4 / (math.pi * math.sqrt(5))),
        ("erf", {"scale": 0.5}, 4 * 0.25 / (math.pi * math.sqrt(1 + 4 * 0.25))),
        ("sin", {}, (1 + E**-2) / 2),
        ("exp", {}, E**2),
    ],
)
def test_derivative_second_moment_closed_forms(name, params, exact):
    v, e = derivative_second_moment(activation(name, **params), with_error=True)
    assert abs(v - exact) <= e + 4e-16 * max(exact, 1)


@pytest.mark.parametrize("name", ["tanh", "gelu", "silu", "softplus", "sigmoid"])
def test_derivative_second_moment_matches_hermite_identity(name):
    """For continuous f: E f'^2 = sum_k mu_{k+1}^2 / k! = sum_k (k+1) c_{k+1}^2 (docs/theory/hermite.md#second-moments)."""
    v, e = derivative_second_moment(name, with_error=True)
    c = hermite_coefficients(name, 301, basis="orthonormal").values
    k = np.arange(1, 302)
    assert abs(v - np.sum(k * c[1:] ** 2)) <= e + 1e-13


def test_moments_bad_input():
    with pytest.raises(TypeError, match="needs the derivative"):
        derivative_second_moment(np.tanh)
    assert abs(derivative_second_moment(np.tanh, derivative=lambda z: 1 / np.cosh(z) ** 2)
               - derivative_second_moment("tanh")) < 1e-15
    with pytest.raises(TypeError, match="kinks must be a sequence"):
        second_moment("relu", kinks=("x",))


# ----------------------------------------------------------------------------- dual kernel
RHO = np.array([-1.0, -0.99, -0.6, 0.0, 0.25, 0.9, 0.999, 1.0])


@pytest.mark.parametrize("name", ["relu", "sign", "step", "abs", "erf"])
def test_dual_kernel_series_and_quadrature_bound_the_error(name):
    act = activation(name)
    exact = act.kernel(RHO)
    plain = Activation("plain", act.func, kinks=act.kinks)
    for kmax in (40, 200):
        r = dual_kernel(plain, RHO, kmax=kmax)
        assert np.all(np.abs(r.value - exact) <= r.error_estimate + 1e-15), (name, kmax)
        assert np.all(r.error_estimate <= 1e-12)
    # the series alone with its rigorous tail bound (tol large: no quadrature fallback)
    s = dual_kernel(plain, RHO, kmax=40, tol=1.0)
    assert set(s.method.tolist()) == {"series"}
    assert np.all(np.abs(s.value - exact) <= s.error_estimate)


def test_dual_kernel_two_functions_and_variances():
    rho = np.linspace(-1, 1, 9)
    # E[relu(u) step(v)] = (1 + rho) / (2 sqrt(2 pi)): only k = 0, 1 survive (parities differ)
    r = dual_kernel("relu", rho, g="step")
    assert np.all(np.abs(r.value - (1 + rho) / (2 * math.sqrt(2 * math.pi))) <= r.error_estimate + 1e-16)
    # positive homogeneity: E[relu(sqrt(q1) u) relu(sqrt(q2) v)] = sqrt(q1 q2) K_relu(rho)
    q = dual_kernel("relu", rho, q1=0.5, q2=3.0)
    assert np.all(np.abs(q.value - math.sqrt(1.5) * activation("relu").kernel(rho)) <= q.error_estimate + 1e-15)
    # same variance: closed form of the scaled activation
    c = dual_kernel("erf", rho, q1=2.0, q2=2.0)
    assert set(c.method.tolist()) == {"closed_form"}
    assert np.allclose(c.value, activation("erf", scale=math.sqrt(2)).kernel(rho), rtol=1e-15, atol=1e-16)


def test_dual_kernel_bad_input():
    with pytest.raises(ValueError, match=r"rho must lie in \[-1, 1\]"):
        dual_kernel("relu", 1.5)
    with pytest.raises(ValueError, match="q1 must be a positive"):
        dual_kernel("relu", 0.5, q1=0.0)
    assert dual_kernel("relu", 0.5).value.shape == ()


# ----------------------------------------------------------------------------- smoothing
def test_gaussian_smoothing_relu_closed_form():
    """E_xi relu(kappa t + xi) = m Phi(m) + phi(m) with m = kappa t; its coefficients by quadrature."""
    kappa = 0.7
    g = lambda t: kappa * t * special.ndtr(kappa * t) + np.exp(-0.5 * (kappa * t) ** 2) / math.sqrt(2 * math.pi)  # noqa: E731
    direct = hermite_coefficients(g, 20)
    smooth = gaussian_smoothing("relu", kappa, 20)
    assert np.all(np.abs(direct.values - smooth.values) <= direct.error_estimate + smooth.error_estimate)
    arr = gaussian_smoothing("relu", [0.3, 0.7], 20)
    assert arr.values.shape == (2, 21) and np.allclose(arr.values[1], smooth.values, rtol=1e-15, atol=0)


def test_sigmoid_identities():
    """sigmoid = 1/2 + tanh(z/2)/2: mu_0 = 1/2 exactly, even k >= 2 vanish, and
    mu_1 = E[s(1 - s)] = 1/2 - E s^2 (docs/theory/hermite.md#closed-forms, "sigmoid")."""
    r = hermite_coefficients("sigmoid", 10)
    assert r.values[0] == 0.5 and np.all(r.values[2::2] == 0.0)
    m2, e2 = second_moment("sigmoid", with_error=True)
    assert abs(r.values[1] - (0.5 - m2)) <= r.error_estimate[1] + e2
    t = hermite_coefficients(activation("tanh", scale=0.5), 10)
    assert np.all(np.abs(r.values[1:] - 0.5 * t.values[1:]) <= r.error_estimate[1:] + 0.5 * t.error_estimate[1:] + 1e-17)
