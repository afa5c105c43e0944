"""Benchmarks of the zero-temperature dynamics (``python -m paper_repro bench --only dynamics``).

- asynchronous updates per second at n = 1000, J_D = 0.3 (the dynamics keeps flipping, about
  17% of the visited neurons, so every sweep costs the same) of sim.dynamics.relax against
  :func:`naive_async_sweeps`, a Python loop recomputing h_i = J[i] @ s at every visit;
- flips per second of a whole :func:`sim.relax` call (validation, first fields, sweeps) at
  n = 1000, 2000, 4000, 8000 with float32 and float64 couplings in the documented fast layout
  (Fortran order), against :func:`plain_async_run`, a plain numba kernel doing the same job
  (fields from scratch, then random-order sweeps with one column read per flip), and
  against the memory-bandwidth bound: one coupling column (8 n bytes, or 4 n in float32)
  read per flip, the bandwidth measured as the read rate of a large numpy array sum.
  Starts are random, J_D = 0.3: about 17% of visits flip and nothing converges.
"""

from __future__ import annotations

import numba
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


@numba.njit(cache=True)
def plain_async_run(JF, s, seed, sweeps):
    """The reference: h = J s from the columns of a Fortran-ordered JF (float64 fields), then
    ``sweeps`` sweeps, each in a fresh random order (Fisher-Yates with numba's generator
    seeded by ``seed``, the draws sim.relax makes), flipping every unstable neuron
    (sign(0) = +1) and adding 2 s_j J[:, j] to h. Modifies s; returns the number of flips
    (equal to relax's for the same seed: a cross-check)."""
    n = s.size
    h = np.zeros(n)
    for j in range(n):
        col = JF[:, j]
        for i in range(n):
            h[i] += s[j] * col[i]
    np.random.seed(seed)
    order = np.arange(n)
    flips = 0
    for _ in range(sweeps):
        for k in range(n - 1, 0, -1):
            r = int(np.random.random() * (k + 1))
            order[k], order[r] = order[r], order[k]
        for j in order:
            new = 1 if h[j] >= 0.0 else -1
            if new != s[j]:
                s[j] = new
                col = JF[:, j]
                for i in range(n):
                    h[i] += 2.0 * new * col[i]
                flips += 1
    return flips


def _rand_pm1(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.where(rng.random(n) < 0.5, 1, -1).astype(np.int8)


def _updates_benchmark(quick: bool) -> dict:
    from sim.couplings import random_couplings
    from sim.dynamics import relax

    n, jd, sweeps = 1000, 0.3, (50 if quick else 300)
    rng = np.random.default_rng(0)
    J = np.asfortranarray(random_couplings(n, jd, rng))
    s0 = _rand_pm1(rng, n)
    relax(J, s0, rng=rng, max_sweeps=2)  # compile
    last = {}

    def ours():
        last["r"] = relax(J, s0, rng=np.random.default_rng(1), max_sweeps=sweeps)

    t = best_time(ours, repeat=3 if quick else 5)
    r = last["r"]
    assert r.sweeps == sweeps and not r.converged
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
            "naive_sweeps": naive_sweeps}


def _flips_benchmark(quick: bool) -> list[dict]:
    """relax vs the plain numba kernel, per flip, at each size and coupling dtype."""
    from sim.couplings import random_couplings
    from sim.dynamics import relax

    jd = 0.3
    sizes = (1000, 2000) if quick else (1000, 2000, 4000, 8000)
    repeat = 2 if quick else 9
    out = []
    for n in sizes:
        rng = np.random.default_rng(n)
        s0 = _rand_pm1(rng, n)
        # about 2e9 column bytes read per call in float64 at every n (more sweeps at small n)
        sweeps = max(4, int(2e9 / (0.17 * n * n * 8)) // (4 if quick else 1))
        seed = int(np.random.default_rng(1).integers(0, 2**31 - 1, size=1)[0])  # relax's
        for dtype in (np.float64, np.float32):
            J = np.asfortranarray(random_couplings(n, jd, rng, dtype=dtype))
            read_rate = J.nbytes / best_time(J.sum, repeat=repeat)  # bytes/s
            plain_async_run(J, s0.copy(), 1, 1)  # compile
            relax(J, s0, rng=np.random.default_rng(1), max_sweeps=1)
            last = {}

            def ours(J=J, sweeps=sweeps, last=last, s0=s0):
                last["r"] = relax(J, s0, rng=np.random.default_rng(1), max_sweeps=sweeps)

            def plain(J=J, sweeps=sweeps, last=last, s0=s0, seed=seed):
                last["p"] = plain_async_run(J, s0.copy(), seed, sweeps)

            t_ours, t_plain = np.inf, np.inf
            for _ in range(repeat):  # alternate, so that load changes hit both alike
                t_ours = min(t_ours, best_time(ours, repeat=1))
                t_plain = min(t_plain, best_time(plain, repeat=1))
            r = last["r"]
            assert r.sweeps == sweeps and not r.converged and r.flips == last["p"]
            rate, plain_rate = r.flips / t_ours, last["p"] / t_plain
            bound = read_rate / (n * J.itemsize)
            out.append({"name": f"async flips/s (n = {n}, {J.dtype.name} couplings, "
                                "relax vs plain numba kernel)",
                        "unit": "flips/s", "ours": rate, "naive": plain_rate,
                        "ratio": rate / plain_rate, "bandwidth_bound": bound,
                        "fraction_of_bound": rate / bound,
                        "read_bandwidth_GBs": read_rate / 1e9,
                        "column_GBs": rate * n * J.itemsize / 1e9, "n": n, "jd": jd,
                        "dtype": J.dtype.name, "layout": "Fortran", "sweeps": sweeps,
                        "flips": int(r.flips), "plain_flips": int(last["p"])})
            del J
    return out


def benchmarks(quick: bool) -> list[dict]:
    return [_updates_benchmark(quick), *_flips_benchmark(quick)]
