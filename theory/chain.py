r"""First-moment complexity of a chain of L recurrent layers (the "deep" network).

Neuron i of layer l is coupled one-to-one to neuron i of layers l-1 and l+1 with strength
lambda (free ends: the missing neighbours count 0). The stability condition of (l, i) is
:math:`\lambda^l_i + J_D - \kappa + \lambda s^l_i(s^{l-1}_i + s^{l+1}_i) > 0`, and the rows of
the L coupling matrices are independent, so

.. math:: E[\#FP] = \Big[\sum_{\sigma\in\{\pm1\}^L}\prod_{l=1}^L
          \Phi\big(a(J_D - \kappa + \lambda\sigma_l(\sigma_{l-1} + \sigma_{l+1}))\big)\Big]^N

exactly, with a = sqrt(N/(N-1)) at size N and a = 1 for N -> inf. The sum over the 2^L
column configurations is a transfer-matrix product over the pair (sigma_{l-1}, sigma_l),
done in log space. lambda alone (J_D = 0) makes the count exponential for L >= 2.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from theory.gaussian import log_ndtr
from theory.validation import coupling_array, integer_array


def _log_column_sum(threshold: np.ndarray, lam: np.ndarray, layers: int) -> np.ndarray:
    """ln sum_sigma prod_l Phi(threshold + lam sigma_l (sigma_{l-1} + sigma_{l+1}))."""
    spins = np.array([-1.0, 1.0])
    t = threshold[..., None, None]
    g = lam[..., None, None]
    if layers == 1:
        return np.log(2.0) + log_ndtr(threshold)
    # after layer 1: weight[b, c] over (sigma_1 = b, sigma_2 = c), sigma_0 = 0
    weight = log_ndtr(t + g * spins[:, None] * spins[None, :])
    for layer in range(2, layers + 1):
        nxt = spins if layer < layers else np.zeros(1)
        # term[a, b, c] = weight[a, b] + ln Phi(t + lam b (a + c))
        arg = threshold[..., None, None, None] + lam[..., None, None, None] * (
            spins[None, :, None] * (spins[:, None, None] + nxt[None, None, :])
        )
        weight = special.logsumexp(weight[..., :, :, None] + log_ndtr(arg), axis=-3)
    return special.logsumexp(weight, axis=(-2, -1))


def chain_complexity(
    jd: ArrayLike,
    lam: ArrayLike,
    layers: int,
    kappa: ArrayLike = 0.0,
    n: int | None = None,
) -> np.ndarray:
    r"""First-moment (annealed) complexity per neuron of an L-layer chain,
    :math:`\frac{1}{L}\ln\sum_\sigma\prod_l\Phi(\cdot)` (module docstring), in nats.

    ``n=None`` gives the large-N limit; an integer ``n`` gives the exact finite-N value
    ln E[#FP] / (N L). ``layers = 1`` reduces to :func:`theory.complexity`.
    """
    jd = coupling_array("jd", jd, nonnegative=True)
    lam = coupling_array("lam", lam)
    kappa = coupling_array("kappa", kappa)
    layers_arr = integer_array("layers", layers, lower=1)
    if layers_arr.ndim != 0:
        raise ValueError("layers must be a single whole number >= 1")
    scale = 1.0 if n is None else float(np.sqrt(n / (n - 1.0)))
    if n is not None:
        integer_array("n", n, lower=2)
    jd, lam, kappa = np.broadcast_arrays(jd, lam, kappa)
    count = int(layers_arr)
    return _log_column_sum(scale * (jd - kappa), scale * lam, count) / count
