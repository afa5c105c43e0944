"""Reference (oracle) implementation of one learner step for tests/test_learner.py.

The one-layer synchronous (p = 1) step of docs/model.md section 6 written as plain dense float64
numpy: fields recomputed every sweep, full weight updates. The benchmark
``paper_repro.bench.learner`` times its own copy of this baseline; the oracle lives here so
that tests never depend on benchmark code (and stays frozen when the benchmark changes).
"""

from __future__ import annotations

import math

import numpy as np


def _sign(h: np.ndarray) -> np.ndarray:
    return np.where(h >= 0, 1.0, -1.0)


def naive_train_step(w_in: np.ndarray, j: np.ndarray, w_out: np.ndarray, w_back: np.ndarray,
                     x: np.ndarray, y: np.ndarray, cfg) -> None:
    """Reference step of the one-layer synchronous (p = 1) learner, dense and float64.

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
    # rates per coupling in units of each matrix's initial scale; decay relative to the rate
    for w, pre, p, rate, decay in (
            (w_in, x, post, cfg.eta_in * cfg.lambda_x / math.sqrt(n), cfg.decay_in),
            (j, s, post, cfg.eta_j / math.sqrt(hid), cfg.decay),
            (w_out, s, post_out, cfg.eta_out / math.sqrt(hid), cfg.decay)):
        w *= 1.0 - rate * decay
        w += rate / math.sqrt(b) * pre.T @ p
    np.fill_diagonal(j, cfg.jd)
