"""Loaders of the real data shipped inside the package (compressed, read offline).

Every loader says where its data comes from, under which terms, and how it was cleaned;
nothing is dropped silently: cleaning counts are stored in ``df.attrs["cleaning"]``.
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from routing_ml.errors import FrameError
from routing_ml.frames import ID, TARGET, TIME, as_timestamp, require_columns

logger = logging.getLogger(__name__)

_DATA = resources.files("routing_ml.datasets") / "data"

_SOURCES = {
    "bank_calls": (
        "bank_calls_5min.csv.gz",
        "Weinberg, Brown & Stroud (2007), JASA; fpp3 `bank_calls` via Rdatasets",
    ),
    "anonymous_bank": (
        "anonymous_bank_feb1999_calls.tsv.gz",
        "Guedj & Mandelbaum, Technion IE&M: Anonymous Bank call center, Feb 1999",
    ),
    "banking77": (
        "banking77_train.csv.gz",
        "Casanueva et al. (2020), PolyAI BANKING77, CC BY 4.0",
    ),
    "avisos_madrid": (
        "avisos_madrid_2021_2023.csv.gz",
        "Fuente: Ayuntamiento de Madrid (avisos.madrid.es, via javierarce/avisos-madrid)",
    ),
}


def _path(name: str) -> Path:
    return Path(str(_DATA / name))


_DAY = pd.Timedelta(days=1)


def _day_step(freq: object, *, loader: str) -> pd.Timedelta:
    """``freq`` as a positive fixed interval that divides a day, else a ValueError.

    Interval starts are then aligned to midnight, so no arrival falls off the grid.
    """
    fix = ("use a fixed positive interval that divides 24 hours, e.g. '5min', '15min', "
           "'30min', '1h', '2h', '6h' or '1D'")
    try:
        step = pd.Timedelta(to_offset(freq))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{loader}: freq={freq!r} is not a fixed interval; {fix}.") from exc
    if freq is None or pd.isna(step) or step <= pd.Timedelta(0):
        raise ValueError(f"{loader}: freq={freq!r} is not a positive interval; {fix}.")
    if _DAY % step != pd.Timedelta(0):
        raise ValueError(f"{loader}: freq={freq!r} ({step}) does not divide a day into whole "
                         f"intervals, so intervals would not start at midnight; {fix}.")
    return step


# --------------------------------------------------------------------------- bank 2003
def load_bank_calls() -> pd.DataFrame:
    """Five-minute call arrivals of a large North American bank, 2003, as a volumes frame.

    Source: Jonathan Weinberg; published with Weinberg, Brown & Stroud (2007), "Bayesian
    forecasting of an inhomogeneous Poisson process with applications to call center
    data", JASA 102(480):1185–1198; distributed as ``bank_calls`` in the R package fpp3
    (Hyndman & Athanasopoulos) via Rdatasets.

    Weekdays 07:00–21:05 (169 five-minute slots a day), 3 March – 24 October 2003,
    164 weekdays, 27,716 rows. Weekends are absent, and so are six weekdays: three US
    market holidays (26 May, 4 July, 1 September) and three days missing from the
    source (Friday 4 April, Monday 7 April, Tuesday 14 October; Columbus Day, 13
    October, is present): the series is a sequence of open days, not a regular grid, and
    no holiday calendar explains all its gaps. No cleaning was needed.
    Aggregated to 30 minutes (``ds.dt.floor("30min")``), each day ends with a 21:00
    interval that holds five minutes of calls (21:00-21:05): drop it, or expect its
    volume and its forecast to be about a sixth of a full half hour's.

    Returns
    -------
    DataFrame with ``unique_id`` ("bank", str values in an object column), ``ds``
    (interval start, naive local time) and ``y`` (calls arriving in the five minutes
    from ``ds``, float64).
    """
    df = pd.read_csv(_path("bank_calls_5min.csv.gz"), parse_dates=["ds"])
    out = pd.DataFrame(
        {ID: pd.Series("bank", index=df.index, dtype="string").astype(str),
         TIME: df["ds"].astype("datetime64[ns]"),
         TARGET: df["calls"].astype("float64")}
    )
    out.attrs["source"] = _SOURCES["bank_calls"][1]
    out.attrs["freq"] = "5min"
    return out


# --------------------------------------------------------------------------- bank 1999
_TIME_COLUMNS = ("vru_entry", "vru_exit", "q_start", "q_exit", "ser_start", "ser_exit")
_DURATION_COLUMNS = ("vru_time", "q_time", "ser_time")
CALL_TYPES = {
    "PS": "regular",
    "PE": "regular (English)",
    "IN": "internet support",
    "NE": "stock exchange",
    "NW": "prospective customer",
    "TT": "callback",
}


def load_anonymous_bank() -> pd.DataFrame:
    """Per-call log of an Israeli bank's call center, February 1999 (33,344 calls).

    Source: "Anonymous Bank", organised by Ilan Guedj and Avi Mandelbaum (Technion,
    Faculty of Industrial Engineering and Management), made public for research.

    Cleaning (every row is kept; counts in ``df.attrs["cleaning"]``):

    - ``date`` (yymmdd) and each clock time are combined into timestamps; ``0:00:00``
      means "no such event" and becomes NaT. A clock time earlier than the call's VRU
      entry belongs to the next day (calls that cross midnight).
    - Negative durations (``vru_time``, ``q_time``, ``ser_time``, in seconds) are
      recording errors: they become NaN and are counted per column.
    - ``is_phantom`` flags PHANTOM calls (to ignore in analyses); ``served`` and
      ``abandoned`` flag outcomes AGENT and HANG.
    - ``agent_id`` is the agent's name, missing where ``server`` is NO_SERVER.

    Returns
    -------
    DataFrame with ``vru_line``, ``call_id``, ``customer_id`` (0 = unidentified),
    ``priority`` (0/1 regular, 2 priority), ``type`` (PS, PE, IN, NE, NW, TT), ``date``,
    ``vru_entry``, ``vru_exit``, ``q_start``, ``q_exit``, ``ser_start``, ``ser_exit``
    (datetime64), ``vru_time``, ``q_time``, ``ser_time`` (seconds, float), ``outcome``,
    ``server``, ``agent_id``, ``is_phantom``, ``served``, ``abandoned``.
    """
    raw = pd.read_csv(_path("anonymous_bank_feb1999_calls.tsv.gz"), sep="\t", dtype=str)
    n_raw = len(raw)
    df = pd.DataFrame({"vru_line": raw["vru+line"].str.strip()})
    df["call_id"] = raw["call_id"].astype("int64")
    df["customer_id"] = pd.to_numeric(raw["customer_id"], errors="coerce").astype("Int64")
    df["priority"] = raw["priority"].astype("int8")
    df["type"] = raw["type"].str.strip().astype("category")
    day = pd.to_datetime(raw["date"], format="%y%m%d")
    df["date"] = day
    cleaning: dict[str, int] = {"rows": n_raw}
    entry = None
    for col in _TIME_COLUMNS:
        text = raw[col].str.strip()
        missing = text.isin(["0:00:00", "00:00:00"]) | text.isna()
        offset = pd.to_timedelta(text.where(~missing), errors="coerce")
        ts = day + offset
        if entry is not None:
            # clock times after midnight belong to the next day
            wrapped = ts < entry - pd.Timedelta(hours=1)
            ts = ts.where(~wrapped, ts + pd.Timedelta(days=1))
            cleaning[f"{col}_after_midnight"] = int(wrapped.sum())
        else:
            entry = ts
        cleaning[f"{col}_missing"] = int(ts.isna().sum())
        df[col] = ts.astype("datetime64[ns]")
    for col in _DURATION_COLUMNS:
        seconds = pd.to_numeric(raw[col], errors="coerce").astype("float64")
        negative = seconds < 0
        cleaning[f"{col}_negative"] = int(negative.sum())
        df[col] = seconds.mask(negative)
    df["outcome"] = raw["outcome"].str.strip().astype("category")
    df["server"] = raw["server"].str.strip()
    df["agent_id"] = df["server"].where(df["server"] != "NO_SERVER")
    df["is_phantom"] = df["outcome"].eq("PHANTOM")
    df["served"] = df["outcome"].eq("AGENT")
    df["abandoned"] = df["outcome"].eq("HANG")
    cleaning["phantom"] = int(df["is_phantom"].sum())
    assert len(df) == n_raw  # noqa: S101 - no row is ever dropped here
    df.attrs["cleaning"] = cleaning
    df.attrs["source"] = _SOURCES["anonymous_bank"][1]
    return df


def anonymous_bank_volumes(
    calls: pd.DataFrame | None = None,
    *,
    freq: str = "30min",
    by_type: bool = True,
) -> pd.DataFrame:
    """Interval volumes and handle times of the 1999 bank log.

    A call arrives at the agent queue when it leaves the VRU (``vru_exit``). PHANTOM
    calls and calls without a VRU exit time are not counted (their number is in
    ``attrs["excluded"]``). Every series is on the same regular grid: every ``freq``
    interval of every day from the first to the last day of the log (00:00 to the last
    interval before midnight), with ``y`` = 0 where no call arrived (nights and closed
    days included; the log is complete, so no arrival is a known zero, not a missing
    count). A forecaster then learns the opening hours from the zeros.

    Parameters
    ----------
    calls : the frame of :func:`load_anonymous_bank` (loaded if None).
    freq : interval length, a fixed interval that divides 24 hours, e.g. "30min" or "1h".
    by_type : one series per call type (``unique_id`` = type) or one total ("total").

    Returns
    -------
    DataFrame with ``unique_id``, ``ds`` (interval start), ``y`` (arrivals, 0 where none),
    ``served``, ``abandoned`` (counts) and ``aht_seconds`` (mean service time of the calls
    served that arrived in the interval; NaN where none was served).

    Raises
    ------
    ValueError
        If ``freq`` is not a fixed positive interval dividing a day (e.g. "7min", "5h",
        "-30min", "MS"). FrameError (a ValueError) if ``calls`` lacks the columns of
        :func:`load_anonymous_bank`.
    """
    step = _day_step(freq, loader="anonymous_bank_volumes")
    if calls is None:
        calls = load_anonymous_bank()
    needed = ["is_phantom", "vru_exit", "ser_time", "served", "abandoned"]
    require_columns(calls, [*needed, "type"] if by_type else needed,
                    frame="anonymous_bank_volumes: calls",
                    hint="Pass the frame of load_anonymous_bank() (or None to load it).")
    usable = ~calls["is_phantom"] & calls["vru_exit"].notna()
    c = calls.loc[usable]
    if c.empty:
        raise ValueError(f"anonymous_bank_volumes: no usable call in the frame ({len(calls)} rows, "
                         "none answered by the VRU and not a phantom): an empty selection? Fix: "
                         "check the filter, e.g. the call types in calls['type'].unique().")
    key = c["type"].astype(str) if by_type else pd.Series("total", index=c.index)
    served_time = c["ser_time"].where(c["served"])
    exit_day = c["vru_exit"].dt.normalize()
    bucket = exit_day + ((c["vru_exit"] - exit_day) // step) * step  # aligned to midnight
    g = pd.DataFrame(
        {ID: key.values, TIME: bucket.values,
         "served": c["served"].values, "abandoned": c["abandoned"].values,
         "ser_time": served_time.values}
    ).groupby([ID, TIME], observed=True)
    out = g.agg(
        y=("served", "size"), served=("served", "sum"), abandoned=("abandoned", "sum"),
        aht_seconds=("ser_time", "mean"),
    ).reset_index()
    days = out[TIME].dt.normalize()
    grid = pd.date_range(days.min(), days.max() + pd.Timedelta("1D"), freq=freq,
                         inclusive="left")
    full = pd.MultiIndex.from_product([sorted(out[ID].unique()), grid], names=[ID, TIME])
    out = out.set_index([ID, TIME]).reindex(full).reset_index()
    for col in (TARGET, "served", "abandoned"):
        out[col] = out[col].fillna(0).astype("int64")
    out[TARGET] = out[TARGET].astype("float64")
    out.attrs["excluded"] = {"phantom": int(calls["is_phantom"].sum()),
                             "no_vru_exit": int((~calls["is_phantom"]
                                                 & calls["vru_exit"].isna()).sum())}
    return out


# --------------------------------------------------------------------------- banking77
def load_banking77() -> pd.DataFrame:
    """BANKING77 training utterances with their intents (10,003 rows, 77 intents).

    Source: Casanueva, Temčinas, Gerz, Henderson & Vulić (2020), "Efficient Intent
    Detection with Dual Sentence Encoders", PolyAI. Licence CC BY 4.0. Only the training
    split is shipped; use cross-validation on it. No cleaning.

    Returns
    -------
    DataFrame with ``text`` (str) and ``intent`` (str; one of the 77 category names, in
    ``attrs["intents"]`` in the dataset's order).
    """
    df = pd.read_csv(_path("banking77_train.csv.gz"), dtype=str, keep_default_na=False)
    df = df.rename(columns={"category": "intent"})
    df.attrs["intents"] = json.loads(_path("banking77_categories.json").read_text())
    df.attrs["source"] = _SOURCES["banking77"][1]
    return df


# --------------------------------------------------------------------------- Madrid
def load_avisos_madrid() -> pd.DataFrame:
    """Real citizen reports to the Madrid city council, 11 June 2021 – 31 December 2023.

    Source: "Fuente: Ayuntamiento de Madrid" — public data of avisos.madrid.es (the web /
    app channel of Línea Madrid 010), collected about every 10 minutes by the public
    repository javierarce/avisos-madrid; personal fields (user, token, address,
    coordinates) removed. Reuse conditions of the city's open data: cite the source, do
    not misrepresent the data, do not imply endorsement.

    263,490 reports, 77 services. Collection stopped from 14 February 2022 to 4 May 2023
    (with two brief restarts) and the collector's log lists 21 shorter windows (24 rows,
    of which the first 3 form the long stop); the reports themselves show more holes (a
    silence with a jump in the report ids, a daytime silence of hours) and a first day
    collected from 14:41 only: :func:`avisos_madrid_gaps` lists both. Nothing is dropped;
    empty descriptions are kept as empty strings.

    Returns
    -------
    DataFrame with ``id`` (int), ``requested_at`` (naive Europe/Madrid local time),
    ``service`` (category), ``typology`` (category: problem vs request, chosen by the
    citizen) and ``description`` (str, the citizen's own Spanish words).
    """
    df = pd.read_csv(
        _path("avisos_madrid_2021_2023.csv.gz"),
        dtype={"id": "int64", "service": "category", "typology": "category",
               "description": str},
        parse_dates=["requested_at"],
        keep_default_na=False,
        na_values={"requested_at": [""]},
    )
    df["requested_at"] = df["requested_at"].astype("datetime64[ns]")
    df.attrs["source"] = _SOURCES["avisos_madrid"][1]
    return df


def avisos_madrid_gaps(*, detected: bool = True) -> pd.DataFrame:
    """Windows when the Madrid reports were not collected (``gap_start``, ``gap_end``,
    ``minutes``, ``source``); intervals overlapping them are missing, not zero.

    ``source`` ``"collector log"``: the 24 windows of the collecting repository's log.
    ``"detected"`` (with ``detected=True``): windows the reports show themselves — from
    midnight of the first day to its first report (collection began at 14:41), and every
    silence between two consecutive reports of 45 minutes or more whose report ids jump
    by more than 40 (about 20 reports filed and not collected: ids advance by 2 a
    report), or of 3 hours or more that covers 2 hours of 09:00-20:00 (e.g. Monday 26
    June 2023 07:04-13:39, Saturday 3 June 2023 04:48-15:56).
    """
    listed = pd.read_csv(
        _path("avisos_madrid_gaps_2021_2023.csv"), parse_dates=["gap_start", "gap_end"]
    ).assign(source="collector log")
    if not detected:
        return listed
    found = _detected_madrid_gaps()
    g0, g1 = listed["gap_start"].to_numpy(), listed["gap_end"].to_numpy()
    known = [bool(((g0 < b) & (g1 > a)).any())  # already in the log: the log's window
             for a, b in zip(found["gap_start"], found["gap_end"], strict=True)]
    return (pd.concat([listed, found[~np.asarray(known, dtype=bool)]], ignore_index=True)
            .sort_values("gap_start", kind="stable").reset_index(drop=True))


@lru_cache(maxsize=1)
def _detected_madrid_gaps() -> pd.DataFrame:
    """The collection holes the reports themselves show (see :func:`avisos_madrid_gaps`)."""
    d = load_avisos_madrid().sort_values(["requested_at", "id"], kind="stable")
    t = d["requested_at"].to_numpy("datetime64[ns]")
    ids = d["id"].to_numpy(np.int64)
    silence = (t[1:] - t[:-1]) / np.timedelta64(1, "m")
    jump = ids[1:] - ids[:-1]
    day = t[:-1].astype("datetime64[D]")
    # minutes of 09:00-20:00 inside each silence (silences of more than a day are the
    # collector's long stops, listed already)
    lo = np.maximum(t[:-1], day + np.timedelta64(9, "h"))
    hi = np.minimum(t[1:], day + np.timedelta64(20, "h"))
    daytime = np.clip((hi - lo) / np.timedelta64(1, "m"), 0, None)
    hole = (((silence >= 45) & (jump > 40)) | ((silence >= 180) & (daytime >= 120))) \
        & (silence < 24 * 60)
    starts, ends = t[:-1][hole], t[1:][hole]
    first = t[0]
    starts = np.r_[first.astype("datetime64[D]"), starts]
    ends = np.r_[first, ends]
    out = pd.DataFrame({"gap_start": starts, "gap_end": ends})
    out["minutes"] = ((out["gap_end"] - out["gap_start"]).dt.total_seconds() / 60).round(1)
    out["source"] = "detected"
    return out


def avisos_madrid_volumes(
    reports: pd.DataFrame | None = None,
    *,
    freq: str = "1h",
    by_service: bool = False,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    max_gap_share: float = 0.0,
) -> pd.DataFrame:
    """Interval counts of Madrid citizen reports on a full regular grid.

    Every interval from ``start`` to ``end`` is listed, every day of the week (the web
    channel never closes); by default from the first report's interval to the last
    report's, so a selection of dates (e.g. June 2023) is not padded with zeros it never
    observed. Intervals that overlap a known collection gap get ``y = NaN`` (missing, not
    zero).

    Parameters
    ----------
    reports : the frame of :func:`load_avisos_madrid` (loaded if None).
    freq : interval length, a fixed interval that divides 24 hours ("1h", "30min",
        "1D", ...).
    by_service : one series per service (``unique_id`` = service) or the total
        (``unique_id`` = "total").
    start, end : first and last instant of the grid (naive local time). Give them when
        the selection spans more than its reports (a rare service: its first and last
        reports are not the window's ends, the intervals around them are true zeros).
    max_gap_share : an interval whose overlap with collection gaps is at most this share
        of its length keeps its count (a little low: the reports of the gap are missing)
        instead of NaN. 0 (default): any overlap makes it NaN. At ``freq="1D"`` a
        15-minute hole blanks the whole day: 17 of the 31 days of December 2023 are NaN,
        13 with ``max_gap_share=0.02`` (days missing at most 29 minutes keep their
        count), 6 with 0.05.

    Returns
    -------
    DataFrame with ``unique_id``, ``ds`` (interval start) and ``y`` (reports, float64,
    NaN where the interval overlaps a gap).

    Raises
    ------
    ValueError
        If ``freq`` is not a fixed positive interval dividing a day. FrameError (a
        ValueError) if ``reports`` lacks the columns of :func:`load_avisos_madrid`.
    """
    step = _day_step(freq, loader="avisos_madrid_volumes")
    if reports is None:
        reports = load_avisos_madrid()
    require_columns(reports, ["requested_at", "service"] if by_service else ["requested_at"],
                    frame="avisos_madrid_volumes: reports",
                    hint="Pass the frame of load_avisos_madrid() (or None to load it).")
    ts = reports["requested_at"]
    if not pd.api.types.is_datetime64_any_dtype(ts) or getattr(ts.dt, "tz", None) is not None:
        raise FrameError(
            f"avisos_madrid_volumes: column 'requested_at' must hold naive local timestamps "
            f"(as load_avisos_madrid() gives them), got dtype {ts.dtype}. Fix: "
            f"reports['requested_at'] = pd.to_datetime(reports['requested_at'])"
            f"{'.dt.tz_localize(None)' if getattr(getattr(ts, 'dt', None), 'tz', None) else ''}.")
    if ts.notna().sum() == 0 and (start is None or end is None):
        raise ValueError("avisos_madrid_volumes: no report in the frame (empty selection?) "
                         "and no start and end to lay the grid on. Fix: check the filter, or "
                         "pass start= and end=.")
    lo = ts.min() if start is None else as_timestamp(start, "start", example="2023-06-01")
    hi = ts.max() if end is None else as_timestamp(end, "end", example="2023-06-01")
    if hi < lo:
        raise ValueError(f"avisos_madrid_volumes: end {hi} is before start {lo}.")
    grid = pd.date_range(lo.floor(freq), hi.floor(freq), freq=freq)
    outside = int(((ts < grid[0]) | (ts >= grid[-1] + step)).sum()) if len(grid) else int(ts.notna().sum())
    if outside:
        raise ValueError(f"avisos_madrid_volumes: {outside} reports fall outside start={start} "
                         f"- end={end}; they would be lost. Fix: widen the window or filter "
                         f"the reports first.")
    bucket = ts.dt.floor(freq)
    if by_service:
        ids = reports["service"].astype(str)
        counts = pd.crosstab(bucket, ids).reindex(grid, fill_value=0)
        counts.index.name = TIME
        out = counts.stack().rename(TARGET).reset_index()
        out.columns = [TIME, ID, TARGET]
    else:
        counts = bucket.value_counts().reindex(grid, fill_value=0)
        out = pd.DataFrame({ID: "total", TIME: grid, TARGET: counts.to_numpy()})
    out[TARGET] = out[TARGET].astype("float64")
    out[TIME] = out[TIME].astype("datetime64[ns]")
    if isinstance(max_gap_share, bool) or not isinstance(max_gap_share, int | float) \
            or not 0 <= max_gap_share < 1:
        raise ValueError(f"avisos_madrid_volumes: max_gap_share must be a share in [0, 1), "
                         f"got {max_gap_share!r}. Fix: e.g. max_gap_share=0.02.")
    overlap = _gap_overlap(out[TIME].to_numpy(), step, avisos_madrid_gaps())
    in_gap = overlap > max_gap_share * step.value
    out.loc[in_gap, TARGET] = np.nan
    out = out[[ID, TIME, TARGET]].sort_values([ID, TIME]).reset_index(drop=True)
    out.attrs["freq"] = freq
    return out


def _gap_overlap(starts: np.ndarray, step: pd.Timedelta, gaps: pd.DataFrame) -> np.ndarray:
    """Nanoseconds of each interval [start, start + step) inside the gap windows."""
    starts = starts.astype("datetime64[ns]").view("int64")
    ends = starts + step.value
    total = np.zeros(len(starts), dtype=np.int64)
    for g0, g1 in zip(gaps["gap_start"].to_numpy().astype("datetime64[ns]").view("int64"),
                      gaps["gap_end"].to_numpy().astype("datetime64[ns]").view("int64"), strict=True):
        total += np.clip(np.minimum(ends, g1) - np.maximum(starts, g0), 0, None)
    return total


# --------------------------------------------------------------------------- catalogue
@lru_cache(maxsize=1)
def _row_counts() -> dict[str, int]:
    return {"bank_calls": 27716, "anonymous_bank": 33344, "banking77": 10003,
            "avisos_madrid": 263490}


def list_datasets() -> pd.DataFrame:
    """The bundled datasets: ``name``, ``rows``, ``size_mb`` (compressed file) and
    ``source``."""
    rows = []
    for name, (file, source) in _SOURCES.items():
        rows.append({"name": name, "rows": _row_counts()[name],
                     "size_mb": _path(file).stat().st_size / 1e6, "source": source})
    return pd.DataFrame(rows)
