"""Column contracts of the long frames that cross public boundaries, and their validators.

Every public function validates its input frame once, at the door, with one of the
``validate_*`` functions below; inner code trusts it. A validator returns a copy with the
canonical dtypes or raises :class:`~routing_ml.errors.FrameError` (a ``ValueError``) that
names the column, shows the first offending rows and says how to fix them.

Contracts (Nixtla names, so frames go straight into statsforecast / mlforecast):

- volumes: ``unique_id`` (queue, e.g. ``voice:tributos``), ``ds`` (interval start, naive
  local time), ``y`` (contacts in the interval, >= 0, NaN only where ``allow_missing``);
  optional ``aht_seconds``.
- forecasts: ``unique_id``, ``ds``, ``yhat`` and ``yhat_lo_L`` / ``yhat_hi_L`` per level L.
- requirements: ``unique_id``, ``ds``, ``agents`` (+ ``service_level``, ``asa_seconds``,
  ``occupancy``).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from typing import Any

import numpy as np
import pandas as pd

from routing_ml._columns import (  # noqa: F401 - the contract's names live here too
    AGENTS,
    AHT,
    CHANNELS,
    CONTACT_COLUMNS,
    FORECAST,
    FORECAST_COLUMNS,
    ID,
    REQUIREMENT_COLUMNS,
    TARGET,
    TIME,
    VOLUME_COLUMNS,
)
from routing_ml.errors import FrameError

_MAX_ROWS_SHOWN = 5


def _show(rows: pd.DataFrame) -> str:
    """The first offending rows, as a short string for an error message."""
    head = rows.head(_MAX_ROWS_SHOWN).to_string(max_cols=8)
    more = len(rows) - _MAX_ROWS_SHOWN
    return head + (f"\n... and {more} more rows" if more > 0 else "")


def require_columns(
    df: object, columns: Sequence[str], *, frame: str, hint: str | None = None
) -> pd.DataFrame:
    """Check that ``df`` is a DataFrame holding ``columns``; return it unchanged."""
    if not isinstance(df, pd.DataFrame):
        raise FrameError(
            f"{frame} must be a pandas DataFrame with columns {list(columns)}, "
            f"got {type(df).__name__}."
        )
    missing = [c for c in columns if c not in df.columns]
    if missing:
        if hint:
            fix = hint
        elif set(missing) & {ID, TIME, TARGET}:  # a forecasting frame: Nixtla's names
            fix = (
                f"Rename your columns, e.g. df.rename(columns={{'queue': '{ID}', "
                f"'interval_start': '{TIME}', 'calls': '{TARGET}'}})."
            )
        else:  # another contract: name its own columns, not the forecasting ones
            example = ", ".join(f"'<your {c} column>': '{c}'" for c in missing[:3])
            fix = f"Rename your columns, e.g. df.rename(columns={{{example}}})."
        raise FrameError(
            f"{frame} is missing columns {missing}; expected {list(columns)}, "
            f"got {list(df.columns)}. {fix}"
        )
    return df


def split_queue(queue: str) -> tuple[str, str | None]:
    """``"voice:tributos"`` → ``("voice", "tributos")``; a bare channel name is that
    channel with no skill (``"chat"`` → ``("chat", None)``, as the scheduling room names
    its queues); any other bare name is a voice skill (``"tributos"`` → ``("voice",
    "tributos")``). A name with a colon must start with a channel: ``"Chat:b"`` or
    ``"sms:b"`` raise a :class:`FrameError` rather than becoming voice skills."""
    if ":" in queue:
        ch, sk = queue.split(":", 1)
        if ch in CHANNELS:
            return ch, (sk or None)
        near = ch.strip().lower()
        raise FrameError(
            f"queue {queue!r}: {ch!r} before the ':' is not a channel (one of "
            f"{', '.join(CHANNELS)}). Fix: name queues '<channel>:<skill>' in lower case, "
            f"e.g. {(near if near in CHANNELS else 'voice') + ':' + sk!r}, or a bare skill "
            "name for voice.")
    if queue in CHANNELS:
        return queue, None
    return "voice", queue


def to_datetime_coerced(s: pd.Series) -> pd.Series:
    """``pd.to_datetime(s, errors="coerce")`` that also reads every ISO layout in one column.

    pandas infers one format from the first value and marks the others missing: a midnight
    written as a bare date among times ("2024-01-09" after "2024-01-08 09:30"), or
    ``isoformat()`` output, which leaves out a zero fraction ("09:01:00" after
    "09:00:00.500000"). Those rows are parsed again as ISO 8601. Mixed UTC offsets come back
    as objects (pandas' own answer); the caller decides.
    """
    with warnings.catch_warnings():
        # a format pandas cannot infer is parsed value by value (its UserWarning); mixed
        # UTC offsets: a FutureWarning
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", UserWarning)
        converted = pd.to_datetime(s, errors="coerce")
        missed = converted.isna() & s.notna()
        if missed.any() and pd.api.types.is_datetime64_any_dtype(converted):
            again = pd.to_datetime(s[missed], errors="coerce", format="ISO8601")
            if getattr(again.dt, "tz", None) == getattr(converted.dt, "tz", None):
                converted = converted.copy()
                converted[missed] = again
    return converted


def as_datetime_column(df: pd.DataFrame, column: str, *, frame: str) -> pd.Series:
    """``df[column]`` as naive datetime64[ns], or a FrameError naming the bad values."""
    s = df[column]
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s) and len(s):
        # pandas reads numbers as nanoseconds since 1970: never what a planner meant
        raise FrameError(
            f"{frame}: column '{column}' holds numbers (e.g. {s.iloc[0]!r}), not timestamps. "
            f"Fix: write dates as text ('2024-01-08 09:30'); Excel serial days: "
            f"pd.to_datetime(df['{column}'], unit='D', origin='1899-12-30'); seconds since a "
            f"start: pd.Timestamp(start) + pd.to_timedelta(df['{column}'], unit='s').")
    if isinstance(s.dtype, pd.PeriodDtype):
        s = s.dt.to_timestamp()  # a period is its start: '2024-01-08' -> 2024-01-08 00:00
    if not pd.api.types.is_datetime64_any_dtype(s):
        s = _slash_dates_as_iso(s, column, frame=frame)
        converted = to_datetime_coerced(s)
        if not pd.api.types.is_datetime64_any_dtype(converted):
            offsets = sorted({str(v.tzinfo) for v in converted if getattr(v, "tzinfo", None)})
            raise FrameError(
                f"{frame}: column '{column}' is time-zone aware with mixed UTC offsets "
                f"({', '.join(offsets[:4])}; e.g. a daylight-saving change); timestamps are "
                f"naive local wall-clock times here. Fix: df['{column}'] = pd.to_datetime("
                f"df['{column}'], utc=True).dt.tz_convert('<your zone>').dt.tz_localize(None)."
                f"{_DST_NOTE.format(column=column)}"
            )
        bad = converted.isna() & s.notna()
        if bad.any():
            raise FrameError(
                f"{frame}: column '{column}' has values that are not timestamps:\n"
                f"{_show(df.loc[bad, [column]])}\nFix: parse them with pd.to_datetime "
                f"or drop those rows."
            )
        s = converted
    if getattr(s.dt, "tz", None) is not None:
        raise FrameError(
            f"{frame}: column '{column}' is time-zone aware ({s.dt.tz}); timestamps are naive "
            f"local wall-clock times here. Fix: df['{column}'] = "
            f"df['{column}'].dt.tz_convert('<your zone>').dt.tz_localize(None)."
            f"{_DST_NOTE.format(column=column)}"
        )
    if s.isna().any():
        raise FrameError(
            f"{frame}: column '{column}' has missing timestamps:\n"
            f"{_show(df.loc[s.isna()])}\nFix: drop or fill those rows."
        )
    return s.astype("datetime64[ns]")


def as_timestamp(value: Any, name: str, *, example: str = "2024-01-08 09:00") -> pd.Timestamp:
    """A date-time parameter (``start=``, ``until=``, ...) as a naive timestamp, or a
    ValueError naming the parameter: unreadable text, NaT, a value out of pandas' range
    (``"june"`` reads as year 1) or a time-zone-aware value (the frames hold naive local
    time)."""
    try:
        ts = pd.Timestamp(value).as_unit("ns")
    except (ValueError, TypeError, OverflowError, pd.errors.OutOfBoundsDatetime):
        raise ValueError(f"{name}={value!r} is not a date-time. Fix: e.g. {name}='{example}' "
                         f"(naive local time) or a pd.Timestamp.") from None
    if pd.isna(ts):
        raise ValueError(f"{name}={value!r} is not a date-time. Fix: e.g. {name}='{example}'.")
    if ts.tzinfo is not None:
        raise ValueError(f"{name}={value!r} is time-zone aware; the frames hold naive local time. "
                         f"Fix: {name}=pd.Timestamp(...).tz_convert(zone).tz_localize(None).")
    return ts


#: dd/mm/yyyy or mm/dd/yyyy, also with '-' or '.' (one separator within a date)
#: True while slash dates that read both ways are to be read day-first (dd/mm/yyyy), as a
#: Spanish spreadsheet writes them: the command line's ``--dayfirst``
DAYFIRST: ContextVar[bool] = ContextVar("routing_ml_dayfirst", default=False)

_SLASH_DATE = re.compile(r"^\s*(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(.*)$")
_YMD_SLASH_DATE = re.compile(r"^\s*\d{4}/\d{1,2}/\d{1,2}")


def _label(value: Any) -> str:
    """A row label as the user would write it (720, not np.int64(720))."""
    item = getattr(value, "item", None)
    return repr(item() if callable(item) else value)


def _slash_dates_as_iso(s: pd.Series, column: str, *, frame: str) -> pd.Series:
    """Rewrite ``dd/mm/yyyy`` or ``mm/dd/yyyy`` strings as ISO, if the column says which
    (also written with ``-`` or ``.``: ``08-01-2024``, ``08.01.2024``).

    The reading is chosen for the whole column: the one under which every slash date is a
    valid date. If both readings are valid and give different dates, the column is
    ambiguous and a FrameError asks the user to say which (pandas would silently read it
    month-first), unless :data:`DAYFIRST` is set (the command line's ``--dayfirst``). A
    two-digit year is 20yy. A value with a ``/`` in another layout is an
    error (dateutil would guess each value on its own). Works by position (an index with
    repeated labels is fine).
    """
    if not (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)):
        return s
    values = s.to_numpy(dtype=object)
    first = next((v for v in values if isinstance(v, str)), None)
    if first is None or ("/" not in first and not _SLASH_DATE.match(first)):
        # the first text decides the layout (pandas infers its format from it too): a
        # column of ISO strings pays no regex
        return s
    text = pd.Series(values, dtype="string")  # positional index
    ymd = text.str.match(_YMD_SLASH_DATE).fillna(False).to_numpy(dtype=bool)
    if ymd.any():  # yyyy/mm/dd is unambiguous: the ISO order with slashes
        values = values.copy()
        values[ymd] = text[ymd].str.replace("/", "-", n=2, regex=False).to_numpy(dtype=object)
        text = pd.Series(values, dtype="string")
    parts = text.str.extract(_SLASH_DATE)
    slash = parts[0].notna().to_numpy()
    other = text.str.contains("/", regex=False).fillna(False).to_numpy(dtype=bool) & ~slash
    convert = (f"Fix: convert it yourself, e.g. df['{column}'] = pd.to_datetime("
               f"df['{column}'], dayfirst=True) for dd/mm/yyyy (format='%m/%d/%Y %H:%M' for "
               f"month-first), or write ISO dates YYYY-MM-DD.")
    if other.any():
        pos = int(np.argmax(other))
        raise FrameError(
            f"{frame}: column '{column}' has a date with '/' in a layout other than "
            f"dd/mm/yyyy or mm/dd/yyyy: row {_label(s.index[pos])} {values[pos]!r}. {convert}")
    if not slash.any():
        return pd.Series(values, index=s.index, name=s.name)
    a, b, year, rest = (parts.loc[slash, k] for k in (0, 2, 3, 4))
    year = year.where(year.str.len() == 4, "20" + year)

    def iso(day: pd.Series, month: pd.Series) -> pd.Series:
        return year + "-" + month.str.zfill(2) + "-" + day.str.zfill(2) + rest

    day_first, month_first = iso(a, b), iso(b, a)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "could not infer format" on odd rests
        ok_d = pd.to_datetime(day_first, errors="coerce", format="ISO8601").notna()
        ok_m = pd.to_datetime(month_first, errors="coerce", format="ISO8601").notna()
    if ok_d.all() and ok_m.all():
        differ = (a.astype(int) != b.astype(int)).to_numpy()
        if differ.any() and not DAYFIRST.get():
            pos = int(day_first.index[int(np.argmax(differ))])
            raise FrameError(
                f"{frame}: column '{column}' has dates in a format that reads both "
                f"day-first and month-first: row {_label(s.index[pos])} '{values[pos]}' is "
                f"{day_first[pos][:10]} as dd/mm/yyyy and {month_first[pos][:10]} as "
                f"mm/dd/yyyy. {convert}"
            )
        chosen = day_first
    elif ok_d.all():
        chosen = day_first
    elif ok_m.all():
        chosen = month_first
    else:
        bad = ~ok_d & ~ok_m
        if not bad.any():
            bad = ~ok_d
        rows = bad.index[bad.to_numpy()][:5]
        shown = pd.DataFrame({column: values[rows]}, index=s.index[rows])
        raise FrameError(
            f"{frame}: column '{column}' has slash dates that are neither all day-first nor "
            f"all month-first (or not dates at all):\n{_show(shown)}\n{convert}"
        )
    out = values.copy()
    out[chosen.index.to_numpy()] = chosen.to_numpy(dtype=object)
    return pd.Series(out, index=s.index, name=s.name)


def as_count_column(
    df: pd.DataFrame, column: str, *, frame: str, allow_missing: bool = False
) -> pd.Series:
    """``df[column]`` as float64 counts >= 0; NaN only where ``allow_missing``."""
    s = df[column]
    flags = (s.map(lambda v: isinstance(v, bool | np.bool_)) if s.dtype == object
             else pd.Series(pd.api.types.is_bool_dtype(s), index=s.index))
    if flags.any():
        raise FrameError(
            f"{frame}: column '{column}' must hold counts, not True/False values:\n"
            f"{_show(df.loc[flags.to_numpy(), [column]])}\n"
            f"Fix: pass the numbers themselves (if True means one, use "
            f"df['{column}'].astype(int))."
        )
    if not pd.api.types.is_numeric_dtype(s):
        converted = pd.to_numeric(s, errors="coerce")
        bad = converted.isna() & s.notna()
        if bad.any():
            raise FrameError(
                f"{frame}: column '{column}' must be numeric; non-numeric values:\n"
                f"{_show(df.loc[bad, [column]])}\nFix: convert with pd.to_numeric."
            )
        s = converted
    s = s.astype("float64")
    if not allow_missing and s.isna().any():
        raise FrameError(
            f"{frame}: column '{column}' has NaN values:\n{_show(df.loc[s.isna()])}\n"
            f"Fix: a closed interval is absent, not NaN — drop those rows; or fill "
            f"known zeros with 0."
        )
    bad = s < 0
    if bad.any():
        raise FrameError(
            f"{frame}: column '{column}' has negative values:\n{_show(df.loc[bad])}\n"
            f"Fix: counts are >= 0; correct or drop those rows."
        )
    if np.isinf(s).any():
        raise FrameError(
            f"{frame}: column '{column}' has infinite values:\n"
            f"{_show(df.loc[np.isinf(s)])}\nFix: correct or drop those rows."
        )
    return s


_DST_NOTE = (
    " If the series has rows at night across a daylight-saving change, local time repeats "
    "one hour in autumn (duplicate timestamps) and skips one in spring: keep such data in "
    "UTC or a fixed UTC offset instead, e.g. df['{column}'] = pd.to_datetime(df['{column}'], "
    "utc=True).dt.tz_localize(None), the same way in every frame."
)


def _repeated_hour(df: pd.DataFrame, keys: list[str], dup: pd.Series) -> str | None:
    """'YYYY-MM-DD HH:00' (the hours listed, comma-separated, when there are several) when
    the duplicates look like the repeated hours of autumn DST changes.

    That is: every duplicated key appears exactly twice and, on each day with duplicates,
    all of them fall in one clock hour between 00:00 and 04:00 of a Sunday (when Europe and
    North America set the clocks back): a history of several years has one such hour a year.
    """
    if TIME not in keys or not pd.api.types.is_datetime64_any_dtype(df[TIME]):
        return None
    rows = df.loc[dup, keys]
    if not (rows.groupby(keys, sort=False).size() == 2).all():
        return None
    hours = pd.DatetimeIndex(rows[TIME].dt.floor("h").unique()).sort_values()
    if hours.normalize().duplicated().any():  # two different hours on one day
        return None
    if not ((hours.dayofweek == 6) & (hours.hour <= 3)).all():
        return None
    return ", ".join(str(h)[:16] for h in hours)


def check_unique_keys(df: pd.DataFrame, keys: Iterable[str], *, frame: str,
                      fix: str | None = None) -> None:
    """Raise FrameError if ``keys`` do not identify rows uniquely.

    Duplicates that look like the repeated hour of an autumn daylight-saving change (each
    key twice, all in one clock hour) get a message that does not suggest summing them.
    ``fix`` replaces the other case's advice (default: aggregate them), for frames whose
    rows must not be summed.
    """
    keys = list(keys)
    dup = df.duplicated(keys, keep=False)
    if dup.any():
        hour = _repeated_hour(df, keys, dup)
        if hour is not None:
            raise FrameError(
                f"{frame}: duplicated {tuple(keys)} rows, each twice, all in the Sunday-night "
                f"hour(s) from {hour}:\n{_show(df.loc[dup, keys])}\nThis is what an autumn "
                f"daylight-saving change looks like in local wall-clock time (the clock "
                f"goes back and repeats that hour, e.g. after tz_convert(...)"
                f".tz_localize(None)). Do not sum them: that merges two real hours into one "
                f"interval (twice the traffic). Fix: keep '{TIME}' in UTC or a fixed UTC "
                f"offset (standard time all year), e.g. df['{TIME}'] = pd.to_datetime("
                f"df['{TIME}'], utc=True).dt.tz_localize(None), the same way in every frame; "
                f"if the rows are a double export instead, drop one copy with "
                f"df.drop_duplicates({keys})."
            )
        raise FrameError(
            f"{frame}: duplicated {tuple(keys)} rows:\n{_show(df.loc[dup, keys])}\n"
            + (fix or f"Fix: aggregate them first, e.g. df.groupby({keys}, as_index=False).sum().")
        )


def validate_volumes(
    df: pd.DataFrame,
    *,
    id_col: str = ID,
    time_col: str = TIME,
    target_col: str = TARGET,
    allow_missing: bool = False,
    frame: str = "volumes frame",
) -> pd.DataFrame:
    """Validate a volumes frame and return a sorted copy with canonical dtypes.

    Parameters
    ----------
    df : DataFrame with ``id_col`` (queue), ``time_col`` (interval start, naive local
        time) and ``target_col`` (contacts in the interval).
    allow_missing : keep NaN counts (intervals where the count is unknown, e.g. a data
        collection gap). Otherwise NaN is an error.

    Returns
    -------
    DataFrame with columns renamed to ``unique_id``, ``ds``, ``y`` (string, datetime64[ns],
    float64) plus any other columns, sorted by ``unique_id``, ``ds``.

    Raises
    ------
    FrameError
        Missing column, unparsable timestamp, non-numeric / NaN / negative / infinite
        count, or duplicated (``unique_id``, ``ds``).
    """
    require_columns(df, (id_col, time_col, target_col), frame=frame)
    out = df.copy()
    out[time_col] = as_datetime_column(out, time_col, frame=frame)
    out[target_col] = as_count_column(out, target_col, frame=frame, allow_missing=allow_missing)
    out[id_col] = _queue_ids(out, id_col, frame=frame)
    check_unique_keys(out, (id_col, time_col), frame=frame)
    out = out.rename(columns={id_col: ID, time_col: TIME, target_col: TARGET})
    return out.sort_values([ID, TIME], kind="stable").reset_index(drop=True)


def integer_id_dtype(df: pd.DataFrame) -> Any:
    """The dtype of ``df``'s integer ``unique_id`` column (None for any other dtype): the
    validators turn ids into text, :func:`caller_ids` gives integer ones back."""
    return df[ID].dtype if pd.api.types.is_integer_dtype(df[ID]) else None


def caller_ids(out: pd.DataFrame, dtype: Any) -> pd.DataFrame:
    """``out`` with ``unique_id`` back in the caller's integer ``dtype`` (from
    :func:`integer_id_dtype`; a merge with the caller's frame needs them); as is for None."""
    if dtype is None or out.empty:
        return out
    return out.assign(**{ID: out[ID].astype(np.int64).astype(dtype)})


def _queue_ids(df: pd.DataFrame, column: str, *, frame: str) -> pd.Series:
    """``df[column]`` as text; missing or blank ids are a FrameError (as text they would
    become a queue named 'nan', and its rows would leave their real queue)."""
    s = df[column]
    blank = s.isna() | (s.astype(str).str.strip() == "")
    if blank.any():
        raise FrameError(
            f"{frame}: column '{column}' has {int(blank.sum())} missing or blank queue "
            f"id(s):\n{_show(df.loc[blank])}\nFix: fill them (e.g. 'total') or drop them.")
    return s.astype(str)


def validate_forecast(df: pd.DataFrame, *, frame: str = "forecast frame") -> pd.DataFrame:
    """Validate a forecasts frame (``unique_id``, ``ds``, ``yhat``, optional intervals)."""
    require_columns(
        df, FORECAST_COLUMNS, frame=frame,
        hint="A forecast frame is what Forecaster.predict returns; rename 'y' to 'yhat' "
        "if you pass plain volumes.",
    )
    out = df.copy()
    out[TIME] = as_datetime_column(out, TIME, frame=frame)
    out[FORECAST] = as_count_column(out, FORECAST, frame=frame)
    out[ID] = _queue_ids(out, ID, frame=frame)
    check_unique_keys(out, (ID, TIME), frame=frame)
    return out.sort_values([ID, TIME], kind="stable").reset_index(drop=True)


def validate_requirements(
    df: pd.DataFrame, *, integer: bool = True, frame: str = "requirements frame"
) -> pd.DataFrame:
    """Validate a requirements frame (``unique_id``, ``ds``, ``agents`` >= 0).

    With ``integer=True`` fractional agent counts are an error (round them explicitly,
    e.g. with ``np.ceil``, so the choice is yours).
    """
    require_columns(df, REQUIREMENT_COLUMNS, frame=frame)
    out = df.copy()
    out[TIME] = as_datetime_column(out, TIME, frame=frame)
    out[AGENTS] = as_count_column(out, AGENTS, frame=frame)
    if integer:
        frac = out[AGENTS] != np.round(out[AGENTS])
        if frac.any():
            raise FrameError(
                f"{frame}: column '{AGENTS}' has fractional values:\n"
                f"{_show(out.loc[frac])}\nFix: round up with np.ceil(df['{AGENTS}'])."
            )
    out[ID] = _queue_ids(out, ID, frame=frame)
    check_unique_keys(out, (ID, TIME), frame=frame)
    return out.sort_values([ID, TIME], kind="stable").reset_index(drop=True)
