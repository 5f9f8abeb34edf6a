"""Shift templates: start grids, lengths, paid/unpaid breaks with windows, cross-midnight
shifts, cost per hour, weekly patterns; their coverage matrix; the YAML loader.

Times of day are minutes after the start of the shift's day (``start_minutes=1320`` is
22:00). A shift may end after midnight (``end_minutes > 1440``): it then covers the first
intervals of the next day.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from routing_ml.scheduling._base import ScheduleInputError, check_weight

MINUTES_PER_DAY = 1440
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_HHMM = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def parse_hhmm(value: str | int | float, *, what: str) -> int:
    """``"07:30"`` -> 450 minutes. Hours may exceed 23 (``"30:00"`` = 06:00 next day)."""
    if isinstance(value, bool):
        raise ScheduleInputError(f"{what} must be a time 'HH:MM', got {value!r}.")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value) or value < 0 or value != int(value):
            raise ScheduleInputError(
                f"{what} must be whole minutes >= 0 or 'HH:MM', got {value!r}.")
        return int(value)
    m = _HHMM.match(str(value))
    if not m or int(m.group(2)) >= 60:
        raise ScheduleInputError(
            f"{what} must be a time 'HH:MM' (e.g. '07:30'; '30:00' for 06:00 the next day), "
            f"got {value!r}."
        )
    return int(m.group(1)) * 60 + int(m.group(2))


def _mapping_time(value: Any, *, what: str) -> int:
    """A time of a YAML / JSON mapping: 'HH:MM' text only. A bare number is ambiguous
    (``start: 15`` was read as 00:15, meant 15:00)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        hint = f"'{int(value):02d}:00'" if 0 <= value < 48 and value == int(value) else "'07:30'"
        raise ScheduleInputError(
            f"{what} must be a time 'HH:MM', got the number {value!r}, which could mean hours "
            f"or minutes. Fix: write it as text, e.g. {hint}.")
    return parse_hhmm(value, what=what)


def format_hhmm(minutes: int) -> str:
    """450 -> ``"07:30"``; 1800 -> ``"30:00"``."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


#: weekday names (English and Spanish, full or abbreviated, accents optional) -> 0..6
_WEEKDAY_NAMES = {n: i for i, names in enumerate((
    ("mon", "monday", "lun", "lunes"), ("tue", "tues", "tuesday", "mar", "martes"),
    ("wed", "wednesday", "mie", "miercoles"), ("thu", "thur", "thurs", "thursday", "jue", "jueves"),
    ("fri", "friday", "vie", "viernes"), ("sat", "saturday", "sab", "sabado"),
    ("sun", "sunday", "dom", "domingo"))) for n in names}


def _weekday_token(text: str) -> int | None:
    import unicodedata

    key = "".join(c for c in unicodedata.normalize("NFKD", text.strip().lower().rstrip("."))
                  if not unicodedata.combining(c))
    return _WEEKDAY_NAMES.get(key)


def parse_weekday(value: str | int, *, what: str) -> int:
    """``"Sat"``/``"saturday"``/``"sábado"``/5 -> 5 (Monday = 0). A name must be a whole
    weekday name or its abbreviation ("Mon-Fri" is a range: see :func:`parse_weekdays`)."""
    if isinstance(value, int | np.integer) and 0 <= int(value) <= 6:
        return int(value)
    day = _weekday_token(str(value))
    if day is not None:
        return day
    raise ScheduleInputError(
        f"{what}: {value!r} is not a weekday; use one of {WEEKDAYS} (or the full name), 0-6, "
        f"or a range such as 'Mon-Fri'.")


def parse_weekdays(value: str | int, *, what: str) -> tuple[int, ...]:
    """One weekday or a range of weekdays: ``"Sat"`` -> (5,); ``"Mon-Fri"`` -> (0, ..., 4);
    ``"Fri-Mon"`` wraps over the weekend -> (4, 5, 6, 0)."""
    if isinstance(value, str) and "-" in value:
        first, _, last = value.partition("-")
        a, b = _weekday_token(first), _weekday_token(last)
        if a is None or b is None:
            raise ScheduleInputError(
                f"{what}: {value!r} is not a range of weekdays; write e.g. 'Mon-Fri'.")
        return tuple((a + k) % 7 for k in range((b - a) % 7 + 1))
    return (parse_weekday(value, what=what),)


def is_weekday_item(value: str) -> bool:
    """Is ``value`` a weekday or a range of weekdays (not a date)?"""
    first, _, last = value.partition("-")
    return _weekday_token(first) is not None and (not last or _weekday_token(last) is not None)


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakRule:
    """A break inside a shift.

    Parameters
    ----------
    name : label shown in the roster (``"lunch"``).
    duration_minutes : length of the break.
    paid : paid breaks count towards paid hours and cost; unpaid ones do not.
    earliest_offset_minutes, latest_offset_minutes : window of allowed break *starts*,
        in minutes after the shift start (inclusive).
    """

    name: str = "break"
    duration_minutes: int
    paid: bool = False
    earliest_offset_minutes: int
    latest_offset_minutes: int

    def __post_init__(self) -> None:
        if self.duration_minutes <= 0:
            raise ScheduleInputError(
                f"break '{self.name}': duration_minutes must be > 0, got {self.duration_minutes}.")
        if not 0 <= self.earliest_offset_minutes <= self.latest_offset_minutes:
            raise ScheduleInputError(
                f"break '{self.name}': window must satisfy 0 <= earliest_offset_minutes <= "
                f"latest_offset_minutes, got {self.earliest_offset_minutes}.."
                f"{self.latest_offset_minutes}. Fix: swap or correct the window."
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class WeeklyPattern:
    """Days on / consecutive days off of a weekly tour (5 on, 2 consecutive off by default)."""

    days_on: int = 5
    days_off: int = 2

    def __post_init__(self) -> None:
        if self.days_on < 1 or self.days_off < 0 or self.days_on + self.days_off != 7:
            raise ScheduleInputError(
                f"WeeklyPattern needs days_on >= 1, days_off >= 0 and days_on + days_off == 7, "
                f"got days_on={self.days_on}, days_off={self.days_off}."
            )


@dataclass(frozen=True, slots=True)
class ShiftVariant:
    """One concrete shift: a template at one start time with one length."""

    template: ShiftTemplate
    start_minutes: int
    length_minutes: int

    @property
    def name(self) -> str:
        return self.template.name

    @property
    def end_minutes(self) -> int:
        return self.start_minutes + self.length_minutes

    @property
    def crosses_midnight(self) -> bool:
        return self.end_minutes > MINUTES_PER_DAY

    @property
    def paid_minutes(self) -> int:
        unpaid = sum(b.duration_minutes for b in self.template.breaks if not b.paid)
        return self.length_minutes - unpaid

    @property
    def cost(self) -> float:
        """Cost of one person on this shift: paid hours x ``cost_per_hour``."""
        return self.paid_minutes / 60.0 * self.template.cost_per_hour

    @property
    def label(self) -> str:
        return f"{self.name}@{format_hhmm(self.start_minutes)}/{self.length_minutes / 60:g}h"


@dataclass(frozen=True, slots=True, kw_only=True)
class ShiftTemplate:
    """A family of shifts: start times on a grid, one or more lengths, breaks, cost.

    Parameters
    ----------
    name : label (``"early"``).
    start_minutes : earliest start, minutes after midnight (0-1439).
    latest_start_minutes : latest start; defaults to ``start_minutes`` (one start time).
    start_step_minutes : grid of start times between the two (e.g. 15 or 30).
    lengths_minutes : allowed shift lengths, breaks included.
    breaks : :class:`BreakRule` s placed inside the shift (windows must not overlap).
    cost_per_hour : cost of one paid hour on this shift (>= 0).
    weekdays : days of the week the template may be used (Monday = 0).
    queues : the ``unique_id`` s (skills) this shift may serve; None = any. A single string
        is one queue (``queues="voice"`` is ``("voice",)``).
    """

    name: str
    start_minutes: int
    latest_start_minutes: int | None = None
    start_step_minutes: int = 15
    lengths_minutes: tuple[int, ...]
    breaks: tuple[BreakRule, ...] = ()
    cost_per_hour: float = 1.0
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
    queues: tuple[str, ...] | None = None
    _starts: tuple[int, ...] = field(init=False, repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        who = f"shift template '{self.name}'"
        if not isinstance(self.name, str) or not self.name:
            raise ScheduleInputError(f"shift template name must be a non-empty string, got {self.name!r}.")
        latest = self.start_minutes if self.latest_start_minutes is None else self.latest_start_minutes
        if not 0 <= self.start_minutes < MINUTES_PER_DAY or not self.start_minutes <= latest < MINUTES_PER_DAY:
            raise ScheduleInputError(
                f"{who}: starts must satisfy 0 <= start <= latest_start < 24:00, got "
                f"{self.start_minutes}..{latest} minutes. Fix: a shift starting after midnight "
                f"belongs to the next day."
            )
        if self.start_step_minutes <= 0:
            raise ScheduleInputError(f"{who}: start_step_minutes must be > 0, got {self.start_step_minutes}.")
        if (latest - self.start_minutes) % self.start_step_minutes:
            below = latest - (latest - self.start_minutes) % self.start_step_minutes
            raise ScheduleInputError(
                f"{who}: latest_start_minutes={latest} is not on the grid of start times "
                f"start_minutes={self.start_minutes} + k x start_step_minutes={self.start_step_minutes}, "
                f"so the latest start would be silently dropped. Fix: use latest_start_minutes="
                f"{below} or {below + self.start_step_minutes}, or a start_step_minutes that divides "
                f"{latest - self.start_minutes}.")
        if not self.lengths_minutes or any(n <= 0 or n > MINUTES_PER_DAY for n in self.lengths_minutes):
            raise ScheduleInputError(
                f"{who}: lengths_minutes must be one or more lengths in (0, 1440], got "
                f"{self.lengths_minutes!r}.")
        if not (isinstance(self.cost_per_hour, int | float) and math.isfinite(self.cost_per_hour)
                and self.cost_per_hour >= 0):
            raise ScheduleInputError(
                f"{who}: cost_per_hour must be a finite number >= 0, got {self.cost_per_hour!r}. "
                f"Fix: costs cannot be negative; use 0 for a free shift.")
        check_weight(float(self.cost_per_hour), f"{who}: cost_per_hour")
        if not self.weekdays or any(d not in range(7) for d in self.weekdays):
            raise ScheduleInputError(f"{who}: weekdays must be a non-empty subset of 0..6, got {self.weekdays!r}.")
        ordered = sorted(self.breaks, key=lambda b: b.earliest_offset_minutes)
        for a, b in zip(ordered, ordered[1:], strict=False):
            if a.latest_offset_minutes + a.duration_minutes > b.earliest_offset_minutes:
                raise ScheduleInputError(
                    f"{who}: windows of breaks '{a.name}' and '{b.name}' overlap (a break could "
                    f"start before the other ends). Fix: make '{b.name}' start at or after "
                    f"{a.latest_offset_minutes + a.duration_minutes} minutes into the shift."
                )
        for n in self.lengths_minutes:
            for b in self.breaks:
                if b.latest_offset_minutes + b.duration_minutes > n:
                    raise ScheduleInputError(
                        f"{who}: break '{b.name}' may end at {b.latest_offset_minutes + b.duration_minutes}"
                        f" minutes, after the end of the {n}-minute shift. Fix: narrow its window.")
            if sum(b.duration_minutes for b in self.breaks if not b.paid) >= n:
                raise ScheduleInputError(f"{who}: unpaid breaks fill the whole {n}-minute shift.")
        if self.queues is not None:
            queues = (self.queues,) if isinstance(self.queues, str) else tuple(self.queues)
            if not queues or not all(isinstance(q, str) and q for q in queues):
                raise ScheduleInputError(
                    f"{who}: queues must be None (any queue) or one or more queue names "
                    f"(unique_id), got {self.queues!r}. Fix: e.g. queues=('voice',).")
            object.__setattr__(self, "queues", queues)
        starts = tuple(range(self.start_minutes, latest + 1, self.start_step_minutes))
        object.__setattr__(self, "latest_start_minutes", latest)
        object.__setattr__(self, "lengths_minutes", tuple(sorted(set(self.lengths_minutes))))
        object.__setattr__(self, "weekdays", tuple(sorted(set(self.weekdays))))
        object.__setattr__(self, "_starts", starts)

    @property
    def start_times_minutes(self) -> tuple[int, ...]:
        """Every allowed start on the grid."""
        return self._starts

    def variants(self) -> list[ShiftVariant]:
        """Every (start, length) combination of this template."""
        return [ShiftVariant(self, s, n) for s in self._starts for n in self.lengths_minutes]


def expand_templates(templates: Sequence[ShiftTemplate]) -> list[ShiftVariant]:
    """All variants of ``templates``; raises on duplicated template names."""
    names = [t.name for t in templates]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ScheduleInputError(f"shift templates have duplicated names {dup}; names must be unique.")
    if not templates:
        raise ScheduleInputError("shifts is empty; give at least one ShiftTemplate.")
    return [v for t in templates for v in t.variants()]


def shift_coverage_matrix(
    templates: Sequence[ShiftTemplate],
    *,
    days: int = 7,
    interval_minutes: int = 15,
    pattern: WeeklyPattern | None = None,
    cyclic: bool = True,
) -> tuple[pd.DataFrame, pd.Series]:
    """0/1 coverage matrix of the shifts (or weekly tours) over ``days`` x intervals.

    Breaks are not subtracted here (the count model plans heads on shift; breaks are placed
    by :func:`~routing_ml.scheduling.build_roster`).

    Parameters
    ----------
    templates : the shift templates.
    days : days in the horizon. Day 0 is a **Monday**, period 0 its 00:00: the templates'
        ``weekdays`` are read as ``day % 7`` (0 = Monday). A requirements vector starting
        on another weekday must be rotated to start on a Monday (or padded with zeros
        before it), or a Mon-Fri template would be matched to the wrong days.
    interval_minutes : length of one period.
    pattern : with a :class:`WeeklyPattern` each column is a tour: the same shift on
        ``days_on`` consecutive days starting on day j, then ``days_off`` consecutive days off
        (wrapping around the week). Needs ``days`` a multiple of 7. Only tours whose working
        days are all in the template's ``weekdays`` are kept (a Mon-Fri template with 5 on /
        2 off gives the Monday tour only); a template none of whose tours fits warns.
    cyclic : the part of a shift (or tour) after the horizon wraps to its start (a steady
        week), instead of being dropped.

    Returns
    -------
    coverage : DataFrame, one row per period (index ``period``: day * periods_per_day +
        interval) and one 0/1 column per shift (label ``name@HH:MM/8h``, with ``+d0``,
        ``+d1``, ... the day when ``days`` > 1; tours get ``+Mon`` with their first day).
    cost : Series of the cost of one person on each column over the whole horizon, as the
        coverage is: paid hours x cost per hour x the shifts the column works (1 for a
        shift; ``days_on`` x ``days // 7`` for a tour), same index as the columns.
    """
    if MINUTES_PER_DAY % interval_minutes:
        raise ScheduleInputError(f"interval_minutes must divide 1440, got {interval_minutes}.")
    if pattern is not None and days % 7:
        raise ScheduleInputError(f"a weekly pattern needs days to be a multiple of 7, got days={days}.")
    per_day = MINUTES_PER_DAY // interval_minutes
    n = days * per_day
    cols: dict[str, np.ndarray] = {}
    costs: dict[str, float] = {}
    used: set[str] = set()
    for v in expand_templates(templates):
        if v.start_minutes % interval_minutes or v.length_minutes % interval_minutes:
            raise ScheduleInputError(
                f"shift {v.label} does not align with interval_minutes={interval_minutes}. "
                f"Fix: use starts and lengths on the {interval_minutes}-minute grid.")
        first = v.start_minutes // interval_minutes
        span = v.length_minutes // interval_minutes
        day_sets: list[tuple[str, list[int]]]
        if pattern is None:
            day_sets = [(f"+d{d}", [d]) for d in range(days)] if days > 1 else [("", [0])]
        else:
            # the weekly pattern repeats: cyclic, a tour's days past Sunday are the next
            # week's (the last week's wrap to the first); otherwise they are past the horizon
            day_sets = [(f"+{WEEKDAYS[j]}",
                         [w * 7 + (j + k) % 7 if cyclic else w * 7 + j + k
                          for w in range(days // 7) for k in range(pattern.days_on)
                          if cyclic or w * 7 + j + k < days])
                        for j in range(7)]
        for suffix, ds in day_sets:
            if any(d % 7 not in v.template.weekdays for d in ds):
                continue  # a shift or tour works only the days its template allows
            col = np.zeros(n, dtype=np.int8)
            for d in ds:
                idx = d * per_day + first + np.arange(span)
                if cyclic:
                    idx = idx % n
                else:
                    idx = idx[idx < n]
                col[idx] = 1
            label = v.label + suffix
            cols[label] = col
            costs[label] = v.cost * len(ds)  # one per shift worked, as ``col`` covers them
            used.add(v.name)
    if pattern is not None:
        for t in templates:
            if t.name not in used:
                warnings.warn(
                    f"shift template '{t.name}' allows only {[WEEKDAYS[d] for d in t.weekdays]}: no "
                    f"{pattern.days_on}-on/{pattern.days_off}-off tour fits, so it gets no tours. "
                    f"Fix: allow {pattern.days_on} consecutive weekdays or change the pattern.",
                    UserWarning, stacklevel=2)
    frame = pd.DataFrame(cols)
    frame.index.name = "period"
    return frame, pd.Series(costs, name="cost")


def _int(value: Any, *, what: str) -> int:
    """A whole number from YAML (``30``, ``"30"``); anything else names the field."""
    if isinstance(value, bool):
        raise ScheduleInputError(f"{what} must be a whole number of minutes, got {value!r}.")
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ScheduleInputError(f"{what} must be a whole number of minutes, got {value!r} "
                                 f"(write e.g. 30, without units).") from None
    if not out.is_integer():
        raise ScheduleInputError(f"{what} must be a whole number of minutes, got {value!r}.")
    return int(out)


def _number(value: Any, *, what: str) -> float:
    if isinstance(value, bool):
        raise ScheduleInputError(f"{what} must be a number, got {value!r}.")
    try:
        return float(value)
    except (TypeError, ValueError):
        hint = " with a decimal point" if isinstance(value, str) and "," in value else ""
        raise ScheduleInputError(f"{what} must be a number, got {value!r} (write e.g. 20 or 0.5{hint}, "
                                 f"without units or currency).") from None


def _flag(value: Any, *, what: str) -> bool:
    """YAML true/false; the strings 'yes'/'no'/'true'/'false' too (never bool('no'))."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "y", "1", "si", "sí"):
        return True
    if text in ("false", "no", "n", "0"):
        return False
    raise ScheduleInputError(f"{what} must be true or false, got {value!r}.")


def _break_from_mapping(spec: Any, *, where: str) -> BreakRule:
    if not isinstance(spec, dict):
        raise ScheduleInputError(
            f"{where}: each break must be a mapping such as {{name: lunch, minutes: 30, paid: false, "
            f"window: ['03:30', '05:00']}}, got {spec!r}.")
    known = {"name", "minutes", "duration_minutes", "paid", "window"}
    unknown = sorted(str(k) for k in set(spec) - known)
    if unknown:
        # a typo ('piad') would silently make a paid break unpaid
        raise ScheduleInputError(f"{where}: break has unknown keys {unknown}; allowed keys are "
                                 f"{sorted(known)}.")
    window = spec.get("window")
    if not isinstance(window, list | tuple) or len(window) != 2:
        raise ScheduleInputError(
            f"{where}: a break needs window: ['HH:MM', 'HH:MM'] (allowed start offsets after the "
            f"shift start), got {window!r}.")
    minutes = spec.get("minutes", spec.get("duration_minutes"))
    if minutes is None:
        raise ScheduleInputError(f"{where}: a break needs minutes: <duration>.")
    return BreakRule(
        name=str(spec.get("name", "break")), duration_minutes=_int(minutes, what=f"{where} break minutes"),
        paid=_flag(spec.get("paid", False), what=f"{where} break paid"),
        earliest_offset_minutes=_mapping_time(window[0], what=f"{where} window start"),
        latest_offset_minutes=_mapping_time(window[1], what=f"{where} window end"),
    )


def template_from_mapping(spec: dict[str, Any], *, where: str = "shift") -> ShiftTemplate:
    """Build a :class:`ShiftTemplate` from a YAML/JSON mapping (see :func:`load_shifts_yaml`)."""
    known = {"name", "start", "latest_start", "step_minutes", "lengths_hours", "lengths_minutes",
             "breaks", "cost_per_hour", "weekdays", "queues"}
    if not isinstance(spec, dict):
        raise ScheduleInputError(
            f"{where}: each shift must be a mapping such as {{name: early, start: '07:00', "
            f"lengths_hours: [8]}}, got {spec!r}.")
    unknown = sorted(set(spec) - known)
    if unknown:
        raise ScheduleInputError(f"{where}: unknown keys {unknown}; allowed keys are {sorted(known)}.")
    if "name" not in spec or "start" not in spec:
        raise ScheduleInputError(f"{where}: 'name' and 'start' are required.")
    name = str(spec["name"])
    if "lengths_minutes" in spec and "lengths_hours" in spec:
        raise ScheduleInputError(
            f"{where} '{name}': give lengths_hours or lengths_minutes, not both (got "
            f"{spec['lengths_hours']!r} hours and {spec['lengths_minutes']!r} minutes).")
    if "lengths_minutes" in spec:
        lengths = [_int(x, what=f"{where} '{name}' lengths_minutes") for x in _as_list(spec["lengths_minutes"])]
        if any(0 < n <= 24 for n in lengths):
            raise ScheduleInputError(
                f"{where} '{name}': lengths_minutes {lengths} has shifts of 24 minutes or less: "
                f"hours? Fix: lengths_hours: {lengths} (or minutes, e.g. lengths_minutes: "
                f"{[n * 60 for n in lengths]}).")
    elif "lengths_hours" in spec:
        hours = [_number(x, what=f"{where} '{name}' lengths_hours") for x in _as_list(spec["lengths_hours"])]
        if not all(math.isfinite(h) and h > 0 for h in hours):
            raise ScheduleInputError(
                f"{where} '{name}': lengths_hours {hours} must be finite numbers of hours > 0. "
                f"Fix: e.g. lengths_hours: [8] or [4, 8].")
        if any(h > 24 for h in hours):
            raise ScheduleInputError(
                f"{where} '{name}': lengths_hours {hours} has shifts over 24 hours: minutes? "
                f"Fix: lengths_minutes: {[round(h) for h in hours]}.")
        lengths = [round(h * 60) for h in hours]
    else:
        raise ScheduleInputError(f"{where} '{name}': give lengths_hours: [8] or lengths_minutes: [480].")
    start = _mapping_time(spec["start"], what=f"{where} '{name}' start")
    latest = _mapping_time(spec["latest_start"], what=f"{where} '{name}' latest_start") \
        if "latest_start" in spec else None
    raw_days = _as_list(spec.get("weekdays", ["Mon-Sun"]))
    numbers = [d for d in raw_days if isinstance(d, int | float) and not isinstance(d, bool)]
    if numbers:
        # 1 is Tuesday counting from Monday = 0 (as ShiftTemplate does) but Monday counting
        # from 1, as many planners do: a file says which it means by names
        raise ScheduleInputError(
            f"{where} '{name}': weekdays {raw_days} are numbers; write day names, e.g. "
            f"weekdays: [Mon-Fri] or [Mon, Wed, Sat] (numbers are ambiguous: is 1 Monday or "
            f"Tuesday?).")
    weekdays = tuple(sorted({d for item in raw_days
                             for d in parse_weekdays(item, what=f"{where} '{name}' weekdays")}))
    queues = spec.get("queues")
    return ShiftTemplate(
        name=name, start_minutes=start, latest_start_minutes=latest,
        start_step_minutes=_int(spec.get("step_minutes", 15), what=f"{where} '{name}' step_minutes"),
        lengths_minutes=tuple(lengths),
        breaks=tuple(_break_from_mapping(b, where=f"{where} '{name}'") for b in _break_list(spec, where, name)),
        cost_per_hour=_number(spec.get("cost_per_hour", 1.0), what=f"{where} '{name}' cost_per_hour"),
        weekdays=weekdays,
        queues=None if queues is None else tuple(str(q) for q in _as_list(queues)),
    )


def _break_list(spec: dict[str, Any], where: str, name: str) -> list[Any]:
    breaks = spec.get("breaks") or []
    if not isinstance(breaks, list):
        raise ScheduleInputError(f"{where} '{name}': breaks must be a list of mappings, got {breaks!r}.")
    return breaks


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [v for v in re.split(r"[;,]\s*", value) if v]
    if isinstance(value, Iterable):
        return list(value)
    return [value]


def _times_loader() -> Any:
    """A ``yaml.SafeLoader`` that keeps ``07:30`` as the text "07:30". YAML 1.1 reads an
    unquoted ``07:30`` as the base-60 number 450, which cannot be told apart from a bare
    number of minutes or hours."""
    import yaml

    from routing_ml._yaml import keep_clock_times_as_text

    class TimesLoader(yaml.SafeLoader):
        pass

    keep_clock_times_as_text(TimesLoader, r"^\d{1,2}:\d{2}(?::\d{2})?$")
    return TimesLoader


def _read_yaml(path: str | Path) -> dict[str, Any]:
    import yaml

    path = Path(path)
    try:
        data = yaml.load(path.read_text(), Loader=_times_loader())  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        raise ScheduleInputError(f"{path}: not valid YAML ({exc}).") from exc
    if not isinstance(data, dict):
        raise ScheduleInputError(f"{path}: expected a mapping with a 'shifts:' list at the top.")
    unknown = sorted(map(str, set(data) - {"shifts", "rules", "weights"}))
    if unknown:
        raise ScheduleInputError(
            f"{path}: unknown top-level key(s) {unknown}; the file holds 'shifts:' and optional "
            f"'rules:' and 'weights:' (a misspelt section would be ignored silently).")
    return data


def load_shifts_yaml(path: str | Path) -> tuple[ShiftTemplate, ...]:
    """Read shift templates from a YAML file.

    Format::

        shifts:
          - name: early
            start: "07:00"          # earliest start (HH:MM)
            latest_start: "09:00"   # optional, default = start
            step_minutes: 30        # start grid
            lengths_hours: [8]      # or lengths_minutes: [480]
            cost_per_hour: 20
            weekdays: [Mon, Tue, Wed, Thu, Fri]   # optional, default every day
            queues: [voice]                       # optional, default any queue
            breaks:
              - {name: lunch, minutes: 30, paid: false, window: ["03:30", "05:00"]}
          - name: night
            start: "22:00"          # ends 06:00 the next day
            lengths_hours: [8]
        rules: {...}                # optional, see load_rules_yaml

    Returns
    -------
    tuple of :class:`ShiftTemplate`.

    Raises
    ------
    ScheduleInputError
        Missing/unknown keys, bad times, overlapping break windows, negative costs.
    """
    data = _read_yaml(path)
    specs = data.get("shifts")
    if not isinstance(specs, list) or not specs:
        raise ScheduleInputError(f"{path}: 'shifts:' must be a non-empty list of shift templates.")
    templates = tuple(template_from_mapping(s, where=f"{Path(path).name} shifts[{i}]")
                      for i, s in enumerate(specs))
    expand_templates(templates)  # duplicate-name check
    return templates
