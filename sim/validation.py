"""Argument checks shared by the public functions of :mod:`sim`, built on
:mod:`theory.validation`: coupling matrices, spin configurations, random generators and
float dtypes. Each failure is a ``ValueError`` naming the parameter."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from theory.validation import integer_array, real_array, whole_number

__all__ = ["as_couplings", "as_spins", "float_dtype", "generator", "integer_array",
           "real_array", "whole_number"]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def generator(rng: np.random.Generator) -> np.random.Generator:
    """``rng`` itself, or ValueError if it is not a numpy.random.Generator."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError("rng must be a numpy.random.Generator")  # noqa: TRY004 (project rule)
    return rng


def float_dtype(dtype: DTypeLike) -> np.dtype:
    """``dtype`` as a numpy dtype, or ValueError unless it is float32 or float64."""
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise ValueError("dtype must be a numpy floating dtype") from exc
    if dt not in _FLOATS:
        raise ValueError("dtype must be float32 or float64")
    return dt


def _check_finite(arr: np.ndarray, name: str) -> None:
    """ValueError unless every entry and every row sum of |entries| is finite: one summation
    pass (no temporary array); only when the total is not finite are the entries and the
    row sums checked one by one."""
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.add.reduce(arr, axis=None)):
            return
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} must be finite (no NaN or inf entries)")
        if not np.isfinite(np.abs(arr).sum(axis=1)).all():
            raise ValueError(f"{name} is too large: its fields overflow {arr.dtype}; rescale it")


def as_couplings(J: ArrayLike, name: str = "J", *, check_finite: bool = True) -> np.ndarray:
    """Validated non-empty square, real, finite coupling matrix (n, n).

    float32 and float64 arrays are returned as they are (no copy, layout kept); other real
    dtypes are converted to float64. Complex values, NaN or inf entries, other shapes raise
    ValueError naming ``name``. ``check_finite=False`` skips the pass over the entries for a
    caller that checks finiteness on its own first pass (fields J s are non-finite iff a row
    holds a non-finite entry, or its sum overflows).
    """
    arr = np.asarray(J)
    if arr.dtype not in _FLOATS:
        arr = real_array(name, arr)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty square matrix; got shape {arr.shape}")
    if check_finite:
        _check_finite(arr, name)
    return arr


def as_spins(s: ArrayLike, n: int, name: str = "s") -> np.ndarray:
    """Validated int8 array of +-1 spins of shape (n,) or (m, n) (any real dtype holding
    exactly -1 and +1; bool and complex are refused)."""
    arr = np.asarray(s)
    if arr.ndim not in (1, 2) or arr.shape[-1] != n:
        raise ValueError(f"{name} must have shape ({n},) or (m, {n}); got {arr.shape}")
    if arr.dtype == bool or np.iscomplexobj(arr) or arr.dtype == object:
        raise ValueError(f"{name} must be a real array of -1 and +1; got dtype {arr.dtype}")
    if not ((arr == 1) | (arr == -1)).all():
        raise ValueError(f"{name} must contain only -1 and +1")
    return arr.astype(np.int8, copy=False)
