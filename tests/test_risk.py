"""Limiting train and test error: MP quadrature, solvers, the conditional GE system and theory.risk.

Every check is against an independent method (scipy quadrature, Ba et al.'s conditional formula
on the same weights, a closed-form limit) or an exact identity of the equations.
"""

import math
import warnings

import numpy as np
import pytest
from scipy import integrate

import theory
from theory.ridge.ba_conditional import ba_conditional_risk, conditional_spectrum
from theory.ridge.conditional import constant_kappa_data, srf_kappa_data, smoothed_moments
from theory.ridge.system import GESystem
from theory.marchenko_pastur import mp_average, mp_edges, mp_rule
from theory.ridge.limiting_error import readout_power_moments, risk, select_method
from theory.solvers import fixed_point
from theory.ridge.spectral import mp_spectrum

SOFTPLUS_C = theory.activation("softplus", center=True)


def _sphere(rng, p, d):
    W = rng.standard_normal((p, d))
    return W / np.linalg.norm(W, axis=1, keepdims=True)


# ----------------------------------------------------------------------------- Marchenko-Pastur
@pytest.mark.parametrize("beta", [0.3, 1.0, 2.5])
def test_mp_rule_against_scipy_quad(beta):
    xm, xp = mp_edges(beta)
    dens = lambda x: math.sqrt(max((xp - x) * (x - xm), 0.0)) / (2 * math.pi * beta * x)  # noqa: E731
    for z in (0.5, 0.05):
        ref = integrate.quad(lambda x: dens(x) / (z + x), xm, xp, limit=400, epsabs=1e-14, epsrel=1e-13)[0]
        ref += max(0.0, 1 - 1 / beta) / z
        assert mp_average(lambda x: 1 / (z + x), beta) == pytest.approx(ref, rel=1e-10, abs=1e-12)


def test_mp_moments_with_atom():
    for beta in (0.5, 1.0, 4.0):
        x, w = mp_rule(beta, scale=2.0)
        assert w.sum() == pytest.approx(1.0, abs=1e-13)
        assert w @ x == pytest.approx(2.0, rel=1e-12)  # mean c
        assert w @ x**2 == pytest.approx(4.0 * (1 + beta), rel=1e-11)  # c^2 (1 + beta)
        if beta > 1:
            assert x[0] == 0.0 and w[0] == pytest.approx(1 - 1 / beta)


# ----------------------------------------------------------------------------- solver
def test_solver_statuses_are_honest():
    ok = fixed_point(lambda x: 0.5 * x + 1.0, [0.0])
    assert ok.status == "converged" and ok.residual <= 1e-10 and abs(ok.x[0] - 2.0) < 1e-9
    stuck = fixed_point(lambda x: x + 1.0, [0.0], max_iter=50)  # no fixed point: residual stays 1
    assert stuck.status in ("max_iter", "diverged") and stuck.residual >= 1e-3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        blow = fixed_point(np.exp, [0.0], max_iter=200)  # e^x = x has no real solution
    assert blow.status in ("max_iter", "diverged") and not blow.converged
    # Anderson and plain damping agree on a non-trivial contraction
    T = lambda x: np.array([np.cos(x[1]), 0.5 * np.sin(x[0]) + 0.2])  # noqa: E731
    a = fixed_point(T, [0.0, 0.0], accelerate=True)
    b = fixed_point(T, [0.0, 0.0], accelerate=False)
    assert a.converged and b.converged and np.allclose(a.x, b.x, atol=1e-9) and a.n_iter <= b.n_iter


# ----------------------------------------------------------------------------- conditional coefficients
def test_smoothed_moments_kinked_closed_form():
    # relu: E max(a + s z, 0) = a Phi(a/s) + s phi(a/s)
    from scipy.stats import norm

    a = np.linspace(-3, 3, 7)
    m0, m1, m2 = smoothed_moments(theory.activation("relu"), a, 1.7)
    assert np.allclose(m0, a * norm.cdf(a / 1.7) + 1.7 * norm.pdf(a / 1.7), atol=1e-13)
    assert np.allclose(m1, 1.7 * norm.cdf(a / 1.7), atol=1e-13)  # Stein: E[z f] = s E f'
    assert np.allclose(m2, (a * a + 1.7**2) * norm.cdf(a / 1.7) + a * 1.7 * norm.pdf(a / 1.7), atol=1e-12)


def test_smoothed_moments_second_hermite():
    # E[(z^2 - 1) f(a + s z)] = s d/ds E f(a + s z): for relu s phi(a/s) (kinked path); for tanh against a
    # central difference of the first moment in s (smooth path); zero at s = 0.
    from scipy.stats import norm

    a = np.linspace(-3, 3, 7)
    *_, m3 = smoothed_moments(theory.activation("relu"), a, 1.7, he2=True)
    assert np.allclose(m3, 1.7 * norm.pdf(a / 1.7), atol=1e-13)
    tanh = theory.activation("tanh")
    h = 1e-5
    deriv = (smoothed_moments(tanh, a, 1.3 + h)[0] - smoothed_moments(tanh, a, 1.3 - h)[0]) / (2 * h)
    assert np.allclose(smoothed_moments(tanh, a, 1.3, he2=True)[3], 1.3 * deriv, atol=1e-8)
    assert np.all(smoothed_moments(tanh, a, 0.0, he2=True)[3] == 0)
    assert len(smoothed_moments(tanh, a, 1.3)) == 3


def test_conditional_coefficients_stein_and_variance():
    kd = srf_kappa_data("tanh", "sin", r=1.3, c=1.8, gamma=0.6, noise_var=0.2)
    # E_kappa mu0(kappa) = E tanh(sqrt(r^2 + c) z) = 0, and E_kappa h = E sin = 0
    assert abs(kd.mean(kd.mu0)) < 1e-14 and abs(kd.mean(kd.h)) < 1e-14
    # E_kappa hh = E sin^2 + noise; E_kappa[kappa h] = gamma mu1*
    assert kd.mean(kd.hh) == pytest.approx((1 - math.exp(-2)) / 2 + 0.2, rel=1e-12)
    assert kd.mean(kd.nodes * kd.h) == pytest.approx(0.6 * math.exp(-0.5), rel=1e-12)
    # law of total variance: E_kappa[mu0^2 + c mu1^2 + mu2^2] = E tanh(sqrt(r^2+c) z)^2
    tot = theory.hermite_coefficients(lambda z: np.tanh(math.sqrt(1.3**2 + 1.8) * z) ** 2, 0).values[0]
    assert kd.mean(kd.mu0**2 + 1.8 * kd.mu1**2 + kd.mu2sq) == pytest.approx(tot, rel=1e-12)


# ----------------------------------------------------------------------------- RF and its identities
def _rf_setup(**kw):
    base = dict(activation="tanh", target=SOFTPLUS_C, d=400, width=200, n=800, lr=0.0, noise_var=0.0625)
    base.update(kw)
    return theory.OneStep(**base)


def test_rf_finite_p_equals_ba_conditional_formula_on_same_weights():
    # Two different formulas (GE replica system vs Ba et al.'s conditional ridge formula, docs/theory/risk.md#ba-conditional-formula)
    # on the same W0: they must agree (the notes saw 4 digits; here both are exact deterministic equivalents).
    rng = np.random.default_rng(3)
    s = _rf_setup()
    W0 = _sphere(rng, 200, 400)
    n = np.array([100.0, 400.0, 1200.0])
    for lam in (0.01, 0.3):
        a = risk(s, n, lam, method="rf", W0=W0)
        b = risk(s, n, lam, method="ba", W1=W0)
        assert a.converged and b.converged and a.spectrum == "finite"
        assert np.allclose(a.test_error, b.test_error, rtol=2e-6)
        assert np.allclose(a.train_error, b.train_error, rtol=2e-6)


def test_rf_is_rotation_invariant_in_the_srf_system():
    # At r = 0, c = 1 the sRF features are plain RF; splitting the target between the kappa (theta) and
    # zeta (psi) channels must not change anything: a strong check of both channels (MP limit).
    act, tgt = theory.gaussian_moments("relu"), theory.gaussian_moments("sin")
    beta = 0.7
    flat = constant_kappa_data(mu0=act.mu0, mu1=act.mu1, mu2sq=act.mu_star_sq, h=tgt.mu0, h1=tgt.mu1,
                               hh=tgt.second, noise_var=0.1)
    ref = GESystem(flat, mp_spectrum(beta), unreg_funcs=[flat.mu0]).solve(1.3, 0.05)
    for g in (0.0, 0.5, 0.95):
        kd = srf_kappa_data("relu", "sin", r=0.0, c=1.0, gamma=g, noise_var=0.1)
        sysg = GESystem(kd, mp_spectrum(beta, gram=[[beta]]), spike_funcs=[kd.mu1 * kd.nodes], unreg_funcs=[kd.mu0])
        sol = sysg.solve(1.3, 0.05)
        assert sol.status == "converged"
        assert sol.test_error == pytest.approx(ref.test_error, rel=1e-9)
        assert sol.train_error == pytest.approx(ref.train_error, rel=1e-9)


def test_large_penalty_gives_second_moment():
    # lam -> inf: a -> 0 and the test and train errors tend to E y^2 (label noise included), also for a
    # non-centred activation (its mean direction is a finite, strong channel, docs/derivations/ge_system.md).
    ey2 = (1 - math.exp(-2)) / 2 + 0.1
    r = risk(_rf_setup(target="sin", noise_var=0.1), 500.0, 1e10)
    assert r.test_error == pytest.approx(ey2, rel=1e-7) and r.train_error == pytest.approx(ey2, rel=1e-7)
    tgt = theory.gaussian_moments("softplus")
    r = risk(_rf_setup(activation="relu", target="softplus", noise_var=0.0), 500.0, 1e12)
    assert r.test_error == pytest.approx(tgt.second, rel=1e-6)
    # at moderate lam the strong mean channel fits the target mean almost without shrinkage
    r = risk(_rf_setup(activation="relu", target="softplus", noise_var=0.0), 500.0, 1.0)
    assert r.test_error < tgt.second - 0.9 * tgt.mu0**2


def test_ba_fact4_kernel_lower_bound():
    # Ba et al. (2022) Fact 4: the GE (RF) risk is at least ||P_{>1} f*||^2 for all ratios and lam > 0.
    tgt = theory.gaussian_moments(SOFTPLUS_C)
    bound = tgt.second - tgt.mu0**2 - tgt.mu1**2
    for beta in (0.5, 2.0):
        s = _rf_setup(width=400 * beta)
        r = risk(s, np.array([0.2, 1.0, 5.0, 50.0]) * 400, np.array([[1e-4], [0.1], [3.0]]))
        assert r.converged and np.all(r.test_risk >= bound * (1 - 1e-9))
    # and it is approached for many samples, a wide network and a small penalty
    # (docs/theory/risk.md#random-features "Limits"): excess 2.4e-3, 2.4e-4, 4e-5 at alpha = n/p = beta = 10, 100, 1000
    ex = [risk(_rf_setup(width=400 * b, noise_var=0.0), b * 400 * b, 1e-8).test_risk - bound for b in (10, 100, 1000)]
    assert 0 < ex[2] < ex[1] < ex[0] and ex[2] < 2e-3 * bound


# ----------------------------------------------------------------------------- sRF
def test_srf_limits_lr_to_zero_is_rf():
    s = theory.OneStep(activation="tanh", target="sin", d=1000, width=1000, n=20000, lr=3.0)
    n = np.array([300.0, 2000.0])
    rf = risk(s.with_(lr=0.0), n, 0.1)
    small = risk(s, n, 0.1, method="srf", lr=1e-7)
    assert np.allclose(small.test_error, rf.test_error, rtol=1e-8)
    assert np.allclose(small.train_error, rf.train_error, rtol=1e-8)
    big = risk(s, n, 0.1)
    assert big.method == "srf" and np.all(big.test_error < rf.test_error)


def test_srf_gamma_zero_reduces_to_rf():
    # sRF with gamma = 0 and r = 0 (no spike): the plain RF system
    s = theory.OneStep(activation="tanh", target="sin", d=500, width=250, n=1e6, lr=0.0)
    kd = srf_kappa_data("tanh", "sin", r=0.0, c=1.0, gamma=0.0)
    sysg = GESystem(kd, mp_spectrum(0.5, gram=[[0.5]]), spike_funcs=[kd.mu1 * kd.nodes], unreg_funcs=[kd.mu0])
    sol = sysg.solve(600 / 250, 0.02)
    assert sol.test_error == pytest.approx(float(risk(s, 600.0, 0.02).test_error), rel=1e-9)


def test_srf_finite_spectrum_close_to_mp():
    # docs/theory/risk.md#deterministic-limit: the deterministic version is within 0.2-2% of the finite-p one at d ~ 10^3.
    rng = np.random.default_rng(11)
    s = theory.OneStep(activation="tanh", target="sin", d=600, width=300, n=12000, lr=3.0)
    W0 = _sphere(rng, 300, 600)
    n = np.array([0.5, 2.0]) * 600
    fin = risk(s, n, 0.1, W0=W0)
    mp = risk(s, n, 0.1)
    assert fin.converged and mp.converged and fin.spectrum == "finite"
    assert np.allclose(fin.test_error, mp.test_error, rtol=0.03)


def test_srf_theta_and_mean_solve_the_notes_equations():
    # the eliminated unknowns satisfy the equations of docs/theory/risk.md#self-consistent-equations at the solution: the spike
    # overlap theta = theta_hat <F/S> with theta_hat = alpha E[kappa mu1 (h - b)/(1 + V)]
    s = theory.OneStep(activation="tanh", target="sin", d=1000, width=2000, n=20000, lr=3.0)
    # Cui et al.'s equations as written (the default adds the alignment term since docs/validation/srf_gap.md)
    r = risk(s, 1500.0, 0.1, method="srf", tol=1e-12, alignment_term=False)
    p = r.parameters["3"]
    kd = srf_kappa_data("tanh", "sin", r=p["r"], c=p["c"], gamma=p["gamma"])
    o = r.order_parameters
    m, theta = (float(v) for v in o["theta"])  # channels: mean mu0(kappa), spike mu1(kappa) kappa
    V = kd.mu1**2 * o["V1"] + kd.mu2sq * o["V2"]
    b = m * kd.mu0 + theta * kd.mu1 * kd.nodes
    alpha = 1500.0 / 2000
    th_hat = alpha * kd.mean(kd.nodes * kd.mu1 * (kd.h - b) / (1 + V))
    D, w = theory.marchenko_pastur.mp_rule(2.0, scale=p["c"])
    V1h, V2h = alpha * kd.mean(kd.mu1**2 / (1 + V)), alpha * kd.mean(kd.mu2sq / (1 + V))
    S = 0.1 + V1h * D + V2h
    assert theta == pytest.approx(th_hat * p["c"] * 2.0 * float(w @ (1 / S)), rel=1e-8)
    # the mean channel is so strong (|1|^2 = p) that it is nearly the unpenalised projection (docs/theory/risk.md#self-consistent-equations)
    m_eq = kd.mean(kd.mu0 * (kd.h - kd.mu1 * kd.nodes * theta) / (1 + V)) / kd.mean(kd.mu0**2 / (1 + V))
    assert m == pytest.approx(m_eq, rel=2e-2)


# ----------------------------------------------------------------------------- Ba small step
def test_ba_deterministic_against_conditional_formula():
    # docs/derivations/ge_system.md §3: W1 = W0 + theta s_hat u^T with the predicted theta and
    # u.beta* = gamma; the deterministic value must match Ba's conditional formula on such W1 up to
    # finite-p fluctuations (p = 400: a few percent), and the finite-W0 version of the same system.
    rng = np.random.default_rng(5)
    d, p = 800, 400
    s = theory.OneStep.from_ba(eta=3.0, activation="tanh", target=SOFTPLUS_C, d=d, width=p, n=1600, noise_var=0.0625)
    n = np.array([400.0, 1600.0])
    det = risk(s, n, 0.1, method="ba")
    prm = det.parameters[next(iter(det.parameters))]
    th, g = prm["theta"], prm["gamma"]
    assert th == pytest.approx(abs(s.lr) * theory.gaussian_moments("tanh").deriv_mean
                               * math.sqrt(theory.spikes.predictions.learned_overlap(s).norm_sq) * math.sqrt(p), rel=2e-3)
    W0 = _sphere(rng, p, d)
    u = np.zeros(d)
    u[0], u[1] = g, math.sqrt(1 - g * g)
    vals = []
    for _ in range(3):
        sh = rng.standard_normal(p)
        sh /= np.linalg.norm(sh)
        vals.append(risk(s, n, 0.1, method="ba", W1=W0 + th * np.outer(sh, u)).test_error)
    cond = np.mean(vals, axis=0)
    fin = risk(s, n, 0.1, method="ba", W0=W0).test_error
    assert np.allclose(det.test_error, cond, rtol=0.04)
    assert np.allclose(fin, cond, rtol=0.03)
    # the improvement over RF is confined to the linear part: the risk stays above ||P_{>1} f*||^2
    tgt = theory.gaussian_moments(SOFTPLUS_C)
    assert np.all(det.test_risk < risk(s.with_(lr=0.0), n, 0.1).test_risk)
    assert np.all(det.test_risk > tgt.second - tgt.mu0**2 - tgt.mu1**2)


def test_strong_spikes_tend_to_moniri_closed_form():
    # finite-strength spikes -> the candidate closed form of docs/theory/risk.md#moniri-equivalent-model as theta -> infinity
    n = np.array([500.0, 4000.0])
    diffs = []
    for tau in (1.0, 10.0, 100.0):
        s = theory.OneStep(activation="tanh", target=SOFTPLUS_C, d=1000, width=500, n=1e8, lr=tau,
                           noise_var=0.0625, readout="gaussian", residual="labels")
        fin = risk(s, n, 0.1, method="moniri")
        inf = risk(s, n, 0.1, method="moniri", strength="infinite")
        assert fin.converged and inf.converged
        diffs.append(np.max(np.abs(fin.test_error - inf.test_error)))
    assert diffs[0] > diffs[1] > diffs[2] and diffs[2] < 1e-5


def test_double_factorial_does_not_wrap_around():
    from theory.hermite.moments import double_factorial

    exact = math.prod(range(59, 0, -2))  # 59!! > 2**63: an int64 product would wrap around
    assert double_factorial(59) == pytest.approx(float(exact), rel=1e-14)
    assert readout_power_moments("gaussian", 60)[60] == pytest.approx(float(exact), rel=1e-14)
    assert readout_power_moments("symmetric", 3).tolist() == [1, 0, 1, 0]


def test_readout_power_moments():
    assert readout_power_moments("gaussian", 6).tolist() == [1, 0, 1, 0, 3, 0, 15]
    assert readout_power_moments("rademacher", 3).tolist() == [1, 0, 1, 0]
    assert readout_power_moments("constant", 2).tolist() == [1, 1, 1]


# ----------------------------------------------------------------------------- API
def test_auto_method_selection_and_reasons():
    assert select_method(theory.OneStep(lr=0.0))[0] == "rf"
    assert select_method(theory.OneStep.from_ba(eta=0.9, d=1000, width=500, n=2000))[0] == "ba"
    assert select_method(theory.OneStep.from_cui(eta_tilde=3.0, d=1000, width=1000, alpha0=20))[0] == "srf"
    m, why = select_method(theory.OneStep.from_moniri(alpha=0.3, d=1000, width=1000, n=2000, residual="labels"))
    assert m == "moniri" and "Moniri" in why
    with pytest.raises(ValueError, match="no limiting theory"):
        select_method(theory.OneStep(lr=3.0, readout="gaussian", d=100, width=100, n=200))


def test_grids_broadcast_and_warm_start():
    s = theory.OneStep(activation="tanh", target="sin", d=500, width=500, n=10000, lr=2.0)
    n = np.linspace(100, 1500, 6)
    lam = np.array([[0.01], [0.1]])
    r = risk(s, n, lam)
    assert r.test_error.shape == (2, 6) and r.status.shape == (2, 6) and r.converged
    single = risk(s, float(n[3]), 0.1)
    assert isinstance(single.test_error, float)
    assert single.test_error == pytest.approx(r.test_error[1, 3], rel=1e-9)
    lrs = risk(s, 700.0, 0.1, lr=np.array([0.0, 1.0, 2.0]))
    assert lrs.test_error.shape == (3,) and list(lrs.method) == ["rf", "srf", "srf"]
    d = r.to_dict()
    assert d["method"] == "srf" and len(d["test_error"]) == 2


def test_bad_input():
    s = theory.OneStep(activation="tanh", target="sin", d=100, width=100, n=2000, lr=1.0)
    with pytest.raises(ValueError, match="lam must be >= 0"):
        risk(s, 100.0, -0.1)
    with pytest.raises(ValueError, match="n_ridge must be > 0"):
        risk(s, [100.0, 0.0], 0.1)
    with pytest.raises(ValueError, match="method must be one of"):
        risk(s, 100.0, 0.1, method="gcm")
    with pytest.raises(ValueError, match="method 'srf' needs every neuron"):
        risk(s.with_(readout="gaussian"), 100.0, 0.1, method="srf")
    with pytest.raises(ValueError, match="method 'moniri' needs Moniri's alpha"):
        risk(s.with_(readout="gaussian", lr=0.0), 100.0, 0.1, method="moniri")
    with pytest.raises(ValueError, match="target must have a finite"):
        risk(s.with_(target=lambda z: np.exp(z * z)), 100.0, 0.1)
    with pytest.raises(ValueError, match="W0 must have shape"):
        risk(s, 100.0, 0.1, W0=np.ones((3, 3)))
    with pytest.raises(ValueError, match="readout='symmetric'"):
        risk(s.with_(readout="symmetric"), 100.0, 0.1)
    with pytest.raises(TypeError, match="setup must be a theory.OneStep"):
        risk("tanh", 100.0, 0.1)


def test_non_convergence_is_reported_not_hidden():
    s = theory.OneStep(activation="tanh", target="sin", d=1000, width=1000, n=20000, lr=3.0)
    r = risk(s, 1000.0, 0.1, max_iter=2)
    assert r.status == "max_iter" and r.residual > 1e-10
    with pytest.warns(RuntimeWarning, match="did not converge"):
        risk(s, 1000.0, 0.1, max_iter=2, strict=True)
