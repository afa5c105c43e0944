"""Cluster diagnostics against brute force over the enumerated fixed points."""

from __future__ import annotations

import numpy as np
import pytest

from sim.clusters import (
    _flip_candidates,
    _set_is_fixed_point,
    distance_profiles,
    free_fraction,
    hamming_ball_counts,
    local_stabilities,
    overlaps,
    sampled_shell_counts,
    single_flip_neighbours,
)
from sim.couplings import random_couplings
from sim.enumeration import enumerate_fixed_points, pair_distance_histogram
from sim.stability import is_fixed_point, stabilities
from theory.counting import free_fraction as theory_free_fraction


def _instances():
    rng = np.random.default_rng(12)
    for jd in (0.3, 0.8, 1.2):
        for n in (9, 12):
            J = random_couplings(n, jd, rng)
            fps = enumerate_fixed_points(J)
            states = np.vstack([fps[:4], np.where(rng.random((4, n)) < 0.5, 1, -1)])
            yield J, fps, states.astype(np.int8)


def _distance_histogram(fps, states, radius):
    d = (states[:, None, :] != fps[None, :, :]).sum(axis=-1)
    return np.stack([(d == r).sum(axis=1) for r in range(radius + 1)], axis=1)


def test_ball_counts_and_single_flips_match_enumeration():
    checked = pruned = 0
    for J, fps, states in _instances():
        want = _distance_histogram(fps, states, 4)
        np.testing.assert_array_equal(hamming_ball_counts(J, states, 4), want)
        np.testing.assert_array_equal(single_flip_neighbours(J, states), want[:, 1])
        assert single_flip_neighbours(J, states[0]) == want[0, 1]
        for radius in (1, 2, 3):  # smaller radii prune more candidate flips
            np.testing.assert_array_equal(hamming_ball_counts(J, states, radius),
                                          want[:, :radius + 1])
            pruned += sum(J.shape[0] - _flip_candidates(J, st, radius).size
                          for st in stabilities(J, states))
        np.testing.assert_array_equal(hamming_ball_counts(J, states[0], 2), want[0, :3])
        checked += want[:, 1:].sum()
    assert checked > 100 and pruned > 50  # the comparison is not vacuous


def test_ball_counts_radius_beyond_n():
    rng = np.random.default_rng(1)
    J = random_couplings(6, 1.5, rng)
    fps = enumerate_fixed_points(J)
    s = fps[0]
    want = _distance_histogram(fps, s[None], 6)[0]
    got = hamming_ball_counts(J, s, 8)
    np.testing.assert_array_equal(got[:7], want)
    np.testing.assert_array_equal(got[7:], 0)


def test_local_stabilities_and_free_fraction():
    rng = np.random.default_rng(2)
    J = random_couplings(50, 0.7, rng)
    S = np.where(rng.random((3, 50)) < 0.5, 1, -1).astype(np.int8)
    off = J - np.diag(np.diag(J))
    lam = S * (S @ off.T)
    np.testing.assert_allclose(local_stabilities(J, S), lam, atol=1e-13)
    np.testing.assert_allclose(local_stabilities(J, S[1]), lam[1], atol=1e-13)
    np.testing.assert_allclose(local_stabilities(J, S) + 0.7, stabilities(J, S), atol=1e-13)
    np.testing.assert_array_equal(free_fraction(J, S), (np.abs(lam) < 0.7).mean(axis=1))
    assert free_fraction(J, S[0]) == (np.abs(lam[0]) < 0.7).mean()


def test_overlaps():
    S = np.array([[1, 1, 1, 1], [1, 1, -1, -1], [-1, -1, -1, -1]])
    np.testing.assert_array_equal(overlaps(S), [0.0, -1.0, 0.0])
    with pytest.raises(ValueError):
        overlaps([1, 1, -1])
    with pytest.raises(ValueError):
        overlaps([[1, 0], [1, 1]])


def test_fp_stabilities_are_truncated_normal():
    """For a fixed s the lambda_i are i.i.d. N(0, (n-1)/n) (independent rows of J), so
    E[sum over FPs of f(lambda_i)] / E[#FP] is exactly the mean of f under N(0, (n-1)/n)
    truncated to (-J_D, inf). Pooled ratio over 200 instances, n = 14, J_D = 0.5, for
    f = lambda and f = 1{lambda < 0}; tolerance 4 standard errors (delta method over
    instances). The same for f = 1{|lambda| < J_D} against theory.counting.free_fraction.
    Observed: +1.6, -1.6 and -1.9 standard errors (other seeds, 600 instances: all < 0.4)."""
    from scipy.stats import truncnorm

    rng = np.random.default_rng(0)
    n, jd = 14, 0.5
    rows = []
    for _ in range(200):
        J = random_couplings(n, jd, rng)
        fps = enumerate_fixed_points(J)
        lam = local_stabilities(J, fps).ravel()
        free = n * free_fraction(J, fps).sum() if len(fps) else 0.0
        rows.append((lam.sum(), (lam < 0).sum(), free, lam.size))
    sums, negs, frees, counts = np.array(rows, dtype=float).T
    sd = np.sqrt((n - 1) / n)
    law = truncnorm(-jd / sd, np.inf, scale=sd)
    for values, want in ((sums, law.mean()), (negs, law.cdf(0.0)),
                         (frees, theory_free_fraction(jd, n))):
        est = values.sum() / counts.sum()
        se = np.sqrt(((values - est * counts) ** 2).sum() / (len(counts) - 1)
                     / len(counts)) / counts.mean()
        assert abs(est - want) < 4 * se, (est, want, se)


def test_distance_profiles_match_brute_force_and_pair_histogram():
    rng = np.random.default_rng(11)
    fps = enumerate_fixed_points(random_couplings(13, 0.6, rng))
    profiles = distance_profiles(fps, chunk=7)  # several chunks
    brute = np.array([[np.sum(np.sum(a != fps, axis=1) == k) for k in range(14)] for a in fps])
    np.testing.assert_array_equal(profiles, brute)
    np.testing.assert_array_equal(profiles.sum(axis=0), pair_distance_histogram(fps))
    assert np.all(profiles[:, 0] == 1) and np.all(profiles[:, 13] == 1)  # itself and -s

    rows = np.array([5, 0, 5, len(fps) - 1])
    np.testing.assert_array_equal(distance_profiles(fps, chunk=3, rows=rows), brute[rows])
    with pytest.raises(ValueError, match="rows"):
        distance_profiles(fps, rows=[len(fps)])


def test_flipped_set_check_matches_recomputation():
    rng = np.random.default_rng(5)
    agree = hits = 0
    for J, _, states in _instances():
        n = J.shape[0]
        for s in states:
            h = stabilities(J, s) * s
            order = np.argsort(s * h, kind="stable")
            for k in (1, 2, 3, 5):
                flipped = rng.choice(n, k, replace=False)
                t = s.copy()
                t[flipped] = -t[flipped]
                got = _set_is_fixed_point(J, s, h, flipped, order)
                assert got == is_fixed_point(J, t)
                agree += 1
                hits += got
    assert agree > 150 and hits > 5


def test_sampled_shell_counts_agree_with_exact_counts():
    """Unbiased Monte Carlo: every estimate within 4 standard errors (plus the resolution
    C(|C_k|, k)/samples) of the exhaustive count, and exactly 0 where there is no FP."""
    rng = np.random.default_rng(7)
    compared = 0
    for J, fps, states in _instances():
        want = _distance_histogram(fps, states, 4)
        for s, w in zip(states[[0, 1, 5]], want[[0, 1, 5]]):
            est, err = sampled_shell_counts(J, s, [1, 2, 3, 4], 20000, rng)
            for k in range(1, 5):
                if w[k] == 0:
                    assert est[k - 1] == 0
                    continue
                cand = _flip_candidates(J, stabilities(J, s), k).size
                total = np.exp(np.sum(np.log(np.arange(cand - k + 1, cand + 1)))
                               - np.sum(np.log(np.arange(1, k + 1))))
                assert abs(est[k - 1] - w[k]) <= 4 * err[k - 1] + total / 20000
                compared += 1
    assert compared > 30
    with pytest.raises(ValueError):
        sampled_shell_counts(J, states[0], [0], 10, rng)
