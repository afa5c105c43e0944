"""Vectorised one-dimensional searches (many independent problems at once)."""

from __future__ import annotations

import numpy as np


def bisect_sign_change(func, lo: np.ndarray, hi: np.ndarray, iterations: int = 64) -> np.ndarray:
    """Vectorised bisection for a sign change of func between lo (func < 0) and hi (func >= 0)."""
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        neg = func(mid) < 0
        lo = np.where(neg, mid, lo)
        hi = np.where(neg, hi, mid)
    return 0.5 * (lo + hi)


def golden_minimum(func, lo: np.ndarray, hi: np.ndarray, iterations: int = 90) -> np.ndarray:
    """Vectorised golden-section search for the minimiser of a unimodal func on [lo, hi]."""
    ratio = 0.5 * (np.sqrt(5.0) - 1.0)
    x1, x2 = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    f1, f2 = func(x1), func(x2)
    for _ in range(iterations):
        left = f1 < f2  # the minimum lies in [lo, x2]
        lo, hi = np.where(left, lo, x1), np.where(left, x2, hi)
        x_new = np.where(left, hi - ratio * (hi - lo), lo + ratio * (hi - lo))
        f_new = func(x_new)
        x1, x2 = np.where(left, x_new, x2), np.where(left, x1, x_new)
        f1, f2 = np.where(left, f_new, f2), np.where(left, f1, f_new)
    return 0.5 * (lo + hi)
