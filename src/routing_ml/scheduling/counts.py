"""How many people on each shift: the classic covering model on HiGHS or CP-SAT, with its bounds.

    minimise   sum_j cost_j x_j + w_under sum_t u_t + w_over sum_t o_t
    subject to sum_j A_tj x_j + u_t - o_t = required_t,   x_j integer >= 0,  u, o >= 0
               (u_t = 0 for every t with ``hard_coverage=True``)

``method="highs"`` (the default through ``"auto"``) solves it by branch-and-cut on HiGHS
(:mod:`routing_ml.scheduling._counts_highs`); ``method="cp-sat"`` builds the CP-SAT model of
:func:`build_shift_count_model`.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from routing_ml.scheduling._base import (
    ProgressCallback,
    ProgressPoint,
    ScheduleInputError,
    SolverConfig,
    SolveStatus,
    check_weight,
    make_progress_callback,
    make_solver,
    raise_infeasible,
    relative_gap,
    solver_parameters,
    status_from_cp_sat,
)
from routing_ml.scheduling._counts_highs import (
    objective_granularity,
    round_bound_up,
    solve_counts_highs,
)

if TYPE_CHECKING:  # pragma: no cover
    from ortools.sat.python import cp_model

logger = logging.getLogger(__name__)


def _integer_scale(values: np.ndarray) -> int:
    """Smallest power of ten (<= 1e4) that makes every value an integer; 1e4 otherwise."""
    for scale in (1, 10, 100, 1000, 10000):
        scaled = values * scale
        if np.all(np.abs(scaled - np.round(scaled)) < 1e-9 * np.maximum(1.0, np.abs(scaled))):
            return scale
    logger.info("objective coefficients rounded to 1e-4; the reported objective is exact")
    return 10000


#: larger head counts per period are an input error (and would overflow the solvers' integers)
MAX_HEAD_COUNT = 1_000_000_000


def _validate(coverage: Any, required: Any, cost: Any, under_weight: float, over_weight: float,
              max_count: int | None, hard_coverage: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], pd.Index]:
    if isinstance(coverage, pd.DataFrame):
        labels = [str(c) for c in coverage.columns]
        periods = coverage.index
        frame = coverage
    else:
        try:
            arr = np.asarray(coverage, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ScheduleInputError(f"coverage must be a 2-D numeric 0/1 array, got {type(coverage).__name__}.") from exc
        if arr.ndim != 2:
            raise ScheduleInputError(f"coverage must be 2-D (periods x shifts), got shape {arr.shape}.")
        frame = pd.DataFrame(arr)
        labels = [f"shift_{j}" for j in range(arr.shape[1])]
        periods = pd.RangeIndex(arr.shape[0], name="period")
    a = frame.to_numpy(dtype=float)
    if a.size == 0 or a.shape[1] == 0:
        raise ScheduleInputError(f"coverage has shape {a.shape}; it needs at least one period and one shift.")
    bad = ~np.isin(a, (0.0, 1.0))
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ScheduleInputError(
            f"coverage must hold only 0/1 (1 = the shift covers the period); found {a[i, j]!r} at "
            f"period {periods[i]!r}, shift {labels[j]!r} ({int(bad.sum())} bad cells). "
            f"Fix: (coverage > 0).astype(int)."
        )
    if isinstance(required, pd.DataFrame):
        # one column of head counts is that Series (matched by its index, as below)
        if required.shape[1] != 1:
            raise ScheduleInputError(
                f"required is a DataFrame with {required.shape[1]} columns "
                f"{[str(c) for c in required.columns][:5]}; give one column of head counts "
                f"per period (e.g. requirements['agents']).")
        required = required.iloc[:, 0]
    # a Series is matched to the coverage rows by its index, never by position; with an
    # array coverage the periods are 0..n-1, and a Series indexed by them in another order
    # (after a sort) is put back in their order
    by_label = isinstance(coverage, pd.DataFrame) or (
        isinstance(required, pd.Series) and len(required) == len(periods)
        and pd.api.types.is_integer_dtype(required.index)
        and required.index.isin(periods).all() and required.index.is_unique)
    if isinstance(required, pd.Series) and by_label and not required.index.equals(periods):
        if len(required) != len(periods) or not required.index.is_unique \
                or not required.index.isin(periods).all():
            raise ScheduleInputError(
                "required is a Series whose index does not match coverage's index (periods); "
                "Fix: index both by the same periods, or pass required as a plain array in the "
                "row order of coverage.")
        required = required.reindex(periods)
    try:
        r = np.asarray(required, dtype=float).ravel() if not isinstance(required, pd.Series) \
            else required.to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise ScheduleInputError(f"required must hold numbers (head counts per period): {exc}.") from exc
    if r.shape[0] != a.shape[0]:
        raise ScheduleInputError(f"required has {r.shape[0]} periods but coverage has {a.shape[0]} rows; they must match.")
    for name, test, fix in (
        ("NaN", np.isnan(r), "fill with 0 or drop the period from both inputs"),
        ("infinite", np.isinf(r), "give a finite head count"),
        ("negative", r < 0, "requirements are head counts >= 0"),
        ("fractional", np.isfinite(r) & (r != np.round(r)), "round up with np.ceil(required)"),
    ):
        if test.any():
            i = int(np.argmax(test))
            raise ScheduleInputError(
                f"required has {name} values ({int(test.sum())}), first at period {periods[i]!r}: "
                f"{r[i]!r}. Fix: {fix}.")
    c = _cost_by_label(cost, labels, positional=not isinstance(coverage, pd.DataFrame))
    if c.shape[0] != a.shape[1]:
        raise ScheduleInputError(f"cost has {c.shape[0]} entries but coverage has {a.shape[1]} shifts; give one cost per shift.")
    if not np.all(np.isfinite(c)) or (c < 0).any():
        j = int(np.argmax(~np.isfinite(c) | (c < 0)))
        raise ScheduleInputError(
            f"cost must be finite and >= 0; shift {labels[j]!r} has cost {c[j]!r}. "
            f"Fix: a cost is what one person on the shift costs; use 0 for free shifts.")
    too_many = r > MAX_HEAD_COUNT
    if too_many.any():
        i = int(np.argmax(too_many))
        raise ScheduleInputError(
            f"required has head counts above {MAX_HEAD_COUNT:,} ({int(too_many.sum())}), first "
            f"at period {periods[i]!r}: {r[i]!r}. Fix: requirements are agents per period; "
            f"check the column (calls or seconds instead of agents?).")
    for name, w in (("under_weight", under_weight), ("over_weight", over_weight)):
        if not (isinstance(w, int | float | np.integer | np.floating) and not isinstance(w, bool)
                and math.isfinite(w) and w >= 0):
            raise ScheduleInputError(f"{name} must be a finite number >= 0, got {w!r}.")
    if max_count is not None and (not isinstance(max_count, int | np.integer)
                                  or isinstance(max_count, bool) or max_count < 0):
        raise ScheduleInputError(f"max_count must be an integer >= 0 or None, got {max_count!r}.")
    if not isinstance(hard_coverage, bool | np.bool_):
        raise ScheduleInputError(
            f"hard_coverage must be True or False, got {hard_coverage!r} (any non-empty text, "
            f"'no' included, would read as True).")
    return a.astype(np.int8), r.astype(np.int64), c, labels, periods


def _cost_by_label(cost: Any, labels: list[str], *, positional: bool) -> np.ndarray:
    """Costs in the order of the coverage columns ``labels``. A Series is matched by label
    (reordered when its labels are the columns in another order), never by position; with
    an array coverage (no column labels) its index must be 0..n-1 or the ``shift_j`` labels."""
    if not isinstance(cost, pd.Series):
        try:
            return np.asarray(cost, dtype=float).ravel()
        except (TypeError, ValueError) as exc:
            raise ScheduleInputError(f"cost must hold numbers (one cost per shift): {exc}.") from exc
    if positional and cost.index.equals(pd.RangeIndex(len(labels))):
        return cost.to_numpy(dtype=float)
    index = [str(i) for i in cost.index]
    if len(set(index)) != len(index):
        dup = sorted({i for i in index if index.count(i) > 1})
        raise ScheduleInputError(f"cost Series has duplicated labels {dup[:5]}; give one cost per shift.")
    missing = [lab for lab in labels if lab not in set(index)]
    extra = [i for i in index if i not in set(labels)]
    if missing or extra:
        raise ScheduleInputError(
            f"cost Series labels do not match the coverage columns: missing {missing[:5]}"
            f"{' ...' if len(missing) > 5 else ''} ({len(missing)}), extra {extra[:5]}"
            f"{' ...' if len(extra) > 5 else ''} ({len(extra)}). Fix: index the costs by the "
            f"coverage column labels (as shift_coverage_matrix returns them), or pass a plain "
            f"array in column order.")
    return pd.Series(cost.to_numpy(dtype=float), index=index).reindex(labels).to_numpy(dtype=float)


def _upper_bounds(a: np.ndarray, r: np.ndarray, max_count: int | None) -> np.ndarray:
    """A shift never needs more people than the largest requirement it covers."""
    ub = np.where(a.astype(bool), r[:, None], 0).max(axis=0, initial=0).astype(np.int64)
    return ub if max_count is None else np.minimum(ub, max_count)


@dataclass(eq=False)
class ShiftCountModel:
    """A built (not yet solved) covering model; ``model`` is the CP-SAT ``CpModel``."""

    model: cp_model.CpModel
    counts: list[Any]
    under: list[Any]  # None where nothing is required or coverage is hard
    over: list[Any]  # empty: over-staffing is substituted out of the model
    scale: int
    coverage: np.ndarray
    required: np.ndarray
    cost: np.ndarray
    under_weight: float
    over_weight: float
    hard_coverage: bool
    labels: list[str]
    periods: pd.Index
    upper_bounds: np.ndarray = field(repr=False)


def build_shift_count_model(
    coverage: Any,
    required: Any,
    cost: Any,
    *,
    under_weight: float = 1000.0,
    over_weight: float = 1.0,
    hard_coverage: bool = False,
    max_count: int | None = None,
) -> ShiftCountModel:
    """Validate the inputs and build the covering model (no solve).

    Parameters are those of :func:`solve_shift_counts`.

    Raises
    ------
    ScheduleInputError
        Non-0/1 coverage; NaN, negative or fractional ``required``; negative or non-finite
        ``cost``; shape mismatches; negative weights.
    """
    from ortools.sat.python import cp_model

    a, r, c, labels, periods = _validate(coverage, required, cost, under_weight, over_weight,
                                         max_count, hard_coverage)
    # CP-SAT's integer coefficients (HiGHS works in floats: no such limit there)
    if c.size:
        j = int(np.argmax(c))
        check_weight(float(c[j]), f"cost of shift {labels[j]!r}")
    for name, w in (("under_weight", under_weight), ("over_weight", over_weight)):
        check_weight(float(w), name)
    n_t, n_j = a.shape
    ub = _upper_bounds(a, r, max_count)
    scale = _integer_scale(np.concatenate([c, [under_weight, over_weight]]))
    ci = np.round(c * scale).astype(np.int64)
    wu, wo = round(under_weight * scale), round(over_weight * scale)
    m = cp_model.CpModel()
    x = [m.new_int_var(0, int(ub[j]), f"n[{labels[j]}]") for j in range(n_j)]
    # over-staffing is eliminated: at the optimum u_t = max(0, r_t - (Ax)_t), so
    # o_t = (Ax)_t + u_t - r_t and w_o * sum(o) = w_o * (sum_t (Ax)_t + sum(u) - sum(r)).
    u: list[Any] = []
    cols = [np.flatnonzero(a[t]) for t in range(n_t)]
    for t in range(n_t):
        if r[t] <= 0:
            u.append(None)
            continue
        covered = cp_model.LinearExpr.sum([x[j] for j in cols[t]])
        if hard_coverage:
            m.add(covered >= int(r[t]))
            u.append(None)
            continue
        ut = m.new_int_var(0, int(r[t]), f"under[{t}]")
        m.add(covered + ut >= int(r[t]))
        u.append(ut)
    col_cov = a.sum(axis=0).astype(np.int64)
    coefs = [int(ci[j] + wo * col_cov[j]) for j in range(n_j)]
    under_vars = [v for v in u if v is not None]
    m.minimize(cp_model.LinearExpr.weighted_sum(x, coefs)
               + (wu + wo) * cp_model.LinearExpr.sum(under_vars) - wo * int(r.sum()))
    o: list[Any] = []
    return ShiftCountModel(model=m, counts=x, under=u, over=o, scale=scale, coverage=a,
                           required=r, cost=c, under_weight=float(under_weight),
                           over_weight=float(over_weight), hard_coverage=hard_coverage,
                           labels=labels, periods=periods, upper_bounds=ub)


def _rounding_error(built: ShiftCountModel) -> float:
    """Largest amount (cost units) by which the objective CP-SAT minimises (coefficients
    scaled by ``built.scale`` and rounded) can exceed the true objective over the model's
    domain; 0 when the scale makes every coefficient an integer. CP-SAT's bound minus it
    is a valid bound on the true objective."""
    sc = built.scale
    wu, wo = round(built.under_weight * sc), round(built.over_weight * sc)
    col_cov = built.coverage.sum(axis=0).astype(np.int64)
    d_x = (np.round(built.cost * sc) + wo * col_cov) / sc - (built.cost + built.over_weight * col_cov)
    d_u = (wu + wo) / sc - (built.under_weight + built.over_weight)
    d_0 = -(wo / sc - built.over_weight) * float(built.required.sum())
    under_max = float(sum(built.required[t] for t, v in enumerate(built.under) if v is not None))
    err = float(np.maximum(d_x * built.upper_bounds, 0.0).sum()) + max(d_u * under_max, 0.0) + d_0
    return max(err, 0.0) if abs(err) > 1e-12 else 0.0


def lp_relaxation_bound(built: ShiftCountModel) -> float | None:
    """Optimal value of the LP relaxation (scipy HiGHS), a lower bound on the objective.

    Returns None when the LP is infeasible (hard coverage of a period no shift covers).
    """
    from scipy import sparse
    from scipy.optimize import linprog

    a = sparse.csr_matrix(built.coverage.astype(float))
    n_t, n_j = a.shape
    eye = sparse.identity(n_t, format="csr")
    a_eq = sparse.hstack([a, eye, -eye], format="csr")
    obj = np.concatenate([built.cost, np.full(n_t, built.under_weight), np.full(n_t, built.over_weight)])
    bounds = ([(0, float(b)) for b in built.upper_bounds]
              + [(0, 0 if built.hard_coverage else float(rt)) for rt in built.required]
              + [(0, None)] * n_t)
    res = linprog(obj, A_eq=a_eq, b_eq=built.required.astype(float), bounds=bounds, method="highs")
    if res.status != 0:
        return None
    return float(res.fun)


@dataclass(frozen=True, slots=True, kw_only=True)
class ShiftCountResult:
    """Result of :func:`solve_shift_counts`.

    Attributes
    ----------
    status : :class:`SolveStatus`.
    objective : cost + weighted under/over-staffing of the plan (None without a plan).
    best_bound : best proven lower bound: the LP bound, the solver's bound (HiGHS' MILP dual
        bound with its cuts, or CP-SAT's), each rounded up to the objective's granularity when
        every cost and weight is a multiple of a common value (then so is every plan's objective).
    lp_bound : LP-relaxation optimum (HiGHS); None if the LP is infeasible or was not solved.
    gap : ``(objective - best_bound) / objective`` (0 when optimal).
    wall_time_seconds : build + LP bound + solve time.
    counts : Series, people per shift (index = shift labels).
    coverage : DataFrame with columns ``period``, ``required``, ``scheduled``, ``gap``
        (``scheduled - required``; negative = under-staffed).
    uncovered : the rows of ``coverage`` with ``gap < 0``.
    cost : total shift cost of the plan.
    reason : why the problem is infeasible (hard coverage), else None.
    solver_parameters : the parameters the solve ran with.
    progress : improving solutions (time, objective, bound).
    method : ``"highs"`` or ``"cp-sat"``: the solver that ran.
    """

    status: SolveStatus
    objective: float | None
    best_bound: float | None
    lp_bound: float | None
    gap: float | None
    wall_time_seconds: float
    counts: pd.Series
    coverage: pd.DataFrame
    uncovered: pd.DataFrame
    cost: float | None
    reason: str | None
    solver_parameters: dict[str, Any]
    progress: tuple[ProgressPoint, ...]
    method: str = "cp-sat"

    def raise_for_status(self) -> ShiftCountResult:
        """Return self, or raise ``InfeasibleScheduleError`` when there is no solution."""
        raise_infeasible(self.status, self.reason, "solve_shift_counts")
        return self


_METHODS = ("auto", "highs", "cp-sat")


def _pick_method(method: str, config: SolverConfig) -> str:
    if method not in _METHODS:
        raise ScheduleInputError(f"method must be one of {list(_METHODS)}, got {method!r}.")
    if config.extra_parameters:
        if method == "highs":
            raise ScheduleInputError(
                "SolverConfig.extra_parameters are CP-SAT parameters; method='highs' cannot use them. "
                "Fix: method='cp-sat' (or 'auto'), or drop extra_parameters.")
        return "cp-sat"  # the caller tunes CP-SAT
    return "cp-sat" if method == "cp-sat" else "highs"


def _objective_lattice(a: np.ndarray, r: np.ndarray, c: np.ndarray, ub: np.ndarray, under_weight: float,
                       over_weight: float, hard: bool) -> tuple[float, float]:
    """(granularity, constant): every plan's objective is ``constant + k * granularity``
    (``k`` integer; granularity 0 when there is none), with over-staffing substituted as in
    :func:`~routing_ml.scheduling._counts_highs.reduce_model`."""
    live = ub > 0
    g = objective_granularity(np.concatenate([c[live] + over_weight * a.sum(axis=0)[live],
                                              [] if hard else [under_weight + over_weight]]))
    return g, -over_weight * float(r.sum())


def _infeasible_reason(a: np.ndarray, r: np.ndarray, periods: pd.Index) -> str:
    nocover = np.flatnonzero((a.sum(axis=1) == 0) & (r > 0))
    if nocover.size:
        return (f"hard coverage: {nocover.size} period(s) need agents but no shift covers them "
                f"(first: period {periods[nocover[0]]!r} needs {int(r[nocover[0]])}). "
                f"Fix: add a shift covering them or use hard_coverage=False.")
    return "hard coverage cannot be met within max_count. Fix: raise max_count or use hard_coverage=False."


def _assemble(*, status: SolveStatus, counts_arr: np.ndarray, a: np.ndarray, r: np.ndarray, c: np.ndarray,
              under_weight: float, over_weight: float, labels: list[str], periods: pd.Index,
              bounds: list[float | None], lp: float | None, reason: str | None, params: dict[str, Any],
              points: tuple[ProgressPoint, ...], method: str, t0: float) -> ShiftCountResult:
    """The result frames, the objective recomputed from the counts, the best bound and the gap."""
    scheduled = a.astype(np.int64) @ counts_arr
    cov = pd.DataFrame({"period": periods, "required": r, "scheduled": scheduled, "gap": scheduled - r})
    objective: float | None = None
    best: float | None = None
    gap: float | None = None
    total_cost: float | None = None
    if status.has_solution:
        total_cost = float(c @ counts_arr)
        under = np.clip(r - scheduled, 0, None).sum()
        over = np.clip(scheduled - r, 0, None).sum()
        objective = total_cost + under_weight * under + over_weight * over
        known = [b for b in bounds if b is not None and math.isfinite(b)]
        best = max(known) if known else None
        if best is not None and best > objective - 1e-9 * max(1.0, abs(objective)):
            best = objective  # proven (or rounding of scaled costs)
        if status is SolveStatus.OPTIMAL and best is not None and best < objective:
            # CP-SAT says OPTIMAL when it stops at relative_gap_limit: not proven here
            status = SolveStatus.FEASIBLE
        gap = relative_gap(objective, best)
    elif reason:
        total_cost = float(c @ counts_arr)
    wall = time.perf_counter() - t0
    logger.debug("shift counts (%s): %s objective=%s bound=%s in %.2fs", method, status.value, objective, best,
                 wall)
    return ShiftCountResult(
        status=status, objective=objective, best_bound=best, lp_bound=lp, gap=gap,
        wall_time_seconds=wall, counts=pd.Series(counts_arr, index=labels, name="agents"),
        coverage=cov, uncovered=cov[cov["gap"] < 0].reset_index(drop=True), cost=total_cost,
        reason=reason, solver_parameters=params, progress=points, method=method,
    )


def _solve_highs(a: np.ndarray, r: np.ndarray, c: np.ndarray, ub: np.ndarray, *, under_weight: float,
                 over_weight: float, hard_coverage: bool, labels: list[str], periods: pd.Index,
                 config: SolverConfig, progress: ProgressCallback | None, t0: float) -> ShiftCountResult:
    common = {"a": a, "r": r, "c": c, "under_weight": under_weight, "over_weight": over_weight,
              "labels": labels, "periods": periods, "method": "highs", "t0": t0}
    if hard_coverage and np.any(a.astype(np.int64) @ ub < r):
        # covering is infeasible exactly when even the largest counts allowed fall short
        partial = solve_counts_highs(a, r, c, under_weight=under_weight, over_weight=over_weight, hard=False,
                                     upper=ub, config=config, origin=t0)
        assert partial.counts is not None
        return _assemble(status=SolveStatus.INFEASIBLE, counts_arr=partial.counts, bounds=[], lp=None,
                         reason=_infeasible_reason(a, r, periods), params=partial.parameters, points=(),
                         **common)
    out = solve_counts_highs(a, r, c, under_weight=under_weight, over_weight=over_weight, hard=hard_coverage,
                             upper=ub, config=config, progress=progress, origin=t0)
    assert out.counts is not None
    # the LP bound rounded up to the granularity of the objective over the original periods
    # (the reduced model's granularity may be coarser; both are valid)
    g, constant = _objective_lattice(a, r, c, ub, under_weight, over_weight, hard_coverage)
    lp_rounded = None if out.lp_bound is None else round_bound_up(out.lp_bound, g, constant)
    return _assemble(status=out.status, counts_arr=out.counts, bounds=[out.best_bound, lp_rounded],
                     lp=out.lp_bound, reason=None, params=out.parameters, points=out.progress, **common)


def _solve_cp_sat(built: ShiftCountModel, config: SolverConfig, progress: ProgressCallback | None,
                  t0: float) -> ShiftCountResult:
    lp = lp_relaxation_bound(built)
    solver = make_solver(config)
    gap_limit = config.relative_gap_limit
    a, r = built.coverage, built.required
    g, constant = _objective_lattice(a, r, built.cost, built.upper_bounds, built.under_weight,
                                     built.over_weight, built.hard_coverage)
    lp_rounded = None if lp is None else round_bound_up(lp, g, constant)

    def on_point(point: ProgressPoint) -> None:
        if progress is not None:
            progress(point)
        # CP-SAT does not know the LP bound: stop once it proves the gap limit
        if lp_rounded is not None and gap_limit > 0 and point.objective > 0 and \
                (point.objective - lp_rounded) / point.objective <= gap_limit:
            cb.stop_search()

    cb, points = make_progress_callback(built.scale, 0.0, on_point)
    # one budget from t0: the model build and the LP bound have used part of it
    solver.parameters.max_time_in_seconds = max(
        0.01, float(config.time_limit_seconds) - (time.perf_counter() - t0))
    code = solver.solve(built.model, cb)
    status = status_from_cp_sat(code)
    common = {"a": a, "r": r, "c": built.cost, "under_weight": built.under_weight,
              "over_weight": built.over_weight, "labels": built.labels, "periods": built.periods,
              "method": "cp-sat", "t0": t0}
    params = {"method": "cp-sat", **solver_parameters(solver),
              "max_time_in_seconds": float(config.time_limit_seconds)}  # not the time left
    if not status.has_solution and built.hard_coverage and status is SolveStatus.INFEASIBLE:
        # best partial plan: the same model with soft coverage
        soft = build_shift_count_model(pd.DataFrame(a, index=built.periods, columns=built.labels), r,
                                       built.cost, under_weight=built.under_weight,
                                       over_weight=built.over_weight, hard_coverage=False,
                                       max_count=int(built.upper_bounds.max(initial=0)))
        partial = _solve_cp_sat(soft, config, None, t0)
        return _assemble(status=status, counts_arr=partial.counts.to_numpy(), bounds=[], lp=lp,
                         reason=_infeasible_reason(a, r, built.periods), params=params,
                         points=tuple(points), **common)
    if not status.has_solution and not built.hard_coverage and status is SolveStatus.UNKNOWN:
        # out of time before a first plan: nobody on any shift is a plan soft coverage
        # allows (every period under-staffed), with CP-SAT's bound if it proved one
        logger.warning("shift counts (cp-sat): no plan within the time limit; returning the "
                       "empty plan. Fix: a longer time_limit_seconds, or method='highs'.")
        status = SolveStatus.FEASIBLE
        counts_arr = np.zeros(len(built.counts), dtype=np.int64)
        return _assemble(status=status, counts_arr=counts_arr, bounds=[lp_rounded], lp=lp,
                         reason=None, params=params, points=tuple(points), **common)
    if status.has_solution:
        counts_arr = np.array([solver.value(v) for v in built.counts], dtype=np.int64)
        # the bound of the rounded objective, less what rounding can add (0 when exact)
        cp_bound = round_bound_up(solver.best_objective_bound / built.scale
                                  - _rounding_error(built), g, constant)
    else:
        counts_arr = np.zeros(len(built.counts), dtype=np.int64)
        cp_bound = None
    return _assemble(status=status, counts_arr=counts_arr, bounds=[cp_bound, lp_rounded], lp=lp, reason=None,
                     params=params, points=tuple(points), **common)


def solve_shift_count_model(
    built: ShiftCountModel,
    config: SolverConfig | None = None,
    *,
    progress: ProgressCallback | None = None,
    method: str = "auto",
) -> ShiftCountResult:
    """Solve a model from :func:`build_shift_count_model`; see :func:`solve_shift_counts`."""
    config = config or SolverConfig()
    t0 = time.perf_counter()
    if _pick_method(method, config) == "cp-sat":
        return _solve_cp_sat(built, config, progress, t0)
    return _solve_highs(built.coverage, built.required, built.cost, built.upper_bounds,
                        under_weight=built.under_weight, over_weight=built.over_weight,
                        hard_coverage=built.hard_coverage, labels=built.labels, periods=built.periods,
                        config=config, progress=progress, t0=t0)


def solve_shift_counts(
    coverage: Any,
    required: Any,
    cost: Any,
    *,
    under_weight: float = 1000.0,
    over_weight: float = 1.0,
    hard_coverage: bool = False,
    max_count: int | None = None,
    config: SolverConfig | None = None,
    progress: ProgressCallback | None = None,
    method: str = "auto",
) -> ShiftCountResult:
    """How many people to put on each shift (integer covering on HiGHS or CP-SAT).

    Parameters
    ----------
    coverage : (periods x shifts) 0/1 array or DataFrame; 1 where the shift covers the
        period. :func:`~routing_ml.scheduling.shift_coverage_matrix` builds it from
        templates, including weekly tours and cross-midnight shifts (its period 0 is a
        Monday 00:00).
    required : agents required in each period (integers >= 0), aligned with the rows of
        ``coverage`` (from a Monday 00:00 with ``shift_coverage_matrix``).
    cost : cost of one person on each shift (>= 0), e.g. paid hours x cost per hour.
    under_weight : penalty per missing agent-period (soft coverage).
    over_weight : penalty per surplus agent-period.
    hard_coverage : forbid under-staffing; if impossible the result is INFEASIBLE with a
        ``reason`` and the best partial (soft) plan in ``counts``/``uncovered``.
    max_count : upper bound on people per shift (default: the largest requirement the
        shift covers).
    config : :class:`SolverConfig` (time limit, workers, seed, gap limit).
    progress : called with a :class:`ProgressPoint` at each improving solution.
    method : ``"auto"`` (default) is ``"highs"``, or ``"cp-sat"`` when ``config`` carries
        CP-SAT ``extra_parameters``. ``"highs"``: LP bound, a first plan from the LP (RENS),
        then HiGHS branch-and-cut from that plan, stopped as soon as the plan is within
        ``relative_gap_limit`` of the bound; one thread, so ``num_workers`` is met by any
        value. ``"cp-sat"``: the CP-SAT model of :func:`build_shift_count_model`, all
        ``config`` fields passed to CP-SAT.

    Returns
    -------
    ShiftCountResult
        counts, objective, ``best_bound`` (the best of the LP bound and the solver's bound,
        rounded up to the objective's granularity), ``lp_bound``, ``gap``, ``status``,
        ``wall_time_seconds`` and the coverage frame (``period``, ``required``, ``scheduled``,
        ``gap``).

    Raises
    ------
    ScheduleInputError
        Bad inputs (before any solver runs): see :func:`build_shift_count_model`; an unknown
        ``method``; ``extra_parameters`` with ``method="highs"``.
    """
    config = config or SolverConfig()
    t0 = time.perf_counter()
    if _pick_method(method, config) == "cp-sat":
        built = build_shift_count_model(coverage, required, cost, under_weight=under_weight,
                                        over_weight=over_weight, hard_coverage=hard_coverage,
                                        max_count=max_count)
        return _solve_cp_sat(built, config, progress, t0)
    a, r, c, labels, periods = _validate(coverage, required, cost, under_weight, over_weight,
                                         max_count, hard_coverage)
    return _solve_highs(a, r, c, _upper_bounds(a, r, max_count), under_weight=float(under_weight),
                        over_weight=float(over_weight), hard_coverage=hard_coverage, labels=labels,
                        periods=periods, config=config, progress=progress, t0=t0)
