"""build_roster: golden objectives, hard rules (independent checker), skills, breaks, KPIs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scheduling_helpers import MONDAY, requirements

from routing_ml.scheduling import (
    RosterRules,
    RosterWeights,
    ShiftTemplate,
    SolveStatus,
    build_roster,
    build_roster_model,
    check_roster,
    prepare_problem,
)


def test_golden_one_agent_exact_cover(cfg, day_shift, no_soft):
    req = requirements([(8, 16, 1)], days=range(5))
    res = build_roster(req, pd.DataFrame({"agent_id": ["a"]}), [day_shift], RosterRules(), weights=no_soft, config=cfg)
    assert res.status is SolveStatus.OPTIMAL
    assert res.objective == pytest.approx(0.0)
    assert res.gap == pytest.approx(0.0)
    assert len(res.roster) == 5 and set(res.roster["date"].dt.weekday) == set(range(5))
    assert res.kpis.hours_under == 0 and res.kpis.hours_over == 0 and res.kpis.hard_rule_violations == 0


def test_golden_under_staffing_cost(cfg, day_shift, no_soft):
    # 2 needed 08-16 Mon-Fri, one agent: 5 days x 8 h x 1 missing agent x 100 per hour
    req = requirements([(8, 16, 2)], days=range(5))
    res = build_roster(req, pd.DataFrame({"agent_id": ["a"]}), [day_shift], RosterRules(), weights=no_soft, config=cfg)
    assert res.status is SolveStatus.OPTIMAL
    assert res.objective == pytest.approx(4000.0)
    assert res.lp_bound == pytest.approx(4000.0)  # HiGHS LP relaxation of the CP-SAT model
    assert res.kpis.hours_under == pytest.approx(40.0)
    assert res.kpis.intervals_understaffed == 5 * 32
    assert len(res.uncovered) == 5 * 32


def test_golden_weights_are_settable(cfg, day_shift):
    # 7 days needed, one agent may work 5: 2 days x 8 h uncovered at 7 per hour
    req = requirements([(8, 16, 1)])
    w = RosterWeights(under_staffing_per_hour=7, over_staffing_per_hour=0, unstable_start_per_day=0,
                      weekend_fairness_per_day=0, preference_per_day=0)
    res = build_roster(req, pd.DataFrame({"agent_id": ["a"]}), [day_shift], RosterRules(), weights=w, config=cfg)
    assert res.status is SolveStatus.OPTIMAL
    assert res.objective == pytest.approx(2 * 8 * 7)


def test_mixed_instance_respects_every_hard_rule(mixed_instance, mixed_result):
    req, agents, shifts, rules = mixed_instance
    res = mixed_result
    assert res.status.has_solution
    assert res.violations.empty and res.kpis.hard_rule_violations == 0
    assert res.lp_bound is None or res.lp_bound <= res.objective + 1e-6
    assert res.best_bound <= res.objective + 1e-6
    p = prepare_problem(req, agents, shifts, rules)
    assert check_roster(res.roster, res.breaks, p).empty
    r = res.roster
    assert list(r.columns) == ["agent_id", "date", "shift", "unique_id", "start", "end", "paid_hours", "breaks"]
    # availability and holidays
    assert not ((r.agent_id == "ben") & (r.date == MONDAY + pd.Timedelta(days=2))).any()
    assert not ((r.agent_id == "dan") & (r.date.dt.weekday == 6)).any()
    assert (r.loc[r.agent_id == "eva", "start"].dt.hour >= 20).all()
    # skills: fer only chat, night shift only voice
    assert (r.loc[r.agent_id == "fer", "unique_id"] == "chat").all()
    assert (r.loc[r["shift"] == "night", "unique_id"] == "voice").all()
    # rest between consecutive shifts >= 11 h, also across midnight
    for _, g in r.sort_values("start").groupby("agent_id"):
        rest = (g["start"].iloc[1:].to_numpy() - g["end"].iloc[:-1].to_numpy()) / np.timedelta64(1, "h")
        assert (rest >= 11).all()
    # every break inside its window, one per template break
    assert len(res.breaks) == sum({"early": 2, "late": 1, "night": 0}[s] for s in r["shift"])
    merged = res.breaks.merge(r[["agent_id", "date", "start"]].rename(columns={"start": "shift_start"}), on=["agent_id", "date"])
    off = (merged["start"] - merged["shift_start"]) / pd.Timedelta(minutes=1)
    lunch = merged["break"] == "lunch"
    assert off[lunch].between(180, 270).all() and off[~lunch].between(60, 120).all()


def test_coverage_frame_counts_breaks_and_matches_kpis(mixed_result):
    res = mixed_result
    cov = res.coverage
    assert list(cov.columns) == ["unique_id", "ds", "required", "scheduled", "gap"]
    assert (cov["gap"] == cov["scheduled"] - cov["required"]).all()
    # recompute 'scheduled' by hand from the roster and breaks
    voice = cov[cov.unique_id == "voice"].set_index("ds")["scheduled"]
    b = res.breaks.merge(res.roster[["agent_id", "date", "unique_id"]], on=["agent_id", "date"]).iloc[0]
    on_shift = res.roster[(res.roster.unique_id == b.unique_id) & (res.roster.start <= b.start) & (res.roster.end > b.start)]
    on_break = res.breaks.merge(res.roster[["agent_id", "date", "unique_id"]], on=["agent_id", "date"])
    on_break = on_break[(on_break.unique_id == b.unique_id) & (on_break.start <= b.start) & (on_break.end > b.start)]
    series = voice if b.unique_id == "voice" else cov[cov.unique_id == "chat"].set_index("ds")["scheduled"]
    assert series[b.start] == len(on_shift) - len(on_break)
    h = 0.25
    assert res.kpis.hours_under == pytest.approx(np.clip(-cov["gap"], 0, None).sum() * h)
    assert res.kpis.hours_over == pytest.approx(np.clip(cov["gap"], 0, None).sum() * h)
    assert res.kpis.over_assignment_pct == pytest.approx(100 * res.kpis.hours_over / res.kpis.required_hours)


def test_multi_skilled_agent_counts_where_assigned(cfg, day_shift, no_soft):
    req = pd.concat([requirements([(8, 16, 1)], days=range(5), queue="voice"),
                     requirements([(8, 16, 1)], days=range(5), queue="chat")])
    agents = pd.DataFrame({"agent_id": ["multi", "chatty"], "skills": ["voice;chat", "chat"]})
    res = build_roster(req, agents, [day_shift], RosterRules(), weights=no_soft, config=cfg)
    assert res.objective == pytest.approx(0.0)
    assert (res.roster.loc[res.roster.agent_id == "multi", "unique_id"] == "voice").all()
    assert res.uncovered.empty


@pytest.mark.parametrize(
    ("rules", "check"),
    [
        (RosterRules(max_days_per_week=3, min_consecutive_days_off=0), lambda r: r.groupby("agent_id").size().max() <= 3),
        (RosterRules(max_days_per_week=7, max_consecutive_days=3, min_consecutive_days_off=0),
         lambda r: _max_run(r) <= 3),
        (RosterRules(max_hours_per_week=16, min_consecutive_days_off=0), lambda r: r.groupby("agent_id").paid_hours.sum().max() <= 16),
        (RosterRules(max_days_per_week=7, min_consecutive_days_off=3), lambda r: _has_off_block(r, 3)),
    ],
)
def test_each_hard_rule_holds_under_pressure(cfg, day_shift, no_soft, rules, check):
    # demand every day for 3 agents with 2 agents available: the rules are binding
    req = requirements([(8, 16, 3)])
    agents = pd.DataFrame({"agent_id": ["a", "b"]})
    res = build_roster(req, agents, [day_shift], rules, weights=no_soft, config=cfg)
    assert res.status.has_solution and res.violations.empty
    assert check(res.roster)


def _max_run(r):
    best = 0
    for _, g in r.groupby("agent_id"):
        days = sorted(g["date"].dt.dayofweek)
        run = 1
        for a, b in zip(days, days[1:], strict=False):
            run = run + 1 if b == a + 1 else 1
            best = max(best, run)
        best = max(best, 1)
    return best


def _has_off_block(r, n):
    for _, g in r.groupby("agent_id"):
        worked = set(g["date"].dt.dayofweek)
        if not any(all(d not in worked for d in range(j, j + n)) for j in range(0, 8 - n)):
            return False
    return True


def test_min_rest_across_midnight(cfg, no_soft):
    night = ShiftTemplate(name="night", start_minutes=22 * 60, lengths_minutes=(480,))
    morning = ShiftTemplate(name="morning", start_minutes=7 * 60, lengths_minutes=(480,))
    # Mon night 22-06 then Tue morning 07:00 would leave 1 h rest
    req = pd.concat([requirements([(22, 24, 1)], days=[0]), requirements([(7, 15, 1)], days=[1])])
    agents = pd.DataFrame({"agent_id": ["solo"]})
    res = build_roster(req, agents, [night, morning], RosterRules(min_rest_hours=11), weights=no_soft, config=cfg)
    assert res.status is SolveStatus.OPTIMAL and len(res.roster) == 1 and res.violations.empty
    relaxed = build_roster(req, agents, [night, morning], RosterRules(min_rest_hours=0), weights=no_soft, config=cfg)
    assert len(relaxed.roster) == 2 and relaxed.objective < res.objective


def test_checker_flags_broken_rosters(mixed_instance, mixed_result):
    req, agents, shifts, rules = mixed_instance
    res = mixed_result
    p = prepare_problem(req, agents, shifts, rules)
    roster, breaks = res.roster.copy(), res.breaks.copy()
    # ben works on his holiday (Wednesday)
    row = roster.iloc[[0]].copy()
    hol = MONDAY + pd.Timedelta(days=2)
    row[["agent_id", "date", "unique_id", "shift"]] = ["ben", hol, "voice", "early"]
    row["start"], row["end"] = hol + pd.Timedelta(hours=7), hol + pd.Timedelta(hours=15)
    v = check_roster(pd.concat([roster[roster.agent_id != "ben"], row]), breaks[breaks.agent_id != "ben"], p)
    assert "availability" in set(v["rule"])
    # a break moved out of its window
    bad_breaks = breaks.copy()
    bad_breaks.loc[bad_breaks.index[0], "start"] += pd.Timedelta(hours=3)
    bad_breaks.loc[bad_breaks.index[0], "end"] += pd.Timedelta(hours=3)
    assert "breaks" in set(check_roster(roster, bad_breaks, p)["rule"])
    # fer (chat only) on voice
    wrong = roster.copy()
    wrong.loc[wrong.agent_id == "fer", "unique_id"] = "voice"
    if (roster.agent_id == "fer").any():
        assert "skill" in set(check_roster(wrong, breaks, p)["rule"])
    # two shifts 1 h apart break the rest rule
    a = roster.iloc[0]
    extra = roster.iloc[[0]].copy()
    extra["date"] = a["date"] + pd.Timedelta(days=1)
    extra["start"] = a["end"] + pd.Timedelta(hours=1)
    extra["end"] = extra["start"] + pd.Timedelta(hours=8)
    rules_hit = set(check_roster(pd.concat([roster, extra]), breaks, p)["rule"])
    assert "min_rest_hours" in rules_hit


def test_model_is_built_separately_and_respects_availability(mixed_instance):
    req, agents, shifts, rules = mixed_instance
    p = prepare_problem(req, agents, shifts, rules)
    rm = build_roster_model(p)
    assert rm.num_assignment_vars == sum(len(o) for days in p.options for o in days)
    ben = [a.agent_id for a in p.agents].index("ben")
    assert not [k for k in rm.x if k[0] == ben and k[1] == 2]  # holiday: no variable at all
    fer = [a.agent_id for a in p.agents].index("fer")
    voice = p.skills.index("voice")
    assert not [k for k in rm.x if k[0] == fer and k[3] == voice]
    assert len(rm.model.proto.variables) > rm.num_assignment_vars
    assert rm.groups == {}


def test_preferences_are_soft_and_followed_when_free(cfg, no_soft):
    shifts = [ShiftTemplate(name="any", start_minutes=7 * 60, latest_start_minutes=10 * 60, start_step_minutes=60,
                            lengths_minutes=(240,))]
    req = requirements([(7, 14, 1)], days=range(5))
    agents = pd.DataFrame({"agent_id": ["a", "b"], "preferred_start": ["10:00", ""]})
    w = RosterWeights(under_staffing_per_hour=100, over_staffing_per_hour=1, preference_per_day=50,
                      unstable_start_per_day=0, weekend_fairness_per_day=0)
    res = build_roster(req, agents, shifts, RosterRules(stable_start_tolerance_minutes=0), weights=w, config=cfg)
    a_starts = res.roster.loc[res.roster.agent_id == "a", "start"].dt.hour
    assert len(a_starts) and (a_starts == 10).all()


def test_weekend_fairness_spreads_weekend_days(cfg, day_shift):
    req = requirements([(8, 16, 1)], days=[5, 6])
    agents = pd.DataFrame({"agent_id": ["a", "b"]})
    w = RosterWeights(weekend_fairness_per_day=50, unstable_start_per_day=0, preference_per_day=0)
    res = build_roster(req, agents, [day_shift], RosterRules(), weights=w, config=cfg)
    assert res.status is SolveStatus.OPTIMAL and res.uncovered.empty
    assert res.roster.groupby("agent_id").size().tolist() == [1, 1]
    assert res.objective == pytest.approx(50.0)  # the busiest agent works one weekend day


def test_preferred_days_off_are_respected_when_possible(cfg, day_shift):
    req = requirements([(8, 16, 1)], days=[0])
    agents = pd.DataFrame({"agent_id": ["a", "b"], "preferred_days_off": ["Mon", ""]})
    w = RosterWeights(preference_per_day=10, unstable_start_per_day=0, weekend_fairness_per_day=0)
    res = build_roster(req, agents, [day_shift], RosterRules(), weights=w, config=cfg)
    assert res.roster["agent_id"].tolist() == ["b"] and res.objective == pytest.approx(0.0)


# -- review fixes: checker covers agents without shifts; objective exact on any grid ----------------

def test_check_roster_reports_minimum_hours_of_an_agent_without_shifts(day_shift):
    from routing_ml.scheduling.roster import roster_frames_from_plan

    p = prepare_problem(requirements([(8, 16, 1)], days=range(5)), pd.DataFrame({"agent_id": ["a", "b"]}),
                        [day_shift], RosterRules(min_hours_per_week=16))
    roster, breaks = roster_frames_from_plan(p, {(0, 0): (0, 0), (0, 1): (0, 0)})  # a: Mon, Tue; b: nothing
    got = check_roster(roster, breaks, p)
    assert got[["agent_id", "rule"]].values.tolist() == [["b", "min_hours_per_week"]]
    assert got["detail"].iloc[0] == "week 1: 0 h < 16 h"


def _five_minute_requirements():
    # Monday only, 5-minute intervals: 2 agents 08:00-12:00, 0 agents (listed) 12:00-16:00
    ds = pd.date_range(MONDAY + pd.Timedelta(hours=8), MONDAY + pd.Timedelta(hours=16), freq="5min", inclusive="left")
    return pd.DataFrame({"unique_id": "voice", "ds": ds, "agents": np.where(ds.hour < 12, 2, 0)})


def test_objective_is_exact_at_five_minute_intervals(cfg, day_shift):
    # one agent on 08:00-16:00: 1 agent missing for 4 h (x 1.0) and 1 surplus for 4 h (x 0.5)
    # = 6.0; staying home leaves 2 x 4 = 8 agent-hours missing = 8.0. Optimum 6.0.
    w = RosterWeights(under_staffing_per_hour=1.0, over_staffing_per_hour=0.5, shift_cost=0.0,
                      unstable_start_per_day=0, weekend_fairness_per_day=0, preference_per_day=0)
    res = build_roster(_five_minute_requirements(), pd.DataFrame({"agent_id": ["a"]}), [day_shift],
                       RosterRules(), weights=w, interval_minutes=5, config=cfg, method="cp-sat")
    assert res.status is SolveStatus.OPTIMAL and len(res.roster) == 1
    assert res.kpis.hours_under == pytest.approx(4.0) and res.kpis.hours_over == pytest.approx(4.0)
    np.testing.assert_allclose([res.objective, res.best_bound], [6.0, 6.0], rtol=1e-9)


def test_small_preference_weight_is_not_rounded_away(cfg, day_shift):
    # the only agent prefers Monday off but must cover Monday: objective = one broken
    # preference x 0.004 (coverage exact, no cost)
    w = RosterWeights(under_staffing_per_hour=100.0, over_staffing_per_hour=5.0, shift_cost=0.0,
                      unstable_start_per_day=0, weekend_fairness_per_day=0, preference_per_day=0.004)
    agents = pd.DataFrame({"agent_id": ["a"], "preferred_days_off": ["Mon"]})
    res = build_roster(requirements([(8, 16, 1)], days=[0]), agents, [day_shift], RosterRules(), weights=w,
                       config=cfg, method="cp-sat")
    assert res.status is SolveStatus.OPTIMAL
    np.testing.assert_allclose(res.objective, 0.004, rtol=1e-9)
    assert res.best_bound <= res.objective


def test_weight_below_the_model_resolution_warns(day_shift):
    w = RosterWeights(preference_per_day=1e-7)
    p = prepare_problem(requirements([(8, 16, 1)], days=[0]), pd.DataFrame({"agent_id": ["a"]}), [day_shift],
                        RosterRules(), w)
    with pytest.warns(UserWarning, match="RosterWeights.preference_per_day=1e-07 is below"):
        build_roster_model(p)


def test_reported_time_limit_is_the_users_not_the_time_left(cfg, day_shift, no_soft):
    req = requirements([(8, 16, 1)], days=range(5))
    agents = pd.DataFrame({"agent_id": ["a"]})
    res = build_roster(req, agents, [day_shift], RosterRules(), weights=no_soft, config=cfg, method="cp-sat")
    assert res.solver_parameters["max_time_in_seconds"] == cfg.time_limit_seconds
    auto = build_roster(req, agents, [day_shift], RosterRules(), weights=no_soft, config=cfg)
    key = "time_limit_seconds" if auto.method == "patterns" else "max_time_in_seconds"
    assert auto.solver_parameters[key] == cfg.time_limit_seconds
