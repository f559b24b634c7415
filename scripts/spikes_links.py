"""Check each link of the finite-size spike theory separately (``docs/spikes.md`` §5).

Usage (repository root; minutes, run niced)::

    PYTHONPATH=. python scripts/spikes_links.py --sizes 1000,2000 --trials 4 --out spikes_links.json

For each trial of the true network (``validation.simulate`` building blocks) it records

Configurations ``activation[/readout]:alpha`` (readout default Gaussian).

1. **the per-neuron model** (§5.1): the regression slope of :math:`a_i = w_i^1\\cdot\\hat\\beta` on
   :math:`s_i`, the residual variance of :math:`a_i` (against :math:`E\\rho^2/d`) and the mean of
   :math:`\\rho_i^2 = |w_i^1|^2 - a_i^2` as a function of :math:`s_i` (against :math:`\\rho^2(s)`);
2. **the modelled network**: rows :math:`a(s_i)\\hat\\beta + \\epsilon_i\\hat\\beta + \\rho(s_i)\\hat w_i` with
   :math:`\\hat w_i` independent isotropic unit vectors orthogonal to :math:`\\hat\\beta`, and the true
   activation. The spikes of :math:`F` (true) against those of the modelled network measure the
   per-neuron modelling error; the modelled network against ``setup.spikes()`` measures the Gaussian
   equivalence and random-matrix error.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from theory.spikes.feature_spectrum import _geometry  # noqa: E402
from theory.spikes.predictions import _step_stats  # noqa: E402
from validate_spikes import KMONO, _top, setup_for  # noqa: E402
from validation.seeding import role_generator, task_sequence, trial_sequence  # noqa: E402
from validation.simulate import draw_data, draw_initial, feature_matrix, gradient_step  # noqa: E402


def _gs_cos(Xs, beta_hat, U):
    kappa = Xs @ beta_hat
    gs = [np.ones(len(kappa)) / math.sqrt(len(kappa))]
    for k in range(1, KMONO + 1):
        v = kappa**k
        for g in gs[1:]:
            v = v - (g @ v) * g
        gs.append(v / np.linalg.norm(v))
    return np.abs(np.stack(gs) @ U)


def _slope(x, y) -> float:
    """Least-squares slope of ``y`` on ``x`` (0 when ``x`` is constant, e.g. s^2 for a +-1 readout)."""
    x = np.asarray(x, dtype=float)
    v = float(np.var(x))
    return float(np.mean((x - x.mean()) * (y - np.mean(y))) / v) if v > 1e-12 else 0.0


def geometry(setup):
    st = _step_stats(setup)
    beta = math.sqrt(st.norm_sq)
    scale_full = setup.effective_output_scale if setup.residual == "full" else 0.0
    kw = dict(c1=st.c1, c1_step=st.c1_step, tau=setup.lr, beta=beta, scale_full=scale_full, mu2=st.mu2_step,
              residual_mean=st.residual_mean, residual_second=st.residual_second, var_deriv=st.var_deriv,
              sample_ratio=setup.sample_ratio)
    return lambda s: _geometry(np.asarray(s, dtype=float), **kw)


def trial(setup, root, t, geo):
    tseq = trial_sequence(root, t)
    init = draw_initial(setup, tseq)
    n, d = int(setup.n), int(setup.d)
    X, y, _ = draw_data(setup, n, role_generator(tseq, "step", 0), role_generator(tseq, "noise", 0))
    W1, _, r = gradient_step(init.W0, init.s, X, y, setup, return_gradient=True)
    beta = X.T @ r / n
    bh = beta / np.linalg.norm(beta)
    s = init.s
    a = W1 @ bh
    rho2 = np.sum(W1**2, axis=1) - a**2
    a_th, rho2_th = geo(s)
    slope = float(s @ a / (s @ s))
    slope_th = float(s @ a_th / (s @ s))
    resid_var = float(np.var(a - slope * s))
    # modelled network
    rng = role_generator(tseq, "extra", 2)
    Wh = rng.standard_normal(W1.shape)
    Wh -= np.outer(Wh @ bh, bh)
    Wh /= np.linalg.norm(Wh, axis=1, keepdims=True)
    eps = rng.standard_normal(len(s)) * np.sqrt(rho2_th / d)
    W_model = np.outer(a_th + eps, bh) + np.sqrt(rho2_th)[:, None] * Wh
    Xs, _, _ = draw_data(setup, n, role_generator(tseq, "extra", 0), role_generator(tseq, "noise", 900))
    st = _step_stats(setup)
    # the same slope with this trial's |beta| (separates the |beta| fluctuation from the model)
    slope_cond = slope_th * float(np.linalg.norm(beta)) / math.sqrt(st.norm_sq)
    out = {"slope": slope, "slope_theory": slope_th, "slope_theory_given_beta": slope_cond, "resid_var": resid_var,
           "resid_var_theory": float(np.mean(rho2_th) / d),
           "rho2_mean": float(np.mean(rho2)), "rho2_theory": float(np.mean(rho2_th)),
           "rho2_s2_slope": _slope(s**2, rho2), "rho2_s2_slope_theory": _slope(s**2, rho2_th)}
    for name, W in (("true", W1), ("model", W_model)):
        F = feature_matrix(W, Xs, setup.activation) / math.sqrt(n)
        sv, U, _ = _top(F, 8)
        out[name] = {"sv": sv.tolist(), "gs_cos": _gs_cos(Xs, bh, U).tolist()}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,2000")
    ap.add_argument("--configs", default="tanh:0.3,tanh:0.4,poly/rademacher:0.3,poly/rademacher:0.35,poly/rademacher:0.4",
                    help="activation[/readout]:alpha, comma separated (readout default gaussian)")
    ap.add_argument("--trials", type=int, default=4)
    ap.add_argument("--seed", type=int, default=77)
    ap.add_argument("--out", default="spikes_links.json")
    args = ap.parse_args(argv)
    out = Path(args.out)
    data = json.loads(out.read_text()) if out.exists() else []
    done = {(g["act"], g.get("readout", "gaussian"), g["alpha"], g["n"]) for g in data}
    for n in (int(x) for x in args.sizes.split(",")):
        for cfg in args.configs.split(","):
            act, alpha = cfg.split(":")
            act, readout = (act.split("/") + ["gaussian"])[:2]
            alpha = float(alpha)
            if (act, readout, alpha, n) in done:
                continue
            setup = setup_for(act, readout, n, alpha)
            geo = geometry(setup)
            root = task_sequence(args.seed, f"links:{act}:{readout}:{n}:{alpha}")
            recs = [trial(setup, root, t, geo) for t in range(args.trials)]
            data.append({"act": act, "readout": readout, "alpha": alpha, "n": n, "trials": recs})
            out.write_text(json.dumps(data))
            print(f"{act} alpha={alpha} n={n} done", flush=True)
    return 0


def summarise(path):
    """Rows for docs/validation/spikes.md: the per-neuron model and the two error terms."""
    data = json.loads(Path(path).read_text())
    rows = []
    for g in data:
        readout = g.get("readout", "gaussian")
        setup = setup_for(g["act"], readout, g["n"], g["alpha"])
        spec = setup.spikes()
        tr = g["trials"]
        row = {"act": g["act"] if readout == "gaussian" else f"{g['act']} ({readout})", "alpha": g["alpha"], "n": g["n"]}
        for key in ("slope", "slope_theory", "slope_theory_given_beta", "resid_var", "resid_var_theory", "rho2_mean", "rho2_theory",
                    "rho2_s2_slope", "rho2_s2_slope_theory"):
            row[key] = float(np.mean([t[key] for t in tr]))
        spikes = []
        for sp in spec.spikes:
            if sp.kind != "hermite" or sp.degree > KMONO:
                continue
            k = sp.degree
            vals = {}
            for name in ("true", "model"):
                v = []
                for t in tr:
                    c = np.array(t[name]["gs_cos"])[k]
                    v.append(t[name]["sv"][int(np.argmax(c))])
                vals[name] = float(np.median(v))
            spikes.append({"degree": k, "theory": sp.location, **vals})
        row["spikes"] = spikes
        rows.append(row)
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
