"""Breaks of a fixed roster placed together by one MILP (``_breaks.optimal_breaks``)."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest
from scheduling_helpers import requirements

from routing_ml.scheduling import BreakRule, RosterRules, RosterWeights, ShiftTemplate
from routing_ml.scheduling._breaks import optimal_breaks
from routing_ml.scheduling._patterns import plan_objective
from routing_ml.scheduling._problem import prepare_problem
from routing_ml.scheduling.check import check_roster
from routing_ml.scheduling.roster import roster_frames_from_plan

COFFEE = BreakRule(name="coffee", duration_minutes=15, paid=True, earliest_offset_minutes=60,
                   latest_offset_minutes=120)
LUNCH = BreakRule(name="lunch", duration_minutes=30, paid=False, earliest_offset_minutes=180,
                  latest_offset_minutes=240)
SHIFTS = [ShiftTemplate(name="day", start_minutes=8 * 60, latest_start_minutes=9 * 60, start_step_minutes=60,
                        lengths_minutes=(480,), breaks=(COFFEE, LUNCH))]


def _problem(weights: RosterWeights):
    # Monday: 3 agents needed 09:00-10:00 and 12:00-13:00, 2 otherwise; the breaks must dodge the peaks
    req = requirements([(8, 9, 2), (9, 10, 3), (10, 12, 2), (12, 13, 3), (13, 17, 2)], days=[0])
    agents = pd.DataFrame({"agent_id": ["a0", "a1", "a2"]})
    rules = RosterRules(min_hours_per_week=0, max_hours_per_week=40, min_rest_hours=11)
    return prepare_problem(req, agents, SHIFTS, rules, weights, weeks=1)


@pytest.mark.parametrize("weights", [RosterWeights(), RosterWeights(under_staffing_per_hour=7.0, over_staffing_per_hour=3.0)])
def test_breaks_placed_together_reach_the_best_of_every_placement(weights):
    """Against brute force over every placement of both breaks of all three agents."""
    p = _problem(weights)
    starts = {p.variants[vi].start_minutes: vi for vi in range(len(p.variants))}
    plan = {(0, 0): (starts[480], 0), (1, 0): (starts[480], 0), (2, 0): (starts[540], 0)}
    placed = optimal_breaks(p, plan, time_limit_seconds=10)
    assert placed is not None and set(placed) == set(plan)
    per_shift = [((0, c), (1, lu)) for c in range(60, 121, 15) for lu in range(180, 241, 15)]
    brute = min(plan_objective(p, plan, dict(zip(sorted(plan), combo, strict=True)))
                for combo in itertools.product(per_shift, repeat=3))
    assert plan_objective(p, plan, placed) == pytest.approx(brute)
    roster, breaks = roster_frames_from_plan(p, plan, placed)
    assert check_roster(roster, breaks, p).empty


def test_breaks_placed_together_never_lose_or_add_a_break():
    p = _problem(RosterWeights())
    starts = {p.variants[vi].start_minutes: vi for vi in range(len(p.variants))}
    plan = {(a, 0): (starts[480], 0) for a in range(3)}
    placed = optimal_breaks(p, plan, time_limit_seconds=10)
    assert placed is not None
    for key in plan:
        assert sorted(bi for bi, _ in placed[key]) == [0, 1]
    assert optimal_breaks(p, {}, time_limit_seconds=10) == {}
