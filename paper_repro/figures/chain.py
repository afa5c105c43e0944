"""Figure ``chain``: one-to-one couplings between layers create fixed points even at J_D = 0."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import theory
from paper_repro.figures._instances import chain_count_task, log_mean_per_neuron
from paper_repro.plotting import as_array, figure, panel_label
from paper_repro.sweep import Task, pooled

SUMMARY = ("first-moment complexity per neuron of an L-layer chain (one-to-one coupling lambda, "
           "J_D = 0) vs lambda for L = 1..5, with exact enumeration of small chains")

JD = 0.0
LAYERS = (1, 2, 3, 4, 5)
# neurons per layer used for enumeration (L n <= 16 in quick mode, <= 24 in full mode)
SIZES = {
    "quick": {"width": {2: 8, 3: 5, 4: 4, 5: 3}, "instances": 200,
              "lams": (0.25, 0.5, 1.0, 1.5)},
    "full": {"width": {2: 12, 3: 8, 4: 6, 5: 4}, "instances": 400,
             "lams": (0.125, 0.25, 0.5, 0.75, 1.0, 1.5)},
}
CHUNK = 50


def compute(ctx) -> dict:
    size = SIZES["quick" if ctx.quick else "full"]
    lam_line = np.linspace(0.0, 2.0, 201)
    curves = [theory.chain_complexity(JD, lam_line, layers) for layers in LAYERS]
    tasks = [Task(f"L={L}/n={n}/lam={lam}/chunk={c}",
                  {"n": n, "layers": L, "jd": JD, "lam": lam, "instances": CHUNK})
             for L, n in size["width"].items() for lam in size["lams"]
             for c in range(size["instances"] // CHUNK)]
    results = ctx.sweep("chains", chain_count_task, tasks)
    enum = []
    for L, n in size["width"].items():
        means, errs, exact = [], [], []
        for lam in size["lams"]:
            counts = pooled(tasks, results, "counts", layers=L, lam=lam)
            m, e = log_mean_per_neuron(counts, n * L)
            means.append(float(m))
            errs.append(float(e))
            exact.append(float(theory.chain_complexity(JD, lam, L, n=n)))
        enum.append({"layers": L, "n": n, "value": means, "err": errs, "exact": exact})
    return {"parameters": {"jd": JD, "layers": LAYERS, "lams": size["lams"],
                           "instances": size["instances"],
                           "approximation": "annealed first moment (exact at finite n)"},
            "data": {"lam_line": lam_line, "complexity": curves, "enumeration": enum}}


def draw(record: dict, path: Path) -> None:
    p, data = record["parameters"], record["data"]
    lam_line = as_array(data["lam_line"])
    lams = as_array(p["lams"])
    with figure(path, ncols=2, width=11.5, height=4.3) as (_, axes):
        ax = axes[0]
        for i, L in enumerate(p["layers"]):
            ax.plot(lam_line, as_array(data["complexity"][i]), color=f"C{i}", label=f"L = {L}")
        ax.axhline(0, color="k", lw=0.6)
        ax.set_xlabel(r"inter-layer coupling $\lambda$")
        ax.set_ylabel(r"complexity per neuron $\frac{1}{NL}\ln E[\#\mathrm{FP}]$")
        ax.set_title(rf"chain, $J_D = {p['jd']}$, $N\to\infty$")
        ax.legend(loc="center right")
        panel_label(ax, "a")

        ax = axes[1]
        for entry in data["enumeration"]:
            color = f"C{p['layers'].index(entry['layers'])}"
            ax.plot(lams, as_array(entry["exact"]), "-", color=color, lw=1)
            ax.errorbar(lams, as_array(entry["value"]), as_array(entry["err"]), fmt="o",
                        color=color, label=f"L = {entry['layers']}, N = {entry['n']} per layer")
        ax.axhline(0, color="k", lw=0.6)
        ax.set_xlabel(r"inter-layer coupling $\lambda$")
        ax.set_ylabel(r"$\frac{1}{NL}\ln\overline{\#\mathrm{FP}}$")
        ax.set_title(f"enumeration ({p['instances']} chains each; lines: exact finite N)")
        ax.legend(loc="lower right")
        panel_label(ax, "b")
