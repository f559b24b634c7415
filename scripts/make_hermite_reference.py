"""Generate ``tests/data/hermite_reference.json``: 50-digit plain Hermite coefficients, k <= 40.

Command (from the repository root; about 10 minutes on one core)::

    nice python scripts/make_hermite_reference.py

Every coefficient :math:`\\mu_k = E[f(z) He_k(z)]` is computed by TWO independent methods at 70
working digits, and the script asserts that they agree before anything is written:

* **A**: ``mpmath.quad`` (tanh-sinh), one integral per ``k``, on :math:`(-\\infty, \\infty)` split at
  the sorted breakpoints ``-20, -12, -6, <kinks>, 6, 12, 20`` (``docs/theory/hermite.md#high-precision``: unsorted split
  points, or a kink inside an interval, silently lose digits).
* **B**: the closed form of ``docs/theory/hermite.md#closed-forms`` where one exists (relu, abs, step, sign,
  shifted relu, erf, sin, gelu), written out here independently of the library; otherwise
  (tanh, sigmoid, silu, softplus) composite 60-point Gauss-Legendre on unit panels of
  :math:`[-32, 32]` with all ``k`` from one set of function values.

Agreement is required to 1e-45 in orthonormal units (:math:`|\\mu^A_k-\\mu^B_k|/\\sqrt{k!}`). The stored
value is B (exact zeros where the closed form or the parity makes them zero; the script asserts that
A is below 1e-45 there). Nothing in this script imports the library under test.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

import mpmath

mp = mpmath.mp
KMAX = 40
DIGITS = 50
WORK_DPS = 70
TOL = mpmath.mpf("1e-45")
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "hermite_reference.json"


def he_values(z, kmax):
    """He_0(z), ..., He_kmax(z) by the three-term recurrence (probabilists')."""
    out = [mp.mpf(1), z]
    for j in range(1, kmax):
        out.append(z * out[j] - j * out[j - 1])
    return out[: kmax + 1]


def he_at(x, n):
    return he_values(mp.mpf(x), max(n, 1))[n]


# ------------------------------------------------------------------ functions (mpmath)
def sigmoid(z):
    return 1 / (1 + mp.exp(-z))


def softplus(z):
    return z + mp.log1p(mp.exp(-z)) if z > 0 else mp.log1p(mp.exp(z))


FUNCTIONS = {
    # name: (spec for theory.activation, mp function, kinks, parity: 1 even, -1 odd, 0 none,
    #        structural exact values {k: value} besides parity zeros)
    "relu": (dict(name="relu"), lambda z: z if z > 0 else mp.zero, [0], 0),
    "abs": (dict(name="abs"), lambda z: abs(z), [0], 1),
    "step": (dict(name="step"), lambda z: mp.one if z > 0 else mp.zero, [0], 0),
    "sign": (dict(name="sign"), lambda z: mp.sign(z), [0], -1),
    "relu_shift_0.5": (dict(name="relu", shift=0.5), lambda z: z + mp.mpf("0.5") if z > -0.5 else mp.zero, [mp.mpf("-0.5")], 0),
    "tanh": (dict(name="tanh"), mp.tanh, [], -1),
    "erf": (dict(name="erf"), mp.erf, [], -1),
    "sin": (dict(name="sin"), mp.sin, [], -1),
    "gelu": (dict(name="gelu"), lambda z: z * mp.ncdf(z), [], 0),
    "sigmoid": (dict(name="sigmoid"), sigmoid, [], 0),
    "silu": (dict(name="silu"), lambda z: z * sigmoid(z), [], 0),
    "softplus": (dict(name="softplus"), softplus, [], 0),
}

# f minus its linear part has a parity: sigmoid - 1/2 odd; gelu, silu, softplus minus z/2 even.
# So mu_k vanishes for these k >= 2 (docs/theory/hermite.md#closed-forms):
REMAINDER_PARITY = {"sigmoid": -1, "gelu": 1, "silu": 1, "softplus": 1}


# ------------------------------------------------------------------ method A
def method_a(f, kinks):
    pts = sorted({mp.mpf(-20), mp.mpf(-12), mp.mpf(-6), mp.mpf(6), mp.mpf(12), mp.mpf(20), *map(mp.mpf, kinks)})
    pts = [-mp.inf] + pts + [mp.inf]
    return [mp.quad(lambda z, k=k: f(z) * he_at(z, k) * mp.npdf(z), pts) for k in range(KMAX + 1)]


# ------------------------------------------------------------------ method B
def method_b_panels(f, kinks):
    """Composite 60-point Gauss-Legendre on unit panels of [-32, 32] (kinks are panel edges)."""
    x0, w0 = mp.gauss_quadrature(60, "legendre")
    edges = sorted({mp.mpf(j) for j in range(-32, 33)} | {mp.mpf(k) for k in kinks})
    acc = [mp.zero] * (KMAX + 1)
    for a, b in zip(edges[:-1], edges[1:]):
        half, mid = (b - a) / 2, (a + b) / 2
        for x, w in zip(x0, w0):
            z = mid + half * x
            fw = f(z) * mp.npdf(z) * w * half
            for k, h in enumerate(he_values(z, KMAX)):
                acc[k] += fw * h
    return acc


def dfact(n):
    """n!! with (-1)!! = 1."""
    return math.prod(range(n, 0, -2)) if n > 0 else 1


def closed_relu_shift(c):
    c = mp.mpf(c)
    mu = [c * mp.ncdf(c) + mp.npdf(c), mp.ncdf(c)]
    return mu + [mp.npdf(c) * he_at(-c, k - 2) for k in range(2, KMAX + 1)]


def closed(name):
    phi0 = 1 / mp.sqrt(2 * mp.pi)
    if name == "relu":
        return closed_relu_shift(0)
    if name == "relu_shift_0.5":
        return closed_relu_shift("0.5")
    if name == "abs":
        return [2 * phi0] + [mp.zero] + [2 * phi0 * he_at(0, k - 2) for k in range(2, KMAX + 1)]
    if name == "step":
        return [mp.mpf(1) / 2] + [phi0 * he_at(0, k - 1) for k in range(1, KMAX + 1)]
    if name == "sign":
        return [mp.zero] + [2 * phi0 * he_at(0, k - 1) for k in range(1, KMAX + 1)]
    if name == "erf":  # a = 1
        out = []
        for k in range(KMAX + 1):
            if k % 2 == 0:
                out.append(mp.zero)
            else:
                j = (k - 1) // 2
                out.append(2 / (mp.sqrt(mp.pi) * mp.sqrt(3)) * dfact(2 * j - 1) * (mp.mpf(-2) / 3) ** j)
        return out
    if name == "sin":  # Im[(i)^k] e^{-1/2}
        return [mp.zero if k % 2 == 0 else (-1) ** ((k - 1) // 2) * mp.exp(mp.mpf(-0.5)) for k in range(KMAX + 1)]
    if name == "gelu":  # mu_k = C_{k+1} + k C_{k-1}, C_m = E[Phi He_m]
        def C(m):
            if m == 0:
                return mp.mpf(1) / 2
            if m % 2 == 0:
                return mp.zero
            j = (m - 1) // 2
            return dfact(2 * j - 1) * (mp.mpf(-1) / 2) ** j / (2 * mp.sqrt(mp.pi))

        return [C(k + 1) + (k * C(k - 1) if k >= 1 else 0) for k in range(KMAX + 1)]
    return None


def structural_zero(name, parity, k):
    if parity == 1 and k % 2 == 1 or parity == -1 and k % 2 == 0:
        return True
    rp = REMAINDER_PARITY.get(name)
    if rp is not None and k >= 2 and (rp == 1 and k % 2 == 1 or rp == -1 and k % 2 == 0):
        return True
    return name in ("relu", "gelu") and k >= 3 and k % 2 == 1


def main(argv=None) -> int:
    mp.dps = WORK_DPS
    only = set((argv or sys.argv[1:]))
    data = {}
    if OUT.exists():
        data = json.loads(OUT.read_text())["functions"]
    worst = mp.zero
    for name, (spec, f, kinks, parity) in FUNCTIONS.items():
        if only and name not in only:
            continue
        t0 = time.time()
        a = method_a(f, kinks)
        cf = closed(name)
        b = cf if cf is not None else method_b_panels(f, kinks)
        values = []
        for k in range(KMAX + 1):
            norm = mp.sqrt(mp.factorial(k))
            diff = abs(a[k] - b[k]) / norm
            worst = max(worst, diff)
            if diff > TOL:
                raise AssertionError(f"{name} k={k}: methods disagree by {mpmath.nstr(diff, 5)} (orthonormal)")
            if structural_zero(name, parity, k):
                assert abs(a[k]) / norm < TOL and abs(b[k]) / norm < TOL, (name, k)
                values.append("0")
            else:
                values.append(mpmath.nstr(b[k], DIGITS, min_fixed=1, max_fixed=0))
        data[name] = {
            "activation": spec,
            "kinks": [float(k) for k in kinks],
            "smooth": not kinks,
            "method_a": "mpmath.quad tanh-sinh, sorted breakpoints",
            "method_b": "closed form (docs/theory/hermite.md#closed-forms)" if cf is not None else "composite 60-point Gauss-Legendre, unit panels on [-32, 32]",
            "values": values,
        }
        print(f"{name}: {time.time() - t0:.1f} s", file=sys.stderr)
    doc = {
        "description": "Plain Hermite coefficients E[f(z) He_k(z)], k = 0..40, 50 significant digits; "
        "two independent 50-digit methods agree to 1e-45 in orthonormal units",
        "command": "nice python scripts/make_hermite_reference.py",
        "kmax": KMAX,
        "digits": DIGITS,
        "agreement_tolerance_orthonormal": "1e-45",
        "functions": data,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"worst disagreement (orthonormal): {mpmath.nstr(worst, 3)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
