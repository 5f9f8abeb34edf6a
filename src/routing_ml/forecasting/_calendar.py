"""The series' own calendar: a day x slot panel per queue, future intervals, day features.

How missing data is treated (documented once, used everywhere):

- A *day with no rows* is a closed day (weekend, holiday): it is not a zero and it is not
  forecast unless the caller asks for it in ``future``.
- A *row with NaN* ``y`` (e.g. a data-collection gap) is an open interval whose count is
  unknown: it is left out of fitting, never read as zero.
- An *absent row inside an open day* (the day has other rows) is also unknown, not zero.
  If your data lists only intervals with at least one contact, add the zero rows first.
- The set of (weekday, slot) pairs seen in the last ``calendar_weeks`` weeks of history is
  the series' opening-hours calendar; without ``future`` the forecast covers exactly those
  slots on the following days.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from routing_ml.errors import FrameError
from routing_ml.frames import ID, TARGET, TIME

logger = logging.getLogger(__name__)

MINUTES_PER_DAY = 1440
#: Madrid city holidays (month-day) that ``holidays.Spain(subdiv="MD")`` does not list:
#: San Isidro and La Almudena. The ``*`` marks the Monday too when one falls on a Sunday
#: (2022-05-16 and 2025-11-10 were the days off).
MADRID_CITY_HOLIDAYS: tuple[str, ...] = ("05-15*", "11-09*")


# ----------------------------------------------------------------------------- frequency
def freq_minutes(freq: str | pd.Timedelta | int) -> int:
    """Interval length in whole minutes from "30min", "1h", a Timedelta or an int."""
    if isinstance(freq, int | np.integer):
        minutes = int(freq)
    else:
        try:
            td = pd.Timedelta(pd.tseries.frequencies.to_offset(freq)) if isinstance(
                freq, str) else pd.Timedelta(freq)
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"freq={freq!r} is not an interval length; use e.g. '15min', '30min', '1h'."
            ) from exc
        minutes = td.total_seconds() / 60
        if minutes != int(minutes):
            raise ValueError(f"freq={freq!r} is not a whole number of minutes.")
        minutes = int(minutes)
    if minutes <= 0 or MINUTES_PER_DAY % minutes:
        raise ValueError(
            f"freq={freq!r} must be a positive divisor of one day (e.g. '15min', '1h')."
        )
    return minutes


def infer_freq_minutes(df: pd.DataFrame) -> int:
    """The most common positive step between consecutive timestamps of a series (warns)."""
    diffs = df.groupby(ID, sort=False)[TIME].diff().dropna()
    diffs = diffs[diffs > pd.Timedelta(0)]
    if diffs.empty:
        raise FrameError("cannot infer the interval length from a single timestamp; "
                         "pass freq='30min' (or your interval).")
    step = diffs.mode().iloc[0]
    minutes = freq_minutes(step)
    warnings.warn(
        f"freq was not given; inferred {minutes} minutes from the timestamps. "
        f"Pass freq='{minutes}min' to silence this warning.", UserWarning, stacklevel=3)
    return minutes


_MONTH_UNIT = re.compile(r"\s*\d*\.?\d*\s*(M|MS|ME|[mM][oO][nN]?|[mM]onths?|[yY]|[yY]ears?)\s*")


def parse_span(h: str | pd.Timedelta | int, *, name: str = "h") -> pd.Timedelta | int:
    """``h`` as a Timedelta ("1w", "7D", "1d", Timedelta) or a positive int of intervals."""
    if isinstance(h, bool):
        raise ValueError(f"{name}={h!r} is not a horizon; use an int or e.g. '1w'.")
    if isinstance(h, int | np.integer):
        if h <= 0:
            raise ValueError(f"{name}={h} must be positive (number of intervals ahead).")
        return int(h)
    if isinstance(h, str):
        if _MONTH_UNIT.fullmatch(h):
            raise ValueError(
                f"{name}={h!r}: months and years have no fixed length (and '1M' is not read "
                f"as a minute here). Fix: give the span in weeks or days, e.g. '4w' or '30d'.")
        text = h.strip().lower()
        if re.fullmatch(r"\d*\.?\d*\s*m", text):  # pandas reads '1m' as one minute
            raise ValueError(
                f"{name}={h!r} is ambiguous: a minute or a month? Fix: '{text[:-1].strip()}min' "
                f"for minutes, or a month as weeks or days, e.g. '4w' or '30d'.")
        if text.isdigit():  # pandas reads a bare number as nanoseconds
            raise ValueError(
                f"{name}={h!r} has no unit. Fix: an int number of intervals ({int(text)}, "
                f"not a string) or a span with its unit, such as '{text}h' or '{text}d'.")
        units = {"w": "7D", "d": "1D", "h": "1h"}
        try:
            if text[-1:] in units and text[:-1].replace(".", "", 1).isdigit():
                td = float(text[:-1]) * pd.Timedelta(units[text[-1]])
            else:
                td = pd.Timedelta(text)
        except ValueError as exc:
            raise ValueError(
                f"{name}={h!r} is not a horizon; use an int number of intervals or a span "
                f"such as '1w', '2d', '12h'.") from exc
    elif isinstance(h, pd.Timedelta):
        td = h
    else:
        raise ValueError(f"{name}={h!r} is not a horizon; use an int or e.g. '1w'.")
    if td <= pd.Timedelta(0):
        raise ValueError(f"{name}={h!r} must be a positive span.")
    return td


#: same-day steps a series needs before a coarser grid than ``freq`` is called an error
COARSE_MIN_PAIRS = 20


#: a series with every row at 00:00 over this many days is daily data (see check_step)
DAILY_MIN_DAYS = 7


def check_step(df: pd.DataFrame, step: int, *, freq: object) -> None:
    """Raise FrameError when every series' rows are further apart than ``step`` minutes,
    or when a series with enough rows is on a grid that is a multiple of ``step``; warn
    when an intraday ``step`` meets a series with every row at 00:00 over a week or more.

    Only consecutive rows of the same day are compared (a series open one interval a day
    says nothing about the grid); series without two rows on one day are left out. A
    30-minute history read with ``freq="15min"`` would give 30-minute volumes labelled as
    15-minute intervals (staffed at 15 minutes, the traffic doubles).
    """
    ds = df[TIME]
    day = ds.dt.normalize()
    if step < MINUTES_PER_DAY:
        # daily totals (every row at midnight) read as the 00:00 interval: the day's
        # volume would be forecast, and staffed, in its first interval
        at_midnight = ds.eq(day).groupby(df[ID], sort=False).all()
        days = day.groupby(df[ID], sort=False).nunique()
        daily = at_midnight[at_midnight & (days >= DAILY_MIN_DAYS)]
        if len(daily):
            # a warning, not an error: a queue may really open one interval at midnight
            shown = ", ".join(f"'{q}' ({days[q]} days)" for q in daily.index[:5])
            warnings.warn(
                f"freq={freq!r} is {step} minutes, but every row of series {shown} is at "
                f"00:00: daily totals? Read as {step}-minute volumes, each day's total "
                f"is forecast (and staffed) in its 00:00 interval. Fix: fit daily series "
                f"with freq='1D' (separately from the intraday ones), or spread each day's "
                f"total over its intervals before fitting; if the queue only opens at "
                f"00:00, ignore this.", UserWarning, stacklevel=3)
    same_day = day.eq(day.groupby(df[ID], sort=False).shift())
    diffs = ds.groupby(df[ID], sort=False).diff()
    ok = same_day & (diffs > pd.Timedelta(0))
    if not ok.any():
        return
    minutes = (diffs[ok] / pd.Timedelta(minutes=1)).round().astype(np.int64)
    per_series = minutes.groupby(df.loc[ok, ID]).min()
    if (per_series <= step).any():
        # one series on a coarser grid among finer ones: every same-day step a multiple
        # of a larger one, over enough rows (a sparse queue that leaves out its empty
        # intervals has steps of every multiple of the grid: their gcd is the grid)
        grid = minutes.groupby(df.loc[ok, ID]).agg(lambda m: int(np.gcd.reduce(m.to_numpy())))
        pairs = minutes.groupby(df.loc[ok, ID]).size()
        coarse = grid[(grid > step) & (grid % step == 0) & (pairs >= COARSE_MIN_PAIRS)]
        if len(coarse):
            shown = ", ".join(f"'{q}' ({m} min)" for q, m in coarse.head(5).items())
            raise FrameError(
                f"freq={freq!r} is {step} minutes, but series {shown} are on a coarser "
                f"grid (every step between rows of a day is a multiple of it, over "
                f"{int(pairs[coarse.index].min())} or more steps): their counts would be "
                f"read as {step}-minute volumes ({int(coarse.iloc[0]) // step}x the traffic "
                f"per interval when staffed). Fix: fit those series separately with their "
                f"own freq, or split each count over its {step}-minute intervals before "
                f"fitting.")
        return
    smallest = int(per_series.min())
    shown = ", ".join(f"'{q}' ({m:g} min)" for q, m in per_series.head(5).items())
    raise FrameError(
        f"freq={freq!r} is {step} minutes, but in every series consecutive rows of a day "
        f"are further apart (smallest step per series: {shown}): the history is on a "
        f"{smallest}-minute grid, so the forecast would hold {smallest}-minute volumes "
        f"labelled as {step}-minute intervals (staffed at {step} minutes, the traffic "
        f"doubles or worse). Fix: pass freq='{smallest}min', or split each count over its "
        f"{step}-minute intervals before fitting.")


# ----------------------------------------------------------------------------- panels
@dataclass
class Panel:
    """One series as a day x slot matrix (NaN = unknown or closed)."""

    uid: str
    step: int  # minutes
    start: np.datetime64  # first day, datetime64[D]
    slots: np.ndarray  # minutes of day of each column, sorted
    Y: np.ndarray  # (days, slots) float
    present: np.ndarray  # (days, slots) bool: a row exists
    open_mask: np.ndarray  # (7, slots) bool: the opening-hours calendar
    aht: np.ndarray | None = None  # (days, slots) handle time, when given
    extra: dict = field(default_factory=dict)

    @property
    def n_days(self) -> int:
        return int(self.Y.shape[0])

    @property
    def dates(self) -> np.ndarray:
        return self.start + np.arange(self.n_days).astype("timedelta64[D]")

    @property
    def last_ds(self) -> pd.Timestamp:
        rows, cols = np.nonzero(self.present)
        i = np.argmax(rows * len(self.slots) + cols)
        return pd.Timestamp(self.start + np.timedelta64(int(rows[i]), "D")
                            + np.timedelta64(int(self.slots[cols[i]]), "m"))

    def absent_rows(self) -> tuple[int, int, pd.Timestamp | None]:
        """(absent, expected, first absent): rows missing on open days, between the day's
        first and last rows, at the slots the series has on at least half of its open
        days of that weekday; a frame that lists only the intervals with contacts
        (``groupby().size()``) has many, opening hours that changed have none."""
        open_day = self.present.any(axis=1)
        weekday = (self.dates.astype("datetime64[D]").view("int64") + 3) % 7  # Monday 0
        absent = expected = 0
        first: np.datetime64 | None = None
        for w in range(7):
            days = np.flatnonzero(open_day & (weekday == w))
            if len(days) == 0:
                continue
            seen = self.present[days]
            usual = seen.sum(axis=0) >= 0.5 * len(days)
            cols = np.arange(seen.shape[1])
            first_col = np.argmax(seen, axis=1)
            last_col = seen.shape[1] - 1 - np.argmax(seen[:, ::-1], axis=1)
            inside = (cols[None, :] >= first_col[:, None]) & (cols[None, :] <= last_col[:, None])
            usual_inside = usual[None, :] & inside
            holes = ~seen & usual_inside
            absent += int(holes.sum())
            expected += int(usual_inside.sum())
            if holes.any():
                r, c = np.argwhere(holes)[0]
                at = self.start + np.timedelta64(int(days[r]), "D") + np.timedelta64(
                    int(self.slots[c]), "m")
                first = at if first is None or at < first else first
        return absent, expected, None if first is None else pd.Timestamp(first)

    def truncate(self, cutoff: pd.Timestamp) -> Panel:
        """The panel with every interval starting after ``cutoff`` removed."""
        day = int((np.datetime64(cutoff.normalize(), "D") - self.start) // np.timedelta64(1, "D"))
        minute = cutoff.hour * 60 + cutoff.minute
        n = day + 1
        Y = self.Y[:n].copy()
        present = self.present[:n].copy()
        late = self.slots > minute
        Y[day, late] = np.nan
        present[day, late] = False
        aht = None if self.aht is None else self.aht[:n].copy()
        if aht is not None:
            aht[day, late] = np.nan
        p = Panel(self.uid, self.step, self.start, self.slots, Y, present, self.open_mask,
                  aht)
        return p


def _keys(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    ds = df[TIME].to_numpy("datetime64[ns]")
    day = ds.astype("datetime64[D]")
    minute = ((ds - day).astype("timedelta64[m]")).astype(np.int64)
    return day, minute


def check_grid(df: pd.DataFrame, step: int, *, frame: str) -> None:
    """Raise FrameError for timestamps that are not on the ``step``-minute grid."""
    ds = df[TIME].to_numpy("datetime64[ns]")
    off = (ds - ds.astype("datetime64[D]")).astype("timedelta64[s]").astype(np.int64)
    bad = off % (step * 60) != 0
    if bad.any():
        raise FrameError(
            f"{frame}: {int(bad.sum())} timestamps in '{TIME}' are not on the {step}-minute "
            f"grid (irregular), e.g.\n{df.loc[bad, [ID, TIME]].head().to_string()}\n"
            f"Fix: floor them, df['{TIME}'] = df['{TIME}'].dt.floor('{step}min'), and "
            f"aggregate duplicates; or pass the right freq.")


#: a day whose rows are all 0 is a closure when its weekday's nearby days total this many
#: contacts or more (median): a Poisson day of 20 is 0 once in 500 million days
ZERO_DAY_MIN_TYPICAL = 20.0


def _zero_days_as_closures(Y: np.ndarray, present: np.ndarray, start: np.datetime64,
                           uid: str) -> None:
    """Read a day of rows that are all 0 as a day without rows (a closure: an outage, a
    local holiday exported as zeros), in place, when the same weekday's days within four
    weeks (median) receive at least ``ZERO_DAY_MIN_TYPICAL`` contacts and the day has at
    least half their rows. Kept as zeros, one such day pulled its weekday's forecast down
    by 20-30 % for weeks; a queue that receives next to nothing keeps its zero days."""
    n_days = Y.shape[0]
    rows = present.sum(axis=1)
    known = np.isfinite(Y) & present
    total = np.where(known, Y, 0.0).sum(axis=1)
    zero = (rows > 0) & (known.sum(axis=1) == rows) & (total == 0)
    if not zero.any():
        return
    wd = weekdays(start.astype("datetime64[D]"), n_days)
    closed: list[int] = []
    for d in np.flatnonzero(zero):
        near = [k for k in range(d - 28, d + 29, 7)
                if k != d and 0 <= k < n_days and wd[k] == wd[d] and rows[k] > 0 and not zero[k]]
        if len(near) < 2:
            continue
        if np.median(total[near]) >= ZERO_DAY_MIN_TYPICAL and rows[d] >= 0.5 * np.median(rows[near]):
            closed.append(int(d))
    if closed:
        Y[closed] = np.nan
        present[closed] = False
        first = (start.astype("datetime64[D]") + closed[0]).astype(str)
        warnings.warn(
            f"series '{uid}': {len(closed)} day(s) with rows but no contact at all on a weekday "
            f"that usually receives many (e.g. {first}) are read as closed days (an outage, a "
            f"local holiday exported as zeros), not as days of no demand. Fix: drop those rows "
            f"to say so explicitly, or give them their real counts.", UserWarning, stacklevel=4)


def build_panel(g: pd.DataFrame, uid: str, step: int, calendar_weeks: int,
                with_aht: bool = False) -> Panel:
    """A :class:`Panel` from one series' validated rows (sorted by ``ds``)."""
    day, minute = _keys(g)
    start = day.min()
    di = (day - start).astype(np.int64)
    slots = np.unique(minute)
    si = np.searchsorted(slots, minute)
    n_days = int(di.max()) + 1
    Y = np.full((n_days, len(slots)), np.nan)
    present = np.zeros((n_days, len(slots)), dtype=bool)
    Y[di, si] = g[TARGET].to_numpy(float)
    present[di, si] = True
    _zero_days_as_closures(Y, present, start, uid)
    aht = None
    if with_aht and "aht_seconds" in g.columns:
        aht = np.full((n_days, len(slots)), np.nan)
        aht[di, si] = g["aht_seconds"].to_numpy(float)
    open_mask = calendar_mask(start, present, calendar_weeks)
    return Panel(uid, step, start, slots, Y, present, open_mask, aht)


def calendar_mask(start: np.datetime64, present: np.ndarray, calendar_weeks: int) -> np.ndarray:
    """(7, slots) bool: slots seen on each weekday in the last ``calendar_weeks`` weeks."""
    n_days = present.shape[0]
    wd = weekdays(start, n_days)
    recent = np.arange(n_days) >= n_days - 7 * calendar_weeks
    mask = np.zeros((7, present.shape[1]), dtype=bool)
    for w in range(7):
        rows = present[recent & (wd == w)]
        if rows.size:
            mask[w] = rows.any(axis=0)
    return mask


def weekdays(start: np.datetime64, n_days: int) -> np.ndarray:
    """Weekday (Monday = 0) of ``n_days`` consecutive days from ``start``."""
    # 1970-01-01 was a Thursday (3)
    return ((start.astype(np.int64) + np.arange(n_days) + 3) % 7).astype(np.int64)


def default_future(panel: Panel, h: pd.Timedelta | int,
                   closed: HolidayCalendar | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Day and slot indices (relative to the panel's start) of the next open intervals.

    The series' opening-hours calendar on every following day, except the holidays of
    ``closed`` (a series closed on holidays, see :func:`closed_on_holidays`)."""
    last = panel.last_ds
    last_day = int((np.datetime64(last.normalize(), "D") - panel.start) // np.timedelta64(1, "D"))
    last_minute = last.hour * 60 + last.minute
    if isinstance(h, int):
        n_days = 7 * (h // max(int(panel.open_mask.sum()), 1) + 2)
    else:
        n_days = int(np.ceil((h + pd.Timedelta(minutes=last_minute)) / pd.Timedelta("1D"))) + 1
    while True:
        days = last_day + np.arange(n_days)
        wd = weekdays(panel.start, last_day + n_days)[days]
        mask = panel.open_mask[wd]
        mask[0, panel.slots <= last_minute] = False
        if closed is not None:
            mask[closed.mask(panel.start + days.astype("timedelta64[D]"))] = False
        # an int horizon skipping holidays may need more days than the first guess
        if not isinstance(h, int) or mask.sum() >= h or n_days > 7 * (h + 60):
            break
        n_days *= 2
    d_idx, s_idx = np.nonzero(mask)
    d_idx = days[d_idx]
    if isinstance(h, int):
        d_idx, s_idx = d_idx[:h], s_idx[:h]
    else:
        ends = (np.timedelta64(int(last_day), "D") + (panel.slots[s_idx]).astype(
            "timedelta64[m]") + (d_idx - last_day).astype("timedelta64[D]"))
        limit = np.timedelta64(int(last_day), "D") + np.timedelta64(
            last_minute, "m") + np.timedelta64(int(h.total_seconds()), "s")
        keep = ends <= limit
        d_idx, s_idx = d_idx[keep], s_idx[keep]
    return d_idx, s_idx


def closed_on_holidays(panel: Panel, holidays: HolidayCalendar | None) -> bool:
    """Whether the history shows the series closed on the holidays of ``holidays``.

    The rule: look at the holidays between the series' first and last open day that fall
    on a weekday the series was open on the week before or the week after (a holiday on
    a weekday it never opens says nothing). The series is closed on holidays when there
    is at least one such holiday and on every one of them it has no rows, or only rows
    with ``y = 0``. A holiday with only unknown (NaN) counts is left out. One holiday
    with contacts is enough to keep forecasting holidays (as the model's holiday day
    type).
    """
    if holidays is None:
        return False
    day_open: np.ndarray = np.asarray(panel.present.any(axis=1), dtype=bool)
    open_days = np.flatnonzero(day_open)
    first, last = int(open_days.min()), int(open_days.max())
    hol = holidays.mask(panel.dates)
    known = np.isfinite(panel.Y)
    seen = 0
    for d in np.flatnonzero(hol):
        if d <= first or d >= last:
            continue
        neighbours = [k for k in (d - 7, d + 7) if 0 <= k < len(day_open)]
        if not any(day_open[k] and not hol[k] for k in neighbours):
            continue  # a weekday the series does not open on anyway
        if day_open[d] and not known[d].any():
            continue  # only unknown counts: no evidence either way
        if day_open[d] and np.nansum(panel.Y[d]) > 0:
            return False  # contacts on a holiday: the series opens on holidays
        seen += 1
    return seen > 0


def future_index(panel: Panel, fut: pd.DataFrame, *, strict: bool = True
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Day and slot indices of the ``future`` rows of one series.

    Raises FrameError for rows at or before the end of history, off the grid, or at a
    (weekday, time) the series was never open (a closed interval)."""
    day, minute = _keys(fut)
    d_idx = (day - panel.start).astype(np.int64)
    s_idx = np.searchsorted(panel.slots, minute)
    s_clip = np.minimum(s_idx, len(panel.slots) - 1)
    known = panel.slots[s_clip] == minute
    wd = (day.astype(np.int64) + 3) % 7
    is_open = known & panel.open_mask[wd, s_clip]
    if strict and not is_open.all():
        bad = fut.loc[~is_open, [ID, TIME]]
        raise FrameError(
            f"future frame asks for {len(bad)} intervals of '{panel.uid}' that are closed in "
            f"the series' calendar (no history at that weekday and time in the last weeks),"
            f" e.g.\n{bad.head().to_string()}\nFix: drop them from `future`, or give history"
            f" that covers those opening hours.")
    if (fut[TIME] <= panel.last_ds).any():
        bad = fut.loc[fut[TIME] <= panel.last_ds, [ID, TIME]]
        raise FrameError(
            f"future frame has {len(bad)} rows of '{panel.uid}' at or before the end of its "
            f"history ({panel.last_ds}), e.g.\n{bad.head().to_string()}\nFix: forecast "
            f"only intervals after the history.")
    return d_idx, s_clip


# ----------------------------------------------------------------------------- holidays
@dataclass(frozen=True)
class HolidayCalendar:
    """Public holidays from the ``holidays`` package plus extra dates.

    ``country`` e.g. "ES" (Spain) with ``subdiv`` e.g. "MD" (Comunidad de Madrid);
    ``extra`` holds recurring "MM-DD" strings or ISO dates "YYYY-MM-DD". A recurring
    date written "MM-DD*" follows the transfer rule of Spanish local holidays: in a year
    where it falls on a Sunday, the Monday after is the day off (Madrid's San Isidro
    "05-15*" and Almudena "11-09*", :data:`MADRID_CITY_HOLIDAYS`). Both the day and the
    day off are holidays here, as for the country's calendar (Christmas 2022 fell on a
    Sunday and Monday 26 December was the day off in Madrid: a channel open on Sundays
    is quiet on the day itself, and offices close on the Monday).
    """

    country: str | None = "ES"
    subdiv: str | None = None
    extra: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # stored as the checked tuple: a list would make the calendar unhashable (its
        # dates are cached per calendar)
        object.__setattr__(self, "extra", check_extra_holidays(self.extra))
        country, subdiv = _package_codes(self.country, self.subdiv)
        object.__setattr__(self, "country", country)
        object.__setattr__(self, "subdiv", subdiv)

    def dates(self, years: Iterable[int]) -> set[np.datetime64]:
        """The holiday dates of ``years`` (cached per calendar and years)."""
        return set(_holiday_dates(self, tuple(sorted({int(y) for y in years}))))

    def mask(self, dates: np.ndarray) -> np.ndarray:
        """Whether each of ``dates`` (datetime64 days) is a holiday of the calendar."""
        days = np.asarray(dates, dtype="datetime64[D]")
        if days.size == 0:
            return np.zeros(days.shape, dtype=bool)
        # from the year before: a "12-31*" holiday on a Sunday moves to 1 January of the
        # next year, whatever dates are asked about
        years = range(int(str(days.min())[:4]) - 1, int(str(days.max())[:4]) + 1)
        return np.isin(days, np.array(sorted(self.dates(years)), dtype="datetime64[D]"))

    def years_without_country_dates(self, years: Iterable[int]) -> list[int]:
        """The ``years`` for which the holidays package has no date of ``country`` /
        ``subdiv`` (its calendars start at different years: Spain's in 2008)."""
        if not self.country:
            return []
        wanted = sorted({int(y) for y in years})
        have = {d.year for d in self._country_calendar(tuple(wanted))}
        return [y for y in wanted if y not in have]

    def _country_calendar(self, years: tuple[int, ...]) -> Any:
        """The holidays package's calendar of ``country`` / ``subdiv``, or a ValueError
        naming them when the package does not know them."""
        import holidays

        try:
            return holidays.country_holidays(self.country, subdiv=self.subdiv, years=years)
        except NotImplementedError as exc:
            raise ValueError(
                f"holidays country={self.country!r} subdiv={self.subdiv!r} is unknown to "
                f"the holidays package: {exc}. Fix: e.g. country='ES', subdiv='MD'."
            ) from exc

    def _dates(self, years: tuple[int, ...]) -> set[np.datetime64]:
        out: set[np.datetime64] = set()
        if self.country:
            # the day itself and, where the law moves it (a Sunday holiday given on the
            # Monday), the day off too: the package's default lists only the day off, so
            # Christmas 2022 on a Sunday looked like an ordinary Sunday to a web channel
            import holidays

            out |= {np.datetime64(d, "D") for d in self._country_calendar(years)}
            out |= {np.datetime64(d, "D") for d in holidays.country_holidays(
                self.country, subdiv=self.subdiv, years=years, observed=False)}
        for item in self.extra:
            if len(item) <= 6:
                for y in years:
                    try:
                        day = np.datetime64(f"{y}-{item[:5]}", "D")
                    except ValueError:  # "02-29" in a year that has none
                        continue
                    if item.endswith("*") and weekdays(day, 1)[0] == 6:
                        out.add(day + np.timedelta64(1, "D"))  # Sunday: the Monday off too
                    out.add(day)
            else:
                out.add(np.datetime64(item, "D"))
        return out


def _package_codes(country: str | None, subdiv: str | None) -> tuple[str | None, str | None]:
    """``country`` / ``subdiv`` as the holidays package spells them: "es" / "md" become
    "ES" / "MD" when only the upper-case code exists (other values are left as given)."""
    if not isinstance(country, str) or (country == country.upper() and (
            not isinstance(subdiv, str) or subdiv == subdiv.upper())):
        return country, subdiv
    import holidays

    supported = holidays.list_supported_countries()
    if country not in supported and country.upper() in supported:
        country = country.upper()
    known = supported.get(country, [])
    if isinstance(subdiv, str) and subdiv not in known and subdiv.upper() in known:
        subdiv = subdiv.upper()
    return country, subdiv


def holiday_calendar(country: str | None, subdiv: str | None,
                     extra: object = ()) -> HolidayCalendar | None:
    """The estimators' holiday calendar: None when there is neither a country nor extra
    dates (``extra`` checked by :func:`check_extra_holidays`)."""
    if not country and not extra:
        return None
    return HolidayCalendar(country, subdiv, check_extra_holidays(extra))


def check_extra_holidays(value: object) -> tuple[str, ...]:
    """``extra_holidays`` as a tuple of valid "MM-DD" / "YYYY-MM-DD" strings, or ValueError."""
    fmt = ('expected a list of recurring "MM-DD" (or "MM-DD*": the Monday too when it '
           'falls on a Sunday) or dated "YYYY-MM-DD" strings, e.g. '
           'extra_holidays=("05-15*", "11-09*")')
    if isinstance(value, str):
        raise ValueError(f"extra_holidays={value!r} is a single string; {fmt} "
                         f"(a one-item tuple needs a comma: ({value!r},)).")
    if not isinstance(value, Iterable):
        raise ValueError(f"extra_holidays={value!r} is not a list; {fmt}.")
    items: tuple[str, ...] = tuple(value)
    for item in items:
        ok = isinstance(item, str) and re.fullmatch(
            r"\d{4}-\d{2}-\d{2}|\d{2}-\d{2}\*?", item) is not None
        if ok:
            try:
                # 2024 is a leap year, so "02-29" is accepted as a recurring date
                np.datetime64(item if len(item) == 10 else f"2024-{item[:5]}", "D")
            except ValueError:
                ok = False
        if not ok:
            raise ValueError(f"extra_holidays has {item!r}, which is not a date; {fmt}.")
    return items


@lru_cache(maxsize=256)
def _holiday_dates(calendar: HolidayCalendar, years: tuple[int, ...]) -> frozenset:
    return frozenset(calendar._dates(years))


DAY_FEATURES = ("holiday", "bridge", "eve", "after_holiday", "closed_before1",
                "closed_before2", "closed_before3", "bdom1", "bdom2", "bdom_last", "bdom_last2", "month_end",
                "campaign")


def day_table(start: np.datetime64, day_open: np.ndarray, open_weekdays: np.ndarray,
              holidays: HolidayCalendar | None, campaigns: Sequence[tuple] = (),
              uid: str | None = None) -> dict[str, np.ndarray]:
    """Calendar features of consecutive days from ``start``.

    ``day_open`` says, for each day, whether the series is open (rows exist in history
    or in the future frame); a closed day on a normally open weekday is a closure.
    Returns arrays: ``weekday``, ``day_type`` (weekday; 6 for an open holiday), the
    :data:`DAY_FEATURES` (0/1 floats) and ``days_to_holiday``, ``days_from_holiday``.
    """
    n = len(day_open)
    dates = start + np.arange(n).astype("timedelta64[D]")
    wd = weekdays(start, n)
    pad = 10
    all_dates = start + np.arange(-pad, n + pad).astype("timedelta64[D]")
    hol_all = holidays.mask(all_dates) if holidays else np.zeros(len(all_dates), dtype=bool)
    wd_all = weekdays(all_dates[0], len(all_dates))
    weekend_all = wd_all >= 5
    hol = hol_all[pad:pad + n]
    off_all = hol_all | weekend_all
    # bridge: a working weekday squeezed between days off
    bridge = (~off_all[pad:pad + n]) & off_all[pad - 1:pad + n - 1] & off_all[pad + 1:pad + n + 1]
    eve = hol_all[pad + 1:pad + n + 1] & ~hol
    after = hol_all[pad - 1:pad + n - 1] & ~hol
    # days to / from the nearest holiday, capped at 7
    idx = np.flatnonzero(hol_all)
    pos = np.arange(pad, pad + n)
    if idx.size:
        j = np.searchsorted(idx, pos)
        nxt = np.where(j < idx.size, idx[np.minimum(j, idx.size - 1)] - pos, 99)
        prv = np.where(j > 0, pos - idx[np.maximum(j - 1, 0)], 99)
        nxt = np.where(nxt < 0, 99, nxt)
    else:
        nxt = prv = np.full(n, 99)
    # closures: normally open weekday without rows; k-th open day after a closure
    closed = (~day_open) & open_weekdays[wd]
    c1 = np.zeros(n)
    c2 = np.zeros(n)
    c3 = np.zeros(n)
    since = 99
    count_open = 0
    for i in range(n):
        if closed[i]:
            since, count_open = 0, 0
            continue
        since += 1
        if day_open[i]:
            count_open += 1
            if since <= 4:
                if count_open == 1:
                    c1[i] = 1.0
                elif count_open == 2:
                    c2[i] = 1.0
                elif count_open == 3:
                    c3[i] = 1.0
    # business day of month (Mon-Fri, not a holiday, not closed)
    business = (wd < 5) & ~hol & ~closed
    month = dates.astype("datetime64[M]")
    bdom = np.zeros(n)
    bdom_rev = np.zeros(n)
    # extend to whole months so first/last business days are exact
    m0 = month[0].astype("datetime64[D]")
    m1 = (month[-1] + 1).astype("datetime64[D]")
    full = m0 + np.arange(int((m1 - m0).astype(int))).astype("timedelta64[D]")
    f_wd = weekdays(full[0], len(full))
    f_hol = holidays.mask(full) if holidays else np.zeros(len(full), dtype=bool)
    off = int((start - m0).astype(int))
    f_closed = np.zeros(len(full), dtype=bool)
    f_closed[off:off + n] = closed
    f_bus = (f_wd < 5) & ~f_hol & ~f_closed
    f_month = full.astype("datetime64[M]")
    f_bdom = np.zeros(len(full))
    f_rev = np.zeros(len(full))
    for m in np.unique(f_month):
        sel = np.flatnonzero((f_month == m) & f_bus)
        f_bdom[sel] = np.arange(1, len(sel) + 1)
        f_rev[sel] = np.arange(len(sel))[::-1] + 1
    bdom = f_bdom[off:off + n]
    bdom_rev = f_rev[off:off + n]
    dom = (dates - month.astype("datetime64[D]")).astype(int) + 1
    days_in_month = ((month + 1).astype("datetime64[D]") - month.astype("datetime64[D]")
                     ).astype(int)
    camp = np.zeros(n)
    for c in campaigns:
        c_start, c_end = np.datetime64(pd.Timestamp(c[0]).date(), "D"), np.datetime64(
            pd.Timestamp(c[1]).date(), "D")
        if len(c) > 2 and c[2] is not None and uid is not None and str(c[2]) != uid:
            continue
        camp[(dates >= c_start) & (dates <= c_end)] = 1.0
    day_type = np.where(hol, 6, wd)
    return {
        "weekday": wd, "day_type": day_type,
        "holiday": hol.astype(float), "bridge": (bridge & business).astype(float),
        "eve": eve.astype(float), "after_holiday": after.astype(float),
        "closed_before1": c1, "closed_before2": c2, "closed_before3": c3,
        "bdom1": (business & (bdom == 1)).astype(float),
        "bdom2": (business & (bdom == 2)).astype(float),
        "bdom_last": (business & (bdom_rev == 1)).astype(float),
        "bdom_last2": (business & (bdom_rev == 2)).astype(float),
        "month_end": (dom >= days_in_month - 1).astype(float),
        "campaign": camp,
        "days_to_holiday": np.minimum(nxt, 7).astype(float),
        "days_from_holiday": np.minimum(prv, 7).astype(float),
        "day_of_month": dom.astype(float),
        "business": business,
        "closed": closed,
    }
