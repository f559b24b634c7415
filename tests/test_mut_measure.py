"""The simulator's measures (``validation/measure.py``) against numpy's dense SVD and hand-made matrices
(issue 13, item 6). Every reference here is computed without the module: ``np.linalg.svd``, ``np.linalg.eigh``
or an example whose answer is known by construction.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from validation import measure as m


def _spiked(n, p, seed=0, sizes=(30.0, 12.0)):
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((n, p)) / math.sqrt(max(n, p))
    for j, a in enumerate(sizes):
        u = rng.standard_normal(n)
        v = rng.standard_normal(p)
        M += a * np.outer(u / np.linalg.norm(u), v / np.linalg.norm(v))
    return M


@pytest.mark.parametrize("shape", [(60, 25), (25, 60)])
def test_singular_values_and_triples_against_dense_svd(shape):
    M = _spiked(*shape)
    U, S, Vt = np.linalg.svd(M, full_matrices=False)
    k = 3
    assert m.top_singular_values(M, k) == pytest.approx(S[:k], rel=1e-10)
    assert m.top_values_of_gram(M.T @ M, k) == pytest.approx(S[:k], rel=1e-10)
    for fn in (m.top_singular_triples, m.lanczos_top_triples):
        s, Uk, Vk = fn(M, 2)
        assert s == pytest.approx(S[:2], rel=1e-9)
        assert np.abs(np.sum(Uk * U[:, :2], axis=0)) == pytest.approx([1.0, 1.0], abs=1e-8)
        assert np.abs(np.sum(Vk * Vt[:2].T, axis=0)) == pytest.approx([1.0, 1.0], abs=1e-8)
        # the triple is consistent: M v = s u
        assert np.allclose(M @ Vk, Uk * s[None, :], atol=1e-8)
    assert m.top_singular_values(M, 100) == pytest.approx(S, rel=1e-8, abs=1e-12)  # k larger than the rank
    # singular values below 1 (the vectors are still unit vectors), and Lanczos' dense fallback (k >= min - 1)
    small = 0.01 * M
    k_all = min(shape) - 1
    for fn, k in ((m.top_singular_triples, 2), (m.lanczos_top_triples, k_all)):
        s, Uk, Vk = fn(small, k)
        assert s == pytest.approx(0.01 * S[:k], rel=1e-8)
        assert np.allclose(np.linalg.norm(Uk, axis=0), 1.0) and np.allclose(np.linalg.norm(Vk, axis=0), 1.0)
        assert np.allclose(small @ Vk, Uk * s[None, :], atol=1e-10)


def test_gram_values_with_lanczos_and_clipping():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((420, 400))
    gram = A.T @ A  # m = 400 >= LANCZOS_MIN, k = 5 <= m / 20: the Lanczos branch
    ref = np.sqrt(np.sort(np.linalg.eigvalsh(gram))[::-1][:5])
    assert m.top_values_of_gram(gram, 5) == pytest.approx(ref, rel=1e-9)
    every = np.sqrt(np.clip(np.sort(np.linalg.eigvalsh(gram))[::-1], 0, None))
    assert m.top_values_of_gram(gram, 400) == pytest.approx(every, rel=1e-8, abs=1e-10)  # k = m: dense
    # a semidefinite Gram with round-off below zero: clipped to 0, never nan
    z = m.top_values_of_gram(np.diag([4.0, -1e-18, 0.0]), 3)
    assert z.tolist() == [2.0, 0.0, 0.0]


def test_zero_singular_value_gives_a_zero_vector():
    M = np.zeros((5, 3))
    M[0, 0] = 2.0
    s, U, V = m.top_singular_triples(M, 3)
    assert s.tolist() == pytest.approx([2.0, 0.0, 0.0])
    assert np.allclose(U[:, 1:], 0.0) and abs(U[0, 0]) == pytest.approx(1.0)
    s, U, V = m.top_singular_triples(M.T, 3)
    assert np.allclose(V[:, 1:], 0.0) and abs(V[0, 0]) == pytest.approx(1.0)


def test_alignments_projection_fractions_and_monomials():
    U = np.eye(4)[:, :3]  # e1, e2, e3
    F = np.array([[3.0, 0.0], [4.0, 0.0], [0.0, 0.0], [0.0, 0.0]])  # v1 = (3, 4, 0, 0), v2 = 0
    A = m.alignments(U, F)
    assert A.shape == (2, 3)
    assert np.allclose(A, [[0.6, 0.8, 0.0], [0.0, 0.0, 0.0]], rtol=0, atol=1e-15)
    assert np.allclose(m.alignments(U, F[:, 0]), [[0.6, 0.8, 0.0]], rtol=0, atol=1e-15)
    assert m.projection_fractions(U, F, 1).tolist() == pytest.approx([0.6, 0.0])
    assert m.projection_fractions(U, F, 2).tolist() == pytest.approx([1.0, 0.0])
    M = m.monomials([2.0, -1.0], 3)
    assert M.tolist() == [[1.0, 2.0, 4.0, 8.0], [1.0, -1.0, 1.0, -1.0]]
    big = m.monomials(np.array([10**6]), 4)  # integer input: float powers, no int64 wrap-around at 10^24
    assert big.dtype == np.float64 and big[0, 4] == pytest.approx(1e24)
    # a feature vector shorter than 1 is a feature vector like any other (only a zero one gives zeros)
    assert np.allclose(m.alignments(U, np.array([0.3, 0.4, 0.0, 0.0])), [[0.6, 0.8, 0.0]], rtol=0, atol=1e-15)


def test_gram_schmidt_orders_and_signs():
    V = np.array([[2.0, 1.0], [0.0, -3.0], [0.0, 0.0]])
    Q = m.gram_schmidt(V)
    assert np.allclose(Q.T @ Q, np.eye(2))
    assert Q[:, 0].tolist() == pytest.approx([1.0, 0.0, 0.0])
    assert Q[:, 1].tolist() == pytest.approx([0.0, -1.0, 0.0])  # positive inner product with its source column
    assert np.all(np.sum(Q * V, axis=0) > 0)
    small = 0.01 * V  # columns shorter than 1: the same orthonormal vectors
    assert np.allclose(m.gram_schmidt(small), Q)


def test_gap_ratios_count_and_threshold():
    s = [10.0, 5.0, 4.0, 3.9, 3.8, 0.0]
    assert m.gap_ratios(s, 3).tolist() == pytest.approx([2.0, 1.25, 4.0 / 3.9])
    assert m.gap_ratios(s, 10).tolist()[-1] == math.inf  # s_{j+1} = 0
    assert len(m.gap_ratios(s, 10)) == 5
    # values below 1, and zeros: 0/0 is a gap of inf (no warning), never nan
    assert m.gap_ratios([0.5, 0.25, 0.2], 5).tolist() == pytest.approx([2.0, 1.25])
    assert m.gap_ratios([1.0, 0.0, 0.0], 5).tolist() == [math.inf, math.inf]
    # default m_max = 10: ten ratios of twelve values, and the count and threshold look at those ten only
    twelve = [2.0**-j for j in range(11)] + [2.0**-13]  # ratios 2 (x10) and 8 at j = 11
    assert len(m.gap_ratios(twelve)) == 10
    assert m.gap_spike_count(twelve, 3.0) == 0 and m.gap_spike_count(twelve, 3.0, m_max=11) == 11
    assert m.gap_threshold(twelve) == pytest.approx(3.0) and m.gap_threshold(twelve, 11) == pytest.approx(15.0)
    with pytest.raises(ValueError, match="at least two singular values"):
        m.gap_ratios([1.0], 3)
    # the count is the LAST j with a ratio above the threshold
    assert m.gap_spike_count(s, 1.5, m_max=3) == 1
    assert m.gap_spike_count(s, 1.2, m_max=3) == 2
    assert m.gap_spike_count(s, 2.5, m_max=3) == 0
    assert m.gap_spike_count([10.0, 5.0], 2.0, m_max=3) == 0  # a ratio equal to the threshold is not above it
    for bad in (1.0, 0.5, math.inf, math.nan):
        with pytest.raises(ValueError, match="threshold must be a finite number > 1"):
            m.gap_spike_count(s, bad)
    null = [[3.0, 2.9, 2.8], [3.0, 2.5, 2.4]]  # the largest null ratio is 1.2
    assert m.gap_threshold(null, 2) == pytest.approx(1.4)
    assert m.gap_threshold(null, 2, factor=1.0) == pytest.approx(1.2)
    assert m.gap_threshold(null[0], 1) == pytest.approx(1 + 2 * (3.0 / 2.9 - 1))
    for bad in (0.5, math.inf):
        with pytest.raises(ValueError, match="factor must be a finite number >= 1"):
            m.gap_threshold(null, 2, factor=bad)


def test_null_weights_keep_each_neurons_shift_length_and_remove_the_common_direction():
    rng = np.random.default_rng(2)
    p, d = 300, 200
    coef = rng.standard_normal(p)
    beta = rng.standard_normal(d)
    bulk = rng.standard_normal((p, d)) * 1e-3
    W1 = bulk + np.outer(coef, beta)
    out = m.null_weights(W1, (coef, beta), np.random.default_rng(3))
    delta = out - bulk  # the replaced shift: coef_i |beta| b_i with unit b_i
    assert np.linalg.norm(delta, axis=1) == pytest.approx(np.abs(coef) * np.linalg.norm(beta), rel=1e-10)
    # no common direction: the top singular value of the shift part is far below the rank-one |coef||beta|
    top = np.linalg.svd(delta, compute_uv=False)[0]
    assert top < 0.3 * np.linalg.norm(coef) * np.linalg.norm(beta)


def test_rank_one_ratio_and_neuron_fractions():
    rng = np.random.default_rng(4)
    s = rng.standard_normal(40)
    beta = rng.standard_normal(30)
    G = 0.5 * np.outer(np.ones(40), beta)  # diag(s) G = 0.5 s beta^T
    tiny = 1e-6 * rng.standard_normal((40, 30))
    assert m.rank_one_ratio(G + tiny, s, beta, 0.5) < 1e-5
    assert m.rank_one_ratio(G, s, beta, 0.5) == 0.0  # exactly rank one: the remainder is the zero matrix
    assert m.rank_one_ratio(np.zeros((40, 30)), s, beta, 0.5) == 0.0
    one = np.zeros((3, 2))
    one[0, 0] = 1.0  # operator norm exactly 1: the ratio is that of the remainder (here all of M)
    assert m.rank_one_ratio(one, np.ones(3), np.zeros(2), 0.5) == pytest.approx(1.0)
    s1, _, _ = m.lanczos_top_triples(_spiked(30, 20))  # the default is the top triple only
    assert s1.shape == (1,)
    E = rng.standard_normal((40, 30))
    M = s[:, None] * (G + E)
    ref = np.linalg.norm(M - 0.5 * np.outer(s, beta), 2) / np.linalg.norm(M, 2)
    assert m.rank_one_ratio(G + E, s, beta, 0.5) == pytest.approx(ref, rel=1e-8)
    W = np.array([[3.0, 4.0, 0.0], [0.0, 0.0, 2.0], [0.0, 0.0, 0.0], [0.3, 0.0, 0.4]])
    assert m.neuron_fractions(W, 1).tolist() == pytest.approx([9 / 25, 0.0, 0.0, 0.36])
    assert m.neuron_fractions(W, 2).tolist() == pytest.approx([1.0, 0.0, 0.0, 0.36])
