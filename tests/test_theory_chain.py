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
    assert np.all(theory.chain_complexity(0.0, 0.0, 4) == 0.0)  # decoupled layers at J_D = 0


def test_bad_layers():
    with pytest.raises(ValueError, match="^layers"):
        theory.chain_complexity(0.5, 0.5, -1)
    with pytest.raises(ValueError, match="^layers"):
        theory.chain_complexity(0.5, 0.5, 2.5)
