"""routing_ml: route, forecast, staff, schedule and simulate a citizen-service contact center.

The top-level namespace is lazy: ``import routing_ml`` imports no heavy dependency; each
public name is imported from its room the first time it is used.
"""

from __future__ import annotations

import logging

from routing_ml._lazy import attach

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

# public name -> module that defines it (one public name per concept)
_LAZY: dict[str, str] = {
    # datasets
    "load_bank_calls": "routing_ml.datasets",
    "load_anonymous_bank": "routing_ml.datasets",
    "load_banking77": "routing_ml.datasets",
    "load_avisos_madrid": "routing_ml.datasets",
    "make_contact_center": "routing_ml.datasets",
    "ContactCenter": "routing_ml.datasets",
    "GroundTruth": "routing_ml.datasets",
    # queueing
    "erlang_b": "routing_ml.queueing",
    "erlang_c": "routing_ml.queueing",
    "service_level": "routing_ml.queueing",
    "asa_seconds": "routing_ml.queueing",
    "occupancy": "routing_ml.queueing",
    "required_agents": "routing_ml.queueing",
    "staffing_requirements": "routing_ml.queueing",
    "erlang_a": "routing_ml.queueing",
    "erlang_b_required_agents": "routing_ml.queueing",
    "chat_required_agents": "routing_ml.queueing",
    "deferred_required_agents": "routing_ml.queueing",
    "traffic_erlangs": "routing_ml.queueing",
    "StaffingTarget": "routing_ml.queueing",
    # forecasting
    "Forecaster": "routing_ml.forecasting",
    "cross_validation": "routing_ml.forecasting",
    "HandleTimeForecaster": "routing_ml.forecasting",
    # scheduling
    "solve_shift_counts": "routing_ml.scheduling",
    "build_roster": "routing_ml.scheduling",
    "ShiftTemplate": "routing_ml.scheduling",
    "RosterRules": "routing_ml.scheduling",
    "load_shifts_yaml": "routing_ml.scheduling",
    "check_roster": "routing_ml.scheduling",
    # routing
    "IntentClassifier": "routing_ml.routing",
    "PairOutcomeModel": "routing_ml.routing",
    "Router": "routing_ml.routing",
    "SkillBased": "routing_ml.routing",
    "Predictive": "routing_ml.routing",
    "BatchAssignment": "routing_ml.routing",
    "LongestIdleAgent": "routing_ml.routing",
    "Contact": "routing_ml.routing",
    # simulation
    "simulate": "routing_ml.simulation",
    "compare_policies": "routing_ml.simulation",
    "SimulationResult": "routing_ml.simulation",
    "ComparisonResult": "routing_ml.simulation",
    # tracking (functions stay under routing_ml.tracking: start_run, log_model, ...)
    "RoutingMLModel": "routing_ml.tracking",
}

__getattr__, __dir__, _names = attach(__name__, _LAZY)
__all__ = [*_names, "__version__"]
