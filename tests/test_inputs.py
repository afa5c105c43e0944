"""Bad and extreme inputs (issue 13, Inputs): one test per class of defect.

- finite, correct values at extreme valid parameters (against mpmath, recipe in
  tests/mp_reference.py);
- no RuntimeWarning from the public theory functions on valid input (warnings are errors);
- sums in bounded memory with the digits of the exact sum;
- refusal of oversize enumerations before any long walk;
- ValueError naming the parameter for every bad argument of the public functions.
"""

from __future__ import annotations

import tracemalloc
import warnings

import mp_reference as ref
import mpmath as mp
import numpy as np
import pytest
from scipy import special

import sim
import theory
from theory.counting import _exact_ratio, _large_n_ratio, _log_pairs

# --------------------------------------------------------------- extreme parameters


def _mp_orthant(h, k, rho):
    """P(X > -h, Y > -k) = int_{-h}^inf phi(x) Phi((k + rho x)/s) dx at 50 digits, the
    range split geometrically from its end (the recipe of tests/mp_reference.py, with the
    break points where these integrands change: next to -h)."""
    h, k, rho = mp.mpf(h), mp.mpf(k), mp.mpf(rho)
    s = mp.sqrt(1 - rho * rho)
    points = [-h + mp.mpf(2) ** m for m in range(-24, 6)]
    return mp.quad(lambda x: mp.npdf(x) * mp.ncdf((k + rho * x) / s), [-h, *points, mp.inf])


def _mp_log_p2_large(a, rho):
    """ln P2(a; rho) for large a from the exact complement 1 - P2 = 2 Phi(-a) - P(X < -a,
    Y < -a), the joint tail as int_a^inf phi(x) Phi((rho x - a)/s) dx."""
    a, rho = mp.mpf(a), mp.mpf(rho)
    s = mp.sqrt(1 - rho * rho)
    joint = mp.quad(lambda x: mp.npdf(x) * mp.ncdf((rho * x - a) / s), [a, a + 1, a + 10, mp.inf])
    return mp.log1p(-(2 * mp.ncdf(-a) - joint))


@pytest.mark.parametrize("jd", [10.0, 33.0, 40.0])
@pytest.mark.parametrize("q", [-0.9, 0.5, 0.9])
def test_pair_entropy_and_franz_parisi_finite_at_large_self_coupling(jd, q):
    """Beyond J_D ~ 32.6 the Plackett integrand's cosh overflowed (NaN). mpmath, 50 digits."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sigma2 = float(theory.pair_entropy(q, jd))
        v = float(theory.franz_parisi(q, jd))
        v_d = float(theory.franz_parisi_at_distance((1 - q) / 2, jd))
    d = (1 - mp.mpf(q)) / 2
    want = (mp.log(2) + ref.binary_entropy(d) + (1 - d) * _mp_log_p2_large(jd, q)
            + d * _mp_log_p2_large(jd, -q))
    assert sigma2 == pytest.approx(float(want), rel=1e-14)
    assert v == pytest.approx(float(want - ref.complexity(jd)), rel=1e-14)
    assert v_d == pytest.approx(v, rel=1e-14)


def test_issue_values_at_large_self_coupling():
    h2 = float(-(0.25 * mp.log(0.25) + 0.75 * mp.log(0.75)))  # H2(1/4) = 0.5623...
    assert float(theory.pair_entropy(0.5, 40)) == pytest.approx(np.log(2) + h2, rel=1e-15)
    assert float(theory.franz_parisi(0.5, 33)) == pytest.approx(h2, rel=1e-14)
    assert float(theory.franz_parisi_quenched(0.5, 40)) == pytest.approx(h2, rel=1e-9)


def test_margin_potential_for_margins_far_above_the_self_coupling():
    """kappa >> J_D made the kept-site log-probability round above 0 (NaN). mpmath values
    from ref.orthant with the formula of theory.margin's module docstring."""
    def v_kappa(q, jd, kappa):
        q = mp.mpf(q)
        d = (1 - q) / 2
        h, k = mp.mpf(jd) - kappa, mp.mpf(jd)
        log_phi = ref.log_ncdf(h)
        return (ref.binary_entropy(d) + (1 - d) * (mp.log(_mp_orthant(h, k, q)) - log_phi)
                + d * (mp.log(_mp_orthant(h, k, -q)) - log_phi))

    for q, jd, kappa in [(-0.5, 0.5, 10.0)]:
        got = float(theory.franz_parisi_margin(q, jd, kappa))
        assert got == pytest.approx(float(v_kappa(q, jd, kappa)), rel=1e-11)


# --------------------------------------------------------------- no warnings on valid input

_JD = [0.0, 1e-300, 1e-8, 0.5, 3.0, 33.0, 40.0, 1e3, theory.validation.COUPLING_BOUND]
_Q = [-1.0, -0.999999, -0.5, 0.0, 1e-300, 1e-12, 0.5, 0.9999999, 1.0]
_D = [0.0, 1e-300, 1e-12, 0.25, 0.5, 1 - 1e-12, 1.0]
_KAPPA = [-theory.validation.COUPLING_BOUND, -3.0, 0.0, 0.5, 40.0, 1e3,
          theory.validation.COUPLING_BOUND]
_A = [-40.0, -3.0, 0.0, 1e-300, 3.0, 40.0, 1e3]
_RHO = [-1.0, -0.999999999, -0.5, 0.0, 0.5, 0.999999999, 1.0]

_CASES = {
    "complexity": [(j, k) for j in _JD for k in _KAPPA],
    "log_expected_fixed_points": [(m, j, k) for m in (2, 1000, 1e9) for j in _JD for k in _KAPPA],
    "pair_entropy": [(x, j) for x in _Q for j in _JD],
    "franz_parisi": [(x, j) for x in _Q for j in _JD],
    "franz_parisi_at_distance": [(x, j) for x in _D for j in _JD],
    "franz_parisi_quenched": [(x, j) for x in _Q for j in _JD],
    "free_fraction": [(j,) for j in _JD] + [(j, m) for j in _JD for m in (2, 1e9)],
    "free_configuration_complexity": [(j,) for j in _JD],
    "log_expected_pairs": [(m, k, j) for m in (2, 3, 1000) for k in (0, 1, 2, 500) if k <= m
                           for j in _JD],
    "second_moment_ratio": [(m, j) for m in (2, 1000, 1e7, np.inf) for j in _JD],
    "owens_t": [(h, x) for h in (-1e3, 0.0, 1e-300, 3.0, 40.0, np.inf)
                for x in (-1e3, 0.0, 1e-300, 1e-5, 1.0, np.inf)],
    "log_p2": [(x, r) for x in _A for r in _RHO],
    "log_orthant": [(h, k, r) for h in _A for k in _A for r in _RHO],
    "franz_parisi_small_distance": [(x, j) for x in (0.0, 1e-300, 1e-6, 0.5)
                                    for j in _JD if j > 0],
    "franz_parisi_margin": [(x, j, k) for x in _Q for j in _JD for k in _KAPPA],
    "franz_parisi_margin_at_distance": [(x, j, k) for x in _D for j in _JD for k in _KAPPA],
    "chain_complexity": [(j, lam, layers, k) for j in _JD for lam in (-1e3, 0.0, 0.2, 40.0)
                         for layers in (1, 2, 5, 10**9) for k in (0.0, 40.0)],
    "overlap_gap": [(j,) for j in (0.0, 1e-8, 0.5, 3.0, 10.0)],
}


@pytest.mark.parametrize("name", sorted(_CASES))
def test_no_runtime_warning_and_no_nan_at_extreme_valid_inputs(name):
    func = getattr(theory, name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for args in _CASES[name]:
            out = func(*args)
            values = np.asarray(out.v_min if name == "overlap_gap" else out, dtype=float)
            assert not np.isnan(values).any(), (name, args)


def test_small_distance_coefficients_warning_free():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for jd in (1e-300, 1e-8, 0.5, 40.0, theory.validation.COUPLING_BOUND):
            c = theory.small_distance_coefficients(jd)
            assert all(np.isfinite(v) for v in c.values())


# --------------------------------------------------------------- bounded memory, same digits


@pytest.mark.parametrize("jd", [0.0, 1e-6, 0.5, 5.0])
def test_large_n_second_moment_equals_the_exact_sum(jd):
    """The O(1) large-n evaluation (edges + trapezoid peak) against the exact sum over all
    70,001 distances."""
    n = 70_000
    assert _large_n_ratio(n, jd) == pytest.approx(_exact_ratio(n, jd), rel=1e-13)


def test_blocked_exact_sum_equals_one_log_sum_exp():
    """Blocks of 2^14 distances against one log-sum-exp over all of them, and (to the
    ~n 1e-16 cancellation of that form) against log_expected_pairs - 2 ln E[Z]."""
    n, jd = 40_000, 0.3
    k = np.arange(n + 1, dtype=float)
    terms = _log_pairs(np.float64(n), k, np.float64(jd), relative=True)
    blocked = float(theory.second_moment_ratio(n, jd))
    assert blocked == pytest.approx(np.exp(special.logsumexp(terms)), rel=1e-14)
    direct = np.exp(special.logsumexp(theory.log_expected_pairs(n, k, jd))
                    - 2.0 * theory.log_expected_fixed_points(n, jd))
    assert blocked == pytest.approx(direct, rel=n * 1e-16)


def test_second_moment_ratio_bounded_memory_and_limit():
    """n = 1e7 needed ~10 GB before; now a few MB. Large n approach the Laplace limit with
    the O(1/n) correction, c/n with c = n (R_n - R_inf) ~ 0.3 at J_D = 0.5."""
    tracemalloc.start()
    values = theory.second_moment_ratio([1e7, 1e9, 1e12], 0.5)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 100e6
    limit = float(theory.second_moment_ratio(np.inf, 0.5))
    excess = (values - limit) * np.array([1e7, 1e9, 1e12])
    assert excess[0] == pytest.approx(excess[1], rel=1e-2)
    assert abs(values[2] - limit) < 1e-10


# --------------------------------------------------------------- oversize enumeration


def test_oversize_enumeration_is_refused_before_walking():
    """n = 32, J_D = 2: ~2e9 fixed points (the walk took 140 s, then MemoryError)."""
    J = sim.random_couplings(32, 2.0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="count_fixed_points.*") as err:
        sim.enumerate_fixed_points(J)
    assert "GiB" in str(err.value) and "max_fixed_points" in str(err.value)
    assert sim.enumeration.estimated_fixed_points(J) == pytest.approx(
        np.exp(theory.log_expected_fixed_points(32, 2.0)), rel=0.2)


def test_max_fixed_points_stops_the_walk_or_returns_everything():
    J = sim.random_couplings(14, 0.5, np.random.default_rng(3))
    count = int(sim.count_fixed_points(J, [0.5])[0])
    assert count > 4
    assert len(sim.enumerate_fixed_points(J, max_fixed_points=count)) == count
    with pytest.raises(ValueError, match="count_fixed_points"):
        sim.enumerate_fixed_points(J, max_fixed_points=count - 2)
    with pytest.raises(ValueError, match="max_fixed_points"):
        sim.enumerate_fixed_points(J, max_fixed_points=-1)


# --------------------------------------------------------------- ValueError naming the parameter

_RNG = np.random.default_rng(0)
_J = sim.random_couplings(6, 0.5, np.random.default_rng(1))
_S = np.ones(6, np.int8)
_BAD_J = {
    "complex": _J + 1j,
    "nan": np.where(np.eye(6) > 0, np.nan, _J),
    "inf float32": np.where(np.eye(6) > 0, np.inf, _J).astype(np.float32),
    "non-square": _J[:, :-1],
    "empty": np.zeros((0, 0)),
    "3-d": _J[None],
    "text": np.array([["a"]]),
    "overflowing fields": np.full((6, 6), 1e308),
}
_J_FUNCTIONS = {
    "stabilities": lambda J: sim.stabilities(J, _S),
    "is_fixed_point": lambda J: sim.is_fixed_point(J, _S),
    "free_neurons": lambda J: sim.free_neurons(J, _S),
    "free_fraction": lambda J: sim.free_fraction(J, _S),
    "local_stabilities": lambda J: sim.local_stabilities(J, _S),
    "single_flip_neighbours": lambda J: sim.single_flip_neighbours(J, _S),
    "hamming_ball_counts": lambda J: sim.hamming_ball_counts(J, _S, 2),
    "relax async": lambda J: sim.relax(J, _S, rng=_RNG, max_sweeps=5),
    "relax sync": lambda J: sim.relax(J, _S, rule="sync", max_sweeps=5),
    "relax_many": lambda J: sim.relax_many(J, _S[None], _RNG, max_sweeps=5),
    "anneal": lambda J: sim.anneal(J, _RNG, s0=_S, betas=[1.0], finish_sweeps=2),
    "replicated_relax": lambda J: sim.replicated_relax(J, _RNG, replicas=1, ks=[0.0],
                                                       starts=_S[None], finish_sweeps=2),
    "enumerate_fixed_points": lambda J: sim.enumerate_fixed_points(J),
    "count_fixed_points": lambda J: sim.count_fixed_points(J, [0.5]),
    "minimum_stabilities": lambda J: sim.minimum_stabilities(J, 0.0),
    "belief_propagation": lambda J: sim.belief_propagation(J, rng=_RNG, max_iter=2),
    "bp_solve": lambda J: sim.bp_solve(J, rng=_RNG, max_iter=2),
}


@pytest.mark.parametrize("bad", sorted(_BAD_J))
@pytest.mark.parametrize("name", sorted(_J_FUNCTIONS))
def test_bad_coupling_matrix_is_a_value_error_naming_J(name, bad):
    J = _BAD_J[bad]
    call = _J_FUNCTIONS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"\bJ\b"):
            if J.ndim == 2 and J.shape[0] != 6:  # keep the spins consistent with J's size
                globals()["_S"], saved = np.ones(J.shape[1], np.int8), _S
                try:
                    call(J)
                finally:
                    globals()["_S"] = saved
            else:
                call(J)


_BAD_SPINS = {"0/1": np.array([0, 1] * 3), "bool": np.ones(6, bool), "complex": _S + 0j,
              "wrong length": _S[:-1], "3-d": _S[None, None], "NaN": np.full(6, np.nan),
              "2": np.full(6, 2.0)}


@pytest.mark.parametrize("bad", sorted(_BAD_SPINS))
def test_bad_spins_are_value_errors(bad):
    s = _BAD_SPINS[bad]
    for call in (lambda: sim.stabilities(_J, s), lambda: sim.relax(_J, s, rng=_RNG),
                 lambda: sim.hamming_ball_counts(_J, s, 1),
                 lambda: sim.anneal(_J, _RNG, s0=s, betas=[1.0])):
        with pytest.raises(ValueError, match="-1 and \\+1|shape"):
            call()


@pytest.mark.parametrize(("call", "name"), [
    (lambda: sim.relax(_J, _S, rng=_RNG, max_sweeps=2**63), "max_sweeps"),
    (lambda: sim.relax(_J, _S, rng=_RNG, max_sweeps=1.5), "max_sweeps"),
    (lambda: sim.relax(_J, _S, rng=_RNG, max_sweeps=10**12, record=True), "max_sweeps"),
    (lambda: sim.relax(_J, _S, rule="sync", p=1j), "p"),
    (lambda: sim.relax(_J, _S, rng=_RNG, dtype=np.float16), "dtype"),
    (lambda: sim.distance_profiles(np.ones((3, 6)), chunk=0), "chunk"),
    (lambda: sim.distance_profiles(np.ones((3, 6)), chunk=-1), "chunk"),
    (lambda: sim.hamming_ball_counts(_J, _S, 2**63), "radius"),
    (lambda: sim.anneal(_J, _RNG, finish_sweeps=2**63), "finish_sweeps"),
    (lambda: sim.replicated_relax(_J, _RNG, replicas=0), "replicas"),
    (lambda: sim.random_couplings(-1, 0.5, _RNG), "n"),
    (lambda: sim.chain_couplings(3, 2, 0.5, 1j, _RNG), "lam"),
    (lambda: sim.enumerate_fixed_points(_J, kappa=np.inf), "kappa"),
    (lambda: theory.owens_t(np.nan, 1.0), "h"),
    (lambda: theory.owens_t(1.0, np.nan), "a"),
    (lambda: theory.chain_complexity(0.5, 0.2, 3, n=1), "n"),
    (lambda: theory.chain_complexity(0.5, 0.2, 2**63), "layers"),
    (lambda: theory.complexity(0.5 + 1j), "jd"),
    (lambda: theory.pair_entropy(0.5, 2e6), "jd"),
    (lambda: theory.second_moment_ratio(2**63, 0.5), "n"),
])
def test_bad_arguments_are_value_errors_naming_the_parameter(call, name):
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        call()
