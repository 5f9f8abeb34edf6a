"""Numerically stable building blocks in log space (no factorials, no inf/inf).

Two quantities carry every formula of the package:

* the Poisson "density" ``d(y; x) = x**y * exp(-x) / Gamma(y + 1)`` for real ``y >= 0``,
  computed in log space with Catherine Loader's saddle-point form
  ``log d = -0.5*log(2*pi*y) - stirlerr(y) - bd0(y, x)`` (Loader 2000, "Fast and accurate
  computation of binomial probabilities"; the method of R's ``dpois``). It avoids the
  cancellation of ``y*log(x) - x - lgamma(y+1)``, whose terms reach 10**6 at 100,000
  contacts, so the relative error stays near machine precision at any scale;
* the regularized incomplete gamma functions ``P(y, x)`` / ``Q(y, x)`` of
  ``scipy.special`` (Cephes/Boost, relative accuracy ~1e-15 away from underflow).

When an incomplete gamma would underflow (far tails, e.g. 0 agents for 10,000 erlangs or a
queue that practically never forms), the ratio that matters is summed directly as a
convergent series in arrays, so the logarithm stays finite and exact.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

_HALF_LOG_2PI = 0.5 * np.log(2.0 * np.pi)
_TINY = 1e-280  # below this an incomplete gamma is replaced by the series


def stirlerr(y: np.ndarray) -> np.ndarray:
    """``lgamma(y + 1) - (y + 0.5)*log(y) + y - 0.5*log(2*pi)`` for ``y > 0``.

    Both branches are evaluated on the whole array and merged with ``np.where``: on the
    small arrays of a staffing search this is cheaper than boolean indexing.
    """
    y = np.asarray(y, dtype=np.float64)
    big = y > 15.0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        nn = y * y
        # Stirling series, Loader (2000) eq. (2): 1/12n - 1/360n^3 + 1/1260n^5 - ...
        series = (
            1.0 / 12 - (1.0 / 360 - (1.0 / 1260 - (1.0 / 1680 - 1.0 / (1188 * nn)) / nn) / nn) / nn
        ) / y
        if big.all():
            return series
        ys = np.where(big, 1.0, y)
        direct = special.gammaln(ys + 1.0) - (ys + 0.5) * np.log(ys) + ys - _HALF_LOG_2PI
    return np.where(big, series, direct)


def bd0(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Deviance term ``y*log(y/x) + x - y`` without cancellation (Loader 2000)."""
    y, x = np.broadcast_arrays(np.asarray(y, np.float64), np.asarray(x, np.float64))
    near = np.abs(y - x) < 0.1 * (y + x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # log(y/x) of the ratio, one rounding (log(y) - log(x) loses ~|log y| ulps, which
        # y multiplies: 2e-11 in log B at n = 20,000); the difference of logs only where
        # the ratio under- or overflows
        lg = np.log(y / x)
        bad = ~np.isfinite(lg) & (y > 0)
        if bad.any():  # rare
            lg[bad] = np.log(y[bad]) - np.log(x[bad])
        far = np.where(y > 0, y * lg, 0.0) + x - y
        if not near.any():
            return far
        v = np.where(near, (y - x) / (y + x), 0.0)
        s = (y - x) * v
        ej = 2.0 * y * v
        v2 = v * v
        # |v| < 0.1 where used; stop once v2**j < 1e-17 for every element (<= 9 terms)
        vmax = float(v2.max())
        terms = 1 if vmax == 0.0 else min(9, int(np.ceil(-17.0 / np.log10(vmax))) + 1)
        for j in range(1, terms + 1):
            ej = ej * v2
            s = s + ej / (2 * j + 1)
    return np.where(near, s, far)


def log_density(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``log(x**y e**-x / Gamma(y+1))`` for real ``y >= 0``, ``x > 0`` (Loader's form)."""
    y, x = np.broadcast_arrays(np.asarray(y, np.float64), np.asarray(x, np.float64))
    pos = y > 0
    if pos.all():
        return -0.5 * np.log(2.0 * np.pi * y) - stirlerr(y) - bd0(y, x)
    yp = np.where(pos, y, 1.0)
    inner = -0.5 * np.log(2.0 * np.pi * yp) - stirlerr(yp) - bd0(yp, x)
    return np.where(pos, inner, -x)  # y == 0: log e**-x


def log_erlang_b(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``log B(n, a)`` for whole ``n >= 0`` and ``a >= 0`` (arrays of the same shape).

    ``B(n, a) = d(n; a) / Q(n + 1, a)`` where ``Q(n+1, a) = P(Poisson(a) <= n)``. When Q
    underflows (``a`` far above ``n``) ``1/B = sum_j prod_{i<j} (n - i)/a`` is summed
    instead; its terms fall at least geometrically with ratio ``n/a < 1`` there.
    """
    n = np.asarray(n, np.float64)
    a = np.asarray(a, np.float64)
    res = np.zeros(n.shape)  # n == 0 -> B = 1
    zero_load = (a == 0) & (n > 0)
    res[zero_load] = -np.inf
    todo = (n > 0) & (a > 0)
    if not todo.any():
        return res
    idx = np.flatnonzero(todo)
    nt, at = n.ravel()[idx], a.ravel()[idx]
    q = special.gammaincc(nt + 1.0, at)
    ok = q > _TINY
    vals = np.empty(nt.shape)
    vals[ok] = log_density(nt[ok], at[ok]) - np.log(q[ok])
    if (~ok).any():
        vals[~ok] = -np.log(_inverse_b_series(nt[~ok], at[~ok]))
    res.ravel()[idx] = vals
    return res


def _laguerre() -> tuple[np.ndarray, np.ndarray]:
    global _LAG
    if _LAG is None:
        _LAG = np.polynomial.laguerre.laggauss(48)
    return _LAG


_LAG: tuple[np.ndarray, np.ndarray] | None = None


def _inverse_b_series(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``1/B(n, a)`` where ``Q(n+1, a)`` underflows (``a`` far above ``n``).

    ``1/B = sum_{j<=n} prod_{i<j} (n - i)/a`` is summed directly when its terms fall fast
    (``n/a <= 1/2``, at most ~60 terms); otherwise the integral form
    ``1/B = a int_0^inf exp(n log(1 + t) - a t) dt`` is evaluated with ``t = u / (a - n)``
    by 48-point Gauss-Laguerre quadrature: the remaining factor
    ``exp(n (log1p(u/c) - u/c))`` is nearly flat there (``n / c**2 < 1/1000`` whenever Q
    underflows), so the quadrature is exact to rounding.
    """
    res = np.empty(n.shape)
    fast = n <= 0.5 * a
    if fast.any():
        nf, af = n[fast], a[fast]
        total = np.ones(nf.shape)
        term = np.ones(nf.shape)
        for j in range(80):  # ratio <= 1/2: 2**-60 < 1e-18
            term = term * np.maximum(nf - j, 0.0) / af
            total += term
        res[fast] = total
    slow = ~fast
    if slow.any():
        ns, as_ = n[slow][:, None], a[slow][:, None]
        c = as_ - ns
        u, w = _laguerre()
        g = np.exp(ns * (np.log1p(u / c) - u / c))
        res[slow] = (as_[:, 0] / c[:, 0]) * (g @ w if g.ndim == 1 else g.dot(w))
    return res


def log_erlang_a_factor(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``log A(y, x)`` with ``A = sum_{k>=0} x**k / ((y+1)(y+2)...(y+k)) = P(y, x)/d(y; x)``.

    ``A`` is the function of Garnett, Mandelbaum & Reiman (2002) and Mandelbaum & Zeltyn
    (2007), written ``A(x, y) = x e**y / y**x * gamma(x, y)`` there with
    ``x = n mu / theta``, ``y = lambda / theta`` (the arguments are swapped here: our ``y``
    is ``n mu / theta`` and our ``x`` is ``lambda / theta``). ``y = 0`` gives ``e**x``.
    """
    y, x = np.broadcast_arrays(np.asarray(y, np.float64), np.asarray(x, np.float64))
    res = np.zeros(y.shape)  # x == 0 -> A = 1
    pos_x = x > 0
    y0 = pos_x & (y == 0)
    res[y0] = x[y0]
    todo = pos_x & (y > 0)
    if not todo.any():
        return res
    idx = np.flatnonzero(todo)
    yt, xt = y.ravel()[idx], x.ravel()[idx]
    p = special.gammainc(yt, xt)
    # Far below the mean (x more than sqrt(3 y) under y) scipy's gammainc loses relative
    # accuracy for large y (at y = 1e12, x = y - 1e7: 1.5e-25 instead of 7.6e-24), while
    # the quadrature of _a_series agrees with it to 1e-12 wherever both are accurate.
    c = yt - 1.0 - xt
    far_below = (c > 0) & (c * c >= 3.0 * yt)
    ok = (p > _TINY) & ~far_below
    vals = np.empty(yt.shape)
    vals[ok] = np.log(p[ok]) - log_density(yt[ok], xt[ok])
    if (~ok).any():
        vals[~ok] = np.log(_a_series(yt[~ok], xt[~ok]))
    res.ravel()[idx] = vals
    return res


def _a_series(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``A(y, x) = sum_k x**k / (y+1)_k`` where ``P(y, x)`` underflows (``x`` far below ``y``).

    Summed directly when ``x / (y + 1) <= 1/2``; otherwise from
    ``A = y int_0^1 (1 - s)**(y-1) e**(x s) ds`` with ``s = u / c``, ``c = y - 1 - x``, by
    48-point Gauss-Laguerre quadrature: the factor left, ``exp((y-1)(log1p(-u/c) + u/c))``,
    is smooth (it is used where ``y / c**2 <= 1/3``; checked against scipy's gammainc to
    1e-12 for y up to 1e6, and against ``y/c (1 - y/c**2)`` at y = 1e12); nodes beyond ``u = c``
    (``s > 1``) carry weight below ``e**-c`` and are dropped.
    """
    res = np.empty(y.shape)
    fast = x <= 0.5 * (y + 1.0)
    if fast.any():
        yf, xf = y[fast], x[fast]
        total = np.ones(yf.shape)
        term = np.ones(yf.shape)
        for k in range(1, 81):
            term = term * xf / (yf + k)
            total += term
        res[fast] = total
    slow = ~fast
    if slow.any():
        ys, xs = y[slow][:, None], x[slow][:, None]
        c = ys - 1.0 - xs
        u, w = _laguerre()
        inside = u < c
        with np.errstate(invalid="ignore", divide="ignore"):
            g = np.where(inside, np.exp((ys - 1.0) * (np.log1p(-np.minimum(u / c, 1.0))
                                                      + u / c)), 0.0)
        res[slow] = (ys[:, 0] / c[:, 0]) * g.dot(w)
    return res


def _series_used(x: np.ndarray, y: np.ndarray, cond: np.ndarray,
                 needed: np.ndarray) -> np.ndarray:
    return (x < y) & (cond > 1e3) & (needed <= 1_000)


def abandon_given_wait_rel_error(y: np.ndarray, x: np.ndarray,
                                 ab_given_wait: np.ndarray) -> np.ndarray:
    """Relative error of :func:`abandon_given_wait`'s answer ``ab_given_wait``: 0 where
    the series is summed, about ``2.2e-16 / P(ab | wait)`` where the closed form is used
    (it subtracts numbers near 1: an absolute error of about one unit in the last place of
    1.0, measured at 2e-17 to 9e-17 against a birth-death chain for patience 1e9 to 1e15 s)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        cond = y * np.abs(y - x) / x
        r = x / (y + 1.0)
        needed = np.minimum(40.0 / -np.log(np.minimum(r, 1.0 - 1e-16)), np.sqrt(80.0 * y))
        err = np.where(ab_given_wait > 0, 2.2e-16 / ab_given_wait, np.inf)
    return np.where(_series_used(x, y, cond, needed), 0.0, err)


def abandon_given_wait(y: np.ndarray, x: np.ndarray, log_a: np.ndarray) -> np.ndarray:
    """``P(ab | wait) = 1 - (y/x)(1 - 1/A) = E_w[K] / x`` without cancellation.

    The closed form subtracts numbers of size ``y`` to get one of size ``1/(y - x)``; its
    condition number is about ``y (y - x) / x``, harmless for realistic patience but up to
    1e5 when patience is months (the Erlang C limit). There, ``x < y`` and the ratio
    ``E_w[K] / x = sum_k k w_k / (x sum_k w_k)`` with ``w_k = x**k / ((y+1)...(y+k))`` is
    summed directly (positive terms, geometric decay at rate ``x / (y + 1)``) when that
    takes at most 1,000 terms.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        closed = 1.0 - (y / x) * -np.expm1(-log_a)
        cond = y * np.abs(y - x) / x
        # terms fall like r**k exp(-k**2 / 2y), r = x / (y + 1): about this many are needed
        r = x / (y + 1.0)
        needed = np.minimum(40.0 / -np.log(np.minimum(r, 1.0 - 1e-16)), np.sqrt(80.0 * y))
    # the series only where it is cheap (<= 1,000 terms); beyond, the closed form's absolute
    # error stays about one unit in the last place of 1.0 (only the relative error of a
    # tiny P(ab) suffers, at patience of years: erlang_a then takes the Erlang C wait for
    # the ASA, see abandon_given_wait_rel_error)
    use_series = _series_used(x, y, cond, needed)
    res = np.clip(closed, 0.0, 1.0)
    if use_series.any():
        ys, xs = y[use_series], x[use_series]
        total = np.ones(ys.shape)
        first = np.zeros(ys.shape)
        term = np.ones(ys.shape)
        active = np.arange(ys.size)
        k = 0
        while active.size and k < 1_500:
            k += 1
            t = term[active] * xs[active] / (ys[active] + k)
            term[active] = t
            total[active] += t
            first[active] += k * t
            active = active[k * t > 1e-17 * first[active]]
        res[use_series] = np.clip(first / (xs * total), 0.0, 1.0)
    return res


# ----------------------------------------------------------------------- scalar fast path
# The same formulas on Python floats: a single interval (e.g. sizing one queue at 16,700
# erlangs) otherwise pays numpy's per-call overhead on every step of the search.
def _stirlerr_scalar(y: float) -> float:
    if y > 15.0:
        nn = y * y
        return (1.0 / 12 - (1.0 / 360 - (1.0 / 1260 - (1.0 / 1680 - 1.0 / (1188 * nn)) / nn)
                            / nn) / nn) / y
    return math.lgamma(y + 1.0) - (y + 0.5) * math.log(y) + y - _HALF_LOG_2PI


def _bd0_scalar(y: float, x: float) -> float:
    if abs(y - x) < 0.1 * (y + x):
        v = (y - x) / (y + x)
        s = (y - x) * v
        ej = 2.0 * y * v
        v2 = v * v
        j = 1
        while True:
            ej *= v2
            s1 = s + ej / (2 * j + 1)
            if s1 == s:
                return s
            s = s1
            j += 1
    if y <= 0:
        return x
    r = y / x
    lg = math.log(r) if 0.0 < r < math.inf else math.log(y) - math.log(x)
    return y * lg + x - y


def log_density_scalar(y: float, x: float) -> float:
    """Scalar :func:`log_density`."""
    if y == 0.0:
        return -x
    return -0.5 * math.log(2.0 * math.pi * y) - _stirlerr_scalar(y) - _bd0_scalar(y, x)


def log_erlang_b_scalar(n: float, a: float) -> float:
    """Scalar :func:`log_erlang_b` (whole ``n >= 0``, ``a >= 0``)."""
    if n == 0.0:
        return 0.0
    if a == 0.0:
        return -math.inf
    q = float(special.gammaincc(n + 1.0, a))
    if q > _TINY:
        return log_density_scalar(n, a) - math.log(q)
    return float(log_erlang_b(np.array([n]), np.array([a]))[0])
