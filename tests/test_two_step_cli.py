"""``onegrad spikes`` for two steps (Moniri & Hassani 2026, arXiv:2605.17767): ``--lr TAU1,TAU2`` or
``--alpha A1,A2``, ``--steps 2``, ``--reuse-batch``; the numbers printed are ``theory.two_step_spikes`` of the
setup built by hand, and every bad input is one line on stderr with exit status 2."""

import json
import math

import pytest

import theory
from validation.cli import main


def _run(capsys, argv):
    rc = main(argv)
    out = capsys.readouterr()
    return rc, out.out, out.err


def _mh_setup(lr, d=1000, reuse=False, **kw):
    """Moniri & Hassani's setting, written without the CLI."""
    return theory.OneStep(activation=kw.pop("activation", "tanh"), target=kw.pop("target", "tanh"), d=d, width=d,
                          n=2 * d, lr=lr, readout="gaussian", residual="labels", output_scale=1 / math.sqrt(d),
                          reuse_batch=reuse, **kw)


def test_lr_pair_reused_json_is_the_theory(capsys):
    rc, out, err = _run(capsys, ["spikes", "--lr", "0.3,0.45", "--steps", "2", "--reuse-batch", "--json"])
    assert rc == 0, err
    data = json.loads(out)
    assert data["setup"]["lr"] == [0.3, 0.45] and data["setup"]["reuse_batch"] is True
    assert data["setup"]["readout"] == "gaussian" and data["setup"]["residual"] == "labels"
    ref = theory.two_step_spikes(_mh_setup((0.3, 0.45), reuse=True))
    got = data["two_step_spikes"]
    assert got["count"] == ref.count and got["asymptotic_count"] == ref.asymptotic_count
    assert len(got["spikes"]) == len(ref.spikes)
    for g, r in zip(got["spikes"], ref.spikes):
        assert g["order"] == r.order
        assert g["strength"] == pytest.approx(r.strength, rel=1e-12)
        assert g["overlap_target_sq"] == pytest.approx(r.overlap_target_sq, rel=1e-12, abs=1e-15)
    assert data["step_exponents"] == pytest.approx([math.log(0.3 * math.sqrt(1000)) / math.log(1000),
                                                    math.log(0.45 * math.sqrt(1000)) / math.log(1000)], rel=1e-12)


def test_alpha_pair_is_from_moniri_hassani_and_text_has_one_line_per_outlier(capsys):
    argv = ["spikes", "--alpha", "0.375,0.45", "--activation", "softplus", "--target", "z + He(2, z)/2", "--d", "500"]
    rc, out, err = _run(capsys, argv + ["--json"])
    assert rc == 0, err
    data = json.loads(out)
    s = theory.OneStep.from_moniri_hassani(alpha=(0.375, 0.45), d=500, width=500, n=1000, activation="softplus",
                                           target="z + He(2, z)/2")
    assert data["setup"]["lr"] == pytest.approx(list(s.lrs), rel=1e-12)
    ref = theory.two_step_spikes(s)
    sv = [sp["singular_value"] for sp in data["two_step_spikes"]["spikes"]]
    assert sv[0] == pytest.approx(ref.spikes[0].singular_value, rel=1e-12)
    rc, text, err = _run(capsys, argv)
    assert rc == 0 and not err
    rows = [ln for ln in text.splitlines() if ln.strip() and ln.split()[0].isdigit()]
    assert len(rows) == len(ref.spikes)
    assert [int(r.split()[0]) for r in rows] == [w.order for w in ref.spikes]
    assert sum("below the bulk edge" not in r for r in rows) == ref.count
    assert "fresh batch" in text.splitlines()[0]


def test_scalar_lr_with_two_steps_repeats_it(capsys):
    rc, out, err = _run(capsys, ["spikes", "--lr", "0.5", "--steps", "2", "--json"])
    assert rc == 0, err
    assert json.loads(out)["lrs"] == [0.5, 0.5]
    rc, out, err = _run(capsys, ["spikes", "--alpha", "0.3", "--steps", "2", "--d", "400", "--json"])
    assert rc == 0, err
    expected = theory.OneStep.from_moniri_hassani(alpha=(0.3, 0.3), d=400, width=400, n=800).lrs
    assert json.loads(out)["lrs"] == pytest.approx(list(expected), rel=1e-12)


def test_simulate_two_steps(capsys):
    rc, out, err = _run(capsys, ["spikes", "--lr", "0.4,0.6", "--d", "60", "--simulate", "--trials", "2", "--json"])
    assert rc == 0, err
    sim = json.loads(out)["simulation"]
    assert sim["trials"] == 2 and len(sim["w_top_singular_values"]) == 10
    assert sim["w_top_singular_values"] == sorted(sim["w_top_singular_values"], reverse=True)


@pytest.mark.parametrize("argv, text", [
    (["--lr", "0.3,abc"], "argument --lr"),
    (["--lr", "0.3,0.45", "--steps", "1"], "one value per step"),
    (["--lr", "1,1,1"], "one or two steps"),
    (["--steps", "3"], "one or two steps"),
    (["--reuse-batch"], "--reuse-batch needs two steps"),
    (["--alpha", "0.3,0.6"], "--alpha must lie in [0, 0.5)"),
    (["--alpha", "0.3,0.3", "--lr", "0.1"], "at most one of --alpha and --lr"),
    (["--lr", "0.3,0.45", "--residual", "full"], "residual"),
    (["--lr", "0.3,0.45", "--plot", "x.png"], "--plot"),
    (["--lr", "0.3,0.45", "--d", "50.5", "--simulate"], "--d must give an integer size"),
])
def test_bad_input_is_one_line_exit_2(capsys, tmp_path, monkeypatch, argv, text):
    monkeypatch.chdir(tmp_path)
    rc, out, err = _run(capsys, ["spikes"] + argv)
    assert rc == 2 and not out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and text in lines[0], err


def test_reproduce_accepts_the_hyphenated_name(capsys, tmp_path):
    from pathlib import Path

    data = Path(__file__).resolve().parent.parent / "docs" / "gallery" / "data" / "moniri_hassani2026.json"
    rc, out, err = _run(capsys, ["reproduce", "moniri-hassani2026", "--data", str(data), "--out", str(tmp_path),
                                 "--no-plot", "--json"])
    assert rc == 0, err
    res = json.loads(out)
    assert res["name"] == "moniri_hassani2026" and (tmp_path / "moniri_hassani2026.json").is_file()
    # the stored points against the theory now: one row per compared quantity, the reused batch learns beta*
    cap = {r["x"]: r["theory"] for r in res["rows"] if r["curve"] == "reused: captured beta*"}
    assert cap[0.45] > 0.1 and all(r["theory"] == 0.0 for r in res["rows"] if r["curve"] == "fresh: captured beta*")
    rc, out, err = _run(capsys, ["reproduce", "moniri-hassani2025", "--out", str(tmp_path)])
    assert rc == 2 and "moniri-hassani2025" in err and len(err.strip().splitlines()) == 1
