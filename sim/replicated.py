r"""Replicated dynamics: y copies of a network coupled ferromagnetically.

Copy a = 1..y of the network (same couplings J) feels, besides its own field
:math:`h^a_i = \sum_j J_{ij} s^a_j`, the pull of the other copies,

.. math:: f^a_i = h^a_i + k \sum_{b \ne a} s^b_i ,

i.e. the chain of docs/model.md section 1 with all-to-all instead of nearest-neighbour coupling
between layers (the copies play the layers, k plays lambda). Zero-temperature asynchronous
updates :math:`s^a_i \leftarrow \mathrm{sign}(f^a_i)` (sign(0) = +1): every sweep visits the
copies in turn, each in a fresh random order. The strength k follows a schedule (one value per
sweep, normally increasing), so the copies first explore independently and are then driven
together. The fields of the ORIGINAL J are kept incrementally for every copy and for the centre
:math:`c_i = \mathrm{sign}(\sum_a s^a_i)` (majority; sign(0) = +1 for even y), and the run
stops after the first sweep at which a copy or the centre is a strict FP of J
(:math:`s_i h_i > 0` for all i, re-verified from scratch in float64).

With ``beta`` given the updates are instead Metropolis single flips at inverse temperature
beta on the replicated energy

.. math:: E_{rep} = \sum_a E(s^a) - k \sum_{a<b} \sum_i s^a_i s^b_i ,

E the number of not strictly stable neurons of :mod:`sim.annealing` (exact O(n) energy
differences), a replicated ("robust ensemble") simulated annealing; it stops when some copy
reaches E = 0. Either way, if no FP is found the copy of lowest E is finished by a
zero-temperature asynchronous relaxation.

Observed (n = 200, J_D = 0.3, 4 instances, y = 5-10 copies, 1000 sweeps): the
zero-temperature version locks the copies into a common state that is stable only thanks to
the pull k (a FP of J_D + k (y-1), not of J) and finds nothing; the Metropolis version at
beta = 1 brings the best copy to E = 1-2 and sometimes to a FP.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from numpy.typing import ArrayLike

from sim._kernels import column_major, delta_energy, exact_fields, flip, shuffle
from sim.dynamics import relax
from sim.stability import is_fixed_point, stabilities
from sim.validation import (
    as_couplings,
    as_spins,
    generator,
    real_array,
    whole_number,
)

CENTRE = -1  # value of Replicated.replica when the centre was the FP found


@dataclass(frozen=True)
class Replicated:
    """Outcome of :func:`replicated_relax`.

    state: the FP found (n,) int8, or the centre of the copies if none was found.
    found: ``state`` is a verified strict FP of J.
    replica: index of the copy that is the FP (or whose zero-temperature finish reached it),
        CENTRE (-1) for the centre, None if not found.
    sweeps: sweeps performed (each updates every copy once), plus those of the finish.
    replicas: final configurations of all copies (y, n) int8.
    """

    state: np.ndarray
    found: bool
    replica: int | None
    sweeps: int
    replicas: np.ndarray


@numba.njit(cache=True)
def _is_stable(s, h):
    for i in range(s.size):
        if s[i] * h[i] <= 0.0:
            return False
    return True


@numba.njit(cache=True)
def _replica_sweeps(JT, S, H, m, c, hc, ks, beta, seed):
    """Sweeps with k = ks[t], in place (zero temperature if beta < 0, else Metropolis);
    returns (sweeps done, a) with a = copy index that is a FP, -1 for the centre, -2 if
    none after all of ks."""
    y, n = S.shape
    np.random.seed(seed)
    order = np.arange(n)
    for t in range(ks.size):
        k = ks[t]
        for a in range(y):
            if beta < 0.0:
                shuffle(order)
            for q in range(n):
                i = order[q] if beta < 0.0 else int(np.random.random() * n)
                pull = k * (m[i] - S[a, i])
                if beta < 0.0:
                    move = (1 if H[a, i] + pull >= 0.0 else -1) != S[a, i]
                else:
                    delta = delta_energy(JT, S[a], H[a], i)
                    total = delta + 2.0 * S[a, i] * pull
                    move = total <= 0.0 or np.random.random() < np.exp(-beta * total)
                if move:
                    flip(JT, S[a], H[a], i)
                    m[i] += 2 * S[a, i]
                    cn = 1 if m[i] >= 0 else -1
                    if cn != c[i]:
                        flip(JT, c, hc, i)
        for a in range(y):
            if _is_stable(S[a], H[a]):
                return t + 1, a
        if _is_stable(c, hc):
            return t + 1, -1
    return ks.size, -2


def replicated_relax(
    J: ArrayLike,
    rng: np.random.Generator,
    replicas: int = 5,
    ks: ArrayLike | None = None,
    starts: ArrayLike | None = None,
    beta: float | None = None,
    finish_sweeps: int = 1000,
) -> Replicated:
    r"""Replicated dynamics (zero temperature, or Metropolis at ``beta``) until a copy or the
    centre is a FP of J.

    Args:
        J: (n, n) couplings.
        rng: random generator.
        replicas: number of copies y (>= 1).
        ks: replica coupling k at each sweep (>= 0; its length is the sweep budget);
            default ``np.linspace(0, 0.5, 500)``.
        starts: (y, n) +-1 initial copies; independent uniform random if None.
        beta: None for zero-temperature sign updates, else the Metropolis inverse temperature.
        finish_sweeps: budget of the zero-temperature asynchronous finish of the best copy
            when no FP was found (0: no finish).
    Returns:
        :class:`Replicated`.
    """
    J64 = as_couplings(J).astype(np.float64, copy=False)
    n = J64.shape[0]
    rng = generator(rng)
    y = whole_number("replicas", replicas, lower=1)
    ks = real_array("ks", np.linspace(0.0, 0.5, 500) if ks is None else ks, lower=0.0)
    if ks.ndim != 1:
        raise ValueError("ks must be a 1-d array")
    if starts is None:
        S = np.where(rng.random((y, n)) < 0.5, 1, -1).astype(np.int8)
    else:
        S = as_spins(starts, n, "starts")
        if S.shape != (y, n):
            raise ValueError(f"starts must have shape ({y}, {n})")
        S = S.copy()
    b = -1.0 if beta is None else float(real_array("beta", beta, lower=0.0))
    finish_sweeps = whole_number("finish_sweeps", finish_sweeps, lower=0)
    JT = column_major(J64)
    done, who = 0, -2
    while done < ks.size:
        H = exact_fields(J64, S)
        m = S.sum(axis=0, dtype=np.int64)
        c = np.where(m >= 0, 1, -1).astype(np.int8)
        hc = exact_fields(J64, c)[0]
        t, who = _replica_sweeps(JT, S, H, m, c, hc, ks[done:], b, int(rng.integers(0, 2**31 - 1)))
        done += t
        if who == -2:
            break
        if is_fixed_point(J64, S[who] if who >= 0 else c):
            break
        who = -2  # rounding drift fooled the incremental check: resume with fresh fields
    m = S.sum(axis=0)
    centre = np.where(m >= 0, 1, -1).astype(np.int8)
    if who >= 0:
        return Replicated(S[who].copy(), True, who, done, S)
    if who == CENTRE:
        return Replicated(centre, True, CENTRE, done, S)
    best = int(np.argmin((stabilities(J64, S) <= 0).sum(axis=1)))
    finish = relax(J64, S[best], rule="async", max_sweeps=finish_sweeps, rng=rng)
    if finish.converged:
        return Replicated(finish.state, True, best, done + finish.sweeps, S)
    return Replicated(centre, False, None, done, S)
