"""The integer-arithmetic closed forms (``theory/hermite/closed_forms_fast.py``) are correctly rounded.

Reference: the mpmath closed forms of ``theory/hermite/closed_forms.py`` evaluated at 80 digits
and rounded to float64 (an independent evaluation: other formulas, other arithmetic), and for the
polynomial entry an exact evaluation with ``fractions.Fraction``. Every value must equal the
correctly rounded reference, and ``error_estimate`` must bound the true error (computed in mpmath);
derivation and error bound: ``docs/derivations/hermite_closed_forms_fast.md``.
"""

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from theory import activation, available_activations, hermite_coefficients
from theory.hermite import closed_forms as cf
from theory.hermite.closed_forms_fast import FAST_ENTRIES, MAX_FAST_KMAX, fast_closed_form

MP = {
    "relu": cf.relu_coefficients, "abs": cf.abs_coefficients, "step": cf.step_coefficients,
    "sign": cf.sign_coefficients, "erf": cf.erf_coefficients, "gelu": cf.gelu_coefficients,
    "exp": cf.exp_coefficients, "sin": cf.sin_coefficients, "cos": cf.cos_coefficients,
    "identity": cf.identity_coefficients,
}
AFFINE = [(0.0, 1.0), (0.5, 1.0), (0.0, 2.0), (0.3, 1.5), (-0.7, 1.3), (1.2, 0.7), (-2.5, 0.3), (0.1, 5.0)]
BASES = ("plain", "orthonormal", "series")


def _factor(k, basis):
    return {"plain": 1, "orthonormal": 1 / mpmath.sqrt(mpmath.factorial(k)), "series": 1 / mpmath.factorial(k)}[basis]


def _assert_correctly_rounded(values, errors, exact, basis, what):
    with mpmath.workdps(80):
        for k, (v, e, x) in enumerate(zip(values, errors, exact)):
            x = x * _factor(k, basis)
            assert v == float(x), f"{what} k={k}: {v!r} is not the rounded {mpmath.nstr(x, 20)}"
            assert abs(mpmath.mpf(v) - x) <= mpmath.mpf(e), f"{what} k={k}: error above the estimate {e}"
            if x == 0:
                assert e == 0.0 and not math.copysign(1.0, v) < 0, f"{what} k={k}: exact zero must be +0.0"


def test_every_closed_form_entry_has_a_fast_path():
    have_closed = [n for n in available_activations() if activation(n, **_params(n)).closed_form is not None]
    assert set(have_closed) == set(FAST_ENTRIES) | {"polynomial"}


def _params(name):
    return {"coeffs": [0.5, -1.0, 0.25, 0.1]} if name == "polynomial" else {}


@pytest.mark.parametrize("name", FAST_ENTRIES)
@pytest.mark.parametrize("shift,scale", AFFINE)
def test_fast_closed_form_is_the_rounded_mpmath_value(name, shift, scale):
    with mpmath.workdps(80):
        exact = MP[name](40, shift, scale)
    for basis in BASES:
        out = fast_closed_form(name, 40, shift, scale, basis)
        assert out is not None, (name, shift, scale, basis)
        _assert_correctly_rounded(*out, exact, basis, f"{name}({shift}, {scale}) {basis}")


@pytest.mark.parametrize("name", FAST_ENTRIES)
def test_reflection_amplitude_offset(name):
    """``amplitude * f(-1.3 z + 0.4) + offset``: the registry's output map, against mpmath."""
    amp, off = -1.75, 0.3
    with mpmath.workdps(80):
        mu = MP[name](40, 0.4, 1.3)
        exact = [amp * m * (-1) ** k for k, m in enumerate(mu)]
        exact[0] += off
    for basis in ("plain", "orthonormal"):
        out = fast_closed_form(name, 40, 0.4, 1.3, basis, flip=True, amplitude=amp, offset=off)
        assert out is not None
        _assert_correctly_rounded(*out, exact, basis, f"{name} reflected {basis}")


def _poly_exact(monomial, kmax, shift, scale):
    """Plain coefficients of p(scale z + shift) with Fractions: expand, then E[z^m He_k]."""
    s, c = Fraction(scale), Fraction(shift)
    deg = len(monomial) - 1
    q = [Fraction(0)] * (deg + 1)
    for n, a in enumerate(monomial):
        for m in range(n + 1):
            q[m] += Fraction(a) * math.comb(n, m) * s**m * c ** (n - m)
    mu = []
    for k in range(kmax + 1):
        mu.append(sum((q[m] * Fraction(math.factorial(m), 2 ** ((m - k) // 2) * math.factorial((m - k) // 2))
                       for m in range(k, deg + 1, 2)), Fraction(0)))
    return mu


@pytest.mark.parametrize("shift,scale", AFFINE)
def test_polynomial_exact(shift, scale):
    mono = [0.5, -1.0, 0.25, 0.1, -0.3, 0.0, 0.7]
    exact = _poly_exact(mono, 12, shift, scale)
    for basis in BASES:
        out = fast_closed_form("polynomial", 12, shift, scale, basis, monomial=mono)
        with mpmath.workdps(80):
            ex = [mpmath.mpf(x.numerator) / x.denominator for x in exact]
        _assert_correctly_rounded(*out, ex, basis, f"polynomial({shift}, {scale}) {basis}")
    # exact dyadic values carry a zero error where float64 holds them exactly
    v, e = fast_closed_form("polynomial", 12, shift, scale, "plain", monomial=mono)
    for x, vv, ee in zip(exact, v, e):
        assert (ee == 0.0) == (Fraction(vv) == x)


def test_exact_zeros_and_exact_values():
    v, e = fast_closed_form("relu", 40, 0.0, 1.0)
    assert all(v[k] == 0.0 and e[k] == 0.0 for k in range(3, 41, 2))
    assert v[1] == 0.5 and e[1] == 0.0
    v, e = fast_closed_form("gelu", 40, 0.0, 2.0)  # gelu - z/2 is even: odd k >= 3 vanish
    assert all(v[k] == 0.0 and e[k] == 0.0 for k in range(3, 41, 2))
    v, e = fast_closed_form("sin", 10, 0.0, 0.7)
    assert all(v[k] == 0.0 and e[k] == 0.0 for k in range(0, 11, 2))


def test_outside_the_fast_domain_returns_none():
    assert fast_closed_form("relu", MAX_FAST_KMAX + 1, 0.0, 1.0) is None
    assert fast_closed_form("relu", 10, 60.0, 1.0) is None  # phi(60) underflows
    assert fast_closed_form("relu", 10, 0.0, -1.0) is None  # scale > 0 only (the registry flips)
    assert fast_closed_form("tanh", 10, 0.0, 1.0) is None  # no closed form


def test_error_bound_holds_at_large_k():
    """k up to 170 in the orthonormal basis, against 80-digit mpmath."""
    with mpmath.workdps(80):
        exact = cf.relu_coefficients(170, -0.7, 1.3)
    out = fast_closed_form("relu", 170, -0.7, 1.3, "orthonormal")
    _assert_correctly_rounded(*out, exact, "orthonormal", "relu k <= 170")
