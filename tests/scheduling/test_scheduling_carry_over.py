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
    # without it, nobody can cover Monday 00:00-06:00 (no shift of the horizon starts
    # before), and the note says where the fix is
    with pytest.warns(UserWarning, match=r"start of the horizon.*night shift that starts the "
                                         r"day before.*previous_roster"):
        alone = build_roster(req, agents, [night], rules, weights=no_soft, config=cfg)
    assert alone.kpis.hours_under == 6
    # two agents of last week for one required: the surplus is not this plan's over-staffing
    two = pd.concat([prev, _previous("b", [-1], 22).assign(unique_id="voice")])
    res2 = build_roster(req, agents, [night], rules, weights=no_soft, config=cfg, previous_roster=two)
    first = res2.coverage.loc[res2.coverage["ds"] < MONDAY + pd.Timedelta(hours=6)]
    assert (first["scheduled"] == 1).all() and res2.kpis.hours_over == 0


def test_no_day_is_taken_off_when_the_run_is_already_broken(cfg, day_shift, no_soft):
    # Wed..Sun worked (5 in a row, at most 6): Monday is leave, so Tuesday stays workable
    req = pd.concat([requirements([(8, 16, 0)], days=[0]), requirements([(8, 16, 1)], days=range(1, 5))])
    agents = pd.DataFrame({"agent_id": ["a"], "unavailable": ["2026-12-07"]})
    rules = RosterRules(hard_coverage=True, max_consecutive_days=6, min_hours_per_week=0)
    res = build_roster(req, agents, [day_shift], rules, weights=no_soft, config=cfg,
                       previous_roster=_previous("a", range(-5, 0), 8))
    assert res.status.has_solution and res.violations.empty and _worked_days(res, "a") == [1, 2, 3, 4]
    # the same when last week's night shifts leave too little rest for Monday's day shift
    p = prepare_problem(req, pd.DataFrame({"agent_id": ["a"]}), [day_shift], rules,
                        previous_roster=_previous("a", range(-5, 0), 22))
    assert p.agents[0].carry_over_window == () and p.options[0][0] == () and p.options[0][1] != ()


@pytest.mark.parametrize("method", ["auto", "cp-sat"])
def test_the_solver_chooses_the_day_off_of_a_carried_streak(cfg, day_shift, no_soft, method):
    # Wed..Sun worked, at most 6 in a row: Monday or Tuesday off; Monday needs nobody
    req = pd.concat([requirements([(8, 16, 0)], days=[0]), requirements([(8, 16, 1)], days=range(1, 5))])
    agents = pd.DataFrame({"agent_id": ["a"]})
    rules = RosterRules(max_consecutive_days=6, hard_coverage=True, min_hours_per_week=0)
    prev = _previous("a", range(-5, 0), 8)
    p = prepare_problem(req, agents, [day_shift], rules, previous_roster=prev)
    assert p.agents[0].carry_over_window == (0, 1) and p.options[0][0] and p.options[0][1]
    res = build_roster(req, agents, [day_shift], rules, weights=no_soft, config=cfg,
                       previous_roster=prev, method=method)
    assert res.status.has_solution and res.violations.empty
    assert _worked_days(res, "a") == [1, 2, 3, 4]  # Monday off, Tuesday worked


def test_the_window_of_a_carried_streak_with_night_shifts_carried_into_it(day_shift):
    # 'a' worked Wed..Sun (day shifts), at most 6 in a row: Monday or Tuesday off (the
    # solver chooses). Monday's night is staffed by last week's night shift ('n').
    req = pd.concat([requirements([(0, 6, 1), (8, 16, 2)], days=[0]), requirements([(0, 6, 2), (8, 16, 1)], days=[1]),
                     requirements([(8, 16, 1)], days=range(2, 5))])
    night = ShiftTemplate(name="night", start_minutes=22 * 60, lengths_minutes=(480,))
    agents = pd.DataFrame({"agent_id": ["a", "n"], "latest_end": ["18:00", ""]})
    prev = pd.concat([_previous("a", range(-5, 0), 8), _previous("n", [-1], 22)], ignore_index=True)
    p = prepare_problem(req, agents, [day_shift, night], RosterRules(max_consecutive_days=6),
                        previous_roster=prev.assign(unique_id="voice"))
    assert p.carried is not None and p.carried[0, :24].sum() == 24
    assert all(p.variants[v].name == "day" for day in p.options[0] for v, _ in day)
    assert p.agents[0].carry_over_window == (0, 1) and p.options[0][0] and p.options[0][1]


def test_breaks_of_a_carried_night_shift_do_not_staff(cfg, no_soft):
    night = ShiftTemplate(name="night", start_minutes=22 * 60, lengths_minutes=(480,))
    req = requirements([(0, 6, 1), (22, 24, 1)], days=range(7))
    prev = _previous("a", [-1], 22).assign(unique_id="voice", breaks="01:00-01:30 lunch")
    p = prepare_problem(req, pd.DataFrame({"agent_id": ["a", "b"]}), [night], RosterRules(min_hours_per_week=0),
                        previous_roster=prev)
    # 00:00-06:00 staffed by the carried shift except 01:00-01:30 (two quarter-hours)
    assert p.carried[0, :24].tolist() == [1] * 4 + [0] * 2 + [1] * 18
    assert p.required[0, 4:6].tolist() == [1, 1]
    with pytest.raises(ScheduleInputError, match="column 'breaks' of row 0 has 'lunch at one'"):
        prepare_problem(req, pd.DataFrame({"agent_id": ["a"]}), [night],
                        previous_roster=prev.assign(breaks="lunch at one"))


def test_previous_roster_timestamps_iso_only_and_not_the_breaks_file(day_shift):
    req = requirements([(8, 16, 1)])
    agents = pd.DataFrame({"agent_id": ["a"]})
    # a day/month date re-saved by a spreadsheet that reads both ways is refused, not read
    # as June; one that reads one way only (16/12) is that date, as the other inputs read it
    eu = pd.DataFrame({"agent_id": ["a"], "start": ["06/12/2026 16:00"], "end": ["07/12/2026 00:00"]})
    with pytest.raises(ScheduleInputError, match="reads both day-first and month-first"):
        prepare_problem(req, agents, [day_shift], previous_roster=eu)
    from routing_ml.frames import DAYFIRST

    token = DAYFIRST.set(True)  # the command line's --dayfirst
    try:
        p = prepare_problem(req, agents, [day_shift], previous_roster=eu)
    finally:
        DAYFIRST.reset(token)
    # Sunday 6 Dec 16:00 to Monday 00:00 (the horizon starts Monday 7 Dec): not 12 June
    assert (p.agents[0].previous_end_minutes, p.agents[0].previous_streak) == (0, 1)
    late = eu.assign(start=["13/12/2026 08:00"], end=["13/12/2026 16:00"])
    with pytest.raises(ScheduleInputError, match="inside the new horizon"):
        prepare_problem(req, agents, [day_shift], previous_roster=late)  # read as 13 Dec
    # ISO with and without seconds in one file is fine
    mixed = pd.DataFrame({"agent_id": ["a", "a"], "start": ["2026-12-05 08:00", "2026-12-06 08:00:00"],
                          "end": ["2026-12-05 16:00", "2026-12-06 16:00:00"]})
    assert prepare_problem(req, agents, [day_shift], previous_roster=mixed).agents[0].previous_streak == 2
    brk = pd.DataFrame({"agent_id": ["a"], "date": ["2026-12-06"], "break": ["lunch"],
                        "start": ["2026-12-06 12:00"], "end": ["2026-12-06 12:30"], "paid": [False]})
    with pytest.raises(ScheduleInputError, match="looks like the breaks file"):
        prepare_problem(req, agents, [day_shift], previous_roster=brk)


def test_min_hours_reason_names_what_the_previous_roster_takes(cfg, day_shift, no_soft):
    req = requirements([(8, 16, 1)])
    agents = pd.DataFrame({"agent_id": ["a"], "min_hours_per_week": [40], "unavailable": ["Sat;Sun"]})
    res = build_roster(req, agents, [day_shift], RosterRules(max_consecutive_days=6), weights=no_soft,
                       config=cfg, previous_roster=_previous("a", range(-3, 0), 8))
    assert res.status.value == "infeasible"
    assert ("previous_roster: one of 2026-12-07..2026-12-10 off after 3 working day(s) in a row "
            "before the horizon") in res.reason


def test_no_day_is_forced_off_when_max_days_per_week_leaves_one_anyway(cfg, day_shift, no_soft):
    # Sunday worked (1 in a row, at most 6): the 6-day window holds a day off anyway with
    # max_days_per_week=5; forcing Wednesday (the day nobody is needed) made 40 h impossible
    req = pd.concat([requirements([(8, 16, 1)], days=[0, 1, 3, 4, 5, 6]), requirements([(8, 16, 0)], days=[2])])
    agents = pd.DataFrame({"agent_id": ["ben"], "min_hours_per_week": [40], "unavailable": ["Sun"]})
    rules = RosterRules(max_consecutive_days=6, max_days_per_week=5, min_consecutive_days_off=2)
    res = build_roster(req, agents, [day_shift], rules, weights=no_soft, config=cfg,
                       previous_roster=_previous("ben", [-1], 8))
    assert res.status.has_solution and res.violations.empty
    assert res.kpis.paid_hours == 40


def test_previous_roster_with_utc_offsets_is_a_clear_error(day_shift):
    req = requirements([(8, 16, 1)])
    agents = pd.DataFrame({"agent_id": ["a"]})
    mixed = pd.DataFrame({"agent_id": ["a", "a"], "start": ["2026-10-24T22:00:00+02:00", "2026-10-25T22:00:00+01:00"],
                          "end": ["2026-10-25T06:00:00+02:00", "2026-10-26T06:00:00+01:00"]})
    for prev in (mixed, mixed.iloc[:1]):
        with pytest.raises(ScheduleInputError, match="has UTC offsets or time zones"):
            prepare_problem(req, agents, [day_shift], previous_roster=prev)


def test_previous_roster_without_unique_id_says_its_night_shifts_are_not_counted(day_shift):
    req = requirements([(0, 6, 1), (8, 16, 1)])
    agents = pd.DataFrame({"agent_id": ["a"]})
    with pytest.warns(UserWarning, match="no 'unique_id' column: its shifts that run into the horizon"):
        prepare_problem(req, agents, [day_shift], previous_roster=_previous("a", [-1], 22))


@pytest.mark.parametrize("method", ["auto", "cp-sat"])
def test_a_carried_streak_does_not_make_a_feasible_plan_infeasible(method):
    # 'a' (chat and voice) worked Sat and Sun; at most 3 in a row: Monday or Tuesday off.
    # Monday needs 1 h of chat, which only 'a' serves; Tuesday 8 h of voice, which 'b'
    # serves too. Monday (the least demand) was taken off before solving: INFEASIBLE.
    mon = MONDAY
    rows = [("chat", mon + pd.Timedelta(hours=9), 1)]
    rows += [("voice", mon + pd.Timedelta(days=1, hours=h), 1) for h in range(8, 16)]
    rows += [("voice", mon + pd.Timedelta(days=6, hours=8), 0)]
    req = pd.DataFrame(rows, columns=["unique_id", "ds", "agents"])
    agents = pd.DataFrame({"agent_id": ["a", "b"], "skills": ["chat;voice", "voice"]})
    shifts = [ShiftTemplate(name="day", start_minutes=480, lengths_minutes=(480,))]
    rules = RosterRules(max_consecutive_days=3, min_rest_hours=12, hard_coverage=True)
    prev = _previous("a", [-2, -1], 8).assign(unique_id="voice")
    from routing_ml.scheduling import SolverConfig

    res = build_roster(req, agents, shifts, rules, interval_minutes=60, previous_roster=prev,
                       method=method, config=SolverConfig(num_workers=1, time_limit_seconds=5,
                                                          random_seed=0))
    assert res.status.has_solution, res.reason
    assert res.violations.empty and res.kpis.hours_under == 0
    worked = res.roster.loc[res.roster["agent_id"] == "a", "date"]
    assert pd.Timestamp(mon) in set(pd.to_datetime(worked))  # 'a' takes Tuesday off
