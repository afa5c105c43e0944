r"""Local entropy of fixed points around a reference configuration (large deviations, annealed RS).

Derivation: theory/LOCAL_ENTROPY.md. A reference :math:`\tilde s` is weighted by
:math:`\mathcal N_d(\tilde s)^y`, :math:`\mathcal N_d` the number of fixed points (FPs) at
Hamming fraction d from it (Baldassi et al., PRL 115, 128101 (2015); PNAS 113, E7655 (2016)).
The y-th power is averaged over J (annealed); rows of J are independent, so with y replicas
at overlap p = 1 - 2d with the reference and a replica-symmetric mutual overlap q1 every
site contributes the same Gaussian integral. In the variables used here (LOCAL_ENTROPY.md
section 10), which keep the cancellations of the small-d regime explicit,

.. math:: \phi(y) = \ln 2 + \mathrm{extr}_{H,\hat q,c^2}\Big[2dyH
          - \tfrac{y^2}{2}\hat q(4d^2 + c^2) - \tfrac{y}{2}\hat q\epsilon^2 + L\Big],\quad
          L = \ln\mathbb E_{m,z}\, w(m)\, e^{y\ell},

.. math:: \ell = \ln\big[\Phi(\tfrac{J_D+m}{\epsilon})
          + e^{-2h}\Phi(\tfrac{J_D-m}{\epsilon})\big],\quad h = H + \sqrt{\hat q}\,z,

with :math:`H = \hat p + y\hat q` (the conjugate of p shifted by the replica coupling),
:math:`c^2 = q_1 - p^2`, :math:`\epsilon^2 = 1 - q_1 = 4d(1-d) - c^2`, m ~ N(0, q1),
z ~ N(0, 1), and w(m) = 1 (free reference) or :math:`\Phi((J_D + pm/q_1)/\sqrt{c^2/q_1})`
(the reference is a FP). With :math:`\pi = e^{-2h}\Phi(\tfrac{J_D-m}{\epsilon})/e^{\ell}` the
probability that a replica flips the site and :math:`\langle\cdot\rangle` the average under
:math:`w e^{y\ell}`, the saddle point is

.. math:: \langle\pi\rangle = d,\qquad c^2 = 4\langle(\pi - d)^2\rangle,\qquad
          \hat q = \langle(\partial_m \ell)^2\rangle,

the local entropy (nats per neuron) :math:`S = \partial_y\phi = 2dH - y\hat q(4d^2+c^2)
- \hat q\epsilon^2/2 + \langle\ell\rangle` and the reference complexity
:math:`\Sigma_{\rm ref} = \phi - yS
= \ln 2 + \tfrac{y^2}{2}\hat q(4d^2+c^2) + L - y\langle\ell\rangle`.
y = 1 gives :math:`\phi = \Sigma_2(p)` (FP reference) or :math:`\Sigma + H_2(d)` (free
reference). The physical value is taken at the zero-complexity y*,
:math:`\Sigma_{\rm ref}(y^*) = 0` (:func:`zero_complexity_saddle`); as d -> 0,
y* ~ Y/d, H ~ ln(1/d)/2, c^2 ~ d^2, and :math:`S^* = d\ln(\nu^*/d) + d + o(d)` with
:math:`\nu^*` the largest free fraction of an exponentially numerous FP
(:func:`densest_free_fraction`, :func:`small_distance_local_entropy`); for
:math:`J_D > \Phi^{-1}(3/4)`, :math:`\nu^* = 1` and :math:`S^* \to H_2(d)` up to a deficit
~ exp(-(J_D - Phi^-1(3/4))^2/(8d)) (LOCAL_ENTROPY.md section 14). Near d = 1/2,
:math:`S^* = \Sigma - a p^2 + b p^4 + O(p^6)`, p = 1 - 2d, with y* ~ Y/p^2 and a, b from a
closed-form stationary point and a 1-D integral (:func:`half_distance_expansion`, section 15).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, special

from theory._site_kernel import (
    CROSS,
    ELL_REL,
    FIELD,
    GRAD2,
    LOG_NORM,
    PI,
    SPIN,
    VAR,
    _site_jacobian_sums,
    _site_sums,
    _tilted_terms,
)
from theory.counting import binary_entropy, complexity, free_fraction
from theory.gaussian import _geometric_offsets, log_ndtr, panel_rule
from theory.validation import real_array

LN2 = np.log(2.0)
LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)
REFERENCES = ("fixed_point", "free")
_TOL = 1e-9  # largest accepted residual of the (relative) saddle-point equations
D_MIN = 1e-6  # smallest distance the solver is stated for
D_HALF = 0.46  # above it local_entropy uses the expansion in p = 1 - 2d (LOCAL_ENTROPY.md
# section 15; error <= |b| p^6 < 3e-8 there): towards 1/2, y* ~ (1-2d)^-2 diverges, Sigma_ref = 0
# is a cancellation of terms ~ y* and the solver stalls (0.479 at J_D = 2, section 14)
JD_RANGE = (0.02, 2.0)  # self-couplings the zero-complexity local entropy is stated for
JD_TRACE_RANGE = (0.02, 0.65)  # ... and the branch tracing from the small-d limit (above
# Phi^-1(3/4) = 0.6745 the densest free fraction is nu* = 1 and that limit does not apply;
# the local entropy there comes from the large-d side, LOCAL_ENTROPY.md section 14)


@dataclass(frozen=True)
class LocalEntropySaddle:
    """RS saddle point at one (d, jd, y, reference): order parameters p_hat, q_hat, q1 of the
    original formulation and the rescaled h_field = p_hat + y q_hat, c2 = q1 - p^2; the free
    entropy phi(y), the local entropy S = d phi/dy, the reference complexity phi - y S (all
    nats per neuron), and the largest residual of the three equations (relative)."""

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
    h_field: float = 0.0
    c2: float = 0.0


# --------------------------------------------------------------------------- site integral


def _log_hazard(x: np.ndarray) -> np.ndarray:
    """ln(phi(x)/Phi(x)) accurate for all x: log_ndtr above 0, erfcx below (no cancellation)."""
    neg = np.minimum(x, 0.0)
    pos = np.maximum(x, 0.0)
    return np.where(x < 0, 0.5 * np.log(2.0 / np.pi) - np.log(special.erfcx(-neg / np.sqrt(2.0))),
                    -0.5 * pos * pos - LOG_SQRT_2PI - log_ndtr(pos))


@dataclass(frozen=True)
class _Point:
    """Rescaled order parameters: H, q_hat, c2 = q1 - p^2 (with eps2 = 1 - q1 kept apart)."""

    h_field: float
    q_hat: float
    c2: float
    eps2: float


def _point(d: float, h_field: float, log_q_hat: float, logit_c: float) -> _Point:
    span = 4.0 * d * (1.0 - d)  # 1 - p^2
    return _Point(h_field, float(np.exp(log_q_hat)), span * float(special.expit(logit_c)),
                  span * float(special.expit(-logit_c)))


_M_ORDER = 8  # Gauss-Legendre points per m panel
_M_OFFSETS = 7  # geometric panels on each side of a step: 0.1, 0.3, ..., 12.7 widths
_Z_PANEL = 4.0  # width of the z panels
_Z_ORDER = 12  # Gauss-Legendre points per z panel


def _m_nodes(pt: _Point, d: float, jd: float, y: float, fixed_point: bool):
    """Nodes and log weights for m ~ N(0, q1) times the reference factor w(m). Panels refine
    geometrically at every narrow step of the integrand: m = -J_D and +J_D (width eps), the
    depletion layer of Phi((J_D+m)/eps)^y at m = -J_D + eps x*, Phi(x*) = 1 - 1/y (and its
    mirror at +J_D), and the reference's own step at m = -J_D q1/p (width c sqrt(q1)/p)."""
    p = 1.0 - 2.0 * d
    q1 = p * p + pt.c2
    eps = np.sqrt(pt.eps2)
    sq = np.sqrt(q1)
    reach = jd + 12.0 * sq
    x_star = float(-special.ndtri(1.0 / y)) if y > 2.0 else 0.0
    steps = [(-jd, eps), (jd, eps)]
    if x_star > 1.0:
        steps += [(-jd + eps * x_star, eps / x_star), (jd - eps * x_star, eps / x_star)]
    if fixed_point and p > 0:
        steps.append((-jd * q1 / p, np.sqrt(pt.c2) * sq / p))
    offsets = _geometric_offsets(np.array(0.1), np.inf, _M_OFFSETS)
    extra = np.concatenate([s + w * sign * offsets for s, w in steps for sign in (1.0, -1.0)])
    breaks = np.unique(np.concatenate([np.linspace(-reach, reach, 17),
                                       np.clip(extra, -reach, reach)]))
    m, wm = panel_rule(breaks, _M_ORDER)
    log_wm = np.log(wm) - 0.5 * m * m / q1 - 0.5 * np.log(q1) - LOG_SQRT_2PI
    if fixed_point:
        log_wm = log_wm + log_ndtr((jd + p * m / q1) / np.sqrt(pt.c2 / q1))
    return m, log_wm


def _softplus_shift(h_field: float, offset: np.ndarray) -> np.ndarray:
    """ln(1 + e^{-2(H + offset)}) - ln(1 + e^{-2H}) = ln(1 + pi_0 (e^{-2 offset} - 1)),
    pi_0 = 1/(1 + e^{2H}), accurate for tiny offsets (no difference of nearly equal terms)."""
    return np.log1p(special.expit(-2.0 * h_field) * np.expm1(-2.0 * offset))


def _z_nodes(pt: _Point, y: float):
    """Nodes for z ~ N(0, 1) (already shifted by the tilt y sqrt(q_hat) of the replicas that
    keep the site). The mode where all y replicas flip it (z ~ -2 y sqrt(q_hat); relative
    weight ~ exp(2 y^2 q_hat - 2 y H)) is located with the bound
    -z^2/2 + y [ln(1 + e^{-2h}) - ln(1 + e^{-2H})] on the integrand: panels cover every z
    where the bound is within e^-45 of its maximum."""
    sq = np.sqrt(pt.q_hat)
    if 2.0 * y * sq > 4000.0:  # far outside the solutions met; no finite result (NaN)
        return np.array([np.nan]), np.array([np.nan])
    grid = np.arange(min(-10.0, -2.0 * y * sq - 10.0), 10.0 + 1e-9, 0.25)
    bound = -0.5 * grid * grid + y * _softplus_shift(pt.h_field, sq * grid)
    if not np.isfinite(bound.max()):
        return np.array([np.nan]), np.array([np.nan])
    left = np.unique(_Z_PANEL * np.floor(grid[bound > bound.max() - 45.0] / _Z_PANEL))
    z, wz = panel_rule(np.stack([left, left + _Z_PANEL], axis=-1), _Z_ORDER)
    z, wz = z.reshape(-1), wz.reshape(-1)
    return z, np.log(wz) - 0.5 * z * z - LOG_SQRT_2PI


@dataclass(frozen=True)
class _Grid:
    """The site integral's quadrature at one point: m nodes, z offsets sqrt(q_hat) z, eps,
    x+- = (J_D +- m)/eps and the hazards r(x+-) = phi/Phi, with the tilted per-node terms of
    :func:`theory._site_kernel._tilted_terms` (log weights, pi, l - l_0, largest log weight)."""

    m: np.ndarray
    offset: np.ndarray
    eps: float
    xp: np.ndarray
    xm: np.ndarray
    rp: np.ndarray
    rm: np.ndarray
    log_w: np.ndarray
    pis: np.ndarray
    ells: np.ndarray
    top: float


def _grid(pt: _Point, d: float, jd: float, y: float, fixed_point: bool) -> _Grid:
    m, log_wm = _m_nodes(pt, d, jd, y, fixed_point)
    z, log_wz = _z_nodes(pt, y)
    eps = float(np.sqrt(pt.eps2))
    offset = np.sqrt(pt.q_hat) * z
    xp, xm = (jd + m) / eps, (jd - m) / eps
    log_w, pis, ells, top = _tilted_terms(
        log_ndtr(xp), log_ndtr(xm), special.ndtr(-xp), special.ndtr(-xm), log_wm,
        pt.h_field + offset, _softplus_shift(pt.h_field, offset), log_wz, float(y))
    return _Grid(m, offset, eps, xp, xm, np.exp(_log_hazard(xp)), np.exp(_log_hazard(xm)),
                 log_w, pis, ells, top)


def _site(pt: _Point, d: float, jd: float, y: float, fixed_point: bool,
          replicon: bool = False) -> dict:
    """L and the tilted averages <pi>, <(pi - d)^2>, <(d_m l)^2>, <l> (module docstring);
    with ``replicon`` also <(d_h^2 l)^2>, <(d_m^2 l)^2>, <(d_h d_m l)^2> (LOCAL_ENTROPY.md
    section 12; d_h^2 l = 4 pi (1-pi), d_h d_m l = 2 pi (1-pi)(r(x+) + r(x-))/eps,
    d_m^2 l = -[(1-pi) x+ r(x+) + pi x- r(x-)]/eps^2 - (d_m l)^2). Also "L_rel" = L - y l_0
    and "ell_rel" = <l> - l_0, l_0 = ln(1 + e^{-2H}), for Sigma_ref = ... + L_rel - y ell_rel
    without the cancellation of y l_0 (y reaches 1e30 in the fully free regime, section 14).
    The grid sums run in :mod:`theory._site_kernel`."""
    g = _grid(pt, d, jd, y, fixed_point)
    sums = _site_sums(g.log_w, g.pis, g.ells, g.top, g.rp, g.rm, g.xp, g.xm, g.eps, float(d),
                      replicon)
    ell0 = float(np.logaddexp(0.0, -2.0 * pt.h_field))
    out = {"L": sums[LOG_NORM] + y * ell0, "L_rel": sums[LOG_NORM], "pi": sums[PI],
           "var": sums[VAR], "grad2": sums[GRAD2], "ell": ell0 + sums[ELL_REL],
           "ell_rel": sums[ELL_REL]}
    if replicon:
        out.update(spin=sums[SPIN], field=sums[FIELD], cross=sums[CROSS])
    return out


def _zero_complexity_jacobian(x: np.ndarray, d: float, jd: float, fixed_point: bool
                              ) -> np.ndarray:
    r"""Analytic 4 x 5 Jacobian of the zero-complexity residuals (:func:`_equations` and
    Sigma_ref) with respect to (ln d, H, ln q_hat, logit c^2, ln y), on the quadrature grid of
    :func:`_site`: every average is differentiated at fixed t = m/sqrt(q1) and z (so the
    Gaussian measures do not move), d<f> = <df> + <f d ln W> - <f><d ln W>, W the tilted
    weight; per-node derivatives in :func:`theory._site_kernel._site_jacobian_sums`. The
    parameters act through p = 1 - 2d, c^2 = 4d(1-d) sigma(v), eps^2 = 4d(1-d) sigma(-v),
    q1 = p^2 + c^2, h = H + sqrt(q_hat) z, l_0(H) and the reference factor
    Phi(a), a = (J_D sqrt(q1) + p t)/c."""
    y = float(np.exp(x[3]))
    pt = _point(d, *x[:3])
    g = _grid(pt, d, jd, y, fixed_point)
    m, eps, c2 = g.m, g.eps, pt.c2
    p, span = 1.0 - 2.0 * d, 4.0 * d * (1.0 - d)
    q1 = p * p + c2
    sig_c, sig_e = c2 / span, pt.eps2 / span
    # derivatives of (p, c^2, eps^2, q1) along (ln d, H, ln q_hat, logit c^2, ln y)
    dp = np.array([-2.0 * d, 0.0, 0.0, 0.0, 0.0])
    dc2 = np.array([4.0 * p * d * sig_c, 0.0, 0.0, c2 * sig_e, 0.0])
    deps2 = np.array([4.0 * p * d * sig_e, 0.0, 0.0, -c2 * sig_e, 0.0])
    dq1 = 2.0 * p * dp + dc2
    dm = m[None, :] / (2.0 * q1) * dq1[:, None]
    if fixed_point:
        c, t = np.sqrt(c2), m / np.sqrt(q1)
        a = (jd * np.sqrt(q1) + p * t) / c
        dref = np.exp(_log_hazard(a))[None, :] * (
            jd / (2.0 * np.sqrt(q1) * c) * dq1[:, None] + t[None, :] / c * dp[:, None]
            - a[None, :] / (2.0 * c2) * dc2[:, None])
    else:
        dref = np.zeros((5, m.size))
    dh = np.zeros((5, g.offset.size))
    dh[1], dh[2] = 1.0, 0.5 * g.offset
    dell0 = np.array([0.0, 2.0 * float(special.expit(-2.0 * pt.h_field)), 0.0, 0.0, 0.0])
    s = _site_jacobian_sums(g.log_w, g.pis, g.ells, g.top, g.rp, g.rm, g.xp, g.xm, eps,
                            float(d), y, dm, dref, dh, deps2 / (2.0 * eps), dell0)
    pi, var, grad2, ell = s[1:5]
    blocks = s[5:].reshape(5, 9)
    d_lw = blocks[:, 0]
    d_pi = blocks[:, 1] + blocks[:, 5] - pi * d_lw
    d_var = blocks[:, 2] + blocks[:, 6] - var * d_lw
    d_var[0] -= 2.0 * (pi - d) * d  # the explicit d in (pi - d)^2
    d_grad2 = blocks[:, 3] + blocks[:, 7] - grad2 * d_lw
    d_ell = blocks[:, 4] + blocks[:, 8] - ell * d_lw
    unit = np.eye(5)
    tilt = 0.5 * y * y * pt.q_hat
    return np.array([
        d_pi / pi - unit[0],
        d_var / var - dc2 / c2,
        d_grad2 / grad2 - unit[2],
        tilt * (4.0 * d * d + c2) * (2.0 * unit[4] + unit[2])
        + tilt * (8.0 * d * d * unit[0] + dc2) + d_lw - y * d_ell - y * ell * unit[4]])


def _log_site_integral(p_hat, q_hat, q1, d, jd, y, reference="fixed_point") -> float:
    r"""ln G = ln E_{m,z} F^y of the original formulation (LOCAL_ENTROPY.md section 4),
    F = e^{h}Phi((J+m)/eps) + e^{-h}Phi((J-m)/eps), h = p_hat + sqrt(q_hat) z, evaluated
    through the shifted integral: ln G = y p_hat + y^2 q_hat/2 + L(H = p_hat + y q_hat)."""
    p = 1.0 - 2.0 * d
    pt = _Point(p_hat + y * q_hat, q_hat, q1 - p * p, 1.0 - q1)
    site = _site(pt, d, jd, y, reference == "fixed_point")
    return y * p_hat + 0.5 * y * y * q_hat + site["L"]


# --------------------------------------------------------------------------- saddle point


def _equations(site: dict, pt: _Point, d: float) -> np.ndarray:
    """The three saddle equations as relative (log) residuals."""
    with np.errstate(divide="ignore"):
        return np.array([np.log(site["pi"] / d), np.log(4.0 * site["var"] / pt.c2),
                         np.log(site["grad2"] / pt.q_hat)])


def _reference_complexity(site: dict, pt: _Point, d: float, y: float) -> float:
    return (LN2 + 0.5 * y * y * pt.q_hat * (4.0 * d * d + pt.c2) + site["L_rel"]
            - y * site["ell_rel"])


def _result(x: np.ndarray, d: float, jd: float, y: float, reference: str) -> LocalEntropySaddle:
    pt = _point(d, *x)
    site = _site(pt, d, jd, y, reference == "fixed_point")
    residual = float(np.max(np.abs(_equations(site, pt, d))))
    p = 1.0 - 2.0 * d
    s = (2.0 * d * pt.h_field - y * pt.q_hat * (4.0 * d * d + pt.c2) - 0.5 * pt.q_hat * pt.eps2
         + site["ell"])
    sigma_ref = _reference_complexity(site, pt, d, y)
    return LocalEntropySaddle(d, jd, y, reference, pt.h_field - y * pt.q_hat, pt.q_hat,
                              p * p + pt.c2, sigma_ref + y * s, s, sigma_ref, residual,
                              pt.h_field, pt.c2)


def _to_x(sol: LocalEntropySaddle) -> np.ndarray:
    span = 4.0 * sol.d * (1.0 - sol.d)
    return np.array([sol.h_field, np.log(sol.q_hat), np.log(sol.c2 / (span - sol.c2))])


def _fixed_y_residual(x, d, jd, y, fixed_point) -> np.ndarray:
    pt = _point(d, *x)
    return _equations(_site(pt, d, jd, y, fixed_point), pt, d)


def _default_start(d: float, jd: float, y: float, fixed_point: bool) -> np.ndarray:
    """Damped fixed-point sweeps from q1 = p^2 + 0.1(1 - p^2), q_hat = 0.05 with H from the
    bracketed root of <pi> = d (<pi> decreases with H)."""
    x = np.array([0.0, np.log(0.05), special.logit(0.1)])
    for _ in range(6):
        x[0] = optimize.brentq(lambda h: _fixed_y_residual((h, x[1], x[2]), d, jd, y,
                                                           fixed_point)[0],
                               -40.0, 40.0 + np.log(1.0 / d), xtol=1e-6)
        r = _fixed_y_residual(x, d, jd, y, fixed_point)
        x[1] += 0.5 * r[2]
        x[2] += 0.5 * r[1]
    return x


def _guarded(func):
    """func with non-finite or out-of-range trial points, and trial points where it cannot be
    evaluated (a degenerate overlap, q1 = 0: ZeroDivisionError), mapped to a large residual
    (so that the solvers back off instead of propagating NaN)."""

    def wrapped(x):
        if not np.all(np.isfinite(x)) or np.max(np.abs(x)) > 200.0:
            return np.full(len(x), 1e3)
        with np.errstate(all="ignore"):
            try:
                r = func(x)
            except (ZeroDivisionError, OverflowError):
                return np.full(len(x), 1e3)
        return np.where(np.isfinite(r), r, 1e3)

    return wrapped


def _solve(func, x0: np.ndarray, maxfev: int = 300) -> tuple[np.ndarray, bool]:
    func = _guarded(func)
    sol = optimize.root(func, x0, method="hybr", options={"xtol": 1e-12, "maxfev": maxfev})
    res = func(sol.x)
    return sol.x, bool(np.all(np.isfinite(res)) and np.max(np.abs(res)) < _TOL)


def _newton(func, jacobian, x0: np.ndarray, jac: np.ndarray | None = None, maxfev: int = 60,
            fixed_rows: np.ndarray | None = None, stiff: bool = False
            ) -> tuple[np.ndarray, bool, np.ndarray]:
    """Newton's method with Broyden updates between exact Jacobians (``jacobian(x)``,
    counted as 2 evaluations of func), taken when none is given and when a step fails to
    reduce the residual; with ``stiff`` at every iterate (Newton proper: the arclength
    traces, whose approach to collapse has a nearly rank-2 Jacobian, LOCAL_ENTROPY.md
    section 11), the given Jacobian only for the first step. Step halving along a fresh
    Jacobian; stop when every residual is below _TOL / 100 (or a step fails to reduce it
    below _TOL). ``fixed_rows``: exact trailing rows of the Jacobian (the linear arclength
    equation), kept through Broyden updates. Returns (x, converged to _TOL, the last
    Jacobian) - the Jacobian is reused by the continuation in d, where it changes little
    from one point to the next."""
    func = _guarded(func)
    x = np.asarray(x0, dtype=float).copy()
    r = func(x)
    evals, fresh = 1, False

    def exact(x):
        with np.errstate(all="ignore"):
            return jacobian(x)

    if jac is None:
        jac, evals, fresh = exact(x), evals + 2, True
    while evals < maxfev:
        norm = np.max(np.abs(r))
        if norm < 1e-2 * _TOL:
            break
        try:
            dx = -np.linalg.solve(jac, r)
        except np.linalg.LinAlgError:
            dx = -np.linalg.lstsq(jac, r, rcond=None)[0]
        if not np.all(np.isfinite(dx)):
            break
        # below _TOL: at the noise floor, stop
        for _ in range(6 if fresh and norm >= _TOL else 1):
            r_new = func(x + dx)
            evals += 1
            if np.max(np.abs(r_new)) < norm:
                break
            dx *= 0.5
        else:
            if norm < _TOL or fresh:
                break
            jac, evals, fresh = exact(x), evals + 2, True
            continue
        jac = jac + np.outer(r_new - r - jac @ dx, dx) / (dx @ dx)
        x, r, fresh = x + dx, r_new, False
        if stiff and np.max(np.abs(r)) > _TOL and evals + 2 < maxfev:
            jac, evals, fresh = exact(x), evals + 2, True
        elif fixed_rows is not None:
            jac[-len(fixed_rows):] = fixed_rows
    return x, bool(np.max(np.abs(r)) < _TOL), jac


def _check_scalar(d, jd, reference) -> tuple[float, float]:
    if reference not in REFERENCES:
        raise ValueError(f"reference must be one of {REFERENCES}")
    d = float(real_array("d", d, lower=0.0, upper=0.5))
    jd = float(real_array("jd", jd, lower=0.0))
    if d == 0.0:
        raise ValueError("d must be > 0")
    return d, jd


def _half_distance(d, jd, y, reference) -> LocalEntropySaddle:
    """d = 1/2: the reference decouples, p_hat = q_hat = q1 = 0, S = Sigma for every y."""
    sigma = float(complexity(jd))
    sigma_ref = sigma if reference == "fixed_point" else LN2
    return LocalEntropySaddle(d, jd, y, reference, 0.0, 0.0, 0.0, sigma_ref + y * sigma, sigma,
                              sigma_ref, 0.0)


def local_entropy_saddle(d: float, jd: float, y: float, reference: str = "fixed_point",
                         start: tuple[float, float, float] | LocalEntropySaddle | None = None
                         ) -> LocalEntropySaddle:
    r"""Solve the RS saddle point at fixed y >= 0 (equations in the module docstring).

    Powell's hybrid method in (H, ln q_hat, logit(c^2/(1-p^2))) with relative residuals, from
    ``start`` (a saddle or (p_hat, q_hat, q1)) if given, else from damped fixed-point sweeps
    (q1 = p^2 + 0.1(1 - p^2), q_hat = 0.05, H from its bracketed root). Raises RuntimeError
    unless all three equations hold to 1e-9 (relative). d = 1/2 is exact: S = Sigma(J_D).
    """
    d, jd = _check_scalar(d, jd, reference)
    y = float(real_array("y", y, lower=0.0))
    if d == 0.5:
        return _half_distance(d, jd, y, reference)
    fixed_point = reference == "fixed_point"
    if isinstance(start, LocalEntropySaddle):
        x0 = _to_x(start)
    elif start is not None:
        p = 1.0 - 2.0 * d
        span = 1.0 - p * p
        g = (start[2] - p * p) / span
        x0 = np.array([start[0] + y * start[1], np.log(start[1]), np.log(g / (1.0 - g))])
    else:
        x0 = _default_start(d, jd, y, fixed_point)
    x, ok = _solve(lambda t: _fixed_y_residual(t, d, jd, y, fixed_point), x0)
    if not ok:
        raise RuntimeError(f"local-entropy saddle point not found at d={d}, jd={jd}, y={y}")
    return _result(x, d, jd, y, reference)


def replicon_eigenvalue(sol: LocalEntropySaddle) -> float:
    r"""Replicon stability of an RS saddle among the y replicas (LOCAL_ENTROPY.md section 12):

    .. math:: \Lambda = (1 - \gamma_{hm})^2 - \gamma_{hh}\gamma_{mm},\quad
              \gamma_{hh} = \langle(\partial_h^2\ell)^2\rangle,\
              \gamma_{mm} = \langle(\partial_m^2\ell)^2\rangle,\
              \gamma_{hm} = \langle(\partial_h\partial_m\ell)^2\rangle,

    the second variation of phi along a replicon mode (delta q_ab with zero row sums) after
    the conjugate delta q_hat_ab is integrated out; the RS saddle is locally stable against
    these modes iff Lambda > 0. Only the y-replica overlap block is checked (not the
    overlap with the reference, nor 1RSB with a different structure).
    """
    if not sol.d < 0.5:
        raise ValueError("d must be < 1/2 for the replicon (at d = 1/2 the solution is "
                         "the decoupled limit y* -> infinity)")
    span = 4.0 * sol.d * (1.0 - sol.d)
    pt = _Point(sol.h_field, sol.q_hat, sol.c2, span - sol.c2)
    site = _site(pt, sol.d, sol.jd, sol.y, sol.reference == "fixed_point", replicon=True)
    return float((1.0 - site["cross"]) ** 2 - site["spin"] * site["field"])


# --------------------------------------------------------------------------- zero complexity


def densest_free_fraction(jd: ArrayLike) -> np.ndarray:
    r"""Largest fraction :math:`\nu^*` of free neurons (:math:`|\sum_{j\ne i}J_{ij}s_j| < J_D`)
    that exponentially many FPs have (annealed): the root :math:`\nu > f` of

    .. math:: \mathrm{KL}(\nu\,\|\,f) = \nu\ln\frac{\nu}{f} + (1-\nu)\ln\frac{1-\nu}{1-f}
              = \Sigma(J_D),

    f the typical free fraction (:func:`theory.free_fraction`); :math:`\nu^* = 1` for
    :math:`J_D \ge \Phi^{-1}(3/4)` (fully free configurations are then exponentially many).
    The annealed count of FPs with free fraction nu is
    :math:`\exp N[\Sigma - \mathrm{KL}(\nu\|f)]`. Solved by bisection in logit(nu).
    """
    jd = real_array("jd", jd, lower=0.0)
    if (jd == 0).any():
        raise ValueError("jd must be > 0 (no free neurons at J_D = 0)")
    f = free_fraction(jd)
    sigma = complexity(jd)
    full = np.log(2.0) + np.log(special.erf(jd / np.sqrt(2.0))) >= 0
    lo, hi = special.logit(f), np.full(jd.shape, 40.0)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        nu = special.expit(mid)
        kl = special.rel_entr(nu, f) + special.rel_entr(1.0 - nu, 1.0 - f)
        low = kl < sigma
        lo, hi = np.where(low, mid, lo), np.where(low, hi, mid)
    return np.where(full, 1.0, special.expit(0.5 * (lo + hi)))


def small_distance_local_entropy(d: ArrayLike, jd: ArrayLike) -> np.ndarray:
    r"""Leading small-d behaviour of the zero-complexity local entropy (LOCAL_ENTROPY.md
    section 10): :math:`S^*(d) = d\ln(\nu^*/d) + d + O(d^{3/2}\sqrt{\ln(1/d)})`, the
    entropy of flipping dN of the :math:`\nu^* N` free neurons of the densest exponentially
    numerous FPs (:func:`densest_free_fraction`). Valid for d << J_D^2 (the flips must not
    move the other neurons' fields by more than their distance to the threshold). For
    :math:`J_D > \Phi^{-1}(3/4)` (nu* = 1) the fully free limit :math:`S^* = H_2(d)`
    instead, up to a deficit ~ exp(-(J_D - Phi^-1(3/4))^2/(8d)) (section 14)."""
    d = real_array("d", d, lower=0.0, upper=0.5)
    nu = densest_free_fraction(jd)
    with np.errstate(divide="ignore", invalid="ignore"):
        partial = np.where(d > 0, d * (np.log(nu / d) + 1.0), 0.0)
    return np.where(nu == 1.0, binary_entropy(d), partial)


def _zero_complexity_residual(x, d, jd, fixed_point) -> np.ndarray:
    y = float(np.exp(x[3]))
    pt = _point(d, *x[:3])
    site = _site(pt, d, jd, y, fixed_point)
    return np.append(_equations(site, pt, d), _reference_complexity(site, pt, d, y))


def _asymptotic_start(d: float, jd: float, fixed_point: bool) -> np.ndarray:
    """Start at small d from the limiting solution (LOCAL_ENTROPY.md section 10): flips only
    at the free sites of a reference with free fraction nu*, at rate d/nu*:
    H = ln(nu*/d)/2, c^2 = 4 d^2 (1/nu* - 1), y = Y/d with Y = nu* t,
    e^t = nu*(1 - f)/((1 - nu*) f); q_hat from two sweeps of its equation."""
    nu = float(densest_free_fraction(jd))
    f = float(free_fraction(jd))
    nu = min(nu, 0.999)
    t = np.log(nu * (1.0 - f) / ((1.0 - nu) * f))
    y = max(nu * t / d, 2.0)
    span = 4.0 * d * (1.0 - d)
    c2 = 4.0 * d * d * (1.0 / nu - 1.0)
    x = np.array([0.5 * np.log(nu / d), 1.5 * np.log(d), np.log(c2 / (span - c2)), np.log(y)])
    if not fixed_point:
        return x
    for _ in range(2):
        x[1] += _zero_complexity_residual(x, d, jd, fixed_point)[2]
    return x


def _zero_complexity_solve(d, jd, reference, x0, jac=None, fallback: bool = True
                           ) -> tuple[LocalEntropySaddle, np.ndarray, np.ndarray]:
    """The 4x4 zero-complexity system from x0 = (H, ln q_hat, logit c^2, ln y): Newton with
    Broyden updates (:func:`_newton`, from ``jac`` if given), Powell's hybrid method if that
    fails and ``fallback`` (a continuation rather shortens its step). Returns the saddle,
    its x and the Jacobian of the residuals."""
    fixed_point = reference == "fixed_point"

    def func(t):
        return _zero_complexity_residual(t, d, jd, fixed_point)

    def jacobian(t):
        return _zero_complexity_jacobian(t, d, jd, fixed_point)[:, 1:]

    x, ok, jac = _newton(func, jacobian, x0, jac, maxfev=60 if fallback else 30)
    if not ok and fallback:
        x, ok = _solve(func, x0, 80)
        jac = None
    if not ok:
        raise RuntimeError(f"zero-complexity saddle not found at d={d}, jd={jd}")
    return _result(x[:3], d, jd, float(np.exp(x[3])), reference), x, jac


def zero_complexity_saddle(d: float, jd: float,
                           reference: str = "fixed_point") -> LocalEntropySaddle:
    r"""The saddle at :math:`y^*` with :math:`\Sigma_{\rm ref}(y^*) = \phi - y^* S = 0`: the
    densest references that are still exponentially many (annealed count e^{0 N}), on the
    primary branch (:func:`theory.dense_clusters.zero_complexity_curve`: continuation in d
    from the small-d limiting solution). y* = 0 where Sigma_ref(0) <= 0 (J_D = 0 with a FP
    reference); d = 1/2 exact (S = Sigma). ValueError inside the gap of a gapped J_D where
    only collapsed solutions exist (no saddle; S* = 0 by convention there).
    """
    from theory.dense_clusters import zero_complexity_curve

    d, jd = _check_scalar(d, jd, reference)
    if d == 0.5:
        return _half_distance(d, jd, np.inf, reference)
    if reference == "fixed_point" and complexity(jd) <= 0:
        return local_entropy_saddle(d, jd, 0.0, reference)
    sol = zero_complexity_curve(np.array([d]), jd, reference).saddles[0]
    if sol is None:
        raise ValueError(f"at d = {d}, jd = {jd} only collapsed RS solutions exist (inside the "
                         "gap: S* = 0 by convention, LOCAL_ENTROPY.md section 11); no saddle")
    return sol


@dataclass(frozen=True)
class HalfDistanceExpansion:
    """Zero-complexity saddle near d = 1/2 to leading order in p = 1 - 2d (LOCAL_ENTROPY.md
    section 15): y* = y_scaled/p^2, y* q_hat = coupling, q1 = p^2 overlap_ratio,
    p_hat = p_hat_scaled p; S* = Sigma(J_D) - a p^2 + b p^4 (:func:`half_distance_expansion`)."""

    jd: float
    reference: str
    a: float
    b: float
    y_scaled: float
    coupling: float
    overlap_ratio: float
    p_hat_scaled: float


def _half_terms(x: np.ndarray, jd: float, fixed_point: bool) -> dict:
    """The leading-order free entropy Psi_0 (without ln 2) at x = (u, logit K, ln(g-1), ln Y)
    (LOCAL_ENTROPY.md section 15) and the Gaussian/Phi parameters of its mu integral."""
    u, big_y = x[0], float(np.exp(x[3]))
    s, g = float(special.expit(x[1])), 1.0 + float(np.exp(x[2]))
    r = float(np.exp(-0.5 * jd * jd - LOG_SQRT_2PI - log_ndtr(jd)))
    prec = 1.0 / g + big_y * r * jd - big_y * r * r * s / (1.0 - s)
    lin = big_y * r * u / (1.0 - s)
    f = (-big_y * u - 0.5 * big_y * s * g - 0.5 * s - 0.5 * np.log1p(-s)
         + 0.5 * big_y * u * u / (1.0 - s) + 0.5 * big_y * r * jd * g
         - 0.5 * np.log(g) - 0.5 * np.log(prec) + 0.5 * lin * lin / prec)
    sq = np.sqrt(float(np.exp(x[2])) / g)  # sqrt(1 - 1/g) = sqrt((g - 1)/g)
    a, b = jd / sq, 1.0 / (g * sq)
    if fixed_point:
        f += float(log_ndtr((a + b * lin / prec) / np.sqrt(1.0 + b * b / prec)))
    return {"f": float(f), "Y": big_y, "K": s, "g": g, "r": r, "prec": prec, "lin": lin,
            "a": a, "b": b, "u": u}


def _half_ratio(x: np.ndarray, jd: float, fixed_point: bool) -> float:
    """(ln 2 + Psi_0(Y))/Y, whose stationary value over (u, K, g, Y) is -a(J_D)."""
    t = _half_terms(x, jd, fixed_point)
    return (LN2 + t["f"]) / t["Y"]


def _half_gradient(x: np.ndarray, jd: float, fixed_point: bool) -> np.ndarray:
    """Central differences (step 1e-5) of _half_ratio: a closed form, error ~1e-10."""
    out = np.empty(4)
    for i in range(4):
        e = np.zeros(4)
        e[i] = 1e-5
        out[i] = (_half_ratio(x + e, jd, fixed_point) - _half_ratio(x - e, jd, fixed_point)) / 2e-5
    return out


_HALF_START = (0.5, np.array([0.30, special.logit(0.24), np.log(0.14), np.log(15.4)]))
_HALF_CACHE: dict = {}


def _half_quartic(t: dict, jd: float, fixed_point: bool) -> float:
    """b = k g/2 + <c_4>: c_4 the p^4 coefficient of ln F(p eta, p mu) at eps^2 = 1 - g p^2
    (sympy series, test), averaged over the leading-order tilted measure: mu ~ N(B/P, 1/P)
    times Phi(a + b mu) (FP reference; Gauss-Legendre panels refined at its step), and
    eta | mu ~ N((u + K r mu)/(1 - K), k/(1 - K)) (moments in closed form)."""
    big_y, s, g, r, u, jn = t["Y"], t["K"], t["g"], t["r"], t["u"], jd
    mean, sd = t["lin"] / t["prec"], 1.0 / np.sqrt(t["prec"])
    breaks = mean + sd * np.linspace(-12.0, 12.0, 25)
    if fixed_point:
        offsets = _geometric_offsets(np.array(0.1), np.inf, _M_OFFSETS)
        step = -t["a"] / t["b"] + np.concatenate([offsets, -offsets]) / t["b"]
        breaks = np.unique(np.concatenate([breaks, np.clip(step, breaks[0], breaks[-1])]))
    mu, wm = panel_rule(breaks, 16)
    log_w = np.log(wm) - 0.5 * ((mu - mean) / sd) ** 2
    if fixed_point:
        log_w = log_w + log_ndtr(t["a"] + t["b"] * mu)
    w = np.exp(log_w - log_w.max())
    w /= w.sum()
    k = s / big_y
    m, v = (u + s * r * mu) / (1.0 - s), k / (1.0 - s)
    e1, e2, e3, e4 = m, m * m + v, m**3 + 3 * m * v, m**4 + 6 * m * m * v + 3 * v * v
    c4 = (r * jn * g * g * (3.0 - jn * jn - jn * r) / 8.0 - e4 / 12.0 - e3 * mu * r / 3.0
          - e2 * (mu * r) ** 2 / 2.0
          + e1 * r * (mu * g * (1.0 - jn * jn - jn * r) / 2.0
                      + mu**3 * (jn * jn + 3.0 * jn * r - 1.0) / 6.0)
          + mu**4 * r * jn * (1.0 - jn * jn / 3.0 - jn * r) / 8.0
          + mu**2 * r * jn * g * (jn * jn + jn * r - 3.0) / 4.0)
    return 0.5 * k * g + float(w @ c4)


def half_distance_expansion(jd: float, reference: str = "fixed_point") -> HalfDistanceExpansion:
    r"""Expansion of the zero-complexity local entropy near d = 1/2 (LOCAL_ENTROPY.md
    section 15), p = 1 - 2d:

    .. math:: S^*(d) = \Sigma_0 - a(J_D)\,p^2 + b(J_D)\,p^4 + O(p^6),\qquad
              -a = \mathrm{stat}_{u,K,g,Y}\frac{\ln 2 + \Psi_0}{Y},

    .. math:: \Psi_0 = -Yu - \tfrac{Y K g}{2} - \tfrac K2 - \tfrac12\ln(1-K)
              + \tfrac{Y u^2}{2(1-K)} + \tfrac{Y r J g}{2} - \tfrac12\ln(gP) + \tfrac{B^2}{2P}
              + \ln\Phi\Big(\frac{\alpha + \beta B/P}{\sqrt{1 + \beta^2/P}}\Big),

    r = phi(J)/Phi(J), P = 1/g + YrJ - Y r^2 K/(1-K), B = Yru/(1-K),
    alpha = J/sqrt(1-1/g), beta = 1/(g sqrt(1-1/g)) (the last term only for the FP
    reference), Sigma_0 = Sigma(J_D) (S* at d = 1/2, either reference). At the saddle
    y* = Y/p^2, y* q_hat = K, q1 = g p^2, p_hat = u p (+ O(p^2)
    corrections); b = <c_4> + K g/(2Y) (:func:`_half_quartic`), the first-order correction
    of phi/y at the same point. Solved by continuation in ln J_D from J_D = 0.5 (steps
    <= 0.1), stationarity to 1e-9; the remainder is taken as |b| p^6 (measured below it at
    d = 0.44-0.47 against the solver for J_D = 0.1-2). Cached per (jd, reference).
    """
    if reference not in REFERENCES:
        raise ValueError(f"reference must be one of {REFERENCES}")
    jd = float(real_array("jd", jd, lower=JD_RANGE[0], upper=JD_RANGE[1]))
    key = (jd, reference)
    if key not in _HALF_CACHE:
        fixed_point = reference == "fixed_point"
        j0, x = _HALF_START
        n = int(np.ceil(abs(np.log(jd / j0)) / 0.1))
        for j in np.exp(np.linspace(np.log(j0), np.log(jd), n + 1)):
            sol = optimize.root(lambda t, j=j: _half_gradient(t, j, fixed_point), x,
                                method="hybr", options={"xtol": 1e-13})
            x = sol.x
            if not np.max(np.abs(_half_gradient(x, j, fixed_point))) < 1e-9:
                raise RuntimeError(f"half-distance expansion not found at jd={j}")
        t = _half_terms(x, jd, fixed_point)
        _HALF_CACHE[key] = HalfDistanceExpansion(
            jd, reference, -float(_half_ratio(x, jd, fixed_point)),
            _half_quartic(t, jd, fixed_point), t["Y"], t["K"], t["g"], float(t["u"]))
    return _HALF_CACHE[key]


def near_half_local_entropy(d: ArrayLike, jd: float, reference: str = "fixed_point"
                            ) -> tuple[np.ndarray, np.ndarray]:
    r"""Zero-complexity local entropy near d = 1/2 from :func:`half_distance_expansion`:
    :math:`S^* = \Sigma(J_D) - a p^2 + b p^4`, p = 1 - 2d, and its error estimate
    |b| p^6 (the next order, not derived). Returns (S*, error)."""
    d = real_array("d", d, lower=0.0, upper=0.5)
    e = half_distance_expansion(jd, reference)
    p2 = (1.0 - 2.0 * d) ** 2
    return complexity(jd) - e.a * p2 + e.b * p2 * p2, abs(e.b) * p2**3


def local_entropy(d: ArrayLike, jd: ArrayLike, y: ArrayLike | None = None,
                  reference: str = "fixed_point") -> np.ndarray:
    r"""Local entropy S(d) (nats per neuron): (1/N) ln of the number of fixed points at Hamming
    fraction d from the reference selected by the large-deviation weight N_d^y, annealed over
    J, replica-symmetric (see module docstring and theory/LOCAL_ENTROPY.md).

    ``y=None`` (default) uses the zero-complexity y* on the primary branch: the largest
    local entropy of references that are still exponentially many. Stated domain:
    d in [1e-6, 1/2], J_D in [0.02, 2] (ValueError outside; J_D > 0.65 only with the
    fixed-point reference). For d > D_HALF = 0.46 the expansion in p = 1 - 2d
    (:func:`near_half_local_entropy`, LOCAL_ENTROPY.md section 15):
    S* = Sigma - a p^2 + b p^4, error <= |b| p^6 < 3e-8 (a few ms per J_D; d = 1/2 gives
    Sigma exactly); below it the solvers (LOCAL_ENTROPY.md sections 11 and 14):
    J_D < 0.07, several branches: the first call traces them from d = 1e-6 to 0.49
    (1.9-2.3 s; ~3.5 s at J_D = 0.05-0.052, LOCAL_ENTROPY.md section 16), later calls
    reuse them (< 0.3 s); inside a gap, where only collapsed solutions exist, S* = 0
    (section 11); 0.07 <= J_D <= 0.65, one branch: natural continuation in d from the
    small-d limit (first call 0.2-1.1 s, later calls from the nearest solved d, < 0.3 s);
    J_D > 0.65 (nu* = 1 above Phi^-1(3/4)): continuation down from d = 0.268 to where
    S* = H_2(d) to 1e-9 relative (the fully free limit, returned below; first call
    0.4-1.3 s). A number
    y >= 0 fixes y instead (y = 0: a typical reference; one saddle per element, any J_D).
    ``reference``: "fixed_point" (the reference must itself be a FP) or "free".
    """
    from theory.dense_clusters import zero_complexity_curve

    d = real_array("d", d, lower=0.0, upper=0.5)
    jd = real_array("jd", jd, lower=0.0)
    if reference not in REFERENCES:
        raise ValueError(f"reference must be one of {REFERENCES}")
    if (d <= 0).any():
        raise ValueError("d must be > 0")
    if y is not None:
        y = real_array("y", y, lower=0.0)
        d, jd, y = np.broadcast_arrays(d, jd, y)
        out = np.empty(d.shape)
        for idx in np.ndindex(d.shape):
            out[idx] = local_entropy_saddle(d[idx], jd[idx], y[idx], reference).local_entropy
        return out
    if (d < D_MIN).any():
        raise ValueError(f"d must be >= {D_MIN} for the zero-complexity local entropy; "
                         "use small_distance_local_entropy below it")
    if ((jd < JD_RANGE[0]) | (jd > JD_RANGE[1])).any():
        raise ValueError(f"jd must lie in [{JD_RANGE[0]}, {JD_RANGE[1]}] for the "
                         "zero-complexity local entropy (below: S* within 1e-4 of zero, "
                         "not resolved; above: not validated)")
    d, jd = np.broadcast_arrays(d, jd)
    out = np.empty(d.shape)
    near = (d > D_HALF) & (d < 0.5)
    for j in np.unique(jd):
        sel = (jd == j) & ~near
        if sel.any():
            out[sel] = zero_complexity_curve(d[sel], float(j), reference).local_entropy
        sel = (jd == j) & near
        if sel.any():
            out[sel] = near_half_local_entropy(d[sel], float(j), reference)[0]
    return out
