"""Review findings (2026-12-01, second session): a NaN confidence taken as certain, a
batch model's (n, 1) answer routing contacts to agents without their skill, language
read past ``max_chars``, junk text given a confident language, an intent of None."""

from __future__ import annotations

import numpy as np
import pytest

from routing_ml.routing import IntentClassifier, Router
from routing_ml.routing.base import Contact
from routing_ml.routing.intent import IntentPrediction
from routing_ml.routing.policies import BatchAssignment

TEXTS = ["renovar el dni", "cita para el dni", "dni caducado", "farola apagada", "farola rota",
         "luz de la calle"]
LABELS = ["documentos"] * 3 + ["alumbrado"] * 3
AGENTS = [{"agent_id": "A1", "skills": {"doc": 3}, "channels": ("voice",)},
          {"agent_id": "A2", "skills": {"luz": 3}, "channels": ("voice",)}]
SKILLS = {"documentos": "doc", "alumbrado": "luz"}


def test_a_nan_confidence_abstains_and_leaves_the_intent_unknown():
    bad = IntentClassifier(abstain_threshold=0.9).fit(TEXTS, LABELS)
    bad.temperature_ = float("nan")  # a corrupted model
    one = bad.predict_one("hola")
    assert one.abstained and one.intent == "triage"
    assert bad.predict(["hola"]).tolist() == ["triage"]
    assert bad.predict(["hola", "x"]).tolist() == ["triage", "triage"]
    router = Router(AGENTS, intent_model=bad, intent_skills=SKILLS, min_intent_confidence=0.9)
    router.route(Contact(1, "voice", text="hola"))
    assert router.stats().get("intent:detected", 0) == 0
    assert router.stats()["intent:low_confidence"] == 1


class _Custom:
    """A predict_one model whose answers are broken in the ways a service meets."""

    triage_queue = None

    def __init__(self, intent, confidence):
        self.intent, self.confidence = intent, confidence

    def predict_one(self, text):
        return IntentPrediction(self.intent, self.confidence, None, "es", False, self.intent)


@pytest.mark.parametrize("intent, confidence", [("documentos", float("nan")), (None, 0.9),
                                                (float("nan"), 0.9)])
def test_router_takes_no_intent_from_a_nan_confidence_or_a_missing_intent(intent, confidence):
    router = Router(AGENTS, intent_model=_Custom(intent, confidence), intent_skills=SKILLS,
                    min_intent_confidence=0.5)
    router.route(Contact(1, "voice", text="hola"))
    stats = router.stats()
    assert stats.get("intent:detected", 0) == 0 and stats["intent:low_confidence"] == 1


def test_batch_assignment_with_column_shaped_model_output_falls_back_to_skills():
    class Column:
        def expected_outcomes(self, contact, pool):
            n = len(pool)
            return np.full((n, 1), 0.8), np.zeros((n, 1))

    agents = [{"agent_id": "L1", "skills": {"luz": 3}, "channels": ("voice",)},
              {"agent_id": "L2", "skills": {"luz": 3}, "channels": ("voice",)},
              {"agent_id": "D1", "skills": {"doc": 3}, "channels": ("voice",)}]
    router = Router(agents, policy=BatchAssignment(Column()))
    ds = router.route_batch([Contact(1, "voice", skill="luz"), Contact(2, "voice", skill="doc")])
    assert [d.agent_id for d in ds] == ["L1", "D1"]
    assert router.stats()["fallback:model_error"] == 2


def test_router_refuses_a_batch_that_gives_a_contact_to_an_agent_without_its_skill():
    class Wrong:  # a policy that ignores skills
        name = "wrong"

        def assign_batch(self, contacts, pool, now):
            from routing_ml.routing.base import Decision

            return [Decision(1, "wrong", agent_id="A2") for _ in contacts]

        def choose(self, contact, pool, now):
            return self.assign_batch([contact], pool, now)[0]

    router = Router(AGENTS, policy=Wrong())
    d = router.route_batch([Contact(1, "voice", skill="doc")])[0]
    assert d.agent_id == "A1"  # the rules' answer, not the policy's


def test_language_is_read_within_max_chars_like_the_intent():
    clf = IntentClassifier(max_chars=40).fit(TEXTS, LABELS)
    text = "I lost my card and I need a new one now " + "Vull renovar la targeta, si us plau " * 5
    assert clf.predict_one(text).language == clf.predict_one(text[:40]).language == "en"
    assert clf.predict_language([text]).tolist() == ["en"]


def test_ngrams_no_language_has_are_no_evidence():
    from routing_ml.routing._langid import default_language_identifier

    li = default_language_identifier()
    assert li.predict_one("xxxxxxxxxx") == "und"
    assert li.predict_one("12345 " * 30) == "und"
    for text, lang in [("hola quiero renovar el dni", "es"), ("I lost my card", "en"),
                       ("Vull renovar la targeta", "ca")]:
        assert li.predict_one(text) == lang
