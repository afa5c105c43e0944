"""The learner figures: quick-mode outputs at tiny sizes, deterministic task functions,
the fixed-point test against a dense recomputation (depth_capacity:
tests/test_depth_capacity.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from paper_repro.cli import main as cli_main
from paper_repro.figures import Context, learning_curves, produce
from paper_repro.figures import _learning as lr
from paper_repro.figures._dynamics import convergence_task
from paper_repro.figures._thresholds import dense_threshold_task
from sim.learner import MODELS, LearnerConfig, init_network, relax_free
from sim.learner.relaxation import input_field

TINY_TRAIN = {"model": "steer", "epochs": 2, "train_size": 200, "test_size": 100,
              "data_seed": 0, "config": LearnerConfig(hidden=32).to_dict()}


def _context(name: str, tmp_path) -> Context:
    return Context(name=name, quick=True, seed=3, runs_dir=tmp_path / "runs", progress=False)


def test_learning_curves_quick_writes_png_and_json(tmp_path, monkeypatch):
    tiny = {"hidden": 64, "train_size": 600, "test_size": 200, "epochs": 2, "seeds": 2}
    monkeypatch.setitem(learning_curves.SIZES, "quick", tiny)
    png, data_path = produce("learning_curves", _context("learning_curves", tmp_path), tmp_path)
    assert png == tmp_path / "learning_curves.png" and png.stat().st_size > 10_000
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    record = json.loads(data_path.read_text())
    assert record["figure"] == "learning_curves" and record["quick"] is True
    assert {"summary", "seed", "seconds", "parameters", "data"} <= set(record)
    assert record["parameters"]["hidden"] == 64 and record["parameters"]["seeds"] == 2
    assert set(record["data"]) == set(MODELS)
    for model in MODELS:
        entry = record["data"][model]
        assert len(entry["model_seeds"]) == 2 and len(set(entry["model_seeds"])) == 2
        for split in ("train", "test"):
            mean, std = np.array(entry[split]["mean"]), np.array(entry[split]["std"])
            assert mean.shape == std.shape == (2,)
            assert np.all((mean >= 0) & (mean <= 1)) and np.all(std >= 0)
    # 200 test digits, 10 classes: chance is 0.1 +- 0.021; every model is far above it
    assert min(record["data"][m]["test"]["mean"][-1] for m in MODELS) > 0.3
    # a second run reloads every task from the store: identical numbers
    png.unlink()
    produce("learning_curves", _context("learning_curves", tmp_path), tmp_path)
    assert json.loads(data_path.read_text())["data"] == record["data"] and png.exists()


def test_train_task_is_deterministic_and_reproduced_by_learn(tmp_path):
    first = lr.train_task(TINY_TRAIN, np.random.default_rng(11))
    again = lr.train_task(TINY_TRAIN, np.random.default_rng(11))
    other = lr.train_task(TINY_TRAIN, np.random.default_rng(12))
    del first["seconds"], again["seconds"], other["seconds"]
    assert first == again
    assert other["model_seed"] != first["model_seed"]
    # the stored model seed reproduces the point with the `learn` command
    out = tmp_path / "learn.json"
    assert cli_main(["learn", "--model", "steer", "--hidden", "32", "--epochs", "2",
                     "--train-size", "200", "--test-size", "100", "--data-seed", "0",
                     "--seed", str(first["model_seed"]), "--json", str(out),
                     "--no-progress"]) == 0
    report = json.loads(out.read_text())
    assert [e["test_accuracy"] for e in report["epochs"]] == first["test"]
    assert [e["train_accuracy"] for e in report["epochs"]] == first["train"]


@pytest.mark.parametrize("model", ["reservoir", "mlp"])
def test_baseline_tasks_are_deterministic(model):
    params = dict(TINY_TRAIN, model=model)
    a = lr.train_task(params, np.random.default_rng(4))
    b = lr.train_task(params, np.random.default_rng(4))
    assert a["test"] == b["test"] and a["train"] == b["train"]


@pytest.mark.parametrize("layers,jd", [(1, 0.0), (2, 0.0), (3, 0.5)])
def test_fixed_point_mask_matches_dense_fields(layers, jd):
    """Recompute every field densely in float64 and compare s_i = sign(h_i), sign(0) = +1."""
    rng = np.random.default_rng(layers)
    config = LearnerConfig(hidden=24, layers=layers, jd=jd, lambda_layers=0.7,
                           inference_sweeps=3)
    net = init_network(config, 20, 3, rng=rng)
    x = np.where(rng.random((64, 20)) < 0.5, -1, 1).astype(np.int8)
    state = relax_free(net, x)
    mask = lr.fixed_point_mask(net, state, input_field(net, x))
    s = [a.astype(np.float64) for a in state.s]
    want = np.ones(len(x), dtype=bool)
    for layer in range(layers):
        h = s[layer] @ net.j[layer].astype(np.float64)
        if layer == 0:
            h += x @ net.w_in.astype(np.float64)
        for other in (layer - 1, layer + 1):
            if 0 <= other < layers:
                h += config.lambda_layers * s[other]
        want &= np.all(np.where(h >= 0, 1.0, -1.0) == s[layer], axis=1)
    np.testing.assert_array_equal(mask, want)
    assert 0 < mask.sum() < len(x)  # both outcomes occur: the comparison can fail either way


class _FakeSweepContext(Context):
    """Full mode with synthetic task results: checks the full grids and the drawing with
    several seeds (error bars) without training anything."""

    def sweep(self, label, func, tasks, owner=None):
        keys = [t.key for t in tasks]
        assert len(set(keys)) == len(keys)
        if func is convergence_task:  # the thresholds marked on self_coupling_sweep
            return [{"found": [t.params["jd"] > 0.6] * t.params["runs"]} for t in tasks]
        if func is dense_threshold_task:
            return [{"jd": 0.052, "error": 0.001, "d_close": 0.01, "bracket": [0.05, 0.054]}]
        out = []
        for i, t in enumerate(tasks):
            rng = np.random.default_rng(i)
            assert func is lr.train_task
            LearnerConfig(**t.params["config"])  # every grid point is a valid config
            curve = np.sort(rng.uniform(0.1, 0.9, t.params["epochs"])).tolist()
            out.append({"train": curve, "test": curve, "model_seed": i, "seconds": 1.0,
                        "overlap": 0.99, "unstable_free": 0.001})
        return out


@pytest.mark.parametrize("name", ["learning_curves", "width_scaling", "self_coupling_sweep",
                                  "lambda_advantage"])
def test_full_mode_grids_and_error_bars_draw(name, tmp_path):
    ctx = _FakeSweepContext(name=name, quick=False, seed=1, runs_dir=tmp_path, progress=False)
    png, data_path = produce(name, ctx, tmp_path)
    record = json.loads(data_path.read_text())
    assert png.exists() and record["quick"] is False and record["parameters"]["seeds"] == 3

