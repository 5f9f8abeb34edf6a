"""Shift planning and rostering on OR-Tools CP-SAT and HiGHS.

- :func:`solve_shift_counts`: how many people on each shift (covering model on HiGHS, or
  CP-SAT with ``method="cp-sat"``; LP bound, gap);
- :func:`build_roster`: named agents over 1-4 weeks with labour rules, breaks, skills (a
  weekly-pattern model of interchangeable-agent classes on HiGHS first: listed patterns, or
  column generation for large one-week rosters; then the named CP-SAT model);
- :class:`ShiftTemplate` / :func:`load_shifts_yaml`: shift templates;
- :func:`check_roster`: independent hard-rule checker.

OR-Tools and HiGHS are imported inside the functions that solve, and the namespace is lazy (each name
loads its module on first use), so importing this package is cheap.
"""

from typing import TYPE_CHECKING

from routing_ml._lazy import attach

_MODULES = {
    "routing_ml.scheduling._base": (
        "ProgressPoint", "ScheduleInputError", "SolverConfig", "SolveStatus",
    ),
    "routing_ml.scheduling._problem": (
        "RosterProblem", "prepare_problem",
    ),
    "routing_ml.scheduling.check": (
        "check_roster",
    ),
    "routing_ml.scheduling.counts": (
        "ShiftCountModel", "ShiftCountResult", "build_shift_count_model", "lp_relaxation_bound",
        "solve_shift_count_model", "solve_shift_counts",
    ),
    "routing_ml.scheduling.roster": (
        "RosterKPIs", "RosterModel", "RosterResult", "build_roster", "build_roster_model",
        "coverage_from_roster", "precheck_infeasibility", "solve_roster_model",
    ),
    "routing_ml.scheduling.rules": (
        "RosterRules", "RosterWeights", "load_rules_yaml",
    ),
    "routing_ml.scheduling.shifts": (
        "BreakRule", "ShiftTemplate", "ShiftVariant", "WeeklyPattern", "load_shifts_yaml",
        "shift_coverage_matrix",
    ),
}
__getattr__, __dir__, __all__ = attach(
    __name__, {name: mod for mod, names in _MODULES.items() for name in names}
)

if TYPE_CHECKING:  # static analysers see the real names
    from routing_ml.scheduling._base import (
        ProgressPoint,
        ScheduleInputError,
        SolverConfig,
        SolveStatus,
    )
    from routing_ml.scheduling._problem import (
        RosterProblem,
        prepare_problem,
    )
    from routing_ml.scheduling.check import (
        check_roster,
    )
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
