"""Benchmarks of the zero-temperature dynamics (``python -m paper_repro bench --only dynamics``).

- asynchronous updates per second at n = 1000, J_D = 0.3 (the dynamics keeps flipping, about
  17% of the visited neurons, so every sweep costs the same) of sim.dynamics.relax (and of
  its kernel alone, without validation and field set-up), against
  :func:`naive_async_sweeps`, a Python loop recomputing h_i = J[i] @ s at every visit;
- flips per second of the asynchronous kernel at n = 8000 (J = 512 MB in float64, far larger
  than the caches), starting from random states (about 20% of visits flip), against a numpy
  loop doing the same incremental column update per flip, and against the memory-bandwidth
  bound: one coupling column (8 n bytes, or 4 n in float32) read per flip, with the
  bandwidth measured as the read rate of a large numpy array sum.
"""

from __future__ import annotations

import numpy as np

from paper_repro.bench import best_time


def naive_async_sweeps(J: np.ndarray, s: np.ndarray, order: np.ndarray) -> int:
    """Asynchronous sign dynamics (sign(0) = +1) visiting ``order``, with h_i = J[i] @ s
    recomputed at every visit; modifies s in place, returns the number of flips."""
    flips = 0
    for i in order:
        new = 1 if J[i] @ s >= 0 else -1
        if new != s[i]:
            s[i] = new
            flips += 1
    return flips


def naive_flips(JF: np.ndarray, s: np.ndarray, h: np.ndarray, order: np.ndarray) -> int:
    """The same with incremental fields in numpy: h += 2 s_j J[:, j] per flip (JF Fortran)."""
    flips = 0
    for j in order:
        new = 1.0 if h[j] >= 0 else -1.0
        if new != s[j]:
            s[j] = new
            h += (2.0 * new) * JF[:, j]
            flips += 1
    return flips


def _rand_pm1(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.where(rng.random(n) < 0.5, 1, -1).astype(np.int8)


def _updates_benchmark(quick: bool) -> dict:
    from sim.couplings import random_couplings
    from sim.dynamics import _async_run, _transposed, relax

    n, jd, sweeps = 1000, 0.3, (50 if quick else 300)
    rng = np.random.default_rng(0)
    J = np.asfortranarray(random_couplings(n, jd, rng))
    s0 = _rand_pm1(rng, n)
    relax(J, s0, rng=rng, max_sweeps=2)  # compile
    last = {}

    def ours():
        last["r"] = relax(J, s0, rng=np.random.default_rng(1), max_sweeps=sweeps)

    repeat = 3 if quick else 5
    t = best_time(ours, repeat=repeat)
    r = last["r"]
    assert r.sweeps == sweeps and not r.converged
    JT, h0 = _transposed(J, np.dtype(np.float64)), J @ s0.astype(np.float64)
    empty = np.zeros(0, np.int32)
    t_kernel = best_time(lambda: _async_run(JT, s0.copy(), h0.copy(), 1, sweeps, empty),
                         repeat=repeat)
    naive_sweeps = 1 if quick else 3
    Jc = np.ascontiguousarray(J)
    s_naive = s0.astype(np.float64)
    orders = [rng.permutation(n) for _ in range(naive_sweeps)]
    t_naive = best_time(lambda: [naive_async_sweeps(Jc, s_naive.copy(), o) for o in orders],
                        repeat=2)
    ours_rate, naive_rate = n * sweeps / t, n * naive_sweeps / t_naive
    return {"name": "async updates/s (n = 1000)", "unit": "updates/s", "ours": ours_rate,
            "naive": naive_rate, "ratio": ours_rate / naive_rate, "n": n, "jd": jd,
            "sweeps": sweeps, "flips_per_update": r.flips / (n * sweeps),
            "kernel_updates_per_s": n * sweeps / t_kernel,
            "naive_sweeps": naive_sweeps}


def _bandwidth_benchmark(quick: bool) -> list[dict]:
    from sim.couplings import random_couplings
    from sim.dynamics import _async_run, _transposed

    n, jd, sweeps = 8000, 0.3, (1 if quick else 2)
    rng = np.random.default_rng(0)
    J = np.asfortranarray(random_couplings(n, jd, rng))
    s0 = _rand_pm1(rng, n)
    h0 = J @ s0.astype(np.float64)
    repeat = 2 if quick else 5
    read_rate = J.nbytes / best_time(J.sum, repeat=repeat)  # bytes/s
    order = rng.permutation(n)[: n // 4]
    flips_naive = naive_flips(J, s0.astype(np.float64), h0.copy(), order)
    t_naive = best_time(lambda: naive_flips(J, s0.astype(np.float64), h0.copy(), order),
                        repeat=2)
    naive_rate = flips_naive / t_naive
    empty = np.zeros(0, np.int32)

    def kernel(JT: np.ndarray) -> int:
        return _async_run(JT, s0.copy(), h0.copy(), 1, sweeps, empty)[1]

    out = []
    for dtype in (np.float64, np.float32):
        JT = _transposed(J, np.dtype(dtype))
        flips = kernel(JT)  # also compiles
        rate = flips / best_time(lambda: kernel(JT), repeat=repeat)  # noqa: B023
        bound = read_rate / (n * JT.itemsize)
        out.append({"name": f"async flips/s (n = 8000, {np.dtype(dtype).name} couplings)",
                    "unit": "flips/s", "ours": rate, "naive": naive_rate,
                    "ratio": rate / naive_rate, "bandwidth_bound": bound,
                    "fraction_of_bound": rate / bound, "read_bandwidth_GBs": read_rate / 1e9,
                    "column_GBs": rate * n * JT.itemsize / 1e9, "n": n, "jd": jd,
                    "sweeps": sweeps, "flips": int(flips), "naive_flips": flips_naive})
    return out


def benchmarks(quick: bool) -> list[dict]:
    return [_updates_benchmark(quick), *_bandwidth_benchmark(quick)]
