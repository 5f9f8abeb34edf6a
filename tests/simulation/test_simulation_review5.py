"""Review findings (2026-12-01, third session): ISO timestamps of mixed precision in a log
dropped as unparsable; simulated repeats arriving while their queue was closed."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd

from routing_ml.simulation import ExponentialService, simulate

DAY = "2024-03-04 "
AGENTS = pd.DataFrame({"agent_id": [f"A{i}" for i in range(12)], "skills": [{"x": 3}] * 12,
                       "channels": [("voice",)] * 12})


def test_log_timestamps_of_mixed_iso_precision_are_all_arrivals():
    # isoformat() leaves out a zero fraction: before, 3 of these 5 rows were dropped as
    # 'missing_or_bad_ts' (pandas inferred the format of the first value)
    t0 = dt.datetime(2024, 3, 4, 9, 0, 0)
    ts = [(t0 + dt.timedelta(seconds=s)).isoformat() for s in (0.5, 60, 120.25, 180, 240)]
    log = pd.DataFrame({"contact_id": range(5), "ts": ts, "channel": "voice", "skill": "x",
                        "handle_seconds": 60.0})
    shifts = pd.DataFrame({"agent_id": ["A0"], "start": pd.Timestamp(DAY + "09:00"),
                           "end": pd.Timestamp(DAY + "17:00")})
    r = simulate(log, AGENTS.iloc[:1], shifts, seed=0)
    assert r.summary["arrivals"] == 5 and r.dropped == {}
    assert r.contacts["ts"].tolist() == pd.to_datetime(ts, format="ISO8601").tolist()


def _shifts(days: int) -> pd.DataFrame:
    rows = [(a, pd.Timestamp(DAY + "09:00") + pd.Timedelta(days=d),
             pd.Timestamp(DAY + "17:00") + pd.Timedelta(days=d))
            for d in range(days) for a in AGENTS["agent_id"]]
    return pd.DataFrame(rows, columns=["agent_id", "start", "end"])


FORECAST = pd.DataFrame({"unique_id": "voice:x", "ds": pd.date_range(DAY + "09:00", periods=16,
                                                                    freq="30min"),
                         "yhat": 40.0})


def test_repeats_call_when_their_queue_is_open():
    # before: a repeat 10 h after a 15:00 call arrived at 01:00 with nobody on shift and
    # abandoned, pulling the service level and abandonment of the run down
    oc = ExponentialService(300, resolution_probability=0.5, repeat_probability=1.0,
                            repeat_delay_hours=10.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        r = simulate(FORECAST, AGENTS, _shifts(2), outcomes=oc, patience_seconds=300, seed=3)
    rep = r.contacts[r.contacts["is_repeat"]]
    hour = (rep["arrival_seconds"] % 86400) / 3600
    assert len(rep) > 0 and ((hour >= 9) & (hour < 17)).all()
    assert r.summary["repeats_moved_to_opening"] > 0
    assert r.summary["repeats"] + r.summary["repeats_after_horizon"] == \
        r.summary["repeats_generated"]
    assert r.conservation_holds()
    # one day open: the repeats after closing time are not arrivals of the run
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        one = simulate(FORECAST, AGENTS, _shifts(1), outcomes=oc, patience_seconds=300, seed=3)
    c = one.contacts
    late = c[c["is_repeat"]]
    assert ((late["arrival_seconds"] % 86400) < 17 * 3600).all()
    first = c.loc[~c["is_repeat"], "answered_within_target"].mean()
    assert abs(one.summary["service_level"] - first) < 0.02
    assert np.isfinite(one.summary["repeats_after_horizon"])


ONE = pd.DataFrame({"agent_id": ["A"], "skills": [{"x": 3}], "channels": [("voice", "chat")]})
SHIFT = pd.DataFrame({"agent_id": ["A"], "start": pd.Timestamp(DAY + "09:00"),
                      "end": pd.Timestamp(DAY + "17:00")})


def _log(**cols) -> pd.DataFrame:
    base = {"contact_id": range(3), "ts": pd.date_range(DAY + "09:00", periods=3, freq="10min"),
            "channel": "voice", "skill": "x", "handle_seconds": 60.0}
    return pd.DataFrame({**base, **cols})


def test_a_patience_key_naming_no_queue_is_refused():
    # before: a typo read as "nobody ever hangs up" (abandonment 0 instead of 0.48)
    import pytest

    with pytest.raises(ValueError, match=r"patience_seconds has keys \['voice:xx'\].*voice:x"):
        simulate(_log(), ONE, SHIFT, patience_seconds={"voice:xx": 60}, seed=0)
    simulate(_log(), ONE, SHIFT, patience_seconds={"voice:x": 60, "chat": 30, "chat:x": 9}, seed=0)


def test_breaks_match_roster_ids_across_types_and_unknown_ids_are_refused():
    import pytest

    from routing_ml.errors import FrameError

    fc = FORECAST.iloc[:8]
    roster = pd.DataFrame({"agent_id": [1, 2, 3], "start": pd.Timestamp(DAY + "09:00"),
                           "end": pd.Timestamp(DAY + "13:00")})
    brk = pd.DataFrame({"agent_id": ["1", "2", "3"], "start": pd.Timestamp(DAY + "10:00"),
                        "end": pd.Timestamp(DAY + "11:00")})
    r = simulate(fc, None, roster, breaks=brk, aht_seconds=300, seed=0)
    # before: ids 1 and "1" did not meet, every agent stayed logged in 4 h
    # (an agent finishes the call in hand before its break)
    assert (r.agents["available_seconds"] < 3.5 * 3600).all()
    with pytest.raises(FrameError, match=r"breaks: agents \['11'\] have no shift"):
        simulate(fc, None, roster, breaks=brk.assign(agent_id=[1, 2, 11]), aht_seconds=300)
    with pytest.warns(UserWarning, match="3 of 3 breaks fall in no shift"):
        simulate(fc, None, roster, breaks=brk.assign(start=brk["start"] + pd.Timedelta(days=1),
                                                     end=brk["end"] + pd.Timedelta(days=1)),
                 aht_seconds=300)


def test_contacts_log_inputs_that_contradict_or_lack_columns():
    import pytest

    from routing_ml.errors import FrameError
    from routing_ml.simulation import contacts_from_bank_log

    log = _log().drop(columns="skill").assign(queue=["voice:x", "chat:x", "x"])
    with pytest.raises(FrameError, match=r"1 rows have a 'queue' whose channel.*'chat:x'"):
        simulate(log, ONE, SHIFT, seed=0)  # before: simulated as voice:x
    with pytest.raises(FrameError, match=r"missing columns \['channel'\]"):
        simulate(_log().drop(columns="channel"), None, SHIFT, aht_seconds=60)  # a KeyError
    with pytest.raises(FrameError, match="'priority'.*not whole numbers.*0.9"):
        simulate(_log(priority=[0.9, 1.5, -0.5]), ONE, SHIFT, seed=0)  # truncated to 0, 1, 0
    # a deadline means nothing to a call: a negative one drops no call (before: 2 of 3)
    r = simulate(_log(deadline_seconds=[-1.0, 3600, -5]), ONE, SHIFT, seed=0)
    assert r.summary["arrivals"] == 3 and r.dropped == {}
    calls = pd.DataFrame({"call_id": [1], "type": ["PS"], "vru_exit": [pd.Timestamp(DAY)],
                          "q_time": [1.0], "ser_time": [9.0], "outcome": ["AGENT"],
                          "agent_id": ["X"], "ser_start": [pd.Timestamp(DAY)],
                          "ser_exit": [pd.Timestamp(DAY)], "priority": [0]})
    with pytest.raises(FrameError, match=r"missing columns \['customer_id'\]"):
        contacts_from_bank_log(calls)
    with pytest.raises(FrameError, match=r"missing columns \['date'\]"):
        contacts_from_bank_log(calls.assign(customer_id=1), day=DAY)


def test_patience_is_read_under_its_former_name_with_a_deprecation_warning():
    """``simulate(patience=...)`` became ``patience_seconds=...`` (the unit in the name, as
    everywhere else); the old name still works, with a warning, and never beside the new."""
    import pytest

    from routing_ml.routing import LongestIdleAgent
    from routing_ml.simulation import compare_policies

    oc = ExponentialService(300)
    new = simulate(FORECAST, AGENTS, _shifts(1), outcomes=oc, patience_seconds=300, seed=3)
    with pytest.warns(DeprecationWarning, match="patience_seconds"):
        old = simulate(FORECAST, AGENTS, _shifts(1), outcomes=oc, patience=300, seed=3)
    assert {k: v for k, v in old.summary.items() if k != "wall_time_seconds"} == \
        {k: v for k, v in new.summary.items() if k != "wall_time_seconds"}
    assert old.summary["abandoned"] > 0  # patience was read
    with pytest.raises(TypeError, match="patience_seconds only"):
        simulate(FORECAST, AGENTS, _shifts(1), outcomes=oc, patience=300, patience_seconds=300, seed=3)
    with pytest.raises(TypeError, match="unexpected keyword"):
        simulate(FORECAST, AGENTS, _shifts(1), outcomes=oc, patiense_seconds=300, seed=3)
    with pytest.warns(DeprecationWarning):
        cmp = compare_policies({"lia": LongestIdleAgent()}, FORECAST, AGENTS, _shifts(1), n_replications=2,
                               outcomes=oc, patience=300)
    assert len(cmp.replications) == 2
