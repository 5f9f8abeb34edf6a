"""Large multi-week rosters solved one week after another.

The named CP-SAT model of several weeks of a large center does not find a usable plan in a
planner's time limit: 150 agents over two weeks, 120 s, gave 26,464 cost units and 190
hours under-staffed, against 3,327 rostered week after week (``bench_multiweek.md``).
:func:`solve_weeks_in_turn` rosters week 1 as a one-week problem, then week 2 with week 1's
roster as ``previous_roster`` (rest after the last shift and working days in a row carried
over, night shifts into Monday counted as staffing), and so on; each week gets an equal
share of the time left. The plan of the whole horizon is their concatenation, checked
against every hard rule of the horizon.

Bound: the first week's problem is a relaxation of the horizon's (its rules are the horizon's
restricted to that week; the later weeks' objective terms are >= 0 and dropped; the weekend
term counts that week only), so its proven bound is a bound of the horizon. The later weeks'
bounds are not (their carry-over depends on the plan chosen before them), so they are not
added: the reported gap is an upper estimate.

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

from routing_ml.frames import ID, TIME
from routing_ml.scheduling._base import (
    ProgressCallback,
    ProgressPoint,
    SolverConfig,
    SolveStatus,
    relative_gap,
)
from routing_ml.scheduling._problem import AGENT_ID, RosterProblem

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
    """Roster ``problem`` (several weeks) one week after another with
    :func:`~routing_ml.scheduling.build_roster`; None when a week has no plan or the joined
    plan breaks a hard rule of the horizon (the caller then solves the whole horizon).

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
    deadline = t0 + 0.97 * config.time_limit_seconds  # the rest: frames and the rule check
    days = pd.to_datetime(requirements[TIME])
    rosters: list[pd.DataFrame] = []
    breaks: list[pd.DataFrame] = []
    weekly: list[dict[str, Any]] = []
    first_bound = 0.0
    done = 0.0  # objectives of the weeks rostered so far

    def on_point(point: ProgressPoint) -> None:  # a week's progress, shown as the horizon's so far
        if progress is not None:
            progress(ProgressPoint(time.perf_counter() - t0, done + point.objective,
                                   point.best_bound if not rosters else first_bound))

    for w in range(n):
        week_start = problem.start + pd.Timedelta(days=7 * w)
        rows = requirements[(days >= week_start) & (days < week_start + pd.Timedelta(days=7))]
        budget = max(0.1, (deadline - time.perf_counter()) / (n - w))
        prev = previous_roster if w == 0 else pd.concat(rosters, ignore_index=True)
        try:
            with warnings.catch_warnings():  # the horizon's notes were issued already
                warnings.simplefilter("ignore", UserWarning)
                res = build_roster(rows, agents, shifts, rules, weights=weights, interval_minutes=interval_minutes,
                                   weeks=1, start=week_start, previous_roster=prev, method="auto",
                                   config=replace(config, time_limit_seconds=budget), progress=on_point)
        except ValueError as exc:  # e.g. a week without requirement rows
            logger.info("weeks in turn: week %d cannot be rostered alone (%s); solving the horizon at once",
                        w + 1, exc)
            return None
        if not res.status.has_solution or res.status is SolveStatus.INFEASIBLE:
            logger.info("weeks in turn: week %d has no plan (%s); solving the horizon at once", w + 1,
                        res.status.value)
            return None
        if w == 0 and res.best_bound is not None:
            first_bound = res.best_bound
        done += res.objective or 0.0
        rosters.append(res.roster)
        breaks.append(res.breaks)
        weekly.append({"week": w + 1, "method": res.method, "objective": res.objective,
                       "best_bound": res.best_bound, "seconds": res.wall_time_seconds})
    plan, placed = plan_from_frames(problem, pd.concat(rosters, ignore_index=True),
                                    pd.concat(breaks, ignore_index=True))
    roster, brk = roster_frames_from_plan(problem, plan, placed)
    violations = check_roster(roster, brk, problem)
    if len(violations):
        logger.info("weeks in turn: the joined plan breaks %d hard rule(s) of the horizon; solving it at once",
                    len(violations))
        return None
    objective = plan_objective(problem, plan, placed)
    bound = min(first_bound, objective)
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
                           "weeks": weekly, "time_limit_seconds": config.time_limit_seconds,
                           "relative_gap_limit": config.relative_gap_limit, "random_seed": config.random_seed,
                           "num_workers": config.num_workers},
        progress=(point,), horizon_start=problem.start, days=problem.n_days, method="weeks", notes=problem.notes,
    )
