r"""Dense clusters of fixed points: the zero-complexity local entropy S*(d) on all of (0, 1/2]
and the critical self-coupling above which it has no gap (annealed over J, replica symmetric,
zero reference complexity; derivation and caveats in theory/LOCAL_ENTROPY.md sections 10-16).

:func:`zero_complexity_curve` follows the zero-complexity saddle point of
:mod:`theory.local_entropy` in d by continuation: upwards from the small-d limiting solution
(d = 1e-6, y* ~ Y/d) and both ways from d = 0.268 (started from the fixed-y saddle, then y*),
and reports where each branch ends (spinodal: the continuation step shrinks to nothing; or
collapse of the y replicas) and whether the two meet; S* at d is the largest S among the
solutions there (S* = 0 where only collapsed ones exist). :func:`dense_cluster_threshold` is
the smallest J_D for which S*(d) >= 0 on all of (0, 1/2]; :func:`cluster_phase` classifies a
J_D.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize

from theory.counting import binary_entropy
from theory.local_entropy import (
    D_MIN,
    JD_RANGE,
    JD_TRACE_RANGE,
    LocalEntropySaddle,
    _asymptotic_start,
    _guarded,
    _half_distance,
    _newton,
    _result,
    _to_x,
    _zero_complexity_jacobian,
    _zero_complexity_residual,
    _zero_complexity_solve,
    local_entropy_saddle,
)
from theory.validation import real_array

_ARC_STEP = 0.8  # largest pseudo-arclength step in (ln d, x)
_MIN_STEP = 2e-3  # a trace ends when the step falls below this
_MAX_POINTS = 600
_CORRECTION = 0.02  # targeted distance predictor -> corrected point (sets the step)
_LOG_D_TOP = float(np.log(0.49))  # traces stop beyond this (S* -> Sigma as d -> 1/2)
_D_TOP = 0.268  # the large-d start (fixed-y saddles continued in y to y*)
_SAME = 1e-6  # solutions with order parameters this close (max norm) are the same
_COLLAPSED = 6.9  # logit(c^2/(1-p^2)) beyond which the y replicas count as collapsed


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


def _arc_solve(jd, reference, pred, tangent, jac=None, fallback=True):
    """Solve the 4 equations plus tangent . (X - pred) = 0 (5 unknowns): Newton with the
    exact Jacobian (:func:`theory.local_entropy._zero_complexity_jacobian`) at every iterate,
    the previous point's ``jac`` (4 x 5, or None) for the first step, Powell's hybrid
    method if that fails and ``fallback``. Returns (X, converged, 4 x 5 Jacobian or None)."""
    fixed_point = reference == "fixed_point"

    def func(big):
        r = _zero_complexity_residual(big[1:], float(np.exp(big[0])), jd, fixed_point)
        return np.append(r, tangent @ (big - pred))

    def jacobian(big):
        return np.vstack([_zero_complexity_jacobian(big[1:], float(np.exp(big[0])), jd,
                                                    fixed_point), tangent])

    full = None if jac is None else np.vstack([jac, tangent])
    x, ok, full = _newton(func, jacobian, pred, full, maxfev=40, fixed_rows=tangent[None, :],
                          stiff=True)
    if not ok and fallback:
        guarded = _guarded(func)
        sol = optimize.root(guarded, pred, method="hybr",
                            options={"xtol": 1e-12, "maxfev": 200})
        x, ok, full = sol.x, bool(np.max(np.abs(guarded(sol.x))) < 1e-9), None
    return x, ok and x[0] < np.log(0.5), (None if full is None else full[:4])


def _predict(pts: list[np.ndarray], step: float) -> np.ndarray:
    """The next point a chord length ``step`` beyond pts[-1]: quadratic extrapolation in
    chord length through the last three points (linear through two)."""
    if len(pts) < 3:
        t = pts[-1] - pts[-2]
        return pts[-1] + step * t / np.linalg.norm(t)
    a, b, c = pts[-3:]
    s = np.array([0.0, np.linalg.norm(b - a), np.linalg.norm(b - a) + np.linalg.norm(c - b)])
    at = s[2] + step
    lagrange = [np.prod([(at - s[j]) / (s[i] - s[j]) for j in range(3) if j != i])
                for i in range(3)]
    return lagrange[0] * a + lagrange[1] * b + lagrange[2] * c


def _trace(jd, reference, start: np.ndarray, direction: np.ndarray) -> _Trace:
    """Pseudo-arclength continuation from X = start towards the sign of direction[0] (up or
    down in d) until ln d leaves [ln D_MIN, ln 0.49], the y replicas collapse (1 - q1 <
    1e-3 (1 - p^2): S -> 0+, the replicas sit on one configuration; LOCAL_ENTROPY.md
    section 11), the step falls below _MIN_STEP (the solution is lost), or _MAX_POINTS.
    Predictor: quadratic extrapolation in chord length (:func:`_predict`); corrector:
    Newton on the hyperplane through the prediction normal to the predicted step; the step
    is scaled by (_CORRECTION / |correction|)^(1/3) (within [1/2, 2], at most _ARC_STEP)
    and halved when the corrector fails (Powell's method only once it is below 0.05)."""
    # initial tangent: secant to a natural-continuation point 0.02 away in ln d
    log_d1 = start[0] + 0.02 * np.sign(direction[0])
    second = _zero_complexity_solve(float(np.exp(log_d1)), jd, reference, start[1:])[1]
    pts = [start, np.append(log_d1, second)]
    jac = None  # 4 x 5 Jacobian carried along the trace (Broyden-updated)
    step = 0.25 * _ARC_STEP
    while len(pts) < _MAX_POINTS:
        x, ok = pts[-1], False
        while step >= _MIN_STEP:
            pred = _predict(pts, step)
            tangent = (pred - pts[-1]) / np.linalg.norm(pred - pts[-1])
            x, ok, new_jac = _arc_solve(jd, reference, pred, tangent, jac,
                                               fallback=step < 0.05)
            if ok and 0.3 * step < np.linalg.norm(x - pts[-1]) < 3.0 * step:
                jac = new_jac
                break
            ok = False
            step *= 0.5
        if not ok:
            return _Trace(pts, ["lost"])
        pts.append(x)
        err = max(np.linalg.norm(x - pred), 1e-12)
        step = min(step * float(np.clip((_CORRECTION / err) ** (1 / 3), 0.5, 2.0)), _ARC_STEP)
        if x[0] > _LOG_D_TOP:
            return _Trace(pts, ["top"])
        if x[0] < np.log(D_MIN):
            return _Trace(pts, ["bottom"])
        if x[3] > _COLLAPSED:
            return _Trace(pts, ["collapsed"])
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


def _solve_on_segment(jd, reference, a: np.ndarray, b: np.ndarray, log_d: float,
                      depth: int = 0) -> tuple[LocalEntropySaddle, np.ndarray]:
    """The zero-complexity solution at ln d on the trace segment a -> b (converged points
    that bracket ln d): Newton from the linear interpolation; where that fails (the stiff
    approach to collapse, where the Jacobian is nearly rank 2), the segment is re-traced in
    four pseudo-arclength steps and the sub-segment bracketing ln d is tried, at most three
    levels deep. RuntimeError if no level converges."""
    w = 0.0 if b[0] == a[0] else (log_d - a[0]) / (b[0] - a[0])
    guess = (1.0 - w) * a[1:] + w * b[1:]
    try:
        sol, x, _ = _zero_complexity_solve(float(np.exp(log_d)), jd, reference, guess)
    except RuntimeError:
        if depth == 3:
            raise
    else:
        return sol, x
    chord = b - a
    tangent = chord / np.linalg.norm(chord)
    pts, jac = [a], None
    for k in (1, 2, 3):
        x, ok, jac = _arc_solve(jd, reference, a + 0.25 * k * chord, tangent, jac)
        if not ok:
            raise RuntimeError(f"zero-complexity saddle not found at d = {np.exp(log_d):.4g}, "
                               f"jd = {jd} (trace segment not re-traced)")
        pts.append(x)
    pts.append(b)
    for p, q in itertools.pairwise(pts):
        if min(p[0], q[0]) - 1e-12 <= log_d <= max(p[0], q[0]) + 1e-12:
            return _solve_on_segment(jd, reference, p, q, log_d, depth + 1)
    raise RuntimeError(f"re-traced segment misses d = {np.exp(log_d):.4g}, jd = {jd}")


def _solutions_at(trace: _Trace, jd, reference, log_d) -> list[tuple[LocalEntropySaddle,
                                                                      np.ndarray]]:
    """Every solution of the trace at ln d: one solve per segment of the trace that brackets
    ln d (:func:`_solve_on_segment`)."""
    out = []
    for a, b in itertools.pairwise(trace.points):
        if min(a[0], b[0]) - 1e-12 <= log_d <= max(a[0], b[0]) + 1e-12:
            try:
                sol, x = _solve_on_segment(jd, reference, a, b, log_d)
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


_SMALL_D_SLOPE = np.array([-0.5, 1.5, 1.0, -1.0])  # d x / d ln d of the limiting solution
_DIRECT_STEP = 1.5  # largest step in ln d of the natural continuation
_DIRECT: dict[tuple[float, str], list[tuple[float, np.ndarray]]] = {}


def _scale(d: float) -> float:
    """Continuation variable s = ln(d/(1 - 2d)): ln d as d -> 0, -ln(1 - 2d) as d -> 1/2
    (where y* diverges), so that steps of O(1) in s are steps of O(1) in x at both ends."""
    return float(np.log(d) - np.log1p(-2.0 * d))


def _unscale(s: float) -> float:
    return float(np.exp(s) / (1.0 + 2.0 * np.exp(s)))


def _continue(jd: float, reference: str, known: list[tuple[float, np.ndarray]],
              d: float, inverse: bool = False, stop=None,
              first_slope: np.ndarray = _SMALL_D_SLOPE) -> np.ndarray | None:
    """Natural continuation in s = ln(d/(1-2d)) (:func:`_scale`) of the zero-complexity
    saddle x = (H, ln q_hat, logit c^2, ln y) to distance d from the known solution
    (s, x) nearest to it: quadratic extrapolation through the last three points of the
    path as predictor (linear through a known neighbour, or with ``first_slope`` - by
    default the small-d scaling of section 10 - and a step of 0.5 at the first step), the
    Jacobian carried along (Broyden), the step (<= _DIRECT_STEP) halved when the corrector
    fails or moves by more than 1. Every accepted point is added to ``known``.
    ``inverse``: extrapolate in 1/d instead of s when going down (the saddle of the fully
    free regime moves like 1/d as d -> 0). ``stop(d, x)``: checked at every accepted
    point; if true the continuation returns None there. Raises RuntimeError if the step
    shrinks below 0.01 (a fold or a lost solution)."""
    target = _scale(d)
    known.sort(key=lambda p: p[0])
    i = int(np.argmin([abs(t - target) for t, _ in known]))
    j = i - 1 if target > known[i][0] else i + 1
    inverse = inverse and target < known[i][0]  # 1/d extrapolation only downwards
    single = not 0 <= j < len(known)
    path = [(known[i][0] - 1.0, known[i][1] - first_slope), known[i]] if single else [
        known[j], known[i]]
    jac, step = None, 0.5 if single else _DIRECT_STEP
    while abs(target - path[-1][0]) > 1e-12:
        t = path[-1][0]
        t_new = t + np.clip(target - t, -step, step)
        ts = np.array([p[0] for p in path[-3:]])
        xs = np.array([p[1] for p in path[-3:]])
        var, at = (np.exp(-ts), np.exp(-t_new)) if inverse else (ts, t_new)
        lagrange = [np.prod([(at - var[b]) / (var[a] - var[b])
                             for b in range(len(var)) if b != a]) for a in range(len(var))]
        pred = np.dot(lagrange, xs)
        d_new = d if t_new == target else _unscale(t_new)
        try:
            _, x_new, jac_new = _zero_complexity_solve(d_new, jd, reference, pred, jac,
                                                       fallback=False)
        except RuntimeError:
            x_new = None
        if x_new is None or np.max(np.abs(x_new - pred)) > 1.0:
            step *= 0.5
            jac = None
            if step < 0.01:
                raise RuntimeError(f"continuation in d lost the zero-complexity solution "
                                   f"at d = {_unscale(t):.4g}, jd = {jd}")
            continue
        path.append((t_new, x_new))
        known.append((t_new, x_new))
        jac = jac_new
        if stop is not None and stop(d_new, x_new):
            return None
        step = min(1.5 * step, _DIRECT_STEP)
    return path[-1][1]


def _direct_solution(d: float, jd: float, reference: str) -> LocalEntropySaddle:
    """The zero-complexity saddle at d on the single branch (J_D >= _JD_SINGLE), by natural
    continuation (:func:`_continue`) from the nearest distance solved before at this J_D
    (cached), or from the small-d limiting solution at d = D_MIN."""
    known = _DIRECT.setdefault((jd, reference), [])
    if not known:
        x0 = _asymptotic_start(D_MIN, jd, reference == "fixed_point")
        known.append((_scale(D_MIN), _zero_complexity_solve(D_MIN, jd, reference, x0)[1]))
    x = _continue(jd, reference, known, d)
    return _result(x[:3], d, jd, float(np.exp(x[3])), reference)


_JD_SINGLE = 0.07  # one zero-complexity branch, no fold, at and above it (section 13)
_JD_TOP_DOWN = 0.65  # above it the small-d limiting start fails (nu* -> 1): top-down path
_FREE_LIMIT_TOL = 1e-9  # relative deficit H2(d) - S* below which S* = H2(d) is returned
_FREE_LIMIT: dict[tuple[float, str], float] = {}  # J_D -> d below which S* = H2(d)


def _free_limit_saddle(d: float, jd: float, reference: str) -> LocalEntropySaddle:
    """The fully free limit (LOCAL_ENTROPY.md section 14): q_hat = c^2 = 0, y* = infinity,
    every configuration at distance d from the reference is a FP: S* = H_2(d),
    H = p_hat = ln((1-d)/d)/2, Sigma_ref = 0."""
    h = 0.5 * np.log((1.0 - d) / d)
    s = float(binary_entropy(d))
    return LocalEntropySaddle(d, jd, np.inf, reference, h, 0.0, (1.0 - 2.0 * d) ** 2, np.inf, s,
                              0.0, 0.0, h, 0.0)


def _top_down_solution(d: float, jd: float, reference: str) -> LocalEntropySaddle:
    """Zero-complexity saddle for J_D > _JD_TOP_DOWN (LOCAL_ENTROPY.md section 14): natural
    continuation downwards in d, extrapolating in 1/d, from the solution reached at
    d = 0.268 from the large-d side (:func:`_top_start`), cached per J_D. Once the relative
    deficit (H_2(d) - S*)/H_2(d) falls below _FREE_LIMIT_TOL the continuation stops and
    every smaller d gets the fully free limit S* = H_2(d) (the deficit falls like
    exp(-delta^2/(8d)), delta = J_D - Phi^-1(3/4))."""
    key = (jd, reference)
    if d < _FREE_LIMIT.get(key, 0.0):
        return _free_limit_saddle(d, jd, reference)
    known = _DIRECT.setdefault(key, [])
    if not known:
        top = _top_start(jd, reference)
        known.append((_scale(float(np.exp(top[0]))), top[1:]))

    def stop(dd, x):
        sol = _result(x[:3], dd, jd, float(np.exp(x[3])), reference)
        h2 = float(binary_entropy(dd))
        if (h2 - sol.local_entropy) / h2 < _FREE_LIMIT_TOL:
            _FREE_LIMIT[key] = dd
            return True
        return False

    x = _continue(jd, reference, known, d, inverse=True, stop=stop, first_slope=np.zeros(4))
    if x is None:
        return _free_limit_saddle(d, jd, reference)
    return _result(x[:3], d, jd, float(np.exp(x[3])), reference)


def branch_structure(jd: float, reference: str = "fixed_point") -> BranchStructure:
    """The zero-complexity RS branches met at J_D (annealed over J, RS): see :func:`_traces`.
    Each trace is an array of rows (d, S*, y*); folds are the spinodals of each."""
    jd = float(real_array("jd", jd, lower=JD_TRACE_RANGE[0], upper=JD_TRACE_RANGE[1]))
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

    local_entropy: the primary value, the largest S among the zero-complexity RS solutions
    (:func:`_primary`); y_star its y*; saddles the saddle it comes from; n_solutions: how
    many zero-complexity RS solutions exist at that d; other_entropy: the largest S of the
    other solutions (NaN if there is one). collapsed (n_solutions == 0): where no RS
    solution exists except collapsed ones (1 - q1 -> 0: inside the gap of a gapped J_D,
    past the end of the collapsing small-d branch and before the next branch): S* = 0 by
    the convention of LOCAL_ENTROPY.md section 11 (the densest references have e^{o(N)} FPs
    at that distance),
    y_star = inf, saddle None."""

    jd: float
    d: np.ndarray
    local_entropy: np.ndarray
    y_star: np.ndarray
    saddles: list[LocalEntropySaddle | None]
    n_solutions: np.ndarray
    other_entropy: np.ndarray

    @property
    def collapsed(self) -> np.ndarray:
        return self.n_solutions == 0


def _primary(sols: list[LocalEntropySaddle]) -> tuple[LocalEntropySaddle, float]:
    """The branch rule (LOCAL_ENTROPY.md section 11): S* is the largest S among the
    zero-complexity solutions at d, i.e. the largest S at which some branch of references
    is still exponentially numerous (Sigma(S) = max_b Sigma_b(S) >= 0). Equivalently
    S* = min_y max_b phi_b(y)/y with each branch's phi_b frozen at y S_b beyond its own
    y_b* (there Sigma_ref,b < 0: fewer than one reference). Returns (primary, largest other
    S or NaN)."""
    sols = sorted(sols, key=lambda s: s.local_entropy, reverse=True)
    return sols[0], (sols[1].local_entropy if len(sols) > 1 else np.nan)


def _collapsed_gap(traces: list[_Trace], log_d: float) -> bool:
    """Whether ln d lies beyond an end of a trace where its replicas collapsed (past the
    collapse point, in the direction the trace was going there). A trace traced both ways
    from d = 0.268 has two ends: end[0] at points[0], end[-1] at points[-1]."""
    for tr in traces:
        ends = [(tr.end[-1], tr.points[-1][0], tr.points[-2][0])]
        if len(tr.end) == 2:
            ends.append((tr.end[0], tr.points[0][0], tr.points[1][0]))
        for why, last, before in ends:
            if why == "collapsed" and (log_d - last) * (last - before) > 0:
                return True
    return False


def _curve(jd, flat, saddles, counts=None, others=None) -> ZeroComplexityCurve:
    n = flat.shape
    return ZeroComplexityCurve(
        jd, flat, np.array([0.0 if s is None else s.local_entropy for s in saddles]),
        np.array([np.inf if s is None else s.y for s in saddles]), saddles,
        np.ones(n, dtype=int) if counts is None else np.array(counts),
        np.full(n, np.nan) if others is None else np.array(others))


def zero_complexity_curve(d: ArrayLike, jd: float, reference: str = "fixed_point"
                          ) -> ZeroComplexityCurve:
    """Zero-complexity local entropy at every d (array) for one J_D (annealed, RS).

    J_D < _JD_SINGLE = 0.07 (several branches, folds): the branches of
    :func:`branch_structure` (cached per J_D) are solved at each d, every solution they
    have there, and :func:`_primary` (the largest S) picks S*; where only collapsed solutions
    exist (inside a gap, past the end of the collapsing branch) S* = 0 (``collapsed``).
    0.07 <= J_D <= 0.65 (one branch, no fold, LOCAL_ENTROPY.md section 13), unless those
    traces are already cached: natural continuation in d from the small-d limiting solution
    (:func:`_direct_solution`). J_D > 0.65 (FP reference only): continuation down from the
    large-d side, ending in the fully free limit S* = H_2(d) (:func:`_top_down_solution`,
    section 14). d = 1/2 is exact (S* = Sigma). Raises RuntimeError where no branch reaches
    d for a reason other than collapse (a lost trace).
    """
    d = real_array("d", d, lower=D_MIN, upper=0.5)
    jd = float(real_array("jd", jd, lower=JD_RANGE[0], upper=JD_RANGE[1]))
    flat = d.reshape(-1)
    if np.all(flat == 0.5):
        return _curve(jd, flat, [_half_distance(0.5, jd, np.inf, reference)] * flat.size)
    if jd > _JD_TOP_DOWN and reference != "fixed_point":
        raise ValueError("the zero-complexity local entropy above J_D = 0.65 is solved for "
                         "the fixed-point reference only")
    if jd >= _JD_SINGLE and (jd, reference) not in _TRACES:
        solve = _direct_solution if jd <= _JD_TOP_DOWN else _top_down_solution
        return _curve(jd, flat, [_half_distance(0.5, jd, np.inf, reference) if t == 0.5
                                 else solve(float(t), jd, reference) for t in flat])
    traces = _traces(jd, reference)
    rows = []
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
        if sols:
            primary, other = _primary(sols)
            rows.append((primary, len(sols), other))
        elif _collapsed_gap(traces, float(np.log(t))):
            rows.append((None, 0, np.nan))
        else:
            raise RuntimeError(f"no zero-complexity RS solution found at d = {t}, jd = {jd}")
    saddles, counts, others = zip(*rows)
    return _curve(jd, flat, list(saddles), counts, others)


# --------------------------------------------------------------------------- gaps and threshold


def _positive_intervals(table: np.ndarray) -> list[tuple[float, float]]:
    """Intervals of d (linear interpolation in ln d between trace points) where a trace's
    S* > 0; each segment of the trace contributes its positive part."""
    out = []
    for (d0, s0, _), (d1, s1, _) in itertools.pairwise(table):
        lo, hi = sorted((np.log(d0), np.log(d1)))
        s_lo, s_hi = (s0, s1) if np.log(d0) <= np.log(d1) else (s1, s0)
        if s_lo > 0 and s_hi > 0:
            out.append((lo, hi))
        elif s_lo > 0 or s_hi > 0:
            cut = lo + (hi - lo) * s_lo / (s_lo - s_hi)
            out.append((lo, cut) if s_lo > 0 else (cut, hi))
    return out


def _gaps(structure: BranchStructure) -> list[tuple[float, float]]:
    """Subintervals of [D_MIN, 0.49] not covered by any positive part of a non-collapsed
    zero-complexity branch (below D_MIN S* ~ d ln(nu*/d) + d > 0; above 0.49 S* -> Sigma)."""
    pieces = sorted(iv for tr in structure.traces for iv in _positive_intervals(tr))
    gaps, reach = [], np.log(D_MIN)
    for lo, hi in pieces:
        if lo > reach + 1e-9:
            gaps.append((float(np.exp(reach)), float(np.exp(lo))))
        reach = max(reach, hi)
    if reach < _LOG_D_TOP - 1e-9:
        gaps.append((float(np.exp(reach)), 0.49))
    return gaps


@dataclass(frozen=True)
class ClusterPhase:
    """Classification of J_D by the zero-complexity local entropy S*(d) (annealed over J,
    replica symmetric, zero reference complexity; LOCAL_ENTROPY.md section 13).

    phase: "gapped" (on ``gap`` = (d_lo, d_hi) no zero-complexity RS solution has S* > 0
    without its y replicas collapsing onto one configuration: even the densest exponentially
    numerous FPs have no exponential number of FPs at those distances), "gap-free" (S* > 0 on
    all of (0, 1/2], but not increasing) or "dense" (one branch, S* > 0 and increasing on
    all of (0, 1/2]). min_entropy, d_min: the minimum over d in [1e-5, 0.49] of the primary
    S* (the largest S* of all solutions at each d, collapsed ones as 0) - after its first
    maximum for "gap-free", overall for "gapped" - and where it sits (d_min = 0: "dense");
    structure: the branches (:func:`branch_structure`)."""

    jd: float
    phase: str
    gap: tuple[float, float] | None
    min_entropy: float
    d_min: float
    structure: BranchStructure


def _envelope(structure: BranchStructure, log_d: np.ndarray) -> np.ndarray:
    """max over the solutions of every trace (linear interpolation in ln d between trace
    points) of S* at each ln d; 0 where no non-collapsed solution exists (collapsed
    solutions count as S* = 0, section 11)."""
    out = np.full(log_d.shape, -np.inf)
    for tr in structure.traces:
        x, s = np.log(tr[:, 0]), tr[:, 1]
        for (x0, x1), (s0, s1) in zip(itertools.pairwise(x), itertools.pairwise(s)):
            lo, hi = min(x0, x1), max(x0, x1)
            inside = (log_d >= lo) & (log_d <= hi)
            if inside.any():
                w = 0.0 if x1 == x0 else (log_d[inside] - x0) / (x1 - x0)
                out[inside] = np.maximum(out[inside], (1.0 - w) * s0 + w * s1)
    return np.where(np.isfinite(out), out, 0.0)


def cluster_phase(jd: float, reference: str = "fixed_point") -> ClusterPhase:
    r"""Gapped / gap-free / dense classification of J_D (see :class:`ClusterPhase`) from the
    traced zero-complexity branches (:func:`branch_structure`); the gap edges are
    interpolated (linearly in ln d) between trace points, a few percent in d. Below d = 1e-6
    the small-d limit :math:`S^* = d\ln(\nu^*/d) + d > 0` holds (LOCAL_ENTROPY.md section
    10). Approximations: annealed over J, replica symmetric, zero reference complexity,
    collapsed solutions (1 - q1 < 1e-3 (1 - p^2)) counted as S* = 0. 2-4 s per J_D.
    """
    structure = branch_structure(jd, reference)
    gaps = _gaps(structure)
    log_d = np.linspace(np.log(10 * D_MIN), _LOG_D_TOP, 800)
    env = _envelope(structure, log_d)
    falling = np.flatnonzero(np.diff(env) < 0)
    single = len(structure.traces) == 1 and not structure.folds[0]
    if gaps:
        i = int(np.argmin(env))
        return ClusterPhase(structure.jd, "gapped", (gaps[0][0], gaps[-1][1]), float(env[i]),
                            float(np.exp(log_d[i])), structure)
    if single and falling.size == 0:
        return ClusterPhase(structure.jd, "dense", None, float(env.min()), 0.0, structure)
    tail = falling[0]  # the dip after the first maximum
    i = tail + int(np.argmin(env[tail:]))
    return ClusterPhase(structure.jd, "gap-free", None, float(env[i]), float(np.exp(log_d[i])),
                        structure)


@dataclass(frozen=True)
class DenseClusterThreshold:
    """Critical self-coupling of dense clusters (annealed over J, RS, zero complexity).

    jd: the smallest J_D with no gap in S*(d) on (0, 1/2] (:func:`cluster_phase`); error: its
    numerical uncertainty (half the final bisection bracket); d_close: where the last gap
    closes (the gap's position at the gapped end of the bracket); bracket: (gapped J_D,
    gap-free J_D); phases: the ClusterPhase of every J_D evaluated."""

    jd: float
    error: float
    d_close: float
    bracket: tuple[float, float]
    phases: list[ClusterPhase]


def dense_cluster_threshold(bracket: tuple[float, float] = (0.045, 0.0956), xtol: float = 2e-3,
                            reference: str = "fixed_point") -> DenseClusterThreshold:
    r"""The critical J_D above which the zero-complexity local entropy S*(d) has no gap on
    (0, 1/2]: bisection of :func:`cluster_phase` (gapped below, gap-free or dense above) in
    ``bracket`` (default: from J_D = 0.045, gapped, to the margin bound J* = 0.0956 of
    :func:`theory.margin_dense_threshold`) down to ``xtol``.

    Approximations: annealed over J, replica symmetric among the y replicas (stability:
    :func:`theory.local_entropy.replicon_eigenvalue`), zero reference complexity, the branch
    rule of LOCAL_ENTROPY.md section 11 and collapsed solutions (q1 -> 1) counted as S* = 0.
    2-4 s per evaluated J_D (each traces the branches from d = 1e-6 to 0.49).
    """
    lo, hi = (float(b) for b in bracket)
    if not JD_TRACE_RANGE[0] <= lo < hi <= JD_TRACE_RANGE[1]:
        raise ValueError(f"bracket must satisfy {JD_TRACE_RANGE[0]} <= lo < hi <= "
                         f"{JD_TRACE_RANGE[1]}")
    if not xtol > 0:
        raise ValueError("xtol must be > 0")
    phases = [cluster_phase(lo, reference), cluster_phase(hi, reference)]
    if phases[0].phase != "gapped" or phases[1].phase == "gapped":
        raise ValueError(f"bracket {bracket} does not enclose the threshold: "
                         f"{phases[0].phase} at {lo}, {phases[1].phase} at {hi}")
    last_gap = phases[0].gap
    while hi - lo > xtol:
        mid = 0.5 * (lo + hi)
        ph = cluster_phase(mid, reference)
        phases.append(ph)
        if ph.phase == "gapped":
            lo, last_gap = mid, ph.gap
        else:
            hi = mid
    d_close = float(np.sqrt(last_gap[0] * last_gap[1]))
    return DenseClusterThreshold(0.5 * (lo + hi), 0.5 * (hi - lo), d_close, (lo, hi), phases)
