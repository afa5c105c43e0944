"""Figure ``complexity``: Sigma(J_D) against exact enumeration of small random networks."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import theory
from paper_repro.figures._instances import (
    COUNT_JDS as JDS,
)
from paper_repro.figures._instances import (
    count_task,
    instance_tasks,
    log_mean_per_neuron,
    mean_and_error,
)
from paper_repro.plotting import as_array, figure, panel_label
from paper_repro.sweep import pooled

SUMMARY = ("complexity Sigma(J_D) = ln 2 + ln Phi(J_D) and exact finite-N ln E[#FP] / N against "
           "enumeration means (annealed) and (1/N) E ln #FP (quenched), N = 12..22 (full: to 32)")

SIZES = {
    "quick": {12: 200, 14: 200, 16: 200, 18: 200, 20: 120, 22: 60},
    "full": {12: 1000, 14: 1000, 16: 1000, 18: 1000, 20: 800, 22: 600, 24: 400, 26: 200,
             28: 100, 32: 20},
}


def compute(ctx) -> dict:
    sizes = SIZES["quick" if ctx.quick else "full"]
    tasks = instance_tasks(sizes, JDS)
    results = ctx.sweep("counts", count_task, tasks)
    counts = {n: pooled(tasks, results, "counts", n=n) for n in sizes}
    data = {"sizes": [], "instances": [], "annealed": [], "annealed_err": [], "quenched": [],
            "quenched_err": [], "fraction_with_fp": [], "theory_finite_n": []}
    for n, c in counts.items():
        ann, ann_err = log_mean_per_neuron(c, n)
        has_fp = (c > 0).all(axis=0)
        logs = np.log(np.where(c > 0, c, 1.0)) / n
        q_mean, q_err = mean_and_error(logs)
        data["sizes"].append(n)
        data["instances"].append(len(c))
        data["annealed"].append(ann)
        data["annealed_err"].append(ann_err)
        data["quenched"].append(np.where(has_fp, q_mean, np.nan))
        data["quenched_err"].append(np.where(has_fp, q_err, np.nan))
        data["fraction_with_fp"].append((c > 0).mean(axis=0))
        data["theory_finite_n"].append(theory.log_expected_fixed_points(n, JDS) / n)
    jd_line = np.linspace(0.0, 2.0, 201)
    data["jd_line"] = jd_line
    data["sigma"] = theory.complexity(jd_line)
    return {"parameters": {"jds": JDS, "instances_per_size": sizes,
                           "ensemble": "J_ij ~ N(0, 1/N) i.i.d. (i != j), J_ii = J_D",
                           "quenched": "(1/N) E ln Z over instances, shown where every "
                                       "sampled instance had Z > 0"},
            "data": data}


def draw(record: dict, path: Path) -> None:
    p, data = record["parameters"], record["data"]
    jds = as_array(p["jds"])
    with figure(path, ncols=2, width=11.5, height=4.3) as (_, axes):
        for ax, key, title in ((axes[0], "annealed", r"annealed: $\frac{1}{N}\ln\overline{Z}$"),
                               (axes[1], "quenched", r"quenched: $\frac{1}{N}\overline{\ln Z}$")):
            ax.plot(data["jd_line"], data["sigma"], "k-", lw=1.8,
                    label=r"$\Sigma(J_D)=\ln 2+\ln\Phi(J_D)$")
            for k, n in enumerate(data["sizes"]):
                color = f"C{k % 8}"
                if key == "annealed":
                    ax.plot(jds, as_array(data["theory_finite_n"][k]), "-", color=color, lw=0.8)
                ax.errorbar(jds, as_array(data[key][k]), as_array(data[key + "_err"][k]),
                            fmt="o", color=color, ms=3.5,
                            label=f"N = {n} ({data['instances'][k]} inst.)")
            ax.set_xlabel(r"self-coupling $J_D$")
            ax.set_ylabel("complexity (nats/neuron)")
            ax.set_title(title)
        axes[0].legend(loc="lower right", ncol=1)
        axes[0].text(0.03, 0.80, "lines: exact finite-N\n" r"$\frac{1}{N}\ln E[\#\mathrm{FP}]$",
                     transform=axes[0].transAxes, fontsize=8.5)
        panel_label(axes[0], "a")
        panel_label(axes[1], "b")
