"""``list``, ``run NAME`` and ``all``: the figure commands."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true",
                        help="small sizes that still show each effect (minutes, not hours)")
    parser.add_argument("--workers", type=_positive_int, default=None,
                        help="local worker processes for sweeps (default: all cores)")
    parser.add_argument("--dask", metavar="ADDRESS", default=None,
                        help="run sweep tasks on this dask.distributed scheduler instead")
    parser.add_argument("--out", type=Path, default=Path("figures"),
                        help="where NAME.png and NAME.json go (default: ./figures)")
    parser.add_argument("--runs-dir", type=Path, default=Path(".paper_repro_runs"),
                        help="resumable per-task result stores (default: ./.paper_repro_runs)")
    parser.add_argument("--seed", type=int, default=20261125, help="root random seed")
    parser.add_argument("--redraw", action="store_true",
                        help="redraw from the saved NAME.json without recomputing")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def configure_list(parser: argparse.ArgumentParser) -> None:
    del parser  # no options


def configure_run(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="figure name (see `list`)")
    _common(parser)


def configure_all(parser: argparse.ArgumentParser) -> None:
    _common(parser)


def main_list(args: argparse.Namespace) -> int:
    from paper_repro.figures import FIGURES, load

    width = max(map(len, FIGURES))
    for name in FIGURES:
        print(f"{name:<{width}}  {load(name).SUMMARY}")
    return 0


def _produce(names: list[str], args: argparse.Namespace) -> int:
    from paper_repro.figures import Context, produce
    from paper_repro.sweep import make_executor

    executor = None if args.redraw else make_executor(args.workers, args.dask)
    try:
        for name in names:
            start = time.perf_counter()
            ctx = Context(name=name, quick=args.quick, seed=args.seed, runs_dir=args.runs_dir,
                          executor=executor, progress=not args.no_progress)
            png, data = produce(name, ctx, args.out, redraw=args.redraw)
            print(f"{name}: {png} and {data} ({time.perf_counter() - start:.1f} s)", flush=True)
    finally:
        if executor is not None:
            executor.close()
    return 0


def main_run(args: argparse.Namespace) -> int:
    from paper_repro.figures import FIGURES

    if args.name not in FIGURES:
        print(f"python -m paper_repro run: error: unknown figure {args.name!r}; "
              f"known figures: {', '.join(FIGURES)}", file=sys.stderr)
        return 2
    return _produce([args.name], args)


def main_all(args: argparse.Namespace) -> int:
    from paper_repro.figures import FIGURES

    return _produce(list(FIGURES), args)
