"""How much heavier under-staffing should weigh while column generation's integer search runs.

The 150-agent week of ``bench_scheduling.py`` at the default weights (under-staffing 100 per
agent-hour, over-staffing 5): the plan search of ``routing_ml.scheduling._colgen`` (LP
diving, best responses, a MILP per day, all breaks at once) stalled about 6 % above the
bound, while the same week solved with under-staffing weighed 10x more and then scored at
the default weights came out lower (``explore_realistic_weights.md``). ``_colgen`` now
searches with the under-staffing weight multiplied by ``SEARCH_UNDER_FACTOR`` and spends the
last ``SEARCH_TRUE_SHARE`` of the search at the true weights; objective and bound are always
at the true weights. This script runs ``build_roster`` (auto, one worker, 60 s unless told) on
that week for several factors, shares and seeds.

    python experiments/explore_search_weight.py [--factors 1,3,10,30] [--true-shares 0.3] [--seeds 0,1,2]
        [--seconds 60] [--name explore_search_weight]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pandas as pd  # noqa: E402
from _results import markdown_table, write_result  # noqa: E402
from bench_scheduling import realistic_weekly  # noqa: E402

import routing_ml.scheduling._colgen as colgen  # noqa: E402
from routing_ml.scheduling import SolverConfig, build_roster  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--factors", default="1,3,10,30", help="search under-staffing factors, comma-separated")
    ap.add_argument("--true-shares", default=str(colgen.SEARCH_TRUE_SHARE),
                    help="shares of the search at the true weights (SEARCH_TRUE_SHARE), comma-separated")
    ap.add_argument("--seeds", default="0,1,2", help="solver seeds, comma-separated")
    ap.add_argument("--seconds", type=float, default=60.0, help="time limit of each build_roster (s)")
    ap.add_argument("--name", default="explore_search_weight", help="results file name (without extension)")
    args = ap.parse_args()
    req, agents, shifts, rules = realistic_weekly()
    kwdefaults = colgen.solve_colgen_model.__kwdefaults__
    default_factor, default_share = kwdefaults["search_under_factor"], colgen.SEARCH_TRUE_SHARE
    rows = []
    try:
        for factor, share in itertools.product((float(x) for x in args.factors.split(",")),
                                               [float(x) for x in args.true_shares.split(",")]):
            kwdefaults["search_under_factor"] = factor  # what build_roster's auto path passes
            colgen.SEARCH_TRUE_SHARE = share
            for seed in (int(x) for x in args.seeds.split(",")):
                t0 = time.perf_counter()
                res = build_roster(req, agents, shifts, rules, config=SolverConfig(
                    time_limit_seconds=args.seconds, num_workers=1, random_seed=seed))
                k = res.kpis
                rows.append({"search_under_factor": factor, "true_share": share, "seed": seed,
                             "seconds": time.perf_counter() - t0, "objective": res.objective, "best_bound": res.best_bound, "gap": res.gap,
                             "hours_under": k.hours_under, "hours_over": k.hours_over,
                             "intervals_under": k.intervals_understaffed, "violations": len(res.violations)})
                print(rows[-1], flush=True)
    finally:
        kwdefaults["search_under_factor"], colgen.SEARCH_TRUE_SHARE = default_factor, default_share
    df = pd.DataFrame(rows)
    summary = df.groupby(["search_under_factor", "true_share"]).agg(
        runs=("gap", "size"), objective_median=("objective", "median"), objective_min=("objective", "min"),
        objective_max=("objective", "max"), gap_median=("gap", "median"), gap_max=("gap", "max")).reset_index()
    md = (
        "## The 150-agent week of bench_scheduling.py: the integer search's under-staffing factor\n\n"
        f"`build_roster` (auto: column generation), {args.seconds:g} s, one worker, per seed. Objective, "
        f"bound and gap at the default weights (under-staffing 100 per agent-hour). Library default: "
        f"`SEARCH_UNDER_FACTOR` = {default_factor:g}, `SEARCH_TRUE_SHARE` = {default_share:g}.\n\n"
        + markdown_table(summary, digits=4) + "\n\n### Runs\n\n" + markdown_table(df, digits=4) + "\n"
    )
    write_result(args.name, md, {"rows": rows, "seconds": args.seconds, "library_factor": default_factor,
                                 "library_true_share": default_share})


if __name__ == "__main__":
    main()
