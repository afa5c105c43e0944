"""Argument checks shared by the modules of :mod:`sim` (random generators, float dtypes)."""

from __future__ import annotations

import numpy as np
from numpy.typing import DTypeLike


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
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError("dtype must be float32 or float64")
    return dt
