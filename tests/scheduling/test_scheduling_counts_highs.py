"""Covering model on HiGHS (method="highs", the default): optimum and bounds against scipy.milp,
bound rounding, parameters, determinism, time limit, method selection."""

from __future__ import annotations

import functools
import subprocess
import sys
import time

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from routing_ml.scheduling import (
    ShiftTemplate,
    SolverConfig,
    SolveStatus,
    WeeklyPattern,
    _counts_highs,
    shift_coverage_matrix,
    solve_shift_counts,
)
from routing_ml.scheduling._counts_highs import objective_granularity, round_bound_up

CFG = SolverConfig(num_workers=1, time_limit_seconds=20, random_seed=0)


def milp_optimum(a, r, c, wu, wo, hard):
    """Proven optimum of the covering model, written out in full (no substitution) for scipy."""
    a = np.asarray(a, dtype=float)
    n_t, n_j = a.shape
    obj = np.concatenate([c, np.full(n_t, wu), np.full(n_t, wo)])
    big = np.hstack([a, np.eye(n_t), -np.eye(n_t)])
    upper_u = np.zeros(n_t) if hard else np.asarray(r, dtype=float)
    res = milp(obj, constraints=LinearConstraint(big, r, r),
               integrality=np.concatenate([np.ones(n_j), np.zeros(2 * n_t)]),
               bounds=Bounds(np.zeros(n_j + 2 * n_t), np.concatenate([np.full(n_j, np.inf), upper_u,
                                                                       np.full(n_t, np.inf)])),
               options={"mip_rel_gap": 0.0})
    assert res.status == 0
    return float(res.fun)


def random_instance(seed, hard):
    rng = np.random.default_rng(seed)
    n_t, n_j = int(rng.integers(10, 40)), int(rng.integers(4, 16))
    # interval shifts (consecutive periods), as real shift coverage is
    a = np.zeros((n_t, n_j), dtype=int)
    for j in range(n_j):
        start = int(rng.integers(0, n_t - 2))
        a[start:start + int(rng.integers(2, 9)), j] = 1
    a[:, 0] = 1  # one shift covers everything, so hard coverage is feasible
    r = rng.integers(0, 9, n_t)
    # costs on a 10 grid (rounding lifts the bound) or on a 0.5 grid
    c = (rng.integers(3, 20, n_j) * 10.0) if seed % 2 else rng.integers(2, 30, n_j) * 0.5
    wu, wo = float(rng.choice([25.0, 60.0, 150.0])), float(rng.choice([0.0, 1.0, 2.5]))
    return a, r, c, wu, wo


@pytest.mark.parametrize("hard", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_optimum_equals_scipy_milp(seed, hard):
    a, r, c, wu, wo = random_instance(seed, hard)
    res = solve_shift_counts(a, r, c, under_weight=wu, over_weight=wo, hard_coverage=hard, config=CFG,
                             method="highs")
    opt = milp_optimum(a, r, c, wu, wo, hard)
    assert res.method == "highs" and res.status is SolveStatus.OPTIMAL
    assert res.objective == pytest.approx(opt, abs=1e-6)
    assert res.best_bound == pytest.approx(opt, abs=1e-6) and res.gap == 0
    assert res.lp_bound <= opt + 1e-6
    if hard:
        assert res.uncovered.empty
    sched = a @ res.counts.to_numpy()
    recomputed = (c @ res.counts.to_numpy() + wu * np.clip(r - sched, 0, None).sum()
                  + wo * np.clip(sched - r, 0, None).sum())
    assert res.objective == pytest.approx(recomputed)


def weekly_tours(seed, interval_minutes=60):
    # 10 shift types x 7 day-off patterns; tour costs 60, 80 and 120 (a grid of 20)
    night = ShiftTemplate(name="n", start_minutes=20 * 60, latest_start_minutes=22 * 60, start_step_minutes=120,
                          lengths_minutes=(480,), cost_per_hour=3.0)
    day = ShiftTemplate(name="d", start_minutes=6 * 60, latest_start_minutes=12 * 60, start_step_minutes=120,
                        lengths_minutes=(480, 360), cost_per_hour=2.0)
    cov, cost = shift_coverage_matrix([day, night], days=7, interval_minutes=interval_minutes,
                                      pattern=WeeklyPattern())
    rng = np.random.default_rng(seed)
    return cov, rng.integers(0, 9, len(cov)), cost


@functools.cache
def tour_optimum(seed, hard):
    cov, req, cost = weekly_tours(seed)
    return milp_optimum(cov.to_numpy(), req, cost.to_numpy(), 200.0, 0.5, hard)


@pytest.mark.parametrize("gap_limit", [0.0, 0.02, 0.1])
@pytest.mark.parametrize("seed", range(3))
def test_bounds_are_proven_lower_bounds_of_the_optimum(seed, gap_limit):
    # weekly tours with an integrality gap: the reported bound (LP / MILP dual bound, rounded
    # to the objective grid) must never pass the proven optimum, whatever the stop
    cov, req, cost = weekly_tours(seed)
    hard = seed % 2 == 0
    res = solve_shift_counts(cov, req, cost, hard_coverage=hard, over_weight=0.5, under_weight=200.0,
                             config=SolverConfig(num_workers=1, time_limit_seconds=20,
                                                 relative_gap_limit=gap_limit), method="highs")
    opt = tour_optimum(seed, hard)
    assert res.best_bound <= opt + 1e-6 <= res.objective + 2e-6
    assert res.lp_bound <= res.best_bound + 1e-9
    assert res.gap <= gap_limit + 1e-9
    assert res.gap == pytest.approx((res.objective - res.best_bound) / res.objective)
    if res.status is SolveStatus.OPTIMAL:
        assert res.objective == pytest.approx(opt)


@pytest.mark.parametrize("gap_limit", [0.0, 0.01, 0.05])
@pytest.mark.parametrize("seed", range(4))
def test_raw_bound_never_passes_the_optimum(seed, gap_limit):
    # the solver's bound before the result caps it at the plan's objective: a bound lifted one
    # grid step too far would show here even when the plan is optimal
    cov, req, cost = weekly_tours(seed)
    a, r, c = cov.to_numpy().astype(np.int8), req.astype(np.int64), cost.to_numpy()
    hard = seed % 2 == 0
    upper = np.where(a.astype(bool), r[:, None], 0).max(axis=0)
    out = _counts_highs.solve_counts_highs(a, r, c, under_weight=200.0, over_weight=0.5, hard=hard, upper=upper,
                                           config=SolverConfig(num_workers=1, relative_gap_limit=gap_limit))
    opt = tour_optimum(seed, hard)
    assert out.best_bound <= opt + 1e-6
    assert out.lp_bound <= opt + 1e-6
    for point in out.progress:
        assert point.best_bound <= opt + 1e-6 <= point.objective + 2e-6


def test_rounded_bound_beats_the_lp_bound_and_stays_below_the_optimum():
    # tour costs on a grid of 20, a fractional LP bound (3653.79); a 50 % gap limit stops at
    # the first plan, so the bound is the LP bound rounded up to the grid
    cov, req, cost = weekly_tours(1)
    res = solve_shift_counts(cov, req, cost, hard_coverage=True, over_weight=0.0,
                             config=SolverConfig(num_workers=1, relative_gap_limit=0.5), method="highs")
    opt = milp_optimum(cov.to_numpy(), req, cost.to_numpy(), 0.0, 0.0, True)
    assert objective_granularity(cost.to_numpy()) == 20.0
    assert res.lp_bound % 20 != 0
    assert res.best_bound == round_bound_up(res.lp_bound, 20.0) == 20 * np.ceil(res.lp_bound / 20)
    assert res.lp_bound < res.best_bound <= opt + 1e-6


def test_granularity_and_rounding():
    assert objective_granularity(np.array([120.0, 150, 160, 200, 0])) == 10.0
    assert objective_granularity(np.array([1.5, 2.5, 4.0])) == 0.5
    assert objective_granularity(np.array([1 / 3, 1.0])) == 0.0  # no common grid: no rounding
    assert objective_granularity(np.array([0.0])) == 0.0
    assert round_bound_up(10914.25, 10.0) == 10920.0
    assert round_bound_up(10940.0000001, 10.0) == pytest.approx(10940.0)  # round-off is not a step
    assert round_bound_up(10940.2, 10.0) == 10950.0
    assert round_bound_up(10914.25, 0.0) == 10914.25
    assert round_bound_up(-3.2, 1.0, constant=-0.5) == -2.5  # grid constant + k * g


def test_deterministic_with_seed():
    cov, req, cost = weekly_tours(2, interval_minutes=30)
    cfg = SolverConfig(num_workers=1, random_seed=7, relative_gap_limit=0.01, time_limit_seconds=30)
    a = solve_shift_counts(cov, req, cost, hard_coverage=True, config=cfg)
    b = solve_shift_counts(cov, req, cost, hard_coverage=True, config=cfg)
    assert a.method == "highs" and a.status.has_solution
    assert (a.objective, a.best_bound, a.lp_bound) == (b.objective, b.best_bound, b.lp_bound)
    assert a.counts.tolist() == b.counts.tolist()


def test_time_limit_is_honoured():
    # 40 shift types x 7 day-off patterns over 7 x 96 quarter-hours, proving optimality
    # takes HiGHS ~20 s: a 0.5 s limit returns a plan and a valid bound in time
    templates = [ShiftTemplate(name=f"s{h}_{n}", start_minutes=h * 60, lengths_minutes=(n * 60,),
                               cost_per_hour=4.0 + (h < 6 or h + n > 22)) for h in range(20) for n in (8, 6)]
    cov, cost = shift_coverage_matrix(templates, days=7, interval_minutes=15, pattern=WeeklyPattern(), cyclic=True)
    h = np.arange(96) / 4
    base = 3 + 25 * np.exp(-((h - 11) / 2.5) ** 2) + 18 * np.exp(-((h - 17) / 2.2) ** 2) + 8 * ((h >= 8) & (h < 20))
    rng = np.random.default_rng(0)
    req = np.concatenate([np.maximum(0, np.round(base * (0.55 if d >= 5 else 1.0) + rng.normal(0, 1, 96)))
                          for d in range(7)]).astype(int)
    t = time.perf_counter()
    res = solve_shift_counts(cov, req, cost, hard_coverage=True, over_weight=0.0,
                             config=SolverConfig(num_workers=1, time_limit_seconds=0.5))
    wall = time.perf_counter() - t
    assert wall < 0.5 + 0.5  # + validation and result frames
    assert res.status is SolveStatus.FEASIBLE and res.uncovered.empty
    assert res.lp_bound <= res.best_bound < res.objective
    assert res.solver_parameters["max_time_in_seconds"] == 0.5


def test_parameters_reach_highs(monkeypatch):
    made = []
    original = _counts_highs._new_highs

    def spy(config):
        h = original(config)
        made.append(h)
        return h

    monkeypatch.setattr(_counts_highs, "_new_highs", spy)
    cfg = SolverConfig(time_limit_seconds=7.5, num_workers=1, random_seed=42, relative_gap_limit=0.03)
    cov, req, cost = weekly_tours(0)
    res = solve_shift_counts(cov, req, cost, hard_coverage=True, config=cfg)
    assert made  # LP, RENS, MILP
    for h in made:
        assert h.getOptionValue("random_seed")[1] == 42
        assert h.getOptionValue("time_limit")[1] <= 7.5
    assert res.gap <= 0.03
    assert res.solver_parameters == {"method": "highs", "max_time_in_seconds": 7.5, "num_workers": 1,
                                     "random_seed": 42, "relative_gap_limit": 0.03, "log_search_progress": False}


def test_parameters_reach_cp_sat_with_method_cp_sat(monkeypatch):
    from ortools.sat.python import cp_model

    seen = []
    original = cp_model.CpSolver.solve

    def spy(self, model, *args, **kwargs):
        p = self.parameters
        seen.append((p.max_time_in_seconds, p.num_workers, p.random_seed, p.relative_gap_limit))
        return original(self, model, *args, **kwargs)

    monkeypatch.setattr(cp_model.CpSolver, "solve", spy)
    cfg = SolverConfig(time_limit_seconds=7.5, num_workers=1, random_seed=42, relative_gap_limit=0.03)
    res = solve_shift_counts([[1, 0], [1, 1]], [1, 2], [1, 1], config=cfg, method="cp-sat")
    # the limit counts from the call: CP-SAT gets what the build and the LP bound left
    assert len(seen) == 1 and 7.0 < seen[0][0] <= 7.5 and seen[0][1:] == (1, 42, 0.03)
    assert res.method == "cp-sat" and res.solver_parameters["method"] == "cp-sat"
    assert res.solver_parameters["max_time_in_seconds"] == 7.5


def test_method_selection_and_errors():
    with pytest.raises(ValueError, match="method must be one of"):
        solve_shift_counts([[1]], [1], [1], method="gurobi")
    cfg = SolverConfig(num_workers=1, extra_parameters={"cp_model_probing_level": 1})
    with pytest.raises(ValueError, match="extra_parameters are CP-SAT parameters"):
        solve_shift_counts([[1]], [1], [1], config=cfg, method="highs")
    # auto with CP-SAT parameters runs CP-SAT
    assert solve_shift_counts([[1]], [1], [1], config=cfg).method == "cp-sat"
    assert solve_shift_counts([[1]], [1], [1], config=CFG).method == "highs"


@pytest.mark.parametrize("method", ["highs", "cp-sat"])
def test_hard_coverage_beyond_max_count(method):
    res = solve_shift_counts([[1, 0], [1, 1]], [3, 4], [1.0, 5.0], hard_coverage=True, max_count=1,
                             config=CFG, method=method)
    assert res.status is SolveStatus.INFEASIBLE and "within max_count" in res.reason
    assert res.counts.tolist() == [1, 1]  # the best partial plan within max_count
    assert res.objective is None and res.best_bound is None


def test_both_methods_agree_and_zero_weights():
    a, r, c, wu, wo = random_instance(3, False)
    h = solve_shift_counts(a, r, c, under_weight=wu, over_weight=wo, config=CFG, method="highs")
    s = solve_shift_counts(a, r, c, under_weight=wu, over_weight=wo, config=CFG, method="cp-sat")
    assert h.objective == pytest.approx(s.objective)
    # nothing to pay for uncovered periods: nobody is scheduled
    free = solve_shift_counts(a, r, c, under_weight=0.0, over_weight=0.0, config=CFG)
    assert free.objective == 0 and free.counts.sum() == 0 and free.status is SolveStatus.OPTIMAL


def test_nothing_required():
    res = solve_shift_counts([[1, 0], [0, 1]], [0, 0], [3.0, 2.0], hard_coverage=True, config=CFG)
    assert res.status is SolveStatus.OPTIMAL and res.objective == 0 and res.counts.tolist() == [0, 0]


def test_progress_points_improve():
    cov, req, cost = weekly_tours(1, interval_minutes=30)
    points = []
    res = solve_shift_counts(cov, req, cost, hard_coverage=True, config=CFG, progress=points.append)
    assert points and points[-1].objective == pytest.approx(res.objective)
    objs = [p.objective for p in points]
    assert objs == sorted(objs, reverse=True)
    assert all(p.best_bound <= p.objective for p in points)


def test_import_does_not_load_the_solvers():
    code = ("import routing_ml.scheduling.counts, sys; "
            "print(sorted(m for m in ('highspy', 'ortools', 'scipy') if m in sys.modules))")
    assert subprocess.check_output([sys.executable, "-c", code], text=True).strip() == "[]"


def test_interrupt_handler_stops_highs_at_the_deadline():
    # HiGHS checks its own time limit between nodes only; the handler interrupts it from
    # the MIP interrupt callback as soon as the deadline has passed, and not before
    from highspy._core import cb

    from routing_ml.scheduling._counts_highs import _stop_at

    class Flags:
        user_interrupt = False

    late, early = Flags(), Flags()
    _stop_at(time.perf_counter() - 1e-3)(cb.HighsCallbackType.kCallbackMipInterrupt, None, late)
    _stop_at(time.perf_counter() + 60.0)(cb.HighsCallbackType.kCallbackMipInterrupt, None, early)
    assert late.user_interrupt and not early.user_interrupt


def test_the_highs_path_does_not_import_scipy():
    # importing scipy.sparse costs ~0.2 s: a first call with a sub-second limit must not pay
    # it inside the limit (it once returned the empty fallback plan for that reason)
    code = ("import numpy as np, sys\n"
            "from routing_ml.scheduling import SolverConfig, solve_shift_counts\n"
            "a = np.array([[1, 0, 1], [1, 1, 0], [0, 1, 1]])\n"
            "r = solve_shift_counts(a, [2, 1, 3], [1.0, 1.0, 1.5], config=SolverConfig(num_workers=1))\n"
            "print(r.status.value, 'scipy' in sys.modules)")
    out = subprocess.check_output([sys.executable, "-c", code], text=True).split()
    assert out == ["optimal", "False"]
