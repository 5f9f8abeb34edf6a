"""Large multi-week rosters: the 150-agent week of ``bench_scheduling.py`` over two and four
weeks, ``build_roster(method="auto")`` (weeks solved in turn, each by column generation, the
weeks before it carried over) against ``method="cp-sat"`` (the named CP-SAT model of the
whole horizon, which is what ``auto`` ran on these rosters before), same instance, same run.

The instance repeats the week's requirements; the agents' dated leave falls in the first
week. Reported: objective, bound and gap (for ``auto`` the first week's bound plus, for each
later week, the Lagrangian bound of that week planned alone at its plan's multipliers, less
the weekend term's overlap: ``_weeks.horizon_bound``), hours under/over, hard-rule
violations found by ``check_roster`` (must be 0), and each week's figures.

The ``night`` instance adds a 24/7 voice line: 3 agents needed every night 22:00-06:00 and a
night shift template (22:00, 8 hours, a coffee break), so Sunday's night shifts staff the next
week's first Monday hours; a later week's bound then leaves those hours out
(``_weeks.rows_alone``).

    python experiments/bench_multiweek.py [--weeks 2 4] [--night-weeks 2] [--seconds-per-week 60] [--workers 2]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pandas as pd  # noqa: E402
from _results import markdown_table, write_result  # noqa: E402
from bench_scheduling import realistic_weekly  # noqa: E402

from routing_ml.scheduling import RosterWeights, ShiftTemplate, SolverConfig, build_roster  # noqa: E402

NIGHT_AGENTS = 3


def with_nights(req: pd.DataFrame, shifts: list[ShiftTemplate]) -> tuple[pd.DataFrame, list[ShiftTemplate]]:
    """The week's requirements plus ``NIGHT_AGENTS`` on voice every night 22:00-06:00, and a
    night shift template (22:00, 8 hours, the early shift's coffee break)."""
    start = pd.to_datetime(req["ds"]).min().normalize()
    ds = start + pd.to_timedelta([15 * q for q in range(7 * 96)], unit="min")
    night = pd.DataFrame({"unique_id": "voice", "ds": ds, "agents": NIGHT_AGENTS})
    night = night[(night["ds"].dt.hour >= 22) | (night["ds"].dt.hour < 6)]
    voice = req["unique_id"] == "voice"
    taken = set(req.loc[voice, "ds"])
    assert not taken & set(night["ds"]), "the week already lists night hours"
    coffee = shifts[0].breaks[0]
    template = ShiftTemplate(name="night", start_minutes=22 * 60, lengths_minutes=(480,), breaks=(coffee,),
                             cost_per_hour=26)
    return pd.concat([req, night], ignore_index=True), [*shifts, template]


def run(weeks: int, seconds: float, method: str, workers: int, night: bool = False) -> dict:
    req, agents, shifts, rules = realistic_weekly()
    if night:
        req, shifts = with_nights(req, shifts)
    req = pd.concat([req.assign(ds=req["ds"] + pd.Timedelta(days=7 * w)) for w in range(weeks)],
                    ignore_index=True)
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        res = build_roster(req, agents, shifts, rules, weights=RosterWeights(), weeks=weeks, method=method,
                           config=SolverConfig(num_workers=workers, time_limit_seconds=seconds,
                                               relative_gap_limit=0.02, random_seed=0))
    k = res.kpis
    row = {"instance": "night" if night else "day", "weeks": weeks, "time_limit_s": seconds,
           "method_asked": method, "solver_path": res.method,
           "wall_s": time.perf_counter() - t, "status": res.status.value, "objective": res.objective,
           "best_bound": res.best_bound, "gap": res.gap, "hours_under": k.hours_under,
           "hours_over": k.hours_over, "intervals_under": k.intervals_understaffed,
           "violations": len(res.violations), "per_week": res.solver_parameters.get("weeks")}
    print({key: v for key, v in row.items() if key != "per_week"}, flush=True)
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--weeks", type=int, nargs="+", default=[2, 4])
    ap.add_argument("--night-weeks", type=int, nargs="*", default=[2])
    ap.add_argument("--seconds-per-week", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    rows = [run(n, args.seconds_per_week * n, method, args.workers)
            for n in args.weeks for method in ("auto", "cp-sat")]
    rows += [run(n, args.seconds_per_week * n, method, args.workers, night=True)
             for n in args.night_weeks for method in ("auto", "cp-sat")]
    table = pd.DataFrame([{k: v for k, v in r.items() if k != "per_week"} for r in rows])
    weekly = pd.DataFrame([{"instance": r["instance"], "weeks": r["weeks"], **w} for r in rows if r["per_week"] for w in r["per_week"]])
    lines = [
        "150 agents, 3 queues, 96 quarter hours a day, breaks (`bench_scheduling.realistic_weekly`), its week "
        f"of requirements repeated; time limit {args.seconds_per_week:g} s per week, {args.workers} workers, "
        "seed 0, gap limit 2 %. `auto` rosters the weeks in turn (each week by column generation, the weeks "
        "before it as `previous_roster`); its bound is the first week's plus, for each later week, the "
        "Lagrangian bound of that week planned alone (`bound_alone`: the better of its plan's multipliers and "
        "week 1's), less the weekend term's overlap. `night`: the same center with 3 voice agents needed "
        "every night 22:00-06:00 and a night shift template (22:00, 8 h); a later week's bound leaves out the "
        "Monday hours 00:00-06:00 that the Sunday night shift may staff. `cp-sat` is the named CP-SAT model of the "
        "whole horizon (the path `auto` took on these rosters before).",
        "",
        markdown_table(table, digits=4),
        "",
        "## Each week of `auto`",
        "",
        markdown_table(weekly, digits=2) if len(weekly) else "(none)",
    ]
    write_result("bench_multiweek", "\n".join(lines), {"runs": rows, "args": vars(args)})


if __name__ == "__main__":
    main()
