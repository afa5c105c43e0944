"""Figure ``depth_capacity``: how many random input-label associations L hidden layers store,
and whether the layers build a hierarchy of class representations (issue 11).

Capacity. P random associations (x uniform in {-1,+1}^N with N = H, labels uniform among C
classes) are learned by the steering learner with L layers of width H. An association is
*stored* when the free relaxation from zero (the inference dynamics: forward warm-up, then
sweeps without feedback or label) gives the right label AND ends in a fixed point of the whole
chain (no hidden neuron with s_i != sign(h_i)). Training runs at most ``max_epochs`` epochs
and stops at the first evaluation (every ``eval_every`` epochs) where >= 95 % are stored, or
(in the bisection) after ``patience`` epochs without a new best stored fraction. The
capacity P_c of one (setting, seed) is found by bisection on the integer P in [0, 2.5 H]
(doubled while its top is stored): the largest P found stored, to a resolution of
``max(1, H // 20)`` patterns; alpha_c = P_c / H (per neuron of one layer) and P_c / (L H) (per
hidden neuron), mean +- standard error over seeds (each seed its own pattern sets and network).

Inter-layer options: learned dense matrices (``interlayer="dense"``), the same with the
label's feedback W_back r(y_hat) sent to every hidden layer instead of the last one only
(``feedback_to="all"``, a variant of the model: the check of issue 11 found that the label
barely reaches the lower layers otherwise), and fixed one-to-one couplings lambda in
{0.5, 1, 2}. Per-depth hyperparameters (the product ``tune_grid`` of input strengths
lambda_x, times ``tune_dense``, the initial strength and learning rate of learned inter-layer
matrices) are chosen per (L, option) on held-out associations (replicas >= 1000, never used
for the reported capacities): the candidate with the largest stored fraction at load
``tune_alpha``, ties to fewer epochs. The choices are in the JSON (``tuning``) and reused at
the other widths and self-couplings.

Budget check: seed 0 of every (L, option) at the first J_D and H is retrained at its first
failing P with ``check_factor`` times the epoch budget and no patience (a fresh run: it
measures the budget and the run-to-run spread together; its epochs say which).

Representations: L = 3 nets (learned inter-layer matrices, feedback to the last or to every
layer) trained on Entangled MNIST and on random associations; after several epochs, per
layer, the mean overlap (1/H) s_a . s_b of the free fixed points of same-class and of
different-class pairs, the cosine overlap matrix of the class means, and the label's reach:
the fraction of neurons of each layer whose state at the end of the clamped phase changes
when the label is replaced by another class.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

from paper_repro.figures import _learning as lr
from paper_repro.plotting import figure, panel_label
from paper_repro.sweep import Task
from sim.learner import LearnerConfig, Network, init_network, labels_pm1, relax_free, train_step
from sim.learner.relaxation import input_field, readout_field, sweep, warm_up
from sim.learner.training import batches

SUMMARY = ("capacity of hetero-association (largest P of random +-1 associations stored as "
           "fixed points with the right label) vs depth L = 1..5, learned and one-to-one "
           "inter-layer couplings, J_D = 0.5 and 0, per-depth hyperparameters tuned on "
           "held-out associations; class separation of the fixed points per layer; the "
           "result sentence is computed from the data")

N_CLASSES = 2
THRESHOLD = 0.95
OPTIONS = {"dense": {"interlayer": "dense"},
           "dense+feedback-all": {"interlayer": "dense", "feedback_to": "all"},
           "lambda=0.5": {"interlayer": "identity", "lambda_layers": 0.5},
           "lambda=1": {"interlayer": "identity", "lambda_layers": 1.0},
           "lambda=2": {"interlayer": "identity", "lambda_layers": 2.0}}
SINGLE = "single"  # L = 1: no inter-layer coupling, one setting
TUNE_REPLICA = 1000
TOP_ALPHA = 2.5  # bisection range of P: [0, TOP_ALPHA H], doubled while its top is stored
MAX_TOP_ALPHA = 10.0  # up to this load
REPRESENTATION_VARIANTS = ("dense", "dense+feedback-all")

SIZES = {
    "quick": {"hiddens": [16], "layers": [1, 2], "jds": [0.5],
              "options": ["dense+feedback-all", "lambda=1"],
              "max_epochs": 20, "eval_every": 5, "patience": 10, "seeds": 3, "tune_replicas": 1,
              "tune_alpha": 1.0, "tune_grid": {"lambda_x": [2.0, 4.5]},
              "tune_dense": [{"lambda_layers": 1.0, "eta_layers": 0.005}],
              "check_factor": 2, "extra": [],
              "representation": {"hidden": 24, "train_size": 200, "epochs": [0, 1, 2],
                                 "n_random": 24, "sample": 100}},
    "full": {"hiddens": [80], "layers": [1, 2, 3, 4, 5], "jds": [0.5],
             "options": list(OPTIONS), "max_epochs": 400, "eval_every": 10, "patience": 100,
             "seeds": 3,
             "tune_replicas": 2, "tune_alpha": 1.25,
             "tune_grid": {"lambda_x": [2.0, 4.5]},
             "tune_dense": [{"lambda_layers": 1.0, "eta_layers": 0.005},
                            {"lambda_layers": 1.0, "eta_layers": 0.03},
                            {"lambda_layers": 2.0, "eta_layers": 0.03}],
             "check_factor": 2,
             # after the main grid (jds[0], hiddens[0]): (J_D, H, layers, options), reusing
             # the hyperparameters tuned at (jds[0], hiddens[0]) (CPU budget)
             "extra": [[0.0, 80, [1, 2, 3], ["dense+feedback-all", "dense", "lambda=1"]],
                       [0.5, 160, [1, 2, 3], ["dense+feedback-all", "dense"]]],
             "representation": {"hidden": 200, "train_size": 2000,
                                "epochs": [0, 1, 3, 10, 20], "n_random": 100,
                                "sample": 1000}},
}


# ----------------------------------------------------------------------------- tasks

def _stored(net: Network, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(right label, fixed point) masks of the free relaxation of every input."""
    state = relax_free(net, x)
    correct = np.argmax(readout_field(net, state.s[-1]), axis=1) == y
    return correct, lr.fixed_point_mask(net, state, input_field(net, x))


def store_task(params: dict, rng: np.random.Generator) -> dict:
    """Train on P random associations until >= ``stop_at`` of them are stored (checked every
    ``eval_every`` epochs), or ``max_epochs``, or (optional ``patience``) that many epochs
    without a new best stored fraction; return the final fractions ``stored``, ``correct``,
    ``fixed_point``, the epochs used and the stored fraction at each check.

    params: n_patterns, n_classes, replica, data_seed, max_epochs, eval_every, stop_at,
    [patience], config (LearnerConfig fields; N = hidden)."""
    config = LearnerConfig(**params["config"])
    x, y = lr.random_patterns(params["n_patterns"], config.hidden, params["n_classes"],
                              params["data_seed"], params["replica"])
    model_seed = int(rng.integers(2**32))
    init_rng, order_rng, dyn_rng = np.random.default_rng(model_seed).spawn(3)
    net = init_network(config, config.hidden, params["n_classes"], rng=init_rng)
    start = time.perf_counter()
    curve, epochs, best, best_epoch = [], 0, -1.0, 0
    patience = params.get("patience") or params["max_epochs"]
    correct, fixed = _stored(net, x, y)
    while (epochs < params["max_epochs"] and epochs - best_epoch < patience
           and np.mean(correct & fixed) < params["stop_at"]):
        for _ in range(min(params["eval_every"], params["max_epochs"] - epochs)):
            for idx in batches(len(x), config.batch_size, rng=order_rng):
                train_step(net, x[idx], y[idx], rng=dyn_rng)
            epochs += 1
        correct, fixed = _stored(net, x, y)
        curve.append(float(np.mean(correct & fixed)))
        if curve[-1] > best:
            best, best_epoch = curve[-1], epochs
    return {"model_seed": model_seed, "epochs": epochs, "curve": curve,
            "correct": float(correct.mean()), "fixed_point": float(fixed.mean()),
            "stored": float(np.mean(correct & fixed)),
            "seconds": time.perf_counter() - start}


def _layer_statistics(net, x: np.ndarray, y: np.ndarray, n_classes: int,
                      rng: np.random.Generator) -> list[dict]:
    """Per layer: same/different-class mean overlaps of the free fixed points, the cosine
    overlap matrix of the class means, and the label's reach in the clamped phase."""
    state = relax_free(net, x)
    cfg = net.config
    x_field = input_field(net, x)
    label = labels_pm1(y, n_classes)
    other = labels_pm1((y + rng.integers(1, n_classes, len(y))) % n_classes, n_classes)
    clamped = []
    for lab in (label, other):
        st = warm_up(net, x_field, rng=None)
        for _ in range(cfg.clamped_sweeps):
            sweep(net, st, x_field, feedback=cfg.lambda_back, label=lab, rng=None)
        clamped.append(st.s)
    same = y[:, None] == y[None, :]
    off = ~np.eye(len(y), dtype=bool)
    out = []
    for l in range(cfg.layers):
        s = state.s[l].astype(np.float64)
        q = s @ s.T / cfg.hidden
        means = np.array([s[y == c].mean(axis=0) for c in range(n_classes)])
        norms = np.linalg.norm(means, axis=1)
        cos = means @ means.T / np.maximum(np.outer(norms, norms), 1e-12)
        out.append({"q_same": float(q[same & off].mean()), "q_diff": float(q[~same].mean()),
                    "class_cosine": cos.round(4).tolist(),
                    "label_reach": float(np.mean(clamped[0][l] != clamped[1][l]))})
    return out


def representation_task(params: dict, rng: np.random.Generator) -> dict:
    """Train an L-layer learner on ``params["data"]`` ("entangled-mnist" or "random");
    after each epoch of ``params["epochs"]`` (0 = untrained) the per-layer statistics of
    :func:`_layer_statistics` on ``sample`` training inputs, and the training accuracy."""
    config = LearnerConfig(**params["config"])
    if params["data"] == "random":
        x, y = lr.random_patterns(params["n_patterns"], config.hidden, N_CLASSES,
                                  lr.DATA_SEED, 0)
        n_classes = N_CLASSES
    else:
        ds = lr.entangled_mnist(params["train_size"], 100, lr.DATA_SEED)
        x, y, n_classes = ds.x_train, ds.y_train, ds.n_classes
    model_seed = int(rng.integers(2**32))
    init_rng, order_rng, dyn_rng, probe_rng = np.random.default_rng(model_seed).spawn(4)
    net = init_network(config, x.shape[1], n_classes, rng=init_rng)
    sample = np.arange(min(params["sample"], len(x)))
    start = time.perf_counter()
    records, done = [], 0
    for epoch in params["epochs"]:
        for _ in range(epoch - done):
            for idx in batches(len(x), config.batch_size, rng=order_rng):
                train_step(net, x[idx], y[idx], rng=dyn_rng)
        done = epoch
        correct, fixed = _stored(net, x[sample], y[sample])
        records.append({"epoch": epoch, "accuracy": float(correct.mean()),
                        "fixed_point": float(fixed.mean()),
                        "layers": _layer_statistics(net, x[sample], y[sample], n_classes,
                                                    probe_rng)})
    return {"model_seed": model_seed, "records": records, "n_classes": n_classes,
            "seconds": time.perf_counter() - start}


# ----------------------------------------------------------------------------- protocol

def _config(hidden: int, layers: int, jd: float, option: str, overrides: dict) -> dict:
    base = OPTIONS[option] if layers > 1 else {}
    return LearnerConfig(hidden=hidden, layers=layers, jd=jd, **base, **overrides).to_dict()


def _options(sizes: dict, layers: int) -> list[str]:
    return [SINGLE] if layers == 1 else sizes["options"]


def _candidates(sizes: dict, option: str) -> list[dict]:
    """Hyperparameter candidates: the product of ``tune_grid``, times ``tune_dense`` for the
    learned inter-layer matrices."""
    grid = [{}]
    for name, values in sizes["tune_grid"].items():
        grid = [{**g, name: v} for g in grid for v in values]
    if OPTIONS.get(option, {}).get("interlayer") == "dense":
        grid = [{**g, **d} for g in grid for d in sizes["tune_dense"]]
    return grid


def _store_params(config: dict, n_patterns: int, replica: int, sizes: dict, stop_at: float,
                  epochs_factor: int = 1, patience: int | None = None) -> dict:
    params = {"n_patterns": int(n_patterns), "n_classes": N_CLASSES, "replica": replica,
              "data_seed": lr.DATA_SEED, "max_epochs": sizes["max_epochs"] * epochs_factor,
              "eval_every": sizes["eval_every"], "stop_at": stop_at, "config": config}
    return params | ({"patience": patience} if patience else {})


def tune(ctx, sizes: dict) -> dict:
    """Per (L, option) the candidate with the largest mean stored fraction (capped at the
    threshold, where training stops) at load tune_alpha on held-out replicas (J_D and H: the
    first of the figure's), ties to fewer epochs; returns
    {f"{L}/{option}": {"choice": overrides, "scores": [...]}}."""
    jd, h = sizes["jds"][0], sizes["hiddens"][0]
    n_patterns = round(sizes["tune_alpha"] * h)
    entries = [(L, option, cand) for L in sizes["layers"] for option in _options(sizes, L)
               for cand in _candidates(sizes, option)]
    tasks = [Task(lr.task_key(p, k), p) for L, option, cand in entries
             for k in range(sizes["tune_replicas"])
             for p in [_store_params(_config(h, L, jd, option, cand), n_patterns,
                                     TUNE_REPLICA + k, sizes, THRESHOLD)]]
    results = ctx.sweep("tune", store_task, tasks)
    r = sizes["tune_replicas"]
    out: dict[str, dict] = {}
    for i, (L, option, cand) in enumerate(entries):
        runs = results[i * r:(i + 1) * r]
        score = {"overrides": cand, "stored": float(np.mean([x["stored"] for x in runs])),
                 "epochs": float(np.mean([x["epochs"] for x in runs]))}
        entry = out.setdefault(f"{L}/{option}", {"scores": []})
        entry["scores"].append(score)
    for entry in out.values():
        best = max(entry["scores"],
                   key=lambda s: (min(s["stored"], THRESHOLD), -s["epochs"]))
        entry["choice"] = best["overrides"]
    return out


def bisect_capacity(ctx, sizes: dict, settings: list[tuple], label: str,
                    check: bool) -> list[dict]:
    """Per setting (jd, hidden, L, option, overrides) and seed: bisection of the largest
    stored P in [0, TOP_ALPHA H] (P = 0 counts as stored, the top as not), to
    :func:`_resolution`, rounds of one sweep each (training with ``patience``); when the
    largest stored P reaches the untested top the range doubles (up to MAX_TOP_ALPHA H;
    ``top_of_range`` says when even that was stored). With
    ``check``, seed 0 of every setting is retrained at its first failing P with
    ``check_factor`` times the epoch budget."""
    seeds = sizes["seeds"]
    top = {(i, k): int(TOP_ALPHA * s[1]) for i, s in enumerate(settings) for k in range(seeds)}
    state = {key: [0, top[key], []] for key in top}
    rnd = 0
    while True:
        for key, entry in state.items():  # stored up to the untested top: double the range
            h = settings[key[0]][1]
            if (entry[1] == top[key] and entry[1] - entry[0] <= _resolution(h)
                    and top[key] < MAX_TOP_ALPHA * h):
                top[key] *= 2
                entry[1] = top[key]
        todo = [(key, (lo + hi) // 2) for key, (lo, hi, _) in state.items()
                if hi - lo > _resolution(settings[key[0]][1])]
        if not todo:
            break
        tasks = []
        for (i, k), p in todo:
            jd, h, L, option, overrides = settings[i]
            params = _store_params(_config(h, L, jd, option, overrides), p, k, sizes,
                                   THRESHOLD, patience=sizes["patience"])
            tasks.append(Task(lr.task_key(params, k), params))
        results = ctx.sweep(f"{label}-round{rnd}", store_task, tasks)
        for ((i, k), p), res in zip(todo, results):
            entry = state[(i, k)]
            entry[0 if res["stored"] >= THRESHOLD else 1] = p
            entry[2].append({"n_patterns": p, "stored": res["stored"],
                             "correct": res["correct"], "fixed_point": res["fixed_point"],
                             "epochs": res["epochs"]})
        rnd += 1
    checks = []
    for i, (jd, h, L, option, overrides) in enumerate(settings if check else []):
        params = _store_params(_config(h, L, jd, option, overrides), state[(i, 0)][1], 0,
                               sizes, THRESHOLD, sizes["check_factor"])
        checks.append(Task(lr.task_key(params, 0), params))
    checked = ctx.sweep(f"{label}-check", store_task, checks) if checks else []
    out = []
    for i, (jd, h, L, option, overrides) in enumerate(settings):
        keys = [(i, k) for k in range(seeds)]
        pc = np.array([state[key][0] for key in keys], dtype=float)
        out.append({"jd": jd, "hidden": h, "layers": L, "option": option,
                    "overrides": overrides, "p_c": pc.tolist(),
                    "alpha_c": _mean_se(pc / h), "alpha_c_per_neuron": _mean_se(pc / (L * h)),
                    "top_of_range": bool(any(state[key][1] == top[key] for key in keys)),
                    "bisection": [state[key][2] for key in keys],
                    "first_failing": [state[key][1] for key in keys]})
        if checked:
            first = [r["stored"] for r in state[(i, 0)][2]
                     if r["n_patterns"] == state[(i, 0)][1]]
            out[-1]["check"] = {"n_patterns": state[(i, 0)][1],
                                "stored": first[0] if first else None,
                                "stored_longer": checked[i]["stored"],
                                "epochs_longer": checked[i]["epochs"],
                                "curve_longer": checked[i]["curve"]}
    return out


def _resolution(hidden: int) -> int:
    """Bisection stops when the bracket is this many patterns wide: max(1, H // 20)."""
    return max(1, hidden // 20)


def _mean_se(values: np.ndarray) -> dict:
    se = float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else 0.0
    return {"mean": float(values.mean()), "se": se, "values": values.tolist()}


def compute(ctx) -> dict:
    sizes = SIZES["quick" if ctx.quick else "full"]
    tuning = tune(ctx, sizes)

    def settings(jd, h, layers, options):
        return [(jd, h, L, option, tuning[f"{L}/{option}"]["choice"]) for L in layers
                for option in ([SINGLE] if L == 1 else options)]

    # stages in order of priority: first J_D and H, the representations, other J_D, large H
    capacities = bisect_capacity(ctx, sizes, settings(sizes["jds"][0], sizes["hiddens"][0],
                                                      sizes["layers"], sizes["options"]),
                                 "capacity", check=True)
    rep = sizes["representation"]
    representation, rep_configs = {}, {}
    for variant in REPRESENTATION_VARIANTS:
        choice = tuning.get(f"3/{variant}", {}).get("choice", {})
        config = LearnerConfig(hidden=rep["hidden"], layers=3, **OPTIONS[variant], **choice)
        rep_configs[variant] = config.to_dict()
        tasks = [Task(lr.task_key(p, 0), p) for p in (
            {"data": "entangled-mnist", "train_size": rep["train_size"],
             "epochs": rep["epochs"], "sample": rep["sample"], "config": config.to_dict()},
            {"data": "random", "n_patterns": rep["n_random"], "epochs": rep["epochs"],
             "sample": rep["sample"], "config": config.to_dict()})]
        representation[variant] = dict(zip(
            ("entangled-mnist", "random"),
            ctx.sweep(f"representation-{variant}", representation_task, tasks)))
    for jd, h, layers, options in sizes["extra"]:
        capacities += bisect_capacity(ctx, sizes, settings(jd, h, layers, options),
                                      f"capacity-jd{jd:g}-h{h}", check=False)
    return {
        "parameters": {**sizes, "n_classes": N_CLASSES, "threshold": THRESHOLD,
                       "options": {o: OPTIONS[o] for o in sizes["options"]},
                       "data_seed": lr.DATA_SEED, "tune_replica_offset": TUNE_REPLICA,
                       "patterns": "x uniform in {-1,+1}^N, N = H; labels uniform in [0, C)",
                       "stored": "free relaxation from zero gives the label and ends in a "
                                 "fixed point (no unstable hidden neuron)",
                       "p_c": "per seed, largest P found stored (>= threshold) by bisection "
                              f"on [0, {TOP_ALPHA:g} H] (doubled while its top is stored, "
                              f"up to {MAX_TOP_ALPHA:g} H) to max(1, H // 20) patterns; "
                              "training stops at the first check with >= threshold stored, "
                              "after max_epochs, or after `patience` epochs without a new "
                              "best stored fraction",
                       "representation_configs": rep_configs},
        "data": {"tuning": tuning, "capacity": capacities, "representation": representation,
                 "result": {**verdict(capacities, sizes),
                            "sentence": result_sentence(capacities, sizes)}},
    }


def result_sentence(capacities: list[dict], sizes: dict) -> str:
    """One sentence from the measured capacities at the first J_D and H: alpha_c for L = 1 and
    the best inter-layer option at each L >= 2 (mean +- SE), and whether depth raised it."""
    jd, h = sizes["jds"][0], sizes["hiddens"][0]
    here = [c for c in capacities if c["jd"] == jd and c["hidden"] == h]
    best: dict[int, dict] = {}
    for c in here:
        if c["layers"] not in best or c["alpha_c"]["mean"] > best[c["layers"]]["alpha_c"]["mean"]:
            best[c["layers"]] = c
    if 1 not in best:
        return "no single-layer capacity measured"
    one = best[1]["alpha_c"]
    parts = [f"L = {layers}: {c['alpha_c']['mean']:.2f} +- {c['alpha_c']['se']:.2f} "
             f"({c['option']})" for layers, c in sorted(best.items())]
    raised = [layers for layers, c in best.items() if layers > 1 and c["alpha_c"]["mean"]
              - one["mean"] > math.hypot(c["alpha_c"]["se"], one["se"])]
    outcome = (f"depth raises alpha_c beyond the error bars at L = {sorted(raised)}" if raised
               else "no depth raises alpha_c above one layer beyond the error bars")
    return (f"J_D = {jd:g}, H = {h}: alpha_c = P_c/H (best option per L) " + ", ".join(parts)
            + f"; {outcome}")


def verdict(capacities: list[dict], sizes: dict) -> dict:
    """At the first J_D and H, per option: is alpha_c(L=2) > alpha_c(L=1) and alpha_c(L=3)
    >= alpha_c(L=2), each beyond one standard error (the issue's done-when)?"""
    jd, h = sizes["jds"][0], sizes["hiddens"][0]
    by = {(c["layers"], c["option"]): c["alpha_c"] for c in capacities
          if c["jd"] == jd and c["hidden"] == h}
    out = {}
    one = by.get((1, SINGLE))
    for option in sizes["options"]:
        two, three = by.get((2, option)), by.get((3, option))
        if one is None or two is None or three is None:
            continue
        gain = two["mean"] - one["mean"] > math.hypot(two["se"], one["se"])
        keep = three["mean"] - two["mean"] > -math.hypot(three["se"], two["se"])
        out[option] = {"L2_above_L1": bool(gain), "L3_not_below_L2": bool(keep)}
    return out


# ----------------------------------------------------------------------------- drawing

def _draw_capacity(ax, p: dict, caps: list[dict], key: str) -> None:
    """alpha_c (``key``) vs L with SE bars: one line per (option, J_D, H); L = 1 shared."""
    colors = {"dense": "C0", "lambda=0.5": "C1", "lambda=1": "C2", "lambda=2": "C3",
              "dense+feedback-all": "C4"}
    for jd, ls in zip(sorted({c["jd"] for c in caps}, reverse=True), ("-", "--")):
        for h, fill in zip(sorted({c["hidden"] for c in caps}), ("full", "none")):
            one = [c for c in caps if (c["jd"], c["hidden"], c["layers"]) == (jd, h, 1)]
            for option in p["options"]:
                pts = one + [c for c in caps if (c["jd"], c["hidden"], c["option"])
                             == (jd, h, option)]
                if len(pts) < 2:
                    continue
                name = option.replace("lambda", "λ")
                ax.errorbar([c["layers"] for c in pts], [c[key]["mean"] for c in pts],
                            yerr=[c[key]["se"] for c in pts], color=colors[option],
                            marker="o", ls=ls, fillstyle=fill, capsize=2,
                            label=rf"{name}, $J_D={jd:g}$, $H={h}$")
    ax.set_xlabel("hidden layers $L$")
    ax.set_xticks(p["layers"])
    ax.set_ylim(bottom=0)


def draw(record: dict, path: Path) -> None:
    p, data = record["parameters"], record["data"]
    caps, rep = data["capacity"], data["representation"]
    with figure(path, ncols=3, nrows=2, width=15, height=9) as (fig, axes):
        _draw_capacity(axes[0], p, caps, "alpha_c")
        axes[0].set_ylabel(r"$\alpha_c = P_c/H$ (per neuron of one layer)")
        axes[0].legend(fontsize=6, loc="upper right", ncol=2)
        axes[0].set_title(f"random associations, C = {p['n_classes']}, >= {p['threshold']:g} "
                          f"stored (mean ± SE, {p['seeds']} seeds)", fontsize=8)
        _draw_capacity(axes[1], p, caps, "alpha_c_per_neuron")
        axes[1].set_ylabel(r"$P_c/(LH)$ (per hidden neuron)")
        variants = list(rep)
        for ax, name in ((axes[2], "entangled-mnist"), (axes[3], "random")):
            for variant, ls in zip(variants, ("-", "--")):
                recs = rep[variant][name]["records"]
                for l in range(len(recs[0]["layers"])):
                    ax.plot([r["epoch"] for r in recs],
                            [r["layers"][l]["q_same"] - r["layers"][l]["q_diff"]
                             for r in recs],
                            ls=ls, marker="o", color=f"C{l}", label=f"layer {l + 1}, {variant}")
            ax.set_xlabel("epoch")
            ax.set_ylabel(r"$\langle q\rangle_{\rm same\ class}-\langle q\rangle_{\rm different}$")
            ax.set_title(f"class separation of the free fixed points, L = 3, {name}",
                         fontsize=8)
            ax.legend(fontsize=6)
        ax = axes[4]
        for variant, ls in zip(variants, ("-", "--")):
            recs = rep[variant]["entangled-mnist"]["records"]
            for l in range(len(recs[0]["layers"])):
                ax.plot([r["epoch"] for r in recs], [r["layers"][l]["label_reach"] for r in recs],
                        ls=ls, marker="o", color=f"C{l}", label=f"layer {l + 1}, {variant}")
        ax.set_yscale("symlog", linthresh=1e-3)
        ax.set_xlabel("epoch")
        ax.set_ylabel("label reach (fraction changed by another label)")
        ax.set_title("clamped phase, Entangled MNIST, L = 3", fontsize=8)
        ax.legend(fontsize=6)
        ax = axes[5]
        recs = rep[variants[-1]]["entangled-mnist"]["records"]
        mats = [np.array(layer["class_cosine"]) for layer in recs[-1]["layers"]]
        gap = np.full((len(mats[0]), 1), np.nan)
        im = ax.imshow(np.hstack([m for pair in zip(mats, [gap] * len(mats)) for m in pair][:-1]),
                       vmin=-1, vmax=1, cmap="RdBu_r")
        ax.grid(False)
        ax.set_xticks([])
        ax.set_ylabel("class")
        ax.set_title(f"class-mean cosine, layers 1 | 2 | 3, {variants[-1]}, Entangled MNIST, "
                     f"epoch {recs[-1]['epoch']}", fontsize=8)
        fig.colorbar(im, ax=ax, orientation="horizontal", fraction=0.05)
        for ax, letter in zip(axes, "abcdef"):
            panel_label(ax, letter)
        fig.suptitle(result_sentence(caps, p) + "\n"
                     f"at most {p['max_epochs']} epochs, patience {p['patience']} (budget "
                     f"check: {p['check_factor']}x at the first failing P, seed 0); per-depth "
                     "hyperparameters tuned on held-out associations at J_D = "
                     f"{p['jds'][0]:g}, H = {p['hiddens'][0]}", fontsize=9)
