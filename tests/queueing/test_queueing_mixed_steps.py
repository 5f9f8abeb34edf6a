"""A frame mixing 30-minute and hourly queues must not double the hourly queue's traffic."""

from __future__ import annotations

from contextlib import nullcontext

import pandas as pd
import pytest

from routing_ml.queueing import QueueingInputError, staffing_requirements


def _mixed() -> pd.DataFrame:
    a = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2024-01-01 08:00", periods=8,
                                                            freq="30min"), "yhat": 100.0})
    b = pd.DataFrame({"unique_id": "b", "ds": pd.date_range("2024-01-01 08:00", periods=4,
                                                            freq="60min"), "yhat": 200.0})
    return pd.concat([a, b], ignore_index=True)


@pytest.mark.parametrize("interval", [None, 30])
def test_mixed_steps_name_the_coarser_queue(interval):
    with pytest.raises(QueueingInputError, match=r"queue 'b' \(60 min\)") as exc:
        with pytest.warns(UserWarning) if interval is None else nullcontext():
            staffing_requirements(_mixed(), aht_seconds=300, interval_minutes=interval)
    assert "interval_minutes=30" in str(exc.value) and "Fix" in str(exc.value)


def test_mixed_steps_with_the_hourly_step_name_the_finer_queue():
    with pytest.raises(QueueingInputError, match=r"queue 'a' \(30 min\)"):
        staffing_requirements(_mixed(), aht_seconds=300, interval_minutes=60)


def test_each_queue_on_its_own_call_is_consistent():
    df = _mixed()
    alone = staffing_requirements(df[df.unique_id == "b"], aht_seconds=300,
                                  interval_minutes=60)
    assert alone["agents"].max() == 21  # 200 calls/h x 300 s = 16.7 erlangs

