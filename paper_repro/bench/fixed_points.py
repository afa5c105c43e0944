"""Benchmarks of exact fixed-point enumeration (``python -m paper_repro bench --only fixed``).

- counting fixed points at 11 self-couplings at once on one instance, ONE thread, n = 24
  (quick: 20), in configurations decided per second (2^n / time; the walk visits the 2^(n-1)
  states with s_{n-1} = +1 and counts the mirror images), against :func:`naive_count`, plain
  numpy over chunks of the same half of the states (S @ J.T, min over neurons), timed on a
  subset in the same run;
- the same count with all threads at n = 32 (quick: 26), wall time, against the naive time
  extrapolated from its measured rate;
- the histogram of pair distances of 10^6 (quick: 10^5) configurations at n = 24 (quick: 20)
  against plain numpy pairwise popcounts timed on a subset and extrapolated.
"""

from __future__ import annotations

import time

import numba
import numpy as np

from paper_repro.bench import best_time

JDS = np.linspace(0.0, 1.0, 11)


def naive_count(J: np.ndarray, jds: np.ndarray, first: int, count: int,
                chunk: int = 1 << 15) -> np.ndarray:
    """#states among codes [first, first + count) of the half s_{n-1} = +1 that are fixed
    points at each self-coupling in ``jds`` (diagonal of J ignored), times 2 for mirrors."""
    n = J.shape[0]
    off = J.astype(np.float64).copy()
    np.fill_diagonal(off, 0.0)
    bits = np.arange(n, dtype=np.int64)
    out = np.zeros(len(jds), dtype=np.int64)
    for lo in range(first, first + count, chunk):
        codes = np.arange(lo, min(lo + chunk, first + count), dtype=np.int64)
        s = (1 - 2 * ((codes[:, None] >> bits) & 1)).astype(np.float64)
        m = (s * (s @ off.T)).min(axis=1)
        out += 2 * (m[:, None] > -jds[None, :]).sum(axis=0)
    return out


def _best_cpu_time(func, repeat: int) -> float:
    """Smallest process CPU time (s) of one call over ``repeat`` trials: on a shared machine
    this, for a one-thread run, is closer to the idle-machine wall time than best_time."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        func()
        best = min(best, time.process_time() - start)
    return best


def _count_benchmarks(quick: bool) -> list[dict]:
    from sim.couplings import random_couplings
    from sim.enumeration import count_fixed_points

    rng = np.random.default_rng(0)
    threads = numba.get_num_threads()
    out = []
    n = 20 if quick else 24
    J = random_couplings(n, 0.0, rng)
    count_fixed_points(J[:8, :8], JDS)  # compile / load the cache
    subset = 1 << 18
    naive = best_time(lambda: naive_count(J, JDS, 0, subset), repeat=3)
    naive_rate = 2 * subset / naive  # configurations decided per second
    numba.set_num_threads(1)
    try:
        ours = best_time(lambda: count_fixed_points(J, JDS), repeat=5)
        ours_cpu = _best_cpu_time(lambda: count_fixed_points(J, JDS), repeat=5)
    finally:
        numba.set_num_threads(threads)
    rate = 2.0**n / ours
    out.append({"name": "fixed-point count, one thread", "unit": "configurations/s",
                "ours": rate, "naive": naive_rate, "ratio": rate / naive_rate, "n": n,
                "self_couplings": len(JDS), "threads": 1, "ours_s": ours,
                "ours_cpu_rate": 2.0**n / ours_cpu,
                "naive_subset_states": subset})

    n = 26 if quick else 32
    J = random_couplings(n, 0.0, rng)
    ours = best_time(lambda: count_fixed_points(J, JDS), repeat=1 if not quick else 3)
    naive_total = 2.0**n / naive_rate
    out.append({"name": "fixed-point count, all threads", "unit": "s", "ours": ours,
                "naive": naive_total, "ratio": naive_total / ours, "n": n,
                "self_couplings": len(JDS), "threads": threads,
                "naive_extrapolated_from_rate": naive_rate})
    return out


def _pair_benchmark(quick: bool) -> dict:
    from sim.enumeration import pair_distance_histogram

    n, m = (20, 100_000) if quick else (24, 1_000_000)
    rng = np.random.default_rng(1)
    configs = rng.choice(np.array([-1, 1], dtype=np.int8), size=(m, n))
    pair_distance_histogram(configs[:2000])
    ours = best_time(lambda: pair_distance_histogram(configs), repeat=3)
    sub = 2000
    packed = ((configs[:sub] < 0).astype(np.int64) << np.arange(n)).sum(axis=1)

    def naive_pairs():
        d = np.bitwise_count(packed[:, None] ^ packed[None, :])
        return np.bincount(d.ravel(), minlength=n + 1)

    naive = best_time(naive_pairs, repeat=3) * (m / sub) ** 2
    return {"name": "pair-distance histogram", "unit": "s", "ours": ours, "naive": naive,
            "ratio": naive / ours, "n": n, "configurations": m,
            "naive_extrapolated_from_rows": sub}


def benchmarks(quick: bool) -> list[dict]:
    return _count_benchmarks(quick) + [_pair_benchmark(quick)]
