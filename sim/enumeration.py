r"""Exact enumeration of the fixed points of one coupling matrix.

A configuration :math:`s \in \{-1,+1\}^n` is a fixed point (FP) of J with margin kappa iff
:math:`s_i \sum_j J_{ij}s_j > \kappa` for every i (diagonal included, :mod:`sim.stability`).
Stabilities are invariant under the global flip s -> -s, so only the 2^(n-1) states with
s_{n-1} = +1 are walked and the mirror images are added.

The walk is a Gray code: consecutive states differ by one spin j, and the fields are updated
as :math:`h_i \mathrel{+}= 2 s_j^{new} J_{ij}` (column j of J stored contiguously), so each
state costs O(n). The states are cut into blocks of 2^10 consecutive Gray-code states that
start from freshly computed fields (bounding the accumulated rounding); 128 blocks are walked
side by side so that the inner loops run over blocks (SIMD), and groups of blocks in
parallel (numba prange). The walk runs in float32 for SIMD width; every state whose float32
minimum stability lies within a rigorous rounding bound of a threshold is recomputed from
scratch in float64, so the results are those of float64 arithmetic on the input matrix.
"""

from __future__ import annotations

from collections.abc import Callable

import numba
import numpy as np
from numba import prange
from numpy.typing import ArrayLike
from scipy import special

from sim.validation import as_couplings, as_spins, real_array, whole_number

MAX_SIZE = 40  # 2^39 walked states: tens of minutes on two cores at the limit
_BLOCK_BITS = 10  # Gray-code states per block walked from freshly computed fields
_LANE_BITS = 7  # blocks walked side by side (SIMD over blocks)
_PARALLEL_STATES = 1 << 22  # walks of fewer states run on one thread
_CTZ = np.array([0] + [(r & -r).bit_length() - 1 for r in range(1, 1 << _BLOCK_BITS)])
_PIECE_STATES = 1 << 27  # states per kernel call between two progress reports
_SAFETY = 4.0  # factor on the worst-case rounding bound of the float32 walk
MEMORY_BUDGET = 2**31  # bytes of fixed points enumerate_fixed_points stores by default
_BYTES_PER_CODE = 8  # walk-time storage per state: int64 code, float64 minimum (per pair)
_ESTIMATE_MARGIN = 10.0  # refuse without walking when the estimate exceeds the limit so much
_DECODE_CHUNK = 1 << 20
_FASTMATH = {"nnan", "ninf", "nsz", "contract"}  # vectorised min, FMA; no reassociation


@numba.njit(cache=True)
def _exact_min(J: np.ndarray, offset: np.ndarray, code: int) -> float:
    """min_i (s_i sum_j J_ij s_j + offset_i) in float64 from scratch, s decoded from ``code``."""
    n = J.shape[0]
    best = np.inf
    for i in range(n):
        field = 0.0
        for j in range(n):
            field += J[i, j] * (1 - 2 * ((code >> j) & 1))
        best = min(best, (1 - 2 * ((code >> i) & 1)) * field + offset[i])
    return best


@numba.njit(cache=True, fastmath=_FASTMATH)
def _walk_groups(
    JT: np.ndarray,
    J: np.ndarray,
    offset: np.ndarray,
    tol: float,
    floor: float,
    thresholds: np.ndarray,
    group_lo: int,
    group_hi: int,
    lanes: int,
    bits: int,
    ctz: np.ndarray,
    hist: np.ndarray,
    codes: np.ndarray,
    mins: np.ndarray,
    write_at: int,
) -> int:
    """Walk groups [group_lo, group_hi) of ``lanes`` Gray-code blocks of 2^bits states.

    The blocks of a group are walked side by side (lane b holds block group * lanes + b;
    all lanes flip the same spin at each step), so the inner loops run over lanes and
    vectorise. For each state m(s) = min_i (s_i h_i + offset_i), h the fields of JT^T
    (float32, zero diagonal); states with m(s) > floor are accepted, deciding near-ties
    with the float64 matrix J. Per accepted state: hist[#thresholds < m] += 1 (if
    thresholds is non-empty), codes/mins[write_at + k] = state, exact m (if codes is
    non-empty). Returns the number of accepted states.
    """
    n = JT.shape[0]
    H = np.empty((n, lanes), dtype=JT.dtype)
    SF = np.empty((n, lanes), dtype=JT.dtype)
    step = np.empty(lanes, dtype=JT.dtype)
    m = np.empty(lanes, dtype=JT.dtype)
    off = offset.astype(JT.dtype)
    n_thr = thresholds.size
    record = codes.size > 0
    found = 0
    for group in range(group_lo, group_hi):
        first = group * lanes
        for b in range(lanes):
            t0 = (first + b) << bits
            g = t0 ^ (t0 >> 1)
            for i in range(n):
                SF[i, b] = 1 - 2 * ((g >> i) & 1)
        H[:] = 0
        for j in range(n):
            for i in range(n):
                for b in range(lanes):
                    H[i, b] += SF[j, b] * JT[j, i]
        for r in range(1 << bits):
            if r > 0:
                j = ctz[r]
                for b in range(lanes):
                    SF[j, b] = -SF[j, b]
                    step[b] = 2 * SF[j, b]
                for i in range(n):
                    coupling = JT[j, i]
                    for b in range(lanes):
                        H[i, b] += step[b] * coupling
            for b in range(lanes):
                m[b] = SF[0, b] * H[0, b] + off[0]
            for i in range(1, n):
                o = off[i]
                for b in range(lanes):
                    v = SF[i, b] * H[i, b] + o
                    m[b] = v if v < m[b] else m[b]  # noqa: FURB136 (a select vectorises)
            for b in range(lanes):
                low = float(m[b])
                if low <= floor - tol:
                    continue
                t = ((first + b) << bits) + r
                g = t ^ (t >> 1)
                exact = low
                ambiguous = low - tol <= floor
                if n_thr > 0 and not ambiguous:
                    ambiguous = (np.searchsorted(thresholds, low - tol)
                                 != np.searchsorted(thresholds, low + tol))
                if ambiguous or record:
                    exact = _exact_min(J, offset, g)
                    if exact <= floor:
                        continue
                if n_thr > 0:
                    hist[np.searchsorted(thresholds, exact)] += 1
                if record:
                    codes[write_at + found] = g
                    mins[write_at + found] = exact
                found += 1
    return found


@numba.njit(cache=True, parallel=True)
def _walk(JT, J, offset, tol, floor, thresholds, group_lo, group_hi, lanes, bits, ctz, hist,
          codes, mins, starts, needed):
    """Split [group_lo, group_hi) into hist.shape[0] chunks walked in parallel; chunk counts.

    Chunks with needed[c] == 0 are skipped (the second, recording walk knows them empty)."""
    chunks = hist.shape[0]
    found = np.zeros(chunks, dtype=np.int64)
    span = group_hi - group_lo
    for c in prange(chunks):
        if needed[c] == 0:
            continue
        lo = group_lo + span * c // chunks
        hi = group_lo + span * (c + 1) // chunks
        found[c] = _walk_groups(JT, J, offset, tol, floor, thresholds, lo, hi, lanes, bits, ctz,
                                hist[c], codes, mins, starts[c])
    return found


def _prepare(J: ArrayLike) -> tuple[np.ndarray, np.ndarray, int]:
    """Validated float64 matrix with zero diagonal, its diagonal, and n."""
    J = as_couplings(J)
    n = J.shape[0]
    if n > MAX_SIZE:
        raise ValueError(f"J is {n} x {n}: exact enumeration is limited to n <= {MAX_SIZE}")
    off = np.array(J, dtype=np.float64)
    diag = np.diag(off).copy()
    np.fill_diagonal(off, 0.0)
    return off, diag, n


def _scan(
    off: np.ndarray,
    offset: np.ndarray,
    floor: float,
    thresholds: np.ndarray,
    record: bool,
    progress: Callable[[float], None] | None,
    limit: int | None = None,
    what: str = "",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Walk all 2^(n-1) states with s_{n-1} = +1 and collect those with m(s) > floor.

    Returns (hist summed over chunks, codes, exact mins); codes/mins are empty unless
    ``record`` (then a second, identical walk writes them at offsets from the first).
    With ``limit``, the first walk stops with a ValueError (message from ``what``) as soon
    as more than ``limit`` states (mirror images included) have been found.
    """
    n = off.shape[0]
    lane_bits = min(_LANE_BITS, n - 1)
    bits = min(_BLOCK_BITS, n - 1 - lane_bits)
    lanes = 1 << lane_bits
    groups = 1 << (n - 1 - lane_bits - bits)
    # Scale by a power of two (exact) so that entries are <= 1 in float32, whatever J's range.
    exponent = int(np.frexp(max(np.abs(off).max(), np.abs(offset).max()))[1])
    off, offset = np.ldexp(off, -exponent), np.ldexp(offset, -exponent)
    floor, thresholds = float(np.ldexp(floor, -exponent)), np.ldexp(thresholds, -exponent)
    JT = np.ascontiguousarray(off.T, dtype=np.float32)
    # Worst-case float32 rounding of m: J rounded to float32 (2^-24 R per field), n + 2^bits
    # accumulations and one addition of the offset, each <= 2^-24 (R + |offset|).
    scale = np.abs(off).sum(axis=1).max() + np.abs(offset).max()
    tol = _SAFETY * (n + (1 << bits) + 2) * 2.0**-24 * scale
    group_states = lanes << bits
    # small walks run serially: waking the thread pool costs more than they do
    threads = numba.get_num_threads() if groups * group_states >= _PARALLEL_STATES else 1
    per_piece = max(1, _PIECE_STATES // group_states)

    def walk(lo, hi, needed, codes, mins, starts):
        part = np.zeros((needed.size, thresholds.size + 1), dtype=np.int64)
        args = (JT, off, offset, tol, floor, thresholds, lo, hi, lanes, bits, _CTZ)
        if needed.size == 1:
            found = np.array([_walk_groups(*args, part[0], codes, mins, starts[0])])
        else:
            found = _walk(*args, part, codes, mins, starts, needed)
        return part.sum(axis=0), found

    hist = np.zeros(thresholds.size + 1, dtype=np.int64)
    empty_i, empty_f = np.zeros(0, np.int64), np.zeros(0)
    piece_counts = []
    for lo in range(0, groups, per_piece):
        hi = min(groups, lo + per_piece)
        chunks = min(hi - lo, 8 * threads)
        part, found = walk(lo, hi, np.full(chunks, -1), empty_i, empty_f,
                           np.zeros(chunks, np.int64))
        hist += part
        piece_counts.append((lo, hi, found))
        so_far = 2 * sum(int(f.sum()) for _, _, f in piece_counts)
        if limit is not None and so_far > limit:
            raise ValueError(_too_many(what, n, f"more than {so_far:,} (found in "
                                       f"{hi / groups:.0%} of the walk)", so_far, limit))
        if progress is not None:
            progress(hi / groups / (2 if record else 1))
    if not record:
        return hist, empty_i, empty_f
    total = sum(int(found.sum()) for _, _, found in piece_counts)
    codes = np.empty(total, dtype=np.int64)
    mins = np.empty(total, dtype=np.float64)
    at = 0
    for lo, hi, found in piece_counts:
        if found.sum() > 0:
            starts = at + np.concatenate(([0], np.cumsum(found)[:-1]))
            walk(lo, hi, found, codes, mins, starts)
        at += int(found.sum())
        if progress is not None:
            progress(0.5 + hi / groups / 2)
    return hist, codes, np.ldexp(mins, exponent)


def _decode(codes: np.ndarray, n: int) -> np.ndarray:
    """+-1 int8 configurations (bit j of code set <=> s_j = -1) and their mirror images,
    decoded in chunks (the output, n bytes per state, is the only large allocation)."""
    out = np.empty((2 * codes.size, n), dtype=np.int8)
    shifts = np.arange(n, dtype=np.int64)
    for lo in range(0, codes.size, _DECODE_CHUNK):
        part = codes[lo:lo + _DECODE_CHUNK]
        half = (1 - 2 * ((part[:, None] >> shifts) & 1)).astype(np.int8)
        out[lo:lo + part.size] = half
        out[codes.size + lo:codes.size + lo + part.size] = -half
    return out


def _too_many(what: str, n: int, count: str, number: float, limit: int) -> str:
    """Refusal message: the count, the memory it would take and the way out."""
    gib = number * (n + _BYTES_PER_CODE) / 2**30
    return (f"{what}: {count} fixed points, above max_fixed_points = {limit:,}; storing them "
            f"needs {'at least ' if count.startswith('more') else 'about '}{gib:.3g} GiB "
            f"({n + _BYTES_PER_CODE} bytes each). Use count_fixed_points(J, jds) to count "
            "them without storing, or raise max_fixed_points if the memory is there")


def _default_limit(n: int, max_fixed_points: int | None) -> int:
    """max_fixed_points, or by default as many states as fit in MEMORY_BUDGET bytes."""
    if max_fixed_points is None:
        return MEMORY_BUDGET // (n + _BYTES_PER_CODE)
    return whole_number("max_fixed_points", max_fixed_points, lower=0)


def estimated_fixed_points(J: ArrayLike, kappa: float = 0.0) -> float:
    r"""Annealed estimate of the number of fixed points of J, in closed form (no walk):

    .. math:: \ln E \approx \sum_i \ln\big[2\Phi\big((J_{ii} - \kappa)/\sigma_i\big)\big],
              \qquad \sigma_i^2 = \sum_{j\ne i} J_{ij}^2,

    the fields of a uniformly random s taken as independent Gaussians of variance
    sigma_i^2. For the Gaussian ensemble (:func:`sim.random_couplings`) this is
    :func:`theory.log_expected_fixed_points` with the instance's own row variances in place
    of (n-1)/n; for other matrices it is a heuristic. Returns E (may be inf or 0).
    """
    J = as_couplings(J).astype(np.float64, copy=False)
    kappa = float(real_array("kappa", kappa))
    diag = np.diag(J)
    sigma = np.sqrt(np.maximum((J * J).sum(axis=1) - diag * diag, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(sigma > 0, (diag - kappa) / sigma, np.where(diag > kappa, np.inf, -np.inf))
    with np.errstate(divide="ignore", over="ignore"):  # log_ndtr(-inf) = -inf
        log_count = (np.log(2.0) + special.log_ndtr(a)).sum()
        return float(np.exp(log_count))


def enumerate_fixed_points(
    J: ArrayLike,
    kappa: float = 0.0,
    progress: Callable[[float], None] | None = None,
    max_fixed_points: int | None = None,
) -> np.ndarray:
    r"""All fixed points: every s with :math:`s_i \sum_j J_{ij}s_j > \kappa` for all i.

    The diagonal of J is the self-coupling (any per-neuron values). Exact in float64.

    Too many fixed points to store are refused with a ValueError pointing to
    :func:`count_fixed_points`: at once (no walk) when :func:`estimated_fixed_points`
    exceeds 10 x ``max_fixed_points``, otherwise as soon as the counting walk passes
    ``max_fixed_points``. The default limit is what fits in MEMORY_BUDGET (2 GiB) at n + 8
    bytes per fixed point (53 million at n = 32).

    Args:
        J: (n, n) real matrix, n <= 40 (2^(n-1) states are walked).
        kappa: margin (real).
        progress: optional callable receiving the fraction of work done, in (0, 1].
        max_fixed_points: largest number of fixed points to return (None: memory budget).
    Returns:
        int8 array (#FP, n) of +-1; the first half has s_{n-1} = +1, the second half holds
        their mirror images -s in the same order.
    """
    off, diag, n = _prepare(J)
    kappa = float(real_array("kappa", kappa))
    limit = _default_limit(n, max_fixed_points)
    expected = estimated_fixed_points(J, kappa)
    if expected > _ESTIMATE_MARGIN * limit:
        raise ValueError(_too_many("enumerate_fixed_points", n,
                                   f"about {expected:.2g} expected (annealed estimate)",
                                   expected, limit))
    _, codes, _ = _scan(off, diag, kappa, np.zeros(0), True, progress, limit,
                        "enumerate_fixed_points")
    return _decode(codes, n)


def count_fixed_points(
    J: ArrayLike,
    jds: ArrayLike,
    kappa: float = 0.0,
    progress: Callable[[float], None] | None = None,
) -> np.ndarray:
    r"""Number of fixed points of J with its diagonal replaced by each self-coupling in ``jds``.

    One walk records each state's off-diagonal minimum stability
    :math:`m(s) = \min_i s_i\sum_{j\ne i}J_{ij}s_j`; s is an FP at self-coupling J_D iff
    :math:`m(s) > \kappa - J_D`. The diagonal of J is ignored. Exact in float64.

    Args:
        J: (n, n) real matrix, n <= 40.
        jds: self-couplings (any shape, real).
        kappa: margin (real).
        progress: optional callable receiving the fraction of work done.
    Returns:
        int64 array of the shape of ``jds``.
    """
    off, _, n = _prepare(J)
    jds = real_array("jds", jds)
    kappa = float(real_array("kappa", kappa))
    if jds.size == 0:
        return np.zeros(jds.shape, dtype=np.int64)
    thresholds, where = np.unique(kappa - jds.ravel(), return_inverse=True)
    hist, _, _ = _scan(off, np.zeros(n), float(thresholds[0]), thresholds, False, progress)
    # hist[b] = #walked states with exactly b thresholds below m; FP at threshold k iff b > k.
    above = 2 * np.cumsum(hist[::-1])[::-1]
    return above[where + 1].reshape(jds.shape)


def minimum_stabilities(
    J: ArrayLike,
    floor: float,
    progress: Callable[[float], None] | None = None,
    max_fixed_points: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""All configurations with off-diagonal minimum stability :math:`m(s) > ` ``floor``.

    :math:`m(s) = \min_i s_i\sum_{j\ne i}J_{ij}s_j` (diagonal of J ignored); these are the
    fixed points for every self-coupling J_D >= kappa - floor, and each one is an FP exactly
    for J_D > kappa - m(s). Cheap when few states pass the floor.

    Args:
        J: (n, n) real matrix, n <= 40.
        floor: real threshold.
        progress: optional callable receiving the fraction of work done.
        max_fixed_points: largest number of configurations to return (None: as many as fit
            in MEMORY_BUDGET); more stop the walk with a ValueError.
    Returns:
        (configurations int8 (k, n) in the order of :func:`enumerate_fixed_points`,
        m float64 (k,) computed from scratch in float64).
    """
    off, _, n = _prepare(J)
    floor = float(real_array("floor", floor))
    limit = _default_limit(n, max_fixed_points)
    _, codes, mins = _scan(off, np.zeros(n), floor, np.zeros(0), True, progress, limit,
                           "minimum_stabilities")
    return _decode(codes, n), np.concatenate([mins, mins])


@numba.njit(cache=True, parallel=True)
def _pairwise_popcount(packed: np.ndarray, n: int, threads: int) -> np.ndarray:
    """hist[k] = #ordered pairs (a, b) of rows with popcount(a ^ b) = k (diagonal included)."""
    m = packed.size
    local = np.zeros((threads, n + 1), dtype=np.int64)
    for t in prange(threads):
        for a in range(t, m, threads):
            x = packed[a]
            for b in range(a + 1, m):
                y = x ^ packed[b]
                # SWAR popcount (y >= 0 and popcount <= 63, so int64 wrapping is exact)
                y = y - ((y >> 1) & 0x5555555555555555)
                y = (y & 0x3333333333333333) + ((y >> 2) & 0x3333333333333333)
                y = (y + (y >> 4)) & 0x0F0F0F0F0F0F0F0F
                local[t, (y * 0x0101010101010101) >> 56] += 2
    hist = local.sum(axis=0)
    hist[0] += m
    return hist


@numba.njit(cache=True)
def _walsh_hadamard(f: np.ndarray) -> None:
    """In-place unnormalised Walsh-Hadamard transform of an int64 vector (wrapping arithmetic)."""
    size = f.size
    half = 1
    while half < size:
        for start in range(0, size, 2 * half):
            for i in range(start, start + half):
                a = f[i]
                b = f[i + half]
                f[i] = a + b
                f[i + half] = a - b
        half *= 2


@numba.njit(cache=True)
def _popcount_sums(c: np.ndarray, n: int) -> np.ndarray:
    hist = np.zeros(n + 1, dtype=np.int64)
    for x in range(c.size):
        y = x
        k = 0
        while y:
            y &= y - 1
            k += 1
        hist[k] += c[x]
    return hist


_WHT_MAX_N = 26  # 2^26 int64 = 512 MB
_NUMPY_PAIRS_MAX_ROWS = 1024  # below this, all pairs at once in numpy beat a thread launch


def pair_distance_histogram(fixed_points: ArrayLike) -> np.ndarray:
    r"""Number of ORDERED pairs (s, s') of rows at each Hamming distance k = 0..n.

    Pairs of a row with itself are included at k = 0, so hist[0] = #rows (for distinct
    rows) and the histogram sums to #rows^2. Rows are taken as a multiset (a repeated row
    counts as often as it appears).

    Two exact methods, chosen by cost: pairwise popcounts of the rows packed into 64-bit
    words (O(M^2), numba-parallel beyond 1024 rows), or, for many rows, the autocorrelation
    of the multiplicity function on {0,1}^n through the Walsh-Hadamard transform,
    :math:`C = H(Hf)^2 / 2^n`
    (O(n 2^n) time and 2^n int64 of memory, used for n <= 26; int64 arithmetic wraps
    exactly since C 2^n < 2^63 is checked). Beyond n = 26 a million rows cost about
    5e11 pair popcounts (minutes).

    Args:
        fixed_points: +-1 array (M, n), n <= 63.
    Returns:
        int64 array (n + 1,).
    """
    arr = np.asarray(fixed_points)
    if arr.ndim != 2:
        raise ValueError(f"fixed_points must be a 2-d array (M, n); got shape {arr.shape}")
    m, n = arr.shape
    if n > 63:
        raise ValueError("fixed_points must have at most 63 columns")
    if m == 0:
        return np.zeros(n + 1, dtype=np.int64)
    arr = as_spins(arr, n, "fixed_points")
    bytes_ = np.zeros((m, 8), dtype=np.uint8)
    bytes_[:, : (n + 7) // 8] = np.packbits(arr < 0, axis=1, bitorder="little")
    packed = bytes_.view("<i8")[:, 0]  # bit j set <=> s_j = -1
    f = None
    if n <= _WHT_MAX_N and 0.5 * float(m) ** 2 > 4.0 * n * 2.0**n:
        f = np.bincount(packed, minlength=1 << n).astype(np.int64, copy=False)
        # C(x) <= C(0) = sum f^2 (Cauchy-Schwarz): exact if C(0) 2^n < 2^63 (always for
        # distinct rows, whose C(0) = M <= 2^n); heavy repeats fall back to pairs
        if float(np.dot(f.astype(np.float64), f)) >= 2.0 ** (62 - n):
            f = None
    if f is not None:
        _walsh_hadamard(f)
        f *= f
        _walsh_hadamard(f)
        f >>= n
        return _popcount_sums(f, n)
    if m <= _NUMPY_PAIRS_MAX_ROWS:
        distances = np.bitwise_count(packed[:, None] ^ packed[None, :])
        return np.bincount(distances.ravel(), minlength=n + 1).astype(np.int64)
    return _pairwise_popcount(packed, n, numba.get_num_threads())
