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

from sim.validation import as_couplings, as_spins, real_array


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
