"""Code-path fingerprints: a sweep row is tied to the code its task function can run."""

import sys
from pathlib import Path

import numpy as np
import pytest
from sweep_tasks import noisy_square

from paper_repro import provenance
from paper_repro.figures import _dynamics, _instances, _learning
from paper_repro.sweep import ResultStore, Task, run_sweep

ROOT = Path(provenance.__file__).resolve().parents[1]


def _executed_files(func, params: dict) -> set[str]:
    """Files of theory/sim/paper_repro whose Python code runs while ``func`` computes."""
    seen: set[str] = set()

    def profile(frame, event, arg):
        if event == "call":
            seen.add(frame.f_code.co_filename)

    sys.setprofile(profile)
    try:
        func(params, np.random.default_rng(0))
    finally:
        sys.setprofile(None)
    ours = set()
    for name in seen:
        path = Path(name).resolve()
        if path.is_relative_to(ROOT) and path.parts[len(ROOT.parts)] in provenance.PACKAGES:
            ours.add(path.relative_to(ROOT).as_posix())
    return ours


@pytest.mark.parametrize("func, params", [
    (_dynamics.convergence_task, {"algorithm": "async", "n": 30, "jd": 0.6, "runs": 2,
                                  "budget": 20}),
    (_dynamics.convergence_task, {"algorithm": "bp", "n": 20, "jd": 0.6, "runs": 1,
                                  "budget": 20}),
    (_instances.count_task, {"n": 10, "instances": 2, "jds": [0.0, 0.5]}),
])
def test_the_static_code_path_holds_every_file_a_task_executes(func, params):
    executed = _executed_files(func, params)
    path = set(provenance.code_path(func.__module__, func.__name__))
    assert executed, "the tracer saw no toolkit code"
    assert executed - set(provenance.NOT_COMPUTING_FILES) <= path, executed - path


def test_code_paths_follow_what_a_module_uses_not_the_whole_toolkit():
    dynamics = provenance.code_path("paper_repro.figures._dynamics")
    learning = provenance.code_path("paper_repro.figures._learning")
    assert "sim/dynamics.py" in dynamics and "sim/message_passing.py" in dynamics
    assert not any(p.startswith("sim/learner/") for p in dynamics)
    assert "sim/learner/train.py" in learning and "sim/data.py" in learning
    assert "sim/enumeration.py" not in learning
    # `theory.dense_cluster_threshold` resolves through theory/__init__.py to dense_clusters
    dense = provenance.code_path("paper_repro.figures._thresholds", "dense_threshold_task")
    assert "theory/dense_clusters.py" in set(dense)
    # theory/__init__.py only re-exports: a new export does not invalidate results
    assert "theory/__init__.py" not in dense
    assert "theory/chain.py" not in dense
    measured = provenance.code_path("paper_repro.figures._thresholds", "measured_thresholds")
    assert not {"theory/__init__.py", "theory/local_entropy.py"} & set(measured)
    access = provenance.code_path("paper_repro.figures.accessibility")
    assert "paper_repro/plotting.py" not in access  # drawing cannot change a stored number
    # a task function needs only what it reaches in its module: the convergence runs do not
    # use the cluster diagnostics that another task of the same module measures
    assert "sim/clusters.py" in dynamics
    convergence = provenance.code_path("paper_repro.figures._dynamics", "convergence_task")
    assert "sim/clusters.py" not in convergence and "sim/dynamics.py" in convergence
    found = provenance.code_path("paper_repro.figures._dynamics", "found_fixed_point_task")
    assert "sim/clusters.py" in found


def test_a_change_on_the_code_path_and_only_there_recomputes(tmp_path, monkeypatch):
    tasks = [Task(f"x={x}", {"x": x}) for x in range(3)]
    path = tmp_path / "store.jsonl"
    module = "sweep_tasks"  # not a toolkit module: its code path is empty
    run_sweep(noisy_square, tasks, ResultStore(path, fingerprint="code+aaaa"), 1,
              progress=False)
    counts: dict = {}
    run_sweep(noisy_square, tasks, ResultStore(path, fingerprint="code+aaaa"), 1,
              progress=False, counts=counts)
    assert counts["reloaded"] == 3 and counts["computed"] == 0
    with pytest.warns(UserWarning, match="other code"):
        run_sweep(noisy_square, tasks, ResultStore(path, fingerprint="code+bbbb"), 1,
                  progress=False, counts=counts)
    assert counts["computed"] == 3
    assert provenance.code_path(module) == ()
    # the fingerprint is a hash of exactly the code-path files: editing one changes it
    files = provenance.code_path("paper_repro.figures._instances")
    before = provenance.code_fingerprint("paper_repro.figures._instances")
    learning = provenance.code_fingerprint("paper_repro.figures._learning")
    real_read = Path.read_bytes

    def edited(self):
        data = real_read(self)
        return data + b"\n# edit" if self.name == "enumeration.py" else data

    monkeypatch.setattr(Path, "read_bytes", edited)
    provenance.code_fingerprint.cache_clear()
    try:
        assert "sim/enumeration.py" in files
        assert provenance.code_fingerprint("paper_repro.figures._instances") != before
        assert provenance.code_fingerprint("paper_repro.figures._learning") == learning
    finally:
        provenance.code_fingerprint.cache_clear()


def test_learning_task_code_path_is_traced():
    params = _learning.train_params("steer", {"epochs": 1, "train_size": 40, "test_size": 20},
                                    hidden=20)
    executed = _executed_files(_learning.train_task, params)
    assert executed <= set(provenance.code_path("paper_repro.figures._learning", "train_task")
                           ) | set(provenance.NOT_COMPUTING_FILES)


def test_only_the_reached_part_of_the_task_module_counts(monkeypatch):
    """Appending a function to the task's module leaves its fingerprint; editing a constant it
    reaches (BUDGET is not used by the task; FLOAT32_ABOVE is) changes it."""
    module, task = "paper_repro.figures._dynamics", "convergence_task"
    before = provenance.code_fingerprint(module, task)
    real_read = Path.read_text

    def patched(edit):
        def read(self, *args, **kwargs):
            text = real_read(self, *args, **kwargs)
            return edit(text) if self.name == "_dynamics.py" else text
        return read

    cases = [(lambda t: t + "\n\ndef another_task(params, rng):\n    return {}\n", True),
             (lambda t: t.replace("FLOAT32_ABOVE = ", "FLOAT32_ABOVE = 1 + "), False)]
    for edit, same in cases:
        monkeypatch.setattr(Path, "read_text", patched(edit))
        provenance.code_fingerprint.cache_clear()
        try:
            assert (provenance.code_fingerprint(module, task) == before) is same
        finally:
            monkeypatch.undo()
            provenance.code_fingerprint.cache_clear()
