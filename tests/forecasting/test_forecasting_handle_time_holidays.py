"""HandleTimeForecaster with a holiday calendar: holidays get a profile of their own."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from routing_ml.forecasting import HandleTimeForecaster

# Comunidad de Madrid, spring 2024: Jueves Santo 28 March, Viernes Santo 29 March (both
# in the holidays package's ES-MD calendar), 1 May (national), 2 May (regional)
HOLIDAYS = pd.to_datetime(["2024-03-28", "2024-03-29", "2024-05-01", "2024-05-02"]).date


def _history(end: str) -> pd.DataFrame:
    ds = pd.date_range("2024-03-04", f"{end} 23:30", freq="30min")
    ds = ds[(ds.hour >= 8) & (ds.hour < 20)]
    df = pd.DataFrame({"unique_id": "q", "ds": ds, "served": 20.0})
    # holidays: longer calls (fewer, harder contacts reach the line)
    df["aht_seconds"] = np.where(np.isin(df["ds"].dt.date, HOLIDAYS), 500.0, 300.0)
    return df


def test_without_a_calendar_holidays_pull_their_weekday_up():
    fut = pd.DataFrame({"unique_id": "q", "ds": pd.to_datetime(["2024-05-09 10:00"])})  # a Thursday
    plain = HandleTimeForecaster(freq="30min").fit(_history("2024-05-05")).predict(future=fut)
    madrid = HandleTimeForecaster(freq="30min", holidays_country="ES", holidays_subdiv="MD").fit(
        _history("2024-05-05")).predict(future=fut)
    # two Thursdays of the history were holidays at 500 s: the plain model's Thursday is
    # pulled above 300 s; with the calendar it is an ordinary Thursday
    assert plain["aht_seconds"].iloc[0] > 320
    assert madrid["aht_seconds"].iloc[0] == pytest.approx(300.0)


def test_a_holiday_in_the_future_gets_the_holiday_profile_shrunk_to_the_slot_mean():
    model = HandleTimeForecaster(freq="30min", holidays_country="ES", holidays_subdiv="MD",
                                 prior_calls=30.0).fit(_history("2024-04-30"))
    fut = pd.DataFrame({"unique_id": "q",
                        "ds": pd.to_datetime(["2024-05-01 10:00", "2024-05-02 10:00", "2024-05-03 10:00"])})
    got = model.predict(future=fut)["aht_seconds"].to_numpy()
    # holidays seen in the history: 28 and 29 March, 20 calls each per slot at 500 s,
    # about five weeks old (recency half-life 4 weeks), shrunk with 30 pseudo-calls
    # towards the ordinary days' slot mean (300 s)
    age_weeks = np.array([(pd.Timestamp("2024-04-30") - pd.Timestamp(d)).days / 7 for d in HOLIDAYS[:2]])
    w = 20.0 * 0.5 ** (age_weeks / 4.0)
    expected = (w.sum() * 500.0 + 30.0 * 300.0) / (w.sum() + 30.0)
    assert got[0] == pytest.approx(got[1])
    assert got[0] == pytest.approx(expected, rel=1e-6)
    assert got[2] == pytest.approx(300.0)  # 3 May, an ordinary Friday


def test_extra_holidays_and_params():
    model = HandleTimeForecaster(freq="30min", extra_holidays=["2024-03-28", "2024-03-29"])
    assert model.get_params()["extra_holidays"] == ["2024-03-28", "2024-03-29"]
    model.fit(_history("2024-04-30"))
    fut = pd.DataFrame({"unique_id": "q", "ds": pd.to_datetime(["2024-05-01 10:00"])})
    # 1 May is not in this calendar: an ordinary Wednesday
    assert model.predict(future=fut)["aht_seconds"].iloc[0] == pytest.approx(300.0, abs=1.0)


def test_an_unknown_holiday_calendar_is_a_clear_error():
    with pytest.raises(ValueError, match="holidays country"):
        HandleTimeForecaster(freq="30min", holidays_country="XX").fit(_history("2024-04-30"))


def test_extra_holidays_as_a_single_string_is_refused_with_the_fix():
    with pytest.raises(ValueError, match="single string"):
        HandleTimeForecaster(freq="30min", extra_holidays="2024-03-28").fit(_history("2024-04-30"))
