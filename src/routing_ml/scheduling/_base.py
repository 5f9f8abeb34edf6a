"""Shared pieces of the scheduling room: status enum, solver configuration, progress, errors.

Nothing here imports OR-Tools at module level; :func:`make_solver` imports it when called.
"""

from __future__ import annotations

import enum
import logging
import math
import numbers
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from routing_ml.errors import InfeasibleScheduleError, RoutingMLError

if TYPE_CHECKING:  # pragma: no cover
    from ortools.sat.python import cp_model

logger = logging.getLogger(__name__)

#: Objective coefficients are scaled by this factor (the roster model by a multiple of it
#: that makes its coefficients exact, ``RosterModel.scale``) and rounded to integers for CP-SAT.
OBJECTIVE_SCALE = 100


class ScheduleInputError(RoutingMLError, ValueError):
    """A scheduling input (requirements, agents, shifts, rules, weights, costs) is invalid.

    Raised before any solver runs; the message names the input, the offending value and the fix.
    """


#: the largest cost per hour, cost or objective weight the CP-SAT models accept (cost
#: units): they scale coefficients to integers, and much larger ones overflow their 64-bit
#: arithmetic (a silent MODEL_INVALID at 1e15). Only the ratios of the weights matter.
MAX_WEIGHT = 1e9


def check_weight(value: float, what: str) -> None:
    """ScheduleInputError when ``value`` (already a finite number >= 0) is above
    ``MAX_WEIGHT``; ``what`` names it."""
    if value > MAX_WEIGHT:
        raise ScheduleInputError(
            f"{what} = {value:g} is above {MAX_WEIGHT:g}: the solvers' integer arithmetic "
            f"would overflow. Fix: scale every cost and weight down by one common factor "
            f"(only their ratios matter), e.g. costs in thousands.")


class SolveStatus(enum.Enum):
    """Outcome of a solve, independent of the raw CP-SAT integer codes."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"  # a solution, not proven optimal (time or gap limit)
    INFEASIBLE = "infeasible"  # hard rules cannot all hold; see the result's ``reason``
    UNKNOWN = "unknown"  # no solution found within the limits
    MODEL_INVALID = "model_invalid"

    @property
    def has_solution(self) -> bool:
        """True for OPTIMAL and FEASIBLE."""
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


def status_from_cp_sat(code: Any) -> SolveStatus:
    """Map a CP-SAT status code to :class:`SolveStatus`."""
    from ortools.sat.python import cp_model

    return {
        cp_model.OPTIMAL: SolveStatus.OPTIMAL,
        cp_model.FEASIBLE: SolveStatus.FEASIBLE,
        cp_model.INFEASIBLE: SolveStatus.INFEASIBLE,
        cp_model.MODEL_INVALID: SolveStatus.MODEL_INVALID,
    }.get(code, SolveStatus.UNKNOWN)


@dataclass(frozen=True, slots=True, kw_only=True)
class SolverConfig:
    """CP-SAT parameters, passed through to ``solver.parameters`` unchanged.

    Parameters
    ----------
    time_limit_seconds : wall-clock limit of one solve (``max_time_in_seconds``).
    num_workers : search workers; 0 lets CP-SAT use all cores. Multi-worker search is not
        deterministic. With 1 worker and a fixed ``random_seed`` a solve is reproducible when
        it ends by optimality or ``relative_gap_limit``; one that reaches the wall-clock
        ``time_limit_seconds`` depends on the machine's speed and load. For a reproducible
        limit on CP-SAT's search use ``extra_parameters={"max_deterministic_time": ...}``
        with a generous ``time_limit_seconds``.
    random_seed : CP-SAT ``random_seed``.
    relative_gap_limit : stop when ``|objective - bound| / |objective|`` is below this
        (``relative_gap_limit``); 0 proves optimality.
    log_search_progress : let CP-SAT log its search (to the ``routing_ml`` logger at DEBUG).
    extra_parameters : any other ``SatParameters`` field by name (e.g.
        ``{"cp_model_probing_level": 2}``); overrides the model-specific defaults.
    """

    time_limit_seconds: float = 30.0
    num_workers: int = 0
    random_seed: int = 0
    relative_gap_limit: float = 0.0
    log_search_progress: bool = False
    extra_parameters: tuple[tuple[str, Any], ...] | dict[str, Any] = ()

    def __post_init__(self) -> None:
        if not (isinstance(self.time_limit_seconds, int | float)
                and math.isfinite(self.time_limit_seconds) and self.time_limit_seconds > 0):
            raise ScheduleInputError(
                f"SolverConfig.time_limit_seconds must be a positive number of seconds, got "
                f"{self.time_limit_seconds!r}. Fix: e.g. time_limit_seconds=60."
            )
        if not isinstance(self.num_workers, int) or self.num_workers < 0:
            raise ScheduleInputError(
                f"SolverConfig.num_workers must be an integer >= 0 (0 = all cores), got "
                f"{self.num_workers!r}. Fix: num_workers=1 for reproducible runs."
            )
        if not isinstance(self.random_seed, int) or self.random_seed < 0:
            raise ScheduleInputError(
                f"SolverConfig.random_seed must be an integer >= 0, got {self.random_seed!r}."
            )
        extra = dict(self.extra_parameters)
        object.__setattr__(self, "extra_parameters", tuple(sorted(extra.items())))
        gap = self.relative_gap_limit
        if not (isinstance(gap, numbers.Real) and not isinstance(gap, bool)
                and math.isfinite(gap) and 0.0 <= gap < 1.0):
            raise ScheduleInputError(
                f"SolverConfig.relative_gap_limit must be in [0, 1), got "
                f"{self.relative_gap_limit!r}. Fix: e.g. relative_gap_limit=0.01 for 1%."
            )


def make_solver(config: SolverConfig, defaults: dict[str, Any] | None = None) -> cp_model.CpSolver:
    """A ``CpSolver`` with every field of ``config`` set on ``solver.parameters``.

    ``defaults`` are model-specific parameters applied first; ``config.extra_parameters``
    override them.
    """
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    params = solver.parameters
    for name, value in {**(defaults or {}), **dict(config.extra_parameters)}.items():
        if not hasattr(params, name):
            raise ScheduleInputError(
                f"SolverConfig.extra_parameters: {name!r} is not a CP-SAT parameter. "
                f"Fix: use a field name of ortools.sat.sat_parameters_pb2.SatParameters.")
        if isinstance(value, list | tuple):  # repeated field, e.g. subsolvers
            getattr(params, name).clear()
            getattr(params, name).extend(list(value))
        else:
            setattr(params, name, value)
    params.max_time_in_seconds = float(config.time_limit_seconds)
    params.num_workers = int(config.num_workers)
    params.random_seed = int(config.random_seed)
    params.relative_gap_limit = float(config.relative_gap_limit)
    params.log_search_progress = bool(config.log_search_progress)
    if config.log_search_progress:
        params.log_to_stdout = False
        solver.log_callback = lambda line: logger.debug("cp-sat: %s", line)
    return solver


def solver_parameters(solver: cp_model.CpSolver) -> dict[str, Any]:
    """The parameters the solver actually ran with (read back from ``solver.parameters``)."""
    p = solver.parameters
    return {
        "max_time_in_seconds": p.max_time_in_seconds,
        "num_workers": p.num_workers,
        "random_seed": p.random_seed,
        "relative_gap_limit": p.relative_gap_limit,
        "log_search_progress": p.log_search_progress,
    }


@dataclass(frozen=True, slots=True)
class ProgressPoint:
    """One improving solution: seconds since the solve started, its objective, the bound."""

    wall_time_seconds: float
    objective: float
    best_bound: float


#: ``progress(point)`` is called at every improving solution.
ProgressCallback = Callable[[ProgressPoint], None]


def make_progress_callback(
    scale: float, offset: float, user: ProgressCallback | None, origin: float | None = None
) -> tuple[Any, list[ProgressPoint]]:
    """A CP-SAT solution callback recording (time, objective, bound) in objective units."""
    from ortools.sat.python import cp_model

    points: list[ProgressPoint] = []

    class _Recorder(cp_model.CpSolverSolutionCallback):
        def __init__(self) -> None:
            super().__init__()
            self._t0 = time.perf_counter() if origin is None else origin

        def on_solution_callback(self) -> None:
            point = ProgressPoint(
                wall_time_seconds=time.perf_counter() - self._t0,
                objective=self.objective_value / scale + offset,
                best_bound=self.best_objective_bound / scale + offset,
            )
            points.append(point)
            logger.debug("solution %.3f bound %.3f at %.2fs", point.objective,
                         point.best_bound, point.wall_time_seconds)
            if user is not None:
                user(point)

    return _Recorder(), points


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """``(objective - bound) / max(|objective|, 1e-9)`` clipped at 0; None without a solution."""
    if objective is None or bound is None or not math.isfinite(bound):
        return None
    denom = max(abs(objective), 1e-9)
    return max(0.0, (objective - bound) / denom) if objective != bound else 0.0


def raise_infeasible(status: SolveStatus, reason: str | None, what: str) -> None:
    """Raise :class:`InfeasibleScheduleError` unless ``status`` has a solution."""
    if status.has_solution:
        return
    msg = f"{what} returned status {status.value}"
    if reason:
        msg += f": {reason}"
    elif status is SolveStatus.UNKNOWN:
        msg += ": no solution within the time limit. Fix: raise time_limit_seconds."
    raise InfeasibleScheduleError(msg)


__all__ = [
    "OBJECTIVE_SCALE", "ProgressCallback", "ProgressPoint", "ScheduleInputError",
    "SolveStatus", "SolverConfig",
]
