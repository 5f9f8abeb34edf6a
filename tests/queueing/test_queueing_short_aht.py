"""A handle time below 10 s on voice / chat warns (minutes typed as seconds?), no error."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from typer.testing import CliRunner

from routing_ml.queueing import (
    StaffingTarget,
    chat_required_agents,
    required_agents,
    staffing_requirements,
)

MSG = r"did you give minutes\? aht_seconds=5 means 5 seconds"


def _frame(aht: float | None = None) -> pd.DataFrame:
    df = pd.DataFrame({"unique_id": "voice", "ds": pd.date_range("2024-01-01 08:00",
                                                                 periods=4, freq="30min"),
                       "yhat": [0.0, 100.0, 300.0, 50.0]})
    if aht is not None:
        df["aht_seconds"] = aht
        df.loc[0, "aht_seconds"] = 1.0  # no contacts there: not a handle time to judge
    return df


def test_required_agents_with_seconds_meant_as_minutes_warns():
    with pytest.warns(UserWarning, match=r"aht_seconds=3 .*did you give minutes\?"):
        assert required_agents(100, 3, 30) >= 1
    with pytest.warns(UserWarning, match=MSG):
        chat_required_agents(100, 5, 30, 2)


def test_staffing_requirements_column_of_5_seconds_warns_once():
    # the column is named as the source (not aht_seconds=5: the fix is in the data)
    column = r"column 'aht_seconds' has handle times down to 5 seconds.*did you give minutes"
    with pytest.warns(UserWarning, match=column) as record:
        staffing_requirements(_frame(aht=5.0), interval_minutes=30)
    assert sum("did you give minutes" in str(w.message) for w in record) == 1
    assert record[0].filename == __file__


def test_plausible_or_deferred_handle_times_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        staffing_requirements(_frame(aht=300.0), interval_minutes=30)  # row 0: AHT 1, no calls
        required_agents(100, 10, 30)
        email = _frame().assign(unique_id="email")  # (a queue named voice would warn)
        staffing_requirements(email, StaffingTarget(channel="email", deadline_hours=24),
                              aht_seconds=240, interval_minutes=30)
    # an e-mail handled in 5 seconds is minutes typed as seconds too (review 2026-12-01:
    # deferred work was never checked)
    with pytest.warns(UserWarning, match=r"aht_seconds=5 .*below 30 seconds for a chat"):
        staffing_requirements(email, StaffingTarget(channel="email", deadline_hours=24),
                              aht_seconds=5, interval_minutes=30)


def test_staff_cli_prints_the_warning_and_still_writes(tmp_path):
    from routing_ml.cli import app

    _frame().to_csv(tmp_path / "f.csv", index=False)
    res = CliRunner().invoke(app, ["staff", "--forecast", str(tmp_path / "f.csv"),
                                   "--aht-seconds", "5", "--interval-minutes", "30",
                                   "--out", str(tmp_path / "r.csv")])
    assert res.exit_code == 0, res.output
    assert "warning: --aht-seconds 5" in res.output and "did you give minutes?" in res.output
