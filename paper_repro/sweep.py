"""One runner for every sweep: the same computation over a grid of parameters and instances.

A sweep is a list of :class:`Task` (a stable key and JSON parameters) and a task function
``func(params: dict, rng: numpy.random.Generator) -> dict``; :func:`result_shape` lets a task
function declare the fields and array shapes it returns. :func:`run_sweep`

- reuses a task stored in the :class:`ResultStore` only if its row has the same parameters, was
  made by the same code (:func:`paper_repro.provenance.fingerprint`) and holds what the task
  produces (declared shape); anything else - corrupt lines, non-UTF-8 bytes, cut-short rows,
  rows of older code - is skipped with a :class:`StoreWarning` and recomputed;
- appends each finished task to the store at once (an interrupted run - Ctrl-C, SIGKILL -
  resumes without losing or recomputing finished tasks); writes are append-only under a file
  lock, and tasks are claimed before they run, so two processes sharing a store neither lose
  nor duplicate work (a claim by a dead process is taken over);
- gives every task its own random stream, derived from the root seed and the task key by
  :class:`numpy.random.SeedSequence` (results do not depend on which tasks ran before, how many
  workers there were, or in what order they finished);
- runs tasks in-process (``workers=1``), on a local process pool whose workers die with the
  main process, on any :class:`concurrent.futures.Executor`, or on a dask.distributed cluster;
- shows a tqdm progress bar when tqdm is installed and ``progress`` is true.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import json
import os
import signal
import socket
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from paper_repro import provenance

TaskFunction = Callable[[dict, np.random.Generator], dict]
# params -> {result field: shape}; None in a shape: any size; None as the shape: any value
ShapeSpec = Callable[[dict], dict[str, tuple | None]]


class StoreWarning(UserWarning):
    """Stored rows were skipped (unreadable, wrong shape, or made by other code) and will be
    recomputed."""


@dataclass(frozen=True)
class Task:
    """One unit of work: ``key`` must be unique and stable across runs."""

    key: str
    params: dict = field(default_factory=dict)


def result_shape(spec: ShapeSpec) -> Callable[[TaskFunction], TaskFunction]:
    """Decorator declaring what a task function returns: ``spec(params)`` maps every result
    field to its array shape, e.g. ``lambda p: {"counts": (p["instances"], len(p["jds"]))}``.
    Stored rows are checked against it before reuse, fresh results right after computing."""
    def mark(func: TaskFunction) -> TaskFunction:
        func.result_shape = spec
        return func
    return mark


def result_problem(func: TaskFunction, params: dict, result: Any) -> str | None:
    """Why ``result`` is not what ``func`` returns for ``params`` (None if it is)."""
    if not isinstance(result, dict):
        return f"the result is a {type(result).__name__}, not an object"
    spec = getattr(func, "result_shape", None)
    if spec is None:
        return None
    try:
        expected = spec(params)
    except (KeyError, TypeError, ValueError) as exc:
        return f"its parameters do not fit the task ({exc!r})"
    for name, shape in expected.items():
        if name not in result:
            return f"the result has no field {name!r}"
        if shape is None:
            continue
        try:
            got = np.shape(result[name])
        except ValueError:
            return f"field {name!r} is ragged, expected shape {shape}"
        if len(got) != len(shape) or any(w is not None and g != w for g, w in zip(got, shape)):
            return f"field {name!r} has shape {got}, expected {shape}"
    return None


def task_seed(root_seed: int, key: str) -> np.random.SeedSequence:
    """The task's own SeedSequence: entropy = root seed, spawn key = digest of the task key."""
    digest = hashlib.sha256(key.encode()).digest()
    words = tuple(int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4))
    return np.random.SeedSequence(entropy=root_seed, spawn_key=words)


def _run_one(func: TaskFunction, params: dict, seed: np.random.SeedSequence) -> dict:
    return func(params, np.random.default_rng(seed))


# ----------------------------------------------------------------------------- processes

def _start_time(pid: int) -> int | None:
    """Start time of process ``pid`` in clock ticks since boot (Linux), to tell a live claimer
    from a new process that reused its pid; None where /proc is unavailable."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return int(stat[stat.rindex(")") + 2:].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def _this_process() -> dict:
    return {"pid": os.getpid(), "host": socket.gethostname(), "start": _start_time(os.getpid())}


def _process_alive(claim: dict) -> bool:
    """Whether the process that wrote ``claim`` still runs. A claim from another host is taken
    to be alive (delete the store's .claims file, or use --fresh, to override)."""
    if claim.get("pid") is None:
        return False
    if claim.get("host") != socket.gethostname():
        return True
    try:
        os.kill(claim["pid"], 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    start = _start_time(claim["pid"])
    return start is None or claim.get("start") is None or start == claim["start"]


def _die_with_parent() -> None:
    """Worker initializer: end this worker when its parent process dies, SIGKILL included
    (Linux: prctl(PR_SET_PDEATHSIG, SIGKILL); everywhere: a thread watching the parent pid)."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the death signal was armed
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


# ----------------------------------------------------------------------------- the store

class ResultStore:
    """Append-only JSON-lines store of finished tasks.

    ``PATH`` holds one row ``{"key", "params", "fingerprint", "result"}`` per finished task
    (the newest row matching a task's parameters, code and shape is used); ``PATH.claims``
    records which
    process is computing which task; ``PATH.lock`` serialises writers (``fcntl.flock``).
    Nothing is ever rewritten: unreadable lines are skipped with a :class:`StoreWarning`.
    ``fresh=True`` ignores every row already in the file (they stay, superseded).
    """

    def __init__(self, path: str | os.PathLike, fingerprint: str | None = None,
                 fresh: bool = False):
        self.path = Path(path)
        self.fingerprint = provenance.fingerprint() if fingerprint is None else fingerprint
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.claims_path = self.path.with_name(self.path.name + ".claims")
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self._rows: dict[str, list[dict]] = {}
        self._claims: dict[str, dict] = {}
        self._offset = {self.path: 0, self.claims_path: 0}
        self._lines = {self.path: 0, self.claims_path: 0}
        if fresh:  # start reading after everything already written
            for p in self._offset:
                content = p.read_bytes() if p.exists() else b""
                self._offset[p] = content.rfind(b"\n") + 1
                self._lines[p] = content.count(b"\n")
        self.refresh()

    # reading
    def _new_lines(self, path: Path) -> Iterator[tuple[int, bytes]]:
        """(line number, bytes) of the complete lines added since the last read."""
        try:
            with open(path, "rb") as fh:
                fh.seek(self._offset[path])
                chunk = fh.read()
        except FileNotFoundError:
            return
        end = chunk.rfind(b"\n")  # a line without its newline is being written or torn
        if end < 0:
            return
        self._offset[path] += end + 1
        for raw in chunk[:end].split(b"\n"):
            self._lines[path] += 1
            if raw.strip():
                yield self._lines[path], raw

    def refresh(self) -> None:
        """Read the rows and claims written since the last read (by any process)."""
        bad = []
        for number, raw in self._new_lines(self.path):
            row = _parse(raw)
            if (row is None or not isinstance(row.get("key"), str)
                    or not isinstance(row.get("params"), dict) or "result" not in row):
                bad.append(number)
            else:
                self._rows.setdefault(row["key"], []).append(row)
        for _, raw in self._new_lines(self.claims_path):
            claim = _parse(raw)
            if claim is not None and isinstance(claim.get("key"), str):
                self._claims[claim["key"]] = claim
        if bad:
            shown = ", ".join(map(str, bad[:5])) + (", ..." if len(bad) > 5 else "")
            warnings.warn(f"{self.path}: skipped {len(bad)} unreadable line(s) (line {shown}): "
                          "not a UTF-8 JSON row {key, params, result}; their tasks will be "
                          "recomputed", StoreWarning, stacklevel=2)

    def stored(self, task: Task, func: TaskFunction | None = None) -> dict | None:
        """The newest row of ``task`` with its parameters, this code's fingerprint and (with
        ``func``) the shape ``func`` declares; None if there is none."""
        wanted = _canonical(task.params)
        for row in reversed(self._rows.get(task.key, [])):
            if (_canonical(row["params"]) == wanted and row.get("fingerprint") == self.fingerprint
                    and (func is None or result_problem(func, task.params, row["result"]) is None)):
                return row
        return None

    def holds(self, task: Task, func: TaskFunction | None = None) -> bool:
        """Whether ``task`` is stored and reusable (see :meth:`stored`)."""
        return self.stored(task, func) is not None

    def why_not(self, task: Task, func: TaskFunction | None = None) -> str:
        """Why ``task`` is not reusable: 'absent', 'params', 'code' or a shape problem."""
        rows = [r for r in self._rows.get(task.key, [])
                if _canonical(r["params"]) == _canonical(task.params)]
        if not rows:
            return "absent" if task.key not in self._rows else "params"
        same_code = [r for r in rows if r.get("fingerprint") == self.fingerprint]
        if not same_code:
            return "code"
        return result_problem(func, task.params, same_code[-1]["result"]) if func else "absent"

    def __contains__(self, key: str) -> bool:
        return key in self._rows

    def __len__(self) -> int:
        return len(self._rows)

    # writing
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self.lock_path, "a") as lock:
            try:
                import fcntl
            except ImportError:  # no advisory locks (Windows): single writer only
                yield
                return
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    @staticmethod
    def _append(path: Path, record: dict) -> None:
        """Append one line; start it on a new line if a killed writer left a torn one."""
        with open(path, "a+b") as fh:
            size = fh.seek(0, os.SEEK_END)
            torn = False
            if size:
                fh.seek(size - 1)
                torn = fh.read(1) != b"\n"
            fh.write((b"\n" if torn else b"") + json.dumps(record).encode() + b"\n")
            fh.flush()
            os.fsync(fh.fileno())

    def add(self, key: str, params: dict, result: dict) -> None:
        """Append a finished task, stamped with this code's fingerprint."""
        row = {"key": key, "params": params, "fingerprint": self.fingerprint, "result": result}
        with self._locked():
            self._append(self.path, row)
            self.refresh()

    def claim(self, task: Task, func: TaskFunction | None = None) -> str:
        """Atomically: 'done' if ``task`` is stored by now, 'other' if a live process claimed
        it, else record this process's claim and return 'mine'."""
        with self._locked():
            self.refresh()
            if self.holds(task, func):
                return "done"
            if self.claimed_by_other(task.key):
                return "other"
            self._append(self.claims_path, {"key": task.key, **_this_process()})
            self._claims[task.key] = {"key": task.key, **_this_process()}
            return "mine"

    def claimed_by_other(self, key: str) -> bool:
        claim = self._claims.get(key)
        if claim is None:
            return False
        me = _this_process()
        ours = claim.get("pid") == me["pid"] and claim.get("host") == me["host"]
        return not ours and _process_alive(claim)

    def release(self, keys: list[str]) -> None:
        """Withdraw this process's claims on unfinished ``keys`` (a run that stops early)."""
        if not keys:
            return
        with self._locked():
            for key in keys:
                self._append(self.claims_path, {"key": key, "pid": None})

    def results(self, tasks: list[Task], func: TaskFunction | None = None) -> list[dict]:
        rows = [self.stored(t, func) for t in tasks]
        missing = [t.key for t, r in zip(tasks, rows) if r is None]
        if missing:
            raise KeyError(f"{self.path}: no usable row for {missing[:3]}")
        return [r["result"] for r in rows]


def _parse(raw: bytes) -> dict | None:
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return value if isinstance(value, dict) else None


def _canonical(params: dict) -> str:
    return json.dumps(params, sort_keys=True, default=str)


# ----------------------------------------------------------------------------- executors

class _Deferred:
    """A call run only when its result is asked for (the serial executor's future)."""

    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def result(self):
        return self.fn(*self.args)


class _Serial:
    """In-process executor: one task at a time, each stored before the next starts."""

    slots = 1

    def submit(self, fn, *args) -> _Deferred:
        return _Deferred(fn, args)

    def wait_any(self, futures) -> list:
        return [next(iter(futures))]

    def close(self) -> None:
        pass


class _Futures:
    """Any concurrent.futures.Executor (closed here only if made here)."""

    def __init__(self, executor: concurrent.futures.Executor, owned: bool):
        self.executor, self.owned = executor, owned
        workers = getattr(executor, "_max_workers", None) or os.cpu_count() or 1
        self.slots = 2 * workers

    def submit(self, fn, *args):
        return self.executor.submit(fn, *args)

    def wait_any(self, futures) -> set:
        return concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_COMPLETED).done

    def close(self) -> None:
        if self.owned:
            self.executor.shutdown(wait=False, cancel_futures=True)


class _Dask:
    """A dask.distributed client (closed here only if made here)."""

    def __init__(self, client, owned: bool):
        self.client, self.owned = client, owned
        self.slots = 2 * max(1, sum(client.nthreads().values()))

    def submit(self, fn, *args):
        return self.client.submit(fn, *args, pure=False)

    def wait_any(self, futures) -> set:
        from distributed import wait

        return wait(list(futures), return_when="FIRST_COMPLETED").done

    def close(self) -> None:
        if self.owned:
            self.client.close()


def make_executor(workers: int | None = None, dask_address: str | None = None):
    """``dask_address`` -> dask.distributed client; else ``workers`` local processes
    (default: all cores; 1 runs in-process) that die with this process."""
    if dask_address:
        from distributed import Client

        return _Dask(Client(dask_address), owned=True)
    if workers is None:
        workers = os.cpu_count() or 1
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be an integer >= 1, got {workers!r}")
    if workers == 1:
        return _Serial()
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=workers,
                                                  initializer=_die_with_parent)
    return _Futures(pool, owned=True)


def _runner(executor: Any):
    """The runner's view of ``executor``: None (in-process), one made by make_executor, a
    concurrent.futures.Executor or a dask.distributed Client."""
    if executor is None:
        return _Serial()
    if hasattr(executor, "wait_any"):
        return executor
    if isinstance(executor, concurrent.futures.Executor):
        return _Futures(executor, owned=False)
    if type(executor).__module__.startswith("distributed"):
        return _Dask(executor, owned=False)
    raise TypeError(f"executor must be a concurrent.futures.Executor, a dask Client or come "
                    f"from make_executor, got {type(executor).__name__}")


# ----------------------------------------------------------------------------- the runner

def run_sweep(
    func: TaskFunction,
    tasks: list[Task],
    store: ResultStore,
    root_seed: int,
    executor: Any = None,
    progress: bool = True,
    description: str = "",
    counts: dict | None = None,
    poll_seconds: float = 0.2,
) -> list[dict]:
    """Run every task not reusable from ``store``; return all results in task order.

    ``func`` must be a module-level function (it is pickled for process and dask workers).
    A task that raises stops the sweep with its exception; finished tasks stay stored.
    Tasks another live process has claimed on the same store are awaited, not recomputed.
    ``counts``, if given, receives {"tasks", "reloaded", "computed", "by_other_process"}.
    """
    keys = [t.key for t in tasks]
    if len(set(keys)) != len(keys):
        raise ValueError("task keys must be unique")
    store.refresh()
    pending = [t for t in tasks if not store.holds(t, func)]
    _warn_about_skipped(store, func, pending)
    tally = {"tasks": len(tasks), "reloaded": len(tasks) - len(pending), "computed": 0,
             "by_other_process": 0}
    runner = _runner(executor)
    bar = _progress_bar(len(tasks), tally["reloaded"], description) if progress else None
    in_flight: dict[Any, Task] = {}
    waiting: list[Task] = []
    try:
        while pending or in_flight or waiting:
            while pending and len(in_flight) < runner.slots:
                t = pending.pop(0)
                state = store.claim(t, func)
                if state == "mine":
                    seed = task_seed(root_seed, t.key)
                    in_flight[runner.submit(_run_one, func, t.params, seed)] = t
                elif state == "other":
                    waiting.append(t)
                else:  # finished by another process meanwhile
                    tally["by_other_process"] += 1
                    _tick(bar)
            if in_flight:
                for future in runner.wait_any(list(in_flight)):
                    t = in_flight[future]
                    result = future.result()
                    del in_flight[future]
                    problem = result_problem(func, t.params, result)
                    if problem:
                        raise ValueError(f"task {t.key!r}: {getattr(func, '__name__', func)} "
                                         f"does not return what it declares: {problem}")
                    store.add(t.key, t.params, result)
                    tally["computed"] += 1
                    _tick(bar)
            elif waiting:
                time.sleep(poll_seconds)
                store.refresh()
                still = []
                for t in waiting:
                    if store.holds(t, func):
                        tally["by_other_process"] += 1
                        _tick(bar)
                    elif store.claimed_by_other(t.key):
                        still.append(t)
                    else:  # its claimer died or gave up: take it over
                        pending.append(t)
                waiting = still
    finally:
        store.release([t.key for t in in_flight.values()])
        if bar is not None:
            bar.close()
        if runner is not executor:
            runner.close()
    if counts is not None:
        counts.update(tally)
    return store.results(tasks, func)


def _warn_about_skipped(store: ResultStore, func: TaskFunction, pending: list[Task]) -> None:
    """One StoreWarning per cause for stored tasks that will be recomputed."""
    reasons = [(t, store.why_not(t, func)) for t in pending]
    other_code = [t for t, why in reasons if why == "code"]
    if other_code:
        seen = {r.get("fingerprint") for t in other_code for r in store._rows[t.key]}
        warnings.warn(f"{store.path}: {len(other_code)} stored task(s) were computed by other "
                      f"code (fingerprint {', '.join(sorted(map(str, seen)))}; this code is "
                      f"{store.fingerprint}): recomputing them (--fresh ignores the whole store)",
                      StoreWarning, stacklevel=3)
    bad = [(t, why) for t, why in reasons if why not in ("absent", "params", "code")]
    if bad:
        t, why = bad[0]
        warnings.warn(f"{store.path}: {len(bad)} stored row(s) do not hold what their task "
                      f"produces (e.g. {t.key!r}: {why}): recomputing them",
                      StoreWarning, stacklevel=3)


def _tick(bar) -> None:
    if bar is not None:
        bar.update(1)


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
