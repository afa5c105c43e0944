r"""Local entropy of fixed points around a reference configuration (large deviations, annealed RS).

Derivation: theory/LOCAL_ENTROPY.md. A reference :math:`\tilde s` is weighted by
:math:`\mathcal N_d(\tilde s)^y`, :math:`\mathcal N_d` the number of fixed points (FPs) at
Hamming fraction d from it (Baldassi et al., PRL 115, 128101 (2015); PNAS 113, E7655 (2016)).
The y-th power is averaged over J (annealed); rows of J are independent, so with y replicas
at overlap p = 1 - 2d with the reference and a replica-symmetric mutual overlap q1 every
site contributes the same Gaussian integral:

.. math:: \phi(y) = \ln 2 + \mathrm{extr}_{\hat p,\hat q,q_1}\Big[-y\hat p p
          - \tfrac{y(y-1)}{2}\hat q q_1 - \tfrac{y}{2}\hat q + \ln G\Big],

.. math:: G = \mathbb E_{m,z}\,F^y,\quad F = e^{h}\Phi\!\Big(\frac{J_D+m}{\epsilon}\Big)
          + e^{-h}\Phi\!\Big(\frac{J_D-m}{\epsilon}\Big),\quad h = \hat p + \sqrt{\hat q}\,z,
          \ \epsilon = \sqrt{1-q_1},

z ~ N(0,1), m = p u + sqrt(q1 - p^2) x ~ N(0, q1) (u the reference's own field, x ~ N(0,1));
a fixed-point reference adds the factor 1[u > -J_D], i.e. the weight
:math:`\Phi((J_D + p m/q_1)/\sqrt{1-p^2/q_1})` on m. Saddle point: with :math:`\langle\cdot\rangle`
the average under the weight :math:`F^y`, :math:`M = \partial_h\ln F`,

.. math:: p = \langle M\rangle,\qquad q_1 = \langle M^2\rangle,\qquad
          \hat q = \langle(\partial_m \ln F)^2\rangle .

Local entropy (nats per neuron): :math:`S = \partial_y\phi = -\hat p p - (y-\tfrac12)\hat q q_1
- \tfrac12\hat q + \langle\ln F\rangle`; complexity of the references
:math:`\Sigma_{\rm ref} = \phi - yS`. y = 1 gives :math:`\phi = \Sigma_2(p)` (FP reference) or
:math:`\Sigma + H_2(d)` (free reference); y -> 0 gives the RS local entropy of a typical reference.
The y -> inf limit drives q1 -> p^2, q_hat -> 0 with the reference's field profile optimised
at no cost (Sigma_ref -> -inf), so the physical value is taken at the zero-complexity y*,
:math:`\Sigma_{\rm ref}(y^*) = 0` (:func:`zero_complexity_saddle`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, special

from theory.counting import complexity
from theory.gaussian import _geometric_offsets, log_integral, log_ndtr, panel_rule
from theory.validation import real_array

LN2 = np.log(2.0)
LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)
REFERENCES = ("fixed_point", "free")
_TOL = 1e-8  # largest accepted residual of the saddle-point equations
_Q1_MAX = 1.0 - 1e-12
_LOG_Y_START = 1.5  # y ~ 4.5: the saddle converges there at smaller d than at y = 1


@dataclass(frozen=True)
class LocalEntropySaddle:
    """RS saddle point at one (d, jd, y, reference): order parameters p_hat, q_hat, q1, the
    free entropy phi(y), the local entropy S = d phi/dy, the reference complexity
    phi - y S (all nats per neuron), and the largest residual of the three equations."""

    d: float
    jd: float
    y: float
    reference: str
    p_hat: float
    q_hat: float
    q1: float
    free_entropy: float
    local_entropy: float
    reference_complexity: float
    residual: float


def _log_hazard(x: np.ndarray) -> np.ndarray:
    """ln(phi(x)/Phi(x)) accurate for all x: log_ndtr above 0, erfcx below (no cancellation)."""
    neg = np.minimum(x, 0.0)
    pos = np.maximum(x, 0.0)
    return np.where(x < 0, 0.5 * np.log(2.0 / np.pi) - np.log(special.erfcx(-neg / np.sqrt(2.0))),
                    -0.5 * pos * pos - LOG_SQRT_2PI - log_ndtr(pos))


def _nodes(p_hat, q_hat, q1, p, jd, y, fixed_point):
    """Quadrature nodes and log weights for m ~ N(0, q1) (times the FP-reference factor) and
    z ~ N(0, 1). The m panels refine geometrically around the steps of F at m = -+J_D (width
    epsilon) and of the reference factor; the z range covers the tilt of F^y (<= y sqrt(q_hat))."""
    eps = np.sqrt(1.0 - q1)
    sq = np.sqrt(q1)
    reach = (jd + 12.0) / sq
    offsets = _geometric_offsets(np.array(0.1), 2.0, 9)
    steps = [jd, -jd]
    widths = [eps, eps]
    ratio = np.sqrt(max(1.0 - p * p / q1, 0.0))
    if fixed_point and p > 0:
        steps.append(-jd * q1 / p)
        widths.append(max(ratio * q1 / p, 1e-300))
    extra = np.concatenate([(s + w * sign * offsets) / sq
                            for s, w in zip(steps, widths) for sign in (1.0, -1.0)])
    breaks = np.unique(np.concatenate([np.linspace(-reach, reach, 17),
                                       np.clip(extra, -reach, reach)]))
    g, wg = panel_rule(breaks)
    log_wm = np.log(wg) - 0.5 * g * g - LOG_SQRT_2PI
    if fixed_point:
        if ratio > 0:
            log_wm = log_wm + log_ndtr((jd + p * g / sq) / ratio)
        else:  # q1 = p^2: u = m/p exactly
            log_wm = np.where(p * g / sq > -jd, log_wm, -np.inf)
    tilt = y * np.sqrt(q_hat)
    z_reach = 10.0 + tilt
    z, wz = panel_rule(np.linspace(-z_reach, z_reach, 9 + int(np.ceil(z_reach))))
    log_wz = np.log(wz) - 0.5 * z * z - LOG_SQRT_2PI
    return sq * g, log_wm, z, log_wz, eps


def _site_averages(p_hat, q_hat, q1, p, jd, y, fixed_point):
    """ln G and the tilted averages <M>, <M^2>, <(d_m ln F)^2>, <ln F> (weight F^y)."""
    q1 = min(q1, _Q1_MAX)
    m, log_wm, z, log_wz, eps = _nodes(p_hat, q_hat, q1, p, jd, y, fixed_point)
    h = p_hat + np.sqrt(q_hat) * z
    xp, xm = (jd + m) / eps, (jd - m) / eps
    a = h[None, :] + log_ndtr(xp)[:, None]  # sigma = +1 term of ln F
    b = -h[None, :] + log_ndtr(xm)[:, None]  # sigma = -1
    log_f = np.logaddexp(a, b)
    mag = np.tanh(0.5 * (a - b))
    grad = (np.exp(a - log_f + _log_hazard(xp)[:, None])
            - np.exp(b - log_f + _log_hazard(xm)[:, None])) / eps
    log_w = log_wm[:, None] + log_wz[None, :] + y * log_f
    log_g = log_integral(log_w.reshape(-1), np.ones(log_w.size))
    w = np.exp(log_w - log_g)
    return log_g, (w * mag).sum(), (w * mag * mag).sum(), (w * grad * grad).sum(), (w * log_f).sum()


def _log_site_integral(p_hat, q_hat, q1, d, jd, y, reference="fixed_point") -> float:
    """ln G of the module docstring (one site, unnormalised FP-reference weight)."""
    return float(_site_averages(p_hat, q_hat, q1, 1.0 - 2.0 * d, jd, y,
                                reference == "fixed_point")[0])


def _residual(x, p, jd, y, fixed_point) -> np.ndarray:
    _, mag, mag2, grad2, _ = _site_averages(*x, p, jd, y, fixed_point)
    return np.array([mag - p, mag2 - x[2], grad2 - x[1]])


def _solve_p_hat(q_hat, q1, p, jd, y, fixed_point) -> float:
    """p = <M> is increasing in p_hat (ln G is convex in p_hat): bracketed root (to 1e-3,
    a starting value for the joint solve)."""
    return optimize.brentq(lambda ph: _residual((ph, q_hat, q1), p, jd, y, fixed_point)[0],
                           -40.0, 40.0, xtol=1e-3)


def _saddle(d: float, jd: float, y: float, reference: str, start=None) -> LocalEntropySaddle:
    """The saddle from the default start and, if given, from ``start``; where both converge to
    different solutions the one with the larger phi is kept (it dominates the sum over
    configurations). A second, collapsed solution (q1 -> 1, S ~ 0, smaller phi) exists for
    some (d, J_D, y) and is reachable by continuation."""
    candidates, error = [], None
    for s0 in (None,) if start is None else (None, start):
        try:
            candidates.append(_saddle_from(d, jd, y, reference, s0))
        except RuntimeError as exc:
            error = error or exc
    if not candidates:
        raise error
    return max(candidates, key=lambda sol: sol.free_entropy)


def _saddle_from(d: float, jd: float, y: float, reference: str, start) -> LocalEntropySaddle:
    fixed_point = reference == "fixed_point"
    p = 1.0 - 2.0 * d
    if d == 0.5:  # the reference decouples: p_hat = q_hat = q1 = 0, S = Sigma
        sigma = float(complexity(jd))
        sigma_ref = sigma if fixed_point else LN2
        return LocalEntropySaddle(d, jd, y, reference, 0.0, 0.0, 0.0, sigma_ref + y * sigma,
                                  sigma, sigma_ref, 0.0)
    if start is None:  # damped fixed-point iteration with the exact p_hat root
        q_hat, q1 = 0.05, p * p + 0.1 * (1.0 - p * p)
        for _ in range(3):
            p_hat = _solve_p_hat(q_hat, q1, p, jd, y, fixed_point)
            r = _residual((p_hat, q_hat, q1), p, jd, y, fixed_point)
            q_hat, q1 = q_hat + 0.5 * r[2], q1 + 0.5 * r[1]
        start = (p_hat, q_hat, q1)
    span = 1.0 - p * p

    def to_x(t):  # q_hat > 0, p^2 < q1 < 1
        return np.array([t[0], np.exp(t[1]), p * p + span * special.expit(t[2])])

    t0 = np.array([start[0], np.log(start[1]), special.logit((start[2] - p * p) / span)])
    sol = optimize.root(lambda t: _residual(to_x(t), p, jd, y, fixed_point), t0, method="hybr",
                        options={"xtol": 1e-13})
    p_hat, q_hat, q1 = to_x(sol.x)
    log_g, mag, mag2, grad2, mean_log_f = _site_averages(p_hat, q_hat, q1, p, jd, y, fixed_point)
    residual = float(max(abs(mag - p), abs(mag2 - q1), abs(grad2 - q_hat)))
    if not residual < _TOL:
        raise RuntimeError(f"local-entropy saddle point not found at d={d}, jd={jd}, y={y} "
                           f"(residual {residual:.1e}); outside the tested range?")
    phi = LN2 - y * p_hat * p - 0.5 * y * (y - 1.0) * q_hat * q1 - 0.5 * y * q_hat + log_g
    s = -p_hat * p - (y - 0.5) * q_hat * q1 - 0.5 * q_hat + mean_log_f
    return LocalEntropySaddle(d, jd, y, reference, float(p_hat), float(q_hat), float(q1),
                              float(phi), float(s), float(phi - y * s), residual)


def _check_scalar(d, jd, reference) -> tuple[float, float]:
    if reference not in REFERENCES:
        raise ValueError(f"reference must be one of {REFERENCES}")
    d = float(real_array("d", d, lower=0.0, upper=0.5))
    jd = float(real_array("jd", jd, lower=0.0))
    if d == 0.0:
        raise ValueError("d must be > 0")
    return d, jd


def local_entropy_saddle(d: float, jd: float, y: float, reference: str = "fixed_point",
                         start: tuple[float, float, float] | None = None) -> LocalEntropySaddle:
    r"""Solve the RS saddle point at fixed y >= 0 (equations in the module docstring).

    A few damped fixed-point sweeps (p_hat from its bracketed root) then Powell's hybrid
    method in variables that keep q_hat > 0 and p^2 < q1 < 1; ``start`` = (p_hat, q_hat, q1)
    is tried as well and the solution with the larger phi is kept (a collapsed solution with
    q1 -> 1 and smaller phi exists at some parameters). Quadrature: 16-point Gauss-Legendre
    panels in log space, refined geometrically at the steps of width sqrt(1 - q1). Raises
    RuntimeError unless all three equations hold to 1e-8. Tried for d >= 0.003, y <= ~100.
    d = 1/2 is exact: S = Sigma(J_D). 2-10 s per call.
    """
    d, jd = _check_scalar(d, jd, reference)
    y = float(real_array("y", y, lower=0.0))
    return _saddle(d, jd, y, reference, start)


def zero_complexity_saddle(d: float, jd: float,
                           reference: str = "fixed_point") -> LocalEntropySaddle:
    r"""The saddle at :math:`y^*` with :math:`\Sigma_{\rm ref}(y^*) = \phi - y^* S = 0`: the
    densest references that are still exponentially many (annealed count e^{0 N}).

    :math:`\Sigma_{\rm ref}` decreases with y (:math:`d\Sigma_{\rm ref}/dy = -y\,dS/dy`, phi
    convex in y). Steps of 1 in ln y from y = e^1.5 bracket the sign change (every saddle from the
    default start, so that the result does not depend on a continuation path),
    then Brent's method in ln y to 1e-7. y* = 0 where Sigma_ref(0) <= 0 (J_D = 0 with a FP
    reference); y* = inf at d = 1/2 (S = Sigma there for every y); y* grows to ~1e3 near
    d = 0.45, where the quadrature fails (RuntimeError). 0.5-3 min per call.
    """
    d, jd = _check_scalar(d, jd, reference)
    if d == 0.5:
        return _saddle(d, jd, np.inf, reference)
    if reference == "fixed_point" and complexity(jd) <= 0:
        return _saddle(d, jd, 0.0, reference)
    found: dict[float, LocalEntropySaddle] = {}

    def sigma_ref(log_y: float) -> float:
        if log_y not in found:
            found[log_y] = _saddle(d, jd, float(np.exp(log_y)), reference)
        return found[log_y].reference_complexity

    lo = hi = _LOG_Y_START
    if sigma_ref(lo) > 0:
        while sigma_ref(hi) > 0:
            lo, hi = hi, hi + 1.0
            if hi > 25:
                raise RuntimeError(f"no zero-complexity y below e^25 at d={d}, jd={jd}")
    else:
        while sigma_ref(lo) <= 0:
            lo, hi = lo - 1.0, lo
            if lo < -25:
                raise RuntimeError(f"no zero-complexity y above e^-25 at d={d}, jd={jd}")
    log_y = optimize.brentq(sigma_ref, lo, hi, xtol=1e-7)
    sigma_ref(log_y)
    return found[log_y]


def local_entropy(d: ArrayLike, jd: ArrayLike, y: ArrayLike | None = None,
                  reference: str = "fixed_point") -> np.ndarray:
    r"""Local entropy S(d) (nats per neuron): (1/N) ln of the number of fixed points at Hamming
    fraction d from the reference selected by the large-deviation weight N_d^y, annealed over
    J, replica-symmetric (see module docstring and theory/LOCAL_ENTROPY.md).

    ``y=None`` (default) uses the zero-complexity y* (:func:`zero_complexity_saddle`): the
    largest local entropy of references that are still exponentially many. A number y >= 0
    fixes y instead (y = 0: a typical reference). ``reference``: "fixed_point" (the
    reference must itself be a FP) or "free". Broadcasts d in (0, 1/2] and jd >= 0 and loops
    over the elements (2-10 s per point at fixed y, 0.5-3 min at y*); raises RuntimeError
    where the saddle point is not found.
    """
    d = real_array("d", d, lower=0.0, upper=0.5)
    jd = real_array("jd", jd, lower=0.0)
    if y is not None:
        y = real_array("y", y, lower=0.0)
    if reference not in REFERENCES:
        raise ValueError(f"reference must be one of {REFERENCES}")
    arrays = np.broadcast_arrays(d, jd) if y is None else np.broadcast_arrays(d, jd, y)
    out = np.empty(arrays[0].shape)
    for idx in np.ndindex(out.shape):
        if y is None:
            sol = zero_complexity_saddle(arrays[0][idx], arrays[1][idx], reference)
        else:
            sol = local_entropy_saddle(arrays[0][idx], arrays[1][idx], arrays[2][idx], reference)
        out[idx] = sol.local_entropy
    return out
