"""Local entropy by large deviations (annealed RS): identities, brute-force integrals,
stationarity of the returned saddle points."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import integrate, special

import theory
import theory.local_entropy
from theory.counting import binary_entropy
from theory.gaussian import log_ndtr
from theory.local_entropy import (
    _asymptotic_start,
    _half_quartic,
    _log_site_integral,
    _m_nodes,
    _point,
    _site,
    _z_nodes,
    _zero_complexity_jacobian,
    _zero_complexity_residual,
    _zero_complexity_solve,
    densest_free_fraction,
    local_entropy,
    local_entropy_saddle,
    replicon_eigenvalue,
    small_distance_local_entropy,
    zero_complexity_saddle,
)


def _free_entropy_at(x, d, jd, y, reference):
    """phi(y) at arbitrary (p_hat, q_hat, q1), from the site integral (module docstring)."""
    p_hat, q_hat, q1 = x
    p = 1 - 2 * d
    return (np.log(2) - y * p_hat * p - 0.5 * y * (y - 1) * q_hat * q1 - 0.5 * y * q_hat
            + _log_site_integral(p_hat, q_hat, q1, d, jd, y, reference))


@pytest.mark.parametrize("d, jd", [(0.1, 0.5), (0.3, 1.2)])
def test_one_replica_with_fixed_point_reference_is_the_pair_entropy(d, jd):
    sol = local_entropy_saddle(d, jd, 1.0)
    assert sol.free_entropy == pytest.approx(float(theory.pair_entropy(1 - 2 * d, jd)), rel=1e-11)


def test_one_replica_with_free_reference_counts_fixed_points_times_the_ball():
    d, jd = 0.2, 0.7
    sol = local_entropy_saddle(d, jd, 1.0, reference="free")
    want = float(theory.complexity(jd) + binary_entropy(np.array(d)))
    assert sol.free_entropy == pytest.approx(want, rel=1e-11)


def _brute_site_integral(p_hat, q_hat, q1, d, jd, y, reference):
    """e^{-y q_hat/2} G by explicit sum over the y replica spins (no Hubbard-Stratonovich:
    e^{-y q_hat/2} E_z e^{sqrt(q_hat) z sum_a s_a} = e^{q_hat sum_{a<b} s_a s_b}) and scipy
    double quadrature over the reference field u and the common field x."""
    p = 1 - 2 * d
    eps, c = np.sqrt(1 - q1), np.sqrt(q1 - p * p)
    total = 0.0
    for sig in itertools.product((1, -1), repeat=y):
        s = np.array(sig)
        pair = sum(s[a] * s[b] for a in range(y) for b in range(a + 1, y))
        coef = np.exp(p_hat * s.sum() + q_hat * pair)

        def f(x, u, s=s):
            m = p * u + c * x
            return (np.exp(-0.5 * (u * u + x * x)) / (2 * np.pi)
                    * np.prod(special.ndtr((jd + s * m) / eps)))

        lower = -jd if reference == "fixed_point" else -12.0
        val, _ = integrate.dblquad(f, lower, 12.0, -12.0, 12.0, epsabs=1e-13, epsrel=1e-11)
        total += coef * val
    return np.log(total)


SMALL_D = (3.4, 0.01, (1 - 2e-3) ** 2 + 4e-5, 1e-3, 0.3)  # the small-d regime


@pytest.mark.parametrize("y, reference, args", [
    (2, "fixed_point", (0.6, 0.3, 0.75, 0.2, 0.5)),  # p_hat, q_hat, q1, d, jd (p^2 < q1)
    (3, "fixed_point", (0.6, 0.3, 0.75, 0.2, 0.5)),
    (2, "free", (0.6, 0.3, 0.75, 0.2, 0.5)),
    (2, "fixed_point", SMALL_D),
])
def test_site_integral_matches_brute_force(y, reference, args):
    got = _log_site_integral(*args, y, reference) - 0.5 * y * args[1]
    assert got == pytest.approx(_brute_site_integral(*args, y, reference), abs=1e-9)


@pytest.mark.parametrize("d, jd, y, reference", [
    (0.1, 0.5, 3.0, "fixed_point"),
    pytest.param(0.25, 1.0, 1.7, "free", marks=pytest.mark.slow),
])
def test_saddle_is_stationary_and_local_entropy_is_the_y_derivative(d, jd, y, reference):
    """Central differences of phi in (p_hat, q_hat, q1) vanish at the returned point (checks
    the saddle equations, derived by Gaussian integration by parts), and d phi/dy = S."""
    sol = local_entropy_saddle(d, jd, y, reference)
    assert sol.residual < 1e-8
    x = np.array([sol.p_hat, sol.q_hat, sol.q1])
    h = 1e-5
    for i in range(3):
        e = np.zeros(3)
        e[i] = h
        grad = (_free_entropy_at(x + e, d, jd, y, reference)
                - _free_entropy_at(x - e, d, jd, y, reference)) / (2 * h)
        assert abs(grad) < 1e-7
    dy = 1e-4
    up = local_entropy_saddle(d, jd, y + dy, reference, start=tuple(x))
    down = local_entropy_saddle(d, jd, y - dy, reference, start=tuple(x))
    slope = (up.free_entropy - down.free_entropy) / (2 * dy)
    assert slope == pytest.approx(sol.local_entropy, abs=1e-7)
    assert sol.reference_complexity == pytest.approx(sol.free_entropy - y * sol.local_entropy)


@pytest.mark.parametrize("d, jd", [(0.1, 0.5), (0.2, 1.0)])
def test_typical_reference_is_below_the_jensen_bounds(d, jd):
    """y = 0: RS local entropy of a typical FP <= quenched-reference bound V_Q <= annealed V."""
    s0 = local_entropy_saddle(d, jd, 0.0).local_entropy
    v_q = float(theory.franz_parisi_quenched(1 - 2 * d, jd))
    v = float(theory.franz_parisi_at_distance(d, jd))
    assert s0 < v_q < v
    assert s0 > v_q - 0.02  # and close to it


def test_half_distance_decouples_the_reference():
    jd = 0.8
    sigma = float(theory.complexity(jd))
    sol = local_entropy_saddle(0.5, jd, 2.5)
    assert sol.local_entropy == sigma and sol.reference_complexity == sigma
    assert local_entropy_saddle(0.5, jd, 2.5, "free").reference_complexity == np.log(2)
    # continuity: just inside d = 1/2 the saddle approaches it
    assert local_entropy_saddle(0.49, jd, 2.5).local_entropy == pytest.approx(sigma, abs=2e-3)


def test_local_entropy_grows_with_y_and_complexity_falls():
    d, jd = 0.15, 0.6
    sols = [local_entropy_saddle(d, jd, y) for y in (0.0, 1.0, 3.0)]
    s = [x.local_entropy for x in sols]
    c = [x.reference_complexity for x in sols]
    assert s[0] < s[1] < s[2] < float(binary_entropy(np.array(d)))
    assert c[0] > c[1] > c[2]
    assert c[0] == pytest.approx(float(theory.complexity(jd)), rel=1e-10)


def test_finite_on_a_grid_of_self_couplings():
    d = np.array([0.15, 0.5, 0.5, 0.5])
    jd = np.array([3.0, 0.0, 1.5, 3.0])
    s = np.append(local_entropy(d, jd, y=2.0), local_entropy(0.15, 0.0, y=2.0))
    assert np.all(np.isfinite(s))
    assert np.all(s <= binary_entropy(np.append(d, 0.15)) + 1e-12)


def test_shifted_free_entropy_is_the_original_one():
    """Section 10: substituting p_hat = H - y q_hat, q1 = p^2 + c^2 in the original phi (with
    ln G = y p_hat + y^2 q_hat/2 + L) gives the cancellation-free form, exactly (sympy)."""
    sympy = pytest.importorskip("sympy")
    y, d, h, q_hat, c2 = sympy.symbols("y d H q_hat c2", real=True)
    p = 1 - 2 * d
    q1 = p**2 + c2
    p_hat = h - y * q_hat
    original = (-y * p_hat * p - y * (y - 1) / 2 * q_hat * q1 - y * q_hat / 2
                + y * p_hat + y**2 * q_hat / 2)
    shifted = 2 * d * y * h - y**2 / 2 * q_hat * (4 * d**2 + c2) - y * q_hat * (1 - q1) / 2
    assert sympy.simplify(original - shifted) == 0


def test_small_distance_limit_algebra():
    """Section 10: Phi_0 = ln 2 - Y ln kappa + ln(B + A e^{Y kappa}); its kappa-derivative
    vanishes at kappa = 1/nu, and there Phi_0 - Y dPhi_0/dY = ln 2 + ln(A + B) - KL(nu || f),
    f = A/(A + B) (sympy, exact)."""
    sympy = pytest.importorskip("sympy")
    big_y, kappa, a, b, t = sympy.symbols("Y kappa A B t", positive=True)
    phi0 = sympy.log(2) - big_y * sympy.log(kappa) + sympy.log(b + a * sympy.exp(big_y * kappa))
    nu = a * sympy.exp(big_y * kappa) / (b + a * sympy.exp(big_y * kappa))
    assert sympy.simplify(sympy.diff(phi0, kappa) - (-big_y / kappa + big_y * nu)) == 0
    sigma_ref = phi0 - big_y * sympy.diff(phi0, big_y)
    # at the saddle kappa = 1/nu, i.e. Y kappa = t with nu = A e^t/(B + A e^t)
    nu_t = a * sympy.exp(t) / (b + a * sympy.exp(t))
    at_saddle = sigma_ref.subs(big_y, t * nu_t).subs(kappa, 1 / nu_t)
    f = a / (a + b)
    kl = nu_t * sympy.log(nu_t / f) + (1 - nu_t) * sympy.log((1 - nu_t) / (1 - f))
    diff = sympy.expand_log(at_saddle - (sympy.log(2) + sympy.log(a + b) - kl), force=True)
    assert abs(float(diff.subs({a: 0.3, b: 0.45, t: 1.7}))) < 1e-13
    assert abs(float(diff.subs({a: 0.05, b: 0.47, t: 0.4}))) < 1e-13


def test_densest_free_fraction_has_zero_complexity():
    jd = np.array([0.05, 0.3, 0.6])
    nu = densest_free_fraction(jd)
    f = theory.free_fraction(jd)
    kl = special.rel_entr(nu, f) + special.rel_entr(1 - nu, 1 - f)
    assert np.all(nu > f)
    np.testing.assert_allclose(kl, theory.complexity(jd), rtol=1e-12)
    assert float(densest_free_fraction(0.7)) == 1.0  # J_D > Phi^-1(3/4)


@pytest.mark.parametrize("jd", [0.5, 0.1])
def test_small_distance_limit_matches_the_solver(jd):
    """The full zero-complexity solver at d = 1e-6 and 1e-5 against S* = d ln(nu*/d) + d:
    the difference, in units of d, is O(sqrt(d ln(1/d))/J_D) (the depletion layer next to
    the threshold relative to the free interval) and shrinks with d; c^2/d^2 approaches
    4(1/nu* - 1)."""
    errors = []
    for d in (1e-6, 1e-5):
        sol = _zero_complexity_solve(d, jd, "fixed_point", _asymptotic_start(d, jd, True))[0]
        assert abs(sol.reference_complexity) < 1e-9
        err = abs(sol.local_entropy - float(small_distance_local_entropy(d, jd))) / d
        assert err < 3.0 * np.sqrt(d * np.log(1 / d)) / jd  # depletion layer / J_D
        errors.append(err)
        nu = float(densest_free_fraction(jd))
        assert sol.c2 / d**2 == pytest.approx(4 * (1 / nu - 1), rel=0.3)
    assert errors[0] < errors[1]


def _ell_terms(m, h, jd, eps, second=False):
    """numpy reference of the per-node terms the compiled site kernel sums: l(m, h) =
    ln[Phi((J+m)/eps) + e^{-2h} Phi((J-m)/eps)], pi = e^{-2h}Phi((J-m)/eps)/e^l, d_m l and,
    with ``second``, d_h^2 l, d_h d_m l, d_m^2 l (closed forms in theory/_site_kernel.py)."""
    xp, xm = ((jd + m) / eps)[:, None], ((jd - m) / eps)[:, None]
    log_odds = log_ndtr(xm) - log_ndtr(xp) - 2.0 * h[None, :]
    pi = special.expit(log_odds)
    rp = np.exp(-0.5 * xp**2 - 0.5 * np.log(2 * np.pi) - log_ndtr(xp))
    rm = np.exp(-0.5 * xm**2 - 0.5 * np.log(2 * np.pi) - log_ndtr(xm))
    grad = ((1.0 - pi) * rp - pi * rm) / eps
    out = {"ell": log_ndtr(xp) + np.logaddexp(0.0, log_odds), "pi": pi, "grad": grad}
    if second:
        out["d2_h"] = 4.0 * pi * (1.0 - pi)
        out["d_hm"] = 2.0 * pi * (1.0 - pi) * (rp + rm) / eps
        out["d2_m"] = -((1.0 - pi) * xp * rp + pi * xm * rm) / eps**2 - grad * grad
    return out


@pytest.mark.parametrize("d, jd, y, h_field, log_q_hat, logit_c", [
    (0.1, 0.5, 3.0, 0.8, np.log(0.3), -0.4),
    (0.02, 0.05, 25.0, 2.5, -1.6, 5.5),       # nearly collapsed replicas, large tilt
    (1e-4, 0.3, 2e3, 4.6, -13.0, -8.0),       # small-d regime, y ~ Y/d
])
@pytest.mark.parametrize("fixed_point", [True, False])
def test_compiled_site_sums_match_numpy(d, jd, y, h_field, log_q_hat, logit_c, fixed_point):
    """The compiled sums of theory._site_kernel (log norm, <pi>, <(pi-d)^2>, <(d_m l)^2>,
    <l>, replicon averages) against the same quadrature summed in numpy from the reference
    per-node terms above (agreement to rounding: 1e-11 relative)."""
    pt = _point(d, h_field, log_q_hat, logit_c)
    m, log_wm = _m_nodes(pt, d, jd, y, fixed_point)
    z, log_wz = _z_nodes(pt, y)
    t = _ell_terms(m, pt.h_field + np.sqrt(pt.q_hat) * z, jd, np.sqrt(pt.eps2), second=True)
    ell0 = np.logaddexp(0.0, -2.0 * pt.h_field)
    log_w = log_wm[:, None] + log_wz[None, :] + y * (t["ell"] - ell0)
    w = np.exp(log_w - log_w.max())
    w /= w.sum()
    want = {"L": log_w.max() + np.log(np.exp(log_w - log_w.max()).sum()) + y * ell0,
            "pi": np.sum(w * t["pi"]), "var": np.sum(w * (t["pi"] - d) ** 2),
            "grad2": np.sum(w * t["grad"] ** 2), "ell": np.sum(w * t["ell"]),
            "spin": np.sum(w * t["d2_h"] ** 2), "field": np.sum(w * t["d2_m"] ** 2),
            "cross": np.sum(w * t["d_hm"] ** 2)}
    got = _site(pt, d, jd, y, fixed_point, replicon=True)
    for key, value in want.items():
        assert got[key] == pytest.approx(value, rel=1e-11, abs=1e-300), key


@pytest.mark.parametrize("log_d, x", [
    (np.log(0.1), (0.8, np.log(0.3), -0.4, np.log(3.0))),
    (np.log(0.02), (2.5, -1.6, 5.5, np.log(25.0))),     # nearly collapsed replicas
    (np.log(1e-4), (4.6, -13.0, -8.0, np.log(2e3))),    # small-d regime
])
@pytest.mark.parametrize("fixed_point", [True, False])
def test_analytic_jacobian_matches_central_differences(log_d, x, fixed_point):
    """The 4 x 5 Jacobian of the zero-complexity residuals in (ln d, H, ln q_hat, logit c^2,
    ln y), differentiated under the integral, against central differences (step 1e-6
    (1 + |x_i|); their own error is ~1e-8 relative)."""
    jd, big = 0.05, np.array([log_d, *x])

    def residual(b):
        return _zero_complexity_residual(b[1:], float(np.exp(b[0])), jd, fixed_point)

    numeric = np.empty((4, 5))
    for i in range(5):
        step = np.zeros(5)
        step[i] = 1e-6 * (1 + abs(big[i]))
        numeric[:, i] = (residual(big + step) - residual(big - step)) / (2 * step[i])
    exact = _zero_complexity_jacobian(big[1:], float(np.exp(log_d)), jd, fixed_point)
    np.testing.assert_allclose(exact, numeric, rtol=0, atol=1e-6 * np.abs(numeric).max())


def test_derivatives_of_the_site_log_term():
    """d_m l, d_h^2 l, d_h d_m l, d_m^2 l (used by the saddle and the replicon) against
    central differences of l(m, h)."""
    m, h, jd, eps, step = np.array([-0.3, 0.05, 0.41]), np.array([0.2, 1.3]), 0.45, 0.2, 1e-4
    t = _ell_terms(m, h, jd, eps, second=True)

    def ell(mm, hh):
        return _ell_terms(mm, hh, jd, eps)["ell"]

    d_m = (ell(m + step, h) - ell(m - step, h)) / (2 * step)
    np.testing.assert_allclose(t["grad"], d_m, rtol=1e-6)
    d2_h = (ell(m, h + step) - 2 * ell(m, h) + ell(m, h - step)) / step**2
    np.testing.assert_allclose(t["d2_h"], d2_h, rtol=1e-5)
    d2_m = (ell(m + step, h) - 2 * ell(m, h) + ell(m - step, h)) / step**2
    np.testing.assert_allclose(t["d2_m"], d2_m, rtol=1e-5)
    d_hm = (ell(m + step, h + step) - ell(m + step, h - step) - ell(m - step, h + step)
            + ell(m - step, h - step)) / (4 * step**2)
    np.testing.assert_allclose(t["d_hm"], d_hm, rtol=1e-5)


def test_replicon_refuses_the_decoupled_point():
    with pytest.raises(ValueError, match="d must be < 1/2"):
        replicon_eigenvalue(local_entropy_saddle(0.5, 0.8, 3.0))


@pytest.mark.slow
def test_zero_complexity_point():
    sol = zero_complexity_saddle(0.1, 0.5)
    assert abs(sol.reference_complexity) < 1e-8 and sol.residual < 1e-8
    assert sol.y > 1
    assert sol.local_entropy > local_entropy_saddle(0.1, 0.5, 1.0).local_entropy
    assert float(local_entropy(0.1, 0.5)) == pytest.approx(sol.local_entropy, rel=1e-12)


def test_bad_input():
    with pytest.raises(ValueError, match="d"):
        local_entropy(0.0, 0.5, y=1.0)
    with pytest.raises(ValueError, match="d"):
        local_entropy(0.6, 0.5, y=1.0)
    with pytest.raises(ValueError, match="y"):
        local_entropy(0.2, 0.5, y=-1.0)
    with pytest.raises(ValueError, match="reference"):
        local_entropy(0.2, 0.5, y=1.0, reference="margin")
    with pytest.raises(ValueError, match="jd"):
        local_entropy_saddle(0.2, -1.0, 1.0)
    with pytest.raises(ValueError, match="jd"):  # zero complexity: stated J_D range
        local_entropy(0.1, 40.0)
    with pytest.raises(ValueError, match="jd"):  # beyond the stated range [0.02, 2]
        local_entropy(0.1, 2.5)
    with pytest.raises(ValueError, match="jd"):
        local_entropy(0.1, 0.01)
    with pytest.raises(ValueError, match="fixed-point reference only"):
        local_entropy(0.1, 1.0, reference="free")
    with pytest.raises(ValueError, match="d must be >="):
        local_entropy(1e-9, 0.5)


@pytest.mark.slow
def test_fully_free_regime_approaches_the_binary_entropy():
    """J_D > Phi^-1(3/4) (LOCAL_ENTROPY.md section 14): S*(d) -> H_2(d) as d -> 0, the deficit
    falling like exp(-K/d) with K close to delta^2/8, delta = J_D - Phi^-1(3/4) (the margin
    of the fully free references with zero complexity); below the stopping distance the
    fully free limit itself is returned."""
    from theory.dense_clusters import _FREE_LIMIT

    jd = 1.0
    d = np.array([0.004, 0.002, 0.001])
    s = local_entropy(d, jd)
    deficit = binary_entropy(d) - s
    assert np.all(deficit > 0) and np.all(np.diff(deficit / binary_entropy(d)) < 0)
    slope = -np.diff(np.log(deficit)) / np.diff(1 / d)
    delta = jd - special.ndtri(0.75)
    # measured 0.0180 then 0.0157 against K = 0.0132: falling towards K (the o(1/d) term
    # of ln Delta is a power-law prefactor)
    assert slope[1] < slope[0]
    assert slope[-1] == pytest.approx(delta**2 / 8, rel=0.25)
    assert float(local_entropy(1e-5, jd)) == float(binary_entropy(1e-5))
    assert _FREE_LIMIT[(jd, "fixed_point")] < 1e-3


@pytest.mark.slow
@pytest.mark.parametrize("jd", [0.1, 0.5])
def test_direct_continuation_is_the_traced_branch(jd):
    """The natural continuation in d used for single calls (J_D >= 0.07) lands on the
    solutions of the pseudo-arclength trace (the branch rule's primary) to 1e-9."""
    from theory.dense_clusters import _direct_solution

    d = np.array([1e-5, 1e-3, 0.05, 0.3])
    theory.branch_structure(jd)  # fills the trace cache: the curve then uses the traces
    traced = theory.zero_complexity_curve(d, jd)
    direct = [_direct_solution(float(t), jd, "fixed_point").local_entropy for t in d]
    np.testing.assert_allclose(direct, traced.local_entropy, rtol=1e-9)


@pytest.mark.slow
def test_fully_free_limit_is_reached_at_large_self_coupling():
    """J_D = 2 (K ~ 0.22): the solver's S* approaches small_distance_local_entropy = H_2(d)
    (nu* = 1) with a relative deficit falling by more than a decade per step (measured
    2.0e-3, 9.9e-5, 3.0e-6), and returns it exactly below the distance where that deficit
    is under 1e-9."""
    d = np.array([0.1, 0.05, 0.03])
    rel = 1 - local_entropy(d, 2.0) / small_distance_local_entropy(d, 2.0)
    assert np.all(rel > 0) and np.all(rel[1:] < 0.1 * rel[:-1])
    np.testing.assert_array_equal(small_distance_local_entropy(d, 2.0), binary_entropy(d))
    assert float(local_entropy(1e-3, 2.0)) == float(binary_entropy(1e-3))


def test_zero_complexity_domain_in_d():
    """d = 1/2 is exact (S* = Sigma) and needs no solve; d in (D_HALF, 1/2) is the
    expansion (no ValueError)."""
    assert float(local_entropy(0.5, 1.5)) == pytest.approx(float(theory.complexity(1.5)),
                                                           rel=1e-15)
    assert np.isfinite(local_entropy(0.48, 2.0))


def test_quartic_coefficient_of_ln_f_is_the_series():
    """The p^4 coefficient c_4 used by the half-distance expansion (LOCAL_ENTROPY.md section
    15) against a sympy series of ln F(p eta, p mu) at eps^2 = 1 - g p^2, evaluated through
    _half_quartic with a single node (a point mass in mu and eta: v = 0 needs k = 0)."""
    import sympy as sp

    p, eta, mu, g, jj = sp.symbols("p eta mu g J", real=True)
    ncdf = sp.Lambda(sp.Symbol("x"), (1 + sp.erf(sp.Symbol("x") / sp.sqrt(2))) / 2)
    eps = sp.sqrt(1 - g * p**2)
    lnf = sp.log(sp.exp(p * eta) * ncdf((jj + p * mu) / eps)
                 + sp.exp(-p * eta) * ncdf((jj - p * mu) / eps))
    vals = {eta: sp.Rational(3, 10), mu: sp.Rational(-7, 10), g: sp.Rational(6, 5),
            jj: sp.Rational(1, 2)}
    c4 = float(sp.diff(lnf, p, 4).subs(p, 0).subs(vals).evalf(30)) / 24
    r = float(np.exp(-0.125) / np.sqrt(2 * np.pi) / special.ndtr(0.5))
    # eta | mu has mean (u + K r mu)/(1 - K) = 0.3 with K = 0 (k = K/Y = 0: no spread)
    t = {"Y": 1.0, "K": 0.0, "g": 1.2, "r": r, "u": 0.3, "lin": -0.7 * 1e12, "prec": 1e12,
         "a": 0.0, "b": 1.0}
    assert _half_quartic(t, 0.5, False) == pytest.approx(c4, rel=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("jd", [0.3, 0.5, 1.0])
def test_half_distance_expansion_matches_the_solver(jd):
    """Overlap window d = 0.44-0.47 (LOCAL_ENTROPY.md section 15): the expansion
    Sigma - a p^2 + b p^4 agrees with the zero-complexity solver within its stated error
    |b| p^6 (measured 1.3e-7 to 3e-9 relative), the p^2 term alone is 1e-4 - 1e-5 off, and
    y* p^2, y* q_hat, q1/p^2 approach the leading-order Y, K, g."""
    from theory.dense_clusters import zero_complexity_curve

    d = np.array([0.44, 0.45, 0.46])
    sols = zero_complexity_curve(d, jd).saddles
    solver = np.array([s.local_entropy for s in sols])
    s_exp, err = theory.near_half_local_entropy(d, jd)
    assert np.all(np.abs(s_exp - solver) < err)
    e = theory.half_distance_expansion(jd)
    p2 = (1 - 2 * d) ** 2
    leading = float(theory.complexity(jd)) - e.a * p2
    assert np.all(np.abs(leading - solver) > 5 * err)
    last = sols[-1]
    assert last.y * p2[-1] == pytest.approx(e.y_scaled, rel=0.02)
    assert last.y * last.q_hat == pytest.approx(e.coupling, rel=0.02)
    assert last.q1 / p2[-1] == pytest.approx(e.overlap_ratio, rel=0.02)


def test_near_half_route_is_continuous_and_reaches_sigma():
    """local_entropy above D_HALF is the expansion: S* -> Sigma at d = 1/2, increasing in d,
    a > 0; at D_HALF the expansion's own error estimate is below 3e-8 (the switch's jump)."""
    from theory.local_entropy import D_HALF

    jd = 0.5
    d = np.array([0.4605, 0.47, 0.49, 0.499, 0.4999999, 0.5])
    s = local_entropy(d, jd)
    sigma = float(theory.complexity(jd))
    assert s[-1] == pytest.approx(sigma, rel=1e-15)
    assert np.all(np.diff(s) > 0) and s[-2] == pytest.approx(sigma, abs=1e-12)
    e = theory.half_distance_expansion(jd)
    assert e.a > 0 and e.a == pytest.approx(0.145, abs=2e-3)  # section 14's fit 0.145 +- 1.5%
    _, err = theory.near_half_local_entropy(D_HALF, jd)
    assert float(err) < 3e-8
