"""Gaussian building blocks against 50-digit mpmath references and exact identities."""

from __future__ import annotations

import mp_reference as ref
import mpmath as mp
import numpy as np
import pytest
from conftest import as_float, significant_digits_error
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from theory.gaussian import log_ndtr_diff, log_orthant, log_p2, owens_t


def _table(mp_table, kind):
    rows = mp_table[kind]
    args = np.array([r["args"] for r in rows], dtype=float)
    want = np.array([as_float(r["value"]) for r in rows])
    return args, want


def test_log_p2_matches_mpmath_to_12_digits(mp_table):
    """a in {0 .. 5}, rho in [-1, 1] including 1 -+ 1e-12 and both ends: 91 values."""
    args, want = _table(mp_table, "log_p2")
    got = log_p2(args[:, 0], args[:, 1])
    assert np.max(significant_digits_error(got, want)) < 1e-11


def test_log_orthant_matches_mpmath_including_tails(mp_table):
    """Unequal thresholds h in [-4, 5], k in [-3, 6], |rho| up to 1 - 1e-10: 330 values,
    log-probabilities from -1e11 to -1e-9."""
    args, want = _table(mp_table, "log_orthant")
    got = log_orthant(args[:, 0], args[:, 1], args[:, 2])
    assert np.max(significant_digits_error(got, want)) < 1e-11


def test_reference_table_matches_its_recipe():
    """Recompute a few table entries live, so the stored table cannot drift from the recipe."""
    assert float(ref.log_orthant(2.5, 2.5, -0.9)) == pytest.approx(
        float(log_p2(2.5, -0.9)), rel=1e-12
    )
    assert float(ref.log_orthant(-1.0, 3.0, 0.8)) == pytest.approx(
        float(log_orthant(-1.0, 3.0, 0.8)), rel=1e-12
    )


@pytest.mark.parametrize("h", [0.0, 0.5, 3.0, 5.0, 8.0])
@pytest.mark.parametrize("a", [1e-9, 1e-6, 3e-4, 0.01, 0.5, 2.0])
def test_owens_t_relative_accuracy(h, a):
    """Including tiny a, where scipy alone loses ~8 digits (the series branch)."""
    want = ref.owens_t(h, a)
    assert abs(owens_t(h, a) / float(want) - 1) < 1e-13


def test_log_ndtr_diff_matches_mpmath():
    lo = np.array([-40.0, -3.0, 0.0, 1.0, 5.0, 30.0, 2.0])
    hi = np.array([-39.0, 2.0, 1e-8, 1.0 + 1e-9, 6.0, 31.0, 2.0])
    got = log_ndtr_diff(lo, hi)
    for g, a, b in zip(got, lo, hi):
        # both CDF values taken in the lower tail, where 50 digits resolve the difference
        diff = mp.ncdf(-a) - mp.ncdf(-b) if a > 0 else mp.ncdf(b) - mp.ncdf(a)
        want = mp.log(diff) if b > a else -mp.inf
        assert significant_digits_error(g, float(want)) < 1e-12


def test_p2_limits_are_exact():
    a = np.array([0.0, 0.3, 2.0, 5.0])
    np.testing.assert_allclose(log_p2(a, 1.0), special.log_ndtr(a), rtol=1e-15)
    want = np.log1p(-special.erfc(a[1:] / np.sqrt(2)))  # ln(2 Phi(a) - 1), a >= 0.3
    assert log_p2(0.0, -1.0) == -np.inf
    np.testing.assert_allclose(log_p2(a[1:], -1.0), want, rtol=1e-12)
    # independent standard normals: P2 = Phi(a)^2
    np.testing.assert_allclose(log_p2(a, 0.0), 2 * special.log_ndtr(a), rtol=1e-14)
    # Sheppard's formula at a = 0: P2 = 1/4 + arcsin(rho)/(2 pi)
    rho = np.linspace(-0.99, 0.99, 23)
    np.testing.assert_allclose(
        log_p2(0.0, rho), np.log(0.25 + np.arcsin(rho) / (2 * np.pi)), rtol=1e-13
    )


@settings(max_examples=200, deadline=None)
@given(
    h=st.floats(-6, 6),
    k=st.floats(-6, 6),
    rho=st.floats(-0.999, 0.999),
)
def test_orthant_symmetry_and_complement(h, k, rho):
    """Symmetry in (h, k), and P(X>-h, Y>-k) + P(X>-h, Y<-k) = Phi(h)."""
    assert log_orthant(h, k, rho) == pytest.approx(float(log_orthant(k, h, rho)), rel=1e-11,
                                                   abs=1e-13)
    total = np.exp(log_orthant(h, k, rho)) + np.exp(log_orthant(h, -k, -rho))
    assert total == pytest.approx(special.ndtr(h), rel=1e-11, abs=1e-14)


@settings(max_examples=100, deadline=None)
@given(a=st.floats(0, 6), rho=st.floats(-1, 1))
def test_closed_form_p2_agrees_with_quadrature(a, rho):
    """Owen's-T closed form (a >= 0) against the independent quadrature of log_orthant."""
    assert log_p2(a, rho) == pytest.approx(float(log_orthant(a, a, rho)), rel=1e-11, abs=1e-15)


@pytest.mark.parametrize(
    "call",
    [
        lambda: log_p2(np.nan, 0.2),
        lambda: log_p2(0.5, 1.5),
        lambda: log_orthant(0.5, 0.2, -1.01),
        lambda: log_orthant("x", 0.2, 0.1),
    ],
)
def test_bad_input_raises(call):
    with pytest.raises(ValueError):
        call()
