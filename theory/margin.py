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

References: Franz and Parisi, J. Phys. I France 5, 1401 (1995) (the potential); Badalotti,
Baldassi, Mezard, Scardecchia, Zecchina, arXiv:2509.05041; Scardecchia, arXiv:2510.11984
(dense regions and the critical self-coupling).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize

from theory._search import golden_minimum
from theory.counting import binary_entropy
from theory.gaussian import _log_orthant, log_ndtr
from theory.validation import coupling_array, real_array

_GOLDEN_STEPS = 40  # golden-section steps refining a grid minimum (bracket / 2e8)
_NEWTON_STEPS = 30


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
    :func:`theory.franz_parisi`.

    Arguments broadcast together; returns a float64 array of their broadcast shape.
    References: Franz & Parisi, J. Phys. I France 5, 1401 (1995); margins and dense regions as in
        Badalotti, Baldassi, Mezard, Scardecchia, Zecchina, arXiv:2509.05041 and Scardecchia,
        arXiv:2510.11984.
    """
    q = real_array("q", q, lower=-1.0, upper=1.0)
    jd = coupling_array("jd", jd, nonnegative=True)
    kappa = coupling_array("kappa", kappa)
    return _franz_parisi_margin(0.5 * (1.0 - q), 0.5 * (1.0 + q), jd, kappa)


def franz_parisi_margin_at_distance(d: ArrayLike, jd: ArrayLike, kappa: ArrayLike) -> np.ndarray:
    """:func:`franz_parisi_margin` as a function of the Hamming fraction d = (1-q)/2.

    Arguments broadcast together; returns a float64 array of their broadcast shape.
    References: Franz & Parisi, J. Phys. I France 5, 1401 (1995); Badalotti, Baldassi, Mezard,
        Scardecchia, Zecchina, arXiv:2509.05041.
    """
    d = real_array("d", d, lower=0.0, upper=1.0)
    jd = coupling_array("jd", jd, nonnegative=True)
    kappa = coupling_array("kappa", kappa)
    return _franz_parisi_margin(d, 1.0 - d, jd, kappa)


def _margin_curve(log_d: np.ndarray, jd: float, kappa: np.ndarray) -> np.ndarray:
    """V_kappa at d = e^log_d (broadcast over log_d and kappa)."""
    return _franz_parisi_margin(np.exp(log_d), -np.expm1(log_d), jd, kappa)


def _gap_depths(
    jd: float, kappas: np.ndarray, log_d_grid: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For every kappa: min of V_kappa(d) over the grid (ln d), with every interior local
    minimum of the grid refined by golden-section search between its neighbours (near d = 0
    the curve is a vanishing d ln(1/d), so the global grid minimum can sit there and hide a
    narrow dip further out), and the ln d where it is reached. All kappas and all minima are
    evaluated together (vectorised). Depth positive iff the curve is gap-free on the grid."""
    kappas = np.atleast_1d(np.asarray(kappas, float))
    values = _margin_curve(log_d_grid[None, :], jd, kappas[:, None])
    where = np.argmin(values, axis=1)
    depth = values[np.arange(kappas.size), where]
    at = log_d_grid[where]
    inner = (values[:, 1:-1] <= values[:, :-2]) & (values[:, 1:-1] <= values[:, 2:])
    rows, cols = np.nonzero(inner)
    if rows.size:
        cols = cols + 1
        kap = kappas[rows]
        x = golden_minimum(lambda y: _margin_curve(y, jd, kap), log_d_grid[cols - 1],
                           log_d_grid[cols + 1], iterations=_GOLDEN_STEPS)
        fx = _margin_curve(x, jd, kap)
        for r, xi, fi in zip(rows, x, fx):
            if fi < depth[r]:
                depth[r], at[r] = fi, xi
    return depth, at


def _gap_depth(jd: float, kappa: float, log_d_grid: np.ndarray) -> float:
    """:func:`_gap_depths` for one kappa."""
    return float(_gap_depths(jd, np.array([kappa]), log_d_grid)[0][0])


def _tangency(jd: float, log_d: float, kappa: float, lo: float, hi: float) -> float | None:
    r"""Margin where the dip of :math:`f(x, \kappa) = V_\kappa(e^x)` near (log_d, kappa) just
    touches zero: Newton's method on :math:`(\partial_x f, f) = (0, 0)` with derivatives
    from a 9-point stencil evaluated in one vectorised call. The value f is exact and
    :math:`\partial_x f = 0` makes the result insensitive to the error of x, so the margin
    has ~1e-12 relative accuracy. None if Newton leaves (lo, hi) or does not converge."""
    hx = 1e-4
    for _ in range(_NEWTON_STEPS):
        hk = 1e-6 * kappa
        dx, dk = np.meshgrid([-hx, 0.0, hx], [-hk, 0.0, hk])
        f = _margin_curve(log_d + dx, jd, kappa + dk)
        fx = (f[1, 2] - f[1, 0]) / (2 * hx)
        fxx = (f[1, 2] - 2 * f[1, 1] + f[1, 0]) / hx**2
        fk = (f[2, 1] - f[0, 1]) / (2 * hk)
        fxk = (f[2, 2] - f[2, 0] - f[0, 2] + f[0, 0]) / (4 * hx * hk)
        det = fxx * fk - fxk * fx
        if not np.isfinite(det) or det == 0 or fxx <= 0:
            return None
        step_x = (-fx * fk + fxk * f[1, 1]) / det
        step_k = (-fxx * f[1, 1] + fx * fx) / det
        log_d, kappa = log_d + step_x, kappa + step_k
        if not lo <= kappa <= hi:
            return None
        if abs(step_k) <= 1e-13 * kappa and abs(step_x) < 1e-6:
            return float(kappa)
    return None


def _distance_grid(d_gap: float) -> np.ndarray:
    """ln d from 1e-8 times the kappa = 0 gap edge (any dip of V_kappa lies beyond) to 1/2."""
    return np.linspace(max(np.log(d_gap) - np.log(1e8), np.log(1e-300)), np.log(0.5), 100)


def critical_margin(jd: ArrayLike, tol: float = 1e-10) -> np.ndarray:
    r"""Smallest margin :math:`\kappa_c(J_D)` for which the annealed :math:`V_\kappa(d)` is
    non-negative for all d in (0, 1/2] (gap-free), searched in (0, 2 J_D] (beyond 2 J_D the
    curve is negative near d = 0).

    Method: V_kappa is minimised over 100 log-spaced distances from d_gap(J_D) 1e-8 (the
    kappa = 0 gap edge, :func:`theory.overlap_gap`, times 1e-8) to 1/2, every local
    minimum refined by golden-section search; the first of 16 log-spaced margins in
    [1e-10, 1] x 2 J_D with a non-negative minimum is found by bisection over them (the
    depth grows with kappa: the gap-free margins form the interval [kappa_c, 2 J_D]), and
    from the dip of the last negative one the tangency V = dV/dd = 0 is solved by Newton's
    method (:func:`_tangency`, ~1e-12 relative), checked on the grid (|depth| < 1e-9);
    Brent's method on the grid depth is the fallback. About 1-2 s per value. Returns ``inf``
    where no margin in (0, 2 J_D] gives a gap-free curve (small J_D). jd any shape (output the
    same shape). Annealed bound (module docstring).
    References: Badalotti, Baldassi, Mezard, Scardecchia, Zecchina, arXiv:2509.05041; Scardecchia,
        arXiv:2510.11984.
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
        scan = {}

        def depth_at(i, j=j, grid=grid, kappas=kappas, scan=scan):
            if i not in scan:
                depth, at = _gap_depths(j, kappas[i:i + 1], grid)
                scan[i] = (float(depth[0]), float(at[0]))
            return scan[i][0]

        if depth_at(kappas.size - 1) < 0:
            continue  # no gap-free margin up to 2 J_D
        if depth_at(0) >= 0:
            out[idx] = kappas[0]  # gap-free already at a 1e-10 fraction of 2 J_D
            continue
        lo, hi = 0, kappas.size - 1  # depth < 0 at lo, >= 0 at hi: bisect the scan
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if depth_at(mid) >= 0 else (mid, hi)
        root = _tangency(j, scan[lo][1], float(kappas[lo]), kappas[lo], kappas[hi])
        if root is None or abs(_gap_depth(j, root, grid)) > 1e-9:
            root = optimize.brentq(lambda kap, j=j, grid=grid: _gap_depth(j, kap, grid),
                                   kappas[lo], kappas[hi], xtol=tol * j)
        out[idx] = root
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

    Returns a float.
    References: Badalotti, Baldassi, Mezard, Scardecchia, Zecchina, arXiv:2509.05041; Scardecchia,
        arXiv:2510.11984.
    """
    from theory.franz_parisi import overlap_gap

    lo, hi = bracket
    if not 0 < lo < hi:
        raise ValueError("bracket must satisfy 0 < lo < hi")

    def depth(j: float) -> float:
        return _gap_depth(j, j, _distance_grid(float(overlap_gap(j).d_gap)))

    return float(optimize.brentq(depth, lo, hi, xtol=tol))
