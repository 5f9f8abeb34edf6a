"""required_agents, shrinkage rounding, Erlang B sizing, chat and deferrable work."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing_ml.queueing import (
    InfeasibleTargetError,
    apply_shrinkage,
    chat_required_agents,
    deferred_required_agents,
    erlang_a,
    erlang_b,
    erlang_b_required_agents,
    occupancy,
    required_agents,
    service_level,
)

# numeric warnings (overflow, invalid value) are failures: results must be clean
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

TOL = 1e-9  # the search and service_level() may differ by a few ulps at the boundary


def test_textbook_required_agents():
    # 100 calls / 30 min at 180 s = 10 erlangs. Erlang C at n = 13: by the formulas
    # SL(13) = 1 - C(13) e^(-3*20/180) = 0.7956 < 0.8 and SL(14) = 0.8884 >= 0.8 -> 14.
    assert service_level(10, 13, 180, 20) < 0.8 <= service_level(10, 14, 180, 20)
    assert required_agents(100, 180, 30) == 14
    # with 30% shrinkage: 14 / 0.7 = 20 exactly (a float ceiling could say 21)
    assert required_agents(100, 180, 30, shrinkage=0.3) == 20
    assert required_agents(0, 180, 30, shrinkage=0.3) == 0
    # an occupancy cap of 0.7 needs ceil(10 / 0.7) = 15 agents
    assert required_agents(100, 180, 30, max_occupancy=0.7) == 15
    # max_occupancy 0.8 at 10 erlangs: 10 / 0.8 = 12.5 -> 13, but SL needs 14
    assert required_agents(100, 180, 30, max_occupancy=0.8) == 14
    # 80 erlangs, cap 0.8: exactly 100 agents (80 / 0.8 is 100.00000000000001 in floats)
    assert required_agents(80 * 4, 900, 60, service_level=0.01, max_occupancy=0.8) == 100


def test_shrinkage_rounding_is_exact():
    assert apply_shrinkage(21, 0.3) == 30  # 21 / 0.7 = 30.000000000000004 in floats
    assert apply_shrinkage(21, 0.7) == 70
    assert apply_shrinkage(7, 0.3, fractional=True) == pytest.approx(10.0)
    assert apply_shrinkage(0, 0.5) == 0
    # the fractional requirement of several queues sums before one rounding
    parts = required_agents([100, 100, 100], 180, 30, shrinkage=0.35, fractional=True)
    assert np.all(np.ceil(parts - 1e-9) == required_agents([100, 100, 100], 180, 30,
                                                           shrinkage=0.35))
    assert math.ceil(parts.sum() - 1e-9) <= required_agents([100] * 3, 180, 30,
                                                            shrinkage=0.35).sum()


@given(n=st.integers(0, 100_000), pct=st.integers(0, 9999))
def test_shrinkage_matches_rational_arithmetic(n, pct):
    s = pct / 10_000  # shrinkage with up to 4 decimals, as planners write it
    exact = Fraction(n) / (1 - Fraction(str(s)))
    assert apply_shrinkage(n, s) == math.ceil(exact)


def test_zero_volume_infeasible_and_fractional():
    assert required_agents(0, 300, 15, service_level=1.0) == 0  # nothing to answer
    with pytest.raises(InfeasibleTargetError, match="service_level"):
        required_agents(10, 300, 15, service_level=1.0, answer_seconds=0)
    with pytest.raises(ValueError):  # InfeasibleTargetError is a ValueError
        required_agents([0, 10], 300, 15, service_level=1.0)
    frac = required_agents(np.array([0.0, 100.0]), 180, 30, shrinkage=0.3, fractional=True)
    assert frac.dtype == np.float64 and frac[0] == 0.0 and frac[1] == pytest.approx(20.0)


def test_erlang_a_can_staff_below_the_load():
    # 600 calls / 15 min at 300 s = 200 erlangs; patience 60 s: abandonment lets fewer
    # agents than the load meet 80/20 (pyworkforce 0.5.4 starts its search at the load)
    n = required_agents(600, 300, 15, patience_seconds=60)
    assert n < 200
    assert service_level(200, n, 300, 20, 60) >= 0.8 - TOL
    assert service_level(200, n - 1, 300, 20, 60) < 0.8 + TOL
    # and infinite patience is Erlang C
    assert required_agents(600, 300, 15, patience_seconds=math.inf) == required_agents(
        600, 300, 15)


volumes = st.floats(min_value=0.0, max_value=800.0, allow_nan=False)


@given(vol=volumes, aht=st.floats(30.0, 900.0), sl=st.floats(0.05, 0.99),
       t=st.floats(0.0, 90.0), occ=st.one_of(st.none(), st.floats(0.5, 1.0)))
def test_required_agents_is_minimal_erlang_c(vol, aht, sl, t, occ):
    n = required_agents(vol, aht, 15, sl, t, occ)
    a = vol * aht / 900
    if vol == 0:
        assert n == 0
        return
    assert service_level(a, n, aht, t) >= sl - TOL
    if occ is not None:
        assert occupancy(a, n) <= occ + TOL
    fewer = n - 1
    misses = service_level(a, fewer, aht, t) < sl + TOL or (
        occ is not None and (fewer == 0 or a / fewer > occ - TOL))
    assert misses


@given(vol=volumes, aht=st.floats(60.0, 600.0), sl=st.floats(0.05, 0.95),
       t=st.floats(0.0, 60.0), patience=st.floats(10.0, 1200.0))
def test_required_agents_is_minimal_erlang_a(vol, aht, sl, t, patience):
    n = required_agents(vol, aht, 15, sl, t, patience_seconds=patience)
    a = vol * aht / 900
    if vol == 0:
        assert n == 0
        return
    assert service_level(a, n, aht, t, patience) >= sl - TOL
    assert n == 0 or service_level(a, n - 1, aht, t, patience) < sl + TOL


def test_vectorised_matches_elementwise():
    rng = np.random.default_rng(7)
    vol = rng.uniform(0, 600, 40)
    vol[::7] = 0
    aht = rng.uniform(120, 600, 40)
    both = required_agents(vol, aht, 15, 0.8, 20, shrinkage=0.3)
    one = [required_agents(float(v), float(h), 15, 0.8, 20, shrinkage=0.3)
           for v, h in zip(vol, aht, strict=True)]
    assert both.tolist() == one
    assert both.dtype == np.int64
    pa = required_agents(vol, aht, 15, patience_seconds=rng.uniform(30, 300, 40))
    assert pa.shape == (40,)


def test_strict_targets_use_the_bisection_fallback():
    # 99% answered immediately at 16,667 erlangs needs ~250 agents above the load: more than
    # the 64 recursion steps, so the search finishes by bisection; check minimality
    a = 100_000 * 300 / 1800
    n = required_agents(100_000, 300, 30, 0.99, 0)
    assert service_level(a, n, 300, 0) >= 0.99 - TOL > service_level(a, n - 1, 300, 0) - 2 * TOL
    assert n - a > 64


def test_erlang_b_sizing():
    # pyworkforce's documented example: 10 erlangs at 2% blocking needs 17 lines
    assert erlang_b_required_agents(10.0, 0.02) == 17
    assert erlang_b(10.0, 17) <= 0.02 < erlang_b(10.0, 16)
    n = erlang_b_required_agents(16_700.0, 0.01)
    assert erlang_b(16_700.0, n) <= 0.01 < erlang_b(16_700.0, n - 1)
    assert erlang_b_required_agents([0.0, 0.5], 0.5).tolist() == [0, 1]


@given(a=st.floats(0.01, 2000.0), p=st.floats(0.001, 0.5))
def test_erlang_b_sizing_is_minimal(a, p):
    n = erlang_b_required_agents(a, p)
    assert erlang_b(a, n) <= p
    assert n == 0 or erlang_b(a, n - 1) > p


def test_chat_concurrency():
    # 100 chats / 30 min of 600 s = 33.3 erlangs of slots; Erlang C needs s slots;
    # three sessions per agent -> ceil(s / 3) agents
    slots = required_agents(100, 600, 30)
    assert chat_required_agents(100, 600, 30, 3) == math.ceil(slots / 3)
    assert chat_required_agents(100, 600, 30, 1) == slots
    assert chat_required_agents(100, 600, 30, 3, fractional=True) == pytest.approx(slots / 3)
    assert chat_required_agents(0, 600, 30, 3) == 0
    with pytest.raises(ValueError, match="concurrency"):
        chat_required_agents(100, 600, 30, 0)
    with pytest.raises(ValueError, match="concurrency"):
        chat_required_agents(100, 600, 30, 2.5)


def test_deferred_work():
    # 8 intervals of 50 emails at 240 s (96,000 s of work) at the start of a 24 h day,
    # deadline 24 h: a constant level c with c * 86,400 s >= 96,000 s -> c = 1.11 -> 2
    vol = np.r_[np.full(8, 50.0), np.zeros(88)]
    agents = deferred_required_agents(vol, 240, 15, 24)
    assert agents.tolist() == [2] * 96
    assert deferred_required_agents(vol, 240, 15, 24, fractional=True)[0] == pytest.approx(
        96_000 / 86_400)
    # deadline 2 h: the 96,000 s due by 2 h after the last arrival interval start
    # (7 * 900 + 7,200 = 13,500 s) -> 96,000 / 13,500 = 7.11 -> 8
    assert deferred_required_agents(vol, 240, 15, 2)[0] == 8
    # agents only work 08:00-10:00 (intervals 32..39) -> work due by then must wait
    working = np.zeros(96, dtype=bool)
    working[32:40] = True
    late = deferred_required_agents(vol, 240, 15, 24, working=working)
    assert late[0] == 0 and late[32] == math.ceil(96_000 / 7_200)
    with pytest.raises(InfeasibleTargetError, match="deadline|working"):
        deferred_required_agents(vol, 240, 15, 1, working=working)
    assert deferred_required_agents(np.zeros(4), 240, 15, 1).tolist() == [0] * 4
    # shrinkage on top: 2 / (1 - 0.5) = 4
    assert deferred_required_agents(vol, 240, 15, 24, shrinkage=0.5)[0] == 4


def test_deferred_window_not_only_from_start():
    # idle capacity early cannot be banked: nothing for 10 h, then 36,000 s of work due in
    # 1 h -> 10 agents although the whole-day average is far lower
    vol = np.zeros(96)
    vol[40] = 150.0  # 150 * 240 s = 36,000 s at 10:00
    assert deferred_required_agents(vol, 240, 15, 1)[0] == 10


def test_erlang_a_result_scalars():
    res = erlang_a(10, 12, 300, 120, 20)
    assert isinstance(res.service_level, float)
    arr = erlang_a(np.array([10.0, 20.0]), 12, 300, 120, 20)
    assert arr.service_level.shape == (2,)
