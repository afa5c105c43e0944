"""``python -m paper_repro learn-compare``: several models over several seeds, side by side.

Trains every model of ``--models`` with every seed of ``--seeds`` on one split (the flags
of ``learn``: data, width, epochs, learner and MLP settings), one task per (model, seed)
through the sweep runner, so an interrupted comparison resumes from its store
(``--store``). Run (model M, seed k) is ``python -m paper_repro learn --model M --seed k``
with the same flags: the same numbers. Prints per epoch the test (or validation) accuracy
of every model as mean +- standard error over the seeds, then the last epoch's train and
test accuracy; ``--json PATH`` writes the configuration, the data provenance, the seeds and
every run's per-epoch accuracies.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from pathlib import Path

from paper_repro.learn import add_training_arguments, data_spec, learner_config, mlp_config


def _int_list(text: str) -> list[int]:
    return [int(v) for v in text.split(",") if v.strip()]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--models", default="steer,reservoir,random-features,mlp",
                        help="comma-separated models of sim.learner.MODELS (default: all)")
    parser.add_argument("--seeds", type=_int_list, default=[0, 1, 2],
                        help="comma-separated model seeds (default: 0,1,2)")
    parser.add_argument("--json", metavar="PATH", help="write the comparison to this JSON file")
    parser.add_argument("--store", metavar="PATH", default="runs/learn-compare.jsonl",
                        help="result store of finished runs, for resuming "
                             "(default: %(default)s)")
    parser.add_argument("--workers", type=int, default=1,
                        help="worker processes (default 1: in-process)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_training_arguments(parser)


@functools.lru_cache(maxsize=2)
def _data(spec: str):
    from paper_repro.learn import load_data

    return load_data(**json.loads(spec))


def compare_task(params: dict, rng) -> dict:
    """One (model, seed) run; ``rng`` (the sweep's stream) is unused: the model seed is
    ``params["seed"]``, as in ``learn --seed``."""
    import time

    import numpy as np

    from sim.learner import LearnerConfig, train_model
    from sim.learner.baselines import MLPConfig

    data = _data(json.dumps(params["data"], sort_keys=True))
    start = time.perf_counter()
    run = train_model(params["model"], data, params["epochs"],
                      config=LearnerConfig(**params["config"]), mlp=MLPConfig(**params["mlp"]),
                      rng=np.random.default_rng(params["seed"]))
    records = list(run.records)
    return {"train": [r.train_accuracy for r in records],
            "test": [r.test_accuracy for r in records],
            "seconds": time.perf_counter() - start, "info": run.info}


def mean_and_se(values) -> tuple:
    """Mean and standard error over axis 0 (``mean_and_error``; SE 0 for a single seed)."""
    import numpy as np

    from paper_repro.figures._instances import mean_and_error

    values = np.asarray(values, dtype=float)
    if len(values) == 1:
        return values[0], np.zeros_like(values[0])
    return mean_and_error(values)


def main(args: argparse.Namespace) -> int:
    import dataclasses

    from paper_repro import __version__
    from paper_repro.learn import dataset_record
    from paper_repro.sweep import ResultStore, Task, make_executor, run_sweep
    from sim.learner import MODELS

    models = [m.strip() for m in args.models.split(",") if m.strip()]
    bad = [m for m in models if m not in MODELS]
    if bad or not models or not args.seeds:
        raise ValueError(f"--models must name some of {MODELS} and --seeds some integers; "
                         f"got {args.models!r}, {args.seeds}")
    config = learner_config(args)
    mlp = mlp_config(args, config.hidden)
    spec = data_spec(args)
    data = _data(json.dumps(spec, sort_keys=True))
    split = "validation" if args.validate else "test"
    print(f"{', '.join(models)} on {data.name}: {len(data.x_train)} train / "
          f"{len(data.x_test)} {split}, H = {config.hidden}, {args.epochs} epochs, "
          f"seeds {args.seeds}", flush=True)
    common = {"epochs": args.epochs, "data": spec, "config": dataclasses.asdict(config),
              "mlp": dataclasses.asdict(mlp)}
    tasks = [Task(json.dumps({"model": m, "seed": k, **common}, sort_keys=True),
                  {"model": m, "seed": k, **common}) for m in models for k in args.seeds]
    executor = make_executor(args.workers)
    try:
        results = run_sweep(compare_task, tasks, ResultStore(args.store), 0, executor=executor,
                            progress=not args.no_progress, description="learn-compare")
    finally:
        executor.close()
    n_seeds = len(args.seeds)
    runs = {m: results[i * n_seeds:(i + 1) * n_seeds] for i, m in enumerate(models)}
    summary = {}
    for m in models:
        summary[m] = {}
        for key in ("train", "test"):
            mean, se = mean_and_se([r[key] for r in runs[m]])
            summary[m][key] = {"mean": mean.tolist(), "se": se.tolist()}
    width = 17
    print(f"{split} accuracy, mean +- SE over {n_seeds} seed{'s' if n_seeds > 1 else ''}")
    print("epoch " + "".join(f"{m:>{width}}" for m in models))
    for e in range(args.epochs):
        cells = "".join(f"{summary[m]['test']['mean'][e]:>{width - 8}.4f} +- "
                        f"{summary[m]['test']['se'][e]:.4f}" for m in models)
        print(f"{e + 1:5d} {cells}")
    for key in ("train", "test"):
        cells = "".join(f"{summary[m][key]['mean'][-1]:>{width - 8}.4f} +- "
                        f"{summary[m][key]['se'][-1]:.4f}" for m in models)
        print(f"{key:>5} {cells}  (last epoch)")
    if args.json:
        report = {"command": "learn-compare", "version": __version__, "argv": sys.argv[1:],
                  "models": models, "seeds": args.seeds, "epochs": args.epochs,
                  "split": split, "data_spec": spec, "dataset": dataset_record(data),
                  "config": common["config"], "mlp": common["mlp"], "summary": summary,
                  "runs": {m: [{"seed": k, **r} for k, r in zip(args.seeds, runs[m])]
                           for m in models}}
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2))
    return 0
