"""Under-staffing costs more per agent the deeper the shortfall (``RosterWeights.under_staffing_tiers``).

With a flat penalty per missing agent-hour, every way of spreading an unavoidable shortfall
costs the same, and the solvers are free to pile it into one interval (the tour notebook's
roster sent 218 of 348 agents to lunch at 11:30, the busiest half hour). The tiers make a
deep shortfall dearer per agent, so every solver spreads it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scheduling_helpers import MONDAY, requirements, under_cost

from routing_ml.scheduling import (
    BreakRule,
    RosterRules,
    RosterWeights,
    ScheduleInputError,
    ShiftTemplate,
    SolverConfig,
    build_roster,
    load_rules_yaml,
)
from routing_ml.scheduling._breaks import optimal_breaks
from routing_ml.scheduling._patterns import plan_objective
from routing_ml.scheduling._problem import prepare_problem, under_tiers

CFG = SolverConfig(num_workers=1, time_limit_seconds=20, random_seed=0, relative_gap_limit=0.0)


@pytest.mark.parametrize("weights", [RosterWeights(), RosterWeights(under_staffing_tiers=((0.25, 3.0),)),
                                     RosterWeights(under_staffing_tiers=())])
def test_tier_costs_match_the_agent_by_agent_definition(weights):
    req = pd.DataFrame({"unique_id": "voice", "ds": MONDAY + pd.to_timedelta(np.arange(40) * 15, unit="min"),
                        "agents": np.arange(40)})
    rng = np.random.default_rng(0)
    req["weight"] = rng.uniform(0.5, 2.0, 40)
    p = prepare_problem(req, pd.DataFrame({"agent_id": ["a"]}),
                        [ShiftTemplate(name="day", start_minutes=0, lengths_minutes=(600,))], RosterRules(), weights)
    tiers = under_tiers(p)
    cells = np.flatnonzero(p.listed[0])
    r = p.required[0, cells]
    assert np.array_equal(tiers.width[:, 0, cells].sum(axis=0), r)  # the tiers hold the whole requirement
    for short in range(0, 40):
        s = np.minimum(short, r)
        full = np.zeros_like(p.required)
        full[0, cells] = s
        got = tiers.cost(full)[0, cells]
        want = [under_cost(ri, ri - si, weights, weight=wi) for ri, si, wi in zip(r, s, p.weight[0, cells],
                                                                                    strict=True)]
        assert got == pytest.approx(want)
        if short:  # the marginal cost of the last missing agent is the step of the cost
            prev = np.zeros_like(p.required)
            prev[0, cells] = np.maximum(s - 1, 0)
            step = np.where(s > 0, got - tiers.cost(prev)[0, cells], 0.0)
            assert tiers.marginal(full)[0, cells] == pytest.approx(step)


def _lunch_instance():
    """12 agents on one fixed 8-hour shift, a 30-minute lunch that may start at five half
    hours, and 12 agents required all day: every lunch leaves a hole, wherever it goes."""
    lunch = BreakRule(name="lunch", duration_minutes=30, paid=False, earliest_offset_minutes=180,
                      latest_offset_minutes=300)
    shifts = [ShiftTemplate(name="day", start_minutes=8 * 60, lengths_minutes=(480,), breaks=(lunch,))]
    rows = [("voice", MONDAY + pd.Timedelta(hours=8, minutes=30 * i), 12) for i in range(16)]
    req = pd.DataFrame(rows, columns=["unique_id", "ds", "agents"])
    agents = pd.DataFrame({"agent_id": [f"a{i:02d}" for i in range(12)]})
    rules = RosterRules(min_hours_per_week=0, max_hours_per_week=40)
    return req, agents, shifts, rules


@pytest.mark.parametrize("method", ["auto", "cp-sat"])
def test_an_unavoidable_shortfall_is_spread_over_the_lunch_window(method):
    req, agents, shifts, rules = _lunch_instance()
    res = build_roster(req, agents, shifts, rules, interval_minutes=30, config=CFG, method=method)
    short = (-res.coverage["gap"]).clip(lower=0)
    assert short.sum() == 12  # one half hour per agent, wherever it goes ...
    # ... spread: of 12 required, the 1st missing agent costs 1 x, the 2nd 2 x, the 3rd and
    # 4th 4 x, the 5th on 8 x; 3 + 3 + 2 + 2 + 2 and 4 + 2 + 2 + 2 + 2 both cost 23 x
    assert short.max() <= 4 and (short > 0).sum() == 5
    assert res.objective == pytest.approx(23 * 0.5 * 100)
    assert res.kpis.worst_shortfall_pct == pytest.approx(100 * short.max() / 12)
    flat = build_roster(req, agents, shifts, rules, interval_minutes=30, config=CFG, method=method,
                        weights=RosterWeights(under_staffing_tiers=()))
    assert flat.objective == pytest.approx(12 * 0.5 * 100)  # flat: 12 agent half-hours at 100 an hour
    assert flat.kpis.hours_under == res.kpis.hours_under == 6.0  # the same hours: only the depth differs
    assert res.objective == pytest.approx(sum(under_cost(12, 12 - s, RosterWeights(), 30) for s in short))


def test_every_break_placed_at_once_spreads_the_shortfall():
    """The break MILP of the column-generation path, on a fixed plan with every lunch at the
    same time: it moves them apart."""
    req, agents, shifts, rules = _lunch_instance()
    p = prepare_problem(req, agents, shifts, rules, RosterWeights(), interval_minutes=30)
    plan = {(a, 0): (0, 0) for a in range(12)}
    piled = {(a, 0): ((0, 180),) for a in range(12)}
    placed = optimal_breaks(p, plan, time_limit_seconds=20)
    assert placed is not None and len(placed) == 12
    starts = pd.Series([brk[0][1] for brk in placed.values()]).value_counts()
    assert starts.max() <= 4 and len(starts) == 5
    assert plan_objective(p, plan, placed) < plan_objective(p, plan, piled)


@pytest.mark.parametrize(("tiers", "match"), [
    (((0.2, 2.0), (0.1, 4.0)), "above the previous tier"),
    (((0.1, 2.0), (0.2, 1.5)), "at least the previous tier's"),
    (((0.1, 0.5),), "at least the previous tier's"),
    (((1.0, 2.0),), r"must lie in \(0, 1\)"),
    (((0.1,),), "not a \\(share, multiplier\\) pair"),
    (((0.1, True),), "not a \\(share, multiplier\\) pair"),
    (((0.1, "2"),), "not a \\(share, multiplier\\) pair"),
    ("0.1, 2", "must be \\(share, multiplier\\) pairs"),
])
def test_bad_tiers_are_refused_with_the_fix(tiers, match):
    with pytest.raises(ScheduleInputError, match=match) as err:
        RosterWeights(under_staffing_tiers=tiers)
    assert "Fix: e.g. under_staffing_tiers" in str(err.value)


def test_tiers_read_from_a_shifts_file(tmp_path):
    path = tmp_path / "shifts.yaml"
    path.write_text("weights:\n  under_staffing_tiers: [[0.15, 3], [0.3, 6]]\n  over_staffing_per_hour: 2\n")
    _rules, weights = load_rules_yaml(path)
    assert weights.under_staffing_tiers == ((0.15, 3.0), (0.3, 6.0))
    path.write_text("weights:\n  under_staffing_tiers: []\n")
    assert load_rules_yaml(path)[1].under_staffing_tiers == ()


def test_a_small_queue_missing_its_only_agent_costs_the_flat_rate():
    """Each tier is at least one agent wide: the first missing agent always costs 1 x."""
    req = requirements([(8, 12, 1)], days=[0])
    p = prepare_problem(req, pd.DataFrame({"agent_id": ["a"]}),
                        [ShiftTemplate(name="day", start_minutes=8 * 60, lengths_minutes=(240,))], RosterRules(),
                        RosterWeights())
    tiers = under_tiers(p)
    missing = p.required.copy()
    assert tiers.cost(missing).sum() == pytest.approx(16 * 100 * 0.25)


def test_the_tier_edges_round_half_up_without_float_error():
    """0.35 x 90 is 31.499999999999996 in floating point: the edge is 32 (31.5 rounded half
    up), so the 32nd missing agent still costs 1 x and the 33rd costs 2 x."""
    weights = RosterWeights(under_staffing_tiers=((0.35, 2.0),))
    req = requirements([(8, 9, 90)], days=[0])
    p = prepare_problem(req, pd.DataFrame({"agent_id": ["a"]}),
                        [ShiftTemplate(name="day", start_minutes=8 * 60, lengths_minutes=(60,))], RosterRules(),
                        weights)
    tiers = under_tiers(p)
    cell = np.flatnonzero(p.listed[0])[0]
    assert tiers.width[0, 0, cell] == 32
    for short in (32, 33):
        missing = np.zeros_like(p.required)
        missing[0, cell] = short
        assert tiers.cost(missing)[0, cell] == pytest.approx(under_cost(90, 90 - short, weights))
    assert under_cost(90, 90 - 33, weights) == pytest.approx((32 + 2) * 100 * 0.25)


@pytest.mark.parametrize("method", ["auto", "cp-sat"])
def test_agents_carried_over_from_the_previous_roster_count_in_the_depth_of_a_shortfall(method):
    """18 agents of the previous roster still on shift cover 18 of the 20 needed from
    midnight to 02:00. The tiers are priced on the whole 20: the 2 the plan leaves missing
    are 10 % short, the flat rate (priced on the 2 left to the plan, the 2nd missing agent
    was 100 % deep and cost 1.5 x). The one agent works midnight (1 of 20 missing there,
    1 of 1 from 10:00, whose half hours weigh 1.25) or 10:00 (2 of 20 missing at midnight):
    400 against 450, 10:00 is cheaper."""
    req = pd.concat([requirements([(0, 2, 20)], days=[0]), requirements([(10, 12, 1)], days=[0])],
                    ignore_index=True)
    req["weight"] = np.where(req["ds"].dt.hour >= 10, 1.25, 1.0)
    prev = pd.DataFrame({"agent_id": [f"n{i}" for i in range(18)], "start": MONDAY - pd.Timedelta(hours=6),
                         "end": MONDAY + pd.Timedelta(hours=2), "unique_id": "voice"})
    shifts = [ShiftTemplate(name="night", start_minutes=0, lengths_minutes=(120,)),
              ShiftTemplate(name="day", start_minutes=10 * 60, lengths_minutes=(120,))]
    weights = RosterWeights(under_staffing_tiers=((0.15, 1.5),), over_staffing_per_hour=0)
    with pytest.warns(UserWarning, match="not in the agents frame"):
        res = build_roster(req, pd.DataFrame({"agent_id": ["a0"]}), shifts,
                           RosterRules(min_hours_per_week=0, min_rest_hours=0), weights=weights,
                           previous_roster=prev, config=CFG, method=method)
    cov = res.coverage.merge(req, on=["unique_id", "ds"])
    assert cov["scheduled"].head(8).min() >= 18  # the carried agents are in the coverage
    documented = sum(under_cost(r, s, weights, weight=w)
                     for r, s, w in zip(cov["required"], cov["scheduled"], cov["weight"], strict=True))
    assert res.objective == pytest.approx(documented)
    assert res.roster["shift"].tolist() == ["day"]
    assert res.objective == pytest.approx(2 * 8 * 100 * 0.25)
