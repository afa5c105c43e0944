"""Figure ``local_entropy``: how many fixed points surround the densest fixed points."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import theory
from paper_repro.plotting import as_array, figure, panel_label
from paper_repro.sweep import Task, pooled
from sim.clusters import distance_profiles
from sim.couplings import random_couplings
from sim.enumeration import enumerate_fixed_points
from theory.local_entropy import local_entropy

SUMMARY = ("local entropy S(d) of fixed points around references weighted by N_d^y (annealed, "
           "replica symmetric; y = 0 typical FP, larger y denser), against exact counts around "
           "the best and the typical enumerated fixed points at small N")

SIZES = {
    "quick": {"jds": (0.5,), "ds": (0.05, 0.1, 0.2, 0.3), "ys": (0.0, 1.0, 4.0),
              "n": 16, "instances": 20},
    "full": {"jds": (0.25, 0.5, 1.0), "ds": (0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4),
             "ys": (0.0, 1.0, 4.0, None), "n": 20, "instances": 60},
}
CHUNK = 10


def theory_task(params: dict, rng: np.random.Generator) -> dict:
    """S(d) at one (J_D, d, y); y = None is the zero-complexity y*. A saddle point the solver
    cannot find is recorded as such (no number)."""
    del rng  # deterministic
    try:
        return {"S": float(local_entropy(params["d"], params["jd"], y=params["y"]))}
    except RuntimeError as exc:
        return {"S": None, "error": str(exc)}


def profile_task(params: dict, rng: np.random.Generator) -> dict:
    """Per instance: for every Hamming distance k, the largest and the mean number of FPs at
    distance k from an enumerated FP (best and typical reference)."""
    best, mean = [], []
    for _ in range(params["instances"]):
        profiles = distance_profiles(enumerate_fixed_points(
            random_couplings(params["n"], params["jd"], rng)))
        best.append(profiles.max(axis=0).tolist())
        mean.append(profiles.mean(axis=0).tolist())
    return {"best": best, "mean": mean}


def compute(ctx) -> dict:
    size = SIZES["quick" if ctx.quick else "full"]
    ys_label = ["y*" if y is None else f"{y:g}" for y in size["ys"]]
    tasks = [Task(f"jd={jd}/d={d}/y={lab}", {"jd": jd, "d": d, "y": y})
             for jd in size["jds"] for lab, y in zip(ys_label, size["ys"]) for d in size["ds"]]
    results = ctx.sweep("theory", theory_task, tasks)
    curves = {}
    for t, r in zip(tasks, results):
        key = f"{t.params['jd']:g}"
        lab = "y*" if t.params["y"] is None else f"{t.params['y']:g}"
        curves.setdefault(key, {}).setdefault(lab, []).append(np.nan if r["S"] is None
                                                               else r["S"])
    n = size["n"]
    enum_tasks = [Task(f"n={n}/jd={jd}/chunk={c}", {"n": n, "jd": jd, "instances": CHUNK})
                  for jd in size["jds"] for c in range(size["instances"] // CHUNK)]
    enum_results = ctx.sweep("profiles", profile_task, enum_tasks)
    enum = {}
    for jd in size["jds"]:
        best = pooled(enum_tasks, enum_results, "best", jd=jd)[:, 1:]
        mean = pooled(enum_tasks, enum_results, "mean", jd=jd)[:, 1:]
        with np.errstate(divide="ignore"):
            log_best = np.log(best) / n
            log_mean = np.log(np.mean(mean, axis=0)) / n
        enum[f"{jd:g}"] = {"best": np.nanmean(np.where(np.isfinite(log_best), log_best, np.nan),
                                              axis=0),
                           "best_err": np.nanstd(np.where(np.isfinite(log_best), log_best,
                                                          np.nan), axis=0, ddof=1)
                           / np.sqrt(len(best)),
                           "typical": np.where(np.isfinite(log_mean), log_mean, np.nan)}
    d_line = np.linspace(0.005, 0.5, 200)
    return {"parameters": {**{k: v for k, v in size.items()}, "ys": ys_label,
                           "approximation": "annealed over J, replica symmetric, reference "
                                            "= fixed point; y* = zero-complexity y"},
            "data": {"S": curves, "d_line": d_line,
                     "franz_parisi": {f"{jd:g}": theory.franz_parisi_at_distance(d_line, jd)
                                      for jd in size["jds"]},
                     "k": np.arange(1, n + 1), "enumeration": enum}}


def draw(record: dict, path: Path) -> None:
    p, data = record["parameters"], record["data"]
    ds = as_array(p["ds"])
    jds = [f"{jd:g}" for jd in p["jds"]]
    with figure(path, ncols=len(jds), width=5.2 * len(jds) + 1, height=4.4) as (_, axes):
        axes = np.atleast_1d(axes)
        for i, (ax, jd) in enumerate(zip(axes, jds)):
            ax.plot(as_array(data["d_line"]), as_array(data["franz_parisi"][jd]), "k:",
                    label=r"$V(d)$: typical FP, $N=\infty$")
            for j, lab in enumerate(p["ys"]):
                ax.plot(ds, as_array(data["S"][jd][lab]), "-", marker=".", color=f"C{j}",
                        label=rf"$S(d)$, $y={lab.replace('y*', 'y^*')}$")
            k = as_array(data["k"])
            enum = data["enumeration"][jd]
            ax.errorbar(k / p["n"], as_array(enum["best"]), as_array(enum["best_err"]), fmt="s",
                        color="C4", ms=3.5, label=f"best enumerated FP, N = {p['n']}")
            ax.plot(k / p["n"], as_array(enum["typical"]), "o", color="C5", ms=3.5,
                    mfc="none", label=f"mean over enumerated FPs, N = {p['n']}")
            ax.axhline(0, color="k", lw=0.6)
            ax.set_xlim(0, 0.52)
            ax.set_ylim(-0.1, None)
            ax.set_xlabel(r"distance $d$ from the reference")
            ax.set_ylabel(r"$\frac{1}{N}\ln\#$FPs at distance $d$")
            ax.set_title(rf"$J_D = {jd}$")
            panel_label(ax, "abc"[i])
        axes[0].legend(loc="lower right", fontsize=7.5)
