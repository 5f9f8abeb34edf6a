"""Shift planning and rostering on OR-Tools CP-SAT.

- :func:`solve_shift_counts`: how many people on each shift (covering model, LP bound, gap);
- :func:`build_roster`: named agents over 1-4 weeks with labour rules, breaks, skills;
- :class:`ShiftTemplate` / :func:`load_shifts_yaml`: shift templates;
- :func:`check_roster`: independent hard-rule checker.

OR-Tools is imported inside the functions that solve, so importing this package is cheap.
"""

from routing_ml.scheduling._base import (
    ProgressPoint,
    ScheduleInputError,
    SolverConfig,
    SolveStatus,
)
from routing_ml.scheduling._problem import RosterProblem, prepare_problem
from routing_ml.scheduling.check import check_roster
from routing_ml.scheduling.counts import (
    ShiftCountModel,
    ShiftCountResult,
    build_shift_count_model,
    lp_relaxation_bound,
    solve_shift_count_model,
    solve_shift_counts,
)
from routing_ml.scheduling.roster import (
    RosterKPIs,
    RosterModel,
    RosterResult,
    build_roster,
    build_roster_model,
    coverage_from_roster,
    precheck_infeasibility,
    solve_roster_model,
)
from routing_ml.scheduling.rules import (
    RosterRules,
    RosterWeights,
    load_rules_yaml,
)
from routing_ml.scheduling.shifts import (
    BreakRule,
    ShiftTemplate,
    ShiftVariant,
    WeeklyPattern,
    load_shifts_yaml,
    shift_coverage_matrix,
)

__all__ = [
    "BreakRule", "ProgressPoint", "RosterKPIs", "RosterModel", "RosterProblem", "RosterResult",
    "RosterRules", "RosterWeights", "ScheduleInputError", "ShiftCountModel", "ShiftCountResult",
    "ShiftTemplate", "ShiftVariant", "SolveStatus", "SolverConfig", "WeeklyPattern",
    "build_roster", "build_roster_model", "build_shift_count_model", "check_roster",
    "coverage_from_roster", "load_rules_yaml", "load_shifts_yaml", "lp_relaxation_bound",
    "precheck_infeasibility", "prepare_problem", "shift_coverage_matrix", "solve_roster_model",
    "solve_shift_count_model", "solve_shift_counts",
]
