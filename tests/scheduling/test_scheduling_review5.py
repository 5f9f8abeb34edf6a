"""Review findings (2026-12-01, third session): requirements matched by position, CP-SAT's
rounded bound taken as proof and its time limit, tours wrapping with cyclic=False, shift
files whose typos or unit slips were read silently."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from routing_ml.scheduling import (
    ShiftTemplate,
    SolverConfig,
    WeeklyPattern,
    shift_coverage_matrix,
    solve_shift_counts,
)
from routing_ml.scheduling._base import ScheduleInputError
from routing_ml.scheduling.shifts import template_from_mapping

A = np.array([[1, 0], [1, 1], [0, 1]])
COST = np.array([1.0, 2.0])


@pytest.mark.parametrize("method", ["highs", "cp-sat"])
def test_requirements_are_matched_by_their_index_not_their_position(method):
    # before: objective 7 instead of 3 for the same requirement listed in another order
    cov = pd.DataFrame(A, index=pd.Index([10, 20, 30], name="period"), columns=["s1", "s2"])
    truth = solve_shift_counts(cov, pd.Series([1, 2, 1], index=[10, 20, 30]), COST, method=method)
    shuffled = pd.Series([1, 1, 2], index=[10, 30, 20])
    assert solve_shift_counts(cov, shuffled.to_frame("agents"), COST,
                              method=method).objective == truth.objective == 3.0
    assert solve_shift_counts(A, pd.Series([1, 1, 2], index=[0, 2, 1]), COST,
                              method=method).objective == 3.0
    with pytest.raises(ScheduleInputError, match="2 columns"):
        solve_shift_counts(cov, pd.DataFrame({"a": [1, 2, 1], "b": [0, 0, 0]},
                                             index=[10, 20, 30]), COST)


def test_count_parameters_numpy_scalars_and_wrong_types():
    r = np.array([1, 1, 1])
    res = solve_shift_counts(A, r, COST, max_count=np.int64(3), under_weight=np.int64(100))
    assert res.status.value == "optimal"
    with pytest.raises(ScheduleInputError, match="hard_coverage must be True or False.*'no'"):
        solve_shift_counts(A, r, COST, hard_coverage="no")  # read as hard before
    with pytest.raises(ScheduleInputError, match="head counts above"):
        solve_shift_counts(A, np.array([1, 1e19, 1]), COST)  # overflowed to a negative before


def test_cp_sat_bound_allows_for_its_rounded_costs():
    # costs rounded to 1e-4 made the dearer shift look as cheap: 'optimal', gap 0, and a
    # best_bound above the true optimum (0.99996)
    res = solve_shift_counts(np.array([[1, 1]]), np.array([1]), np.array([0.99996, 0.99997]),
                             method="cp-sat", config=SolverConfig(num_workers=1))
    exact = solve_shift_counts(np.array([[1, 1]]), np.array([1]),
                               np.array([0.99996, 0.99997]), method="highs")
    assert exact.objective == pytest.approx(0.99996)
    assert res.best_bound <= exact.objective + 1e-12
    assert res.status.value == "optimal" or res.gap > 0


def test_cp_sat_counts_without_a_first_plan_return_the_empty_plan():
    # before: status 'unknown' and no plan, although soft coverage always allows nobody on
    # any shift (HiGHS returns it); CP-SAT stopped after presolve finds no plan
    res = solve_shift_counts(A, np.array([1, 2, 1]), COST, method="cp-sat",
                             config=SolverConfig(num_workers=1, extra_parameters={
                                 "stop_after_presolve": True}))
    assert res.status.value == "feasible" and res.counts.tolist() == [0, 0]
    assert res.objective == pytest.approx(1000.0 * 4) and res.best_bound <= 3.0 + 1e-9


def test_tours_do_not_wrap_around_the_week_without_cyclic():
    tp = ShiftTemplate(name="w", start_minutes=9 * 60, lengths_minutes=(480,), cost_per_hour=10)
    days = {}
    for cyclic in (True, False):
        cov, cost = shift_coverage_matrix([tp], interval_minutes=60, pattern=WeeklyPattern(),
                                          days=14, cyclic=cyclic)
        col = "w@09:00/8h+Sat"
        days[cyclic] = sorted({int(i) // 24 for i in np.flatnonzero(cov[col].to_numpy())})
        assert cost[col] == pytest.approx(80 * len(days[cyclic]))
    assert days[True] == [0, 1, 2, 5, 6, 7, 8, 9, 12, 13]
    # before: [0, 1, 2, 5, 6, ...] with cyclic=False too: the tour ran from week 2 back
    # into week 1 instead of past the horizon
    assert days[False] == [5, 6, 7, 8, 9, 12, 13]


@pytest.mark.parametrize(("spec", "match"), [
    ({"breaks": [{"name": "lunch", "minutes": 30, "piad": True, "window": ["03:00", "05:00"]}]},
     r"break has unknown keys \['piad'\]"),
    ({"lengths_hours": [8], "lengths_minutes": [240]}, "not both"),
    ({"lengths_hours": [480]}, r"over 24 hours: minutes\? Fix: lengths_minutes: \[480\]"),
    ({"lengths_minutes": [8]}, r"24 minutes or less: hours\? Fix: lengths_hours: \[8\]"),
    ({"weekdays": [1, 2, 3, 4, 5]}, "are numbers; write day names"),
])
def test_shift_file_slips_are_refused_with_the_fix(spec, match):
    base = {"name": "early", "start": "07:00"}
    if not {"lengths_hours", "lengths_minutes"} & set(spec):
        base["lengths_hours"] = [8]
    with pytest.raises(ScheduleInputError, match=match):
        template_from_mapping({**base, **spec})
    with pytest.raises(ScheduleInputError, match="each shift must be a mapping"):
        template_from_mapping("early")  # type: ignore[arg-type]


def test_the_first_night_hours_point_to_the_previous_roster():
    # review 2026-12-01: the bundled example leaves Monday 00:00-06:00 under-staffed (only
    # Sunday's night shift reaches it) and the note said to add a shift template
    import warnings

    from routing_ml.scheduling import RosterRules
    from routing_ml.scheduling._problem import prepare_problem

    night = ShiftTemplate(name="night", start_minutes=22 * 60, lengths_minutes=(480,))
    day = pd.Timestamp("2026-12-07")
    ds = pd.date_range(day, periods=3 * 24, freq="h")
    night_hours = (ds.hour >= 22) | (ds.hour < 6)  # only the night needs agents
    req = pd.DataFrame({"unique_id": "voice", "ds": ds, "agents": night_hours.astype(int)})
    agents = pd.DataFrame({"agent_id": ["a", "b", "c", "d"]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        prepare_problem(req, agents, [night], RosterRules(), interval_minutes=60, weeks=1)
    text = " ".join(str(w.message) for w in caught)
    # 00:00-05:00 on Monday: the night shift of Sunday 22:00 would cover it
    assert "6 intervals at the start of the horizon" in text and "previous_roster" in text
    assert "add or widen a shift template" not in text


def test_agents_skills_as_the_contracts_mapping_of_proficiencies():
    # review 2026-12-01: skills={'voice': 3} (DESIGN.md's agents contract) was refused as
    # the unknown skill "{'voice': 3}"
    from routing_ml.scheduling import RosterRules
    from routing_ml.scheduling._problem import prepare_problem

    day = ShiftTemplate(name="day", start_minutes=8 * 60, lengths_minutes=(480,))
    ds = pd.date_range("2026-12-07", periods=24, freq="h")
    req = pd.concat([pd.DataFrame({"unique_id": q, "ds": ds, "agents": 1})
                     for q in ("voice", "chat")])
    agents = pd.DataFrame({"agent_id": ["a", "b"],
                           "skills": [{"voice": 3, "chat": 0}, {"chat": 5}]})
    p = prepare_problem(req, agents, [day], RosterRules(), interval_minutes=60, weeks=1)
    by_id = {a.agent_id: set(a.skills) for a in p.agents}
    assert by_id == {"a": {"voice"}, "b": {"chat"}}
