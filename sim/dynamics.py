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
  flip of j: :math:`h \mathrel{+}= 2 s_j^{new} J_{:,j}`, one column of J read per flip
  (:mod:`sim._kernels`). The fast layout is therefore Fortran order
  (``np.asfortranarray(J)``, columns contiguous), float32 or float64: such a J is used
  without any copy. A C-ordered J is transposed once per call (an O(n^2) copy).
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

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from sim._kernels import async_batch, async_batch_serial, column_major, exact_fields
from sim.validation import as_couplings, as_spins, float_dtype, generator, real_array, whole_number

# Above this fraction of flipped neurons a synchronous sweep recomputes h = J s densely.
_DENSE_FRACTION = 0.1
# record=True keeps one int32 per sweep of the budget
_MAX_RECORDED_SWEEPS = 10**8


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
# helpers


def _dyn_unstable(stab: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Neurons with s_i != sign(h_i) (sign(0) = +1), from stab = s_i h_i."""
    return (stab < 0) | ((stab == 0) & (s < 0))


def _check_common(J, max_sweeps, dtype, record=False):
    """Validated (J as given when float32/float64, kernel dtype, max_sweeps). J's finiteness
    is checked on the first fields (:func:`_initial_fields`), which saves a pass over J."""
    J = as_couplings(J, check_finite=False)
    upper = _MAX_RECORDED_SWEEPS if record else 2**62
    max_sweeps = whole_number("max_sweeps", max_sweeps, lower=0, upper=upper)
    dt = J.dtype if dtype is None else float_dtype(dtype)
    return J, max_sweeps, dt


def _initial_fields(J: np.ndarray, S: np.ndarray) -> np.ndarray:
    """Exact fields of the starts; a non-finite entry J_ij makes h_i non-finite (s_j = +-1),
    so this is also the finiteness check of J."""
    H = exact_fields(J, S)
    if not np.isfinite(H).all():
        raise ValueError("J must be finite (no NaN or inf entries, finite row sums)")
    return H


def _float64(J: np.ndarray) -> np.ndarray:
    """J in float64, Fortran-ordered (used when a float32 run must continue exactly)."""
    return np.asfortranarray(J, dtype=np.float64)


def _seeds(rng: np.random.Generator, m: int) -> np.ndarray:
    return rng.integers(0, 2**31 - 1, size=m, dtype=np.int64)


def _relax_async(J, dt, S, rng, max_sweeps, record):
    """Driver of the async kernel for a batch S (m, n) int8 (modified in place): runs the
    kernel on the columns of J in dtype ``dt``, verifies every stopped state with float64
    fields from scratch and continues the ones with a hidden unstable neuron (in float64 from
    then on). Returns sweeps, flips, converged, record."""
    m = S.shape[0]
    H = _initial_fields(J, S)
    JT = column_major(J, dt)
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
        kernel = async_batch if active.size > 1 else async_batch_serial
        kernel(JT, Sa, Ha, _seeds(rng, active.size), max_sweeps - sweeps[active], ra, t, f, ok)
        for k, b in enumerate(active):
            rec[b, sweeps[b]:sweeps[b] + t[k]] = ra[k, :t[k]]
        S[active], sweeps[active], flips[active] = Sa, sweeps[active] + t, flips[active] + f
        stopped = active[ok]
        H[stopped] = exact_fields(J, S[stopped])  # from scratch, float64
        stab = H[stopped] * S[stopped]
        hidden = _dyn_unstable(stab, S[stopped]).any(axis=1)
        converged[stopped[~hidden]] = (stab[~hidden] > 0).all(axis=1)
        active = stopped[hidden & (sweeps[stopped] < max_sweeps)]
        if active.size and JT.dtype != np.float64:
            J = _float64(J)  # float32 rounding hid an unstable neuron: go exact
            JT = J.T
    return sweeps, flips, converged, rec


def _relax_sync(J, s, rng, max_sweeps, p, record):
    n = s.size
    J = J if J.dtype == np.float64 else _float64(J)
    JT = column_major(J)
    h = _initial_fields(J, s)[0]
    seen = {np.packbits(s > 0).tobytes(): 0} if p == 1.0 else None
    rec, flips, cycle, converged, t = [], 0, 0, False, 0
    while True:
        target = np.where(h >= 0, 1, -1).astype(np.int8)
        change = target != s
        if not change.any():
            h = exact_fields(J, s)[0]  # verify with fields from scratch
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
            h = exact_fields(J, s)[0]
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
    dtype: DTypeLike | None = None,
) -> Relaxation:
    r"""Relax s0 under :math:`s_i \leftarrow \mathrm{sign}(\sum_j J_{ij}s_j)`, sign(0) = +1.

    Args:
        J: (n, n) couplings (diagonal = self-coupling), float32 or float64 (other real
            dtypes are converted to float64). Fast layout: Fortran order
            (``np.asfortranarray(J)``), whose columns -- what a flip reads -- are contiguous;
            then nothing is copied. A C-ordered J is transposed once per call (O(n^2)).
        s0: +-1 start (n,).
        rule: "async" (random sequential sweeps) or "sync" (parallel, each neuron updated with
            probability p).
        max_sweeps: sweep budget (a sweep = n visits, or one parallel update).
        rng: random generator (required for async and for sync with p < 1).
        p: update probability of the synchronous rule, in (0, 1].
        record: keep the number of unstable neurons after each sweep.
        dtype: couplings of the async kernel: None (default) keeps J's dtype without a copy;
            float32 halves the memory traffic (stopped states are still verified, and
            continued, in float64); a dtype other than J's costs one converted copy. Fields
            are float64 throughout; the sync rule always works in float64.
    Returns:
        :class:`Relaxation`; ``converged`` means a verified strict FP.
    """
    J, max_sweeps, dt = _check_common(J, max_sweeps, dtype, record)
    s = as_spins(s0, J.shape[0], "s0")
    if s.ndim != 1:
        raise ValueError("s0 must be one configuration (n,); use relax_many for a batch")
    s = s.copy()
    p = float(real_array("p", p, lower=0.0, upper=1.0))
    if p == 0.0:
        raise ValueError("p must lie in (0, 1]")
    if rule == "async":
        rng = generator(rng)
        S = s[None, :]
        sweeps, flips, conv, rec = _relax_async(J, dt, S, rng, max_sweeps, record)
        return Relaxation(S[0], bool(conv[0]), int(sweeps[0]), int(flips[0]),
                          rec[0, :sweeps[0]] if record else None, None)
    if rule == "sync":
        if p < 1.0:
            rng = generator(rng)
        return _relax_sync(J, s, rng, max_sweeps, p, record)
    raise ValueError(f"rule must be 'async' or 'sync'; got {rule!r}")


def relax_many(
    J: ArrayLike,
    starts: ArrayLike,
    rng: np.random.Generator,
    max_sweeps: int = 1000,
    dtype: DTypeLike | None = None,
) -> BatchRelaxation:
    """Asynchronous :func:`relax` of every row of ``starts`` (m, n) on one matrix, runs in
    parallel threads (one coupling copy shared). Reproducible for a given rng state.

    Returns:
        :class:`BatchRelaxation` with states (m, n) int8, converged (m,) bool, sweeps and
        flips (m,) int64.
    """
    J, max_sweeps, dt = _check_common(J, max_sweeps, dtype)
    S = as_spins(starts, J.shape[0], "starts")
    if S.ndim != 2:
        raise ValueError("starts must have shape (m, n)")
    S = S.copy()
    sweeps, flips, conv, _ = _relax_async(J, dt, S, generator(rng), max_sweeps, False)
    return BatchRelaxation(S, conv, sweeps, flips)
