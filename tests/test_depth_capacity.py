"""The ``depth_capacity`` figure: the storage task, the bisection of the capacity against a
known threshold, the held-out tuning, and the quick-mode output."""

from __future__ import annotations

import json
from typing import ClassVar

import numpy as np
import pytest

from paper_repro.figures import Context, depth_capacity, produce
from paper_repro.figures import _learning as lr
from sim.learner import LearnerConfig

TINY = {"hiddens": [12], "layers": [1, 2], "jds": [0.5], "options": ["dense"],
        "max_epochs": 4, "eval_every": 2, "patience": 2, "seeds": 2, "tune_replicas": 1,
        "tune_alpha": 1.0,
        "tune_grid": {"lambda_x": [2.0, 4.5]},
        "tune_dense": [{"lambda_layers": 1.0, "eta_layers": 0.005}], "check_factor": 2,
        "extra": [], "representation": {"hidden": 12, "train_size": 100, "epochs": [0, 1],
                                        "n_random": 16, "sample": 40}}


def test_store_task_is_deterministic_and_consistent():
    params = {"n_patterns": 12, "n_classes": 2, "replica": 0, "data_seed": 0,
              "max_epochs": 6, "eval_every": 2, "stop_at": 0.95,
              "config": LearnerConfig(hidden=16, layers=2, interlayer="dense").to_dict()}
    a = depth_capacity.store_task(params, np.random.default_rng(9))
    b = depth_capacity.store_task(params, np.random.default_rng(9))
    del a["seconds"], b["seconds"]
    assert a == b
    assert a["epochs"] == 2 * len(a["curve"]) and a["epochs"] <= 6
    assert a["stored"] <= min(a["correct"], a["fixed_point"]) + 1e-12
    assert a["stored"] >= a["correct"] + a["fixed_point"] - 1 - 1e-12
    assert a["epochs"] == 6 or a["stored"] >= 0.95
    x1, y1 = lr.random_patterns(12, 16, 2, 0, 0)
    x2, _ = lr.random_patterns(12, 16, 2, 0, 1)
    assert x1.shape == (12, 16) and set(np.unique(x1)) == {-1, 1} and set(y1) <= {0, 1}
    assert not np.array_equal(x1, x2)


class _Oracle(Context):
    """Synthetic storage: P is stored iff P <= a known per-(L, seed) capacity."""

    truth: ClassVar[dict] = {1: [37, 52], 2: [5, 300]}  # 300 > 2.5 H: range doubles

    def sweep(self, label, func, tasks):
        assert func is depth_capacity.store_task
        out = []
        for t in tasks:
            p = t.params
            ok = p["n_patterns"] <= self.truth[p["config"]["layers"]][p["replica"] % 2]
            out.append({"stored": 1.0 if ok else 0.5, "correct": 1.0, "fixed_point": 1.0,
                        "epochs": 3, "curve": [0.5], "model_seed": 0, "seconds": 0.0})
        return out


def test_bisection_finds_a_known_capacity(tmp_path):
    """H = 80: resolution max(1, 80 // 20) = 4 patterns; P_c is within it below the truth,
    the first failing P within it above."""
    sizes = dict(TINY, hiddens=[80])
    ctx = _Oracle(name="depth_capacity", quick=True, seed=0, runs_dir=tmp_path,
                  progress=False)
    settings = [(0.5, 80, 1, depth_capacity.SINGLE, {}), (0.5, 80, 2, "dense", {})]
    out = depth_capacity.bisect_capacity(ctx, sizes, settings, "capacity", check=True)
    for entry in out:
        truth = _Oracle.truth[entry["layers"]]
        for pc, fail, t in zip(entry["p_c"], entry["first_failing"], truth):
            assert pc <= t < fail and fail - pc <= 4
        assert entry["alpha_c"]["mean"] == pytest.approx(np.mean(entry["p_c"]) / 80)
        assert entry["alpha_c_per_neuron"]["mean"] == pytest.approx(
            np.mean(entry["p_c"]) / (80 * entry["layers"]))
        assert entry["check"]["stored_longer"] == 0.5
        assert not entry["top_of_range"]


def test_verdict_needs_gains_beyond_the_error_bars():
    def cap(L, option, mean, se):
        return {"jd": 0.5, "hidden": 80, "layers": L, "option": option,
                "alpha_c": {"mean": mean, "se": se}}

    sizes = {"jds": [0.5], "hiddens": [80], "options": ["dense", "lambda=1"]}
    caps = [cap(1, "single", 1.0, 0.02), cap(2, "dense", 1.2, 0.02), cap(3, "dense", 1.19, 0.02),
            cap(2, "lambda=1", 1.02, 0.02), cap(3, "lambda=1", 0.9, 0.02)]
    verdict = depth_capacity.verdict(caps, sizes)
    assert verdict["dense"] == {"L2_above_L1": True, "L3_not_below_L2": True}
    assert verdict["lambda=1"] == {"L2_above_L1": False, "L3_not_below_L2": False}


def test_quick_mode_writes_the_figure(tmp_path, monkeypatch):
    monkeypatch.setitem(depth_capacity.SIZES, "quick", TINY)
    ctx = Context(name="depth_capacity", quick=True, seed=3, runs_dir=tmp_path / "runs",
                  progress=False)
    png, data_path = produce("depth_capacity", ctx, tmp_path)
    assert png.exists()
    data = json.loads(data_path.read_text())["data"]
    assert set(data["tuning"]) == {"1/single", "2/dense"}
    for entry in data["tuning"].values():
        assert entry["choice"] in [s["overrides"] for s in entry["scores"]]
        assert len(entry["scores"]) == 2
    assert [(c["layers"], c["option"]) for c in data["capacity"]] == [(1, "single"),
                                                                     (2, "dense")]
    for c in data["capacity"]:
        assert len(c["p_c"]) == 2 and all(0 <= p < 30 for p in c["p_c"])
    for variant, name in [(v, n) for v in depth_capacity.REPRESENTATION_VARIANTS
                          for n in ("entangled-mnist", "random")]:
        recs = data["representation"][variant][name]["records"]
        assert [r["epoch"] for r in recs] == [0, 1]
        for layer in recs[-1]["layers"]:
            cos = np.array(layer["class_cosine"])
            np.testing.assert_allclose(np.diag(cos), 1.0, atol=1e-3)
            np.testing.assert_allclose(cos, cos.T)
            assert -1 <= layer["q_diff"] <= 1 and 0 <= layer["label_reach"] <= 1
