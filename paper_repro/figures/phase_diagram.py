"""Figure ``phase_diagram``: every threshold on the J_D axis, computed and measured."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import theory
from paper_repro.figures._dynamics import (
    BUDGET,
    CONVERGENCE_SIZES,
    OTHERS,
    convergence_runs,
)
from paper_repro.figures._margins import critical_margins
from paper_repro.figures._thresholds import (
    dense_cluster_threshold,
    drift_curve,
    measured_thresholds,
)
from paper_repro.plotting import as_array, figure, panel_label

SUMMARY = ("the J_D axis: complexities of all FPs, of gap-free margin FPs and of fully free "
           "configurations, the critical J_D of dense clusters (zero-complexity local entropy), "
           "the dense-region and free-configuration thresholds, and the "
           "measured thresholds (P = 1/2) of asynchronous dynamics at each N and of the other "
           "algorithms at one N")

def compute(ctx) -> dict:
    jd = np.geomspace(0.01, 3.0, 120 if ctx.quick else 400)
    margin_jd, kappa_c = critical_margins(ctx)
    finite = np.isfinite(kappa_c)
    size = CONVERGENCE_SIZES["quick" if ctx.quick else "full"]
    # the same sweeps as the accessibility figure: its finished stores are reused
    by_size, by_algorithm = convergence_runs(ctx, size)
    measured = measured_thresholds(ctx.seed, size["jds"], size["sizes"], by_size, by_algorithm)
    with np.errstate(divide="ignore"):
        free_complexity = theory.free_configuration_complexity(jd)
    dense = dense_cluster_threshold(ctx)
    return {"parameters": {"sizes": size["sizes"], "runs": size["runs"],
                           "other_n": size["other_n"], "other_runs": size["other_runs"],
                           "others": [o["label"] for o in OTHERS],
                           "budget_sweeps": BUDGET,
                           "approximation": "annealed first moments; measured threshold = J_D "
                                            "where P(async FP within budget) = 1/2"},
            "data": {"jd": jd, "complexity": theory.complexity(jd),
                     "free_configuration_complexity": free_complexity,
                     "margin_jd": margin_jd,
                     "margin_complexity": np.where(finite, theory.complexity(
                         margin_jd, np.where(finite, kappa_c, 0.0)), np.nan),
                     "dense_margin_threshold": theory.margin_dense_threshold(),
                     "dense_cluster_threshold": dense,
                     "free_configuration_threshold": theory.free_configuration_threshold(),
                     "measured_thresholds": measured}}


def draw(record: dict, path: Path) -> None:
    p, data = record["parameters"], record["data"]
    jd = as_array(data["jd"])
    marks = ((data["dense_margin_threshold"], "C1", r"$J^*$: gap-free margin FPs exponential"),
             (data["free_configuration_threshold"], "C2",
              r"$\Phi^{-1}(3/4)$: fully free configurations exponential"))
    dense = data.get("dense_cluster_threshold")
    if dense is not None:
        label = (rf"$J_c = {dense['jd']:.3f} \pm {dense['error']:.3f}$: "
                 r"no gap in $S^*(d)$ (dense clusters)")
        marks = ((dense["jd"], "C4", label), *marks)
    with figure(path, ncols=2, width=12.5, height=4.5) as (_, axes):
        ax = axes[0]
        ax.plot(jd, as_array(data["complexity"]), "k-", label=r"all FPs, $\Sigma(J_D)$")
        ax.plot(as_array(data["margin_jd"]), as_array(data["margin_complexity"]), "-",
                color="C1", label=r"FPs with gap-free margin $\kappa_c(J_D)$")
        ax.plot(jd, as_array(data["free_configuration_complexity"]), "-", color="C2",
                label="fully free configurations")
        for value, color, label in marks:
            ax.axvline(value, color=color, ls="--", lw=1, label=label)
        ax.axhline(0, color="k", lw=0.6)
        ax.set_xscale("log")
        ax.set_ylim(-0.4, 0.75)
        ax.set_xlabel(r"self-coupling $J_D$")
        ax.set_ylabel("annealed complexity (nats/neuron)")
        ax.legend(loc="lower right", fontsize=7.5)
        panel_label(ax, "a")

        ax = axes[1]
        sizes = as_array(p["sizes"])
        measured = data["measured_thresholds"]
        ax.errorbar(sizes, [as_array(b["estimate"]) for b in measured["async"]],
                    [as_array(b["error"]) for b in measured["async"]], fmt="o", color="C0",
                    label=f"async dynamics, P = 1/2 within {p['budget_sweeps']} sweeps "
                          "(bootstrap + grid error)")
        n_fine = np.geomspace(sizes.min(), 4 * sizes.max(), 100)
        drift = measured["drift"]
        if drift["logarithmic"] is not None:
            a, b = drift["logarithmic"]["params"]
            ax.plot(n_fine, drift_curve(drift["logarithmic"], "logarithmic", n_fine), "-",
                    color="C0", lw=0.8, label=rf"fit ${a:.2f} + {b:.3f}\,\ln N$")
        if drift["saturating"] is not None:
            j_inf, err = drift["saturating"]["params"][0], drift["saturating"]["errors"][0]
            ax.plot(n_fine, drift_curve(drift["saturating"], "saturating", n_fine), ":",
                    color="C0", lw=1,
                    label=rf"fit $J_\infty - cN^{{-\nu}}$, $J_\infty = {j_inf:.2f} \pm {err:.2f}$")
        for k, label in enumerate(p["others"]):
            b = measured["others"][k]
            bound = as_array(b.get("upper_bound", np.nan))
            if np.isfinite(bound):  # reaches P = 1/2 already at the grid's first J_D
                ax.plot([p["other_n"]], [bound], "v", color=f"C{k + 3}", ms=8,
                        label=f"{label}: below the grid (<= {float(bound):g})")
            else:
                ax.errorbar([p["other_n"]], [as_array(b["estimate"])], [as_array(b["error"])],
                            fmt="s", color=f"C{k + 3}", label=label)
        for value, color, label in marks:
            ax.axhline(value, color=color, ls="--", lw=1, label=label)
        ax.set_xscale("log")
        ax.set_xlabel(r"network size $N$")
        ax.set_ylabel(r"threshold self-coupling $J_D$")
        ax.set_title(f"measured ({p['runs']} runs per point) and theory")
        ax.legend(loc="center right", fontsize=7.5)
        panel_label(ax, "b")
