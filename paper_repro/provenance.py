"""What made a result: the code fingerprint, the git commit and the library versions.

The fingerprint is ``"<package version>+<source hash>"``, the source hash being the first 16 hex
digits of a SHA-256 over the relative path and bytes of every ``.py`` file of ``theory``,
``sim`` and ``paper_repro`` (installed or in a checkout alike). Sweep stores stamp every row
with it and recompute rows stamped by other code; figure JSON files record it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import platform
import subprocess
from pathlib import Path

PACKAGES = ("theory", "sim", "paper_repro")
LIBRARIES = ("numpy", "scipy", "numba", "matplotlib")


def _package_dir(name: str) -> Path:
    return Path(importlib.import_module(name).__file__).resolve().parent


@functools.cache
def source_hash() -> str:
    """SHA-256 (16 hex digits) of the ``.py`` sources of theory, sim and paper_repro."""
    digest = hashlib.sha256()
    for name in PACKAGES:
        root = _package_dir(name)
        for path in sorted(root.rglob("*.py")):
            digest.update(f"{name}/{path.relative_to(root).as_posix()}\0".encode())
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()[:16]


@functools.cache
def fingerprint() -> str:
    """``"<version>+<source hash>"``: identifies the code that computed a stored result."""
    from paper_repro import __version__

    return f"{__version__}+{source_hash()}"


@functools.cache
def git_commit() -> str | None:
    """The checkout's HEAD commit (``+dirty`` when theory/sim/paper_repro have uncommitted
    changes), or None outside a git checkout (an installed wheel) or without git."""
    root = _package_dir("paper_repro").parent
    if not (root / ".git").exists():
        return None
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--",
                                *PACKAGES], capture_output=True, text=True, timeout=10,
                               check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+dirty" if dirty else "")


def library_versions() -> dict[str, str]:
    """Python and the numerical libraries' versions."""
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.import_module(name).__version__
        except ImportError:
            versions[name] = "not installed"
    return versions


def provenance() -> dict:
    """Fingerprint, source hash, git commit and library versions, for a result file."""
    from paper_repro import __version__

    return {"fingerprint": fingerprint(), "toolkit_version": __version__,
            "source_hash": source_hash(), "git_commit": git_commit(),
            "libraries": library_versions()}
