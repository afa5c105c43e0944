"""``python -m paper_repro learn``: train the steering learner or a baseline on a data set.

Prints the accuracies after every epoch (with a progress bar over its steps) and, with
``--json PATH``, writes the configuration, the per-epoch train/test accuracies, the step
diagnostics and the seconds per training step (rewritten after every epoch, so a long run
leaves its finished epochs behind). Same seeds, same numbers.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from paper_repro.cli import UsageError, positive_float, positive_int, seed, writable_file

# LearnerConfig fields exposed on the command line: name -> (type, help). Defaults live in
# sim.learner.LearnerConfig (documented there with their sources); the JSON records the values
# used.
_HYPER = {
    "jd": (float, "self-coupling J_D"),
    "lambda_x": (float, "input strength lambda_x"),
    "lambda_back": (float, "feedback strength lambda_back"),
    "lambda_y": (float, "label clamp lambda_y on the readout"),
    "lambda_layers": (float, "inter-layer coupling lam"),
    "interlayer": (str, "'identity' (fixed one-to-one lam) or 'dense' (learned matrices)"),
    "warmup_sweeps": (int, "forward warm-up sweeps from zero"),
    "clamped_sweeps": (int, "T clamped sweeps (label and feedback on)"),
    "free_sweeps": (int, "T free sweeps (feedback off)"),
    "inference_sweeps": (int, "sweeps after the warm-up at inference (default clamped+free)"),
    "dynamics": (str, "'sync' or 'async'"),
    "update_prob": (float, "update probability p of the synchronous dynamics"),
    "back_final": (float, "feedback factor reached at the end of training (linear schedule)"),
    "eta_final": (float, "learning-rate factor reached at the end of training (linear schedule)"),
    "theta": (float, "hidden margin theta"),
    "theta_out": (float, "readout margin"),
    "eta_j": (float, "learning rate of J (eta_j / sqrt(H) per coupling)"),
    "eta_in": (float, "learning rate of W_in (eta_in lambda_x / sqrt(N) per coupling)"),
    "eta_out": (float, "learning rate of W_out (eta_out / sqrt(H) per coupling)"),
    "eta_layers": (float, "learning rate of learned inter-layer matrices"),
    "decay": (float, "weight decay of J, W_out: w <- (1 - decay r) w per step, r the rate"),
    "decay_in": (float, "the same weight decay for W_in"),
    "batch_size": (int, "mini-batch size B"),
    "density_j": (float, "density of the sparse J"),
    "density_in": (float, "density of the sparse W_in"),
    "input_flip": (float, "probability of flipping each training input bit per presentation"),
}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default="steer",
                        help="one of sim.learner.MODELS (default: %(default)s)")
    parser.add_argument("--seed", type=seed, default=0, help="seed of the model and training")
    parser.add_argument("--json", metavar="PATH", help="write the results to this JSON file")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_training_arguments(parser)


def add_training_arguments(parser: argparse.ArgumentParser) -> None:
    """Data, width, epochs and every model setting (shared with ``learn-compare``)."""
    parser.add_argument("--dataset", default="entangled-mnist",
                        help="one of sim.data.DATASETS (default: %(default)s)")
    parser.add_argument("--data-dir", metavar="DIR",
                        help="directory of the IDX files (else $STEERING_DATA_DIR, else the "
                             "default places)")
    parser.add_argument("--hidden", type=positive_int, default=1600, help="hidden width H")
    parser.add_argument("--layers", type=positive_int, default=1, help="hidden layers L")
    parser.add_argument("--epochs", type=positive_int, default=20)
    parser.add_argument("--train-size", type=positive_int, help="training examples (default: all)")
    parser.add_argument("--test-size", type=positive_int, help="test examples (default: all)")
    parser.add_argument("--validate", type=positive_int, metavar="K",
                        help="hold out K training examples (seeded) and report them as the "
                             "test set, leaving the real test set unseen (for tuning)")
    parser.add_argument("--data-seed", type=seed, default=0,
                        help="seed of the projection, the split and the subsamples")
    group = parser.add_argument_group(
        "learner hyperparameters (defaults and their sources: sim.learner.LearnerConfig)")
    for name, (kind, text) in _HYPER.items():
        group.add_argument("--" + name.replace("_", "-"), type=kind, default=argparse.SUPPRESS,
                           help=text)
    group.add_argument("--anneal-free", action="store_true", default=argparse.SUPPRESS,
                       help="decrease the feedback linearly to 0 over the free sweeps "
                            "instead of removing it")
    mlp = parser.add_argument_group("MLP baseline")
    mlp.add_argument("--mlp-activation", default="relu",
                     help="one of sim.learner.baselines.ACTIVATIONS (default: %(default)s); "
                          "'sign' uses a straight-through gradient")
    mlp.add_argument("--mlp-lr", type=positive_float, default=1e-3, help="Adam learning rate")
    mlp.add_argument("--mlp-batch", type=positive_int, default=16, help="MLP mini-batch size")


class _Progress:
    """A tqdm bar over the steps of the current epoch (silent without tqdm or when off)."""

    def __init__(self, enabled: bool, epochs: int):
        self.epochs = epochs
        self.bar = None
        self.tqdm = None
        if enabled:
            try:
                from tqdm import tqdm
                self.tqdm = tqdm
            except ImportError:
                pass

    def start(self, epoch: int) -> None:
        if self.tqdm is not None:
            self.bar = self.tqdm(desc=f"epoch {epoch}/{self.epochs}", unit="step", leave=False,
                                 file=sys.stderr)

    def __call__(self, step: int, total: int) -> None:
        if self.bar is not None:
            self.bar.total = total
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _held_out(data, k: int, seed: int):
    """Move k seeded training examples into the test slot (validation split)."""
    import numpy as np

    from sim.data import Dataset

    n = len(data.x_train)
    if not 1 <= k < n:
        raise ValueError(f"--validate must be in [1, {n - 1}], got {k}")
    order = np.random.default_rng(np.random.SeedSequence([seed, 1])).permutation(n)
    val, keep = np.sort(order[:k]), np.sort(order[k:])
    info = dict(data.info, validation=f"{k} training examples held out as the test set")
    return Dataset(data.name, data.x_train[keep], data.y_train[keep], data.x_train[val],
                   data.y_train[val], data.n_classes, info)


def learner_config(args: argparse.Namespace):
    """The sim.learner.LearnerConfig of the parsed flags (unset ones: library defaults)."""
    from sim.learner import LearnerConfig

    hyper = {name: getattr(args, name) for name in list(_HYPER) + ["anneal_free"]
             if hasattr(args, name)}
    return LearnerConfig(hidden=args.hidden, layers=args.layers, **hyper)


def mlp_config(args: argparse.Namespace, hidden: int):
    """The sim.learner.baselines.MLPConfig of the MLP flags at width ``hidden``."""
    from sim.learner.baselines import MLPConfig

    return MLPConfig(hidden=hidden, activation=args.mlp_activation, learning_rate=args.mlp_lr,
                     batch_size=args.mlp_batch)


def data_spec(args: argparse.Namespace) -> dict:
    """The data flags as plain values (``load_data(**spec)``)."""
    return {"name": args.dataset, "data_dir": args.data_dir, "train_size": args.train_size,
            "test_size": args.test_size, "data_seed": args.data_seed, "validate": args.validate}


def load_data(name: str, data_dir: str | None, train_size: int | None, test_size: int | None,
              data_seed: int, validate: int | None):
    """The data set, with ``validate`` training examples held out as its test set."""
    from sim.data import load_dataset

    data = load_dataset(name, data_dir, train_size=train_size, test_size=test_size,
                        seed=data_seed)
    return _held_out(data, validate, data_seed) if validate else data


def dataset_record(data) -> dict:
    """Provenance of a data set for the JSON outputs."""
    return {"name": data.name, "n_train": len(data.x_train), "n_test": len(data.x_test),
            "n_inputs": data.n_inputs, "n_classes": data.n_classes, **data.info}


def main(args: argparse.Namespace) -> int:
    import dataclasses

    import numpy as np

    from paper_repro import __version__
    from paper_repro.provenance import provenance
    from sim.learner import train_model

    if args.json:
        writable_file(Path(args.json), "--json")
    try:  # bad hyperparameters, sizes, model names or data: one line, exit 2
        config = learner_config(args)
        data = load_data(**data_spec(args))
        progress = _Progress(not args.no_progress, args.epochs)
        run = train_model(args.model, data, args.epochs, config=config,
                          mlp=mlp_config(args, config.hidden),
                          rng=np.random.default_rng(args.seed), on_step=progress)
    except (ValueError, FileNotFoundError) as exc:
        raise UsageError(str(exc)) from None
    print(f"{args.model} on {data.name}: {len(data.x_train)} train / {len(data.x_test)} "
          f"{'validation' if args.validate else 'test'}, N = {data.n_inputs}, "
          f"C = {data.n_classes}, H = {config.hidden}, L = {config.layers}, seed {args.seed}",
          flush=True)
    report = {
        "command": "learn", "version": __version__, "provenance": provenance(),
        "model": args.model,
        "argv": sys.argv[1:], "seed": args.seed,
        "dataset": dataset_record(data),
        "config": dataclasses.asdict(config), **run.info, "epochs": [],
    }
    for epoch in range(1, args.epochs + 1):
        progress.start(epoch)
        record = next(run.records)
        progress.close()
        report["epochs"].append(record.to_dict())
        times = [r["seconds_per_step"] for r in report["epochs"]]
        report["seconds_per_step"] = sum(times) / len(times)
        stats = record.stats
        extra_text = (f" overlap {stats['overlap']:.3f} unstable clamped/free "
                      f"{stats['unstable_clamped']:.4f}/{stats['unstable_free']:.4f} plastic "
                      f"{stats['plastic_hidden']:.3f}" if "overlap" in stats else "")
        print(f"epoch {record.epoch:3d}  train {record.train_accuracy:.4f}  "
              f"test {record.test_accuracy:.4f}  {1e3 * record.seconds_per_step:.1f} ms/step  "
              f"epoch {record.train_seconds:.1f}+{record.eval_seconds:.1f} s{extra_text}",
              flush=True)
        if args.json:
            path = Path(args.json)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(path.suffix + ".tmp")
            tmp.write_text(json.dumps(report, indent=2))
            tmp.replace(path)
    return 0
