"""Large multi-week rosters solved one week after another (``build_roster`` ``method="weeks"``)."""

from __future__ import annotations

import pandas as pd
import pytest
from scheduling_helpers import requirements

from routing_ml.scheduling import SolverConfig, build_roster, check_roster, prepare_problem
from routing_ml.scheduling import roster as roster_module
from routing_ml.scheduling._weeks import plan_from_frames


@pytest.fixture(scope="module")
def two_weeks(mixed_instance):
    """The mixed instance over two weeks; week 2's Monday 00:00-06:00 can only be staffed
    by week 1's Sunday night shift."""
    req, agents, shifts, rules = mixed_instance
    second = req.assign(ds=req["ds"] + pd.Timedelta(days=7))
    monday_night = requirements([(0, 6, 1)], queue="voice", days=[7])
    return pd.concat([req, second, monday_night], ignore_index=True), agents, shifts, rules


@pytest.fixture(scope="module")
def in_turn(two_weeks):
    """``build_roster`` with every multi-week problem treated as large (the 6-agent instance
    is far below the threshold) and its weeks solved in turn."""
    req, agents, shifts, rules = two_weeks
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(roster_module, "weeks_in_turn", lambda p: p.n_weeks > 1)
        points = []
        res = build_roster(req, agents, shifts, rules, weeks=2, progress=points.append,
                           config=SolverConfig(num_workers=1, time_limit_seconds=6, random_seed=0))
    return res, points


def test_weeks_in_turn_give_a_valid_plan_of_the_whole_horizon(two_weeks, in_turn):
    req, agents, shifts, rules = two_weeks
    res, points = in_turn
    assert res.method == "weeks" and res.status.has_solution
    assert [w["week"] for w in res.solver_parameters["weeks"]] == [1, 2]
    dates = pd.to_datetime(res.roster["date"])
    assert dates.min() < res.horizon_start + pd.Timedelta(days=7) <= dates.max()
    p = prepare_problem(req, agents, shifts, rules, weeks=2)
    assert res.violations.empty and check_roster(res.roster, res.breaks, p).empty
    # the rest after week 1's last shifts holds into week 2 (checked above by check_roster)
    # and week 1's Sunday night shift staffs week 2's first Monday night
    cov = res.coverage
    monday_night = cov[(cov["unique_id"] == "voice") & (pd.to_datetime(cov["ds"]) >= res.horizon_start
                                                       + pd.Timedelta(days=7))].head(24)
    sunday_night = res.roster[(res.roster["shift"] == "night")
                              & (pd.to_datetime(res.roster["date"]) == res.horizon_start + pd.Timedelta(days=6))]
    assert len(sunday_night) == 0 or (monday_night["scheduled"] > 0).all()
    # progress: timed from the call, the last point is the horizon's result
    times = [pt.wall_time_seconds for pt in points]
    assert len(points) >= 3 and times == sorted(times) and times[-1] <= res.wall_time_seconds
    assert points[-1].objective == pytest.approx(res.objective)
    assert points[-1].best_bound == pytest.approx(res.best_bound)


def test_weeks_in_turn_objective_and_bound_are_the_horizons(two_weeks, in_turn):
    req, agents, shifts, rules = two_weeks
    res, points = in_turn
    p = prepare_problem(req, agents, shifts, rules, weeks=2)
    # the objective is the horizon's (the CP-SAT model's terms), recomputed from the frames
    from routing_ml.scheduling._patterns import plan_objective

    plan, placed = plan_from_frames(p, res.roster, res.breaks)
    assert res.objective == pytest.approx(plan_objective(p, plan, placed))
    # the bound is the first week's, a relaxation: never above a plan of the whole horizon
    first = res.solver_parameters["weeks"][0]["best_bound"]
    assert res.best_bound == pytest.approx(min(first, res.objective))
    at_once = build_roster(req, agents, shifts, rules, weeks=2, method="cp-sat",
                           config=SolverConfig(num_workers=1, time_limit_seconds=8, random_seed=0))
    assert at_once.method == "cp-sat" and at_once.objective is not None
    assert res.best_bound <= at_once.objective + 1e-6
    assert 0 <= res.gap <= 1


def test_plan_from_frames_round_trip(two_weeks, in_turn):
    req, agents, shifts, rules = two_weeks
    res = in_turn[0]
    p = prepare_problem(req, agents, shifts, rules, weeks=2)
    plan, placed = plan_from_frames(p, res.roster, res.breaks)
    assert len(plan) == len(res.roster) and sum(map(len, placed.values())) == len(res.breaks)
    roster, breaks = roster_module.roster_frames_from_plan(p, plan, placed)
    pd.testing.assert_frame_equal(roster, res.roster)
    pd.testing.assert_frame_equal(breaks, res.breaks)


def test_small_multi_week_rosters_keep_the_whole_horizon_model(two_weeks):
    req, agents, shifts, rules = two_weeks
    p = prepare_problem(req, agents, shifts, rules, weeks=2)
    assert not roster_module.weeks_in_turn(p)
    one = prepare_problem(req[pd.to_datetime(req["ds"]) < p.start + pd.Timedelta(days=7)], agents, shifts,
                          rules, weeks=1)
    assert not roster_module.weeks_in_turn(one)


# -- weeks planned alone (no shift across midnight), the join mended -------------------------------

def _two_shift_problem(min_hours=0.0, max_consecutive_days=6):
    from routing_ml.scheduling import RosterRules, ShiftTemplate

    shifts = [ShiftTemplate(name="day", start_minutes=8 * 60, lengths_minutes=(480,)),
              ShiftTemplate(name="late", start_minutes=14 * 60, lengths_minutes=(480,))]
    req = requirements([(8, 22, 1)], days=range(14))
    agents = pd.DataFrame({"agent_id": ["a", "b"]})
    rules = RosterRules(min_hours_per_week=min_hours, max_hours_per_week=56, max_days_per_week=7,
                        max_consecutive_days=max_consecutive_days, min_rest_hours=12, min_consecutive_days_off=0)
    return prepare_problem(req, agents, shifts, rules, weeks=2)


def _variant(p, name):
    return next(i for i, v in enumerate(p.variants) if v.name == name)


def test_repair_join_splits_a_run_of_working_days_across_the_join():
    from routing_ml.scheduling._weeks import _join_conflict, repair_join

    p = _two_shift_problem()
    day = _variant(p, "day")
    plan = {(0, d): (day, 0) for d in range(2, 12)}  # Wednesday .. next Friday: 10 days in a row
    assert _join_conflict(p, plan, 0, 7)
    assert repair_join(p, plan, {}, 7)
    worked = sorted(d for (a, d) in plan if a == 0)
    assert len(worked) == 9  # one day dropped is enough, where both parts keep <= 6 days
    runs, run = [], 1
    for x, y in zip(worked, worked[1:], strict=False):
        run = run + 1 if y == x + 1 else (runs.append(run), 1)[1]
    runs.append(run)
    assert max(runs) <= 6 and not _join_conflict(p, plan, 0, 7)


def test_repair_join_restores_the_rest_across_the_join():
    from routing_ml.scheduling._weeks import repair_join

    p = _two_shift_problem()
    late, day = _variant(p, "late"), _variant(p, "day")
    plan = {(0, 6): (late, 0), (0, 7): (day, 0)}  # Sunday until 22:00, Monday from 08:00: 10 h of rest
    assert repair_join(p, plan, {}, 7)
    assert len(plan) == 1 and ((0, 6) in plan or (0, 7) in plan)


def test_repair_join_refuses_to_break_the_minimum_hours():
    from routing_ml.scheduling._weeks import repair_join

    p = _two_shift_problem(min_hours=40)  # 5 shifts of 8 h a week, none to spare
    day = _variant(p, "day")
    plan = {(0, d): (day, 0) for d in (2, 3, 4, 5, 6, 7, 8, 9, 10, 11)}
    assert not repair_join(p, plan, {}, 7)


def test_weeks_planned_alone_sum_their_bounds(monkeypatch):
    from routing_ml.scheduling import RosterRules, ShiftTemplate
    from routing_ml.scheduling._weeks import horizon_bound

    shifts = [ShiftTemplate(name="day", start_minutes=7 * 60, latest_start_minutes=9 * 60, start_step_minutes=60,
                            lengths_minutes=(480,)),
              ShiftTemplate(name="late", start_minutes=13 * 60, latest_start_minutes=14 * 60,
                            start_step_minutes=60, lengths_minutes=(480,))]
    req = pd.concat([requirements([(7, 14, 2), (14, 22, 2)], days=range(14)),
                     requirements([(9, 17, 1)], queue="chat", days=[d for d in range(14) if d % 7 < 5])],
                    ignore_index=True)
    agents = pd.DataFrame({"agent_id": list("abcdefg"),
                           "skills": ["voice", "voice", "voice", "voice;chat", "voice;chat", "chat", "voice"]})
    rules = RosterRules(min_hours_per_week=16, max_hours_per_week=48, max_days_per_week=6, max_consecutive_days=6,
                        min_rest_hours=12, min_consecutive_days_off=1)
    monkeypatch.setattr(roster_module, "weeks_in_turn", lambda p: p.n_weeks > 1)
    res = build_roster(req, agents, shifts, rules, weeks=2,
                       config=SolverConfig(num_workers=1, time_limit_seconds=6, random_seed=0))
    assert res.method == "weeks" and res.violations.empty
    assert res.solver_parameters["bound_of"] == "every week planned alone"
    weekly = res.solver_parameters["weeks"]
    assert weekly[0]["how"] == "first week"
    assert weekly[1]["how"] in ("planned alone, join mended", "previous weeks carried over")
    p = prepare_problem(req, agents, shifts, rules, weeks=2)
    # each week's bound is that of the week planned alone: their sum less the weekend overlap
    overlap = p.weights.weekend_fairness_per_day * 2
    alone = [w["best_bound"] for w in weekly] if weekly[1]["how"] != "previous weeks carried over" else None
    if alone is not None:
        assert res.best_bound == pytest.approx(min(sum(alone) - overlap, res.objective))
    assert horizon_bound(p, [10.0, None]) == 10.0
    # the bound holds: never above a plan of the whole horizon found at once
    at_once = build_roster(req, agents, shifts, rules, weeks=2, method="cp-sat",
                           config=SolverConfig(num_workers=1, time_limit_seconds=10, random_seed=0))
    assert res.best_bound <= at_once.objective + 1e-6
    assert res.best_bound > weekly[0]["best_bound"]  # more than the first week's alone
