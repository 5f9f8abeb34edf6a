"""Review findings (2026-12-01, second session) from a planner chaining the commands on
Spanish spreadsheet exports: day-first dates that read both ways (``--dayfirst``), the
library's warnings as one ``warning:`` line, an input overwritten by ``schedule``, the
simulate plot left unannounced, the ``;;;;`` rows below a table, and a fix's own code
rewritten as a flag."""

from __future__ import annotations

from importlib.resources import files

import pandas as pd
import pytest
from typer.testing import CliRunner

from routing_ml._cli_hints import as_flags
from routing_ml._csv import read_table
from routing_ml.cli import app
from routing_ml.frames import DAYFIRST

EX = files("routing_ml.scheduling") / "examples"


def _forecast_es(path, days=("05/02/2024", "06/02/2024")) -> None:
    rows = [f"voice;{d} {h};{v}" for d in days for h, v in (("08:00", "10,5"), ("08:30", "12"))]
    path.write_text("unique_id;ds;yhat\n" + "\n".join(rows) + "\n", encoding="utf-8")


def test_dayfirst_reads_dates_that_read_both_ways_and_is_named_in_the_refusal(tmp_path):
    _forecast_es(tmp_path / "fc.csv")  # 05/02 and 06/02: February or May?
    args = ["staff", "--forecast", str(tmp_path / "fc.csv"), "--aht-seconds", "280",
            "--interval-minutes", "30", "--out", str(tmp_path / "req.csv")]
    refused = CliRunner().invoke(app, args)
    assert refused.exit_code == 1
    assert "pass --dayfirst before the command" in refused.output and "pd.to_datetime" not in refused.output
    assert not (tmp_path / "req.csv").exists()
    ok = CliRunner().invoke(app, ["--dayfirst", *args])
    assert ok.exit_code == 0, ok.output
    req = pd.read_csv(tmp_path / "req.csv", parse_dates=["ds"], sep=";", decimal=",")
    assert req["ds"].dt.month.eq(2).all() and req["ds"].dt.day.tolist() == [5, 5, 6, 6]
    assert not DAYFIRST.get()  # the flag lasts one command


def test_library_warnings_are_one_warning_line_with_flags(tmp_path):
    (tmp_path / "fc.csv").write_bytes("unique_id;ds;yhat;nota\nvoice;2024-02-05 08:00;10;a\xf1o\n"
                                      "voice;2024-02-05 08:30;12;x\n".encode("cp1252"))
    res = CliRunner().invoke(app, ["staff", "--forecast", str(tmp_path / "fc.csv"), "--aht-seconds",
                                   "280", "--patience-seconds", "2", "--interval-minutes", "30",
                                   "--out", str(tmp_path / "req.csv")])
    assert res.exit_code == 0, res.output
    assert "warning: " + str(tmp_path / "fc.csv") in res.output  # the Windows-1252 notice
    assert "warning: --patience-seconds 2 is below 10 seconds" in res.output
    assert "UserWarning" not in res.output and "_cli.py" not in res.output


def test_schedule_refuses_to_write_over_its_inputs(tmp_path):
    req = tmp_path / "req.csv"
    req.write_bytes((EX / "requirements.csv").read_bytes())
    before = req.read_bytes()
    res = CliRunner().invoke(app, ["schedule", "--requirements", str(req), "--agents",
                                   str(EX / "agents.csv"), "--shifts", str(EX / "shifts.yaml"),
                                   "--time-limit", "1", "--out", str(req)])
    assert res.exit_code == 1
    assert "is also the input --requirements" in res.output
    assert req.read_bytes() == before


def test_simulate_says_it_wrote_the_plot(tmp_path):
    day = pd.Timestamp("2024-02-05")
    pd.DataFrame({"agent_id": ["a", "b"], "start": day + pd.Timedelta(hours=8),
                  "end": day + pd.Timedelta(hours=12)}).to_csv(tmp_path / "roster.csv", index=False)
    ds = pd.date_range(day + pd.Timedelta(hours=8), periods=8, freq="30min")
    pd.DataFrame({"unique_id": "voice", "ds": ds, "yhat": 3.0}).to_csv(tmp_path / "fc.csv", index=False)
    res = CliRunner().invoke(app, ["simulate", "--schedule", str(tmp_path / "roster.csv"), "--forecast",
                                   str(tmp_path / "fc.csv"), "--aht-seconds", "240", "--replications",
                                   "2", "--out", str(tmp_path / "sim"), "--plot", str(tmp_path / "sl.png")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "sl.png").exists() and f"and {tmp_path / 'sl.png'}" in res.output


def test_empty_spreadsheet_rows_below_the_table_are_dropped(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text("unique_id;ds;y\nvoice;2024-02-05 08:00;3\nvoice;2024-02-05 08:30;4\n;;\n;;\n",
                 encoding="utf-8")
    df = read_table(p)
    assert len(df) == 2 and df["y"].tolist() == [3, 4]


def test_a_fix_written_as_code_keeps_its_keyword():
    msg = "Fix: rows['ds'] += pd.to_timedelta(rows.groupby(level=0).cumcount() * 15, unit='min')"
    assert as_flags(msg) == msg
    assert as_flags("level=(5, 200): each level must be a percentage") \
        .startswith("--level (5, 200)")


@pytest.mark.parametrize("unavailable, days", [("08/12/2026;13/12/2026", [1, 6]), ("Sun", [6])])
def test_agents_unavailable_dates_may_be_written_day_first(unavailable, days):
    from routing_ml.scheduling import RosterRules, ShiftTemplate, prepare_problem
    from scheduling.scheduling_helpers import requirements

    day = ShiftTemplate(name="day", start_minutes=8 * 60, lengths_minutes=(480,))
    req = requirements([(8, 16, 1)], days=range(7))
    agents = pd.DataFrame({"agent_id": ["a"], "unavailable": [unavailable]})
    with pytest.warns(UserWarning):  # (the days off leave hours uncovered)
        p = prepare_problem(req, agents, [day], RosterRules())
    assert sorted(p.agents[0].unavailable_days) == days


def test_forecast_carries_the_history_handle_time_to_staff(tmp_path):
    import numpy as np

    rng = np.random.default_rng(0)
    ds = pd.date_range("2024-01-08", "2024-01-27", freq="30min")
    ds = ds[(ds.dayofweek < 5) & (ds.hour >= 8) & (ds.hour < 18)]
    y = rng.poisson(8, len(ds))
    aht = np.where(y > 0, np.where(ds.hour < 12, 240.0, 360.0), np.nan)  # mornings shorter
    pd.DataFrame({"unique_id": "voice", "ds": ds, "y": y, "aht_seconds": aht}).to_csv(
        tmp_path / "h.csv", index=False)
    res = CliRunner().invoke(app, ["forecast", "--history", str(tmp_path / "h.csv"), "--horizon",
                                   "1w", "--country", "", "--freq", "30min", "--out",
                                   str(tmp_path / "fc.csv")])
    assert res.exit_code == 0, res.output
    assert "aht_seconds forecast per queue" in res.output
    fc = pd.read_csv(tmp_path / "fc.csv", parse_dates=["ds"])
    morning = fc.loc[fc["ds"].dt.hour < 12, "aht_seconds"]
    afternoon = fc.loc[fc["ds"].dt.hour >= 12, "aht_seconds"]
    assert morning.notna().all() and afternoon.notna().all()
    # (each slot is shrunk a little towards the queue's mean: empirical Bayes)
    assert morning.between(235, 265).all() and afternoon.between(335, 365).all()
    staffed = CliRunner().invoke(app, ["staff", "--forecast", str(tmp_path / "fc.csv"),
                                       "--interval-minutes", "30", "--out", str(tmp_path / "r.csv")])
    assert staffed.exit_code == 0, staffed.output  # no --aht-seconds needed


def test_spaces_around_header_names_are_trimmed(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text("unique_id ; ds;y \n001;2024-02-05 08:00;3\n", encoding="utf-8")
    df = read_table(p)
    assert list(df.columns) == ["unique_id", "ds", "y"]
    assert df["unique_id"].tolist() == ["001"]  # an id stays text under a spaced header too


def test_forecast_handle_time_survives_quiet_intervals_and_names_queues_without_one(tmp_path):
    """Review 2026-12-01: the handle-time model was fit on the rows with a handle time only,
    so an open interval that never had a call (no handle time) was closed in its calendar,
    the predict refused the volume forecast's rows and every queue lost its AHT silently
    (the bundled bank history did)."""
    import numpy as np

    rng = np.random.default_rng(1)
    ds = pd.date_range("2024-01-08", "2024-01-27 23:30", freq="30min")
    ds = ds[(ds.hour >= 7) & (ds.hour < 18)]
    frames = []
    for q in ("voice", "chat"):
        y = np.where(ds.hour == 7, 0, rng.poisson(6, len(ds)))  # 07:00-08:00 always quiet
        served = np.maximum(y - 1, 0)
        aht = np.where(served > 0, 300.0, np.nan) if q == "voice" else np.nan
        frames.append(pd.DataFrame({"unique_id": q, "ds": ds, "y": y, "served": served,
                                    "aht_seconds": aht}))
    pd.concat(frames).to_csv(tmp_path / "h.csv", index=False)
    res = CliRunner().invoke(app, ["forecast", "--history", str(tmp_path / "h.csv"), "--horizon",
                                   "1w", "--country", "", "--freq", "30min", "--out",
                                   str(tmp_path / "fc.csv")])
    assert res.exit_code == 0, res.output
    fc = pd.read_csv(tmp_path / "fc.csv", parse_dates=["ds"])
    voice = fc.loc[fc["unique_id"] == "voice"]
    assert (voice["ds"].dt.hour == 7).any()  # the quiet hour is in the volume forecast
    assert voice["aht_seconds"].notna().all()
    assert np.allclose(voice["aht_seconds"], 300.0)
    assert fc.loc[fc["unique_id"] == "chat", "aht_seconds"].isna().all()
    assert "no handle time in the history of ['chat']" in res.output
    assert "not read" not in res.output  # 'served' weights the handle times
