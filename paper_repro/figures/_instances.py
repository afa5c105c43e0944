"""Sweep tasks shared by the enumeration figures: exact fixed-point counts on random instances.

Each task draws ``instances`` independent coupling matrices from its own seeded stream and
returns plain lists, so the figures can average, bootstrap and save them.
"""

from __future__ import annotations

import numpy as np

from paper_repro.sweep import Task, result_shape
from sim.couplings import chain_couplings, random_couplings
from sim.enumeration import count_fixed_points, enumerate_fixed_points, pair_distance_histogram

# self-couplings at which the enumeration figures count fixed points (shared so that the
# figures can share one store of counts)
COUNT_JDS = np.round(np.linspace(0.1, 2.0, 20), 4)
# size and instances of the pair enumeration shared by pair_overlaps and franz_parisi (one store)
PAIR_SIZES = {"quick": {"n": 18, "instances": 160}, "full": {"n": 24, "instances": 300}}


def instance_tasks(sizes: dict[int, int], jds: np.ndarray, chunk: int = 20) -> list[Task]:
    """Tasks of ``chunk`` instances each covering ``sizes`` = {n: number of instances}."""
    return [Task(f"n={n}/chunk={c}", {"n": n, "instances": min(chunk, total - c * chunk),
                                      "jds": np.asarray(jds).tolist()})
            for n, total in sizes.items() for c in range(-(-total // chunk))]


@result_shape(lambda p: {"counts": (p["instances"], len(p["jds"]))})
def count_task(params: dict, rng: np.random.Generator) -> dict:
    """#FP of ``instances`` fully asymmetric instances of size n at every J_D of ``jds``
    (one enumeration per instance decides all J_D at once)."""
    jds = np.asarray(params["jds"], dtype=float)
    counts = [count_fixed_points(random_couplings(params["n"], 0.0, rng), jds).tolist()
              for _ in range(params["instances"])]
    return {"counts": counts}


def pair_tasks(n: int, jds, instances: int, chunk: int = 20) -> list[Task]:
    """Tasks of ``chunk`` instances each for :func:`pair_task`, per self-coupling."""
    return [Task(f"n={n}/jd={jd}/chunk={c}", {"n": n, "jd": jd, "instances": chunk})
            for jd in jds for c in range(instances // chunk)]


@result_shape(lambda p: {"counts": (p["instances"],),
                       "histograms": (p["instances"], p["n"] + 1)})
def pair_task(params: dict, rng: np.random.Generator) -> dict:
    """Per instance at size n and self-coupling jd: #FP and the histogram of ordered FP pairs
    (s != s') at each Hamming distance k = 0..n."""
    counts, hists = [], []
    for _ in range(params["instances"]):
        fps = enumerate_fixed_points(random_couplings(params["n"], params["jd"], rng))
        hist = pair_distance_histogram(fps)
        hist[0] = 0  # ordered pairs of distinct fixed points only
        counts.append(len(fps))
        hists.append(hist.tolist())
    return {"counts": counts, "histograms": hists}


@result_shape(lambda p: {"counts": (p["instances"],)})
def chain_count_task(params: dict, rng: np.random.Generator) -> dict:
    """#FP of ``instances`` chains (``layers`` layers of n neurons, one-to-one coupling lam)."""
    counts = [len(enumerate_fixed_points(chain_couplings(params["n"], params["layers"],
                                                         params["jd"], params["lam"], rng)))
              for _ in range(params["instances"])]
    return {"counts": counts}


def mean_and_error(samples: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Sample mean and its standard error along ``axis``."""
    samples = np.asarray(samples, dtype=float)
    m = samples.shape[axis]
    return samples.mean(axis=axis), samples.std(axis=axis, ddof=1) / np.sqrt(m)


def log_mean_per_neuron(counts: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(1/n) ln(mean count) over instances (axis 0) and its delta-method standard error
    SE / (n mean); NaN where no instance had a fixed point."""
    mean, err = mean_and_error(counts)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (np.where(mean > 0, np.log(np.where(mean > 0, mean, 1.0)) / n, np.nan),
                np.where(mean > 0, err / (n * np.where(mean > 0, mean, 1.0)), np.nan))
