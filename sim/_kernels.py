r"""Numba kernels shared by the instance tools of :mod:`sim` (private; the public functions
validate their arguments and call these).

Layout: a flip of neuron j changes every field by :math:`2 s_j^{new} J_{:,j}`, one column of
J. The kernels therefore take ``JT``, a C-contiguous array whose row j is column j of J
(:func:`column_major`): for a Fortran-ordered J (``np.asfortranarray(J)``) that is the view
``J.T`` and nothing is copied; a C-ordered J is transposed once per call. Fields are kept in
float64 whatever the coupling dtype (float32 or float64).
"""

from __future__ import annotations

import numba
import numpy as np


def column_major(J: np.ndarray, dtype: np.dtype | None = None) -> np.ndarray:
    """C-contiguous J^T in ``dtype`` (default J's): a view when J is Fortran-ordered in that
    dtype, otherwise one O(n^2) copy."""
    return np.ascontiguousarray(J.T, dtype=J.dtype if dtype is None else dtype)


@numba.njit(cache=True)
def shuffle(order):
    """In-place Fisher-Yates shuffle with numba's global generator: a fresh uniform
    permutation (bias of the index draw < n 2^-53)."""
    for k in range(order.size - 1, 0, -1):
        r = int(np.random.random() * (k + 1))
        tmp = order[k]
        order[k] = order[r]
        order[r] = tmp


@numba.njit(cache=True)
def count_unstable(s, h):
    """Number of neurons with s_i != sign(h_i), sign(0) = +1."""
    count = 0
    for i in range(s.size):
        if (h[i] >= 0.0) != (s[i] > 0):
            count += 1
    return count


@numba.njit(cache=True)
def async_run(JT, s, h, seed, max_sweeps, record):
    """Asynchronous sweeps in place on s (int8) and h (float64) until no neuron is unstable
    or max_sweeps; each sweep visits the neurons in a fresh random order and a flip of j adds
    2 s_j JT[j] to h (one contiguous row read). Returns (sweeps, flips, stable);
    record[t] = #unstable after sweep t (record may be empty)."""
    n = s.size
    np.random.seed(seed)
    order = np.arange(n)
    flips = 0
    if count_unstable(s, h) == 0:
        return 0, flips, True
    for sweep in range(max_sweeps):
        shuffle(order)
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
        left = count_unstable(s, h)
        if record.size > 0:
            record[sweep] = left
        if left == 0:
            return sweep + 1, flips, True
    return max_sweeps, flips, False


def _async_batch_py(JT, S, H, seeds, budgets, record, sweeps, flips, stable):
    for b in numba.prange(S.shape[0]):
        t, f, ok = async_run(JT, S[b], H[b], seeds[b], budgets[b], record[b])
        sweeps[b] = t
        flips[b] = f
        stable[b] = ok


# the same loop over runs, in threads (several runs) or serial (one run: no thread start-up)
async_batch = numba.njit(cache=True, parallel=True)(_async_batch_py)
async_batch_serial = numba.njit(cache=True)(_async_batch_py)


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


def exact_fields(J: np.ndarray, S: np.ndarray) -> np.ndarray:
    """h = J s in float64 from scratch for each row of S (m, n) (or one s (n,) -> (1, n)),
    for float32 or float64 J in either memory order, without copying J; serial numba: a BLAS
    call here would start OpenBLAS threads whose busy-waiting slows the kernels that follow
    on a machine with few cores."""
    S = np.ascontiguousarray(np.atleast_2d(S))
    H = np.empty(S.shape, np.float64)
    if J.flags.f_contiguous:
        _fields_from_columns(J.T, S, H)
    else:
        _fields_from_rows(np.ascontiguousarray(J), S, H)
    return H


@numba.njit(cache=True)
def delta_energy(JT, s, h, j):
    """Exact change of E = #{s_i h_i <= 0} when s_j flips (O(n), reads row j of J^T)."""
    col = JT[j]
    sj = s[j]
    delta = 0
    for i in range(s.size):
        st = s[i] * h[i]
        new = st - 2.0 * s[i] * sj * col[i]
        delta += (1 if new <= 0.0 else 0) - (1 if st <= 0.0 else 0)
    st = sj * h[j]  # the loop used st - 2 J_jj for j itself: correct it
    delta += (1 if 2.0 * col[j] - st <= 0.0 else 0) - (1 if st - 2.0 * col[j] <= 0.0 else 0)
    return delta


@numba.njit(cache=True)
def flip(JT, s, h, j):
    """Flip s_j and update h = J s incrementally."""
    c = -2.0 * s[j]
    s[j] = -s[j]
    col = JT[j]
    for i in range(s.size):
        h[i] += c * col[i]
