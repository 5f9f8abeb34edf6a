"""Covering model: golden optimum, scipy.milp cross-check, LP bound, infeasibility, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from routing_ml.errors import InfeasibleScheduleError
from routing_ml.scheduling import (
    ShiftTemplate,
    SolverConfig,
    SolveStatus,
    WeeklyPattern,
    build_shift_count_model,
    shift_coverage_matrix,
    solve_shift_counts,
)

CFG = SolverConfig(num_workers=1, time_limit_seconds=10, random_seed=0)


def test_golden_small_instance():
    # two shifts, three periods: 2 on shift 0 and 1 on shift 1 cover [2, 3, 1] exactly
    res = solve_shift_counts([[1, 0], [1, 1], [0, 1]], [2, 3, 1], [1.0, 1.0], config=CFG)
    assert res.status is SolveStatus.OPTIMAL
    assert res.objective == pytest.approx(3.0)
    assert res.counts.tolist() == [2, 1]
    assert res.gap == pytest.approx(0.0)
    assert res.lp_bound == pytest.approx(3.0)
    assert list(res.coverage.columns) == ["period", "required", "scheduled", "gap"]
    assert res.uncovered.empty


def test_under_staffing_is_cheaper_than_an_expensive_shift():
    # covering the single period costs 50 > under_weight 10: leave it uncovered
    res = solve_shift_counts([[1]], [1], [50.0], under_weight=10.0, config=CFG)
    assert res.objective == pytest.approx(10.0)
    assert res.counts.tolist() == [0]
    assert res.uncovered["period"].tolist() == [0]


def _milp_optimum(a, r, c, wu, wo):
    n_t, n_j = a.shape
    obj = np.concatenate([c, np.full(n_t, wu), np.full(n_t, wo)])
    A = np.hstack([a, np.eye(n_t), -np.eye(n_t)])
    res = milp(obj, constraints=LinearConstraint(A, r, r), integrality=np.concatenate([np.ones(n_j), np.zeros(2 * n_t)]),
               bounds=Bounds(np.zeros(n_j + 2 * n_t), np.concatenate([np.full(n_j, np.inf), r, np.full(n_t, np.inf)])))
    assert res.status == 0
    return res.fun


@pytest.mark.parametrize("seed", range(6))
def test_matches_scipy_milp(seed):
    rng = np.random.default_rng(seed)
    n_t, n_j = rng.integers(8, 30), rng.integers(3, 12)
    a = (rng.random((n_t, n_j)) < 0.35).astype(int)
    r = rng.integers(0, 7, n_t)
    c = rng.integers(1, 9, n_j).astype(float) + rng.choice([0.0, 0.5], n_j)
    wu, wo = float(rng.choice([5.0, 20.0, 100.0])), float(rng.choice([0.0, 1.0, 3.0]))
    res = solve_shift_counts(a, r, c, under_weight=wu, over_weight=wo, config=CFG)
    assert res.status is SolveStatus.OPTIMAL
    assert res.objective == pytest.approx(_milp_optimum(a, r.astype(float), c, wu, wo), abs=1e-6)
    assert res.lp_bound <= res.objective + 1e-6
    # the reported objective is recomputed from the counts
    sched = a @ res.counts.to_numpy()
    recomputed = c @ res.counts.to_numpy() + wu * np.clip(r - sched, 0, None).sum() + wo * np.clip(sched - r, 0, None).sum()
    assert res.objective == pytest.approx(recomputed)


def test_weekly_tours_with_cross_midnight_shift():
    night = ShiftTemplate(name="night", start_minutes=22 * 60, lengths_minutes=(480,), cost_per_hour=2.0)
    day = ShiftTemplate(name="day", start_minutes=8 * 60, lengths_minutes=(480,), cost_per_hour=1.0)
    cov, cost = shift_coverage_matrix([day, night], days=7, interval_minutes=60, pattern=WeeklyPattern())
    assert cov.shape == (7 * 24, 14)
    # a tour works 5 days x 8 hours
    assert (cov.sum(axis=0) == 40).all()
    # the Sunday-start night tour covers Sunday 22:00 .. Monday 06:00 (wraps to the week start)
    sun = cov["night@22:00/8h+Sun"]
    assert sun.iloc[6 * 24 + 22] == 1 and sun.iloc[0] == 1 and sun.iloc[5] == 1 and sun.iloc[6] == 0
    assert cost["day@08:00/8h+Mon"] == pytest.approx(40.0)
    # cover 1 agent every hour 08-16 Mon-Fri and 2 agents Sat-Sun: needs 2 tours overlapping
    req = np.zeros(7 * 24, dtype=int)
    for d in range(7):
        req[d * 24 + 8:d * 24 + 16] = 1
    res = solve_shift_counts(cov, req, cost, over_weight=0.1, config=CFG)
    assert res.status is SolveStatus.OPTIMAL
    assert res.uncovered.empty
    assert res.counts.sum() == 2  # 7 days need two 5-day tours


def test_hard_coverage_infeasible_returns_partial_plan_and_reason():
    a = [[1, 0], [0, 1], [0, 0]]
    res = solve_shift_counts(a, [1, 1, 2], [1.0, 1.0], hard_coverage=True, config=CFG)
    assert res.status is SolveStatus.INFEASIBLE
    assert "period 2" in res.reason and "no shift covers" in res.reason
    assert res.counts.tolist() == [1, 1]  # the best partial plan
    assert res.uncovered["period"].tolist() == [2]
    with pytest.raises(InfeasibleScheduleError, match="no shift covers"):
        res.raise_for_status()


def test_hard_coverage_feasible():
    res = solve_shift_counts([[1, 0], [1, 1], [0, 1]], [2, 3, 1], [1.0, 1.0], hard_coverage=True, config=CFG)
    assert res.status is SolveStatus.OPTIMAL and res.raise_for_status() is res


@pytest.mark.parametrize(
    ("coverage", "required", "cost", "match"),
    [
        ([[1, 2]], [1], [1, 1], "coverage must hold only 0/1"),
        ([[1, 0.5]], [1], [1, 1], "coverage must hold only 0/1"),
        ([[1, 0]], [np.nan], [1, 1], "required has NaN"),
        ([[1, 0]], [np.inf], [1, 1], "required has infinite"),
        ([[1, 0]], [-np.inf], [1, 1], "required has infinite"),
        ([[1, 0]], ["two"], [1, 1], "required must hold numbers"),
        ([[1, 0]], [-1], [1, 1], "required has negative"),
        ([[1, 0]], [1.5], [1, 1], "required has fractional"),
        ([[1, 0]], [1], [-1, 1], "cost must be finite and >= 0"),
        ([[1, 0]], [1], [np.nan, 1], "cost must be finite and >= 0"),
        ([[1, 0]], [1, 2], [1, 1], "required has 2 periods"),
        ([[1, 0]], [1], [1], "cost has 1 entries"),
        ([1, 0], [1], [1], "coverage must be 2-D"),
    ],
)
def test_bad_inputs_raise_before_solving(coverage, required, cost, match, monkeypatch):
    from ortools.sat.python import cp_model

    monkeypatch.setattr(cp_model.CpSolver, "solve", lambda *a, **k: pytest.fail("solver ran"))
    with pytest.raises(ValueError, match=match):
        solve_shift_counts(coverage, required, cost, config=CFG)


def test_required_series_is_matched_by_the_coverage_index():
    # a Series is aligned on coverage's periods, never taken by position
    periods = ["09:00", "10:00", "11:00", "12:00"]
    cov = pd.DataFrame([[1, 0], [1, 0], [0, 1], [0, 1]], index=periods, columns=["am", "pm"])
    req = pd.Series([0, 0, 3, 3], index=periods)
    aligned = solve_shift_counts(cov, req, pd.Series({"am": 1.0, "pm": 1.0}), config=CFG)
    reversed_ = solve_shift_counts(cov, req[::-1], pd.Series({"am": 1.0, "pm": 1.0}), config=CFG)
    assert aligned.counts.to_dict() == reversed_.counts.to_dict() == {"am": 0, "pm": 3}
    with pytest.raises(ValueError, match="index does not match coverage's index"):
        solve_shift_counts(cov, pd.Series([0, 0, 3, 3], index=["a", "b", "c", "d"]), [1.0, 1.0], config=CFG)


def test_negative_weight_rejected():
    with pytest.raises(ValueError, match="under_weight"):
        solve_shift_counts([[1]], [1], [1], under_weight=-1)


def test_model_can_be_inspected_without_solving():
    built = build_shift_count_model(pd.DataFrame({"a": [1, 1, 0], "b": [0, 1, 1]}), [2, 3, 1], [1.0, 2.0])
    proto = built.model.proto
    assert len(proto.variables) == 2 + 3  # counts + under-staffing per period (over is substituted)
    assert len(proto.constraints) == 3
    assert built.labels == ["a", "b"]
    assert built.upper_bounds.tolist() == [3, 3]


def test_gap_limit_stop_is_not_reported_as_optimal():
    # the weekly tour model is not solved to optimality within a 1% gap limit instantly;
    # whatever happens, a reported OPTIMAL must come with best_bound == objective
    night = ShiftTemplate(name="n", start_minutes=20 * 60, latest_start_minutes=23 * 60,
                          start_step_minutes=60, lengths_minutes=(480,), cost_per_hour=3.0)
    day = ShiftTemplate(name="d", start_minutes=6 * 60, latest_start_minutes=14 * 60,
                        start_step_minutes=60, lengths_minutes=(480, 360), cost_per_hour=2.0)
    cov, cost = shift_coverage_matrix([day, night], days=7, interval_minutes=60, pattern=WeeklyPattern())
    rng = np.random.default_rng(0)
    req = rng.integers(0, 9, len(cov))
    res = solve_shift_counts(cov, req, cost, hard_coverage=True, over_weight=0.0,
                             config=SolverConfig(num_workers=1, time_limit_seconds=10, relative_gap_limit=0.2))
    assert res.status.has_solution
    assert res.best_bound <= res.objective + 1e-9
    if res.status is SolveStatus.OPTIMAL:
        assert res.best_bound == pytest.approx(res.objective) and res.gap == 0
    else:
        assert res.gap == pytest.approx((res.objective - res.best_bound) / res.objective)


# -- review fixes: tour costs over the horizon, cost Series matched by label --------------------------

def test_two_week_tour_costs_the_shifts_it_works():
    day = ShiftTemplate(name="d", start_minutes=8 * 60, lengths_minutes=(480,), cost_per_hour=20)
    cov, cost = shift_coverage_matrix([day], days=14, interval_minutes=60, pattern=WeeklyPattern())
    # 5 days on in each of 2 weeks = 10 shifts of 8 h at 20/h
    assert (cov.sum(axis=0) == 80).all()
    np.testing.assert_allclose(cost.to_numpy(), 10 * 8 * 20.0)


def test_doubling_the_horizon_of_a_weekly_requirement_doubles_the_optimum():
    day = ShiftTemplate(name="d", start_minutes=8 * 60, lengths_minutes=(480,), cost_per_hour=20)
    week = np.array([1 if 8 <= h < 16 else 0 for h in range(24)] * 7)
    objectives = []
    for days in (7, 14):
        cov, cost = shift_coverage_matrix([day], days=days, interval_minutes=60, pattern=WeeklyPattern())
        res = solve_shift_counts(cov, np.tile(week, days // 7), cost, config=CFG)
        assert res.status is SolveStatus.OPTIMAL
        objectives.append(res.objective)
    np.testing.assert_allclose(objectives[1], 2 * objectives[0], rtol=1e-9)


def test_cost_series_is_matched_by_label_never_by_position():
    cov = pd.DataFrame({"A": [1, 1, 1], "B": [1, 1, 1]})
    res = solve_shift_counts(cov, [1, 1, 1], pd.Series({"B": 1.0, "A": 100.0}), config=CFG)
    assert res.counts.to_dict() == {"A": 0, "B": 1}  # reordered by label
    with pytest.raises(ValueError, match="missing \\['A'\\].*extra \\['a'\\]"):
        solve_shift_counts(cov, [1, 1, 1], pd.Series({"B": 1.0, "a": 100.0}), config=CFG)
    with pytest.raises(ValueError, match="extra \\['C'\\]"):
        solve_shift_counts(cov, [1, 1, 1], pd.Series({"A": 1.0, "B": 1.0, "C": 5.0}), config=CFG)


# -- review fix: weekly tours work only the weekdays their template allows ---------------------------

def test_weekday_limited_template_gives_only_tours_on_allowed_days():
    # Mon-Fri template, 5 on / 2 off: the only tour inside Mon-Fri is the Monday one, so no
    # column covers a Saturday or Sunday period (before the fix all 7 rotations were built)
    weekday = ShiftTemplate(name="wd", start_minutes=8 * 60, lengths_minutes=(480,),
                            weekdays=(0, 1, 2, 3, 4))
    cov, cost = shift_coverage_matrix([weekday], days=7, interval_minutes=60, pattern=WeeklyPattern())
    assert cov.columns.tolist() == ["wd@08:00/8h+Mon"]
    assert cov.iloc[5 * 24:].to_numpy().sum() == 0  # Sat 00:00 .. Sun 24:00
    assert cov.iloc[:5 * 24].to_numpy().sum() == 5 * 8
    assert cost.to_dict() == {"wd@08:00/8h+Mon": 40.0}
    # Mon-Sat: the Monday (Mon-Fri) and Tuesday (Tue-Sat) tours
    six = ShiftTemplate(name="six", start_minutes=8 * 60, lengths_minutes=(480,), weekdays=tuple(range(6)))
    cov6, _ = shift_coverage_matrix([six], days=14, interval_minutes=60, pattern=WeeklyPattern())
    assert cov6.columns.tolist() == ["six@08:00/8h+Mon", "six@08:00/8h+Tue"]
    assert cov6.iloc[[d * 24 + 8 for d in (6, 13)]].to_numpy().sum() == 0  # never a Sunday


def test_template_without_weekday_limits_keeps_all_seven_rotations():
    day = ShiftTemplate(name="d", start_minutes=8 * 60, lengths_minutes=(480,))
    cov, _ = shift_coverage_matrix([day], days=7, interval_minutes=60, pattern=WeeklyPattern())
    assert cov.columns.tolist() == [f"d@08:00/8h+{w}" for w in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")]
    assert (cov.sum(axis=0) == 40).all()


def test_template_no_tour_fits_warns_and_gets_no_columns():
    weekend = ShiftTemplate(name="we", start_minutes=8 * 60, lengths_minutes=(480,), weekdays=(5, 6))
    day = ShiftTemplate(name="d", start_minutes=8 * 60, lengths_minutes=(480,))
    with pytest.warns(UserWarning, match="'we'.*no 5-on/2-off tour fits"):
        cov, _ = shift_coverage_matrix([weekend, day], days=7, interval_minutes=60, pattern=WeeklyPattern())
    assert not any(c.startswith("we@") for c in cov.columns) and len(cov.columns) == 7
