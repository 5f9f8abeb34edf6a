"""The fluid limit of routing on the synthetic center: what evening out occupancy costs
when nothing is random.

``simulate_routing.py`` and ``explore_fairness_frontier.py`` measure policies in a
discrete-event simulation. This script asks the question without the dynamics: a linear
program assigns the test day's first contacts (the same center, test day and loads as
``simulate_routing.py``) to the agents on shift, in fractions, with the generator's true
outcome tables. A contact class is (intent, channel, language, skill); assigning one
contact of class k to agent a costs the agent ``w = E[handle seconds] × (1 + P(unresolved)
× P(repeat))`` of work (a chat session (1 + slowdown)/2 of it), and an agent's occupancy is
its work over its shift seconds (at most 0.97).

Rows:
- ``spread``: each class spread over its qualified agents in proportion to their shift
  time — close to longest-idle routing (its simulated handle time and resolution are in
  ``simulate_routing.md``), a check that the fluid model tracks the simulation;
- ``LP, no fairness``: maximise Predictive's expected value, ``P(resolved) − λ × E[handle
  seconds]`` (λ = 1/800 per second, ``simulate_routing.py``'s), summed over contacts;
- ``LP, max/min <= r``: the same with every agent's occupancy within a factor r of the
  busiest one's.

The gap between the last two rows is the handle time and resolution that fairness costs
when every agent is always available for the contacts the plan gives them; a policy in
simulation pays more, as the agent the plan wants is often busy.

The ``per hour`` rows add the clock: a contact arriving in an hour can go only to an agent
on shift in that hour, and an agent's work on the contacts of the hours up to ``t`` must fit
in 0.97 of its shift time up to the end of hour ``t + 1`` (work may wait up to an hour,
generous to the plan). A contact class is then (intent, channel, language, skill, hour).

Run: ``.venv/bin/python experiments/explore_fluid_frontier.py``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import simulate_routing as sr  # noqa: E402
from _results import markdown_table, write_result  # noqa: E402

from routing_ml.datasets.synthetic import make_contact_center  # noqa: E402
from routing_ml.routing.base import AgentPool, Contact  # noqa: E402
from routing_ml.simulation.outcomes import GroundTruthOutcomes  # noqa: E402

RATIOS = (2.0, 1.5)
MAX_OCCUPANCY = 0.97


def on_shift_seconds(shifts: pd.DataFrame, pool: AgentPool, day: pd.Timestamp) -> np.ndarray:
    """(agents, 24) seconds each agent is on shift in each hour of ``day``."""
    index = {str(a): i for i, a in enumerate(pool.agent_ids)}
    edges = np.arange(25) * 3600.0
    on = np.zeros((len(pool), 24))
    for a, start, end in zip(shifts["agent_id"], shifts["start"], shifts["end"], strict=True):
        s0, s1 = (start - day).total_seconds(), (end - day).total_seconds()
        on[index[str(a)]] += np.clip(np.minimum(s1, edges[1:]) - np.maximum(s0, edges[:-1]), 0.0, None)
    return on


def pair_table(first: pd.DataFrame, agents: pd.DataFrame, on: np.ndarray, gt, day: pd.Timestamp,
               hourly: bool = False, scorer=None, keys: list | None = None):
    """Eligible (class, agent) pairs: class index, agent index, arrival hour (-1 without
    ``hourly``), E[handle seconds], P(resolved), work seconds; class sizes (contacts, or the
    sum of a ``count`` column when ``first`` has one). ``on`` is :func:`on_shift_seconds`;
    with ``hourly`` a class is also split by arrival hour and only agents on shift in that
    hour are eligible. The outcomes are the generator's true tables, or ``scorer``'s
    (``expected_outcomes(contact, pool)``, e.g. a fitted pair model) when given; the work
    adds the repeat contacts only with the true tables. ``keys``, when given, receives each
    class's (intent, channel, language, skill, hour) in class-index order."""
    pool = AgentPool.from_agents(agents)
    mu, p, ga = GroundTruthOutcomes(gt).tables(pool)
    eh = np.exp(mu + gt.handle_sigma**2 / 2)
    al = np.asarray(gt.agent_languages, bool)[ga]
    first = first.assign(hour=((first["ts"] - day).dt.total_seconds() // 3600).astype(int)
                         if hourly else -1)
    pairs, sizes = [], []
    for (intent, ch, lang, skill, hour), g in first.groupby(
            ["intent", "channel", "language", "skill", "hour"], observed=True):
        i, c = gt.intent_index([intent])[0], gt.channel_index([ch])[0]
        li, s = gt.language_index([lang])[0], pool.skill_index(skill)
        q = (pool.capacity[:, pool.channel_index(ch)] > 0)
        q &= (on[:, hour] > 0) if hourly else (on.sum(axis=1) > 0)
        q &= pool.skills[:, s] > 0 if s >= 0 else True
        if not q.any():
            continue
        m = al[:, li].astype(int) if li >= 0 else np.zeros(len(pool), int)
        chat = (1 + sr.CHAT_SLOWDOWN) / 2 if ch in ("chat", "messaging") else 1.0
        if scorer is not None:
            sp, sh = scorer.expected_outcomes(
                Contact(contact_id=0, channel=ch, intent=intent, skill=skill, language=lang), pool)
            q &= np.isfinite(sp) & np.isfinite(sh)
        for a in np.flatnonzero(q):
            if scorer is None:
                h, pr = eh[a, i, c, m[a]], p[a, i, c, m[a]]
                pairs.append((len(sizes), a, hour, h, pr, h * (1 + (1 - pr) * gt.repeat_probability) * chat))
            else:
                pairs.append((len(sizes), a, hour, sh[a], sp[a], sh[a] * chat))
        sizes.append(g["count"].sum() if "count" in g else len(g))
        if keys is not None:
            keys.append((intent, ch, lang, skill, hour))
    t = np.array(pairs)
    return (t[:, 0].astype(int), t[:, 1].astype(int), t[:, 2].astype(int), t[:, 3], t[:, 4],
            t[:, 5], np.array(sizes, float))


def row(name: str, load: float, x: np.ndarray, k, a, h, pr, w, shift_s) -> dict:
    on = np.flatnonzero(shift_s > 0)
    occ = np.bincount(a, x * w, minlength=len(shift_s))[on] / shift_s[on]
    return {"load": load, "assignment": name, "aht_seconds": float(x @ h / x.sum()),
            "fcr": float(x @ pr / x.sum()), "occupancy_mean": float(occ.mean()),
            "occupancy_min": float(occ.min()), "occupancy_max": float(occ.max()),
            "occupancy_max_min": float(occ.max() / occ.min()) if occ.min() > 0 else float("inf")}


def solve(n: np.ndarray, k, a, hour, h, pr, w, on: np.ndarray, ratio: float | None) -> np.ndarray | None:
    """Fractional assignment maximising the expected value (None when infeasible). With
    arrival hours (``hour >= 0``) an agent's work on the contacts of hours <= t fits in its
    capacity up to the end of hour t + 1; otherwise its whole work fits in its shift."""
    got = solve_lp(n, k, a, hour, h, pr, w, on, ratio)
    return None if got is None else got[0]


def solve_lp(n: np.ndarray, k, a, hour, h, pr, w, on: np.ndarray, ratio: float | None
             ) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`solve`'s assignment and, from the LP's duals, the price of a second of each
    agent's work in each hour ((agents, 24), expected-value units per second; negative where
    the fairness floor makes an agent's time worth buying). None when infeasible."""
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    nv = len(k)
    shift_s = on.sum(axis=1)
    a_eq = coo_matrix((np.ones(nv), (k, np.arange(nv))), shape=(len(n), nv + 1)).tocsr()
    r_idx, c_idx, vals, rhs = [], [], [], []
    rows_of: list[tuple[int, np.ndarray]] = []  # per row: agent, price it adds per hour
    for ag in np.flatnonzero(shift_s > 0):
        sel = np.flatnonzero(a == ag)
        if hour[0] < 0:
            blocks = [(sel, w[sel], None, MAX_OCCUPANCY * shift_s[ag])]
            adds = [np.ones(24)]
        else:
            hours_on = np.flatnonzero(on[ag] > 0)
            blocks = [(sel[hour[sel] <= t], w[sel[hour[sel] <= t]], None,
                       MAX_OCCUPANCY * on[ag, :t + 2].sum()) for t in hours_on]
            adds = [(np.arange(24) <= t).astype(float) for t in hours_on]
        if ratio is not None:  # occupancy <= M and M / ratio <= occupancy (M: variable nv)
            blocks += [(sel, w[sel] / shift_s[ag], -1.0, 0.0), (sel, -w[sel] / shift_s[ag], 1.0 / ratio, 0.0)]
            adds += [np.full(24, 1.0 / shift_s[ag]), np.full(24, -1.0 / shift_s[ag])]
        rows_of += [(int(ag), add) for add in adds]
        for cols, coef, m_coef, b in blocks:
            row_no = len(rhs)
            r_idx += [row_no] * len(cols)
            c_idx += list(cols)
            vals += list(coef)
            if m_coef is not None:
                r_idx.append(row_no)
                c_idx.append(nv)
                vals.append(m_coef)
            rhs.append(b)
    a_ub = coo_matrix((vals, (r_idx, c_idx)), shape=(len(rhs), nv + 1)).tocsr()
    cost = np.r_[sr.LAMBDA * h - pr, 0.0]
    res = linprog(cost, A_ub=a_ub, b_ub=rhs, A_eq=a_eq, b_eq=n, bounds=(0, None), method="highs")
    if res.status != 0:
        return None
    prices = np.zeros((len(shift_s), 24))
    for (ag, add), dual in zip(rows_of, -res.ineqlin.marginals, strict=True):
        prices[ag] += dual * add
    return res.x[:nv], prices


def main() -> None:
    t0 = time.perf_counter()
    cc = make_contact_center(seed=0, days=15, daily_contacts=2000, n_agents=60)
    gt = cc.ground_truth
    day = pd.Timestamp(cc.contacts["ts"].max()).normalize()
    first = cc.contacts.loc[(~cc.contacts["is_repeat"]) & (cc.contacts["ts"] >= day)]
    shifts = cc.shifts.loc[(cc.shifts["start"] >= day)
                           & (cc.shifts["start"] < day + pd.Timedelta(days=1))]
    capacity = float((shifts["end"] - shifts["start"]).dt.total_seconds().sum())
    base_load = sr.offered_work_seconds(first, cc.agents, gt) / capacity
    on = on_shift_seconds(shifts, AgentPool.from_agents(cc.agents), day)
    shift_s = on.sum(axis=1)
    k, a, hour, h, pr, w, sizes = pair_table(first, cc.agents, on, gt, day)
    rows = []
    spread = np.zeros(len(k))
    for c in range(len(sizes)):
        sel = np.flatnonzero(k == c)
        spread[sel] = sizes[c] * shift_s[a[sel]] / shift_s[a[sel]].sum()
    rows.append(row("spread over qualified agents by shift time", base_load, spread,
                    k, a, h, pr, w, shift_s))
    hourly = pair_table(first, cc.agents, on, gt, day, hourly=True)
    for load in sr.LOADS:
        for label, (k_, a_, hour_, h_, pr_, w_, sizes_) in (
                ("LP", (k, a, hour, h, pr, w, sizes)), ("LP per hour", hourly)):
            n = sizes_ * load / base_load
            for ratio in (None, *RATIOS):
                x = solve(n, k_, a_, hour_, h_, pr_, w_, on, ratio)
                name = f"{label}, " + ("no fairness" if ratio is None else f"max/min <= {ratio:g}")
                if x is None:
                    rows.append({"load": load, "assignment": name + " (infeasible)"})
                else:
                    rows.append(row(name, load, x, k_, a_, h_, pr_, w_, shift_s))
    table = pd.DataFrame(rows)
    lines = [
        f"- center: `make_contact_center(seed=0, days=15, daily_contacts=2000, n_agents=60)`, "
        f"test day {day.date()} ({len(first)} first contacts, {len(sizes)} classes, "
        f"{int((shift_s > 0).sum())} agents on shift, {capacity / 3600:.0f} agent-hours); "
        f"offered load as generated {base_load:.3f}, scaled to each load as in "
        "`simulate_routing.py`",
        f"- expected value: P(resolved) − {sr.LAMBDA:.6f} × E[handle seconds]; occupancy "
        f"at most {MAX_OCCUPANCY}; true outcome tables of the generator",
        f"- wall time {time.perf_counter() - t0:.0f} s",
        "",
        "## Fluid assignments (fractions of contacts, no randomness)",
        "",
        markdown_table(table, 3),
        "",
        "The spread row ignores the occupancy cap (its busiest agent would need more than "
        "its shift): it is a reference for handle time and resolution, not for occupancy. "
        "With every agent below the cap, scaling the volume scales the LP's solution, so "
        "the fairness rows of the whole-day LP do not change with the load. The per-hour "
        "rows keep each contact to the agents on shift when it arrives, and each agent's "
        "work within its shift time up to an hour after the contacts' arrival hour.",
        "",
    ]
    write_result("explore_fluid_frontier", "\n".join(lines), {"rows": rows})
    print("\n".join(lines))


if __name__ == "__main__":
    main()
