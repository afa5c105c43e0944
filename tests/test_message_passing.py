"""Gaussian (relaxed) BP for fixed points: message update vs a plain loop, marginals vs exact
enumeration, reinforced BP finds fixed points."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.couplings import random_couplings
from sim.enumeration import enumerate_fixed_points
from sim.message_passing import _update, belief_propagation, bp_solve
from sim.stability import stabilities


def _phi(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _slow_update(J, u, ext, damping, kappa):
    """The message equations of sim.message_passing written one message at a time.

    Cavity means and variances are summed directly over k != a, j (no leave-one-out
    subtraction); Phi from math.erfc, no log space (moderate fields only).
    """
    n = J.shape[0]
    cav = np.empty((n, n))  # cav[a, j] = h_{j->a}
    for a in range(n):
        for j in range(n):
            cav[a, j] = ext[j] + sum(u[b, j] for b in range(n) if b != a)
    fresh = np.empty((n, n))
    for a in range(n):
        theta = J[a, a] - kappa
        m_self = math.tanh(cav[a, a])
        for j in range(n):
            others = [k for k in range(n) if k not in (a, j)]
            mu = sum(J[a, k] * math.tanh(cav[a, k]) for k in others)
            var = sum(J[a, k] ** 2 * (1.0 - math.tanh(cav[a, k]) ** 2) for k in others)
            sd = math.sqrt(var)
            if j == a:
                psi_p = _phi((theta + mu) / sd)
                psi_m = _phi((theta - mu) / sd)
            else:
                psi = {}
                for sj in (1, -1):
                    psi[sj] = (1 + m_self) / 2 * _phi((theta + mu + J[a, j] * sj) / sd) + (
                        1 - m_self
                    ) / 2 * _phi((theta - mu - J[a, j] * sj) / sd)
                psi_p, psi_m = psi[1], psi[-1]
            fresh[a, j] = 0.5 * math.log(psi_p / psi_m)
    return damping * u + (1 - damping) * fresh


@pytest.mark.parametrize("kappa", [0.0, 0.3])
def test_update_matches_plain_loop(kappa):
    rng = np.random.default_rng(8)
    n = 8
    J = random_couplings(n, 0.7, rng)
    J_off = J.copy()
    np.fill_diagonal(J_off, 0.0)
    u = rng.normal(0.0, 0.4, (n, n))
    ext = rng.normal(0.0, 0.5, n)
    got, total, change = _update(J_off, np.diagonal(J) - kappa, u, ext, 0.3)
    want = _slow_update(J, u, ext, 0.3, kappa)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    np.testing.assert_allclose(total, ext + want.sum(axis=0), rtol=0, atol=1e-12)
    assert change == pytest.approx(np.max(np.abs(want - u)), abs=1e-12)


def test_update_finite_for_polarised_messages():
    # Fields of +-1e3: every tanh is +-1, variances hit the floor, Phi arguments are huge;
    # log space must keep all messages finite (no 0/0).
    rng = np.random.default_rng(3)
    n = 30
    J = random_couplings(n, 0.5, rng)
    J_off = J.copy()
    np.fill_diagonal(J_off, 0.0)
    u = rng.choice([-1e3, 1e3], size=(n, n))
    new, total, _ = _update(J_off, np.diagonal(J), u, np.zeros(n), 0.0)
    assert np.isfinite(new).all() and np.isfinite(total).all()


def _pinned_comparison(n, jd, seeds):
    """Mean |m_BP - m_exact|, mean |m_exact| and mean correlation, spin 0 pinned to +1."""
    err, trivial, corr = [], [], []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        J = random_couplings(n, jd, rng)
        fps = enumerate_fixed_points(J)
        exact = fps[fps[:, 0] == 1].mean(axis=0)[1:]
        field = np.zeros(n)
        field[0] = np.inf
        res = belief_propagation(J, rng, external_field=field)
        assert res.converged
        assert res.magnetizations[0] == 1.0
        bp = res.magnetizations[1:]
        err.append(np.abs(bp - exact).mean())
        trivial.append(np.abs(exact).mean())
        corr.append(np.corrcoef(bp, exact)[0, 1])
    return np.mean(err), np.mean(trivial), np.mean(corr)


@pytest.mark.parametrize(
    # measured on these 10 seeds: err/trivial = 0.448 and 0.204, correlation 0.885 and 0.981
    "jd, max_ratio, min_corr",
    [(0.5, 0.6, 0.85), (1.0, 0.3, 0.95)],
)
def test_marginals_against_enumeration(jd, max_ratio, min_corr):
    # The FP set is symmetric under s -> -s, so unpinned marginals are 0 (exact and BP);
    # pinning s_0 = +1 selects one half. n = 16 is small for a Gaussian closure (each cavity
    # field sums 14 terms): BP is not exact, but must beat the trivial predictor m = 0 clearly.
    err, trivial, corr = _pinned_comparison(16, jd, range(16000, 16010))
    assert err < max_ratio * trivial
    assert corr > min_corr


def test_unpinned_marginals_vanish():
    rng = np.random.default_rng(5)
    J = random_couplings(40, 0.5, rng)
    res = belief_propagation(J, rng, init_scale=1.0)
    assert res.converged
    np.testing.assert_allclose(res.magnetizations, 0.0, atol=1e-6)


def test_bp_solve_finds_fixed_points_n200():
    # measured: 10/10 solved at jd = 1.0 (median 43 updates, at most 53)
    solved = 0
    for seed in range(10):
        rng = np.random.default_rng(seed)
        J = random_couplings(200, 1.0, rng)
        res = bp_solve(J, rng, reinforcement=0.05, max_iter=200)
        recomputed = bool(np.all(stabilities(J, res.configuration) > 0.0))
        assert res.is_fixed_point == recomputed
        assert res.configuration.dtype == np.int8
        solved += res.is_fixed_point
    assert solved >= 9


def test_bp_solve_with_margin():
    rng = np.random.default_rng(11)
    J = random_couplings(150, 1.0, rng)
    res = bp_solve(J, rng, kappa=0.3)
    assert res.is_fixed_point
    assert np.all(stabilities(J, res.configuration) > 0.3)


def test_bp_solve_gives_up_when_frozen():
    # jd = 0.05 is far below where BP solves (0/10 at n = 200): it freezes and stops early.
    rng = np.random.default_rng(0)
    J = random_couplings(100, 0.05, rng)
    res = bp_solve(J, rng, max_iter=2000)
    assert not res.is_fixed_point
    assert res.frozen and res.iterations < 2000


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"damping": 1.0}, "damping"),
        ({"max_iter": 0}, "max_iter"),
        ({"tol": 0.0}, "tol"),
        ({"external_field": np.zeros(3)}, "external_field"),
        ({"kappa": np.nan}, "kappa"),
    ],
)
def test_belief_propagation_rejects_bad_input(kwargs, name):
    rng = np.random.default_rng(0)
    J = random_couplings(5, 0.5, rng)
    with pytest.raises(ValueError, match=name):
        belief_propagation(J, rng, **kwargs)


def test_bp_solve_rejects_bad_input():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="reinforcement"):
        bp_solve(random_couplings(5, 0.5, rng), rng, reinforcement=2.0)
    with pytest.raises(ValueError, match="J"):
        bp_solve(np.ones((3, 4)), rng)
    with pytest.raises(ValueError, match="rng"):
        bp_solve(random_couplings(5, 0.5, rng), 0)
