"""Prediction intervals of HandleTimeForecaster: they cover what they say, out of sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from routing_ml.forecasting import HandleTimeForecaster


def _history(days: int, seed: int = 0, calls_scale: float = 1.0) -> pd.DataFrame:
    """Half-hours 08:00-18:00 of two queues. Each call's handle time is lognormal around
    the slot's level (sigma 0.6), each day has a level of its own (sigma 0.05), and the
    interval's aht_seconds is the mean over its calls (Poisson, fewer early and late)."""
    rng = np.random.default_rng(seed)
    rows = []
    slots = pd.to_timedelta(np.arange(8 * 60, 18 * 60, 30), unit="min")
    for q, base in (("tax", 300.0), ("census", 180.0)):
        for d in range(days):
            day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=d)
            level = np.exp(rng.normal(0, 0.05))
            for k, s in enumerate(slots):
                mean_calls = calls_scale * (4 + 26 * np.sin(np.pi * (k + 0.5) / len(slots)) ** 2)
                n = int(rng.poisson(mean_calls))
                aht = float(np.mean(base * level * np.exp(rng.normal(0, 0.6, n)))) if n else np.nan
                rows.append((q, day + s, n, aht))
    return pd.DataFrame(rows, columns=["unique_id", "ds", "y", "aht_seconds"])


@pytest.fixture(scope="module")
def data():
    df = _history(35)
    cut = pd.Timestamp("2024-01-29")
    return df[df["ds"] < cut], df[df["ds"] >= cut]


def test_intervals_cover_their_level_on_the_next_week(data):
    train, test = data
    m = HandleTimeForecaster(freq="30min").fit(train)
    fc = m.predict(future=test[["unique_id", "ds"]], level=(80, 95))
    j = fc.merge(test, on=["unique_id", "ds"], suffixes=("", "_observed")).dropna(subset=["aht_seconds_observed"])
    assert len(j) > 250
    for L, lo, hi in ((80, 0.70, 0.90), (95, 0.90, 0.99)):  # seeds 0-9: 0.71-0.87, 0.91-0.97
        inside = (j["aht_seconds_observed"] >= j[f"aht_seconds_lo_{L}"]) & \
                 (j["aht_seconds_observed"] <= j[f"aht_seconds_hi_{L}"])
        assert lo <= inside.mean() <= hi, (L, inside.mean())
    # nested and around the point forecast
    assert (fc["aht_seconds_lo_95"] <= fc["aht_seconds_lo_80"]).all()
    assert (fc["aht_seconds_lo_80"] <= fc["aht_seconds"]).all()
    assert (fc["aht_seconds"] <= fc["aht_seconds_hi_80"]).all()
    assert (fc["aht_seconds_hi_80"] <= fc["aht_seconds_hi_95"]).all()
    # the day's own level (sigma 0.05: 0.0025) and the log spread of a mean of n calls
    # (exp(0.6^2) - 1 = 0.43 / n) are recovered roughly (seeds 0-9: 0.000-0.013, 0.33-0.57)
    between, within = m.log_var_
    assert between < 0.03 and 0.25 < within < 0.7


def test_a_slot_with_fewer_calls_has_a_wider_interval(data):
    train, _ = data
    fc = HandleTimeForecaster(freq="30min").fit(train).predict(h="1D", level=(80,))
    fc = fc[fc["unique_id"] == "tax"].reset_index(drop=True)
    rel = (fc["aht_seconds_hi_80"] - fc["aht_seconds_lo_80"]) / fc["aht_seconds"]
    # the first half-hour of the day has ~4 calls, midday ~30
    assert rel.iloc[0] > 1.5 * rel.iloc[len(rel) // 2]


def test_without_level_the_frame_is_unchanged(data):
    train, _ = data
    m = HandleTimeForecaster(freq="30min").fit(train)
    plain = m.predict(h="1D")
    assert list(plain.columns) == ["unique_id", "ds", "aht_seconds"]
    with_levels = m.predict(h="1D", level=(80,))
    pd.testing.assert_frame_equal(with_levels[plain.columns], plain)


def test_a_history_of_one_week_cannot_calibrate_and_says_so():
    m = HandleTimeForecaster(freq="30min").fit(_history(7))
    assert len(m.predict(h="1D")) > 0
    with pytest.raises(ValueError, match="two weeks or more"):
        m.predict(h="1D", level=(80,))


def test_two_weeks_calibrate_on_the_second(data):
    train, _ = data
    m = HandleTimeForecaster(freq="30min").fit(train[train["ds"] < pd.Timestamp("2024-01-15")])
    assert m.interval_residuals_ > 100  # the second week's intervals with calls, both queues
    fc = m.predict(h="1D", level=(95,))
    assert (fc["aht_seconds_hi_95"] > fc["aht_seconds"]).all()


@pytest.mark.parametrize("level", [(0.8,), (120,), ("80",)])
def test_bad_levels_are_refused(data, level):
    train, _ = data
    m = HandleTimeForecaster(freq="30min").fit(train)
    with pytest.raises(ValueError, match="level"):
        m.predict(h="1D", level=level)


def test_a_queue_without_calls_before_the_calibration_days_is_left_out_quietly():
    df = _history(28)
    late = (df["unique_id"] == "census") & (df["ds"] < pd.Timestamp("2024-01-22"))
    df.loc[late, ["y", "aht_seconds"]] = [0, np.nan]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no 0 / 0 on the way
        m = HandleTimeForecaster(freq="30min").fit(df)
        fc = m.predict(h="1D", level=(80,))
    assert np.isfinite(m.log_var_).all() and fc.notna().all().all()
    assert set(fc["unique_id"]) == {"tax", "census"}
