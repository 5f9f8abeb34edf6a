"""ASA and abandonment targets beside the service level (``max_asa_seconds``, ``max_abandon_rate``).

Planners state targets as an average speed of answer ("answered in 30 s on average") or an
abandonment cap ("under 5 % hang up") as often as a service level; the staffing must be
the smallest that meets every target given. The checks below use the public Erlang
formulas, not the search.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from routing_ml.cli import app
from routing_ml.queueing import (
    QueueingInputError,
    StaffingTarget,
    asa_seconds,
    chat_required_agents,
    erlang_a,
    read_staffing_targets,
    required_agents,
    service_level,
    staffing_requirements,
)

RNG = np.random.default_rng(7)
VOLUME = RNG.uniform(1, 2000, 60)
AHT = RNG.uniform(60, 600, 60)
INTERVAL = 30.0


def _traffic():
    return VOLUME * AHT / (60 * INTERVAL)


@pytest.mark.parametrize("cap", [1.0, 4.0, 8.0])
def test_asa_cap_gives_the_smallest_staffing_meeting_both_targets(cap):
    n = required_agents(VOLUME, AHT, INTERVAL, max_asa_seconds=cap)
    sl_only = required_agents(VOLUME, AHT, INTERVAL)
    a = _traffic()
    assert np.all(n >= sl_only)
    assert np.all(asa_seconds(a, n, AHT) <= cap) and np.all(service_level(a, n, AHT) >= 0.8)
    fewer = n - 1
    misses = (asa_seconds(a, fewer, AHT) > cap) | (service_level(a, fewer, AHT) < 0.8)
    assert misses.all()
    assert (n > sl_only).any()  # the cap binds somewhere (else the test checks nothing)


@pytest.mark.parametrize("cap", [0.005, 0.02, 0.1])
def test_abandonment_cap_gives_the_smallest_staffing_meeting_both_targets(cap):
    patience = RNG.uniform(30, 300, VOLUME.size)
    n = required_agents(VOLUME, AHT, INTERVAL, patience_seconds=patience, max_abandon_rate=cap)
    a = _traffic()
    ok = erlang_a(a, n, AHT, patience)
    assert np.all(ok.abandon_probability <= cap) and np.all(ok.service_level >= 0.8)
    less = erlang_a(a, n - 1, AHT, patience)
    assert np.all((less.abandon_probability > cap) | (less.service_level < 0.8))


def test_a_loose_cap_changes_nothing_and_caps_broadcast():
    assert np.array_equal(required_agents(VOLUME, AHT, INTERVAL, max_asa_seconds=1e9),
                          required_agents(VOLUME, AHT, INTERVAL))
    per_interval = required_agents([100, 100, 0], 180, 30, max_asa_seconds=[1.0, 100.0, 1.0])
    assert per_interval.tolist() == [required_agents(100, 180, 30, max_asa_seconds=1.0),
                                     required_agents(100, 180, 30), 0]


def test_chat_with_one_session_per_agent_is_voice():
    assert np.array_equal(chat_required_agents(VOLUME, AHT, INTERVAL, 1, max_asa_seconds=5.0),
                          required_agents(VOLUME, AHT, INTERVAL, max_asa_seconds=5.0))


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"max_abandon_rate": 0.05}, "needs patience_seconds"),
    ({"max_asa_seconds": 0}, "max_asa_seconds"),
    ({"max_asa_seconds": -5}, "max_asa_seconds"),
    ({"max_abandon_rate": 1.5, "patience_seconds": 60}, "max_abandon_rate"),
    ({"max_abandon_rate": 0.0, "patience_seconds": 60}, "max_abandon_rate"),
])
def test_bad_caps_are_refused(kwargs, match):
    with pytest.raises(QueueingInputError, match=match):
        required_agents(100, 180, 30, **kwargs)
    with pytest.raises(QueueingInputError, match=match):
        StaffingTarget(**kwargs)


def test_deferrable_work_refuses_queue_caps():
    with pytest.raises(QueueingInputError, match="applies to queued channels"):
        StaffingTarget(channel="email", deadline_hours=24, max_asa_seconds=30)


def test_staffing_requirements_meets_the_caps():
    ds = pd.date_range("2024-01-08 08:00", periods=8, freq="30min")
    frame = pd.DataFrame({"unique_id": "voice", "ds": ds, "yhat": np.linspace(20, 400, 8)})
    got = staffing_requirements(frame, StaffingTarget(patience_seconds=90, max_asa_seconds=4,
                                                      max_abandon_rate=0.01), aht_seconds=240,
                                interval_minutes=30)
    assert (got["asa_seconds"] <= 4).all() and (got["abandon_rate"] <= 0.01).all()
    plain = staffing_requirements(frame, StaffingTarget(patience_seconds=90), aht_seconds=240,
                                  interval_minutes=30)
    assert (got["agents"] >= plain["agents"]).all() and (got["agents"] > plain["agents"]).any()


def test_targets_file_reads_the_caps(tmp_path):
    path = tmp_path / "targets.csv"
    pd.DataFrame({"unique_id": ["voice", "email"], "max_asa_seconds": [30, None],
                  "max_abandon_rate": ["5%", None], "patience_seconds": [120, None],
                  "channel": ["voice", "email"], "deadline_hours": [None, 24]}).to_csv(path, index=False)
    targets, _ = read_staffing_targets(path)
    assert targets["voice"].max_asa_seconds == 30 and targets["voice"].max_abandon_rate == pytest.approx(0.05)
    # a default ASA cap (the CLI's --max-asa-seconds) does not follow a deferrable queue
    targets, _ = read_staffing_targets(path, StaffingTarget(max_asa_seconds=20))
    assert targets["email"].max_asa_seconds is None and targets["*"].max_asa_seconds == 20


def test_staff_cli_options(tmp_path):
    forecast = tmp_path / "forecast.csv"
    ds = pd.date_range("2024-01-08 08:00", periods=8, freq="30min")
    pd.DataFrame({"unique_id": "voice", "ds": ds, "yhat": np.linspace(20, 400, 8)}).to_csv(forecast, index=False)
    base = ["staff", "--forecast", str(forecast), "--aht-seconds", "240", "--interval-minutes", "30"]
    plain = CliRunner().invoke(app, [*base, "--out", str(tmp_path / "a.csv")])
    capped = CliRunner().invoke(app, [*base, "--max-asa-seconds", "3", "--out", str(tmp_path / "b.csv")])
    assert plain.exit_code == 0 and capped.exit_code == 0, capped.output
    a, b = pd.read_csv(tmp_path / "a.csv"), pd.read_csv(tmp_path / "b.csv")
    assert (b["asa_seconds"] <= 3).all() and b["agents"].sum() > a["agents"].sum()
    bad = CliRunner().invoke(app, [*base, "--max-abandon-rate", "0.05", "--out", str(tmp_path / "c.csv")])
    assert bad.exit_code == 1 and "needs patience_seconds" in bad.output


def test_the_shipped_targets_file_staffs_both_example_queues_without_a_warning(tmp_path):
    """examples/targets.yaml: voice with its ASA and abandonment caps, chat as a chat queue
    (the bare name 'chat' alone warns that it is staffed as voice)."""
    import warnings
    from importlib.resources import files

    path = files("routing_ml.scheduling") / "examples" / "targets.yaml"
    targets, _ = read_staffing_targets(str(path))
    ds = pd.date_range("2026-12-07 08:00", periods=8, freq="15min")
    frame = pd.concat([pd.DataFrame({"unique_id": q, "ds": ds, "yhat": v, "aht_seconds": 300.0})
                       for q, v in (("voice", 60.0), ("chat", 30.0))])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = staffing_requirements(frame, targets, interval_minutes=15)
    voice = got[got["unique_id"] == "voice"]
    assert (voice["asa_seconds"] <= 30).all() and (voice["abandon_rate"] <= 0.05).all()
    assert (voice["service_level"] >= 0.8).all()


def test_review_findings_caps_with_a_deferrable_default_and_patience_per_queue(tmp_path):
    """A '*' e-mail row dropped the command line's caps for every queue after it (voice
    staffed to an ASA of 25 s under a 5 s cap); --max-abandon-rate without
    --patience-seconds was refused even when the targets file gives the queue a patience."""
    path = tmp_path / "t.yaml"
    path.write_text("'*': {channel: email, deadline_hours: 24}\nvoice: {channel: voice, patience_seconds: 180}\n")
    targets, _ = read_staffing_targets(path, StaffingTarget(max_asa_seconds=5))
    assert targets["voice"].max_asa_seconds == 5 and targets["*"].max_asa_seconds is None
    forecast = tmp_path / "forecast.csv"
    ds = pd.date_range("2024-01-08 08:00", periods=8, freq="30min")
    pd.DataFrame({"unique_id": "voice", "ds": ds, "yhat": np.linspace(20, 400, 8)}).to_csv(forecast, index=False)
    res = CliRunner().invoke(app, ["staff", "--forecast", str(forecast), "--aht-seconds", "240", "--interval-minutes",
                                   "30", "--targets", str(path), "--max-abandon-rate", "0.01",
                                   "--out", str(tmp_path / "o.csv")])
    assert res.exit_code == 0, res.output
    got = pd.read_csv(tmp_path / "o.csv")
    assert (got["abandon_rate"] <= 0.01).all()
    none = tmp_path / "none.yaml"
    none.write_text("voice: {channel: voice}\n")
    bad = CliRunner().invoke(app, ["staff", "--forecast", str(forecast), "--aht-seconds", "240", "--interval-minutes",
                                   "30", "--targets", str(none), "--max-abandon-rate", "0.01",
                                   "--out", str(tmp_path / "p.csv")])
    assert bad.exit_code == 1 and "needs a patience" in bad.output
