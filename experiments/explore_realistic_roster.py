"""Where the 150-agent weekly roster stands with more time: column generation run long.

The benchmark gives ``build_roster`` 60 s (``bench_scheduling.py --realistic-only``). This
script runs the column-generation phase alone with a long limit, so the master LP converges:
its value is then the LP bound of the whole pattern model (every week of every agent class),
the strongest bound this approach can prove without branching, and the script records how
far the integer plans (LP diving, best responses, a MILP per day, all breaks placed at once)
stay from it.

    python experiments/explore_realistic_roster.py [--seconds 240]
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pandas as pd  # noqa: E402
from _results import markdown_table, write_result  # noqa: E402
from bench_scheduling import realistic_weekly  # noqa: E402

from routing_ml.scheduling import RosterWeights  # noqa: E402
from routing_ml.scheduling._colgen import solve_colgen_model  # noqa: E402
from routing_ml.scheduling._problem import agent_classes, prepare_problem  # noqa: E402


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.t0 = time.perf_counter()
        self.lines: list[tuple[float, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((time.perf_counter() - self.t0, record.getMessage()))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=240.0)
    args = ap.parse_args()
    req, agents, shifts, rules = realistic_weekly()
    p = prepare_problem(req, agents, shifts, rules, RosterWeights())
    handler = _Collect()
    for name in ("routing_ml.scheduling._colgen", "routing_ml.scheduling._days"):
        log = logging.getLogger(name)
        log.setLevel(logging.DEBUG)
        log.addHandler(handler)
    t = time.perf_counter()
    sol = solve_colgen_model(p, time_limit_seconds=args.seconds, gap_limit=0.02, seed=0)
    wall = time.perf_counter() - t
    rows = []
    for sec, msg in handler.lines:
        m = re.match(r"column generation (\d+): (\d+) columns, LP ([\d.-]+), bound ([\d.-]+)", msg)
        if m:
            rows.append({"iteration": int(m[1]), "seconds": round(sec, 1), "columns": int(m[2]),
                         "master LP": float(m[3]), "Lagrangian bound": float(m[4])})
    events = [f"- {sec:.1f} s: {msg}" for sec, msg in handler.lines
              if not msg.startswith("column generation ") or msg.startswith("column generation:")]
    events = [e for e in events if "diving " not in e or "rounds" in e]
    out = {"seconds_limit": args.seconds, "wall_seconds": wall, "classes": len(agent_classes(p)),
           "objective": sol.objective if sol else None, "bound": sol.bound if sol else None,
           "n_patterns": sol.n_patterns if sol else None, "iterations": rows}
    gap = None if sol is None else (sol.objective - sol.bound) / sol.objective
    md = [f"150 agents ({out['classes']} classes of interchangeable agents), 3 queues, one week of 96 "
          f"quarter-hours, breaks; `solve_colgen_model` alone with a {args.seconds:.0f} s limit "
          f"(build_roster gives it 97 % of its limit; column generation until 45 % of it (55 % while its LP has stopped falling), its bound "
          f"tightened by integer staffing programs per day and queue, LP diving until 60 % (or 20 % "
          f"of the limit after column generation, at most until 75 %), then best responses, a MILP "
          f"per day and all breaks placed at once).", "",
          f"Final: objective {out['objective']}, bound {out['bound']}, gap {gap}, {out['n_patterns']} patterns, "
          f"{wall:.1f} s.", "", "## Master LP and Lagrangian bound per iteration", "",
          markdown_table(pd.DataFrame(rows), digits=2), "", "## Integer phase", "", *events]
    write_result("explore_realistic_roster", "\n".join(md), out)


if __name__ == "__main__":
    main()
