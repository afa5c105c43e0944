"""Figure ``learning_curves``: train and test accuracy per epoch of the steering learner and
the baselines (reservoir, random features, MLP) on Entangled MNIST at one width H."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from paper_repro.figures import _learning as lr
from sim.learner import MODELS

SUMMARY = ("train/test accuracy per epoch on Entangled MNIST: steering learner (J_D = 0.5) "
           "vs reservoir, random features and a backprop MLP of the same width H")

# full: the 9,000 / 1,000 Entangled-MNIST split at the authors' width H = 1600, 3 seeds
SIZES = {
    "quick": {"hidden": 400, "train_size": 3000, "test_size": 1000, "epochs": 8, "seeds": 3},
    "full": {"hidden": 1600, "train_size": 9000, "test_size": 1000, "epochs": 20, "seeds": 3},
}


def compute(ctx) -> dict:
    sizes = SIZES["quick" if ctx.quick else "full"]
    grid = [lr.train_params(m, sizes, hidden=sizes["hidden"]) for m in MODELS]
    runs = lr.run_grid(ctx, "train", lr.train_task, grid, sizes["seeds"])
    return {
        "parameters": {**sizes, "dataset": lr.DATASET, "data_seed": lr.DATA_SEED,
                       "models": list(MODELS), "learner_config": grid[0]["config"],
                       "mlp": "one hidden layer, ReLU, Adam lr 1e-3, softmax cross-entropy",
                       "chance": 0.1},
        "data": {m: {"train": lr.per_epoch(r, "train"), "test": lr.per_epoch(r, "test"),
                     "model_seeds": [x["model_seed"] for x in r],
                     "seconds": lr.seconds([r])}
                 for m, r in zip(MODELS, runs)},
    }


def draw(record: dict, path: Path) -> None:
    p, data = record["parameters"], record["data"]
    curves = {m: {split: (np.arange(1, len(data[m][split]["mean"]) + 1), data[m][split])
                  for split in ("test", "train")} for m in p["models"]}

    def style(ax, split):
        ax.set_xlabel("epoch")
        ax.set_ylabel(f"{split} accuracy")
        ax.set_title(rf"{split}, $H={p['hidden']}$, $J_D={p['learner_config']['jd']:g}$")

    lr.draw_model_panels(path, p, curves, style)
