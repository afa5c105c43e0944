"""The command line: one entry point, and every user error found before any work, reported as
one line on stderr with exit code 2 (no traceback)."""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from paper_repro.cli import BLAS_THREAD_VARIABLES
from paper_repro.cli import main as cli_main
from paper_repro.gallery import GALLERY, QUICK_GALLERY, output_dir

ROOT = Path(__file__).resolve().parents[1]


def _one_line_exit_2(capsys, argv: list[str]) -> str:
    """Run argv; it must exit with code 2 (returned or raised) and print exactly one line."""
    try:
        code = cli_main(argv)
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


def test_console_script_is_the_same_entry_point_with_one_blas_thread(monkeypatch, capsys):
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"paper-repro": "paper_repro.cli:main"}
    assert "paper_repro.cli import main" in (ROOT / "paper_repro" / "__main__.py").read_text()
    for var in BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(var, raising=False)
    assert cli_main(["list"]) == 0
    capsys.readouterr()
    assert all(os.environ[var] == "1" for var in BLAS_THREAD_VARIABLES)


def test_output_paths_are_checked_before_any_work(tmp_path, capsys):
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    runs = tmp_path / "runs"
    err = _one_line_exit_2(capsys, ["run", "complexity", "--quick", "--out", str(a_file),
                                    "--runs-dir", str(runs)])
    assert "--out" in err and "is a file" in err
    err = _one_line_exit_2(capsys, ["run", "complexity", "--quick", "--out",
                                    str(a_file / "sub"), "--runs-dir", str(runs)])
    assert "not a writable directory" in err
    err = _one_line_exit_2(capsys, ["run", "complexity", "--quick", "--out", str(tmp_path),
                                    "--runs-dir", str(a_file)])
    assert "--runs-dir" in err
    assert not runs.exists() and not (tmp_path / "complexity.json").exists()  # nothing ran
    err = _one_line_exit_2(capsys, ["learn", "--dataset", "prototypes", "--epochs", "1",
                                    "--json", str(a_file / "out.json")])
    assert "--json" in err
    err = _one_line_exit_2(capsys, ["learn", "--dataset", "prototypes", "--json",
                                    str(tmp_path)])
    assert "is a directory" in err


@pytest.mark.parametrize("argv", [
    ["run", "complexity", "--seed", "-1"],
    ["all", "--seed", "-5"],
    ["learn", "--epochs", "0"],
    ["learn", "--epochs", "-1"],
    ["learn", "--hidden", "0"],
    ["learn", "--seed", "-1"],
    ["learn", "--mlp-lr", "-0.1"],
])
def test_bad_numbers_are_usage_errors(argv, capsys):
    _one_line_exit_2(capsys, argv)


@pytest.mark.parametrize("flag", [["--jd", "-1"], ["--dynamics", "chaotic"],
                                  ["--update-prob", "1.5"],
                                  ["--dataset", "entangled-mnist", "--train-size", "100000"]])
def test_learn_hyperparameter_errors_are_one_line(flag, capsys, tmp_path):
    err = _one_line_exit_2(capsys, ["learn", "--dataset", "prototypes", "--epochs", "1",
                                    "--no-progress", *flag])
    assert flag[-2].lstrip("-").replace("-", "_") in err


def test_corrupt_json_with_redraw_is_one_line(tmp_path, capsys):
    (tmp_path / "complexity.json").write_bytes(b'{"figure": "complexity", "para')
    err = _one_line_exit_2(capsys, ["run", "complexity", "--redraw", "--out", str(tmp_path)])
    assert "not valid JSON" in err
    (tmp_path / "complexity.json").write_text("[1, 2]")
    assert "not a figure record" in _one_line_exit_2(
        capsys, ["run", "complexity", "--redraw", "--out", str(tmp_path)])
    (tmp_path / "complexity.json").unlink()
    assert "does not exist" in _one_line_exit_2(
        capsys, ["run", "complexity", "--redraw", "--out", str(tmp_path)])


def test_dask_without_distributed_is_one_line(tmp_path, capsys, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "distributed" else real(name, *a))
    err = _one_line_exit_2(capsys, ["run", "complexity", "--quick", "--dask", "tcp://x:1",
                                    "--out", str(tmp_path), "--runs-dir",
                                    str(tmp_path / "runs")])
    assert "dask.distributed" in err


def test_quick_runs_write_beside_the_gallery():
    quick = argparse.Namespace(out=None, quick=True)
    full = argparse.Namespace(out=None, quick=False)
    assert output_dir(quick) == QUICK_GALLERY == GALLERY / "quick"
    assert output_dir(full) == GALLERY
    assert output_dir(argparse.Namespace(out=Path("elsewhere"), quick=True)) == Path("elsewhere")
    assert "figures/quick/" in (ROOT / ".gitignore").read_text().split()


def test_output_into_a_closed_pipe_ends_quietly():
    """`paper-repro list | head -1`: the reader closes the pipe before the listing is written;
    the command stops with exit code 1 and no traceback."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "paper_repro", "list"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # before the child (still importing) writes anything
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1, err
    assert "Traceback" not in err and "BrokenPipe" not in err, err
