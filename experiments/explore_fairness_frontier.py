"""How much handle-time and resolution gain is left once occupancy is evened out?

The routing goals of issue 8 ask Predictive, against SkillBased on the synthetic center,
for handle time −8 % or better, first-contact resolution +2 points or better, service level
no worse by more than 1 point, and the busiest agent's occupancy at most twice the least
busy one's. This script sweeps Predictive's fairness band (``fairness_band``,
``fairness_weight``), with the fitted pair model and with the true outcomes (the oracle:
``GroundTruthScorer``), on the same center, test day and loads as
``simulate_routing.py``. The seeds differ from that script's, and each variant is paired
with SkillBased on the same arrivals and draws (common random numbers). It reports the
mean change per load: the frontier between evening out occupancy and the gain. A second
table runs the oracle over a grid of handle-second prices and fairness weights: whether
re-weighting resolution against handle time, or holding the band more or less firmly,
lets true outcomes meet the four goals together.

Run: ``.venv/bin/python experiments/explore_fairness_frontier.py [--seeds 21 22 23]``.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import pandas as pd  # noqa: E402
import simulate_routing as sr  # noqa: E402
from _results import markdown_table, write_result  # noqa: E402

from routing_ml.datasets.synthetic import make_contact_center  # noqa: E402
from routing_ml.routing import PairOutcomeModel  # noqa: E402
from routing_ml.routing.policies import Predictive, SkillBased  # noqa: E402
from routing_ml.simulation import GroundTruthScorer, simulate  # noqa: E402

warnings.filterwarnings("ignore", category=UserWarning)

#: name -> Predictive settings on top of simulate_routing.PREDICTIVE (the library's defaults
#: plus its resolution price); "none" turns the fairness term off
BANDS = {
    "no fairness": {"fairness_weight": 0.0},
    "band 0.5, weight 5 (simulate_routing's predictive)": {},
    "band 0.7, weight 10 (predictive_fair)": {"fairness_weight": 10.0, "fairness_band": 0.7},
    "band (0.85, 1.6), weight 10": {"fairness_weight": 10.0, "fairness_band": (0.85, 1.6)},
    "band (0.85, 1.18), weight 10 (predictive_ratio2)": {"fairness_weight": 10.0,
                                                         "fairness_band": (0.85, 1.18)},
    "band (0.9, 1.1), weight 20": {"fairness_weight": 20.0, "fairness_band": (0.9, 1.1)},
}

#: the oracle's grid: does pricing handle time lower (``lambda_per_second``, resolution
#: weighs more) or holding occupancy less or more firmly (``fairness_weight``) let true
#: outcomes reach +2 points of resolution with max/min <= 2? Band (0.85, 1.6) throughout.
GRID_BAND = (0.85, 1.6)
GRID_LAMBDAS = (1.0 / 800.0, 1.0 / 1200.0, 1.0 / 2000.0)
GRID_WEIGHTS = (3.0, 5.0, 10.0, 20.0)

_STATE: dict = {}


def _setup() -> dict:
    if not _STATE:
        cc = make_contact_center(seed=0, days=15, daily_contacts=2000, n_agents=60)
        day = pd.Timestamp(cc.contacts["ts"].max()).normalize()
        train = cc.interactions.loc[cc.interactions["ts"] < day]
        first = cc.contacts.loc[(~cc.contacts["is_repeat"]) & (cc.contacts["ts"] >= day)]
        first = first.drop(columns=[c for c in ("abandoned", "answered") if c in first])
        shifts = cc.shifts.loc[(cc.shifts["start"] >= day) & (cc.shifts["start"] < day + pd.Timedelta(days=1))]
        capacity = float((shifts["end"] - shifts["start"]).dt.total_seconds().sum())
        _STATE.update(cc=cc, day=day, first=first, shifts=shifts,
                      model=PairOutcomeModel(random_state=0).fit(train, cc.agents),
                      base=sr.offered_work_seconds(first, cc.agents, cc.ground_truth) / capacity)
    return _STATE


def scorer_of(kind: str):
    """The outcome scorer of a policy kind: the fitted pair model (``"predictive"``) or
    the generator's true outcomes (``"oracle"``)."""
    st = _setup()
    return st["model"] if kind == "predictive" else GroundTruthScorer(st["cc"].ground_truth)


def simulate_day(policy, load: float, seed: int) -> dict:
    """The test day resampled to ``load`` (replication ``seed``) under ``policy``: handle
    time, resolution, service level and occupancy max/min."""
    st = _setup()
    scen = sr.Scenario(st["first"], load / st["base"], st["day"])
    r = simulate(scen(seed), st["cc"].agents, st["shifts"], policy=policy,
                 outcomes=st["cc"].ground_truth, chat_slowdown=sr.CHAT_SLOWDOWN,
                 until=st["day"] + pd.Timedelta(days=1), seed=seed)
    s = r.summary
    return {"aht": s["aht_seconds"], "fcr": s["fcr"], "sl": s["service_level"],
            "occ_max_min": s["occupancy_max_min"]}


def _run(job: tuple[str, str, dict, float, int]) -> dict:
    """One simulated day: ``(kind, variant name, Predictive settings on top of
    simulate_routing.PREDICTIVE, load, seed)``; kind "skill_based" ignores the settings."""
    kind, name, settings, load, seed = job
    policy = (SkillBased() if kind == "skill_based"
              else Predictive(scorer_of(kind), **{**sr.PREDICTIVE, **settings}))
    return {"kind": kind, "band": name, "load": load, "seed": seed,
            **simulate_day(policy, load, seed)}


def paired_means(df: pd.DataFrame, keys: dict[str, str]) -> list[dict]:
    """Mean over seeds, per variant and load, of each run's difference with the SkillBased
    run of the same load and seed (rows of ``kind == "skill_based"``): handle time in %,
    resolution and service level in points, and the variant's occupancy max/min, with
    whether all four goals hold. ``keys`` maps the columns naming a variant to the names
    they get in the output."""
    base = df[df["kind"] == "skill_based"].set_index(["load", "seed"])
    out = []
    for variant, g in df[df["kind"] != "skill_based"].groupby(list(keys), sort=False):
        g = g.set_index(["load", "seed"])
        d = pd.DataFrame({"aht_change_pct": 100 * (g["aht"] / base["aht"] - 1),
                          "fcr_change_pts": 100 * (g["fcr"] - base["fcr"]),
                          "sl_change_pts": 100 * (g["sl"] - base["sl"]),
                          "occ_max_min": g["occ_max_min"]}).reset_index()
        for load, h in d.groupby("load"):
            m = h[["aht_change_pct", "fcr_change_pts", "sl_change_pts", "occ_max_min"]].mean()
            out.append({**dict(zip(keys.values(), variant, strict=True)), "load": load, **m.to_dict(),
                        "all_four_goals": bool(m["aht_change_pct"] <= -8 and m["fcr_change_pts"] >= 2
                                               and m["sl_change_pts"] >= -1 and m["occ_max_min"] <= 2)})
    return out


def seed_args() -> argparse.Namespace:
    """The routing explorations' command line: ``--seeds`` (the replications, paired with
    SkillBased on each) and ``--n-jobs`` (processes)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[21, 22, 23])
    ap.add_argument("--n-jobs", type=int, default=2)
    return ap.parse_args()


def main() -> None:
    args = seed_args()
    t0 = time.perf_counter()
    grid = {f"lambda 1/{1 / lam:.0f}, weight {fw:g}": {"lambda_per_second": lam, "fairness_weight": fw,
                                                       "fairness_band": GRID_BAND}
            for lam in GRID_LAMBDAS for fw in GRID_WEIGHTS}
    jobs = [("skill_based", "", {}, load, seed) for load in sr.LOADS for seed in args.seeds]
    jobs += [(kind, band, settings, load, seed) for kind in ("predictive", "oracle")
             for band, settings in BANDS.items() for load in sr.LOADS for seed in args.seeds]
    jobs += [("oracle", name, settings, load, seed) for name, settings in grid.items()
             for load in sr.LOADS for seed in args.seeds]
    with ProcessPoolExecutor(args.n_jobs) as ex:
        rows = list(ex.map(_run, jobs))
    df = pd.DataFrame(rows)
    in_grid = df["band"].isin(list(grid)) & (df["kind"] == "oracle")
    out = paired_means(df[~in_grid], {"kind": "scorer", "band": "fairness"})
    res = pd.DataFrame(out)
    out_grid = paired_means(df[in_grid | (df["kind"] == "skill_based")], {"band": "oracle_settings"})
    res_grid = pd.DataFrame(out_grid)
    lines = [
        f"- center: `make_contact_center(seed=0, days=15, daily_contacts=2000, n_agents=60)`, test day "
        f"{_setup()['day'].date()} as in `simulate_routing.py` (offered load of the day as generated "
        f"{_setup()['base']:.3f}, resampled to each load); seeds {args.seeds} (simulate_routing.py "
        f"uses others); means over seeds of the paired differences against SkillBased",
        "- `predictive` = the fitted PairOutcomeModel; `oracle` = the same rule fed the true outcomes",
        f"- wall time {time.perf_counter() - t0:.0f} s on {args.n_jobs} processes",
        "",
        markdown_table(res, digits=2),
        "",
        f"## The oracle with band {GRID_BAND}: the price of a handle second and the fairness weight",
        "",
        "True outcomes, so the pair model's errors play no part. A lower `lambda_per_second` "
        "weighs resolution more against handle time; a higher `fairness_weight` holds the "
        "occupancy band more firmly. Same seeds and SkillBased runs as above.",
        "",
        markdown_table(res_grid, digits=2),
    ]
    write_result("explore_fairness_frontier", "\n".join(lines),
                 {"rows": out, "oracle_grid": out_grid, "seeds": args.seeds,
                  "bands": {k: {kk: list(v) if isinstance(v, tuple) else v for kk, v in b.items()}
                            for k, b in BANDS.items()},
                  "grid": {"band": list(GRID_BAND), "lambdas_per_second": list(GRID_LAMBDAS),
                           "fairness_weights": list(GRID_WEIGHTS)}})
    print(markdown_table(res, digits=2))


if __name__ == "__main__":
    main()
