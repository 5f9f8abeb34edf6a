"""Every kind of bad input to a frame validator gives a FrameError naming column and fix."""

import numpy as np
import pandas as pd
import pytest

from routing_ml.errors import FrameError
from routing_ml.frames import validate_forecast, validate_requirements, validate_volumes


def _volumes(n: int = 4) -> pd.DataFrame:
    return pd.DataFrame(
        {"unique_id": "voice:padron",
         "ds": pd.date_range("2024-01-08 09:00", periods=n, freq="15min"),
         "y": np.arange(n, dtype=float)}
    )


def test_valid_frame_gets_canonical_dtypes():
    df = _volumes()
    df["y"] = df["y"].astype(int)
    df["ds"] = df["ds"].astype(str)
    out = validate_volumes(df)
    assert out["y"].dtype == "float64"
    assert out["ds"].dtype == "datetime64[ns]"
    assert len(out) == len(df)
    assert df["ds"].dtype == object  # input untouched


def test_missing_column_is_named_with_the_fix():
    with pytest.raises(FrameError, match=r"(?s)missing columns \['y'\].*rename"):
        validate_volumes(_volumes().drop(columns="y"))


def test_not_a_frame():
    with pytest.raises(FrameError, match="must be a pandas DataFrame"):
        validate_volumes([1, 2, 3])  # type: ignore[arg-type]


def test_wrong_dtype_names_the_values():
    df = _volumes()
    df["y"] = df["y"].astype(object)
    df.loc[2, "y"] = "many"
    with pytest.raises(FrameError, match=r"(?s)'y' must be numeric.*many"):
        validate_volumes(df)


@pytest.mark.parametrize("kind", ["bool", "object"])
def test_true_false_counts_are_refused(kind):
    # a boolean mask passed by mistake used to become counts of 0 and 1
    df = _volumes()
    df["y"] = df["y"] > 1
    if kind == "object":
        df["y"] = df["y"].astype(object)
        df.loc[0, "y"] = 3.0
    with pytest.raises(FrameError, match=r"(?s)'y' must hold counts, not True/False.*astype\(int\)"):
        validate_volumes(df)
    forecast = pd.DataFrame({"unique_id": "q", "ds": df["ds"], "yhat": df["y"]})
    with pytest.raises(FrameError, match="'yhat' must hold counts"):
        validate_forecast(forecast)


def test_numpy_integer_counts_still_pass():
    df = _volumes()
    df["y"] = df["y"].astype(object)
    df.loc[0, "y"] = np.int64(7)
    assert validate_volumes(df)["y"].tolist()[0] == 7.0


def test_bad_timestamp():
    df = _volumes()
    df["ds"] = df["ds"].astype(str)
    df.loc[1, "ds"] = "not a time"
    with pytest.raises(FrameError, match=r"(?s)'ds' has values that are not timestamps"):
        validate_volumes(df)


def test_timezone_aware_timestamps_are_refused():
    df = _volumes()
    df["ds"] = df["ds"].dt.tz_localize("Europe/Madrid")
    with pytest.raises(FrameError, match="time-zone aware"):
        validate_volumes(df)


def test_duplicates_are_shown():
    df = pd.concat([_volumes(), _volumes().iloc[[1]]])
    with pytest.raises(FrameError, match=r"(?s)duplicated \('unique_id', 'ds'\).*groupby"):
        validate_volumes(df)


def test_nan_count_is_an_error_unless_allowed():
    df = _volumes()
    df.loc[2, "y"] = np.nan
    with pytest.raises(FrameError, match=r"(?s)'y' has NaN values"):
        validate_volumes(df)
    out = validate_volumes(df, allow_missing=True)
    assert out["y"].isna().sum() == 1


def test_negative_count():
    df = _volumes()
    df.loc[0, "y"] = -3
    with pytest.raises(FrameError, match=r"(?s)'y' has negative values.*-3"):
        validate_volumes(df)


def test_infinite_count():
    df = _volumes()
    df.loc[0, "y"] = np.inf
    with pytest.raises(FrameError, match="infinite"):
        validate_volumes(df)


def test_column_overrides_are_renamed():
    df = _volumes().rename(columns={"unique_id": "queue", "ds": "start", "y": "calls"})
    out = validate_volumes(df, id_col="queue", time_col="start", target_col="calls")
    assert list(out.columns[:3]) == ["unique_id", "ds", "y"]


def test_frame_error_is_a_value_error():
    with pytest.raises(ValueError):
        validate_volumes(_volumes().drop(columns="ds"))


def test_forecast_and_requirements_frames():
    fc = _volumes().rename(columns={"y": "yhat"})
    assert len(validate_forecast(fc)) == 4
    with pytest.raises(FrameError, match="yhat"):
        validate_forecast(_volumes())
    req = _volumes().rename(columns={"y": "agents"})
    assert validate_requirements(req)["agents"].tolist() == [0, 1, 2, 3]
    req.loc[1, "agents"] = 1.5
    with pytest.raises(FrameError, match=r"(?s)fractional.*np.ceil"):
        validate_requirements(req)
    assert validate_requirements(req, integer=False)["agents"].iloc[1] == 1.5


def _with_ds(ds) -> pd.DataFrame:
    return pd.DataFrame({"unique_id": "q", "ds": list(ds), "y": 1.0})


def test_ambiguous_day_first_dates_are_an_error_not_read_month_first():
    ds = pd.date_range("2024-03-01", "2024-03-12 23:00", freq="1h").strftime("%d/%m/%Y %H:%M")
    with pytest.raises(FrameError, match=r"column 'ds'.*'01/03/2024 00:00'.*dayfirst=True"):
        validate_volumes(_with_ds(ds))


def test_slash_dates_valid_only_one_way_are_read_that_way():
    ds = pd.date_range("2024-03-01", "2024-03-31 23:00", freq="1h")
    out = validate_volumes(_with_ds(ds.strftime("%d/%m/%Y %H:%M")))
    assert (out["ds"].to_numpy() == ds.to_numpy()).all()
    out = validate_volumes(_with_ds(ds.strftime("%m/%d/%Y %H:%M")))
    assert (out["ds"].to_numpy() == ds.to_numpy()).all()
    # ISO strings keep working
    assert validate_volumes(_with_ds(ds.strftime("%Y-%m-%d %H:%M")))["ds"].is_monotonic_increasing


def test_mixed_utc_offsets_give_the_time_zone_message():
    ds = ["2024-03-18T00:00:00+01:00", "2024-04-05T00:00:00+02:00"]
    with pytest.raises(FrameError, match=r"column 'ds' is time-zone aware.*utc=True"):
        validate_volumes(_with_ds(ds))


def test_slash_dates_with_repeated_index_two_digit_years_and_ymd():
    # found in review: a frame with repeated index labels crashed; 'dd/mm/yy' was left to
    # dateutil value by value (01/03/24, 13/03/24 -> Jan 3, Mar 13); yyyy/mm/dd is ISO order
    from routing_ml.frames import as_datetime_column

    df = pd.DataFrame({"ds": ["01/03/2024", "13/03/2024"]}, index=[0, 0])
    assert as_datetime_column(df, "ds", frame="f").tolist() == [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-03-13")]
    yy = pd.DataFrame({"ds": ["01/03/24", "02/03/24", "13/03/24"]})
    assert as_datetime_column(yy, "ds", frame="f").dt.month.tolist() == [3, 3, 3]
    ymd = pd.DataFrame({"ds": ["2024/03/01", "2024/03/13"]})
    assert as_datetime_column(ymd, "ds", frame="f").dt.day.tolist() == [1, 13]
    with pytest.raises(FrameError, match="layout other than dd/mm/yyyy"):
        as_datetime_column(pd.DataFrame({"ds": ["1/2", "13/03/2024"]}), "ds", frame="f")


def test_period_timestamps_are_read_as_their_start():
    """A 'ds' of pandas periods (df.ds.dt.to_period('D')) was refused with a pd.to_datetime
    hint that does not convert periods."""
    from routing_ml.frames import as_datetime_column

    df = pd.DataFrame({"ds": pd.period_range("2024-01-01", periods=3, freq="D")})
    got = as_datetime_column(df, "ds", frame="volumes frame")
    assert got.tolist() == list(pd.date_range("2024-01-01", periods=3, freq="D"))
    hourly = pd.DataFrame({"ds": pd.period_range("2024-01-01 09:00", periods=2, freq="h")})
    assert as_datetime_column(hourly, "ds", frame="f").iloc[1] == pd.Timestamp("2024-01-01 10:00")
