"""A fast greedy roster used as the CP-SAT solution hint.

Each agent, week by week, gets one shift (variant and queue) worked on the days where it
covers the most residual requirement, respecting availability, weekly hours, max days,
the consecutive-days-off block, max consecutive days and min rest. CP-SAT starts from this
plan and improves it; the hint never replaces the model's own hard constraints.
"""

from __future__ import annotations

import numpy as np

from routing_ml.scheduling._problem import RosterProblem
from routing_ml.scheduling.shifts import MINUTES_PER_DAY


def greedy_roster(p: RosterProblem) -> dict[tuple[int, int], tuple[int, int]]:
    """``{(agent, day): (variant, skill)}`` — a plan meeting the hard rules where it can."""
    r = p.rules
    iv = p.interval_minutes
    per_day, n_t = p.per_day, p.n_periods
    residual = p.required.astype(float).copy()
    weight = p.weight
    plan: dict[tuple[int, int], tuple[int, int]] = {}
    rest = r.min_rest_hours * 60
    L = r.min_consecutive_days_off if r.min_consecutive_days_off >= 2 else 0
    spans = [(v.start_minutes // iv, v.length_minutes // iv) for v in p.variants]
    # agents with few options first: they are the hardest to place
    order = sorted(range(len(p.agents)), key=lambda a: sum(len(o) for o in p.options[a]))
    for a in order:
        agent = p.agents[a]
        for wk in range(p.n_weeks):
            days = list(range(7 * wk, 7 * wk + 7))
            cands = sorted({c for d in days for c in p.options[a][d]})
            best: tuple[float, list[int], tuple[int, int]] | None = None
            for vi, k in cands:
                v = p.variants[vi]
                if MINUTES_PER_DAY - v.length_minutes < rest:
                    continue
                paid = v.paid_minutes
                gains = np.full(7, -np.inf)
                first, span = spans[vi]
                for j, d in enumerate(days):
                    if (vi, k) not in p.options[a][d]:
                        continue
                    t0 = d * per_day + first
                    seg = slice(t0, min(n_t, t0 + span))
                    res = residual[k, seg]
                    gains[j] = float((np.clip(res, 0, 1) * weight[k, seg]).sum()
                                     - 0.05 * ((res <= 0) & p.listed[k, seg]).sum())
                max_days = min(r.max_days_per_week, agent.max_minutes_per_week // paid if paid else 7)
                need = -(-agent.min_minutes_per_week // paid) if paid else 0
                blocks = [range(j, j + L) for j in range(0, 8 - L)] if L else [range(0)]
                for block in blocks:
                    allowed = [j for j in range(7) if j not in block and np.isfinite(gains[j])]
                    allowed.sort(key=lambda j: -gains[j])
                    chosen = [j for j in allowed[:max_days] if gains[j] > 0 or allowed.index(j) < need]
                    if len(chosen) < need or len(chosen) > max_days:
                        continue
                    chosen_days = sorted(days[j] for j in chosen)
                    if not _ok_sequence(p, a, plan, chosen_days, vi):
                        continue
                    total = float(sum(gains[j] for j in chosen))
                    if best is None or total > best[0]:
                        best = (total, chosen_days, (vi, k))
            if best is None:
                continue
            _, chosen_days, (vi, k) = best
            first, span = spans[vi]
            for d in chosen_days:
                plan[a, d] = (vi, k)
                t0 = d * per_day + first
                residual[k, t0:min(n_t, t0 + span)] -= 1
    _fill(p, plan, residual, spans, order)
    return plan


def _fill(p: RosterProblem, plan: dict[tuple[int, int], tuple[int, int]], residual: np.ndarray,
          spans: list[tuple[int, int]], order: list[int]) -> None:
    """Second pass: add single shifts on free days where residual demand is left."""
    r = p.rules
    per_day, n_t = p.per_day, p.n_periods
    L = r.min_consecutive_days_off if r.min_consecutive_days_off >= 2 else 0
    for a in order:
        agent = p.agents[a]
        for d in range(p.n_days):
            if (a, d) in plan or not p.options[a][d]:
                continue
            wk = d // 7
            week = range(7 * wk, 7 * wk + 7)
            worked = [x for x in week if (a, x) in plan]
            if len(worked) >= r.max_days_per_week:
                continue
            if L and not any(all((a, x) not in plan and x != d for x in range(j, j + L))
                             for j in range(7 * wk, 7 * wk + 8 - L)):
                continue
            minutes = sum(p.variants[plan[a, x][0]].paid_minutes for x in worked)
            best = None
            for vi, k in p.options[a][d]:
                if minutes + p.variants[vi].paid_minutes > agent.max_minutes_per_week:
                    continue
                first, span = spans[vi]
                t0 = d * per_day + first
                res = residual[k, t0:min(n_t, t0 + span)]
                seg = slice(t0, t0 + len(res))
                gain = float((np.clip(res, 0, 1) * p.weight[k, seg]).sum() - 0.3 * ((res <= 0) & p.listed[k, seg]).sum())
                if gain > 0 and (best is None or gain > best[0]):
                    best = (gain, vi, k)
            if best is None:
                continue
            _, vi, k = best
            if not _ok_sequence(p, a, plan, [d], vi):
                continue
            plan[a, d] = (vi, k)
            first, span = spans[vi]
            t0 = d * per_day + first
            residual[k, t0:min(n_t, t0 + span)] -= 1


def _ok_sequence(p: RosterProblem, a: int, plan: dict[tuple[int, int], tuple[int, int]],
                 new_days: list[int], vi: int) -> bool:
    """Max consecutive days and min rest hold with ``new_days`` added to the agent's plan."""
    worked = {d: p.variants[plan[a, d][0]] for d in range(p.n_days) if (a, d) in plan}
    for d in new_days:
        worked[d] = p.variants[vi]
    run = 0
    for d in range(p.n_days):
        run = run + 1 if d in worked else 0
        if run > p.rules.max_consecutive_days:
            return False
    rest = p.rules.min_rest_hours * 60
    ds = sorted(worked)
    for d1, d2 in zip(ds, ds[1:], strict=False):
        if (d2 - d1) * MINUTES_PER_DAY + worked[d2].start_minutes - worked[d1].end_minutes < rest:
            return False
    return True
