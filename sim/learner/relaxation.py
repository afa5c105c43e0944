"""Relaxation of the learner's network: forward warm-up, clamped and free phases, inference.

Zero-temperature dynamics s_i <- sign(h_i) with sign(0) = +1 (docs/model.md section 2), on a
batch of B inputs at once. A sweep updates the readout (only when the feedback is on, since
nothing else reads it) and then the hidden layers 1..L in order, each layer either

- synchronously: every neuron takes sign(h_i) of the fields before the sweep, each with
  probability p (``update_prob``), or
- asynchronously: one neuron at a time in a fresh random order, with the fields updated
  after every flip.

Fields are kept incrementally: the recurrent part J^l s^l of every layer is stored and
corrected after each sweep by the flipped neurons only, rec[b] += (s_new - s_old)_j J[j, :],
which costs O(#flips H) instead of O(B H^2); when many neurons flip (the first sweeps) a dense
float32 matrix product is used instead. The warm-up is one synchronous p = 1 sweep from s = 0
without feedback or label, i.e. a forward pass through the layers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from sim.learner.model import Network, recode_readout

# above this fraction of flipped neurons the field correction is one dense matrix product
_DENSE_FRACTION = 0.12


@dataclass
class State:
    """Dynamical state of a batch: hidden spins s[l] (B, H) float32 in {-1, 0, +1} (0 only
    before the warm-up), their recurrent fields rec[l] = s[l] @ J^l, and the readout y_hat
    (B, C) (refreshed only by sweeps with the feedback on)."""

    s: list[np.ndarray]
    rec: list[np.ndarray]
    y_hat: np.ndarray

    @property
    def batch(self) -> int:
        return int(self.s[0].shape[0])


@dataclass(frozen=True)
class PhaseStats:
    """Diagnostics of one training relaxation (means over the batch and hidden neurons).

    unstable_clamped: fraction with sign(h) != s at the end of the clamped phase (fields with
    feedback); unstable_free: the same at the end of the free phase (feedback-free fields);
    overlap: (1/H) s_clamped . s_free (1 = the free phase kept the clamped configuration);
    flips: neuron flips per sweep and per example, over the clamped and free sweeps.
    """

    unstable_clamped: float
    unstable_free: float
    overlap: float
    flips: float


def zero_state(net: Network, batch: int) -> State:
    h, L = net.config.hidden, net.config.layers
    return State([np.zeros((batch, h), np.float32) for _ in range(L)],
                 [np.zeros((batch, h), np.float32) for _ in range(L)],
                 np.zeros((batch, net.n_classes), np.float32))


def input_field(net: Network, x: np.ndarray) -> np.ndarray:
    """W_in x for a batch x (B, N) of +-1 inputs: (B, H) float32."""
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != net.n_inputs:
        raise ValueError(f"x must have shape (B, {net.n_inputs}), got {x.shape}")
    return x.astype(np.float32) @ net.w_in


def external_field(net: Network, state: State, layer: int, x_field: np.ndarray,
                   feedback: float) -> np.ndarray:
    """Field on hidden layer ``layer`` (0-based) from everything but its own J: input (first
    layer), neighbouring layers, and ``feedback`` * W_back r(y_hat) (last layer, or every
    layer with ``feedback_to="all"``)."""
    cfg = net.config
    last = cfg.layers - 1
    e = x_field.copy() if layer == 0 else np.zeros_like(state.s[layer])
    for other, mats in ((layer - 1, net.forward), (layer + 1, net.backward)):
        if 0 <= other <= last:
            if cfg.interlayer == "identity":
                e += np.float32(cfg.lambda_layers) * state.s[other]
            else:
                e += state.s[other] @ mats[layer]
    if (layer == last or cfg.feedback_to == "all") and feedback != 0.0:
        e += np.float32(feedback) * (recode_readout(state.y_hat) @ net.w_back)
    return e


def readout_field(net: Network, s_last: np.ndarray) -> np.ndarray:
    """W_out s^L: (B, C) float32."""
    return s_last @ net.w_out


def sweep(net: Network, state: State, x_field: np.ndarray, *, feedback: float,
          label: np.ndarray | None, rng: np.random.Generator | None,
          warmup: bool = False) -> int:
    """One sweep over the readout and the hidden layers; returns the number of flips.

    label: (B, C) +-1 clamp added to the readout field with strength lambda_y (or None).
    ``warmup`` forces a synchronous p = 1 update (the forward pass from zero).
    """
    cfg = net.config
    if feedback != 0.0:
        out = readout_field(net, state.s[-1])
        if label is not None:
            out += np.float32(cfg.lambda_y) * label
        state.y_hat = np.where(out >= 0, 1.0, -1.0).astype(np.float32)
    flips = 0
    for layer in range(cfg.layers):
        e = external_field(net, state, layer, x_field, feedback)
        if warmup or cfg.dynamics == "sync":
            p = 1.0 if warmup else cfg.update_prob
            flips += _sync_update(net.j[layer], state.s[layer], state.rec[layer], e, p, rng)
        else:
            flips += _async_update(net.j[layer], state.s[layer], state.rec[layer], e, rng)
    return flips


def warm_up(net: Network, x_field: np.ndarray, *, rng: np.random.Generator | None) -> State:
    """Zero start, then ``warmup_sweeps`` forward sweeps without feedback or label."""
    state = zero_state(net, x_field.shape[0])
    for t in range(net.config.warmup_sweeps):
        sweep(net, state, x_field, feedback=0.0, label=None, rng=rng, warmup=(t == 0))
    return state


def unstable_fraction(net: Network, state: State, x_field: np.ndarray, feedback: float) -> float:
    """Fraction of hidden neurons with sign(h_i) != s_i under the given feedback strength."""
    bad = 0
    for layer in range(net.config.layers):
        h = external_field(net, state, layer, x_field, feedback) + state.rec[layer]
        bad += int(np.count_nonzero(np.where(h >= 0, 1.0, -1.0) != state.s[layer]))
    return bad / (state.batch * net.config.hidden * net.config.layers)


def training_relaxation(net: Network, x_field: np.ndarray, label: np.ndarray, *,
                        back_scale: float = 1.0,
                        rng: np.random.Generator | None) -> tuple[State, PhaseStats]:
    """Warm-up, T clamped sweeps (label and feedback lambda_back * back_scale on), T free
    sweeps (feedback off, or decreased linearly to zero with ``anneal_free``)."""
    cfg = net.config
    back = cfg.lambda_back * back_scale
    state = warm_up(net, x_field, rng=rng)
    flips = 0
    for _ in range(cfg.clamped_sweeps):
        flips += sweep(net, state, x_field, feedback=back, label=label, rng=rng)
    unstable_clamped = unstable_fraction(net, state, x_field, back)
    clamped = [s.copy() for s in state.s]
    for t in range(cfg.free_sweeps):
        fb = back * (1.0 - (t + 1) / cfg.free_sweeps) if cfg.anneal_free else 0.0
        flips += sweep(net, state, x_field, feedback=fb, label=label, rng=rng)
    unstable_free = unstable_fraction(net, state, x_field, 0.0)
    overlap = float(np.mean([np.mean(a * b) for a, b in zip(clamped, state.s)]))
    n_sweeps = max(cfg.clamped_sweeps + cfg.free_sweeps, 1)
    stats = PhaseStats(unstable_clamped, unstable_free, overlap,
                       flips / (n_sweeps * state.batch))
    return state, stats


def relax_free(net: Network, x: np.ndarray, *, rng: np.random.Generator | None = None,
               sweeps: int | None = None) -> State:
    """Inference relaxation: warm-up, then ``sweeps`` (default ``config.relax_sweeps``) sweeps
    with neither feedback nor label. ``rng`` is needed by the asynchronous dynamics and by the
    synchronous one with p < 1."""
    x_field = input_field(net, x)
    state = warm_up(net, x_field, rng=rng)
    for _ in range(net.config.relax_sweeps if sweeps is None else sweeps):
        sweep(net, state, x_field, feedback=0.0, label=None, rng=rng)
    return state


def predict(net: Network, x: np.ndarray, *, rng: np.random.Generator | None = None,
            chunk: int = 1000) -> np.ndarray:
    """Class predictions argmax_c (W_out s^L)_c after the free relaxation, in chunks of rows."""
    if chunk < 1:
        raise ValueError(f"chunk must be >= 1, got {chunk}")
    out = np.empty(len(x), dtype=np.int64)
    for start in range(0, len(x), chunk):
        state = relax_free(net, x[start:start + chunk], rng=rng)
        out[start:start + chunk] = np.argmax(readout_field(net, state.s[-1]), axis=1)
    return out


# ----------------------------------------------------------------------------- updates

def _need_rng(rng):
    if rng is None:
        raise ValueError("rng is required by the asynchronous dynamics and by p < 1")
    return rng


def _sync_update(k: np.ndarray, s: np.ndarray, rec: np.ndarray, e: np.ndarray, p: float,
                 rng: np.random.Generator | None) -> int:
    batch, h = s.shape
    u = (_need_rng(rng).random((batch, h), dtype=np.float32) if p < 1.0
         else np.empty((0, 0), np.float32))
    delta = np.empty_like(s)
    idx = np.empty((batch, h), np.int32)
    counts = _sync_choose(e, rec, s, u, np.float32(p), delta, idx)
    total = int(counts.sum())
    if total > _DENSE_FRACTION * batch * h:
        rec += delta @ k
    elif total:
        _apply_flips(rec, k, delta, idx, counts)
    return total


def _async_update(k: np.ndarray, s: np.ndarray, rec: np.ndarray, e: np.ndarray,
                  rng: np.random.Generator | None) -> int:
    batch, h = s.shape
    order = _need_rng(rng).permuted(np.broadcast_to(np.arange(h, dtype=np.int32), (batch, h)),
                                    axis=1)
    return int(_async_sweep(e, rec, s, k, order).sum())


@numba.njit(cache=True)
def _sync_choose(e, rec, s, u, p, delta, idx):
    """New s = sign(e + rec) where u < p (all if u is empty); delta = s_new - s_old; the
    changed neurons of row b listed in idx[b, :counts[b]]."""
    batch, h = s.shape
    counts = np.zeros(batch, np.int64)
    use_u = u.shape[0] > 0
    for b in range(batch):
        n = 0
        for i in range(h):
            new = np.float32(1.0) if e[b, i] + rec[b, i] >= 0 else np.float32(-1.0)
            d = new - s[b, i]
            if d != 0 and (not use_u or u[b, i] < p):
                delta[b, i] = d
                s[b, i] = new
                idx[b, n] = i
                n += 1
            else:
                delta[b, i] = 0
        counts[b] = n
    return counts


@numba.njit(cache=True)
def _apply_flips(rec, k, delta, idx, counts):
    """rec[b] += delta[b, i] k[i] for the listed neurons i of every row b."""
    h = rec.shape[1]
    for b in range(rec.shape[0]):
        for n in range(counts[b]):
            i = idx[b, n]
            d = delta[b, i]
            for t in range(h):
                rec[b, t] += d * k[i, t]


@numba.njit(cache=True)
def _async_sweep(e, rec, s, k, order):
    """Asynchronous sweep of every row in its own order, fields corrected after each flip."""
    batch, h = s.shape
    counts = np.zeros(batch, np.int64)
    for b in range(batch):
        n = 0
        for m in range(h):
            i = order[b, m]
            new = np.float32(1.0) if e[b, i] + rec[b, i] >= 0 else np.float32(-1.0)
            d = new - s[b, i]
            if d != 0:
                s[b, i] = new
                for t in range(h):
                    rec[b, t] += d * k[i, t]
                n += 1
        counts[b] = n
    return counts
