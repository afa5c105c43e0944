"""``list``, ``run NAME`` and ``all``: the figure commands.

Full-size runs write to ``figures/`` (the committed gallery) and keep their per-task results in
``figures/runs/`` (committed too, so a later run resumes or redraws without recomputing);
``--quick`` runs write to ``figures/quick/`` and ``.paper_repro_runs/`` (both git-ignored), so a
smoke run never overwrites the gallery.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from paper_repro.cli import UsageError, dask_available, positive_int, seed, writable_dir

GALLERY = Path("figures")
QUICK_GALLERY = GALLERY / "quick"
PAPER_RUNS = GALLERY / "runs"
QUICK_RUNS = Path(".paper_repro_runs")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true",
                        help="small sizes that still show each effect (minutes, not hours); "
                             "written to figures/quick/ unless --out is given")
    parser.add_argument("--workers", type=positive_int, default=None,
                        help="local worker processes for sweeps (default: all cores)")
    parser.add_argument("--dask", metavar="ADDRESS", default=None,
                        help="run sweep tasks on this dask.distributed scheduler instead")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"where NAME.png and NAME.json go (default: ./{GALLERY}, "
                             f"./{QUICK_GALLERY} with --quick)")
    parser.add_argument("--runs-dir", type=Path, default=None,
                        help=f"resumable per-task result stores (default: ./{PAPER_RUNS}, the "
                             f"committed stores of the gallery; ./{QUICK_RUNS} with --quick)")
    parser.add_argument("--fresh", action="store_true",
                        help="recompute every task, ignoring the stores in --runs-dir")
    parser.add_argument("--seed", type=seed, default=20261125, help="root random seed (>= 0)")
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


def output_dir(args: argparse.Namespace) -> Path:
    """``--out``, else figures/quick/ for quick runs and figures/ for full-size ones."""
    if args.out is not None:
        return args.out
    return QUICK_GALLERY if args.quick else GALLERY


def runs_dir(args: argparse.Namespace) -> Path:
    """``--runs-dir``, else the committed stores figures/runs/ for full-size runs and
    ./.paper_repro_runs for quick ones."""
    if args.runs_dir is not None:
        return args.runs_dir
    return QUICK_RUNS if args.quick else PAPER_RUNS


def _produce(names: list[str], args: argparse.Namespace) -> int:
    from paper_repro.figures import Context, produce
    from paper_repro.sweep import make_executor

    out = output_dir(args)
    # every check that can fail comes before any work
    writable_dir(out, "--out")
    if not args.redraw:
        writable_dir(runs_dir(args), "--runs-dir")
        if args.dask:
            dask_available()
    executor = None
    if not args.redraw:
        try:
            executor = make_executor(args.workers, args.dask)
        except OSError as exc:  # dask scheduler unreachable
            raise UsageError(f"--dask {args.dask}: cannot connect ({exc})") from None
    try:
        for name in names:
            start = time.perf_counter()
            ctx = Context(name=name, quick=args.quick, seed=args.seed, runs_dir=runs_dir(args),
                          executor=executor, progress=not args.no_progress, fresh=args.fresh)
            try:
                png, data = produce(name, ctx, out, redraw=args.redraw)
            except (FileNotFoundError, ValueError) as exc:
                if not args.redraw:
                    raise
                raise UsageError(str(exc)) from None
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
