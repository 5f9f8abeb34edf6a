"""Review findings: an empty history is a clear error; the CLI writes into new folders."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from routing_ml.cli import app
from routing_ml.errors import FrameError
from routing_ml.forecasting import Forecaster, cross_validation


def _history(days: int = 8) -> pd.DataFrame:
    ds = pd.date_range("2024-01-01", periods=days * 24, freq="1h")
    y = np.random.default_rng(0).poisson(4, len(ds)).astype(float)
    return pd.DataFrame({"unique_id": "q", "ds": ds, "y": y})


EMPTY = pd.DataFrame({"unique_id": pd.Series([], dtype=str),
                      "ds": pd.Series([], dtype="datetime64[ns]"),
                      "y": pd.Series([], dtype=float)})


def test_fit_on_an_empty_history_raises():
    with pytest.raises(FrameError, match="no rows"):
        Forecaster("seasonal_naive_week", freq="1h").fit(EMPTY)


def test_cross_validation_on_an_empty_history_raises():
    with pytest.raises(FrameError, match="no rows"):
        cross_validation(EMPTY, h="1D", n_windows=1, model="seasonal_naive_week", freq="1h")


def test_cli_empty_history_exits_1(tmp_path):
    EMPTY.to_csv(tmp_path / "h.csv", index=False)
    res = CliRunner().invoke(app, ["forecast", "--history", str(tmp_path / "h.csv"),
                                   "--out", str(tmp_path / "f.csv"), "--freq", "1h"])
    assert res.exit_code == 1, res.output
    assert "no rows" in res.output


def test_cli_out_in_a_new_directory(tmp_path):
    _history().to_csv(tmp_path / "h.csv", index=False)
    res = CliRunner().invoke(app, ["forecast", "--history", str(tmp_path / "h.csv"),
                                   "--out", str(tmp_path / "new" / "f.csv"), "--freq", "1h",
                                   "--horizon", "24", "--model", "seasonal_naive_week",
                                   "--country", ""])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(tmp_path / "new" / "f.csv")) == 24


def _aht_history() -> pd.DataFrame:
    h = _history()
    return h.assign(aht_seconds=np.where(h["y"] > 0, 300.0, np.nan))


def test_handle_time_fit_on_an_empty_frame_raises():
    from routing_ml.forecasting import HandleTimeForecaster

    with pytest.raises(FrameError, match="no rows"):
        HandleTimeForecaster(freq="1h").fit(_aht_history().head(0))


def test_handle_time_future_with_an_unknown_series_raises():
    from routing_ml.forecasting import HandleTimeForecaster

    m = HandleTimeForecaster(freq="1h").fit(_aht_history())
    fut = pd.DataFrame({"unique_id": ["q", "zz"], "ds": pd.Timestamp("2024-01-09 10:00")})
    with pytest.raises(FrameError, match="zz"):
        m.predict(future=fut)
    assert len(m.predict(future=fut.head(1))) == 1


def test_wape_is_not_a_perfect_score_without_data_and_not_huge_on_zero_actuals():
    from routing_ml.forecasting import wape

    assert np.isnan(wape(np.array([]), np.array([])))
    assert np.isnan(wape(np.array([np.nan, np.nan]), np.array([1.0, 2.0])))
    assert np.isinf(wape(np.zeros(3), np.ones(3)))
    assert np.isnan(wape(np.zeros(3), np.zeros(3)))
    assert wape(np.array([10.0, np.nan]), np.array([12.0, 99.0])) == pytest.approx(0.2)


@pytest.mark.parametrize("name", ["wape", "rmse", "coverage", "pinball_loss"])
def test_metrics_with_mismatched_lengths_raise_value_error(name):
    import routing_ml.forecasting as fc

    fn = getattr(fc, name)
    args = {"wape": (np.ones(3), np.ones(2)), "rmse": (np.ones(3), np.ones(2)),
            "coverage": (np.ones(3), np.zeros(2), np.ones(3)),
            "pinball_loss": (np.ones(3), np.ones(2), 0.5)}[name]
    with pytest.raises(ValueError, match="length"):
        fn(*args)


def test_cli_plots_a_day_first_history_with_the_dates_fit_read(tmp_path):
    # review: the plot re-read the history with pandas' month-first guess (13/03 failed)
    ds = pd.date_range("2024-03-01", "2024-03-21 23:00", freq="1h")
    h = pd.DataFrame({"unique_id": "q", "ds": ds.strftime("%d/%m/%Y %H:%M"),
                      "y": 10.0 + 5 * (ds.hour >= 9)})
    h.to_csv(tmp_path / "h.csv", index=False)
    res = CliRunner().invoke(app, ["forecast", "--history", str(tmp_path / "h.csv"),
                                   "--out", str(tmp_path / "f.csv"), "--freq", "1h",
                                   "--horizon", "24", "--model", "seasonal_naive_week",
                                   "--country", "", "--plot", str(tmp_path / "f.png")])
    assert res.exit_code == 0, res.output
    assert pd.read_csv(tmp_path / "f.csv")["ds"].min().startswith("2024-03-22")
    assert (tmp_path / "f.png").stat().st_size > 1000
