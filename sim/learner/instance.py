"""A trained learner as an instance of the fixed-point tools of :mod:`sim`.

:meth:`sim.learner.Network.coupling_matrix` gives the hidden chain as one receiver-first
matrix M (L H, L H). The input enters the learner as a fixed external field b = W_in x on the
first layer; the tools of :mod:`sim` (``stabilities``, ``is_fixed_point``, ``free_fraction``,
``single_flip_neighbours``, ``hamming_ball_counts``, ``relax``, ``enumerate_fixed_points``)
take a matrix only, so the field is carried by one extra *input unit* u (index L H) held at
s_u = +1:

    M' = [[M, b], [0, 1]],   h_a = (M s)_a + b_a s_u,   h_u = s_u,

so u is stable whatever the hidden state and, with s_u = +1, the hidden fields are exactly
the learner's feedback-free fields. Fixed points of M' with s_u = +1 are the learner's fixed
points for input x; those with s_u = -1 are their mirror images (input -x), which is why
:func:`sim.enumerate_fixed_points`' first half (last unit +1) is the learner's set.
Per-neuron results (stabilities, free neurons) carry u last: drop it. Counts over flips
(``single_flip_neighbours``, ``hamming_ball_counts``) also try flips of u, which give fixed
points only if the hidden state is stable under the reversed input field -b as well (the
caller can check that case directly with ``is_fixed_point``).
"""

from __future__ import annotations

import numpy as np

from sim.learner.model import Network
from sim.learner.relaxation import State, input_field


def with_input(net: Network, x: np.ndarray) -> np.ndarray:
    """M' of the module docstring for one input x (N,) of +-1: (L H + 1, L H + 1) float64."""
    x = np.asarray(x)
    if x.ndim != 1:
        raise ValueError(f"x must be one input of shape ({net.n_inputs},), got {x.shape}")
    m = net.coupling_matrix()
    n = m.shape[0]
    out = np.zeros((n + 1, n + 1))
    out[:n, :n] = m
    out[:net.config.hidden, n] = input_field(net, x[None, :])[0]
    out[n, n] = 1.0
    return out


def chain_states(state: State, input_unit: bool = True) -> np.ndarray:
    """The learner's batch state as int8 rows (B, L H [+ 1]) in the index order of
    ``coupling_matrix`` (layer-major), with the input unit (+1) appended by default."""
    if any(not np.all(np.abs(s) == 1) for s in state.s):
        raise ValueError("state must be relaxed (every hidden spin +-1)")
    rows = np.concatenate(state.s, axis=1).astype(np.int8)
    if input_unit:
        rows = np.concatenate([rows, np.ones((rows.shape[0], 1), np.int8)], axis=1)
    return rows
