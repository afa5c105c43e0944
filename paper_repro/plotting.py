"""Drawing helpers shared by the figure modules (the gallery's one style)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

STYLE = Path(__file__).with_name("paper.mplstyle")


@contextmanager
def figure(path: Path, ncols: int = 1, nrows: int = 1, width: float | None = None,
           height: float | None = None):
    """Yield (fig, axes) in the gallery style, then save to ``path`` and close."""
    with plt.style.context(str(STYLE)):
        base_w, base_h = plt.rcParams["figure.figsize"]
        fig, axes = plt.subplots(nrows, ncols, figsize=(width or base_w * ncols * 0.85,
                                                        height or base_h * nrows * 0.9),
                                 squeeze=False)
        yield fig, axes.ravel() if axes.size > 1 else axes[0, 0]
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)


def as_array(values) -> np.ndarray:
    """JSON lists back to float arrays ("inf"/"nan" strings included)."""
    return np.array(values, dtype=float)


def panel_label(ax, text: str) -> None:
    ax.text(0.02, 0.97, text, transform=ax.transAxes, va="top", ha="left",
            fontweight="bold")
