"""Figure ``width_scaling``: accuracy after training vs the hidden width H for the steering
learner, the reservoir, random features and the MLP on Entangled MNIST."""

from __future__ import annotations

from pathlib import Path

from paper_repro.figures import _learning as lr
from sim.learner import MODELS

SUMMARY = ("test and train accuracy after training vs hidden width H on Entangled MNIST: "
           "steering learner (J_D = 0.5), reservoir, random features, backprop MLP")

# full: the 9,000 / 1,000 Entangled-MNIST split, the widths of the authors' width scaling up
# to 3200, 3 seeds, 20 epochs (the learner's validation accuracy at H = 400
# is flat by then, at H = 1600 and 3200 the test accuracy from epoch 12-14: README)
SIZES = {
    "quick": {"widths": [100, 200, 400, 800], "train_size": 3000, "test_size": 1000,
              "epochs": 8, "seeds": 3},
    "full": {"widths": [100, 200, 400, 800, 1600, 3200], "train_size": 9000,
             "test_size": 1000, "epochs": 20, "seeds": 3},
}


def compute(ctx) -> dict:
    sizes = SIZES["quick" if ctx.quick else "full"]
    widths = sizes["widths"]
    # width-major order: an interrupted full run has finished every model at the small widths
    grid = [lr.train_params(m, sizes, hidden=h) for h in widths for m in MODELS]
    runs = lr.run_grid(ctx, "train", lr.train_task, grid, sizes["seeds"])
    data = {}
    for k, model in enumerate(MODELS):
        mine = runs[k::len(MODELS)]
        data[model] = {split: [lr.final(r, split) for r in mine] for split in ("test", "train")}
        data[model]["seconds"] = [lr.seconds([r]) / len(r) for r in mine]
    return {
        "parameters": {**sizes, "dataset": lr.DATASET, "data_seed": lr.DATA_SEED,
                       "models": list(MODELS), "learner_config": grid[0]["config"],
                       "mlp": "one hidden layer, ReLU, Adam lr 1e-3, softmax cross-entropy",
                       "chance": 0.1, "accuracy": "after the last epoch"},
        "data": data,
    }


def draw(record: dict, path: Path) -> None:
    p, data = record["parameters"], record["data"]
    curves = {m: {split: (p["widths"], {key: [s[key] for s in data[m][split]]
                                       for key in ("mean", "std")})
                  for split in ("test", "train")} for m in p["models"]}

    def style(ax, split):
        ax.set_xscale("log", base=2)
        ax.set_xticks(p["widths"], [str(w) for w in p["widths"]])
        ax.set_xlabel(r"hidden width $H$")
        ax.set_ylabel(f"{split} accuracy after {p['epochs']} epochs")
        ax.set_title(rf"{split}, learner at $J_D={p['learner_config']['jd']:g}$")

    lr.draw_model_panels(path, p, curves, style)
