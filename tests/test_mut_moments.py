"""Gaussian moments of ``theory/hermite/moments.py`` against closed forms (issue 13, item 6).

References by hand, :math:`z\\sim N(0,1)`: :math:`E\\sin z = 0`, :math:`E[z\\sin z] = E\\cos z = e^{-1/2}`,
:math:`E\\sin^2z = (1-e^{-2})/2`, :math:`E\\cos^2z = (1+e^{-2})/2`, :math:`E[z\\cos z] = 0`; polynomials by
:math:`E z^{2m} = (2m-1)!!`; readout values: Gaussian :math:`E s^m = (m-1)!!` (even :math:`m`), :math:`\\pm1`:
1 for even :math:`m`, constant: 1.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from theory.hermite.moments import (derivative_second_moment, double_factorial, gaussian_moments, mu_star,
                                    readout_power_moments, second_moment)

E1 = math.exp(-0.5)
E2 = math.exp(-2.0)


def test_gaussian_moments_of_sin_and_cos():
    m = gaussian_moments("sin")
    assert m.mu0 == pytest.approx(0.0, abs=1e-13)
    assert m.mu1 == pytest.approx(E1, abs=1e-13)
    assert m.second == pytest.approx((1 - E2) / 2, abs=1e-13)
    assert m.mu_star_sq == pytest.approx((1 - E2) / 2 - E1**2, abs=1e-13)
    assert m.deriv_mean == pytest.approx(E1, abs=1e-13)  # E cos
    assert m.deriv_second == pytest.approx((1 + E2) / 2, abs=1e-13)  # E cos^2
    assert m.deriv_z == pytest.approx(0.0, abs=1e-13)  # E z cos z
    assert m.deriv_var == pytest.approx((1 + E2) / 2 - E1**2, abs=1e-13)
    assert 0 <= m.error < 1e-10
    c = gaussian_moments("cos")
    assert c.mu0 == pytest.approx(E1, abs=1e-13) and c.mu1 == pytest.approx(0.0, abs=1e-13)
    assert c.second == pytest.approx((1 + E2) / 2, abs=1e-13)
    assert c.deriv_mean == pytest.approx(0.0, abs=1e-13) and c.deriv_z == pytest.approx(-E1, abs=1e-13)
    assert c.deriv_second == pytest.approx((1 - E2) / 2, abs=1e-13)


def test_gaussian_moments_of_a_cubic_expression():
    # f = z^3 + 1: E f = 1, E z f = 3, E f^2 = 15 + 1, f' = 3 z^2: E f' = 3, E f'^2 = 27, E z f' = 0
    m = gaussian_moments("z**3 + 1", label="target")
    assert [m.mu0, m.mu1, m.second, m.deriv_mean, m.deriv_second, m.deriv_z] == pytest.approx(
        [1.0, 3.0, 16.0, 3.0, 27.0, 0.0], abs=1e-11)
    assert m.mu_star_sq == pytest.approx(16.0 - 1.0 - 9.0, abs=1e-11)


def test_scalar_moments_of_callables():
    assert second_moment(lambda z: z**3) == pytest.approx(15.0, rel=1e-12)
    v, e = second_moment(lambda z: z**2 - 1, with_error=True)
    assert v == pytest.approx(2.0, rel=1e-12) and 0 <= e < 1e-10
    assert second_moment("sin") == pytest.approx((1 - E2) / 2, rel=1e-12)
    # mu_* = sqrt(E f^2 - mu0^2 - mu1^2): z^2 - 1 + z has mu0 = 0, mu1 = 1, E f^2 = 3
    assert mu_star(lambda z: z**2 - 1 + z) == pytest.approx(math.sqrt(2.0), rel=1e-12)
    val, err = mu_star(lambda z: 2 * z + 1, with_error=True)  # linear: 0
    assert val == pytest.approx(0.0, abs=1e-6) and err >= 0
    assert derivative_second_moment(lambda z: z**3, derivative=lambda z: 3 * z**2) == pytest.approx(27.0, rel=1e-12)
    assert derivative_second_moment("sin") == pytest.approx((1 + E2) / 2, rel=1e-12)
    with pytest.raises(TypeError, match="needs the derivative"):
        derivative_second_moment(lambda z: z**3)
    with pytest.raises(TypeError, match="derivative must be a vectorised callable"):
        derivative_second_moment(lambda z: z**3, derivative=3.0)
    with pytest.raises(TypeError, match="kinks must be a sequence of real numbers"):
        second_moment(lambda z: z, kinks=("a",))


def test_double_factorial_and_readout_power_moments():
    assert [double_factorial(m) for m in (-1, 0, 1, 2, 3, 7, 8)] == [1.0, 1.0, 1.0, 2.0, 3.0, 105.0, 384.0]
    rng_free = [1.0, 0.0, 1.0, 0.0, 3.0, 0.0, 15.0, 0.0, 105.0]  # E z^m
    assert readout_power_moments("gaussian", 8).tolist() == rng_free
    assert readout_power_moments("rademacher", 5).tolist() == [1.0, 0.0, 1.0, 0.0, 1.0, 0.0]
    assert readout_power_moments("symmetric", 3).tolist() == [1.0, 0.0, 1.0, 0.0]
    assert readout_power_moments("constant", 3).tolist() == [1.0, 1.0, 1.0, 1.0]
    assert readout_power_moments("gaussian", 0).tolist() == [1.0]
    # a Monte Carlo of the Gaussian readout's moments (10^6 draws; SE of E z^6 is sqrt(10395 - 225)/1000 = 0.1)
    z = np.random.default_rng(0).standard_normal(1_000_000)
    mc = [float(np.mean(z**k)) for k in range(7)]
    assert readout_power_moments("gaussian", 6) == pytest.approx(mc, abs=0.5)
    with pytest.raises(ValueError, match="readout"):
        readout_power_moments("uniform", 3)
    with pytest.raises(ValueError, match="mmax"):
        readout_power_moments("gaussian", -1)
