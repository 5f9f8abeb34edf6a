"""Discrete-event simulation of a contact center: validate staffing plans, compare routing
policies honestly (common random numbers, paired confidence intervals), replay real logs.

Public names: :func:`simulate`, :func:`compare_policies`, :class:`SimulationResult`,
:class:`ComparisonResult`, :func:`arrivals_from_forecast`,
:func:`contacts_from_bank_log`, :func:`shifts_from_requirements`,
:func:`shifts_from_roster`, the outcome models (:class:`ExponentialService`,
:class:`GroundTruthOutcomes`, :class:`LoggedOutcomes`), :class:`GroundTruthOracle` (a
greedy routing policy that knows the synthetic ground truth), :class:`GroundTruthScorer`
(the true outcomes with a pair model's interface, for ``Predictive`` with perfect
predictions), :class:`PolicyError` and :class:`OutcomeError`.

The package namespace is lazy (``routing-ml --help`` imports ``simulation._cli`` without
pandas); each name is imported from its module on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from routing_ml._lazy import attach

_LAZY: dict[str, str] = {
    "ComparisonResult": "routing_ml.simulation._api",
    "SimulationResult": "routing_ml.simulation._api",
    "compare_policies": "routing_ml.simulation._api",
    "simulate": "routing_ml.simulation._api",
    "OutcomeError": "routing_ml.simulation._engine",
    "PolicyError": "routing_ml.simulation._engine",
    "arrivals_from_forecast": "routing_ml.simulation._inputs",
    "contacts_from_bank_log": "routing_ml.simulation._inputs",
    "shifts_from_requirements": "routing_ml.simulation._inputs",
    "shifts_from_roster": "routing_ml.simulation._inputs",
    "GroundTruthOracle": "routing_ml.simulation.oracle",
    "GroundTruthScorer": "routing_ml.simulation.oracle",
    "ExponentialService": "routing_ml.simulation.outcomes",
    "GroundTruthOutcomes": "routing_ml.simulation.outcomes",
    "LoggedOutcomes": "routing_ml.simulation.outcomes",
}

__getattr__, __dir__, __all__ = attach(__name__, _LAZY)

if TYPE_CHECKING:  # pragma: no cover
    from routing_ml.simulation._api import (
        ComparisonResult,
        SimulationResult,
        compare_policies,
        simulate,
    )
    from routing_ml.simulation._engine import OutcomeError, PolicyError
    from routing_ml.simulation._inputs import (
        arrivals_from_forecast,
        contacts_from_bank_log,
        shifts_from_requirements,
        shifts_from_roster,
    )
    from routing_ml.simulation.oracle import GroundTruthOracle, GroundTruthScorer
    from routing_ml.simulation.outcomes import (
        ExponentialService,
        GroundTruthOutcomes,
        LoggedOutcomes,
    )

