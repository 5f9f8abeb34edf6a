"""A fast greedy roster used as the CP-SAT solution hint.

Each agent, week by week, gets either one shift (variant and queue) or, when it covers more
residual requirement, each worked day's own best shift (rest-compatible with the day
before), worked on the days where it covers the most residual requirement, respecting availability, weekly hours, max days,
the consecutive-days-off block, max consecutive days and min rest. CP-SAT starts from this
plan and improves it; the hint never replaces the model's own hard constraints.
"""

from __future__ import annotations

import numpy as np

from routing_ml.scheduling._problem import RosterProblem
from routing_ml.scheduling.shifts import MINUTES_PER_DAY

# the last problem's plan: one solve asks for it up to three times (the coverage phase's
# warm start, the full model's, the fallback when no solver found a plan), the soft weights
# of those problems differ but the greedy roster does not read them
_last: list[tuple[tuple[object, ...], tuple[int, int], dict[tuple[int, int], tuple[int, int]]]] = []


def greedy_roster(p: RosterProblem) -> dict[tuple[int, int], tuple[int, int]]:
    """``{(agent, day): (variant, skill)}`` — a plan meeting the hard rules where it can."""
    inputs = (p.required, p.weight, p.listed, p.options, p.agents, p.variants, p.rules)
    size = (p.n_days, p.interval_minutes)
    if _last and _last[0][1] == size and all(x is y for x, y in zip(_last[0][0], inputs, strict=True)):
        return dict(_last[0][2])
    plan = _greedy_roster(p)
    _last[:] = [(inputs, size, plan)]
    return dict(plan)


def _greedy_roster(p: RosterProblem) -> dict[tuple[int, int], tuple[int, int]]:
    r = p.rules
    iv = p.interval_minutes
    per_day, n_t = p.per_day, p.n_periods
    residual = p.required.astype(float).copy()
    weight = p.weight
    plan: dict[tuple[int, int], tuple[int, int]] = {}
    rest = r.min_rest_minutes
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
            all_gains: dict[tuple[int, int], np.ndarray] = {}
            cover, short = _prefix_sums(residual, weight, p.listed)
            for vi, k in cands:
                v = p.variants[vi]
                if MINUTES_PER_DAY - v.length_minutes < rest:
                    continue
                paid = v.paid_minutes
                first, span = spans[vi]
                on = np.array([(vi, k) in p.options[a][d] for d in days])
                starts = np.minimum(np.array(days) * per_day + first, n_t)
                ends = np.minimum(starts + span, n_t)
                gains = _segment_gains(cover[k], short[k], starts, ends, 0.05)
                gains[~on] = -np.inf
                all_gains[vi, k] = gains
                max_days = min(r.max_days_per_week, agent.max_minutes_per_week // paid if paid else 7)
                need = -(-agent.min_minutes(wk) // paid) if paid else 0
                blocks = [range(j, j + L) for j in range(0, 8 - L)] if L else [range(0)]
                g = gains.tolist()
                by_gain = sorted((j for j in range(7) if g[j] != -np.inf), key=lambda j: -g[j])
                for block in blocks:
                    allowed = [j for j in by_gain if j not in block]  # (a stable sort: ties by day)
                    chosen = [j for i, j in enumerate(allowed[:max_days]) if g[j] > 0 or i < need]
                    if len(chosen) < need or len(chosen) > max_days:
                        continue
                    total = float(sum(g[j] for j in chosen))
                    if best is not None and total <= best[0]:
                        continue  # (checking the sequence is what costs: only for a better week)
                    chosen_days = sorted(days[j] for j in chosen)
                    if _ok_sequence(p, a, plan, chosen_days, vi):
                        best = (total, chosen_days, (vi, k))
            mixed = _mixed_week(p, a, plan, days, all_gains, L) if all_gains else None
            if mixed is not None and (best is None or mixed[0] > best[0]):
                week_plan = mixed[1]
            elif best is not None:
                week_plan = {d: best[2] for d in best[1]}
            else:
                continue
            for d, (vi, k) in week_plan.items():
                first, span = spans[vi]
                plan[a, d] = (vi, k)
                t0 = d * per_day + first
                residual[k, t0:min(n_t, t0 + span)] -= 1
    _fill(p, plan, residual, spans, order)
    return plan


def _prefix_sums(residual: np.ndarray, weight: np.ndarray, listed: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Prefix sums over periods (one more column than ``residual``) of the weighted
    requirement a shift still covers (residual clipped to [0, 1]) and of the listed periods
    it would over-staff: a shift's gain over any span is then two subtractions."""
    zeros = np.zeros((residual.shape[0], 1))
    cover = np.concatenate([zeros, np.cumsum(np.clip(residual, 0, 1) * weight, axis=1)], axis=1)
    short = np.concatenate([zeros, np.cumsum((residual <= 0) & listed, axis=1)], axis=1)
    return cover, short


def _segment_gains(cover: np.ndarray, short: np.ndarray, starts: np.ndarray | int,
                   ends: np.ndarray | int, penalty: float) -> np.ndarray:
    """Gain of shifts over periods ``[starts, ends)``: requirement covered minus
    ``penalty`` per over-staffed listed period, rounded to 1e-9 so that equal gains tie
    exactly (prefix-sum differences carry rounding noise)."""
    gain = cover[ends] - cover[starts] - penalty * (short[ends] - short[starts])
    return np.round(np.asarray(gain, dtype=float), 9)


def _mixed_week(p: RosterProblem, a: int, plan: dict[tuple[int, int], tuple[int, int]], days: list[int],
                all_gains: dict[tuple[int, int], np.ndarray], L: int
                ) -> tuple[float, dict[int, tuple[int, int]]] | None:
    """One agent-week where each worked day takes its own best shift (rest-compatible with
    the day before): (total gain, {day: (variant, skill)}), or None when no block fits."""
    r = p.rules
    agent = p.agents[a]
    rest = r.min_rest_minutes
    opts = list(all_gains)
    g = np.array([all_gains[o] for o in opts])  # (options, 7)
    day_best = g.max(axis=0)
    blocks = [range(j, j + L) for j in range(0, 8 - L)] if L else [range(0)]
    longest = max(p.variants[vi].paid_minutes for vi, _ in opts)
    need = -(-agent.min_minutes(days[0] // 7) // longest) if longest else 0  # days needed at least
    out: tuple[float, dict[int, tuple[int, int]]] | None = None
    orders: dict[int, np.ndarray] = {}  # options of each day, best first (the same in every block)
    for block in blocks:
        allowed = [j for j in range(7) if j not in block and np.isfinite(day_best[j])]
        allowed.sort(key=lambda j: -day_best[j])
        picked = sorted(j for i, j in enumerate(allowed[:r.max_days_per_week]) if day_best[j] > 0 or i < need)
        chosen: dict[int, tuple[int, int]] = {}
        prev_end = None
        for j in picked:
            if j not in orders:
                orders[j] = np.argsort(-g[:, j])
            for oi in orders[j]:
                if not np.isfinite(g[oi, j]):
                    break
                v = p.variants[opts[oi][0]]
                if prev_end is not None and prev_end[0] == j - 1 and \
                        MINUTES_PER_DAY + v.start_minutes - prev_end[1] < rest:
                    continue
                chosen[days[j]] = opts[oi]
                prev_end = (j, v.end_minutes)
                break
        minutes = sum(p.variants[vi].paid_minutes for vi, _ in chosen.values())
        while chosen and minutes > agent.max_minutes_per_week:  # drop the weakest day
            d = min(chosen, key=lambda d: all_gains[chosen[d]][d - days[0]])
            minutes -= p.variants[chosen.pop(d)[0]].paid_minutes
        if minutes < agent.min_minutes(days[0] // 7) or not chosen:
            continue
        total = float(sum(all_gains[c][d - days[0]] for d, c in chosen.items()))
        if (out is None or total > out[0]) and _ok_sequence_map(p, a, plan, chosen):
            out = (total, chosen)
    return out


def _ok_sequence_map(p: RosterProblem, a: int, plan: dict[tuple[int, int], tuple[int, int]],
                     new: dict[int, tuple[int, int]]) -> bool:
    """Max consecutive days (the working days in a row carried over from the previous
    roster included) and min rest hold with ``new`` ({day: (variant, skill)}) added."""
    worked = {d: p.variants[plan[a, d][0]] for d in range(p.n_days) if (a, d) in plan}
    for d, (vi, _) in new.items():
        worked[d] = p.variants[vi]
    run = p.agents[a].previous_streak
    for d in range(p.n_days):
        run = run + 1 if d in worked else 0
        if run > p.rules.max_consecutive_days:
            return False
    rest = p.rules.min_rest_minutes
    ds = sorted(worked)
    for d1, d2 in zip(ds, ds[1:], strict=False):
        if (d2 - d1) * MINUTES_PER_DAY + worked[d2].start_minutes - worked[d1].end_minutes < rest:
            return False
    return True


def _fill(p: RosterProblem, plan: dict[tuple[int, int], tuple[int, int]], residual: np.ndarray,
          spans: list[tuple[int, int]], order: list[int]) -> None:
    """Second pass: add single shifts on free days where residual demand is left."""
    r = p.rules
    per_day, n_t = p.per_day, p.n_periods
    L = r.min_consecutive_days_off if r.min_consecutive_days_off >= 2 else 0
    cover, short = _prefix_sums(residual, p.weight, p.listed)
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
                t0 = min(d * per_day + first, n_t)
                gain = float(_segment_gains(cover[k], short[k], t0, min(n_t, t0 + span), 0.3))
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
            row_cover, row_short = _prefix_sums(residual[k:k + 1], p.weight[k:k + 1], p.listed[k:k + 1])
            cover[k], short[k] = row_cover[0], row_short[0]


def _ok_sequence(p: RosterProblem, a: int, plan: dict[tuple[int, int], tuple[int, int]],
                 new_days: list[int], vi: int) -> bool:
    """Max consecutive days and min rest hold with ``new_days`` added to the agent's plan."""
    return _ok_sequence_map(p, a, plan, {d: (vi, -1) for d in new_days})
