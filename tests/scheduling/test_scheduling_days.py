"""One day of a named roster re-planned by a MILP (``_days.replan_day``), the rest fixed."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pandas as pd
import pytest
from scheduling_helpers import requirements

from routing_ml.scheduling import BreakRule, RosterRules, RosterWeights, ShiftTemplate
from routing_ml.scheduling._days import day_staffing_costs, improve_by_days, replan_day
from routing_ml.scheduling._patterns import plan_objective
from routing_ml.scheduling._problem import prepare_problem
from routing_ml.scheduling.check import check_roster
from routing_ml.scheduling.roster import roster_frames_from_plan

COFFEE = BreakRule(name="coffee", duration_minutes=15, paid=True, earliest_offset_minutes=90,
                   latest_offset_minutes=150)
SHIFTS = [ShiftTemplate(name="day", start_minutes=6 * 60, latest_start_minutes=12 * 60, start_step_minutes=180,
                        lengths_minutes=(480,), breaks=(COFFEE,))]


def _setup():
    # Monday needs people early and late; Tuesday is fixed. a0 works Tuesday 06:00, so the
    # 11 h rest forbids it Monday's 12:00-20:00 shift (10 h before Tuesday's start).
    req = pd.concat([requirements([(6, 10, 2), (10, 14, 1), (14, 20, 2)], days=[0]),
                     requirements([(6, 14, 1)], days=[1])], ignore_index=True)
    agents = pd.DataFrame({"agent_id": ["a0", "a1", "a2"], "preferred_start": ["06:00", None, None]})
    rules = RosterRules(min_hours_per_week=0, max_hours_per_week=40, min_rest_hours=11)
    p = prepare_problem(req, agents, SHIFTS, rules, RosterWeights(), weeks=1)
    at = {p.variants[vi].start_minutes: vi for vi in range(len(p.variants))}
    plan = {(0, 0): (at[540], 0), (1, 0): (at[540], 0), (2, 0): (at[540], 0), (0, 1): (at[360], 0)}
    breaks = {key: ((0, 90),) for key in plan}
    return p, plan, breaks, at


def test_a_replanned_day_is_the_best_valid_day_with_the_rest_fixed():
    """Against brute force over every start and coffee time of the three agents on Monday,
    keeping only combinations the independent checker accepts."""
    p, plan, breaks, at = _setup()
    got = replan_day(p, plan, breaks, 0, time_limit_seconds=20)
    assert got is not None
    new_plan, new_breaks = got
    roster, brk = roster_frames_from_plan(p, new_plan, new_breaks)
    assert check_roster(roster, brk, p).empty
    assert new_plan[0, 1] == plan[0, 1] and new_breaks[0, 1] == breaks[0, 1]  # Tuesday untouched
    assert new_plan[0, 0][0] != at[720]  # the rest rule
    per_agent = [((at[s], 0), ((0, off),)) for s in (360, 540, 720) for off in range(90, 151, 15)]
    best = float("inf")
    for combo in itertools.product(per_agent, repeat=3):
        cand_plan, cand_breaks = dict(plan), dict(breaks)
        for a, (opt, brk_) in enumerate(combo):
            cand_plan[a, 0], cand_breaks[a, 0] = opt, brk_
        obj = plan_objective(p, cand_plan, cand_breaks)
        if obj < best and check_roster(*roster_frames_from_plan(p, cand_plan, cand_breaks), p).empty:
            best = obj
    assert plan_objective(p, new_plan, new_breaks) == pytest.approx(best)
    assert best < plan_objective(p, plan, breaks)  # the starting day was not already the best


def test_improving_by_days_never_worsens_and_keeps_every_rule():
    p, plan, breaks, _ = _setup()
    new_plan, new_breaks = improve_by_days(p, plan, breaks, time.perf_counter() + 20, seed=0)
    assert plan_objective(p, new_plan, new_breaks) <= plan_objective(p, plan, breaks)
    assert set(new_plan) == set(plan)  # working days never change
    assert check_roster(*roster_frames_from_plan(p, new_plan, new_breaks), p).empty


def test_day_staffing_costs_add_up_to_the_staffing_part_of_the_objective():
    """The per-day costs that order the re-planning are the objective's under- and
    over-staffing terms split by day: with shift costs and preferences switched off they
    sum to the whole objective, and the days without requirements or shifts cost nothing."""
    req = pd.concat([requirements([(6, 10, 2), (10, 14, 1), (14, 20, 2)], days=[0]),
                     requirements([(6, 14, 1)], days=[1])], ignore_index=True)
    agents = pd.DataFrame({"agent_id": ["a0", "a1", "a2"]})
    rules = RosterRules(min_hours_per_week=0, max_hours_per_week=40, min_rest_hours=11)
    weights = RosterWeights(shift_cost=0.0, preference_per_day=0.0, unstable_start_per_day=0.0,
                            weekend_fairness_per_day=0.0)
    p = prepare_problem(req, agents, SHIFTS, rules, weights, weeks=1)
    at = {p.variants[vi].start_minutes: vi for vi in range(len(p.variants))}
    plan = {(0, 0): (at[540], 0), (1, 0): (at[540], 0), (0, 1): (at[360], 0)}
    breaks = {key: ((0, 90),) for key in plan}
    per_day = day_staffing_costs(p, plan, breaks)
    assert per_day.shape == (p.n_days,)
    assert per_day.sum() == pytest.approx(plan_objective(p, plan, breaks))
    assert per_day[0] > 0  # Monday: 06:00-09:00 and 17:00-20:00 short, the coffee breaks
    assert per_day[1] > 0  # Tuesday: one agent on 06:00-14:00 is off for the coffee break
    assert per_day[2:].sum() == 0


def test_improving_by_days_retries_every_day_after_the_last_improvement(monkeypatch):
    """A round takes every day once (in its staffing-cost order); the search stops only
    after a whole round without improvement. A review found the first version counting
    failures across re-sorted rounds: a day could be tried twice and another never
    again after a neighbour changed."""
    import types

    from routing_ml.scheduling import _days

    calls: list[int] = []

    def fake_replan(p, plan, breaks, d, *, seed, time_limit_seconds):
        calls.append(d)
        # improve on the 3rd and 10th calls only
        return ({"v": plan["v"] - 1}, breaks) if len(calls) in (3, 10) else (plan, breaks)

    def fake_costs(p, plan, breaks):
        # the order changes with the plan: a day that improved goes last
        order = np.arange(7, dtype=float)
        return np.roll(order[::-1], plan["v"] % 7)

    monkeypatch.setattr(_days, "replan_day", fake_replan)
    monkeypatch.setattr(_days, "plan_objective", lambda p, plan, breaks=None: float(plan["v"]))
    monkeypatch.setattr(_days, "day_staffing_costs", fake_costs)
    p = types.SimpleNamespace(n_days=7)
    plan, _ = _days.improve_by_days(p, {"v": 100}, {}, time.perf_counter() + 20, max_rounds=None)
    assert plan["v"] == 98
    assert set(calls[10:]) == set(range(7))  # every day tried after the last improvement
    assert sorted(calls[-7:]) == list(range(7))  # ending with a whole round, each day once
    assert len(calls) == 21  # round 1 (improves), round 2 (improves), round 3 (nothing)
