"""A light start (issue 12 item 5): ``import theory`` and ``onegrad --help`` load none of the heavy
optional packages; they load on first use. Timings are in ``benchmarks/bench_startup.py``; here we
only check which modules a fresh interpreter has loaded."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np

HEAVY = ("sympy", "scipy.stats", "matplotlib", "dask", "pandas")


def _loaded_after(code: str) -> list:
    """Heavy modules present in ``sys.modules`` of a fresh interpreter after running ``code``."""
    script = textwrap.dedent(code) + textwrap.dedent(f"""
        import json as _json, sys as _sys
        print("HEAVY=" + _json.dumps(sorted(m for m in {HEAVY!r} if m in _sys.modules)))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("HEAVY=")][-1]
    return json.loads(line[len("HEAVY="):])


def test_import_theory_loads_no_heavy_package():
    out = subprocess.run(
        [sys.executable, "-c", "import theory, sys; print(sorted(m for m in "
         f"{HEAVY!r} if m in sys.modules))"],
        capture_output=True, text=True, timeout=120, check=True,
    )
    assert out.stdout.strip() == "[]"


def test_import_validation_loads_no_heavy_package():
    assert _loaded_after("import validation") == []


def test_onegrad_help_loads_no_heavy_package():
    # exactly what `python -m validation --help` (the `onegrad` command) runs, then the check
    loaded = _loaded_after("""
        import contextlib, io, runpy, sys
        sys.argv = ["onegrad", "--help"]
        with contextlib.redirect_stdout(io.StringIO()) as help_text:
            try:
                runpy.run_module("validation", run_name="__main__", alter_sys=True)
            except SystemExit as exc:
                assert exc.code in (0, None), exc.code
        assert "usage: onegrad" in help_text.getvalue()
    """)
    assert loaded == []


def test_heavy_packages_still_load_on_first_use():
    # the exact paths still work: sympy arrives when an exact tensor or theory.symbolic is asked for
    loaded = _loaded_after("""
        import theory
        C = theory.hermite_tensor(theory.MultiIndexTarget("z1*z2", 2), 2, exact=True)
        assert C.tolist() == [[0, 1], [1, 0]], C
        assert str(theory.symbolic.hermite_coefficients("relu", 1)[1]) == "1/2"
    """)
    assert "sympy" in loaded


def test_student_t_quantile_without_scipy_stats():
    # validation.estimate's 95% interval uses the Student-t quantile (now scipy.special.stdtrit):
    # the tabulated t_{0.975} with 4 and 1 degrees of freedom are 2.776445105 and 12.70620474
    from validation import estimate

    samples = np.array([1.0, 2.0, 4.0, 7.0, 11.0])
    e = estimate(samples)
    half = (e.ci_high - e.ci_low) / 2
    assert abs(half / e.se - 2.7764451051977987) < 1e-12
    e2 = estimate([0.0, 1.0])
    assert abs((e2.ci_high - e2.mean) / e2.se - 12.706204736174707) < 1e-9
