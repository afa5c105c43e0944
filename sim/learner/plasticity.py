"""Margin-perceptron plasticity at the reached configuration (docs/model.md section 6, step 4).

With the feedback-free fields h (the label clamp and W_back r(y_hat) excluded):

- hidden neuron i of a batch example is unstable if s_i h_i <= theta + J_D (h contains the
  self-coupling term J_D s_i, so this is s_i (h_i - J_D s_i) <= theta);
- readout unit c is unstable if y_c (W_out s^L)_c <= theta_out (y the +-1 label);
- every learned incoming weight of a unit i moves by
      w_ji <- (1 - decay r) w_ji + r / sqrt(B) sum_b s_i^b s_j^b [unstable_i^b]
  with s_j the pre-synaptic state (x_j for W_in). The rate per coupling r is the learning
  rate in units of the matrix's initial coupling scale (arXiv:2509.05041 code):
  r = eta_j / sqrt(H rho_J) for J, eta_out / sqrt(H) for W_out,
  eta_in lambda_x / sqrt(N rho_in) for W_in, eta_layers / sqrt(H) for learned inter-layer
  matrices, so the rates stay right when H, N or lambda_x change. The decay is relative to
  r (``decay`` for J, W_out and inter-layer matrices, ``decay_in`` for W_in), i.e. it shrinks
  every coupling by the same fraction of its own learning rate per step. The diagonal J_D and
  absent (sparse) couplings stay fixed.

Each update is one in-place float32 BLAS call, w^T <- beta w^T + alpha post^T pre, so the
decay and the rank-B increment cost one pass over the matrix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg.blas import sgemm

from sim.learner.model import LearnerConfig, Network
from sim.learner.relaxation import State, external_field


@dataclass(frozen=True)
class PlasticityStats:
    """Fractions of hidden neurons and readout units (over the batch) that were unstable."""

    hidden: float
    readout: float


def rank_update(w: np.ndarray, pre: np.ndarray, post: np.ndarray, alpha: float,
                beta: float) -> None:
    """In place: w <- beta w + alpha pre^T post, w (n_pre, n_post) C-contiguous float32,
    pre (B, n_pre), post (B, n_post)."""
    if w.dtype != np.float32 or not w.flags.c_contiguous:
        raise ValueError("w must be a C-contiguous float32 array")
    pre = np.ascontiguousarray(pre, np.float32)
    post = np.ascontiguousarray(post, np.float32)
    out = sgemm(alpha, post.T, pre.T, beta=beta, c=w.T, trans_b=1, overwrite_c=1)
    if not np.shares_memory(out, w):  # never expected: BLAS could not work in place
        w[...] = out.T


def hidden_unstable(s: np.ndarray, h: np.ndarray, theta: float, jd: float) -> np.ndarray:
    """Mask s_i h_i <= theta + J_D (h including J_D s_i)."""
    return s * h <= np.float32(theta + jd)


def readout_unstable(y: np.ndarray, field: np.ndarray, theta_out: float) -> np.ndarray:
    """Mask y_c field_c <= theta_out."""
    return y * field <= np.float32(theta_out)


def _rates(rate: float, batch: int, decay: float) -> tuple[float, float]:
    """(alpha, beta) of the update w <- beta w + alpha pre^T post for the rate per coupling
    r: alpha = r / sqrt(B), beta = 1 - decay r."""
    return rate / math.sqrt(batch), 1.0 - decay * rate


def readout_update(w_out: np.ndarray, s_last: np.ndarray, label: np.ndarray,
                   config: LearnerConfig, eta_scale: float = 1.0) -> float:
    """Margin-perceptron step of the readout on states s_last (B, H) with +-1 labels (B, C),
    learning rate eta_out * eta_scale; returns the fraction of unstable readout units. Used
    by the learner and the baselines."""
    batch, h = s_last.shape
    mask = readout_unstable(label, s_last @ w_out, config.theta_out)
    rank_update(w_out, s_last, label * mask,
                *_rates(config.eta_out * eta_scale / math.sqrt(h), batch, config.decay))
    return float(mask.mean())


def apply_plasticity(net: Network, state: State, x: np.ndarray, x_field: np.ndarray,
                     label: np.ndarray, eta_scale: float = 1.0) -> PlasticityStats:
    """Update W_in, J^l, learned inter-layer matrices and W_out in place at ``state``, every
    learning rate multiplied by ``eta_scale`` (the optional schedule of the training loop).

    All masks are computed from the fields before any weight changes."""
    cfg = net.config
    batch = state.batch
    posts = []
    for layer in range(cfg.layers):
        h = external_field(net, state, layer, x_field, 0.0) + state.rec[layer]
        posts.append(state.s[layer] * hidden_unstable(state.s[layer], h, cfg.theta, cfg.jd))
    out_frac = readout_update(net.w_out, state.s[-1], label, cfg, eta_scale)
    hidden_frac = float(np.mean([np.count_nonzero(p) for p in posts])) / (batch * cfg.hidden)
    n = net.n_inputs
    rate_in = cfg.eta_in * cfg.lambda_x / math.sqrt(n * cfg.density_in)
    rank_update(net.w_in, x, posts[0], *_rates(rate_in * eta_scale, batch, cfg.decay_in))
    if net.mask_in is not None:
        net.w_in *= net.mask_in
    for layer, post in enumerate(posts):
        j = net.j[layer]
        rank_update(j, state.s[layer], post,
                    *_rates(cfg.eta_j * eta_scale / math.sqrt(cfg.hidden * cfg.density_j),
                            batch, cfg.decay))
        if net.mask_j is not None:
            j *= net.mask_j[layer]
        np.fill_diagonal(j, cfg.jd)
        for other, mats in ((layer - 1, net.forward), (layer + 1, net.backward)):
            if mats[layer] is not None:
                rank_update(mats[layer], state.s[other], post,
                            *_rates(cfg.eta_layers * eta_scale / math.sqrt(cfg.hidden), batch,
                                    cfg.decay))
    return PlasticityStats(hidden_frac, out_frac)
