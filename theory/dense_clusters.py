r"""Dense clusters of fixed points: the zero-complexity local entropy S*(d) on all of (0, 1/2]
and the critical self-coupling above which it has no gap (annealed over J, replica symmetric,
zero reference complexity; derivation and caveats in theory/LOCAL_ENTROPY.md sections 10-13).

:func:`zero_complexity_curve` follows the zero-complexity saddle point of
:mod:`theory.local_entropy` in d by continuation: upwards from the small-d limiting solution
(d = 1e-6, y* ~ Y/d) and downwards from d = 0.45 (started from the fixed-y saddle, then y*),
and reports where each branch ends (spinodal: the continuation step shrinks to nothing) and
whether the two meet. :func:`dense_cluster_threshold` is the smallest J_D for which S*(d) >= 0
on all of (0, 1/2]; :func:`cluster_phase` classifies a J_D.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize

from theory._validate import real_array
from theory.local_entropy import (
    D_MIN,
    JD_RANGE,
    LocalEntropySaddle,
    _asymptotic_start,
    _guarded,
    _half_distance,
    _result,
    _to_x,
    _zero_complexity_residual,
    _zero_complexity_solve,
    local_entropy_saddle,
)

_ARC_STEP = 0.4  # largest pseudo-arclength step in (ln d, x)
_MIN_STEP = 2e-3  # a trace ends when the step falls below this
_MAX_POINTS = 600
_LOG_D_TOP = float(np.log(0.49))  # traces stop beyond this (S* -> Sigma as d -> 1/2)
_D_TOP = 0.268  # the large-d start (fixed-y saddles continued in y to y*)
_SAME = 1e-6  # solutions with order parameters this close (max norm) are the same


@dataclass
class _Trace:
    """One RS branch of zero-complexity saddles traced by pseudo-arclength continuation in
    X = (ln d, H, ln q_hat, logit(c^2/(4d(1-d))), ln y), which passes folds (spinodals:
    ln d turns back) and steep crossovers. ``end`` says why each end stopped."""

    points: list[np.ndarray]
    end: list[str]

    def folds(self) -> list[float]:
        log_d = np.array([p[0] for p in self.points])
        turn = np.flatnonzero(np.diff(np.sign(np.diff(log_d))) != 0) + 1
        return [float(np.exp(log_d[i])) for i in turn]


def _arc_solve(jd, reference, pred, tangent):
    """Newton-type solve of the 4 equations plus tangent . (X - pred) = 0 (5 unknowns)."""
    fixed_point = reference == "fixed_point"

    def func(big):
        r = _zero_complexity_residual(big[1:], float(np.exp(big[0])), jd, fixed_point)
        return np.append(r, tangent @ (big - pred))

    func = _guarded(func)
    sol = optimize.root(func, pred, method="hybr", options={"xtol": 1e-12, "maxfev": 80})
    res = func(sol.x)
    return sol.x, bool(np.max(np.abs(res)) < 1e-9 and sol.x[0] < np.log(0.5))


def _trace(jd, reference, start: np.ndarray, direction: np.ndarray) -> _Trace:
    """Pseudo-arclength continuation from X = start towards the sign of direction[0] (up or
    down in d) until ln d leaves
    [ln D_MIN, ln 0.49], the step falls below _MIN_STEP (the solution is lost), or
    _MAX_POINTS points."""
    # initial tangent: secant to a natural-continuation point 0.02 away in ln d
    log_d1 = start[0] + 0.02 * np.sign(direction[0])
    second = _zero_complexity_solve(float(np.exp(log_d1)), jd, reference, start[1:])[1]
    pts = [start, np.append(log_d1, second)]
    tangent = (pts[1] - pts[0]) / np.linalg.norm(pts[1] - pts[0])
    step = 0.25 * _ARC_STEP
    while len(pts) < _MAX_POINTS:
        x, ok = pts[-1] + step * tangent, False
        while step >= _MIN_STEP:
            x, ok = _arc_solve(jd, reference, pts[-1] + step * tangent, tangent)
            if ok and 0.3 * step < np.linalg.norm(x - pts[-1]) < 3.0 * step:
                break
            ok = False
            step *= 0.5
        if not ok:
            return _Trace(pts, ["lost"])
        tangent = (x - pts[-1]) / np.linalg.norm(x - pts[-1])
        pts.append(x)
        step = min(1.5 * step, _ARC_STEP)
        if x[0] > _LOG_D_TOP:
            return _Trace(pts, ["top"])
        if x[0] < np.log(D_MIN):
            return _Trace(pts, ["bottom"])
    return _Trace(pts, ["length"])


def _top_start(jd: float, reference: str) -> np.ndarray:
    """Zero-complexity X at d = _D_TOP reached from the large-d side: fixed-y saddles from
    the default start at y = e^1.5, continued in steps of 1 in ln y (warm starts) until the
    reference complexity changes sign, then the joint solve with y free."""
    log_y, sol = 1.5, None
    for _ in range(12):
        sol = local_entropy_saddle(_D_TOP, jd, float(np.exp(log_y)), reference, start=sol)
        if sol.reference_complexity < 0:
            break
        log_y += 1.0
    span = 4.0 * _D_TOP * (1.0 - _D_TOP)
    x0 = np.array([sol.h_field, np.log(sol.q_hat), np.log(sol.c2 / (span - sol.c2)), log_y])
    return np.append(np.log(_D_TOP), _zero_complexity_solve(_D_TOP, jd, reference, x0)[1])


def _solutions_at(trace: _Trace, jd, reference, log_d) -> list[tuple[LocalEntropySaddle,
                                                                      np.ndarray]]:
    """Every solution of the trace at ln d: one solve per segment of the trace that brackets
    ln d, from the linear interpolation."""
    out = []
    pts = trace.points
    for a, b in itertools.pairwise(pts):
        if min(a[0], b[0]) - 1e-12 <= log_d <= max(a[0], b[0]) + 1e-12:
            w = 0.0 if b[0] == a[0] else (log_d - a[0]) / (b[0] - a[0])
            guess = (1.0 - w) * a[1:] + w * b[1:]
            try:
                sol, x = _zero_complexity_solve(float(np.exp(log_d)), jd, reference, guess)
            except RuntimeError:
                continue
            if all(np.max(np.abs(x - o[1])) > _SAME * (1 + np.max(np.abs(x))) for o in out):
                out.append((sol, x))
    return out


@dataclass(frozen=True)
class BranchStructure:
    """The zero-complexity RS branches at one J_D: ``traces`` (each a list of (d, S*, y*)
    points along the branch), the folds (spinodals: d where a branch turns back) and the
    reason each trace stopped."""

    jd: float
    traces: list[np.ndarray]
    folds: list[list[float]]
    ends: list[str]


_TRACES: dict[tuple[float, str], list[_Trace]] = {}


def _traces(jd: float, reference: str) -> list[_Trace]:
    """The branch continued from the small-d limiting solution (d = 1e-6) upwards, and, if
    the solution found at d = 0.268 from the large-d side is not on it, that branch traced
    in both directions (cached per J_D and reference)."""
    key = (jd, reference)
    if key in _TRACES:
        return _TRACES[key]
    x0 = _asymptotic_start(D_MIN, jd, reference == "fixed_point")
    start = np.append(np.log(D_MIN), _zero_complexity_solve(D_MIN, jd, reference, x0)[1])
    small = _trace(jd, reference, start, np.eye(5)[0])
    traces = [small]
    top = _top_start(jd, reference)
    on_small = any(np.max(np.abs(x - top[1:])) < 1e-5 * (1 + np.max(np.abs(x)))
                   for _, x in _solutions_at(small, jd, reference, top[0]))
    if not on_small:
        up = _trace(jd, reference, top, np.eye(5)[0])
        down = _trace(jd, reference, top, -np.eye(5)[0])
        traces.append(_Trace(down.points[::-1] + up.points[1:], down.end + up.end))
    _TRACES[key] = traces
    return traces


def branch_structure(jd: float, reference: str = "fixed_point") -> BranchStructure:
    """The zero-complexity RS branches met at J_D (annealed over J, RS): see :func:`_traces`.
    Each trace is an array of rows (d, S*, y*); folds are the spinodals of each."""
    jd = float(real_array("jd", jd, lower=JD_RANGE[0], upper=JD_RANGE[1]))
    rows, folds, ends = [], [], []
    for tr in _traces(jd, reference):
        table = []
        for p in tr.points:
            sol = _result_at(p, jd, reference)
            table.append((sol.d, sol.local_entropy, sol.y))
        rows.append(np.array(table))
        folds.append(tr.folds())
        ends.append("/".join(tr.end))
    return BranchStructure(jd, rows, folds, ends)


def _result_at(p, jd, reference) -> LocalEntropySaddle:
    return _result(p[1:4], float(np.exp(p[0])), jd, float(np.exp(p[4])), reference)


@dataclass(frozen=True)
class ZeroComplexityCurve:
    """S*(d) at the requested distances (in the given order).

    local_entropy: the primary value, S* = min_y max_branches phi(y)/y (at fixed y the larger
    phi dominates; zero reference complexity); y_star its y*; saddles the saddle it comes
    from; n_solutions: how many zero-complexity RS solutions exist at that d;
    other_entropy: the largest S of the other solutions (NaN if there is one)."""

    jd: float
    d: np.ndarray
    local_entropy: np.ndarray
    y_star: np.ndarray
    saddles: list[LocalEntropySaddle]
    n_solutions: np.ndarray
    other_entropy: np.ndarray


def _fixed_y_free_entropy(sol: LocalEntropySaddle, y: float) -> float:
    """phi at fixed y on the branch of ``sol``, by continuation in ln y (steps <= 0.25)."""
    steps = int(np.ceil(abs(np.log(y / sol.y)) / 0.25))
    for log_y in np.linspace(np.log(sol.y), np.log(y), steps + 1)[1:]:
        sol = local_entropy_saddle(sol.d, sol.jd, float(np.exp(log_y)), sol.reference,
                                   start=sol)
    return sol.free_entropy


def _primary(sols: list[LocalEntropySaddle]) -> tuple[LocalEntropySaddle, float]:
    """The branch rule: S* = min_y max_b phi_b(y)/y. The zero-complexity solution with the
    largest S* is the answer if no other branch has a larger phi at its y* (then the
    envelope's minimum sits there); otherwise the minimum is at a crossing of two phi(y)
    curves and RuntimeError reports it. Returns (primary, largest other S or NaN)."""
    sols = sorted(sols, key=lambda s: s.local_entropy, reverse=True)
    win = sols[0]
    for lose in sols[1:]:
        try:
            phi_other = _fixed_y_free_entropy(lose, win.y)
        except RuntimeError:
            continue  # that branch does not reach y*: nothing to compare
        if phi_other > win.free_entropy + 1e-10:
            raise RuntimeError(f"phi(y) branches cross between y = {lose.y:.4g} and "
                               f"{win.y:.4g} at d = {win.d:.4g}, jd = {win.jd}")
    return win, (sols[1].local_entropy if len(sols) > 1 else np.nan)


def zero_complexity_curve(d: ArrayLike, jd: float, reference: str = "fixed_point"
                          ) -> ZeroComplexityCurve:
    """Zero-complexity local entropy at every d (array) for one J_D (annealed, RS).

    The branches of :func:`branch_structure` (cached per J_D) are solved at each d, every
    solution they have there, and the rule of :func:`_primary` picks S*. d = 1/2 is exact
    (S* = Sigma). Raises RuntimeError where no branch reaches d.
    """
    d = real_array("d", d, lower=D_MIN, upper=0.5)
    jd = float(real_array("jd", jd, lower=JD_RANGE[0], upper=JD_RANGE[1]))
    flat = d.reshape(-1)
    traces = _traces(jd, reference)
    saddles, others, counts = [], [], []
    for t in flat:
        if t >= np.exp(_LOG_D_TOP):
            sols = [_half_distance(0.5, jd, np.inf, reference)] if t == 0.5 else []
            if t < 0.5:
                near = [s for tr in traces for s, _ in _solutions_at(tr, jd, reference,
                                                                    _LOG_D_TOP)]
                sols = [_zero_complexity_solve(float(t), jd, reference,
                                               np.append(_to_x(s)[:3], np.log(s.y)))[0]
                        for s in near]
        else:
            found = [s for tr in traces for s, _ in _solutions_at(tr, jd, reference,
                                                                 float(np.log(t)))]
            sols = []
            for s in found:
                if all(abs(s.local_entropy - o.local_entropy) > 1e-10 for o in sols):
                    sols.append(s)
        if not sols:
            raise RuntimeError(f"no zero-complexity RS solution found at d = {t}, jd = {jd}")
        primary, other = _primary(sols)
        saddles.append(primary)
        others.append(other)
        counts.append(len(sols))
    return ZeroComplexityCurve(jd, flat, np.array([s.local_entropy for s in saddles]),
                               np.array([s.y for s in saddles]), saddles, np.array(counts),
                               np.array(others))


# --------------------------------------------------------------------------- gaps and threshold


def _curve_minimum(jd: float, reference: str = "fixed_point") -> tuple[float, float]:
    """(min over (0, 1/2] of S*(d), the d where it sits): S* on the anchor grid (every 0.5 in
    ln d from 1e-6, and d = 1/2), then bounded Brent in ln d between the neighbours of the
    smallest grid value. Below d = 1e-6 S* ~ d ln(nu*/d) + d > 0 (section 10), so the grid
    starts there."""
    grid = np.append(np.exp(np.arange(np.log(D_MIN), _LOG_D_TOP, 0.5)), 0.5)
    values = zero_complexity_curve(grid, jd, reference).local_entropy
    i = int(np.argmin(values))
    if i == 0 or i == grid.size - 1:
        return float(values[i]), float(grid[i])
    res = optimize.minimize_scalar(
        lambda t: float(zero_complexity_curve(np.exp(t), jd, reference).local_entropy[0]),
        bounds=(np.log(grid[i - 1]), np.log(grid[i + 1])), method="bounded",
        options={"xatol": 1e-4})
    if res.fun < values[i]:
        return float(res.fun), float(np.exp(res.x))
    return float(values[i]), float(grid[i])


def _gap_edges(jd: float, lo: float, hi: float, reference: str) -> float:
    """The d in [lo, hi] where S*(d) changes sign (Brent in ln d, to 1e-6 relative)."""
    def s_of(t):
        return float(zero_complexity_curve(np.exp(t), jd, reference).local_entropy[0])

    return float(np.exp(optimize.brentq(s_of, np.log(lo), np.log(hi), xtol=1e-6)))


@dataclass(frozen=True)
class ClusterPhase:
    """Classification of J_D by the zero-complexity local entropy S*(d) (annealed over J,
    replica symmetric, zero reference complexity).

    phase: "gapped" (S* < 0 on ``gap``: even the densest exponentially numerous FPs have no
    other FP at those distances), "gap-free" (S* >= 0 on (0, 1/2] but not increasing: a dip)
    or "dense" (S* > 0 and increasing on all of (0, 1/2]). min_entropy, d_min: the minimum of
    S* over (0, 1/2] away from d -> 0 (S* ~ d ln(nu*/d) + d > 0 there) and where it sits
    (d_min = 0 if S* is increasing)."""

    jd: float
    phase: str
    gap: tuple[float, float] | None
    min_entropy: float
    d_min: float


def cluster_phase(jd: float, reference: str = "fixed_point") -> ClusterPhase:
    r"""Gapped / gap-free / dense classification of J_D (see :class:`ClusterPhase`) from
    :func:`zero_complexity_curve` on a grid of d every 0.5 in ln d from 1e-6 to 0.49 (and
    1/2), the interior minimum refined by bounded Brent and the gap edges by Brent. Below
    d = 1e-6 the small-d limit :math:`S^* = d\ln(\nu^*/d) + d > 0` holds (LOCAL_ENTROPY.md
    section 10). Approximations: annealed over J, replica symmetric, zero reference
    complexity; the branch rule of :func:`_primary`. Minutes per J_D (continuation).
    """
    jd = float(real_array("jd", jd, lower=JD_RANGE[0], upper=JD_RANGE[1]))
    grid = np.append(np.exp(np.arange(np.log(D_MIN), _LOG_D_TOP, 0.5)), 0.5)
    s = zero_complexity_curve(grid, jd, reference).local_entropy
    dips = np.flatnonzero((s[1:-1] < s[:-2]) & (s[1:-1] <= s[2:])) + 1
    if dips.size == 0:
        return ClusterPhase(jd, "dense", None, float(s.min()), 0.0)
    i = int(dips[np.argmin(s[dips])])
    res = optimize.minimize_scalar(
        lambda t: float(zero_complexity_curve(np.exp(t), jd, reference).local_entropy[0]),
        bounds=(np.log(grid[i - 1]), np.log(grid[i + 1])), method="bounded",
        options={"xatol": 1e-4})
    s_min, d_min = (float(res.fun), float(np.exp(res.x))) if res.fun < s[i] else (
        float(s[i]), float(grid[i]))
    if s_min >= 0:
        return ClusterPhase(jd, "gap-free", None, s_min, d_min)
    neg = np.flatnonzero(s < 0)
    first, last = (neg[0], neg[-1]) if neg.size else (i, i)
    lo = _gap_edges(jd, grid[first - 1], d_min if s[first] >= 0 else grid[first], reference)
    hi = _gap_edges(jd, d_min if s[last] >= 0 else grid[last], grid[last + 1], reference)
    return ClusterPhase(jd, "gapped", (lo, hi), s_min, d_min)


@dataclass(frozen=True)
class DenseClusterThreshold:
    """Critical self-coupling of dense clusters (annealed over J, RS, zero complexity).

    jd: the smallest J_D with S*(d) >= 0 on all of (0, 1/2]; error: its numerical
    uncertainty (half the final bracket plus the quadrature/solver error propagated through
    the slope of min_d S* in J_D); d_close: the d where the last gap closes (the minimum of
    S* at J_D = jd); bracket: the final bracket in J_D."""

    jd: float
    error: float
    d_close: float
    bracket: tuple[float, float]


def _min_entropy(jd: float, reference: str) -> tuple[float, float]:
    ph = cluster_phase(jd, reference)
    return ph.min_entropy if ph.phase != "dense" else np.inf, ph.d_min


def dense_cluster_threshold(bracket: tuple[float, float] = (0.03, 0.0956), xtol: float = 1e-5,
                            reference: str = "fixed_point") -> DenseClusterThreshold:
    r"""The critical J_D above which the zero-complexity local entropy S*(d) has no gap:
    the root of :math:`m(J_D) = \min_{0 < d \le 1/2} S^*(d; J_D)` (the minimum of
    :func:`cluster_phase`) by Brent's method inside ``bracket`` (default: from J_D = 0.03,
    gapped, to the margin bound J* = 0.0956 of :func:`theory.margin_dense_threshold`).

    Approximations: annealed over J, replica symmetric among the y replicas (stability in
    LOCAL_ENTROPY.md section 12), zero reference complexity, and the branch rule (at fixed y
    the larger phi; S* = min_y phi(y)/y). Tens of minutes (each J_D traces the branches).
    """
    lo, hi = (float(b) for b in bracket)
    if not JD_RANGE[0] <= lo < hi <= JD_RANGE[1]:
        raise ValueError(f"bracket must satisfy {JD_RANGE[0]} <= lo < hi <= {JD_RANGE[1]}")
    found: dict[float, tuple[float, float]] = {}

    def m_of(j: float) -> float:
        if j not in found:
            found[j] = _min_entropy(j, reference)
        return found[j][0]

    if not m_of(lo) < 0 <= m_of(hi):
        raise ValueError(f"bracket {bracket} does not enclose the threshold: min S* = "
                         f"{m_of(lo):.3g} at {lo}, {m_of(hi):.3g} at {hi}")
    root, res = optimize.brentq(lambda j: min(m_of(j), 1.0), lo, hi, xtol=xtol,
                                full_output=True)
    del res
    near = sorted(found, key=lambda j: abs(j - root))[:2]
    j_lo = max([j for j in found if m_of(j) < 0], default=lo)
    j_hi = min([j for j in found if m_of(j) >= 0], default=hi)
    slope = abs(m_of(near[0]) - m_of(near[1])) / max(abs(near[0] - near[1]), 1e-300)
    error = 0.5 * (j_hi - j_lo) + 1e-9 / max(slope, 1e-12)
    return DenseClusterThreshold(float(root), float(error), found[near[0]][1], (j_lo, j_hi))
