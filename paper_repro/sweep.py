"""One runner for every sweep: the same computation over a grid of parameters and instances.

A sweep is a list of :class:`Task` (a stable key and JSON parameters) and a task function
``func(params: dict, rng: numpy.random.Generator) -> dict``. :func:`run_sweep`

- skips tasks already in the :class:`ResultStore` with the same parameters (a JSON-lines file appended and flushed
  task by task, so an interrupted run - Ctrl-C or a killed worker - resumes without losing
  or recomputing finished tasks; a torn last line from a kill is dropped on reload);
- gives every task its own random stream, derived from the root seed and the task key by
  :class:`numpy.random.SeedSequence` (so results do not depend on which tasks ran before,
  how many workers there were, or in what order they finished);
- runs tasks through an executor: in-process (``workers=1``), a local process pool, or a
  dask.distributed cluster (``Client(address)``);
- shows a tqdm progress bar when tqdm is installed and ``progress`` is true.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

TaskFunction = Callable[[dict, np.random.Generator], dict]


@dataclass(frozen=True)
class Task:
    """One unit of work: ``key`` must be unique and stable across runs."""

    key: str
    params: dict = field(default_factory=dict)


def task_seed(root_seed: int, key: str) -> np.random.SeedSequence:
    """The task's own SeedSequence: entropy = root seed, spawn key = digest of the task key."""
    digest = hashlib.sha256(key.encode()).digest()
    words = tuple(int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4))
    return np.random.SeedSequence(entropy=root_seed, spawn_key=words)


def _run_one(func: TaskFunction, params: dict, seed: np.random.SeedSequence) -> dict:
    return func(params, np.random.default_rng(seed))


class ResultStore:
    """Append-only JSON-lines store of finished tasks: one line {"key", "params", "result"}."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._records: dict[str, dict] = {}
        if self.path.exists():
            self._load()

    def _load(self) -> None:
        text = self.path.read_text()
        lines = text.splitlines()
        good = []
        for i, line in enumerate(lines):
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                if i == len(lines) - 1:  # torn final line of a killed run: drop it
                    break
                raise ValueError(f"{self.path}: line {i + 1} is not valid JSON") from None
            self._records[record["key"]] = record
            good.append(line)
        if len(good) != len(lines) or len(self._records) != len(good) or (
                text and not text.endswith("\n")):
            # drop a torn line and lines superseded by a later one with the same key
            kept = [json.dumps(r) for r in self._records.values()]
            self.path.write_text("".join(k + "\n" for k in kept))

    def __contains__(self, key: str) -> bool:
        return key in self._records

    def holds(self, task: Task) -> bool:
        """Whether ``task`` is stored with exactly these parameters (a task whose parameters
        changed since it was stored runs again; its new line supersedes the old one)."""
        record = self._records.get(task.key)
        return record is not None and _canonical(record["params"]) == _canonical(task.params)

    def __len__(self) -> int:
        return len(self._records)

    def add(self, key: str, params: dict, result: dict) -> None:
        record = {"key": key, "params": params, "result": result}
        with open(self.path, "a") as fh:
            fh.write(json.dumps(record) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        self._records[key] = record

    def results(self, keys: Iterable[str]) -> list[dict]:
        return [self._records[k]["result"] for k in keys]


def _canonical(params: dict) -> str:
    return json.dumps(params, sort_keys=True, default=str)


class _Deferred:
    """A call run only when its result is asked for (the serial executor's future)."""

    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def result(self):
        return self.fn(*self.args)


class _Serial:
    """In-process executor: tasks run one by one as the runner collects them, so each
    result is stored before the next task starts."""

    def submit(self, fn, *args) -> _Deferred:
        return _Deferred(fn, args)

    def completed(self, futures: list[_Deferred]) -> Iterator[_Deferred]:
        yield from futures

    def close(self) -> None:
        pass


class _LocalPool:
    def __init__(self, workers: int):
        self.pool = ProcessPoolExecutor(max_workers=workers)

    def submit(self, fn, *args) -> Future:
        return self.pool.submit(fn, *args)

    def completed(self, futures: list[Future]) -> Iterator[Future]:
        yield from as_completed(futures)

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


class _Dask:
    def __init__(self, address: str):
        from distributed import Client

        self.client = Client(address)

    def submit(self, fn, *args):
        return self.client.submit(fn, *args, pure=False)

    def completed(self, futures: list) -> Iterator:
        from distributed import as_completed as dask_completed

        yield from dask_completed(futures)

    def close(self) -> None:
        self.client.close()


def make_executor(workers: int | None = None, dask_address: str | None = None):
    """``dask_address`` -> dask.distributed client; else ``workers`` local processes
    (default: all cores; 1 runs in-process)."""
    if dask_address:
        return _Dask(dask_address)
    if workers is None:
        workers = os.cpu_count() or 1
    if workers < 1:
        raise ValueError("workers must be >= 1")
    return _Serial() if workers == 1 else _LocalPool(workers)


def run_sweep(
    func: TaskFunction,
    tasks: list[Task],
    store: ResultStore,
    root_seed: int,
    executor: Any = None,
    progress: bool = True,
    description: str = "",
) -> list[dict]:
    """Run every task not yet in ``store``; return all results in task order.

    ``func`` must be a module-level function (it is pickled for process and dask workers).
    A task that raises stops the sweep with its exception; finished tasks stay stored.
    """
    keys = [t.key for t in tasks]
    if len(set(keys)) != len(keys):
        raise ValueError("task keys must be unique")
    todo = [t for t in tasks if not store.holds(t)]
    own_executor = executor is None
    executor = make_executor(1) if own_executor else executor
    bar = _progress_bar(len(tasks), len(tasks) - len(todo), description) if progress else None
    try:
        futures = {}
        for t in todo:
            futures[executor.submit(_run_one, func, t.params, task_seed(root_seed, t.key))] = t
        for future in executor.completed(list(futures)):
            t = futures[future]
            store.add(t.key, t.params, future.result())
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
        if own_executor:
            executor.close()
    return store.results(keys)


def matching(tasks: list[Task], results: list[dict], **params) -> list[dict]:
    """The results (in task order) of the tasks whose parameters take these values."""
    return [r for t, r in zip(tasks, results)
            if all(t.params[k] == v for k, v in params.items())]


def pooled(tasks: list[Task], results: list[dict], field: str, **params) -> np.ndarray:
    """Concatenate the per-instance lists ``result[field]`` of the matching tasks (float)."""
    return np.array([v for r in matching(tasks, results, **params) for v in r[field]],
                    dtype=float)


def _progress_bar(total: int, done: int, description: str):
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, initial=done, desc=description, unit="task", leave=False)
