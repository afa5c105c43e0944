"""Figure ``second_moment``: E[Z^2]/E[Z]^2 of the number of fixed points, theory and enumeration."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import theory
from paper_repro.figures._instances import COUNT_JDS as JDS
from paper_repro.figures._instances import count_task, instance_tasks
from paper_repro.plotting import as_array, figure
from paper_repro.sweep import pooled

SUMMARY = ("second-moment ratio E[Z^2]/E[Z]^2 vs J_D: exact finite-N sums over pair distances "
           "and the N = inf limit, against enumeration (bootstrap error bars)")

SIZES = {
    "quick": {12: 2000, 16: 1000, 20: 600},
    "full": {12: 20000, 16: 10000, 20: 5000, 24: 1000},
}
BOOTSTRAP = 400


def ratio_with_bootstrap(counts: np.ndarray, rng: np.random.Generator,
                         resamples: int = BOOTSTRAP) -> tuple[np.ndarray, np.ndarray]:
    """mean(Z^2)/mean(Z)^2 over instances (axis 0) and its bootstrap standard deviation."""
    def ratio(c):
        m = c.mean(axis=0)
        return (c * c).mean(axis=0) / np.where(m > 0, m * m, np.nan)

    picks = rng.integers(0, len(counts), size=(resamples, len(counts)))
    boot = np.array([ratio(counts[idx]) for idx in picks])
    return ratio(counts), np.nanstd(boot, axis=0, ddof=1)


def compute(ctx) -> dict:
    sizes = SIZES["quick" if ctx.quick else "full"]
    tasks = instance_tasks(sizes, JDS)
    results = ctx.sweep("counts", count_task, tasks, owner="complexity")
    counts = {n: pooled(tasks, results, "counts", n=n) for n in sizes}
    rng = np.random.default_rng(ctx.seed)
    jd_line = np.linspace(0.05, 2.0, 80)
    data = {"sizes": [], "instances": [], "ratio": [], "ratio_err": [], "theory_finite_n": [],
            "jd_line": jd_line, "theory_infinite_n": theory.second_moment_ratio(np.inf, jd_line)}
    for n, c in counts.items():
        r, err = ratio_with_bootstrap(c, rng)
        data["sizes"].append(n)
        data["instances"].append(len(c))
        data["ratio"].append(r)
        data["ratio_err"].append(err)
        data["theory_finite_n"].append(theory.second_moment_ratio(n, jd_line))
    return {"parameters": {"jds": JDS, "instances_per_size": sizes, "bootstrap": BOOTSTRAP,
                           "ensemble": "J_ij ~ N(0, 1/N) i.i.d. (i != j), J_ii = J_D"},
            "data": data}


def draw(record: dict, path: Path) -> None:
    p, data = record["parameters"], record["data"]
    jds, line = as_array(p["jds"]), as_array(data["jd_line"])
    with figure(path, width=6.4, height=4.4) as (_, ax):
        ax.plot(line, as_array(data["theory_infinite_n"]), "k-", lw=1.8, label=r"$N=\infty$")
        for k, n in enumerate(data["sizes"]):
            color = f"C{k % 8}"
            ax.plot(line, as_array(data["theory_finite_n"][k]), "-", color=color, lw=1)
            ax.errorbar(jds, as_array(data["ratio"][k]), as_array(data["ratio_err"][k]), fmt="o",
                        color=color, label=f"N = {n}: exact (line), enumeration "
                                           f"({data['instances'][k]} inst.)")
        ax.axhline(1, color="k", lw=0.6, ls=":")
        ax.set_xlabel(r"self-coupling $J_D$")
        ax.set_ylabel(r"$E[Z^2]/E[Z]^2$")
        ax.set_title("second moment of the number of fixed points\n(sample ratios are biased "
                     "low where rare instances dominate $E[Z^2]$)", fontsize=9.5)
        ax.legend(loc="upper right")
