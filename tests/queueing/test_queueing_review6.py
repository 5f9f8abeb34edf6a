"""Review findings (2026-12-01, third session): e-mail staffed as if the weekend after a
Mon-Fri forecast were worked; staff's peak; queue names, handle times and targets files
read silently wrong."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from routing_ml.queueing import StaffingTarget, read_staffing_targets, staffing_requirements
from routing_ml.queueing._validate import QueueingInputError


def _late_items(ds, vol, agents, aht=300.0):
    """Items answered after 24 h when the office works Mon-Fri 08-20 only (FIFO)."""
    cal = pd.date_range(ds[0].normalize() + pd.Timedelta(hours=8),
                        ds[-1].normalize() + pd.Timedelta(days=4, hours=20), freq="30min")
    open_ = (cal.hour >= 8) & (cal.hour < 20) & (cal.dayofweek < 5)
    arrivals = pd.Series(0.0, index=cal)
    arrivals.loc[ds] = vol
    queue, late = [], 0.0
    for t0, a, o in zip(cal, arrivals.to_numpy(), open_, strict=True):
        if a:
            queue.append([t0, a * aht, a])
        cap = agents * 1800.0 if o else 0.0
        while queue and cap > 0:
            take = min(cap, queue[0][1])
            queue[0][1] -= take
            cap -= take
            if queue[0][1] <= 1e-9:
                late += queue[0][2] * (t0 + pd.Timedelta("30min") - queue[0][0] > pd.Timedelta("24h"))
                queue.pop(0)
    return late


@pytest.mark.parametrize("hours", [None, (8, 20)])
def test_email_after_a_monday_to_friday_forecast_waits_for_monday(hours):
    # before: 26 agents (the weekend after the frame worked as the next Monday and
    # Tuesday), 3,456 items late; a closed weekend needs 50
    ds = pd.date_range("2026-12-07 08:00", "2026-12-11 19:30", freq="30min")
    ds = ds[(ds.hour >= 8) & (ds.hour < 20)]
    vol = np.where(ds.dayofweek == 4, 300.0, 100.0)
    frame = pd.DataFrame({"unique_id": "email:multas", "ds": ds, "yhat": vol,
                          "aht_seconds": 300.0})
    target = StaffingTarget(channel="email", deadline_hours=24, working_hours=hours)
    agents = staffing_requirements(frame, target, interval_minutes=30)["net_agents"].max()
    assert _late_items(ds, vol, agents) == 0
    assert _late_items(ds, vol, agents - 1) > 0  # and no more than needed


def _frame(queues, aht=300.0):
    ds = pd.date_range("2026-12-07 08:00", periods=8, freq="30min")
    return pd.DataFrame([(q, t, 40.0, aht) for q in queues for t in ds],
                        columns=["unique_id", "ds", "yhat", "aht_seconds"])


def test_a_queue_prefix_that_is_not_a_channel_is_refused():
    # before: 'Chat:padron' and 'sms:multas' were staffed as voice without a word
    with pytest.raises(QueueingInputError, match=r"'Chat:padron'.*e\.g\. 'chat:padron'"):
        staffing_requirements(_frame(["Chat:padron"]), StaffingTarget(), interval_minutes=30)
    with pytest.raises(QueueingInputError, match=r"'sms'.*not a channel"):
        staffing_requirements(_frame(["sms:multas"]), StaffingTarget(), interval_minutes=30)


def test_minutes_typed_as_seconds_are_flagged_for_chat_and_email_too():
    targets = {"chat:padron": StaffingTarget(channel="chat", concurrency=2),
               "email:multas": StaffingTarget(channel="email", deadline_hours=24)}
    with pytest.warns(UserWarning, match=r"column 'aht_seconds'.*12 seconds.*chat session"):
        staffing_requirements(_frame(["chat:padron", "email:multas"], aht=12.0), targets,
                              interval_minutes=30)


def test_targets_files_with_a_queue_twice_or_clock_times(tmp_path):
    dup = tmp_path / "t.yaml"
    dup.write_text("voice:tributos: {service_level: 0.8}\nvoice:tributos: {service_level: 0.95}\n")
    with pytest.raises(QueueingInputError, match="'voice:tributos' twice"):
        read_staffing_targets(dup)
    dup_csv = tmp_path / "t.csv"
    dup_csv.write_text("unique_id,service_level\nvoice:a,0.8\nvoice:a,0.9\n")
    with pytest.raises(QueueingInputError, match="'voice:a' has two target rows"):
        read_staffing_targets(dup_csv)
    clock = tmp_path / "c.yaml"
    clock.write_text("email:multas: {channel: email, deadline_hours: 24:00, "
                     "working_hours: [8:00, 20:30]}\n")
    t = read_staffing_targets(clock)[0]["email:multas"]
    # before: 24:00 was the base-60 number 1440 hours, and 8:00 / 20:30 480 / 1230
    assert t.deadline_hours == 24.0 and t.working_hours == (8.0, 20.5)


def test_staff_cli_peak_is_the_centres_and_an_overridden_column_is_named(tmp_path):
    from typer.testing import CliRunner

    from routing_ml.cli import app

    path = tmp_path / "f.csv"
    _frame(["voice:a", "voice:b"], aht=420.0).to_csv(path, index=False)
    res = CliRunner().invoke(app, ["staff", "--forecast", str(path), "--out",
                                   str(tmp_path / "r.csv"), "--interval-minutes", "30",
                                   "--aht-seconds", "300"])
    assert res.exit_code == 0, res.output
    out = pd.read_csv(tmp_path / "r.csv")
    at_once = int(out.groupby("ds")["agents"].sum().max())
    assert f"peak {at_once} agents at once" in res.output  # before: one queue's peak
    assert "instead of f.csv's aht_seconds column" in res.output
