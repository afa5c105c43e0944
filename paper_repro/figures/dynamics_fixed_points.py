"""Figure ``dynamics_fixed_points``: the fixed points dynamics finds are not the typical ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import special

import theory
from paper_repro.figures._dynamics import STABILITY_BINS, found_fixed_point_task
from paper_repro.plotting import as_array, figure, panel_label
from paper_repro.sweep import Task

SUMMARY = ("fixed points reached by asynchronous dynamics vs typical fixed points: single-flip "
           "FP neighbours per neuron, fraction of free neurons and distribution of stabilities, "
           "against the exact typical-FP (annealed) theory")

SIZES = {
    "quick": {"n": 500, "runs": 8, "jds": np.round(np.arange(0.6, 1.41, 0.1), 3)},
    "full": {"n": 2000, "runs": 40, "jds": np.round(np.arange(0.6, 1.81, 0.05), 3)},
}
BUDGET = 1000
HIST_JD = 0.8  # self-coupling of the stability histogram panel


def compute(ctx) -> dict:
    size = SIZES["quick" if ctx.quick else "full"]
    n, jds = size["n"], size["jds"]
    tasks = [Task(f"async/n={n}/jd={jd}", {"algorithm": "async", "n": n, "jd": float(jd),
                                           "runs": size["runs"], "budget": BUDGET})
             for jd in jds]
    results = ctx.sweep("found", found_fixed_point_task, tasks)
    found = [[r for r in res["runs"] if r["found"]] for res in results]

    def stat(key, scale=1.0):
        mean = [np.mean([r[key] for r in f]) / scale if f else np.nan for f in found]
        err = [np.std([r[key] for r in f], ddof=1) / scale / np.sqrt(len(f)) if len(f) > 1
               else np.nan for f in found]
        return mean, err

    neighbours, neighbours_err = stat("neighbours", n)
    free, free_err = stat("free_fraction")
    k_hist = int(np.argmin(np.abs(jds - HIST_JD)))
    hist = np.sum([r["stability_histogram"] for r in found[k_hist]], axis=0)
    jd_line = np.linspace(jds[0], jds[-1], 100)
    # typical FP, exact at size n (annealed): E[#FP at distance 1 from an FP] = E[pairs(k=1)]/E[Z]
    typical_neighbours = np.exp(theory.log_expected_pairs(n, 1, jd_line)
                                - theory.log_expected_fixed_points(n, jd_line)) / n
    centres = 0.5 * (STABILITY_BINS[1:] + STABILITY_BINS[:-1])
    width = STABILITY_BINS[1] - STABILITY_BINS[0]
    jd_hist = float(jds[k_hist])
    sigma = np.sqrt((n - 1) / n)  # variance of the local field at size n
    typical_density = np.where(centres > -jd_hist,
                               np.exp(-0.5 * (centres / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))
                               / special.ndtr(jd_hist / sigma), 0.0)
    return {"parameters": {"n": n, "jds": jds, "runs": size["runs"], "budget_sweeps": BUDGET,
                           "hist_jd": jd_hist, "bins": STABILITY_BINS,
                           "theory": "typical FP, annealed over J, exact at size n"},
            "data": {"found_fraction": [len(f) / size["runs"] for f in found],
                     "neighbours_per_neuron": neighbours, "neighbours_err": neighbours_err,
                     "free_fraction": free, "free_fraction_err": free_err,
                     "jd_line": jd_line, "typical_neighbours_per_neuron": typical_neighbours,
                     "typical_free_fraction": theory.free_fraction(jd_line, n),
                     "stability_density": hist / max(hist.sum(), 1) / width,
                     "typical_stability_density": typical_density,
                     "histogram_fixed_points": len(found[k_hist])}}


def draw(record: dict, path: Path) -> None:
    p, data = record["parameters"], record["data"]
    jds, line = as_array(p["jds"]), as_array(data["jd_line"])
    with figure(path, ncols=3, width=15, height=4.3) as (_, axes):
        ax = axes[0]
        ax.errorbar(jds, as_array(data["neighbours_per_neuron"]), as_array(data["neighbours_err"]),
                    fmt="o", color="C1", label="FPs reached by async dynamics")
        ax.plot(line, as_array(data["typical_neighbours_per_neuron"]), "k-",
                label="typical FP (exact, annealed)")
        ax.set_yscale("log")
        ax.set_xlabel(r"self-coupling $J_D$")
        ax.set_ylabel("single-flip FP neighbours per neuron")
        ax.set_title(f"N = {p['n']}, up to {p['runs']} runs per point")
        ax.legend(loc="lower right")
        panel_label(ax, "a")

        ax = axes[1]
        ax.errorbar(jds, as_array(data["free_fraction"]), as_array(data["free_fraction_err"]),
                    fmt="o", color="C1", label="FPs reached by async dynamics")
        ax.plot(line, as_array(data["typical_free_fraction"]), "k-",
                label=r"typical FP: $(2\Phi(a_N)-1)/\Phi(a_N)$")
        ax.set_xlabel(r"self-coupling $J_D$")
        ax.set_ylabel("fraction of free neurons")
        ax.legend(loc="lower right")
        panel_label(ax, "b")

        ax = axes[2]
        bins = as_array(p["bins"])
        centres = 0.5 * (bins[1:] + bins[:-1])
        ax.step(centres, as_array(data["stability_density"]), where="mid", color="C1",
                label=f"reached FPs ({data['histogram_fixed_points']})")
        ax.plot(centres, as_array(data["typical_stability_density"]), "k-",
                label=r"typical: $N(0,1)$ on $(-J_D,\infty)$")
        ax.axvline(-p["hist_jd"], color="k", ls=":", lw=1)
        ax.set_xlabel(r"stability $\lambda_i = s_i\sum_{j\neq i}J_{ij}s_j$")
        ax.set_ylabel("density")
        ax.set_title(rf"$J_D = {p['hist_jd']}$")
        ax.legend(loc="upper right")
        panel_label(ax, "c")
