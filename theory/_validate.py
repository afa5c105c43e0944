"""Argument checks shared by the public functions of :mod:`theory`.

Every public function converts its inputs here first, so bad input fails with a
``ValueError`` that names the parameter instead of propagating a silent NaN.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def real_array(
    name: str,
    value: ArrayLike,
    *,
    lower: float = -np.inf,
    upper: float = np.inf,
    allow_inf: bool = False,
) -> np.ndarray:
    """Return ``value`` as a float64 array, checking it is real, not NaN and in [lower, upper]."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a real number or array of real numbers") from exc
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN")
    if not allow_inf and np.isinf(arr).any():
        raise ValueError(f"{name} must be finite")
    if (arr < lower).any() or (arr > upper).any():
        raise ValueError(f"{name} must lie in [{lower}, {upper}]; got values outside")
    return arr


def integer_array(
    name: str, value: ArrayLike, *, lower: int, allow_inf: bool = False
) -> np.ndarray:
    """Return ``value`` as a float64 array of whole numbers >= ``lower`` (``inf`` if allowed)."""
    arr = real_array(name, value, lower=lower, allow_inf=allow_inf)
    finite = np.isfinite(arr)
    if (arr[finite] != np.round(arr[finite])).any():
        raise ValueError(f"{name} must be a whole number")
    return arr
