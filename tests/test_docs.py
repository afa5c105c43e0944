"""The documents the code cites exist: every "docs/model.md section N" (or "N.M") reference in
the sources names a section of docs/model.md, and the declared licence file is there."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "docs" / "model.md"


def test_model_references_point_to_existing_sections():
    sections = {int(m) for m in re.findall(r"^## (\d+)\.", MODEL.read_text(), re.MULTILINE)}
    assert sections == set(range(1, len(sections) + 1)) and len(sections) >= 6
    cited = []
    for path in ROOT.glob("*/**/*.py"):
        if ".venv" in path.parts:
            continue
        for number in re.findall(r"docs/model\.md (?:\(?section )?(\d+)", path.read_text()):
            cited.append((path.relative_to(ROOT), int(number)))
    assert cited  # the docstrings do cite it
    assert [c for c in cited if c[1] not in sections] == []


def test_license_file_matches_the_declared_licence():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
