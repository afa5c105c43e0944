"""Shared test helpers."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))  # for mp_reference


@pytest.fixture(scope="session")
def mp_table() -> dict:
    """The 50-digit mpmath reference values of tests/references/theory_mpmath.json."""
    return json.loads((TESTS / "references" / "theory_mpmath.json").read_text())


def as_float(value: str) -> float:
    return -np.inf if value == "-inf" else float(value)


def significant_digits_error(got: np.ndarray, want: np.ndarray,
                             floor: float = 1e-300) -> np.ndarray:
    """|got - want| / max(|want|, floor): relative error, with an absolute floor near zeros."""
    got, want = np.asarray(got, float), np.asarray(want, float)
    both_inf = np.isinf(want) & (got == want)
    with np.errstate(invalid="ignore"):
        err = np.abs(got - want) / np.maximum(np.abs(want), floor)
    return np.where(both_inf, 0.0, err)
