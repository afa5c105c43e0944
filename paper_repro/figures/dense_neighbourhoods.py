"""Figure ``dense_neighbourhoods``: how many fixed points surround the densest fixed point of an
instance, a typical one, and the ones algorithms find, against the local-entropy theory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import special

import theory
from paper_repro.figures._dynamics import found_runs
from paper_repro.plotting import as_array, figure, panel_label
from paper_repro.sweep import Task, result_shape
from sim.clusters import (
    distance_profiles,
    free_fraction,
    hamming_ball_counts,
    sampled_shell_counts,
    single_flip_neighbours,
)
from sim.couplings import random_couplings
from sim.enumeration import minimum_stabilities

SUMMARY = ("fixed points within Hamming distance d of the densest enumerated fixed point of an "
           "instance (N <= 28) and of a typical one, against the zero-complexity local entropy "
           "S*(d) and the typical-FP pair count, across J_D on both sides of the dense-cluster "
           "threshold; free fraction, single-flip and two-flip FP neighbours and sampled "
           "Hamming-shell counts of the fixed points found by asynchronous dynamics, simulated "
           "annealing and reinforced BP, against the densest (nu*) and typical free fractions")

SIZES = {
    "quick": {"n_enum": 20, "enum_jds": (0.045, 0.1, 0.2, 0.35, 0.5, 0.8, 1.0), "instances": 20,
              "theory_jds": (), "n_alg": 300, "alg_jds": (0.3, 0.6, 1.0),
              "runs": {"async": 4, "anneal": 4, "bp": 1}, "ks": (1, 2, 3, 5, 8),
              "samples": 5000},
    "full": {"n_enum": 28, "enum_jds": (0.045, 0.06, 0.1, 0.2, 0.35, 0.5, 0.65),
             "instances": 30, "theory_jds": (0.045, 0.06, 0.1, 0.5), "n_alg": 500,
             "alg_jds": (0.2, 0.3, 0.45, 0.6, 0.8, 1.0),
             "runs": {"async": 10, "anneal": 10, "bp": 2}, "ks": (1, 2, 3, 5, 8, 12),
             "samples": 20000},
}
ALGORITHMS = {"async": "asynchronous dynamics", "anneal": "simulated annealing",
              "bp": "reinforced BP"}
BUDGET = 1000  # sweeps (async, annealing finish) or message-passing iterations (BP)
CHUNK = 10  # instances per enumeration task
REFERENCES = 200  # FPs sampled as typical references when an instance has more
CANDIDATES = 256  # most tied FPs (largest single-flip count) compared for the densest
THEORY_DS = np.geomspace(0.004, 0.45, 16)  # distances of the S*(d) line besides k/N


@result_shape(lambda p: {"S": (len(p["ds"]),), "phase": None})
def theory_task(params: dict, rng: np.random.Generator) -> dict:
    """Zero-complexity S*(d) at every d of ``ds`` for one J_D (NaN where the solver finds no
    solution) and the gapped / gap-free / dense phase of that J_D (annealed over J, RS)."""
    del rng  # deterministic
    jd = params["jd"]
    phase = theory.cluster_phase(jd)  # traces the branches once; the curve reuses them
    values = []
    for d in params["ds"]:
        try:
            values.append(float(theory.zero_complexity_curve([d], jd).local_entropy[0]))
        except RuntimeError:
            values.append(float("nan"))
    return {"S": values, "phase": phase.phase,
            "gap": None if phase.gap is None else list(phase.gap)}



def _densest_and_typical(J: np.ndarray, fps: np.ndarray,
                         rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Distance profiles (FPs at each Hamming distance k = 0..n) of the densest FP and the
    mean profile of all FPs (over REFERENCES FPs drawn without replacement if there are more).

    Densest: the lexicographically largest profile (most FPs at k = 1, ties broken at k = 2,
    then 3, ...), searched among the FPs with the largest single-flip count (the first
    CANDIDATES of them in enumeration order if more tie)."""
    n = J.shape[0]
    if len(fps) == 0:
        return np.zeros(n + 1), np.zeros(n + 1)
    ones = np.asarray(single_flip_neighbours(J, fps))
    tied = np.flatnonzero(ones == ones.max())[:CANDIDATES]
    profiles = distance_profiles(fps, rows=tied)
    densest = profiles[np.lexsort(profiles[:, :0:-1].T)[-1]]
    refs = (np.arange(len(fps)) if len(fps) <= REFERENCES
            else rng.choice(len(fps), REFERENCES, replace=False))
    return densest.astype(float), distance_profiles(fps, rows=refs).mean(axis=0)


@result_shape(lambda p: {"counts": (p["instances"], len(p["jds"])),
                         "densest": (p["instances"], len(p["jds"]), p["n"] + 1),
                         "typical": (p["instances"], len(p["jds"]), p["n"] + 1)})
def enumeration_task(params: dict, rng: np.random.Generator) -> dict:
    """Per instance and J_D (one walk per instance: the FPs at J_D are the configurations with
    min_i s_i sum_{j != i} J_ij s_j > -J_D): #FP, the densest FP's distance profile and the
    mean profile over FPs (:func:`_densest_and_typical`)."""
    n, jds = params["n"], np.asarray(params["jds"], float)
    counts, densest, typical = [], [], []
    for _ in range(params["instances"]):
        J0 = random_couplings(n, 0.0, rng)
        states, mins = minimum_stabilities(J0, -jds.max())
        rows = [[], [], []]
        for jd in jds:
            fps = states[mins > -jd]
            best, mean = _densest_and_typical(J0 + jd * np.eye(n), fps, rng)
            rows[0].append(len(fps))
            rows[1].append(best.tolist())
            rows[2].append(mean.tolist())
        counts.append(rows[0])
        densest.append(rows[1])
        typical.append(rows[2])
    return {"counts": counts, "densest": densest, "typical": typical}


def _shells(params: dict):
    """The measurements of a found FP: free fraction, exact single- and two-flip FP
    neighbours, sampled FP counts at the distances ``params['ks']``."""
    def measure(J: np.ndarray, state: np.ndarray, rng: np.random.Generator) -> dict:
        shells, errors = sampled_shell_counts(J, state, params["ks"], params["samples"], rng)
        return {"free_fraction": float(free_fraction(J, state)),
                "neighbours": int(single_flip_neighbours(J, state)),
                "two_flips": int(hamming_ball_counts(J, state, 2)[2]),
                "shells": shells.tolist(), "shell_errors": errors.tolist()}
    return measure


@result_shape(lambda p: {"runs": (p["runs"],)})
def algorithm_task(params: dict, rng: np.random.Generator) -> dict:
    """Per run on a fresh instance: whether the algorithm found a FP and, if so, its free
    fraction, its single-flip and two-flip FP neighbours (exact) and sampled counts of FPs at
    the distances ``ks`` (:func:`sim.clusters.sampled_shell_counts`)."""
    return found_runs(params, rng, _shells(params))


def _log_per_neuron(values: np.ndarray, n: int) -> np.ndarray:
    """(1/n) ln of counts, NaN where a count is 0."""
    values = np.asarray(values, float)
    with np.errstate(divide="ignore"):
        return np.where(values > 0, np.log(np.where(values > 0, values, 1.0)) / n, np.nan)


def _nan_mean_and_error(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and standard error over axis 0 of the finite entries (NaN where there are none,
    resp. fewer than two), and how many there are."""
    values = np.asarray(values, float)
    ok = np.isfinite(values)
    seen = ok.sum(axis=0)
    filled = np.where(ok, values, 0.0)
    mean = filled.sum(axis=0) / np.maximum(seen, 1)
    var = (np.where(ok, values - mean, 0.0) ** 2).sum(axis=0) / np.maximum(seen - 1, 1)
    return (np.where(seen > 0, mean, np.nan),
            np.where(seen > 1, np.sqrt(var / np.maximum(seen, 1)), np.nan), seen)


def _enumeration_summary(results: list[dict], jds, n: int) -> dict:
    """Per J_D: mean #FP, fraction of instances with a FP, the densest FP's (1/N) ln count at
    each k (mean over the instances where it is > 0, its standard error, and the fraction of
    instances where it is > 0), and the typical (1/N) ln [sum over instances of FP pairs at k /
    sum of #FP] (pooled: the ratio the annealed E[pairs]/E[#FP] predicts)."""
    counts = np.concatenate([np.asarray(r["counts"], float) for r in results])
    shells = slice(1, n // 2 + 1)  # k = 1..n/2
    densest = np.concatenate([np.asarray(r["densest"], float)[..., shells] for r in results])
    typical = np.concatenate([np.asarray(r["typical"], float)[..., shells] for r in results])
    out = {}
    for j, jd in enumerate(jds):
        mean, err, seen = _nan_mean_and_error(_log_per_neuron(densest[:, j], n))
        total = counts[:, j].sum()
        pairs = (counts[:, j, None] * typical[:, j]).sum(axis=0)
        out[f"{jd:g}"] = {"mean_fixed_points": counts[:, j].mean(),
                          "with_fixed_point": float(np.mean(counts[:, j] > 0)),
                          "densest": mean, "densest_err": err,
                          "densest_seen": seen / len(counts),
                          "typical": _log_per_neuron(pairs / total if total else pairs, n)}
    return out


def _algorithm_summary(tasks: list[Task], results: list[dict], n: int, ks) -> dict:
    """Per algorithm and J_D: fraction of runs that found a FP, and mean +- SE over the found
    FPs of the free fraction, single-flip neighbours / n, two-flip neighbours / C(n, 2) and
    (1/n) ln of the sampled shell counts (runs with no sampled hit at k left out)."""
    out = {}
    for alg in ALGORITHMS:
        rows = {k: [] for k in ("found", "free", "free_err", "ones", "ones_err", "twos",
                                "twos_err", "shells", "shells_seen")}
        for t, r in zip(tasks, results):
            if t.params["algorithm"] != alg:
                continue
            got = [run for run in r["runs"] if run["found"]]
            rows["found"].append(len(got) / len(r["runs"]))
            for key, field, scale in (("free", "free_fraction", 1.0),
                                      ("ones", "neighbours", n),
                                      ("twos", "two_flips", n * (n - 1) / 2)):
                values = np.array([run[field] for run in got], float) / scale
                rows[key].append(values.mean() if got else np.nan)
                rows[key + "_err"].append(values.std(ddof=1) / np.sqrt(len(got))
                                          if len(got) > 1 else np.nan)
            logs = _log_per_neuron([run["shells"] for run in got], n) if got else \
                np.full((1, len(ks)), np.nan)
            mean, _, seen = _nan_mean_and_error(logs)
            rows["shells"].append(mean)
            rows["shells_seen"].append(seen)
        out[alg] = rows
    return out


def compute(ctx) -> dict:
    size = SIZES["quick" if ctx.quick else "full"]
    n, jds = size["n_enum"], size["enum_jds"]
    d_enum = np.arange(1, n // 2 + 1) / n
    ds = np.unique(np.round(np.concatenate([d_enum, THEORY_DS]), 12)).tolist()
    theory_tasks = [Task(f"jd={jd}", {"jd": jd, "ds": ds}) for jd in size["theory_jds"]]
    theory_results = ctx.sweep("theory", theory_task, theory_tasks)
    enum_tasks = [Task(f"n={n}/chunk={c}", {"n": n, "jds": list(jds), "instances": CHUNK})
                  for c in range(size["instances"] // CHUNK)]
    enum_results = ctx.sweep("enumeration", enumeration_task, enum_tasks)
    n_alg, ks = size["n_alg"], list(size["ks"])
    alg_tasks = [Task(f"{alg}/n={n_alg}/jd={jd}",
                      {"algorithm": alg, "n": n_alg, "jd": jd, "runs": runs, "budget": BUDGET,
                       "ks": ks, "samples": size["samples"]})
                 for alg, runs in size["runs"].items() for jd in size["alg_jds"]]
    alg_results = ctx.sweep("algorithms", algorithm_task, alg_tasks)

    k_enum = np.arange(1, n // 2 + 1)
    typical_theory = {f"{jd:g}": (theory.log_expected_pairs(n, k_enum, jd)
                                  - theory.log_expected_fixed_points(n, jd)) / n
                      for jd in jds}
    jd_line = np.linspace(min(size["alg_jds"]) * 0.8, max(size["alg_jds"]) * 1.05, 80)
    log_z = theory.log_expected_fixed_points(n_alg, jd_line)
    nu_star = theory.densest_free_fraction(jd_line)
    k_sampled = np.array(ks)
    return {
        "parameters": {**{k: v for k, v in size.items() if k != "runs"},
                       "runs": size["runs"], "budget": BUDGET, "references": REFERENCES,
                       "candidates": CANDIDATES, "theory_ds": ds,
                       "densest_definition": "lexicographically largest distance profile: most "
                                             "FPs at k = 1, ties broken at k = 2, 3, ...",
                       "approximation": "theory annealed over J; S*(d) replica symmetric, zero "
                                        "reference complexity, N -> infinity; typical-FP "
                                        "counts exact annealed at the simulated N"},
        "data": {
            "d_enum": d_enum,
            "S_star": {f"{t.params['jd']:g}": r["S"] for t, r in zip(theory_tasks,
                                                                     theory_results)},
            "phases": {f"{t.params['jd']:g}": {"phase": r["phase"], "gap": r["gap"]}
                       for t, r in zip(theory_tasks, theory_results)},
            "enumeration": _enumeration_summary(enum_results, jds, n),
            "typical_theory": typical_theory,
            "small_d_limit": {f"{jd:g}": theory.small_distance_local_entropy(d_enum, jd)
                              for jd in jds},
            "algorithms": _algorithm_summary(alg_tasks, alg_results, n_alg, ks),
            "jd_line": jd_line,
            "densest_free_fraction": nu_star,
            "typical_free_fraction": theory.free_fraction(jd_line, n_alg),
            "typical_neighbours": np.exp(theory.log_expected_pairs(n_alg, 1, jd_line)
                                         - log_z) / n_alg,
            "typical_two_flips": np.exp(theory.log_expected_pairs(n_alg, 2, jd_line) - log_z)
            / (n_alg * (n_alg - 1) / 2),
            "densest_two_flips": nu_star ** 2,
            "free_configuration_threshold": theory.free_configuration_threshold(),
            "sampled_d": k_sampled / n_alg,
            "sampled_typical": {f"{jd:g}": (theory.log_expected_pairs(n_alg, k_sampled, jd)
                                            - theory.log_expected_fixed_points(n_alg, jd))
                                / n_alg for jd in size["alg_jds"]},
            "sampled_densest": {f"{jd:g}": (special.gammaln(
                theory.densest_free_fraction(jd) * n_alg + 1) - special.gammaln(k_sampled + 1)
                - special.gammaln(theory.densest_free_fraction(jd) * n_alg - k_sampled + 1))
                / n_alg for jd in size["alg_jds"]},
        },
    }


def _jd_marks(ax, data: dict) -> None:
    ax.axvline(data["free_configuration_threshold"], color="k", ls=":", lw=0.8)


def _distance_panel(ax, label: str, ylabel: str, title: str) -> None:
    """Axes of a count-vs-distance panel: d = k/N on [0, 0.52], the zero line, labels."""
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xlim(0, 0.52)
    ax.set_xlabel(r"distance $d = k/N$")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    panel_label(ax, label)


def draw(record: dict, path: Path) -> None:
    p, data = record["parameters"], record["data"]
    n, jds = p["n_enum"], [f"{jd:g}" for jd in p["enum_jds"]]
    d_enum, ds = as_array(data["d_enum"]), as_array(p["theory_ds"])
    colours = {jd: f"C{i}" for i, jd in enumerate(jds)}
    with figure(path, ncols=3, nrows=2, width=16, height=9.5) as (_, axes):
        ax = axes[0]
        for jd in jds:
            enum = data["enumeration"][jd]
            ax.errorbar(d_enum, as_array(enum["densest"]), as_array(enum["densest_err"]),
                        fmt="o", ms=3.5, color=colours[jd],
                        label=rf"$J_D={jd}$ ({enum['mean_fixed_points']:.3g} FPs)")
            if jd in data["S_star"]:
                ax.plot(ds, as_array(data["S_star"][jd]), "-", color=colours[jd], lw=1.2)
            valid = d_enum <= float(jd) ** 2 / 4  # the limit needs d << J_D^2 / 4
            ax.plot(d_enum[valid], as_array(data["small_d_limit"][jd])[valid], "--",
                    color=colours[jd], lw=0.7)
        _distance_panel(ax, "a", r"$\frac{1}{N}\ln\#$FPs at distance $d$",
                        f"densest enumerated FP, N = {n} (lines: $S^*(d)$, dashed: "
                        r"$d\ln(\nu^*/d)+d$ for $d<J_D^2/4$; $N\to\infty$)")
        ax.legend(fontsize=7, loc="lower right")

        ax = axes[1]
        for jd in jds:
            ax.plot(d_enum, as_array(data["enumeration"][jd]["typical"]), "o", mfc="none",
                    ms=3.5, color=colours[jd], label=rf"$J_D={jd}$")
            ax.plot(d_enum, as_array(data["typical_theory"][jd]), "-", color=colours[jd],
                    lw=1)
        _distance_panel(ax, "b", r"$\frac{1}{N}\ln$ (mean #FPs at distance $d$ of a FP)",
                        f"typical FP, N = {n} (lines: annealed "
                        r"$E[\mathrm{pairs}]/E[\#\mathrm{FP}]$, exact at $N$)")

        ax = axes[2]
        picks = sorted({max(1, n // 7), n // 4})
        for i, k in enumerate(picks):
            x = as_array(p["enum_jds"])
            y = [data["enumeration"][jd]["densest"][k - 1] for jd in jds]
            e = [data["enumeration"][jd]["densest_err"][k - 1] for jd in jds]
            ax.errorbar(x, as_array(y), as_array(e), fmt="o", color=f"C{i}",
                        label=rf"densest enumerated, $d={k}/{n}$")
            tj = [jd for jd in jds if jd in data["S_star"]]
            where = int(np.argmin(np.abs(ds - k / n)))
            ax.plot(as_array(tj), [data["S_star"][jd][where] for jd in tj], "s-", mfc="none",
                    color=f"C{i}", label=rf"$S^*({k}/{n})$ theory")
            ax.plot(x, as_array([data["enumeration"][jd]["typical"][k - 1] for jd in jds]),
                    "^:", color=f"C{i}", mfc="none", label=f"typical enumerated, d={k}/{n}")
        for jd, ph in data["phases"].items():
            ax.annotate(ph["phase"], (float(jd), 0), rotation=90, fontsize=6, va="bottom",
                        xytext=(2, 2), textcoords="offset points")
        ax.axhline(0, color="k", lw=0.6)
        ax.set_xscale("log")
        ax.set_xlabel(r"self-coupling $J_D$")
        ax.set_ylabel(r"$\frac{1}{N}\ln\#$FPs at distance $d$")
        ax.set_title("trend across $J_D$ (phase labels: theory)", fontsize=9)
        ax.legend(fontsize=6.5, loc="upper left")
        panel_label(ax, "c")

        line = as_array(data["jd_line"])
        algs = data["algorithms"]
        x = as_array(p["alg_jds"])
        for ax, key, densest, typical, ylabel, lab in (
                (axes[3], "free", "densest_free_fraction", "typical_free_fraction",
                 "free fraction of the found FP", "d"),
                (axes[4], "ones", "densest_free_fraction", "typical_neighbours",
                 "single-flip FP neighbours / N", "e")):
            for i, (alg, name) in enumerate(ALGORITHMS.items()):
                ax.errorbar(x * (1 + 0.01 * (i - 1)), as_array(algs[alg][key]),
                            as_array(algs[alg][key + "_err"]), fmt="os^"[i], color=f"C{i + 1}",
                            label=name)
            ax.plot(line, as_array(data[densest]), "k-",
                    label=r"densest exp. many FPs, $\nu^*(J_D)$")
            ax.plot(line, as_array(data[typical]), "k--", label="typical FP")
            _jd_marks(ax, data)
            ax.set_xlabel(r"self-coupling $J_D$")
            ax.set_ylabel(ylabel)
            ax.set_title(f"found FPs, N = {p['n_alg']}", fontsize=9)
            panel_label(ax, lab)
        axes[4].set_yscale("log")
        axes[3].legend(fontsize=7, loc="upper left")

        ax = axes[5]
        sd = as_array(data["sampled_d"])
        for j, jd in enumerate(p["alg_jds"][-2:]):
            key = f"{jd:g}"
            k = list(p["alg_jds"]).index(jd)
            for i, alg in enumerate(ALGORITHMS):
                ax.plot(sd, as_array(algs[alg]["shells"][k]), "os^"[i] + ("-" if j else ":"),
                        color=f"C{i + 1}", mfc="none" if j == 0 else None, ms=4,
                        label=f"{ALGORITHMS[alg]}" if j else None)
            ax.plot(sd, as_array(data["sampled_typical"][key]), "k" + ("--" if j else ":"),
                    lw=1, label=rf"typical FP, $J_D={key}$")
            ax.plot(sd, as_array(data["sampled_densest"][key]), "k-", lw=2.5 - j,
                    label=rf"$\ln\binom{{\nu^* N}}{{k}}/N$, $J_D={key}$")
        ax.set_xlabel(r"distance $d = k/N$")
        ax.set_ylabel(r"$\frac{1}{N}\ln\#$FPs at distance $d$ (sampled)")
        ax.set_title(f"around found FPs, N = {p['n_alg']}, J_D = "
                     f"{p['alg_jds'][-2]:g} (open) / {p['alg_jds'][-1]:g}", fontsize=9)
        ax.legend(fontsize=6.5, loc="upper left")
        panel_label(ax, "f")
