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
