"""Top-k spectra by Lanczos against the full decomposition, chunked passes, and peak memory."""

import tracemalloc

import numpy as np
import pytest

import theory
from validation import simulate
from validation.measure import lanczos_top_triples, rank_one_ratio, top_singular_triples, top_values_of_gram
from validation.seeding import role_generator, trial_sequence
from validation.simulate import _stream, chunk_rows, draw_data


def spiked(n=500, p=300, strengths=(8.0, 5.0, 3.0), seed=0):
    """Noise with a unit-variance bulk (top edge 1 + sqrt(p/n)) plus separated rank-one spikes."""
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((n, p)) / np.sqrt(n)
    for s in strengths:
        u, v = rng.standard_normal(n), rng.standard_normal(p)
        M += s * np.outer(u / np.linalg.norm(u), v / np.linalg.norm(v))
    return M


@pytest.mark.parametrize("k", [1, 3])
def test_lanczos_outliers_agree_with_the_full_svd(k):
    # stated tolerance: values within 1e-9 relative, vectors within 1e-6 in sin(angle)
    M = spiked()
    U0, s0, Vt0 = np.linalg.svd(M, full_matrices=False)
    s, U, V = lanczos_top_triples(M, k)
    assert np.allclose(s, s0[:k], rtol=1e-9, atol=0)
    for j in range(k):
        assert 1 - abs(U[:, j] @ U0[:, j]) < 1e-12 and 1 - abs(V[:, j] @ Vt0[j]) < 1e-12  # 1-cos ~ angle^2/2
        assert np.allclose(M @ V[:, j], s[j] * U[:, j], atol=1e-8)


def test_lanczos_top_of_a_bulk_without_outlier():
    # the rank-one ratio's numerator has no outlier: Lanczos still reaches the top value (1e-8 relative)
    M = np.random.default_rng(3).standard_normal((400, 250)) / 20.0
    assert lanczos_top_triples(M, 1)[0][0] == pytest.approx(np.linalg.svd(M, compute_uv=False)[0], rel=1e-8)


def test_lanczos_top_values_of_a_gram_matrix_agree_with_the_dense_eigensolver():
    # the spectrum route at m >= LANCZOS_MIN: an outlier and a clustered bulk edge (k = 10 values,
    # most of them bulk values a fraction of a percent apart); stated tolerance 1e-10 relative
    from scipy import linalg as sla

    from validation.measure import LANCZOS_MIN

    M = spiked(n=900, p=LANCZOS_MIN + 100, strengths=(6.0,), seed=4)
    G = M.T @ M
    p = G.shape[0]
    want = np.sqrt(sla.eigh(G, eigvals_only=True, subset_by_index=[p - 10, p - 1])[::-1])
    got = top_values_of_gram(G, 10)
    assert np.allclose(got, want, rtol=1e-10, atol=0)
    assert np.min(want[1:-1] / want[2:]) < 1.01  # the bulk values are indeed clustered


def test_dense_routes_agree_with_full_svd_and_rank_one_ratio_vanishes_on_rank_one():
    M = spiked(n=200, p=120)
    sv = np.linalg.svd(M, compute_uv=False)
    assert np.allclose(top_values_of_gram(M.T @ M, 5), sv[:5], rtol=1e-10)
    assert np.allclose(top_singular_triples(M, 5)[0], sv[:5], rtol=1e-10)
    s = np.random.default_rng(1).standard_normal(50)
    beta = np.random.default_rng(2).standard_normal(30)
    G = 0.7 * np.outer(np.ones(50), beta)  # diag(s) G = 0.7 s beta^T exactly
    assert rank_one_ratio(G, s, beta, 0.7) < 1e-12
    assert rank_one_ratio(G, s, beta, 0.0) == pytest.approx(1.0, rel=1e-12)


def test_chunked_stream_draws_the_same_values_as_one_call():
    s = theory.OneStep(activation="tanh", target="sin", d=7, width=5, n=50, lr=1.0, noise_var=0.3)
    tseq = trial_sequence(4, 0)
    X, y, f = draw_data(s, 50, role_generator(tseq, "ridge"), role_generator(tseq, "noise", 100))
    parts = list(_stream(s, 50, role_generator(tseq, "ridge"), role_generator(tseq, "noise", 100), np.float64, 13))
    assert [p[0].shape[0] for p in parts] == [13, 13, 13, 11]
    assert np.array_equal(np.concatenate([p[0] for p in parts]), X)
    assert np.array_equal(np.concatenate([p[1] for p in parts]), y)
    assert np.array_equal(np.concatenate([p[2] for p in parts]), f)
    assert chunk_rows({"n": 4000, "d": 2000, "width": 2000}) == 500


@pytest.mark.parametrize("dtype, bound", [(np.float64, 3.0), (np.float32, 4.0)])
def test_peak_memory_of_a_trial_near_three_data_matrices(dtype, bound):
    # tracemalloc sees numpy's buffers; the unit is one n x d matrix of the trial's dtype. The float64
    # Gram matrix (p x p) of the ridge solve weighs twice as much in float32 units, hence 4 there.
    s = theory.OneStep(activation="tanh", target="sin", d=200, width=200, n=400, lr=3.0)
    kw = dict(n_ridge=400, lam=0.1, trials=1, seed=0, n_test=1000, dtype=dtype,
              measures=("overlap", "spectrum", "ridge"))
    simulate(s, **kw)  # warm caches (activation registry, coefficient tables)
    tracemalloc.start()
    try:
        simulate(s, **kw)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak / (400 * 200 * np.dtype(dtype).itemsize) < bound
