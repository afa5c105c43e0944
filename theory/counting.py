r"""Counting fixed points: first and second moments of their number Z.

Model (DESIGN.md section 1): N binary neurons, couplings :math:`J_{ij} \sim N(0, 1/N)` i.i.d.
off the diagonal, self-coupling :math:`J_{ii} = J_D`. A configuration s is a fixed point (FP)
iff every stability :math:`\lambda_i = s_i \sum_{j\neq i} J_{ij}s_j > -J_D (+\kappa)`.
The stabilities of one configuration are independent :math:`N(0, (N-1)/N)` variables
(independent rows of J), which makes the moments below exact at every N; the ``n``-free
functions are their large-N limits. Entropies are in nats per neuron.

References: Badalotti, Baldassi, Mezard, Scardecchia, Zecchina, arXiv:2509.05041;
Scardecchia, arXiv:2510.11984.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from theory._validate import integer_array, real_array
from theory.gaussian import SQRT2, _log_p2, log_erf, log_ndtr

LN2 = np.log(2.0)


def _scaled_threshold(n: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """a_N = threshold * sqrt(N/(N-1)): the threshold in units of the stability's std."""
    return threshold * np.sqrt(n / (n - 1.0))


def complexity(jd: ArrayLike, kappa: ArrayLike = 0.0) -> np.ndarray:
    r"""Annealed (= quenched) complexity :math:`\Sigma = \ln 2 + \ln\Phi(J_D - \kappa)`.

    The large-N limit of (1/N) ln E[#FP] for fixed points with margin kappa; the second
    moment (:func:`second_moment_ratio`) shows the annealed value is the typical one for
    J_D > 0. Positive iff kappa < J_D.
    """
    jd = real_array("jd", jd, lower=0.0)
    kappa = real_array("kappa", kappa)
    return LN2 + log_ndtr(jd - kappa)


def log_expected_fixed_points(n: ArrayLike, jd: ArrayLike, kappa: ArrayLike = 0.0) -> np.ndarray:
    r"""Exact finite-N :math:`\ln E[\#FP] = N\ln 2 + N \ln\Phi(a_N)`, :math:`a_N = (J_D-\kappa)\sqrt{N/(N-1)}`.

    Equals 0 at J_D = kappa = 0 for every N (one fixed point on average).
    """
    n = integer_array("n", n, lower=2)
    jd = real_array("jd", jd, lower=0.0)
    kappa = real_array("kappa", kappa)
    return n * (LN2 + log_ndtr(_scaled_threshold(n, jd - kappa)))


def binary_entropy(d: np.ndarray) -> np.ndarray:
    """H2(d) = -d ln d - (1-d) ln(1-d) in nats (0 at d = 0 and d = 1)."""
    return special.entr(d) + special.entr(1.0 - d)


def _pair_entropy(d: np.ndarray, d_bar: np.ndarray, jd: np.ndarray) -> np.ndarray:
    """Sigma2 from d = (1-q)/2 and d_bar = (1+q)/2 given separately (no rounding near q = +-1)."""
    d, d_bar, jd = np.broadcast_arrays(d, d_bar, jd)
    entropy = special.entr(d) + special.entr(d_bar)
    # agreeing sites: rho = q, 1 - rho = 2d, 1 + rho = 2 d_bar; flipped sites: rho = -q
    agree = np.zeros(d.shape)
    flip = np.zeros(d.shape)
    m = d_bar > 0
    agree[m] = d_bar[m] * _log_p2(jd[m], 2 * d[m], 2 * d_bar[m])
    m = d > 0
    flip[m] = d[m] * _log_p2(jd[m], 2 * d_bar[m], 2 * d[m])
    return LN2 + entropy + agree + flip


def pair_entropy(q: ArrayLike, jd: ArrayLike) -> np.ndarray:
    r"""Large-N pair entropy (annealed) of fixed points at overlap q:

    .. math:: \Sigma_2(q) = \ln 2 + H_2\!\left(\tfrac{1-q}{2}\right)
              + \tfrac{1+q}{2}\ln P_2(J_D; q) + \tfrac{1-q}{2}\ln P_2(J_D; -q),

    :math:`P_2(a;\rho) = P(X>-a, Y>-a)` for unit normals with correlation rho. Even in q,
    :math:`\Sigma_2(0) = 2\Sigma`, :math:`\Sigma_2(\pm1) = \Sigma`. Terms with zero weight are
    dropped, so q = +-1 give the limits (also at J_D = 0).
    """
    q = real_array("q", q, lower=-1.0, upper=1.0)
    jd = real_array("jd", jd, lower=0.0)
    return _pair_entropy(0.5 * (1.0 - q), 0.5 * (1.0 + q), jd)


def log_binomial(n: np.ndarray, k: np.ndarray) -> np.ndarray:
    """ln C(n, k) = -ln(n+1) - ln B(n-k+1, k+1), accurate for n up to 1e15."""
    return -np.log1p(n) - special.betaln(n - k + 1.0, k + 1.0)


def log_expected_pairs(n: ArrayLike, k: ArrayLike, jd: ArrayLike) -> np.ndarray:
    r"""Exact finite-N ln E[#ordered pairs of fixed points at Hamming distance k]:

    .. math:: 2^N \binom{N}{k} P_2(a_N;\rho_+)^{N-k} P_2(a_N;\rho_-)^{k},\quad
              \rho_+ = \frac{N-2k-1}{N-1},\ \rho_- = -\frac{N-2k+1}{N-1},

    :math:`a_N = J_D\sqrt{N/(N-1)}`. Two configurations at distance k have, at a site where
    they agree (differ), bivariate normal stabilities with correlation rho+ (rho-),
    independently across sites. k = 0 gives E[Z]; summing over k gives E[Z^2]. The value
    is -inf where no pair can exist (k = 1 at J_D = 0).
    """
    n = integer_array("n", n, lower=2)
    k = integer_array("k", k, lower=0)
    jd = real_array("jd", jd, lower=0.0)
    n, k, jd = np.broadcast_arrays(n, k, jd)
    if (k > n).any():
        raise ValueError("k must lie in 0..n")
    a = _scaled_threshold(n, jd)
    agree = np.zeros(n.shape)
    flip = np.zeros(n.shape)
    m = k < n  # 1 - rho+ = 2k/(N-1), 1 + rho+ = 2(N-k-1)/(N-1)
    agree[m] = (n - k)[m] * _log_p2(
        a[m], 2 * k[m] / (n[m] - 1), 2 * (n[m] - k[m] - 1) / (n[m] - 1)
    )
    m = k > 0  # 1 - rho- = 2(N-k)/(N-1), 1 + rho- = 2(k-1)/(N-1)
    flip[m] = k[m] * _log_p2(a[m], 2 * (n[m] - k[m]) / (n[m] - 1), 2 * (k[m] - 1) / (n[m] - 1))
    return n * LN2 + log_binomial(n, k) + agree + flip


def _second_moment_ratio_limit(jd: np.ndarray) -> np.ndarray:
    r"""n -> inf limit of E[Z^2]/E[Z]^2 by Laplace's method around q = 0.

    Expanding the exact pair count to O(1) at overlap q = O(N^-1/2): the sites contribute
    :math:`\exp[r^2(Nq^2 - 1) + c_2 N q^2]` with :math:`r = \phi(J)/\Phi(J)`,
    :math:`c_2 = (J^2 r^2 - r^4)/2` (from :math:`\partial_\rho P_2 = \phi_2`), and q is
    binomial, so the ratio tends to :math:`e^{-r^2}/\sqrt{1 - 2r^2 - J^2 r^2 + r^4}`.
    At J_D = 0 the pairs (s, s) and (s, -s) add 1/E[Z] = 1 each, giving 2 more.
    Returns inf where Sigma2 exceeds 2 Sigma away from q = 0.
    """
    r = np.exp(-0.5 * jd**2 - 0.5 * np.log(2 * np.pi) - log_ndtr(jd))
    curvature = 1.0 - 2.0 * r**2 - jd**2 * r**2 + r**4
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(curvature > 0, np.exp(-(r**2)) / np.sqrt(curvature), np.inf)
    out = out + np.where(jd == 0, 2.0, 0.0)
    q = np.linspace(0.0, 1.0, 2001)[1:]
    excess = pair_entropy(q[None, :], jd[:, None]) - 2.0 * complexity(jd)[:, None]
    return np.where((excess > 0).any(axis=1), np.inf, out)


def second_moment_ratio(n: ArrayLike, jd: ArrayLike) -> np.ndarray:
    r"""Exact :math:`E[Z^2]/E[Z]^2 = \sum_{k=0}^N E[\#\text{pairs at distance }k] / E[Z]^2`
    (finite n), or its n -> inf limit for ``n = numpy.inf`` (see
    :func:`_second_moment_ratio_limit`). Bounded as n grows for J_D >= 0, so the annealed
    complexity is the quenched one. The finite sum costs O(n) per value.
    """
    n = integer_array("n", n, lower=2, allow_inf=True)
    jd = real_array("jd", jd, lower=0.0)
    n, jd = np.broadcast_arrays(n, jd)
    out = np.empty(n.shape)
    infinite = np.isinf(n)
    if infinite.any():
        out[infinite] = _second_moment_ratio_limit(jd[infinite])
    for size in np.unique(n[~infinite]):
        sel = (n == size) & ~infinite
        k = np.arange(int(size) + 1, dtype=float)
        log_pairs = log_expected_pairs(size, k[None, :], jd[sel][:, None])
        log_first = log_expected_fixed_points(size, jd[sel])
        out[sel] = np.exp(special.logsumexp(log_pairs, axis=1) - 2.0 * log_first)
    return out


def free_fraction(jd: ArrayLike, n: ArrayLike | None = None) -> np.ndarray:
    r"""Fraction of free neurons (:math:`|\sum_{j\ne i}J_{ij}s_j| < J_D`) in a typical fixed point:

    .. math:: f = \frac{2\Phi(a) - 1}{\Phi(a)},

    with a = J_D (large N) or :math:`a_N = J_D\sqrt{N/(N-1)}` (exact at size ``n`` as the
    ratio E[#free neurons summed over FPs] / (N E[#FP])).
    """
    jd = real_array("jd", jd, lower=0.0)
    a = jd if n is None else _scaled_threshold(integer_array("n", n, lower=2), jd)
    return special.erf(a / SQRT2) / special.ndtr(a)


def free_configuration_complexity(jd: ArrayLike) -> np.ndarray:
    r"""(1/N) ln E[#configurations with every neuron free] :math:`= \ln[2(2\Phi(J_D) - 1)]`.

    Such configurations are fixed points whose single-flip neighbours keep the flipped
    neuron consistent; they are exponentially many iff J_D > Phi^{-1}(3/4)
    (:func:`free_configuration_threshold`). -inf at J_D = 0.
    """
    jd = real_array("jd", jd, lower=0.0)
    return LN2 + log_erf(jd / SQRT2)


def free_configuration_threshold() -> float:
    r"""The self-coupling :math:`\Phi^{-1}(3/4) \approx 0.6745` above which
    :func:`free_configuration_complexity` is positive."""
    return float(special.ndtri(0.75))
