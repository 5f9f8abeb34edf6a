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
    solve_shift_counts,
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
        # 8 December in Spanish order would be read as 12 August by pandas: refused (a day
        # above 12 in the column, or --dayfirst, says which)
        (pd.DataFrame({"agent_id": ["a"], "unavailable": ["08/12/2026"]}), "reads both day-first and month-first"),
        (pd.DataFrame({"agent_id": ["a"], "unavailable": ["Monsoon"]}), "neither a date"),
        (pd.DataFrame({"agent_id": ["a"], "preferred_days_off": ["Mo-Fr"]}), "not a range of weekdays"),
        (pd.DataFrame({"agent_id": ["a"], "preferred_days_off": ["Weekend"]}), "is not a weekday"),
        (pd.DataFrame({"agent_id": ["a"], "preferred_start": ["25:99"]}), "preferred_start must be a time"),
        # a misspelt column would leave every agent on its default (all skills, rule hours)
        (pd.DataFrame({"agent_id": ["a"], "skill": ["voice"]}), "column 'skill'.*did you mean 'skills'"),
        (pd.DataFrame({"agent_id": ["a"], "Skills": ["voice"]}), "did you mean 'skills'"),
        (pd.DataFrame({"agent_id": ["a"], "max_hours_per_wek": [20]}), "did you mean 'max_hours_per_week'"),
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
        (lambda: ShiftTemplate(name="x", start_minutes=420, latest_start_minutes=540, start_step_minutes=45,
                               lengths_minutes=(480,)),
         r"latest_start_minutes=540 is not on the grid .* Fix: use latest_start_minutes=510 or 555"),
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


# -- review fixes: YAML booleans and numbers, contradictory minimums, hourly requirements ----------

@pytest.mark.parametrize(("text", "expected"), [("'false'", False), ("'no'", False), ("false", False),
                                                ("'true'", True), ("yes", True)])
def test_yaml_hard_coverage_string_is_parsed_as_a_flag(tmp_path, text, expected):
    from routing_ml.scheduling import load_rules_yaml

    p = tmp_path / "s.yaml"
    p.write_text(f"shifts:\n  - {{name: a, start: '08:00', lengths_hours: [8]}}\nrules:\n  hard_coverage: {text}\n")
    rules, _ = load_rules_yaml(p)
    assert rules.hard_coverage is expected  # bool("false") would be True


def test_rules_reject_a_non_bool_hard_coverage():
    with pytest.raises(ValueError, match="hard_coverage must be True or False, got 'false'"):
        RosterRules(hard_coverage="false")


@pytest.mark.parametrize(
    ("section", "match"),
    [
        ("weights:\n  shift_cost: '0,01'\n", "s.yaml weights: shift_cost must be a number, got '0,01'.*decimal point"),
        ("rules:\n  min_rest_hours: eleven\n", "s.yaml rules: min_rest_hours must be a number, got 'eleven'"),
        ("rules:\n  max_days_per_week: 4.5\n", "s.yaml rules: max_days_per_week must be a whole number, got 4.5"),
        ("rules:\n  hard_coverage: maybe\n", "s.yaml rules: hard_coverage must be true or false, got 'maybe'"),
    ],
)
def test_yaml_rule_and_weight_values_name_the_field(tmp_path, section, match):
    from routing_ml.scheduling import load_rules_yaml

    p = tmp_path / "s.yaml"
    p.write_text("shifts:\n  - {name: a, start: '08:00', lengths_hours: [8]}\n" + section)
    with pytest.raises(ValueError, match=match):
        load_rules_yaml(p)


def test_yaml_numbers_as_strings_and_whole_floats_are_accepted(tmp_path):
    from routing_ml.scheduling import load_rules_yaml

    p = tmp_path / "s.yaml"
    p.write_text("shifts:\n  - {name: a, start: '08:00', lengths_hours: [8]}\n"
                 "rules:\n  max_days_per_week: 5.0\n  min_rest_hours: '11'\nweights:\n  shift_cost: '0.5'\n")
    rules, weights = load_rules_yaml(p)
    assert rules.max_days_per_week == 5 and isinstance(rules.max_days_per_week, int)
    assert rules.min_rest_hours == 11.0 and weights.shift_cost == 0.5


def test_solver_config_gap_that_is_not_a_number_names_the_field():
    with pytest.raises(ValueError, match="relative_gap_limit must be in \\[0, 1\\), got 'x'"):
        SolverConfig(relative_gap_limit="x")
    with pytest.raises(ValueError, match="relative_gap_limit"):
        SolverConfig(relative_gap_limit=float("nan"))


def test_template_queues_single_string_is_one_queue():
    t = ShiftTemplate(name="v", start_minutes=480, lengths_minutes=(480,), queues="voice")
    assert t.queues == ("voice",)  # not ('v', 'o', 'i', 'c', 'e')
    with pytest.raises(ValueError, match="queues must be None"):
        ShiftTemplate(name="v", start_minutes=480, lengths_minutes=(480,), queues=("voice", 3))


@pytest.mark.parametrize(("mc", "days"), [(1, 4), (2, 5), (3, 6), (6, 6), (7, 7)])
def test_max_working_days_per_week_counts_max_consecutive_days(mc, days):
    # at most mc days in a row: in 7 days a rest day is needed after each run of mc, e.g.
    # mc=1: W.W.W.W = 4; mc=2: WW.WW.W = 5; mc=3: WWW.WWW = 6; mc=7: all 7
    rules = RosterRules(max_consecutive_days=mc, max_days_per_week=7, min_consecutive_days_off=0)
    assert rules.max_working_days_per_week == days


def test_rule_minimum_beyond_a_week_is_rejected():
    # 200 h > 168 h in a week (and > 5 working days x 24 h)
    with pytest.raises(ValueError, match="min_hours_per_week=200 exceeds the 120 h a week can hold"):
        RosterRules(min_hours_per_week=200, max_hours_per_week=300)


def test_rule_minimum_beyond_working_days_times_longest_shift_is_rejected_before_solving():
    # max_consecutive_days=1 allows 4 working days; 4 x 8 h = 32 h < 40 h
    rules = RosterRules(max_consecutive_days=1, min_hours_per_week=40, max_hours_per_week=40,
                        min_consecutive_days_off=0)
    with pytest.raises(ValueError, match="min_hours_per_week=40 exceeds the 32 h a week can hold: at most 4"):
        build_roster(requirements([(8, 16, 1)]), AGENTS, [DAY], rules)
    # an agent overriding the rule minimum with a reachable one is not blocked by it
    agents = pd.DataFrame({"agent_id": ["a"], "min_hours_per_week": [24]})
    from routing_ml.scheduling._problem import prepare_problem

    assert prepare_problem(requirements([(8, 16, 1)]), agents, [DAY], rules).agents[0].min_minutes_per_week == 24 * 60


def test_hourly_requirements_with_15_minute_intervals_are_rejected():
    hourly = requirements([(8, 16, 1)], days=range(5))
    hourly = hourly[hourly["ds"].dt.minute == 0]  # one row per hour: a quarter of the hours
    with pytest.raises(ValueError, match="queue 'voice' has rows every 60 minutes but interval_minutes=15.*"
                                         "interval_minutes=60"):
        build_roster(hourly, AGENTS, [DAY])


def test_extra_agent_columns_that_are_not_typos_are_ignored():
    from routing_ml.scheduling._problem import _check_near_miss_columns

    _check_near_miss_columns(["agent_id", "name", "team", "skills", "email",
                              "max_hours_per_day", "hours_per_week"])


def test_weeks_beyond_the_requirements_are_refused():
    req = requirements([(8, 16, 1)], days=range(5))
    with pytest.raises(ValueError, match=r"weeks=2, but the requirements list no interval in week\(s\) \[2\]"):
        build_roster(req, AGENTS, [DAY], weeks=2)


def test_intervals_no_shift_can_cover_are_a_note():
    from routing_ml.scheduling._problem import prepare_problem

    # the day shift covers 08:00-16:00: requirements at 06:00-08:00 and 16:00-17:00 can
    # never be staffed
    req = requirements([(6, 17, 1)], days=[0])
    with pytest.warns(UserWarning, match=r"12 intervals need agents but no shift .* 06:00"):
        p = prepare_problem(req, AGENTS, [DAY], RosterRules(), RosterWeights())
    assert any("no shift that any agent may work" in n for n in p.notes)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        prepare_problem(requirements([(8, 16, 1)], days=[0]), AGENTS, [DAY], RosterRules(),
                        RosterWeights())


def test_leave_lowers_that_weeks_minimum_hours_only():
    from routing_ml.scheduling._problem import prepare_problem
    from routing_ml.scheduling.roster import precheck_infeasibility

    req = requirements([(8, 16, 1)], days=range(14))
    week2 = ";".join(str((pd.Timestamp("2026-12-14") + pd.Timedelta(days=d)).date()) for d in range(7))
    agents = pd.DataFrame({"agent_id": ["on_leave", "three_days", "sundays"],
                           "min_hours_per_week": [16, 28, 24],
                           "unavailable": [week2, "2026-12-08;2026-12-09;2026-12-10", "Sun;2026-12-08"]})
    p = prepare_problem(req, agents, [DAY], RosterRules(), RosterWeights(), start="2026-12-07")
    leave, three, sundays = p.agents
    assert (leave.min_minutes(0), leave.min_minutes(1)) == (16 * 60, 0)  # a week of leave
    assert (three.min_minutes(0), three.min_minutes(1)) == (28 * 60 * 4 // 7, 28 * 60)
    # a weekly day off is no leave: one day of leave among the six days worked
    assert (sundays.min_minutes(0), sundays.min_minutes(1)) == (24 * 60 * 5 // 6, 24 * 60)
    assert precheck_infeasibility(p) == []  # the week of leave no longer makes it infeasible


@pytest.mark.parametrize("make, match", [
    (lambda: RosterWeights(under_staffing_per_hour=1e15), r"RosterWeights.under_staffing_per_hour = 1e\+15 is above"),
    (lambda: RosterWeights(under_staffing_per_hour=1e8, under_staffing_tiers=((0.5, 100.0),)),
     "under_staffing_per_hour x the deepest tier's multiplier"),
    (lambda: ShiftTemplate(name="x", start_minutes=480, lengths_minutes=(480,), cost_per_hour=1e12), "cost_per_hour = 1e\\+12"),
    (lambda: solve_shift_counts(np.eye(2), [1, 1], [1e300, 1.0], method="cp-sat"), "cost of shift"),
    (lambda: solve_shift_counts(np.eye(2), [1, 1], [1.0, 1.0], under_weight=1e18, method="cp-sat"),
     "under_weight = 1e\\+18"),
])
def test_weights_and_costs_that_would_overflow_the_solvers_are_refused(make, match):
    # before: a silent MODEL_INVALID reported as "no solution within the time limit"
    with pytest.raises(ValueError, match=match + ".*scale every cost and weight down"):
        make()


def test_large_costs_are_fine_where_the_solver_works_in_floats():
    # HiGHS has no integer scaling: costs in cents or large weights solve as before
    a = np.array([[1, 0], [1, 1], [0, 1]])
    res = solve_shift_counts(a, [3, 5, 2], [2e6, 3e6], under_weight=1e12, method="highs")
    assert res.status.has_solution and list(res.counts) == [3, 2]
    assert RosterWeights(under_staffing_per_hour=1e6).under_staffing_per_hour == 1e6


def test_nan_shift_length_in_yaml_is_named(tmp_path):
    p = tmp_path / "shifts.yaml"
    p.write_text('shifts: [{name: e, start: "06:00", lengths_hours: [.nan]}]\n')
    with pytest.raises(ValueError, match=r"'e': lengths_hours \[nan\] must be finite numbers of hours > 0"):
        load_shifts_yaml(p)


def test_shift_cost_times_cost_per_hour_is_checked_as_one_coefficient():
    # each at 1e9 is fine, their product (1e18) overflowed CP-SAT while building the model
    t = ShiftTemplate(name="x", start_minutes=480, lengths_minutes=(480,), cost_per_hour=1e9)
    req = requirements([(8, 16, 1)], days=[0])
    with pytest.raises(ValueError, match="shift_cost x the largest cost_per_hour = 1e\\+18"):
        build_roster(req, pd.DataFrame({"agent_id": ["a"]}), [t], weights=RosterWeights(shift_cost=1e9))
