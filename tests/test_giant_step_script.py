"""The validation script runs end to end in quick mode and writes its page (slow: about a minute)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_validate_giant_step_quick(tmp_path):
    cmd = [sys.executable, str(ROOT / "scripts" / "validate_giant_step.py"), "--quick", "--out", str(tmp_path),
           "--parts", "A", "C"]
    out = subprocess.run(cmd, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": ""}, capture_output=True, text=True,
                         timeout=900, check=True)
    summary = json.loads(out.stdout)
    assert summary["A_max_abs_gap"] < 0.05  # d = 300, 3 trials: the quick run's tolerance
    page = (tmp_path / "giant_step.md").read_text()
    assert "## A. l = 1 cosine law" in page and "## C. Staircase" in page
