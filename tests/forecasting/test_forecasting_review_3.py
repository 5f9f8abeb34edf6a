"""Review findings (2026-12-01): a closed day shifting the weekly season of the ETS and
MSTL models, an unknown holiday region at ``fit``, and NumPy interval levels."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from routing_ml.forecasting import Forecaster


def _mon_to_sat(days: int, seed: int = 0) -> pd.DataFrame:
    """Half-hourly, open 08:00-20:00 Monday to Saturday; Saturday at 0.6x a weekday."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2024-01-01", periods=days * 48, freq="30min")
    ds = ds[(ds.hour >= 8) & (ds.hour < 20) & (ds.dayofweek < 6)]
    lam = 20.0 * np.where(ds.dayofweek == 5, 0.6, 1.0)
    return pd.DataFrame({"unique_id": "a", "ds": ds, "y": rng.poisson(lam).astype(float)})


@pytest.mark.parametrize("model", ["ets", "mstl"])
def test_a_closed_day_does_not_shift_the_weekly_season(model: str) -> None:
    full = _mon_to_sat(132)  # to Saturday 2024-05-11
    one_closed = full[full["ds"].dt.normalize() != "2024-05-08"]  # a Wednesday without rows
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tot = {}
        for name, data in (("full", full), ("closed", one_closed)):
            p = Forecaster(model, freq="30min", holidays_country=None).fit(data).predict(h="1w")
            tot[name] = p.groupby(p["ds"].dt.dayofweek)["yhat"].sum()
    # weekdays ~ 24 x 20 = 480 a day, Saturdays ~ 288: with the season shifted by one day
    # Monday came out at Saturday's level and Saturday at a weekday's
    assert tot["closed"][5] < 0.75 * tot["closed"][0]
    assert np.allclose(tot["closed"], tot["full"], rtol=0.05), (tot["closed"], tot["full"])


@pytest.mark.parametrize(("country", "subdiv"), [("ES", "MAD"), ("SP", "MD")])
def test_an_unknown_holiday_region_is_a_value_error_at_fit(country: str, subdiv: str) -> None:
    with pytest.raises(ValueError, match="unknown to the holidays package"):
        Forecaster(freq="30min", holidays_country=country, holidays_subdiv=subdiv).fit(
            _mon_to_sat(21))


def test_numpy_levels_are_read_and_booleans_refused() -> None:
    f = Forecaster("topdown", freq="30min", holidays_country=None).fit(_mon_to_sat(28))
    for level in (np.array([80, 95]), [np.int64(80), 95.0], np.float64(80)):
        cols = set(f.predict(h=2, level=level).columns)
        assert "yhat_lo_80" in cols and "yhat_hi_80" in cols, cols
    with pytest.raises(ValueError, match="percentage"):
        f.predict(h=2, level=(80, True))
