"""Argument checks shared by the public functions of :mod:`theory` and :mod:`sim`.

Every public function converts its inputs here first, so bad input fails with a
``ValueError`` that names the parameter instead of propagating a silent NaN, a dropped
imaginary part or an integer overflow. :mod:`sim.validation` builds the instance checks
(coupling matrices, spin configurations, generators) on these.
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
    """Return ``value`` as a float64 array, checking it is real (not complex), not NaN and in
    [lower, upper] (finite unless ``allow_inf``)."""
    if np.iscomplexobj(value):
        raise ValueError(f"{name} must be real; got a complex value")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a real number or array of real numbers") from exc
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN")
    if not allow_inf and np.isinf(arr).any():
        raise ValueError(f"{name} must be finite")
    outside = (arr < lower) | (arr > upper)
    if allow_inf:
        outside &= arr != np.inf  # +inf allowed beyond a finite upper bound
    if outside.any():
        raise ValueError(f"{name} must lie in [{lower}, {upper}]; got values outside")
    return arr


# Largest |J_D|, |kappa|, |lambda| the theory accepts: the Gaussian tails there are below
# exp(-5e11), so every quantity has reached its large-coupling limit long before, and squares
# and ratios of such couplings stay far from overflow.
COUPLING_BOUND = 1e6


def coupling_array(name: str, value: ArrayLike, *, nonnegative: bool = False) -> np.ndarray:
    """A self-coupling, margin or inter-layer coupling as a float64 array in
    [-COUPLING_BOUND, COUPLING_BOUND] ([0, COUPLING_BOUND] if ``nonnegative``)."""
    lower = 0.0 if nonnegative else -COUPLING_BOUND
    return real_array(name, value, lower=lower, upper=COUPLING_BOUND)


def integer_array(
    name: str,
    value: ArrayLike,
    *,
    lower: int,
    upper: float = np.inf,
    allow_inf: bool = False,
) -> np.ndarray:
    """Return ``value`` as a float64 array of whole numbers in [lower, upper] (``inf`` if
    allowed)."""
    arr = real_array(name, value, lower=lower, upper=upper, allow_inf=allow_inf)
    finite = np.isfinite(arr)
    if (arr[finite] != np.round(arr[finite])).any():
        raise ValueError(f"{name} must be a whole number")
    return arr


def whole_number(name: str, value: ArrayLike, *, lower: int, upper: int = 2**62) -> int:
    """One whole number in [lower, upper] as a Python int (the default upper bound keeps it,
    and sums of a few of it, inside int64 for the compiled kernels)."""
    arr = integer_array(name, value, lower=lower, upper=upper)
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a single whole number; got shape {arr.shape}")
    return int(arr)
