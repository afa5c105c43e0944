"""High-precision references (mpmath, 50 digits) for the theory tests.

Recipe: every Gaussian quantity is written as a one-dimensional integral of elementary
functions and integrated with mpmath's tanh-sinh quadrature at 50 digits, splitting the
range at every kink or step of the integrand; none of the toolkit's closed forms is used.
"""

from __future__ import annotations

import mpmath as mp

mp.mp.dps = 50


def ncdf(x):
    return mp.ncdf(x)


def log_ncdf(x):
    return mp.log(mp.ncdf(x))


def orthant(h, k, rho):
    """P(X > -h, Y > -k), corr(X, Y) = rho, as int_{-h}^inf phi(x) Phi((k + rho x)/s) dx."""
    h, k, rho = mp.mpf(h), mp.mpf(k), mp.mpf(rho)
    if rho == 1:
        return mp.ncdf(min(h, k))
    if rho == -1:
        return max(mp.ncdf(k) - mp.ncdf(-h), mp.mpf(0))
    s = mp.sqrt(1 - rho * rho)

    def f(x):
        return mp.npdf(x) * mp.ncdf((k + rho * x) / s)

    points = {-h}
    if rho != 0:
        x0 = -k / rho
        width = s / abs(rho)
        for m in range(-40, 8):
            for sign in (-1, 1):
                t = x0 + sign * width * mp.mpf(2) ** m
                if t > -h:
                    points.add(t)
        if x0 > -h:
            points.add(x0)
    for m in range(-40, 6):
        points.add(-h + mp.mpf(2) ** m)
    for t in (0, 5, 10, 20, 40):
        if t > -h:
            points.add(mp.mpf(t))
    pts = sorted(points) + [mp.inf]
    return mp.quad(f, pts)


def log_orthant(h, k, rho):
    return mp.log(orthant(h, k, rho))


def log_p2_over_phi(a, q):
    return mp.log(orthant(a, a, q) / mp.ncdf(a))


def binary_entropy(d):
    d = mp.mpf(d)
    out = mp.mpf(0)
    if d > 0:
        out -= d * mp.log(d)
    if d < 1:
        out -= (1 - d) * mp.log(1 - d)
    return out


def complexity(jd, kappa=0):
    return mp.log(2) + log_ncdf(mp.mpf(jd) - kappa)


def pair_entropy(q, jd):
    """ln 2 + H2((1-q)/2) + (1+q)/2 ln P2(J; q) + (1-q)/2 ln P2(J; -q); zero weights drop."""
    q, jd = mp.mpf(q), mp.mpf(jd)
    d = (1 - q) / 2
    out = mp.log(2) + binary_entropy(d)
    if d < 1:
        out += (1 - d) * log_orthant(jd, jd, q)
    if d > 0:
        out += d * log_orthant(jd, jd, -q)
    return out


def franz_parisi(q, jd):
    return pair_entropy(q, jd) - complexity(jd)


def owens_t(h, a):
    h, a = mp.mpf(h), mp.mpf(a)
    return mp.quad(lambda x: mp.exp(-h * h * (1 + x * x) / 2) / (1 + x * x), [0, a]) / (2 * mp.pi)


def log_expected_pairs(n, k, jd):
    """ln[2^N C(N,k) P2(a_N; rho+)^(N-k) P2(a_N; rho-)^k] with the exact finite-N correlations."""
    n, k = int(n), int(k)
    a = mp.mpf(jd) * mp.sqrt(mp.mpf(n) / (n - 1))
    rho_plus = mp.mpf(n - 2 * k - 1) / (n - 1)
    rho_minus = -mp.mpf(n - 2 * k + 1) / (n - 1)
    out = n * mp.log(2) + mp.log(mp.binomial(n, k))
    if n - k:
        out += (n - k) * log_orthant(a, a, rho_plus)
    if k:
        out += k * log_orthant(a, a, rho_minus)
    return out
