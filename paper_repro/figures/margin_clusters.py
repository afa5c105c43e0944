"""Figure ``margin_clusters``: dense gap-free regions around fixed points with a margin."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import theory
from paper_repro.figures._margins import GRID_SIZES, critical_margins
from paper_repro.plotting import as_array, figure, panel_label

SUMMARY = ("annealed Franz-Parisi curves around margin-kappa fixed points, the gap-free "
           "margin kappa_c(J_D) and the J_D where margin fixed points in dense regions "
           "become exponentially many")

SIZES = GRID_SIZES  # the kappa_c grid, shared with phase_diagram


def compute(ctx) -> dict:
    jd_curve = 0.5
    kappa_c_curve = float(theory.critical_margin(jd_curve))
    kappas = [0.0, 0.5 * kappa_c_curve, kappa_c_curve, 3.0 * kappa_c_curve, 1.2]
    d = np.logspace(-7, np.log10(0.5), 300 if ctx.quick else 800)
    curves = [theory.franz_parisi_margin_at_distance(d, jd_curve, k) for k in kappas]

    jd_grid, kappa_c = critical_margins(ctx)
    j_star = theory.margin_dense_threshold()
    finite = np.isfinite(kappa_c)
    margin_complexity = np.where(finite, theory.complexity(jd_grid, np.where(finite, kappa_c, 0)),
                                 np.nan)
    return {
        "parameters": {"jd_curve": jd_curve, "kappas": kappas, "jd_grid": jd_grid,
                       "approximation": "annealed first moment"},
        "data": {
            "d": d, "v_kappa": curves, "kappa_c_curve": kappa_c_curve,
            "kappa_c": kappa_c, "j_star": j_star,
            "margin_complexity": margin_complexity,
            "free_configuration_threshold": theory.free_configuration_threshold(),
        },
    }


def draw(record: dict, path: Path) -> None:
    p, data = record["parameters"], record["data"]
    d = as_array(data["d"])
    jd = as_array(p["jd_grid"])
    kappa_c = as_array(data["kappa_c"])
    with figure(path, ncols=3, width=14, height=4.2) as (_, axes):
        ax = axes[0]
        for kappa, v in zip(p["kappas"], data["v_kappa"]):
            label = rf"$\kappa={kappa:.3g}$"
            if kappa == data["kappa_c_curve"]:
                label += r" $=\kappa_c$"
            ax.plot(d, as_array(v), label=label)
        ax.axhline(0, color="k", lw=0.8)
        ax.set_xscale("log")
        ax.set_xlabel(r"Hamming distance $d$")
        ax.set_ylabel(r"$V_\kappa(d)$ (nats/neuron)")
        ax.set_title(rf"FPs around margin-$\kappa$ FPs, $J_D={p['jd_curve']}$")
        ax.set_ylim(-0.006, 0.02)
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, 0.93))
        panel_label(ax, "a")

        ax = axes[1]
        ok = np.isfinite(kappa_c)
        ax.plot(jd[ok], kappa_c[ok], "o-", label=r"$\kappa_c(J_D)$ (smallest gap-free margin)")
        ax.plot(jd, jd, "k--", lw=1, label=r"$\kappa = J_D$ (margin FPs subexponential above)")
        ax.plot(jd, 2 * jd, "k:", lw=1, label=r"$\kappa = 2J_D$ (gap at $d\to0$ above)")
        ax.axvline(data["j_star"], color="C1", lw=1)
        ax.annotate(rf"$J^*={data['j_star']:.4f}$", (data["j_star"], 0.5),
                    xytext=(6, 0), textcoords="offset points", color="C1")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(r"self-coupling $J_D$")
        ax.set_ylabel(r"margin $\kappa$")
        ax.legend(loc="lower left")
        panel_label(ax, "b")

        ax = axes[2]
        ax.plot(jd[ok], as_array(data["margin_complexity"])[ok], "o-",
                label=r"$\Sigma(J_D-\kappa_c)$: margin-$\kappa_c$ FPs")
        ax.plot(jd, theory.complexity(jd), "k-", lw=1, label=r"$\Sigma(J_D)$: all FPs")
        ax.axhline(0, color="k", lw=0.8)
        ax.axvline(data["j_star"], color="C1", lw=1, label=r"$J^*$")
        ax.set_xscale("log")
        ax.set_xlabel(r"self-coupling $J_D$")
        ax.set_ylabel("complexity (nats/neuron)")
        ax.set_title("annealed bound")
        ax.legend(loc="lower right")
        panel_label(ax, "c")
