"""The figure gallery: one module per figure, each a thin script over ``theory`` and ``sim``.

A figure module defines

- ``SUMMARY``: one line saying what the figure shows;
- ``compute(ctx: Context) -> dict``: every number the figure plots, as JSON-ready data
  ``{"parameters": {...}, "data": {...}}`` (sweeps go through ``ctx.sweep``);
- ``draw(record: dict, path: Path) -> None``: the PNG, drawn only from the saved record.

:func:`produce` computes (or reloads, with ``redraw``), saves ``NAME.json`` with the
parameters, seed and ``provenance`` (code fingerprint, git commit, library versions, tasks
computed vs reloaded) beside the data, and draws ``NAME.png``.
"""

from __future__ import annotations

import importlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from paper_repro.provenance import task_fingerprint
from paper_repro.sweep import ResultStore, Task, TaskFunction, run_sweep

FIGURES: list[str] = [
    "complexity",
    "second_moment",
    "pair_overlaps",
    "franz_parisi",
    "margin_clusters",
    "local_entropy",
    "dense_neighbourhoods",
    "accessibility",
    "dynamics_fixed_points",
    "chain",
    "phase_diagram",
    "learning_curves",
    "width_scaling",
    "self_coupling_sweep",
    "lambda_advantage",
    "depth_capacity",
]


def load(name: str) -> ModuleType:
    if name not in FIGURES:
        raise KeyError(name)
    return importlib.import_module(f"paper_repro.figures.{name}")


@dataclass
class Context:
    """What a figure's ``compute`` may use: mode, seed, where to keep sweep stores, and the
    executor that runs sweep tasks (local processes or a dask cluster)."""

    name: str
    quick: bool
    seed: int
    runs_dir: Path
    executor: Any = None
    progress: bool = True
    fresh: bool = False
    timings: dict = field(default_factory=dict)
    task_counts: dict = field(default_factory=dict)

    def sweep(self, label: str, func: TaskFunction, tasks: list[Task],
              owner: str | None = None) -> list[dict]:
        """Run ``tasks`` through the shared runner with a resumable store per (figure, label,
        mode, seed), its rows stamped with the task function's code fingerprint (they stay
        valid until the code that computes them changes). ``owner`` names another figure
        whose store of the same label to share
        (same keys and parameters give the same results, so finished tasks are reused).
        ``fresh`` ignores what the stores hold; counts of computed and reloaded tasks go to
        ``task_counts``."""
        mode = "quick" if self.quick else "full"
        name = owner or self.name
        store = ResultStore(self.runs_dir / f"{name}-{label}-{mode}-seed{self.seed}.jsonl",
                            fingerprint=task_fingerprint(func), fresh=self.fresh)
        start = time.perf_counter()
        counts: dict = {}
        results = run_sweep(func, tasks, store, self.seed, executor=self.executor,
                            progress=self.progress, description=f"{self.name}:{label}",
                            counts=counts)
        self.timings[label] = round(time.perf_counter() - start, 3)
        self.task_counts[label] = counts
        return results


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return str(value)  # "inf", "-inf", "nan": JSON has no such numbers
    return value


def read_record(path: Path) -> dict:
    """A saved figure record; ValueError saying what is wrong with the file otherwise."""
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: run the figure once first")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} is not valid JSON ({exc}): recompute it without "
                         "--redraw") from None
    if not isinstance(record, dict) or not {"parameters", "data"} <= record.keys():
        raise ValueError(f"{path} is not a figure record (no parameters/data): recompute it "
                         "without --redraw")
    return record


def _task_totals(counts: dict[str, dict]) -> dict:
    """Tasks over all sweeps of a figure: how many were computed, reloaded or computed by
    another process sharing the store."""
    keys = ("tasks", "computed", "reloaded", "by_other_process")
    return {k: sum(c.get(k, 0) for c in counts.values()) for k in keys}


def produce(name: str, ctx: Context, out_dir: Path, redraw: bool = False) -> tuple[Path, Path]:
    """Compute (or, with ``redraw``, reload) the figure's data, save it, draw the PNG."""
    from paper_repro import __version__
    from paper_repro.provenance import code_fingerprint, provenance

    module = load(name)
    data_path = out_dir / f"{name}.json"
    png_path = out_dir / f"{name}.png"
    if redraw:
        record = read_record(data_path)
    else:
        start = time.perf_counter()
        computed = module.compute(ctx)
        record = {
            "figure": name,
            "summary": module.SUMMARY,
            "toolkit_version": __version__,
            "seed": ctx.seed,
            "quick": ctx.quick,
            "seconds": round(time.perf_counter() - start, 2),
            "sweep_seconds": ctx.timings,
            "provenance": {**provenance(),
                           "figure_code": code_fingerprint(f"paper_repro.figures.{name}"),
                           "tasks": _task_totals(ctx.task_counts),
                           "sweep_tasks": ctx.task_counts},
            **_jsonable(computed),
        }
        out_dir.mkdir(parents=True, exist_ok=True)
        data_path.write_text(json.dumps(record, indent=1))
    module.draw(record, png_path)
    return png_path, data_path
