"""Validation and preparation of roster inputs (requirements, agents, shifts, rules).

Everything here runs before any solver: it turns frames into plain arrays and option lists
and raises :class:`ScheduleInputError` / :class:`FrameError` naming the input and the fix.
"""

from __future__ import annotations

import difflib
import math
import re
import warnings
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from routing_ml.errors import FrameError
from routing_ml.frames import AGENTS, ID, TIME, validate_requirements
from routing_ml.scheduling._base import ScheduleInputError, check_weight
from routing_ml.scheduling.rules import RosterRules, RosterWeights
from routing_ml.scheduling.shifts import (
    MINUTES_PER_DAY,
    ShiftTemplate,
    ShiftVariant,
    _mapping_time,
    expand_templates,
    format_hhmm,
    is_weekday_item,
    parse_weekdays,
)

AGENT_ID = "agent_id"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: a last week of the requirements with at most this many intervals needing agents gets a
#: note (a stray row, e.g. next Monday 00:00, would add a week of shifts)
SPARSE_LAST_WEEK_ROWS = 4
AGENT_COLUMNS = (AGENT_ID, "skills", "min_hours_per_week", "max_hours_per_week", "unavailable",
                 "earliest_start", "latest_end", "preferred_start", "preferred_days_off")


@dataclass(frozen=True, slots=True)
class AgentSpec:
    """One agent after validation (times in minutes; days as horizon day indices)."""

    agent_id: str
    skills: tuple[str, ...]
    min_minutes_per_week: int
    max_minutes_per_week: int
    unavailable_days: frozenset[int]
    unavailable_text: str
    earliest_start_minutes: int
    latest_end_minutes: int
    preferred_start_minutes: int | None
    preferred_days_off: frozenset[int]
    #: per week, the minimum after leave (dated unavailable days); empty: every week
    #: ``min_minutes_per_week``
    min_minutes_by_week: tuple[int, ...] = ()
    #: carried over from ``previous_roster``: end of the agent's last shift in minutes from
    #: the horizon start (negative before it; None: no history) and its working days in a
    #: row up to the day before the horizon
    previous_end_minutes: int | None = None
    previous_streak: int = 0
    #: the first days of the horizon of which at least one must be off because of
    #: ``previous_streak`` and ``max_consecutive_days`` (empty: no such constraint); the
    #: solver chooses which
    carry_over_window: tuple[int, ...] = ()

    def min_minutes(self, week: int) -> int:
        """Minimum paid minutes of ``week``: the contract's, reduced for dated leave."""
        return self.min_minutes_by_week[week] if self.min_minutes_by_week else self.min_minutes_per_week


@dataclass(frozen=True, slots=True)
class RosterProblem:
    """Validated, array-shaped roster inputs (built by :func:`prepare_problem`)."""

    start: pd.Timestamp
    n_days: int
    interval_minutes: int
    skills: tuple[str, ...]
    required: np.ndarray  # (skills, periods) int
    weight: np.ndarray  # (skills, periods) float, under-staffing weight per interval
    listed: np.ndarray  # (skills, periods) bool, interval present in the requirements frame
    variants: tuple[ShiftVariant, ...]
    agents: tuple[AgentSpec, ...]
    options: tuple[tuple[tuple[tuple[int, int], ...], ...], ...]  # [agent][day] -> ((variant, skill), ...)
    rules: RosterRules
    weights: RosterWeights
    templates: tuple[ShiftTemplate, ...]
    #: what the plan cannot do that the inputs ask for (requirements outside the horizon,
    #: queues no agent can serve), also issued as warnings; copied to the result
    notes: tuple[str, ...] = ()
    #: (skills, periods) agents of ``previous_roster`` still on shift in the horizon (a night
    #: shift into its first morning), already taken off ``required``; None without them
    carried: np.ndarray | None = None

    @property
    def per_day(self) -> int:
        return MINUTES_PER_DAY // self.interval_minutes

    @property
    def n_periods(self) -> int:
        return self.n_days * self.per_day

    @property
    def n_weeks(self) -> int:
        return self.n_days // 7

    def date(self, d: int) -> pd.Timestamp:
        return self.start + pd.Timedelta(days=d)

    def weekday(self, d: int) -> int:
        return int(self.date(d).weekday())


@dataclass(frozen=True, slots=True)
class UnderTiers:
    """The convex under-staffing cost of :class:`RosterWeights` as tiers, per (queue,
    interval): tier ``i`` holds the missing agents ``lower[i] <= s < lower[i] + width[i]``
    (whole agents) and each costs ``unit[i]`` (cost units, the interval's weight and hours
    included). Arrays are (tiers, skills, periods); widths add up to the requirement."""

    lower: np.ndarray
    width: np.ndarray
    unit: np.ndarray

    def cost(self, short: np.ndarray, index: Any = ...) -> np.ndarray:
        """Cost (cost units) of ``short`` agents missing, per cell of ``[:, index]``."""
        lo, wi, un = self.lower[:, index], self.width[:, index], self.unit[:, index]
        return np.asarray((un * np.clip(short - lo, 0, wi)).sum(axis=0), dtype=float)

    def marginal(self, short: np.ndarray) -> np.ndarray:
        """Cost (cost units) the last of ``short`` missing agents adds, per cell (0 where
        nothing is missing): what one more agent there saves."""
        last = np.asarray(short)[None] - 1
        inside = (last >= self.lower) & (last < self.lower + self.width)
        return np.asarray((self.unit * inside).sum(axis=0), dtype=float)


def under_tiers(p: RosterProblem) -> UnderTiers:
    """:class:`UnderTiers` of ``p`` (``RosterWeights.under_staffing_tiers``): tier edges at
    ``share x requirement`` rounded half up, each at least one agent past the previous one.

    The requirement is the interval's whole one: agents of ``previous_roster`` still on
    shift (``p.carried``) cover part of it, so the plan can miss at most ``p.required`` of
    it, but a missing agent is as deep into the shortfall as without them."""
    req = np.maximum(p.required, 0).astype(np.int64)
    full = req if p.carried is None else req + np.maximum(p.carried, 0).astype(np.int64)
    base = p.weights.under_staffing_per_hour * p.interval_minutes / 60.0 * p.weight
    edges = [np.zeros_like(req)]
    for share, _mult in p.weights.under_staffing_tiers:
        # rounded to 9 decimals first: 0.35 x 90 is 31.499999999999996 in floating point
        edge = np.floor(np.round(share * full, 9) + 0.5).astype(np.int64)
        edges.append(np.maximum(edges[-1] + 1, edge))
    lower = np.minimum(np.stack(edges), req)
    upper = np.concatenate([lower[1:], req[None]])
    mults = np.array([1.0, *(m for _s, m in p.weights.under_staffing_tiers)])
    return UnderTiers(lower=lower, width=upper - lower, unit=mults[:, None, None] * base[None])


def agent_classes(p: RosterProblem) -> list[list[int]]:
    """Agents grouped (in index order) by everything the roster model sees of them: shift
    options every day, weekly hours and soft preferences; agents of one group are
    interchangeable."""
    groups: dict[Any, list[int]] = defaultdict(list)
    for a, agent in enumerate(p.agents):
        groups[(p.options[a], agent.min_minutes_per_week, agent.min_minutes_by_week,
                agent.max_minutes_per_week, agent.preferred_start_minutes,
                agent.preferred_days_off, agent.carry_over_window)].append(a)
    return list(groups.values())


def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip())


def _split(v: Any) -> list[str]:
    if _is_missing(v):
        return []
    if isinstance(v, list | tuple | set | frozenset):
        return [str(x).strip() for x in v if str(x).strip()]
    return [p.strip() for p in str(v).replace(",", ";").split(";") if p.strip()]


def _hours(v: Any, default: float, *, what: str) -> int:
    if _is_missing(v):
        return round(default * 60)
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise ScheduleInputError(f"{what} must be a number of hours, got {v!r}.") from None
    if not math.isfinite(f) or f < 0:
        raise ScheduleInputError(f"{what} must be a finite number of hours >= 0, got {v!r}.")
    return round(f * 60)


def validate_templates(templates: Sequence[ShiftTemplate], interval_minutes: int,
                       skills: Sequence[str]) -> list[ShiftVariant]:
    """Variants of the templates, checked against the interval grid and the known queues."""
    if isinstance(templates, ShiftTemplate):
        templates = [templates]
    if not all(isinstance(t, ShiftTemplate) for t in templates):
        raise ScheduleInputError(
            "shifts must be a sequence of ShiftTemplate (load them with load_shifts_yaml), got "
            f"{[type(t).__name__ for t in templates][:3]}.")
    variants = expand_templates(list(templates))
    for t in templates:
        if t.queues is not None:
            unknown = sorted(set(t.queues) - set(skills))
            if unknown:
                raise ScheduleInputError(
                    f"shift template '{t.name}' serves unknown queues {unknown}; the requirements "
                    f"have unique_id {sorted(skills)}. Fix: correct 'queues' or add requirement rows.")
        for b in t.breaks:
            for m in (b.duration_minutes, b.earliest_offset_minutes, b.latest_offset_minutes):
                if m % interval_minutes:
                    raise ScheduleInputError(
                        f"shift template '{t.name}': break '{b.name}' times must be multiples of "
                        f"interval_minutes={interval_minutes}, got {m}.")
    for v in variants:
        if v.start_minutes % interval_minutes or v.length_minutes % interval_minutes:
            raise ScheduleInputError(
                f"shift {v.label} does not align with interval_minutes={interval_minutes}. Fix: put "
                f"starts (start_step_minutes) and lengths on the {interval_minutes}-minute grid.")
    return variants


def prepare_problem(
    requirements: pd.DataFrame,
    agents: pd.DataFrame,
    shifts: Sequence[ShiftTemplate],
    rules: RosterRules | None = None,
    weights: RosterWeights | None = None,
    *,
    interval_minutes: int = 15,
    weeks: int | None = None,
    start: Any = None,
    previous_roster: pd.DataFrame | None = None,
) -> RosterProblem:
    """Validate every input and build a :class:`RosterProblem` (no solver involved)."""
    rules = rules if rules is not None else RosterRules()
    weights = weights if weights is not None else RosterWeights()
    if not isinstance(rules, RosterRules):
        raise ScheduleInputError(f"rules must be a RosterRules, got {type(rules).__name__}.")
    if not isinstance(weights, RosterWeights):
        raise ScheduleInputError(f"weights must be a RosterWeights, got {type(weights).__name__}.")
    if not isinstance(interval_minutes, int) or interval_minutes <= 0 or MINUTES_PER_DAY % interval_minutes:
        raise ScheduleInputError(f"interval_minutes must be a positive divisor of 1440, got {interval_minutes!r}.")
    if weeks is not None and (not isinstance(weeks, int) or not 1 <= weeks <= 4):
        raise ScheduleInputError(f"weeks must be an integer in 1..4, got {weeks!r}.")

    req = validate_requirements(requirements, integer=True)
    if req.empty:
        raise ScheduleInputError("requirements frame is empty; give at least one (unique_id, ds, agents) row.")
    off_grid = (req[TIME].dt.hour * 60 + req[TIME].dt.minute) % interval_minutes != 0
    off_grid |= (req[TIME].dt.second != 0)
    if off_grid.any():
        raise ScheduleInputError(
            f"requirements frame: ds values off the {interval_minutes}-minute grid, e.g. "
            f"{req.loc[off_grid, TIME].iloc[0]}. Fix: floor them with df['ds'].dt.floor('{interval_minutes}min') "
            f"or pass interval_minutes matching your data.")
    _check_spacing(req, interval_minutes)
    day0 = pd.Timestamp(start).normalize() if start is not None else req[TIME].min().normalize()
    span_days = int((req[TIME].max().normalize() - day0).days) + 1
    n_weeks = weeks if weeks is not None else max(1, math.ceil(span_days / 7))
    notes: list[str] = []
    positive = req.loc[req[AGENTS] > 0, TIME]
    if weeks is None and n_weeks > 1 and not positive.empty:
        # trailing weeks with only zero requirements (e.g. a forecast that ends with next
        # Monday 00:00) would add a week of paid shifts covering nothing
        last = min(n_weeks, max(1, int((positive.max().normalize() - day0).days) // 7 + 1))
        if last < n_weeks:
            tail = req[req[TIME] >= day0 + pd.Timedelta(days=7 * last)]
            notes.append(
                f"week(s) {last + 1}..{n_weeks} of the requirements ({len(tail)} row(s), "
                f"{tail[TIME].min()} .. {tail[TIME].max()}) list only zero requirements: the "
                f"roster covers {last} week(s). Fix: pass weeks={n_weeks} to roster them too.")
            n_weeks = last
    stamps = req[TIME]
    if stamps.dt.normalize().nunique() > 1 and (stamps == stamps.dt.normalize()).all():
        notes.append(
            f"every requirements row is at 00:00 (one row a day): each is planned as the "
            f"{interval_minutes}-minute interval after midnight, not as a whole day. If they "
            f"are daily totals, give the agents required per interval instead (e.g. "
            f"`routing-ml staff` on an interval forecast).")
    if weeks is None and n_weeks > 1 and not positive.empty:
        # a last week with a handful of positive rows (e.g. a forecast that ends with next
        # Monday 00:00 at 1 agent) still adds a week of shifts, the weekly minimum hours of
        # every agent included: said, not guessed away (the rows may be real)
        tail = positive[positive >= day0 + pd.Timedelta(days=7 * (n_weeks - 1))]
        if len(tail) <= SPARSE_LAST_WEEK_ROWS:
            notes.append(
                f"week {n_weeks} of the requirements lists only {len(tail)} interval(s) with "
                f"agents required ({tail.min()} .. {tail.max()}): rostering it adds a week of "
                f"shifts, every agent's weekly minimum hours included. Fix: drop those rows, or "
                f"pass weeks={n_weeks - 1} to roster the weeks before them.")
    if n_weeks > 4:
        raise ScheduleInputError(
            f"requirements span {span_days} days ({n_weeks} weeks); rosters cover 1-4 weeks. "
            f"Fix: pass weeks=4 (later rows are ignored) or split the horizon.")
    n_days = n_weeks * 7
    per_day = MINUTES_PER_DAY // interval_minutes
    skills = tuple(sorted(req[ID].unique()))
    k_index = {k: i for i, k in enumerate(skills)}
    period = ((req[TIME] - day0) / pd.Timedelta(minutes=interval_minutes)).astype(np.int64)
    inside = (period >= 0) & (period < n_days * per_day)
    required = np.zeros((len(skills), n_days * per_day), dtype=np.int64)
    weight = np.ones_like(required, dtype=float)
    listed = np.zeros_like(required, dtype=bool)
    needed = req[AGENTS] > 0
    end = day0 + pd.Timedelta(days=n_days)
    if (needed & ~inside).any():
        out = req.loc[needed & ~inside]
        hours = float(out[AGENTS].sum()) * interval_minutes / 60.0
        span = f"{out[TIME].min()} .. {out[TIME].max()}"
        if not (needed & inside).any():
            raise ScheduleInputError(
                f"no requirement falls inside the roster horizon {day0.date()} .. "
                f"{(end - pd.Timedelta(days=1)).date()} ({n_weeks} week(s)); the requirements run "
                f"{span}. Fix: pass start= (a date of the requirements) or weeks=.")
        notes.append(
            f"{len(out)} requirement rows ({hours:g} agent-hours, {span}) fall outside the roster "
            f"horizon {day0.date()} .. {(end - pd.Timedelta(days=1)).date()} and are not planned. "
            f"Fix: pass weeks= or start= to cover them.")
    kk = req.loc[inside, ID].map(k_index).to_numpy()
    tt = period[inside].to_numpy()
    week_of_row = tt // (7 * per_day)
    empty_weeks = [w + 1 for w in range(n_weeks) if not (week_of_row == w).any()]
    if empty_weeks and weeks is not None:
        w0 = empty_weeks[0] - 1
        raise ScheduleInputError(
            f"weeks={n_weeks}, but the requirements list no interval in week(s) {empty_weeks} "
            f"(week {w0 + 1}: {(day0 + pd.Timedelta(days=7 * w0)).date()} .. "
            f"{(day0 + pd.Timedelta(days=7 * w0 + 6)).date()}): the roster would place paid "
            f"shifts with no demand to cover. Fix: pass weeks= up to the requirements' span, "
            f"or list those weeks (agents = 0 where closed).")
    required[kk, tt] = req.loc[inside, AGENTS].to_numpy().astype(np.int64)
    listed[kk, tt] = True
    notes.extend(_hole_notes(listed, skills, day0, interval_minutes))
    if "weight" in req.columns:
        w = pd.to_numeric(req["weight"], errors="coerce")
        if w.isna().any() or (w < 0).any() or not np.isfinite(w).all():
            raise ScheduleInputError(
                "requirements frame: column 'weight' (under-staffing weight per interval) must be "
                "finite numbers >= 0. Fix: fill missing weights with 1.")
        weight[kk, tt] = w[inside].to_numpy()

    variants = validate_templates(shifts, interval_minutes, skills)
    # the models' coefficients are products: shift cost x cost per hour, under-staffing
    # weight x the deepest tier's multiplier x the interval's weight
    check_weight(weights.shift_cost * max(v.template.cost_per_hour for v in variants),
                 "RosterWeights.shift_cost x the largest cost_per_hour")
    check_weight(weights.under_staffing_per_hour * weights.deepest_under_multiplier * float(weight.max(initial=1.0)),
                 "RosterWeights.under_staffing_per_hour x the deepest tier's multiplier x the "
                 "largest requirements 'weight'")
    agent_specs = _parse_agents(agents, skills, rules, day0, n_days)
    # an agent on leave (dated unavailability) every day of the horizon is on the planners'
    # one staff list all year: left out with a note, not an error (an agent with no
    # availability by its weekdays or hours still is one: see _options)
    away = [a for a in agent_specs if len(a.unavailable_days) == n_days and a.min_minutes_by_week]
    if away and len(away) < len(agent_specs):
        agent_specs = [a for a in agent_specs if all(a is not b for b in away)]
        notes.append(
            f"{len(away)} agent(s) on leave every day of the horizon get no shift: "
            f"{', '.join(repr(a.agent_id) for a in away[:5])}{' ...' if len(away) > 5 else ''}.")
    carried = None
    if previous_roster is not None:
        prev = _read_previous_roster(previous_roster, day0)
        agent_specs, note = _carry_over(prev, agent_specs, day0)
        notes += [note] if note else []
        carried = _carried_coverage(prev, skills, day0, n_days * per_day, interval_minutes)
        if ID not in prev.columns and (prev["end"] > day0).any():
            notes.append(
                f"previous_roster has no '{ID}' column: its shifts that run into the horizon (after "
                f"{day0}) are not counted as staffing, so those hours are planned as if nobody were "
                f"there. Fix: keep the '{ID}' column the roster wrote (the queue each shift serves).")
        if carried is not None:  # the plan needs only what they leave
            carried = np.minimum(carried, required)
            required = required - carried
    _check_rule_minimum(rules, agent_specs, variants)
    options = _options(agent_specs, variants, skills, day0, n_days, rules)
    if previous_roster is not None:  # working days in a row carried over: a day off early on
        for a, window in _carry_over_windows(options, agent_specs, rules).items():
            agent_specs[a] = replace(agent_specs[a], carry_over_window=window)
    notes.extend(_short_week_notes(req, day0, n_weeks, agent_specs, variants))
    servable = {k for agent in options for day in agent for _, k in day}
    for k, name in enumerate(skills):
        if k not in servable and required[k].any():
            hours = float(required[k].sum()) * interval_minutes / 60.0
            notes.append(
                f"queue '{name}' needs {hours:g} agent-hours but no agent can work it (no agent has "
                f"the skill, or no shift template serving it fits any agent's availability): it "
                f"stays under-staffed. Fix: add '{name}' to some agents' skills.")
    uncovered = _uncoverable(required, options, variants, per_day, interval_minutes, servable)
    # the first hours of the horizon that only a night shift of the day before could cover
    # (covered at the same time the next day: a night shift reaches them from the day before)
    # and only the hours a night shift of that queue reaches past midnight: an uncovered
    # Monday morning of a queue whose only agent is off on Mondays is not a night gap
    spill = np.zeros(len(skills))  # minutes past midnight a night shift of the queue reaches
    for vi, k in {o for agent in options for day in agent for o in day}:
        v = variants[vi]
        spill[k] = max(spill[k], v.start_minutes + v.length_minutes - MINUTES_PER_DAY)
    gaps = set(uncovered)
    early = [(k, t) for k, t in uncovered if t * interval_minutes < spill[k] and n_days > 1
             and (k, t + per_day) not in gaps]
    if early and previous_roster is None:
        k, t = early[0]
        when = day0 + pd.Timedelta(minutes=interval_minutes * t)
        notes.append(
            f"{len(early)} intervals at the start of the horizon (e.g. '{skills[k]}' "
            f"{when:%Y-%m-%d %H:%M}) can only be covered by a night shift that starts the day "
            f"before: they stay under-staffed. Fix: pass the roster published before this "
            f"one (previous_roster), whose night shifts running into the horizon staff them.")
        uncovered = [u for u in uncovered if u not in early]
    if uncovered:
        k, t = uncovered[0]
        when = day0 + pd.Timedelta(minutes=interval_minutes * t)
        notes.append(
            f"{len(uncovered)} intervals need agents but no shift that any agent may work covers "
            f"them (e.g. '{skills[k]}' {when:%Y-%m-%d %H:%M}, {when:%A}): they stay under-staffed "
            f"whatever the solver does. Fix: add or widen a shift template (start, length) for "
            f"those hours, or check the agents' availability (unavailable, earliest_start, latest_end)"
            + (", and the rest and days in a row carried over from previous_roster."
               if any(a.previous_end_minutes is not None for a in agent_specs) else "."))
    for note in notes:
        warnings.warn(note, UserWarning, stacklevel=3)
    return RosterProblem(start=day0, n_days=n_days, interval_minutes=interval_minutes, skills=skills,
                         required=required, weight=weight, listed=listed, variants=tuple(variants),
                         carried=carried,
                         agents=tuple(agent_specs), options=options, rules=rules, weights=weights,
                         templates=tuple(shifts), notes=tuple(notes))


def _hole_notes(listed: np.ndarray, skills: Sequence[str], day0: pd.Timestamp,
                interval_minutes: int) -> list[str]:
    """A note for intervals absent between a day's first and last row where most days of
    the queue list that time of day: a row lost on the way (an export, a filter) is not
    planned, neither under- nor over-staffed, without a word. A closure at the same time
    every day (lunch) is a layout, not a hole."""
    per_day = MINUTES_PER_DAY // interval_minutes
    n_days = listed.shape[1] // per_day
    out = []
    for k, name in enumerate(skills):
        grid = listed[k, :n_days * per_day].reshape(n_days, per_day)
        days = grid.any(axis=1)
        if days.sum() < 2:
            continue
        first = np.where(days, grid.argmax(axis=1), per_day)
        last = np.where(days, per_day - 1 - grid[:, ::-1].argmax(axis=1), -1)
        slot = np.arange(per_day)
        inside = (slot >= first[:, None]) & (slot <= last[:, None])
        usual = grid[days].mean(axis=0) > 0.5  # the times of day most listed days have
        holes = inside & ~grid & usual
        if holes.any():
            d, t = np.argwhere(holes)[0]
            when = day0 + pd.Timedelta(days=int(d), minutes=int(t) * interval_minutes)
            out.append(
                f"requirements of queue '{name}': {int(holes.sum())} interval(s) absent between a "
                f"day's first and last rows at times most days list (e.g. {when:%Y-%m-%d %H:%M}): "
                f"they are not planned, neither under- nor over-staffed. Fix: give them (agents "
                f"= 0 where the queue is closed) if a row was lost on the way.")
    return out


def _short_week_notes(req: pd.DataFrame, day0: pd.Timestamp, n_weeks: int,
                      agents: list[AgentSpec], variants: Sequence[Any]) -> list[str]:
    """A note for the first week whose requirements list fewer days than some agent's
    weekly minimum hours need (the roster then puts shifts on days without requirements:
    a one-day forecast got a week of shifts)."""
    longest = max((v.length_minutes for v in variants), default=0)
    if not longest:
        return []
    days = {int(d) for d in (req[TIME].dt.normalize() - day0).dt.days.unique()}
    for w in range(n_weeks):
        listed = sum(7 * w <= d < 7 * w + 7 for d in days)
        need = max((math.ceil(a.min_minutes(w) / longest) for a in agents), default=0)
        if 0 < listed < need:
            hours = max(a.min_minutes(w) for a in agents) / 60.0
            return [f"week {w + 1} of the requirements lists {listed} day(s), but weekly minimum "
                    f"hours of up to {hours:g} h need at least {need} working days with shifts of "
                    f"at most {longest / 60:g} h: the roster puts shifts on days without "
                    f"requirements. Fix: give every day of the week (0 where closed), or lower "
                    f"min_hours_per_week for a shorter horizon."]
    return []


def _check_spacing(req: pd.DataFrame, interval_minutes: int) -> None:
    """Raise when a queue's rows are spaced by a multiple > 1 of ``interval_minutes`` shorter
    than a day (e.g. hourly requirements read as 15-minute intervals, which would plan a
    quarter of the hours). One row a day (a single interval listed per day) stays allowed."""
    for queue, ds in req.groupby(ID, sort=True)[TIME]:
        stamps = np.unique(ds.to_numpy(dtype="datetime64[m]").astype(np.int64))
        if len(stamps) < 2:
            continue
        step = int(np.gcd.reduce(np.diff(stamps)))
        if interval_minutes < step < MINUTES_PER_DAY and step % interval_minutes == 0:
            raise ScheduleInputError(
                f"requirements frame: queue '{queue}' has rows every {step} minutes but "
                f"interval_minutes={interval_minutes}: each row would count as one "
                f"{interval_minutes}-minute interval and the {step - interval_minutes} minutes after "
                f"it would not be planned. Fix: pass interval_minutes={step} if the requirement is "
                f"per {step}-minute interval, or repeat each row over its span on the "
                f"{interval_minutes}-minute grid: rows = df.loc[df.index.repeat({step // interval_minutes})]; "
                f"rows['{TIME}'] += pd.to_timedelta(rows.groupby(level=0).cumcount() * {interval_minutes}, "
                f"unit='min').")


def _check_rule_minimum(rules: RosterRules, agents: list[AgentSpec], variants: list[ShiftVariant]) -> None:
    """Raise when the rule-level ``min_hours_per_week`` exceeds what any week allows: the
    working days the rules allow x the longest paid shift (agents overriding it in the agents
    frame are checked per agent and week by ``precheck_infeasibility``)."""
    minimum = round(rules.min_hours_per_week * 60)
    if minimum <= 0 or not any(a.min_minutes_per_week == minimum for a in agents):
        return
    longest = max(v.paid_minutes for v in variants)
    cap = rules.max_working_days_per_week * longest
    if minimum > cap:
        raise ScheduleInputError(
            f"contradictory rules: min_hours_per_week={rules.min_hours_per_week:g} exceeds the "
            f"{cap / 60:g} h a week can hold: at most {rules.max_working_days_per_week} working day(s) "
            f"(max_days_per_week={rules.max_days_per_week}, min_consecutive_days_off="
            f"{rules.min_consecutive_days_off}, max_consecutive_days={rules.max_consecutive_days}) x "
            f"{longest / 60:g} paid h (the longest shift). Fix: lower min_hours_per_week, allow more "
            f"working days or add a longer shift template.")


def _uncoverable(required: np.ndarray, options: Any, variants: Sequence[Any], per_day: int,
                 interval_minutes: int, servable: set[int]) -> list[tuple[int, int]]:
    """(queue, period) with agents required that no agent's shift option covers (queues
    nobody can work at all have their own note and are left out)."""
    able = np.zeros(required.shape, dtype=bool)
    for d, vi, k in {(d, vi, k) for agent in options for d, day in enumerate(agent)
                     for vi, k in day}:
        v = variants[vi]
        t0 = d * per_day + v.start_minutes // interval_minutes
        able[k, t0:t0 + v.length_minutes // interval_minutes] = True
    need = (required > 0) & ~able
    need[[k for k in range(required.shape[0]) if k not in servable]] = False
    k, t = np.nonzero(need)
    return list(zip(k.tolist(), t.tolist(), strict=True))


def _check_near_miss_columns(columns: Iterable[Any]) -> None:
    """A column that is not one the roster reads but nearly is ('skill', 'Skills',
    'max_hours_per_wek') is a typo: left unread, its agents would silently get the
    defaults (every skill, the rules' weekly hours). Other extra columns (a name, a team)
    are ignored."""
    known = set(AGENT_COLUMNS)
    for col in columns:
        name = str(col)
        if name in known:
            continue
        close = difflib.get_close_matches(name.strip().lower(), AGENT_COLUMNS, n=1, cutoff=0.9)
        if close and close[0] not in {str(c) for c in columns}:
            raise ScheduleInputError(
                f"agents frame: column '{name}' is not one the roster reads; did you mean "
                f"'{close[0]}'? Left as it is, every agent would get the default for "
                f"'{close[0]}'. Fix: rename the column. Columns read: {list(AGENT_COLUMNS)}.")


def _unavailable_slash_dates(agents: pd.DataFrame) -> dict[str, str]:
    """The ``dd/mm/yyyy`` items of the agents' ``unavailable`` column as ISO dates, read
    the way the whole column reads (``frames._slash_dates_as_iso``: day-first when a day
    is above 12, or under ``--dayfirst``; both ways possible is a ScheduleInputError)."""
    from routing_ml.frames import _SLASH_DATE, _slash_dates_as_iso

    if "unavailable" not in agents.columns:
        return {}
    items = sorted({x for v in agents["unavailable"] for x in _split(v) if _SLASH_DATE.match(x)})
    if not items:
        return {}
    try:
        read = _slash_dates_as_iso(pd.Series(items, dtype=object), "unavailable", frame="agents frame")
    except FrameError as exc:
        # the dates were gathered from every agent: name the agent(s), not a row of them
        message = str(exc)
        for x in items:
            if f"'{x}'" in message:
                who = [str(i) for i, v in zip(agents[AGENT_ID], agents["unavailable"], strict=True)
                       if x in _split(v)]
                message = re.sub(r"row \S+ '", f"agent {', '.join(map(repr, who[:3]))} '",
                                 message, count=1)
                break
        raise ScheduleInputError(message) from None
    return {x: str(y)[:10] for x, y in zip(items, read, strict=True)}


def _parse_agents(agents: pd.DataFrame, skills: tuple[str, ...], rules: RosterRules,
                  day0: pd.Timestamp, n_days: int) -> list[AgentSpec]:
    if not isinstance(agents, pd.DataFrame):
        raise ScheduleInputError(f"agents must be a DataFrame with column '{AGENT_ID}', got {type(agents).__name__}.")
    if AGENT_ID not in agents.columns:
        raise ScheduleInputError(
            f"agents frame is missing column '{AGENT_ID}'; got {list(agents.columns)}. Optional columns: "
            f"{list(AGENT_COLUMNS[1:])}.")
    if agents.empty:
        raise ScheduleInputError("agents frame is empty; give at least one agent.")
    _check_near_miss_columns(agents.columns)
    ids = agents[AGENT_ID]
    if ids.isna().any():
        raise ScheduleInputError("agents frame: column 'agent_id' has missing values. Fix: give every agent an id.")
    # ids without surrounding spaces ("a " from a spreadsheet): previous_roster and the
    # roster CSV read back compare stripped ids
    text = ids.astype(str).str.strip()
    if (text == "").any():
        raise ScheduleInputError("agents frame: column 'agent_id' has blank ids. Fix: give every agent an id.")
    dup = text[text.duplicated()].unique()
    if len(dup):
        raise ScheduleInputError(f"agents frame: duplicated agent_id {list(dup)[:5]}. Fix: ids must be unique.")
    dates = {(day0 + pd.Timedelta(days=d)).date(): d for d in range(n_days)}
    iso = _unavailable_slash_dates(agents)
    out: list[AgentSpec] = []
    for row in agents.to_dict("records"):
        aid = str(row[AGENT_ID]).strip()
        who = f"agents frame: agent '{aid}'"
        raw_skills = row.get("skills")
        if isinstance(raw_skills, Mapping):  # the agents contract: skill -> proficiency 0-5
            sk = [str(k).strip() for k, v in raw_skills.items()
                  if not _is_missing(v) and float(v) > 0 and str(k).strip()]
        else:
            sk = _split(raw_skills)
        if not sk:
            sk = list(skills)
        unknown = sorted(set(sk) - set(skills))
        if unknown:
            raise ScheduleInputError(
                f"{who} has unknown skills {unknown}; the requirements have unique_id {list(skills)}. "
                f"Fix: correct the 'skills' column (';'-separated queue names, or a mapping queue "
                f"-> proficiency) or add requirement rows for them.")
        mn = _hours(row.get("min_hours_per_week"), rules.min_hours_per_week, what=f"{who} min_hours_per_week")
        mx = _hours(row.get("max_hours_per_week"), rules.max_hours_per_week, what=f"{who} max_hours_per_week")
        if mn > mx:
            raise ScheduleInputError(
                f"contradictory rules for {who}: min_hours_per_week={mn / 60:g} > max_hours_per_week="
                f"{mx / 60:g}. Fix: lower the minimum or raise the maximum.")
        unavailable: set[int] = set()
        weekly: set[int] = set()  # days off every week (weekday items), not leave
        for item in _split(row.get("unavailable")):
            item = iso.get(item, item)
            if is_weekday_item(item):
                wds = set(parse_weekdays(item, what=f"{who} unavailable"))
                weekly |= {d for d in range(n_days) if (day0 + pd.Timedelta(days=d)).weekday() in wds}
                continue
            if not _ISO_DATE.fullmatch(item.strip()):
                # '08/12/2026' is 8 December in Spain and 12 August to pandas: only ISO dates
                raise ScheduleInputError(
                    f"{who}: 'unavailable' item {item!r} is neither a date (YYYY-MM-DD or "
                    f"dd/mm/yyyy) nor a weekday (Mon..Sun, or a range such as Mon-Fri). Fix: write "
                    f"dates as YYYY-MM-DD and separate items with ';'.")
            try:
                day = pd.Timestamp(item.strip()).date()
            except (ValueError, TypeError):
                raise ScheduleInputError(
                    f"{who}: 'unavailable' item {item!r} is not a valid date (YYYY-MM-DD).") from None
            if day in dates:
                unavailable.add(dates[day])
        leave = unavailable - weekly
        unavailable |= weekly
        by_week = _min_after_leave(mn, leave, weekly, n_days) if leave else ()
        earliest = 0 if _is_missing(row.get("earliest_start")) else _mapping_time(row["earliest_start"], what=f"{who} earliest_start")
        latest = 2 * MINUTES_PER_DAY if _is_missing(row.get("latest_end")) else _mapping_time(row["latest_end"], what=f"{who} latest_end")
        if latest <= earliest:
            raise ScheduleInputError(
                f"{who}: latest_end {format_hhmm(latest)} is not after earliest_start {format_hhmm(earliest)}. "
                f"Fix: use e.g. '30:00' for 06:00 the next day.")
        pref = None if _is_missing(row.get("preferred_start")) else _mapping_time(row["preferred_start"], what=f"{who} preferred_start")
        pdo = frozenset(d for x in _split(row.get("preferred_days_off"))
                        for d in parse_weekdays(x, what=f"{who} preferred_days_off"))
        out.append(AgentSpec(aid, tuple(sorted(set(sk))), mn, mx, frozenset(unavailable),
                             ";".join(_split(row.get("unavailable"))), earliest, latest, pref, pdo,
                             by_week))
    return out


def _min_after_leave(minimum: int, leave: set[int], weekly: set[int], n_days: int
                     ) -> tuple[int, ...]:
    """Each week's minimum paid minutes, reduced in proportion to the days of leave (dated
    unavailability) among the days the agent works at all (not its weekly days off): a
    week of leave asks for nothing, two days of leave in seven for 5/7 of the minimum."""
    out = []
    for wk in range(n_days // 7):
        days = [d for d in range(7 * wk, 7 * wk + 7) if d not in weekly]
        off = sum(d in leave for d in days)
        out.append(minimum * (len(days) - off) // len(days) if days else 0)
    return tuple(out)


def _carry_over_windows(options: Sequence[Sequence[tuple[tuple[int, int], ...]]],
                        agents: list[AgentSpec], rules: RosterRules) -> dict[int, tuple[int, ...]]:
    """The first days of the horizon of which each agent who brings working days in a row
    from the previous roster must have one off: the first ``max_consecutive_days - streak
    + 1`` days, for the solver to choose from (a day picked beforehand, the least needed
    one, could be the only day someone can staff a queue: a feasible plan came back
    INFEASIBLE). None when one of them is already off (leave, rest) or when
    ``max_days_per_week`` leaves a day off in them anyway. Returns {agent: days}."""
    out = {}
    for a, agent in enumerate(agents):
        if agent.previous_streak <= 0:
            continue
        last = min(len(options[a]) - 1, max(0, rules.max_consecutive_days - agent.previous_streak))
        window = range(last + 1)
        if any(not options[a][d] for d in window):
            continue
        if min(last + 1, 7) > rules.max_days_per_week:  # the first week has a day off in it anyway
            continue
        out[a] = tuple(window)
    return out


def _read_previous_roster(previous: Any, day0: pd.Timestamp) -> pd.DataFrame:
    """The previous roster checked once: ``agent_id`` (stripped text), ``start`` and
    ``end`` as naive timestamps (ISO text only), shifts before the horizon; ``unique_id``
    and ``breaks`` kept when present."""
    if not isinstance(previous, pd.DataFrame):
        raise ScheduleInputError(f"previous_roster must be a DataFrame (agent_id, start, end), got "
                                 f"{type(previous).__name__}.")
    missing = [c for c in (AGENT_ID, "start", "end") if c not in previous.columns]
    if missing:
        raise ScheduleInputError(
            f"previous_roster is missing column(s) {missing}; got {list(previous.columns)}. Fix: pass "
            f"the roster frame of the previous plan (build_roster(...).roster or the CLI's roster CSV).")
    if "break" in previous.columns and "shift" not in previous.columns:
        raise ScheduleInputError(
            "previous_roster has a 'break' column and no 'shift' column: it looks like the breaks "
            "file (roster_breaks.csv). Fix: pass the roster file itself (agent_id, date, start, end, ...).")
    out = pd.DataFrame({AGENT_ID: previous[AGENT_ID].astype(str).str.strip()})
    for col in ("start", "end"):
        try:
            t = _timestamps(previous[col], col)
        except FrameError as exc:  # slash dates that read both ways
            raise ScheduleInputError(str(exc)) from None
        if t.isna().any():
            i = int(np.flatnonzero(t.isna().to_numpy())[0])
            raise ScheduleInputError(
                f"previous_roster: column '{col}' has a value that is not a timestamp "
                f"({previous[col].iloc[i]!r}, row {i}). Fix: write timestamps as "
                f"'YYYY-MM-DD HH:MM' (or dd/mm/yyyy HH:MM).")
        if not pd.api.types.is_datetime64_any_dtype(t) or getattr(t.dt, "tz", None) is not None:
            raise ScheduleInputError(
                f"previous_roster: column '{col}' has UTC offsets or time zones ({previous[col].iloc[0]!r}); "
                f"the roster works in naive local (wall-clock) time. Fix: write local times without an "
                f"offset ('2026-12-06 22:00'); in Python df['{col}'].dt.tz_convert(<zone>).dt.tz_localize(None).")
        out[col] = t
    start, end = out["start"], out["end"]
    if (end <= start).any():
        i = int(np.flatnonzero((end <= start).to_numpy())[0])
        raise ScheduleInputError(f"previous_roster: row {i} ends ({end.iloc[i]}) before it starts "
                                 f"({start.iloc[i]}). Fix: the end of a shift across midnight is on the next day.")
    inside = start >= day0
    if inside.any():
        i = int(np.flatnonzero(inside.to_numpy())[0])
        raise ScheduleInputError(
            f"previous_roster: agent '{previous[AGENT_ID].iloc[i]}' has a shift starting {start.iloc[i]}, "
            f"inside the new horizon (from {day0.date()}). Fix: keep only the rows that start before "
            f"{day0.date()} (the roster published for the weeks before).")
    for col in (ID, "breaks"):
        if col in previous.columns:
            out[col] = previous[col].to_numpy()
    return out


def _carry_over(previous: pd.DataFrame, agents: list[AgentSpec],
                day0: pd.Timestamp) -> tuple[list[AgentSpec], str | None]:
    """Agents with the end of their last shift and their working days in a row taken from
    the previous roster (as :func:`_read_previous_roster` returns it)."""
    if previous.empty:
        return agents, None
    known = {a.agent_id for a in agents}
    unknown = sorted(set(previous[AGENT_ID]) - known)
    frame = pd.DataFrame({"a": previous[AGENT_ID], "day": previous["start"].dt.normalize(),
                          "end": previous["end"]})
    by_agent = dict(iter(frame.groupby("a", sort=False)))
    out = []
    for a in agents:
        own = by_agent.get(a.agent_id)
        if own is None:
            out.append(a)
            continue
        last_end = int((own["end"].max() - day0) / pd.Timedelta(minutes=1))
        worked = set(own["day"])
        streak = 0
        while day0 - pd.Timedelta(days=streak + 1) in worked:
            streak += 1
        out.append(replace(a, previous_end_minutes=last_end, previous_streak=streak))
    note = None
    if unknown:
        note = (f"previous_roster: {len(unknown)} agent(s) not in the agents frame are ignored "
                f"({', '.join(unknown[:5])}{', ...' if len(unknown) > 5 else ''}); a shift of theirs "
                f"that runs into the horizon still staffs its queue.")
    return out, note


def _timestamps(values: pd.Series, column: str = "start", frame: str = "previous_roster") -> pd.Series:
    """``values`` as naive timestamps: ISO text, or slash dates that read one way only
    (``16/02/2024 12:00``) or day-first under ``frames.DAYFIRST`` (NaT where neither)."""
    from routing_ml.frames import _slash_dates_as_iso

    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    return pd.to_datetime(_slash_dates_as_iso(values, column, frame=frame), errors="coerce",
                          format="ISO8601")


_BREAK_TEXT = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\b")


def _carried_coverage(previous: pd.DataFrame, skills: tuple[str, ...], day0: pd.Timestamp,
                      n_periods: int, interval_minutes: int) -> np.ndarray | None:
    """Agents per (queue, period) that shifts of the previous roster (as
    :func:`_read_previous_roster` returns it) still staff inside the horizon, by their
    ``unique_id``, less the breaks of their ``breaks`` column (``"01:00-01:30 lunch;
    ..."``, as the roster frame writes it); None when none does or the frame has no
    ``unique_id``."""
    if ID not in previous.columns or previous.empty:
        return None
    start, end = previous["start"], previous["end"]
    into = (end > day0).to_numpy()
    if not into.any():
        return None
    k_index = {k: i for i, k in enumerate(skills)}
    out = np.zeros((len(skills), n_periods), dtype=np.int64)
    step = pd.Timedelta(minutes=interval_minutes)
    has_breaks = "breaks" in previous.columns
    for i in np.flatnonzero(into):
        k = k_index.get(str(previous[ID].iloc[i]))
        if k is None:
            continue
        on = np.zeros(n_periods, dtype=bool)
        on[:min(n_periods, int((end.iloc[i] - day0) // step))] = True  # whole intervals only
        text = previous["breaks"].iloc[i] if has_breaks else None
        for part in ([] if text is None or pd.isna(text) else str(text).split(";")):
            if not part.strip():
                continue
            m = _BREAK_TEXT.match(part)
            if m is None:
                raise ScheduleInputError(
                    f"previous_roster: column 'breaks' of row {i} has {part.strip()!r}, not "
                    f"'HH:MM-HH:MM name'. Fix: keep the column as the roster wrote it, or drop it.")
            h0, m0, h1, m1 = (int(x) for x in m.groups())
            bs = start.iloc[i].normalize() + pd.Timedelta(hours=h0, minutes=m0)
            bs += pd.Timedelta(days=1) if bs < start.iloc[i] else pd.Timedelta(0)
            be = bs.normalize() + pd.Timedelta(hours=h1, minutes=m1)
            be += pd.Timedelta(days=1) if be <= bs else pd.Timedelta(0)
            t0 = max(0, int((bs - day0) // step))
            t1 = max(0, min(n_periods, -((day0 - be) // step)))
            on[t0:t1] = False  # an interval touched by the break does not count
        out[k] += on
    return out if out.any() else None


def _options(agents: list[AgentSpec], variants: list[ShiftVariant], skills: tuple[str, ...],
             day0: pd.Timestamp, n_days: int,
             rules: RosterRules) -> tuple[tuple[tuple[tuple[int, int], ...], ...], ...]:
    k_index = {k: i for i, k in enumerate(skills)}
    rest = rules.min_rest_minutes
    out = []
    for a in agents:
        days: list[tuple[tuple[int, int], ...]] = []
        for d in range(n_days):
            if d in a.unavailable_days:
                days.append(())
                continue
            wd = (day0 + pd.Timedelta(days=d)).weekday()
            opts: list[tuple[int, int]] = []
            for vi, v in enumerate(variants):
                if wd not in v.template.weekdays:
                    continue
                if v.start_minutes < a.earliest_start_minutes or v.end_minutes > a.latest_end_minutes:
                    continue
                if a.previous_end_minutes is not None and \
                        d * MINUTES_PER_DAY + v.start_minutes < a.previous_end_minutes + rest:
                    continue  # too little rest after the last shift of the previous roster
                allowed = a.skills if v.template.queues is None else [k for k in a.skills if k in v.template.queues]
                opts.extend((vi, k_index[k]) for k in allowed)
            days.append(tuple(opts))
        if not any(days):
            reasons = []
            if len(a.unavailable_days) == n_days:
                reasons.append(f"unavailable every day of the horizon ({a.unavailable_text})")
            else:
                reasons.append(
                    f"no shift template fits its window {format_hhmm(a.earliest_start_minutes)}-"
                    f"{format_hhmm(a.latest_end_minutes)} and skills {list(a.skills)} on its available days")
            raise ScheduleInputError(
                f"agents frame: agent '{a.agent_id}' has no availability: {reasons[0]}. Fix: correct its "
                f"'unavailable' / 'earliest_start' / 'latest_end' / 'skills', or drop the agent.")
        out.append(tuple(days))
    return tuple(out)
