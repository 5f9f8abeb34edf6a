"""Review findings (2026-12-01) on the frames and the commands: day-first dates written
with '-' or '.', midnights written as bare dates, the repeated autumn hours of a history
of several years, ids with leading zeros, the route command's arrival dates, outputs
written over inputs or over each other, and ``demo --out`` on a file."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from routing_ml._csv import read_table
from routing_ml.cli import app
from routing_ml.errors import FrameError
from routing_ml.frames import as_datetime_column, check_unique_keys
from routing_ml.routing import Router


def _ds(values: list[str]) -> list[pd.Timestamp]:
    return as_datetime_column(pd.DataFrame({"ds": values}), "ds", frame="f").tolist()


@pytest.mark.parametrize("sep", ["-", "."])
def test_day_first_dates_with_dashes_or_dots_are_read_day_first(sep: str) -> None:
    # 13 cannot be a month: the column is day-first, so 08-01 is 8 January (pandas alone
    # read it as 1 August)
    got = _ds([f"08{sep}01{sep}2024 09:00", f"13{sep}01{sep}2024 09:30"])
    assert got == [pd.Timestamp("2024-01-08 09:00"), pd.Timestamp("2024-01-13 09:30")]
    with pytest.raises(FrameError, match="reads both"):  # 08-01 and 09-01 only: ambiguous
        _ds([f"08{sep}01{sep}2024", f"09{sep}01{sep}2024"])


def test_a_midnight_written_as_a_bare_date_is_read() -> None:
    assert _ds(["2024-01-08 09:00", "2024-01-09"]) == [pd.Timestamp("2024-01-08 09:00"),
                                                        pd.Timestamp("2024-01-09")]
    assert _ds(["13/01/2024 09:00", "14/01/2024"])[1] == pd.Timestamp("2024-01-14")


def test_the_repeated_autumn_hours_of_two_years_are_not_to_be_summed() -> None:
    idx = pd.date_range("2023-10-01", "2024-11-30", freq="1h", tz="UTC")
    local = idx.tz_convert("Europe/Madrid").tz_localize(None)
    with pytest.raises(FrameError, match="Do not sum them") as err:
        check_unique_keys(pd.DataFrame({"unique_id": "a", "ds": local}), ["unique_id", "ds"],
                          frame="history")
    assert "2023-10-29 02:00, 2024-10-27 02:00" in str(err.value)
    assert "groupby" not in str(err.value)


def test_ids_keep_their_leading_zeros(tmp_path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("unique_id,agent_id,contact_id,customer_id,y\n001,007,0042,0012345,3\n")
    row = read_table(path).iloc[0]
    assert (row["unique_id"], row["agent_id"], row["contact_id"], row["customer_id"]) == (
        "001", "007", "0042", "0012345")
    assert row["y"] == 3


def test_route_reads_arrival_dates_as_the_other_frames_do(tmp_path) -> None:
    agents = [{"agent_id": "A1", "skills": {"tax": 3}, "channels": ("voice",)}]
    Router(agents, intent_skills={"ibi": "tax"}).save(tmp_path / "b")
    args = ["route", "--bundle", str(tmp_path / "b"), "--contacts", str(tmp_path / "c.csv"),
            "--out", str(tmp_path / "d.csv")]
    pd.DataFrame({"contact_id": [1, 2], "channel": "voice", "intent": "ibi",
                  "arrival_seconds": ["12/01/2024 09:00", "13/01/2024 09:30"]}
                 ).to_csv(tmp_path / "c.csv", index=False)
    assert CliRunner().invoke(app, args).exit_code == 0
    # 11/01 and 12/01 read both ways: refused, not guessed row by row
    pd.DataFrame({"contact_id": [1, 2], "channel": "voice", "intent": "ibi",
                  "arrival_seconds": ["11/01/2024 09:00", "12/01/2024 09:30"]}
                 ).to_csv(tmp_path / "c.csv", index=False)
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 1 and "reads both" in res.output


def _history(tmp_path) -> str:
    ds = pd.date_range("2024-01-01", periods=28 * 24, freq="1h")
    pd.DataFrame({"unique_id": "a", "ds": ds, "y": 5.0}).to_csv(tmp_path / "h.csv", index=False)
    return str(tmp_path / "h.csv")


def test_forecast_refuses_an_output_over_another_file(tmp_path) -> None:
    h = _history(tmp_path)
    same = str(tmp_path / "same.png")
    res = CliRunner().invoke(app, ["forecast", "--history", h, "--out", same, "--plot", same])
    assert res.exit_code == 1 and "distinct file names" in res.output
    res = CliRunner().invoke(app, ["forecast", "--history", h, "--out", h])
    assert res.exit_code == 1 and "the input --history" in res.output
    assert len(pd.read_csv(h)) == 28 * 24  # the history is intact


def test_staff_refuses_to_write_over_its_forecast(tmp_path) -> None:
    f = tmp_path / "f.csv"
    pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2024-01-08 09:00", periods=4, freq="30min"),
                  "yhat": 50.0}).to_csv(f, index=False)
    res = CliRunner().invoke(app, ["staff", "--forecast", str(f), "--aht-seconds", "300",
                                   "--out", str(f)])
    assert res.exit_code == 1 and "the input --forecast" in res.output


def test_demo_refuses_a_file_as_its_folder(tmp_path) -> None:
    f = tmp_path / "afile"
    f.write_text("")
    res = CliRunner().invoke(app, ["demo", "--out", str(f)])
    assert res.exit_code == 1 and "is a file" in res.output


def test_numeric_timestamps_are_refused_with_an_excel_hint() -> None:
    with pytest.raises(FrameError, match="holds numbers.*unit='D'"):
        as_datetime_column(pd.DataFrame({"ds": [45299.375, 45299.396]}), "ds", frame="f")


@pytest.mark.parametrize(("message", "shown"), [
    ("h=0 must be positive", "--horizon 0 must be positive"),
    ("level=(0,): each level must be a percentage", "--level (0,): each level"),
    ("model='bogus' is unknown", "--model bogus is unknown"),
    ("Fix: e.g. country='ES', subdiv='MD'.", "Fix: e.g. --country ES --subdiv MD."),
    ("interval_minutes must be > 0", "--interval-minutes must be > 0"),
    ("pass aht_seconds=<seconds>", "pass --aht-seconds <seconds>"),
])
def test_python_keyword_hints_are_shown_as_flags(message: str, shown: str) -> None:
    from routing_ml._cli_hints import as_flags

    assert shown in as_flags(message)
