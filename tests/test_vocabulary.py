"""One vocabulary (issue 17 item 3): every subcommand that describes an experiment takes the same
setup options, with the names and defaults of ``theory.OneStep``, the paper presets, ``--json``
everywhere and the global ``-q/-v``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import theory
from validation.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
SETUP_COMMANDS = ("compare", "simulate", "risk", "spikes")
SETUP_FLAGS = {"--preset", "--activation", "--target", "--d", "--width", "--width-ratio", "--n", "--sample-ratio",
               "--lr", "--noise-var", "--readout", "--init", "--residual", "--output-scale"}


def _cli(*args, cwd=ROOT):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]))
    return subprocess.run([sys.executable, "-m", "validation", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=180)


def _subparsers():
    parser = build_parser()
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return action.choices


def _setup_json(*args):
    proc = _cli(*args, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["setup"]


def test_the_defaults_are_onestep_defaults():
    # simulate and spikes: theory.OneStep() at the given d (width and n at OneStep's multiples of d)
    want = theory.OneStep(d=40, width=40, n=80).to_dict()
    assert _setup_json("simulate", "--d", "40", "--trials", "2", "--measures", "overlap", "--n-test", "100") == want
    assert _setup_json("spikes", "--d", "40") == want
    assert _setup_json("spikes") == theory.OneStep().to_dict()
    # risk's documented default is Cui et al.'s giant step at OneStep's d
    assert _setup_json("risk", "--n-ridge-ratio", "1") == theory.OneStep.preset("cui2024", d=1000).to_dict()
    # the help of every option names the OneStep default
    actions = _subparsers()["simulate"]._option_string_actions
    s = theory.OneStep()
    for flag, value in (("--activation", s.activation.name), ("--target", s.target.name), ("--d", f"{s.d:g}"),
                        ("--lr", f"{s.lr:g}"), ("--readout", s.readout), ("--init", s.init),
                        ("--residual", s.residual)):
        assert actions[flag].help.endswith(f"(default {value})"), (flag, actions[flag].help)


def test_presets_are_the_papers():
    action = _subparsers()["risk"]._option_string_actions["--preset"]
    assert set(action.choices) == set(theory.model.onestep.PRESETS) | {"none"}


def test_every_setup_command_takes_the_same_options():
    subs = _subparsers()
    for name in SETUP_COMMANDS:
        flags = set(subs[name]._option_string_actions)
        assert SETUP_FLAGS <= flags, (name, SETUP_FLAGS - flags)


def test_json_quiet_verbose_on_every_subcommand():
    for name, p in _subparsers().items():
        flags = set(p._option_string_actions)
        assert {"--json", "-q", "--quiet", "-v"} <= flags, (name, flags)


def test_presets_and_ratios_match_the_api():
    assert _setup_json("risk", "--preset", "moniri2024", "--d", "400", "--n-ridge-ratio", "1") == \
        theory.OneStep.preset("moniri2024", d=400).to_dict()
    assert _setup_json("risk", "--sample-ratio", "5", "--width", "200", "--lr", "1", "--d", "400",
                       "--n-ridge-ratio", "1") == \
        theory.OneStep.preset("cui2024", d=400, width=200, n=2000).with_(lr=1.0).to_dict()
    assert _setup_json("risk", "--preset", "none", "--width-ratio", "0.5", "--n", "3000", "--n-ridge-ratio", "1") \
        == theory.OneStep(width=500, n=3000).to_dict()


def test_ratio_and_absolute_sizes_are_exclusive_and_refused_in_one_line(tmp_path):
    proc = _cli("compare", "--width", "30", "--width-ratio", "1", "--out", tmp_path / "x.json")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "not allowed with" in proc.stderr
    proc = _cli("compare", "--preset", "ba2022", "--d", "61", "--out", tmp_path / "x.json")
    assert proc.returncode == 2 and "integer" in proc.stderr and "Traceback" not in proc.stderr
    proc = _cli("risk", "--preset", "cui2023")
    assert proc.returncode == 2 and "invalid choice" in proc.stderr


def test_simulate_preset_json_carries_the_presets_setup():
    proc = _cli("simulate", "--preset", "ba2022", "--d", "40", "--trials", "2", "--measures", "overlap",
                "--n-test", "100", "--json")
    assert proc.returncode == 0, proc.stderr
    setup = json.loads(proc.stdout)["setup"]
    want = theory.OneStep.preset("ba2022", d=40).to_dict()
    assert {k: setup[k] for k in ("d", "width", "n", "lr", "noise_var", "readout", "init")} == \
        {k: want[k] for k in ("d", "width", "n", "lr", "noise_var", "readout", "init")}


def test_spikes_no_longer_needs_d_and_alpha_uses_moniris_constructor():
    proc = _cli("spikes", "--preset", "moniri2024", "--d", "200", "--json")
    assert proc.returncode == 0, proc.stderr
    assert abs(json.loads(proc.stdout)["alpha"] - 0.3) < 1e-12
    proc = _cli("spikes", "--d", "200", "--alpha", "0.3", "--json")
    data = json.loads(proc.stdout)
    assert proc.returncode == 0 and data["setup"]["readout"] == "gaussian" and data["setup"]["residual"] == "labels"


def test_giant_step_sample_ratio_is_its_alpha():
    a = _cli("giant-step", "--target", "z1", "--r", "1", "--lr", "2", "--sample-ratio", "4", "--json")
    b = _cli("giant-step", "--target", "z1", "--r", "1", "--lr", "2", "--alpha", "4", "--json")
    assert a.returncode == 0 and json.loads(a.stdout)["cosine_law"] == json.loads(b.stdout)["cosine_law"]
    assert json.loads(a.stdout)["cosine_law"]["alpha"] == 4.0


def test_quiet_silences_status_lines(tmp_path, capsys):
    # hermite at 100 digits says what it does on stderr; -q (before or after the subcommand) does not
    assert main(["hermite", "tanh", "--kmax", "2", "--dps", "100"]) == 0
    assert "computing" in capsys.readouterr().err
    for argv in (["-q", "hermite", "tanh", "--kmax", "2", "--dps", "100"],
                 ["hermite", "tanh", "--kmax", "2", "--dps", "100", "-q"]):
        assert main(argv) == 0
        assert capsys.readouterr().err == ""


def test_verbose_shows_the_library_log(tmp_path):
    conf = tmp_path / "s.toml"
    conf.write_text('[sweep]\ntask = "sweep_tasks:draw"\nseed = 1\n[grid]\nx = [1, 2]\n')
    proc = _cli("-v", "sweep", conf, "--allow-code", "--no-progress", "--out", tmp_path / "a.jsonl", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"onegrad: INFO: validation\.sweep: sweep \w+: 2 tasks", proc.stderr), proc.stderr


def test_ridge_sizes_absolute_or_ratio():
    a = _cli("risk", "--n-ridge", "500,1000", "--json")
    b = _cli("risk", "--n-ridge-ratio", "0.5,1", "--json")
    assert a.returncode == 0 and json.loads(a.stdout)["rows"] == json.loads(b.stdout)["rows"]
    args = ("simulate", "--d", "40", "--lam", "0.1", "--trials", "2", "--n-test", "100", "--measures", "ridge", "--json")
    a = json.loads(_cli(*args, "--n-ridge", "20,40").stdout)
    b = json.loads(_cli(*args, "--n-ridge-ratio", "0.5,1").stdout)
    assert a["summary"] == b["summary"]
    proc = _cli("risk", "--n-ridge", "500", "--n-ridge-ratio", "1")
    assert proc.returncode == 2 and "not allowed with" in proc.stderr
