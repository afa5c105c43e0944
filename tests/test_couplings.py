"""Coupling ensembles, stabilities, fixed-point test and free neurons (sim.couplings,
sim.stability)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.couplings import chain_couplings, random_couplings
from sim.stability import free_neurons, is_fixed_point, stabilities


def _upper_pairs(J):
    i, j = np.triu_indices(J.shape[0], k=1)
    return J[i, j], J[j, i]


@pytest.mark.parametrize("symmetry", [-1.0, -0.4, 0.0, 0.6, 1.0])
@pytest.mark.parametrize("density", [1.0, 0.3])
def test_variance_symmetry_and_density(symmetry, density):
    n = 400
    J = random_couplings(n, 0.7, np.random.default_rng(11), symmetry=symmetry, density=density)
    assert J.shape == (n, n) and J.dtype == np.float64
    assert np.all(np.diag(J) == 0.7)
    upper, lower = _upper_pairs(J)
    pairs = upper.size  # J_ij and J_ji are correlated: count unordered pairs as the sample size
    # variance 1/n: the entries are N(0, 1/(n d)) with probability d, so
    # Var(n x^2) = 3/d - 1; 4 standard errors
    var = n * np.mean(np.concatenate([upper, lower]) ** 2)
    assert abs(var - 1.0) < 4 * np.sqrt((3 / density - 1) / pairs)
    # dilution by pairs: J_ij and J_ji vanish together; kept fraction is binomial(pairs, d)
    assert np.array_equal(upper == 0, lower == 0)
    kept = np.mean(upper != 0)
    assert abs(kept - density) < 4 * np.sqrt(density * (1 - density) / pairs) + 1e-12
    # correlation of J_ij and J_ji (exact for |eta| = 1, else SE ~ (1 - eta^2)/sqrt(#pairs))
    if abs(symmetry) == 1.0:
        np.testing.assert_allclose(lower, symmetry * upper, rtol=1e-15, atol=0)
    else:
        k = upper != 0
        corr = np.corrcoef(upper[k], lower[k])[0, 1]
        assert abs(corr - symmetry) < 4 * (1 - symmetry**2) / np.sqrt(k.sum())


def test_random_couplings_dtype_and_reproducibility():
    a = random_couplings(10, 0.5, np.random.default_rng(3), dtype=np.float32)
    b = random_couplings(10, 0.5, np.random.default_rng(3))
    assert a.dtype == np.float32
    np.testing.assert_allclose(a, b, rtol=1e-7)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"n": 0}, "n"),
        ({"n": 2.5}, "n"),
        ({"jd": np.nan}, "jd"),
        ({"symmetry": 1.5}, "symmetry"),
        ({"density": 0.0}, "density"),
        ({"density": 1.2}, "density"),
        ({"rng": np.random.RandomState(0)}, "rng"),
        ({"dtype": np.int32}, "dtype"),
    ],
)
def test_random_couplings_validation(kwargs, name):
    args = {"n": 5, "jd": 0.5, "rng": np.random.default_rng(0)} | kwargs
    with pytest.raises(ValueError, match=name):
        random_couplings(**args)


def test_chain_structure_and_stability_formula():
    n, layers, jd, lam = 7, 4, 0.3, 0.45
    rng = np.random.default_rng(5)
    M = chain_couplings(n, layers, jd, lam, rng)
    assert M.shape == (n * layers, n * layers)
    assert np.all(np.diag(M) == jd)
    s = rng.choice(np.array([-1, 1], dtype=np.int8), size=(50, layers, n))
    got = stabilities(M, s.reshape(50, -1)).reshape(50, layers, n)
    for l in range(layers):
        block = M[l * n:(l + 1) * n, l * n:(l + 1) * n].copy()
        np.fill_diagonal(block, 0.0)
        lam_l = s[:, l] * (s[:, l] @ block.T)  # lambda^l_i of docs/model.md
        neighbours = np.zeros_like(s[:, l], dtype=float)
        if l > 0:
            neighbours += s[:, l - 1]
        if l < layers - 1:
            neighbours += s[:, l + 1]
        want = lam_l + jd + lam * s[:, l] * neighbours
        np.testing.assert_allclose(got[:, l], want, rtol=1e-12, atol=1e-12)
    # only the one-to-one neighbours couple different layers
    inter = M.copy()
    for l in range(layers):
        inter[l * n:(l + 1) * n, l * n:(l + 1) * n] = 0
    assert np.count_nonzero(inter) == 2 * n * (layers - 1)
    assert np.array_equal(inter, inter.T)


def test_chain_validation():
    with pytest.raises(ValueError, match="layers"):
        chain_couplings(3, 0, 0.5, 0.2, np.random.default_rng(0))
    with pytest.raises(ValueError, match="lam"):
        chain_couplings(3, 2, 0.5, np.inf, np.random.default_rng(0))


def test_stabilities_fixed_points_and_free_neurons_by_loops():
    n = 9
    rng = np.random.default_rng(2)
    J = random_couplings(n, 0.6, rng, symmetry=0.3)
    S = rng.choice(np.array([-1, 1], dtype=np.int8), size=(200, n))
    want = np.array([[s[i] * sum(J[i, j] * s[j] for j in range(n)) for i in range(n)] for s in S])
    np.testing.assert_allclose(stabilities(J, S), want, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(stabilities(J, S[0]), want[0], rtol=1e-12, atol=1e-14)
    for kappa in (0.0, 0.2):
        fp = is_fixed_point(J, S, kappa)
        assert fp.dtype == bool and np.array_equal(fp, np.all(want > kappa, axis=1))
        assert is_fixed_point(J, S[0], kappa) is bool(np.all(want[0] > kappa))
    off = want - np.diag(J)  # lambda_i
    free = free_neurons(J, S)
    assert np.array_equal(free, np.abs(off) < 0.6)
    # a free neuron stays stable when flipped alone
    s = S[np.argmax(free.any(axis=1))].copy()
    i = np.flatnonzero(free_neurons(J, s))[0]
    before = stabilities(J, s)[i]
    s[i] = -s[i]
    assert before > 0 and stabilities(J, s)[i] > 0


def test_strict_stability_tie_convention():
    J = np.zeros((3, 3))  # every field is exactly 0
    s = np.array([1, -1, 1])
    assert not is_fixed_point(J, s)
    assert is_fixed_point(J, s, kappa=-1e-300)
    assert not free_neurons(J, s).any()


@pytest.mark.parametrize(
    "J, s, name",
    [
        (np.zeros((3, 3)), [1, 0, 1], "s"),
        (np.zeros((3, 3)), [1, 1], "s"),
        (np.zeros((3, 3)), [[[1, 1, 1]]], "s"),
        (np.zeros((3, 3)), [True, False, True], "s"),
        (np.zeros((3, 2)), [1, 1], "J"),
        (np.full((2, 2), np.nan), [1, 1], "J"),
        (np.full((2, 2), np.inf, dtype=np.float32), [1, 1], "J"),
    ],
)
def test_stability_validation(J, s, name):
    with pytest.raises(ValueError, match=name):
        stabilities(J, s)
    with pytest.raises(ValueError, match=name):
        free_neurons(J, s)


def test_is_fixed_point_validates_kappa():
    with pytest.raises(ValueError, match="kappa"):
        is_fixed_point(np.zeros((2, 2)), [1, 1], kappa=np.nan)
