"""Multi-layer learner (L >= 2, one-to-one and learned inter-layer couplings) against a dense
float64 recomputation of the whole step, and the trained network as one coupling matrix for
the instance tools (issue 11 item 1, issue 15 item 4)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim
from sim.learner import LearnerConfig, init_network, labels_pm1, train_step
from sim.learner import relaxation as dyn
from sim.learner.plasticity import apply_plasticity


def pm1(rng, shape):
    return np.where(rng.random(shape) < 0.5, 1, -1).astype(np.int8)


def _sign(h):
    return np.where(h >= 0, 1.0, -1.0)


class DenseLearner:
    """The synchronous (p = 1) L-layer learner written as plain float64 numpy: every field
    recomputed from scratch, every matrix receiver-first (h = M s), layers swept in order
    from the latest neighbours, the readout first when the feedback is on."""

    def __init__(self, net):
        cfg = net.config
        self.cfg = cfg
        self.w_in = net.w_in.T.astype(np.float64)
        self.j = [a.T.astype(np.float64) for a in net.j]
        self.fwd = [None if a is None else a.T.astype(np.float64) for a in net.forward]
        self.bwd = [None if a is None else a.T.astype(np.float64) for a in net.backward]
        self.w_out = net.w_out.T.astype(np.float64)
        self.w_back = net.w_back.T.astype(np.float64)

    def field(self, s, l, x, feedback=0.0, y_hat=None):
        """Field on layer l (B, H) including J_D s^l, without the readout."""
        cfg, L = self.cfg, self.cfg.layers
        h = s[l] @ self.j[l].T + (x @ self.w_in.T if l == 0 else 0.0)
        if l > 0:
            h = h + (cfg.lambda_layers * s[l - 1] if self.fwd[l] is None
                     else s[l - 1] @ self.fwd[l].T)
        if l < L - 1:
            h = h + (cfg.lambda_layers * s[l + 1] if self.bwd[l] is None
                     else s[l + 1] @ self.bwd[l].T)
        if (l == L - 1 or cfg.feedback_to == "all") and feedback:
            c = self.w_out.shape[0]
            r = np.where(y_hat > 0, math.sqrt(c) / 2, -0.5)
            h = h + feedback * (r @ self.w_back.T)
        return h

    def sweep(self, s, x, feedback=0.0, label=None):
        y_hat = (_sign(s[-1] @ self.w_out.T + self.cfg.lambda_y * label) if feedback
                 else None)
        for l in range(self.cfg.layers):
            s[l] = _sign(self.field(s, l, x, feedback, y_hat))

    def relaxation(self, x, label):
        """Warm-up from zero, T clamped and T free sweeps; returns (clamped, free) states."""
        cfg = self.cfg
        s = [np.zeros((len(x), cfg.hidden)) for _ in range(cfg.layers)]
        for _ in range(cfg.warmup_sweeps):
            self.sweep(s, x)
        for _ in range(cfg.clamped_sweeps):
            self.sweep(s, x, cfg.lambda_back, label)
        clamped = [a.copy() for a in s]
        for _ in range(cfg.free_sweeps):
            self.sweep(s, x)
        return clamped, s

    def step(self, x, y):
        cfg, b = self.cfg, len(x)
        x = x.astype(np.float64)
        label = labels_pm1(y, self.w_out.shape[0]).astype(np.float64)
        _, s = self.relaxation(x, label)
        posts = [s[l] * (s[l] * self.field(s, l, x) <= cfg.theta + cfg.jd)
                 for l in range(cfg.layers)]
        post_out = label * (label * (s[-1] @ self.w_out.T) <= cfg.theta_out)

        def update(m, post, pre, rate, decay=cfg.decay):
            # rate per coupling r (in units of the initial scale), decay relative to r
            m *= 1.0 - rate * decay
            m += rate / math.sqrt(b) * post.T @ pre

        h = math.sqrt(cfg.hidden)
        update(self.w_in, posts[0], x, cfg.eta_in * cfg.lambda_x / math.sqrt(x.shape[1]),
               cfg.decay_in)
        update(self.w_out, post_out, s[-1], cfg.eta_out / h)
        for l in range(cfg.layers):
            update(self.j[l], posts[l], s[l], cfg.eta_j / h)
            np.fill_diagonal(self.j[l], cfg.jd)
            if self.fwd[l] is not None:
                update(self.fwd[l], posts[l], s[l - 1], cfg.eta_layers / h)
            if self.bwd[l] is not None:
                update(self.bwd[l], posts[l], s[l + 1], cfg.eta_layers / h)
        return posts

    def matrices(self):
        return [self.w_in, *self.j, *(a for a in self.fwd + self.bwd if a is not None),
                self.w_out]


def _learned(net):
    """The learned matrices in the order of DenseLearner.matrices, receiver first."""
    return [a.T for a in [net.w_in, *net.j,
                          *(a for a in net.forward + net.backward if a is not None),
                          net.w_out]]


CASES = [(2, "identity", 1.0, "last"), (3, "identity", 0.5, "last"), (2, "dense", 1.0, "last"),
         (3, "dense", 2.0, "last"), (3, "dense", 1.0, "all")]


@pytest.mark.parametrize("layers,interlayer,lam,feedback_to", CASES)
def test_deep_relaxation_matches_dense_recomputation(layers, interlayer, lam, feedback_to):
    """Clamped and free phases of L >= 2 layers equal the dense float64 sweeps."""
    rng = np.random.default_rng(layers)
    cfg = LearnerConfig(hidden=90, layers=layers, interlayer=interlayer, lambda_layers=lam,
                        lambda_x=2.0, feedback_to=feedback_to)
    net = init_network(cfg, 40, 4, rng=rng)
    x = pm1(rng, (8, 40))
    label = labels_pm1(rng.integers(0, 4, 8), 4)
    state, stats = dyn.training_relaxation(net, dyn.input_field(net, x), label, rng=None)
    clamped, free = DenseLearner(net).relaxation(x.astype(np.float64), label)
    for l in range(layers):
        np.testing.assert_array_equal(state.s[l], free[l])
    overlap = np.mean([np.mean(a * b) for a, b in zip(clamped, free)])
    assert stats.overlap == pytest.approx(overlap, abs=1e-6)


@pytest.mark.parametrize("layers,interlayer,lam,feedback_to", CASES)
def test_deep_step_matches_dense_recomputation(layers, interlayer, lam, feedback_to):
    """Three training steps: every learned matrix (W_in, each J^l, the inter-layer matrices,
    W_out) equals the dense float64 step, and the fixed ones do not move."""
    rng = np.random.default_rng(10 + layers)
    cfg = LearnerConfig(hidden=80, layers=layers, interlayer=interlayer, lambda_layers=lam,
                        batch_size=8, lambda_x=3.0, feedback_to=feedback_to)
    net = init_network(cfg, 50, 5, rng=rng)
    ref = DenseLearner(net)
    back = net.w_back.copy()
    for _ in range(3):
        x = pm1(rng, (8, 50))
        y = rng.integers(0, 5, 8)
        train_step(net, x, y, rng=None)
        ref.step(x, y)
    for got, want in zip(_learned(net), ref.matrices()):
        np.testing.assert_allclose(got, want, atol=2e-5)
    np.testing.assert_array_equal(net.w_back, back)
    for l in range(layers):
        assert np.all(np.diag(net.j[l]) == np.float32(cfg.jd))


@pytest.mark.parametrize("interlayer", ["identity", "dense"])
def test_deep_plasticity_touches_exactly_unstable_neurons(interlayer):
    """B = 1: the incoming weights of hidden neuron (l, i) -- its row of J^l, of the learned
    inter-layer matrices into l and (l = 1) of W_in -- change iff s_i h_i <= theta + J_D with
    the feedback-free field of the whole chain, in every layer."""
    rng = np.random.default_rng(4)
    cfg = LearnerConfig(hidden=120, layers=3, interlayer=interlayer, decay=0.0, lambda_x=1.5)
    net = init_network(cfg, 30, 3, rng=rng)
    x = pm1(rng, (1, 30))
    label = labels_pm1(np.array([1]), 3)
    x_field = dyn.input_field(net, x)
    state, _ = dyn.training_relaxation(net, x_field, label, rng=None)
    old = net.copy()
    s = [a.astype(np.float64) for a in state.s]
    unstable = [s[l] * DenseLearner(old).field(s, l, x.astype(np.float64)) <= 0.9 + cfg.jd
                for l in range(3)]
    apply_plasticity(net, state, x, x_field, label)
    for l in range(3):
        assert 0 < unstable[l].sum() < 120  # both kinds present in every layer
        changed = np.any(net.j[l] != old.j[l], axis=0)
        np.testing.assert_array_equal(changed, unstable[l][0])
        for mats, olds in ((net.forward, old.forward), (net.backward, old.backward)):
            if mats[l] is not None:
                np.testing.assert_array_equal(np.any(mats[l] != olds[l], axis=0),
                                              unstable[l][0])
    np.testing.assert_array_equal(np.any(net.w_in != old.w_in, axis=0), unstable[0][0])


# ----------------------------------------------------------------------------- instance tools

def _trained(layers, interlayer, hidden, n_inputs=12, steps=30, seed=0):
    rng = np.random.default_rng(seed)
    cfg = LearnerConfig(hidden=hidden, layers=layers, interlayer=interlayer, lambda_x=2.0,
                        batch_size=4)
    net = init_network(cfg, n_inputs, 2, rng=rng)
    x = pm1(rng, (16, n_inputs))
    y = rng.integers(0, 2, 16)
    for k in range(steps):
        idx = rng.permutation(16)[:4]
        train_step(net, x[idx], y[idx], rng=None)
    return net, x


def _state(net, rows):
    """A learner State holding given hidden configurations (B, L H) of +-1."""
    h = net.config.hidden
    s = [np.ascontiguousarray(rows[:, l * h:(l + 1) * h], dtype=np.float32)
         for l in range(net.config.layers)]
    return dyn.State(s, [a @ j for a, j in zip(s, net.j)],
                     np.zeros((len(rows), net.n_classes), np.float32))


@pytest.mark.parametrize("layers,interlayer", [(1, "identity"), (2, "identity"), (3, "dense")])
def test_coupling_matrix_gives_the_learners_fields_and_fixed_points(layers, interlayer):
    """On a trained network: sim.stabilities of the chain matrix with the input unit equal
    s_i h_i of the learner's feedback-free fields; sim.is_fixed_point agrees with the learner's
    own test (no unstable hidden neuron); sim.relax from the learner's end state stops at
    once where the learner says fixed point, and otherwise ends in a state the learner's test
    accepts."""
    from sim.learner.instance import chain_states, with_input

    net, x = _trained(layers, interlayer, hidden=40)
    np.testing.assert_array_equal(net.coupling_matrix(layers - 1), net.j[-1].T)
    state = dyn.relax_free(net, x)
    x_field = dyn.input_field(net, x)
    rows = chain_states(state)
    n = layers * 40
    learner_fp = []
    for b in range(len(x)):
        m = with_input(net, x[b])
        h = np.concatenate([dyn.external_field(net, state, l, x_field, 0.0)[b]
                            + state.rec[l][b] for l in range(layers)])
        np.testing.assert_allclose(sim.stabilities(m, rows[b])[:n], rows[b, :n] * h,
                                   atol=1e-4)
        one = _state(net, rows[b:b + 1, :n])
        learner_fp.append(dyn.unstable_fraction(net, one, x_field[b:b + 1], 0.0) == 0)
        assert sim.is_fixed_point(m, rows[b]) == learner_fp[-1]
        run = sim.relax(m, rows[b], rng=np.random.default_rng(b))
        assert run.converged and run.state[n] == 1
        if learner_fp[-1]:
            assert run.sweeps == 0
        else:
            after = _state(net, run.state[None, :n].astype(np.float32))
            assert dyn.unstable_fraction(net, after, x_field[b:b + 1], 0.0) == 0
    assert any(learner_fp)


def test_enumerated_fixed_points_are_the_learners():
    """L = 2 layers of H = 5 (dense inter-layer matrices), after training: the fixed points of
    the chain matrix with the input unit at +1 (sim.enumerate_fixed_points, first half) are
    exactly the hidden configurations the learner's own test accepts, found by brute force
    over all 2^10 of them."""
    from sim.learner.instance import with_input

    net, x = _trained(2, "dense", hidden=5, steps=20, seed=3)
    x_field = dyn.input_field(net, x[:1])
    codes = np.arange(2 ** 10)
    rows = np.where((codes[:, None] >> np.arange(10)) & 1, 1.0, -1.0).astype(np.float32)
    ok = [dyn.unstable_fraction(net, _state(net, r[None]), x_field, 0.0) == 0 for r in rows]
    brute = {tuple(r.astype(int)) for r, good in zip(rows, ok) if good}
    fps = sim.enumerate_fixed_points(with_input(net, x[0]))
    mine = {tuple(r[:10].astype(int)) for r in fps[:len(fps) // 2]}
    assert np.all(fps[:len(fps) // 2, 10] == 1)
    assert mine == brute and len(brute) > 0
