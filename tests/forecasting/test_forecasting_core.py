"""Forecaster, models, intervals, leakage, determinism, bad inputs (small synthetic data)."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from routing_ml.errors import FrameError, NotFittedError
from routing_ml.forecasting import (
    MODELS,
    Forecaster,
    cross_validation,
    evaluate,
    pinball_loss,
    rmse,
    wape,
)

WEEKDAY_FACTOR = np.array([1.3, 1.0, 0.9, 0.95, 1.1])
PROFILE = np.array([0.5, 1.0, 1.6, 1.8, 1.4, 1.2, 1.3, 1.0, 0.7, 0.5])


def synth(weeks: int = 8, level: float = 100.0, noise: str | None = None, seed: int = 0,
          ids: tuple[str, ...] = ("a",), start: str = "2024-01-01") -> pd.DataFrame:
    """Mon-Fri, 10 hourly slots 08:00-17:00, mean = level x weekday x profile."""
    rng = np.random.default_rng(seed)
    days = pd.date_range(start, periods=7 * weeks, freq="D")
    days = days[days.dayofweek < 5]
    rows = []
    for k, uid in enumerate(ids):
        for d in days:
            mu = level * (1 + 0.5 * k) * WEEKDAY_FACTOR[d.dayofweek] * PROFILE / PROFILE.mean()
            y = rng.poisson(mu) if noise == "poisson" else mu
            ds = d + pd.to_timedelta(8 + np.arange(10), "h")
            rows.append(pd.DataFrame({"unique_id": uid, "ds": ds, "y": y.astype(float),
                                      "mu": mu}))
    return pd.concat(rows, ignore_index=True)


def truth_next_week(df: pd.DataFrame) -> pd.DataFrame:
    last = df["ds"].max().normalize()
    nxt = synth(weeks=1, start=str((last + pd.Timedelta("3D")).date()))
    return nxt


@pytest.mark.parametrize("model", MODELS)
def test_each_model_recovers_a_known_pattern(model):
    df = synth(weeks=8)
    f = Forecaster(model, freq="1h", holidays_country=None, calibration_windows=2)
    fc = f.fit(df[["unique_id", "ds", "y"]]).predict(h="1w")
    truth = truth_next_week(df)
    m = fc.merge(truth, on=["unique_id", "ds"])
    assert len(m) == len(truth) == 50  # the calendar: Mon-Fri, 10 slots
    tol = {"seasonal_naive_day": 0.25, "lightgbm": 0.08}.get(model, 0.03)
    assert wape(m["mu"], m["yhat"]) < tol
    assert (fc["yhat"] >= 0).all()


def test_future_follows_the_series_calendar_and_int_horizon():
    df = synth(weeks=3)[["unique_id", "ds", "y"]]
    f = Forecaster("topdown", freq="1h", holidays_country=None, calibration_windows=2).fit(df)
    fc = f.predict(h=13)
    assert len(fc) == 13
    assert (fc["ds"].dt.dayofweek < 5).all()
    assert fc["ds"].dt.hour.between(8, 17).all()
    # a span counts calendar time from the last interval (Friday 17:00): the weekend is
    # closed, so 4 days reach Tuesday 17:00
    fc2 = f.predict(h="4d")
    assert len(fc2) == 20
    assert set(fc2["ds"].dt.normalize()) == {df["ds"].max().normalize() + pd.Timedelta("3D"),
                                             df["ds"].max().normalize() + pd.Timedelta("4D")}
    with pytest.warns(UserWarning, match="covers no open interval"):
        assert f.predict(h="2d").empty


def test_closed_days_in_future_frame_and_closed_slot_error():
    df = synth(weeks=4)[["unique_id", "ds", "y"]]
    f = Forecaster("topdown", freq="1h", holidays_country=None, calibration_windows=2).fit(df)
    fut = f.predict(h="1w")[["unique_id", "ds"]]
    fut = fut[fut["ds"].dt.dayofweek != 2]  # a holiday on Wednesday
    fc = f.predict(future=fut)
    assert len(fc) == 40
    closed = pd.DataFrame({"unique_id": ["a"], "ds": [fut["ds"].max().normalize()
                                                      + pd.Timedelta("1D 03:00:00")]})
    with pytest.raises(FrameError, match="closed"):
        f.predict(future=closed)


def test_nan_is_missing_not_zero():
    df = synth(weeks=6)[["unique_id", "ds", "y"]]
    # a collection gap: 10:00-13:00 on two open days (a whole day without rows would be
    # a closed day instead)
    gap = (df["ds"].between(df["ds"].max() - pd.Timedelta("9D"), df["ds"].max()
                            - pd.Timedelta("7D")) & df["ds"].dt.hour.between(10, 13))
    kw = dict(model="topdown", freq="1h", holidays_country=None, calibration_windows=2)
    with_nan = Forecaster(**kw).fit(df.assign(y=df["y"].mask(gap))).predict(h="1w")
    dropped = Forecaster(**kw).fit(df[~gap]).predict(h="1w")
    zeros = Forecaster(**kw).fit(df.assign(y=df["y"].mask(gap, 0.0))).predict(h="1w")
    full = Forecaster(**kw).fit(df).predict(h="1w")
    np.testing.assert_allclose(with_nan["yhat"], dropped["yhat"])
    np.testing.assert_allclose(with_nan["yhat"], full["yhat"], rtol=0.02)
    assert np.abs(zeros["yhat"] - full["yhat"]).sum() > 0.05 * full["yhat"].sum()


def test_no_future_information_in_features():
    from routing_ml.forecasting._calendar import build_panel, day_table
    from routing_ml.forecasting._lgbm import origin_features

    df = synth(weeks=6, noise="poisson")
    p = build_panel(df, "a", 60, 8)
    table = day_table(p.start, p.present.any(axis=1), p.open_mask.any(axis=1), None)
    c = 20
    dd, ss = np.nonzero(~np.isnan(p.Y[c + 1:c + 8]))
    dd = dd + c + 1
    X1, s1 = origin_features(p, table, c, dd, ss)
    p.Y[c + 1:] = np.where(np.isnan(p.Y[c + 1:]), np.nan, 1e6)  # poison the future
    X2, s2 = origin_features(p, table, c, dd, ss)
    np.testing.assert_array_equal(X1, X2)
    assert s1 == s2


@pytest.mark.parametrize("model", ["topdown", "lightgbm"])
def test_backtest_forecasts_ignore_data_after_the_cutoff(model):
    df = synth(weeks=8, noise="poisson")[["unique_id", "ds", "y"]]
    kw = dict(h="7D", n_windows=2, model=model, freq="1h", holidays_country=None,
              calibration_windows=2)
    cv = cross_validation(df, **kw)
    first = cv["cutoff"].min()
    poisoned = df.assign(y=df["y"].where(df["ds"] <= first, df["y"] * 5))
    cv2 = cross_validation(poisoned, **kw)
    a = cv[cv["cutoff"] == first].reset_index(drop=True)
    b = cv2[cv2["cutoff"] == first].reset_index(drop=True)
    np.testing.assert_array_equal(a["yhat"], b["yhat"])
    np.testing.assert_array_equal(a["yhat_hi_80"], b["yhat_hi_80"])


def test_interval_coverage_on_poisson_data():
    df = synth(weeks=20, level=40, noise="poisson", seed=3)[["unique_id", "ds", "y"]]
    cv = cross_validation(df, h="7D", n_windows=6, model="topdown", freq="1h",
                          holidays_country=None, calibration_windows=8, level=(80, 95))
    r = evaluate(cv, df[df["ds"] <= cv["cutoff"].min()])
    assert 0.74 <= r["coverage_80"] <= 0.86
    assert 0.90 <= r["coverage_95"] <= 0.99
    assert (cv["yhat_lo_95"] <= cv["yhat_lo_80"]).all()
    assert (cv["yhat_hi_80"] <= cv["yhat_hi_95"]).all()
    assert (cv["yhat_lo_95"] >= 0).all()


def test_determinism_with_a_seed():
    df = synth(weeks=6, noise="poisson", ids=("a", "b"))[["unique_id", "ds", "y"]]
    kw = dict(freq="1h", holidays_country=None, calibration_windows=2)
    a = Forecaster("ensemble", random_state=7, **kw).fit(df).predict(h="1w")
    b = Forecaster("ensemble", random_state=7, **kw).fit(df).predict(h="1w")
    pd.testing.assert_frame_equal(a, b)


def test_pickle_and_get_params():
    df = synth(weeks=4)[["unique_id", "ds", "y"]]
    f = Forecaster("topdown", freq="1h", holidays_country=None, calibration_windows=2)
    assert f.get_params()["model"] == "topdown"
    f2 = Forecaster(**f.get_params())
    assert f2.get_params() == f.get_params()
    f.fit(df)
    g = pickle.loads(pickle.dumps(f))
    pd.testing.assert_frame_equal(f.predict(h="1w"), g.predict(h="1w"))


def test_metrics_by_hand():
    assert wape(np.array([10.0, 10.0]), np.array([12.0, 7.0])) == pytest.approx(0.25)
    assert rmse(np.array([1.0, 3.0]), np.array([1.0, 1.0])) == pytest.approx(np.sqrt(2))
    assert pinball_loss(np.array([10.0]), np.array([8.0]), 0.9) == pytest.approx(1.8)
    assert pinball_loss(np.array([10.0]), np.array([12.0]), 0.9) == pytest.approx(0.2)
    cv = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2024-01-08", periods=2, freq="h"),
                       "cutoff": pd.Timestamp("2024-01-07"), "y": [10.0, 10.0],
                       "yhat": [12.0, 7.0]})
    hist = pd.DataFrame({"unique_id": "a", "ds": [pd.Timestamp("2024-01-01"),
                                                  pd.Timestamp("2024-01-08")] * 1,
                         "y": [4.0, 8.0]})
    r = evaluate(cv, hist)
    assert r["mase"] == pytest.approx(2.5 / 4.0)
    assert r["daily_wape"] == pytest.approx(1 / 20)


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda d: d.assign(ds=d["ds"] + pd.to_timedelta(np.r_[0, [7] * (len(d) - 1)], "m")),
         "grid"),
        (lambda d: pd.concat([d, d.iloc[:1]]), "duplicated"),
        (lambda d: d.assign(y=d["y"].where(d.index != 3, -1.0)), "negative"),
        (lambda d: d.iloc[:20], "one week"),
        (lambda d: d.drop(columns="y"), "missing columns"),
    ],
)
def test_bad_inputs_raise_clear_errors(mutate, match):
    df = synth(weeks=3)[["unique_id", "ds", "y"]]
    with pytest.raises(FrameError, match=match):
        Forecaster("topdown", freq="1h", holidays_country=None).fit(mutate(df))


def test_bad_parameters_and_unfitted():
    df = synth(weeks=3)[["unique_id", "ds", "y"]]
    with pytest.raises(ValueError, match="unknown"):
        Forecaster("prophet").fit(df)
    with pytest.raises(ValueError, match="backend"):
        Forecaster(backend="spark").fit(df)
    with pytest.raises(NotFittedError):
        Forecaster().predict(h="1d")
    f = Forecaster("topdown", freq="1h", holidays_country=None, calibration_windows=2).fit(df)
    with pytest.raises(ValueError, match="level"):
        f.predict(h="1d", level=(120,))
    with pytest.raises(ValueError, match="horizon"):
        f.predict(h="soon")
    with pytest.raises(FrameError, match="before the end"):
        f.predict(future=df[["unique_id", "ds"]].tail(3))
    with pytest.warns(UserWarning, match="inferred 60 minutes"):
        Forecaster("seasonal_naive_week", holidays_country=None, calibration_windows=2).fit(df)


def test_import_is_light():
    code = ("import routing_ml.forecasting, sys; print(sorted(m for m in ('lightgbm', "
            "'statsmodels', 'sklearn', 'dask', 'mlflow') if m in sys.modules))")
    assert subprocess.check_output([sys.executable, "-c", code], text=True).strip() == "[]"


def test_campaign_flag_raises_the_forecast():
    df = synth(weeks=8)[["unique_id", "ds", "y"]]
    camps = [("2024-01-15", "2024-01-19"), ("2024-02-05", "2024-02-09")]
    on = np.zeros(len(df), dtype=bool)
    for a, b in camps:
        on |= df["ds"].between(a, pd.Timestamp(b) + pd.Timedelta("1D"))
    df = df.assign(y=np.where(on, df["y"] * 1.5, df["y"]))
    kw = dict(model="topdown", freq="1h", holidays_country=None, calibration_windows=2)
    base = Forecaster(campaigns=camps, **kw).fit(df).predict(h="1w")
    nxt = ("2024-02-26", "2024-03-01")
    boosted = Forecaster(campaigns=[*camps, nxt], **kw).fit(df).predict(h="1w")
    assert 1.3 < boosted["yhat"].sum() / base["yhat"].sum() < 1.6


def test_spanish_holiday_is_forecast_like_a_sunday():
    days = pd.date_range("2024-09-02", "2024-12-22", freq="D")
    hol = {pd.Timestamp(d) for d in ("2024-10-12", "2024-11-01", "2024-12-06")}
    rows = []
    for d in days:
        level = 30.0 if d.dayofweek == 6 or d in hol else 100.0
        ds = d + pd.to_timedelta(np.arange(24), "h")
        rows.append(pd.DataFrame({"unique_id": "web", "ds": ds,
                                  "y": level * (1 + np.sin(np.arange(24) / 24 * np.pi))}))
    df = pd.concat(rows, ignore_index=True)
    f = Forecaster("topdown", freq="1h", holidays_country="ES", holidays_subdiv="MD",
                   calibration_windows=2).fit(df)
    fc = f.predict(h="1w")
    daily = fc.groupby(fc["ds"].dt.date)["yhat"].sum()
    christmas, eve = daily[pd.Timestamp("2024-12-25").date()], daily[
        pd.Timestamp("2024-12-24").date()]
    assert christmas < 0.5 * eve
    assert christmas == pytest.approx(daily[pd.Timestamp("2024-12-29").date()], rel=0.15)
