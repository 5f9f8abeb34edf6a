"""Erlang B / C / A against hand computations, independent methods and properties."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.linalg import expm

from routing_ml.queueing import (
    asa_seconds,
    erlang_a,
    erlang_b,
    erlang_c,
    occupancy,
    service_level,
    traffic_erlangs,
)

# numeric warnings (overflow, invalid value) are failures: results must be clean
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")


# ----------------------------------------------------------------- independent references
def exact_erlang_b(a: Fraction, n: int) -> Fraction:
    """B = (a^n/n!) / sum_k a^k/k!, in exact rational arithmetic (the textbook formula)."""
    terms = [a**k / math.factorial(k) for k in range(n + 1)]
    return terms[-1] / sum(terms)


def exact_erlang_c(a: Fraction, n: int) -> Fraction:
    """C = n B / (n - a (1 - B)), exact."""
    b = exact_erlang_b(a, n)
    return n * b / (n - a * (1 - b))


def erlang_a_reference(a: float, n: int, aht: float, patience: float, t: float,
                       k_max: int = 80) -> tuple[float, float, float, float]:
    """M/M/n+M by brute force: the birth-death chain and a tagged-customer CTMC (expm).

    Independent of the incomplete-gamma formulas: stationary probabilities from the
    balance equations (truncated at n + k_max waiting), P(ab) = theta E[Q] / lambda, and
    P(answered within t | k ahead) from the matrix exponential of the absorbing chain
    (position j advances at rate n mu + j theta, the tagged caller abandons at theta).
    """
    mu, theta = 1.0 / aht, 1.0 / patience
    lam = a * mu
    w = [1.0]
    for j in range(1, n + 1):
        w.append(w[-1] * lam / (j * mu))
    for k in range(1, k_max):
        w.append(w[-1] * lam / (n * mu + k * theta))
    pi = np.array(w) / sum(w)
    p_wait = pi[n:].sum()
    queue = sum(k * pi[n + k] for k in range(k_max))
    p_ab = theta * queue / lam
    # tagged chain: states 0..k_max-1 (customers ahead), served, abandoned
    size = k_max + 2
    q = np.zeros((size, size))
    served, abandoned = k_max, k_max + 1
    for j in range(k_max):
        adv = n * mu + j * theta
        q[j, served if j == 0 else j - 1] += adv
        q[j, abandoned] += theta
        q[j, j] = -(adv + theta)
    p_t = expm(q * t)
    within = p_t[:k_max, served]
    sl = pi[:n].sum() + sum(pi[n + k] * within[k] for k in range(k_max))
    return p_wait, p_ab, sl, queue / lam


# ----------------------------------------------------------------- textbook values
def test_erlang_b_and_c_by_hand():
    # a = 2 erlangs, n = 3: sum a^k/k! = 1 + 2 + 2 + 8/6 = 19/3, so B = (4/3)/(19/3) = 4/19
    assert erlang_b(2.0, 3) == pytest.approx(4 / 19, rel=1e-14)
    # C = n B / (n - a (1 - B)) = (12/19) / (3 - 2 * 15/19) = (12/19) / (27/19) = 4/9
    assert erlang_c(2.0, 3) == pytest.approx(4 / 9, rel=1e-14)
    # AHT 180 s, t = 20 s: SL = 1 - C exp(-(n - a) t / AHT) = 1 - (4/9)(0.894839) = 0.602294
    assert service_level(2.0, 3, 180, 20) == pytest.approx(1 - 4 / 9 * math.exp(-1 / 9), rel=1e-14)
    assert service_level(2.0, 3, 180, 20) == pytest.approx(0.602294, abs=1e-6)
    # ASA = C AHT / (n - a) = (4/9) * 180 / 1 = 80 s; occupancy a/n = 2/3
    assert asa_seconds(2.0, 3, 180) == pytest.approx(80.0, rel=1e-14)
    assert occupancy(2.0, 3) == pytest.approx(2 / 3, rel=1e-15)
    # one agent, a = 0.5: B = 0.5/1.5 = 1/3; C = rho = 0.5 (M/M/1)
    assert erlang_b(0.5, 1) == pytest.approx(1 / 3, rel=1e-15)
    assert erlang_c(0.5, 1) == pytest.approx(0.5, rel=1e-15)
    # 100 calls in 30 min at AHT 180 s is 100 * 180 / 1800 = 10 erlangs
    assert traffic_erlangs(100, 180, 30) == pytest.approx(10.0)


@pytest.mark.parametrize("a,n", [(10, 11), (10, 14), (Fraction(37, 4), 12), (50, 58), (120, 131)])
def test_erlang_b_c_match_exact_rationals(a, n):
    a = Fraction(a)
    assert erlang_b(float(a), n) == pytest.approx(float(exact_erlang_b(a, n)), rel=1e-12)
    assert erlang_c(float(a), n) == pytest.approx(float(exact_erlang_c(a, n)), rel=1e-12)


def test_edge_cases():
    assert erlang_b(5.0, 0) == 1.0
    assert erlang_b(0.0, 3) == 0.0
    assert erlang_c(0.0, 3) == 0.0
    assert erlang_c(5.0, 5) == 1.0  # n <= a: unstable, everyone waits
    assert service_level(5.0, 4, 300, 20) == 0.0
    assert asa_seconds(5.0, 5, 300) == math.inf
    assert service_level(0.0, 0, 300, 20) == 1.0
    assert occupancy(0.0, 0) == 0.0
    assert occupancy(5.0, 4) == 1.0
    # 0 erlangs to thousands without overflow: no inf / nan anywhere
    a = np.array([0.0, 1e-9, 0.3, 40.0, 1e4, 1e5, 1e6])
    for n in (0, 1, 50, 10_000, 100_500, 1_001_000):
        for f in (erlang_b, erlang_c):
            v = f(a, n)
            assert np.all(np.isfinite(v)) and np.all((v >= 0) & (v <= 1))


def test_large_scale_matches_stable_recursion():
    # 100,000 contacts / 30 min at AHT 300 s = 16,666.67 erlangs; reference: the forward
    # recursion B(k) = a B(k-1) / (k + a B(k-1)) run in plain Python from B(0) = 1.
    a = 100_000 * 300 / 1800
    b = 1.0
    ref = {}
    for k in range(1, 16_760):
        b = a * b / (k + a * b)
        ref[k] = b
    for n in (16_000, 16_667, 16_700, 16_759):
        assert erlang_b(a, n) == pytest.approx(ref[n], rel=1e-11)
        rho = a / n
        c_ref = ref[n] / (1 - rho * (1 - ref[n])) if n > a else 1.0
        assert erlang_c(a, n) == pytest.approx(c_ref, rel=1e-11)
    # far tails (B ~ 1 - n/a) take the series path and stay exact
    ref_small = 1.0
    for k in range(1, 201):
        ref_small = 1e5 * ref_small / (k + 1e5 * ref_small)
    assert erlang_b(1e5, 200) == pytest.approx(ref_small, rel=1e-12)


def test_vectorised_broadcast_and_scalar_types():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    n = np.array([3, 6])
    res = erlang_c(a, n)
    assert res.shape == (2, 2)
    for i in range(2):
        for j in range(2):
            assert res[i, j] == pytest.approx(erlang_c(float(a[i, j]), int(n[j])), rel=1e-15)
    assert isinstance(erlang_c(2.0, 3), float)
    ref = service_level(2.0, 3, 180, 20)
    for cast in (np.float32, np.float64, np.int64, np.int32, np.int16, np.uint8):
        assert service_level(cast(2), cast(3), cast(180), cast(20)) == pytest.approx(ref, rel=1e-6)
        assert erlang_b(cast(2), cast(3)) == pytest.approx(4 / 19, rel=1e-6)


# ----------------------------------------------------------------- Erlang A
@pytest.mark.parametrize(
    "a,n,aht,patience,t",
    [(4.0, 5, 300.0, 100.0, 20.0), (10.0, 8, 200.0, 60.0, 30.0),  # n < a
     (3.0, 6, 300.0, 500.0, 20.0), (0.5, 3, 300.0, 30.0, 0.0), (7.5, 7, 240.0, 180.0, 60.0)],
)
def test_erlang_a_matches_brute_force_chain(a, n, aht, patience, t):
    pw, pab, sl, wait = erlang_a_reference(a, n, aht, patience, t)
    res = erlang_a(a, n, aht, patience, t)
    assert res.wait_probability == pytest.approx(pw, rel=1e-9)
    assert res.abandon_probability == pytest.approx(pab, rel=1e-9)
    assert res.service_level == pytest.approx(sl, rel=1e-8)
    assert res.asa_seconds == pytest.approx(wait, rel=1e-9)
    assert res.occupancy == pytest.approx(a * (1 - pab) / n, rel=1e-9)
    # the scalar functions agree with erlang_a
    assert service_level(a, n, aht, t, patience) == res.service_level
    assert asa_seconds(a, n, aht, patience) == res.asa_seconds
    assert occupancy(a, n, aht, patience) == res.occupancy


def test_erlang_a_by_hand_one_agent():
    # n = 1, a = 0.5, AHT = patience = 100 s (mu = theta): the chain is M/M/1 with rates
    # lambda = 0.005, death rate k*0.01 when k in system, i.e. an M/M/inf: pi_k Poisson(0.5).
    # P(wait) = P(k >= 1) = 1 - e^-0.5; E[Q] = sum (k-1) pi_k = 0.5 - (1 - e^-0.5)
    # P(ab) = theta E[Q] / lambda = 0.01 * E[Q] / 0.005 = 2 E[Q].
    res = erlang_a(0.5, 1, 100.0, 100.0, 0.0)
    q = 0.5 - (1 - math.exp(-0.5))
    assert res.wait_probability == pytest.approx(1 - math.exp(-0.5), rel=1e-12)
    assert res.abandon_probability == pytest.approx(2 * q, rel=1e-12)
    assert res.asa_seconds == pytest.approx(2 * q * 100.0, rel=1e-12)
    # t = 0: answered within 0 s = answered without waiting = e^-0.5
    assert res.service_level == pytest.approx(math.exp(-0.5), rel=1e-12)


def test_erlang_a_tends_to_erlang_c():
    a, n, aht, t = 4.0, 5, 300.0, 20.0
    c, sl, asa = erlang_c(a, n), service_level(a, n, aht, t), asa_seconds(a, n, aht)
    gaps = []
    for patience in (1e3, 1e4, 1e5, 1e6, 1e8, 1e10, 1e12):
        res = erlang_a(a, n, aht, patience, t)
        gaps.append((abs(res.service_level - sl), abs(res.asa_seconds - asa),
                     abs(res.wait_probability - c)))
        assert res.wait_probability <= c + 1e-12  # abandonment shortens the queue
    for g1, g2 in zip(gaps, gaps[1:], strict=False):
        assert all(b < a_ for a_, b in zip(g1, g2, strict=True))
    # the gap is O(theta): from patience 1e8 to 1e12 it shrinks 10^4-fold (no numerical
    # floor: the abandonment series keeps P(ab) exact where 1 - (y/x)(1 - 1/A) cancels)
    assert gaps[-1][1] == pytest.approx(gaps[-3][1] * 1e-4, rel=1e-3)
    res = erlang_a(a, n, aht, 1e12, t)
    assert res.wait_probability == pytest.approx(c, rel=1e-8)
    assert res.service_level == pytest.approx(sl, rel=1e-8)
    assert res.asa_seconds == pytest.approx(asa, rel=1e-8)
    inf = erlang_a(a, n, aht, math.inf, t)
    assert inf.service_level == sl and inf.wait_probability == c


def test_erlang_a_large_scale_finite():
    res = erlang_a(np.array([16_667.0, 16_667.0, 1e5]), np.array([16_000, 16_700, 100_100]),
                   300.0, np.array([120.0, 1e13, 60.0]), 20.0)
    for field in ("wait_probability", "abandon_probability", "service_level", "occupancy"):
        v = getattr(res, field)
        assert np.all(np.isfinite(v)) and np.all((v >= 0) & (v <= 1)), field
    # with near-infinite patience the big queue is Erlang C
    assert res.service_level[1] == pytest.approx(service_level(16_667.0, 16_700, 300.0, 20.0),
                                                 rel=1e-8)


# ----------------------------------------------------------------- properties
loads = st.floats(min_value=0.01, max_value=400.0, allow_nan=False)
ahts = st.floats(min_value=10.0, max_value=1200.0)
answers = st.floats(min_value=0.0, max_value=120.0)
patiences = st.floats(min_value=5.0, max_value=3600.0)


@given(a=loads, extra=st.integers(0, 60), aht=ahts, t=answers)
def test_erlang_c_properties(a, extra, aht, t):
    n = int(math.floor(a)) + 1 + extra
    b, c = erlang_b(a, n), erlang_c(a, n)
    assert 0.0 <= b <= c <= 1.0  # Erlang C >= Erlang B at the same load
    s0, s1 = service_level(a, n, aht, t), service_level(a, n + 1, aht, t)
    assert 0.0 <= s0 <= s1 + 1e-12 <= 1.0 + 1e-12  # more agents, better service
    assert service_level(a * 1.1, n, aht, t) <= s0 + 1e-12  # more volume, worse service
    assert asa_seconds(a, n + 1, aht) <= asa_seconds(a, n, aht) + 1e-9


@given(a=loads, n=st.integers(0, 500))
def test_erlang_b_c_bounds_any_n(a, n):
    b, c = erlang_b(a, n), erlang_c(a, n)
    assert 0.0 <= b <= 1.0 and 0.0 <= c <= 1.0 and c >= b - 1e-15
    assert erlang_b(a, n + 1) <= b + 1e-15


@given(a=loads, n=st.integers(0, 450), aht=ahts, patience=patiences, t=answers)
def test_erlang_a_properties(a, n, aht, patience, t):
    r0 = erlang_a(a, n, aht, patience, t)
    r1 = erlang_a(a, n + 1, aht, patience, t)
    for r in (r0, r1):
        assert 0.0 <= r.wait_probability <= 1.0
        assert 0.0 <= r.abandon_probability <= r.wait_probability + 1e-15
        assert 0.0 <= r.service_level <= 1.0 - r.abandon_probability + 1e-12
        assert 0.0 <= r.occupancy <= 1.0
    assert r1.service_level >= r0.service_level - 1e-9
    assert r1.abandon_probability <= r0.abandon_probability + 1e-12
    more = erlang_a(a * 1.2, n, aht, patience, t)
    assert more.service_level <= r0.service_level + 1e-9


@given(a=st.floats(0.05, 300.0), extra=st.integers(0, 40), aht=ahts, t=answers)
def test_erlang_a_tends_to_erlang_c_property(a, extra, aht, t):
    n = int(math.floor(a)) + 1 + extra
    sl_c, c = service_level(a, n, aht, t), erlang_c(a, n)
    far = erlang_a(a, n, aht, 1e13, t)
    near = erlang_a(a, n, aht, 1e9, t)
    assert far.service_level == pytest.approx(sl_c, abs=1e-6)
    assert far.wait_probability == pytest.approx(c, abs=1e-6)
    # closer with more patience
    assert abs(far.service_level - sl_c) <= abs(near.service_level - sl_c) + 1e-12


def _decimal_erlang_b(a: str, n: int, digits: int = 60):
    """Erlang B by the recursion B(k) = a B(k-1) / (k + a B(k-1)) in ``digits``-digit decimals."""
    from decimal import Decimal, localcontext

    with localcontext() as ctx:
        ctx.prec = digits
        ad, b = Decimal(a), Decimal(1)
        for k in range(1, n + 1):
            b = ad * b / (k + ad * b)
        return b


def test_large_pools_stay_exact_near_saturation_and_in_overload():
    # found by an mpmath check over 20,000 agents: Erlang B in overload lost ~2e-11 (log(y) -
    # log(x) in the deviance term) and the service level next to saturation 2.6e-7 (1 - C e^-k)
    from decimal import Decimal, localcontext

    b = _decimal_erlang_b("25000", 20000)
    assert erlang_b(25000.0, 20000) == pytest.approx(float(b), rel=5e-12)
    with localcontext() as ctx:
        ctx.prec = 60
        a, n = Decimal("9999.999999"), 10000
        bb = _decimal_erlang_b("9999.999999", n)
        c = n * bb / (n - a * (1 - bb))
        sl = 1 - c  # t = 0
    assert service_level(9999.999999, 10000, 1.0, 0.0) == pytest.approx(float(sl), rel=1e-12)
    assert erlang_c(9999.999999, 10000) == pytest.approx(float(c), rel=1e-12)


def test_service_level_reaches_one_and_grows_with_agents():
    # (1 - C) - C expm1(-k) everywhere left 0.9999999999999999 where 1 - C e^-k is 1.0
    assert service_level(10.0, 11, 180.0, 36000.0) == 1.0
    n = np.arange(82, 400)
    sl = service_level(81.0 + 2 / 3, n, 180.0, 20.0)
    assert (np.diff(sl) >= 0).all() and sl[-1] == 1.0
