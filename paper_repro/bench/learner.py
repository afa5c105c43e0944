"""Benchmarks of the learner (``python -m paper_repro bench --only learner``).

- one training step (B = 16, H = 1600, one layer, N = 784, 1 + 7 + 7 sweeps) of
  sim.learner.train_step against :func:`naive_train_step`, the same algorithm written as plain
  dense numpy (float64 fields recomputed every sweep, full weight updates), with the time split
  between relaxation and plasticity;
- one epoch over 9,000 examples of dimension 100 (the shape of Entangled MNIST) at H = 1600,
  including the evaluation of train and test accuracy.
"""

from __future__ import annotations

import math
import time

import numpy as np

from paper_repro.bench import best_time


def _sign(h: np.ndarray) -> np.ndarray:
    return np.where(h >= 0, 1.0, -1.0)


def naive_train_step(w_in: np.ndarray, j: np.ndarray, w_out: np.ndarray, w_back: np.ndarray,
                     x: np.ndarray, y: np.ndarray, cfg) -> None:
    """The timed baseline: the one-layer synchronous (p = 1) learner step, dense and float64
    (the tests' oracle tests/learner_reference.py is a frozen copy).

    Updates w_in (N, H), j (H, H), w_out (H, C) in place (pre-synaptic-major, like
    sim.learner.Network); w_back (C, H) is the fixed feedback."""
    b, c = len(x), w_out.shape[1]
    x = x.astype(np.float64)
    label = -np.ones((b, c))
    label[np.arange(b), y] = 1.0
    x_field = x @ w_in
    s = _sign(x_field)                                  # warm-up from s = 0
    for _ in range(cfg.warmup_sweeps - 1):
        s = _sign(x_field + s @ j)
    for _ in range(cfg.clamped_sweeps):
        y_hat = _sign(s @ w_out + cfg.lambda_y * label)
        r = np.where(y_hat > 0, math.sqrt(c) / 2, -0.5)
        s = _sign(x_field + s @ j + cfg.lambda_back * (r @ w_back))
    for _ in range(cfg.free_sweeps):
        s = _sign(x_field + s @ j)
    h = x_field + s @ j
    post = s * (s * h <= cfg.theta + cfg.jd)
    post_out = label * (label * (s @ w_out) <= cfg.theta_out)
    hid, n = j.shape[0], x.shape[1]
    for w, pre, p, rate, decay in (
            (w_in, x, post, cfg.eta_in * cfg.lambda_x / math.sqrt(n), cfg.decay_in),
            (j, s, post, cfg.eta_j / math.sqrt(hid), cfg.decay),
            (w_out, s, post_out, cfg.eta_out / math.sqrt(hid), cfg.decay)):
        w *= 1.0 - rate * decay
        w += rate / math.sqrt(b) * pre.T @ p
    np.fill_diagonal(j, cfg.jd)


def _step_benchmark(quick: bool) -> dict:
    from sim.learner import LearnerConfig, init_network, train_step
    from sim.learner.model import labels_pm1
    from sim.learner.plasticity import apply_plasticity
    from sim.learner.relaxation import input_field, training_relaxation

    h, n, b = (400 if quick else 1600), 784, 16
    cfg = LearnerConfig(hidden=h, batch_size=b)
    rng = np.random.default_rng(0)
    net = init_network(cfg, n, 10, rng=rng)
    x = np.where(rng.random((b, n)) < 0.5, 1, -1).astype(np.int8)
    y = rng.integers(0, 10, b)
    ours = best_time(lambda: train_step(net, x, y, rng=None), repeat=20)
    label = labels_pm1(y, 10)
    x_field = input_field(net, x)
    relax = best_time(lambda: training_relaxation(net, x_field, label, rng=None), repeat=20)
    state, _ = training_relaxation(net, x_field, label, rng=None)
    plastic = best_time(lambda: apply_plasticity(net, state, x, x_field, label), repeat=20)
    mats = [m.astype(np.float64) for m in (net.w_in, net.j[0], net.w_out, net.w_back)]
    naive = best_time(lambda: naive_train_step(*mats, x, y, cfg), repeat=3)
    return {"name": "learner training step", "unit": "s", "ours": ours, "naive": naive,
            "ratio": naive / ours, "relaxation_s": relax, "plasticity_s": plastic,
            "hidden": h, "inputs": n, "batch": b,
            "sweeps": f"{cfg.warmup_sweeps}+{cfg.clamped_sweeps}+{cfg.free_sweeps}"}


def _epoch_benchmark() -> dict:
    from sim.data import prototypes
    from sim.learner import LearnerConfig, fit

    data = prototypes(n_classes=10, n_inputs=100, n_train=9000, n_test=1000, flip=0.3,
                      rng=np.random.default_rng(0))
    cfg = LearnerConfig(hidden=1600)
    start = time.perf_counter()
    _, record = next(fit(cfg, data, 1, rng=np.random.default_rng(0)))
    total = time.perf_counter() - start
    step = _step_benchmark_naive_100(cfg)
    steps = -(-9000 // cfg.batch_size)
    return {"name": "learner epoch (9000 x 100 inputs, H = 1600)", "unit": "s", "ours": total,
            "naive": step * steps, "ratio": step * steps / total,
            "naive_note": "naive step time x steps, evaluation not included",
            "train_s": record.train_seconds, "eval_s": record.eval_seconds,
            "seconds_per_step": record.seconds_per_step}


def _step_benchmark_naive_100(cfg) -> float:
    rng = np.random.default_rng(1)
    mats = [rng.standard_normal(shape) for shape in ((100, cfg.hidden), (cfg.hidden, cfg.hidden),
                                                     (cfg.hidden, 10), (10, cfg.hidden))]
    x = np.where(rng.random((cfg.batch_size, 100)) < 0.5, 1, -1)
    y = rng.integers(0, 10, cfg.batch_size)
    return best_time(lambda: naive_train_step(*mats, x, y, cfg), repeat=3)


def benchmarks(quick: bool) -> list[dict]:
    results = [_step_benchmark(quick)]
    if not quick:
        results.append(_epoch_benchmark())
    return results
