"""Figure ``accessibility``: where simple algorithms stop finding the (existing) fixed points."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import theory
from paper_repro.figures._dynamics import (
    BUDGET,
    CONVERGENCE_SIZES,
    OTHERS,
    binomial_error,
    convergence_runs,
    success_probabilities,
)
from paper_repro.figures._thresholds import measured_thresholds
from paper_repro.plotting import as_array, figure, panel_label

SUMMARY = ("probability that asynchronous dynamics reaches a fixed point within a sweep budget "
           "vs J_D for growing N, its convergence time, and synchronous dynamics, simulated "
           "annealing and reinforced belief propagation at one N, with the free-configuration "
           "threshold Phi^-1(3/4)")

SIZES = CONVERGENCE_SIZES


def compute(ctx) -> dict:
    size = SIZES["quick" if ctx.quick else "full"]
    jds = size["jds"]
    by_size, by_algorithm = convergence_runs(ctx, size)
    prob = [success_probabilities(rows) for rows in by_size]
    median_sweeps = [[float(np.median([s for s, f in zip(r["sweeps"], r["found"]) if f]))
                      if any(r["found"]) else float("nan") for r in rows] for rows in by_size]
    thresholds = measured_thresholds(ctx.seed, jds, size["sizes"], by_size, by_algorithm)
    other_prob = [success_probabilities(rows) for rows in by_algorithm]
    return {"parameters": {"sizes": size["sizes"], "jds": jds, "runs": size["runs"],
                           "budget_sweeps": BUDGET, "other_n": size["other_n"],
                           "other_runs": size["other_runs"],
                           "others": [o["label"] for o in OTHERS],
                           "start": "uniformly random configuration, fresh instance per run"},
            "data": {"probability": prob, "median_sweeps": median_sweeps,
                     "thresholds": thresholds, "other_probability": other_prob,
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
            threshold = data["thresholds"]["async"][i]
            ax.errorbar([as_array(threshold["estimate"])], [0.5],
                        xerr=[as_array(threshold["error"])], fmt="|", color=f"C{i}", ms=12,
                        capsize=3)
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
        axes[2].legend(loc="lower right", fontsize=7.5)
