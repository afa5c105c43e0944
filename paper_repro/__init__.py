"""Reproduction scripts: overlay theory on simulation, train the learner, draw the figures.

Run ``python -m paper_repro --help`` for the command line. This package composes
:mod:`theory` and :mod:`sim`; it is the only place that prints, plots or writes files.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("steering-fixed-points")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"
