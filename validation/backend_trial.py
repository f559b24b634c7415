r"""One simulator trial written against the array API, for the accelerator backend.

The protocol is that of :mod:`validation.simulate` (model ``"network"``; measures
:data:`validation.backend.TORCH_MEASURES`), with the same roles and streams
(:mod:`validation.seeding`) and the same chunked passes: the step is accumulated over row blocks,
the spectrum batch contributes its Gram matrix block by block (float64 sums), the ridge pool is
kept as features only, the test set is streamed. The maths (``docs/simulate.md``):
:math:`W_1 = W_0 + \tau\,\mathrm{diag}(s)G`, :math:`G = \frac1n(\sigma'(XW^\top)\odot r)^\top X`,
:math:`\beta = X^\top r/n`, features :math:`\sigma(XW_1^\top)`, ridge
:math:`a = (A^\top A + \lambda_C I)^{-1}A^\top y` (primal, ``n_ridge >= width``) or
:math:`A^\top(AA^\top + \lambda_C I)^{-1}y` (dual), :math:`A = H/\sqrt p`, in float64.

With the numpy backend this code reproduces :func:`validation.simulate`'s numpy path to rounding
(``tests/test_simulate_backend.py``), which checks the array-API code itself.
"""

from __future__ import annotations

import math

import numpy as np

from .seeding import role_sequence

__all__ = ["one_trial"]


def _target(setup, be, X):
    """``f*(X)`` on the host (the target is a numpy callable), back on the device."""
    n = X.shape[0]
    if setup.is_multi_index:
        r = setup.target.r
        out = np.asarray(setup.target(be.to_numpy(X[:, :r])), dtype=float).reshape(n)
    else:
        out = np.asarray(setup.target(be.to_numpy(X[:, 0])), dtype=float).reshape(n)
    return out


def _stream(setup, be, seq, noise_seq, n, d, dt, chunk):
    """Row blocks ``(X, y, f*)`` of an ``n``-sample batch; ``f*`` and ``y`` as float64 device arrays."""
    xp = be.xp
    g, gn = be.generator(seq), be.generator(noise_seq)
    done = 0
    while done < n:
        m = min(int(chunk), n - done)
        X = be.normal(g, (m, d), dt)
        fstar = be.asarray(_target(setup, be, X), dtype=np.float64)
        y = fstar
        if setup.noise_var > 0:
            y = fstar + math.sqrt(setup.noise_var) * xp.astype(be.normal(gn, (m,), np.float64), xp.float64)
        yield X, y, fstar
        done += m


def _gram_top(xp, gram, k):
    w = xp.linalg.eigvalsh(gram)
    m = gram.shape[0]
    top = xp.flip(w[m - k:], axis=0)
    return xp.sqrt(xp.where(top > 0, top, xp.zeros_like(top)))


def _solve(xp, gram, rhs, lam):
    """``(gram + lam I)^{-1} rhs`` for each penalty in ``lam`` (rows); float64; lam = 0: pseudo-inverse."""
    m = gram.shape[0]
    if len(lam) == 1 and lam[0] > 0:
        eye = xp.eye(m, dtype=gram.dtype, device=getattr(gram, "device", None))
        return xp.linalg.solve(gram + lam[0] * eye, rhs[:, None])[:, 0][None, :]
    e, V = xp.linalg.eigh(gram)
    cut = m * np.finfo(float).eps * max(float(e[-1]), 0.0)
    e = xp.where(e > cut, e, xp.zeros_like(e))
    b = V.T @ rhs
    rows = []
    for la in lam:
        den = e + la
        inv = xp.where(den > 0, 1 / xp.where(den > 0, den, xp.ones_like(den)), xp.zeros_like(den))
        rows.append(V @ (inv * b))
    return xp.stack(rows)


def one_trial(setup, sz, tseq, cfg, be, chunk) -> dict:
    """One trial on backend ``be`` (:class:`validation.backend.ArrayBackend`); a record as
    :func:`validation.simulate`'s (floats and float64 numpy arrays)."""
    xp = be.xp
    dt = cfg.dtype
    f64 = xp.float64
    d, p, n = sz["d"], sz["width"], sz["n"]
    ms = cfg.measures
    sigma = be.activation(setup.activation)
    dsigma = be.activation(setup.activation, derivative=True)
    scale_out = setup.effective_output_scale

    # ---- initial network (roles W0, readout)
    rows = p // 2 if setup.readout == "symmetric" else p
    W = xp.astype(be.normal(be.generator(role_sequence(tseq, "W0")), (rows, d), np.float64), f64)
    if setup.init == "sphere":
        W = W / xp.linalg.vector_norm(W, axis=1, keepdims=True)
    else:
        W = W / math.sqrt(d)
    gs = be.generator(role_sequence(tseq, "readout"))
    if setup.readout == "gaussian":
        s = xp.astype(be.normal(gs, (p,), np.float64), f64)
    elif setup.readout == "rademacher":
        s = be.signs(gs, p, np.float64)
    elif setup.readout == "constant":
        s = xp.ones((p,), dtype=f64, device=be.device)
    else:
        W = xp.concat([W, W], axis=0)
        s = xp.concat([xp.ones((rows,), dtype=f64, device=be.device), -xp.ones((rows,), dtype=f64, device=be.device)])
    W = xp.astype(W, be.dtype(dt))
    s = xp.astype(s, be.dtype(dt))
    W0 = W
    r_target = setup.target.r if setup.is_multi_index else 1
    rec = {}

    # ---- gradient step(s), each on a fresh batch (reuse_batch: the first one drawn again)
    beta = None
    step_norms, step_cos = [], []  # each step's direction X_t^T r_t / n (the numpy trial's step_* records)
    for t in range(setup.steps):
        idx = 0 if setup.reuse_batch else t
        G = xp.zeros(W.shape, dtype=W.dtype, device=be.device)
        xr = xp.zeros((d,), dtype=f64, device=be.device)
        for X, y, _ in _stream(setup, be, role_sequence(tseq, "step", idx), role_sequence(tseq, "noise", idx),
                               n, d, dt, chunk):
            Z = X @ W.T
            rc = y if setup.residual != "full" else y - scale_out * xp.astype(sigma(Z) @ s, f64)
            rc = xp.astype(rc, X.dtype)
            G = G + (dsigma(Z) * rc[:, None]).T @ X
            xr = xr + xp.astype(X.T @ rc, f64)
            del Z
        G = G / n
        W = W + setup.lrs[t] * (s[:, None] * G)
        del G
        u_t = xr / n
        q_t = float(xp.sum(u_t * u_t))
        step_norms.append(q_t)
        step_cos.append(0.0 if q_t <= 0 else (float(u_t[0]) / math.sqrt(q_t) if r_target == 1 else
                                              math.sqrt(float(xp.sum(u_t[:r_target] * u_t[:r_target])) / q_t)))
        if t == 0:
            beta = xr / n
            nb = float(xp.sum(beta * beta))
            if "overlap" in ms:
                rec["beta_norm_sq"] = nb
                if setup.is_multi_index:
                    part = float(xp.sum(beta[:r_target] * beta[:r_target]))
                    rec["beta_subspace_fraction"] = part / nb if nb > 0 else 0.0
                else:
                    rec["beta_cos"] = float(beta[0]) / math.sqrt(nb) if nb > 0 else 0.0

    if "overlap" in ms and setup.steps > 1:
        rec["step_norm_sq"] = np.asarray(step_norms)
        rec["step_cos"] = np.asarray(step_cos)
    if "neurons" in ms:
        def fractions(M):
            M = xp.astype(M, f64)
            tot = xp.sum(M * M, axis=1)
            part = xp.sum(M[:, :r_target] * M[:, :r_target], axis=1)
            return xp.where(tot > 0, part / xp.where(tot > 0, tot, xp.ones_like(tot)), xp.zeros_like(tot))
        q = fractions(W)
        rec["neuron_target_fraction_mean"] = float(xp.mean(q))
        rec["neuron_target_fraction_max"] = float(xp.max(q))
        rec["neuron_aligned_fraction"] = float(xp.mean(xp.astype(q > 0.5, f64)))
        rec["neuron_norm_sq_mean"] = float(xp.mean(xp.sum(xp.astype(W, f64) ** 2, axis=1)))
        rec["update_target_fraction_mean"] = float(xp.mean(fractions(xp.astype(W, f64) - xp.astype(W0, f64))))

    # ---- spectrum of the features on a fresh batch (role extra 0)
    if {"spectrum", "bulk_edge"} & set(ms):
        k = min(cfg.top_k, n, p)
        small = n < p  # Gram of the smaller side: keep F (n x n Gram) when n < p
        mats = [W] + ([W0] if "bulk_edge" in ms else [])
        acc = [xp.zeros((p, p), dtype=f64, device=be.device) if not small else [] for _ in mats]
        g = be.generator(role_sequence(tseq, "extra", 0))
        for lo in range(0, n, chunk):
            Xc = be.normal(g, (min(chunk, n - lo), d), dt)
            for i, M in enumerate(mats):
                Fc = sigma(Xc @ M.T)
                if small:
                    acc[i].append(Fc)
                else:
                    acc[i] = acc[i] + xp.astype(Fc.T @ Fc, f64)
        out = []
        for a in acc:
            if small:
                F = xp.astype(xp.concat(a, axis=0), f64)
                a = F @ F.T
            out.append(be.to_numpy(_gram_top(xp, a, k)) / math.sqrt(n))
        rec["feature_singular_values"] = out[0]
        if "bulk_edge" in ms:
            rec["f0_singular_values"] = out[1]
    del W0

    # ---- ridge on a fresh pool (role ridge; reuse: the step batch drawn again), test set streamed
    if "ridge" in ms and cfg.n_ridge is not None:
        nr = np.atleast_1d(np.asarray(cfg.n_ridge, dtype=int))
        m_pool = int(nr.max())
        seqs = ((role_sequence(tseq, "step", 0), role_sequence(tseq, "noise", 0)) if cfg.reuse else
                (role_sequence(tseq, "ridge"), role_sequence(tseq, "noise", 100)))
        Hs, ys = [], []
        for X, y, _ in _stream(setup, be, *seqs, m_pool, d, dt, chunk):
            Hs.append(sigma(X @ W.T))
            ys.append(y)
        H, yr = xp.concat(Hs, axis=0), xp.concat(ys, axis=0)
        del Hs, ys
        scale = 1.0 / math.sqrt(p)
        nl = cfg.lam_c.shape[1]
        readouts = np.empty((nr.size, nl, p))
        train = np.empty((nr.size, nl))
        gram = xp.zeros((p, p), dtype=f64, device=be.device)
        done = 0
        for idx in np.argsort(nr, kind="stable"):
            m = int(nr[idx])
            lam = [float(v) / scale**2 for v in cfg.lam_c[idx]]  # (G + lam/s^2 I) a = H^T y / s
            Hm = H[:m]
            if m >= p:
                for lo in range(done, m, chunk):
                    inc = H[lo:min(lo + chunk, m)]
                    gram = gram + xp.astype(inc.T @ inc, f64)
                done = max(done, m)
                A = _solve(xp, gram, xp.astype(Hm.T @ xp.astype(yr[:m], Hm.dtype), f64) / scale, lam)
            else:
                Hm64 = xp.astype(Hm, f64)
                # dual: (H H^T + lam/s^2 I) x = y/s^2, a = A^T x = s H^T x
                A = (_solve(xp, Hm64 @ Hm64.T, yr[:m] / scale**2, lam) @ Hm64) * scale
            pred = xp.astype(Hm @ xp.astype(A.T, Hm.dtype), f64) * scale
            train[idx] = be.to_numpy(xp.mean((yr[:m][:, None] - pred) ** 2, axis=0))
            readouts[idx] = be.to_numpy(A)
        del H, gram
        R = be.asarray(readouts.reshape(-1, p), dtype=dt)
        kk = R.shape[0]
        sums = [xp.zeros((kk,), dtype=f64, device=be.device) for _ in range(4)]
        for X, y, fstar in _stream(setup, be, role_sequence(tseq, "test"), role_sequence(tseq, "noise", 200),
                                   cfg.n_test, d, dt, chunk):
            pred = xp.astype(sigma(X @ W.T) @ R.T, f64) * scale
            e = (y[:, None] - pred) ** 2
            sums[0], sums[1] = sums[0] + xp.sum(e, axis=0), sums[1] + xp.sum(e * e, axis=0)
            e = (fstar[:, None] - pred) ** 2
            sums[2], sums[3] = sums[2] + xp.sum(e, axis=0), sums[3] + xp.sum(e * e, axis=0)
        s1e, s2e, s1r, s2r = (be.to_numpy(v) for v in sums)
        nt = cfg.n_test

        def se(s1, s2):
            if nt < 2:
                return np.full(kk, np.inf)
            return np.sqrt(np.maximum(s2 - s1**2 / nt, 0.0) / (nt - 1) / nt)

        errs = {"test_error": s1e / nt, "test_risk": s1r / nt, "test_error_sampling_se": se(s1e, s2e),
                "test_risk_sampling_se": se(s1r, s2r), "train_error": train}
        from .simulate import shape_ridge_errors

        rec.update(shape_ridge_errors(errs, cfg, nr.size, nl))
    return rec
