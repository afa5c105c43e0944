r"""Dense regions around fixed points with a margin (annealed bound).

Fixed points with margin kappa (:math:`\lambda_i > -J_D + \kappa`) are the fixed points of
the same network at self-coupling J_D - kappa; there are :math:`e^{N\Sigma(J_D - \kappa)}` of
them, exponentially many iff kappa < J_D. The annealed count of *ordinary* fixed points at
Hamming fraction d from a typical margin-kappa fixed point is, with h = J_D - kappa, k = J_D,

.. math:: V_\kappa(d) = H_2(d) + (1-d)\ln\frac{P(X > -h, Y > -k; q)}{\Phi(h)}
          + d \ln\frac{P(X > -h, Y > -k; -q)}{\Phi(h)}, \qquad q = 1 - 2d,

(X the reference's stability, Y the other configuration's, correlation +q at kept sites and
-q at flipped sites). For kappa > 0 it has no :math:`\sqrt d` term: V_kappa ~ d ln(1/d) > 0
near d = 0. Above a critical margin :math:`\kappa_c(J_D)` it is positive on all of (0, 1/2]
(gap-free); for kappa > 2 J_D a flipped site cannot stay stable near the reference and
:math:`V_\kappa(0^+) = -(\kappa - 2J_D)^2/8 < 0`, so only [kappa_c, 2 J_D] is gap-free.
Requiring kappa_c(J_D) < J_D gives the self-coupling above which exponentially many fixed
points sit in gap-free dense regions (:func:`margin_dense_threshold`). All of this is the
annealed (first-moment) bound, cruder than the local-entropy computation.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize

from theory.counting import binary_entropy
from theory.gaussian import _log_orthant, log_ndtr
from theory.validation import coupling_array, real_array


def _franz_parisi_margin(
    d: np.ndarray, d_bar: np.ndarray, jd: np.ndarray, kappa: np.ndarray
) -> np.ndarray:
    d, d_bar, jd, kappa = np.broadcast_arrays(d, d_bar, jd, kappa)
    h, k = jd - kappa, jd
    log_phi_h = log_ndtr(h)
    entropy = binary_entropy(d)
    agree = np.zeros(d.shape)
    flip = np.zeros(d.shape)
    m = d_bar > 0
    if m.any():
        # kept sites lose the reference's stability with P(X > -h, Y < -k; q), an orthant
        # with correlation -q: ln(1 - loss / Phi(h)) stays accurate as d -> 0
        log_loss = _log_orthant(h[m], -k[m], 2 * d_bar[m], 2 * d[m]) - log_phi_h[m]
        # where the loss is not small (kappa >> J_D) the kept fraction itself, the orthant
        # with correlation +q, is the accurate one (its complement would round to <= 0)
        keep = np.empty(log_loss.shape)
        small = log_loss < -np.log(2.0)
        keep[small] = np.log(-np.expm1(log_loss[small]))
        big = ~small
        keep[big] = (_log_orthant(h[m][big], k[m][big], 2 * d[m][big], 2 * d_bar[m][big])
                     - log_phi_h[m][big])
        agree[m] = d_bar[m] * keep
    m = d > 0
    if m.any():
        flip[m] = d[m] * (_log_orthant(h[m], k[m], 2 * d_bar[m], 2 * d[m]) - log_phi_h[m])
    return entropy + agree + flip


def franz_parisi_margin(q: ArrayLike, jd: ArrayLike, kappa: ArrayLike) -> np.ndarray:
    r"""Annealed :math:`V_\kappa(q)`: (1/N) ln E[#ordinary FPs at overlap q from a typical FP
    with margin kappa] (formula in the module docstring). kappa = 0 gives
    :func:`theory.franz_parisi`."""
    q = real_array("q", q, lower=-1.0, upper=1.0)
    jd = coupling_array("jd", jd, nonnegative=True)
    kappa = coupling_array("kappa", kappa)
    return _franz_parisi_margin(0.5 * (1.0 - q), 0.5 * (1.0 + q), jd, kappa)


def franz_parisi_margin_at_distance(d: ArrayLike, jd: ArrayLike, kappa: ArrayLike) -> np.ndarray:
    """:func:`franz_parisi_margin` as a function of the Hamming fraction d = (1-q)/2."""
    d = real_array("d", d, lower=0.0, upper=1.0)
    jd = coupling_array("jd", jd, nonnegative=True)
    kappa = coupling_array("kappa", kappa)
    return _franz_parisi_margin(d, 1.0 - d, jd, kappa)


def _gap_depth(jd: float, kappa: float, log_d_grid: np.ndarray) -> float:
    """min of V_kappa(d) over the grid (ln d), with every interior local minimum of the grid
    refined by bounded Brent between its neighbours (near d = 0 the curve is a vanishing
    d ln(1/d), so the global grid minimum can sit there and hide a narrow dip further out);
    positive iff the curve is gap-free on the grid's range."""

    def v(log_d):
        return _franz_parisi_margin(np.exp(log_d), -np.expm1(log_d), jd, kappa)

    values = v(log_d_grid)
    best = float(values.min())
    inner = np.flatnonzero((values[1:-1] <= values[:-2]) & (values[1:-1] <= values[2:])) + 1
    for i in inner:
        res = optimize.minimize_scalar(lambda x: float(v(x)),
                                       bounds=(log_d_grid[i - 1], log_d_grid[i + 1]),
                                       method="bounded", options={"xatol": 1e-7})
        best = min(best, float(res.fun))
    return best


def _distance_grid(d_gap: float) -> np.ndarray:
    """ln d from 1e-8 times the kappa = 0 gap edge (any dip of V_kappa lies beyond) to 1/2."""
    return np.linspace(max(np.log(d_gap) - np.log(1e8), np.log(1e-300)), np.log(0.5), 100)


def critical_margin(jd: ArrayLike, tol: float = 1e-10) -> np.ndarray:
    r"""Smallest margin :math:`\kappa_c(J_D)` for which the annealed :math:`V_\kappa(d)` is
    non-negative for all d in (0, 1/2] (gap-free), searched in (0, 2 J_D] (beyond 2 J_D the
    curve is negative near d = 0).

    Method: V_kappa is minimised over 100 log-spaced distances from d_gap(J_D) 1e-8 (the
    kappa = 0 gap edge, :func:`theory.overlap_gap`, times 1e-8) to 1/2, every local
    minimum refined by Brent; the margin is scanned on 16 log-spaced values of
    [1e-10, 1] x 2 J_D, then Brent's method brackets the first change of sign of the
    minimum. Returns ``inf`` where no margin in (0, 2 J_D] gives a gap-free curve (small
    J_D). About 1 s per value of J_D on an idle core.
    """
    from theory.franz_parisi import overlap_gap

    jd = coupling_array("jd", jd, nonnegative=True)
    out = np.full(jd.shape, np.inf)
    positive = jd > 0
    d_gap = np.ones(jd.shape)
    if positive.any():
        d_gap[positive] = overlap_gap(jd[positive]).d_gap
    for idx, j in np.ndenumerate(jd):
        j = float(j)
        if j == 0.0:
            continue
        grid = _distance_grid(float(d_gap[idx]))
        kappas = 2.0 * j * np.logspace(-10, 0, 16)
        depth = np.array([_gap_depth(j, kap, grid) for kap in kappas])
        ok = np.flatnonzero(depth >= 0)
        if ok.size == 0:
            continue
        i = ok[0]
        if i == 0:
            out[idx] = kappas[0]  # gap-free already at a 1e-10 fraction of 2 J_D
            continue
        out[idx] = optimize.brentq(lambda kap, j=j, grid=grid: _gap_depth(j, kap, grid),
                                   kappas[i - 1], kappas[i], xtol=tol * j)
    return out


def margin_dense_threshold(bracket: tuple[float, float] = (0.02, 1.0), tol: float = 1e-10) -> float:
    r"""Self-coupling :math:`J^*` with :math:`\kappa_c(J^*) = J^*` (annealed margin bound):
    above it, margin-:math:`\kappa_c` fixed points are exponentially many
    (:math:`\Sigma(J_D - \kappa_c) > 0`) and each sits in a gap-free region of ordinary
    fixed points.

    Since the gap-free margins form the interval [kappa_c, 2 J_D] (no re-entrance, checked
    by :func:`critical_margin`'s scan), kappa_c(J) <= J iff the curve at kappa = J is
    gap-free; so J* is the root of :math:`\min_d V_{\kappa=J}(d)` in J, found by Brent's
    method inside ``bracket``.
    """
    from theory.franz_parisi import overlap_gap

    lo, hi = bracket
    if not 0 < lo < hi:
        raise ValueError("bracket must satisfy 0 < lo < hi")

    def depth(j: float) -> float:
        return _gap_depth(j, j, _distance_grid(float(overlap_gap(j).d_gap)))

    return float(optimize.brentq(depth, lo, hi, xtol=tol))
