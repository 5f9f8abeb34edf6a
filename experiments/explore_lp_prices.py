"""Can the fluid plan's prices close the gap between Predictive and its fluid frontier?

``explore_fluid_frontier.py`` finds that, with every agent's occupancy within a factor 2 of
the busiest one's, the test day's contacts could be served in 219 s on average (per-hour
LP), while Predictive with about the same fairness (``predictive_ratio2``) takes 288-298 s
in simulation (``simulate_routing.md``). The LP also prices each agent's time: its duals
give, per agent and hour, what a second of that agent's work is worth (positive for agents
the plan wants to spare, negative for agents the fairness floor makes it buy work for).
This script routes with those prices: Predictive's expected value minus ``price[agent,
hour] × E[handle seconds]``, so contacts go to agents by comparative advantage as in the
plan, with Predictive's fairness band on top (it keeps the occupancy ratio in check when
the day differs from the plan).

Rows (each paired with SkillBased on the same arrivals and draws, seeds 21-23 as in
``explore_fairness_frontier.py``, means over seeds):

- scorer ``oracle``: prices and routing from the generator's true outcomes; ``predictive``:
  both from the pair model fitted on the 14 days before (``simulate_routing.py``'s);
- prices ``none`` (Predictive as in ``simulate_routing.py``), ``test day`` (the LP over the
  test day's own first contacts, the expected arrivals of every replication: a perfect
  forecast of the class mix per hour, not available in practice) or ``two weeks`` (the LP
  over the same weekday of the two weeks before, scaled to the load: an honest forecast);
- fairness: Predictive's band and weight (``simulate_routing.py``'s ``PREDICTIVE``: band 0.5,
  weight 5; then (0.7, 1.4) and (0.85, 1.6) with weight 10). The two wider bands were picked
  in scratch screens of the priced oracle on these same seeds: an exploration, not a
  held-out measurement (``simulate_routing.py`` keeps its own seeds).

The ``none`` rows are ``explore_fairness_frontier.py``'s for the same settings and seeds (a
check that the two scripts simulate the same thing).

Run: ``.venv/bin/python experiments/explore_lp_prices.py [--seeds 21 22 23]``.
"""

from __future__ import annotations

import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).parent))

import explore_fairness_frontier as ef  # noqa: E402
import explore_fluid_frontier as ff  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import simulate_routing as sr  # noqa: E402
from _results import markdown_table, write_result  # noqa: E402

from routing_ml.routing.base import AgentPool, Contact, Decision  # noqa: E402
from routing_ml.routing.policies import Predictive, SkillBased  # noqa: E402

warnings.filterwarnings("ignore", category=UserWarning)

FAIRNESS = {
    "band 0.5, weight 5": {},
    "band (0.7, 1.4), weight 10": {"fairness_weight": 10.0, "fairness_band": (0.7, 1.4)},
    "band (0.85, 1.6), weight 10": {"fairness_weight": 10.0, "fairness_band": (0.85, 1.6)},
}
PRICES = ("none", "test day", "two weeks")
RATIO = 2.0


class PricedPredictive(Predictive):
    """Predictive with each agent's time priced per hour of the day: the expected value
    minus ``prices[agent, hour] × E[handle seconds]`` (``prices``: agent id -> 24 values,
    expected-value units per second; the clock's zero is midnight of the day simulated)."""

    name = "priced_predictive"

    def __init__(self, model, *, prices: dict[str, np.ndarray], **kwargs) -> None:
        super().__init__(model, **kwargs)
        self.prices = prices
        self._now = 0.0
        self._table: tuple[object, np.ndarray] | None = None

    def _price_now(self, pool: AgentPool) -> np.ndarray:
        if self._table is None or self._table[0] is not pool.agent_ids:
            self._table = (pool.agent_ids, np.array([self.prices.get(str(x), np.zeros(24))
                                                     for x in pool.agent_ids]))
        return self._table[1][:, min(23, max(0, int(self._now // 3600)))]

    def choose(self, contact: Contact, pool: AgentPool, now: float) -> Decision:
        self._now = now
        return super().choose(contact, pool, now)

    def choose_contact(self, agent: object, waiting: object, pool: AgentPool, now: float) -> int:
        self._now = now
        return super().choose_contact(agent, waiting, pool, now)

    def _ev(self, contact: Contact, pool: AgentPool, gap: np.ndarray | None) -> np.ndarray:
        _, h = self.model.expected_outcomes(contact, pool)
        return super()._ev(contact, pool, gap) - self._price_now(pool) * h


def history_forecast(st: dict, weeks: int = 2) -> pd.DataFrame:
    """First contacts of the same weekday ``weeks`` weeks before the test day, moved onto
    it, each counting ``1 / weeks``."""
    c = st["cc"].contacts.loc[~st["cc"].contacts["is_repeat"]]
    parts = []
    for i in range(1, weeks + 1):
        d = st["day"] - pd.Timedelta(days=7 * i)
        g = c.loc[(c["ts"] >= d) & (c["ts"] < d + pd.Timedelta(days=1))]
        parts.append(g.assign(ts=g["ts"] + (st["day"] - d), count=1.0 / weeks))
    return pd.concat(parts, ignore_index=True)


class FluidLPs(NamedTuple):
    """The per-hour fluid LP (max/min <= ``RATIO``) of one forecast at every load."""

    pool: AgentPool
    on: np.ndarray  # explore_fluid_frontier.on_shift_seconds
    table: tuple  # explore_fluid_frontier.pair_table's (k, a, hour, h, pr, w, sizes)
    keys: list[tuple]  # each class's (intent, channel, language, skill, hour)
    solved: dict[float, tuple[np.ndarray, np.ndarray, np.ndarray]]  # load -> (sizes, x, prices)


def fluid_lps(st: dict, kind: str, source: str) -> FluidLPs:
    """Solve the per-hour fluid LP at each load: outcomes of the pair model (``kind``
    "predictive") or the generator's (``"oracle"``), over the test day's first contacts
    (``source`` "test day") or the same weekday of the two weeks before ("two weeks")."""
    cc = st["cc"]
    pool = AgentPool.from_agents(cc.agents)
    on = ff.on_shift_seconds(st["shifts"], pool, st["day"])
    contacts = st["first"] if source == "test day" else history_forecast(st)
    keys: list[tuple] = []
    table = ff.pair_table(contacts, cc.agents, on, cc.ground_truth, st["day"], hourly=True,
                          scorer=st["model"] if kind == "predictive" else None, keys=keys)
    k, a, hour, h, pr, w, sizes = table
    solved = {}
    for load in sr.LOADS:
        n = sizes * load / st["base"]
        got = ff.solve_lp(n, k, a, hour, h, pr, w, on, RATIO)
        if got is None:
            raise RuntimeError(f"the per-hour LP is infeasible for {kind}, {source}, load {load}")
        solved[load] = (n, *got)
    return FluidLPs(pool, on, table, keys, solved)


def price_tables(st: dict, kind: str, source: str) -> dict[float, dict[str, np.ndarray]]:
    """Per load: agent id -> 24 hourly prices from the per-hour fluid LP (max/min <= 2)."""
    lps = fluid_lps(st, kind, source)
    return {load: dict(zip(map(str, lps.pool.agent_ids), prices, strict=True))
            for load, (_, _, prices) in lps.solved.items()}


def _run(job: tuple) -> dict:
    kind, source, fairness, load, seed, prices = job
    if kind == "skill_based":
        policy = SkillBased()
    else:
        settings = {**sr.PREDICTIVE, **FAIRNESS[fairness]}
        policy = (Predictive(ef.scorer_of(kind), **settings) if prices is None
                  else PricedPredictive(ef.scorer_of(kind), prices=prices, **settings))
    return {"kind": kind, "prices": source, "fairness": fairness, "load": load, "seed": seed,
            **ef.simulate_day(policy, load, seed)}


def main() -> None:
    args = ef.seed_args()
    t0 = time.perf_counter()
    st = ef._setup()
    tables = {(kind, source): price_tables(st, kind, source)
              for kind in ("oracle", "predictive") for source in PRICES[1:]}
    t_lp = time.perf_counter() - t0
    jobs = [("skill_based", "", "", load, seed, None) for load in sr.LOADS for seed in args.seeds]
    jobs += [(kind, source, fairness, load, seed, None if source == "none" else tables[kind, source][load])
             for kind in ("oracle", "predictive") for source in PRICES for fairness in FAIRNESS
             for load in sr.LOADS for seed in args.seeds]
    with ProcessPoolExecutor(args.n_jobs) as ex:
        rows = list(ex.map(_run, jobs, chunksize=1))
    df = pd.DataFrame(rows)
    out = ef.paired_means(df, {"kind": "scorer", "prices": "prices", "fairness": "fairness"})
    res = pd.DataFrame(out)
    lines = [
        f"- center, test day and loads as in `simulate_routing.py` (test day {st['day'].date()}); seeds "
        f"{args.seeds}; means over seeds of the paired differences against SkillBased",
        f"- prices: duals of the per-hour fluid LP of `explore_fluid_frontier.py` (max/min <= {RATIO:g}), "
        f"solved per scorer, price source and load in {t_lp:.0f} s",
        f"- wall time {time.perf_counter() - t0:.0f} s on {args.n_jobs} processes",
        "",
        markdown_table(res, digits=2),
    ]
    write_result("explore_lp_prices", "\n".join(lines), {"rows": out, "seeds": args.seeds})
    print("\n".join(lines))


if __name__ == "__main__":
    main()
