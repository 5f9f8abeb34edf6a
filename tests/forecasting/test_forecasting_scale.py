"""Many queues (joblib, Dask == local), handle time and the CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from routing_ml.forecasting import Forecaster, HandleTimeForecaster


def many(n_series: int = 6, weeks: int = 4, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = pd.date_range("2024-03-04", periods=7 * weeks, freq="D")
    ds = (days.values[:, None] + (np.arange(9, 17) * 3600 * 10**9).astype(
        "timedelta64[ns]")).ravel()
    out = []
    for k in range(n_series):
        mu = 5 + 3 * k + 4 * np.sin(np.arange(len(ds)) / 8 * np.pi) ** 2
        out.append(pd.DataFrame({"unique_id": f"q{k}", "ds": ds,
                                 "y": rng.poisson(mu).astype(float)}))
    return pd.concat(out, ignore_index=True)


KW = dict(model="ensemble", freq="1h", holidays_country="ES", holidays_subdiv="MD",
          calibration_windows=2, random_state=1)


def test_dask_backend_equals_local():
    distributed = pytest.importorskip("distributed")
    df = many()
    local = Forecaster(**KW).fit(df).predict(h="1w")
    with distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=2,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        remote = Forecaster(backend="dask", n_jobs=2, **KW).fit(df).predict(h="1w")
    pd.testing.assert_frame_equal(local, remote)


def test_joblib_processes_equal_local():
    df = many(n_series=4)
    kw = {**KW, "model": "topdown"}
    local = Forecaster(**kw).fit(df).predict(h="1w")
    par = Forecaster(n_jobs=2, **kw).fit(df).predict(h="1w")
    pd.testing.assert_frame_equal(local, par)


def test_handle_time_recovers_slot_pattern():
    rng = np.random.default_rng(0)
    days = pd.date_range("2024-03-03", periods=28, freq="D")
    rows = []
    for d in days:
        for h in range(8, 18):
            true = 200 + 20 * (h - 8) + (60 if d.dayofweek == 4 else 0)
            served = rng.integers(20, 40)
            rows.append({"unique_id": "PS", "ds": d + pd.Timedelta(hours=h),
                         "aht_seconds": rng.normal(true, 50 / np.sqrt(served)),
                         "served": float(served), "true": true})
    df = pd.DataFrame(rows)
    f = HandleTimeForecaster(freq="1h", prior_calls=5.0).fit(df)
    fc = f.predict(h="1w")
    assert len(fc) == 70
    nxt = fc.assign(true=200 + 20 * (fc["ds"].dt.hour - 8)
                    + 60 * (fc["ds"].dt.dayofweek == 4))
    assert np.abs(nxt["aht_seconds"] - nxt["true"]).max() < 15


def test_handle_time_on_the_1999_bank_log():
    from routing_ml.datasets import anonymous_bank_volumes

    v = anonymous_bank_volumes(freq="1h")
    v = v[v["unique_id"].isin(["PS", "IN"])]
    fc = HandleTimeForecaster(freq="1h").fit(v).predict(h="1w")
    assert set(fc["unique_id"]) == {"PS", "IN"}
    assert fc["aht_seconds"].between(30, 1200).all()


def test_cli_forecast_writes_csv_and_plot(tmp_path):
    from routing_ml.cli import app

    hist = tmp_path / "volumes.csv"
    many(n_series=2, weeks=3).to_csv(hist, index=False)
    out, png = tmp_path / "forecast.csv", tmp_path / "forecast.png"
    res = CliRunner().invoke(app, ["forecast", "--history", str(hist), "--horizon", "1w",
                                   "--out", str(out), "--plot", str(png), "--freq", "1h"])
    assert res.exit_code == 0, res.output
    fc = pd.read_csv(out)
    assert {"unique_id", "ds", "yhat", "yhat_lo_80", "yhat_hi_95"} <= set(fc.columns)
    assert len(fc) == 2 * 7 * 8
    assert png.stat().st_size > 1000


def test_cli_bad_input_exit_code_1(tmp_path):
    from routing_ml.cli import app

    bad = tmp_path / "bad.csv"
    many(n_series=1, weeks=2).assign(y=-1.0).to_csv(bad, index=False)
    res = CliRunner().invoke(app, ["forecast", "--history", str(bad), "--out",
                                   str(tmp_path / "o.csv"), "--freq", "1h"])
    assert res.exit_code == 1
    assert "negative" in res.output
