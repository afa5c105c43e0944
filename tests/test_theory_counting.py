"""First and second moments of the number of fixed points."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import as_float, significant_digits_error
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

import theory


def _rows(mp_table, kind):
    rows = mp_table[kind]
    args = np.array([r["args"] for r in rows], float)
    return args, np.array([as_float(r["value"]) for r in rows])


def test_complexity_matches_mpmath(mp_table):
    args, want = _rows(mp_table, "complexity")
    got = theory.complexity(args[:, 0], args[:, 1])
    assert np.max(significant_digits_error(got, want)) < 1e-13


def test_pair_entropy_matches_mpmath_to_12_digits(mp_table):
    """117 values: jd in [0, 5], q in [-1, 1] with both ends and 1 - 1e-12."""
    args, want = _rows(mp_table, "pair_entropy")
    got = theory.pair_entropy(args[:, 0], args[:, 1])
    assert np.all(np.isfinite(got))
    # plain relative error, also where Sigma2 is tiny (q ~ 1e-9 at jd = 0: -6.6e-20)
    assert np.max(significant_digits_error(got, want)) < 1e-12


def test_log_expected_pairs_matches_mpmath(mp_table):
    """n = 2, 3, 20 (every k), 1000 and 10^6 (k = 0, 1, 2, n/3, n/2, n-2, n-1, n)."""
    args, want = _rows(mp_table, "log_expected_pairs")
    got = theory.log_expected_pairs(args[:, 0], args[:, 1], args[:, 2])
    assert np.array_equal(np.isinf(got), np.isinf(want))  # k = 1 at jd = 0 only
    assert np.max(significant_digits_error(got, want)) < 1e-12


def test_identities_of_pair_entropy():
    jd = np.linspace(0.0, 5.0, 26)
    sigma = theory.complexity(jd)
    np.testing.assert_allclose(theory.pair_entropy(0.0, jd), 2 * sigma, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(theory.pair_entropy(1.0, jd), sigma, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(theory.pair_entropy(-1.0, jd), sigma, rtol=1e-14, atol=1e-15)


@settings(max_examples=200, deadline=None)
@given(q=st.floats(-1, 1), jd=st.floats(0, 5))
def test_pair_entropy_is_even(q, jd):
    assert theory.pair_entropy(q, jd) == pytest.approx(float(theory.pair_entropy(-q, jd)),
                                                       rel=1e-13, abs=1e-15)


@pytest.mark.parametrize("n", [2, 3, 10, 1000, 10**6])
def test_one_fixed_point_on_average_at_zero_self_coupling(n):
    assert theory.log_expected_fixed_points(n, 0.0) == 0.0


def test_no_overflow_at_a_million_neurons():
    k = np.array([0, 1, 500_000, 999_999, 1_000_000])
    values = theory.log_expected_pairs(10**6, k, 5.0)
    assert np.all(np.isfinite(values))
    assert values[0] == pytest.approx(float(theory.log_expected_fixed_points(10**6, 5.0)),
                                      rel=1e-15)
    assert theory.log_expected_fixed_points(10**6, 5.0) == pytest.approx(
        10**6 * (np.log(2) + special.log_ndtr(5.0 * np.sqrt(10**6 / (10**6 - 1)))), rel=1e-15
    )


def test_pairs_at_distance_zero_are_the_fixed_points():
    n, jd = np.array([5, 40, 700]), 0.8
    np.testing.assert_allclose(theory.log_expected_pairs(n, 0, jd),
                               theory.log_expected_fixed_points(n, jd), rtol=1e-14)
    # distance n: the pairs (s, -s), whose stabilities are perfectly correlated again
    np.testing.assert_allclose(theory.log_expected_pairs(n, n, jd),
                               theory.log_expected_fixed_points(n, jd), rtol=1e-14)


@pytest.mark.parametrize("jd", [0.0, 0.2, 1.0])
def test_second_moment_of_two_neurons_by_hand(jd):
    """N = 2: with x = J12, y = J21 ~ N(0, 1/2), Z = 2 1[x, y > -J] + 2 1[x, y < J], so
    E[Z^2] = 8 Phi(a)^2 + 8 (2 Phi(a) - 1)^2, a = J sqrt 2, and E[Z] = 4 Phi(a)^2."""
    a = jd * np.sqrt(2)
    phi = special.ndtr(a)
    want = (8 * phi**2 + 8 * (2 * phi - 1) ** 2) / (4 * phi**2) ** 2
    assert theory.second_moment_ratio(2, jd) == pytest.approx(want, rel=1e-13)


def test_second_moment_ratio_limit_and_its_approach():
    """The exact finite-N ratio approaches the Laplace limit like 1/N."""
    jd = np.array([0.0, 0.1, 0.5, 1.0, 2.0])
    limit = theory.second_moment_ratio(np.inf, jd)
    gap_4 = theory.second_moment_ratio(10**4, jd) - limit
    gap_5 = theory.second_moment_ratio(10**5, jd) - limit
    assert np.all(np.abs(gap_5) < 2e-4)
    np.testing.assert_allclose(gap_4 / gap_5, 10.0, rtol=0.02)
    # J_D = 0: 2 + e^{-2/pi} / sqrt(1 - 4/pi + 4/pi^2)
    r2 = 2 / np.pi
    assert limit[0] == pytest.approx(2 + np.exp(-r2) / np.sqrt(1 - 2 * r2 + r2**2), rel=1e-14)
    assert np.all(limit[1:] < 2)  # bounded: the annealed complexity is the quenched one


def test_free_fraction_and_free_configurations():
    jd = np.array([0.0, 0.5, 1.0, 3.0])
    phi = special.ndtr(jd)
    np.testing.assert_allclose(theory.free_fraction(jd), (2 * phi - 1) / phi, rtol=1e-14)
    a20 = jd * np.sqrt(20 / 19)
    np.testing.assert_allclose(theory.free_fraction(jd, n=20),
                               (2 * special.ndtr(a20) - 1) / special.ndtr(a20), rtol=1e-14)
    threshold = theory.free_configuration_threshold()
    assert threshold == pytest.approx(0.6744897501960817, rel=1e-15)
    assert abs(theory.free_configuration_complexity(threshold)) < 1e-15
    assert theory.free_configuration_complexity(threshold - 1e-6) < 0
    assert theory.free_configuration_complexity(threshold + 1e-6) > 0
    assert theory.free_configuration_complexity(0.0) == -np.inf


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: theory.log_expected_fixed_points(-3, 0.5), "n"),
        (lambda: theory.log_expected_fixed_points(2.5, 0.5), "n"),
        (lambda: theory.log_expected_pairs(10, 11, 0.5), "k"),
        (lambda: theory.log_expected_pairs(10, -1, 0.5), "k"),
        (lambda: theory.pair_entropy(1.2, 0.5), "q"),
        (lambda: theory.pair_entropy(0.3, np.nan), "jd"),
        (lambda: theory.complexity(-0.1), "jd"),
        (lambda: theory.second_moment_ratio(1, 0.3), "n"),
        (lambda: theory.free_fraction(0.5, n=0), "n"),
    ],
)
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        call()


def test_grid_is_finite():
    """Sigma2 and V on a 10^4-point q grid for 50 values of jd are finite (speed: see
    ``python -m paper_repro bench --only theory``)."""
    q = np.linspace(-1, 1, 10_000)[None, :]
    jd = np.linspace(0, 5, 50)[:, None]
    assert np.isfinite(theory.pair_entropy(q, jd)).all()
    assert np.isfinite(theory.franz_parisi(q, jd)).all()
