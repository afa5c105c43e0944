"""sim.learner: network draw, relaxation dynamics, plasticity rule, training, baselines."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, replace

import numpy as np
import pytest
from learner_reference import naive_train_step

from paper_repro import cli
from sim import data
from sim.learner import (
    MODELS,
    LearnerConfig,
    accuracy,
    fit,
    init_network,
    labels_pm1,
    train_model,
    train_step,
)
from sim.learner import baselines as bl
from sim.learner import relaxation as dyn
from sim.learner.plasticity import apply_plasticity, rank_update

MNIST_10K = data.PACKAGE_DATA / "mnist-10k"  # shipped inside the package


def pm1(rng, shape):
    return np.where(rng.random(shape) < 0.5, 1, -1).astype(np.int8)


@pytest.fixture(scope="module")
def protos():
    """10-class prototype task, N = 100, 30% bit flips (Bayes accuracy close to 1)."""
    return data.prototypes(n_classes=10, n_inputs=100, n_train=1500, n_test=500, flip=0.3,
                           rng=np.random.default_rng(11))


# ----------------------------------------------------------------------------- model

def test_config_rejects_bad_values():
    for kwargs, name in [({"hidden": 0}, "hidden"), ({"dynamics": "glauber"}, "dynamics"),
                         ({"update_prob": 0.0}, "update_prob"), ({"jd": -0.1}, "jd"),
                         ({"density_j": 1.5}, "density_j"), ({"theta": math.nan}, "theta"),
                         ({"interlayer": "conv"}, "interlayer"), ({"free_sweeps": -1}, "free")]:
        with pytest.raises(ValueError, match=name):
            LearnerConfig(**kwargs)
    with pytest.raises(ValueError, match="labels"):
        labels_pm1(np.array([0, 3]), 3)


def test_network_draw_statistics():
    # H = 400: 159,600 off-diagonal couplings, the std estimate has relative error ~0.2%
    cfg = LearnerConfig(hidden=400, jd=0.7, lambda_x=4.0)
    net = init_network(cfg, 200, 10, rng=np.random.default_rng(0))
    j = net.j[0]
    assert np.all(np.diag(j) == np.float32(0.7))
    off = j[~np.eye(400, dtype=bool)]
    assert abs(off.std() * math.sqrt(400) - 1) < 0.01 and abs(off.mean()) < 3 / 400
    assert abs(net.w_in.std() * math.sqrt(200) / 4.0 - 1) < 0.01
    assert abs(net.w_back.std() * math.sqrt(10) - 1) < 0.05
    # sparse supports: density and the 1/sqrt(fan-in x density) scaling of the nonzeros
    sparse = init_network(replace(cfg, density_j=0.25, density_in=0.1), 200, 10,
                          rng=np.random.default_rng(1))
    nz = sparse.j[0][(sparse.mask_j[0] > 0) & ~np.eye(400, dtype=bool)]
    assert abs(nz.size / (400 * 399) - 0.25) < 0.01
    assert abs(nz.std() * math.sqrt(400 * 0.25) - 1) < 0.02
    nz_in = sparse.w_in[sparse.mask_in > 0]
    assert abs(nz_in.size / (200 * 400) - 0.1) < 0.01
    assert abs(nz_in.std() * math.sqrt(200 * 0.1) / 4.0 - 1) < 0.03


# ----------------------------------------------------------------------------- dynamics

def _sign(h):
    return np.where(h >= 0, 1.0, -1.0)


@pytest.mark.parametrize("layers,interlayer", [(1, "identity"), (3, "identity"), (2, "dense")])
def test_sync_sweep_matches_dense_recomputation(layers, interlayer):
    """Incremental fields equal s @ J recomputed, and a p = 1 sweep equals the Jacobi update
    (readout first, then the layers in order, each from the latest neighbours)."""
    rng = np.random.default_rng(3)
    cfg = LearnerConfig(hidden=150, layers=layers, interlayer=interlayer, lambda_x=1.0)
    net = init_network(cfg, 40, 5, rng=rng)
    x = pm1(rng, (6, 40))
    label = labels_pm1(rng.integers(0, 5, 6), 5)
    x_field = dyn.input_field(net, x)
    state = dyn.warm_up(net, x_field, rng=None)
    for t in range(6):
        s_old = [s.astype(np.float64) for s in state.s]
        fb = 0.8 if t < 3 else 0.0
        y_hat = _sign(s_old[-1] @ net.w_out + cfg.lambda_y * label) if fb else None
        dyn.sweep(net, state, x_field, feedback=fb, label=label if fb else None, rng=None)
        want = [s.copy() for s in s_old]
        for l in range(layers):
            h = want[l] @ net.j[l] + (x.astype(np.float64) @ net.w_in if l == 0 else 0)
            for other, mats in ((l - 1, net.forward), (l + 1, net.backward)):
                if 0 <= other < layers:
                    h = h + (cfg.lambda_layers * want[other] if interlayer == "identity"
                             else want[other] @ mats[l])
            if l == layers - 1 and fb:
                h = h + fb * (np.where(y_hat > 0, math.sqrt(5) / 2, -0.5) @ net.w_back)
            want[l] = _sign(h)
        for l in range(layers):
            np.testing.assert_array_equal(state.s[l], want[l])
            np.testing.assert_allclose(state.rec[l], state.s[l] @ net.j[l], atol=2e-5)


def test_warmup_is_forward_pass_and_ties_are_plus():
    cfg = LearnerConfig(hidden=50, layers=2, warmup_sweeps=1)
    net = init_network(cfg, 30, 3, rng=np.random.default_rng(0))
    x = pm1(np.random.default_rng(1), (4, 30))
    state = dyn.warm_up(net, dyn.input_field(net, x), rng=None)
    s1 = _sign(x @ net.w_in.astype(np.float64))
    np.testing.assert_array_equal(state.s[0], s1)
    np.testing.assert_array_equal(state.s[1], _sign(cfg.lambda_layers * s1))  # from s^2 = 0
    # a zero field gives +1
    net.w_in[:] = 0
    state = dyn.warm_up(net, dyn.input_field(net, x), rng=None)
    assert np.all(state.s[0] == 1)


def test_async_and_partial_sync_updates():
    rng = np.random.default_rng(5)
    cfg = LearnerConfig(hidden=120, lambda_x=0.5, dynamics="async", warmup_sweeps=1)
    net = init_network(cfg, 20, 4, rng=rng)
    x = pm1(rng, (3, 20))
    x_field = dyn.input_field(net, x)
    state = dyn.warm_up(net, x_field, rng=None)
    s0 = state.s[0].astype(np.float64).copy()
    # reference: the same random order (same generator state), one neuron at a time
    order = np.random.default_rng(9).permuted(
        np.broadcast_to(np.arange(120, dtype=np.int32), (3, 120)), axis=1)
    want = s0.copy()
    for b in range(3):
        for i in order[b]:
            want[b, i] = 1.0 if x_field[b, i] + want[b] @ net.j[0][:, i] >= 0 else -1.0
    dyn.sweep(net, state, x_field, feedback=0.0, label=None, rng=np.random.default_rng(9))
    np.testing.assert_array_equal(state.s[0], want)
    np.testing.assert_allclose(state.rec[0], state.s[0] @ net.j[0], atol=2e-5)
    with pytest.raises(ValueError, match="rng"):
        dyn.sweep(net, state, x_field, feedback=0.0, label=None, rng=None)
    # synchronous with p = 0.3: only neurons drawn below p may change, all of those that
    # are drawn and unstable do
    part = init_network(replace(cfg, dynamics="sync", update_prob=0.3), 20, 4,
                        rng=np.random.default_rng(5))
    state = dyn.warm_up(part, x_field, rng=None)
    before = state.s[0].copy()
    h = x_field + before @ part.j[0]
    u = np.random.default_rng(4).random(before.shape, dtype=np.float32)
    dyn.sweep(part, state, x_field, feedback=0.0, label=None, rng=np.random.default_rng(4))
    np.testing.assert_array_equal(state.s[0], np.where(u < 0.3, _sign(h), before))


def test_free_relaxation_reaches_fixed_points():
    """At J_D = 0.8 synchronous relaxation settles; the end state is a fixed point."""
    rng = np.random.default_rng(2)
    cfg = LearnerConfig(hidden=300, jd=0.8, lambda_x=1.0, inference_sweeps=30)
    net = init_network(cfg, 50, 3, rng=rng)
    x = pm1(rng, (20, 50))
    state = dyn.relax_free(net, x)
    h = dyn.input_field(net, x) + state.s[0] @ net.j[0]
    assert np.mean(np.all(_sign(h) == state.s[0], axis=1)) >= 0.9


# ----------------------------------------------------------------------------- plasticity

def test_rank_update_in_place():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((30, 20)).astype(np.float32)
    pre, post = rng.standard_normal((4, 30)), rng.standard_normal((4, 20))
    want = 0.9 * w.astype(np.float64) + 0.01 * pre.T @ post
    ref = w
    rank_update(w, pre, post, 0.01, 0.9)
    assert w is ref
    np.testing.assert_allclose(w, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("batch", [1, 5])
def test_plasticity_changes_exactly_unstable_neurons(batch):
    """Rule check against an explicit formula; with B = 1 the incoming weights of a neuron
    change iff it is unstable (s h <= theta + J_D, y h_out <= theta_out)."""
    rng = np.random.default_rng(batch)
    cfg = LearnerConfig(hidden=200, lambda_x=1.5, decay=0.0, theta=0.9, clamped_sweeps=7,
                        free_sweeps=7)
    net = init_network(cfg, 60, 7, rng=rng)
    x = pm1(rng, (batch, 60))
    y = rng.integers(0, 7, batch)
    label = labels_pm1(y, 7)
    x_field = dyn.input_field(net, x)
    state, _ = dyn.training_relaxation(net, x_field, label, rng=None)
    old = net.copy()
    s = state.s[0].astype(np.float64)
    h = x_field.astype(np.float64) + s @ old.j[0].astype(np.float64)
    unstable = s * h <= 0.9 + 0.5
    h_out = s @ old.w_out.astype(np.float64)
    unstable_out = label * h_out <= 3.0
    stats = apply_plasticity(net, state, x, x_field, label)
    assert stats.hidden == pytest.approx(unstable.mean())
    assert stats.readout == pytest.approx(unstable_out.mean())
    assert 0.02 < unstable.mean() < 0.98  # both kinds of neurons present
    post = s * unstable
    c = 1 / math.sqrt(batch)
    d_j = c * 0.005 / math.sqrt(200) * s.T @ post
    np.fill_diagonal(d_j, 0)
    np.testing.assert_allclose(net.j[0] - old.j[0], d_j, atol=2e-6)
    # the input rate is in units of the input scale lambda_x / sqrt(N)
    np.testing.assert_allclose(net.w_in - old.w_in, c * 0.03 * 1.5 / math.sqrt(60) * x.T @ post,
                               atol=2e-6)
    np.testing.assert_allclose(net.w_out - old.w_out,
                               c * 0.1 / math.sqrt(200) * s.T @ (label * unstable_out), atol=2e-6)
    assert np.all(np.diag(net.j[0]) == np.float32(0.5))
    np.testing.assert_array_equal(net.w_back, old.w_back)
    if batch == 1:
        changed = np.any(net.j[0] != old.j[0], axis=0)
        np.testing.assert_array_equal(changed, unstable[0])
        np.testing.assert_array_equal(np.any(net.w_in != old.w_in, axis=0), unstable[0])
        np.testing.assert_array_equal(np.any(net.w_out != old.w_out, axis=0), unstable_out[0])


def test_decay_and_sparse_support():
    rng = np.random.default_rng(7)
    cfg = LearnerConfig(hidden=100, density_j=0.3, density_in=0.5, decay=0.01, decay_in=0.02)
    net = init_network(cfg, 40, 3, rng=rng)
    x = pm1(rng, (1, 40))
    label = labels_pm1(np.array([2]), 3)
    x_field = dyn.input_field(net, x)
    state, _ = dyn.training_relaxation(net, x_field, label, rng=None)
    old = net.copy()
    s = state.s[0]
    stable = s[0] * (x_field[0] + s[0] @ old.j[0]) > 0.9 + 0.5
    apply_plasticity(net, state, x, x_field, label)
    assert np.all(net.j[0][net.mask_j[0] == 0] == 0) and np.all(net.w_in[net.mask_in == 0] == 0)
    # stable neurons only decay: w <- (1 - decay r) w with r the rate per coupling,
    # eta_j / sqrt(H rho_J) for J and eta_in lambda_x / sqrt(N rho_in) for W_in
    assert 10 < stable.sum() < 100
    sel = ~np.eye(100, dtype=bool) & stable[None, :]
    np.testing.assert_allclose(net.j[0][sel],
                               old.j[0][sel] * (1 - 0.01 * 0.005 / math.sqrt(30)), rtol=1e-6)
    np.testing.assert_allclose(net.w_in[:, stable],
                               old.w_in[:, stable] * (1 - 0.02 * 0.03 * 5 / math.sqrt(20)),
                               rtol=1e-6)


def test_step_matches_naive_implementation():
    """The optimised step (float32, incremental fields) equals the dense float64 one."""
    rng = np.random.default_rng(8)
    cfg = LearnerConfig(hidden=160, batch_size=8)
    net = init_network(cfg, 64, 10, rng=rng)
    ref = net.copy()
    mats = [m.astype(np.float64) for m in (ref.w_in, ref.j[0], ref.w_out, ref.w_back)]
    for _ in range(3):
        x = pm1(rng, (8, 64))
        y = rng.integers(0, 10, 8)
        train_step(net, x, y, rng=None)
        naive_train_step(*mats, x, y, cfg)
    for got, want in zip((net.w_in, net.j[0], net.w_out), mats[:3]):
        np.testing.assert_allclose(got, want, atol=1e-5)


# ----------------------------------------------------------------------------- training

def _run(cfg, ds, epochs, seed):
    return [(asdict(rec) | {"w": float(np.sum(net.w_out))}) for net, rec in
            fit(cfg, ds, epochs, rng=np.random.default_rng(seed))]


def test_learns_prototypes_and_is_deterministic(protos):
    cfg = LearnerConfig(hidden=200)
    first = _run(cfg, protos, 3, seed=4)
    second = _run(cfg, protos, 3, seed=4)
    strip = lambda rs: [{k: v for k, v in r.items() if "seconds" not in k} for r in rs]
    assert strip(first) == strip(second)
    assert strip(_run(cfg, protos, 1, seed=5))[0] != strip(first)[0]
    # chance is 0.1; the prototype task is nearly separable
    assert first[-1]["test_accuracy"] > 0.85
    assert 0.0 <= first[-1]["stats"]["overlap"] <= 1.0


def test_deep_async_sparse_variants_learn(protos):
    """Two dense-coupled layers with asynchronous dynamics and sparse J, annealed feedback."""
    cfg = LearnerConfig(hidden=150, layers=2, interlayer="dense", dynamics="async",
                        density_j=0.5, anneal_free=True, back_final=0.5)
    recs = [rec for _, rec in fit(cfg, protos, 3, rng=np.random.default_rng(0))]
    assert recs[-1].test_accuracy > 0.5  # chance 0.1; one layer reaches ~0.89 here


def test_fit_yields_independent_snapshots(protos):
    cfg = LearnerConfig(hidden=60)
    nets = [net for net, _ in fit(cfg, protos, 3, rng=np.random.default_rng(2))]
    assert len({id(n) for n in nets}) == 3 and len({id(n.w_out) for n in nets}) == 3
    # the rule changed the weights between epochs, so the snapshots differ
    assert not np.array_equal(nets[0].w_out, nets[2].w_out)
    assert not np.array_equal(nets[0].j[0], nets[1].j[0])
    before = nets[0].w_in.copy()
    nets[1].w_in += 1.0  # editing one snapshot leaves the others alone
    np.testing.assert_array_equal(nets[0].w_in, before)
    # each snapshot is the network after its epoch: its test accuracy is the record's
    again = list(fit(cfg, protos, 3, rng=np.random.default_rng(2)))
    for net, rec in again[:1] + again[2:]:
        assert accuracy(net, protos.x_test, protos.y_test) == rec.test_accuracy


def _numbers(records):
    return [(r.epoch, r.train_accuracy, r.test_accuracy, r.stats) for r in records]


@pytest.mark.parametrize("model", MODELS)
def test_train_model_is_the_direct_pipeline(protos, model):
    """train_model(model) gives the numbers of the functions it selects, with the seed
    streams the `learn` command has always used (same seeds, same numbers as before)."""
    cfg = LearnerConfig(hidden=50, batch_size=20)
    run = train_model(model, protos, 2, config=cfg, rng=np.random.default_rng(7))
    got = _numbers(run.records)
    if model == "steer":
        want = [rec for _, rec in fit(cfg, protos, 2, rng=np.random.default_rng(7))]
    elif model == "mlp":
        want = [rec for _, rec in bl.fit_mlp(bl.MLPConfig(hidden=50, batch_size=20), protos, 2,
                                             rng=np.random.default_rng(7))]
        assert run.info["mlp"]["hidden"] == 50
    else:
        net_seq, dyn_seq, fit_seq = np.random.SeedSequence(7).spawn(3)
        if model == "reservoir":
            dyn = np.random.default_rng(dyn_seq)
            tr, settled = bl.reservoir_features(cfg, protos.x_train,
                                                net_rng=np.random.default_rng(net_seq),
                                                dyn_rng=dyn)
            te, _ = bl.reservoir_features(cfg, protos.x_test,
                                          net_rng=np.random.default_rng(net_seq), dyn_rng=dyn)
            assert run.info["settled_fraction_train"] == settled
        else:
            tr, te = (bl.random_features(cfg, x, net_rng=np.random.default_rng(net_seq))
                      for x in (protos.x_train, protos.x_test))
        want = [rec for _, rec in bl.fit_readout(cfg, tr, protos.y_train, te, protos.y_test,
                                                 10, 2, rng=np.random.default_rng(fit_seq))]
    assert got == _numbers(want)
    assert got[-1][2] > 0.5  # chance 0.1: every model learns the prototypes
    with pytest.raises(ValueError, match="model"):
        train_model("perceptron", protos, 1, config=cfg, rng=np.random.default_rng(0))


@pytest.mark.skipif(not MNIST_10K.is_dir(), reason="the shipped mnist-10k package data is missing")
def test_learns_real_digits():
    """Entangled MNIST, 800 train / 400 test digits, H = 400, 4 epochs: chance is 0.1."""
    ds = data.load_dataset("entangled-mnist", train_size=800, test_size=400)
    recs = [rec for _, rec in fit(LearnerConfig(hidden=400), ds, 4, rng=np.random.default_rng(0))]
    assert recs[-1].test_accuracy > 0.6
    assert recs[-1].train_accuracy > 0.7


# ----------------------------------------------------------------------------- baselines

def test_baselines_learn(protos):
    cfg = LearnerConfig(hidden=200)
    tr = bl.random_features(cfg, protos.x_train, net_rng=np.random.default_rng(1))
    te = bl.random_features(cfg, protos.x_test, net_rng=np.random.default_rng(1))
    np.testing.assert_array_equal(
        tr, _sign(protos.x_train @ init_network(cfg, 100, 2, rng=np.random.default_rng(1)).w_in))
    recs = [r for _, r in bl.fit_readout(cfg, tr, protos.y_train, te, protos.y_test, 10, 2,
                                         rng=np.random.default_rng(0))]
    assert recs[-1].test_accuracy > 0.8
    res_tr, settled = bl.reservoir_features(cfg, protos.x_train, net_rng=np.random.default_rng(1))
    assert 0.5 <= settled <= 1.0
    res_te, _ = bl.reservoir_features(cfg, protos.x_test, net_rng=np.random.default_rng(1))
    recs = [r for _, r in bl.fit_readout(cfg, res_tr, protos.y_train, res_te, protos.y_test, 10,
                                         2, rng=np.random.default_rng(0))]
    assert recs[-1].test_accuracy > 0.8
    recs = [r for _, r in bl.fit_mlp(bl.MLPConfig(hidden=200, activation="sign"), protos, 2,
                                     rng=np.random.default_rng(0))]
    assert recs[-1].test_accuracy > 0.8


@pytest.mark.parametrize("activation", ["relu", "tanh", "sign"])
def test_mlp_gradients(activation):
    """Backprop against central finite differences (float64). For 'sign' the output-layer
    gradients are exact and the straight-through input-layer gradient is the derivative of
    sum(G * hardtanh(x W1 + b1)) with G = dloss/dz held at the sign forward pass."""
    rng = np.random.default_rng(0)
    mlp = bl.init_mlp(bl.MLPConfig(hidden=12, activation=activation), 6, 4, rng=rng)
    for name in ("w1", "b1", "w2", "b2"):
        setattr(mlp, name, getattr(mlp, name).astype(np.float64) + 0.1)
    x, y = pm1(rng, (5, 6)), rng.integers(0, 4, 5)
    _, grads = bl.mlp_gradients(mlp, x, y)

    def loss():
        logits = mlp.logits(x)
        logits = logits - logits.max(1, keepdims=True)
        return float(np.mean(np.log(np.exp(logits).sum(1)) - logits[np.arange(5), y]))

    objectives = [loss] * 4
    if activation == "sign":
        z = mlp.hidden(x)[1]
        p = np.exp(z @ mlp.w2 + mlp.b2)
        p /= p.sum(1, keepdims=True)
        p[np.arange(5), y] -= 1
        g_z = p @ mlp.w2.T / 5

        def surrogate():
            return float(np.sum(g_z * np.clip(x @ mlp.w1 + mlp.b1, -1, 1)))

        objectives[:2] = [surrogate] * 2
    for p, g, objective in zip((mlp.w1, mlp.b1, mlp.w2, mlp.b2), grads, objectives):
        flat, gflat = p.reshape(-1), g.reshape(-1)
        for k in range(0, flat.size, max(flat.size // 7, 1)):
            keep = flat[k]
            flat[k] = keep + 1e-6
            up = objective()
            flat[k] = keep - 1e-6
            down = objective()
            flat[k] = keep
            assert (up - down) / 2e-6 == pytest.approx(gflat[k], abs=1e-6)


# ----------------------------------------------------------------------------- command

def test_learn_command_json(tmp_path):
    out = [tmp_path / "a.json", tmp_path / "b.json"]
    argv = ["learn", "--dataset", "prototypes", "--hidden", "64", "--epochs", "2",
            "--train-size", "300", "--test-size", "100", "--seed", "3", "--no-progress",
            "--theta", "1.1"]
    for path in out:
        assert cli.main(argv + ["--json", str(path)]) == 0
    a, b = (json.loads(p.read_text()) for p in out)
    assert a["config"]["theta"] == 1.1 and a["config"]["hidden"] == 64
    assert [e["test_accuracy"] for e in a["epochs"]] == [e["test_accuracy"] for e in b["epochs"]]
    assert len(a["epochs"]) == 2 and a["seconds_per_step"] > 0
    assert cli.main(["learn", "--dataset", "prototypes", "--hidden", "32", "--epochs", "1",
                     "--model", "reservoir", "--no-progress", "--validate", "200",
                     "--json", str(out[0])]) == 0
    res = json.loads(out[0].read_text())
    assert res["model"] == "reservoir" and res["dataset"]["n_test"] == 200


def test_learn_compare_matches_learn_and_resumes(tmp_path, capsys):
    """learn-compare: every (model, seed) run is `learn` with that seed; the table is the
    mean and standard error over the seeds; a second call reloads the finished runs."""
    flags = ["--dataset", "prototypes", "--hidden", "48", "--epochs", "2", "--train-size",
             "300", "--test-size", "100", "--no-progress"]
    store, out = tmp_path / "store.jsonl", tmp_path / "cmp.json"
    argv = ["learn-compare", "--models", "steer,random-features", "--seeds", "4,5",
            "--store", str(store), "--json", str(out)] + flags
    assert cli.main(argv) == 0
    report = json.loads(out.read_text())
    assert report["seeds"] == [4, 5] and report["dataset"]["n_train"] == 300
    for model in ("steer", "random-features"):
        single = tmp_path / f"{model}.json"
        assert cli.main(["learn", "--model", model, "--seed", "5", "--json", str(single)]
                        + flags) == 0
        want = [e["test_accuracy"] for e in json.loads(single.read_text())["epochs"]]
        runs = report["runs"][model]
        assert runs[1]["seed"] == 5 and runs[1]["test"] == want
        values = np.array([r["test"] for r in runs])
        summary = report["summary"][model]["test"]
        np.testing.assert_allclose(summary["mean"], values.mean(axis=0))
        np.testing.assert_allclose(summary["se"], values.std(axis=0, ddof=1) / math.sqrt(2))
    assert "mean +- SE over 2 seeds" in capsys.readouterr().out
    lines = store.read_text().splitlines()
    assert len(lines) == 4
    assert cli.main(argv) == 0  # everything reloaded: nothing appended, same report
    assert store.read_text().splitlines() == lines
    assert json.loads(out.read_text())["summary"] == report["summary"]
    with pytest.raises(ValueError, match="models"):
        cli.main(["learn-compare", "--models", "svm", "--store", str(store)] + flags)
