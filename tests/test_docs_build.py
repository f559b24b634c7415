"""The documentation site builds with warnings as errors and every internal reference resolved.

``python -m sphinx -W --keep-going -n -b html docs <tmp>``: MyST pages (maths, heading anchors,
links between pages), the API reference generated from ``theory.__all__`` and ``validation.__all__``
with numpydoc, and nitpicky cross-references (``docs/conf.py``). External links are not checked
(the build runs offline). The build writes only under ``tmp_path``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("sphinx", reason="the documentation build needs the docs extra: pip install '.[docs]'")
pytest.importorskip("myst_parser", reason="the documentation build needs the docs extra: pip install '.[docs]'")
pytest.importorskip("numpydoc", reason="the documentation build needs the docs extra: pip install '.[docs]'")


def test_site_builds_without_warnings(tmp_path):
    out = tmp_path / "html"
    argv = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-n", "-q", "-b", "html",
            "-d", str(tmp_path / "doctrees"), str(ROOT / "docs"), str(out)]
    res = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, f"sphinx build failed:\n{res.stderr[-6000:]}"
    for page in ("index.html", "api.html", "theory/risk.html", "getting_started/theory_curves.html",
                 "gallery/cui2024.html", "validation.html", "benchmarks.html"):
        assert (out / page).is_file(), page
    api = (out / "api.html").read_text(encoding="utf-8")
    for name in ("theory.risk", "theory.OneStep", "theory.hermite_coefficients", "validation.simulate"):
        assert f'id="{name}"' in api, f"{name} is missing from the API reference"
    # the gallery figures are part of the site
    assert any(p.name.startswith("cui2024") and p.suffix == ".png" for p in (out / "_images").iterdir())
