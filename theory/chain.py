r"""First-moment complexity of a chain of L recurrent layers (the "deep" network).

Neuron i of layer l is coupled one-to-one to neuron i of layers l-1 and l+1 with strength
lambda (free ends: the missing neighbours count 0). The stability condition of (l, i) is
:math:`\lambda^l_i + J_D - \kappa + \lambda s^l_i(s^{l-1}_i + s^{l+1}_i) > 0`, and the rows of
the L coupling matrices are independent, so

.. math:: E[\#FP] = \Big[\sum_{\sigma\in\{\pm1\}^L}\prod_{l=1}^L
          \Phi\big(a(J_D - \kappa + \lambda\sigma_l(\sigma_{l-1} + \sigma_{l+1}))\big)\Big]^N

exactly, with a = sqrt(N/(N-1)) at size N and a = 1 for N -> inf. The sum over the 2^L
column configurations is a transfer-matrix product over the pair (sigma_{l-1}, sigma_l),
done in log space (O(log L) by repeated squaring). lambda alone (J_D = 0) makes the count
exponential for L >= 2.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from theory.gaussian import LN2, log_ndtr
from theory.validation import coupling_array, whole_number


def _log_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Matrix product in log space over the last two axes: ln(e^a @ e^b)."""
    return special.logsumexp(a[..., :, :, None] + b[..., None, :, :], axis=-2)


def _log_column_sum(threshold: np.ndarray, lam: np.ndarray, layers: int) -> np.ndarray:
    r"""ln sum_sigma prod_l Phi(threshold + lam sigma_l (sigma_{l-1} + sigma_{l+1})).

    Transfer matrix over the pair state (sigma_{l-1}, sigma_l) (4 states):
    :math:`M[(a,b),(b,c)] = \ln\Phi(t + \lambda b(a + c))` (-inf between incompatible
    pairs) carries the factor of layer l. The L - 2 interior layers give the power
    M^(L-2), taken by repeated squaring in log space, so the cost is O(log L).
    """
    if layers == 1:
        return LN2 + log_ndtr(threshold)
    spins = np.array([-1.0, 1.0])
    t = threshold[..., None, None]
    g = lam[..., None, None]
    # start: pair (sigma_1, sigma_2) = (b, c) with the factor of layer 1 (sigma_0 = 0)
    start = log_ndtr(t + g * spins[:, None] * spins[None, :]).reshape(threshold.shape + (4,))
    # end: pair (sigma_{L-1}, sigma_L) = (a, b) with the factor of layer L (sigma_{L+1} = 0)
    end = log_ndtr(t + g * spins[None, :] * spins[:, None]).reshape(threshold.shape + (4,))
    a, b, b2, c = (x.reshape(-1) for x in np.meshgrid(spins, spins, spins, spins,
                                                        indexing="ij"))
    interior = np.where(b == b2, log_ndtr(threshold[..., None] + lam[..., None] * b * (a + c)),
                        -np.inf).reshape(threshold.shape + (4, 4))
    vector = start[..., None, :]  # row vector (1, 4)
    power, steps = interior, layers - 2
    while steps:
        if steps & 1:
            vector = _log_matmul(vector, power)
        steps >>= 1
        if steps:
            power = _log_matmul(power, power)
    return special.logsumexp(vector[..., 0, :] + end, axis=-1)


def chain_complexity(
    jd: ArrayLike,
    lam: ArrayLike,
    layers: int,
    kappa: ArrayLike = 0.0,
    n: int | None = None,
) -> np.ndarray:
    r"""First-moment (annealed) complexity per neuron of an L-layer chain,
    :math:`\frac{1}{L}\ln\sum_\sigma\prod_l\Phi(\cdot)` (module docstring), in nats.

    ``n=None`` gives the large-N limit; an integer ``n`` >= 2 gives the exact finite-N value
    ln E[#FP] / (N L). ``layers = 1`` reduces to :func:`theory.complexity`. Any number of
    layers up to 2^62 costs O(log L) (transfer-matrix power by repeated squaring).
    jd, lam, kappa broadcast together; returns their broadcast shape.

    References: the chain ("deep") network of Badalotti, Baldassi, Mezard, Scardecchia,
    Zecchina, arXiv:2509.05041 (first-moment count: docs/model.md section 5, item 7).
    """
    jd = coupling_array("jd", jd, nonnegative=True)
    lam = coupling_array("lam", lam)
    kappa = coupling_array("kappa", kappa)
    count = whole_number("layers", layers, lower=1)
    if n is None:
        scale = 1.0
    else:
        size = whole_number("n", n, lower=2)
        scale = float(np.sqrt(size / (size - 1.0)))
    jd, lam, kappa = np.broadcast_arrays(jd, lam, kappa)
    return _log_column_sum(scale * (jd - kappa), scale * lam, count) / count
