"""``--data MIXTURE.toml`` on the setup options (issue 16 item 5): good files build the mixture they describe;
hostile ones are refused in one line with exit status 2, before any work, and no text is ever evaluated."""

from __future__ import annotations

import json
import math
import time

import numpy as np
import pytest

import theory
from validation.cli import main
from validation.mixture_file import MAX_FILE_BYTES, mixture_from_dict, read_mixture_file

GOOD = """
task = "regression"
counts = "multinomial"
seed = 3

[[component]]
weight = 0.25
spikes = [{ strength = 30.0, direction = "random" }]

[[component]]
weight = 0.75
mean = { norm = 2.0, overlap = 0.3 }
spikes = [{ strength = 10.0, overlap = 0.5 }, { strength = 5.0, overlap = -0.6 }]
"""

PAPER = """
[demir_dogan]
beta = 0.74
alpha = 0.5
ranks = [2, 1]
alignment = 0.4
target = "spikes"
task = "classification"
seed = 9
"""


def _mixture(tmp_path, text, d=50):
    """What ``--data FILE --d d`` gives the setup (the setup options call exactly this)."""
    f = tmp_path / "mix.toml"
    f.write_text(text)
    return read_mixture_file(f).build(d)


def test_component_file_builds_the_described_mixture(tmp_path):
    mix = _mixture(tmp_path, GOOD)
    assert isinstance(mix, theory.GaussianMixture) and mix.d == 50
    assert mix.weights.tolist() == [0.25, 0.75] and mix.counts == "multinomial" and mix.task == "regression"
    V = mix.covariances[1].directions
    assert np.allclose(V @ V.T, np.eye(2), atol=1e-12)          # orthonormal
    assert np.allclose(V[:, 0], [0.5, -0.6], atol=1e-12)        # the stated overlaps with e_1
    assert mix.covariances[1].strengths.tolist() == [10.0, 5.0]
    mu = mix.mean(1)
    assert math.isclose(float(np.linalg.norm(mu)), 2.0, rel_tol=1e-12) and math.isclose(mu[0], 0.6, rel_tol=1e-12)
    assert not np.any(mix.mean(0))
    g = mix.covariances[0].directions[0]
    assert math.isclose(float(g @ g), 1.0, rel_tol=1e-12) and abs(g[0]) < 0.9  # a random unit vector
    assert _mixture(tmp_path, GOOD) == mix  # seeded: the same file gives the same directions


def test_paper_table_is_their_constructor(tmp_path):
    want = theory.GaussianMixture.from_demir_dogan(50, beta=0.74, alpha=0.5, ranks=(2, 1), alignment=0.4,
                                                   target="spikes", task="classification", seed=9)
    assert _mixture(tmp_path, PAPER) == want


def test_simulate_with_a_data_file_runs_and_reports_the_mixture(tmp_path, capsys):
    f = tmp_path / "mix.toml"
    f.write_text(GOOD)
    rc = main(["simulate", "--data", str(f), "--d", "40", "--width", "30", "--n", "60", "--activation", "relu",
               "--n-ridge", "50", "--lam", "0.1", "--trials", "2", "--measures", "ridge", "--n-test", "200",
               "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["setup"]["data"]["kind"] == "gaussian_mixture" and len(out["setup"]["data"]["covariances"]) == 2
    # the CLI's mixture is the file's at d = 40 (the same seeded directions)
    assert theory.GaussianMixture.from_dict(out["setup"]["data"]) == read_mixture_file(f).build(40)
    assert all(math.isfinite(v) for v in out["records"][0].values() if isinstance(v, float))


def _hostile(tmp_path):
    big = "# " + "x" * (MAX_FILE_BYTES + 10) + "\n"
    many = "".join(f"[[component]]\nweight = {1 / 33!r}\n" for _ in range(33))
    spikes = "[[component]]\nweight = 1.0\nspikes = [" + ", ".join(["{ strength = 1.0, direction = \"random\" }"] * 257) + "]\n"
    return [
        (big, "larger than 64 KiB"),
        ("this is = not [toml", "not valid TOML"),
        (b"\xff\xfe\x00bad", "not UTF-8"),
        ("[[component]]\nweight = 1.0\nspikes = [{ strength = \"10\", direction = \"random\" }]\n", "strength must be a number"),
        ("[[component]]\nweight = true\n", "weight must be a number"),
        ("seed = -1\n[[component]]\nweight = 1.0\n", "seed must be an integer in"),
        ("[[component]]\nweight = 1.0\nspikes = [{ strength = 1.0, overlap = 2.0 }]\n", "overlap must be a finite number in [-1, 1]"),
        ("[[component]]\nweight = 1.0\nspikes = [{ strength = inf, direction = \"random\" }]\n", "strength must be a finite"),
        ("[[component]]\nweight = 1.0\nspikes = [{ strength = 1e300, direction = \"random\" }]\n", "strength must be a finite number in [0, 1e+08]"),
        ("[[component]]\nweight = 0.5\n[[component]]\nweight = 0.4\n", "must sum to 1"),
        ("[[component]]\nweigth = 1.0\n", "did you mean 'weight'"),
        ("task = \"__import__('os').system('echo hacked')\"\n[[component]]\nweight = 1.0\n", "task must be one of"),
        ("[[component]]\nweight = 1.0\nspikes = [{ strength = 1.0, direction = \"lambda: 0\" }]\n", "direction must be one of"),
        (many, "at most 32"),
        (spikes, "at most 256"),
        ("[[component]]\nweight = 1.0\nspikes = [{ strength = 1.0, overlap = 0.9 }, { strength = 1.0, overlap = 0.9 }]\n",
         "sum of squares"),
        ("[[component]]\nweight = 1.0\nspikes = [{ strength = 1.0, overlap = 0.1 }, { strength = 1.0, direction = \"random\" }]\n",
         "mixes random directions and overlaps"),
        ("task = \"classification\"\n" + "".join(f"[[component]]\nweight = {1 / 3!r}\n" for _ in range(3)), "needs labels"),
        ("labels = [1, -1]\n[[component]]\nweight = 1.0\n", "labels has 2 entries for 1 components"),
        ("[demir_dogan]\nalpha = 0.5\n", "demir_dogan.beta is required"),
        ("[demir_dogan]\nbeta = 0.5\nalpha = 0.5\nranks = [1, 1, 1]\n", "ranks has 3 entries for 2 weights"),
        ("[demir_dogan]\nbeta = 0.5\nalpha = 0.5\n[[component]]\nweight = 1.0\n", "either [[component]] tables or"),
        ("", "either [[component]] tables or"),
        ("[[component]]\nweight = 1.0\nspikes = { strength = 1.0 }\n", "spikes must be a list"),
    ]


def test_hostile_files_are_refused_in_one_line(tmp_path, capsys):
    for i, (text, needle) in enumerate(_hostile(tmp_path)):
        f = tmp_path / f"bad{i}.toml"
        f.write_bytes(text if isinstance(text, bytes) else text.encode())
        rc = main(["simulate", "--data", str(f), "--d", "20", "--width", "10", "--n", "20"])
        err = capsys.readouterr().err.strip().splitlines()
        assert rc == 2, (i, err)
        assert len(err) == 1 and needle in err[0] and "Traceback" not in err[0], (i, needle, err)


def test_huge_dimension_is_refused_before_any_work(tmp_path, capsys):
    f = tmp_path / "m.toml"
    f.write_text(PAPER)
    t0 = time.perf_counter()
    rc = main(["simulate", "--data", str(f), "--d", "200000000", "--width", "10", "--n", "10"])
    assert rc == 2 and time.perf_counter() - t0 < 5.0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "GiB" in err[0] and "at most d =" in err[0]
    rc = main(["risk", "--data", str(f), "--d", "2.5"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "integer dimension" in err[0]


def test_missing_or_odd_paths_are_one_line(tmp_path, capsys):
    for path in (tmp_path / "nope.toml", tmp_path):
        rc = main(["compare", "--data", str(path), "--d", "20"])
        err = capsys.readouterr().err.strip().splitlines()
        assert rc == 2 and len(err) == 1 and "not a readable file" in err[0]


def test_reader_never_evaluates_text(tmp_path, monkeypatch):
    """No field is passed to eval/exec: with both replaced by traps, a file of code-like strings is only
    ever compared against the fixed words (and refused)."""
    import builtins

    def trap(*a, **k):
        raise AssertionError("evaluated")

    monkeypatch.setattr(builtins, "eval", trap)
    monkeypatch.setattr(builtins, "exec", trap)
    for field in ("task", "counts", "init"):
        with pytest.raises(ValueError, match=f"{field} must be one of"):
            mixture_from_dict({field: "__import__('os')", "component": [{"weight": 1.0}]})
    f = tmp_path / "ok.toml"
    f.write_text(GOOD)
    assert read_mixture_file(f).n_components == 2


def test_reproduce_accepts_the_hyphenated_name(tmp_path, monkeypatch, capsys):
    """``onegrad reproduce demir-dogan2025 --data FILE`` (the issue's spelling) redraws the figure's rows."""
    from validation import reproduce as rp
    from validation.reproductions import demir_dogan2025 as dd

    monkeypatch.setitem(dd.SIZES, "quick", dict(d=40, trials=2))
    monkeypatch.setitem(dd.PANELS, "width", ("1a", "k/m", {"quick": (1.0,), "gallery": (1.0,)}))
    data = rp.simulate_data("demir_dogan2025", seed=1)
    f = tmp_path / "dd.json"
    f.write_text(json.dumps(data))
    rc = main(["reproduce", "demir-dogan2025", "--data", str(f), "--no-plot", "--out", str(tmp_path), "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["name"] == "demir_dogan2025"
    n_points = sum(len(p["points"]) for p in data["panels"].values())
    hermite_rows = [r for r in out["rows"] if "hermite" in r["curve"]]
    assert len(hermite_rows) == n_points
