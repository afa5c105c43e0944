"""Baselines on the same data and width as the steering learner.

- reservoir: a fixed random network of the learner's architecture (W_in, J with J_D, no
  feedback) relaxed from zero as at inference; only W_out is learned, by the same
  margin-perceptron readout rule, on the reached configurations s^L (computed once).
- random features: s = sign(W_in x) with the learner's W_in, no recurrence; W_out as above.
- MLP: one hidden layer of width H trained by backpropagation (softmax cross-entropy, Adam),
  activation ReLU, tanh or sign with a straight-through gradient (d sign(a)/da := [|a| <= 1]).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from sim.data import Dataset
from sim.learner.model import LearnerConfig, init_network, labels_pm1
from sim.learner.plasticity import readout_update
from sim.learner.relaxation import input_field, relax_free, sweep
from sim.learner.training import EpochRecord, linear_schedule, run_epochs

ACTIVATIONS = ("relu", "tanh", "sign")


def reservoir_features(config: LearnerConfig, x: np.ndarray, *, net_rng: np.random.Generator,
                       dyn_rng: np.random.Generator | None = None,
                       chunk: int = 1000) -> tuple[np.ndarray, float]:
    """Final states s^L (n, H) float32 of a fixed random learner network relaxed from zero
    without feedback, and the fraction of examples whose last sweep flipped no neuron.

    ``net_rng`` draws the network (same draw for the train and the test set)."""
    net = init_network(config, x.shape[1], 2, rng=net_rng)
    feats = np.empty((len(x), config.hidden), np.float32)
    settled = 0
    for start in range(0, len(x), chunk):
        xc = x[start:start + chunk]
        state = relax_free(net, xc, rng=dyn_rng)
        before = [s.copy() for s in state.s]
        sweep(net, state, input_field(net, xc), feedback=0.0, label=None, rng=dyn_rng)
        settled += int(np.sum(np.all([np.all(a == b, axis=1) for a, b in zip(before, state.s)],
                                     axis=0)))
        feats[start:start + chunk] = before[-1]
    return feats, settled / len(x)


def random_features(config: LearnerConfig, x: np.ndarray, *,
                    net_rng: np.random.Generator) -> np.ndarray:
    """sign(W_in x) (n, H) float32 with the learner's input matrix, sign(0) = +1."""
    net = init_network(config, x.shape[1], 2, rng=net_rng)
    return np.where(input_field(net, x) >= 0, 1.0, -1.0).astype(np.float32)


def fit_readout(config: LearnerConfig, train_features: np.ndarray, y_train: np.ndarray,
                test_features: np.ndarray, y_test: np.ndarray, n_classes: int, epochs: int, *,
                rng: np.random.Generator, on_step: Callable[[int, int], None] | None = None,
                ) -> Iterator[tuple[np.ndarray, EpochRecord]]:
    """Train W_out (H, C) alone with the learner's readout rule (and its learning-rate schedule)
    on fixed +-1 features; yield (copy of W_out, record) after every epoch."""
    init_rng, order_rng = rng.spawn(2)
    h = train_features.shape[1]
    w_out = (init_rng.standard_normal((h, n_classes)) / math.sqrt(h)).astype(np.float32)
    labels = labels_pm1(y_train, n_classes)

    def step(idx, progress):
        return {"plastic_readout": readout_update(w_out, train_features[idx], labels[idx], config,
                                                  linear_schedule(config.eta_final, progress))}

    def evaluate():
        return tuple(float(np.mean(np.argmax(f @ w_out, axis=1) == y))
                     for f, y in ((train_features, y_train), (test_features, y_test)))

    for record in run_epochs(len(train_features), config.batch_size, epochs, step, evaluate,
                             rng=order_rng, on_step=on_step):
        yield w_out.copy(), record


@dataclass(frozen=True)
class MLPConfig:
    """One-hidden-layer perceptron trained by backpropagation with Adam."""

    hidden: int = 1600
    activation: str = "relu"
    learning_rate: float = 1e-3
    batch_size: int = 16
    weight_decay: float = 0.0

    def __post_init__(self) -> None:
        if self.hidden < 1 or self.batch_size < 1:
            raise ValueError("hidden and batch_size must be >= 1")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {self.activation!r}")
        if not self.learning_rate > 0 or self.weight_decay < 0:
            raise ValueError("learning_rate must be > 0 and weight_decay >= 0")


@dataclass
class MLP:
    """Weights of the MLP: logits = act(x W1 + b1) W2 + b2."""

    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray
    activation: str

    def hidden(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pre-activations a and activations of the hidden layer."""
        a = x.astype(np.float32) @ self.w1 + self.b1
        if self.activation == "relu":
            return a, np.maximum(a, 0)
        if self.activation == "tanh":
            return a, np.tanh(a)
        return a, np.where(a >= 0, 1.0, -1.0).astype(np.float32)

    def copy(self) -> MLP:
        return MLP(self.w1.copy(), self.b1.copy(), self.w2.copy(), self.b2.copy(),
                   self.activation)

    def logits(self, x: np.ndarray) -> np.ndarray:
        return self.hidden(x)[1] @ self.w2 + self.b2

    def predict(self, x: np.ndarray, chunk: int = 4096) -> np.ndarray:
        return np.concatenate([np.argmax(self.logits(x[i:i + chunk]), axis=1)
                               for i in range(0, len(x), chunk)])


def init_mlp(config: MLPConfig, n_inputs: int, n_classes: int, *,
             rng: np.random.Generator) -> MLP:
    """W1 ~ N(0, 1/N), W2 ~ N(0, 1/H), zero biases."""
    h = config.hidden
    return MLP((rng.standard_normal((n_inputs, h)) / math.sqrt(n_inputs)).astype(np.float32),
               np.zeros(h, np.float32),
               (rng.standard_normal((h, n_classes)) / math.sqrt(h)).astype(np.float32),
               np.zeros(n_classes, np.float32), config.activation)


def mlp_gradients(mlp: MLP, x: np.ndarray, y: np.ndarray) -> tuple[float, list[np.ndarray]]:
    """Mean cross-entropy of softmax(logits) on the batch and its gradients (w1, b1, w2, b2)."""
    a, z = mlp.hidden(x)
    logits = z @ mlp.w2 + mlp.b2
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    n = len(x)
    loss = float(-np.mean(np.log(p[np.arange(n), y] + 1e-30)))
    g = p
    g[np.arange(n), y] -= 1.0
    g /= n
    gw2, gb2 = z.T @ g, g.sum(axis=0)
    gz = g @ mlp.w2.T
    if mlp.activation == "relu":
        ga = gz * (a > 0)
    elif mlp.activation == "tanh":
        ga = gz * (1.0 - z * z)
    else:
        ga = gz * (np.abs(a) <= 1.0)
    gw1, gb1 = x.astype(np.float32).T @ ga, ga.sum(axis=0)
    return loss, [gw1, gb1, gw2, gb2]


def fit_mlp(config: MLPConfig, data: Dataset, epochs: int, *, rng: np.random.Generator,
            on_step: Callable[[int, int], None] | None = None) -> Iterator[tuple[MLP, EpochRecord]]:
    """Train the MLP with Adam (beta1 0.9, beta2 0.999, eps 1e-8; decoupled weight decay on
    W1, W2); yield (snapshot of the MLP, record) after every epoch."""
    init_rng, order_rng = rng.spawn(2)
    mlp = init_mlp(config, data.n_inputs, data.n_classes, rng=init_rng)
    params = [mlp.w1, mlp.b1, mlp.w2, mlp.b2]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    t = 0

    def step(idx, progress):
        nonlocal t
        t += 1
        loss, grads = mlp_gradients(mlp, data.x_train[idx], data.y_train[idx])
        lr = config.learning_rate * math.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        for k, (p, g) in enumerate(zip(params, grads)):
            m[k] *= 0.9
            m[k] += 0.1 * g
            v[k] *= 0.999
            v[k] += 0.001 * g * g
            if config.weight_decay and p.ndim == 2:
                p *= 1.0 - config.learning_rate * config.weight_decay
            p -= (lr * m[k] / (np.sqrt(v[k]) + 1e-8)).astype(np.float32)
        return {"loss": loss}

    def evaluate():
        return (float(np.mean(mlp.predict(data.x_train) == data.y_train)),
                float(np.mean(mlp.predict(data.x_test) == data.y_test)))

    for record in run_epochs(len(data.x_train), config.batch_size, epochs, step, evaluate,
                             rng=order_rng, on_step=on_step):
        yield mlp.copy(), record
