"""Review findings (2026-12-02, a planner's pass): breaks of numeric agent ids read back from
CSV taken as missing, agent ids with spaces, a stray row that adds a week, daily rows read
as one interval. Each test failed before its fix."""

from __future__ import annotations

import pandas as pd
import pytest
from scheduling_helpers import MONDAY, requirements

from routing_ml.scheduling import (
    BreakRule,
    RosterRules,
    ShiftTemplate,
    SolverConfig,
    build_roster,
    check_roster,
)
from routing_ml.scheduling._base import ScheduleInputError
from routing_ml.scheduling._problem import prepare_problem

COFFEE = BreakRule(name="coffee", duration_minutes=15, paid=True, earliest_offset_minutes=120,
                   latest_offset_minutes=180)
SHIFTS = [ShiftTemplate(name="day", start_minutes=8 * 60, lengths_minutes=(480,), breaks=(COFFEE,))]
RULES = RosterRules(min_hours_per_week=0, max_hours_per_week=40, max_days_per_week=5,
                    min_consecutive_days_off=2)


def test_check_roster_of_the_csvs_with_numeric_agent_ids(tmp_path):
    # before: 20 "0 break(s) placed" violations: breaks keyed by int, looked up by str
    req = requirements([(9, 15, 2)], days=range(5))
    agents = pd.DataFrame({"agent_id": [1001, 1002, 1003]})
    res = build_roster(req, agents, SHIFTS, RULES, config=SolverConfig(time_limit_seconds=10, num_workers=1))
    assert len(res.breaks) > 0
    res.roster.to_csv(tmp_path / "roster.csv", index=False)
    res.breaks.to_csv(tmp_path / "breaks.csv", index=False)
    roster, breaks = pd.read_csv(tmp_path / "roster.csv"), pd.read_csv(tmp_path / "breaks.csv")
    assert roster["agent_id"].dtype.kind == "i"
    p = prepare_problem(req, agents, SHIFTS, RULES)
    assert check_roster(roster, breaks, p).empty
    # a break really missing is still found
    v = check_roster(roster, breaks.iloc[1:], p)
    assert list(v["rule"]) == ["breaks"]


def test_agent_ids_are_read_without_surrounding_spaces():
    req = requirements([(9, 17, 1)], days=range(5))
    p = prepare_problem(req, pd.DataFrame({"agent_id": ["a ", " b"]}), SHIFTS, RULES)
    assert [a.agent_id for a in p.agents] == ["a", "b"]
    with pytest.raises(ScheduleInputError, match=r"duplicated agent_id \['a'\]"):
        prepare_problem(req, pd.DataFrame({"agent_id": ["a", "a "]}), SHIFTS, RULES)
    with pytest.raises(ScheduleInputError, match="blank ids"):
        prepare_problem(req, pd.DataFrame({"agent_id": ["a", "  "]}), SHIFTS, RULES)


def test_a_last_week_with_a_stray_row_gets_a_note():
    req = requirements([(9, 17, 1)], days=range(7))
    stray = pd.DataFrame({"unique_id": ["voice"], "ds": [MONDAY + pd.Timedelta(days=7)], "agents": [1]})
    agents = pd.DataFrame({"agent_id": ["a", "b"]})
    p = prepare_problem(pd.concat([req, stray], ignore_index=True), agents, SHIFTS, RULES)
    assert p.n_weeks == 2  # the row is planned (it may be real) ...
    assert any("week 2 of the requirements lists only 1 interval" in n and "weeks=1" in n for n in p.notes)
    # ... and a real second week gets no such note
    two = requirements([(9, 17, 1)], days=range(14))
    assert not any("lists only" in n for n in prepare_problem(two, agents, SHIFTS, RULES).notes)


def test_daily_rows_at_midnight_get_a_note():
    days = pd.DataFrame({"unique_id": "voice", "ds": MONDAY + pd.to_timedelta(range(5), unit="D"), "agents": 3})
    agents = pd.DataFrame({"agent_id": ["a", "b", "c"]})
    night = [ShiftTemplate(name="night", start_minutes=22 * 60, lengths_minutes=(480,))]
    p = prepare_problem(days, agents, night, RULES)
    assert any("every requirements row is at 00:00" in n for n in p.notes)
    req = requirements([(0, 8, 1)], days=range(5))
    assert not any("00:00 (one row a day)" in n for n in prepare_problem(req, agents, night, RULES).notes)


def test_requirements_of_part_of_the_week_get_a_note():
    # review: a one-day requirement got a week of shifts (weekly minimum hours) with no word
    agents = pd.DataFrame({"agent_id": ["a", "b"]})
    rules = RosterRules(min_hours_per_week=24, max_hours_per_week=40, max_days_per_week=5,
                        min_consecutive_days_off=2)
    p = prepare_problem(requirements([(9, 17, 1)], days=[0]), agents, SHIFTS, rules)
    assert any("week 1 of the requirements lists 1 day(s)" in n and "at least 3 working days" in n
               for n in p.notes)
    # weekdays only, or no weekly minimum: nothing to say
    week = prepare_problem(requirements([(9, 17, 1)], days=range(5)), agents, SHIFTS, rules)
    assert not any("lists" in n and "working days" in n for n in week.notes)
    assert not any("working days" in n for n in prepare_problem(
        requirements([(9, 17, 1)], days=[0]), agents, SHIFTS, RULES).notes)
