"""Intelligent routing: intent detection, a contact–agent outcome model, policies, Router.

``import routing_ml.routing`` is lazy: each name loads its module on first use (numpy
then); LightGBM is imported when a ``PairOutcomeModel`` is fitted or loaded, scipy when a
batch is assigned, scikit-learn / sentence-transformers when ``IntentClassifier`` is used.
"""

from typing import TYPE_CHECKING

from routing_ml._lazy import attach

_MODULES = {
    "routing_ml.routing.base": (
        "AgentPool", "BatchRoutingPolicy", "Contact", "ContactChoosingPolicy", "Decision",
        "LongestIdleAgent", "RoutingPolicy", "contact_from_record",
    ),
    "routing_ml.routing.pair_model": (
        "PairOutcomeModel",
    ),
    "routing_ml.routing.policies": (
        "DEFAULT_BULLSEYE", "DEFAULT_PREDICTIVE_BULLSEYE", "BatchAssignment", "BullseyeStep",
        "Predictive", "SkillBased",
    ),
    "routing_ml.routing.router": (
        "CaseBook", "Router",
    ),
    "routing_ml.routing.intent": (
        "IntentClassifier", "IntentPrediction", "TopK", "coverage_threshold",
        "misroute_rate_at_coverage", "recency_weights",
    ),
}
__getattr__, __dir__, __all__ = attach(
    __name__, {name: mod for mod, names in _MODULES.items() for name in names}
)

if TYPE_CHECKING:  # static analysers see the real names
    from routing_ml.routing.base import (
        AgentPool,
        BatchRoutingPolicy,
        Contact,
        ContactChoosingPolicy,
        Decision,
        LongestIdleAgent,
        RoutingPolicy,
        contact_from_record,
    )
    from routing_ml.routing.intent import (
        IntentClassifier,
        IntentPrediction,
        TopK,
        coverage_threshold,
        misroute_rate_at_coverage,
        recency_weights,
    )
    from routing_ml.routing.pair_model import (
        PairOutcomeModel,
    )
    from routing_ml.routing.policies import (
        DEFAULT_BULLSEYE,
        DEFAULT_PREDICTIVE_BULLSEYE,
        BatchAssignment,
        BullseyeStep,
        Predictive,
        SkillBased,
    )
    from routing_ml.routing.router import (
        CaseBook,
        Router,
    )
