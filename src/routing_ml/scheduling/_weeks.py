"""Large multi-week rosters solved one week after another.

The named CP-SAT model of several weeks of a large center does not find a usable plan in a
planner's time limit (150 agents over two weeks: 27,000 cost units after 120 s, against about
1,900 for one week by column generation, ``experiments/results/bench_multiweek.md``).
:func:`solve_weeks_in_turn` rosters the weeks one after another, each as a one-week problem
with an equal share of the time left, and joins them into a plan of the whole horizon that
is checked against every hard rule of the horizon.

- Week 1 is planned with the caller's ``previous_roster``.
- Without shifts across midnight, every later week is first planned alone, and the join is
  mended by dropping, for each agent that would break its rest or its working days in a
  row across it, the droppable shift that costs least (:func:`repair_join`). Where that is
  not possible (minimum weekly hours), and always when shifts run across midnight (a Sunday
  night shift staffs Monday's first hours), the week is planned with the weeks before it as
  ``previous_roster``: rest, working days in a row and night shifts carried over.

Bound (:func:`horizon_bound`): a week planned alone is a relaxation of the horizon
restricted to that week (the other weeks' terms are >= 0 and dropped; the rules across the
join are dropped; the weekend term counts that week only), so the sum of those weeks' proven
bounds, less the weekend term's overlap, is a bound of the horizon when the weeks share no
interval (no shift across midnight). Otherwise only week 1's bound is counted and the
reported gap is an upper estimate.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections import defaultdict
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from routing_ml.frames import ID, TIME
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


def _join_conflict(p: RosterProblem, plan: Plan, a: int, b: int) -> list[int]:
    """Days whose shift agent ``a`` could drop to mend a hard rule broken across the join
    before day ``b`` (weeks planned apart): its rest from day ``b - 1`` to day ``b``, or its
    working days in a row over the join; [] when it breaks neither."""
    if (a, b - 1) not in plan or (a, b) not in plan:
        return []
    rest = round(p.rules.min_rest_hours * 60)
    end = (b - 1) * MINUTES_PER_DAY + p.variants[plan[a, b - 1][0]].end_minutes
    if b * MINUTES_PER_DAY + p.variants[plan[a, b][0]].start_minutes < end + rest:
        return [b, b - 1]
    first, last = b - 1, b
    while (a, first - 1) in plan:
        first -= 1
    while (a, last + 1) in plan:
        last += 1
    most = p.rules.max_consecutive_days
    if last - first + 1 <= most:
        return []
    split = [d for d in range(first, last + 1) if d - first <= most and last - d <= most]
    return split or list(range(first, last + 1))


def repair_join(p: RosterProblem, plan: Plan, placed: Breaks, b: int) -> bool:
    """Drop shifts (in place) so that no agent breaks its minimum rest or its maximum working
    days in a row across the join before day ``b``, choosing for each the droppable day (one
    whose week keeps the agent's minimum hours) that raises the staffing cost least. Dropping
    a shift breaks no other hard rule. False when some agent cannot be mended that way."""
    from routing_ml.scheduling._patterns import _on_queue, scheduled

    w = p.weights
    h = p.interval_minutes / 60.0
    sched = scheduled(p, plan, placed)
    minutes: dict[tuple[int, int], int] = defaultdict(int)
    for (a, d), (vi, _k) in plan.items():
        minutes[a, d // 7] += p.variants[vi].paid_minutes

    def drop_cost(a: int, d: int) -> float:
        vi, k = plan[a, d]
        ts = _on_queue(p, d, vi, placed.get((a, d), ()))
        req, have = p.required[k, ts], sched[k, ts]
        short = (req - have + 1).clip(0) - (req - have).clip(0)
        surplus = (have - 1 - req).clip(0) - (have - req).clip(0)
        return float(w.under_staffing_per_hour * h * (short * p.weight[k, ts]).sum()
                     + w.over_staffing_per_hour * h * (surplus * p.listed[k, ts]).sum())

    for a in range(len(p.agents)):
        for _ in range(p.rules.max_consecutive_days + 2):
            days = _join_conflict(p, plan, a, b)
            if not days:
                break
            ok = [d for d in days if minutes[a, d // 7] - p.variants[plan[a, d][0]].paid_minutes
                  >= p.agents[a].min_minutes(d // 7)]
            if not ok:
                return False
            d = min(ok, key=lambda x: drop_cost(a, x))
            vi, k = plan.pop((a, d))
            sched[k, _on_queue(p, d, vi, placed.pop((a, d), ()))] -= 1
            minutes[a, d // 7] -= p.variants[vi].paid_minutes
        else:
            return False
    return True


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
    """Roster ``problem`` (several weeks) one week after another with
    :func:`~routing_ml.scheduling.build_roster`; None when a week has no plan or the joined
    plan breaks a hard rule of the horizon (the caller then solves the whole horizon).

    Without shifts across midnight, each later week is first planned on its own (its bound
    then holds for the horizon) and the join mended by :func:`repair_join`; where that fails,
    and always with shifts across midnight, the week is planned with the weeks before it as
    ``previous_roster``.

    ``t0``: when the caller's time limit (``config.time_limit_seconds``) started.
    ``progress`` gets each week's improving plans as the finished weeks' objectives plus the
    week's best so far (bound: the first week's), then the horizon's exact figures."""
    from routing_ml.scheduling._patterns import plan_objective
    from routing_ml.scheduling.check import check_roster
    from routing_ml.scheduling.roster import (
        RosterResult,
        _kpis,
        build_roster,
        coverage_from_roster,
        roster_frames_from_plan,
    )

    n = problem.n_weeks
    apart = not any(v.crosses_midnight for v in problem.variants)
    deadline = t0 + 0.97 * config.time_limit_seconds  # the rest: frames and the rule check
    days = pd.to_datetime(requirements[TIME])
    plan: Plan = {}
    placed: Breaks = {}
    weekly: list[dict[str, Any]] = []
    bounds: list[float | None] = []
    done = 0.0  # objectives of the weeks rostered so far

    def on_point(point: ProgressPoint) -> None:  # a week's progress, shown as the horizon's so far
        if progress is not None:
            progress(ProgressPoint(time.perf_counter() - t0, done + point.objective,
                                   point.best_bound if not bounds else (bounds[0] or 0.0)))

    def solve_week(w: int, prev: pd.DataFrame | None, share: float) -> RosterResult | None:
        week_start = problem.start + pd.Timedelta(days=7 * w)
        rows = requirements[(days >= week_start) & (days < week_start + pd.Timedelta(days=7))]
        budget = max(0.1, share * (deadline - time.perf_counter()) / (n - w))
        try:
            with warnings.catch_warnings():  # the horizon's notes were issued already
                warnings.simplefilter("ignore", UserWarning)
                res = build_roster(rows, agents, shifts, rules, weights=weights, interval_minutes=interval_minutes,
                                   weeks=1, start=week_start, previous_roster=prev, method="auto",
                                   config=replace(config, time_limit_seconds=budget), progress=on_point)
        except ValueError as exc:  # e.g. a week without requirement rows
            logger.info("weeks in turn: week %d cannot be rostered alone (%s)", w + 1, exc)
            return None
        if not res.status.has_solution or res.status is SolveStatus.INFEASIBLE:
            logger.info("weeks in turn: week %d has no plan (%s)", w + 1, res.status.value)
            return None
        return res

    for w in range(n):
        carried = "first week" if w == 0 else "previous weeks carried over"
        res = None
        if w == 0 or not apart:
            prev = previous_roster if w == 0 else roster_frames_from_plan(problem, plan, placed)[0]
            res = solve_week(w, prev, 1.0)
            bounds.append(res.best_bound if res is not None and w == 0 else None)
        else:
            alone = solve_week(w, None, 1.0)
            bounds.append(alone.best_bound if alone is not None else None)
            if alone is not None:
                trial, trial_placed = dict(plan), dict(placed)
                week_plan, week_placed = plan_from_frames(problem, alone.roster, alone.breaks)
                trial.update(week_plan)
                trial_placed.update(week_placed)
                if repair_join(problem, trial, trial_placed, 7 * w):
                    res, carried = alone, "planned alone, join mended"
                    plan, placed = trial, trial_placed
            if res is None:  # mend failed: plan the week again after the weeks before it
                res = solve_week(w, roster_frames_from_plan(problem, plan, placed)[0], 0.5)
        if res is None:
            return None
        if carried != "planned alone, join mended":
            week_plan, week_placed = plan_from_frames(problem, res.roster, res.breaks)
            plan.update(week_plan)
            placed.update(week_placed)
        done += res.objective or 0.0
        weekly.append({"week": w + 1, "method": res.method, "how": carried, "objective": res.objective,
                       "best_bound": res.best_bound, "seconds": res.wall_time_seconds})
    roster, brk = roster_frames_from_plan(problem, plan, placed)
    violations = check_roster(roster, brk, problem)
    if len(violations):
        logger.info("weeks in turn: the joined plan breaks %d hard rule(s) of the horizon; solving it at once",
                    len(violations))
        return None
    objective = plan_objective(problem, plan, placed)
    summed = horizon_bound(problem, bounds)
    bound = min(summed, objective)
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
        solver_parameters={"method": "weeks in turn (each by build_roster)",
                           "weeks": weekly, "bound_of": "week 1 only" if _first_only(problem, bounds)
                           else "every week planned alone", "time_limit_seconds": config.time_limit_seconds,
                           "relative_gap_limit": config.relative_gap_limit, "random_seed": config.random_seed,
                           "num_workers": config.num_workers},
        progress=(point,), horizon_start=problem.start, days=problem.n_days, method="weeks", notes=problem.notes,
    )


def _first_only(p: RosterProblem, bounds: list[float | None]) -> bool:
    return any(b is None for b in bounds) or any(v.crosses_midnight for v in p.variants)


def horizon_bound(p: RosterProblem, bounds: list[float | None]) -> float:
    """A lower bound of the horizon's objective from the weeks' bounds, each a bound of its
    week planned alone (None: unknown). With every week's bound, their sum less the weekend
    term's overlap (each week's bound may count up to ``weekend_fairness_per_day`` x its
    weekend days, the horizon counts the largest total once: ``weight x (all weekend days -
    the fewest of one week)``) holds when no shift runs across midnight (then the weeks share
    no interval); otherwise, or with a week's bound unknown, the first week's bound alone."""
    first = max(bounds[0] or 0.0, 0.0) if bounds else 0.0
    if _first_only(p, bounds):
        return first
    weekend = [sum(p.weekday(d) >= 5 for d in range(7 * w, 7 * w + 7)) for w in range(p.n_weeks)]
    overlap = p.weights.weekend_fairness_per_day * (sum(weekend) - min(weekend))
    return max(first, sum(b for b in bounds if b is not None) - overlap)
