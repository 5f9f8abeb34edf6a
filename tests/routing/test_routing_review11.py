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
    assert book.forget_before(60.0 * n) == len(book._last) == 0 or len(book) == 0
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
