"""plot_staffing and ``routing-ml staff --plot``: what a planner looks at before rostering."""

from __future__ import annotations

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from routing_ml.cli import app
from routing_ml.errors import FrameError
from routing_ml.queueing import StaffingTarget, plot_staffing, staffing_requirements
from routing_ml.queueing.plots import _panels


def _requirements(queues=(("voice", 1.0), ("voice:es", 0.5), ("voice:en", 0.2)), days=2):
    """Half-hourly requirements 08:00-20:00 (closed at night), queues of different sizes."""
    rng = np.random.default_rng(0)
    rows = []
    for q, size in queues:
        for d in range(days):
            for h in range(24):
                t = pd.Timestamp("2024-01-01 08:00") + pd.Timedelta(days=d, minutes=30 * h)
                rows.append((q, t, max(0.0, size * (80 + 40 * np.sin(h / 24 * np.pi)) + rng.normal(0, 3))))
    forecast = pd.DataFrame(rows, columns=["unique_id", "ds", "yhat"])
    return staffing_requirements(forecast, StaffingTarget(shrinkage=0.3), aht_seconds=240, interval_minutes=30)


def test_panels_add_the_queues_up_and_put_the_busiest_first():
    req = _requirements()
    panels, n = _panels(req, max_queues=2)
    assert n == 3 and [name for name, *_ in panels] == ["all queues", "voice", "voice:es"]
    centre = panels[0][1].set_index("ds")["required"]
    assert centre.equals(req.groupby("ds")["agents"].sum().rename("required").astype(centre.dtype))
    voice = panels[1][1]
    assert voice["required"].tolist() == req.loc[req["unique_id"] == "voice", "agents"].tolist()
    assert voice["scheduled"].tolist() == req.loc[req["unique_id"] == "voice", "net_agents"].tolist()
    one, n_one = _panels(req[req["unique_id"] == "voice:en"], max_queues=4)
    assert n_one == 1 and [name for name, *_ in one] == ["voice:en"]  # one queue: no total panel


def test_a_queue_planned_hourly_counts_in_each_half_hour_of_the_total():
    """The demo's voice is half-hourly and its web reports hourly: the centre's total holds
    the hourly queue's agents in both half hours of each hour, and each queue keeps its step."""
    half = _requirements(queues=(("voice", 1.0),), days=1)
    hourly = half.iloc[::2].assign(unique_id="voice:web", agents=7)
    panels, _ = _panels(pd.concat([half, hourly]), max_queues=4)
    total = panels[0][1].set_index("ds")["required"]
    assert (total - half.set_index("ds")["agents"] == 7).all()
    assert {name: st for name, _f, st in panels} == {"all queues": pd.Timedelta(minutes=30),
                                                     "voice": pd.Timedelta(minutes=30),
                                                     "voice:web": pd.Timedelta(minutes=60)}


def test_plot_staffing_writes_one_panel_per_queue_shown(tmp_path):
    req = _requirements()
    one = plot_staffing(req[req["unique_id"] == "voice"], tmp_path / "one.png")
    four = plot_staffing(req, tmp_path / "four.png")  # total + 3 queues
    h_one, h_four = mpimg.imread(one).shape[0], mpimg.imread(four).shape[0]
    assert h_four / h_one == pytest.approx((2.4 * 4 + 0.9) / (2.4 * 1 + 0.9), rel=0.02)


def test_plot_staffing_reads_the_staff_csv(tmp_path):
    """The CSV `routing-ml staff` writes (ds as text, no net_agents) plots as well."""
    path = tmp_path / "req.csv"
    _requirements().drop(columns=["net_agents"]).to_csv(path, index=False)
    assert plot_staffing(pd.read_csv(path), tmp_path / "p.png").stat().st_size > 10_000


@pytest.mark.parametrize(("frame", "kwargs", "error", "match"), [
    (lambda r: r.drop(columns=["agents"]), {}, FrameError, "agents"),
    (lambda r: r.iloc[:0], {}, FrameError, "no rows"),
    (lambda r: r.assign(ds="not a time"), {}, FrameError, "ds"),
    (lambda r: r, {"max_queues": 0}, ValueError, "max_queues must be >= 1"),
])
def test_plot_staffing_bad_input(tmp_path, frame, kwargs, error, match):
    with pytest.raises(error, match=match):
        plot_staffing(frame(_requirements()), tmp_path / "p.png", **kwargs)
    assert not (tmp_path / "p.png").exists()


def test_staff_cli_writes_the_plot(tmp_path):
    forecast = tmp_path / "forecast.csv"
    ds = pd.date_range("2024-01-08 08:00", periods=24, freq="30min")
    pd.DataFrame({"unique_id": "voice", "ds": ds, "yhat": np.linspace(20, 200, 24)}).to_csv(forecast, index=False)
    out, png = tmp_path / "req.csv", tmp_path / "plots" / "staff.png"
    res = CliRunner().invoke(app, ["staff", "--forecast", str(forecast), "--aht-seconds", "240",
                                   "--interval-minutes", "30", "--out", str(out), "--plot", str(png)])
    assert res.exit_code == 0, res.output
    assert f"wrote {png}" in res.output and mpimg.imread(png).shape[0] > 100
    bad = CliRunner().invoke(app, ["staff", "--forecast", str(forecast), "--aht-seconds", "240",
                                   "--out", str(tmp_path / "r2.csv"), "--plot", str(tmp_path / "staff.txt")])
    assert bad.exit_code == 1 and "--plot" in bad.output and not (tmp_path / "r2.csv").exists()


def test_review_findings_repeated_index_single_row_queue_and_bad_interval(tmp_path):
    """Two weeks concatenated without a new index crashed ('cannot convert the series to
    int'); a queue of one row was drawn 15 minutes long in a half-hourly frame; a negative
    interval drew bars backwards and NaN failed deep in pandas."""
    week = _requirements(queues=(("voice", 1.0),), days=1)
    later = week.assign(ds=week["ds"] + pd.Timedelta(days=7))
    assert plot_staffing(pd.concat([week, later]), tmp_path / "two.png").exists()
    one = week.iloc[[4]].assign(unique_id="voice:vip", agents=5)
    panels, _ = _panels(pd.concat([week, one]).reset_index(drop=True), max_queues=4)
    assert {name: st for name, _f, st in panels}["voice:vip"] == pd.Timedelta(minutes=30)
    for bad in (-30, 0, float("nan")):
        with pytest.raises(ValueError, match="interval_minutes"):
            plot_staffing(week, tmp_path / "bad.png", interval_minutes=bad)
