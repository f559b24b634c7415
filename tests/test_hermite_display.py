"""Symbolic Hermite expansions where users work: ``onegrad hermite EXPR --exact/--latex`` and the
formula display of :func:`theory.symbolic.expansion` in Jupyter (``_repr_latex_``)."""

import json

import pytest

sp = pytest.importorskip("sympy")

import theory  # noqa: E402
from theory.symbolic import He  # noqa: E402
from validation.cli import main  # noqa: E402

z = sp.Symbol("z")


def run(capsys, *args):
    code = main(["hermite", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_exact_expansion_of_an_expression(capsys):
    # z^3 + 2 z = He_3 + 3 He_1 + 2 He_1 (z^3 = He_3 + 3 He_1): coefficients mu_k = E[f He_k] = (0, 5, 0, 6)
    code, out, _ = run(capsys, "z**3 + 2*z", "--kmax", "3", "--exact", "--json")
    data = json.loads(out)
    assert code == 0 and data["values"] == ["0", "5", "0", "6"]
    assert data["latex"] == sp.latex(5 * He(1, z) + He(3, z))
    assert data["expansion"] == sp.sstr(5 * He(1, z) + He(3, z))


def test_exact_text_has_the_expansion(capsys):
    code, out, _ = run(capsys, "relu", "--kmax", "2", "--exact")
    lines = out.strip().splitlines()
    assert code == 0 and lines[0].startswith("# exact Hermite coefficients of relu")
    assert lines[3] == "   1  1/2"  # E[relu(z) z] = 1/2
    assert lines[-1].startswith("# f(z) ~ sum_(k<=2) mu_k/k! He_k(z) = He_1(z)/2")


def test_latex_prints_one_line(capsys):
    code, out, _ = run(capsys, "Max(z, 0)", "--kmax", "2", "--latex")
    expected = sp.latex(He(1, z) / 2 + sp.sqrt(2) / (4 * sp.sqrt(sp.pi)) * He(2, z) + sp.sqrt(2) / (2 * sp.sqrt(sp.pi)))
    assert code == 0 and out.strip() == expected and "\\mathrm{He}_{2}" in out


@pytest.mark.parametrize("text, msg", [
    ("tanh", "no exact Hermite coefficients for tanh"),      # outside the exact classes
    ("__import__('os').system('true')", "not allowed"),      # the parser refuses, nothing runs
    ("z +", "expr"),
])
def test_refusals_are_one_line(capsys, text, msg):
    code, out, err = run(capsys, text, "--kmax", "3", "--latex")
    assert code == 2 and out == "" and msg in err and len(err.strip().splitlines()) == 1


def test_expansion_renders_as_a_formula_in_jupyter():
    e = theory.symbolic.expansion("relu", 4)
    tex = e._repr_latex_()  # sympy objects carry _repr_latex_ (Jupyter shows it as a formula)
    assert tex.startswith("$\\displaystyle") and "\\mathrm{He}_{1}\\left(z\\right)" in tex
    for single in (theory.symbolic.expansion("z", 1), theory.symbolic.expansion("1 + 0*z", 0)):
        assert single._repr_latex_().startswith("$\\displaystyle")
