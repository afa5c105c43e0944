"""Task functions for the sweep-runner tests (importable by worker processes)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from paper_repro.sweep import result_shape


def noisy_square(params: dict, rng: np.random.Generator) -> dict:
    """x^2 plus a draw from the task's own stream; logs each call to SWEEP_CALL_LOG if set and
    sleeps SWEEP_SLEEP seconds if set."""
    log = os.environ.get("SWEEP_CALL_LOG")
    if log:
        with open(log, "a") as fh:
            fh.write(f"{params['x']}\n")
    time.sleep(float(os.environ.get("SWEEP_SLEEP", "0")))
    return {"value": params["x"] ** 2 + float(rng.normal())}


@result_shape(lambda params: {"draws": (params["n"],)})
def shaped_draws(params: dict, rng: np.random.Generator) -> dict:
    """n normal draws from the task's stream (declares its result shape); logs like
    :func:`noisy_square`."""
    log = os.environ.get("SWEEP_CALL_LOG")
    if log:
        with open(log, "a") as fh:
            fh.write(f"{params['n']}\n")
    return {"draws": rng.normal(size=params["n"]).tolist()}


def report_pid_and_sleep(params: dict, rng: np.random.Generator) -> dict:
    """Write this worker's pid to the directory PID_DIR, then sleep for a long time."""
    del rng
    (Path(os.environ["PID_DIR"]) / str(os.getpid())).touch()
    time.sleep(120)
    return {"x": params["x"]}
