"""The commands write their figures through the plot helpers (Agg backend, files under tmp_path)."""

import json

import pytest

pytest.importorskip("matplotlib")

from validation import plots  # noqa: E402
from validation.cli import main  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def test_compare_writes_the_extrapolation_figure(tmp_path, capsys, monkeypatch):
    drawn = {}
    real = plots.plot_compare

    def spy(cmp, **kw):  # the command draws with plot_compare, on the comparison it computed
        drawn["out"] = real(cmp, **kw)
        drawn["title"] = drawn["out"]["figure"]._suptitle.get_text()
        return drawn["out"]

    monkeypatch.setattr(plots, "plot_compare", spy)
    out = tmp_path / "cmp"
    code = main(["compare", "--d", "30", "--sample-ratio", "10", "--trials", "2", "--n-test", "200",
                 "--sizes", "16,22", "--quantities", "overlap", "--out", str(out)])
    capsys.readouterr()
    assert code == 0 and (out / "compare.png").read_bytes()[:8] == PNG
    data = json.loads((out / "compare.json").read_text())
    assert all(r["extrapolation"]["sizes"] == [16.0, 22.0, 30.0] for r in data["rows"] if r["verdict"] == "agrees")
    assert set(drawn["out"]["gap_axes"]) == {r["name"] for r in data["rows"] if r["verdict"] in ("agrees", "disagrees")}
    assert drawn["title"].startswith("tanh student, sin target: $d = 30$, width$/d = 1$, $n/d = 10$, $\\mathrm{lr} = 3$")


@pytest.mark.parametrize("simulate", [True, False])
def test_spikes_plot(tmp_path, capsys, monkeypatch, simulate):
    seen = {}
    real = plots.plot_spectrum

    def spy(values, **kw):
        seen["n"] = len(values)
        seen["out"] = real(values, **kw)
        return seen["out"]

    monkeypatch.setattr(plots, "plot_spectrum", spy)
    path = tmp_path / "spec.png"
    args = ["spikes", "--alpha", "0.3", "--d", "80", "--plot", str(path), "--json"]
    code = main(args + (["--simulate", "--trials", "2"] if simulate else []))
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and path.read_bytes()[:8] == PNG
    assert seen["n"] == (2 * 80 if simulate else 0)  # every singular value of F/sqrt(n) (min(n, width) = 80) of both trials
    assert len(seen["out"]["spikes"]) == len(data["feature_spikes"]["spikes"])
    if simulate:
        assert len(data["simulation"]["top_singular_values"]) == 10  # the JSON keeps the top 10
    else:
        assert seen["out"]["bulk"] is not None
