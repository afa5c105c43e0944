r"""Simulated annealing towards a fixed point of one coupling matrix.

Energy: the number of neurons that are not strictly stable,

.. math:: E(s) = \#\{i : s_i h_i \le 0\},\qquad h_i = \sum_j J_{ij} s_j

(self-coupling included), so E = 0 exactly at the strict FPs of
:func:`sim.stability.is_fixed_point`. Metropolis single-spin flips at inverse temperature
beta: a proposal flips a uniformly random neuron j and is accepted with probability
:math:`\min(1, e^{-\beta \Delta E})`. :math:`\Delta E` is exact and costs O(n): flipping j
changes every stability, :math:`s_i h_i \to s_i h_i - 2 s_i s_j J_{ij}` for i != j and
:math:`s_j h_j \to -s_j h_j + 2 J_{jj}`, read from one contiguous column of J (rows of
:math:`J^T`); accepted flips update the fields :math:`h \mathrel{+}= -2 s_j J_{:,j}`.
The schedule is a list of betas, each held for ``sweeps_per_beta`` sweeps of n proposals; the
run stops at the first E = 0 and otherwise ends with a zero-temperature asynchronous
relaxation (:func:`sim.dynamics.relax`).

Observed (default schedule, 300 sweeps): this energy is glassy under single flips; at
n = 200-1000 and J_D = 0.3-0.6 the annealing itself stalls at E ~ 5-70 and the FPs it returns
come from the zero-temperature finish, at about the rate of plain asynchronous dynamics
(n = 1000, J_D = 0.6: 2 of 3 instances vs 31 of 40 async runs; J_D = 0.5: none, like async).
Longer schedules (up to 20,000 sweeps) lower E but did not reach 0 at J_D = 0.3, n = 200.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from numpy.typing import ArrayLike

from sim._kernels import column_major, delta_energy, exact_fields, flip
from sim.dynamics import relax
from sim.stability import is_fixed_point
from sim.validation import (
    as_couplings,
    as_spins,
    generator,
    real_array,
    whole_number,
)


@dataclass(frozen=True)
class Annealing:
    """Outcome of :func:`anneal`.

    state: final configuration (n,) int8.
    found: the state is a verified strict FP of J.
    energy: E after each annealing sweep (before the zero-temperature finish).
    sweeps: annealing sweeps performed (n proposals each).
    finish_sweeps: sweeps of the zero-temperature finish (0 if annealing reached E = 0).
    """

    state: np.ndarray
    found: bool
    energy: np.ndarray
    sweeps: int
    finish_sweeps: int


@numba.njit(cache=True)
def _energy(s, h):
    e = 0
    for i in range(s.size):
        if s[i] * h[i] <= 0.0:
            e += 1
    return e


@numba.njit(cache=True)
def _metropolis(JT, s, h, betas, sweeps_per_beta, seed, trace):
    """Metropolis on E = #{s_i h_i <= 0}, in place on s, h; stops at E = 0.
    trace[t] = E after sweep t; returns the number of sweeps done."""
    n = s.size
    np.random.seed(seed)
    energy = _energy(s, h)
    t = 0
    for beta in betas:
        for _ in range(sweeps_per_beta):
            for _ in range(n):
                j = int(np.random.random() * n)
                delta = delta_energy(JT, s, h, j)
                if delta <= 0 or np.random.random() < np.exp(-beta * delta):
                    flip(JT, s, h, j)
                    energy += delta
            trace[t] = energy
            t += 1
            if energy == 0:
                return t
    return t


def anneal(
    J: ArrayLike,
    rng: np.random.Generator,
    s0: ArrayLike | None = None,
    betas: ArrayLike | None = None,
    sweeps_per_beta: int = 5,
    finish_sweeps: int = 1000,
) -> Annealing:
    r"""Simulated annealing on :math:`E(s) = \#\{i: s_i h_i \le 0\}`, then a T = 0 finish.

    Args:
        J: (n, n) couplings.
        rng: random generator.
        s0: start (n,) +-1; uniformly random if None.
        betas: increasing inverse temperatures (>= 0); default ``np.geomspace(0.3, 10, 60)``.
        sweeps_per_beta: sweeps (n proposals each) at every beta.
        finish_sweeps: budget of the final asynchronous zero-temperature relaxation.
    Returns:
        :class:`Annealing`; ``found`` is checked with :func:`sim.stability.is_fixed_point`.
    """
    J64 = as_couplings(J).astype(np.float64, copy=False)
    n = J64.shape[0]
    rng = generator(rng)
    if s0 is None:
        s = np.where(rng.random(n) < 0.5, 1, -1).astype(np.int8)
    else:
        s = as_spins(s0, n, "s0")
        if s.ndim != 1:
            raise ValueError(f"s0 must have shape ({n},)")
        s = s.copy()
    betas = real_array("betas", np.geomspace(0.3, 10.0, 60) if betas is None else betas,
                       lower=0.0)
    if betas.ndim != 1 or betas.size == 0:
        raise ValueError("betas must be a non-empty 1-d array")
    sweeps_per_beta = whole_number("sweeps_per_beta", sweeps_per_beta, lower=1)
    finish_sweeps = whole_number("finish_sweeps", finish_sweeps, lower=0)
    h = exact_fields(J64, s)[0]
    trace = np.zeros(betas.size * sweeps_per_beta, np.int64)
    seed = int(rng.integers(0, 2**31 - 1))
    sweeps = _metropolis(column_major(J64), s, h, betas, sweeps_per_beta,
                         seed, trace)
    extra = 0
    if not is_fixed_point(J64, s):
        result = relax(J64, s, rule="async", max_sweeps=finish_sweeps, rng=rng)
        s, extra = result.state, result.sweeps
    return Annealing(s, is_fixed_point(J64, s), trace[:sweeps], sweeps, extra)
