"""The statistics helpers behind the reported numbers, against hand-computed values:
threshold crossings, binomial and sample standard errors, the bootstrap of the second-moment
ratio, and the pooling of sweep results by parameters."""

from __future__ import annotations

import numpy as np
import pytest

from paper_repro.figures._dynamics import binomial_error, half_crossing
from paper_repro.figures._instances import log_mean_per_neuron, mean_and_error
from paper_repro.figures.second_moment import ratio_with_bootstrap
from paper_repro.sweep import Task, matching, pooled

JDS = np.array([0.0, 1.0, 2.0, 3.0])


@pytest.mark.parametrize(("prob", "want"), [
    ([0.0, 0.2, 0.6, 1.0], 1.75),        # 1 + (0.5 - 0.2) / (0.6 - 0.2)
    ([0.0, 0.5, 0.7, 1.0], 1.0),         # reaches 1/2 exactly at a grid point
    ([0.0, 0.6, 0.2, 0.9], 0.5 / 0.6),   # the first crossing counts, not a later one
    ([0.7, 0.8, 0.9, 1.0], 0.0),         # above 1/2 from the start: the first grid point
])
def test_half_crossing(prob, want):
    assert half_crossing(JDS, prob) == pytest.approx(want, rel=1e-15)


def test_half_crossing_never_reached_is_nan():
    assert np.isnan(half_crossing(JDS, [0.0, 0.1, 0.2, 0.49]))


def test_binomial_error():
    got = binomial_error([0.5, 0.1, 0.0, 1.0], 10)
    # sqrt(p(1-p)/10): 0.1581..., 0.0948...; p = 0 or 1 floored at 1/(2*10)
    np.testing.assert_allclose(got, [np.sqrt(0.025), np.sqrt(0.009), 0.05, 0.05], rtol=1e-15)
    assert binomial_error(0.5, 100) == pytest.approx(0.05, rel=1e-15)


def test_mean_and_error():
    mean, err = mean_and_error([1.0, 2.0, 3.0, 4.0])
    assert mean == 2.5
    assert err == pytest.approx(np.sqrt(5 / 3) / 2, rel=1e-15)  # s = sqrt(5/3), SE = s/sqrt(4)
    mean, err = mean_and_error([[1.0, 10.0], [3.0, 10.0]])  # per column (axis 0)
    np.testing.assert_array_equal(mean, [2.0, 10.0])
    np.testing.assert_allclose(err, [1.0, 0.0], atol=1e-15)  # s = sqrt(2), SE = s/sqrt(2)


def test_log_mean_per_neuron():
    counts = np.array([[2.0, 0.0], [6.0, 0.0]])
    got, err = log_mean_per_neuron(counts, n=4)
    assert got[0] == pytest.approx(np.log(4.0) / 4, rel=1e-15)
    assert err[0] == pytest.approx(2.0 / (4 * 4.0), rel=1e-15)  # SE = 2, delta method SE/(n m)
    assert np.isnan(got[1]) and np.isnan(err[1])  # no instance had a fixed point


def test_ratio_with_bootstrap_exact_cases():
    constant = np.full((50, 3), 7.0)
    ratio, spread = ratio_with_bootstrap(constant, np.random.default_rng(0), resamples=40)
    np.testing.assert_array_equal(ratio, [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(spread, [0.0, 0.0, 0.0])
    ratio, _ = ratio_with_bootstrap(np.array([[0.0], [2.0], [4.0]]), np.random.default_rng(0),
                                    resamples=10)
    assert ratio[0] == pytest.approx((0 + 4 + 16) / 3 / 2.0**2, rel=1e-15)  # 20/12


def test_ratio_with_bootstrap_spread_of_a_two_point_sample():
    """Counts {0, 2}: a resample is (0, 0) (ratio undefined, dropped), mixed (ratio 2) or
    (2, 2) (ratio 1); given defined, mixed has probability 2/3, so the bootstrap standard
    deviation tends to sqrt(2/9) = 0.4714. With 20,000 resamples its sampling error is
    ~0.002; tolerance 0.01."""
    counts = np.array([[0.0], [2.0]])
    ratio, spread = ratio_with_bootstrap(counts, np.random.default_rng(3), resamples=20_000)
    assert ratio[0] == 2.0
    assert spread[0] == pytest.approx(np.sqrt(2 / 9), abs=0.01)


TASKS = [Task(f"n={n}/jd={jd}", {"n": n, "jd": jd}) for n in (10, 12) for jd in (0.5, 1.0)]
RESULTS = [{"counts": [[k, k + 1]] * (k + 1)} for k in range(4)]  # task k: k+1 instances


def test_matching_selects_in_task_order():
    assert matching(TASKS, RESULTS, n=12) == [RESULTS[2], RESULTS[3]]
    assert matching(TASKS, RESULTS, jd=1.0) == [RESULTS[1], RESULTS[3]]
    assert matching(TASKS, RESULTS, n=10, jd=1.0) == [RESULTS[1]]
    assert matching(TASKS, RESULTS, n=99) == []
    assert matching(TASKS, RESULTS) == RESULTS


def test_pooled_concatenates_instances_as_float():
    got = pooled(TASKS, RESULTS, "counts", jd=1.0)  # tasks 1 (2 instances) and 3 (4)
    assert got.dtype == float and got.shape == (6, 2)
    np.testing.assert_array_equal(got, [[1, 2]] * 2 + [[3, 4]] * 4)
    assert pooled(TASKS, RESULTS, "counts", n=99).shape == (0,)
