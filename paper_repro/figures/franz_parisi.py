"""Figure ``franz_parisi``: the landscape around a typical fixed point and the overlap gap."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import theory
from paper_repro.figures._instances import PAIR_SIZES, pair_task, pair_tasks
from paper_repro.plotting import as_array, figure, panel_label
from paper_repro.sweep import pooled

SUMMARY = ("Franz-Parisi potential V(d) around a typical fixed point (annealed, and quenched over "
           "its stabilities), the overlap-gap edge q_gap(J_D), and exact counts around "
           "enumerated fixed points at small N")

CURVE_JDS = (0.25, 0.5, 1.0, 2.0)
ENUM_JDS = (0.5, 1.0)


def compute(ctx) -> dict:
    d = np.logspace(-6, np.log10(0.5), 160 if ctx.quick else 400)
    q = 1 - 2 * d
    annealed = [theory.franz_parisi_at_distance(d, jd) for jd in CURVE_JDS]
    quenched = [theory.franz_parisi_quenched(q, jd) for jd in CURVE_JDS]
    jd_grid = np.geomspace(0.02, 4.0, 60 if ctx.quick else 200)
    gap = theory.overlap_gap(jd_grid)

    size = PAIR_SIZES["quick" if ctx.quick else "full"]
    n = size["n"]
    tasks = pair_tasks(n, ENUM_JDS, size["instances"])
    results = ctx.sweep("pairs", pair_task, tasks, owner="pair_overlaps")
    k = np.arange(1, n + 1)
    around, around_err, exact = [], [], []
    for jd in ENUM_JDS:
        hists = pooled(tasks, results, "histograms", jd=jd)[:, 1:]
        counts = pooled(tasks, results, "counts", jd=jd)
        # mean number of FPs at distance k from an FP = sum of pairs / sum of FPs (ratio
        # estimator); its error by the delta method over instances
        ratio = hists.sum(axis=0) / counts.sum()
        resid = hists - ratio * counts[:, None]
        err = resid.std(axis=0, ddof=1) * np.sqrt(len(counts)) / counts.sum()
        with np.errstate(divide="ignore"):
            around.append(np.where(ratio > 0, np.log(np.where(ratio > 0, ratio, 1)) / n, np.nan))
        around_err.append(np.where(ratio > 0, err / (n * np.where(ratio > 0, ratio, 1)), np.nan))
        exact.append((theory.log_expected_pairs(n, k, jd)
                      - theory.log_expected_fixed_points(n, jd)) / n)
    return {"parameters": {"curve_jds": CURVE_JDS, "enum_jds": ENUM_JDS, "n": n,
                           "instances": size["instances"],
                           "approximation": "annealed over J (V); quenched over the reference "
                                            "FP's own stabilities (V_Q)"},
            "data": {"d": d, "v_annealed": annealed, "v_quenched": quenched,
                     "jd_grid": jd_grid, "q_gap": gap.q_gap, "q_min": gap.q_min,
                     "v_min": gap.v_min, "k": k, "around": around, "around_err": around_err,
                     "around_exact": exact}}


def draw(record: dict, path: Path) -> None:
    p, data = record["parameters"], record["data"]
    d = as_array(data["d"])
    with figure(path, ncols=3, width=14.5, height=4.3) as (_, axes):
        ax = axes[0]
        for i, jd in enumerate(p["curve_jds"]):
            ax.plot(d, as_array(data["v_annealed"][i]), "-", color=f"C{i}",
                    label=rf"$J_D={jd}$: $V$ (annealed)")
            ax.plot(d, as_array(data["v_quenched"][i]), "--", color=f"C{i}",
                    label=r"$V_Q$ (quenched ref.)")
        ax.axhline(0, color="k", lw=0.8)
        ax.set_xscale("log")
        ax.set_ylim(-0.075, 0.08)
        ax.set_xlabel(r"distance $d = (1-q)/2$ from a typical FP")
        ax.set_ylabel(r"$\frac{1}{N}\ln\#$FPs at distance $d$")
        ax.legend(loc="lower left", ncol=2, fontsize=7)
        panel_label(ax, "a")

        ax = axes[1]
        jd = as_array(data["jd_grid"])
        ax.plot(jd, as_array(data["q_gap"]), "-", label=r"gap edge $q_{gap}$ ($V<0$ on "
                                                        r"$(q_{gap},1)$)")
        ax.plot(jd, as_array(data["q_min"]), "--", label=r"minimum of $V$, $q_{min}$")
        ax.set_xscale("log")
        ax.set_xlabel(r"self-coupling $J_D$")
        ax.set_ylabel(r"overlap $q$")
        ax.set_title("overlap gap (annealed)")
        ax.legend(loc="lower right")
        panel_label(ax, "b")

        ax = axes[2]
        k = as_array(data["k"])
        for i, jd in enumerate(p["enum_jds"]):
            ax.plot(k / p["n"], as_array(data["around_exact"][i]), "-", color=f"C{i}",
                    label=rf"$J_D={jd}$ exact finite $N$")
            ax.errorbar(k / p["n"], as_array(data["around"][i]), as_array(data["around_err"][i]),
                        fmt="o", color=f"C{i}", label="enumeration")
            j = p["curve_jds"].index(jd) if jd in p["curve_jds"] else None
            if j is not None:
                ax.plot(d, as_array(data["v_annealed"][j]), ":", color=f"C{i}",
                        label=r"$V(d)$, $N=\infty$")
        ax.axhline(0, color="k", lw=0.8)
        ax.set_xlabel(r"distance $d = k/N$")
        ax.set_ylabel(r"$\frac{1}{N}\ln E[\#$FPs at $k$ from an FP$]$")
        ax.set_title(rf"$N = {p['n']}$, {p['instances']} instances per $J_D$")
        ax.legend(loc="lower right", fontsize=7)
        panel_label(ax, "c")
