"""The critical-margin sweep shared by the ``margin_clusters`` and ``phase_diagram`` figures:
the smallest gap-free margin kappa_c(J_D) on a grid of self-couplings (annealed)."""

from __future__ import annotations

import numpy as np

import theory
from paper_repro.sweep import Task, result_shape

# number of self-couplings (geometric grid on [0.06, 3]) at which kappa_c is solved
GRID_SIZES = {"quick": 8, "full": 40}


@result_shape(lambda p: {"kappa_c": ()})
def critical_margin_task(params: dict, rng: np.random.Generator) -> dict:
    del rng  # deterministic
    return {"kappa_c": float(theory.critical_margin(params["jd"]))}


def critical_margins(ctx) -> tuple[np.ndarray, np.ndarray]:
    """kappa_c(J_D) on the J_D grid, through a sweep stored under the ``margin_clusters``
    figure (``phase_diagram`` calls this too and reuses the store)."""
    jd_grid = np.round(np.geomspace(0.06, 3.0, GRID_SIZES["quick" if ctx.quick else "full"]), 6)
    results = ctx.sweep("critical_margin", critical_margin_task,
                        [Task(f"jd={j:.6f}", {"jd": float(j)}) for j in jd_grid],
                        owner="margin_clusters")
    return jd_grid, np.array([r["kappa_c"] for r in results])
