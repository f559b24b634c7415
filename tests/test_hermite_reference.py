"""The Hermite engine against 50-digit reference data (issue 3 acceptance).

``tests/data/hermite_reference.json`` is written by ``scripts/make_hermite_reference.py`` (two
independent 50-digit methods that agree to 1e-45). Tolerances are the issue's: for k <= 40,
relative 1e-12 in every nonzero plain coefficient of the kinked functions, absolute 1e-15 in
orthonormal units for the smooth ones (double precision), relative 1e-12 for all with ``dps=50``;
and ``error_estimate`` bounds the true error everywhere. True errors are computed in mpmath.
"""

import json
from pathlib import Path

import mpmath
import numpy as np
import pytest

import theory
from theory import hermite_coefficients

DATA = json.loads((Path(__file__).parent / "data" / "hermite_reference.json").read_text())
NAMES = sorted(DATA["functions"])
KINKED = [n for n in NAMES if not DATA["functions"][n]["smooth"]]
SMOOTH = [n for n in NAMES if DATA["functions"][n]["smooth"]]


def _activation(name):
    spec = dict(DATA["functions"][name]["activation"])
    return theory.activation(spec.pop("name"), **spec)


def _exact(name):
    with mpmath.workdps(60):
        return [mpmath.mpf(v) for v in DATA["functions"][name]["values"]]


def _true_errors(values, exact, basis="plain"):
    """|values - exact| in ``basis`` (exact given in plain), computed at 60 digits."""
    with mpmath.workdps(60):
        out = []
        for k, (v, e) in enumerate(zip(values, exact)):
            if basis == "orthonormal":
                e = e / mpmath.sqrt(mpmath.factorial(k))
            out.append(abs(mpmath.mpf(float(v)) - e))
        return out


def _check(res, name, *, rel=None, orth_abs=None, exact_zeros=True):
    exact = _exact(name)
    assert res.values.shape == (DATA["kmax"] + 1,)
    true = _true_errors(res.values, exact, res.basis)
    with mpmath.workdps(60):
        for k, (t, e, x) in enumerate(zip(true, res.error_estimate, exact)):
            assert t <= mpmath.mpf(float(e)), f"{name} k={k}: error {mpmath.nstr(t, 3)} > estimate {e:.2e}"
            if x == 0 and exact_zeros:
                assert res.values[k] == 0 and not np.signbit(res.values[k]), f"{name} k={k} must be an exact +0.0"
            elif x != 0 and rel is not None:
                xb = x if res.basis == "plain" else x / mpmath.sqrt(mpmath.factorial(k))
                assert t <= rel * abs(xb), f"{name} k={k}: relative error {mpmath.nstr(t / abs(xb), 3)}"
            if orth_abs is not None:
                to = t if res.basis == "orthonormal" else t / mpmath.sqrt(mpmath.factorial(k))
                assert to <= orth_abs, f"{name} k={k}: orthonormal error {mpmath.nstr(to, 3)}"


def test_reference_file_is_complete():
    assert DATA["kmax"] == 40 and DATA["digits"] == 50
    assert set(NAMES) == {"relu", "abs", "step", "sign", "relu_shift_0.5", "tanh", "erf", "sin", "gelu",
                          "sigmoid", "silu", "softplus"}
    assert set(KINKED) == {"relu", "abs", "step", "sign", "relu_shift_0.5"}


@pytest.mark.parametrize("name", KINKED)
def test_kinked_registry_relative_1e12(name):
    _check(hermite_coefficients(_activation(name), 40), name, rel=1e-12)


@pytest.mark.parametrize("name", KINKED)
def test_kinked_numeric_path_relative_1e12(name):
    """The quadrature itself (a plain callable with its kink declared, no closed form)."""
    act = _activation(name)
    res = hermite_coefficients(act.func, 40, kinks=act.kinks)
    assert res.method == "quadrature"
    _check(res, name, rel=1e-12, exact_zeros=False)  # no parity information: zeros are bounded


@pytest.mark.parametrize("name", SMOOTH)
@pytest.mark.parametrize("path", ["registry", "callable"])
def test_smooth_orthonormal_absolute_1e15(name, path):
    act = _activation(name)
    f = act if path == "registry" else act.func
    res = hermite_coefficients(f, 40, basis="orthonormal")
    if path == "callable":
        assert res.method == "quadrature"
    _check(res, name, orth_abs=1e-15, exact_zeros=path == "registry")


@pytest.mark.parametrize("name", NAMES)
def test_dps50_relative_1e12_for_all(name):
    res = hermite_coefficients(_activation(name), 40, dps=50)
    assert res.method in ("closed_form_mp", "mpmath") and res.dps == 50
    _check(res, name, rel=1e-12)
    # the mpmath values themselves carry far more digits than float64
    exact = _exact(name)
    with mpmath.workdps(60):
        for k, (v, x) in enumerate(zip(res.mp_values, exact)):
            assert abs(v - x) <= mpmath.mpf("1e-40") * max(abs(x), mpmath.mpf("1e-300")) or x == v == 0, (name, k)


@pytest.mark.parametrize("name", ["relu_shift_0.5", "gelu"])
def test_dps50_quadrature_of_mp_callable(name):
    """The mpmath panel scheme on a plain mpmath callable (no closed form, no parity)."""
    act = _activation(name)
    res = hermite_coefficients(act.func_mp, 40, kinks=act.kinks, dps=50)
    assert res.method == "mpmath"
    exact = _exact(name)
    with mpmath.workdps(60):
        for k, (v, x) in enumerate(zip(res.mp_values, exact)):
            assert abs(v - x) <= mpmath.mpf("1e-40") * mpmath.sqrt(mpmath.factorial(k)), (name, k)
    true = _true_errors(res.values, exact)
    assert all(t <= mpmath.mpf(float(e)) for t, e in zip(true, res.error_estimate))
