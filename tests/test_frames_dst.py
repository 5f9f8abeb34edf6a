"""Duplicates from an autumn daylight-saving change are not to be summed."""

from __future__ import annotations

import pandas as pd
import pytest

from routing_ml.errors import FrameError
from routing_ml.frames import validate_volumes


def test_autumn_dst_repeated_hour_does_not_suggest_summing():
    # a 24-hour queue recorded in UTC, converted to Madrid time with the zone dropped:
    # 2024-10-27 02:00-02:45 happens twice (the clock goes back at 03:00 CEST)
    utc = pd.date_range("2024-10-26 20:00", "2024-10-27 06:00", freq="15min", tz="UTC")
    local = utc.tz_convert("Europe/Madrid").tz_localize(None)
    df = pd.DataFrame({"unique_id": "q112", "ds": local, "y": 40.0})
    with pytest.raises(FrameError, match=r"(?s)2024-10-27 02:00.*daylight-saving.*UTC") as exc:
        validate_volumes(df)
    assert "groupby" not in str(exc.value)


def test_other_duplicates_still_suggest_aggregating():
    # the same repeated-hour shape on a Tuesday afternoon is a double export
    ds = pd.date_range("2024-10-29 14:00", periods=4, freq="15min")
    df = pd.DataFrame({"unique_id": "q", "ds": ds.append(ds), "y": 1.0})
    with pytest.raises(FrameError, match="groupby"):
        validate_volumes(df)


def test_timezone_aware_hint_warns_about_the_dst_hour():
    df = pd.DataFrame({"unique_id": "q", "ds": pd.date_range(
        "2024-01-08 09:00", periods=3, freq="1h", tz="Europe/Madrid"), "y": 1.0})
    with pytest.raises(FrameError, match=r"(?s)time-zone aware.*daylight-saving.*UTC"):
        validate_volumes(df)
