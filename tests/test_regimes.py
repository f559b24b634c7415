"""The regimes of one step: which method applies, and the setups each paper's constructor builds."""

import math

import numpy as np
import pytest

import theory


def test_from_moniri_is_accepted_by_its_method():
    s = theory.OneStep.from_moniri(alpha=0.3, d=1000, width=1000, n=2000)
    assert s.residual == "labels"  # the step Moniri's equivalent model describes (docs/derivations/bulk_variance.md)
    assert theory.select_method(s)[0] == "moniri"
    res = theory.risk(s, n_ridge=[500, 2000], lam=0.1, method="moniri")
    assert res.converged and np.all(np.isfinite(res.test_error))
    # the full residual (f0 of order one with output scale 1/sqrt(N)) is still refused, with the reason
    with pytest.raises(ValueError, match="initial network"):
        theory.risk(s.with_(residual="full"), n_ridge=500, lam=0.1, method="moniri")


# ----------------------------------------------------------------------------- the registry
from dataclasses import replace  # noqa: E402

from theory import regimes  # noqa: E402

SETUPS = {
    "rf": theory.OneStep(activation="tanh", target="sin", d=1000, width=1000, n=4000, lr=0.0),
    "ba": theory.OneStep.from_ba(eta=1.0, activation="tanh", target="tanh", d=400, width=800, n=1600),
    "srf": theory.OneStep(activation="tanh", target="sin", d=1000, width=1000, n=20000, lr=3.0),
    "moniri": theory.OneStep.from_moniri(alpha=0.3, d=1000, width=1000, n=2000),
}


def test_the_four_regimes_in_auto_order():
    assert regimes.available()[:4] == ("rf", "ba", "srf", "moniri")  # then the regimes of several steps (two_step)
    for name, setup in SETUPS.items():
        reg = regimes.get(name)
        assert reg.name == name and "arXiv:" in reg.paper and reg.docs.startswith("docs/")
        assert theory.select_method(setup)[0] == name
        assert bool(reg.selects(setup, setup.lr)) and bool(reg.applies(setup, setup.lr))
        # the regimes tried before it do not select it
        for other in regimes.available()[: regimes.available().index(name)]:
            verdict = regimes.get(other).selects(setup, setup.lr)
            assert not verdict and isinstance(verdict.reason, str)
        assert theory.risk(setup, n_ridge=800, lam=0.1).method == name


def test_spike_models_are_the_papers_predictions():
    assert regimes.get("rf").spike_model(SETUPS["rf"]) is None
    assert regimes.get("ba").spike_model(SETUPS["ba"]) == theory.weight_spike(SETUPS["ba"])
    assert regimes.get("srf").spike_model(SETUPS["srf"]) == theory.srf_parameters(SETUPS["srf"])
    assert regimes.get("moniri").spike_model(SETUPS["moniri"]).degrees == (1,)  # tanh: c2 = 0


def test_parameters_are_those_risk_reports():
    for name, setup in SETUPS.items():
        res = theory.risk(setup, n_ridge=800, lam=0.1, method=name)
        (reported,) = res.parameters.values()
        assert reported == regimes.get(name).parameters(setup)


def test_unknown_and_refused_methods():
    with pytest.raises(ValueError, match="rf, ba, srf, moniri"):
        regimes.get("nope")
    with pytest.raises(ValueError, match="method"):
        theory.risk(SETUPS["rf"], n_ridge=800, lam=0.1, method="nope")
    why = regimes.get("srf").applies(SETUPS["moniri"], SETUPS["moniri"].lr)
    assert not why and "same spike" in why.reason
    with pytest.raises(theory.NotApplicable, match="same spike"):
        theory.risk(SETUPS["moniri"], n_ridge=800, lam=0.1, method="srf")


def test_register_rejects_bad_regimes():
    with pytest.raises(TypeError):
        regimes.register("rf")
    with pytest.raises(ValueError, match="already registered"):
        regimes.register(regimes.get("rf"))
    with pytest.raises(ValueError, match="identifier"):
        regimes.register(replace(regimes.get("rf"), name="auto"))


@pytest.fixture
def copy_of_rf():
    """A new regime made of the rf module's pieces, registered for one test (what adding a module does)."""
    reg = replace(regimes.get("rf"), name="rf_copy", selects=lambda s, lr: regimes.Applicability(False, "never"))
    theory.register_regime(reg)
    yield reg
    regimes.unregister("rf_copy")


def test_a_registered_regime_is_a_method_everywhere(copy_of_rf):
    s = SETUPS["rf"]
    assert "rf_copy" in regimes.available()
    mine = theory.risk(s, n_ridge=[500, 2000], lam=0.1, method="rf_copy")
    ref = theory.risk(s, n_ridge=[500, 2000], lam=0.1, method="rf")
    assert mine.method == "rf_copy" and np.array_equal(mine.test_error, ref.test_error)
    assert theory.select_method(s)[0] == "rf"  # its selects never holds: auto is unchanged
    from validation.cli import main

    assert main(["risk", "--lr", "0", "--d", "200", "--width", "200", "--n", "800", "--n-ridge-ratio", "2",
                 "--method", "rf_copy"]) == 0


def test_the_simulator_models_come_from_the_registry():
    from validation.simulate import MODELS

    assert regimes.simulator_models() == ("srf", "equivalent")
    assert MODELS == ("network",) + regimes.simulator_models()
    assert regimes.simulator_regime("equivalent").name == "moniri"
    # the srf regime's equivalent model: sqrt(c) W0 + r s v^T with |v| = 1, v . e1 = gamma
    s = SETUPS["srf"].with_(d=50, width=40, n=1000)
    rng = np.random.default_rng(0)
    W0 = rng.standard_normal((40, 50))
    W0 /= np.linalg.norm(W0, axis=1, keepdims=True)
    eq = regimes.get("srf").equivalent_model(s, W0, np.ones(40), None, np.random.default_rng(1))
    prm = theory.srf_parameters(s)
    v = eq.direction
    assert np.linalg.norm(v) == pytest.approx(1.0) and v[0] == pytest.approx(prm.gamma)
    assert np.allclose(eq.weights, math.sqrt(prm.c) * W0 + prm.r * np.outer(np.ones(40), v))
