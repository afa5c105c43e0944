r"""Compiled inner loop of the local-entropy site integral (:func:`theory.local_entropy._site`).

On the product grid m_i x z_j (nodes with log weights ``log_wm``, ``log_wz``), with
h_j = H + sqrt(q_hat) z_j, x+- = (J_D +- m)/eps, r = phi/Phi (the hazard):

.. math:: \ell = \ln[\Phi(x_+) + e^{-2h}\Phi(x_-)],\quad
          \pi = \frac{e^{-2h}\Phi(x_-)}{e^{\ell}},\quad
          \partial_m\ell = \frac{(1-\pi)r(x_+) - \pi r(x_-)}{\epsilon},

and the weight :math:`w_{ij} \propto e^{\ln w_m + \ln w_z + y(\ell - \ell_0)}`,
:math:`\ell_0 = \ln(1 + e^{-2H})`. :math:`\ell - \ell_0` is formed without cancellation:
:math:`\ln(1 - Q) + \ln(1 + e^{-2h}) - \ell_0`, Q = (1 - pi_h)Phi(-x+) + pi_h Phi(-x-),
pi_h = 1/(1 + e^{2h}), through log1p where Q < 1/2 (derivation: LOCAL_ENTROPY.md section
10). :func:`_tilted_terms` stores the log weights, pi and l - l_0 of every node and finds the
largest log weight; :func:`_site_sums` accumulates the normalised averages from them and
:func:`_site_jacobian_sums` also the blocks of their derivatives.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import prange

# indices of the returned sums
LOG_NORM, PI, VAR, GRAD2, ELL_REL, SPIN, FIELD, CROSS = range(8)


_NEGLIGIBLE = 50.0  # log weights this far below the largest are dropped (e^-50 = 2e-22)


@numba.njit(cache=True)
def _log1m(q):
    """ln(1 - q): its Taylor series below 1e-4 (relative error < q^4/5), log1p above."""
    if q < 1e-4:
        return -q * (1.0 + q * (0.5 + q * (1.0 / 3.0 + 0.25 * q)))
    return math.log1p(-q)


@numba.njit(cache=True)
def _ell_rel(i, odds, e, pi_h, soft, shift, log_keep, tail_p, tail_m):
    """l - l_0 at one node from odds = ln(flip/keep), e = exp(-|odds|) (module docstring)."""
    q = (1.0 - pi_h) * tail_p[i] + pi_h * tail_m[i]
    if q < 0.5:
        return _log1m(q) + shift
    return log_keep[i] + math.log1p(e) + max(odds, 0.0) - soft + shift


@numba.njit(cache=True, parallel=True)
def _tilted_terms(log_keep, log_flip, tail_p, tail_m, log_wm, h, shift, log_wz, y):
    """Per node (z_j, m_i): the log weight ln w_m + ln w_z + y (l - l_0), pi and l - l_0
    (zeros and -inf for the nodes skipped as negligible), and the largest log weight (NaN if
    any log weight is NaN)."""
    n_m, n_z = log_keep.size, h.size
    log_w = np.empty((n_z, n_m))
    pis = np.zeros((n_z, n_m))
    ells = np.zeros((n_z, n_m))
    tops = np.full(n_z, -np.inf)
    bad = np.zeros(n_z, dtype=np.bool_)
    first = int(np.argmax(log_wm))
    for j in prange(n_z):
        pi_h = 1.0 / (1.0 + math.exp(2.0 * h[j]))
        soft = math.log1p(math.exp(-2.0 * abs(h[j]))) + max(-2.0 * h[j], 0.0)
        # l - l_0 <= shift[j] (ln(1 - Q) <= 0): a bound on every log weight of the row;
        # the exact log weight at the node with the largest bound is a floor for the row's
        # maximum, and nodes whose bound is _NEGLIGIBLE below it are not evaluated
        base = log_wz[j] + y * shift[j]
        odds = log_flip[first] - log_keep[first] - 2.0 * h[j]
        e = math.exp(-abs(odds))
        floor = log_wm[first] + log_wz[j] + y * _ell_rel(first, odds, e, pi_h, soft, shift[j],
                                                         log_keep, tail_p, tail_m)
        for i in range(n_m):
            if log_wm[i] + base < floor - _NEGLIGIBLE:
                log_w[j, i] = -np.inf
                continue
            odds = log_flip[i] - log_keep[i] - 2.0 * h[j]
            e = math.exp(-abs(odds))
            ell = _ell_rel(i, odds, e, pi_h, soft, shift[j], log_keep, tail_p, tail_m)
            lw = log_wm[i] + log_wz[j] + y * ell
            bad[j] |= math.isnan(lw)
            log_w[j, i] = lw
            pis[j, i] = 1.0 / (1.0 + e) if odds >= 0.0 else e / (1.0 + e)
            ells[j, i] = ell
            tops[j] = max(tops[j], lw)
    return log_w, pis, ells, np.nan if bad.any() else tops.max()


@numba.njit(cache=True)
def _normalised(partial, top):
    """Row sums of ``partial`` (column 0: the weights, the others: weighted terms) as
    averages, column 0 replaced by the log norm top + ln(sum of weights)."""
    out = partial.sum(axis=0)
    total = out[0]
    out[1:] /= total
    out[LOG_NORM] = top + math.log(total)
    return out


@numba.njit(cache=True, parallel=True)
def _site_sums(log_w, pis, ells, top, rp, rm, xp, xm, eps, d, replicon):
    """log norm and the averages <pi>, <(pi-d)^2>, <(d_m l)^2>, <l - l_0> (and with
    ``replicon`` <(d_h^2 l)^2>, <(d_m^2 l)^2>, <(d_h d_m l)^2>) from :func:`_tilted_terms`."""
    if math.isnan(top):
        return np.full(8, np.nan)
    n_z, n_m = log_w.shape
    partial = np.zeros((n_z, 8))
    for j in prange(n_z):
        acc = partial[j]
        for i in range(n_m):
            if log_w[j, i] < top - _NEGLIGIBLE:
                continue
            w = math.exp(log_w[j, i] - top)
            pi = pis[j, i]
            grad = ((1.0 - pi) * rp[i] - pi * rm[i]) / eps
            acc[0] += w
            acc[PI] += w * pi
            acc[VAR] += w * (pi - d) * (pi - d)
            acc[GRAD2] += w * grad * grad
            acc[ELL_REL] += w * ells[j, i]
            if replicon:
                flip = pi * (1.0 - pi)
                d2_m = -((1.0 - pi) * xp[i] * rp[i] + pi * xm[i] * rm[i]) / (eps * eps) \
                    - grad * grad
                acc[SPIN] += w * (4.0 * flip) ** 2
                acc[FIELD] += w * d2_m * d2_m
                acc[CROSS] += w * (2.0 * flip * (rp[i] + rm[i]) / eps) ** 2
    return _normalised(partial, top)


# per-parameter blocks of _site_jacobian_sums: <d ln W>, <d pi>, <d (pi-d)^2>, <d g^2>, <d l>,
# <pi d ln W>, <(pi-d)^2 d ln W>, <g^2 d ln W>, <l d ln W>
_BLOCK = 9


@numba.njit(cache=True, parallel=True)
def _site_jacobian_sums(log_w, pis, ells, top, rp, rm, xp, xm, eps, d, y, dm, dref, dh, deps,
                        dell0):
    r"""The averages of _site_sums (log norm, pi, var, grad2, ell_rel) and, for each parameter
    k (rows of dm, dref, dh and entries of deps, dell0; the last one is ln y), the blocks
    needed for their derivatives: with per-node derivatives at fixed (t = m/sqrt(q1), z)

        d l = -2 pi dh + g dm + l_eps deps + dell0,   d pi = pi_h dh + pi_m dm + pi_eps deps,
        d g = g_h dh + g_m dm + g_eps deps,   d ln W = y d l + dref (+ y l for ln y),

    l_eps = -[(1-pi) x+ r+ + pi x- r-]/eps, pi_h = -2 pi(1-pi), pi_m = -pi(1-pi)(r+ + r-)/eps,
    pi_eps = pi(1-pi)(x+ r+ - x- r-)/eps, g_h = 2 pi(1-pi)(r+ + r-)/eps,
    g_m = l_eps/eps - g^2, g_eps = -g/eps + [-pi_eps (r+ + r-) + (1-pi) r+ (x+ + r+) x+/eps
    - pi r- (x- + r-) x-/eps]/eps (r' = -r (x + r))."""
    n_z, n_m = log_w.shape
    n_k = deps.size
    if math.isnan(top):
        return np.full(5 + _BLOCK * n_k, np.nan)
    partial = np.zeros((n_z, 5 + _BLOCK * n_k))
    for j in prange(n_z):
        acc = partial[j]
        for i in range(n_m):
            if log_w[j, i] < top - _NEGLIGIBLE:
                continue
            w = math.exp(log_w[j, i] - top)
            pi, ell = pis[j, i], ells[j, i]
            flip = pi * (1.0 - pi)
            rs = rp[i] + rm[i]
            g = ((1.0 - pi) * rp[i] - pi * rm[i]) / eps
            l_eps = -((1.0 - pi) * xp[i] * rp[i] + pi * xm[i] * rm[i]) / eps
            pi_dh, pi_dm = -2.0 * flip, -flip * rs / eps
            pi_de = flip * (xp[i] * rp[i] - xm[i] * rm[i]) / eps
            g_dh, g_dm = 2.0 * flip * rs / eps, l_eps / eps - g * g
            g_de = (-g + (-pi_de * rs + (1.0 - pi) * rp[i] * (xp[i] + rp[i]) * xp[i] / eps
                          - pi * rm[i] * (xm[i] + rm[i]) * xm[i] / eps)) / eps
            dev2 = (pi - d) * (pi - d)
            acc[0] += w
            acc[1] += w * pi
            acc[2] += w * dev2
            acc[3] += w * g * g
            acc[4] += w * ell
            for k in range(n_k):
                d_ell = -2.0 * pi * dh[k, j] + g * dm[k, i] + l_eps * deps[k] + dell0[k]
                d_pi = pi_dh * dh[k, j] + pi_dm * dm[k, i] + pi_de * deps[k]
                d_g = g_dh * dh[k, j] + g_dm * dm[k, i] + g_de * deps[k]
                d_lw = y * d_ell + dref[k, i] + (y * ell if k == n_k - 1 else 0.0)
                b = 5 + _BLOCK * k
                acc[b] += w * d_lw
                acc[b + 1] += w * d_pi
                acc[b + 2] += w * 2.0 * (pi - d) * d_pi
                acc[b + 3] += w * 2.0 * g * d_g
                acc[b + 4] += w * d_ell
                acc[b + 5] += w * pi * d_lw
                acc[b + 6] += w * dev2 * d_lw
                acc[b + 7] += w * g * g * d_lw
                acc[b + 8] += w * ell * d_lw
    return _normalised(partial, top)
