"""Labour rules and objective weights of the roster model, and their YAML loader."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from routing_ml.scheduling._base import ScheduleInputError, check_weight


@dataclass(frozen=True, slots=True, kw_only=True)
class RosterRules:
    """Hard labour rules (defaults for every agent; the agents frame may override hours).

    Weeks are the 7-day blocks of the horizon counted from its first day (start the
    requirements on a Monday for calendar weeks).

    Parameters
    ----------
    min_hours_per_week, max_hours_per_week : paid hours per calendar week of the horizon.
    max_days_per_week : working days per week.
    max_consecutive_days : working days in a row, across week boundaries too.
    min_rest_hours : between the end of one shift and the start of the next (also across
        midnight, e.g. a night shift ending 06:00 and the next day's shift).
    min_consecutive_days_off : each week holds a block of at least this many consecutive
        days off (0 or 1 = no block required).
    hard_coverage : under-staffing forbidden (otherwise it is penalised); a bool (the YAML
        loader reads ``true``/``false``/``yes``/``no``, never ``bool("false")``).
    stable_start_tolerance_minutes : a start within this many minutes of the agent's weekly
        anchor start counts as stable (soft rule).
    """

    min_hours_per_week: float = 0.0
    max_hours_per_week: float = 40.0
    max_days_per_week: int = 5
    max_consecutive_days: int = 6
    min_rest_hours: float = 12.0
    min_consecutive_days_off: int = 2
    hard_coverage: bool = False
    stable_start_tolerance_minutes: int = 60

    def __post_init__(self) -> None:
        if not isinstance(self.hard_coverage, bool | np.bool_):
            raise ScheduleInputError(
                f"RosterRules.hard_coverage must be True or False, got {self.hard_coverage!r}. "
                f"Fix: pass a bool (a string such as 'false' would switch hard coverage on).")
        object.__setattr__(self, "hard_coverage", bool(self.hard_coverage))
        for f in ("min_hours_per_week", "max_hours_per_week", "min_rest_hours"):
            v = getattr(self, f)
            if not (isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v >= 0):
                raise ScheduleInputError(f"RosterRules.{f} must be a finite number >= 0, got {v!r}.")
        for f in ("max_days_per_week", "max_consecutive_days", "min_consecutive_days_off",
                  "stable_start_tolerance_minutes"):
            v = getattr(self, f)
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise ScheduleInputError(f"RosterRules.{f} must be an integer >= 0, got {v!r}.")
        if self.min_hours_per_week > self.max_hours_per_week:
            raise ScheduleInputError(
                f"contradictory rules: min_hours_per_week={self.min_hours_per_week} > "
                f"max_hours_per_week={self.max_hours_per_week}. Fix: lower the minimum or raise the maximum.")
        if not 1 <= self.max_days_per_week <= 7:
            raise ScheduleInputError(
                f"RosterRules.max_days_per_week must be in 1..7, got {self.max_days_per_week}.")
        if self.max_consecutive_days < 1:
            raise ScheduleInputError(
                f"RosterRules.max_consecutive_days must be >= 1, got {self.max_consecutive_days}.")
        if self.min_consecutive_days_off > 7:
            raise ScheduleInputError(
                f"RosterRules.min_consecutive_days_off must be <= 7, got {self.min_consecutive_days_off}.")
        if self.min_hours_per_week > 0 and self.min_consecutive_days_off >= 7:
            raise ScheduleInputError(
                f"contradictory rules: min_consecutive_days_off={self.min_consecutive_days_off} leaves "
                f"no working day but min_hours_per_week={self.min_hours_per_week}.")
        if self.min_rest_hours >= 24 and self.max_consecutive_days > 1 and self.min_rest_hours >= 48:
            raise ScheduleInputError(
                f"contradictory rules: min_rest_hours={self.min_rest_hours} >= 48 leaves at most one "
                f"shift every other day. Fix: min_rest_hours is the rest between shifts (e.g. 11-12).")
        # a shift lasts at most 24 h: no week holds more paid hours than its working days x 24
        cap = self.max_working_days_per_week * 24
        if self.min_hours_per_week > cap:
            raise ScheduleInputError(
                f"contradictory rules: min_hours_per_week={self.min_hours_per_week:g} exceeds the "
                f"{cap} h a week can hold ({self.max_working_days_per_week} working day(s) allowed by "
                f"max_days_per_week={self.max_days_per_week}, min_consecutive_days_off="
                f"{self.min_consecutive_days_off}, max_consecutive_days={self.max_consecutive_days}; "
                f"at most 24 h a day). Fix: min_hours_per_week is paid hours per week (e.g. 16-40).")

    @property
    def min_rest_minutes(self) -> int:
        """``min_rest_hours`` in whole minutes, rounded up (11.005 h is 661 min, not 660: a
        rest the solvers accept is one the checker accepts)."""
        return math.ceil(round(self.min_rest_hours * 60, 6))

    @property
    def max_working_days_per_week(self) -> int:
        """Upper bound on working days in a week allowed by ``max_days_per_week``, the
        days-off block and ``max_consecutive_days`` (at most ``mc`` days in a row leaves at
        most ``ceil(7 * mc / (mc + 1))`` working days in any 7 consecutive days)."""
        block = self.min_consecutive_days_off if self.min_consecutive_days_off >= 2 else 0
        mc = self.max_consecutive_days
        by_runs = -(-7 * mc // (mc + 1))
        return min(self.max_days_per_week, 7 - block, by_runs)


@dataclass(frozen=True, slots=True, kw_only=True)
class RosterWeights:
    """Objective weights of :func:`~routing_ml.scheduling.build_roster` (all >= 0, settable).

    The objective is, in cost units:

    - ``under_staffing_per_hour`` x missing agent-hours x the interval's ``weight`` column
      (1 when absent), times a multiplier that grows with the depth of the shortfall
      (``under_staffing_tiers``, below);
    - ``over_staffing_per_hour`` x surplus agent-hours;
    - ``shift_cost`` x paid hours x the template's ``cost_per_hour``;
    - ``unstable_start_per_day`` x days whose start differs from the agent's weekly anchor
      start by more than ``RosterRules.stable_start_tolerance_minutes``;
    - ``weekend_fairness_per_day`` x the largest number of weekend days any agent works;
    - ``preference_per_day`` x days that break an agent's ``preferred_start`` or
      ``preferred_days_off``.
    """

    under_staffing_per_hour: float = 100.0
    over_staffing_per_hour: float = 5.0
    shift_cost: float = 0.0
    unstable_start_per_day: float = 2.0
    weekend_fairness_per_day: float = 5.0
    preference_per_day: float = 1.0
    #: Under-staffing costs more per agent the deeper the shortfall: ``(share, multiplier)``
    #: pairs, shares rising, multipliers >= 1 and not falling. The agents missing in an
    #: interval beyond ``share`` x its requirement (its whole requirement, agents of a
    #: ``previous_roster`` still on shift included; rounded half up to whole agents, at least one
    #: agent past the previous tier) cost ``multiplier`` x ``under_staffing_per_hour``; the
    #: first ones cost 1 x. A flat penalty lets a solver pile a whole shortfall (every lunch
    #: break, say) into one interval, since any spread costs the same; queues do not work that
    #: way: 40 % of the agents missing for half an hour loses far more calls than 10 % for
    #: two hours. ``()`` is the flat penalty.
    under_staffing_tiers: tuple[tuple[float, float], ...] = ((0.1, 2.0), (0.2, 4.0), (0.35, 8.0))

    def __post_init__(self) -> None:
        object.__setattr__(self, "under_staffing_tiers", _tiers(self.under_staffing_tiers))
        for f in fields(self):
            if f.name == "under_staffing_tiers":
                continue
            v = getattr(self, f.name)
            if not (isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v >= 0):
                raise ScheduleInputError(
                    f"RosterWeights.{f.name} must be a finite number >= 0, got {v!r}. "
                    f"Fix: a weight of 0 switches that term off.")
            check_weight(v, f"RosterWeights.{f.name}")
        check_weight(self.under_staffing_per_hour * self.deepest_under_multiplier,
                     "RosterWeights.under_staffing_per_hour x the deepest tier's multiplier")

    @property
    def deepest_under_multiplier(self) -> float:
        """The multiplier of the deepest ``under_staffing_tiers`` tier (1 with the flat
        penalty): the most one missing agent-hour can cost is this x
        ``under_staffing_per_hour`` (x the interval's weight)."""
        return max((m for _s, m in self.under_staffing_tiers), default=1.0)


def _tiers(spec: Any) -> tuple[tuple[float, float], ...]:
    """``RosterWeights.under_staffing_tiers`` checked: a sequence of ``(share, multiplier)``
    pairs (or a mapping share -> multiplier, as YAML may give it), shares in (0, 1) rising,
    multipliers >= 1 and not falling (a convex cost: the models rely on it)."""
    fix = "Fix: e.g. under_staffing_tiers: [[0.1, 2], [0.2, 4]] (or [] for a flat penalty)."
    if isinstance(spec, Mapping):
        spec = list(spec.items())
    if isinstance(spec, str | bytes) or not hasattr(spec, "__iter__"):
        raise ScheduleInputError(f"RosterWeights.under_staffing_tiers must be (share, multiplier) pairs, "
                                 f"got {spec!r}. {fix}")
    out: list[tuple[float, float]] = []
    for pair in spec:
        try:
            if any(isinstance(x, bool | str | bytes) for x in pair):  # YAML's yes / "2": not a number
                raise TypeError
            share, mult = (float(x) for x in pair)
        except (TypeError, ValueError):
            raise ScheduleInputError(f"RosterWeights.under_staffing_tiers: {pair!r} is not a (share, multiplier) "
                                     f"pair of numbers. {fix}") from None
        prev_share, prev_mult = out[-1] if out else (0.0, 1.0)
        if not (math.isfinite(share) and prev_share < share < 1):
            raise ScheduleInputError(f"RosterWeights.under_staffing_tiers: share {share!r} must lie in (0, 1) and "
                                     f"above the previous tier's ({prev_share}). {fix}")
        if not (math.isfinite(mult) and mult >= prev_mult):
            raise ScheduleInputError(f"RosterWeights.under_staffing_tiers: multiplier {mult!r} at share {share} "
                                     f"must be finite and at least the previous tier's ({prev_mult}): a deeper "
                                     f"shortfall may not cost less per agent. {fix}")
        out.append((share, mult))
    return tuple(out)


_INT_RULES = ("max_days_per_week", "max_consecutive_days", "min_consecutive_days_off",
              "stable_start_tolerance_minutes")


def _rule_value(name: str, value: Any, where: str) -> Any:
    """One rule from YAML: booleans through ``_flag`` (``"false"`` is False), counts as whole
    numbers, the rest as numbers; a bad value names the file section, the rule and the value."""
    from routing_ml.scheduling.shifts import _flag, _number

    what = f"{where}: {name}"
    if name == "hard_coverage":
        return _flag(value, what=what)
    number = _number(value, what=what)
    if name in _INT_RULES:
        if not number.is_integer():
            raise ScheduleInputError(f"{what} must be a whole number, got {value!r}.")
        return int(number)
    return number


def _section(spec: Any, where: str, example: str) -> dict[str, Any]:
    """A YAML section as a dict (None: empty), or a ScheduleInputError naming it."""
    if spec is None:
        return {}
    if not isinstance(spec, Mapping):
        raise ScheduleInputError(
            f"{where}: expected a mapping of names to values, one per line (e.g. '{example}'), "
            f"got {type(spec).__name__} {spec!r:.60}.")
    return dict(spec)


def rules_from_mapping(spec: dict[str, Any] | None, *, where: str = "rules") -> RosterRules:
    """:class:`RosterRules` from a mapping; unknown keys are an error.

    Values are parsed as in YAML files: ``hard_coverage`` accepts true/false/yes/no (also as
    strings), numbers may be strings such as ``"11"``; anything else raises
    :class:`ScheduleInputError` naming ``where``, the rule and the value.
    """
    spec = _section(spec, where, "min_rest_hours: 11")
    known = {f.name for f in fields(RosterRules)}
    unknown = sorted(set(map(str, spec)) - known)
    if unknown:
        raise ScheduleInputError(f"{where}: unknown rule(s) {unknown}; known rules are {sorted(known)}.")
    return RosterRules(**{k: _rule_value(k, v, where) for k, v in spec.items()})


def weights_from_mapping(spec: dict[str, Any] | None, *, where: str = "weights") -> RosterWeights:
    """:class:`RosterWeights` from a mapping; unknown keys are an error."""
    spec = _section(spec, where, "under_staffing_per_hour: 100")
    known = {f.name for f in fields(RosterWeights)}
    unknown = sorted(set(spec) - known)
    if unknown:
        raise ScheduleInputError(f"{where}: unknown weight(s) {unknown}; known weights are {sorted(known)}.")
    from routing_ml.scheduling.shifts import _number

    values: dict[str, Any] = {k: (v if k == "under_staffing_tiers" else _number(v, what=f"{where}: {k}"))
                              for k, v in spec.items()}
    return RosterWeights(**values)


def load_rules_yaml(path: str | Path) -> tuple[RosterRules, RosterWeights]:
    """Read the optional ``rules:`` and ``weights:`` sections of a shifts YAML file.

    Returns
    -------
    (RosterRules, RosterWeights) — defaults for absent sections.
    """
    from routing_ml.scheduling.shifts import _read_yaml

    data = _read_yaml(path)
    return (rules_from_mapping(data.get("rules"), where=f"{Path(path).name} rules"),
            weights_from_mapping(data.get("weights"), where=f"{Path(path).name} weights"))
