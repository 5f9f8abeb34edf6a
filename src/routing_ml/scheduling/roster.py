"""Named-agent rostering over one to four weeks on CP-SAT.

Model (built by :func:`build_roster_model`, solved by :func:`solve_roster_model`;
:func:`build_roster` does both):

- ``x[a, d, v, k]`` = agent ``a`` works shift variant ``v`` starting on day ``d`` serving
  queue/skill ``k`` (only where the agent is available, has the skill and fits its window);
- ``n[d, v, k]`` = people on that shift (sum of ``x``); breaks are placed by integer counts
  ``b[d, v, k, break, start]`` inside their windows and later handed to individual agents
  (people on the same shift are interchangeable for coverage), so coverage per interval is
  people on shift minus people on break;
- hard rules: one shift a day, availability, weekly paid hours min/max, max days per week,
  max consecutive days, min rest between shifts (across midnight and day gaps), a block of
  consecutive days off each week, optionally no under-staffing;
- soft rules and the objective: see :class:`~routing_ml.scheduling.RosterWeights`.

Infeasible hard rules are explained: pre-checks catch the common cases (an agent whose
minimum hours cannot fit its available days), otherwise the model is rebuilt with one
assumption literal per (agent, week, rule) group and CP-SAT's
``sufficient_assumptions_for_infeasibility`` names the groups in conflict. A best partial
plan, with those groups relaxed at a large penalty, is returned alongside the reason.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from routing_ml.frames import ID, TIME
from routing_ml.scheduling._base import (
    OBJECTIVE_SCALE,
    ProgressCallback,
    ProgressPoint,
    SolverConfig,
    SolveStatus,
    make_progress_callback,
    make_solver,
    raise_infeasible,
    relative_gap,
    solver_parameters,
    status_from_cp_sat,
)
from routing_ml.scheduling._dst import check_time_zone, dst_notes
from routing_ml.scheduling._problem import (
    AGENT_ID,
    RosterProblem,
    agent_classes,
    prepare_problem,
    under_tiers,
)
from routing_ml.scheduling.rules import RosterRules, RosterWeights
from routing_ml.scheduling.shifts import (
    MINUTES_PER_DAY,
    WEEKDAYS,
    ShiftTemplate,
    ShiftVariant,
    format_hhmm,
)

if TYPE_CHECKING:  # pragma: no cover
    from ortools.sat.python import cp_model

    from routing_ml.scheduling._patterns import PatternSolution

logger = logging.getLogger(__name__)

#: CP-SAT parameters the roster solve starts from (``SolverConfig.extra_parameters`` wins):
#: probing in presolve costs tens of seconds on 100+ agent rosters and does not pay back.
ROSTER_SOLVER_DEFAULTS: dict[str, Any] = {"cp_model_probing_level": 0}

#: added to the defaults for models up to ``LP_SEARCH_MAX_ASSIGNMENTS`` assignment variables:
#: linearization_level=2 (one worker) and an LP-heavy portfolio (several workers). The
#: model's LP relaxation is tight there (linear days-off blocks, coverage on head counts);
#: with the default portfolio two workers found neither good plans nor a bound (gap ~100%
#: on 55 x 7 x 4), with these the coverage model of that instance is proven optimal in ~2 s.
#: On larger models the root LP alone takes longer than typical time limits on 2 cores.
ROSTER_LP_SEARCH: dict[str, Any] = {"linearization_level": 2,
                                    "subsolvers": ["max_lp", "core", "default_lp", "quick_restart", "no_lp"]}
LP_SEARCH_MAX_ASSIGNMENTS = 8000

#: penalty (unscaled cost units) per relaxed hard-rule group in a partial plan
RELAXATION_PENALTY = 1_000_000

_RULE_TEXT = {
    "min_hours": "min_hours_per_week",
    "max_hours": "max_hours_per_week",
    "max_days": "max_days_per_week",
    "days_off": "min_consecutive_days_off",
    "max_consecutive": "max_consecutive_days",
    "min_rest": "min_rest_hours",
    "coverage": "hard_coverage",
}


@dataclass(eq=False)
class RosterModel:
    """A built roster model: the CP-SAT ``model`` and the variables tests may inspect.

    ``objective_offset`` (cost units) is added to the CP-SAT objective value; 0 since the
    constant is part of the CP-SAT objective.
    ``scale``: CP-SAT objective coefficients are the cost-unit coefficients times ``scale``,
    rounded to integers (:func:`objective_scale`); CP-SAT's objective and bound divided by it
    are in cost units. ``objective_index`` / ``objective_coef`` / ``objective_constant`` hold
    the same objective unrounded (float coefficients by variable index), so
    :meth:`objective_value` is exact even where rounding was not.
    ``groups`` maps a hard-rule group (``(rule, agent_id, week)``; ``week`` is None for
    rules spanning the horizon, ``(\"coverage\", queue, day)`` for hard coverage) to its
    literal when the model was built with ``rule_literals`` other than ``"none"``.
    """

    problem: RosterProblem
    model: cp_model.CpModel
    x: dict[tuple[int, int, int, int], Any]
    n: dict[tuple[int, int, int], Any]
    breaks: dict[tuple[int, int, int, int], list[tuple[int, Any]]]
    under: dict[tuple[int, int], Any]
    over: dict[tuple[int, int], Any]
    groups: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    rule_literals: str = "none"
    objective_offset: float = 0.0
    uncoverable: list[tuple[int, int]] = field(default_factory=list)
    scale: int = OBJECTIVE_SCALE
    objective_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    objective_coef: np.ndarray = field(default_factory=lambda: np.zeros(0))
    objective_constant: float = 0.0

    @property
    def num_assignment_vars(self) -> int:
        return len(self.x)

    def rounding_error_bound(self) -> float:
        """Largest amount (cost units) by which CP-SAT's rounded objective can exceed the
        float objective over the model's domain: 0 when ``scale`` makes every coefficient
        an integer; otherwise the CP-SAT bound minus this is a valid bound."""
        if self.objective_index.size == 0:
            return 0.0
        proto = self.model.proto.objective
        rounded = dict(zip(proto.vars, proto.coeffs, strict=True))
        # a variable may enter the objective more than once (a head count with its shift
        # cost and its over-staffing): CP-SAT holds the sum of its coefficients
        by_var: dict[int, float] = {}
        for i, c in zip(self.objective_index.tolist(), self.objective_coef.tolist(), strict=True):
            by_var[i] = by_var.get(i, 0.0) + c
        err = 0.0
        for i, c in by_var.items():
            diff = rounded.get(i, 0) / self.scale - c
            if abs(diff) > 1e-12 * max(1.0, abs(c)):
                dom = self.model.proto.variables[i].domain  # (OR-Tools' container: no dom[-1])
                err += max(diff * dom[0], diff * dom[len(dom) - 1], 0.0)
        return err

    def objective_value(self, solver: Any) -> float:
        """Objective (cost units) of ``solver``'s solution of this model, computed in floats
        from the variable values (not from the rounded CP-SAT coefficients)."""
        values = np.asarray(solver.response_proto.solution, dtype=float)
        return float(self.objective_constant + values[self.objective_index] @ self.objective_coef)


#: multipliers of ``OBJECTIVE_SCALE`` tried by :func:`objective_scale`, smallest first
_SCALE_MULTIPLIERS = (1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 24, 30, 40, 60, 120)


def _weighted_coefficients(p: RosterProblem) -> dict[str, np.ndarray]:
    """The distinct objective coefficients (cost units) of each weight of ``p``: a weight
    times the hours of one interval (times the interval weights for under-staffing, the
    shift costs for ``shift_cost``), or per day for the soft rules."""
    w = p.weights
    hours = p.interval_minutes / 60.0
    return {
        "under_staffing_per_hour": np.unique(under_tiers(p).unit),  # every tier's, x interval weights
        "over_staffing_per_hour": np.array([w.over_staffing_per_hour * hours]),
        "shift_cost": w.shift_cost * np.unique([v.cost for v in p.variants]),
        "unstable_start_per_day": np.array([w.unstable_start_per_day]),
        "weekend_fairness_per_day": np.array([w.weekend_fairness_per_day]),
        "preference_per_day": np.array([w.preference_per_day]),
    }


def objective_scale(p: RosterProblem) -> int:
    """Integer scale of the CP-SAT objective: the smallest ``OBJECTIVE_SCALE`` x m that makes
    every objective coefficient (weights x hours per interval, x interval weights, x shift
    costs) an integer, so rounding is exact (e.g. 1200 at 5-minute intervals, where an hour
    is 1/12 of an interval's worth); ``OBJECTIVE_SCALE`` x 60 / gcd(interval, 60) when none
    does (per-interval hours stay exact; the reported objective is recomputed in floats)."""
    import math

    values = np.concatenate(list(_weighted_coefficients(p).values()))
    for mult in _SCALE_MULTIPLIERS:
        scaled = values * (OBJECTIVE_SCALE * mult)
        if np.all(np.abs(scaled - np.round(scaled)) <= 1e-9 * np.maximum(1.0, np.abs(scaled))):
            return OBJECTIVE_SCALE * mult
    return OBJECTIVE_SCALE * (60 // math.gcd(p.interval_minutes, 60))


def _warn_lost_weights(p: RosterProblem, s: int) -> None:
    """Warn about non-zero weights whose every scaled coefficient rounds to 0 (ignored by CP-SAT)."""
    w = p.weights
    for name, values in _weighted_coefficients(p).items():
        largest = float(values.max()) if values.size else 0.0
        if largest > 0 and round(largest * s) == 0:
            warnings.warn(
                f"RosterWeights.{name}={getattr(w, name)!r} is below the roster model's resolution "
                f"(objective coefficients are rounded to 1/{s} cost unit): CP-SAT ignores it. Fix: "
                f"scale every weight up by the same factor (the plan is unchanged by a common factor).",
                UserWarning, stacklevel=3)


def identical_agent_classes(p: RosterProblem) -> list[list[int]]:
    """Groups (2+ agents, in index order) of agents interchangeable in the model: same
    shift options every day, weekly hours and soft preferences."""
    return [g for g in agent_classes(p) if len(g) > 1]


def order_plan(p: RosterProblem, plan: dict[tuple[int, int], tuple[int, int]]
               ) -> dict[tuple[int, int], tuple[int, int]]:
    """Permute whole agent plans within identical-agent classes so worked days decrease
    along each class (the symmetry-breaking order of the model); coverage is unchanged."""
    out = dict(plan)
    for cls in identical_agent_classes(p):
        rows = [{d: plan[a, d] for d in range(p.n_days) if (a, d) in plan} for a in cls]
        rows.sort(key=len, reverse=True)
        for a, row in zip(cls, rows, strict=True):
            for d in range(p.n_days):
                out.pop((a, d), None)
            for d, val in row.items():
                out[a, d] = val
    return out


def _sum(terms: list[Any]) -> Any:
    from ortools.sat.python import cp_model

    return cp_model.LinearExpr.sum(terms)


def build_roster_model(problem: RosterProblem, *, rule_literals: str = "none") -> RosterModel:
    """Build the CP-SAT model of a prepared problem (no solve).

    Parameters
    ----------
    problem : from :func:`~routing_ml.scheduling.prepare_problem`.
    rule_literals : ``"none"`` (plain hard rules), ``"assume"`` (each hard-rule group is
        enforced by a literal added as an assumption, to extract an infeasibility core) or
        ``"penalise"`` (group literals free, each relaxed group costs ``RELAXATION_PENALTY``:
        the best partial plan).
    """
    from ortools.sat.python import cp_model

    p = problem
    rules, w = p.rules, p.weights
    m = cp_model.CpModel()
    iv = p.interval_minutes
    per_day, n_t = p.per_day, p.n_periods
    s = objective_scale(p)
    if rule_literals == "none":
        _warn_lost_weights(p, s)
    obj_vars: list[Any] = []
    obj_coefs: list[int] = []
    obj_float: list[float] = []  # the same coefficients in cost units, unrounded
    groups: dict[tuple[Any, ...], Any] = {}

    def lit(key: tuple[Any, ...]) -> Any:
        if rule_literals == "none":
            return None
        if key not in groups:
            groups[key] = m.new_bool_var(f"rule{key}")
        return groups[key]

    def enforce(ct: Any, key: tuple[Any, ...]) -> None:
        lt = lit(key)
        if lt is not None:
            ct.only_enforce_if(lt)

    # -- assignment variables -------------------------------------------------------------
    x: dict[tuple[int, int, int, int], Any] = {}
    by_ad: list[list[list[tuple[Any, int, int]]]] = []
    n_members: dict[tuple[int, int, int], list[Any]] = defaultdict(list)
    tol = rules.stable_start_tolerance_minutes
    pref_coef = round(w.preference_per_day * s)
    for a, agent in enumerate(p.agents):
        agent_days: list[list[tuple[Any, int, int]]] = []
        for d in range(p.n_days):
            lst = []
            wd = p.weekday(d)
            for vi, k in p.options[a][d]:
                var = m.new_bool_var(f"x[{a},{d},{vi},{k}]")
                x[a, d, vi, k] = var
                lst.append((var, vi, k))
                n_members[d, vi, k].append(var)
                if pref_coef:
                    pen = int(wd in agent.preferred_days_off)
                    if agent.preferred_start_minutes is not None and abs(
                            p.variants[vi].start_minutes - agent.preferred_start_minutes) > tol:
                        pen += 1
                    if pen:
                        obj_vars.append(var)
                        obj_coefs.append(pen * pref_coef)
                        obj_float.append(pen * w.preference_per_day)
            if len(lst) > 1:
                m.add_at_most_one(v for v, _, _ in lst)
            agent_days.append(lst)
        by_ad.append(agent_days)

    # -- symmetry breaking: identical agents (same options, contract and preferences) are
    # interchangeable, so order them by worked days (any plan can be permuted to satisfy it).
    # Without it CP-SAT explores every permutation of e.g. 55 identical agents.
    if rule_literals == "none":
        for cls in identical_agent_classes(p):
            for a, b in zip(cls, cls[1:], strict=False):
                m.add(_sum([v for day in by_ad[a] for v, _, _ in day])
                      >= _sum([v for day in by_ad[b] for v, _, _ in day]))

    # -- people per shift, breaks and coverage ---------------------------------------------
    n: dict[tuple[int, int, int], Any] = {}
    brk: dict[tuple[int, int, int, int], list[tuple[int, Any]]] = {}
    terms: dict[tuple[int, int], list[tuple[int, Any]]] = defaultdict(list)
    cover_ub = np.zeros((len(p.skills), n_t), dtype=np.int64)
    cost_coef = w.shift_cost * s
    for (d, vi, k), members in n_members.items():
        v = p.variants[vi]
        nv = m.new_int_var(0, len(members), f"n[{d},{vi},{k}]")
        m.add(nv == _sum(members))
        n[d, vi, k] = nv
        c = round(cost_coef * v.cost)
        if c:
            obj_vars.append(nv)
            obj_coefs.append(c)
            obj_float.append(w.shift_cost * v.cost)
        t0 = d * per_day + v.start_minutes // iv
        t1 = min(n_t, t0 + v.length_minutes // iv)
        for t in range(t0, t1):
            terms[k, t].append((1, nv))
            cover_ub[k, t] += len(members)
        for bi, brule in enumerate(v.template.breaks):
            dur = brule.duration_minutes // iv
            starts = list(range(brule.earliest_offset_minutes, brule.latest_offset_minutes + 1, iv))
            if len(starts) == 1:
                placed = [(starts[0], nv)]
            else:
                placed = [(off, m.new_int_var(0, len(members), f"b[{d},{vi},{k},{bi},{off}]")) for off in starts]
                m.add(_sum([pv for _, pv in placed]) == nv)
            brk[d, vi, k, bi] = placed
            for off, pv in placed:
                tb = t0 + off // iv
                for t in range(tb, min(n_t, tb + dur)):
                    terms[k, t].append((-1, pv))

    under: dict[tuple[int, int], Any] = {}
    over: dict[tuple[int, int], Any] = {}
    uncoverable: list[tuple[int, int]] = []
    offset = 0.0
    offset_float = 0.0
    hours_per_interval = iv / 60.0
    over_float = w.over_staffing_per_hour * hours_per_interval
    over_coef = round(w.over_staffing_per_hour * hours_per_interval * s)
    # Over-staffing is substituted out: with u = max(0, r - sched) at the optimum,
    # over = sched + u - r, so w_o * over moves onto the head-count/break variables and u.
    over_acc: dict[int, list[Any]] = {}
    tiers = under_tiers(p)  # the shortfall of a cell splits into tiers of rising unit cost
    for k in range(len(p.skills)):
        for t in range(n_t):
            r = int(p.required[k, t])
            tier = [(int(wi), float(cf)) for wi, cf in zip(tiers.width[:, k, t], tiers.unit[:, k, t], strict=True)
                    if wi > 0]
            tl = terms.get((k, t))
            if not tl:
                if r > 0:
                    uncoverable.append((k, t))
                    offset += sum(round(cf * s) * wi for wi, cf in tier) / s
                    offset_float += sum(cf * wi for wi, cf in tier)
                    if rules.hard_coverage:  # no shift covers it: the model is infeasible
                        enforce(m.add_bool_or([]), ("coverage", p.skills[k], t // per_day))
                continue
            if over_coef and p.listed[k, t]:
                for c, v in tl:
                    acc = over_acc.setdefault(v.index, [v, 0, 0.0])
                    acc[1] += c * over_coef
                    acc[2] += c * over_float
            if r <= 0:
                continue
            ut = m.new_int_var(0, r, f"under[{k},{t}]")
            expr = cp_model.LinearExpr.weighted_sum([v for _, v in tl], [c for c, _ in tl])
            m.add(expr + ut >= r)
            under[k, t] = ut
            if rules.hard_coverage:
                enforce(m.add(ut == 0), ("coverage", p.skills[k], t // per_day))
            parts = [(ut, tier[0][1])] if len(tier) == 1 else [
                (m.new_int_var(0, wi, f"under[{k},{t},{i}]"), cf) for i, (wi, cf) in enumerate(tier)]
            if len(parts) > 1:
                m.add(ut == _sum([v for v, _ in parts]))
            for uv, under_float in parts:
                if round(under_float * s) + over_coef:
                    obj_vars.append(uv)
                    obj_coefs.append(round(under_float * s) + over_coef)
                    obj_float.append(under_float + (over_float if over_coef else 0.0))
            if p.listed[k, t]:
                offset -= over_coef * r / s
                if over_coef:
                    offset_float -= over_float * r
    for v, c, cf in over_acc.values():
        if c:
            obj_vars.append(v)
            obj_coefs.append(c)
            obj_float.append(cf)

    # -- hard labour rules per agent -----------------------------------------------------------
    max_wd = rules.max_days_per_week
    mc = rules.max_consecutive_days
    L = rules.min_consecutive_days_off
    rest = rules.min_rest_minutes
    for a, agent in enumerate(p.agents):
        aid = agent.agent_id
        work = [[v for v, _, _ in by_ad[a][d]] for d in range(p.n_days)]
        for wk in range(p.n_weeks):
            week_days = range(7 * wk, 7 * wk + 7)
            vars_w = [(v, p.variants[vi].paid_minutes) for d in week_days for v, vi, _ in by_ad[a][d]]
            if not vars_w:
                if agent.min_minutes(wk) > 0:
                    lt = lit(("min_hours", aid, wk))
                    if lt is None:
                        m.add_bool_or([])  # no shift possible: the minimum cannot hold
                    else:
                        m.add(lt == 0)
                continue
            expr = cp_model.LinearExpr.weighted_sum([v for v, _ in vars_w], [pm for _, pm in vars_w])
            if agent.min_minutes(wk) > 0:
                enforce(m.add(expr >= agent.min_minutes(wk)), ("min_hours", aid, wk))
            if agent.max_minutes_per_week < sum(sorted((pm for _, pm in vars_w), reverse=True)[:7]):
                enforce(m.add(expr <= agent.max_minutes_per_week), ("max_hours", aid, wk))
            worked_days = [d for d in week_days if work[d]]
            if max_wd < len(worked_days):
                enforce(m.add(_sum([v for d in week_days for v in work[d]]) <= max_wd), ("max_days", aid, wk))
            if L >= 2:
                blocks = []
                trivially = False
                for j in range(7 * wk, 7 * wk + 8 - L):
                    vs = [v for d in range(j, j + L) for v in work[d]]
                    if not vs:
                        trivially = True
                        break
                    blocks.append(vs)
                if not trivially:
                    # off_j = "the block starting on day 7*wk+j is off". Linear (not reified)
                    # so the LP relaxation sees it: per day, working + every block holding
                    # the day off <= 1 (at most one block per day is chosen, which loses nothing).
                    rs = [m.new_bool_var(f"off[{a},{wk},{bi}]") for bi in range(len(blocks))]
                    for d in week_days:
                        holding = [r_ for bi, r_ in enumerate(rs) if 7 * wk + bi <= d < 7 * wk + bi + L]
                        if holding:
                            m.add(_sum(work[d] + holding) <= 1)
                    enforce(m.add_bool_or(rs), ("days_off", aid, wk))
        if mc < p.n_days:
            for d0 in range(0, p.n_days - mc):
                vs = [v for d in range(d0, d0 + mc + 1) for v in work[d]]
                if sum(1 for d in range(d0, d0 + mc + 1) if work[d]) > mc:
                    enforce(m.add(_sum(vs) <= mc), ("max_consecutive", aid, None))
        if agent.carry_over_window:  # working days in a row carried over: one of these off
            win = agent.carry_over_window
            enforce(m.add(_sum([v for d in win for v in work[d]]) <= len(win) - 1),
                    ("max_consecutive", aid, None))
        # every rest, 0 too: a rest of 0 still forbids overlapping shifts
        for d in range(p.n_days):
            first = by_ad[a][d]
            if not first:
                continue
            ends = sorted({p.variants[vi].end_minutes for _, vi, _ in first})
            g = 1
            while d + g < p.n_days:
                second = by_ad[a][d + g]
                if not second:
                    g += 1
                    if g * MINUTES_PER_DAY > ends[-1] + rest:
                        break
                    continue
                starts2 = [(v, p.variants[vi].start_minutes + g * MINUTES_PER_DAY) for v, vi, _ in second]
                if min(st for _, st in starts2) >= ends[-1] + rest:
                    break
                # a relaxed rest rule still may not put one person on two shifts at once
                # (a partial plan had 23:00-07:00 then 06:00-12:00): overlaps held hard
                gaps = (rest, 0) if rule_literals != "none" and rest > 0 else (rest,)
                # (a rest of 0 is the no-overlap rule alone: hard in every model)
                for gap in gaps:
                    last_set2: frozenset[int] | None = None
                    for e in ends:  # increasing e: set1 shrinks, set2 grows
                        set2 = [v for v, st in starts2 if st < e + gap]
                        if not set2:
                            continue
                        key = frozenset(id(v) for v in set2)
                        if key == last_set2:
                            continue
                        last_set2 = key
                        set1 = [v for v, vi, _ in first if p.variants[vi].end_minutes >= e]
                        if gap == rest and rest > 0:
                            enforce(m.add(_sum(set1 + set2) <= 1), ("min_rest", aid, None))
                        else:
                            m.add(_sum(set1 + set2) <= 1)
                g += 1

    # -- soft rules ---------------------------------------------------------------------------------
    stable = round(w.unstable_start_per_day * s)
    if stable:
        for a in range(len(p.agents)):
            for wk in range(p.n_weeks):
                stable_days = [d for d in range(7 * wk, 7 * wk + 7) if by_ad[a][d]]
                anchors = sorted({p.variants[vi].start_minutes for d in stable_days for _, vi, _ in by_ad[a][d]})
                if len(anchors) <= 1 or (anchors[-1] - anchors[0]) <= tol:
                    continue
                h = [m.new_bool_var(f"anchor[{a},{wk},{b}]") for b in anchors]
                m.add_exactly_one(h)
                # unstable[d] >= worked[d] - sum_b y[d, b] with y[d, b] <= anchor[b] and
                # y[d, b] <= "a shift near anchor b on day d": exact on integers and far
                # tighter in the LP relaxation than one reified constraint per anchor.
                for d in stable_days:
                    dev = m.new_bool_var(f"unstable[{a},{d}]")
                    obj_vars.append(dev)
                    obj_coefs.append(stable)
                    obj_float.append(w.unstable_start_per_day)
                    ys = []
                    for hb, b in zip(h, anchors, strict=True):
                        near = [v for v, vi, _ in by_ad[a][d] if abs(p.variants[vi].start_minutes - b) <= tol]
                        if not near:
                            continue
                        y = m.new_bool_var(f"stable[{a},{d},{b}]")
                        m.add(y <= hb)
                        m.add(y <= _sum(near))
                        ys.append(y)
                    m.add(_sum([v for v, _, _ in by_ad[a][d]]) <= dev + _sum(ys))
    wkend = round(w.weekend_fairness_per_day * s)
    weekend_days = [d for d in range(p.n_days) if p.weekday(d) >= 5]
    if wkend and weekend_days:
        mx = m.new_int_var(0, len(weekend_days), "max_weekend_days")
        for a in range(len(p.agents)):
            vs = [v for d in weekend_days for v, _, _ in by_ad[a][d]]
            if vs:
                m.add(_sum(vs) <= mx)
        obj_vars.append(mx)
        obj_coefs.append(wkend)
        obj_float.append(w.weekend_fairness_per_day)

    if rule_literals == "assume":
        m.add_assumptions(list(groups.values()))
    elif rule_literals == "penalise":
        pen = RELAXATION_PENALTY * s
        for lt in groups.values():
            obj_vars.append(lt)
            obj_coefs.append(-pen)
            obj_float.append(-float(RELAXATION_PENALTY))
        offset += RELAXATION_PENALTY * len(groups)
        offset_float += RELAXATION_PENALTY * len(groups)
    # The constant goes into the CP-SAT objective itself (it is an integer once scaled), so
    # CP-SAT's own relative_gap_limit and bound refer to the true objective: with it outside,
    # a -334 offset on 55 x 7 x 4 made CP-SAT stop at "0.3%" when the true gap was 1.6%.
    m.minimize(cp_model.LinearExpr.weighted_sum(obj_vars, obj_coefs) + int(round(offset * s)))
    return RosterModel(problem=p, model=m, x=x, n=n, breaks=brk, under=under, over=over,
                       groups=groups, rule_literals=rule_literals, objective_offset=0.0,
                       uncoverable=uncoverable, scale=s,
                       objective_index=np.array([v.index for v in obj_vars], dtype=np.int64),
                       objective_coef=np.array(obj_float, dtype=float), objective_constant=offset_float)


# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class RosterKPIs:
    """The figures a planner checks first.

    Attributes
    ----------
    required_hours : agent-hours required over the horizon (all queues).
    scheduled_hours : agent-hours on queue (on shift, not on break) over the intervals listed
        in the requirements (where required or not; hours outside them are in paid_hours).
    hours_under, hours_over : missing / surplus agent-hours summed over intervals.
    intervals_understaffed : (queue, interval) pairs with ``scheduled < required``.
    worst_shortfall_pct : the largest share of one interval's requirement left uncovered,
        in % (0 when every interval is covered): a shortfall piled into one interval shows
        here, where ``hours_under`` would hide it.
    over_assignment_pct : ``100 * hours_over / required_hours``.
    paid_hours : paid hours of all shifts.
    shifts : number of shifts in the roster.
    hard_rule_violations : violations found by :func:`check_roster` (0 for a valid plan).
    """

    required_hours: float
    scheduled_hours: float
    hours_under: float
    hours_over: float
    intervals_understaffed: int
    over_assignment_pct: float
    worst_shortfall_pct: float
    paid_hours: float
    shifts: int
    hard_rule_violations: int

    def as_dict(self) -> dict[str, float | int]:
        return {f: getattr(self, f) for f in self.__slots__}  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True, kw_only=True)
class RosterResult:
    """Result of :func:`build_roster` / :func:`solve_roster_model`.

    Attributes
    ----------
    status : :class:`SolveStatus`; INFEASIBLE when the hard rules conflict (then ``roster``
        is the best partial plan with the groups in ``relaxed_rules`` relaxed).
    objective, best_bound, gap : in cost units (see :class:`RosterWeights`); None without
        a solution.
    wall_time_seconds : solve time (including any infeasibility analysis).
    lp_bound : LP-relaxation bound (HiGHS) when computed in time; with soft-rule weights it
        is the bound of the coverage-only first phase (the larger of HiGHS' and CP-SAT's
        bounds of that model, valid since soft terms are >= 0); ``best_bound`` is the larger
        of it and CP-SAT's bound of the full model.
    roster : one row per shift: ``agent_id``, ``date``, ``shift``, ``unique_id`` (queue served),
        ``start``, ``end`` (timestamps), ``paid_hours``, ``breaks`` (``"HH:MM-HH:MM name; ..."``).
    breaks : one row per break: ``agent_id``, ``date``, ``break``, ``start``, ``end``, ``paid``.
    coverage : ``unique_id``, ``ds``, ``required``, ``scheduled``, ``gap`` (``scheduled -
        required``), recomputed from ``roster`` and ``breaks``.
    uncovered : rows of ``coverage`` with ``gap < 0``.
    kpis : :class:`RosterKPIs`.
    violations : :func:`check_roster` output (``agent_id``, ``date``, ``rule``, ``detail``).
    reason : human-readable cause of infeasibility (agent, week/day, rule), else None.
    relaxed_rules : hard-rule groups relaxed in the partial plan.
    solver_parameters : the CP-SAT parameters used; ``progress`` : improving solutions.
    method : ``"patterns"`` when the pattern model (HiGHS) gave the plan within the gap
        limit, ``"patterns+cp-sat"`` when CP-SAT improved on it, ``"weeks"`` when the weeks
        were rostered one after another (``solver_parameters["weeks"]`` has each week's
        method, objective, bound and bound as a week planned alone,
        ``solver_parameters["bound_of"]`` what the bound counts), ``"greedy"`` when no
        solver found a plan within the time limit and the greedy roster (breaks at their
        earliest starts, bound 0) is returned, else ``"cp-sat"``.
    notes : what the plan cannot do that the inputs ask for, found before solving:
        requirement rows outside the horizon, queues no agent can work (also warned); with
        ``time_zone``, the daylight-saving changes of the horizon and the shifts across
        them, found after solving.
    """

    status: SolveStatus
    objective: float | None
    best_bound: float | None
    gap: float | None
    wall_time_seconds: float
    lp_bound: float | None
    roster: pd.DataFrame
    breaks: pd.DataFrame
    coverage: pd.DataFrame
    uncovered: pd.DataFrame
    kpis: RosterKPIs
    violations: pd.DataFrame
    reason: str | None
    relaxed_rules: tuple[str, ...]
    solver_parameters: dict[str, Any]
    progress: tuple[ProgressPoint, ...]
    horizon_start: pd.Timestamp
    days: int
    method: str = "cp-sat"
    notes: tuple[str, ...] = ()

    def raise_for_status(self) -> RosterResult:
        """Return self, or raise ``InfeasibleScheduleError`` naming the binding rules."""
        raise_infeasible(self.status, self.reason, "build_roster")
        return self


def _group_text(p: RosterProblem, key: tuple[Any, ...]) -> str:
    rule, who, when = key
    if rule == "coverage":
        return (f"queue '{who}' on {p.date(when).date()} ({WEEKDAYS[p.weekday(when)]}): "
                f"hard_coverage cannot be met")
    agent = next(a for a in p.agents if a.agent_id == who)
    r = p.rules
    where = f"agent '{who}'"
    if when is not None:
        where += f" week {when + 1} ({p.date(7 * when).date()}..{p.date(7 * when + 6).date()})"
    detail = {
        "min_hours": f"min_hours_per_week={agent.min_minutes(when or 0) / 60:g}",
        "max_hours": f"max_hours_per_week={agent.max_minutes_per_week / 60:g}",
        "max_days": f"max_days_per_week={r.max_days_per_week}",
        "days_off": f"min_consecutive_days_off={r.min_consecutive_days_off}",
        "max_consecutive": f"max_consecutive_days={r.max_consecutive_days}",
        "min_rest": f"min_rest_hours={r.min_rest_hours:g}",
    }[rule]
    if agent.unavailable_text and rule in ("min_hours", "max_days", "days_off"):
        detail += f" (unavailable: {agent.unavailable_text})"
    if not when:  # week 1, or a rule over the whole horizon
        detail += _carry_over_text(p, agent)
    return f"{where}: rule {detail}"


def _core_text(p: RosterProblem, core: list[tuple[Any, ...]], max_listed: int = 8) -> list[str]:
    """The reason for an infeasibility core: one entry per group, or, for a larger core,
    one per rule with the days or agents it covers (the full list is logged)."""
    if not core:
        return []
    head = "these hard rules cannot hold together: "
    if len(core) <= max_listed:
        texts = [_group_text(p, key) for key in core]
        return [head + texts[0], *texts[1:]]
    logger.info("infeasibility core of %d groups: %s", len(core),
                "; ".join(_group_text(p, key) for key in core))
    out = []
    cover = defaultdict(list)
    for rule, who, when in core:
        if rule == "coverage":
            cover[who].append(when)
    for q, days in cover.items():
        days = sorted(days)
        dates = [f"{p.date(d).date()}" for d in days]
        shown = ", ".join(dates) if len(dates) <= 4 else f"{', '.join(dates[:3])}, ... {dates[-1]}"
        out.append(f"hard_coverage of queue '{q}' on {len(days)} day(s) ({shown})")
    by_rule: dict[str, list[str]] = defaultdict(list)
    for key in core:
        if key[0] != "coverage":
            detail = _group_text(p, key).split(": rule ", 1)[1]
            when = f" in week {key[2] + 1}" if key[2] is not None else ""
            by_rule[detail + when].append(key[1])
    for detail, who in by_rule.items():
        names = list(dict.fromkeys(who))
        listed = ", ".join(names[:6]) + (f" (+{len(names) - 6} more)" if len(names) > 6 else "")
        out.append(f"rule {detail} of {len(names)} agent(s): {listed}")
    out[0] = head + f"{len(core)} rule groups, " + out[0]
    return out


def _carry_over_text(p: RosterProblem, agent: Any) -> str:
    """What ``previous_roster`` takes from an agent's first week, for a reason ('' if nothing)."""
    parts = []
    if agent.carry_over_window:
        win = agent.carry_over_window
        days = (f"{p.date(win[0]).date()}" if len(win) == 1 else
                f"one of {p.date(win[0]).date()}..{p.date(win[-1]).date()}")
        parts.append(f"{days} off after {agent.previous_streak} working day(s) in a row before "
                     f"the horizon")
    if agent.previous_end_minutes is not None and agent.previous_end_minutes + \
            p.rules.min_rest_minutes > 0:
        until = p.start + pd.Timedelta(minutes=agent.previous_end_minutes + p.rules.min_rest_minutes)
        parts.append(f"rest until {until:%Y-%m-%d %H:%M}")
    return f"; previous_roster: {', '.join(parts)}" if parts else ""


def precheck_infeasibility(p: RosterProblem) -> list[str]:
    """Reasons the hard rules cannot hold, found without a solver (may be empty).

    Checks each agent-week's minimum paid hours against its available days (capped by
    ``max_days_per_week``, the days-off block and ``max_consecutive_days``: see
    ``RosterRules.max_working_days_per_week``) times its longest allowed shift, and
    hard coverage of intervals that need more agents than have an allowed shift covering
    them.
    """
    reasons = []
    r = p.rules
    for a, agent in enumerate(p.agents):
        if agent.min_minutes_per_week <= 0:
            continue
        for wk in range(p.n_weeks):
            days = [d for d in range(7 * wk, 7 * wk + 7) if p.options[a][d]]
            longest = max((p.variants[vi].paid_minutes for d in days for vi, _ in p.options[a][d]), default=0)
            cap_days = min(len(days), r.max_working_days_per_week)
            if wk == 0 and agent.carry_over_window:  # one of its first days is off
                cap_days = min(cap_days, len(days) - 1)
            if cap_days * longest < agent.min_minutes(wk):
                off = 7 - len(days)
                reasons.append(
                    f"agent '{agent.agent_id}' week {wk + 1} ({p.date(7 * wk).date()}..{p.date(7 * wk + 6).date()}): "
                    f"rule min_hours_per_week={agent.min_minutes(wk) / 60:g} cannot be met: at most "
                    f"{cap_days} working day(s) x {longest / 60:g} paid h = {cap_days * longest / 60:g} h "
                    f"({off} day(s) unavailable{': ' + agent.unavailable_text if agent.unavailable_text else ''}; "
                    f"max_days_per_week={r.max_days_per_week}, min_consecutive_days_off="
                    f"{r.min_consecutive_days_off}, max_consecutive_days={r.max_consecutive_days})"
                    f"{_carry_over_text(p, agent) if wk == 0 else ''}. "
                    f"Fix: lower its min_hours_per_week for that week "
                    f"or its unavailability.")
    if r.hard_coverage:
        per_day = p.per_day
        for k, skill in enumerate(p.skills):
            # agents who have some allowed shift covering each interval: an upper bound on
            # the head count there (each agent works one shift a day)
            able = np.zeros((len(p.agents), p.n_periods), dtype=bool)
            for a in range(len(p.agents)):
                for d in range(p.n_days):
                    for vi, kk in p.options[a][d]:
                        if kk == k:
                            v = p.variants[vi]
                            t0 = d * per_day + v.start_minutes // p.interval_minutes
                            able[a, t0:t0 + v.length_minutes // p.interval_minutes] = True
            count = able.sum(axis=0)
            short = p.required[k] - count
            bad = np.flatnonzero(short > 0)
            if bad.size:
                t = int(bad[np.argmax(short[bad])])
                ts = p.start + pd.Timedelta(minutes=t * p.interval_minutes)
                who = [p.agents[a].agent_id for a in np.flatnonzero(able[:, t])]
                names = ", ".join(who[:8]) + (", ..." if len(who) > 8 else "")
                able_txt = (f"only {len(who)} have an allowed shift covering it ({names})" if who
                            else "no available agent has a shift covering it")
                if any(a.previous_end_minutes is not None for a in p.agents) and t < 7 * per_day:
                    able_txt += (" (the rest and working days in a row carried over from "
                                 "previous_roster count)")
                reasons.append(
                    f"queue '{skill}' on {ts:%Y-%m-%d %H:%M} ({WEEKDAYS[ts.weekday()]}): "
                    f"hard_coverage cannot be met: {int(p.required[k, t])} agent(s) needed but "
                    f"{able_txt}; {bad.size} interval(s) of this queue are short like this. Fix: "
                    f"add agents or shift templates for those hours, lower the requirement, or set "
                    f"hard_coverage=False.")
    if r.hard_coverage and not reasons:  # weekly agent-hours, when no single cause shows
        reasons += _coverage_capacity_reasons(p)
    return reasons


def _covered_minutes(v: ShiftVariant) -> int:
    """Minutes a shift counts in coverage: its length minus every break."""
    return v.length_minutes - sum(b.duration_minutes for b in v.template.breaks)


def _coverage_capacity_reasons(p: RosterProblem) -> list[str]:
    """Hard coverage needing more agent-hours in a week than the agents can give.

    Per queue and week (and then all queues together): the required agent-minutes against
    the sum, over the agents with an allowed shift on that queue, of the most covered
    minutes the rules let them work that week — ``min(max_hours_per_week, working days x
    longest covered shift)`` (breaks do not count in coverage) — plus what a shift across
    midnight from the previous week can still cover. A necessary condition, so a shortfall
    is a proof of infeasibility; the interval check above finds single short intervals.
    """
    r = p.rules
    per_week = 7 * p.per_day
    cap_days_rule = r.max_working_days_per_week
    out: list[str] = []
    groups: list[tuple[str, tuple[int, ...]]] = [(f"queue '{s}'", (k,)) for k, s in enumerate(p.skills)]
    if len(p.skills) > 1:
        groups.append(("all queues together", tuple(range(len(p.skills)))))
    for wk in range(p.n_weeks):
        lo, hi = wk * per_week, (wk + 1) * per_week
        first_day = 7 * wk
        for label, ks in groups:
            need = float(p.required[list(ks), lo:hi].sum()) * p.interval_minutes
            if need <= 0:
                continue
            cap = 0.0
            able: list[str] = []
            for a, agent in enumerate(p.agents):
                covers = [_covered_minutes(p.variants[vi]) for d in range(first_day, first_day + 7)
                          for vi, k in p.options[a][d] if k in ks]
                days = sum(1 for d in range(first_day, first_day + 7)
                           if any(k in ks for _, k in p.options[a][d]))
                spill = max((p.variants[vi].end_minutes - MINUTES_PER_DAY
                             for vi, k in (p.options[a][first_day - 1] if first_day > 0 else ())
                             if k in ks and p.variants[vi].crosses_midnight), default=0)
                if not covers and spill <= 0:
                    continue
                able.append(agent.agent_id)
                week_cap = min(agent.max_minutes_per_week, min(days, cap_days_rule) * max(covers, default=0))
                cap += week_cap + max(spill, 0)
            if need > cap + 1e-9:
                names = ", ".join(able[:8]) + (f" (+{len(able) - 8} more)" if len(able) > 8 else "")
                who = (f"the {len(able)} agent(s) who can work it ({names}) can give at most {cap / 60:g} h"
                       if able else "no agent can work it")
                skill_fix = (f"add agents with skill '{p.skills[ks[0]]}'" if len(ks) == 1 else "add agents")
                out.append(
                    f"{label} week {wk + 1} ({p.date(first_day).date()}..{p.date(first_day + 6).date()}): "
                    f"hard_coverage cannot be met: it needs {need / 60:g} agent-hours of coverage but "
                    f"{who} (each at most min(max_hours_per_week, {cap_days_rule} working day(s) x "
                    f"the longest shift without its breaks); max_days_per_week={r.max_days_per_week}, "
                    f"min_consecutive_days_off={r.min_consecutive_days_off}, max_consecutive_days="
                    f"{r.max_consecutive_days}). Fix: {skill_fix}, raise max_hours_per_week or "
                    f"max_days_per_week, lower the requirement, or set hard_coverage=False.")
        if out:  # one week is enough to make the point
            break
    return out


def _shift_row(p: RosterProblem, a: int, d: int, vi: int, k: int, breaks: str = "") -> dict[str, Any]:
    v = p.variants[vi]
    day = p.date(d)
    return {AGENT_ID: p.agents[a].agent_id, "date": day, "shift": v.name, ID: p.skills[k],
            "start": day + pd.Timedelta(minutes=v.start_minutes),
            "end": day + pd.Timedelta(minutes=v.end_minutes),
            "paid_hours": v.paid_minutes / 60.0, "breaks": breaks}


def _spread_past_horizon(p: RosterProblem, d: int, vi: int, bi: int, offsets: list[int]) -> list[int]:
    """Break offsets of the shifts of one (day, variant, break), spread over the break's
    window when all of that window lies past the horizon's end.

    Nothing in the horizon depends on them, so the solvers leave them where they fall (the
    six Sunday-night agents of a week all at lunch on Monday 01:00): the next roster, which
    counts these shifts as staffing (``previous_roster``), then found the line empty for
    half an hour. Spread evenly over the window, they leave it staffed. Other offsets are
    returned as they are."""
    v = p.variants[vi]
    b = v.template.breaks[bi]
    if d * MINUTES_PER_DAY + v.start_minutes + b.earliest_offset_minutes < p.n_days * MINUTES_PER_DAY:
        return offsets
    grid = list(range(b.earliest_offset_minutes, b.latest_offset_minutes + 1, p.interval_minutes))
    n = len(offsets)
    return [grid[(i * len(grid)) // n] for i in range(n)] if n and grid else offsets


def _frames(rows: list[dict[str, Any]], brows: list[dict[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    roster = pd.DataFrame(rows, columns=[AGENT_ID, "date", "shift", ID, "start", "end", "paid_hours", "breaks"])
    breaks = pd.DataFrame(brows, columns=[AGENT_ID, "date", "break", "start", "end", "paid"])
    roster = roster.sort_values([AGENT_ID, "start"], kind="stable").reset_index(drop=True)
    breaks = breaks.sort_values([AGENT_ID, "start"], kind="stable").reset_index(drop=True)
    return roster, breaks


def _extract(rm: RosterModel, solver: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    p = rm.problem
    chosen: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    for (a, d, vi, k), var in rm.x.items():
        if solver.boolean_value(var):
            chosen[d, vi, k].append(a)
    rows: list[dict[str, Any]] = []
    brows: list[dict[str, Any]] = []
    for (d, vi, k), agents in sorted(chosen.items()):
        v = p.variants[vi]
        day = p.date(d)
        st = day + pd.Timedelta(minutes=v.start_minutes)
        per_agent: dict[int, list[str]] = defaultdict(list)
        for bi, b in enumerate(v.template.breaks):
            offs = []
            for off, pv in rm.breaks[d, vi, k, bi]:
                offs.extend([off] * int(solver.value(pv)))
            offs = _spread_past_horizon(p, d, vi, bi, offs)
            for a, off in zip(sorted(agents), offs, strict=False):
                bs = st + pd.Timedelta(minutes=off)
                be = bs + pd.Timedelta(minutes=b.duration_minutes)
                brows.append({AGENT_ID: p.agents[a].agent_id, "date": day, "break": b.name,
                              "start": bs, "end": be, "paid": b.paid})
                per_agent[a].append(f"{bs:%H:%M}-{be:%H:%M} {b.name}")
        rows.extend(_shift_row(p, a, d, vi, k, "; ".join(per_agent[a])) for a in agents)
    return _frames(rows, brows)


def roster_frames_from_plan(p: RosterProblem, plan: dict[tuple[int, int], tuple[int, int]],
                            breaks: dict[tuple[int, int], tuple[tuple[int, int], ...]] | None = None
                            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Roster and breaks frames of a plan ``{(agent, day): (variant, skill)}`` and its
    breaks ``{(agent, day): ((break index, start offset minutes), ...)}``.

    Raises ValueError when a shift whose template has breaks has none placed."""
    breaks = dict(breaks or {})
    # breaks past the horizon's end: spread over their window per (day, variant, break)
    past: dict[tuple[int, int, int], list[tuple[int, int]]] = defaultdict(list)
    for (a, d), (vi, _) in sorted(plan.items()):
        for bi, off in breaks.get((a, d), ()):
            past[d, vi, bi].append((a, off))
    for (d, vi, bi), items in past.items():
        offsets = [off for _, off in items]
        spread = _spread_past_horizon(p, d, vi, bi, offsets)
        if spread is offsets:  # inside the horizon: as placed
            continue
        for (a, _), off in zip(items, spread, strict=True):
            breaks[a, d] = tuple((j, off if j == bi else o) for j, o in breaks[a, d])
    rows, brows = [], []
    for (a, d), (vi, k) in sorted(plan.items()):
        v = p.variants[vi]
        placed = sorted(breaks.get((a, d), ()))
        if len(placed) != len(v.template.breaks):
            raise ValueError(f"roster_frames_from_plan: agent {p.agents[a].agent_id!r} on {p.date(d).date()} "
                             f"has {len(placed)} break(s) placed for the {len(v.template.breaks)} of "
                             f"shift {v.name!r}.")
        st = p.date(d) + pd.Timedelta(minutes=v.start_minutes)
        texts = []
        for bi, off in placed:
            b = v.template.breaks[bi]
            bs = st + pd.Timedelta(minutes=off)
            be = bs + pd.Timedelta(minutes=b.duration_minutes)
            brows.append({AGENT_ID: p.agents[a].agent_id, "date": p.date(d), "break": b.name,
                          "start": bs, "end": be, "paid": b.paid})
            texts.append(f"{bs:%H:%M}-{be:%H:%M} {b.name}")
        rows.append(_shift_row(p, a, d, vi, k, "; ".join(texts)))
    return _frames(rows, brows)


def coverage_from_roster(roster: pd.DataFrame, breaks: pd.DataFrame, p: RosterProblem) -> pd.DataFrame:
    """Required vs scheduled per (queue, interval), recomputed from the roster frames.

    Returns
    -------
    DataFrame with ``unique_id``, ``ds``, ``required``, ``scheduled``, ``gap``
    (``scheduled - required``: negative where under-staffed), one row per (queue, interval) row of the requirements
    frame inside the horizon.
    """
    iv = pd.Timedelta(minutes=p.interval_minutes)
    n_t = p.n_periods
    k_index = {k: i for i, k in enumerate(p.skills)}
    diff = np.zeros((len(p.skills), n_t + 1), dtype=np.int64)
    shift_skill = {}
    for row in roster.itertuples(index=False):
        k = k_index.get(getattr(row, ID), -1)
        if k < 0:  # a queue the requirements do not list (check_roster reports it)
            continue
        t0 = int((row.start - p.start) / iv)
        t1 = int((row.end - p.start) / iv)
        t0c, t1c = max(0, t0), min(n_t, t1)
        if t0c < t1c:
            diff[k, t0c] += 1
            diff[k, t1c] -= 1
        shift_skill[(getattr(row, AGENT_ID), row.date)] = k
    for row in breaks.itertuples(index=False):
        k = shift_skill.get((getattr(row, AGENT_ID), row.date), -1)
        if k < 0:  # a break without a shift (check_roster reports it): takes no one off
            continue
        t0 = max(0, int((row.start - p.start) / iv))
        t1 = min(n_t, int((row.end - p.start) / iv))
        if t0 < t1:
            diff[k, t0] -= 1
            diff[k, t1] += 1
    sched = np.cumsum(diff[:, :n_t], axis=1)
    required = p.required
    if p.carried is not None:  # the previous roster's shifts into the horizon count on both sides
        required, sched = required + p.carried, sched + p.carried
    ds = p.start + pd.to_timedelta(np.arange(n_t) * p.interval_minutes, unit="min")
    frames = [pd.DataFrame({ID: skill, TIME: ds[p.listed[k]], "required": required[k][p.listed[k]],
                            "scheduled": sched[k][p.listed[k]]})
              for k, skill in enumerate(p.skills)]
    cov = pd.concat(frames, ignore_index=True)
    cov["gap"] = cov["scheduled"] - cov["required"]
    return cov


def _kpis(cov: pd.DataFrame, roster: pd.DataFrame, p: RosterProblem, n_violations: int) -> RosterKPIs:
    h = p.interval_minutes / 60.0
    req_h = float(cov["required"].sum() * h)
    under = float(np.clip(-cov["gap"], 0, None).sum() * h)
    over = float(np.clip(cov["gap"], 0, None).sum() * h)
    needed = cov["required"] > 0
    short = np.clip(-cov["gap"][needed], 0, None) / cov["required"][needed]
    return RosterKPIs(
        worst_shortfall_pct=float(100.0 * short.max()) if len(short) else 0.0,
        required_hours=req_h, scheduled_hours=float(cov["scheduled"].sum() * h), hours_under=under,
        hours_over=over, intervals_understaffed=int((cov["gap"] < 0).sum()),
        over_assignment_pct=100.0 * over / req_h if req_h else 0.0,
        paid_hours=float(roster["paid_hours"].sum()), shifts=len(roster),
        hard_rule_violations=n_violations,
    )


def _better_start(p: Any, pattern: Any) -> dict[tuple[int, int], tuple[int, int]]:
    """CP-SAT's starting plan after the pattern phase: the pattern plan, or the greedy
    roster when that scores lower. A listed-pattern MILP stopped by its time limit can
    return a poor incumbent (a 12-agent week: 4,880 against the greedy roster's 944, when
    HiGHS ran without presolve on a loaded machine), and CP-SAT left with little time
    would keep it. Column generation's plans start from the greedy roster's best responses
    and are not checked (the greedy roster of the 150-agent week takes about 1 s)."""
    if pattern.generated:
        return pattern.plan
    from routing_ml.scheduling._greedy import greedy_roster
    from routing_ml.scheduling._patterns import plan_objective

    greedy = greedy_roster(p)
    # (the greedy plan is scored without breaks, a little low; CP-SAT places them)
    if plan_objective(p, greedy) < pattern.objective:
        logger.debug("pattern plan (%.2f) worse than the greedy roster: CP-SAT starts from the greedy one",
                     pattern.objective)
        return greedy
    return pattern.plan


def warm_start(rm: RosterModel, time_limit_seconds: float,
               plan: dict[tuple[int, int], tuple[int, int]] | None = None) -> Any:
    """Hint every variable of ``rm.model`` with a complete solution built from ``plan``.

    ``plan`` (``{(agent, day): (variant, skill)}``, default the greedy roster of
    :func:`~routing_ml.scheduling._greedy.greedy_roster`) fixes the assignments; a short
    CP-SAT solve on a copy completes breaks, coverage and soft-rule variables. Returns the
    completion's solver (its values index ``rm.model``'s variables), or None (and leaves no
    hint) when that completion fails.
    """
    from ortools.sat.python import cp_model

    from routing_ml.scheduling._greedy import greedy_roster

    if plan is None:
        plan = greedy_roster(rm.problem)
    if rm.rule_literals == "none":
        plan = order_plan(rm.problem, plan)
    fixed = rm.model.clone()
    fixed.clear_hints()
    fixed.clear_assumptions()
    for (a, d, vi, k), var in rm.x.items():
        fixed.add(fixed.get_bool_var_from_proto_index(var.index) == int(plan.get((a, d)) == (vi, k)))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit_seconds)
    solver.parameters.num_workers = 1
    status = solver.solve(fixed)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        logger.debug("warm start: greedy plan not completed (%s)", solver.status_name(status))
        return None
    values = solver.response_proto.solution
    rm.model.clear_hints()
    proto = rm.model.proto
    for i in range(len(proto.variables)):
        proto.solution_hint.vars.append(i)
        proto.solution_hint.values.append(values[i])
    logger.debug("warm start: hint objective %.2f", rm.objective_value(solver))
    return solver


def _solve_once(rm: RosterModel, config: SolverConfig, progress: ProgressCallback | None,
                deadline: float | None = None, lp_bound: float | None = None,
                origin: float | None = None) -> tuple[Any, SolveStatus, list[ProgressPoint]]:
    if deadline is not None:
        left = max(0.1, deadline - time.perf_counter())
        config = replace(config, time_limit_seconds=min(config.time_limit_seconds, left))
    defaults = dict(ROSTER_SOLVER_DEFAULTS)
    if len(rm.x) <= LP_SEARCH_MAX_ASSIGNMENTS:
        defaults.update(ROSTER_LP_SEARCH)
    solver = make_solver(config, defaults)
    gap_limit = config.relative_gap_limit

    def on_point(point: ProgressPoint) -> None:
        if progress is not None:
            progress(point)
        # stop as soon as the LP bound proves the relative gap limit (CP-SAT cannot see it)
        if lp_bound is not None and gap_limit > 0 and point.objective > 0 and \
                (point.objective - lp_bound) / point.objective <= gap_limit:
            cb.stop_search()

    cb, points = make_progress_callback(rm.scale, rm.objective_offset, on_point, origin)
    code = solver.solve(rm.model, cb)
    return solver, status_from_cp_sat(code), points


#: on hard infeasibility, the diagnosis may run this share of the time limit past it
EXPLAIN_SHARE = 0.5
#: share of the partial plan's time for the plan that keeps the agents' rules hard
PARTIAL_HELD_SHARE = 0.6


def _set_domain(rm: RosterModel, literals: list[Any], low: int, high: int) -> None:
    """Set the domain of Boolean literals of the model in place (its proto's domains):
    (1, 1) holds a rule group, (0, 0) relaxes it, (0, 1) frees it again."""
    variables = rm.model.proto.variables
    for lt in literals:
        variables[lt.index].domain[0] = low
        variables[lt.index].domain[1] = high


def _partial_plan(pm: RosterModel, config: SolverConfig, until: float,
                  core: list[tuple[Any, ...]]) -> tuple[Any, SolveStatus]:
    """The best partial plan of an infeasible roster: first, when there is an agent rule
    outside the conflict, with only hard coverage and the core's groups relaxable and
    every other agent rule held (a planner publishes that; from the greedy roster, and
    with the minimum hours relaxable too when the greedy roster leaves someone below
    them), then, if it has no plan in its share of the time, with every group relaxable.

    With every group free at the same penalty, a time-limited solve kept the first plan
    it found: rest, weekly hours and days off broken for 29 of 30 agents when only the
    coverage of Monday night was in conflict.
    """
    relaxable = set(core)
    held = [lt for key, lt in pm.groups.items() if key[0] != "coverage" and key not in relaxable]
    if held:
        coverage = [lt for key, lt in pm.groups.items() if key[0] == "coverage"]
        now = time.perf_counter()
        stage_until = now + PARTIAL_HELD_SHARE * (until - now)
        try:
            _set_domain(pm, held, 1, 1)
            # the greedy roster keeps the agents' rules: a plan to start from, and to keep
            # when CP-SAT finds none in time. Completed with every coverage group relaxed,
            # which only places breaks (left free, the completion of a 12-agent, 3-week
            # roster did not finish in 0.7 s)
            _set_domain(pm, coverage, 0, 0)
            greedy = warm_start(pm, 0.5 * (stage_until - now))
            if greedy is None:
                # the greedy roster staffs the requirement, not the contracts: it may
                # leave someone below the minimum hours. Hold the other rules
                short = [lt for key, lt in pm.groups.items()
                         if key[0] == "min_hours" and key not in relaxable]
                _set_domain(pm, short, 0, 1)
                greedy = warm_start(pm, 0.5 * (stage_until - time.perf_counter()))
            _set_domain(pm, coverage, 0, 1)
            solver, status, _ = _solve_once(pm, config, None, stage_until)
        finally:
            _set_domain(pm, coverage, 0, 1)
            _set_domain(pm, held, 0, 1)
        if not status.has_solution and greedy is not None:
            solver, status = greedy, SolveStatus.FEASIBLE
        logger.debug("partial plan with the agents' rules held: %s", status.value)
        if status.has_solution or time.perf_counter() >= until:
            return solver, status
    solver, status, _ = _solve_once(pm, config, None, until)
    logger.debug("partial plan with every rule relaxable: %s", status.value)
    return solver, status


def _shrink_core(am: RosterModel, core: list[tuple[Any, ...]], config: SolverConfig,
                 max_size: int = 12, deadline: float | None = None) -> list[tuple[Any, ...]]:
    """Drop groups from an infeasibility core while the rest stays infeasible: whole rules
    first when the core is larger than ``max_size``, then one group at a time (deletion
    filter) once it is not; what is left at ``deadline`` is kept."""
    quick = replace(config, time_limit_seconds=min(2.0, config.time_limit_seconds))
    kept = list(core)

    def still_infeasible(trial: list[tuple[Any, ...]]) -> bool:
        if deadline is not None and time.perf_counter() >= deadline:
            return False  # out of time: the core stays as it is
        am.model.clear_assumptions()
        am.model.add_assumptions([am.groups[k] for k in trial])
        return _solve_once(am, quick, None, deadline)[1] is SolveStatus.INFEASIBLE

    if len(kept) > max_size:  # first whole rules at once (a handful of solves)
        for rule in sorted({k[0] for k in kept}):
            trial = [k for k in kept if k[0] != rule]
            if trial and still_infeasible(trial):
                kept = trial
    if len(kept) > max_size:
        return kept
    for key in list(kept):
        trial = [k for k in kept if k != key]
        if trial and still_infeasible(trial):
            kept = trial
    return kept


def _has_soft_terms(w: RosterWeights) -> bool:
    return bool(w.unstable_start_per_day or w.weekend_fairness_per_day or w.preference_per_day)


#: seconds to read one constraint of a CP-SAT model into the LP (measured: 0.73 s for 4,690)
LP_READ_SECONDS_PER_CONSTRAINT = 2e-4


def _highs_bound(rm: RosterModel, seconds: float) -> float | None:
    """HiGHS LP-relaxation bound of ``rm`` in cost units, None if not solved in ``seconds``
    (or when reading the model would take them: a 1-week, 26-agent model took 0.73 s)."""
    from routing_ml.scheduling._lp import lp_bound_from_proto

    if seconds < LP_READ_SECONDS_PER_CONSTRAINT * len(rm.model.proto.constraints):
        return None
    raw = lp_bound_from_proto(rm.model.proto, time_limit_seconds=seconds)
    return None if raw is None else raw / rm.scale + rm.objective_offset


def _coverage_phase(p: RosterProblem, config: SolverConfig, deadline: float, warm: bool,
                    lp_seconds: float = 0.0
                    ) -> tuple[dict[tuple[int, int], tuple[int, int]] | None, float | None]:
    """Solve ``p`` without soft terms; return its plan and its lower bound (cost units: the
    larger of CP-SAT's and, when ``lp_seconds`` > 0, HiGHS' LP bound of that model)."""
    w0 = replace(p.weights, unstable_start_per_day=0.0, weekend_fairness_per_day=0.0, preference_per_day=0.0)
    with warnings.catch_warnings():  # lost weights were warned about when the full model was built
        warnings.simplefilter("ignore", UserWarning)
        cm = build_roster_model(replace(p, weights=w0))
    lp = _highs_bound(cm, lp_seconds) if lp_seconds > 0 else None
    left = deadline - time.perf_counter()
    budget = 0.4 * left
    if warm and len(cm.x) > 2000:  # large: start from the greedy plan
        warm_start(cm, 0.1 * left)
    solver, status, _ = _solve_once(cm, replace(config, time_limit_seconds=max(0.1, budget)), None,
                                    deadline=time.perf_counter() + budget, lp_bound=lp)
    if not status.has_solution:
        return None, lp
    plan = {(a, d): (vi, k) for (a, d, vi, k), var in cm.x.items() if solver.boolean_value(var)}
    bound = solver.best_objective_bound / cm.scale + cm.objective_offset
    if lp is not None:
        bound = max(bound, lp)
    logger.debug("coverage phase: %s objective %.2f bound %.2f", status.value,
                 cm.objective_value(solver), bound)
    return plan, bound


def solve_roster_model(
    rm: RosterModel,
    config: SolverConfig | None = None,
    *,
    progress: ProgressCallback | None = None,
    explain: bool = True,
    warm: bool = True,
    lp_bound: bool = True,
    coverage_first: bool = True,
    method: str = "auto",
    pattern: PatternSolution | None = None,
) -> RosterResult:
    """Solve a :class:`RosterModel`; on infeasibility explain it and return a partial plan.

    Parameters
    ----------
    rm : from :func:`build_roster_model` (``rule_literals="none"``).
    config : :class:`SolverConfig`; every field is passed to ``solver.parameters``.
    progress : called at every improving solution with a :class:`ProgressPoint`.
    explain : on INFEASIBLE, find the reason and a partial plan (two more solves, each within
        ``config.time_limit_seconds``).
    warm : start CP-SAT from a complete greedy roster (:func:`warm_start`, at most 20% of
        the time limit); the main search gets the rest of ``config.time_limit_seconds``.
    lp_bound : also compute the LP-relaxation bound with HiGHS (at most 10% of the time
        limit, 30% above ``LP_SEARCH_MAX_ASSIGNMENTS`` assignment variables); ``best_bound``
        is the larger of it and CP-SAT's bound, and the search stops once it proves
        ``config.relative_gap_limit``.
    coverage_first : when soft-rule weights are set, first solve the model without the soft
        terms (coverage, over-staffing and cost only; at most 40% of the time limit), then
        start the full model from that plan. The first phase's bound is also a bound of the
        full objective (soft terms are >= 0). CP-SAT finds good coverage far faster without
        the per-agent soft structure, and then improves the soft terms from a good plan
        (55 x 7 x 4: 31 -> 3 uncovered shift-days in 10 s; 150-agent week: 13.5k -> 12.3k).
    method : ``"auto"`` first tries the pattern model of identical-agent classes
        (:mod:`routing_ml.scheduling._patterns`: listed weekly patterns, HiGHS, at most 50%
        of the time limit, when the patterns are few enough; else, for one week of at least
        ``COLGEN_MIN_ASSIGNMENTS`` (agent, day, option) triples,
        :mod:`routing_ml.scheduling._colgen`: column generation within 97% of it); its plan
        is returned when it meets ``config.relative_gap_limit`` (column generation's plan
        always: CP-SAT cannot improve a roster that large in the time left), otherwise
        CP-SAT starts from it with the pattern bound. ``"cp-sat"`` skips it. The pattern phase is
        deterministic for a given ``config.random_seed`` unless it reaches its time limit.
    pattern : a pattern-model solution already computed for this problem (as
        :func:`build_roster` does before building the CP-SAT model); CP-SAT starts from it.

    Returns
    -------
    RosterResult
        ``solver_parameters["max_time_in_seconds"]`` is ``config.time_limit_seconds`` (the
        phases share it; each phase's own limit is what is left of it).

    Notes
    -----
    Reproducibility: with ``num_workers=1`` and a fixed ``random_seed`` two runs give the same
    roster when every phase ends by optimality or the gap limit. ``time_limit_seconds`` is a
    wall-clock limit shared by the phases, so a run that reaches it (``gap`` above
    ``relative_gap_limit``) depends on the machine's speed and load. To bound CP-SAT's search
    reproducibly, give a generous ``time_limit_seconds`` and
    ``extra_parameters={"max_deterministic_time": ...}`` (CP-SAT's deterministic time, in its
    own units); the HiGHS phases (LP bound, pattern model) are still bounded in wall-clock
    time only.
    """
    return _solve_roster_model(rm, config or SolverConfig(), progress=progress, explain=explain, warm=warm,
                               lp_bound=lp_bound, coverage_first=coverage_first, method=method,
                               pattern=pattern, started=None)


def _solve_roster_model(
    rm: RosterModel,
    user_config: SolverConfig,
    *,
    progress: ProgressCallback | None,
    explain: bool,
    warm: bool,
    lp_bound: bool,
    coverage_first: bool,
    method: str,
    pattern: PatternSolution | None,
    started: float | None,
) -> RosterResult:
    """:func:`solve_roster_model` within ``user_config.time_limit_seconds`` counted from
    ``started`` (default now): the phases share what is left of the limit, and the result
    reports the user's limit."""
    from routing_ml.scheduling.check import check_roster

    if method not in ("auto", "cp-sat"):
        raise ValueError(f"method must be 'auto' or 'cp-sat', got {method!r}.")
    p = rm.problem
    t0 = time.perf_counter() if started is None else started
    # the time left of the user's limit (build_roster's pattern phase may have used some)
    config = replace(user_config, time_limit_seconds=max(
        0.1, user_config.time_limit_seconds - (time.perf_counter() - t0)))
    t_entry = time.perf_counter()
    reasons = precheck_infeasibility(p) if explain else []
    core: list[tuple[Any, ...]] = []
    if pattern is None and not reasons and method == "auto" and rm.rule_literals == "none":
        pattern = _pattern_phase(p, config, progress, t0)
        if pattern is not None and (_meets_gap(pattern, config) or pattern.generated):
            return _result_from_pattern(p, pattern, user_config, t0, progress)
    if not reasons and time.perf_counter() - t0 >= user_config.time_limit_seconds:
        # the limit is spent (a large model's build, or the pattern phase): no CP-SAT phase
        # would find anything in the 0.1 s left; the plan at hand is the answer
        late = (_result_from_pattern(p, pattern, user_config, t0, progress) if pattern is not None
                else _greedy_result(p, user_config, t0, progress))
        if late is not None:
            logger.info("time limit spent before CP-SAT; returning the %s roster",
                        "pattern-model" if pattern is not None else "greedy")
            return late
    relaxed: tuple[str, ...] = ()
    relaxed_keys: list[tuple[Any, ...]] = []
    lp_value: float | None = None
    from_warm = False
    main_params: dict[str, Any] | None = None
    solver: Any
    points: list[ProgressPoint]
    if reasons:
        solver, status, points = None, SolveStatus.INFEASIBLE, []
    else:
        deadline = t_entry + config.time_limit_seconds
        # large models: CP-SAT's own LP does not finish, HiGHS' bound is the only one
        lp_seconds = (0.1 if len(rm.x) <= LP_SEARCH_MAX_ASSIGNMENTS else 0.3) * config.time_limit_seconds
        split = coverage_first and _has_soft_terms(p.weights) and pattern is None
        if lp_bound and not split and pattern is None:
            lp_value = _highs_bound(rm, lp_seconds)
        plan = None
        if pattern is not None:  # start CP-SAT from the pattern plan, with its bound
            plan, lp_value = _better_start(p, pattern), pattern.bound
        elif split:  # the HiGHS bound is taken on the (smaller) coverage model: soft terms >= 0
            plan, cover_bound = _coverage_phase(p, config, deadline, warm, lp_seconds if lp_bound else 0.0)
            if cover_bound is not None:  # soft terms are >= 0: a bound of the full objective
                lp_value = cover_bound if lp_value is None else max(lp_value, cover_bound)
        warm_solver = warm_start(rm, 0.2 * config.time_limit_seconds, plan) if (warm or plan) else None
        warm_points: list[ProgressPoint] = []
        if warm_solver is not None:
            warm_obj = rm.objective_value(warm_solver)
            warm_points.append(ProgressPoint(time.perf_counter() - t0, warm_obj,
                                             min(lp_value, warm_obj) if lp_value is not None else -float("inf")))
            if progress is not None:
                progress(warm_points[0])
        solver, status, points = _solve_once(rm, config, progress, deadline, lp_value, t0)
        points = warm_points + points
        main_params = solver_parameters(solver)
        if status is SolveStatus.UNKNOWN and warm_solver is not None:
            # CP-SAT found nothing in time (e.g. a loaded machine): keep the greedy plan
            logger.info("no CP-SAT solution in time; returning the greedy warm-start roster")
            solver, status, from_warm = warm_solver, SolveStatus.FEASIBLE, True
        elif status is SolveStatus.UNKNOWN and pattern is not None:
            # CP-SAT had no time to reproduce the pattern plan: that plan is the answer
            logger.info("no CP-SAT solution in time; returning the pattern-model roster")
            return _result_from_pattern(p, pattern, user_config, t0, progress)
        elif status is SolveStatus.UNKNOWN:
            # nothing in time, not even the greedy roster's completion (a 26-agent week
            # with 2 s): the greedy roster itself, breaks at their earliest starts
            greedy = _greedy_result(p, user_config, t0, progress)
            if greedy is not None:
                logger.info("no CP-SAT solution in time; returning the greedy roster")
                return greedy
    params = main_params if main_params is not None else solver_parameters(make_solver(config))
    params["max_time_in_seconds"] = float(user_config.time_limit_seconds)  # not the time left
    plan_model, plan_solver = rm, solver
    if status is SolveStatus.INFEASIBLE and explain:
        # the diagnosis (a core of rules, a partial plan) has what is left of the limit,
        # and at least half of it more (proving infeasibility may have taken it all)
        now = time.perf_counter()
        limit = float(user_config.time_limit_seconds)
        explain_until = max(t0 + limit, now + EXPLAIN_SHARE * limit)
        if not reasons:
            am = build_roster_model(p, rule_literals="assume")
            asolver, astatus, _ = _solve_once(am, config, None,
                                              now + 0.5 * (explain_until - now))
            if astatus is SolveStatus.INFEASIBLE:
                inv = {lt.index: key for key, lt in am.groups.items()}
                core = [inv[i] for i in asolver.sufficient_assumptions_for_infeasibility() if i in inv]
                core = _shrink_core(am, core, config,
                                    deadline=now + 0.7 * (explain_until - now))
                reasons = _core_text(p, core)
            if not reasons:
                reasons = ["the hard rules have no common solution (no core found within the time limit)"]
        pm = build_roster_model(p, rule_literals="penalise")
        psolver, pstatus = _partial_plan(pm, config, explain_until, core)
        if pstatus.has_solution:
            plan_model, plan_solver = pm, psolver
            relaxed_keys = [key for key, lt in pm.groups.items() if not psolver.boolean_value(lt)]
    reason = "; ".join(reasons) if reasons else None
    if status is SolveStatus.MODEL_INVALID:
        # inputs are validated (weights and costs at most MAX_WEIGHT): a model CP-SAT
        # refuses is a bug to report, never a silent "no solution within the time limit"
        reason = ("CP-SAT refused the model as invalid (MODEL_INVALID); please report it with "
                  "the inputs. Meanwhile: scale costs and weights down, or try method='auto'.")
        logger.error("roster model invalid for CP-SAT")
    has_plan = plan_solver is not None and (
        status.has_solution or (status is SolveStatus.INFEASIBLE and plan_model is not rm))
    if has_plan:
        roster, breaks = _extract(plan_model, plan_solver)
    else:
        roster = pd.DataFrame(columns=[AGENT_ID, "date", "shift", ID, "start", "end", "paid_hours", "breaks"])
        breaks = pd.DataFrame(columns=[AGENT_ID, "date", "break", "start", "end", "paid"])
    cov = coverage_from_roster(roster, breaks, p)
    # an empty roster is checked too: its broken minimum hours and hard coverage are real
    # (an infeasible run without a partial plan reported 0 hard-rule violations)
    violations = check_roster(roster, breaks, p)
    if relaxed_keys:
        # a group relaxed in the model but kept by the plan is not listed
        short = cov.loc[cov["gap"] < 0]
        days = (short[TIME] - p.start) // pd.Timedelta(days=1)
        short_days = set(zip(short[ID], days, strict=True))
        broken = set(zip(violations[AGENT_ID].astype(str), violations["rule"], strict=True))

        def kept(key: tuple[Any, ...]) -> bool:
            if key[0] == "coverage":
                return (key[1], key[2]) not in short_days
            return (str(key[1]), _RULE_TEXT[key[0]]) not in broken

        relaxed = tuple(_group_text(p, key) for key in relaxed_keys if not kept(key))
    objective = best = gap = None
    if status.has_solution and solver is not None:
        # recomputed in floats from the solution; the bound is CP-SAT's of the scaled model
        # (exact when ``rm.scale`` makes every coefficient an integer, see objective_scale)
        objective = rm.objective_value(solver)
        if has_plan and status is not SolveStatus.OPTIMAL:
            # an unfinished solve may hold auxiliary variables (a week's anchor start) at
            # worse values than its assignments need: the roster's own objective counts
            from routing_ml.scheduling._patterns import plan_objective
            from routing_ml.scheduling._weeks import plan_from_frames

            objective = min(objective, plan_objective(p, *plan_from_frames(p, roster, breaks)))
        # minus what rounding the coefficients can gain (0 for an exact scale); the LP
        # relaxation is of the same rounded model
        rounding = rm.rounding_error_bound()
        best = solver.best_objective_bound / rm.scale + rm.objective_offset - rounding
        if from_warm:  # the completion solve's bound is not a bound of the full model
            best = -float("inf")
        if lp_value is not None:
            best = max(best, min(lp_value - rounding, objective))
        best = max(best, 0.0)  # every objective term is >= 0 (weights are validated >= 0)
        if best >= objective - 1e-9 * max(1.0, abs(objective)):
            best = objective
        elif status is SolveStatus.OPTIMAL:
            # CP-SAT says OPTIMAL when it stops at relative_gap_limit: not proven here
            status = SolveStatus.FEASIBLE
        if best == -float("inf"):
            best = None
        gap = relative_gap(objective, best)
    wall = time.perf_counter() - t0
    if objective is not None and points and objective < points[-1].objective - 1e-9 * max(1.0, objective):
        # the roster's own objective is below CP-SAT's last solution (auxiliary variables
        # left at worse values): the progress ends at the plan returned
        final = ProgressPoint(wall, objective, min(points[-1].best_bound if best is None else best,
                                                   objective))
        points.append(final)
        if progress is not None:
            progress(final)
    if reason:
        logger.info("roster infeasible: %s", reason)
    return RosterResult(
        status=status, objective=objective, best_bound=best, gap=gap, wall_time_seconds=wall,
        lp_bound=lp_value, roster=roster, breaks=breaks, coverage=cov, uncovered=cov[cov["gap"] < 0].reset_index(drop=True),
        kpis=_kpis(cov, roster, p, len(violations)), violations=violations, reason=reason,
        relaxed_rules=relaxed, solver_parameters=params, progress=tuple(points),
        horizon_start=p.start, days=p.n_days, method="cp-sat" if pattern is None else "patterns+cp-sat",
        notes=p.notes,
    )


#: column generation only for named models at least this large (agent x day x shift option):
#: below it CP-SAT alone does better in a short time limit (the CLI example: 8 agents)
COLGEN_MIN_ASSIGNMENTS = 5000
#: listing the weekly patterns of a large multi-week horizon may take at most this long (s)
#: before it is rostered one week after another (220 people x 4 weeks x 4 shifts: 0.5 s)
HORIZON_PATTERNS_BUILD_SECONDS = 2.0
#: share of the time limit column generation may use (its plan is the result; the rest of the
#: limit is for the roster frames and the rule check)
COLGEN_SHARE_OF_LIMIT = 0.97


def weeks_in_turn(p: RosterProblem) -> bool:
    """Whether ``build_roster(method="auto")`` rosters ``p`` one week after another: several
    weeks, each with at least ``COLGEN_MIN_ASSIGNMENTS`` (agent, day, shift option) triples on
    average (each week then goes to column generation; the named CP-SAT model of the whole
    horizon finds no usable plan in a planner's time limit: see :mod:`._weeks`)."""
    return p.n_weeks > 1 and _n_assignments(p) >= COLGEN_MIN_ASSIGNMENTS * p.n_weeks


def _with_bound(result: RosterResult, bound: float) -> RosterResult:
    """``result`` with its best bound raised to ``bound`` (cost units) when higher, and its
    gap and status to match."""
    if result.objective is None or (result.best_bound is not None and result.best_bound >= bound):
        return result
    best = min(bound, result.objective)
    gap = relative_gap(result.objective, best)
    return replace(result, best_bound=best, gap=gap,
                   status=SolveStatus.OPTIMAL if gap is not None and gap <= 1e-9 else result.status,
                   solver_parameters={**result.solver_parameters,
                                      "bound_of": "the whole horizon (its listed weekly patterns)"})


def horizon_patterns(p: RosterProblem, config: SolverConfig) -> PatternSolution | None:
    """The listed-pattern model of a whole multi-week horizon (flows between its weeks)
    within half the time limit, or None when its weekly patterns cannot be listed within
    ``HORIZON_PATTERNS_BUILD_SECONDS`` (then the weeks are rostered in turn)."""
    from routing_ml.scheduling._patterns import solve_pattern_model

    return solve_pattern_model(p, time_limit_seconds=0.5 * config.time_limit_seconds,
                               gap_limit=config.relative_gap_limit, seed=config.random_seed,
                               build_seconds=min(HORIZON_PATTERNS_BUILD_SECONDS, 0.05 * config.time_limit_seconds))


def _n_assignments(p: RosterProblem) -> int:
    """(agent, day, shift option) triples of ``p``."""
    return sum(len(day) for days in p.options for day in days)


def _pattern_phase(p: RosterProblem, config: SolverConfig, progress: ProgressCallback | None = None,
                   t0: float | None = None) -> PatternSolution | None:
    """The pattern model (listed weekly patterns) within half the time limit; for large
    one-week rosters whose patterns are too many to list, column generation within 97% of it
    (its plans are reported to ``progress`` as they improve, timed from ``t0``)."""
    from routing_ml.scheduling._patterns import solve_pattern_model

    t = time.perf_counter()
    got = solve_pattern_model(p, time_limit_seconds=0.5 * config.time_limit_seconds,
                              gap_limit=config.relative_gap_limit, seed=config.random_seed)
    if got is None and p.n_weeks == 1 and _n_assignments(p) >= COLGEN_MIN_ASSIGNMENTS:
        from routing_ml.scheduling._colgen import solve_colgen_model

        start = t if t0 is None else t0

        def report(objective: float, bound: float) -> None:
            if progress is not None:
                progress(ProgressPoint(time.perf_counter() - start, objective, bound))

        got = solve_colgen_model(p, time_limit_seconds=COLGEN_SHARE_OF_LIMIT * config.time_limit_seconds
                                 - (time.perf_counter() - t), gap_limit=config.relative_gap_limit,
                                 seed=config.random_seed, on_plan=report)
    return got


def _meets_gap(pattern: PatternSolution, config: SolverConfig) -> bool:
    gap = relative_gap(pattern.objective, pattern.bound)
    return gap is not None and gap <= max(config.relative_gap_limit, 1e-9)


def _result_from_pattern(p: RosterProblem, pattern: PatternSolution, config: SolverConfig, t0: float,
                         progress: ProgressCallback | None) -> RosterResult:
    """The :class:`RosterResult` of a pattern-model plan (no CP-SAT solve)."""
    from routing_ml.scheduling.check import check_roster

    roster, breaks = roster_frames_from_plan(p, pattern.plan, pattern.breaks)
    cov = coverage_from_roster(roster, breaks, p)
    violations = check_roster(roster, breaks, p)
    bound = min(pattern.bound, pattern.objective)  # never above the plan's objective
    dust = relative_gap(pattern.objective, bound)
    if dust is not None and dust <= 1e-9:
        bound = pattern.objective  # proven optimal: the LP's float dust (49.99999999999999) is not a gap
    gap = relative_gap(pattern.objective, bound)
    wall = time.perf_counter() - t0
    point = ProgressPoint(wall, pattern.objective, pattern.bound)
    if progress is not None:
        progress(point)
    return RosterResult(
        status=SolveStatus.OPTIMAL if gap is not None and gap <= 1e-9 else SolveStatus.FEASIBLE,
        objective=pattern.objective, best_bound=bound, gap=gap, wall_time_seconds=wall,
        lp_bound=pattern.bound, roster=roster, breaks=breaks, coverage=cov,
        uncovered=cov[cov["gap"] < 0].reset_index(drop=True), kpis=_kpis(cov, roster, p, len(violations)),
        violations=violations, reason=None, relaxed_rules=(),
        solver_parameters={"method": "patterns (column generation, HiGHS)" if pattern.generated else "patterns (HiGHS)",
                           "patterns": pattern.n_patterns,
                           "time_limit_seconds": config.time_limit_seconds,
                           "pattern_time_limit_seconds": (COLGEN_SHARE_OF_LIMIT if pattern.generated else 0.5)
                           * config.time_limit_seconds,
                           "relative_gap_limit": config.relative_gap_limit, "random_seed": config.random_seed},
        progress=(point,), horizon_start=p.start, days=p.n_days, method="patterns", notes=p.notes,
    )


def _greedy_result(p: RosterProblem, config: SolverConfig, t0: float,
                   progress: ProgressCallback | None) -> RosterResult | None:
    """The greedy roster with every break at its earliest start, as a result (bound 0:
    every objective term is >= 0), or None when it breaks a hard rule (hard coverage)."""
    from routing_ml.scheduling._greedy import greedy_roster
    from routing_ml.scheduling._patterns import PatternSolution, plan_objective

    plan = greedy_roster(p)
    breaks = {(a, d): tuple((bi, b.earliest_offset_minutes)
                            for bi, b in enumerate(p.variants[vi].template.breaks))
              for (a, d), (vi, _) in plan.items()}
    solution = PatternSolution(plan=plan, breaks=breaks, objective=plan_objective(p, plan, breaks),
                               bound=0.0, n_patterns=0, wall_time_seconds=time.perf_counter() - t0)
    result = _result_from_pattern(p, solution, config, t0, None)
    if not _keeps_hard_rules(result):
        return None
    if progress is not None:
        progress(result.progress[-1])
    params = {**result.solver_parameters, "method": "greedy roster (no solver found a plan in time)"}
    params.pop("pattern_time_limit_seconds", None)
    params.pop("patterns", None)
    return replace(result, lp_bound=None, solver_parameters=params, method="greedy")


def _keeps_hard_rules(result: RosterResult) -> bool:
    """A pattern-model plan is only used when :func:`check_roster` finds nothing: the
    model is exact for the hard rules, so a violation is a bug in it, and the named CP-SAT
    model then solves the roster instead (logged as an error)."""
    if result.violations.empty:
        return True
    logger.error("pattern model: its plan breaks %d hard rule(s) (%s); solving with CP-SAT instead",
                 len(result.violations), ", ".join(sorted(set(result.violations["rule"]))))
    return False


def build_roster(
    requirements: pd.DataFrame,
    agents: pd.DataFrame,
    shifts: Sequence[ShiftTemplate],
    rules: RosterRules | None = None,
    *,
    weights: RosterWeights | None = None,
    interval_minutes: int = 15,
    weeks: int | None = None,
    start: Any = None,
    config: SolverConfig | None = None,
    progress: ProgressCallback | None = None,
    method: str = "auto",
    previous_roster: pd.DataFrame | None = None,
    time_zone: str | None = None,
) -> RosterResult:
    """Roster named agents on shifts over one to four weeks (weekly-pattern model on HiGHS
    first, then the named CP-SAT model when its plan is not within the gap limit).

    Parameters
    ----------
    requirements : long frame ``unique_id`` (queue = skill), ``ds`` (interval start, naive
        local time, on the ``interval_minutes`` grid), ``agents`` (integer >= 0), optional
        ``weight`` (under-staffing weight of the interval, default 1). Intervals absent from
        the frame are not planned: they are neither under- nor over-staffed (list closed
        hours with ``agents=0`` to penalise staffing them). A queue whose rows are all a
        multiple of ``interval_minutes`` apart (hourly rows with 15-minute intervals) is an
        error: pass ``interval_minutes`` of the data or repeat each row over its span.
    agents : one row per agent: ``agent_id``; optional ``skills`` (``"voice;chat"``; default
        every queue), ``min_hours_per_week`` / ``max_hours_per_week`` (override ``rules``),
        ``unavailable`` (``"2026-12-25;Sun"``: holidays and leave as dates, days off as
        weekdays; a week's ``min_hours_per_week`` shrinks in proportion to its days of
        leave among the days the agent works at all: a week of leave asks for no hours; a
        shift belongs to the day it starts, so a night shift of the day before may end in
        an unavailable day, as a night worker's Sunday shift ends on a Monday off),
        ``earliest_start`` / ``latest_end`` (``"HH:MM"`` text, ``latest_end`` may exceed
        24:00; a bare number is refused as ambiguous), ``preferred_start`` (``"HH:MM"``, soft), ``preferred_days_off`` (``"Sat;Sun"``, soft).
    shifts : :class:`ShiftTemplate` s (e.g. from :func:`load_shifts_yaml`).
    rules : :class:`RosterRules` (hard rules); default ``RosterRules()``.
    weights : :class:`RosterWeights` (objective); default ``RosterWeights()``.
    interval_minutes : length of one requirement interval.
    weeks : weeks to roster from ``start`` (1-4); default: the span of ``requirements``.
    start : first day of the horizon; default the first day in ``requirements``.
    config : :class:`SolverConfig` (time limit, workers, seed, gap limit). The time limit
        covers the whole call: the input checks, the pattern phase (``"auto"``), the model
        build and the CP-SAT phases (a model whose build alone takes longer still comes
        back, late), and ``wall_time_seconds`` is the call's.
        When the hard rules have no common solution, the diagnosis (the rules in
        conflict, a partial plan) runs until half the limit past it at most
        (``EXPLAIN_SHARE``). A roster always comes back: with column generation the
        first one (every agent placed greedily at its best week) is finished even when it
        takes longer than the limit (about 2 s for 150 agents x 7 days x 96 intervals, so a
        1 s limit returns after about 2 s, with ``gap`` 1 when no bound was proved in time).
        Reproducible with ``num_workers=1`` and a fixed seed only when no phase reaches its
        wall-clock time limit (see the notes of :func:`solve_roster_model`).
    progress : called at every improving solution with a :class:`ProgressPoint`.
    method : ``"auto"`` (default) solves the roster as a weekly-pattern model first
        (classes of interchangeable agents, HiGHS; column generation when the weeks are too
        many to list; see :func:`solve_roster_model`); large rosters of several weeks
        (:func:`weeks_in_turn`) are solved one week after another, each with the weeks
        before it as ``previous_roster`` and an equal share of the time left (``method`` of
        the result ``"weeks"``; the bound adds up a bound of each week, a later week's
        without the first hours a night shift of the week before may staff, see
        :mod:`routing_ml.scheduling._weeks`);
        ``"cp-sat"`` always uses the named CP-SAT model of the whole horizon.
    previous_roster : the roster published before this horizon (``agent_id``, ``start``,
        ``end``: the ``roster`` frame of the previous result or the CLI's roster CSV; only
        shifts before ``start``). Carried over per agent: ``min_rest_hours`` after its last
        shift, and its working days in a row up to the horizon count towards
        ``max_consecutive_days``: when neither leave, rest nor ``max_days_per_week``
        already gives it a day off early enough, one of the first days of the horizon
        that would break the rule is off, the solver choosing which. Agents
        absent from it start rested; agents of it absent from ``agents`` are ignored
        (noted). Its shifts that run into the horizon (a Sunday night shift) staff their
        queue (``unique_id``) there, less the breaks of its ``breaks`` column: the plan
        covers only the rest, and ``coverage`` counts them in ``required`` and
        ``scheduled`` alike (up to the requirement).
    time_zone : IANA name of the zone the clock times are in (``"Europe/Madrid"``). The
        roster works in wall-clock time, with 24 hours in every day; with a zone, each
        daylight-saving change inside the horizon is a note (and a warning) naming the
        hour that does not exist or happens twice and the shifts that run across it with
        the hours they really last (``paid_hours`` follows the clock). None (default): no
        check.

    Returns
    -------
    RosterResult
        ``roster`` (``agent_id``, ``date``, ``shift``, ``unique_id``, ``start``, ``end``,
        ``paid_hours``, ``breaks``), ``breaks``, ``coverage`` (``unique_id``, ``ds``,
        ``required``, ``scheduled``, ``gap``), ``kpis``, objective / bound / gap / status /
        time, ``violations`` (empty for a feasible plan), ``reason`` when infeasible.

    Raises
    ------
    ScheduleInputError / FrameError (both ``ValueError``)
        NaN, negative or fractional requirements, off-grid timestamps, unknown skills, an
        agent with no availability, contradictory rules, negative costs or weights — all
        before any solver runs.
    """
    if method not in ("auto", "cp-sat"):
        raise ValueError(f"method must be 'auto' or 'cp-sat', got {method!r}.")
    zone = check_time_zone(time_zone)
    t0 = time.perf_counter()
    problem = prepare_problem(requirements, agents, shifts, rules, weights,
                              interval_minutes=interval_minutes, weeks=weeks, start=start,
                              previous_roster=previous_roster)
    config = config or SolverConfig()
    pattern = None
    result = None
    in_turn = method == "auto" and weeks_in_turn(problem) and not precheck_infeasibility(problem)
    if in_turn:
        # large and several weeks: the horizon's listed weekly patterns (flows between the
        # weeks, a bound of the whole horizon) when they can be listed in a moment and meet
        # the gap limit; else one week after another (rare fallback: the horizon at once)
        from routing_ml.scheduling._weeks import solve_weeks_in_turn

        listed = horizon_patterns(problem, config)
        if listed is None or not _meets_gap(listed, config):
            result = solve_weeks_in_turn(problem, requirements, agents, shifts, rules, weights,
                                         interval_minutes=interval_minutes, previous_roster=previous_roster,
                                         config=config, t0=t0, progress=progress)
        if listed is not None and (result is None or result.objective is None
                                   or listed.objective <= result.objective):
            joined = _result_from_pattern(problem, listed, config, t0, progress)
            result = joined if _keeps_hard_rules(joined) else result
        elif listed is not None and result is not None:  # the horizon model's bound holds for any plan
            result = _with_bound(result, listed.bound)
    elif method == "auto" and not precheck_infeasibility(problem):
        # the pattern model first: when it meets the gap limit, no CP-SAT model is built
        pattern = _pattern_phase(problem, config, progress, t0)
        if pattern is not None and (_meets_gap(pattern, config) or pattern.generated):
            result = _result_from_pattern(problem, pattern, config, t0, progress)
            if not _keeps_hard_rules(result):
                result = pattern = None  # neither its plan nor its bound can be trusted
    if result is None and time.perf_counter() - t0 >= config.time_limit_seconds \
            and not precheck_infeasibility(problem):
        # the limit is spent before the CP-SAT model is even built: the plan at hand
        result = (_result_from_pattern(problem, pattern, config, t0, progress) if pattern is not None
                  else _greedy_result(problem, config, t0, progress))
    if result is None:
        rm = build_roster_model(problem)
        logger.debug("roster model: %d assignment variables", rm.num_assignment_vars)
        # the pattern phase ran (or was skipped on purpose): do not try it again. The
        # CP-SAT phases get what the model build and, with "auto", the pattern phase (or
        # the weeks solved in turn, when their joined plan could not be used) left of the
        # limit counted from t0, and the result's wall time counts from t0 too (it left
        # out the build: 4.7 s reported for a 7.7 s call with a 1 s limit)
        result = _solve_roster_model(rm, config, progress=progress, explain=True, warm=True,
                                     lp_bound=True, coverage_first=True, method="cp-sat",
                                     pattern=pattern, started=t0)
    if zone is None:
        return result
    notes = dst_notes(result.roster, pd.to_datetime(requirements[TIME], errors="coerce"),
                      result.horizon_start, result.days, zone,
                      min_rest_hours=(rules or RosterRules()).min_rest_hours)
    for note in notes:
        warnings.warn(note, UserWarning, stacklevel=2)
    return replace(result, notes=(*result.notes, *notes)) if notes else result


__all__ = ["RosterKPIs", "RosterModel", "RosterResult", "RosterRules", "RosterWeights",
           "ShiftTemplate", "build_roster", "build_roster_model", "coverage_from_roster",
           "format_hhmm", "precheck_infeasibility", "roster_frames_from_plan", "solve_roster_model",
           "weeks_in_turn"]
