"""How much the time-limited multi-week roster moves between identical runs.

``bench_multiweek.py`` records one run per instance. Its ``auto`` path (weeks solved in
turn, each by column generation whose phases end at shares of the wall-clock limit) is not
repeatable to the unit: this script repeats the 2-week day instance (``run(2, 120, "auto",
2)``, the benchmark's own function) and reports the spread of objective and gap.

    python experiments/explore_multiweek_spread.py [--runs 3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pandas as pd  # noqa: E402
from _results import markdown_table, write_result  # noqa: E402
from bench_multiweek import run  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="identical runs of the 2-week instance")
    args = ap.parse_args()
    rows = []
    for i in range(args.runs):
        row = run(2, 120.0, "auto", 2)
        rows.append({"run": i + 1, **{k: row[k] for k in ("wall_s", "status", "objective", "best_bound",
                                                          "gap", "hours_under", "hours_over", "violations")}})
    df = pd.DataFrame(rows)
    md = (
        "## The 2-week day instance of bench_multiweek.py, `auto`, 120 s, repeated\n\n"
        + markdown_table(df, digits=4)
        + f"\n\n- objective {df['objective'].min():.2f}–{df['objective'].max():.2f}, "
        f"gap {df['gap'].min():.4f}–{df['gap'].max():.4f} over {len(df)} runs\n"
    )
    write_result("explore_multiweek_spread", md, {"rows": rows})


if __name__ == "__main__":
    main()
