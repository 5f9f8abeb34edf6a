"""Does following the fluid plan itself, not its prices, close the gap to the fluid frontier?

``explore_lp_prices.py`` routes with the duals of the per-hour fluid LP (max/min <= 2 in
the plan). Duals leave each agent indifferent between the classes the plan gives it, so a
price-based choice may not reproduce the plan. This script routes with the plan's primal
solution instead: for a contact of class (intent, channel, language, skill, arrival hour),
the LP's share of that class planned for each agent is added to Predictive's expected
value, ``ev + beta × share`` (shares sum to 1 over the class's agents; 0 for agents the plan
does not give the class), with Predictive's fairness band on top or off.

Rows (each paired with SkillBased on the same arrivals and draws, seeds 21-23 as in
``explore_fairness_frontier.py``, means over seeds):

- ``oracle`` / ``test day``: plan and routing from the generator's true outcomes, the plan
  over the test day's own first contacts (a perfect forecast): what following the plan can
  do at best;
- ``predictive`` / ``two weeks``: plan and routing from the pair model fitted on the 14 days
  before, the plan over the same weekday of the two weeks before (an honest forecast);
- ``beta`` 0 is Predictive without the plan (the same runs as the other scripts').

A second table compares, for one simulated day, each agent's occupancy in the plan with its
occupancy in simulation: where the plan's evenness is lost.

Run: ``.venv/bin/python experiments/explore_plan_following.py [--seeds 21 22 23]``.
"""

from __future__ import annotations

import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import explore_fairness_frontier as ef  # noqa: E402
import explore_lp_prices as elp  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import simulate_routing as sr  # noqa: E402
from _results import markdown_table, write_result  # noqa: E402

from routing_ml.routing.base import AgentPool, Contact  # noqa: E402
from routing_ml.routing.policies import Predictive, SkillBased  # noqa: E402
from routing_ml.simulation import simulate  # noqa: E402

warnings.filterwarnings("ignore", category=UserWarning)

FAIRNESS = {
    "none": {"fairness_weight": 0.0},
    "band 0.5, weight 5": {},
    "band (0.85, 1.6), weight 10": {"fairness_weight": 10.0, "fairness_band": (0.85, 1.6)},
}
BETAS = (0.0, 0.3, 1.0, 3.0)
SOURCES = {"oracle": "test day", "predictive": "two weeks"}

Plan = dict[tuple, dict[str, float]]


class PlanPredictive(Predictive):
    """Predictive plus ``beta`` × the plan's share of the contact's class for each agent
    (``plan``: (intent, channel, language, skill, arrival hour) -> agent id -> share)."""

    name = "plan_predictive"

    def __init__(self, model, *, plan: Plan, beta: float, **kwargs) -> None:
        super().__init__(model, **kwargs)
        self.plan, self.beta = plan, beta

    def _ev(self, contact: Contact, pool: AgentPool, gap: np.ndarray | None) -> np.ndarray:
        ev = super()._ev(contact, pool, gap)
        hour = min(23, max(0, int(contact.arrival_seconds // 3600)))
        shares = self.plan.get((contact.intent, contact.channel, contact.language, contact.skill, hour))
        if not shares:
            return ev
        return ev + self.beta * np.array([shares.get(str(x), 0.0) for x in pool.agent_ids])


def plans(st: dict, kind: str) -> tuple[dict[float, Plan], dict[float, np.ndarray]]:
    """Per load: the per-hour LP's shares (max/min <= 2) and each agent's planned occupancy."""
    lps = elp.fluid_lps(st, kind, SOURCES[kind])
    k, a, *_, w, _ = lps.table
    out, occupancy = {}, {}
    for load, (n, x, _) in lps.solved.items():
        plan: Plan = {}
        for ci, ai, share in zip(k, a, x / n[k], strict=True):
            if share > 1e-6:
                plan.setdefault(lps.keys[ci], {})[str(lps.pool.agent_ids[ai])] = float(share)
        out[load] = plan
        occupancy[load] = np.bincount(a, x * w, minlength=len(lps.pool)) / np.maximum(lps.on.sum(axis=1), 1.0)
    return out, occupancy


def _policy(kind: str, fairness: str, beta: float, plan: Plan | None):
    settings = {**sr.PREDICTIVE, **FAIRNESS[fairness]}
    if beta == 0 or plan is None:
        return Predictive(ef.scorer_of(kind), **settings)
    return PlanPredictive(ef.scorer_of(kind), plan=plan, beta=beta, **settings)


def _run(job: tuple) -> dict:
    kind, fairness, beta, load, seed, plan = job
    policy = SkillBased() if kind == "skill_based" else _policy(kind, fairness, beta, plan)
    return {"kind": kind, "fairness": fairness, "beta": beta, "load": load, "seed": seed,
            **ef.simulate_day(policy, load, seed)}


def occupancy_check(st: dict, plan: Plan, planned: np.ndarray, load: float, seed: int) -> pd.DataFrame:
    """Planned vs simulated occupancy of the agents on shift, grouped by the plan's level
    (at the fairness floor, at the cap, between), for the oracle with beta 1 and no band."""
    scen = sr.Scenario(st["first"], load / st["base"], st["day"])
    r = simulate(scen(seed), st["cc"].agents, st["shifts"], policy=_policy("oracle", "none", 1.0, plan),
                 outcomes=st["cc"].ground_truth, chat_slowdown=sr.CHAT_SLOWDOWN,
                 until=st["day"] + pd.Timedelta(days=1), seed=seed)
    pool = AgentPool.from_agents(st["cc"].agents)
    sim = r.agents.assign(agent_id=r.agents["agent_id"].astype(str)).set_index("agent_id")["occupancy"]
    df = pd.DataFrame({"planned": planned}, index=[str(x) for x in pool.agent_ids]).join(sim, how="inner")
    lo, hi = df["planned"].min(), df["planned"].max()
    df["plan_level"] = np.where(df["planned"] <= lo * 1.001, "at the floor (max / 2)",
                                np.where(df["planned"] >= hi * 0.999, "at the cap (max)", "between"))
    g = df.groupby("plan_level")
    return pd.DataFrame({"agents": g.size(), "planned_occupancy": g["planned"].mean(),
                         "simulated_min": g["occupancy"].min(), "simulated_mean": g["occupancy"].mean(),
                         "simulated_max": g["occupancy"].max()}).reset_index()


def main() -> None:
    args = ef.seed_args()
    t0 = time.perf_counter()
    st = ef._setup()
    tables = {kind: plans(st, kind) for kind in SOURCES}
    jobs = [("skill_based", "", 0.0, load, seed, None) for load in sr.LOADS for seed in args.seeds]
    jobs += [(kind, fairness, beta, load, seed, tables[kind][0][load]) for kind in SOURCES
             for fairness in FAIRNESS for beta in BETAS for load in sr.LOADS for seed in args.seeds]
    with ProcessPoolExecutor(args.n_jobs) as ex:
        rows = list(ex.map(_run, jobs))
    df = pd.DataFrame(rows)
    df["plan"] = df["kind"].map(SOURCES)
    out = ef.paired_means(df, {"kind": "scorer", "plan": "plan", "fairness": "fairness", "beta": "beta"})
    res = pd.DataFrame(out)
    check = occupancy_check(st, tables["oracle"][0][0.95], tables["oracle"][1][0.95], 0.95, args.seeds[0])
    lines = [
        f"- center and test day as in `explore_fairness_frontier.py` (test day {st['day'].date()}); seeds "
        f"{args.seeds}; means over seeds of the paired differences against SkillBased",
        f"- plan: the per-hour fluid LP of `explore_fluid_frontier.py` with max/min <= {elp.RATIO:g}, "
        "expected value P(resolved) − λ E[handle seconds] with simulate_routing's λ; routing: Predictive "
        "(simulate_routing's settings, the fairness column's band) plus beta × the plan's share",
        f"- wall time {time.perf_counter() - t0:.0f} s on {args.n_jobs} processes",
        "",
        markdown_table(res, digits=2),
        "",
        f"## Planned vs simulated occupancy (oracle, test-day plan, beta 1, no band; load 0.95, seed {args.seeds[0]})",
        "",
        markdown_table(check, digits=3),
    ]
    write_result("explore_plan_following", "\n".join(lines),
                 {"rows": out, "occupancy_check": check.to_dict("records"), "seeds": args.seeds,
                  "betas": list(BETAS), "fairness": {k: {kk: list(v) if isinstance(v, tuple) else v
                                                         for kk, v in b.items()} for k, b in FAIRNESS.items()}})
    print(markdown_table(res, digits=2))
    print(markdown_table(check, digits=3))


if __name__ == "__main__":
    main()
