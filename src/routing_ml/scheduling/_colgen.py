"""Column generation for the one-week pattern model when its patterns are too many to list.

With a dozen shift starts and several queues per day an agent has 20-40 options a day and
millions of possible weeks, so :func:`~routing_ml.scheduling._patterns.week_patterns`
cannot enumerate them. The pattern model's LP is solved instead by column generation:

* a greedy roster first (agents placed one by one at their best week, then best-response
  sweeps) seeds the master with a feasible integer plan;
* master LP (HiGHS, one persistent model re-solved warm as columns arrive): the pattern
  model's rows (coverage with under/over-staffing, one convexity row per class of
  interchangeable agents, break counts per shift option linked to the agents on it, the
  weekend maximum) over the patterns generated so far;
* pricing, per class: the week of least reduced cost under the duals, by dynamic
  programming over the 7 days. The state is (earliest start allowed today by the minimum
  rest, days worked and paid minutes so far, the days-off block, the anchor start of the
  stable-start rule). Every hard rule and every cost term is exact, so the pricing is
  exact and the Lagrangian bound ``y.b + sum(class size x least reduced cost) + ...`` is a
  valid lower bound at every iteration, even when the LP is not solved to the end. Duals
  are smoothed (Wentges) towards those of the best bound so far;
* the bound tightened by integrality (Lagrangian decomposition at the best duals): the
  Lagrangian bound prices the staffing side (coverage, breaks, under- and over-staffing)
  as an LP. That side splits into independent blocks, one per day and queue (shifts that
  cross midnight join two days), and each block is a small integer program over how many
  agents work each shift option and when their breaks start, with the option valued at the
  duals. Its optimum (or HiGHS' proven bound when time runs out) replaces the block's LP
  value, and the sum is still a valid lower bound (:func:`_integer_blocks_bound`).

Integer plan (no MILP over the generated patterns: HiGHS' branch and bound on them does not
find good rosters in time), searched with under-staffing weighed ``SEARCH_UNDER_FACTOR``
times more than the problem's weights (the last ``SEARCH_TRUE_SHARE`` of the search at the
true weights; the plan is scored and the bound proved at the true weights). At the true
weights (100 per agent-hour under, 5 over) the search settles on plans that leave more
under-staffed: on the 150-agent week, six seeds end at a median of 1,732 (1,664-1,772)
against a bound of 1,618, and weighing under-staffing 10x at 1,694 (1,667-1,716), with 2.25
hours under-staffed instead of 2.75 (medians) at about the same over-staffing
(``experiments/explore_search_weight.py``). The search: LP diving (fix the patterns the LP
uses most, re-solve); the plan that leaves (or the greedy roster) gets every break placed
at once by a small MILP (:mod:`routing_ml.scheduling._breaks`) and exact best responses
(one agent's best week and break times with everyone else fixed, the same DP with the
marginal value of each interval as its dual); then rounds of: each day re-planned by a MILP
with the rest of the week fixed (:mod:`routing_ml.scheduling._days`: starts, queues and
breaks of everyone working that day move together, which repairs under-staffing no single
agent's move can), breaks placed at once again and best-response sweeps (which change
working days). One week only (no flows across weeks); the maximum consecutive days must not
bind inside a week (``max_consecutive_days >= max_days_per_week``).

Measured on the 150-agent, 3-queue week of ``experiments/bench_scheduling.py`` (results in
``results/bench_scheduling.md``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from routing_ml.scheduling._base import MAX_WEIGHT
from routing_ml.scheduling._breaks import optimal_breaks
from routing_ml.scheduling._days import improve_by_days
from routing_ml.scheduling._patterns import (
    Breaks,
    PatternSolution,
    Plan,
    _anchors,
    _day_penalty,
    _on_queue,
    _Pattern,
    _unstable_days,
    drop_idle_shifts,
    plan_objective,
)
from routing_ml.scheduling._problem import RosterProblem, agent_classes, under_tiers
from routing_ml.scheduling.shifts import MINUTES_PER_DAY

logger = logging.getLogger(__name__)

INF = np.inf
#: a pattern enters the master when its reduced cost is below this (cost units)
RC_TOL = 1e-6
#: shares of the time limit: column generation (the bound) until the first, LP diving until
#: the second; the day-by-day MILPs improve the plan with the rest
COLGEN_SHARE, DIVE_SHARE = 0.45, 0.6
#: the dive has at least this share of the limit after column generation, ending no later
#: than the second share
DIVE_MIN_SHARE, DIVE_LATEST_SHARE = 0.2, 0.75
#: share of the time limit the integer staffing blocks may take to tighten the bound
BLOCKS_SHARE = 0.05
#: past its share, column generation goes on up to this share of the limit while its
#: master LP fell by less than this fraction in the last iteration (the tail, where the
#: bound closes on the LP in a few cheap iterations)
COLGEN_TAIL_SHARE, COLGEN_TAIL_LP_CHANGE = 0.55, 0.02
#: the integer search (dive, best responses, day MILPs) weighs under-staffing this many
#: times more than the true weights; the last share of its time improves at the true weights
SEARCH_UNDER_FACTOR, SEARCH_TRUE_SHARE = 10.0, 0.3


@dataclass(slots=True)
class _ClassPricer:
    """The pricing DP of one class of interchangeable agents (one week)."""

    g: int
    size: int
    agent: int  # first member (options, hours and preferences of the class)
    opts: list[tuple[tuple[int, int], ...]]  # per day: (variant, skill) options
    variants: list[int]  # distinct variants the class may work (any day)
    start: np.ndarray  # (V,) start minutes of each variant
    thr_next: np.ndarray  # (V,) index of the earliest start allowed the next day
    allowed_upto: np.ndarray  # (V,) largest threshold index whose earliest start allows it
    thr_off: np.ndarray  # (E,) threshold index after a day off
    prev_dm: np.ndarray  # (V, DM + 1) source (days, minutes) state of each target, DM = none
    dm_ok: np.ndarray  # (DM,) final states meeting the weekly minimum hours
    n_dm: int
    n_o: int  # days-off block states (1 when no block is required)
    pen: np.ndarray  # (A, V) unstable-start penalty per anchor (cost units)
    fixed: np.ndarray  # (7, V) cost + preference of working variant v on day j (inf if unavailable)
    anchors: list[int]
    dm_days: np.ndarray  # (DM,) days worked of each (days, minutes) state
    #: the first days of which one must be off (working days in a row carried over from the
    #: previous roster; ``AgentSpec.carry_over_window``): after the last of them, the states
    #: that worked every one are dropped
    window: tuple[int, ...] = ()


def _build_pricer(p: RosterProblem, g: int, members: list[int]) -> _ClassPricer | None:
    rules, w = p.rules, p.weights
    a0 = members[0]
    agent = p.agents[a0]
    opts = [p.options[a0][j] for j in range(7)]
    variants = sorted({vi for day in opts for vi, _ in day})
    if not variants:
        return None
    vidx = {vi: i for i, vi in enumerate(variants)}
    rest = rules.min_rest_minutes
    start = np.array([p.variants[vi].start_minutes for vi in variants], dtype=np.int64)
    nxt = [p.variants[vi].end_minutes + rest - MINUTES_PER_DAY for vi in variants]
    # thresholds (earliest start allowed today, minutes from today's start); index 0 = free
    thr: set[int] = set()
    for t in nxt:
        while t > 0:
            thr.add(t)
            t -= MINUTES_PER_DAY
    levels = [-(10**9), *sorted(thr)]
    index = {t: i for i, t in enumerate(levels)}

    def level(t: int) -> int:
        return index[t] if t > 0 else 0

    thr_next = np.array([level(t) for t in nxt], dtype=np.int64)
    thr_off = np.array([level(t - MINUTES_PER_DAY) if i else 0 for i, t in enumerate(levels)], dtype=np.int64)
    lv = np.array(levels)
    allowed_upto = np.array([int(np.searchsorted(lv, s, side="right")) - 1 for s in start], dtype=np.int64)
    # (days worked, paid minutes) states reachable within the weekly maximum
    paid = [p.variants[vi].paid_minutes for vi in variants]
    hi, lo = agent.max_minutes_per_week, agent.min_minutes(0)  # (one-week rosters only)
    states = [(0, 0)]
    seen = {(0, 0)}
    for d, m in states:
        if d >= rules.max_days_per_week:
            continue
        for pm in set(paid):
            s = (d + 1, m + pm)
            if s[1] <= hi and s not in seen:
                seen.add(s)
                states.append(s)
    dm_index = {s: i for i, s in enumerate(states)}
    n_dm = len(states)
    prev_dm = np.full((len(variants), n_dm + 1), n_dm, dtype=np.int64)
    for i, pm in enumerate(paid):
        for (d, m), k in dm_index.items():
            src = dm_index.get((d - 1, m - pm))
            if d > 0 and src is not None:
                prev_dm[i, k] = src
    dm_ok = np.array([m >= lo for _, m in states])
    block = rules.min_consecutive_days_off if rules.min_consecutive_days_off >= 2 else 0
    anchors = _anchors(p, opts) if w.unstable_start_per_day else []
    tol = rules.stable_start_tolerance_minutes
    pen = (np.array([[w.unstable_start_per_day * float(abs(s - b) > tol) for s in start] for b in anchors])
           if anchors else np.zeros((1, len(variants))))
    wd = [p.weekday(d) for d in range(7)]
    fixed = np.full((7, len(variants)), INF)
    for j in range(7):
        for vi, _k in opts[j]:
            c = w.shift_cost * p.variants[vi].cost
            if w.preference_per_day:
                c += w.preference_per_day * _day_penalty(p, agent, wd[j], vi)
            fixed[j, vidx[vi]] = c
    return _ClassPricer(g=g, size=len(members), agent=a0, opts=opts, variants=variants, start=start,
                        thr_next=thr_next, allowed_upto=allowed_upto, thr_off=thr_off, prev_dm=prev_dm,
                        dm_ok=dm_ok, n_dm=n_dm, n_o=block + 1 if block else 1, pen=pen, fixed=fixed,
                        anchors=anchors, dm_days=np.array([d for d, _ in states], dtype=np.int64),
                        window=agent.carry_over_window)


@dataclass(frozen=True, slots=True)
class _Options:
    """Every shift option (day, variant, queue) some class may work, indexed once, and per
    class its options as arrays: day, variant position in the pricer, option index, index
    within that day's options (in the class's option order)."""

    keys: list[tuple[int, int, int]]
    index: dict[tuple[int, int, int], int]
    per_class: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]


def _option_table(pricers: list[_ClassPricer]) -> _Options:
    keys = sorted({(d, vi, k) for cp in pricers for d in range(7) for vi, k in cp.opts[d]})
    index = {o: i for i, o in enumerate(keys)}
    per_class = []
    for cp in pricers:
        vpos = {vi: i for i, vi in enumerate(cp.variants)}
        t = np.array([(d, vpos[vi], index[d, vi, k], oi) for d in range(7) for oi, (vi, k) in enumerate(cp.opts[d])],
                     dtype=np.int64)
        per_class.append((t[:, 0], t[:, 1], t[:, 2], t[:, 3]))
    return _Options(keys=keys, index=index, per_class=per_class)


def _best_queue(cp: _ClassPricer, cj: np.ndarray, cx: np.ndarray, val: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least ``val`` (one per class option) of each (day, variant) over its queues, (7, V)
    with inf where the variant is not an option, and the (7, V) position in the class's
    options attaining it (the first in option order among equals; -1 where none)."""
    n_v = len(cp.variants)
    rc = np.full((7, n_v), INF)
    np.minimum.at(rc, (cj, cx), val)
    key = cj * n_v + cx
    order = np.lexsort((val, key))
    firsts = order[np.r_[True, key[order][1:] != key[order][:-1]]]
    pick = np.full((7, n_v), -1, dtype=np.int64)
    pick[cj[firsts], cx[firsts]] = firsts
    return rc, pick


# The DP's arrays are small (thousands to tens of thousands of states) and its reductions run
# over their first or last axis: numpy's reduceat / accumulate / min(axis=-1) on such axes
# cost 2.5-40x an element-wise np.minimum over the same slices (1.6 ms against 0.12 ms for
# the scatter of one day on a 15-minute start grid), so the helpers below loop over slices.


def _scatter_min(dst: np.ndarray, target: np.ndarray, values: np.ndarray) -> None:
    """``dst[t] = min(dst[t], values[i])`` for every ``i`` with ``target[i] == t`` (first axis)."""
    for i, t in enumerate(target.tolist()):
        np.minimum(dst[t], values[i], out=dst[t])


def _running_min(v: np.ndarray) -> np.ndarray:
    """``np.minimum.accumulate(v, axis=0)``."""
    out = v.copy()
    for i in range(1, out.shape[0]):
        np.minimum(out[i - 1], out[i], out=out[i])
    return out


def _min_last(v: np.ndarray, stop: int) -> np.ndarray:
    """``v[..., :stop].min(axis=-1)`` (``stop >= 1``)."""
    out = v[..., 0].copy()
    for o in range(1, stop):
        np.minimum(out, v[..., o], out=out)
    return out


def _price(cp: _ClassPricer, day_rc: np.ndarray, max_columns: int) -> list[tuple[float, tuple[int, ...]]]:
    """Least-reduced-cost weeks of one class: ``[(reduced cost without the convexity dual,
    per-day variant index or -1)]``, best first, one per anchor at most.

    ``day_rc`` (7, V): reduced cost of working variant v on day j (dual terms + fixed cost).
    State arrays are indexed (rest threshold, days-and-minutes, anchor, days-off block).
    """
    n_e, n_a, n_o = len(cp.thr_off), cp.pen.shape[0], cp.n_o
    shape = (n_e, cp.n_dm + 1, n_a, n_o)  # last (days, minutes) slot: unreachable (always inf)
    v = np.full(shape, INF)
    v[0, 0, :, 0] = 0.0
    hist = [v]
    add = day_rc[:, None, :] + cp.pen[None, :, :]  # (7, A, V)
    last = n_o - 1
    for j in range(7):
        new = np.full(shape, INF)
        # a day off: the rest threshold moves a day on, the block of days off grows
        off = v
        if n_o > 1:
            off = np.full(shape, INF)
            off[..., 1:] = v[..., :-1]
            off[..., last] = np.minimum(v[..., last - 1], v[..., last])
        _scatter_min(new, cp.thr_off, off)
        work = np.flatnonzero(np.isfinite(day_rc[j]))
        if work.size:
            pm = _running_min(v)  # best over thresholds allowing each start
            src = pm[cp.allowed_upto[work]]  # (W, DM+1, A, O)
            if n_o > 1:
                s2 = np.full(src.shape, INF)
                s2[..., 0] = _min_last(src, last)
                s2[..., last] = src[..., last]
                src = s2
            cand = src[np.arange(work.size)[:, None], cp.prev_dm[work]]  # (W, DM+1, A, O)
            cand += add[j][:, work].T[:, None, :, None]
            _scatter_min(new, cp.thr_next[work], cand)
        if cp.window and j == len(cp.window) - 1:
            # the window (days 0..j) all worked: the carried streak would pass the maximum
            new[:, np.flatnonzero(cp.dm_days == len(cp.window))] = INF
        v = new
        hist.append(v)
    final = v[:, :cp.n_dm, :, last].copy()
    final[:, ~cp.dm_ok, :] = INF
    per_anchor = final.min(axis=(0, 1))
    out = []
    for a in np.argsort(per_anchor)[:max_columns]:
        if not np.isfinite(per_anchor[a]):
            break
        e, dm = np.unravel_index(np.argmin(final[:, :, a]), (n_e, cp.n_dm))
        choice = _backtrack(cp, hist, add, int(a), int(e), int(dm), last)
        if choice is None:  # the forward pass copies and adds the same floats: cannot happen
            raise RuntimeError("pricing DP: no path reproduces the least reduced cost")
        out.append((float(per_anchor[a]), choice))
    return out


def _backtrack(cp: _ClassPricer, hist: list[np.ndarray], add: np.ndarray, a: int, e: int, dm: int,
               o: int) -> tuple[int, ...] | None:
    """Per-day variant indices (-1 off) of the DP path ending in state (e, a, dm, o)."""
    n_o = cp.n_o
    last = n_o - 1
    val = hist[7][e, dm, a, o]
    choice = [-1] * 7
    for j in range(6, -1, -1):
        prev = hist[j]
        tol = 1e-7 * (1.0 + abs(val))
        found: tuple[int, int, int, int] | None = None
        # day off: previous block states mapping to o
        o_src = ([o] if n_o == 1 else ([o - 1] if 0 < o < last else ([last - 1, last] if o == last else [])))
        for e_off in np.flatnonzero(cp.thr_off == e).tolist():
            for op in o_src:
                if abs(prev[e_off, dm, a, op] - val) <= tol:
                    found = (e_off, dm, op, -1)
                    break
            if found:
                break
        if found is None:
            for i in np.flatnonzero((cp.thr_next == e) & np.isfinite(add[j, a])):
                dm_p = int(cp.prev_dm[i, dm])
                if dm_p == cp.n_dm:
                    continue
                o_w = ([last] if o == last else list(range(last))) if n_o > 1 else [0]
                if n_o > 1 and o not in (0, last):
                    continue
                for e_p in range(int(cp.allowed_upto[i]) + 1):
                    for op in o_w:
                        if abs(prev[e_p, dm_p, a, op] + add[j, a, i] - val) <= tol:
                            found = (e_p, dm_p, op, int(i))
                            break
                    if found:
                        break
                if found:
                    break
        if found is None:
            return None
        e, dm, o, choice[j] = found
        val = prev[e, dm, a, o]
    return tuple(choice)


def solve_colgen_model(p: RosterProblem, *, time_limit_seconds: float, gap_limit: float = 0.0,
                       seed: int = 0, on_plan: Callable[[float, float], None] | None = None,
                       bound_at: dict[str, Any] | None = None,
                       search_under_factor: float = SEARCH_UNDER_FACTOR) -> PatternSolution | None:
    """Solve a one-week roster of agent classes by column generation (HiGHS); None when it
    does not apply (several weeks, a binding consecutive-days rule, hard coverage, a class
    with no feasible week). Once the greedy roster exists it is the fallback: running out of
    ``time_limit_seconds`` only ends the search early. ``on_plan(objective, bound)`` (cost
    units) is called with the greedy roster's objective and bound 0 before the master LP,
    then with the plan after diving and after each improving round, with the bound column
    generation proved. The solution's ``duals`` are the multipliers of that bound.

    ``bound_at``: multipliers (the ``duals`` of another solution) at which to evaluate the
    Lagrangian bound of ``p`` instead of solving it: see :func:`lagrangian_bound`."""

    t0 = time.perf_counter()
    deadline = t0 + time_limit_seconds
    rules, w = p.rules, p.weights
    if p.n_weeks != 1 or rules.max_consecutive_days < min(7, rules.max_days_per_week) or rules.hard_coverage:
        return None  # (hard coverage: the heuristic plans may leave gaps; CP-SAT proves or explains)
    classes = agent_classes(p)
    pricers = []
    for g, members in enumerate(classes):
        cp = _build_pricer(p, g, members)
        if cp is None:
            return None
        pricers.append(cp)
    iv, per_day, n_t = p.interval_minutes, p.per_day, p.n_periods
    listed = np.flatnonzero(p.listed.ravel())
    row_of = np.full(p.listed.size, -1, dtype=np.int64)
    row_of[listed] = np.arange(listed.size)
    n_rows = listed.size

    def rows_of(d: int, vi: int, k: int) -> np.ndarray:
        v = p.variants[vi]
        t_a = d * per_day + v.start_minutes // iv
        r = row_of[k * n_t + np.arange(t_a, min(n_t, t_a + v.length_minutes // iv))]
        return r[r >= 0]

    # shift options of any class: coverage rows; with breaks: a link row per break
    table = _option_table(pricers)
    options = table.keys
    cover = {o: rows_of(*o) for o in options}
    brk_vars: list[tuple[tuple[int, int, int], int, int]] = []
    link_row: dict[tuple[tuple[int, int, int], int], int] = {}
    for o in options:
        for bi, brule in enumerate(p.variants[o[1]].template.breaks):
            link_row[o, bi] = len(link_row)
            brk_vars.extend((o, bi, off) for off in range(brule.earliest_offset_minutes,
                                                          brule.latest_offset_minutes + 1, iv))
    n_b, n_g, n_link = len(brk_vars), len(classes), len(link_row)
    wd = [p.weekday(d) for d in range(7)]
    weekend = bool(w.weekend_fairness_per_day) and any(x >= 5 for x in wd)
    hours = iv / 60.0
    req = p.required.ravel()[listed].astype(float)
    sizes = np.array([float(len(m)) for m in classes])
    # rows: coverage (= required), convexity (= class size), break links (= 0), then the
    # weekend maximum per class (sum of weekend days worked - size x maximum <= 0)
    n_eq = n_rows + n_g + n_link
    n_all = n_eq + (n_g if weekend else 0)
    lp = _new_highs(seed)
    row_lo = np.concatenate([req, sizes, np.zeros(n_link), np.full(n_g if weekend else 0, -INF)])
    row_hi = np.concatenate([req, sizes, np.zeros(n_link), np.zeros(n_g if weekend else 0)])
    lp.addRows(n_all, row_lo, row_hi, 0, np.zeros(n_all, dtype=np.int32), np.zeros(0, dtype=np.int32),
               np.zeros(0))
    # fixed columns: under-staffing per row and tier (a convex cost: cheaper tiers fill
    # first), over-staffing per row, break counts, the weekend maximum
    tiers = under_tiers(p)
    n_tier = tiers.unit.shape[0]
    t_unit = np.stack([tiers.unit[i].ravel()[listed] for i in range(n_tier)])  # (tiers, rows)
    t_width = np.stack([tiers.width[i].ravel()[listed] for i in range(n_tier)]).astype(float)
    fixed: list[tuple[np.ndarray, np.ndarray]] = [(np.array([r]), np.ones(1))
                                                  for _ in range(n_tier) for r in range(n_rows)]
    fixed += [(np.array([r]), -np.ones(1)) for r in range(n_rows)]
    brk_rows = []  # coverage rows each break variable takes its agents off
    for o, bi, off in brk_vars:
        d, vi, k = o
        brule = p.variants[vi].template.breaks[bi]
        t_a = d * per_day + (p.variants[vi].start_minutes + off) // iv
        rws = row_of[k * n_t + np.arange(t_a, min(n_t, t_a + brule.duration_minutes // iv))]
        rws = rws[rws >= 0]
        brk_rows.append(rws)
        fixed.append((np.r_[rws, n_rows + n_g + link_row[o, bi]], np.r_[-np.ones(rws.size), 1.0]))
    if weekend:
        fixed.append((n_eq + np.arange(n_g), -sizes))
    n_fix = len(fixed)
    c_fix = np.concatenate([t_unit.ravel(), np.full(n_rows, w.over_staffing_per_hour * hours), np.zeros(n_b),
                            [w.weekend_fairness_per_day] if weekend else []])
    ub_fix = np.concatenate([t_width.ravel(), np.full(n_rows + n_b + int(weekend), INF)])
    _add_columns(lp, c_fix, np.zeros(n_fix), ub_fix, fixed)

    cols: list[tuple[int, _Pattern]] = []  # generated patterns: (class, pattern)
    known: set[tuple[int, tuple[int, ...]]] = set()
    best_opt = [np.zeros((7, len(cp.variants)), dtype=np.int64) for cp in pricers]  # queue of the last pricing

    def make_column(cp: _ClassPricer, var_choice: tuple[int, ...]) -> tuple[Any, ...] | None:
        """(key, pattern, rows, values) of a week given per day as variant indices (at the
        queue recorded by the last pricing); None if known."""
        return column_of(cp, tuple(-1 if vx < 0 else int(best_opt[cp.g][j, vx]) for j, vx in enumerate(var_choice)))

    def column_of(cp: _ClassPricer, choice: tuple[int, ...]) -> tuple[Any, ...] | None:
        """The same for a week given per day as option indices."""
        if (cp.g, choice) in known:
            return None
        rows: list[Any] = [[n_rows + cp.g]]
        vals: list[Any] = [[1.0]]
        n_weekend = 0
        for j, oi in enumerate(choice):
            if oi < 0:
                continue
            vi, k = cp.opts[j][oi]
            rows.append(cover[j, vi, k])
            vals.append(np.ones(cover[j, vi, k].size))
            nb = len(p.variants[vi].template.breaks)
            rows.append([n_rows + n_g + link_row[(j, vi, k), bi] for bi in range(nb)])
            vals.append(-np.ones(nb))
            n_weekend += wd[j] >= 5
        if weekend and n_weekend:
            rows.append([n_eq + cp.g])
            vals.append([float(n_weekend)])
        return ((cp.g, choice), _make_pattern(p, cp, choice), np.concatenate(rows).astype(np.int64),
                np.concatenate(vals))

    def push(columns: list[tuple[Any, ...]]) -> int:
        fresh = []
        for col in columns:
            if col[0] not in known:
                known.add(col[0])
                fresh.append(col)
                cols.append((col[0][0], col[1]))
        if fresh:
            _add_columns(lp, np.array([c[1].cost for c in fresh]), np.zeros(len(fresh)),
                         np.array([float(len(classes[c[0][0]])) for c in fresh]), [(c[2], c[3]) for c in fresh])
        return len(fresh)

    cover_val = np.zeros(len(options))
    # link row of each option's breaks (-1: no such break), for the dual terms of the pricing
    max_br = max((len(p.variants[vi].template.breaks) for _, vi, _ in options), default=0)
    link_of = np.full((len(options), max_br), -1, dtype=np.int64)
    for i, o in enumerate(options):
        for bi in range(len(p.variants[o[1]].template.breaks)):
            link_of[i, bi] = link_row[o, bi]
    weekend_day = np.array([x >= 5 for x in wd])

    def day_costs(cp: _ClassPricer, lam: np.ndarray, omega: float) -> np.ndarray:
        """(7, V) reduced cost of each variant each day at its best queue (records the queue)."""
        cj, cx, co, oi = table.per_class[cp.g]
        val = cp.fixed[cj, cx] - cover_val[co] - np.where(weekend_day[cj], omega, 0.0)
        for bi in range(max_br):
            has = link_of[co, bi] >= 0
            val = val + np.where(has, lam[np.where(has, link_of[co, bi], 0)], 0.0)
        rc, pick = _best_queue(cp, cj, cx, val)
        best_opt[cp.g] = np.where(pick >= 0, oi[np.maximum(pick, 0)], -1)
        return rc

    def staffing_lp(y: np.ndarray) -> float:
        """The staffing side's share of the Lagrangian bound at duals ``y``: its LP value
        (coverage met by under- and over-staffing, breaks and agents at their dual value)."""
        pi = y[:n_rows]
        return float(req @ pi) + float((t_width * np.minimum(0.0, t_unit - pi)).sum())

    def price_all(y: np.ndarray) -> tuple[float, list[tuple[Any, ...]]] | None:
        """Lagrangian bound at row duals ``y`` and the new columns of negative reduced cost."""
        lam = y[n_rows + n_g:n_eq]
        omega = y[n_eq:] if weekend else np.zeros(n_g)
        for i, o in enumerate(options):
            cover_val[i] = y[cover[o]].sum()
        lag = staffing_lp(y)
        out: list[tuple[Any, ...]] = []
        for cp in pricers:
            got = _price(cp, day_costs(cp, lam, float(omega[cp.g])), cp.pen.shape[0])
            if not got:
                return None
            lag += cp.size * got[0][0]
            out.extend(c for rc, ch in got if rc - y[n_rows + cp.g] < -RC_TOL
                       and (c := make_column(cp, ch)) is not None)
        return lag, out

    cover_key = [(int(r // n_t), int(r % n_t)) for r in listed]  # (queue, interval) of each row
    if bound_at is not None:
        return PatternSolution(plan={}, breaks={}, objective=INF, bound=_bound_at(
            bound_at, cover_key, link_row, brk_vars, brk_rows, n_rows, n_g, n_all,
            w.over_staffing_per_hour * hours, price_all), n_patterns=0,
            wall_time_seconds=time.perf_counter() - t0, generated=True)

    # first columns: price with every interval worth its under-staffing cost
    pi0 = np.where(req > 0, t_unit[0], 0.0)
    for i, o in enumerate(options):
        cover_val[i] = pi0[cover[o]].sum()
    first: list[tuple[Any, ...]] = []
    for cp in pricers:
        got = _price(cp, day_costs(cp, np.zeros(n_link), 0.0), cp.pen.shape[0])
        if not got:
            logger.debug("column generation: class %d has no feasible week", cp.g)
            return None
        first.extend(c for _, ch in got if (c := make_column(cp, ch)) is not None)
    push(first)
    # a greedy roster (agents placed one by one at their best, then best-response sweeps)
    # gives the master a feasible integer start
    plan0, breaks0 = _best_response(p, pricers, table, classes, {}, {}, t0 + 0.15 * time_limit_seconds, seed,
                                    unplaced=True, max_sweeps=1)
    seeds = []
    for cp, members in zip(pricers, classes, strict=True):
        for a in members:
            ch = tuple(cp.opts[d].index(plan0[a, d]) if (a, d) in plan0 else -1 for d in range(7))
            if (col := column_of(cp, ch)) is not None:
                seeds.append(col)
    push(seeds)
    if on_plan is not None:
        on_plan(plan_objective(p, plan0, breaks0), 0.0)

    def reduced_cost(col: tuple[Any, ...], y: np.ndarray) -> float:
        return float(col[1].cost - col[3] @ y[col[2]])

    # Wentges smoothing: price at a point between the duals of the best bound so far and the
    # LP's; price at the LP duals only when that finds nothing improving the LP
    alpha = 0.5
    bound = -INF
    center: np.ndarray | None = None
    iterations = 0
    lp_value = INF
    cg_deadline = t0 + COLGEN_SHARE * time_limit_seconds
    tail_deadline = t0 + COLGEN_TAIL_SHARE * time_limit_seconds
    lp_change = INF

    # from here on the greedy roster is the fallback: running out of time only stops early
    while _colgen_goes_on(time.perf_counter(), cg_deadline, tail_deadline, lp_change):
        iterations += 1
        t_lp = time.perf_counter()
        if not _run(lp, deadline):
            break
        previous, lp_value = lp_value, float(lp.getInfo().objective_function_value)
        lp_change = (previous - lp_value) / max(abs(previous), 1e-9) if np.isfinite(previous) else INF
        n_it = lp.getInfo().simplex_iteration_count
        y_lp = np.asarray(lp.getSolution().row_dual)
        t_lp = time.perf_counter() - t_lp
        y = y_lp if center is None else alpha * center + (1 - alpha) * y_lp
        priced = price_all(y)
        if priced is None:
            break
        if priced[0] > bound:
            bound, center = priced[0], y
        found = priced[1]
        if center is not None and not any(reduced_cost(c, y_lp) < -RC_TOL for c in found):
            priced = price_all(y_lp)  # mispricing: the smoothed duals found nothing for the LP
            if priced is None:
                break
            if priced[0] > bound:
                bound, center = priced[0], y_lp
            found += priced[1]
        added = push(found)
        logger.debug("column generation %d: %d columns, LP %.2f, bound %.2f (%.2fs, LP %.2fs, %d it)", iterations,
                     len(cols), lp_value, bound, time.perf_counter() - t0, t_lp, n_it)
        if added == 0 or lp_value - bound <= 0.1 * gap_limit * max(abs(lp_value), 1e-9):
            break
    if center is not None:
        # the staffing side of the bound as integer programs per (day, queue) block, at the
        # duals of the best bound: an agent on option o is worth its coverage duals minus
        # its break-link duals (what the pricing credits a week with)
        lam_c = center[n_rows + n_g:n_eq]
        value = np.array([center[cover[o]].sum() - lam_c[link_of[i][link_of[i] >= 0]].sum()
                          for i, o in enumerate(options)])
        avail = np.zeros(len(options))
        for g, (_, _, co, _) in enumerate(table.per_class):
            avail[np.unique(co)] += sizes[g]
        blk_start = time.perf_counter()
        tight = _integer_blocks_bound(
            req, t_unit, t_width, w.over_staffing_per_hour * hours, [cover[o] for o in options], value, avail,
            (listed % n_t) // per_day * len(p.skills) + listed // n_t,
            [(table.index[o], link_row[o, bi], rws) for (o, bi, _), rws in zip(brk_vars, brk_rows, strict=True)],
            min(deadline, time.perf_counter() + BLOCKS_SHARE * time_limit_seconds), seed)
        if tight is not None:
            logger.debug("integer blocks: bound %.2f -> %.2f (%.2fs)", bound,
                         max(bound, bound - staffing_lp(center) + tight), time.perf_counter() - blk_start)
            bound = max(bound, bound - staffing_lp(center) + tight)

    def dive(dive_deadline: float) -> np.ndarray | None:
        """LP diving: raise the lower bounds of the patterns the LP uses most (every one
        within 0.3 of its next integer, else the three largest) and re-solve, until every
        agent is fixed; returns the integer pattern counts (out of time: the patterns fixed so
        far with the rest at the last LP's values, for :func:`_round_plan`; None when no LP
        was solved). Pricing new
        weeks while diving was tried: on the 150-agent week it made the dive too slow to end
        within the time limit."""
        lower = np.zeros(len(cols))
        col_class = np.array([g for g, _ in cols])
        rounds = 0
        last: np.ndarray | None = None
        while True:
            left = sizes - np.bincount(col_class, weights=lower, minlength=n_g)
            if np.all(left < 0.5):
                logger.debug("diving: %d rounds, %d columns", rounds, len(cols))
                return np.rint(lower)
            rounds += 1
            if not _run(lp, dive_deadline):
                # out of time: the patterns fixed so far, the rest as the last LP had them
                # (rounded by the caller), not the LP before diving
                logger.debug("diving: out of time with %d agents left", left.sum())
                return None if last is None else np.maximum(lower, last)
            last = np.asarray(lp.getSolution().col_value)[n_fix:]
            free = last - lower
            logger.debug("diving %d: LP %.2f, %d agents left", rounds, lp.getInfo().objective_function_value,
                         left.sum())
            raise_by = np.where(free >= 0.7, np.ceil(free - 0.3), 0.0)
            if not raise_by.any():
                raise_by[np.argsort(-free, kind="stable")[:3]] = 1.0
            for g in np.unique(col_class[raise_by > 0]):  # never beyond a class's agents left
                js = np.flatnonzero((col_class == g) & (raise_by > 0))
                room = left[g]
                for j in js[np.argsort(-free[js], kind="stable")]:
                    raise_by[j] = min(raise_by[j], room)
                    room -= raise_by[j]
            changed = np.flatnonzero(raise_by > 0)
            lower[changed] += raise_by[changed]
            idx = (n_fix + changed).astype(np.int32)
            lp.changeColsBounds(idx.size, idx, lower[changed], sizes[col_class[changed]].astype(float))

    # integer plan: dive from the LP (or round it when out of time), then improve it: agent by
    # agent (best responses), day by day (a MILP per day), all breaks at once
    m_cols = len(cols)
    swept = False
    # the integer search runs with under-staffing weighed search_under_factor times more
    # (ps), then the plan is improved at the true weights (p)
    ps = p
    true_plan0 = plan0, breaks0
    # never past the largest weight RosterWeights accepts
    factor = min(search_under_factor,
                 MAX_WEIGHT / max(w.under_staffing_per_hour * w.deepest_under_multiplier, 1e-300))
    if factor > 1.0:
        ps = replace(p, weights=replace(w, under_staffing_per_hour=w.under_staffing_per_hour * factor))
        idx = np.arange(n_tier * n_rows, dtype=np.int32)
        lp.changeColsCost(idx.size, idx, t_unit.ravel() * factor)
    if _run(lp, deadline):
        x_lp = np.asarray(lp.getSolution().col_value)[n_fix:]
        lp.setOptionValue("simplex_strategy", 1)  # raised bounds: the basis stays dual feasible
        # the dive ends at its share of the limit, later when column generation ran late (a
        # dive cut short leaves a rounded LP, far worse for the day-by-day MILPs to repair)
        dive_end = max(t0 + DIVE_SHARE * time_limit_seconds,
                       min(time.perf_counter() + DIVE_MIN_SHARE * time_limit_seconds,
                           t0 + DIVE_LATEST_SHARE * time_limit_seconds))
        fixed_counts = dive(dive_end)
        rounded = _round_plan(ps, classes, cols, x_lp if fixed_counts is None else fixed_counts)
        # every break placed at once first: the agent-by-agent search starts from there
        r_breaks = optimal_breaks(ps, rounded, time_limit_seconds=max(0.1, deadline - time.perf_counter())) or {}
        rounded, r_breaks = _best_response(ps, pricers, table, classes, rounded, r_breaks, deadline, seed)
        if plan_objective(ps, rounded, r_breaks) < plan_objective(ps, plan0, breaks0):
            plan0, breaks0, swept = rounded, r_breaks, True
    # keep a little time for placing every break at once (one small MILP per round)
    polish_at = deadline - min(3.0, 0.05 * time_limit_seconds)
    search_until = polish_at - SEARCH_TRUE_SHARE * (polish_at - time.perf_counter()) if ps is not p else polish_at
    plan, breaks = plan0, breaks0
    if not swept:
        plan, breaks = _best_response(ps, pricers, table, classes, plan, breaks, search_until, seed)

    # the best plan at the true weights so far (a round of the search at ps may raise it)
    best: list[Any] = [plan_objective(p, *true_plan0), true_plan0]

    def report(plan_: Plan, breaks_: Breaks) -> None:
        obj = plan_objective(p, plan_, breaks_)
        if obj < best[0]:
            best[:] = [obj, (dict(plan_), dict(breaks_))]
            if on_plan is not None:
                on_plan(obj, max(bound, 0.0))

    report(plan, breaks)
    plan, breaks = _improve(ps, pricers, table, classes, plan, breaks, search_until, seed, on_round=report)
    if ps is not p:
        report(plan, breaks)
        logger.debug("search at %gx under-staffing: objective %.2f at the true weights (best %.2f)", factor,
                     plan_objective(p, plan, breaks), best[0])
        plan, breaks = best[1]
        plan, breaks = _improve(p, pricers, table, classes, plan, breaks, polish_at, seed, on_round=report)
    plan, breaks = _polish_breaks(p, pricers, table, classes, plan, breaks, deadline, seed)
    plan, breaks = drop_idle_shifts(p, plan, breaks)
    objective = plan_objective(p, plan, breaks)
    bound = min(max(bound, 0.0), objective)  # every cost term is >= 0
    wall = time.perf_counter() - t0
    logger.debug("column generation: %d patterns, %d iterations, LP %.2f, objective %.2f bound %.2f in %.2fs",
                 m_cols, iterations, lp_value, objective, bound, wall)
    duals = None if center is None else {
        "cover": {cover_key[r]: float(center[r]) for r in range(n_rows)},
        "link": {key: float(center[n_rows + n_g + j]) for key, j in link_row.items()}}
    return PatternSolution(plan=plan, breaks=breaks, objective=objective, bound=bound,
                           n_patterns=m_cols, wall_time_seconds=wall, generated=True, duals=duals)


def _bound_at(duals: dict[str, Any], cover_key: list[tuple[int, int]],
              link_row: dict[tuple[tuple[int, int, int], int], int],
              brk_vars: list[tuple[tuple[int, int, int], int, int]], brk_rows: list[np.ndarray],
              n_rows: int, n_g: int, n_all: int, over_cost: float,
              price_all: Callable[[np.ndarray], tuple[float, list[Any]] | None]) -> float:
    """The Lagrangian bound at ``duals`` mapped onto this problem's rows (0 where absent),
    made dual feasible for the columns it does not price: coverage multipliers at least
    ``-over_cost`` (over-staffing), each break link's at most the coverage its break takes
    off (break counts), the weekend rows' at 0. Any such multipliers give a valid bound."""
    y = np.zeros(n_all)
    cover, link = duals["cover"], duals["link"]
    for r, key in enumerate(cover_key):
        y[r] = max(cover.get(key, 0.0), -over_cost)
    for lk, j in link_row.items():
        y[n_rows + n_g + j] = link.get(lk, 0.0)
    for (o, bi, _), rws in zip(brk_vars, brk_rows, strict=True):
        j = n_rows + n_g + link_row[o, bi]
        y[j] = min(y[j], float(y[rws].sum()))
    got = price_all(y)
    return 0.0 if got is None else max(got[0], 0.0)


def lagrangian_bound(p: RosterProblem, duals: dict[str, Any], *, seed: int = 0) -> float | None:
    """A lower bound (cost units) of the one-week roster ``p`` from the multipliers of
    another column generation (``PatternSolution.duals``, e.g. of the same week planned
    after the weeks before it): the Lagrangian bound of ``p``'s pattern model at those
    multipliers, one pricing round. Valid whatever the multipliers (every cost term is >= 0,
    so never below 0); tight when they come from a problem like ``p``. None when column
    generation does not apply to ``p``."""
    got = solve_colgen_model(p, time_limit_seconds=60.0, seed=seed, bound_at=duals)
    return None if got is None else got.bound


def _colgen_goes_on(now: float, share_end: float, tail_end: float, lp_change: float) -> bool:
    """Whether column generation takes another iteration: within its share of the time limit,
    or in its tail: past the share but before ``tail_end``, while the master LP fell by less
    than ``COLGEN_TAIL_LP_CHANGE`` (relative) in the last iteration. There the remaining
    iterations mostly close the Lagrangian bound on the LP, a few cheap re-solves that turn
    a weak bound into the proven one (on the 150-agent week: 1380 -> 1619 in about 5 s)."""
    return now < share_end or (now < tail_end and lp_change < COLGEN_TAIL_LP_CHANGE)


def _round_plan(p: RosterProblem, classes: list[list[int]], cols: list[tuple[int, _Pattern]],
                x: np.ndarray) -> Plan:
    """Named plan from the LP's fractional pattern counts: per class, the floors, then the
    largest fractional parts until every member has a week."""
    plan: Plan = {}
    by_class: dict[int, list[int]] = {}
    for j, (g, _q) in enumerate(cols):
        by_class.setdefault(g, []).append(j)
    for g, members in enumerate(classes):
        js = by_class.get(g, [])
        xs = x[js]
        take = np.floor(xs + 1e-9).astype(np.int64)
        short = len(members) - int(take.sum())
        if short > 0:
            for i in np.argsort(-(xs - take), kind="stable")[:short]:
                take[i] += 1
        weeks = [cols[js[i]][1] for i in range(len(js)) for _ in range(int(take[i]))][:len(members)]
        opts = p.options[members[0]]
        for a, q in zip(members, weeks, strict=False):
            for d, oi in enumerate(q.choice):
                if oi >= 0:
                    plan[a, d] = opts[d][oi]
    return plan


def _best_response(p: RosterProblem, pricers: list[_ClassPricer], table: _Options, classes: list[list[int]],
                   plan: Plan, breaks: Breaks, deadline: float, seed: int, *, unplaced: bool = False,
                   max_sweeps: int = 100) -> tuple[Plan, Breaks]:
    """Local search: each agent in turn (seeded order) takes the week and break times that
    lower the objective most with everyone else fixed, until no agent improves or time runs
    out. The pricing DP is exact for one agent: adding it to an interval saves that
    interval's under-staffing weight while under-staffed and costs the over-staffing weight
    otherwise; the weekend maximum is checked on the move."""
    w = p.weights
    iv, per_day, n_t = p.interval_minutes, p.per_day, p.n_periods
    hours = iv / 60.0
    n_k = len(p.skills)
    tiers = under_tiers(p)
    o_cost = w.over_staffing_per_hour * hours * p.listed
    # every shift option of any class: queue, intervals, candidate break windows
    opt_list, oidx = table.keys, table.index
    n_opt = len(opt_list)
    o_k = np.array([k for _, _, k in opt_list])
    o_ta = np.array([d * per_day + p.variants[vi].start_minutes // iv for d, vi, _ in opt_list])
    o_tb = np.minimum(n_t, o_ta + np.array([p.variants[vi].length_minutes // iv for _, vi, _ in opt_list]))
    n_br = max((len(p.variants[vi].template.breaks) for _, vi, _ in opt_list), default=0)
    n_off = max((len(range(b.earliest_offset_minutes, b.latest_offset_minutes + 1, iv))
                 for _, vi, _ in opt_list for b in p.variants[vi].template.breaks), default=1)
    b_t0 = np.zeros((n_opt, max(n_br, 1), n_off), dtype=np.int64)
    b_t1 = np.zeros_like(b_t0)
    b_min = np.zeros_like(b_t0)  # break start offset (minutes)
    b_ok = np.zeros(b_t0.shape, dtype=bool)
    for i, (d, vi, _k) in enumerate(opt_list):
        v = p.variants[vi]
        for bi, brule in enumerate(v.template.breaks):
            offs = np.arange(brule.earliest_offset_minutes, brule.latest_offset_minutes + 1, iv)
            t0 = np.minimum(n_t, d * per_day + (v.start_minutes + offs) // iv)
            b_t0[i, bi, :offs.size] = t0
            b_t1[i, bi, :offs.size] = np.minimum(n_t, t0 + brule.duration_minutes // iv)
            b_min[i, bi, :offs.size] = offs
            b_ok[i, bi, :offs.size] = True
    n_brk = np.array([len(p.variants[vi].template.breaks) for _, vi, _ in opt_list])

    plan, breaks = dict(plan), dict(breaks)
    sched = np.zeros((n_k, n_t), dtype=np.int64)
    for (a, d), (vi, k) in plan.items():
        sched[k, _on_queue(p, d, vi, breaks.get((a, d), ()))] += 1
    wd = [p.weekday(d) for d in range(p.n_days)]
    weekend = bool(w.weekend_fairness_per_day) and any(x >= 5 for x in wd)
    wk_days = np.zeros(len(p.agents), dtype=np.int64)
    for (a, d) in plan:
        wk_days[a] += wd[d] >= 5
    class_of = {a: g for g, members in enumerate(classes) for a in members}
    tol = p.rules.stable_start_tolerance_minutes
    rng = np.random.default_rng(seed)
    agents = np.array([a for members in classes for a in members])

    def brk_of(o: int, arg: np.ndarray) -> tuple[tuple[int, int], ...]:
        return tuple((bi, int(b_min[o, bi, arg[o, bi]])) for bi in range(int(n_brk[o])))

    def respond(a: int, force: bool = False) -> bool:
        """Give agent ``a`` its best week with everyone else fixed; True when it changed.
        ``force``: the agent has no week yet and takes the best one whatever it costs."""
        g = class_of[a]
        cp = pricers[g]
        cj, cx, co, _ = table.per_class[g]
        vpos = {vi: i for i, vi in enumerate(cp.variants)}
        mine = [(d, *plan[a, d]) for d in range(7) if (a, d) in plan]
        for d, vi, k in mine:
            sched[k, _on_queue(p, d, vi, breaks.get((a, d), ()))] -= 1
        gain = np.zeros((n_k, n_t + 1))
        short = p.required - sched
        np.cumsum(np.where(short > 0, tiers.marginal(short) * p.listed, -o_cost), axis=1, out=gain[:, 1:])
        # value of each option with its breaks at their best times
        kk = o_k[:, None, None]
        bv = np.where(b_ok, gain[kk, b_t1] - gain[kk, b_t0], INF)
        arg = bv.argmin(axis=2)
        lost = np.where(b_ok.any(axis=2), bv.min(axis=2), 0.0).sum(axis=1)
        opt_val = gain[o_k, o_tb] - gain[o_k, o_ta] - lost
        # reduced cost of each (day, variant) at its best queue
        rc, pick = _best_queue(cp, cj, cx, cp.fixed[cj, cx] - opt_val[co])
        # the current week with its breaks at their best times (missing breaks get placed)
        cur, starts = (INF if force else 0.0), []
        for d, vi, k in mine:
            o = oidx[d, vi, k]
            cur += cp.fixed[d, vpos[vi]] - opt_val[o]
            starts.append(p.variants[vi].start_minutes)
            if n_brk[o]:
                breaks[a, d] = brk_of(o, arg)
        cur += w.unstable_start_per_day * _unstable_days(starts, cp.anchors, tol)
        got = _price(cp, rc, 1)
        moved = False
        if got and got[0][0] < cur - 1e-9:
            var_choice = got[0][1]
            new_wk = sum(wd[d] >= 5 for d in range(7) if var_choice[d] >= 0)
            delta = got[0][0] - cur
            if weekend and not force:
                others = np.delete(wk_days, a).max(initial=0)
                delta += w.weekend_fairness_per_day * (max(others, new_wk) - max(others, wk_days[a]))
            if delta < -1e-9:
                moved = True
                wk_days[a] = new_wk
                for d, _vi, _k in mine:
                    del plan[a, d]
                    breaks.pop((a, d), None)
                for d in range(7):
                    if var_choice[d] >= 0:
                        o = int(co[pick[d, var_choice[d]]])
                        plan[a, d] = opt_list[o][1:]
                        if n_brk[o]:
                            breaks[a, d] = brk_of(o, arg)
        for d in range(7):
            if (a, d) in plan:
                vi, k = plan[a, d]
                sched[k, _on_queue(p, d, vi, breaks.get((a, d), ()))] += 1
        return moved

    # 0. agents without a week yet take their best one, in a seeded order
    if unplaced:
        for a in rng.permutation(agents):
            if not any((int(a), d) in plan for d in range(7)):
                respond(int(a), force=True)
    # 1. sweeps of best responses until no agent improves
    improved = True
    sweeps = 0
    while improved and sweeps < max_sweeps and time.perf_counter() < deadline:
        improved = False
        sweeps += 1
        for a in rng.permutation(agents):
            if time.perf_counter() > deadline:
                break
            improved |= respond(int(a))
    logger.debug("best response: %d sweeps, objective %.2f", sweeps, plan_objective(p, plan, breaks))
    return plan, breaks


def _improve(p: RosterProblem, pricers: list[_ClassPricer], table: _Options, classes: list[list[int]],
             plan: Plan, breaks: Breaks, until: float, seed: int,
             on_round: Callable[[Plan, Breaks], None] | None = None) -> tuple[Plan, Breaks]:
    """Rounds of: each day re-planned by a MILP (:func:`~routing_ml.scheduling._days.improve_by_days`),
    then every break placed at once and best-response sweeps (which change working days),
    while time is left; a round that improves nothing doubles the MILPs' time per day
    (from 3 s, up to 48 s) before the search stops. ``on_round`` gets each improved plan."""
    rounds = 0
    day_seconds = 3.0
    while until - time.perf_counter() > 0.2:
        before = plan_objective(p, plan, breaks)
        plan, breaks = improve_by_days(p, plan, breaks, until, seed=seed + 7 * rounds, max_rounds=1,
                                       day_seconds=day_seconds)
        plan, breaks = _polish_breaks(p, pricers, table, classes, plan, breaks, until, seed)
        rounds += 1
        if plan_objective(p, plan, breaks) >= before - 1e-9:
            if day_seconds >= 48.0:
                break
            day_seconds *= 2
        elif on_round is not None:
            on_round(plan, breaks)
    return plan, breaks


def _polish_breaks(p: RosterProblem, pricers: list[_ClassPricer], table: _Options, classes: list[list[int]],
                   plan: Plan, breaks: Breaks, deadline: float, seed: int) -> tuple[Plan, Breaks]:
    """Rounds of: every break placed at once (:func:`~routing_ml.scheduling._breaks.optimal_breaks`),
    then best-response sweeps from there, while the objective falls and time is left."""
    best = plan_objective(p, plan, breaks)
    while deadline - time.perf_counter() > 0.1:
        placed = optimal_breaks(p, plan, time_limit_seconds=deadline - time.perf_counter())
        if placed is None or plan_objective(p, plan, placed) >= best - 1e-9:
            break
        plan, breaks = _best_response(p, pricers, table, classes, plan, placed, deadline, seed)
        obj = plan_objective(p, plan, breaks)
        logger.debug("breaks placed together: objective %.2f -> %.2f", best, obj)
        best = obj
    return plan, breaks


def _integer_blocks_bound(req: np.ndarray, under_unit: np.ndarray, under_width: np.ndarray, over_cost: float,
                          cover: list[np.ndarray], value: np.ndarray, avail: np.ndarray,
                          row_block: np.ndarray, breaks: list[tuple[int, int, np.ndarray]],
                          deadline: float, seed: int) -> float | None:
    """Least staffing cost with agents priced at ``value`` (cost units), in integers: a lower
    bound of ``min sum(value[o] z[o]) + sum_i under_unit[i] . u[i] + over_cost * sum(v)``
    over integer agents per option ``z <= avail``, integer break counts ``b`` (each break of
    an option placed for all of its agents: one link per (option, break)), and coverage
    ``sum z[o] over the options covering a row - b over the breaks taking agents off it +
    sum_i u[i] - v = req`` with ``0 <= u[i] <= under_width[i]`` (the under-staffing tiers,
    (tiers, rows)); None if a block is not solved in time.

    ``cover[o]``: rows option ``o`` covers; ``row_block``: block of each row (day x queues
    + queue); ``breaks``: (option, link id, rows taken off) per break start. Rows joined by an
    option (a shift across midnight) are one block. Each block's HiGHS MILP gives its proven
    bound (its optimum when solved in time), so the sum is a lower bound at any time limit.
    """
    from highspy._core import HighsModelStatus, _Highs
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n_rows = req.size
    n_blk = int(row_block.max()) + 1 if n_rows else 0
    # blocks joined by an option that spans several of them
    ends = [(int(row_block[c[0]]), int(row_block[c[j]])) for c in cover if c.size for j in range(1, c.size)]
    a, b = (np.array(x, dtype=np.int64) for x in zip(*ends, strict=True)) if ends else (np.zeros(0, np.int64),) * 2
    _, comp = connected_components(coo_matrix((np.ones(a.size), (a, b)), shape=(n_blk, n_blk)), directed=False)
    row_comp = comp[row_block] if n_rows else np.zeros(0, dtype=np.int64)
    opt_comp = np.array([row_comp[c[0]] if c.size else -1 for c in cover], dtype=np.int64)
    # an option covering no row only counts when it is worth more than nothing
    total = float(np.sum(np.minimum(0.0, value[opt_comp < 0]) * avail[opt_comp < 0]))
    brk_by_opt: dict[int, list[tuple[int, np.ndarray]]] = {}
    for opt, link, rws in breaks:
        brk_by_opt.setdefault(opt, []).append((link, rws))
    comps = np.unique(row_comp)
    for i, c in enumerate(comps):
        rows = np.flatnonzero(row_comp == c)
        opts = np.flatnonzero(opt_comp == c)
        if not opts.size:  # nobody can work here: every row is under-staffed
            total += float((under_unit[:, rows] * under_width[:, rows]).sum())
            continue
        local = np.full(n_rows, -1, dtype=np.int64)
        local[rows] = np.arange(rows.size)
        links = sorted({link for o in opts.tolist() for link, _ in brk_by_opt.get(o, [])})
        link_pos = {link: rows.size + j for j, link in enumerate(links)}
        n_r = rows.size + len(links)
        h = _Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("random_seed", int(seed))
        rhs = np.r_[req[rows], np.zeros(len(links))]
        h.addRows(n_r, rhs, rhs, 0, np.zeros(n_r, dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0))
        n_tier = under_unit.shape[0]
        cost = [under_unit[:, rows].ravel(), np.full(rows.size, over_cost)]
        upper = [under_width[:, rows].ravel(), np.full(rows.size, INF)]
        entries = [(np.array([r]), np.ones(1)) for _ in range(n_tier) for r in range(rows.size)]
        entries += [(np.array([r]), -np.ones(1)) for r in range(rows.size)]
        for o in opts.tolist():
            mine = brk_by_opt.get(o, [])
            own = sorted({link_pos[link] for link, _ in mine})
            entries.append((np.r_[local[cover[o]], own], np.r_[np.ones(cover[o].size), -np.ones(len(own))]))
            entries += [(np.r_[local[rws], link_pos[link]], np.r_[-np.ones(rws.size), 1.0]) for link, rws in mine]
            cost.append(np.r_[value[o], np.zeros(len(mine))])
            upper.append(np.r_[avail[o], np.full(len(mine), INF)])
        c_all, u_all = np.concatenate(cost), np.concatenate(upper)
        _add_columns(h, c_all, np.zeros(c_all.size), u_all, entries)
        n_cont = (n_tier + 1) * rows.size  # shortfall and surplus: continuous
        integer = np.r_[np.zeros(n_cont, dtype=np.uint8), np.ones(c_all.size - n_cont, dtype=np.uint8)]
        h.changeColsIntegrality(c_all.size, np.arange(c_all.size, dtype=np.int32), integer)
        left = (deadline - time.perf_counter()) / (comps.size - i)
        if left <= 0.01:
            return None
        h.setOptionValue("time_limit", float(left))
        h.run()
        got = float(h.getInfo().mip_dual_bound)
        if h.getModelStatus() not in (HighsModelStatus.kOptimal, HighsModelStatus.kTimeLimit) or not np.isfinite(got):
            return None
        total += got
    return total


def _new_highs(seed: int) -> Any:
    # the pybind class itself: highspy.Highs adds a callback layer that prints a banner
    from highspy._core import _Highs

    h = _Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("random_seed", int(seed))
    h.setOptionValue("presolve", "off")  # keep the simplex basis between column additions
    h.setOptionValue("solver", "simplex")
    # new columns leave the basis primal feasible: primal simplex goes on from it (far
    # fewer iterations per re-solve than the default on the 150-agent week; diving, which
    # raises bounds, switches to dual simplex)
    h.setOptionValue("simplex_strategy", 4)
    return h


def _add_columns(h: Any, cost: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                 entries: list[tuple[np.ndarray, np.ndarray]]) -> None:
    starts = np.cumsum([0, *(len(r) for r, _ in entries[:-1])]).astype(np.int32)
    idx = np.concatenate([np.asarray(r) for r, _ in entries]).astype(np.int32)
    val = np.concatenate([np.asarray(v, dtype=float) for _, v in entries])
    h.addCols(len(entries), cost.astype(float), lower.astype(float), upper.astype(float), idx.size, starts, idx, val)


def _run(h: Any, deadline: float, mip: bool = False) -> bool:
    """Solve within the time left; True when a usable solution exists."""
    from highspy._core import HighsModelStatus

    left = deadline - time.perf_counter()
    if left <= 0.05:
        return False
    h.setOptionValue("time_limit", float(h.getRunTime()) + left)
    h.run()
    status = h.getModelStatus()
    if not mip:
        return bool(status == HighsModelStatus.kOptimal)
    return bool(h.getInfo().primal_solution_status == 2)  # a feasible integer solution


def _make_pattern(p: RosterProblem, cp: _ClassPricer, choice: tuple[int, ...]) -> _Pattern:
    """The :class:`_Pattern` of a week given as per-day option indices (cost as enumerated)."""
    worked = [j for j in range(7) if choice[j] >= 0]
    vpos = {vi: i for i, vi in enumerate(cp.variants)}
    variants = [cp.opts[j][choice[j]][0] for j in worked]
    cost = sum(cp.fixed[j, vpos[vi]] for j, vi in zip(worked, variants, strict=True))
    cost += p.weights.unstable_start_per_day * _unstable_days(
        [p.variants[vi].start_minutes for vi in variants], cp.anchors, p.rules.stable_start_tolerance_minutes)
    lead = next((j for j in range(7) if choice[j] < 0), 7)
    trail = next((j for j in range(7) if choice[6 - j] < 0), 7)
    return _Pattern(choice, float(cost), sum(p.weekday(j) >= 5 for j in worked), lead, trail, 0, 0)


__all__ = ["solve_colgen_model"]
