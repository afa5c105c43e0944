"""Figure ``depth_capacity``: how many random input-label associations L hidden layers store
as stable fixed points.

P random +-1 inputs of dimension N = H with uniformly random labels among C classes are
learned by the steering learner with L layers of width H (one-to-one inter-layer coupling
lambda, the reference hyperparameters otherwise) for at most a fixed number of epochs
(stopping at training accuracy 1). A pattern is *stored* if its free relaxation (inference
dynamics from zero) gives the right label AND ends in a fixed point (no hidden neuron with
s_i != sign(h_i)). The capacity alpha_c is the load alpha = P/H at which the stored fraction
first drops below 0.95, linearly interpolated between the grid points.
"""

from __future__ import annotations

from pathlib import Path

from paper_repro.figures import _learning as lr
from paper_repro.plotting import figure, panel_label
from paper_repro.sweep import Task
from sim.learner import LearnerConfig

SUMMARY = ("stored fraction (right label AND fixed point of the free relaxation) of P random "
           "+-1 associations vs alpha = P/H for L = 1, 2, 3 layers of width H, at J_D = 0.5 "
           "and J_D = 0; capacity alpha_c = load where it first drops below 0.95")

SIZES = {
    "quick": {"hidden": 80, "alphas": [0.125, 0.25, 0.5, 1.0, 2.0, 4.0], "layers": [1, 2, 3],
              "max_epochs": 50, "seeds": 1},
    "full": {"hidden": 400, "alphas": [0.0625, 0.125, 0.25, 0.375, 0.5, 0.75, 1.0, 1.5, 2.0,
                                       3.0, 4.0, 6.0],
             "layers": [1, 2, 3], "max_epochs": 200, "seeds": 3},
}
N_CLASSES = 2
JDS = [lr.REFERENCE_JD, 0.0]
LAMBDA = LearnerConfig().lambda_layers
THRESHOLD = 0.95
QUANTITIES = ("stored", "correct", "fixed_point", "epochs")


def capacity(alphas, stored, threshold: float = THRESHOLD) -> tuple[float | None, str]:
    """(alpha_c, how): the first alpha where the stored fraction drops below ``threshold``,
    linearly interpolated between the grid points (how = "interpolated"); (None, "below the
    grid") if it is below at the first point, (None, "above the grid") if it never drops."""
    if stored[0] < threshold:
        return None, "below the grid"
    for k in range(1, len(alphas)):
        if stored[k] < threshold:
            a0, a1, s0, s1 = alphas[k - 1], alphas[k], stored[k - 1], stored[k]
            return float(a0 + (a1 - a0) * (s0 - threshold) / (s0 - s1)), "interpolated"
    return None, "above the grid"


def compute(ctx) -> dict:
    sizes = SIZES["quick" if ctx.quick else "full"]
    h, alphas, layers = sizes["hidden"], sizes["alphas"], sizes["layers"]
    points = [(jd, L, a) for jd in JDS for L in layers for a in alphas]
    grid = []
    for jd, L, a in points:
        config = LearnerConfig(hidden=h, layers=L, jd=jd, lambda_layers=LAMBDA).to_dict()
        grid.append({"n_patterns": round(a * h), "n_inputs": h, "n_classes": N_CLASSES,
                     "data_seed": lr.DATA_SEED, "max_epochs": sizes["max_epochs"],
                     "config": config})
    # the seed index is also the pattern replica: every L sees the same pattern sets
    tasks = [Task(lr.task_key(p, k), {**p, "replica": k})
             for p in grid for k in range(sizes["seeds"])]
    results = ctx.sweep("capacity", lr.capacity_task, tasks)
    runs = {pt: results[i * sizes["seeds"]:(i + 1) * sizes["seeds"]]
            for i, pt in enumerate(points)}
    data = {}
    for jd in JDS:
        per_layer = {}
        for L in layers:
            curves = {q: [lr.final(runs[(jd, L, a)], q) for a in alphas] for q in QUANTITIES}
            curves["alpha_c"], curves["alpha_c_how"] = capacity(
                alphas, [s["mean"] for s in curves["stored"]])
            per_layer[str(L)] = curves
        data[f"{jd:g}"] = per_layer
    return {
        "parameters": {**sizes, "n_inputs": h, "n_classes": N_CLASSES, "jds": JDS,
                       "lambda_layers": LAMBDA, "interlayer": "identity",
                       "threshold": THRESHOLD, "data_seed": lr.DATA_SEED,
                       "patterns": "x uniform in {-1,+1}^N, N = H; labels uniform in [0, C)",
                       "stored": "free relaxation from zero gives the label and ends in a "
                                 "fixed point (no unstable hidden neuron)",
                       "alpha_c": "load P/H where the stored fraction (mean over seeds) first "
                                  "drops below the threshold, linear interpolation; null "
                                  "(alpha_c_how says which side) if not bracketed by the grid",
                       "learner_config": grid[0]["config"]},
        "data": {**data, "task_seconds": float(sum(r["seconds"] for r in results))},
    }


def draw(record: dict, path: Path) -> None:
    p, data = record["parameters"], record["data"]
    alphas = p["alphas"]
    with figure(path, ncols=len(p["jds"]), width=11, height=4.4) as (fig, axes):
        for ax, jd, letter in zip(axes, p["jds"], "abc"):
            for k, L in enumerate(p["layers"]):
                curves = data[f"{jd:g}"][str(L)]
                stat = {q: {"mean": [s["mean"] for s in curves[q]],
                            "std": [s["std"] for s in curves[q]]}
                        for q in ("stored", "correct", "fixed_point")}
                ac = curves["alpha_c"]
                if ac is not None:
                    text = rf"$\alpha_c={ac:.2f}$"
                elif curves["alpha_c_how"] == "below the grid":
                    text = rf"$\alpha_c<{alphas[0]:g}$"
                else:
                    text = rf"$\alpha_c>{alphas[-1]:g}$"
                lr.errorbar(ax, alphas, stat["stored"], marker="o", color=f"C{k}",
                            label=f"$L={L}$: stored, {text}")
                ax.plot(alphas, stat["correct"]["mean"], ls="--", lw=1, color=f"C{k}")
                ax.plot(alphas, stat["fixed_point"]["mean"], ls=":", lw=1.2, color=f"C{k}")
                if ac is not None:
                    ax.plot([ac], [p["threshold"]], marker="v", ms=8, color=f"C{k}")
            ax.axhline(p["threshold"], color="0.5", lw=0.8)
            chance = ax.axhline(1.0 / p["n_classes"], color="0.4", ls="-.", lw=0.8)
            styles = [ax.plot([], [], "k--", lw=1)[0], ax.plot([], [], "k:", lw=1.2)[0], chance]
            ax.set_xscale("log", base=2)
            ax.set_xticks(alphas, [f"{a:g}" for a in alphas])
            ax.set_xlim(alphas[0] / 1.5, alphas[-1] * 1.2)
            ax.set_xlabel(r"load $\alpha = P/H$ (patterns per neuron of one layer)")
            ax.set_ylabel("fraction of the P training patterns")
            ax.set_ylim(0, 1.05)
            ax.set_title(rf"$J_D={jd:g}$, $\lambda={p['lambda_layers']:g}$, $H=N={p['hidden']}$, "
                         rf"$C={p['n_classes']}$")
            ax.add_artist(ax.legend(loc="lower left"))
            ax.legend(styles, ["right label only", "fixed point only",
                               f"chance ({1 / p['n_classes']:g})"], loc="lower right")
            panel_label(ax, letter)
        seeds = p["seeds"]
        fig.suptitle(f"random associations, at most {p['max_epochs']} epochs, {seeds} "
                     f"seed{'s' if seeds > 1 else ''}" + (" (bars: std)" if seeds > 1 else "")
                     + rf"; $\alpha_c$ = first drop of the stored fraction below "
                     f"{p['threshold']:g} (triangles)", fontsize=9)
