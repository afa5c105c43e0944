"""Figure ``lambda_advantage``: two hidden layers without self-coupling (J_D = 0) coupled
one-to-one with strength lambda (s^1_i <-> s^2_i, fixed identity coupling): accuracy of the
steering learner vs lambda, beside the one-layer learner, and the annealed complexity of the
two-layer chain at J_D = 0 (docs/model.md section 5 item 7), which lambda alone makes positive.

At lambda = 0 the second layer, the one the readout reads, receives nothing from the input,
so that point is at chance by construction."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import theory
from paper_repro.figures import _learning as lr
from paper_repro.plotting import as_array, figure, panel_label

SUMMARY = ("two hidden layers at J_D = 0 with one-to-one coupling lambda: steering-learner "
           "accuracy on Entangled MNIST vs lambda (one-layer references), and the annealed "
           "complexity of the two-layer chain")

SIZES = {
    "quick": {"hidden": 400, "lambdas": [0.0, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0],
              "train_size": 2000, "test_size": 1000, "epochs": 5, "seeds": 3},
    # H = 400 per layer: 36 two-layer runs + 6 one-layer references at ~50 / 30 CPU-s each
    # (H = 1600 would take ~3.6 CPU-h, more than half of the gallery's 6 CPU-h budget)
    "full": {"hidden": 400, "lambdas": [0.0, 0.25, 0.5, 0.625, 0.75, 0.875, 1.0, 1.25, 1.5,
                                        2.0, 3.0, 4.0],
             "train_size": 9000, "test_size": 1000, "epochs": 20, "seeds": 3},
}
JD = 0.0
# one-layer references: label -> J_D
REFERENCES = {"one layer, $J_D=0$": 0.0, f"one layer, $J_D={lr.REFERENCE_JD:g}$": lr.REFERENCE_JD}


def compute(ctx) -> dict:
    sizes = SIZES["quick" if ctx.quick else "full"]
    lambdas = sizes["lambdas"]
    grid = [lr.train_params("steer", sizes, hidden=sizes["hidden"], layers=2, jd=JD,
                            lambda_layers=lam, interlayer="identity") for lam in lambdas]
    grid += [lr.train_params("steer", sizes, hidden=sizes["hidden"], jd=jd)
             for jd in REFERENCES.values()]
    runs = lr.run_grid(ctx, "train", lr.train_task, grid, sizes["seeds"])
    two, refs = runs[:len(lambdas)], runs[len(lambdas):]
    lam_theory = np.linspace(0.0, max(lambdas), 121)
    return {
        "parameters": {**sizes, "jd": JD, "dataset": lr.DATASET, "data_seed": lr.DATA_SEED,
                       "chance": 0.1, "learner_config": grid[0]["config"],
                       "references": REFERENCES, "accuracy": "after the last epoch",
                       "complexity": "annealed first moment, large N, free ends"},
        "data": {
            "two_layers": {key: [lr.final(r, key) for r in two]
                           for key in ("test", "train", "unstable_free")},
            "references": {label: {key: lr.final(r, key) for key in ("test", "train")}
                           for label, r in zip(REFERENCES, refs)},
            "lambda_theory": lam_theory,
            "chain_complexity": theory.chain_complexity(JD, lam_theory, layers=2),
        },
    }


def draw(record: dict, path: Path) -> None:
    p, data = record["parameters"], record["data"]
    lam = p["lambdas"]
    two = data["two_layers"]

    def stat(key):
        return {"mean": [s["mean"] for s in two[key]], "std": [s["std"] for s in two[key]]}

    with figure(path, ncols=2, width=11, height=4.2) as (fig, axes):
        ax = axes[0]
        lr.errorbar(ax, lam, stat("test"), marker="o", color="C0",
                    label=rf"two layers, $J_D={p['jd']:g}$: test")
        lr.errorbar(ax, lam, stat("train"), marker="o", mfc="none", ls="--", color="C0",
                    label="two layers: train")
        for k, (label, ref) in enumerate(data["references"].items()):
            mean, std = ref["test"]["mean"], ref["test"]["std"]
            ax.axhline(mean, color=f"C{k + 1}", lw=1.2, label=f"{label}: test")
            if std > 0:
                ax.axhspan(mean - std, mean + std, color=f"C{k + 1}", alpha=0.15, lw=0)
        lr.chance_line(ax, p["chance"])
        ax.set_xlabel(r"inter-layer coupling $\lambda$ (one-to-one)")
        ax.set_ylabel(f"accuracy after {p['epochs']} epochs")
        ax.set_ylim(0, 1)
        ax.set_title(rf"steering learner, $L=2$, $H={p['hidden']}$ per layer, $J_D={p['jd']:g}$")
        ax.legend(loc="center right")
        panel_label(ax, "a")

        ax = axes[1]
        ax.plot(as_array(data["lambda_theory"]), as_array(data["chain_complexity"]), "k-",
                label=r"$\Sigma_{L=2}(J_D=0,\lambda)$")
        ax.axhline(0, color="0.4", lw=0.8)
        ax.set_xlabel(r"inter-layer coupling $\lambda$")
        ax.set_ylabel("complexity (nats/neuron)")
        ax.set_title(r"annealed complexity of the 2-layer chain at $J_D=0$")
        ax.legend(loc="lower right")
        panel_label(ax, "b")
        fig.suptitle(lr.data_caption(p), fontsize=9)
