"""Exact values and argument checks of the step/penalty conventions and the Marchenko-Pastur rule.

Written to kill the mutants that survived the first mutmut run (``scripts/mutation_score.py``,
``docs/validation/mutation.md``): every conversion is checked at hand-computed exact values (integers and
powers chosen so that the answer is exact), and every bad argument must raise ``ValueError`` naming
that argument (the project's rule for untrusted input).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from theory.model import conventions as cv
from theory.ridge.marchenko_pastur import mp_average, mp_edges, mp_rule


def test_learning_rates_at_exact_values():
    assert cv.lr_from_ba(2.0, 400) == pytest.approx(0.1, rel=1e-15)  # 2 / sqrt(400)
    assert cv.lr_from_moniri(0.5, n=100, width=4, eta0=3.0) == pytest.approx(15.0, rel=1e-14)  # 3 * 10 / 2
    assert cv.lr_from_moniri(0.5, n=100, width=4) == pytest.approx(5.0, rel=1e-14)  # eta0 defaults to 1
    assert cv.lr_from_cui(0.7) == 0.7
    assert cv.lr_from_dandi(6.0, 3) == pytest.approx(2.0, rel=1e-15)
    assert cv.dandi_eta(2.0, width=5, d=16, ell=3) == pytest.approx(160.0, rel=1e-14)  # 2 * 5 * 16^1
    assert cv.dandi_eta(2.0, width=5, d=16, ell=2) == pytest.approx(40.0, rel=1e-14)  # 2 * 5 * 16^(1/2)


def test_moniri_alpha_inverts_the_step_exactly():
    # n^alpha = lr sqrt(width): lr = 15, width = 4 gives 30
    assert 100.0 ** cv.moniri_alpha(15.0, n=100, width=4) == pytest.approx(30.0, rel=1e-13)
    assert cv.moniri_alpha(-15.0, n=100, width=4) == cv.moniri_alpha(15.0, n=100, width=4)
    assert cv.moniri_alpha(0.0, n=100, width=4) == -math.inf
    assert 2.0 ** cv.moniri_alpha(3.0, n=2, width=4) == pytest.approx(6.0, rel=1e-13)  # n = 2 is allowed
    with pytest.raises(ValueError, match="n must be > 1"):
        cv.moniri_alpha(1.0, n=1, width=4)


@pytest.mark.parametrize("pair", ["ba", "moniri", "per_sample"])
def test_ridge_penalties_at_exact_values(pair):
    to_c, from_c = getattr(cv, f"lam_from_{pair}"), getattr(cv, f"lam_to_{pair}")
    assert to_c(0.3, n_ridge=2000, width=500) == pytest.approx(1.2, rel=1e-15)  # lam n / N
    assert from_c(1.2, n_ridge=2000, width=500) == pytest.approx(0.3, rel=1e-15)
    for f in (to_c, from_c):
        with pytest.raises(ValueError, match="^lam must"):
            f(-1.0, n_ridge=2000, width=500)
        with pytest.raises(ValueError, match="^n_ridge must"):
            f(0.3, n_ridge=0, width=500)
        with pytest.raises(ValueError, match="^width must"):
            f(0.3, n_ridge=2000, width=0)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: cv.lr_from_ba(math.nan, 4), "eta"),
        (lambda: cv.lr_from_ba(1.0, 0), "width"),
        (lambda: cv.lr_from_moniri(math.nan, 10, 4), "alpha"),
        (lambda: cv.lr_from_moniri(0.5, -10, 4), "n"),
        (lambda: cv.lr_from_moniri(0.5, 10, -4), "width"),
        (lambda: cv.lr_from_moniri(0.5, 10, 4, eta0=math.inf), "eta0"),
        (lambda: cv.lr_from_cui(math.nan), "eta_tilde"),
        (lambda: cv.lr_from_dandi(math.nan, 4), "eta"),
        (lambda: cv.lr_from_dandi(1.0, 0), "width"),
        (lambda: cv.dandi_eta(math.nan, 4, 16, 2), "eta0"),
        (lambda: cv.dandi_eta(1.0, 0, 16, 2), "width"),
        (lambda: cv.dandi_eta(1.0, 4, 0, 2), "d"),
        (lambda: cv.dandi_eta(1.0, 4, 16, 0), "ell"),
        (lambda: cv.moniri_alpha(math.nan, 10, 4), "lr"),
        (lambda: cv.moniri_alpha(1.0, 0, 4), "n"),
        (lambda: cv.moniri_alpha(1.0, 10, 0), "width"),
        (lambda: mp_edges(-1.0), "beta"),
        (lambda: mp_edges(1.0, scale=0.0), "scale"),
        (lambda: mp_rule(-1.0), "beta"),
        (lambda: mp_rule(1.0, scale=-2.0), "scale"),
        (lambda: mp_rule(1.0, n_nodes=7), "n_nodes"),
    ],
)
def test_bad_argument_is_named(call, name):
    with pytest.raises(ValueError, match=rf"^{name} must"):
        call()


def test_mp_edges_and_atom_exact():
    assert mp_edges(4.0, scale=2.0) == pytest.approx((2.0, 18.0), rel=1e-15)  # 2 (1 -+ 2)^2
    x, w = mp_rule(4.0, n_nodes=8)  # the smallest allowed rule
    assert len(x) == 9 and x[0] == 0.0 and w[0] == pytest.approx(0.75, rel=1e-15)  # atom 1 - 1/beta
    # c MP_beta has mean c and second moment c^2 (1 + beta) (the rule converges geometrically: 400 nodes)
    for beta in (0.25, 1.0, 4.0):
        x, w = mp_rule(beta, scale=3.0)
        assert w.sum() == pytest.approx(1.0, abs=1e-13)
        assert w @ x == pytest.approx(3.0, rel=1e-13)
        assert w @ x**2 == pytest.approx(9.0 * (1.0 + beta), rel=1e-13)
    assert mp_average(lambda x: x**3, 0.5) == pytest.approx(1 + 3 * 0.5 + 0.5**2, rel=1e-12)  # 1 + 3b + b^2
    assert mp_average(lambda x: x, 0.5, scale=3.0) == pytest.approx(3.0, rel=1e-13)
    x8, w8 = mp_rule(0.5, n_nodes=8)
    assert mp_average(lambda x: 1 / (1 + x), 0.5, n_nodes=8) == pytest.approx(w8 @ (1 / (1 + x8)), rel=1e-15)
    assert mp_average(lambda x: 1 / (1 + x), 0.5, n_nodes=8) != mp_average(lambda x: 1 / (1 + x), 0.5)
    assert np.all(np.diff(mp_rule(0.5)[0]) > 0)
