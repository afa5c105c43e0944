"""Figure ``pair_overlaps``: how far apart fixed points are, enumeration vs the exact pair
formula."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import theory
from paper_repro.figures._instances import PAIR_SIZES, mean_and_error, pair_task, pair_tasks
from paper_repro.plotting import as_array, figure, panel_label
from paper_repro.sweep import pooled

SUMMARY = ("mean number of ordered fixed-point pairs at each overlap q = 1 - 2k/N from exact "
           "enumeration vs the exact finite-N pair formula 2^N C(N,k) P2+^(N-k) P2-^k")

JDS = (0.25, 0.5, 1.0)
SIZES = PAIR_SIZES


def compute(ctx) -> dict:
    size = SIZES["quick" if ctx.quick else "full"]
    n = size["n"]
    tasks = pair_tasks(n, JDS, size["instances"])
    results = ctx.sweep("pairs", pair_task, tasks)
    k = np.arange(1, n + 1)
    data = {"k": k, "q": 1 - 2 * k / n, "mean_pairs": [], "mean_pairs_err": [], "theory": [],
            "mean_fixed_points": [], "theory_fixed_points": []}
    for jd in JDS:
        hists = pooled(tasks, results, "histograms", jd=jd)[:, 1:]
        counts = pooled(tasks, results, "counts", jd=jd)
        mean, err = mean_and_error(hists)
        data["mean_pairs"].append(mean)
        data["mean_pairs_err"].append(err)
        data["theory"].append(np.exp(theory.log_expected_pairs(n, k, jd)))
        data["mean_fixed_points"].append(float(np.mean(counts)))
        data["theory_fixed_points"].append(float(np.exp(theory.log_expected_fixed_points(n, jd))))
    return {"parameters": {"n": n, "jds": JDS, "instances": size["instances"],
                           "pairs": "ordered pairs of distinct fixed points"},
            "data": data}


def draw(record: dict, path: Path) -> None:
    p, data = record["parameters"], record["data"]
    q = as_array(data["q"])
    with figure(path, ncols=len(p["jds"]), width=13, height=4.0) as (_, axes):
        for i, (ax, jd) in enumerate(zip(axes, p["jds"])):
            mean = as_array(data["mean_pairs"][i])
            shown = mean > 0
            ax.plot(q, as_array(data["theory"][i]), "k-", label="exact pair formula")
            ax.errorbar(q[shown], mean[shown], as_array(data["mean_pairs_err"][i])[shown],
                        fmt="o", color="C1", label=f"enumeration ({p['instances']} inst.)")
            ax.set_yscale("log")
            ax.set_xlabel(r"overlap $q = 1 - 2k/N$")
            ax.set_title(rf"$J_D = {jd}$, $N = {p['n']}$: $E[Z] = "
                         rf"{data['theory_fixed_points'][i]:.3g}$ (theory), "
                         rf"${data['mean_fixed_points'][i]:.3g}$ (enum.)", fontsize=9)
            panel_label(ax, "abc"[i])
        axes[0].set_ylabel(r"$E[\#\,$ordered FP pairs at overlap $q]$")
        axes[0].legend(loc="lower left")
