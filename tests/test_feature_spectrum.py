"""Feature-matrix spikes (theory/spikes/feature_spectrum.py): each link of the deterministic equivalent."""

import math

import numpy as np
import pytest

import theory
from theory.spikes.feature_spectrum import (
    _Bulk,
    _column_spread,
    _build_model,
    _Model,
    _solve_model,
    feature_spikes,
    monomial_hermite_vector,
    scaled_hermite_coefficients,
)


def test_scaled_coefficients_match_hermite_engine():
    # sigma(r z) through the library's Hermite engine (another grid, another code path)
    for name in ("tanh", "relu", "softplus"):
        act = theory.activation(name)
        c, m2, err = scaled_hermite_coefficients(act, [0.7, 1.0, 1.9], 8)
        for i, r in enumerate((0.7, 1.0, 1.9)):
            ref = theory.hermite_coefficients(theory.activation(name, scale=r), 8, basis="orthonormal")
            assert np.allclose(c[i], ref.values, atol=1e-11)
        assert err < 1e-10


def test_monomial_vectors_are_unit_and_match_moments():
    for k in range(6):
        v = monomial_hermite_vector(k, 8)
        assert np.linalg.norm(v) == pytest.approx(1.0, abs=1e-14)
    # <kappa^2/sqrt3, kappa^4/sqrt105> = E kappa^6 / sqrt(3 * 105) = 15 / sqrt(315)
    assert monomial_hermite_vector(2, 8) @ monomial_hermite_vector(4, 8) == pytest.approx(15 / math.sqrt(315))


def _mp_stieltjes(z, c):
    """(1/N) tr (G - z)^{-1} for the Marchenko-Pastur law of ratio c = N/d (closed form), real z above the edge."""
    return (1 - c - z + math.sqrt((z - 1 - c) ** 2 - 4 * c)) / (2 * c * z)


@pytest.mark.parametrize("act, ratio", [("tanh", 0.5), ("relu", 1.0), ("erf", 2.0)])
def test_bulk_resolvent_is_marchenko_pastur_without_step(act, ratio):
    # No step: Sigma_b = mu1^2 G + mu*^2 I with G ~ MP(N/d) (docs/theory/risk.md#random-features), so
    # g_b(zeta) = m_MP((zeta - mu*^2)/mu1^2) / mu1^2.
    s = theory.OneStep(activation=act, d=1000, width=1000 * ratio, n=3000, lr=0.0, residual="labels")
    model = _build_model(s, s.n, heavy_tails=False)
    bulk = _Bulk(model)
    a = theory.activation(act)
    mu = theory.hermite_coefficients(a, 1).values
    z, w = theory.hermite.engine.gaussian_rule(a.kinks, degree=4)
    mus2 = w @ a(z) ** 2 - mu[0] ** 2 - mu[1] ** 2
    edge = mu[1] ** 2 * (1 + math.sqrt(ratio)) ** 2 + mus2
    for zeta in (1.05 * edge, 1.5 * edge, 4 * edge):
        ref = _mp_stieltjes((zeta - mus2) / mu[1] ** 2, ratio) / mu[1] ** 2
        assert bulk.g(zeta) == pytest.approx(ref, rel=1e-10)


def _white_model(ell, sigma2, N, n):
    """Synthetic model: white bulk sigma2 * I and one spike of population strength ell."""
    one = np.ones(1)
    return _Model(pi=one, rho2=one, D=sigma2 * one, phi=np.zeros((1, 1)), g_pi=one, g_rho2=one, g_D=sigma2 * one,
                  g_phi=np.zeros((1, 1)), gram=np.array([[[0.0, 0.0], [0.0, ell / N]]]), labels=("h0", "h1"),
                  width=float(N), d=float(N), n_features=float(n), a=np.zeros(1), hermite_error=0.0)


@pytest.mark.parametrize("ell, sigma2, gamma", [(2.0, 1.0, 0.5), (0.9, 1.0, 0.5), (5.0, 2.0, 2.0)])
def test_secular_equation_reduces_to_bbp(ell, sigma2, gamma):
    # Sample covariance with population sigma2 I + ell e e^T (Baik-Ben Arous-Peche; Paul 2007):
    # outlier at lambda = (sigma2 + ell)(1 + gamma sigma2 / ell) iff ell > sigma2 sqrt(gamma), and the
    # squared overlap of the sample-side singular vector with the factor is (l^2 - gamma)/(l (l + 1)), l = ell/sigma2.
    N = 1000
    bulk, edge, spikes, below, status = _solve_model(_white_model(ell, sigma2, N, N / gamma))
    assert edge == pytest.approx(math.sqrt(sigma2) * (1 + math.sqrt(gamma)), rel=1e-7)
    l = ell / sigma2
    if l > math.sqrt(gamma):
        (sp,) = spikes
        assert sp.location**2 == pytest.approx(sigma2 * (1 + l) * (1 + gamma / l), rel=1e-9)
        assert sp.span_alignment == pytest.approx((l * l - gamma) / (l * (l + 1)), rel=1e-5)
        assert sp.degree == 1 and sp.alignment == pytest.approx(math.sqrt(sp.span_alignment), rel=1e-12)
    else:
        assert spikes == ()


def test_leading_order_matches_B8():
    # docs/theory/spikes.md#spike-sizes: in isolation s_k/sqrt(n) = |c_k| (2k-1)!! |tau c1 |beta||^k sqrt(N) for a
    # Gaussian readout, the odd and even degrees decoupling (their Gram entries vanish).
    act = theory.activation("polynomial", coeffs=[0, 1, 0.5], coeff_basis="hermite")
    s = theory.OneStep.from_moniri(alpha=0.3, activation=act, target="tanh", d=1000, width=800, n=2000,
                                   residual="labels")
    spec = feature_spikes(s, method="leading")
    beta = math.sqrt(theory.spikes.predictions.learned_overlap(s).norm_sq)
    t = s.lr * beta  # c1 = 1
    expected = sorted([t * math.sqrt(800), 0.5 * 3 * t**2 * math.sqrt(800)], reverse=True)
    assert [sp.degree for sp in spec.spikes] == [1, 2]
    assert np.allclose(spec.locations, expected, rtol=1e-12)
    assert spec.method == "leading" and spec.regime == "moniri"


def test_no_step_only_mean_and_kernel_can_stand_out():
    s = theory.OneStep(activation="tanh", d=400, width=400, n=800, lr=0.0, residual="labels")
    spec = feature_spikes(s)
    assert spec.spikes == () and spec.step_count == 0 and spec.status == "ok"


@pytest.mark.parametrize("kw, err, match", [
    (dict(method="exact"), ValueError, "method must be one of"),
    (dict(n_features=0), ValueError, "n_features must be a positive"),
    (dict(readout_nodes=1), ValueError, "readout_nodes must be an integer >= 2"),
])
def test_feature_spikes_bad_input(kw, err, match):
    with pytest.raises(err, match=match):
        feature_spikes(theory.OneStep(), **kw)


def test_symmetric_readout_and_giant_leading_order_are_refused():
    with pytest.raises(ValueError, match="symmetric"):
        feature_spikes(theory.OneStep(readout="symmetric"))
    with pytest.raises(ValueError, match=r"alpha .* in \[0, 1/2\)"):
        feature_spikes(theory.OneStep(lr=5.0, n=1000, width=1000), method="leading")


def test_feature_spike_location_monte_carlo_small():
    # tanh, alpha = 0.3, d = N = 300, n = 600, 4 trials: the degree-1 outlier. Tolerance: 4 standard
    # errors plus 3% for the finite size (the gap shrinks with n, docs/validation/spikes.md).
    s = theory.OneStep.from_moniri(alpha=0.3, activation="tanh", target="tanh", d=300, width=300, n=600,
                                   residual="labels")
    from validation import simulate

    spec = feature_spikes(s)
    mc = simulate(s, trials=4, seed=5, measures=("spectrum",), top_k=3).get("feature_singular_values")
    (sp,) = spec.spikes
    mean, se = mc[:, 0].mean(), mc[:, 0].std(ddof=1) / 2
    assert abs(mean - sp.location) < 4 * se + 0.03 * sp.location
    assert mc[:, 1].mean() < sp.location and sp.degree == 1


def test_column_spread_matches_monte_carlo_column_norms():
    # docs/spikes.md §5.7: (1/n) sum_mu F_{mu i}^2 has relative variance (m4 - 1)/n; the excess over the
    # Gaussian value 2/n is the lognormal factor nu (mean 1, variance (m4 - 3)/n).
    poly = theory.activation("polynomial", coeffs=[0, 1, 0.5, 0.3, 0.2], coeff_basis="hermite")
    c, m2, err, kurt = scaled_hermite_coefficients(poly, [1.0], 4, kurtosis=True)
    n = 600
    nu, w = _column_spread(kurt[0], n)
    assert w @ nu == pytest.approx(1.0, rel=1e-12)
    assert w @ nu**2 - 1 == pytest.approx((kurt[0] - 3) / n, rel=5e-3)  # 5-node Gauss-Hermite rule for a lognormal of variance 0.55
    assert _column_spread(3.0, n)[0].tolist() == [1.0] and _column_spread(1.8, n)[0].tolist() == [1.0]
    rng = np.random.default_rng(2)
    W = rng.standard_normal((400, 300))
    W /= np.linalg.norm(W, axis=1, keepdims=True)
    F = poly(rng.standard_normal((n, 300)) @ W.T)
    col = (F**2).mean(0)
    rel_var = col.var() / col.mean() ** 2
    # 400 columns, nearly independent: the sample variance of a heavy-tailed quantity; 25% tolerance
    assert rel_var == pytest.approx((kurt[0] - 1) / n, rel=0.25)


@pytest.mark.parametrize("act, alpha, log10_n, readout", [
    ("poly", 0.35, 16, "gaussian"), ("tanh", 0.42, 24, "gaussian"), ("relu", 0.35, 9, "gaussian"),
    ("poly", 0.42, 16, "rademacher"),
])
def test_finite_size_equivalent_recovers_the_interval_theorem(act, alpha, log10_n, readout):
    # As n -> infinity (d = width = n/2, eta = n^alpha) the separated step spikes of the finite-size
    # equivalent are exactly the degrees of Moniri's interval theorem (docs/spikes.md §4-§5).
    a = (theory.activation("polynomial", coeffs=[0, 1, 0.5, 0.3, 0.2], coeff_basis="hermite") if act == "poly"
         else theory.activation(act))
    n = 10.0**log10_n
    s = theory.OneStep.from_moniri(alpha=alpha, activation=a, target="tanh", d=n / 2, width=n / 2, n=n,
                                   residual="labels", readout=readout)
    spec = feature_spikes(s)
    step = tuple(sorted(sp.degree for sp in spec.spikes if sp.kind == "hermite"))
    assert step == theory.spike_degrees(alpha, a, readout=readout).degrees


def test_regimes_are_labelled_and_flagged():
    # docs/spikes.md §6: Ba (eta = |lr| sqrt(width) <= 4), Moniri, giant step (eta >= sqrt(n)/2); the status
    # depends on the measured-accuracy criteria only (here the bulk noise of a large step)
    base = dict(activation="tanh", target="tanh", d=500, width=500, n=1000, residual="labels")
    ba = theory.OneStep.from_ba(eta=1.0, **{**base, "readout": "gaussian", "init": "sphere"})
    assert feature_spikes(ba).regime == "ba"
    mon = theory.OneStep.from_moniri(alpha=0.3, **base)
    assert feature_spikes(mon).regime == "moniri" and feature_spikes(mon).status == "ok"
    giant = theory.OneStep(lr=5.0, **base)
    spec = feature_spikes(giant)
    assert spec.regime == "giant" and spec.status == "approximate" and "validated" in spec.message
    with pytest.warns(RuntimeWarning, match="validated"):
        feature_spikes(giant, strict=True)
    w = theory.weight_spike(theory.OneStep(lr=5.0, **{**base, "n": 600}))
    assert w.status == "outside_regime" and w.bulk_noise > 0.1
    with pytest.warns(RuntimeWarning, match="giant-step"):
        theory.weight_spike(theory.OneStep(lr=5.0, **{**base, "n": 600}), strict=True)


def test_status_flags_the_neuron_norm_spread():
    # docs/spikes.md §5.8: large for a polynomial at a large step (even spikes too low), negligible for tanh
    poly = theory.activation("polynomial", coeffs=[0, 1, 0.5, 0.3, 0.2], coeff_basis="hermite")
    common = dict(target="tanh", d=500, width=500, n=1000, residual="labels", readout="rademacher")
    spec = feature_spikes(theory.OneStep.from_moniri(alpha=0.4, activation=poly, **common))
    assert spec.status == "approximate" and "scatter" in spec.message
    assert feature_spikes(theory.OneStep.from_moniri(alpha=0.4, activation="tanh", **common)).status == "ok"


@pytest.mark.slow
@pytest.mark.parametrize("act, alpha", [("tanh", 0.3), ("tanh", 0.35), ("relu", 0.3)])
def test_feature_spike_location_and_alignment_monte_carlo_n2000(act, alpha):
    # docs/validation/spikes.md at n = 2000, d = width = 1000, 4 trials: the degree-1 spike within 3 standard
    # errors plus 2%, its alignment with X beta within 0.02 (both measured: < 1% and < 0.005).
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    from validate_spikes import setup_for, trial
    from validation.seeding import task_sequence

    s = setup_for(act, "gaussian", 2000, alpha)
    spec = feature_spikes(s)
    (sp,) = [x for x in spec.spikes if x.degree == 1]
    recs = [trial(s, task_sequence(17, f"slow:{act}:{alpha}"), t) for t in range(4)]
    gs = np.abs(np.array([r["gs_cos"] for r in recs]))[:, 1, :]
    sv = np.array([r["sv"] for r in recs])
    j = np.argmax(gs, axis=1)
    vals, als = sv[np.arange(4), j], gs[np.arange(4), j]
    assert abs(vals.mean() - sp.location) < 3 * vals.std(ddof=1) / 2 + 0.02 * sp.location
    assert abs(als.mean() - sp.gs_alignment) < 0.02


def test_norm_spread_variance_matches_simulation():
    # docs/spikes.md §5.8: Var rho_i^2 = cross term + |delta_i|^2 term (measured 0.0198 vs 0.0193 at n = 1000);
    # here d = width = 300, n = 600, +-1 readout, 2 trials of 300 neurons; 20% tolerance (the sample variance
    # of a heavy-tailed quantity over 600 neurons)
    from theory.spikes.feature_spectrum import _norm_spread
    from theory.spikes.predictions import _step_stats
    from validation.seeding import role_generator, trial_sequence
    from validation.simulate import draw_data, draw_initial, gradient_step

    poly = theory.activation("polynomial", coeffs=np.array([0, 1, 0.5, 0.3, 0.2]) / math.sqrt(3.0),
                             coeff_basis="hermite")
    s = theory.OneStep.from_moniri(alpha=0.4, activation=poly, target="tanh", d=300, width=300, n=600,
                                   residual="labels", readout="rademacher")
    vals = []
    for t in range(2):
        tseq = trial_sequence(21, t)
        init = draw_initial(s, tseq)
        X, y, _ = draw_data(s, 600, role_generator(tseq, "step", 0), role_generator(tseq, "noise", 0))
        W1, _, r = gradient_step(init.W0, init.s, X, y, s, return_gradient=True)
        bh = X.T @ r / np.linalg.norm(X.T @ r)
        a = W1 @ bh
        vals.append(np.var(np.sum(W1**2, axis=1) - a**2))
    assert np.mean(vals) == pytest.approx(_norm_spread(s, _step_stats(s)), rel=0.2)


def test_norm_spread_raises_even_spikes_and_leaves_tanh_alone():
    poly = theory.activation("polynomial", coeffs=[0, 1, 0.5, 0.3, 0.2], coeff_basis="hermite")
    common = dict(target="tanh", d=1000, width=1000, n=2000, residual="labels", readout="rademacher")
    on = feature_spikes(theory.OneStep.from_moniri(alpha=0.4, activation=poly, **common))
    off = feature_spikes(theory.OneStep.from_moniri(alpha=0.4, activation=poly, **common), norm_spread=False)
    even = {sp.degree: sp.location for sp in on.spikes}, {sp.degree: sp.location for sp in off.spikes}
    assert even[0][2] > even[1][2] and even[0][1] == pytest.approx(even[1][1], rel=0.01)
    t = theory.OneStep.from_moniri(alpha=0.4, activation="tanh", **common)
    assert feature_spikes(t).locations == pytest.approx(feature_spikes(t, norm_spread=False).locations, rel=1e-3)
