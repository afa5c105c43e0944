"""Fixed points on instances: coupling ensembles, exact enumeration, dynamics, samplers,
cluster diagnostics, message passing, and the steering learner (``sim.learner``) with its
data (``sim.data``)."""
from sim.annealing import Annealing, anneal
from sim.clusters import (
    distance_profiles,
    free_fraction,
    hamming_ball_counts,
    local_stabilities,
    overlaps,
    sampled_shell_counts,
    single_flip_neighbours,
)
from sim.couplings import chain_couplings, random_couplings
from sim.dynamics import BatchRelaxation, Relaxation, relax, relax_many
from sim.enumeration import (
    MAX_SIZE,
    count_fixed_points,
    enumerate_fixed_points,
    estimated_fixed_points,
    minimum_stabilities,
    pair_distance_histogram,
)
from sim.message_passing import BPResult, BPSolve, belief_propagation, bp_solve
from sim.replicated import Replicated, replicated_relax
from sim.stability import free_neurons, is_fixed_point, stabilities
