"""The README's worked example prints exactly what the code computes."""

from __future__ import annotations

import doctest
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_examples_run():
    result = doctest.testfile(str(README), module_relative=False,
                              optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_ci_runs_the_readme_test_command():
    lines = README.read_text().splitlines()
    marker = next(i for i, line in enumerate(lines) if "ci:test-command" in line)
    command = lines[marker + 2].strip()
    ci = (README.parent / ".ci" / "run").read_text()
    assert command.startswith("pip install") and "pytest" in command
    assert "ci:test-command" in ci  # .ci/run extracts the same line from the README
