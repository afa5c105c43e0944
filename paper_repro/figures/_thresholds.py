"""Thresholds on the J_D axis: the theory's critical J_D of dense clusters (a stored task) and
the measured algorithmic thresholds, with bootstrap errors and their drift with the size N.

The threshold at one N is the J_D where the fraction of runs that reach a fixed point first
crosses 1/2 (:func:`paper_repro.figures._dynamics.half_crossing`, linear interpolation on the
J_D grid). Its error combines resampling the runs of every grid point with replacement
(nonparametric bootstrap) and the width of the grid bracket holding the crossing; a
threshold below the grid is reported as an upper bound, never as the grid's edge. Its drift
with N is fitted two ways, both reported:

- logarithmic growth, J(N) = a + b ln N (no finite limit);
- power-law saturation, J(N) = J_inf - c N^(-nu) (a finite limit J_inf).
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

import theory
from paper_repro.figures._dynamics import half_crossing
from paper_repro.sweep import Task

BOOTSTRAP_RESAMPLES = 2000
# bisection of theory.cluster_phase for the critical J_D (None: left out, e.g. in tiny tests)
DENSE_THRESHOLD = {"bracket": (0.045, 0.0956), "xtol": 2e-3, "quick_xtol": 1e-2}


def dense_threshold_task(params: dict, rng) -> dict:
    """theory.dense_cluster_threshold in a bracket (deterministic)."""
    del rng
    res = theory.dense_cluster_threshold(tuple(params["bracket"]), params["xtol"])
    return {"jd": res.jd, "error": res.error, "d_close": res.d_close,
            "bracket": list(res.bracket)}


def dense_cluster_threshold(ctx) -> dict | None:
    """The critical J_D of dense clusters (:func:`theory.dense_cluster_threshold`: annealed,
    RS, zero reference complexity) as one task of the ``phase_diagram`` figure's store, which
    every figure that marks it shares; None when ``DENSE_THRESHOLD`` is None."""
    if DENSE_THRESHOLD is None:
        return None
    xtol = DENSE_THRESHOLD["quick_xtol" if ctx.quick else "xtol"]
    task = Task(f"bracket={DENSE_THRESHOLD['bracket']}/xtol={xtol}",
                {"bracket": list(DENSE_THRESHOLD["bracket"]), "xtol": xtol})
    return ctx.sweep("dense_threshold", dense_threshold_task, [task], owner="phase_diagram")[0]


def _inner_crossing(jds: np.ndarray, prob: list[float]) -> float:
    """:func:`half_crossing` inside the grid: NaN also when 1/2 is reached at the first point
    (the threshold then lies below the grid, at an unknown place)."""
    return float("nan") if prob[0] >= 0.5 else half_crossing(jds, prob)


def bootstrap_threshold(jds: np.ndarray, found: list[list[bool]], rng: np.random.Generator,
                        resamples: int = BOOTSTRAP_RESAMPLES) -> dict:
    """Half-crossing threshold of the runs ``found[k]`` (booleans) at ``jds[k]`` with its error.

    ``estimate``: the data's crossing, linear interpolation inside the bracket
    [J_{k-1}, J_k] where the success fraction first reaches 1/2. ``error`` =
    sqrt(bootstrap_error^2 + grid_error^2): ``bootstrap_error`` is the standard deviation
    over resamples of the runs (those that cross inside the grid), ``grid_error`` =
    (J_k - J_{k-1})/sqrt(12) the spread of a crossing known only to lie in the bracket (when
    the runs jump from all-fail to all-succeed between two grid points the bootstrap alone has
    no spread); ``low``/``high`` are the resamples' 16th/84th percentiles and
    ``crossing_fraction`` the fraction of resamples that cross inside the grid. If the runs
    already reach 1/2 at the first grid point the threshold lies below the grid: estimate and
    errors are NaN and ``upper_bound`` = jds[0] (NaN otherwise); if they never reach it,
    everything is NaN."""
    jds = np.asarray(jds, float)
    if len(found) != jds.size:
        raise ValueError(f"found has {len(found)} grid points, jds {jds.size}")
    runs = [np.asarray(f, bool) for f in found]
    prob = [r.mean() for r in runs]
    estimate = _inner_crossing(jds, prob)
    below_grid = prob[0] >= 0.5
    samples = np.empty(resamples)
    for b in range(resamples):
        samples[b] = _inner_crossing(jds, [r[rng.integers(r.size, size=r.size)].mean()
                                           for r in runs])
    crossing = np.isfinite(samples)
    out = {"estimate": estimate, "error": float("nan"), "bootstrap_error": float("nan"),
           "grid_error": float("nan"), "low": float("nan"), "high": float("nan"),
           "crossing_fraction": float(crossing.mean()),
           "upper_bound": float(jds[0]) if below_grid else float("nan")}
    if not np.isfinite(estimate) or not crossing.any():
        return out
    k = int(np.nonzero(np.asarray(prob) >= 0.5)[0][0])
    grid = float(jds[k] - jds[k - 1]) / np.sqrt(12.0)
    spread = float(np.std(samples[crossing], ddof=1)) if crossing.sum() > 1 else 0.0
    low, high = np.percentile(samples[crossing], [16, 84])
    out.update(error=float(np.hypot(spread, grid)), bootstrap_error=spread, grid_error=grid,
               low=float(low), high=float(high))
    return out


def _weighted_fit(model, n: np.ndarray, value: np.ndarray, error: np.ndarray,
                  start: list[float]) -> dict:
    params, cov = optimize.curve_fit(model, n, value, p0=start, sigma=error,
                                     absolute_sigma=True, maxfev=20000)
    chi2 = float(np.sum(((value - model(n, *params)) / error) ** 2))
    return {"params": params.tolist(), "errors": np.sqrt(np.diag(cov)).tolist(),
            "chi2": chi2, "dof": int(n.size - params.size)}


def _logarithmic(n, a, b):
    return a + b * np.log(n)


def _saturating(n, j_inf, c, nu):
    return j_inf - c * n ** (-nu)


def threshold_drift(sizes: np.ndarray, thresholds: np.ndarray, errors: np.ndarray) -> dict:
    """Weighted least-squares fits of the thresholds vs N: ``logarithmic`` (params a, b of
    a + b ln N) and ``saturating`` (J_inf, c, nu of J_inf - c N^-nu; None when fewer than
    four sizes or the fit fails), each with parameter errors, chi^2 and degrees of freedom.
    Sizes whose threshold or error is not finite are left out (listed in ``used``)."""
    sizes, thresholds, errors = (np.asarray(a, float) for a in (sizes, thresholds, errors))
    ok = np.isfinite(thresholds) & np.isfinite(errors) & (errors > 0)
    n, value, error = sizes[ok], thresholds[ok], errors[ok]
    out = {"used": n.tolist(), "logarithmic": None, "saturating": None}
    if n.size >= 3:
        out["logarithmic"] = _weighted_fit(_logarithmic, n, value, error, [0.0, 0.05])
    if n.size >= 4:
        try:
            out["saturating"] = _weighted_fit(_saturating, n, value, error,
                                              [value[-1] + 0.05, 1.0, 0.5])
        except (RuntimeError, optimize.OptimizeWarning):
            out["saturating"] = None
    return out


def drift_curve(fit: dict | None, kind: str, n: np.ndarray) -> np.ndarray:
    """The fitted threshold curve of :func:`threshold_drift` ``kind`` at sizes ``n``."""
    model = {"logarithmic": _logarithmic, "saturating": _saturating}[kind]
    return model(np.asarray(n, float), *fit["params"])


def measured_thresholds(seed: int, jds: np.ndarray, sizes, by_size: list[list[dict]],
                        by_algorithm: list[list[dict]]) -> dict:
    """Bootstrap thresholds of asynchronous dynamics per size (``async``) and of the other
    algorithms (``others``) from the convergence sweeps' rows (each with its runs' ``found``),
    and their ``drift`` with N; the resampling stream derives from ``seed`` (same record,
    same numbers)."""
    rng = np.random.default_rng([seed, 0x7B007])
    per_size = [bootstrap_threshold(jds, [r["found"] for r in rows], rng) for rows in by_size]
    others = [bootstrap_threshold(jds, [r["found"] for r in rows], rng)
              for rows in by_algorithm]
    drift = threshold_drift(sizes, [b["estimate"] for b in per_size],
                            [b["error"] for b in per_size])
    return {"async": per_size, "others": others, "drift": drift,
            "bootstrap": f"{BOOTSTRAP_RESAMPLES} resamples of the runs at every J_D; error = "
                         "bootstrap SD and grid bracket / sqrt(12) in quadrature, low/high = "
                         "16th/84th percentiles of the resamples; upper_bound: the threshold "
                         "lies below the grid"}
