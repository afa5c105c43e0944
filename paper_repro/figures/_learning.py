"""Task functions and drawing helpers shared by the learner figures (``learning_curves``,
``width_scaling``, ``self_coupling_sweep``, ``lambda_advantage``, ``depth_capacity``).

One task function, ``func(params, rng) -> dict`` of plain numbers, and the random
associations and fixed-point test of ``depth_capacity``:

- :func:`train_task`: train one model (the steering learner or a baseline) on Entangled
  MNIST and return its per-epoch train/test accuracies. The model seed is drawn from the
  task's ``rng`` and returned, so that every point of a figure is reproduced by
  ``python -m paper_repro learn --model M --seed MODEL_SEED --data-seed DATA_SEED
  --hidden H --epochs E --train-size P --test-size Q [--jd ...]``: both call
  :func:`sim.learner.train_model`.

The data are fixed by ``data_seed`` (projection matrix, split, random patterns), the models by
the sweep's per-task random stream.
"""

from __future__ import annotations

import functools
import json
import time

import numpy as np

from paper_repro.plotting import figure, panel_label
from paper_repro.sweep import Task
from sim.data import Dataset, load_dataset
from sim.learner import LearnerConfig, train_model
from sim.learner.relaxation import external_field

DATASET = "entangled-mnist"
DATA_SEED = 0
MODEL_LABELS = {"steer": "steering learner", "reservoir": "reservoir",
                "random-features": "random features", "mlp": "MLP (backprop)"}
MODEL_MARKERS = {"steer": "o", "reservoir": "s", "random-features": "^", "mlp": "D"}
REFERENCE_JD = LearnerConfig().jd


@functools.lru_cache(maxsize=4)
def entangled_mnist(train_size: int, test_size: int, data_seed: int) -> Dataset:
    """Entangled MNIST (the data place: $STEERING_DATA_DIR or the default, read by
    load_dataset), kept per worker process."""
    return load_dataset(DATASET, None, train_size=train_size, test_size=test_size,
                        seed=data_seed)


def train_task(params: dict, rng: np.random.Generator) -> dict:
    """Train ``params["model"]`` (one of MODELS) for ``params["epochs"]`` epochs.

    params: model, epochs, train_size, test_size, data_seed, config (LearnerConfig fields,
    ``hidden`` included; the MLP uses only ``hidden`` and ``batch_size``).
    Returns per-epoch ``train``/``test`` accuracies, the model seed, the training seconds,
    and for the steering learner the last epoch's step diagnostics (fraction of hidden
    neurons unstable after the free phase, clamped/free overlap).
    """
    data = entangled_mnist(params["train_size"], params["test_size"], params["data_seed"])
    config = LearnerConfig(**params["config"])
    model_seed = int(rng.integers(2**32))
    start = time.perf_counter()
    run = train_model(params["model"], data, params["epochs"], config=config,
                      rng=np.random.default_rng(model_seed))
    records = list(run.records)
    out = {"model_seed": model_seed,
           "train": [r.train_accuracy for r in records],
           "test": [r.test_accuracy for r in records],
           "seconds": time.perf_counter() - start}
    last = records[-1].stats
    for key in ("unstable_free", "overlap"):
        if key in last:
            out[key] = last[key]
    if "settled_fraction_train" in run.info:
        out["settled_fraction_train"] = run.info["settled_fraction_train"]
    return out


def fixed_point_mask(net, state, x_field: np.ndarray) -> np.ndarray:
    """(B,) bool: True where every hidden neuron of the example satisfies s_i = sign(h_i)
    with its feedback-free field h (sign(0) = +1), i.e. the state is a fixed point of the
    inference dynamics."""
    ok = np.ones(state.batch, dtype=bool)
    for layer in range(net.config.layers):
        h = external_field(net, state, layer, x_field, 0.0) + state.rec[layer]
        ok &= np.all((h >= 0) == (state.s[layer] > 0), axis=1)
    return ok


def random_patterns(n_patterns: int, n_inputs: int, n_classes: int, data_seed: int,
                    replica: int) -> tuple[np.ndarray, np.ndarray]:
    """P random +-1 inputs (P, N) int8 and uniform labels (P,), fixed by (data_seed,
    replica, P, N, C)."""
    rng = np.random.default_rng([data_seed, replica, n_patterns, n_inputs, n_classes])
    x = np.where(rng.random((n_patterns, n_inputs)) < 0.5, -1, 1).astype(np.int8)
    return x, rng.integers(0, n_classes, size=n_patterns)


# ----------------------------------------------------------------------------- sweeps

def task_key(params: dict, seed: int) -> str:
    """Stable key naming every parameter of the task and the seed index."""
    return json.dumps(params, sort_keys=True) + f"|seed={seed}"


def train_params(model: str, sizes: dict, **config) -> dict:
    """Parameters of one :func:`train_task` at the figure's sizes (train_size, test_size,
    epochs); ``config`` are LearnerConfig fields (``hidden`` at least)."""
    full_config = LearnerConfig(**config).to_dict()
    return {"model": model, "epochs": sizes["epochs"], "train_size": sizes["train_size"],
            "test_size": sizes["test_size"], "data_seed": DATA_SEED, "config": full_config}


def run_grid(ctx, label: str, func, grid: list[dict], seeds: int) -> list[list[dict]]:
    """Run ``func`` on every parameter dict of ``grid`` for ``seeds`` seeds in one sweep;
    return, per grid point, the list of per-seed results."""
    tasks = [Task(task_key(p, k), p) for p in grid for k in range(seeds)]
    results = ctx.sweep(label, func, tasks)
    return [results[i * seeds:(i + 1) * seeds] for i in range(len(grid))]


def _mean_std(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sample standard deviation (ddof 1; 0 for a single seed) over axis 0."""
    std = values.std(axis=0, ddof=1) if len(values) > 1 else np.zeros_like(values[0])
    return values.mean(axis=0), std


def final(runs: list[dict], key: str = "test") -> dict:
    """Mean and standard deviation over seeds of the last-epoch ``key`` (or of a scalar
    ``key``) of the runs of one grid point, with the per-seed values."""
    values = np.array([r[key][-1] if isinstance(r[key], list) else r[key] for r in runs],
                      dtype=float)
    mean, std = _mean_std(values)
    return {"mean": float(mean), "std": float(std), "values": values.tolist()}


def per_epoch(runs: list[dict], key: str) -> dict:
    """Mean and standard deviation over seeds of the per-epoch curve ``key``."""
    mean, std = _mean_std(np.array([r[key] for r in runs], dtype=float))
    return {"mean": mean.tolist(), "std": std.tolist()}


def seconds(runs_by_point: list[list[dict]]) -> float:
    """Total training seconds of every run (summed over workers)."""
    return float(sum(r["seconds"] for runs in runs_by_point for r in runs))


# ----------------------------------------------------------------------------- drawing

def chance_line(ax, chance: float) -> None:
    ax.axhline(chance, color="0.4", ls=":", lw=1, label=f"chance ({chance:g})")


def errorbar(ax, x, stat: dict, **kwargs) -> None:
    """Points with error bars (std over seeds) joined by lines."""
    ax.errorbar(x, stat["mean"], yerr=stat["std"], **kwargs)


def draw_model_panels(path, p: dict, curves: dict, style_axis) -> None:
    """Test (a) and train (b) accuracy panels with one curve per model of ``p["models"]``:
    ``curves[model][split] = (x, {"mean": ..., "std": ...})``; ``style_axis(ax, split)``
    sets the axis labels, scales and title of each panel."""
    with figure(path, ncols=2, width=11, height=4.2) as (fig, axes):
        for ax, split, letter in zip(axes, ("test", "train"), "ab"):
            for k, model in enumerate(p["models"]):
                x, stat = curves[model][split]
                errorbar(ax, x, stat, marker=MODEL_MARKERS[model], color=f"C{k}",
                         label=MODEL_LABELS[model])
            chance_line(ax, p["chance"])
            ax.set_ylim(0, 1)
            style_axis(ax, split)
            panel_label(ax, letter)
        axes[0].legend(loc="lower right")
        fig.suptitle(data_caption(p), fontsize=9)


def data_caption(p: dict) -> str:
    seeds = p["seeds"]
    return (f"Entangled MNIST, {p['train_size']} train / {p['test_size']} test digits, "
            f"{seeds} seed{'s' if seeds > 1 else ''}" + (" (bars: std)" if seeds > 1 else ""))
