"""Figure ``accessibility``: where simple algorithms stop finding the (existing) fixed points."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import theory
from paper_repro.figures._dynamics import (
    binomial_error,
    convergence_task,
    half_crossing,
    success_probabilities,
)
from paper_repro.plotting import as_array, figure, panel_label
from paper_repro.sweep import Task, matching

SUMMARY = ("probability that asynchronous dynamics reaches a fixed point within a sweep budget "
           "vs J_D for growing N, its convergence time, and synchronous dynamics, simulated "
           "annealing and reinforced belief propagation at one N, with the free-configuration "
           "threshold Phi^-1(3/4)")

QUICK = {"sizes": (250, 500, 1000, 2000), "runs": 12, "other_n": 250, "other_runs": 8,
         "jds": np.round(np.arange(0.1, 1.21, 0.1), 3)}
FULL = {"sizes": (250, 500, 1000, 2000, 4000, 8000, 16000), "runs": 40, "other_n": 1000,
        "other_runs": 40, "jds": np.round(np.arange(0.2, 1.41, 0.05), 3)}
BUDGET = 1000  # sweeps (n single-neuron updates each)
OTHERS = ({"algorithm": "sync", "p": 0.5, "label": "synchronous, p = 0.5"},
          {"algorithm": "anneal", "label": "simulated annealing (300 sweeps + T=0 finish)"},
          {"algorithm": "bp", "label": "reinforced belief propagation (r = 0.01)"})


def async_tasks(sizes, jds, runs: int) -> list[Task]:
    """One task per (n, J_D) of asynchronous dynamics with the sweep budget BUDGET."""
    return [Task(f"async/n={n}/jd={jd}", {"algorithm": "async", "n": n, "jd": float(jd),
                                          "runs": runs, "budget": BUDGET})
            for n in sizes for jd in jds]


def other_tasks(size: dict) -> list[Task]:
    """One task per (algorithm of OTHERS, J_D) at the size ``size['other_n']``."""
    return [Task(f"{o['algorithm']}/n={size['other_n']}/jd={jd}",
                 {"algorithm": o["algorithm"], "p": o.get("p", 1.0), "n": size["other_n"],
                  "jd": float(jd), "runs": size["other_runs"], "budget": BUDGET})
            for o in OTHERS for jd in size["jds"]]


def convergence_runs(ctx, size: dict) -> tuple[list[list[dict]], list[list[dict]]]:
    """The task results over the J_D grid, per size (asynchronous dynamics) and per algorithm
    of OTHERS, through sweeps stored under this figure (other figures call this to share)."""
    tasks = async_tasks(size["sizes"], size["jds"], size["runs"])
    results = ctx.sweep("async", convergence_task, tasks, owner="accessibility")
    others = other_tasks(size)
    other_results = ctx.sweep("others", convergence_task, others, owner="accessibility")
    return ([matching(tasks, results, n=n) for n in size["sizes"]],
            [matching(others, other_results, algorithm=o["algorithm"]) for o in OTHERS])


def compute(ctx) -> dict:
    size = QUICK if ctx.quick else FULL
    jds = size["jds"]
    by_size, by_algorithm = convergence_runs(ctx, size)
    prob = [success_probabilities(rows) for rows in by_size]
    median_sweeps = [[float(np.median([s for s, f in zip(r["sweeps"], r["found"]) if f]))
                      if any(r["found"]) else float("nan") for r in rows] for rows in by_size]
    thresholds = [half_crossing(jds, p) for p in prob]
    other_prob = [success_probabilities(rows) for rows in by_algorithm]
    return {"parameters": {"sizes": size["sizes"], "jds": jds, "runs": size["runs"],
                           "budget_sweeps": BUDGET, "other_n": size["other_n"],
                           "other_runs": size["other_runs"],
                           "others": [o["label"] for o in OTHERS],
                           "start": "uniformly random configuration, fresh instance per run"},
            "data": {"probability": prob, "median_sweeps": median_sweeps,
                     "half_threshold": thresholds, "other_probability": other_prob,
                     "free_configuration_threshold": theory.free_configuration_threshold()}}


def draw(record: dict, path: Path) -> None:
    p, data = record["parameters"], record["data"]
    jds = as_array(p["jds"])
    j_free = data["free_configuration_threshold"]
    with figure(path, ncols=3, width=15, height=4.3) as (_, axes):
        ax = axes[0]
        for i, n in enumerate(p["sizes"]):
            prob = as_array(data["probability"][i])
            ax.errorbar(jds, prob, binomial_error(prob, p["runs"]), fmt="o-", color=f"C{i}",
                        label=f"N = {n}")
        ax.set_xlabel(r"self-coupling $J_D$")
        ax.set_ylabel(f"P(FP reached within {p['budget_sweeps']} sweeps)")
        ax.set_title(f"asynchronous dynamics ({p['runs']} runs per point)")
        panel_label(ax, "a")

        ax = axes[1]
        for i, n in enumerate(p["sizes"]):
            ax.plot(jds, as_array(data["median_sweeps"][i]), "o-", color=f"C{i}", label=f"N = {n}")
        ax.set_yscale("log")
        ax.set_xlabel(r"self-coupling $J_D$")
        ax.set_ylabel("median sweeps to converge (converged runs)")
        panel_label(ax, "b")

        ax = axes[2]
        n_other = p["other_n"]
        k = list(p["sizes"]).index(n_other) if n_other in p["sizes"] else None
        if k is not None:
            prob = as_array(data["probability"][k])
            ax.errorbar(jds, prob, binomial_error(prob, p["runs"]), fmt="o-", color="C0",
                        label="asynchronous")
        for j, label in enumerate(p["others"]):
            prob = as_array(data["other_probability"][j])
            ax.errorbar(jds, prob, binomial_error(prob, p["other_runs"]), fmt="s-",
                        color=f"C{j + 1}", label=label)
        ax.set_xlabel(r"self-coupling $J_D$")
        ax.set_ylabel("P(FP found)")
        ax.set_title(f"N = {n_other}")
        panel_label(ax, "c")
        for ax in axes:
            ax.axvline(j_free, color="k", ls="--", lw=1)
        axes[0].annotate(r"$\Phi^{-1}(3/4)$", (j_free, 0.5), xytext=(4, 0),
                         textcoords="offset points", fontsize=8)
        axes[0].legend(loc="lower right")
        axes[1].legend(loc="upper right")
        axes[2].legend(loc="center right", fontsize=7.5)
