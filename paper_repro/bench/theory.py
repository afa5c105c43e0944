"""Benchmarks of the closed-form theory (``python -m paper_repro bench --only theory``).

- the pair entropy Sigma2(q) and the Franz-Parisi potential V(q) on a 10^4-point q grid for
  50 values of J_D at once (5 * 10^5 points each; budget: under 1 s for both), against a
  Python loop over J_D calling the same vectorised functions one row at a time.
"""

from __future__ import annotations

import numpy as np

from paper_repro.bench import best_time


def benchmarks(quick: bool) -> list[dict]:
    import theory

    points = 2_000 if quick else 10_000
    q = np.linspace(-1, 1, points)[None, :]
    jd = np.linspace(0, 5, 50)[:, None]

    def grid():
        theory.pair_entropy(q, jd)
        theory.franz_parisi(q, jd)

    def rows():
        for j in jd[:, 0]:
            theory.pair_entropy(q[0], j)
            theory.franz_parisi(q[0], j)

    ours = best_time(grid, repeat=3)
    naive = best_time(rows, repeat=3)
    return [{"name": "Sigma2 and V on a q x J_D grid", "unit": "s", "ours": ours,
             "naive": naive, "ratio": naive / ours, "grid": [50, points], "budget_s": 1.0,
             "within_budget": bool(ours < 1.0)}]
