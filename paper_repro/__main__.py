"""``python -m paper_repro``: the same entry point as the ``paper-repro`` console script."""

from paper_repro.cli import main

raise SystemExit(main())
