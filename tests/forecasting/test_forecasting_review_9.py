"""A queue opened last week among others (session of 2 December, evening): its five days
of history made the whole fit fail. short_series='skip' forecasts the others."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from routing_ml.errors import FrameError
from routing_ml.forecasting import Forecaster


def _history(short_days=5):
    rng = np.random.default_rng(0)
    ds = pd.date_range("2024-01-01", periods=96 * 28, freq="15min")
    old = pd.DataFrame({"unique_id": "old", "ds": ds, "y": rng.poisson(5, len(ds))})
    ds2 = pd.date_range("2024-01-29", periods=96 * short_days, freq="15min") - pd.Timedelta(
        days=short_days)
    new = pd.DataFrame({"unique_id": "new", "ds": ds2, "y": rng.poisson(3, len(ds2))})
    return pd.concat([old, new], ignore_index=True)


def _forecaster(**kw):
    return Forecaster(freq="15min", holidays_country=None, calibration_windows=2, **kw)


def test_a_short_series_is_an_error_that_names_the_skip_option():
    with pytest.raises(FrameError, match=r"series 'new' spans 5 days.*short_series='skip'"):
        _forecaster().fit(_history())


def test_skip_forecasts_the_other_series_and_names_the_skipped_one():
    with pytest.warns(UserWarning, match=r"1 series left out .*\{'new': 5\}"):
        f = _forecaster(short_series="skip").fit(_history())
    assert f.skipped_series_ == {"new": 5}
    fc = f.predict(h="1d")
    assert set(fc["unique_id"]) == {"old"} and len(fc) == 96
    # the same forecast as a fit without the short series
    alone = _forecaster().fit(_history().query("unique_id == 'old'")).predict(h="1d")
    pd.testing.assert_frame_equal(fc.reset_index(drop=True), alone.reset_index(drop=True))
    future = pd.DataFrame({"unique_id": "new", "ds": pd.date_range("2024-01-29", periods=4,
                                                                   freq="15min")})
    with pytest.raises(FrameError, match=r"left out by short_series='skip'"):
        f.predict(future=future)


def test_skip_still_needs_one_series_with_a_week():
    with pytest.raises(FrameError, match="every series has less than a week"):
        _forecaster(short_series="skip").fit(_history().query("unique_id == 'new'"))
    with pytest.raises(ValueError, match="short_series='drop' must be 'raise'"):
        _forecaster(short_series="drop").fit(_history())


def test_the_cli_skips_on_request(tmp_path):
    from routing_ml.cli import app

    _history().to_csv(tmp_path / "h.csv", index=False)
    args = ["forecast", "--history", str(tmp_path / "h.csv"), "--out", str(tmp_path / "fc.csv"),
            "--horizon", "1d", "--country", "", "--freq", "15min"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 1 and "--short-series skip" in res.output
    res = CliRunner().invoke(app, [*args, "--short-series", "skip"])
    assert res.exit_code == 0, res.output
    assert "left out" in res.output and "'new': 5" in res.output
    assert set(pd.read_csv(tmp_path / "fc.csv")["unique_id"]) == {"old"}
