"""Annealed Franz-Parisi curves around fixed points with a margin."""

from __future__ import annotations

import numpy as np
import pytest

import theory
from theory.margin import _gap_depth


def test_zero_margin_is_the_plain_potential():
    q = np.linspace(-1, 1, 41)[:, None]
    jd = np.array([0.0, 0.4, 1.5, 4.0])[None, :]
    np.testing.assert_allclose(theory.franz_parisi_margin(q, jd, 0.0), theory.franz_parisi(q, jd),
                               rtol=1e-11, atol=1e-14)


@pytest.mark.parametrize("jd, kappa", [(0.5, 1.3), (1.0, 2.5)])
def test_margin_beyond_twice_the_self_coupling_opens_a_gap_at_zero(jd, kappa):
    """A flipped site of a margin-kappa FP cannot stay stable nearby: V(0+) = -(kappa-2J)^2/8."""
    d = np.array([1e-5, 1e-6, 1e-7])
    v = theory.franz_parisi_margin_at_distance(d, jd, kappa)
    np.testing.assert_allclose(v, -((kappa - 2 * jd) ** 2) / 8, rtol=0.05)


def test_margin_removes_the_square_root_term():
    """With kappa > 0 the curve starts like d ln(1/d) > 0 instead of -r sqrt(2d/pi)."""
    d = np.logspace(-14, -10, 5)
    assert np.all(theory.franz_parisi_margin_at_distance(d, 1.0, 0.2) > 0)
    assert np.all(theory.franz_parisi_at_distance(d, 1.0) < 0)


def test_critical_margin_touches_zero():
    jd = 0.5
    kappa_c = float(theory.critical_margin(jd))
    assert 0 < kappa_c < jd
    grid = np.linspace(np.log(1e-12), np.log(0.5), 240)
    assert abs(_gap_depth(jd, kappa_c, grid)) < 1e-9
    assert _gap_depth(jd, kappa_c * 0.98, grid) < 0  # a dip below zero just under kappa_c
    assert _gap_depth(jd, kappa_c * 1.02, grid) > -1e-12


def test_critical_margin_decreases_and_is_infinite_for_tiny_self_coupling():
    kappa_c = theory.critical_margin(np.array([0.0, 0.05, 0.2, 1.0]))
    assert np.isinf(kappa_c[0]) and np.isinf(kappa_c[1])
    assert kappa_c[2] > kappa_c[3] > 0


@pytest.mark.slow
def test_margin_dense_threshold_is_a_fixed_point_of_the_critical_margin():
    j_star = theory.margin_dense_threshold()
    assert float(theory.critical_margin(j_star)) == pytest.approx(j_star, rel=1e-6)
    assert 0.05 < j_star < 0.2
