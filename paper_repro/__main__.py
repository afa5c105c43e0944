import os

# One BLAS thread per process: the toolkit parallelises over worker processes (sweeps) and
# its small matrix products lose badly to thread oversubscription otherwise (measured 10-30x
# slower learner steps on 2 cores). Set the variables yourself to override.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from paper_repro.cli import main

raise SystemExit(main())
