"""Queueing: Erlang B / C / A, service level, ASA, occupancy, required agents, channels.

Pure functions over numpy arrays (scalars broadcast), exact in log space from 0 to
100,000 contacts per interval; no per-interval Python loops. See
:mod:`routing_ml.queueing.erlang` for the formulas and their sources,
:mod:`routing_ml.queueing.staffing` for the search and the shrinkage rounding, and
:mod:`routing_ml.queueing.channels` for the chat and email models. pandas is imported
only by :func:`staffing_requirements`.
"""

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
from routing_ml.queueing.requirements import read_staffing_targets, staffing_requirements
from routing_ml.queueing.staffing import (
    StaffingTarget,
    apply_shrinkage,
    erlang_b_required_agents,
    required_agents,
)

__all__ = [
    "ErlangAResult",
    "InfeasibleTargetError",
    "QueueingInputError",
    "StaffingTarget",
    "apply_shrinkage",
    "asa_seconds",
    "chat_required_agents",
    "deferred_required_agents",
    "erlang_a",
    "erlang_b",
    "erlang_b_required_agents",
    "erlang_c",
    "occupancy",
    "read_staffing_targets",
    "required_agents",
    "service_level",
    "staffing_requirements",
    "traffic_erlangs",
]
