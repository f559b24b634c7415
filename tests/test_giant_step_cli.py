"""``onegrad giant-step``: exact answers on the command line, JSON, one-line errors."""

import json

import pytest

from validation.cli import main


def test_cli_json_exact_answers(capsys):
    assert main(["giant-step", "--target", "z1 + z1*z2", "--r", "2", "--steps", "3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["staircase"]["dims"] == [1, 2, 2] and data["staircase"]["is_staircase"]
    assert data["leap_index"] == {"spanning": 2, "first_nonzero": 1}
    assert data["learnable_dims"] == {"1": 1, "2": 2, "3": 2}
    floors = {row["label"]: row["value"] for row in data["error_floors"]}
    assert floors["network, 1 step(s) of n = O(d)"] == 1.0 and floors["network, 2 step(s) of n = O(d)"] == 0.0


def test_cli_text_and_cosine_law(capsys):
    # y = z1, relu, lr = 2, alpha = 4: cos = (2 * 1/2) / sqrt(1 + 1 + 4 * (1/2) / 4) = 1 / sqrt(2.5)
    assert main(["giant-step", "--target", "z1", "--r", "1", "--steps", "1", "--lr", "2", "--alpha", "4"]) == 0
    out = capsys.readouterr().out
    assert f"mean |cos| = {1 / 2.5 ** 0.5:.6f}" in out and "staircase" in out


@pytest.mark.parametrize(
    "argv, match",
    [
        (["--target", "z1 + x", "--r", "2"], "the name 'x' at column 6 is not allowed"),
        (["--target", "z1", "--r", "0"], "r must be an integer >= 1"),
        (["--target", "z1", "--r", "1", "--steps", "0"], "steps must be an integer >= 1"),
    ],
)
def test_cli_bad_input_one_line_exit_2(capsys, argv, match):
    assert main(["giant-step", *argv]) == 2
    err = capsys.readouterr().err
    assert match in err and err.count("\n") == 1
