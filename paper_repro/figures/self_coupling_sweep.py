"""Figure ``self_coupling_sweep``: accuracy of the steering learner vs the self-coupling J_D,
with the two-phase dynamics (T clamped then T free sweeps before the plasticity) and without
the free phase (free_sweeps = 0: plasticity at the clamped state), at the reference input
strength lambda_x and at a weaker one (where the input alone does not pin the dynamics), with the
thresholds of the fixed-point landscape on the same J_D axis: the theory's critical J_D of
dense clusters, the gap-free margin threshold J*, the free-configuration threshold
Phi^-1(3/4), and the measured threshold of asynchronous dynamics at the network size nearest
to H (the thesis's closing claim links learning to this transition)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import theory
from paper_repro.figures import _learning as lr
from paper_repro.figures._dynamics import CONVERGENCE_SIZES, async_tasks, convergence_task
from paper_repro.figures._thresholds import bootstrap_threshold, dense_cluster_threshold
from paper_repro.plotting import figure, panel_label
from sim.learner import LearnerConfig

SUMMARY = ("steering learner on Entangled MNIST vs self-coupling J_D, with the free phase "
           "(two-phase dynamics) and without it (plasticity at the clamped state), at input "
           "strengths lambda_x = 5 (reference) and 2, with the dense-cluster, margin, "
           "free-configuration and measured dynamics thresholds; clamped/free overlap and "
           "unstable fractions")

SIZES = {
    "quick": {"hidden": 400, "jd": [0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0], "train_size": 2000,
              "test_size": 1000, "epochs": 5, "seeds": 3},
    # H = 400 keeps the 132 training runs near 1 CPU-h (H = 1600 would take ~3); the grid
    # brackets every threshold of the landscape (J_c ~ 0.05, J* ~ 0.1, Phi^-1(3/4) ~ 0.67)
    "full": {"hidden": 400, "jd": [0.0, 0.05, 0.1, 0.25, 0.4, 0.5, 0.65, 0.75, 1.0, 1.5, 2.0],
             "train_size": 9000, "test_size": 1000, "epochs": 20, "seeds": 3},
}
# phase label -> free sweeps (T of the clamped phase stays the reference value); the
# two-phase case is the authors' "double dynamics" variant (5 free sweeps), the reference
# settings have no free phase
PHASES = {"two-phase": 5, "no free phase": 0}
# inference relaxes for the same number of sweeps in both cases (the reference value)
INFERENCE_SWEEPS = LearnerConfig().relax_sweeps
LAMBDA_X = [LearnerConfig().lambda_x, 2.0]
KEYS = ("test", "train", "overlap", "unstable_free")


def compute(ctx) -> dict:
    sizes = SIZES["quick" if ctx.quick else "full"]
    cases = [(lx, phase) for lx in LAMBDA_X for phase in PHASES]
    grid = [lr.train_params("steer", sizes, hidden=sizes["hidden"], jd=jd, lambda_x=lx,
                            free_sweeps=PHASES[phase], inference_sweeps=INFERENCE_SWEEPS)
            for lx, phase in cases for jd in sizes["jd"]]
    runs = lr.run_grid(ctx, "train", lr.train_task, grid, sizes["seeds"])
    n = len(sizes["jd"])
    data = {f"{lx:g}": {} for lx in LAMBDA_X}
    for k, (lx, phase) in enumerate(cases):
        data[f"{lx:g}"][phase] = {key: [lr.final(r, key) for r in runs[k * n:(k + 1) * n]]
                                  for key in KEYS}
    config = grid[0]["config"]
    return {
        **_landscape_thresholds(ctx, sizes["hidden"]),
        "parameters": {**sizes, "dataset": lr.DATASET, "data_seed": lr.DATA_SEED,
                       "phases": PHASES, "lambda_x": LAMBDA_X,
                       "reference_jd": lr.REFERENCE_JD, "chance": 0.1,
                       "learner_config": {k: v for k, v in config.items()
                                          if k not in ("jd", "free_sweeps", "lambda_x")},
                       "accuracy": "after the last epoch",
                       "overlap": "(1/H) s_clamped . s_free, mean over the last epoch's steps",
                       "unstable_free": "fraction of hidden neurons with s_i != sign(h_i) "
                                        "(feedback-free fields) at the plasticity, mean over "
                                        "the last epoch's steps"},
        "data": data,
    }


def _landscape_thresholds(ctx, hidden: int) -> dict:
    """{"thresholds": ...}: theory thresholds and the measured asynchronous-dynamics threshold
    (P = 1/2 within the accessibility figure's budget, bootstrap error) at the accessibility
    size nearest to ``hidden`` (its stored runs are reused)."""
    size = CONVERGENCE_SIZES["quick" if ctx.quick else "full"]
    n = min(size["sizes"], key=lambda m: abs(np.log(m / hidden)))
    rows = ctx.sweep("async", convergence_task, async_tasks([n], size["jds"], size["runs"]),
                     owner="accessibility")
    measured = bootstrap_threshold(size["jds"], [r["found"] for r in rows],
                                   np.random.default_rng([ctx.seed, n]))
    return {"thresholds": {"dense_cluster": dense_cluster_threshold(ctx),
                           "dense_margin": theory.margin_dense_threshold(),
                           "free_configuration": theory.free_configuration_threshold(),
                           "async_dynamics": {"n": n, "runs": size["runs"], **measured}}}


def _mark_thresholds(ax, marks: dict, label: bool) -> None:
    """Vertical lines at the landscape's thresholds (a band for the measured one)."""
    dense, measured = marks["dense_cluster"], marks["async_dynamics"]
    lines = [(marks["dense_margin"], "C4", ":", r"$J^*$ (margin FPs gap-free)"),
             (marks["free_configuration"], "C2", "-.", r"$\Phi^{-1}(3/4)$ (free configurations)")]
    if dense is not None:
        lines.insert(0, (dense["jd"], "C3", "--", rf"$J_c = {dense['jd']:.3f}$ (dense clusters)"))
    for value, color, style, text in lines:
        ax.axvline(value, color=color, ls=style, lw=1, label=text if label else None)
    centre, error = float(measured["estimate"]), float(measured["error"])
    if np.isfinite(centre):
        ax.axvspan(centre - error, centre + error, color="C0", alpha=0.15,
                   label=(f"async dynamics P = 1/2, N = {measured['n']}" if label else None))


def _stat(entries: list[dict], transform=lambda v: v) -> dict:
    return {"mean": [transform(s["mean"]) for s in entries], "std": [s["std"] for s in entries]}


def draw(record: dict, path: Path) -> None:
    p, data = record["parameters"], record["data"]
    jd, ref = p["jd"], p["reference_jd"]
    with figure(path, ncols=3, width=15.5, height=4.4) as (fig, axes):
        for ax, lx, letter in zip(axes, p["lambda_x"], "ab"):
            for k, phase in enumerate(p["phases"]):
                entry = data[f"{lx:g}"][phase]
                lr.errorbar(ax, jd, _stat(entry["test"]), marker="o", color=f"C{k}",
                            label=f"{phase} ($T_{{free}}={p['phases'][phase]}$): test")
                lr.errorbar(ax, jd, _stat(entry["train"]), marker="o", mfc="none", ls="--",
                            color=f"C{k}", label=f"{phase}: train")
            lr.chance_line(ax, p["chance"])
            if "thresholds" in record:
                _mark_thresholds(ax, record["thresholds"], label=letter == "b")
            ax.axvline(ref, color="0.5", lw=1)
            ax.annotate(rf"reference $J_D={ref:g}$", (ref, 0.93), xytext=(4, 0),
                        textcoords="offset points", color="0.4", fontsize=8)
            ax.set_xlabel(r"self-coupling $J_D$")
            ax.set_ylabel(f"accuracy after {p['epochs']} epochs")
            ax.set_ylim(0, 1)
            ax.set_title(rf"input strength $\lambda_x={lx:g}$, $H={p['hidden']}$, "
                         rf"$T={p['learner_config']['clamped_sweeps']}$")
            panel_label(ax, letter)
        axes[0].legend(loc="lower right")
        if "thresholds" in record:
            axes[1].legend(loc="lower right", fontsize=7)

        ax = axes[2]
        first, second = p["phases"]
        for k, lx in enumerate(p["lambda_x"]):
            entry = data[f"{lx:g}"]
            lr.errorbar(ax, jd, _stat(entry[first]["overlap"], lambda q: 1.0 - q), marker="D",
                        color=f"C{k + 2}", label=rf"$1-q_{{cf}}$, {first}, $\lambda_x={lx:g}$")
            lr.errorbar(ax, jd, _stat(entry[second]["unstable_free"]), marker="s", ls="--",
                        color=f"C{k + 2}", label=rf"unstable, {second}, $\lambda_x={lx:g}$")
        ax.axvline(ref, color="0.5", lw=1)
        ax.set_yscale("symlog", linthresh=1e-4)
        ax.set_ylim(-1e-5, 1)
        ax.set_xlabel(r"self-coupling $J_D$")
        ax.set_ylabel("mean over the last epoch's steps")
        ax.set_title("state at the plasticity: clamped/free overlap\n"
                     "and unstable hidden fraction without feedback", fontsize=9.5)
        ax.legend(loc="upper right")
        panel_label(ax, "c")
        fig.suptitle(lr.data_caption(p), fontsize=9)
