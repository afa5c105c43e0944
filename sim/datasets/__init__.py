"""Data shipped inside the package (package data, no code): ``mnist-10k/``, the 10,000 MNIST
digits :mod:`sim.data` loads by default (provenance and licence in its README)."""
