"""staffing_requirements (frames), per-queue targets files and the `routing-ml staff` CLI."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from routing_ml.cli import app
from routing_ml.errors import FrameError
from routing_ml.queueing import (
    StaffingTarget,
    chat_required_agents,
    read_staffing_targets,
    required_agents,
    service_level,
    staffing_requirements,
)


def forecast_frame() -> pd.DataFrame:
    ds = pd.date_range("2024-03-04 08:00", periods=8, freq="15min")
    rows = []
    for q, vols in {"voice:tributos": [0, 40, 120, 300, 280, 90, 10, 0],
                    "chat:padron": [5, 10, 30, 60, 50, 20, 5, 0],
                    "email:general": [20, 20, 20, 20, 0, 0, 0, 0]}.items():
        rows += [{"unique_id": q, "ds": d, "yhat": float(v)} for d, v in zip(ds, vols,
                                                                              strict=True)]
    return pd.DataFrame(rows).sample(frac=1.0, random_state=0)  # unsorted on purpose


TARGETS = {
    "voice:tributos": StaffingTarget(service_level=0.8, answer_seconds=20, shrinkage=0.3),
    "chat:padron": StaffingTarget(channel="chat", concurrency=3, answer_seconds=60,
                                  patience_seconds=300),
    "email:general": StaffingTarget(channel="email", deadline_hours=2),
}


def test_requirements_frame_matches_functions():
    req = staffing_requirements(forecast_frame(), TARGETS, aht_seconds=300,
                                interval_minutes=15)
    assert list(req.columns) == ["unique_id", "ds", "agents", "net_agents", "service_level",
                                 "asa_seconds", "occupancy", "abandon_rate"]
    assert req["agents"].dtype == np.int64 and len(req) == 24
    assert req.equals(req.sort_values(["unique_id", "ds"]).reset_index(drop=True))
    voice = req[req.unique_id == "voice:tributos"]
    vols = [0, 40, 120, 300, 280, 90, 10, 0]
    assert voice["agents"].tolist() == required_agents(vols, 300, 15, shrinkage=0.3).tolist()
    assert voice["net_agents"].tolist() == required_agents(vols, 300, 15).tolist()
    np.testing.assert_allclose(
        voice["service_level"], service_level(np.array(vols) * 300 / 900,
                                              voice["net_agents"].to_numpy(), 300, 20))
    assert voice["abandon_rate"].isna().all()
    chat = req[req.unique_id == "chat:padron"]
    assert chat["agents"].tolist() == chat_required_agents(
        [5, 10, 30, 60, 50, 20, 5, 0], 300, 15, 3, 0.8, 60, patience_seconds=300).tolist()
    assert (chat["abandon_rate"].dropna() >= 0).all() and chat["abandon_rate"].notna().all()
    email = req[req.unique_id == "email:general"]
    # 80 emails * 300 s = 24,000 s, the last due at 08:45 + 2 h = 10:45; without working
    # hours the frame's rows (08:00-09:45) are the opening hours, on the next days too, so
    # everything is answered by 10:00: 24,000 / 7,200 = 3.33 -> 4 (it was 3, as if the
    # office were open after the frame's last row)
    assert email["agents"].tolist() == [4] * 8
    assert (email["service_level"] == 1.0).all() and email["asa_seconds"].isna().all()


def test_aht_column_mapping_and_interval_inference():
    df = forecast_frame()
    df["aht_seconds"] = 300.0
    target = {"*": StaffingTarget()}
    with pytest.warns(UserWarning, match="inferred 15 minutes"):
        by_col = staffing_requirements(df, target)
    by_map = staffing_requirements(df, target, interval_minutes=15,
                                   aht_seconds={q: 300.0 for q in df.unique_id.unique()})
    by_scalar = staffing_requirements(df, target, interval_minutes=15, aht_seconds=300)
    assert by_col.equals(by_map) and by_map.equals(by_scalar)
    assert "abandon_rate" not in by_col.columns
    # volumes frame with y instead of yhat
    y = df.rename(columns={"yhat": "y"})
    assert staffing_requirements(y, target, interval_minutes=15, aht_seconds=300,
                                 volume_col="y").equals(by_scalar)


def test_requirements_errors():
    df = forecast_frame()
    with pytest.raises(ValueError, match="no staffing target.*email:general"):
        staffing_requirements(df, {"voice:tributos": StaffingTarget(),
                                   "chat:padron": StaffingTarget()}, aht_seconds=300,
                              interval_minutes=15)
    with pytest.raises(ValueError, match="aht_seconds"):
        staffing_requirements(df, interval_minutes=15)
    with pytest.raises(ValueError, match="aht_seconds mapping.*chat:padron"):
        staffing_requirements(df, interval_minutes=15, aht_seconds={"voice:tributos": 300})
    with pytest.raises(FrameError, match="yhat"):
        staffing_requirements(df.drop(columns="yhat"), aht_seconds=300, interval_minutes=15)
    bad = df.copy()
    bad.loc[bad.index[0], "yhat"] = -5
    with pytest.raises(FrameError, match="negative"):
        staffing_requirements(bad, aht_seconds=300, interval_minutes=15)
    with pytest.raises(ValueError, match="service_level"):
        staffing_requirements(df, StaffingTarget(service_level=1.0), aht_seconds=300,
                              interval_minutes=15)


def test_read_targets_yaml_and_csv(tmp_path):
    y = tmp_path / "t.yaml"
    y.write_text("'*': {service_level: 0.9, shrinkage: 0.25}\n"
                 "chat:padron: {channel: chat, concurrency: 2, aht_seconds: 420}\n"
                 "email:general: {channel: email, deadline_hours: 4, working_hours: [8, 15]}\n")
    targets, aht = read_staffing_targets(y)
    assert targets["*"] == StaffingTarget(service_level=0.9, shrinkage=0.25)
    assert targets["chat:padron"].concurrency == 2 and targets["chat:padron"].shrinkage == 0.25
    assert targets["email:general"].working_hours == (8.0, 15.0)
    assert aht == {"chat:padron": 420.0}
    c = tmp_path / "t.csv"
    c.write_text("unique_id,service_level,answer_seconds,channel,concurrency,deadline_hours,"
                 "working_hours,aht_seconds\n"
                 "voice:tributos,0.85,30,voice,,,,\n"
                 "email:general,,,email,,24,8-20,600\n")
    targets, aht = read_staffing_targets(c, StaffingTarget(shrinkage=0.1))
    assert targets["voice:tributos"] == StaffingTarget(service_level=0.85, answer_seconds=30,
                                                       shrinkage=0.1)
    assert targets["email:general"].deadline_hours == 24 and aht == {"email:general": 600.0}
    bad = tmp_path / "bad.yaml"
    bad.write_text("q1: {service_levle: 0.8}\n")
    with pytest.raises(ValueError, match="q1.*service_levle"):
        read_staffing_targets(bad)
    worse = tmp_path / "worse.yaml"
    worse.write_text("q1: {service_level: 2}\n")
    with pytest.raises(ValueError, match="q1.*service_level"):
        read_staffing_targets(worse)


runner = CliRunner()


def test_cli_staff(tmp_path):
    fc = tmp_path / "forecast.csv"
    forecast_frame().to_csv(fc, index=False)
    out = tmp_path / "req.csv"
    tfile = tmp_path / "targets.yaml"
    tfile.write_text("chat:padron: {channel: chat, concurrency: 3}\n"
                     "email:general: {channel: email, deadline_hours: 2}\n")
    res = runner.invoke(app, ["staff", "--forecast", str(fc), "--aht-seconds", "300",
                              "--service-level", "0.8", "--answer-seconds", "20",
                              "--shrinkage", "0.3", "--interval-minutes", "15",
                              "--targets", str(tfile), "--out", str(out)])
    assert res.exit_code == 0, res.output
    req = pd.read_csv(out)
    assert len(req) == 24 and {"agents", "service_level", "occupancy"} <= set(req.columns)
    voice = req[req.unique_id == "voice:tributos"]
    assert voice["agents"].tolist() == required_agents(
        [0, 40, 120, 300, 280, 90, 10, 0], 300, 15, shrinkage=0.3).tolist()


def test_cli_staff_errors(tmp_path):
    fc = tmp_path / "forecast.csv"
    forecast_frame().to_csv(fc, index=False)
    out = tmp_path / "req.csv"
    base = ["staff", "--forecast", str(fc), "--out", str(out), "--interval-minutes", "15"]
    res = runner.invoke(app, [*base, "--aht-seconds", "300", "--shrinkage", "1.2"])
    assert res.exit_code == 1 and "shrinkage" in res.output
    res = runner.invoke(app, [*base, "--aht-seconds", "300", "--service-level", "1.0"])
    assert res.exit_code == 2 and "infeasible" in res.output
    res = runner.invoke(app, [*base])  # no AHT anywhere
    assert res.exit_code == 1 and "aht_seconds" in res.output
    res = runner.invoke(app, ["staff", "--forecast", str(tmp_path / "missing.csv"),
                              "--out", str(out), "--aht-seconds", "300"])
    assert res.exit_code == 1 and "not found" in res.output
    assert not out.exists()


def test_import_is_light():
    code = ("import sys, routing_ml.queueing; "
            "print(sorted(m for m in ('pandas', 'sklearn', 'statsmodels', 'mlflow', "
            "'lightgbm', 'ortools') if m in sys.modules))")
    assert subprocess.check_output([sys.executable, "-c", code], text=True).strip() == "[]"
    code = "import routing_ml; print(routing_ml.erlang_c(2.0, 3))"
    assert float(subprocess.check_output([sys.executable, "-c", code], text=True)) == \
        pytest.approx(4 / 9)


def test_aht_column_nan_only_where_no_contacts():
    df = forecast_frame()
    df["aht_seconds"] = 300.0
    df.loc[df.yhat == 0, "aht_seconds"] = np.nan  # no calls, no handle time: fine
    ok = staffing_requirements(df, interval_minutes=15)
    assert ok.loc[ok.index[df.sort_values(["unique_id", "ds"]).yhat.to_numpy() == 0],
                  "agents"].eq(0).all()
    df.loc[df.yhat > 0, "aht_seconds"] = np.nan
    with pytest.raises(ValueError, match="aht_seconds.*NaN.*with contacts"):
        staffing_requirements(df, interval_minutes=15)


def test_targets_file_reads_percent_text_and_names_non_numbers(tmp_path):
    from routing_ml.queueing import read_staffing_targets
    from routing_ml.queueing._validate import QueueingInputError

    path = tmp_path / "t.csv"
    path.write_text("unique_id,service_level,answer_seconds,shrinkage\nq1,80%, 20 ,30 %\n")
    target = read_staffing_targets(path)[0]["q1"]
    assert (target.service_level, target.answer_seconds, target.shrinkage) == \
        pytest.approx((0.8, 20.0, 0.3))
    yaml_path = tmp_path / "t.yaml"
    yaml_path.write_text("q1: {service_level: 85%, max_occupancy: '90%'}\n")
    target = read_staffing_targets(yaml_path)[0]["q1"]
    assert (target.service_level, target.max_occupancy) == pytest.approx((0.85, 0.9))
    path.write_text("unique_id,service_level,answer_seconds\nq1,0.8,20 s\n")
    with pytest.raises(QueueingInputError, match=r"'q1': answer_seconds '20 s' is not a "
                                                 r"number. Fix: seconds"):
        read_staffing_targets(path)
    # a percent sign is read for fractions only: 20% seconds means nothing
    path.write_text("unique_id,service_level,answer_seconds\nq1,0.8,20%\n")
    with pytest.raises(QueueingInputError, match="answer_seconds '20%' is not a number"):
        read_staffing_targets(path)


def test_a_forecast_says_its_interval_but_staffing_reads_the_rows():
    """Forecaster.predict sets attrs['freq']; staffing does not read it: pandas keeps attrs
    through a roll-up to hourly rows, and a stale '15min' gave 31 agents instead of 10."""
    from routing_ml.forecasting import Forecaster

    idx = pd.date_range("2024-01-01", periods=96 * 28, freq="15min")
    hist = pd.DataFrame({"unique_id": "q", "ds": idx,
                         "y": np.random.default_rng(0).poisson(8, len(idx)).astype(float)})
    fc = Forecaster("seasonal_naive_week", freq="15min", holidays_country=None).fit(hist) \
        .predict(h="1d")
    assert fc.attrs["freq"] == "15min"
    hourly = fc.assign(ds=fc["ds"].dt.floor("1h")).groupby(["unique_id", "ds"],
                                                            as_index=False)["yhat"].sum()
    hourly.attrs["freq"] = "15min"  # what a roll-up can leave behind (pandas keeps attrs)
    with pytest.warns(UserWarning, match="inferred 60 minutes"):
        req = staffing_requirements(hourly, aht_seconds=180)
    explicit = staffing_requirements(hourly, aht_seconds=180, interval_minutes=60)
    assert req["agents"].tolist() == explicit["agents"].tolist()
