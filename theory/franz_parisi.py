r"""Franz-Parisi potential around a typical fixed point and the overlap gap.

The annealed potential counts fixed points at overlap q (Hamming fraction d = (1-q)/2)
from a typical (planted) fixed point:

.. math:: V(q) = \Sigma_2(q) - \Sigma = H_2(d) + (1-d)\ln\frac{P_2(J_D;q)}{\Phi(J_D)}
          + d\ln\frac{P_2(J_D;-q)}{\Phi(J_D)}.

V(0) = Sigma > 0, while V < 0 on (q_gap, 1) for every finite J_D: typical fixed points are
isolated (overlap-gap property). The functions work internally with d and 1 - d so that
distances far below the double-precision resolution of q (d << 1e-16) stay accurate.

The *quenched-reference* potential is an upper bound on the typical count that is tighter
than V: it keeps the reference's own stabilities :math:`u_i` (i.i.d. N(0,1) truncated to
:math:`u > -J_D`) fixed and averages only the rest of the couplings. Flipping a set D of
dN spins moves a kept site's stability to :math:`q u + s\xi` and a flipped one's to
:math:`-(q u + s\xi)`, :math:`s = \sqrt{1-q^2} = 2\sqrt{d(1-d)}`, so with
:math:`b(u) = \Phi((J_D + qu)/s)`, :math:`a(u) = \Phi((J_D - qu)/s)`

.. math:: V_Q(d) = \min_\mu\ \mathbb{E}_u \ln\!\left[b(u) + e^{\mu} a(u)\right] - \mu d
          \ \le\ V(d)

(saddle point of the sum over sets D; Jensen gives the inequality).

References: S. Franz and G. Parisi, "Recipes for metastable states in spin glasses",
J. Phys. I France 5, 1401 (1995) (the potential); Badalotti, Baldassi, Mezard, Scardecchia,
Zecchina, arXiv:2509.05041, and Scardecchia, arXiv:2510.11984 (the overlap gap of these
networks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from theory._search import bisect_sign_change, golden_minimum
from theory.counting import (
    distance_and_overlap,
    free_fraction,
    overlap_and_distance,
    symmetric_terms,
)
from theory.gaussian import _geometric_offsets, log_ndtr, panel_rule
from theory.validation import coupling_array, real_array

LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)


def franz_parisi(q: ArrayLike, jd: ArrayLike) -> np.ndarray:
    r"""Annealed Franz-Parisi potential :math:`V(q) = \Sigma_2(q) - \Sigma` (nats per neuron),
    computed without cancellation near q = 1 (see module docstring). Even in q; V(0) = Sigma,
    V(1) = 0.

    Arguments broadcast together; returns a float64 array of their broadcast shape.
    References: Franz & Parisi, J. Phys. I France 5, 1401 (1995); applied to these networks in
        Badalotti, Baldassi, Mezard, Scardecchia, Zecchina, arXiv:2509.05041 and Scardecchia,
        arXiv:2510.11984.
    """
    q = real_array("q", q, lower=-1.0, upper=1.0)
    jd = coupling_array("jd", jd, nonnegative=True)
    return symmetric_terms(*overlap_and_distance(q), jd)[1]


def franz_parisi_at_distance(d: ArrayLike, jd: ArrayLike) -> np.ndarray:
    """:func:`franz_parisi` as a function of the Hamming fraction d = (1-q)/2 in [0, 1];
    resolves distances far below 1e-16, where q = 1 - 2d rounds to 1.

    Arguments broadcast together; returns a float64 array of their broadcast shape.
    References: Franz & Parisi, J. Phys. I France 5, 1401 (1995); Badalotti, Baldassi, Mezard,
        Scardecchia, Zecchina, arXiv:2509.05041.
    """
    d = real_array("d", d, lower=0.0, upper=1.0)
    jd = coupling_array("jd", jd, nonnegative=True)
    return symmetric_terms(*distance_and_overlap(d), jd)[1]


def small_distance_coefficients(jd: ArrayLike) -> dict[str, np.ndarray]:
    r"""Coefficients of the small-d expansion of the annealed V for J_D > 0:

    .. math:: V(d) = d\ln\frac1d + c_1 d - c_{1/2}\sqrt d + c_{3/2} d^{3/2} + O(d^2),

    :math:`c_{1/2} = r\sqrt{2/\pi}`, :math:`c_1 = 1 + \ln f - r^2/\pi`,
    :math:`c_{3/2} = b(5 + J_D^2)/6 - b^3/3` with :math:`b = r\sqrt{2/\pi}`,
    :math:`r = \phi(J_D)/\Phi(J_D)` and :math:`f` the free fraction. Derivation: expand
    :math:`T(J, c)`, :math:`c = \sqrt{d/(1-d)}`, to order :math:`c^3`; the flipped-site term
    is :math:`d \ln f` up to terms exponentially small in 1/d (tests rederive it with sympy).

    jd any shape; each entry of the dict has jd's shape.
    References: Badalotti, Baldassi, Mezard, Scardecchia, Zecchina, arXiv:2509.05041.
    """
    jd = coupling_array("jd", jd, nonnegative=True)
    if (jd == 0).any():
        raise ValueError("jd must be > 0: at J_D = 0 the free fraction vanishes and ln f diverges")
    r = np.exp(-0.5 * jd**2 - LOG_SQRT_2PI - log_ndtr(jd))
    b = r * np.sqrt(2.0 / np.pi)
    return {
        "sqrt_d": b,
        "d": 1.0 + np.log(free_fraction(jd)) - r**2 / np.pi,
        "d_3/2": b * (5.0 + jd**2) / 6.0 - b**3 / 3.0,
    }


def franz_parisi_small_distance(d: ArrayLike, jd: ArrayLike) -> np.ndarray:
    """The expansion of :func:`small_distance_coefficients` evaluated at d (error O(d^2)).

    Arguments broadcast together; returns a float64 array of their broadcast shape.
    References: Badalotti, Baldassi, Mezard, Scardecchia, Zecchina, arXiv:2509.05041.
    """
    d = real_array("d", d, lower=0.0, upper=0.5)
    c = small_distance_coefficients(jd)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_term = np.where(d > 0, -d * np.log(d), 0.0)
    return log_term + c["d"] * d - c["sqrt_d"] * np.sqrt(d) + c["d_3/2"] * d**1.5


# --------------------------------------------------------------------------- overlap gap


@dataclass(frozen=True)
class OverlapGap:
    """Where the annealed Franz-Parisi potential is negative, per value of J_D.

    q_gap, d_gap: first zero of V coming from q = 0 (V < 0 on (q_gap, 1)); q_gap = 0 at
    J_D = 0. q_min, d_min, v_min: position and depth of the minimum of V on (0, 1).
    """

    jd: np.ndarray
    q_gap: np.ndarray
    d_gap: np.ndarray
    q_min: np.ndarray
    d_min: np.ndarray
    v_min: np.ndarray


_LOG_D_GRID = np.linspace(np.log(1e-300), np.log(0.5), 1500)


def overlap_gap(jd: ArrayLike) -> OverlapGap:
    r"""Overlap-gap edge and minimum of the annealed Franz-Parisi potential V (vectorised).

    V is evaluated on a grid of 1500 log-spaced distances d in [1e-300, 1/2]; the first
    sign change coming from d = 1/2 (q = 0) is refined by bisection in ln d to double
    precision, and the minimum by golden-section search between the grid neighbours of
    the grid minimum. For J_D = 0, V(0) = 0 and V < 0 on all of (0, 1), so q_gap = 0.
    Raises ValueError if the gap is narrower than d = 1e-300 (J_D beyond about 25).

    jd any shape; every field of the result has jd's shape.
    References: Franz & Parisi, J. Phys. I France 5, 1401 (1995); Badalotti, Baldassi, Mezard,
        Scardecchia, Zecchina, arXiv:2509.05041.
    """
    jd = coupling_array("jd", jd, nonnegative=True)
    shape = jd.shape
    j = jd.reshape(-1)

    def v_of(log_d: np.ndarray, jj: np.ndarray = j) -> np.ndarray:
        d = np.exp(log_d)  # d <= 1/2 here
        return symmetric_terms(1.0 - 2.0 * d, d, jj)[1]

    grid = _LOG_D_GRID
    values = v_of(grid[None, :], j[:, None])  # (J, grid), grid runs from small d to d = 1/2
    negative = values < 0
    if not negative.any(axis=1).all():
        bad = j[~negative.any(axis=1)]
        raise ValueError(f"jd too large for overlap_gap: no negative V above d = 1e-300 at {bad}")
    # first negative value scanning from d = 1/2 downwards
    last_neg = grid.size - 1 - np.argmax(negative[:, ::-1], axis=1)
    zero_jd = j == 0
    idx = np.minimum(last_neg, grid.size - 2)
    log_d_gap = bisect_sign_change(v_of, grid[idx], grid[idx + 1])
    log_d_gap = np.where(zero_jd, np.log(0.5), log_d_gap)

    i_min = np.argmin(values, axis=1)
    lo = grid[np.maximum(i_min - 1, 0)]
    hi = grid[np.minimum(i_min + 1, grid.size - 1)]
    log_d_min = golden_minimum(v_of, lo, hi)
    d_gap = np.exp(log_d_gap)
    d_min = np.exp(log_d_min)
    return OverlapGap(
        jd=jd,
        q_gap=(1.0 - 2.0 * d_gap).reshape(shape),
        d_gap=d_gap.reshape(shape),
        q_min=(1.0 - 2.0 * d_min).reshape(shape),
        d_min=d_min.reshape(shape),
        v_min=v_of(log_d_min).reshape(shape),
    )


# --------------------------------------------------------------------------- quenched reference


def _quenched_nodes(q: np.ndarray, s: np.ndarray, jd: np.ndarray):
    """Quadrature over u in [-J, inf) for the truncated-normal average: panels refine
    geometrically at -J (b's boundary layer, width ~s) and on both sides of u = J/q (a's
    step, width s/q), then cover [-J, max(J/q, 0) + 12] on a unit-scale grid."""
    first = 0.02 * np.minimum(s, 1.0)
    n_geo = int(np.clip(np.ceil(np.log2(1.0 / np.min(first))) + 1, 1, 80))
    geo = _geometric_offsets(first, 1.0, n_geo)
    hi = np.maximum(jd / np.maximum(q, 1e-300), 0.0) + 12.0
    hi = np.minimum(hi, np.maximum(jd, 0.0) + 40.0)
    step = np.minimum(jd / np.maximum(q, 1e-300), hi)
    uniform = -jd[..., None] + (hi + jd)[..., None] * np.linspace(0.0, 1.0, 41)
    breaks = np.concatenate(
        [-jd[..., None] + geo, step[..., None] + geo, step[..., None] - geo, uniform], axis=-1
    )
    breaks = np.sort(np.clip(breaks, -jd[..., None], hi[..., None]), axis=-1)
    return panel_rule(breaks)


def _franz_parisi_quenched(d: np.ndarray, d_bar: np.ndarray, jd: np.ndarray) -> np.ndarray:
    d, d_bar, jd = (np.ravel(x) for x in np.broadcast_arrays(d, d_bar, jd))
    # V_Q is even in q: the sets D at d and their complements at 1 - d give equal sums.
    d, d_bar = np.minimum(d, d_bar), np.maximum(d, d_bar)
    out = np.zeros(d.shape)  # d = 0: only the reference itself
    m = d > 0
    if not m.any():
        return out
    dd, jj = d[m], jd[m]
    q = d_bar[m] - dd
    s = 2.0 * np.sqrt(dd * d_bar[m])
    u, w = _quenched_nodes(q, s, jj)
    with np.errstate(divide="ignore"):  # zero-width panels
        log_weight = np.log(w) - 0.5 * u * u - LOG_SQRT_2PI - log_ndtr(jj)[:, None]
    weight = np.exp(log_weight)  # truncated-normal quadrature weights, sum to ~1
    log_b = log_ndtr((jj[:, None] + q[:, None] * u) / s[:, None])
    log_a = log_ndtr((jj[:, None] - q[:, None] * u) / s[:, None])
    ell = log_a - log_b
    # root of E[sigmoid(mu + ell)] = d, bracketed by sigmoid(x) <= e^x, >= 1 - e^-x
    log_e_plus = special.logsumexp(ell + log_weight, axis=1)
    log_e_minus = special.logsumexp(-ell + log_weight, axis=1)
    lo = np.log(dd) - log_e_plus - 1.0
    hi = log_e_minus - np.log1p(-dd) + 1.0
    mu = 0.5 * (lo + hi)
    for _ in range(200):
        p = special.expit(mu[:, None] + ell)
        g = (weight * p).sum(axis=1) - dd
        lo = np.where(g < 0, mu, lo)
        hi = np.where(g < 0, hi, mu)
        slope = (weight * p * (1.0 - p)).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            newton = mu - g / slope  # tiny slopes: rejected below, bisection instead
        inside = (newton > lo) & (newton < hi) & np.isfinite(newton)
        mu_next = np.where(inside, newton, 0.5 * (lo + hi))
        if np.all(np.abs(mu_next - mu) <= 1e-13 * (1.0 + np.abs(mu))):
            mu = mu_next
            break
        mu = mu_next
    value = (weight * np.logaddexp(log_b, mu[:, None] + log_a)).sum(axis=1) - mu * dd
    out[m] = value
    return out


def franz_parisi_quenched(q: ArrayLike, jd: ArrayLike) -> np.ndarray:
    r"""Franz-Parisi potential with the reference fixed point's stabilities quenched,
    :math:`V_Q(q) \le V(q)` (see module docstring for the formula). Upper bound on the
    typical (1/N) ln #FP at overlap q from a typical FP, tighter than the annealed V;
    equal to V at q = 0. Quadrature accuracy about 1e-10.

    Arguments broadcast together; returns a float64 array of their broadcast shape.
    References: Franz & Parisi, J. Phys. I France 5, 1401 (1995); Scardecchia, arXiv:2510.11984.
    """
    q = real_array("q", q, lower=-1.0, upper=1.0)
    jd = coupling_array("jd", jd, nonnegative=True)
    shape = np.broadcast_shapes(q.shape, jd.shape)
    return _franz_parisi_quenched(0.5 * (1.0 - q), 0.5 * (1.0 + q), jd).reshape(shape)
