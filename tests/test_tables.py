"""Tables for people (issue 17 item 5): labelled rows, headers, positive intervals, no reprs."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import theory
from validation.tables import error_floor_lines, hermite_lines, positive_interval, setup_text, simulation_table


def test_positive_interval_is_the_t_interval_of_the_log_mean():
    from scipy.special import stdtrit

    m, se, n = 0.01, 0.006, 3  # the t-interval m +- 4.30 se would reach -0.016
    lo, hi = positive_interval(m, se, n)
    t = float(stdtrit(n - 1, 0.975))
    assert m - t * se < 0 < lo < m < hi
    assert math.isclose(math.log(hi) - math.log(m), t * se / m) and math.isclose(math.log(m) - math.log(lo), t * se / m)
    # small relative error: the same interval as m +- t se to first order in se/m
    lo, hi = positive_interval(1.0, 1e-4, 10)
    t = float(stdtrit(9, 0.975))
    assert abs(lo - (1 - t * 1e-4)) < 1e-7 and abs(hi - (1 + t * 1e-4)) < 1e-7
    assert positive_interval(1.0, math.inf, 1) == (0.0, math.inf)
    with pytest.raises(ValueError, match="mean"):
        positive_interval(-1.0, 0.1, 3)


def test_setup_text_has_no_dict_repr():
    assert setup_text({"d": 100, "width": 100.0, "n": 400}) == "d=100, width=100, n=400"


def test_simulation_rows_are_labelled_by_n_ridge_and_lam_with_positive_intervals():
    from validation.simulate import simulate

    sim = simulate(theory.OneStep(d=40, width=40, n=80), n_ridge=[20, 40, 80], lam=[0.01, 0.1], trials=3, seed=1,
                   measures=("ridge", "overlap"), n_test=500)
    text = simulation_table(sim, title="# t")
    assert "[" not in "".join(line.split()[0] for line in text.splitlines()[2:-1])  # no test_error[1,0]
    assert "test_error  n_ridge=40  lam=0.1 " in text and "train_error  n_ridge=80  lam=0.01 " in text
    te = sim.get("test_error")
    for line in text.splitlines():
        if line.startswith("test_error  n_ridge=40  lam=0.1 "):
            lo, hi = map(float, re.search(r"\[([^,]+), ([^\]]+)\]", line).groups())
            assert 0 < lo < te[:, 1, 1].mean() < hi and line.rstrip().endswith("log-normal")
    for line in text.splitlines()[2:-1]:
        lo = float(re.search(r"\[([^,]+),", line).group(1))
        if line.rstrip().endswith("log-normal"):
            assert lo > 0, line
    # one n_ridge, one lam: the values are still named
    sim = simulate(theory.OneStep(d=40, width=40, n=80), n_ridge=40, lam=0.1, trials=2, seed=1, measures=("ridge",),
                   n_test=200)
    assert "test_error  n_ridge=40  lam=0.1" in simulation_table(sim, title="# t")


def test_error_floor_table_has_headers_and_no_minus_one():
    rows = [{"label": "kernel, n = d^2", "dim": -1, "value": 0.5, "error_estimate": 0.0},
            {"label": "network, one step at n = d^2", "dim": 2, "value": 0.25, "error_estimate": 1e-12}]
    lines = error_floor_lines(rows)
    assert lines[0].split() == ["setting", "dim", "U", "error", "floor", "error", "bound"]
    assert " -1 " not in "\n".join(lines) and "kernel" in lines[1].split()[-3]


def test_hermite_prints_the_requested_digits():
    import mpmath

    res = theory.hermite_coefficients("tanh", 3, dps=30)
    lines = hermite_lines("tanh", res, 30)
    v1 = lines[3].split()[1]
    assert len(v1.replace("0.", "", 1)) == 30  # 30 significant digits
    with mpmath.workdps(40):  # independent value: 30 digits of the mp quadrature agree with the float to its bound
        assert abs(mpmath.mpf(v1) - res.values[1]) <= res.error_estimate[1]
    plain = hermite_lines("tanh", theory.hermite_coefficients("tanh", 3))
    assert plain[1] == "   k  value                     error_bound"
    assert plain[3].split()[1] == f"{theory.hermite_coefficients('tanh', 3).values[1]:.17e}"


def test_hermite_30_digits_are_the_exact_value():
    import mpmath

    lines = hermite_lines("relu", theory.hermite_coefficients("relu", 2, dps=30), 30)
    with mpmath.workdps(40):
        exact = 1 / mpmath.sqrt(2 * mpmath.pi)  # relu's c_0 = E max(z, 0) = 1/sqrt(2 pi)
        assert lines[2].split()[1] == mpmath.nstr(exact, 30, strip_zeros=False)


# ----------------------------------------------------------------------------- through the command line
def _cli(*args):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.run([sys.executable, "-m", "validation", *args], capture_output=True, text=True, env=env,
                          timeout=180, cwd=root)


def test_cli_simulate_learning_curve_table():
    proc = _cli("simulate", "--d", "40", "--width", "40", "--n", "80", "--n-ridge", "20,40", "--lam", "0.01,0.1",
                "--trials", "2", "--n-test", "200", "--measures", "ridge")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "{" not in out and "[1,0]" not in out and "array(" not in out
    assert out.startswith("# onegrad simulate: d=40, width=40, n=80,")
    assert "test_error  n_ridge=40  lam=0.01" in out
    for line in out.splitlines():
        if line.startswith(("test_error", "train_error", "test_risk")):
            assert float(re.search(r"\[([^,]+),", line).group(1)) > 0, line


def test_cli_giant_step_floor_table():
    proc = _cli("giant-step", "--target", "z1 + z1*z2", "--r", "2")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    head = lines.index("error floors (MSE, label noise included):") + 1
    assert lines[head].split()[:3] == ["setting", "dim", "U"]
    assert not any(re.search(r"\s-1\s", line) for line in lines)
    kernel = [line for line in lines if line.strip().startswith("kernel, n = d^2")][0]
    assert kernel.split()[4] == "kernel"


def test_cli_hermite_dps_30_prints_30_digits():
    proc = _cli("hermite", "relu", "--kmax", "2", "--dps", "30")
    assert proc.returncode == 0, proc.stderr
    row0 = proc.stdout.splitlines()[2].split()
    assert row0[0] == "0" and row0[1] == "0.398942280401432677939946059934"


def test_cli_errors_show_numbers_not_numpy_reprs():
    proc = _cli("risk", "--lam=-1,0.1", "--n-ridge-ratio", "1")
    assert proc.returncode == 2 and proc.stderr.strip() == "onegrad risk: error: lam must be >= 0; got -1, 0.1"
    with pytest.raises(ValueError, match=r"^lam must be finite; got 1, nan, 3, 4, 5, 6, \.\.\. \(8 values\)$"):
        theory.risk(theory.OneStep(), n_ridge=1000, lam=np.array([1, np.nan, 3, 4, 5, 6, 7, 8]))


def test_cli_spikes_and_giant_step_headers_have_no_python_reprs():
    spikes = _cli("spikes", "--d", "100", "--alpha", "0.3").stdout
    assert "degrees 1," in spikes and "(1,)" not in spikes
    gs = _cli("giant-step", "--target", "z1 + z1*z2", "--r", "2").stdout
    assert "dims 1, 2, 2," in gs and "[1, 2, 2]" not in gs and "noise_var = 0)" in gs
