"""Regressions of a review of ``routing_ml.simulation``: interval lengths of the input
frames, the ``until`` horizon, shifts before the origin, logged repeats, the event order
at equal times, imputed handle times, proportion intervals and availability without a
schedule. Expected values are worked out by hand in the comments."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest

from routing_ml.errors import FrameError
from routing_ml.routing.base import Decision
from routing_ml.simulation import (
    ExponentialService,
    arrivals_from_forecast,
    compare_policies,
    shifts_from_requirements,
    simulate,
)

T0 = pd.Timestamp("2024-03-04 09:00")


def _t(seconds: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(seconds=seconds)


def _agents(ids=("A1",), channels=("voice",)) -> pd.DataFrame:
    return pd.DataFrame({"agent_id": list(ids), "skills": [{"a": 3}] * len(ids),
                         "channels": [channels] * len(ids), "max_concurrency": 1})


class FirstFree:
    """The free qualified agent with the lowest index (not the engine's native rule)."""

    name = "first_free"

    def choose(self, contact, pool, now):
        mask = pool.has_capacity(pool.channel_index(contact.channel))
        if not mask.any():
            return Decision(-1, "no_eligible_agent")
        return Decision(int(np.argmax(mask)), "first")


# ------------------------------------------------------------------ 1. requirements step
def test_requirements_schedule_keeps_its_own_interval_against_a_finer_forecast():
    # a 15-minute forecast and a 30-minute requirements frame (3 agents 09:00-11:00): each
    # requirements row staffs 30 minutes, so every agent is on shift 09:00-11:00 and no
    # call falls outside opening hours (the forecast's 15-minute step cut each row to 15
    # minutes: half the staff and 41 calls dropped)
    fc = pd.DataFrame({"unique_id": "voice:a", "yhat": 10.0,
                       "ds": pd.date_range(T0, periods=8, freq="15min")})
    req = pd.DataFrame({"unique_id": "voice:a", "agents": 3,
                        "ds": pd.date_range(T0, periods=4, freq="30min")})
    r = simulate(fc, None, req, aht_seconds=200, seed=1)
    assert r.dropped == {}
    assert len(r.agents) == 3 and (r.agents["available_seconds"] >= 7200.0).all()
    # the statistics interval still follows the forecast (15 minutes)
    starts = pd.Series(sorted(r.by_interval["ds"].unique()))
    assert (starts.diff().dropna() == pd.Timedelta(minutes=15)).all()
    # read from the frame, the requirements give one shift per agent: 09:00-11:00
    _, shifts = shifts_from_requirements(req)
    assert len(shifts) == 3
    assert (shifts["start"] == T0).all() and (shifts["end"] == _t(7200)).all()
    # a given interval that contradicts the frame is an error naming both
    with pytest.raises(FrameError, match=r"interval_minutes=15.*30 minutes apart"):
        shifts_from_requirements(req, interval_minutes=15)


# ------------------------------------------------------------------ 2. forecast step
def test_statistics_interval_does_not_change_how_forecast_arrivals_are_spread():
    # an hourly forecast (400 calls per hour, 09:00-11:00) with 15- or 120-minute
    # statistics: calls are uniform over each hour, so about 3/4 of them arrive after
    # minute 15 of their hour, none after 11:00, and none is outside the 09:00-11:00 shifts
    fc = pd.DataFrame({"unique_id": "voice:a", "yhat": 400.0,
                       "ds": pd.date_range(T0, periods=2, freq="60min")})
    sh = pd.DataFrame({"agent_id": ["A1", "A2", "A3"], "start": T0, "end": _t(7200)})
    # statistics intervals are aligned on midnight: 15 minutes -> 8 from 09:00; 120
    # minutes -> 08:00-10:00 and 10:00-12:00
    for im, n_intervals in ((15, 8), (120, 2)):
        r = simulate(fc, None, sh, aht_seconds=20, interval_minutes=im, seed=1)
        ts = r.contacts["ts"]
        assert r.dropped == {}
        assert ts.min() >= T0 and ts.max() < _t(7200)
        assert 0.70 < (ts.dt.minute >= 15).mean() < 0.80
        bi = r.by_interval.loc[r.by_interval["unique_id"] == "voice:a"]
        assert len(bi) == n_intervals
    # arrivals_from_forecast: a given interval that contradicts the frame is an error
    with pytest.raises(FrameError, match=r"interval_minutes=15.*60 minutes apart"):
        arrivals_from_forecast(fc, interval_minutes=15)


def test_a_forecast_with_one_row_per_queue_uses_the_documented_fallback():
    one = pd.DataFrame({"unique_id": ["voice:a"], "ds": [T0], "yhat": [400.0]})
    sh = pd.DataFrame({"agent_id": ["A1", "A2"], "start": T0, "end": _t(7200)})
    # no step to read: the interval is interval_minutes (60 here): calls over 09:00-10:00
    r = simulate(one, None, sh, aht_seconds=5, interval_minutes=60, seed=2)
    ts = r.contacts["ts"]
    assert ts.max() < _t(3600) and (ts >= _t(1800)).mean() > 0.4
    # and 30 minutes, with a warning, when interval_minutes is not given either
    with pytest.warns(UserWarning, match="one timestamp per queue"):
        r = simulate(one, None, sh, aht_seconds=5, seed=2)
    assert r.contacts["ts"].max() < _t(1800)


# ------------------------------------------------------------------ 3. until
def test_until_before_the_last_arrival_keeps_conservation_and_clamps_the_clock():
    # one agent 09:00-10:00; calls at 0 s (handle 1000 s), 10 s, 1800 s and 2400 s; stop
    # at 600 s. The calls after 600 s are not arrivals of this run (dropped, counted);
    # at 600 s the first call is in service (answered) and the second has waited 590 s.
    log = pd.DataFrame({"ts": [_t(0), _t(10), _t(1800), _t(2400)], "channel": "voice",
                        "skill": "a", "handle_seconds": [1000.0, 100.0, 100.0, 100.0]})
    sh = pd.DataFrame({"agent_id": ["A1"], "start": [T0], "end": [_t(3600)]})
    r = simulate(log, _agents(), sh, until=_t(600))
    s = r.summary
    assert r.dropped == {"after_until": 2}
    assert (s["arrivals"], s["answered"], s["abandoned"], s["waiting"]) == (2, 1, 0, 1)
    assert r.conservation_holds()
    assert s["end_seconds"] == 9 * 3600 + 600  # origin: midnight
    c = r.contacts.set_index("arrival_seconds")
    assert c.loc[9 * 3600 + 10, "wait_seconds"] == pytest.approx(590.0)
    a = r.agents.iloc[0]
    assert a["available_seconds"] == pytest.approx(600.0)
    assert a["busy_seconds"] == pytest.approx(600.0)
    with pytest.raises(ValueError, match="until"):
        simulate(log, _agents(), sh, origin=T0, until=T0 - pd.Timedelta(hours=1))


# ------------------------------------------------------------------ 4. shifts before origin
def test_a_shift_ending_before_the_origin_is_not_logged_in_forever():
    # origin 12:00: A1's shift 09:00-10:00 is over (counted in issues), A2's 11:00-13:00
    # starts at the origin. A2 serves the e-mail at 12:30 and the call at 12:35 (100 s
    # each): 3600 s available, 200 s busy; A1 serves nothing and is never available.
    ag = _agents(("A1", "A2"), channels=("voice", "email"))
    sh = pd.DataFrame({"agent_id": ["A1", "A2"],
                       "start": [_t(0), _t(2 * 3600)], "end": [_t(3600), _t(4 * 3600)]})
    log = pd.DataFrame({"ts": [_t(3.5 * 3600), _t(3.5 * 3600 + 300)],
                        "channel": ["email", "voice"], "skill": "a",
                        "handle_seconds": [100.0, 100.0]})
    r = simulate(log, ag, sh, origin="2024-03-04 12:00")
    assert r.issues["shifts_ending_before_origin"] == 1
    a = r.agents.set_index("agent_id")
    assert a.loc["A1", "contacts_handled"] == 0 and a.loc["A1", "available_seconds"] == 0.0
    assert a.loc["A2", "contacts_handled"] == 2
    assert a.loc["A2", "available_seconds"] == pytest.approx(3600.0)
    assert a.loc["A2", "busy_seconds"] == pytest.approx(200.0)
    assert r.summary["answered"] == 2 and r.conservation_holds()


# ------------------------------------------------------------------ 5. logged repeats
def test_logged_repeats_are_kept_unless_the_outcome_model_generates_repeats():
    n = 10
    log = pd.DataFrame({"ts": [_t(60 * i) for i in range(n)], "channel": "voice",
                        "skill": "a", "handle_seconds": 30.0,
                        "is_repeat": [i % 2 == 1 for i in range(n)]})
    sh = pd.DataFrame({"agent_id": ["A1"], "start": [T0], "end": [_t(3600)]})
    # logged outcomes generate no repeat: the 5 logged repeats are replayed, and said so
    r = simulate(log, _agents(), sh)
    assert r.dropped == {}
    assert r.summary["arrivals"] == 10 and r.summary["repeats"] == 5
    assert r.issues["logged_repeats_replayed"] == 5
    # a model that generates repeats replaces them (counted)
    oc = ExponentialService(30.0, resolution_probability=0.5, repeat_probability=0.5)
    r = simulate(log, _agents(), sh, outcomes=oc)
    assert r.dropped == {"logged_repeats_replaced_by_simulated_repeats": 5}
    assert r.summary["first_contacts"] == 5
    # the same rule for a scenario callable in compare_policies (was dropped uncounted)
    res = compare_policies({"ff": FirstFree()}, lambda seed: log, _agents(), sh,
                           n_replications=2)
    assert res.replications["arrivals"].eq(10).all()
    assert res.issues["logged_repeats_replayed"] == 5
    res = compare_policies({"ff": FirstFree()}, lambda seed: log, _agents(), sh,
                           n_replications=2, outcomes=oc)
    assert res.dropped == {"logged_repeats_replaced_by_simulated_repeats": 10}



def test_empty_repeat_flags_are_first_contacts_and_words_are_refused():
    # review 2026-12-01: an empty is_repeat cell (NaN) was read as True, and 'no' too
    n = 6
    log = pd.DataFrame({"ts": [_t(60 * i) for i in range(n)], "channel": "voice",
                        "skill": "a", "handle_seconds": 30.0,
                        "is_repeat": [True, np.nan, np.nan, False, np.nan, True]})
    sh = pd.DataFrame({"agent_id": ["A1"], "start": [T0], "end": [_t(3600)]})
    r = simulate(log, _agents(), sh)
    assert r.summary["repeats"] == 2 and r.issues["logged_repeats_replayed"] == 2
    assert r.contacts["is_repeat"].sum() == 2
    with pytest.raises(FrameError, match=r"'is_repeat' must hold True/False.*'no'"):
        simulate(log.assign(is_repeat=["yes", "no"] * 3), _agents(), sh)


# ------------------------------------------------------------------ 6. event order
@pytest.mark.parametrize("policy", [None, FirstFree()])
def test_an_arrival_at_a_logout_time_comes_after_the_logout(policy):
    # A1 logs out at 09:30 (END, LOGOUT, LOGIN, ARRIVAL at equal times): the call of
    # 09:30 goes to A2; A1 was available 09:00-09:30 and served nothing
    log = pd.DataFrame({"ts": [_t(1800)], "channel": "voice", "skill": "a",
                        "handle_seconds": [600.0]})
    sh = pd.DataFrame({"agent_id": ["A1", "A2"], "start": [T0, T0],
                       "end": [_t(1800), _t(3600)]})
    r = simulate(log, _agents(("A1", "A2")), sh, policy=policy)
    assert r.contacts["agent_id"].tolist() == ["A2"]
    a = r.agents.set_index("agent_id")
    assert a.loc["A1", "contacts_handled"] == 0
    assert a.loc["A1", "available_seconds"] == pytest.approx(1800.0)


# ------------------------------------------------------------------ 7. skills as a list
def test_agent_skills_given_as_a_list_get_a_message_naming_agent_and_field():
    log = pd.DataFrame({"ts": [_t(0)], "channel": "voice", "skill": "a"})
    ag = pd.DataFrame({"agent_id": ["A1"], "skills": [["a"]], "channels": [("voice",)]})
    with pytest.raises(ValueError, match=r"agent 'A1': column 'skills' is \['a'\].*mapping"):
        simulate(log, ag)


def test_comparison_band_has_its_columns_without_realtime_channels():
    log = pd.DataFrame({"ts": [_t(0)], "channel": "email", "skill": "a"})
    res = compare_policies({"ff": FirstFree()}, log, _agents(channels=("email",)),
                           n_replications=2, aht_seconds=60.0)
    assert res.by_interval.empty
    assert list(res.by_interval.columns) == ["policy", "unique_id", "ds", "arrivals",
                                             "service_level", "ci_low", "ci_high", "p05",
                                             "p95"]


# ------------------------------------------------------------------ 8. imputed handle times
def test_imputed_logged_handle_times_are_counted():
    # handle times 100, 200, 300 logged; one call abandoned in the log (no time), one with
    # no time, one with text: all three get the median of the logged times, 200 s
    log = pd.DataFrame({"ts": [_t(600 * i) for i in range(6)], "channel": "voice",
                        "skill": "a",
                        "handle_seconds": [100.0, 200.0, 300.0, np.nan, np.nan, "abc"],
                        "observed_abandoned": [False, False, False, True, False, False]})
    sh = pd.DataFrame({"agent_id": ["A1"], "start": [T0], "end": [_t(7200)]})
    r = simulate(log, _agents(), sh)
    assert r.issues["handle_seconds_imputed"] == {
        "abandoned_in_log": 1, "missing": 1, "not_a_number": 1, "imputed_seconds": 200.0}
    np.testing.assert_allclose(r.contacts["handle_seconds"], [100, 200, 300, 200, 200, 200])
    # an exponential model does not use logged times: nothing is imputed
    r = simulate(log, _agents(), sh, outcomes=ExponentialService(100.0))
    assert "handle_seconds_imputed" not in r.issues


# ------------------------------------------------------------------ 9. proportion CIs
def test_confidence_intervals_of_proportions_stay_within_0_and_1():
    # one agent; day A: one call (service level 1); day B: a call served 600 s and one
    # waiting behind it 540 s (service level 1/2). Two replications, one of each: the
    # t interval 0.75 +- 12.7 * 0.354 / sqrt(2) spans [-2.4, 3.9]: clipped to [0, 1]
    one = pd.DataFrame({"ts": [_t(0)], "channel": "voice", "skill": "a",
                        "handle_seconds": [600.0]})
    two = pd.DataFrame({"ts": [_t(0), _t(60)], "channel": "voice", "skill": "a",
                        "handle_seconds": [600.0, 600.0]})
    calls = itertools.count()
    res = compare_policies({"ff": FirstFree()}, lambda seed: (one, two)[next(calls) % 2],
                           _agents(), n_replications=2)
    s = res.summary.set_index("metric")
    assert sorted(res.replications["service_level"]) == [0.5, 1.0]
    assert (s.loc["service_level", "ci_low"], s.loc["service_level", "ci_high"]) == (0.0, 1.0)
    for m in ("fcr", "abandon_rate", "occupancy_mean", "service_level_all_channels"):
        lo, hi = s.loc[m, "ci_low"], s.loc[m, "ci_high"]
        assert np.isnan(lo) or 0.0 <= lo <= hi <= 1.0, m
    band = res.by_interval
    assert ((band["ci_low"] >= 0) & (band["ci_high"] <= 1)).all()


# ------------------------------------------------------------------ 10. no schedule
def test_without_a_schedule_agents_are_available_from_the_first_arrival():
    # calls at 09:00 and 09:10, 300 s each: available 09:00-09:15 (900 s), busy 600 s
    log = pd.DataFrame({"ts": [_t(0), _t(600)], "channel": "voice", "skill": "a",
                        "handle_seconds": [300.0, 300.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = simulate(log, _agents())
    a = r.agents.iloc[0]
    assert a["available_seconds"] == pytest.approx(900.0)
    assert a["occupancy"] == pytest.approx(600.0 / 900.0)
