"""Discrete-event simulation of a contact center: validate staffing plans, compare routing
policies honestly (common random numbers, paired confidence intervals), replay real logs.

Public names: :func:`simulate`, :func:`compare_policies`, :class:`SimulationResult`,
:class:`ComparisonResult`, :func:`arrivals_from_forecast`,
:func:`contacts_from_bank_log`, :func:`shifts_from_requirements`,
:func:`shifts_from_roster`, the outcome models
(:class:`ExponentialService`, :class:`GroundTruthOutcomes`, :class:`LoggedOutcomes`) and
:class:`GroundTruthOracle` (a routing policy that knows the synthetic ground truth).
"""

from routing_ml.simulation._api import (
    ComparisonResult,
    SimulationResult,
    compare_policies,
    simulate,
)
from routing_ml.simulation._engine import PolicyError
from routing_ml.simulation._inputs import (
    arrivals_from_forecast,
    contacts_from_bank_log,
    shifts_from_requirements,
    shifts_from_roster,
)
from routing_ml.simulation.oracle import GroundTruthOracle
from routing_ml.simulation.outcomes import (
    ExponentialService,
    GroundTruthOutcomes,
    LoggedOutcomes,
)

__all__ = [
    "ComparisonResult",
    "ExponentialService",
    "GroundTruthOracle",
    "GroundTruthOutcomes",
    "LoggedOutcomes",
    "PolicyError",
    "SimulationResult",
    "arrivals_from_forecast",
    "compare_policies",
    "contacts_from_bank_log",
    "shifts_from_requirements",
    "shifts_from_roster",
    "simulate",
]
