"""Sweep tasks shared by the dynamics figures: does an algorithm find a fixed point?

One task = ``runs`` independent instances (fresh couplings and a uniformly random start each)
of one algorithm at one (n, J_D); the result lists per run whether a verified fixed point was
reached and the sweeps it took.
"""

from __future__ import annotations

import numpy as np

from paper_repro.sweep import Task, matching, result_shape
from sim.annealing import anneal
from sim.clusters import free_fraction, local_stabilities, single_flip_neighbours
from sim.couplings import random_couplings
from sim.dynamics import relax
from sim.message_passing import bp_solve
from sim.replicated import replicated_relax

ALGORITHMS = ("async", "sync", "anneal", "replicated", "bp")
# matrices above this size are drawn and relaxed in float32 (memory traffic halved; every
# reported fixed point is still verified in float64 by sim.dynamics)
FLOAT32_ABOVE = 4000


def _random_start(n: int, rng: np.random.Generator) -> np.ndarray:
    return np.where(rng.random(n) < 0.5, 1, -1).astype(np.int8)


def run_algorithm(J: np.ndarray, params: dict,
                  rng: np.random.Generator) -> tuple[bool, int, np.ndarray]:
    """(found a verified FP, sweeps used, final state) of ``params['algorithm']`` on J (for
    "bp", reinforced belief propagation, the iterations of message updates)."""
    algorithm = params["algorithm"]
    n = J.shape[0]
    if algorithm in ("async", "sync"):
        out = relax(J, _random_start(n, rng), rule=algorithm, max_sweeps=params["budget"],
                    rng=rng, p=params.get("p", 1.0),
                    dtype=J.dtype if algorithm == "async" else np.float64)
        return out.converged, out.sweeps, out.state
    if algorithm == "anneal":
        out = anneal(J, rng, finish_sweeps=params["budget"])
        return out.found, out.sweeps + out.finish_sweeps, out.state
    if algorithm == "replicated":
        out = replicated_relax(J, rng, replicas=params.get("replicas", 5),
                               finish_sweeps=params["budget"])
        return out.found, out.sweeps, out.state
    if algorithm == "bp":
        out = bp_solve(J, rng, max_iter=params["budget"])
        return out.is_fixed_point, out.iterations, out.configuration
    raise ValueError(f"algorithm must be one of {ALGORITHMS}; got {algorithm!r}")


@result_shape(lambda p: {"found": (p["runs"],), "sweeps": (p["runs"],)})
def convergence_task(params: dict, rng: np.random.Generator) -> dict:
    """Per run on a fresh instance: found (bool) and sweeps (int)."""
    found, sweeps = [], []
    dtype = np.float32 if params["n"] > FLOAT32_ABOVE else np.float64
    for _ in range(params["runs"]):
        J = random_couplings(params["n"], params["jd"], rng, dtype=dtype)
        ok, used, _ = run_algorithm(J, params, rng)
        found.append(bool(ok))
        sweeps.append(int(used))
    return {"found": found, "sweeps": sweeps}


# the accessibility sweeps (figures accessibility and phase_diagram share their stores)
CONVERGENCE_SIZES = {
    "quick": {"sizes": (250, 500, 1000, 2000), "runs": 12, "other_n": 250, "other_runs": 8,
              "jds": np.round(np.arange(0.1, 1.21, 0.1), 3)},
    "full": {"sizes": (250, 500, 1000, 2000, 4000, 8000, 16000), "runs": 12, "other_n": 500,
             "other_runs": 12, "jds": np.round(np.arange(0.3, 1.21, 0.05), 3)},
}
BUDGET = 1000  # sweeps (n single-neuron updates each)
OTHERS = ({"algorithm": "sync", "p": 0.5, "label": "synchronous, p = 0.5"},
          {"algorithm": "anneal", "label": "simulated annealing (300 sweeps + T=0 finish)"},
          {"algorithm": "bp", "label": "reinforced belief propagation (r = 0.01)"})


def async_tasks(sizes, jds, runs: int) -> list[Task]:
    """One task per (n, J_D) of asynchronous dynamics with the sweep budget BUDGET."""
    return [Task(f"async/n={n}/jd={jd}", {"algorithm": "async", "n": n, "jd": float(jd),
                                          "runs": runs, "budget": BUDGET})
            for n in sizes for jd in jds]


def other_tasks(size: dict) -> list[Task]:
    """One task per (algorithm of OTHERS, J_D) at the size ``size['other_n']``."""
    return [Task(f"{o['algorithm']}/n={size['other_n']}/jd={jd}",
                 {"algorithm": o["algorithm"], "p": o.get("p", 1.0), "n": size["other_n"],
                  "jd": float(jd), "runs": size["other_runs"], "budget": BUDGET})
            for o in OTHERS for jd in size["jds"]]


def convergence_runs(ctx, size: dict) -> tuple[list[list[dict]], list[list[dict]]]:
    """The task results over the J_D grid, per size (asynchronous dynamics) and per algorithm
    of OTHERS, through sweeps stored under the ``accessibility`` figure (``phase_diagram``
    calls this too and reuses the stores)."""
    tasks = async_tasks(size["sizes"], size["jds"], size["runs"])
    results = ctx.sweep("async", convergence_task, tasks, owner="accessibility")
    others = other_tasks(size)
    other_results = ctx.sweep("others", convergence_task, others, owner="accessibility")
    return ([matching(tasks, results, n=n) for n in size["sizes"]],
            [matching(others, other_results, algorithm=o["algorithm"]) for o in OTHERS])


def success_probabilities(rows: list[dict]) -> list[float]:
    """Fraction of runs that found a fixed point, per task result."""
    return [float(np.mean(r["found"])) for r in rows]


def half_crossing(jds: np.ndarray, prob: np.ndarray) -> float:
    """J_D where the success probability first reaches 1/2 (linear interpolation between grid
    points); NaN if it never does on the grid, the first grid point if it starts above."""
    jds, prob = np.asarray(jds, float), np.asarray(prob, float)
    above = np.nonzero(prob >= 0.5)[0]
    if above.size == 0:
        return float("nan")
    i = above[0]
    if i == 0:
        return float(jds[0])
    t = (0.5 - prob[i - 1]) / (prob[i] - prob[i - 1])
    return float(jds[i - 1] + t * (jds[i] - jds[i - 1]))


def binomial_error(prob: np.ndarray, runs: int) -> np.ndarray:
    """Standard error sqrt(p (1 - p) / runs), floored at the resolution 1 / (2 runs)."""
    prob = np.asarray(prob, float)
    return np.maximum(np.sqrt(prob * (1 - prob) / runs), 0.5 / runs)


# bins of the local stabilities lambda_i = s_i sum_{j != i} J_ij s_j of found fixed points
STABILITY_BINS = np.linspace(-2.0, 4.0, 61)


def found_runs(params: dict, rng: np.random.Generator, measure) -> dict:
    """Per run of ``params['algorithm']`` on a fresh instance (n, jd): whether it found a FP,
    the sweeps used and, if found, the fields of ``measure(J, state, rng)``."""
    runs = []
    for _ in range(params["runs"]):
        J = random_couplings(params["n"], params["jd"], rng)
        ok, used, state = run_algorithm(J, params, rng)
        run = {"found": bool(ok), "sweeps": int(used)}
        if ok:
            run.update(measure(J, state, rng))
        runs.append(run)
    return {"runs": runs}


def _neighbourhood(J: np.ndarray, state: np.ndarray, rng: np.random.Generator) -> dict:
    del rng
    return {"neighbours": int(single_flip_neighbours(J, state)),
            "free_fraction": float(free_fraction(J, state)),
            "stability_histogram": np.histogram(local_stabilities(J, state),
                                                STABILITY_BINS)[0].tolist()}


@result_shape(lambda p: {"runs": (p["runs"],)})
def found_fixed_point_task(params: dict, rng: np.random.Generator) -> dict:
    """Per run on a fresh instance: whether ``algorithm`` found a FP and, if so, its number of
    single-flip FP neighbours, its free-neuron fraction and the histogram of its local
    stabilities on STABILITY_BINS."""
    return found_runs(params, rng, _neighbourhood)
