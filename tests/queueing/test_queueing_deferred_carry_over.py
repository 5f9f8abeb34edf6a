"""Email / web items arriving after the horizon's last working time are carried over to the
next working hours (within their deadline) and reported, not an infeasible plan."""

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


def test_items_with_working_time_left_are_still_finished_by_the_horizon_end():
    # all working: nothing is carried, the level is the one without working_after
    vol = np.array([0, 0, 0, 0, 0, 0, 0, 80.0])
    base = deferred_required_agents(vol, 300, 15, 2, fractional=True)
    with_after = deferred_required_agents(vol, 300, 15, 2, working_after=np.ones(9, bool),
                                          fractional=True)
    np.testing.assert_allclose(with_after, base)


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
