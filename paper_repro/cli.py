"""Command line: ``python -m paper_repro COMMAND ...`` or the ``paper-repro`` script.

Each command lives in a module exposing ``configure(parser)`` (add the command's
arguments) and ``main(args) -> int`` (run it, return the exit code); a module serving
several commands names them ``configure_<command>`` / ``main_<command>``. Command modules
keep heavy imports inside ``main`` so that ``--help`` stays fast. Usage errors - bad
arguments, output paths that cannot be written, missing optional packages, bad saved data -
are found before any work where possible and print one line with exit code 2
(:class:`UsageError`); store warnings print one line each.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
import tempfile
import warnings
from pathlib import Path

# One BLAS thread per process: the toolkit parallelises over worker processes (sweeps) and its
# small matrix products lose badly to thread oversubscription otherwise (measured 10-30x slower
# learner steps on 2 cores). Set the variables yourself to override.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

# command name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "list": ("paper_repro.gallery", "list the figures, one line each"),
    "run": ("paper_repro.gallery", "compute and draw one figure"),
    "all": ("paper_repro.gallery", "compute and draw every figure"),
    "bench": ("paper_repro.bench", "measure the speed of the hot paths against naive numpy"),
    "learn": ("paper_repro.learn", "train the steering learner or a baseline on a data set"),
    "learn-compare": ("paper_repro.compare",
                      "train several models over several seeds on one split, side by side"),
}


class UsageError(Exception):
    """A user error reported as one line on stderr with exit code 2."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are a single line (exit code 2)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


# ----------------------------------------------------------------------------- argument checks

def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    value = float(text)
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return value


def seed(text: str) -> int:
    """argparse type: a seed, an integer >= 0 (numpy.random.SeedSequence entropy)."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {value}")
    return value


def writable_dir(path: Path, option: str) -> Path:
    """Create ``path`` if needed and check that files can be written in it (UsageError)."""
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {path} is a file, not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise UsageError(f"{option} {path} is not a writable directory "
                         f"({exc.strerror or exc})") from None
    return path


def writable_file(path: Path, option: str) -> Path:
    """Check that ``path`` can be written (its directory created if needed) (UsageError)."""
    if path.is_dir():
        raise UsageError(f"{option} {path} is a directory, not a file")
    writable_dir(path.parent if str(path.parent) else Path("."), f"the directory of {option}")
    if path.exists() and not os.access(path, os.W_OK):
        raise UsageError(f"{option} {path} is not writable")
    return path


def dask_available(option: str = "--dask") -> None:
    """UsageError unless dask.distributed can be imported."""
    if importlib.util.find_spec("distributed") is None:
        raise UsageError(f"{option} needs dask.distributed: pip install "
                         "'steering-fixed-points[dask]' (or drop --dask to use local workers)")


# ----------------------------------------------------------------------------- entry point

def _command_function(module_name: str, kind: str, command: str):
    module = importlib.import_module(module_name)
    return getattr(module, f"{kind}_{command}", None) or getattr(module, kind)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m paper_repro",
        description="Reproduce the figures of the fixed-point / steering-learning papers.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                parser_class=_Parser)
    for name, (module_name, help_text) in COMMANDS.items():
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        cmd.set_defaults(_module=module_name)
        _command_function(module_name, "configure", name)(cmd)
    return parser


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"warning: {message}", file=sys.stderr if file is None else file, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run one command; the single entry point of ``python -m paper_repro`` and the
    ``paper-repro`` console script (both get one BLAS thread per process by default)."""
    for var in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(var, "1")
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    with warnings.catch_warnings():
        warnings.showwarning = _one_line_warning
        try:
            return int(_command_function(args._module, "main", args.command)(args) or 0)
        except UsageError as exc:
            print(f"{parser.prog} {args.command}: error: {exc}", file=sys.stderr, flush=True)
            return 2
        except BrokenPipeError:
            # the reader went away (`paper-repro list | head`): stop quietly; stdout goes to
            # devnull so the interpreter's final flush cannot raise again
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 1
