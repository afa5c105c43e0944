r"""Counting fixed points: first and second moments of their number Z.

Model (docs/model.md section 1): N binary neurons, couplings :math:`J_{ij} \sim N(0, 1/N)` i.i.d.
off the diagonal, self-coupling :math:`J_{ii} = J_D`. A configuration s is a fixed point (FP)
iff every stability :math:`\lambda_i = s_i \sum_{j\neq i} J_{ij}s_j > -J_D (+\kappa)`.
The stabilities of one configuration are independent :math:`N(0, (N-1)/N)` variables
(independent rows of J), which makes the moments below exact at every N; the ``n``-free
functions are their large-N limits. Entropies are in nats per neuron.

References: Badalotti, Baldassi, Mezard, Scardecchia, Zecchina, arXiv:2509.05041;
Scardecchia, arXiv:2510.11984.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from theory.gaussian import (
    SQRT2,
    _log_p2_over_phi,
    _log_p2_over_phi2,
    _plackett_parts,
    log_erf,
    log_ndtr,
    log_two_phi,
)
from theory.validation import coupling_array, integer_array, real_array

LN2 = np.log(2.0)


def _scaled_threshold(n: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """a_N = threshold * sqrt(N/(N-1)): the threshold in units of the stability's std."""
    return threshold * np.sqrt(n / (n - 1.0))


def complexity(jd: ArrayLike, kappa: ArrayLike = 0.0) -> np.ndarray:
    r"""Annealed (= quenched) complexity :math:`\Sigma = \ln 2 + \ln\Phi(J_D - \kappa)`.

    The large-N limit of (1/N) ln E[#FP] for fixed points with margin kappa; the second
    moment (:func:`second_moment_ratio`) shows the annealed value is the typical one for
    J_D > 0. Positive iff kappa < J_D.

    Arguments broadcast together; returns a float64 array of their broadcast shape.
    References: Badalotti, Baldassi, Mezard, Scardecchia, Zecchina, arXiv:2509.05041; Scardecchia,
        arXiv:2510.11984.
    """
    jd = coupling_array("jd", jd, nonnegative=True)
    kappa = coupling_array("kappa", kappa)
    return log_two_phi(jd - kappa)


def log_expected_fixed_points(n: ArrayLike, jd: ArrayLike, kappa: ArrayLike = 0.0) -> np.ndarray:
    r"""Exact finite-N :math:`\ln E[\#FP] = N\ln 2 + N \ln\Phi(a_N)`,
    :math:`a_N = (J_D-\kappa)\sqrt{N/(N-1)}`.

    Equals 0 at J_D = kappa = 0 for every N (one fixed point on average).

    Arguments broadcast together; returns a float64 array of their broadcast shape.
    References: Badalotti, Baldassi, Mezard, Scardecchia, Zecchina, arXiv:2509.05041; Scardecchia,
        arXiv:2510.11984.
    """
    n = integer_array("n", n, lower=2)
    jd = coupling_array("jd", jd, nonnegative=True)
    kappa = coupling_array("kappa", kappa)
    return n * log_two_phi(_scaled_threshold(n, jd - kappa))


def binary_entropy(d: np.ndarray) -> np.ndarray:
    """H2(d) = -d ln d - (1-d) ln(1-d) in nats (0 at d = 0 and d = 1); the second term as
    -(1-d) log1p(-d), accurate for tiny d."""
    return special.entr(d) - special.xlog1py(1.0 - d, -d)


class Correlation(NamedTuple):
    """A correlation rho with 1 - rho and 1 + rho carried separately (each to full relative
    precision, whichever of them is small)."""

    rho: np.ndarray
    one_minus: np.ndarray
    one_plus: np.ndarray


def _weighted(weight: np.ndarray, value_fn, *args: np.ndarray) -> np.ndarray:
    """weight * value_fn(*args) where weight > 0, and exactly 0 where weight == 0 (the term is
    absent; its argument may be out of range or infinite there)."""
    out = np.zeros(weight.shape)
    m = weight > 0
    if m.any():
        out[m] = weight[m] * value_fn(*(x[m] for x in args))
    return out


def _symmetric_pair_excess(a: np.ndarray, q: np.ndarray) -> np.ndarray:
    r"""Large-N :math:`\Sigma_2(q) - 2\Sigma` for 0 <= q <= 1/2, where correlations are exactly
    +q and -q. With A and B the odd and even parts of :math:`(P_2(a;q) - \Phi^2)/\Phi^2`
    (:func:`theory.gaussian._plackett_parts`) and weights (1 +- q)/2:

    .. math:: -\tfrac12\ln(1-q^2) - q\,\mathrm{artanh}\,q
              + \tfrac12\ln[(1+B)^2 - A^2] + q\,\mathrm{artanh}\frac{A}{1+B},

    every term O(q^2) and computed without cancellation (relative accuracy to q ~ 1e-300).
    """
    odd, even = _plackett_parts(a, q)
    phi2 = special.ndtr(a) ** 2
    big_a, big_b = odd / phi2, even / phi2
    return (-0.5 * np.log1p(-q * q) - q * np.arctanh(q)
            + 0.5 * np.log1p(2.0 * big_b + big_b * big_b - big_a * big_a)
            + q * np.arctanh(big_a / (1.0 + big_b)))


def _pair_terms(
    a: np.ndarray, d: np.ndarray, q: np.ndarray, agree: Correlation, flip: Correlation,
    symmetric: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Per-site pair entropy Sigma2, Franz-Parisi potential V = Sigma2 - Sigma and the excess
    Sigma2 - 2 Sigma (computed directly where q <= 1/2, as V - Sigma beyond) for a
    Hamming fraction d <= 1/2 (overlap q = 1 - 2d >= 0), threshold a and the stability
    correlations at agreeing and flipped sites. Two arrangements, each free of cancellation
    where used (:math:`\Sigma = \ln 2\Phi(a)` throughout):

    - q <= 1/2:  :math:`\Sigma_2 = 2\Sigma + [H_2(d) - \ln 2] + (1-d)\ln\frac{P_2^+}{\Phi^2}
      + d\ln\frac{P_2^-}{\Phi^2}`, with :math:`H_2 - \ln 2 = -[(1-d)\ln(1+q) + d\ln(1-q)]`
      and the log-ratios from Plackett's identity; ``symmetric=True`` (correlations exactly
      +-q) regroups it as :func:`_symmetric_pair_excess`;
    - q > 1/2:  :math:`V = H_2(d) + (1-d)\ln\frac{P_2^+}{\Phi} + d\ln\frac{P_2^-}{\Phi}`
      (all terms vanish as d -> 0), Sigma2 = Sigma + V.
    """
    a, d, q = np.broadcast_arrays(a, d, q)
    agree = Correlation(*np.broadcast_arrays(*agree, a)[:3])
    flip = Correlation(*np.broadcast_arrays(*flip, a)[:3])
    sigma = log_two_phi(a)
    sigma2 = np.empty(a.shape)
    v = np.empty(a.shape)
    excess_all = np.empty(a.shape)
    c = q <= 0.5
    if c.any():
        ac, dc, qc = a[c], d[c], q[c]
        if symmetric:
            excess = _symmetric_pair_excess(ac, qc)
        else:
            excess = (-((1.0 - dc) * np.log1p(qc) + dc * np.log1p(-qc))
                      + (1.0 - dc) * _log_p2_over_phi2(ac, *(x[c] for x in agree))
                      + dc * _log_p2_over_phi2(ac, *(x[c] for x in flip)))
        sigma2[c] = 2.0 * sigma[c] + excess
        v[c] = sigma[c] + excess
        excess_all[c] = excess
    o = ~c
    if o.any():
        do = d[o]
        vo = (binary_entropy(do)
              + _weighted(1.0 - do, _log_p2_over_phi, a[o], agree.one_minus[o], agree.one_plus[o])
              + _weighted(do, _log_p2_over_phi, a[o], flip.one_minus[o], flip.one_plus[o]))
        v[o] = vo
        sigma2[o] = sigma[o] + vo
        excess_all[o] = vo - sigma[o]
    return sigma2, v, excess_all


def symmetric_terms(
    q: np.ndarray, d: np.ndarray, jd: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Large-N (Sigma2, V) at overlap q >= 0 and distance d = (1 - q)/2 <= 1/2, both given
    to their own relative precision (q matters near 0, d near 0)."""
    q, d, jd = np.broadcast_arrays(q, d, jd)
    return _pair_terms(jd, d, q, *overlap_correlations(q, d), symmetric=True)[:2]


def overlap_and_distance(q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(|q|, (1 - |q|)/2): by evenness in q only q >= 0 is needed, and then d is exact
    wherever it is small."""
    q = np.abs(q)
    return q, 0.5 * (1.0 - q)


def distance_and_overlap(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(q, d') with d' = min(d, 1 - d) and q = 1 - 2d' >= 0 (exact subtractions)."""
    d = np.minimum(d, 1.0 - d)
    return 1.0 - 2.0 * d, d


def overlap_correlations(q: np.ndarray, d: np.ndarray) -> tuple[Correlation, Correlation]:
    """Large-N stability correlations +q (agreeing sites) and -q (flipped sites), with
    1 - q = 2d and 1 + q = 2(1 - d)."""
    return Correlation(q, 2.0 * d, 2.0 * (1.0 - d)), Correlation(-q, 2.0 * (1.0 - d), 2.0 * d)


def pair_entropy(q: ArrayLike, jd: ArrayLike) -> np.ndarray:
    r"""Large-N pair entropy (annealed) of fixed points at overlap q:

    .. math:: \Sigma_2(q) = \ln 2 + H_2\!\left(\tfrac{1-q}{2}\right)
              + \tfrac{1+q}{2}\ln P_2(J_D; q) + \tfrac{1-q}{2}\ln P_2(J_D; -q),

    :math:`P_2(a;\rho) = P(X>-a, Y>-a)` for unit normals with correlation rho. Even in q,
    :math:`\Sigma_2(0) = 2\Sigma`, :math:`\Sigma_2(\pm1) = \Sigma`. Terms with zero weight are
    dropped, so q = +-1 give the limits (also at J_D = 0). Evaluated in the arrangements of
    :func:`_pair_terms`, which keep relative accuracy near q = 0 and q = +-1.

    Arguments broadcast together; returns a float64 array of their broadcast shape.
    References: Badalotti, Baldassi, Mezard, Scardecchia, Zecchina, arXiv:2509.05041; Scardecchia,
        arXiv:2510.11984; P2 via Owen, Ann. Math. Statist. 27, 1075 (1956) and Plackett, Biometrika
        41, 351 (1954).
    """
    q = real_array("q", q, lower=-1.0, upper=1.0)
    jd = coupling_array("jd", jd, nonnegative=True)
    return symmetric_terms(*overlap_and_distance(q), jd)[0]


def _stirling_remainder(x: np.ndarray) -> np.ndarray:
    """ln Gamma(x+1) - (x ln x - x + ln(2 pi x)/2) for x >= 1: the series to 1/x^9 above 30,
    direct below (where nothing large cancels)."""
    x = np.asarray(x, float)
    big = x >= 30.0
    xb = np.where(big, x, 30.0)
    inv2 = 1.0 / (xb * xb)
    series = (1.0 / xb) * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680
                                                                               - inv2 / 1188))))
    xs = np.where(big, 1.0, x)
    direct = special.gammaln(xs + 1.0) - (xs * np.log(xs) - xs + 0.5 * np.log(2 * np.pi * xs))
    return np.where(big, series, direct)


def log_binomial_excess(n: np.ndarray, k: np.ndarray) -> np.ndarray:
    r"""ln C(n, k) - n H2(k/n) = -ln(2 pi k(n-k)/n)/2 + sigma(n) - sigma(k) - sigma(n-k)
    (sigma the Stirling remainder; 0 at k = 0 and k = n), free of the cancellation between
    two numbers of size n ln 2."""
    n, k = np.broadcast_arrays(np.asarray(n, float), np.asarray(k, float))
    inner = (k > 0) & (k < n)
    kk = np.where(inner, k, 1.0)
    rest = np.where(inner, n - k, 1.0)
    nn = np.where(inner, n, 2.0)
    value = (-0.5 * np.log(2 * np.pi * kk * rest / nn) + _stirling_remainder(nn)
             - _stirling_remainder(kk) - _stirling_remainder(rest))
    return np.where(inner, value, 0.0)


def log_expected_pairs(n: ArrayLike, k: ArrayLike, jd: ArrayLike) -> np.ndarray:
    r"""Exact finite-N ln E[#ordered pairs of fixed points at Hamming distance k]:

    .. math:: 2^N \binom{N}{k} P_2(a_N;\rho_+)^{N-k} P_2(a_N;\rho_-)^{k},\quad
              \rho_+ = \frac{N-2k-1}{N-1},\ \rho_- = -\frac{N-2k+1}{N-1},

    :math:`a_N = J_D\sqrt{N/(N-1)}`. Two configurations at distance k have, at a site where
    they agree (differ), bivariate normal stabilities with correlation rho+ (rho-),
    independently across sites. k = 0 gives E[Z]; summing over k gives E[Z^2]. The value
    is -inf where no pair can exist (k = 1 at J_D = 0). Computed as
    [ln C(N,k) - N H2(k/N)] + N Sigma2_N(k/N) (:func:`log_binomial_excess`,
    :func:`_pair_terms` with the finite-N correlations), which keeps ~1e-13 relative
    accuracy up to N = 1e6.

    Arguments broadcast together; returns a float64 array of their broadcast shape.
    References: Badalotti, Baldassi, Mezard, Scardecchia, Zecchina, arXiv:2509.05041; Scardecchia,
        arXiv:2510.11984.
    """
    n = integer_array("n", n, lower=2)
    k = integer_array("k", k, lower=0)
    jd = coupling_array("jd", jd, nonnegative=True)
    n, k, jd = np.broadcast_arrays(n, k, jd)
    if (k > n).any():
        raise ValueError("k must lie in 0..n")
    return _log_pairs(n, k, jd, relative=False)


def _log_pairs(
    n: np.ndarray, k: np.ndarray, jd: np.ndarray, relative: bool,
    spread: np.ndarray | None = None,
) -> np.ndarray:
    """:func:`log_expected_pairs` for validated n and real 0 <= k <= n (also non-integer k:
    the expression is analytic in k); ``relative=True`` gives it minus 2 ln E[#FP], computed
    from the excess Sigma2_N - 2 Sigma_N directly (no cancellation between two O(N) terms).
    ``spread`` = n - 2k >= 0, when given, is used as is: for huge n it carries the overlap
    q = spread / n to full relative precision where k itself is rounded."""
    if spread is None:
        k = np.minimum(k, n - k)  # the count is symmetric under k -> n - k
        spread = n - 2 * k
    a = _scaled_threshold(n, jd)
    m = n - 1.0
    agree = Correlation((spread - 1) / m, 2 * k / m, 2 * (n - k - 1) / m)
    flip = Correlation(-(spread + 1) / m, 2 * (n - k) / m, 2 * (k - 1) / m)
    sigma2, _, excess = _pair_terms(a, k / n, spread / n, agree, flip)
    with np.errstate(invalid="ignore"):  # n * (-inf) stays -inf
        return log_binomial_excess(n, k) + n * (excess if relative else sigma2)


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


_EXACT_MAX_N = 2**16  # above: the sum of the central peak by the trapezoid rule
_K_CHUNK = 2**14  # terms per block of the exact sum (memory ~1 KB per term)
_EDGE_TERMS = 2**12  # terms summed one by one at each end of the large-n sum
_PEAK_WIDTHS = 40.0  # half-width of the central window in standard deviations of k
_PEAK_STEPS = 8.0  # trapezoid nodes per standard deviation
_GAP_GRID = 2000  # points checking the terms between the edges and the peak
_NEGLIGIBLE = -50.0  # ln of the largest neglected share of the sum


def _exact_ratio(n: int, jd: float) -> float:
    """E[Z^2]/E[Z]^2 for one (n, jd) as the exact sum over k = 0..n of
    E[pairs at k]/E[Z]^2 (from the excess Sigma2_N - 2 Sigma_N, no O(n) cancellation), in
    blocks of k whose log-sum-exps are combined (memory bounded by the block size)."""
    size, j = np.float64(n), np.float64(jd)
    total = -np.inf
    for lo in range(0, n + 1, _K_CHUNK):
        k = np.arange(lo, min(n + 1, lo + _K_CHUNK), dtype=float)
        total = np.logaddexp(total, special.logsumexp(_log_pairs(size, k, j, relative=True)))
    return float(np.exp(total))


def _large_n_ratio(n: int, jd: float) -> float:
    r"""E[Z^2]/E[Z]^2 for n > 2^16 in O(1) work: the terms t_k = E[pairs at k]/E[Z]^2 are

    - summed one by one for k < 4096 and n - k < 4096 (pairs near s and -s, which matter
      when n Sigma is small);
    - around k = n/2, where t_k is a smooth peak of standard deviation
      :math:`\sigma_k = \sqrt{n}/(2\sqrt{c})`, :math:`c = 1 - 2r^2 - J^2r^2 + r^4`
      (:func:`_second_moment_ratio_limit`), summed by the trapezoid rule on real k with
      step :math:`\sigma_k/8` over :math:`\pm 40\sigma_k`: by Poisson summation it differs
      from the sum over integers by :math:`O(e^{-2\pi^2 \sigma_k^2})` and from the step-h sum
      by :math:`O(e^{-2\pi^2 64})`, far below rounding;
    - in between, shown negligible: on 2000 points of that range every term is below
      :math:`e^{-50}/n` of the sum (else the exact sum is used, O(n) time).
    Relative accuracy (checked against the exact sum and the n -> inf limit): ~1e-14 at
    n ~ 1e5, ~1e-11 at n = 1e12, ~1e-8 at n = 2^62, where the rounding of d = k/n against
    q = (n - 2k)/n in the finite-N excess dominates.
    """
    curvature = 1.0 - (1.0 + jd * jd) * _mills(jd) ** 2 - _mills(jd) ** 2 + _mills(jd) ** 4
    sigma_k = np.sqrt(n) / (2.0 * np.sqrt(curvature)) if curvature > 0 else np.inf
    reach = _PEAK_WIDTHS * sigma_k
    if not (_EDGE_TERMS + reach < n / 2 and sigma_k / _PEAK_STEPS >= 1.0):
        return _exact_ratio(n, jd)
    size, j = np.float64(n), np.float64(jd)
    edge = np.arange(_EDGE_TERMS, dtype=float)
    log_edge = special.logsumexp(_log_pairs(size, edge, j, relative=True)) + LN2
    step = sigma_k / _PEAK_STEPS
    spread = 2.0 * step * np.arange(_PEAK_WIDTHS * _PEAK_STEPS + 1)  # n - 2k >= 0, exact
    log_half = _log_pairs(size, 0.5 * (size - spread), j, relative=True, spread=spread)
    # nodes k = n/2 -+ spread/2 (the terms are symmetric in k -> n - k); the centre once
    log_peak = np.logaddexp(special.logsumexp(log_half[1:]) + LN2, log_half[0]) + np.log(step)
    total = np.logaddexp(log_edge, log_peak)
    gap = np.unique(np.concatenate([
        np.geomspace(_EDGE_TERMS, n / 2 - reach, _GAP_GRID // 2),
        np.linspace(_EDGE_TERMS, n / 2 - reach, _GAP_GRID // 2)]))
    gap_terms = _log_pairs(size, gap, j, relative=True, spread=size - 2.0 * gap)
    if gap_terms.max() + np.log(n) > total + _NEGLIGIBLE:
        return _exact_ratio(n, jd)
    return float(np.exp(total))


def _mills(jd: float) -> float:
    """r = phi(J_D) / Phi(J_D)."""
    return float(np.exp(-0.5 * jd * jd - 0.5 * np.log(2 * np.pi) - log_ndtr(jd)))


def second_moment_ratio(n: ArrayLike, jd: ArrayLike) -> np.ndarray:
    r"""Exact :math:`E[Z^2]/E[Z]^2 = \sum_{k=0}^N E[\#\text{pairs at distance }k] / E[Z]^2`
    (finite n), or its n -> inf limit for ``n = numpy.inf`` (see
    :func:`_second_moment_ratio_limit`). Bounded as n grows for J_D >= 0, so the annealed
    complexity is the quenched one (Badalotti et al., arXiv:2509.05041; docs/model.md
    section 5, item 3).

    Cost per value: the exact sum over k in blocks for n <= 2^16 (O(n), ~0.1 s at 2^16);
    beyond, a fixed number of terms (:func:`_large_n_ratio`: edges term by term, the
    central peak by the spectrally accurate trapezoid rule, the rest checked negligible),
    so any n up to 2^62 takes about 10 ms in bounded memory (accuracy there in
    :func:`_large_n_ratio`). n and jd broadcast; returns their broadcast shape.
    """
    n = integer_array("n", n, lower=2, upper=2**62, allow_inf=True)
    jd = coupling_array("jd", jd, nonnegative=True)
    n, jd = np.broadcast_arrays(n, jd)
    out = np.empty(n.shape)
    infinite = np.isinf(n)
    if infinite.any():
        out[infinite] = _second_moment_ratio_limit(jd[infinite])
    for idx in np.ndindex(n.shape):
        if infinite[idx]:
            continue
        size, j = int(n[idx]), float(jd[idx])
        out[idx] = _exact_ratio(size, j) if size <= _EXACT_MAX_N else _large_n_ratio(size, j)
    return out


def free_fraction(jd: ArrayLike, n: ArrayLike | None = None) -> np.ndarray:
    r"""Fraction of free neurons (:math:`|\sum_{j\ne i}J_{ij}s_j| < J_D`) in a typical fixed point:

    .. math:: f = \frac{2\Phi(a) - 1}{\Phi(a)},

    with a = J_D (large N) or :math:`a_N = J_D\sqrt{N/(N-1)}` (exact at size ``n`` as the
    ratio E[#free neurons summed over FPs] / (N E[#FP])).

    Arguments broadcast together; returns a float64 array of their broadcast shape.
    References: Badalotti, Baldassi, Mezard, Scardecchia, Zecchina, arXiv:2509.05041.
    """
    jd = coupling_array("jd", jd, nonnegative=True)
    a = jd if n is None else _scaled_threshold(integer_array("n", n, lower=2), jd)
    return special.erf(a / SQRT2) / special.ndtr(a)


def free_configuration_complexity(jd: ArrayLike) -> np.ndarray:
    r"""(1/N) ln E[#configurations with every neuron free] :math:`= \ln[2(2\Phi(J_D) - 1)]`.

    Such configurations are fixed points whose single-flip neighbours keep the flipped
    neuron consistent; they are exponentially many iff J_D > Phi^{-1}(3/4)
    (:func:`free_configuration_threshold`). -inf at J_D = 0.

    Arguments broadcast together; returns a float64 array of their broadcast shape.
    References: Badalotti, Baldassi, Mezard, Scardecchia, Zecchina, arXiv:2509.05041.
    """
    jd = coupling_array("jd", jd, nonnegative=True)
    return LN2 + log_erf(jd / SQRT2)


def free_configuration_threshold() -> float:
    r"""The self-coupling :math:`\Phi^{-1}(3/4) \approx 0.6745` above which
    :func:`free_configuration_complexity` is positive."""
    return float(special.ndtri(0.75))
