"""Closed-form fixed-point counting for random asymmetric binary networks with self-coupling."""
from theory.chain import chain_complexity
from theory.counting import (
    complexity,
    free_configuration_complexity,
    free_configuration_threshold,
    free_fraction,
    log_expected_fixed_points,
    log_expected_pairs,
    pair_entropy,
    second_moment_ratio,
)
from theory.dense_clusters import (
    ClusterPhase,
    DenseClusterThreshold,
    branch_structure,
    cluster_phase,
    dense_cluster_threshold,
    zero_complexity_curve,
)
from theory.franz_parisi import (
    OverlapGap,
    franz_parisi,
    franz_parisi_at_distance,
    franz_parisi_quenched,
    franz_parisi_small_distance,
    overlap_gap,
    small_distance_coefficients,
)
from theory.gaussian import log_orthant, log_p2, owens_t
from theory.local_entropy import (
    HalfDistanceExpansion,
    LocalEntropySaddle,
    densest_free_fraction,
    half_distance_expansion,
    local_entropy,
    local_entropy_saddle,
    near_half_local_entropy,
    replicon_eigenvalue,
    small_distance_local_entropy,
    zero_complexity_saddle,
)
from theory.margin import (
    critical_margin,
    franz_parisi_margin,
    franz_parisi_margin_at_distance,
    margin_dense_threshold,
)
