"""Review findings (forecasting): closed holidays, ETS by date, all-zero queues, the
latest week of the seasonal baselines, Madrid's transferred holidays, freq vs the data's
step, and the CLI's empty-horizon message. Expected values are worked out by hand."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from routing_ml.cli import app
from routing_ml.errors import FrameError
from routing_ml.forecasting import MADRID_CITY_HOLIDAYS, Forecaster, HolidayCalendar, evaluate


def _office(start: str, end: str, *, holidays: set | None = None, seed: int = 0,
            hours: tuple[int, int] = (9, 17)) -> pd.DataFrame:
    """Hourly Mon-Fri office, open ``hours``; closed (no rows) on ``holidays``."""
    ds = pd.date_range(start, end, freq="1h")
    ds = ds[(ds.hour >= hours[0]) & (ds.hour < hours[1]) & (ds.dayofweek < 5)]
    if holidays:
        ds = ds[~ds.normalize().isin(pd.DatetimeIndex(sorted(holidays)))]
    y = np.random.default_rng(seed).poisson(20, len(ds)).astype(float)
    return pd.DataFrame({"unique_id": "office", "ds": ds, "y": y})


MD_2023 = {pd.Timestamp(d) for d in ("2023-08-15", "2023-10-12", "2023-11-01", "2023-11-09",
                                       "2023-12-06", "2023-12-08", "2023-12-25")}
KW = dict(freq="1h", holidays_country="ES", holidays_subdiv="MD",
          extra_holidays=MADRID_CITY_HOLIDAYS, calibration_windows=2)


# ----------------------------------------------------------------------------- finding 1
def test_holidays_a_series_was_always_closed_on_are_left_out_of_the_default_future():
    # closed on 15 Aug (Tue), 12 Oct (Thu), 1 Nov (Wed), 9 Nov (Thu): the December
    # holidays 6 Dec (Wed), 8 Dec (Fri) and 25 Dec (Mon) are closed days, not full days
    hist = _office("2023-07-03", "2023-11-30 23:00", holidays=MD_2023)
    f = Forecaster("seasonal_naive_week", **KW).fit(hist)
    assert f.closed_on_holidays_ == {"office": True}
    days = set(f.predict(h="4w")["ds"].dt.normalize())
    for hol in ("2023-12-06", "2023-12-08", "2023-12-25"):
        assert pd.Timestamp(hol) not in days
    for open_day in ("2023-12-05", "2023-12-07", "2023-12-11", "2023-12-26"):
        assert pd.Timestamp(open_day) in days
    # 20 weekdays from Fri 1 Dec to Thu 28 Dec, minus the 3 holidays: 17 days x 8 hours
    assert len(f.predict(h="4w")) == 17 * 8
    # an int horizon counts open intervals: 8 of Fri 1 Dec, then Mon 4 .. Tue 5, Thu 7
    got = f.predict(h=8 * 4)["ds"].dt.normalize().unique()
    assert [str(d.date()) for d in got] == ["2023-12-01", "2023-12-04", "2023-12-05",
                                           "2023-12-07"]


def test_the_open_day_after_a_left_out_holiday_is_the_first_after_a_closure():
    hist = _office("2023-07-03", "2023-11-30 23:00", holidays=MD_2023)
    f = Forecaster("topdown", **KW).fit(hist)
    idx = f._future_indices("2w", None)
    _, tables = f._point(idx)
    p = f.panels_[0]
    thursday = int((np.datetime64("2023-12-07") - p.start) // np.timedelta64(1, "D"))
    assert tables[0]["closed_before1"][thursday] == 1.0


def test_closed_on_holidays_can_be_forced_and_auto_keeps_holidays_with_contacts():
    hist = _office("2023-07-03", "2023-11-30 23:00", holidays=MD_2023)
    f = Forecaster("seasonal_naive_week", closed_on_holidays=False, **KW).fit(hist)
    assert pd.Timestamp("2023-12-06 09:00") in set(f.predict(h="1w")["ds"])
    # a centre open on its holidays keeps them in the forecast
    open_hist = _office("2023-07-03", "2023-11-30 23:00")
    f = Forecaster("seasonal_naive_week", **KW).fit(open_hist)
    assert f.closed_on_holidays_ == {"office": False}
    assert pd.Timestamp("2023-12-06 09:00") in set(f.predict(h="1w")["ds"])
    f = Forecaster("seasonal_naive_week", closed_on_holidays=True, **KW).fit(open_hist)
    assert pd.Timestamp("2023-12-06 09:00") not in set(f.predict(h="1w")["ds"])
    with pytest.raises(ValueError, match="closed_on_holidays='sometimes'"):
        Forecaster("seasonal_naive_week", closed_on_holidays="sometimes", **KW).fit(hist)


def test_cli_forecast_closed_on_holidays_flag(tmp_path):
    _office("2023-07-03", "2023-11-30 23:00", holidays=MD_2023).to_csv(tmp_path / "h.csv",
                                                                       index=False)
    args = ["forecast", "--history", str(tmp_path / "h.csv"), "--freq", "1h", "--horizon",
            "1w", "--model", "seasonal_naive_week", "--subdiv", "MD"]
    auto = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "a.csv")])
    forced = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "n.csv"),
                                      "--closed-on-holidays", "no"])
    assert auto.exit_code == 0 and forced.exit_code == 0, auto.output + forced.output
    wed = "2023-12-06 09:00:00"
    assert wed not in set(pd.read_csv(tmp_path / "a.csv")["ds"])
    assert wed in set(pd.read_csv(tmp_path / "n.csv")["ds"])
    bad = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "b.csv"),
                                   "--closed-on-holidays", "maybe"])
    assert bad.exit_code == 1 and "--closed-on-holidays" in bad.output


# ----------------------------------------------------------------------------- finding 2
def _weekly_totals(weeks: int = 8) -> pd.DataFrame:
    """Mon..Fri daily totals 100, 200, 300, 400, 500, spread evenly over 8 hours."""
    ds = pd.date_range("2024-01-01", periods=weeks * 7 * 24, freq="1h")
    ds = ds[(ds.hour >= 9) & (ds.hour < 17) & (ds.dayofweek < 5)]
    y = (ds.dayofweek.to_numpy() + 1) * 100.0 / 8
    return pd.DataFrame({"unique_id": "office", "ds": ds, "y": y})


def test_ets_picks_each_requested_day_by_date_not_by_position():
    pytest.importorskip("statsmodels")
    hist = _weekly_totals()  # ends Friday 2024-02-23
    f = Forecaster("ets", freq="1h", holidays_country=None, calibration_windows=2).fit(hist)
    # Wednesday alone: the Wednesday total 300, not the next day's (Monday, 100)
    wed = pd.DataFrame({"unique_id": "office",
                        "ds": pd.date_range("2024-02-28 09:00", periods=8, freq="1h")})
    np.testing.assert_allclose(f.predict(future=wed)["yhat"].sum(), 300.0, rtol=0.03)
    # the week without its Monday (a holiday): Tue..Fri keep 200, 300, 400, 500
    days = pd.date_range("2024-02-27", periods=4, freq="D")
    fut = pd.DataFrame({"unique_id": "office",
                        "ds": [d + pd.Timedelta(hours=h) for d in days for h in range(9, 17)]})
    tot = f.predict(future=fut).groupby(lambda i: i // 8)["yhat"].sum().to_numpy()
    np.testing.assert_allclose(tot, [200.0, 300.0, 400.0, 500.0], rtol=0.03)


# ----------------------------------------------------------------------------- finding 3
def test_an_all_zero_queue_gets_a_zero_forecast_and_does_not_break_the_others():
    busy = _office("2024-01-08", "2024-03-01 23:00").assign(unique_id="busy")
    silent = busy.assign(unique_id="silent", y=0.0)
    kw = dict(freq="1h", holidays_country=None, calibration_windows=2)
    both = Forecaster(**kw).fit(pd.concat([busy, silent])).predict(h="1w")
    alone = Forecaster(**kw).fit(busy).predict(h="1w")
    z = both[both["unique_id"] == "silent"]
    assert len(z) == 5 * 8 and (z["yhat"] == 0).all()
    # no contact in 8 weeks of known intervals: the interval is the point forecast (the
    # variance floor sd = sqrt(a * (0 + 1)) gave it an upper bound of a few contacts an
    # hour until the review of 2026-12-01)
    assert (z["yhat_lo_95"] == 0).all() and (z["yhat_hi_95"] == 0).all()
    np.testing.assert_allclose(both.loc[both["unique_id"] == "busy", "yhat"].to_numpy(),
                               alone["yhat"].to_numpy())



@pytest.mark.parametrize("model", ["topdown", "ensemble"])
def test_a_queue_gone_quiet_is_forecast_zero_not_a_certain_echo_of_its_past(model):
    # 7 weeks of ~3 an hour, then 10 weeks of nothing (silent: 28 known days of 0). The
    # models echoed the old volume (topdown 0.2 an hour at the busiest) inside an
    # interval of zero width: a certainty the data does not give
    busy = _office("2024-01-01", "2024-04-26 23:00").assign(unique_id="busy")
    went = _office("2024-01-01", "2024-04-26 23:00", seed=1).assign(unique_id="went")
    went["y"] = np.where(went["ds"] < "2024-02-19",
                         np.random.default_rng(2).poisson(3, len(went)), 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (its first zero weeks are read as closures)
        f = Forecaster(model, freq="1h", holidays_country=None).fit(pd.concat([busy, went]))
    fc = f.predict(h="1w", level=(80, 95))
    assert f.silent_series_ == {"went"}
    z = fc[fc["unique_id"] == "went"]
    assert len(z) == 5 * 8
    for col in ("yhat", "yhat_lo_80", "yhat_hi_80", "yhat_lo_95", "yhat_hi_95"):
        assert (z[col] == 0).all(), col
    assert (fc.loc[fc["unique_id"] == "busy", "yhat"] > 10).all()


def test_days_with_too_few_known_counts_still_raise():
    hist = _office("2024-01-08", "2024-03-01 23:00")
    hist.loc[hist["ds"].dt.hour != 9, "y"] = np.nan  # 1 of 8 hours known each day
    with pytest.raises(FrameError, match="no day has enough known intervals"):
        Forecaster(freq="1h", holidays_country=None, calibration_windows=2).fit(hist)


# ----------------------------------------------------------------------------- finding 6
def _one_row_a_day(days: int = 21) -> pd.DataFrame:
    """One interval a day (09:00), y = the day number 0, 1, ..., days - 1."""
    ds = pd.date_range("2024-01-01 09:00", periods=days, freq="D")
    return pd.DataFrame({"unique_id": "q", "ds": ds, "y": np.arange(days, dtype=float)})


def test_seasonal_naive_week_uses_the_latest_week_for_every_lead():
    # last history day 20; day d ahead repeats the latest same weekday <= 20:
    # d = 21..27 -> days 14..20, d = 28..34 -> days 14..20 again
    f = Forecaster("seasonal_naive_week", freq="1h", holidays_country=None,
                   calibration_windows=2).fit(_one_row_a_day())
    np.testing.assert_array_equal(f.predict(h="14d")["yhat"].to_numpy(),
                                  np.r_[14:21, 14:21].astype(float))


def test_window_average_starts_at_the_latest_week_for_every_lead():
    # k=4 weeks but only 3 exist: mean(v, v - 7, v - 14) = v - 7 for v = 14..20
    f = Forecaster("window_average", freq="1h", holidays_country=None,
                   calibration_windows=2).fit(_one_row_a_day())
    np.testing.assert_allclose(f.predict(h="14d")["yhat"].to_numpy(),
                               np.r_[7:14, 7:14].astype(float))


# ----------------------------------------------------------------------------- finding 5
def test_madrid_city_holidays_move_from_sunday_to_monday():
    dates = HolidayCalendar("ES", "MD", MADRID_CITY_HOLIDAYS).dates([2022, 2023, 2025])
    # 2022-05-15 and 2025-11-09 were Sundays: the Mondays were the days off, and the
    # Sundays themselves stay holidays (a web channel open on Sundays is quiet then)
    assert {np.datetime64("2022-05-16"), np.datetime64("2022-05-15")} <= dates
    assert {np.datetime64("2025-11-10"), np.datetime64("2025-11-09")} <= dates
    assert np.datetime64("2022-05-17") not in dates
    # on other weekdays they stay: 2023-05-15 (Monday), 2023-11-09 (Thursday)
    assert np.datetime64("2023-05-15") in dates and np.datetime64("2023-11-09") in dates
    # a plain "MM-DD" does not move
    plain = HolidayCalendar(None, None, ("05-15",)).dates([2022])
    assert plain == {np.datetime64("2022-05-15")}


def test_a_country_holiday_on_a_sunday_is_a_holiday_on_the_sunday_and_the_day_off():
    """The holidays package lists only the day off (Christmas 2022 -> Monday 26 December
    in Madrid); the Sunday itself was missing, so it was forecast as an ordinary Sunday."""
    dates = HolidayCalendar("ES", "MD").dates([2021, 2022, 2023])
    for sunday in ("2021-05-02", "2021-08-15", "2022-05-01", "2022-12-25", "2023-01-01",
                   "2023-03-19"):
        assert np.datetime64(sunday) in dates, sunday
    for day_off in ("2021-05-03", "2022-12-26", "2023-03-20"):
        assert np.datetime64(day_off) in dates, day_off
    assert np.datetime64("2022-12-27") not in dates and np.datetime64("2023-01-02") not in dates


def test_spain_without_a_region_warns_that_regional_holidays_are_missing():
    hist = _office("2024-01-08", "2024-02-02 23:00")
    with pytest.warns(UserWarning, match=r"holidays_subdiv.*Jueves Santo"):
        Forecaster("seasonal_naive_week", freq="1h", calibration_windows=2).fit(hist)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Forecaster("seasonal_naive_week", freq="1h", holidays_subdiv="MD",
                   calibration_windows=2).fit(hist)


# ----------------------------------------------------------------------------- finding 7
def test_freq_finer_than_every_series_step_is_an_error():
    ds = pd.date_range("2024-01-08 08:00", "2024-01-26 19:30", freq="30min")
    ds = ds[(ds.hour >= 8) & (ds.hour < 20)]
    df = pd.DataFrame({"unique_id": "q", "ds": ds, "y": 10.0})
    with pytest.raises(FrameError, match=r"freq='15min'.*30-minute.*freq='30min'"):
        Forecaster("seasonal_naive_week", freq="15min", holidays_country=None).fit(df)
    # one series on the 15-minute grid is enough: the others may be sparse (a queue that
    # leaves out its empty intervals: steps of every multiple of 15 minutes)
    fine = pd.DataFrame({"unique_id": "p", "ds": pd.date_range(
        "2024-01-08 08:00", "2024-01-26 19:45", freq="15min"), "y": 1.0})
    fine = fine[(fine["ds"].dt.hour >= 8) & (fine["ds"].dt.hour < 20)]
    rng = np.random.default_rng(0)
    sparse = fine[rng.random(len(fine)) < 0.4].assign(unique_id="s")
    Forecaster("seasonal_naive_week", freq="15min", holidays_country=None,
               calibration_windows=2).fit(pd.concat([sparse, fine]))
    # but a series whose every step is 30 minutes holds 30-minute volumes: with a
    # 15-minute series beside it, it would be staffed at twice its traffic
    with pytest.raises(FrameError, match=r"'q' \(30 min\).*coarser grid.*2x"):
        Forecaster("seasonal_naive_week", freq="15min", holidays_country=None,
                   calibration_windows=2).fit(pd.concat([df, fine]))


# ----------------------------------------------------------------------------- finding 10
def test_cli_empty_horizon_names_the_next_open_interval(tmp_path):
    # history ends Friday 2024-01-26 16:00; closed until Monday 2024-01-29 09:00,
    # 2 days 17 hours later: a 3-day horizon reaches it
    _office("2024-01-08", "2024-01-26 23:00").to_csv(tmp_path / "h.csv", index=False)
    args = ["forecast", "--history", str(tmp_path / "h.csv"), "--freq", "1h",
            "--model", "seasonal_naive_week", "--country", ""]
    res = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "o.csv"),
                                   "--horizon", "12h"])
    assert res.exit_code == 1
    assert "closed" in res.output and "2024-01-29 09:00:00" in res.output
    assert "Monday" in res.output and "--horizon 3d" in res.output
    assert "'12h'" not in res.output
    ok = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "o.csv"), "--horizon", "3d"])
    assert ok.exit_code == 0, ok.output


def test_levels_given_as_fractions_are_refused_not_read_as_percent():
    df = _office("2024-01-08", "2024-01-26 23:00")
    f = Forecaster("seasonal_naive_week", freq="1h", holidays_country=None).fit(df)
    with pytest.raises(ValueError, match=r"percentages.*level=\(80, 95\)"):
        f.predict(h="1w", level=(0.8, 0.95))
    assert "yhat_lo_80" in f.predict(h="1w", level=(80,)).columns


def test_a_horizon_that_falls_on_closed_days_warns_instead_of_an_empty_frame():
    df = _office("2024-01-08", "2024-01-26 23:00")  # ends on a Friday
    f = Forecaster("seasonal_naive_week", freq="1h", holidays_country=None).fit(df)
    with pytest.warns(UserWarning, match="covers no open interval of 1 series"):
        out = f.predict(h="12h")
    assert out.empty
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(f.predict(h="3d")) > 0


def test_evaluate_names_the_missing_columns():
    with pytest.raises(FrameError, match="evaluate: cv.*'ds'"):
        evaluate(pd.DataFrame({"y": [1.0], "yhat": [1.0]}))


def test_cli_forecast_counts_the_history_rows_without_a_count(tmp_path):
    df = _office("2024-01-08", "2024-01-26 23:00")
    df.loc[df.index[5:9], "y"] = np.nan
    df.to_csv(tmp_path / "h.csv", index=False)
    res = CliRunner().invoke(app, ["forecast", "--history", str(tmp_path / "h.csv"), "--freq", "1h",
                                   "--model", "seasonal_naive_week", "--country", "",
                                   "--out", str(tmp_path / "o.csv")])
    assert res.exit_code == 0, res.output
    assert f"note: 4 of {len(df)} history rows have no count" in res.output


@pytest.mark.parametrize("campaigns, match", [
    (("2024-03-04", "2024-03-15"), "bare pair must be inside a list"),
    ("2024-03-04", "not a list of date ranges"),
    ([("2024-03-04", "not a date")], "not a date"),
    ([("2024-03-15", "2024-03-04")], "start on or before its end"),
    ([("2024-03-04",)], r"not a \(start, end"),
])
def test_campaigns_are_checked_before_the_fit_reads_them(campaigns, match):
    hist = _office("2024-01-08", "2024-03-01 23:00")
    with pytest.raises(ValueError, match=match):
        Forecaster(freq="1h", holidays_country=None, campaigns=campaigns).fit(hist)


def test_campaign_ranges_given_as_lists_are_read():
    hist = _office("2024-01-08", "2024-03-01 23:00")
    f = Forecaster(freq="1h", holidays_country=None, calibration_windows=2,
                   campaigns=[["2024-02-05", "2024-02-09", "office"]]).fit(hist)
    assert len(f.predict(h="1w")) == 5 * 8
