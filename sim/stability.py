r"""Stabilities, fixed points and free neurons of one coupling matrix.

Conventions (docs/model.md section 3). The field of neuron i is :math:`h_i = \sum_j J_{ij}s_j`
INCLUDING the diagonal term J_ii s_i (the self-coupling). The stability returned here is
:math:`s_i h_i = \lambda_i + J_{ii}`, where :math:`\lambda_i = s_i\sum_{j\ne i}J_{ij}s_j`
is the stability of docs/model.md. A configuration is a fixed point (FP) iff every
:math:`s_i h_i > \kappa` STRICTLY (kappa = 0: :math:`\lambda_i > -J_D`). The dynamics use
sign(0) = +1, so a neuron with h_i = 0 and s_i = +1 does not move although it is not counted
as stable here; for Gaussian couplings such ties have probability zero.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from theory._validate import real_array


def as_couplings(J: ArrayLike, name: str = "J") -> np.ndarray:
    """Validated square, finite, real coupling matrix (float32 kept, anything else float64)."""
    arr = np.asarray(J)
    if arr.dtype != np.float32:
        arr = real_array(name, arr)
    elif not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite")
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty square matrix; got shape {arr.shape}")
    return arr


def as_spins(s: ArrayLike, n: int, name: str = "s") -> np.ndarray:
    """Validated int8 array of +-1 spins of shape (n,) or (m, n)."""
    arr = np.asarray(s)
    if arr.ndim not in (1, 2) or arr.shape[-1] != n:
        raise ValueError(f"{name} must have shape ({n},) or (m, {n}); got {arr.shape}")
    if arr.dtype == bool or not ((arr == 1) | (arr == -1)).all():
        raise ValueError(f"{name} must contain only -1 and +1")
    return arr.astype(np.int8, copy=False)


def _fields(J: np.ndarray, s: np.ndarray) -> np.ndarray:
    """h = J s for one configuration or each row of a batch (float64)."""
    return s.astype(np.float64) @ J.T.astype(np.float64, copy=False)


def stabilities(J: ArrayLike, s: ArrayLike) -> np.ndarray:
    r"""Stabilities :math:`s_i \sum_j J_{ij} s_j` including the diagonal term.

    The docs/model.md (section 3) stability :math:`\lambda_i` is this minus J_ii.

    Args:
        J: (n, n) coupling matrix.
        s: +-1 configuration (n,) or batch (m, n).
    Returns:
        float64 array of the shape of ``s``.
    """
    J = as_couplings(J)
    s = as_spins(s, J.shape[0])
    return _fields(J, s) * s


def is_fixed_point(J: ArrayLike, s: ArrayLike, kappa: float = 0.0) -> bool | np.ndarray:
    r"""True where every stability :math:`s_i\sum_j J_{ij}s_j > \kappa` (strict).

    Strictness is the tie convention: an exactly zero field is not stable (the dynamics'
    sign(0) = +1 matters only for such measure-zero ties).

    Args:
        J: (n, n) coupling matrix.
        s: +-1 configuration (n,) or batch (m, n).
        kappa: margin (real).
    Returns:
        bool for one configuration, bool array (m,) for a batch.
    """
    kappa = float(real_array("kappa", kappa))
    ok = np.all(stabilities(J, s) > kappa, axis=-1)
    return bool(ok) if ok.ndim == 0 else ok


def free_neurons(J: ArrayLike, s: ArrayLike) -> np.ndarray:
    r"""Mask of free neurons: :math:`|\sum_{j\ne i} J_{ij}s_j| < J_{ii}`.

    A free neuron is stable with either sign given the others (both signs self-consistent).

    Args:
        J: (n, n) coupling matrix.
        s: +-1 configuration (n,) or batch (m, n).
    Returns:
        bool array of the shape of ``s``.
    """
    J = as_couplings(J)
    s = as_spins(s, J.shape[0])
    diag = np.diag(J).astype(np.float64)
    off_field = _fields(J, s) - diag * s
    return np.abs(off_field) < diag
