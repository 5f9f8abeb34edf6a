"""Pattern (tour) model of a roster: agents with identical options share weekly patterns.

Rosters of interchangeable agents have a far tighter formulation than one boolean per
(agent, day, shift): enumerate every week an agent could work under the hard rules (a
*pattern*: off or one shift option per day), and choose how many agents of each class work
each pattern (integers), with flows between the end state of one week's pattern (trailing
working days, earliest start allowed next week) and the start state of the next (leading
working days, first start) so that the rules crossing week boundaries hold. This is the
classic tour-scheduling model; its LP relaxation is tight, so HiGHS proves small gaps in
seconds where CP-SAT on the named model spends minutes.

Exact for every hard rule and every objective term except weekend fairness, whose
``max over agents`` of weekend days is relaxed to an integer at least every class's
average (the plan is then scored with the true maximum, so the bound stays valid and the
gap honest). Breaks are placed by integer counts per (shift option, break, start offset),
as in the CP-SAT model, and handed to the agents on that option afterwards.

Solve (:func:`_solve_milp`): the LP relaxation gives the bound; a seeded, slightly
perturbed LP picks a sparse vertex whose support and zero-reduced-cost patterns form a
small restricted MILP (hundreds of patterns out of tens of thousands); the full MILP is
the fallback. Named rosters: week by week, agents are paired with compatible next-week
patterns by an assignment problem that spreads weekend days (the integer flows prove a
pairing exists), whole suffixes of weeks are swapped between agents to lower the largest
weekend total, and shifts no requirement needs are dropped (:func:`drop_idle_shifts`).

Measured (``experiments/bench_scheduling.py``, results/bench_scheduling.md): pyworkforce's
55 x 7 x 4 example proven optimal in 0.19-0.32 s (the named CP-SAT model alone: 10.1 s,
gap 1.6 %); 220 agents x 28 days within 0.5 % in 2.9 s and optimal in 7.0 s (CP-SAT
alone: gap 0.75 after 62 s).
"""

from __future__ import annotations

import logging
import math
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from routing_ml.scheduling._problem import AgentSpec, RosterProblem, agent_classes
from routing_ml.scheduling.shifts import MINUTES_PER_DAY

logger = logging.getLogger(__name__)

MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY

#: above this many weekly patterns (all classes and weeks) the pattern model is not built
MAX_PATTERNS = 60_000
#: nor above this many coverage nonzeros (pattern x covered interval): with requirements on
#: every quarter hour each pattern covers ~160 intervals, and with tens of thousands of
#: patterns the LP gets slower than the named CP-SAT model
MAX_NONZEROS = 1_000_000

Plan = dict[tuple[int, int], tuple[int, int]]  # (agent, day) -> (variant, skill)
Breaks = dict[tuple[int, int], tuple[tuple[int, int], ...]]  # (agent, day) -> ((break index, offset), ...)


@dataclass(frozen=True, slots=True)
class _Pattern:
    choice: tuple[int, ...]  # per day of the week: index into that day's options, -1 = off
    cost: float  # shift cost + preference + unstable-start penalties (cost units)
    weekend_days: int
    lead: int  # working days in a row from the week's first day
    trail: int  # working days in a row up to the week's last day
    first_start: int  # minutes from the week start of the first shift start (large if none)
    next_earliest: int  # earliest start allowed next week (minutes from its start; <= 0 = none)


@dataclass(frozen=True, slots=True, kw_only=True)
class PatternSolution:
    """A plan from the pattern model with its proven lower bound (cost units)."""

    plan: Plan
    breaks: Breaks  # start offset (minutes after the shift start) of each break of each shift
    objective: float
    bound: float
    n_patterns: int
    wall_time_seconds: float


def _anchors(p: RosterProblem, opts: list[tuple[tuple[int, int], ...]]) -> list[int]:
    """Anchor starts of the unstable-start rule for one agent-week ([] when always stable)."""
    tol = p.rules.stable_start_tolerance_minutes
    starts = sorted({p.variants[vi].start_minutes for day in opts for vi, _ in day})
    if len(starts) <= 1 or starts[-1] - starts[0] <= tol:
        return []
    return starts


def _day_penalty(p: RosterProblem, agent: AgentSpec, weekday: int, vi: int) -> int:
    """Preference penalty of working variant ``vi`` on a ``weekday`` (as in the CP-SAT model)."""
    pen = int(weekday in agent.preferred_days_off)
    ps = agent.preferred_start_minutes
    if ps is not None and abs(p.variants[vi].start_minutes - ps) > p.rules.stable_start_tolerance_minutes:
        pen += 1
    return pen


def week_patterns(p: RosterProblem, a: int, week: int, limit: int,
                  weekdays: list[int] | None = None, deadline: float = math.inf) -> list[_Pattern] | None:
    """Every week agent ``a`` may work in ``week`` under the hard rules; None above ``limit``
    patterns or past ``deadline`` (``time.perf_counter()`` seconds)."""
    rules, w = p.rules, p.weights
    agent = p.agents[a]
    wd = weekdays if weekdays is not None else [p.weekday(d) for d in range(p.n_days)]
    opts = [p.options[a][7 * week + j] for j in range(7)]
    rest = round(rules.min_rest_hours * 60)
    mc, max_wd, L = rules.max_consecutive_days, rules.max_days_per_week, rules.min_consecutive_days_off
    lo, hi = agent.min_minutes_per_week, agent.max_minutes_per_week
    anchors = _anchors(p, opts) if w.unstable_start_per_day else []
    tol = rules.stable_start_tolerance_minutes
    # per (day, option): start and end (minutes from the week start), paid minutes, cost
    info = []
    for j in range(7):
        row = []
        for vi, _k in opts[j]:
            v = p.variants[vi]
            cost = w.shift_cost * v.cost
            if w.preference_per_day:
                cost += w.preference_per_day * _day_penalty(p, agent, wd[7 * week + j], vi)
            start = MINUTES_PER_DAY * j + v.start_minutes
            row.append((start, start + v.length_minutes, v.paid_minutes, cost, v.start_minutes))
        info.append(row)
    weekend = [wd[7 * week + j] >= 5 for j in range(7)]
    longest = [max((o[2] for o in row), default=0) for row in info]
    reach = [sum(sorted(longest[j:], reverse=True)[:n]) for j in range(8) for n in range(8)]  # [j*8+n]
    out: list[_Pattern] = []
    choice = [-1] * 7

    need_block = L if L >= 2 else 0  # a block of L consecutive days off inside the week
    unstable: dict[tuple[int, ...], int] = {}

    def finish(cost: float) -> None:
        worked = [j for j in range(7) if choice[j] >= 0]
        if anchors and worked:
            starts = tuple(sorted(info[j][choice[j]][4] for j in worked))
            if starts not in unstable:  # days off the best anchor, shared by many patterns
                unstable[starts] = min(sum(abs(s - b) > tol for s in starts) for b in anchors)
            cost += w.unstable_start_per_day * unstable[starts]
        lead = next((j for j in range(7) if choice[j] < 0), 7)
        trail = next((j for j in range(7) if choice[6 - j] < 0), 7)
        if worked:
            first = info[worked[0]][choice[worked[0]]][0]
            nxt = info[worked[-1]][choice[worked[-1]]][1] + rest - MINUTES_PER_WEEK
        else:
            first, nxt = 10 * MINUTES_PER_WEEK, 0
        out.append(_Pattern(tuple(choice), cost, sum(weekend[j] for j in worked), lead, trail, first, max(0, nxt)))

    nodes = [0]

    def dfs(j: int, days: int, minutes: int, last_end: int | None, run: int, cost: float, off: int) -> bool:
        # off: days off in a row up to day j, or 7 once the block of days off is in place
        nodes[0] += 1
        if len(out) > limit or (nodes[0] & 4095 == 0 and time.perf_counter() > deadline):
            return False
        if j == 7:
            if minutes >= lo and off >= need_block:
                finish(cost)
            return True
        if minutes + reach[8 * j + max(0, max_wd - days)] < lo:  # the minimum hours are out of reach
            return True
        if off + 7 - j < need_block:  # no room left for the block of days off
            return True
        choice[j] = -1
        if not dfs(j + 1, days, minutes, last_end, 0, cost, 7 if off + 1 >= need_block else off + 1):
            return False
        if days >= max_wd or run >= mc:
            return True
        for oi, (start, end, paid, c, _) in enumerate(info[j]):
            if minutes + paid > hi or (last_end is not None and start < last_end + rest):
                continue
            choice[j] = oi
            if not dfs(j + 1, days + 1, minutes + paid, end, run + 1, cost + c, off if off >= need_block else 0):
                return False
        choice[j] = -1
        return True

    return out if dfs(0, 0, 0, None, 0, 0.0, 7 if need_block == 0 else 0) else None


def _compatible(rules: Any, end: tuple[int, int], start: tuple[int, int]) -> bool:
    trail, nxt = end
    lead, first = start
    return trail + lead <= rules.max_consecutive_days and first >= nxt


def solve_pattern_model(p: RosterProblem, *, time_limit_seconds: float, gap_limit: float = 0.0,
                        max_patterns: int = MAX_PATTERNS, seed: int = 0,
                        build_seconds: float | None = None) -> PatternSolution | None:
    """Solve ``p`` as a pattern model with HiGHS; None when the model does not apply.

    Not applicable (returns None): more than ``max_patterns`` weekly patterns or
    ``MAX_NONZEROS`` coverage entries; enumeration not done within ``build_seconds``
    (default 20% of ``time_limit_seconds``); a class-week with no feasible pattern
    (infeasible hard rules: CP-SAT explains them); 7-day weeks with a consecutive-days rule
    spanning several weeks; no integer solution within the time limit.
    """
    from scipy import sparse

    t0 = time.perf_counter()
    # enumerating and building may take at most this long (default 20% of the time limit):
    # a model too large for the fast path must not eat the CP-SAT phase's time
    build_deadline = t0 + (0.2 * time_limit_seconds if build_seconds is None else build_seconds)
    rules, w = p.rules, p.weights
    iv, per_day = p.interval_minutes, p.per_day
    classes = agent_classes(p)
    wd = [p.weekday(d) for d in range(p.n_days)]
    pats: dict[tuple[int, int], list[_Pattern]] = {}
    seen: dict[Any, list[_Pattern]] = {}  # identical weeks (same options and weekdays) share patterns
    total = 0
    for g, members in enumerate(classes):
        a0 = members[0]
        for wk in range(p.n_weeks):
            key = (g, tuple(p.options[a0][7 * wk:7 * wk + 7]), tuple(wd[7 * wk:7 * wk + 7]))
            if key not in seen:
                got = week_patterns(p, a0, wk, max_patterns - total, wd, build_deadline)
                if not got:
                    return None
                seen[key] = got
            got = seen[key]
            if p.n_weeks > 1 and rules.max_consecutive_days < p.n_days and any(q.lead == 7 for q in got):
                return None
            pats[g, wk] = got
            total += len(got)
            if total > max_patterns:
                return None
    if time.perf_counter() > build_deadline:
        return None

    # rows: every listed (queue, interval); coverage of each option as row indices
    listed = np.flatnonzero(p.listed.ravel())
    row_of = np.full(p.listed.size, -1, dtype=np.int64)
    row_of[listed] = np.arange(listed.size)
    n_rows = listed.size
    n_t = p.n_periods

    def rows_of(d: int, vi: int, k: int) -> np.ndarray:
        v = p.variants[vi]
        t_a = d * per_day + v.start_minutes // iv
        t_b = min(n_t, t_a + v.length_minutes // iv)
        r = row_of[k * n_t + np.arange(t_a, t_b)]
        return r[r >= 0]

    cols: list[tuple[int, int, _Pattern]] = []  # (class, week, pattern)
    a_rows: list[int] = []
    a_cols: list[int] = []
    uses: dict[tuple[int, int, int], list[int]] = defaultdict(list)  # option with breaks -> columns
    for (g, wk), lst in pats.items():
        opts = p.options[classes[g][0]]
        # rows covered by option oi on day dj of this week
        cover = [[rows_of(7 * wk + dj, vi, k).tolist() for vi, k in opts[7 * wk + dj]] for dj in range(7)]
        for q in lst:
            j = len(cols)
            cols.append((g, wk, q))
            for dj, oi in enumerate(q.choice):
                if oi >= 0:
                    rws = cover[dj][oi]
                    a_rows.extend(rws)
                    a_cols.extend([j] * len(rws))
                    vi, k = opts[7 * wk + dj][oi]
                    if p.variants[vi].template.breaks:
                        uses[7 * wk + dj, vi, k].append(j)
        if len(a_rows) > MAX_NONZEROS or time.perf_counter() > build_deadline:
            logger.debug("pattern model: over %d coverage nonzeros or out of build time; left to CP-SAT",
                         MAX_NONZEROS)
            return None
    n_x = len(cols)
    h = iv / 60.0
    req = p.required.ravel()[listed].astype(float)
    under_c = w.under_staffing_per_hour * h * p.weight.ravel()[listed]
    over_c = np.full(n_rows, w.over_staffing_per_hour * h)

    # flows between consecutive weeks, per class: (end state) -> (start state)
    flows: list[tuple[int, int, tuple[int, int], tuple[int, int]]] = []
    for g in range(len(classes)):
        for wk in range(p.n_weeks - 1):
            ends = sorted({(q.trail, q.next_earliest) for q in pats[g, wk]})
            starts = sorted({(q.lead, q.first_start) for q in pats[g, wk + 1]})
            flows.extend((g, wk, e, s) for e in ends for s in starts if _compatible(rules, e, s))
    n_f = len(flows)
    # breaks: people on one shift option are interchangeable for coverage, so (as in the
    # CP-SAT model) integer counts per (option, break, start offset) place them
    brk_vars: list[tuple[tuple[int, int, int], int, int]] = []  # (option, break index, offset)
    for opt in sorted(uses):
        for bi, brule in enumerate(p.variants[opt[1]].template.breaks):
            brk_vars.extend((opt, bi, off) for off in range(brule.earliest_offset_minutes,
                                                            brule.latest_offset_minutes + 1, iv))
    n_b = len(brk_vars)
    weekend = bool(w.weekend_fairness_per_day) and any(x >= 5 for x in wd)
    n_var = n_x + 2 * n_rows + n_f + n_b + int(weekend)
    off_u, off_o, off_f = n_x, n_x + n_rows, n_x + 2 * n_rows
    off_b = off_f + n_f
    off_z = off_b + n_b

    c = np.zeros(n_var)
    c[:n_x] = [q.cost for _, _, q in cols]
    c[off_u:off_o] = under_c
    c[off_o:off_f] = over_c
    if weekend:
        c[off_z] = w.weekend_fairness_per_day
    lb = np.zeros(n_var)
    ub = np.full(n_var, np.inf)
    ub[:n_x] = [len(classes[g]) for g, _, _ in cols]
    ub[off_u:off_o] = 0.0 if rules.hard_coverage else req
    integrality = np.zeros(n_var)
    integrality[:n_x] = 1
    integrality[off_f:] = 1  # flows, breaks and the weekend maximum (an integer >= every class average)

    rr: list[np.ndarray] = []
    cc: list[np.ndarray] = []
    vv: list[np.ndarray] = []
    lo_b: list[np.ndarray] = []
    hi_b: list[np.ndarray] = []

    def block(r: Any, col: Any, val: Any) -> None:
        rr.append(np.asarray(r, dtype=np.int64))
        cc.append(np.asarray(col, dtype=np.int64))
        vv.append(np.asarray(val, dtype=float))

    # coverage: sum(a x) + under - over = required
    block(a_rows, a_cols, np.ones(len(a_rows)))
    block(np.arange(n_rows), off_u + np.arange(n_rows), np.ones(n_rows))
    block(np.arange(n_rows), off_o + np.arange(n_rows), -np.ones(n_rows))
    lo_b.append(req)
    hi_b.append(req)
    nxt_row = n_rows
    # each class works exactly one pattern per agent and week
    by_cw: dict[tuple[int, int], list[int]] = defaultdict(list)
    for j, (g, wk, _) in enumerate(cols):
        by_cw[g, wk].append(j)
    for (g, _wk), js in by_cw.items():
        block(np.full(len(js), nxt_row), js, np.ones(len(js)))
        lo_b.append(np.array([float(len(classes[g]))]))
        hi_b.append(np.array([float(len(classes[g]))]))
        nxt_row += 1
    # flow conservation at each week boundary
    end_rows: dict[tuple[int, int, tuple[int, int]], int] = {}
    start_rows: dict[tuple[int, int, tuple[int, int]], int] = {}
    for j, (g, wk, q) in enumerate(cols):
        if wk < p.n_weeks - 1:
            end_key = (g, wk, (q.trail, q.next_earliest))
            if end_key not in end_rows:
                end_rows[end_key] = nxt_row
                nxt_row += 1
            block([end_rows[end_key]], [j], [-1.0])
        if wk > 0:
            start_key = (g, wk - 1, (q.lead, q.first_start))
            if start_key not in start_rows:
                start_rows[start_key] = nxt_row
                nxt_row += 1
            block([start_rows[start_key]], [j], [-1.0])
    for fi, (g, wk, e, s) in enumerate(flows):
        for state_key, table in (((g, wk, e), end_rows), ((g, wk, s), start_rows)):
            if state_key in table:
                block([table[state_key]], [off_f + fi], [1.0])
    n_flow_rows = len(end_rows) + len(start_rows)
    lo_b.append(np.zeros(n_flow_rows))
    hi_b.append(np.zeros(n_flow_rows))
    link_rows: dict[tuple[tuple[int, int, int], int], int] = {}
    for bj, (opt, bi, off) in enumerate(brk_vars):
        d, vi, k = opt
        brule = p.variants[vi].template.breaks[bi]
        t_a = d * per_day + (p.variants[vi].start_minutes + off) // iv
        ts = np.arange(t_a, min(n_t, t_a + brule.duration_minutes // iv))
        rws = row_of[k * n_t + ts]
        rws = rws[rws >= 0]
        block(rws, np.full(rws.size, off_b + bj), -np.ones(rws.size))
        if (opt, bi) not in link_rows:
            link_rows[opt, bi] = nxt_row
            block(np.full(len(uses[opt]), nxt_row), uses[opt], -np.ones(len(uses[opt])))
            nxt_row += 1
        block([link_rows[opt, bi]], [off_b + bj], [1.0])
    lo_b.append(np.zeros(len(link_rows)))
    hi_b.append(np.zeros(len(link_rows)))
    # weekend fairness: max weekend days >= each class's average
    if weekend:
        for g, members in enumerate(classes):
            js = [j for j, (gg, _, _) in enumerate(cols) if gg == g]
            block(np.full(len(js) + 1, nxt_row), [*js, off_z],
                  [*(-float(cols[j][2].weekend_days) for j in js), float(len(members))])
            lo_b.append(np.zeros(1))
            hi_b.append(np.array([np.inf]))
            nxt_row += 1
    a_mat = sparse.csr_matrix((np.concatenate(vv), (np.concatenate(rr), np.concatenate(cc))),
                              shape=(nxt_row, n_var))
    model = _Milp(c=c, integrality=integrality, lb=lb, ub=ub, a=a_mat, lo=np.concatenate(lo_b),
                  hi=np.concatenate(hi_b), n_x=n_x, off_f=off_f, off_z=off_z)
    found = _solve_milp(model, t0 + time_limit_seconds, gap_limit, seed)
    if found is None:
        return None
    xv, bound = found
    plan = _decompose(p, classes, cols, xv[:n_x])
    if plan is None:
        return None
    breaks = _place_breaks(plan, brk_vars, xv[off_b:off_z])
    if breaks is None:
        return None
    plan, breaks = drop_idle_shifts(p, plan, breaks)
    objective = plan_objective(p, plan, breaks)
    bound = min(bound, objective)
    wall = time.perf_counter() - t0
    logger.debug("pattern model: %d patterns, objective %.2f bound %.2f in %.2fs", n_x, objective, bound, wall)
    return PatternSolution(plan=plan, breaks=breaks, objective=objective, bound=bound,
                           n_patterns=n_x, wall_time_seconds=wall)


def _place_breaks(plan: Plan, brk_vars: list[tuple[tuple[int, int, int], int, int]],
                  counts: np.ndarray) -> Breaks | None:
    """Hand the break counts of each shift option to the agents on it (in agent order)."""
    on: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    for (a, d), (vi, k) in sorted(plan.items()):
        on[d, vi, k].append(a)
    offsets: dict[tuple[tuple[int, int, int], int], list[int]] = defaultdict(list)
    for (key, bi, off), n in zip(brk_vars, counts, strict=True):
        offsets[key, bi].extend([off] * int(n))
    breaks: Breaks = {}
    for (key, bi), offs in offsets.items():
        agents = on[key]
        if len(offs) != len(agents):
            return None
        for a, off in zip(agents, offs, strict=True):
            breaks[a, key[0]] = (*breaks.get((a, key[0]), ()), (bi, off))
    return breaks


@dataclass(frozen=True, slots=True, kw_only=True)
class _Milp:
    """min c.x  s.t.  lo <= a x <= hi, lb <= x <= ub, x integer where ``integrality``."""

    c: np.ndarray
    integrality: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    a: Any
    lo: np.ndarray
    hi: np.ndarray
    n_x: int
    off_f: int
    off_z: int


def _lp(m: _Milp, c: np.ndarray, left: float, lb: np.ndarray | None = None,
        ub: np.ndarray | None = None) -> Any:
    from scipy.optimize import linprog

    eq = m.lo == m.hi
    ge = ~eq
    return linprog(c, A_ub=-m.a[ge], b_ub=-m.lo[ge], A_eq=m.a[eq], b_eq=m.lo[eq],
                   bounds=np.column_stack([m.lb if lb is None else lb, m.ub if ub is None else ub]),
                   method="highs", options={"time_limit": max(0.05, left)})


def _lp_bound(m: _Milp, deadline: float) -> tuple[float, np.ndarray] | None:
    """LP bound, tightened by branching once on the weekend maximum when it is fractional
    (the LP is convex in it, so the better of its floor and ceiling sides is a bound).
    Returns the bound and the LP solution."""
    lp = _lp(m, m.c, deadline - time.perf_counter())
    if lp.status != 0:
        return None
    bound = float(lp.fun)
    if m.off_z < len(m.c):
        z = float(lp.x[m.off_z])
        if abs(z - round(z)) > 1e-6:
            sides = []
            for lo_z, hi_z in ((m.lb[m.off_z], np.floor(z)), (np.ceil(z), m.ub[m.off_z])):
                lb, ub = m.lb.copy(), m.ub.copy()
                lb[m.off_z], ub[m.off_z] = lo_z, hi_z
                side = _lp(m, m.c, deadline - time.perf_counter(), lb, ub)
                if side.status == 0:
                    sides.append(float(side.fun))
                elif side.status != 2:  # not solved in time: keep the plain bound
                    return bound, lp.x
            bound = max(bound, min(sides, default=bound))
    return bound, lp.x


def _solve_milp(m: _Milp, deadline: float, gap_limit: float, seed: int, rounds: int = 4
                ) -> tuple[np.ndarray, float] | None:
    """Integer solution and lower bound (cost units), or None.

    1. LP relaxation (the lower bound);
    2. the same LP with tiny seeded cost perturbations on the patterns: on degenerate
       objectives (coverage only, every pattern free) it picks one sparse vertex, and its
       reduced costs say which patterns matter;
    3. the MILP restricted to the patterns with zero perturbed reduced cost or used by that
       vertex (hundreds of patterns instead of thousands; on the 220 x 28 benchmark the full
       MILP is the slow part); while its gap to the LP bound is above
       ``gap_limit``, up to ``rounds`` new perturbations add their patterns;
    4. then the full MILP with the time left.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    relaxed = _lp_bound(m, deadline)
    if relaxed is None:
        return None
    bound, x_lp = relaxed
    rng = np.random.default_rng(seed)
    keep = np.arange(len(m.c)) >= m.n_x  # only patterns are restricted (flows, breaks stay free)
    keep |= x_lp > 1e-9
    best: tuple[np.ndarray, float] | None = None
    for _ in range(rounds):
        cp = m.c.copy()
        cp[:m.n_x] += 0.01 * (1.0 + rng.random(m.n_x))
        cp[m.off_f:m.off_z] += 0.001 * rng.random(m.off_z - m.off_f)
        pert = _lp(m, cp, deadline - time.perf_counter())
        if pert.status != 0:
            break
        keep = keep | (pert.lower.marginals <= 1e-9) | (pert.x > 1e-9)
        ub = np.where(keep, m.ub, 0.0)
        left = deadline - time.perf_counter()
        if left <= 0.05:
            break
        res = milp(m.c, integrality=m.integrality, bounds=Bounds(m.lb, ub),
                   constraints=LinearConstraint(m.a, m.lo, m.hi),
                   options={"time_limit": left, "mip_rel_gap": gap_limit, "disp": False})
        if res.x is not None and (best is None or res.fun < best[1]):
            best = (np.rint(res.x).astype(np.int64), float(res.fun))
        if best is not None and best[1] - bound <= gap_limit * best[1] + 1e-9:
            return best[0], bound
    left = deadline - time.perf_counter()
    if left > 0.05:  # the full MILP with the time left
        res = milp(m.c, integrality=m.integrality, bounds=Bounds(m.lb, m.ub),
                   constraints=LinearConstraint(m.a, m.lo, m.hi),
                   options={"time_limit": left, "mip_rel_gap": gap_limit, "disp": False})
        if res.x is not None:
            dual = getattr(res, "mip_dual_bound", None)
            bound = max(bound, float(dual)) if dual is not None and np.isfinite(dual) else bound
            if best is None or res.fun < best[1]:
                best = (np.rint(res.x).astype(np.int64), float(res.fun))
    return None if best is None else (best[0], bound)


def _decompose(p: RosterProblem, classes: list[list[int]], cols: list[tuple[int, int, _Pattern]],
               x: np.ndarray) -> Plan | None:
    """Named plan from the pattern counts (None if they do not add up).

    Week by week, each agent continues with a next-week pattern compatible with its week so
    far; the pairing minimises the sum of cubed weekend-day totals (an assignment problem,
    which spreads weekend days). The model's integer flows between week states prove that a
    compatible pairing exists, so the assignment finds one.
    """
    from scipy.optimize import linear_sum_assignment

    plan: Plan = {}
    chosen: dict[tuple[int, int], list[_Pattern]] = defaultdict(list)
    for j, (g, wk, q) in enumerate(cols):
        chosen[g, wk].extend([q] * int(x[j]))
    for g, members in enumerate(classes):
        opts = p.options[members[0]]
        weekend = dict.fromkeys(members, 0)
        current: dict[int, _Pattern] = {}
        seq: dict[int, list[_Pattern]] = {a: [] for a in members}
        for wk in range(p.n_weeks):
            pool = sorted(chosen[g, wk], key=lambda q: q.weekend_days)
            if len(pool) != len(members):
                return None
            pairs: list[tuple[int, _Pattern]] | None
            if wk == 0:
                pairs = list(zip(members, pool, strict=True))
            else:
                pairs = _pair_by_assignment(p, members, current, weekend, pool, linear_sum_assignment)
                if pairs is None:
                    return None
            for a, q in pairs:
                current[a] = q
                weekend[a] += q.weekend_days
                seq[a].append(q)
        _swap_suffixes(p, seq)
        for a, qs in seq.items():
            for wk, q in enumerate(qs):
                for dj, oi in enumerate(q.choice):
                    if oi >= 0:
                        plan[a, 7 * wk + dj] = opts[7 * wk + dj][oi]
    return plan


def _swap_suffixes(p: RosterProblem, seq: dict[int, list[_Pattern]]) -> None:
    """Lower the largest weekend-day total of a class by swapping two agents' weeks from
    some week on, where both new week boundaries stay compatible (in place)."""
    agents = list(seq)
    if len(agents) < 2 or p.n_weeks < 2:
        return
    total = {a: sum(q.weekend_days for q in seq[a]) for a in agents}

    def fits(left: _Pattern, right: _Pattern) -> bool:
        return _compatible(p.rules, (left.trail, left.next_earliest), (right.lead, right.first_start))

    for _ in range(4 * len(agents)):
        a = max(agents, key=lambda x: total[x])
        best = None
        for b in agents:
            if total[b] >= total[a] - 1:
                continue
            for wk in range(1, p.n_weeks):
                sa = sum(q.weekend_days for q in seq[a][wk:])
                sb = sum(q.weekend_days for q in seq[b][wk:])
                new_a, new_b = total[a] - sa + sb, total[b] - sb + sa
                if max(new_a, new_b) < total[a] and fits(seq[a][wk - 1], seq[b][wk]) and \
                        fits(seq[b][wk - 1], seq[a][wk]):
                    if best is None or max(new_a, new_b) < best[0]:
                        best = (max(new_a, new_b), b, wk, new_a, new_b)
        if best is None:
            return
        _, b, wk, new_a, new_b = best
        seq[a][wk:], seq[b][wk:] = seq[b][wk:], seq[a][wk:]
        total[a], total[b] = new_a, new_b


def _pair_by_assignment(p: RosterProblem, members: list[int], current: dict[int, _Pattern],
                        weekend: dict[int, int], pool: list[_Pattern], solve: Any
                        ) -> list[tuple[int, _Pattern]] | None:
    big = 1e12
    cost = np.full((len(members), len(pool)), big)
    for i, a in enumerate(members):
        e = (current[a].trail, current[a].next_earliest)
        for j, q in enumerate(pool):
            if _compatible(p.rules, e, (q.lead, q.first_start)):
                cost[i, j] = float(weekend[a] + q.weekend_days) ** 3
    rows, cols = solve(cost)
    if np.any(cost[rows, cols] >= big):
        return None
    return [(members[i], pool[j]) for i, j in zip(rows, cols, strict=True)]


def _on_queue(p: RosterProblem, d: int, vi: int, brk: tuple[tuple[int, int], ...] = ()) -> np.ndarray:
    """Intervals (horizon indices) the agent of shift ``(d, vi)`` serves: the shift minus
    its breaks (``brk``: (break index, start offset minutes))."""
    iv, n_t = p.interval_minutes, p.n_periods
    v = p.variants[vi]
    t_a = d * p.per_day + v.start_minutes // iv
    on = np.ones(max(0, min(n_t, t_a + v.length_minutes // iv) - t_a), dtype=bool)
    for bi, off in brk:
        b0 = off // iv
        on[b0:b0 + v.template.breaks[bi].duration_minutes // iv] = False
    return t_a + np.flatnonzero(on)


def drop_idle_shifts(p: RosterProblem, plan: Plan, breaks: Breaks | None = None) -> tuple[Plan, Breaks]:
    """Remove shifts that no under-staffed interval needs, while the agent's weekly
    minimum hours still hold; returns the plan and its breaks without them.

    Such shifts (e.g. on days absent from the requirements, which are not planned) cost
    nothing when ``shift_cost`` is 0, so the pattern model may keep them; removing one never
    breaks a hard rule other than the minimum hours and never raises the objective (no
    under-staffing added; over-staffing, cost, preference, unstable-start and weekend terms
    can only fall).
    """
    breaks = dict(breaks or {})
    sched = np.zeros((len(p.skills), p.n_periods), dtype=np.int64)
    served = {}
    minutes: dict[tuple[int, int], int] = defaultdict(int)
    for (a, d), (vi, k) in plan.items():
        served[a, d] = _on_queue(p, d, vi, breaks.get((a, d), ()))
        sched[k, served[a, d]] += 1
        minutes[a, d // 7] += p.variants[vi].paid_minutes
    out = dict(plan)
    for (a, d), (vi, k) in sorted(plan.items()):
        paid = p.variants[vi].paid_minutes
        if minutes[a, d // 7] - paid < p.agents[a].min_minutes_per_week:
            continue
        ts = served[a, d]
        if np.any((p.required[k, ts] > 0) & (sched[k, ts] <= p.required[k, ts])):
            continue  # removing it would leave an interval under-staffed
        del out[a, d]
        breaks.pop((a, d), None)
        sched[k, ts] -= 1
        minutes[a, d // 7] -= paid
    return out, breaks


def plan_objective(p: RosterProblem, plan: Plan, breaks: Breaks | None = None) -> float:
    """Objective (cost units, :class:`RosterWeights`) of a plan and its breaks, computed
    directly: the same terms as the CP-SAT model's objective."""
    w, rules = p.weights, p.rules
    wd = [p.weekday(d) for d in range(p.n_days)]
    sched = np.zeros((len(p.skills), p.n_periods), dtype=np.int64)
    cost = pref = 0.0
    weekend: dict[int, int] = defaultdict(int)
    starts: dict[tuple[int, int], list[int]] = defaultdict(list)
    for (a, d), (vi, k) in plan.items():
        v = p.variants[vi]
        sched[k, _on_queue(p, d, vi, (breaks or {}).get((a, d), ()))] += 1
        cost += w.shift_cost * v.cost
        pref += _day_penalty(p, p.agents[a], wd[d], vi)
        weekend[a] += wd[d] >= 5
        starts[a, d // 7].append(v.start_minutes)
    h = p.interval_minutes / 60.0
    short = np.clip(p.required - sched, 0, None)
    surplus = np.clip(sched - p.required, 0, None) * p.listed
    total = (w.under_staffing_per_hour * h * float((short * p.weight).sum())
             + w.over_staffing_per_hour * h * float(surplus.sum()) + cost + w.preference_per_day * pref)
    if w.unstable_start_per_day:
        tol = rules.stable_start_tolerance_minutes
        for (a, wk), ss in starts.items():
            anchors = _anchors(p, [p.options[a][d] for d in range(7 * wk, 7 * wk + 7)])
            if anchors:
                total += w.unstable_start_per_day * min(sum(abs(s - b) > tol for s in ss) for b in anchors)
    if w.weekend_fairness_per_day and any(x >= 5 for x in wd):
        total += w.weekend_fairness_per_day * max(weekend.values(), default=0)
    return float(total)
