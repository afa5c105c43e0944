"""Command line: ``python -m paper_repro COMMAND ...``.

Each command lives in a module exposing ``configure(parser)`` (add the command's
arguments) and ``main(args) -> int`` (run it, return the exit code); a module serving
several commands names them ``configure_<command>`` / ``main_<command>``. Command modules
keep heavy imports inside ``main`` so that ``--help`` stays fast. Usage errors print one
line and exit with code 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

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


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are a single line (exit code 2)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


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


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    return int(_command_function(args._module, "main", args.command)(args) or 0)
