"""The pattern model over several weeks: a week's patterns depend on the week (the first
week carries the working days in a row of the previous roster; dated leave lowers one
week's minimum hours), so identical-looking weeks must not share one list of patterns.
Each case is solved by the pattern model ("auto") and by CP-SAT alone: both must agree and
neither may break a hard rule."""

from __future__ import annotations

import pandas as pd
import pytest
from scheduling_helpers import MONDAY, requirements

from routing_ml.scheduling import (
    RosterRules,
    ShiftTemplate,
    SolveStatus,
    build_roster,
    prepare_problem,
)


def _worked_days(res, agent):
    r = res.roster
    return sorted(int((pd.Timestamp(d) - MONDAY).days) for d in r.loc[r["agent_id"] == agent, "date"])


def _both(req, agents, shifts, rules, cfg, no_soft, **kw):
    auto = build_roster(req, agents, shifts, rules, weights=no_soft, config=cfg, weeks=2, **kw)
    exact = build_roster(req, agents, shifts, rules, weights=no_soft, config=cfg, weeks=2, method="cp-sat", **kw)
    return auto, exact


def test_working_days_carried_over_bind_the_first_week_only(cfg, day_shift, no_soft):
    # Tuesday 1 - Sunday 6 December worked: Monday 7 must be off, Monday 14 may be worked
    req = requirements([(8, 16, 1)], days=[0, 7])
    agents = pd.DataFrame({"agent_id": ["a"]})
    rules = RosterRules(max_consecutive_days=6, min_consecutive_days_off=0, min_hours_per_week=0)
    prev = pd.DataFrame({"agent_id": "a",
                         "start": [MONDAY + pd.Timedelta(days=d, hours=8) for d in range(-6, 0)],
                         "end": [MONDAY + pd.Timedelta(days=d, hours=16) for d in range(-6, 0)]})
    auto, exact = _both(req, agents, [day_shift], rules, cfg, no_soft, previous_roster=prev)
    assert exact.status is SolveStatus.OPTIMAL and _worked_days(exact, "a") == [7]
    assert auto.violations.empty and exact.violations.empty
    assert auto.objective == pytest.approx(exact.objective)
    assert _worked_days(auto, "a") == [7]
    assert auto.best_bound <= exact.objective + 1e-6


def test_leave_lowers_the_minimum_hours_of_its_own_week_only(cfg, no_soft):
    # leave on Sunday 13 December lowers week 1's minimum; week 2 keeps the full 32 h
    shift = ShiftTemplate(name="day", start_minutes=8 * 60, lengths_minutes=(240, 480), weekdays=(0, 1, 2, 3, 4, 5))
    req = requirements([(8, 16, 0)], days=range(14))
    agents = pd.DataFrame({"agent_id": ["a"], "unavailable": ["2026-12-13"]})
    rules = RosterRules(min_hours_per_week=32, max_hours_per_week=40, min_consecutive_days_off=0)
    p = prepare_problem(req, agents, [shift], rules, weeks=2)
    assert p.agents[0].min_minutes(0) < p.agents[0].min_minutes(1) == 32 * 60
    auto, exact = _both(req, agents, [shift], rules, cfg, no_soft)
    assert exact.violations.empty and auto.violations.empty
    hours = auto.roster.assign(week=lambda r: (pd.to_datetime(r["date"]) - MONDAY).dt.days // 7) \
        .groupby("week")["paid_hours"].sum()
    assert hours.get(1, 0.0) >= 32
    assert auto.objective == pytest.approx(exact.objective)


def test_a_pattern_plan_breaking_a_hard_rule_is_not_used(cfg, day_shift, no_soft, monkeypatch, caplog):
    # the pattern model is exact for the hard rules; should a bug make its plan break one,
    # check_roster catches it and the named CP-SAT model solves the roster instead
    from routing_ml.scheduling import check

    real = check.check_roster
    calls = []

    def first_call_flags(roster, breaks, problem):
        calls.append(1)
        v = real(roster, breaks, problem)
        if len(calls) == 1:
            v = pd.DataFrame({"agent_id": ["a"], "date": [MONDAY], "rule": ["max_hours_per_week"],
                              "detail": ["injected"]})
        return v

    monkeypatch.setattr(check, "check_roster", first_call_flags)
    req = requirements([(8, 16, 1)], days=range(5))
    agents = pd.DataFrame({"agent_id": ["a"]})
    with caplog.at_level("ERROR", logger="routing_ml.scheduling.roster"):
        res = build_roster(req, agents, [day_shift], RosterRules(), weights=no_soft, config=cfg)
    assert len(calls) >= 2 and "breaks 1 hard rule(s) (max_hours_per_week)" in caplog.text
    assert res.method != "patterns" and res.violations.empty and res.status is SolveStatus.OPTIMAL
