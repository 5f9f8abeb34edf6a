"""Routing defects found in review (session of 2 December): each test failed before its
fix."""

from __future__ import annotations

import pytest
from test_routing_pair_model import AGENTS, make_log

from routing_ml.routing import Router
from routing_ml.routing.base import AgentPool, Contact
from routing_ml.routing.pair_model import PairOutcomeModel
from routing_ml.routing.policies import BullseyeStep, SkillBased

ROSTER = [{"agent_id": "A1", "skills": {"tax": 3}, "languages": ("ES",), "channels": ("Voice",)},
          {"agent_id": "A2", "skills": {"tax": 3}, "languages": "EN, ca", "channels": ("voice",)}]


def test_roster_codes_in_capitals_are_read_as_the_contacts_are():
    # before: "EN" in the roster and "EN" on the contact (lower-cased by the Router) never
    # met: nobody "spoke" en, the language was dropped and the Spanish-only A1 answered
    r = Router(ROSTER)
    d = r.route(Contact(1, "voice", 0.0, skill="tax", language="EN"))
    assert d.agent_id == "A2", d
    assert r.route(Contact(2, "VOICE", 0.0, skill="tax", language="es")).agent_id == "A1"
    pool = AgentPool.from_agents(ROSTER)
    assert set(pool.language_names) == {"ca", "en", "es"} and "voice" in pool.channel_names
    assert pool.languages[pool.agent_index("A2"), pool.language_index("ca")]
    assert pool.capacity[pool.agent_index("A1"), pool.channel_index("voice")] == 1


def test_pair_model_reads_roster_and_log_codes_alike():
    log = make_log(600).assign(language=lambda d: d["language"].str.upper())
    roster = [{**a, "languages": tuple(x.upper() for x in a["languages"])} for a in AGENTS]
    m = PairOutcomeModel(n_estimators=20, min_child_samples=30, random_state=0).fit(log, roster)
    assert set(m.languages_) == {"es", "en"}


@pytest.mark.parametrize("steps, match", [
    ((BullseyeStep(0, 3), BullseyeStep(float("nan"), 1)), r"bullseye\[1\].after_seconds must be a finite"),
    ((BullseyeStep(0, 3), BullseyeStep(float("inf"), 1)), r"bullseye\[1\].after_seconds must be a finite"),
    ((BullseyeStep(0.0, "3"),), r"bullseye\[0\].min_proficiency must be a whole number in 0-5, got '3'"),
    ((BullseyeStep(0.0, 2.5),), "min_proficiency must be a whole number"),
    ((BullseyeStep(0.0, True),), "min_proficiency must be a whole number"),
])
def test_bullseye_steps_are_validated(steps, match):
    with pytest.raises(ValueError, match=match):
        SkillBased(bullseye=steps)


def test_pair_model_refuses_a_duplicated_agent_or_skills_that_are_not_a_mapping():
    log = make_log(300)
    dup = [*AGENTS, {**AGENTS[0], "skills": {k: 0 for k in AGENTS[0]["skills"]}}]
    with pytest.raises(ValueError, match=r"duplicated agent_id \['A0'\]"):
        PairOutcomeModel(n_estimators=10, random_state=0).fit(log, dup)
    text = [{**AGENTS[0], "skills": "tax:3"}, *AGENTS[1:]]
    with pytest.raises(ValueError, match="agent 'A0': column 'skills' is 'tax:3'; give a mapping"):
        PairOutcomeModel(n_estimators=10, random_state=0).fit(log, text)


def test_one_agent_dict_as_available_agents_is_one_agent():
    r = Router(ROSTER)
    c = Contact(1, "voice", 0.0, skill="tax", language="es")
    d = r.route(c, {"agent_id": "A1", "skills": {"tax": 3}, "languages": ("es",)})
    assert d.agent_id == "A1" and "unknown_agent" not in r.stats()
    d = r.route(c, b"A1")
    assert not d.routed and d.reason.endswith("bad_input")


def test_the_pool_a_router_hands_out_is_a_copy():
    # before: router.pool was the live roster; pool.assign(...) on it marked A1 busy for
    # every later decision of the Router
    r = Router(ROSTER)
    pool = r.pool
    pool.assign(pool.agent_index("A1"), pool.channel_index("voice"), 0.0)
    c = Contact(1, "voice", 0.0, skill="tax", language="es")
    assert r.route(c).agent_id == "A1"
    assert r.pool.load.sum() == 0
