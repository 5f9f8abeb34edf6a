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
    """The mixed instance over two weeks, its night agent ('eva') off on Mondays and
    Tuesdays: week 2's Monday 00:00-06:00 can only be staffed by week 1's Sunday night shift."""
    req, agents, shifts, rules = mixed_instance
    agents = agents.assign(unavailable=agents["unavailable"].where(agents["agent_id"] != "eva", "Mon;Tue"))
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
        mp.setattr(roster_module, "horizon_patterns", lambda p, c: None)  # weekly patterns too many to list
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
    assert len(sunday_night) == 1 and (monday_night["scheduled"] == 1).all()
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


def test_a_week_that_cannot_be_rostered_alone_falls_back_to_the_whole_horizon(monkeypatch, day_shift):
    # three weeks with nothing required in the second: that week alone is an error (no
    # requirement row), so the horizon is solved at once instead of raising
    req = requirements([(8, 16, 1)], days=[0, 1, 2, 14, 15])
    agents = pd.DataFrame({"agent_id": ["a", "b"]})
    monkeypatch.setattr(roster_module, "weeks_in_turn", lambda p: p.n_weeks > 1)
    monkeypatch.setattr(roster_module, "horizon_patterns", lambda p, c: None)  # weekly patterns too many to list
    res = build_roster(req, agents, [day_shift], config=SolverConfig(num_workers=1, time_limit_seconds=3))
    assert res.method == "cp-sat" and res.days == 21 and res.status.has_solution and res.violations.empty
    assert res.kpis.hours_under == 0


def test_weeks_planned_by_column_generation_sum_their_bounds(monkeypatch):
    """Without shifts across midnight each later week adds the Lagrangian bound of that week
    planned alone (at its plan's multipliers): the sum, less the weekend overlap, stays below
    any plan of the whole horizon."""
    from test_scheduling_colgen import SHIFTS, _agents

    import routing_ml.scheduling._patterns as patterns
    from routing_ml.scheduling import RosterRules, RosterWeights
    from routing_ml.scheduling._weeks import horizon_bound

    voice = requirements([(6, 10, 2), (10, 16, 4), (16, 22, 2)], days=range(14), queue="voice")
    chat = requirements([(8, 20, 1)], days=[d for d in range(14) if d % 7 < 5], queue="chat")
    req = pd.concat([voice, chat], ignore_index=True)
    agents = _agents(9)
    rules = RosterRules(min_hours_per_week=16, max_hours_per_week=40, max_days_per_week=5, max_consecutive_days=6,
                        min_rest_hours=12, min_consecutive_days_off=2)
    monkeypatch.setattr(patterns, "MAX_PATTERNS", 10)  # weeks too many to list: column generation
    monkeypatch.setattr(roster_module, "COLGEN_MIN_ASSIGNMENTS", 0)
    monkeypatch.setattr(roster_module, "horizon_patterns", lambda p, c: None)  # weekly patterns too many to list
    res = build_roster(req, agents, SHIFTS, rules, weeks=2,
                       config=SolverConfig(num_workers=1, time_limit_seconds=16, random_seed=0))
    assert res.method == "weeks" and res.violations.empty
    weekly = res.solver_parameters["weeks"]
    assert [w["method"] for w in weekly] == ["patterns", "patterns"]
    assert weekly[1]["bound_alone"] is not None and weekly[1]["bound_alone"] > 0
    assert res.solver_parameters["bound_of"] == "every week (the later ones planned alone)"
    p = prepare_problem(req, agents, SHIFTS, rules, RosterWeights(), weeks=2)
    bounds = [w["bound_alone"] for w in weekly]
    assert res.best_bound == pytest.approx(min(horizon_bound(p, bounds), res.objective))
    assert res.best_bound > bounds[0]  # more than the first week's alone
    at_once = build_roster(req, agents, SHIFTS, rules, weeks=2, method="cp-sat",
                           config=SolverConfig(num_workers=1, time_limit_seconds=10, random_seed=0))
    assert res.best_bound <= at_once.objective + 1e-6


def test_with_night_shifts_a_later_week_is_bounded_without_the_hours_the_week_before_may_staff(monkeypatch):
    """A Sunday night shift staffs the next Monday's first hours, which week 2 planned alone
    cannot staff: its bound leaves them out (``rows_alone``). Here they weigh 50x: week 2
    alone with them counted is bounded far above a plan of the whole horizon, without them
    the weeks' bounds add up below it."""
    from test_scheduling_colgen import SHIFTS, _agents

    import routing_ml.scheduling._colgen as colgen
    import routing_ml.scheduling._patterns as patterns
    from routing_ml.scheduling import RosterRules, ShiftTemplate
    from routing_ml.scheduling._colgen import lagrangian_bound, solve_colgen_model
    from routing_ml.scheduling._weeks import horizon_bound, rows_alone, spill_minutes

    shifts = [*SHIFTS, ShiftTemplate(name="night", start_minutes=22 * 60, lengths_minutes=(480,))]
    voice = requirements([(0, 6, 1), (6, 10, 2), (10, 16, 3), (16, 22, 2), (22, 24, 1)], days=range(14),
                         queue="voice")
    chat = requirements([(8, 20, 1)], days=[d for d in range(14) if d % 7 < 5], queue="chat")
    req = pd.concat([voice, chat], ignore_index=True)
    ds = pd.to_datetime(req["ds"])
    start = ds.min().normalize()
    week2 = start + pd.Timedelta(days=7)
    req["weight"] = 1.0
    req.loc[ds.between(week2, week2 + pd.Timedelta(hours=5, minutes=45)), "weight"] = 50.0
    agents = _agents(12)
    rules = RosterRules(min_hours_per_week=16, max_hours_per_week=40, max_days_per_week=5, max_consecutive_days=6,
                        min_rest_hours=12, min_consecutive_days_off=2)
    p = prepare_problem(req, agents, shifts, rules, weeks=2)
    assert spill_minutes(p) == 6 * 60
    monkeypatch.setattr(patterns, "MAX_PATTERNS", 10)
    monkeypatch.setattr(roster_module, "COLGEN_MIN_ASSIGNMENTS", 0)
    monkeypatch.setattr(roster_module, "horizon_patterns", lambda p, c: None)  # weekly patterns too many to list
    calls = []  # (multipliers, bound) of each Lagrangian bound taken

    def spy(problem, duals, **kw):
        got = lagrangian_bound(problem, duals, **kw)
        calls.append((duals, got))
        return got

    monkeypatch.setattr(colgen, "lagrangian_bound", spy)
    res = build_roster(req, agents, shifts, rules, weeks=2,
                       config=SolverConfig(num_workers=1, time_limit_seconds=12, random_seed=0))
    assert res.method == "weeks" and res.violations.empty
    weekly = res.solver_parameters["weeks"]
    assert res.solver_parameters["bound_of"] == "every week (the later ones planned alone)"
    # week 2 alone is bounded at its own multipliers and at week 1's; the better one counts
    assert len(calls) == 2 and calls[0][0] is not calls[1][0]
    assert weekly[1]["bound_alone"] == max(b for _, b in calls)
    assert res.best_bound > weekly[0]["bound_alone"]
    at_once = build_roster(req, agents, shifts, rules, weeks=2, method="cp-sat",
                           config=SolverConfig(num_workers=1, time_limit_seconds=10, random_seed=0))
    assert horizon_bound(p, [w["bound_alone"] for w in weekly]) <= at_once.objective + 1e-6
    # week 2 alone, bounded by its own column generation: valid once its first 6 hours are out
    rows = req[ds >= week2]
    kept = rows_alone(rows, week2, spill_minutes(p))
    assert len(rows) - len(kept) == 6 * 4 and pd.to_datetime(kept["ds"]).min() == week2 + pd.Timedelta(hours=6)

    def week2_bound(r: pd.DataFrame) -> float:
        alone = solve_colgen_model(prepare_problem(r, agents, shifts, rules, weeks=1, start=week2),
                                   time_limit_seconds=4)
        assert alone is not None
        return alone.bound

    assert horizon_bound(p, [weekly[0]["bound_alone"], week2_bound(kept)]) <= at_once.objective + 1e-6
    assert week2_bound(rows) > at_once.objective


def test_horizon_bound_counts_the_weekend_once_and_unknown_weeks_as_zero(mixed_instance):
    from routing_ml.scheduling import RosterWeights, ShiftTemplate
    from routing_ml.scheduling._weeks import bound_of, horizon_bound

    req, agents, shifts, rules = mixed_instance
    day = [s for s in shifts if s.name != "night"] + [ShiftTemplate(name="n2", start_minutes=16 * 60,
                                                                   lengths_minutes=(480,))]
    days_only = req[pd.to_datetime(req["ds"]).dt.hour.between(7, 23)]
    two = pd.concat([days_only, days_only.assign(ds=days_only["ds"] + pd.Timedelta(days=7))], ignore_index=True)
    p = prepare_problem(two, agents.assign(earliest_start="", latest_end=""), day, rules,
                        RosterWeights(weekend_fairness_per_day=5), weeks=2)
    assert horizon_bound(p, [100.0, 90.0]) == 100.0 + 90.0 - 5 * 2
    assert horizon_bound(p, [100.0, None]) == 100.0  # never below week 1
    three = prepare_problem(pd.concat([two, days_only.assign(ds=days_only["ds"] + pd.Timedelta(days=14))],
                                      ignore_index=True), agents.assign(earliest_start="", latest_end=""), day,
                            rules, RosterWeights(weekend_fairness_per_day=5), weeks=3)
    assert horizon_bound(three, [100.0, None, 90.0]) == 100.0 + 0.0 + 90.0 - 5 * (6 - 2)  # unknown: 0
    assert bound_of([100.0, None, 90.0]) == "week(s) 1, 3; week(s) 2 count 0 (no valid bound of their own)"


def test_a_week_listing_fewer_queues_than_the_horizon_adds_no_bound(monkeypatch):
    """Queue 'x' is listed in week 1 only. In the horizon the agents may work it in week 2 at
    no cost (unlisted: no over-staffing); in week 2 planned alone they may not, so that
    week is not a relaxation (a bound of it can exceed the horizon's optimum: with one agent
    and 16 h a week, 70 against 0). Its bound counts 0 and the result says so. The
    requirements' dates are day-first text, parsed once for every week."""
    import routing_ml.scheduling._patterns as patterns
    from routing_ml.scheduling import RosterRules, ShiftTemplate

    day = ShiftTemplate(name="day", start_minutes=8 * 60, latest_start_minutes=10 * 60, start_step_minutes=60,
                        lengths_minutes=(480,))
    req = pd.concat([requirements([(8, 12, 2), (12, 18, 1)], days=range(7), queue="voice"),
                     requirements([(8, 16, 0)], days=range(7, 14), queue="voice"),
                     requirements([(8, 16, 1)], days=[0, 1, 2], queue="x")], ignore_index=True)
    agents = pd.DataFrame({"agent_id": ["a", "b", "c"]})  # no skills column: every queue of the frame
    rules = RosterRules(min_hours_per_week=16)
    monkeypatch.setattr(patterns, "MAX_PATTERNS", 1)  # column generation, its multipliers for week 2
    monkeypatch.setattr(roster_module, "COLGEN_MIN_ASSIGNMENTS", 0)
    monkeypatch.setattr(roster_module, "horizon_patterns", lambda p, c: None)  # weekly patterns too many to list
    monkeypatch.setattr(roster_module, "weeks_in_turn", lambda p: p.n_weeks > 1)
    text = req.assign(ds=pd.to_datetime(req["ds"]).dt.strftime("%d/%m/%Y %H:%M"))
    res = build_roster(text, agents, [day], rules, weeks=2,
                       config=SolverConfig(num_workers=1, time_limit_seconds=6, random_seed=0))
    assert res.method == "weeks" and res.violations.empty
    weekly = res.solver_parameters["weeks"]
    assert [w["method"] for w in weekly] == ["patterns", "patterns"]
    assert weekly[0]["bound_alone"] is not None and weekly[1]["bound_alone"] is None
    assert res.solver_parameters["bound_of"] == "week(s) 1; week(s) 2 count 0 (no valid bound of their own)"
    at_once = build_roster(req, agents, [day], rules, weeks=2, method="cp-sat",
                           config=SolverConfig(num_workers=1, time_limit_seconds=5, random_seed=0))
    assert res.best_bound <= at_once.objective + 1e-6


def test_a_large_horizon_whose_weekly_patterns_can_be_listed_is_solved_whole():
    """pyworkforce's example scaled to 180 people x 2 weeks (10,080 agent-day-shift triples,
    past the threshold of the weeks in turn): its weekly patterns are few, so the horizon's
    pattern model (flows between the weeks) solves it and bounds the whole horizon. Rostered
    week after week instead, the bound counted week 1 only: gap 0.75 at 220 people x 4 weeks
    in bench_scheduling.md, where the horizon model proves 0.5 %."""
    from routing_ml.scheduling import RosterRules, ShiftTemplate

    times = {"Morning": (6 * 60, 480), "Afternoon": (14 * 60, 480), "Night": (22 * 60, 480),
             "Mixed": (10 * 60, 360)}
    need = {"Morning": [26, 35, 23, 29, 38, 13, 10], "Afternoon": [26, 29, 23, 26, 29, 16, 13],
            "Night": [13, 13, 13, 13, 13, 10, 10], "Mixed": [6, 6, 6, 6, 6, 3, 3]}
    monday = pd.Timestamp("2026-12-07")
    req = pd.DataFrame([(s, monday + pd.Timedelta(days=d, minutes=times[s][0]), need[s][d % 7])
                        for s in times for d in range(14)], columns=["unique_id", "ds", "agents"])
    agents = pd.DataFrame({"agent_id": [f"r{i:03d}" for i in range(180)]})
    shifts = [ShiftTemplate(name=s, start_minutes=t, lengths_minutes=(n,), queues=(s,)) for s, (t, n) in times.items()]
    rules = RosterRules(min_hours_per_week=30, max_hours_per_week=40, max_days_per_week=5, max_consecutive_days=6,
                        min_rest_hours=11, min_consecutive_days_off=2)
    p = prepare_problem(req, agents, shifts, rules, weeks=2)
    assert roster_module.weeks_in_turn(p)  # large enough for the weeks in turn ...
    # 40 s: listing the horizon's patterns may take 5 % of the limit, at most 2 s (it takes
    # 0.1-0.2 s on an idle machine); with 12 s (0.6 s), and once with 30 s (1.5 s) in a
    # fresh-clone CI run, a loaded machine ran out and fell back to the weeks in turn
    config = SolverConfig(num_workers=1, time_limit_seconds=40, random_seed=0, relative_gap_limit=0.01)
    whole = roster_module.horizon_patterns(p, config)
    assert whole is not None
    res = build_roster(req, agents, shifts, rules, weeks=2, config=config)
    # ... yet bounded as one horizon, whichever plan is kept (the horizon model's, or the
    # weeks in turn when they do better)
    assert res.best_bound == pytest.approx(min(whole.bound, res.objective))
    assert res.objective <= whole.objective + 1e-9 and res.gap < 0.02
    assert res.violations.empty and check_roster(res.roster, res.breaks, p).empty
    if res.method == "weeks":
        assert res.solver_parameters["bound_of"].startswith("the whole horizon")
