"""``python -m paper_repro bench``: measured speeds of the toolkit's hot paths.

Each benchmark module listed in BENCHMARK_MODULES exposes ``benchmarks(quick: bool) ->
list[dict]``; every dict is one measurement with at least ``name``, ``unit``, ``ours``
(rate or time of the toolkit), ``naive`` (a plain numpy implementation timed in the same
run) and ``ratio`` (ours relative to naive, > 1 means the toolkit is faster), plus the
parameters that made it. The command prints them as JSON and writes them to ``--json``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import time
from pathlib import Path

BENCHMARK_MODULES: list[str] = [
    "paper_repro.bench.fixed_points",
    "paper_repro.bench.dynamics",
    "paper_repro.bench.learner",
    "paper_repro.bench.theory",
]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", metavar="PATH", help="also write the results to this file")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--only", metavar="SUBSTRING", help="run benchmarks whose module matches")


def best_time(func, repeat: int = 5, number: int = 1) -> float:
    """Smallest wall time (s) of ``number`` calls of ``func`` over ``repeat`` trials."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            func()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def main(args: argparse.Namespace) -> int:
    from paper_repro import __version__
    from paper_repro.cli import writable_file
    from paper_repro.provenance import provenance

    if args.json:
        writable_file(Path(args.json), "--json")

    results = []
    for module_name in BENCHMARK_MODULES:
        if args.only and args.only not in module_name:
            continue
        for entry in importlib.import_module(module_name).benchmarks(quick=args.quick):
            print(json.dumps(entry), flush=True)
            results.append(entry)
    report = {
        "version": __version__,
        "provenance": provenance(),
        "machine": {"python": platform.python_version(), "processor": platform.processor(),
                    "cpus": os.cpu_count()},
        "quick": bool(args.quick),
        "results": results,
    }
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=2)
    return 0
