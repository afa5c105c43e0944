"""Dense clusters: gap bookkeeping on branch tables, and (slow) the traced branches against
the small-d limit, the earlier fixed-start solutions and the classification of J_D."""

from __future__ import annotations

import numpy as np
import pytest

import theory
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
