"""Rosters published week after week: rest and working days in a row carried over from
the previous roster (``previous_roster``)."""

from __future__ import annotations

import pandas as pd
import pytest
from scheduling_helpers import MONDAY, requirements

from routing_ml.scheduling import (
    RosterRules,
    ScheduleInputError,
    ShiftTemplate,
    build_roster,
    check_roster,
    prepare_problem,
)


def _previous(agent, days, start_hour, hours=8):
    """Shifts of ``agent`` on horizon days ``days`` (negative: before MONDAY)."""
    rows = [(agent, MONDAY + pd.Timedelta(days=d, hours=start_hour),
             MONDAY + pd.Timedelta(days=d, hours=start_hour + hours)) for d in days]
    return pd.DataFrame(rows, columns=["agent_id", "start", "end"])


def _worked_days(res, agent):
    r = res.roster
    return sorted(int((pd.Timestamp(d) - MONDAY).days) for d in r.loc[r["agent_id"] == agent, "date"])


def test_rest_after_the_last_shift_of_the_previous_roster(cfg, day_shift, no_soft):
    # Sunday 16:00-24:00 last week, then Monday 08:00 would leave 8 h of rest < 12 h
    req = requirements([(8, 16, 1)], days=range(5))
    agents = pd.DataFrame({"agent_id": ["a"]})
    rules = RosterRules(min_rest_hours=12)
    free = build_roster(req, agents, [day_shift], rules, weights=no_soft, config=cfg)
    assert 0 in _worked_days(free, "a")  # without history Monday is worked
    res = build_roster(req, agents, [day_shift], rules, weights=no_soft, config=cfg,
                       previous_roster=_previous("a", [-1], 16))
    assert res.status.has_solution and res.violations.empty
    assert 0 not in _worked_days(res, "a") and 1 in _worked_days(res, "a")


def test_working_days_in_a_row_carry_over(cfg, day_shift, no_soft):
    req = requirements([(8, 16, 1)])
    agents = pd.DataFrame({"agent_id": ["a"]})
    rules = RosterRules(max_consecutive_days=6, max_days_per_week=5, min_consecutive_days_off=0)
    # Tuesday..Sunday worked (6 days in a row): Monday must be off
    res = build_roster(req, agents, [day_shift], rules, weights=no_soft, config=cfg,
                       previous_roster=_previous("a", range(-6, 0), 8))
    assert res.violations.empty and 0 not in _worked_days(res, "a")
    assert len(_worked_days(res, "a")) == 5
    # Thursday..Sunday (4 in a row): at most 2 more, the day off falls on Wednesday at the latest
    res = build_roster(req, agents, [day_shift], rules, weights=no_soft, config=cfg,
                       previous_roster=_previous("a", range(-4, 0), 8))
    days = _worked_days(res, "a")
    assert res.violations.empty and not {0, 1, 2} <= set(days)


def test_check_roster_counts_the_previous_roster(day_shift):
    req = requirements([(8, 16, 1)])
    agents = pd.DataFrame({"agent_id": ["a"]})
    rules = RosterRules(max_consecutive_days=6, min_rest_hours=12)
    prev = pd.concat([_previous("a", range(-6, -1), 8), _previous("a", [-1], 16)])
    p = prepare_problem(req, agents, [day_shift], rules, previous_roster=prev)
    monday = pd.DataFrame({"agent_id": ["a"], "date": [MONDAY], "shift": ["day"], "unique_id": ["voice"],
                           "start": [MONDAY + pd.Timedelta(hours=8)], "end": [MONDAY + pd.Timedelta(hours=16)],
                           "paid_hours": [8.0], "breaks": [""]})
    empty_breaks = pd.DataFrame(columns=["agent_id", "date", "break", "start", "end", "paid"])
    v = check_roster(monday, empty_breaks, p)
    assert set(v["rule"]) == {"max_consecutive_days", "min_rest_hours"}
    assert "7 consecutive working days > 6 (6 of them in the previous roster)" in set(v["detail"])
    # the same Monday without history breaks nothing
    assert check_roster(monday, empty_breaks, prepare_problem(req, agents, [day_shift], rules)).empty


def test_previous_roster_bad_input(day_shift):
    req = requirements([(8, 16, 1)])
    agents = pd.DataFrame({"agent_id": ["a"]})
    with pytest.raises(ScheduleInputError, match=r"missing column\(s\) \['end'\]"):
        prepare_problem(req, agents, [day_shift], previous_roster=pd.DataFrame({"agent_id": ["a"], "start": [MONDAY]}))
    with pytest.raises(ScheduleInputError, match="inside the new horizon"):
        prepare_problem(req, agents, [day_shift], previous_roster=_previous("a", [0], 8))
    with pytest.raises(ScheduleInputError, match="column 'start' has a value that is not a timestamp"):
        prepare_problem(req, agents, [day_shift],
                        previous_roster=pd.DataFrame({"agent_id": ["a"], "start": ["soon"], "end": [MONDAY]}))
    with pytest.warns(UserWarning, match=r"1 agent\(s\) not in the agents frame are ignored \(zoe\)"):
        p = prepare_problem(req, agents, [day_shift], previous_roster=_previous("zoe", [-1], 8))
    assert p.agents[0].previous_end_minutes is None


def test_night_shift_of_the_previous_roster_ends_inside_the_horizon(cfg, no_soft):
    # Sunday 22:00 - Monday 06:00, then 12 h of rest: nothing before Monday 18:00
    night = ShiftTemplate(name="night", start_minutes=22 * 60, lengths_minutes=(480,))
    early = ShiftTemplate(name="early", start_minutes=6 * 60, lengths_minutes=(480,))
    late = ShiftTemplate(name="late", start_minutes=18 * 60, lengths_minutes=(240,))
    req = requirements([(6, 14, 1), (18, 22, 1)], days=[0])
    agents = pd.DataFrame({"agent_id": ["a"]})
    res = build_roster(req, agents, [night, early, late], RosterRules(min_rest_hours=12), weights=no_soft,
                       config=cfg, previous_roster=_previous("a", [-1], 22))
    assert res.violations.empty
    assert list(res.roster["shift"]) == ["late"]


def test_uncoverable_note_names_the_previous_roster(day_shift):
    req = requirements([(8, 16, 1)], days=[0])
    agents = pd.DataFrame({"agent_id": ["a"]})
    with pytest.warns(UserWarning, match="carried over from previous_roster"):
        prepare_problem(req, agents, [day_shift], RosterRules(min_rest_hours=12),
                        previous_roster=_previous("a", [-1], 16))


def test_previous_night_shift_staffs_the_first_hours_of_the_horizon(cfg, no_soft):
    night = ShiftTemplate(name="night", start_minutes=22 * 60, lengths_minutes=(480,))
    req = requirements([(0, 6, 1), (22, 24, 1)], days=range(7))
    agents = pd.DataFrame({"agent_id": ["a", "b"]})
    rules = RosterRules(min_hours_per_week=0)
    prev = _previous("a", [-1], 22).assign(unique_id="voice")
    res = build_roster(req, agents, [night], rules, weights=no_soft, config=cfg, previous_roster=prev)
    monday = res.coverage.loc[res.coverage["ds"] < MONDAY + pd.Timedelta(hours=6)]
    assert len(monday) == 24 and (monday["scheduled"] == 1).all() and (monday["required"] == 1).all()
    assert res.kpis.hours_under == 0 and res.violations.empty
    # without it, nobody can cover Monday 00:00-06:00 (no shift of the horizon starts before)
    with pytest.warns(UserWarning, match="no shift that any agent may work covers them"):
        alone = build_roster(req, agents, [night], rules, weights=no_soft, config=cfg)
    assert alone.kpis.hours_under == 6
    # two agents of last week for one required: the surplus is not this plan's over-staffing
    two = pd.concat([prev, _previous("b", [-1], 22).assign(unique_id="voice")])
    res2 = build_roster(req, agents, [night], rules, weights=no_soft, config=cfg, previous_roster=two)
    first = res2.coverage.loc[res2.coverage["ds"] < MONDAY + pd.Timedelta(hours=6)]
    assert (first["scheduled"] == 1).all() and res2.kpis.hours_over == 0
