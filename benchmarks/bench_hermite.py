"""Speed of ``theory.hermite_coefficients`` on every registry activation, against per-k ``quad``.

Usage (from the repository root)::

    PYTHONPATH=. python benchmarks/bench_hermite.py [--reps 30] [--baseline-reps 3] [--threads 1] [--ks all|5]
        [--only NAME ...] [--accuracy] [--json | --markdown]

For every registry activation (``theory.available_activations()``; ``polynomial`` with
``coeffs=[0.5, -1, 0.25, 0.1]``), plain and shifted/scaled (``shift=0.5, scale=2`` and
``shift=-0.7, scale=1.3``: binary fractions with short and with full 53-bit mantissas), it times
all 41 coefficients (``kmax = 40``, plain basis) along two paths:

* **named**: ``hermite_coefficients(activation(name, shift=..., scale=...), 40)``, the registry's
  closed form, identity or cached quadrature. *cold*: after clearing every cache of the path (the
  activation registry's, the coefficient cache and the basis-factor tables), so the activation is
  rebuilt and nothing is reused; *warm*: the same call repeated (cached per activation and kmax);
* **callable**: ``hermite_coefficients(act.func, 40, kinks=act.kinks)``, the numeric quadrature of
  the same function as a plain callable (the quadrature nodes are cached across calls, as in real
  use; the function is evaluated anew each call).

Each time is the CPU time of this process (``time.process_time``), the least of ``--reps`` calls
(quad: of ``--baseline-reps`` runs), measured in interleaved rounds (one quad run, then a share of
the engine calls); BLAS runs on ``--threads`` threads (1 by default, as quad). On a shared machine
wall times favour the engine: a 0.1 ms call often runs undisturbed while a 100 ms quad run never
does, so under load the wall-time ratio grows; CPU time counts only the work of each side. The baseline, in the same process, is one
``scipy.integrate.quad`` per coefficient of :math:`\\int f(z)He_k(z)\\varphi(z)dz` on a scalar
(``math``-module) version of the function, split at the kinks (at 0 if none),
``epsabs=1e-15, epsrel=1e-13, limit=200`` (the accuracy at which both agree, see
``docs/benchmarks/hermite.md``), roundoff warnings silenced; ``--ks 5`` times quad on
k = 0, 10, 20, 30, 40 only and extrapolates by the mean time per coefficient. The ratios are
quad time / path time. ``--accuracy`` also reports the largest error of each path in orthonormal
units against a ``dps=30`` evaluation (slow for the entries without a closed form).
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import platform
import sys
import time
import warnings

import numpy as np
from scipy import integrate, special

KMAX = 40
POLY = [0.5, -1.0, 0.25, 0.1]
VARIANTS = ((0.0, 1.0), (0.5, 2.0), (-0.7, 1.3))
_clock = time.process_time  # CPU time of this process: waiting for other jobs' CPU does not count


def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


SCALAR = {
    "relu": lambda x: max(x, 0.0),
    "abs": abs,
    "step": lambda x: 1.0 if x > 0 else 0.0,
    "sign": lambda x: math.copysign(1.0, x) if x != 0 else 0.0,
    "tanh": math.tanh,
    "erf": math.erf,
    "sigmoid": _sigmoid,
    "softplus": lambda x: max(x, 0.0) + math.log1p(math.exp(-abs(x))),
    "gelu": lambda x: 0.5 * x * math.erfc(-x / math.sqrt(2.0)),
    "silu": lambda x: x * _sigmoid(x),
    "sin": math.sin,
    "cos": math.cos,
    "exp": lambda x: math.exp(min(x, 700.0)),  # the Gaussian weight is 0 long before
    "identity": lambda x: x,
    "polynomial": lambda x: ((POLY[3] * x + POLY[2]) * x + POLY[1]) * x + POLY[0],
}


def _params(name):
    return {"coeffs": POLY} if name == "polynomial" else {}


def _scalar(name, shift, scale, act):
    base = SCALAR.get(name)
    if base is None:  # an entry registered later: its numpy function on 0-d arrays
        return lambda z: float(act.func(np.asarray(z)))
    return lambda z: base(scale * z + shift)


def clear_caches():
    """Forget everything the named path caches, for a cold first call with these parameters: the
    activation registry's cache (a rebuilt Activation also has empty coefficient caches) and the
    basis-factor tables of the fast closed forms (its square roots of pi and 2 are module constants,
    computed at import)."""
    from theory.hermite import activations

    activations._build.cache_clear()
    try:
        from theory.hermite import closed_forms_fast
    except ImportError:  # a version before issue 14 (to time the previous state)
        return
    closed_forms_fast._FACTOR_TABLES.clear()


def _best_time(fn, reps, before=None):
    """Least CPU time of ``reps`` calls (see the module docstring)."""
    times = []
    for _ in range(reps):
        if before is not None:
            before()
        t0 = _clock()
        fn()
        times.append(_clock() - t0)
    return float(np.min(times))


def quad_time(f, kinks, ks):
    """Seconds for 41 coefficients by one ``quad`` per k (``ks``: those timed, extrapolated)."""
    pts = [-np.inf, *kinks, np.inf] if kinks else [-np.inf, 0.0, np.inf]
    out = []
    t0 = _clock()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k in ks:
            def integrand(z, k=k):
                w = math.exp(-0.5 * z * z)  # 0 far out, where f(z) He_k(z) may overflow (exp)
                return f(z) * special.eval_hermitenorm(k, z) * w / math.sqrt(2 * math.pi) if w else 0.0

            out.append(sum(integrate.quad(integrand, a, b, epsabs=1e-15, epsrel=1e-13, limit=200)[0]
                           for a, b in zip(pts[:-1], pts[1:])))
    return (_clock() - t0) * (KMAX + 1) / len(ks), np.array(out)


def run_case(name, shift, scale, reps=30, ks=None, accuracy=False, baseline_reps=3) -> dict:
    from theory import activation, hermite_coefficients

    ks = list(range(KMAX + 1)) if ks is None else list(ks)
    kw = _params(name)

    def named():
        return hermite_coefficients(activation(name, shift=shift, scale=scale, **kw), KMAX)

    res = named()
    act = activation(name, shift=shift, scale=scale, **kw)
    hermite_coefficients(act.func, KMAX, kinks=act.kinks)  # the quadrature nodes, as in real use
    f_scalar = _scalar(name, shift, scale, act)
    # interleaved rounds (quad run, then a share of the engine calls), so that a change of the
    # machine's load during the case affects both sides alike; the least time of each is kept
    share = max(1, reps // baseline_reps)
    t_quad = cold = warm = t_call = math.inf
    for _ in range(baseline_reps):
        tq, v_quad = quad_time(f_scalar, act.kinks, ks)
        t_quad = min(t_quad, tq)
        cold = min(cold, _best_time(named, share, before=clear_caches))
        warm = min(warm, _best_time(named, share))
        t_call = min(t_call, _best_time(lambda: hermite_coefficients(act.func, KMAX, kinks=act.kinks), share))
    row = {
        "name": act.name, "entry": name, "shift": shift, "scale": scale, "method": res.method,
        "quad_ms": 1e3 * t_quad, "named_cold_ms": 1e3 * cold, "named_warm_ms": 1e3 * warm,
        "callable_ms": 1e3 * t_call, "ratio_named_cold": t_quad / cold, "ratio_named_warm": t_quad / warm,
        "ratio_callable": t_quad / t_call,
    }
    # quad and the engine agree (orthonormal units): the comparison is at equal accuracy
    norm = np.exp(-0.5 * np.array([math.lgamma(k + 1.0) for k in ks]))
    row["quad_vs_named_max_abs"] = float(np.max(np.abs(v_quad * norm - res.values[ks] * norm)))
    if accuracy:
        ref = hermite_coefficients(act, KMAX, basis="orthonormal", dps=30).values
        call = hermite_coefficients(act.func, KMAX, kinks=act.kinks, basis="orthonormal").values
        row["named_max_abs_error"] = float(np.max(np.abs(res.in_basis("orthonormal").values - ref)))
        row["callable_max_abs_error"] = float(np.max(np.abs(call - ref)))
    return row


def run(reps: int = 30, ks=None, names=None, variants=VARIANTS, accuracy=False, baseline_reps=3, threads=1) -> dict:
    import theory

    try:  # BLAS threads limited for both sides (quad is single-threaded)
        from threadpoolctl import threadpool_limits

        limit = threadpool_limits(threads) if threads else None
    except ImportError:  # pragma: no cover - threadpoolctl is in the test extra
        limit = None
    try:
        return _run(theory, reps, ks, names, variants, accuracy, baseline_reps, threads if limit else None)
    finally:
        if limit is not None:
            limit.restore_original_limits()


def _run(theory, reps, ks, names, variants, accuracy, baseline_reps, threads):
    names = list(theory.available_activations()) if not names else list(names)
    out = {
        "kmax": KMAX, "date": datetime.date.today().isoformat(), "python": platform.python_version(),
        "numpy": np.__version__, "machine": platform.machine(), "reps": reps, "baseline_reps": baseline_reps,
        "blas_threads": threads,
        "quad_ks": "all" if ks is None else list(ks), "cases": [],
    }
    for name in names:
        for shift, scale in variants:
            out["cases"].append(run_case(name, shift, scale, reps, ks, accuracy, baseline_reps))
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=30)
    p.add_argument("--baseline-reps", type=int, default=3)
    p.add_argument("--threads", type=int, default=1, help="BLAS threads (0: leave as is)")
    p.add_argument("--ks", choices=("all", "5"), default="all")
    p.add_argument("--only", nargs="*", default=None, metavar="NAME")
    p.add_argument("--accuracy", action="store_true")
    p.add_argument("--json", action="store_true")
    p.add_argument("--markdown", action="store_true", help="the table as Markdown rows (docs/benchmarks/hermite.md)")
    a = p.parse_args(argv)
    ks = None if a.ks == "all" else [0, 10, 20, 30, 40]
    res = run(a.reps, ks, a.only, accuracy=a.accuracy, baseline_reps=a.baseline_reps, threads=a.threads)
    if a.json:
        print(json.dumps(res, indent=2))
        return 0
    if a.markdown:
        print("| activation | method | quad ms | named cold ms | named warm ms | callable ms | cold x | warm x | callable x |")
        print("|---|---|---|---|---|---|---|---|---|")
        for r in res["cases"]:
            print(f"| `{r['name']}` | {r['method']} | {r['quad_ms']:.1f} | {r['named_cold_ms']:.3f} | {r['named_warm_ms']:.3f} "
                  f"| {r['callable_ms']:.3f} | {r['ratio_named_cold']:.0f} | {r['ratio_named_warm']:.0f} | {r['ratio_callable']:.0f} |")
        return 0
    print(f"all {KMAX + 1} coefficients, plain basis; {res['date']}, Python {res['python']}, numpy {res['numpy']}, "
          f"{res['machine']}; CPU time, least of {a.reps} calls (quad: of {a.baseline_reps} runs), interleaved; "
          f"quad on k = {res['quad_ks']}; BLAS threads {res['blas_threads']}")
    print(f"{'activation':40s} {'method':12s} {'quad ms':>8s} {'cold ms':>8s} {'warm ms':>8s} {'call ms':>8s} "
          f"{'cold x':>7s} {'warm x':>7s} {'call x':>7s}")
    for r in res["cases"]:
        print(f"{r['name']:40s} {r['method']:12s} {r['quad_ms']:8.1f} {r['named_cold_ms']:8.3f} "
              f"{r['named_warm_ms']:8.3f} {r['callable_ms']:8.3f} {r['ratio_named_cold']:7.0f} "
              f"{r['ratio_named_warm']:7.0f} {r['ratio_callable']:7.0f}"
              + (f"  err {r['named_max_abs_error']:.1e} / {r['callable_max_abs_error']:.1e}" if a.accuracy else ""))
    worst = min(min(r["ratio_named_cold"], r["ratio_named_warm"], r["ratio_callable"]) for r in res["cases"])
    print(f"smallest ratio: {worst:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
