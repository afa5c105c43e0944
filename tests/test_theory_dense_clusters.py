"""Dense clusters: gap bookkeeping on branch tables, and (slow) the traced branches against
the small-d limit, the earlier fixed-start solutions and the classification of J_D."""

from __future__ import annotations

import numpy as np
import pytest

import theory
from theory.counting import binary_entropy
from theory.dense_clusters import BranchStructure, _gaps, _positive_intervals


def test_positive_parts_and_gaps_of_branch_tables():
    """A branch positive up to d = 0.01 and negative beyond, and a second one negative below
    d = 0.04 and positive above: the gap is (0.01, 0.04) (linear interpolation in ln d)."""
    d = np.geomspace(1e-6, 0.49, 60)
    ln = np.log(d)
    first = np.column_stack([d, np.log(0.01) - ln, np.ones_like(d)])
    second = np.column_stack([d, ln - np.log(0.04), np.ones_like(d)])
    pieces = _positive_intervals(first)
    assert np.exp(max(hi for _, hi in pieces)) == pytest.approx(0.01, rel=1e-9)
    gaps = _gaps(BranchStructure(0.1, [first, second], [[], []], ["top", "top"]))
    assert len(gaps) == 1
    np.testing.assert_allclose(gaps[0], (0.01, 0.04), rtol=1e-9)
    # overlapping positive parts leave no gap
    third = np.column_stack([d, np.log(0.05) - ln, np.ones_like(d)])
    assert _gaps(BranchStructure(0.1, [third, second], [[], []], ["top", "top"])) == []


@pytest.mark.slow
def test_large_self_coupling_is_dense_and_matches_earlier_solutions():
    """J_D = 0.5: one branch, S* increasing, positive, approaching d ln(nu*/d) + d at small d;
    at d >= 0.02 the values found earlier from the large-d side (LOCAL_ENTROPY.md section 9)."""
    phase = theory.cluster_phase(0.5)
    assert phase.phase == "dense" and phase.gap is None
    curve = theory.zero_complexity_curve(np.array([1e-6, 0.02, 0.1, 0.3]), 0.5)
    limit = float(theory.small_distance_local_entropy(1e-6, 0.5))
    assert curve.local_entropy[0] == pytest.approx(limit, rel=1e-3)
    np.testing.assert_allclose(curve.local_entropy[1:], [0.07950, 0.19467, 0.29929], atol=1e-5)
    assert np.all(np.diff(curve.local_entropy) > 0)


@pytest.mark.slow
def test_small_self_coupling_is_gapped_and_larger_is_not():
    assert theory.cluster_phase(0.045).phase == "gapped"
    assert theory.cluster_phase(0.08).phase != "gapped"


def test_inside_the_gap_only_collapsed_solutions_remain():
    """J_D = 0.04 (gapped): the small-d branch collapses near d = 0.0064 and the large-d
    branch turns back (fold) near 0.026, so at d = 0.01 and 0.02 no RS solution exists
    except collapsed ones: S* = 0 by convention (LOCAL_ENTROPY.md section 11), flagged, and
    the same d lies inside the gap of cluster_phase. Outside it S* is a converged saddle."""
    d = np.array([0.001, 0.01, 0.02, 0.1])
    curve = theory.zero_complexity_curve(d, 0.04)
    np.testing.assert_array_equal(curve.collapsed, [False, True, True, False])
    np.testing.assert_array_equal(curve.n_solutions[1:3], [0, 0])
    assert np.all(curve.local_entropy[1:3] == 0.0) and np.all(np.isinf(curve.y_star[1:3]))
    for k in (0, 3):
        assert curve.saddles[k].residual < 1e-9
        assert curve.local_entropy[k] == curve.saddles[k].local_entropy
    np.testing.assert_array_equal(theory.local_entropy(d, 0.04), curve.local_entropy)
    lo, hi = theory.cluster_phase(0.04).gap
    assert lo < 0.01 and 0.02 < hi
    with pytest.raises(ValueError, match="collapsed"):
        theory.zero_complexity_saddle(0.01, 0.04)


def test_primary_is_the_largest_zero_complexity_entropy():
    """J_D = 0.0521 (the critical self-coupling), d = 0.03: three zero-complexity RS
    solutions - the nearly collapsed small-d branch (S* ~ 1.9e-4 > 0, q1 -> 1) and two of
    the S-shaped large-d branch (S < 0). The primary is the largest S (the branch rule of
    section 11; the unfrozen phi(y) of a branch beyond its own y* is not compared), which
    is also what the gap classification counts: S* > 0 here, no gap."""
    curve = theory.zero_complexity_curve(np.array([0.03]), 0.0521)
    assert curve.n_solutions[0] == 3
    sol = curve.saddles[0]
    assert sol.residual < 1e-9 and abs(sol.reference_complexity) < 1e-8
    assert 1e-4 < curve.local_entropy[0] < 3e-4
    assert curve.other_entropy[0] < 0 < curve.local_entropy[0]
    assert sol.q1 > 0.999


@pytest.mark.slow
def test_local_entropy_answers_on_its_whole_domain():
    """Every (d, J_D) on a grid of [1e-5, 1/2] x [0.03, 2] gives a finite S* (converged
    saddle, the near-1/2 expansion, or the collapsed-gap convention S* = 0), no larger than
    the ball entropy H_2(d) of all configurations at distance d."""
    d = np.array([1e-5, 1e-3, 0.01, 0.03, 0.1, 0.3, 0.47, 0.5])
    for jd in (0.03, 0.045, 0.055, 0.065, 0.07, 0.2, 0.6, 0.9, 2.0):
        s = theory.local_entropy(d, jd)
        assert np.all(np.isfinite(s)), jd
        assert np.all(s <= binary_entropy(d) + 1e-12), jd
