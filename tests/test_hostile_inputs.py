"""Hostile text through every door: nothing executes, each is refused with a clear message, quickly.

Each hostile string, if it were ever evaluated as Python, would create a marker file under
``tmp_path``; the tests check that the marker never appears, that the refusal is a ``ValueError``
(API) or one line on stderr with exit status 2 (CLI), and that it comes within a time limit.
The numeric caps (Hermite degree, exponent, kmax, dps) are part of the same contract
(``docs/security.md``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import theory

ROOT = Path(__file__).resolve().parents[1]
API_SECONDS = 1.0   # every API refusal
CLI_SECONDS = 30.0  # a whole `python -m validation ...` process (interpreter start and imports included)


def hostile(marker: Path) -> list[str]:
    m = str(marker)
    return [
        f"z1 + 0*__import__('os').system('touch {m}')",
        f"__import__('pathlib').Path('{m}').touch()",
        f"open('{m}', 'w')",
        f"eval(\"open('{m}', 'w')\")",
        f"exec(\"open('{m}', 'w')\")",
        f"z1.__class__.__mro__[-1].__subclasses__()",
        f"().__class__.__bases__[0].__subclasses__()",
        f"getattr(z1, '__class__')",
        f"z1.func('{m}')",
        f"[open('{m}', 'w') for _ in (1,)]",
        f"{{open('{m}', 'w') for _ in (1,)}}",
        f"(lambda: open('{m}', 'w'))()",
        f"f\"{{open('{m}', 'w')}}\"",
        f"(f := open('{m}', 'w'))",
        f"z1[open('{m}', 'w')]",
        "__builtins__",
        "__import__",
        "z1 if open('x') else z1",
        f"Symbol('{m}')",
        f"sympify(\"open('{m}', 'w')\")",
        f"S(\"open('{m}', 'w')\")",
        f"Function('f')(z1)",
        "9**9**9*z1",
        "He(100000, z1)",
        "factorial(10**8)*z1",
        "z1**(10**10)",
        "(z1 + 1)**100000",
        "10**10**10",
        "z1" + "+z1" * 5000,
        "(" * 250 + "z1" + ")" * 250,
        "-" * 1500 + "z1",
        "z1\x00",
    ]


def _expect_refused(call, marker, exc=(ValueError, TypeError)):
    t0 = time.perf_counter()
    with pytest.raises(exc) as err:
        call()
    took = time.perf_counter() - t0
    assert took < API_SECONDS, f"refusal took {took:.2f} s"
    assert not marker.exists()
    msg = str(err.value)
    assert msg and "Traceback" not in msg
    return msg


def test_parse_expression_refuses_every_hostile_string(tmp_path):
    marker = tmp_path / "marker"
    for text in hostile(marker):
        msg = _expect_refused(lambda: theory.parse_expression(text, 1), marker, ValueError)
        assert "expression" in msg


def test_multi_index_target_refuses_every_hostile_string(tmp_path):
    marker = tmp_path / "marker"
    for text in hostile(marker):
        msg = _expect_refused(lambda: theory.MultiIndexTarget(text, 1), marker, ValueError)
        assert "expr_or_callable" in msg


def test_symbolic_hermite_refuses_hostile_text(tmp_path):
    marker = tmp_path / "marker"
    for text in hostile(marker):
        _expect_refused(lambda: theory.symbolic.hermite_coefficients(text, 2), marker)


def test_activation_text_refuses_hostile_text(tmp_path):
    marker = tmp_path / "marker"
    for text in hostile(marker)[:12]:
        _expect_refused(lambda: theory.activation(text), marker)
        _expect_refused(lambda: theory.OneStep(activation=text, target="tanh", d=10, width=10, n=10), marker)
        _expect_refused(lambda: theory.hermite_coefficients(text, 3), marker)


@pytest.mark.parametrize("text, words", [
    ("z1 + 0*__import__('os').system('x')", ["attribute access", "column"]),
    ("__import__('os')", ["'__import__'", "column 1"]),
    ("[z1 for z1 in (1,)]", ["comprehension"]),
    ("lambda: z1", ["lambda"]),
    ("z1[0]", ["subscript"]),
    ("f'{z1}'", ["f-string"]),
    ("(a := z1)", [":="]),
    ("9**9**9*z1", ["exponent", "387420489", "limit is 100"]),
    ("He(100000, z1)", ["Hermite degree", "100000", "limit is 100"]),
    ("factorial(10**8)*z1", ["'factorial'", "allowed"]),
    ("z1" + "+z1" * 5000, ["characters", "limit is 2000"]),
])
def test_refusals_name_the_construct_or_the_limit(text, words):
    with pytest.raises(ValueError) as err:
        theory.MultiIndexTarget(text, 1)
    for w in words:
        assert w in str(err.value), (w, str(err.value))


def _cli(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "validation", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)
    return proc, time.perf_counter() - t0


def _assert_one_line_exit_2(proc, took):
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and proc.stderr.strip().splitlines()[-1] == errors[0], proc.stderr  # (a progress line may precede it)
    assert took < CLI_SECONDS


def test_cli_giant_step_refuses_hostile_targets(tmp_path):
    marker = tmp_path / "marker"
    cases = [f"z1 + 0*__import__('os').system('touch {marker}')", "9**9**9*z1", "He(100000, z1)",
             "factorial(10**8)*z1", f"[open('{marker}', 'w') for _ in (1,)]"]
    for text in cases:
        proc, took = _cli("giant-step", "--target", text, "--r", "1", cwd=tmp_path)
        _assert_one_line_exit_2(proc, took)
        assert not marker.exists()


@pytest.mark.parametrize("args, word", [
    (["hermite", "tanh", "--dps", "100000", "--kmax", "3"], "dps"),
    (["hermite", "relu", "--kmax", "100000000"], "kmax"),
])
def test_cli_hermite_refuses_oversized_requests_at_once(tmp_path, args, word):
    proc, took = _cli(*args, cwd=tmp_path)
    _assert_one_line_exit_2(proc, took)
    assert word in proc.stderr


def test_sweep_file_with_a_hostile_target_runs_nothing(tmp_path):
    marker = tmp_path / "marker"
    expr = f"z1 + 0*__import__('os').system('touch {marker}')"
    cfg = tmp_path / "hostile.toml"
    cfg.write_text(
        "[sweep]\ntask = \"risk\"\nseed = 1\n\n"
        f"[base]\nactivation = \"relu\"\ntarget = {{ multi_index = \"{expr}\", r = 1 }}\nd = 50\nwidth = 50\nn = 100\n\n"
        "[grid]\nlam = [0.1, 1.0]\n"
    )
    from validation.sweep import SweepConfig

    with pytest.raises((ValueError, TypeError)) as err:
        SweepConfig.from_toml(cfg)
    assert "attribute access" in str(err.value)
    assert not marker.exists()
    proc, took = _cli("sweep", str(cfg), "--out", str(tmp_path / "out.jsonl"), cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert not marker.exists()


# ----------------------------------------------------------------------------- numeric caps
@pytest.mark.parametrize("kw, word", [
    (dict(f="relu", kmax=100_000_000), "kmax"),
    (dict(f="tanh", kmax=3, dps=100_000), "dps"),
    (dict(f="relu", kmax=3, dps=100_000), "dps"),
    (dict(f="tanh", kmax=100_000, dps=50), "kmax"),
])
def test_hermite_caps_refuse_at_once(tmp_path, kw, word):
    msg = _expect_refused(lambda: theory.hermite_coefficients(kw.pop("f"), **kw), tmp_path / "m", ValueError)
    assert word in msg and ("must be <=" in msg or "limit" in msg)


def test_symbolic_kmax_is_capped():
    import sympy

    with pytest.raises(ValueError, match="kmax"):
        theory.symbolic.hermite_coefficients(sympy.Symbol("z") ** 2, 10**6)


# ----------------------------------------------------------------------------- callables
def test_non_elementwise_callable_is_refused_by_hermite_coefficients():
    with pytest.raises((TypeError, ValueError), match="elementwise"):
        theory.hermite_coefficients(lambda z: np.sum(z), 4)
    with pytest.raises((TypeError, ValueError), match="elementwise"):
        theory.hermite_coefficients(lambda z: z * np.mean(z), 4)
    with pytest.raises((TypeError, ValueError), match="elementwise"):
        theory.hermite_coefficients(lambda z: np.cumsum(z), 4)


def test_onestep_checks_an_activation_callable_and_names_it():
    with pytest.raises((TypeError, ValueError), match="activation"):
        theory.OneStep(activation=lambda z: np.sum(z), target="tanh", d=10, width=10, n=10)
    with pytest.raises(ValueError, match="activation"):
        theory.OneStep(activation=lambda z: np.log(z), target="tanh", d=10, width=10, n=10)
    with pytest.raises((TypeError, ValueError), match="target"):
        theory.OneStep(activation="relu", target=lambda z: z[:1], d=10, width=10, n=10)
    s = theory.OneStep(activation=lambda z: np.maximum(z, 0), target="tanh", d=10, width=10, n=10)
    assert s.activation(np.array([-1.0, 2.0])).tolist() == [0.0, 2.0]


def test_undeclared_kink_warns_and_declared_kink_does_not():
    import warnings

    from theory.hermite.guards import AccuracyWarning

    with pytest.warns(AccuracyWarning, match="kinks="):
        r = theory.hermite_coefficients(lambda z: np.maximum(z - 0.3, 0.0), 6)
    assert np.max(r.error_estimate) > 1e-8  # the estimate is honest and large
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r2 = theory.hermite_coefficients(lambda z: np.maximum(z - 0.3, 0.0), 6, kinks=(0.3,))
    assert np.max(r2.error_estimate) < 1e-12
    # the estimate bounds the true error of the warned result
    assert np.all(np.abs(r.values - r2.values) <= r.error_estimate + r2.error_estimate)


@pytest.mark.parametrize("text, r, words", [
    ("He(30, z1)", 2, ["2**30 entries", "limit is 1024", "kmax <= 10"]),
    ("He(40, z1)", 1, ["order above 32"]),
])
def test_giant_step_report_refuses_oversized_tensors_at_once(text, r, words):
    from validation.commands.giant_step import report

    t = theory.MultiIndexTarget(text, r)  # a valid expression: the parser's limits allow degree 100
    t0 = time.perf_counter()
    with pytest.raises(ValueError) as err:
        report(t, 3, [1, 2, 3])
    assert time.perf_counter() - t0 < API_SECONDS
    for w in words:
        assert w in str(err.value), (w, str(err.value))


def test_library_never_calls_code_generating_functions():
    """No call of eval, exec, compile, sympify, S(...), parse_expr or lambdify anywhere in theory/ and
    validation/ (found by walking each module's syntax tree, so comments and docstrings do not count)."""
    import ast

    banned = {"eval", "exec", "compile", "sympify", "parse_expr", "lambdify", "S", "__import__"}
    found = []
    for pkg in ("theory", "validation"):
        for path in sorted((ROOT / pkg).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call):
                    f = node.func
                    name = f.id if isinstance(f, ast.Name) else (f.attr if isinstance(f, ast.Attribute) else None)
                    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "re":
                        continue  # re.compile
                    if name in banned:
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}(...)")
    assert not found, found


def test_cli_hermite_refuses_a_hostile_activation_text(tmp_path):
    marker = tmp_path / "marker"
    proc, took = _cli("hermite", f"__import__('os').system('touch {marker}')", "--kmax", "4", cwd=tmp_path)
    _assert_one_line_exit_2(proc, took)
    assert "attribute access" in proc.stderr and not marker.exists()
    ok, _ = _cli("hermite", "tanh(z) + 0.1*z**2", "--kmax", "2", "--basis", "series", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    # tanh's series coefficients (registry) plus 0.1 z^2 = 0.1 He_2 + 0.1
    ref = theory.hermite_coefficients("tanh", 2, basis="series").values + np.array([0.1, 0.0, 0.1])
    got = [float(line.split()[1]) for line in ok.stdout.splitlines() if line.strip() and line.split()[0].isdigit()]
    np.testing.assert_allclose(got, ref, rtol=1e-13, atol=1e-15)


def test_plain_basis_beyond_float64_range_is_refused_not_nan():
    """sqrt(k!) overflows float64 beyond k = 300: the plain basis refuses with the reason instead of NaN/inf;
    the orthonormal basis at the same degree stays finite."""
    import math

    import numpy as np

    assert math.lgamma(300 + 1) / 2 < math.log(np.finfo(float).max) < math.lgamma(301 + 1) / 2  # sqrt(300!) fits
    with pytest.raises(ValueError, match="basis='plain'"):
        theory.hermite_coefficients("tanh", 400)
    r = theory.hermite_coefficients("tanh", 400, basis="orthonormal")
    assert np.all(np.isfinite(r.values)) and np.all(np.isfinite(r.error_estimate))
    assert np.all(np.isfinite(theory.hermite_coefficients("tanh", 300).values))


@pytest.mark.parametrize("expr,kmax", [("gelu", 100), ("gelu", 25), ("z**3*exp(z)", 61)])
def test_exact_path_refuses_requests_that_would_run_for_minutes(expr, kmax):
    """gelu's exact expansion to k = 100 ran for minutes (erf terms cost ~k^2.5): refused at once, naming kmax."""
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="kmax must be <="):
        theory.symbolic.hermite_coefficients(expr, kmax)
    assert time.perf_counter() - t0 < 5.0
