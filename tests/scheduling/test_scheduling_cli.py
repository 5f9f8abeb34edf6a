"""`routing-ml schedule` through typer's CliRunner."""

from __future__ import annotations

from importlib.resources import files

import pandas as pd
from typer.testing import CliRunner

from routing_ml.cli import app

EX = files("routing_ml.scheduling") / "examples"


def _args(tmp_path, **over):
    args = {"--requirements": str(EX / "requirements.csv"), "--agents": str(EX / "agents.csv"),
            "--shifts": str(EX / "shifts.yaml"), "--weeks": "1", "--time-limit": "3", "--workers": "1",
            "--out": str(tmp_path / "roster.csv"), "--plot": str(tmp_path / "roster.png")}
    args.update(over)
    return ["schedule", *[x for kv in args.items() for x in kv]]


def test_schedule_writes_roster_coverage_and_plots(tmp_path):
    result = CliRunner().invoke(app, _args(tmp_path))
    assert result.exit_code == 0, result.output
    assert "hard-rule violations: 0" in result.output and "over-assignment" in result.output
    assert "gap:" in result.output and "bound:" in result.output and "solver: " in result.output
    roster = pd.read_csv(tmp_path / "roster.csv")
    assert list(roster.columns[:5]) == ["agent_id", "date", "start", "end", "breaks"]
    assert len(roster) > 0 and set(roster["agent_id"]) <= {"ana", "ben", "carla", "dario", "eva", "femi", "gus", "hana"}
    cov = pd.read_csv(tmp_path / "roster_coverage.csv")
    assert list(cov.columns) == ["unique_id", "ds", "required", "scheduled", "gap"]
    assert len(cov) == len(pd.read_csv(EX / "requirements.csv"))
    for png in ("roster.png", "roster_gantt.png"):
        data = (tmp_path / png).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_schedule_bad_input_exits_1(tmp_path):
    req = pd.read_csv(EX / "requirements.csv")
    req.loc[3, "agents"] = -1
    bad = tmp_path / "req.csv"
    req.to_csv(bad, index=False)
    result = CliRunner().invoke(app, _args(tmp_path, **{"--requirements": str(bad)}))
    assert result.exit_code == 1
    assert "negative values" in result.output


def test_schedule_infeasible_exits_2_with_reason(tmp_path):
    ag = pd.read_csv(EX / "agents.csv", dtype=str)
    ag.loc[ag.agent_id == "ben", "min_hours_per_week"] = "40"
    ag.loc[ag.agent_id == "ben", "unavailable"] = "Mon;Tue;Wed"
    path = tmp_path / "agents.csv"
    ag.to_csv(path, index=False)
    result = CliRunner().invoke(app, _args(tmp_path, **{"--agents": str(path)}))
    assert result.exit_code == 2
    assert "agent 'ben'" in result.output and "min_hours_per_week=40" in result.output
    # the partial plan is written, under a name no publishing step reads as a roster
    assert (tmp_path / "roster_PARTIAL.csv").exists() and not (tmp_path / "roster.csv").exists()
    assert (tmp_path / "roster_coverage_PARTIAL.csv").exists()
    assert "PARTIAL plan, not a roster to publish" in result.output


def test_schedule_writes_breaks_that_simulate_reads_and_keeps_agent_ids(tmp_path):
    ag = pd.read_csv(EX / "agents.csv", dtype=str)
    ag.loc[ag.agent_id == "ana", "agent_id"] = "007"  # a leading zero is part of the id
    path = tmp_path / "agents.csv"
    ag.to_csv(path, index=False)
    result = CliRunner().invoke(app, _args(tmp_path, **{"--agents": str(path)}))
    assert result.exit_code == 0, result.output
    roster = pd.read_csv(tmp_path / "roster.csv", dtype={"agent_id": str})
    assert "007" in set(roster["agent_id"]) and "7" not in set(roster["agent_id"])
    brk = pd.read_csv(tmp_path / "roster_breaks.csv", dtype={"agent_id": str})
    assert list(brk.columns) == ["agent_id", "date", "break", "start", "end", "paid"]
    assert len(brk) > 0 and set(brk["agent_id"]) <= set(roster["agent_id"])
    # the roster goes to the simulator: without --breaks it warns, with them it does not
    day = pd.Timestamp(roster["date"].min())
    ds = pd.date_range(day + pd.Timedelta(hours=9), day + pd.Timedelta(hours=16, minutes=45), freq="15min")
    pd.DataFrame({"unique_id": "voice:general", "ds": ds, "yhat": 2.0}).to_csv(tmp_path / "fc.csv", index=False)
    sim = ["simulate", "--schedule", str(tmp_path / "roster.csv"), "--forecast", str(tmp_path / "fc.csv"),
           "--replications", "2", "--out", str(tmp_path / "sim")]
    plain = CliRunner().invoke(app, sim)
    assert plain.exit_code == 0, plain.output
    assert "lists breaks but --breaks was not given" in plain.output
    with_breaks = CliRunner().invoke(app, [*sim, "--breaks", str(tmp_path / "roster_breaks.csv")])
    assert with_breaks.exit_code == 0, with_breaks.output
    assert "--breaks was not given" not in with_breaks.output


def test_schedule_prints_what_cannot_be_planned(tmp_path):
    req = pd.read_csv(EX / "requirements.csv")
    email = req.loc[req["unique_id"] == "voice"].head(8).assign(unique_id="email", agents=1)
    path = tmp_path / "req.csv"
    pd.concat([req, email]).to_csv(path, index=False)
    result = CliRunner().invoke(app, _args(tmp_path, **{"--requirements": str(path)}))
    assert result.exit_code == 0, result.output
    assert "note: queue 'email' needs 2 agent-hours but no agent can work it" in result.output
    assert result.output.count("queue 'email' needs 2 agent-hours") == 1  # not also a raw warning


def test_schedule_creates_missing_output_folders(tmp_path):
    over = {"--coverage-out": str(tmp_path / "cov" / "deep" / "c.csv"), "--plot": str(tmp_path / "plots" / "r.png"),
            "--out": str(tmp_path / "out" / "roster.csv")}
    result = CliRunner().invoke(app, _args(tmp_path, **over))
    assert result.exit_code == 0, result.output
    for path in ("cov/deep/c.csv", "plots/r.png", "plots/r_gantt.png", "out/roster.csv", "out/roster_breaks.csv"):
        assert (tmp_path / path).exists(), path


def test_schedule_output_folder_is_one_line_before_solving(tmp_path):
    (tmp_path / "taken").mkdir()  # a folder where the coverage CSV should go
    result = CliRunner().invoke(app, _args(tmp_path, **{"--coverage-out": str(tmp_path / "taken")}))
    assert result.exit_code == 1
    assert "hard-rule violations:" not in result.output  # refused before any solve
    assert "error: --coverage-out" in result.output and "is a folder" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "roster.csv").exists()
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_schedule_with_deterministic_time_is_reproducible(tmp_path):
    # one worker, a fixed seed and a deterministic limit well inside a generous wall-clock limit
    runs = []
    for name in ("a", "b"):
        args = _args(tmp_path, **{"--out": str(tmp_path / name / "roster.csv"), "--time-limit": "60",
                                  "--deterministic-time": "0.5", "--seed": "3"})
        result = CliRunner().invoke(app, [a for a in args if a not in ("--plot", str(tmp_path / "roster.png"))])
        assert result.exit_code == 0, result.output
        runs.append((tmp_path / name / "roster.csv").read_text() + (tmp_path / name / "roster_breaks.csv").read_text())
    assert runs[0] == runs[1]


def test_schedule_previous_roster_carries_rest_over(tmp_path):
    # every agent worked Sunday until midnight: with the example's 11 h of rest nobody starts Monday before 11:00
    req = pd.read_csv(EX / "requirements.csv", parse_dates=["ds"])
    monday = req["ds"].min().normalize()
    ag = pd.read_csv(EX / "agents.csv", dtype=str)
    prev = pd.DataFrame({"agent_id": ag["agent_id"], "start": monday - pd.Timedelta(hours=8), "end": monday})
    prev.to_csv(tmp_path / "last_week.csv", index=False)
    result = CliRunner().invoke(app, _args(tmp_path, **{"--previous-roster": str(tmp_path / "last_week.csv")}))
    assert result.exit_code == 0, result.output
    assert "hard-rule violations: 0" in result.output
    roster = pd.read_csv(tmp_path / "roster.csv", parse_dates=["start"])
    first_day = roster.loc[roster["start"].dt.normalize() == monday, "start"]
    assert len(first_day) and (first_day >= monday + pd.Timedelta(hours=11)).all()


def test_schedule_previous_roster_of_the_same_week_is_refused_naming_the_flag(tmp_path):
    assert CliRunner().invoke(app, _args(tmp_path)).exit_code == 0
    result = CliRunner().invoke(app, _args(tmp_path, **{"--previous-roster": str(tmp_path / "roster.csv"),
                                                        "--out": str(tmp_path / "next.csv")}))
    assert result.exit_code == 1
    assert "--previous-roster: agent" in result.output and "inside the new horizon" in result.output
    assert "prev[" not in result.output


def test_schedule_weeks_in_turn_says_what_its_bound_is(tmp_path, monkeypatch):
    from routing_ml.scheduling import roster as roster_module

    monkeypatch.setattr(roster_module, "weeks_in_turn", lambda p: p.n_weeks > 1)  # as for a large center
    monkeypatch.setattr(roster_module, "horizon_patterns", lambda p, c: None)  # weekly patterns too many to list
    req = pd.read_csv(EX / "requirements.csv", parse_dates=["ds"])
    two = pd.concat([req, req.assign(ds=req["ds"] + pd.Timedelta(days=7))], ignore_index=True)
    path = tmp_path / "req2.csv"
    two.to_csv(path, index=False)
    result = CliRunner().invoke(app, _args(tmp_path, **{"--requirements": str(path), "--weeks": "2",
                                                        "--time-limit": "4"}))
    assert result.exit_code == 0, result.output
    assert "solver: weeks" in result.output and "the bound counts week(s) 1; week(s) 2 count 0" in result.output
    assert "hard-rule violations: 0" in result.output
    roster = pd.read_csv(tmp_path / "roster.csv", parse_dates=["date"])
    assert roster["date"].max() - roster["date"].min() >= pd.Timedelta(days=7)


def test_schedule_out_named_as_a_spreadsheet_is_refused_before_solving(tmp_path):
    # review: --out roster.xlsx wrote CSV text under a name Excel refuses to open
    result = CliRunner().invoke(app, _args(tmp_path, **{"--out": str(tmp_path / "roster.xlsx")}))
    assert result.exit_code == 1
    assert "hard-rule violations:" not in result.output
    assert "error: --out" in result.output and "writes a CSV file, not a '.xlsx' file" in result.output
    assert not (tmp_path / "roster.xlsx").exists()
