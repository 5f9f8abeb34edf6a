"""Review findings on the forecast -> staff -> schedule chain (2026-11-30): a trailing
zero row that doubled the roster horizon, targets for a misspelt queue, channel settings
on the wrong channel, blank queue ids, check_roster on the CSVs the CLI writes, and YAML
times written as bare numbers."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from routing_ml.cli import app
from routing_ml.errors import FrameError
from routing_ml.queueing import QueueingInputError, StaffingTarget, staffing_requirements
from routing_ml.scheduling import (
    SolverConfig,
    build_roster,
    check_roster,
    load_rules_yaml,
    load_shifts_yaml,
    prepare_problem,
)
from routing_ml.scheduling._base import ScheduleInputError

EX = Path(__file__).resolve().parents[2] / "src" / "routing_ml" / "scheduling" / "examples"


def _forecast() -> pd.DataFrame:
    ds = pd.date_range("2026-12-07 08:00", periods=8, freq="30min")
    return pd.DataFrame({"unique_id": "voice", "ds": ds, "yhat": 50.0, "aht_seconds": 300.0})


def test_a_trailing_row_of_zeros_does_not_add_a_week():
    # a forecast with both ends included ends with next Monday 00:00 at 0 agents: the roster
    # planned two weeks, the second full of paid shifts covering nothing
    req = pd.read_csv(EX / "requirements.csv", parse_dates=["ds"])
    monday = req["ds"].min().normalize() + pd.Timedelta(days=7)
    tail = pd.DataFrame({"unique_id": ["voice"], "ds": [monday], "agents": [0]})
    agents = pd.read_csv(EX / "agents.csv", dtype=str)
    shifts = load_shifts_yaml(EX / "shifts.yaml")
    rules, weights = load_rules_yaml(EX / "shifts.yaml")
    p = prepare_problem(pd.concat([req, tail]), agents, shifts, rules, weights)
    assert p.n_weeks == 1
    assert any("list only zero requirements" in n and "weeks=2" in n for n in p.notes)
    assert prepare_problem(pd.concat([req, tail]), agents, shifts, rules, weights, weeks=2).n_weeks == 2


def test_targets_for_a_misspelt_queue_are_an_error_and_unknown_ones_a_warning():
    with pytest.raises(QueueingInputError, match=r"queue 'Voice', which is not in the forecast.*"
                                                 r"name it 'voice'"):
        staffing_requirements(_forecast(), {"Voice": StaffingTarget(service_level=0.9),
                                            "*": StaffingTarget()}, interval_minutes=30)
    with pytest.warns(UserWarning, match=r"not in the forecast are not used: \['email'\]"):
        staffing_requirements(_forecast(), {"email": StaffingTarget(), "*": StaffingTarget()},
                              interval_minutes=30)


def test_channel_settings_of_another_channel_are_refused():
    with pytest.raises(QueueingInputError, match="concurrency=3 applies to chat"):
        StaffingTarget(concurrency=3)
    with pytest.raises(QueueingInputError, match="working_hours applies to email"):
        StaffingTarget(working_hours=(8, 20))
    StaffingTarget(channel="chat", concurrency=3)
    StaffingTarget(channel="email", deadline_hours=24, working_hours=(8, 20))


def test_blank_queue_ids_are_an_error_not_a_queue_named_nan():
    f = _forecast()
    f.loc[2, "unique_id"] = None
    with pytest.raises(FrameError, match=r"1 missing or blank queue id"):
        staffing_requirements(f, StaffingTarget(), interval_minutes=30)
    f.loc[2, "unique_id"] = "  "
    with pytest.raises(FrameError, match=r"missing or blank queue id"):
        staffing_requirements(f, StaffingTarget(), interval_minutes=30)


def test_check_roster_reads_the_csvs_the_schedule_cli_writes(tmp_path):
    args = ["schedule", "--requirements", str(EX / "requirements.csv"), "--agents",
            str(EX / "agents.csv"), "--shifts", str(EX / "shifts.yaml"), "--time-limit", "3",
            "--workers", "1", "--out", str(tmp_path / "roster.csv")]
    assert CliRunner().invoke(app, args).exit_code == 0
    req = pd.read_csv(EX / "requirements.csv", parse_dates=["ds"])
    p = prepare_problem(req, pd.read_csv(EX / "agents.csv", dtype=str),
                        load_shifts_yaml(EX / "shifts.yaml"), *load_rules_yaml(EX / "shifts.yaml"))
    roster, breaks = pd.read_csv(tmp_path / "roster.csv"), pd.read_csv(tmp_path / "roster_breaks.csv")
    assert check_roster(roster, breaks, p).empty  # it raised TypeError on the text timestamps
    with pytest.raises(FrameError, match=r"check_roster: roster is missing columns \['start'\]"):
        check_roster(roster.drop(columns="start"), breaks, p)
    # the same roster rebuilt in Python agrees
    res = build_roster(req, pd.read_csv(EX / "agents.csv", dtype=str),
                       load_shifts_yaml(EX / "shifts.yaml"), load_rules_yaml(EX / "shifts.yaml")[0],
                       config=SolverConfig(time_limit_seconds=3, num_workers=1))
    assert check_roster(res.roster, res.breaks, p).empty


def test_yaml_times_are_text_and_a_bare_number_is_an_error(tmp_path):
    ok = tmp_path / "ok.yaml"
    ok.write_text("shifts:\n  - {name: early, start: 07:30, lengths_hours: [8], breaks: "
                  "[{name: lunch, minutes: 30, window: [03:30, '05:00']}]}\n")
    (t,) = load_shifts_yaml(ok)  # unquoted 07:30 is read as a time, not YAML's base 60
    assert t.start_minutes == 450 and t.breaks[0].earliest_offset_minutes == 210
    bad = tmp_path / "bad.yaml"
    bad.write_text("shifts:\n  - {name: late, start: 15, lengths_hours: [8]}\n")
    with pytest.raises(ScheduleInputError, match=r"start must be a time 'HH:MM', got the number "
                                                 r"15.*e.g. '15:00'"):
        load_shifts_yaml(bad)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_shifts_yaml(EX / "shifts.yaml")


def test_an_impossible_email_deadline_names_the_queue_and_the_time():
    # with several e-mail queues, "interval 0 (of 48)" did not say which one, nor when
    from routing_ml.queueing import InfeasibleTargetError

    ds = pd.date_range("2026-12-07 00:00", periods=48, freq="30min")
    f = pd.DataFrame({"unique_id": "email:tax", "ds": ds, "yhat": 5.0, "aht_seconds": 300.0})
    target = StaffingTarget(channel="email", deadline_hours=4, working_hours=(8, 20))
    with pytest.raises(InfeasibleTargetError, match=r"^queue 'email:tax' \(2026-12-07 00:00\): "
                                                    r"items arriving in interval 0"):
        staffing_requirements(f, target, interval_minutes=30)


def test_a_patience_that_looks_like_minutes_warns():
    with pytest.warns(UserWarning, match=r"patience_seconds=2 is below 10 seconds.*"
                                         r"patience_seconds=120"):
        StaffingTarget(patience_seconds=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        StaffingTarget(patience_seconds=120)
