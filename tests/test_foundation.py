"""Foundation: the experiment description, conventions, seeding, the CLI shell."""

import math

import numpy as np
import pytest

import theory
from theory import conventions as conv
from validation import seeding
from validation.cli import main


def test_onestep_defaults_and_ratios():
    s = theory.OneStep(activation="tanh", target="sin", d=1000, width=500, n=4000, lr=2.0)
    assert s.sample_ratio == 4.0 and s.width_ratio == 0.5
    assert s.effective_output_scale == 1 / 500
    assert isinstance(s.activation, theory.Activation)
    assert s.to_dict()["activation"] == "tanh"


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(d=0), "d must be a positive"),
        (dict(width=-3), "width must be a positive"),
        (dict(lr=float("nan")), "lr must be finite"),
        (dict(noise_var=-1), "noise_var"),
        (dict(readout="gauss"), "did you mean 'gaussian'"),
        (dict(init="ball"), "init must be one of"),
        (dict(steps=0), "steps must be an integer >= 1"),
        (dict(activation="tanhh"), "did you mean 'tanh'"),
    ],
)
def test_onestep_bad_input(kw, match):
    with pytest.raises((ValueError, TypeError), match=match):
        theory.OneStep(**kw)


def test_paper_constructors_match_table():
    # docs/theory/conventions.md#the-network table: Ba tau = eta/sqrt(N); Moniri eta = n^alpha; Cui tau = eta~; Dandi tau = eta/p.
    b = theory.OneStep.from_ba(eta=2.0, d=100, width=400, n=200)
    assert b.lr == pytest.approx(2.0 / 20) and b.init == "gaussian" and b.readout == "gaussian"
    m = theory.OneStep.from_moniri(alpha=0.3, d=100, width=400, n=1000)
    assert m.moniri_alpha == pytest.approx(0.3, abs=1e-12)
    assert m.effective_output_scale == pytest.approx(1 / 20)
    c = theory.OneStep.from_cui(eta_tilde=3.0, d=100, width=100, alpha0=20)
    assert c.lr == 3.0 and c.n == 2000
    dd = theory.OneStep.from_dandi(eta0=1.0, d=100, width=50, ell=2)
    assert dd.n == 100**2 and dd.lr == pytest.approx(math.sqrt(100))


def test_lam_maps_roundtrip():
    # Ba: (1/n)|y - Phi a|^2 + lam/N |a|^2 with Phi = sigma/sqrt(N) is lam_C = lam n / N.
    rng = np.random.default_rng(0)
    n, p = 30, 12
    H = rng.standard_normal((n, p))
    y = rng.standard_normal(n)
    lam_ba = 0.7
    # Ba's minimiser
    Phi = H / math.sqrt(p)
    a_ba = np.linalg.solve(Phi.T @ Phi / n + lam_ba / p * np.eye(p), Phi.T @ y / n)
    lam_c = conv.lam_from_ba(lam_ba, n_ridge=n, width=p)
    a_c = np.linalg.solve(Phi.T @ Phi + lam_c * np.eye(p), Phi.T @ y)
    assert np.allclose(a_ba, a_c)
    assert conv.lam_to_ba(lam_c, n_ridge=n, width=p) == pytest.approx(lam_ba)


def test_seeding_independent_of_order():
    a = [seeding.role_generator(seeding.trial_sequence(5, t), "W0").standard_normal(3) for t in range(4)]
    b = [seeding.role_generator(seeding.trial_sequence(5, t), "W0").standard_normal(3) for t in reversed(range(4))]
    assert all(np.array_equal(x, y) for x, y in zip(a, reversed(b)))
    assert not np.array_equal(a[0], a[1])
    rec = seeding.seed_record(seeding.trial_sequence(5, 2))
    assert rec["spawn_key"] == [2]
    with pytest.raises(TypeError, match="seed must be"):
        seeding.as_seed_sequence("x")


def test_cli_bad_input_exit_2(capsys):
    assert main(["hermite", "tanhh", "--kmax", "3"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "did you mean 'tanh'" in err
