"""Command line: ``python -m paper_repro COMMAND ...``.

Each command lives in its own module exposing ``configure(parser)`` (add the
command's arguments) and ``main(args) -> int`` (run it, return the exit code).
Modules are imported only when their command runs, so ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# command name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "bench": ("paper_repro.bench", "measure the speed of the hot paths against naive numpy"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m paper_repro",
        description="Reproduce the figures of the fixed-point / steering-learning papers.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        cmd.set_defaults(_module=module_name)
        importlib.import_module(module_name).configure(cmd)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    return int(importlib.import_module(args._module).main(args) or 0)
