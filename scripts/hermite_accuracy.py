"""Accuracy of the Hermite engine against the 50-digit reference data (the table in docs/hermite.md).

Command (from the repository root, about 10 s)::

    PYTHONPATH=. python scripts/hermite_accuracy.py [--markdown]

For each reference function (``tests/data/hermite_reference.json``, k <= 40) and each path
(registry object, plain callable with its kinks, ``dps=50``), prints the method used, the maximum
relative error over nonzero plain coefficients, the maximum absolute error in orthonormal units, and
the smallest ratio error_estimate / true error (>= 1 means the estimate bounds the error).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import mpmath
import numpy as np

import theory
from theory import hermite_coefficients

REF = Path(__file__).resolve().parent.parent / "tests" / "data" / "hermite_reference.json"


def rows():
    data = json.loads(REF.read_text())
    out = []
    for name, d in data["functions"].items():
        spec = dict(d["activation"])
        act = theory.activation(spec.pop("name"), **spec)
        with mpmath.workdps(60):
            exact = [mpmath.mpf(v) for v in d["values"]]
        paths = {
            "registry": lambda: hermite_coefficients(act, 40),
            "callable": lambda: hermite_coefficients(act.func, 40, kinks=act.kinks),
            "dps=50": lambda: hermite_coefficients(act, 40, dps=50),
        }
        for path, call in paths.items():
            res = call()
            with mpmath.workdps(60):
                true = [abs(mpmath.mpf(float(v)) - x) for v, x in zip(res.values, exact)]
                rel = max((float(t / abs(x)) for t, x in zip(true, exact) if x != 0), default=0.0)
                orth = max(float(t / mpmath.sqrt(mpmath.factorial(k))) for k, t in enumerate(true))
                ratio = min((float(mpmath.mpf(float(e)) / t) for e, t in zip(res.error_estimate, true) if t > 0),
                            default=float("inf"))
            out.append((name, "smooth" if d["smooth"] else "kinked", path, res.method, rel, orth, ratio))
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--markdown", action="store_true")
    a = p.parse_args(argv)
    head = ("function", "type", "path", "method", "max rel err", "max abs err (orthonormal)", "min estimate/true")
    if a.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
    for r in rows():
        cells = list(r[:4]) + [f"{r[4]:.1e}", f"{r[5]:.1e}", "exact" if r[6] == float("inf") else f"{r[6]:.2g}"]
        print(("| " + " | ".join(cells) + " |") if a.markdown else "  ".join(f"{c:>14s}" for c in cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
