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


def _assert_correctly_rounded(values, errors, exact, basis, what, ref_rel=0):
    """``ref_rel``: relative accuracy of the reference itself (a ``dps=60`` result is not exact)."""
    with mpmath.workdps(80):
        for k, (v, e, x) in enumerate(zip(values, errors, exact)):
            x = x * _factor(k, basis)
            assert v == float(x), f"{what} k={k}: {v!r} is not the rounded {mpmath.nstr(x, 20)}"
            assert abs(mpmath.mpf(v) - x) <= mpmath.mpf(e) + ref_rel * abs(x), f"{what} k={k}: error above the estimate {e}"
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


# ----------------------------------------------------------------------------- through the registry
REGISTRY_AFFINE = [dict(), dict(shift=0.5, scale=2.0), dict(shift=-0.7, scale=1.3), dict(shift=0.3, scale=-1.5),
                   dict(shift=1.2, scale=0.7, amplitude=-2.5, offset=0.25)]
CLOSED = [n for n in available_activations() if n in FAST_ENTRIES or n == "polynomial"]


@pytest.mark.parametrize("name", CLOSED)
@pytest.mark.parametrize("params", REGISTRY_AFFINE, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()) or "plain")
def test_named_path_is_the_rounded_high_precision_value(name, params):
    """``hermite_coefficients(activation(...), 40)`` against the ``dps=60`` path (mpmath closed form)."""
    act = activation(name, **params, **_params(name))
    ref = hermite_coefficients(act, 40, dps=60)
    assert ref.method == "closed_form_mp"
    with mpmath.workdps(60):
        exact = [mpmath.mpf(v) for v in ref.mp_values]
    for basis in BASES:
        res = hermite_coefficients(act, 40, basis=basis)
        assert res.method == "closed_form"
        _assert_correctly_rounded(res.values, res.error_estimate, exact, basis, f"{act.name} {basis}", 1e-55)


def test_centred_activation():
    act = activation("relu", shift=0.4, scale=1.7, center=True)
    res = hermite_coefficients(act, 40)
    assert res.values[0] == 0.0 or abs(res.values[0]) <= 1e-16  # E f - float(E f): within one rounding
    ref = hermite_coefficients(act, 40, dps=60)
    with mpmath.workdps(60):
        _assert_correctly_rounded(res.values, res.error_estimate, list(ref.mp_values), "plain", act.name, 1e-55)


def test_named_path_uses_no_mpmath_closed_form(monkeypatch):
    """The default path never evaluates the mpmath closed form (no per-k mpmath): registry entries
    whose mpmath closed form raises still answer, for every shift, scale and basis."""
    from theory.hermite import activations

    names = ("relu", "abs", "step", "sign", "erf", "gelu", "exp", "sin", "cos", "identity")
    fast_entry = dict(activations._FAST_ENTRY)
    for name in names:
        def closed_raises(*args):
            raise AssertionError("mpmath closed form evaluated")

        fast_entry[closed_raises] = name
        builder = activations._REGISTRY[name]
        monkeypatch.setitem(activations._REGISTRY, name, lambda b=builder, c=closed_raises: {**b(), "closed": c})
    monkeypatch.setattr(activations, "_FAST_ENTRY", fast_entry)
    activations._build.cache_clear()
    try:
        for name in names:
            for params in REGISTRY_AFFINE:
                act = activation(name, **params)
                for basis in BASES:
                    assert hermite_coefficients(act, 40, basis=basis).method == "closed_form"
    finally:
        activations._build.cache_clear()


def test_outside_the_fast_domain_the_mpmath_closed_form_answers():
    act = activation("relu", shift=45.0)  # phi(45) ~ 1e-440: the fast path declines
    res = hermite_coefficients(act, 5)
    assert res.method == "closed_form"
    assert res.values[1] == 1.0 and res.values[0] == 45.0  # mu_0 = c Phi(c) + phi(c), mu_1 = Phi(c)
    r = hermite_coefficients("relu", 300, basis="orthonormal")  # beyond MAX_FAST_KMAX
    assert np.all(np.isfinite(r.values)) and r.values[2] == 1 / math.sqrt(2 * math.pi) / math.sqrt(2)


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in available_activations() if n not in CLOSED])
def test_other_entries_error_estimate_bounds_true_error(name):
    """tanh, sigmoid, softplus, silu (quadrature or identity), shifted and reflected, against dps=30
    (slow: mpmath quadrature, about 2 s each)."""
    act = activation(name, shift=0.5, scale=-2.0)
    res = hermite_coefficients(act, 40, basis="orthonormal")
    ref = hermite_coefficients(act, 40, basis="orthonormal", dps=30)
    with mpmath.workdps(30):
        for k, (v, e, x) in enumerate(zip(res.values, res.error_estimate, ref.mp_values)):
            assert abs(mpmath.mpf(v) - x) <= mpmath.mpf(e), (name, k)
