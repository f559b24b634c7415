r"""Demir & Dogan (ICLR 2025, arXiv:2503.00856): one gradient step under Gaussian-mixture data with spiked covariances.

``onegrad reproduce demir_dogan2025`` redraws their Figure 1 (test error against the width ratio
:math:`k/m`, the weighting :math:`\alpha` between data spread and learning rate, the strength
:math:`\beta`) and Figure 2 (the alignment of the two components' spikes, the classification task
against the mixture weight, the spike rank) with the library's simulator, and sets the real network
beside their *Hermite model*: the same trained first layer :math:`W_1` with the activation replaced by
its Hermite expansion of degree :math:`l` plus independent Gaussian noise for the remainder
(``docs/validation/mixtures.md#the-hermite-model``).

Their experiment in the library's terms (their letters: :math:`n` = our ``d``, :math:`m` = ``n`` =
``n_ridge``, :math:`k` = ``width``; ``docs/validation/mixtures.md#settings``):

* inputs :math:`x\sim\sum_c\rho_c N(0, I + \theta\,v_cv_c^\top)` (:func:`theory.mixtures.demir_dogan_setup`),
  spike size :math:`\theta = d^{(1-\alpha)\beta}`, equal traces :math:`T = \mathrm{tr}\,\Sigma_c`;
* target :math:`y = \mathrm{ReLU}(\xi\cdot x)` with :math:`\|\xi\| = \|\Sigma\|_{op}^{-1/2}`,
  :math:`\Sigma = \sum_c\rho_c\Sigma_c` (here :math:`\xi = \|\Sigma\|_{op}^{-1/2}e_1` and the spike
  directions random, the same law by rotation invariance), or :math:`y=\pm1` by component;
* network :math:`f = \frac1k\sum_i s_i\sigma(w_i\cdot x)` with :math:`s_i\sim N(0,1)`
  (``readout="gaussian"``), :math:`w_i\sim N(0, I/T)` (``init="gaussian"`` times the data model's
  ``init_scale`` :math:`\sqrt{d/T}`), ``residual="full"``;
* one full-batch step with learning rate :math:`\eta = d^{\alpha\beta}`, i.e. per-neuron step
  ``lr`` :math:`= \eta/k`; ridge on a fresh batch of ``n`` samples with their :math:`\lambda = 10^{-4}`,
  which is :math:`\lambda_C = \lambda n` in the library's reference objective; test on :math:`5n` points.

Errors are the library's: mean squared errors **without** the factor 1/2 and without the penalty
(their "generalization error" is half our ``test_error``; their training error adds
:math:`\frac\lambda2\|\hat a\|^2`).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["NAME", "TITLE", "SIZES", "POINTS", "PANELS", "LAM", "data", "theory", "plot", "paper_setup",
           "run_point", "hermite_model_coefficients", "degree_rule", "point_setup", "panel_data", "library_risk"]

NAME = "demir_dogan2025"
TITLE = "Demir & Dogan 2025 (one step under Gaussian-mixture data: network against the Hermite model)"

#: their ridge penalty (lambda of (1/2) mean squared error + (lambda/2)|a|^2; lambda_C = lambda n)
LAM = 1e-4
#: the strength of their Figure 1a/1b and Figure 2 (3/4 - 0.01)
BETA = 0.74

#: Sizes: ``d`` (= their n = m = k) and trials per point. Their runs: d = 1000, 20 trials (100 in Fig. 2c).
SIZES = {"quick": dict(d=150, trials=2), "gallery": dict(d=1000, trials=3)}

#: The panels: name -> (published figure panel, x label, values per scale): subsets of their grids. Their
#: notebooks are named differently for Figure 2 (Fig2a-mixture-alignment is the published panel 2b,
#: Fig2b-mixture-rho the published 2a).
PANELS = {
    "width": ("1a", r"width ratio $k/m$", {"quick": (0.5, 1.0, 2.0), "gallery": (0.1, 0.5, 1.0, 2.0, 4.0)}),
    "alpha": ("1b", r"weighting $\alpha$ ($\beta = 0.74$)", {"quick": (0.0, 0.5, 1.0),
                                                           "gallery": (0.0, 0.25, 0.5, 0.75, 1.0)}),
    "beta": ("1c", r"strength $\beta$ ($\alpha = 1/2$)", {"quick": (0.2, 0.6, 0.9),
                                                         "gallery": (0.0, 2 / 9, 4 / 9, 6 / 9, 7 / 9, 8 / 9, 1.0)}),
    "classification": ("2a", r"mixture weight $\rho_1$ (labels $\pm1$)", {"quick": (0.3, 0.5),
                                                                          "gallery": (1 / 9, 3 / 9, 5 / 9, 7 / 9)}),
    "alignment": ("2b", r"alignment $a$ of the two spikes", {"quick": (-1.0, 0.0, 1.0),
                                                             "gallery": (-1.0, -0.5, 0.0, 0.5, 1.0)}),
    "rank": ("2c", r"spike rank $d_1 = d_2$", {"quick": (1, 4), "gallery": (1, 2, 4, 10)}),
}

#: Their ReLU curves, read by eye from the published Figures 1 and 2 (PNG only, no numbers are printed;
#: reading error about 2% of the axis range). Their "generalization error" is half a mean squared error,
#: so these are compared with ``test_error / 2``. Keys: panel -> {x: value}.
PUBLISHED_RELU = {
    "width": {0.1: 0.023, 0.5: 0.024, 1.0: 0.021, 2.0: 0.0175, 4.0: 0.0155},
    "alpha": {0.0: 0.001, 0.25: 0.006, 0.5: 0.022, 0.75: 0.055, 1.0: 0.093},
    "beta": {0.0: 0.107, 2 / 9: 0.081, 4 / 9: 0.050, 6 / 9: 0.027, 7 / 9: 0.019, 8 / 9: 0.013, 1.0: 0.009},
    "classification": {1 / 9: 0.29, 3 / 9: 0.64, 5 / 9: 0.715, 7 / 9: 0.51},
    "alignment": {-1.0: 0.012, -0.5: 0.0155, 0.0: 0.0215, 0.5: 0.0155, 1.0: 0.012},
    "rank": {1: 0.055, 2: 0.034, 4: 0.026, 10: 0.023},
}

#: Panels whose notebooks redraw the data structure (spike directions, and the U(0, 1) factors of Fig. 2c)
#: inside the trial loop: each trial here uses its own structure seed, and the theory averages over them.
REDRAW = ("alignment", "rank")
#: Trials per point relative to SIZES: their Fig. 2c averages 100 trials over random U(0, 1) spike strengths, and
#: the error is dominated by the rare small factors, so this panel needs many more trials than the others.
TRIAL_FACTOR = {"rank": 5}


POINTS = {scale: sum(len(p[2][scale]) * TRIAL_FACTOR.get(name, 1) for name, p in PANELS.items()) for scale in SIZES}
#: the progress bar counts points x trials; reproduce reads one number: the larger scale's
POINTS = max(POINTS.values())

#: One line for the gallery page (``scripts/make_gallery.py`` reads ``data["setting"]`` and :data:`INTRO`).
SETTING = ("relu student and target ReLU(x.xi) with |xi| = ||Sigma||^-1/2 (or labels +-1), two components with "
           "rank-one spikes theta = d^((1-alpha) beta) of equal trace, Gaussian readout, W0 ~ N(0, 1/T), lr = d^(alpha "
           "beta)/width, ridge lambda_C = 1e-4 n on a fresh batch, 5n test points")
INTRO = ("Demir & Dogan (ICLR 2025, arXiv:2503.00856): one gradient step on Gaussian-mixture inputs with spiked "
         "covariances; the network's errors equal those of a Hermite model (the activation's expansion of degree l plus "
         "independent noise) on the same trained layer. Points: the simulated network (test MSE, 95% interval); "
         "lines: the Hermite model of the degree rule l = ceil(beta/(1-beta)) (clipped to [1, 4]) and of degree 1, "
         "simulated on the same weights; crosses: their published ReLU curves read by eye (half-MSE, doubled). "
         "Validation and tables: docs/validation/mixtures.md.")

#: Hermite degrees evaluated at every point (the degree rule's choice is one of them)
DEGREES = (1, 2, 3, 4)


def degree_rule(beta: float) -> int:
    r"""Their notebooks' degree of the Hermite model, :math:`l = \lceil\beta/(1-\beta)\rceil` clipped to ``[1, 4]``.

    Equivalently :math:`l` is the integer with :math:`\frac{l-1}{l} < \beta \le \frac{l}{l+1}`
    (``docs/validation/mixtures.md#the-degree-rule``).

    >>> [degree_rule(b) for b in (0.0, 0.5, 0.6, 0.74, 0.8, 0.95)]
    [1, 1, 2, 3, 4, 4]
    """
    b = float(beta)
    if not 0.0 <= b <= 1.0:
        raise ValueError(f"beta must be in [0, 1]; got {beta!r}")
    if b >= 1.0:
        return 4
    return int(min(4, max(1, math.ceil(b / (1.0 - b) - 1e-12))))


def paper_setup(d: int, *, beta: float, alpha: float, width_ratio: float = 1.0, ranks=(1, 1), alignment=None,
                weights=None, task: str = "regression", target: str = "random", spread: str = "fixed",
                activation="relu", seed: int = 0):
    r"""Their experiment as a :class:`theory.OneStep` on a :class:`theory.GaussianMixture` (module docstring).

    ``d`` is their :math:`n` (= :math:`m`, the step and ridge batch), ``width = width_ratio * d``;
    :func:`theory.mixtures.demir_dogan_setup` does the rest (per-neuron step :math:`d^{\alpha\beta}/k`,
    target :math:`\mathrm{ReLU}(\|\bar\Sigma\|_{op}^{-1/2}x_1)`, Gaussian readout and init scaled to
    :math:`N(0, 1/T)`).
    """
    from theory.mixtures import demir_dogan_setup

    width = int(round(width_ratio * d))
    return demir_dogan_setup(int(d), width, int(d), beta=beta, alpha=alpha, activation=activation, ranks=tuple(ranks),
                             weights=weights, alignment=alignment, target=target, spread=spread, task=task, seed=seed)


def hermite_model_coefficients(activation, b: float, degree: int):
    r"""``(h, rest)``: :math:`h_k = E[\sigma(bz)He_k(z)]/k!` for :math:`k\le l` and
    :math:`h_{>l} = (E\sigma(bz)^2 - \sum_{k\le l}k!\,h_k^2)^{1/2}`.

    The Hermite model's activation is :math:`\sigma_l(t) = \sum_{k\le l}h_kHe_k(t/b) + h_{>l}\zeta` with
    :math:`\zeta\sim N(0,1)` drawn afresh for every entry (Demir & Dogan, arXiv:2503.00856; series-basis
    coefficients of :func:`theory.hermite_coefficients` for :math:`z\mapsto\sigma(bz)`; ``activation`` a registry
    name or a :class:`theory.hermite.activations.Activation`).
    """
    import theory
    from theory.hermite.moments import second_moment

    act = theory.activation(activation) if isinstance(activation, str) else activation
    b = float(b)
    kinks = tuple(float(k) / b for k in (act.kinks or ()))

    def scaled(z):
        return act.func(b * np.asarray(z, dtype=float))

    h = np.asarray(theory.hermite_coefficients(scaled, int(degree), kinks=kinks, basis="series").values, dtype=float)
    second = float(second_moment(scaled, kinks=kinks))
    fact = np.array([math.factorial(k) for k in range(int(degree) + 1)], dtype=float)
    rest = second - float(np.sum(fact * h**2))
    return h, math.sqrt(max(rest, 0.0))


def _hermite_features(Z, h, rest, b, rng):
    from numpy.polynomial.hermite_e import hermeval

    out = hermeval(Z / b, h)
    if rest > 0:
        out += rest * rng.standard_normal(Z.shape)
    return out


def run_point(setup, *, trials: int, seed, degrees=DEGREES, n_test: int | None = None, lam: float = LAM,
              hermite_scale: float | None = None, tick=None) -> dict:
    r"""Paired trials of the network and its Hermite models of ``degrees`` on the same :math:`W_1`.

    Each trial draws ``W0``, the step batch, the ridge batch (``n_ridge = n``) and ``n_test`` (default
    :math:`5n`) test points from the setup's data model through :mod:`validation.simulate` (the seeding
    roles of the simulator), takes the step, then fits ridge (:math:`\lambda_C = \lambda n`) on
    :math:`\sigma(XW_1^\top)` and on each Hermite model's features, and measures the train and test
    mean squared errors (no factor 1/2; test without label noise). Returns per-trial lists:
    ``net_train``, ``net_test``, ``herm_train`` and ``herm_test`` (``{degree: [...]}``), ``y_second``
    (the test labels' mean square) and, for classification, ``net_misclass``. ``hermite_scale`` is the
    Hermite model's :math:`b` (default the data model's ``init_scale`` :math:`\sqrt{d/T}`, their synthetic runs,
    where the spikes are few and act as conditioning variables; their Fashion-MNIST runs, whose structure has
    full rank, use :math:`b = 1`, the whole preactivation's scale).
    """
    from ..ridge import ridge_fit
    from ..seeding import as_seed_sequence, role_generator, trial_sequence
    from ..simulate import draw_data, draw_initial, gradient_step, sizes_of

    sz = sizes_of(setup)
    n, p = sz["n"], sz["width"]
    n_test = 5 * n if n_test is None else int(n_test)
    lam_c = lam * n
    if hermite_scale is not None:
        b = float(hermite_scale)
    else:
        b = float(getattr(setup.data, "init_scale", 1.0)) if setup.data is not None else 1.0
    coeffs = {l: hermite_model_coefficients(setup.activation, b, l) for l in degrees}
    act = setup.activation.func
    classification = setup.data is not None and getattr(setup.data, "task", "regression") == "classification"
    root = as_seed_sequence(seed)
    out = {"net_train": [], "net_test": [], "herm_train": {l: [] for l in degrees},
           "herm_test": {l: [] for l in degrees}, "y_second": []}
    if classification:
        out["net_misclass"] = []
    root_p = math.sqrt(p)
    for t in range(int(trials)):
        tseq = trial_sequence(root, t)
        init = draw_initial(setup, tseq)
        X, y, _ = draw_data(setup, n, role_generator(tseq, "step"), role_generator(tseq, "noise"))
        W1 = gradient_step(init.W0, init.s, X, y, setup)
        del X, y
        Xr, yr, _ = draw_data(setup, n, role_generator(tseq, "ridge"), role_generator(tseq, "noise", 100))
        Z = Xr @ W1.T
        del Xr
        hrng = role_generator(tseq, "extra", 7)  # the Hermite model's noise zeta, fresh for every entry
        fits = {"net": ridge_fit(act(Z), yr, lam_c)}
        trains = {"net": float(np.mean((yr - act(Z) @ fits["net"] / root_p) ** 2))}
        for l in degrees:
            H = _hermite_features(Z, *coeffs[l], b, hrng)
            fits[l] = ridge_fit(H, yr, lam_c)
            trains[l] = float(np.mean((yr - H @ fits[l] / root_p) ** 2))
        del Z
        sse = {k: 0.0 for k in fits}
        ysq = 0.0
        wrong = 0
        test_rng, noise_rng = role_generator(tseq, "test"), role_generator(tseq, "noise", 200)
        done = 0
        while done < n_test:
            m = min(2048, n_test - done)
            Xt, _, ft = draw_data(setup, m, test_rng, noise_rng)
            Zt = Xt @ W1.T
            del Xt
            pred = act(Zt) @ fits["net"] / root_p
            sse["net"] += float(np.sum((ft - pred) ** 2))
            if classification:
                wrong += int(np.sum(np.sign(pred) != np.sign(ft)))
            for l in degrees:
                pl = _hermite_features(Zt, *coeffs[l], b, hrng) @ fits[l] / root_p
                sse[l] += float(np.sum((ft - pl) ** 2))
            ysq += float(np.sum(ft**2))
            done += m
        out["net_train"].append(trains["net"])
        out["net_test"].append(sse["net"] / n_test)
        for l in degrees:
            out["herm_train"][l].append(trains[l])
            out["herm_test"][l].append(sse[l] / n_test)
        out["y_second"].append(ysq / n_test)
        if classification:
            out["net_misclass"].append(wrong / n_test)
        if tick is not None:
            tick(t + 1, trials)
    out["herm_train"] = {str(k): v for k, v in out["herm_train"].items()}
    out["herm_test"] = {str(k): v for k, v in out["herm_test"].items()}
    out["b"] = b
    out["lam_c"] = lam_c
    return out


def point_setup(panel: str, x, d: int, seed: int):
    """The setup of ``panel`` at value ``x`` (their settings: beta = 0.74, alpha = 1/2 unless swept)."""
    kw = dict(beta=BETA, alpha=0.5, seed=seed)
    if panel == "width":
        kw["width_ratio"] = float(x)
    elif panel == "alpha":
        kw["alpha"] = float(x)
    elif panel == "beta":
        kw["beta"] = float(x)
    elif panel == "alignment":
        kw["alignment"] = float(x)
    elif panel == "classification":
        kw.update(weights=(float(x), 1.0 - float(x)), task="classification")
    elif panel == "rank":  # their Figure 2c: strengths theta times independent U(0, 1) factors
        kw.update(ranks=(int(x), int(x)), spread="uniform")
    else:
        raise ValueError(f"panel must be one of {', '.join(PANELS)}; got {panel!r}")
    return paper_setup(d, **kw), kw["beta"]


def _structure_seeds(panel: str, seed: int, trials: int) -> list:
    return [int(seed) + 7919 * t for t in range(trials)] if panel in REDRAW else [int(seed)]


def panel_data(panel: str, scale: str, seed: int, tick=None) -> dict:
    """The simulated points of one panel (:data:`PANELS`) at ``scale``."""
    from ..seeding import task_sequence

    cfg = SIZES[scale]
    d = cfg["d"]
    trials = cfg["trials"] * TRIAL_FACTOR.get(panel, 1)
    fig, _, grid = PANELS[panel]
    points = []
    for x in grid[scale]:
        seeds = _structure_seeds(panel, seed, trials)
        parts = []
        for j, sseed in enumerate(seeds):
            setup, beta = point_setup(panel, x, d, sseed)
            key = f"demir_dogan2025 {panel} x={x}" + (f" structure {j}" if len(seeds) > 1 else "")
            parts.append(run_point(setup, trials=trials // len(seeds), seed=task_sequence(seed, key), tick=tick))
        res = parts[0]
        for extra in parts[1:]:  # one trial per structure: concatenate the per-trial lists
            for k in ("net_train", "net_test", "y_second", "net_misclass"):
                if k in res:
                    res[k] = res[k] + extra[k]
            for k in ("herm_train", "herm_test"):
                res[k] = {l: res[k][l] + extra[k][l] for l in res[k]}
        res.update(x=float(x), degree=degree_rule(beta), width=int(setup.width), lr=float(setup.lr),
                   structure_seeds=seeds)
        points.append(res)
    return {"figure": fig, "points": points}


def data(scale: str, seed: int, tick) -> dict:
    """Simulate every panel at ``scale`` (:data:`SIZES`): network and Hermite models, paired per trial."""
    cfg = SIZES[scale]
    panels = {panel: panel_data(panel, scale, seed, tick) for panel in PANELS}
    d = cfg["d"]
    return {"paper": NAME, "sizes": {"d": d, "n": d, "n_ridge": d, "n_test": 5 * d}, "trials": cfg["trials"],
            "seed": seed, "lam": LAM, "panels": panels, "setting": SETTING}


def library_risk(setup, lam_c: float):
    """``(test_error, train_error, method)`` of :func:`theory.risk` for the mixture setup, or ``None`` with the
    reason when the library has no theory for it (the regime is refused or not built)."""
    import theory

    try:
        r = theory.risk(setup, n_ridge=float(setup.n), lam=float(lam_c))
    except (ValueError, NotImplementedError, TypeError) as exc:
        return None, f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
    method = str(getattr(r, "method", "?"))
    if not setup.is_isotropic and "mixture" not in method:
        return None, (f"theory.risk has no mixture regime yet: it answered with method {method!r}, which assumes "
                      "isotropic inputs, so its numbers are not shown")
    te, tr = float(np.ravel(r.test_error)[0]), float(np.ravel(r.train_error)[0])
    if not (math.isfinite(te) and math.isfinite(tr)):
        return None, f"theory.risk returned no value (status {getattr(r, 'status', '?')})"
    return (te, tr, method), ""


#: Largest d at which :func:`theory` evaluates ``theory.risk`` at every point (seconds per point at d = 250,
#: about a minute at d = 1000 on the reference machine).
LIVE_THEORY_MAX_D = 300


def theory(data: dict):
    """Rows comparing, at every point, the network's test error with its Hermite model of the degree rule
    (simulated on the same weights) and with :func:`theory.risk` where the library has the mixture theory."""
    from ..reproduce import _est_dict, _row

    d = float(data["sizes"]["d"])
    th = {}
    rows = []
    for panel, pd in data["panels"].items():
        curves = {"hermite": [], "library": [], "reason": ""}
        for pt in pd["points"]:
            est = _est_dict(pt["net_test"])
            l = str(pt["degree"])
            herm = float(np.mean(pt["herm_test"][l]))
            curves["hermite"].append(herm)
            rows.append(_row(f"{panel}: hermite l={l}", pt["x"], herm, est, d))
            libs = []
            if d > LIVE_THEORY_MAX_D or panel in REDRAW:
                curves["reason"] = (f"theory.risk is evaluated live only up to d = {LIVE_THEORY_MAX_D} (its cost grows "
                                    "like d^3) and on panels with one data structure per point; "
                                    "docs/validation/mixtures.md compares it at d = 250-1000")
                continue
            for sseed in pt.get("structure_seeds", [int(data["seed"])]):
                setup, _ = point_setup(panel, pt["x"], int(d), int(sseed))
                lib, reason = library_risk(setup, float(data["lam"]) * setup.n)
                if lib is None:
                    curves["reason"] = reason
                    break
                libs.append(lib[0])
            else:
                value = float(np.mean(libs))
                curves["library"].append(value)
                rows.append(_row(f"{panel}: theory.risk", pt["x"], value, est, d))
        th[panel] = curves
    return th, rows


def plot(data: dict, th, fig) -> None:
    """Six panels (their Figures 1a-c, 2a-c): network test error (mean and 95% interval) against the Hermite
    model of the degree rule and of degree 1, and :func:`theory.risk` where available."""
    from ..reproduce import _est_dict

    axes = fig.subplots(2, 3).ravel()
    fig.set_size_inches(13, 7.5)
    for ax, (panel, pd) in zip(axes, data["panels"].items()):
        fig_no, xlabel, _ = PANELS[panel]
        xs = [pt["x"] for pt in pd["points"]]
        est = [_est_dict(pt["net_test"]) for pt in pd["points"]]
        m = np.array([e["mean"] for e in est])
        lo = m - np.array([e["ci_low"] for e in est])
        hi = np.array([e["ci_high"] for e in est]) - m
        ax.errorbar(xs, m, yerr=[lo, hi], fmt="o", color="C0", label="network (simulated)")
        ax.plot(xs, th[panel]["hermite"], "-", color="C1", label="Hermite model, degree rule")
        ax.plot(xs, [np.mean(pt["herm_test"]["1"]) for pt in pd["points"]], ":", color="C2",
                label="Hermite model, l = 1")
        if th[panel]["library"] and len(th[panel]["library"]) == len(xs):
            ax.plot(xs, th[panel]["library"], "--", color="k", label="theory.risk")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("test MSE" if panel != "classification" else "test MSE (labels $\\pm1$)")
        pub = PUBLISHED_RELU.get(panel, {})
        if data["sizes"]["d"] == 1000 and pub:  # their curves are at d = 1000: half-MSE, so doubled here
            ax.plot(list(pub), [2 * v for v in pub.values()], "x", color="0.4", label="published (read by eye) x 2")
        ax.set_title(f"their Fig. {fig_no}", fontsize="medium")
    for ax in axes[:1]:
        ax.legend(frameon=False, fontsize="small")
    sz = data["sizes"]
    fig.suptitle(f"Demir & Dogan 2025 reproduced: relu, d = n = {sz['d']} (width = d unless swept), "
                 f"{data['trials']} trials per point", fontsize="medium")

