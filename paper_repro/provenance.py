"""What made a result: the code fingerprints, the git commit and the library versions.

Two fingerprints:

- :func:`fingerprint`, ``"<package version>+<source hash>"``, the source hash being the first
  16 hex digits of a SHA-256 over the relative path and bytes of every ``.py`` file of
  ``theory``, ``sim`` and ``paper_repro`` (installed or in a checkout alike): the whole toolkit,
  recorded in every figure JSON file;
- :func:`code_fingerprint`, ``"code+<hash>"``, the same hash over only the files a given
  function (or module) can execute (its static import closure within the three packages, see
  :func:`code_path`): sweep stores stamp rows with the one of their task function, so a row
  is recomputed when the code that made it changes, and only then (an edit to the learner does
  not invalidate enumeration results). It covers code, not data files or third-party
  libraries.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib
import importlib.util
import platform
import subprocess
from collections.abc import Callable
from pathlib import Path

PACKAGES = ("theory", "sim", "paper_repro")
# modules that cannot change a computed number (drawing, recording): left out of code paths
NOT_COMPUTING = ("paper_repro.plotting", "paper_repro.provenance")
NOT_COMPUTING_FILES = tuple(f"{m.replace('.', '/')}.py" for m in NOT_COMPUTING)
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


def _module_path(name: str) -> Path | None:
    """The source file of module ``name`` if it belongs to theory, sim or paper_repro."""
    if name.split(".")[0] not in PACKAGES:
        return None
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin)


def _is_package(name: str) -> bool:
    path = _module_path(name)
    return path is not None and path.name == "__init__.py"


def _reexports_only(package: str) -> bool:
    """Whether ``package/__init__.py`` only imports names (docstring, imports, ``__all__``):
    then it computes nothing, and a name resolved through it depends on its defining module
    alone (adding an export does not change any result)."""
    for node in _tree(package).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id == "__all__"):
            continue
        return False
    return True


@functools.cache
def _tree(name: str) -> ast.Module:
    return ast.parse(_module_path(name).read_bytes())


def _absolute(name: str, node: ast.ImportFrom) -> str:
    """The module an ``ImportFrom`` in module ``name`` imports from (relative levels resolved)."""
    if not node.level:
        return node.module or ""
    package = name if _is_package(name) else name.rpartition(".")[0]
    base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
    return f"{base}.{node.module}" if node.module else base


def _origin(package: str, attribute: str) -> tuple[str, bool] | None:
    """Where ``package.attribute`` comes from: (module, whole) with whole=True when the
    attribute is that module itself or defined in it (its closure is needed), False when the
    package's ``__init__`` only re-exports it (that file's bytes are needed, not its closure);
    None for a name that is not in the three packages."""
    submodule = f"{package}.{attribute}"
    if _module_path(submodule) is not None:
        return submodule, True
    if not _is_package(package):
        return (package, True) if _module_path(package) else None
    for node in _tree(package).body:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if (alias.asname or alias.name) == attribute:
                    source = _absolute(package, node)
                    return (_origin(source, alias.name) or (source, True)
                            if _module_path(source) else None)
    return package, True


def _reachable(tree: ast.Module, roots: tuple[str, ...]) -> list[ast.AST] | None:
    """The module-level definitions and assignments that the functions ``roots`` reach by
    name, within their module (None if a root is not a module-level definition)."""
    defs: dict[str, ast.AST] = {}
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defs[stmt.name] = stmt
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            for target in stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]:
                for node in ast.walk(target):
                    if isinstance(node, ast.Name):
                        defs[node.id] = stmt
    if not set(roots) <= defs.keys():
        return None
    todo, seen, nodes = list(roots), set(), []
    while todo:
        name = todo.pop()
        if name in seen or name not in defs:
            continue
        seen.add(name)
        nodes.append(defs[name])
        todo.extend(n.id for n in ast.walk(defs[name]) if isinstance(n, ast.Name))
    return nodes


def _direct_dependencies(name: str, roots: tuple[str, ...] = ()) -> tuple[set[str], set[str]]:
    """(modules whose closure ``name`` needs, package __init__ files it needs only as files).

    With ``roots`` (function names of module ``name``) only the imports those functions reach
    count; otherwise every import of the module. ``from pkg import f`` and ``import pkg``
    followed by ``pkg.f`` resolve ``f`` through ``pkg/__init__.py`` to the module that
    defines it; a package name used otherwise than as ``pkg.attribute`` (passed around,
    ``getattr``) needs the whole package."""
    whole: set[str] = set()
    files: set[str] = set()

    def need(origin: tuple[str, bool] | None, package: str) -> None:
        if origin is not None:
            whole.add(origin[0])
            if _is_package(package):
                files.add(package)

    tree = _tree(name)
    scope = (_reachable(tree, roots) if roots else None) or [tree]
    used = {n.id for node in scope for n in ast.walk(node) if isinstance(n, ast.Name)}
    everything = scope == [tree]
    bound: dict[str, str] = {}  # local name -> package module bound by `import pkg`
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                if _module_path(alias.name) is None or not (everything or local in used):
                    continue
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    bound.setdefault(local, local)
                    whole.add(alias.name) if not _is_package(alias.name) else None
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(name, node)
            if _module_path(source) is None:
                continue
            for alias in node.names:
                if alias.name == "*":
                    whole.add(source)
                elif everything or (alias.asname or alias.name) in used:
                    need(_origin(source, alias.name), source)
    if bound:
        attribute_bases = set()
        for node in (n for root in scope for n in ast.walk(root)):
            if isinstance(node, ast.Attribute):
                chain, base = [node.attr], node.value
                while isinstance(base, ast.Attribute):
                    chain.append(base.attr)
                    base = base.value
                if isinstance(base, ast.Name) and base.id in bound:
                    attribute_bases.add(id(base))
                    module = bound[base.id]
                    for attribute in reversed(chain):
                        origin = _origin(module, attribute)
                        if origin is None or origin[0] == module or not _is_package(origin[0]):
                            need(origin, module)
                            break
                        files.add(module)
                        module = origin[0]
        for node in (n for root in scope for n in ast.walk(root)):
            if (isinstance(node, ast.Name) and node.id in bound
                    and id(node) not in attribute_bases):
                whole.add(bound[node.id])
    return whole, files


@functools.cache
def code_path(module: str, function: str | None = None) -> tuple[str, ...]:
    """The source files (relative to their package's parent) that module ``module`` of theory,
    sim or paper_repro - or, given ``function``, that function of it - can execute to compute
    a result: the static import closure within the three packages (for a function, its whole
    module plus what the function reaches by name in it, then whole modules), without the
    drawing and recording modules (``NOT_COMPUTING``)."""
    seen: set[str] = set()
    files: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        if name in seen or name in NOT_COMPUTING or _module_path(name) is None:
            continue
        seen.add(name)
        roots = (function,) if function is not None and name == module else ()
        whole, init_files = _direct_dependencies(name, roots)
        todo.extend(whole - seen)
        files |= {f for f in init_files if not _reexports_only(f)}
    def relative(name: str) -> str:
        return name.replace(".", "/") + ("/__init__.py" if _is_package(name) else ".py")

    return tuple(sorted(relative(m) for m in (seen | files) - set(NOT_COMPUTING)))


@functools.cache
def code_fingerprint(module: str, function: str | None = None) -> str:
    """``"code+<hash>"``: SHA-256 (16 hex digits) over the path and bytes of every file of
    :func:`code_path` (module, function) - what a result computed there depends on; of the
    function's own module only the part the function reaches counts (:func:`_reached_source`),
    so editing another task of the same module leaves its results valid."""
    digest = hashlib.sha256()
    for relative in code_path(module, function):
        name = relative[:-3].replace("/", ".").removesuffix(".__init__")
        digest.update(f"{relative}\0".encode())
        if function is not None and name == module:
            digest.update(_reached_source(module, function).encode())
        else:
            digest.update(_module_path(name).read_bytes())
        digest.update(b"\0")
    return f"code+{digest.hexdigest()[:16]}"


def _reached_source(module: str, function: str) -> str:
    """The source text of ``function``'s module that the function can run: the definitions and
    assignments it reaches by name (decorators included) and the module-level imports of the
    names they use, in file order; the whole file if ``function`` is not a module-level
    definition."""
    source = _module_path(module).read_text(encoding="utf-8")
    tree = ast.parse(source)
    reached = _reachable(tree, (function,))
    if reached is None:
        return source
    used = {n.id for node in reached for n in ast.walk(node) if isinstance(n, ast.Name)}
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))
               and any((a.asname or a.name.split(".")[0]) in used for a in n.names)]
    parts = []
    for node in sorted(imports + reached, key=lambda n: n.lineno):
        for decorator in getattr(node, "decorator_list", []):
            parts.append("@" + ast.get_source_segment(source, decorator))
        parts.append(ast.get_source_segment(source, node))
    return "\n".join(parts)


def task_fingerprint(func: Callable) -> str:
    """:func:`code_fingerprint` of the task function ``func`` (in its module)."""
    return code_fingerprint(func.__module__, func.__name__)


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
