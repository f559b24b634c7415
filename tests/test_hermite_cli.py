"""``onegrad hermite``: text, --json, --exact, --dps, and bad input (one line on stderr, exit 2)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from theory import hermite_coefficients
from validation.cli import main


def test_text_and_json(capsys):
    assert main(["hermite", "relu", "--kmax", "4"]) == 0
    out = capsys.readouterr().out
    assert "closed_form" in out and out.count("\n") == 2 + 5
    assert main(["hermite", "tanh", "--kmax", "6", "--basis", "orthonormal", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    ref = hermite_coefficients("tanh", 6, basis="orthonormal")
    assert data["basis"] == "orthonormal" and data["method"] == "quadrature"
    assert np.allclose(data["values"], ref.values, rtol=0, atol=0)
    assert np.allclose(data["error_estimate"], ref.error_estimate, rtol=0, atol=0)


def test_shift_scale_exact_and_dps(capsys):
    assert main(["hermite", "relu", "--kmax", "3", "--shift", "0.5", "--exact", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["method"] == "sympy" and data["values"][3] == "-sqrt(2)*exp(-1/8)/(4*sqrt(pi))"
    assert main(["hermite", "tanh", "--kmax", "5", "--dps", "30", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["method"] == "mpmath" and data["dps"] == 30 and len(data["mp_values"]) == 6
    assert data["mp_values"][1].startswith("0.60570550960215882558354022")


@pytest.mark.parametrize(
    "argv,match",
    [
        (["hermite", "tanhh"], "did you mean 'tanh'"),
        (["hermite", "relu", "--kmax", "-2"], "kmax must be an integer >= 0"),
        (["hermite", "relu", "--basis", "plane"], "basis must be one of"),
        (["hermite", "tanh", "--exact"], "no exact Hermite coefficients"),
        (["hermite", "relu", "--scale", "0"], "scale must be nonzero"),
        (["hermite", "tanh", "--dps", "3"], "dps must be an integer >= 10"),
    ],
)
def test_bad_input_one_line_exit_2(argv, match, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and match in err and err.startswith("onegrad hermite: error:")


def test_module_entry_point_exit_status():
    p = subprocess.run([sys.executable, "-m", "validation", "hermite", "tanhh"], capture_output=True, text=True)
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and p.stdout == ""
