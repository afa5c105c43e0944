"""Franz-Parisi potential, its small-distance expansion, the overlap gap, and the
quenched-reference bound."""

from __future__ import annotations

import time

import numpy as np
import pytest
import sympy as sp
from conftest import as_float, significant_digits_error
from scipy import integrate, optimize, special

import theory


def test_franz_parisi_matches_mpmath_to_12_digits(mp_table):
    """V computed directly (not as Sigma2 - Sigma), so near q = 1 (V ~ 1e-11) and near
    q = 0 at J_D = 0 (V ~ 1e-19) it keeps its digits: plain relative error, no floor."""
    rows = mp_table["franz_parisi"]
    args = np.array([r["args"] for r in rows], float)
    want = np.array([as_float(r["value"]) for r in rows])
    got = theory.franz_parisi(args[:, 0], args[:, 1])
    assert np.max(significant_digits_error(got, want)) < 1e-12


def test_franz_parisi_is_pair_entropy_minus_complexity():
    q = np.linspace(-0.95, 0.95, 39)[:, None]
    jd = np.linspace(0.0, 4.0, 9)[None, :]
    np.testing.assert_allclose(theory.franz_parisi(q, jd),
                               theory.pair_entropy(q, jd) - theory.complexity(jd), atol=2e-15)
    assert np.all(theory.franz_parisi(1.0, jd) == 0.0)


def _sympy_expansion():
    """Series of V in t = sqrt(d) to O(t^3), with Phi(J) = P and phi(J) = exp(-J^2/2)/sqrt(2 pi)."""
    t, x, jj, big_p = sp.symbols("t x J P", positive=True)
    d = t**2
    c = sp.sqrt(d / (1 - d))
    integrand = sp.series(sp.exp(-jj**2 * (1 + x**2) / 2) / (1 + x**2), x, 0, 6).removeO()
    owen_t = sp.integrate(integrand, (x, 0, c)) / (2 * sp.pi)
    kept = (1 - d) * sp.log(1 - 2 * owen_t / big_p)
    entropy_rest = -(1 - d) * sp.log(1 - d)  # H2 = -d ln d + this
    series = sp.series(kept + entropy_rest, t, 0, 4).removeO()
    return t, jj, big_p, sp.expand(series)


def test_small_distance_coefficients_rederived_with_sympy():
    t, jj, big_p, series = _sympy_expansion()
    for jd in (0.3, 1.0, 2.5):
        coeff = theory.small_distance_coefficients(jd)
        subs = {jj: jd, big_p: special.ndtr(jd)}
        c1 = float(series.coeff(t, 1).subs(subs))
        c2 = float(series.coeff(t, 2).subs(subs)) + np.log(float(theory.free_fraction(jd)))
        c3 = float(series.coeff(t, 3).subs(subs))
        assert c1 == pytest.approx(-coeff["sqrt_d"], rel=1e-12)
        assert c2 == pytest.approx(coeff["d"], rel=1e-12)
        assert c3 == pytest.approx(coeff["d_3/2"], rel=1e-12)


@pytest.mark.parametrize("jd", [0.1, 0.5, 1.0, 3.0])
def test_small_distance_expansion_agrees_with_v(jd):
    """The remainder is O(d^2): it shrinks 100-fold per decade of d."""
    d = np.logspace(-9, -4, 6)
    remainder = theory.franz_parisi_at_distance(d, jd) - theory.franz_parisi_small_distance(d, jd)
    assert np.all(np.abs(remainder) <= 2.0 * d**2 + 1e-15)
    ratio = remainder[-1] / remainder[-2]
    assert ratio == pytest.approx(100.0, rel=0.05)


def test_overlap_gap_edges_are_zeros_of_v():
    jd = np.array([0.05, 0.5, 1.0, 2.0, 3.5, 5.0])
    gap = theory.overlap_gap(jd)
    for j, d_gap, d_min, v_min in zip(jd, gap.d_gap, gap.d_min, gap.v_min):
        below = theory.franz_parisi_at_distance(d_gap * (1 - 1e-7), j)
        above = theory.franz_parisi_at_distance(d_gap * (1 + 1e-7), j)
        assert below < 0 < above
        d = np.exp(np.linspace(np.log(d_gap), np.log(0.5), 400))
        assert np.all(theory.franz_parisi_at_distance(d[1:], j) > 0)  # gap edge is the first zero
        grid = np.exp(np.linspace(np.log(d_gap) - 30, np.log(d_gap), 2000))
        assert v_min <= theory.franz_parisi_at_distance(grid, j).min() + 1e-15
        assert v_min == pytest.approx(float(theory.franz_parisi_at_distance(d_min, j)), rel=1e-12)
    assert np.all(np.diff(gap.q_gap) > 0)  # the gap narrows as J_D grows
    np.testing.assert_allclose(gap.q_gap, 1 - 2 * gap.d_gap)


def test_overlap_gap_at_zero_self_coupling():
    gap = theory.overlap_gap(0.0)
    assert gap.q_gap == 0.0
    q = np.linspace(0.001, 0.999, 999)
    assert np.all(theory.franz_parisi(q, 0.0) < 0)
    assert gap.v_min < 0 and 0 < gap.q_min < 1


def test_overlap_gap_speed():
    jd = np.linspace(0.0, 5.0, 50)
    start = time.perf_counter()
    theory.overlap_gap(jd)
    assert time.perf_counter() - start < 2.0


def _quenched_by_scipy(q: float, jd: float) -> float:
    """Independent V_Q: adaptive scipy quadrature for the average, brentq for mu."""
    d = (1 - q) / 2
    s = np.sqrt(1 - q * q)
    norm = special.ndtr(jd)

    def average(f):
        pts = [-jd, jd / q] if q > 0 else [-jd]
        val, _ = integrate.quad(lambda u: f(u) * np.exp(-u * u / 2) / np.sqrt(2 * np.pi),
                                -jd, jd + 40, points=pts[1:], limit=400,
                                epsabs=1e-14, epsrel=1e-12)
        return val / norm

    def log_b(u):
        return special.log_ndtr((jd + q * u) / s)

    def log_a(u):
        return special.log_ndtr((jd - q * u) / s)

    def slope(mu):
        return average(lambda u: special.expit(mu + log_a(u) - log_b(u))) - d

    mu = optimize.brentq(slope, -200, 200, xtol=1e-14)
    return average(lambda u: np.logaddexp(log_b(u), mu + log_a(u))) - mu * d


@pytest.mark.parametrize("q, jd", [(0.3, 0.5), (0.9, 0.5), (0.99, 1.0), (0.6, 2.0), (0.95, 0.2)])
def test_quenched_potential_against_scipy(q, jd):
    assert theory.franz_parisi_quenched(q, jd) == pytest.approx(_quenched_by_scipy(q, jd),
                                                                rel=1e-8, abs=1e-12)


def test_quenched_potential_is_a_tighter_bound():
    q = np.linspace(-0.999, 0.999, 81)[:, None]
    jd = np.array([0.0, 0.3, 1.0, 2.0])[None, :]
    quenched = theory.franz_parisi_quenched(q, jd)
    annealed = theory.franz_parisi(q, jd)
    assert np.all(quenched <= annealed + 1e-12)
    np.testing.assert_allclose(theory.franz_parisi_quenched(0.0, jd), theory.complexity(jd),
                               rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(quenched, theory.franz_parisi_quenched(-q, jd), atol=1e-11)
    assert np.all(theory.franz_parisi_quenched(1.0, jd) == 0.0)
