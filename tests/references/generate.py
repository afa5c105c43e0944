"""Regenerate tests/references/theory_mpmath.json (about 10 minutes on 2 cores).

    python tests/references/generate.py

Every value is computed by tests/mp_reference.py at 50 significant digits (integrals of
elementary functions by tanh-sinh quadrature, split at the integrand's kinks) and stored
as a decimal string with 25 digits. The toolkit's closed forms are not used.
"""

from __future__ import annotations

import json
import sys
from multiprocessing import Pool
from pathlib import Path

import mpmath as mp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import mp_reference as ref

JD = [0.0, 1e-6, 0.05, 0.3, 0.6744897501960817, 1.0, 2.0, 3.5, 5.0]
Q = [-1.0, -1 + 1e-12, -0.999, -0.7, -0.2, 0.0, 1e-9, 0.3, 0.8, 0.99, 0.999999, 1 - 1e-12, 1.0]
A = [0.0, 1e-6, 0.01, 0.3, 1.0, 2.5, 5.0]
RHO = [-1.0, -1 + 1e-12, -0.999999, -0.9, -0.5, -1e-3, 0.0, 1e-3, 0.5, 0.9, 0.999999,
       1 - 1e-12, 1.0]
ORTHANT_H = [-4.0, -1.0, 0.0, 0.5, 2.0, 5.0]
ORTHANT_K = [-3.0, 0.0, 0.7, 3.0, 6.0]
ORTHANT_RHO = [-1.0, -1 + 1e-10, -0.99, -0.8, -0.3, 0.0, 0.3, 0.8, 0.99, 1 - 1e-10, 1.0]
PAIRS = [(n, k, jd) for n in (2, 3, 20) for k in range(n + 1) for jd in (0.0, 0.5, 3.0)] + [
    (n, k, jd)
    for n in (1000, 10**6)
    for k in (0, 1, 2, n // 3, n // 2, n - 2, n - 1, n)
    for jd in (0.0, 0.5, 3.0)
]


def _str(x) -> str:
    return "-inf" if x == -mp.inf else mp.nstr(x, 25)


def _task(item):
    kind, args = item
    func = {
        "complexity": ref.complexity,
        "log_p2": lambda a, rho: ref.log_orthant(a, a, rho),
        "log_orthant": ref.log_orthant,
        "pair_entropy": ref.pair_entropy,
        "franz_parisi": ref.franz_parisi,
        "log_expected_pairs": ref.log_expected_pairs,
    }[kind]
    return kind, list(args), _str(func(*args))


def main() -> None:
    items = [("complexity", (jd, kappa)) for jd in JD for kappa in (0.0, 0.4, 3.0)]
    items += [("log_p2", (a, rho)) for a in A for rho in RHO]
    items += [("log_orthant", (h, k, r)) for h in ORTHANT_H for k in ORTHANT_K for r in ORTHANT_RHO]
    items += [("pair_entropy", (q, jd)) for q in Q for jd in JD]
    items += [("franz_parisi", (q, jd)) for q in Q for jd in JD]
    items += [("log_expected_pairs", p) for p in PAIRS]
    with Pool() as pool:
        rows = pool.map(_task, items, chunksize=1)
    table: dict[str, list] = {}
    for kind, args, value in rows:
        table.setdefault(kind, []).append({"args": args, "value": value})
    out = Path(__file__).with_name("theory_mpmath.json")
    out.write_text(json.dumps({"recipe": __doc__.strip(), "dps": mp.mp.dps, **table}, indent=1))
    print(f"wrote {sum(len(v) for v in table.values())} values to {out}")


if __name__ == "__main__":
    main()
