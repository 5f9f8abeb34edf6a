"""Review findings of a service engineer embedding the Router (2026-12-02, evening).
Each test failed before its fix."""

from __future__ import annotations

import logging
import pickle

import pandas as pd

from routing_ml.routing import Contact, Router, SkillBased
from routing_ml.routing.router import PRUNE_MIN_CITIZENS, CaseBook


def test_the_case_book_forgets_citizens_whose_last_contact_left_the_window():
    """300,000 citizens over a year were all kept (93 MB, a 14.7 MB saved router)."""
    book = CaseBook(window_seconds=3600.0)
    n = 3 * PRUNE_MIN_CITIZENS
    for i in range(n):  # one citizen a minute: about 60 within the window at any time
        book.record(f"c{i}", 60.0 * i, "voice", "A1", resolved=False)
    assert len(book) < 2 * PRUNE_MIN_CITIZENS + 1
    # recent citizens still link; an old one is gone
    assert book.lookup(f"c{n - 1}", 60.0 * n)[0]
    assert book.lookup(f"c{n - 30}", 60.0 * n)[0]
    assert not book.lookup("c0", 60.0 * n)[0]
    assert "c0" not in book._last and "c0" not in book._times
    forgotten = book.forget_before(60.0 * n)
    assert forgotten > 0 and len(book) == 0 and not book._times
    # the pruning state survives a round trip through pickle (and old pickles load)
    book.record("x", 1e9, "voice", None, resolved=False)
    again = pickle.loads(pickle.dumps(book))
    assert again.lookup("x", 1e9)[0] and again._newest == 1e9
    state = again.__getstate__()
    del state["_newest"]
    old = CaseBook.__new__(CaseBook)
    old.__setstate__(state)
    assert old._newest == 1e9


def _router():
    agents = pd.DataFrame({"agent_id": ["A1", "A2"], "skills": [{"tax": 2}, {"tax": 1}]})
    return Router(agents, policy=SkillBased())


def test_a_contact_with_a_bad_field_is_logged_naming_the_field(caplog):
    """Before: ``no_eligible_agent:bad_input`` with no log line at all."""
    router = _router()
    with caplog.at_level(logging.DEBUG, logger="routing_ml"):
        d = router.route(Contact("k", channel="voice", skill="tax", arrival_seconds="12"))
        d2 = router.route(Contact("k", channel="voice", skill="tax", arrival_seconds="13"))
        d3 = router.route(Contact("k", channel="voice", skill="tax", is_repeat="no"))
    assert d.reason == d2.reason == d3.reason == "no_eligible_agent:bad_input"
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2  # once per field at WARNING, then DEBUG
    assert "arrival_seconds" in warnings[0].getMessage() and "'12'" in warnings[0].getMessage()
    assert "is_repeat" in warnings[1].getMessage()
    assert any("arrival_seconds" in r.getMessage() and r.levelno == logging.DEBUG
               for r in caplog.records)
    assert router.stats()["bad_input"] == 3
    # in a batch, too
    with caplog.at_level(logging.DEBUG, logger="routing_ml"):
        caplog.clear()
        out = router.route_batch([Contact("k", channel="voice", skill="tax", arrival_seconds=0.0),
                                  Contact("k", channel=7, skill="tax")], globally=False)
    assert out[1].reason == "no_eligible_agent:bad_input" != out[0].reason
    assert any("channel must be text" in r.getMessage() for r in caplog.records)
    assert router.stats()["bad_input"] == 4


def test_a_contact_offered_again_without_now_is_warned_about(caplog):
    """``now`` defaults to the arrival: re-offered after its retry without ``now``, a
    contact waited 0 s for ever while agents one proficiency step lower were free."""
    router = _router()  # proficiency 2 and 1: the first bullseye step asks for 3
    c = Contact("c1", channel="voice", skill="tax", arrival_seconds=100.0)
    with caplog.at_level(logging.WARNING, logger="routing_ml"):
        first = router.route(c)
        assert first.agent < 0 and first.retry_after_seconds is not None
        assert not caplog.records
        again = router.route(c)
    assert again.agent < 0  # still waiting 0 s ...
    assert any("offered again without now" in r.getMessage() and "'c1'" in r.getMessage()
               for r in caplog.records)
    # ... where the clock moves it on
    assert router.route(c, now=100.0 + 40).agent_id == "A1"
    # a contact offered with now is not remembered; routed once, no warning
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="routing_ml"):
        router.route(Contact("c2", channel="voice", skill="tax", arrival_seconds=0.0), now=0.0)
        router.route(Contact("c2", channel="voice", skill="tax", arrival_seconds=0.0))
    assert not caplog.records


def test_a_model_failing_on_every_call_opens_the_circuit(caplog):
    """Each decision paid for the failure of a model raising every time; the circuit
    opened for slow models only, and without a WARNING."""
    from routing_ml.routing.base import RoutingPolicy

    class Broken(RoutingPolicy):
        name = "broken"
        model = object()
        calls = 0

        def choose(self, contact, pool, now):
            Broken.calls += 1
            raise RuntimeError("model file is garbage")

    agents = pd.DataFrame({"agent_id": ["A1", "A2"], "skills": [{"tax": 3}, {"tax": 3}]})
    router = Router(agents, policy=Broken(), circuit_max_slow=3, circuit_cooldown_decisions=5)
    with caplog.at_level(logging.WARNING, logger="routing_ml"):
        ds = [router.route(Contact(f"c{i}", channel="voice", skill="tax"), ["A1", "A2"])
              for i in range(8)]
    assert all(d.agent >= 0 for d in ds)  # the rules answered every time
    assert Broken.calls == 3  # then five decisions without calling it
    st = router.stats()
    assert st["fallback:model_error"] == 3 and st["fallback:circuit_open"] == 5
    assert any("failed 3 times in a row" in r.getMessage() for r in caplog.records)


def test_an_intent_model_that_never_abstains_without_a_threshold_is_warned_about():
    """By default any guess became a hard skill requirement: "DNI" at 0.09 (chance 0.05),
    "hola" at 0.29, "quiero hablar con una persona" at 0.76 (review, 2026-12-02)."""
    import warnings

    import pytest

    class Guesser:
        abstain_threshold = None
        classes_ = ["tax", "census"]

        def predict_proba(self, texts):
            return [[0.55, 0.45] for _ in texts]

    agents = pd.DataFrame({"agent_id": ["A1"], "skills": [{"tax": 3, "census": 3}]})
    with pytest.warns(UserWarning, match="min_intent_confidence not set"):
        Router(agents, intent_model=Guesser())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Router(agents, intent_model=Guesser(), min_intent_confidence=0.0)  # a choice
        Router(agents)  # no intent model
        Guesser.abstain_threshold = 0.4  # the model abstains on its own
        Router(agents, intent_model=Guesser())
    # the threshold sends the unsure text to triage: no skill required
    router = Router(agents, intent_model=Guesser(), min_intent_confidence=0.6)
    c = router.prepare(Contact("k", channel="chat", text="hola"), 0.0)
    assert c.intent is None
