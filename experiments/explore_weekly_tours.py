"""What else was tried for the whole-week shift counts (issue 5, first goal): the same
7 days x 96 quarter-hours x 40 shift types, 5-on/2-off tours with cross-midnight shifts,
hard coverage, as in bench_scheduling.py section 1.

Measures, in one run: the LP bound; HiGHS MILP to a 1 % gap and to optimality; LP
rounding (floor + greedy repair + greedy removal); a MILP restricted to the support of a
perturbed LP (the pattern model's trick); and solve_shift_counts (CP-SAT) at short time
limits. pyworkforce's time on its per-day model is in bench_scheduling.md.

    python experiments/explore_weekly_tours.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import write_result  # noqa: E402
from bench_scheduling import daily_requirements_96, shift_types_40  # noqa: E402

from routing_ml.scheduling import (  # noqa: E402
    SolverConfig,
    WeeklyPattern,
    shift_coverage_matrix,
    solve_shift_counts,
)


def rounding(a: np.ndarray, req: np.ndarray, c: np.ndarray, x_lp: np.ndarray) -> np.ndarray:
    """Floor the LP, add the shift covering most shortage per cost until covered, then
    remove people (most expensive shifts first) while coverage holds."""
    x = np.floor(x_lp + 1e-6)
    s = a @ x
    while np.any(s < req):
        j = int(np.argmax((a.T @ np.maximum(req - s, 0)) / c))
        x[j] += 1
        s += a[:, j]
    improved = True
    while improved:
        improved = False
        for j in np.argsort(-c):
            rows = a[:, j] > 0
            while x[j] > 0 and np.all(s[rows] - 1 >= req[rows]):
                x[j] -= 1
                s -= a[:, j]
                improved = True
    return x


def _f(v: float | None, nd: int = 2) -> str:
    return "n/a" if v is None else f"{v:.{nd}f}"


def main() -> None:
    from scipy import sparse
    from scipy.optimize import Bounds, LinearConstraint, linprog, milp

    _, templates = shift_types_40()
    req_i = daily_requirements_96().ravel()
    req = req_i.astype(float)
    cov, cost = shift_coverage_matrix(templates, days=7, interval_minutes=15, pattern=WeeklyPattern(), cyclic=True)
    a = cov.to_numpy().astype(float)
    c = cost.to_numpy()
    a_s = sparse.csr_matrix(a)
    rows = []

    def lp(costs: np.ndarray):  # type: ignore[no-untyped-def]
        return linprog(costs, A_ub=-a_s, b_ub=-req, bounds=(0, None), method="highs")

    t = time.perf_counter()
    res_lp = lp(c)
    lp_bound = float(res_lp.fun)
    rows.append(("LP relaxation (HiGHS)", time.perf_counter() - t, None, lp_bound))
    for gap, limit in ((0.01, 30.0), (0.0, 120.0)):
        t = time.perf_counter()
        r = milp(c, constraints=[LinearConstraint(a_s, req, np.inf)], integrality=np.ones(len(c)),
                 bounds=Bounds(0, np.inf), options={"mip_rel_gap": gap, "time_limit": limit})
        rows.append((f"HiGHS MILP, mip_rel_gap {gap}", time.perf_counter() - t, float(r.fun),
                     float(getattr(r, "mip_dual_bound", lp_bound))))
    optimum = rows[-1][2] if rows[-1][2] == rows[-1][3] else None
    t = time.perf_counter()
    x = rounding(a, req, c, lp(c).x)
    rows.append(("LP + floor + greedy repair + greedy removal", time.perf_counter() - t, float(c @ x), lp_bound))
    for seed in range(3):
        t = time.perf_counter()
        base = lp(c)
        pert = lp(c + 0.01 * (1 + np.random.default_rng(seed).random(len(c))))
        keep = (base.x > 1e-9) | (pert.x > 1e-9) | (pert.lower.marginals <= 1e-9)
        r = milp(c, constraints=[LinearConstraint(a_s, req, np.inf)], integrality=np.ones(len(c)),
                 bounds=Bounds(0, np.where(keep, np.inf, 0)), options={"mip_rel_gap": 0.01, "time_limit": 10})
        rows.append((f"perturbed-LP restricted MILP (seed {seed}, {int(keep.sum())} of {len(c)} tours)",
                     time.perf_counter() - t, float(r.fun), lp_bound))
    for limit in (0.15, 0.25, 0.5, 1.0):
        t = time.perf_counter()
        r = solve_shift_counts(cov, req_i, cost, hard_coverage=True, over_weight=0.0, config=SolverConfig(
            num_workers=2, time_limit_seconds=limit, random_seed=0, relative_gap_limit=0.01))
        rows.append((f"solve_shift_counts (CP-SAT, 2 workers), time limit {limit} s", time.perf_counter() - t,
                     r.objective, r.best_bound))

    lines = [f"Whole-week tours: {a.shape[1]} tour columns x {a.shape[0]} quarter-hours, hard coverage. "
             f"LP bound {lp_bound:.2f}; proven optimum {_f(optimum) if optimum is not None else 'not proven'}. "
             "Gap = (objective - bound) / objective with each row's own bound (the LP bound where the "
             "method has none).", "",
             "| method | wall s | objective | bound | gap | gap to the optimum |", "|---|---|---|---|---|---|"]
    data = []
    for name, wall, obj, bound in rows:
        gap = None if obj is None or bound is None else (obj - bound) / obj
        to_opt = None if obj is None or optimum is None else (obj - optimum) / obj
        data.append({"method": name, "wall_seconds": wall, "objective": obj, "bound": bound, "gap": gap,
                     "gap_to_optimum": to_opt})
        lines.append(f"| {name} | {wall:.3f} | {_f(obj)} | {_f(bound)} | {_f(gap, 4)} | {_f(to_opt, 4)} |")
    write_result("explore_weekly_tours", "\n".join(lines), {"rows": data, "lp_bound": lp_bound, "optimum": optimum})


if __name__ == "__main__":
    main()
