"""Figure ``local_entropy``: how many fixed points surround the densest fixed points."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import theory
from paper_repro.plotting import as_array, figure, panel_label
from paper_repro.sweep import Task, pooled, result_shape
from sim.clusters import distance_profiles
from sim.couplings import random_couplings
from sim.enumeration import enumerate_fixed_points
from theory.local_entropy import local_entropy

SUMMARY = ("local entropy S(d) of fixed points around references weighted by N_d^y (annealed, "
           "replica symmetric; y = 0 typical FP, larger y denser): the zero-complexity S*(d) "
           "down to d = 1e-4 on both sides of the critical J_D (gaps shaded, every RS branch), "
           "and S(d) at fixed y against exact counts around the best and the typical "
           "enumerated fixed points at small N")

SIZES = {
    "quick": {"trace_jds": (0.045, 0.1), "free_jds": (1.0,), "jds": (0.5,),
              "ds": (0.05, 0.1, 0.2, 0.3), "ys": (0.0, 1.0, 4.0), "n": 16, "instances": 20},
    "full": {"trace_jds": (0.03, 0.045, 0.0513, 0.0529, 0.06, 0.08, 0.1, 0.5),
             "free_jds": (1.0, 2.0),
             "jds": (0.25, 0.5, 1.0), "ds": (0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4),
             "ys": (0.0, 1.0, 4.0, None), "n": 20, "instances": 60},
}
CHUNK = 10
# distances of the S*(d) curves above Phi^-1(3/4) (fully free FPs exponentially many)
FREE_DS = np.geomspace(1e-5, 0.47, 36)


def theory_task(params: dict, rng: np.random.Generator) -> dict:
    """S(d) at one (J_D, d, y); y = None is the zero-complexity y*. A saddle point the solver
    cannot find, or a J_D outside its stated domain, is recorded as such (no number)."""
    del rng  # deterministic
    try:
        return {"S": float(local_entropy(params["d"], params["jd"], y=params["y"]))}
    except (RuntimeError, ValueError) as exc:  # not found, or outside the solver's domain
        return {"S": None, "error": str(exc)}


@result_shape(lambda p: {"S": (len(p["ds"]),)})
def zero_complexity_task(params: dict, rng: np.random.Generator) -> dict:
    """S*(d) (zero reference complexity) on the grid ``ds`` at one J_D, from the solver's
    route for that J_D (above Phi^-1(3/4): continuation down from large d to the fully free
    limit H2(d)); a distance it cannot solve is recorded as None with the reason."""
    del rng  # deterministic
    values, errors = [], []
    for d in params["ds"]:
        try:
            values.append(float(local_entropy(d, params["jd"])))
        except (RuntimeError, ValueError) as exc:
            values.append(None)
            errors.append(f"d = {d:g}: {exc}")
    return {"S": values, "errors": errors}


def branch_task(params: dict, rng: np.random.Generator) -> dict:
    """Every zero-complexity RS branch at one J_D (rows d, S*, y*), its folds and the
    gapped / gap-free / dense classification."""
    del rng  # deterministic
    phase = theory.cluster_phase(params["jd"])
    return {"traces": [t.tolist() for t in phase.structure.traces],
            "folds": phase.structure.folds, "ends": phase.structure.ends,
            "phase": phase.phase, "gap": phase.gap}


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
    branch_tasks = [Task(f"branches/jd={jd}", {"jd": jd}) for jd in size["trace_jds"]]
    branches = dict(zip([f"{jd:g}" for jd in size["trace_jds"]],
                        ctx.sweep("branches", branch_task, branch_tasks)))
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
    free_tasks = [Task(f"zero_complexity/jd={jd}", {"jd": jd, "ds": FREE_DS.tolist()})
                  for jd in size["free_jds"]]
    free = ctx.sweep("zero_complexity", zero_complexity_task, free_tasks)
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
    d_log = np.geomspace(1e-4, 0.5, 200)
    return {"parameters": {**{k: v for k, v in size.items()}, "ys": ys_label,
                           "approximation": "annealed over J, replica symmetric, reference "
                                            "= fixed point; y* = zero-complexity y"},
            "data": {"S": curves, "d_line": d_line,
                     "franz_parisi": {f"{jd:g}": theory.franz_parisi_at_distance(d_line, jd)
                                      for jd in size["jds"]},
                     "k": np.arange(1, n + 1), "enumeration": enum,
                     "branches": branches, "d_log": d_log,
                     "fully_free": {f"{t.params['jd']:g}": {
                         "d": FREE_DS, "S": [np.nan if v is None else v for v in r["S"]],
                         "H2": theory.small_distance_local_entropy(FREE_DS, t.params["jd"]),
                         "errors": r["errors"]} for t, r in zip(free_tasks, free)},
                     "small_d_limit": {f"{jd:g}": theory.small_distance_local_entropy(d_log, jd)
                                       for jd in size["trace_jds"]},
                     "franz_parisi_log": {f"{jd:g}": theory.franz_parisi_at_distance(d_log, jd)
                                          for jd in size["trace_jds"]}}}


def _draw_branches(ax, data: dict) -> None:
    """S*(d) of every zero-complexity branch (thick: the first trace, from d -> 0), the small-d
    limit (dashed), the typical FP's V(d) (dotted); gaps shaded."""
    d_log = as_array(data["d_log"])
    for k, (jd, br) in enumerate(data["branches"].items()):
        color = f"C{k}"
        for i, tr in enumerate(br["traces"]):
            tr = as_array(tr)
            ax.plot(tr[:, 0], tr[:, 1], "-", color=color, lw=1.8 if i == 0 else 0.9,
                    label=rf"$J_D = {jd}$: {br['phase']}" if i == 0 else None)
        small = d_log <= 0.01  # the limit holds for d << J_D^2/4
        ax.plot(d_log[small], as_array(data["small_d_limit"][jd])[small], "--", color=color,
                lw=0.7)
        ax.plot(d_log, as_array(data["franz_parisi_log"][jd]), ":", color=color, lw=0.7)
        if br["gap"] is not None:
            ax.axvspan(*br["gap"], color=color, alpha=0.12)
    for k, (jd, curve) in enumerate(data.get("fully_free", {}).items(), len(data["branches"])):
        d = as_array(curve["d"])
        ax.plot(d, as_array(curve["S"]), "-", color=f"C{k}", lw=1.8,
                label=rf"$J_D = {jd}$: dense, $\nu^* = 1$")
        ax.plot(d, as_array(curve["H2"]), "--", color=f"C{k}", lw=0.7)
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xscale("log")
    ax.set_yscale("symlog", linthresh=1e-4)
    ax.set_xlim(1e-4, 0.5)
    ax.set_xlabel(r"distance $d$ from the reference")
    ax.set_ylabel(r"$S^*(d)$ (nats/neuron, symlog)")
    ax.set_title("zero reference complexity; dashed: $d\\ln(\\nu^*/d)+d$ ($H_2(d)$ if "
                 "$\\nu^*=1$), dotted: typical FP", fontsize=9)


def draw(record: dict, path: Path) -> None:
    p, data = record["parameters"], record["data"]
    ds = as_array(p["ds"])
    jds = [f"{jd:g}" for jd in p["jds"]]
    with figure(path, ncols=len(jds) + 1, width=5.2 * (len(jds) + 1) + 1, height=4.4) as (
            _, axes):
        axes = np.atleast_1d(axes)
        _draw_branches(axes[0], data)
        if data["branches"]:
            axes[0].legend(loc="center left", fontsize=7.5)
        panel_label(axes[0], "a")
        for i, (ax, jd) in enumerate(zip(axes[1:], jds)):
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
            panel_label(ax, "bcd"[i])
        axes[1].legend(loc="lower right", fontsize=7.5)
