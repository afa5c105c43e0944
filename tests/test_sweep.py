"""The sweep runner: per-task seeds, resumable store, local processes and dask."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sweep_tasks import noisy_square

from paper_repro.sweep import ResultStore, Task, make_executor, run_sweep

TASKS = [Task(f"x={x}", {"x": x}) for x in range(12)]


def _values(results):
    return [r["value"] for r in results]


def test_results_depend_only_on_seed_and_key(tmp_path):
    serial = run_sweep(noisy_square, TASKS, ResultStore(tmp_path / "a.jsonl"), 7, progress=False)
    pool = make_executor(workers=2)
    try:
        parallel = run_sweep(noisy_square, TASKS[::-1], ResultStore(tmp_path / "b.jsonl"), 7,
                             executor=pool, progress=False)
    finally:
        pool.close()
    assert _values(serial) == _values(parallel[::-1])
    other_seed = run_sweep(noisy_square, TASKS, ResultStore(tmp_path / "c.jsonl"), 8,
                           progress=False)
    assert _values(other_seed) != _values(serial)


def test_store_is_reused_not_recomputed(tmp_path, monkeypatch):
    log = tmp_path / "calls.txt"
    monkeypatch.setenv("SWEEP_CALL_LOG", str(log))
    store_path = tmp_path / "s.jsonl"
    first = run_sweep(noisy_square, TASKS[:5], ResultStore(store_path), 3, progress=False)
    second = run_sweep(noisy_square, TASKS, ResultStore(store_path), 3, progress=False)
    assert _values(second[:5]) == _values(first)
    calls = log.read_text().split()
    assert sorted(map(int, calls)) == list(range(12))  # each task ran exactly once
    assert len(store_path.read_text().splitlines()) == 12


def test_killed_run_resumes_without_loss_or_duplicates(tmp_path):
    """A worker process is SIGKILLed mid-sweep; the rerun completes the same results."""
    store_path = tmp_path / "killed.jsonl"
    log = tmp_path / "calls.txt"
    script = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from paper_repro.sweep import ResultStore, Task, run_sweep\n"
        "from sweep_tasks import noisy_square\n"
        "tasks = [Task(f'x={x}', {'x': x}) for x in range(12)]\n"
        f"run_sweep(noisy_square, tasks, ResultStore({str(store_path)!r}), 11, progress=False)\n"
    )
    env = dict(os.environ, SWEEP_CALL_LOG=str(log), SWEEP_SLEEP="0.3")
    proc = subprocess.Popen([sys.executable, "-c", script], env=env)
    deadline = time.time() + 60
    while time.time() < deadline:
        if store_path.exists() and len(store_path.read_text().splitlines()) >= 4:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = len(store_path.read_text().splitlines())
    assert 4 <= done_before < 12
    with open(store_path, "a") as fh:  # a torn line, as if killed inside a write
        fh.write('{"key": "x=11", "par')
    tasks = TASKS
    os.environ["SWEEP_CALL_LOG"] = str(log)
    try:
        resumed = run_sweep(noisy_square, tasks, ResultStore(store_path), 11, progress=False)
    finally:
        del os.environ["SWEEP_CALL_LOG"]
    clean = run_sweep(noisy_square, tasks, ResultStore(tmp_path / "clean.jsonl"), 11,
                      progress=False)
    assert _values(resumed) == _values(clean)
    lines = store_path.read_text().splitlines()
    keys = [json.loads(line)["key"] for line in lines]
    assert len(keys) == len(set(keys)) == 12
    calls = log.read_text().split()
    assert len(calls) <= 12 + 1  # at most the task killed in flight runs twice


def test_changed_parameters_run_again_and_supersede(tmp_path):
    store_path = tmp_path / "s.jsonl"
    run_sweep(noisy_square, TASKS[:3], ResultStore(store_path), 3, progress=False)
    changed = [Task("x=1", {"x": 10})]
    again = run_sweep(noisy_square, changed, ResultStore(store_path), 3, progress=False)
    assert 90 < again[0]["value"] < 110  # recomputed with x = 10, not the stored x = 1
    store = ResultStore(store_path)  # reload: the newer line wins, the file is compacted
    assert len(store) == 3 and store.holds(changed[0]) and not store.holds(TASKS[1])
    assert len(store_path.read_text().splitlines()) == 3


def test_dask_local_cluster_gives_the_same_results(tmp_path):
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       protocol="tcp", host="127.0.0.1", dashboard_address=None)
    try:
        executor = make_executor(dask_address=cluster.scheduler_address)
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        try:
            on_dask = run_sweep(noisy_square, TASKS, ResultStore(tmp_path / "d.jsonl"), 5,
                                executor=executor, progress=False)
        finally:
            executor.close()
    finally:
        cluster.close()
    serial = run_sweep(noisy_square, TASKS, ResultStore(tmp_path / "e.jsonl"), 5,
                       progress=False)
    assert _values(on_dask) == _values(serial)


def test_duplicate_keys_and_bad_workers_are_rejected(tmp_path):
    with pytest.raises(ValueError, match="unique"):
        run_sweep(noisy_square, [TASKS[0], TASKS[0]], ResultStore(tmp_path / "f.jsonl"), 1,
                  progress=False)
    with pytest.raises(ValueError, match="workers"):
        make_executor(workers=0)
