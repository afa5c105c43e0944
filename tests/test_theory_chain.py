"""Chain complexity: transfer matrix against brute force over the 2^L columns."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import special

import theory


def _brute(jd, lam, layers, kappa=0.0, scale=1.0):
    total = 0.0
    for sigma in itertools.product((-1, 1), repeat=layers):
        prob = 1.0
        for layer in range(layers):
            nb = (sigma[layer - 1] if layer > 0 else 0) + (
                sigma[layer + 1] if layer < layers - 1 else 0
            )
            prob *= special.ndtr(scale * (jd - kappa + lam * sigma[layer] * nb))
        total += prob
    return np.log(total) / layers


@pytest.mark.parametrize("layers", [1, 2, 3, 5, 8])
def test_transfer_matrix_equals_brute_force(layers):
    rng = np.random.default_rng(layers)
    for jd, lam, kappa in rng.uniform([0, -1, -0.5], [2, 2, 0.5], size=(4, 3)):
        assert theory.chain_complexity(jd, lam, layers, kappa) == pytest.approx(
            _brute(jd, lam, layers, kappa), rel=1e-13
        )
    scale = np.sqrt(12 / 11)
    assert theory.chain_complexity(0.3, 0.7, layers, n=12) == pytest.approx(
        _brute(0.3, 0.7, layers, scale=scale), rel=1e-13
    )


def test_single_layer_is_the_plain_complexity():
    jd = np.linspace(0, 3, 7)
    np.testing.assert_allclose(theory.chain_complexity(jd, 0.9, 1), theory.complexity(jd),
                               rtol=1e-15)


def test_lateral_coupling_alone_gives_exponentially_many_fixed_points():
    lam = np.array([0.1, 0.5, 2.0])
    for layers in (2, 3, 5):
        assert np.all(theory.chain_complexity(0.0, lam, layers) > 0)
    # decoupled layers at J_D = 0: exactly one FP on average (0 up to the rounding of the
    # log-space matrix power)
    assert theory.chain_complexity(0.0, 0.0, 4) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("layers", [9, 16, 100, 1001])
def test_matrix_power_equals_layer_by_layer_product(layers):
    """Repeated squaring against the plain product of L - 2 interior transfer matrices
    (4 x 4 in linear space, rescaled every layer; brute force over 2^L is too long here)."""
    jd, lam, kappa = 0.4, 0.7, 0.1
    spins = (-1.0, 1.0)
    pairs = [(a, b) for a in spins for b in spins]
    interior = np.array([[special.ndtr(jd - kappa + lam * b * (a + c)) if b == b2 else 0.0
                          for (b2, c) in pairs] for (a, b) in pairs])
    vector = np.array([special.ndtr(jd - kappa + lam * a * b) for (a, b) in pairs])
    log_scale = 0.0
    for _ in range(layers - 2):
        vector = vector @ interior
        log_scale += np.log(vector.sum())
        vector /= vector.sum()
    end = np.array([special.ndtr(jd - kappa + lam * b * a) for (a, b) in pairs])
    expected = (log_scale + np.log(vector @ end)) / layers
    assert theory.chain_complexity(jd, lam, layers, kappa) == pytest.approx(expected, rel=1e-13)


def test_any_number_of_layers_and_bad_sizes():
    # the per-layer complexity converges as L grows (free ends cost O(1/L))
    values = np.array([theory.chain_complexity(0.5, 0.2, n) for n in (10**6, 10**9, 2**62)])
    assert np.all(np.diff(values) < 0) and values[0] - values[-1] < 1e-6
    with pytest.raises(ValueError, match="layers"):
        theory.chain_complexity(0.5, 0.2, 2**63)
    with pytest.raises(ValueError, match="n must"):
        theory.chain_complexity(0.5, 0.2, 3, n=1)


def test_bad_layers():
    with pytest.raises(ValueError, match="^layers"):
        theory.chain_complexity(0.5, 0.5, -1)
    with pytest.raises(ValueError, match="^layers"):
        theory.chain_complexity(0.5, 0.5, 2.5)
