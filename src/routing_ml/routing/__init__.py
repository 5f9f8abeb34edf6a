"""Intelligent routing: intent detection, a contact–agent outcome model, policies, Router.

``import routing_ml.routing`` stays light (numpy only): LightGBM is imported when a
``PairOutcomeModel`` is fitted or loaded, scipy when a batch is assigned, and
``IntentClassifier`` (scikit-learn / sentence-transformers) only when first accessed.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from routing_ml.routing.base import (
    AgentPool,
    BatchRoutingPolicy,
    Contact,
    ContactChoosingPolicy,
    Decision,
    LongestIdleAgent,
    RoutingPolicy,
)
from routing_ml.routing.pair_model import PairOutcomeModel
from routing_ml.routing.policies import (
    DEFAULT_BULLSEYE,
    DEFAULT_PREDICTIVE_BULLSEYE,
    BatchAssignment,
    BullseyeStep,
    Predictive,
    SkillBased,
)
from routing_ml.routing.router import CaseBook, Router

_LAZY = {"IntentClassifier": "routing_ml.routing.intent"}

__all__ = [
    "DEFAULT_BULLSEYE",
    "DEFAULT_PREDICTIVE_BULLSEYE",
    "AgentPool",
    "BatchAssignment",
    "BatchRoutingPolicy",
    "BullseyeStep",
    "CaseBook",
    "Contact",
    "ContactChoosingPolicy",
    "Decision",
    "IntentClassifier",
    "LongestIdleAgent",
    "PairOutcomeModel",
    "Predictive",
    "Router",
    "RoutingPolicy",
    "SkillBased",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'routing_ml.routing' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
