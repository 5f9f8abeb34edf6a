"""Review findings (forecasting, 2026-11-30): interval calibration pooled the exact zeros of
closed or empty intervals and one error shape for every level; short histories and
calendars without dates fell back silently; a bare-number horizon, a missing level, closed
arrivals in the intraday update, the fan chart's and the handle-time forecaster's inputs,
and output paths checked only after the fit."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from routing_ml.cli import app
from routing_ml.datasets import anonymous_bank_volumes, load_bank_calls
from routing_ml.errors import FrameError
from routing_ml.forecasting import (
    Forecaster,
    HandleTimeForecaster,
    cross_validation,
    evaluate,
    plot_forecast,
)


@pytest.fixture(scope="module")
def bank() -> pd.DataFrame:
    """The 2003 bank's half hours, March to June (weekdays 07:00-21:00)."""
    b = load_bank_calls()
    b = b.assign(ds=b["ds"].dt.floor("30min")).groupby(["unique_id", "ds"], as_index=False)["y"].sum()
    b = b[b["ds"].dt.time != pd.Timestamp("21:00").time()]
    return b[b["ds"] < "2003-07-01"].reset_index(drop=True)


def _cv(df: pd.DataFrame) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cross_validation(df, h="7D", n_windows=4, freq="30min", holidays_country=None)


def _coverage(cv: pd.DataFrame, level: int = 80) -> float:
    return float(((cv["y"] >= cv[f"yhat_lo_{level}"]) & (cv["y"] <= cv[f"yhat_hi_{level}"])).mean())


def test_queues_of_zeros_do_not_shrink_the_intervals_of_the_others(bank):
    # three queues with no traffic used to add exact zeros to the pooled calibration
    # errors: the bank's 80 % intervals shrank from ~190 to ~39 calls (coverage 0.21)
    alone = _cv(bank)
    zeros = pd.concat([bank] + [bank.assign(unique_id=f"zero{i}", y=0.0) for i in range(3)])
    with_zeros = _cv(zeros)
    with_zeros = with_zeros[with_zeros["unique_id"] == "bank"]
    width = (alone["yhat_hi_80"] - alone["yhat_lo_80"]).mean()
    width_z = (with_zeros["yhat_hi_80"] - with_zeros["yhat_lo_80"]).mean()
    assert width_z == pytest.approx(width, rel=0.02)
    assert _coverage(with_zeros) > 0.75


def test_zero_filled_closed_hours_do_not_shrink_the_open_hours_intervals(bank):
    days = bank["ds"].dt.normalize().unique()
    grid = pd.DataFrame({"ds": pd.DatetimeIndex(
        [d + pd.Timedelta(minutes=30 * k) for d in days for k in range(48)])})
    filled = grid.merge(bank, on="ds", how="left").assign(unique_id="bank").fillna({"y": 0.0})
    cv = _cv(filled)
    hour = cv["ds"].dt.hour
    open_rows = cv[(hour >= 7) & (hour < 21)]
    assert _coverage(open_rows) > 0.75  # 0.69 when the night zeros were pooled


def test_interval_quantiles_follow_the_forecast_level(bank):
    # a queue a third the size of another: one pooled error shape over-covered the small
    # queue and under-covered the big one (0.87 vs 0.78 at 80 %)
    rng = np.random.default_rng(0)
    small = bank.assign(unique_id="small", y=rng.binomial(bank["y"].astype(int), 0.3).astype(float))
    cv = _cv(pd.concat([bank, small]))
    per_queue = {u: _coverage(g) for u, g in cv.groupby("unique_id")}
    assert abs(per_queue["bank"] - per_queue["small"]) < 0.05, per_queue
    assert all(0.75 < c < 0.87 for c in per_queue.values()), per_queue


def test_a_history_too_short_to_calibrate_warns(bank):
    with pytest.warns(UserWarning, match=r"not calibrated.*at least 22 days"):
        Forecaster(freq="30min", holidays_country=None).fit(bank[bank["ds"] < "2003-03-13"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Forecaster(freq="30min", holidays_country=None).fit(bank[bank["ds"] < "2003-04-10"])


def test_years_the_holiday_package_has_no_calendar_for_warn(bank):
    # the holidays package's Spain starts in 2008: the 2003 history has no holiday at all
    with pytest.warns(UserWarning, match=r"no date of holidays_country='ES' "
                                         r"holidays_subdiv='MD' in 2003"):
        Forecaster(freq="30min", holidays_subdiv="MD").fit(bank[bank["ds"] < "2003-05-01"])
    later = bank.assign(ds=bank["ds"] + pd.DateOffset(years=20))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Forecaster(freq="30min", holidays_subdiv="MD").fit(later[later["ds"] < "2023-05-01"])
    assert not [w for w in caught if "no date of" in str(w.message)]


def test_a_bare_number_horizon_string_is_an_error_not_nanoseconds(bank):
    f = Forecaster(freq="30min", holidays_country=None).fit(bank[bank["ds"] < "2003-04-10"])
    with pytest.raises(ValueError, match=r"h='48' has no unit.*\(48, not a string\)"):
        f.predict(h="48")
    assert len(f.predict(h=48)) == 48
    with pytest.raises(ValueError, match="has no unit"):
        cross_validation(bank, h="7", n_windows=1, freq="30min", holidays_country=None)


def test_evaluate_names_a_level_the_backtest_lacks(bank):
    cv = _cv(bank[bank["ds"] < "2003-05-15"])
    assert {"coverage_80", "coverage_95"} <= set(evaluate(cv))
    with pytest.raises(FrameError, match=r"level 90 has no interval in cv.*levels there: 80, 95"):
        evaluate(cv, level=(90,))
    assert set(k for k in evaluate(cv, level=(95,)) if k.startswith("coverage")) == {"coverage_95"}


def test_the_intraday_update_refuses_arrivals_at_closed_hours(bank):
    f = Forecaster(freq="30min", holidays_country=None).fit(bank[bank["ds"] < "2003-05-01"])
    obs = pd.DataFrame({"unique_id": "bank",
                        "ds": pd.to_datetime(["2003-05-01 03:00", "2003-05-01 03:30",
                                              "2003-05-01 07:00"]),
                        "y": [2000.0, 2000.0, 100.0]})
    with pytest.raises(FrameError, match=r"4000 contacts in 2 interval\(s\).*closed on "
                                         r"Thursdays \(03:00, 03:30\)"):
        f.reforecast_intraday(obs)
    # zeros at closed hours say nothing: accepted
    out = f.reforecast_intraday(obs.assign(y=[0.0, 0.0, 100.0]))
    assert out["ds"].min() == pd.Timestamp("2003-05-01 07:30")


def test_the_fan_chart_checks_its_inputs(bank, tmp_path):
    hist = bank[bank["ds"] < "2003-05-01"]
    f = Forecaster(freq="30min", holidays_country=None).fit(hist)
    fc = f.predict(h="1D", level=(80, 97.5))
    # a fractional level and string timestamps in the history (as read from a CSV)
    path = plot_forecast(hist.assign(ds=hist["ds"].astype(str)), fc, tmp_path / "fan.png")
    assert path.stat().st_size > 0
    with pytest.raises(FrameError, match="no rows"):
        plot_forecast(hist, fc.iloc[:0], tmp_path / "x.png")
    with pytest.raises(FrameError, match=r"missing columns \['yhat'\]"):
        plot_forecast(hist, fc.drop(columns="yhat"), tmp_path / "x.png")


@pytest.fixture(scope="module")
def aht() -> pd.DataFrame:
    v = anonymous_bank_volumes()
    return v[v["unique_id"].isin(["PS", "NW"])].reset_index(drop=True)


def test_handle_time_fit_names_the_column_at_fault(aht):
    with pytest.raises(FrameError, match=r"weight column 'served' has \d+ value"):
        HandleTimeForecaster(freq="30min").fit(aht.assign(served=-aht["served"]))
    bad = aht.assign(aht_seconds=aht["aht_seconds"].astype(object))
    bad.loc[3, "aht_seconds"] = "abc"
    with pytest.raises(FrameError, match=r"'aht_seconds' has 1 value\(s\) that are not seconds"):
        HandleTimeForecaster(freq="30min").fit(bad)
    with pytest.raises(FrameError, match=r"weight_col='servd' is not a column"):
        HandleTimeForecaster(freq="30min", weight_col="servd").fit(aht)
    # the default column is optional: weighted by y without it
    HandleTimeForecaster(freq="30min").fit(aht.drop(columns="served"))


def test_handle_time_future_frames_are_checked_like_the_forecasters(aht):
    m = HandleTimeForecaster(freq="30min").fit(aht)
    fut = m.predict(h="1D")[["unique_id", "ds"]]
    with pytest.raises(FrameError, match="time-zone aware"):
        m.predict(future=fut.assign(ds=fut["ds"].dt.tz_localize("UTC")))
    with pytest.raises(FrameError, match="duplicated"):
        m.predict(future=pd.concat([fut, fut.head(2)]))
    with pytest.raises(FrameError, match="not on the 30-minute grid"):
        m.predict(future=fut.assign(ds=fut["ds"] + pd.Timedelta("7min")))


def test_cli_output_paths_are_checked_before_the_fit(bank, tmp_path):
    hist = tmp_path / "h.csv"
    bank[bank["ds"] < "2003-05-01"].to_csv(hist, index=False)
    runner = CliRunner()
    folder = tmp_path / "folder"
    folder.mkdir()
    r = runner.invoke(app, ["forecast", "--history", str(hist), "--out", str(folder)])
    assert r.exit_code == 1 and "is a folder" in r.output
    r = runner.invoke(app, ["forecast", "--history", str(hist), "--out", str(tmp_path / "f.csv"),
                            "--plot", str(tmp_path / "p.xyz")])
    assert r.exit_code == 1 and "matplotlib writes no '.xyz' figure" in r.output
    assert not (tmp_path / "f.csv").exists()  # nothing written before the error
    r = runner.invoke(app, ["simulate", "--schedule", str(hist), "--forecast", str(hist),
                            "--out", str(hist)])
    assert r.exit_code == 1 and "is a file; give a folder" in r.output


def test_a_forecast_beyond_the_calibrated_horizon_warns(bank, tmp_path):
    hist = bank[bank["ds"] < "2003-05-01"]
    f = Forecaster(freq="30min", holidays_country=None).fit(hist)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f.predict(h="1w")
    with pytest.warns(UserWarning, match=r"reaches 14 days past the history.*7-day windows.*"
                                         r"calibration_horizon='14D'"):
        f.predict(h="2w")
    path = tmp_path / "h.csv"
    hist.to_csv(path, index=False)
    args = ["forecast", "--history", str(path), "--out", str(tmp_path / "f.csv"), "--horizon",
            "2w", "--country", "", "--freq", "30min"]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0 and "--calibration-horizon 14D" in r.output
    r = CliRunner().invoke(app, [*args, "--calibration-horizon", "14D"])
    assert r.exit_code == 0 and "warning" not in r.output


def test_a_queue_that_ended_long_before_the_others_warns(bank):
    # h counts from each queue's own end: a retired queue's "next week" is months old
    old = bank[bank["ds"] < "2003-04-01"].assign(unique_id="retired")
    f = Forecaster(freq="30min", holidays_country=None).fit(
        pd.concat([bank[bank["ds"] < "2003-06-01"], old]))
    with pytest.warns(UserWarning, match=r"1 series end more than a week before.*retired "
                                         r"\(2003-03-31\)"):
        f.predict(h="1w")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Forecaster(freq="30min", holidays_country=None).fit(
            bank[bank["ds"] < "2003-06-01"]).predict(h="1w")


def test_lower_case_holiday_codes_are_the_package_codes():
    from routing_ml.forecasting import HolidayCalendar

    madrid = HolidayCalendar("ES", "MD").dates([2024])
    # the 12 days off and Sunday 8 December (not moved in Madrid in 2024)
    assert len(madrid) == 13 and np.datetime64("2024-12-08") in madrid
    for country, subdiv in (("es", "md"), ("ES", "md"), ("es", "MD")):
        assert HolidayCalendar(country, subdiv).dates([2024]) == madrid
    with pytest.raises(ValueError, match="unknown to the holidays package"):
        HolidayCalendar("xx", "md").dates([2024])
