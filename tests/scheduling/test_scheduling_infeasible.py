"""Infeasible rosters: reasons naming agent/week/rule, partial plans, raise_for_status."""

from __future__ import annotations

import pandas as pd
import pytest
from scheduling_helpers import requirements

from routing_ml.errors import InfeasibleScheduleError
from routing_ml.scheduling import (
    BreakRule,
    RosterRules,
    ShiftTemplate,
    SolveStatus,
    build_roster,
    precheck_infeasibility,
    prepare_problem,
)


def test_min_hours_beyond_the_weekly_days_off_is_explained_by_precheck(cfg, day_shift, no_soft):
    req = requirements([(8, 16, 2)], days=range(5))
    # three days off every week (weekdays, not leave: the minimum stays 40 h) leave 4 x 8 h
    agents = pd.DataFrame({"agent_id": ["ok", "holiday"], "min_hours_per_week": [0, 40],
                           "unavailable": ["", "Tue;Wed;Thu"]})
    res = build_roster(req, agents, [day_shift], RosterRules(), weights=no_soft, config=cfg)
    assert res.status is SolveStatus.INFEASIBLE
    assert "agent 'holiday'" in res.reason and "week 1" in res.reason and "min_hours_per_week=40" in res.reason
    assert "Tue;Wed;Thu" in res.reason
    # best partial plan: rules relaxed only for that agent-week, violations reported honestly
    assert len(res.roster) > 0
    assert any("holiday" in r and "min_hours" in r for r in res.relaxed_rules)
    assert set(res.violations["rule"]) == {"min_hours_per_week"}
    assert set(res.violations["agent_id"]) == {"holiday"}
    with pytest.raises(InfeasibleScheduleError, match="holiday"):
        res.raise_for_status()


def test_rule_conflict_found_by_cp_sat_assumptions(cfg, day_shift, no_soft):
    # 40 h = 5 shifts, but at most 2 consecutive days with a 2-day block off leaves 4 days
    req = requirements([(8, 16, 1)])
    agents = pd.DataFrame({"agent_id": ["tight"], "min_hours_per_week": [40]})
    rules = RosterRules(max_consecutive_days=2, min_consecutive_days_off=2, max_days_per_week=5)
    p = prepare_problem(req, agents, [day_shift], rules)
    assert precheck_infeasibility(p) == []  # not visible without the solver
    res = build_roster(req, agents, [day_shift], rules, weights=no_soft, config=cfg)
    assert res.status is SolveStatus.INFEASIBLE
    assert "agent 'tight'" in res.reason
    assert "max_consecutive_days=2" in res.reason or "min_consecutive_days_off=2" in res.reason
    assert "min_hours_per_week=40" in res.reason
    assert len(res.roster) >= 4  # partial plan


def test_hard_coverage_lists_uncovered_periods(cfg, day_shift, no_soft):
    req = pd.concat([requirements([(8, 16, 1)], days=range(5)), requirements([(2, 3, 1)], days=[0])])
    agents = pd.DataFrame({"agent_id": ["a"]})
    res = build_roster(req, agents, [day_shift], RosterRules(hard_coverage=True), weights=no_soft, config=cfg)
    assert res.status is SolveStatus.INFEASIBLE
    assert "queue 'voice'" in res.reason and "hard_coverage" in res.reason and "2026-12-07 02:00" in res.reason
    assert len(res.uncovered) == 4
    assert res.uncovered["ds"].min() == pd.Timestamp("2026-12-07 02:00")
    assert len(res.roster) == 5


def test_hard_coverage_core_names_queue_and_day(cfg, no_soft):
    # two agents could cover, but one is on holiday on Tuesday: Tuesday cannot be covered twice
    shift = ShiftTemplate(name="d", start_minutes=8 * 60, lengths_minutes=(480,))
    req = requirements([(8, 16, 2)], days=[0, 1])
    agents = pd.DataFrame({"agent_id": ["a", "b"], "unavailable": ["", "2026-12-08"]})
    res = build_roster(req, agents, [shift], RosterRules(hard_coverage=True), weights=no_soft, config=cfg)
    assert res.status is SolveStatus.INFEASIBLE
    assert "queue 'voice' on 2026-12-08" in res.reason
    assert len(res.uncovered) == 32 and (res.uncovered["ds"].dt.day == 8).all()


def test_feasible_result_does_not_raise(cfg, day_shift, no_soft):
    res = build_roster(requirements([(8, 16, 1)], days=range(5)), pd.DataFrame({"agent_id": ["a"]}),
                       [day_shift], RosterRules(), weights=no_soft, config=cfg)
    assert res.raise_for_status() is res and res.reason is None and res.relaxed_rules == ()


def test_hard_coverage_beyond_the_head_count_names_the_interval_not_every_rule(cfg, day_shift, no_soft):
    # 6 agents needed at 08:00 with 3 agents in all: the reason says so, instead of a core
    # listing every rule of every agent
    req = requirements([(8, 12, 6), (12, 16, 2)], days=range(5))
    agents = pd.DataFrame({"agent_id": ["a", "b", "c"]})
    res = build_roster(req, agents, [day_shift], RosterRules(hard_coverage=True), weights=no_soft, config=cfg)
    assert res.status is SolveStatus.INFEASIBLE
    assert res.reason.startswith("queue 'voice' on 2026-12-07 08:00 (Mon): hard_coverage cannot be met: "
                                 "6 agent(s) needed but only 3 have an allowed shift covering it (a, b, c)")
    assert "max_days_per_week" not in res.reason


def test_precheck_counts_max_consecutive_days(day_shift):
    # one day in a row at most: 4 working days a week x 8 h = 32 h < the agent's 40 h
    agents = pd.DataFrame({"agent_id": ["a"], "min_hours_per_week": [40]})
    rules = RosterRules(max_consecutive_days=1, max_days_per_week=7, min_consecutive_days_off=0, max_hours_per_week=56)
    reasons = precheck_infeasibility(prepare_problem(requirements([(8, 16, 1)]), agents, [day_shift], rules))
    assert len(reasons) == 1 and "at most 4 working day(s) x 8 paid h = 32 h" in reasons[0]
    assert "max_consecutive_days=1" in reasons[0]


def test_hard_coverage_beyond_the_weekly_agent_hours_is_explained_without_the_solver(cfg, day_shift, no_soft):
    # 3 agents needed 7 days a week, 3 agents working at most 5 days: 168 h needed, 120 h
    # possible. Each interval has 3 able agents, so only the weekly sum shows it (before,
    # the reason listed all 19 rule groups of the CP-SAT core)
    req = requirements([(8, 16, 3)])
    agents = pd.DataFrame({"agent_id": ["a", "b", "c"]})
    rules = RosterRules(hard_coverage=True, max_days_per_week=5)
    reasons = precheck_infeasibility(prepare_problem(req, agents, [day_shift], rules))
    assert len(reasons) == 1
    assert reasons[0].startswith("queue 'voice' week 1 (2026-12-07..2026-12-13): hard_coverage cannot be met: "
                                 "it needs 168 agent-hours of coverage but the 3 agent(s) who can work it "
                                 "(a, b, c) can give at most 120 h")
    res = build_roster(req, agents, [day_shift], rules, weights=no_soft, config=cfg)
    assert res.status is SolveStatus.INFEASIBLE and res.reason == reasons[0]
    assert len(res.roster) == 15  # the partial plan still uses every agent's 5 days


def test_weekly_agent_hours_check_counts_breaks_and_stays_quiet_when_it_fits(cfg, no_soft):
    coffee = BreakRule(name="coffee", duration_minutes=60, paid=True, earliest_offset_minutes=120,
                       latest_offset_minutes=300)
    with_break = ShiftTemplate(name="d", start_minutes=8 * 60, lengths_minutes=(480,), breaks=(coffee,))
    plain = ShiftTemplate(name="d", start_minutes=8 * 60, lengths_minutes=(480,))
    agents = pd.DataFrame({"agent_id": ["a", "b", "c"]})
    rules = RosterRules(hard_coverage=True, max_days_per_week=5)
    # 15 agent-days of 8 h: exactly what 3 agents x 5 days give without breaks (feasible) ...
    req = requirements([(8, 16, 3)], days=range(5))
    assert precheck_infeasibility(prepare_problem(req, agents, [plain], rules)) == []
    assert build_roster(req, agents, [plain], rules, weights=no_soft, config=cfg).status.has_solution
    # ... but a one-hour paid break leaves 7 covered hours a shift: 105 h < 120 h needed
    reasons = precheck_infeasibility(prepare_problem(req, agents, [with_break], rules))
    assert len(reasons) == 1 and "needs 120 agent-hours" in reasons[0] and "at most 105 h" in reasons[0]


def test_weekly_agent_hours_check_sees_queues_that_share_agents(day_shift):
    # each queue alone fits in the two agents' 80 h; together (112 h) they do not
    req = pd.concat([requirements([(8, 16, 1)], queue="voice"), requirements([(8, 16, 1)], queue="chat")])
    agents = pd.DataFrame({"agent_id": ["a", "b"], "skills": ["voice;chat", "voice;chat"]})
    rules = RosterRules(hard_coverage=True, max_days_per_week=5)
    reasons = precheck_infeasibility(prepare_problem(req, agents, [day_shift], rules))
    assert len(reasons) == 1 and reasons[0].startswith("all queues together week 1")
    assert "needs 112 agent-hours" in reasons[0] and "at most 80 h" in reasons[0]


def test_a_large_core_is_summarised_per_rule(cfg, no_soft):
    # 15 agents must work Monday 16-24 and Tuesday 08-16: 8 h rest < 12 h for every agent.
    # The core has 17 groups (2 days of coverage, 15 rest rules): one line per rule, not 17
    late = ShiftTemplate(name="late", start_minutes=16 * 60, lengths_minutes=(480,))
    day = ShiftTemplate(name="day", start_minutes=8 * 60, lengths_minutes=(480,))
    req = pd.concat([requirements([(16, 24, 15)], days=[0]), requirements([(8, 16, 15)], days=[1])])
    agents = pd.DataFrame({"agent_id": [f"a{i:02d}" for i in range(15)]})
    rules = RosterRules(hard_coverage=True, min_rest_hours=12)
    res = build_roster(req, agents, [late, day], rules, weights=no_soft, config=cfg)
    assert res.status is SolveStatus.INFEASIBLE
    assert res.reason == ("these hard rules cannot hold together: 17 rule groups, hard_coverage of queue 'voice' "
                          "on 2 day(s) (2026-12-07, 2026-12-08); rule min_rest_hours=12 of 15 agent(s): "
                          "a00, a01, a02, a03, a04, a05 (+9 more)")
