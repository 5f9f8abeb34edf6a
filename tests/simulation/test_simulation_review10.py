"""Review findings of a planner chaining staff -> schedule -> simulate (2026-12-02,
evening). Each test failed before its fix."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from routing_ml.cli import app

DAY = pd.Timestamp("2024-03-04")


def _files(tmp_path):
    ds = pd.date_range(DAY + pd.Timedelta("8h"), periods=8, freq="30min")
    pd.DataFrame({"unique_id": ["voice"] * 8 + ["chat"] * 8, "ds": list(ds) * 2,
                  "yhat": [40.0] * 8 + [60.0] * 8}).to_csv(tmp_path / "fc.csv", index=False)
    ids = [f"A{i}" for i in range(13)]
    pd.DataFrame({"agent_id": ids, "start": ds[0], "end": ds[-1] + pd.Timedelta("30min"),
                  "unique_id": ["voice"] * 10 + ["chat"] * 3}).to_csv(tmp_path / "sh.csv", index=False)
    (tmp_path / "targets.yaml").write_text(
        "voice:\n  answer_seconds: 30\n  patience_seconds: 60\n  aht_seconds: 240\n"
        "chat:\n  channel: chat\n  concurrency: 3\n  answer_seconds: 90\n  aht_seconds: 600\n")


def _run(tmp_path, name, *extra):
    out = tmp_path / name
    res = CliRunner().invoke(app, [
        "simulate", "--schedule", str(tmp_path / "sh.csv"), "--forecast", str(tmp_path / "fc.csv"),
        "--replications", "2", "--out", str(out), *extra])
    assert res.exit_code == 0, res.output
    summary = pd.read_csv(out / "summary.csv").set_index("metric")["mean"]
    return res.output, summary


def test_simulate_reads_the_handle_time_patience_and_answer_time_staff_read(tmp_path):
    _files(tmp_path)
    output, with_targets = _run(tmp_path, "t", "--targets", str(tmp_path / "targets.yaml"))
    assert "chat 600 s" in output and "voice 240 s" in output
    assert with_targets["abandoned"] > 0  # the file's patience: callers hang up
    _, plain = _run(tmp_path, "p", "--aht-seconds", "240")
    assert plain["abandoned"] == 0
    # --patience-seconds given wins over the file; --aht-seconds is the handle time of the
    # queues the file does not name (as in `staff`)
    output, explicit = _run(tmp_path, "e", "--targets", str(tmp_path / "targets.yaml"),
                            "--patience-seconds", "1e9", "--aht-seconds", "100")
    assert explicit["abandoned"] == 0 and "chat 600 s" in output


def test_simulate_measures_chat_at_its_own_answer_time_by_default(tmp_path):
    """The option's default was "20": one number for every real-time channel, so chat was
    measured at 20 s while its help and `staff` said 60."""
    _files(tmp_path)
    _, default = _run(tmp_path, "d", "--aht-seconds", "240")
    _, twenty = _run(tmp_path, "t", "--aht-seconds", "240", "--answer-seconds", "20")
    _, per_channel = _run(tmp_path, "c", "--aht-seconds", "240",
                          "--answer-seconds", "voice=20,chat=60")
    assert default["service_level"] == pytest.approx(per_channel["service_level"])
    assert default["service_level"] != pytest.approx(twenty["service_level"])


def test_a_breaks_file_given_as_the_schedule_is_refused(tmp_path):
    """Before: service level 0 and an ASA of 62 hours, exit code 0."""
    _files(tmp_path)
    pd.DataFrame({"agent_id": ["A0"], "date": ["2024-03-04"], "break": ["lunch"],
                  "start": ["2024-03-04 10:00"], "end": ["2024-03-04 10:30"], "paid": [False]}
                 ).to_csv(tmp_path / "roster_breaks.csv", index=False)
    res = CliRunner().invoke(app, [
        "simulate", "--schedule", str(tmp_path / "roster_breaks.csv"), "--forecast",
        str(tmp_path / "fc.csv"), "--replications", "2", "--out", str(tmp_path / "o")])
    assert res.exit_code == 1
    assert "breaks file" in res.output and "--breaks roster_breaks.csv" in res.output
    assert not (tmp_path / "o").exists()
