"""Review findings (2026-12-01, second session): the statsmodels models' fill of holiday
closures and always-zero weekdays, ``predict(future=)`` for a later window, the LightGBM
calibration origins of series that start on different dates, and backtests of a panel
with a recently launched queue."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from routing_ml.forecasting import Forecaster, cross_validation


def weekly(uid: str, start: str = "2024-01-08", weeks: int = 6, open_days=(0, 1, 2, 3, 4, 5),
           hours=(8, 20), base: float = 10.0) -> pd.DataFrame:
    """A noiseless weekly pattern of 30-minute counts (a level per weekday, a daily bump)."""
    idx = pd.date_range(start, periods=weeks * 7 * 48, freq="30min")
    idx = idx[idx.dayofweek.isin(open_days) & (idx.hour >= hours[0]) & (idx.hour < hours[1])]
    frac = (idx.hour + idx.minute / 60 - hours[0]) / (hours[1] - hours[0])
    y = np.round(base * (1 + idx.dayofweek * 0.2) * (1 + np.sin(frac * np.pi)))
    return pd.DataFrame({"unique_id": uid, "ds": idx, "y": y})


def _closures_then_uplift() -> pd.DataFrame:
    """Ten Mon-Fri weeks with four Wednesdays closed, each followed by a +40 % Thursday."""
    d = weekly("A", weeks=10, open_days=(0, 1, 2, 3, 4))
    for wed in ["2024-01-17", "2024-01-31", "2024-02-14", "2024-02-28"]:
        w = pd.Timestamp(wed)
        d = d[d["ds"].dt.normalize() != w]
        thu = d["ds"].dt.normalize() == w + pd.Timedelta(days=1)
        d.loc[thu, "y"] = np.round(d.loc[thu, "y"] * 1.4)
    return d


def _daily(fc: pd.DataFrame) -> list[float]:
    return fc.groupby(fc["ds"].dt.date)["yhat"].sum().round(1).tolist()


@pytest.mark.parametrize("model", ["ets", "mstl"])
def test_a_holiday_closure_is_filled_as_its_own_weekday(model: str) -> None:
    # Mon-Fri, closed on Maundy Thursday and Good Friday (Madrid): the two gaps were filled
    # with a holiday's (Sunday's) total, which bent the weekly season by 3-4 %
    df = weekly("A", weeks=8, start="2024-03-04", open_days=(0, 1, 2, 3, 4))
    df = df[~df["ds"].dt.normalize().isin(pd.to_datetime(["2024-03-28", "2024-03-29"]))]
    df = df[df["ds"] < "2024-04-20"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = Forecaster(model, freq="30min", holidays_country=None).fit(df).predict(h="1w")
        madrid = Forecaster(model, freq="30min", holidays_country="ES",
                            holidays_subdiv="MD").fit(df).predict(h="1w")
    assert _daily(plain) == pytest.approx([394, 472, 552, 628, 708], abs=0.5)
    assert _daily(madrid) == pytest.approx(_daily(plain), abs=0.5)


def test_ets_forecasts_zero_on_a_weekday_that_never_has_contacts() -> None:
    d = weekly("A", open_days=range(7), hours=(0, 24))
    quiet = (d["ds"].dt.dayofweek == 6) | (d["ds"].dt.hour < 8) | (d["ds"].dt.hour >= 20)
    d.loc[quiet, "y"] = 0.0  # Sunday's rows are there, all 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fc = Forecaster("ets", freq="30min", holidays_country=None).fit(d).predict(h="1w")
    assert fc.loc[fc["ds"].dt.dayofweek == 6, "yhat"].sum() == 0.0
    assert (fc.loc[fc["ds"].dt.dayofweek < 6].groupby(fc["ds"].dt.date)["yhat"].sum() > 400).all()


@pytest.mark.parametrize("model", ["topdown", "lightgbm"])
def test_a_later_future_window_gets_the_forecast_of_predict_h(model: str) -> None:
    # Wednesday closures followed by a +40 % Thursday: the open days between the history
    # and a window three weeks on were taken as closures, and the uplift landed on Monday
    d = _closures_then_uplift()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = Forecaster(model, freq="30min", holidays_country=None).fit(d[d["ds"] < "2024-03-16"])
        long = f.predict(h="3w")
        week3 = long[long["ds"] >= "2024-04-01"].reset_index(drop=True)
        direct = f.predict(future=week3[["unique_id", "ds"]])
    np.testing.assert_allclose(direct["yhat"], week3["yhat"], rtol=1e-9)


def test_lightgbm_calibration_fits_one_global_model_per_calendar_origin(monkeypatch) -> None:
    from routing_ml.forecasting import _lgbm

    sizes: list[int] = []
    fit_global = _lgbm.LightGBMDirect.fit_global

    def counting(self, panels, tables):
        sizes.append(len(panels))
        return fit_global(self, panels, tables)

    monkeypatch.setattr(_lgbm.LightGBMDirect, "fit_global", counting)
    starts = ["2024-01-08", "2024-01-09", "2024-01-10", "2024-01-11"]  # one day apart
    df = pd.concat([weekly(u, weeks=8, base=5 + 3 * i).query("ds >= @s")
                    for i, (u, s) in enumerate(zip("ABCD", starts, strict=True))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Forecaster("lightgbm", freq="30min", holidays_country=None).fit(df)
    assert sizes and all(n == 4 for n in sizes)  # every fit on every series, none per series


def test_backtest_leaves_a_recently_launched_queue_out_of_early_windows() -> None:
    a = weekly("A", weeks=6)
    c = weekly("C", weeks=6, base=5.0)
    c = c[c["ds"] >= "2024-02-05"]  # launched six days before the last origin
    with pytest.warns(UserWarning, match=r"window 1: series \['C'\].*less than a week"):
        cv = cross_validation(pd.concat([a, c]), h="1w", n_windows=2, model="topdown",
                              freq="30min", holidays_country=None)
    assert set(cv["unique_id"]) == {"A"} and cv["cutoff"].nunique() == 2
    # with a longer history C takes part in the last window
    c = weekly("C", weeks=6, base=5.0)
    c = c[c["ds"] >= "2024-01-29"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cv = cross_validation(pd.concat([a, c]), h="1w", n_windows=2, model="topdown",
                              freq="30min", holidays_country=None)
    assert set(cv.loc[cv["cutoff"] == cv["cutoff"].max(), "unique_id"]) == {"A", "C"}
    assert set(cv.loc[cv["cutoff"] == cv["cutoff"].min(), "unique_id"]) == {"A"}


def test_a_window_whose_first_day_is_closed_says_so_with_window_start() -> None:
    # closures followed by a +40 % day in the history; next week's Monday is closed: the
    # future frame starts on Tuesday. With window_start the Monday is a closure (Tuesday
    # gets the uplift); without it Monday is taken as predict(h) takes it (open)
    d = _closures_then_uplift()
    hist = d[d["ds"] < "2024-03-09"]  # ends Friday 8 March
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = Forecaster("topdown", freq="30min", holidays_country=None).fit(hist)
        week = f.predict(h="1w")
        tue_on = week[week["ds"].dt.dayofweek >= 1][["unique_id", "ds"]]
        plain = f.predict(future=tue_on)
        closed = f.predict(future=tue_on, window_start="2024-03-11")  # Monday in the window
    tuesday = lambda fc: fc.loc[fc["ds"].dt.dayofweek == 1, "yhat"].sum()  # noqa: E731
    assert tuesday(plain) == pytest.approx(tuesday(week), rel=1e-9)
    assert tuesday(closed) > 1.2 * tuesday(plain)  # the day after a closure
