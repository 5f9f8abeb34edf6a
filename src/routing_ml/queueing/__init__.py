"""Queueing: Erlang B / C / A, service level, ASA, occupancy, required agents, channels.

Pure functions over numpy arrays (scalars broadcast), exact in log space from 0 to
100,000 contacts per interval; no per-interval Python loops. pandas Series are taken too:
those given to one call must share their index, and an array answer comes back as a Series
on it. See
:mod:`routing_ml.queueing.erlang` for the formulas and their sources,
:mod:`routing_ml.queueing.staffing` for the search and the shrinkage rounding, and
:mod:`routing_ml.queueing.channels` for the chat and email models. pandas is imported
only by :func:`staffing_requirements`.

Examples
--------
>>> from routing_ml.queueing import erlang_c, required_agents, service_level
>>> round(erlang_c(2.0, 3), 6)                 # P(wait): 2 erlangs, 3 agents = 4/9
0.444444
>>> required_agents(100, 180, 30)             # 10 erlangs, 80% answered within 20 s
14
>>> required_agents(100, 180, 30, shrinkage=0.3)  # 14 / 0.7 = 20 exactly
20
>>> required_agents([0, 600], 300, 15, patience_seconds=60).tolist()  # Erlang A: < 200
[0, 177]
"""

from typing import TYPE_CHECKING

from routing_ml._lazy import attach

_MODULES = {
    "routing_ml.queueing._validate": ("InfeasibleTargetError", "QueueingInputError"),
    "routing_ml.queueing.channels": ("chat_required_agents", "deferred_required_agents"),
    "routing_ml.queueing.erlang": (
        "ErlangAResult", "asa_seconds", "erlang_a", "erlang_b", "erlang_c", "occupancy",
        "service_level", "traffic_erlangs",
    ),
    "routing_ml.queueing.plots": ("plot_staffing",),
    "routing_ml.queueing.requirements": ("read_staffing_targets", "staffing_requirements"),
    "routing_ml.queueing.staffing": (
        "StaffingTarget", "apply_shrinkage", "erlang_b_required_agents", "required_agents",
    ),
}
__getattr__, __dir__, __all__ = attach(
    __name__, {name: mod for mod, names in _MODULES.items() for name in names}
)

if TYPE_CHECKING:  # static analysers see the real names
    from routing_ml.queueing._validate import InfeasibleTargetError, QueueingInputError
    from routing_ml.queueing.channels import chat_required_agents, deferred_required_agents
    from routing_ml.queueing.erlang import (
        ErlangAResult,
        asa_seconds,
        erlang_a,
        erlang_b,
        erlang_c,
        occupancy,
        service_level,
        traffic_erlangs,
    )
    from routing_ml.queueing.plots import plot_staffing
    from routing_ml.queueing.requirements import read_staffing_targets, staffing_requirements
    from routing_ml.queueing.staffing import (
        StaffingTarget,
        apply_shrinkage,
        erlang_b_required_agents,
        required_agents,
    )
