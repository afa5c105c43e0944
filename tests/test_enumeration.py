"""Exact enumeration of fixed points (sim.enumeration): brute force, identities, theory.

Statistical tests compare averages over independent instances with the exact finite-N
theory (theory.counting); the sample sizes are stated in each test, seeds are fixed.
"""

from __future__ import annotations

import itertools

import numba
import numpy as np
import pytest

import theory
from sim.couplings import chain_couplings, random_couplings
from sim.enumeration import (
    count_fixed_points,
    enumerate_fixed_points,
    minimum_stabilities,
    pair_distance_histogram,
)
from sim.stability import free_neurons, is_fixed_point

JDS = np.array([0.25, 0.5, 1.0])


def _all_states(n):
    return np.array(list(itertools.product((-1, 1), repeat=n)), dtype=np.int8)


def _brute_force(J, kappa=0.0):
    """Every s with s_i sum_j J_ij s_j > kappa, by the full (2^n, n) product."""
    S = _all_states(J.shape[0])
    stab = S * (S.astype(float) @ np.asarray(J, float).T)
    return S[np.all(stab > kappa, axis=1)]


def _as_set(configs):
    return {tuple(map(int, s)) for s in configs}


def _instance(kind, n, rng):
    jd = rng.uniform(0.0, 1.2)
    if kind == "asymmetric":
        return random_couplings(n, jd, rng)
    if kind == "symmetric":
        return random_couplings(n, jd, rng, symmetry=1.0)
    if kind == "partly-antisymmetric":
        return random_couplings(n, jd, rng, symmetry=-0.5)
    if kind == "sparse":
        return random_couplings(n, jd, rng, symmetry=0.3, density=0.3)
    if kind == "chain":
        return chain_couplings(n // 2, 2, jd, 0.4, rng)
    if kind == "float32":
        return random_couplings(n, jd, rng, dtype=np.float32)
    # arbitrary matrix: per-neuron self-couplings of either sign, non-Gaussian entries
    J = rng.uniform(-1, 1, (n, n))
    np.fill_diagonal(J, rng.uniform(-0.3, 1.5, n))
    return J


KINDS = ["asymmetric", "symmetric", "partly-antisymmetric", "sparse", "chain", "float32",
         "generic"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n", [6, 8, 11, 14])
def test_enumeration_matches_brute_force(kind, n):
    rng = np.random.default_rng(1000 * n + KINDS.index(kind))
    J = _instance(kind, n, rng)
    n = J.shape[0]  # the chain has 2 (n // 2) neurons
    for kappa in (0.0, 0.35, -0.2):
        got = enumerate_fixed_points(J, kappa)
        assert got.dtype == np.int8 and got.shape[1] == n
        want = _brute_force(J, kappa)
        assert len(got) == len(want) == len(_as_set(got))
        assert _as_set(got) == _as_set(want)
        # first half has s_{n-1} = +1, second half the mirror images in the same order
        half = len(got) // 2
        assert np.all(got[:half, -1] == 1) and np.array_equal(got[half:], -got[:half])


@pytest.mark.parametrize("kind", ["asymmetric", "sparse", "chain", "float32"])
@pytest.mark.parametrize("n", [7, 12])
def test_count_for_many_self_couplings_matches_enumeration(kind, n):
    rng = np.random.default_rng(77 + n)
    J = _instance(kind, n, rng)
    jds = np.array([[0.0, 0.1, 0.25], [0.5, 0.5, 0.8], [1.0, 1.7, 3.0]])  # any shape, repeats
    for kappa in (0.0, 0.4):
        counts = count_fixed_points(J, jds, kappa)
        assert counts.shape == jds.shape and counts.dtype == np.int64
        for jd, count in zip(jds.ravel(), counts.ravel()):
            K = np.array(J, dtype=np.float64)
            np.fill_diagonal(K, jd)
            assert count == len(enumerate_fixed_points(K, kappa)) == len(_brute_force(K, kappa))


def test_count_at_18_neurons_matches_numpy_over_all_states():
    """n = 18: several groups of 64 blocks of 2^10 Gray-code states (float32 walk)."""
    n = 18
    J = random_couplings(n, 0.0, np.random.default_rng(18), symmetry=0.2)
    jds = np.linspace(0.0, 1.0, 6)
    codes = np.arange(1 << n, dtype=np.int64)
    S = (1 - 2 * ((codes[:, None] >> np.arange(n)) & 1)).astype(float)
    m = (S * (S @ J.T)).min(axis=1) - J[0, 0]  # diagonal: jd = 0 drawn, so no shift
    np.testing.assert_array_equal(count_fixed_points(J, jds, kappa=0.05),
                                  [(m > 0.05 - jd).sum() for jd in jds])


def test_parallel_walk_equals_serial_walk():
    """n = 23 (2^22 walked states) runs in parallel chunks; one thread runs the same chunks."""
    J = random_couplings(23, 0.9, np.random.default_rng(23))
    threads = numba.get_num_threads()
    parallel = count_fixed_points(J, JDS), enumerate_fixed_points(J, kappa=0.4)
    numba.set_num_threads(1)
    try:
        serial = count_fixed_points(J, JDS), enumerate_fixed_points(J, kappa=0.4)
    finally:
        numba.set_num_threads(threads)
    np.testing.assert_array_equal(parallel[0], serial[0])
    np.testing.assert_array_equal(parallel[1], serial[1])
    assert is_fixed_point(J, parallel[1], kappa=0.4).all()


def test_exact_ties_on_integer_couplings():
    """Integer couplings make many stabilities exactly 0 or 1: strict '>' must hold exactly."""
    rng = np.random.default_rng(3)
    n = 12
    J = rng.integers(-1, 2, (n, n)).astype(float)
    np.fill_diagonal(J, 1.0)
    for kappa in (0.0, 1.0, -1.0):
        assert _as_set(enumerate_fixed_points(J, kappa)) == _as_set(_brute_force(J, kappa))
    jds = np.array([0.0, 1.0, 2.0, 3.0])
    off = J.copy()
    np.fill_diagonal(off, 0.0)
    S = _all_states(n)
    m = (S * (S.astype(float) @ off.T)).min(axis=1)  # integers: exact ties with -jd
    np.testing.assert_array_equal(count_fixed_points(J, jds), [(m > -jd).sum() for jd in jds])


@pytest.mark.parametrize("scale", [2.0**-140, 1e-30, 1e30, 2.0**120])
def test_enumeration_is_scale_free(scale):
    """Huge or tiny couplings (beyond float32's range) give the FPs of the rescaled matrix."""
    J = random_couplings(10, 0.4, np.random.default_rng(9))
    want = _as_set(_brute_force(J, 0.1))
    assert _as_set(enumerate_fixed_points(J * scale, 0.1 * scale)) == want
    np.testing.assert_array_equal(count_fixed_points(J * scale, [0.4 * scale], 0.1 * scale),
                                  [len(want)])


def test_minimum_stabilities_match_brute_force():
    rng = np.random.default_rng(8)
    n = 11
    J = random_couplings(n, 0.9, rng)
    configs, mins = minimum_stabilities(J, -0.4)
    off = J.copy()
    np.fill_diagonal(off, 0.0)
    S = _all_states(n)
    m = (S * (S @ off.T)).min(axis=1)
    keep = m > -0.4
    assert _as_set(configs) == _as_set(S[keep])
    lookup = dict(zip(map(tuple, S[keep].tolist()), m[keep]))
    np.testing.assert_allclose(mins, [lookup[tuple(s)] for s in configs.tolist()], rtol=1e-13)


def test_progress_reports_reach_one():
    seen = []
    J = random_couplings(10, 0.5, np.random.default_rng(0))
    enumerate_fixed_points(J, progress=seen.append)
    count_fixed_points(J, [0.5], progress=seen.append)
    assert seen and seen[-1] == 1.0 and all(0 < x <= 1 for x in seen)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: enumerate_fixed_points(np.zeros((3, 4))), "J"),
        (lambda: enumerate_fixed_points(np.zeros((41, 41))), "n <= 40"),
        (lambda: enumerate_fixed_points(np.full((3, 3), np.nan)), "J"),
        (lambda: enumerate_fixed_points(np.zeros((3, 3)), kappa=np.nan), "kappa"),
        (lambda: count_fixed_points(np.zeros((3, 3)), [np.inf]), "jds"),
        (lambda: minimum_stabilities(np.zeros((3, 3)), "x"), "floor"),
        (lambda: pair_distance_histogram(np.ones(4)), "fixed_points"),
        (lambda: pair_distance_histogram(np.zeros((2, 4))), "fixed_points"),
    ],
)
def test_validation(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def _pairwise_reference(configs):
    n = configs.shape[1]
    d = (configs[:, None, :] != configs[None, :, :]).sum(axis=2)
    return np.bincount(d.ravel(), minlength=n + 1)


@pytest.mark.parametrize(
    "n, m",
    # (8, 200), (14, 600): Walsh-Hadamard; (30, 1500): numba pairwise; others numpy pairwise
    [(8, 200), (10, 5), (14, 600), (30, 300), (30, 1500), (63, 40)],
)
def test_pair_distance_histogram_matches_pairwise(n, m):
    rng = np.random.default_rng(n)
    configs = rng.choice(np.array([-1, 1], dtype=np.int8), size=(m, n))
    configs[: m // 10] = configs[m // 10: 2 * (m // 10)]  # some repeated rows (multiset)
    hist = pair_distance_histogram(configs)
    assert hist.dtype == np.int64 and hist.sum() == m * m
    np.testing.assert_array_equal(hist, _pairwise_reference(configs))


def test_pair_distance_histogram_of_fixed_points():
    J = random_couplings(13, 0.8, np.random.default_rng(4))
    fps = enumerate_fixed_points(J)
    hist = pair_distance_histogram(fps)
    np.testing.assert_array_equal(hist, _pairwise_reference(fps))
    assert hist[0] == hist[-1] == len(fps)  # s with itself, s with -s
    assert np.array_equal(pair_distance_histogram(fps[:0]), np.zeros(14, dtype=np.int64))


# ---------------------------------------------------------------- statistics vs theory

SAMPLES = {12: 3000, 16: 1000, 20: 300}  # instances per size (all jds on each instance)


@pytest.fixture(scope="module")
def counts():
    """#FP at JDS on SAMPLES[n] independent asymmetric instances per n (seed 100 + n)."""
    out = {}
    for n, instances in SAMPLES.items():
        rng = np.random.default_rng(100 + n)
        out[n] = np.array([count_fixed_points(random_couplings(n, 0.0, rng), JDS)
                           for _ in range(instances)])
    return out


@pytest.mark.parametrize("n", list(SAMPLES))
def test_mean_number_of_fixed_points_matches_first_moment(counts, n):
    """|mean #FP - E[Z]| < 3 SE for each jd (E[Z] = 2^N Phi(a_N)^N, exact at finite N)."""
    z = counts[n]
    want = np.exp(theory.log_expected_fixed_points(n, JDS))
    se = z.std(axis=0, ddof=1) / np.sqrt(len(z))
    assert np.all(np.abs(z.mean(axis=0) - want) < 3 * se), (z.mean(axis=0), se, want)


@pytest.mark.parametrize("n", list(SAMPLES))
def test_variance_of_number_of_fixed_points_matches_second_moment(counts, n):
    """Sample variance vs E[Z^2] - E[Z]^2, E[Z^2] = sum_k E[#pairs at distance k].

    The standard error of a sample variance is sqrt((mu4 - sigma^4)/N), with the fourth
    central moment mu4 estimated from the same sample; it is itself noisy for the heavy
    right tail of Z, so the tolerance is 4 such standard errors.
    """
    z = counts[n].astype(float)
    k = np.arange(n + 1)
    first = np.exp(theory.log_expected_fixed_points(n, JDS))
    second = np.exp(theory.log_expected_pairs(n, k[None, :], JDS[:, None])).sum(axis=1)
    var = z.var(axis=0, ddof=1)
    mu4 = ((z - z.mean(axis=0)) ** 4).mean(axis=0)
    se = np.sqrt((mu4 - var**2) / len(z))
    assert np.all(np.abs(var - (second - first**2)) < 4 * se), (var, se, second - first**2)


@pytest.mark.parametrize("n, jd, instances", [(12, 0.5, 1500), (16, 1.0, 120)])
def test_pair_distances_and_free_neurons_match_theory(n, jd, instances):
    """Mean #ordered FP pairs at each distance k vs the exact pair moment (4 SE per k: a
    Bonferroni bound for the n + 1 comparisons), and the fraction of free neurons over all
    FPs vs theory.free_fraction(jd, n) (3 SE, delta method for the ratio of sums)."""
    rng = np.random.default_rng(7 * n)
    hists, free, sizes = [], [], []
    for _ in range(instances):
        J = random_couplings(n, jd, rng)
        fps = enumerate_fixed_points(J)
        hists.append(pair_distance_histogram(fps))
        free.append(free_neurons(J, fps).sum())
        sizes.append(n * len(fps))
    hists = np.array(hists, dtype=float)
    k = np.arange(n + 1)
    want = np.exp(theory.log_expected_pairs(n, k, jd))
    se = hists.std(axis=0, ddof=1) / np.sqrt(instances)
    assert np.all(np.abs(hists.mean(axis=0) - want) < 4 * se + 1e-12), (hists.mean(0), se, want)

    free, sizes = np.array(free, float), np.array(sizes, float)
    ratio = free.sum() / sizes.sum()
    se_ratio = (free - ratio * sizes).std(ddof=1) / np.sqrt(instances) / sizes.mean()
    assert abs(ratio - theory.free_fraction(jd, n)) < 3 * se_ratio


@pytest.mark.slow
def test_mean_number_of_fixed_points_at_24_neurons():
    """Slow: 200 instances at n = 24, jd in JDS, 3 SE."""
    rng = np.random.default_rng(124)
    z = np.array([count_fixed_points(random_couplings(24, 0.0, rng), JDS) for _ in range(200)])
    want = np.exp(theory.log_expected_fixed_points(24, JDS))
    se = z.std(axis=0, ddof=1) / np.sqrt(len(z))
    assert np.all(np.abs(z.mean(axis=0) - want) < 3 * se)
