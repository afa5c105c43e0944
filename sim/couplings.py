r"""Random coupling matrices of the model (docs/model.md section 1).

A network of n binary neurons is one (n, n) matrix J: off-diagonal J_ij (i != j) are the
random couplings, the diagonal J_ii = J_D is the self-coupling. Every function of :mod:`sim`
takes such a matrix, so the chain of L layers is also built here as one (L n, L n) matrix.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import DTypeLike

from sim.validation import float_dtype, generator, real_array, whole_number


def random_couplings(
    n: int,
    jd: float,
    rng: np.random.Generator,
    symmetry: float = 0.0,
    density: float = 1.0,
    dtype: DTypeLike = np.float64,
) -> np.ndarray:
    r"""Random (n, n) coupling matrix with self-coupling ``jd`` on the diagonal.

    Off the diagonal :math:`J_{ij} \sim N(0, 1/n)` with :math:`\mathrm{corr}(J_{ij}, J_{ji}) =
    \eta` (``symmetry``): :math:`J = \sqrt{(1+\eta)/2}\,S + \sqrt{(1-\eta)/2}\,A` with S
    symmetric and A antisymmetric Gaussian matrices of off-diagonal variance 1/n, so
    eta = 0 is the fully asymmetric ensemble of docs/model.md (then drawn directly as i.i.d.
    entries), eta = 1 symmetric (Hopfield/SK-like), eta = -1 antisymmetric.

    ``density`` in (0, 1] dilutes the matrix: each unordered pair {i, j} is kept with
    probability ``density`` (J_ij and J_ji are kept or removed together, so the correlation
    of J_ij and J_ji stays exactly eta and eta = +-1 stays exactly (anti)symmetric), and kept
    entries are scaled to variance 1/(n density), so the field :math:`\sum_j J_{ij}s_j`
    keeps variance (n-1)/n for every density.

    Args:
        n: number of neurons (>= 1).
        jd: self-coupling J_D placed on the diagonal (any finite real; the model has jd >= 0).
        rng: random generator.
        symmetry: eta in [-1, 1].
        density: fraction of kept off-diagonal pairs, in (0, 1].
        dtype: float64 or float32 (float32 halves memory; enumeration stays float64-exact
            only for float64 input).
    Returns:
        J of shape (n, n).
    """
    n = whole_number("n", n, lower=1)
    jd = float(real_array("jd", jd))
    rng = generator(rng)
    eta = float(real_array("symmetry", symmetry, lower=-1.0, upper=1.0))
    density = float(real_array("density", density, lower=0.0, upper=1.0))
    if density <= 0.0:
        raise ValueError("density must lie in (0, 1]")
    dt = float_dtype(dtype)
    scale = 1.0 / np.sqrt(n * density)
    if eta == 0.0:
        J = rng.standard_normal((n, n)) * scale
    else:
        # G + G^T and G' - G'^T have off-diagonal variance 2; divide by sqrt 2.
        g = rng.standard_normal((n, n))
        sym = (g + g.T) / np.sqrt(2.0)
        g = rng.standard_normal((n, n))
        anti = (g - g.T) / np.sqrt(2.0)
        J = (np.sqrt((1.0 + eta) / 2.0) * sym + np.sqrt((1.0 - eta) / 2.0) * anti) * scale
    if density < 1.0:
        upper = np.triu(rng.random((n, n)) < density, k=1)
        J *= upper | upper.T
    np.fill_diagonal(J, jd)
    return J.astype(dt, copy=False)


def chain_couplings(
    n: int,
    layers: int,
    jd: float,
    lam: float,
    rng: np.random.Generator,
    dtype: DTypeLike = np.float64,
) -> np.ndarray:
    r"""The L-layer chain of docs/model.md section 1 as one (L n, L n) matrix.

    Neuron (l, i) has index l n + i. Diagonal block l is an independent
    :func:`random_couplings` (n, jd) matrix J^l; neuron i of layer l is coupled to neuron i
    of layers l-1 and l+1 with strength ``lam`` in both directions (free ends: the first and
    last layers have one neighbour). With this matrix the generic stability
    :math:`s_a \sum_b M_{ab} s_b` of neuron (l, i) is
    :math:`\lambda^l_i + J_D + \lambda s^l_i (s^{l-1}_i + s^{l+1}_i)` (missing layers count
    0), so fixed points, enumeration and dynamics of the chain are those of the matrix.

    Args:
        n: neurons per layer (>= 1).
        layers: number of layers L (>= 1).
        jd: self-coupling J_D.
        lam: inter-layer coupling lambda (any finite real).
        rng: random generator.
        dtype: float64 or float32.
    Returns:
        M of shape (layers n, layers n).
    """
    n = whole_number("n", n, lower=1)
    layers = whole_number("layers", layers, lower=1)
    jd = float(real_array("jd", jd))
    lam = float(real_array("lam", lam))
    rng = generator(rng)
    dt = float_dtype(dtype)
    size = layers * n
    M = np.zeros((size, size), dtype=np.float64)
    for layer in range(layers):
        block = slice(layer * n, (layer + 1) * n)
        M[block, block] = random_couplings(n, jd, rng)
    idx = np.arange(n, size)
    M[idx, idx - n] = lam
    M[idx - n, idx] = lam
    return M.astype(dt, copy=False)
