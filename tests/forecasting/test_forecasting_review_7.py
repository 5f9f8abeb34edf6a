"""Forecasting defects found in review (session of 2 December): each test failed before
its fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from routing_ml.errors import FrameError
from routing_ml.forecasting import Forecaster, HandleTimeForecaster, cross_validation, evaluate


def _volumes(ids=("a",), start="2024-01-01", days=35, lam=5.0, seed=0):
    """Weekdays 09:00-17:00 on a 30-minute grid, Poisson counts."""
    rng = np.random.default_rng(seed)
    rows = []
    for uid in ids:
        for d in pd.date_range(start, periods=days, freq="D"):
            if d.dayofweek >= 5:
                continue
            for t in pd.date_range(d + pd.Timedelta("9h"), d + pd.Timedelta("17h"), freq="30min", inclusive="left"):
                rows.append((uid, t, float(rng.poisson(lam))))
    return pd.DataFrame(rows, columns=["unique_id", "ds", "y"])


def test_a_refit_is_a_fresh_fit():
    # before: the per-queue variance of a long first fit stayed after a refit on a short
    # history (nothing to calibrate on): 95 % bounds off by up to 121 contacts
    long = pd.concat([_volumes(("a",), days=70, lam=5.0), _volumes(("b",), days=70, lam=60.0, seed=1)])
    short = long[long["ds"] >= long["ds"].max().normalize() - pd.Timedelta("9D")]
    f = Forecaster(freq="30min", holidays_country=None).fit(long)
    assert getattr(f, "var_coef_by_series_", {})  # the long fit has per-queue variances
    with pytest.warns(UserWarning):
        f.fit(short)
    with pytest.warns(UserWarning):
        fresh = Forecaster(freq="30min", holidays_country=None).fit(short)
    pd.testing.assert_frame_equal(f.predict(h="3d"), fresh.predict(h="3d"))


def test_intraday_bounds_of_an_interval_forecast_at_zero_are_zero():
    df = _volumes(days=33)  # ends Friday 2 February
    df.loc[df["ds"].dt.hour >= 16, "y"] = 0.0  # the last hour never has a contact
    f = Forecaster(freq="30min", holidays_country=None, calibration_windows=2).fit(df)
    morning = pd.DataFrame({"unique_id": "a", "y": [5.0, 6.0, 4.0],
                            "ds": pd.date_range("2024-02-05 09:00", periods=3, freq="30min")})
    out = f.reforecast_intraday(morning)
    bounds = [c for c in out.columns if c.startswith("yhat_lo") or c.startswith("yhat_hi")]
    assert not out[bounds].isna().any().any()
    late = out[out["ds"].dt.hour >= 16]
    assert len(late) == 2 and (late["yhat"] == 0).all() and (late[bounds] == 0).all().all()


def test_intraday_refuses_queues_it_was_not_fitted_on():
    f = Forecaster(freq="30min", holidays_country=None, calibration_windows=2).fit(_volumes(("a", "b"), days=33))
    obs = pd.DataFrame({"unique_id": ["a", "a", "typo_b", "typo_b"], "y": [5.0, 6.0, 5.0, 6.0],
                        "ds": pd.to_datetime(["2024-02-05 09:00", "2024-02-05 09:30"] * 2)})
    with pytest.raises(FrameError, match=r"unique_id \['typo_b'\] are not series of the fitted history"):
        f.reforecast_intraday(obs)


def test_mase_with_integer_queue_ids():
    df = _volumes(("a", "b"), days=35).assign(unique_id=lambda d: d["unique_id"].map({"a": 1, "b": 2}))
    cv = cross_validation(df, h="7D", n_windows=1, freq="30min", holidays_country=None, calibration_windows=2)
    hist = df[df["ds"] < cv["cutoff"].min()]
    as_int = evaluate(cv, history=hist)["mase"]
    as_text = evaluate(cv.assign(unique_id=cv["unique_id"].astype(str)),
                       history=hist.assign(unique_id=hist["unique_id"].astype(str)))["mase"]
    assert np.isfinite(as_int) and as_int == pytest.approx(as_text)


def test_handle_time_forecast_keeps_integer_ids_and_its_grid():
    df = _volumes(("a", "b"), days=35).assign(unique_id=lambda d: d["unique_id"].map({"a": 1, "b": 2}),
                                             aht_seconds=300.0)
    volumes = Forecaster(freq="30min", holidays_country=None).fit(df[["unique_id", "ds", "y"]]).predict(h="4d")
    aht = HandleTimeForecaster(freq="30min").fit(df).predict(h="4d")
    assert aht["unique_id"].dtype == volumes["unique_id"].dtype
    assert len(volumes.merge(aht, on=["unique_id", "ds"])) == len(volumes)
    with pytest.raises(FrameError, match="15min"):  # 30-minute data is not a 15-minute grid
        HandleTimeForecaster(freq="15min").fit(df)


@pytest.mark.parametrize("kw, match", [
    (dict(holidays_country=None, holidays_subdiv="MD"), "holidays_subdiv='MD' needs holidays_country"),
    (dict(model_params={"topdwn": {"ridge": 2.0}}), "'topdwn' is not a model that takes parameters"),
    (dict(model_params={"topdown": {"ridg": 2.0}}), r"model_params\['topdown'\]: unknown parameter\(s\) \['ridg'\]"),
    (dict(model="lightgbm", model_params={"lightgbm": {"n_estimator": 5}}), r"unknown parameter\(s\) \['n_estimator'\]"),
    (dict(model_params={"topdown": 2.0}), "must be a dict of parameters"),
])
def test_bad_forecaster_parameters_are_named_before_fitting(kw, match):
    with pytest.raises(ValueError, match=match):
        Forecaster(freq="30min", **kw).fit(_volumes())


def _cli_history(tmp_path, ds_text, name="h.csv"):
    rng = np.random.default_rng(0)
    pd.DataFrame({"unique_id": "q", "ds": ds_text, "y": rng.poisson(10, len(ds_text))}).to_csv(
        tmp_path / name, index=False)
    return tmp_path / name


def test_forecast_cli_time_zone_refuses_times_without_an_offset(tmp_path):
    # before: offset-free local times were read as UTC, the whole history moved by 1-2 h
    from typer.testing import CliRunner

    from routing_ml.cli import app

    local = pd.date_range("2024-09-02", "2024-11-10", freq="1h", inclusive="left").strftime("%Y-%m-%d %H:%M:%S")
    path = _cli_history(tmp_path, local)
    res = CliRunner().invoke(app, ["forecast", "--history", str(path), "--out", str(tmp_path / "o.csv"),
                                   "--freq", "1h", "--subdiv", "MD", "--time-zone", "Europe/Madrid",
                                   "--horizon", "1d"])
    assert res.exit_code == 1 and "have no UTC offset" in res.output and "leave --time-zone out" in res.output


def test_forecast_cli_time_zone_refuses_true_duplicates(tmp_path):
    # before: rows repeating an instant were summed as "the hour the clocks repeat in autumn"
    from typer.testing import CliRunner

    from routing_ml.cli import app

    utc = pd.date_range("2024-09-02", "2024-11-10", freq="1h", inclusive="left", tz="UTC")
    text = utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    path = _cli_history(tmp_path, np.concatenate([text, text[100:111]]))
    res = CliRunner().invoke(app, ["forecast", "--history", str(path), "--out", str(tmp_path / "o.csv"),
                                   "--freq", "1h", "--subdiv", "MD", "--time-zone", "Europe/Madrid",
                                   "--horizon", "1d"])
    assert res.exit_code == 1 and "rows repeating a queue and instant" in res.output
    assert "repeat in autumn" not in res.output


def test_a_sunday_new_years_eve_holiday_moves_to_january_whatever_dates_are_asked():
    from routing_ml.forecasting._calendar import HolidayCalendar

    c = HolidayCalendar(None, None, ("12-31*",))  # 31 December 2023 was a Sunday
    assert c.mask(np.array(["2024-01-01"], dtype="datetime64[D]")).tolist() == [True]
    assert c.mask(np.array(["2023-12-30", "2024-01-01"], dtype="datetime64[D]")).tolist() == [False, True]


def test_forecast_cli_time_zone_reads_hour_only_offsets():
    # '+02' is an ISO 8601 offset (PostgreSQL writes it): not a time without an offset
    from routing_ml.forecasting._cli import _on_local_clock

    df = pd.DataFrame({"unique_id": "q", "ds": ["2024-10-27T00:30:00+02", "2024-10-27T01:30:00+02"], "y": [1, 2]})
    out, _note = _on_local_clock(df, "Europe/Madrid")
    assert out["ds"].tolist() == [pd.Timestamp("2024-10-27 00:30"), pd.Timestamp("2024-10-27 01:30")]
    with pytest.raises(ValueError, match="have no UTC offset"):
        _on_local_clock(df.assign(ds=["2024-10-27", "2024-10-28"]), "Europe/Madrid")
    # other forms pandas reads: a space before the offset, the compact form, hours only
    for text in ("2024-10-27T00:30:00 +02:00", "20241027T003000+0200", "2024-10-27T00+02:00"):
        out, _note = _on_local_clock(df.iloc[:1].assign(ds=[text]), "Europe/Madrid")
        assert out["ds"].iloc[0].floor("h") == pd.Timestamp("2024-10-27 00:00"), text
