"""Bootstrap errors of measured thresholds and their drift fits, against exact expectations."""

import numpy as np
import pytest

from paper_repro.figures._thresholds import (
    bootstrap_threshold,
    drift_curve,
    threshold_drift,
)


def test_deterministic_runs_leave_only_the_grid_resolution():
    """Runs that jump from all-fail to all-succeed between two grid points: no bootstrap
    spread, the crossing is known only to lie in the bracket, error = width / sqrt(12)."""
    jds = np.array([0.1, 0.2, 0.3, 0.4])
    found = [[False] * 8, [False] * 8, [True] * 8, [True] * 8]
    out = bootstrap_threshold(jds, found, np.random.default_rng(0), resamples=200)
    assert out["estimate"] == pytest.approx(0.25)  # interpolated between 0 and 1
    assert out["bootstrap_error"] == 0.0 and out["crossing_fraction"] == 1.0
    assert out["grid_error"] == pytest.approx(0.1 / np.sqrt(12), rel=1e-12)
    assert out["error"] == pytest.approx(out["grid_error"], rel=1e-12)
    assert np.isnan(out["upper_bound"])


def test_threshold_below_the_grid_is_an_upper_bound_not_the_edge():
    jds = np.array([0.3, 0.35, 0.4])
    out = bootstrap_threshold(jds, [[True] * 12] * 3, np.random.default_rng(4), resamples=50)
    assert np.isnan(out["estimate"]) and np.isnan(out["error"])
    assert out["upper_bound"] == 0.3 and out["crossing_fraction"] == 0.0


def test_bootstrap_spread_matches_the_delta_method():
    """Two grid points with success probabilities 0.3 and 0.7 and R runs each: the crossing
    J = J0 + dJ (0.5 - p0) / (p1 - p0) has, to first order, the standard deviation
    dJ sqrt(sum_k [(dJ/dp_k)/dJ]^2 p_k (1 - p_k) / R) with d/dp0 = -(p1 - 1/2)/(p1 - p0)^2,
    d/dp1 = -(1/2 - p0)/(p1 - p0)^2. With R = 400 the bootstrap SD agrees within 10 %
    (2000 resamples: Monte Carlo error of the SD ~2 %; the data are exactly at p0, p1)."""
    runs = 400
    p0, p1, d_jd = 0.3, 0.7, 0.1
    found = [np.arange(runs) < p0 * runs, np.arange(runs) < p1 * runs]
    out = bootstrap_threshold(np.array([0.5, 0.5 + d_jd]), found, np.random.default_rng(1))
    assert out["estimate"] == pytest.approx(0.55)
    g0, g1 = -(p1 - 0.5) / (p1 - p0) ** 2, -(0.5 - p0) / (p1 - p0) ** 2
    delta = d_jd * np.sqrt((g0 ** 2 * p0 * (1 - p0) + g1 ** 2 * p1 * (1 - p1)) / runs)
    assert out["bootstrap_error"] == pytest.approx(delta, rel=0.10)
    assert out["error"] == pytest.approx(np.hypot(out["bootstrap_error"], d_jd / np.sqrt(12)))
    assert out["low"] < 0.55 < out["high"]


def test_no_crossing_is_reported_not_invented():
    out = bootstrap_threshold(np.array([0.1, 0.2]), [[False] * 5, [False] * 5],
                              np.random.default_rng(2), resamples=50)
    assert np.isnan(out["estimate"]) and np.isnan(out["error"])
    assert out["crossing_fraction"] == 0.0
    with pytest.raises(ValueError, match="grid points"):
        bootstrap_threshold(np.array([0.1]), [[True], [False]], np.random.default_rng(3))


def test_drift_fits_recover_the_models_they_were_made_from():
    n = np.array([250, 500, 1000, 2000, 4000, 8000, 16000], float)
    error = np.full(n.size, 0.01)
    log_fit = threshold_drift(n, 0.1 + 0.07 * np.log(n), error)["logarithmic"]
    assert log_fit["params"] == pytest.approx([0.1, 0.07], abs=1e-8)
    assert log_fit["chi2"] == pytest.approx(0.0, abs=1e-12) and log_fit["dof"] == 5
    # a + b ln N with weights 1/sigma^2: the parameter errors are those of linear regression
    x = np.log(n)
    sxx = np.sum((x - x.mean()) ** 2)
    assert log_fit["errors"][1] == pytest.approx(0.01 / np.sqrt(sxx), rel=1e-6)
    values = 0.8 - 2.0 * n ** -0.5
    drift = threshold_drift(n, values, error)
    assert drift["saturating"]["params"] == pytest.approx([0.8, 2.0, 0.5], rel=1e-5)
    assert drift_curve(drift["saturating"], "saturating", n) == pytest.approx(values)
    # sizes without a threshold are left out, not fitted as zeros
    values_gap = np.where(n == 250, np.nan, values)
    assert threshold_drift(n, values_gap, error)["used"] == n[1:].tolist()
