"""Large-neighbourhood search over whole days: one day of a named roster re-planned by a MILP.

Agent-by-agent moves cannot repair under-staffing scattered over a day: covering one
quarter hour means moving several agents' starts, queues and breaks together. Here every
agent working day ``d`` is free to take any of its shift options that day (start, length,
queue), and every break that day is placed again, while the rest of the week stays as it
is: the working days, so the days-off block, the weekend count and the days worked do not
change, and each option must keep the agent's weekly hours within its contract and the
minimum rest to its shifts the day before and after. Every objective term that can change
is exact in the MILP: staffing on the intervals that day's shifts touch, shift cost,
preferences, and the agent's stable-start term given its other days.

Agents with the same options at the same costs that day are interchangeable and share one
integer per option. HiGHS solves the MILP from the current plan (a MIP start) within
``day_seconds``, so a move never makes the plan worse.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np

from routing_ml.scheduling._breaks import break_slots, staffing_terms
from routing_ml.scheduling._patterns import (
    Breaks,
    Plan,
    _anchors,
    _day_penalty,
    _on_queue,
    _place_breaks,
    _unstable_days,
    plan_objective,
    scheduled,
    staffing_cost_by_period,
)
from routing_ml.scheduling._problem import RosterProblem
from routing_ml.scheduling.shifts import MINUTES_PER_DAY

logger = logging.getLogger(__name__)


def _options_of_day(p: RosterProblem, plan: Plan, a: int, d: int) -> list[tuple[int, int, float]]:
    """(variant, queue, cost) of every option agent ``a`` may take on day ``d`` with the
    rest of its week fixed."""
    w, r = p.weights, p.rules
    agent = p.agents[a]
    wk = d // 7
    days = range(7 * wk, 7 * wk + 7)
    other = [plan[a, x][0] for x in days if x != d and (a, x) in plan]
    minutes = sum(p.variants[vi].paid_minutes for vi in other)
    starts = [p.variants[vi].start_minutes for vi in other]
    anchors = _anchors(p, [p.options[a][x] for x in days]) if w.unstable_start_per_day else []
    rest = r.min_rest_minutes
    # the agent's shifts a rest could reach: usually the day before only, but also beyond
    # a day off (a rest of 30 h after a night shift reaches two days on)
    last_end = max((p.variants[vi].end_minutes for vi, _ in p.options[a][d]), default=0)
    near = []
    for x in (d - 3, d - 2, d - 1, d + 1, d + 2, d + 3):
        if (a, x) in plan:
            u = p.variants[plan[a, x][0]]
            g = x - d
            if (g < 0 and u.end_minutes - (-g) * MINUTES_PER_DAY > -rest) or \
                    (g > 0 and g * MINUTES_PER_DAY + u.start_minutes - last_end < rest):
                near.append((g, u))
    window = agent.carry_over_window
    if d in window and all((a, x) in plan for x in window if x != d):
        return []  # the day of the carried-over streak's window left off
    out = []
    for vi, k in p.options[a][d]:
        v = p.variants[vi]
        if not agent.min_minutes(wk) <= minutes + v.paid_minutes <= agent.max_minutes_per_week:
            continue
        if any((g * MINUTES_PER_DAY + u.start_minutes - v.end_minutes if g > 0 else
                -g * MINUTES_PER_DAY + v.start_minutes - u.end_minutes) < rest for g, u in near):
            continue
        cost = w.shift_cost * v.cost + w.preference_per_day * _day_penalty(p, agent, p.weekday(d), vi)
        if anchors:
            cost += w.unstable_start_per_day * _unstable_days([*starts, v.start_minutes], anchors,
                                                              r.stable_start_tolerance_minutes)
        out.append((vi, k, cost))
    return out


def replan_day(p: RosterProblem, plan: Plan, breaks: Breaks, d: int, *, time_limit_seconds: float,
               seed: int = 0) -> tuple[Plan, Breaks] | None:
    """``plan`` with day ``d`` re-planned by the MILP (None when HiGHS returns no plan; the
    result is never worse than ``plan`` when HiGHS accepts the MIP start)."""
    from highspy._core import HighsLp, HighsSolution, HighsVarType, MatrixFormat, _Highs

    n_t = p.n_periods
    free = sorted(a for (a, x) in plan if x == d)
    if not free:
        return None
    sched = np.zeros((len(p.skills), n_t), dtype=np.int64)
    for (a, x), (vi, k) in plan.items():
        if x != d:
            sched[k, _on_queue(p, x, vi, breaks.get((a, x), ()))] += 1
    # agents with the same options at the same costs that day are interchangeable: one
    # integer per (such class, option) instead of one binary per agent and option
    members: dict[tuple[tuple[int, int, float], ...], list[int]] = {}
    for a in free:
        opts = tuple(_options_of_day(p, plan, a, d))
        if plan[a, d] not in {(vi, k) for vi, k, _ in opts}:
            return None  # the current shift breaks a rule the MILP keeps: leave the day alone
        members.setdefault(opts, []).append(a)
    classes = list(members.values())
    xs: list[tuple[int, int, int, float]] = []  # (class, variant, queue, cost)
    for c, opts in enumerate(members):
        xs.extend((c, vi, k, cost) for vi, k, cost in opts)
    groups = sorted({(vi, k) for _, vi, k, _ in xs})
    g_of = {g: i for i, g in enumerate(groups)}
    g_cells = [k * n_t + _on_queue(p, d, vi) for vi, k in groups]
    brk: list[tuple[tuple[int, int, int], int, int]] = []  # ((day, variant, queue), break, offset)
    b_cells: list[np.ndarray] = []
    for vi, k in groups:
        for bi, off, cells in break_slots(p, d, vi, k):
            brk.append(((d, vi, k), bi, off))
            b_cells.append(cells)
    cells = np.unique(np.concatenate(g_cells))
    cell_of = np.full(sched.size, -1, dtype=np.int64)
    cell_of[cells] = np.arange(cells.size)
    n_x, n_g, n_b, n_c = len(xs), len(groups), len(brk), cells.size
    under_cost, over_cost, under_ub, under_lo = staffing_terms(p, cells)
    n_tier = under_cost.shape[0]
    # columns: x (agent takes option) | n (agents per option) | breaks | under (per tier) | over
    o_n, o_b, o_u = n_x, n_x + n_g, n_x + n_g + n_b
    o_o = o_u + n_tier * n_c
    n_v = o_o + n_c
    req = p.required.ravel()[cells].astype(float)
    cost = np.zeros(n_v)
    cost[:n_x] = [c for *_, c in xs]
    upper = np.full(n_v, np.inf)
    upper[:n_x] = [len(classes[c]) for c, *_ in xs]
    cost[o_u:o_o], cost[o_o:], upper[o_u:o_o] = under_cost.ravel(), over_cost, under_ub.ravel()
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []

    def put(r: Any, c: Any, v: float) -> None:
        r, c = np.atleast_1d(r), np.atleast_1d(c)
        rows.append(np.broadcast_to(r, np.broadcast_shapes(r.shape, c.shape)))
        cols.append(np.broadcast_to(c, np.broadcast_shapes(r.shape, c.shape)))
        vals.append(np.full(rows[-1].shape, v))

    # coverage rows (one per cell): fixed shifts + options - breaks + under - over = required
    for gi, cs in enumerate(g_cells):
        put(cell_of[cs], o_n + gi, 1.0)
    for j, cs in enumerate(b_cells):
        put(cell_of[cs], o_b + j, -1.0)
    put(np.tile(np.arange(n_c), n_tier), o_u + np.arange(n_tier * n_c), 1.0)
    put(np.arange(n_c), o_o + np.arange(n_c), -1.0)
    lo = [req - sched.ravel()[cells]]
    r0 = n_c
    # each agent of a class takes exactly one option
    put(np.array([r0 + c for c, *_ in xs]), np.arange(n_x), 1.0)
    lo.append(np.array([float(len(m)) for m in classes]))
    r0 += len(classes)
    # n = sum of x per option; each break of an option taken once per agent on it
    put(np.array([r0 + g_of[vi, k] for _, vi, k, _ in xs]), np.arange(n_x), 1.0)
    put(r0 + np.arange(n_g), o_n + np.arange(n_g), -1.0)
    lo.append(np.zeros(n_g))
    r0 += n_g
    link: dict[tuple[int, int], int] = {}
    for j, ((_, vi, k), bi, _off) in enumerate(brk):
        if (g_of[vi, k], bi) not in link:
            link[g_of[vi, k], bi] = r0 + len(link)
            put(link[g_of[vi, k], bi], o_n + g_of[vi, k], -1.0)
        put(link[g_of[vi, k], bi], o_b + j, 1.0)
    lo.append(np.zeros(len(link)))
    n_r = r0 + len(link)
    rr, cc, vv = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    order = np.lexsort((rr, cc))
    rr, cc, vv = rr[order], cc[order], vv[order]
    rhs = np.concatenate(lo)

    lp = HighsLp()
    lp.num_col_, lp.num_row_ = n_v, n_r
    lp.col_cost_ = cost
    lp.col_lower_ = np.zeros(n_v)
    lp.col_upper_ = upper
    lp.row_lower_ = rhs
    lp.row_upper_ = rhs
    lp.a_matrix_.format_ = MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.searchsorted(cc, np.arange(n_v + 1)).astype(np.int32)
    lp.a_matrix_.index_ = rr.astype(np.int32)
    lp.a_matrix_.value_ = vv
    lp.integrality_ = [HighsVarType.kInteger] * o_u + [HighsVarType.kContinuous] * (n_v - o_u)

    # the current day as the MIP start
    start = np.zeros(n_v)
    x_of = {(c, vi, k): j for j, (c, vi, k, _) in enumerate(xs)}
    b_of = {key: j for j, key in enumerate(brk)}
    for c, agents in enumerate(classes):
        for a in agents:
            start[x_of[(c, *plan[a, d])]] += 1.0
    for a in free:
        vi, k = plan[a, d]
        start[o_n + g_of[vi, k]] += 1.0
        for bi, off in breaks.get((a, d), ()):
            start[o_b + b_of[(d, vi, k), bi, off]] += 1.0
    cover = np.zeros(n_c)
    on = (cc < o_u) & (rr < n_c)
    np.add.at(cover, rr[on], vv[on] * start[cc[on]])
    gap = rhs[:n_c] - cover  # the shortfall fills the tiers from the cheapest
    start[o_u:o_o] = np.clip(gap[None] - under_lo, 0.0, under_ub).ravel()
    start[o_o:] = np.maximum(-gap, 0.0)

    h = _Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("random_seed", int(seed))
    h.setOptionValue("mip_rel_gap", 1e-6)
    h.setOptionValue("time_limit", max(0.05, float(time_limit_seconds)))
    h.passModel(lp)
    sol = HighsSolution()
    sol.col_value = start
    sol.value_valid = True
    h.setSolution(sol)
    h.run()
    if h.getInfo().primal_solution_status != 2:
        return None
    x = np.rint(np.asarray(h.getSolution().col_value))
    new_plan = {key: val for key, val in plan.items() if key[1] != d}
    for c, agents in enumerate(classes):
        want = {(vi, k): int(x[j]) for j, (cj, vi, k, _) in enumerate(xs) if cj == c and x[j] > 0.5}
        moving = []
        for a in agents:  # agents keep their shift where the counts allow
            if want.get(plan[a, d], 0) > 0:
                want[plan[a, d]] -= 1
                new_plan[a, d] = plan[a, d]
            else:
                moving.append(a)
        rest = [opt for opt, n in want.items() for _ in range(n)]
        if len(rest) != len(moving):
            return None
        for a, opt in zip(moving, rest, strict=True):
            new_plan[a, d] = opt
    day_plan = {(a, d): new_plan[a, d] for a in free}
    placed = _place_breaks(day_plan, brk, x[o_b:o_u].astype(np.int64))
    if placed is None:
        return None
    new_breaks = {key: val for key, val in breaks.items() if key[1] != d}
    new_breaks.update(placed)
    return new_plan, new_breaks


def day_staffing_costs(p: RosterProblem, plan: Plan, breaks: Breaks) -> np.ndarray:
    """Under- and over-staffing cost (cost units) of each day of the horizon in ``plan``:
    where re-planning a day has the most to repair."""
    per_t = staffing_cost_by_period(p, scheduled(p, plan, breaks))
    return per_t.reshape(p.n_days, p.per_day).sum(axis=1)


def improve_by_days(p: RosterProblem, plan: Plan, breaks: Breaks, deadline: float, *, seed: int = 0,
                    day_seconds: float = 3.0, max_rounds: int | None = None
                    ) -> tuple[Plan, Breaks]:
    """Re-plan the days in rounds (:func:`replan_day`, at most ``day_seconds`` each), keeping
    each result that lowers the objective, until a whole round improves nothing,
    ``max_rounds`` rounds are done or time runs out. Each round takes every day once, in
    decreasing order of its staffing cost (:func:`day_staffing_costs`), so when time is
    short the days with the most to repair come first."""
    best = plan_objective(p, plan, breaks)
    rounds = 0
    while deadline - time.perf_counter() > 0.2 and (max_rounds is None or rounds < max_rounds):
        improved = False
        for d in np.argsort(-day_staffing_costs(p, plan, breaks), kind="stable").tolist():
            if deadline - time.perf_counter() <= 0.2:
                break
            got = replan_day(p, plan, breaks, d, seed=seed + rounds,
                             time_limit_seconds=min(day_seconds, deadline - time.perf_counter()))
            obj = plan_objective(p, *got) if got is not None else np.inf
            if got is not None and obj < best - 1e-9:
                logger.debug("day %d re-planned: objective %.2f -> %.2f", d, best, obj)
                best, (plan, breaks) = obj, got
                improved = True
        rounds += 1
        if not improved:
            break
    logger.debug("days re-planned: %d rounds, objective %.2f", rounds, best)
    return plan, breaks
