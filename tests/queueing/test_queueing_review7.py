"""Queueing defects found in review (session of 2 December): each test failed before its
fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from routing_ml.queueing import (
    QueueingInputError,
    StaffingTarget,
    read_staffing_targets,
    required_agents,
    staffing_requirements,
)


def test_an_array_of_handle_times_is_refused_not_put_on_other_rows():
    # the frame is re-sorted by unique_id: an array in the caller's row order gave queue a
    # queue b's handle time (a = 40 agents, b = 5 instead of 5 and 40)
    ds = pd.Timestamp("2024-01-01 08:00")
    f = pd.DataFrame({"unique_id": ["b", "a"], "ds": [ds, ds], "yhat": [100.0, 100.0]})
    for values in (np.array([600.0, 60.0]), pd.Series([600.0, 60.0], index=f.index), [600.0, 60.0]):
        with pytest.raises(QueueingInputError, match="put them in a column of the forecast frame"):
            staffing_requirements(f, aht_seconds=values, interval_minutes=30)
    r = staffing_requirements(f.assign(aht=[600.0, 60.0]), aht_seconds="aht", interval_minutes=30)
    got = r.set_index("unique_id")["agents"]
    assert got["a"] == required_agents(100, 60, 30) and got["b"] == required_agents(100, 600, 30)


def test_a_non_numeric_handle_time_in_a_mapping_names_the_queue():
    f = pd.DataFrame({"unique_id": ["a"], "ds": [pd.Timestamp("2024-01-01 08:00")], "yhat": [10.0]})
    with pytest.raises(QueueingInputError, match="queue 'a' has 'abc', not a number of seconds"):
        staffing_requirements(f, aht_seconds={"a": "abc"}, interval_minutes=30)


@pytest.mark.parametrize("start, days", [("2024-01-03", 4), ("2024-01-03", 5), ("2024-01-03", 7)])
def test_email_days_outside_a_short_frame_are_not_closed(start, days):
    # a 24/7 e-mail queue, 50 items at 22:00 every day: a Wednesday-Sunday frame took
    # Monday and Tuesday as closed and staffed 25 agents against 3 for 4 or 7 days
    ds = pd.date_range(start, periods=24 * days, freq="h")
    f = pd.DataFrame({"unique_id": "email", "ds": ds, "yhat": np.where(ds.hour == 22, 50.0, 0.0)})
    r = staffing_requirements(f, StaffingTarget(channel="email", deadline_hours=24), aht_seconds=3600,
                              interval_minutes=60)
    assert r["net_agents"].max() == 3


def test_a_working_week_frame_still_closes_its_weekend():
    # Monday-Friday rows: Saturday and Sunday are closed, Friday's late items are done Friday
    ds = pd.date_range("2024-01-01", periods=24 * 5, freq="h")
    f = pd.DataFrame({"unique_id": "email", "ds": ds, "yhat": np.where(ds.hour == 22, 50.0, 0.0)})
    r = staffing_requirements(f, StaffingTarget(channel="email", deadline_hours=24), aht_seconds=3600,
                              interval_minutes=60)
    assert r["net_agents"].max() > 10


def test_channel_fields_of_the_defaults_do_not_follow_a_queue_of_another_channel(tmp_path):
    (tmp_path / "chat.yaml").write_text('"*": {channel: chat, concurrency: 3}\nvoice_q: {channel: voice}\n')
    (tmp_path / "email.yaml").write_text('"*": {channel: email, deadline_hours: 24, working_hours: [8, 20]}\n'
                                         'phone: {channel: voice}\nweb_q: {channel: web}\n')
    targets, _ = read_staffing_targets(tmp_path / "chat.yaml")
    assert targets["voice_q"].concurrency == 1 and targets["*"].concurrency == 3
    targets, _ = read_staffing_targets(tmp_path / "email.yaml")
    assert targets["phone"].working_hours is None and targets["phone"].deadline_hours is None
    # another deferrable channel keeps them
    assert targets["web_q"].deadline_hours == 24 and targets["web_q"].working_hours == (8.0, 20.0)


def test_integer_queue_ids_come_back_as_integers_in_numeric_order():
    ds = pd.date_range("2024-01-01 08:00", periods=2, freq="30min")
    f = pd.DataFrame({"unique_id": np.repeat([10, 2], 2), "ds": np.tile(ds, 2), "yhat": 50.0})
    r = staffing_requirements(f, aht_seconds=300, interval_minutes=30)
    assert r["unique_id"].dtype == f["unique_id"].dtype and r["unique_id"].tolist() == [2, 2, 10, 10]
    assert len(f.merge(r, on=["unique_id", "ds"])) == 4


def test_messaging_keeps_the_concurrency_of_the_defaults(tmp_path):
    # messaging holds several sessions as chat does: '*' concurrency must reach it
    (tmp_path / "m.yaml").write_text('"*": {channel: messaging, concurrency: 3}\nq1: {service_level: 0.8}\n'
                                     'c1: {channel: chat}\n')
    targets, _ = read_staffing_targets(tmp_path / "m.yaml")
    assert targets["q1"].channel == "messaging" and targets["q1"].concurrency == 3
    assert targets["c1"].concurrency == 3
