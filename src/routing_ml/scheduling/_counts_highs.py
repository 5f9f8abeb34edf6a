"""The covering model of :mod:`routing_ml.scheduling.counts` on HiGHS (branch-and-cut).

Steps, all in one thread (HiGHS holds the GIL, so Python threads would not run in parallel):

1. periods with the same covering shifts are merged (hard coverage keeps the largest
   requirement; soft coverage merges equal requirements and weights the shortage by the
   number of periods merged), periods needing nobody are dropped: on 7 x 96 quarter-hours
   with shifts starting on the hour this leaves 168 of 672 rows;
2. the LP relaxation (dual simplex): the LP bound and a fractional plan;
3. RENS: the MILP restricted to each count between the floor and the ceiling of its LP
   value, a small problem that gives a good first plan in a few hundredths of a second;
4. the full MILP from that plan. HiGHS' root cuts raise the bound well above the LP bound
   (the whole-week tour model has a 1.1 % integrality gap); a callback stops the search as
   soon as the plan is within ``relative_gap_limit`` of the bound rounded up to the
   objective's granularity.

Every bound reported is a proven lower bound on the minimum: the LP optimum or HiGHS' MILP
dual bound, rounded up to a multiple of the granularity ``g`` when every objective
coefficient is an integer multiple of ``g`` (then every plan's objective, minus the constant
term, is a multiple of ``g``, and so is the minimum).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from routing_ml.scheduling._base import ProgressCallback, ProgressPoint, SolverConfig, SolveStatus

logger = logging.getLogger(__name__)

_INF = 1e30  # HiGHS' infinity (kHighsInf)

#: relative gap at which the RENS sub-MIP stops (or ``relative_gap_limit`` if larger)
RENS_GAP = 0.01

#: HiGHS options of the full MILP, which starts from the RENS plan: feasibility jump only
#: looks for a first plan, so it is off.
MIP_OPTIONS: dict[str, Any] = {"mip_heuristic_run_feasibility_jump": False}


def objective_granularity(values: np.ndarray) -> float:
    """Largest ``g`` with every value an integer multiple of ``g`` (0 when there is none).

    Values are read to four decimals at most (as the CP-SAT path scales them); zeros are
    ignored. ``g = gcd(round(v * s)) / s`` with ``s`` the smallest power of ten <= 1e4 that
    makes every value an integer.
    """
    v = np.abs(np.asarray(values, dtype=float))
    v = v[v > 0]
    if v.size == 0:
        return 0.0
    for scale in (1, 10, 100, 1000, 10000):
        scaled = v * scale
        ints = np.round(scaled)
        if np.all(np.abs(scaled - ints) < 1e-9 * np.maximum(1.0, scaled)) and ints.max() < 2**53:
            return float(np.gcd.reduce(ints.astype(np.int64))) / scale
    return 0.0


def round_bound_up(bound: float, granularity: float, constant: float = 0.0) -> float:
    """``bound`` raised to the next value ``constant + k * granularity`` (``k`` integer).

    A relative tolerance of 1e-6 keeps a bound that sits on a multiple up to solver
    round-off (``10940.0000001``) from being lifted by a whole step.
    """
    if granularity <= 0 or not math.isfinite(bound):
        return bound
    steps = (bound - constant) / granularity
    lifted = constant + granularity * math.ceil(steps - 1e-6 * max(1.0, abs(steps)))
    return max(bound, lifted)


@dataclass(frozen=True, slots=True)
class _Reduced:
    """The covering model with merged rows, in HiGHS' column-wise form."""

    rows: np.ndarray  # (m, n) 0/1, one row per kept group of periods
    required: np.ndarray  # (m,) requirement of each kept row
    weight: np.ndarray  # (m,) shortage weight per kept row (soft), zeros (hard)
    cost: np.ndarray  # (n,) cost of one person, over-staffing substituted in
    upper: np.ndarray  # (n,) upper bound of each count
    constant: float  # objective = cost @ x + weight @ u + constant
    granularity: float
    soft: bool


def reduce_model(a: np.ndarray, r: np.ndarray, c: np.ndarray, under_weight: float, over_weight: float,
                 hard: bool, upper: np.ndarray) -> _Reduced:
    """Merge periods with identical covering shifts (see the module docstring).

    With over-staffing ``o_t = (Ax)_t + u_t - r_t`` substituted, the objective is
    ``(c + w_o * colsum(A)) x + (w_u + w_o) sum_t u_t - w_o sum_t r_t`` and the rows are
    ``(Ax)_t + u_t >= r_t``.
    """
    cost = c + over_weight * a.sum(axis=0)
    constant = -over_weight * float(r.sum())
    need = r > 0
    keys = np.packbits(a[need].astype(bool), axis=1)
    if hard:
        _, first, inv = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        req = np.zeros(first.size, dtype=np.int64)
        np.maximum.at(req, inv.ravel(), r[need])
        weight = np.zeros(first.size)
    else:  # merge only equal requirements: each merged period keeps its own shortage
        keyed = np.hstack([keys, r[need].astype(">i8").view(np.uint8).reshape(-1, 8)])
        _, first, counts = np.unique(keyed, axis=0, return_index=True, return_counts=True)
        req = r[need][first]
        weight = (under_weight + over_weight) * counts.astype(float)
    rows = a[need][first]
    live = upper > 0
    parts = [cost[live]] if hard else [cost[live], [under_weight + over_weight]]
    return _Reduced(rows=rows, required=req, weight=weight, cost=cost, upper=upper, constant=constant,
                    granularity=objective_granularity(np.concatenate([np.ravel(p) for p in parts])), soft=not hard)


def _new_highs(config: SolverConfig) -> Any:
    # the pybind class itself: highspy.Highs adds a callback layer that prints a banner
    from highspy._core import _Highs

    h = _Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("random_seed", int(config.random_seed))
    if config.log_search_progress:
        h.setOptionValue("output_flag", True)
        h.setOptionValue("log_to_console", False)
    return h


def _pass_model(h: Any, red: _Reduced, integer: bool, lower: np.ndarray | None = None,
                upper: np.ndarray | None = None) -> None:
    """Columns: the counts x (n), then one shortage u per soft row; rows: coverage."""
    from highspy._core import HighsLp, HighsVarType, MatrixFormat

    m, n = red.rows.shape
    soft = red.soft
    # column-wise (CSC) arrays with numpy alone: importing scipy.sparse costs ~0.2 s, which a
    # first call with a sub-second time limit would pay inside its limit
    full = np.hstack([red.rows, np.eye(m, dtype=red.rows.dtype)]) if soft else red.rows
    col, row = np.nonzero(full.T)  # sorted by column, then row
    start = np.searchsorted(col, np.arange(full.shape[1] + 1)).astype(np.int32)
    lp = HighsLp()
    lp.num_col_ = n + (m if soft else 0)
    lp.num_row_ = m
    lp.col_cost_ = np.concatenate([red.cost, red.weight]) if soft else red.cost.astype(float)
    lo = np.zeros(n) if lower is None else lower.astype(float)
    hi = (red.upper if upper is None else upper).astype(float)
    lp.col_lower_ = np.concatenate([lo, np.zeros(m)]) if soft else lo
    lp.col_upper_ = np.concatenate([hi, red.required.astype(float)]) if soft else hi
    lp.row_lower_ = red.required.astype(float)
    lp.row_upper_ = np.full(m, _INF)
    lp.a_matrix_.format_ = MatrixFormat.kColwise
    lp.a_matrix_.start_ = start
    lp.a_matrix_.index_ = row.astype(np.int32)
    lp.a_matrix_.value_ = full[row, col].astype(float)
    if integer:
        # the shortages are integer at an optimum (integer x and r); saying so lets HiGHS see
        # that the objective is integral
        lp.integrality_ = [HighsVarType.kInteger] * lp.num_col_
    h.passModel(lp)


def _listen(h: Any, config: SolverConfig, handler: Any = None) -> None:
    """Route HiGHS' log to the logger (``log_search_progress``) and MIP events to ``handler``."""
    from highspy._core import cb

    def on_event(kind: int, msg: str, out: Any, inp: Any, _data: Any) -> None:
        if kind == cb.HighsCallbackType.kCallbackLogging:
            logger.debug("highs: %s", msg.rstrip())
        elif handler is not None:
            handler(kind, out, inp)

    h.setCallback(on_event, None)
    if config.log_search_progress:
        h.startCallback(cb.HighsCallbackType.kCallbackLogging)
    if handler is not None:
        h.startCallback(cb.HighsCallbackType.kCallbackMipImprovingSolution)
        h.startCallback(cb.HighsCallbackType.kCallbackMipInterrupt)


class _Deadline:
    """When to interrupt HiGHS: at the last of its interrupt checks before ``deadline``
    (perf_counter seconds), not the first one after it.

    HiGHS calls the MIP interrupt callback only between nodes and cut rounds, tens of
    milliseconds apart on a week of quarter-hours; stopping once the deadline has passed
    overshoots it by up to that much, a good part of a sub-second limit. So a call stops the
    search when the next check, expected one interval after this one (the last interval
    seen), would come after the deadline.
    """

    __slots__ = ("deadline", "last")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.last: float | None = None

    def passed(self, now: float) -> bool:
        step = 0.0 if self.last is None else now - self.last
        self.last = now
        return now + step >= self.deadline


def _stop_at(deadline: float) -> Any:
    """A MIP event handler that interrupts HiGHS at ``deadline`` (perf_counter seconds;
    see :class:`_Deadline`)."""
    from highspy._core import cb

    clock = _Deadline(deadline)

    def handler(kind: int, out: Any, inp: Any) -> None:
        if kind == cb.HighsCallbackType.kCallbackMipInterrupt and clock.passed(time.perf_counter()):
            inp.user_interrupt = True

    return handler


def _set_time(h: Any, deadline: float) -> bool:
    left = deadline - time.perf_counter()
    if left <= 0.0:
        return False
    h.setOptionValue("time_limit", float(h.getRunTime()) + left)
    return True


@dataclass(frozen=True, slots=True)
class HighsOutcome:
    """What :func:`solve_counts_highs` found."""

    status: SolveStatus
    counts: np.ndarray | None
    best_bound: float | None  # proven lower bound (rounded up to the granularity), not capped at the plan
    lp_bound: float | None
    progress: tuple[ProgressPoint, ...]
    parameters: dict[str, Any]


def _objective(red: _Reduced, a_rows: np.ndarray, x: np.ndarray) -> float:
    cover = a_rows @ x
    return float(red.cost @ x + red.weight @ np.maximum(red.required - cover, 0) + red.constant)


def solve_counts_highs(a: np.ndarray, r: np.ndarray, c: np.ndarray, *, under_weight: float, over_weight: float,
                       hard: bool, upper: np.ndarray, config: SolverConfig,
                       progress: ProgressCallback | None = None, origin: float | None = None) -> HighsOutcome:
    """Solve the covering model (see the module docstring); hard coverage must be feasible."""
    from highspy._core import HighsModelStatus, HighsSolution, cb

    t0 = time.perf_counter() if origin is None else origin
    deadline = t0 + float(config.time_limit_seconds)
    gap_limit = float(config.relative_gap_limit)
    red = reduce_model(a, r, c, under_weight, over_weight, hard, upper)
    m, n = red.rows.shape
    params = {"method": "highs", "max_time_in_seconds": float(config.time_limit_seconds), "num_workers": 1,
              "random_seed": int(config.random_seed), "relative_gap_limit": gap_limit,
              "log_search_progress": bool(config.log_search_progress)}
    points: list[ProgressPoint] = []
    best_x: np.ndarray | None = None
    best_obj = math.inf
    bound = -math.inf

    def offer(x: np.ndarray, report: bool = True) -> None:
        nonlocal best_x, best_obj
        obj = _objective(red, red.rows, x)
        if obj < best_obj - 1e-9 * max(1.0, abs(obj)):
            best_x, best_obj = x, obj
            if not report:
                return
            point = ProgressPoint(time.perf_counter() - t0, obj, min(bound, obj))
            points.append(point)
            logger.debug("highs: plan %.3f bound %.3f at %.3fs", obj, point.best_bound, point.wall_time_seconds)
            if progress is not None:
                progress(point)

    def done() -> bool:
        return best_obj < math.inf and (best_obj - bound) <= gap_limit * max(abs(best_obj), 1e-9) + 1e-9

    # a plan that always exists: nobody (soft) or the largest count allowed (hard)
    offer(red.upper.astype(np.int64) if hard and m else np.zeros(n, dtype=np.int64), report=False)
    lp_bound: float | None = None
    if m == 0:  # nobody is needed anywhere: nobody is optimal
        bound = lp_bound = best_obj

    # LP relaxation
    x_lp: np.ndarray | None = None
    if m and not done():
        h = _new_highs(config)
        _pass_model(h, red, integer=False)
        _listen(h, config)
        if _set_time(h, deadline):
            h.run()
            if h.getModelStatus() == HighsModelStatus.kOptimal:
                lp_bound = float(h.getInfo().objective_function_value) + red.constant
                bound = max(bound, round_bound_up(lp_bound, red.granularity, red.constant))
                x_lp = np.asarray(h.getSolution().col_value)[:n]
                # rounding the LP plan up keeps hard coverage
                offer(np.minimum(np.ceil(x_lp - 1e-6), red.upper).astype(np.int64))
    # RENS: each count between the floor and the ceiling of its LP value
    if x_lp is not None and not done():
        h = _new_highs(config)
        lo = np.floor(x_lp + 1e-6)
        hi = np.minimum(np.ceil(x_lp - 1e-6), red.upper)
        _pass_model(h, red, integer=True, lower=lo, upper=hi)
        # a first plan, not a proof: the full MILP below closes the gap
        h.setOptionValue("mip_rel_gap", max(gap_limit, RENS_GAP))
        _listen(h, config, _stop_at(deadline))
        if _set_time(h, deadline):
            h.run()
            if h.getInfo().primal_solution_status == 2:
                offer(np.round(np.asarray(h.getSolution().col_value)[:n]).astype(np.int64))
    # the full MILP from the best plan, stopped by the rounded bound
    status_code = None
    if m and not done():
        h = _new_highs(config)
        _pass_model(h, red, integer=True)
        for name, value in MIP_OPTIONS.items():
            h.setOptionValue(name, value)
        # HiGHS' own gap is on its objective without the constant: the callback applies the limit
        h.setOptionValue("mip_rel_gap", 0.0)
        start = HighsSolution()
        assert best_x is not None
        cover = red.rows @ best_x
        start.col_value = np.concatenate([best_x, np.maximum(red.required - cover, 0)]
                                         if red.soft else [best_x]).astype(float)
        start.value_valid = True
        h.setSolution(start)

        clock = _Deadline(deadline)

        def on_event(kind: int, out: Any, inp: Any) -> None:
            nonlocal bound
            if kind == cb.HighsCallbackType.kCallbackMipImprovingSolution:
                offer(np.round(np.asarray(out.mip_solution)[:n]).astype(np.int64))
                return
            if math.isfinite(out.mip_dual_bound):
                bound = max(bound, round_bound_up(float(out.mip_dual_bound) + red.constant,
                                                  red.granularity, red.constant))
            # HiGHS checks its own time limit between nodes only: a long node overshoots it
            if done() or clock.passed(time.perf_counter()):
                inp.user_interrupt = True

        _listen(h, config, on_event)
        if _set_time(h, deadline):
            h.run()
            status_code = h.getModelStatus()
            info = h.getInfo()
            if info.primal_solution_status == 2:
                offer(np.round(np.asarray(h.getSolution().col_value)[:n]).astype(np.int64))
            if math.isfinite(info.mip_dual_bound):
                bound = max(bound, round_bound_up(float(info.mip_dual_bound) + red.constant, red.granularity,
                                                  red.constant))
    logger.debug("highs: status %s, plan %.3f, bound %.3f", status_code, best_obj, bound)
    assert best_x is not None
    best_bound = bound if math.isfinite(bound) else None
    proven = best_bound is not None and best_bound >= best_obj - 1e-9 * max(1.0, abs(best_obj))
    return HighsOutcome(status=SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE, counts=best_x,
                        best_bound=best_bound, lp_bound=lp_bound, progress=tuple(points), parameters=params)


__all__ = ["objective_granularity", "round_bound_up", "solve_counts_highs"]
