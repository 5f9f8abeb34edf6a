"""Daylight-saving changes inside a roster horizon (the roster works in wall-clock time).

The scheduler plans on naive local clock time: every day has 24 hours of intervals. On the
night the clocks go forward a 22:00-06:00 shift lasts 7 hours, and the 02:00-03:00
intervals do not exist; on the night they go back it lasts 9 hours and 02:00-03:00 happens
twice. :func:`dst_notes` names both, for the zone the planner gives.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from routing_ml.scheduling._base import ScheduleInputError


def check_time_zone(time_zone: str | None) -> str | None:
    """``time_zone`` when it is an IANA zone name ('Europe/Madrid'), else a clear error."""
    if time_zone is None:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(str(time_zone))
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleInputError(
            f"time_zone {time_zone!r} is not a time-zone name. Fix: an IANA name such as "
            "'Europe/Madrid' or 'Atlantic/Canary', or None to plan on clock time only."
        ) from None
    return str(time_zone)


def _clock_changes(first: pd.Timestamp, last: pd.Timestamp, zone: str) -> list[tuple]:
    """(wall-clock start of the skipped or repeated window, shift in hours) for every
    change in [first, last)."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(zone)
    out = []
    day = first.normalize().to_pydatetime()
    while day < last.to_pydatetime():
        nxt = day + dt.timedelta(days=1)
        a = day.replace(tzinfo=tz).utcoffset()
        b = nxt.replace(tzinfo=tz).utcoffset()
        if a is not None and b is not None and a != b:
            # the first wall-clock time (15-minute steps) on the new offset: the end of the
            # skipped window (clocks forward) or of the repeated one (clocks back); a wall
            # time in either reads the old offset (fold=0)
            changed = next(day + dt.timedelta(minutes=m) for m in range(15, 24 * 60 + 1, 15)
                           if (day + dt.timedelta(minutes=m)).replace(tzinfo=tz).utcoffset() != a)
            shift = (b - a).total_seconds() / 3600.0
            out.append((pd.Timestamp(changed - dt.timedelta(hours=abs(shift))), shift))
        day = nxt
    return out


def _overlap_hours(s: pd.Series, e: pd.Series, a: pd.Timestamp, b: pd.Timestamp) -> pd.Series:
    """Hours of each ``[s, e)`` inside ``[a, b)``."""
    lo = s.where(s > a, a)
    hi = e.where(e < b, b)
    return ((hi - lo).dt.total_seconds() / 3600.0).clip(lower=0.0)


def dst_notes(roster: pd.DataFrame, requirements_ds: pd.Series, start: pd.Timestamp,
              days: int, zone: str, min_rest_hours: float | None = None) -> list[str]:
    """Notes on the clock changes of ``zone`` inside the horizon ``[start, start + days)``:
    the hour that does not exist (clocks forward) or happens twice (clocks back), the shifts
    of ``roster`` (``agent_id``, ``start``, ``end``, naive wall-clock timestamps) that run
    into it, with the hours they really last, and the rests between two shifts of an agent
    that run into it and really last less than ``min_rest_hours``."""
    notes = []
    end = start + pd.Timedelta(days=days)
    for when, shift in _clock_changes(start, end, zone):
        hour_end = when + pd.Timedelta(hours=abs(shift))
        sign = 1.0 if shift > 0 else -1.0  # a clock hour in the window lasts 1 - sign hours
        in_hour = requirements_ds[(requirements_ds >= when) & (requirements_ds < hour_end)]
        if shift > 0:
            what = (f"clocks go forward at {when:%Y-%m-%d %H:%M} ({zone}): "
                    f"{when:%H:%M}-{hour_end:%H:%M} does not exist that night")
            req = (f"; its {len(in_hour)} requirement row(s) are planned but cannot be worked"
                   if len(in_hour) else "")
        else:
            what = (f"clocks go back at {hour_end:%Y-%m-%d %H:%M} ({zone}): "
                    f"{when:%H:%M}-{hour_end:%H:%M} happens twice that night")
            req = (f"; its {len(in_hour)} requirement row(s) are planned once, for one of "
                   "the two hours" if len(in_hour) else "")
        shifts = rests = ""
        if len(roster):
            inside = _overlap_hours(roster["start"], roster["end"], when, hour_end)
            across = roster[inside > 0]
            if len(across):
                clock_h = (across["end"] - across["start"]).dt.total_seconds() / 3600.0
                real_h = clock_h - sign * inside[inside > 0]
                shown = [f"{a} {s:%a %H:%M}-{e:%H:%M} ({c:g} h on the clock, {r:g} h worked)"
                         for a, s, e, c, r in zip(across["agent_id"], across["start"],
                                                  across["end"], clock_h, real_h, strict=True)]
                shifts = (f"; {len(across)} shift(s) run into it and last "
                          f"{'less' if shift > 0 else 'more'} than their clock times say "
                          f"(paid_hours follows the clock): "
                          + ", ".join(shown[:8]) + (", ..." if len(shown) > 8 else ""))
            if min_rest_hours is not None and shift > 0:
                # (clocks back only lengthen a rest)
                r = roster.sort_values(["agent_id", "start"])
                nxt = r.groupby("agent_id", sort=False)["start"].shift(-1)
                has = nxt.notna()
                gap_start, gap_end = r["end"][has], nxt[has]
                lost = _overlap_hours(gap_start, gap_end, when, hour_end)
                real = (gap_end - gap_start).dt.total_seconds() / 3600.0 - lost
                short = (lost > 0) & (real < min_rest_hours - 1e-9)
                if short.any():
                    ids = r["agent_id"][has][short]
                    shown = [f"{a} {e:%a %H:%M} to {n:%a %H:%M} ({x:g} h)"
                             for a, e, n, x in zip(ids, gap_start[short], gap_end[short], real[short],
                                                   strict=True)]
                    rests = (f"; {int(short.sum())} rest(s) between shifts run into it and really "
                             f"last less than min_rest_hours={min_rest_hours:g} h (the roster "
                             f"checks the rest on the clock): " + ", ".join(shown[:8])
                             + (", ..." if len(shown) > 8 else ""))
        fix = (" Fix: adjust these shifts' pay and the rests after them by hand before publishing "
               "the roster." if shifts or rests else "")
        notes.append(what + req + shifts + rests + "." + fix)
    return notes
