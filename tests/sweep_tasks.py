"""Task functions for the sweep-runner tests (importable by worker processes)."""

from __future__ import annotations

import os
import time

import numpy as np


def noisy_square(params: dict, rng: np.random.Generator) -> dict:
    """x^2 plus a draw from the task's own stream; logs each call to SWEEP_CALL_LOG if set and
    sleeps SWEEP_SLEEP seconds if set."""
    log = os.environ.get("SWEEP_CALL_LOG")
    if log:
        with open(log, "a") as fh:
            fh.write(f"{params['x']}\n")
    time.sleep(float(os.environ.get("SWEEP_SLEEP", "0")))
    return {"value": params["x"] ** 2 + float(rng.normal())}
