"""Randomised-review findings (2026-12-01): prediction intervals of queues fitted
together, the intraday update of a later day, queues without contacts under LightGBM,
histories too short for a weekly season, and exact ties at the occupancy cap."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from routing_ml.errors import FrameError
from routing_ml.forecasting import Forecaster, cross_validation
from routing_ml.queueing import required_agents


def _office_hours(start: str, end: str) -> pd.DatetimeIndex:
    ds = pd.date_range(start, end, freq="1h")
    return ds[(ds.dayofweek < 5) & (ds.hour >= 8) & (ds.hour < 20)]


def _width80(cv: pd.DataFrame) -> pd.Series:
    return (cv["yhat_hi_80"] - cv["yhat_lo_80"]).groupby(cv["unique_id"]).mean()


def test_each_queue_keeps_its_own_interval_width_in_a_joint_fit() -> None:
    # a Poisson queue and an over-dispersed one: fitted together they shared one variance
    # function (P's 80 % interval 3x too wide, N's covering 57 %)
    rng = np.random.default_rng(0)
    ds = _office_hours("2024-01-08", "2024-04-05 19:00")
    lam = 60 * (1.3 - 0.1 * ds.dayofweek) * (0.6 + np.sin(np.pi * (ds.hour - 8) / 12) ** 2)
    days = ds.normalize().unique()
    factor = pd.Series(rng.lognormal(0, 0.25, len(days)), days)[ds.normalize()].to_numpy()
    p = pd.DataFrame({"unique_id": "P", "ds": ds, "y": rng.poisson(lam).astype(float)})
    n = pd.DataFrame({"unique_id": "N", "ds": ds,
                      "y": rng.poisson(rng.gamma(5, lam * factor / 5)).astype(float)})
    tmpl = Forecaster("topdown", freq="1h", holidays_country=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alone = pd.concat([_width80(cross_validation(q, h="1w", n_windows=4, forecaster=tmpl))
                           for q in (p, n)])
        joint = _width80(cross_validation(pd.concat([p, n]), h="1w", n_windows=4, forecaster=tmpl))
    assert joint["N"] > 3 * joint["P"]
    assert np.allclose(joint[alone.index], alone, rtol=0.2), (joint, alone)


def _mon_fri(seed: int = 0) -> pd.DataFrame:
    ds = pd.date_range("2024-01-08", "2024-03-08 23:30", freq="30min")
    ds = ds[(ds.dayofweek < 5) & (ds.hour >= 8) & (ds.hour < 20)]
    y = np.random.default_rng(seed).poisson(20, len(ds)).astype(float)
    return pd.DataFrame({"unique_id": "A", "ds": ds, "y": y})


def test_the_intraday_update_refuses_a_day_after_unseen_open_days() -> None:
    hist = _mon_fri()  # ends Friday 8 March
    f = Forecaster("topdown", freq="30min", holidays_country=None).fit(hist)
    monday = pd.DataFrame({"unique_id": "A", "y": 20.0,
                           "ds": pd.date_range("2024-03-11 08:00", periods=4, freq="30min")})
    assert len(f.reforecast_intraday(monday))  # the next open day: fine
    tuesday = monday.assign(ds=monday["ds"] + pd.Timedelta(days=1))
    with pytest.raises(FrameError, match="not the next open day.*2024-03-11 is open"):
        f.reforecast_intraday(tuesday)


@pytest.mark.parametrize("model", ["lightgbm", "ensemble"])
def test_a_queue_without_contacts_does_not_stop_lightgbm(model: str) -> None:
    ds = _office_hours("2024-01-08", "2024-03-15 19:00")
    a = pd.DataFrame({"unique_id": "A", "ds": ds,
                      "y": np.random.default_rng(0).poisson(10, len(ds)).astype(float)})
    z = pd.DataFrame({"unique_id": "Z", "ds": ds, "y": 0.0})
    z = z[z["ds"] < "2024-03-15"]  # ends a day earlier: a calibration cut sees it alone
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = Forecaster(model, freq="1h", holidays_country=None).fit(pd.concat([a, z])).predict(h="1w")
    assert (out.loc[out["unique_id"] == "Z", "yhat"] < 1e-3).all()
    assert out.loc[out["unique_id"] == "A", "yhat"].mean() == pytest.approx(10, rel=0.3)


@pytest.mark.parametrize("model", ["ets", "mstl"])
def test_a_history_too_short_for_a_weekly_season_falls_back_with_a_warning(model: str) -> None:
    ds = _office_hours("2024-04-08", "2024-04-17 23:00")  # 8 open days
    df = pd.DataFrame({"unique_id": "q", "ds": ds, "y": 10.0})
    with pytest.warns(UserWarning, match=f"{model} on 'q'.*top-down"):
        out = Forecaster(model, freq="1h", holidays_country=None).fit(df).predict(h="1w")
    assert out["yhat"].to_numpy() == pytest.approx(10.0, rel=0.05)


@pytest.mark.parametrize(("volume", "aht", "minutes", "agents"), [
    (322, 180, 15, 92), (2338, 180, 15, 668), (2716, 180, 30, 388), (1533, 30, 15, 73),
])
def test_an_exact_tie_at_the_occupancy_cap_is_at_the_cap(volume, aht, minutes, agents) -> None:
    # volume x aht / (60 x minutes) / agents = 0.7 exactly: the cap allows that many agents
    # (floating point put some ties above 0.7 and some below)
    n = required_agents(volume, aht_seconds=aht, interval_minutes=minutes, service_level=0.5,
                        answer_seconds=60, max_occupancy=0.7)
    assert int(n) == agents


def test_handle_time_forecast_leaves_out_the_holidays_the_volume_forecast_does() -> None:
    from routing_ml.forecasting import HandleTimeForecaster

    # Mon-Fri 09-17 office closed on 12 Oct and 1 Nov 2023 (national holidays); the next
    # week holds 6 and 8 December, holidays too
    ds = pd.date_range("2023-10-02", "2023-12-01 23:00", freq="1h")
    ds = ds[(ds.hour >= 9) & (ds.hour < 17) & (ds.dayofweek < 5)]
    ds = ds[~ds.normalize().isin(pd.to_datetime(["2023-10-12", "2023-11-01"]))]
    hist = pd.DataFrame({"unique_id": "q", "ds": ds, "y": 10.0, "aht_seconds": 300.0})
    kw = dict(freq="1h", holidays_country="ES")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vol = Forecaster("topdown", **kw).fit(hist[["unique_id", "ds", "y"]]).predict(h="1w")
    aht = HandleTimeForecaster(**kw).fit(hist).predict(h="1w")
    assert set(aht["ds"]) == set(vol["ds"])
    assert not aht["ds"].dt.normalize().isin(pd.to_datetime(["2023-12-06", "2023-12-08"])).any()
