r"""Zero-temperature dynamics of one coupling matrix: asynchronous and synchronous relaxation.

Update rule (docs/model.md section 2): :math:`s_i \leftarrow \mathrm{sign}(h_i)`,
:math:`h_i = \sum_j J_{ij} s_j` including the self-coupling :math:`J_{ii} s_i`, with the tie
convention **sign(0) = +1**. A neuron is *unstable for the dynamics* iff
:math:`s_i \ne \mathrm{sign}(h_i)`, i.e. :math:`s_i h_i < 0`, or :math:`h_i = 0` and
:math:`s_i = -1`. A fixed point (FP) is strict: :math:`s_i h_i > 0` for all i
(:func:`sim.stability.is_fixed_point`). The two differ only on exact ties
(:math:`h_i = 0`, :math:`s_i = +1`: the dynamics do not move, but the state is not a FP);
for Gaussian couplings these have probability zero.

- asynchronous (``rule="async"``): a sweep visits the n neurons in a fresh uniformly random
  order and flips every unstable neuron it meets, updating the fields incrementally after a
  flip of j: :math:`h \mathrel{+}= 2 s_j^{new} J_{:,j}` (one contiguous column of J, which is
  why the kernel reads the rows of :math:`J^T`; pass J in Fortran order, e.g.
  ``np.asfortranarray(J)``, to avoid an O(n^2) copy per call).
- synchronous (``rule="sync"``): every unstable neuron takes sign(h_i) at once (each with
  probability p when p < 1); for p = 1 a revisited configuration ends the run as a cycle.

The run stops as soon as no neuron is unstable for the dynamics. Such a state is then
re-checked with fields recomputed from scratch in float64 (as :func:`sim.stability.stabilities`);
if rounding drift of the incremental fields (or float32 couplings) hid an unstable neuron the
relaxation continues from the exact fields (in float64 from then on). ``converged`` is True
only for verified strict FPs; ``converged`` False with ``sweeps < max_sweeps`` and no cycle
means the dynamics stopped on an exact tie.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from sim._checks import float_dtype, generator
from sim.stability import as_couplings, as_spins
from theory._validate import integer_array, real_array

# Above this fraction of flipped neurons a synchronous sweep recomputes h = J s densely.
_DENSE_FRACTION = 0.1


@dataclass(frozen=True)
class Relaxation:
    """Outcome of :func:`relax`.

    state: final configuration, int8 +-1 (n,).
    converged: the final state is a verified strict FP of J.
    sweeps: number of sweeps performed (0 if the start is already stable).
    flips: total number of single-neuron flips.
    unstable: number of dynamically unstable neurons after each sweep (record=True), else None.
    cycle: for rule="sync", p=1, the period of the detected cycle (0 if none); None otherwise.
    """

    state: np.ndarray
    converged: bool
    sweeps: int
    flips: int
    unstable: np.ndarray | None = None
    cycle: int | None = None


@dataclass(frozen=True)
class BatchRelaxation:
    """Outcome of :func:`relax_many`: one row / entry per start (fields as in Relaxation)."""

    states: np.ndarray
    converged: np.ndarray
    sweeps: np.ndarray
    flips: np.ndarray


# ----------------------------------------------------------------------------------------
# numba kernels


@numba.njit(cache=True)
def _count_unstable(s, h):
    count = 0
    for i in range(s.size):
        if (h[i] >= 0.0) != (s[i] > 0):
            count += 1
    return count


@numba.njit(cache=True)
def _async_run(JT, s, h, seed, max_sweeps, record):
    """Asynchronous sweeps in place on s (int8) and h (float64) until no neuron is unstable
    or max_sweeps; returns (sweeps, flips, stable). record[t] = #unstable after sweep t
    (record may be empty)."""
    n = s.size
    np.random.seed(seed)
    order = np.arange(n)
    flips = 0
    if _count_unstable(s, h) == 0:
        return 0, flips, True
    for sweep in range(max_sweeps):
        for k in range(n - 1, 0, -1):  # Fisher-Yates: a fresh uniform permutation
            r = int(np.random.random() * (k + 1))  # uniform in 0..k (bias < n 2^-53)
            tmp = order[k]
            order[k] = order[r]
            order[r] = tmp
        for k in range(n):
            i = order[k]
            new = 1 if h[i] >= 0.0 else -1
            if new != s[i]:
                s[i] = new
                c = 2.0 * new
                col = JT[i]
                for a in range(n):
                    h[a] += c * col[a]
                flips += 1
        left = _count_unstable(s, h)
        if record.size > 0:
            record[sweep] = left
        if left == 0:
            return sweep + 1, flips, True
    return max_sweeps, flips, False


def _async_batch_py(JT, S, H, seeds, budgets, record, sweeps, flips, stable):
    for b in numba.prange(S.shape[0]):
        t, f, ok = _async_run(JT, S[b], H[b], seeds[b], budgets[b], record[b])
        sweeps[b] = t
        flips[b] = f
        stable[b] = ok


# the same loop over runs, in threads (several runs) or serial (one run: no thread start-up)
_async_batch = numba.njit(cache=True, parallel=True)(_async_batch_py)
_async_batch_serial = numba.njit(cache=True)(_async_batch_py)


@numba.njit(cache=True)
def _fields_from_columns(JT, S, H):
    """H[b] = J S[b] from scratch, accumulating rows of J^T (columns of J) in float64."""
    for b in range(S.shape[0]):
        h = H[b]
        h[:] = 0.0
        for j in range(S.shape[1]):
            c = float(S[b, j])
            col = JT[j]
            for i in range(h.size):
                h[i] += c * col[i]


@numba.njit(cache=True)
def _fields_from_rows(J, S, H):
    """H[b, i] = sum_j J[i, j] S[b, j] from scratch (rows of a C-ordered J), float64."""
    for b in range(S.shape[0]):
        for i in range(J.shape[0]):
            row = J[i]
            acc = 0.0
            for j in range(row.size):
                acc += row[j] * S[b, j]
            H[b, i] = acc


# ----------------------------------------------------------------------------------------
# helpers


def _exact_fields(J64: np.ndarray, S: np.ndarray) -> np.ndarray:
    """h = J s in float64 from scratch for each row of S (m, n), serially in numba: a BLAS
    call here would start OpenBLAS threads whose busy-waiting slows the kernels that follow
    on a machine with few cores."""
    S = np.ascontiguousarray(np.atleast_2d(S))
    H = np.empty(S.shape, np.float64)
    if J64.flags.f_contiguous:
        _fields_from_columns(J64.T, S, H)
    else:
        _fields_from_rows(np.ascontiguousarray(J64), S, H)
    return H


def _transposed(J64: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """C-contiguous J^T in ``dtype`` (row j = column j of J); a view when J is Fortran."""
    return np.ascontiguousarray(J64.T, dtype=dtype)


def _dyn_unstable(stab: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Neurons with s_i != sign(h_i) (sign(0) = +1), from stab = s_i h_i."""
    return (stab < 0) | ((stab == 0) & (s < 0))


def _check_common(J, max_sweeps, dtype):
    J64 = as_couplings(J).astype(np.float64, copy=False)
    max_sweeps = int(integer_array("max_sweeps", max_sweeps, lower=0))
    return J64, max_sweeps, float_dtype(dtype)


def _seeds(rng: np.random.Generator, m: int) -> np.ndarray:
    return rng.integers(0, 2**31 - 1, size=m, dtype=np.int64)


def _relax_async(J64, JT, S, rng, max_sweeps, record):
    """Driver of the async kernel for a batch S (m, n) int8 (modified in place): runs the
    kernel, verifies every stopped state in float64 and continues the ones with a hidden
    unstable neuron. Returns sweeps, flips, converged, record."""
    m = S.shape[0]
    H = _exact_fields(J64, S)
    sweeps = np.zeros(m, np.int64)
    flips = np.zeros(m, np.int64)
    converged = np.zeros(m, bool)
    rec = np.zeros((m, max_sweeps if record else 0), np.int32)
    active = np.arange(m)
    while active.size:
        Sa, Ha = np.ascontiguousarray(S[active]), np.ascontiguousarray(H[active])
        t, f, ok = (np.zeros(active.size, np.int64), np.zeros(active.size, np.int64),
                    np.zeros(active.size, bool))
        ra = np.zeros((active.size, rec.shape[1]), np.int32)
        kernel = _async_batch if active.size > 1 else _async_batch_serial
        kernel(JT, Sa, Ha, _seeds(rng, active.size), max_sweeps - sweeps[active], ra, t, f, ok)
        for k, b in enumerate(active):
            rec[b, sweeps[b]:sweeps[b] + t[k]] = ra[k, :t[k]]
        S[active], sweeps[active], flips[active] = Sa, sweeps[active] + t, flips[active] + f
        stopped = active[ok]
        H[stopped] = _exact_fields(J64, S[stopped])  # from scratch, float64
        stab = H[stopped] * S[stopped]
        hidden = _dyn_unstable(stab, S[stopped]).any(axis=1)
        converged[stopped[~hidden]] = (stab[~hidden] > 0).all(axis=1)
        active = stopped[hidden & (sweeps[stopped] < max_sweeps)]
        if active.size and JT.dtype != np.float64:
            JT = _transposed(J64, np.dtype(np.float64))  # float32 rounding: go exact
    return sweeps, flips, converged, rec


def _relax_sync(J64, s, rng, max_sweeps, p, record):
    n = s.size
    JT = _transposed(J64, np.dtype(np.float64))
    h = _exact_fields(J64, s)[0]
    seen = {np.packbits(s > 0).tobytes(): 0} if p == 1.0 else None
    rec, flips, cycle, converged, t = [], 0, 0, False, 0
    while True:
        target = np.where(h >= 0, 1, -1).astype(np.int8)
        change = target != s
        if not change.any():
            h = _exact_fields(J64, s)[0]  # verify with fields from scratch
            stab = h * s
            if not _dyn_unstable(stab, s).any():
                converged = bool((stab > 0).all())
                break
            continue
        if t >= max_sweeps:
            break
        if p < 1.0:
            change &= rng.random(n) < p
        idx = np.flatnonzero(change)
        s[idx] = target[idx]
        if idx.size > _DENSE_FRACTION * n:
            h = _exact_fields(J64, s)[0]
        else:
            h += (2.0 * s[idx]) @ JT[idx]
        t += 1
        flips += idx.size
        if record:
            rec.append(int(((h >= 0) != (s > 0)).sum()))
        if seen is not None:
            key = np.packbits(s > 0).tobytes()
            if key in seen:
                cycle = t - seen[key]
                break
            seen[key] = t
    return Relaxation(s, converged, t, flips, np.array(rec, np.int32) if record else None,
                      cycle if p == 1.0 else None)


# ----------------------------------------------------------------------------------------
# public API


def relax(
    J: ArrayLike,
    s0: ArrayLike,
    rule: str = "async",
    max_sweeps: int = 1000,
    rng: np.random.Generator | None = None,
    p: float = 1.0,
    record: bool = False,
    dtype: DTypeLike = np.float64,
) -> Relaxation:
    r"""Relax s0 under :math:`s_i \leftarrow \mathrm{sign}(\sum_j J_{ij}s_j)`, sign(0) = +1.

    Args:
        J: (n, n) couplings (diagonal = self-coupling). Fortran order avoids a copy.
        s0: +-1 start (n,).
        rule: "async" (random sequential sweeps) or "sync" (parallel, each neuron updated with
            probability p).
        max_sweeps: sweep budget (a sweep = n visits, or one parallel update).
        rng: random generator (required for async and for sync with p < 1).
        p: update probability of the synchronous rule, in (0, 1].
        record: keep the number of unstable neurons after each sweep.
        dtype: float64, or float32 for the async kernel's couplings (half the memory traffic;
            stopped states are still verified, and continued, in float64). The sync rule
            always works in float64.
    Returns:
        :class:`Relaxation`; ``converged`` means a verified strict FP.
    """
    J64, max_sweeps, dt = _check_common(J, max_sweeps, dtype)
    s = as_spins(s0, J64.shape[0], "s0")
    if s.ndim != 1:
        raise ValueError("s0 must be one configuration (n,); use relax_many for a batch")
    s = s.copy()
    p = float(real_array("p", p, lower=0.0, upper=1.0))
    if p == 0.0:
        raise ValueError("p must lie in (0, 1]")
    if rule == "async":
        rng = generator(rng)
        S = s[None, :]
        sweeps, flips, conv, rec = _relax_async(J64, _transposed(J64, dt), S, rng, max_sweeps,
                                                record)
        return Relaxation(S[0], bool(conv[0]), int(sweeps[0]), int(flips[0]),
                          rec[0, :sweeps[0]] if record else None, None)
    if rule == "sync":
        if p < 1.0:
            rng = generator(rng)
        return _relax_sync(J64, s, rng, max_sweeps, p, record)
    raise ValueError(f"rule must be 'async' or 'sync'; got {rule!r}")


def relax_many(
    J: ArrayLike,
    starts: ArrayLike,
    rng: np.random.Generator,
    max_sweeps: int = 1000,
    dtype: DTypeLike = np.float64,
) -> BatchRelaxation:
    """Asynchronous :func:`relax` of every row of ``starts`` (m, n) on one matrix, runs in
    parallel threads (one coupling copy shared). Reproducible for a given rng state.

    Returns:
        :class:`BatchRelaxation` with states (m, n) int8, converged (m,) bool, sweeps and
        flips (m,) int64.
    """
    J64, max_sweeps, dt = _check_common(J, max_sweeps, dtype)
    S = as_spins(starts, J64.shape[0], "starts")
    if S.ndim != 2:
        raise ValueError("starts must have shape (m, n)")
    S = S.copy()
    sweeps, flips, conv, _ = _relax_async(J64, _transposed(J64, dt), S, generator(rng),
                                          max_sweeps, False)
    return BatchRelaxation(S, conv, sweeps, flips)
