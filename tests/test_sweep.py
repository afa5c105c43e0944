"""The sweep runner: per-task seeds, resumable store, local processes and dask."""

from __future__ import annotations

import concurrent.futures
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from sweep_tasks import noisy_square, shaped_draws

from paper_repro import __version__, provenance
from paper_repro.sweep import (
    ResultStore,
    StoreWarning,
    Task,
    make_executor,
    result_shape,
    run_sweep,
)

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
    counts = {}
    run_sweep(noisy_square, TASKS, ResultStore(store_path), 3, progress=False, counts=counts)
    assert counts == {"tasks": 12, "reloaded": 12, "computed": 0, "by_other_process": 0}


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
        with pytest.warns(StoreWarning, match="unreadable"):  # the torn line, once appended to
            resumed = run_sweep(noisy_square, tasks, ResultStore(store_path), 11,
                                progress=False)
    finally:
        del os.environ["SWEEP_CALL_LOG"]
    clean = run_sweep(noisy_square, tasks, ResultStore(tmp_path / "clean.jsonl"), 11,
                      progress=False)
    assert _values(resumed) == _values(clean)
    lines = store_path.read_text().splitlines()
    assert lines[done_before] == '{"key": "x=11", "par'  # append-only: the torn line stays
    keys = [json.loads(line)["key"] for i, line in enumerate(lines) if i != done_before]
    assert len(keys) == len(set(keys)) == 12
    calls = log.read_text().split()
    assert len(calls) <= 12 + 1  # at most the task killed in flight runs twice


def test_changed_parameters_run_again_and_supersede(tmp_path):
    store_path = tmp_path / "s.jsonl"
    run_sweep(noisy_square, TASKS[:3], ResultStore(store_path), 3, progress=False)
    changed = [Task("x=1", {"x": 10})]
    again = run_sweep(noisy_square, changed, ResultStore(store_path), 3, progress=False)
    assert 90 < again[0]["value"] < 110  # recomputed with x = 10, not the stored x = 1
    store = ResultStore(store_path)  # append-only: each row stays valid for its own params
    assert len(store) == 3 and store.holds(changed[0]) and store.holds(TASKS[1])
    assert store.results(changed) == again
    assert len(store_path.read_text().splitlines()) == 4


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


# ----------------------------------------------------------------------------- store defects

SHAPED = [Task(f"n={n}", {"n": n}) for n in (3, 5, 8, 13)]


def _clean_draws(tmp_path):
    """The results of a clean run (its calls are not logged)."""
    log = os.environ.pop("SWEEP_CALL_LOG", None)
    try:
        return run_sweep(shaped_draws, SHAPED, ResultStore(tmp_path / "clean.jsonl"), 4,
                         progress=False)
    finally:
        if log is not None:
            os.environ["SWEEP_CALL_LOG"] = log


@pytest.mark.parametrize("damage", ["{}", "[1,2]", b"\xff\xfe not utf-8", "cut-short",
                                    "wrong-field", "middle-garbage"])
def test_corrupt_rows_are_skipped_and_recomputed(tmp_path, monkeypatch, damage):
    """Each kind of bad row: a warning, that task recomputed, the others reused, the same
    results as a clean run, no crash."""
    log = tmp_path / "calls.txt"
    monkeypatch.setenv("SWEEP_CALL_LOG", str(log))
    path = tmp_path / "s.jsonl"
    run_sweep(shaped_draws, SHAPED, ResultStore(path), 4, progress=False)
    lines = path.read_bytes().splitlines()
    victim = json.loads(lines[2])  # the row of n=8
    if damage == "cut-short":  # valid JSON, valid row, but the result is cut short
        victim["result"]["draws"] = victim["result"]["draws"][:3]
        lines[2] = json.dumps(victim).encode()
    elif damage == "wrong-field":
        victim["result"] = {"values": victim["result"]["draws"]}
        lines[2] = json.dumps(victim).encode()
    elif damage == "middle-garbage":
        lines[2] = b'{"key": "n=8", "params": {"n": 8}, "fingerpr'
    else:
        lines[2] = damage if isinstance(damage, bytes) else damage.encode()
    path.write_bytes(b"\n".join(lines) + b"\n")
    log.unlink()
    with pytest.warns(StoreWarning):
        again = run_sweep(shaped_draws, SHAPED, ResultStore(path), 4, progress=False)
    assert again == _clean_draws(tmp_path)
    assert log.read_text().split() == ["8"]  # only the damaged task ran again


def test_fingerprint_mismatch_recomputes_and_fresh_ignores_the_store(tmp_path, monkeypatch):
    log = tmp_path / "calls.txt"
    monkeypatch.setenv("SWEEP_CALL_LOG", str(log))
    path = tmp_path / "s.jsonl"
    run_sweep(shaped_draws, SHAPED, ResultStore(path, fingerprint="0.1.0+oldcode"), 4,
              progress=False)
    assert json.loads(path.read_text().splitlines()[0])["fingerprint"] == "0.1.0+oldcode"
    counts = {}
    with pytest.warns(StoreWarning, match="other code"):
        new = run_sweep(shaped_draws, SHAPED, ResultStore(path, fingerprint="0.1.0+newcode"),
                        4, progress=False, counts=counts)
    assert counts["computed"] == 4 and counts["reloaded"] == 0
    assert new == _clean_draws(tmp_path)
    assert ResultStore(path).fingerprint == provenance.fingerprint()  # the default stamp
    counts = {}
    run_sweep(shaped_draws, SHAPED, ResultStore(path, fingerprint="0.1.0+newcode", fresh=True),
              4, progress=False, counts=counts)
    assert counts["computed"] == 4
    assert len(log.read_text().split()) == 12


def test_fingerprint_covers_the_sources():
    fp = provenance.fingerprint()
    assert fp.startswith(__version__ + "+") and len(fp.rsplit("+", 1)[1]) == 16
    assert provenance.library_versions()["numpy"] == np.__version__


def test_fresh_results_must_match_their_declared_shape(tmp_path):
    with pytest.raises(ValueError, match="does not return what it declares"):
        run_sweep(shaped_draws_wrong, [Task("n=2", {"n": 2})], ResultStore(tmp_path / "w"),
                  1, progress=False)


@result_shape(lambda params: {"draws": (params["n"] + 1,)})
def shaped_draws_wrong(params, rng):
    return shaped_draws(params, rng)


def test_concurrent_processes_neither_lose_nor_duplicate_work(tmp_path):
    """Two processes run the same 12-task sweep on one store at the same time."""
    path = tmp_path / "shared.jsonl"
    log = tmp_path / "calls.txt"
    script = (
        f"import sys, json; sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from paper_repro.sweep import ResultStore, Task, run_sweep\n"
        "from sweep_tasks import noisy_square\n"
        "tasks = [Task(f'x={x}', {'x': x}) for x in range(12)]\n"
        "counts = {}\n"
        f"r = run_sweep(noisy_square, tasks, ResultStore({str(path)!r}), 11, progress=False,"
        " counts=counts, poll_seconds=0.05)\n"
        "print(json.dumps([r, counts]))\n"
    )
    env = dict(os.environ, SWEEP_CALL_LOG=str(log), SWEEP_SLEEP="0.15")
    procs = [subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outputs = [json.loads(p.communicate(timeout=120)[0]) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    calls = sorted(map(int, log.read_text().split()))
    assert calls == list(range(12))  # every task computed exactly once, by one of them
    (first, c1), (second, c2) = outputs
    assert first == second
    assert c1["computed"] + c2["computed"] == 12
    assert c1["computed"] > 0 and c2["computed"] > 0  # they shared the work
    keys = [json.loads(line)["key"] for line in path.read_text().splitlines()]
    assert sorted(keys) == sorted(t.key for t in TASKS)


def test_dead_claimer_is_taken_over(tmp_path):
    path = tmp_path / "s.jsonl"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    claims = path.with_name(path.name + ".claims")
    claims.write_text(json.dumps({"key": "x=0", "pid": int(dead.stdout), "host":
                                  __import__("socket").gethostname(), "start": 1}) + "\n")
    results = run_sweep(noisy_square, TASKS[:2], ResultStore(path), 2, progress=False)
    assert len(results) == 2


def test_plain_executor_is_accepted(tmp_path):
    serial = run_sweep(noisy_square, TASKS, ResultStore(tmp_path / "a.jsonl"), 7,
                       progress=False)
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        threaded = run_sweep(noisy_square, TASKS, ResultStore(tmp_path / "b.jsonl"), 7,
                             executor=pool, progress=False)
        assert pool.submit(abs, -1).result() == 1  # still open: the caller owns it
    assert threaded == serial


def test_workers_die_with_a_killed_main_process(tmp_path):
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    script = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from paper_repro.sweep import ResultStore, Task, make_executor, run_sweep\n"
        "from sweep_tasks import report_pid_and_sleep\n"
        "tasks = [Task(f'x={x}', {'x': x}) for x in range(2)]\n"
        f"run_sweep(report_pid_and_sleep, tasks, ResultStore({str(tmp_path / 'k.jsonl')!r}), 1,"
        " executor=make_executor(2), progress=False)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], env=dict(os.environ,
                                                                     PID_DIR=str(pid_dir)))
    deadline = time.time() + 60
    while len(list(pid_dir.iterdir())) < 2 and time.time() < deadline:
        time.sleep(0.05)
    workers = [int(p.name) for p in pid_dir.iterdir()]
    assert len(workers) == 2
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 10
    while any(_alive(pid) for pid in workers) and time.time() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in workers)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "zombie" in status.read_text())
