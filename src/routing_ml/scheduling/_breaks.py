"""Break times of a fixed roster, placed together by one small integer program.

The local search of the column-generation path moves one agent at a time, with its own
breaks; with every shift fixed, the best break times of all agents at once are a small
MILP: per shift option worked (day, shift variant, queue) and per break of it, how many of
its agents start that break at each allowed offset (integers summing to the number of
agents on the option), minimising under- and over-staffing (only the intervals a break
window touches enter it). It is solved by HiGHS (``scipy.optimize.milp``); the caller keeps
the result only when the objective falls.
"""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np

from routing_ml.scheduling._patterns import Breaks, Plan, _on_queue, _place_breaks
from routing_ml.scheduling._problem import RosterProblem, under_tiers


def break_slots(p: RosterProblem, d: int, vi: int, k: int) -> list[tuple[int, int, np.ndarray]]:
    """Every allowed placement of every break of shift variant ``vi`` worked on day ``d`` on
    queue ``k``: (break index, start offset in minutes after the shift start, flat
    ``k * n_periods + interval`` cells the break takes the agent away from)."""
    iv, n_t = p.interval_minutes, p.n_periods
    v = p.variants[vi]
    out = []
    for bi, b in enumerate(v.template.breaks):
        for off in range(b.earliest_offset_minutes, b.latest_offset_minutes + 1, iv):
            t0 = d * p.per_day + (v.start_minutes + off) // iv
            out.append((bi, off, k * n_t + np.arange(t0, min(n_t, t0 + b.duration_minutes // iv))))
    return out


def staffing_terms(p: RosterProblem, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per flat ``k * n_periods + interval`` cell: the objective's cost of one agent short
    in each under-staffing tier (tiers, cells), of one agent in surplus (cells; listed
    intervals only), and each tier's width and lower edge in agents (tiers, cells): a model
    with one shortfall variable per tier, bounded by its width, pays the convex cost of
    :func:`~routing_ml.scheduling._problem.under_tiers` (the cheaper tiers fill first)."""
    w, hours = p.weights, p.interval_minutes / 60.0
    tiers = under_tiers(p)
    flat = (tiers.unit.shape[0], -1)
    over = np.where(p.listed.ravel()[cells], w.over_staffing_per_hour * hours, 0.0)
    return (tiers.unit.reshape(flat)[:, cells], over, tiers.width.reshape(flat)[:, cells].astype(float),
            tiers.lower.reshape(flat)[:, cells].astype(float))


def optimal_breaks(p: RosterProblem, plan: Plan, *, time_limit_seconds: float) -> Breaks | None:
    """Break start offsets of every shift of ``plan`` minimising the staffing terms of the
    objective (under-staffing weighted per interval, over-staffing on listed intervals);
    None when HiGHS finds no integer solution within ``time_limit_seconds``."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_matrix

    deadline = time.perf_counter() + time_limit_seconds
    n_t = p.n_periods
    n_k = len(p.skills)
    count: dict[tuple[int, int, int], int] = defaultdict(int)
    for (_a, d), (vi, k) in plan.items():
        count[d, vi, k] += 1
    # shifts without their breaks; breaks then subtract from it
    sched = np.zeros((n_k, n_t), dtype=np.int64)
    for (d, vi, k), n in count.items():
        sched[k, _on_queue(p, d, vi)] += n
    brk_vars: list[tuple[tuple[int, int, int], int, int]] = []
    var_rows: list[np.ndarray] = []  # flat (k, t) cells each break variable removes an agent from
    link: list[tuple[int, list[int]]] = []  # (agents on the option, its break variables)
    for key in sorted(count):
        of_break: dict[int, list[int]] = defaultdict(list)
        for bi, off, cells in break_slots(p, *key):
            of_break[bi].append(len(brk_vars))
            brk_vars.append((key, bi, off))
            var_rows.append(cells)
        link.extend((count[key], idx) for idx in of_break.values())
    if not brk_vars:
        return {}
    cells = np.unique(np.concatenate(var_rows))
    n_b, n_c = len(brk_vars), cells.size
    req = p.required.ravel()[cells].astype(float)
    base = sched.ravel()[cells].astype(float)
    under_cost, over_cost, under_ub, _ = staffing_terms(p, cells)
    n_u = under_cost.shape[0] * n_c
    # variables: break counts | under-staffing per tier and cell | over-staffing per cell
    c = np.concatenate([np.zeros(n_b), under_cost.ravel(), over_cost])
    ub = np.concatenate([np.array([float(link_n) for link_n, idx in link for _ in idx]),
                         under_ub.ravel(), np.full(n_c, np.inf)])
    ar = np.arange(n_c)
    # coverage row per cell: base - breaks + under - over == req; then each option's agents
    # take each break exactly once
    rows = [*(np.searchsorted(cells, cs) for cs in var_rows), np.tile(ar, n_u // n_c), ar,
            *(np.full(len(idx), n_c + r) for r, (_n, idx) in enumerate(link))]
    cols = [*(np.full(len(cs), j) for j, cs in enumerate(var_rows)), n_b + np.arange(n_u), n_b + n_u + ar,
            *(np.asarray(idx) for _n, idx in link)]
    vals = [*(np.full(len(cs), -1.0) for cs in var_rows), np.ones(n_u), -np.ones(n_c),
            *(np.ones(len(idx)) for _n, idx in link)]
    a = csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                   shape=(n_c + len(link), n_b + n_u + n_c))
    rhs = np.concatenate([req - base, [float(n) for n, _ in link]])
    integrality = np.concatenate([np.ones(n_b), np.zeros(n_u + n_c)])
    left = deadline - time.perf_counter()
    if left <= 0.05:
        return None
    res = milp(c, integrality=integrality, bounds=Bounds(np.zeros(c.size), ub),
               constraints=LinearConstraint(a, rhs, rhs), options={"time_limit": left, "disp": False})
    if res.x is None:
        return None
    return _place_breaks(plan, brk_vars, np.rint(res.x[:n_b]).astype(np.int64))
