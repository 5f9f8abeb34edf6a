"""Shrinkage in the simulator (agents logged out beyond their breaks), and inputs whose
queues no agent serves at all."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from routing_ml.errors import FrameError
from routing_ml.simulation import simulate
from routing_ml.simulation._api import _with_shrinkage

DAY = pd.Timestamp("2024-03-04")


def _shifts(n_agents: int, start: str = "09:10", end: str = "17:10") -> pd.DataFrame:
    return pd.DataFrame({"agent_id": [f"A{i}" for i in range(n_agents)],
                         "start": DAY + pd.Timedelta(start + ":00"),
                         "end": DAY + pd.Timedelta(end + ":00")})


def _seconds(frame: pd.DataFrame) -> float:
    return float((frame["end"] - frame["start"]).dt.total_seconds().sum())


def test_shrinkage_cuts_shifts_at_the_intervals_and_leaves_out_that_share():
    shifts = _shifts(200)
    kept = _with_shrinkage(shifts, 0.3, 30, np.random.default_rng(0))
    # every piece lies within its agent's shift, and starts and ends on the 30-minute grid
    # except where the shift itself starts or ends (09:10, 17:10)
    merged = kept.merge(shifts, on="agent_id", suffixes=("", "_shift"))
    assert (merged["start"] >= merged["start_shift"]).all()
    assert (merged["end"] <= merged["end_shift"]).all()
    inner_start = merged["start"] != merged["start_shift"]
    assert (merged.loc[inner_start, "start"].dt.minute % 30 == 0).all()
    inner_end = merged["end"] != merged["end_shift"]
    assert (merged.loc[inner_end, "end"].dt.minute % 30 == 0).all()
    # 200 shifts of 8 h: 09:10-09:30, 15 half hours, 17:00-17:10 = 17 pieces each; each left
    # out with probability 0.3: the share of time kept is 0.7 within a few standard errors
    assert len(shifts) * 17 >= len(kept)
    share = _seconds(kept) / _seconds(shifts)
    assert abs(share - 0.7) < 4 * np.sqrt(0.3 * 0.7 / (200 * 17)) * 1.5
    # reproducible, and 0 leaves the shifts whole (in pieces)
    again = _with_shrinkage(shifts, 0.3, 30, np.random.default_rng(0))
    pd.testing.assert_frame_equal(kept, again)
    whole = _with_shrinkage(shifts, 0.0, 30, np.random.default_rng(0))
    assert _seconds(whole) == _seconds(shifts)


def test_simulated_shrinkage_logs_agents_out_and_keeps_the_arrivals():
    forecast = pd.DataFrame({"unique_id": "voice:a",
                             "ds": pd.date_range(DAY + pd.Timedelta("09:00:00"), periods=16,
                                                 freq="30min"),
                             "yhat": 60.0})
    agents = pd.DataFrame({"agent_id": [f"A{i}" for i in range(20)],
                           "skills": [{"a": 3}] * 20, "channels": [("voice",)] * 20,
                           "max_concurrency": 1})
    shifts = _shifts(20, "09:00", "17:00")
    full = simulate(forecast, agents, shifts, aht_seconds=300, patience_seconds=180, seed=3)
    thin = simulate(forecast, agents, shifts, aht_seconds=300, patience_seconds=180, seed=3,
                    shrinkage=0.3)
    # the same arrivals (own random stream), fewer agent-seconds logged in, worse service
    assert thin.summary["arrivals"] == full.summary["arrivals"]
    assert thin.conservation_holds() and full.conservation_holds()
    avail_full = full.agents["available_seconds"].sum()
    avail_thin = thin.agents["available_seconds"].sum()
    # 20 agents x 16 half hours: the share kept is 0.7 within a few standard errors
    assert abs(avail_thin / avail_full - 0.7) < 4 * np.sqrt(0.21 / 320) + 0.02
    assert thin.summary["service_level"] < full.summary["service_level"]
    assert thin.summary["occupancy_mean"] > full.summary["occupancy_mean"]
    # same seed, same result
    again = simulate(forecast, agents, shifts, aht_seconds=300, patience_seconds=180, seed=3,
                     shrinkage=0.3)
    drop = {"wall_time_seconds"}
    assert ({k: v for k, v in again.summary.items() if k not in drop}
            == {k: v for k, v in thin.summary.items() if k not in drop})


@pytest.mark.parametrize("bad", [-0.1, 1.0, float("nan"), "0.3", True])
def test_bad_shrinkage_is_named(bad):
    forecast = pd.DataFrame({"unique_id": "voice:a", "ds": [DAY, DAY + pd.Timedelta("30min")],
                             "yhat": 5.0})
    with pytest.raises(ValueError, match="shrinkage must be a share in"):
        simulate(forecast, schedule=_shifts(2, "00:00", "01:00"), shrinkage=bad)
    agents = pd.DataFrame({"agent_id": ["A0"], "skills": [{"a": 3}], "channels": [("voice",)],
                           "max_concurrency": 1})
    with pytest.raises(ValueError, match="shrinkage needs a schedule"):
        simulate(forecast, agents, None, shrinkage=0.2)


def test_contacts_no_agent_can_serve_at_all_are_an_error_naming_both_sides():
    # the README chain's mistake: a forecast of queue 'bank' against a roster of 'voice'
    # agents simulated nothing for 23 years and printed a service level of 0.000
    forecast = pd.DataFrame({"unique_id": "voice:bank",
                             "ds": pd.date_range(DAY + pd.Timedelta("09:00:00"), periods=4,
                                                 freq="30min"),
                             "yhat": 10.0})
    agents = pd.DataFrame({"agent_id": ["A0", "A1"], "skills": [{"padron": 3}] * 2,
                           "channels": [("voice",)] * 2, "max_concurrency": 1})
    with pytest.raises(FrameError, match=r"no scheduled agent can serve any of the .* "
                                         r"contacts.*voice:bank.*voice:padron"):
        simulate(forecast, agents, _shifts(2, "09:00", "11:00"), seed=0)
    # one queue served, one not: simulated, and the unserved one reported
    both = pd.concat([forecast, forecast.assign(unique_id="voice:padron")])
    with pytest.warns(UserWarning, match="no scheduled agent can serve"):
        res = simulate(both, agents, _shifts(2, "09:00", "11:00"), seed=0)
    assert "voice:bank" in res.issues["queues_without_agents"]
