"""Training loop of the steering learner: mini-batch steps, epochs, accuracies.

One step (docs/model.md section 6): relax the batch from zero (warm-up, T clamped sweeps with the
label and feedback, T free sweeps without feedback), then apply the margin-perceptron
plasticity at the reached configuration. An epoch visits the training set in a fresh random
order; after it the train and test accuracies of the free relaxation are measured. The
feedback strength can be annealed over training: it is multiplied by a factor going linearly
from 1 at the first step to ``back_final`` at the last, and the learning rates likewise by a
factor going from 1 to ``eta_final``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

import numpy as np

from sim.data import Dataset
from sim.learner.model import LearnerConfig, Network, init_network, labels_pm1
from sim.learner.plasticity import apply_plasticity
from sim.learner.relaxation import input_field, predict, readout_field, training_relaxation


@dataclass(frozen=True)
class StepStats:
    """Diagnostics of one training step (means over the batch)."""

    unstable_clamped: float     # sign(h) != s at the end of the clamped phase
    unstable_free: float        # sign(h) != s at the end of the free phase
    overlap: float              # (1/H) s_clamped . s_free
    flips: float                # flips per sweep and example
    plastic_hidden: float       # fraction of hidden neurons updated by the plasticity
    plastic_readout: float      # fraction of readout units updated
    batch_accuracy: float       # readout argmax of the free state, before the update


@dataclass(frozen=True)
class EpochRecord:
    """One epoch: accuracies after it, mean step diagnostics during it, timings."""

    epoch: int
    train_accuracy: float
    test_accuracy: float
    seconds_per_step: float
    train_seconds: float
    eval_seconds: float
    stats: dict

    def to_dict(self) -> dict:
        return asdict(self)


def linear_schedule(final: float, progress: float) -> float:
    """Factor going linearly from 1 (progress 0) to ``final`` (progress 1)."""
    return 1.0 + (final - 1.0) * progress


def train_step(net: Network, x: np.ndarray, y: np.ndarray, *, rng: np.random.Generator | None,
               back_scale: float = 1.0, eta_scale: float = 1.0) -> StepStats:
    """One step on a batch x (B, N) of +-1 inputs with classes y (B,); updates ``net``."""
    label = labels_pm1(y, net.n_classes)
    x_field = input_field(net, x)
    state, phase = training_relaxation(net, x_field, label, back_scale=back_scale, rng=rng)
    acc = float(np.mean(np.argmax(readout_field(net, state.s[-1]), axis=1) == y))
    plastic = apply_plasticity(net, state, x, x_field, label, eta_scale)
    return StepStats(phase.unstable_clamped, phase.unstable_free, phase.overlap, phase.flips,
                     plastic.hidden, plastic.readout, acc)


def accuracy(net: Network, x: np.ndarray, y: np.ndarray, *,
             rng: np.random.Generator | None = None) -> float:
    """Fraction of examples whose free-relaxation prediction is the label."""
    if len(x) == 0:
        raise ValueError("x is empty")
    return float(np.mean(predict(net, x, rng=rng) == y))


def batches(n: int, batch_size: int, *, rng: np.random.Generator) -> list[np.ndarray]:
    """A random permutation of range(n) cut into mini-batches (the last may be shorter)."""
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def run_epochs(n_train: int, batch_size: int, epochs: int,
               step: Callable[[np.ndarray, float], dict],
               evaluate: Callable[[], tuple[float, float]], *, rng: np.random.Generator,
               on_step: Callable[[int, int], None] | None = None) -> Iterator[EpochRecord]:
    """Generic epoch loop shared by the learner and the baselines.

    ``step(indices, progress)`` trains on one mini-batch (progress in [0, 1] over the whole
    run) and returns its diagnostics; ``evaluate()`` returns (train, test) accuracy; ``rng``
    orders the batches.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    n_steps = -(-n_train // batch_size)
    total = epochs * n_steps
    done = 0
    for epoch in range(1, epochs + 1):
        sums: dict[str, float] = {}
        start = time.perf_counter()
        for k, idx in enumerate(batches(n_train, batch_size, rng=rng)):
            stats = step(idx, done / max(total - 1, 1))
            for key, value in stats.items():
                sums[key] = sums.get(key, 0.0) + value
            done += 1
            if on_step is not None:
                on_step(k + 1, n_steps)
        train_seconds = time.perf_counter() - start
        start = time.perf_counter()
        train_acc, test_acc = evaluate()
        eval_seconds = time.perf_counter() - start
        yield EpochRecord(epoch, train_acc, test_acc, train_seconds / n_steps, train_seconds,
                          eval_seconds, {k: v / n_steps for k, v in sums.items()})


def fit(config: LearnerConfig, data: Dataset, epochs: int, *, rng: np.random.Generator,
        net: Network | None = None,
        on_step: Callable[[int, int], None] | None = None) -> Iterator[tuple[Network, EpochRecord]]:
    """Train a learner on ``data`` for ``epochs`` epochs; yield (snapshot, record) per epoch.

    Every yielded network is an independent copy taken after its epoch (``list(fit(...))``
    holds the network of every epoch); a ``net`` given to start from is trained in place.
    The network is drawn from ``rng`` unless given; ``rng`` then orders the batches, drives
    the stochastic dynamics and flips the training inputs (``config.input_flip``).
    ``on_step(step, steps_per_epoch)`` is called after every step.
    """
    init_rng, order_rng, dyn_rng, flip_rng = rng.spawn(4)
    if net is None:
        net = init_network(config, data.n_inputs, data.n_classes, rng=init_rng)

    def step(idx, progress):
        x = data.x_train[idx]
        if config.input_flip > 0:
            x = np.where(flip_rng.random(x.shape) < config.input_flip, -x, x)
        return asdict(train_step(net, x, data.y_train[idx], rng=dyn_rng,
                                 back_scale=linear_schedule(config.back_final, progress),
                                 eta_scale=linear_schedule(config.eta_final, progress)))

    def evaluate():
        return (accuracy(net, data.x_train, data.y_train, rng=dyn_rng),
                accuracy(net, data.x_test, data.y_test, rng=dyn_rng))

    for record in run_epochs(len(data.x_train), config.batch_size, epochs, step, evaluate,
                             rng=order_rng, on_step=on_step):
        yield net.copy(), record
