"""Benchmarks of the closed-form theory (``python -m paper_repro bench --only theory``).

- the pair entropy Sigma2(q) and the Franz-Parisi potential V(q) on a 10^4-point q grid for
  50 values of J_D at once (5 * 10^5 points each; budget: under 1 s for both), against a
  Python loop over J_D calling the same vectorised functions one row at a time;
- one site integral of the local entropy (the averages behind every saddle-point residual,
  ~700 x 100 quadrature nodes at a nearly collapsed point of the J_D = 0.05 branch), compiled,
  against the same sums in plain numpy;
- the first call of the zero-complexity local entropy at J_D = 0.05 (every RS branch traced
  from d = 1e-6 to 0.49; budget: a few seconds; no naive counterpart).
"""

from __future__ import annotations

import importlib

import numpy as np
from scipy import special

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
             "within_budget": bool(ours < 1.0)}, _site_integral(), _first_call(quick)]


def _site_numpy(le, pt, d, jd, y):
    """The site averages (log norm, <pi>, <(pi-d)^2>, <(d_m l)^2>, <l>) in plain numpy on
    the nodes of theory.local_entropy._site (FP reference)."""
    m, log_wm = le._m_nodes(pt, d, jd, y, True)
    z, log_wz = le._z_nodes(pt, y)
    eps = np.sqrt(pt.eps2)
    h = pt.h_field + np.sqrt(pt.q_hat) * z
    xp, xm = ((jd + m) / eps)[:, None], ((jd - m) / eps)[:, None]
    log_keep = le.log_ndtr(xp)
    odds = le.log_ndtr(xm) - log_keep - 2.0 * h[None, :]
    pi = special.expit(odds)
    ell = log_keep + np.logaddexp(0.0, odds) - np.logaddexp(0.0, -2.0 * pt.h_field)
    rp, rm = np.exp(le._log_hazard(xp)), np.exp(le._log_hazard(xm))
    grad = ((1.0 - pi) * rp - pi * rm) / eps
    log_w = log_wm[:, None] + log_wz[None, :] + y * ell
    w = np.exp(log_w - log_w.max())
    total = w.sum()
    return (log_w.max() + np.log(total), (w * pi).sum() / total,
            (w * (pi - d) ** 2).sum() / total, (w * grad**2).sum() / total,
            (w * ell).sum() / total)


def _site_integral() -> dict:
    le = importlib.import_module("theory.local_entropy")
    d, jd, y = 0.02, 0.05, 25.0
    pt = le._point(d, 2.5, -1.6, 5.5)
    nodes = le._m_nodes(pt, d, jd, y, True)[0].size * le._z_nodes(pt, y)[0].size
    ours = best_time(lambda: le._site(pt, d, jd, y, True), repeat=20)
    naive = best_time(lambda: _site_numpy(le, pt, d, jd, y), repeat=5)
    return {"name": "local-entropy site integral, one evaluation", "unit": "s", "ours": ours,
            "naive": naive, "ratio": naive / ours, "nodes": nodes}


def _first_call(quick: bool) -> dict:
    import theory
    clusters = importlib.import_module("theory.dense_clusters")

    def first_call():
        for cache in (clusters._TRACES, clusters._DIRECT, clusters._FREE_LIMIT):
            cache.clear()
        theory.local_entropy(0.1, 0.05)

    theory.local_entropy(0.3, 0.5)  # compile the kernels outside the timing
    ours = best_time(first_call, repeat=1 if quick else 3)
    return {"name": "zero-complexity S*(d), first call at J_D = 0.05 (all RS branches traced)",
            "unit": "s", "ours": ours, "naive": None, "ratio": None, "budget_s": 5.0,
            "within_budget": bool(ours < 5.0)}
