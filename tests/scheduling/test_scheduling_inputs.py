"""Every bad input raises a ValueError naming the input and the fix, before any solver runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scheduling_helpers import requirements

from routing_ml.scheduling import (
    BreakRule,
    RosterRules,
    RosterWeights,
    ShiftTemplate,
    SolverConfig,
    build_roster,
    load_shifts_yaml,
)

DAY = ShiftTemplate(name="day", start_minutes=8 * 60, lengths_minutes=(480,))


@pytest.fixture(autouse=True)
def _no_solver(monkeypatch):
    from ortools.sat.python import cp_model

    monkeypatch.setattr(cp_model.CpSolver, "solve", lambda *a, **k: pytest.fail("the solver ran"))


def _req(values):
    r = requirements([(8, 9, 1)], days=[0])
    r["agents"] = values
    return r


AGENTS = pd.DataFrame({"agent_id": ["a"]})


@pytest.mark.parametrize(
    ("req", "match"),
    [
        (_req([1, np.nan, 1, 1]), "'agents' has NaN"),
        (_req([1, -2, 1, 1]), "'agents' has negative"),
        (_req([1, 1.5, 1, 1]), "(?s)'agents' has fractional.*np.ceil"),
        (requirements([(8, 9, 1)], days=[0]).drop(columns="agents"), "missing columns \\['agents'\\]"),
        (requirements([(8, 9, 1)], days=[0]).assign(ds=lambda d: d["ds"] + pd.Timedelta(minutes=7)), "off the 15-minute grid"),
        (pd.concat([requirements([(8, 9, 1)], days=[0])] * 2), "duplicated"),
        (requirements([(8, 9, 1)], days=[0, 35]), "rosters cover 1-4 weeks"),
    ],
)
def test_bad_requirements(req, match):
    with pytest.raises(ValueError, match=match):
        build_roster(req, AGENTS, [DAY])


@pytest.mark.parametrize(
    ("agents", "match"),
    [
        (pd.DataFrame({"agent_id": ["a"], "skills": ["voice;chinese"]}), "unknown skills \\['chinese'\\].*Fix"),
        (pd.DataFrame({"agent_id": ["a"], "unavailable": ["Mon;Tue;Wed;Thu;Fri;Sat;Sun"]}), "'a' has no availability: unavailable every day"),
        (pd.DataFrame({"agent_id": ["a"], "earliest_start": ["18:00"]}), "'a' has no availability: no shift template fits"),
        (pd.DataFrame({"agent_id": ["a"], "min_hours_per_week": [30], "max_hours_per_week": [20]}), "contradictory rules for agents frame: agent 'a'"),
        (pd.DataFrame({"agent_id": ["a"], "max_hours_per_week": [-5]}), "max_hours_per_week must be a finite number"),
        (pd.DataFrame({"agent_id": ["a", "a"]}), "duplicated agent_id"),
        (pd.DataFrame({"name": ["a"]}), "missing column 'agent_id'"),
        (pd.DataFrame({"agent_id": ["a"], "unavailable": ["someday"]}), "neither a date"),
        # 8 December in Spanish order would be read as 12 August by pandas: ISO dates only
        (pd.DataFrame({"agent_id": ["a"], "unavailable": ["08/12/2026"]}), "neither a date YYYY-MM-DD"),
        (pd.DataFrame({"agent_id": ["a"], "unavailable": ["Monsoon"]}), "neither a date"),
        (pd.DataFrame({"agent_id": ["a"], "preferred_days_off": ["Mo-Fr"]}), "not a range of weekdays"),
        (pd.DataFrame({"agent_id": ["a"], "preferred_days_off": ["Weekend"]}), "is not a weekday"),
        (pd.DataFrame({"agent_id": ["a"], "preferred_start": ["25:99"]}), "preferred_start must be a time"),
    ],
)
def test_bad_agents(agents, match):
    with pytest.raises(ValueError, match=match):
        build_roster(requirements([(8, 16, 1)], days=range(5)), agents, [DAY])


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: RosterRules(min_hours_per_week=40, max_hours_per_week=30), "contradictory rules: min_hours_per_week=40"),
        (lambda: RosterRules(max_consecutive_days=0), "max_consecutive_days must be >= 1"),
        (lambda: RosterRules(max_days_per_week=9), "max_days_per_week must be in 1..7"),
        (lambda: RosterRules(min_rest_hours=-1), "min_rest_hours must be a finite number >= 0"),
        (lambda: RosterRules(min_hours_per_week=10, min_consecutive_days_off=7), "contradictory rules: min_consecutive_days_off=7"),
        (lambda: RosterWeights(under_staffing_per_hour=-1), "under_staffing_per_hour must be a finite number >= 0"),
        (lambda: RosterWeights(shift_cost=float("nan")), "shift_cost"),
        (lambda: ShiftTemplate(name="x", start_minutes=480, lengths_minutes=(480,), cost_per_hour=-3), "cost_per_hour must be a finite number >= 0"),
        (lambda: ShiftTemplate(name="x", start_minutes=480, lengths_minutes=(480,), breaks=(
            BreakRule(name="a", duration_minutes=30, earliest_offset_minutes=60, latest_offset_minutes=120),
            BreakRule(name="b", duration_minutes=30, earliest_offset_minutes=100, latest_offset_minutes=200))), "windows of breaks 'a' and 'b' overlap"),
        (lambda: ShiftTemplate(name="x", start_minutes=480, lengths_minutes=(240,), breaks=(
            BreakRule(name="a", duration_minutes=30, earliest_offset_minutes=200, latest_offset_minutes=230),)), "after the end"),
        (lambda: ShiftTemplate(name="x", start_minutes=1500, lengths_minutes=(480,)), "starts must satisfy"),
        (lambda: BreakRule(duration_minutes=15, earliest_offset_minutes=90, latest_offset_minutes=60), "window must satisfy"),
        (lambda: SolverConfig(time_limit_seconds=0), "time_limit_seconds must be a positive"),
        (lambda: SolverConfig(num_workers=-1), "num_workers"),
        (lambda: SolverConfig(relative_gap_limit=1.5), "relative_gap_limit"),
    ],
)
def test_bad_rules_weights_templates_config(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_template_off_interval_grid():
    t = ShiftTemplate(name="odd", start_minutes=8 * 60 + 10, lengths_minutes=(480,))
    with pytest.raises(ValueError, match="does not align with interval_minutes=15"):
        build_roster(requirements([(8, 16, 1)], days=range(5)), AGENTS, [t])


def test_template_unknown_queue():
    t = ShiftTemplate(name="x", start_minutes=480, lengths_minutes=(480,), queues=("email",))
    with pytest.raises(ValueError, match="serves unknown queues \\['email'\\]"):
        build_roster(requirements([(8, 16, 1)], days=range(5)), AGENTS, [t])


def test_bad_yaml(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("shifts:\n  - {name: a, start: '08:00', lengths_hours: [8], colour: red}\n")
    with pytest.raises(ValueError, match="unknown keys \\['colour'\\]"):
        load_shifts_yaml(p)
    p.write_text("shifts:\n  - {name: a, start: '8h', lengths_hours: [8]}\n")
    with pytest.raises(ValueError, match="must be a time 'HH:MM'"):
        load_shifts_yaml(p)
    p.write_text("shifts:\n  - {name: a, start: '08:00', lengths_hours: [8], cost_per_hour: -1}\n")
    with pytest.raises(ValueError, match="cost_per_hour"):
        load_shifts_yaml(p)
    p.write_text("shifts: []\n")
    with pytest.raises(ValueError, match="non-empty list"):
        load_shifts_yaml(p)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        # a misspelt section would silently fall back to the default rules
        ("rule: {max_hours_per_week: 8}\n", "unknown top-level key\\(s\\) \\['rule'\\]"),
        ("  - {name: b, start: '08:00', lengths_hours: [8], breaks: [[lunch, 30]]}\n", "each break must be a mapping"),
        ("  - {name: b, start: '08:00', lengths_hours: [8], breaks: {name: lunch}}\n", "breaks must be a list"),
        ("  - {name: b, start: '08:00', lengths_hours: [8], step_minutes: 60min}\n", "'b' step_minutes must be a whole number.*'60min'"),
        ("  - {name: b, start: '08:00', lengths_minutes: [half]}\n", "lengths_minutes must be a whole number"),
        ("  - {name: b, start: '08:00', lengths_hours: [8], cost_per_hour: twenty}\n", "'b' cost_per_hour must be a number.*'twenty'"),
        ("  - {name: b, start: '08:00', lengths_hours: [8], breaks: [{minutes: 30, paid: maybe, window: ['02:00', '03:00']}]}\n",
         "break paid must be true or false"),
        ("  - {name: b, start: '08:00', lengths_hours: [8], breaks: [{minutes: half, window: ['02:00', '03:00']}]}\n",
         "break minutes must be a whole number"),
    ],
)
def test_bad_yaml_values_name_the_field(tmp_path, text, match):
    p = tmp_path / "s.yaml"
    p.write_text("shifts:\n  - {name: a, start: '08:00', lengths_hours: [8]}\n" + text)
    with pytest.raises(ValueError, match=match):
        load_shifts_yaml(p)


def test_weekday_names_and_ranges():
    from routing_ml.scheduling.shifts import parse_weekday, parse_weekdays

    assert parse_weekdays("Mon-Fri", what="x") == (0, 1, 2, 3, 4)
    assert parse_weekdays("fri-mon", what="x") == (4, 5, 6, 0)  # wraps over the weekend
    assert [parse_weekday(d, what="x") for d in ("Monday", "tue", "Miércoles", "jue", "SAT", "domingo", 6)] \
        == [0, 1, 2, 3, 5, 6, 6]
    with pytest.raises(ValueError, match="is not a weekday"):
        parse_weekday("Monsoon", what="x")  # it used to be cut to 'Mon'


def test_weekday_ranges_in_agents_and_yaml(tmp_path):
    from routing_ml.scheduling._problem import prepare_problem

    agents = pd.DataFrame({"agent_id": ["a", "b"], "unavailable": ["Mon-Thu", "2026-12-09"],
                           "preferred_days_off": ["Sat-Sun", ""]})
    p = tmp_path / "s.yaml"
    p.write_text("shifts:\n  - {name: a, start: '08:00', lengths_hours: [8], weekdays: [Mon-Fri]}\n"
                 "  - {name: w, start: '09:00', lengths_hours: [6], weekdays: 'Sat;Sun',\n"
                 "     breaks: [{name: c, minutes: 15, paid: 'no', window: ['02:00', '03:00']}]}\n")
    week, weekend = load_shifts_yaml(p)
    assert week.weekdays == (0, 1, 2, 3, 4) and weekend.weekdays == (5, 6)
    assert weekend.breaks[0].paid is False  # bool('no') would be True
    prob = prepare_problem(requirements([(8, 16, 1)], days=range(7)), agents, [week, weekend],
                           RosterRules(), RosterWeights())
    a, b = prob.agents
    assert a.unavailable_days == frozenset({0, 1, 2, 3}) and a.preferred_days_off == frozenset({5, 6})
    assert b.unavailable_days == frozenset({2})  # Wednesday 9 December 2026


def test_what_cannot_be_planned_is_reported_before_solving():
    from routing_ml.scheduling._problem import prepare_problem

    req = pd.concat([requirements([(8, 16, 1)], days=range(5)),
                     requirements([(8, 12, 2)], days=range(5), queue="chat"),
                     requirements([(8, 9, 1)], days=[9])])  # day 9: the second week
    agents = pd.DataFrame({"agent_id": ["a", "b"], "skills": ["voice", "voice"]})
    with pytest.warns(UserWarning) as got:
        p = prepare_problem(req, agents, [DAY], RosterRules(), RosterWeights(), weeks=1)
    assert len(p.notes) == 2 and [str(w.message) for w in got] == list(p.notes)
    assert "4 requirement rows (1 agent-hours" in p.notes[0] and "outside the roster horizon" in p.notes[0]
    assert "queue 'chat' needs 40 agent-hours but no agent can work it" in p.notes[1]
    with pytest.raises(ValueError, match="no requirement falls inside the roster horizon"):
        prepare_problem(req, agents, [DAY], RosterRules(), RosterWeights(), start="2027-01-04")
