"""Email / web items due after the horizon end are carried over to the next working hours
(within their deadline) and reported, not an infeasible plan."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from routing_ml.queueing import (
    InfeasibleTargetError,
    StaffingTarget,
    deferred_required_agents,
    staffing_requirements,
)

WEB = StaffingTarget(channel="web", deadline_hours=48, working_hours=(8, 20))


def _two_days() -> pd.DataFrame:
    ds = pd.date_range("2024-01-01 00:00", periods=48, freq="h")
    volume = np.where(ds.hour >= 20, 10.0, 2.0)  # 10 items an hour after 20:00
    return pd.DataFrame({"unique_id": "web", "ds": ds, "yhat": volume})


def test_horizon_ending_outside_working_hours_is_feasible_with_backlog():
    req = staffing_requirements(_two_days(), WEB, aht_seconds=360, interval_minutes=60)
    assert (req.loc[req.ds.dt.hour.between(8, 19), "agents"] >= 1).all()
    assert (req.loc[~req.ds.dt.hour.between(8, 19), "agents"] == 0).all()
    backlog = req.attrs["deferred_backlog"]["web"]
    # the 40 items of 20:00-23:00 on the last day wait for the next morning
    assert backlog["items"] == pytest.approx(40.0)
    assert backlog["work_hours"] == pytest.approx(4.0)
    assert backlog["horizon_end"] == "2024-01-03 00:00"


def test_working_after_lets_the_last_items_wait_for_the_next_day():
    working = np.array([True] * 4 + [False] * 4)
    after = np.array([False] * 16 + [True] * 4)  # the next working day
    agents = deferred_required_agents(np.ones(8), 300, 60, 24, working=working,
                                      working_after=after)
    assert agents.tolist() == [1] * 4 + [0] * 4
    # a deadline that the next working day does not reach stays infeasible
    with pytest.raises(InfeasibleTargetError, match="extend the working hours"):
        deferred_required_agents(np.ones(8), 300, 60, 12, working=working,
                                 working_after=after)


def test_items_due_after_the_end_keep_their_deadline_in_the_continued_calendar():
    # 80 items in the last quarter-hour, due in 2 h, working time all along: they may take
    # the 2 h after the end (3.33 agents), not the last quarter-hour alone (26.7 agents,
    # the rule before: "finished by the horizon end when working time is left")
    vol = np.array([0, 0, 0, 0, 0, 0, 0, 80.0])
    with_after = deferred_required_agents(vol, 300, 15, 2, working_after=np.ones(9, bool),
                                          fractional=True)
    np.testing.assert_allclose(with_after, 80 * 300 / (2 * 3600.0))
    # without working_after nothing is assumed after the end (conservative, unchanged)
    base = deferred_required_agents(vol, 300, 15, 2, fractional=True)
    np.testing.assert_allclose(base, 80 * 300 / 900.0)


def test_rows_of_zero_volume_after_the_end_do_not_change_the_staffing():
    # a frame ending at 10:00, and the same frame with the rest of the day at 0 items: the
    # continued calendar is the same working time, so the same level (it was 21 vs 3)
    tgt = StaffingTarget(channel="email", deadline_hours=24, working_hours=(8, 20))
    ds = pd.date_range("2026-03-02 08:00", periods=24, freq="30min")
    vol = [0, 100, 200, 50] + [0] * 20
    short = pd.DataFrame({"unique_id": "mail", "ds": ds[:4], "yhat": vol[:4]})
    long = pd.DataFrame({"unique_id": "mail", "ds": ds, "yhat": vol})
    a = staffing_requirements(short, tgt, aht_seconds=300, interval_minutes=30)
    b = staffing_requirements(long, tgt, aht_seconds=300, interval_minutes=30)
    assert a.agents.max() == b.agents.max() == 3  # 29.2 work hours in 12 working hours
    # 100 items at 19:30 due in 24 h: half an hour today and 11.5 h tomorrow, 1 agent
    late = pd.DataFrame({"unique_id": "mail", "ds": ds, "yhat": [0] * 23 + [100]})
    c = staffing_requirements(late, tgt, aht_seconds=300, interval_minutes=30)
    assert c.agents.max() == 1


def test_occupancy_counts_the_work_done_inside_the_horizon():
    # 10 items of 9 min every half hour around the clock; what is open at midnight is the
    # backlog of the next day, not work of this day's agents (occupancy was 1.2)
    ds = pd.date_range("2026-03-02 00:00", periods=48, freq="30min")
    df = pd.DataFrame({"unique_id": "mail", "ds": ds, "yhat": 10.0})
    r = staffing_requirements(df, StaffingTarget(channel="email", deadline_hours=24,
                                                 working_hours=(8, 20)),
                              aht_seconds=540, interval_minutes=30)
    working = r[r.agents > 0]
    done = 48 * 10 * 540 / 3600.0 - r.attrs["deferred_backlog"]["mail"]["work_hours"]
    capacity = working.net_agents.iloc[0] * len(working) * 0.5
    np.testing.assert_allclose(working.occupancy, done / capacity)
    assert (working.occupancy <= 1.0 + 1e-12).all()


def test_staff_cli_web_forecast_ending_at_night_exits_0_and_reports_backlog(tmp_path):
    from routing_ml.cli import app

    _two_days().to_csv(tmp_path / "f.csv", index=False)
    (tmp_path / "web.yaml").write_text(
        "web: {channel: web, deadline_hours: 48, working_hours: [8, 20], aht_seconds: 240}\n")
    res = CliRunner().invoke(app, ["staff", "--forecast", str(tmp_path / "f.csv"),
                                   "--targets", str(tmp_path / "web.yaml"),
                                   "--interval-minutes", "60", "--out",
                                   str(tmp_path / "r.csv")])
    assert res.exit_code == 0, res.output
    assert "queue web: 40.0 items" in res.output and "horizon end 2024-01-03 00:00" in res.output


def test_a_one_day_plan_staffs_the_days_volume_in_steady_state():
    # 10 items of 5 min every half hour 08:00-20:00: 20 work hours a day in 12 working
    # hours, 2 agents, whether one day or three are planned (the next days bring their
    # own items: carrying work into them is not free capacity)
    tgt = StaffingTarget(channel="email", deadline_hours=24, working_hours=(8, 20))
    one = pd.DataFrame({"unique_id": "mail", "yhat": 10.0,
                        "ds": pd.date_range("2026-03-02 08:00", periods=24, freq="30min")})
    ds3 = pd.date_range("2026-03-02 00:00", periods=48 * 3, freq="30min")
    three = pd.DataFrame({"unique_id": "mail", "ds": ds3,
                          "yhat": np.where((ds3.hour >= 8) & (ds3.hour < 20), 10.0, 0.0)})
    a = staffing_requirements(one, tgt, aht_seconds=300, interval_minutes=30)
    b = staffing_requirements(three, tgt, aht_seconds=300, interval_minutes=30)
    assert a.agents.max() == b.agents.max() == 2
    # around the clock, 72 work hours a day in 12 working hours: 6 agents
    ds = pd.date_range("2026-03-02 00:00", periods=48, freq="30min")
    c = staffing_requirements(pd.DataFrame({"unique_id": "mail", "ds": ds, "yhat": 10.0}), tgt,
                              aht_seconds=540, interval_minutes=30)
    assert c.net_agents.max() == 6
    assert c.attrs["deferred_backlog"]["mail"]["horizon_end"] == "2026-03-03 00:00"


def test_without_working_hours_the_rows_are_the_opening_hours_after_the_end_too():
    # rows 08:00-19:45 only: 200 items 08-18 and 240 items 18-20 a day, 5 min each, 36.7
    # work hours in 12 open hours: 4 agents, as with working_hours=(8, 20). The nights the
    # frame leaves out were closed inside the horizon but worked in its repeat and after
    # its end, so 2 agents (1 day) or 3 (5 days) were enough for the answer
    for days in (1, 5):
        ds = pd.date_range("2024-01-01", periods=days * 96, freq="15min")
        ds = ds[(ds.hour >= 8) & (ds.hour < 20)]
        df = pd.DataFrame({"unique_id": "mail", "ds": ds,
                           "yhat": np.where(ds.hour >= 18, 30.0, 5.0)})
        got = {}
        for hours in (None, (8, 20)):
            r = staffing_requirements(df, StaffingTarget(channel="email", deadline_hours=24,
                                                         working_hours=hours),
                                      aht_seconds=300, interval_minutes=15)
            got[hours] = (r.agents.max(), r.attrs["deferred_backlog"]["mail"]["items"])
        assert got[None] == got[(8, 20)]
        assert got[None][0] * 12 >= 440 * 300 / 3600  # the day's work fits the open hours
