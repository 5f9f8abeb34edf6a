"""Large multi-week rosters solved one week after another.

The named CP-SAT model of several weeks of a large center does not find a usable plan in a
planner's time limit: 150 agents over two weeks, 120 s, gave 27,526 cost units and 201
hours under-staffed, against 3,602 rostered week after week (``bench_multiweek.md``).
:func:`solve_weeks_in_turn` rosters week 1 as a one-week problem, then week 2 with week 1's
roster as ``previous_roster`` (rest after the last shift and working days in a row carried
over, night shifts into the next week counted as staffing), and so on; each week gets an equal
share of the time left. The plan of the whole horizon is their concatenation, checked
against every hard rule of the horizon.

Bound (:func:`horizon_bound`): the first week's problem is a relaxation of the horizon's
(its rules are the horizon's restricted to that week; the later weeks' objective terms are
>= 0 and dropped; the weekend term counts that week only), so its proven bound holds for the
horizon. A later week's own bound does not (its carry-over depends on the plan chosen
before it), but the same week planned **alone**, with nothing carried over and without the
first hours of its first day that a night shift of the day before may staff, is again a
relaxation of the horizon's week; its Lagrangian bound
(:func:`~routing_ml.scheduling._colgen.lagrangian_bound`, one pricing round) is valid
whatever the multipliers: the better of the week's own column generation's and week 1's
counts (close to the week's own bound). The weeks then count disjoint intervals, and the
bounds add up (less the weekend term's overlap). A week that lists fewer queues than the
horizon is not a relaxation (its agents cannot work the missing queues, which the horizon
allows at no cost there): its bound counts 0.

Tried and not kept: planning each later week alone (its bound would then hold for the
horizon: the sum of the weeks' bounds less the weekend term's overlap) and mending the joins
by handing a shift to an agent off that day, moving it within its week or dropping it. On
the 150-agent center (scratch runs) about 26 agents broke their working days in a row across
the join; few shifts could change hands under five days a week and two days off in a row,
and the joined plans were left with 80-90 hours under-staffed: about three times the
objective of the weeks planned one after another.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections import defaultdict
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from routing_ml.frames import ID, TIME, validate_requirements
from routing_ml.scheduling._base import (
    ProgressCallback,
    ProgressPoint,
    SolverConfig,
    SolveStatus,
    relative_gap,
)
from routing_ml.scheduling._problem import AGENT_ID, RosterProblem
from routing_ml.scheduling.shifts import MINUTES_PER_DAY

if TYPE_CHECKING:
    from routing_ml.scheduling.roster import RosterResult

logger = logging.getLogger(__name__)

Plan = dict[tuple[int, int], tuple[int, int]]
Breaks = dict[tuple[int, int], tuple[tuple[int, int], ...]]


def plan_from_frames(p: RosterProblem, roster: pd.DataFrame, breaks: pd.DataFrame) -> tuple[Plan, Breaks]:
    """The plan ``{(agent, day): (variant, skill)}`` and breaks ``{(agent, day): ((break
    index, start offset minutes), ...)}`` of ``p`` that ``roster`` / ``breaks`` (frames of a
    :class:`RosterResult` over part of ``p``'s horizon) describe. Raises KeyError for a shift
    ``p`` does not know (another agent, template or queue)."""
    agent = {a.agent_id: i for i, a in enumerate(p.agents)}
    skill = {k: i for i, k in enumerate(p.skills)}
    variant = {(v.name, v.start_minutes, v.length_minutes): i for i, v in enumerate(p.variants)}
    minute = pd.Timedelta(minutes=1)
    plan: Plan = {}
    starts: dict[tuple[str, pd.Timestamp], tuple[int, int, pd.Timestamp]] = {}
    for r in roster.itertuples(index=False):
        day = pd.Timestamp(r.date).normalize()
        d = (day - p.start).days
        a = agent[getattr(r, AGENT_ID)]
        vi = variant[r.shift, int((r.start - day) / minute), int((r.end - r.start) / minute)]
        plan[a, d] = (vi, skill[getattr(r, ID)])
        starts[getattr(r, AGENT_ID), day] = (a, d, r.start)
    placed: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for agent_id, date, name, start in zip(breaks[AGENT_ID], breaks["date"], breaks["break"], breaks["start"],
                                           strict=True):
        a, d, shift_start = starts[agent_id, pd.Timestamp(date).normalize()]
        template = p.variants[plan[a, d][0]].template
        used = {bi for bi, _ in placed[a, d]}
        bi = next(i for i, b in enumerate(template.breaks) if b.name == name and i not in used)
        placed[a, d].append((bi, int((start - shift_start) / minute)))
    return plan, {key: tuple(sorted(v)) for key, v in placed.items()}


def solve_weeks_in_turn(
    problem: RosterProblem,
    requirements: pd.DataFrame,
    agents: pd.DataFrame,
    shifts: Any,
    rules: Any,
    weights: Any,
    *,
    interval_minutes: int,
    previous_roster: pd.DataFrame | None,
    config: SolverConfig,
    t0: float,
    progress: ProgressCallback | None = None,
) -> RosterResult | None:
    """Roster ``problem`` (several weeks) one week after another, each as
    :func:`~routing_ml.scheduling.build_roster` would; None when a week has no plan or the joined
    plan breaks a hard rule of the horizon (the caller then solves the whole horizon).

    ``t0``: when the caller's time limit (``config.time_limit_seconds``) started.
    ``progress`` gets each week's improving plans as the finished weeks' objectives plus the
    week's best so far (bound: the first week's), then the horizon's exact figures."""
    from routing_ml.scheduling._colgen import lagrangian_bound
    from routing_ml.scheduling._patterns import plan_objective
    from routing_ml.scheduling._problem import prepare_problem
    from routing_ml.scheduling.check import check_roster
    from routing_ml.scheduling.roster import (
        RosterResult,
        _kpis,
        _meets_gap,
        _pattern_phase,
        _result_from_pattern,
        _solve_roster_model,
        build_roster_model,
        coverage_from_roster,
        precheck_infeasibility,
        roster_frames_from_plan,
    )

    n = problem.n_weeks
    spill = spill_minutes(problem)
    requirements = validate_requirements(requirements, integer=True)  # ds parsed once, as the horizon's
    deadline = t0 + 0.97 * config.time_limit_seconds  # the rest: frames and the rule check
    days = requirements[TIME]
    rosters: list[pd.DataFrame] = []
    breaks: list[pd.DataFrame] = []
    weekly: list[dict[str, Any]] = []
    bounds: list[float | None] = []  # each week's bound as a week planned alone
    done = 0.0  # objectives of the weeks rostered so far
    first_duals: dict[str, Any] | None = None  # the multipliers of week 1's column generation

    def on_point(point: ProgressPoint) -> None:  # a week's progress, shown as the horizon's so far
        if progress is not None:
            progress(ProgressPoint(time.perf_counter() - t0, done + point.objective,
                                   point.best_bound if not bounds else (bounds[0] or 0.0)))

    def week_problem(rows: pd.DataFrame, start: pd.Timestamp, prev: pd.DataFrame | None) -> RosterProblem:
        with warnings.catch_warnings():  # the horizon's notes were issued already
            warnings.simplefilter("ignore", UserWarning)
            return prepare_problem(rows, agents, shifts, rules, weights, interval_minutes=interval_minutes,
                                   weeks=1, start=start, previous_roster=prev)

    for w in range(n):
        week_start = problem.start + pd.Timedelta(days=7 * w)
        rows = requirements[(days >= week_start) & (days < week_start + pd.Timedelta(days=7))]
        week_config = replace(config, time_limit_seconds=max(0.1, (deadline - time.perf_counter()) / (n - w)))
        prev = previous_roster if w == 0 else pd.concat(rosters, ignore_index=True)
        t_week = time.perf_counter()
        try:
            pw = week_problem(rows, week_start, prev)
        except ValueError as exc:  # e.g. a week without requirement rows
            logger.info("weeks in turn: week %d cannot be rostered alone (%s); solving the horizon at once",
                        w + 1, exc)
            return None
        # as build_roster: the pattern model (column generation at this size), else CP-SAT
        pattern = None if precheck_infeasibility(pw) else _pattern_phase(pw, week_config, on_point, t_week)
        if pattern is not None and (_meets_gap(pattern, week_config) or pattern.generated):
            res = _result_from_pattern(pw, pattern, week_config, t_week, on_point)
        else:  # CP-SAT, from the pattern plan when there is one
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                res = _solve_roster_model(build_roster_model(pw), week_config, progress=on_point, explain=True,
                                          warm=True, lp_bound=True, coverage_first=True, method="cp-sat",
                                          pattern=pattern, started=t_week)
        if not res.status.has_solution or res.status is SolveStatus.INFEASIBLE:
            logger.info("weeks in turn: week %d has no plan (%s); solving the horizon at once", w + 1,
                        res.status.value)
            return None
        if w == 0:
            # a week that lists fewer queues than the horizon does not let its agents work
            # the others, which the horizon allows at no cost there: not a relaxation
            bounds.append(res.best_bound if pw.skills == problem.skills else None)
            first_duals = pattern.duals if pattern is not None else None
        elif first_duals is not None or (pattern is not None and pattern.duals is not None):
            # the week planned alone (nothing carried over, the hours the week before may
            # staff not counted) is a relaxation of the horizon's week, so its Lagrangian
            # bound holds for the horizon at any multipliers: this week's and week 1's
            # (which had no carry-over from a plan of this horizon); the better one counts
            try:
                pa = week_problem(rows_alone(rows, week_start, spill), week_start, None)
            except ValueError:  # nothing left to count in that week
                pa = None
            got = [] if pa is None or pa.skills != problem.skills else [
                lagrangian_bound(pa, duals, seed=config.random_seed)
                for duals in (pattern.duals if pattern is not None else None, first_duals) if duals is not None]
            bounds.append(max((b for b in got if b is not None), default=None))
        else:
            bounds.append(None)
        done += res.objective or 0.0
        rosters.append(res.roster)
        breaks.append(res.breaks)
        weekly.append({"week": w + 1, "method": res.method, "objective": res.objective,
                       "best_bound": res.best_bound, "bound_alone": bounds[-1], "seconds": res.wall_time_seconds})
    plan, placed = plan_from_frames(problem, pd.concat(rosters, ignore_index=True),
                                    pd.concat(breaks, ignore_index=True))
    roster, brk = roster_frames_from_plan(problem, plan, placed)
    violations = check_roster(roster, brk, problem)
    if len(violations):
        logger.info("weeks in turn: the joined plan breaks %d hard rule(s) of the horizon; solving it at once",
                    len(violations))
        return None
    objective = plan_objective(problem, plan, placed)
    bound = min(horizon_bound(problem, bounds), objective)
    gap = relative_gap(objective, bound)
    cov = coverage_from_roster(roster, brk, problem)
    wall = time.perf_counter() - t0
    point = ProgressPoint(wall, objective, bound)
    if progress is not None:
        progress(point)
    return RosterResult(
        status=SolveStatus.OPTIMAL if gap is not None and gap <= 1e-9 else SolveStatus.FEASIBLE,
        objective=objective, best_bound=bound, gap=gap, wall_time_seconds=wall, lp_bound=None,
        roster=roster, breaks=brk, coverage=cov, uncovered=cov[cov["gap"] < 0].reset_index(drop=True),
        kpis=_kpis(cov, roster, problem, 0), violations=violations, reason=None, relaxed_rules=(),
        solver_parameters={"method": "weeks in turn (each by build_roster, the previous weeks carried over)",
                           "weeks": weekly, "bound_of": bound_of(bounds),
                           "time_limit_seconds": config.time_limit_seconds,
                           "relative_gap_limit": config.relative_gap_limit, "random_seed": config.random_seed,
                           "num_workers": config.num_workers},
        progress=(point,), horizon_start=problem.start, days=problem.n_days, method="weeks", notes=problem.notes,
    )


def horizon_bound(p: RosterProblem, bounds: list[float | None]) -> float:
    """A lower bound of the horizon's objective from the weeks' bounds: week 1's (its
    problem, ``previous_roster`` included, is a relaxation of the horizon's) and, for each
    later week, a bound of that week planned alone without the intervals a shift of the week
    before may staff (its first :func:`spill_minutes`; None: unknown, or the week lists
    fewer queues than the horizon so it is no relaxation; counted as 0 since every cost
    term is >= 0). The weeks then count disjoint intervals, and their sum less
    the weekend term's overlap holds for the horizon: each week's bound may count
    ``weekend_fairness_per_day`` x up to its weekend days, the horizon counts the largest
    total once, so ``weight x (all weekend days - the fewest of one week)`` comes off."""
    first = max(bounds[0] or 0.0, 0.0) if bounds else 0.0
    if not _sums_weeks(bounds):
        return first
    weekend = [sum(p.weekday(d) >= 5 for d in range(7 * w, 7 * w + 7)) for w in range(p.n_weeks)]
    overlap = p.weights.weekend_fairness_per_day * (sum(weekend) - min(weekend))
    return max(first, sum(b or 0.0 for b in bounds) - overlap)


def rows_alone(rows: pd.DataFrame, week_start: pd.Timestamp, spill: int) -> pd.DataFrame:
    """The requirement rows of a later week (from ``week_start``) that a bound of the week
    planned alone counts: all but its first ``spill`` minutes, which a shift of the week
    before may staff."""
    return rows[pd.to_datetime(rows[TIME]) >= week_start + pd.Timedelta(minutes=spill)]


def spill_minutes(p: RosterProblem) -> int:
    """How far into a day (minutes) a shift that starts the day before may run: 0 when no
    shift runs across midnight."""
    return max((v.end_minutes - MINUTES_PER_DAY for v in p.variants if v.crosses_midnight), default=0)


def _sums_weeks(bounds: list[float | None]) -> bool:
    """Whether :func:`horizon_bound` adds the later weeks' bounds to the first week's."""
    return any(b is not None for b in bounds[1:])


def bound_of(bounds: list[float | None]) -> str:
    """What :func:`horizon_bound` counts, in words (``solver_parameters["bound_of"]``)."""
    known = [w + 1 for w, b in enumerate(bounds) if b is not None]
    if len(known) == len(bounds):
        return "every week (the later ones planned alone)"
    missing = [w + 1 for w, b in enumerate(bounds) if b is None]
    return (f"week(s) {', '.join(map(str, known)) or 'none'}; week(s) {', '.join(map(str, missing))} "
            f"count 0 (no valid bound of their own)")
