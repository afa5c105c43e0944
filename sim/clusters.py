r"""Cluster diagnostics of fixed points found on one coupling matrix.

Conventions of :mod:`sim.stability`: field :math:`h_i = \sum_j J_{ij}s_j` with the
self-coupling, a FP has :math:`s_i h_i > 0` for all i (strict). Flipping a set S of neurons
changes the fields by :math:`-2\sum_{j\in S} s_j J_{ij}`, which every function here uses
incrementally instead of recomputing :math:`J s`.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from sim._kernels import column_major
from sim.stability import free_neurons, stabilities
from sim.validation import as_couplings, as_spins, generator, whole_number


def _batch(J: ArrayLike, s: ArrayLike) -> tuple[np.ndarray, np.ndarray, bool]:
    J64 = as_couplings(J).astype(np.float64, copy=False)
    s = as_spins(s, J64.shape[0])
    return J64, np.atleast_2d(s), s.ndim == 1


def single_flip_neighbours(J: ArrayLike, s: ArrayLike) -> int | np.ndarray:
    r"""Number of neurons i whose flip turns s into a (strict) FP.

    Flipping i gives stabilities :math:`s_l h_l - 2 s_l s_i J_{li}` (l != i) and
    :math:`-s_i h_i + 2 J_{ii}` for i itself; counted if all are > 0. Exact; O(n) per flip
    at worst, checked least stable neurons first with an early exit.

    Args:
        J: (n, n) couplings.
        s: +-1 configuration (n,) or batch (m, n) (need not be FPs themselves).
    Returns:
        int, or int64 array (m,).
    """
    J64, S, single = _batch(J, s)
    JT = column_major(J64)
    stab = stabilities(J64, S)
    counts = _single_flips_batch(JT, S, stab)
    return int(counts[0]) if single else counts


def free_fraction(J: ArrayLike, s: ArrayLike) -> float | np.ndarray:
    r"""Fraction of free neurons of s, :math:`|\sum_{j\ne i} J_{ij}s_j| < J_{ii}`
    (mean of :func:`sim.stability.free_neurons`) of given configurations. Not to be confused
    with :func:`theory.counting.free_fraction`, the typical-FP expectation
    (2 Phi(a) - 1) / Phi(a) this is compared with (tests/test_clusters.py).

    Returns:
        float for one configuration (n,), array (m,) for a batch.
    """
    frac = free_neurons(J, s).mean(axis=-1)
    return float(frac) if np.ndim(frac) == 0 else frac


def local_stabilities(J: ArrayLike, s: ArrayLike) -> np.ndarray:
    r"""Stabilities :math:`\lambda_i = s_i\sum_{j\ne i}J_{ij}s_j` (diagonal removed; docs/model.md
    section 3).

    For a typical FP of the Gaussian ensemble they are i.i.d. N(0, (n-1)/n) restricted to
    :math:`(-J_D, \infty)` (docs/model.md 5.4). Shape of s, float64.
    """
    J64, S, single = _batch(J, s)
    lam = stabilities(J64, S) - np.diag(J64)
    return lam[0] if single else lam


def overlaps(states: ArrayLike) -> np.ndarray:
    r"""Pairwise overlaps :math:`q_{ab} = s^a\cdot s^b / n` of the rows of ``states`` (m, n),
    a < b, in the order of ``np.triu_indices(m, 1)``; length m (m - 1) / 2."""
    S = np.asarray(states)
    if S.ndim != 2:
        raise ValueError("states must have shape (m, n)")
    S = as_spins(S, S.shape[1], "states").astype(np.float64)
    q = S @ S.T / S.shape[1]
    return q[np.triu_indices(S.shape[0], 1)]


def distance_profiles(states: ArrayLike, chunk: int = 2048,
                      rows: ArrayLike | None = None) -> np.ndarray:
    r"""For every row a of ``states`` (m, n) (or only the rows listed in ``rows``): the
    number of rows b of ``states`` at each Hamming distance k = 0..n from it,
    k = (n - s^a.s^b)/2 (row a itself counts at k = 0). Applied to the enumerated FPs of an
    instance, row a is the exact count of FPs in every Hamming shell around FP a (its local
    entropy profile). int64 (m, n + 1), or (len(rows), n + 1); O(m_rows m n) in row chunks.
    """
    S = np.asarray(states)
    if S.ndim != 2:
        raise ValueError("states must have shape (m, n)")
    m, n = S.shape
    chunk = whole_number("chunk", chunk, lower=1)
    S = as_spins(S, n, "states").astype(np.float32)  # exact: |s.s'| <= n < 2^24
    picked = np.arange(m) if rows is None else np.asarray(rows, dtype=np.int64).reshape(-1)
    if picked.size and (picked.min() < 0 or picked.max() >= m):
        raise ValueError(f"rows must be indices in [0, {m})")
    out = np.zeros((picked.size, n + 1), dtype=np.int64)
    for start in range(0, picked.size, chunk):
        block = S[picked[start:start + chunk]] @ S.T
        k = np.rint((n - block) / 2).astype(np.int64)
        k += (n + 1) * np.arange(k.shape[0])[:, None]  # one bincount for the whole chunk
        out[start:start + chunk] = np.bincount(k.ravel(), minlength=k.shape[0] * (n + 1)
                                               ).reshape(-1, n + 1)
    return out


@numba.njit(cache=True)
def _leaf_ok(JT, t, h, j, order):
    """Is t with j flipped a strict FP? t, h: current state and fields (j not yet flipped);
    checks the neurons most likely to fail first and stops at the first failure."""
    if -t[j] * h[j] + 2.0 * JT[j, j] <= 0.0:
        return False
    col = JT[j]
    for q in range(order.size):
        i = order[q]
        if i != j and t[i] * (h[i] - 2.0 * t[j] * col[i]) <= 0.0:
            return False
    return True


@numba.njit(cache=True)
def _single_flips(JT, s, h, order):
    count = 0
    for j in range(s.size):
        if _leaf_ok(JT, s, h, j, order):
            count += 1
    return count


@numba.njit(cache=True)
def _single_flips_batch(JT, S, stab):
    """_single_flips for every row of S (stab: its stabilities s_i h_i)."""
    counts = np.zeros(S.shape[0], np.int64)
    for b in range(S.shape[0]):
        order = np.argsort(stab[b], kind="mergesort")
        counts[b] = _single_flips(JT, S[b], stab[b] * S[b], order)
    return counts


@numba.njit(cache=True)
def _ball_counts(JT, s, h0, radius, order, cand):
    """counts[r] = #FPs among states obtained by flipping r distinct neurons of s, r <= radius,
    flipping only neurons listed in ``cand`` (sorted); depth-first over increasing tuples of
    candidates, fields kept per depth."""
    n = s.size
    counts = np.zeros(radius + 1, np.int64)
    t = s.copy()
    H = np.empty((radius + 1, n))
    H[0] = h0
    ok = True
    for i in range(n):
        if t[i] * h0[i] <= 0.0:
            ok = False
    counts[0] = 1 if ok else 0
    if radius == 0:
        return counts
    nxt = np.zeros(radius + 1, np.int64)  # next position in cand at each depth
    idx = np.zeros(radius + 1, np.int64)
    d = 0
    while True:
        if nxt[d] >= cand.size:
            if d == 0:
                break
            d -= 1
            t[idx[d]] = -t[idx[d]]
            continue
        j = cand[nxt[d]]
        nxt[d] += 1
        if _leaf_ok(JT, t, H[d], j, order):
            counts[d + 1] += 1
        if d + 1 < radius:
            c = -2.0 * t[j]
            col = JT[j]
            for i in range(n):
                H[d + 1, i] = H[d, i] + c * col[i]
            t[j] = -t[j]
            idx[d] = j
            d += 1
            nxt[d] = nxt[d - 1]
    return counts


def _flip_candidates(J64: np.ndarray, stab: np.ndarray, radius: int) -> np.ndarray:
    """Neurons j that can be flipped in a FP within distance ``radius``: after flipping a set
    S containing j its stability is -s_j h_j + 2 J_jj + 2 s_j sum_{l in S, l != j} s_l J_jl,
    at most -s_j h_j + 2 J_jj + 2 (sum of the radius - 1 largest |J_jl|, l != j); the others
    can be skipped exactly (the 1e-9 slack covers rounding of the incremental fields)."""
    diag = np.diag(J64)
    bound = 2.0 * diag - stab
    if radius > 1:
        off = np.abs(J64 - np.diag(diag))
        top = -np.partition(-off, radius - 2, axis=1)[:, :radius - 1]
        bound = bound + 2.0 * top.sum(axis=1)
    return np.flatnonzero(bound > -1e-9)


def hamming_ball_counts(J: ArrayLike, s: ArrayLike, radius: int) -> np.ndarray:
    r"""Exact number of strict FPs at Hamming distance exactly r = 0..radius from s.

    Every set S of r neurons is tried (C(n, r) of them, minus those containing a neuron whose
    flip provably cannot be part of a FP within the radius): flipping S changes the fields
    by :math:`-2\sum_{j\in S}s_jJ_{ij}`, kept incrementally along a depth-first enumeration, and
    the last flip of each set is checked lazily, least stable neurons first, so the cost is
    about C(n, radius - 1) n plus C(n, radius) times the neurons checked per set (a few when
    the flipped sets are mostly not FPs; radius 3 at n = 1000, J_D = 0.9, took 34 s).

    Args:
        J: (n, n) couplings.
        s: +-1 configuration (n,) or batch (m, n).
        radius: largest distance (>= 0).
    Returns:
        int64 array (radius + 1,) (entry 0 is 1 iff s is a FP), or (m, radius + 1).
    """
    J64, S, single = _batch(J, s)
    radius = whole_number("radius", radius, lower=0)
    reach = min(radius, J64.shape[0])  # no state is farther than n
    JT = column_major(J64)
    stab = stabilities(J64, S)
    out = np.zeros((S.shape[0], radius + 1), np.int64)
    for b in range(S.shape[0]):
        order = np.argsort(stab[b], kind="stable")
        cand = _flip_candidates(J64, stab[b], reach)
        out[b, :reach + 1] = _ball_counts(JT, S[b], stab[b] * S[b], reach, order, cand)
    return out[0] if single else out


@numba.njit(cache=True)
def _set_is_fixed_point(J, s, h, flipped, order):
    """Is s with the neurons ``flipped`` (distinct) reversed a strict FP? New stability of i:
    t_i (h_i - 2 sum_{j in flipped} s_j J_ij), t_i = -s_i if i was flipped, s_i otherwise;
    the flipped neurons are checked first, then the rest least stable first, with an early
    exit at the first failure."""
    k = flipped.size
    for a in range(k):
        i = flipped[a]
        field = h[i]
        for b in range(k):
            field -= 2.0 * s[flipped[b]] * J[i, flipped[b]]
        if -s[i] * field <= 0.0:
            return False
    for q in range(order.size):
        i = order[q]
        field = h[i]
        inside = False
        for b in range(k):
            j = flipped[b]
            if j == i:
                inside = True
                break
            field -= 2.0 * s[j] * J[i, j]
        if not inside and s[i] * field <= 0.0:
            return False
    return True


@numba.njit(cache=True)
def _sampled_hits(J, s, h, cand, k, samples, order, seed):
    """Number of FPs among ``samples`` uniformly random k-subsets of ``cand`` (partial
    Fisher-Yates shuffle per sample)."""
    np.random.seed(seed)
    pool = cand.copy()
    hits = 0
    for _ in range(samples):
        for a in range(k):
            b = a + int(np.random.random() * (pool.size - a))
            pool[a], pool[b] = pool[b], pool[a]
        if _set_is_fixed_point(J, s, h, pool[:k], order):
            hits += 1
    return hits


def sampled_shell_counts(J: ArrayLike, s: ArrayLike, ks: ArrayLike, samples: int,
                         rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    r"""Monte Carlo estimate of the number of strict FPs at Hamming distance exactly k from s,
    for distances where :func:`hamming_ball_counts` (exhaustive) is too costly.

    Every FP at distance k flips a k-subset of the candidate neurons C_k (those whose flip can
    be part of a FP within distance k, the exact pruning of :func:`hamming_ball_counts`).
    Drawing ``samples`` uniform k-subsets of C_k and counting the FPs among them (hits),

    .. math:: \hat N_k = \binom{|C_k|}{k}\,\frac{\text{hits}}{\text{samples}},\qquad
              \mathrm{SE} = \binom{|C_k|}{k}\sqrt{\hat p(1-\hat p)/\text{samples}},

    unbiased; with no hit the estimate is 0 and only N_k <~ 3 C(|C_k|, k)/samples is known.

    Args:
        J: (n, n) couplings.
        s: +-1 configuration (n,).
        ks: distances (integers in [1, n]).
        samples: subsets drawn per distance.
        rng: random generator.
    Returns:
        (estimates, standard errors), float64 arrays of the shape of ``ks``.
    """
    J64 = as_couplings(J).astype(np.float64, copy=False)
    n = J64.shape[0]
    s = as_spins(s, n)
    if s.ndim != 1:
        raise ValueError(f"s must have shape ({n},)")
    ks = np.asarray(ks)
    flat = np.array([whole_number("ks", k, lower=1, upper=n) for k in ks.reshape(-1)],
                    dtype=np.int64)
    samples = whole_number("samples", samples, lower=1)
    rng = generator(rng)
    stab = stabilities(J64, s)
    h = stab * s
    order = np.argsort(stab, kind="stable")
    est, err = np.zeros(flat.size), np.zeros(flat.size)
    for i, k in enumerate(flat):
        cand = _flip_candidates(J64, stab, int(k))
        if cand.size < k:
            continue
        hits = _sampled_hits(J64, s, h, cand, int(k), samples, order,
                             int(rng.integers(0, 2**31 - 1)))
        p = hits / samples
        total = np.exp(special.gammaln(cand.size + 1) - special.gammaln(k + 1)
                       - special.gammaln(cand.size - k + 1))
        est[i], err[i] = total * p, total * np.sqrt(p * (1 - p) / samples)
    return est.reshape(ks.shape), err.reshape(ks.shape)
