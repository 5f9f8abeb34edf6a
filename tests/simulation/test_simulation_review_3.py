"""Review finding (2026-12-01, second session): contacts arriving during a break were
dropped as "outside opening hours" (the breaks were cut out of the shifts before the
opening hours were read)."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from routing_ml.cli import app
from routing_ml.simulation import compare_policies, simulate

DAY = pd.Timestamp("2024-03-04")


def _inputs():
    shifts = pd.DataFrame({"agent_id": ["a"], "start": [DAY + pd.Timedelta(hours=8)],
                           "end": [DAY + pd.Timedelta(hours=12)]})
    breaks = pd.DataFrame({"agent_id": ["a"], "start": [DAY + pd.Timedelta(hours=10)],
                           "end": [DAY + pd.Timedelta(hours=10, minutes=30)]})
    ts = [DAY + pd.Timedelta(hours=h, minutes=m) for h, m in ((9, 0), (10, 10), (10, 20), (11, 0))]
    contacts = pd.DataFrame({"contact_id": range(4), "ts": ts, "channel": "voice", "skill": "a",
                             "handle_seconds": 60.0})
    agents = pd.DataFrame({"agent_id": ["a"], "skills": [{"a": 3}], "channels": [("voice",)]})
    return contacts, agents, shifts, breaks


def test_a_call_during_a_break_waits_for_the_agent_it_is_not_outside_hours():
    contacts, agents, shifts, breaks = _inputs()
    res = simulate(contacts, agents, shifts, breaks=breaks, outside_hours="drop", seed=0)
    assert res.dropped == {} and res.summary["arrivals"] == 4
    waits = res.contacts.set_index("contact_id")["wait_seconds"]
    assert waits[1] == pytest.approx(20 * 60) and waits[2] == pytest.approx(10 * 60 + 60)
    assert waits[0] == 0 and waits[3] == 0
    # the agent is logged out during the break: nothing starts between 10:00 and 10:30
    starts = res.contacts["ts"] + pd.to_timedelta(res.contacts["wait_seconds"], unit="s")
    assert not ((starts > DAY + pd.Timedelta(hours=10)) & (starts < DAY + pd.Timedelta(hours=10, minutes=30))).any()
    # a call after the shift is still outside opening hours
    late = pd.concat([contacts, contacts.iloc[[0]].assign(contact_id=9, ts=DAY + pd.Timedelta(hours=13))])
    assert simulate(late, agents, shifts, breaks=breaks, outside_hours="drop",
                    seed=0).dropped == {"outside_opening_hours": 1}
    from routing_ml.routing.base import LongestIdleAgent

    cmp = compare_policies({"lia": LongestIdleAgent()}, contacts, agents, shifts,
                           n_replications=2, breaks=breaks, outside_hours="drop")
    assert (cmp.replications["arrivals"] == 4).all()


def test_breaks_need_a_schedule_and_cannot_cover_it_all():
    contacts, agents, shifts, breaks = _inputs()
    with pytest.raises(ValueError, match="breaks need a schedule"):
        simulate(contacts, agents, breaks=breaks)
    with pytest.raises(ValueError, match="cover every minute of every shift"):
        simulate(contacts, agents, shifts, breaks=shifts)


def test_simulate_cli_keeps_break_time_calls(tmp_path):
    contacts, agents, shifts, breaks = _inputs()
    shifts.to_csv(tmp_path / "roster.csv", index=False)
    breaks.to_csv(tmp_path / "roster_breaks.csv", index=False)
    ds = pd.date_range(DAY + pd.Timedelta(hours=8), periods=8, freq="30min")
    pd.DataFrame({"unique_id": "voice", "ds": ds, "yhat": 4.0}).to_csv(tmp_path / "fc.csv", index=False)
    args = ["simulate", "--schedule", str(tmp_path / "roster.csv"), "--forecast", str(tmp_path / "fc.csv"),
            "--aht-seconds", "60", "--replications", "3", "--outside-hours", "drop", "--out"]
    plain = CliRunner().invoke(app, [*args, str(tmp_path / "a")])
    with_breaks = CliRunner().invoke(app, [*args, str(tmp_path / "b"), "--breaks",
                                           str(tmp_path / "roster_breaks.csv")])
    assert plain.exit_code == 0 and with_breaks.exit_code == 0, with_breaks.output
    a = pd.read_csv(tmp_path / "a" / "replications.csv")
    b = pd.read_csv(tmp_path / "b" / "replications.csv")
    assert (a["arrivals"].to_numpy() == b["arrivals"].to_numpy()).all()  # none dropped for the break
