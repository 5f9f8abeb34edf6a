"""Regressions of a second review of ``routing_ml.simulation``: stale abandonment timers
moving the clock, shrinkage skipping the schedule checks, logs with a ``queue`` column
and no skill, deferrable contacts abandoning, the per-interval arrivals of the band,
infinite replication figures, unknown channel prefixes and bad parameters. Expected
values are worked out by hand in the comments."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from routing_ml.errors import FrameError
from routing_ml.routing import LongestIdleAgent
from routing_ml.simulation import compare_policies, simulate
from routing_ml.simulation._api import _t_ci

T0 = pd.Timestamp("2024-03-04 09:00")
AGENT = pd.DataFrame({"agent_id": ["A1"], "skills": [{"a": 3}]})


def _two_calls(**extra: object) -> pd.DataFrame:
    return pd.DataFrame({"ts": [T0, T0 + pd.Timedelta(minutes=2)], "channel": "voice",
                         "skill": "a", "handle_seconds": [300.0, 300.0], **extra})


@pytest.mark.parametrize("patience", [600.0, 36_000.0])
def test_a_served_callers_patience_does_not_stretch_the_run(patience: float) -> None:
    # one agent: call 1 served 0-300 s, call 2 (arrives at 120 s, patient) served 300-600 s;
    # the run ends with the last service at 600 s whatever the unused patience timers say:
    # busy 600 of 600 logged-in seconds (no schedule: logged in from the first arrival)
    r = simulate(_two_calls(patience_seconds=patience), AGENT, seed=0)
    a = r.agents.iloc[0]
    assert a["busy_seconds"] == pytest.approx(600.0)
    assert a["available_seconds"] == pytest.approx(600.0)
    assert a["occupancy"] == pytest.approx(1.0)
    assert r.summary["abandoned"] == 0


def _forecast(yhat: float = 10.0, periods: int = 4) -> pd.DataFrame:
    return pd.DataFrame({"unique_id": "voice:a", "yhat": yhat,
                         "ds": pd.date_range(T0, periods=periods, freq="30min")})


@pytest.mark.parametrize("shrinkage", [0.0, 0.05])
def test_shrinkage_keeps_the_schedule_checks(shrinkage: float) -> None:
    backwards = pd.DataFrame({"agent_id": ["A1", "A2"],
                              "start": [T0, T0 + pd.Timedelta(hours=2)],
                              "end": [T0 + pd.Timedelta(hours=2), T0]})
    with pytest.raises(FrameError, match="end at or before they start"):
        simulate(_forecast(), schedule=backwards, aht_seconds=240, seed=1, shrinkage=shrinkage)
    no_end = pd.DataFrame({"agent_id": ["A1"], "start": [T0]})
    with pytest.raises(FrameError, match="end"):
        simulate(_forecast(), schedule=no_end, aht_seconds=240, seed=1, shrinkage=shrinkage)


def test_shrinkage_reads_day_first_dates_as_the_schedule_does() -> None:
    # the frames read slash dates day first: 04/03/2024 is 4 March (as 13/03/2024 shows),
    # so A1 works 09:00-11:00 on 4 March, when the forecast's contacts arrive
    sh = pd.DataFrame({"agent_id": ["A1", "A2"],
                       "start": ["04/03/2024 09:00", "13/03/2024 09:00"],
                       "end": ["04/03/2024 11:00", "13/03/2024 11:00"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = simulate(_forecast(), schedule=sh, aht_seconds=240, seed=1, shrinkage=0.05)
    avail = r.agents.set_index("agent_id")["available_seconds"]
    assert 0 < avail["A1"] <= 7200
    assert r.summary["answered"] > 0


def test_a_log_with_a_queue_column_matches_the_schedules_queues() -> None:
    # no agents frame: the agents come from the schedule and take the log's queues
    log = pd.DataFrame({"ts": [T0, T0 + pd.Timedelta(minutes=1)], "channel": "voice",
                        "queue": "voice:tributos", "handle_seconds": 60.0})
    sh = pd.DataFrame({"agent_id": ["A1"], "start": T0 - pd.Timedelta(minutes=5),
                       "end": T0 + pd.Timedelta(hours=1)})
    r = simulate(log, schedule=sh, seed=0)
    assert r.summary["answered"] == 2


def test_deferrable_contacts_never_abandon_even_with_a_logged_patience() -> None:
    # two emails, one email agent: the second waits 600 s; a logged patience of 30 s must
    # not make it abandon ("only real-time channels abandon")
    c = pd.DataFrame({"ts": [T0, T0], "channel": "email", "skill": "a",
                      "handle_seconds": 600.0, "patience_seconds": 30.0})
    ag = pd.DataFrame({"agent_id": ["E1"], "skills": [{"a": 3}], "channels": [("email",)]})
    r = simulate(c, ag, seed=0)
    assert r.summary["abandoned"] == 0
    assert r.summary["answered"] == 2


def test_the_bands_arrivals_are_a_mean_over_every_replication() -> None:
    # 0.5 expected arrivals per 30-minute interval: replications with none in an interval
    # count 0; averaging only those with arrivals gave about 1.2-1.5
    f = _forecast(yhat=0.5, periods=4)
    sh = pd.DataFrame({"agent_id": ["A1"], "start": T0, "end": T0 + pd.Timedelta(hours=2)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = compare_policies([LongestIdleAgent()], f, schedule=sh, n_replications=40,
                               aht_seconds=120, seed=3)
    band = res.by_interval.loc[res.by_interval["unique_id"] != "all"]
    assert len(band) == 4
    # mean of 40 Poisson(0.5) counts: sd 0.11, so 0.5 +- 0.35 is about 3 sd
    assert band["arrivals"].between(0.15, 0.85).all(), band["arrivals"].tolist()


def test_an_infinite_replication_makes_the_mean_infinite() -> None:
    mean, sd, lo, hi = _t_ci(np.array([2.0, math.inf, 3.0]))
    assert mean == math.inf and math.isnan(lo) and math.isnan(hi)
    mean, *_ = _t_ci(np.array([2.0, np.nan, 4.0]))  # NaN: no value, left out
    assert mean == pytest.approx(3.0)
    assert math.isnan(_t_ci(np.array([math.inf, -math.inf]))[0])


@pytest.mark.parametrize("queue", ["Chat:b", "sms:b", "chat :b"])
def test_a_queue_prefix_that_is_not_a_channel_is_refused(queue: str) -> None:
    f = _forecast().assign(unique_id=queue)
    sh = pd.DataFrame({"agent_id": ["A1"], "start": T0, "end": T0 + pd.Timedelta(hours=2)})
    with pytest.raises(FrameError, match="not a channel"):
        simulate(f, schedule=sh, aht_seconds=240, seed=1)


def test_text_resolved_flags_are_refused_with_the_column_named() -> None:
    with pytest.raises(FrameError, match="'resolved'"):
        simulate(_two_calls(resolved=["yes", "no"]), AGENT, seed=0)


@pytest.mark.parametrize("name", ["origin", "until"])
def test_a_bad_origin_or_until_names_the_parameter(name: str) -> None:
    with pytest.raises(ValueError, match=name):
        simulate(_two_calls(), AGENT, seed=0, **{name: "garbage"})
    with pytest.raises(ValueError, match=name):
        compare_policies([LongestIdleAgent()], _two_calls(), AGENT, n_replications=2,
                         **{name: "garbage"})


@pytest.mark.parametrize("column", ["patience_seconds", "deadline_seconds", "priority"])
def test_text_that_is_not_a_number_is_refused_with_the_column_named(column: str) -> None:
    with pytest.raises(FrameError, match=f"'{column}'.*'abc'"):
        simulate(_two_calls(**{column: ["abc", "5"]}), AGENT, seed=0)


def test_numeric_timestamps_are_refused() -> None:
    c = _two_calls().assign(ts=[0, 120])
    with pytest.raises(FrameError, match="'ts' holds numbers"):
        simulate(c, AGENT, seed=0)


def test_the_built_in_longest_idle_rule_is_the_policys_own() -> None:
    # one voice+email agent busy on a call; an e-mail (t+10 s) and a second call (t+20 s)
    # wait. The engine's fast path for LongestIdleAgent and the policy's choose_contact
    # (used by any subclass) must pick the same contact: the call (real-time first)
    from routing_ml.routing import LongestIdleAgent

    class Same(LongestIdleAgent):
        pass

    c = pd.DataFrame({"ts": [T0, T0 + pd.Timedelta(seconds=10), T0 + pd.Timedelta(seconds=20)],
                      "channel": ["voice", "email", "voice"], "skill": "a",
                      "handle_seconds": [100.0, 90.0, 90.0]})
    ag = pd.DataFrame({"agent_id": ["A"], "skills": [{"a": 3}], "channels": [("voice", "email")]})
    waits = [simulate(c, ag, policy=p, seed=0).contacts.sort_values("contact_id")["wait_seconds"].tolist()
             for p in (LongestIdleAgent(), Same())]
    assert waits[0] == waits[1] == [0.0, 180.0, 80.0]  # e-mail after the second call (190 s)


def test_a_waiting_call_is_not_taken_at_the_instant_the_shift_ends() -> None:
    # shift 09:00-10:00; a call of 3600 s from 09:00; a second call waiting since 09:30:
    # at 10:00 the agent logs out instead of starting it (as for a call arriving at 10:00)
    c = pd.DataFrame({"ts": [T0, T0 + pd.Timedelta(minutes=30)], "channel": "voice", "skill": "a",
                      "handle_seconds": [3600.0, 60.0], "patience_seconds": [1e6, 1e6]})
    sh = pd.DataFrame({"agent_id": ["A1"], "start": [T0], "end": [T0 + pd.Timedelta(hours=1)]})
    r = simulate(c, AGENT, sh, seed=0, outside_hours="keep")
    assert r.summary["answered"] == 1
    assert r.agents.iloc[0]["available_seconds"] == pytest.approx(3600.0)


def test_shrinkage_absences_are_not_closed_hours() -> None:
    # absences log agents out; the contacts arriving meanwhile wait or abandon, they are not
    # dropped as arriving outside opening hours
    log = pd.DataFrame({"ts": T0 + pd.to_timedelta(np.arange(90) * 120, unit="s"),
                        "channel": "voice", "skill": "a", "handle_seconds": 100.0})
    sh = pd.DataFrame({"agent_id": ["A1", "A2"], "start": [T0] * 2,
                       "end": [T0 + pd.Timedelta(hours=3)] * 2})
    ag = pd.DataFrame({"agent_id": ["A1", "A2"], "skills": [{"a": 3}] * 2})
    for seed in (1, 2, 3):  # 50 % shrinkage: some half hours have both agents away
        r = simulate(log, ag, sh, seed=seed, shrinkage=0.5)
        assert r.summary["arrivals"] == 90 and not r.dropped, (seed, r.dropped)
    simulate(log, ag, sh, seed=3, shrinkage=0.5, outside_hours="raise")  # no closed hour
