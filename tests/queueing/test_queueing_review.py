"""Review findings: integer queue ids, interval length vs the frame's step, off-grid email."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from routing_ml.queueing import QueueingInputError, StaffingTarget, staffing_requirements

DS = pd.date_range("2024-01-01", periods=4, freq="30min")


def _frame(**cols: object) -> pd.DataFrame:
    base: dict[str, object] = {"unique_id": [1, 1, 1, 1], "ds": DS,
                               "yhat": [10.0, 20.0, 0.0, 5.0]}
    base.update(cols)
    return pd.DataFrame(base)


def test_integer_queue_ids_match_integer_mapping_keys():
    as_str = staffing_requirements(_frame(), aht_seconds={"1": 300.0}, interval_minutes=30)
    as_int = staffing_requirements(_frame(), aht_seconds={1: 300.0}, interval_minutes=30)
    pd.testing.assert_frame_equal(as_int, as_str)
    strict = StaffingTarget(service_level=0.95, answer_seconds=10)
    by_int = staffing_requirements(_frame(), {1: strict}, aht_seconds=300.0,
                                   interval_minutes=30)
    default = staffing_requirements(_frame(), aht_seconds=300.0, interval_minutes=30)
    assert (by_int["agents"] >= default["agents"]).all()
    assert (by_int["agents"] > default["agents"]).any()


def test_interval_longer_than_the_step_of_ds_is_an_error():
    # 30-minute rows staffed as 60-minute intervals would halve the traffic silently
    with pytest.raises(QueueingInputError, match="interval_minutes") as exc:
        staffing_requirements(_frame(), aht_seconds=300.0, interval_minutes=60)
    assert "30" in str(exc.value)


def test_email_rows_off_the_interval_grid_are_an_error():
    ds = DS + pd.to_timedelta([0, 0, 0, 7], unit="min")  # last row at 01:37
    email = StaffingTarget(channel="email", deadline_hours=1)
    with pytest.raises(QueueingInputError, match="grid"):
        staffing_requirements(_frame(ds=ds), email, aht_seconds=300.0, interval_minutes=30)
    ok = staffing_requirements(_frame(), email, aht_seconds=300.0, interval_minutes=30)
    assert np.isfinite(ok["occupancy"]).all()


@pytest.mark.parametrize("text", [
    "q1: {service_level: 0.9\n",           # not valid YAML
    "q1: 0.9\n",                           # a queue's targets are not a mapping
    "q1: {aht_seconds: fast}\n",           # not a number
    "q1: {working_hours: 8-late}\n",
    "q1: {channel: chat, concurrency: many}\n",
])
def test_bad_targets_file_is_a_queueing_input_error(tmp_path, text):
    from routing_ml.queueing import read_staffing_targets

    path = tmp_path / "targets.yaml"
    path.write_text(text)
    with pytest.raises(QueueingInputError, match="targets.yaml"):
        read_staffing_targets(path)


def test_interval_shorter_than_every_step_raises():
    # interval_minutes=0.5 (hours meant) on a 30-minute forecast: 60x the traffic, so an
    # error (a warning let the doubled staffing through)
    with pytest.raises(QueueingInputError, match=r"interval_minutes=0.5.*interval_minutes=30"), \
            pytest.warns(UserWarning, match="did you give hours"):
        staffing_requirements(_frame(), aht_seconds=300.0, interval_minutes=0.5)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        staffing_requirements(_frame(), aht_seconds=300.0, interval_minutes=30)


def test_staff_cli_missing_unique_id_with_targets_names_the_column(tmp_path):
    from typer.testing import CliRunner

    from routing_ml.cli import app

    pd.DataFrame({"queue": ["a"], "ds": ["2024-01-01 08:00"], "yhat": [10.0]}).to_csv(
        tmp_path / "f.csv", index=False)
    (tmp_path / "t.yaml").write_text("a: {aht_seconds: 300}\n")
    res = CliRunner().invoke(app, ["staff", "--forecast", str(tmp_path / "f.csv"), "--out",
                                   str(tmp_path / "s.csv"), "--targets",
                                   str(tmp_path / "t.yaml"), "--aht-seconds", "200",
                                   "--interval-minutes", "30"])
    assert res.exit_code == 1
    assert "missing columns ['unique_id']" in res.output


def test_staff_cli_header_only_forecast_says_it_has_no_rows(tmp_path):
    from typer.testing import CliRunner

    from routing_ml.cli import app

    (tmp_path / "f.csv").write_text("unique_id,ds,y\n")
    res = CliRunner().invoke(app, ["staff", "--forecast", str(tmp_path / "f.csv"), "--out",
                                   str(tmp_path / "s.csv"), "--aht-seconds", "300",
                                   "--volume-col", "y"])
    assert res.exit_code == 1
    assert "the forecast has no rows" in res.output and "one row per queue" in res.output


def test_erlang_a_near_critical_load_with_huge_patience_matches_erlang_c():
    """Found by hypothesis: a = 0.99999 on one agent with patience 1e13 s used scipy's
    gammainc far in its tail (y = 1e12), where it is 50x off; Erlang A must equal Erlang C."""
    from routing_ml.queueing import erlang_a, erlang_c, service_level

    res = erlang_a(0.99999, 1, 10.0, 1e13, 0.0)
    assert res.service_level == pytest.approx(service_level(0.99999, 1, 10.0, 0.0), abs=1e-6)
    assert res.wait_probability == pytest.approx(erlang_c(0.99999, 1), rel=1e-5)


@pytest.mark.parametrize(("interval", "hint"), [(1800, "did you give seconds"),
                                                 (0.5, "did you give hours")])
def test_an_interval_in_seconds_or_hours_warns(interval, hint):
    from routing_ml.queueing import required_agents

    with pytest.warns(UserWarning, match=hint):
        required_agents(100, 180, interval)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        required_agents(100, 180, 30)


def test_a_semicolon_targets_csv_is_read(tmp_path):
    from routing_ml.queueing import read_staffing_targets

    p = tmp_path / "t.csv"
    p.write_text("unique_id;service_level;answer_seconds\nvoice;0,9;30\n", encoding="utf-8")
    targets, _aht = read_staffing_targets(p)
    assert targets["voice"].service_level == pytest.approx(0.9)
    assert targets["voice"].answer_seconds == pytest.approx(30)
