"""One entry point that trains any of the models compared in the papers on a data set.

``train_model(model, data, epochs, config=..., rng=...)`` selects the model by name
(:data:`MODELS`), trains it and yields one :class:`EpochRecord` per epoch:

- ``steer``: the steering learner (:func:`sim.learner.training.fit`);
- ``reservoir`` / ``random-features``: the fixed networks of :mod:`sim.learner.baselines`
  with the learner's readout rule on their features;
- ``mlp``: the backprop MLP of the same width (:class:`MLPConfig`).

The command ``python -m paper_repro learn`` and the learner figures both call it, so a
figure point and a command-line run with the same seed give the same numbers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

import numpy as np

from sim.data import Dataset
from sim.learner import baselines as bl
from sim.learner.model import LearnerConfig
from sim.learner.training import EpochRecord, fit

MODELS = ("steer", "reservoir", "random-features", "mlp")


@dataclass
class TrainingRun:
    """Per-epoch records (a lazy iterator: each ``next`` trains one more epoch) and the
    model's extra information (MLP settings, baseline feature statistics)."""

    records: Iterator[EpochRecord]
    info: dict


def train_model(model: str, data: Dataset, epochs: int, *, config: LearnerConfig,
                rng: np.random.Generator, mlp: bl.MLPConfig | None = None,
                on_step: Callable[[int, int], None] | None = None) -> TrainingRun:
    """Train ``model`` (one of :data:`MODELS`) on ``data`` for ``epochs`` epochs.

    ``config`` sets the width H of every model and every setting of the learner and of the
    baselines' readout; ``mlp`` the MLP (default: width H, batch size of ``config``).
    ``rng`` draws the model and drives its training. The baselines' features are computed
    here, before the first epoch; ``on_step(step, steps_per_epoch)`` follows training.
    """
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")
    if model == "steer":
        return TrainingRun((rec for _, rec in fit(config, data, epochs, rng=rng,
                                                  on_step=on_step)), {})
    if model == "mlp":
        mlp = mlp or bl.MLPConfig(hidden=config.hidden, batch_size=config.batch_size)
        if mlp.hidden != config.hidden:
            raise ValueError(f"mlp.hidden ({mlp.hidden}) must equal config.hidden "
                             f"({config.hidden})")
        return TrainingRun((rec for _, rec in bl.fit_mlp(mlp, data, epochs, rng=rng,
                                                         on_step=on_step)),
                           {"mlp": asdict(mlp)})
    net_seq, dyn_seq, fit_seq = rng.bit_generator.seed_seq.spawn(3)
    dyn_rng = np.random.default_rng(dyn_seq)
    start = time.perf_counter()
    features = []
    info = {}
    for x in (data.x_train, data.x_test):  # the same network (net_seq) for both sets
        net_rng = np.random.default_rng(net_seq)
        if model == "reservoir":
            feats, settled = bl.reservoir_features(config, x, net_rng=net_rng, dyn_rng=dyn_rng)
            info.setdefault("settled_fraction_train", settled)
        else:
            feats = bl.random_features(config, x, net_rng=net_rng)
        features.append(feats)
    info["feature_seconds"] = time.perf_counter() - start
    records = bl.fit_readout(config, features[0], data.y_train, features[1], data.y_test,
                             data.n_classes, epochs, rng=np.random.default_rng(fit_seq),
                             on_step=on_step)
    return TrainingRun((rec for _, rec in records), info)
